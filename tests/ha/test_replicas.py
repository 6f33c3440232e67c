"""Read replicas (issue 20 item 2): partnerd on a primary with `--db-read` a streaming standby
made by `pg_basebackup -R` (replica.py).

- a signed-in caller's lists, searches and GETs are answered by the standby
  (partnerd_store_reads_total{target="replica"}), with the same answers as the primary's;
- read-your-writes: with the standby's replay paused, many clients released by a barrier create
  customers and update billing profiles, and each reads its own writes at once (from the
  primary), while callers who wrote nothing go on reading on the standby;
- authentication stays on the primary: an app revoked while the standby lags gets 401 at once;
- a standby paused past --db-read-max-lag is skipped (its reads are the primary's, so a write it
  has not replayed is seen) and used again once resumed;
- a standby stopped (SIGSTOP) or killed (SIGKILL): every read still answers 200, none waits past
  the bound below."""
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
from helpers import (BIN, SLOW, Server, app_client, cn_body, filt, free_port, http_request,  # noqa: E402
                     uniq)
from replica import Replicated  # noqa: E402

# --db-connect-timeout 2, --db-statement-timeout 3: a connection silent for 5 s is cut off by
# the watchdog.  A replica that stops answering is given up after 1 s by its monitor, which cuts
# off its connections then; a read that was opening a new connection to it waits for the
# connect timeout.  So a read during a stopped replica answers within 2 s and some margin.
STOPPED_READ_BOUND = 3.5 * SLOW


@pytest.fixture
def rep():
    r = Replicated()
    try:
        yield r.start()
    finally:
        r.close()


def serve(rep, max_lag="30"):
    mport = free_port()
    s = Server(["--db-pool", "8", "--loops", "2", "--rate-limit", "0", "--db-connect-timeout", "2",
                "--db-statement-timeout", "3",
                "--db-read", rep.url("standby"), "--db-read-max-lag", max_lag,
                "--metrics-listen", "127.0.0.1:%d" % mport], db=rep.url("primary"))
    s.mport = mport
    return s.start()


@pytest.fixture
def make_server(rep):
    made = []

    def make(**kw):
        s = serve(rep, **kw)
        made.append(s)
        return s
    yield make
    for s in made:
        try:
            s.stop()
        finally:
            s.cleanup()


def metrics(s):
    r = http_request(s.mport, "GET", "/metrics")
    assert r.status == 200, r
    out = {}
    for ln in r.text.splitlines():
        if ln.startswith("partnerd_store_re"):
            k, v = ln.rsplit(" ", 1)
            out[k] = float(v)
    return out


def reads(s):
    m = metrics(s)
    return (m.get('partnerd_store_reads_total{target="primary"}', 0),
            m.get('partnerd_store_reads_total{target="replica"}', 0))


def replica_up(s):
    return metrics(s).get('partnerd_store_replica_up{replica="1"}')


def wait_for(cond, timeout, what):
    deadline = time.time() + timeout * SLOW
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def settled(rep, s):
    """The standby has replayed every write so far and partnerd has seen it (it asks every 100 ms)."""
    rep.caught_up()
    wait_for(lambda: replica_up(s) == 1, 10, "the replica to be usable")
    time.sleep(0.5)


def reader_app(s, admin):
    """A second principal of the same partner that writes nothing: an app."""
    r = admin.req("POST", "/v1/apps", {"displayName": "reader " + uuid.uuid4().hex[:8], "roles": ["admin_agent"]})
    assert r.status == 201, r
    return app_client(s.port, r.json["clientId"], r.json["clientSecret"])


def bill(cid):
    return "/v1/customers/%s/profiles/billing" % cid


def update_billing(c, cid, email):
    old = c.get(bill(cid))
    assert old.status == 200, old
    body = dict(old.json)
    body.pop("links", None)
    body["attributes"] = {k: v for k, v in body.get("attributes", {}).items() if k != "etag"}
    body["email"] = email
    r = c.req("PUT", bill(cid), body, headers={"If-Match": old.json["attributes"]["etag"]})
    assert r.status == 200, r
    return r.json["attributes"]["etag"]


def test_lists_searches_and_gets_are_answered_by_the_replica(rep, make_server):
    s = make_server()
    admin = s.partner("replica reads")
    made = [admin.create_ok(cn_body(uniq("rr"), company="副本读取有限公司")) for _ in range(5)]
    reader = reader_app(s, admin)
    settled(rep, s)
    # the admin's own writes are replayed now too: its reads may go there as well
    p0, r0 = reads(s)
    for c in (reader, admin):
        for m in made:
            g = c.get("/v1/customers/" + m["id"])
            assert g.status == 200 and g.json["companyProfile"]["domain"] == m["companyProfile"]["domain"], g
        lst = c.get("/v1/customers?size=50")
        assert lst.status == 200 and {m["id"] for m in made} <= {i["id"] for i in lst.json["items"]}, lst
        found = c.get("/v1/customers?filter=" + filt("CompanyName", "副本读取", "starts_with"))
        assert found.status == 200 and len(found.json["items"]) == 5, found
        sub = c.get("/v1/customers?filter=" + filt("CompanyName", "读取有限", "substring"))
        assert sub.status == 200 and len(sub.json["items"]) == 5, sub
        assert c.get(bill(made[0]["id"])).status == 200
        assert c is reader or c.get("/v1/apps").status == 200
    p1, r1 = reads(s)
    assert r1 - r0 >= 2 * (5 + 4) + 1, "the replica answered %d reads, the primary %d" % (r1 - r0, p1 - p0)
    assert p1 - p0 == 0, "the primary answered %d routed reads while the replica was current" % (p1 - p0)
    # a GET that may write (it makes the invitation it shows when there is none) reads on the primary
    inv = admin.get("/v1/customers/relationshiprequests")
    assert inv.status == 200, inv
    p2, r2 = reads(s)
    assert r2 == r1, "a GET with a write phase read on the replica"
    # the standby itself ran them: partnerd's sessions there besides the monitor's read partnerd's tables
    assert int(rep.psql("standby", "postgres", "SELECT count(*) FROM pg_stat_activity WHERE datname = 'partnerd'"
                        " AND query ~ 'FROM (customers|apps) WHERE partner_id'")) > 0


def test_each_client_reads_its_own_writes_while_replay_is_paused(rep, make_server):
    s = make_server(max_lag="60")
    clients = [s.partner("ryw %d" % i) for i in range(8)]
    readers = [reader_app(s, c) for c in clients[:2]]
    seed = [c.create_ok(cn_body(uniq("seed"), company="种子数据有限公司")) for c in clients[:2]]
    settled(rep, s)
    rep.pause_replay()
    barrier = threading.Barrier(len(clients) + len(readers))
    errors = []
    p0, r0 = reads(s)

    def writer(c):
        try:
            barrier.wait(30)
            for _ in range(4):
                m = c.create_ok(cn_body(uniq("ryw"), company="读写一致有限公司"))
                g = c.get("/v1/customers/" + m["id"])
                if g.status != 200 or g.json["id"] != m["id"]:
                    errors.append("own create not read back: %r" % g)
                    continue
                ids = {i["id"] for i in c.list_all()}
                if m["id"] not in ids:
                    errors.append("own create not in own list")
                email = "b%s@ryw.example.cn" % uuid.uuid4().hex[:8]
                etag = update_billing(c, m["id"], email)
                b = c.get(bill(m["id"]))
                if b.status != 200 or b.json["email"] != email or b.json["attributes"]["etag"] != etag:
                    errors.append("own billing update not read back: %r" % b)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    def reader(c, cust):
        try:
            barrier.wait(30)
            for _ in range(20):
                g = c.get("/v1/customers/" + cust["id"])
                if g.status != 200:
                    errors.append("reader: %r" % g)
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=writer, args=(c,)) for c in clients]
    threads += [threading.Thread(target=reader, args=(c, m)) for c, m in zip(readers, seed)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    rep.resume_replay()
    assert not errors, errors[:5]
    p1, r1 = reads(s)
    # the writers' reads came from the primary; the readers', who wrote nothing, from the standby
    assert p1 - p0 >= 8 * 4 * 3, (p1 - p0, r1 - r0)
    assert r1 - r0 >= 2 * 20, (p1 - p0, r1 - r0)


def test_a_replica_past_the_lag_limit_is_skipped_and_used_again(rep, make_server):
    s = make_server(max_lag="2")
    admin = s.partner("lagging")
    reader = reader_app(s, admin)
    settled(rep, s)
    rep.pause_replay()
    fresh = admin.create_ok(cn_body(uniq("lag"), company="滞后测试有限公司"))  # the standby does not have it
    wait_for(lambda: replica_up(s) == 0, 10, "the replica to be skipped")
    p0, r0 = reads(s)
    for _ in range(10):
        g = reader.get("/v1/customers/" + fresh["id"])
        assert g.status == 200 and g.json["id"] == fresh["id"], g  # read on the primary
    p1, r1 = reads(s)
    assert r1 == r0 and p1 - p0 >= 10, (p1 - p0, r1 - r0)
    rep.resume_replay()
    wait_for(lambda: replica_up(s) == 1, 15, "the replica to be used again")
    for _ in range(10):
        assert reader.get("/v1/customers/" + fresh["id"]).status == 200
    p2, r2 = reads(s)
    assert r2 - r1 >= 10, (p2 - p1, r2 - r1)


def test_a_revocation_takes_effect_at_once_while_the_replica_lags(rep, make_server):
    """Authentication is the primary's: an app revoked while the standby has not replayed it
    (and still has the app active and its token) gets 401 on its next request."""
    s = make_server(max_lag="60")
    admin = s.partner("revoking")
    r = admin.req("POST", "/v1/apps", {"displayName": "to revoke", "roles": ["admin_agent"]})
    assert r.status == 201, r
    app = app_client(s.port, r.json["clientId"], r.json["clientSecret"])
    cust = admin.create_ok(cn_body(uniq("rev"), company="吊销测试有限公司"))
    settled(rep, s)
    _, r0 = reads(s)
    assert app.get("/v1/customers/" + cust["id"]).status == 200
    assert reads(s)[1] > r0, "the app's reads were the replica's"
    rep.pause_replay()
    try:
        d = admin.req("DELETE", "/v1/apps/" + r.json["id"])
        assert d.status == 204, d
        for _ in range(5):
            g = app.get("/v1/customers/" + cust["id"])
            assert g.status == 401, g
    finally:
        rep.resume_replay()


def timed_reads(c, cid, seconds, out):
    end = time.time() + seconds
    while time.time() < end:
        t0 = time.time()
        try:
            g = c.get("/v1/customers/" + cid)
            out.append((g.status, time.time() - t0))
        except Exception as e:  # noqa: BLE001
            out.append((repr(e), time.time() - t0))


def storm(readers, cid, seconds):
    out = []
    threads = [threading.Thread(target=timed_reads, args=(c, cid, seconds, out)) for c in readers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    return out


def test_a_stopped_or_killed_replica_never_hangs_a_read(rep, make_server):
    s = make_server()
    admin = s.partner("dying replica")
    readers = [reader_app(s, admin) for _ in range(4)]
    cust = admin.create_ok(cn_body(uniq("die"), company="副本故障有限公司"))
    settled(rep, s)
    before = storm(readers, cust["id"], 1)
    assert before and all(st == 200 for st, _ in before), before[:5]
    _, r0 = reads(s)
    assert r0 > 0
    rep.signal("standby", signal.SIGSTOP)  # hangs: its kernel still acknowledges
    try:
        during = storm(readers, cust["id"], 6)
    finally:
        rep.signal("standby", signal.SIGCONT)
    bad = [x for x in during if x[0] != 200]
    slow = max(t for _, t in during)
    assert not bad, bad[:5]
    assert slow < STOPPED_READ_BOUND, "a read took %.1f s while the replica was stopped" % slow
    assert replica_up(s) in (0, 1)
    wait_for(lambda: replica_up(s) == 1, 15, "the replica to be used again after SIGCONT")
    rep.signal("standby", signal.SIGKILL)
    killed = storm(readers, cust["id"], 4)
    bad = [x for x in killed if x[0] != 200]
    assert not bad, bad[:5]
    assert max(t for _, t in killed) < STOPPED_READ_BOUND
    assert replica_up(s) == 0
    print("replica stopped: %d reads, slowest %.2f s; killed: %d reads, slowest %.2f s"
          % (len(during), slow, len(killed), max(t for _, t in killed)))
    rep.start_node("standby")
    wait_for(lambda: replica_up(s) == 1, 30, "the restarted replica to be used again")


def test_db_read_garbage_is_refused_at_start(rep):
    """Exit 2 naming the setting, before anything listens."""
    for args, say in ((["--db-read", "mysql://x"], "--db-read 'mysql://x' is not valid"),
                      (["--db-read", "postgresql://h/db?nosuchparameter=1"], "--db-read: replica 1 is not"),
                      (["--db-read", rep.url("standby"), "--db-read", "postgresql://h/db?x=1"], "replica 2 is not"),
                      (["--db-read-max-lag", "0"], "--db-read-max-lag '0' is not valid"),
                      (["--db-read-max-lag", "5x"], "--db-read-max-lag '5x' is not valid"),
                      (["--db-read", "postgresql://a/db,"], "--db-read 'postgresql://a/db,' is not valid")):
        r = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:%d" % free_port(), "--db", rep.url("primary")]
                           + args, capture_output=True, text=True, timeout=30)
        assert r.returncode == 2 and say in r.stderr, (args, r.returncode, r.stderr)
