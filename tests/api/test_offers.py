"""The offer catalog: GET /v1/offers?country=, GET /v1/offers/{id}?country=, names and
descriptions in the caller's X-Locale, and --catalog FILE (a replacement catalog, and the
refusal to start with an invalid one)."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.parse
import uuid

import pytest

from helpers import (BIN, ROOT, SLOW, Client, assert_error, cn_body, free_port, run_cli,
                     sanitizer_lines, staff_client, uniq, us_body)

CATALOG_PATH = os.path.join(ROOT, "data", "catalog.json")
with open(CATALOG_PATH, encoding="utf-8") as _f:
    CATALOG = json.load(_f)["offers"]
BY_ID = {o["id"]: o for o in CATALOG}
OFFER_KEYS = {"id", "name", "description", "minimumQuantity", "maximumQuantity", "unitType", "billing",
              "isAddOn", "prerequisiteOffers", "country", "links", "attributes"}


def sold_in(country):
    return [o for o in CATALOG if country in o["countries"]]


@pytest.fixture(scope="module")
def p(server):
    return server.partner("Offers Co")


def bad(r, status, field, code=None):
    """An error of the documented shape naming `field` in data (details, when present, too)."""
    j = assert_error(r, status, code=code)
    assert field in j["data"], j
    if "details" in j:
        assert field in [d.get("field") for d in j["details"]], j
    return j


def check_offer(item, country, locale="en-US"):
    """An offer as the API shows it, against the catalog entry with the same id."""
    src = BY_ID[item["id"]]
    assert OFFER_KEYS <= set(item), item
    assert item["name"] == src["name"][locale], (item, locale)
    assert item["description"] == src["description"][locale], (item, locale)
    for k in ("minimumQuantity", "maximumQuantity", "unitType", "billing", "isAddOn", "prerequisiteOffers"):
        assert item[k] == src[k], (k, item)
    assert item["country"] == country
    assert item["attributes"]["objectType"] == "Offer"
    assert item["links"]["self"]["method"] == "GET"
    assert item["id"] in item["links"]["self"]["uri"]


# ---- the default catalog ------------------------------------------------------------------------

def test_default_catalog_has_offers_for_cn_and_elsewhere():
    # the test's own premise: the shipped catalog has base offers and add-ons for CN, and WW offers
    assert len(sold_in("CN")) >= 5 and len(sold_in("US")) >= 1
    assert any(o["isAddOn"] for o in sold_in("CN"))
    assert BY_ID["CN-M365-BB"]["name"]["zh-CN"] == "Microsoft 365 商业基础版"


@pytest.mark.parametrize("country", ["CN", "US", "DE"])
def test_list_is_exactly_the_offers_sold_in_the_country(p, country):
    r = p.get("/v1/offers?country=" + country)
    assert r.status == 200, r
    j = r.json
    assert j["attributes"]["objectType"] == "Collection"
    ids = [o["id"] for o in j["items"]]
    assert sorted(ids) == sorted(o["id"] for o in sold_in(country)), ids
    assert len(ids) == len(set(ids))
    assert j["totalCount"] == len(ids)
    for item in j["items"]:
        check_offer(item, country)
    if country == "CN":
        assert all(i.startswith("CN-") for i in ids)
    else:
        assert all(i.startswith("WW-") for i in ids)


def test_country_is_case_insensitive(p):
    r = p.get("/v1/offers?country=cn")
    assert r.status == 200, r
    assert sorted(o["id"] for o in r.json["items"]) == sorted(o["id"] for o in sold_in("CN"))
    assert {o["country"] for o in r.json["items"]} == {"CN"}


def test_a_country_without_offers_is_an_empty_collection(p):
    assert not sold_in("BR")
    r = p.get("/v1/offers?country=BR")
    assert r.status == 200, r
    assert r.json["items"] == [] and r.json["totalCount"] == 0


@pytest.mark.parametrize("locale", ["zh-CN", "en-US", "de-DE"])
def test_names_and_descriptions_follow_x_locale(p, locale):
    r = p.get("/v1/offers?country=CN", headers={"X-Locale": locale})
    assert r.status == 200, r
    for item in r.json["items"]:
        check_offer(item, "CN", locale)
    bb = [o for o in r.json["items"] if o["id"] == "CN-M365-BB"][0]
    assert bb["name"] == {"zh-CN": "Microsoft 365 商业基础版", "en-US": "Microsoft 365 Business Basic",
                          "de-DE": "Microsoft 365 Business Basic"}[locale]
    one = p.get("/v1/offers/CN-M365-BB?country=CN", headers={"X-Locale": locale})
    assert one.status == 200, one
    assert one.json["name"] == bb["name"] and one.json["description"] == bb["description"]


def test_default_locale_is_en_us(p):
    r = p.get("/v1/offers/CN-M365-BB?country=CN")
    assert r.status == 200, r
    assert r.json["name"] == "Microsoft 365 Business Basic"
    assert r.json["description"] == BY_ID["CN-M365-BB"]["description"]["en-US"]


@pytest.mark.parametrize("locale", ["fr-FR", "xx", "ja-JP"])
def test_unsupported_locale_falls_back_to_en_us(p, locale):
    r = p.get("/v1/offers?country=CN", headers={"X-Locale": locale})
    assert r.status == 200, r
    for item in r.json["items"]:
        check_offer(item, "CN", "en-US")


@pytest.mark.parametrize("offer_id", ["CN-O365-E1", "CN-EXO-ARCHIVE", "CN-TEAMS-AUDIO"])
def test_get_one_offer(p, offer_id):
    r = p.get("/v1/offers/%s?country=CN" % offer_id)
    assert r.status == 200, r
    assert r.h("Content-Type").startswith("application/json")
    check_offer(r.json, "CN")
    listed = [o for o in p.get("/v1/offers?country=CN").json["items"] if o["id"] == offer_id]
    assert listed == [r.json]


def test_add_on_names_its_prerequisites(p):
    r = p.get("/v1/offers/CN-EXO-ARCHIVE?country=CN")
    assert r.status == 200, r
    assert r.json["isAddOn"] is True
    assert sorted(r.json["prerequisiteOffers"]) == ["CN-EXO-P1", "CN-O365-E1", "CN-O365-E3"]
    base = p.get("/v1/offers/CN-EXO-P1?country=CN").json
    assert base["isAddOn"] is False and base["prerequisiteOffers"] == []


def test_ww_offer_in_us_and_de(p):
    for country in ("US", "DE"):
        r = p.get("/v1/offers/WW-O365-E3?country=" + country)
        assert r.status == 200, r
        check_offer(r.json, country)


@pytest.mark.parametrize("path", ["/v1/offers/WW-M365-BB?country=CN", "/v1/offers/CN-O365-E1?country=US",
                                  "/v1/offers/NO-SUCH-OFFER?country=CN", "/v1/offers/CN-O365-E1?country=BR"])
def test_offer_not_sold_there_or_unknown_is_404(p, path):
    assert_error(p.get(path), 404, code=1000)


@pytest.mark.parametrize("path", ["/v1/offers", "/v1/offers?country=", "/v1/offers?size=5",
                                  "/v1/offers/CN-O365-E1", "/v1/offers/CN-O365-E1?country="])
def test_missing_country_is_400(p, path):
    bad(p.get(path), 400, "country", code=3000)


@pytest.mark.parametrize("country", ["XX", "CHN", "C", "12", "中国"])
def test_unknown_country_is_400(p, country):
    bad(p.get("/v1/offers?country=" + urllib.parse.quote(country)), 400, "country", code=3000)
    bad(p.get("/v1/offers/CN-O365-E1?country=" + urllib.parse.quote(country)), 400, "country", code=3000)


def test_offers_need_a_token(server):
    anon = server.anon()
    for path in ("/v1/offers?country=CN", "/v1/offers/CN-O365-E1?country=CN"):
        r = anon.get(path)
        assert_error(r, 401)
        assert (r.h("WWW-Authenticate") or "").startswith("Bearer"), r.headers
    bad = Client(server.port, "not-a-token")
    assert bad.get("/v1/offers?country=CN").status == 401


def test_every_role_may_read_offers(p):
    # user_management_admin may not read customers but may read the catalog
    c = staff_client(p, ["user_management_admin"])
    assert c.get("/v1/customers").status == 403
    r = c.get("/v1/offers?country=CN")
    assert r.status == 200, r
    assert sorted(o["id"] for o in r.json["items"]) == sorted(o["id"] for o in sold_in("CN"))


# ---- --catalog FILE -----------------------------------------------------------------------------

def offer(oid, countries=("CN",), lo=1, hi=10, addon=False, pre=(), **kw):
    o = {"id": oid, "countries": list(countries),
         "name": {"en-US": oid + " name", "zh-CN": oid + " 名称", "de-DE": oid + " Name"},
         "description": {"en-US": oid + " description", "zh-CN": oid + " 说明", "de-DE": oid + " Beschreibung"},
         "minimumQuantity": lo, "maximumQuantity": hi, "unitType": "Licenses", "billing": "license",
         "isAddOn": addon, "prerequisiteOffers": list(pre)}
    o.update(kw)
    return o


def write_catalog(tmp_path, offers, name="catalog.json"):
    path = tmp_path / name
    if isinstance(offers, str):
        path.write_text(offers, encoding="utf-8")
    else:
        path.write_text(json.dumps({"version": 1, "offers": offers}, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_custom_catalog_replaces_the_default(make_server, tmp_path):
    offers = [offer("T-BASE", countries=["CN", "US"], lo=2, hi=7),
              offer("T-ADDON", countries=["CN"], lo=1, hi=3, addon=True, pre=["T-BASE"]),
              offer("T-US-ONLY", countries=["US"], lo=5, hi=5)]
    s = make_server(["--sandbox", "--catalog", write_catalog(tmp_path, offers)]).start()
    p = s.partner("Custom Catalog Co")
    r = p.get("/v1/offers?country=CN", headers={"X-Locale": "zh-CN"})
    assert r.status == 200, r
    assert sorted(o["id"] for o in r.json["items"]) == ["T-ADDON", "T-BASE"]
    by = {o["id"]: o for o in r.json["items"]}
    assert by["T-BASE"]["name"] == "T-BASE 名称" and by["T-BASE"]["description"] == "T-BASE 说明"
    assert (by["T-BASE"]["minimumQuantity"], by["T-BASE"]["maximumQuantity"]) == (2, 7)
    assert by["T-ADDON"]["isAddOn"] is True and by["T-ADDON"]["prerequisiteOffers"] == ["T-BASE"]
    r = p.get("/v1/offers?country=US")
    assert sorted(o["id"] for o in r.json["items"]) == ["T-BASE", "T-US-ONLY"]
    assert p.get("/v1/offers?country=DE").json["items"] == []
    # the default catalog is gone
    for oid in ("CN-O365-E1", "CN-M365-BB", "WW-O365-E3"):
        assert p.get("/v1/offers/%s?country=CN" % oid).status == 404
        assert p.get("/v1/offers/%s?country=US" % oid).status == 404
    # orders follow the replacement catalog and its bounds
    c = p.create_ok(cn_body(uniq("cat")))
    path = "/v1/customers/%s/orders" % c["id"]
    assert_error(p.req("POST", path, {"lineItems": [{"offerId": "CN-O365-E1", "quantity": 1}]}), 400,
                 field="lineItems[0].offerId")
    assert_error(p.req("POST", path, {"lineItems": [{"offerId": "T-BASE", "quantity": 1}]}), 400,
                 field="lineItems[0].quantity")
    assert_error(p.req("POST", path, {"lineItems": [{"offerId": "T-BASE", "quantity": 8}]}), 400,
                 field="lineItems[0].quantity")
    assert_error(p.req("POST", path, {"lineItems": [{"offerId": "T-ADDON", "quantity": 1}]}), 400,
                 field="lineItems[0].offerId")
    assert_error(p.req("POST", path, {"lineItems": [{"offerId": "T-US-ONLY", "quantity": 5}]}), 400,
                 field="lineItems[0].offerId")
    r = p.req("POST", path, {"lineItems": [{"offerId": "T-BASE", "quantity": 7},
                                           {"offerId": "T-ADDON", "quantity": 3}]})
    assert r.status == 201, r
    subs = p.get("/v1/customers/%s/subscriptions" % c["id"]).json["items"]
    assert sorted((x["offerId"], x["quantity"], x["offerName"]) for x in subs) == [
        ("T-ADDON", 3, "T-ADDON name"), ("T-BASE", 7, "T-BASE name")]
    u = p.create_ok(us_body(uniq("catus")))
    r = p.req("POST", "/v1/customers/%s/orders" % u["id"], {"lineItems": [{"offerId": "T-US-ONLY", "quantity": 5}]})
    assert r.status == 201, r


def serve_with_catalog(tmp_path, catalog_path):
    """Run `partnerd serve --catalog FILE` expecting it to refuse to start: (rc, stdout, stderr).
    Fails fast (and stops the server) if it starts listening instead."""
    db = "sqlite:" + str(tmp_path / ("c%s.db" % uuid.uuid4().hex[:8]))
    port = free_port()
    cmd = [BIN, "serve", "--listen", "127.0.0.1:%d" % port, "--db", db, "--catalog", catalog_path,
           "--no-access-log"]
    out_f, err_f = open(tmp_path / "out.txt", "w+"), open(tmp_path / "err.txt", "w+")
    proc = subprocess.Popen(cmd, stdout=out_f, stderr=err_f, cwd=str(tmp_path))
    listening = False
    deadline = time.time() + 15 * SLOW
    try:
        while proc.poll() is None and time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                listening = True
                break
            except OSError:
                time.sleep(0.03)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10 * SLOW)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        out_f.seek(0)
        err_f.seek(0)
        out, err = out_f.read(), err_f.read()
        out_f.close()
        err_f.close()
    assert not sanitizer_lines(err), err[-4000:]
    assert not listening, "partnerd started with an invalid catalog %s:\n%s" % (catalog_path, err[-2000:])
    return proc.returncode, out, err


INVALID = {
    "duplicate id": ([offer("DUP-1"), offer("DUP-1")], ["DUP-1"]),
    "minimum above maximum": ([offer("MINMAX", lo=9, hi=3)], ["MINMAX"]),
    "minimum zero": ([offer("MINZERO", lo=0, hi=3)], ["MINZERO"]),
    "add-on without prerequisites": ([offer("LONELY-ADDON", addon=True)], ["LONELY-ADDON"]),
    "unknown prerequisite": ([offer("BASE-1"), offer("ADDON-1", addon=True, pre=["NO-SUCH-BASE"])], ["ADDON-1"]),
    "not JSON": ("{\"offers\": [ this is not json", ["JSON"]),
    "empty offers": ([], ["offers"]),
    "offer without id": ([{k: v for k, v in offer("X").items() if k != "id"}], ["id"]),
    "offer without countries": ([offer("NOWHERE", countries=[])], ["NOWHERE"]),
    "name without en-US": ([offer("ZH-ONLY", name={"zh-CN": "只有中文"})], ["ZH-ONLY"]),
    # lookups of offer ids ignore case (GET /v1/offers/cn-o365-e1 finds CN-O365-E1), so two ids
    # that differ only in case are duplicates: the second could never be read or ordered
    "duplicate id differing in case": ([offer("CASE-DUP"), offer("case-dup")], ["case-dup"]),
    # a country code the API itself refuses (GET /v1/offers?country=XX is a 400): never sold
    "unknown country code": ([offer("NOWHERE-XX", countries=["XX"])], ["NOWHERE-XX"]),
    # an add-on whose only prerequisite is itself can never be ordered
    "add-on requiring itself": ([offer("SELF-ADDON", addon=True, pre=["SELF-ADDON"])], ["SELF-ADDON"]),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_catalog_refuses_to_start(tmp_path, case):
    offers, words = INVALID[case]
    path = write_catalog(tmp_path, offers)
    rc, out, err = serve_with_catalog(tmp_path, path)
    assert rc != 0, "partnerd exited 0 with an invalid catalog (%s):\n%s" % (case, err)
    assert "catalog" in err.lower() and path in err, err
    for w in words:
        assert w.lower() in err.lower(), "the message should name %r:\n%s" % (w, err)
    assert "listening" not in err, err


def test_missing_catalog_file_refuses_to_start(tmp_path):
    path = str(tmp_path / "no-such-catalog.json")
    rc, out, err = serve_with_catalog(tmp_path, path)
    assert rc != 0
    assert path in err, err


def test_the_shipped_catalog_is_accepted(make_server):
    s = make_server(["--catalog", CATALOG_PATH]).start()
    p = s.partner("Shipped Catalog Co")
    r = p.get("/v1/offers?country=CN")
    assert r.status == 200, r
    assert sorted(o["id"] for o in r.json["items"]) == sorted(o["id"] for o in sold_in("CN"))


def test_serve_help_mentions_catalog():
    r = run_cli(["serve", "--help"])
    assert "--catalog" in (r.stdout + r.stderr)
