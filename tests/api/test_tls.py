"""https in partnerd (--tls-cert, --tls-key): a throwaway CA and server certificates made here
with the openssl command; curl and python's ssl module as clients.  TLS 1.2+ only, HSTS and
Secure cookies over https only, plain http on the TLS port refused (the handshake fails and
the connection is closed), SIGHUP re-reads the pair for new connections without dropping open
ones (a bad pair keeps the old), slow handshakes and the hostile-client cases of
test_hostile.py / test_limits.py over TLS."""
import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.parse

import pytest

from helpers import SLOW, http_request, run_cli

TIMEOUT = 2  # --read-timeout of the TLS server


def openssl(*args, cwd):
    r = subprocess.run(["openssl"] + list(args), cwd=cwd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".pem",
            "-days", "2", "-subj", "/CN=partnerd test " + name, cwd=d)
    return os.path.join(d, name + ".pem")


def make_cert(d, ca, name):
    """A server certificate for 127.0.0.1 and localhost signed by the CA `ca` (a name)."""
    with open(os.path.join(d, name + ".ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
            "-subj", "/CN=localhost", cwd=d)
    openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial",
            "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext", cwd=d)
    return os.path.join(d, name + ".pem"), os.path.join(d, name + ".key")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("pki"))
    p = {"dir": d, "ca": make_ca(d, "ca"), "other_ca": make_ca(d, "other")}
    p["cert"], p["key"] = make_cert(d, "ca", "srv")
    p["cert2"], p["key2"] = make_cert(d, "ca", "srv2")
    return p


def der_of(pem_path):
    with open(pem_path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def tls_args(cert, key):
    return ["--tls-cert", cert, "--tls-key", key, "--read-timeout", str(TIMEOUT)]


@pytest.fixture
def tls_server(make_server, pki, tmp_path):
    """A server on copies of the pair (tests replace them for SIGHUP)."""
    cert, key = str(tmp_path / "live.pem"), str(tmp_path / "live.key")
    shutil.copy(pki["cert"], cert)
    shutil.copy(pki["key"], key)
    s = make_server(tls_args(cert, key)).start()
    s.cert_path, s.key_path = cert, key
    return s


def client_ctx(ca):
    ctx = ssl.create_default_context(cafile=ca)
    return ctx


def https(port, ca, method, path, body=None, headers=None):
    c = http.client.HTTPSConnection("127.0.0.1", port, timeout=10 * SLOW, context=client_ctx(ca))
    try:
        c.request(method, path, body, headers or {})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def tls_socket(port, ca, timeout=10):
    raw = socket.create_connection(("127.0.0.1", port), timeout * SLOW)
    return client_ctx(ca).wrap_socket(raw, server_hostname="127.0.0.1")


def closed_soon(s, within):
    """True when the server closes s (EOF, reset, or a TLS alert) within `within` seconds."""
    s.settimeout(within)
    try:
        while True:
            if not s.recv(4096):
                return True
    except (socket.timeout, TimeoutError):
        return False
    except (ConnectionResetError, ssl.SSLError, OSError):
        return True


# ---- clients ----------------------------------------------------------------------------------

def test_curl_with_the_ca_gets_an_https_answer_with_hsts(tls_server, pki):
    url = "https://127.0.0.1:%d/healthz" % tls_server.port
    r = subprocess.run(["curl", "-sS", "-i", "--cacert", pki["ca"], url], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("HTTP/1.1 200"), r.stdout[:300]
    assert "strict-transport-security: max-age=31536000" in r.stdout.lower()
    # the name in the certificate is checked too: localhost is in its subjectAltName
    r = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", pki["ca"],
                        "--resolve", "localhost:%d:127.0.0.1" % tls_server.port,
                        "https://localhost:%d/healthz" % tls_server.port], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and r.stdout == "200", r.stderr


def test_curl_with_another_ca_refuses_the_server(tls_server, pki):
    url = "https://127.0.0.1:%d/healthz" % tls_server.port
    r = subprocess.run(["curl", "-sS", "--cacert", pki["other_ca"], url], capture_output=True, text=True, timeout=30)
    assert r.returncode == 60, (r.returncode, r.stderr)  # peer certificate cannot be authenticated


def test_python_ssl_speaks_tls12_and_tls13(tls_server, pki):
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        ctx = client_ctx(pki["ca"])
        ctx.minimum_version = ctx.maximum_version = version
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", tls_server.port), 10),
                             server_hostname="127.0.0.1") as s:
            assert s.version() == {ssl.TLSVersion.TLSv1_2: "TLSv1.2", ssl.TLSVersion.TLSv1_3: "TLSv1.3"}[version]
            if version == ssl.TLSVersion.TLSv1_2:
                name, _, bits = s.cipher()
                assert "GCM" in name or "CHACHA20" in name, name  # AEAD, forward secret
                assert name.startswith(("ECDHE", "DHE")), name
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert s.recv(64).startswith(b"HTTP/1.1 200")


def test_tls11_is_refused(tls_server, pki):
    ctx = client_ctx(pki["ca"])
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # this client would speak TLS 1.1 (see the control below)
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises(ssl.SSLError) as e:
        ctx.wrap_socket(socket.create_connection(("127.0.0.1", tls_server.port), 10), server_hostname="127.0.0.1")
    assert "PROTOCOL_VERSION" in str(e.value).upper() or "UNSUPPORTED_PROTOCOL" in str(e.value).upper(), e.value
    # the control: the same client settings up to TLS 1.2 are served
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with ctx.wrap_socket(socket.create_connection(("127.0.0.1", tls_server.port), 10),
                         server_hostname="127.0.0.1") as s:
        assert s.version() == "TLSv1.2"


def test_weak_ciphers_are_refused(tls_server, pki):
    ctx = client_ctx(pki["ca"])
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("AES128-SHA:AES256-SHA:@SECLEVEL=0")  # no forward secrecy, CBC
    with pytest.raises(ssl.SSLError):
        ctx.wrap_socket(socket.create_connection(("127.0.0.1", tls_server.port), 10), server_hostname="127.0.0.1")


def test_plain_http_on_the_tls_port_is_refused(tls_server, pki):
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine)):
        http_request(tls_server.port, "GET", "/healthz", timeout=10)
    status, _, _ = https(tls_server.port, pki["ca"], "GET", "/healthz")
    assert status == 200


# ---- HSTS and Secure cookies ------------------------------------------------------------------

def sign_in_form(info):
    return urllib.parse.urlencode({"username": info["userName"], "password": info["password"]})


def test_hsts_and_secure_cookie_over_https(tls_server, pki):
    info = tls_server.add_partner("TLS Portal Partner")
    status, h, body = https(tls_server.port, pki["ca"], "POST", "/portal/session", sign_in_form(info),
                            {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200, body
    assert h.get("Strict-Transport-Security") == "max-age=31536000"
    attrs = [a.strip() for a in h["Set-Cookie"].split(";")]
    assert "Secure" in attrs and "HttpOnly" in attrs, attrs
    cookie = attrs[0]
    status, h, _ = https(tls_server.port, pki["ca"], "DELETE", "/portal/session", None,
                         {"Cookie": cookie, "X-CSRF-Token": __import__("json").loads(body)["csrfToken"]})
    assert status == 204 and "Secure" in [a.strip() for a in h["Set-Cookie"].split(";")], h
    for path in ("/healthz", "/v1/customers", "/nope"):  # every response, errors too
        status, h, _ = https(tls_server.port, pki["ca"], "GET", path)
        assert h.get("Strict-Transport-Security") == "max-age=31536000", (path, status)


def test_no_hsts_nor_secure_cookie_over_plain_http(server):
    info = server.add_partner("Plain Portal Partner")
    r = http_request(server.port, "POST", "/portal/session", sign_in_form(info),
                     {"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 200, r
    assert r.h("Strict-Transport-Security") is None
    assert "Secure" not in [a.strip() for a in r.h("Set-Cookie").split(";")]
    assert http_request(server.port, "GET", "/healthz").h("Strict-Transport-Security") is None


# ---- SIGHUP -----------------------------------------------------------------------------------

def wait_for_log(srv, words, timeout=10):
    deadline = time.time() + timeout * SLOW
    while time.time() < deadline:
        if words in srv.stderr():
            return
        time.sleep(0.05)
    raise AssertionError("%r not logged:\n%s" % (words, srv.stderr()[-2000:]))


def test_sighup_serves_a_new_certificate_to_new_connections_and_keeps_open_ones(tls_server, pki):
    old = tls_socket(tls_server.port, pki["ca"])
    assert old.getpeercert(True) == der_of(pki["cert"])
    keep = http.client.HTTPSConnection("127.0.0.1", tls_server.port, timeout=10 * SLOW, context=client_ctx(pki["ca"]))
    keep.request("GET", "/healthz")
    assert keep.getresponse().read() and keep.sock.getpeercert(True) == der_of(pki["cert"])
    shutil.copy(pki["cert2"], tls_server.cert_path)
    shutil.copy(pki["key2"], tls_server.key_path)
    tls_server.proc.send_signal(signal.SIGHUP)
    wait_for_log(tls_server, "new connections use the certificate read again")
    with tls_socket(tls_server.port, pki["ca"]) as new:
        assert new.getpeercert(True) == der_of(pki["cert2"])
    # the keep-alive connection made before the reload goes on, on the same socket
    sock = keep.sock
    keep.request("GET", "/healthz")
    r = keep.getresponse()
    assert r.status == 200 and r.read() and keep.sock is sock
    keep.close()
    old.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert old.recv(64).startswith(b"HTTP/1.1 200")
    old.close()
    assert tls_server.running()


def test_sighup_with_a_bad_pair_keeps_the_old_one(tls_server, pki):
    with open(tls_server.cert_path, "w") as f:
        f.write("not a certificate\n")
    tls_server.proc.send_signal(signal.SIGHUP)
    wait_for_log(tls_server, "keeping the certificate in use: --tls-cert %s" % tls_server.cert_path)
    with tls_socket(tls_server.port, pki["ca"]) as s:
        assert s.getpeercert(True) == der_of(pki["cert"])
    # a key of another certificate: refused as well, the old pair stays
    shutil.copy(pki["cert"], tls_server.cert_path)
    shutil.copy(pki["key2"], tls_server.key_path)
    tls_server.proc.send_signal(signal.SIGHUP)
    wait_for_log(tls_server, "does not match the certificate")
    status, _, _ = https(tls_server.port, pki["ca"], "GET", "/healthz")
    assert status == 200


# ---- slow and hostile clients over TLS --------------------------------------------------------

# The first bytes of a TLS ClientHello record: a handshake that never completes.
PARTIAL_HELLO = bytes.fromhex("160301020001000001fc0303") + b"\x00" * 20


def test_slow_handshakes_are_cut_off_and_others_are_served(tls_server, pki):
    silent = [socket.create_connection(("127.0.0.1", tls_server.port), 5) for _ in range(20)]
    partial = [socket.create_connection(("127.0.0.1", tls_server.port), 5) for _ in range(20)]
    for s in partial:
        s.sendall(PARTIAL_HELLO)
    start = time.time()
    for _ in range(5):  # meanwhile, everyone else is served at once
        t0 = time.time()
        status, _, _ = https(tls_server.port, pki["ca"], "GET", "/healthz")
        assert status == 200 and time.time() - t0 < 1.0 * SLOW
    still_open = [s for s in silent + partial if not closed_soon(s, max(0.1, start + (TIMEOUT + 2) * SLOW - time.time()))]
    for s in silent + partial:
        s.close()
    assert not still_open, "%d of 40 unfinished handshakes still open after %.1f s" % (len(still_open), time.time() - start)


def test_slow_loris_headers_over_tls_are_cut_off(tls_server, pki):
    socks = [tls_socket(tls_server.port, pki["ca"]) for _ in range(10)]
    for s in socks:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    until = time.time() + (TIMEOUT + 2) * SLOW
    open_socks = list(socks)
    while time.time() < until and open_socks:
        for s in list(open_socks):
            try:
                s.sendall(b"X")  # a byte every 0.25 s: the read timeout alone would never fire
            except (OSError, ssl.SSLError):
                open_socks.remove(s)
        time.sleep(0.25)
    status, _, _ = https(tls_server.port, pki["ca"], "GET", "/healthz")
    assert status == 200
    alive = [s for s in socks if not closed_soon(s, 0.5)]
    for s in socks:
        s.close()
    assert not alive, "%d of %d slow-header TLS connections still open" % (len(alive), len(socks))


def test_oversized_headers_over_tls_are_refused(tls_server, pki):
    s = tls_socket(tls_server.port, pki["ca"])
    data = b""
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (256 * 1024) + b"\r\n\r\n")
        s.settimeout(10 * SLOW)
        while True:
            part = s.recv(65536)
            if not part:
                break
            data += part
    except (OSError, ssl.SSLError):
        pass
    finally:
        s.close()
    assert data == b"" or data.split(b" ")[1] in (b"400", b"413", b"431"), data[:200]
    status, _, _ = https(tls_server.port, pki["ca"], "GET", "/healthz")
    assert status == 200


# ---- settings ---------------------------------------------------------------------------------

@pytest.mark.parametrize("given, other", [("--tls-cert", "--tls-key"), ("--tls-key", "--tls-cert")])
def test_one_of_the_pair_alone_is_exit_2_naming_both(pki, tmp_path, given, other):
    r = run_cli(["serve", "--db", "sqlite:%s" % (tmp_path / "p.db"), given, pki["cert"]])
    assert r.returncode == 2, r.stderr
    assert "--tls-cert" in r.stderr and "--tls-key" in r.stderr and "both" in r.stderr, r.stderr


def test_unreadable_or_bad_files_are_exit_2_with_the_reason(pki, tmp_path):
    db = "sqlite:%s" % (tmp_path / "p.db")
    missing = str(tmp_path / "missing.pem")
    r = run_cli(["serve", "--db", db, "--tls-cert", missing, "--tls-key", pki["key"]])
    assert r.returncode == 2 and "--tls-cert %s: No such file or directory" % missing in r.stderr, r.stderr
    garbage = tmp_path / "garbage.key"
    garbage.write_text("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")
    r = run_cli(["serve", "--db", db, "--tls-cert", pki["cert"], "--tls-key", str(garbage)])
    assert r.returncode == 2 and "--tls-key %s: " % garbage in r.stderr, r.stderr
    assert len(r.stderr.split("%s: " % garbage, 1)[1].strip()) > 3, r.stderr  # OpenSSL's reason
    r = run_cli(["serve", "--db", db, "--tls-cert", pki["cert"], "--tls-key", pki["key2"]])
    assert r.returncode == 2 and "does not match" in r.stderr, r.stderr
    assert not os.path.exists(str(tmp_path / "p.db")), "nothing is opened before the pair is good"
