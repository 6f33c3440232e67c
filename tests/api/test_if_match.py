"""If-Match on every resource that takes it, as RFC 9110 13.1.1 says: the origin compares strongly
(a weak tag W/"..." never matches, so it is 412 and nothing changes), "*" matches any current
representation, and a list matches when one of its tags is the current one. Partner Center's own
form (the bare etag, or quoted) keeps working. Billing profiles, subscriptions and the webhook
registration all go through one check (src/api/common.c)."""
import pytest

from helpers import assert_error, cn_body, uniq


def _billing(p):
    c = p.create_ok(cn_body(uniq("im")))
    path = "/v1/customers/%s/profiles/billing" % c["id"]

    def read():
        j = p.get(path).json
        return j["attributes"]["etag"], j["companyName"]

    def change(if_match, name):
        j = p.get(path).json
        j.pop("links", None)
        j["attributes"].pop("etag", None)
        j["companyName"] = name
        return p.req("PUT", path, j, headers={"If-Match": if_match})
    return read, change


def _subscription(p):
    c = p.create_ok(cn_body(uniq("im")))
    r = p.req("POST", "/v1/customers/%s/orders" % c["id"],
              {"lineItems": [{"offerId": "CN-O365-E3", "quantity": 2}]})
    assert r.status == 201, r
    path = "/v1/customers/%s/subscriptions/%s" % (c["id"], r.json["lineItems"][0]["subscriptionId"])

    def read():
        j = p.get(path).json
        return j["attributes"]["etag"], j["friendlyName"]

    def change(if_match, name):
        return p.req("PATCH", path, {"friendlyName": name}, headers={"If-Match": if_match})
    return read, change


@pytest.fixture(params=["billing", "subscription"])
def resource(request, partner_a):
    return (_billing if request.param == "billing" else _subscription)(partner_a)


def test_a_weak_tag_never_matches(resource):
    read, change = resource
    etag, before = read()
    for weak in ('W/"%s"' % etag, "W/%s" % etag, '"other", W/"%s"' % etag):
        assert_error(change(weak, "弱标签"), 412)
        assert read() == (etag, before), "a failed condition changed nothing: %s" % weak


def test_a_list_matches_when_one_tag_is_current(resource):
    read, change = resource
    etag, _ = read()
    assert_error(change('"nope", "also-nope"', "列表一"), 412)
    assert read()[0] == etag
    r = change('"nope", "%s" , "also-nope"' % etag, "列表二")
    assert r.status == 200, r
    now, name = read()
    assert name == "列表二" and now != etag


def test_star_matches_the_current_one(resource):
    read, change = resource
    etag, _ = read()
    r = change("*", "星号")
    assert r.status == 200, r
    assert read()[1] == "星号" and read()[0] != etag


@pytest.mark.parametrize("form", ["%s", '"%s"', ' "%s" '])
def test_partner_centers_own_forms_still_match(resource, form):
    read, change = resource
    etag, _ = read()
    r = change(form % etag, "原样")
    assert r.status == 200, r
    assert read()[1] == "原样"
