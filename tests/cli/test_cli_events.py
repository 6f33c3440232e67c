"""`partnerctl events tail` (docs/cli.md, docs/events.md): prints the partner's change feed as
it comes (from now, --after N or --from-start; one line or, with --json, one JSON object per
event), stops at --count N or with --no-follow at the end, and survives a server restart:
it says so on stderr, retries with backoff and resumes after the last cursor it printed, so
nothing is missed and nothing printed twice."""
import json
import time

import clitools
from clitools import Ctl, SLOW


def body(tag):
    return {"confirmDuplicates": True, "companyProfile": {"domain": "%s.%s" % (tag, clitools.SUFFIX)},
            "billingProfile": {"email": "it@%s.cn" % tag, "culture": "zh-CN", "language": "zh",
                               "companyName": "事件%s有限公司" % tag[-6:], "firstName": "伟", "lastName": "王",
                               "defaultAddress": {"firstName": "伟", "lastName": "王", "addressLine1": "海淀区1号",
                                                  "city": "北京", "state": "北京市", "postalCode": "100080",
                                                  "country": "CN", "phoneNumber": "13800138000"}}}


def create(ctl):
    st, j, _ = ctl.api().req("POST", "/v1/customers", body(clitools.uniq("ev")))
    assert st == 201, j
    return j["id"]


def feed(ctl):
    st, j, _ = ctl.api().req("GET", "/v1/events?after=0&size=500")
    assert st == 200, j
    return j["items"]


def lines_of(proc, timeout=20):
    out, err = proc.communicate(timeout=timeout * SLOW)
    return proc.returncode, [ln for ln in out.splitlines() if ln], err


def test_tail_follows_from_now_and_prints_json_lines(ctl):
    create(ctl)  # before the tail starts: not printed
    p = ctl.popen("events", "tail", "--json", "--count", "3")
    time.sleep(1.0 * SLOW)
    made = [create(ctl) for _ in range(3)]
    rc, lines, err = lines_of(p)
    assert rc == 0, err
    got = [json.loads(ln) for ln in lines]
    assert [e["resourceUri"] for e in got] == ["/v1/customers/" + i for i in made], got
    assert {e["eventName"] for e in got} == {"customer-created"}
    assert got == feed(ctl)[-3:], "the events as the API has them"


def test_from_start_and_after_without_following(ctl):
    made = [create(ctl) for _ in range(3)]
    r = ctl.ok("events", "tail", "--from-start", "--no-follow")
    lines = r.stdout.splitlines()
    assert len(lines) == 3 and all("customer-created" in ln for ln in lines), r.stdout
    assert [ln.split()[-1] for ln in lines] == ["/v1/customers/" + i for i in made]
    first = feed(ctl)[0]["cursor"]
    assert lines[0].split()[0] == str(first)
    r = ctl.ok("events", "tail", "--after", str(first), "--no-follow", "--json")
    assert [json.loads(ln)["resourceUri"] for ln in r.stdout.splitlines()] == ["/v1/customers/" + i for i in made[1:]]
    r = ctl.ok("events", "tail", "--from-start", "--count", "2")
    assert len(r.stdout.splitlines()) == 2


def test_bad_options_exit_2(ctl):
    for args in (["--after", "x"], ["--after", "-1"], ["--count", "0"], ["--after", "1", "--from-start"]):
        r = ctl.run("events", "tail", *args)
        assert r.returncode == 2 and "events tail" in r.stderr and args[0] in r.stderr, (args, r.stderr)


def test_refusals_end_it_with_the_servers_message(anon):
    r = anon.run("events", "tail", "--no-follow")
    assert r.returncode != 0 and "login" in r.stderr, r.stderr


def restart_on_the_same_port(s):
    port = s.port
    s.stop()
    time.sleep(1.5)  # the tail notices and retries meanwhile
    real = clitools.free_port
    clitools.free_port = lambda: port
    try:
        s.start()
    finally:
        clitools.free_port = real


def test_tail_survives_a_server_restart_and_resumes_after_its_cursor(make_server):
    s = make_server()
    ctl = Ctl(s).login()
    p = ctl.popen("events", "tail", "--json", "--count", "3")
    time.sleep(1.0 * SLOW)
    first = create(ctl)
    time.sleep(0.5)
    restart_on_the_same_port(s)
    later = [create(ctl), create(ctl)]
    rc, lines, err = lines_of(p, timeout=40)
    assert rc == 0, err
    got = [json.loads(ln)["resourceUri"] for ln in lines]
    assert got == ["/v1/customers/" + i for i in [first] + later], (got, err)
    assert "retrying" in err and "answers again" in err, err


def test_help_names_the_command(anon):
    r = anon.ok("events", "tail", "--help")
    assert r.stdout.startswith("usage: partnerctl events tail") and "--from-start" in r.stdout
    assert "events tail" in anon.ok("completion", "bash").stdout
    assert "events tail" in anon.ok("--man").stdout
