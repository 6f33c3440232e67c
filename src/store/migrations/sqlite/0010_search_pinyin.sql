-- 0010_search_pinyin: search as Chinese users type (issue 18).  name_key becomes the name's
-- search.h key (NFKC, case folded, Simplified: 臺灣 and 台湾, （北京） and (北京) are one
-- key); the substring index holds each name's search text (the key, its pinyin syllables and
-- initials, the other readings of polyphonic characters); customer_dupkeys holds each
-- customer's normalised name for the duplicate check.  The functions are partnerd's own
-- (store_sqlite.c add_functions), so this runs only inside partnerd.  3.5 s for 100,000
-- customers here, so about half a minute at 1,000,000 (docs/internals/paging.md).
UPDATE customers SET name_key = pd_name_key(company_name) WHERE name_key <> pd_name_key(company_name);

DROP TABLE customer_search;
CREATE VIRTUAL TABLE customer_search USING fts5 (name_key, domain, tokenize = 'trigram');
INSERT INTO customer_search (rowid, name_key, domain)
  SELECT (n.no << 40) | c.seq, pd_search_text(c.company_name),
         substr(c.domain, 1, instr(c.domain || '.', '.') - 1)
  FROM customers c JOIN partner_numbers n USING (partner_id) ORDER BY 1;
INSERT INTO customer_search (customer_search, rank) VALUES ('usermerge', 2);

CREATE TABLE customer_dupkeys (
  partner_id  TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  dup_key     TEXT NOT NULL,
  PRIMARY KEY (partner_id, customer_id)
) WITHOUT ROWID;
INSERT INTO customer_dupkeys (partner_id, customer_id, dup_key)
  SELECT partner_id, customer_id, pd_dup_key(company_name) FROM customers ORDER BY 1, 2;
CREATE INDEX customer_dupkeys_key ON customer_dupkeys (partner_id, dup_key);
