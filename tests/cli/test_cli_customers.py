"""customers list, search, show, add, update, check-domain and export against a real partnerd:
what the server ends up holding, the three output forms and the exit codes."""
import json
import os
import pty
import subprocess
import unicodedata

from clitools import CTL, COLUMNS, SLOW, SUFFIX, Ctl, parse_csv, read_csv, row, sanitizer_lines, uniq, write_csv


def flags(r):
    """The add flags of a CSV row dict."""
    out = []
    for k, v in r.items():
        if v:
            out += ["--" + "".join("-" + c.lower() if c.isupper() else c for c in k), v]
    return out


def add(ctl, r, *extra):
    res = ctl.ok("customers", "add", *flags(r), *extra, "--json")
    return json.loads(res.stdout)


def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


# ---- add -------------------------------------------------------------------------------------
def test_add_with_flags(ctl):
    r = row(0, uniq("add"))
    out = ctl.ok("customers", "add", *flags(r))
    assert "Created customer" in out.stdout and "password:" in out.stdout
    items = ctl.api().customers()
    assert len(items) == 1
    c = items[0]
    assert c["companyProfile"]["domain"] == "%s.%s" % (r["domain"], SUFFIX)
    assert c["billingProfile"]["companyName"] == r["companyName"]
    assert c["billingProfile"]["defaultAddress"]["addressLine2"] == r["addressLine2"]
    assert c["billingProfile"]["firstName"] == "伟" and c["billingProfile"]["defaultAddress"]["lastName"] == "王"
    assert c["id"] in out.stdout


def test_add_json_shows_credentials_once(ctl):
    j = add(ctl, row(3, uniq("ru")))
    assert j["userCredentials"]["password"] and j["companyProfile"]["organizationRegistrationNumber"] == "1027700132195"


def test_add_from_file_and_flags_override(ctl, tmp_path):
    p = uniq("file")
    body = {"CompanyProfile": {"Domain": p},
            "BillingProfile": {"Email": "it@%s.com" % p, "Culture": "en-US", "Language": "en",
                               "CompanyName": "From File Inc",
                               "DefaultAddress": {"FirstName": "Ann", "LastName": "Lee", "AddressLine1": "1 Way",
                                                  "City": "Redmond", "State": "WA", "PostalCode": "98052",
                                                  "Country": "US"}}}
    f = tmp_path / "body.json"
    f.write_text(json.dumps(body))
    j = json.loads(ctl.ok("customers", "add", "--file", str(f), "--company-name", "Flag Wins", "--json").stdout)
    assert j["billingProfile"]["companyName"] == "Flag Wins"
    assert j["billingProfile"]["defaultAddress"]["city"] == "Redmond"
    j2 = json.loads(ctl.ok("customers", "add", "--file", "-", "--domain", uniq("stdin"), "--json",
                           input=json.dumps(body)).stdout)
    assert j2["billingProfile"]["companyName"] == "From File Inc"


def test_add_errors(ctl, tmp_path):
    r = row(0, uniq("bad"))
    r.update(postalCode="12", email="nope")
    res = ctl.run("customers", "add", *flags(r))
    assert res.returncode == 1
    assert "postalCode" in res.stderr and "e-mail" in res.stderr
    good = row(1, uniq("dup"))
    add(ctl, good)
    res = ctl.run("customers", "add", *flags(good))
    assert res.returncode == 4 and "already taken" in res.stderr
    assert ctl.run("customers", "add").returncode == 2
    f = tmp_path / "x.json"
    f.write_text("[1, 2]")
    assert ctl.run("customers", "add", "--file", str(f)).returncode == 2
    assert ctl.run("customers", "add", "--file", str(tmp_path / "missing.json")).returncode == 2
    assert len(ctl.api().customers()) == 1


def test_add_with_request_id_is_idempotent(ctl):
    r = row(1, uniq("idem"))
    first = ctl.ok("customers", "add", *flags(r), "--request-id", "req-" + r["domain"])
    again = ctl.ok("customers", "add", *flags(r), "--request-id", "req-" + r["domain"])
    assert "Created customer" in first.stdout and "Already created" in again.stdout
    assert "not shown again" in again.stdout
    assert len(ctl.api().customers()) == 1


# ---- show, list, search ------------------------------------------------------------------------
def test_show_by_id_domain_and_prefix(ctl):
    r = row(0, uniq("show"))
    c = add(ctl, r)
    for key in (c["id"], c["id"].upper(), c["companyProfile"]["domain"], r["domain"]):
        out = ctl.ok("customers", "show", key).stdout
        assert c["id"] in out and "康托索" in out and "etag" in out
    j = json.loads(ctl.ok("customers", "show", r["domain"], "--json").stdout)
    assert j["id"] == c["id"] and j["billingProfile"]["attributes"]["etag"]


def test_show_not_found_and_bad_operand(ctl):
    r = ctl.run("customers", "show", "00000000-0000-4000-8000-000000000000")
    assert r.returncode == 3 and "not found" in r.stderr
    r = ctl.run("customers", "show", uniq("nobody"))
    assert r.returncode == 3 and "no customer has the domain" in r.stderr
    assert ctl.run("customers", "show", "not a domain!").returncode == 2


def test_list_table_json_csv(ctl):
    tag = uniq("ls")[:12]
    made = [add(ctl, row(i, tag)) for i in range(4)]
    table = ctl.ok("customers", "list").stdout.splitlines()
    assert table[0].split() == ["id", "domain", "companyName", "email", "country"]
    assert len(table) == 5
    # columns line up in display width, Chinese names included
    starts = [width(ln[:ln.index(m["companyProfile"]["domain"])]) for ln, m in zip(table[1:], made)]
    assert len(set(starts)) == 1
    country_col = [width(ln[:ln.rindex(" ") + 1]) for ln in table[1:]]
    assert len(set(country_col)) == 1, table
    j = json.loads(ctl.ok("customers", "list", "--json").stdout)
    assert [c["id"] for c in j] == [m["id"] for m in made]
    rows = parse_csv(ctl.ok("customers", "list", "--csv").stdout)
    assert list(rows[0].keys()) == COLUMNS
    assert [r["id"] for r in rows] == [m["id"] for m in made]
    assert rows[0]["addressLine2"] == '8层, "A"座' and rows[2]["addressLine1"] == "Hauptstraße 5\nHinterhaus"
    assert len(json.loads(ctl.ok("customers", "list", "--limit", "2", "--json").stdout)) == 2


def test_list_all_pages(ctl):
    tag = uniq("pg")[:12]
    api = ctl.api()
    for i in range(520):
        r = row(1, "%s%d" % (tag, i))
        st, j, _ = api.req("POST", "/v1/customers", {
            "confirmDuplicates": True,  # one company name 520 times
            "companyProfile": {"domain": r["domain"]},
            "billingProfile": {"email": r["email"], "culture": "en-US", "language": "en", "companyName": r["companyName"],
                               "defaultAddress": {"firstName": "A", "lastName": "B", "addressLine1": "1 Way",
                                                  "city": "Redmond", "state": "WA", "postalCode": "98052",
                                                  "country": "US"}}})
        assert st == 201, j
    assert len(json.loads(ctl.ok("customers", "list", "--limit", "0", "--json").stdout)) == 520
    assert len(parse_csv(ctl.ok("customers", "list", "--limit", "510", "--csv").stdout)) == 510
    assert len(ctl.ok("customers", "list").stdout.splitlines()) == 101


def test_table_fits_the_terminal(ctl):
    add(ctl, row(0, uniq("tty")))
    master, slave = pty.openpty()
    env = dict(ctl.env, COLUMNS="60")
    p = subprocess.Popen([CTL, "customers", "list"], stdout=slave, stderr=subprocess.PIPE, env=env, cwd=ctl.home)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    assert p.wait(20 * SLOW) == 0
    os.close(master)
    assert not sanitizer_lines(out.decode() + p.stderr.read().decode()), out
    lines = out.decode().replace("\r", "").splitlines()
    assert len(lines) == 2 and all(width(ln) <= 60 for ln in lines), lines
    assert "…" in lines[1]


def test_search(ctl):
    tag = uniq("sr")[:10]
    cn = add(ctl, row(0, tag + "a"))
    us = add(ctl, row(1, tag + "b"))
    out = ctl.ok("customers", "search", "康托索").stdout
    assert cn["id"] in out and us["id"] not in out
    j = json.loads(ctl.ok("customers", "search", tag + "b", "--by", "domain", "--json").stdout)
    assert [c["id"] for c in j] == [us["id"]]
    j = json.loads(ctl.ok("customers", "search", "ntoso", "--match", "substring", "--json").stdout)
    assert [c["id"] for c in j] == [us["id"]]
    rows = parse_csv(ctl.ok("customers", "search", "CONTOSO", "--csv").stdout)
    assert [r["id"] for r in rows] == [us["id"]]
    assert ctl.ok("customers", "search", "nothing-like-it").stdout.strip() == "(no customers)"


def test_search_as_chinese_users_type(ctl):
    """Issue 18: the value goes to the server as typed; pinyin and initials with --match
    substring, Traditional characters and full-width letters either way."""
    tag = uniq("py")[:10]
    r = row(0, tag)
    r["companyName"] = "北京云端科技有限公司"
    cn = add(ctl, r)
    for args in (["bjyd", "--match", "substring"], ["beijing yunduan", "--match", "substring"],
                 ["北京yd", "--match", "substring"], ["北京雲端"], ["ｂｊｙｄ", "--match", "substring"]):
        j = json.loads(ctl.ok("customers", "search", *args, "--json").stdout)
        assert [c["id"] for c in j] == [cn["id"]], args
    assert ctl.ok("customers", "search", "shanghai", "--match", "substring").stdout.strip() == "(no customers)"


# ---- update ----------------------------------------------------------------------------------
def billing(ctl, cid):
    st, j, _ = ctl.api().req("GET", "/v1/customers/%s/profiles/billing" % cid)
    assert st == 200
    return j


def test_update_fetches_etag(ctl):
    r = row(0, uniq("up"))
    c = add(ctl, r)
    out = ctl.ok("customers", "update", r["domain"], "--city", "上海", "--state", "上海市", "--postal-code", "200000",
                 "--address-line2", "")
    assert "Updated" in out.stdout
    b = billing(ctl, c["id"])
    a = b["defaultAddress"]
    assert (a["city"], a["state"], a["postalCode"]) == ("上海", "上海市", "200000")
    assert "addressLine2" not in a and b["companyName"] == r["companyName"]
    j = json.loads(ctl.ok("customers", "update", c["id"], "--first-name", "芳", "--json").stdout)
    assert j["firstName"] == "芳" and j["defaultAddress"]["firstName"] == "芳"
    assert j["attributes"]["etag"] != b["attributes"]["etag"]


def test_update_stale_etag_conflict_and_retry(ctl):
    r = row(1, uniq("stale"))
    c = add(ctl, r)
    before = billing(ctl, c["id"])
    res = ctl.run("customers", "update", c["id"], "--city", "Seattle", "--if-match", "stale-etag")
    assert res.returncode == 4 and "etag" in res.stderr
    assert billing(ctl, c["id"]) == before
    res = ctl.ok("customers", "update", c["id"], "--city", "Seattle", "--if-match", "stale-etag", "--retries", "1")
    assert "reading it again" in res.stderr
    assert billing(ctl, c["id"])["defaultAddress"]["city"] == "Seattle"
    ok = ctl.ok("customers", "update", c["id"], "--city", "Tacoma", "--if-match", billing(ctl, c["id"])["attributes"]["etag"])
    assert ok.returncode == 0


def test_update_errors(ctl, tmp_path):
    r = row(0, uniq("ue"))
    c = add(ctl, r)
    res = ctl.run("customers", "update", c["id"], "--postal-code", "12")
    assert res.returncode == 1 and "postalCode" in res.stderr
    assert ctl.run("customers", "update", "00000000-0000-4000-8000-000000000000", "--city", "x").returncode == 3
    assert ctl.run("customers", "update", c["id"]).returncode == 2
    f = tmp_path / "b.json"
    f.write_text(json.dumps({"companyName": "从文件", "email": "new@%s.cn" % r["domain"]}))
    ctl.ok("customers", "update", c["id"], "--file", str(f))
    b = billing(ctl, c["id"])
    assert b["companyName"] == "从文件" and b["email"].startswith("new@")


# ---- check-domain ------------------------------------------------------------------------------
def test_check_domain(ctl):
    r = row(1, uniq("cd"))
    add(ctl, r)
    res = ctl.run("customers", "check-domain", r["domain"])
    assert res.returncode == 4 and "taken" in res.stdout
    res = ctl.run("customers", "check-domain", "%s.%s" % (r["domain"].upper(), SUFFIX), "--json")
    assert res.returncode == 4 and json.loads(res.stdout)["available"] is False
    free = uniq("free")
    res = ctl.ok("customers", "check-domain", free, "--json")
    assert json.loads(res.stdout) == {"domain": "%s.%s" % (free, SUFFIX), "available": True}
    assert "available" in ctl.ok("customers", "check-domain", free).stdout
    assert ctl.run("customers", "check-domain", "no spaces").returncode == 2


# ---- export ------------------------------------------------------------------------------------
def test_export_all_and_filtered(ctl, tmp_path):
    tag = uniq("ex")[:10]
    made = [add(ctl, row(i, tag)) for i in range(6)]
    res = ctl.ok("customers", "export")
    rows = parse_csv(res.stdout)
    assert [r["id"] for r in rows] == [m["id"] for m in made]
    assert "exported 6 customers" in res.stderr
    assert rows[3]["organizationRegistrationNumber"] == "1027700132195"
    out = tmp_path / "cn.csv"
    ctl.ok("customers", "export", "--filter", "康托索", "--output", str(out))
    with open(out, encoding="utf-8") as f:
        assert [r["id"] for r in parse_csv(f.read())] == [made[0]["id"], made[4]["id"]]
    res = ctl.ok("customers", "export", "--filter", "müller", "--match", "substring")
    assert [r["id"] for r in parse_csv(res.stdout)] == [made[2]["id"]]


def test_export_neutralises_formulas_and_import_reads_them_back(ctl, make_server, tmp_path):
    """OWASP's CSV injection rule: a cell starting with = + - @ TAB or CR is written as "'..."
    so a spreadsheet shows it as text; importing the export gives back the very same values."""
    tag = uniq("fx")[:12]
    evil = [row(0, tag), row(1, tag), row(3, tag)]
    evil[0].update(companyName="=cmd|' /C calc'!A0", city="=1+2", addressLine2="@SUM(1+1)*cmd|' /C calc'!A0")
    # in a file, "'=x" is how a spreadsheet-safe "=x" is written: import takes the ' off
    evil[1].update(companyName="-2+3", addressLine2="''=quoted before", lastName="+Lee")
    evil[2].update(companyName="'s-Hertogenbosch Trading")  # a quote not before a formula stays as it is
    src = write_csv(str(tmp_path / "evil.csv"), evil)
    ctl.ok("customers", "import", src, "--quiet")
    stored = {c["companyProfile"]["domain"]: c["billingProfile"] for c in ctl.api().customers()}
    assert {b["companyName"] for b in stored.values()} == {r["companyName"] for r in evil}
    assert stored["%s.%s" % (evil[1]["domain"], SUFFIX)]["defaultAddress"]["addressLine2"] == "'=quoted before"
    evil[1]["addressLine2"] = "'=quoted before"

    out = tmp_path / "export.csv"
    ctl.ok("customers", "export", "--output", str(out))
    text = out.read_text(encoding="utf-8")
    assert "\"'=cmd|' /C calc'!A0\"" in text and "\"'=1+2\"" in text, text
    assert "\"'@SUM(1+1)*cmd|' /C calc'!A0\"" in text and "\"'-2+3\"" in text and "\"'+Lee\"" in text, text
    assert "\"''=quoted before\"" in text, text
    assert ",'s-Hertogenbosch Trading," in text, text  # not formula-like: written as it is
    for r in parse_csv(text):
        assert not [v for v in r.values() if v.startswith(("=", "+", "-", "@", "\t", "\r"))], r
    listed = ctl.ok("customers", "list", "--csv").stdout
    assert "\"'=cmd|' /C calc'!A0\"" in listed, listed

    other = make_server(env={"PARTNERD_RATE_LIMIT": "0"})
    b = Ctl(other).login()
    b.ok("customers", "import", str(out), "--quiet")
    by_domain = {c["companyProfile"]["domain"]: c for c in b.api().customers()}
    for r in evil:
        c = by_domain["%s.%s" % (r["domain"], SUFFIX)]
        a = c["billingProfile"]["defaultAddress"]
        assert c["companyProfile"]["companyName"] == r["companyName"]
        assert (a["city"], a.get("addressLine2"), a["lastName"]) == (r["city"], r.get("addressLine2"), r["lastName"])
    again = tmp_path / "again.csv"
    b.ok("customers", "export", "--output", str(again))
    strip = lambda rows: sorted(tuple(v for k, v in x.items() if k != "id") for x in rows)  # noqa: E731
    assert strip(read_csv(str(out))) == strip(read_csv(str(again)))


# ---- China: USCC and fapiao details (#18) -----------------------------------------------------
FAPIAO_FLAGS = ["--fapiao-invoice-type", "special", "--fapiao-digital", "true",
                "--fapiao-registered-address", "北京市海淀区中关村大街1号", "--fapiao-registered-phone",
                "010-62345678", "--fapiao-bank-name", "中国工商银行", "--fapiao-bank-account",
                "0200 0045 0920 1234 567", "--fapiao-recipient-mobile", "13800138000"]


def test_add_show_update_fapiao(ctl):
    r = row(0, uniq("fp"))
    j = add(ctl, r, "--organization-registration-number", "91110000600037341l", *FAPIAO_FLAGS)
    f = j["billingProfile"]["fapiao"]
    assert j["companyProfile"]["organizationRegistrationNumber"] == "91110000600037341L"
    assert f["digital"] is True and f["bankAccount"] == "0200004509201234567", f
    assert f["taxpayerId"] == "91110000600037341L" and f["title"] == r["companyName"], f
    shown = ctl.ok("customers", "show", r["domain"]).stdout
    lines = {ln.split(None, 1)[0]: ln.split(None, 1)[1].strip() for ln in shown.splitlines() if " " in ln.strip()}
    assert lines["fapiaoInvoiceType"] == "special" and lines["fapiaoDigital"] == "true", shown
    assert lines["fapiaoBankAccount"] == "0200004509201234567", shown
    assert lines["organizationRegistrationNumber"] == "91110000600037341L", shown
    ctl.ok("customers", "update", r["domain"], "--fapiao-digital", "FALSE", "--fapiao-bank-account",
           "6222-0212-3456-7890", "--fapiao-recipient-email", "fp@yd.cn")
    f = ctl.api().customers()[0]["billingProfile"]["fapiao"]
    assert f["digital"] is False and f["bankAccount"] == "6222021234567890" and f["recipientEmail"] == "fp@yd.cn", f
    assert f["invoiceType"] == "special", "the rest of the fapiao is kept"
    shown = json.loads(ctl.ok("customers", "show", r["domain"], "--json").stdout)
    assert shown["billingProfile"]["fapiao"] == f


def test_update_file_removes_fapiao(ctl, tmp_path):
    r = row(0, uniq("fpr"))
    add(ctl, r, "--organization-registration-number", "91110000600037341L", *FAPIAO_FLAGS)
    body = tmp_path / "nofp.json"
    body.write_text('{"fapiao": null}')
    ctl.ok("customers", "update", r["domain"], "--file", str(body))
    assert "fapiao" not in ctl.api().customers()[0]["billingProfile"]


def test_update_fapiao_errors_name_the_field(ctl):
    r = row(0, uniq("fpe"))
    add(ctl, r, "--organization-registration-number", "91110000600037341L")
    res = ctl.run("customers", "update", r["domain"], "--fapiao-digital", "maybe")
    assert res.returncode == 1 and "billingProfile.fapiao.digital" in res.stderr, res.stderr
    res = ctl.run("customers", "update", r["domain"], "--fapiao-invoice-type", "special")
    assert res.returncode == 1 and "billingProfile.fapiao.bankAccount" in res.stderr, res.stderr
    assert "fapiao" not in ctl.api().customers()[0]["billingProfile"], "nothing half-written"
    res = ctl.run("customers", "add", *flags(row(1, uniq("fpus"))), "--fapiao-title", "X")
    assert res.returncode == 1 and "billingProfile.fapiao" in res.stderr, res.stderr


def test_export_import_keeps_fapiao(ctl, make_server, tmp_path):
    r = row(0, uniq("fpx"))
    add(ctl, r, "--organization-registration-number", "91350100M000100Y43", *FAPIAO_FLAGS)
    out = tmp_path / "out.csv"
    ctl.ok("customers", "export", "--output", str(out))
    rows = read_csv(out)
    assert list(rows[0].keys()) == COLUMNS
    assert rows[0]["fapiaoBankAccount"] == "0200004509201234567" and rows[0]["fapiaoDigital"] == "true"
    assert rows[0]["fapiaoTaxpayerId"] == "91350100M000100Y43"
    other = Ctl(make_server()).login()
    other.ok("customers", "import", str(out), "--quiet")
    f = other.api().customers()[0]["billingProfile"]["fapiao"]
    assert f["bankAccount"] == "0200004509201234567" and f["digital"] is True and f["invoiceType"] == "special"
