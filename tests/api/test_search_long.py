"""Long CompanyName substrings (8+ code points) with several alternatives (search.h: the key,
its pinyin-keyboard form, its initials): SQLite asks its trigram index for one AND of two
trigrams every alternative holds (search_sqlite.c fts_shared) and checks each candidate's search
text; PostgreSQL answers with pg_trgm.  Either way a page holds exactly the rows whose search
text holds one of the alternatives, in creation order, and paging by continuation token loses
and repeats none, also while matching rows are created between pages.  The same partner's rows
also check a phrase (3-7 code points) and the 1-2 code point scan page by page."""
import pytest

from helpers import cn_body, de_body, filt, uniq, us_body, walk_pages

# (key, name, found by "MÜLLER LOGISTIK"), in creation order
MUELLER = [
    ("m_gmbh", "Müller Logistik GmbH", True),
    ("keller", "Keller Elektrik GmbH", False),      # holds "lle" and "tik", the value's shared ends
    ("mvller", "Mvllerlogistik Ltd", True),         # only the pinyin-keyboard form "mvllerlogistik"
    ("m_elek", "Müller Elektrik KG", False),        # "mül", "lle" and "tik", not the value
    ("m_caps", "MÜLLER LOGISTIK AG", True),
    ("muller", "Muller Logistik Inc", False),       # u, not ü
    ("hans", "Hans Müller & Logistik", False),
    ("sped", "Spedition Müller Logistik", True),
    ("hyphen", "Müller-Logistik GmbH", False),
]
BEIJING = [
    ("bjyd", "北京云端科技有限公司", True),          # its pinyin holds "beijingyunduankeji"
    ("bjwl", "北京云端物流有限公司", False),
    ("latin", "Beijing Yunduan Keji Ltd", False),   # "beijing yunduan keji": neither alternative
]


def _body(key, name):
    p = uniq(key.replace("_", ""))
    if not name.isascii():
        return de_body(p, company=name) if "ü" in name.lower() or "Ü" in name else cn_body(p, company=name)
    return us_body(p, company=name)


@pytest.fixture(scope="module")
def longs(server):
    c = server.partner("Long Searcher")
    c.ids = {}
    for key, name, _ in MUELLER + BEIJING:
        c.ids[key] = c.create_ok(_body(key, name))["id"]
    return c


def _path(value):
    return "/v1/customers?filter=" + filt("CompanyName", value, "substring")


def _expected(c, rows):
    return [c.ids[k] for k, _, found in rows if found]


@pytest.mark.parametrize("size", [1, 2, 3, 100])
def test_long_substring_alternatives_every_page(longs, size):
    items, pages = walk_pages(longs, _path("MÜLLER LOGISTIK"), size)
    assert [i["id"] for i in items] == _expected(longs, MUELLER)
    assert pages == -(-4 // size)  # the last page full: no token, no empty page after it


@pytest.mark.parametrize("value", ["MÜLLER LOGISTIK", "müller logistik", "Müller Logistik"])
def test_long_substring_case_folded(longs, value):
    items, _ = walk_pages(longs, _path(value), 100)
    assert [i["id"] for i in items] == _expected(longs, MUELLER)


@pytest.mark.parametrize("value", ["beijing yunduankeji", "Běijīng Yúnduānkējì", "北京yunduankeji"])
def test_long_substring_pinyin_alternatives(longs, value):
    items, _ = walk_pages(longs, _path(value), 1)
    assert [i["id"] for i in items] == _expected(longs, BEIJING)


def test_long_substring_paging_while_rows_are_created(server):
    """One matching row a page, a new matching (and a new decoy) row created after each page:
    every row that matched when paging began comes once, in order, and the new ones follow,
    since they are created after the last position."""
    c = server.partner("Long Searcher Live")
    first = [c.create_ok(_body(k, n))["id"] for k, n, found in MUELLER if found]
    path, hdrs, seen, made = _path("MÜLLER LOGISTIK") + "&size=1", {}, [], []
    for n in range(50):
        r = c.get(path, headers=hdrs)
        assert r.status == 200, r
        seen += [i["id"] for i in r.json["items"]]
        if n < 3:
            made.append(c.create_ok(_body("live", "Müller Logistik Nord %d" % n))["id"])
            c.create_ok(_body("decoy", "Keller Elektrik Nord %d" % n))
        tok = r.json.get("continuationToken")
        if not tok:
            break
        path, hdrs = "/v1" + r.json["links"]["next"]["uri"], {"MS-ContinuationToken": tok}
    assert seen == first + made


# The shorter paths, in the same partner: a phrase (3-7 code points) and the 1-2 code point scan
# of the search texts; each row is in creation order on every page, none lost or repeated.
@pytest.mark.parametrize("value,found", [
    ("ogisti", {"m_gmbh", "mvller", "m_caps", "muller", "hans", "sped", "hyphen"}),  # phrase
    ("ll", {k for k, _, _ in MUELLER}),                                             # scan
])
@pytest.mark.parametrize("size", [1, 2, 4])
def test_short_substring_every_page(longs, value, found, size):
    items, _ = walk_pages(longs, _path(value), size)
    assert [i["id"] for i in items] == [longs.ids[k] for k, _, _ in MUELLER + BEIJING if k in found]
