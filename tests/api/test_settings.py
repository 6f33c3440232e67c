"""partnerd's settings: one typed table (src/bin/settings.c) for every command.  A bad value,
from a flag or from the environment, stops partnerd with exit status 2 and a message naming
the flag (or variable) and what it allows; nothing is read as 0 (`--rate-limit abc` once meant
no limit at all).  `--help`, the manual page and README's table come from the same table."""
import os
import re
import subprocess

import pytest

from helpers import BIN, ROOT, SLOW, free_port, run_cli, token_request

README = os.path.join(ROOT, "README.md")

# every setting of every command, as a user types it
SETTINGS = {
    "serve": ["--listen", "--db", "--db-pool", "--domain-suffix", "--sandbox", "--loops", "--token-ttl",
              "--rate-limit", "--no-access-log", "--read-timeout", "--max-connections", "--catalog",
              "--public-url", "--admin-email", "--require-uscc", "--throttle-entries", "--tls-cert", "--tls-key",
              "--metrics-listen", "--log-format", "--health-timeout", "--db-connect-timeout",
              "--db-statement-timeout", "--db-keepalive", "--db-read", "--db-read-max-lag", "--event-retention",
              "--fault-injection", "--webhook-key", "--webhook-ca", "--webhook-allow-http", "--webhook-allow-private",
              "--webhook-retry-min", "--webhook-retry-max"],
    "partner add": ["--db", "--name", "--admin-email", "--json"],
    "app add": ["--db", "--partner-id", "--name", "--role", "--json"],
    "reseller add": ["--db", "--partner-id", "--name", "--mpn-id", "--id", "--location", "--json"],
    "seed": ["--db", "--partners", "--customers", "--seed", "--domain-suffix", "--json"],
    "migrate-store": ["--from", "--to", "--json"],
    "permissions": ["--markdown"],
    "backup": ["--db", "--to", "--force", "--json"],
    "restore": ["--db", "--from", "--force", "--json"],
}

# (flag, environment variable or None, bad values); "" is empty
BAD_SERVE = [
    ("--listen", "PARTNERD_LISTEN", ["127.0.0.1", "localhost:80", "127.0.0.1:http", "1.2.3.4:0", ""]),
    ("--db", "PARTNERD_DB", ["mysql://x/y", "sqlite:", "var/p.db", ""]),
    ("--db-pool", "PARTNERD_DB_POOL", ["abc", "8x", "1", "257", "-8", "", "99999999999999999999"]),
    ("--domain-suffix", "PARTNERD_DOMAIN_SUFFIX", [""]),
    ("--loops", "PARTNERD_LOOPS", ["abc", "2.5", "-1", "65", " 2", "+2", ""]),
    ("--token-ttl", "PARTNERD_TOKEN_TTL", ["abc", "59", "31d", "1h30", "10x", "-60", ""]),
    ("--rate-limit", "PARTNERD_RATE_LIMIT", ["abc", "10/s", "-1", "1000001", "0x10", ""]),
    ("--read-timeout", "PARTNERD_READ_TIMEOUT", ["abc", "0", "3601", "2h", "5ms", ""]),
    ("--health-timeout", "PARTNERD_HEALTH_TIMEOUT", ["abc", "0", "61", "2m", "500ms", "-1", ""]),
    ("--max-connections", "PARTNERD_MAX_CONNECTIONS", ["abc", "-1", "10000001", "1e3", ""]),
    ("--catalog", "PARTNERD_CATALOG", [""]),
    ("--public-url", "PARTNERD_PUBLIC_URL", ["partners.example.cn", "ftp://x", "https://", ""]),
    ("--admin-email", "PARTNERD_ADMIN_EMAIL", [""]),
    ("--throttle-entries", "PARTNERD_THROTTLE_ENTRIES", ["abc", "12x", "15", "100001", "-1", ""]),
    ("--metrics-listen", "PARTNERD_METRICS_LISTEN", ["9464", "localhost:9464", "127.0.0.1:0", ""]),
    ("--log-format", "PARTNERD_LOG_FORMAT", ["xml", "JSON", "json ", "textjson", ""]),
    ("--db-connect-timeout", "PARTNERD_DB_CONNECT_TIMEOUT", ["abc", "0", "1", "601", "2ms", "-3", ""]),
    ("--db-statement-timeout", "PARTNERD_DB_STATEMENT_TIMEOUT", ["abc", "0", "3601", "5ms", "1.5", ""]),
    ("--db-keepalive", "PARTNERD_DB_KEEPALIVE", ["abc", "0", "3601", "10x", "-10", ""]),
    ("--db-read", "PARTNERD_DB_READ", ["sqlite:x.db", "postgresql://", "postgresql://a/b,", "postgresql://a/b,,"
                                       "postgresql://c/d", "postgresql://a/b,postgresql://", ""]),
    ("--db-read-max-lag", "PARTNERD_DB_READ_MAX_LAG", ["abc", "0", "61", "5ms", "-5", ""]),
    ("--event-retention", "PARTNERD_EVENT_RETENTION", ["abc", "0", "-1", "1.5", "7d", "36501", ""]),
    (None, "PARTNERD_REQUIRE_USCC", ["maybe", "2", "", "enabled"]),
    (None, "PARTNERD_SANDBOX", ["maybe", "2", "", "enabled"]),
    (None, "PARTNERD_ACCESS_LOG", ["quiet", "-1", ""]),
]


def _run(args, env=None, timeout=20):
    e = dict(os.environ)
    for k in list(e):
        if k.startswith("PARTNERD_") and k not in ("PARTNERD_BIN", "PARTNERD_SANITIZED"):
            del e[k]
    e.update(env or {})
    return subprocess.run([BIN] + args, capture_output=True, text=True, timeout=timeout * SLOW, env=e)


def _serve_args(tmp_path):
    return ["--listen", "127.0.0.1:%d" % free_port(), "--db", "sqlite:" + str(tmp_path / "s.db")]


def _assert_refused(r, name, value):
    assert r.returncode == 2, (name, value, r.returncode, r.stderr)
    line = r.stderr.strip().splitlines()[0] if r.stderr.strip() else ""
    assert name in line and ("'%s'" % value) in line and "expected" in line, (name, value, r.stderr)


@pytest.mark.parametrize("flag,env,values", [b for b in BAD_SERVE if b[0]], ids=lambda v: str(v))
def test_bad_serve_flag_values_exit_2_naming_the_flag(tmp_path, flag, env, values):
    for v in values:
        r = _run(["serve"] + _serve_args(tmp_path) + [flag, v])
        _assert_refused(r, flag, v)


@pytest.mark.parametrize("flag,env,values", [b for b in BAD_SERVE if b[1]], ids=lambda v: str(v))
def test_bad_environment_values_exit_2_naming_the_variable(tmp_path, flag, env, values):
    for v in values:
        args = ["serve", "--db", "sqlite:" + str(tmp_path / "s.db")]
        if env != "PARTNERD_LISTEN":
            args += ["--listen", "127.0.0.1:%d" % free_port()]
        if env == "PARTNERD_DB":
            args = ["serve", "--listen", "127.0.0.1:%d" % free_port()]
        r = _run(args, env={env: v})
        _assert_refused(r, env, v)


def test_a_flag_overrides_a_good_environment_value(make_server):
    s = make_server(["--token-ttl", "2m", "--read-timeout", "5s"], env={"PARTNERD_TOKEN_TTL": "1h"}).start()
    out = s.stdout()
    user = re.search(r"^\s*user name:\s*(\S+)\s*$", out, re.M).group(1)
    pw = re.search(r"^\s*password:\s*(\S+)\s*$", out, re.M).group(1)
    r = token_request(s.port, {"grant_type": "password", "username": user, "password": pw})
    assert r.status == 200, r
    assert r.json["expires_in"] == 120, r.json


@pytest.mark.parametrize("cmd,args,name,value", [
    ("seed", ["--partners", "abc", "--customers", "1"], "--partners", "abc"),
    ("seed", ["--partners", "0", "--customers", "1"], "--partners", "0"),
    ("seed", ["--partners", "1", "--customers", "-5"], "--customers", "-5"),
    ("seed", ["--partners", "1", "--customers", "5k"], "--customers", "5k"),
    ("seed", ["--partners", "1", "--customers", "1", "--seed", "x1"], "--seed", "x1"),
    ("seed", ["--partners", "1", "--customers", "1", "--db", "nosuch:x"], "--db", "nosuch:x"),
    ("migrate-store", ["--from", "sqlite:/tmp/x.db", "--to", "sqlite:/tmp/y.db"], "--to", "sqlite:/tmp/y.db"),
    ("migrate-store", ["--from", "", "--to", "postgresql://x/y"], "--from", ""),
    ("partner add", ["--name", "", "--admin-email", "a@b.cn"], "--name", ""),
    ("app add", ["--partner-id", "p", "--name", "n", "--role", ""], "--role", ""),
    ("reseller add", ["--partner-id", "p", "--name", "", "--mpn-id", "1234567"], "--name", ""),
])
def test_bad_admin_command_values_exit_2_naming_the_flag(cmd, args, name, value):
    r = _run(cmd.split() + args)
    _assert_refused(r, name, value)


@pytest.mark.parametrize("cmd,args,missing", [
    ("seed", ["--customers", "1"], "--partners"),
    ("partner add", ["--name", "x"], "--admin-email"),
    ("app add", ["--partner-id", "p", "--name", "n"], "--role"),
    ("reseller add", ["--partner-id", "p", "--name", "n"], "--mpn-id"),
    ("migrate-store", ["--to", "postgresql://x/y"], "--from"),
])
def test_a_missing_required_setting_exits_2_naming_it(cmd, args, missing):
    r = _run(cmd.split() + args)
    assert r.returncode == 2 and missing in r.stderr and "required" in r.stderr, r.stderr


@pytest.mark.parametrize("args", [["serve", "--bogus"], ["serve", "stray"], ["seed", "--partners"],
                                  ["permissions", "--json"], ["frobnicate"]])
def test_unknown_flags_and_stray_arguments_exit_2(args):
    r = _run(args)
    assert r.returncode == 2 and r.stderr.strip(), r


@pytest.mark.parametrize("cmd", sorted(SETTINGS))
def test_help_lists_every_setting(cmd):
    r = _run(cmd.split() + ["--help"])
    assert r.returncode == 0, r.stderr
    for flag in SETTINGS[cmd]:
        assert re.search(r"^\s+%s\b" % re.escape(flag), r.stdout, re.M), (cmd, flag, r.stdout)
    listed = re.findall(r"^\s+(--[a-z-]+)", r.stdout, re.M)
    assert sorted(set(listed) - {"--help"}) == sorted(SETTINGS[cmd]), listed


def test_main_help_lists_every_command():
    r = _run(["--help"])
    assert r.returncode == 0
    for cmd in SETTINGS:
        assert re.search(r"^\s+%s\s" % re.escape(cmd), r.stdout, re.M), (cmd, r.stdout)


def test_serve_help_names_every_environment_variable_and_range():
    out = " ".join(_run(["serve", "--help"]).stdout.split())  # lines are wrapped
    for flag, env, _ in BAD_SERVE:
        assert env in out, env
    assert "2 to 256" in out and "0 to 64" in out and "1 min to 30 d" in out
    assert "less 64, 8 per event loop" in out  # the descriptors --max-connections keeps back


def test_man_page_has_every_command_setting_and_variable():
    r = _run(["--man"])
    assert r.returncode == 0 and r.stdout.startswith(".TH PARTNERD 8"), r.stdout[:200]
    for cmd, flags in SETTINGS.items():
        assert '.SS "partnerd %s"' % cmd.replace("-", "\\-") in r.stdout, cmd
        for flag in flags:
            assert ".B " + flag.replace("-", "\\-") in r.stdout, (cmd, flag)
    for _, env, _ in BAD_SERVE:
        assert env.replace("-", "\\-") in r.stdout, env
    built = os.path.join(os.path.dirname(BIN), "partnerd.8")
    if os.path.exists(built):
        with open(built) as f:
            assert f.read() == r.stdout, "build/partnerd.8 is not `partnerd --man`: run make"


def test_readme_table_is_the_generated_one():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"<!-- settings: begin[^\n]*-->\n(.*?)<!-- settings: end -->", text, re.S)
    assert m, "README.md has no generated settings table"
    r = run_cli(["--settings-markdown"])
    assert r.returncode == 0, r.stderr
    assert m.group(1) == r.stdout, "README.md's settings table is stale: run `make docs`"
    for flag in SETTINGS["serve"]:
        assert "`%s" % flag in m.group(1), flag


@pytest.mark.parametrize("word,cmd", [("partner", "partner add"), ("app", "app add"),
                                      ("reseller", "reseller add")])
def test_the_first_word_of_a_two_word_command_shows_its_usage(word, cmd):
    r = _run([word, "--help"])
    assert r.returncode == 0 and ("usage: partnerd %s" % cmd) in r.stdout, r
    r = _run([word])
    assert r.returncode == 2 and ("usage: partnerd %s" % cmd) in r.stderr, r
