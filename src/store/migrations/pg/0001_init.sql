-- 0001_init (PostgreSQL): the schema of SQLite's migrations 0001-0003 in one step.
-- Same tables, columns and keys; partner_id leads the primary key and every index of
-- partner-owned data, so each table can be distributed by partner_id (Citus) unchanged.
-- Text that is compared or ordered uses COLLATE "C" (byte order of UTF-8, as SQLite's
-- BINARY), so sorting and keyset paging match the SQLite backend exactly.  Substring search
-- uses pg_trgm GIN indexes (btree_gin puts partner_id in front) instead of FTS5.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE TABLE settings (
  name  TEXT COLLATE "C" PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE counters (
  name  TEXT COLLATE "C" PRIMARY KEY,
  value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('customer_seq', 0), ('audit_seq', 0);

CREATE TABLE partners (
  partner_id TEXT COLLATE "C" PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE partner_users (
  partner_id           TEXT COLLATE "C" NOT NULL,
  user_id              TEXT COLLATE "C" NOT NULL,
  email                TEXT NOT NULL,
  email_key            TEXT COLLATE "C" NOT NULL,
  display_name         TEXT,
  password_hash        TEXT NOT NULL,
  roles                TEXT NOT NULL,
  state                TEXT NOT NULL DEFAULT 'active',
  must_change_password INTEGER NOT NULL DEFAULT 0,
  created_at           BIGINT NOT NULL,
  PRIMARY KEY (partner_id, user_id)
);
CREATE UNIQUE INDEX partner_users_email ON partner_users (email_key);

CREATE TABLE tokens (
  digest         BYTEA PRIMARY KEY,
  partner_id     TEXT COLLATE "C" NOT NULL,
  principal_kind TEXT NOT NULL,
  principal_id   TEXT COLLATE "C" NOT NULL,
  roles          TEXT NOT NULL,
  expires_at     BIGINT NOT NULL,
  created_at     BIGINT NOT NULL
);
CREATE INDEX tokens_principal ON tokens (partner_id, principal_id);

CREATE TABLE customers (
  partner_id   TEXT COLLATE "C" NOT NULL,
  customer_id  TEXT COLLATE "C" NOT NULL,
  seq          BIGINT NOT NULL,
  domain       TEXT COLLATE "C" NOT NULL,
  company_name TEXT NOT NULL,
  name_key     TEXT COLLATE "C" NOT NULL,
  regnum       TEXT,
  relationship TEXT NOT NULL DEFAULT 'reseller',
  billing      TEXT NOT NULL,
  etag         TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL,
  PRIMARY KEY (partner_id, customer_id)
);
CREATE UNIQUE INDEX customers_seq ON customers (partner_id, seq);
CREATE INDEX customers_name ON customers (partner_id, name_key, seq);
CREATE INDEX customers_domain ON customers (partner_id, domain, seq);
CREATE INDEX customers_tenant ON customers (customer_id, partner_id);
-- substring search (LIKE '%...%'), exact after the index's recheck
CREATE INDEX customers_name_trgm ON customers USING gin (partner_id, name_key gin_trgm_ops);
CREATE INDEX customers_domain_trgm ON customers USING gin (partner_id, domain gin_trgm_ops);

CREATE TABLE domains (
  domain      TEXT COLLATE "C" PRIMARY KEY,
  partner_id  TEXT COLLATE "C" NOT NULL,
  customer_id TEXT COLLATE "C" NOT NULL
);
CREATE INDEX domains_customer ON domains (customer_id);

CREATE TABLE customer_users (
  partner_id           TEXT COLLATE "C" NOT NULL,
  customer_id          TEXT COLLATE "C" NOT NULL,
  user_id              TEXT COLLATE "C" NOT NULL,
  upn                  TEXT COLLATE "C" NOT NULL,
  display_name         TEXT,
  secret_digest        BYTEA,
  created_at           BIGINT NOT NULL,
  first_name           TEXT,
  last_name            TEXT,
  usage_location       TEXT,
  roles                TEXT NOT NULL DEFAULT 'user',
  state                TEXT NOT NULL DEFAULT 'active',
  password_hash        TEXT,
  must_change_password INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (partner_id, customer_id, user_id)
);
CREATE UNIQUE INDEX customer_users_upn ON customer_users (upn);

CREATE TABLE idempotency (
  partner_id  TEXT COLLATE "C" NOT NULL,
  request_id  TEXT COLLATE "C" NOT NULL,
  resource_id TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  PRIMARY KEY (partner_id, request_id)
);

CREATE TABLE apps (
  partner_id        TEXT COLLATE "C" NOT NULL,
  app_id            TEXT COLLATE "C" NOT NULL,
  display_name      TEXT NOT NULL,
  roles             TEXT NOT NULL,
  secret_digest     BYTEA NOT NULL,
  state             TEXT NOT NULL DEFAULT 'active',
  created_at        BIGINT NOT NULL,
  secret_updated_at BIGINT NOT NULL,
  PRIMARY KEY (partner_id, app_id)
);
CREATE UNIQUE INDEX apps_client ON apps (app_id);

CREATE TABLE audit_records (
  partner_id     TEXT COLLATE "C" NOT NULL,
  seq            BIGINT NOT NULL,
  record_id      TEXT COLLATE "C" NOT NULL,
  created_at     BIGINT NOT NULL,
  operation_type TEXT COLLATE "C" NOT NULL,
  resource_type  TEXT COLLATE "C" NOT NULL,
  resource_id    TEXT,
  customer_id    TEXT COLLATE "C",
  customer_name  TEXT,
  principal_kind TEXT,
  principal_id   TEXT,
  principal_name TEXT,
  outcome        TEXT NOT NULL,
  request_id     TEXT,
  correlation_id TEXT,
  old_value      TEXT,
  new_value      TEXT,
  source_address TEXT,
  -- the search keys of the two names (SQLite computes them with pd_key() in the query)
  principal_key  TEXT COLLATE "C",
  customer_key   TEXT COLLATE "C",
  PRIMARY KEY (partner_id, seq)
);
CREATE UNIQUE INDEX audit_records_id ON audit_records (partner_id, record_id);
CREATE INDEX audit_records_time ON audit_records (partner_id, created_at, seq);

-- Append-only: no statement of partnerd's changes or deletes a record; these make sure.
CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit records are append-only'; END $$;
CREATE TRIGGER audit_records_no_update BEFORE UPDATE OR DELETE ON audit_records
  FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();
CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records
  FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only();

CREATE TABLE orders (
  partner_id  TEXT COLLATE "C" NOT NULL,
  customer_id TEXT COLLATE "C" NOT NULL,
  order_id    TEXT COLLATE "C" NOT NULL,
  created_at  BIGINT NOT NULL,
  PRIMARY KEY (partner_id, customer_id, order_id)
);

CREATE TABLE subscriptions (
  partner_id      TEXT COLLATE "C" NOT NULL,
  customer_id     TEXT COLLATE "C" NOT NULL,
  subscription_id TEXT COLLATE "C" NOT NULL,
  order_id        TEXT COLLATE "C" NOT NULL,
  offer_id        TEXT NOT NULL,
  friendly_name   TEXT NOT NULL,
  quantity        BIGINT NOT NULL,
  status          TEXT NOT NULL,
  suspended_at    BIGINT,
  etag            TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL,
  PRIMARY KEY (partner_id, customer_id, subscription_id)
);

CREATE TABLE invitations (
  partner_id TEXT COLLATE "C" NOT NULL,
  code       TEXT COLLATE "C" NOT NULL,
  state      TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (partner_id, code)
);
CREATE UNIQUE INDEX invitations_code ON invitations (code);
