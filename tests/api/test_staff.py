"""Partner users (/v1/users), temporary passwords and /v1/me."""
import uuid

import pytest

from helpers import (ROLES, UUID_RE, Client, add_user, assert_error, change_password, cn_body,
                     fresh_source, new_email, sign_in, staff_client, strong_password, token_request, uniq)

SECRETS = []  # every password and token this module sees; none may reach the log or the audit


@pytest.fixture(scope="module")
def admin(server):
    c = server.partner("Staff Co")
    SECRETS.extend([c.token, c.info["password"]])
    return c


@pytest.fixture(scope="module")
def other_admin(server):
    c = server.partner("Staff Other Co")
    SECRETS.extend([c.token, c.info["password"]])
    return c


def _temp(u):
    SECRETS.append(u["passwordProfile"]["password"])
    return u["passwordProfile"]["password"]


def _token_fields(email, pw):
    return {"grant_type": "password", "username": email, "password": pw}


def _bad_sign_in(port, email, pw):
    """A sign-in that must fail, sent from an address of its own (so the session server's
    per-address protection is not tripped by the suite)."""
    r = token_request(port, _token_fields(email, pw), source=fresh_source())
    assert r.status == 400, r
    assert r.json["error"] == "invalid_grant", r.json
    assert "access_token" not in r.json
    return r


def _check_user_shape(u, email, roles, state="active"):
    assert UUID_RE.match(u["id"]), u
    assert u["userPrincipalName"] == email
    assert u["email"] == email
    assert u["roles"] == roles
    assert u["state"] == state
    assert isinstance(u["mustChangePassword"], bool)
    assert isinstance(u["displayName"], str) and u["displayName"]
    assert u["attributes"]["objectType"] == "PartnerUser"
    assert u["links"]["self"]["uri"].endswith(u["id"])
    assert u["links"]["self"]["method"] == "GET"


# ---- create -----------------------------------------------------------------------------------

def test_create_user_shape(server, admin):
    email = new_email("create")
    r = admin.req("POST", "/v1/users", {"userPrincipalName": email, "displayName": "Sally Sales",
                                        "roles": ["sales_agent"]})
    assert r.status == 201, r
    u = r.json
    _check_user_shape(u, email, ["sales_agent"])
    assert u["displayName"] == "Sally Sales"
    assert u["mustChangePassword"] is True
    pp = u["passwordProfile"]
    assert pp["forceChangePassword"] is True
    assert isinstance(pp["password"], str) and len(pp["password"]) >= 12
    _temp(u)
    assert r.h("Location") == "/v1/users/" + u["id"]
    # the temporary password is shown once: a GET does not repeat it
    g = admin.get("/v1/users/" + u["id"])
    assert g.status == 200, g
    assert "passwordProfile" not in g.json
    assert pp["password"] not in g.text
    for k in ("id", "displayName", "userPrincipalName", "email", "roles", "state", "mustChangePassword"):
        assert g.json[k] == u[k], k


def test_create_with_email_and_several_roles(admin):
    email = new_email("alias")
    r = admin.req("POST", "/v1/users", {"email": email, "roles": ["helpdesk_agent", "billing_admin"]})
    assert r.status == 201, r
    _temp(r.json)
    _check_user_shape(r.json, email, ["helpdesk_agent", "billing_admin"])
    assert r.json["displayName"]  # defaults to something (the e-mail)


def test_create_property_names_in_any_case(admin):
    email = new_email("pascal")
    r = admin.req("POST", "/v1/users", {"UserPrincipalName": email, "DisplayName": "Pascal",
                                        "Roles": ["admin_agent"]})
    assert r.status == 201, r
    _temp(r.json)
    _check_user_shape(r.json, email, ["admin_agent"])
    assert r.json["displayName"] == "Pascal"


@pytest.mark.parametrize("role", ROLES)
def test_create_each_role(admin, role):
    u = add_user(admin, [role])
    _temp(u)
    assert u["roles"] == [role]


@pytest.mark.parametrize("body,field", [
    ({"userPrincipalName": "not-an-email", "roles": ["sales_agent"]}, "userPrincipalName"),
    ({"userPrincipalName": "a@", "roles": ["sales_agent"]}, "userPrincipalName"),
    ({"userPrincipalName": "", "roles": ["sales_agent"]}, "userPrincipalName"),
    ({"userPrincipalName": 42, "roles": ["sales_agent"]}, "userPrincipalName"),
    ({"roles": ["sales_agent"]}, "userPrincipalName"),
    ({"userPrincipalName": "x" * 250 + "@example.cn", "roles": ["sales_agent"]}, "userPrincipalName"),
    ({"userPrincipalName": "NEW", "roles": ["superuser"]}, "roles"),
    ({"userPrincipalName": "NEW", "roles": []}, "roles"),
    ({"userPrincipalName": "NEW"}, "roles"),
    ({"userPrincipalName": "NEW", "roles": "sales_agent"}, "roles"),
    ({"userPrincipalName": "NEW", "roles": ["sales_agent", 7]}, "roles"),
    ({"userPrincipalName": "NEW", "roles": ["Sales_Agent"]}, "roles"),
    ({"userPrincipalName": "NEW", "roles": ["sales_agent"], "displayName": ""}, "displayName"),
    ({"userPrincipalName": "NEW", "roles": ["sales_agent"], "displayName": "x" * 101}, "displayName"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_create_bad_body_is_400_naming_the_field(admin, body, field):
    body = dict(body)
    if body.get("userPrincipalName") == "NEW":
        body["userPrincipalName"] = new_email("bad")
    before = len(_all_users(admin))
    r = admin.req("POST", "/v1/users", body)
    assert_error(r, 400, code=3000, field=field)
    assert len(_all_users(admin)) == before


def test_create_not_json_is_400(admin):
    r = admin.req("POST", "/v1/users", raw=b"{not json", content_type="application/json")
    assert_error(r, 400)


def test_duplicate_email_is_409(server, admin, other_admin):
    email = new_email("dup")
    _temp(add_user(admin, ["sales_agent"], email=email))
    for who, e in ((admin, email), (admin, email.upper()), (other_admin, email),
                   (other_admin, email.replace("dup-", "DUP-"))):
        r = who.req("POST", "/v1/users", {"userPrincipalName": e, "roles": ["helpdesk_agent"]})
        assert_error(r, 409)
    # a partner's admin made by `partner add` counts too
    r = admin.req("POST", "/v1/users", {"userPrincipalName": other_admin.info["userName"].upper(),
                                        "roles": ["helpdesk_agent"]})
    assert_error(r, 409)


# ---- list and get -----------------------------------------------------------------------------

def _all_users(client, size=500):
    items, hdrs, path = [], {}, "/v1/users?size=%d" % size
    for _ in range(1000):
        r = client.get(path, headers=hdrs)
        assert r.status == 200, r
        assert r.json["attributes"]["objectType"] == "Collection"
        assert r.json["totalCount"] == len(r.json["items"])
        items += r.json["items"]
        tok = r.json.get("continuationToken")
        if not tok:
            return items
        nxt = r.json["links"]["next"]
        assert {"key": "MS-ContinuationToken", "value": tok} in nxt["headers"], nxt
        hdrs = {"MS-ContinuationToken": tok}
        path = "/v1/users?size=%d&seekOperation=Next" % size
    raise AssertionError("paging does not end")


def test_list_users(admin):
    u = add_user(admin, ["billing_admin"], display_name="Listed")
    _temp(u)
    r = admin.get("/v1/users")
    assert r.status == 200, r
    j = r.json
    assert j["attributes"]["objectType"] == "Collection"
    ids = [x["id"] for x in j["items"]]
    assert u["id"] in ids
    assert admin.info["userId"] in ids
    for x in j["items"]:
        assert "passwordProfile" not in x and "password" not in x
        assert x["attributes"]["objectType"] == "PartnerUser"
    assert u["passwordProfile"]["password"] not in r.text


def test_list_users_pages_with_continuation_tokens(fresh_partner):
    p = fresh_partner("Staff Paging")
    SECRETS.append(p.token)
    made = {p.info["userId"]}
    for i in range(4):
        made.add(_temp_id(add_user(p, ["helpdesk_agent"])))
    pages = []
    hdrs, path = {}, "/v1/users?size=2"
    while True:
        r = p.get(path, headers=hdrs)
        assert r.status == 200, r
        pages.append([x["id"] for x in r.json["items"]])
        assert len(pages[-1]) <= 2
        tok = r.json.get("continuationToken")
        if not tok:
            break
        hdrs, path = {"MS-ContinuationToken": tok}, "/v1/users?size=2&seekOperation=Next"
    seen = [i for page in pages for i in page]
    assert len(seen) == len(set(seen)) == 5
    assert set(seen) == made
    assert [len(x) for x in pages] == [2, 2, 1]
    assert_error(p.get("/v1/users?size=2", headers={"MS-ContinuationToken": "garbage!!"}), 400)


def _temp_id(u):
    _temp(u)
    return u["id"]


@pytest.mark.parametrize("size", ["0x", "-1", "501", "abc"])
def test_list_users_bad_size_is_400(admin, size):
    assert_error(admin.get("/v1/users?size=" + size), 400)


def test_get_user_errors(admin, other_admin):
    assert_error(admin.get("/v1/users/not-a-uuid"), 400)
    assert_error(admin.get("/v1/users/%s" % uuid.uuid4()), 404, code=1000)
    theirs = add_user(other_admin, ["sales_agent"])
    _temp(theirs)
    assert_error(admin.get("/v1/users/" + theirs["id"]), 404, code=1000)
    assert theirs["id"] not in [x["id"] for x in _all_users(admin)]
    # and nothing can be done to another partner's user
    assert_error(admin.req("PATCH", "/v1/users/" + theirs["id"], {"displayName": "Mine now"}), 404)
    assert_error(admin.req("DELETE", "/v1/users/" + theirs["id"]), 404)
    assert_error(admin.req("POST", "/v1/users/%s/resetpassword" % theirs["id"]), 404)
    g = other_admin.get("/v1/users/" + theirs["id"])
    assert g.status == 200 and g.json["displayName"] == theirs["displayName"], g


# ---- change, remove ---------------------------------------------------------------------------

def test_patch_display_name_roles_and_state(admin):
    u = add_user(admin, ["sales_agent"], display_name="Before")
    _temp(u)
    r = admin.req("PATCH", "/v1/users/" + u["id"], {"displayName": "After"})
    assert r.status == 200, r
    assert r.json["displayName"] == "After" and r.json["roles"] == ["sales_agent"] and r.json["state"] == "active"
    r = admin.req("PATCH", "/v1/users/" + u["id"], {"roles": ["billing_admin", "helpdesk_agent"]})
    assert r.status == 200, r
    assert r.json["roles"] == ["billing_admin", "helpdesk_agent"] and r.json["displayName"] == "After"
    r = admin.req("PATCH", "/v1/users/" + u["id"], {"state": "disabled"})
    assert r.status == 200, r
    assert r.json["state"] == "disabled"
    g = admin.get("/v1/users/" + u["id"]).json
    assert (g["displayName"], g["roles"], g["state"]) == ("After", ["billing_admin", "helpdesk_agent"], "disabled")
    r = admin.req("PATCH", "/v1/users/" + u["id"], {"State": "active", "DisplayName": "Again"})
    assert r.status == 200, r
    assert (r.json["state"], r.json["displayName"]) == ("active", "Again")
    assert "passwordProfile" not in r.json


@pytest.mark.parametrize("body,field", [
    ({"state": "paused"}, "state"),
    ({"state": 1}, "state"),
    ({"roles": []}, "roles"),
    ({"roles": ["root"]}, "roles"),
    ({"displayName": ""}, "displayName"),
    ({"displayName": "y" * 101}, "displayName"),
])
def test_patch_bad_body_is_400(admin, body, field):
    u = add_user(admin, ["sales_agent"], display_name="Unchanged")
    _temp(u)
    r = admin.req("PATCH", "/v1/users/" + u["id"], body)
    assert_error(r, 400, field=field)
    g = admin.get("/v1/users/" + u["id"]).json
    assert (g["displayName"], g["roles"], g["state"]) == ("Unchanged", ["sales_agent"], "active")


def test_patch_unknown_and_malformed_ids(admin):
    assert_error(admin.req("PATCH", "/v1/users/%s" % uuid.uuid4(), {"displayName": "x"}), 404)
    assert_error(admin.req("PATCH", "/v1/users/nope", {"displayName": "x"}), 400)
    assert_error(admin.req("DELETE", "/v1/users/nope"), 400)
    assert_error(admin.req("POST", "/v1/users/nope/resetpassword"), 400)


def test_delete_user(server, admin):
    c = staff_client(admin, ["sales_agent"], SECRETS)
    assert c.get("/v1/me").status == 200
    r = admin.req("DELETE", "/v1/users/" + c.info["id"])
    assert r.status == 204, r
    assert r.raw == b""
    assert_error(admin.get("/v1/users/" + c.info["id"]), 404)
    assert c.info["id"] not in [x["id"] for x in _all_users(admin)]
    assert_error(c.get("/v1/me"), 401)          # its tokens end with it
    _bad_sign_in(server.port, c.info["email"], c.info["password"])
    assert_error(admin.req("DELETE", "/v1/users/" + c.info["id"]), 404)
    # the e-mail is free again
    again = add_user(admin, ["helpdesk_agent"], email=c.info["email"])
    _temp(again)
    assert again["id"] != c.info["id"]


# ---- reset password ---------------------------------------------------------------------------

def test_reset_password(server, admin):
    c = staff_client(admin, ["helpdesk_agent"], SECRETS)
    old_pw = c.info["password"]
    assert c.get("/v1/customers?size=1").status == 200
    r = admin.req("POST", "/v1/users/%s/resetpassword" % c.info["id"])
    assert r.status == 200, r
    new_temp = _temp(r.json)
    assert r.json["id"] == c.info["id"]
    assert r.json["mustChangePassword"] is True
    assert r.json["passwordProfile"]["forceChangePassword"] is True
    assert new_temp not in (old_pw,) and len(new_temp) >= 12
    assert_error(c.get("/v1/customers?size=1"), 401)      # old tokens end
    _bad_sign_in(server.port, c.info["email"], old_pw)    # the old password is gone
    t = sign_in(server.port, c.info["email"], new_temp)   # the new temporary one works ...
    SECRETS.append(t["access_token"])
    assert t["password_change_required"] is True          # ... and must be changed again
    c2 = Client(server.port, t["access_token"])
    assert_error(c2.get("/v1/customers?size=1"), 403)
    pw = change_password(c2, new_temp)
    SECRETS.append(pw)
    assert c2.get("/v1/customers?size=1").status == 200
    # a second reset gives a different password
    r2 = admin.req("POST", "/v1/users/%s/resetpassword" % c.info["id"])
    assert r2.status == 200, r2
    assert _temp(r2.json) != new_temp
    assert_error(admin.req("POST", "/v1/users/%s/resetpassword" % uuid.uuid4()), 404)


# ---- temporary password, /v1/me ----------------------------------------------------------------

def test_temporary_password_must_be_changed_first(server, admin):
    u = add_user(admin, ["admin_agent"])
    temp = _temp(u)
    t = sign_in(server.port, u["userPrincipalName"], temp)
    SECRETS.append(t["access_token"])
    assert t["password_change_required"] is True
    assert t["token_type"] == "Bearer"
    c = Client(server.port, t["access_token"])
    # /v1/me answers
    me = c.get("/v1/me")
    assert me.status == 200, me
    assert me.json["mustChangePassword"] is True
    # other routes are 403 naming /v1/me/password (each route: test_temporary_password_blocks)
    r = c.get("/v1/customers")
    assert_error(r, 403)
    assert "/v1/me/password" in r.json["description"], r.json
    # weak new passwords
    for bad in ["Short1!", "Abcdefghij1", "abcdefghijkl", "abcdefghijk1", "ABCDEFGH1234", "A1!" * 86 + "xx",
                "            "]:
        r = c.req("POST", "/v1/me/password", {"currentPassword": temp, "newPassword": bad})
        assert_error(r, 400, field="newPassword")
    r = c.req("POST", "/v1/me/password", {"currentPassword": temp})
    assert_error(r, 400, field="newPassword")
    r = c.req("POST", "/v1/me/password", {"newPassword": strong_password()})
    assert_error(r, 400, field="currentPassword")
    # wrong current password
    r = c.req("POST", "/v1/me/password", {"currentPassword": temp + "x", "newPassword": strong_password()})
    assert "currentPassword" in assert_error(r, 400, code=3000)["data"]
    assert c.get("/v1/me").json["mustChangePassword"] is True
    # the change
    new = "Neues-Passwort-%s" % uuid.uuid4().hex[:6]
    SECRETS.append(new)
    r = c.req("POST", "/v1/me/password", {"currentPassword": temp, "newPassword": new})
    assert r.status == 200, r
    assert r.json["mustChangePassword"] is False
    assert r.json["id"] == u["id"]
    # the same token now works for everything the role allows
    assert c.get("/v1/customers?size=1").status == 200
    assert c.get("/v1/me").json["mustChangePassword"] is False
    # the temporary password is gone, the new one signs in without a change request
    _bad_sign_in(server.port, u["userPrincipalName"], temp)
    t2 = sign_in(server.port, u["userPrincipalName"], new)
    SECRETS.append(t2["access_token"])
    assert not t2.get("password_change_required")


@pytest.mark.parametrize("method,path,body", [
    ("GET", "/v1/customers", None),
    ("POST", "/v1/customers", "CUSTOMER"),
    ("GET", "/v1/customers/%s" % uuid.uuid4(), None),
    ("GET", "/v1/users", None),
    ("POST", "/v1/users", {"userPrincipalName": "never@staff.example.cn", "roles": ["sales_agent"]}),
    ("GET", "/v1/apps", None),
    ("GET", "/v1/auditrecords", None),
    ("GET", "/v1/domains/contoso.partner.onmschina.cn", None),
    ("GET", "/v1/offers?country=CN", None),
    ("GET", "/v1/countryvalidationrules/CN", None),
    ("POST", "/v1/validations/address", {"country": "CN", "city": "北京", "state": "北京市",
                                         "postalCode": "100080", "addressLine1": "中关村大街1号"}),
])
def test_temporary_password_blocks(server, admin, method, path, body):
    """Until the temporary password is changed, every route but /v1/me and /v1/me/password
    answers 403 (the role would allow all of these)."""
    u = add_user(admin, ["global_admin"])
    t = sign_in(server.port, u["userPrincipalName"], _temp(u))
    SECRETS.append(t["access_token"])
    assert t["password_change_required"] is True
    c = Client(server.port, t["access_token"])
    r = c.req(method, path, cn_body(uniq("tmpblk")) if body == "CUSTOMER" else body)
    assert_error(r, 403)
    assert "/v1/me/password" in r.json["description"], r.json
    assert c.get("/v1/me").status == 200


def test_password_boundaries(server, admin):
    c = staff_client(admin, ["helpdesk_agent"], SECRETS)
    cur = c.info["password"]
    for new in ["Abcdefghij1!"[:12], "Ab1" + "x" * 253, "Äpfel-und-Birnen-7", "密码密码Abc123!!"]:
        SECRETS.append(new)
        cur = change_password(c, cur, new)
    assert_error(c.req("POST", "/v1/me/password", {"currentPassword": cur, "newPassword": "Ab1" + "x" * 254}),
                 400, field="newPassword")
    assert_error(c.req("POST", "/v1/me/password", {"currentPassword": cur, "newPassword": "Abcdefghij1"}),
                 400, field="newPassword")
    t = sign_in(server.port, c.info["email"], cur)
    SECRETS.append(t["access_token"])


def test_get_me(server, admin):
    me = admin.get("/v1/me")
    assert me.status == 200, me
    j = me.json
    assert j["id"] == admin.info["userId"]
    assert j["partnerId"] == admin.info["partnerId"]
    assert j["userPrincipalName"] == admin.info["userName"]
    assert j["roles"] == ["global_admin"]
    assert j["state"] == "active"
    assert j["mustChangePassword"] is False
    assert j["attributes"]["objectType"] == "PartnerUser"
    c = staff_client(admin, ["billing_admin"], SECRETS)
    j = c.get("/v1/me").json
    assert (j["id"], j["partnerId"], j["roles"]) == (c.info["id"], admin.info["partnerId"], ["billing_admin"])
    assert "passwordProfile" not in j


# ---- disabled users -----------------------------------------------------------------------------

def test_disabled_user_is_shut_out_at_once(server, admin):
    c = staff_client(admin, ["sales_agent"], SECRETS)
    assert c.get("/v1/customers?size=1").status == 200
    r = admin.req("PATCH", "/v1/users/" + c.info["id"], {"state": "disabled"})
    assert r.status == 200, r
    r = c.get("/v1/customers?size=1")
    assert_error(r, 401)
    assert (r.h("WWW-Authenticate") or "").startswith("Bearer")
    assert_error(c.get("/v1/me"), 401)
    _bad_sign_in(server.port, c.info["email"], c.info["password"])
    r = admin.req("PATCH", "/v1/users/" + c.info["id"], {"state": "active"})
    assert r.status == 200, r
    t = sign_in(server.port, c.info["email"], c.info["password"])
    SECRETS.append(t["access_token"])
    assert not t.get("password_change_required")
    assert Client(server.port, t["access_token"]).get("/v1/customers?size=1").status == 200


# ---- the last global admin ----------------------------------------------------------------------

def test_last_global_admin_cannot_be_removed(server, fresh_partner):
    p = fresh_partner("Lonely Admin")
    SECRETS.append(p.token)
    me = p.info["userId"]
    for body in ({"state": "disabled"}, {"roles": ["admin_agent"]}, {"roles": ["user_management_admin"]}):
        r = p.req("PATCH", "/v1/users/" + me, body)
        j = assert_error(r, 409)
        assert "userId" in j["data"], j
    j = assert_error(p.req("DELETE", "/v1/users/" + me), 409)
    assert "userId" in j["data"], j
    g = p.get("/v1/users/" + me).json
    assert (g["state"], g["roles"]) == ("active", ["global_admin"])
    # harmless changes of the last admin go through
    r = p.req("PATCH", "/v1/users/" + me, {"displayName": "Still here", "roles": ["global_admin", "sales_agent"]})
    assert r.status == 200, r
    # a second admin, disabled, does not count
    second = staff_client(p, ["global_admin"], SECRETS)
    assert p.req("PATCH", "/v1/users/" + second.info["id"], {"state": "disabled"}).status == 200
    assert_error(p.req("PATCH", "/v1/users/" + me, {"roles": ["sales_agent"]}), 409)
    assert_error(p.req("DELETE", "/v1/users/" + me), 409)
    # once it is active, the first one may step down (and the second may not follow)
    assert p.req("PATCH", "/v1/users/" + second.info["id"], {"state": "active"}).status == 200
    r = p.req("PATCH", "/v1/users/" + me, {"roles": ["sales_agent"]})
    assert r.status == 200, r
    t = sign_in(server.port, second.info["email"], second.info["password"])
    SECRETS.append(t["access_token"])
    c2 = Client(server.port, t["access_token"])
    j = assert_error(c2.req("PATCH", "/v1/users/" + second.info["id"], {"state": "disabled"}), 409)
    assert "userId" in j["data"]
    j = assert_error(c2.req("DELETE", "/v1/users/" + second.info["id"]), 409)
    assert "userId" in j["data"]
    # the demoted first admin lost the right at once
    assert_error(p.get("/v1/users"), 403)
    assert c2.req("DELETE", "/v1/users/" + me).status == 204


# ---- nothing secret in the log or the activity log --------------------------------------------

def test_no_secret_of_this_module_in_log_or_audit(server, admin, other_admin):
    assert len(SECRETS) > 20
    texts = [admin.get("/v1/auditrecords?size=500").text, other_admin.get("/v1/auditrecords?size=500").text,
             server.stderr()]
    from helpers import audit_all
    import json
    texts.append(json.dumps(audit_all(admin), ensure_ascii=False))
    for s in SECRETS:
        assert s and len(s) >= 12, s
        for t in texts:
            assert s not in t, "a secret reached the log or the activity log"
