"""HEAD /v1/domains, address validation, country validation rules, and DELETE (sandbox only)."""
import re
import uuid

import pytest

from helpers import SUFFIX, Client, assert_error, cn_body, get_token, uniq, us_body


# ---- domains -------------------------------------------------------------------------------------
def test_head_domain_taken_and_free(partner_a, partner_b):
    p = uniq("dom")
    dom = "%s.%s" % (p, SUFFIX)
    r = partner_a.req("HEAD", "/v1/domains/" + dom)
    assert r.status == 404, r
    assert r.raw == b""
    partner_a.create_ok(cn_body(p))
    r = partner_a.req("HEAD", "/v1/domains/" + dom)
    assert r.status == 200, r
    assert r.raw == b""
    assert partner_a.req("HEAD", "/v1/domains/" + dom.upper()).status == 200
    assert partner_a.req("HEAD", "/v1/domains/" + p.upper() + "." + SUFFIX).status == 200
    # domains are unique deployment-wide, so another partner sees it taken too
    assert partner_b.req("HEAD", "/v1/domains/" + dom).status == 200


@pytest.mark.parametrize("bad", ["bad_domain", "%E6%B5%8B%E8%AF%95." + SUFFIX, "x%20y." + SUFFIX,
                                 "a..b." + SUFFIX, "-abc." + SUFFIX, "abc-." + SUFFIX, "a" * 64 + ".cn",
                                 "abc.", "abc%21." + SUFFIX])
def test_head_invalid_domain_is_400(partner_a, bad):
    r = partner_a.req("HEAD", "/v1/domains/" + bad)
    assert r.status == 400, r
    assert r.raw == b""


@pytest.mark.parametrize("dom", ["a" * 28 + "." + SUFFIX, "ab-cd." + SUFFIX, "abc.example.com"])
def test_head_domain_no_customer_can_have_is_not_taken(partner_a, dom):
    # well-formed host names that are not valid default domains: never "taken"
    r = partner_a.req("HEAD", "/v1/domains/" + dom)
    assert r.status in (400, 404), r


def test_get_domain_same_answer_as_head(partner_a):
    p = uniq("gdom")
    partner_a.create_ok(cn_body(p))
    assert partner_a.get("/v1/domains/%s.%s" % (p, SUFFIX)).status == 200
    assert partner_a.get("/v1/domains/%s.%s" % (uniq("free"), SUFFIX)).status == 404


# ---- address validation ----------------------------------------------------------------------------
def _validate(client, addr, **kw):
    return client.req("POST", "/v1/validations/address", addr, **kw)


CN_ADDR = {"addressLine1": "海淀区中关村大街1号", "city": "北京", "state": "北京市", "postalCode": "100080",
           "country": "CN"}


def test_validate_verified(partner_a):
    r = _validate(partner_a, CN_ADDR)
    assert r.status == 200, r
    j = r.json
    assert j["status"] == "Verified", j
    assert j["originalAddress"]["postalCode"] == "100080"
    assert j["originalAddress"]["state"] == "北京市"
    assert isinstance(j["suggestedAddresses"], list)


def test_validate_with_names(partner_a):
    r = _validate(partner_a, dict(CN_ADDR, firstName="伟", lastName="王", phoneNumber="13800138000"))
    assert r.status == 200, r
    assert r.json["status"] == "Verified", r.json


@pytest.mark.parametrize("addr,field,canon", [
    (dict(CN_ADDR, state="guangdong", city="广州", postalCode="510000"), "state", "广东省"),
    (dict(CN_ADDR, state="广东", city="广州", postalCode="510000"), "state", "广东省"),
    (dict(CN_ADDR, country="cn"), "country", "CN"),
    (dict(addressLine1="1 Main St", city="Springfield", state="Illinois", postalCode="62701", country="US"),
     "state", "IL"),
])
def test_validate_interaction_required(partner_a, addr, field, canon):
    r = _validate(partner_a, addr)
    assert r.status == 200, r
    j = r.json
    assert j["status"] == "InteractionRequired", j
    assert j["originalAddress"][field] == addr[field]
    assert j["suggestedAddresses"] and j["suggestedAddresses"][0][field] == canon
    assert j["suggestedAddresses"][0]["postalCode"] == addr["postalCode"]


@pytest.mark.parametrize("addr", [
    dict(CN_ADDR, postalCode="1000"),
    dict(CN_ADDR, state="Atlantis"),
    dict(CN_ADDR, phoneNumber="555"),
    dict(addressLine1="1 Main St", city="Springfield", state="IL", postalCode="6270", country="US"),
])
def test_validate_not_validated(partner_a, addr):
    r = _validate(partner_a, addr)
    assert r.status == 200, r
    j = r.json
    assert j["status"] == "NotValidated", j
    assert isinstance(j.get("validationMessage"), str) and j["validationMessage"], j
    assert j["originalAddress"]["postalCode"] == addr["postalCode"]


def test_validate_message_is_localized(partner_a):
    addr = dict(CN_ADDR, postalCode="1000")
    en = _validate(partner_a, addr).json["validationMessage"]
    zh = _validate(partner_a, addr, headers={"X-Locale": "zh-CN"}).json["validationMessage"]
    assert zh != en and any("\u4e00" <= ch <= "\u9fff" for ch in zh), (en, zh)


def test_validate_malformed_json_is_400(partner_a):
    r = partner_a.req("POST", "/v1/validations/address", raw=b'{"country": "CN",')
    assert_error(r, 400)


def test_validate_pascal_case(partner_a):
    r = _validate(partner_a, {"AddressLine1": "海淀区", "City": "北京", "State": "Beijing",
                              "PostalCode": "100080", "Country": "CN"})
    assert r.status == 200, r
    assert r.json["status"] == "InteractionRequired"
    assert r.json["suggestedAddresses"][0]["state"] == "北京市"


# ---- country validation rules --------------------------------------------------------------------------
def test_country_rules_cn(partner_a):
    r = partner_a.get("/v1/countryvalidationrules/CN")
    assert r.status == 200, r
    j = r.json
    assert j["iso2Code"] == "CN"
    states = j["supportedStatesList"]
    assert len(states) == 34 and len(set(states)) == 34
    for s in ("广东省", "北京市", "新疆维吾尔自治区", "香港特别行政区", "澳门特别行政区", "台湾省"):
        assert s in states
    rx = re.compile(j["postalCodeRegex"].replace("\\z", "\\Z"))
    assert rx.search("100080") and not rx.search("10008") and not rx.search("1000800")
    assert "zh-CN" in str(j) and "en-US" in str(j)


def test_country_rules_lower_case_iso(partner_a):
    r = partner_a.get("/v1/countryvalidationrules/cn")
    assert r.status == 200, r
    assert r.json["iso2Code"] == "CN"


def test_country_rules_us_and_ru(partner_a):
    us = partner_a.get("/v1/countryvalidationrules/US")
    assert us.status == 200 and us.json["iso2Code"] == "US"
    assert "CA" in str(us.json["supportedStatesList"])
    ru = partner_a.get("/v1/countryvalidationrules/RU")
    assert ru.status == 200 and ru.json["iso2Code"] == "RU"


@pytest.mark.parametrize("iso", ["XX", "ZZ", "CHN", "1", "中国"])
def test_country_rules_unknown(partner_a, iso):
    import urllib.parse
    r = partner_a.get("/v1/countryvalidationrules/" + urllib.parse.quote(iso))
    assert r.status in (400, 404), r
    assert_error(r, r.status)
    if iso == "XX":
        assert r.status == 404


# ---- DELETE: sandbox only --------------------------------------------------------------------------------
def test_delete_on_sandbox(partner_a):
    p = uniq("del")
    dom = "%s.%s" % (p, SUFFIX)
    created = partner_a.create_ok(cn_body(p, company="Deleteme %s" % p))
    cid = created["id"]
    before = partner_a.count()
    r = partner_a.req("DELETE", "/v1/customers/" + cid)
    assert r.status == 204, r
    assert r.raw == b""
    assert_error(partner_a.get("/v1/customers/" + cid), 404, code=1000)
    assert partner_a.get("/v1/customers/%s/profiles/billing" % cid).status == 404
    assert partner_a.req("HEAD", "/v1/domains/" + dom).status == 404
    assert partner_a.count() == before - 1
    from helpers import filt
    r = partner_a.get("/v1/customers?filter=" + filt("CompanyName", "Deleteme " + p))
    assert r.status == 200 and r.json["items"] == []
    assert_error(partner_a.req("DELETE", "/v1/customers/" + cid), 404)
    # the domain (and the admin user name) can be used again
    again = partner_a.create(cn_body(p))
    assert again.status == 201, again
    assert again.json["id"] != cid
    assert again.json["userCredentials"]["userName"] == "admin@" + dom


def test_delete_malformed_id_is_400(partner_a):
    j = assert_error(partner_a.req("DELETE", "/v1/customers/not-a-uuid"), 400)
    assert j["data"] == ["customerId"]


def test_delete_forbidden_without_sandbox(nosandbox_server):
    info = nosandbox_server.add_partner("Prod Partner")
    c = Client(nosandbox_server.port, get_token(nosandbox_server.port, info["userName"], info["password"]))
    p = uniq("prod")
    created = c.create_ok(cn_body(p))
    r = c.req("DELETE", "/v1/customers/" + created["id"])
    assert_error(r, 403)
    assert c.get("/v1/customers/" + created["id"]).status == 200
    assert c.req("HEAD", "/v1/domains/%s.%s" % (p, SUFFIX)).status == 200
    assert c.count() == 1


def test_domain_suffix_option(make_server):
    s = make_server(["--domain-suffix", "onmicrosoft.com"]).start()
    c = s.partner("Global Cloud")
    p = uniq("glob")
    body = us_body(p)
    body["companyProfile"]["domain"] = p
    r = c.create(body)
    assert r.status == 201, r
    assert r.json["companyProfile"]["domain"] == p + ".onmicrosoft.com"
    assert r.json["userCredentials"]["userName"] == "admin@%s.onmicrosoft.com" % p
    body = us_body(uniq("glob2"))
    body["companyProfile"]["domain"] = uniq("glob2") + ".ONMICROSOFT.COM"
    r2 = c.create(body)
    assert r2.status == 201, r2
    assert r2.json["companyProfile"]["domain"] == body["companyProfile"]["domain"].lower()
    # the China suffix is not this deployment's suffix
    body = us_body(uniq("glob3"))
    assert_error(c.create(body), 400, field="companyProfile.domain")
    assert c.req("HEAD", "/v1/domains/%s.onmicrosoft.com" % p).status == 200
    assert c.req("HEAD", "/v1/domains/%s.onmicrosoft.com" % uniq("free")).status == 404


def test_delete_without_token_on_non_sandbox_is_401(nosandbox_server):
    """Authentication comes first on every /v1 route, whatever the server's mode."""
    r = nosandbox_server.anon().req("DELETE", "/v1/customers/%s" % uuid.uuid4())
    assert r.status == 401, r
    assert (r.h("WWW-Authenticate") or "").startswith("Bearer")
