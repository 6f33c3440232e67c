"""The portal as the server sees it: its files (compiled in, byte for byte, under a strict
Content-Security-Policy, nothing else reachable), cookie sessions (HttpOnly, SameSite=Strict,
CSRF token on every change, sign-out ends exactly that session) and the message catalogs
(every key the scripts use exists in zh-CN, en-US and de-DE with the same placeholders)."""
import glob
import json
import os
import re
import urllib.parse

import pytest

from helpers import (ROOT, add_user, assert_error, audit_all, change_password, cn_body,
                     fresh_source, http_request, strong_password, uniq)

WEB = os.path.join(ROOT, "web")
FILES = sorted(os.path.basename(p) for p in glob.glob(os.path.join(WEB, "*")))
LANGS = ("zh-CN", "en-US", "de-DE")


def portal_sign_in(port, username, password, source=None, headers=None):
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    h.update(headers or {})
    return http_request(port, "POST", "/portal/session",
                        urllib.parse.urlencode({"username": username, "password": password}), h, source=source)


class Session:
    """A browser-like caller: the session cookie and the CSRF token it was given."""

    def __init__(self, port, username, password):
        r = portal_sign_in(port, username, password)
        assert r.status == 200, r
        self.port, self.set_cookie = port, r.h("Set-Cookie")
        self.cookie = self.set_cookie.split(";")[0]
        self.csrf = r.json["csrfToken"]
        self.signin = r

    def req(self, method, path, body=None, csrf=True, headers=None):
        h = {"Cookie": self.cookie}
        if csrf and self.csrf:
            h["X-CSRF-Token"] = self.csrf if csrf is True else csrf
        if body is not None:
            h["Content-Type"] = "application/json"
            body = json.dumps(body, ensure_ascii=False)
        h.update(headers or {})
        return http_request(self.port, method, path, body, h)


@pytest.fixture(scope="module")
def admin_login(server):
    info = server.add_partner("Portal Partner")
    return info


# ---- files ------------------------------------------------------------------------------------

def test_index_is_the_portal_with_a_strict_policy(server):
    r = http_request(server.port, "GET", "/")
    assert r.status == 200 and r.h("Content-Type").startswith("text/html")
    assert r.raw == open(os.path.join(WEB, "index.html"), "rb").read()
    csp = r.h("Content-Security-Policy")
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.h("X-Frame-Options") == "DENY" and r.h("X-Content-Type-Options") == "nosniff"
    assert "<script>" not in r.text and " style=" not in r.text, "inline code would need 'unsafe-inline'"


@pytest.mark.parametrize("name", FILES)
def test_every_web_file_is_served_byte_for_byte(server, name):
    r = http_request(server.port, "GET", "/assets/" + name)
    assert r.status == 200, r
    assert r.raw == open(os.path.join(WEB, name), "rb").read()
    want = {".js": "text/javascript", ".css": "text/css", ".json": "application/json",
            ".html": "text/html", ".svg": "image/svg+xml"}[os.path.splitext(name)[1]]
    assert r.h("Content-Type").startswith(want)
    assert r.h("Cache-Control") == "no-cache" and re.match(r'^"[0-9a-f]{16}"$', r.h("ETag"))
    again = http_request(server.port, "GET", "/assets/" + name, headers={"If-None-Match": r.h("ETag")})
    assert again.status == 304 and again.raw == b""


def test_scripts_load_nothing_from_elsewhere():
    for name in FILES:
        text = open(os.path.join(WEB, name), encoding="utf-8").read()
        assert not re.search(r"https?://", text.replace("http://www.w3.org/2000/svg", "")), name
        if name.endswith(".js"):
            assert not re.search(r"\.(inner|outer)HTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function", text), name


@pytest.mark.parametrize("path", ["/assets/../Makefile", "/assets/%2e%2e/Makefile", "/assets/..%2fMakefile",
                                  "/assets/%2e%2e%2fsrc%2fapi%2fportal.c", "/assets/nope.js", "/assets/",
                                  "/assets/.%2e/.%2e/etc/passwd", "/web/app.js", "/assets/app.js/x"])
def test_nothing_but_the_portal_files_is_reachable(server, path):
    r = http_request(server.port, "GET", path)
    assert r.status in (400, 404), (path, r)
    assert b"#include" not in r.raw and b"root:" not in r.raw


# ---- sessions ---------------------------------------------------------------------------------

def test_sign_in_sets_an_httponly_strict_cookie_and_returns_a_csrf_token(server, admin_login):
    s = Session(server.port, admin_login["userName"], admin_login["password"])
    attrs = [a.strip() for a in s.set_cookie.split(";")]
    assert attrs[0].startswith("pd_session=") and len(attrs[0]) > 40
    assert "HttpOnly" in attrs and "SameSite=Strict" in attrs and "Path=/" in attrs
    assert any(a.startswith("Max-Age=") for a in attrs)
    assert "Secure" not in attrs  # plain http on loopback; --public-url https://... adds it
    assert re.match(r"^[0-9a-f]{32}$", s.csrf)
    assert s.signin.json["passwordChangeRequired"] is False
    assert "access_token" not in s.signin.json, "the token stays in the HttpOnly cookie"
    me = s.req("GET", "/portal/session")
    assert me.status == 200 and me.json["userPrincipalName"] == admin_login["userName"]
    assert me.json["csrfToken"] == s.csrf
    assert "customers.create" in me.json["permissions"] and me.json["domainSuffix"] == "partner.onmschina.cn"
    assert me.json["partnerName"] == "Portal Partner"


def test_secure_cookie_behind_https_public_url(make_server):
    srv = make_server(["--public-url", "https://partners.example.cn"]).start()
    info = srv.add_partner("Secure Partner")
    r = portal_sign_in(srv.port, info["userName"], info["password"])
    assert r.status == 200 and "; Secure" in r.h("Set-Cookie")


# Login CSRF: a form on another site posting the attacker's own (valid) credentials would sign
# the victim's browser in as the attacker.
@pytest.mark.parametrize("headers, field", [
    ({"Origin": "https://evil.example"}, "Origin"),
    ({"Origin": "null"}, "Origin"),
    ({"Origin": "http://127.0.0.1.evil.example"}, "Origin"),
    ({"Sec-Fetch-Site": "cross-site"}, "Sec-Fetch-Site"),
    ({"Sec-Fetch-Site": "same-site"}, "Sec-Fetch-Site"),
    ({"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, "Sec-Fetch-Site"),
    ({"Sec-Fetch-Site": "same-origin", "Origin": "https://evil.example"}, "Origin"),
])
def test_sign_in_from_another_site_is_refused(server, admin_login, headers, field):
    r = portal_sign_in(server.port, admin_login["userName"], admin_login["password"], source=fresh_source(),
                       headers=headers)
    assert_error(r, 403, field=field)
    assert r.h("Set-Cookie") is None and "csrfToken" not in r.text, r
    r = portal_sign_in(server.port, admin_login["userName"], admin_login["password"], source=fresh_source(),
                       headers=dict(headers, **{"X-Locale": "zh-CN"}))
    assert r.status == 403 and "其他网站" in r.json["description"], r


@pytest.mark.parametrize("headers", [
    {"Origin": "http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin"},  # the portal's own fetch
    {"Origin": "HTTP://127.0.0.1:{port}"},
    {"Origin": "https://127.0.0.1:{port}"},  # the same host through a TLS-terminating proxy
    {"Sec-Fetch-Site": "none"},  # typed or bookmarked, no page behind it
    {},  # curl, scripts and browsers older than Origin on POST: nothing to tell, allowed
])
def test_sign_in_from_the_portal_itself_is_allowed(server, admin_login, headers):
    h = {k: v.format(port=server.port) for k, v in headers.items()}
    r = portal_sign_in(server.port, admin_login["userName"], admin_login["password"], headers=h)
    assert r.status == 200 and r.h("Set-Cookie").startswith("pd_session="), r


def test_sign_in_origin_is_the_public_url_when_set(make_server):
    srv = make_server(["--public-url", "https://partners.example.cn/portal/"]).start()
    info = srv.add_partner("Origin Partner")
    ok = portal_sign_in(srv.port, info["userName"], info["password"], headers={"Origin": "https://partners.example.cn"})
    assert ok.status == 200, ok
    for origin in ("http://127.0.0.1:%d" % srv.port, "http://partners.example.cn", "https://evil.example"):
        r = portal_sign_in(srv.port, info["userName"], info["password"], headers={"Origin": origin})
        assert_error(r, 403, field="Origin")


def test_wrong_password_gets_no_cookie(server, admin_login):
    r = portal_sign_in(server.port, admin_login["userName"], "wrong-password", source=fresh_source())
    assert r.status == 400 and r.json["error"] == "invalid_grant" and r.h("Set-Cookie") is None
    r = http_request(server.port, "POST", "/portal/session", "username=x",
                     {"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 400 and r.json["error"] == "invalid_request"


def test_sign_in_protection_covers_the_portal(server):
    src = fresh_source()
    email = "nobody-%s@staff.example.cn" % uniq()
    statuses = [portal_sign_in(server.port, email, "wrong", source=src).status for _ in range(12)]
    assert 429 in statuses, statuses
    r = portal_sign_in(server.port, email, "wrong", source=src)
    assert r.status == 429 and int(r.h("Retry-After")) > 0


def test_changes_need_the_sessions_csrf_token(server, admin_login):
    s = Session(server.port, admin_login["userName"], admin_login["password"])
    other = Session(server.port, admin_login["userName"], admin_login["password"])
    assert other.csrf != s.csrf
    assert s.req("GET", "/v1/customers?size=1", csrf=False).status == 200  # reads need none
    for token in (False, "0" * 32, other.csrf, s.csrf[:-1]):
        r = s.req("POST", "/v1/customers", cn_body(uniq("csrf")), csrf=token)
        assert_error(r, 403, field="X-CSRF-Token")
    r = s.req("POST", "/v1/customers", cn_body(uniq("csrf")))
    assert r.status == 201, r


def test_bearer_callers_need_no_csrf_and_get_no_csrf_token(server, admin_login):
    from helpers import get_token
    tok = get_token(server.port, admin_login["userName"], admin_login["password"])
    h = {"Authorization": "Bearer " + tok}
    me = http_request(server.port, "GET", "/portal/session", headers=h)
    assert me.status == 200 and "csrfToken" not in me.json and "permissions" in me.json
    r = http_request(server.port, "POST", "/v1/customers", json.dumps(cn_body(uniq("bear"))),
                     dict(h, **{"Content-Type": "application/json"}))
    assert r.status == 201, r
    # a bearer header wins over a cookie: a forged cookie cannot smuggle in a change
    r = http_request(server.port, "DELETE", "/portal/session", None, dict(h, Cookie="pd_session=" + tok))
    assert_error(r, 401)


def test_sign_out_ends_exactly_that_session(server, admin_login):
    a = Session(server.port, admin_login["userName"], admin_login["password"])
    b = Session(server.port, admin_login["userName"], admin_login["password"])
    assert_error(a.req("DELETE", "/portal/session", csrf=False), 403, field="X-CSRF-Token")
    r = a.req("DELETE", "/portal/session")
    assert r.status == 204
    assert "Max-Age=0" in r.h("Set-Cookie") and r.h("Set-Cookie").startswith("pd_session=;")
    assert_error(a.req("GET", "/portal/session"), 401)
    assert b.req("GET", "/portal/session").status == 200
    from helpers import Client, get_token
    admin = Client(server.port, get_token(server.port, admin_login["userName"], admin_login["password"]))
    ops = [x["operationType"] for x in audit_all(admin, "&filter=" + urllib.parse.quote(
        json.dumps({"Field": "OperationType", "Value": "sign_out"})))]
    assert ops and set(ops) == {"sign_out"}


def test_new_user_must_change_the_temporary_password_first(server, admin_login):
    from helpers import Client, get_token
    admin = Client(server.port, get_token(server.port, admin_login["userName"], admin_login["password"]))
    u = add_user(admin, ["sales_agent"])
    temp = u["passwordProfile"]["password"]
    s = Session(server.port, u["userPrincipalName"], temp)
    assert s.signin.json["passwordChangeRequired"] is True
    me = s.req("GET", "/portal/session")
    assert me.status == 200 and me.json["mustChangePassword"] is True
    assert_error(s.req("GET", "/v1/customers"), 403)
    new = strong_password()
    r = s.req("POST", "/v1/me/password", {"currentPassword": temp, "newPassword": new})
    assert r.status == 200, r
    assert s.req("GET", "/v1/customers?size=1").status == 200, "the session goes on after the change"
    assert "users.read" not in s.req("GET", "/portal/session").json["permissions"]


def test_a_disabled_users_session_ends_at_once(server, admin_login):
    from helpers import Client, get_token, staff_client
    admin = Client(server.port, get_token(server.port, admin_login["userName"], admin_login["password"]))
    staff = staff_client(admin, ["sales_agent"])
    s = Session(server.port, staff.info["email"], staff.info["password"])
    assert s.req("GET", "/v1/customers?size=1").status == 200
    assert admin.req("PATCH", "/v1/users/" + staff.info["id"], {"state": "disabled"}).status == 200
    assert_error(s.req("GET", "/v1/customers?size=1"), 401)


# ---- message catalogs ---------------------------------------------------------------------------

def _catalog(lang):
    return json.load(open(os.path.join(WEB, "messages.%s.json" % lang), encoding="utf-8"))


def _keys_used():
    """Catalog keys the scripts name literally (t('x.y'), labelled('x.y', ...), key tables)."""
    keys = set()
    for name in FILES:
        if name.endswith(".js"):
            text = open(os.path.join(WEB, name), encoding="utf-8").read()
            keys |= set(re.findall(r"'((?:[a-z]+[A-Za-z]*)\.[A-Za-z][A-Za-z.]*)'", text))
    perms = set(re.findall(r"\| `[^`]+` \| ([a-z_]+\.[a-z_]+) \|", open(os.path.join(ROOT, "docs", "permissions.md")).read()))
    assert "customers.create" in perms
    return {k for k in keys - perms if not k.endswith((".js", ".json", ".csv"))
            and not k.startswith(("billingProfile", "companyProfile", "partnerd."))}


def test_catalogs_have_the_same_keys_and_placeholders():
    en = _catalog("en-US")
    for lang in LANGS:
        c = _catalog(lang)
        assert list(c) == list(en), lang
        for k, v in en.items():
            assert set(re.findall(r"\{\w+\}", c[k])) == set(re.findall(r"\{\w+\}", v)), (lang, k)
            assert c[k].strip(), (lang, k)


def test_every_key_the_scripts_use_is_in_the_catalogs():
    used = _keys_used()
    assert len(used) > 150, "the key scan found too little: %d" % len(used)
    dynamic = {"lang": LANGS, "role": ("global_admin", "admin_agent", "sales_agent", "helpdesk_agent",
                                       "billing_admin", "user_management_admin"),
               "subs.status": ("active", "suspended", "deleted"), "state": ("active", "disabled"),
               "relationship": ("reseller", "none"), "customerRole": ("company_administrator", "user"),
               "opStatus": ("succeeded", "failed"), "appState": ("active", "revoked")}
    for prefix, values in dynamic.items():
        used |= {"%s.%s" % (prefix, v) for v in values}
    for lang in LANGS:
        missing = sorted(k for k in used if k not in _catalog(lang) and not k.startswith("activity.field.")
                         and k.split(".")[0] not in ("op", "resource"))
        assert not missing, (lang, missing)


def test_every_audited_operation_has_a_label():
    """Every route's activity-log operation and resource type (routes.c: op, resource, then the
    prepare phase), and the activity page offers each in its filters (activity.js)."""
    pairs = set(re.findall(r'"([a-z_]+)",\s*"([a-z_]+)",\s*pd_',
                           open(os.path.join(ROOT, "src", "api", "routes.c"), encoding="utf-8").read()))
    ops, resources = {o for o, _ in pairs}, {r for _, r in pairs}
    assert {"add_customer", "sign_out", "add_indirect_reseller", "create_webhook_registration"} <= ops
    assert {"customer", "indirect_reseller", "webhook_registration"} <= resources
    for lang in LANGS:
        c = _catalog(lang)
        assert not [o for o in ops if "op." + o not in c], lang
        assert not [r for r in resources if "resource." + r not in c], lang
    js = open(os.path.join(ROOT, "web", "activity.js"), encoding="utf-8").read()
    listed = lambda name: set(re.findall(r"'([a-z_]+)'", re.search(r"const %s = \[(.*?)\];" % name, js, re.S).group(1)))
    assert ops <= listed("OPS"), sorted(ops - listed("OPS"))
    assert resources <= listed("RESOURCES"), sorted(resources - listed("RESOURCES"))
