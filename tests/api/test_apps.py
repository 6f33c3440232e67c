"""Partner apps: /v1/apps, grant_type=client_credentials, secret rotation and revocation, and
`partnerd app add`."""
import json
import time
import uuid

import pytest

from helpers import (ON_PG, UUID_RE, Client, add_app, app_client, app_token_request, assert_error,
                     assert_page_params_refused, cn_body, db_update, walk_pages,
                     fresh_source, run_cli, uniq)

SECRETS = []


@pytest.fixture(scope="module")
def admin(server):
    c = server.partner("Apps Co")
    SECRETS.extend([c.token, c.info["password"]])
    return c


@pytest.fixture(scope="module")
def other_admin(server):
    c = server.partner("Apps Other Co")
    SECRETS.append(c.token)
    return c


def _new(admin, roles, name=None):
    a = add_app(admin, roles, name)
    SECRETS.append(a["clientSecret"])
    return a


def _token(port, a, secret=None):
    r = app_token_request(port, a["clientId"], secret or a["clientSecret"])
    assert r.status == 200, r
    SECRETS.append(r.json["access_token"])
    return r.json


def _refused(port, client_id, secret):
    r = app_token_request(port, client_id, secret, source=fresh_source())
    assert r.status == 400, r
    assert r.json["error"] == "invalid_client", r.json
    assert "access_token" not in r.json
    return r


def _no_secret_fields(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            assert "secret" not in k.lower() or k == "secretUpdatedAt", k
            _no_secret_fields(v)
    elif isinstance(obj, list):
        for v in obj:
            _no_secret_fields(v)


def test_create_app_shape(admin):
    t0 = int(time.time())
    r = admin.req("POST", "/v1/apps", {"displayName": "Billing robot", "roles": ["sales_agent"]})
    assert r.status == 201, r
    a = r.json
    SECRETS.append(a["clientSecret"])
    assert UUID_RE.match(a["id"]), a
    assert isinstance(a["clientId"], str) and a["clientId"]
    assert a["displayName"] == "Billing robot"
    assert a["roles"] == ["sales_agent"]
    assert a["state"] == "active"
    assert isinstance(a["clientSecret"], str) and len(a["clientSecret"]) >= 32
    assert a["createdAt"] is not None and a["secretUpdatedAt"] is not None
    if isinstance(a["createdAt"], int):
        assert t0 - 5 <= a["createdAt"] <= time.time() + 5
        assert a["secretUpdatedAt"] == a["createdAt"]
    assert a["attributes"]["objectType"] == "PartnerApplication"
    assert r.h("Location") == "/v1/apps/" + a["id"]


def test_create_app_property_names_in_any_case(admin):
    r = admin.req("POST", "/v1/apps", {"DisplayName": "Pascal robot", "Roles": ["helpdesk_agent", "billing_admin"]})
    assert r.status == 201, r
    SECRETS.append(r.json["clientSecret"])
    assert r.json["roles"] == ["helpdesk_agent", "billing_admin"]


@pytest.mark.parametrize("body,field", [
    ({"roles": ["sales_agent"]}, "displayName"),
    ({"displayName": "", "roles": ["sales_agent"]}, "displayName"),
    ({"displayName": "n" * 101, "roles": ["sales_agent"]}, "displayName"),
    ({"displayName": 5, "roles": ["sales_agent"]}, "displayName"),
    ({"displayName": "robot"}, "roles"),
    ({"displayName": "robot", "roles": []}, "roles"),
    ({"displayName": "robot", "roles": ["wizard"]}, "roles"),
    ({"displayName": "robot", "roles": "sales_agent"}, "roles"),
])
def test_create_app_bad_body(admin, body, field):
    before = len(admin.get("/v1/apps").json["items"])
    assert_error(admin.req("POST", "/v1/apps", body), 400, code=3000, field=field)
    assert len(admin.get("/v1/apps").json["items"]) == before


def test_list_and_get_apps_show_no_secret(admin, other_admin):
    a = _new(admin, ["sales_agent"], "Listed robot")
    r = admin.get("/v1/apps")
    assert r.status == 200, r
    assert r.json["attributes"]["objectType"] == "Collection"
    assert r.json["totalCount"] == len(r.json["items"])
    mine = [x for x in r.json["items"] if x["id"] == a["id"]]
    assert len(mine) == 1
    assert mine[0]["clientId"] == a["clientId"] and mine[0]["displayName"] == "Listed robot"
    assert mine[0]["roles"] == ["sales_agent"] and mine[0]["state"] == "active"
    _no_secret_fields(r.json)
    g = admin.get("/v1/apps/" + a["id"])
    assert g.status == 200, g
    _no_secret_fields(g.json)
    for k in ("id", "clientId", "displayName", "roles", "state", "createdAt", "secretUpdatedAt"):
        assert g.json[k] == a[k], k
    for s in SECRETS:
        assert s not in r.text and s not in g.text
    # another partner neither lists nor reads it
    assert a["id"] not in [x["id"] for x in other_admin.get("/v1/apps").json["items"]]
    assert_error(other_admin.get("/v1/apps/" + a["id"]), 404, code=1000)
    assert_error(admin.get("/v1/apps/not-a-uuid"), 400)
    assert_error(admin.get("/v1/apps/%s" % uuid.uuid4()), 404)


def test_client_credentials_token_acts_with_the_apps_roles(server, admin):
    a = _new(admin, ["sales_agent"])
    t = _token(server.port, a)
    assert t["token_type"] == "Bearer"
    assert isinstance(t["expires_in"], int) and t["expires_in"] > 0
    assert "password_change_required" not in t
    c = Client(server.port, t["access_token"])
    r = c.create(cn_body(uniq("app")))
    assert r.status == 201, r
    cust = r.json
    assert c.get("/v1/customers/" + cust["id"]).status == 200
    # a sales agent may not edit billing profiles
    b = c.get("/v1/customers/%s/profiles/billing" % cust["id"])
    assert b.status == 200, b
    body = b.json
    body["companyName"] = "Not allowed"
    r = c.req("PUT", "/v1/customers/%s/profiles/billing" % cust["id"], body)
    j = assert_error(r, 403)
    assert "billing_admin" in j["description"] and "global_admin" in j["description"], j
    for path in ("/v1/users", "/v1/apps"):
        assert_error(c.get(path), 403)
    assert c.get("/v1/auditrecords?size=1").status == 200  # every agent reads the activity log (#17)
    # billing profile unchanged
    assert admin.get("/v1/customers/%s/profiles/billing" % cust["id"]).json["companyName"] != "Not allowed"


def test_global_admin_app_manages_apps(server, admin):
    a = _new(admin, ["global_admin"])
    c = Client(server.port, _token(server.port, a)["access_token"])
    r = c.req("POST", "/v1/apps", {"displayName": "child", "roles": ["helpdesk_agent"]})
    assert r.status == 201, r
    SECRETS.append(r.json["clientSecret"])
    assert r.json["id"] in [x["id"] for x in admin.get("/v1/apps").json["items"]]
    me = c.get("/v1/me")
    assert me.status == 200, me
    assert me.json["id"] == a["id"]


def test_wrong_secret_and_unknown_client(server, admin):
    a = _new(admin, ["sales_agent"])
    _refused(server.port, a["clientId"], a["clientSecret"] + "x")
    _refused(server.port, a["clientId"], a["clientSecret"][:-1])
    _refused(server.port, str(uuid.uuid4()), a["clientSecret"])
    _refused(server.port, "not-a-client", a["clientSecret"])
    other = _new(admin, ["sales_agent"])
    _refused(server.port, a["clientId"], other["clientSecret"])  # another app's secret
    r = app_token_request(server.port, a["clientId"], "", source=fresh_source())
    assert r.status == 400 and r.json["error"] in ("invalid_request", "invalid_client"), r
    # the app itself is unharmed
    _token(server.port, a)


def test_rotate_secret(server, admin):
    a = _new(admin, ["sales_agent"])
    before = Client(server.port, _token(server.port, a)["access_token"])
    assert before.get("/v1/customers?size=1").status == 200
    r = admin.req("POST", "/v1/apps/%s/secret" % a["id"])
    assert r.status == 200, r
    new = r.json["clientSecret"]
    SECRETS.append(new)
    assert new != a["clientSecret"] and len(new) >= 32
    assert r.json["id"] == a["id"] and r.json["clientId"] == a["clientId"]
    assert r.json["state"] == "active"
    assert r.json["secretUpdatedAt"] >= a["secretUpdatedAt"]
    assert r.json["createdAt"] == a["createdAt"]
    assert_error(before.get("/v1/customers?size=1"), 401)      # tokens from before end
    _refused(server.port, a["clientId"], a["clientSecret"])    # the old secret is gone
    after = Client(server.port, _token(server.port, a, new)["access_token"])
    assert after.get("/v1/customers?size=1").status == 200
    # a second rotation ends the second generation too
    r2 = admin.req("POST", "/v1/apps/%s/secret" % a["id"])
    assert r2.status == 200, r2
    SECRETS.append(r2.json["clientSecret"])
    assert r2.json["clientSecret"] not in (new, a["clientSecret"])
    assert_error(after.get("/v1/customers?size=1"), 401)
    _refused(server.port, a["clientId"], new)
    _no_secret_fields(admin.get("/v1/apps/" + a["id"]).json)


def test_revoke_app(server, admin):
    a = _new(admin, ["sales_agent"])
    c = Client(server.port, _token(server.port, a)["access_token"])
    assert c.get("/v1/customers?size=1").status == 200
    r = admin.req("DELETE", "/v1/apps/" + a["id"])
    assert r.status == 204, r
    assert r.raw == b""
    assert_error(c.get("/v1/customers?size=1"), 401)
    g = admin.get("/v1/apps/" + a["id"])
    assert g.status == 200, g
    assert g.json["state"] == "revoked"
    listed = [x for x in admin.get("/v1/apps").json["items"] if x["id"] == a["id"]]
    assert listed and listed[0]["state"] == "revoked"
    _refused(server.port, a["clientId"], a["clientSecret"])
    assert_error(admin.req("POST", "/v1/apps/%s/secret" % a["id"]), 404)
    assert_error(admin.req("DELETE", "/v1/apps/" + a["id"]), 404)
    _refused(server.port, a["clientId"], a["clientSecret"])  # rotation did not revive it


def test_rotate_and_revoke_unknown_or_foreign_apps(admin, other_admin):
    theirs = _new(other_admin, ["sales_agent"])
    for m, p in (("POST", "/v1/apps/%s/secret"), ("DELETE", "/v1/apps/%s")):
        assert_error(admin.req(m, p % theirs["id"]), 404)
        assert_error(admin.req(m, p % uuid.uuid4()), 404)
        assert_error(admin.req(m, p % "nope"), 400)
    assert other_admin.get("/v1/apps/" + theirs["id"]).json["state"] == "active"


def test_app_cannot_change_a_password(server, admin):
    a = _new(admin, ["global_admin"])
    c = Client(server.port, _token(server.port, a)["access_token"])
    r = c.req("POST", "/v1/me/password", {"currentPassword": a["clientSecret"], "newPassword": "Xx-123456789!"})
    assert r.status in (400, 403), r


# ---- partnerd app add -------------------------------------------------------------------------

def test_cli_app_add(server, admin):
    r = run_cli(["app", "add", "--db", server.db, "--partner-id", admin.info["partnerId"],
                 "--name", "CLI robot", "--role", "sales_agent", "--json"])
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) >= {"clientId", "clientSecret"}
    SECRETS.append(out["clientSecret"])
    assert out["clientSecret"] not in r.stderr
    listed = [x for x in admin.get("/v1/apps").json["items"] if x["clientId"] == out["clientId"]]
    assert len(listed) == 1, admin.get("/v1/apps").json
    assert listed[0]["displayName"] == "CLI robot" and listed[0]["roles"] == ["sales_agent"]
    assert listed[0]["state"] == "active"
    c = app_client(server.port, out["clientId"], out["clientSecret"])
    SECRETS.append(c.token)
    assert c.create(cn_body(uniq("cliapp"))).status == 201
    assert_error(c.get("/v1/users"), 403)


def test_cli_app_add_several_roles(server, admin):
    r = run_cli(["app", "add", "--db", server.db, "--partner-id", admin.info["partnerId"],
                 "--name", "CLI two roles", "--role", "helpdesk_agent,billing_admin", "--json"])
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    SECRETS.append(out["clientSecret"])
    listed = [x for x in admin.get("/v1/apps").json["items"] if x["clientId"] == out["clientId"]]
    assert listed[0]["roles"] == ["helpdesk_agent", "billing_admin"]


@pytest.mark.parametrize("args", [
    ["--partner-id", "UNKNOWN", "--name", "x", "--role", "sales_agent"],
    ["--partner-id", "00000000-0000-4000-8000-000000000000", "--name", "x", "--role", "sales_agent"],
    ["--partner-id", "PARTNER", "--name", "x", "--role", "wizard"],
    ["--partner-id", "PARTNER", "--name", "x", "--role", "sales_agent,wizard"],
    ["--partner-id", "PARTNER", "--name", "x", "--role", ""],
    ["--partner-id", "PARTNER", "--name", "", "--role", "sales_agent"],
    ["--partner-id", "PARTNER", "--role", "sales_agent"],
    ["--partner-id", "PARTNER", "--name", "x"],
], ids=["unknown-partner", "absent-partner", "unknown-role", "one-unknown-role", "empty-role",
        "empty-name", "no-name", "no-role"])
def test_cli_app_add_refuses(server, admin, args):
    before = len(admin.get("/v1/apps").json["items"])
    args = [admin.info["partnerId"] if a == "PARTNER" else a for a in args]
    r = run_cli(["app", "add", "--db", server.db, "--json"] + args)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert r.stderr.strip()
    assert "clientSecret" not in r.stdout
    assert len(admin.get("/v1/apps").json["items"]) == before


# ---- the list is paged (issue 14: no silent cap) -----------------------------------------------
@pytest.fixture(scope="module")
def many(server):
    """A partner with five apps, made one after the other."""
    c = server.partner("Apps Paging Co")
    SECRETS.extend([c.token, c.info["password"]])
    made = [_new(c, ["sales_agent"], "robot %d" % i) for i in range(5)]
    return c, made


def test_list_pages_in_creation_order(many):
    c, made = many
    items, pages = walk_pages(c, "/v1/apps", 2)
    assert pages == 3
    ids = [a["id"] for a in items]
    assert sorted(ids) == sorted(a["id"] for a in made) and len(set(ids)) == 5, "each app exactly once"
    assert ids == [a["id"] for a in sorted(items, key=lambda a: (a["createdAt"], a["id"]))]
    _no_secret_fields(items)
    assert walk_pages(c, "/v1/apps", 5)[1] == 1, "a page holding the rest has no token"
    assert walk_pages(c, "/v1/apps", 500)[0] == items


def test_list_token_in_the_query_continues_the_same(many):
    c, _ = many
    first = c.get("/v1/apps?size=2").json
    tok = first["continuationToken"]
    by_header = c.get("/v1/apps?size=2&seekOperation=Next", headers={"MS-ContinuationToken": tok}).json
    by_query = c.get("/v1/apps?size=2&continuationToken=" + tok).json
    assert by_header["items"] == by_query["items"] and len(by_header["items"]) == 2
    assert not {a["id"] for a in first["items"]} & {a["id"] for a in by_header["items"]}


def test_list_refuses_bad_size_and_foreign_tokens(many, other_admin):
    c, _ = many
    for _ in range(2):
        other_admin.create_ok(cn_body(uniq("apg")))
    customers_token = other_admin.get("/v1/customers?size=1").json["continuationToken"]
    assert_page_params_refused(c, "/v1/apps", customers_token)


def test_a_token_of_another_partner_shows_only_the_callers_apps(many, admin):
    c, made = many
    tok = c.get("/v1/apps?size=1").json["continuationToken"]
    r = admin.get("/v1/apps?size=500&seekOperation=Next", headers={"MS-ContinuationToken": tok})
    assert r.status == 200, r
    assert not {a["id"] for a in made} & {a["id"] for a in r.json["items"]}, "a position, not a key to others"


def test_more_than_1000_apps_are_all_reachable(server):
    """The list stopped at 1,000 without a token; 1,001 apps (written straight into the store)
    are all listed now, page by page."""
    c = server.partner("Apps Thousand Co")
    SECRETS.extend([c.token, c.info["password"]])
    pid, prefix = c.info["partnerId"], uuid.uuid4().hex[:8]
    cols = "partner_id, app_id, display_name, roles, secret_digest, state, created_at, secret_updated_at"
    if ON_PG:
        sql = ("INSERT INTO apps (%s) SELECT '%s', '%s-0000-4000-8000-' || lpad(i::text, 12, '0'), 'bulk ' || i,"
               " 'sales_agent', decode(repeat('00', 32), 'hex'), 'active', 1700000000 + i %% 7, 1700000000"
               " FROM generate_series(0, 1000) i" % (cols, pid, prefix))
    else:
        sql = ("INSERT INTO apps (%s) WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)"
               " SELECT '%s', printf('%s-0000-4000-8000-%%012d', i), 'bulk ' || i, 'sales_agent', zeroblob(32),"
               " 'active', 1700000000 + i %% 7, 1700000000 FROM n" % (cols, pid, prefix))
    assert db_update(server.db, sql) == 1001
    items, pages = walk_pages(c, "/v1/apps", 500)
    assert len(items) == 1001 and len({a["id"] for a in items}) == 1001
    assert pages == 3
    assert len(c.get("/v1/apps").json["items"]) == 100, "the default page is 100, with a token"


def test_no_secret_of_this_module_in_log_or_audit(server, admin, other_admin):
    from helpers import audit_all
    assert len(SECRETS) > 15
    texts = [json.dumps(audit_all(admin), ensure_ascii=False), json.dumps(audit_all(other_admin)),
             server.stderr()]
    for s in SECRETS:
        assert len(s) >= 12
        for t in texts:
            assert s not in t, "a secret reached the log or the activity log"
