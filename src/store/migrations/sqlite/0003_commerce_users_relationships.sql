-- 0003_commerce_users_relationships: orders and subscriptions, full customer users, and the
-- partners' reseller invitations.

-- Customer users are the tenant's: they live under the partner that created the tenant (its
-- "home", the partner_id of its row in `domains`), whichever partner looks at them.
ALTER TABLE customer_users ADD COLUMN first_name TEXT;
ALTER TABLE customer_users ADD COLUMN last_name TEXT;
ALTER TABLE customer_users ADD COLUMN usage_location TEXT;
ALTER TABLE customer_users ADD COLUMN roles TEXT NOT NULL DEFAULT 'user';
ALTER TABLE customer_users ADD COLUMN state TEXT NOT NULL DEFAULT 'active';
ALTER TABLE customer_users ADD COLUMN password_hash TEXT;
ALTER TABLE customer_users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 1;
-- the admin users made with their customers so far: their generated password's digest
UPDATE customer_users SET roles = 'company_administrator',
  password_hash = '$pd-b2$' || lower(hex(secret_digest)) WHERE secret_digest IS NOT NULL;
CREATE INDEX domains_customer ON domains (customer_id);
-- which partners have an account of a tenant (deployment-wide, like domains)
CREATE INDEX customers_tenant ON customers (customer_id, partner_id);

CREATE TABLE orders (
  partner_id  TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  order_id    TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (partner_id, customer_id, order_id)
) WITHOUT ROWID;

CREATE TABLE subscriptions (
  partner_id      TEXT NOT NULL,
  customer_id     TEXT NOT NULL,
  subscription_id TEXT NOT NULL,
  order_id        TEXT NOT NULL,
  offer_id        TEXT NOT NULL,
  friendly_name   TEXT NOT NULL,
  quantity        INTEGER NOT NULL,
  status          TEXT NOT NULL,          -- active | suspended (deleted is derived: 60 days on)
  suspended_at    INTEGER,
  etag            TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  PRIMARY KEY (partner_id, customer_id, subscription_id)
) WITHOUT ROWID;

CREATE TABLE invitations (
  partner_id TEXT NOT NULL,
  code       TEXT NOT NULL,
  state      TEXT NOT NULL,               -- active | revoked
  created_at INTEGER NOT NULL,
  PRIMARY KEY (partner_id, code)
) WITHOUT ROWID;
-- the acceptance page finds the inviting partner by the code in its URL
CREATE UNIQUE INDEX invitations_code ON invitations (code);
