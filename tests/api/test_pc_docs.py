"""Partner Center's own documentation examples (issue 16): the example requests of the REST pages
(`develop/*.md` of the public partner-center-sdk documentation), sent as written (adjusted only
where they are not valid JSON, and with this deployment's ids in the placeholders), and the
answers compared with the example responses' shape: field names, objectType, links.

Each test names its page.  Where partnerd answers otherwise on purpose, docs/api-notes.md says
why, and the test asserts partnerd's answer."""
import json
import re
import urllib.parse
import uuid

import pytest

from helpers import (SUFFIX, assert_error, audit_all, cn_body, http_request, strong_password, uniq,
                     walk_pages)

SECRETS = []
LINK_KEYS = {"uri", "method", "headers"}
CV_RE = re.compile(r"^[A-Za-z0-9+/]{16}\.0$")


@pytest.fixture(scope="module")
def p(server):
    c = server.partner("Docs Co")
    SECRETS.extend([c.token, c.info["password"]])
    return c


@pytest.fixture(scope="module")
def b(server):
    c = server.partner("Docs Other Co")
    SECRETS.extend([c.token, c.info["password"]])
    return c


def new_customer(p, prefix="doc"):
    c = p.create_ok(cn_body(uniq(prefix)))
    SECRETS.append(c["userCredentials"]["password"])
    return c


def link_ok(link, uri=None):
    assert set(link) == LINK_KEYS, link
    assert link["method"] == "GET" and link["headers"] == [], link
    if uri is not None:
        assert link["uri"] == uri, link


def follow(p, link):
    """GET of a link of a response (its uri is under /v1)."""
    return p.get("/v1" + link["uri"])


def order(p, cid, body):
    return p.req("POST", "/v1/customers/%s/orders" % cid, body)


# ---- get-an-order-by-id.md, get-all-of-a-customer-s-orders.md, create-an-order.md ----------------

ORDER_KEYS = {"id", "referenceCustomerId", "billingCycle", "currencyCode", "lineItems", "creationDate",
              "status", "links", "attributes"}
LINE_KEYS = {"lineItemNumber", "offerId", "subscriptionId", "friendlyName", "quantity", "links"}


def check_order(o, cid):
    assert set(o) == ORDER_KEYS, o
    assert o["referenceCustomerId"] == cid and o["attributes"] == {"objectType": "Order"}, o
    link_ok(o["links"]["self"], "/customers/%s/orders/%s" % (cid, o["id"]))
    for i, line in enumerate(o["lineItems"]):
        assert set(line) == LINE_KEYS and line["lineItemNumber"] == i, line
        sub = "/customers/%s/subscriptions/%s" % (cid, line["subscriptionId"])
        link_ok(line["links"]["subscription"], sub)
        link_ok(line["links"]["provisioningStatus"], sub + "/provisioningstatus")


def test_create_an_order_example_keeps_billing_cycle_and_currency(p):
    """create-an-order.md: BillingCycle and CurrencyCode (PascalCase) in the body; the answer and
    every later read keep them.  The example's Azure RI offer and one_time cycle are the page's;
    here an offer of the catalog, with the cycles it supports."""
    c = new_customer(p)
    body = {"BillingCycle": "annual", "CurrencyCode": "CNY",
            "LineItems": [{"LineItemNumber": 0, "OfferId": "CN-O365-E3", "FriendlyName": "A_sample", "Quantity": 1}]}
    r = order(p, c["id"], body)
    assert r.status == 201, r
    o = r.json
    check_order(o, c["id"])
    assert (o["billingCycle"], o["currencyCode"], o["status"]) == ("annual", "CNY", "completed"), o
    # get-an-order-by-id.md: the order's links.self fetches it, the same
    g = follow(p, o["links"]["self"])
    assert g.status == 200, g
    assert g.json == o
    # its subscription links resolve, and the subscription carries the order's cycle
    s = follow(p, o["lineItems"][0]["links"]["subscription"])
    assert s.status == 200 and s.json["billingCycle"] == "annual" and s.json["orderId"] == o["id"], s
    ps = follow(p, o["lineItems"][0]["links"]["provisioningStatus"])
    assert ps.status == 200, ps
    assert ps.json["attributes"] == {"objectType": "SubscriptionProvisioningStatus"}
    assert (ps.json["skuId"], ps.json["status"], ps.json["quantity"]) == ("CN-O365-E3", "success", 1), ps.json


@pytest.mark.parametrize("body,field", [
    ({"billingCycle": "one_time"}, "billingCycle"),          # not a cycle this offer supports
    ({"billingCycle": 12}, "billingCycle"),
    ({"currencyCode": "USD"}, "currencyCode"),               # read-only: a CN customer pays CNY
    ({"referenceCustomerId": str(uuid.uuid4())}, "referenceCustomerId"),
    ({"promotionCode": "X"}, "promotionCode"),               # nothing partnerd acts on
    ({"lineItems": [{"offerId": "CN-O365-E3", "quantity": 1, "provisioningContext": {"a": "b"}}]},
     "lineItems[0].provisioningContext"),
    ({"lineItems": [{"offerId": "CN-O365-E3", "quantity": 1, "lineItemNumber": 3}]}, "lineItems[0].lineItemNumber"),
    ({"attributes": {"objectType": "Cart"}}, "attributes.objectType"),
])
def test_order_fields_partnerd_does_not_act_on_are_refused(p, body, field):
    c = new_customer(p)
    full = {"lineItems": [{"offerId": "CN-O365-E3", "quantity": 1}]}
    full.update(body)
    r = order(p, c["id"], full)
    assert_error(r, 400, field=field)
    assert p.get("/v1/customers/%s/orders" % c["id"]).json["items"] == []


def test_get_all_of_a_customers_orders_is_paged(p):
    """get-all-of-a-customer-s-orders.md: a Collection of Orders with links.self; pages as the
    other lists do (size, continuation token)."""
    c = new_customer(p)
    made = []
    for i in range(5):
        r = order(p, c["id"], {"lineItems": [{"offerId": "CN-PBI-PRO", "quantity": i + 1}]})
        assert r.status == 201, r
        made.append(r.json["id"])
    r = p.get("/v1/customers/%s/orders" % c["id"])
    assert r.status == 200, r
    j = r.json
    assert j["attributes"] == {"objectType": "Collection"} and j["totalCount"] == 5, j
    link_ok(j["links"]["self"])
    assert follow(p, j["links"]["self"]).json["items"] == j["items"]
    for o in j["items"]:
        check_order(o, c["id"])
    # creation order (the id breaks ties within a second)
    assert [o["id"] for o in j["items"]] == [o for _, o in sorted(
        (x["creationDate"], x["id"]) for x in j["items"])] and sorted(made) == sorted(o["id"] for o in j["items"])
    items, pages = walk_pages(p, "/v1/customers/%s/orders" % c["id"], 2)
    assert items == j["items"] and pages == 3
    # a token of another list is refused
    tok = p.get("/v1/customers/%s/orders?size=2" % c["id"]).json["continuationToken"]
    r = p.get("/v1/customers/%s/subscriptions?seekOperation=Next" % c["id"], headers={"MS-ContinuationToken": tok})
    assert_error(r, 400, field="MS-ContinuationToken")


def test_orders_of_an_unknown_order_or_customer(p, b):
    c = new_customer(p)
    o = order(p, c["id"], {"lineItems": [{"offerId": "CN-PBI-PRO", "quantity": 1}]}).json
    assert_error(p.get("/v1/customers/%s/orders/%s" % (c["id"], uuid.uuid4())), 404, code=20000)
    assert_error(b.get("/v1/customers/%s/orders/%s" % (c["id"], o["id"])), 404)
    assert_error(b.get("/v1/customers/%s/orders" % c["id"]), 404)
    assert_error(p.get("/v1/customers/%s/orders/not-an-id" % c["id"]), 400, field="orderId", details=False)


# ---- get-a-list-of-subscriptions-by-order.md --------------------------------------------------

def test_subscriptions_by_order(p):
    c = new_customer(p)
    o1 = order(p, c["id"], {"lineItems": [{"offerId": "CN-O365-E3", "quantity": 2},
                                          {"offerId": "CN-PBI-PRO", "quantity": 3}]}).json
    o2 = order(p, c["id"], {"lineItems": [{"offerId": "CN-D365-SALES", "quantity": 1}]}).json
    r = p.get("/v1/customers/%s/subscriptions?order_id=%s" % (c["id"], o1["id"]))
    assert r.status == 200, r
    assert sorted(s["offerId"] for s in r.json["items"]) == ["CN-O365-E3", "CN-PBI-PRO"]
    assert all(s["orderId"] == o1["id"] for s in r.json["items"])
    # the self link keeps the order (issue 16: it fetches the same collection)
    self = r.json["links"]["self"]["uri"]
    assert "order_id=" + o1["id"] in self, self
    assert follow(p, r.json["links"]["self"]).json["items"] == r.json["items"]
    items, _ = walk_pages(p, "/v1/customers/%s/subscriptions?order_id=%s" % (c["id"], o2["id"]), 1)
    assert [s["offerId"] for s in items] == ["CN-D365-SALES"]
    # a token of one order's list does not continue another's
    tok = p.get("/v1/customers/%s/subscriptions?order_id=%s&size=1" % (c["id"], o1["id"])).json["continuationToken"]
    r = p.get("/v1/customers/%s/subscriptions?seekOperation=Next" % c["id"], headers={"MS-ContinuationToken": tok})
    assert_error(r, 400, field="MS-ContinuationToken")
    # an order the customer does not have is a 404 naming it; a garbled id a 400
    r = p.get("/v1/customers/%s/subscriptions?order_id=%s" % (c["id"], uuid.uuid4()))
    assert_error(r, 404, code=20000, field="order_id")
    assert_error(p.get("/v1/customers/%s/subscriptions?order_id=x" % c["id"]), 400, field="order_id")


# ---- subscription-resources.md / get-a-subscription-by-id.md ----------------------------------

def test_subscription_fields_clients_read(p):
    c = new_customer(p)
    o = order(p, c["id"], {"lineItems": [{"offerId": "CN-O365-E3", "quantity": 2}]}).json
    s = p.get("/v1/customers/%s/subscriptions/%s" % (c["id"], o["lineItems"][0]["subscriptionId"])).json
    assert s["billingCycle"] == "monthly" and s["contractType"] == "subscription", s
    assert s["entitlementId"] == s["id"] and s["termDuration"] == "P1Y", s
    link_ok(s["links"]["offer"], "/offers/CN-O365-E3?country=CN")
    offer = follow(p, s["links"]["offer"])
    assert offer.status == 200 and offer.json["id"] == "CN-O365-E3", offer


# ---- change-the-quantity-of-a-subscription.md ---------------------------------------------------

def test_change_the_quantity_example(p):
    """The page sends the whole Subscription back with Quantity changed.  Its descriptive fields
    (UnitType, dates, BillingType, ContractType) change nothing; AutoRenewEnabled false for an
    active subscription would ask for something partnerd does not do: 400 naming it."""
    c = new_customer(p)
    o = order(p, c["id"], {"lineItems": [{"offerId": "CN-O365-E3", "quantity": 1}]}).json
    sid = o["lineItems"][0]["subscriptionId"]
    path = "/v1/customers/%s/subscriptions/%s" % (c["id"], sid)
    etag = p.get(path).json["attributes"]["etag"]
    body = {"Id": sid, "FriendlyName": "nickname", "Quantity": 2, "UnitType": "none", "ParentSubscriptionId": None,
            "CreationDate": "2015-11-25T06:41:12Z", "EffectiveStartDate": "2015-11-24T08:00:00Z",
            "CommitmentEndDate": "2016-12-12T08:00:00Z", "Status": "active", "AutoRenewEnabled": False,
            "BillingType": "none", "PartnerId": None, "ContractType": "subscription", "OrderId": o["id"],
            "Attributes": {"Etag": etag, "ObjectType": "Subscription"}}
    r = p.req("PATCH", path, body)
    assert_error(r, 400, field="autoRenewEnabled")
    assert p.get(path).json["quantity"] == 1
    body["AutoRenewEnabled"] = True
    r = p.req("PATCH", path, body)
    assert r.status == 200, r
    assert (r.json["quantity"], r.json["friendlyName"], r.json["unitType"]) == (2, "nickname", "Licenses"), r.json
    # what must stay as it is
    etag = r.json["attributes"]["etag"]
    for field, value, code in (("Id", str(uuid.uuid4()), 3000), ("OrderId", str(uuid.uuid4()), 3000),
                               ("BillingCycle", "annual", 2054), ("OfferId", "CN-O365-E1", 3000),
                               ("Seats", 5, 3000)):
        bad = dict(body, Quantity=3, Attributes={"Etag": etag, "ObjectType": "Subscription"}, **{field: value})
        r = p.req("PATCH", path, bad)
        j = assert_error(r, 400, field=field if field == "Seats" else field[0].lower() + field[1:])
        assert j["details"][0]["code"] == code, j
    assert p.get(path).json["quantity"] == 2


# ---- reset-user-password-for-a-customer.md -------------------------------------------------------

def invite_code(p):
    r = p.get("/v1/customers/relationshiprequests")
    if r.status == 404:
        r = p.req("POST", "/v1/customers/relationshiprequests")
    return r.json["url"].rsplit("/", 1)[1]


def accept(server, code, user, password):
    body = urllib.parse.urlencode({"userName": user, "password": password})
    from helpers import fresh_source
    return http_request(server.port, "POST", "/invite/" + code, body,
                        {"Content-Type": "application/x-www-form-urlencoded"}, source=fresh_source())


def test_reset_user_password_example(server, p, b):
    """The page's body (its keys unquoted there: not JSON) resets the password: the new one
    then signs the administrator in (accepting an invitation checks it), the old one no longer
    does; forceChangePassword is kept; the activity log records a reset.  The page's
    "Renew456*" is 9 characters: partnerd's rules want 12 (400 naming the field)."""
    c = new_customer(p)
    r = p.req("POST", "/v1/customers/%s/users" % c["id"], {"userPrincipalName": "reset", "roles": ["company_administrator"]})
    assert r.status == 201, r
    u, old = r.json, r.json["passwordProfile"]["password"]
    SECRETS.append(old)
    path = "/v1/customers/%s/users/%s" % (c["id"], u["id"])
    example = {"passwordProfile": {"password": "Renew456*", "forceChangePassword": True},
               "attributes": {"objectType": "CustomerUser"}}
    r = p.req("PATCH", path, example)
    assert_error(r, 400, field="passwordProfile.password")
    new = strong_password()
    SECRETS.append(new)
    example["passwordProfile"]["password"] = new
    r = p.req("PATCH", path, example, headers={"MS-RequestId": "reset-" + uuid.uuid4().hex})
    assert r.status == 200, r
    assert r.json["passwordProfile"] == {"forceChangePassword": True}, r.json
    assert new not in r.text and r.json["attributes"] == {"objectType": "CustomerUser"}
    link_ok(r.json["links"]["self"], "/customers/%s/users/%s" % (c["id"], u["id"]))
    # the old password no longer signs in, the new one does
    code = invite_code(b)
    assert "Accepted" not in accept(server, code, u["userPrincipalName"], old).text
    assert "Accepted" in accept(server, code, u["userPrincipalName"], new).text
    # recorded as a reset, without the password
    recs = [a for a in audit_all(p, "&filter=" + urllib.parse.quote(json.dumps(
        {"Field": "CustomerId", "Value": c["id"], "Operator": "equals"})))
        if a.get("operationType") == "reset_customer_user_password"]
    assert len(recs) == 1, recs
    assert new not in json.dumps(recs)


def test_reset_password_force_change_false_and_bad_profiles(p):
    c = new_customer(p)
    u = p.req("POST", "/v1/customers/%s/users" % c["id"], {"userPrincipalName": "nf"}).json
    SECRETS.append(u["passwordProfile"]["password"])
    path = "/v1/customers/%s/users/%s" % (c["id"], u["id"])
    new = strong_password()
    SECRETS.append(new)
    r = p.req("PATCH", path, {"passwordProfile": {"password": new, "forceChangePassword": False}})
    assert r.status == 200 and r.json["passwordProfile"] == {"forceChangePassword": False}, r
    for body, field in (({"passwordProfile": {"forceChangePassword": True}}, "passwordProfile.password"),
                        ({"passwordProfile": {"password": new, "expires": "never"}}, "passwordProfile.expires"),
                        ({"passwordProfile": "x"}, "passwordProfile"),
                        ({"passwordProfile": {"password": new, "forceChangePassword": "yes"}},
                         "passwordProfile.forceChangePassword")):
        assert_error(p.req("PATCH", path, body), 400, field=field)


@pytest.mark.parametrize("body,field", [
    ({"displayName": "x", "phoneNumber": "123"}, "phoneNumber"),
    ({"immutableId": "abc"}, "immutableId"),
    ({"userPrincipalName": "someone-else"}, "userPrincipalName"),
    ({"id": str(uuid.uuid4())}, "id"),
    ({"attributes": {"objectType": "Customer"}}, "attributes.objectType"),
])
def test_customer_user_patch_refuses_what_it_would_ignore(p, body, field):
    c = new_customer(p)
    u = p.req("POST", "/v1/customers/%s/users" % c["id"], {"userPrincipalName": "ign", "displayName": "Before"}).json
    SECRETS.append(u["passwordProfile"]["password"])
    path = "/v1/customers/%s/users/%s" % (c["id"], u["id"])
    assert_error(p.req("PATCH", path, body), 400, field=field)
    assert p.get(path).json["displayName"] == "Before"
    # the user sent back as read changes nothing it should not
    g = p.get(path).json
    r = p.req("PATCH", path, dict(g, displayName="After"))
    assert r.status == 200 and r.json["displayName"] == "After", r


# ---- check-domain-availability (CustomerService.swagger.json) -----------------------------------

def test_check_domain_availability(p):
    """/v{version}/validations/checkdomainavailability/{domain_prefix}: a boolean, true when free."""
    c = new_customer(p)
    taken = c["companyProfile"]["domain"].split(".")[0]
    r = p.get("/v1/validations/checkdomainavailability/" + taken)
    assert r.status == 200 and r.json is False, r
    r = p.get("/v1/validations/checkdomainavailability/" + uniq("free"))
    assert r.status == 200 and r.json is True, r
    assert_error(p.get("/v1/validations/checkdomainavailability/bad_prefix!"), 400, field="domainPrefix")


# ---- headers.md: MS-CV ---------------------------------------------------------------------------

def test_ms_cv_is_echoed_or_made(p):
    r = p.get("/v1/customers?size=1", headers={"MS-CV": "ObwhuhD2tUKJoM+Z.0"})
    assert r.h("MS-CV") == "ObwhuhD2tUKJoM+Z.0", r.headers
    r1, r2 = p.get("/v1/customers?size=1"), p.get("/v1/nope")
    assert CV_RE.match(r1.h("MS-CV") or ""), r1.headers
    assert CV_RE.match(r2.h("MS-CV") or "") and r2.h("MS-CV") != r1.h("MS-CV"), r2.headers


# ---- offer-resources.md, get-an-offer-by-id.md ------------------------------------------------

def test_offer_fields_clients_read(p):
    r = p.get("/v1/offers/CN-O365-E3?country=CN", headers={"X-Locale": "zh-CN"})
    assert r.status == 200, r
    o = r.json
    assert o["category"]["attributes"] == {"objectType": "OfferCategory"} and o["category"]["id"], o
    assert o["category"]["country"] == "CN" and o["category"]["locale"] == "zh-cn" == o["locale"], o
    assert o["product"] == {"id": "O365-E3", "name": o["name"], "unit": "Licenses"}, o
    assert o["isAvailableForPurchase"] is True and o["supportedBillingCycles"] == ["monthly", "annual"], o
    assert o["term"] == "P1Y" and o["isAutoRenewable"] is True, o


# ---- customer-resources.md / CustomerService.swagger.json ---------------------------------------

def test_country_rules_fields(p):
    for iso in ("CN", "RU", "US"):
        r = p.get("/v1/countryvalidationrules/" + iso)
        assert r.status == 200, r
        j = r.json
        for k in ("taxIdFormat", "taxIdSample", "isRegistrationNumberSupported"):
            assert k in j, (iso, j)
        assert isinstance(j["isRegistrationNumberSupported"], bool)
        assert isinstance(j["taxIdFormat"], str) and isinstance(j["taxIdSample"], str)
    # RU takes (and requires) a registration number; US refuses one (600002)
    assert p.get("/v1/countryvalidationrules/RU").json["isRegistrationNumberSupported"] is True
    assert p.get("/v1/countryvalidationrules/US").json["isRegistrationNumberSupported"] is False


# ---- get-a-record-of-partner-center-activity-by-user.md ------------------------------------------

def test_activity_example_request_and_self_link(p):
    """The page's request: startDate=6/1/2017 12:00:00 AM (month first) and an encoded filter;
    the self link keeps startDate and filter (and fetches the same collection)."""
    c = new_customer(p)
    filt = '{"Field":"CustomerId","Value":"%s","Operator":"equals"}' % c["id"]
    r = p.get("/v1/auditrecords?startDate=6/1/2017%2012:00:00%20AM&filter=" + urllib.parse.quote(filt, safe=":,"))
    assert r.status == 200, r
    assert [a["operationType"] for a in r.json["items"]] == ["add_customer"], r.json
    self = r.json["links"]["self"]["uri"]
    q = urllib.parse.parse_qs(urllib.parse.urlparse(self).query)
    assert q["startDate"] == ["2017-06-01T00:00:00Z"] and json.loads(q["filter"][0])["Value"] == c["id"], self
    assert follow(p, r.json["links"]["self"]).json["items"] == r.json["items"]
    for d in ("6/1/2017", "2017-06-01", "2017-06-01T08:00:00+08:00", "6/1/2017 13:05:00"):
        assert p.get("/v1/auditrecords?size=1&startDate=" + urllib.parse.quote(d)).status == 200, d
    for d in ("13/40/2017", "2017-06-01T08:00:00+8", "yesterday"):
        assert_error(p.get("/v1/auditrecords?startDate=" + urllib.parse.quote(d)), 400, field="startDate")


def test_customer_list_self_link_keeps_the_filter(p):
    name = "自链接" + uuid.uuid4().hex[:6]
    for i in range(3):
        SECRETS.append(p.create_ok(cn_body(uniq("self"), company="%s%d有限公司" % (name, i)))["userCredentials"]["password"])
    f = urllib.parse.quote(json.dumps({"Field": "CompanyName", "Value": name, "Operator": "starts_with"}), safe="")
    r = p.get("/v1/customers?size=2&filter=" + f)
    assert r.status == 200 and r.json["totalCount"] == 2, r
    again = follow(p, r.json["links"]["self"])
    assert again.status == 200 and again.json["items"] == r.json["items"], r.json["links"]
    # a page reached by its token alone names the same filter
    tok = r.json["continuationToken"]
    r2 = p.get("/v1/customers?seekOperation=Next", headers={"MS-ContinuationToken": tok})
    assert r2.status == 200 and r2.json["totalCount"] == 1, r2
    self = follow(p, r2.json["links"]["self"]).json  # the filtered list, default page size
    assert [x["id"] for x in self["items"]] == [x["id"] for x in r.json["items"] + r2.json["items"]], r2.json["links"]


# ---- create-a-customer.md: idempotency ----------------------------------------------------------

def test_create_a_customer_example_and_its_request_id(p):
    """The page's body (trailing commas removed), with its MS-RequestId: a retry of the same
    request replays it; the same id with another body is a 409 that says so (nothing made)."""
    rid = str(uuid.uuid4())
    prefix = uniq("xyz")
    body = {"CompanyProfile": {"Domain": prefix},
            "BillingProfile": {"Culture": "EN-US", "Email": "test@outlook.com", "Language": "en",
                               "CompanyName": "test company",
                               "DefaultAddress": {"FirstName": "Test", "LastName": "Test",
                                                  "AddressLine1": "One Microsoft Way", "City": "Redmond",
                                                  "State": "WA", "PostalCode": "98052", "Country": "US"}}}
    r1 = p.create(body, headers={"MS-RequestId": rid, "MS-CorrelationId": str(uuid.uuid4())})
    assert r1.status == 201, r1
    SECRETS.append(r1.json["userCredentials"]["password"])
    assert CV_RE.match(r1.h("MS-CV") or ""), r1.headers
    # the same request, keys in another case and order: replayed
    same = json.loads(json.dumps(body).replace('"CompanyProfile"', '"companyProfile"'))
    r2 = p.create(dict(reversed(list(same.items()))), headers={"MS-RequestId": rid})
    assert r2.status == 201 and r2.h("Idempotent-Replayed") == "true" and r2.json["id"] == r1.json["id"], r2
    n = p.count()
    other = json.loads(json.dumps(body))
    other["CompanyProfile"]["Domain"] = uniq("xyz")
    for loc, word in (("en-US", "MS-RequestId"), ("zh-CN", "MS-RequestId"), ("de-DE", "MS-RequestId")):
        r3 = p.create(other, headers={"MS-RequestId": rid, "X-Locale": loc})
        j = assert_error(r3, 409, field="MS-RequestId")
        assert word in j["description"] and rid in j["description"], j
    assert p.count() == n
    assert p.req("HEAD", "/v1/domains/%s.%s" % (other["CompanyProfile"]["Domain"], SUFFIX)).status == 404


# ---- error descriptions in the caller's language --------------------------------------------------

ENGLISH = re.compile(r"\b(The|customer|subscription|user|order|offer|was|not|found|an?|object|string)\b")


@pytest.mark.parametrize("loc", ["zh-CN", "de-DE"])
def test_error_descriptions_hold_no_english_noun_phrase(p, loc):
    c = new_customer(p)
    h = {"X-Locale": loc}
    missing = str(uuid.uuid4())
    calls = [
        p.get("/v1/customers/" + missing, headers=h),
        p.get("/v1/customers/%s/subscriptions/%s" % (c["id"], missing), headers=h),
        p.get("/v1/customers/%s/users/%s" % (c["id"], missing), headers=h),
        p.get("/v1/customers/%s/orders/%s" % (c["id"], missing), headers=h),
        p.get("/v1/offers/NOPE?country=CN", headers=h),
        p.get("/v1/countryvalidationrules/QQ", headers=h),
        p.req("POST", "/v1/customers/%s/orders" % c["id"], {"lineItems": "x"}, headers=h),
        p.req("POST", "/v1/customers", {"companyProfile": "x", "billingProfile": {}}, headers=h),
        p.get("/v1/customers?filter=nope", headers=h),
    ]
    for r in calls:
        assert 400 <= r.status < 500, r
        words = ENGLISH.findall(re.sub(r"\{[^}]*\}", "", r.json["description"]))
        assert not words, (loc, r.json["description"])
        for d in r.json.get("details", []):
            assert not ENGLISH.findall(re.sub(r"\{[^}]*\}", "", d["description"])), (loc, d)


# ---- customer-resources.md: Customer.customDomains, CustomerCompanyProfile.email ----------------

def test_customer_and_company_profile_fields(p):
    c = new_customer(p)
    for r in (p.get("/v1/customers/" + c["id"]), p.get("/v1/customers?size=500")):
        assert r.status == 200, r
    got = p.get("/v1/customers/" + c["id"]).json
    assert got["customDomains"] == [] and c["customDomains"] == [], got
    assert got["companyProfile"]["email"] == got["billingProfile"]["email"], got["companyProfile"]
    cp = p.get("/v1/customers/%s/profiles/company" % c["id"]).json
    assert cp["email"] == got["billingProfile"]["email"] and cp["attributes"]["objectType"] == "CustomerCompanyProfile"
    listed = [x for x in p.list_all() if x["id"] == c["id"]][0]
    assert listed["customDomains"] == [] and listed["companyProfile"]["email"] == cp["email"], listed


# ---- create-user-accounts-for-a-customer.md ----------------------------------------------------

def test_create_customer_user_refuses_what_it_would_ignore(p):
    c = new_customer(p)
    path = "/v1/customers/%s/users" % c["id"]
    n = len(p.get(path).json["items"])
    for body, field in (({"userPrincipalName": "x1", "immutableId": "abc"}, "immutableId"),
                        ({"userPrincipalName": "x2", "passwordProfile": {"password": strong_password(), "x": 1}},
                         "passwordProfile.x"),
                        ({"userPrincipalName": "x3", "attributes": {"objectType": "Customer"}}, "attributes.objectType")):
        assert_error(p.req("POST", path, body), 400, field=field)
    assert len(p.get(path).json["items"]) == n
    pw = strong_password()
    SECRETS.append(pw)
    r = p.req("POST", path, {"userPrincipalName": "x4", "passwordProfile": {"password": pw, "forceChangePassword": False},
                             "attributes": {"objectType": "CustomerUser"}})
    assert r.status == 201 and r.json["passwordProfile"] == {"forceChangePassword": False}, r
