"""customers import (and export) against a real partnerd: validate-first with every error by row
and column, --skip-invalid with a rejects file, the 0600 credentials file, idempotent reruns,
interrupted (SIGINT, SIGKILL) and resumed imports without duplicates, export -> import into
another deployment -> export equality, rate limiting, and the CSV details."""
import csv
import json
import os
import pty
import signal
import stat
import subprocess
import time

import pytest

from clitools import COLUMNS, CTL, SLOW, SUFFIX, Ctl, read_csv, row, sanitizer_lines, uniq, uscc, write_csv


def domain(prefix):
    return ("%s.%s" % (prefix, SUFFIX)).lower()


def corrupt(rows):
    """Makes rows invalid in every way the check knows; returns {file row: column}."""
    bad = {}

    def spoil(i, col, value):
        rows[i][col] = value
        bad[i + 2] = col

    for k in range(0, len(rows) - 400, 800):  # k % 4 == 0: row k is CN, k+1 US, k+2 DE, k+3 RU
        spoil(k + 4, "postalCode", "12")             # CN: 6 digits
        spoil(k + 5, "email", "not-an-email")
        spoil(k + 6, "domain", "bad_domain%d" % k)
        spoil(k + 9, "country", "XX")
        spoil(k + 11, "phoneNumber", "")             # RU: phone required
        spoil(k + 16, "state", "火星")                # CN: not a province
        spoil(k + 17, "companyName", "")
        spoil(k + 20, "culture", "fr-FR")            # not a CN culture
        spoil(k + 22, "firstName", "x" * 51)
        spoil(k + 30, "domain", rows[k + 29]["domain"].upper())  # duplicate of the row before
        spoil(k + 34, "organizationRegistrationNumber", "123")   # refused outside the list
    return bad


def summary(r):
    return json.loads(r.stdout)


def creds(path):
    return read_csv(path)


def journal_rows(path):
    try:
        with open(path, encoding="utf-8") as f:
            return max(0, sum(1 for ln in f if ln.endswith("\n")) - 1)
    except FileNotFoundError:
        return 0


# ---- validate first, skip invalid, credentials, rejects, rerun -----------------------------------
def test_import_10000_rows_with_invalid_ones(ctl, tmp_path):
    tag = uniq("big")[:14]
    rows = [row(i, tag) for i in range(10000)]
    bad = corrupt(rows)
    path = write_csv(str(tmp_path / "customers.csv"), rows)
    api = ctl.api()

    r = ctl.run("customers", "import", path, "--quiet")
    assert r.returncode == 1
    for n, col in bad.items():
        assert "row %d, column %s:" % (n, col) in r.stderr, (n, col)
    assert "%d of 10000 rows are invalid; nothing was imported" % len(bad) in r.stderr
    assert api.customers() == []
    assert not os.path.exists(path + ".credentials.csv") and not os.path.exists(path + ".partnerctl-journal")

    r = ctl.run("customers", "import", path, "--dry-run", "--json")
    assert r.returncode == 1 and summary(r)["invalid"] == len(bad) and api.customers() == []

    r = ctl.ok("customers", "import", path, "--skip-invalid", "--json", timeout=120)
    s = summary(r)
    valid = [x for i, x in enumerate(rows) if i + 2 not in bad]
    assert (s["rows"], s["created"], s["invalid"], s["rejected"], s["complete"]) == (10000, len(valid), len(bad), 0, True)
    assert api.domains() == sorted(domain(x["domain"]) for x in valid)

    cpath = path + ".credentials.csv"
    assert stat.S_IMODE(os.stat(cpath).st_mode) == 0o600
    cr = creds(cpath)
    assert sorted(c["domain"] for c in cr) == api.domains()
    assert all(c["userName"] == "admin@" + c["domain"] and len(c["password"]) >= 12 for c in cr)
    assert len({c["password"] for c in cr}) == len(cr)

    rejects = read_csv(path + ".rejects.csv")
    assert list(rejects[0].keys()) == COLUMNS + ["reason"]
    assert len(rejects) == len(bad)
    for rej, (n, col) in zip(rejects, sorted(bad.items())):
        assert rej["companyName"] == rows[n - 2]["companyName"] and rej["domain"] == rows[n - 2]["domain"]
        assert col in rej["reason"] or "also in row" in rej["reason"], rej["reason"]
    assert not os.path.exists(path + ".partnerctl-journal")

    # a rerun creates nothing twice: the same request ids are replayed
    r = ctl.ok("customers", "import", path, "--skip-invalid", "--json", timeout=120)
    s = summary(r)
    assert (s["created"], s["existed"]) == (0, len(valid))
    assert len(api.customers()) == len(valid)
    assert len(creds(cpath)) == len(valid)


# ---- interrupted and resumed ------------------------------------------------------------------
def interrupt(ctl, path, sig, after_rows=300):
    p = ctl.popen("customers", "import", path, "--quiet")
    jpath = path + ".partnerctl-journal"
    deadline = time.time() + 60 * SLOW
    while journal_rows(jpath) < after_rows and p.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    assert p.poll() is None, "the import ended before it could be interrupted"
    p.send_signal(sig)
    out, err = p.communicate(timeout=60 * SLOW)
    assert not sanitizer_lines(err), err[-6000:]
    return p.returncode, err, journal_rows(jpath)


def test_sigint_then_resume(ctl, tmp_path):
    tag = uniq("int")[:14]
    rows = [row(i, tag) for i in range(6000)]
    path = write_csv(str(tmp_path / "c.csv"), rows)
    rc, err, done = interrupt(ctl, path, signal.SIGINT)
    assert rc == 130 and "interrupted" in err and "run the same command again" in err
    assert 0 < done < len(rows)
    assert len(creds(path + ".credentials.csv")) == done  # every finished row has its password
    assert len(ctl.api().customers()) == done            # in-flight rows finished before exiting

    s = summary(ctl.ok("customers", "import", path, "--json", timeout=120))
    assert s["complete"] and s["earlier"] == done and s["existed"] == 0 and s["created"] == len(rows) - done
    api = ctl.api()
    assert api.domains() == sorted(domain(x["domain"]) for x in rows)
    cr = creds(path + ".credentials.csv")
    assert len(cr) == len(rows) and len({c["domain"] for c in cr}) == len(rows)
    assert not os.path.exists(path + ".partnerctl-journal")


def test_sigkill_then_resume(ctl, tmp_path):
    tag = uniq("kil")[:14]
    rows = [row(i, tag) for i in range(6000)]
    path = write_csv(str(tmp_path / "c.csv"), rows)
    rc, _, done = interrupt(ctl, path, signal.SIGKILL)
    assert rc == -signal.SIGKILL and 0 < done < len(rows)

    s = summary(ctl.ok("customers", "import", path, "--json", timeout=120))
    assert s["complete"] and s["rejected"] == 0
    assert s["earlier"] == done and s["created"] + s["existed"] + done == len(rows)
    assert s["existed"] <= 16  # only rows that were in flight when the first run died
    api = ctl.api()
    assert len(api.customers()) == len(rows)
    assert api.domains() == sorted(domain(x["domain"]) for x in rows)
    cr = creds(path + ".credentials.csv")
    assert len(cr) == len(rows) - s["existed"] and len({c["domain"] for c in cr}) == len(cr)


# ---- round trip -------------------------------------------------------------------------------
def tricky_rows(tag, n):
    rows = [row(i, tag) for i in range(n)]
    rows[0].update(companyName='Quotes "and", commas', addressLine2="line\r\nbreak")
    rows[4].update(state="Guangdong", country="cn", city="广州", postalCode="510000")  # canonicalised
    rows[8].update(companyName="  spaces around  ", addressLine2="x" * 200)
    rows[12].update(companyName="日本語の会社・한국어 회사", lastName="Ölçer")
    return rows


def test_export_import_roundtrip_between_deployments(ctl, make_server, tmp_path):
    other = make_server(env={"PARTNERD_RATE_LIMIT": "0"})
    b = Ctl(other).login()
    src = write_csv(str(tmp_path / "src.csv"), tricky_rows(uniq("rt")[:14], 240))
    ctl.ok("customers", "import", src, "--quiet")
    first = str(tmp_path / "a.csv")
    ctl.ok("customers", "export", "--output", first)
    b.ok("customers", "import", first, "--quiet")
    second = str(tmp_path / "b.csv")
    b.ok("customers", "export", "--output", second)

    def strip(rows):
        return sorted((tuple(v for k, v in r.items() if k != "id") for r in rows))

    a_rows, b_rows = read_csv(first), read_csv(second)
    assert len(a_rows) == 240 and strip(a_rows) == strip(b_rows)
    assert {r["id"] for r in a_rows}.isdisjoint({r["id"] for r in b_rows})
    gd = [r for r in a_rows if r["city"] == "广州"][0]
    assert (gd["state"], gd["country"]) == ("广东省", "CN")
    assert any(r["addressLine2"] == "line\r\nbreak" for r in b_rows)
    assert any(r["companyName"] == "日本語の会社・한국어 회사" for r in b_rows)


# ---- the file itself -------------------------------------------------------------------------
def test_columns_any_order_bom_crlf_and_ignored_id(ctl, tmp_path):
    tag = uniq("ord")[:14]
    cols = list(reversed(COLUMNS))
    rows = [dict(row(i, tag), id="ignored-%d" % i) for i in range(5)]
    path = str(tmp_path / "r.csv")
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        w = csv.DictWriter(f, cols, lineterminator="\r\n")
        w.writeheader()
        w.writerows(rows)
    s = summary(ctl.ok("customers", "import", path, "--json"))
    assert s["created"] == 5
    assert ctl.api().domains() == sorted(domain(x["domain"]) for x in rows)


@pytest.mark.parametrize("header, words", [
    ("domain,companyName,colour,size", "unknown columns: colour, size"),
    ("companyName,email", "the column domain is missing"),
    ("domain,domain", "appears twice"),
])
def test_header_errors(ctl, tmp_path, header, words):
    path = tmp_path / "h.csv"
    path.write_text(header + "\nx,y,z,w\n")
    r = ctl.run("customers", "import", str(path))
    assert r.returncode == 2 and words in r.stderr


def test_file_errors(ctl, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert ctl.run("customers", "import", str(empty)).returncode == 2
    assert ctl.run("customers", "import", str(tmp_path / "missing.csv")).returncode == 2
    broken = tmp_path / "broken.csv"
    rows = [row(i, uniq("brk")[:14]) for i in range(3)]
    write_csv(str(broken), rows)
    with open(broken, "ab") as f:
        f.write(b'x,"never closed\n')
    r = ctl.run("customers", "import", str(broken))
    assert r.returncode == 1 and "row 5: a quoted field is never closed" in r.stderr
    bad_utf8 = tmp_path / "utf8.csv"
    write_csv(str(bad_utf8), rows)
    data = bad_utf8.read_bytes().replace(rows[1]["companyName"].encode(), b"Caf\xe9")
    bad_utf8.write_bytes(data)
    r = ctl.run("customers", "import", str(bad_utf8))
    assert r.returncode == 1 and "row 3, column companyName: companyName is not valid UTF-8" in r.stderr


def test_messages_follow_the_locale(ctl, tmp_path):
    rows = [row(0, uniq("loc")[:14])]
    rows[0]["postalCode"] = "12"
    path = write_csv(str(tmp_path / "l.csv"), rows)
    r = ctl.run("customers", "import", path, env={"LANG": "zh_CN.UTF-8"})
    assert r.returncode == 1 and "row 2, column postalCode: postalCode 不符合" in r.stderr, r.stderr


# ---- the server says no ------------------------------------------------------------------------
def test_taken_domains_are_rejected_with_reasons(ctl, tmp_path):
    tag = uniq("tk")[:14]
    rows = [row(i, tag) for i in range(20)]
    other = Ctl(ctl.server).login()  # another partner takes three of the domains first
    other.ok("customers", "import", write_csv(str(tmp_path / "pre.csv"), rows[5:8]), "--quiet")
    path = write_csv(str(tmp_path / "c.csv"), rows)
    r = ctl.run("customers", "import", path, "--json")
    s = summary(r)
    assert r.returncode == 1 and (s["created"], s["rejected"], s["complete"]) == (17, 3, True)
    rejects = read_csv(path + ".rejects.csv")
    # rows are created concurrently: rejects are written as answers arrive, in no set order
    assert sorted(x["domain"] for x in rejects) == sorted(x["domain"] for x in rows[5:8])
    assert all("already taken" in x["reason"] for x in rejects)
    assert not os.path.exists(path + ".partnerctl-journal")
    assert len(ctl.api().customers()) == 17


def test_refused_token_stops_and_keeps_the_journal(ctl, tmp_path):
    path = write_csv(str(tmp_path / "c.csv"), [row(i, uniq("tok")[:14]) for i in range(50)])
    r = ctl.run("customers", "import", path, env={"PARTNERCTL_TOKEN": "bogus"})
    assert r.returncode == 1 and "partnerctl login" in r.stderr and "not complete" in r.stderr
    assert os.path.exists(path + ".partnerctl-journal") and ctl.api().customers() == []
    s = summary(ctl.ok("customers", "import", path, "--json"))
    assert s["created"] == 50


def test_journal_of_another_server(ctl, make_server, tmp_path):
    path = write_csv(str(tmp_path / "c.csv"), [row(i, uniq("js")[:14]) for i in range(30)])
    with open(path + ".partnerctl-journal", "w") as f:
        f.write("partnerctl-import-journal 1\thttp://elsewhere:1\n")
    r = ctl.run("customers", "import", path)
    assert r.returncode == 2 and "is not the journal of an import into" in r.stderr
    assert ctl.api().customers() == []


def test_rate_limited_server(make_server, tmp_path):
    slow = make_server(env={"PARTNERD_RATE_LIMIT": "60"})
    c = Ctl(slow).login()
    rows = [row(i, uniq("rl")[:14]) for i in range(260)]
    path = write_csv(str(tmp_path / "c.csv"), rows)
    s = summary(c.ok("customers", "import", path, "--json", timeout=120))
    assert (s["created"], s["rejected"], s["complete"]) == (260, 0, True)
    assert len(c.api().customers()) == 260


# ---- progress ------------------------------------------------------------------------------------
def test_progress_bar_on_a_terminal(ctl, tmp_path):
    path = write_csv(str(tmp_path / "c.csv"), [row(i, uniq("tty")[:14]) for i in range(1500)])
    master, slave = pty.openpty()
    p = subprocess.Popen([CTL, "customers", "import", path], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=slave, env=dict(ctl.env, COLUMNS="100"), cwd=ctl.home)
    os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    assert p.wait(60 * SLOW) == 0
    os.close(master)
    text = err.decode()
    assert not sanitizer_lines(text), text[-6000:]
    assert "\rimport [" in text and "1500/1500" in text and "/s" in text and "100%" in text
    assert "1500 created" in text


def test_plain_progress_without_a_terminal(ctl, tmp_path):
    path = write_csv(str(tmp_path / "c.csv"), [row(i, uniq("pl")[:14]) for i in range(300)])
    r = ctl.ok("customers", "import", path)
    assert "\r" not in r.stderr and "import: 300/300" in r.stderr


# ---- --check: the server's validateOnly on every row (#18) -------------------------------------
def test_import_check_is_a_full_preview(make_server, tmp_path):
    srv = make_server(env={"PARTNERD_REQUIRE_USCC": "1", "PARTNERD_RATE_LIMIT": "0"})
    ctl = Ctl(srv).login()
    tag = uniq("chk")[:14]
    rows = [row(i, tag) for i in range(12)]
    for i in range(0, 12, 4):  # the CN rows carry a USCC and fapiao details
        rows[i].update(organizationRegistrationNumber=uscc(int(time.time() * 1000) % 10**8 * 10 + i),
                       fapiaoInvoiceType="ordinary",
                       fapiaoRecipientEmail="fp@%s.cn" % rows[i]["domain"])
    taken = dict(rows[1], domain=uniq("tkn")[:20], companyName="Taken Domain %s Inc." % tag)  # not a duplicate
    ctl.ok("customers", "add", *sum((["--" + "".join("-" + c.lower() if c.isupper() else c for c in k), v]
                                     for k, v in taken.items() if v), []))
    rows[5]["domain"] = taken["domain"]                      # only the server knows it is taken
    rows[4].update(organizationRegistrationNumber="", fapiaoInvoiceType="", fapiaoRecipientEmail="")
    #              ^ --require-uscc: only the server knows
    rows[8]["fapiaoBankAccount"] = "12"                       # caught by both
    path = write_csv(str(tmp_path / "check.csv"), rows)
    api = ctl.api()
    before = api.domains()

    r = ctl.run("customers", "import", path, "--dry-run", "--json")
    assert r.returncode == 1 and summary(r)["invalid"] == 1, r.stderr  # the local check sees one
    r = ctl.run("customers", "import", path, "--check", "--json")
    assert r.returncode == 1, r.stderr
    assert summary(r)["invalid"] == 3 and summary(r)["created"] == 0, r.stdout
    assert "row 7:" in r.stderr and rows[5]["domain"].lower() in r.stderr, r.stderr
    assert "row 6:" in r.stderr and "organizationRegistrationNumber" in r.stderr, r.stderr
    assert "row 10, column fapiaoBankAccount" in r.stderr, r.stderr
    assert api.domains() == before, "a check creates nothing"
    assert not os.path.exists(path + ".credentials.csv") and not os.path.exists(path + ".partnerctl-journal")

    # fixed, the check passes and the import then creates every row
    rows[5]["domain"], rows[4]["organizationRegistrationNumber"] = uniq("fix")[:20], uscc(int(time.time() * 1000) % 10**8 * 10 + 9)
    rows[8]["fapiaoBankAccount"] = "6222021234567890"
    write_csv(path, rows)
    r = ctl.run("customers", "import", path, "--check", "--json")
    assert r.returncode == 0 and summary(r)["invalid"] == 0, r.stderr
    assert api.domains() == before
    ctl.ok("customers", "import", path, "--quiet")
    assert len(api.domains()) == len(before) + 12
    fp = [c["billingProfile"]["fapiao"] for c in api.customers() if "fapiao" in c["billingProfile"]]
    assert len(fp) == 2 and {f["bankAccount"] for f in fp if "bankAccount" in f} == {"6222021234567890"}


def test_import_check_needs_a_session(anon, tmp_path):
    path = write_csv(str(tmp_path / "c.csv"), [row(0, uniq("ns"))])
    r = anon.run("customers", "import", path, "--check")
    assert r.returncode != 0 and r.stderr, r


# ---- possible duplicates (issue 18) --------------------------------------------------------------
def test_possible_duplicates_are_reported_in_the_validation_pass(ctl, tmp_path):
    tag = uniq("dup")[:14]
    rows = [row(i, tag) for i in range(8)]
    rows[5]["companyName"] = "康托索0（北京）科技股份有限公司"  # row 2's name, another legal form
    rows[6]["companyName"] = "CONTOSO 1 LTD"                    # row 3's (Contoso 1, Inc.)
    path = write_csv(str(tmp_path / "d.csv"), rows)
    r = ctl.run("customers", "import", path, "--dry-run")
    assert r.returncode == 1, r.stderr
    assert "row 7, column companyName: companyName: a possible duplicate of row 2" in r.stderr, r.stderr
    assert "row 8, column companyName: companyName: a possible duplicate of row 3" in r.stderr, r.stderr
    assert "2 invalid" in r.stderr
    z = ctl.run("customers", "import", path, "--dry-run", env={"LANG": "zh_CN.UTF-8"})
    assert "可能与第 2 行重复" in z.stderr, z.stderr
    assert ctl.ok("customers", "import", path, "--dry-run", "--confirm-duplicates").returncode == 0


def test_rows_like_existing_customers_are_rejected_unless_confirmed(ctl, tmp_path):
    tag = uniq("dx")[:14]
    rows = [row(i, tag) for i in range(6)]
    first = write_csv(str(tmp_path / "first.csv"), rows[:2])
    ctl.ok("customers", "import", first, "--quiet")
    again = [dict(r, domain=r["domain"] + "b") for r in rows[:2]] + rows[2:]
    path = write_csv(str(tmp_path / "again.csv"), again)
    r = ctl.run("customers", "import", path, "--json")
    s = summary(r)
    assert r.returncode == 1 and (s["created"], s["rejected"]) == (4, 2), (s, r.stderr)
    rejects = read_csv(path + ".rejects.csv")
    assert sorted(x["domain"] for x in rejects) == sorted(x["domain"] for x in again[:2])
    assert all("same company name" in x["reason"] for x in rejects), rejects
    ids = {c["companyProfile"]["domain"].split(".")[0]: c["id"] for c in ctl.api().customers()}
    for x in rejects:  # the reason names the existing customer to look at
        assert x["reason"].endswith("Candidates: " + ids[x["domain"][:-1]]), x
    path2 = write_csv(str(tmp_path / "confirmed.csv"), again[:2])
    s2 = summary(ctl.ok("customers", "import", path2, "--json", "--confirm-duplicates"))
    assert s2["created"] == 2, s2
    assert len(ctl.api().customers()) == 8
