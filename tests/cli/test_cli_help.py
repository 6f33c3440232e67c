"""--help on every command, usage errors (exit 2), the man page and bash completion: all
generated from one command table, so they are checked against each other here."""
import os
import re
import subprocess

import pytest

from clitools import CTL, ROOT

COMMANDS = ["login", "logout", "whoami", "customers list", "customers search", "customers show",
            "customers add", "customers update", "customers check-domain", "customers export",
            "customers import", "subscriptions list", "subscriptions show", "subscriptions set-quantity",
            "subscriptions suspend", "subscriptions reactivate", "subscriptions order", "offers list",
            "users list", "users show", "users add", "users update", "users remove", "users reset-password",
            "relationship-link", "webhooks show", "webhooks events", "webhooks register", "webhooks update",
            "webhooks delete", "webhooks test", "webhooks deliveries", "webhooks redeliver", "audit", "events tail",
            "completion", "help"]


def listed_commands(anon):
    out = anon.ok("--help").stdout
    block = out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [re.split(r"\s{2,}", ln.strip())[0] for ln in block.splitlines()]


def test_main_help_lists_every_command(anon):
    assert listed_commands(anon) == COMMANDS
    out = anon.ok("--help").stdout
    for word in ("PARTNERCTL_SERVER", "PARTNERCTL_TOKEN", "exit status", "not found", "conflict"):
        assert word in out


@pytest.mark.parametrize("cmd", COMMANDS)
def test_help_on_every_command(anon, cmd):
    r = anon.ok(*cmd.split(), "--help")
    assert r.stdout.startswith("usage: partnerctl %s" % cmd), r.stdout
    assert "--help" in r.stdout and r.stderr == ""
    assert anon.ok("help", *cmd.split()).stdout == r.stdout
    assert anon.ok(*cmd.split(), "-h").stdout == r.stdout


def test_column_flags_in_help(anon):
    add = anon.ok("customers", "add", "--help").stdout
    upd = anon.ok("customers", "update", "--help").stdout
    for flag in ("--domain", "--company-name", "--postal-code", "--organization-registration-number"):
        assert flag in add
    assert "--company-name" in upd and "--domain " not in upd
    assert "--organization-registration-number" not in upd


def test_group_and_version(anon):
    r = anon.ok("customers", "--help")
    assert "customers import" in r.stdout and "login" not in r.stdout
    r = anon.run("customers")
    assert r.returncode == 2 and "customers list" in r.stderr
    assert re.match(r"partnerctl \d", anon.ok("--version").stdout)


@pytest.mark.parametrize("args, words", [
    ([], "usage"),
    (["frobnicate"], "no command 'frobnicate'"),
    (["customers", "frobnicate"], "no command 'customers frobnicate'"),
    (["customers", "list", "--bogus"], "unknown option --bogus"),
    (["customers", "list", "-x"], "unknown option -x"),
    (["customers", "list", "extra"], "unexpected operand extra"),
    (["customers", "show"], "missing operand"),
    (["customers", "list", "--limit"], "missing value for --limit"),
    (["customers", "list", "--limit", "many"], "--limit must be a number"),
    (["customers", "list", "--json", "--csv"], "exclude each other"),
    (["customers", "list", "--json=yes"], "takes no value"),
    (["customers", "import"], "missing operand"),
    (["customers", "import", "f.csv", "--concurrency", "0"], "--concurrency must be"),
    (["customers", "search", "x", "--by", "email"], "--by must be"),
    (["customers", "search", "x", "--match", "regex"], "--match must be"),
    (["customers", "update", "x", "--domain", "y"], "unknown option --domain"),
    (["completion", "zsh"], "only bash"),
    (["help", "nothing"], "no such command"),
])
def test_usage_errors_exit_2(anon, args, words):
    r = anon.run(*args)
    assert r.returncode == 2, (args, r.returncode, r.stderr)
    assert words in r.stderr, r.stderr
    assert r.stdout == ""


def test_man_page(anon):
    man = anon.ok("--man").stdout
    assert man.startswith(".TH PARTNERCTL 1")
    for sect in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "CUSTOMER FIELDS", "ENVIRONMENT", "FILES",
                 "EXIT STATUS"):
        assert ".SH %s" % sect in man
    for cmd in COMMANDS:
        assert '.SS "partnerctl %s' % cmd in man
    assert "\\-\\-skip\\-invalid" in man and "\\-\\-company\\-name" in man
    # the same help text: every option of import's --help is in the man page
    for opt in re.findall(r"^  --([a-z-]+)", anon.ok("customers", "import", "--help").stdout, re.M):
        assert "\\-\\-" + opt.replace("-", "\\-") in man, opt
    built = os.path.join(os.path.dirname(CTL), "partnerctl.1")
    if os.path.exists(built):
        with open(built, encoding="utf-8") as f:
            assert f.read() == man
    if subprocess.run(["sh", "-c", "command -v groff"], capture_output=True).returncode == 0:
        r = subprocess.run(["groff", "-k", "-man", "-Tutf8", "-ww", "-z"], input=man, capture_output=True, text=True)
        assert r.returncode == 0 and r.stderr == "", r.stderr


def complete(anon, line):
    """COMPREPLY for the words of `line` (the last one being completed) in a real bash."""
    script = anon.ok("completion", "bash").stdout
    words = line.split(" ")
    code = (script + "\nCOMP_WORDS=(%s)\nCOMP_CWORD=%d\n_partnerctl\nprintf '%%s\\n' \"${COMPREPLY[@]}\"\n"
            % (" ".join("'%s'" % w for w in words), len(words) - 1))
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", code], capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r.stderr
    return [w for w in r.stdout.splitlines() if w]


def test_bash_completion(anon):
    assert complete(anon, "partnerctl cust") == ["customers"]
    assert complete(anon, "partnerctl customers im") == ["import"]
    assert set(complete(anon, "partnerctl customers ")) == {"list", "search", "show", "add", "update",
                                                           "check-domain", "export", "import"}
    assert complete(anon, "partnerctl customers import x.csv --sk") == ["--skip-invalid"]
    assert "--company-name" in complete(anon, "partnerctl customers add --comp")
    assert complete(anon, "partnerctl customers search x --by ") == ["companyName", "domain", "indirectReseller"]
    assert complete(anon, "partnerctl lo") == ["login", "logout"]


def test_bash_completion_file_matches(anon):
    built = os.path.join(os.path.dirname(CTL), "partnerctl.bash")
    if not os.path.exists(built):
        pytest.skip("build/partnerctl.bash not built")
    with open(built, encoding="utf-8") as f:
        assert f.read() == anon.ok("completion", "bash").stdout
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", "source %s && complete -p partnerctl" % built],
                       capture_output=True, text=True, cwd=ROOT)
    assert "_partnerctl" in r.stdout, r.stderr
