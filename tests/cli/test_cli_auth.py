"""login, logout, whoami: the config file and its permissions, environment overrides, secrets
kept out of argv and output, exit codes; app sign-in when partnerd has apps."""
import json
import os
import pty
import select
import stat
import subprocess
import time

import pytest

from clitools import CTL, PD, SLOW, free_port, sanitizer_lines


def test_login_writes_private_config(server, anon):
    info = server.add_partner()
    r = anon.ok("login", "--server", server.url, "--user", info["userName"], "--password-stdin",
                input=info["password"] + "\n")
    assert "Logged in to %s as %s" % (server.url, info["userName"]) in r.stdout
    assert info["password"] not in r.stdout + r.stderr
    st = os.stat(anon.config_path)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(anon.config_path)).st_mode) == 0o700
    with open(anon.config_path) as f:
        cfg = json.load(f)
    assert cfg["server"] == server.url and cfg["principal"] == info["userName"]
    assert cfg["token"] and cfg["expires"] > time.time()
    assert info["password"] not in json.dumps(cfg)


def test_whoami_text_and_json(ctl):
    r = ctl.ok("whoami")
    assert ctl.server.url in r.stdout and ctl.info["userName"] in r.stdout
    assert "accepted by the server" in r.stdout
    assert "global_admin" in r.stdout and ctl.info["partnerId"] in r.stdout  # from GET /v1/me
    j = json.loads(ctl.ok("whoami", "--json").stdout)
    assert j["server"] == ctl.server.url and j["principal"] == ctl.info["userName"]
    assert j["valid"] is True and j["tokenSource"] == "config" and j["expires"] > time.time()
    assert j["me"]["partnerId"] == ctl.info["partnerId"] and "global_admin" in j["me"]["roles"]
    assert ctl.token() not in r.stdout


def test_logout_then_whoami_fails(ctl):
    r = ctl.ok("logout")
    assert "Logged out of %s" % ctl.server.url in r.stdout
    with open(ctl.config_path) as f:
        cfg = json.load(f)
    assert "token" not in cfg and cfg["server"] == ctl.server.url
    r = ctl.run("whoami")
    assert r.returncode == 1 and "not logged in" in r.stderr
    assert ctl.run("customers", "list").returncode == 1
    assert ctl.ok("logout").returncode == 0  # logging out twice is fine
    # the server is remembered: login needs no --server now
    ctl.ok("login", "--user", ctl.info["userName"], "--password-stdin", input=ctl.info["password"])


def test_wrong_password(server, anon):
    info = server.add_partner()
    r = anon.run("login", "--server", server.url, "--user", info["userName"], "--password-stdin",
                 input="not-the-password\n")
    assert r.returncode == 1 and "login failed" in r.stderr and "wrong" in r.stderr
    assert "not-the-password" not in r.stdout + r.stderr
    assert not os.path.exists(anon.config_path)


def test_env_overrides(ctl, anon):
    token = ctl.token()
    env = {"PARTNERCTL_SERVER": ctl.server.url, "PARTNERCTL_TOKEN": token}
    r = anon.ok("whoami", "--json", env=env)
    j = json.loads(r.stdout)
    assert j["tokenSource"] == "environment" and j["valid"] is True
    assert j["principal"] == ctl.info["userName"]  # the server says who the token is
    assert anon.ok("customers", "list", env=env).stdout.strip() == "(no customers)"
    r = anon.run("whoami", env=dict(env, PARTNERCTL_TOKEN="bogus"))
    assert r.returncode == 1 and "refused" in r.stderr
    r = ctl.run("customers", "list", env={"PARTNERCTL_TOKEN": "bogus"})
    assert r.returncode == 1 and "partnerctl login" in r.stderr
    r = ctl.run("whoami", env={"PARTNERCTL_SERVER": "http://127.0.0.1:%d" % free_port()})
    assert r.returncode == 1 and "cannot reach the server" in r.stderr


@pytest.mark.parametrize("args, words", [
    (["login", "--user", "a@b.cn", "--password-stdin"], "--server URL is required"),
    (["login", "--server", "ftp://example.cn", "--user", "a@b.cn", "--password-stdin"], "only http:// and https://"),
    (["login", "--server", "http://127.0.0.1:1", "--user", "a@b.cn"], "--password-stdin"),
    (["login", "--server", "http://127.0.0.1:1"], "--user NAME is required"),
    (["login", "--server", "http://127.0.0.1:1", "--user", "a", "--client-id", "b"], "exclude each other"),
    (["login", "--server", "http://127.0.0.1:1", "--client-id", "b"], "no client secret"),
])
def test_login_usage_errors(anon, args, words):
    r = anon.run(*args, input="")
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert words in r.stderr


def test_login_unreachable_server(anon):
    r = anon.run("login", "--server", "http://127.0.0.1:%d" % free_port(), "--user", "a@b.cn",
                 "--password-stdin", input="x\n")
    assert r.returncode == 1 and "cannot reach the server" in r.stderr


def test_config_under_xdg_config_home(server, anon):
    xdg = os.path.join(anon.home, "xdg")
    info = server.add_partner()
    anon.ok("login", "--server", server.url, "--user", info["userName"], "--password-stdin",
            input=info["password"], env={"XDG_CONFIG_HOME": xdg})
    assert os.path.exists(os.path.join(xdg, "partnerctl", "config"))
    assert not os.path.exists(anon.config_path)


def test_password_prompt_without_echo(server, anon):
    """On a terminal the password is asked for, and what is typed is not echoed."""
    info = server.add_partner()
    master, slave = pty.openpty()
    p = subprocess.Popen([CTL, "login", "--server", server.url, "--user", info["userName"]], stdin=slave,
                         stdout=slave, stderr=slave, env=anon.env, cwd=anon.home, start_new_session=True)
    os.close(slave)
    seen = read_until(master, b"Password: ")
    os.write(master, info["password"].encode() + b"\n")
    seen += read_until(master, b"Logged in")
    assert p.wait(30 * SLOW) == 0, seen
    seen += read_until(master, b"\0", timeout=1)
    os.close(master)
    assert not sanitizer_lines(seen.decode("utf-8", "replace")), seen
    assert b"Password: " in seen and info["password"].encode() not in seen


def read_until(fd, marker, timeout=20):
    out, deadline = b"", time.time() + timeout * SLOW
    while marker not in out and time.time() < deadline:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                out += os.read(fd, 4096)
            except OSError:
                break
    return out


def has_apps():
    r = subprocess.run([PD, "app", "add", "--help"], capture_output=True, text=True)
    return r.returncode == 0


@pytest.mark.skipif(not has_apps(), reason="partnerd has no apps yet (partnerd app add)")
def test_login_as_app(server, anon, tmp_path):
    info = server.add_partner()
    made = subprocess.run([PD, "app", "add", "--db", server.db, "--partner-id", info["partnerId"], "--name", "ci",
                           "--role", "admin_agent", "--json"], capture_output=True, text=True, timeout=30 * SLOW)
    assert made.returncode == 0, made.stderr
    app = json.loads(made.stdout)
    client_id, secret = app["clientId"], app["clientSecret"]
    path = tmp_path / "secret"
    path.write_text(secret + "\n")
    r = anon.ok("login", "--server", server.url, "--client-id", client_id, "--client-secret-file", str(path))
    assert "as app %s" % client_id in r.stdout and secret not in r.stdout + r.stderr
    j = json.loads(anon.ok("whoami", "--json").stdout)
    assert j["valid"] is True and j["principal"].startswith("app ")
    anon.ok("logout")
    anon.ok("login", "--client-id", client_id, env={"PARTNERCTL_CLIENT_SECRET": secret})
    r = anon.run("login", "--client-id", client_id, "--password-stdin", input="wrong\n")
    assert r.returncode == 1 and "login failed" in r.stderr
