"""GET /v1/customers?sort=newest (issue #17: the portal's dashboard and list show the newest
customers): the whole list by creation, newest first, paged by continuation tokens that keep
the order; any other value, or newest with a filter (which keeps its own order), is a 400
naming `sort` in the caller's language."""
import urllib.parse

from helpers import assert_error, cn_body, uniq, walk_pages


def _partner_with(fresh_partner, n):
    p = fresh_partner("Sort Partner")
    made = [p.create_ok(cn_body(uniq("sort%d" % i), company="排序测试%02d有限公司" % i))["id"] for i in range(n)]
    return p, made


def test_newest_first_over_pages(fresh_partner):
    p, made = _partner_with(fresh_partner, 7)
    items, pages = walk_pages(p, "/v1/customers?sort=newest", 3)
    assert [c["id"] for c in items] == made[::-1]
    assert pages == 3
    # without sort: creation order, as before
    items, _ = walk_pages(p, "/v1/customers", 3)
    assert [c["id"] for c in items] == made


def test_first_page_of_newest_is_the_last_made(fresh_partner):
    p, made = _partner_with(fresh_partner, 4)
    r = p.get("/v1/customers?size=2&sort=newest")
    assert r.status == 200, r
    assert [c["id"] for c in r.json["items"]] == made[:-3:-1]
    # the token keeps the order, with or without sort=newest sent again
    tok = r.json["continuationToken"]
    for q in ("", "&sort=newest"):
        n = p.get("/v1/customers?size=2&seekOperation=Next" + q, headers={"MS-ContinuationToken": tok})
        assert n.status == 200, n
        assert [c["id"] for c in n.json["items"]] == [made[1], made[0]]


def test_a_creation_order_token_is_not_taken_for_newest(fresh_partner):
    p, _ = _partner_with(fresh_partner, 3)
    tok = p.get("/v1/customers?size=1").json["continuationToken"]
    r = p.get("/v1/customers?size=1&seekOperation=Next&sort=newest", headers={"MS-ContinuationToken": tok})
    assert_error(r, 400, field="MS-ContinuationToken")


def test_bad_sort_values_are_refused_in_the_callers_language(fresh_partner):
    p, _ = _partner_with(fresh_partner, 1)
    for v in ("oldest", "NEWEST", "", "newest,name"):
        j = assert_error(p.get("/v1/customers?sort=" + urllib.parse.quote(v)), 400, field="sort")
        assert j["description"].startswith("sort "), j
    j = assert_error(p.get("/v1/customers?sort=x", headers={"X-Locale": "zh-CN"}), 400, field="sort")
    assert "必须是以下值之一" in j["description"], j


def test_newest_with_a_filter_is_refused(fresh_partner):
    p, _ = _partner_with(fresh_partner, 1)
    f = urllib.parse.quote('{"Field":"CompanyName","Value":"排序","Operator":"substring"}')
    j = assert_error(p.get("/v1/customers?sort=newest&filter=" + f), 400, field="sort")
    assert "filtered" in j["description"], j
    j = assert_error(p.get("/v1/customers?sort=newest&filter=" + f, headers={"X-Locale": "de-DE"}), 400, field="sort")
    assert "gefilterte" in j["description"], j
