"""China first (#18): the unified social credit code (统一社会信用代码) in
companyProfile.organizationRegistrationNumber, its province checked in address validation,
--require-uscc, fapiao details (开票信息) on the billing profile, and
POST /v1/customers?validateOnly=true.  Runs on both engines (PARTNERD_TEST_DB)."""
import copy
import os
import subprocess
import threading
import urllib.parse

import pytest

from helpers import BIN, SUFFIX, assert_error, audit_all, cn_body, custom, free_port, uniq, us_body

REG = "companyProfile.organizationRegistrationNumber"
FP = "billingProfile.fapiao."
ZH = {"X-Locale": "zh-CN"}
DE = {"X-Locale": "de-DE"}

FAPIAO = {"invoiceType": "special", "digital": True, "title": "北京云端科技有限公司",
          "taxpayerId": "91110000600037341L", "registeredAddress": "北京市海淀区中关村大街1号",
          "registeredPhone": "010-62345678", "bankName": "中国工商银行北京中关村支行",
          "bankAccount": "0200 0045 0920 1234 567", "recipientName": "王伟",
          "recipientMobile": "+86 138 0013 8000", "recipientEmail": "fapiao@yunduan.cn"}


def with_uscc(body, code):
    body["companyProfile"]["organizationRegistrationNumber"] = code
    return body


def with_fapiao(body, **over):
    f = dict(FAPIAO)
    f.update(over)
    body["billingProfile"]["fapiao"] = {k: v for k, v in f.items() if v is not None}
    return body


def bill(cid):
    return "/v1/customers/%s/profiles/billing" % cid


# ---- USCC on create --------------------------------------------------------------------------
def test_uscc_accepted_canonical_and_returned_on_reads(partner_a):
    c = partner_a.create_ok(with_uscc(cn_body(uniq("uscc")), " 91110000600037341l "))
    assert c["companyProfile"]["organizationRegistrationNumber"] == "91110000600037341L"
    g = partner_a.get("/v1/customers/" + c["id"])
    assert g.status == 200 and g.json["companyProfile"]["organizationRegistrationNumber"] == "91110000600037341L"
    p = partner_a.get("/v1/customers/%s/profiles/company" % c["id"])
    assert p.json["organizationRegistrationNumber"] == "91110000600037341L", p
    listed = [x for x in partner_a.list_all() if x["id"] == c["id"]]
    assert listed[0]["companyProfile"]["organizationRegistrationNumber"] == "91110000600037341L"


def test_uscc_optional_by_default(partner_a):
    c = partner_a.create_ok(cn_body(uniq("nouscc")))
    assert "organizationRegistrationNumber" not in c["companyProfile"]


# (code, what the English, Chinese and German descriptions must say)
WRONG = [
    ("9111000060003734", "18 characters; this one has 16", "18 位", "18 Zeichen"),
    ("91110000600037341I", "position 18", "第 18 位", "Position 18"),
    ("9111A000600037341L", "position 5", "第 5 位", "Position 5"),
    ("B1110000600037341L", "first character, B", "第 1 位", "erste Zeichen, B"),
    ("94110000600037341L", "second character, 4", "第 2 位", "zweite Zeichen, 4"),
    ("91990000600037341L", "990000", "行政区划代码", "990000"),
    ("91110000600037341X", "check character", "校验码", "Prüfzeichen"),
]


@pytest.mark.parametrize("code,en,zh,de", WRONG, ids=["length", "char", "division-letter", "authority",
                                                      "category", "division", "check"])
def test_uscc_wrong_part_is_named(partner_a, code, en, zh, de):
    body = with_uscc(cn_body(uniq("bad")), code)
    j = assert_error(partner_a.create(body), 400, code=3000, field=REG)
    assert en in j["description"], j
    j = assert_error(partner_a.create(body, headers=ZH), 400, code=3000, field=REG)
    assert zh in j["description"], j
    j = assert_error(partner_a.create(body, headers=DE), 400, code=3000, field=REG)
    assert de in j["description"], j


def test_registration_number_still_refused_outside_the_lists(partner_a):
    body = with_uscc(us_body(uniq("regus")), "91110000600037341L")
    assert_error(partner_a.create(body), 400, code=600002, field=REG)


def test_require_uscc_flag(make_server):
    s = make_server(["--require-uscc"]).start()
    p = s.partner("USCC Required")
    assert_error(p.create(cn_body(uniq("req"))), 400, code=600049, field=REG)
    p.create_ok(with_uscc(cn_body(uniq("req")), "91350100M000100Y43"))
    p.create_ok(us_body(uniq("requs")))  # only CN
    rules = p.get("/v1/countryvalidationrules/CN").json
    assert rules["customerOrganizationRegistrationNumberRequired"] is True, rules
    assert p.get("/v1/countryvalidationrules/US").json["customerOrganizationRegistrationNumberRequired"] is False


def test_require_uscc_env(make_server):
    s = make_server([], env={"PARTNERD_REQUIRE_USCC": "1"}).start()
    p = s.partner("USCC Env")
    assert_error(p.create(cn_body(uniq("reqe"))), 400, code=600049, field=REG)


def test_default_rules_say_optional(partner_a):
    rules = partner_a.get("/v1/countryvalidationrules/CN").json
    assert rules["customerOrganizationRegistrationNumberRequired"] is False, rules


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_require_uscc_env_garbage_is_refused(tmp_path, value):
    env = dict(os.environ, PARTNERD_REQUIRE_USCC=value)
    r = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:%d" % free_port(), "--db",
                        "sqlite:%s" % (tmp_path / "p.db")], env=env, capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "PARTNERD_REQUIRE_USCC" in r.stderr


# ---- the code's province in address validation -------------------------------------------------
ADDR = {"addressLine1": "海淀区中关村大街1号", "city": "北京", "state": "北京市", "postalCode": "100080",
        "country": "CN"}


def test_address_validation_warns_on_another_province(partner_a):
    body = dict(ADDR, organizationRegistrationNumber="91350100M000100Y43")  # 福建
    r = partner_a.req("POST", "/v1/validations/address", body, headers=ZH)
    assert r.status == 200, r
    assert r.json["status"] == "InteractionRequired", r.json
    w = r.json["warnings"]
    assert len(w) == 1 and w[0]["code"] == "UsccProvinceMismatch" and w[0]["province"] == "福建省", w
    assert "福建省" in w[0]["message"] and "福建省" in r.json["validationMessage"], r.json


def test_address_validation_same_province_is_verified(partner_a):
    body = dict(ADDR, organizationRegistrationNumber="91110000600037341L")
    r = partner_a.req("POST", "/v1/validations/address", body)
    assert r.status == 200 and r.json["status"] == "Verified" and r.json["warnings"] == [], r.json
    r = partner_a.req("POST", "/v1/validations/address", ADDR)
    assert r.json["status"] == "Verified" and "warnings" not in r.json, r.json


def test_address_validation_refuses_a_wrong_code(partner_a):
    body = dict(ADDR, organizationRegistrationNumber="91110000600037341X")
    j = assert_error(partner_a.req("POST", "/v1/validations/address", body), 400, code=3000,
                     field="organizationRegistrationNumber")
    assert "check character" in j["description"], j


def test_province_mismatch_does_not_refuse_a_create(partner_a):
    c = partner_a.create_ok(with_uscc(cn_body(uniq("moved")), "91350100M000100Y43"))  # 福建 code, 北京 address
    assert c["companyProfile"]["organizationRegistrationNumber"] == "91350100M000100Y43"


# ---- fapiao ------------------------------------------------------------------------------------
def test_fapiao_on_create_and_reads(partner_a):
    c = partner_a.create_ok(with_fapiao(cn_body(uniq("fp"))))
    f = c["billingProfile"]["fapiao"]
    assert f["bankAccount"] == "0200004509201234567", f  # digits only
    assert f["invoiceType"] == "special" and f["digital"] is True and f["taxpayerId"] == "91110000600037341L"
    g = partner_a.get(bill(c["id"]))
    assert g.status == 200 and g.json["fapiao"] == f, g
    assert partner_a.get("/v1/customers/" + c["id"]).json["billingProfile"]["fapiao"] == f


def test_fapiao_defaults(partner_a):
    body = with_uscc(cn_body(uniq("fpd"), company="北京云端科技有限公司"), "91110000600037341L")
    body["billingProfile"]["fapiao"] = {"recipientEmail": "fp@yd.cn"}
    f = partner_a.create_ok(body)["billingProfile"]["fapiao"]
    assert f == {"invoiceType": "ordinary", "digital": False, "title": "北京云端科技有限公司",
                 "taxpayerId": "91110000600037341L", "recipientEmail": "fp@yd.cn"}, f


@pytest.mark.parametrize("field", ["registeredAddress", "registeredPhone", "bankName", "bankAccount"])
def test_fapiao_special_requires(partner_a, field):
    body = with_fapiao(cn_body(uniq("fps")), **{field: None})
    j = assert_error(partner_a.create(body, headers=ZH), 400, code=3000, field=FP + field)
    assert "专用发票" in j["description"], j
    with_fapiao(body, invoiceType="ordinary", **{field: None})
    assert partner_a.create(body).status == 201


BAD_FAPIAO = [
    ("invoiceType", "vat"), ("digital", "yes"), ("taxpayerId", "91110000600037341X"),
    ("registeredPhone", "12345"), ("bankAccount", "1234567"), ("bankAccount", "1" * 31),
    ("bankAccount", "6222-ABCD-1234"), ("recipientMobile", "010-62345678"),
    ("recipientEmail", "fapiao@"), ("title", "税" * 101), ("bankName", "行" * 101),
    ("registeredAddress", "路" * 201), ("recipientName", "名" * 51), ("title", 5),
]


@pytest.mark.parametrize("field,value", BAD_FAPIAO)
def test_fapiao_field_rules(partner_a, field, value):
    body = with_fapiao(cn_body(uniq("fpb")), **{field: value})
    assert_error(partner_a.create(body), 400, code=3000, field=FP + field)


def test_fapiao_unknown_fields_are_named(partner_a):
    body = with_fapiao(cn_body(uniq("fpu")))
    body["billingProfile"]["fapiao"]["bankAcount"] = "123"
    body["billingProfile"]["fapiao"]["color"] = "red"
    j = assert_error(partner_a.create(body), 400, code=3000, field=FP + "bankAcount")
    assert FP + "color" in j["data"], j


def test_fapiao_refused_outside_cn(partner_a):
    body = with_fapiao(us_body(uniq("fpus")))
    j = assert_error(partner_a.create(body), 400, code=3000, field="billingProfile.fapiao")
    assert "CN" in j["description"] and "US" in j["description"], j


def test_fapiao_put_with_etag(partner_a):
    c = partner_a.create_ok(cn_body(uniq("fpput")))
    g = partner_a.get(bill(c["id"])).json
    assert "fapiao" not in g
    body = copy.deepcopy(g)
    body["fapiao"] = dict(FAPIAO, invoiceType="ordinary", bankAccount="6222021234567890")
    r = partner_a.req("PUT", bill(c["id"]), body)
    assert r.status == 200 and r.json["fapiao"]["bankAccount"] == "6222021234567890", r
    assert r.json["attributes"]["etag"] != g["attributes"]["etag"]
    # the old etag is stale now: 412 and nothing changes
    body["fapiao"]["title"] = "另一个抬头"
    assert_error(partner_a.req("PUT", bill(c["id"]), body), 412)
    now = partner_a.get(bill(c["id"])).json
    assert now["fapiao"]["title"] == FAPIAO["title"], now
    # a bad fapiao on PUT: 400, nothing half-written
    body = copy.deepcopy(now)
    body["companyName"] = "改了名字"
    body["fapiao"]["recipientMobile"] = "12"
    assert_error(partner_a.req("PUT", bill(c["id"]), body), 400, field=FP + "recipientMobile")
    after = partner_a.get(bill(c["id"])).json
    assert after["companyName"] == now["companyName"] and after["fapiao"] == now["fapiao"], after
    # PUT replaces the profile: without fapiao, it is gone
    del body["fapiao"]
    body["companyName"] = now["companyName"]
    r = partner_a.req("PUT", bill(c["id"]), body)
    assert r.status == 200 and "fapiao" not in r.json, r
    assert "fapiao" not in partner_a.get(bill(c["id"])).json


def test_fapiao_concurrent_puts_one_wins(partner_a):
    c = partner_a.create_ok(with_fapiao(cn_body(uniq("fprace"))))
    g = partner_a.get(bill(c["id"])).json
    n = 12
    barrier = threading.Barrier(n)
    out = [None] * n

    def put(i):
        body = copy.deepcopy(g)
        body["fapiao"]["recipientName"] = "收票人%d" % i
        barrier.wait()
        out[i] = partner_a.req("PUT", bill(c["id"]), body)

    ts = [threading.Thread(target=put, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    ok = [i for i, r in enumerate(out) if r.status == 200]
    assert len(ok) == 1 and all(r.status == 412 for r in out if r.status != 200), [r.status for r in out]
    assert partner_a.get(bill(c["id"])).json["fapiao"]["recipientName"] == "收票人%d" % ok[0]


# ---- validateOnly ------------------------------------------------------------------------------
def vo(client, body, value="true", headers=None):
    return client.req("POST", "/v1/customers?validateOnly=%s" % urllib.parse.quote(value), body,
                      headers=headers)


def test_validate_only_valid_writes_nothing(fresh_partner):
    p = fresh_partner("Validate Co")
    prefix = uniq("vo")
    body = with_fapiao(with_uscc(cn_body(prefix), "91110000600037341L"))
    body["lineItems"] = [{"offerId": "CN-O365-E3", "quantity": 5}]
    r = vo(p, body, headers={"MS-RequestId": "rid-vo-" + prefix})
    assert r.status == 200 and r.json == {"valid": True}, r
    assert p.count() == 0
    assert p.req("HEAD", "/v1/domains/%s.%s" % (prefix, SUFFIX)).status == 404, "the domain stays free"
    assert not [a for a in audit_all(p) if custom(a, "RequestId") == "rid-vo-" + prefix]
    # the same body then creates (the MS-RequestId of the check is no replay)
    r = p.create(body, headers={"MS-RequestId": "rid-vo-" + prefix})
    assert r.status == 201 and r.h("Idempotent-Replayed") is None, r


@pytest.mark.parametrize("spoil", ["uscc", "fapiao", "country", "domain", "line"])
def test_validate_only_gives_the_error_create_gives(fresh_partner, spoil):
    p = fresh_partner("Validate Err Co")
    body = cn_body(uniq("voe"))
    if spoil == "uscc":
        with_uscc(body, "91110000600037341X")
    elif spoil == "fapiao":
        with_fapiao(body, bankAccount="12")
    elif spoil == "country":
        body["billingProfile"]["defaultAddress"]["postalCode"] = "12"
    elif spoil == "domain":
        taken = p.create_ok(cn_body(uniq("voe")))
        body["companyProfile"]["domain"] = taken["companyProfile"]["domain"]
    else:
        body["lineItems"] = [{"offerId": "NO-SUCH-OFFER", "quantity": 1}]
    before = p.count()
    rid = "rid-" + uniq("voe")
    checked = vo(p, body, headers=dict(ZH, **{"MS-RequestId": rid}))
    assert checked.status in (400, 409), checked
    assert not [a for a in audit_all(p) if custom(a, "RequestId") == rid], "a check leaves no record"
    created = p.create(body, headers=ZH)
    assert (checked.status, checked.json) == (created.status, created.json)
    assert p.count() == before


@pytest.mark.parametrize("value", ["yes", "1", "", "TRUE!"])
def test_validate_only_bad_value(partner_a, value):
    before = partner_a.count()
    assert_error(vo(partner_a, cn_body(uniq("vob")), value), 400, code=3000, field="validateOnly")
    assert partner_a.count() == before


def test_validate_only_false_creates(partner_a):
    r = vo(partner_a, cn_body(uniq("vof")), "false")
    assert r.status == 201, r
