"""Reseller relationship requests: the partner's invitation URL (GET/POST/DELETE
/v1/customers/relationshiprequests), the acceptance page /invite/{code} (HTML, CSP, escaping,
sign-in of a customer admin, throttling), a relationship accepted across two partners, ending
it with PATCH /v1/customers/{id} {"relationshipToPartner": "none"}, and the activity log."""
import json
import re
import time
import urllib.parse
import uuid

import pytest

from helpers import (Client, assert_error, audit_all, cn_body, custom, filt, fresh_source, get_token,
                     http_request, staff_client, uniq)

SECRETS = []
R = "/v1/customers/relationshiprequests"
FORM = "application/x-www-form-urlencoded"
URL_RE = re.compile(r"^http://127\.0\.0\.1:(\d+)/invite/([A-Za-z0-9_-]{16,})$")


@pytest.fixture(scope="module")
def a(server):
    c = server.partner("Rel Alpha")
    SECRETS.extend([c.token, c.info["password"]])
    return c


@pytest.fixture(scope="module")
def b(server):
    c = server.partner("Rel Beta Reseller")
    SECRETS.extend([c.token, c.info["password"]])
    return c


def new_customer(p, prefix="rel"):
    c = p.create_ok(cn_body(uniq(prefix), company="关系测试%s有限公司" % uuid.uuid4().hex[:6]))
    SECRETS.append(c["userCredentials"]["password"])
    return c


def request(p):
    """The partner's active invitation; after a revoke only a POST issues a new one."""
    r = p.get(R)
    if r.status == 404:
        r = p.req("POST", R)
        assert r.status == 201, r
    assert r.status == 200 or r.status == 201, r
    return r.json


def code_of(url):
    m = URL_RE.match(url)
    assert m, url
    return m.group(2)


def invite_code(p):
    return code_of(request(p)["url"])


def page(port, code, source=None):
    return http_request(port, "GET", "/invite/" + code, source=source)


def accept(port, code, user, password, source=None, headers=None):
    """POST the acceptance form; from a loopback address of its own unless `source` is given, so
    failures never count against the address other tests use."""
    h = {"Content-Type": FORM}
    h.update(headers or {})
    body = urllib.parse.urlencode({"userName": user, "password": password})
    return http_request(port, "POST", "/invite/" + code, body, h, source=source or fresh_source())


def creds(c):
    return c["userCredentials"]["userName"], c["userCredentials"]["password"]


def check_html(r, status):
    assert r.status == status, r
    assert (r.h("Content-Type") or "").startswith("text/html"), r.headers
    csp = r.h("Content-Security-Policy") or ""
    assert "default-src 'none'" in csp, csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp, csp
    # SECURITY.md: HTML pages forbid framing and send no Referer (the URL is the invitation)
    assert r.h("X-Frame-Options") == "DENY" and r.h("Referrer-Policy") == "no-referrer", r.headers
    assert r.h("X-Content-Type-Options") == "nosniff", r.headers
    assert "<html" in r.text.lower()


def ids(p):
    return [x["id"] for x in p.list_all()]


def subs(p, cid):
    r = p.get("/v1/customers/%s/subscriptions" % cid)
    assert r.status == 200, r
    return r.json["items"]


def upns(p, cid):
    r = p.get("/v1/customers/%s/users" % cid)
    assert r.status == 200, r
    return sorted(u["userPrincipalName"] for u in r.json["items"])


def order_ok(p, cid, offer="CN-O365-E1", q=1):
    r = p.req("POST", "/v1/customers/%s/orders" % cid, {"lineItems": [{"offerId": offer, "quantity": q}]})
    assert r.status == 201, r
    return r.json["lineItems"][0]["subscriptionId"]


def suspend(p, cid, sid):
    path = "/v1/customers/%s/subscriptions/%s" % (cid, sid)
    etag = p.get(path).json["attributes"]["etag"]
    r = p.req("PATCH", path, {"status": "suspended"}, headers={"If-Match": etag})
    assert r.status == 200 and r.json["status"] == "suspended", r


def end(p, cid, value="none", headers=None):
    return p.req("PATCH", "/v1/customers/" + cid, {"relationshipToPartner": value}, headers=headers)


def linked(server, a, b):
    """A customer of `a` that accepted `b`'s invitation."""
    c = new_customer(a)
    r = accept(server.port, invite_code(b), *creds(c))
    assert r.status == 200 and "Accepted" in r.text, r
    return c


# ---- the invitation URL -------------------------------------------------------------------------

def test_request_is_a_stable_url(server, a):
    j = request(a)
    assert j["state"] == "active"
    assert j["attributes"]["objectType"] == "RelationshipRequest"
    m = URL_RE.match(j["url"])
    assert m and int(m.group(1)) == server.port, j
    assert request(a)["url"] == j["url"]
    assert request(a)["url"] == j["url"]


def test_each_partner_has_its_own_invitation(a, b):
    assert invite_code(a) != invite_code(b)


def test_post_issues_a_new_url_and_revokes_the_old(server, a):
    old = invite_code(a)
    assert page(server.port, old).status == 200
    r = a.req("POST", R)
    assert r.status == 201, r
    assert r.json["state"] == "active" and r.json["attributes"]["objectType"] == "RelationshipRequest"
    new = code_of(r.json["url"])
    assert new != old
    assert request(a)["url"] == r.json["url"]
    check_html(page(server.port, old), 404)
    check_html(page(server.port, new), 200)
    r2 = a.req("POST", R)
    assert r2.status == 201 and code_of(r2.json["url"]) not in (old, new), r2
    assert page(server.port, new).status == 404


def test_delete_revokes_until_a_post_issues_a_new_one(server, a):
    old = invite_code(a)
    r = a.req("DELETE", R)
    assert r.status == 204, r
    assert r.raw == b""
    check_html(page(server.port, old), 404)
    c = new_customer(a)
    check_html(accept(server.port, old, *creds(c)), 404)
    r = a.get(R)
    assert_error(r, 404)  # a revoke is not undone by merely looking
    assert "POST" in r.json["description"], r.json
    r = a.req("POST", R)
    assert r.status == 201, r
    new = code_of(r.json["url"])
    assert new != old
    assert page(server.port, new).status == 200
    assert invite_code(a) == new


def test_revoked_invitation_cannot_be_accepted(server, a, b):
    c = new_customer(a)
    old = invite_code(b)
    assert b.req("POST", R).status == 201
    r = accept(server.port, old, *creds(c))
    check_html(r, 404)
    assert_error(b.get("/v1/customers/" + c["id"]), 404)


def test_relationship_requests_need_the_right_role(server, a):
    before = request(a)["url"]
    hd = staff_client(a, ["helpdesk_agent"], SECRETS)
    for method in ("GET", "POST", "DELETE"):
        r = hd.req(method, R)
        assert_error(r, 403)
        assert "/invite/" not in r.text
    assert request(a)["url"] == before
    sa = staff_client(a, ["sales_agent"], SECRETS)
    assert sa.get(R).json["url"] == before
    for method in ("GET", "POST", "DELETE"):
        r = server.anon().req(method, R)
        assert_error(r, 401)


# ---- the acceptance page ------------------------------------------------------------------------

def test_page_names_the_inviting_partner(server, b):
    r = page(server.port, invite_code(b))
    check_html(r, 200)
    assert "Rel Beta Reseller" in r.text
    assert 'name="userName"' in r.text and 'name="password"' in r.text
    assert "frame-ancestors 'none'" in r.h("Content-Security-Policy") or r.h("X-Frame-Options") == "DENY"


def test_partner_name_is_html_escaped(server):
    name = "<script>alert('x')</script> & \"Evil\" <img src=x onerror=alert(1)> CSP"
    info = server.add_partner(name)
    p = Client(server.port, get_token(server.port, info["userName"], info["password"]), info)
    SECRETS.extend([p.token, info["password"]])
    for make in (lambda: invite_code(p), lambda: code_of(p.req("POST", R).json["url"])):
        code = make()
        r = page(server.port, code)
        check_html(r, 200)
        assert "<script" not in r.text.lower(), r.text
        assert "<img" not in r.text.lower(), r.text
        assert "&lt;script&gt;" in r.text, r.text
        assert "&amp;" in r.text
    # the pages after a POST too (wrong password, accepted)
    c = new_customer(p)
    r = accept(server.port, code, creds(c)[0], "wrong-" + uuid.uuid4().hex)
    check_html(r, 400)
    assert "<script" not in r.text.lower() and "&lt;script&gt;" in r.text
    r = accept(server.port, code, *creds(c))
    check_html(r, 200)
    assert "<script" not in r.text.lower()


@pytest.mark.parametrize("code", ["nope", "AAAAAAAAAAAAAAAAAAAAAA", "x" * 300, "%3Cscript%3E"])
def test_unknown_code_is_404(server, code):
    check_html(page(server.port, code), 404)
    r = accept(server.port, code, "admin@x.partner.onmschina.cn", "whatever-password-1A")
    check_html(r, 404)
    assert "<script>" not in r.text


def test_invitation_pages_carry_the_promised_headers(server, a, b):
    """Every page of /invite/{code}: the form, a refused sign-in (400, 403), an unknown code
    (404), too many attempts (429) and the accepted page."""
    code = invite_code(b)
    c = new_customer(a)
    user, pw = creds(c)
    src = fresh_source()
    pages = [(page(server.port, code), 200), (page(server.port, "nope"), 404),
             (accept(server.port, code, "", ""), 400), (accept(server.port, "nope", user, pw), 404)]
    guessed = "guess-%s@example.cn" % uuid.uuid4().hex[:8]  # unknown accounts are throttled too
    for _ in range(12):
        r = accept(server.port, code, guessed, "wrong-" + uuid.uuid4().hex, source=src)
        if r.status == 429:
            break
    pages += [(r, 429), (accept(server.port, code, user, pw), 200)]
    for r, status in pages:
        check_html(r, status)


def test_unknown_accounts_typed_names_are_not_recorded(server, a, b):
    """README: failed sign-ins of existing accounts are recorded.  What someone types for an
    account that does not exist (a password pasted into the user-name box) is recorded nowhere;
    an existing account's failed attempt is recorded under its user name."""
    code = invite_code(b)
    c = new_customer(a)
    typed = ["Tr0ub4dor-%s-&3" % uuid.uuid4().hex[:8], "nobody-%s@%s" % (uuid.uuid4().hex[:8], c["companyProfile"]["domain"])]
    rid = "rid-" + uuid.uuid4().hex
    for t in typed:
        r = accept(server.port, code, t, "some-password-1A", headers={"MS-RequestId": rid})
        check_html(r, 400)
    user, pw = creds(c)
    known_rid = "rid-" + uuid.uuid4().hex
    check_html(accept(server.port, code, user, "wrong-" + uuid.uuid4().hex, headers={"MS-RequestId": known_rid}), 400)
    everything = audit_all(b)
    text = json.dumps(everything, ensure_ascii=False)
    for t in typed:
        assert t not in text and t.lower() not in text.lower()
    assert not [x for x in everything if custom(x, "RequestId") == rid], "nothing of an unknown account"
    known = [x for x in everything if custom(x, "RequestId") == known_rid]
    assert len(known) == 1 and known[0]["operationStatus"] == "failed", known
    assert known[0]["userPrincipalName"].lower() == user.lower()


def test_invitation_codes_stay_out_of_the_access_log(server, b):
    code = invite_code(b)
    rid = "rid-" + uuid.uuid4().hex
    assert page(server.port, code).status == 200
    http_request(server.port, "GET", "/invite/" + code + "?x=1", headers={"MS-RequestId": rid})
    check_html(accept(server.port, code, "", "", headers={"MS-RequestId": rid}), 400)
    deadline = time.time() + 5
    while time.time() < deadline and len([ln for ln in server.stderr().splitlines() if rid in ln]) < 2:
        time.sleep(0.02)
    lines = [ln for ln in server.stderr().splitlines() if rid in ln]
    assert len(lines) == 2 and all(" /invite/*** " in ln or " /invite/***?" in ln for ln in lines), lines
    assert code not in server.stderr()


# ---- accepting ----------------------------------------------------------------------------------

def test_accept_across_partners(server, a, b):
    c = new_customer(a)
    cid = c["id"]
    a_sub = order_ok(a, cid, "CN-O365-E3", 5)
    u = a.req("POST", "/v1/customers/%s/users" % cid, {"userPrincipalName": "staff", "displayName": "Staff"})
    assert u.status == 201, u
    SECRETS.append(u.json["passwordProfile"]["password"])
    assert_error(b.get("/v1/customers/" + cid), 404)
    assert cid not in ids(b)

    rid = "rid-" + uuid.uuid4().hex
    user, pw = creds(c)
    r = accept(server.port, invite_code(b), user, pw, headers={"MS-RequestId": rid})
    check_html(r, 200)
    assert "Accepted" in r.text and "Rel Beta Reseller" in r.text
    assert pw not in r.text

    g = b.get("/v1/customers/" + cid)
    assert g.status == 200, g
    assert g.json["relationshipToPartner"] == "reseller"
    assert g.json["companyProfile"]["domain"] == c["companyProfile"]["domain"]
    assert cid in ids(b)
    assert cid in ids(a)
    assert a.get("/v1/customers/" + cid).json["relationshipToPartner"] == "reseller"

    # its own billing profile
    ab = a.get("/v1/customers/%s/profiles/billing" % cid).json
    bb = b.get("/v1/customers/%s/profiles/billing" % cid).json
    assert ab["attributes"]["etag"] != bb["attributes"]["etag"]
    bb["companyName"] = "B 的账户名称"
    bb["email"] = "billing@beta.example.cn"
    r = b.req("PUT", "/v1/customers/%s/profiles/billing" % cid, bb)
    assert r.status == 200, r
    a_now = a.get("/v1/customers/%s/profiles/billing" % cid).json
    assert a_now == ab
    assert a.get("/v1/customers/" + cid).json["companyProfile"]["companyName"] == c["billingProfile"]["companyName"]
    ab["email"] = "billing@alpha.example.cn"
    r = a.req("PUT", "/v1/customers/%s/profiles/billing" % cid, ab)
    assert r.status == 200, r
    b_now = b.get("/v1/customers/%s/profiles/billing" % cid).json
    assert b_now["email"] == "billing@beta.example.cn" and b_now["companyName"] == "B 的账户名称"
    # a stale etag of the other partner's profile is no good
    stale = dict(b_now, attributes={"etag": a.get("/v1/customers/%s/profiles/billing" % cid).json["attributes"]["etag"]})
    assert_error(b.req("PUT", "/v1/customers/%s/profiles/billing" % cid, stale), 412)

    # the same tenant users; subscriptions are each partner's own
    assert upns(a, cid) == upns(b, cid)
    assert len(upns(a, cid)) == 2
    assert subs(b, cid) == []
    assert [s["id"] for s in subs(a, cid)] == [a_sub]
    assert_error(b.get("/v1/customers/%s/subscriptions/%s" % (cid, a_sub)), 404)
    # B's add-on needs B's own base subscription
    r = b.req("POST", "/v1/customers/%s/orders" % cid, {"lineItems": [{"offerId": "CN-EXO-ARCHIVE", "quantity": 1}]})
    assert_error(r, 400)
    b_sub = order_ok(b, cid, "CN-M365-BB", 3)
    assert [s["id"] for s in subs(b, cid)] == [b_sub]
    assert [s["id"] for s in subs(a, cid)] == [a_sub]
    # a user added by B is the tenant's: A sees it
    r = b.req("POST", "/v1/customers/%s/users" % cid, {"userPrincipalName": "viab", "displayName": "Via B"})
    assert r.status == 201, r
    SECRETS.append(r.json["passwordProfile"]["password"])
    assert upns(a, cid) == upns(b, cid) and len(upns(a, cid)) == 3

    # accepting again: fine, nothing doubled
    r = accept(server.port, invite_code(b), user, pw)
    check_html(r, 200)
    assert "Accepted" in r.text
    assert ids(b).count(cid) == 1 and ids(a).count(cid) == 1
    assert b.get("/v1/customers/%s/profiles/billing" % cid).json["email"] == "billing@beta.example.cn"

    # the activity log: one succeeded record, for B, by the customer's admin
    recs = [x for x in audit_all(b, "&filter=" + filt("OperationType", "accept_reseller_relationship", "equals"))
            if custom(x, "RequestId") == rid]
    assert len(recs) == 1, recs
    rec = recs[0]
    assert rec["operationStatus"] == "succeeded"
    assert rec["partnerId"] == b.info["partnerId"]
    assert rec.get("customerId") == cid
    assert rec["userPrincipalName"].lower() == user.lower()
    assert [x for x in audit_all(a) if custom(x, "RequestId") == rid] == []


def test_accept_with_upper_case_user_name(server, a, b):
    c = new_customer(a)
    user, pw = creds(c)
    r = accept(server.port, invite_code(b), user.upper(), pw)
    check_html(r, 200)
    assert b.get("/v1/customers/" + c["id"]).status == 200


def test_a_second_company_administrator_may_accept(server, a, b):
    c = new_customer(a)
    r = a.req("POST", "/v1/customers/%s/users" % c["id"],
              {"userPrincipalName": "boss2", "displayName": "Boss", "roles": ["company_administrator"]})
    assert r.status == 201, r
    pw = r.json["passwordProfile"]["password"]
    SECRETS.append(pw)
    r = accept(server.port, invite_code(b), r.json["userPrincipalName"], pw)
    check_html(r, 200)
    assert b.get("/v1/customers/" + c["id"]).json["relationshipToPartner"] == "reseller"


def test_wrong_password_links_nothing(server, a, b):
    c = new_customer(a)
    user, pw = creds(c)
    for bad_pw in ("wrong-" + uuid.uuid4().hex, "", pw[:-1], pw.upper() if pw.upper() != pw else pw + "x"):
        r = accept(server.port, invite_code(b), user, bad_pw)
        check_html(r, 400)
        assert "Accepted" not in r.text
    r = accept(server.port, invite_code(b), "nobody@" + c["companyProfile"]["domain"], pw)
    check_html(r, 400)
    r = accept(server.port, invite_code(b), "", "")
    check_html(r, 400)
    assert_error(b.get("/v1/customers/" + c["id"]), 404)
    assert c["id"] not in ids(b)


def test_non_administrator_gets_403(server, a, b):
    c = new_customer(a)
    r = a.req("POST", "/v1/customers/%s/users" % c["id"], {"userPrincipalName": "clerk", "displayName": "Clerk"})
    assert r.status == 201 and r.json["roles"] == ["user"], r
    pw = r.json["passwordProfile"]["password"]
    SECRETS.append(pw)
    r = accept(server.port, invite_code(b), r.json["userPrincipalName"], pw)
    check_html(r, 403)
    assert "Accepted" not in r.text
    assert_error(b.get("/v1/customers/" + c["id"]), 404)


def test_partner_staff_credentials_are_not_customer_admins(server, a, b):
    r = accept(server.port, invite_code(b), a.info["userName"], a.info["password"])
    assert r.status in (400, 403), r
    assert "Accepted" not in r.text


def test_deleted_admin_cannot_accept(server, a, b):
    c = new_customer(a)
    admin = [u for u in a.get("/v1/customers/%s/users" % c["id"]).json["items"]][0]
    assert a.req("DELETE", "/v1/customers/%s/users/%s" % (c["id"], admin["id"])).status == 204
    r = accept(server.port, invite_code(b), *creds(c))
    assert r.status in (400, 403), r
    assert_error(b.get("/v1/customers/" + c["id"]), 404)


def test_inactive_admin_cannot_accept(server, a, b):
    c = new_customer(a)
    admin = a.get("/v1/customers/%s/users" % c["id"]).json["items"][0]
    r = a.req("PATCH", "/v1/customers/%s/users/%s" % (c["id"], admin["id"]), {"state": "inactive"})
    assert r.status == 200, r
    r = accept(server.port, invite_code(b), *creds(c))
    assert r.status in (400, 403), r
    assert "Accepted" not in r.text
    assert_error(b.get("/v1/customers/" + c["id"]), 404)


def test_admin_demoted_to_user_cannot_accept(server, a, b):
    c = new_customer(a)
    admin = a.get("/v1/customers/%s/users" % c["id"]).json["items"][0]
    r = a.req("PATCH", "/v1/customers/%s/users/%s" % (c["id"], admin["id"]), {"roles": ["user"]})
    assert r.status == 200, r
    r = accept(server.port, invite_code(b), *creds(c))
    check_html(r, 403)
    assert_error(b.get("/v1/customers/" + c["id"]), 404)


def test_five_wrong_passwords_then_429(server, a, b):
    c = new_customer(a)
    user, pw = creds(c)
    code = invite_code(b)
    src = fresh_source()
    for i in range(5):
        r = accept(server.port, code, user, "wrong-%d-%s" % (i, uuid.uuid4().hex[:6]), source=src)
        check_html(r, 400)
    r = accept(server.port, code, user, "wrong-again-" + uuid.uuid4().hex[:6], source=src)
    assert r.status == 429, r
    ra = r.h("Retry-After")
    assert ra and ra.isdigit() and int(ra) >= 1, r.headers
    # locked for this address even with the right password
    r = accept(server.port, code, user, pw, source=src)
    assert r.status == 429, r
    assert "Accepted" not in r.text
    assert_error(b.get("/v1/customers/" + c["id"]), 404)


def test_the_form_needs_form_encoding(server, a, b):
    c = new_customer(a)
    user, pw = creds(c)
    r = http_request(server.port, "POST", "/invite/" + invite_code(b),
                     json.dumps({"userName": user, "password": pw}), {"Content-Type": "application/json"},
                     source=fresh_source())
    assert r.status in (400, 415), r
    assert_error(b.get("/v1/customers/" + c["id"]), 404)


# ---- ending the relationship --------------------------------------------------------------------

def test_end_relationship(server, a, b):
    c = linked(server, a, b)
    cid = c["id"]
    a_sub = order_ok(a, cid, "CN-O365-E1", 2)
    sid = order_ok(b, cid, "CN-O365-E3", 4)
    sid2 = order_ok(b, cid, "CN-EXO-ARCHIVE", 4)
    for v in ("reseller", "x", "", "None", 1):
        r = end(b, cid, v)
        assert_error(r, 400)
        assert "relationshipToPartner" in r.json["data"], r.json
    assert_error(b.req("PATCH", "/v1/customers/" + cid, {}), 400)

    rid = "rid-" + uuid.uuid4().hex
    r = end(b, cid, headers={"MS-RequestId": rid})
    assert_error(r, 409)
    assert b.get("/v1/customers/" + cid).json["relationshipToPartner"] == "reseller"
    suspend(b, cid, sid)  # its add-on (sid2) is suspended with it
    assert [x["status"] for x in b.get("/v1/customers/%s/subscriptions" % cid).json["items"]] == ["suspended"] * 2
    suspend(b, cid, sid2)  # suspending again changes nothing

    rid = "rid-" + uuid.uuid4().hex
    r = end(b, cid, headers={"MS-RequestId": rid})
    assert r.status == 200, r
    assert r.json["relationshipToPartner"] == "none" and r.json["id"] == cid
    g = b.get("/v1/customers/" + cid)
    assert g.status in (200, 404), g
    if g.status == 200:
        assert g.json["relationshipToPartner"] == "none"
    # no new orders
    r = b.req("POST", "/v1/customers/%s/orders" % cid, {"lineItems": [{"offerId": "CN-O365-E1", "quantity": 1}]})
    assert_error(r, 409 if g.status == 200 else 404)
    assert sorted(s["id"] for s in subs(a, cid)) == [a_sub]
    # A is untouched: still the reseller, still ordering
    assert a.get("/v1/customers/" + cid).json["relationshipToPartner"] == "reseller"
    order_ok(a, cid, "CN-PBI-PRO", 1)
    # ending twice
    r = end(b, cid)
    assert r.status in (200, 404, 409), r

    recs = [x for x in audit_all(b, "&filter=" + filt("OperationType", "remove_partner_customer_relationship",
                                                       "equals")) if custom(x, "RequestId") == rid]
    assert len(recs) == 1, recs
    assert recs[0]["operationStatus"] == "succeeded" and recs[0].get("customerId") == cid
    assert (recs[0].get("userPrincipalName") or "").lower() == b.info["userName"].lower()


def test_end_relationship_without_subscriptions(server, a, b):
    c = linked(server, a, b)
    r = end(b, c["id"])
    assert r.status == 200 and r.json["relationshipToPartner"] == "none", r


def test_after_ending_the_partner_cannot_act_for_the_tenant(server, a, b):
    """Once B's relationship is ended, B no longer administers the customer's users: it may not
    reset the admin's password (that would hand B the tenant), add users or change them."""
    c = linked(server, a, b)
    cid = c["id"]
    admin = a.get("/v1/customers/%s/users" % cid).json["items"][0]
    r = end(b, cid)
    assert r.status == 200, r
    before = upns(a, cid)
    r = b.req("POST", "/v1/customers/%s/users/%s/resetpassword" % (cid, admin["id"]))
    if r.status == 200:
        SECRETS.append(r.json["passwordProfile"]["password"])
    assert r.status in (403, 404, 409), r
    assert "passwordProfile" not in r.text
    r = b.req("POST", "/v1/customers/%s/users" % cid, {"userPrincipalName": "afterend", "displayName": "x"})
    if r.status == 201:
        SECRETS.append(r.json["passwordProfile"]["password"])
    assert r.status in (403, 404, 409), r
    r = b.req("DELETE", "/v1/customers/%s/users/%s" % (cid, admin["id"]))
    assert r.status in (403, 404, 409), r
    assert upns(a, cid) == before
    # the admin's password is still the one the customer knows
    r = accept(server.port, invite_code(a), *creds(c))
    check_html(r, 200)


def test_after_ending_the_partner_no_longer_reads_the_tenants_users(server, a, b):
    """The customer's users are the tenant's, live: once B's relationship ends, B reads them no
    more than it changes them (409, as for a change); A, still the reseller, reads them; and B
    reads them again once the customer accepts B anew."""
    c = linked(server, a, b)
    cid = c["id"]
    listed = b.get("/v1/customers/%s/users" % cid)
    assert listed.status == 200 and listed.json["items"], listed
    uid = listed.json["items"][0]["id"]
    assert end(b, cid).status == 200
    r = b.get("/v1/customers/%s/users" % cid)
    assert_error(r, 409, field="customerId")
    assert "items" not in r.json and c["userCredentials"]["userName"] not in r.text, r
    r = b.get("/v1/customers/%s/users/%s" % (cid, uid))
    assert_error(r, 409, field="customerId")
    assert "userPrincipalName" not in r.text, r
    r = b.req("GET", "/v1/customers/%s/users" % cid, headers={"X-Locale": "zh-CN"})
    assert r.status == 409 and "经销商关系" in r.json["description"], r
    # what B keeps is its own: its account of the customer and its subscriptions
    assert b.get("/v1/customers/" + cid).status == 200
    assert b.get("/v1/customers/%s/subscriptions" % cid).status == 200
    assert upns(a, cid) == sorted(u["userPrincipalName"] for u in listed.json["items"])
    assert a.get("/v1/customers/%s/users/%s" % (cid, uid)).status == 200
    r = accept(server.port, invite_code(b), *creds(c))
    check_html(r, 200)
    assert upns(b, cid) == upns(a, cid)


def test_customer_may_accept_again_after_ending(server, a, b):
    c = linked(server, a, b)
    assert end(b, c["id"]).status == 200
    r = accept(server.port, invite_code(b), *creds(c))
    check_html(r, 200)
    assert b.get("/v1/customers/" + c["id"]).json["relationshipToPartner"] == "reseller"
    order_ok(b, c["id"])


def test_the_home_partner_may_end_its_relationship(server, a):
    c = new_customer(a)
    sid = order_ok(a, c["id"])
    assert_error(end(a, c["id"]), 409)
    suspend(a, c["id"], sid)
    r = end(a, c["id"])
    assert r.status == 200 and r.json["relationshipToPartner"] == "none", r
    r = a.req("POST", "/v1/customers/%s/orders" % c["id"], {"lineItems": [{"offerId": "CN-O365-E1", "quantity": 1}]})
    assert_error(r, 409)


def test_end_relationship_permissions_and_ids(server, a, b):
    c = linked(server, a, b)
    hd = staff_client(b, ["helpdesk_agent"], SECRETS)
    assert_error(end(hd, c["id"]), 403)
    other = server.partner("Rel Stranger")
    SECRETS.extend([other.token, other.info["password"]])
    assert_error(end(other, c["id"]), 404)
    assert_error(end(b, str(uuid.uuid4())), 404)
    assert_error(end(b, "not-a-uuid"), 400)
    assert_error(server.anon().req("PATCH", "/v1/customers/" + c["id"], {"relationshipToPartner": "none"}), 401)
    assert b.get("/v1/customers/" + c["id"]).json["relationshipToPartner"] == "reseller"


# ---- sandbox DELETE of a customer that two partners serve ---------------------------------------

def test_reseller_deleting_its_account_leaves_the_home_partners_customer_whole(server, a, b):
    """B's DELETE removes B's account of the customer (or is refused); A's customer keeps its
    users and its domain."""
    c = linked(server, a, b)
    cid, domain = c["id"], c["companyProfile"]["domain"]
    before = upns(a, cid)
    r = b.req("DELETE", "/v1/customers/" + cid)
    assert r.status in (204, 409), r
    g = a.get("/v1/customers/" + cid)
    assert g.status == 200, g
    assert upns(a, cid) == before
    assert a.req("HEAD", "/v1/domains/" + domain).status == 200
    if r.status == 204:
        assert_error(b.get("/v1/customers/" + cid), 404)
        assert cid not in ids(b)
        # the tenant's admin can still accept an invitation (B's again, here)
        r = accept(server.port, invite_code(b), *creds(c))
        check_html(r, 200)


def test_home_partner_deleting_a_customer_leaves_no_half_tenant(server, a, b):
    """After A's DELETE, either the customer is gone for B too, or B's account is whole (users
    listed, domain still taken): never a customer whose domain can be registered again."""
    c = linked(server, a, b)
    cid, domain = c["id"], c["companyProfile"]["domain"]
    r = a.req("DELETE", "/v1/customers/" + cid)
    assert r.status in (204, 409), r
    if r.status == 409:
        assert a.get("/v1/customers/" + cid).status == 200
        return
    assert_error(a.get("/v1/customers/" + cid), 404)
    g = b.get("/v1/customers/" + cid)
    if g.status == 200:
        assert a.req("HEAD", "/v1/domains/" + domain).status == 200, "B still has %s, yet the domain is free" % domain
        assert b.get("/v1/customers/%s/users" % cid).status == 200
    else:
        assert g.status == 404, g
        assert cid not in ids(b)


# ---- the activity log never holds a password ----------------------------------------------------

def test_zz_no_password_in_the_activity_log(a, b):
    text = json.dumps(audit_all(a), ensure_ascii=False) + json.dumps(audit_all(b), ensure_ascii=False)
    assert len(SECRETS) > 10
    for s in SECRETS:
        assert s not in text
