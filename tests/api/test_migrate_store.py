"""partnerd migrate-store: a SQLite deployment moved to PostgreSQL with every row intact - row
counts and per-table checksums printed and checked here against the SQLite file itself - and
then served: old tokens, passwords, customers, paging, search and the activity log carry over.
PostgreSQL runs only (PARTNERD_TEST_DB=postgresql)."""
import hashlib
import json
import os
import sqlite3
import subprocess

import pytest

from helpers import (BIN, ON_PG, SLOW, Client, Server, cn_body, drop_pg_db, filt, get_token, new_pg_db,
                     uniq, us_body)

pytestmark = pytest.mark.skipif(not ON_PG, reason="PostgreSQL runs only (PARTNERD_TEST_DB=postgresql)")

# table -> (columns in order, key, blob columns): the definition of the printed checksum
TABLES = {
    "settings": ("name,value", "name", ""),
    "counters": ("name,value", "name", ""),
    "partners": ("partner_id,name,created_at", "partner_id", ""),
    "partner_users": ("partner_id,user_id,email,email_key,display_name,password_hash,roles,state,"
                      "must_change_password,created_at,version", "partner_id,user_id", ""),
    "tokens": ("digest,partner_id,principal_kind,principal_id,roles,expires_at,created_at", "digest", "digest"),
    "customers": ("partner_id,customer_id,seq,domain,company_name,name_key,regnum,relationship,billing,"
                  "etag,created_at,updated_at,associated_partner_id", "partner_id,customer_id", ""),
    "domains": ("domain,partner_id,customer_id", "domain", ""),
    "customer_users": ("partner_id,customer_id,user_id,upn,display_name,secret_digest,created_at,first_name,"
                       "last_name,usage_location,roles,state,password_hash,must_change_password,version",
                       "partner_id,customer_id,user_id", "secret_digest"),
    "idempotency": ("partner_id,request_id,resource_id,created_at,body_digest", "partner_id,request_id", ""),
    "apps": ("partner_id,app_id,display_name,roles,secret_digest,state,created_at,secret_updated_at,version",
             "partner_id,app_id", "secret_digest"),
    "audit_records": ("partner_id,seq,record_id,created_at,operation_type,resource_type,resource_id,"
                      "customer_id,customer_name,principal_kind,principal_id,principal_name,outcome,request_id,"
                      "correlation_id,old_value,new_value,source_address", "partner_id,seq", ""),
    "orders": ("partner_id,customer_id,order_id,created_at,billing_cycle,currency_code", "partner_id,customer_id,order_id", ""),
    "subscriptions": ("partner_id,customer_id,subscription_id,order_id,offer_id,friendly_name,quantity,"
                      "status,suspended_at,etag,created_at,updated_at,version,billing_cycle", "partner_id,customer_id,subscription_id", ""),
    "invitations": ("partner_id,code,state,created_at", "partner_id,code", ""),
    "indirect_resellers": ("partner_id,reseller_id,name,mpn_id,location,state,created_at,updated_at",
                           "partner_id,reseller_id", ""),
    "events": ("partner_id,seq,event_name,resource_uri,resource_name,audit_id,created_at", "partner_id,seq", ""),
    "webhook_registrations": ("partner_id,subscriber_id,url,events,created_at,updated_at,version,feed_cursor,"
                              "lease_owner,lease_until_ms", "partner_id", ""),
    "webhook_deliveries": ("partner_id,seq,subscriber_id,event_name,state,attempts,round_start,next_at_ms,"
                           "created_at,updated_at", "partner_id,seq", ""),
    "webhook_attempts": ("partner_id,seq,n,at_ms,url,status,message,system_error", "partner_id,seq,n", ""),
    "webhook_tests": ("partner_id,correlation_id,seq,created_at", "partner_id,correlation_id", ""),
}


def sqlite_sums(path):
    """Row count and BLAKE2b-256 per table, computed from the SQLite file directly."""
    db = sqlite3.connect(path)
    out = {}
    try:
        for table, (cols, key, blobs) in TABLES.items():
            exprs = ["CASE WHEN %s IS NULL THEN NULL ELSE lower(hex(%s)) END" % (c, c)
                     if c in blobs.split(",") else c for c in cols.split(",")]
            h, n = hashlib.blake2b(digest_size=32), 0
            for row in db.execute("SELECT %s FROM %s ORDER BY %s" % (", ".join(exprs), table, key)):
                n += 1
                for v in row:
                    if v is None:
                        h.update(bytes(9))
                        continue
                    b = str(v).encode("utf-8")
                    h.update(len(b).to_bytes(8, "little") + b"\x01" + b)
            out[table] = (n, h.hexdigest())
    finally:
        db.close()
    return out


def migrate(src, dst):
    return subprocess.run([BIN, "migrate-store", "--from", src, "--to", dst, "--json"], capture_output=True,
                          text=True, timeout=120 * SLOW)


@pytest.fixture
def sqlite_deployment(tmp_path):
    """A SQLite deployment with something in every table; stopped, ready to move."""
    path = str(tmp_path / "old.db")
    s = Server(["--sandbox"], db="sqlite:" + path).start()
    try:
        info = s.add_partner("Moving Co")
        c = Client(s.port, get_token(s.port, info["userName"], info["password"]), info)
        made = [c.create_ok(cn_body(uniq("mv"), company="迁移测试%d有限公司" % i)) for i in range(5)]
        made.append(c.create_ok(us_body(uniq("mv"), company="Straße Moving GmbH")))
        cid = made[0]["id"]
        bill = c.get("/v1/customers/%s/profiles/billing" % cid).json
        bill["companyName"] = "迁移测试（上海）有限公司"
        assert c.req("PUT", "/v1/customers/%s/profiles/billing" % cid, bill).status == 200
        r = c.req("POST", "/v1/customers/%s/orders" % cid, {"lineItems": [{"offerId": "CN-O365-E3", "quantity": 5}]})
        assert r.status == 201, r
        r = c.req("POST", "/v1/customers/%s/users" % cid,
                  {"userPrincipalName": "li@%s" % made[0]["companyProfile"]["domain"],
                   "firstName": "Li", "lastName": "Lei", "displayName": "Li Lei", "usageLocation": "CN"})
        assert r.status == 201, r
        r = c.req("PATCH", "/v1/customers/%s/users/%s" % (cid, r.json["id"]), {"displayName": "李雷"})
        assert r.status == 200, r  # version 2: the copy must keep row versions, not reset them
        assert c.req("POST", "/v1/apps", {"displayName": "ci", "roles": ["admin_agent"]}).status == 201
        assert c.get("/v1/customers/relationshiprequests").status == 200
        r = c.req("POST", "/v1/relationships", {"name": "迁移经销商", "mpnId": "4847383", "location": "CN"})
        assert r.status == 201, r
        c.create_ok(dict(cn_body(uniq("mvr")), associatedPartnerId=r.json["id"]))
        r = c.create(cn_body(uniq("idem")), headers={"MS-RequestId": "11111111-2222-4333-8444-555555555555"})
        assert r.status == 201, r
        r = c.req("POST", "/webhooks/v1/registration", {"WebhookUrl": "https://93.184.216.34/hook",
                                                        "WebhookEvents": ["test-created"]})
        assert r.status == 200, r
        assert c.req("POST", "/webhooks/v1/registration/validationEvents").status == 200  # an event, a test
        before = {"list": [x["id"] for x in c.list_all(size=2)],
                  "audit": c.get("/v1/auditrecords?startDate=2000-01-01").json, "token": c.token,
                  "customer": c.get("/v1/customers/%s" % cid).json}
        s.stop()
        db = sqlite3.connect(path)  # a delivery and its attempt, as the delivery thread records them
        with db:
            sub, seq = db.execute("SELECT w.subscriber_id, t.seq FROM webhook_registrations w"
                                  " JOIN webhook_tests t USING (partner_id)").fetchone()
            db.execute("INSERT OR REPLACE INTO webhook_deliveries VALUES (?, ?, ?, 'test-created', 'pending', 1, 0,"
                       " 5, 1, 2)", (info["partnerId"], seq, sub))
            db.execute("INSERT OR REPLACE INTO webhook_attempts VALUES (?, ?, 1, 7, 'https://93.184.216.34/hook',"
                       " 0, 'Connection refused', 0)", (info["partnerId"], seq))
        db.close()
    finally:
        s.kill()
    yield path, info, before
    s.cleanup()


def test_migrate_store_moves_every_row_and_serves_them(sqlite_deployment):
    path, info, before = sqlite_deployment
    dst = new_pg_db()
    try:
        r = migrate("sqlite:" + path, dst)
        assert r.returncode == 0, r.stderr
        printed = {t["table"]: t for t in json.loads(r.stdout)}
        expected = sqlite_sums(path)
        assert set(printed) == set(expected)
        for table, (n, sumhex) in expected.items():
            assert printed[table]["rows"] == n, (table, printed[table], n)
            assert printed[table]["checksum"] == sumhex, table
            assert printed[table]["match"] is True, table
        db = sqlite3.connect(path)
        assert db.execute("SELECT max(version) FROM customer_users").fetchone()[0] == 2
        db.close()
        for table in ("partners", "partner_users", "tokens", "customers", "domains", "customer_users",
                      "idempotency", "apps", "audit_records", "orders", "subscriptions", "invitations",
                      "indirect_resellers", "events", "webhook_registrations", "webhook_deliveries",
                      "webhook_attempts", "webhook_tests"):
            assert expected[table][0] > 0, "the fixture left %s empty" % table

        s = Server([], db=dst).start()
        try:
            old = Client(s.port, before["token"])
            assert [x["id"] for x in old.list_all(size=2)] == before["list"], "same customers, same order"
            cid = before["customer"]["id"]
            assert old.get("/v1/customers/%s" % cid).json == before["customer"]
            assert old.get("/v1/auditrecords?startDate=2000-01-01").json["totalCount"] == \
                before["audit"]["totalCount"]
            fresh = Client(s.port, get_token(s.port, info["userName"], info["password"]))
            found = fresh.list_all(query="&filter=" + filt("CompanyName", "上海", "substring"))
            assert [x["id"] for x in found] == [cid]
            found = fresh.list_all(query="&filter=" + filt("CompanyName", "STRASSE", "starts_with"))
            assert len(found) == 1
            new = fresh.create_ok(cn_body(uniq("after")))
            assert fresh.list_all()[-1]["id"] == new["id"], "the sequence continues after the copied rows"
            s.stop()
        finally:
            s.cleanup()

        again = migrate("sqlite:" + path, dst)
        assert again.returncode == 2, again
        assert "not empty" in again.stderr
    finally:
        drop_pg_db(dst)


def test_migrate_store_refuses_a_sqlite_target(tmp_path):
    r = subprocess.run([BIN, "migrate-store", "--from", "sqlite:" + str(tmp_path / "a.db"), "--to",
                        "sqlite:" + str(tmp_path / "b.db")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r
    assert "--to" in r.stderr and "postgresql://" in r.stderr, r.stderr
    assert not os.path.exists(str(tmp_path / "nothing"))
