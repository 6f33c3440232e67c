"""No event loop waits on PostgreSQL (issue 15, item 4).  With a PostgreSQL store a request's
store reads (authentication, the shared rate limit, prepare) run on the readers, and the reply
resumes on its loop; requests that read no store (portal files) stay on the loop.  Here another
session holds customers locked, so API reads of customers hang in PostgreSQL and, with
--db-pool 2, every connection of the pool is taken: the portal still answers at once on every
loop, /healthz answers 503 within --health-timeout and 200 once the lock is gone, the stuck
reads complete, a stuck read ends in 503 + Retry-After at its deadline, and a client that
goes away while its request is with the readers harms nothing.  PostgreSQL runs only."""
import socket
import subprocess
import threading
import time

import pytest

from helpers import ON_PG, SLOW, Server, cn_body, http_request, psql, race, uniq

pytestmark = pytest.mark.skipif(not ON_PG, reason="PostgreSQL runs only (PARTNERD_TEST_DB=postgresql): "
                                "SQLite reads on the loops, a local file with no network to wait for")

LOOPS = 4
HEALTH_TIMEOUT = 1


class Lock:
    """BEGIN; LOCK TABLE ... IN ACCESS EXCLUSIVE MODE in a psql session kept open until release()."""

    def __init__(self, db, table="customers"):
        self.p = subprocess.Popen(["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", db],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        self.p.stdin.write("BEGIN; LOCK TABLE %s IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n" % table)
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        assert line.strip() == "locked", "psql: %r %s" % (line, self.p.stderr.read() if self.p.poll() else "")

    def release(self):
        if self.p.poll() is None:
            self.p.stdin.write("COMMIT;\n")
            self.p.stdin.close()
            self.p.wait(30)


def waiting_on_locks(db):
    """Sessions of this database waiting for a lock (the stuck reads)."""
    out = psql(db, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                   " AND wait_event_type = 'Lock'")
    return int(out.strip())


def wait_until(cond, secs, what):
    deadline = time.time() + secs * SLOW
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def timed(port, path, timeout=20):
    t0 = time.monotonic()
    r = http_request(port, "GET", path, timeout=timeout)
    return r, time.monotonic() - t0


@pytest.fixture
def server():
    s = Server(["--db-pool", "2", "--loops", str(LOOPS), "--health-timeout", str(HEALTH_TIMEOUT)])
    s.start()
    yield s
    s.cleanup()


def test_a_locked_table_stalls_no_loop(server):
    c = server.partner("Loops")
    cust = c.create_ok(cn_body(uniq("loops")))
    assert c.get("/v1/customers/" + cust["id"]).status == 200
    lock = Lock(server.db)
    stuck = []
    try:
        def stuck_read():
            return c.get("/v1/customers/" + cust["id"])

        # four API reads of customers, released together: each hangs on the lock (two hold the
        # pool's two connections in PostgreSQL, the others wait for one on a reader)
        t = threading.Thread(target=lambda: stuck.extend(race(*[stuck_read] * 4)[0]))
        t.start()
        wait_until(lambda: waiting_on_locks(server.db) >= 2, 10, "two reads stuck on the lock")
        assert not stuck, "the reads were meant to hang: %r" % stuck

        # portal files on many connections at once (the accept turn deals them to every loop)
        files = ["/", "/assets/app.js", "/assets/app.css", "/assets/api.js"] * (2 * LOOPS)
        got, _ = race(*[lambda p=p: timed(server.port, p) for p in files])
        slow = [(p, round(secs * 1000, 1), r.status) for p, (r, secs) in zip(files, got)
                if r.status != 200 or secs >= 0.050 * SLOW]
        worst = max(secs for _, secs in got)
        print("portal files while the store is stuck: %d requests, slowest %.1f ms"
              % (len(files), worst * 1000))
        assert not slow, "portal files slow or failing while the store is stuck: %r" % slow

        # /healthz asks the store through the pool, which is exhausted: 503 within its timeout
        h, secs = timed(server.port, "/healthz")
        print("/healthz while the store is stuck: %d in %.3f s" % (h.status, secs))
        assert h.status == 503, h
        assert h.h("Retry-After"), h.headers
        assert h.json and h.json["errorName"] == "ServiceUnavailable" and h.json["description"], h
        assert HEALTH_TIMEOUT * 0.9 <= secs < HEALTH_TIMEOUT + 1.0 * SLOW, secs
        assert not stuck and t.is_alive(), "the stuck reads ended before the lock was released"
    finally:
        lock.release()
    t.join(30 * SLOW)
    assert not t.is_alive(), "the stuck reads did not complete after the lock was released"
    assert [r.status for r in stuck] == [200] * 4, stuck
    assert all(r.json["id"] == cust["id"] for r in stuck), stuck
    wait_until(lambda: http_request(server.port, "GET", "/healthz").status == 200, 5, "/healthz 200")
    h = http_request(server.port, "GET", "/healthz")
    assert h.status == 200 and h.json["status"] == "ok", h
    server.stop()


def test_a_stuck_read_ends_in_503_at_its_deadline():
    s = Server(["--db-pool", "2", "--loops", "2", "--read-timeout", "2"])
    try:
        s.start()
        c = s.partner("Deadline")
        cust = c.create_ok(cn_body(uniq("deadline")))
        lock = Lock(s.db)
        try:
            t0 = time.monotonic()
            r = c.get("/v1/customers/" + cust["id"])
            secs = time.monotonic() - t0
            print("a read stuck on a lock: %d after %.2f s (--read-timeout 2)" % (r.status, secs))
            assert r.status == 503 and r.h("Retry-After") and r.json["errorName"] == "ServiceUnavailable", r
            assert 1.8 <= secs < 2 + 1.5 * SLOW, secs
            assert waiting_on_locks(s.db) >= 1, "the read was not stuck in PostgreSQL"
        finally:
            lock.release()
        # its late answer was dropped; the next request is served as usual
        r = c.get("/v1/customers/" + cust["id"])
        assert r.status == 200 and r.json["id"] == cust["id"], r
        s.stop()
    finally:
        s.cleanup()


def test_clients_leaving_while_their_reads_are_stuck(server):
    c = server.partner("Leavers")
    cust = c.create_ok(cn_body(uniq("leave")))
    raw = ("GET /v1/customers/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n"
           % (cust["id"], c.token)).encode()
    lock = Lock(server.db)
    try:
        def leave():
            k = socket.create_connection(("127.0.0.1", server.port), 5)
            k.sendall(raw)
            time.sleep(0.2)  # on a reader by now, or queued for one
            k.close()
            return True

        assert race(*[leave] * 6)[0] == [True] * 6
        wait_until(lambda: waiting_on_locks(server.db) >= 1, 10, "a read stuck on the lock")
        h, _ = timed(server.port, "/healthz")
        assert h.status == 503, h  # still stuck: the abandoned reads hold the pool
    finally:
        lock.release()
    wait_until(lambda: http_request(server.port, "GET", "/healthz").status == 200, 10, "/healthz 200")
    r = c.get("/v1/customers/" + cust["id"])
    assert r.status == 200, r
    server.stop()  # exit code 0, and no sanitizer finding (PARTNERD_SANITIZED=1 on build/san)
