"""The permission table: docs/permissions.md is the server's own table, and every route of that
table, called by a user of every role, is allowed (anything but 403) or denied (exactly 403,
naming the roles that may) exactly as the table says."""
import os
import uuid

import pytest

from helpers import (BIN, ROLES, ROOT, Client, add_app, add_user, assert_error, cn_body, run_cli,
                     staff_client, strong_password, token_request, uniq, us_body)

DOC = os.path.join(ROOT, "docs", "permissions.md")


def _markdown():
    if not os.path.exists(BIN):  # pytest_sessionstart reports the missing binary
        return ""
    r = run_cli(["permissions", "--markdown"])
    assert r.returncode == 0, r.stderr
    return r.stdout


MARKDOWN = _markdown()


def parse_table(text):
    """[(method, route, permission, {role: "yes"|"no"|"any"})] of the markdown table."""
    rows, header = [], None
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if set("".join(cells)) <= set("-: "):
            continue
        cell = dict(zip(header, cells))
        rows.append((cell["method"], cell["route"].strip("`"), cell["permission"],
                     {role: cell[role] for role in header[3:]}))
    return header, rows


HEADER, ROWS = parse_table(MARKDOWN)


def test_docs_are_the_generated_table_byte_for_byte():
    with open(DOC, "rb") as f:
        doc = f.read()
    r = run_cli(["permissions", "--markdown"])
    assert r.returncode == 0, r.stderr
    assert doc == r.stdout.encode("utf-8"), \
        "docs/permissions.md is stale: regenerate it with `partnerd permissions --markdown`"


def test_table_has_every_role_and_route():
    assert HEADER[:3] == ["method", "route", "permission"]
    assert tuple(HEADER[3:]) == ROLES
    routes = {(m, p) for m, p, _, _ in ROWS}
    assert len(routes) == len(ROWS), "a route is listed twice"
    for needed in [("POST", "/v1/customers"), ("PUT", "/v1/customers/{id}/profiles/billing"),
                   ("GET", "/v1/users"), ("POST", "/v1/apps"), ("GET", "/v1/auditrecords"),
                   ("POST", "/oauth2/token"), ("POST", "/v1/me/password")]:
        assert needed in routes, needed
    for _, _, perm, cells in ROWS:
        assert set(cells.values()) <= ({"any"} if perm == "public" else {"yes", "no"}), cells
        if perm != "public":
            assert cells["global_admin"] == "yes"


def test_issue_rules_hold_in_the_table():
    """The rules the issue states outright."""
    t = {(m, p): cells for m, p, _, cells in ROWS}
    assert t[("GET", "/v1/customers")]["helpdesk_agent"] == "yes"
    assert t[("POST", "/v1/customers")]["helpdesk_agent"] == "no"
    assert t[("PUT", "/v1/customers/{id}/profiles/billing")]["helpdesk_agent"] == "no"
    assert t[("POST", "/v1/customers")]["sales_agent"] == "yes"
    assert t[("GET", "/v1/customers/{id}/profiles/billing")]["billing_admin"] == "yes"
    assert t[("PUT", "/v1/customers/{id}/profiles/billing")]["billing_admin"] == "yes"
    for role in ("admin_agent", "sales_agent", "helpdesk_agent", "billing_admin"):
        assert t[("POST", "/v1/users")][role] == "no", role


# ---- the world the calls run in ---------------------------------------------------------------

class World:
    """One partner (own global admin), one user per role (temporary password changed), and
    real resources: customers, users, apps, an audit record.  Destructive calls get a resource of
    their own per role."""

    def __init__(self, server):
        self.server = server
        self.admin = server.partner("Permissions Co")
        self.other = server.partner("Permissions Other")
        self.secrets = [self.admin.token, self.admin.info["password"], self.other.token]
        self.users = {role: staff_client(self.admin, [role], self.secrets) for role in ROLES}
        self.customer = self.admin.create_ok(cn_body(uniq("perm"), company="权限测试有限公司"))
        self.target_user = add_user(self.admin, ["helpdesk_agent"], display_name="Target")
        self.app = add_app(self.admin, ["sales_agent"])
        self.secrets += [self.customer["userCredentials"]["password"], self.target_user["passwordProfile"]["password"],
                         self.app["clientSecret"]]
        # commerce: a subscription and a customer user of the customer
        r = self.admin.req("POST", "/v1/customers/%s/orders" % self.customer["id"],
                           {"lineItems": [{"offerId": OFFER, "quantity": 5}]})
        assert r.status == 201, r
        self.sub_id = r.json["lineItems"][0]["subscriptionId"]
        self.order_id = r.json["id"]
        r = self.admin.req("POST", "/v1/customers/%s/users" % self.customer["id"],
                           {"userPrincipalName": "perm-target", "displayName": "Target"})
        assert r.status == 201, r
        self.cuser_id = r.json["id"]
        # another partner's invitation, and a company administrator who may accept it
        r = self.other.get("/v1/customers/relationshiprequests")
        assert r.status in (200, 201), r
        self.invite_path = "/invite/" + r.json["url"].rsplit("/invite/", 1)[1]
        self.tenant = self.admin.create_ok(cn_body(uniq("permten")))
        self.secrets.append(self.tenant["userCredentials"]["password"])
        self.per_role = {}
        for role in ROLES:
            cu = self.admin.req("POST", "/v1/customers/%s/users" % self.customer["id"],
                                {"userPrincipalName": "perm-" + uuid.uuid4().hex[:10]})
            assert cu.status == 201, cu
            self.per_role[role] = {
                "customer": self.admin.create_ok(us_body(uniq("permdel"))),
                "unlink": self.admin.create_ok(us_body(uniq("permrel"))),
                "user": add_user(self.admin, ["sales_agent"]),
                "reset_user": add_user(self.admin, ["sales_agent"]),
                "app": add_app(self.admin, ["helpdesk_agent"]),
                "cuser": cu.json,
                "reseller": self.reseller(),
            }
            self.secrets += [self.per_role[role]["app"]["clientSecret"],
                             self.per_role[role]["user"]["passwordProfile"]["password"],
                             self.per_role[role]["reset_user"]["passwordProfile"]["password"]]
        r = self.admin.get("/v1/auditrecords?size=1")
        assert r.status == 200 and r.json["items"], r
        self.record_id = r.json["items"][0]["id"]

    def reseller(self):
        r = self.admin.req("POST", "/v1/relationships", {"name": "权限经销商", "mpnId": mpn_id()})
        assert r.status == 201, r
        return r.json

    def sub_body(self, role):
        r = self.admin.get("/v1/customers/%s/subscriptions/%s" % (self.customer["id"], self.sub_id))
        assert r.status == 200, r
        return {"quantity": 3 + ROLES.index(role), "attributes": {"etag": r.json["attributes"]["etag"]}}

    def billing_body(self, role):
        r = self.admin.get("/v1/customers/%s/profiles/billing" % self.customer["id"])
        assert r.status == 200, r
        b = r.json
        b["companyName"] = "权限测试 %s 有限公司" % role
        return b


@pytest.fixture(scope="module")
def world(server):
    return World(server)


def _addr():
    return {"firstName": "伟", "lastName": "王", "addressLine1": "海淀区中关村大街1号", "city": "北京",
            "state": "北京市", "postalCode": "100080", "country": "CN"}


OFFER = "CN-O365-E1"


def mpn_id():
    return str(5000000 + uuid.uuid4().int % 10**6)


# method, route -> (role, world) -> (method, path, json body or None, expected status when allowed)
CALLS = {
    ("GET", "/"): lambda role, w: ("GET", "/", None, 200),
    ("GET", "/healthz"): lambda role, w: ("GET", "/healthz", None, 200),
    ("GET", "/assets/{file}"): lambda role, w: ("GET", "/assets/app.js", None, 200),
    ("POST", "/portal/session"): None,  # form-encoded sign-in; see _call
    ("GET", "/portal/session"): lambda role, w: ("GET", "/portal/session", None, 200),
    ("DELETE", "/portal/session"): None,  # ends a cookie session; see _call
    ("POST", "/oauth2/token"): None,  # form-encoded; see _call
    ("POST", "/v1/customers"): lambda role, w: ("POST", "/v1/customers", cn_body(uniq("permc")), 201),
    ("GET", "/v1/customers"): lambda role, w: ("GET", "/v1/customers?size=5", None, 200),
    ("GET", "/v1/customers/{id}"): lambda role, w: ("GET", "/v1/customers/" + w.customer["id"], None, 200),
    ("DELETE", "/v1/customers/{id}"):
        lambda role, w: ("DELETE", "/v1/customers/" + w.per_role[role]["customer"]["id"], None, 204),
    ("GET", "/v1/customers/{id}/profiles/company"):
        lambda role, w: ("GET", "/v1/customers/%s/profiles/company" % w.customer["id"], None, 200),
    ("GET", "/v1/customers/{id}/profiles/billing"):
        lambda role, w: ("GET", "/v1/customers/%s/profiles/billing" % w.customer["id"], None, 200),
    ("PUT", "/v1/customers/{id}/profiles/billing"):
        lambda role, w: ("PUT", "/v1/customers/%s/profiles/billing" % w.customer["id"],
                         w.billing_body(role), 200),
    ("GET", "/v1/customers/relationshiprequests"):
        lambda role, w: ("GET", "/v1/customers/relationshiprequests", None, 200),
    ("POST", "/v1/customers/relationshiprequests"):
        lambda role, w: ("POST", "/v1/customers/relationshiprequests", None, 201),
    ("DELETE", "/v1/customers/relationshiprequests"):
        lambda role, w: ("DELETE", "/v1/customers/relationshiprequests", None, 204),
    ("PATCH", "/v1/customers/{id}"):
        lambda role, w: ("PATCH", "/v1/customers/" + w.per_role[role]["unlink"]["id"],
                         {"relationshipToPartner": "none"}, 200),
    ("POST", "/v1/customers/{id}/orders"):
        lambda role, w: ("POST", "/v1/customers/%s/orders" % w.customer["id"],
                         {"lineItems": [{"offerId": OFFER, "quantity": 1}]}, 201),
    ("GET", "/v1/customers/{id}/subscriptions"):
        lambda role, w: ("GET", "/v1/customers/%s/subscriptions" % w.customer["id"], None, 200),
    ("GET", "/v1/customers/{id}/subscriptions/{subId}"):
        lambda role, w: ("GET", "/v1/customers/%s/subscriptions/%s" % (w.customer["id"], w.sub_id), None, 200),
    ("GET", "/v1/customers/{id}/subscriptions/{subId}/provisioningstatus"):
        lambda role, w: ("GET", "/v1/customers/%s/subscriptions/%s/provisioningstatus" % (w.customer["id"], w.sub_id),
                         None, 200),
    ("GET", "/v1/customers/{id}/orders"):
        lambda role, w: ("GET", "/v1/customers/%s/orders" % w.customer["id"], None, 200),
    ("GET", "/v1/customers/{id}/orders/{orderId}"):
        lambda role, w: ("GET", "/v1/customers/%s/orders/%s" % (w.customer["id"], w.order_id), None, 200),
    ("PATCH", "/v1/customers/{id}/subscriptions/{subId}"):
        lambda role, w: ("PATCH", "/v1/customers/%s/subscriptions/%s" % (w.customer["id"], w.sub_id),
                         w.sub_body(role), 200),
    ("GET", "/v1/customers/{id}/users"):
        lambda role, w: ("GET", "/v1/customers/%s/users" % w.customer["id"], None, 200),
    ("POST", "/v1/customers/{id}/users"):
        lambda role, w: ("POST", "/v1/customers/%s/users" % w.customer["id"],
                         {"userPrincipalName": "perm-" + uuid.uuid4().hex[:10], "displayName": "By " + role}, 201),
    ("GET", "/v1/customers/{id}/users/{userId}"):
        lambda role, w: ("GET", "/v1/customers/%s/users/%s" % (w.customer["id"], w.cuser_id), None, 200),
    ("PATCH", "/v1/customers/{id}/users/{userId}"):
        lambda role, w: ("PATCH", "/v1/customers/%s/users/%s" % (w.customer["id"], w.cuser_id),
                         {"displayName": "Set by " + role}, 200),
    ("DELETE", "/v1/customers/{id}/users/{userId}"):
        lambda role, w: ("DELETE", "/v1/customers/%s/users/%s" % (w.customer["id"], w.per_role[role]["cuser"]["id"]),
                         None, 204),
    ("POST", "/v1/customers/{id}/users/{userId}/resetpassword"):
        lambda role, w: ("POST", "/v1/customers/%s/users/%s/resetpassword" % (w.customer["id"], w.cuser_id),
                         None, 200),
    ("GET", "/v1/offers"): lambda role, w: ("GET", "/v1/offers?country=CN", None, 200),
    ("GET", "/v1/offers/{id}"): lambda role, w: ("GET", "/v1/offers/%s?country=CN" % OFFER, None, 200),
    ("GET", "/invite/{code}"): lambda role, w: ("GET", w.invite_path, None, 200),
    ("POST", "/invite/{code}"): None,  # form-encoded; see _call
    ("GET", "/v1/domains/{domain}"):
        lambda role, w: ("GET", "/v1/domains/" + w.customer["companyProfile"]["domain"], None, 200),
    ("POST", "/v1/validations/address"): lambda role, w: ("POST", "/v1/validations/address", _addr(), 200),
    ("GET", "/v1/countryvalidationrules/{iso2}"):
        lambda role, w: ("GET", "/v1/countryvalidationrules/CN", None, 200),
    ("GET", "/v1/validations/checkdomainavailability/{prefix}"):
        lambda role, w: ("GET", "/v1/validations/checkdomainavailability/" + uniq("permd"), None, 200),
    ("GET", "/v1/users"): lambda role, w: ("GET", "/v1/users?size=5", None, 200),
    ("POST", "/v1/users"):
        lambda role, w: ("POST", "/v1/users", {"userPrincipalName": "perm-%s@staff.example.cn" % uuid.uuid4().hex[:12],
                                               "roles": ["helpdesk_agent"]}, 201),
    ("GET", "/v1/users/{id}"): lambda role, w: ("GET", "/v1/users/" + w.target_user["id"], None, 200),
    ("PATCH", "/v1/users/{id}"):
        lambda role, w: ("PATCH", "/v1/users/" + w.target_user["id"], {"displayName": "Set by " + role}, 200),
    ("DELETE", "/v1/users/{id}"):
        lambda role, w: ("DELETE", "/v1/users/" + w.per_role[role]["user"]["id"], None, 204),
    ("POST", "/v1/users/{id}/resetpassword"):
        lambda role, w: ("POST", "/v1/users/%s/resetpassword" % w.per_role[role]["reset_user"]["id"], None, 200),
    ("GET", "/v1/me"): lambda role, w: ("GET", "/v1/me", None, 200),
    ("POST", "/v1/me/password"): None,  # changes the caller's own password; see _call
    ("GET", "/v1/apps"): lambda role, w: ("GET", "/v1/apps", None, 200),
    ("POST", "/v1/apps"):
        lambda role, w: ("POST", "/v1/apps", {"displayName": "perm app " + role, "roles": ["helpdesk_agent"]}, 201),
    ("GET", "/v1/apps/{id}"): lambda role, w: ("GET", "/v1/apps/" + w.app["id"], None, 200),
    ("POST", "/v1/apps/{id}/secret"):
        lambda role, w: ("POST", "/v1/apps/%s/secret" % w.per_role[role]["app"]["id"], None, 200),
    ("DELETE", "/v1/apps/{id}"):
        lambda role, w: ("DELETE", "/v1/apps/" + w.per_role[role]["app"]["id"], None, 204),
    ("GET", "/v1/relationships"):
        lambda role, w: ("GET", "/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf", None, 200),
    ("POST", "/v1/relationships"):
        lambda role, w: ("POST", "/v1/relationships", {"name": "By " + role, "mpnId": mpn_id()}, 201),
    ("GET", "/v1/relationships/{id}"):
        lambda role, w: ("GET", "/v1/relationships/" + w.per_role[role]["reseller"]["id"], None, 200),
    ("PATCH", "/v1/relationships/{id}"):
        lambda role, w: ("PATCH", "/v1/relationships/" + w.per_role[role]["reseller"]["id"],
                         {"state": "Terminated"}, 200),
    ("GET", "/v1/customers/{id}/relationships"):
        lambda role, w: ("GET", "/v1/customers/%s/relationships" % w.customer["id"], None, 200),
    ("GET", "/v1/auditrecords"): lambda role, w: ("GET", "/v1/auditrecords?size=3", None, 200),
    ("GET", "/v1/events"): lambda role, w: ("GET", "/v1/events?after=latest", None, 200),
    ("GET", "/v1/auditrecords/{id}"): lambda role, w: ("GET", "/v1/auditrecords/" + w.record_id, None, 200),
    # webhooks (issue 22): the partner's one registration, made afresh where a call needs it
    ("GET", "/webhooks/v1/certificate"): lambda role, w: ("GET", "/webhooks/v1/certificate", None, 200),
    ("GET", "/webhooks/v1/registration/events"):
        lambda role, w: ("GET", "/webhooks/v1/registration/events", None, 200),
    ("POST", "/webhooks/v1/registration"):
        lambda role, w: (_webhook(w, False), "POST", "/webhooks/v1/registration", WEBHOOK, 200)[1:],
    ("GET", "/webhooks/v1/registration"): lambda role, w: (_webhook(w), "GET", "/webhooks/v1/registration", None,
                                                           200)[1:],
    ("PUT", "/webhooks/v1/registration"): lambda role, w: (_webhook(w), "PUT", "/webhooks/v1/registration",
                                                           WEBHOOK, 200)[1:],
    ("DELETE", "/webhooks/v1/registration"): lambda role, w: (_webhook(w), "DELETE", "/webhooks/v1/registration",
                                                              None, 204)[1:],
    ("POST", "/webhooks/v1/registration/validationEvents"):
        lambda role, w: (_webhook(w, True), "POST", "/webhooks/v1/registration/validationEvents", None, 200)[1:],
    ("GET", "/webhooks/v1/registration/validationEvents/{correlationId}"):
        lambda role, w: ("GET", "/webhooks/v1/registration/validationEvents/" + _test_event(w), None, 200),
    ("GET", "/webhooks/v1/registration/deliveries"):
        lambda role, w: ("GET", "/webhooks/v1/registration/deliveries", None, 200),
    ("POST", "/webhooks/v1/registration/deliveries/{cursor}/redeliver"):  # none parked: 404 when allowed
        lambda role, w: ("POST", "/webhooks/v1/registration/deliveries/999999999/redeliver", None, 404),
}

WEBHOOK = {"WebhookUrl": "https://93.184.216.34/hooks", "WebhookEvents": ["test-created"]}


def _webhook(w, present=True):
    """The admin's registration made afresh (present) or removed; a new one starts a new
    minute of test events (deleting a registration deletes its test events)."""
    w.admin.req("DELETE", "/webhooks/v1/registration")
    if present:
        r = w.admin.req("POST", "/webhooks/v1/registration", WEBHOOK)
        assert r.status == 200, r


def _test_event(w):
    _webhook(w)
    r = w.admin.req("POST", "/webhooks/v1/registration/validationEvents")
    assert r.status == 200, r
    return r.json["correlationId"]


def test_every_route_of_the_table_has_a_call():
    missing = [(m, p) for m, p, _, _ in ROWS if (m, p) not in CALLS]
    assert not missing, "routes without a plausible call in test_permissions.py: %r" % missing


def _call(world, role, method, route):
    """(response, expected status when allowed) of the call of `route` as the user of `role`."""
    user = world.users[role]
    if (method, route) == ("POST", "/oauth2/token"):
        # the caller's own sign-in; a public route needs no token
        r = token_request(world.server.port, {"grant_type": "password", "username": user.info["email"],
                                              "password": user.info["password"]})
        return r, 200
    if (method, route) == ("POST", "/invite/{code}"):
        # a company administrator of a tenant accepts another partner's invitation
        return _accept(world), 200
    if (method, route) == ("POST", "/portal/session"):
        return _portal_sign_in(world, user)[0], 200
    if (method, route) == ("DELETE", "/portal/session"):
        # a portal session of its own, ended with its cookie and CSRF token
        r, cookie = _portal_sign_in(world, user)
        assert r.status == 200, r
        from helpers import http_request
        return http_request(world.server.port, "DELETE", "/portal/session", None,
                            {"Cookie": cookie, "X-CSRF-Token": r.json["csrfToken"]}), 204
    if (method, route) == ("POST", "/v1/me/password"):
        new = strong_password()
        r = user.req("POST", "/v1/me/password", {"currentPassword": user.info["password"], "newPassword": new})
        if r.status == 200:
            user.info["password"] = new
            world.secrets.append(new)
        return r, 200
    m, path, body, want = CALLS[(method, route)](role, world)
    assert m == method
    return user.req(method, path, body), want


def _collect(world, r):
    """Secrets a response shows once (new passwords, client secrets, tokens)."""
    j = r.json if isinstance(r.json, dict) else {}
    for v in (j.get("clientSecret"), j.get("access_token"), (j.get("passwordProfile") or {}).get("password"),
              (j.get("userCredentials") or {}).get("password")):
        if isinstance(v, str) and v:
            world.secrets.append(v)


def _portal_sign_in(world, user):
    """(response, Cookie header value) of a portal sign-in of `user`."""
    import urllib.parse
    from helpers import http_request
    r = http_request(world.server.port, "POST", "/portal/session",
                     urllib.parse.urlencode({"username": user.info["email"], "password": user.info["password"]}),
                     {"Content-Type": "application/x-www-form-urlencoded"})
    cookie = (r.h("Set-Cookie") or "").split(";")[0]
    return r, cookie


def _accept(world):
    import urllib.parse
    from helpers import http_request
    form = urllib.parse.urlencode({"userName": world.tenant["userCredentials"]["userName"],
                                   "password": world.tenant["userCredentials"]["password"]})
    return http_request(world.server.port, "POST", world.invite_path, form,
                        {"Content-Type": "application/x-www-form-urlencoded"})


PARAMS = [pytest.param(m, p, perm, cells, role, id="%s %s as %s" % (m, p, role))
          for m, p, perm, cells in ROWS for role in ROLES]


@pytest.mark.parametrize("method,route,perm,cells,role", PARAMS)
def test_route_as_role(world, method, route, perm, cells, role):
    if (method, route) not in CALLS:
        pytest.fail("no call for %s %s" % (method, route))
    r, want = _call(world, role, method, route)
    _collect(world, r)
    if cells[role] in ("yes", "any"):
        assert r.status != 403, (role, r)
        assert r.status == want, (role, r)
    else:
        assert_error(r, 403)
        allowed = [x for x in ROLES if cells[x] == "yes"]
        assert allowed
        for x in allowed:
            assert x in r.json["description"], (x, r.json)
        assert role not in [x for x in allowed]


@pytest.mark.parametrize("method,route,perm,cells", [
    pytest.param(m, p, perm, cells, id="%s %s" % (m, p)) for m, p, perm, cells in ROWS if perm == "public"])
def test_public_routes_need_no_token(world, method, route, perm, cells):
    if (method, route) == ("POST", "/invite/{code}"):
        r = _accept(world)
    elif (method, route) == ("POST", "/portal/session"):
        r = _portal_sign_in(world, world.users["helpdesk_agent"])[0]
    elif (method, route) == ("POST", "/oauth2/token"):
        u = world.users["helpdesk_agent"]
        r = token_request(world.server.port, {"grant_type": "password", "username": u.info["email"],
                                              "password": u.info["password"]})
    else:
        m, path, body, _ = CALLS[(method, route)]("helpdesk_agent", world)
        r = Client(world.server.port).req(m, path, body)
    assert r.status == 200, r


@pytest.mark.parametrize("method,route,perm,cells", [
    pytest.param(m, p, perm, cells, id="%s %s" % (m, p)) for m, p, perm, cells in ROWS if perm != "public"])
def test_other_routes_need_a_token(world, method, route, perm, cells):
    path = route.replace("{id}", str(uuid.uuid4())).replace("{domain}", "x.partner.onmschina.cn") \
        .replace("{iso2}", "CN").replace("{subId}", str(uuid.uuid4())).replace("{userId}", str(uuid.uuid4()))
    body = {} if method in ("POST", "PUT", "PATCH") else None
    r = Client(world.server.port).req(method, path, body)
    assert_error(r, 401)
    assert (r.h("WWW-Authenticate") or "").startswith("Bearer")


def test_denied_description_follows_locale(world):
    r = world.users["helpdesk_agent"].req("POST", "/v1/customers", cn_body(uniq("permloc")),
                                          headers={"X-Locale": "zh-CN"})
    assert_error(r, 403)
    assert "sales_agent" in r.json["description"] and "global_admin" in r.json["description"]


def test_role_change_applies_to_existing_token(world):
    """Roles are read when a token is used, not when it is issued: a demoted user's token loses
    the permission at once, a promoted one gains it."""
    admin = world.admin
    u = staff_client(admin, ["sales_agent"])
    assert u.create(cn_body(uniq("permrole"))).status == 201
    r = admin.req("PATCH", "/v1/users/" + u.info["id"], {"roles": ["helpdesk_agent"]})
    assert r.status == 200, r
    assert_error(u.create(cn_body(uniq("permrole"))), 403)
    assert u.get("/v1/customers?size=1").status == 200
    r = admin.req("PATCH", "/v1/users/" + u.info["id"], {"roles": ["helpdesk_agent", "billing_admin"]})
    assert r.status == 200, r
    assert sorted(r.json["roles"]) == ["billing_admin", "helpdesk_agent"]
    b = admin.get("/v1/customers/%s/profiles/billing" % world.customer["id"]).json
    b["companyName"] = "两个角色有限公司"
    assert u.req("PUT", "/v1/customers/%s/profiles/billing" % world.customer["id"], b).status == 200


def test_app_roles_decide_like_user_roles(world):
    """An app acts with its roles: the table decides for apps as for users."""
    from helpers import app_client
    for role in ("billing_admin", "user_management_admin"):
        a = add_app(world.admin, [role])
        c = app_client(world.server.port, a["clientId"], a["clientSecret"])
        r = c.get("/v1/users?size=1")
        if role == "user_management_admin":
            assert r.status == 200, r
        else:
            assert_error(r, 403)
        r = c.get("/v1/customers/%s/profiles/billing" % world.customer["id"])
        if role == "billing_admin":
            assert r.status == 200, r
        else:
            assert_error(r, 403)


def test_user_management_admin_cannot_grant_global_admin(world):
    """A user-management admin manages staff, but must not be able to make anyone (itself
    included) a global admin: that would hand it every permission of the table."""
    uma = staff_client(world.admin, ["user_management_admin"])
    r = uma.req("POST", "/v1/users", {"userPrincipalName": "escalate-%s@staff.example.cn" % uuid.uuid4().hex[:10],
                                      "roles": ["global_admin"]})
    assert_error(r, 403)
    r = uma.req("PATCH", "/v1/users/" + uma.info["id"], {"roles": ["user_management_admin", "global_admin"]})
    assert_error(r, 403)
    me = uma.get("/v1/me").json
    assert me["roles"] == ["user_management_admin"], me
    assert_error(uma.get("/v1/apps"), 403)


def test_user_management_admin_cannot_take_over_a_global_admin(world):
    """Resetting a global admin's password hands the new temporary password (and so the global
    admin's account) to the caller: a user-management admin must not be able to."""
    uma = staff_client(world.admin, ["user_management_admin"])
    ga = staff_client(world.admin, ["global_admin"])
    r = uma.req("POST", "/v1/users/%s/resetpassword" % ga.info["id"])
    assert_error(r, 403)
    assert ga.get("/v1/me").status == 200


def test_no_secret_of_this_module_in_log_or_audit(world):
    import json
    from helpers import audit_all
    assert len(world.secrets) > 40
    texts = [json.dumps(audit_all(world.admin), ensure_ascii=False),
             json.dumps(audit_all(world.other), ensure_ascii=False), world.server.stderr()]
    for s in world.secrets:
        assert len(s) >= 12, s
        for t in texts:
            assert s not in t, "a secret reached the log or the activity log"
