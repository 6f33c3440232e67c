"""Failover without losing an acknowledged write (issue 20, item 1).

A pg_auto_failover formation (cluster.py: monitor, primary, synchronous standby) and one
partnerd on its multi-host URL (target_session_attrs=read-write).  Several clients, released
together by a barrier, create customers and update billing profiles (with their etags) while
others read; then the primary is broken mid-storm:

- SIGKILL of the primary's postgres, its pg_autoctl frozen meanwhile so that it does not
  start postgres again at once (the node is lost as a machine is): the monitor promotes the
  standby; every acknowledged create (201) and billing update (200) is on the new primary,
  nothing is half-written, the same partnerd answers writes again within 30 s, every request
  meanwhile answers or fails fast (503 + Retry-After), and the old primary, started again,
  rejoins as the standby.
- SIGSTOP of the primary's postgres processes (a primary that hangs without closing its
  connections): requests fail fast with 503 + Retry-After instead of hanging, and partnerd
  moves on to the standby the monitor promotes.

The figures (time to the first write after the break, slowest read, counts) are printed
(pytest -s shows them)."""
import http.client
import json
import signal
import threading
import time

from helpers import SLOW, cn_body, uniq

WRITERS, READERS = 6, 2
# A request meanwhile answers or fails within this, well inside --read-timeout (30 s): with
# the defaults a hung server's connections are cut off after --db-statement-timeout (5 s) and
# 2 s (a request may wait that long for a free connection of the pool, too), then each new
# connection waits --db-connect-timeout (3 s) on the hung host before trying the next.
# Measured: at most 13.2 s.
FAST = 20.0 * SLOW
WRITES_BACK = 30.0        # partnerd writes again within this after the break


def call(port, token, method, path, body=None, headers=None, timeout=60):
    """One request; (status, headers dict in lower case, parsed body, seconds taken)."""
    h = {"Accept": "application/json", "Authorization": "Bearer " + token}
    data = None
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    t0 = time.monotonic()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, data, h)
        r = c.getresponse()
        raw = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        try:
            j = json.loads(raw) if raw else None
        except ValueError:
            j = None
        return r.status, hdrs, j, time.monotonic() - t0
    except OSError as e:
        return "error: %s" % e, {}, None, time.monotonic() - t0
    finally:
        c.close()


def billing_path(cid):
    return "/v1/customers/%s/profiles/billing" % cid


class Storm:
    """WRITERS threads creating customers and updating their billing profiles, READERS threads
    reading them back, all released by one barrier; every request is logged."""

    def __init__(self, port, token):
        self.port, self.token = port, token
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.log = []             # (kind, started, seconds, status, retry_after)
        self.creates = []         # (domain, status, customer id or None)
        self.updates = {}         # customer id -> [(company name, status, etag or None)] in order
        self.acked = []           # customer ids created with 201
        self.barrier = threading.Barrier(WRITERS + READERS + 1)
        self.threads = [threading.Thread(target=self.writer, args=(i,)) for i in range(WRITERS)] + \
                       [threading.Thread(target=self.reader, args=(i,)) for i in range(READERS)]

    def req(self, kind, method, path, body=None, headers=None):
        started = time.monotonic()
        status, hdrs, j, secs = call(self.port, self.token, method, path, body, headers)
        with self.lock:
            self.log.append((kind, started, secs, status, hdrs.get("retry-after")))
        if status != 200 and status != 201:
            time.sleep(0.05)  # not Retry-After's 5 s: the test wants to see the first write back
        return status, j

    def writer(self, i):
        own, n = [], 0
        self.barrier.wait()
        while not self.stop.is_set():
            n += 1
            if not own or n % 2:
                domain = uniq("ha%d" % i)
                status, j = self.req("create", "POST", "/v1/customers", cn_body(domain))
                cid = j.get("id") if status == 201 and j else None
                with self.lock:
                    self.creates.append((domain, status, cid))
                    if cid:
                        self.acked.append(cid)
                if cid:
                    own.append(cid)
                continue
            cid = own[n % len(own)]
            status, j = self.req("read", "GET", billing_path(cid))
            if status != 200:
                continue
            etag, name = j["attributes"]["etag"], "HA %d-%d Ltd" % (i, n)
            body = {k: v for k, v in j.items() if k not in ("links", "attributes")}
            body.update(companyName=name, email="it-%d-%d@example.cn" % (i, n))
            status, j = self.req("update", "PUT", billing_path(cid), body, {"If-Match": etag})
            with self.lock:
                self.updates.setdefault(cid, []).append(
                    (name, status, j["attributes"]["etag"] if status == 200 and j else None))

    def reader(self, i):
        self.barrier.wait()
        n = 0
        while not self.stop.is_set():
            n += 1
            with self.lock:
                cid = self.acked[-1 - (n % len(self.acked))] if self.acked else None
            if cid and n % 3:
                self.req("read", "GET", "/v1/customers/%s" % cid)
            else:
                self.req("read", "GET", "/v1/customers?size=20")
            time.sleep(0.01)

    def start(self):
        for t in self.threads:
            t.start()
        self.barrier.wait()
        return self

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(120)
        assert not any(t.is_alive() for t in self.threads), "a client still waits for an answer"

    def first_write_after(self, t):
        done = [s + d for k, s, d, st, _ in self.log if k in ("create", "update") and s >= t and st in (200, 201)]
        return min(done) - t if done else None

    def acknowledged_since(self, t):
        return sum(1 for k, s, d, st, _ in self.log if k in ("create", "update") and s >= t and st in (200, 201))


def check_meanwhile(storm, since):
    """Every request answered, within FAST; whatever failed is a 503 with Retry-After."""
    slow = [e for e in storm.log if e[2] > FAST]
    assert not slow, "requests took longer than %.0f s: %r" % (FAST, slow[:10])
    bad = [e for e in storm.log if e[3] not in (200, 201, 412) and not (e[3] == 503 and e[4])]
    assert not bad, "requests neither answered nor refused with 503 + Retry-After: %r" % bad[:10]
    reads = [e[2] for e in storm.log if e[0] == "read" and e[1] >= since - 1]
    return max(reads) if reads else 0.0


def check_nothing_lost(cluster, port, storm, partnerd_port, token):
    """Every acknowledged create and billing update is on the node at `port`; nothing half-written."""
    rows = cluster.psql(port, "partnerd", "SELECT c.customer_id, c.domain, d.customer_id, c.billing"
                        " FROM customers c FULL JOIN domains d ON d.domain = c.domain")
    found, half = {}, []
    for line in rows.splitlines():
        cid, domain, dcid, billing = line.split("|", 3) if line.count("|") >= 3 else (None,) * 4
        if not cid or dcid != cid:
            half.append(line)
        else:
            found[cid] = (domain, json.loads(billing))
    assert not half, "customers without their domain (or domains without their customer): %r" % half[:5]
    missing = [cid for cid in storm.acked if cid not in found]
    assert not missing, "%d of %d acknowledged creates are not on the new primary: %r" % (
        len(missing), len(storm.acked), missing[:5])
    lost = []
    for cid, attempts in storm.updates.items():
        acked = [k for k, a in enumerate(attempts) if a[1] == 200]
        if not acked:
            continue
        last = acked[-1]
        later = {a[0] for a in attempts[last + 1:] if a[1] != 200 and a[1] != 412}
        billing = found[cid][1]
        name = billing.get("companyName") or billing.get("company_name")
        if name == attempts[last][0]:
            status, _, j, _ = call(partnerd_port, token, "GET", billing_path(cid))
            if status != 200 or j["attributes"]["etag"] != attempts[last][2]:
                lost.append((cid, "etag", attempts[last][2], status, j))
        elif name not in later:
            lost.append((cid, name, attempts))
    assert not lost, "acknowledged billing updates not on the new primary: %r" % lost[:5]
    updated = sum(1 for a in storm.updates.values() for x in a if x[1] == 200)
    return len(storm.acked), updated


def start_storm(partnerd, cluster):
    p = cluster.primary_port()
    assert p == cluster.ports[0], cluster.states()
    # a COMMIT returns only when the standby has it
    assert cluster.psql(p, "partnerd", "SHOW synchronous_standby_names").startswith("ANY 1 (")
    assert cluster.psql(p, "partnerd", "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'quorum'"
                        " AND state = 'streaming'") == "1"
    admin = partnerd.partner("HA Partner")
    storm = Storm(partnerd.port, admin.token).start()
    deadline = time.monotonic() + 30
    while storm.acknowledged_since(0) < 40 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert storm.acknowledged_since(0) >= 40, storm.log[-10:]
    return storm, admin, p


def report(what, **figures):
    print("\n%s: %s" % (what, ", ".join("%s=%s" % kv for kv in figures.items())))


def test_sigkill_of_the_primary_loses_no_acknowledged_write(cluster, partnerd):
    storm, admin, old = start_storm(partnerd, cluster)
    new = cluster.ports[1]
    cluster.kill_node(old)
    t_kill = time.monotonic()  # after the signals: a write begun before them may still succeed
    try:
        deadline = t_kill + WRITES_BACK + 15
        while time.monotonic() < deadline and (storm.first_write_after(t_kill) is None
                                               or storm.acknowledged_since(t_kill) < 40):
            time.sleep(0.2)
    finally:
        storm.join()
    back = storm.first_write_after(t_kill)
    assert back is not None and back < WRITES_BACK, "no write answered within %.0f s of the kill" % WRITES_BACK
    slowest = check_meanwhile(storm, t_kill)
    cluster.wait(lambda: cluster.primary_port() == new, 60, "node2 to be the primary")
    creates, updates = check_nothing_lost(cluster, new, storm, partnerd.port, admin.token)
    # the old primary, started again by its pg_autoctl, rejoins as the (synchronous) standby
    t_run = time.monotonic()
    cluster.restart_node(old)
    cluster.wait(lambda: cluster.states() == {old: ("secondary", "secondary"), new: ("primary", "primary")},
                 120, "node1 to rejoin as the secondary")
    cluster.wait(lambda: cluster.psql(new, "partnerd", "SHOW synchronous_standby_names").startswith("ANY 1 ("),
                 30, "the new primary to replicate synchronously")
    assert cluster.psql(old, "partnerd", "SELECT pg_is_in_recovery()") == "t"
    assert cluster.psql(new, "partnerd", "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
                        " AND sync_state = 'quorum'") == "1"
    refused = sum(1 for e in storm.log if e[3] == 503)
    report("SIGKILL", first_write_after_s=round(back, 2), slowest_read_s=round(slowest, 2),
           acknowledged_creates=creates, acknowledged_updates=updates, found="all", refused_503=refused,
           requests=len(storm.log), rejoined_s=round(time.monotonic() - t_run, 1))


def test_hung_primary_fails_fast_and_partnerd_moves_on(cluster, partnerd):
    storm, admin, old = start_storm(partnerd, cluster)
    new = cluster.ports[1]
    cluster.signal_postgres(old, signal.SIGSTOP)
    t_stop = time.monotonic()
    try:
        cluster.wait(lambda: cluster.primary_port() == new, 90, "the monitor to promote node2")
        t_promoted = time.monotonic()
        deadline = t_promoted + WRITES_BACK + 15
        while time.monotonic() < deadline and (storm.first_write_after(t_promoted) is None
                                               or storm.acknowledged_since(t_promoted) < 40):
            time.sleep(0.2)
    finally:
        storm.join()
        cluster.signal_postgres(old, signal.SIGCONT)
    back = storm.first_write_after(t_stop)
    after_promotion = storm.first_write_after(t_promoted)
    assert after_promotion is not None and after_promotion < WRITES_BACK, \
        "no write answered within %.0f s of the promotion" % WRITES_BACK
    slowest = check_meanwhile(storm, t_stop)
    creates, updates = check_nothing_lost(cluster, new, storm, partnerd.port, admin.token)
    refused = sum(1 for e in storm.log if e[3] == 503)
    report("SIGSTOP", promoted_after_s=round(t_promoted - t_stop, 2), first_write_after_stop_s=round(back, 2),
           first_write_after_promotion_s=round(after_promotion, 2), slowest_read_s=round(slowest, 2),
           slowest_request_s=round(max(e[2] for e in storm.log), 2),
           acknowledged_creates=creates, acknowledged_updates=updates, found="all", refused_503=refused,
           requests=len(storm.log))
