"""The activity log: every change (and every failed attempt at one) leaves exactly one record,
reads leave none; GET /v1/auditrecords filters, dates, paging; records are read-only, per
partner, and never hold a secret."""
import calendar
import datetime
import json
import time
import urllib.parse
import uuid

import pytest

from helpers import (ISO_Z_RE, UUID_RE, Client, add_app, add_user, assert_error,
                     audit_all, cn_body, custom, fresh_source, staff_client, strong_password,
                     token_request, uniq, us_body)

SECRETS = []


class Log:
    """A partner with its admin, staff and apps, and the request ids of the calls it made."""

    def __init__(self, server):
        self.server = server
        self.admin = server.partner("Audit Co")
        self.other = server.partner("Audit Other Co")
        SECRETS.extend([self.admin.token, self.admin.info["password"], self.other.token,
                        self.other.info["password"]])
        self.helpdesk = staff_client(self.admin, ["helpdesk_agent"], SECRETS)
        self.sales = staff_client(self.admin, ["sales_agent"], SECRETS)
        self.company = "审计测试%s有限公司" % uuid.uuid4().hex[:6]
        self.customer = self.admin.create_ok(cn_body(uniq("aud"), company=self.company))
        SECRETS.append(self.customer["userCredentials"]["password"])

    def call(self, client, method, path, body=None, headers=None):
        """(response, request id, correlation id, t0, t1) of one call with fresh ids."""
        rid, cid = "rid-" + uuid.uuid4().hex, "cid-" + uuid.uuid4().hex
        h = {"MS-RequestId": rid, "MS-CorrelationId": cid}
        h.update(headers or {})
        t0 = time.time()
        r = client.req(method, path, body, headers=h)
        t1 = time.time()
        assert r.h("MS-RequestId") == rid and r.h("MS-CorrelationId") == cid, r.headers
        return r, rid, cid, t0, t1

    def token(self, fields, source=None):
        rid, cid = "rid-" + uuid.uuid4().hex, "cid-" + uuid.uuid4().hex
        t0 = time.time()
        r = token_request(self.server.port, fields, source=source,
                          headers={"MS-RequestId": rid, "MS-CorrelationId": cid})
        t1 = time.time()
        if r.status == 200:
            SECRETS.append(r.json["access_token"])
        return r, rid, cid, t0, t1

    def records(self, rid, client=None):
        return [a for a in audit_all(client or self.admin) if custom(a, "RequestId") == rid]

    def one(self, rid, client=None):
        recs = self.records(rid, client)
        assert len(recs) == 1, "expected exactly one record for %s, got %s" % (rid, json.dumps(recs, indent=1))
        return recs[0]


@pytest.fixture(scope="module")
def log(server):
    return Log(server)


def _epoch(iso):
    return calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S"))


def check(rec, log, op, rtype, status, cid, t0, t1, upn=None, app=None, resource_id=None):
    assert UUID_RE.match(rec["id"]), rec
    assert rec["partnerId"] == log.admin.info["partnerId"], rec
    assert rec["operationType"] == op, rec
    assert rec["resourceType"] == rtype, rec
    assert rec["operationStatus"] == status, rec
    assert ISO_Z_RE.match(rec["operationDate"]), rec
    assert int(t0) - 1 <= _epoch(rec["operationDate"]) <= t1 + 1, (rec["operationDate"], t0, t1)
    assert rec["originalCorrelationId"] == cid, rec
    assert rec["attributes"]["objectType"] == "AuditRecord"
    if upn is not None:
        assert rec.get("userPrincipalName", "").lower() == upn.lower(), rec
        assert "applicationId" not in rec, rec
    if app is not None:
        assert rec.get("applicationId") == app, rec
        assert "userPrincipalName" not in rec, rec
    if resource_id is not None:
        assert custom(rec, "ResourceId") == resource_id, rec
    # GET /v1/auditrecords/{id} is the same record
    g = log.admin.get("/v1/auditrecords/" + rec["id"])
    assert g.status == 200, g
    assert g.json == rec
    return rec


def _billing(log, customer_id):
    r = log.admin.get("/v1/customers/%s/profiles/billing" % customer_id)
    assert r.status == 200, r
    return r.json


# ---- each write route leaves exactly one record -----------------------------------------------

def test_add_customer(log):
    company = "新客户%s有限公司" % uuid.uuid4().hex[:6]
    r, rid, cid, t0, t1 = log.call(log.admin, "POST", "/v1/customers", cn_body(uniq("audadd"), company=company))
    assert r.status == 201, r
    SECRETS.append(r.json["userCredentials"]["password"])
    rec = check(log.one(rid), log, "add_customer", "customer", "succeeded", cid, t0, t1,
                upn=log.admin.info["userName"], resource_id=r.json["id"])
    assert rec["customerId"] == r.json["id"]
    assert rec["customerName"] == company
    assert company in rec.get("resourceNewValue", "")
    assert "resourceOldValue" not in rec
    # the new value is the customer as read back, member for member (written on the loop)
    g = log.admin.get("/v1/customers/" + r.json["id"])
    assert g.status == 200, g
    assert json.loads(rec["resourceNewValue"]) == g.json, rec["resourceNewValue"]


def test_update_billing_profile(log):
    c = log.admin.create_ok(us_body(uniq("audbill"), company="Old Name %s" % uuid.uuid4().hex[:6]))
    SECRETS.append(c["userCredentials"]["password"])
    old = c["billingProfile"]["companyName"]
    body = _billing(log, c["id"])
    new = "New Name %s" % uuid.uuid4().hex[:6]
    body["companyName"] = new
    r, rid, cid, t0, t1 = log.call(log.admin, "PUT", "/v1/customers/%s/profiles/billing" % c["id"], body)
    assert r.status == 200, r
    rec = check(log.one(rid), log, "update_customer_billing_profile", "customer", "succeeded", cid, t0, t1,
                upn=log.admin.info["userName"])
    assert rec["customerId"] == c["id"]
    assert rec["customerName"] == new
    assert old in rec["resourceOldValue"] and new not in rec["resourceOldValue"], rec
    assert new in rec["resourceNewValue"] and old not in rec["resourceNewValue"], rec


def test_delete_customer(log):
    c = log.admin.create_ok(us_body(uniq("auddel"), company="Doomed Inc"))
    SECRETS.append(c["userCredentials"]["password"])
    r, rid, cid, t0, t1 = log.call(log.admin, "DELETE", "/v1/customers/" + c["id"])
    assert r.status == 204, r
    rec = check(log.one(rid), log, "delete_customer", "customer", "succeeded", cid, t0, t1,
                upn=log.admin.info["userName"], resource_id=c["id"])
    assert rec["customerId"] == c["id"]
    assert rec["customerName"] == "Doomed Inc"


def test_create_user(log):
    email = "audit-%s@staff.example.cn" % uuid.uuid4().hex[:10]
    r, rid, cid, t0, t1 = log.call(log.admin, "POST", "/v1/users", {"userPrincipalName": email,
                                                                    "roles": ["sales_agent"]})
    assert r.status == 201, r
    SECRETS.append(r.json["passwordProfile"]["password"])
    rec = check(log.one(rid), log, "create_partner_user", "partner_user", "succeeded", cid, t0, t1,
                upn=log.admin.info["userName"], resource_id=r.json["id"])
    assert email in rec.get("resourceNewValue", "")
    assert "customerId" not in rec


def test_patch_user(log):
    u = add_user(log.admin, ["sales_agent"], display_name="Name Before")
    SECRETS.append(u["passwordProfile"]["password"])
    r, rid, cid, t0, t1 = log.call(log.admin, "PATCH", "/v1/users/" + u["id"],
                                   {"displayName": "Name After", "roles": ["billing_admin"]})
    assert r.status == 200, r
    rec = check(log.one(rid), log, "update_partner_user", "partner_user", "succeeded", cid, t0, t1,
                upn=log.admin.info["userName"], resource_id=u["id"])
    assert "Name Before" in rec["resourceOldValue"] and "sales_agent" in rec["resourceOldValue"]
    assert "Name After" in rec["resourceNewValue"] and "billing_admin" in rec["resourceNewValue"]


def test_delete_user(log):
    u = add_user(log.admin, ["sales_agent"])
    SECRETS.append(u["passwordProfile"]["password"])
    r, rid, cid, t0, t1 = log.call(log.admin, "DELETE", "/v1/users/" + u["id"])
    assert r.status == 204, r
    check(log.one(rid), log, "delete_partner_user", "partner_user", "succeeded", cid, t0, t1,
          upn=log.admin.info["userName"], resource_id=u["id"])


def test_reset_password(log):
    u = add_user(log.admin, ["sales_agent"])
    SECRETS.append(u["passwordProfile"]["password"])
    r, rid, cid, t0, t1 = log.call(log.admin, "POST", "/v1/users/%s/resetpassword" % u["id"])
    assert r.status == 200, r
    SECRETS.append(r.json["passwordProfile"]["password"])
    check(log.one(rid), log, "reset_partner_user_password", "partner_user", "succeeded", cid, t0, t1,
          upn=log.admin.info["userName"], resource_id=u["id"])


def test_change_own_password(log):
    c = staff_client(log.admin, ["billing_admin"], SECRETS)
    new = strong_password()
    SECRETS.append(new)
    r, rid, cid, t0, t1 = log.call(c, "POST", "/v1/me/password",
                                   {"currentPassword": c.info["password"], "newPassword": new})
    assert r.status == 200, r
    check(log.one(rid), log, "change_own_password", "partner_user", "succeeded", cid, t0, t1,
          upn=c.info["email"], resource_id=c.info["id"])


def test_create_app(log):
    r, rid, cid, t0, t1 = log.call(log.admin, "POST", "/v1/apps", {"displayName": "Audit robot",
                                                                   "roles": ["sales_agent"]})
    assert r.status == 201, r
    SECRETS.append(r.json["clientSecret"])
    rec = check(log.one(rid), log, "create_application", "application", "succeeded", cid, t0, t1,
                upn=log.admin.info["userName"], resource_id=r.json["id"])
    assert "Audit robot" in rec.get("resourceNewValue", "")


def test_rotate_app_secret(log):
    a = add_app(log.admin, ["sales_agent"])
    SECRETS.append(a["clientSecret"])
    r, rid, cid, t0, t1 = log.call(log.admin, "POST", "/v1/apps/%s/secret" % a["id"])
    assert r.status == 200, r
    SECRETS.append(r.json["clientSecret"])
    check(log.one(rid), log, "rotate_application_secret", "application", "succeeded", cid, t0, t1,
          upn=log.admin.info["userName"], resource_id=a["id"])


def test_revoke_app(log):
    a = add_app(log.admin, ["sales_agent"])
    SECRETS.append(a["clientSecret"])
    r, rid, cid, t0, t1 = log.call(log.admin, "DELETE", "/v1/apps/" + a["id"])
    assert r.status == 204, r
    rec = check(log.one(rid), log, "revoke_application", "application", "succeeded", cid, t0, t1,
                upn=log.admin.info["userName"], resource_id=a["id"])
    assert "revoked" in rec.get("resourceNewValue", "")


def test_user_sign_in(log):
    c = log.sales
    r, rid, cid, t0, t1 = log.token({"grant_type": "password", "username": c.info["email"],
                                     "password": c.info["password"]})
    assert r.status == 200, r
    check(log.one(rid), log, "sign_in", "partner_user", "succeeded", cid, t0, t1, upn=c.info["email"],
          resource_id=c.info["id"])


def test_app_sign_in_and_app_changes(log):
    a = add_app(log.admin, ["sales_agent"])
    SECRETS.append(a["clientSecret"])
    r, rid, cid, t0, t1 = log.token({"grant_type": "client_credentials", "client_id": a["clientId"],
                                     "client_secret": a["clientSecret"]})
    assert r.status == 200, r
    check(log.one(rid), log, "sign_in", "application", "succeeded", cid, t0, t1, app=a["clientId"],
          resource_id=a["id"])
    c = Client(log.server.port, r.json["access_token"])
    r, rid, cid, t0, t1 = log.call(c, "POST", "/v1/customers", cn_body(uniq("audapp")))
    assert r.status == 201, r
    SECRETS.append(r.json["userCredentials"]["password"])
    rec = check(log.one(rid), log, "add_customer", "customer", "succeeded", cid, t0, t1, app=a["clientId"])
    assert rec["customerId"] == r.json["id"]


def test_replayed_create_leaves_one_record(log):
    """A create retried with the same MS-RequestId answers with the first customer: one change,
    one record."""
    body = cn_body(uniq("audrep"))
    r, rid, cid, t0, t1 = log.call(log.admin, "POST", "/v1/customers", body)
    assert r.status == 201, r
    SECRETS.append(r.json["userCredentials"]["password"])
    r2 = log.admin.req("POST", "/v1/customers", body, headers={"MS-RequestId": rid, "MS-CorrelationId": cid})
    assert r2.status == 201 and r2.json["id"] == r.json["id"], r2
    check(log.one(rid), log, "add_customer", "customer", "succeeded", cid, t0, t1, upn=log.admin.info["userName"])


# ---- failed attempts: exactly one "failed" record ---------------------------------------------

def test_failed_create_bad_body(log):
    body = cn_body(uniq("audbad"))
    body["billingProfile"]["defaultAddress"]["postalCode"] = "1234"
    r, rid, cid, t0, t1 = log.call(log.admin, "POST", "/v1/customers", body)
    assert r.status == 400, r
    rec = check(log.one(rid), log, "add_customer", "customer", "failed", cid, t0, t1,
                upn=log.admin.info["userName"])
    assert "customerId" not in rec


def test_failed_create_forbidden(log):
    r, rid, cid, t0, t1 = log.call(log.helpdesk, "POST", "/v1/customers", cn_body(uniq("audhd")))
    assert r.status == 403, r
    check(log.one(rid), log, "add_customer", "customer", "failed", cid, t0, t1, upn=log.helpdesk.info["email"])
    r, rid, cid, t0, t1 = log.call(log.helpdesk, "POST", "/v1/users",
                                   {"userPrincipalName": "nope-%s@staff.example.cn" % uuid.uuid4().hex[:8],
                                    "roles": ["global_admin"]})
    assert r.status == 403, r
    check(log.one(rid), log, "create_partner_user", "partner_user", "failed", cid, t0, t1,
          upn=log.helpdesk.info["email"])


def test_failed_stale_billing_update(log):
    cust = log.customer
    body = _billing(log, cust["id"])
    body["companyName"] = log.company + " 新"
    assert log.admin.req("PUT", "/v1/customers/%s/profiles/billing" % cust["id"], body).status == 200
    body["companyName"] = log.company + " 旧"  # still carries the old etag
    r, rid, cid, t0, t1 = log.call(log.admin, "PUT", "/v1/customers/%s/profiles/billing" % cust["id"], body)
    assert r.status == 412, r
    rec = check(log.one(rid), log, "update_customer_billing_profile", "customer", "failed", cid, t0, t1,
                upn=log.admin.info["userName"])
    assert rec["customerId"] == cust["id"]


def test_failed_sign_in(log):
    c = log.sales
    src = fresh_source()
    r, rid, cid, t0, t1 = log.token({"grant_type": "password", "username": c.info["email"],
                                     "password": c.info["password"] + "-wrong"}, source=src)
    assert r.status == 400 and r.json["error"] == "invalid_grant", r
    rec = check(log.one(rid), log, "sign_in", "partner_user", "failed", cid, t0, t1, upn=c.info["email"])
    assert custom(rec, "SourceAddress") == src, rec
    assert c.info["password"] + "-wrong" not in json.dumps(rec, ensure_ascii=False)
    SECRETS.append(c.info["password"] + "-wrong")


def test_failed_app_sign_in(log):
    a = add_app(log.admin, ["sales_agent"])
    SECRETS.append(a["clientSecret"])
    r, rid, cid, t0, t1 = log.token({"grant_type": "client_credentials", "client_id": a["clientId"],
                                     "client_secret": a["clientSecret"] + "x"}, source=fresh_source())
    assert r.status == 400 and r.json["error"] == "invalid_client", r
    check(log.one(rid), log, "sign_in", "application", "failed", cid, t0, t1, app=a["clientId"])


@pytest.mark.parametrize("how", ["get-customer", "list", "billing", "users", "apps", "audit", "me",
                                 "missing-customer", "domain", "rules"])
def test_reads_leave_no_record(log, how):
    cust = log.customer["id"]
    path = {"get-customer": "/v1/customers/" + cust, "list": "/v1/customers?size=3",
            "billing": "/v1/customers/%s/profiles/billing" % cust, "users": "/v1/users",
            "apps": "/v1/apps", "audit": "/v1/auditrecords?size=1", "me": "/v1/me",
            "missing-customer": "/v1/customers/%s" % uuid.uuid4(),
            "domain": "/v1/domains/" + log.customer["companyProfile"]["domain"],
            "rules": "/v1/countryvalidationrules/CN"}[how]
    r, rid, _, _, _ = log.call(log.admin, "GET", path)
    assert r.status in (200, 404), r
    assert log.records(rid) == []


def test_failed_read_of_a_forbidden_route_leaves_no_record(log):
    r, rid, _, _, _ = log.call(log.sales, "GET", "/v1/users")
    assert r.status == 403, r
    assert log.records(rid) == []


# ---- listing: filters, dates, paging ----------------------------------------------------------

def _f(field, value, op="equals"):
    return "&filter=" + urllib.parse.quote(json.dumps({"Field": field, "Value": value, "Operator": op},
                                                      ensure_ascii=False), safe="")


def test_filter_operation_type(log):
    everything = audit_all(log.admin)
    adds = audit_all(log.admin, _f("OperationType", "add_customer"))
    assert adds and all(a["operationType"] == "add_customer" for a in adds)
    assert [a["id"] for a in adds] == [a["id"] for a in everything if a["operationType"] == "add_customer"]
    assert len(adds) < len(everything)


def test_filter_resource_type(log):
    add_app(log.admin, ["helpdesk_agent"])
    everything = audit_all(log.admin)
    apps = audit_all(log.admin, _f("ResourceType", "application"))
    assert apps and all(a["resourceType"] == "application" for a in apps)
    assert [a["id"] for a in apps] == [a["id"] for a in everything if a["resourceType"] == "application"]


def test_filter_user(log):
    c = log.helpdesk
    assert log.call(c, "POST", "/v1/customers", cn_body(uniq("audflt")))[0].status == 403
    everything = audit_all(log.admin)
    mine = audit_all(log.admin, _f("UserPrincipalName", c.info["email"]))
    assert mine and all(a.get("userPrincipalName", "").lower() == c.info["email"].lower() for a in mine)
    assert [a["id"] for a in mine] == [a["id"] for a in everything
                                       if a.get("userPrincipalName", "").lower() == c.info["email"].lower()]
    # e-mail addresses match without regard to case
    assert [a["id"] for a in audit_all(log.admin, _f("UserPrincipalName", c.info["email"].upper()))] == \
        [a["id"] for a in mine]


def test_filter_customer_id_and_company_name(log):
    c = log.admin.create_ok(us_body(uniq("audcn"), company="Zebra Umbrella %s Ltd" % uuid.uuid4().hex[:6]))
    SECRETS.append(c["userCredentials"]["password"])
    name = c["billingProfile"]["companyName"]
    body = _billing(log, c["id"])
    body["companyName"] = name + " Group"
    assert log.admin.req("PUT", "/v1/customers/%s/profiles/billing" % c["id"], body).status == 200
    by_id = audit_all(log.admin, _f("CustomerId", c["id"]))
    assert [a["operationType"] for a in by_id] == ["add_customer", "update_customer_billing_profile"]
    assert all(a["customerId"] == c["id"] for a in by_id)
    token = name.split()[2]  # the unique part, as a substring
    by_name = audit_all(log.admin, _f("CompanyName", token.upper(), "substring"))
    assert [a["id"] for a in by_name] == [a["id"] for a in by_id]
    assert audit_all(log.admin, _f("CompanyName", "no such company " + uuid.uuid4().hex)) == []
    assert audit_all(log.admin, _f("CustomerId", str(uuid.uuid4()))) == []


def test_filter_company_name_unicode_case(log):
    """CompanyName matches without regard to case, for umlauts as for ASCII (as the customer
    list's filter does)."""
    c = log.admin.create_ok(us_body(uniq("audmu"), company="Überseehandel Müller %s" % uuid.uuid4().hex[:6]))
    SECRETS.append(c["userCredentials"]["password"])
    want = [a["id"] for a in audit_all(log.admin, _f("CustomerId", c["id"]))]
    assert len(want) == 1
    for v in ("Müller", "müller", "MÜLLER", "ÜBERSEEHANDEL", "überseehandel"):
        got = [a["id"] for a in audit_all(log.admin, _f("CompanyName", v, "substring"))
               if a.get("customerId") == c["id"]]
        assert got == want, v


@pytest.mark.parametrize("filt", [
    "not json", json.dumps({"Field": "Nope", "Value": "x", "Operator": "equals"}),
    json.dumps({"Field": "OperationType", "Operator": "equals"}), json.dumps([1, 2]),
])
def test_bad_filter_is_400(log, filt):
    r = log.admin.get("/v1/auditrecords?filter=" + urllib.parse.quote(filt))
    j = assert_error(r, 400)
    assert any(d.startswith("filter") for d in j["data"]), j


def test_date_range(log):
    r, rid, cid, t0, t1 = log.call(log.admin, "POST", "/v1/apps", {"displayName": "Dated", "roles": ["sales_agent"]})
    SECRETS.append(r.json["clientSecret"])
    rec = log.one(rid)
    day = rec["operationDate"][:10]
    d = datetime.date.fromisoformat(day)
    prev, nxt = (d - datetime.timedelta(days=1)).isoformat(), (d + datetime.timedelta(days=1)).isoformat()

    def ids(q):
        return [a["id"] for a in audit_all(log.admin, q)]

    assert rec["id"] in ids("&startDate=%s&endDate=%s" % (day, day))
    assert rec["id"] in ids("&startDate=%s" % prev)
    assert rec["id"] in ids("&startDate=%s&endDate=%s" % (prev, nxt))
    assert ids("&startDate=%s" % nxt) == []
    assert rec["id"] not in ids("&endDate=%s" % prev)
    assert ids("&startDate=2001-01-01&endDate=2001-12-31") == []
    # date-times work too
    at = rec["operationDate"]
    assert rec["id"] in ids("&startDate=%s&endDate=%s" % (at, at))
    later = datetime.datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(seconds=2)
    assert rec["id"] not in ids("&startDate=" + later.strftime("%Y-%m-%dT%H:%M:%SZ"))
    # dates combine with a filter
    q = "&startDate=%s&endDate=%s" % (day, day) + _f("OperationType", "create_application")
    assert rec["id"] in ids(q)
    assert all(a["operationType"] == "create_application" for a in audit_all(log.admin, q))


@pytest.mark.parametrize("param,value", [("startDate", "yesterday"), ("startDate", "2026-13-45"),
                                         ("startDate", "2026/01/01"), ("endDate", "soon"),
                                         ("startDate", "2026-01-01Tnoon")])
def test_bad_date_is_400(log, param, value):
    j = assert_error(log.admin.get("/v1/auditrecords?%s=%s" % (param, urllib.parse.quote(value))), 400,
                     field=param)
    assert j["data"] == [param]


def test_paging_returns_every_record_once(log):
    everything = [a["id"] for a in audit_all(log.admin)]
    assert len(everything) >= 10
    paged, pages = [], 0
    hdrs, path = {}, "/v1/auditrecords?size=2"
    while True:
        r = log.admin.get(path, headers=hdrs)
        assert r.status == 200, r
        items = r.json["items"]
        assert len(items) <= 2 and r.json["totalCount"] == len(items)
        paged += [a["id"] for a in items]
        pages += 1
        tok = r.json.get("continuationToken")
        if not tok:
            assert "next" not in r.json["links"]
            break
        nxt = r.json["links"]["next"]
        assert {"key": "MS-ContinuationToken", "value": tok} in nxt["headers"]
        hdrs, path = {"MS-ContinuationToken": tok}, "/v1/auditrecords?size=2&seekOperation=Next"
        assert pages < 10000
    # the log grows while we page (this listing's own reads do not count): a prefix match
    assert len(paged) == len(set(paged))
    assert paged[:len(everything)] == everything
    assert pages >= len(everything) // 2


def test_paging_keeps_the_filter(log):
    q = _f("OperationType", "add_customer")
    want = [a["id"] for a in audit_all(log.admin, q)]
    assert len(want) >= 3
    got = [a["id"] for a in audit_all(log.admin, q, size=1)]
    assert got == want


def test_bad_continuation_token_is_400(log):
    for tok in ("garbage", "eyJ0IjoiYXVkaXQifQ", "x" * 300):
        assert_error(log.admin.get("/v1/auditrecords?size=2&seekOperation=Next",
                                   headers={"MS-ContinuationToken": tok}), 400)
    # a customer-list token is not an audit token
    log.admin.create_ok(cn_body(uniq("audtok")))
    log.admin.create_ok(cn_body(uniq("audtok")))
    tok = log.admin.get("/v1/customers?size=1").json["continuationToken"]
    r = log.admin.get("/v1/auditrecords?size=2&seekOperation=Next", headers={"MS-ContinuationToken": tok})
    assert_error(r, 400)


def test_bad_size_is_400(log):
    for s in ("-1", "501", "x"):
        assert_error(log.admin.get("/v1/auditrecords?size=" + s), 400)


# ---- one record, read-only, per partner --------------------------------------------------------

def test_get_record_errors(log):
    rec = audit_all(log.admin)[0]
    assert log.admin.get("/v1/auditrecords/" + rec["id"]).json == rec
    assert_error(log.other.get("/v1/auditrecords/" + rec["id"]), 404, code=1000)
    assert_error(log.admin.get("/v1/auditrecords/%s" % uuid.uuid4()), 404, code=1000)
    assert_error(log.admin.get("/v1/auditrecords/not-a-uuid"), 400)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "POST"])
def test_records_cannot_be_changed(log, method):
    rec = audit_all(log.admin)[0]
    for path in ("/v1/auditrecords", "/v1/auditrecords/" + rec["id"]):
        body = None if method == "DELETE" else {"operationStatus": "succeeded"}
        r = log.admin.req(method, path, body)
        assert r.status == 405, (method, path, r)
        assert "GET" in (r.h("Allow") or ""), r.headers
    assert log.admin.get("/v1/auditrecords/" + rec["id"]).json == rec


def test_partners_see_only_their_own_records(log):
    mine = audit_all(log.admin)
    theirs = audit_all(log.other)
    assert mine and theirs  # the other partner's admin signed in
    assert all(a["partnerId"] == log.admin.info["partnerId"] for a in mine)
    assert all(a["partnerId"] == log.other.info["partnerId"] for a in theirs)
    assert not ({a["id"] for a in mine} & {a["id"] for a in theirs})
    assert not ({custom(a, "RequestId") for a in mine} & {custom(a, "RequestId") for a in theirs})
    for q in (_f("UserPrincipalName", log.admin.info["userName"]), _f("CustomerId", log.customer["id"]),
              _f("CompanyName", log.company, "substring")):
        assert audit_all(log.other, q) == [], q


def test_every_record_has_the_documented_shape(log):
    for a in audit_all(log.admin):
        assert a["operationStatus"] in ("succeeded", "failed"), a
        assert ISO_Z_RE.match(a["operationDate"]), a
        assert ("userPrincipalName" in a) != ("applicationId" in a), a
        assert isinstance(a["customizedData"], list), a
        assert custom(a, "RequestId"), a
        if a["resourceType"] == "customer" and a["operationStatus"] == "succeeded":
            assert a.get("customerId") and a.get("customerName"), a


# ---- nothing secret in any record or in the log ------------------------------------------------

def test_no_secret_in_records_or_log(log):
    assert len(SECRETS) > 20
    texts = [json.dumps(audit_all(log.admin), ensure_ascii=False),
             json.dumps(audit_all(log.other), ensure_ascii=False), log.server.stderr()]
    for s in SECRETS:
        assert len(s) >= 12, s
        for t in texts:
            assert s not in t, "a secret reached the log or the activity log"
