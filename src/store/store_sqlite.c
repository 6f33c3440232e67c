/* store_sqlite.c - the embedded backend: one SQLite connection per struct store, WAL with
 * synchronous=FULL (a commit is on disk when it returns), numbered migrations applied at
 * open, prepared statements cached per connection.  Owns the SQL; knows nothing of HTTP. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "embed.h"
#include "search.h"
#include "store_impl.h"
#include "text.h"

/* Page cache per connection (the server has one per event loop and the writer's): 16 MiB
 * instead of SQLite's 2 MiB, which made creates re-read index pages through pread (perf:
 * _copy_to_iter among the top kernel symbols); three connections stay far below 100 MiB. */
#define CACHE_KIB "-16384"

enum stmt_id {
	S_SETTING_GET, S_SETTING_PUT, S_PARTNER_INSERT, S_PARTNER_COUNT, S_USER_INSERT,
	S_USER_BY_EMAIL, S_TOKEN_INSERT, S_TOKEN_LOOKUP, S_NEXT_SEQ, S_DOMAIN_INSERT,
	S_CUSTOMER_INSERT, S_SEARCH_INSERT, S_CUSER_INSERT, S_CUSTOMER_GET, S_LIST_ALL, S_LIST_NEWEST,
	S_LIST_NAME_PREFIX, S_LIST_DOMAIN_PREFIX, S_LIST_NAME_FTS, S_LIST_DOMAIN_FTS,
	S_LIST_NAME_FTS_AND, S_LIST_DOMAIN_FTS_AND,
	S_LIST_NAME_SCAN, S_LIST_DOMAIN_SCAN, S_ETAG_GET, S_BILLING_UPDATE, S_SEARCH_UPDATE,
	S_DELETE_CUSTOMER, S_DELETE_DOMAIN, S_DELETE_SEARCH, S_DELETE_CUSERS, S_DOMAIN_TAKEN,
	S_IDEM_GET, S_IDEM_PUT, S_PARTNER_GET, S_USER_GET, S_USER_LIST, S_USER_SAVE, S_USER_DELETE,
	S_USER_COUNT_ROLE, S_APP_INSERT, S_APP_GET, S_APP_BY_CLIENT, S_APP_LIST, S_APP_SAVE,
	S_TOKENS_REVOKE, S_TOKEN_DELETE, S_AUDIT_SEQ, S_AUDIT_INSERT, S_AUDIT_LIST, S_AUDIT_GET,
	S_ORDER_INSERT, S_ORDER_GET, S_ORDER_LIST, S_SUB_INSERT, S_SUB_GET, S_SUB_LIST, S_SUB_LIST_ORDER,
	S_SUB_SAVE, S_CUSER_GET, S_CUSER_LIST,
	S_CUSER_BY_UPN, S_CUSER_SAVE, S_CUSER_DELETE, S_TENANT_HOME, S_SET_RELATIONSHIP,
	S_INVITE_CURRENT, S_INVITE_BY_CODE, S_INVITE_INSERT, S_INVITE_REVOKE, S_TENANT_ACCOUNTS,
	S_DELETE_SUBS, S_DELETE_ORDERS, S_PARTNER_NO_ADD, S_PARTNER_NO, S_SUFFIX_ADD, S_SUFFIX_HAS,
	S_WARM_INSERT, S_TIDY, S_BEGIN_WRITE, S_BEGIN_READ, S_COMMIT, S_ROLLBACK, S_SAVEPOINT,
	S_RELEASE, S_ROLLBACK_TO, S_USER_EXISTS, S_APP_EXISTS, S_SUB_EXISTS, S_CUSER_EXISTS,
	S_RESELLER_INSERT, S_RESELLER_GET, S_RESELLER_LIST, S_RESELLER_END, S_RESELLER_RELEASE,
	S_LIST_RESELLER, S_DUPKEY_PUT, S_DUPKEY_DELETE, S_DUPS_FIND, S_COUNT
};

#define ORDER_COLS "partner_id, customer_id, order_id, billing_cycle, currency_code, created_at"
#define SUB_COLS "partner_id, customer_id, subscription_id, order_id, offer_id, friendly_name, quantity," \
		 " status, suspended_at, etag, created_at, updated_at, version, billing_cycle"
#define CUSER_COLS "partner_id, customer_id, user_id, upn, display_name, first_name, last_name," \
		   " usage_location, roles, state, password_hash, must_change_password, created_at, version"

/* Each row's version comes last (0006): inserts give 1, saves check and increment it. */
#define USER_COLS "partner_id, user_id, email, display_name, password_hash, roles, state," \
		  " must_change_password, created_at, version"
#define APP_COLS "partner_id, app_id, display_name, roles, state, secret_digest, created_at, secret_updated_at," \
		 " version"
#define AUDIT_COLS "partner_id, record_id, seq, created_at, operation_type, resource_type, resource_id," \
		   " customer_id, customer_name, principal_kind, principal_id, principal_name, outcome," \
		   " request_id, correlation_id, old_value, new_value, source_address"

#define CUSTOMER_COLS "customer_id, seq, domain, regnum, relationship, billing, etag, created_at, updated_at," \
		      " associated_partner_id"
#define RESELLER_COLS "partner_id, reseller_id, name, mpn_id, location, state, created_at, updated_at"
#define LIST_TAIL " ORDER BY seq LIMIT ?4"

static const char *const sql_text[S_COUNT] = {
	[S_SETTING_GET] = "SELECT value FROM settings WHERE name = ?1",
	[S_SETTING_PUT] = "INSERT INTO settings (name, value) VALUES (?1, ?2)",
	[S_PARTNER_INSERT] = "INSERT INTO partners (partner_id, name, created_at) VALUES (?1, ?2, ?3)",
	[S_PARTNER_COUNT] = "SELECT count(*) FROM partners",
	[S_PARTNER_GET] = "SELECT partner_id, name, created_at FROM partners WHERE partner_id = ?1",
	[S_USER_INSERT] = "INSERT INTO partner_users (partner_id, user_id, email, email_key, display_name,"
			  " password_hash, roles, state, must_change_password, created_at)"
			  " VALUES (?1, ?2, ?3, ?10, ?4, ?5, ?6, ?7, ?8, ?9)",
	[S_USER_BY_EMAIL] = "SELECT " USER_COLS " FROM partner_users WHERE email_key = ?1",
	[S_USER_GET] = "SELECT " USER_COLS " FROM partner_users WHERE partner_id = ?1 AND user_id = ?2",
	[S_USER_LIST] = "SELECT " USER_COLS ", email_key FROM partner_users WHERE partner_id = ?1 AND email_key > ?2"
			" ORDER BY email_key LIMIT ?3",
	[S_USER_SAVE] = "UPDATE partner_users SET display_name = ?3, roles = ?4, state = ?5, password_hash = ?6,"
			" must_change_password = ?7, version = version + 1 WHERE partner_id = ?1 AND user_id = ?2"
			" AND version = ?8",
	[S_USER_DELETE] = "DELETE FROM partner_users WHERE partner_id = ?1 AND user_id = ?2 AND version = ?3",
	[S_USER_COUNT_ROLE] = "SELECT count(*) FROM partner_users WHERE partner_id = ?1 AND state = 'active'"
			      " AND instr(',' || roles || ',', ',' || ?2 || ',') > 0",
	[S_APP_INSERT] = "INSERT INTO apps (" APP_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1)",
	[S_APP_GET] = "SELECT " APP_COLS " FROM apps WHERE partner_id = ?1 AND app_id = ?2",
	[S_APP_BY_CLIENT] = "SELECT " APP_COLS " FROM apps WHERE app_id = ?1",
	[S_APP_LIST] = "SELECT " APP_COLS " FROM apps WHERE partner_id = ?1 AND (created_at, app_id) > (?2, ?3)"
		       " ORDER BY created_at, app_id LIMIT ?4",
	[S_APP_SAVE] = "UPDATE apps SET display_name = ?3, roles = ?4, state = ?5, secret_digest = ?6,"
		       " secret_updated_at = ?7, version = version + 1 WHERE partner_id = ?1 AND app_id = ?2"
		       " AND version = ?8",
	[S_TOKENS_REVOKE] = "DELETE FROM tokens WHERE partner_id = ?1 AND principal_id = ?2",
	[S_TOKEN_DELETE] = "DELETE FROM tokens WHERE digest = ?1 AND partner_id = ?2",
	[S_AUDIT_SEQ] = "UPDATE counters SET value = value + 1 WHERE name = 'audit_seq' RETURNING value",
	[S_AUDIT_INSERT] = "INSERT INTO audit_records (" AUDIT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
			   " ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
	[S_AUDIT_LIST] = "SELECT " AUDIT_COLS " FROM audit_records WHERE partner_id = ?1 AND seq > ?2"
			 " AND created_at BETWEEN ?3 AND ?4 AND (?5 IS NULL OR operation_type = ?5)"
			 " AND (?6 IS NULL OR resource_type = ?6) AND (?7 IS NULL OR pd_key(principal_name) = pd_key(?7))"
			 " AND (?8 IS NULL OR customer_id = ?8) AND (?9 IS NULL OR instr(pd_key(customer_name), pd_key(?9)) > 0)"
			 " ORDER BY seq LIMIT ?10",
	[S_AUDIT_GET] = "SELECT " AUDIT_COLS " FROM audit_records WHERE partner_id = ?1 AND record_id = ?2",
	[S_TOKEN_INSERT] = "INSERT INTO tokens (digest, partner_id, principal_kind, principal_id, roles,"
			   " expires_at, created_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6, strftime('%s','now')"
			   " WHERE EXISTS (SELECT 1 FROM partner_users WHERE ?3 = 'user' AND partner_id = ?2"
			   " AND user_id = ?4 AND version = ?7) OR EXISTS (SELECT 1 FROM apps WHERE ?3 = 'app'"
			   " AND partner_id = ?2 AND app_id = ?4 AND version = ?7)",
	[S_TOKEN_LOOKUP] = "SELECT t.partner_id, t.principal_kind, t.principal_id, t.expires_at,"
			   " coalesce(u.roles, a.roles), coalesce(u.state, a.state), coalesce(u.email, a.display_name),"
			   " coalesce(u.must_change_password, 0) FROM tokens t"
			   " LEFT JOIN partner_users u ON t.principal_kind = 'user' AND u.partner_id = t.partner_id"
			   " AND u.user_id = t.principal_id"
			   " LEFT JOIN apps a ON t.principal_kind = 'app' AND a.partner_id = t.partner_id"
			   " AND a.app_id = t.principal_id WHERE t.digest = ?1",
	[S_NEXT_SEQ] = "UPDATE counters SET value = value + 1 WHERE name = 'customer_seq' RETURNING value",
	[S_DOMAIN_INSERT] = "INSERT INTO domains (domain, partner_id, customer_id) VALUES (?1, ?2, ?3)",
	[S_CUSTOMER_INSERT] = "INSERT INTO customers (partner_id, customer_id, seq, domain, company_name,"
			      " name_key, regnum, relationship, billing, etag, created_at, updated_at, associated_partner_id)"
			      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12)",
	/* the search index (0004): rowid (partner number << 40) | seq; the domain's first label */
	[S_PARTNER_NO_ADD] = "INSERT OR IGNORE INTO partner_numbers (partner_id, no)"
			     " SELECT ?1, coalesce(max(no), 0) + 1 FROM partner_numbers",
	[S_PARTNER_NO] = "SELECT no FROM partner_numbers WHERE partner_id = ?1",
	[S_SUFFIX_ADD] = "INSERT OR IGNORE INTO domain_suffixes (suffix) SELECT substr(?1, instr(?1, '.') + 1)"
			 " WHERE instr(?1, '.') > 0",
	[S_SUFFIX_HAS] = "SELECT 1 FROM domain_suffixes WHERE instr(suffix, ?1) > 0 LIMIT 1",
	[S_SEARCH_INSERT] = "INSERT INTO customer_search (rowid, name_key, domain) VALUES"
			    " (((SELECT no FROM partner_numbers WHERE partner_id = ?4) << 40) | ?1, ?2,"
			    " substr(?3, 1, instr(?3 || '.', '.') - 1))",
	[S_CUSER_INSERT] = "INSERT INTO customer_users (" CUSER_COLS ") VALUES (?1, ?2, ?3, lower(?4), ?5, ?6, ?7,"
			   " ?8, ?9, ?10, ?11, ?12, ?13, 1)",
	[S_CUSER_GET] = "SELECT " CUSER_COLS " FROM customer_users WHERE partner_id = ?1 AND customer_id = ?2"
			" AND user_id = ?3",
	[S_CUSER_LIST] = "SELECT " CUSER_COLS " FROM customer_users WHERE partner_id = ?1 AND customer_id = ?2"
			 " AND upn > ?3 ORDER BY upn LIMIT ?4",
	[S_CUSER_BY_UPN] = "SELECT " CUSER_COLS " FROM customer_users WHERE upn = lower(?1)",
	[S_CUSER_SAVE] = "UPDATE customer_users SET display_name = ?4, first_name = ?5, last_name = ?6,"
			 " usage_location = ?7, roles = ?8, state = ?9, password_hash = ?10, must_change_password = ?11,"
			 " version = version + 1 WHERE partner_id = ?1 AND customer_id = ?2 AND user_id = ?3"
			 " AND version = ?12",
	[S_CUSER_DELETE] = "DELETE FROM customer_users WHERE partner_id = ?1 AND customer_id = ?2 AND user_id = ?3"
			   " AND version = ?4",
	[S_TENANT_HOME] = "SELECT partner_id FROM domains WHERE customer_id = ?1",
	[S_SET_RELATIONSHIP] = "UPDATE customers SET relationship = ?3, updated_at = ?4 WHERE partner_id = ?1"
			       " AND customer_id = ?2",
	[S_ORDER_INSERT] = "INSERT INTO orders (partner_id, customer_id, order_id, created_at, billing_cycle, currency_code)"
			   " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_ORDER_GET] = "SELECT " ORDER_COLS " FROM orders WHERE partner_id = ?1 AND customer_id = ?2 AND order_id = ?3",
	[S_ORDER_LIST] = "SELECT " ORDER_COLS " FROM orders WHERE partner_id = ?1 AND customer_id = ?2"
			 " AND (created_at, order_id) > (?3, ?4) ORDER BY created_at, order_id LIMIT ?5",
	[S_SUB_LIST_ORDER] = "SELECT " SUB_COLS " FROM subscriptions WHERE partner_id = ?1 AND customer_id = ?2"
			     " AND order_id = ?3 AND (created_at, subscription_id) > (?4, ?5)"
			     " ORDER BY created_at, subscription_id LIMIT ?6",
	[S_SUB_INSERT] = "INSERT INTO subscriptions (" SUB_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
			 " ?11, ?12, 1, ?13)",
	[S_SUB_GET] = "SELECT " SUB_COLS " FROM subscriptions WHERE partner_id = ?1 AND customer_id = ?2"
		      " AND subscription_id = ?3",
	[S_SUB_LIST] = "SELECT " SUB_COLS " FROM subscriptions WHERE partner_id = ?1 AND customer_id = ?2"
		       " AND (created_at, subscription_id) > (?3, ?4) ORDER BY created_at, subscription_id LIMIT ?5",
	[S_SUB_SAVE] = "UPDATE subscriptions SET friendly_name = ?4, quantity = ?5, status = ?6, suspended_at = ?7,"
		       " etag = ?8, updated_at = ?9, version = version + 1 WHERE partner_id = ?1 AND customer_id = ?2"
		       " AND subscription_id = ?3 AND version = ?10",
	[S_INVITE_CURRENT] = "SELECT partner_id, code, state, created_at FROM invitations WHERE partner_id = ?1"
			     " ORDER BY created_at DESC, state = 'active' DESC LIMIT 1",
	[S_INVITE_BY_CODE] = "SELECT partner_id, code, state, created_at FROM invitations WHERE code = ?1",
	[S_INVITE_INSERT] = "INSERT INTO invitations (partner_id, code, state, created_at) VALUES (?1, ?2, ?3, ?4)",
	[S_INVITE_REVOKE] = "UPDATE invitations SET state = 'revoked' WHERE partner_id = ?1 AND state = 'active'",
	[S_CUSTOMER_GET] = "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = ?1 AND customer_id = ?2",
	[S_LIST_ALL] = "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = ?1 AND seq > ?3" LIST_TAIL,
	[S_LIST_NEWEST] = "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = ?1 AND seq < ?3"
			  " ORDER BY seq DESC LIMIT ?4",
	[S_LIST_NAME_PREFIX] = "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = ?1"
			       " AND name_key >= ?2 AND name_key < ?2 || x'ff' AND (name_key, seq) > (?5, ?3)"
			       " ORDER BY name_key, seq LIMIT ?4",
	[S_LIST_DOMAIN_PREFIX] = "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = ?1"
				 " AND domain >= ?2 AND domain < ?2 || x'ff' AND (domain, seq) > (?5, ?3)"
				 " ORDER BY domain, seq LIMIT ?4",
	/* Substring search: the page's seqs straight from the trigram index, inside the partner's
	 * rowid range (?5 = its number) after the last seq, in rowid order, at most a page; only
	 * then the rows.  No other partner's entries and no entry past the page are read. */
	[S_LIST_NAME_FTS] = "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = ?1 AND seq IN"
			    " (SELECT rowid - (?5 << 40) FROM customer_search WHERE customer_search MATCH"
			    " 'name_key : ' || ?2 AND rowid > (?5 << 40) + ?3 AND rowid < ((?5 + 1) << 40)"
			    " ORDER BY rowid LIMIT ?4) ORDER BY seq",
	[S_LIST_DOMAIN_FTS] = "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = ?1 AND seq IN"
			      " (SELECT rowid - (?5 << 40) FROM customer_search WHERE customer_search MATCH"
			      " 'domain : ' || ?2 AND rowid > (?5 << 40) + ?3 AND rowid < ((?5 + 1) << 40)"
			      " ORDER BY rowid LIMIT ?4) ORDER BY seq",
	/* A long substring: the index narrows by two trigrams (?2, an AND), the row's own text
	 * decides (?6: the domain; for names the search text, which holds the pinyin too, against
	 * each of the value's alternatives, search.h).  Joined in index order, so each candidate
	 * costs one customers lookup, which a match needs anyway. */
	[S_LIST_NAME_FTS_AND] = "SELECT c.customer_id, c.seq, c.domain, c.regnum, c.relationship, c.billing,"
				" c.etag, c.created_at, c.updated_at, c.associated_partner_id FROM customer_search s JOIN customers c"
				" ON c.partner_id = ?1 AND c.seq = s.rowid - (?5 << 40) WHERE customer_search MATCH"
				" 'name_key : ' || ?2 AND s.rowid > (?5 << 40) + ?3 AND s.rowid < ((?5 + 1) << 40)"
				" AND pd_contains(s.name_key, ?6) ORDER BY s.rowid LIMIT ?4",
	[S_LIST_DOMAIN_FTS_AND] = "SELECT c.customer_id, c.seq, c.domain, c.regnum, c.relationship, c.billing,"
				  " c.etag, c.created_at, c.updated_at, c.associated_partner_id FROM customer_search s JOIN customers c"
				  " ON c.partner_id = ?1 AND c.seq = s.rowid - (?5 << 40) WHERE customer_search MATCH"
				  " 'domain : ' || ?2 AND s.rowid > (?5 << 40) + ?3 AND s.rowid < ((?5 + 1) << 40)"
				  " AND instr(c.domain, ?6) > 0 ORDER BY s.rowid LIMIT ?4",
	/* 1-2 code points (or an alternative that short): the partner's search texts in rowid
	 * order (FTS5's content table, a rowid range: ~100 bytes a row), each checked against the
	 * alternatives (?2), until a page is full. */
	[S_LIST_NAME_SCAN] = "SELECT c.customer_id, c.seq, c.domain, c.regnum, c.relationship, c.billing,"
			     " c.etag, c.created_at, c.updated_at FROM customer_search s JOIN customers c"
			     " ON c.partner_id = ?1 AND c.seq = s.rowid - (?5 << 40)"
			     " WHERE s.rowid > (?5 << 40) + ?3 AND s.rowid < ((?5 + 1) << 40)"
			     " AND pd_contains(s.name_key, ?2) ORDER BY s.rowid LIMIT ?4",
	[S_LIST_DOMAIN_SCAN] = "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = ?1 AND seq > ?3"
			       " AND instr(domain, ?2) > 0" LIST_TAIL,
	/* One lookup per B-tree a create inserts into at a place its keys choose (random ids,
	 * names, domains); the sequence-ordered ones (customers_seq, the search index, the
	 * activity log) grow at their ends, which stay cached.  created_at is in no index of
	 * customer_users, so that lookup reads its primary key, not customer_users_list. */
	[S_WARM_INSERT] = "SELECT (SELECT 1 FROM customers WHERE partner_id = ?1 AND customer_id = ?2),"
			  " (SELECT 1 FROM customers INDEXED BY customers_tenant WHERE customer_id = ?2),"
			  " (SELECT 1 FROM customers INDEXED BY customers_name WHERE partner_id = ?1"
			  " AND name_key = ?3), (SELECT 1 FROM customers INDEXED BY customers_domain"
			  " WHERE partner_id = ?1 AND domain = ?4), (SELECT 1 FROM domains WHERE domain = ?4),"
			  " (SELECT 1 FROM domains INDEXED BY domains_customer WHERE customer_id = ?2),"
			  " (SELECT created_at FROM customer_users WHERE partner_id = ?1 AND customer_id = ?2),"
			  " (SELECT 1 FROM customer_users INDEXED BY customer_users_list WHERE partner_id = ?1"
			  " AND customer_id = ?2),"
			  " (SELECT 1 FROM customer_users INDEXED BY customer_users_upn WHERE upn = ?5),"
			  " (SELECT 1 FROM idempotency WHERE partner_id = ?1 AND request_id = ?6),"
			  " (SELECT 1 FROM customer_dupkeys WHERE partner_id = ?1 AND customer_id = ?2)",
	[S_TIDY] = "INSERT INTO customer_search (customer_search, rank) VALUES ('merge', 256)",
	/* transaction control, cached like every statement: the writer runs a savepoint per job
	 * and each event loop a read snapshot per request */
	[S_BEGIN_WRITE] = "BEGIN IMMEDIATE",
	[S_BEGIN_READ] = "BEGIN",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SAVEPOINT] = "SAVEPOINT req",
	[S_RELEASE] = "RELEASE req",
	[S_ROLLBACK_TO] = "ROLLBACK TO req",
	/* possible duplicates (0010): one normalised name (search.h pd_dup_key) per customer */
	[S_DUPKEY_PUT] = "INSERT OR REPLACE INTO customer_dupkeys (partner_id, customer_id, dup_key)"
			 " VALUES (?1, ?2, ?3)",
	[S_DUPKEY_DELETE] = "DELETE FROM customer_dupkeys WHERE partner_id = ?1 AND customer_id = ?2",
	/* ?3, a registration number, also finds the partner's customers that have it (no index
	 * yet: the USCC work adds one when it passes the number) */
	[S_DUPS_FIND] = "SELECT customer_id FROM customer_dupkeys WHERE partner_id = ?1 AND dup_key = ?2"
			" UNION SELECT customer_id FROM customers WHERE ?3 IS NOT NULL AND partner_id = ?1"
			" AND regnum = ?3 ORDER BY 1 LIMIT ?4",
	[S_ETAG_GET] = "SELECT etag, seq FROM customers WHERE partner_id = ?1 AND customer_id = ?2",
	[S_BILLING_UPDATE] = "UPDATE customers SET billing = ?3, company_name = ?4, name_key = ?5, etag = ?6,"
			     " updated_at = ?7 WHERE partner_id = ?1 AND customer_id = ?2",
	[S_SEARCH_UPDATE] = "UPDATE customer_search SET name_key = ?2 WHERE rowid ="
			    " ((SELECT no FROM partner_numbers WHERE partner_id = ?3) << 40) | ?1",
	[S_DELETE_CUSTOMER] = "DELETE FROM customers WHERE partner_id = ?1 AND customer_id = ?2 RETURNING seq, domain",
	[S_DELETE_DOMAIN] = "DELETE FROM domains WHERE domain = ?1",
	[S_DELETE_SEARCH] = "DELETE FROM customer_search WHERE rowid ="
			    " ((SELECT no FROM partner_numbers WHERE partner_id = ?2) << 40) | ?1",
	[S_DELETE_CUSERS] = "DELETE FROM customer_users WHERE partner_id = ?1 AND customer_id = ?2",
	[S_DELETE_SUBS] = "DELETE FROM subscriptions WHERE partner_id = ?1 AND customer_id = ?2",
	[S_DELETE_ORDERS] = "DELETE FROM orders WHERE partner_id = ?1 AND customer_id = ?2",
	[S_TENANT_ACCOUNTS] = "SELECT count(*) FROM customers WHERE customer_id = ?1 AND partner_id <> ?2",
	[S_DOMAIN_TAKEN] = "SELECT 1 FROM domains WHERE domain = lower(?1)",
	[S_IDEM_GET] = "SELECT resource_id, body_digest FROM idempotency WHERE partner_id = ?1 AND request_id = ?2",
	[S_IDEM_PUT] = "INSERT INTO idempotency (partner_id, request_id, resource_id, created_at, body_digest)"
		       " VALUES (?1, ?2, ?3, ?4, ?5)",
	/* after a versioned save or delete changed nothing: is the row there (at another version)? */
	[S_USER_EXISTS] = "SELECT 1 FROM partner_users WHERE partner_id = ?1 AND user_id = ?2",
	[S_APP_EXISTS] = "SELECT 1 FROM apps WHERE partner_id = ?1 AND app_id = ?2",
	[S_SUB_EXISTS] = "SELECT 1 FROM subscriptions WHERE partner_id = ?1 AND customer_id = ?2"
			 " AND subscription_id = ?3",
	[S_CUSER_EXISTS] = "SELECT 1 FROM customer_users WHERE partner_id = ?1 AND customer_id = ?2"
			   " AND user_id = ?3",
	/* indirect resellers (0012) */
	[S_RESELLER_INSERT] = "INSERT INTO indirect_resellers (" RESELLER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
			      " ?7, ?8)",
	[S_RESELLER_GET] = "SELECT " RESELLER_COLS " FROM indirect_resellers WHERE partner_id = ?1 AND reseller_id = ?2",
	[S_RESELLER_LIST] = "SELECT " RESELLER_COLS " FROM indirect_resellers WHERE partner_id = ?1"
			    " AND (created_at, reseller_id) > (?2, ?3) ORDER BY created_at, reseller_id LIMIT ?4",
	[S_RESELLER_END] = "UPDATE indirect_resellers SET state = 'terminated', updated_at = ?3 WHERE partner_id = ?1"
			   " AND reseller_id = ?2 AND state = 'active'",
	[S_RESELLER_RELEASE] = "UPDATE customers SET associated_partner_id = NULL, updated_at = ?3 WHERE partner_id = ?1"
			       " AND associated_partner_id = ?2 RETURNING " CUSTOMER_COLS,
	[S_LIST_RESELLER] = "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = ?1"
			    " AND associated_partner_id = ?2 AND seq > ?3" LIST_TAIL,
};

struct sq {
	struct store base;
	sqlite3 *db;
	sqlite3_stmt *stmt[S_COUNT];
};

static struct sq *SQ(struct store *st)
{
	return (struct sq *)st;
}

static enum pd_err map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK: case SQLITE_DONE: case SQLITE_ROW: return PD_OK;
	case SQLITE_CONSTRAINT: return PD_ECONFLICT;
	case SQLITE_FULL: case SQLITE_IOERR: case SQLITE_READONLY: case SQLITE_CANTOPEN: return PD_EIO;
	case SQLITE_BUSY: case SQLITE_LOCKED: return PD_EBUSY;
	case SQLITE_NOMEM: return PD_ENOMEM;
	default: return PD_EINTERNAL;
	}
}

/* The cached statement `id`, reset and with its bindings cleared; NULL on failure. */
static sqlite3_stmt *stmt(struct sq *s, enum stmt_id id)
{
	sqlite3_stmt *q = s->stmt[id];
	if (!q) {
		if (sqlite3_prepare_v3(s->db, sql_text[id], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[id], NULL) != SQLITE_OK) {
			fprintf(stderr, "store: prepare failed: %s\n", sqlite3_errmsg(s->db));
			return NULL;
		}
		return s->stmt[id];
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return q;
}

static void text(sqlite3_stmt *q, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

/* Steps a statement that returns no rows (or ignores them); resets it. */
static enum pd_err run(sqlite3_stmt *q)
{
	if (!q)
		return PD_EINTERNAL;
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? PD_OK : map_rc(rc);
}

static const char *col(sqlite3_stmt *q, int i, struct pd_arena *ar)
{
	return pd_strdup(ar, (const char *)sqlite3_column_text(q, i));
}

typedef void (*row_reader)(sqlite3_stmt *, void *row, struct pd_arena *);

/* Steps a statement expected to return at most one row, read by `read`; resets it. */
static enum pd_err one(sqlite3_stmt *q, row_reader read, void *row, struct pd_arena *ar)
{
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		read(q, row, ar);
	sqlite3_reset(q);
	return rc == SQLITE_ROW ? PD_OK : rc == SQLITE_DONE ? PD_ENOTFOUND : map_rc(rc);
}

/* Steps q, reading at most `max` rows of `size` bytes with `read` into a new arena array;
 * resets it.  Lists bound their statements with LIMIT max (a page and one more row). */
static enum pd_err page_rows(sqlite3_stmt *q, size_t size, int max, row_reader read, void **rows,
			     size_t *n, struct pd_arena *ar)
{
	char *buf = pd_alloc(ar, size * (size_t)(max > 0 ? max : 1));
	int rc = SQLITE_DONE;
	*n = 0;
	while (*n < (size_t)max && (rc = sqlite3_step(q)) == SQLITE_ROW)
		read(q, buf + size * (*n)++, ar);
	if (rc == SQLITE_ROW)
		rc = SQLITE_DONE; /* stopped at max */
	sqlite3_reset(q);
	*rows = buf;
	return rc == SQLITE_DONE ? PD_OK : map_rc(rc);
}

/* Binds a keyset position (created_at, id) at i and i + 1: before every row when NULL. */
static void bind_after(sqlite3_stmt *q, int i, const struct pd_after *after)
{
	sqlite3_bind_int64(q, i, after ? after->created : INT64_MIN);
	text(q, i + 1, after && after->id ? after->id : "");
}

static enum pd_err exec(struct sq *s, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fprintf(stderr, "store: %s\n", msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return map_rc(rc);
}

/* One cached statement that returns no rows (transaction control, upkeep). */
static enum pd_err step_once(struct store *st, int id)
{
	struct sq *s = SQ(st);
	sqlite3_stmt *q = stmt(s, id);
	if (!q)
		return PD_EINTERNAL;
	int rc = sqlite3_step(q);
	if (rc != SQLITE_DONE)
		fprintf(stderr, "store: %s\n", sqlite3_errmsg(s->db));
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? PD_OK : map_rc(rc);
}

static enum pd_err sq_begin(struct store *st) { return step_once(st, S_BEGIN_WRITE); }
static enum pd_err sq_commit(struct store *st) { return step_once(st, S_COMMIT); }
static enum pd_err sq_rollback(struct store *st) { return step_once(st, S_ROLLBACK); }
static enum pd_err sq_savepoint(struct store *st) { return step_once(st, S_SAVEPOINT); }
static enum pd_err sq_release(struct store *st) { return step_once(st, S_RELEASE); }
static enum pd_err sq_read_begin(struct store *st) { return step_once(st, S_BEGIN_READ); }

static void sq_read_end(struct store *st)
{
	if (sq_commit(st) != PD_OK)
		sq_rollback(st);
}

/* FTS5's own measure of progress: a 'merge' that changed fewer than two rows did nothing. */
static enum pd_err sq_tidy(struct store *st, bool *more)
{
	struct sq *s = SQ(st);
	int before = sqlite3_total_changes(s->db);
	enum pd_err e = step_once(st, S_TIDY);
	*more = e == PD_OK && sqlite3_total_changes(s->db) - before >= 2;
	return e;
}

static enum pd_err sq_rollback_to(struct store *st)
{
	enum pd_err e = step_once(st, S_ROLLBACK_TO);
	return e == PD_OK ? sq_release(st) : e;
}

static void sq_close(struct store *st)
{
	struct sq *s = SQ(st);
	if (!s)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_close(s->db);
	free(s);
}

static enum pd_err sq_setting_get(struct store *st, const char *name, char **value,
				  struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_SETTING_GET);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, name);
	int rc = sqlite3_step(q);
	enum pd_err e = rc == SQLITE_ROW ? PD_OK : rc == SQLITE_DONE ? PD_ENOTFOUND : map_rc(rc);
	if (e == PD_OK)
		*value = (char *)col(q, 0, ar);
	sqlite3_reset(q);
	return e;
}

static enum pd_err sq_setting_put(struct store *st, const char *name, const char *value)
{
	sqlite3_stmt *q = stmt(SQ(st), S_SETTING_PUT);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, name);
	text(q, 2, value);
	return run(q);
}

static enum pd_err sq_partner_insert(struct store *st, const struct pd_partner *p)
{
	sqlite3_stmt *q = stmt(SQ(st), S_PARTNER_INSERT);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, p->id);
	text(q, 2, p->name);
	sqlite3_bind_int64(q, 3, p->created);
	return run(q);
}

static enum pd_err sq_partner_count(struct store *st, long long *n)
{
	sqlite3_stmt *q = stmt(SQ(st), S_PARTNER_COUNT);
	if (!q)
		return PD_EINTERNAL;
	int rc = sqlite3_step(q);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q);
	return rc == SQLITE_ROW ? PD_OK : map_rc(rc);
}

static enum pd_err sq_partner_get(struct store *st, const char *id, struct pd_partner *p,
				  struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_PARTNER_GET);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*p = (struct pd_partner){col(q, 0, ar), col(q, 1, ar), sqlite3_column_int64(q, 2)};
	sqlite3_reset(q);
	return rc == SQLITE_ROW ? PD_OK : rc == SQLITE_DONE ? PD_ENOTFOUND : map_rc(rc);
}

static enum pd_err sq_user_insert(struct store *st, const struct pd_user *u)
{
	sqlite3_stmt *q = stmt(SQ(st), S_USER_INSERT);
	struct pd_arena *ar = pd_arena_new();
	const char *key = pd_text_key(ar, u->email);
	if (!q || !key) {
		pd_arena_free(ar);
		return q ? PD_EINVAL : PD_EINTERNAL;
	}
	text(q, 10, key);
	text(q, 1, u->partner_id);
	text(q, 2, u->id);
	text(q, 3, u->email);
	text(q, 4, u->display_name);
	text(q, 5, u->password_hash);
	text(q, 6, u->roles);
	text(q, 7, u->state ? u->state : "active");
	sqlite3_bind_int(q, 8, u->must_change_password);
	sqlite3_bind_int64(q, 9, u->created);
	enum pd_err e = run(q);
	pd_arena_free(ar);
	return e;
}

static void read_user(sqlite3_stmt *q, void *row, struct pd_arena *ar)
{
	struct pd_user *u = row;
	*u = (struct pd_user){.partner_id = col(q, 0, ar), .id = col(q, 1, ar), .email = col(q, 2, ar),
			      .display_name = col(q, 3, ar), .password_hash = col(q, 4, ar),
			      .roles = col(q, 5, ar), .state = col(q, 6, ar),
			      .must_change_password = sqlite3_column_int(q, 7) != 0,
			      .created = sqlite3_column_int64(q, 8), .version = sqlite3_column_int64(q, 9)};
}

static enum pd_err sq_user_by_email(struct store *st, const char *email, struct pd_user *u,
				    struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_USER_BY_EMAIL);
	const char *key = pd_text_key(ar, email);
	if (!q || !key)
		return q ? PD_ENOTFOUND : PD_EINTERNAL;
	text(q, 1, key);
	return one(q, read_user, u, ar);
}

static enum pd_err sq_user_get(struct store *st, const char *partner, const char *id,
			       struct pd_user *u, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_USER_GET);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, id);
	return one(q, read_user, u, ar);
}

static enum pd_err sq_user_list(struct store *st, const char *partner, const char *after, int size,
				struct pd_user **rows, size_t *n, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_USER_LIST);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, after ? after : "");
	sqlite3_bind_int(q, 3, size + 1);
	*rows = pd_alloc(ar, sizeof **rows * (size_t)(size + 1));
	*n = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < (size_t)size + 1)
		read_user(q, &(*rows)[(*n)++], ar);
	sqlite3_reset(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? PD_OK : map_rc(rc);
}

/* The outcome of a versioned UPDATE or DELETE `e`: PD_OK if it changed its row (and then
 * *version + 1 when `version` is given), else PD_ECHANGED if the row with these text keys is
 * there at another version (`exists` selects it), PD_ENOTFOUND if it is gone. */
static enum pd_err versioned(struct store *st, enum pd_err e, enum stmt_id exists,
			     const char *const *keys, int nkeys, long long *version)
{
	if (e != PD_OK)
		return e;
	if (sqlite3_changes(SQ(st)->db) > 0) {
		if (version)
			++*version;
		return PD_OK;
	}
	sqlite3_stmt *q = stmt(SQ(st), exists);
	if (!q)
		return PD_EINTERNAL;
	for (int i = 0; i < nkeys; i++)
		text(q, i + 1, keys[i]);
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	return rc == SQLITE_ROW ? PD_ECHANGED : rc == SQLITE_DONE ? PD_ENOTFOUND : map_rc(rc);
}

static enum pd_err sq_user_save(struct store *st, struct pd_user *u)
{
	sqlite3_stmt *q = stmt(SQ(st), S_USER_SAVE);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, u->partner_id);
	text(q, 2, u->id);
	text(q, 3, u->display_name);
	text(q, 4, u->roles);
	text(q, 5, u->state);
	text(q, 6, u->password_hash);
	sqlite3_bind_int(q, 7, u->must_change_password);
	sqlite3_bind_int64(q, 8, u->version);
	const char *keys[] = {u->partner_id, u->id};
	return versioned(st, run(q), S_USER_EXISTS, keys, 2, &u->version);
}

static enum pd_err by_partner_and_id(struct store *st, enum stmt_id id, const char *partner,
				     const char *key)
{
	sqlite3_stmt *q = stmt(SQ(st), id);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, key);
	return run(q);
}

static enum pd_err sq_user_delete(struct store *st, const char *partner, const char *id,
				  long long version)
{
	sqlite3_stmt *q = stmt(SQ(st), S_USER_DELETE);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, id);
	sqlite3_bind_int64(q, 3, version);
	const char *keys[] = {partner, id};
	return versioned(st, run(q), S_USER_EXISTS, keys, 2, NULL);
}

static enum pd_err sq_tokens_revoke(struct store *st, const char *partner, const char *principal)
{
	return by_partner_and_id(st, S_TOKENS_REVOKE, partner, principal);
}

static enum pd_err sq_user_count_role(struct store *st, const char *partner, const char *role,
				      long long *n)
{
	sqlite3_stmt *q = stmt(SQ(st), S_USER_COUNT_ROLE);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, role);
	int rc = sqlite3_step(q);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q);
	return rc == SQLITE_ROW ? PD_OK : map_rc(rc);
}

static enum pd_err sq_token_delete(struct store *st, const char *partner,
				   const unsigned char digest[PD_DIGEST_LEN])
{
	sqlite3_stmt *q = stmt(SQ(st), S_TOKEN_DELETE);
	if (!q)
		return PD_EINTERNAL;
	sqlite3_bind_blob(q, 1, digest, PD_DIGEST_LEN, SQLITE_STATIC);
	text(q, 2, partner);
	return run(q);
}

static enum pd_err sq_token_insert(struct store *st, const struct pd_token *t)
{
	sqlite3_stmt *q = stmt(SQ(st), S_TOKEN_INSERT);
	if (!q)
		return PD_EINTERNAL;
	sqlite3_bind_blob(q, 1, t->digest, PD_DIGEST_LEN, SQLITE_STATIC);
	text(q, 2, t->partner_id);
	text(q, 3, t->principal_kind);
	text(q, 4, t->principal_id);
	text(q, 5, t->roles);
	sqlite3_bind_int64(q, 6, t->expires);
	sqlite3_bind_int64(q, 7, t->principal_version);
	const char *keys[] = {t->partner_id, t->principal_id};
	bool app = t->principal_kind && !strcmp(t->principal_kind, "app");
	return versioned(st, run(q), app ? S_APP_EXISTS : S_USER_EXISTS, keys, 2, NULL);
}

static enum pd_err sq_token_lookup(struct store *st, const unsigned char digest[PD_DIGEST_LEN],
				   struct pd_token *t, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_TOKEN_LOOKUP);
	if (!q)
		return PD_EINTERNAL;
	sqlite3_bind_blob(q, 1, digest, PD_DIGEST_LEN, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		memcpy(t->digest, digest, PD_DIGEST_LEN);
		t->partner_id = col(q, 0, ar);
		t->principal_kind = col(q, 1, ar);
		t->principal_id = col(q, 2, ar);
		t->expires = sqlite3_column_int64(q, 3);
		t->roles = col(q, 4, ar);
		t->state = col(q, 5, ar);
		t->principal_name = col(q, 6, ar);
		t->must_change_password = sqlite3_column_int(q, 7) != 0;
	}
	sqlite3_reset(q);
	return rc == SQLITE_ROW ? PD_OK : rc == SQLITE_DONE ? PD_ENOTFOUND : map_rc(rc);
}

static enum pd_err counter_next(struct sq *s, enum stmt_id id, long long *v)
{
	sqlite3_stmt *q = stmt(s, id);
	if (!q)
		return PD_EINTERNAL;
	int rc = sqlite3_step(q);
	*v = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q);
	return rc == SQLITE_ROW ? PD_OK : map_rc(rc);
}

static enum pd_err next_seq(struct sq *s, long long *seq)
{
	return counter_next(s, S_NEXT_SEQ, seq);
}

static enum pd_err insert_domain(struct sq *s, const char *partner, const struct pd_customer *c)
{
	sqlite3_stmt *q = stmt(s, S_DOMAIN_INSERT);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, c->domain);
	text(q, 2, partner);
	text(q, 3, c->id);
	return run(q);
}

static enum pd_err insert_row(struct sq *s, const char *partner, const struct pd_customer *c,
			      const char *name_key)
{
	sqlite3_stmt *q = stmt(s, S_CUSTOMER_INSERT);
	if (!q)
		return PD_EINTERNAL;
	char *billing = store_billing_text(&c->billing);
	text(q, 1, partner);
	text(q, 2, c->id);
	sqlite3_bind_int64(q, 3, c->seq);
	text(q, 4, c->domain);
	text(q, 5, c->billing.company_name);
	text(q, 6, name_key);
	text(q, 7, c->regnum);
	text(q, 8, c->relationship ? c->relationship : "reseller");
	text(q, 9, billing);
	text(q, 10, c->billing.etag);
	sqlite3_bind_int64(q, 11, c->created);
	text(q, 12, c->associated_partner_id);
	enum pd_err e = run(q);
	free(billing);
	return e;
}

static enum pd_err with_text(struct sq *s, enum stmt_id id, const char *v)
{
	sqlite3_stmt *q = stmt(s, id);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, v);
	return run(q);
}

/* The customer's normalised name for the duplicate check (0010), replacing any earlier one. */
static enum pd_err put_dupkey(struct sq *s, const char *partner, const char *id, const char *dup)
{
	sqlite3_stmt *q = stmt(s, S_DUPKEY_PUT);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, id);
	text(q, 3, dup);
	return run(q);
}

/* The row's search entry (its search text, search.h), after giving the partner its number and
 * noting the domain's suffix (both once: INSERT OR IGNORE); and its duplicate key. */
static enum pd_err insert_search(struct sq *s, const char *partner, const struct pd_customer *c,
				 const struct pd_name_forms *f)
{
	enum pd_err e = put_dupkey(s, partner, c->id, f->dup);
	if (e == PD_OK)
		e = with_text(s, S_PARTNER_NO_ADD, partner);
	if (e == PD_OK)
		e = with_text(s, S_SUFFIX_ADD, c->domain);
	sqlite3_stmt *q = e == PD_OK ? stmt(s, S_SEARCH_INSERT) : NULL;
	if (!q)
		return e == PD_OK ? PD_EINTERNAL : e;
	sqlite3_bind_int64(q, 1, c->seq);
	text(q, 2, f->search);
	text(q, 3, c->domain);
	text(q, 4, partner);
	return run(q);
}

static void bind_cuser(sqlite3_stmt *q, const struct pd_customer_user *u)
{
	const char *t[] = {u->partner_id, u->customer_id, u->id, u->upn, u->display_name, u->first_name,
			   u->last_name, u->usage_location, u->roles ? u->roles : "user",
			   u->state ? u->state : "active", u->password_hash};
	for (int i = 0; i < 11; i++)
		text(q, i + 1, t[i]);
	sqlite3_bind_int(q, 12, u->must_change_password);
	sqlite3_bind_int64(q, 13, u->created);
}

static enum pd_err insert_cuser(struct sq *s, const struct pd_customer_user *u)
{
	sqlite3_stmt *q = stmt(s, S_CUSER_INSERT);
	if (!q)
		return PD_EINTERNAL;
	bind_cuser(q, u);
	return run(q);
}

static enum pd_err sq_customer_insert(struct store *st, const char *partner,
				      struct pd_customer *c, const struct pd_customer_user *admin)
{
	struct sq *s = SQ(st);
	struct pd_arena *ar = pd_arena_new();
	struct pd_name_forms f;
	enum pd_err e = pd_name_forms(ar, c->billing.company_name, &f) ? insert_domain(s, partner, c) : PD_EINVAL;
	if (e == PD_OK)
		e = next_seq(s, &c->seq);
	if (e == PD_OK)
		e = insert_row(s, partner, c, f.key);
	if (e == PD_OK)
		e = insert_search(s, partner, c, &f);
	if (e == PD_OK && admin)
		e = insert_cuser(s, admin);
	pd_arena_free(ar);
	return e;
}

static enum pd_err sq_warm_insert(struct store *st, const char *partner, const struct pd_customer *c,
				  const struct pd_customer_user *admin, const char *request_id)
{
	sqlite3_stmt *q = stmt(SQ(st), S_WARM_INSERT);
	struct pd_arena *ar = pd_arena_new();
	const char *name_key = pd_name_key(ar, c->billing.company_name);
	enum pd_err e = !q ? PD_EINTERNAL : !name_key ? PD_EINVAL : PD_OK;
	if (e == PD_OK) {
		text(q, 1, partner);
		text(q, 2, c->id);
		text(q, 3, name_key);
		text(q, 4, c->domain);
		text(q, 5, admin ? admin->upn : NULL);
		text(q, 6, request_id);
		int rc = sqlite3_step(q);
		e = rc == SQLITE_ROW ? PD_OK : map_rc(rc);
		sqlite3_reset(q);
	}
	pd_arena_free(ar);
	return e;
}

/* Fills c from a row of CUSTOMER_COLS. */
static enum pd_err read_customer(sqlite3_stmt *q, struct pd_customer *c, struct pd_arena *ar)
{
	memset(c, 0, sizeof *c);
	c->id = col(q, 0, ar);
	c->seq = sqlite3_column_int64(q, 1);
	c->domain = col(q, 2, ar);
	c->regnum = col(q, 3, ar);
	c->relationship = col(q, 4, ar);
	enum pd_err e = store_billing_parse((const char *)sqlite3_column_text(q, 5), &c->billing, ar);
	c->billing.etag = col(q, 6, ar);
	c->created = sqlite3_column_int64(q, 7);
	c->updated = sqlite3_column_int64(q, 8);
	c->associated_partner_id = col(q, 9, ar);
	c->admin_user = pd_printf(ar, "admin@%s", c->domain);
	return e;
}

static enum pd_err sq_customer_get(struct store *st, const char *partner, const char *id,
				   struct pd_customer *c, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_CUSTOMER_GET);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, id);
	int rc = sqlite3_step(q);
	enum pd_err e = rc == SQLITE_ROW ? read_customer(q, c, ar)
					 : rc == SQLITE_DONE ? PD_ENOTFOUND : map_rc(rc);
	sqlite3_reset(q);
	return e;
}

/* A quoted FTS5 term of the n bytes at v, inner quotes doubled, appended at o. */
static char *fts_term(char *o, const char *v, size_t n)
{
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '"')
			*o++ = '"';
		*o++ = v[i];
	}
	*o++ = '"';
	return o;
}

/* A quoted FTS5 phrase for a substring: "..." with inner quotes doubled. */
static char *fts_phrase(const char *v, struct pd_arena *ar)
{
	size_t n = strlen(v);
	char *out = pd_alloc(ar, 2 * n + 3);
	*fts_term(out, v, n) = 0;
	return out;
}

/* Code points from which a long substring is searched as an AND of trigrams (see
 * S_LIST_NAME_FTS_AND); shorter ones stay phrases (measured: 4-5 code points are cheaper as
 * a phrase, 15 are twice as expensive). */
#define FTS_AND_MIN 8

/* The FTS5 AND of v's first and last trigrams: every row holding v holds both, and the row's
 * own text decides (instr).  More trigrams cost more than they save: FTS5 seeks every term's
 * postings for each candidate, so a page for MÜLLER LOGISTIK over 500,000 names took 0.52 ms
 * in SQLite with its five non-overlapping trigrams and 0.33 ms with two (1,000,000-customer
 * bench store).  v has at least FTS_AND_MIN code points. */
static char *fts_trigrams(const char *v, struct pd_arena *ar)
{
	size_t n = strlen(v), ends[3] = {0}, k = 0, last = n;
	for (size_t i = 1; i < n && k < 3; i++) /* the end of the first three code points */
		if (((unsigned char)v[i] & 0xc0) != 0x80)
			ends[k++] = i;
	for (int cps = 0; last > 0 && cps < 3;) /* the start of the last three */
		if (((unsigned char)v[--last] & 0xc0) != 0x80)
			cps++;
	char *out = pd_alloc(ar, 2 * n + 16), *o = out;
	*o++ = '(';
	o = fts_term(o, v, ends[2]);
	memcpy(o, " AND ", 5);
	o = fts_term(o + 5, v + last, n - last);
	*o++ = ')';
	*o = 0;
	return out;
}

/* The partner's number in the search index (0004), 0 when it has no entry yet. */
static enum pd_err partner_no(struct sq *s, const char *partner, long long *no)
{
	sqlite3_stmt *q = stmt(s, S_PARTNER_NO);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	int rc = sqlite3_step(q);
	*no = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? PD_OK : map_rc(rc);
}

/* Whether the index can answer a domain substring: it holds only first labels (letters and
 * digits), so a value with any other character, or one found inside a stored suffix, is not. */
static enum pd_err domain_indexable(struct sq *s, const char *v, bool *ok)
{
	for (const char *p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))) {
			*ok = false;
			return PD_OK;
		}
	sqlite3_stmt *q = stmt(s, S_SUFFIX_HAS);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, v);
	int rc = sqlite3_step(q);
	*ok = rc == SQLITE_DONE;
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? PD_OK : map_rc(rc);
}

/* A CompanyName substring: the value's alternatives (search.h) as one FTS5 expression, OR of
 * a phrase each (an AND of two trigrams for a long one), or the scan when one is shorter than
 * a trigram.  *check: the alternatives joined, for the row's own text. */
static enum stmt_id name_substring(const char *key, const char **match, const char **check,
				   struct pd_arena *ar)
{
	const char *t[PD_SEARCH_TERMS];
	int n = pd_search_terms(ar, key, t);
	bool is_long = false;
	*check = pd_search_join(ar, t, n);
	for (int i = 0; i < n; i++) {
		long len = pd_utf8_len(t[i]);
		if (len < 3)
			return S_LIST_NAME_SCAN;
		is_long |= len >= FTS_AND_MIN;
	}
	const char *expr = n > 1 ? "(" : "";
	for (int i = 0; i < n; i++)
		expr = pd_printf(ar, "%s%s%s", expr, i ? " OR " : "",
				 pd_utf8_len(t[i]) >= FTS_AND_MIN ? fts_trigrams(t[i], ar) : fts_phrase(t[i], ar));
	*match = n > 1 ? pd_printf(ar, "%s)", expr) : expr;
	return is_long ? S_LIST_NAME_FTS_AND : S_LIST_NAME_FTS;
}

/* Picks the statement for a query and its bound search value (?2) and check (?6). */
static enum pd_err list_stmt(struct sq *s, const struct pd_query *q, enum stmt_id *id,
			     const char **value, const char **check, struct pd_arena *ar)
{
	bool name = q->field == PD_FILTER_NAME, indexable = pd_utf8_len(q->value ? q->value : "") >= 3;
	enum pd_err e = PD_OK;
	*value = *check = q->value;
	if (q->field == PD_FILTER_NONE)
		*id = q->newest ? S_LIST_NEWEST : S_LIST_ALL;
	else if (q->field == PD_FILTER_RESELLER)
		*id = S_LIST_RESELLER;
	else if (q->op == PD_OP_STARTS_WITH)
		*id = name ? S_LIST_NAME_PREFIX : S_LIST_DOMAIN_PREFIX;
	else if (name)
		*id = name_substring(q->value, value, check, ar);
	else if (indexable && (e = domain_indexable(s, q->value, &indexable)) == PD_OK && indexable) {
		bool long_value = pd_utf8_len(q->value) >= FTS_AND_MIN;
		*value = long_value ? fts_trigrams(q->value, ar) : fts_phrase(q->value, ar); /* trigrams need 3 code points */
		*id = long_value ? (name ? S_LIST_NAME_FTS_AND : S_LIST_DOMAIN_FTS_AND)
				 : (name ? S_LIST_NAME_FTS : S_LIST_DOMAIN_FTS);
	} else {
		*id = S_LIST_DOMAIN_SCAN;
	}
	if (*id == S_LIST_NAME_SCAN)
		*value = *check;
	return e;
}

static enum pd_err sq_customer_list(struct store *st, const char *partner,
				    const struct pd_query *qr, struct pd_customer **rows,
				    size_t *n, struct pd_arena *ar)
{
	const char *value, *check;
	enum stmt_id id;
	long long no = 0;
	*rows = pd_alloc(ar, sizeof **rows * (size_t)(qr->size + 1));
	*n = 0;
	enum pd_err e = list_stmt(SQ(st), qr, &id, &value, &check, ar);
	bool fts = id == S_LIST_NAME_FTS || id == S_LIST_DOMAIN_FTS || id == S_LIST_NAME_FTS_AND
		   || id == S_LIST_DOMAIN_FTS_AND || id == S_LIST_NAME_SCAN;
	if (e == PD_OK && fts)
		e = partner_no(SQ(st), partner, &no);
	sqlite3_stmt *q = e == PD_OK ? stmt(SQ(st), id) : NULL;
	if (!q)
		return e == PD_OK ? PD_EINTERNAL : e;
	text(q, 1, partner);
	text(q, 2, value);
	sqlite3_bind_int64(q, 3, qr->has_after ? qr->after_seq : qr->newest ? INT64_MAX : 0);
	sqlite3_bind_int(q, 4, qr->size + 1);
	if (id == S_LIST_NAME_PREFIX || id == S_LIST_DOMAIN_PREFIX)
		text(q, 5, qr->has_after ? qr->after_key : "");
	else if (fts)
		sqlite3_bind_int64(q, 5, no);
	if (id == S_LIST_NAME_FTS_AND || id == S_LIST_DOMAIN_FTS_AND)
		text(q, 6, check);
	int rc = SQLITE_DONE;
	while (e == PD_OK && (rc = sqlite3_step(q)) == SQLITE_ROW)
		e = read_customer(q, &(*rows)[(*n)++], ar);
	if (e == PD_OK && rc != SQLITE_DONE)
		e = map_rc(rc);
	sqlite3_reset(q);
	return e;
}

static enum pd_err sq_customer_dups(struct store *st, const char *partner, const char *dup_key,
				    const char *regnum, int max, char ***ids, size_t *n, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_DUPS_FIND);
	if (!q)
		return PD_EINTERNAL;
	*ids = pd_alloc(ar, sizeof **ids * (size_t)(max > 0 ? max : 1));
	*n = 0;
	text(q, 1, partner);
	text(q, 2, dup_key);
	text(q, 3, regnum);
	sqlite3_bind_int(q, 4, max);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < (size_t)max)
		(*ids)[(*n)++] = (char *)col(q, 0, ar);
	sqlite3_reset(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? PD_OK : map_rc(rc);
}

static enum pd_err current_etag(struct sq *s, const char *partner, const char *id,
				char **etag, long long *seq, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(s, S_ETAG_GET);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*etag = (char *)col(q, 0, ar);
		*seq = sqlite3_column_int64(q, 1);
	}
	sqlite3_reset(q);
	return rc == SQLITE_ROW ? PD_OK : rc == SQLITE_DONE ? PD_ENOTFOUND : map_rc(rc);
}

static enum pd_err write_billing(struct sq *s, const char *partner, const char *id,
				 const struct pd_billing *b, const char *name_key,
				 const char *new_etag, long long now)
{
	sqlite3_stmt *q = stmt(s, S_BILLING_UPDATE);
	if (!q)
		return PD_EINTERNAL;
	char *billing = store_billing_text(b);
	text(q, 1, partner);
	text(q, 2, id);
	text(q, 3, billing);
	text(q, 4, b->company_name);
	text(q, 5, name_key);
	text(q, 6, new_etag);
	sqlite3_bind_int64(q, 7, now);
	enum pd_err e = run(q);
	free(billing);
	return e;
}

static enum pd_err update_search(struct sq *s, const char *partner, const char *id, long long seq,
				 const struct pd_name_forms *f)
{
	sqlite3_stmt *q = stmt(s, S_SEARCH_UPDATE);
	if (!q)
		return PD_EINTERNAL;
	sqlite3_bind_int64(q, 1, seq);
	text(q, 2, f->search);
	text(q, 3, partner);
	enum pd_err e = run(q);
	return e == PD_OK ? put_dupkey(s, partner, id, f->dup) : e;
}

static enum pd_err sq_billing_update(struct store *st, const char *partner, const char *id,
				     const struct pd_billing *b, const char *new_etag,
				     long long now)
{
	struct sq *s = SQ(st);
	struct pd_arena *ar = pd_arena_new();
	char *etag = NULL;
	long long seq = 0;
	struct pd_name_forms f;
	enum pd_err e = pd_name_forms(ar, b->company_name, &f) ? current_etag(s, partner, id, &etag, &seq, ar)
							     : PD_EINVAL;
	if (e == PD_OK && (!b->etag || strcmp(etag, b->etag) != 0))
		e = PD_ESTALE;
	if (e == PD_OK)
		e = write_billing(s, partner, id, b, f.key, new_etag, now);
	if (e == PD_OK)
		e = update_search(s, partner, id, seq, &f);
	pd_arena_free(ar);
	return e;
}

static enum pd_err delete_by(struct sq *s, enum stmt_id id, const char *a, const char *b,
			     long long seq)
{
	sqlite3_stmt *q = stmt(s, id);
	if (!q)
		return PD_EINTERNAL;
	if (a)
		text(q, 1, a);
	else
		sqlite3_bind_int64(q, 1, seq);
	text(q, 2, b);
	return run(q);
}

static enum pd_err sq_tenant_home(struct store *st, const char *customer, char **partner,
				  struct pd_arena *ar);

/* Other partners' accounts of tenant `id`. */
static enum pd_err other_accounts(struct sq *s, const char *partner, const char *id, long long *n)
{
	sqlite3_stmt *q = stmt(s, S_TENANT_ACCOUNTS);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, id);
	text(q, 2, partner);
	int rc = sqlite3_step(q);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q);
	return rc == SQLITE_ROW ? PD_OK : map_rc(rc);
}

/* Deletes this partner's customer row; its seq and domain come back. */
static enum pd_err delete_row(struct sq *s, const char *partner, const char *id, long long *seq,
			      const char **domain, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(s, S_DELETE_CUSTOMER);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(q, 0);
		*domain = col(q, 1, ar);
		rc = sqlite3_step(q);
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_NOTFOUND;
	}
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? PD_OK : rc == SQLITE_NOTFOUND ? PD_ENOTFOUND : map_rc(rc);
}

static enum pd_err sq_customer_delete(struct store *st, const char *partner, const char *id)
{
	struct sq *s = SQ(st);
	struct pd_arena *ar = pd_arena_new();
	char *home = NULL;
	const char *domain = NULL;
	long long seq = 0, others = 0;
	enum pd_err e = sq_tenant_home(st, id, &home, ar);
	bool is_home = e == PD_OK && !strcmp(home, partner);
	if (e == PD_ENOTFOUND)
		e = PD_OK; /* no tenant row: an account left over from an earlier delete */
	if (e == PD_OK && is_home)
		e = other_accounts(s, partner, id, &others);
	if (e == PD_OK && others > 0)
		e = PD_ECONFLICT;
	if (e == PD_OK)
		e = delete_row(s, partner, id, &seq, &domain, ar);
	if (e == PD_OK)
		e = delete_by(s, S_DELETE_SEARCH, NULL, partner, seq);
	if (e == PD_OK)
		e = delete_by(s, S_DUPKEY_DELETE, partner, id, 0);
	if (e == PD_OK)
		e = delete_by(s, S_DELETE_SUBS, partner, id, 0);
	if (e == PD_OK)
		e = delete_by(s, S_DELETE_ORDERS, partner, id, 0);
	if (e == PD_OK && is_home)
		e = delete_by(s, S_DELETE_DOMAIN, domain, NULL, 0);
	if (e == PD_OK && is_home)
		e = delete_by(s, S_DELETE_CUSERS, partner, id, 0);
	pd_arena_free(ar);
	return e;
}

static enum pd_err sq_domain_taken(struct store *st, const char *domain, bool *taken)
{
	sqlite3_stmt *q = stmt(SQ(st), S_DOMAIN_TAKEN);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, domain);
	int rc = sqlite3_step(q);
	*taken = rc == SQLITE_ROW;
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? PD_OK : map_rc(rc);
}

static enum pd_err sq_idem_get(struct store *st, const char *partner, const char *request_id,
			       char **resource_id, char **digest, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_IDEM_GET);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, request_id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*resource_id = (char *)col(q, 0, ar);
		*digest = (char *)col(q, 1, ar);
	}
	sqlite3_reset(q);
	return rc == SQLITE_ROW ? PD_OK : rc == SQLITE_DONE ? PD_ENOTFOUND : map_rc(rc);
}

/* Runs an INSERT of three texts and a time, the shape of several small tables. */
static enum pd_err insert3(struct store *st, enum stmt_id id, const char *a, const char *b,
			   const char *c, long long now)
{
	sqlite3_stmt *q = stmt(SQ(st), id);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, a);
	text(q, 2, b);
	text(q, 3, c);
	sqlite3_bind_int64(q, 4, now);
	return run(q);
}

static enum pd_err sq_idem_put(struct store *st, const char *partner, const char *request_id,
			       const char *resource_id, const char *digest, long long now)
{
	sqlite3_stmt *q = stmt(SQ(st), S_IDEM_PUT);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, request_id);
	text(q, 3, resource_id);
	sqlite3_bind_int64(q, 4, now);
	text(q, 5, digest);
	return run(q);
}

/* ---- apps ---- */

static void bind_app(sqlite3_stmt *q, const struct pd_app *a)
{
	text(q, 1, a->partner_id);
	text(q, 2, a->id);
	text(q, 3, a->display_name);
	text(q, 4, a->roles);
	text(q, 5, a->state ? a->state : "active");
	sqlite3_bind_blob(q, 6, a->secret_digest, PD_DIGEST_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(q, 7, a->created);
	sqlite3_bind_int64(q, 8, a->secret_updated);
}

static enum pd_err sq_app_insert(struct store *st, const struct pd_app *a)
{
	sqlite3_stmt *q = stmt(SQ(st), S_APP_INSERT);
	if (!q)
		return PD_EINTERNAL;
	bind_app(q, a);
	return run(q);
}

static enum pd_err sq_app_save(struct store *st, struct pd_app *a)
{
	sqlite3_stmt *q = stmt(SQ(st), S_APP_SAVE);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, a->partner_id);
	text(q, 2, a->id);
	text(q, 3, a->display_name);
	text(q, 4, a->roles);
	text(q, 5, a->state);
	sqlite3_bind_blob(q, 6, a->secret_digest, PD_DIGEST_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(q, 7, a->secret_updated);
	sqlite3_bind_int64(q, 8, a->version);
	const char *keys[] = {a->partner_id, a->id};
	return versioned(st, run(q), S_APP_EXISTS, keys, 2, &a->version);
}

static void read_app(sqlite3_stmt *q, void *row, struct pd_arena *ar)
{
	struct pd_app *a = row;
	*a = (struct pd_app){.partner_id = col(q, 0, ar), .id = col(q, 1, ar),
			     .display_name = col(q, 2, ar), .roles = col(q, 3, ar), .state = col(q, 4, ar),
			     .created = sqlite3_column_int64(q, 6), .secret_updated = sqlite3_column_int64(q, 7),
			     .version = sqlite3_column_int64(q, 8)};
	if (sqlite3_column_bytes(q, 5) == PD_DIGEST_LEN)
		memcpy(a->secret_digest, sqlite3_column_blob(q, 5), PD_DIGEST_LEN);
}

static enum pd_err sq_app_get(struct store *st, const char *partner, const char *id,
			      struct pd_app *a, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_APP_GET);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, id);
	return one(q, read_app, a, ar);
}

static enum pd_err sq_app_by_client(struct store *st, const char *client_id, struct pd_app *a,
				    struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_APP_BY_CLIENT);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, client_id);
	return one(q, read_app, a, ar);
}

static enum pd_err sq_app_list(struct store *st, const char *partner, const struct pd_after *after,
			       int size, struct pd_app **rows, size_t *n, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_APP_LIST);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	bind_after(q, 2, after);
	sqlite3_bind_int(q, 4, size + 1);
	return page_rows(q, sizeof **rows, size + 1, read_app, (void **)rows, n, ar);
}

/* ---- audit ---- */

static enum pd_err sq_audit_insert(struct store *st, struct pd_audit *a)
{
	enum pd_err e = counter_next(SQ(st), S_AUDIT_SEQ, &a->seq);
	sqlite3_stmt *q = e == PD_OK ? stmt(SQ(st), S_AUDIT_INSERT) : NULL;
	if (!q)
		return e == PD_OK ? PD_EINTERNAL : e;
	const char *t[] = {a->partner_id, a->id, NULL, NULL, a->operation, a->resource_type,
			   a->resource_id, a->customer_id, a->customer_name, a->principal_kind,
			   a->principal_id, a->principal_name, a->outcome, a->request_id,
			   a->correlation_id, a->old_value, a->new_value, a->source};
	for (int i = 0; i < 18; i++)
		text(q, i + 1, t[i]);
	sqlite3_bind_int64(q, 3, a->seq);
	sqlite3_bind_int64(q, 4, a->created);
	return run(q);
}

static void read_audit(sqlite3_stmt *q, void *row, struct pd_arena *ar)
{
	struct pd_audit *a = row;
	*a = (struct pd_audit){
		.partner_id = col(q, 0, ar), .id = col(q, 1, ar), .seq = sqlite3_column_int64(q, 2),
		.created = sqlite3_column_int64(q, 3), .operation = col(q, 4, ar),
		.resource_type = col(q, 5, ar), .resource_id = col(q, 6, ar), .customer_id = col(q, 7, ar),
		.customer_name = col(q, 8, ar), .principal_kind = col(q, 9, ar),
		.principal_id = col(q, 10, ar), .principal_name = col(q, 11, ar), .outcome = col(q, 12, ar),
		.request_id = col(q, 13, ar), .correlation_id = col(q, 14, ar), .old_value = col(q, 15, ar),
		.new_value = col(q, 16, ar), .source = col(q, 17, ar)};
}

static enum pd_err sq_audit_list(struct store *st, const char *partner,
				 const struct pd_audit_query *f, struct pd_audit **rows, size_t *n,
				 struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_AUDIT_LIST);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	sqlite3_bind_int64(q, 2, f->after_seq);
	sqlite3_bind_int64(q, 3, f->start);
	sqlite3_bind_int64(q, 4, f->end);
	text(q, 5, f->operation);
	text(q, 6, f->resource_type);
	text(q, 7, f->user);
	text(q, 8, f->customer_id);
	text(q, 9, f->customer_name);
	sqlite3_bind_int(q, 10, f->size + 1);
	*rows = pd_alloc(ar, sizeof **rows * (size_t)(f->size + 1));
	*n = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < (size_t)f->size + 1)
		read_audit(q, &(*rows)[(*n)++], ar);
	sqlite3_reset(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? PD_OK : map_rc(rc);
}

static enum pd_err sq_audit_get(struct store *st, const char *partner, const char *id,
				struct pd_audit *a, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_AUDIT_GET);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, id);
	return one(q, read_audit, a, ar);
}

/* ---- orders and subscriptions ---- */

static enum pd_err sq_order_insert(struct store *st, const struct pd_order_row *o)
{
	sqlite3_stmt *q = stmt(SQ(st), S_ORDER_INSERT);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, o->partner_id);
	text(q, 2, o->customer_id);
	text(q, 3, o->id);
	sqlite3_bind_int64(q, 4, o->created);
	text(q, 5, o->billing_cycle);
	text(q, 6, o->currency);
	return run(q);
}

static void read_order(sqlite3_stmt *q, void *row, struct pd_arena *ar)
{
	*(struct pd_order_row *)row = (struct pd_order_row){
		.partner_id = col(q, 0, ar), .customer_id = col(q, 1, ar), .id = col(q, 2, ar),
		.billing_cycle = col(q, 3, ar), .currency = col(q, 4, ar), .created = sqlite3_column_int64(q, 5)};
}

static enum pd_err sq_order_get(struct store *st, const char *partner, const char *customer,
				const char *id, struct pd_order_row *o, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_ORDER_GET);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, customer);
	text(q, 3, id);
	return one(q, read_order, o, ar);
}

static enum pd_err sq_order_list(struct store *st, const char *partner, const char *customer,
				 const struct pd_after *after, int size, struct pd_order_row **rows,
				 size_t *n, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_ORDER_LIST);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, customer);
	bind_after(q, 3, after);
	sqlite3_bind_int(q, 5, size + 1);
	return page_rows(q, sizeof **rows, size + 1, read_order, (void **)rows, n, ar);
}

static void bind_sub(sqlite3_stmt *q, const struct pd_subscription *b)
{
	const char *t[] = {b->partner_id, b->customer_id, b->id, b->order_id, b->offer_id, b->friendly_name};
	for (int i = 0; i < 6; i++)
		text(q, i + 1, t[i]);
	sqlite3_bind_int64(q, 7, b->quantity);
	text(q, 8, b->status);
	if (b->suspended_at)
		sqlite3_bind_int64(q, 9, b->suspended_at);
	text(q, 10, b->etag);
	sqlite3_bind_int64(q, 11, b->created);
	sqlite3_bind_int64(q, 12, b->updated);
	text(q, 13, b->billing_cycle ? b->billing_cycle : "monthly");
}

static enum pd_err sq_sub_insert(struct store *st, const struct pd_subscription *b)
{
	sqlite3_stmt *q = stmt(SQ(st), S_SUB_INSERT);
	if (!q)
		return PD_EINTERNAL;
	bind_sub(q, b);
	return run(q);
}

static void read_sub(sqlite3_stmt *q, void *row, struct pd_arena *ar)
{
	struct pd_subscription *b = row;
	*b = (struct pd_subscription){
		.partner_id = col(q, 0, ar), .customer_id = col(q, 1, ar), .id = col(q, 2, ar),
		.order_id = col(q, 3, ar), .offer_id = col(q, 4, ar), .friendly_name = col(q, 5, ar),
		.quantity = sqlite3_column_int64(q, 6), .status = col(q, 7, ar),
		.suspended_at = sqlite3_column_int64(q, 8), .etag = col(q, 9, ar),
		.created = sqlite3_column_int64(q, 10), .updated = sqlite3_column_int64(q, 11),
		.version = sqlite3_column_int64(q, 12), .billing_cycle = col(q, 13, ar)};
}

static enum pd_err sq_sub_get(struct store *st, const char *partner, const char *customer,
			      const char *id, struct pd_subscription *b, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_SUB_GET);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, customer);
	text(q, 3, id);
	return one(q, read_sub, b, ar);
}

static enum pd_err sq_sub_list(struct store *st, const char *partner, const char *customer,
			       const struct pd_after *after, int size, struct pd_subscription **rows,
			       size_t *n, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_SUB_LIST);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, customer);
	bind_after(q, 3, after);
	sqlite3_bind_int(q, 5, size + 1);
	return page_rows(q, sizeof **rows, size + 1, read_sub, (void **)rows, n, ar);
}

static enum pd_err sq_sub_list_order(struct store *st, const char *partner, const char *customer,
				     const char *order_id, const struct pd_after *after, int size,
				     struct pd_subscription **rows, size_t *n, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_SUB_LIST_ORDER);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, customer);
	text(q, 3, order_id);
	bind_after(q, 4, after);
	sqlite3_bind_int(q, 6, size + 1);
	return page_rows(q, sizeof **rows, size + 1, read_sub, (void **)rows, n, ar);
}

static enum pd_err changed_one(struct store *st, enum pd_err e)
{
	return e == PD_OK && sqlite3_changes(SQ(st)->db) == 0 ? PD_ENOTFOUND : e;
}

static enum pd_err sq_sub_save(struct store *st, struct pd_subscription *b)
{
	sqlite3_stmt *q = stmt(SQ(st), S_SUB_SAVE);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, b->partner_id);
	text(q, 2, b->customer_id);
	text(q, 3, b->id);
	text(q, 4, b->friendly_name);
	sqlite3_bind_int64(q, 5, b->quantity);
	text(q, 6, b->status);
	if (b->suspended_at)
		sqlite3_bind_int64(q, 7, b->suspended_at);
	text(q, 8, b->etag);
	sqlite3_bind_int64(q, 9, b->updated);
	sqlite3_bind_int64(q, 10, b->version);
	const char *keys[] = {b->partner_id, b->customer_id, b->id};
	return versioned(st, run(q), S_SUB_EXISTS, keys, 3, &b->version);
}

/* ---- customer users ---- */

static void read_cuser(sqlite3_stmt *q, void *row, struct pd_arena *ar)
{
	struct pd_customer_user *u = row;
	*u = (struct pd_customer_user){
		.partner_id = col(q, 0, ar), .customer_id = col(q, 1, ar), .id = col(q, 2, ar),
		.upn = col(q, 3, ar), .display_name = col(q, 4, ar), .first_name = col(q, 5, ar),
		.last_name = col(q, 6, ar), .usage_location = col(q, 7, ar), .roles = col(q, 8, ar),
		.state = col(q, 9, ar), .password_hash = col(q, 10, ar),
		.must_change_password = sqlite3_column_int(q, 11) != 0, .created = sqlite3_column_int64(q, 12),
		.version = sqlite3_column_int64(q, 13)};
}

static enum pd_err sq_cuser_insert(struct store *st, const struct pd_customer_user *u)
{
	return insert_cuser(SQ(st), u);
}

static enum pd_err sq_cuser_get(struct store *st, const char *home, const char *customer,
				const char *id, struct pd_customer_user *u, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_CUSER_GET);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, home);
	text(q, 2, customer);
	text(q, 3, id);
	return one(q, read_cuser, u, ar);
}

static enum pd_err sq_cuser_list(struct store *st, const char *home, const char *customer,
				 const char *after, int size, struct pd_customer_user **rows, size_t *n,
				 struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_CUSER_LIST);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, home);
	text(q, 2, customer);
	text(q, 3, after ? after : "");
	sqlite3_bind_int(q, 4, size + 1);
	return page_rows(q, sizeof **rows, size + 1, read_cuser, (void **)rows, n, ar);
}

static enum pd_err sq_cuser_by_upn(struct store *st, const char *upn, struct pd_customer_user *u,
				   struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_CUSER_BY_UPN);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, upn);
	return one(q, read_cuser, u, ar);
}

static enum pd_err sq_cuser_save(struct store *st, struct pd_customer_user *u)
{
	sqlite3_stmt *q = stmt(SQ(st), S_CUSER_SAVE);
	if (!q)
		return PD_EINTERNAL;
	const char *t[] = {u->partner_id, u->customer_id, u->id, u->display_name, u->first_name,
			   u->last_name, u->usage_location, u->roles, u->state, u->password_hash};
	for (int i = 0; i < 10; i++)
		text(q, i + 1, t[i]);
	sqlite3_bind_int(q, 11, u->must_change_password);
	sqlite3_bind_int64(q, 12, u->version);
	return versioned(st, run(q), S_CUSER_EXISTS, t, 3, &u->version);
}

static enum pd_err sq_cuser_delete(struct store *st, const char *home, const char *customer,
				   const char *id, long long version)
{
	sqlite3_stmt *q = stmt(SQ(st), S_CUSER_DELETE);
	if (!q)
		return PD_EINTERNAL;
	const char *keys[] = {home, customer, id};
	for (int i = 0; i < 3; i++)
		text(q, i + 1, keys[i]);
	sqlite3_bind_int64(q, 4, version);
	return versioned(st, run(q), S_CUSER_EXISTS, keys, 3, NULL);
}

static enum pd_err sq_tenant_home(struct store *st, const char *customer, char **partner,
				  struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_TENANT_HOME);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, customer);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*partner = (char *)col(q, 0, ar);
	sqlite3_reset(q);
	return rc == SQLITE_ROW ? PD_OK : rc == SQLITE_DONE ? PD_ENOTFOUND : map_rc(rc);
}

/* ---- relationships and invitations ---- */

static enum pd_err sq_customer_link(struct store *st, const char *partner, struct pd_customer *c)
{
	c->associated_partner_id = NULL; /* another partner's reseller is not this one's */
	struct sq *s = SQ(st);
	struct pd_arena *ar = pd_arena_new();
	struct pd_name_forms f;
	enum pd_err e = pd_name_forms(ar, c->billing.company_name, &f) ? next_seq(s, &c->seq) : PD_EINVAL;
	if (e == PD_OK)
		e = insert_row(s, partner, c, f.key);
	if (e == PD_OK)
		e = insert_search(s, partner, c, &f);
	pd_arena_free(ar);
	return e;
}

static enum pd_err sq_customer_set_relationship(struct store *st, const char *partner,
						const char *id, const char *rel, long long now)
{
	sqlite3_stmt *q = stmt(SQ(st), S_SET_RELATIONSHIP);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, id);
	text(q, 3, rel);
	sqlite3_bind_int64(q, 4, now);
	return changed_one(st, run(q));
}

static void read_invitation(sqlite3_stmt *q, void *row, struct pd_arena *ar)
{
	struct pd_invitation *i = row;
	*i = (struct pd_invitation){col(q, 0, ar), col(q, 1, ar), col(q, 2, ar), sqlite3_column_int64(q, 3)};
}

static enum pd_err sq_invitation_latest(struct store *st, const char *partner,
					 struct pd_invitation *i, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_INVITE_CURRENT);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	return one(q, read_invitation, i, ar);
}

static enum pd_err sq_invitation_by_code(struct store *st, const char *code,
					 struct pd_invitation *i, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_INVITE_BY_CODE);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, code);
	return one(q, read_invitation, i, ar);
}

static enum pd_err sq_invitation_insert(struct store *st, const struct pd_invitation *i)
{
	return insert3(st, S_INVITE_INSERT, i->partner_id, i->code, i->state ? i->state : "active",
		       i->created);
}

static enum pd_err sq_invitation_revoke(struct store *st, const char *partner)
{
	sqlite3_stmt *q = stmt(SQ(st), S_INVITE_REVOKE);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	return run(q);
}

/* Runs a SELECT for store_copy.c; every value as text. */
static enum pd_err sq_raw_select(struct store *st, const char *sql,
				 int (*row)(void *, int, const char *const *), void *arg)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(SQ(st)->db, sql, -1, &q, NULL) != SQLITE_OK)
		return PD_EINTERNAL;
	int n = sqlite3_column_count(q), rc;
	const char *v[64];
	while (n <= 64 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		for (int k = 0; k < n; k++)
			v[k] = (const char *)sqlite3_column_text(q, k);
		if (row(arg, n, v)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(q);
	return n > 64 ? PD_EINTERNAL : map_rc(rc);
}

/* ---- bulk load (partnerd seed) ----
 * Random-order inserts into the secondary indexes of customers, customer_users and domains
 * dirtied nearly every index page in every commit (write amplification that grew with the
 * store).  A bulk load drops them and builds them again at the end (CREATE INDEX sorts once),
 * with a 1 GiB page cache meanwhile, and merges the search index into one segment.  Their SQL is kept in settings in the same transaction
 * as the drop, so a load that dies half-way is finished by the next migrating open. */

#define BULK_SETTING "bulk_load_indexes"
#define BULK_INDEXES " FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL" \
		     " AND tbl_name IN ('customers', 'customer_users', 'domains', 'customer_dupkeys')"

/* The text of the first column of the first row of sql (sqlite3_free it), NULL if none. */
static enum pd_err query_text(struct sq *s, const char *sql, char **out)
{
	sqlite3_stmt *q;
	*out = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return PD_EINTERNAL;
	int rc = sqlite3_step(q);
	const char *v = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0) : NULL;
	if (v)
		*out = sqlite3_mprintf("%s", v);
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? PD_OK : map_rc(rc);
}

static enum pd_err bulk_drop_indexes(struct sq *s)
{
	char *create = NULL, *drop = NULL;
	enum pd_err e = exec(s, "BEGIN IMMEDIATE");
	if (e == PD_OK) /* no merging of the search index's segments while loading: 'optimize' merges
			 * them once at the end (issue 18's search texts are ~4 times the names; this
			 * saved 13% of a 100,000-row seed's CPU time); bulk_finish sets it back */
		e = exec(s, "INSERT INTO customer_search (customer_search, rank) VALUES ('automerge', 0)");
	if (e == PD_OK)
		e = query_text(s, "SELECT group_concat(sql, ';') || ';'" BULK_INDEXES, &create);
	if (e == PD_OK)
		e = query_text(s, "SELECT group_concat('DROP INDEX ' || name, ';') || ';'" BULK_INDEXES, &drop);
	if (e == PD_OK && create && drop) {
		sqlite3_stmt *q = stmt(s, S_SETTING_PUT);
		e = q ? PD_OK : PD_EINTERNAL;
		if (q) {
			text(q, 1, BULK_SETTING);
			text(q, 2, create);
			e = run(q);
		}
		if (e == PD_OK)
			e = exec(s, drop);
	}
	sqlite3_free(create);
	sqlite3_free(drop);
	if (e == PD_OK)
		return exec(s, "COMMIT");
	exec(s, "ROLLBACK");
	return e;
}

/* Builds the indexes a bulk load dropped, if any (also after a load that died). */
static enum pd_err bulk_finish(struct sq *s)
{
	char *create = NULL;
	enum pd_err e = query_text(s, "SELECT value FROM settings WHERE name = '" BULK_SETTING "'", &create);
	if (e != PD_OK || !create)
		return e;
	e = exec(s, "BEGIN IMMEDIATE");
	if (e == PD_OK)
		e = exec(s, create);
	if (e == PD_OK) /* FTS5's default again (the load merges once, at its end) */
		e = exec(s, "INSERT INTO customer_search (customer_search, rank) VALUES ('automerge', 4)");
	if (e == PD_OK)
		e = exec(s, "DELETE FROM settings WHERE name = '" BULK_SETTING "'");
	sqlite3_free(create);
	if (e == PD_OK)
		return exec(s, "COMMIT");
	exec(s, "ROLLBACK");
	return e;
}

static enum pd_err sq_bulk_load(struct store *st, bool on)
{
	struct sq *s = SQ(st);
	if (on) {
		enum pd_err e = exec(s, "PRAGMA cache_size=-1048576");
		return e == PD_OK ? bulk_drop_indexes(s) : e;
	}
	enum pd_err e = bulk_finish(s);
	if (e == PD_OK) /* one segment instead of ~26 (1M rows): a long phrase 3 -> 1.5 ms */
		e = exec(s, "INSERT INTO customer_search (customer_search) VALUES ('optimize')");
	if (e == PD_OK)
		e = exec(s, "PRAGMA wal_checkpoint(TRUNCATE)");
	enum pd_err e2 = exec(s, "PRAGMA cache_size=" CACHE_KIB);
	return e != PD_OK ? e : e2;
}

/* ---- indirect resellers ---- */

static void read_reseller(sqlite3_stmt *q, void *row, struct pd_arena *ar)
{
	struct pd_reseller *r = row;
	r->partner_id = col(q, 0, ar);
	r->id = col(q, 1, ar);
	r->name = col(q, 2, ar);
	r->mpn_id = col(q, 3, ar);
	r->location = col(q, 4, ar);
	r->state = col(q, 5, ar);
	r->created = sqlite3_column_int64(q, 6);
	r->updated = sqlite3_column_int64(q, 7);
}

static enum pd_err sq_reseller_insert(struct store *st, const struct pd_reseller *r)
{
	sqlite3_stmt *q = stmt(SQ(st), S_RESELLER_INSERT);
	if (!q)
		return PD_EINTERNAL;
	const char *t[] = {r->partner_id, r->id, r->name, r->mpn_id, r->location, r->state ? r->state : "active"};
	for (int i = 0; i < 6; i++)
		text(q, i + 1, t[i]);
	sqlite3_bind_int64(q, 7, r->created);
	sqlite3_bind_int64(q, 8, r->updated);
	return run(q);
}

static enum pd_err sq_reseller_get(struct store *st, const char *partner, const char *id,
				   struct pd_reseller *r, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_RESELLER_GET);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, id);
	return one(q, read_reseller, r, ar);
}

static enum pd_err sq_reseller_list(struct store *st, const char *partner, const struct pd_after *after,
				    int size, struct pd_reseller **rows, size_t *n, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_RESELLER_LIST);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	bind_after(q, 2, after);
	sqlite3_bind_int(q, 4, size + 1);
	return page_rows(q, sizeof **rows, size + 1, read_reseller, (void **)rows, n, ar);
}

/* Every row of a statement returning CUSTOMER_COLS, however many there are. */
static enum pd_err customer_rows(sqlite3_stmt *q, struct pd_customer **rows, size_t *n,
				 struct pd_arena *ar)
{
	size_t cap = 16;
	int rc = SQLITE_DONE;
	enum pd_err e = PD_OK;
	*rows = pd_alloc(ar, cap * sizeof **rows);
	*n = 0;
	while (e == PD_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (*n == cap) {
			struct pd_customer *more = pd_alloc(ar, 2 * cap * sizeof *more);
			memcpy(more, *rows, cap * sizeof *more);
			*rows = more, cap *= 2;
		}
		e = read_customer(q, &(*rows)[(*n)++], ar);
	}
	if (e == PD_OK && rc != SQLITE_DONE)
		e = map_rc(rc);
	sqlite3_reset(q);
	return e;
}

static enum pd_err sq_reseller_end(struct store *st, const char *partner, const char *id, long long now,
				   struct pd_customer **cleared, size_t *n, struct pd_arena *ar)
{
	sqlite3_stmt *q = stmt(SQ(st), S_RESELLER_END);
	if (!q)
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, id);
	sqlite3_bind_int64(q, 3, now);
	enum pd_err e = changed_one(st, run(q));
	if (e != PD_OK)
		return e;
	if (!(q = stmt(SQ(st), S_RESELLER_RELEASE)))
		return PD_EINTERNAL;
	text(q, 1, partner);
	text(q, 2, id);
	sqlite3_bind_int64(q, 3, now);
	return customer_rows(q, cleared, n, ar);
}

static const struct store_ops sqlite_ops = {
	.name = "sqlite",
	.close = sq_close,
	.begin = sq_begin, .commit = sq_commit, .rollback = sq_rollback,
	.read_begin = sq_read_begin, .read_end = sq_read_end,
	.savepoint = sq_savepoint, .release = sq_release, .rollback_to = sq_rollback_to,
	.setting_get = sq_setting_get, .setting_put = sq_setting_put,
	.partner_insert = sq_partner_insert, .partner_count = sq_partner_count,
	.partner_get = sq_partner_get,
	.user_insert = sq_user_insert, .user_by_email = sq_user_by_email,
	.token_insert = sq_token_insert, .token_lookup = sq_token_lookup,
	.customer_insert = sq_customer_insert, .warm_insert = sq_warm_insert, .customer_get = sq_customer_get,
	.customer_list = sq_customer_list, .billing_update = sq_billing_update,
	.customer_delete = sq_customer_delete, .domain_taken = sq_domain_taken,
	.idem_get = sq_idem_get, .idem_put = sq_idem_put,
	.user_get = sq_user_get, .user_list = sq_user_list, .user_save = sq_user_save,
	.user_delete = sq_user_delete, .user_count_role = sq_user_count_role,
	.app_insert = sq_app_insert, .app_get = sq_app_get, .app_by_client = sq_app_by_client,
	.app_list = sq_app_list, .app_save = sq_app_save, .tokens_revoke = sq_tokens_revoke,
	.token_delete = sq_token_delete,
	.audit_insert = sq_audit_insert, .audit_list = sq_audit_list, .audit_get = sq_audit_get,
	.order_insert = sq_order_insert, .order_get = sq_order_get, .order_list = sq_order_list,
	.sub_list_order = sq_sub_list_order, .sub_insert = sq_sub_insert, .sub_get = sq_sub_get,
	.sub_list = sq_sub_list, .sub_save = sq_sub_save, .cuser_insert = sq_cuser_insert,
	.cuser_get = sq_cuser_get, .cuser_list = sq_cuser_list, .cuser_by_upn = sq_cuser_by_upn,
	.cuser_save = sq_cuser_save, .cuser_delete = sq_cuser_delete, .tenant_home = sq_tenant_home,
	.customer_link = sq_customer_link, .customer_set_relationship = sq_customer_set_relationship,
	.invitation_latest = sq_invitation_latest, .invitation_by_code = sq_invitation_by_code,
	.invitation_insert = sq_invitation_insert, .invitation_revoke = sq_invitation_revoke,
	.raw_select = sq_raw_select,
	.bulk_load = sq_bulk_load, .tidy = sq_tidy,
	.reseller_insert = sq_reseller_insert, .reseller_get = sq_reseller_get,
	.reseller_list = sq_reseller_list, .reseller_end = sq_reseller_end,
	.customer_dups = sq_customer_dups,
};

/* The highest migration applied, 0 for a new database. */
static int schema_version(struct sq *s)
{
	sqlite3_stmt *q;
	int v = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT max(version) FROM schema_migrations", -1, &q, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return v;
}

static enum pd_err apply(struct sq *s, const struct pd_embed *m, int version)
{
	char record[256];
	snprintf(record, sizeof record,
		 "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%d, '%.80s', strftime('%%s','now'))",
		 version, m->name);
	enum pd_err e = exec(s, "BEGIN IMMEDIATE");
	if (e == PD_OK && (e = exec(s, m->data)) == PD_OK && (e = exec(s, record)) == PD_OK)
		return exec(s, "COMMIT");
	exec(s, "ROLLBACK");
	return e;
}

static enum pd_err migrate(struct sq *s, char *errbuf, size_t cap)
{
	enum pd_err e = exec(s, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
				" name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
	int have = schema_version(s);
	for (int i = 0; e == PD_OK && pd_sqlite_migrations[i].name; i++) {
		int version = atoi(pd_sqlite_migrations[i].name);
		if (version > have && (e = apply(s, &pd_sqlite_migrations[i], version)) != PD_OK)
			snprintf(errbuf, cap, "migration %s failed", pd_sqlite_migrations[i].name);
	}
	return e;
}

/* pd_key(text): the search key of text.h inside SQL, for filters on columns without a
 * stored key (activity-log names).  NULL for NULL or invalid UTF-8. */
static void sql_key(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *in = (const char *)sqlite3_value_text(argv[0]);
	struct pd_arena *ar = pd_arena_new();
	const char *key = in ? pd_text_key(ar, in) : NULL;
	if (key)
		sqlite3_result_text(ctx, key, -1, SQLITE_TRANSIENT);
	else
		sqlite3_result_null(ctx);
	pd_arena_free(ar);
}

/* pd_name_key(text), pd_search_text(text), pd_dup_key(text): search.h inside SQL, for the
 * migration (0010) that fills them in.  NULL for NULL or invalid UTF-8. */
struct name_fn {
	char *(*fn)(struct pd_arena *, const char *);
};
static const struct name_fn fn_name_key = {pd_name_key}, fn_search_text = {pd_search_text},
			    fn_dup_key = {pd_dup_key};

static void sql_name_form(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const struct name_fn *f = sqlite3_user_data(ctx);
	const char *in = (const char *)sqlite3_value_text(argv[0]);
	struct pd_arena *ar = pd_arena_new();
	const char *out = in ? f->fn(ar, in) : NULL;
	if (out)
		sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
	else
		sqlite3_result_null(ctx);
	pd_arena_free(ar);
}

/* pd_contains(text, alternatives): pd_search_contains, for the name searches. */
static void sql_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_int(ctx, pd_search_contains((const char *)sqlite3_value_text(argv[0]),
						   (const char *)sqlite3_value_text(argv[1])));
}

static void add_functions(sqlite3 *db)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
	sqlite3_create_function_v2(db, "pd_key", 1, flags, NULL, sql_key, NULL, NULL, NULL);
	sqlite3_create_function_v2(db, "pd_name_key", 1, flags, (void *)&fn_name_key, sql_name_form, NULL, NULL, NULL);
	sqlite3_create_function_v2(db, "pd_search_text", 1, flags, (void *)&fn_search_text, sql_name_form, NULL,
				   NULL, NULL);
	sqlite3_create_function_v2(db, "pd_dup_key", 1, flags, (void *)&fn_dup_key, sql_name_form, NULL, NULL, NULL);
	sqlite3_create_function_v2(db, "pd_contains", 2, flags, NULL, sql_contains, NULL, NULL, NULL);
}

static enum pd_err configure(struct sq *s)
{
	add_functions(s->db);
	sqlite3_busy_timeout(s->db, 10000);
	sqlite3_extended_result_codes(s->db, 1);
	enum pd_err e = exec(s, "PRAGMA journal_mode=WAL");
	if (e == PD_OK)
		e = exec(s, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
			    " PRAGMA cache_size=" CACHE_KIB);
	return e;
}

enum pd_err store_sqlite_open(const char *path, bool do_migrate, struct store **out,
			      char *errbuf, size_t cap)
{
	struct sq *s = calloc(1, sizeof *s);
	if (!s)
		return PD_ENOMEM;
	s->base.ops = &sqlite_ops;
	int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
						       SQLITE_OPEN_NOMUTEX, NULL);
	enum pd_err e = rc == SQLITE_OK ? configure(s) : map_rc(rc);
	if (e != PD_OK)
		snprintf(errbuf, cap, "cannot open %s: %s", path, sqlite3_errmsg(s->db));
	else if (do_migrate && (e = migrate(s, errbuf, cap)) == PD_OK && (e = bulk_finish(s)) != PD_OK)
		snprintf(errbuf, cap, "cannot finish an interrupted bulk load of %s", path);
	if (e != PD_OK) {
		sq_close(&s->base);
		return e;
	}
	*out = &s->base;
	return PD_OK;
}
