"""The server as a process: health, home page, request ids, access log, first start,
durability across SIGKILL, and a clean SIGTERM under load."""
import http.client
import json
import re
import signal
import threading
import time
import uuid

import pytest

from helpers import (SLOW, UUID_ANYCASE_RE, Client, cn_body, get_token, http_request, token_request,
                     uniq)


def _wait_for(pred, timeout=5.0):
    deadline = time.time() + timeout * SLOW
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    return pred()


def _log_lines(server, needle):
    return [ln for ln in server.stderr().splitlines() if needle in ln]


# ---- health and home ------------------------------------------------------------------------------
def test_healthz(server):
    r = http_request(server.port, "GET", "/healthz")
    assert r.status == 200, r
    assert (r.h("Content-Type") or "").startswith("application/json")
    assert r.json["status"] == "ok"


def test_healthz_head(server):
    r = http_request(server.port, "HEAD", "/healthz")
    assert r.status == 200 and r.raw == b""


def test_home_page(server):
    r = http_request(server.port, "GET", "/")
    assert r.status == 200, r
    assert (r.h("Content-Type") or "").startswith("text/html")
    assert "<html" in r.text.lower()


def test_request_ids_echoed_on_every_kind_of_response(server, partner_a):
    for method, path, client in (("GET", "/healthz", None), ("GET", "/v1/customers", partner_a),
                                 ("GET", "/v1/customers/%s" % uuid.uuid4(), partner_a),
                                 ("GET", "/v1/customers", server.anon())):
        rid, corr = str(uuid.uuid4()), str(uuid.uuid4())
        hdrs = {"MS-RequestId": rid, "MS-CorrelationId": corr}
        r = client.req(method, path, headers=hdrs) if client else http_request(server.port, method, path,
                                                                               headers=hdrs)
        assert r.h("MS-RequestId") == rid, (path, r.headers)
        assert r.h("MS-CorrelationId") == corr, (path, r.headers)


def test_request_ids_generated(server):
    r1 = http_request(server.port, "GET", "/healthz")
    r2 = http_request(server.port, "GET", "/healthz")
    for r in (r1, r2):
        assert UUID_ANYCASE_RE.match(r.h("MS-RequestId") or ""), r.headers
        assert UUID_ANYCASE_RE.match(r.h("MS-CorrelationId") or ""), r.headers
    assert r1.h("MS-RequestId") != r2.h("MS-RequestId")


def test_keep_alive(server, partner_a):
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10 * SLOW)
    try:
        for path in ("/healthz", "/v1/customers?size=1", "/healthz"):
            c.request("GET", path, headers={"Authorization": "Bearer " + partner_a.token})
            r = c.getresponse()
            r.read()
            assert r.status == 200
    finally:
        c.close()


def _loop_cpu_ticks(pid):
    """CPU ticks (user + system) of each event-loop thread of process pid, by thread name."""
    import os
    ticks = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
            name = f.read().strip()
        if name.startswith("pd-loop"):
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks[name] = int(fields[11]) + int(fields[12])
    return ticks


def test_connections_are_dealt_evenly_to_the_event_loops(make_server):
    """A burst of connections (a client opening its pool) is dealt round-robin to the event
    loops: if every loop polled the listening socket, the first to wake would accept the whole
    burst and one core would serve every connection while the other idled."""
    s = make_server(["--loops", "2", "--no-access-log"]).start()
    conns = [http.client.HTTPConnection("127.0.0.1", s.port, timeout=10 * SLOW) for _ in range(8)]
    for c in conns:
        c.connect()
    time.sleep(0.3)  # all eight wait in the accept queue, then are accepted
    before = _loop_cpu_ticks(s.proc.pid)
    assert sorted(before) == ["pd-loop0", "pd-loop1"]
    used, total, deadline = {}, 0, time.monotonic() + 20 * SLOW
    try:
        # rounds until the loops have used enough CPU to compare (a fast machine answers
        # 4,800 requests in a few ticks), bounded in time
        while total < 20 and time.monotonic() < deadline:
            for _ in range(300):
                for c in conns:
                    c.request("GET", "/healthz")
                    r = c.getresponse()
                    r.read()
                    assert r.status == 200
            after = _loop_cpu_ticks(s.proc.pid)
            used = {k: after[k] - before[k] for k in after}
            total = sum(used.values())
    finally:
        for c in conns:
            c.close()
    assert total >= 10, "too little CPU measured to compare: %r" % used
    assert min(used.values()) >= total * 0.3, "connections were not spread over the loops: %r" % used


# ---- access log -------------------------------------------------------------------------------------
def test_access_log_line(server, partner_a):
    rid = str(uuid.uuid4())
    r = partner_a.get("/v1/customers?size=3", headers={"MS-RequestId": rid})
    assert r.status == 200
    lines = _wait_for(lambda: _log_lines(server, rid))
    assert len(lines) == 1, lines
    ln = lines[0]
    assert "GET" in ln and "/v1/customers" in ln and " 200 " in ln, ln
    assert re.search(r"\b\d+\.\d+ms\b", ln), ln
    assert "rid=" + rid in ln, ln
    assert partner_a.token not in server.stderr()


def test_access_log_records_errors(server, partner_a):
    rid = str(uuid.uuid4())
    r = partner_a.get("/v1/customers/%s" % uuid.uuid4(), headers={"MS-RequestId": rid})
    assert r.status == 404
    lines = _wait_for(lambda: _log_lines(server, rid))
    assert len(lines) == 1 and " 404 " in lines[0], lines
    rid = str(uuid.uuid4())
    r = http_request(server.port, "POST", "/v1/customers", "{}", {"MS-RequestId": rid,
                                                                  "Content-Type": "application/json"})
    assert r.status == 401
    lines = _wait_for(lambda: _log_lines(server, rid))
    assert len(lines) == 1 and "POST" in lines[0] and " 401 " in lines[0], lines


def test_access_log_redacts_secrets_in_query(server):
    rid = str(uuid.uuid4())
    r = http_request(server.port, "GET",
                     "/healthz?token=supersecret1&password=hunter2secret&client_secret=cs3cr3tvalue&keep=visible",
                     headers={"MS-RequestId": rid})
    assert r.status == 200
    lines = _wait_for(lambda: _log_lines(server, rid))
    assert len(lines) == 1, lines
    ln = lines[0]
    assert "***" in ln, ln
    assert "/healthz" in ln
    text = server.stderr()
    for secret in ("supersecret1", "hunter2secret", "cs3cr3tvalue"):
        assert secret not in text, secret


def test_access_log_redacts_case_variants(server):
    rid = str(uuid.uuid4())
    r = http_request(server.port, "GET", "/healthz?Password=UpperSecret9&TOKEN=UpperToken9&x=1",
                     headers={"MS-RequestId": rid})
    assert r.status == 200
    lines = _wait_for(lambda: _log_lines(server, rid))
    assert len(lines) == 1, lines
    assert "UpperSecret9" not in lines[0] and "UpperToken9" not in lines[0], lines[0]


def test_access_log_redacts_percent_encoded_names(server):
    # "%74oken" decodes to "token": it is the same parameter to any query parser
    rid = str(uuid.uuid4())
    r = http_request(server.port, "GET", "/healthz?%74oken=encodedSecret9&pass%77ord=encodedPw9",
                     headers={"MS-RequestId": rid})
    assert r.status == 200
    lines = _wait_for(lambda: _log_lines(server, rid))
    assert len(lines) == 1, lines
    assert "encodedSecret9" not in lines[0] and "encodedPw9" not in lines[0], lines[0]


def test_access_log_cannot_be_forged_through_the_query(server):
    """Decoded query values must not put line breaks (a forged log line) into the log."""
    rid = str(uuid.uuid4())
    forged = "2026-01-01T00:00:00Z GET /forged 200 0.001ms rid=forged-%s" % rid[:8]
    r = http_request(server.port, "GET", "/healthz?x=a%0A" + forged.replace(" ", "%20") + "%0Db",
                     headers={"MS-RequestId": rid})
    assert r.status == 200
    _wait_for(lambda: _log_lines(server, rid))
    lines = server.stderr().splitlines()
    assert not any(ln.startswith(forged) for ln in lines), [ln for ln in lines if "forged" in ln]
    assert "\r" not in server.stderr()


@pytest.mark.parametrize("what", ["healthz", "list", "domain-free", "domain-taken", "domain-invalid"])
def test_head_responses_have_no_body_on_the_wire(server, partner_a, what):
    """HEAD answers carry headers only: on a kept-alive connection the next bytes after the
    head are the next response (RFC 9110 9.3.2)."""
    import socket
    taken = partner_a.create_ok(cn_body(uniq("wire")))["companyProfile"]["domain"] if what == "domain-taken" else ""
    path = {"healthz": "/healthz", "list": "/v1/customers?size=1",
            "domain-free": "/v1/domains/%s.partner.onmschina.cn" % uniq("free"),
            "domain-taken": "/v1/domains/" + taken, "domain-invalid": "/v1/domains/bad_domain"}[what]
    s = socket.create_connection(("127.0.0.1", server.port), 10 * SLOW)
    try:
        s.sendall(("HEAD %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n"
                   "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                   % (path, partner_a.token)).encode())
        s.settimeout(10 * SLOW)
        data = b""
        while True:
            part = s.recv(65536)
            if not part:
                break
            data += part
    finally:
        s.close()
    first, sep, rest = data.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 "), data[:200]
    # the very next bytes are the second response, not a body
    assert rest.startswith(b"HTTP/1.1 200"), rest[:200]
    assert rest.rstrip().endswith(b"}"), rest[-100:]


def test_passwords_never_logged(server, partner_a):
    info = partner_a.info
    assert info["password"] not in server.stderr()
    assert info["password"] not in server.stdout()
    # a failed sign-in does not log the attempted password either
    token_request(server.port, {"grant_type": "password", "username": info["userName"],
                                "password": "WrongPassw0rd!xyz"})
    time.sleep(0.05)
    assert "WrongPassw0rd!xyz" not in server.stderr()


def test_no_access_log_option(make_server):
    s = make_server(["--no-access-log"]).start()
    rid = str(uuid.uuid4())
    assert http_request(s.port, "GET", "/healthz", headers={"MS-RequestId": rid}).status == 200
    time.sleep(0.1)
    assert rid not in s.stderr()


# ---- first start ------------------------------------------------------------------------------------
def test_first_start_bootstrap_admin(server):
    out = server.stdout()
    user = re.search(r"^\s*user name:\s*(\S+)\s*$", out, re.M)
    pw = re.search(r"^\s*password:\s*(\S+)\s*$", out, re.M)
    assert user and pw, out
    assert user.group(1) == "admin@partnerd.local"
    tok = get_token(server.port, user.group(1), pw.group(1))
    c = Client(server.port, tok)
    r = c.get("/v1/customers")
    assert r.status == 200, r
    created = c.create_ok(cn_body(uniq("boot")))
    assert c.get("/v1/customers/" + created["id"]).status == 200
    # the bootstrap password is printed on stdout only, never in the log
    assert pw.group(1) not in server.stderr()


def test_first_start_admin_email_option_and_no_second_bootstrap(make_server):
    s = make_server(["--admin-email", "root@example.cn"]).start()
    out = s.stdout()
    user = re.search(r"^\s*user name:\s*(\S+)\s*$", out, re.M)
    pw = re.search(r"^\s*password:\s*(\S+)\s*$", out, re.M)
    assert user and pw and user.group(1) == "root@example.cn", out
    s.stop()
    s.start()
    out2 = s.stdout()
    assert "password:" not in out2, out2
    assert pw.group(1) not in out2
    # the first admin still signs in after the restart
    assert get_token(s.port, "root@example.cn", pw.group(1))


# ---- durability ---------------------------------------------------------------------------------------
def test_acknowledged_creates_survive_sigkill(make_server):
    s = make_server(["--sandbox"]).start()
    info = s.add_partner("Durable")
    c = Client(s.port, get_token(s.port, info["userName"], info["password"]))
    acked = []
    lock = threading.Lock()

    def work():
        for _ in range(5):
            r = c.create(cn_body(uniq("dur")))
            assert r.status == 201, r
            with lock:
                acked.append(r.json)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(acked) == 20
    one = acked[0]
    put = c.req("PUT", "/v1/customers/%s/profiles/billing" % one["id"],
                dict(one["billingProfile"], companyName="持久化之后"),
                headers={"If-Match": one["billingProfile"]["attributes"]["etag"]})
    assert put.status == 200, put
    idem_rid = str(uuid.uuid4())
    idem_body = cn_body(uniq("durid"))
    idem = c.create_ok(idem_body, headers={"MS-RequestId": idem_rid})
    s.proc.send_signal(signal.SIGKILL)
    s.proc.wait(10)
    s.proc = None
    s.start()
    c = Client(s.port, get_token(s.port, info["userName"], info["password"]))
    for j in acked:
        r = c.get("/v1/customers/" + j["id"])
        assert r.status == 200, (j["id"], r)
        assert r.json["companyProfile"]["domain"] == j["companyProfile"]["domain"]
    b = c.get("/v1/customers/%s/profiles/billing" % one["id"]).json
    assert b["companyName"] == "持久化之后"
    assert b["attributes"]["etag"] == put.json["attributes"]["etag"]
    assert c.count() == 21
    # an idempotent retry after the restart still answers the first result
    rid_resp = c.create(idem_body, headers={"MS-RequestId": idem_rid})  # the same request
    assert rid_resp.status == 201 and rid_resp.json["id"] == idem["id"], rid_resp
    assert rid_resp.h("Idempotent-Replayed") == "true"
    # domains stay taken after the restart
    dup = c.create(cn_body(acked[1]["companyProfile"]["domain"].split(".")[0]))
    assert dup.status == 409, dup


def test_sigterm_during_burst(make_server):
    s = make_server([]).start()
    info = s.add_partner("Burst")
    tok = get_token(s.port, info["userName"], info["password"])
    stop = threading.Event()
    lock = threading.Lock()
    complete, broken, acked = [], [], []

    def worker(k):
        n = 0
        while not stop.is_set():
            n += 1
            conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10 * SLOW)
            try:
                if n % 2:
                    body = json.dumps(cn_body(uniq("burst")), ensure_ascii=False).encode()
                    conn.request("POST", "/v1/customers", body, {"Authorization": "Bearer " + tok,
                                                                 "Content-Type": "application/json"})
                else:
                    conn.request("GET", "/v1/customers?size=5", headers={"Authorization": "Bearer " + tok})
                try:
                    r = conn.getresponse()
                except (ConnectionError, http.client.RemoteDisconnected, OSError):
                    continue  # no response at all: allowed during shutdown
                try:
                    data = r.read()
                except http.client.IncompleteRead as e:
                    with lock:
                        broken.append(("incomplete", r.status, len(e.partial)))
                    continue
                except OSError as e:  # a status line and then a reset: a cut-off response
                    with lock:
                        broken.append(("reset after status", r.status, repr(e)))
                    continue
                try:
                    j = json.loads(data)
                except ValueError:
                    with lock:
                        broken.append(("not json", r.status, data[:100]))
                    continue
                with lock:
                    complete.append(r.status)
                    if r.status == 201:
                        acked.append(j["id"])
                    elif r.status not in (200, 503):
                        broken.append(("status", r.status, data[:200]))
            except (ConnectionError, OSError):
                if stop.is_set() or s.proc is None or s.proc.poll() is not None:
                    continue
                time.sleep(0.01)
            finally:
                conn.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.5 * SLOW)
    s.proc.send_signal(signal.SIGTERM)
    try:
        rc = s.proc.wait(30 * SLOW)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    s.proc = None
    print("burst: %d complete responses (%d creates acknowledged), statuses %s"
          % (len(complete), len(acked), sorted(set(complete))))
    assert rc == 0, "exit code %r; stderr tail:\n%s" % (rc, s.stderr()[-3000:])
    assert not broken, broken[:5]
    assert len(complete) > 10, complete
    assert acked, "no create finished before the signal"
    # every acknowledged create is in the store
    s.start()
    c = Client(s.port, get_token(s.port, info["userName"], info["password"]))
    have = {i["id"] for i in c.list_all()}
    missing = [a for a in acked if a not in have]
    assert not missing, missing[:5]


def test_sigint_stops_cleanly(make_server):
    s = make_server([]).start()
    assert http_request(s.port, "GET", "/healthz").status == 200
    s.proc.send_signal(signal.SIGINT)
    rc = s.proc.wait(30 * SLOW)
    s.proc = None
    s.check_clean(rc)


def test_second_server_on_same_port_fails(server):
    """Starting a second partnerd on a port already served must fail, not silently share the
    port (and split the traffic between two stores)."""
    import os
    import subprocess
    from helpers import BIN
    p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:%d" % server.port, "--db",
                          "sqlite:" + os.path.join(server.dir, "other.db")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        rc = p.wait(5 * SLOW)
    except subprocess.TimeoutExpired:
        rc = None
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        err = p.stderr.read().decode("utf-8", "replace")
        p.stderr.close()
    assert rc is not None and rc != 0, "a second server started on port %d (rc=%r)" % (server.port, rc)
    assert err.strip()
    assert http_request(server.port, "GET", "/healthz").status == 200


def test_concurrent_reads_and_writes(server, fresh_partner):
    c = fresh_partner("Concurrent")
    errors, ids = [], []
    lock = threading.Lock()

    def work(k):
        for i in range(6):
            r = c.create(cn_body(uniq("cc")))
            g = c.get("/v1/customers?size=50")
            with lock:
                if r.status != 201 or g.status != 200:
                    errors.append((r, g))
                else:
                    ids.append(r.json["id"])
                    # read-your-writes: the new customer is immediately readable
                    if c.get("/v1/customers/" + r.json["id"]).status != 200:
                        errors.append(("not readable", r.json["id"]))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert sorted(i["id"] for i in c.list_all()) == sorted(ids)
