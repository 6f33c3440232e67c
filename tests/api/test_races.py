"""Lost updates between request phases (docs/internals/writes.md): a write phase applies a
change only if the row is still the one its prepare phase read, else it answers 409.  Each
test releases many clients at once (threading.Barrier) so that one change lands while the
others are between their read and their write (an Argon2id hash on the worker pool, or the
writer's queue), for a few rounds, and asserts the end state is never the lost-update one."""
import json
import urllib.parse

import pytest

from helpers import (Client, assert_error, audit_all, cn_body, fresh_source, http_request, race, sign_in,
                     staff_client, strong_password, token_request, uniq)

ROUNDS = 4
MAX_ROUNDS = 20  # races without a hash in between: rounds until the interleaving was seen twice
CLIENTS = 10


def refused_sign_in(port, user, password):
    r = token_request(port, {"grant_type": "password", "username": user, "password": password},
                      source=fresh_source())
    return r.status != 200 and "access_token" not in (r.json or {})


@pytest.fixture
def admin(server):
    return server.partner(uniq("Races Co"))


LOCALES = ["en-US", "zh-CN", "de-DE"]
CHANGED = {"en-US": "was changed by another request", "zh-CN": "已被另一个请求更改",
           "de-DE": "von einer anderen Anfrage geändert"}


def own_password_changes(user, n):
    """n concurrent POST /v1/me/password calls of `user` from its current password, the i-th
    in LOCALES[i % 3], each from an address of its own: one that finds the password already
    changed counts as a failed sign-in, which must not throttle the address other tests use."""
    news = [strong_password() for _ in range(n)]
    body = lambda pw: json.dumps({"currentPassword": user.info["password"], "newPassword": pw})
    calls = [lambda i=i, pw=pw: http_request(user.port, "POST", "/v1/me/password", body(pw),
                                             {"Authorization": "Bearer " + user.token,
                                              "Content-Type": "application/json", "X-Locale": LOCALES[i % 3]},
                                             source=fresh_source())
             for i, pw in enumerate(news)]
    return news, calls


def check_answers(answers, allowed):
    """Every answer's status is allowed; a 409 says, in the caller's language, that the row
    changed meanwhile.  Returns the number of 409s."""
    for i, r in enumerate(answers):
        assert r.status in allowed, r
        if r.status == 409:
            assert_error(r, 409)
            assert r.json["errorName"] == "ConcurrentChange", r.json
            assert CHANGED[LOCALES[i % 3]] in r.json["description"], r.json
    return sum(r.status == 409 for r in answers)


# ---- partner users ---------------------------------------------------------------------------

def test_own_password_change_never_undoes_a_disable(server, admin):
    refused = 0
    for _ in range(ROUNDS):
        user = staff_client(admin, ["admin_agent", "sales_agent"])
        news, calls = own_password_changes(user, CLIENTS)
        patch = lambda: admin.req("PATCH", "/v1/users/" + user.info["id"],
                                  {"state": "disabled", "roles": ["helpdesk_agent"]})
        answers, (p,) = race(*calls, late=[patch])
        assert p.status == 200, p
        refused += check_answers(answers, {200, 400, 401, 409, 429})  # 400: another change came first;
        # 429: more attempts in flight for the account than the sign-in protection lets through
        g = admin.get("/v1/users/" + user.info["id"])
        assert g.status == 200, g
        assert g.json["state"] == "disabled", "an own password change undid the disable: %r" % g.json
        assert g.json["roles"] == ["helpdesk_agent"], g.json
        assert user.get("/v1/me").status == 401, "the disabled user's token still works"
        for pw in [user.info["password"]] + news:
            assert refused_sign_in(server.port, user.info["email"], pw), "a disabled user signed in"
    assert refused > 0, "no own password change was ever caught between its read and its write"


def test_own_password_change_never_undoes_a_reset(server, admin):
    refused = 0
    for _ in range(ROUNDS):
        user = staff_client(admin, ["sales_agent"])
        news, calls = own_password_changes(user, CLIENTS)
        reset = lambda: admin.req("POST", "/v1/users/%s/resetpassword" % user.info["id"])
        answers, (rs,) = race(*calls, late=[reset])
        assert rs.status == 200, rs
        refused += check_answers(answers, {200, 400, 401, 409, 429})  # 400: another change came first;
        # 429: more attempts in flight for the account than the sign-in protection lets through
        g = admin.get("/v1/users/" + user.info["id"])
        assert g.json["mustChangePassword"] is True, "an own password change undid the reset: %r" % g.json
        # from the address the user signed in from before: the failures above (other
        # addresses) may have throttled the account for new ones, not for that one
        tok = sign_in(server.port, user.info["email"], rs.json["passwordProfile"]["password"])
        assert tok.get("password_change_required") is True, tok
        assert user.get("/v1/me").status == 401, "the reset revokes the user's tokens"
        for pw in [user.info["password"]] + news:
            assert refused_sign_in(server.port, user.info["email"], pw), "an old password survived the reset"
    assert refused > 0, "no own password change was ever caught between its read and its write"


def test_no_sign_in_outlives_a_reset(server, admin):
    """A password grant checks the password on the pool against the row it read: its token is
    kept only if no reset came between (a reset revokes every token, also the ones to come)."""
    late_tokens = 0
    for _ in range(ROUNDS):
        user = staff_client(admin, ["sales_agent"])
        fields = {"grant_type": "password", "username": user.info["email"], "password": user.info["password"]}
        calls = [lambda: token_request(server.port, fields, source=fresh_source())] * CLIENTS
        reset = lambda: admin.req("POST", "/v1/users/%s/resetpassword" % user.info["id"])
        answers, (rs,) = race(*calls, late=[reset])
        assert rs.status == 200, rs
        for r in answers:
            assert r.status in (200, 400, 409, 429), r  # 429: too many attempts in flight at once
            if r.status == 200:
                me = Client(server.port, r.json["access_token"]).get("/v1/me")
                assert me.status == 401, "a token from the old password outlived the reset"
            late_tokens += r.status in (400, 409)
    assert late_tokens > 0, "no sign-in was ever caught between its check and its write"


# ---- apps ------------------------------------------------------------------------------------

def test_no_client_credentials_token_outlives_a_rotation(server, admin):
    """The secret is checked on the loop; the token is written by the writer, behind the
    rotation if it came first: that token must not be kept."""
    caught = 0
    for _ in range(MAX_ROUNDS):
        if caught >= 2:
            break
        app = admin.req("POST", "/v1/apps", {"displayName": uniq("race app"), "roles": ["sales_agent"]})
        assert app.status == 201, app
        fields = {"grant_type": "client_credentials", "client_id": app.json["clientId"],
                  "client_secret": app.json["clientSecret"]}
        calls = [lambda: token_request(server.port, fields, source=fresh_source())] * (CLIENTS * 3)
        rotate = lambda: admin.req("POST", "/v1/apps/%s/secret" % app.json["id"])
        answers, (ro,) = race(*calls, late=[rotate], delay=0)
        assert ro.status == 200, ro
        for r in answers:
            assert r.status in (200, 400, 409, 429), r  # 429: the old secret's failures add up
            if r.status == 200:
                me = Client(server.port, r.json["access_token"]).get("/v1/me")
                assert me.status == 401, "a token from the old secret outlived the rotation"
        caught += any(r.status == 409 for r in answers)
    assert caught > 0, "no sign-in was ever caught between its check and its write"


# ---- customer users and subscriptions: state checked in prepare, written later ---------------

def end_relationship(p, cid):
    return p.req("PATCH", "/v1/customers/" + cid, {"relationshipToPartner": "none"})


def committed_after_the_end(p, cid, op):
    """Succeeded `op` records of customer `cid` committed after its relationship ended (the
    activity log is in commit order)."""
    recs = [a for a in audit_all(p) if a.get("customerId") == cid and a["operationStatus"] == "succeeded"]
    ops = [a["operationType"] for a in recs]
    end = ops.index("remove_partner_customer_relationship")
    return [o for o in ops[end:] if o == op]


def test_no_customer_user_is_added_after_the_relationship_ended(server, admin):
    refused = 0
    for _ in range(ROUNDS):
        c = admin.create_ok(cn_body(uniq("race")))
        calls = [lambda i=i: admin.req("POST", "/v1/customers/%s/users" % c["id"],
                                       {"userPrincipalName": "u%d-%s" % (i, uniq("x")),
                                        "passwordProfile": {"password": strong_password()}})
                 for i in range(CLIENTS)]
        answers, (e,) = race(*calls, late=[lambda: end_relationship(admin, c["id"])])
        assert e.status == 200, e
        for r in answers:
            assert r.status in (201, 409), r
            refused += r.status == 409
        assert committed_after_the_end(admin, c["id"], "create_customer_user") == [], \
            "a customer user was added after the relationship ended"
    assert refused > 0, "no create was ever caught between its check and its write"


def test_no_invitation_is_accepted_after_it_was_revoked(server, admin):
    """The acceptance page checks the invitation on the loop and the administrator's password
    on the pool; the writer must find the invitation still active.  Both the revoke and the
    acceptance are in the inviting partner's activity log, in commit order."""
    reseller = server.partner(uniq("Races Reseller"))
    for _ in range(ROUNDS):
        c = admin.create_ok(cn_body(uniq("race")))
        pw = strong_password()  # chosen, so Argon2id on the pool (a generated one is a fast digest)
        u = admin.req("POST", "/v1/customers/%s/users" % c["id"],
                      {"userPrincipalName": uniq("boss"), "roles": ["company_administrator"],
                       "passwordProfile": {"password": pw}})
        assert u.status == 201, u
        r = reseller.req("POST", "/v1/customers/relationshiprequests")
        assert r.status == 201, r
        code = r.json["url"].rsplit("/", 1)[1]
        form = urllib.parse.urlencode({"userName": u.json["userPrincipalName"], "password": pw})
        accept = lambda: http_request(server.port, "POST", "/invite/" + code, form,
                                      {"Content-Type": "application/x-www-form-urlencoded"},
                                      source=fresh_source())
        revoke = lambda: reseller.req("DELETE", "/v1/customers/relationshiprequests")
        answers, (rv,) = race(*[accept] * CLIENTS, late=[revoke])
        assert rv.status == 204, rv
        for a in answers:
            assert a.status in (200, 404, 429), a  # 429: too many sign-ins in flight at once
        # this round's revoke is the latest; this customer's acceptance may only come before it
        ops = [x["operationType"] for x in audit_all(reseller) if x["operationStatus"] == "succeeded" and (
               x["operationType"] == "revoke_relationship_request" or x.get("customerId") == c["id"])]
        last = len(ops) - 1 - ops[::-1].index("revoke_relationship_request")
        assert "accept_reseller_relationship" not in ops[last:], "accepted after the revoke: %s" % ops


def test_concurrent_first_invitation_reads_share_one_invitation(server):
    """The first GET of a partner's invitation makes one (its write phase): GETs that all
    found none on the loop must answer the same, still active, URL, not revoke each other's."""
    for _ in range(ROUNDS):
        p = server.partner(uniq("Races Inviter"))
        answers, _ = race(*[lambda: p.get("/v1/customers/relationshiprequests")] * CLIENTS)
        assert all(r.status == 200 for r in answers), answers
        urls = {r.json["url"] for r in answers}
        assert len(urls) == 1, "concurrent first reads made %d invitations, all but one revoked" % len(urls)
        now = p.get("/v1/customers/relationshiprequests")
        assert now.status == 200 and now.json["url"] in urls, now


def test_no_subscription_is_ordered_after_the_relationship_ended(server, admin):
    """An order checks the relationship on the loop and is written behind the end of the
    relationship if that came first: no active subscription may exist without one.  The end
    goes first and the orders half a millisecond later, most of them read the relationship
    before the end commits (the code before the writer's recheck kept their subscriptions in
    8 of 12 rounds)."""
    for _ in range(ROUNDS * 2):
        c = admin.create_ok(cn_body(uniq("race")))
        order = lambda: admin.req("POST", "/v1/customers/%s/orders" % c["id"],
                                  {"lineItems": [{"offerId": "CN-O365-E1", "quantity": 1}]})
        (e,), answers = race(lambda: end_relationship(admin, c["id"]), late=[order] * (CLIENTS * 2),
                             delay=0.0005)
        assert e.status in (200, 409), e
        for r in answers:
            assert r.status in (201, 409), r
        if e.status != 200:
            continue  # an order came first: the end was refused (active subscriptions)
        subs = admin.get("/v1/customers/%s/subscriptions" % c["id"])
        assert subs.status == 200, subs
        active = [s["id"] for s in subs.json["items"] if s["status"] == "active"]
        assert active == [], "subscriptions ordered after the relationship ended: %s" % active
        refused = [r for r in answers if r.status == 409]
        assert all(r.json["description"] for r in refused), refused
