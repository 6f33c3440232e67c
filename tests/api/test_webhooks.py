"""Webhooks (issue 22): Partner Center's registration API, test events, signed deliveries from the
change feed to a local receiver (tests/api/receiver.py), retries, parking, redelivery, restarts.

Two servers: `hooks` runs with --webhook-allow-private --webhook-allow-http (the receiver is on
loopback); `strict` runs without them, for the SSRF rules."""
import json
import os
import time
import uuid

import pytest

from helpers import (ON_PG, SLOW, Client, assert_error, audit_all, http_request, staff_client)

ALLOW = ["--webhook-allow-private", "--webhook-allow-http"]
FAST = ["--webhook-retry-min", "20", "--webhook-retry-max", "80"]
EVENTS = ["customer-created", "customer-updated", "customer-deleted", "billingprofile-updated",
          "subscription-created", "subscription-updated", "customeruser-created", "customeruser-updated",
          "customeruser-deleted", "relationship-accepted", "relationship-ended", "indirectreseller-created",
          "indirectreseller-ended", "test-created"]
REG = "/webhooks/v1/registration"
PUBLIC_URL = "https://93.184.216.34/hooks"  # a public address literal: no DNS needed


@pytest.fixture(scope="module")
def hooks(make_module_server):
    return make_module_server(ALLOW + FAST)


@pytest.fixture(scope="module")
def strict(make_module_server):
    return make_module_server([])


@pytest.fixture(scope="module")
def make_module_server():
    from helpers import Server
    servers = []

    def make(args):
        s = Server(args).start()
        servers.append(s)
        return s

    yield make
    for s in servers:
        try:
            s.stop()
        finally:
            s.cleanup()


def register(client, url=PUBLIC_URL, events=("test-created",)):
    r = client.req("POST", REG, {"WebhookUrl": url, "WebhookEvents": list(events)})
    assert r.status == 200, r
    return r.json


# ---- the registration API ---------------------------------------------------------------------

def test_events_are_the_catalogue_as_a_json_array(strict):
    c = strict.partner("Events")
    r = c.get(REG + "/events")
    assert r.status == 200, r
    assert r.json == EVENTS


def test_register_view_update_delete_as_partner_center_shows_them(strict):
    c = strict.partner("Crud")
    assert_error(c.get(REG), 404)
    r = c.req("POST", REG, {"WebhookUrl": PUBLIC_URL, "WebhookEvents": ["subscription-updated", "test-created"]})
    assert r.status == 200, r
    sub = r.json["SubscriberId"]
    assert r.json == {"SubscriberId": sub, "WebhookUrl": PUBLIC_URL,
                      "WebhookEvents": ["subscription-updated", "test-created"]}
    uuid.UUID(sub)
    etag = r.h("ETag")
    g = c.get(REG)
    assert g.status == 200 and g.json == r.json and g.h("ETag") == etag, g
    again = c.req("POST", REG, {"WebhookUrl": PUBLIC_URL, "WebhookEvents": ["test-created"]})
    j = assert_error(again, 409)
    assert "PUT" in j["description"], j
    p = c.req("PUT", REG, {"WebhookUrl": PUBLIC_URL + "/v2", "WebhookEvents": ["customer-created"]},
              headers={"If-Match": etag})
    assert p.status == 200, p
    assert p.json == {"SubscriberId": sub, "WebhookUrl": PUBLIC_URL + "/v2", "WebhookEvents": ["customer-created"]}
    assert p.h("ETag") != etag
    stale = c.req("PUT", REG, {"WebhookUrl": PUBLIC_URL, "WebhookEvents": ["test-created"]},
                  headers={"If-Match": etag})
    assert_error(stale, 412)
    assert c.get(REG).json["WebhookUrl"] == PUBLIC_URL + "/v2", "a stale PUT changed nothing"
    assert_error(c.req("DELETE", REG, headers={"If-Match": etag}), 412)
    d = c.req("DELETE", REG, headers={"If-Match": p.h("ETag")})
    assert d.status == 204, d
    assert_error(c.get(REG), 404)
    assert_error(c.req("DELETE", REG), 404)
    assert_error(c.req("PUT", REG, {"WebhookUrl": PUBLIC_URL, "WebhookEvents": ["test-created"]}), 404)
    ops = [x["operationType"] for x in audit_all(c)
           if x.get("resourceType") == "webhook_registration" and x["operationStatus"] == "succeeded"]
    assert ops.count("create_webhook_registration") == 1 and ops.count("update_webhook_registration") == 1
    assert ops.count("delete_webhook_registration") == 1, ops


BAD = [
    ({"WebhookUrl": PUBLIC_URL, "WebhookEvents": ["test-created"], "Secret": "x"}, "Secret"),
    ({"WebhookEvents": ["test-created"]}, "WebhookUrl"),
    ({"WebhookUrl": 5, "WebhookEvents": ["test-created"]}, "WebhookUrl"),
    ({"WebhookUrl": "ftp://93.184.216.34/x", "WebhookEvents": ["test-created"]}, "WebhookUrl"),
    ({"WebhookUrl": "http://93.184.216.34/x", "WebhookEvents": ["test-created"]}, "WebhookUrl"),
    ({"WebhookUrl": "https://user:pw@93.184.216.34/x", "WebhookEvents": ["test-created"]}, "WebhookUrl"),
    ({"WebhookUrl": "/relative/path", "WebhookEvents": ["test-created"]}, "WebhookUrl"),
    ({"WebhookUrl": "https://93.184.216.34:99999/x", "WebhookEvents": ["test-created"]}, "WebhookUrl"),
    ({"WebhookUrl": "https://exa mple.com/x", "WebhookEvents": ["test-created"]}, "WebhookUrl"),
    ({"WebhookUrl": "https://93.184.216.34/" + "a" * 2100, "WebhookEvents": ["test-created"]}, "WebhookUrl"),
    ({"WebhookUrl": PUBLIC_URL}, "WebhookEvents"),
    ({"WebhookUrl": PUBLIC_URL, "WebhookEvents": []}, "WebhookEvents"),
    ({"WebhookUrl": PUBLIC_URL, "WebhookEvents": "test-created"}, "WebhookEvents"),
    ({"WebhookUrl": PUBLIC_URL, "WebhookEvents": ["test-created", "usagerecords-thresholdExceeded"]},
     "WebhookEvents"),
    ({"WebhookUrl": PUBLIC_URL, "WebhookEvents": ["test-created", "test-created"]}, "WebhookEvents"),
    ({"WebhookUrl": PUBLIC_URL, "WebhookEvents": [7]}, "WebhookEvents"),
]


@pytest.mark.parametrize("body,field", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_registrations_are_400_naming_the_field_and_change_nothing(strict, body, field):
    c = strict.partner("Bad")
    for method in ("POST", "PUT"):
        assert_error(c.req(method, REG, body), 400, field=field)
    assert_error(c.get(REG), 404)


def test_the_bad_event_is_named(strict):
    c = strict.partner("Named")
    r = c.req("POST", REG, {"WebhookUrl": PUBLIC_URL, "WebhookEvents": ["test-created", "usagerecords-x"]})
    j = assert_error(r, 400, field="WebhookEvents")
    assert "usagerecords-x" in j["description"], j


REFUSED = ["https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://[::1]/hook", "https://localhost:8443/hook",
           "https://169.254.169.254/latest", "https://[::ffff:127.0.0.1]/hook", "https://100.64.0.1/hook",
           "https://192.168.1.1/hook", "https://172.16.0.1/", "https://[fd00::1]/", "https://[fe80::1]/",
           "https://224.0.0.1/", "https://0.0.0.0/", "https://[::]/"]


@pytest.mark.parametrize("url", REFUSED)
def test_private_and_loopback_addresses_are_refused_without_the_flag(strict, url):
    c = strict.partner("Ssrf")
    j = assert_error(c.req("POST", REG, {"WebhookUrl": url, "WebhookEvents": ["test-created"]}), 400,
                     field="WebhookUrl")
    assert "--webhook-allow-private" in j["description"], j
    assert_error(c.get(REG), 404)


def test_the_refusal_speaks_the_callers_language(strict):
    c = strict.partner("Lang")
    body = {"WebhookUrl": "https://127.0.0.1/hook", "WebhookEvents": ["test-created"]}
    zh = assert_error(c.req("POST", REG, body, headers={"X-Locale": "zh-CN"}), 400, field="WebhookUrl")
    assert "环回" in zh["description"] and "127.0.0.1" in zh["description"], zh
    de = assert_error(c.req("POST", REG, body, headers={"X-Locale": "de-DE"}), 400, field="WebhookUrl")
    assert "Adresse" in de["description"], de
    h = assert_error(c.req("POST", REG, dict(body, WebhookUrl="http://93.184.216.34/"),
                           headers={"X-Locale": "de-DE"}), 400, field="WebhookUrl")
    assert "--webhook-allow-http" in h["description"] and "muss" in h["description"], h


def test_own_listen_address_is_refused_and_allowed_only_with_the_flag(strict, hooks):
    own = "https://127.0.0.1:%d/hook" % strict.port
    assert_error(strict.partner("Own").req("POST", REG, {"WebhookUrl": own, "WebhookEvents": ["test-created"]}),
                 400, field="WebhookUrl")
    c = hooks.partner("Own ok")
    register(c, "http://127.0.0.1:9/hook")


def test_a_public_literal_and_http_with_the_flag_are_taken(strict, hooks):
    register(strict.partner("Public"), PUBLIC_URL)
    register(hooks.partner("Http"), "http://127.0.0.1:9/x")


# ---- test events ----------------------------------------------------------------------------------

def test_validation_events_need_a_registration_with_test_created(strict):
    c = strict.partner("Validation")
    assert_error(c.req("POST", REG + "/validationEvents"), 404)
    register(c, events=["customer-created"])
    assert_error(c.req("POST", REG + "/validationEvents"), 400, field="WebhookEvents")
    assert_error(c.req("POST", REG + "/validationEvents", {"x": 1}), 400, field="body")


def test_validation_events_are_throttled_to_two_a_minute(strict):
    c = strict.partner("Throttle")
    register(c)
    ids = []
    for _ in range(2):
        r = c.req("POST", REG + "/validationEvents")
        assert r.status == 200, r
        ids.append(r.json["correlationId"])
        uuid.UUID(ids[-1])
    r = c.req("POST", REG + "/validationEvents")
    assert_error(r, 429)
    assert 1 <= int(r.h("Retry-After")) <= 60, r.headers
    g = c.get(REG + "/validationEvents/" + ids[0])
    assert g.status == 200, g
    assert g.json["correlationId"] == ids[0] and g.json["partnerId"] == c.info["partnerId"]
    assert g.json["callbackUrl"] == PUBLIC_URL and g.json["status"] in ("pending", "failed"), g.json
    assert isinstance(g.json["results"], list)
    other = strict.partner("Other")
    assert_error(other.get(REG + "/validationEvents/" + ids[0]), 404)
    assert_error(c.get(REG + "/validationEvents/" + str(uuid.uuid4())), 404)
    assert_error(c.get(REG + "/validationEvents/nope"), 400)


def test_helpdesk_agents_may_not_manage_webhooks(strict):
    admin = strict.partner("Roles")
    helpdesk = staff_client(admin, ["helpdesk_agent"])
    agent = staff_client(admin, ["admin_agent"])
    for method, path in (("GET", REG + "/events"), ("GET", REG), ("POST", REG), ("PUT", REG), ("DELETE", REG),
                         ("POST", REG + "/validationEvents"), ("GET", REG + "/deliveries"),
                         ("POST", REG + "/deliveries/1/redeliver")):
        body = {"WebhookUrl": PUBLIC_URL, "WebhookEvents": ["test-created"]} if method in ("POST", "PUT") \
            and path == REG else None
        assert_error(helpdesk.req(method, path, body), 403)
    register(agent)
    assert admin.get(REG).status == 200


def test_a_partner_sees_only_its_own_registration(strict):
    a, b = strict.partner("Tenant A"), strict.partner("Tenant B")
    register(a)
    assert_error(b.get(REG), 404)
    assert_error(b.req("DELETE", REG), 404)
    register(b, PUBLIC_URL + "/b")
    assert a.get(REG).json["WebhookUrl"] == PUBLIC_URL


def test_deliveries_list_is_empty_then_paged_and_redeliver_needs_a_parked_event(strict):
    c = strict.partner("Deliveries")
    r = c.get(REG + "/deliveries")
    assert r.status == 200 and r.json["items"] == [] and "continuationToken" not in r.json, r
    assert_error(c.req("POST", REG + "/deliveries/999999/redeliver"), 404)
    assert_error(c.req("POST", REG + "/deliveries/abc/redeliver"), 400, field="cursor")
    assert_error(c.get(REG + "/deliveries", headers={"MS-ContinuationToken": "garbage"}), 400)
