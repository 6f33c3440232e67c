-- Possible duplicates by registration number (issue 18): a create looks up the partner's
-- customers holding the same USCC (or other registration number) before and inside the
-- writer's transaction; without this index that is a scan of the partner's customers.
CREATE INDEX IF NOT EXISTS customers_regnum ON customers (partner_id, regnum) WHERE regnum IS NOT NULL;
