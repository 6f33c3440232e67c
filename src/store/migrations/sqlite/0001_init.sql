-- 0001_init: partners, their staff and tokens, customers, domains, customer users,
-- idempotency keys and the substring-search index.  partner_id leads every key of
-- partner-owned data.  Three lookups are deployment-wide by nature and keyed by what is
-- looked up: a sign-in e-mail, a token digest and a domain (domains are unique across the
-- deployment); under Citus they become reference tables or are distributed by that key.

CREATE TABLE settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('customer_seq', 0);

CREATE TABLE partners (
  partner_id TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE partner_users (
  partner_id           TEXT NOT NULL,
  user_id              TEXT NOT NULL,
  email                TEXT NOT NULL,
  email_key            TEXT NOT NULL,  -- pd_text_key(email): NFC + case folded
  display_name         TEXT,
  password_hash        TEXT NOT NULL,
  roles                TEXT NOT NULL,
  state                TEXT NOT NULL DEFAULT 'active',
  must_change_password INTEGER NOT NULL DEFAULT 0,
  created_at           INTEGER NOT NULL,
  PRIMARY KEY (partner_id, user_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX partner_users_email ON partner_users (email_key);

CREATE TABLE tokens (
  digest         BLOB PRIMARY KEY,
  partner_id     TEXT NOT NULL,
  principal_kind TEXT NOT NULL,
  principal_id   TEXT NOT NULL,
  roles          TEXT NOT NULL,
  expires_at     INTEGER NOT NULL,
  created_at     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX tokens_principal ON tokens (partner_id, principal_id);

CREATE TABLE customers (
  partner_id   TEXT NOT NULL,
  customer_id  TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  domain       TEXT NOT NULL,
  company_name TEXT NOT NULL,
  name_key     TEXT NOT NULL,
  regnum       TEXT,
  relationship TEXT NOT NULL DEFAULT 'reseller',
  billing      TEXT NOT NULL,
  etag         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (partner_id, customer_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX customers_seq ON customers (partner_id, seq);
CREATE INDEX customers_name ON customers (partner_id, name_key, seq);
CREATE INDEX customers_domain ON customers (partner_id, domain, seq);

CREATE TABLE domains (
  domain      TEXT PRIMARY KEY,
  partner_id  TEXT NOT NULL,
  customer_id TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE customer_users (
  partner_id    TEXT NOT NULL,
  customer_id   TEXT NOT NULL,
  user_id       TEXT NOT NULL,
  upn           TEXT NOT NULL,
  display_name  TEXT,
  secret_digest BLOB,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (partner_id, customer_id, user_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX customer_users_upn ON customer_users (upn);

CREATE TABLE idempotency (
  partner_id  TEXT NOT NULL,
  request_id  TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (partner_id, request_id)
) WITHOUT ROWID;

-- Substring search: trigrams of the search keys, rowid = customers.seq.
CREATE VIRTUAL TABLE customer_search USING fts5 (name_key, domain, tokenize = 'trigram');
