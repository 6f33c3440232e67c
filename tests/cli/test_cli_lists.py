"""partnerctl lists that are longer than one page of the API (500 items): `subscriptions list`
and `users list` follow each page's links.next, so table, --csv and --json show every item, and
a user named by its UPN is found on any page; and a cell is printed whole, however long
(issue 14: no silent caps)."""
import concurrent.futures
import json

from clitools import parse_csv, row, uniq


def _customer(ctl, **fields):
    tag = uniq("pg")
    r = dict(row(0, tag), **dict({"companyName": "列表测试%s有限公司" % tag}, **fields))  # no possible duplicate
    j = json.loads(ctl.ok("customers", "add", *sum((["--" + "".join("-" + c.lower() if c.isupper() else c for c in k), v]
                                                    for k, v in r.items() if v), []), "--json").stdout)
    return j["id"], r["domain"]


def test_subscriptions_list_shows_every_page(ctl):
    cid, domain = _customer(ctl)
    api = ctl.api()
    for start in range(0, 620, 100):
        lines = [{"offerId": "CN-PBI-PRO", "quantity": 1, "friendlyName": "seat %03d" % i}
                 for i in range(start, min(start + 100, 620))]
        st, j, _ = api.req("POST", "/v1/customers/%s/orders" % cid, {"lineItems": lines})
        assert st == 201, j
    subs = json.loads(ctl.ok("subscriptions", "list", cid, "--json").stdout)
    assert len(subs) == 620 and len({s["id"] for s in subs}) == 620
    assert sorted(s["friendlyName"] for s in subs) == ["seat %03d" % i for i in range(620)]
    csv_ = ctl.ok("subscriptions", "list", domain, "--csv").stdout.splitlines()
    assert len(csv_) == 621 and csv_[0].startswith("id,")
    table = ctl.ok("subscriptions", "list", domain).stdout.splitlines()
    assert len(table) == 621 and sum("seat 619" in ln for ln in table) == 1


def _add_user(api, cid, name):
    st, j, _ = api.req("POST", "/v1/customers/%s/users" % cid, {"userPrincipalName": name})
    assert st == 201, j
    return j


def test_users_list_and_lookup_past_the_first_page(ctl):
    cid, domain = _customer(ctl)
    api = ctl.api()
    names = ["u%03d" % i for i in range(540)] + ["zz.last"]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: _add_user(api, cid, n), names))
    users = json.loads(ctl.ok("users", "list", cid, "--json").stdout)
    upns = [u["userPrincipalName"].split("@")[0] for u in users]
    assert upns == ["admin"] + names, "every user once, in UPN order"
    assert len(ctl.ok("users", "list", domain, "--csv").stdout.splitlines()) == 543
    # zz.last sorts after the first page of 500: its name alone still finds it
    u = json.loads(ctl.ok("users", "show", domain, "zz.last", "--json").stdout)
    assert u["id"] == users[-1]["id"] and u["userPrincipalName"].startswith("zz.last@" + domain + ".")
    upd = json.loads(ctl.ok("users", "update", cid, "zz.last", "--display-name", "最后一位", "--json").stdout)
    assert upd["displayName"] == "最后一位"
    r = ctl.run("users", "show", cid, "zz.nobody")
    assert r.returncode == 3 and "zz.nobody" in r.stderr


def test_long_values_are_printed_whole(ctl):
    """Cells were cut at 511 bytes: a company name of 255 Chinese characters (765 bytes) in the
    activity log's CSV and table lost its end."""
    name = "长" * 254 + "尾"
    cid, _ = _customer(ctl, companyName=name)
    rows = [r for r in parse_csv(ctl.ok("audit", "--customer", cid, "--csv").stdout) if r["customerId"] == cid]
    assert rows and all(r["customerName"] == name for r in rows)
    assert "尾" in ctl.ok("audit", "--customer", cid, env={"COLUMNS": "100000"}).stdout


def test_customers_list_cut_at_its_limit_says_so(ctl):
    for _ in range(3):
        _customer(ctl)
    r = ctl.ok("customers", "list", "--limit", "2", "--json")
    assert len(json.loads(r.stdout)) == 2
    assert "first 2 customers" in r.stderr and "--limit 0" in r.stderr
    for args in (["--limit", "3"], ["--limit", "0"], ["--limit", "4"]):
        r = ctl.ok("customers", "list", *args, "--csv")
        assert len(parse_csv(r.stdout)) == 3 and r.stderr == "", (args, r.stderr)
