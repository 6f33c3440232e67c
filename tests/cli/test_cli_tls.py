"""partnerctl over https (libcurl): a partnerd with --tls-cert/--tls-key from a throwaway CA
made here with the openssl command; login --cacert remembers the CA with the server; a wrong
CA (or none: the system store) fails with a clear message and exit 1; PARTNERCTL_CACERT;
proxies from the environment (https_proxy, no_proxy); an import's concurrent creates reuse a
few connections (counted by a TCP relay in front of the server)."""
import json
import os
import socket
import subprocess
import threading

import pytest

from clitools import Ctl, Server, row, uniq, write_csv


def openssl(*args, cwd):
    r = subprocess.run(["openssl"] + list(args), cwd=cwd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("pki"))
    for ca in ("ca", "other"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca + ".key", "-out", ca + ".pem",
                "-days", "2", "-subj", "/CN=partnerctl test " + ca, cwd=d)
    with open(os.path.join(d, "srv.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=localhost",
            cwd=d)
    openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
            "srv.pem", "-days", "2", "-extfile", "srv.ext", cwd=d)
    return {k: os.path.join(d, v) for k, v in
            (("ca", "ca.pem"), ("other_ca", "other.pem"), ("cert", "srv.pem"), ("key", "srv.key"))}


class TlsServer(Server):
    @property
    def url(self):
        return "https://127.0.0.1:%d" % self.port


@pytest.fixture(scope="module")
def tls_server(pki):
    s = TlsServer(env={"PARTNERD_RATE_LIMIT": "0", "PARTNERD_TLS_CERT": pki["cert"],
                       "PARTNERD_TLS_KEY": pki["key"]}).start()
    try:
        yield s
        s.stop()
    finally:
        s.cleanup()


@pytest.fixture
def anon(tls_server):
    c = Ctl(tls_server)
    yield c
    import shutil
    shutil.rmtree(c.home, ignore_errors=True)


def login(c, server_url, *extra, env=None):
    info = c.server.add_partner()
    r = c.run("login", "--server", server_url, "--user", info["userName"], "--password-stdin", *extra,
              input=info["password"] + "\n", env=env)
    return r, info


def test_login_with_cacert_then_list_over_https(anon, tls_server, pki):
    r, info = login(anon, tls_server.url, "--cacert", pki["ca"])
    assert r.returncode == 0, r.stderr
    with open(anon.config_path) as f:
        cfg = json.load(f)
    assert cfg["server"] == tls_server.url and cfg["cacert"] == pki["ca"]
    # later commands find the CA in the config, from any directory
    r = anon.ok("customers", "list", cwd="/")
    assert r.stdout.strip() == "(no customers)"
    anon.ok("customers", "add", "--domain", uniq("tls"), "--company-name", "TLS 测试有限公司", "--email", "it@tls.cn",
            "--first-name", "伟", "--last-name", "王", "--address-line1", "海淀区中关村大街1号", "--city", "北京",
            "--state", "北京市", "--postal-code", "100080", "--country", "CN", "--culture", "zh-CN", "--language", "zh")
    assert len(json.loads(anon.ok("customers", "list", "--json").stdout)) == 1
    # a second login to the same server keeps its CA without --cacert
    r, _ = login(anon, tls_server.url)
    assert r.returncode == 0, r.stderr
    with open(anon.config_path) as f:
        assert json.load(f)["cacert"] == pki["ca"]


@pytest.mark.parametrize("ca", ["other_ca", None])
def test_an_untrusted_certificate_is_a_clear_exit_1(anon, tls_server, pki, ca):
    extra = ["--cacert", pki[ca]] if ca else []
    r, _ = login(anon, tls_server.url, *extra)
    assert r.returncode == 1, (r.returncode, r.stderr)
    want = "partnerctl: cannot reach the server: %s: the server's certificate is not trusted (use --cacert FILE): " \
           % tls_server.url
    assert want in r.stderr, r.stderr
    assert not os.path.exists(anon.config_path), "nothing is saved after a failed login"


def test_cacert_that_cannot_be_read_is_a_usage_error(anon, tls_server, tmp_path):
    missing = str(tmp_path / "nope.pem")
    r, _ = login(anon, tls_server.url, "--cacert", missing)
    assert r.returncode == 2 and "--cacert %s: No such file or directory" % missing in r.stderr, r.stderr


def test_partnerctl_cacert_from_the_environment(anon, tls_server, pki):
    info = tls_server.add_partner()
    r = anon.run("login", "--server", tls_server.url, "--user", info["userName"], "--password-stdin",
                 input=info["password"] + "\n", env={"PARTNERCTL_CACERT": pki["ca"]})
    assert r.returncode == 0, r.stderr
    r = anon.run("customers", "list", env={"PARTNERCTL_CACERT": pki["other_ca"]})
    assert r.returncode == 1 and "not trusted" in r.stderr, r.stderr
    assert anon.ok("customers", "list", env={"PARTNERCTL_CACERT": pki["ca"]}).stdout.strip() == "(no customers)"


def test_proxies_come_from_the_environment(anon, tls_server, pki):
    r, _ = login(anon, tls_server.url, "--cacert", pki["ca"])
    assert r.returncode == 0, r.stderr
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    proxy = "http://127.0.0.1:%d" % dead.getsockname()[1]
    dead.close()  # nothing listens there
    r = anon.run("customers", "list", env={"https_proxy": proxy})
    assert r.returncode == 1 and "cannot reach the server" in r.stderr, r.stderr
    assert "proxy" in r.stderr.lower() or "connect" in r.stderr.lower(), r.stderr
    r = anon.run("customers", "list", env={"https_proxy": proxy, "no_proxy": "127.0.0.1"})
    assert r.returncode == 0, r.stderr


class Relay:
    """A TCP relay in front of the server that counts the connections made through it."""

    def __init__(self, port):
        self.target, self.accepted = port, 0
        self.lis = socket.socket()
        self.lis.bind(("127.0.0.1", 0))
        self.lis.listen(128)
        self.port = self.lis.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.lis.accept()
            except OSError:
                return
            self.accepted += 1
            s = socket.create_connection(("127.0.0.1", self.target))
            for a, b in ((c, s), (s, c)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        finally:
            for x in (a, b):
                try:
                    x.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.lis.close()


def test_import_over_https_reuses_its_connections(anon, tls_server, pki, tmp_path):
    relay = Relay(tls_server.port)
    try:
        url = "https://127.0.0.1:%d" % relay.port
        r, _ = login(anon, url, "--cacert", pki["ca"])
        assert r.returncode == 0, r.stderr
        tag = uniq("tls")[:14]
        path = write_csv(str(tmp_path / "c.csv"), [row(i, tag) for i in range(300)])
        before = relay.accepted
        r = anon.ok("customers", "import", path, "--concurrency", "8", "--quiet", "--json", timeout=120)
        assert json.loads(r.stdout)["created"] == 300, r.stdout
        used = relay.accepted - before
        assert 1 <= used <= 8 + 2, "%d connections for 300 creates at concurrency 8" % used
    finally:
        relay.close()


def test_redirects_are_not_followed(anon):
    """A server answering 307 to another host: partnerctl reports it and never goes there
    (the password would follow a POST redirect)."""
    import http.server
    other = Relay(1)  # counts connections; nothing is relayed to port 1
    location = "http://127.0.0.1:%d/oauth2/token" % other.port

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(307)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        r = anon.run("login", "--server", "http://127.0.0.1:%d" % srv.server_address[1], "--user", "a@b.cn",
                     "--password-stdin", input="secret\n")
        assert r.returncode == 1 and "307" in r.stderr, (r.returncode, r.stderr)
        assert other.accepted == 0, "partnerctl followed the redirect"
    finally:
        srv.shutdown()
        other.close()
