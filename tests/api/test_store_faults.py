"""Store fault sweep (issue 15): with --fault-injection, every write route is sent once per store
call it makes, that call failing with EIO, EBUSY or ECONFLICT (X-Partnerd-Fault: call=N), before
the call reaches the backend.  Each faulted answer must be 4xx/503 with Partner Center's error
body, the store must hold exactly what it held before (every table but the activity log and the
shared sign-in/rate counters, read from the store itself: the SQLite file, or psql), and the same
request sent again without a fault must succeed.  The sweep of a route ends with the first N past
its last call (X-Partnerd-Fault-Op absent): that request was not faulted and must succeed too.
Runs on both engines like the rest of tests/api; one server for all routes."""
import json
import sqlite3
import threading
import urllib.parse
import uuid

import pytest

from helpers import (Server, add_user, cn_body, fresh_source, http_request, new_email, psql,
                     strong_password, uniq, us_body)

KINDS = ("EIO", "EBUSY", "ECONFLICT")
FORM = "application/x-www-form-urlencoded"
# Calls whose failure a route absorbs by design and still answers 2xx, having done its whole
# write (checked: the retry is skipped, the store is the new baseline): the read snapshot
# (reads then run without one), warming a create's pages, the create's early checks that its
# write makes again in the writer's transaction, and the end of a sign-in attempt on the shared
# counters (PostgreSQL), recorded after the verdict: logged, and the reservation lapses by itself.
ABSORBED = {"read_begin", "warm_insert", "domain_taken", "idem_get", "throttle_succeeded", "throttle_release"}
# Sign-in and rate counters are single statements outside transactions (store.h: S), kept on
# purpose whatever the request's outcome; the activity log records the failed attempts.
NOT_DUMPED = {"audit_records", "throttle", "rate_buckets", "schema_migrations"}
WHERE = {"counters": "name <> 'audit_seq'"}  # the activity log's sequence moves with it


# ---- the store, read from outside --------------------------------------------------------------

def dump(db):
    """Every table's rows (sorted), but NOT_DUMPED and SQLite's FTS5 shadow tables (the writer's
    upkeep merges those when it likes; the FTS5 table itself is read)."""
    if db.startswith("postgresql://"):
        tables = [t for t in psql(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").split()
                  if t not in NOT_DUMPED]
        sql = " UNION ALL ".join("SELECT '%s', count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), ''))"
                                 " FROM %s x%s" % (t, t, " WHERE " + WHERE[t] if t in WHERE else "") for t in tables)
        return dict((ln.split("|")[0], ln.split("|", 1)[1]) for ln in psql(db, sql).splitlines() if ln)
    conn = sqlite3.connect("file:%s?mode=ro" % db[len("sqlite:"):], uri=True, timeout=10)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        out = {}
        for t in names:
            if t in NOT_DUMPED or t.startswith("sqlite_") or t.startswith("customer_search_"):
                continue
            rows = conn.execute('SELECT %s* FROM "%s"%s' % ("rowid, " if t == "customer_search" else "", t,
                                                            " WHERE " + WHERE[t] if t in WHERE else "")).fetchall()
            out[t] = sorted(repr(r) for r in rows)
        return out
    finally:
        conn.close()


def differs(a, b):
    return sorted(t for t in set(a) | set(b) if a.get(t) != b.get(t))


# ---- requests ------------------------------------------------------------------------------------

class Req:
    """One request of a route: method, path, body (JSON object, form dict or None), headers,
    the bearer token, a source address, and what to do once it succeeded."""

    def __init__(self, method, path, body=None, token=None, form=False, headers=None, source=None, done=None):
        self.method, self.path, self.body, self.token = method, path, body, token
        self.form, self.headers, self.source, self.done = form, dict(headers or {}), source, done

    def send(self, port, fault=None):
        h = {"Accept": "application/json"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        data = None
        if self.body is not None:
            data = urllib.parse.urlencode(self.body) if self.form else json.dumps(self.body, ensure_ascii=False)
            h["Content-Type"] = FORM if self.form else "application/json"
        h.update(self.headers)
        if fault:
            h["X-Partnerd-Fault"] = fault
        return http_request(port, self.method, self.path, data, h, source=self.source)


def ok(r, what):
    assert 200 <= r.status < 300, "%s: %r" % (what, r)
    return r.json if (r.h("Content-Type") or "").startswith("application/json") else None


class World:
    """The server, two partners (A makes customers; B invites them) and helpers making targets."""

    def __init__(self, srv):
        self.srv, self.port = srv, srv.port
        self.a, self.b = srv.partner("Faults A"), srv.partner("Faults B")
        self.cust = self.customer()
        self.sub = ok(self.a.req("POST", "/v1/customers/%s/orders" % self.cust["id"],
                                 {"lineItems": [{"offerId": "CN-O365-E1", "quantity": 1}]}), "order")["lineItems"][0]
        self.cuser = self.customer_user()
        self.user = add_user(self.a, ["sales_agent"])
        self.app = self.new_app()
        self.staff_pw = None

    def req(self, method, path, body=None, **kw):
        return Req(method, path, body, token=kw.pop("token", self.a.token), **kw)

    def customer(self, who=None):
        return ok((who or self.a).create(cn_body(uniq("flt"), company="故障测试%s有限公司" % uuid.uuid4().hex[:6])),
                  "customer")

    def customer_user(self):
        return ok(self.a.req("POST", "/v1/customers/%s/users" % self.cust["id"],
                             {"userPrincipalName": "u" + uuid.uuid4().hex[:8], "firstName": "Li", "lastName": "Na",
                              "displayName": "李娜"}), "customer user")

    def new_app(self):
        return ok(self.a.req("POST", "/v1/apps", {"displayName": uniq("app"), "roles": ["sales_agent"]}), "app")

    def invitation_code(self, who):
        r = who.get("/v1/customers/relationshiprequests")
        if r.status == 404:
            r = who.req("POST", "/v1/customers/relationshiprequests")
        return ok(r, "invitation")["url"].rsplit("/", 1)[1]

    def portal_session(self):
        r = http_request(self.port, "POST", "/portal/session",
                         urllib.parse.urlencode({"username": self.a.info["userName"], "password": self.a.info["password"]}),
                         {"Content-Type": FORM}, source=fresh_source())
        ok(r, "portal sign-in")
        return r.h("Set-Cookie").split(";")[0], r.json["csrfToken"]

    def accepted(self):
        """A customer of A whose admin accepted B's invitation: B resells it."""
        c = self.customer()
        creds = c["userCredentials"]
        r = http_request(self.port, "POST", "/invite/" + self.invitation_code(self.b),
                         urllib.parse.urlencode({"userName": creds["userName"], "password": creds["password"]}),
                         {"Content-Type": FORM}, source=fresh_source())
        ok(r, "acceptance")
        return c

    def staff(self):
        """A sales agent who changed the temporary password: (token, password)."""
        u = add_user(self.a, ["sales_agent"])
        tok = ok(http_request(self.port, "POST", "/oauth2/token", urllib.parse.urlencode(
            {"grant_type": "password", "username": u["userPrincipalName"], "password": u["passwordProfile"]["password"]}),
            {"Content-Type": FORM}, source=fresh_source()), "sign-in")["access_token"]
        pw = strong_password()
        ok(Req("POST", "/v1/me/password", {"currentPassword": u["passwordProfile"]["password"], "newPassword": pw},
               token=tok).send(self.port), "password change")
        return {"token": tok, "password": pw}


# ---- the write routes (src/api/routes.c), each a maker of one fresh request ------------------------

def r_customer_create(w):
    return w.req("POST", "/v1/customers", us_body(uniq("fc")))


def r_customer_create_checked(w):
    """A create that asks for the duplicate check, is idempotent (MS-RequestId) and orders at once."""
    body = dict(cn_body(uniq("fd"), company="查重测试%s有限公司" % uuid.uuid4().hex[:8]),
                lineItems=[{"offerId": "CN-O365-E3", "quantity": 5}])
    body.pop("confirmDuplicates")
    return w.req("POST", "/v1/customers", body, headers={"MS-RequestId": str(uuid.uuid4())})


def r_customer_delete(w):
    return w.req("DELETE", "/v1/customers/%s" % w.customer()["id"])


def r_billing_update(w):
    cid = w.cust["id"]
    cur = ok(w.a.get("/v1/customers/%s/profiles/billing" % cid), "billing")
    body = {k: v for k, v in cur.items() if k != "links"}
    body["firstName"] = "名" + uuid.uuid4().hex[:4]
    return w.req("PUT", "/v1/customers/%s/profiles/billing" % cid, body)


def r_order_create(w):
    return w.req("POST", "/v1/customers/%s/orders" % w.cust["id"],
                 {"lineItems": [{"offerId": "CN-O365-E1", "quantity": 2}, {"offerId": "CN-PBI-PRO", "quantity": 1}]})


def r_subscription_patch(w):
    path = "/v1/customers/%s/subscriptions/%s" % (w.cust["id"], w.sub["subscriptionId"])
    cur = ok(w.a.get(path), "subscription")
    return w.req("PATCH", path, {"quantity": cur["quantity"] % 50 + 1}, headers={"If-Match": cur["attributes"]["etag"]})


def r_customer_user_create(w):
    return w.req("POST", "/v1/customers/%s/users" % w.cust["id"],
                 {"userPrincipalName": "u" + uuid.uuid4().hex[:8], "firstName": "Li", "lastName": "Na"})


def r_customer_user_patch(w):
    return w.req("PATCH", "/v1/customers/%s/users/%s" % (w.cust["id"], w.cuser["id"]),
                 {"displayName": "李娜 " + uuid.uuid4().hex[:4]})


def r_customer_user_delete(w):
    return w.req("DELETE", "/v1/customers/%s/users/%s" % (w.cust["id"], w.customer_user()["id"]))


def r_customer_user_reset(w):
    return w.req("POST", "/v1/customers/%s/users/%s/resetpassword" % (w.cust["id"], w.cuser["id"]))


def r_user_create(w):
    return w.req("POST", "/v1/users", {"userPrincipalName": new_email("flt"), "roles": ["sales_agent"]})


def r_user_patch(w):
    return w.req("PATCH", "/v1/users/%s" % w.user["id"], {"displayName": uniq("Name ")})


def r_user_delete(w):
    return w.req("DELETE", "/v1/users/%s" % add_user(w.a, ["helpdesk_agent"])["id"])


def r_user_reset(w):
    return w.req("POST", "/v1/users/%s/resetpassword" % w.user["id"])


def r_own_password(w):
    if not w.staff_pw:
        w.staff_pw = w.staff()
    me, new = w.staff_pw, strong_password()

    def changed(r):
        me["password"] = new
    return Req("POST", "/v1/me/password", {"currentPassword": me["password"], "newPassword": new}, token=me["token"],
               done=changed)


def r_app_create(w):
    return w.req("POST", "/v1/apps", {"displayName": uniq("app"), "roles": ["helpdesk_agent"]})


def r_app_secret(w):
    return w.req("POST", "/v1/apps/%s/secret" % w.app["id"])


def r_app_revoke(w):
    return w.req("DELETE", "/v1/apps/%s" % w.new_app()["id"])


def r_token_password(w):
    return Req("POST", "/oauth2/token", {"grant_type": "password", "username": w.a.info["userName"],
                                         "password": w.a.info["password"]}, form=True, source=fresh_source())


def r_token_client(w):
    app = w.new_app()
    return Req("POST", "/oauth2/token", {"grant_type": "client_credentials", "client_id": app.get("clientId", app["id"]),
                                         "client_secret": app["clientSecret"]}, form=True, source=fresh_source())


def r_portal_sign_in(w):
    return Req("POST", "/portal/session", {"username": w.a.info["userName"], "password": w.a.info["password"]},
               form=True, source=fresh_source())


def r_portal_sign_out(w):
    cookie, csrf = w.portal_session()
    return Req("DELETE", "/portal/session", headers={"Cookie": cookie, "X-CSRF-Token": csrf})


def r_invitation_new(w):
    return w.req("POST", "/v1/customers/relationshiprequests")


def r_invitation_revoke(w):
    w.invitation_code(w.a)
    return w.req("DELETE", "/v1/customers/relationshiprequests")


def r_invitation_accept(w):
    creds = w.customer()["userCredentials"]
    return Req("POST", "/invite/" + w.invitation_code(w.b), {"userName": creds["userName"],
                                                            "password": creds["password"]},
               form=True, source=fresh_source())


def r_relationship_end(w):
    return w.req("PATCH", "/v1/customers/%s" % w.accepted()["id"], {"relationshipToPartner": "none"},
                 token=w.b.token)


def r_reseller_add(w):
    return w.req("POST", "/v1/relationships", {"name": "经销商 " + uuid.uuid4().hex[:6],
                                               "mpnId": str(4000000 + uuid.uuid4().int % 5000000)})


def r_reseller_end(w):
    x = ok(r_reseller_add(w).send(w.port), "reseller")
    return w.req("PATCH", "/v1/relationships/%s" % x["id"], {"state": "Terminated"})


HOOK = {"WebhookUrl": "https://93.184.216.34/hooks", "WebhookEvents": ["customer-created"]}


def webhook(w, present):
    """A's webhook registration (issue 22) made afresh, or removed."""
    w.a.req("DELETE", "/webhooks/v1/registration")
    if present:
        ok(w.a.req("POST", "/webhooks/v1/registration", HOOK), "webhook registration")


def r_webhook_create(w):
    webhook(w, False)
    return w.req("POST", "/webhooks/v1/registration", HOOK)


def r_webhook_update(w):
    webhook(w, True)
    return w.req("PUT", "/webhooks/v1/registration", dict(HOOK, WebhookEvents=["customer-created", "test-created"]))


def r_webhook_delete(w):
    webhook(w, True)
    return w.req("DELETE", "/webhooks/v1/registration")


ROUTES = [r_customer_create, r_customer_create_checked, r_customer_delete, r_billing_update, r_order_create, r_subscription_patch,
          r_customer_user_create, r_customer_user_patch, r_customer_user_delete, r_customer_user_reset,
          r_user_create, r_user_patch, r_user_delete, r_user_reset, r_own_password, r_app_create, r_app_secret,
          r_app_revoke, r_token_password, r_token_client, r_portal_sign_in, r_portal_sign_out, r_invitation_new,
          r_invitation_revoke, r_invitation_accept, r_relationship_end, r_reseller_add, r_reseller_end,
          r_webhook_create, r_webhook_update, r_webhook_delete]


# ---- the sweep -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def world():
    srv = Server(["--fault-injection", "--sandbox", "--rate-limit", "100000"]).start()
    try:
        yield World(srv)
        srv.stop()
    finally:
        srv.cleanup()


def error_body(r, oauth=False):
    """Partner Center's error body: JSON with a numeric code and a description; the token
    endpoint (and the portal sign-in, which shares its code) may answer OAuth 2.0's instead (RFC 6749 5.2: error and error_description)."""
    assert (r.h("Content-Type") or "").startswith("application/json"), r
    j = r.json
    if oauth and "error" in j:
        assert isinstance(j["error"], str) and isinstance(j.get("error_description"), str), j
    else:
        assert isinstance(j.get("code"), int) and isinstance(j.get("description"), str) and j["description"], j
    return j


SEEN = {"kinds": set(), "faults": 0, "absorbed": set(), "routes": 0, "calls": {}}


@pytest.mark.parametrize("route", ROUTES, ids=[f.__name__[2:] for f in ROUTES])
def test_every_store_call_of_a_write_route_fails_cleanly(world, route):
    w, n = world, 0
    while True:
        n += 1
        assert n < 60, "a route that never runs out of store calls"
        req = route(w)
        kind = KINDS[SEEN["faults"] % len(KINDS)]
        before = dump(w.srv.db)
        r = req.send(w.port, "call=%d; error=%s" % (n, kind))
        op = r.h("X-Partnerd-Fault-Op")
        calls = r.h("X-Partnerd-Store-Calls")
        assert calls is not None and int(calls) >= (n if op else 1), r
        if op is None:  # past the request's last call: nothing was failed
            ok(r, "%s without a fault" % route.__name__)
            assert n > 1 and int(calls) == n - 1, (n, calls)
            if req.done:
                req.done(r)
            SEEN["calls"][route.__name__[2:]] = n - 1
            break
        SEEN["faults"] += 1
        what = "%s: call %d (%s) failed with %s" % (route.__name__, n, op, kind)
        if op in ABSORBED and 200 <= r.status < 300:
            SEEN["absorbed"].add(op)
            if req.done:
                req.done(r)
            continue
        assert 400 <= r.status < 500 or r.status == 503, "%s: %r" % (what, r)
        if req.path.startswith("/invite/") and (r.h("Content-Type") or "").startswith("text/html"):
            assert "<html" in r.text, r  # the acceptance page is for people: its errors are pages
        else:
            error_body(r, oauth=req.path in ("/oauth2/token", "/portal/session"))
        SEEN["kinds"].add(kind)
        after = dump(w.srv.db)
        assert not differs(before, after), "%s: half-written tables %s" % (what, differs(before, after))
        again = req.send(w.port)
        ok(again, "%s, then the same request without a fault" % what)
        if req.done:
            req.done(again)
    SEEN["routes"] += 1


def test_the_sweep_used_every_error_kind(world):
    if SEEN["routes"] < len(ROUTES):
        pytest.skip("runs after the whole sweep (a route that failed has said so)")
    assert SEEN["kinds"] == set(KINDS), SEEN
    print("\nfault sweep: %d routes, %d store calls failed (%s); absorbed by design: %s"
          % (SEEN["routes"], SEEN["faults"], ", ".join("%s %d" % kv for kv in sorted(SEEN["calls"].items())),
             ", ".join(sorted(SEEN["absorbed"]))))


def test_a_bad_fault_is_refused_and_op_fails_every_call_of_one_operation(world):
    # a spec that does not parse is refused, naming the header, and changes nothing
    before = dump(world.srv.db)
    for bad in ("call=0; error=EIO", "call=1; error=EPERM", "op=nope; error=EIO", "call=1"):
        r = r_customer_create(world).send(world.port, bad)
        assert r.status == 400 and "X-Partnerd-Fault" in error_body(r)["data"], r
    assert not differs(before, dump(world.srv.db))
    # op=NAME fails every call of one operation: here the customer insert of a create
    r = r_customer_create(world).send(world.port, "op=customer_insert; error=EBUSY")
    assert r.status == 503 and r.h("X-Partnerd-Fault-Op") == "customer_insert", r
    assert not differs(before, dump(world.srv.db))


def test_without_the_setting_the_header_is_refused_and_nothing_injected(make_server):
    s = make_server().start()
    p = s.partner("No Faults")
    r = p.create(us_body(uniq("nf")), headers={"X-Partnerd-Fault": "call=1; error=EIO"})
    assert r.status == 400 and "X-Partnerd-Fault" in error_body(r)["data"], r
    assert r.h("X-Partnerd-Store-Calls") is None
    r = p.create(us_body(uniq("nf")))
    assert r.status == 201 and r.h("X-Partnerd-Store-Calls") is None, r


def test_concurrent_requests_each_fail_only_their_own_call(world):
    """Sixteen creates at once, released by a barrier, grouped by the writer into few commits:
    the eight that ask for it fail their customer_insert (and nothing of them is kept), the
    other eight are created whole: a request's fault never reaches another request's calls."""
    n, barrier, out = 16, threading.Barrier(16), [None] * 16
    bodies = [us_body(uniq("race")) for _ in range(n)]

    def one(i):
        fault = "op=customer_insert; error=EBUSY" if i % 2 else None
        req = r_customer_create(world)
        req.body = bodies[i]
        barrier.wait()
        out[i] = req.send(world.port, fault)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, r in enumerate(out):
        if i % 2:
            assert r.status == 503 and r.h("X-Partnerd-Fault-Op") == "customer_insert", (i, r)
        else:
            assert r.status == 201 and r.h("X-Partnerd-Fault-Op") is None, (i, r)
    domains = {c["companyProfile"]["domain"] for c in world.a.list_all()}
    for i, b in enumerate(bodies):
        assert (b["companyProfile"]["domain"] in domains) == (i % 2 == 0), i
