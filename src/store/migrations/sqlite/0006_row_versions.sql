-- 0006_row_versions: a version on every row that a write phase rewrites whole (partner users,
-- apps, customer users, subscriptions).  A save applies only while the stored version is the
-- one its caller read (UPDATE ... SET ..., version = version + 1 WHERE <key> AND version = ?),
-- so a write prepared from an older read cannot undo a newer write (docs/internals/writes.md).
-- Customers and invitations are changed only by single-column statements (billing under its
-- etag, relationship, revoke-all), never saved whole: they need none.
ALTER TABLE partner_users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE apps ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE customer_users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE subscriptions ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
