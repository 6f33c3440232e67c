"""Company and billing profiles: GET, PUT with ETags (If-Match or attributes.etag), validation."""
import copy
import threading
import uuid

import pytest

from helpers import SUFFIX, assert_error, cn_body, filt, pascal, uniq, us_body


def _bill(cid):
    return "/v1/customers/%s/profiles/billing" % cid


def _strip(etag):
    e = etag or ""
    if e.startswith("W/"):
        e = e[2:]
    return e.strip('"')


def _put_body(profile, **changes):
    b = copy.deepcopy(profile)
    b.pop("links", None)
    b.setdefault("attributes", {}).pop("etag", None)
    addr = changes.pop("address", None)
    b.update(changes)
    if addr:
        b["defaultAddress"].update(addr)
    return b


@pytest.fixture
def customer(partner_a):
    return partner_a.create_ok(cn_body(uniq("prof"), company="档案测试有限公司"))


def test_company_profile(partner_a, customer):
    r = partner_a.get("/v1/customers/%s/profiles/company" % customer["id"])
    assert r.status == 200, r
    j = r.json
    assert j["attributes"]["objectType"] == "CustomerCompanyProfile"
    assert j["tenantId"] == customer["companyProfile"]["tenantId"]
    assert j["domain"] == customer["companyProfile"]["domain"]
    assert j["domain"].endswith("." + SUFFIX)
    assert j["companyName"] == "档案测试有限公司"
    assert j["address"]["postalCode"] == "100080"
    assert j["address"]["state"] == "北京市"
    assert j["links"]["self"]["uri"] == "/customers/%s/profiles/company" % customer["id"]


def test_billing_profile_get(partner_a, customer):
    r = partner_a.get(_bill(customer["id"]))
    assert r.status == 200, r
    j = r.json
    assert j["attributes"]["objectType"] == "CustomerBillingProfile"
    etag = j["attributes"]["etag"]
    assert etag and etag == customer["billingProfile"]["attributes"]["etag"]
    assert _strip(r.h("ETag")) == etag, r.headers
    assert j["companyName"] == "档案测试有限公司"
    assert j["email"] == customer["billingProfile"]["email"]
    assert j["defaultAddress"] == customer["billingProfile"]["defaultAddress"]
    assert j["links"]["self"]["uri"] == "/customers/%s/profiles/billing" % customer["id"]


@pytest.mark.parametrize("suffix", ["/profiles/company", "/profiles/billing"])
def test_profiles_of_unknown_customer(partner_a, suffix):
    assert_error(partner_a.get("/v1/customers/%s%s" % (uuid.uuid4(), suffix)), 404, code=1000)
    j = assert_error(partner_a.get("/v1/customers/nope%s" % suffix), 400)
    assert j["data"] == ["customerId"]


@pytest.mark.parametrize("how", ["if-match", "if-match-quoted", "body"])
def test_put_billing_profile(partner_a, customer, how):
    cid = customer["id"]
    old = partner_a.get(_bill(cid)).json
    etag = old["attributes"]["etag"]
    body = _put_body(old, companyName="新名字有限公司", email="billing@new.example.cn",
                     address={"addressLine1": "天河路1号", "city": "广州", "state": "广东", "postalCode": "510000"})
    headers = {}
    if how == "if-match":
        headers["If-Match"] = etag
    elif how == "if-match-quoted":
        headers["If-Match"] = '"%s"' % etag
    else:
        body["attributes"]["etag"] = etag
    r = partner_a.req("PUT", _bill(cid), body, headers=headers)
    assert r.status == 200, r
    j = r.json
    assert j["companyName"] == "新名字有限公司"
    assert j["email"] == "billing@new.example.cn"
    assert j["defaultAddress"]["state"] == "广东省"
    assert j["defaultAddress"]["city"] == "广州"
    new = j["attributes"]["etag"]
    assert new and new != etag
    assert _strip(r.h("ETag")) == new, r.headers
    g = partner_a.get(_bill(cid))
    assert g.json["companyName"] == "新名字有限公司"
    assert g.json["attributes"]["etag"] == new
    assert g.json["defaultAddress"]["postalCode"] == "510000"
    c = partner_a.get("/v1/customers/" + cid).json
    assert c["billingProfile"]["attributes"]["etag"] == new
    assert c["billingProfile"]["companyName"] == "新名字有限公司"


def test_put_pascal_case_body(partner_a, customer):
    old = partner_a.get(_bill(customer["id"])).json
    body = pascal(_put_body(old, firstName="Lei", lastName="Li"))
    r = partner_a.req("PUT", _bill(customer["id"]), body, headers={"If-Match": old["attributes"]["etag"]})
    assert r.status == 200, r
    assert r.json["firstName"] == "Lei" and r.json["lastName"] == "Li"


def test_successive_puts_need_the_newest_etag(partner_a, customer):
    cid = customer["id"]
    e0 = customer["billingProfile"]["attributes"]["etag"]
    body = _put_body(customer["billingProfile"], companyName="第一次")
    r1 = partner_a.req("PUT", _bill(cid), body, headers={"If-Match": e0})
    assert r1.status == 200, r1
    e1 = r1.json["attributes"]["etag"]
    body = _put_body(customer["billingProfile"], companyName="第二次")
    assert_error(partner_a.req("PUT", _bill(cid), body, headers={"If-Match": e0}), 412, code=2055)
    r2 = partner_a.req("PUT", _bill(cid), body, headers={"If-Match": e1})
    assert r2.status == 200, r2
    assert r2.json["attributes"]["etag"] not in (e0, e1)


def test_stale_etag_is_412_and_changes_nothing(partner_a, customer):
    cid = customer["id"]
    before = partner_a.get(_bill(cid)).json
    body = _put_body(before, companyName="不该生效")
    for headers, b in (({"If-Match": "stale-etag-value"}, body),
                       ({}, dict(body, attributes={"etag": "stale-etag-value"}))):
        j = assert_error(partner_a.req("PUT", _bill(cid), b, headers=headers), 412, code=2055)
        assert j["errorName"]
    after = partner_a.get(_bill(cid)).json
    assert after == before


def test_missing_etag_is_412(partner_a, customer):
    cid = customer["id"]
    before = partner_a.get(_bill(cid)).json
    r = partner_a.req("PUT", _bill(cid), _put_body(before, companyName="没有标签"))
    assert_error(r, 412)
    assert partner_a.get(_bill(cid)).json == before


def test_if_match_wins_over_body_etag(partner_a, customer):
    cid = customer["id"]
    before = partner_a.get(_bill(cid)).json
    body = _put_body(before, companyName="头优先")
    body["attributes"]["etag"] = before["attributes"]["etag"]
    r = partner_a.req("PUT", _bill(cid), body, headers={"If-Match": "stale"})
    assert_error(r, 412, code=2055)
    assert partner_a.get(_bill(cid)).json == before


@pytest.mark.parametrize("change,field", [
    ({"address": {"postalCode": "12"}}, "defaultAddress.postalCode"),
    ({"address": {"state": "加州"}}, "defaultAddress.state"),
    ({"address": {"phoneNumber": "12345"}}, "defaultAddress.phoneNumber"),
    ({"email": "nope"}, "email"),
    ({"culture": "fr-FR"}, "culture"),
    ({"companyName": "测" * 256}, "companyName"),
    ({"companyName": ""}, "companyName"),
])
def test_invalid_put_is_400_and_changes_nothing(partner_a, customer, change, field):
    cid = customer["id"]
    before = partner_a.get(_bill(cid)).json
    body = _put_body(before, **copy.deepcopy(change))
    r = partner_a.req("PUT", _bill(cid), body, headers={"If-Match": before["attributes"]["etag"]})
    j = assert_error(r, 400, code=3000)
    assert any(d.endswith(field) for d in j["data"]), j
    assert partner_a.get(_bill(cid)).json == before


def test_put_registration_country_rules(partner_a):
    """Moving a CN customer's address to RU without a phone is refused with 600051."""
    created = partner_a.create_ok(cn_body(uniq("move")))
    cid = created["id"]
    before = partner_a.get(_bill(cid)).json
    body = _put_body(before, culture="en-US", language="en",
                     address={"country": "RU", "state": "Moscow", "city": "Moscow", "postalCode": "125009",
                              "phoneNumber": None})
    r = partner_a.req("PUT", _bill(cid), body, headers={"If-Match": before["attributes"]["etag"]})
    assert_error(r, 400)
    assert partner_a.get(_bill(cid)).json == before


def test_put_unknown_customer_is_404(partner_a):
    body = _put_body(us_body("x")["billingProfile"])
    assert_error(partner_a.req("PUT", _bill(uuid.uuid4()), body, headers={"If-Match": "abc"}), 404, code=1000)


def test_put_cannot_change_the_domain_or_id(partner_a, customer):
    cid = customer["id"]
    before = partner_a.get(_bill(cid)).json
    body = _put_body(before, id=str(uuid.uuid4()), companyName="身份不变")
    r = partner_a.req("PUT", _bill(cid), body, headers={"If-Match": before["attributes"]["etag"]})
    assert r.status in (200, 400), r
    g = partner_a.get("/v1/customers/" + cid)
    assert g.status == 200 and g.json["id"] == cid
    assert g.json["companyProfile"]["domain"] == customer["companyProfile"]["domain"]


def test_company_name_change_updates_search(fresh_partner):
    c = fresh_partner("Renamer")
    old_name, new_name = "Oldname %s" % uniq("o"), "Newname %s" % uniq("n")
    created = c.create_ok(us_body(uniq("ren"), company=old_name))
    cid = created["id"]

    def found(value, op="starts_with"):
        r = c.get("/v1/customers?filter=" + filt("CompanyName", value, op))
        assert r.status == 200, r
        return [i["id"] for i in r.json["items"]]

    assert found(old_name) == [cid]
    body = _put_body(created["billingProfile"], companyName=new_name)
    r = c.req("PUT", _bill(cid), body, headers={"If-Match": created["billingProfile"]["attributes"]["etag"]})
    assert r.status == 200, r
    assert found(old_name) == []
    assert found(old_name[3:], "substring") == []
    assert found(new_name) == [cid]
    assert found(new_name[2:9], "substring") == [cid]
    assert c.get("/v1/customers/" + cid).json["companyProfile"]["companyName"] == new_name


def test_concurrent_puts_with_one_etag(partner_a, customer):
    cid = customer["id"]
    etag = customer["billingProfile"]["attributes"]["etag"]
    results = []

    def put(i):
        body = _put_body(customer["billingProfile"], companyName="并发 %d" % i)
        results.append((i, partner_a.req("PUT", _bill(cid), body, headers={"If-Match": etag})))

    threads = [threading.Thread(target=put, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [(i, r) for i, r in results if r.status == 200]
    assert len(ok) == 1, [r for _, r in results]
    assert all(r.status == 412 for _, r in results if r.status != 200), results
    winner, resp = ok[0]
    g = partner_a.get(_bill(cid)).json
    assert g["companyName"] == "并发 %d" % winner
    assert g["attributes"]["etag"] == resp.json["attributes"]["etag"]


def test_put_malformed_customer_id_is_400(partner_a):
    body = _put_body(us_body("x")["billingProfile"])
    j = assert_error(partner_a.req("PUT", _bill("not-a-uuid"), body, headers={"If-Match": "abc"}), 400)
    assert j["data"] == ["customerId"]
