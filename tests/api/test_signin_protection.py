"""Sign-in protection (per account, per source address) and per-partner rate limits.  Each test
runs its own short-lived server so that the session server is never throttled."""
import http.client
import json
import os
import socket
import statistics
import threading
import time
import urllib.parse
import uuid

import pytest

from helpers import (BIN, ON_PG, SANITIZED, SLOW, Client, Resp, Server, add_app, add_user, app_token_request,
                     assert_error, cn_body, db_update, drop_pg_db, fresh_source, get_token, http_request,
                     new_pg_db, psql, sign_in, staff_client, token_request, uniq)

MAX_WAIT = 900


def _pw(port, user, pw, source):
    return token_request(port, {"grant_type": "password", "username": user, "password": pw}, source=source)


def _fail(r, error="invalid_grant"):
    assert r.status == 400, r
    assert r.json["error"] == error, r.json


def _throttled(r):
    assert r.status == 429, r
    ra = r.h("Retry-After")
    assert ra is not None and ra.isdigit(), r.headers
    assert 0 < int(ra) <= MAX_WAIT, ra
    assert r.json["error"] == "too_many_attempts", r.json
    assert "access_token" not in r.json
    return int(ra)


@pytest.fixture
def box(make_server):
    """A fresh server with one partner (admin credentials in .info) and a second user."""
    s = make_server().start()
    info = s.add_partner("Lockout Co")
    admin = Client(s.port, get_token(s.port, info["userName"], info["password"]), info)
    return s, admin


def test_account_locked_after_five_failures(box):
    s, admin = box
    email, pw = admin.info["userName"], admin.info["password"]
    src = fresh_source()
    for i in range(5):
        _fail(_pw(s.port, email, pw + "-wrong%d" % i, src))
    # the right password is refused while the wait lasts, and so is a wrong one
    wait = _throttled(_pw(s.port, email, pw, src))
    _throttled(_pw(s.port, email, pw + "-wrong", src))
    assert wait <= MAX_WAIT
    # the admin's existing token is not affected
    assert admin.get("/v1/customers?size=1").status == 200
    # no password (right or wrong) and no token reaches the server's log
    log = s.stderr()
    assert "/oauth2/token" in log
    for secret in [pw, admin.token] + [pw + "-wrong%d" % i for i in range(5)]:
        assert secret not in log


@pytest.mark.parametrize("spelling", ["upper", "title"])
def test_account_lock_ignores_the_spelling_of_the_name(box, spelling):
    """Sign-in names match without regard to case, so the lock must too: otherwise every
    spelling of the name gets five more guesses."""
    s, admin = box
    email, pw = admin.info["userName"], admin.info["password"]
    src = fresh_source()
    for i in range(5):
        _fail(_pw(s.port, email, pw + "-wrong%d" % i, src))
    _throttled(_pw(s.port, email, pw, src))
    other = email.upper() if spelling == "upper" else email[:1].upper() + email[1:]
    _throttled(_pw(s.port, other, pw + "-guess", src))
    _throttled(_pw(s.port, other, pw, src))


def test_failures_must_be_in_a_row(box):
    s, admin = box
    email, pw = admin.info["userName"], admin.info["password"]
    src = fresh_source()
    for i in range(4):
        _fail(_pw(s.port, email, pw + "x", src))
    sign_in(s.port, email, pw, source=src)          # a success ends the run
    for i in range(4):
        _fail(_pw(s.port, email, pw + "y", src))
    sign_in(s.port, email, pw, source=src)


def test_other_account_from_same_address_until_the_address_reaches_ten(box):
    s, admin = box
    u = add_user(admin, ["sales_agent"])
    other, other_pw = u["userPrincipalName"], u["passwordProfile"]["password"]
    src = fresh_source()
    # five failures lock the admin's account (from this address) ...
    for i in range(5):
        _fail(_pw(s.port, admin.info["userName"], "wrong-%d" % i, src))
    _throttled(_pw(s.port, admin.info["userName"], admin.info["password"], src))
    # ... but not another account from the same address
    sign_in(s.port, other, other_pw, source=src)
    # failures for other accounts (each one failure: no account is locked by them)
    for i in range(4):
        _fail(app_token_request(s.port, str(uuid.uuid4()), "no-such-secret-%d" % i, source=src), "invalid_client")
    # nine failures from this address: still not blocked
    sign_in(s.port, other, other_pw, source=src)
    # the tenth failure blocks the address for every account, for a second at first; should
    # the clock tick into the next second between the two requests, an eleventh failure makes it
    # two seconds
    for attempt in range(2):
        t0 = time.time()
        _fail(app_token_request(s.port, str(uuid.uuid4()), "no-such-secret-x", source=src), "invalid_client")
        r = _pw(s.port, other, other_pw, src)
        if r.status == 429 or int(time.time()) == int(t0):
            break
    _throttled(r)
    # a different address is not blocked by this one
    sign_in(s.port, other, other_pw, source=fresh_source())


def test_per_account_protection_across_addresses(box):
    """Failures of one account from many addresses slow that account down everywhere."""
    s, admin = box
    for attempt in range(3):
        # the account's first wait is one second: the six requests must share one wall-clock
        # second (else the run is repeated with another app)
        a = add_app(admin, ["sales_agent"])
        t0 = time.time()
        for i in range(5):
            _fail(app_token_request(s.port, a["clientId"], "wrong-%d" % i, source=fresh_source()), "invalid_client")
        r = app_token_request(s.port, a["clientId"], a["clientSecret"], source=fresh_source())
        if r.status == 429 or int(time.time()) == int(t0):
            break
    _throttled(r)


def test_app_account_locked_after_five_failures(box):
    s, admin = box
    a = add_app(admin, ["sales_agent"])
    src = fresh_source()
    for i in range(5):
        _fail(app_token_request(s.port, a["clientId"], a["clientSecret"] + "-%d" % i, source=src), "invalid_client")
    _throttled(app_token_request(s.port, a["clientId"], a["clientSecret"], source=src))
    # another app from the same address still signs in
    b = add_app(admin, ["sales_agent"])
    r = app_token_request(s.port, b["clientId"], b["clientSecret"], source=src)
    assert r.status == 200, r


def test_unknown_accounts_are_throttled_like_known_ones(box):
    """Whether an account exists must not show in the answers: unknown accounts lock too."""
    s, admin = box
    src = fresh_source()
    ghost = "ghost-%s@example.cn" % uuid.uuid4().hex[:8]
    for i in range(5):
        _fail(_pw(s.port, ghost, "wrong-%d" % i, src))
    _throttled(_pw(s.port, ghost, "wrong", src))


def test_lockout_is_per_server_partner_independent(box):
    """Another partner's admin signing in from its own address is not affected by a locked one."""
    s, admin = box
    info = s.add_partner("Unaffected Co")
    src = fresh_source()
    for i in range(5):
        _fail(_pw(s.port, admin.info["userName"], "bad-%d" % i, src))
    _throttled(_pw(s.port, admin.info["userName"], admin.info["password"], src))
    sign_in(s.port, info["userName"], info["password"], source=fresh_source())


def test_own_password_change_is_protected_too(box):
    """Guessing the current password through POST /v1/me/password with a stolen token is
    throttled like sign-ins (the server shares the counters)."""
    s, admin = box
    statuses = []
    for i in range(7):
        r = admin.req("POST", "/v1/me/password", {"currentPassword": "guess-%d" % i,
                                                  "newPassword": "Another-Pass-123"})
        statuses.append(r.status)
    assert statuses[:5] == [400] * 5, statuses
    assert 429 in statuses[5:], statuses


# ---- per-partner rate limits ----------------------------------------------------------------------

def test_rate_limit_per_partner(make_server):
    s = make_server(["--rate-limit", "2"]).start()
    p1 = s.add_partner("Busy Co")
    p2 = s.add_partner("Quiet Co")
    c1 = Client(s.port, get_token(s.port, p1["userName"], p1["password"]))
    c2 = Client(s.port, get_token(s.port, p2["userName"], p2["password"]))
    statuses, limited = [], None
    for i in range(8):
        r = c1.get("/v1/customers?size=1")
        statuses.append(r.status)
        if r.status == 429:
            limited = r
            break
    assert limited is not None, statuses
    # the burst (2 x rate = 4) goes through; the request right after it (or, on a slow build,
    # one refill later) is refused
    assert statuses[:4] == [200] * 4, statuses
    assert len(statuses) <= (7 if SANITIZED else 6), statuses
    j = assert_error(limited, 429)
    assert j["errorName"] == "TooManyRequests"
    ra = limited.h("Retry-After")
    assert ra and ra.isdigit() and int(ra) > 0, limited.headers
    # another partner is unaffected
    assert c2.get("/v1/customers?size=1").status == 200
    # writes are limited too
    r = c1.req("POST", "/v1/users", {"userPrincipalName": "x-%s@example.cn" % uuid.uuid4().hex[:6],
                                     "roles": ["sales_agent"]})
    assert r.status == 429, r
    # after the wait, the partner is served again
    time.sleep(int(ra))
    assert c1.get("/v1/customers?size=1").status == 200


# ---- parallel guesses: in-flight attempts count against the limit -----------------------------

LIMIT = 5       # failures of one account from one address before it waits (throttle.h)
GUESSES = 200
RIGHT_AT = 190  # the right secret is sent by this thread


def _barrage(send, ports, n=GUESSES, source=None):
    """n requests, each on its own connection from `source` (opened first), released together by
    a barrier; send(i, conn) makes request i.  The responses in order of i."""
    barrier = threading.Barrier(n)
    out = [None] * n

    def one(i):
        c = http.client.HTTPConnection("127.0.0.1", ports[i % len(ports)], timeout=120 * SLOW,
                                       source_address=(source, 0) if source else None)
        try:
            c.connect()
            barrier.wait()
            if i == RIGHT_AT:  # the right secret comes late, after the guesses
                time.sleep(0.05 * SLOW)
            send(i, c)
            r = c.getresponse()
            out[i] = Resp(r.status, r.reason, r.getheaders(), r.read())
        except Exception as e:  # reported by the caller's asserts
            out[i] = e
        finally:
            c.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bad = [r for r in out if not isinstance(r, Resp)]
    assert not bad, bad[:3]
    return out


def _form(c, path, fields, headers=None):
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    h.update(headers or {})
    c.request("POST", path, urllib.parse.urlencode(fields), h)


def _verified_at_most(results, limit, ok_status, wrong_status):
    """At most `limit` answers were not 429 (those were checked: the wrong ones refused, the right
    one, if among them, accepted); every 429 says when to retry.  Should the right secret have
    been checked (and accepted) early, that success clears the counts as any sign-in does and
    the guesses count anew: at most twice the limit in all."""
    checked = [r for r in results if r.status != 429]
    cap = 2 * limit if any(r.status == ok_status for r in results) else limit
    assert 1 <= len(checked) <= cap, sorted(r.status for r in results)
    for r in checked:
        assert r.status in (ok_status, wrong_status), r
    for r in results:
        if r.status == 429:
            ra = r.h("Retry-After")
            assert ra and ra.isdigit() and 0 < int(ra) <= MAX_WAIT, r.headers
    return checked


def _guess_passwords(ports, email, pw, path="/oauth2/token", source=None):
    src = source or fresh_source()

    def send(i, c):
        guess = pw if i == RIGHT_AT else "%s-wrong-%d" % (pw, i)
        fields = {"username": email, "password": guess}
        if path == "/oauth2/token":
            fields["grant_type"] = "password"
        _form(c, path, fields)
    results = _barrage(send, ports, source=src)
    _verified_at_most(results, LIMIT, 200, 400)
    # and the account stays locked for this address afterwards, even for the right password
    r = http_request(ports[0], "POST", path, urllib.parse.urlencode(
        dict({"username": email, "password": pw}, **({"grant_type": "password"} if path == "/oauth2/token" else {}))),
        {"Content-Type": "application/x-www-form-urlencoded"}, source=src)
    right = results[RIGHT_AT].status == 200
    assert r.status == 429 or right, r
    return results


def test_parallel_password_guesses_are_limited(box):
    s, admin = box
    _guess_passwords([s.port], admin.info["userName"], admin.info["password"])


def test_parallel_portal_sign_ins_are_limited(box):
    s, admin = box
    _guess_passwords([s.port], admin.info["userName"], admin.info["password"], path="/portal/session")


def test_parallel_client_secret_guesses_are_limited(box):
    s, admin = box
    a = add_app(admin, ["sales_agent"])
    src = fresh_source()

    def send(i, c):
        secret = a["clientSecret"] if i == RIGHT_AT else a["clientSecret"] + "-%d" % i
        _form(c, "/oauth2/token", {"grant_type": "client_credentials", "client_id": a["clientId"],
                                   "client_secret": secret})
    _verified_at_most(_barrage(send, [s.port], source=src), LIMIT, 200, 400)


def test_parallel_current_password_guesses_are_limited(box):
    """POST /v1/me/password with a stolen token: the current password is checked at most LIMIT
    times however many requests arrive at once."""
    s, admin = box
    pw = admin.info["password"]
    body = [json.dumps({"currentPassword": pw if i == RIGHT_AT else "%s-guess-%d" % (pw, i),
                        "newPassword": "Another-Pass-123"}) for i in range(GUESSES)]

    def send(i, c):
        c.request("POST", "/v1/me/password", body[i], {"Authorization": "Bearer " + admin.token,
                                                        "Content-Type": "application/json"})
    _verified_at_most(_barrage(send, [s.port], source=fresh_source()), LIMIT, 200, 400)


def test_parallel_invitation_sign_ins_are_limited(box):
    """The reseller invitation's sign-in of a customer's admin (/invite/{code})."""
    s, admin = box
    other = s.partner("Inviting Co")
    cust = admin.create_ok(cn_body(uniq("inv")))
    user, pw = cust["userCredentials"]["userName"], cust["userCredentials"]["password"]
    r = other.req("POST", "/v1/customers/relationshiprequests")
    assert r.status in (200, 201), r
    code = r.json["url"].rsplit("/", 1)[1]

    def send(i, c):
        _form(c, "/invite/" + code, {"userName": user, "password": pw if i == RIGHT_AT else pw + "-%d" % i})
    _verified_at_most(_barrage(send, [s.port], source=fresh_source()), LIMIT, 200, 400)


# ---- timing: a temporary password does not show -------------------------------------------------

def _grant_ms(port, user, pw, source):
    t0 = time.perf_counter()
    r = _pw(port, user, pw, source)
    ms = (time.perf_counter() - t0) * 1e3
    _fail(r)
    return ms


def test_wrong_password_takes_as_long_for_a_temporary_password(box):
    """A wrong password costs one Argon2id whether the account holds a temporary password (a
    generated secret, checked by a fast digest), a chosen one, or does not exist: timing must not
    tell which accounts still have their temporary password.  Medians of one run, compared."""
    s, admin = box
    accounts, rounds = 5, 4  # 4 failures per account: none is slowed down
    temp = [add_user(admin, ["sales_agent"])["userPrincipalName"] for _ in range(accounts)]
    chosen = [staff_client(admin, ["sales_agent"]).info["email"] for _ in range(accounts)]
    ghosts = ["ghost-%s@staff.example.cn" % uuid.uuid4().hex[:12] for _ in range(accounts)]
    times = {"temporary": [], "chosen": [], "unknown": []}
    for rnd in range(rounds):
        for i in range(accounts):
            src = fresh_source()  # 3 failures per address: far from its limits
            for kind, names in (("temporary", temp), ("chosen", chosen), ("unknown", ghosts)):
                times[kind].append(_grant_ms(s.port, names[i], "Wrong-Pass-%d-%d" % (rnd, i), src))
    med = {k: statistics.median(v) for k, v in times.items()}
    assert med["temporary"] > 0.5 * med["chosen"], med
    assert med["temporary"] > 0.5 * med["unknown"], med


@pytest.mark.skipif(not ON_PG, reason="PostgreSQL runs only (PARTNERD_TEST_DB=postgresql)")
def test_parallel_guesses_split_over_two_instances_are_limited():
    """Two partnerd processes on one database: the reservations are counted in the database,
    atomically, so the guesses they share are checked at most LIMIT times in all."""
    db = new_pg_db()
    a = Server(db=db).start()
    b = Server(db=db).start()
    try:
        info = a.add_partner("Twin Guarded Co")
        results = _guess_passwords([a.port, b.port], info["userName"], info["password"])
        assert {r.status for r in results[0::2]} & {429} and {r.status for r in results[1::2]} & {429}
        a.stop()
        b.stop()
    finally:
        a.cleanup()
        b.cleanup()
        drop_pg_db(db)


@pytest.mark.skipif(not ON_PG, reason="PostgreSQL runs only (PARTNERD_TEST_DB=postgresql)")
def test_reservations_of_a_crashed_instance_expire(box):
    """An instance that dies holding reservations leaves them in the shared table: they hold the
    account for at most a minute after the last one, never for ever."""
    s, admin = box
    email, pw = admin.info["userName"], admin.info["password"]
    src = fresh_source()
    sign_in(s.port, email, pw, source=src)  # the counters' rows exist
    now = int(time.time())
    key = "p|%s|%s" % (email.lower(), src)
    assert db_update(s.db, "UPDATE throttle SET inflight = 5, held = %d WHERE key = '%s'" % (now, key)) == 1
    assert _throttled(_pw(s.port, email, pw, src)) == 1, "the five in flight hold the pair"
    assert db_update(s.db, "UPDATE throttle SET held = %d WHERE key = '%s'" % (now - 61, key)) == 1
    sign_in(s.port, email, pw, source=src)


def test_a_sign_in_answered_503_releases_its_reservation(make_server, tmp_path):
    """The right password, but the token cannot be stored (disk full): 503, and the attempt is
    released, not left counting against the account."""
    if ON_PG:
        pytest.skip("the shim fails SQLite's files")
    shim = os.path.abspath(os.environ.get("FAULTFS") or os.path.join(os.path.dirname(BIN), "faultfs.so"))
    if not os.path.exists(shim):
        pytest.skip("the fault shim is not built: %s" % shim)
    store = tmp_path / "store"
    store.mkdir()
    ctl = tmp_path / "fault"
    env = {"LD_PRELOAD": shim, "FAULTFS_CONTROL": str(ctl), "FAULTFS_DIR": str(store)}
    if SANITIZED:
        env["ASAN_OPTIONS"] = (os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0").lstrip(":")
    s = make_server(db="sqlite:" + str(store / "p.db"), env=env).start()
    info = s.add_partner("Full Disk Co")
    src = fresh_source()
    ctl.write_text("ENOSPC")
    for i in range(2 * LIMIT):
        r = _pw(s.port, info["userName"], info["password"], src)
        assert r.status == 503, r
    ctl.unlink()
    sign_in(s.port, info["userName"], info["password"], source=src)


# ---- a flood of made-up names does not switch the protection off --------------------------------

def _pipelined(port, source, bodies, path="/oauth2/token"):
    """POSTs the form bodies on one connection from `source`, all written at once (HTTP/1.1
    pipelining); the statuses in order."""
    head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: %%d\r\n\r\n" % path)
    data = b"".join((head % len(b)).encode() + b for b in bodies)
    s = socket.create_connection(("127.0.0.1", port), timeout=60 * SLOW, source_address=(source, 0))
    statuses, buf = [], b""
    try:
        s.sendall(data)
        while len(statuses) < len(bodies):
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                chunk = s.recv(65536)
                assert chunk, "the server closed after %d of %d answers" % (len(statuses), len(bodies))
                buf += chunk
                continue
            head_lines = buf[:end].decode("latin-1").split("\r\n")
            length = 0
            for line in head_lines[1:]:
                k, _, v = line.partition(":")
                if k.strip().lower() == "content-length":
                    length = int(v)
            while len(buf) < end + 4 + length:
                chunk = s.recv(65536)
                assert chunk, "the server closed mid-answer"
                buf += chunk
            statuses.append(int(head_lines[0].split()[1]))
            buf = buf[end + 4 + length:]
    finally:
        s.close()
    return statuses


def _flood(port, addresses, per_address, threads=8):
    """per_address failed client_credentials with made-up client ids from each address (many in
    parallel); a count of each status."""
    counts, lock = {}, threading.Lock()
    work = list(addresses)

    def run():
        while True:
            with lock:
                if not work:
                    return
                src = work.pop()
            bodies = [urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": str(uuid.uuid4()),
                                              "client_secret": "made-up"}).encode() for _ in range(per_address)]
            got = _pipelined(port, src, bodies)
            with lock:
                for st in got:
                    counts[st] = counts.get(st, 0) + 1
    ts = [threading.Thread(target=run) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return counts


def _addresses(n, salt):
    """n loopback addresses, each in a /24 of its own (127.a.b.x, a < 255)."""
    return ["127.%d.%d.%d" % (1 + (salt * 7 + i // 250) % 254, i % 250 + 1, 2 + salt % 250) for i in range(n)]


def _admin_still_locks(s, info):
    b = uuid.uuid4().bytes
    src = "127.255.%d.%d" % (b[0], b[1] % 250 + 2)  # not in a /24 of the flood (_addresses)
    statuses = [_pw(s.port, info["userName"], "Wrong-Pass-%d" % i, src).status for i in range(25)]
    assert statuses[:LIMIT] == [400] * LIMIT, statuses
    assert set(statuses[LIMIT:]) == {429}, statuses
    _throttled(_pw(s.port, info["userName"], info["password"], src))


@pytest.mark.skipif(ON_PG, reason="the bounded table is the in-memory one (SQLite deployments)")
def test_a_flood_at_full_size_does_not_switch_sign_in_protection_off(make_server):
    """The finding: 49,000 failed client_credentials with made-up client ids from 4,900 loopback
    addresses (100,000 counters' worth) filled the table, and then every wrong admin password
    was checked.  Now the table makes room (and counts by prefix under pressure): the admin's
    account still locks after five."""
    s = make_server(["--no-access-log"]).start()
    info = s.add_partner("Flooded Co")
    t0 = time.time()
    counts = _flood(s.port, _addresses(4900, 1), 10)
    assert sum(counts.values()) == 49000 and set(counts) <= {400, 429}, counts
    _admin_still_locks(s, info)
    assert time.time() - t0 < 60, "the flood took %.0f s" % (time.time() - t0)


@pytest.mark.skipif(ON_PG, reason="the bounded table is the in-memory one (SQLite deployments)")
def test_a_flood_of_a_small_table_does_not_switch_sign_in_protection_off(make_server):
    """The same with the table lowered to 2,000 counters (PARTNERD_THROTTLE_ENTRIES, a test's
    lever): filled three times over, and the admin still locks after five."""
    s = make_server(["--no-access-log"], env={"PARTNERD_THROTTLE_ENTRIES": "2000"}).start()
    info = s.add_partner("Small Table Co")
    counts = _flood(s.port, _addresses(300, 2), 10)
    assert sum(counts.values()) == 3000 and set(counts) <= {400, 429}, counts
    _admin_still_locks(s, info)


@pytest.mark.skipif(ON_PG, reason="the bounded table is the in-memory one (SQLite deployments)")
def test_a_table_full_of_kept_counters_refuses_new_sign_ins_with_503(make_server):
    """Counters of real accounts with failures are never evicted; when the table holds nothing
    else, a sign-in that needs a new counter is refused (503, Retry-After), never let through
    uncounted."""
    s = make_server(env={"PARTNERD_THROTTLE_ENTRIES": "16"}).start()
    admin = s.partner("Full Table Co")
    apps = [add_app(admin, ["sales_agent"]) for _ in range(16)]
    seen = []
    for i, a in enumerate(apps):
        r = app_token_request(s.port, a["clientId"], "wrong-secret", source="127.9.%d.1" % i)
        seen.append(r.status)
        if r.status != 400:
            break
    assert seen[-1] == 503, seen
    assert seen[:-1] and set(seen[:-1]) == {400}, seen
    assert r.json["error"] == "temporarily_unavailable", r.json
    assert (r.h("Retry-After") or "").isdigit() and int(r.h("Retry-After")) > 0, r.headers
    # the refused attempt checked nothing: the right secret is refused the same way
    r = app_token_request(s.port, apps[len(seen) - 1]["clientId"], apps[len(seen) - 1]["clientSecret"],
                          source="127.9.%d.1" % (len(seen) - 1))
    assert r.status == 503, r


@pytest.mark.skipif(not ON_PG, reason="PostgreSQL runs only (PARTNERD_TEST_DB=postgresql)")
def test_a_shutdown_with_sign_ins_in_flight_leaves_no_reservation_behind(make_server):
    """SIGTERM while sign-ins are being checked: the server finishes them, and every attempt
    it reserved in the shared table is ended (none left counting in flight)."""
    s = make_server().start()
    out = []

    def one(i):
        try:
            r = _pw(s.port, "ghost-%d-%s@x.cn" % (i, uuid.uuid4().hex[:6]), "wrong-%d" % i, fresh_source())
            out.append((r.status, time.time()))
        except OSError:
            out.append((None, time.time()))  # arrived after the listener closed
    ts = [threading.Thread(target=one, args=(i,)) for i in range(60)]
    for t in ts:
        t.start()
    time.sleep(0.05 * SLOW)
    stopped_at = time.time()
    rc = s.terminate()
    for t in ts:
        t.join()
    s.check_clean(rc)
    answered = [(st, at) for st, at in out if st is not None]
    assert answered and {st for st, _ in answered} <= {400, 503}, out
    assert any(at > stopped_at and st == 400 for st, at in answered), "none was in flight at SIGTERM: %r" % out
    assert psql(s.db, "SELECT count(*) FROM throttle").strip() != "0"
    assert psql(s.db, "SELECT coalesce(sum(inflight), 0) FROM throttle").strip() == "0"
