"""Webhooks (issue 22): Partner Center's registration API, test events, signed deliveries from the
change feed to a local receiver (tests/api/receiver.py), retries, parking, redelivery, restarts.

Two servers: `hooks` runs with --webhook-allow-private --webhook-allow-http (the receiver is on
loopback); `strict` runs without them, for the SSRF rules."""
import json
import os
import time
import uuid

import pytest

from helpers import (ON_PG, SLOW, Client, assert_error, audit_all, staff_client)

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


@pytest.mark.parametrize("url,shown", [("https://127.0.0.1/hook", r"127\.0\.0\.1"), ("https://[::1]/", "::1"),
                                       ("https://localhost:8443/hook", r"localhost \((127\.0\.0\.1|::1)\)"),
                                       ("https://0177.0.0.1/hook", r"0177\.0\.0\.1 \(127\.0\.0\.1\)")])
def test_the_refusal_names_a_literal_once_and_a_name_with_its_address(strict, url, shown):
    import re
    c = strict.partner("Once")
    for locale, verb in (("en-US", " is a "), ("de-DE", " ist eine "), ("zh-CN", " 是")):
        j = assert_error(c.req("POST", REG, {"WebhookUrl": url, "WebhookEvents": ["test-created"]},
                               headers={"X-Locale": locale}), 400, field="WebhookUrl")
        assert re.match("WebhookUrl[:：] ?" + shown + verb, j["description"]), j


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


# ---- delivery -------------------------------------------------------------------------------------

@pytest.fixture
def receiver():
    from receiver import Receiver
    r = Receiver()
    yield r
    r.close()


def fetch(url):
    import urllib.request
    with urllib.request.urlopen(url, timeout=10) as f:
        return f.status, f.headers.get("Content-Type"), f.read()


def verify(request):
    """The request's signature checks out with the certificate at its X-MS-Certificate-Url."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    h = request["headers"]
    assert h["authorization"].startswith("Signature "), h
    assert h["x-ms-signature-algorithm"] == "rsa-sha256", h
    status, ctype, pem = fetch(h["x-ms-certificate-url"])
    assert status == 200 and ctype == "application/x-pem-file", (status, ctype)
    cert = x509.load_pem_x509_certificate(pem)
    orgs = [a.value for a in cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)]
    assert orgs == ["partnerd"], orgs
    sig = __import__("base64").b64decode(h["authorization"][len("Signature "):])
    cert.public_key().verify(sig, request["body"], padding.PKCS1v15(), hashes.SHA256())  # raises if forged
    return cert


def test_a_test_event_arrives_signed_and_its_result_is_shown(hooks, receiver):
    c = hooks.partner("Signed")
    register(c, receiver.url(), ["test-created"])
    r = c.req("POST", REG + "/validationEvents")
    assert r.status == 200, r
    cid = r.json["correlationId"]
    req = receiver.wait_count(1)[0]
    assert req["headers"]["content-type"].startswith("application/json"), req["headers"]
    assert req["headers"]["x-ms-certificate-url"] == "http://127.0.0.1:%d/webhooks/v1/certificate" % hooks.port
    verify(req)
    body = json.loads(req["body"])
    assert list(body) == ["EventName", "ResourceUri", "ResourceName", "AuditUri", "ResourceChangeUtcDate"]
    assert body["EventName"] == "test-created" and body["ResourceName"] == "test" and body["AuditUri"] is None
    assert body["ResourceUri"] == "http://127.0.0.1:%d/webhooks/v1/registration/validationEvents/%s" % (
        hooks.port, cid)
    deadline = time.time() + 10 * SLOW
    while time.time() < deadline:
        g = c.get(REG + "/validationEvents/" + cid)
        if g.json["status"] == "completed":
            break
        time.sleep(0.05)
    assert g.status == 200 and g.json["status"] == "completed", g.json
    assert g.json["callbackUrl"] == receiver.url()
    res = g.json["results"]
    assert len(res) == 1 and res[0]["responseCode"] == "OK" and res[0]["systemError"] is False, res
    assert res[0]["responseMessage"] == "received" and res[0]["dateTimeUtc"].endswith("Z"), res


NEXT_SEQ = ("INSERT INTO counters (name, value) VALUES ('event_seq:%s', 1) ON CONFLICT (name)"
            " DO UPDATE SET value = counters.value + 1 RETURNING value")  # as store_sql.c's S_EVENT_SEQ


def feed(server, partner, names, resource="/v1/customers/%d"):
    """Events written into the feed as a change's transaction writes them (seq from the counter),
    straight into the store: this branch has no other action that writes one.  Their seqs."""
    seqs = []
    if server.db.startswith("postgresql://"):
        from helpers import psql
        for i, name in enumerate(names):
            out = psql(server.db, "WITH s AS (" + NEXT_SEQ % partner + ") INSERT INTO events SELECT '%s', value, '%s', '%s', '%s', 'rec-%d',"
                                  " %d FROM s RETURNING seq" % (partner, name, resource % i, name.split("-")[0], i,
                                                                int(time.time())))
            seqs.append(int(out.split()[0]))
        return seqs
    import sqlite3
    db = sqlite3.connect(server.db[len("sqlite:"):], timeout=10, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        for i, name in enumerate(names):
            seq = db.execute(NEXT_SEQ % partner).fetchone()[0]
            db.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (partner, seq, name, resource % i, name.split("-")[0], "rec-%d" % i, int(time.time())))
            seqs.append(seq)
        db.execute("COMMIT")
    finally:
        db.close()
    return seqs


def cursors(receiver, path=None):
    return [int(r["headers"]["x-partnerd-cursor"]) for r in receiver.wait_for(lambda rs: True)
            if path is None or r["path"] == path]


def deliveries(client):
    items, hdrs, path = [], {}, REG + "/deliveries?size=3"
    for _ in range(1000):
        r = client.get(path, headers=hdrs)
        assert r.status == 200, r
        items += r.json["items"]
        if not r.json.get("continuationToken"):
            return items
        assert len(r.json["items"]) == 3, "a page is full before a token"
        hdrs = {"MS-ContinuationToken": r.json["continuationToken"]}
        path = REG + "/deliveries?size=3&seekOperation=Next"
    raise AssertionError("paging does not end")


def wait_states(client, want, timeout=20.0):
    """The delivery log once every cursor in want has its state."""
    deadline = time.time() + timeout * SLOW
    while True:
        items = deliveries(client)
        got = {d["cursor"]: d["state"] for d in items}
        if all(got.get(k) == v for k, v in want.items()):
            return items
        if time.time() > deadline:
            raise AssertionError("delivery states %r, wanted %r" % (got, want))
        time.sleep(0.05)


def test_feed_events_arrive_in_cursor_order_only_the_registered_ones(hooks, receiver):
    c = hooks.partner("Order")
    before = feed(hooks, c.info["partnerId"], ["customer-created"])  # before the registration: not sent
    register(c, receiver.url(), ["customer-created", "subscription-updated"])
    names = ["customer-created", "billingprofile-updated", "subscription-updated", "customer-created",
             "customeruser-created", "subscription-updated", "customer-created"]
    seqs = feed(hooks, c.info["partnerId"], names)
    want = [s for s, n in zip(seqs, names) if n in ("customer-created", "subscription-updated")]
    receiver.wait_count(len(want))
    time.sleep(0.3)
    assert cursors(receiver) == want, "in cursor order, skipping what is not registered, nothing twice"
    assert before[0] not in cursors(receiver)
    bodies = receiver.events()
    assert [b["EventName"] for b in bodies] == [n for n in names if n in ("customer-created", "subscription-updated")]
    assert bodies[0]["ResourceUri"] == "http://127.0.0.1:%d/v1/customers/0" % hooks.port
    assert bodies[0]["AuditUri"] == "http://127.0.0.1:%d/v1/auditrecords/rec-0" % hooks.port
    for req in receiver.requests:
        verify(req)
    items = wait_states(c, {s: "delivered" for s in want})
    assert [d["cursor"] for d in items] == want, "the log pages through every delivery, in order"
    assert all(len(d["attempts"]) == 1 and d["attempts"][0]["httpStatus"] == 200 for d in items), items


def test_a_receiver_down_for_a_while_gets_every_event_in_order(hooks, receiver):
    c = hooks.partner("Down")
    register(c, receiver.url(), ["customer-created"])
    failures = {"n": 0}

    def answer(entry):  # five 500s first, then the socket closed for a while, then all well
        if failures["n"] < 5:
            failures["n"] += 1
            return 500
        return 200
    receiver.answer = answer
    seqs = feed(hooks, c.info["partnerId"], ["customer-created"] * 4)
    receiver.wait_count(5)
    receiver.stop()
    time.sleep(0.5)
    receiver.start()
    receiver.wait_count(5 + 4, timeout=30)
    time.sleep(0.3)
    got = cursors(receiver)
    assert got[:5] == [seqs[0]] * 5, "the first event retried while the receiver fails"
    ok = [r for r in receiver.requests[5:]]
    assert [int(r["headers"]["x-partnerd-cursor"]) for r in ok] == seqs, "then each once, in order"
    items = wait_states(c, {s: "delivered" for s in seqs})
    first = items[0]
    codes = [a["httpStatus"] for a in first["attempts"]]
    assert codes[:5] == [500] * 5 and codes[-1] == 200, first
    assert all(x in (500, None) for x in codes[5:-1]), "refused connections answer nothing"
    assert [a["attempt"] for a in first["attempts"]] == list(range(1, len(codes) + 1))
    times = [a["dateTimeUtc"] for a in first["attempts"]]
    assert times == sorted(times)


def test_ten_failures_park_an_event_the_queue_goes_on_and_redeliver_sends_it_again(hooks, receiver):
    c = hooks.partner("Parked")
    register(c, receiver.url(), ["customer-created"])
    bad = {"seq": None}
    receiver.answer = lambda entry: 500 if int(entry["headers"]["x-partnerd-cursor"]) == bad["seq"] else 200
    seqs = feed(hooks, c.info["partnerId"], ["customer-created"] * 2)
    bad["seq"] = seqs[0]
    items = wait_states(c, {seqs[0]: "parked", seqs[1]: "delivered"})
    parked = items[0]
    assert parked["attemptCount"] == 10 and len(parked["attempts"]) == 10, parked
    assert [a["httpStatus"] for a in parked["attempts"]] == [500] * 10
    assert parked["attempts"][0]["responseMessage"] == "receiver says no"
    assert cursors(receiver) == [seqs[0]] * 10 + [seqs[1]], "parked after 10, the next one went on"
    assert_error(c.req("POST", REG + "/deliveries/%d/redeliver" % seqs[1]), 409, field="cursor")
    bad["seq"] = None
    r = c.req("POST", REG + "/deliveries/%d/redeliver" % seqs[0])
    assert r.status == 200 and r.json["state"] == "pending" and r.json["cursor"] == seqs[0], r
    items = wait_states(c, {seqs[0]: "delivered"})
    assert [a["attempt"] for a in items[0]["attempts"]][-1] == 11, "a new round counts on"
    assert cursors(receiver)[-1] == seqs[0]
    assert_error(c.req("POST", REG + "/deliveries/%d/redeliver" % seqs[0]), 409)
    ops = [x["operationType"] for x in audit_all(c) if x["operationStatus"] == "succeeded"]
    assert "redeliver_webhook_event" in ops


def store_sql(server, statement):
    """One statement straight on the server's store (either engine)."""
    if server.db.startswith("postgresql://"):
        from helpers import psql
        psql(server.db, statement)
        return
    import sqlite3
    db = sqlite3.connect(server.db[len("sqlite:"):], timeout=10, isolation_level=None)
    try:
        db.execute(statement)
    finally:
        db.close()


def test_the_delivery_log_names_each_events_resource_and_null_once_retention_removed_it(hooks, receiver):
    c = hooks.partner("Resource")
    register(c, receiver.url(), ["customer-created", "subscription-updated"])
    seqs = feed(hooks, c.info["partnerId"], ["customer-created", "subscription-updated"], "/v1/things/%d")
    items = wait_states(c, {s: "delivered" for s in seqs})
    got = [(d["cursor"], d["resourceUri"], d["resourceName"]) for d in items]
    assert got == [(seqs[0], "/v1/things/0", "customer"), (seqs[1], "/v1/things/1", "subscription")], got
    # a delivered event's row may go with retention (the prune keeps only pending and parked ones)
    store_sql(hooks, "DELETE FROM events WHERE partner_id = '%s' AND seq = %d" % (c.info["partnerId"], seqs[0]))
    items = deliveries(c)
    assert [d["cursor"] for d in items] == seqs, "the delivery stays in the log"
    assert items[0]["resourceUri"] is None and items[0]["resourceName"] is None, items[0]
    assert items[1]["resourceUri"] == "/v1/things/1", items[1]


def test_the_delivery_never_holds_up_requests(hooks, receiver):
    import threading
    c = hooks.partner("Hang")
    register(c, receiver.url(), ["customer-created"])
    receiver.hold = threading.Event()
    feed(hooks, c.info["partnerId"], ["customer-created"] * 3)
    receiver.wait_for(lambda rs: receiver.holding >= 1, what="a held answer")
    worst = 0.0
    for _ in range(30):
        t0 = time.time()
        assert c.get(REG).status == 200
        assert c.get("/v1/customers?size=1").status == 200
        worst = max(worst, time.time() - t0)
    other = hooks.partner("Other while hanging")
    t0 = time.time()
    register(other, receiver.url("/other"), ["test-created"])
    assert other.req("POST", REG + "/validationEvents").status == 200
    assert time.time() - t0 < 1.0 * SLOW
    assert worst < 0.25 * SLOW, "two requests took %.3f s while the receiver hung" % worst
    receiver.wait_for(lambda rs: any(r["path"] == "/other" for r in rs), what="another registration's event")
    receiver.hold.set()
    receiver.hold = None
    receiver.wait_count(4)


def test_sigkill_mid_delivery_loses_nothing_and_resends_at_most_the_one_in_flight(make_server, receiver):
    import threading
    s = make_server(ALLOW + FAST).start()
    c = s.partner("Killed")
    register(c, receiver.url(), ["customer-created"])
    receiver.hold = threading.Event()
    seqs = feed(s, c.info["partnerId"], ["customer-created"] * 5)
    receiver.wait_for(lambda rs: receiver.holding >= 1, what="the first answer held")
    s.kill()  # SIGKILL while the first delivery waits for its answer
    receiver.hold.set()
    receiver.hold = None
    s.start()
    c = Client(s.port, c.token, c.info)
    receiver.wait_for(lambda rs: set(seqs) <= {int(r["headers"]["x-partnerd-cursor"]) for r in rs}, timeout=40,
                      what="every event after the restart")
    time.sleep(0.5)
    got = cursors(receiver)
    assert sorted(set(got)) == seqs, "none lost"
    twice = [x for x in set(got) if got.count(x) > 1]
    assert twice in ([], [seqs[0]]) and got.count(seqs[0]) <= 2, ("at most the one in flight twice", got)
    assert got == sorted(got), "in order"
    wait_states(c, {x: "delivered" for x in seqs}, timeout=30)


def test_every_attempt_checks_the_address_it_connects_to(make_server, receiver):
    """A registration pointing at loopback that got past the API (here: written into the store, as a
    name that resolves elsewhere by the time of delivery would) is refused on the socket itself."""
    s = make_server(["--webhook-allow-http"] + FAST).start()
    c = s.partner("Rebound")
    register(c, "http://93.184.216.34:9/hook", ["customer-created"])
    from helpers import db_update
    assert db_update(s.db, "UPDATE webhook_registrations SET url = '%s' WHERE partner_id = '%s'"
                     % (receiver.url(), c.info["partnerId"])) == 1
    time.sleep(1.2)  # the delivery thread reads the registration again
    seqs = feed(s, c.info["partnerId"], ["customer-created"])
    items = wait_states(c, {seqs[0]: "parked"}, timeout=30)
    assert receiver.requests == [], "nothing reached the loopback receiver"
    a = items[0]["attempts"]
    assert len(a) == 10 and all(x["systemError"] is True and x["httpStatus"] is None for x in a), a
    assert "127.0.0.1" in a[0]["responseMessage"] and "--webhook-allow-private" in a[0]["responseMessage"], a


def test_the_signing_key_file_is_checked_kept_and_never_logged(make_server, receiver, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path = str(tmp_path / "hook.pem")
    with open(path, "wb") as f:
        f.write(pem)
    os.chmod(path, 0o644)
    from helpers import BIN
    import subprocess
    r = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:1", "--db", "sqlite:" + str(tmp_path / "k.db"),
                        "--webhook-key", path], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "--webhook-key" in r.stderr and "chmod 600" in r.stderr, r
    os.chmod(path, 0o600)
    s = make_server(ALLOW + FAST + ["--webhook-key", path]).start()
    c = s.partner("Key")
    register(c, receiver.url(), ["test-created"])
    assert c.req("POST", REG + "/validationEvents").status == 200
    cert = verify(receiver.wait_count(1)[0])
    assert cert.public_key().public_numbers() == key.public_key().public_numbers(), "signed with the given key"
    s.stop()
    body = pem.decode().splitlines()[1]
    assert body not in s.stderr() and "PRIVATE KEY" not in s.stderr() and body not in s.stdout()


def test_a_sqlite_store_makes_its_key_once_beside_it_with_mode_0600(make_server, receiver):
    if ON_PG:
        pytest.skip("PostgreSQL keeps the key in the store's settings (next test)")
    s = make_server(ALLOW + FAST).start()
    status, _, first = fetch("http://127.0.0.1:%d/webhooks/v1/certificate" % s.port)
    keyfile = s.db[len("sqlite:"):] + ".webhook-key.pem"
    assert status == 200 and os.stat(keyfile).st_mode & 0o777 == 0o600
    from cryptography import x509
    s.stop()
    s.start()
    _, _, again = fetch("http://127.0.0.1:%d/webhooks/v1/certificate" % s.port)
    assert x509.load_pem_x509_certificate(first).public_key().public_numbers() == \
        x509.load_pem_x509_certificate(again).public_key().public_numbers(), "the same key after a restart"


def test_instances_on_one_postgresql_share_the_key_and_deliver_each_event_once(make_server, receiver):
    if not ON_PG:
        pytest.skip("several instances need PostgreSQL")
    from cryptography import x509
    a = make_server(ALLOW + FAST).start()
    b = make_server(ALLOW + FAST, db=a.db).start()
    certs = [x509.load_pem_x509_certificate(fetch("http://127.0.0.1:%d/webhooks/v1/certificate" % s.port)[2])
             for s in (a, b)]
    assert certs[0].public_key().public_numbers() == certs[1].public_key().public_numbers()
    c = a.partner("Two instances")
    register(c, receiver.url(), ["customer-created"])
    seqs = feed(a, c.info["partnerId"], ["customer-created"] * 20)
    receiver.wait_count(20, timeout=30)
    time.sleep(1.5)
    assert cursors(receiver) == seqs, "each once, in order, whichever instance holds the lease"
    for req in receiver.requests:
        verify(req)


def test_delivery_metrics(make_server, receiver):
    from helpers import free_port
    port = free_port()
    s = make_server(ALLOW + FAST + ["--metrics-listen", "127.0.0.1:%d" % port]).start()
    c = s.partner("Metrics")
    register(c, receiver.url(), ["customer-created"])
    n = {"i": 0}

    def answer(entry):
        n["i"] += 1
        return 503 if n["i"] == 1 else 200
    receiver.answer = answer
    seqs = feed(s, c.info["partnerId"], ["customer-created"] * 2)
    wait_states(c, {x: "delivered" for x in seqs})
    text = fetch("http://127.0.0.1:%d/metrics" % port)[2].decode()
    assert 'partnerd_webhook_attempts_total{result="success"} 2' in text, text
    assert 'partnerd_webhook_attempts_total{result="failure"} 1' in text
    assert 'partnerd_webhook_deliveries_total{outcome="delivered"} 2' in text
    assert 'partnerd_webhook_deliveries_total{outcome="parked"} 0' in text
    assert "partnerd_webhook_queue_lag_events 0" in text


def test_concurrent_registrations_make_one_and_test_events_keep_their_throttle(hooks):
    import threading
    c = hooks.partner("Race")
    barrier = threading.Barrier(16)
    out = []

    def post(i):
        barrier.wait()
        out.append(c.req("POST", REG, {"WebhookUrl": "http://127.0.0.1:9/%d" % i, "WebhookEvents": ["test-created"]}))
    threads = [threading.Thread(target=post, args=(i,)) for i in range(16)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(r.status for r in out) == [200] + [409] * 15, [r.status for r in out]
    made = [r.json for r in out if r.status == 200][0]
    assert c.get(REG).json == made
    barrier = threading.Barrier(12)
    tests = []

    def test_event():
        barrier.wait()
        tests.append(c.req("POST", REG + "/validationEvents"))
    threads = [threading.Thread(target=test_event) for _ in range(12)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(r.status for r in tests) == [200, 200] + [429] * 10, [r.status for r in tests]


def test_answers_are_capped_redirects_not_followed_and_tls_verified(make_server, tmp_path):
    """A long answer is cut to its status and 256 bytes of it; a 302 is a failure, its Location never
    called; an https receiver whose certificate partnerd does not trust gets nothing, and with
    --webhook-ca naming it the same events arrive."""
    import datetime
    import ipaddress
    import ssl
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from receiver import Receiver
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "receiver")])
    now = datetime.datetime.utcnow()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    certfile, keyfile = str(tmp_path / "rcv.pem"), str(tmp_path / "rcv.key")
    open(certfile, "wb").write(cert.public_bytes(serialization.Encoding.PEM))
    open(keyfile, "wb").write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certfile, keyfile)
    plain, secure = Receiver(), Receiver(tls=ctx)
    try:
        s = make_server(ALLOW + FAST).start()
        c = s.partner("Answers")
        register(c, plain.url(), ["customer-created"])
        plain.answer = lambda e: (200, {}, b"A" * 100000) if e["path"] == "/hook" else 200
        seqs = feed(s, c.info["partnerId"], ["customer-created"])
        items = wait_states(c, {seqs[0]: "delivered"})
        assert items[-1]["attempts"][0]["responseMessage"] == "A" * 256, "the status counts, 256 bytes kept"
        plain.answer = lambda e: (302, {"Location": plain.url("/elsewhere")}, b"")
        seqs = feed(s, c.info["partnerId"], ["customer-created"])
        items = wait_states(c, {seqs[0]: "parked"})
        assert [a["httpStatus"] for a in items[-1]["attempts"]] == [302] * 10
        assert not [r for r in plain.requests if r["path"] == "/elsewhere"], "no redirect followed"
        p = c.req("PUT", REG, {"WebhookUrl": secure.url(), "WebhookEvents": ["customer-created"]})
        assert p.status == 200, p
        seqs = feed(s, c.info["partnerId"], ["customer-created"])
        items = wait_states(c, {seqs[0]: "parked"})
        assert secure.requests == [], "an untrusted certificate: nothing sent"
        assert all(a["httpStatus"] is None for a in items[-1]["attempts"]), items[-1]
        assert "certificate" in items[-1]["attempts"][0]["responseMessage"].lower(), items[-1]["attempts"][0]
        s.stop()
        s.args += ["--webhook-ca", certfile]
        s.start()
        c = Client(s.port, c.token, c.info)
        assert c.req("POST", REG + "/deliveries/%d/redeliver" % seqs[0]).status == 200
        secure.wait_count(1)
        wait_states(c, {seqs[0]: "delivered"})
        verify(secure.requests[0])
    finally:
        plain.close()
        secure.close()


def test_a_test_event_is_all_or_nothing(make_server, receiver):
    """A test event whose correlation id cannot be kept leaves no event in the feed either (and the
    other way round): 503, nothing delivered, and the same request then works."""
    s = make_server(ALLOW + FAST + ["--fault-injection"]).start()
    c = s.partner("Atomic")
    register(c, receiver.url(), ["test-created"])
    for op in ("wtest_insert", "event_insert", "audit_insert"):
        r = c.req("POST", REG + "/validationEvents", headers={"X-Partnerd-Fault": "op=%s; error=EIO" % op})
        assert_error(r, 503)
    time.sleep(1.2)
    assert receiver.requests == [] and deliveries(c) == [], "nothing half-written reached the feed"
    r = c.req("POST", REG + "/validationEvents")
    assert r.status == 200, r
    receiver.wait_count(1)
    assert c.get(REG + "/validationEvents/" + r.json["correlationId"]).status == 200
    r = c.req("POST", REG, {"WebhookUrl": receiver.url("/x"), "WebhookEvents": ["test-created"]},
              headers={"X-Partnerd-Fault": "op=webhook_get; error=EBUSY"})
    assert_error(r, 503)
    assert c.get(REG).json["WebhookUrl"] == receiver.url()


def test_a_test_event_passed_over_after_test_created_was_removed_ends_failed(hooks, receiver):
    c = hooks.partner("Removed test")
    pid = c.info["partnerId"]
    register(c, receiver.url(), ["customer-created", "test-created"])
    r = c.req("PUT", REG, {"WebhookUrl": receiver.url(), "WebhookEvents": ["customer-created"]})
    assert r.status == 200, r
    # the test event as POST .../validationEvents wrote it while test-created was registered, not
    # taken from the feed until after the PUT (the delivery thread looks at the store every second)
    seq = feed(hooks, pid, ["test-created"], "/webhooks/v1/registration/validationEvents/x%d")[0]
    cid = str(uuid.uuid4())
    store_sql(hooks, "INSERT INTO webhook_tests (partner_id, correlation_id, seq, created_at) VALUES"
                     " ('%s', '%s', %d, %d)" % (pid, cid, seq, int(time.time())))
    after = feed(hooks, pid, ["customer-created"])[0]
    wait_states(c, {after: "delivered"})  # the thread has taken past the test event
    g = c.get(REG + "/validationEvents/" + cid)
    assert g.status == 200 and g.json["status"] == "failed", g.json
    res = g.json["results"]
    assert len(res) == 1 and res[0]["systemError"] is True and res[0]["httpStatus"] is None, res
    assert res[0]["responseMessage"] == "not sent: the registration no longer includes test-created", res
    assert cursors(receiver) == [after], "the test event was never sent"


def test_every_kind_of_change_arrives_signed_in_cursor_order(make_module_server, receiver):
    """Registered for every event the catalogue lists, real changes through the API (a create
    with subscriptions, a billing update, an order, subscription changes and an add-on suspended
    with its base, a customer user's life, an indirect reseller's, a customer deleted, a test
    event): each arrives once, in the feed's cursor order, named and addressed as the feed says,
    and its signature verifies with the published certificate."""
    import urllib.parse
    from test_events import customer, order, patch_sub
    s = make_module_server(["--sandbox"] + ALLOW + FAST)
    p = s.partner("Every kind")
    every = p.get(REG + "/events").json
    register(p, receiver.url(), every)
    c = customer(p, lineItems=[{"offerId": "CN-O365-E3", "quantity": 5}, {"offerId": "CN-EXO-ARCHIVE", "quantity": 5}])
    base = "/v1/customers/" + c["id"]
    subs = {x["offerId"]: x["id"] for x in p.get(base + "/subscriptions").json["items"]}
    bp = p.get(base + "/profiles/billing")
    body = {k: v for k, v in bp.json.items() if k != "links"}
    body["firstName"] = "新名"
    assert p.req("PUT", base + "/profiles/billing", body, headers={"If-Match": bp.h("ETag")}).status == 200
    sids = order(p, c["id"], [{"offerId": "CN-O365-E1", "quantity": 2}])
    patch_sub(p, c["id"], sids[0], {"quantity": 3})
    patch_sub(p, c["id"], subs["CN-O365-E3"], {"status": "suspended"})  # its add-on with it
    r = p.req("POST", base + "/users", {"userPrincipalName": "u" + uuid.uuid4().hex[:8], "firstName": "Li",
                                        "lastName": "Na"})
    assert r.status == 201, r
    uri = base + "/users/" + r.json["id"]
    assert p.req("PATCH", uri, {"displayName": "李娜"}).status == 200
    assert p.req("DELETE", uri).status in (200, 204)
    r = p.req("POST", "/v1/relationships", {"name": "经销商 " + uuid.uuid4().hex[:6],
                                            "mpnId": str(4000000 + uuid.uuid4().int % 5000000)})
    assert r.status == 201, r
    rid = r.json["id"]
    ic = customer(p, associatedPartnerId=rid)
    assert p.req("PATCH", "/v1/relationships/" + rid, {"state": "Terminated"}).status == 200
    assert p.req("DELETE", "/v1/customers/" + ic["id"]).status in (200, 204)
    assert p.req("POST", REG + "/validationEvents").status == 200

    items = p.get("/v1/events?after=0&size=500").json["items"]
    kinds = {e["eventName"] for e in items}
    assert kinds == set(every) - {"relationship-accepted", "relationship-ended"}, sorted(set(every) - kinds)
    reqs = receiver.wait_count(len(items), timeout=30 * SLOW)
    time.sleep(0.5)
    assert len(receiver.requests) == len(items), "each once"
    got = [json.loads(q["body"]) for q in receiver.requests]
    assert [(g["EventName"], urllib.parse.urlsplit(g["ResourceUri"]).path) for g in got] == \
        [(e["eventName"], e["resourceUri"]) for e in items], "in cursor order, as the feed names them"
    assert all(g["ResourceName"] == e["resourceName"] for g, e in zip(got, items))
    for q in reqs:
        verify(q)
