-- 0007_search_pinyin: search as Chinese users type (issue 18), as SQLite's 0010.  Each row
-- gets its search text (search.h: the name key, its pinyin syllables and initials, the other
-- readings of polyphonic characters) in search_text, which a pg_trgm index serves instead of
-- name_key's; customer_dupkeys holds each customer's normalised name for the duplicate check.
-- The forms are computed in C (OpenCC, the Unihan table): partnerd fills search_text, the new
-- name_key and customer_dupkeys of every row whose search_text is NULL right after migrating,
-- before it serves (store_pg.c backfill_search), in committed batches of 1,000 rows.
ALTER TABLE customers ADD COLUMN search_text TEXT COLLATE "C";
CREATE INDEX customers_unsearched ON customers (partner_id) WHERE search_text IS NULL;
DROP INDEX customers_name_trgm;
CREATE INDEX customers_search_trgm ON customers USING gin (partner_id, search_text gin_trgm_ops);

CREATE TABLE customer_dupkeys (
  partner_id  TEXT COLLATE "C" NOT NULL,
  customer_id TEXT COLLATE "C" NOT NULL,
  dup_key     TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (partner_id, customer_id)
);
CREATE INDEX customer_dupkeys_key ON customer_dupkeys (partner_id, dup_key);
