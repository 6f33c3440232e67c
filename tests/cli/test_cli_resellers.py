"""partnerctl and indirect resellers (two-tier CSP): `customers add --associated-partner-id`,
the export's associatedPartnerId column, `--by indirectReseller` for one reseller's customers,
and an import that carries the column back."""
import json
import uuid

from clitools import COLUMNS, parse_csv, row, uniq, write_csv


def reseller(ctl, name="华南分销伙伴"):
    st, j, _ = ctl.api().req("POST", "/v1/relationships", {"name": name, "mpnId": str(4800000 + uuid.uuid4().int % 10**6)})
    assert st == 201, j
    return j["id"]


def add(ctl, r, *extra):
    args = []
    for k, v in r.items():
        if v:
            args += ["--" + "".join("-" + c.lower() if c.isupper() else c for c in k), v]
    return json.loads(ctl.ok("customers", "add", *args, *extra, "--json").stdout)


def test_add_export_and_filter_by_reseller(ctl):
    rid = reseller(ctl)
    tag = uniq("rs")[:10]
    theirs = add(ctl, row(0, tag), "--associated-partner-id", rid)
    assert theirs["associatedPartnerId"] == rid
    direct = add(ctl, row(1, tag))
    rows = {r["id"]: r for r in parse_csv(ctl.ok("customers", "export").stdout)}
    assert list(next(iter(rows.values()))) == COLUMNS and COLUMNS[-1] == "associatedPartnerId"
    assert rows[theirs["id"]]["associatedPartnerId"] == rid
    assert rows[direct["id"]]["associatedPartnerId"] == ""
    only = parse_csv(ctl.ok("customers", "export", "--by", "indirectReseller", "--filter", rid).stdout)
    assert [r["id"] for r in only] == [theirs["id"]]
    listed = parse_csv(ctl.ok("customers", "search", rid, "--by", "indirectReseller", "--csv").stdout)
    assert [r["id"] for r in listed] == [theirs["id"]]
    bad = ctl.run("customers", "export", "--by", "indirectReseller", "--filter", "not-an-id")
    assert bad.returncode != 0 and "filter.Value" in bad.stderr, bad.stderr
    bad = ctl.run("customers", "export", "--by", "reseller", "--filter", rid)
    assert bad.returncode != 0 and "indirectReseller" in bad.stderr, bad.stderr


def test_add_for_an_unknown_reseller_is_refused(ctl):
    res = ctl.run("customers", "add", *sum((["--" + "".join("-" + c.lower() if c.isupper() else c for c in k), v]
                                           for k, v in row(0, uniq("rx")[:10]).items() if v), []),
                  "--associated-partner-id", str(uuid.uuid4()))
    assert res.returncode != 0 and "associatedPartnerId" in res.stderr, res.stderr
    assert ctl.api().customers() == []


def test_import_carries_the_reseller(ctl, tmp_path):
    rid = reseller(ctl)
    tag = uniq("ri")[:10]
    rows = [dict(row(0, tag), associatedPartnerId=rid), row(1, tag)]
    ctl.ok("customers", "import", write_csv(str(tmp_path / "in.csv"), rows), "--quiet")
    by_domain = {c["companyProfile"]["domain"].split(".")[0]: c for c in ctl.api().customers()}
    assert by_domain[rows[0]["domain"]]["associatedPartnerId"] == rid
    assert "associatedPartnerId" not in by_domain[rows[1]["domain"]]
