"""subscriptions, offers, users, relationship-link and audit against a real partnerd: the
success paths, --json parsed, the exit codes (3 not found, 4 stale etag or conflict, 1 bad
input, 2 usage), temporary passwords shown once, the activity log seeing this test's changes,
and --help and bash completion for every new command."""
import json
import subprocess

import pytest

from clitools import row, uniq

NEW = ["subscriptions list", "subscriptions show", "subscriptions set-quantity", "subscriptions suspend",
       "subscriptions reactivate", "subscriptions order", "offers list", "users list", "users show", "users add",
       "users update", "users remove", "users reset-password", "relationship-link", "audit"]


def flags(r):
    out = []
    for k, v in r.items():
        if v:
            out += ["--" + "".join("-" + c.lower() if c.isupper() else c for c in k), v]
    return out


def new_customer(ctl, i=0):
    r = row(i, uniq("cm"))
    j = json.loads(ctl.ok("customers", "add", *flags(r), "--json").stdout)
    return j["id"], r["domain"]


def jrun(ctl, *args):
    return json.loads(ctl.ok(*args, "--json").stdout)


@pytest.fixture
def cust(ctl):
    return new_customer(ctl)


# ---- offers and orders -----------------------------------------------------------------------
def test_offers_list(ctl):
    offers = jrun(ctl, "offers", "list", "--country", "cn")
    byid = {o["id"]: o for o in offers}
    assert "CN-O365-E3" in byid and byid["CN-EXO-ARCHIVE"]["isAddOn"] is True
    table = ctl.ok("offers", "list").stdout
    assert table.splitlines()[0].split()[:2] == ["id", "name"] and "CN-O365-E3" in table
    csv_ = ctl.ok("offers", "list", "--csv").stdout.splitlines()
    assert csv_[0].startswith("id,name,minimumQuantity,maximumQuantity,isAddOn") and len(csv_) == len(offers) + 1
    assert ctl.run("offers", "list", "--country", "china").returncode == 2
    assert ctl.run("offers", "list", "--country", "ZZ").returncode == 1


def test_order_list_show(ctl, cust):
    cid, domain = cust
    out = ctl.ok("subscriptions", "order", domain, "CN-O365-E3", "5", "--friendly-name", "销售部 E3",
                 "--line", "CN-EXO-ARCHIVE:5:归档", "--line", "CN-PBI-PRO:2").stdout
    assert out.startswith("Order ") and "销售部 E3" in out and "CN-PBI-PRO" in out
    subs = jrun(ctl, "subscriptions", "list", cid)
    assert sorted((s["offerId"], s["quantity"]) for s in subs) == [("CN-EXO-ARCHIVE", 5), ("CN-O365-E3", 5),
                                                                   ("CN-PBI-PRO", 2)]
    e3 = next(s for s in subs if s["offerId"] == "CN-O365-E3")
    assert e3["friendlyName"] == "销售部 E3"
    shown = ctl.ok("subscriptions", "show", domain, e3["id"]).stdout
    assert "etag" in shown and e3["attributes"]["etag"] in shown and "销售部 E3" in shown
    csv_ = ctl.ok("subscriptions", "list", domain, "--csv").stdout.splitlines()
    assert csv_[0] == "id,offerId,friendlyName,quantity,status,commitmentEndDate" and len(csv_) == 4
    order = jrun(ctl, "subscriptions", "order", cid, "CN-O365-E1", "1")
    assert order["status"] == "completed" and len(order["lineItems"]) == 1


def test_order_errors(ctl, cust):
    cid, _ = cust
    r = ctl.run("subscriptions", "order", cid, "NOPE", "3", "--line", "CN-PBI-PRO:0")
    assert r.returncode == 1 and "NOPE" in r.stderr and "lineItems[1].quantity" in r.stderr
    assert jrun(ctl, "subscriptions", "list", cid) == []
    assert ctl.run("subscriptions", "order", cid, "CN-PBI-PRO", "many").returncode == 2
    assert ctl.run("subscriptions", "order", cid, "CN-PBI-PRO", "1", "--line", "CN-PBI-PRO").returncode == 2
    assert ctl.run("subscriptions", "order", uniq("nosuch"), "CN-PBI-PRO", "1").returncode == 3
    assert ctl.ok("subscriptions", "list", cid).stdout.strip() == "(no subscriptions)"


# ---- changes with etags ----------------------------------------------------------------------
def test_quantity_suspend_reactivate(ctl, cust):
    cid, domain = cust
    sub = jrun(ctl, "subscriptions", "order", cid, "CN-O365-E3", "5")["lineItems"][0]["subscriptionId"]
    assert jrun(ctl, "subscriptions", "set-quantity", domain, sub, "30")["quantity"] == 30
    out = ctl.ok("subscriptions", "suspend", domain, sub).stdout
    assert out.startswith("Suspended") and "suspended" in out
    r = ctl.run("subscriptions", "set-quantity", domain, sub, "31")
    assert r.returncode == 4 and "suspended" in r.stderr
    assert jrun(ctl, "subscriptions", "reactivate", cid, sub)["status"] == "active"
    r = ctl.run("subscriptions", "set-quantity", cid, sub, "6000")
    assert r.returncode == 1 and "quantity" in r.stderr
    # a stale etag: exit 4 and nothing changed; with --retry it is read again
    r = ctl.run("subscriptions", "set-quantity", cid, sub, "40", "--if-match", "stale")
    assert r.returncode == 4 and "etag" in r.stderr
    assert jrun(ctl, "subscriptions", "show", cid, sub)["quantity"] == 30
    r = ctl.ok("subscriptions", "set-quantity", cid, sub, "40", "--if-match", "stale", "--retry")
    assert "reading it again" in r.stderr
    assert jrun(ctl, "subscriptions", "show", cid, sub)["quantity"] == 40
    assert ctl.run("subscriptions", "suspend", cid, sub, "--if-match", "stale", "--retries", "2").returncode == 0
    # not found, not an id, not a number
    missing = "00000000-0000-0000-0000-000000000000"
    assert ctl.run("subscriptions", "show", cid, missing).returncode == 3
    assert ctl.run("subscriptions", "suspend", cid, missing).returncode == 3
    assert ctl.run("subscriptions", "show", cid, "nope").returncode == 2
    assert ctl.run("subscriptions", "set-quantity", cid, sub, "x").returncode == 2


# ---- users -----------------------------------------------------------------------------------
def test_users(ctl, cust):
    cid, domain = cust
    users = jrun(ctl, "users", "list", cid)
    assert [u["userPrincipalName"].split("@")[0] for u in users] == ["admin"]
    out = ctl.ok("users", "add", domain, "--upn", "li.na", "--first-name", "娜", "--last-name", "李",
                 "--display-name", "李娜", "--admin").stdout
    pw = [ln for ln in out.splitlines() if ln.startswith("temporary password:")]
    assert len(pw) == 1 and len(pw[0].split()[2]) >= 12
    u = jrun(ctl, "users", "show", domain, "li.na")
    assert u["displayName"] == "李娜" and u["roles"] == ["company_administrator"] and u["usageLocation"] == "CN"
    assert "password" not in json.dumps(u) and pw[0].split()[2] not in ctl.ok("users", "show", cid, u["id"]).stdout
    table = ctl.ok("users", "list", domain).stdout
    assert "李娜" in table and "company_administrator" in table
    # the password is shown by the create and by a reset, once each, and differs
    reset = jrun(ctl, "users", "reset-password", cid, u["userPrincipalName"])
    assert reset["passwordProfile"]["password"] not in (None, pw[0].split()[2])
    out = ctl.ok("users", "reset-password", cid, u["id"]).stdout
    assert out.count("temporary password:") == 1
    j = jrun(ctl, "users", "add", cid, "--upn", "bob", "--usage-location", "us")
    assert j["passwordProfile"]["password"] and j["usageLocation"] == "US" and j["roles"] == ["user"]
    upd = jrun(ctl, "users", "update", cid, "li.na", "--state", "inactive", "--no-admin", "--last-name", "王")
    assert upd["state"] == "inactive" and upd["roles"] == ["user"] and upd["lastName"] == "王"
    assert upd["firstName"] == "娜"
    assert ctl.ok("users", "remove", cid, "bob").stdout.startswith("Removed")
    assert len(jrun(ctl, "users", "list", cid)) == 2
    assert len(ctl.ok("users", "list", cid, "--csv").stdout.splitlines()) == 3


def test_user_errors(ctl, cust):
    cid, _ = cust
    ctl.ok("users", "add", cid, "--upn", "dup")
    r = ctl.run("users", "add", cid, "--upn", "dup")
    assert r.returncode == 4 and "already exists" in r.stderr
    r = ctl.run("users", "add", cid, "--upn", "x@elsewhere.cn")
    assert r.returncode == 1 and "userPrincipalName" in r.stderr
    r = ctl.run("users", "update", cid, "dup", "--state", "sleeping", "--usage-location", "QQ")
    assert r.returncode == 1 and "state" in r.stderr and "usageLocation" in r.stderr
    assert ctl.run("users", "add", cid, "--first-name", "x").returncode == 2
    assert ctl.run("users", "update", cid, "dup").returncode == 2
    assert ctl.run("users", "show", cid, "nobody").returncode == 3
    assert ctl.run("users", "remove", cid, "00000000-0000-0000-0000-000000000000").returncode == 3
    assert ctl.run("users", "list", uniq("nosuch")).returncode == 3


# ---- relationship link -----------------------------------------------------------------------
def test_relationship_link(ctl):
    first = jrun(ctl, "relationship-link")
    assert first["state"] == "active" and "/invite/" in first["url"]
    assert jrun(ctl, "relationship-link")["url"] == first["url"]
    out = ctl.ok("relationship-link").stdout
    assert first["url"] in out and "state" in out
    renewed = ctl.ok("relationship-link", "--renew")
    assert "no longer works" in renewed.stderr
    second = jrun(ctl, "relationship-link")
    assert second["url"] != first["url"] and second["url"] in renewed.stdout
    assert jrun(ctl, "relationship-link", "--revoke") == {"state": "revoked"}
    assert ctl.run("relationship-link", "--renew", "--revoke").returncode == 2


# ---- the activity log ------------------------------------------------------------------------
def test_audit_sees_the_changes(ctl, cust):
    cid, domain = cust
    sub = jrun(ctl, "subscriptions", "order", cid, "CN-O365-E3", "5")["lineItems"][0]["subscriptionId"]
    ctl.ok("subscriptions", "set-quantity", cid, sub, "7")
    ctl.ok("subscriptions", "suspend", cid, sub)
    ctl.ok("users", "add", cid, "--upn", "audited")
    recs = jrun(ctl, "audit", "--operation", "update_subscription")
    assert len(recs) == 2 and {r["customerId"] for r in recs} == {cid}
    assert all(r["operationStatus"] == "succeeded" and r["userPrincipalName"] == ctl.info["userName"] for r in recs)
    ops = [r["operationType"] for r in jrun(ctl, "audit", "--customer", domain)]
    assert ops == ["add_customer", "create_order", "update_subscription", "update_subscription",
                   "create_customer_user"]
    assert [r["operationType"] for r in jrun(ctl, "audit", "--resource", "customer_user")] == ["create_customer_user"]
    assert len(jrun(ctl, "audit", "--user", ctl.info["userName"], "--limit", "3")) == 3
    csv_ = ctl.ok("audit", "--operation", "create_order", "--csv").stdout.splitlines()
    assert csv_[0].startswith("operationDate,operationType") and len(csv_) == 2 and "create_order" in csv_[1]
    table = ctl.ok("audit", "--operation", "update_subscription").stdout.splitlines()
    assert table[0].split()[:2] == ["operationDate", "operationType"] and len(table) == 3
    assert ctl.ok("audit", "--operation", "no_such_op").stdout.strip() == "(no records)"
    assert jrun(ctl, "audit", "--until", "2000-01-01", "--since", "1999-01-01") == []


def test_audit_pages(ctl, cust):
    """More than one page (500): every record arrives once, in order, in each format."""
    cid, _ = cust
    sub = jrun(ctl, "subscriptions", "order", cid, "CN-O365-E3", "1")["lineItems"][0]["subscriptionId"]
    api = ctl.api()
    path = "/v1/customers/%s/subscriptions/%s" % (cid, sub)
    for i in range(520):  # failed attempts are recorded too, and cost one request each
        st, _, _ = api.req("PATCH", path, {"quantity": 2}, {"If-Match": '"stale"'})
        assert st == 412
    recs = jrun(ctl, "audit", "--operation", "update_subscription")
    assert len(recs) == 520 and len({r["id"] for r in recs}) == 520
    assert len(ctl.ok("audit", "--operation", "update_subscription", "--csv").stdout.splitlines()) == 521
    assert len(jrun(ctl, "audit", "--operation", "update_subscription", "--limit", "501")) == 501
    table = ctl.ok("audit", "--operation", "update_subscription").stdout.splitlines()
    assert sum(1 for ln in table if ln.startswith("operationDate")) == 2 and len(table) == 520 + 2 + 1


def test_audit_errors(ctl):
    r = ctl.run("audit", "--since", "yesterday")
    assert r.returncode == 1 and "startDate" in r.stderr
    r = ctl.run("audit", "--operation", "a", "--user", "b")
    assert r.returncode == 2 and "one filter" in r.stderr
    assert ctl.run("audit", "--customer", uniq("nosuch")).returncode == 3
    assert ctl.run("audit", "--json", "--csv").returncode == 2


def test_not_signed_in(anon):
    for args in (["offers", "list"], ["audit"], ["relationship-link"], ["users", "list", "x"]):
        r = anon.run(*args)
        assert r.returncode == 1 and "login" in r.stderr, (args, r.stderr)


# ---- help and completion ---------------------------------------------------------------------
@pytest.mark.parametrize("cmd", NEW)
def test_help(anon, cmd):
    r = anon.ok(*cmd.split(), "--help")
    assert r.stdout.startswith("usage: partnerctl %s" % cmd) and "--help" in r.stdout
    assert '.SS "partnerctl %s' % cmd in anon.ok("--man").stdout


def complete(anon, line):
    script = anon.ok("completion", "bash").stdout
    words = line.split(" ")
    code = (script + "\nCOMP_WORDS=(%s)\nCOMP_CWORD=%d\n_partnerctl\nprintf '%%s\\n' \"${COMPREPLY[@]}\"\n"
            % (" ".join("'%s'" % w for w in words), len(words) - 1))
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", code], capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r.stderr
    return [w for w in r.stdout.splitlines() if w]


def test_completion(anon):
    top = complete(anon, "partnerctl ")
    for w in ("subscriptions", "offers", "users", "relationship-link", "audit"):
        assert w in top
    assert set(complete(anon, "partnerctl subscriptions ")) == {"list", "show", "set-quantity", "suspend",
                                                               "reactivate", "order"}
    assert set(complete(anon, "partnerctl users ")) == {"list", "show", "add", "update", "remove", "reset-password"}
    assert complete(anon, "partnerctl users update c u --state ") == ["active", "inactive"]
    assert complete(anon, "partnerctl relationship-link --re") == ["--renew", "--revoke"]
    assert "--operation" in complete(anon, "partnerctl audit --")
    assert complete(anon, "partnerctl subscriptions order c o 1 --li") == ["--line"]
