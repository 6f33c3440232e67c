"""Sign-in protection (per account, per source address) and per-partner rate limits.  Each test
runs its own short-lived server so that the session server is never throttled."""
import time
import uuid

import pytest

from helpers import (SANITIZED, Client, add_app, add_user, app_token_request, assert_error, fresh_source,
                     get_token, sign_in, token_request)

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
