"""Connections beyond what partnerd can hold: the open-files limit and --max-connections.
Out of descriptors, accept() used to fail at once and forever (the listening socket stays
readable): 1,100 idle connections against a limit of 1024 burnt a core, delayed /healthz by
30 s and wrote gigabytes of warnings.  Now partnerd caps its connections below the limit; at
the cap it closes the connection idle longest for a new one, and when none is idle it stops
accepting (new connections wait in the listen backlog) until one closes or goes idle."""
import os
import threading
import re
import resource
import socket
import time

import pytest

import helpers
from helpers import SLOW, http_request

HZ = os.sysconf("SC_CLK_TCK")


@pytest.fixture(autouse=True)
def enough_descriptors():
    """This process opens 1,100 sockets too."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 4096)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.fixture
def limited(tmp_path, monkeypatch):
    """partnerd started under `prlimit --nofile=1024:1024`: a hard limit of 1024, so raising
    the soft limit cannot help."""
    wrapper = tmp_path / "partnerd-1024"
    wrapper.write_text("#!/bin/sh\nexec prlimit --nofile=1024:1024 %s \"$@\"\n" % helpers.BIN)
    wrapper.chmod(0o755)
    monkeypatch.setattr(helpers, "BIN", str(wrapper))


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


def open_idle(port, n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.settimeout(5)
        s.connect(("127.0.0.1", port))
        socks.append(s)
    return socks


def closed_by_server(s, wait=0.01):
    s.settimeout(wait)
    try:
        return s.recv(1) == b""
    except (socket.timeout, BlockingIOError):
        return False
    except OSError:
        return True


def get(s, path="/healthz", timeout=2.0):
    """One request on socket s; the status, or None if no answer came within timeout."""
    s.settimeout(timeout * SLOW)
    s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
    return read_status(s)


def read_status(s):
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            part = s.recv(65536)
            if not part:
                return None
            data += part
        head, _, body = data.partition(b"\r\n\r\n")
        n = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
        while len(body) < n:
            body += s.recv(65536)
    except (socket.timeout, OSError):
        return None
    return int(head.split(b" ", 2)[1])


def test_idle_connections_beyond_the_open_files_limit(make_server, limited):
    s = make_server(["--no-access-log", "--loops", "2"]).start()
    pid = s.proc.pid
    socks = open_idle(s.port, 1100)
    try:
        time.sleep(0.5)
        t0 = time.time()
        r = http_request(s.port, "GET", "/healthz", timeout=2)
        took = time.time() - t0
        assert r.status == 200 and took < 2 * SLOW, (r, took)
        cpu0 = cpu_seconds(pid)
        time.sleep(5)
        used = cpu_seconds(pid) - cpu0
        assert used < 1.0, "partnerd used %.2f s of CPU in 5 s with 1,100 idle connections" % used
        err = s.stderr()
        assert len(err) < 4000 and len(err.splitlines()) <= 12, err[-4000:]
        assert "connection cap (936" in err, err
        # idle connections made room for the newer ones: 936 are open, the rest were closed
        gone = sum(closed_by_server(c) for c in socks)
        assert gone == 1100 + 1 - 936, gone
    finally:
        for c in socks:
            c.close()
    time.sleep(0.5)
    for _ in range(20):
        assert http_request(s.port, "GET", "/healthz", timeout=2).status == 200
    assert s.running()
    assert "at most 936 connections" in s.stdout(), s.stdout()  # 1024 less 64, 8 x 2 loops, 8 pool


def test_no_room_below_the_cap_waits_in_the_backlog(make_server):
    """--max-connections 50 with 50 connections each in the middle of a request: nothing is
    idle, so the 51st waits (it is not accepted) while the 50 are answered; when one closes,
    the 51st is served."""
    s = make_server(["--max-connections", "50", "--no-access-log"]).start()
    conns = open_idle(s.port, 50)
    try:
        for c in conns:  # each is accepted and served, then starts a request it does not finish
            assert get(c) == 200
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        late = socket.create_connection(("127.0.0.1", s.port), 5)
        assert get(late, timeout=1.0) is None, "the 51st connection was served at the cap"
        # the others keep working
        for c in conns[2:12]:
            c.settimeout(2 * SLOW)
            c.sendall(b"\r\n")
            assert read_status(c) == 200
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # busy again
        conns[0].close()
        late.settimeout(3 * SLOW)
        assert read_status(late) == 200, "the 51st connection was not served after one closed"
        for c in conns[12:]:
            c.settimeout(2 * SLOW)
            c.sendall(b"\r\n")
            assert read_status(c) == 200
        late.close()
    finally:
        for c in conns:
            c.close()
    assert "connection cap (50" in s.stderr()


def test_at_the_cap_the_connection_idle_longest_makes_room(make_server):
    """A connection idle for a second or more is closed for a new one: the oldest first."""
    s = make_server(["--max-connections", "5", "--loops", "1", "--no-access-log"]).start()
    idle = []
    for _ in range(5):
        idle.append(socket.create_connection(("127.0.0.1", s.port), 5))
        time.sleep(0.05)
    time.sleep(1.2)
    try:
        t0 = time.time()
        assert http_request(s.port, "GET", "/healthz", timeout=2).status == 200
        assert time.time() - t0 < 1.0 * SLOW
        assert closed_by_server(idle[0], 2 * SLOW), "the oldest idle connection is still open"
        assert not any(closed_by_server(c) for c in idle[1:])
    finally:
        for c in idle:
            c.close()


def test_clients_arriving_together_at_the_cap_are_all_served(make_server):
    """60 clients released at once by a barrier against --max-connections 8: a connection
    that has just opened is not idle long enough to be closed for another, so every client
    waits its turn (in the backlog) and is answered; none finds its connection closed."""
    s = make_server(["--max-connections", "8", "--no-access-log"]).start()
    n = 60
    barrier = threading.Barrier(n)
    results = [None] * n

    def client(i):
        barrier.wait()
        try:
            results[i] = http_request(s.port, "GET", "/healthz?client=%d" % i, timeout=20).status
        except Exception as e:  # noqa: BLE001 - reported below
            results[i] = repr(e)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [200] * n, results
    assert "closed a new one" not in s.stderr() and "closed the connection idle" not in s.stderr(), s.stderr()


def test_max_connections_above_the_open_files_limit_is_refused(limited, tmp_path):
    import subprocess
    r = subprocess.run([helpers.BIN, "serve", "--listen", "127.0.0.1:%d" % helpers.free_port(),
                        "--db", "sqlite:" + str(tmp_path / "x.db"), "--max-connections", "5000"],
                       capture_output=True, text=True, timeout=20 * SLOW)
    assert r.returncode != 0
    assert "--max-connections 5000" in r.stderr and "1024" in r.stderr, r.stderr


def test_out_of_descriptors_partnerd_pauses_instead_of_spinning(make_server):
    """The open-files limit lowered under a running partnerd (its cap, from the old limit, is
    far away): accept() fails with EMFILE.  partnerd stops accepting for 100 ms at a time
    instead of retrying at once, logs it once a second with a count, and closes idle
    connections so that new clients are still served."""
    import subprocess
    s = make_server(["--no-access-log", "--loops", "1"]).start()
    pid = s.proc.pid
    subprocess.run(["prlimit", "--pid", str(pid), "--nofile=100:100"], check=True)
    socks = open_idle(s.port, 200)
    try:
        time.sleep(0.5)
        t0 = time.time()
        assert http_request(s.port, "GET", "/healthz", timeout=3).status == 200
        assert time.time() - t0 < 2 * SLOW
        cpu0 = cpu_seconds(pid)
        time.sleep(3)
        used = cpu_seconds(pid) - cpu0
        assert used < 0.6, "partnerd used %.2f s of CPU in 3 s out of descriptors" % used
        err = s.stderr()
        assert "cannot accept a connection: Too many open files" in err, err[-2000:]
        assert len(err.splitlines()) <= 12, err[-3000:]
        assert re.search(r"cannot accept a connection: \d+ more times in the last second", err), err[-2000:]
    finally:
        for c in socks:
            c.close()
    time.sleep(0.5)
    for _ in range(10):
        assert http_request(s.port, "GET", "/healthz", timeout=2).status == 200


@pytest.mark.skipif(not helpers.ON_PG, reason="--db-read's standbys are PostgreSQL's (SQLite ignores the flag)")
def test_the_read_replicas_connections_count_against_the_open_files_limit(limited):
    """With --db-read each standby has a pool of --db-pool connections and a monitor's, and the
    primary a WAL sampler: descriptors the connection cap must leave free.  100 connections fit
    under 1024 with a pool of 100 alone (1024 - 64 - 8 per loop - 100), not with 8 standbys'
    pools besides (8 x 101 + 1 more)."""
    import subprocess
    db = helpers.new_pg_db()
    try:
        base = [helpers.BIN, "serve", "--listen", "127.0.0.1:%d" % helpers.free_port(), "--db", db,
                "--loops", "2", "--db-pool", "100", "--max-connections", "100"]
        r = subprocess.run(base + ["--db-read", ",".join([db] * 8)], capture_output=True, text=True,
                           timeout=30 * SLOW)
        assert r.returncode != 0, r.stderr
        assert "--max-connections 100 is more than the open-files limit allows" in r.stderr, r.stderr
        p = subprocess.Popen(base, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(2 * SLOW)
            assert p.poll() is None, "without the standbys 100 connections fit: %s" % p.stderr.read()
        finally:
            p.terminate()
            p.wait(timeout=30)
    finally:
        helpers.drop_pg_db(db)
