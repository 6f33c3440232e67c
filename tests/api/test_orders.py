"""Orders and subscriptions: POST /v1/customers/{id}/orders (atomic, line items named in errors,
quantity bounds, countries, add-ons and their base offers), line items in POST /v1/customers,
GET/PATCH /v1/customers/{id}/subscriptions[/{subId}] (etags, quantity, suspend/reactivate with
the 60-day deprovision date), permissions and the activity log."""
import calendar
import json
import os
import threading
import time
import uuid

import pytest

from helpers import (ISO_Z_RE, ROOT, UUID_RE, assert_error, assert_page_params_refused, audit_all, cn_body,
                     custom, db_update, filt, staff_client, uniq, us_body, walk_pages)

with open(os.path.join(ROOT, "data", "catalog.json"), encoding="utf-8") as _f:
    CATALOG = {o["id"]: o for o in json.load(_f)["offers"]}

SUB_KEYS = {"id", "offerId", "offerName", "friendlyName", "quantity", "unitType", "creationDate", "status",
            "autoRenewEnabled", "billingType", "orderId", "links", "attributes"}
SECRETS = []


@pytest.fixture(scope="module")
def p(server):
    c = server.partner("Orders Co")
    SECRETS.extend([c.token, c.info["password"]])
    return c


@pytest.fixture(scope="module")
def other(server):
    c = server.partner("Orders Other Co")
    SECRETS.extend([c.token, c.info["password"]])
    return c


def new_customer(p, body=None):
    c = p.create_ok(body or cn_body(uniq("ord")))
    SECRETS.append(c["userCredentials"]["password"])
    return c


def order(p, cid, items, headers=None):
    return p.req("POST", "/v1/customers/%s/orders" % cid, {"lineItems": items}, headers=headers)


def order_ok(p, cid, items, headers=None):
    r = order(p, cid, items, headers)
    assert r.status == 201, r
    return r.json


def subs(p, cid):
    r = p.get("/v1/customers/%s/subscriptions" % cid)
    assert r.status == 200, r
    assert r.json["attributes"]["objectType"] == "Collection"
    assert r.json["totalCount"] == len(r.json["items"])
    return r.json["items"]


def sub_path(cid, sid):
    return "/v1/customers/%s/subscriptions/%s" % (cid, sid)


def get_sub(p, cid, sid):
    r = p.get(sub_path(cid, sid))
    assert r.status == 200, r
    return r.json


def patch_sub(p, cid, sid, body, etag=None, headers=None):
    h = dict(headers or {})
    if etag is not None:
        h["If-Match"] = etag
    return p.req("PATCH", sub_path(cid, sid), body, headers=h)


def bad(r, status, field, code=None):
    """An error of the documented shape naming `field` in data (and in details, when present)."""
    j = assert_error(r, status, code=code)
    assert field in j["data"], j
    if "details" in j:
        assert field in [d.get("field") for d in j["details"]], j
    return j


def epoch(iso):
    assert ISO_Z_RE.match(iso), iso
    return calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S"))


def snapshot(p, cid):
    return sorted((s["id"], s["offerId"], s["quantity"], s["status"], s["attributes"]["etag"]) for s in subs(p, cid))


# ---- orders -------------------------------------------------------------------------------------

def test_order_creates_one_subscription_per_line(p):
    c = new_customer(p)
    t0 = time.time()
    r = order(p, c["id"], [{"offerId": "CN-O365-E3", "quantity": 25, "friendlyName": "总部 E3"},
                           {"offerId": "CN-PBI-PRO", "quantity": 3},
                           {"offerId": "CN-EXO-ARCHIVE", "quantity": 25, "friendlyName": "Archive"}])
    t1 = time.time()
    assert r.status == 201, r
    o = r.json
    assert UUID_RE.match(o["id"]), o
    assert o["referenceCustomerId"] == c["id"]
    assert o["attributes"]["objectType"] == "Order"
    assert isinstance(o["status"], str) and o["status"], o
    assert int(t0) - 1 <= epoch(o["creationDate"]) <= t1 + 1
    li = o["lineItems"]
    assert [x["lineItemNumber"] for x in li] == [0, 1, 2]
    assert [x["offerId"] for x in li] == ["CN-O365-E3", "CN-PBI-PRO", "CN-EXO-ARCHIVE"]
    assert [x["quantity"] for x in li] == [25, 3, 25]
    assert li[0]["friendlyName"] == "总部 E3" and li[2]["friendlyName"] == "Archive"
    assert li[1]["friendlyName"]  # defaulted (to the offer's name)
    assert all(UUID_RE.match(x["subscriptionId"]) for x in li)
    assert len({x["subscriptionId"] for x in li}) == 3

    items = subs(p, c["id"])
    assert sorted(s["id"] for s in items) == sorted(x["subscriptionId"] for x in li)
    by = {s["id"]: s for s in items}
    for x in li:
        s = by[x["subscriptionId"]]
        assert SUB_KEYS <= set(s), s
        assert s["offerId"] == x["offerId"] and s["quantity"] == x["quantity"]
        assert s["friendlyName"] == x["friendlyName"]
        assert s["offerName"] == CATALOG[x["offerId"]]["name"]["en-US"]
        assert s["unitType"] == CATALOG[x["offerId"]]["unitType"]
        assert s["billingType"] == CATALOG[x["offerId"]]["billing"]
        assert s["status"] == "active" and s["autoRenewEnabled"] is True
        assert s["orderId"] == o["id"]
        assert int(t0) - 1 <= epoch(s["creationDate"]) <= t1 + 1
        assert s["attributes"]["objectType"] == "Subscription" and s["attributes"]["etag"]
        assert "suspendedDate" not in s and "deprovisionDate" not in s
        assert s["id"] in s["links"]["self"]["uri"]
    assert by[li[1]["subscriptionId"]]["friendlyName"] == CATALOG["CN-PBI-PRO"]["name"]["en-US"]


def test_get_one_subscription_with_etag_header(p):
    c = new_customer(p)
    o = order_ok(p, c["id"], [{"offerId": "CN-M365-BS", "quantity": 12, "friendlyName": "标准版"}])
    sid = o["lineItems"][0]["subscriptionId"]
    r = p.get(sub_path(c["id"], sid))
    assert r.status == 200, r
    s = r.json
    assert s["id"] == sid and s["quantity"] == 12 and s["friendlyName"] == "标准版"
    assert s["offerId"] == "CN-M365-BS" and s["status"] == "active"
    etag = r.h("ETag")
    assert etag and etag.strip('"') == s["attributes"]["etag"], (etag, s["attributes"])
    assert [x for x in subs(p, c["id"]) if x["id"] == sid] == [s]


def test_orders_add_to_the_subscription_list(p):
    c = new_customer(p)
    assert subs(p, c["id"]) == []
    a = order_ok(p, c["id"], [{"offerId": "CN-O365-E1", "quantity": 1}])
    b = order_ok(p, c["id"], [{"offerId": "CN-O365-E1", "quantity": 2}])
    assert a["id"] != b["id"]
    got = sorted((s["offerId"], s["quantity"], s["orderId"]) for s in subs(p, c["id"]))
    assert got == sorted([("CN-O365-E1", 1, a["id"]), ("CN-O365-E1", 2, b["id"])])


def test_request_property_names_in_any_case(p):
    c = new_customer(p)
    r = p.req("POST", "/v1/customers/%s/orders" % c["id"],
              {"LineItems": [{"OfferId": "CN-O365-E1", "Quantity": 4, "FriendlyName": "Pascal"}]})
    assert r.status == 201, r
    assert [(s["offerId"], s["quantity"], s["friendlyName"]) for s in subs(p, c["id"])] == [
        ("CN-O365-E1", 4, "Pascal")]


@pytest.mark.parametrize("offer_id", ["CN-M365-BB", "CN-O365-E1", "CN-EXO-P1"])
def test_quantity_bounds_are_inclusive(p, offer_id):
    lo, hi = CATALOG[offer_id]["minimumQuantity"], CATALOG[offer_id]["maximumQuantity"]
    c = new_customer(p)
    order_ok(p, c["id"], [{"offerId": offer_id, "quantity": lo}, {"offerId": offer_id, "quantity": hi}])
    assert sorted(s["quantity"] for s in subs(p, c["id"])) == sorted([lo, hi])


BAD_LINES = [
    ({"offerId": "NO-SUCH-OFFER", "quantity": 1}, "offerId"),
    ({"offerId": "WW-M365-BB", "quantity": 1}, "offerId"),  # not sold in CN
    ({"quantity": 1}, "offerId"),
    ({"offerId": "", "quantity": 1}, "offerId"),
    ({"offerId": "CN-M365-BB", "quantity": 301}, "quantity"),
    ({"offerId": "CN-M365-BB", "quantity": 0}, "quantity"),
    ({"offerId": "CN-M365-BB", "quantity": -1}, "quantity"),
    ({"offerId": "CN-O365-E1", "quantity": 5001}, "quantity"),
    ({"offerId": "CN-O365-E1", "quantity": 2.5}, "quantity"),
    ({"offerId": "CN-O365-E1", "quantity": "3"}, "quantity"),
    ({"offerId": "CN-O365-E1", "quantity": True}, "quantity"),
    ({"offerId": "CN-O365-E1", "quantity": None}, "quantity"),
    ({"offerId": "CN-O365-E1"}, "quantity"),
    ({"offerId": "CN-O365-E1", "quantity": 1, "friendlyName": "x" * 300}, "friendlyName"),
]


def line_code(line, field):
    """Partner Center's code for a bad line (error-codes.md): 800004 an offer id it does not know,
    800070 an offer not sold in the customer's country; 3000 for the other properties."""
    if field != "offerId" or not isinstance(line.get("offerId"), str):
        return 3000
    return 800070 if line["offerId"] in CATALOG else 800004


@pytest.mark.parametrize("line,field", BAD_LINES, ids=[json.dumps(x[0])[:60] for x in BAD_LINES])
def test_one_bad_line_creates_nothing_and_names_the_line(p, line, field):
    c = new_customer(p)
    order_ok(p, c["id"], [{"offerId": "CN-EXO-P1", "quantity": 2}])
    before = snapshot(p, c["id"])
    items = [{"offerId": "CN-O365-E3", "quantity": 5}, line, {"offerId": "CN-PBI-PRO", "quantity": 1}]
    r = order(p, c["id"], items)
    bad(r, 400, "lineItems[1].%s" % field, code=line_code(line, field))
    assert "lineItems[0]" not in json.dumps(r.json["data"]) and "lineItems[2]" not in json.dumps(r.json["data"])
    assert snapshot(p, c["id"]) == before
    # the same line first in the order is named as line 0
    r = order(p, c["id"], [line, {"offerId": "CN-O365-E3", "quantity": 5}])
    bad(r, 400, "lineItems[0].%s" % field, code=line_code(line, field))
    assert snapshot(p, c["id"]) == before


def test_last_line_bad_creates_nothing(p):
    c = new_customer(p)
    items = [{"offerId": "CN-O365-E1", "quantity": 1}] * 4 + [{"offerId": "CN-O365-E1", "quantity": 99999}]
    bad(order(p, c["id"], items), 400, "lineItems[4].quantity")
    assert subs(p, c["id"]) == []


@pytest.mark.parametrize("body,field", [
    ({}, "lineItems"),
    ({"lineItems": []}, "lineItems"),
    ({"lineItems": None}, "lineItems"),
    ({"lineItems": {"offerId": "CN-O365-E1", "quantity": 1}}, "lineItems"),
    ({"lineItems": "CN-O365-E1"}, "lineItems"),
    ({"lineItems": ["CN-O365-E1"]}, "lineItems[0]"),
    ({"lineItems": [{"offerId": "CN-O365-E1", "quantity": 1}] * 101}, "lineItems"),
])
def test_malformed_line_items_are_400(p, body, field):
    c = new_customer(p)
    bad(p.req("POST", "/v1/customers/%s/orders" % c["id"], body), 400, field, code=3000)
    assert subs(p, c["id"]) == []


def test_invalid_json_is_400(p):
    c = new_customer(p)
    r = p.req("POST", "/v1/customers/%s/orders" % c["id"], raw=b'{"lineItems": [', content_type="application/json")
    assert_error(r, 400, code=3000)
    assert subs(p, c["id"]) == []


def test_offer_must_be_sold_in_the_customers_country(p):
    us = new_customer(p, us_body(uniq("ordus")))
    r = order(p, us["id"], [{"offerId": "CN-O365-E3", "quantity": 1}])
    bad(r, 400, "lineItems[0].offerId", code=800070)
    assert subs(p, us["id"]) == []
    r = order(p, us["id"], [{"offerId": "WW-O365-E3", "quantity": 1}, {"offerId": "CN-O365-E3", "quantity": 1}])
    bad(r, 400, "lineItems[1].offerId", code=800070)
    assert subs(p, us["id"]) == []
    o = order_ok(p, us["id"], [{"offerId": "WW-O365-E3", "quantity": 10}])
    assert [(s["offerId"], s["quantity"], s["orderId"]) for s in subs(p, us["id"])] == [("WW-O365-E3", 10, o["id"])]
    cn = new_customer(p)
    bad(order(p, cn["id"], [{"offerId": "WW-O365-E3", "quantity": 1}]), 400, "lineItems[0].offerId")
    assert subs(p, cn["id"]) == []


@pytest.mark.parametrize("locale,word,foreign", [("zh-CN", "介于", " and "), ("de-DE", " und ", " and "),
                                                 ("en-US", " and ", " und ")])
def test_quantity_error_is_in_the_callers_language(p, locale, word, foreign):
    c = new_customer(p)
    r = order(p, c["id"], [{"offerId": "CN-M365-BB", "quantity": 999}], headers={"X-Locale": locale})
    j = bad(r, 400, "lineItems[0].quantity")
    d = j["description"]
    assert "1" in d and "300" in d, d
    assert word in d and foreign not in d, d
    s = order_ok(p, c["id"], [{"offerId": "CN-M365-BB", "quantity": 1}])["lineItems"][0]["subscriptionId"]
    r = patch_sub(p, c["id"], s, {"quantity": 301}, get_sub(p, c["id"], s)["attributes"]["etag"],
                  headers={"X-Locale": locale})
    d = bad(r, 400, "quantity")["description"]
    assert word in d and foreign not in d, d


# ---- add-ons ------------------------------------------------------------------------------------

def test_add_on_alone_is_refused(p):
    c = new_customer(p)
    bad(order(p, c["id"], [{"offerId": "CN-EXO-ARCHIVE", "quantity": 1}]), 400, "lineItems[0].offerId", code=3000)
    bad(order(p, c["id"], [{"offerId": "CN-PBI-PRO", "quantity": 1}, {"offerId": "CN-EXO-ARCHIVE", "quantity": 1}]),
        400, "lineItems[1].offerId", code=3000)
    assert subs(p, c["id"]) == []


def test_add_on_with_a_base_of_another_add_on_is_refused(p):
    # CN-TEAMS-AUDIO needs an Office/Microsoft 365 plan; Exchange Online Plan 1 is not one of them
    assert "CN-EXO-P1" not in CATALOG["CN-TEAMS-AUDIO"]["prerequisiteOffers"]
    c = new_customer(p)
    order_ok(p, c["id"], [{"offerId": "CN-EXO-P1", "quantity": 5}])
    before = snapshot(p, c["id"])
    bad(order(p, c["id"], [{"offerId": "CN-TEAMS-AUDIO", "quantity": 1}]), 400, "lineItems[0].offerId")
    assert snapshot(p, c["id"]) == before
    order_ok(p, c["id"], [{"offerId": "CN-EXO-ARCHIVE", "quantity": 5}])


@pytest.mark.parametrize("base", ["CN-EXO-P1", "CN-O365-E1", "CN-O365-E3"])
def test_add_on_with_its_base_in_the_same_order(p, base):
    c = new_customer(p)
    o = order_ok(p, c["id"], [{"offerId": "CN-EXO-ARCHIVE", "quantity": 3}, {"offerId": base, "quantity": 3}])
    assert [x["offerId"] for x in o["lineItems"]] == ["CN-EXO-ARCHIVE", base]
    assert sorted(s["offerId"] for s in subs(p, c["id"])) == sorted(["CN-EXO-ARCHIVE", base])


def test_add_on_with_an_existing_active_base(p):
    c = new_customer(p)
    order_ok(p, c["id"], [{"offerId": "CN-O365-E1", "quantity": 10}])
    o = order_ok(p, c["id"], [{"offerId": "CN-EXO-ARCHIVE", "quantity": 10}])
    assert o["lineItems"][0]["offerId"] == "CN-EXO-ARCHIVE"
    assert sorted(s["offerId"] for s in subs(p, c["id"])) == ["CN-EXO-ARCHIVE", "CN-O365-E1"]


def test_add_on_refused_when_the_only_base_is_suspended(p):
    c = new_customer(p)
    o = order_ok(p, c["id"], [{"offerId": "CN-EXO-P1", "quantity": 10}])
    sid = o["lineItems"][0]["subscriptionId"]
    r = patch_sub(p, c["id"], sid, {"status": "suspended"}, get_sub(p, c["id"], sid)["attributes"]["etag"])
    assert r.status == 200, r
    before = snapshot(p, c["id"])
    bad(order(p, c["id"], [{"offerId": "CN-EXO-ARCHIVE", "quantity": 1}]), 400, "lineItems[0].offerId")
    assert snapshot(p, c["id"]) == before
    # reactivated, the base counts again
    r = patch_sub(p, c["id"], sid, {"status": "active"}, get_sub(p, c["id"], sid)["attributes"]["etag"])
    assert r.status == 200, r
    order_ok(p, c["id"], [{"offerId": "CN-EXO-ARCHIVE", "quantity": 1}])


def test_base_of_another_customer_does_not_count(p):
    a, b = new_customer(p), new_customer(p)
    order_ok(p, a["id"], [{"offerId": "CN-O365-E3", "quantity": 1}])
    bad(order(p, b["id"], [{"offerId": "CN-EXO-ARCHIVE", "quantity": 1}]), 400, "lineItems[0].offerId")
    assert subs(p, b["id"]) == []


# ---- customer and first subscriptions in one step ---------------------------------------------

def test_create_customer_with_line_items(p):
    body = cn_body(uniq("ordnew"))
    body["lineItems"] = [{"offerId": "CN-M365-BB", "quantity": 20, "friendlyName": "基础版"},
                         {"offerId": "CN-TEAMS-AUDIO", "quantity": 20}]
    r = p.create(body)
    assert r.status == 201, r
    c = r.json
    SECRETS.append(c["userCredentials"]["password"])
    assert c["companyProfile"]["domain"] == body["companyProfile"]["domain"]
    assert len(c["orders"]) == 1, c.get("orders")
    o = c["orders"][0]
    assert o["attributes"]["objectType"] == "Order" and o["referenceCustomerId"] == c["id"]
    assert [(x["offerId"], x["quantity"]) for x in o["lineItems"]] == [("CN-M365-BB", 20), ("CN-TEAMS-AUDIO", 20)]
    got = {s["id"]: s for s in subs(p, c["id"])}
    assert sorted(got) == sorted(x["subscriptionId"] for x in o["lineItems"])
    assert got[o["lineItems"][0]["subscriptionId"]]["friendlyName"] == "基础版"
    assert all(s["orderId"] == o["id"] and s["status"] == "active" for s in got.values())
    assert c["id"] in [x["id"] for x in p.list_all()]


def test_create_customer_without_line_items_has_no_orders(p):
    c = new_customer(p)
    assert not c.get("orders")
    assert subs(p, c["id"]) == []


@pytest.mark.parametrize("items,field", [
    ([{"offerId": "CN-M365-BB", "quantity": 2}, {"offerId": "NOPE", "quantity": 1}], "lineItems[1].offerId"),
    ([{"offerId": "CN-M365-BB", "quantity": 301}], "lineItems[0].quantity"),
    ([{"offerId": "CN-EXO-ARCHIVE", "quantity": 1}], "lineItems[0].offerId"),
    ([{"offerId": "WW-O365-E3", "quantity": 1}], "lineItems[0].offerId"),
    ([], "lineItems"),
])
def test_create_customer_with_a_bad_line_creates_nothing(p, items, field):
    body = cn_body(uniq("ordbad"))
    body["lineItems"] = items
    n = p.count()
    bad(p.create(body), 400, field, code={"NOPE": 800004, "WW-O365-E3": 800070}.get(items[-1]["offerId"] if items else "", 3000))
    assert p.count() == n
    domain = body["companyProfile"]["domain"]
    assert p.req("HEAD", "/v1/domains/" + domain).status == 404
    # the domain really is free: the same customer without the bad line is created
    del body["lineItems"]
    new_customer(p, body)


def test_create_customer_for_us_with_cn_offer_creates_nothing(p):
    body = us_body(uniq("ordbadus"))
    body["lineItems"] = [{"offerId": "CN-O365-E3", "quantity": 1}]
    bad(p.create(body), 400, "lineItems[0].offerId")
    assert p.req("HEAD", "/v1/domains/" + body["companyProfile"]["domain"]).status == 404


def test_create_customer_with_line_items_replayed(p):
    """A create retried with the same MS-RequestId returns the first result (orders included) and
    makes no second subscription."""
    body = cn_body(uniq("ordrep"))
    body["lineItems"] = [{"offerId": "CN-O365-E1", "quantity": 7}]
    rid = "rid-" + uuid.uuid4().hex
    r1 = p.create(body, headers={"MS-RequestId": rid})
    assert r1.status == 201, r1
    SECRETS.append(r1.json["userCredentials"]["password"])
    r2 = p.create(body, headers={"MS-RequestId": rid})
    assert r2.status == 201, r2
    assert r2.json["id"] == r1.json["id"]
    assert [(s["offerId"], s["quantity"]) for s in subs(p, r1.json["id"])] == [("CN-O365-E1", 7)]
    assert r2.json.get("orders") == r1.json["orders"], (r1.json.get("orders"), r2.json.get("orders"))


# ---- whose customer -----------------------------------------------------------------------------

def test_orders_for_unknown_or_foreign_customers_are_404(p, other):
    c = new_customer(p)
    assert_error(order(other, c["id"], [{"offerId": "CN-O365-E1", "quantity": 1}]), 404, code=1000)
    assert_error(order(p, str(uuid.uuid4()), [{"offerId": "CN-O365-E1", "quantity": 1}]), 404, code=1000)
    assert subs(p, c["id"]) == []
    assert_error(other.get("/v1/customers/%s/subscriptions" % c["id"]), 404)


def test_malformed_customer_id_is_400(p):
    r = order(p, "not-a-uuid", [{"offerId": "CN-O365-E1", "quantity": 1}])
    assert_error(r, 400)
    assert_error(p.get("/v1/customers/not-a-uuid/subscriptions"), 400)


# ---- subscriptions: read ------------------------------------------------------------------------

@pytest.fixture
def one_sub(p):
    c = new_customer(p)
    o = order_ok(p, c["id"], [{"offerId": "CN-O365-E3", "quantity": 10, "friendlyName": "E3"}])
    return c["id"], o["lineItems"][0]["subscriptionId"]


def test_subscription_ids(p, other, one_sub):
    cid, sid = one_sub
    bad(p.get(sub_path(cid, "not-a-uuid")), 400, "subscriptionId")
    bad(p.get(sub_path(cid, sid[:-1])), 400, "subscriptionId")
    # Partner Center's 20003: subscription not found
    assert_error(p.get(sub_path(cid, str(uuid.uuid4()))), 404, code=20003)
    assert_error(other.get(sub_path(cid, sid)), 404, code=20003)
    # the right subscription through another customer of the same partner
    c2 = new_customer(p)
    assert_error(p.get(sub_path(c2["id"], sid)), 404, code=20003)
    bad(patch_sub(p, cid, "not-a-uuid", {"quantity": 2}, "x"), 400, "subscriptionId")
    r = patch_sub(other, cid, sid, {"quantity": 2}, get_sub(p, cid, sid)["attributes"]["etag"])
    assert_error(r, 404, code=20003)
    r = patch_sub(p, c2["id"], sid, {"quantity": 2}, get_sub(p, cid, sid)["attributes"]["etag"])
    assert_error(r, 404, code=20003)
    assert get_sub(p, cid, sid)["quantity"] == 10


def test_uppercase_subscription_id_finds_it(p, one_sub):
    cid, sid = one_sub
    r = p.get(sub_path(cid, sid.upper()))
    assert r.status in (200, 400), r  # either accepted as the same id or refused, never another one
    if r.status == 200:
        assert r.json["id"] == sid


# ---- subscriptions: change quantity -------------------------------------------------------------

@pytest.mark.parametrize("how", ["if-match", "if-match-quoted", "body"])
def test_change_quantity_with_etag(p, one_sub, how):
    cid, sid = one_sub
    s = get_sub(p, cid, sid)
    etag = s["attributes"]["etag"]
    if how == "body":
        r = patch_sub(p, cid, sid, {"quantity": 42, "attributes": {"etag": etag}})
    else:
        r = patch_sub(p, cid, sid, {"quantity": 42}, etag if how == "if-match" else '"%s"' % etag)
    assert r.status == 200, r
    assert r.json["quantity"] == 42 and r.json["id"] == sid
    assert r.json["attributes"]["etag"] and r.json["attributes"]["etag"] != etag
    assert (r.h("ETag") or "").strip('"') in ("", r.json["attributes"]["etag"])
    g = get_sub(p, cid, sid)
    assert g["quantity"] == 42 and g["attributes"]["etag"] == r.json["attributes"]["etag"]
    for k in ("offerId", "friendlyName", "orderId", "creationDate", "status"):
        assert g[k] == s[k], k
    # the old etag is now stale
    r = patch_sub(p, cid, sid, {"quantity": 43}, etag)
    assert_error(r, 412, code=2055)
    assert get_sub(p, cid, sid)["quantity"] == 42


def test_quantity_bounds_on_change(p, one_sub):
    cid, sid = one_sub
    hi = CATALOG["CN-O365-E3"]["maximumQuantity"]
    for q in (hi, 1):
        r = patch_sub(p, cid, sid, {"quantity": q}, get_sub(p, cid, sid)["attributes"]["etag"])
        assert r.status == 200 and r.json["quantity"] == q, r


@pytest.mark.parametrize("q", [0, -3, 5001, 2.5, "7", True, None])
def test_quantity_out_of_bounds_is_400_and_unchanged(p, one_sub, q):
    cid, sid = one_sub
    s = get_sub(p, cid, sid)
    r = patch_sub(p, cid, sid, {"quantity": q}, s["attributes"]["etag"])
    if q is None:  # null is absent: nothing to change (or a 400); never a change of quantity
        assert r.status in (200, 400), r
    else:  # Partner Center's 2002 (not within the minimum and maximum) for a whole number
        bad(r, 400, "quantity", code=2002 if isinstance(q, int) and not isinstance(q, bool) else 3000)
    g = get_sub(p, cid, sid)
    assert g["quantity"] == 10 and g["status"] == "active"
    if r.status == 400:
        assert g["attributes"]["etag"] == s["attributes"]["etag"]


def test_stale_etag_is_412_and_unchanged(p, one_sub):
    cid, sid = one_sub
    s = get_sub(p, cid, sid)
    r = patch_sub(p, cid, sid, {"quantity": 11}, s["attributes"]["etag"])
    assert r.status == 200, r
    for stale in (s["attributes"]["etag"], "bogus-etag", "*x"):
        r = patch_sub(p, cid, sid, {"quantity": 99}, stale)
        assert_error(r, 412, code=2055)
        r = patch_sub(p, cid, sid, {"status": "suspended"}, stale)
        assert_error(r, 412, code=2055)
    g = get_sub(p, cid, sid)
    assert g["quantity"] == 11 and g["status"] == "active"


def test_missing_etag_is_412(p, one_sub):
    cid, sid = one_sub
    for body in ({"quantity": 12}, {"quantity": 12, "attributes": {}}, {"status": "suspended"}):
        assert_error(patch_sub(p, cid, sid, body), 412, code=2055)
    assert_error(patch_sub(p, cid, sid, {"quantity": 12}, ""), 412, code=2055)
    g = get_sub(p, cid, sid)
    assert g["quantity"] == 10 and g["status"] == "active"


def test_bad_status_is_400(p, one_sub):
    cid, sid = one_sub
    s = get_sub(p, cid, sid)
    for st in ("deleted", "SUSPENDED?", "", 5):
        bad(patch_sub(p, cid, sid, {"status": st}, s["attributes"]["etag"]), 400, "status", code=3000)
    g = get_sub(p, cid, sid)
    assert g["status"] == "active" and g["attributes"]["etag"] == s["attributes"]["etag"]


def test_concurrent_changes_with_one_etag_one_wins(p, one_sub):
    cid, sid = one_sub
    etag = get_sub(p, cid, sid)["attributes"]["etag"]
    results = {}

    def go(q):
        results[q] = patch_sub(p, cid, sid, {"quantity": q}, etag).status

    threads = [threading.Thread(target=go, args=(q,)) for q in range(20, 30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [q for q, st in results.items() if st == 200]
    assert len(won) == 1, results
    assert sorted(st for st in results.values()) == [200] + [412] * 9, results
    assert get_sub(p, cid, sid)["quantity"] == won[0]


# ---- suspend and reactivate ---------------------------------------------------------------------

def test_suspend_keeps_data_60_days_and_reactivate(p, one_sub):
    cid, sid = one_sub
    s = get_sub(p, cid, sid)
    t0 = time.time()
    r = patch_sub(p, cid, sid, {"status": "suspended"}, s["attributes"]["etag"])
    t1 = time.time()
    assert r.status == 200, r
    j = r.json
    assert j["status"] == "suspended" and j["quantity"] == 10
    assert isinstance(j["suspensionReasons"], list) and j["suspensionReasons"], j
    assert all(isinstance(x, str) and x for x in j["suspensionReasons"])
    sd, dd = epoch(j["suspendedDate"]), epoch(j["deprovisionDate"])
    assert int(t0) - 1 <= sd <= t1 + 1
    assert dd - sd == 60 * 86400, (j["suspendedDate"], j["deprovisionDate"])
    assert j["attributes"]["etag"] != s["attributes"]["etag"]
    g = get_sub(p, cid, sid)
    assert g["status"] == "suspended" and g["deprovisionDate"] == j["deprovisionDate"]
    assert [x["status"] for x in subs(p, cid) if x["id"] == sid] == ["suspended"]

    # no quantity change while suspended (Partner Center: 400, 2001); nothing changes
    r = patch_sub(p, cid, sid, {"quantity": 20}, g["attributes"]["etag"])
    assert_error(r, 400, code=2001, field="quantity")
    g2 = get_sub(p, cid, sid)
    assert g2["quantity"] == 10 and g2["status"] == "suspended"
    assert g2["attributes"]["etag"] == g["attributes"]["etag"]

    # reactivate
    r = patch_sub(p, cid, sid, {"status": "active"}, g2["attributes"]["etag"])
    assert r.status == 200, r
    assert r.json["status"] == "active" and r.json["quantity"] == 10
    assert "deprovisionDate" not in r.json
    r = patch_sub(p, cid, sid, {"quantity": 20}, r.json["attributes"]["etag"])
    assert r.status == 200 and r.json["quantity"] == 20, r


def test_reactivate_and_change_quantity_in_one_request(p, one_sub):
    cid, sid = one_sub
    r = patch_sub(p, cid, sid, {"status": "suspended"}, get_sub(p, cid, sid)["attributes"]["etag"])
    assert r.status == 200, r
    r = patch_sub(p, cid, sid, {"status": "active", "quantity": 15}, r.json["attributes"]["etag"])
    assert r.status in (200, 400), r
    g = get_sub(p, cid, sid)
    if r.status == 200:
        assert g["status"] == "active" and g["quantity"] == 15
    else:
        assert g["status"] == "suspended" and g["quantity"] == 10


def test_suspend_with_quantity_change_is_refused_or_whole(p, one_sub):
    cid, sid = one_sub
    r = patch_sub(p, cid, sid, {"status": "suspended", "quantity": 3}, get_sub(p, cid, sid)["attributes"]["etag"])
    g = get_sub(p, cid, sid)
    if r.status == 200:
        assert (g["status"], g["quantity"]) == ("suspended", 3)
    else:
        assert r.status in (400, 409), r
        assert (g["status"], g["quantity"]) == ("active", 10)


# ---- permissions --------------------------------------------------------------------------------

def test_helpdesk_reads_but_cannot_order_or_change(p, one_sub):
    cid, sid = one_sub
    hd = staff_client(p, ["helpdesk_agent"], SECRETS)
    r = hd.get("/v1/customers/%s/subscriptions" % cid)
    assert r.status == 200 and [x["id"] for x in r.json["items"]] == [sid], r
    assert hd.get(sub_path(cid, sid)).status == 200
    assert_error(order(hd, cid, [{"offerId": "CN-O365-E1", "quantity": 1}]), 403)
    etag = get_sub(p, cid, sid)["attributes"]["etag"]
    assert_error(patch_sub(hd, cid, sid, {"quantity": 2}, etag), 403)
    assert [x["id"] for x in subs(p, cid)] == [sid]
    assert get_sub(p, cid, sid)["attributes"]["etag"] == etag


def test_sales_agent_may_order(p):
    sa = staff_client(p, ["sales_agent"], SECRETS)
    c = new_customer(sa)
    o = order_ok(sa, c["id"], [{"offerId": "CN-O365-E1", "quantity": 2}])
    sid = o["lineItems"][0]["subscriptionId"]
    r = patch_sub(sa, c["id"], sid, {"quantity": 3}, get_sub(sa, c["id"], sid)["attributes"]["etag"])
    assert r.status == 200 and r.json["quantity"] == 3, r


def test_user_management_admin_cannot_read_subscriptions(p, one_sub):
    cid, sid = one_sub
    um = staff_client(p, ["user_management_admin"], SECRETS)
    assert_error(um.get("/v1/customers/%s/subscriptions" % cid), 403)
    assert_error(um.get(sub_path(cid, sid)), 403)


def test_unauthenticated_is_401(server, one_sub):
    cid, sid = one_sub
    anon = server.anon()
    for method, path, body in (("GET", "/v1/customers/%s/subscriptions" % cid, None),
                               ("GET", sub_path(cid, sid), None),
                               ("PATCH", sub_path(cid, sid), {"quantity": 2}),
                               ("POST", "/v1/customers/%s/orders" % cid,
                                {"lineItems": [{"offerId": "CN-O365-E1", "quantity": 1}]})):
        r = anon.req(method, path, body)
        assert_error(r, 401)
        assert (r.h("WWW-Authenticate") or "").startswith("Bearer")


# ---- the activity log ---------------------------------------------------------------------------

def records(p, op, rid):
    recs = audit_all(p, "&filter=" + filt("OperationType", op, "equals"))
    assert all(x["operationType"] == op for x in recs), recs
    return [x for x in recs if custom(x, "RequestId") == rid]


def test_audit_create_order(p):
    c = new_customer(p)
    rid = "rid-" + uuid.uuid4().hex
    r = order(p, c["id"], [{"offerId": "CN-O365-E1", "quantity": 3}], headers={"MS-RequestId": rid})
    assert r.status == 201, r
    assert r.h("MS-RequestId") == rid
    recs = records(p, "create_order", rid)
    assert len(recs) == 1, recs
    rec = recs[0]
    assert rec["operationStatus"] == "succeeded"
    assert rec["partnerId"] == p.info["partnerId"]
    assert rec.get("customerId") == c["id"]
    assert (rec.get("userPrincipalName") or "").lower() == p.info["userName"].lower()
    assert r.json["id"] in json.dumps(rec)
    # a refused order leaves no "succeeded" record
    rid2 = "rid-" + uuid.uuid4().hex
    r = order(p, c["id"], [{"offerId": "NOPE", "quantity": 3}], headers={"MS-RequestId": rid2})
    assert r.status == 400
    assert [x["operationStatus"] for x in records(p, "create_order", rid2)] in ([], ["failed"])


def test_audit_update_subscription(p, one_sub):
    cid, sid = one_sub
    rid = "rid-" + uuid.uuid4().hex
    r = patch_sub(p, cid, sid, {"quantity": 33}, get_sub(p, cid, sid)["attributes"]["etag"],
                  headers={"MS-RequestId": rid})
    assert r.status == 200, r
    recs = records(p, "update_subscription", rid)
    assert len(recs) == 1, recs
    rec = recs[0]
    assert rec["operationStatus"] == "succeeded" and rec.get("customerId") == cid
    assert "33" in rec.get("resourceNewValue", "")
    assert "10" in rec.get("resourceOldValue", "")
    rid = "rid-" + uuid.uuid4().hex
    r = patch_sub(p, cid, sid, {"status": "suspended"}, get_sub(p, cid, sid)["attributes"]["etag"],
                  headers={"MS-RequestId": rid})
    assert r.status == 200, r
    recs = records(p, "update_subscription", rid)
    assert [x["operationStatus"] for x in recs] == ["succeeded"]
    assert "suspended" in recs[0].get("resourceNewValue", "")


def test_reads_leave_no_record(p, one_sub):
    cid, sid = one_sub
    rid = "rid-" + uuid.uuid4().hex
    for path in ("/v1/customers/%s/subscriptions" % cid, sub_path(cid, sid), "/v1/offers?country=CN"):
        assert p.get(path, headers={"MS-RequestId": rid}).status == 200
    assert [x for x in audit_all(p) if custom(x, "RequestId") == rid] == []


def test_zz_no_secret_in_the_activity_log(p, other):
    text = json.dumps(audit_all(p)) + json.dumps(audit_all(other))
    assert SECRETS
    for s in SECRETS:
        assert s not in text


# ---- suspending a base carries its add-ons ------------------------------------------------------

def _by_offer(p, cid):
    return {s["offerId"]: s for s in subs(p, cid)}


def test_suspending_the_base_suspends_its_add_ons_and_reactivation_needs_the_base(p):
    c = new_customer(p)
    order_ok(p, c["id"], [{"offerId": "CN-O365-E3", "quantity": 5}, {"offerId": "CN-EXO-ARCHIVE", "quantity": 5},
                          {"offerId": "CN-PBI-PRO", "quantity": 2}])
    s = _by_offer(p, c["id"])
    base, addon = s["CN-O365-E3"], s["CN-EXO-ARCHIVE"]
    r = patch_sub(p, c["id"], base["id"], {"status": "suspended"}, base["attributes"]["etag"])
    assert r.status == 200, r
    s = _by_offer(p, c["id"])
    assert s["CN-EXO-ARCHIVE"]["status"] == "suspended", s["CN-EXO-ARCHIVE"]
    assert s["CN-EXO-ARCHIVE"]["attributes"]["etag"] != addon["attributes"]["etag"]
    assert s["CN-PBI-PRO"]["status"] == "active", "unrelated subscriptions stay active"
    # the add-on cannot come back before its base
    r = patch_sub(p, c["id"], addon["id"], {"status": "active"}, s["CN-EXO-ARCHIVE"]["attributes"]["etag"])
    assert_error(r, 409, code=27009)  # Partner Center: a child while its parent is not active
    assert "CN-O365-E3" in r.json["description"], r.json
    r = patch_sub(p, c["id"], base["id"], {"status": "active"}, s["CN-O365-E3"]["attributes"]["etag"])
    assert r.status == 200 and r.json["status"] == "active", r
    s = _by_offer(p, c["id"])
    assert s["CN-EXO-ARCHIVE"]["status"] == "suspended", "reactivating the base leaves the add-on to the partner"
    r = patch_sub(p, c["id"], addon["id"], {"status": "active"}, s["CN-EXO-ARCHIVE"]["attributes"]["etag"])
    assert r.status == 200 and r.json["status"] == "active", r


def test_an_add_on_with_another_active_base_stays_active(p):
    c = new_customer(p)
    order_ok(p, c["id"], [{"offerId": "CN-O365-E3", "quantity": 5}, {"offerId": "CN-EXO-P1", "quantity": 5},
                          {"offerId": "CN-EXO-ARCHIVE", "quantity": 5}])
    s = _by_offer(p, c["id"])
    r = patch_sub(p, c["id"], s["CN-O365-E3"]["id"], {"status": "suspended"}, s["CN-O365-E3"]["attributes"]["etag"])
    assert r.status == 200, r
    assert _by_offer(p, c["id"])["CN-EXO-ARCHIVE"]["status"] == "active"
    recs = [x for x in audit_all(p, "&filter=" + filt("OperationType", "update_subscription", "equals"))
            if x.get("customerId") == c["id"]]
    assert len(recs) == 1 and "suspendedAddOns" not in recs[0]["resourceNewValue"], recs


# ---- the subscription list is paged (issue 14: no silent cap) ------------------------------------
def sub_list_path(cid):
    return "/v1/customers/%s/subscriptions" % cid


def test_subscription_list_pages_in_creation_order(p):
    c = new_customer(p)
    made = [x["subscriptionId"] for x in order_ok(p, c["id"], [{"offerId": "CN-O365-E3", "quantity": 5 + i}
                                                                for i in range(5)])["lineItems"]]
    items, pages = walk_pages(p, sub_list_path(c["id"]), 2)
    ids = [x["id"] for x in items]
    assert sorted(ids) == sorted(made) and len(set(ids)) == 5, "each subscription exactly once"
    assert ids == [x["id"] for x in sorted(items, key=lambda x: (x["creationDate"], x["id"]))]
    assert pages == 3
    assert walk_pages(p, sub_list_path(c["id"]), 500) == (items, 1)


def test_subscription_list_refuses_bad_size_and_foreign_tokens(p):
    a, b = new_customer(p), new_customer(p)
    order_ok(p, b["id"], [{"offerId": "CN-PBI-PRO", "quantity": 1}, {"offerId": "CN-PBI-PRO", "quantity": 2}])
    token_of_b = p.get(sub_list_path(b["id"]) + "?size=1").json["continuationToken"]
    assert_page_params_refused(p, sub_list_path(a["id"]), token_of_b)
    for _ in range(2):
        assert p.req("POST", "/v1/apps", {"displayName": "subs robot", "roles": ["sales_agent"]}).status == 201
    apps_token = p.get("/v1/apps?size=1").json["continuationToken"]
    r = p.get(sub_list_path(b["id"]) + "?seekOperation=Next", headers={"MS-ContinuationToken": apps_token})
    bad(r, 400, "MS-ContinuationToken", code=3000)


def _order_many(p, cid, offer, n):
    for start in range(0, n, 100):
        order_ok(p, cid, [{"offerId": offer, "quantity": 1} for _ in range(min(100, n - start))])


def test_more_than_500_subscriptions_suspend_every_add_on(p):
    """The writer's checks read every page: suspending the base suspends all 600 add-ons, not
    only those of a first page."""
    c = new_customer(p)
    base = order_ok(p, c["id"], [{"offerId": "CN-O365-E3", "quantity": 5}])["lineItems"][0]["subscriptionId"]
    _order_many(p, c["id"], "CN-EXO-ARCHIVE", 600)
    items, pages = walk_pages(p, sub_list_path(c["id"]), 500)
    assert len(items) == 601 and len({x["id"] for x in items}) == 601 and pages == 2
    r = patch_sub(p, c["id"], base, {"status": "suspended"}, get_sub(p, c["id"], base)["attributes"]["etag"])
    assert r.status == 200, r
    after, _ = walk_pages(p, sub_list_path(c["id"]), 500)
    assert [x["status"] for x in after].count("suspended") == 601


def test_an_add_on_finds_its_base_past_the_first_page(server, p):
    c = new_customer(p)
    _order_many(p, c["id"], "CN-PBI-PRO", 500)
    base = order_ok(p, c["id"], [{"offerId": "CN-O365-E3", "quantity": 5}])["lineItems"][0]["subscriptionId"]
    # the base the last of the list (created later), beyond the writer's first page of 500
    assert db_update(server.db, "UPDATE subscriptions SET created_at = created_at + 100"
                                " WHERE subscription_id = '%s'" % base) == 1
    items, _ = walk_pages(p, sub_list_path(c["id"]), 500)
    assert items[-1]["id"] == base and len(items) == 501
    r = order(p, c["id"], [{"offerId": "CN-EXO-ARCHIVE", "quantity": 5}])
    assert r.status == 201, r


def test_subscription_pages_stay_exact_while_orders_arrive(p):
    """Orders from 8 parallel clients while the list is walked: every subscription that was
    there before is listed once, none twice."""
    c = new_customer(p)
    _order_many(p, c["id"], "CN-PBI-PRO", 30)
    before = {x["id"] for x in walk_pages(p, sub_list_path(c["id"]), 500)[0]}
    go = threading.Barrier(9)

    def writer():
        go.wait()
        for _ in range(3):
            order_ok(p, c["id"], [{"offerId": "CN-PBI-PRO", "quantity": 1}, {"offerId": "CN-PBI-PRO", "quantity": 2}])

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    go.wait()
    items, _ = walk_pages(p, sub_list_path(c["id"]), 3)
    for t in threads:
        t.join()
    seen = [x["id"] for x in items]
    assert len(seen) == len(set(seen)), "no subscription twice"
    assert before <= set(seen), "every subscription that was there before, once"
    assert len(walk_pages(p, sub_list_path(c["id"]), 500)[0]) == 30 + 48


# ---- the per-customer subscriptions export (issue 16) ------------------------------------------

def csv_rows(text):
    import csv
    import io
    assert text.startswith("\ufeff"), text[:10]
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_subscriptions_export_is_csv_with_the_formula_rule(server):
    """GET .../subscriptions?$format=csv: every subscription (id, offer name, quantity, status,
    reseller), cells a spreadsheet would take for a formula quoted with a ' in front."""
    evil = server.partner("=HYPERLINK(\"http://x\") 经销商")
    SECRETS.extend([evil.token, evil.info["password"]])
    c = new_customer(evil)
    o = order_ok(evil, c["id"], [{"offerId": "CN-O365-E3", "quantity": 7}, {"offerId": "CN-PBI-PRO", "quantity": 2}])
    sid = o["lineItems"][0]["subscriptionId"]
    s = evil.get(sub_path(c["id"], sid)).json
    assert patch_sub(evil, c["id"], sid, {"status": "suspended"}, s["attributes"]["etag"]).status == 200
    r = evil.get("/v1/customers/%s/subscriptions?$format=csv" % c["id"], headers={"X-Locale": "zh-CN"})
    assert r.status == 200, r
    assert r.h("Content-Type").startswith("text/csv"), r.headers
    assert "attachment" in (r.h("Content-Disposition") or ""), r.headers
    assert "\r\n" in r.text
    rows = csv_rows(r.text)
    assert rows[0] == ["subscriptionId", "offerName", "quantity", "status", "reseller"]
    got = {row[0]: row[1:] for row in rows[1:]}
    reseller = "'=HYPERLINK(\"http://x\") 经销商"
    assert got == {sid: ["Office 365 E3", "7", "suspended", reseller],
                   o["lineItems"][1]["subscriptionId"]: ["Power BI Pro", "2", "active", reseller]}, got
    assert '"\'=HYPERLINK(""http://x"") 经销商"' in r.text, r.text
    # by order, and the refusals
    o2 = order_ok(evil, c["id"], [{"offerId": "CN-D365-SALES", "quantity": 1}])
    rows = csv_rows(evil.get("/v1/customers/%s/subscriptions?$format=csv&order_id=%s" % (c["id"], o2["id"])).text)
    assert [row[1] for row in rows[1:]] == ["Dynamics 365 Sales Enterprise"]
    assert_error(evil.get("/v1/customers/%s/subscriptions?$format=xml" % c["id"]), 400, field="$format")
    assert_error(evil.get("/v1/customers/%s/subscriptions?$format=csv&size=5" % c["id"]), 400, field="size")
    assert_error(evil.get("/v1/customers/%s/subscriptions?$format=csv" % uuid.uuid4()), 404)


def test_subscriptions_export_has_every_subscription(p):
    c = new_customer(p)
    made = set()
    for i in range(3):
        o = order_ok(p, c["id"], [{"offerId": "CN-PBI-PRO", "quantity": i + 1}] * 40)
        made |= {x["subscriptionId"] for x in o["lineItems"]}
    rows = csv_rows(p.get("/v1/customers/%s/subscriptions?$format=csv" % c["id"]).text)
    assert {row[0] for row in rows[1:]} == made and len(rows) == 121
