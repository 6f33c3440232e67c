"""A customer's GET answer is kept per event loop on SQLite (src/http/rowcache.c, issue 19)
under the store's data generation: read-your-writes holds on every loop.  Clients on kept-alive
connections (spread over every loop) GET one customer in a loop, released together by a
barrier, while another client changes what that GET answers: its billing profile, its company
name, its relationship, its indirect reseller, deletes it, or cuts the caller's role.  Every GET
sent after the write's answer shows the new state (or 403/404), and every answer after it has
the same bytes, hit or miss.  Another partner's caller never gets the kept answer (404).  On
PostgreSQL (no cache) the same tests hold."""
import copy
import http.client
import json
import re
import socket
import threading
import time
import uuid

import pytest

from helpers import (ON_PG, SLOW, Server, assert_error, cn_body, free_port, http_request, staff_client,
                     uniq)

SECRETS = []
CLIENTS = 8
REL = "/v1/relationships"
VARYING = {"ms-requestid", "ms-correlationid", "ms-cv", "date"}


@pytest.fixture(scope="module")
def server():
    """Its own server: four loops, no rate limit, --sandbox (DELETE) and /metrics (to tell a
    kept answer from a store read)."""
    mport = free_port()
    s = Server(["--rate-limit", "0", "--sandbox", "--loops", "4", "--metrics-listen", "127.0.0.1:%d" % mport])
    s.start()
    deadline = time.time() + 10 * SLOW
    while "metrics on" not in s.stdout() and time.time() < deadline:
        time.sleep(0.05)
    s.mport = mport
    yield s
    s.stop()


@pytest.fixture
def admin(server):
    c = server.partner(uniq("Cache Co"))
    SECRETS.extend([c.token, c.info["password"]])
    return c


@pytest.fixture
def customer(admin):
    c = admin.create_ok(cn_body(uniq("kept"), company="缓存测试%s有限公司" % uuid.uuid4().hex[:6]))
    SECRETS.append(c["userCredentials"]["password"])
    return c


def get_on(conn, token, path):
    conn.request("GET", path, headers={"Authorization": "Bearer " + token, "Accept": "application/json"})
    r = conn.getresponse()
    return r.status, r.getheaders(), r.read()


def hammer(port, token, path, barrier, stop, seen):
    """On its own kept-alive connection: a few GETs (the loop keeps the answer), then after
    the barrier GETs until `stop`, recording (start time, status, body) of each."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20 * SLOW)
    try:
        for _ in range(3):
            get_on(conn, token, path)
        barrier.wait()
        while not stop.is_set():
            t0 = time.monotonic()
            st, _, body = get_on(conn, token, path)
            seen.append((t0, st, body))
    finally:
        conn.close()


def during(port, token, path, action):
    """CLIENTS hammers on `path` released by a barrier, `action` (which must succeed) run
    among them; returns the (status, body) of the GETs sent before and after its answer."""
    barrier, stop = threading.Barrier(CLIENTS + 1), threading.Event()
    seen = [[] for _ in range(CLIENTS)]
    threads = [threading.Thread(target=hammer, args=(port, token, path, barrier, stop, s)) for s in seen]
    for t in threads:
        t.start()
    barrier.wait(timeout=30 * SLOW)
    time.sleep(0.2)
    action()
    done = time.monotonic()
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join()
    before = [(st, b) for s in seen for (t0, st, b) in s if t0 < done]
    after = [(st, b) for s in seen for (t0, st, b) in s if t0 > done]
    assert before and after, (len(before), len(after))
    assert all(len([x for x in s if x[0] > done]) for s in seen), "a client sent nothing after the write"
    return before, after


def loads(body):
    return json.loads(body)


def same_bytes(after, fresh):
    """Every answer after the write (the first on each loop a miss, the rest kept) is the
    bytes of a GET sent afterwards."""
    bodies = {b for _, b in after}
    assert bodies == {fresh}, "%d different bodies after the write" % len(bodies)


def ok(r):
    assert r.status in (200, 201, 204), r
    return r


def billing(admin, cid):
    return admin.get("/v1/customers/%s/profiles/billing" % cid).json


def put_billing(admin, cid, **changes):
    b = copy.deepcopy(billing(admin, cid))
    etag = b["attributes"]["etag"]
    b.pop("links", None)
    b["attributes"].pop("etag", None)
    b.update(changes)
    return ok(admin.req("PUT", "/v1/customers/%s/profiles/billing" % cid, b, headers={"If-Match": etag}))


def test_a_billing_update_shows_at_once_on_every_loop(server, admin, customer):
    path, email = "/v1/customers/" + customer["id"], "new-%s@example.cn" % uuid.uuid4().hex[:8]
    before, after = during(server.port, admin.token, path, lambda: put_billing(admin, customer["id"], email=email))
    assert any(st == 200 and loads(b)["billingProfile"]["email"] != email for st, b in before)
    for st, b in after:
        assert st == 200 and loads(b)["billingProfile"]["email"] == email, "a GET after the update: %s" % b[:300]
    same_bytes(after, admin.get(path).raw)


def test_a_company_name_change_shows_at_once_on_every_loop(server, admin, customer):
    path, name = "/v1/customers/" + customer["id"], "改名测试%s有限公司" % uuid.uuid4().hex[:6]
    _, after = during(server.port, admin.token, path, lambda: put_billing(admin, customer["id"], companyName=name))
    for st, b in after:
        j = loads(b)
        assert st == 200 and j["companyProfile"]["companyName"] == name == j["billingProfile"]["companyName"], b[:300]
    same_bytes(after, admin.get(path).raw)


def test_a_deleted_customer_is_404_at_once_on_every_loop(server, admin, customer):
    path = "/v1/customers/" + customer["id"]
    before, after = during(server.port, admin.token, path, lambda: ok(admin.req("DELETE", path)))
    assert any(st == 200 for st, _ in before)
    assert {st for st, _ in after} == {404}, sorted({st for st, _ in after})


def test_an_ended_relationship_shows_at_once_on_every_loop(server, admin, customer):
    path = "/v1/customers/" + customer["id"]
    before, after = during(server.port, admin.token, path,
                           lambda: ok(admin.req("PATCH", path, {"relationshipToPartner": "none"})))
    assert any(st == 200 and loads(b)["relationshipToPartner"] == "reseller" for st, b in before)
    for st, b in after:
        assert st == 200 and loads(b)["relationshipToPartner"] == "none", b[:300]
    same_bytes(after, admin.get(path).raw)


def test_an_ended_indirect_reseller_leaves_the_answer_at_once(server, admin):
    r = ok(admin.req("POST", REL, {"name": "经销商 %s" % uuid.uuid4().hex[:6],
                                   "mpnId": str(4800000 + uuid.uuid4().int % 1000000)}))
    rid = r.json["id"]
    c = admin.create_ok(dict(cn_body(uniq("ir"), company="间接缓存%s有限公司" % uuid.uuid4().hex[:6]),
                             associatedPartnerId=rid))
    SECRETS.append(c["userCredentials"]["password"])
    path = "/v1/customers/" + c["id"]
    before, after = during(server.port, admin.token, path,
                           lambda: ok(admin.req("PATCH", "%s/%s" % (REL, rid), {"state": "Terminated"})))
    assert any(st == 200 and loads(b).get("associatedPartnerId") == rid for st, b in before)
    for st, b in after:
        assert st == 200 and "associatedPartnerId" not in loads(b), b[:300]
    same_bytes(after, admin.get(path).raw)


def test_a_cut_role_is_refused_at_once_on_a_kept_answer(server, admin, customer):
    agent = staff_client(admin, ["sales_agent"], SECRETS)
    path = "/v1/customers/" + customer["id"]
    before, after = during(server.port, agent.token, path, lambda: ok(
        admin.req("PATCH", "/v1/users/" + agent.info["id"], {"roles": ["user_management_admin"]})))
    assert any(st == 200 for st, _ in before)
    assert {st for st, _ in after} == {403}, sorted({st for st, _ in after})


def test_another_partners_caller_never_gets_the_kept_answer(server, admin, customer):
    other = server.partner(uniq("Other Co"))
    SECRETS.extend([other.token, other.info["password"]])
    path = "/v1/customers/" + customer["id"]
    # the owner's GETs keep the answer on every loop while the other partner asks for it
    barrier, stop, seen = threading.Barrier(2 * CLIENTS), threading.Event(), [[] for _ in range(2 * CLIENTS)]
    threads = [threading.Thread(target=hammer, args=(server.port, (admin if i % 2 else other).token, path,
                                                     barrier, stop, seen[i])) for i in range(2 * CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()
    mine = {st for i in range(1, 2 * CLIENTS, 2) for _, st, _ in seen[i]}
    theirs = {st for i in range(0, 2 * CLIENTS, 2) for _, st, _ in seen[i]}
    assert mine == {200}, sorted(mine)
    assert theirs == {404}, "another partner's caller got %s" % sorted(theirs)
    assert_error(other.get(path), 404)


def scrape_gets(server):
    """The store's customer_get calls that answered (from /metrics)."""
    text = http_request(server.mport, "GET", "/metrics").text
    m = re.search(r'^partnerd_store_calls_total\{op="customer_get",result="ok"\} (\S+)$', text, re.M)
    return float(m.group(1)) if m else 0.0


def test_a_kept_answer_is_the_bytes_and_headers_of_a_miss(server, admin, customer):
    path = "/v1/customers/" + customer["id"]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20 * SLOW)
    try:
        get_on(conn, admin.token, path)
        email = "bytes-%s@example.cn" % uuid.uuid4().hex[:8]
        put_billing(admin, customer["id"], email=email)  # the generation moves: the next GET reads
        n0 = scrape_gets(server)
        answers = [get_on(conn, admin.token, path) for _ in range(4)]
        n1 = scrape_gets(server)
        conn.request("HEAD", path, headers={"Authorization": "Bearer " + admin.token, "Accept": "application/json"})
        h = conn.getresponse()
        head = (h.status, h.getheaders(), h.read())
    finally:
        conn.close()
    # on SQLite the first GET read the store and the three after it were kept answers; on
    # PostgreSQL every GET reads
    assert n1 - n0 == (4 if ON_PG else 1), (n0, n1)
    first = answers[0]
    assert first[0] == 200 and loads(first[2])["billingProfile"]["email"] == email
    for st, hdrs, body in answers[1:]:
        assert st == 200 and body == first[2]
        assert [k for k, _ in hdrs] == [k for k, _ in first[1]]
        assert [kv for kv in hdrs if kv[0].lower() not in VARYING] == [kv for kv in first[1] if kv[0].lower() not in VARYING]
    assert head[0] == 200 and head[2] == b""
    assert sorted(kv for kv in head[1] if kv[0].lower() not in VARYING) == \
        sorted(kv for kv in first[1] if kv[0].lower() not in VARYING)  # HEAD sets its Content-Length first


def test_an_unknown_or_bad_id_is_answered_as_before(server, admin):
    for _ in range(3):
        assert_error(admin.get("/v1/customers/%s" % uuid.uuid4()), 404)
        assert_error(admin.get("/v1/customers/not-a-uuid"), 400)


def test_the_reply_carries_its_headers_in_their_order_and_forms(server, admin, customer):
    """The reply path writes Date, Content-Length and MS-CV itself (issue 19): the same headers,
    in the order evhttp gave them, in their standard forms."""
    import email.utils
    path = "/v1/customers/" + customer["id"]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20 * SLOW)
    try:
        for _ in range(2):  # a store read, then a kept answer
            st, hdrs, body = get_on(conn, admin.token, path)
            assert st == 200
            assert [k for k, _ in hdrs] == ["Content-Type", "MS-RequestId", "MS-CorrelationId", "MS-CV",
                                           "X-Content-Type-Options", "Cache-Control", "Date", "Content-Length"]
            h = dict(hdrs)
            assert h["Content-Length"] == str(len(body))
            assert re.fullmatch(r"[A-Za-z0-9+/]{16}\.0", h["MS-CV"]), h["MS-CV"]
            assert re.fullmatch(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                                r"\d{4} \d\d:\d\d:\d\d GMT", h["Date"]), h["Date"]
            assert abs(email.utils.parsedate_to_datetime(h["Date"]).timestamp() - time.time()) < 5 * SLOW
        conn.request("GET", "/v1/customers/" + str(uuid.uuid4()), headers={"Authorization": "Bearer " + admin.token})
        r = conn.getresponse()
        err = r.read()
        assert r.status == 404 and r.getheader("Content-Length") == str(len(err)) and r.getheader("Date")
    finally:
        conn.close()
    # HTTP/1.0 keeps evhttp's own framing: the same body, up to the connection's close
    with socket.create_connection(("127.0.0.1", server.port), timeout=20 * SLOW) as sock:
        sock.sendall(("GET %s HTTP/1.0\r\nAuthorization: Bearer %s\r\n\r\n" % (path, admin.token)).encode())
        raw = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            raw += chunk
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200") and rest == body, head
    # a 204 has no Content-Length
    r = admin.req("DELETE", path)
    assert r.status == 204 and r.h("Content-Length") is None and r.h("Date"), r.headers
