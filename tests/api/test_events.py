"""The change feed (issue 22, docs/events.md): GET /v1/events.  Every change writes its events in
the transaction of its activity record (a failed write leaves none); the feed pages them in
cursor order, long-polls with wait=S parked on the event loop (bounded, freed when the client
leaves), is tenant-scoped and role-checked, refuses bad parameters naming them, and after
--event-retention answers 410 with the oldest cursor kept for a cursor below what it removed.
Both engines; on PostgreSQL also two instances on one database."""
import json
import socket
import threading
import time
import urllib.parse
import uuid

import pytest

from helpers import (ON_PG, SLOW, add_user, assert_error, cn_body, db_update, fresh_source,
                     http_request, psql, staff_client, uniq)

FORM = "application/x-www-form-urlencoded"


# ---- helpers ----------------------------------------------------------------------------------

def page(p, query="", **kw):
    r = p.get("/v1/events" + ("?" + query if query else ""), **kw)
    assert r.status == 200, r
    return r.json


def feed(p, after=0, size=500):
    """Every event of the caller after `after`, by following the pages."""
    items = []
    for _ in range(10000):
        j = page(p, "after=%d&size=%d" % (after, size))
        assert j["totalCount"] == len(j["items"]) <= size, j
        assert j["attributes"]["objectType"] == "Collection", j
        items += j["items"]
        after = j["cursor"]
        if "continuationToken" not in j:
            assert "next" not in j["links"], j
            return items
        assert len(j["items"]) == size and j["continuationToken"] == str(after), j
        assert j["links"]["next"]["uri"] == "/v1/events?after=%d&size=%d" % (after, size), j
    raise AssertionError("the feed does not end")


def latest(p):
    return page(p, "after=latest")["cursor"]


def since(p, cursor):
    return [(e["eventName"], e["resourceUri"]) for e in feed(p, cursor)]


def check_event(p, e, name, uri, resource):
    """One event: its fields, and the activity record its auditUri names exists."""
    assert e["eventName"] == name and e["resourceUri"] == uri and e["resourceName"] == resource, e
    assert isinstance(e["cursor"], int) and e["cursor"] > 0, e
    assert e["resourceChangeUtcDate"].endswith("Z") and len(e["resourceChangeUtcDate"]) == 20, e
    assert e["auditUri"].startswith("/v1/auditrecords/"), e
    r = p.get(e["auditUri"])
    assert r.status == 200 and r.json["id"] == e["auditUri"].rsplit("/", 1)[1], r
    return r.json


def only_new(p, cursor, expect):
    """The events after `cursor` are exactly `expect` [(name, uri, resourceName)], each checked;
    returns (the last cursor, their activity records)."""
    got = feed(p, cursor)
    assert [(e["eventName"], e["resourceUri"]) for e in got] == [(n, u) for n, u, _ in expect], got
    recs = [check_event(p, e, *x) for e, x in zip(got, expect)]
    return (got[-1]["cursor"] if got else cursor), recs


def customer(p, **extra):
    body = cn_body(uniq("ev"), company="事件测试%s有限公司" % uuid.uuid4().hex[:6])
    body.update(extra)
    return p.create_ok(body)


def order(p, cid, lines):
    r = p.req("POST", "/v1/customers/%s/orders" % cid, {"lineItems": lines})
    assert r.status == 201, r
    return [li["subscriptionId"] for li in r.json["lineItems"]]


def patch_sub(p, cid, sid, body):
    path = "/v1/customers/%s/subscriptions/%s" % (cid, sid)
    etag = p.get(path).json["attributes"]["etag"]
    r = p.req("PATCH", path, body, headers={"If-Match": etag})
    assert r.status == 200, r
    return r.json


def store_events(db, partner):
    """(seq, name, uri) of the partner's events, read from the store itself."""
    sql = "SELECT seq, event_name, resource_uri FROM events WHERE partner_id = '%s' ORDER BY seq" % partner
    if db.startswith("postgresql://"):
        return [(int(a), b, c) for a, b, c in (ln.split("|") for ln in psql(db, sql).splitlines() if ln)]
    import sqlite3
    conn = sqlite3.connect("file:%s?mode=ro" % db[len("sqlite:"):], uri=True, timeout=10)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


# ---- every change, its event -------------------------------------------------------------------

def test_each_change_writes_its_event_with_its_activity_record(server):
    p = server.partner("Events Kinds")
    cur = latest(p)
    assert cur == 0 and page(p)["items"] == [], "a new partner's feed is empty"

    # a customer, with two subscriptions in its create
    c = customer(p, lineItems=[{"offerId": "CN-O365-E3", "quantity": 5}, {"offerId": "CN-EXO-ARCHIVE", "quantity": 5}])
    cid, base = c["id"], "/v1/customers/" + c["id"]
    subs = {s["offerId"]: s["id"] for s in p.get(base + "/subscriptions").json["items"]}
    cur, recs = only_new(p, cur, [("customer-created", base, "customer")]
                         + [("subscription-created", base + "/subscriptions/" + subs[o], "subscription")
                            for o in ("CN-O365-E3", "CN-EXO-ARCHIVE")])
    assert recs[0]["operationType"] == "add_customer" and len({r["id"] for r in recs}) == 1, recs

    # the billing profile
    bp = p.get(base + "/profiles/billing")
    body = {k: v for k, v in bp.json.items() if k != "links"}
    body["firstName"] = "新名"
    r = p.req("PUT", base + "/profiles/billing", body, headers={"If-Match": bp.h("ETag")})
    assert r.status == 200, r
    cur, recs = only_new(p, cur, [("billingprofile-updated", base + "/profiles/billing", "billingprofile")])
    assert recs[0]["operationType"] == "update_customer_billing_profile", recs

    # an order: one event per subscription
    sids = order(p, cid, [{"offerId": "CN-O365-E1", "quantity": 2}, {"offerId": "CN-PBI-PRO", "quantity": 1}])
    cur, recs = only_new(p, cur, [("subscription-created", base + "/subscriptions/" + s, "subscription") for s in sids])
    assert {r["operationType"] for r in recs} == {"create_order"}, recs

    # a subscription's quantity, then suspending a base suspends its add-on too
    patch_sub(p, cid, sids[0], {"quantity": 3})
    cur, _ = only_new(p, cur, [("subscription-updated", base + "/subscriptions/" + sids[0], "subscription")])
    patch_sub(p, cid, sids[0], {"status": "suspended"})  # CN-O365-E3 still carries the add-on
    cur, _ = only_new(p, cur, [("subscription-updated", base + "/subscriptions/" + sids[0], "subscription")])
    patch_sub(p, cid, subs["CN-O365-E3"], {"status": "suspended"})
    cur, recs = only_new(p, cur, [("subscription-updated", base + "/subscriptions/" + s, "subscription")
                                  for s in (subs["CN-O365-E3"], subs["CN-EXO-ARCHIVE"])])
    assert recs[0]["id"] == recs[1]["id"], "the add-on's event comes with its base's record"

    # customer users: created, updated, password reset, deleted
    r = p.req("POST", base + "/users", {"userPrincipalName": "u" + uuid.uuid4().hex[:8], "firstName": "Li",
                                        "lastName": "Na"})
    assert r.status == 201, r
    uri = base + "/users/" + r.json["id"]
    cur, _ = only_new(p, cur, [("customeruser-created", uri, "customeruser")])
    assert p.req("PATCH", uri, {"displayName": "李娜"}).status == 200
    assert p.req("POST", uri + "/resetpassword").status in (200, 201)
    assert p.req("DELETE", uri).status in (200, 204)
    cur, recs = only_new(p, cur, [("customeruser-updated", uri, "customeruser"),
                                  ("customeruser-updated", uri, "customeruser"),
                                  ("customeruser-deleted", uri, "customeruser")])
    assert [r["operationType"] for r in recs] == ["update_customer_user", "reset_customer_user_password",
                                                  "delete_customer_user"], recs

    # indirect resellers: added, a customer of it, ended (which clears the customer's association)
    r = p.req("POST", "/v1/relationships", {"name": "经销商 " + uuid.uuid4().hex[:6],
                                            "mpnId": str(4000000 + uuid.uuid4().int % 5000000)})
    assert r.status == 201, r
    rid = r.json["id"]
    cur, _ = only_new(p, cur, [("indirectreseller-created", "/v1/relationships/" + rid, "indirectreseller")])
    ic = customer(p, associatedPartnerId=rid)
    cur, _ = only_new(p, cur, [("customer-created", "/v1/customers/" + ic["id"], "customer")])
    assert p.req("PATCH", "/v1/relationships/" + rid, {"state": "Terminated"}).status == 200
    cur, recs = only_new(p, cur, [("customer-updated", "/v1/customers/" + ic["id"], "customer"),
                                  ("indirectreseller-ended", "/v1/relationships/" + rid, "indirectreseller")])
    assert [r["operationType"] for r in recs] == ["remove_indirect_reseller", "end_indirect_reseller_relationship"]

    # a customer deleted (sandbox)
    assert p.req("DELETE", "/v1/customers/" + ic["id"]).status in (200, 204)
    cur, recs = only_new(p, cur, [("customer-deleted", "/v1/customers/" + ic["id"], "customer")])

    # partner staff and apps are not in the feed
    add_user(p, ["sales_agent"])
    assert p.req("POST", "/v1/apps", {"displayName": uniq("app"), "roles": ["sales_agent"]}).status == 201
    assert since(p, cur) == [], "staff and apps make no event"


def test_a_relationship_accepted_and_ended_are_the_reselling_partners_events(server):
    a, b = server.partner("Events Home"), server.partner("Events Reseller")
    c = customer(a)
    r = b.get("/v1/customers/relationshiprequests")
    if r.status == 404:
        r = b.req("POST", "/v1/customers/relationshiprequests")
    code = r.json["url"].rsplit("/", 1)[1]
    cur_a, cur_b = latest(a), latest(b)
    body = urllib.parse.urlencode({"userName": c["userCredentials"]["userName"],
                                   "password": c["userCredentials"]["password"]})
    r = http_request(server.port, "POST", "/invite/" + code, body, {"Content-Type": FORM}, source=fresh_source())
    assert r.status == 200 and "Accepted" in r.text, r
    uri = "/v1/customers/" + c["id"]
    cur_b, recs = only_new(b, cur_b, [("relationship-accepted", uri, "relationship")])
    assert recs[0]["operationType"] == "accept_reseller_relationship", recs
    r = b.req("PATCH", uri, {"relationshipToPartner": "none"})
    assert r.status == 200, r
    only_new(b, cur_b, [("relationship-ended", uri, "relationship")])
    assert since(a, cur_a) == [], "the home partner's feed has none of it"


def test_partnerd_reseller_add_writes_its_event_too(server):
    from helpers import run_cli
    p = server.partner("Events CLI Reseller")
    cur = latest(p)
    r = run_cli(["reseller", "add", "--db", server.db, "--partner", p.info["partnerId"], "--name", "命令行经销商",
                 "--mpn-id", str(4000000 + uuid.uuid4().int % 5000000), "--json"])
    assert r.returncode == 0, r.stderr
    rid = json.loads(r.stdout)["id"]
    _, recs = only_new(p, cur, [("indirectreseller-created", "/v1/relationships/" + rid, "indirectreseller")])
    assert recs[0]["operationType"] == "add_indirect_reseller", recs


def test_resource_uris_are_absolute_under_public_url(make_server):
    s = make_server(["--public-url", "https://partners.example.cn/"]).start()
    p = s.partner("Events Public")
    c = customer(p)
    e = page(p)["items"][0]
    assert e["resourceUri"] == "https://partners.example.cn/v1/customers/" + c["id"], e
    assert e["auditUri"].startswith("https://partners.example.cn/v1/auditrecords/"), e


# ---- failures leave no event -------------------------------------------------------------------

def test_a_failed_write_adds_no_event(server):
    p = server.partner("Events Failures")
    c = customer(p)
    base = "/v1/customers/" + c["id"]
    cur = latest(p)
    bad = cn_body(uniq("ev"))
    bad["billingProfile"]["email"] = "not an address"
    assert p.create(bad).status == 400  # validation
    taken = cn_body(c["companyProfile"]["domain"])
    assert p.create(taken).status == 409  # conflict: the domain is taken
    bp = p.get(base + "/profiles/billing").json
    body = {k: v for k, v in bp.items() if k != "links"}
    r = p.req("PUT", base + "/profiles/billing", body, headers={"If-Match": '"stale"'})
    assert r.status == 412, r  # stale etag
    sid = order(p, c["id"], [{"offerId": "CN-O365-E1", "quantity": 1}])[0]
    cur = latest(p)
    r = p.req("PATCH", base + "/subscriptions/" + sid, {"quantity": 0},
              headers={"If-Match": p.get(base + "/subscriptions/" + sid).json["attributes"]["etag"]})
    assert r.status == 400, r
    assert since(p, cur) == [], "failed writes (and their failure records) make no event"
    failed = [x for x in p.get("/v1/auditrecords?size=50").json["items"] if x.get("operationStatus") == "failed"
              or x.get("outcome") == "failed"]
    assert failed, "the failures are in the activity log"


def test_read_your_writes(server):
    p = server.partner("Events RYW")
    for _ in range(10):
        cur = latest(p)
        c = customer(p)
        assert since(p, cur) == [("customer-created", "/v1/customers/" + c["id"])]


# ---- concurrency -------------------------------------------------------------------------------

def run_writers_and_follow(p, writers, per_writer=6, reader=None):
    """Writers (clients, each on its own thread) released by one barrier create customers while a
    reader follows the feed with wait; returns (the ids of every 201, what the reader saw)."""
    reader = reader or p
    start = latest(reader)
    made, seen, stop, errors = [], [], threading.Event(), []
    barrier = threading.Barrier(len(writers) + 1)

    def write(w):
        barrier.wait()
        for _ in range(per_writer):
            r = w.create(cn_body(uniq("cc"), company="并发%s有限公司" % uuid.uuid4().hex[:6]))
            if r.status == 201:
                made.append(r.json["id"])
            else:
                errors.append(r)

    def follow():
        cur = start
        barrier.wait()
        while True:
            done = stop.is_set()
            j = page(reader, "after=%d&size=7&wait=%d" % (cur, 0 if done else 2))
            seen.extend(j["items"])
            cur = j["cursor"]
            if done and not j["items"]:
                return

    threads = [threading.Thread(target=write, args=(w,)) for w in writers]
    f = threading.Thread(target=follow)
    for t in threads + [f]:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    f.join()
    assert not errors, errors[:3]
    return start, made, seen


def check_followed(p, db, start, made, seen):
    cursors = [e["cursor"] for e in seen]
    assert all(a < b for a, b in zip(cursors, cursors[1:])), "strictly increasing, none twice"
    assert sorted(e["resourceUri"] for e in seen) == sorted("/v1/customers/" + i for i in made), \
        "every acknowledged write's event, exactly once"
    whole = feed(p)
    rows = store_events(db, p.info["partnerId"])
    assert [(e["cursor"], e["eventName"], e["resourceUri"]) for e in whole] == rows, "the feed is the store"
    assert [e for e in whole if e["cursor"] > start] == seen


def test_parallel_writers_and_a_follower_see_every_event_once_in_order(server):
    p = server.partner("Events Race")
    writers = [p] * 12
    start, made, seen = run_writers_and_follow(p, writers)
    assert len(made) == 72
    check_followed(p, server.db, start, made, seen)


@pytest.mark.skipif(not ON_PG, reason="two instances on one database: PostgreSQL")
def test_two_instances_writers_on_both_a_follower_on_one(make_server):
    from helpers import Client, new_pg_db
    db = new_pg_db()
    a = make_server(["--sandbox"], db=db).start()
    b = make_server(["--sandbox"], db=db).start()
    b.own_db = True  # dropped at cleanup
    pa = a.partner("Events Two")
    pb = Client(b.port, pa.token, pa.info)
    start, made, seen = run_writers_and_follow(pa, [pa, pb] * 6, reader=pa)
    assert len(made) == 72
    check_followed(pa, db, start, made, seen)
    # an event committed by the other instance reaches a request parked on this one
    cur, t = latest(pa), {}

    def wait():
        r = pa.get("/v1/events?after=%d&wait=10" % cur)
        t["at"], t["r"] = time.time(), r
    th = threading.Thread(target=wait)
    th.start()
    time.sleep(0.5)
    pb.create_ok(cn_body(uniq("two")))
    acked = time.time()
    th.join()
    assert t["r"].status == 200 and len(t["r"].json["items"]) == 1, t["r"]
    assert t["at"] - acked < 1.0 * SLOW, "the other instance's event within the re-read period"


# ---- the long-poll -----------------------------------------------------------------------------

def test_a_parked_request_answers_within_a_second_of_the_commit(server):
    p = server.partner("Events Wake")
    cur, got = latest(p), {}

    def wait():
        got["r"] = p.get("/v1/events?after=%d&wait=20" % cur)
        got["at"] = time.time()
    th = threading.Thread(target=wait)
    th.start()
    time.sleep(1.0)
    c = customer(p)
    acked = time.time()
    th.join()
    assert got["r"].status == 200 and [e["resourceUri"] for e in got["r"].json["items"]] == ["/v1/customers/" + c["id"]]
    assert got["at"] - acked < 1.0 * SLOW, got["at"] - acked


def test_a_wait_that_ends_answers_an_empty_page_after_about_wait_seconds(server):
    p = server.partner("Events Timeout")
    cur = latest(p)
    t0 = time.time()
    j = page(p, "after=%d&wait=2" % cur)
    took = time.time() - t0
    assert j["items"] == [] and j["totalCount"] == 0 and j["cursor"] == cur, j
    assert 1.9 <= took < 2.0 + 0.8 * SLOW, took
    t0 = time.time()
    assert page(p, "after=%d&wait=0" % cur)["items"] == [] and time.time() - t0 < 0.5 * SLOW


def park_raw(port, token, after, wait):
    """A long-poll on a socket of its own, not read: returns the socket."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(("GET /v1/events?after=%d&wait=%d HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\n\r\n"
               % (after, wait, token)).encode())
    return s


def test_fifty_parked_requests_leave_every_loop_fast(make_server):
    s = make_server(["--loops", "2"]).start()
    p = s.partner("Events Many")
    cur = latest(p)
    parked = [park_raw(s.port, p.token, cur, 30) for _ in range(50)]
    time.sleep(0.5)
    slow = []
    for _ in range(24):  # new connections are dealt to the loops in turn
        t0 = time.time()
        r = p.get("/v1/customers?size=1")
        assert r.status == 200, r
        slow.append(time.time() - t0)
        t0 = time.time()
        assert http_request(s.port, "GET", "/healthz").status == 200
        slow.append(time.time() - t0)
    assert max(slow) < 0.25 * SLOW, max(slow)
    customer(p)  # wakes all fifty
    for sk in parked:
        sk.settimeout(5 * SLOW)
        head = sk.recv(4096)
        assert head.startswith(b"HTTP/1.1 200"), head[:200]
        sk.close()


def test_the_waiting_bound_answers_429_and_a_client_leaving_frees_its_slot(make_server):
    s = make_server([]).start()
    p, q = s.partner("Events Bound"), s.partner("Events Other")
    cur = latest(p)
    parked = [park_raw(s.port, p.token, cur, 30) for _ in range(64)]
    time.sleep(1.0)
    r = p.get("/v1/events?after=%d&wait=5" % cur, headers={"X-Locale": "zh-CN"})
    j = assert_error(r, 429)
    assert [v for k, v in r.headers if k.lower() == "retry-after"] == ["1"], r
    assert "64" in j["description"] and "请求" in j["description"], r
    r = p.get("/v1/events?after=%d" % cur)
    assert r.status == 200, "a read that does not wait is not bounded"
    t0 = time.time()
    assert page(q, "after=0&wait=1")["items"] == [] and time.time() - t0 >= 0.9, "another partner still waits"
    for sk in parked[:8]:
        sk.close()
    time.sleep(1.0 + 1.5 * SLOW)  # each notices its client left within a second
    t0 = time.time()
    j = page(p, "after=%d&wait=1" % cur)
    assert j["items"] == [] and time.time() - t0 >= 0.9, "a freed slot parks again"
    for sk in parked[8:]:
        sk.close()


def test_the_process_wide_bound_answers_503(make_server):
    s = make_server([]).start()
    partners = [s.partner("Events Full %d" % i) for i in range(17)]
    parked = []
    try:
        for p in partners[:16]:  # 16 x 64: every slot of the process
            parked += [park_raw(s.port, p.token, 10**12, 30) for _ in range(64)]
        time.sleep(2.0 * SLOW)
        r = partners[16].get("/v1/events?after=0&wait=5")
        j = assert_error(r, 503)
        assert [v for k, v in r.headers if k.lower() == "retry-after"] == ["5"] and "1024" in j["description"], r
    finally:
        for sk in parked:
            sk.close()


# ---- tenancy, roles, parameters --------------------------------------------------------------------

def test_another_partners_events_and_cursors_never_appear(server):
    a, b = server.partner("Events Tenant A"), server.partner("Events Tenant B")
    for _ in range(3):
        customer(a)
    assert feed(b) == [] and latest(b) == 0, "nothing of A's, not even its last cursor"
    j = page(b, "after=0&wait=1")
    assert j["items"] == [] and j["cursor"] == 0, j
    mine = customer(b)
    assert [e["resourceUri"] for e in feed(b)] == ["/v1/customers/" + mine["id"]]
    assert "/v1/customers/" + mine["id"] not in [e["resourceUri"] for e in feed(a)]


def test_a_partners_cursors_say_nothing_of_other_partners_changes(server):
    """Cursors are counted per partner: B's run 1, 2, 3 ... while A writes between and beside
    them (in parallel), so B cannot read A's activity from the gaps of its own cursors."""
    a, b = server.partner("Events Counted A"), server.partner("Events Counted B")
    customer(b)
    go = threading.Barrier(4)
    errors = []

    def write(p, n):
        try:
            go.wait(10)
            for _ in range(n):
                customer(p)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
    ts = [threading.Thread(target=write, args=(a, 6)) for _ in range(3)] + [threading.Thread(target=write, args=(b, 4))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors[:3]
    assert [e["cursor"] for e in feed(b)] == list(range(1, 6)), "B's own count, no gaps for A's 18"
    assert [e["cursor"] for e in feed(a)] == list(range(1, 19))
    assert latest(b) == 5


def test_the_feed_needs_events_read(server):
    admin = server.partner("Events Roles")
    customer(admin)
    for roles, status in ((["helpdesk_agent"], 403), (["sales_agent"], 403), (["billing_admin"], 403),
                          (["admin_agent"], 200)):
        c = staff_client(admin, roles)
        r = c.get("/v1/events")
        assert r.status == status, (roles, r)
        if status == 403:
            assert_error(r, 403)
        else:
            assert len(r.json["items"]) == 1
    assert server.anon().get("/v1/events").status == 401


@pytest.mark.parametrize("query,field", [
    ("after=x", "after"), ("after=-1", "after"), ("after=", "after"), ("after=1.5", "after"),
    ("after=99999999999999999999", "after"), ("after=%201", "after"),
    ("size=0", "size"), ("size=501", "size"), ("size=abc", "size"), ("size=", "size"), ("size=+5", "size"),
    ("wait=61", "wait"), ("wait=-1", "wait"), ("wait=1s", "wait"), ("wait=", "wait"),
    ("wiat=30", "wiat"), ("after=1&cursor=5", "cursor"),
    ("after=0&after=5", "after"), ("size=1&size=500", "size"), ("wait=0&after=1&wait=30", "wait"),
])
def test_bad_parameters_are_refused_naming_them_in_the_callers_language(server, partner_a, query, field):
    texts = set()
    for loc in ("en-US", "zh-CN", "de-DE"):
        r = partner_a.get("/v1/events?" + query, headers={"X-Locale": loc})
        j = assert_error(r, 400, field=field)
        assert field in j["description"], j
        texts.add(j["description"])
    assert len(texts) == 3, texts


def test_size_bounds_the_page_and_a_full_page_says_there_is_more(server):
    p = server.partner("Events Pages")
    for _ in range(5):
        customer(p)
    j = page(p, "after=0&size=2")
    assert len(j["items"]) == 2 and j["continuationToken"] == str(j["items"][1]["cursor"]), j
    assert [e["cursor"] for e in feed(p, size=2)] == [e["cursor"] for e in feed(p)]
    assert len(feed(p, size=1)) == 5


# ---- retention ---------------------------------------------------------------------------------

def test_retention_removes_old_events_and_a_stale_cursor_gets_410(make_server):
    s = make_server(["--sandbox"]).start()
    p = s.partner("Events Retention")
    made = [customer(p)["id"] for _ in range(3)]
    evs = feed(p)
    s.stop()
    # age the first two events by three days, in the store itself
    old = int(time.time()) - 3 * 86400
    n = db_update(s.db, "UPDATE events SET created_at = %d WHERE seq IN (%d, %d)" % (old, evs[0]["cursor"], evs[1]["cursor"]))
    assert n == 2
    s.start()  # no retention: old events stay
    p.port = s.port
    time.sleep(1.5 * SLOW)
    assert [e["cursor"] for e in feed(p)] == [e["cursor"] for e in evs], "kept for ever by default"
    s.stop()
    s.args += ["--event-retention", "1"]
    s.start()
    p.port = s.port
    deadline = time.time() + 10 * SLOW
    while time.time() < deadline:  # the writer's upkeep prunes about a second after the start
        r = p.get("/v1/events?after=0", headers={"X-Locale": "de-DE"})
        if r.status != 200:
            break
        time.sleep(0.2)
    j = assert_error(r, 410, field="after")
    assert j["errorName"] == "Gone" and j["oldestCursor"] == evs[2]["cursor"], j
    assert str(evs[2]["cursor"]) in j["description"] and "Cursor" in j["description"], j
    assert p.get("/v1/events?after=%d" % evs[0]["cursor"]).status == 410, "any cursor below what was removed"
    rest = feed(p, j["resumeAfter"])
    assert [e["resourceUri"] for e in rest] == ["/v1/customers/" + made[2]]
    assert len(store_events(s.db, p.info["partnerId"])) == 1
    assert latest(p) == evs[2]["cursor"]
    # every event of a partner removed: 410 names the cursor after the last one removed, and
    # after=latest follows from there
    q = s.partner("Events Retention All")
    gone = [customer(q)["id"] for _ in range(2)]
    qev = feed(q)
    s.stop()
    assert db_update(s.db, "UPDATE events SET created_at = %d WHERE seq IN (%d, %d)"
                     % (old, qev[0]["cursor"], qev[1]["cursor"])) == 2
    s.start()
    p.port = q.port = s.port
    deadline = time.time() + 10 * SLOW
    while time.time() < deadline and q.get("/v1/events?after=0").status == 200:
        time.sleep(0.2)
    j = assert_error(q.get("/v1/events?after=0"), 410, field="after")
    assert j["resumeAfter"] == qev[1]["cursor"] and j["oldestCursor"] == qev[1]["cursor"] + 1, j
    assert latest(q) == qev[1]["cursor"] and feed(q, j["resumeAfter"]) == []
    assert len(gone) == 2


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "", "36501"])
def test_a_bad_event_retention_is_refused_at_start(tmp_path, value):
    from helpers import run_cli, free_port
    r = run_cli(["serve", "--listen", "127.0.0.1:%d" % free_port(), "--db", "sqlite:" + str(tmp_path / "r.db"),
                 "--event-retention", value])
    assert r.returncode == 2 and "--event-retention" in r.stderr and "'%s'" % value in r.stderr, r.stderr
