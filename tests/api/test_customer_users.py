"""Customer users: the admin created with the customer is a real user; GET/POST
/v1/customers/{id}/users, GET/PATCH/DELETE .../users/{userId}, POST .../resetpassword (a new
generated password each time), the role rules of docs/permissions.md and the activity log."""
import json
import threading
import urllib.parse
import uuid

import pytest

from helpers import (UUID_RE, assert_error, assert_page_params_refused, audit_all, cn_body, custom, filt,
                     fresh_source, http_request, staff_client, strong_password, uniq, us_body, walk_pages)

SECRETS = []
CU_KEYS = {"id", "userPrincipalName", "displayName", "state", "roles", "links", "attributes"}


@pytest.fixture(scope="module")
def p(server):
    c = server.partner("Users Co")
    SECRETS.extend([c.token, c.info["password"]])
    return c


@pytest.fixture(scope="module")
def other(server):
    c = server.partner("Users Other Co")
    SECRETS.extend([c.token, c.info["password"]])
    return c


@pytest.fixture(scope="module")
def helpdesk(p):
    return staff_client(p, ["helpdesk_agent"], SECRETS)


@pytest.fixture
def cust(p):
    c = p.create_ok(cn_body(uniq("cu")))
    SECRETS.append(c["userCredentials"]["password"])
    return c


def upath(c, uid=None, tail=""):
    cid = c if isinstance(c, str) else c["id"]
    return "/v1/customers/%s/users" % cid + ("/" + uid if uid else "") + tail


def users(p, c):
    r = p.get(upath(c))
    assert r.status == 200, r
    assert r.json["attributes"]["objectType"] == "Collection"
    assert r.json["totalCount"] == len(r.json["items"])
    return r.json["items"]


def add(p, c, name, headers=None, **kw):
    body = {"userPrincipalName": name, "firstName": "Li", "lastName": "Na", "displayName": "李娜"}
    body.update(kw)
    return p.req("POST", upath(c), body, headers=headers)


def add_ok(p, c, name=None, **kw):
    r = add(p, c, name or "u" + uuid.uuid4().hex[:8], **kw)
    assert r.status == 201, r
    pw = (r.json.get("passwordProfile") or {}).get("password")
    if pw:
        SECRETS.append(pw)
    return r.json


def bad(r, status, field, code=None):
    j = assert_error(r, status, code=code)
    assert field in j["data"], j
    if "details" in j:
        assert field in [d.get("field") for d in j["details"]], j
    return j


def check_user(u, c):
    assert CU_KEYS <= set(u), u
    assert UUID_RE.match(u["id"]), u
    assert u["attributes"]["objectType"] == "CustomerUser"
    assert u["userPrincipalName"].endswith("@" + c["companyProfile"]["domain"]), u
    assert u["id"] in u["links"]["self"]["uri"]


# ---- the admin ----------------------------------------------------------------------------------

def test_the_admin_created_with_the_customer_is_a_user(p, cust):
    items = users(p, cust)
    assert len(items) == 1, items
    a = items[0]
    check_user(a, cust)
    assert a["userPrincipalName"] == "admin@" + cust["companyProfile"]["domain"]
    assert a["userPrincipalName"] == cust["userCredentials"]["userName"]
    assert a["roles"] == ["company_administrator"]
    assert a["state"] == "active"
    assert "passwordProfile" not in a or "password" not in a["passwordProfile"]
    g = p.get(upath(cust, a["id"]))
    assert g.status == 200, g
    assert {k: v for k, v in g.json.items()} == a
    assert cust["userCredentials"]["password"] not in g.text


# ---- create -------------------------------------------------------------------------------------

def test_create_with_a_short_name_and_a_generated_password(p, cust):
    domain = cust["companyProfile"]["domain"]
    r = add(p, cust, "li.na", usageLocation="CN")
    assert r.status == 201, r
    u = r.json
    check_user(u, cust)
    assert u["userPrincipalName"] == "li.na@" + domain
    assert (u["displayName"], u["firstName"], u["lastName"], u["usageLocation"]) == ("李娜", "Li", "Na", "CN")
    assert u["state"] == "active" and u["roles"] == ["user"]
    pp = u["passwordProfile"]
    assert pp["forceChangePassword"] is True
    assert isinstance(pp["password"], str) and len(pp["password"]) >= 12
    SECRETS.append(pp["password"])
    loc = r.h("Location")
    assert loc is None or loc.endswith(upath(cust, u["id"])), loc
    # listed, and readable without the password
    listed = [x for x in users(p, cust) if x["id"] == u["id"]]
    assert len(listed) == 1
    g = p.get(upath(cust, u["id"]))
    assert g.status == 200 and pp["password"] not in g.text and pp["password"] not in json.dumps(listed), g
    for k in ("userPrincipalName", "displayName", "firstName", "lastName", "usageLocation", "state", "roles"):
        assert g.json[k] == u[k], k


def test_create_with_the_full_upn(p, cust):
    domain = cust["companyProfile"]["domain"]
    u = add_ok(p, cust, "wang.wei@" + domain)
    assert u["userPrincipalName"] == "wang.wei@" + domain


def test_create_with_the_domain_in_another_case(p, cust):
    domain = cust["companyProfile"]["domain"]
    r = add(p, cust, "zhao@" + domain.upper())
    assert r.status == 201, r
    assert r.json["userPrincipalName"].lower() == "zhao@" + domain
    SECRETS.append(r.json["passwordProfile"]["password"])


@pytest.mark.parametrize("upn", ["bob@other.partner.onmschina.cn", "bob@example.com", "bob@", "@{domain}",
                                 "bob smith", "bob@{domain}@{domain}", "", "x" * 200,
                                 "bob@sub.{domain}"])
def test_upn_outside_the_customer_domain_is_400(p, cust, upn):
    upn = upn.replace("{domain}", cust["companyProfile"]["domain"])
    n = len(users(p, cust))
    bad(add(p, cust, upn), 400, "userPrincipalName", code=3000)
    assert len(users(p, cust)) == n


def test_upn_of_another_customer_is_400(p, cust):
    c2 = p.create_ok(cn_body(uniq("cu2")))
    SECRETS.append(c2["userCredentials"]["password"])
    bad(add(p, cust, "x@" + c2["companyProfile"]["domain"]), 400, "userPrincipalName")


def test_missing_upn_is_400(p, cust):
    bad(p.req("POST", upath(cust), {"displayName": "No Name"}), 400, "userPrincipalName", code=3000)


def test_given_strong_password_is_not_echoed(p, cust):
    pw = strong_password()
    SECRETS.append(pw)
    r = add(p, cust, "given", passwordProfile={"password": pw})
    assert r.status == 201, r
    assert r.json["passwordProfile"]["forceChangePassword"] is True
    assert "password" not in r.json["passwordProfile"]
    assert pw not in r.text


@pytest.mark.parametrize("pw", ["weak", "short1A!", "alllowercaseletters", "ALLUPPERCASELETTERS",
                                "123456789012345", "x" * 300])
def test_weak_given_password_is_400(p, cust, pw):
    n = len(users(p, cust))
    r = add(p, cust, "weak" + uuid.uuid4().hex[:6], passwordProfile={"password": pw})
    bad(r, 400, "passwordProfile.password", code=3000)
    assert pw not in r.text or len(pw) < 6
    assert len(users(p, cust)) == n


def test_duplicate_upn_is_409(p, cust):
    add_ok(p, cust, "dup")
    n = len(users(p, cust))
    domain = cust["companyProfile"]["domain"]
    for upn in ("dup", "DUP", "dup@" + domain, "Dup@" + domain.upper(), "admin", "ADMIN@" + domain):
        assert_error(add(p, cust, upn), 409, code=1001)
    assert len(users(p, cust)) == n


def test_same_name_in_two_customers(p, cust):
    c2 = p.create_ok(cn_body(uniq("cu3")))
    SECRETS.append(c2["userCredentials"]["password"])
    a = add_ok(p, cust, "same")
    b = add_ok(p, c2, "same")
    assert a["id"] != b["id"]
    assert a["userPrincipalName"] != b["userPrincipalName"]


def test_roles_and_usage_location(p, cust):
    u = add_ok(p, cust, "boss", roles=["company_administrator"], usageLocation="us")
    assert u["roles"] == ["company_administrator"] and u["usageLocation"] == "US"
    d = add_ok(p, cust, "plain")
    assert d["roles"] == ["user"]
    assert d["usageLocation"] == "CN"  # the customer's country
    for roles in (["helpdesk_agent"], ["global_admin"], [], ["user", "company_administrator"], "user", ["x"]):
        bad(add(p, cust, "r" + uuid.uuid4().hex[:6], roles=roles), 400, "roles", code=3000)
    for loc in ("XX", "USA", "1", "中国"):
        bad(add(p, cust, "l" + uuid.uuid4().hex[:6], usageLocation=loc), 400, "usageLocation", code=3000)


def test_usage_location_defaults_to_the_customers_country(p):
    c = p.create_ok(us_body(uniq("cuus")))
    SECRETS.append(c["userCredentials"]["password"])
    assert add_ok(p, c, "amy")["usageLocation"] == "US"


# ---- read, change, remove -----------------------------------------------------------------------

def test_user_ids(p, other, cust):
    u = add_ok(p, cust, "ids")
    bad(p.get(upath(cust, "not-a-uuid")), 400, "userId")
    assert_error(p.get(upath(cust, str(uuid.uuid4()))), 404, code=60002)  # Partner Center: user object not found
    assert_error(other.get(upath(cust, u["id"])), 404, code=1000)
    assert_error(other.get(upath(cust)), 404, code=1000)
    # a user through another customer of the same partner
    c2 = p.create_ok(cn_body(uniq("cu4")))
    SECRETS.append(c2["userCredentials"]["password"])
    assert_error(p.get(upath(c2, u["id"])), 404, code=60002)
    assert_error(p.req("PATCH", upath(c2, u["id"]), {"displayName": "x"}), 404)
    assert_error(p.req("DELETE", upath(c2, u["id"])), 404)
    assert_error(p.req("POST", upath(c2, u["id"], "/resetpassword")), 404)
    assert p.get(upath(cust, u["id"])).json["displayName"] == "李娜"


def test_another_partner_cannot_touch_the_users(p, other, cust):
    admin = users(p, cust)[0]
    assert_error(add(other, cust, "intruder"), 404)
    assert_error(other.req("PATCH", upath(cust, admin["id"]), {"displayName": "Pwned"}), 404)
    assert_error(other.req("DELETE", upath(cust, admin["id"])), 404)
    r = other.req("POST", upath(cust, admin["id"], "/resetpassword"))
    assert_error(r, 404)
    assert "passwordProfile" not in r.text
    assert [x["userPrincipalName"] for x in users(p, cust)] == [admin["userPrincipalName"]]
    assert users(p, cust)[0]["displayName"] == admin["displayName"]


def test_patch_user(p, cust):
    u = add_ok(p, cust, "chg")
    r = p.req("PATCH", upath(cust, u["id"]), {"displayName": "张伟", "firstName": "伟", "lastName": "张",
                                              "usageLocation": "de", "roles": ["company_administrator"]})
    assert r.status == 200, r
    j = r.json
    assert (j["displayName"], j["firstName"], j["lastName"], j["usageLocation"], j["roles"]) == (
        "张伟", "伟", "张", "DE", ["company_administrator"])
    assert j["userPrincipalName"] == u["userPrincipalName"] and j["id"] == u["id"]
    assert "password" not in (j.get("passwordProfile") or {})
    g = p.get(upath(cust, u["id"])).json
    assert (g["displayName"], g["firstName"], g["lastName"], g["usageLocation"], g["roles"]) == (
        "张伟", "伟", "张", "DE", ["company_administrator"])
    # only what is sent changes
    r = p.req("PATCH", upath(cust, u["id"]), {"lastName": "王"})
    assert r.status == 200, r
    g = p.get(upath(cust, u["id"])).json
    assert (g["displayName"], g["firstName"], g["lastName"], g["roles"]) == ("张伟", "伟", "王", ["company_administrator"])


def test_patch_state(p, cust):
    u = add_ok(p, cust, "st")
    r = p.req("PATCH", upath(cust, u["id"]), {"state": "inactive"})
    assert r.status == 200 and r.json["state"] == "inactive", r
    assert p.get(upath(cust, u["id"])).json["state"] == "inactive"
    assert [x["state"] for x in users(p, cust) if x["id"] == u["id"]] == ["inactive"]
    r = p.req("PATCH", upath(cust, u["id"]), {"state": "active"})
    assert r.status == 200 and r.json["state"] == "active", r


@pytest.mark.parametrize("body,field", [
    ({"state": "disabled"}, "state"), ({"state": ""}, "state"), ({"roles": ["helpdesk_agent"]}, "roles"),
    ({"roles": []}, "roles"), ({"usageLocation": "XX"}, "usageLocation"),
])
def test_patch_invalid_values_are_400_and_unchanged(p, cust, body, field):
    u = add_ok(p, cust, "inv" + uuid.uuid4().hex[:6])
    bad(p.req("PATCH", upath(cust, u["id"]), body), 400, field, code=3000)
    g = p.get(upath(cust, u["id"])).json
    assert (g["state"], g["roles"], g["usageLocation"]) == ("active", ["user"], "CN")


def test_patch_cannot_change_the_upn(p, cust):
    u = add_ok(p, cust, "fixed")
    r = p.req("PATCH", upath(cust, u["id"]), {"userPrincipalName": "moved@example.com"})
    assert r.status in (200, 400), r
    assert p.get(upath(cust, u["id"])).json["userPrincipalName"] == u["userPrincipalName"]


def test_delete_user(p, cust):
    u = add_ok(p, cust, "gone")
    r = p.req("DELETE", upath(cust, u["id"]))
    assert r.status == 204, r
    assert r.raw == b""
    assert_error(p.get(upath(cust, u["id"])), 404, code=60002)
    assert u["id"] not in [x["id"] for x in users(p, cust)]
    assert_error(p.req("DELETE", upath(cust, u["id"])), 404)
    assert_error(p.req("POST", upath(cust, u["id"], "/resetpassword")), 404)
    assert_error(p.req("PATCH", upath(cust, u["id"]), {"displayName": "x"}), 404)
    # the name is free again
    again = add_ok(p, cust, "gone")
    assert again["id"] != u["id"]


# ---- password reset -----------------------------------------------------------------------------

def test_reset_password_gives_a_new_password_each_time(p, cust):
    u = add_ok(p, cust, "rst")
    seen = {u["passwordProfile"]["password"]}
    for _ in range(3):
        r = p.req("POST", upath(cust, u["id"], "/resetpassword"))
        assert r.status == 200, r
        assert r.json["id"] == u["id"] and r.json["attributes"]["objectType"] == "CustomerUser"
        pp = r.json["passwordProfile"]
        assert pp["forceChangePassword"] is True
        assert isinstance(pp["password"], str) and len(pp["password"]) >= 12
        assert pp["password"] not in seen
        seen.add(pp["password"])
        SECRETS.append(pp["password"])
    g = p.get(upath(cust, u["id"]))
    assert not any(s in g.text for s in seen)


def invite_code(client):
    r = client.get("/v1/customers/relationshiprequests")
    assert r.status == 200, r
    return r.json["url"].rsplit("/", 1)[1]


def accept(port, code, user, password):
    body = urllib.parse.urlencode({"userName": user, "password": password})
    return http_request(port, "POST", "/invite/" + code, body,
                        {"Content-Type": "application/x-www-form-urlencoded"}, source=fresh_source())


def test_reset_admin_password_takes_effect(server, p, cust):
    """The reset password is the one the admin signs in with (on a reseller invitation); the
    password shown at creation no longer works."""
    inviter = server.partner("Users Inviter")
    SECRETS.extend([inviter.token, inviter.info["password"]])
    admin = users(p, cust)[0]
    r = p.req("POST", upath(cust, admin["id"], "/resetpassword"))
    assert r.status == 200, r
    new = r.json["passwordProfile"]["password"]
    SECRETS.append(new)
    code = invite_code(inviter)
    old = accept(server.port, code, admin["userPrincipalName"], cust["userCredentials"]["password"])
    assert old.status == 400, old
    assert inviter.get("/v1/customers/" + cust["id"]).status == 404
    ok = accept(server.port, code, admin["userPrincipalName"], new)
    assert ok.status == 200 and "Accepted" in ok.text, ok
    assert inviter.get("/v1/customers/" + cust["id"]).status == 200


# ---- roles --------------------------------------------------------------------------------------

def test_helpdesk_may_reset_but_not_create_change_or_delete(p, helpdesk, cust):
    u = add_ok(p, cust, "hd")
    r = helpdesk.req("POST", upath(cust, u["id"], "/resetpassword"))
    assert r.status == 200, r
    assert r.json["passwordProfile"]["password"] != u["passwordProfile"]["password"]
    SECRETS.append(r.json["passwordProfile"]["password"])
    assert helpdesk.get(upath(cust)).status == 200
    assert helpdesk.get(upath(cust, u["id"])).status == 200
    n = len(users(p, cust))
    assert_error(add(helpdesk, cust, "byhelpdesk"), 403)
    assert_error(helpdesk.req("DELETE", upath(cust, u["id"])), 403)
    assert_error(helpdesk.req("PATCH", upath(cust, u["id"]), {"displayName": "by helpdesk"}), 403)
    assert len(users(p, cust)) == n
    assert p.get(upath(cust, u["id"])).json["displayName"] == "李娜"


def test_sales_agent_may_read_but_not_manage(p, cust):
    sa = staff_client(p, ["sales_agent"], SECRETS)
    admin = users(p, cust)[0]
    assert sa.get(upath(cust)).status == 200
    assert_error(add(sa, cust, "bysales"), 403)
    r = sa.req("POST", upath(cust, admin["id"], "/resetpassword"))
    assert_error(r, 403)
    assert "passwordProfile" not in r.text


def test_admin_agent_may_manage(p, cust):
    aa = staff_client(p, ["admin_agent"], SECRETS)
    u = add_ok(aa, cust, "byadminagent")
    r = aa.req("POST", upath(cust, u["id"], "/resetpassword"))
    assert r.status == 200, r
    SECRETS.append(r.json["passwordProfile"]["password"])
    assert aa.req("DELETE", upath(cust, u["id"])).status == 204


def test_user_management_admin_cannot_read_customer_users(p, cust):
    um = staff_client(p, ["user_management_admin"], SECRETS)
    assert_error(um.get(upath(cust)), 403)
    assert_error(add(um, cust, "byum"), 403)


def test_unauthenticated_is_401(server, cust):
    r = server.anon().get(upath(cust))
    assert_error(r, 401)
    r = server.anon().req("POST", upath(cust), {"userPrincipalName": "anon"})
    assert_error(r, 401)


# ---- the activity log ---------------------------------------------------------------------------

def records(p, op, rid):
    recs = audit_all(p, "&filter=" + filt("OperationType", op, "equals"))
    assert all(x["operationType"] == op for x in recs)
    return [x for x in recs if custom(x, "RequestId") == rid]


def test_audit_create_customer_user(p, cust):
    rid = "rid-" + uuid.uuid4().hex
    r = add(p, cust, "audited", headers={"MS-RequestId": rid})
    assert r.status == 201, r
    pw = r.json["passwordProfile"]["password"]
    SECRETS.append(pw)
    recs = records(p, "create_customer_user", rid)
    assert len(recs) == 1, recs
    rec = recs[0]
    assert rec["operationStatus"] == "succeeded" and rec.get("customerId") == cust["id"]
    assert (rec.get("userPrincipalName") or "").lower() == p.info["userName"].lower()
    assert "audited@" in json.dumps(rec)
    assert pw not in json.dumps(rec)


def test_audit_reset_customer_user_password(p, helpdesk, cust):
    u = add_ok(p, cust, "auditreset")
    rid = "rid-" + uuid.uuid4().hex
    r = helpdesk.req("POST", upath(cust, u["id"], "/resetpassword"), headers={"MS-RequestId": rid})
    assert r.status == 200, r
    pw = r.json["passwordProfile"]["password"]
    SECRETS.append(pw)
    recs = records(p, "reset_customer_user_password", rid)
    assert len(recs) == 1, recs
    rec = recs[0]
    assert rec["operationStatus"] == "succeeded" and rec.get("customerId") == cust["id"]
    assert (rec.get("userPrincipalName") or "").lower() == helpdesk.info["email"].lower()
    assert pw not in json.dumps(rec) and u["passwordProfile"]["password"] not in json.dumps(rec)


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_audit_change_and_remove_leave_one_record(p, cust, method):
    u = add_ok(p, cust, "aud" + method.lower())
    rid = "rid-" + uuid.uuid4().hex
    r = p.req(method, upath(cust, u["id"]), {"displayName": "Changed"} if method == "PATCH" else None,
              headers={"MS-RequestId": rid})
    assert r.status in (200, 204), r
    recs = [x for x in audit_all(p) if custom(x, "RequestId") == rid]
    assert [x["operationStatus"] for x in recs] == ["succeeded"], recs
    assert recs[0].get("customerId") == cust["id"]


def test_reads_leave_no_record(p, cust):
    rid = "rid-" + uuid.uuid4().hex
    admin = users(p, cust)[0]
    assert p.get(upath(cust), headers={"MS-RequestId": rid}).status == 200
    assert p.get(upath(cust, admin["id"]), headers={"MS-RequestId": rid}).status == 200
    assert [x for x in audit_all(p) if custom(x, "RequestId") == rid] == []


# ---- the list is paged (issue 14: no silent cap) -----------------------------------------------
def test_list_pages_by_user_principal_name(p, cust):
    names = ["echo", "Alpha", "delta", "charlie"]
    for n in names:
        add_ok(p, cust, n)
    items, pages = walk_pages(p, upath(cust), 2)
    upns = [u["userPrincipalName"].split("@")[0] for u in items]
    assert upns == ["admin", "alpha", "charlie", "delta", "echo"], "each user once, in UPN order"
    assert pages == 3
    for u in items:
        check_user(u, cust)
    assert walk_pages(p, upath(cust), 500)[0] == items
    first = p.get(upath(cust, tail="?size=3")).json
    assert first["links"]["self"]["uri"] == "/customers/%s/users?size=3" % cust["id"]
    assert first["links"]["next"]["uri"] == "/customers/%s/users?size=3&seekOperation=Next" % cust["id"]


def test_list_refuses_bad_size_and_foreign_tokens(p, cust):
    other_cust = p.create_ok(cn_body(uniq("cu")))
    SECRETS.append(other_cust["userCredentials"]["password"])
    add_ok(p, other_cust, "second")
    token_of_the_other = p.get(upath(other_cust, tail="?size=1")).json["continuationToken"]
    assert_page_params_refused(p, upath(cust), token_of_the_other)
    ok = p.get(upath(other_cust, tail="?size=1&seekOperation=Next"), headers={"MS-ContinuationToken": token_of_the_other})
    assert ok.status == 200 and [u["userPrincipalName"].split("@")[0] for u in ok.json["items"]] == ["second"]


def test_list_of_another_partners_customer_is_404_before_paging(p, other, cust):
    add_ok(p, cust, "zulu")
    tok = p.get(upath(cust, tail="?size=1")).json["continuationToken"]
    r = other.get(upath(cust, tail="?size=1&seekOperation=Next"), headers={"MS-ContinuationToken": tok})
    assert_error(r, 404)


def test_pages_stay_exact_while_users_are_added(p, cust):
    """Keyset pages: users added by 8 parallel clients while the list is walked never make a
    user that was there before go missing or appear twice."""
    before = {u["userPrincipalName"] for u in [add_ok(p, cust, "pre%02d" % i) for i in range(12)]}
    before |= {u["userPrincipalName"] for u in users(p, cust)}
    go = threading.Barrier(9)

    def writer(k):
        go.wait()
        for i in range(3):
            add_ok(p, cust, "new%d%02d" % (k, i))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    go.wait()
    items, _ = walk_pages(p, upath(cust), 2)
    for t in threads:
        t.join()
    seen = [u["userPrincipalName"] for u in items]
    assert len(seen) == len(set(seen)), "no user twice"
    assert before <= set(seen), "every user that was there before, once"
    assert seen == sorted(seen)


def test_zz_no_password_in_the_activity_log(p):
    text = json.dumps(audit_all(p), ensure_ascii=False)
    assert len(SECRETS) > 10
    for s in SECRETS:
        assert s not in text
