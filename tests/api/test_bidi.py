"""Bidirectional control characters (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C) in
text people read, for every resource kind but customers (test_customers_create.py): display
names of partner users, apps and customer users, customer users' first and last names, and
subscriptions' friendly names (in an order and in a PATCH).  Each is a 400 naming the field,
in the caller's language, and changes nothing."""
import uuid

import pytest

from helpers import assert_error, cn_body, new_email, uniq

RLO = "\u202e"
CONTROLS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
            "\u200e", "\u200f", "\u061c"]


@pytest.fixture(scope="module")
def p(server):
    return server.partner("Bidi Partner")


@pytest.fixture(scope="module")
def customer(p):
    return p.create_ok(cn_body(uniq("bidi")))


def refused(r, field, ch=RLO):
    assert_error(r, 400, field=field)
    assert "U+%04X" % ord(ch) in r.json["description"], r.json


@pytest.mark.parametrize("ch", CONTROLS)
def test_partner_user_display_name(p, ch):
    email = new_email()
    r = p.req("POST", "/v1/users", {"userPrincipalName": email, "displayName": "Ann" + ch + "gnp.exe",
                                    "roles": ["sales_agent"]})
    refused(r, "displayName", ch)
    assert email not in [u["userPrincipalName"] for u in p.get("/v1/users?size=500").json["items"]]


def test_user_names_are_e_mail_addresses_without_controls(p, customer):
    """A user name is read as much as a display name: one with a bidirectional control is not a
    valid e-mail address (partner users and customer users)."""
    email = "ann%s%s@staff.example.cn" % (RLO, uuid.uuid4().hex[:6])
    r = p.req("POST", "/v1/users", {"userPrincipalName": email, "displayName": "Ann", "roles": ["sales_agent"]})
    assert_error(r, 400, field="userPrincipalName")
    path = "/v1/customers/%s/users" % customer["id"]
    r = p.req("POST", path, {"userPrincipalName": "li" + RLO + "lei", "displayName": "Li Lei"})
    assert_error(r, 400, field="userPrincipalName")
    assert not [u for u in p.get(path).json["items"] if RLO in u["userPrincipalName"]]


def test_partner_user_display_name_change(p):
    r = p.req("POST", "/v1/users", {"userPrincipalName": new_email(), "displayName": "Ann", "roles": ["sales_agent"]})
    assert r.status == 201, r
    path = "/v1/users/" + r.json["id"]
    refused(p.req("PATCH", path, {"displayName": "Ann " + RLO + "gnp.exe"}), "displayName")
    assert p.get(path).json["displayName"] == "Ann"


@pytest.mark.parametrize("ch", CONTROLS)
def test_app_display_name(p, ch):
    name = "robot-%s%sgnp.exe" % (uuid.uuid4().hex[:6], ch)
    refused(p.req("POST", "/v1/apps", {"displayName": name, "roles": ["sales_agent"]}), "displayName", ch)
    assert name not in [a["displayName"] for a in p.get("/v1/apps").json["items"]]


@pytest.mark.parametrize("field", ["displayName", "firstName", "lastName"])
def test_customer_user_names(p, customer, field):
    path = "/v1/customers/%s/users" % customer["id"]
    upn = "u" + uuid.uuid4().hex[:8]
    body = {"userPrincipalName": upn, "displayName": "Li Lei", field: "李" + RLO + "雷"}
    refused(p.req("POST", path, body), field)
    assert not [u for u in p.get(path).json["items"] if u["userPrincipalName"].startswith(upn + "@")]
    r = p.req("POST", path, {"userPrincipalName": upn, "displayName": "Li Lei"})
    assert r.status == 201, r
    one = "%s/%s" % (path, r.json["id"])
    refused(p.req("PATCH", one, {field: "x\u2066y"}), field, "\u2066")
    assert p.get(one).json["displayName"] == "Li Lei"


def test_friendly_names_in_an_order_and_a_change(p, customer):
    path = "/v1/customers/%s/orders" % customer["id"]
    subs = "/v1/customers/%s/subscriptions" % customer["id"]
    before = p.get(subs).json["items"]
    r = p.req("POST", path, {"lineItems": [{"offerId": "CN-O365-E1", "quantity": 1, "friendlyName": "HQ" + RLO + "gnp.exe"}]})
    refused(r, "lineItems[0].friendlyName")
    assert p.get(subs).json["items"] == before
    r = p.req("POST", path, {"lineItems": [{"offerId": "CN-O365-E1", "quantity": 1, "friendlyName": "HQ"}]})
    assert r.status == 201, r
    one = "%s/%s" % (subs, r.json["lineItems"][0]["subscriptionId"])
    g = p.get(one)
    refused(p.req("PATCH", one, {"friendlyName": "HQ\u200f"}, headers={"If-Match": g.json["attributes"]["etag"]}),
            "friendlyName", "\u200f")
    assert p.get(one).json["friendlyName"] == "HQ"


def test_the_error_speaks_the_callers_language(p):
    body = {"userPrincipalName": new_email(), "displayName": "Ann" + RLO, "roles": ["sales_agent"]}
    for loc, words in (("zh-CN", "双向控制字符 U+202E"), ("de-DE", "Steuerzeichen U+202E")):
        r = p.req("POST", "/v1/users", body, headers={"X-Locale": loc})
        assert r.status == 400 and words in r.json["description"], r.json
