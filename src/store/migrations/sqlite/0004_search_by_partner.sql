-- 0004_search_by_partner: the substring index scoped by partner, without the domains'
-- constant suffix (issue 7).  customer_search's rowid becomes (partner number << 40) | seq:
-- one partner's entries are one rowid range, which FTS5 seeks into and walks in seq order,
-- stopping after a page, instead of matching every partner's rows and filtering them.  Its
-- domain column holds only the domain's first label (the part a customer chose).
CREATE TABLE partner_numbers (
  partner_id TEXT PRIMARY KEY,
  no         INTEGER NOT NULL UNIQUE
) WITHOUT ROWID;
INSERT INTO partner_numbers (partner_id, no)
  SELECT partner_id, row_number() OVER (ORDER BY partner_id)
  FROM (SELECT DISTINCT partner_id FROM customers);

-- The suffixes (all after the first label) of the stored domains.  A domain substring found
-- in one of them cannot be answered from the index, which leaves them out: it is scanned.
CREATE TABLE domain_suffixes (suffix TEXT PRIMARY KEY) WITHOUT ROWID;
INSERT OR IGNORE INTO domain_suffixes (suffix)
  SELECT DISTINCT substr(domain, instr(domain, '.') + 1) FROM customers WHERE instr(domain, '.') > 0;

DROP TABLE customer_search;
CREATE VIRTUAL TABLE customer_search USING fts5 (name_key, domain, tokenize = 'trigram');
INSERT INTO customer_search (rowid, name_key, domain)
  SELECT (n.no << 40) | c.seq, c.name_key, substr(c.domain, 1, instr(c.domain || '.', '.') - 1)
  FROM customers c JOIN partner_numbers n USING (partner_id) ORDER BY 1;
