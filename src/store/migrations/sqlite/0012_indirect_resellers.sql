-- 0012_indirect_resellers (issue 16): two-tier CSP.  An indirect provider (the partner) keeps
-- its indirect resellers, each with its own tenant id, name, MPN id and state ('active' or
-- 'terminated': a relationship that ended stays, so the activity log and old exports still
-- name it).  A customer made for a reseller carries its id (Partner Center's
-- associatedPartnerId); ending the relationship clears it on every customer.  partner_id
-- leads every key, as everywhere.
CREATE TABLE indirect_resellers (
  partner_id  TEXT NOT NULL,
  reseller_id TEXT NOT NULL,
  name        TEXT NOT NULL,
  mpn_id      TEXT NOT NULL,
  location    TEXT,
  state       TEXT NOT NULL DEFAULT 'active',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (partner_id, reseller_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX indirect_resellers_mpn ON indirect_resellers (partner_id, mpn_id);
CREATE INDEX indirect_resellers_created ON indirect_resellers (partner_id, created_at, reseller_id);
ALTER TABLE customers ADD COLUMN associated_partner_id TEXT;
-- the customer list filtered by reseller (IndirectReseller), in the list's seq order
CREATE INDEX customers_reseller ON customers (partner_id, associated_partner_id, seq);
