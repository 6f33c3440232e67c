/* store_sql.c - the one statement table of both engines (driver.h): the SQL of every store
 * operation, placeholders ?N (PostgreSQL's driver makes them $N).  Where the engines' SQL
 * really differs, both spellings stand side by side: {SQLite, PostgreSQL}; BOTH() is one
 * spelling for both; a NULL side does not exist on that engine. */
#include "driver.h"

#define BOTH(sql) {sql, sql}
#define ORDER_COLS "partner_id, customer_id, order_id, billing_cycle, currency_code, created_at"
#define SUB_COLS "partner_id, customer_id, subscription_id, order_id, offer_id, friendly_name, quantity," \
		 " status, suspended_at, etag, created_at, updated_at, version, billing_cycle"
#define CUSER_COLS "partner_id, customer_id, user_id, upn, display_name, first_name, last_name," \
		   " usage_location, roles, state, password_hash, must_change_password, created_at, version"
/* Each row's version comes last (SQLite 0006, PostgreSQL 0003): inserts give 1, saves check
 * and increment it. */
#define USER_COLS "partner_id, user_id, email, display_name, password_hash, roles, state," \
		  " must_change_password, created_at, version"
#define APP_COLS "partner_id, app_id, display_name, roles, state, secret_digest, created_at, secret_updated_at," \
		 " version"
#define AUDIT_COLS "partner_id, record_id, seq, created_at, operation_type, resource_type, resource_id," \
		   " customer_id, customer_name, principal_kind, principal_id, principal_name, outcome," \
		   " request_id, correlation_id, old_value, new_value, source_address"
#define CUSTOMER_COLS "customer_id, seq, domain, regnum, relationship, billing, etag, created_at, updated_at," \
		      " associated_partner_id"
#define C_CUSTOMER_COLS "c.customer_id, c.seq, c.domain, c.regnum, c.relationship, c.billing, c.etag," \
			" c.created_at, c.updated_at, c.associated_partner_id"
#define RESELLER_COLS "partner_id, reseller_id, name, mpn_id, location, state, created_at, updated_at"
#define EVENT_COLS "partner_id, seq, event_name, resource_uri, resource_name, audit_id, created_at"
#define WEBHOOK_COLS "partner_id, subscriber_id, url, events, created_at, updated_at, version, feed_cursor," \
		     " lease_owner, lease_until_ms"
#define WDELIVERY_COLS "partner_id, seq, subscriber_id, event_name, state, attempts, round_start, next_at_ms," \
		       " created_at, updated_at"
#define D_WDELIVERY_COLS "d.partner_id, d.seq, d.subscriber_id, d.event_name, d.state, d.attempts, d.round_start," \
			 " d.next_at_ms, d.created_at, d.updated_at"
#define WATTEMPT_COLS "partner_id, seq, n, at_ms, url, status, message, system_error"
/* an event no webhook delivery still needs: its partner's registration has taken it (or there is
 * none), and its delivery, if any, is done (a pending or parked one sends the event's row) */
#define EVENT_UNNEEDED " AND NOT EXISTS (SELECT 1 FROM webhook_registrations w WHERE w.partner_id =" \
		       " events.partner_id AND w.feed_cursor < events.seq) AND NOT EXISTS (SELECT 1 FROM" \
		       " webhook_deliveries d WHERE d.partner_id = events.partner_id AND d.seq = events.seq" \
		       " AND d.state <> 'delivered')"
#define INVITE_COLS "partner_id, code, state, created_at"
#define LIST_TAIL " ORDER BY seq LIMIT ?4"
/* SQLite's search index (0004): rowid (partner number << 40) | seq, ?5 the partner's number */
#define FTS_RANGE(s) " AND " s "rowid > (?5 << 40) + ?3 AND " s "rowid < ((?5 + 1) << 40)"
#define PARTNER_ROWID(p, seq) "((SELECT no FROM partner_numbers WHERE partner_id = " p ") << 40) | " seq
/* PostgreSQL throttle: attempts in flight (?2 = now), none once the last reservation is
 * `stale` old; and after `drop` (0 or 1) of them ended */
#define THROTTLE_LIVE(stale) "(CASE WHEN ?2 - t.held > " stale " THEN 0 ELSE t.inflight END)"
#define THROTTLE_ENDED(drop, stale) "greatest(" THROTTLE_LIVE(stale) " - " drop ", 0)"

/* the statements the engines spell differently, their common part once */
#define COUNT_ROLE(has) "SELECT count(*) FROM partner_users WHERE partner_id = ?1 AND state = 'active' AND " \
			has " > 0"
#define TOKEN_INSERT(values, now) "INSERT INTO tokens (digest, partner_id, principal_kind, principal_id, roles," \
				  " expires_at, created_at) SELECT " values ", " now " WHERE EXISTS (SELECT 1" \
				  " FROM partner_users WHERE ?3 = 'user' AND partner_id = ?2 AND user_id = ?4" \
				  " AND version = ?7) OR EXISTS (SELECT 1 FROM apps WHERE ?3 = 'app'" \
				  " AND partner_id = ?2 AND app_id = ?4 AND version = ?7)"
#define AUDIT_VALUES "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18"
#define AUDIT_LIST(T, user, customer) "SELECT " AUDIT_COLS " FROM audit_records WHERE partner_id = ?1" \
	" AND seq > ?2 AND created_at BETWEEN ?3 AND ?4 AND (?5" T " IS NULL OR operation_type = ?5)" \
	" AND (?6" T " IS NULL OR resource_type = ?6) AND (?7" T " IS NULL OR " user ")" \
	" AND (?8" T " IS NULL OR customer_id = ?8) AND (?9" T " IS NULL OR " customer ") ORDER BY seq LIMIT ?10"
#define CUSTOMER_INSERT(col, val) "INSERT INTO customers (partner_id, customer_id, seq, domain, company_name," \
	" name_key, regnum, relationship, billing, etag, created_at, updated_at, associated_partner_id" col ")" \
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12" val ")"
#define BILLING_UPDATE(set) "UPDATE customers SET billing = ?3, company_name = ?4, name_key = ?5, etag = ?6," \
			    " updated_at = ?7" set " WHERE partner_id = ?1 AND customer_id = ?2"
/* starts_with: the index range of the prefix, closed by x'ff' (SQLite's BINARY) or by
 * U+10FFFF and starts_with() (PostgreSQL's COLLATE "C" text) */
#define PREFIX(col, end, exact) "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = ?1 AND " col \
	" >= ?2 AND " col " < ?2 || " end exact " AND (" col ", seq) > (?5, ?3) ORDER BY " col ", seq LIMIT ?4"

const struct drv_sql drv_sql[S_COUNT] = {
	[S_SETTING_GET] = BOTH("SELECT value FROM settings WHERE name = ?1"),
	[S_SETTING_PUT] = BOTH("INSERT INTO settings (name, value) VALUES (?1, ?2)"),
	[S_PARTNER_INSERT] = BOTH("INSERT INTO partners (partner_id, name, created_at) VALUES (?1, ?2, ?3)"),
	[S_PARTNER_COUNT] = BOTH("SELECT count(*) FROM partners"),
	[S_PARTNER_GET] = BOTH("SELECT partner_id, name, created_at FROM partners WHERE partner_id = ?1"),
	[S_USER_INSERT] = BOTH("INSERT INTO partner_users (partner_id, user_id, email, display_name, password_hash,"
			       " roles, state, must_change_password, created_at, email_key)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
	[S_USER_BY_EMAIL] = BOTH("SELECT " USER_COLS " FROM partner_users WHERE email_key = ?1"),
	[S_USER_GET] = BOTH("SELECT " USER_COLS " FROM partner_users WHERE partner_id = ?1 AND user_id = ?2"),
	[S_USER_LIST] = BOTH("SELECT " USER_COLS " FROM partner_users WHERE partner_id = ?1 AND email_key > ?2"
			     " ORDER BY email_key LIMIT ?3"),
	[S_USER_SAVE] = BOTH("UPDATE partner_users SET display_name = ?3, roles = ?4, state = ?5, password_hash = ?6,"
			     " must_change_password = ?7, version = version + 1 WHERE partner_id = ?1 AND user_id = ?2"
			     " AND version = ?8"),
	[S_USER_DELETE] = BOTH("DELETE FROM partner_users WHERE partner_id = ?1 AND user_id = ?2 AND version = ?3"),
	[S_USER_COUNT_ROLE] = {COUNT_ROLE("instr(',' || roles || ',', ',' || ?2 || ',')"),
			       COUNT_ROLE("strpos(',' || roles || ',', ',' || ?2::text || ',')")},
	/* after a versioned save or delete changed nothing: is the row there (at another version)? */
	[S_USER_EXISTS] = BOTH("SELECT 1 FROM partner_users WHERE partner_id = ?1 AND user_id = ?2"),
	[S_APP_INSERT] = BOTH("INSERT INTO apps (" APP_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1)"),
	[S_APP_GET] = BOTH("SELECT " APP_COLS " FROM apps WHERE partner_id = ?1 AND app_id = ?2"),
	[S_APP_BY_CLIENT] = BOTH("SELECT " APP_COLS " FROM apps WHERE app_id = ?1"),
	[S_APP_LIST] = BOTH("SELECT " APP_COLS " FROM apps WHERE partner_id = ?1 AND (created_at, app_id) > (?2, ?3)"
			    " ORDER BY created_at, app_id LIMIT ?4"),
	[S_APP_SAVE] = BOTH("UPDATE apps SET display_name = ?3, roles = ?4, state = ?5, secret_digest = ?6,"
			    " secret_updated_at = ?7, version = version + 1 WHERE partner_id = ?1 AND app_id = ?2"
			    " AND version = ?8"),
	[S_APP_EXISTS] = BOTH("SELECT 1 FROM apps WHERE partner_id = ?1 AND app_id = ?2"),
	[S_TOKENS_REVOKE] = BOTH("DELETE FROM tokens WHERE partner_id = ?1 AND principal_id = ?2"),
	[S_TOKEN_DELETE] = BOTH("DELETE FROM tokens WHERE digest = ?1 AND partner_id = ?2"),
	/* kept only while the principal is at the version whose credentials were checked */
	[S_TOKEN_INSERT] = {TOKEN_INSERT("?1, ?2, ?3, ?4, ?5, ?6", "strftime('%s','now')"),
			    TOKEN_INSERT("?1::bytea, ?2::text, ?3::text, ?4::text, ?5::text, ?6::bigint",
					 "extract(epoch FROM now())::bigint")},
	[S_TOKEN_LOOKUP] = BOTH("SELECT t.partner_id, t.principal_kind, t.principal_id, t.expires_at,"
				" coalesce(u.roles, a.roles), coalesce(u.state, a.state), coalesce(u.email, a.display_name),"
				" coalesce(u.must_change_password, 0) FROM tokens t"
				" LEFT JOIN partner_users u ON t.principal_kind = 'user' AND u.partner_id = t.partner_id"
				" AND u.user_id = t.principal_id"
				" LEFT JOIN apps a ON t.principal_kind = 'app' AND a.partner_id = t.partner_id"
				" AND a.app_id = t.principal_id WHERE t.digest = ?1"),
	[S_AUDIT_SEQ] = BOTH("UPDATE counters SET value = value + 1 WHERE name = 'audit_seq' RETURNING value"),
	/* the activity log's name filters compare search keys: PostgreSQL stores them in the row
	 * (principal_key, customer_key: ?19, ?20), SQLite computes them with pd_key() */
	[S_AUDIT_INSERT] = {"INSERT INTO audit_records (" AUDIT_COLS ") VALUES (" AUDIT_VALUES ")",
			    "INSERT INTO audit_records (" AUDIT_COLS ", principal_key, customer_key) VALUES ("
			    AUDIT_VALUES ", ?19, ?20)"},
	[S_AUDIT_LIST] = {AUDIT_LIST("", "pd_key(principal_name) = ?7", "instr(pd_key(customer_name), ?9) > 0"),
			  AUDIT_LIST("::text", "principal_key = ?7", "strpos(customer_key, ?9) > 0")},
	[S_AUDIT_GET] = BOTH("SELECT " AUDIT_COLS " FROM audit_records WHERE partner_id = ?1 AND record_id = ?2"),
	[S_NEXT_SEQ] = BOTH("UPDATE counters SET value = value + 1 WHERE name = 'customer_seq' RETURNING value"),
	[S_DOMAIN_INSERT] = BOTH("INSERT INTO domains (domain, partner_id, customer_id) VALUES (?1, ?2, ?3)"),
	/* PostgreSQL keeps the search text (search.h) in the row (?13), SQLite in customer_search */
	[S_CUSTOMER_INSERT] = {CUSTOMER_INSERT("", ""), CUSTOMER_INSERT(", search_text", ", ?13")},
	[S_CUSTOMER_GET] = BOTH("SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = ?1 AND customer_id = ?2"),
	[S_ETAG_GET] = BOTH("SELECT etag, seq FROM customers WHERE partner_id = ?1 AND customer_id = ?2"),
	[S_BILLING_UPDATE] = {BILLING_UPDATE(""), BILLING_UPDATE(", search_text = ?8")},
	[S_DELETE_CUSTOMER] = BOTH("DELETE FROM customers WHERE partner_id = ?1 AND customer_id = ?2"
				   " RETURNING seq, domain"),
	[S_DELETE_DOMAIN] = BOTH("DELETE FROM domains WHERE domain = ?1"),
	[S_DELETE_CUSERS] = BOTH("DELETE FROM customer_users WHERE partner_id = ?1 AND customer_id = ?2"),
	[S_DELETE_SUBS] = BOTH("DELETE FROM subscriptions WHERE partner_id = ?1 AND customer_id = ?2"),
	[S_DELETE_ORDERS] = BOTH("DELETE FROM orders WHERE partner_id = ?1 AND customer_id = ?2"),
	[S_TENANT_ACCOUNTS] = BOTH("SELECT count(*) FROM customers WHERE customer_id = ?1 AND partner_id <> ?2"),
	[S_TENANT_HOME] = BOTH("SELECT partner_id FROM domains WHERE customer_id = ?1"),
	/* domains and UPNs are lower-cased (ASCII, as both engines' lower()) before they are bound */
	[S_DOMAIN_TAKEN] = BOTH("SELECT 1 FROM domains WHERE domain = ?1"),
	[S_SET_RELATIONSHIP] = BOTH("UPDATE customers SET relationship = ?3, updated_at = ?4 WHERE partner_id = ?1"
				    " AND customer_id = ?2"),
	/* possible duplicates (SQLite 0010, PostgreSQL 0007): one normalised name (search.h
	 * pd_dup_key) per customer; ?3, a registration number, also finds the partner's customers
	 * that have it (no index yet: the USCC work adds one when it passes the number) */
	[S_DUPKEY_PUT] = BOTH("INSERT INTO customer_dupkeys (partner_id, customer_id, dup_key) VALUES (?1, ?2, ?3)"
			      " ON CONFLICT (partner_id, customer_id) DO UPDATE SET dup_key = excluded.dup_key"),
	[S_DUPKEY_DELETE] = BOTH("DELETE FROM customer_dupkeys WHERE partner_id = ?1 AND customer_id = ?2"),
	[S_DUPS_FIND] = BOTH("SELECT customer_id FROM customer_dupkeys WHERE partner_id = ?1 AND dup_key = ?2"
			     " UNION SELECT customer_id FROM customers WHERE CAST(?3 AS TEXT) IS NOT NULL"
			     " AND partner_id = ?1 AND regnum = ?3 ORDER BY 1 LIMIT ?4"),
	[S_IDEM_GET] = BOTH("SELECT resource_id, body_digest FROM idempotency WHERE partner_id = ?1 AND request_id = ?2"),
	[S_IDEM_PUT] = BOTH("INSERT INTO idempotency (partner_id, request_id, resource_id, created_at, body_digest)"
			    " VALUES (?1, ?2, ?3, ?4, ?5)"),
	/* customer lists: ?1 partner, ?2 the value, ?3 the last seq, ?4 the page and one more row,
	 * ?5 the last key (prefixes) */
	[S_LIST_ALL] = BOTH("SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = ?1 AND seq > ?3"
			    " AND CAST(?2 AS TEXT) IS NULL" LIST_TAIL),
	[S_LIST_NEWEST] = BOTH("SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = ?1 AND seq < ?3"
			       " AND CAST(?2 AS TEXT) IS NULL ORDER BY seq DESC LIMIT ?4"),
	[S_LIST_NAME_PREFIX] = {PREFIX("name_key", "x'ff'", ""),
				PREFIX("name_key", "chr(1114111)", " AND starts_with(name_key, ?2)")},
	[S_LIST_DOMAIN_PREFIX] = {PREFIX("domain", "x'ff'", ""),
				  PREFIX("domain", "chr(1114111)", " AND starts_with(domain, ?2)")},
	[S_LIST_RESELLER] = BOTH("SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = ?1"
				 " AND associated_partner_id = ?2 AND seq > ?3" LIST_TAIL),
	[S_CUSER_INSERT] = BOTH("INSERT INTO customer_users (" CUSER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
				" ?8, ?9, ?10, ?11, ?12, ?13, 1)"),
	[S_CUSER_GET] = BOTH("SELECT " CUSER_COLS " FROM customer_users WHERE partner_id = ?1 AND customer_id = ?2"
			     " AND user_id = ?3"),
	[S_CUSER_LIST] = BOTH("SELECT " CUSER_COLS " FROM customer_users WHERE partner_id = ?1 AND customer_id = ?2"
			      " AND upn > ?3 ORDER BY upn LIMIT ?4"),
	[S_CUSER_BY_UPN] = BOTH("SELECT " CUSER_COLS " FROM customer_users WHERE upn = ?1"),
	[S_CUSER_SAVE] = BOTH("UPDATE customer_users SET display_name = ?4, first_name = ?5, last_name = ?6,"
			      " usage_location = ?7, roles = ?8, state = ?9, password_hash = ?10,"
			      " must_change_password = ?11, version = version + 1 WHERE partner_id = ?1"
			      " AND customer_id = ?2 AND user_id = ?3 AND version = ?12"),
	[S_CUSER_DELETE] = BOTH("DELETE FROM customer_users WHERE partner_id = ?1 AND customer_id = ?2"
				" AND user_id = ?3 AND version = ?4"),
	[S_CUSER_EXISTS] = BOTH("SELECT 1 FROM customer_users WHERE partner_id = ?1 AND customer_id = ?2"
				" AND user_id = ?3"),
	[S_ORDER_INSERT] = BOTH("INSERT INTO orders (partner_id, customer_id, order_id, created_at, billing_cycle,"
				" currency_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
	[S_ORDER_GET] = BOTH("SELECT " ORDER_COLS " FROM orders WHERE partner_id = ?1 AND customer_id = ?2"
			     " AND order_id = ?3"),
	[S_ORDER_LIST] = BOTH("SELECT " ORDER_COLS " FROM orders WHERE partner_id = ?1 AND customer_id = ?2"
			      " AND (created_at, order_id) > (?3, ?4) ORDER BY created_at, order_id LIMIT ?5"),
	[S_SUB_INSERT] = BOTH("INSERT INTO subscriptions (" SUB_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
			      " ?9, ?10, ?11, ?12, 1, ?13)"),
	[S_SUB_GET] = BOTH("SELECT " SUB_COLS " FROM subscriptions WHERE partner_id = ?1 AND customer_id = ?2"
			   " AND subscription_id = ?3"),
	[S_SUB_LIST] = BOTH("SELECT " SUB_COLS " FROM subscriptions WHERE partner_id = ?1 AND customer_id = ?2"
			    " AND (created_at, subscription_id) > (?3, ?4) ORDER BY created_at, subscription_id"
			    " LIMIT ?5"),
	[S_SUB_LIST_ORDER] = BOTH("SELECT " SUB_COLS " FROM subscriptions WHERE partner_id = ?1 AND customer_id = ?2"
				  " AND order_id = ?3 AND (created_at, subscription_id) > (?4, ?5)"
				  " ORDER BY created_at, subscription_id LIMIT ?6"),
	[S_SUB_SAVE] = BOTH("UPDATE subscriptions SET friendly_name = ?4, quantity = ?5, status = ?6,"
			    " suspended_at = ?7, etag = ?8, updated_at = ?9, version = version + 1"
			    " WHERE partner_id = ?1 AND customer_id = ?2 AND subscription_id = ?3 AND version = ?10"),
	[S_SUB_EXISTS] = BOTH("SELECT 1 FROM subscriptions WHERE partner_id = ?1 AND customer_id = ?2"
			      " AND subscription_id = ?3"),
	[S_INVITE_CURRENT] = BOTH("SELECT " INVITE_COLS " FROM invitations WHERE partner_id = ?1"
				  " ORDER BY created_at DESC, state = 'active' DESC LIMIT 1"),
	[S_INVITE_BY_CODE] = BOTH("SELECT " INVITE_COLS " FROM invitations WHERE code = ?1"),
	[S_INVITE_INSERT] = BOTH("INSERT INTO invitations (" INVITE_COLS ") VALUES (?1, ?2, ?3, ?4)"),
	[S_INVITE_REVOKE] = BOTH("UPDATE invitations SET state = 'revoked' WHERE partner_id = ?1 AND state = 'active'"),
	/* indirect resellers (SQLite 0012, PostgreSQL 0009) */
	[S_RESELLER_INSERT] = BOTH("INSERT INTO indirect_resellers (" RESELLER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5,"
				   " ?6, ?7, ?8)"),
	[S_RESELLER_GET] = BOTH("SELECT " RESELLER_COLS " FROM indirect_resellers WHERE partner_id = ?1"
				" AND reseller_id = ?2"),
	[S_RESELLER_LIST] = BOTH("SELECT " RESELLER_COLS " FROM indirect_resellers WHERE partner_id = ?1"
				 " AND (created_at, reseller_id) > (?2, ?3) ORDER BY created_at, reseller_id LIMIT ?4"),
	[S_RESELLER_END] = BOTH("UPDATE indirect_resellers SET state = 'terminated', updated_at = ?3"
				" WHERE partner_id = ?1 AND reseller_id = ?2 AND state = 'active'"),
	[S_RESELLER_RELEASE] = BOTH("UPDATE customers SET associated_partner_id = NULL, updated_at = ?3"
				    " WHERE partner_id = ?1 AND associated_partner_id = ?2 RETURNING " CUSTOMER_COLS),
	/* the change feed (0014 / 0011): the counter's row is locked until commit, so seq grows in
	 * commit order */
	[S_EVENT_SEQ] = BOTH("INSERT INTO counters (name, value) VALUES ('event_seq:' || ?1, 1) ON CONFLICT (name)"
			     " DO UPDATE SET value = counters.value + 1 RETURNING value"),
	[S_EVENT_INSERT] = BOTH("INSERT INTO events (" EVENT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
	[S_EVENT_LIST] = BOTH("SELECT " EVENT_COLS " FROM events WHERE partner_id = ?1 AND seq > ?2"
			      " ORDER BY seq LIMIT ?3"),
	[S_EVENT_BOUNDS] = BOTH("SELECT coalesce(min(seq), 0), coalesce(max(seq), 0) FROM events"
				" WHERE partner_id = ?1"),
	[S_EVENT_PRUNE] = BOTH("DELETE FROM events WHERE created_at < ?1" EVENT_UNNEEDED),
	/* before a prune: each partner's highest seq it removes, so a cursor below it is known stale */
	[S_EVENT_HORIZON] = {"INSERT INTO counters (name, value) SELECT 'event_pruned:' || partner_id, max(seq)"
			     " FROM events WHERE created_at < ?1" EVENT_UNNEEDED " GROUP BY partner_id"
			     " ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)",
			     "INSERT INTO counters (name, value) SELECT 'event_pruned:' || partner_id, max(seq)"
			     " FROM events WHERE created_at < ?1" EVENT_UNNEEDED " GROUP BY partner_id"
			     " ON CONFLICT (name) DO UPDATE SET value = greatest(counters.value, excluded.value)"},
	[S_EVENT_PRUNED] = BOTH("SELECT coalesce(max(value), 0) FROM counters WHERE name = 'event_pruned:' || ?1"),
	/* webhooks (0015 / 0012) */
	[S_WEBHOOK_GET] = BOTH("SELECT " WEBHOOK_COLS " FROM webhook_registrations WHERE partner_id = ?1"),
	[S_WEBHOOK_INSERT] = BOTH("INSERT INTO webhook_registrations (" WEBHOOK_COLS ")"
				  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, NULL, 0)"),
	[S_WEBHOOK_SAVE] = BOTH("UPDATE webhook_registrations SET url = ?2, events = ?3, updated_at = ?4,"
				" version = version + 1 WHERE partner_id = ?1 AND version = ?5"),
	[S_WEBHOOK_EXISTS] = BOTH("SELECT 1 FROM webhook_registrations WHERE partner_id = ?1"),
	[S_WEBHOOK_DELETE] = BOTH("DELETE FROM webhook_registrations WHERE partner_id = ?1 AND version = ?2"),
	[S_WEBHOOK_DROP_DELIVERIES] = BOTH("DELETE FROM webhook_deliveries WHERE partner_id = ?1"),
	[S_WEBHOOK_DROP_ATTEMPTS] = BOTH("DELETE FROM webhook_attempts WHERE partner_id = ?1"),
	[S_WEBHOOK_DROP_TESTS] = BOTH("DELETE FROM webhook_tests WHERE partner_id = ?1"),
	[S_WEBHOOK_ALL] = BOTH("SELECT " WEBHOOK_COLS " FROM webhook_registrations ORDER BY partner_id"),
	[S_WEBHOOK_LEASE] = BOTH("UPDATE webhook_registrations SET lease_owner = ?3, lease_until_ms = ?5"
				 " WHERE partner_id = ?1 AND subscriber_id = ?2"
				 " AND (lease_owner IS NULL OR lease_owner = ?3 OR lease_until_ms < ?4)"),
	[S_WEBHOOK_ADVANCE] = BOTH("UPDATE webhook_registrations SET feed_cursor = ?4"
				   " WHERE partner_id = ?1 AND subscriber_id = ?2 AND feed_cursor = ?3"),
	[S_WDELIVERY_INSERT] = BOTH("INSERT INTO webhook_deliveries (" WDELIVERY_COLS ")"
				    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
	[S_WDELIVERY_GET] = BOTH("SELECT " WDELIVERY_COLS " FROM webhook_deliveries WHERE partner_id = ?1 AND seq = ?2"),
	[S_WDELIVERY_NEXT] = BOTH("SELECT " WDELIVERY_COLS " FROM webhook_deliveries"
				  " WHERE partner_id = ?1 AND state = 'pending' ORDER BY seq LIMIT 1"),
	[S_WDELIVERY_LIST] = BOTH("SELECT " D_WDELIVERY_COLS ", e.resource_uri, e.resource_name FROM webhook_deliveries d"
				  " LEFT JOIN events e ON e.partner_id = d.partner_id AND e.seq = d.seq"
				  " WHERE d.partner_id = ?1 AND d.seq > ?2 ORDER BY d.seq LIMIT ?3"),
	[S_WDELIVERY_RECORD] = BOTH("UPDATE webhook_deliveries SET state = ?3, attempts = ?4, next_at_ms = ?5,"
				    " updated_at = ?6 WHERE partner_id = ?1 AND seq = ?2 AND state = 'pending'"
				    " AND attempts = ?4 - 1"),
	[S_WATTEMPT_INSERT] = BOTH("INSERT INTO webhook_attempts (" WATTEMPT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
	[S_WDELIVERY_REDELIVER] = BOTH("UPDATE webhook_deliveries SET state = 'pending', round_start = attempts,"
				       " next_at_ms = ?3, updated_at = ?4 WHERE partner_id = ?1 AND seq = ?2"
				       " AND state = 'parked'"),
	[S_WATTEMPT_LIST] = BOTH("SELECT " WATTEMPT_COLS " FROM webhook_attempts WHERE partner_id = ?1"
				 " AND seq >= ?2 AND seq <= ?3 ORDER BY seq, n"),
	[S_WTEST_INSERT] = BOTH("INSERT INTO webhook_tests (partner_id, correlation_id, seq, created_at)"
				" VALUES (?1, ?2, ?3, ?4)"),
	[S_WTEST_GET] = BOTH("SELECT seq FROM webhook_tests WHERE partner_id = ?1 AND correlation_id = ?2"),
	[S_WTEST_RECENT] = BOTH("SELECT count(*), coalesce(min(created_at), 0) FROM webhook_tests"
				" WHERE partner_id = ?1 AND created_at >= ?2"),

	/* ---- SQLite only ---- */
	/* the search index (0004): rowid (partner number << 40) | seq; the domain's first label */
	[S_PARTNER_NO_ADD] = {"INSERT OR IGNORE INTO partner_numbers (partner_id, no)"
			      " SELECT ?1, coalesce(max(no), 0) + 1 FROM partner_numbers", NULL},
	[S_PARTNER_NO] = {"SELECT no FROM partner_numbers WHERE partner_id = ?1", NULL},
	[S_SUFFIX_ADD] = {"INSERT OR IGNORE INTO domain_suffixes (suffix) SELECT substr(?1, instr(?1, '.') + 1)"
			  " WHERE instr(?1, '.') > 0", NULL},
	[S_SUFFIX_HAS] = {"SELECT 1 FROM domain_suffixes WHERE instr(suffix, ?1) > 0 LIMIT 1", NULL},
	/* new entries, [[seq, search text, domain, partner], ...] in ?1: one statement for all of a
	 * transaction's (search_queue.h) */
	[S_SEARCH_INSERT] = {"INSERT INTO customer_search (rowid, name_key, domain) SELECT "
			     PARTNER_ROWID("(e.value ->> 3)", "(e.value ->> 0)") ", e.value ->> 1,"
			     " substr(e.value ->> 2, 1, instr((e.value ->> 2) || '.', '.') - 1) FROM json_each(?1) e", NULL},
	[S_SEARCH_UPDATE] = {"UPDATE customer_search SET name_key = ?2 WHERE rowid = " PARTNER_ROWID("?3", "?1"), NULL},
	[S_DELETE_SEARCH] = {"DELETE FROM customer_search WHERE rowid = " PARTNER_ROWID("?2", "?1"), NULL},
	/* Substring search: the page's rows straight from the trigram index, inside the partner's
	 * rowid range (?5 = its number) after the last seq, in rowid (= seq) order, each joined to
	 * its customers row as FTS5 hands it over, at most a page.  No other partner's entries and
	 * no entry past the page are read.  (As "seq IN (the page's rowids)" the rows cost 0.17 M
	 * instructions more a page at 1M customers: the IN list is built, sorted and read back.) */
	[S_LIST_NAME_FTS] = {"SELECT " C_CUSTOMER_COLS " FROM customer_search s JOIN customers c ON c.partner_id = ?1"
			     " AND c.seq = s.rowid - (?5 << 40) WHERE customer_search MATCH 'name_key : ' || ?2"
			     FTS_RANGE("s.") " ORDER BY s.rowid LIMIT ?4", NULL},
	[S_LIST_DOMAIN_FTS] = {"SELECT " C_CUSTOMER_COLS " FROM customer_search s JOIN customers c ON c.partner_id = ?1"
			       " AND c.seq = s.rowid - (?5 << 40) WHERE customer_search MATCH 'domain : ' || ?2"
			       FTS_RANGE("s.") " ORDER BY s.rowid LIMIT ?4", NULL},
	/* A long substring: the index narrows by two trigrams (?2, an AND), the row's own text
	 * decides (?6: the domain; for names the search text, which holds the pinyin too, against
	 * each of the value's alternatives, search.h).  Joined in index order, so each candidate
	 * costs one customers lookup, which a match needs anyway.  A name's search text is read
	 * from FTS5's content table (customer_search_content: id = rowid, c0 = name_key) by its
	 * rowid, in this statement: the virtual table's own column reads it with a statement of
	 * its own per row, twice the instructions (docs/internals/paging.md). */
	[S_LIST_NAME_FTS_AND] = {"SELECT " C_CUSTOMER_COLS " FROM customer_search s CROSS JOIN customer_search_content t"
				 " ON t.id = s.rowid JOIN customers c ON c.partner_id = ?1 AND c.seq = s.rowid - (?5 << 40)"
				 " WHERE customer_search MATCH 'name_key : ' || ?2" FTS_RANGE("s.")
				 " AND pd_contains(t.c0, ?6) ORDER BY s.rowid LIMIT ?4", NULL},
	[S_LIST_DOMAIN_FTS_AND] = {"SELECT " C_CUSTOMER_COLS " FROM customer_search s JOIN customers c"
				   " ON c.partner_id = ?1 AND c.seq = s.rowid - (?5 << 40) WHERE customer_search MATCH"
				   " 'domain : ' || ?2" FTS_RANGE("s.") " AND instr(c.domain, ?6) > 0"
				   " ORDER BY s.rowid LIMIT ?4", NULL},
	/* 1-2 code points (or an alternative that short): the partner's search texts in rowid
	 * order (FTS5's content table, a rowid range: ~100 bytes a row), each checked against the
	 * alternatives (?2), until a page is full.  The content table is read as the table it is:
	 * through the virtual table every row cost a step of FTS5's own statement (a page of "cq"
	 * at 1M customers: 22.8 M instructions that way, 12.5 M this way). */
	[S_LIST_NAME_SCAN] = {"SELECT " C_CUSTOMER_COLS " FROM customer_search_content t JOIN customers c"
			      " ON c.partner_id = ?1 AND c.seq = t.rowid - (?5 << 40) WHERE 1" FTS_RANGE("t.")
			      " AND pd_contains(t.c0, ?2) ORDER BY t.rowid LIMIT ?4", NULL},
	[S_LIST_DOMAIN_SCAN] = {"SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = ?1 AND seq > ?3"
				" AND instr(domain, ?2) > 0" LIST_TAIL, NULL},
	/* One lookup per B-tree a create inserts into at a place its keys choose (random ids,
	 * names, domains); the sequence-ordered ones (customers_seq, the search index, the
	 * activity log) grow at their ends, which stay cached.  created_at is in no index of
	 * customer_users, so that lookup reads its primary key, not customer_users_list. */
	[S_WARM_INSERT] = {"SELECT (SELECT 1 FROM customers WHERE partner_id = ?1 AND customer_id = ?2),"
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
			   " (SELECT 1 FROM customer_dupkeys WHERE partner_id = ?1 AND customer_id = ?2)", NULL},
	[S_TIDY] = {"INSERT INTO customer_search (customer_search, rank) VALUES ('merge', 256)", NULL},
	/* transaction control, cached like every statement: the writer runs a savepoint per job
	 * and each event loop a read snapshot per request */
	[S_BEGIN_WRITE] = {"BEGIN IMMEDIATE", NULL},
	[S_BEGIN_READ] = {"BEGIN", NULL},
	[S_COMMIT] = {"COMMIT", NULL},
	[S_ROLLBACK] = {"ROLLBACK", NULL},
	[S_SAVEPOINT] = {"SAVEPOINT req", NULL},
	[S_RELEASE] = {"RELEASE req", NULL},
	[S_ROLLBACK_TO] = {"ROLLBACK TO req", NULL},

	/* ---- PostgreSQL only ---- */
	/* substring: LIKE '%v%' (escaped), answered by the pg_trgm index and rechecked exactly;
	 * names: the search text (0007, search.h) against each of the value's alternatives */
	[S_LIST_NAME_SUB] = {NULL, "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = ?1 AND seq > ?3"
				   " AND (search_text LIKE ?2 OR search_text LIKE ?5 OR search_text LIKE ?6)" LIST_TAIL},
	[S_LIST_DOMAIN_SUB] = {NULL, "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = ?1 AND seq > ?3"
				     " AND domain LIKE ?2" LIST_TAIL},
	[S_THROTTLE_GET] = {NULL, "SELECT failures, last_failure, last_success, inflight, held FROM throttle"
				  " WHERE key = ?1"},
	[S_THROTTLE_FAILED] = {NULL, "INSERT INTO throttle AS t (key, failures, last_failure, last_success, inflight,"
				     " held) VALUES (?1, 1, ?2, 0, 0, 0) ON CONFLICT (key) DO UPDATE SET failures ="
				     " CASE WHEN ?2 - t.last_failure > ?3 THEN 1 ELSE t.failures + 1 END,"
				     " last_failure = greatest(t.last_failure, ?2), inflight = "
				     THROTTLE_ENDED("?4", "?5")},
	[S_THROTTLE_SUCCEEDED] = {NULL, "INSERT INTO throttle AS t (key, failures, last_failure, last_success,"
					" inflight, held) VALUES (?1, 0, 0, CASE WHEN ?3 THEN ?2 ELSE 0 END, 0, 0)"
					" ON CONFLICT (key) DO UPDATE SET failures = 0, last_success ="
					" CASE WHEN ?3 THEN ?2 ELSE t.last_success END, inflight = "
					THROTTLE_ENDED("?4", "?5")},
	/* counters idle for an hour, of addresses not trusted in the last 30 days (as throttle.c) */
	[S_THROTTLE_SWEEP] = {NULL, "DELETE FROM throttle WHERE last_failure < ?1 - 3600"
				    " AND last_success < ?1 - 2592000 AND held < ?1 - 3600"},
	/* one more in flight, if the counter is as the caller judged it and under its cap */
	[S_THROTTLE_RESERVE] = {NULL, "INSERT INTO throttle AS t (key, failures, last_failure, last_success,"
				      " inflight, held) VALUES (?1, 0, 0, 0, 1, ?2) ON CONFLICT (key) DO UPDATE SET"
				      " inflight = " THROTTLE_LIVE("?6") " + 1, held = greatest(t.held, ?2)"
				      " WHERE t.failures = ?3 AND t.last_failure = ?4 AND " THROTTLE_LIVE("?6") " < ?5"},
	[S_THROTTLE_RELEASE] = {NULL, "UPDATE throttle AS t SET inflight = " THROTTLE_ENDED("?3", "?4")
				      " WHERE key = ?1"},
	/* every SET expression sees the bucket as it was: refill, then take one if there is one */
	[S_RATE_TAKE] = {NULL, "INSERT INTO rate_buckets AS b (key, tokens, stamp, allowed)"
			       " VALUES (?1, 2 * ?3::float8 - 1, ?2::float8, true) ON CONFLICT (key) DO UPDATE SET"
			       " allowed = least(2 * ?3, b.tokens + greatest(0, ?2 - b.stamp) * ?3) >= 1,"
			       " tokens = least(2 * ?3, b.tokens + greatest(0, ?2 - b.stamp) * ?3)"
			       " - CASE WHEN least(2 * ?3, b.tokens + greatest(0, ?2 - b.stamp) * ?3) >= 1"
			       " THEN 1 ELSE 0 END, stamp = greatest(b.stamp, ?2) RETURNING allowed, tokens"},
};
