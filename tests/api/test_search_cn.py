"""Issue 18: searching customers as Chinese users type (pinyin, initials, polyphonic
characters, Traditional/Simplified, full/half width) through the list API, and the
possible-duplicate check on create (409 PossibleDuplicate unless confirmDuplicates)."""
import subprocess
import threading

import pytest

from helpers import (BIN, ON_PG, SLOW, Client, Server, assert_error, cn_body, drop_pg_db, filt, get_token,
                     new_pg_db, uniq, us_body)

NAMES = {
    "bjyd": "北京云端科技有限公司",
    "cq": "重庆华信科技有限公司",
    "xian": "西安恒达物流有限公司",
    "tw": "台湾云端贸易有限公司",
    "tw_trad": "臺灣雲端網路有限公司",
    "gz": "廣州瑞航物流有限公司",
    "paren_full": "华信（北京）科技股份有限公司",
    "paren_half": "云图(北京)软件有限公司",
    "sh": "上海瑞航物流有限公司",
    "latin": "Fabrikam Trading Ltd",
}


def _body(key, name, confirm=True):
    p = uniq(key.replace("_", ""))
    b = us_body(p, company=name) if name.isascii() else cn_body(p, company=name)
    if not confirm:
        del b["confirmDuplicates"]
    return b


@pytest.fixture(scope="module")
def cn(server):
    c = server.partner("China Searcher")
    c.created = {k: c.create_ok(_body(k, v)) for k, v in NAMES.items()}
    c.inv = {v["id"]: k for k, v in c.created.items()}
    return c


def _found(c, value, op="substring", size=None):
    q = "/v1/customers?filter=" + filt("CompanyName", value, op) + ("&size=%d" % size if size else "")
    r = c.get(q)
    assert r.status == 200, r
    return {c.inv.get(i["id"], i["id"]) for i in r.json["items"]}


@pytest.mark.parametrize("value,expected", [
    ("beijingyunduan", {"bjyd"}),                      # full pinyin
    ("beijing yunduan", {"bjyd"}),                     # with a space
    ("Běijīng Yúnduān", {"bjyd"}),                     # with tones and capitals
    ("bjyd", {"bjyd"}),                                # initials
    ("BJYD", {"bjyd"}),
    ("ｂｊｙｄ", {"bjyd"}),                             # full-width letters
    ("yunduan", {"bjyd", "tw", "tw_trad"}),            # a syllable substring
    ("北京yd", {"bjyd"}),                              # mixed: Han + initials
    ("北京yunduan", {"bjyd"}),                         # mixed: Han + syllables
    ("beijingyunduankeji", {"bjyd"}),                  # long (trigram AND + the row's check)
    ("chongqing", {"cq"}),                             # 重: the other reading
    ("zhongqing", {"cq"}),                             # 重: the customary reading
    ("cq", {"cq"}),                                    # initials of the other reading (scan)
    ("chongqinghuaxin", {"cq"}),                       # long, other reading
    ("xian", {"xian"}),                                # 西安, not every 有限公司
    ("xi'an", {"xian"}),
    ("臺灣", {"tw", "tw_trad"}),                       # Traditional finds Simplified (2 chars: scan)
    ("台湾", {"tw", "tw_trad"}),                       # and the reverse
    ("臺灣雲端", {"tw", "tw_trad"}),                   # 4 chars: the trigram index
    ("廣州", {"gz"}),
    ("广州瑞航", {"gz"}),
    ("guangzhou", {"gz"}),
    ("（北京）", {"paren_full", "paren_half"}),         # full-width punctuation
    ("(北京)", {"paren_full", "paren_half"}),
    ("北京", {"bjyd", "paren_full", "paren_half"}),
    ("shanghai", {"sh"}),
    ("Fabrikam", {"latin"}),
    ("nanjing", set()),
    ("youxiangongsi", set()),                          # the legal form has no pinyin
])
def test_substring_as_chinese_users_type(cn, value, expected):
    assert _found(cn, value) == expected, value


@pytest.mark.parametrize("value,expected", [
    ("臺灣", {"tw", "tw_trad"}),
    ("台湾云端", {"tw", "tw_trad"}),
    ("廣州", {"gz"}),
    ("华信（北京", {"paren_full"}),
    ("ｆａｂｒｉｋａｍ", {"latin"}),
    ("bjyd", set()),        # a prefix keeps Partner Center's meaning: no pinyin
    ("北京", {"bjyd"}),     # not 华信（北京）...: not a prefix
])
def test_starts_with_ignores_script_and_width(cn, value, expected):
    assert _found(cn, value, "starts_with") == expected, value


def test_pinyin_results_page_with_tokens(cn):
    seen, hdrs = [], {}
    path = "/v1/customers?size=1&filter=" + filt("CompanyName", "yunduan", "substring")
    for _ in range(10):
        r = cn.get(path, headers=hdrs)
        assert r.status == 200, r
        seen += [cn.inv[i["id"]] for i in r.json["items"]]
        tok = r.json.get("continuationToken")
        if not tok:
            break
        hdrs = {"MS-ContinuationToken": tok}
        path = "/v1/customers?size=1&seekOperation=Next"
    assert sorted(seen) == sorted({"bjyd", "tw", "tw_trad"}), seen
    assert len(seen) == 3


def test_starts_with_pages_by_the_folded_key(cn):
    """The continuation token of a starts_with page is the name key (繁简 folded)."""
    seen, hdrs = [], {}
    path = "/v1/customers?size=1&filter=" + filt("CompanyName", "臺灣", "starts_with")
    for _ in range(10):
        r = cn.get(path, headers=hdrs)
        assert r.status == 200, r
        seen += [cn.inv[i["id"]] for i in r.json["items"]]
        tok = r.json.get("continuationToken")
        if not tok:
            break
        hdrs = {"MS-ContinuationToken": tok}
        path = "/v1/customers?size=1&seekOperation=Next"
    assert sorted(seen) == ["tw", "tw_trad"]


def _profile(c, cid):
    r = c.get("/v1/customers/%s/profiles/billing" % cid)
    assert r.status == 200, r
    return r.json


def test_renamed_customer_is_found_by_its_new_pinyin(fresh_partner):
    c = fresh_partner("Renamer")
    cid = c.create_ok(_body("ren", "南京星辰科技有限公司"))["id"]
    c.inv = {cid: "it"}
    assert _found(c, "nanjing") == {"it"}
    p = _profile(c, cid)
    body = {k: v for k, v in p.items() if k not in ("links", "attributes", "id")}
    body["companyName"] = "杭州晨光软件有限公司"
    r = c.req("PUT", "/v1/customers/%s/profiles/billing" % cid, body, headers={"If-Match": p["attributes"]["etag"]})
    assert r.status == 200, r
    assert _found(c, "nanjing") == set()
    assert _found(c, "hzcg") == {"it"}
    assert _found(c, "杭州", "starts_with") == {"it"}


def test_search_is_per_partner(cn, fresh_partner):
    other = fresh_partner("Other China Partner")
    other.inv = {}
    assert _found(other, "bjyd") == set()
    assert _found(other, "臺灣") == set()


# ---- possible duplicates -----------------------------------------------------------------------


def test_duplicate_name_answers_409_with_the_candidates(fresh_partner):
    c = fresh_partner("Dup Partner")
    first = c.create_ok(_body("d1", "北京云端科技有限公司", confirm=False))
    before = len(c.list_all())
    for name in ["北京云端科技有限公司", "北京雲端科技股份有限公司", "（北京）云端科技有限责任公司",
                 "北京 云端 科技", "北京云端科技公司"]:
        r = c.create(_body("d2", name, confirm=False))
        assert_error(r, 409)
        assert r.json["errorName"] == "PossibleDuplicate", r
        assert r.json["data"] == [first["id"]], r
        assert "confirmDuplicates" in r.json["description"], r
    assert len(c.list_all()) == before  # nothing written
    assert c.create(_body("d3", "北京云端数据有限公司", confirm=False)).status == 201  # another name


def test_duplicate_uscc_answers_409_whatever_the_name(fresh_partner):
    """The same unified social credit code is the same company, however the name is written:
    409 PossibleDuplicate with the holder's id, nothing written; confirmDuplicates creates it;
    another partner's customer with that code never counts."""
    code = "91350100M000100Y43"
    c = fresh_partner("Dup USCC")
    b1 = _body("u1", "福州云端科技有限公司", confirm=False)
    b1["companyProfile"]["organizationRegistrationNumber"] = code
    first = c.create_ok(b1)
    before = len(c.list_all())
    b2 = _body("u2", "闽江数据服务有限公司", confirm=False)  # another name, the same code (lower case)
    b2["companyProfile"]["organizationRegistrationNumber"] = code.lower()
    r = c.create(b2)
    assert_error(r, 409)
    assert r.json["errorName"] == "PossibleDuplicate" and r.json["data"] == [first["id"]], r
    assert "companyProfile.organizationRegistrationNumber" in r.json["description"], r.json
    assert "统一社会信用代码" in c.create(b2, headers={"X-Locale": "zh-CN"}).json["description"]
    assert len(c.list_all()) == before
    b3 = _body("u3", "闽江数据服务有限公司", confirm=False)
    b3["companyProfile"]["organizationRegistrationNumber"] = "91110000600037341L"
    assert c.create(b3).status == 201, "another code and another name: no duplicate"
    b2["confirmDuplicates"] = True
    assert c.create(b2).status == 201
    other = fresh_partner("Dup USCC Other")
    b4 = _body("u4", "另一家公司有限公司", confirm=False)
    b4["companyProfile"]["organizationRegistrationNumber"] = code
    assert other.create(b4).status == 201, "another partner's customer with the code does not count"


def test_duplicate_latin_names_ignore_case_punctuation_legal_form(fresh_partner):
    c = fresh_partner("Dup Latin")
    first = c.create_ok(_body("l1", "Contoso Co., Ltd.", confirm=False))
    for name in ["CONTOSO LTD", "Contoso, Inc.", "contoso", "Contoso GmbH"]:
        r = c.create(_body("l2", name, confirm=False))
        assert r.status == 409 and r.json["data"] == [first["id"]], (name, r)
    assert c.create(_body("l3", "Contoso Trading Ltd", confirm=False)).status == 201


@pytest.mark.parametrize("locale,word", [("en-US", "confirmDuplicates"), ("zh-CN", "已有"),
                                         ("de-DE", "Firmennamen")])
def test_duplicate_message_in_the_callers_language(fresh_partner, locale, word):
    c = fresh_partner("Dup Locale")
    c.create_ok(_body("m1", "深圳晨星电子有限公司", confirm=False))
    r = c.create(_body("m2", "深圳晨星电子有限公司", confirm=False), headers={"X-Locale": locale})
    assert r.status == 409, r
    assert word in r.json["description"], r.json["description"]
    assert "billingProfile.companyName" in r.json["description"]


def test_confirm_duplicates_creates_and_lists_every_candidate(fresh_partner):
    c = fresh_partner("Dup Confirm")
    a = c.create_ok(_body("c1", "成都天府软件有限公司", confirm=False))
    b = c.create_ok(_body("c2", "成都天府软件有限公司"))  # confirmDuplicates: true
    r = c.create(_body("c3", "成都天府軟件股份有限公司", confirm=False))
    assert r.status == 409, r
    assert sorted(r.json["data"]) == sorted([a["id"], b["id"]])


def test_confirm_duplicates_must_be_a_boolean(fresh_partner):
    c = fresh_partner("Dup Type")
    body = _body("t1", "苏州园林设计有限公司")
    body["confirmDuplicates"] = "yes"
    assert_error(c.create(body), 400, field="confirmDuplicates")
    body["confirmDuplicates"] = False
    assert c.create(body).status == 201


def test_duplicates_are_per_partner(fresh_partner):
    a, b = fresh_partner("Dup A"), fresh_partner("Dup B")
    a.create_ok(_body("p1", "青岛海风贸易有限公司", confirm=False))
    assert b.create(_body("p2", "青岛海风贸易有限公司", confirm=False)).status == 201


def test_retried_create_is_replayed_not_a_duplicate(fresh_partner):
    c = fresh_partner("Dup Retry")
    body, rid = _body("r1", "厦门鹭岛科技有限公司", confirm=False), {"MS-RequestId": "7c0e4d8e-1b51-4a7e-9b8c-55b1d6a0c001"}
    first = c.create(body, headers=rid)
    assert first.status == 201, first
    again = c.create(body, headers=rid)
    assert again.status == 201 and again.json["id"] == first.json["id"], again
    assert again.h("Idempotent-Replayed") == "true"


def test_deleted_or_renamed_customer_frees_its_name(fresh_partner):
    c = fresh_partner("Dup Free")
    cid = c.create_ok(_body("f1", "武汉长江物流有限公司", confirm=False))["id"]
    assert c.create(_body("f2", "武汉长江物流有限公司", confirm=False)).status == 409
    p = _profile(c, cid)
    body = {k: v for k, v in p.items() if k not in ("links", "attributes", "id")}
    body["companyName"] = "武汉汉江物流有限公司"
    r = c.req("PUT", "/v1/customers/%s/profiles/billing" % cid, body, headers={"If-Match": p["attributes"]["etag"]})
    assert r.status == 200, r
    assert c.create(_body("f3", "武汉汉江物流有限公司", confirm=False)).status == 409  # the new name is taken
    new = c.create(_body("f4", "武汉长江物流有限公司", confirm=False))  # the old one is free
    assert new.status == 201, new
    assert c.req("DELETE", "/v1/customers/" + new.json["id"]).status == 204
    assert c.create(_body("f5", "武汉长江物流有限公司", confirm=False)).status == 201


def test_identical_creates_racing_create_one(fresh_partner):
    """Twelve creates of one company name released together: the check inside the writer's
    transaction lets exactly one through; the others name it."""
    c = fresh_partner("Dup Race")
    n = 12
    barrier, results = threading.Barrier(n), [None] * n

    def go(i):
        body = _body("race%d" % i, "南昌赣江电子有限公司", confirm=False)
        barrier.wait()
        results[i] = c.create(body)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    made = [r for r in results if r.status == 201]
    assert len(made) == 1, [r.status for r in results]
    others = [r for r in results if r.status != 201]
    assert all(r.status == 409 and r.json["data"] == [made[0].json["id"]] for r in others), others
    assert len(c.list_all()) == 1


def test_taken_domain_is_answered_before_a_duplicate_name(fresh_partner):
    """A create that cannot succeed (its domain is taken) warns of nothing: the answer is the
    domain's 409, as before."""
    c = fresh_partner("Dup Domain")
    body = _body("dom", "长沙岳麓文化传媒有限公司", confirm=False)
    assert c.create(body).status == 201
    r = c.create(body)
    assert_error(r, 409, field="companyProfile.domain")
    assert r.json["errorName"] == "Conflict", r


@pytest.mark.skipif(not ON_PG, reason="PostgreSQL runs only (PARTNERD_TEST_DB=postgresql)")
def test_migrate_store_to_postgresql_fills_search_texts_and_duplicate_keys(tmp_path):
    """migrate-store copies customers without PostgreSQL's search_text; the first start on the
    new store fills it (and the duplicate keys) before serving."""
    path = str(tmp_path / "old.db")
    s = Server([], db="sqlite:" + path).start()
    try:
        info = s.add_partner("Moving Chinese Co")
        c = Client(s.port, get_token(s.port, info["userName"], info["password"]), info)
        made = c.create_ok(_body("mvcq", "重庆两江物流有限公司", confirm=False))
        s.stop()
    finally:
        s.kill()
    s.cleanup()
    dst = new_pg_db()
    try:
        r = subprocess.run([BIN, "migrate-store", "--from", "sqlite:" + path, "--to", dst, "--json"],
                           capture_output=True, text=True, timeout=120 * SLOW)
        assert r.returncode == 0, r.stderr
        pg = Server([], db=dst).start()
        try:
            c = Client(pg.port, get_token(pg.port, info["userName"], info["password"]), info)
            c.inv = {made["id"]: "cq"}
            assert _found(c, "chongqing") == {"cq"}
            assert _found(c, "cqlj") == {"cq"}
            dup = c.create(_body("mvcq2", "重慶兩江物流股份有限公司", confirm=False))
            assert dup.status == 409 and dup.json["data"] == [made["id"]], dup
            pg.stop()
        finally:
            pg.cleanup()
    finally:
        drop_pg_db(dst)
