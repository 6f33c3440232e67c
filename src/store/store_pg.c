/* store_pg.c - the PostgreSQL backend (libpq) behind the same struct store_ops as SQLite.
 * Owns: a process-wide pool of connections per URL (sized by store_set_pool_size, i.e.
 * --db-pool), prepared statements per connection, reconnecting after a lost connection,
 * numbered migrations (migrations/pg/) and the SQL.  A struct store is a handle on the pool:
 * a call outside a transaction borrows a connection for one statement; begin() pins one until
 * commit or rollback.  Write transactions are serialized deployment-wide by one advisory lock,
 * exactly like SQLite's single writer (BEGIN IMMEDIATE): every instance sees the same commit
 * order, etag checks cannot race, counters follow commit order.  Commits are durable
 * (synchronous_commit = on).  Knows nothing of HTTP. */
#include <fcntl.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "embed.h"
#include "jsonw.h"
#include "search.h"
#include "store_impl.h"
#include "text.h"

#define WRITE_LOCK "7061727472000001"   /* pg_advisory_xact_lock key of write transactions */
#define MIGRATE_LOCK "7061727472000002" /* pg_advisory_lock key of migrations */
#define DEFAULT_POOL 8
#define MAX_POOL 256
#define MAX_ARGS 24

enum stmt_id {
	S_SETTING_GET, S_SETTING_PUT, S_PARTNER_INSERT, S_PARTNER_COUNT, S_PARTNER_GET,
	S_USER_INSERT, S_USER_BY_EMAIL, S_USER_GET, S_USER_LIST, S_USER_SAVE, S_USER_DELETE,
	S_USER_COUNT_ROLE, S_APP_INSERT, S_APP_GET, S_APP_BY_CLIENT, S_APP_LIST, S_APP_SAVE,
	S_TOKENS_REVOKE, S_TOKEN_DELETE, S_AUDIT_SEQ, S_AUDIT_INSERT, S_AUDIT_LIST, S_AUDIT_GET, S_TOKEN_INSERT,
	S_TOKEN_LOOKUP, S_NEXT_SEQ, S_DOMAIN_INSERT, S_CUSTOMER_INSERT, S_CUSER_INSERT, S_CUSER_GET,
	S_CUSER_LIST, S_CUSER_BY_UPN, S_CUSER_SAVE, S_CUSER_DELETE, S_TENANT_HOME,
	S_SET_RELATIONSHIP, S_ORDER_INSERT, S_ORDER_GET, S_ORDER_LIST, S_SUB_INSERT, S_SUB_GET,
	S_SUB_LIST, S_SUB_LIST_ORDER, S_SUB_SAVE,
	S_INVITE_CURRENT, S_INVITE_BY_CODE, S_INVITE_INSERT, S_INVITE_REVOKE, S_CUSTOMER_GET,
	S_LIST_ALL, S_LIST_NEWEST, S_LIST_NAME_PREFIX, S_LIST_DOMAIN_PREFIX, S_LIST_NAME_SUB, S_LIST_DOMAIN_SUB,
	S_ETAG_GET, S_BILLING_UPDATE, S_DELETE_CUSTOMER, S_DELETE_DOMAIN, S_DELETE_CUSERS,
	S_DELETE_SUBS, S_DELETE_ORDERS, S_TENANT_ACCOUNTS, S_DOMAIN_TAKEN, S_IDEM_GET, S_IDEM_PUT,
	S_THROTTLE_GET, S_THROTTLE_FAILED, S_THROTTLE_SUCCEEDED, S_THROTTLE_SWEEP, S_RATE_TAKE,
	S_USER_EXISTS, S_APP_EXISTS, S_SUB_EXISTS, S_CUSER_EXISTS, S_THROTTLE_RESERVE, S_THROTTLE_RELEASE,
	S_RESELLER_INSERT, S_RESELLER_GET, S_RESELLER_LIST, S_RESELLER_END, S_RESELLER_RELEASE, S_LIST_RESELLER,
	S_DUPKEY_PUT, S_DUPKEY_DELETE, S_DUPS_FIND, S_COUNT
};

#define ORDER_COLS "partner_id, customer_id, order_id, billing_cycle, currency_code, created_at"
#define SUB_COLS "partner_id, customer_id, subscription_id, order_id, offer_id, friendly_name, quantity," \
		 " status, suspended_at, etag, created_at, updated_at, version, billing_cycle"
#define CUSER_COLS "partner_id, customer_id, user_id, upn, display_name, first_name, last_name," \
		   " usage_location, roles, state, password_hash, must_change_password, created_at, version"
/* Each row's version comes last (0003): inserts give 1, saves check and increment it. */
#define USER_COLS "partner_id, user_id, email, display_name, password_hash, roles, state," \
		  " must_change_password, created_at, version"
#define APP_COLS "partner_id, app_id, display_name, roles, state, secret_digest, created_at, secret_updated_at"
#define APP_READ "partner_id, app_id, display_name, roles, state, encode(secret_digest, 'hex')," \
		 " created_at, secret_updated_at, version"
#define AUDIT_COLS "partner_id, record_id, seq, created_at, operation_type, resource_type, resource_id," \
		   " customer_id, customer_name, principal_kind, principal_id, principal_name, outcome," \
		   " request_id, correlation_id, old_value, new_value, source_address"
#define CUSTOMER_COLS "customer_id, seq, domain, regnum, relationship, billing, etag, created_at, updated_at," \
		      " associated_partner_id"
#define RESELLER_COLS "partner_id, reseller_id, name, mpn_id, location, state, created_at, updated_at"
#define LIST_TAIL " ORDER BY seq LIMIT $4"
/* throttle: attempts in flight ($2 = now), none once the last reservation is `stale` old; and
 * after `drop` (0 or 1) of them ended */
#define THROTTLE_LIVE(stale) "(CASE WHEN $2 - t.held > " stale " THEN 0 ELSE t.inflight END)"
#define THROTTLE_ENDED(drop, stale) "greatest(" THROTTLE_LIVE(stale) " - " drop ", 0)"
/* ASCII-only lower case, as SQLite's lower() */
#define LOWER(p) "lower(" p "::text COLLATE \"C\")"

static const char *const sql_text[S_COUNT] = {
	[S_SETTING_GET] = "SELECT value FROM settings WHERE name = $1",
	[S_SETTING_PUT] = "INSERT INTO settings (name, value) VALUES ($1, $2)",
	[S_PARTNER_INSERT] = "INSERT INTO partners (partner_id, name, created_at) VALUES ($1, $2, $3)",
	[S_PARTNER_COUNT] = "SELECT count(*) FROM partners",
	[S_PARTNER_GET] = "SELECT partner_id, name, created_at FROM partners WHERE partner_id = $1",
	[S_USER_INSERT] = "INSERT INTO partner_users (partner_id, user_id, email, display_name, password_hash,"
			  " roles, state, must_change_password, created_at, email_key)"
			  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
	[S_USER_BY_EMAIL] = "SELECT " USER_COLS " FROM partner_users WHERE email_key = $1",
	[S_USER_GET] = "SELECT " USER_COLS " FROM partner_users WHERE partner_id = $1 AND user_id = $2",
	[S_USER_LIST] = "SELECT " USER_COLS " FROM partner_users WHERE partner_id = $1 AND email_key > $2"
			" ORDER BY email_key LIMIT $3",
	[S_USER_SAVE] = "UPDATE partner_users SET display_name = $3, roles = $4, state = $5, password_hash = $6,"
			" must_change_password = $7, version = version + 1 WHERE partner_id = $1 AND user_id = $2"
			" AND version = $8",
	[S_USER_DELETE] = "DELETE FROM partner_users WHERE partner_id = $1 AND user_id = $2 AND version = $3",
	[S_USER_COUNT_ROLE] = "SELECT count(*) FROM partner_users WHERE partner_id = $1 AND state = 'active'"
			      " AND strpos(',' || roles || ',', ',' || $2::text || ',') > 0",
	[S_APP_INSERT] = "INSERT INTO apps (" APP_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	[S_APP_GET] = "SELECT " APP_READ " FROM apps WHERE partner_id = $1 AND app_id = $2",
	[S_APP_BY_CLIENT] = "SELECT " APP_READ " FROM apps WHERE app_id = $1",
	[S_APP_LIST] = "SELECT " APP_READ " FROM apps WHERE partner_id = $1 AND (created_at, app_id) > ($2, $3)"
		       " ORDER BY created_at, app_id LIMIT $4",
	[S_APP_SAVE] = "UPDATE apps SET display_name = $3, roles = $4, state = $5, secret_digest = $6,"
		       " secret_updated_at = $7, version = version + 1 WHERE partner_id = $1 AND app_id = $2"
		       " AND version = $8",
	[S_TOKENS_REVOKE] = "DELETE FROM tokens WHERE partner_id = $1 AND principal_id = $2",
	[S_TOKEN_DELETE] = "DELETE FROM tokens WHERE digest = $1 AND partner_id = $2",
	[S_AUDIT_SEQ] = "UPDATE counters SET value = value + 1 WHERE name = 'audit_seq' RETURNING value",
	[S_AUDIT_INSERT] = "INSERT INTO audit_records (" AUDIT_COLS ", principal_key, customer_key) VALUES ($1,"
			   " $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
	[S_AUDIT_LIST] = "SELECT " AUDIT_COLS " FROM audit_records WHERE partner_id = $1 AND seq > $2"
			 " AND created_at BETWEEN $3 AND $4 AND ($5::text IS NULL OR operation_type = $5)"
			 " AND ($6::text IS NULL OR resource_type = $6) AND ($7::text IS NULL OR principal_key = $7)"
			 " AND ($8::text IS NULL OR customer_id = $8)"
			 " AND ($9::text IS NULL OR strpos(customer_key, $9) > 0) ORDER BY seq LIMIT $10",
	[S_AUDIT_GET] = "SELECT " AUDIT_COLS " FROM audit_records WHERE partner_id = $1 AND record_id = $2",
	[S_TOKEN_INSERT] = "INSERT INTO tokens (digest, partner_id, principal_kind, principal_id, roles, expires_at,"
			   " created_at) SELECT $1::bytea, $2::text, $3::text, $4::text, $5::text, $6::bigint,"
			   " extract(epoch FROM now())::bigint"
			   " WHERE EXISTS (SELECT 1 FROM partner_users WHERE $3 = 'user' AND partner_id = $2"
			   " AND user_id = $4 AND version = $7) OR EXISTS (SELECT 1 FROM apps WHERE $3 = 'app'"
			   " AND partner_id = $2 AND app_id = $4 AND version = $7)",
	[S_TOKEN_LOOKUP] = "SELECT t.partner_id, t.principal_kind, t.principal_id, t.expires_at,"
			   " coalesce(u.roles, a.roles), coalesce(u.state, a.state), coalesce(u.email, a.display_name),"
			   " coalesce(u.must_change_password, 0) FROM tokens t"
			   " LEFT JOIN partner_users u ON t.principal_kind = 'user' AND u.partner_id = t.partner_id"
			   " AND u.user_id = t.principal_id"
			   " LEFT JOIN apps a ON t.principal_kind = 'app' AND a.partner_id = t.partner_id"
			   " AND a.app_id = t.principal_id WHERE t.digest = $1",
	[S_NEXT_SEQ] = "UPDATE counters SET value = value + 1 WHERE name = 'customer_seq' RETURNING value",
	[S_DOMAIN_INSERT] = "INSERT INTO domains (domain, partner_id, customer_id) VALUES ($1, $2, $3)",
	[S_CUSTOMER_INSERT] = "INSERT INTO customers (partner_id, customer_id, seq, domain, company_name,"
			      " name_key, regnum, relationship, billing, etag, created_at, updated_at, associated_partner_id,"
			      " search_text)"
			      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13)",
	[S_CUSER_INSERT] = "INSERT INTO customer_users (" CUSER_COLS ") VALUES ($1, $2, $3, " LOWER("$4") ", $5,"
			   " $6, $7, $8, $9, $10, $11, $12, $13, 1)",
	[S_CUSER_GET] = "SELECT " CUSER_COLS " FROM customer_users WHERE partner_id = $1 AND customer_id = $2"
			" AND user_id = $3",
	[S_CUSER_LIST] = "SELECT " CUSER_COLS " FROM customer_users WHERE partner_id = $1 AND customer_id = $2"
			 " AND upn > $3 ORDER BY upn LIMIT $4",
	[S_CUSER_BY_UPN] = "SELECT " CUSER_COLS " FROM customer_users WHERE upn = " LOWER("$1"),
	[S_CUSER_SAVE] = "UPDATE customer_users SET display_name = $4, first_name = $5, last_name = $6,"
			 " usage_location = $7, roles = $8, state = $9, password_hash = $10, must_change_password = $11,"
			 " version = version + 1 WHERE partner_id = $1 AND customer_id = $2 AND user_id = $3"
			 " AND version = $12",
	[S_CUSER_DELETE] = "DELETE FROM customer_users WHERE partner_id = $1 AND customer_id = $2 AND user_id = $3"
			   " AND version = $4",
	[S_TENANT_HOME] = "SELECT partner_id FROM domains WHERE customer_id = $1",
	[S_SET_RELATIONSHIP] = "UPDATE customers SET relationship = $3, updated_at = $4 WHERE partner_id = $1"
			       " AND customer_id = $2",
	[S_ORDER_INSERT] = "INSERT INTO orders (partner_id, customer_id, order_id, created_at, billing_cycle, currency_code)"
			   " VALUES ($1, $2, $3, $4, $5, $6)",
	[S_ORDER_GET] = "SELECT " ORDER_COLS " FROM orders WHERE partner_id = $1 AND customer_id = $2 AND order_id = $3",
	[S_ORDER_LIST] = "SELECT " ORDER_COLS " FROM orders WHERE partner_id = $1 AND customer_id = $2"
			 " AND (created_at, order_id) > ($3, $4) ORDER BY created_at, order_id LIMIT $5",
	[S_SUB_LIST_ORDER] = "SELECT " SUB_COLS " FROM subscriptions WHERE partner_id = $1 AND customer_id = $2"
			     " AND order_id = $3 AND (created_at, subscription_id) > ($4, $5)"
			     " ORDER BY created_at, subscription_id LIMIT $6",
	[S_SUB_INSERT] = "INSERT INTO subscriptions (" SUB_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
			 " $11, $12, 1, $13)",
	[S_SUB_GET] = "SELECT " SUB_COLS " FROM subscriptions WHERE partner_id = $1 AND customer_id = $2"
		      " AND subscription_id = $3",
	[S_SUB_LIST] = "SELECT " SUB_COLS " FROM subscriptions WHERE partner_id = $1 AND customer_id = $2"
		       " AND (created_at, subscription_id) > ($3, $4) ORDER BY created_at, subscription_id LIMIT $5",
	[S_SUB_SAVE] = "UPDATE subscriptions SET friendly_name = $4, quantity = $5, status = $6, suspended_at = $7,"
		       " etag = $8, updated_at = $9, version = version + 1 WHERE partner_id = $1 AND customer_id = $2"
		       " AND subscription_id = $3 AND version = $10",
	[S_INVITE_CURRENT] = "SELECT partner_id, code, state, created_at FROM invitations WHERE partner_id = $1"
			     " ORDER BY created_at DESC, state = 'active' DESC LIMIT 1",
	[S_INVITE_BY_CODE] = "SELECT partner_id, code, state, created_at FROM invitations WHERE code = $1",
	[S_INVITE_INSERT] = "INSERT INTO invitations (partner_id, code, state, created_at) VALUES ($1, $2, $3, $4)",
	[S_INVITE_REVOKE] = "UPDATE invitations SET state = 'revoked' WHERE partner_id = $1 AND state = 'active'",
	[S_CUSTOMER_GET] = "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = $1 AND customer_id = $2",
	[S_LIST_ALL] = "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = $1 AND seq > $3"
		       " AND $2::text IS NULL" LIST_TAIL,
	[S_LIST_NEWEST] = "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = $1 AND seq < $3"
			  " AND $2::text IS NULL ORDER BY seq DESC LIMIT $4",
	/* starts_with: the index range of the prefix (U+10FFFF closes it), exact by starts_with */
	[S_LIST_NAME_PREFIX] = "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = $1"
			       " AND name_key >= $2 AND name_key < $2 || chr(1114111) AND starts_with(name_key, $2)"
			       " AND (name_key, seq) > ($5, $3) ORDER BY name_key, seq LIMIT $4",
	[S_LIST_DOMAIN_PREFIX] = "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = $1"
				 " AND domain >= $2 AND domain < $2 || chr(1114111) AND starts_with(domain, $2)"
				 " AND (domain, seq) > ($5, $3) ORDER BY domain, seq LIMIT $4",
	/* substring: LIKE '%v%' (escaped), answered by the pg_trgm index and rechecked exactly;
	 * names: the search text (0007, search.h) against each of the value's alternatives */
	[S_LIST_NAME_SUB] = "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = $1 AND seq > $3"
			    " AND (search_text LIKE $2 OR search_text LIKE $5 OR search_text LIKE $6)" LIST_TAIL,
	[S_LIST_DOMAIN_SUB] = "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = $1 AND seq > $3"
			      " AND domain LIKE $2" LIST_TAIL,
	[S_ETAG_GET] = "SELECT etag FROM customers WHERE partner_id = $1 AND customer_id = $2",
	[S_BILLING_UPDATE] = "UPDATE customers SET billing = $3, company_name = $4, name_key = $5, etag = $6,"
			     " updated_at = $7, search_text = $8 WHERE partner_id = $1 AND customer_id = $2",
	[S_DELETE_CUSTOMER] = "DELETE FROM customers WHERE partner_id = $1 AND customer_id = $2 RETURNING seq, domain",
	[S_DELETE_DOMAIN] = "DELETE FROM domains WHERE domain = $1",
	[S_DELETE_CUSERS] = "DELETE FROM customer_users WHERE partner_id = $1 AND customer_id = $2",
	[S_DELETE_SUBS] = "DELETE FROM subscriptions WHERE partner_id = $1 AND customer_id = $2",
	[S_DELETE_ORDERS] = "DELETE FROM orders WHERE partner_id = $1 AND customer_id = $2",
	[S_TENANT_ACCOUNTS] = "SELECT count(*) FROM customers WHERE customer_id = $1 AND partner_id <> $2",
	[S_DOMAIN_TAKEN] = "SELECT 1 FROM domains WHERE domain = " LOWER("$1"),
	/* possible duplicates (0007): one normalised name (search.h pd_dup_key) per customer; $3,
	 * a registration number, also finds the partner's customers that have it (no index yet:
	 * the USCC work adds one when it passes the number) */
	[S_DUPKEY_PUT] = "INSERT INTO customer_dupkeys (partner_id, customer_id, dup_key) VALUES ($1, $2, $3)"
			 " ON CONFLICT (partner_id, customer_id) DO UPDATE SET dup_key = excluded.dup_key",
	[S_DUPKEY_DELETE] = "DELETE FROM customer_dupkeys WHERE partner_id = $1 AND customer_id = $2",
	[S_DUPS_FIND] = "SELECT customer_id FROM customer_dupkeys WHERE partner_id = $1 AND dup_key = $2"
			" UNION SELECT customer_id FROM customers WHERE $3::text IS NOT NULL AND partner_id = $1"
			" AND regnum = $3 ORDER BY 1 LIMIT $4",
	[S_IDEM_GET] = "SELECT resource_id, body_digest FROM idempotency WHERE partner_id = $1 AND request_id = $2",
	[S_IDEM_PUT] = "INSERT INTO idempotency (partner_id, request_id, resource_id, created_at, body_digest)"
		       " VALUES ($1, $2, $3, $4, $5)",
	[S_THROTTLE_GET] = "SELECT failures, last_failure, last_success, inflight, held FROM throttle WHERE key = $1",
	[S_THROTTLE_FAILED] = "INSERT INTO throttle AS t (key, failures, last_failure, last_success, inflight, held)"
			      " VALUES ($1, 1, $2, 0, 0, 0) ON CONFLICT (key) DO UPDATE SET failures ="
			      " CASE WHEN $2 - t.last_failure > $3 THEN 1 ELSE t.failures + 1 END,"
			      " last_failure = greatest(t.last_failure, $2), inflight = " THROTTLE_ENDED("$4", "$5"),
	[S_THROTTLE_SUCCEEDED] = "INSERT INTO throttle AS t (key, failures, last_failure, last_success, inflight, held)"
				 " VALUES ($1, 0, 0, CASE WHEN $3 THEN $2 ELSE 0 END, 0, 0) ON CONFLICT (key) DO UPDATE"
				 " SET failures = 0, last_success = CASE WHEN $3 THEN $2 ELSE t.last_success END,"
				 " inflight = " THROTTLE_ENDED("$4", "$5"),
	/* counters idle for an hour, of addresses not trusted in the last 30 days (as throttle.c) */
	[S_THROTTLE_SWEEP] = "DELETE FROM throttle WHERE last_failure < $1 - 3600 AND last_success < $1 - 2592000"
			     " AND held < $1 - 3600",
	/* every SET expression sees the bucket as it was: refill, then take one if there is one */
	[S_RATE_TAKE] = "INSERT INTO rate_buckets AS b (key, tokens, stamp, allowed)"
			" VALUES ($1, 2 * $3::float8 - 1, $2::float8, true) ON CONFLICT (key) DO UPDATE SET"
			" allowed = least(2 * $3, b.tokens + greatest(0, $2 - b.stamp) * $3) >= 1,"
			" tokens = least(2 * $3, b.tokens + greatest(0, $2 - b.stamp) * $3)"
			" - CASE WHEN least(2 * $3, b.tokens + greatest(0, $2 - b.stamp) * $3) >= 1 THEN 1 ELSE 0 END,"
			" stamp = greatest(b.stamp, $2) RETURNING allowed, tokens",
	/* after a versioned save or delete changed nothing: is the row there (at another version)? */
	[S_USER_EXISTS] = "SELECT 1 FROM partner_users WHERE partner_id = $1 AND user_id = $2",
	[S_APP_EXISTS] = "SELECT 1 FROM apps WHERE partner_id = $1 AND app_id = $2",
	[S_SUB_EXISTS] = "SELECT 1 FROM subscriptions WHERE partner_id = $1 AND customer_id = $2"
			 " AND subscription_id = $3",
	[S_CUSER_EXISTS] = "SELECT 1 FROM customer_users WHERE partner_id = $1 AND customer_id = $2"
			   " AND user_id = $3",
	/* one more in flight, if the counter is as the caller judged it and under its cap */
	[S_THROTTLE_RESERVE] = "INSERT INTO throttle AS t (key, failures, last_failure, last_success, inflight, held)"
			       " VALUES ($1, 0, 0, 0, 1, $2) ON CONFLICT (key) DO UPDATE SET"
			       " inflight = " THROTTLE_LIVE("$6") " + 1, held = greatest(t.held, $2)"
			       " WHERE t.failures = $3 AND t.last_failure = $4 AND " THROTTLE_LIVE("$6") " < $5",
	[S_THROTTLE_RELEASE] = "UPDATE throttle AS t SET inflight = " THROTTLE_ENDED("$3", "$4") " WHERE key = $1",
	/* indirect resellers (0009) */
	[S_RESELLER_INSERT] = "INSERT INTO indirect_resellers (" RESELLER_COLS ") VALUES ($1, $2, $3, $4, $5, $6,"
			      " $7, $8)",
	[S_RESELLER_GET] = "SELECT " RESELLER_COLS " FROM indirect_resellers WHERE partner_id = $1 AND reseller_id = $2",
	[S_RESELLER_LIST] = "SELECT " RESELLER_COLS " FROM indirect_resellers WHERE partner_id = $1"
			    " AND (created_at, reseller_id) > ($2, $3) ORDER BY created_at, reseller_id LIMIT $4",
	[S_RESELLER_END] = "UPDATE indirect_resellers SET state = 'terminated', updated_at = $3 WHERE partner_id = $1"
			   " AND reseller_id = $2 AND state = 'active'",
	[S_RESELLER_RELEASE] = "UPDATE customers SET associated_partner_id = NULL, updated_at = $3 WHERE partner_id = $1"
			       " AND associated_partner_id = $2 RETURNING " CUSTOMER_COLS,
	[S_LIST_RESELLER] = "SELECT " CUSTOMER_COLS " FROM customers WHERE partner_id = $1"
			    " AND associated_partner_id = $2 AND seq > $3" LIST_TAIL,
};

/* ---- the pool ---- */

struct pgc {                     /* one connection */
	PGconn *conn;
	bool busy;
	bool prepared[S_COUNT];
	bool watched;                /* wfd is the watchdog's dup() of the socket (under the pool's mu) */
	int wfd;
	long long lent;              /* ms when acquire() lent it out, 0: not lent (under the pool's mu) */
};

struct pool {
	struct pool *next;
	char *url;
	int refs, size;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pgc *c;
	_Atomic long long retry_at;  /* ms: no new connection before (one failed a moment ago) */
};

static pthread_mutex_t pools_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pool *pools;
static int pool_size = DEFAULT_POOL;

void store_set_pool_size(int n)
{
	pool_size = n < 2 ? 2 : n > MAX_POOL ? MAX_POOL : n; /* the writer pins one */
}

struct pgs {
	struct store base;
	struct pool *pool;
	struct pgc *tx;              /* the connection pinned by begin() */
};

static struct pgs *PG(struct store *st)
{
	return (struct pgs *)st;
}

static void quiet(void *arg, const char *message)
{
	(void)arg, (void)message; /* NOTICEs ("already exists, skipping") are not errors */
}

/* Runs one utility command; PD_OK when it succeeded. */
static enum pd_err simple(PGconn *conn, const char *sql);

/* Every session: UTF-8, durable commits, quiet notices. */
static bool session_setup(struct pgc *c)
{
	memset(c->prepared, 0, sizeof c->prepared);
	PQsetNoticeProcessor(c->conn, quiet, NULL);
	return PQstatus(c->conn) == CONNECTION_OK &&
	       simple(c->conn, "SET client_encoding = 'UTF8'; SET synchronous_commit = on;"
			       " SET default_transaction_isolation = 'read committed'") == PD_OK;
}

/* ---- limits on a server that is gone or hangs (store_set_pg_limits, serve's --db-* settings) ----
 * A host that is gone (dead, or its route dropped) ends the connection by libpq's
 * connect_timeout and TCP keepalives / tcp_user_timeout; a statement on a server that answers
 * is bounded by statement_timeout (in the session's options: migrations lift it).  A server
 * that stops answering while its kernel still acknowledges (a hung or stopped postmaster)
 * defeats all of these, so a watchdog also cuts off (shutdown(2) of a dup of the socket) a
 * connection lent out for longer than the statement timeout and 2 s: the waiting call fails
 * as on a lost connection (PD_EIO: 503 and Retry-After) and the next use reconnects, to
 * whichever host of the URL accepts writes now.  After a failed attempt to connect, calls
 * fail at once for a second instead of each waiting for its own attempt on an event loop.
 * All zero (the default): libpq's and the server's own behaviour, no watchdog. */
static struct { int connect_s, statement_s, keepalive_s; } limits;

void store_set_pg_limits(int connect_s, int statement_s, int keepalive_s)
{
	limits.connect_s = connect_s, limits.statement_s = statement_s, limits.keepalive_s = keepalive_s;
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void *watchdog(void *arg)
{
	(void)arg;
	for (;;) {
		nanosleep(&(struct timespec){0, 250 * 1000000L}, NULL);
		long long now = now_ms(), limit = (limits.statement_s + 2) * 1000LL;
		pthread_mutex_lock(&pools_mu);
		for (struct pool *p = pools; p; p = p->next) {
			pthread_mutex_lock(&p->mu);
			for (int i = 0; i < p->size; i++)
				if (p->c[i].lent && now - p->c[i].lent > limit && p->c[i].watched) {
					shutdown(p->c[i].wfd, SHUT_RDWR);
					p->c[i].lent = 0;
				}
			pthread_mutex_unlock(&p->mu);
		}
		pthread_mutex_unlock(&pools_mu);
	}
	return NULL;
}

static void watchdog_start(void)
{
	pthread_t t;
	if (limits.statement_s > 0 && pthread_create(&t, NULL, watchdog, NULL) == 0)
		pthread_detach(t);
}

/* The watchdog's copy of c's socket: closed before the connection is reset, a new one after. */
static void watch_fd(struct pool *p, struct pgc *c, bool open)
{
	pthread_mutex_lock(&p->mu);
	if (c->watched)
		close(c->wfd);
	c->watched = open && PQstatus(c->conn) == CONNECTION_OK &&
		     (c->wfd = fcntl(PQsocket(c->conn), F_DUPFD_CLOEXEC, 0)) >= 0;
	pthread_mutex_unlock(&p->mu);
}

static void lend(struct pool *p, struct pgc *c, long long since)
{
	pthread_mutex_lock(&p->mu);
	c->lent = since;
	pthread_mutex_unlock(&p->mu);
}

/* Opens the connection with the limits (the URL's own parameters win), or re-establishes a
 * lost one. */
static bool connect_conn(struct pool *p, struct pgc *c)
{
	if (c->conn && PQstatus(c->conn) == CONNECTION_OK)
		return true;
	if (limits.statement_s > 0 && atomic_load(&p->retry_at) > now_ms())
		return false;
	if (c->conn) {
		watch_fd(p, c, false);
		PQreset(c->conn);
	} else {
		char v[5][40];
		const char *keys[8], *vals[8];
		int n = 0;
		if (limits.connect_s > 0) {
			snprintf(v[0], sizeof v[0], "%d", limits.connect_s);
			keys[n] = "connect_timeout", vals[n++] = v[0];
		}
		if (limits.keepalive_s > 0) {
			snprintf(v[1], sizeof v[1], "%d", limits.keepalive_s);
			snprintf(v[2], sizeof v[2], "%d", limits.keepalive_s > 3 ? limits.keepalive_s / 3 : 1);
			snprintf(v[3], sizeof v[3], "%d", limits.keepalive_s * 1000);
			keys[n] = "keepalives_idle", vals[n++] = v[1];
			keys[n] = "keepalives_interval", vals[n++] = v[2];
			keys[n] = "keepalives_count", vals[n++] = "3";
			keys[n] = "tcp_user_timeout", vals[n++] = v[3];
		}
		if (limits.statement_s > 0) {
			snprintf(v[4], sizeof v[4], "-c statement_timeout=%ds", limits.statement_s);
			keys[n] = "options", vals[n++] = v[4];
		}
		keys[n] = "dbname", vals[n++] = p->url;
		keys[n] = NULL, vals[n] = NULL;
		c->conn = PQconnectdbParams(keys, vals, 1);
	}
	bool ok = session_setup(c);
	watch_fd(p, c, ok);
	if (!ok)
		atomic_store(&p->retry_at, now_ms() + 1000);
	return ok;
}

static struct pgc *pool_take(struct pool *p)
{
	struct pgc *c = NULL;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		for (int i = 0; i < p->size && !c; i++)
			if (!p->c[i].busy)
				c = &p->c[i];
		if (c)
			break;
		pthread_cond_wait(&p->cv, &p->mu);
	}
	c->busy = true;
	pthread_mutex_unlock(&p->mu);
	return c;
}

static void pool_give(struct pool *p, struct pgc *c)
{
	pthread_mutex_lock(&p->mu);
	c->busy = false;
	c->lent = 0;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* The pinned connection in a transaction, else one from the pool, connected; NULL if the
 * server cannot be reached. */
static struct pgc *acquire(struct pgs *s)
{
	if (s->tx)
		return s->tx;
	struct pgc *c = pool_take(s->pool);
	if (connect_conn(s->pool, c)) {
		lend(s->pool, c, now_ms());
		return c;
	}
	pool_give(s->pool, c);
	return NULL;
}

static void release(struct pgs *s, struct pgc *c)
{
	if (c && c != s->tx)
		pool_give(s->pool, c);
}

static struct pool *pool_get(const char *url)
{
	pthread_mutex_lock(&pools_mu);
	struct pool *p = pools;
	while (p && strcmp(p->url, url))
		p = p->next;
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, watchdog_start);
	if (!p && (p = calloc(1, sizeof *p))) {
		p->url = strdup(url);
		p->size = pool_size;
		p->c = calloc((size_t)p->size, sizeof *p->c);
		pthread_mutex_init(&p->mu, NULL);
		pthread_cond_init(&p->cv, NULL);
		p->next = pools;
		pools = p;
	}
	if (p)
		p->refs++;
	pthread_mutex_unlock(&pools_mu);
	return p;
}

static void pool_put(struct pool *p)
{
	pthread_mutex_lock(&pools_mu);
	bool last = --p->refs == 0;
	if (last)
		for (struct pool **pp = &pools; *pp; pp = &(*pp)->next)
			if (*pp == p) {
				*pp = p->next;
				break;
			}
	pthread_mutex_unlock(&pools_mu);
	if (!last)
		return;
	for (int i = 0; i < p->size; i++) {
		if (p->c[i].watched)
			close(p->c[i].wfd);
		if (p->c[i].conn)
			PQfinish(p->c[i].conn);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->c);
	free(p->url);
	free(p);
}

/* ---- statements ---- */

struct args {
	int n;
	const char *v[MAX_ARGS];
	int len[MAX_ARGS], fmt[MAX_ARGS];
	char num[MAX_ARGS][24];
};

static void a_text(struct args *a, const char *v)
{
	a->v[a->n] = v;
	a->len[a->n] = 0;
	a->fmt[a->n++] = 0;
}

static void a_int(struct args *a, long long v)
{
	snprintf(a->num[a->n], sizeof a->num[a->n], "%lld", v);
	a_text(a, a->num[a->n]);
}

static void a_blob(struct args *a, const void *v, int len)
{
	a->v[a->n] = v;
	a->len[a->n] = len;
	a->fmt[a->n++] = 1;
}

/* SQLSTATE classes: 23 integrity (a unique key taken), 40 serialization/deadlock, 53 out of
 * resources (disk full), 08/57 connection lost or server shutting down. */
static enum pd_err map_result(PGconn *conn, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (!r)
		return PQstatus(conn) == CONNECTION_OK ? PD_ENOMEM : PD_EIO;
	if (!state)
		return PQstatus(conn) == CONNECTION_OK ? PD_EINTERNAL : PD_EIO;
	if (!strncmp(state, "23", 2))
		return PD_ECONFLICT;
	if (!strncmp(state, "40", 2) || !strcmp(state, "55P03") || !strcmp(state, "57014"))
		return PD_EBUSY;
	if (!strncmp(state, "53", 2) || !strncmp(state, "08", 2) || !strncmp(state, "57", 2) ||
	    !strncmp(state, "58", 2))
		return PD_EIO;
	return PD_EINTERNAL;
}

static enum pd_err report(PGconn *conn, PGresult *r, const char *what)
{
	enum pd_err e = map_result(conn, r);
	if (e == PD_EINTERNAL)
		fprintf(stderr, "store: %s: %s", what, PQerrorMessage(conn));
	PQclear(r);
	return e;
}

static enum pd_err simple(PGconn *conn, const char *sql)
{
	PGresult *r = PQexec(conn, sql);
	ExecStatusType t = PQresultStatus(r);
	if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK) {
		PQclear(r);
		return PD_OK;
	}
	return report(conn, r, "command failed");
}

static enum pd_err prepare(struct pgc *c, enum stmt_id id)
{
	char name[16];
	if (c->prepared[id])
		return PD_OK;
	snprintf(name, sizeof name, "pd%d", (int)id);
	PGresult *r = PQprepare(c->conn, name, sql_text[id], 0, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return report(c->conn, r, "prepare failed");
	PQclear(r);
	c->prepared[id] = true;
	return PD_OK;
}

/* Executes statement `id` on c; the result (to PQclear) or NULL with *e set.  Outside a
 * transaction a statement that found its connection lost runs once more on a new one. */
static PGresult *execute(struct pgs *s, struct pgc *c, enum stmt_id id, const struct args *a,
			 enum pd_err *e)
{
	char name[16];
	snprintf(name, sizeof name, "pd%d", (int)id);
	for (int attempt = 0;; attempt++) {
		PGresult *r = NULL;
		*e = prepare(c, id);
		if (*e == PD_OK) {
			r = PQexecPrepared(c->conn, name, a ? a->n : 0, a ? a->v : NULL, a ? a->len : NULL,
					   a ? a->fmt : NULL, 0);
			ExecStatusType t = PQresultStatus(r);
			if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK)
				return r;
			*e = report(c->conn, r, sql_text[id]);
		}
		if (attempt > 0 || c == s->tx || PQstatus(c->conn) == CONNECTION_OK ||
		    !connect_conn(s->pool, c))
			return NULL;
	}
}

typedef enum pd_err (*row_reader)(PGresult *, int row, void *out, struct pd_arena *);

/* A statement without rows (or whose rows are ignored); *changed = rows affected. */
static enum pd_err q_cmd(struct pgs *s, enum stmt_id id, const struct args *a, long long *changed)
{
	enum pd_err e = PD_EIO;
	struct pgc *c = acquire(s);
	PGresult *r = c ? execute(s, c, id, a, &e) : NULL;
	if (r && changed)
		*changed = atoll(PQcmdTuples(r));
	PQclear(r);
	release(s, c);
	return e;
}

/* At most one row, read by `rd`; PD_ENOTFOUND when there is none. */
static enum pd_err q_one(struct pgs *s, enum stmt_id id, const struct args *a, row_reader rd,
			 void *out, struct pd_arena *ar)
{
	enum pd_err e = PD_EIO;
	struct pgc *c = acquire(s);
	PGresult *r = c ? execute(s, c, id, a, &e) : NULL;
	if (r)
		e = PQntuples(r) > 0 ? rd(r, 0, out, ar) : PD_ENOTFOUND;
	PQclear(r);
	release(s, c);
	return e;
}

/* Every row, read by `rd` into a new arena array of `size`-byte rows. */
static enum pd_err q_all(struct pgs *s, enum stmt_id id, const struct args *a, size_t size,
			 row_reader rd, void **rows, size_t *n, struct pd_arena *ar)
{
	enum pd_err e = PD_EIO;
	struct pgc *c = acquire(s);
	PGresult *r = c ? execute(s, c, id, a, &e) : NULL;
	*n = 0;
	*rows = NULL;
	if (r) {
		int k = PQntuples(r);
		char *buf = pd_alloc(ar, size * (size_t)(k ? k : 1));
		for (int i = 0; i < k && e == PD_OK; i++)
			e = rd(r, i, buf + size * (*n)++, ar);
		*rows = buf;
	}
	PQclear(r);
	release(s, c);
	return e;
}

static const char *col(PGresult *r, int row, int i, struct pd_arena *ar)
{
	return PQgetisnull(r, row, i) ? NULL : pd_strdup(ar, PQgetvalue(r, row, i));
}

static long long num(PGresult *r, int row, int i)
{
	return atoll(PQgetvalue(r, row, i));
}

static enum pd_err read_text(PGresult *r, int row, void *out, struct pd_arena *ar)
{
	*(const char **)out = col(r, row, 0, ar);
	return PD_OK;
}

static enum pd_err read_num(PGresult *r, int row, void *out, struct pd_arena *ar)
{
	(void)ar;
	*(long long *)out = num(r, row, 0);
	return PD_OK;
}

static enum pd_err read_hex(PGresult *r, int row, int i, unsigned char out[PD_DIGEST_LEN])
{
	const char *hex = PQgetvalue(r, row, i);
	size_t len = 0;
	if (sodium_hex2bin(out, PD_DIGEST_LEN, hex, strlen(hex), NULL, &len, NULL) != 0 ||
	    len != PD_DIGEST_LEN)
		return PD_EINTERNAL;
	return PD_OK;
}

/* ---- transactions ---- */

static enum pd_err pg_begin(struct store *st)
{
	struct pgs *s = PG(st);
	if (s->tx)
		return PD_EINTERNAL;
	struct pgc *c = acquire(s);
	if (!c)
		return PD_EIO;
	enum pd_err e = simple(c->conn, "BEGIN; SELECT pg_advisory_xact_lock(" WRITE_LOCK ")");
	if (e != PD_OK && PQstatus(c->conn) != CONNECTION_OK && connect_conn(s->pool, c))
		e = simple(c->conn, "BEGIN; SELECT pg_advisory_xact_lock(" WRITE_LOCK ")");
	if (e != PD_OK) {
		simple(c->conn, "ROLLBACK");
		pool_give(s->pool, c);
		return e;
	}
	s->tx = c;
	return PD_OK;
}

/* Ends the transaction with `sql` and gives its connection back. */
static enum pd_err finish(struct pgs *s, const char *sql)
{
	struct pgc *c = s->tx;
	if (!c)
		return PD_EINTERNAL;
	PGresult *r = PQexec(c->conn, sql);
	enum pd_err e = PD_OK;
	/* a COMMIT of an aborted transaction answers ROLLBACK: that is a failure */
	if (PQresultStatus(r) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(r), "ROLLBACK") == 0)
		e = strcmp(sql, "COMMIT") == 0 && PQresultStatus(r) == PGRES_COMMAND_OK ? PD_EINTERNAL
										 : map_result(c->conn, r);
	PQclear(r);
	s->tx = NULL;
	pool_give(s->pool, c);
	return strcmp(sql, "ROLLBACK") == 0 ? PD_OK : e;
}

static enum pd_err pg_commit(struct store *st) { return finish(PG(st), "COMMIT"); }
static enum pd_err pg_rollback(struct store *st) { return PG(st)->tx ? finish(PG(st), "ROLLBACK") : PD_OK; }

static enum pd_err in_tx(struct store *st, const char *sql)
{
	struct pgs *s = PG(st);
	return s->tx ? simple(s->tx->conn, sql) : PD_EINTERNAL;
}

static enum pd_err pg_savepoint(struct store *st) { return in_tx(st, "SAVEPOINT req"); }
static enum pd_err pg_release(struct store *st) { return in_tx(st, "RELEASE req"); }
static enum pd_err pg_rollback_to(struct store *st) { return in_tx(st, "ROLLBACK TO req; RELEASE req"); }

static void pg_close(struct store *st)
{
	struct pgs *s = PG(st);
	if (!s)
		return;
	if (s->tx)
		finish(s, "ROLLBACK");
	if (s->pool)
		pool_put(s->pool);
	free(s);
}

/* ---- settings, partners, users, tokens ---- */

static enum pd_err pg_setting_get(struct store *st, const char *name, char **value,
				  struct pd_arena *ar)
{
	struct args a = {0};
	a_text(&a, name);
	return q_one(PG(st), S_SETTING_GET, &a, read_text, value, ar);
}

static enum pd_err pg_setting_put(struct store *st, const char *name, const char *value)
{
	struct args a = {0};
	a_text(&a, name);
	a_text(&a, value);
	return q_cmd(PG(st), S_SETTING_PUT, &a, NULL);
}

static enum pd_err pg_partner_insert(struct store *st, const struct pd_partner *p)
{
	struct args a = {0};
	a_text(&a, p->id);
	a_text(&a, p->name);
	a_int(&a, p->created);
	return q_cmd(PG(st), S_PARTNER_INSERT, &a, NULL);
}

static enum pd_err pg_partner_count(struct store *st, long long *n)
{
	*n = 0;
	return q_one(PG(st), S_PARTNER_COUNT, NULL, read_num, n, NULL);
}

static enum pd_err read_partner(PGresult *r, int row, void *out, struct pd_arena *ar)
{
	*(struct pd_partner *)out = (struct pd_partner){col(r, row, 0, ar), col(r, row, 1, ar), num(r, row, 2)};
	return PD_OK;
}

static enum pd_err pg_partner_get(struct store *st, const char *id, struct pd_partner *p,
				  struct pd_arena *ar)
{
	struct args a = {0};
	a_text(&a, id);
	return q_one(PG(st), S_PARTNER_GET, &a, read_partner, p, ar);
}

static enum pd_err pg_user_insert(struct store *st, const struct pd_user *u)
{
	struct pd_arena *ar = pd_arena_new();
	const char *key = pd_text_key(ar, u->email);
	struct args a = {0};
	const char *t[] = {u->partner_id, u->id, u->email, u->display_name, u->password_hash, u->roles,
			   u->state ? u->state : "active"};
	for (int i = 0; i < 7; i++)
		a_text(&a, t[i]);
	a_int(&a, u->must_change_password);
	a_int(&a, u->created);
	a_text(&a, key);
	enum pd_err e = key ? q_cmd(PG(st), S_USER_INSERT, &a, NULL) : PD_EINVAL;
	pd_arena_free(ar);
	return e;
}

static enum pd_err read_user(PGresult *r, int row, void *out, struct pd_arena *ar)
{
	*(struct pd_user *)out = (struct pd_user){
		.partner_id = col(r, row, 0, ar), .id = col(r, row, 1, ar), .email = col(r, row, 2, ar),
		.display_name = col(r, row, 3, ar), .password_hash = col(r, row, 4, ar),
		.roles = col(r, row, 5, ar), .state = col(r, row, 6, ar),
		.must_change_password = num(r, row, 7) != 0, .created = num(r, row, 8),
		.version = num(r, row, 9)};
	return PD_OK;
}

static enum pd_err pg_user_by_email(struct store *st, const char *email, struct pd_user *u,
				    struct pd_arena *ar)
{
	const char *key = pd_text_key(ar, email);
	struct args a = {0};
	if (!key)
		return PD_ENOTFOUND;
	a_text(&a, key);
	return q_one(PG(st), S_USER_BY_EMAIL, &a, read_user, u, ar);
}

/* A statement whose parameters are a partner id and one more text. */
static void two(struct args *a, const char *partner, const char *key)
{
	a_text(a, partner);
	a_text(a, key);
}

static enum pd_err pg_user_get(struct store *st, const char *partner, const char *id,
			       struct pd_user *u, struct pd_arena *ar)
{
	struct args a = {0};
	two(&a, partner, id);
	return q_one(PG(st), S_USER_GET, &a, read_user, u, ar);
}

static enum pd_err pg_user_list(struct store *st, const char *partner, const char *after, int size,
				struct pd_user **rows, size_t *n, struct pd_arena *ar)
{
	struct args a = {0};
	two(&a, partner, after ? after : "");
	a_int(&a, size + 1);
	return q_all(PG(st), S_USER_LIST, &a, sizeof **rows, read_user, (void **)rows, n, ar);
}

/* PD_ENOTFOUND when an UPDATE or DELETE found no row. */
static enum pd_err changed_one(struct pgs *s, enum stmt_id id, const struct args *a)
{
	long long changed = 0;
	enum pd_err e = q_cmd(s, id, a, &changed);
	return e == PD_OK && changed == 0 ? PD_ENOTFOUND : e;
}

/* A versioned UPDATE, DELETE or INSERT (a parameter is the version read): PD_OK if it
 * changed its row (and then *version + 1 when `version` is given), else PD_ECHANGED if the
 * row of `keys` is there at another version (`exists`), PD_ENOTFOUND if it is gone. */
static enum pd_err versioned(struct pgs *s, enum stmt_id id, const struct args *a,
			     enum stmt_id exists, const struct args *keys, long long *version)
{
	long long changed = 0, found = 0;
	enum pd_err e = q_cmd(s, id, a, &changed);
	if (e != PD_OK || changed > 0) {
		if (e == PD_OK && version)
			++*version;
		return e;
	}
	e = q_cmd(s, exists, keys, &found);
	return e != PD_OK ? e : found > 0 ? PD_ECHANGED : PD_ENOTFOUND;
}

/* versioned() for a statement whose first `nkeys` parameters are the row's key. */
static enum pd_err versioned_row(struct pgs *s, enum stmt_id id, const struct args *a,
				 enum stmt_id exists, int nkeys, long long *version)
{
	struct args keys = *a;
	keys.n = nkeys;
	return versioned(s, id, a, exists, &keys, version);
}

static enum pd_err pg_user_save(struct store *st, struct pd_user *u)
{
	struct args a = {0};
	const char *t[] = {u->partner_id, u->id, u->display_name, u->roles, u->state, u->password_hash};
	for (int i = 0; i < 6; i++)
		a_text(&a, t[i]);
	a_int(&a, u->must_change_password);
	a_int(&a, u->version);
	return versioned_row(PG(st), S_USER_SAVE, &a, S_USER_EXISTS, 2, &u->version);
}

static enum pd_err pg_user_delete(struct store *st, const char *partner, const char *id,
				  long long version)
{
	struct args a = {0};
	two(&a, partner, id);
	a_int(&a, version);
	return versioned_row(PG(st), S_USER_DELETE, &a, S_USER_EXISTS, 2, NULL);
}

static enum pd_err pg_tokens_revoke(struct store *st, const char *partner, const char *principal)
{
	struct args a = {0};
	two(&a, partner, principal);
	return q_cmd(PG(st), S_TOKENS_REVOKE, &a, NULL);
}

static enum pd_err pg_token_delete(struct store *st, const char *partner,
				   const unsigned char digest[PD_DIGEST_LEN])
{
	struct args a = {0};
	a_blob(&a, digest, PD_DIGEST_LEN);
	a_text(&a, partner);
	return q_cmd(PG(st), S_TOKEN_DELETE, &a, NULL);
}

static enum pd_err pg_user_count_role(struct store *st, const char *partner, const char *role,
				      long long *n)
{
	struct args a = {0};
	two(&a, partner, role);
	*n = 0;
	return q_one(PG(st), S_USER_COUNT_ROLE, &a, read_num, n, NULL);
}

static enum pd_err pg_token_insert(struct store *st, const struct pd_token *t)
{
	struct args a = {0};
	a_blob(&a, t->digest, PD_DIGEST_LEN);
	a_text(&a, t->partner_id);
	a_text(&a, t->principal_kind);
	a_text(&a, t->principal_id);
	a_text(&a, t->roles);
	a_int(&a, t->expires);
	a_int(&a, t->principal_version);
	struct args keys = {0};
	two(&keys, t->partner_id, t->principal_id);
	bool app = t->principal_kind && !strcmp(t->principal_kind, "app");
	return versioned(PG(st), S_TOKEN_INSERT, &a, app ? S_APP_EXISTS : S_USER_EXISTS, &keys, NULL);
}

static enum pd_err read_token(PGresult *r, int row, void *out, struct pd_arena *ar)
{
	struct pd_token *t = out;
	t->partner_id = col(r, row, 0, ar);
	t->principal_kind = col(r, row, 1, ar);
	t->principal_id = col(r, row, 2, ar);
	t->expires = num(r, row, 3);
	t->roles = col(r, row, 4, ar);
	t->state = col(r, row, 5, ar);
	t->principal_name = col(r, row, 6, ar);
	t->must_change_password = num(r, row, 7) != 0;
	return PD_OK;
}

static enum pd_err pg_token_lookup(struct store *st, const unsigned char digest[PD_DIGEST_LEN],
				   struct pd_token *t, struct pd_arena *ar)
{
	struct args a = {0};
	a_blob(&a, digest, PD_DIGEST_LEN);
	enum pd_err e = q_one(PG(st), S_TOKEN_LOOKUP, &a, read_token, t, ar);
	if (e == PD_OK)
		memcpy(t->digest, digest, PD_DIGEST_LEN);
	return e;
}

/* ---- customers ---- */

static enum pd_err put_dupkey(struct pgs *s, const char *partner, const char *id, const char *dup)
{
	struct args a = {0};
	two(&a, partner, id);
	a_text(&a, dup);
	return q_cmd(s, S_DUPKEY_PUT, &a, NULL);
}

/* The row with its search.h forms: name key, search text and (its own table) duplicate key. */
static enum pd_err insert_customer_row(struct pgs *s, const char *partner,
				       const struct pd_customer *c, const struct pd_name_forms *f)
{
	char *billing = store_billing_text(&c->billing);
	struct args a = {0};
	two(&a, partner, c->id);
	a_int(&a, c->seq);
	const char *t[] = {c->domain, c->billing.company_name, f->key, c->regnum,
			   c->relationship ? c->relationship : "reseller", billing, c->billing.etag};
	for (int i = 0; i < 7; i++)
		a_text(&a, t[i]);
	a_int(&a, c->created);
	a_text(&a, c->associated_partner_id);
	a_text(&a, f->search);
	enum pd_err e = billing ? q_cmd(s, S_CUSTOMER_INSERT, &a, NULL) : PD_ENOMEM;
	free(billing);
	return e == PD_OK ? put_dupkey(s, partner, c->id, f->dup) : e;
}

static void cuser_args(struct args *a, const struct pd_customer_user *u)
{
	const char *t[] = {u->partner_id, u->customer_id, u->id, u->upn, u->display_name, u->first_name,
			   u->last_name, u->usage_location, u->roles ? u->roles : "user",
			   u->state ? u->state : "active", u->password_hash};
	for (int i = 0; i < 11; i++)
		a_text(a, t[i]);
	a_int(a, u->must_change_password);
	a_int(a, u->created);
}

static enum pd_err insert_cuser(struct pgs *s, const struct pd_customer_user *u)
{
	struct args a = {0};
	cuser_args(&a, u);
	return q_cmd(s, S_CUSER_INSERT, &a, NULL);
}

static enum pd_err insert_domain(struct pgs *s, const char *partner, const struct pd_customer *c)
{
	struct args a = {0};
	a_text(&a, c->domain);
	two(&a, partner, c->id);
	return q_cmd(s, S_DOMAIN_INSERT, &a, NULL);
}

static enum pd_err next_seq(struct pgs *s, long long *seq)
{
	return q_one(s, S_NEXT_SEQ, NULL, read_num, seq, NULL);
}

static enum pd_err pg_customer_insert(struct store *st, const char *partner,
				      struct pd_customer *c, const struct pd_customer_user *admin)
{
	struct pgs *s = PG(st);
	struct pd_arena *ar = pd_arena_new();
	struct pd_name_forms f;
	enum pd_err e = pd_name_forms(ar, c->billing.company_name, &f) ? insert_domain(s, partner, c) : PD_EINVAL;
	if (e == PD_OK)
		e = next_seq(s, &c->seq);
	if (e == PD_OK)
		e = insert_customer_row(s, partner, c, &f);
	if (e == PD_OK && admin)
		e = insert_cuser(s, admin);
	pd_arena_free(ar);
	return e;
}

static enum pd_err read_customer(PGresult *r, int row, void *out, struct pd_arena *ar)
{
	struct pd_customer *c = out;
	memset(c, 0, sizeof *c);
	c->id = col(r, row, 0, ar);
	c->seq = num(r, row, 1);
	c->domain = col(r, row, 2, ar);
	c->regnum = col(r, row, 3, ar);
	c->relationship = col(r, row, 4, ar);
	enum pd_err e = store_billing_parse(PQgetvalue(r, row, 5), &c->billing, ar);
	c->billing.etag = col(r, row, 6, ar);
	c->created = num(r, row, 7);
	c->updated = num(r, row, 8);
	c->associated_partner_id = col(r, row, 9, ar);
	c->admin_user = pd_printf(ar, "admin@%s", c->domain);
	return e;
}

static enum pd_err pg_customer_get(struct store *st, const char *partner, const char *id,
				   struct pd_customer *c, struct pd_arena *ar)
{
	struct args a = {0};
	two(&a, partner, id);
	return q_one(PG(st), S_CUSTOMER_GET, &a, read_customer, c, ar);
}

/* Picks the statement for a query; fills its arguments. */
static enum stmt_id list_args(const char *partner, const struct pd_query *q, struct args *a,
			      struct pd_arena *ar)
{
	bool name = q->field == PD_FILTER_NAME;
	enum stmt_id id = q->newest && q->field == PD_FILTER_NONE ? S_LIST_NEWEST : S_LIST_ALL;
	const char *value = NULL;
	if (q->field == PD_FILTER_RESELLER) {
		id = S_LIST_RESELLER;
		value = q->value;
	} else if (q->field != PD_FILTER_NONE && q->op == PD_OP_STARTS_WITH) {
		id = name ? S_LIST_NAME_PREFIX : S_LIST_DOMAIN_PREFIX;
		value = q->value;
	} else if (q->field != PD_FILTER_NONE) {
		id = name ? S_LIST_NAME_SUB : S_LIST_DOMAIN_SUB;
		value = pd_printf(ar, "%%%s%%", pd_like_escape(ar, q->value));
	}
	two(a, partner, value);
	a_int(a, q->has_after ? q->after_seq : id == S_LIST_NEWEST ? INT64_MAX : 0);
	a_int(a, q->size + 1);
	if (id == S_LIST_NAME_PREFIX || id == S_LIST_DOMAIN_PREFIX)
		a_text(a, q->has_after ? q->after_key : "");
	if (id == S_LIST_NAME_SUB) { /* $2, $5, $6: the value's alternatives (the first repeated) */
		const char *t[PD_SEARCH_TERMS];
		int n = pd_search_terms(ar, q->value, t);
		for (int i = 1; i < PD_SEARCH_TERMS; i++)
			a_text(a, i < n ? pd_printf(ar, "%%%s%%", pd_like_escape(ar, t[i])) : value);
	}
	return id;
}

static enum pd_err pg_customer_list(struct store *st, const char *partner,
				    const struct pd_query *qr, struct pd_customer **rows,
				    size_t *n, struct pd_arena *ar)
{
	struct args a = {0};
	enum stmt_id id = list_args(partner, qr, &a, ar);
	return q_all(PG(st), id, &a, sizeof **rows, read_customer, (void **)rows, n, ar);
}

static enum pd_err read_id(PGresult *r, int row, void *out, struct pd_arena *ar)
{
	*(const char **)out = col(r, row, 0, ar);
	return PD_OK;
}

static enum pd_err pg_customer_dups(struct store *st, const char *partner, const char *dup_key,
				    const char *regnum, int max, char ***ids, size_t *n, struct pd_arena *ar)
{
	struct args a = {0};
	two(&a, partner, dup_key);
	a_text(&a, regnum);
	a_int(&a, max);
	return q_all(PG(st), S_DUPS_FIND, &a, sizeof **ids, read_id, (void **)ids, n, ar);
}

static enum pd_err pg_billing_update(struct store *st, const char *partner, const char *id,
				     const struct pd_billing *b, const char *new_etag,
				     long long now)
{
	struct pgs *s = PG(st);
	struct pd_arena *ar = pd_arena_new();
	const char *etag = NULL;
	struct pd_name_forms f;
	struct args a = {0};
	two(&a, partner, id);
	enum pd_err e = pd_name_forms(ar, b->company_name, &f) ? q_one(s, S_ETAG_GET, &a, read_text, &etag, ar)
							     : PD_EINVAL;
	if (e == PD_OK && (!b->etag || !etag || strcmp(etag, b->etag) != 0))
		e = PD_ESTALE;
	char *billing = e == PD_OK ? store_billing_text(b) : NULL;
	if (e == PD_OK && !billing)
		e = PD_ENOMEM;
	if (e == PD_OK) {
		const char *t[] = {billing, b->company_name, f.key, new_etag};
		for (int i = 0; i < 4; i++)
			a_text(&a, t[i]);
		a_int(&a, now);
		a_text(&a, f.search);
		e = q_cmd(s, S_BILLING_UPDATE, &a, NULL);
	}
	if (e == PD_OK)
		e = put_dupkey(s, partner, id, f.dup);
	free(billing);
	pd_arena_free(ar);
	return e;
}

static enum pd_err read_tenant_home(PGresult *r, int row, void *out, struct pd_arena *ar)
{
	return read_text(r, row, out, ar);
}

static enum pd_err pg_tenant_home(struct store *st, const char *customer, char **partner,
				  struct pd_arena *ar)
{
	struct args a = {0};
	a_text(&a, customer);
	return q_one(PG(st), S_TENANT_HOME, &a, read_tenant_home, partner, ar);
}

struct deleted {
	long long seq;
	const char *domain;
};

static enum pd_err read_deleted(PGresult *r, int row, void *out, struct pd_arena *ar)
{
	struct deleted *d = out;
	d->seq = num(r, row, 0);
	d->domain = col(r, row, 1, ar);
	return PD_OK;
}

static enum pd_err delete_pair(struct pgs *s, enum stmt_id id, const char *a1, const char *a2)
{
	struct args a = {0};
	a_text(&a, a1);
	if (a2)
		a_text(&a, a2);
	return q_cmd(s, id, &a, NULL);
}

static enum pd_err pg_customer_delete(struct store *st, const char *partner, const char *id)
{
	struct pgs *s = PG(st);
	struct pd_arena *ar = pd_arena_new();
	char *home = NULL;
	long long others = 0;
	struct deleted d = {0};
	struct args a = {0};
	enum pd_err e = pg_tenant_home(st, id, &home, ar);
	bool is_home = e == PD_OK && !strcmp(home, partner);
	if (e == PD_ENOTFOUND)
		e = PD_OK; /* no tenant row: an account left over from an earlier delete */
	two(&a, id, partner);
	if (e == PD_OK && is_home)
		e = q_one(s, S_TENANT_ACCOUNTS, &a, read_num, &others, NULL);
	if (e == PD_OK && others > 0)
		e = PD_ECONFLICT;
	a = (struct args){0};
	two(&a, partner, id);
	if (e == PD_OK)
		e = q_one(s, S_DELETE_CUSTOMER, &a, read_deleted, &d, ar);
	if (e == PD_OK)
		e = delete_pair(s, S_DUPKEY_DELETE, partner, id);
	if (e == PD_OK)
		e = delete_pair(s, S_DELETE_SUBS, partner, id);
	if (e == PD_OK)
		e = delete_pair(s, S_DELETE_ORDERS, partner, id);
	if (e == PD_OK && is_home)
		e = delete_pair(s, S_DELETE_DOMAIN, d.domain, NULL);
	if (e == PD_OK && is_home)
		e = delete_pair(s, S_DELETE_CUSERS, partner, id);
	pd_arena_free(ar);
	return e;
}

static enum pd_err pg_domain_taken(struct store *st, const char *domain, bool *taken)
{
	struct args a = {0};
	long long one = 0;
	a_text(&a, domain);
	enum pd_err e = q_one(PG(st), S_DOMAIN_TAKEN, &a, read_num, &one, NULL);
	*taken = e == PD_OK;
	return e == PD_ENOTFOUND ? PD_OK : e;
}

struct idem_row {
	char **resource_id, **digest;
};

static enum pd_err read_idem(PGresult *r, int row, void *out, struct pd_arena *ar)
{
	struct idem_row *k = out;
	*k->resource_id = (char *)col(r, row, 0, ar);
	*k->digest = (char *)col(r, row, 1, ar);
	return PD_OK;
}

static enum pd_err pg_idem_get(struct store *st, const char *partner, const char *request_id,
			       char **resource_id, char **digest, struct pd_arena *ar)
{
	struct args a = {0};
	struct idem_row k = {resource_id, digest};
	two(&a, partner, request_id);
	return q_one(PG(st), S_IDEM_GET, &a, read_idem, &k, ar);
}

/* An INSERT of three texts and a time, the shape of several small tables. */
static enum pd_err insert3(struct store *st, enum stmt_id id, const char *x, const char *y,
			   const char *z, long long now)
{
	struct args a = {0};
	two(&a, x, y);
	a_text(&a, z);
	a_int(&a, now);
	return q_cmd(PG(st), id, &a, NULL);
}

static enum pd_err pg_idem_put(struct store *st, const char *partner, const char *request_id,
			       const char *resource_id, const char *digest, long long now)
{
	struct args a = {0};
	two(&a, partner, request_id);
	a_text(&a, resource_id);
	a_int(&a, now);
	a_text(&a, digest);
	return q_cmd(PG(st), S_IDEM_PUT, &a, NULL);
}

/* ---- apps ---- */

static void app_args(struct args *a, const struct pd_app *p, bool insert)
{
	two(a, p->partner_id, p->id);
	a_text(a, p->display_name);
	a_text(a, p->roles);
	a_text(a, p->state ? p->state : "active");
	a_blob(a, p->secret_digest, PD_DIGEST_LEN);
	if (insert)
		a_int(a, p->created);
	a_int(a, p->secret_updated);
}

static enum pd_err pg_app_insert(struct store *st, const struct pd_app *p)
{
	struct args a = {0};
	app_args(&a, p, true);
	return q_cmd(PG(st), S_APP_INSERT, &a, NULL);
}

static enum pd_err pg_app_save(struct store *st, struct pd_app *p)
{
	struct args a = {0};
	app_args(&a, p, false);
	a_int(&a, p->version);
	return versioned_row(PG(st), S_APP_SAVE, &a, S_APP_EXISTS, 2, &p->version);
}

static enum pd_err read_app(PGresult *r, int row, void *out, struct pd_arena *ar)
{
	struct pd_app *p = out;
	*p = (struct pd_app){.partner_id = col(r, row, 0, ar), .id = col(r, row, 1, ar),
			     .display_name = col(r, row, 2, ar), .roles = col(r, row, 3, ar),
			     .state = col(r, row, 4, ar), .created = num(r, row, 6),
			     .secret_updated = num(r, row, 7), .version = num(r, row, 8)};
	return read_hex(r, row, 5, p->secret_digest);
}

static enum pd_err pg_app_get(struct store *st, const char *partner, const char *id,
			      struct pd_app *p, struct pd_arena *ar)
{
	struct args a = {0};
	two(&a, partner, id);
	return q_one(PG(st), S_APP_GET, &a, read_app, p, ar);
}

static enum pd_err pg_app_by_client(struct store *st, const char *client_id, struct pd_app *p,
				    struct pd_arena *ar)
{
	struct args a = {0};
	a_text(&a, client_id);
	return q_one(PG(st), S_APP_BY_CLIENT, &a, read_app, p, ar);
}

/* A keyset position (created_at, id) as two arguments: before every row when NULL. */
static void a_after(struct args *a, const struct pd_after *after)
{
	a_int(a, after ? after->created : INT64_MIN);
	a_text(a, after && after->id ? after->id : "");
}

static enum pd_err pg_app_list(struct store *st, const char *partner, const struct pd_after *after,
			       int size, struct pd_app **rows, size_t *n, struct pd_arena *ar)
{
	struct args a = {0};
	a_text(&a, partner);
	a_after(&a, after);
	a_int(&a, size + 1);
	return q_all(PG(st), S_APP_LIST, &a, sizeof **rows, read_app, (void **)rows, n, ar);
}

/* ---- audit ---- */

static enum pd_err pg_audit_insert(struct store *st, struct pd_audit *r)
{
	struct pgs *s = PG(st);
	enum pd_err e = q_one(s, S_AUDIT_SEQ, NULL, read_num, &r->seq, NULL);
	if (e != PD_OK)
		return e;
	struct pd_arena *ar = pd_arena_new();
	struct args a = {0};
	two(&a, r->partner_id, r->id);
	a_int(&a, r->seq);
	a_int(&a, r->created);
	const char *t[] = {r->operation, r->resource_type, r->resource_id, r->customer_id,
			   r->customer_name, r->principal_kind, r->principal_id, r->principal_name,
			   r->outcome, r->request_id, r->correlation_id, r->old_value, r->new_value,
			   r->source, pd_text_key(ar, r->principal_name), pd_text_key(ar, r->customer_name)};
	for (int i = 0; i < 16; i++)
		a_text(&a, t[i]);
	e = q_cmd(s, S_AUDIT_INSERT, &a, NULL);
	pd_arena_free(ar);
	return e;
}

static enum pd_err read_audit(PGresult *r, int row, void *out, struct pd_arena *ar)
{
	*(struct pd_audit *)out = (struct pd_audit){
		.partner_id = col(r, row, 0, ar), .id = col(r, row, 1, ar), .seq = num(r, row, 2),
		.created = num(r, row, 3), .operation = col(r, row, 4, ar),
		.resource_type = col(r, row, 5, ar), .resource_id = col(r, row, 6, ar),
		.customer_id = col(r, row, 7, ar), .customer_name = col(r, row, 8, ar),
		.principal_kind = col(r, row, 9, ar), .principal_id = col(r, row, 10, ar),
		.principal_name = col(r, row, 11, ar), .outcome = col(r, row, 12, ar),
		.request_id = col(r, row, 13, ar), .correlation_id = col(r, row, 14, ar),
		.old_value = col(r, row, 15, ar), .new_value = col(r, row, 16, ar),
		.source = col(r, row, 17, ar)};
	return PD_OK;
}

/* The search key of a filter value; a value that has none (invalid UTF-8) matches nothing. */
static const char *filter_key(const char *v, struct pd_arena *ar)
{
	const char *k = v ? pd_text_key(ar, v) : NULL;
	return v && !k ? "\x01" : k;
}

static enum pd_err pg_audit_list(struct store *st, const char *partner,
				 const struct pd_audit_query *f, struct pd_audit **rows, size_t *n,
				 struct pd_arena *ar)
{
	struct args a = {0};
	a_text(&a, partner);
	a_int(&a, f->after_seq);
	a_int(&a, f->start);
	a_int(&a, f->end);
	const char *t[] = {f->operation, f->resource_type, filter_key(f->user, ar), f->customer_id,
			   filter_key(f->customer_name, ar)};
	for (int i = 0; i < 5; i++)
		a_text(&a, t[i]);
	a_int(&a, f->size + 1);
	return q_all(PG(st), S_AUDIT_LIST, &a, sizeof **rows, read_audit, (void **)rows, n, ar);
}

static enum pd_err pg_audit_get(struct store *st, const char *partner, const char *id,
				struct pd_audit *r, struct pd_arena *ar)
{
	struct args a = {0};
	two(&a, partner, id);
	return q_one(PG(st), S_AUDIT_GET, &a, read_audit, r, ar);
}

/* ---- orders and subscriptions ---- */

static enum pd_err pg_order_insert(struct store *st, const struct pd_order_row *o)
{
	struct args a = {0};
	two(&a, o->partner_id, o->customer_id);
	a_text(&a, o->id);
	a_int(&a, o->created);
	a_text(&a, o->billing_cycle);
	a_text(&a, o->currency);
	return q_cmd(PG(st), S_ORDER_INSERT, &a, NULL);
}

static enum pd_err read_order(PGresult *r, int row, void *out, struct pd_arena *ar)
{
	*(struct pd_order_row *)out = (struct pd_order_row){
		.partner_id = col(r, row, 0, ar), .customer_id = col(r, row, 1, ar), .id = col(r, row, 2, ar),
		.billing_cycle = col(r, row, 3, ar), .currency = col(r, row, 4, ar), .created = num(r, row, 5)};
	return PD_OK;
}

static enum pd_err pg_sub_insert(struct store *st, const struct pd_subscription *b)
{
	struct args a = {0};
	const char *t[] = {b->partner_id, b->customer_id, b->id, b->order_id, b->offer_id, b->friendly_name};
	for (int i = 0; i < 6; i++)
		a_text(&a, t[i]);
	a_int(&a, b->quantity);
	a_text(&a, b->status);
	if (b->suspended_at)
		a_int(&a, b->suspended_at);
	else
		a_text(&a, NULL);
	a_text(&a, b->etag);
	a_int(&a, b->created);
	a_int(&a, b->updated);
	a_text(&a, b->billing_cycle ? b->billing_cycle : "monthly");
	return q_cmd(PG(st), S_SUB_INSERT, &a, NULL);
}

static enum pd_err read_sub(PGresult *r, int row, void *out, struct pd_arena *ar)
{
	*(struct pd_subscription *)out = (struct pd_subscription){
		.partner_id = col(r, row, 0, ar), .customer_id = col(r, row, 1, ar), .id = col(r, row, 2, ar),
		.order_id = col(r, row, 3, ar), .offer_id = col(r, row, 4, ar),
		.friendly_name = col(r, row, 5, ar), .quantity = num(r, row, 6), .status = col(r, row, 7, ar),
		.suspended_at = num(r, row, 8), .etag = col(r, row, 9, ar), .created = num(r, row, 10),
		.updated = num(r, row, 11), .version = num(r, row, 12), .billing_cycle = col(r, row, 13, ar)};
	return PD_OK;
}

static void three(struct args *a, const char *partner, const char *customer, const char *id)
{
	two(a, partner, customer);
	a_text(a, id);
}

static enum pd_err pg_order_get(struct store *st, const char *partner, const char *customer,
				const char *id, struct pd_order_row *o, struct pd_arena *ar)
{
	struct args a = {0};
	three(&a, partner, customer, id);
	return q_one(PG(st), S_ORDER_GET, &a, read_order, o, ar);
}

static enum pd_err pg_order_list(struct store *st, const char *partner, const char *customer,
				 const struct pd_after *after, int size, struct pd_order_row **rows,
				 size_t *n, struct pd_arena *ar)
{
	struct args a = {0};
	two(&a, partner, customer);
	a_after(&a, after);
	a_int(&a, size + 1);
	return q_all(PG(st), S_ORDER_LIST, &a, sizeof **rows, read_order, (void **)rows, n, ar);
}

static enum pd_err pg_sub_list_order(struct store *st, const char *partner, const char *customer,
				     const char *order_id, const struct pd_after *after, int size,
				     struct pd_subscription **rows, size_t *n, struct pd_arena *ar)
{
	struct args a = {0};
	three(&a, partner, customer, order_id);
	a_after(&a, after);
	a_int(&a, size + 1);
	return q_all(PG(st), S_SUB_LIST_ORDER, &a, sizeof **rows, read_sub, (void **)rows, n, ar);
}

static enum pd_err pg_sub_get(struct store *st, const char *partner, const char *customer,
			      const char *id, struct pd_subscription *b, struct pd_arena *ar)
{
	struct args a = {0};
	three(&a, partner, customer, id);
	return q_one(PG(st), S_SUB_GET, &a, read_sub, b, ar);
}

static enum pd_err pg_sub_list(struct store *st, const char *partner, const char *customer,
			       const struct pd_after *after, int size, struct pd_subscription **rows,
			       size_t *n, struct pd_arena *ar)
{
	struct args a = {0};
	two(&a, partner, customer);
	a_after(&a, after);
	a_int(&a, size + 1);
	return q_all(PG(st), S_SUB_LIST, &a, sizeof **rows, read_sub, (void **)rows, n, ar);
}

static enum pd_err pg_sub_save(struct store *st, struct pd_subscription *b)
{
	struct args a = {0};
	three(&a, b->partner_id, b->customer_id, b->id);
	a_text(&a, b->friendly_name);
	a_int(&a, b->quantity);
	a_text(&a, b->status);
	if (b->suspended_at)
		a_int(&a, b->suspended_at);
	else
		a_text(&a, NULL);
	a_text(&a, b->etag);
	a_int(&a, b->updated);
	a_int(&a, b->version);
	return versioned_row(PG(st), S_SUB_SAVE, &a, S_SUB_EXISTS, 3, &b->version);
}

/* ---- customer users ---- */

static enum pd_err read_cuser(PGresult *r, int row, void *out, struct pd_arena *ar)
{
	*(struct pd_customer_user *)out = (struct pd_customer_user){
		.partner_id = col(r, row, 0, ar), .customer_id = col(r, row, 1, ar), .id = col(r, row, 2, ar),
		.upn = col(r, row, 3, ar), .display_name = col(r, row, 4, ar), .first_name = col(r, row, 5, ar),
		.last_name = col(r, row, 6, ar), .usage_location = col(r, row, 7, ar),
		.roles = col(r, row, 8, ar), .state = col(r, row, 9, ar), .password_hash = col(r, row, 10, ar),
		.must_change_password = num(r, row, 11) != 0, .created = num(r, row, 12),
		.version = num(r, row, 13)};
	return PD_OK;
}

static enum pd_err pg_cuser_insert(struct store *st, const struct pd_customer_user *u)
{
	return insert_cuser(PG(st), u);
}

static enum pd_err pg_cuser_get(struct store *st, const char *home, const char *customer,
				const char *id, struct pd_customer_user *u, struct pd_arena *ar)
{
	struct args a = {0};
	three(&a, home, customer, id);
	return q_one(PG(st), S_CUSER_GET, &a, read_cuser, u, ar);
}

static enum pd_err pg_cuser_list(struct store *st, const char *home, const char *customer,
				 const char *after, int size, struct pd_customer_user **rows, size_t *n,
				 struct pd_arena *ar)
{
	struct args a = {0};
	two(&a, home, customer);
	a_text(&a, after ? after : "");
	a_int(&a, size + 1);
	return q_all(PG(st), S_CUSER_LIST, &a, sizeof **rows, read_cuser, (void **)rows, n, ar);
}

static enum pd_err pg_cuser_by_upn(struct store *st, const char *upn, struct pd_customer_user *u,
				   struct pd_arena *ar)
{
	struct args a = {0};
	a_text(&a, upn);
	return q_one(PG(st), S_CUSER_BY_UPN, &a, read_cuser, u, ar);
}

static enum pd_err pg_cuser_save(struct store *st, struct pd_customer_user *u)
{
	struct args a = {0};
	const char *t[] = {u->partner_id, u->customer_id, u->id, u->display_name, u->first_name,
			   u->last_name, u->usage_location, u->roles, u->state, u->password_hash};
	for (int i = 0; i < 10; i++)
		a_text(&a, t[i]);
	a_int(&a, u->must_change_password);
	a_int(&a, u->version);
	return versioned_row(PG(st), S_CUSER_SAVE, &a, S_CUSER_EXISTS, 3, &u->version);
}

static enum pd_err pg_cuser_delete(struct store *st, const char *home, const char *customer,
				   const char *id, long long version)
{
	struct args a = {0};
	three(&a, home, customer, id);
	a_int(&a, version);
	return versioned_row(PG(st), S_CUSER_DELETE, &a, S_CUSER_EXISTS, 3, NULL);
}

/* ---- relationships and invitations ---- */

static enum pd_err pg_customer_link(struct store *st, const char *partner, struct pd_customer *c)
{
	c->associated_partner_id = NULL; /* another partner's reseller is not this one's */
	struct pgs *s = PG(st);
	struct pd_arena *ar = pd_arena_new();
	struct pd_name_forms f;
	enum pd_err e = pd_name_forms(ar, c->billing.company_name, &f) ? next_seq(s, &c->seq) : PD_EINVAL;
	if (e == PD_OK)
		e = insert_customer_row(s, partner, c, &f);
	pd_arena_free(ar);
	return e;
}

static enum pd_err pg_customer_set_relationship(struct store *st, const char *partner,
						const char *id, const char *rel, long long now)
{
	struct args a = {0};
	three(&a, partner, id, rel);
	a_int(&a, now);
	return changed_one(PG(st), S_SET_RELATIONSHIP, &a);
}

static enum pd_err read_invitation(PGresult *r, int row, void *out, struct pd_arena *ar)
{
	*(struct pd_invitation *)out = (struct pd_invitation){col(r, row, 0, ar), col(r, row, 1, ar),
							      col(r, row, 2, ar), num(r, row, 3)};
	return PD_OK;
}

static enum pd_err pg_invitation_latest(struct store *st, const char *partner,
					 struct pd_invitation *i, struct pd_arena *ar)
{
	struct args a = {0};
	a_text(&a, partner);
	return q_one(PG(st), S_INVITE_CURRENT, &a, read_invitation, i, ar);
}

static enum pd_err pg_invitation_by_code(struct store *st, const char *code,
					 struct pd_invitation *i, struct pd_arena *ar)
{
	struct args a = {0};
	a_text(&a, code);
	return q_one(PG(st), S_INVITE_BY_CODE, &a, read_invitation, i, ar);
}

static enum pd_err pg_invitation_insert(struct store *st, const struct pd_invitation *i)
{
	return insert3(st, S_INVITE_INSERT, i->partner_id, i->code, i->state ? i->state : "active",
		       i->created);
}

static enum pd_err pg_invitation_revoke(struct store *st, const char *partner)
{
	struct args a = {0};
	a_text(&a, partner);
	return q_cmd(PG(st), S_INVITE_REVOKE, &a, NULL);
}

/* ---- shared throttling counters ---- */

static enum pd_err read_throttle(PGresult *r, int row, void *out, struct pd_arena *ar)
{
	(void)ar;
	*(struct pd_throttle_row *)out = (struct pd_throttle_row){num(r, row, 0), num(r, row, 1), num(r, row, 2),
								   num(r, row, 3), num(r, row, 4)};
	return PD_OK;
}

static enum pd_err pg_throttle_get(struct store *st, const char *key, struct pd_throttle_row *row)
{
	struct args a = {0};
	a_text(&a, key);
	return q_one(PG(st), S_THROTTLE_GET, &a, read_throttle, row, NULL);
}

/* Every 1024th failure of a process also sweeps idle counters, so the table stays bounded
 * under a flood of addresses. */
static enum pd_err pg_throttle_failed(struct store *st, const char *key, long long now,
				      long long fade, int drop, long long stale)
{
	static atomic_uint failures;
	struct args a = {0};
	a_text(&a, key);
	a_int(&a, now);
	a_int(&a, fade);
	a_int(&a, drop);
	a_int(&a, stale);
	enum pd_err e = q_cmd(PG(st), S_THROTTLE_FAILED, &a, NULL);
	if (e == PD_OK && (atomic_fetch_add(&failures, 1) & 1023) == 1023) {
		a = (struct args){0};
		a_int(&a, now);
		e = q_cmd(PG(st), S_THROTTLE_SWEEP, &a, NULL);
	}
	return e;
}

static enum pd_err pg_throttle_succeeded(struct store *st, const char *key, long long now, bool good,
					 int drop, long long stale)
{
	struct args a = {0};
	a_text(&a, key);
	a_int(&a, now);
	a_text(&a, good ? "true" : "false");
	a_int(&a, drop);
	a_int(&a, stale);
	return q_cmd(PG(st), S_THROTTLE_SUCCEEDED, &a, NULL);
}

static enum pd_err pg_throttle_reserve(struct store *st, const char *key, const struct pd_throttle_row *seen,
				       long long now, int cap, long long stale, bool *taken)
{
	struct args a = {0};
	long long changed = 0;
	a_text(&a, key);
	a_int(&a, now);
	a_int(&a, seen->failures);
	a_int(&a, seen->last);
	a_int(&a, cap);
	a_int(&a, stale);
	enum pd_err e = q_cmd(PG(st), S_THROTTLE_RESERVE, &a, &changed);
	*taken = e == PD_OK && changed == 1;
	return e;
}

static enum pd_err pg_throttle_release(struct store *st, const char *key, long long now, int drop,
				       long long stale)
{
	struct args a = {0};
	a_text(&a, key);
	a_int(&a, now);
	a_int(&a, drop);
	a_int(&a, stale);
	return q_cmd(PG(st), S_THROTTLE_RELEASE, &a, NULL);
}

struct bucket {
	bool allowed;
	double tokens;
};

static enum pd_err read_bucket(PGresult *r, int row, void *out, struct pd_arena *ar)
{
	(void)ar;
	struct bucket *b = out;
	b->allowed = PQgetvalue(r, row, 0)[0] == 't';
	b->tokens = atof(PQgetvalue(r, row, 1));
	return PD_OK;
}

static enum pd_err pg_rate_take(struct store *st, const char *key, double now, int rate, int *wait)
{
	struct args a = {0};
	struct bucket b = {0};
	char stamp[40];
	snprintf(stamp, sizeof stamp, "%.6f", now);
	a_text(&a, key);
	a_text(&a, stamp);
	a_int(&a, rate);
	enum pd_err e = q_one(PG(st), S_RATE_TAKE, &a, read_bucket, &b, NULL);
	*wait = e != PD_OK || b.allowed || rate <= 0 ? 0 : (int)((1.0 - b.tokens) / rate) + 1;
	return e;
}

/* ---- raw SQL, for moving data (store_copy.c) ---- */

static enum pd_err pg_raw_select(struct store *st, const char *sql,
				 int (*row)(void *, int, const char *const *), void *arg)
{
	struct pgs *s = PG(st);
	struct pgc *c = acquire(s);
	if (!c)
		return PD_EIO;
	PGresult *r = PQexec(c->conn, sql);
	enum pd_err e = PQresultStatus(r) == PGRES_TUPLES_OK ? PD_OK : map_result(c->conn, r);
	int n = PQnfields(r);
	const char *v[64];
	for (int i = 0; e == PD_OK && n <= 64 && i < PQntuples(r); i++) {
		for (int k = 0; k < n; k++)
			v[k] = PQgetisnull(r, i, k) ? NULL : PQgetvalue(r, i, k);
		if (row(arg, n, v))
			break;
	}
	if (e != PD_OK)
		fprintf(stderr, "store: %s", PQerrorMessage(c->conn));
	PQclear(r);
	release(s, c);
	return e;
}

static enum pd_err pg_raw_exec(struct store *st, const char *sql, int n, const char *const *params)
{
	struct pgs *s = PG(st);
	struct pgc *c = acquire(s);
	if (!c)
		return PD_EIO;
	PGresult *r = PQexecParams(c->conn, sql, n, NULL, params, NULL, NULL, 0);
	enum pd_err e = PQresultStatus(r) == PGRES_COMMAND_OK ? PD_OK : map_result(c->conn, r);
	if (e != PD_OK)
		fprintf(stderr, "store: %s", PQerrorMessage(c->conn));
	PQclear(r);
	release(s, c);
	return e;
}

/* ---- indirect resellers ---- */

static enum pd_err read_reseller(PGresult *r, int row, void *out, struct pd_arena *ar)
{
	struct pd_reseller *x = out;
	x->partner_id = col(r, row, 0, ar);
	x->id = col(r, row, 1, ar);
	x->name = col(r, row, 2, ar);
	x->mpn_id = col(r, row, 3, ar);
	x->location = col(r, row, 4, ar);
	x->state = col(r, row, 5, ar);
	x->created = num(r, row, 6);
	x->updated = num(r, row, 7);
	return PD_OK;
}

static enum pd_err pg_reseller_insert(struct store *st, const struct pd_reseller *x)
{
	struct args a = {0};
	const char *t[] = {x->partner_id, x->id, x->name, x->mpn_id, x->location, x->state ? x->state : "active"};
	for (int i = 0; i < 6; i++)
		a_text(&a, t[i]);
	a_int(&a, x->created);
	a_int(&a, x->updated);
	return q_cmd(PG(st), S_RESELLER_INSERT, &a, NULL);
}

static enum pd_err pg_reseller_get(struct store *st, const char *partner, const char *id,
				   struct pd_reseller *x, struct pd_arena *ar)
{
	struct args a = {0};
	two(&a, partner, id);
	return q_one(PG(st), S_RESELLER_GET, &a, read_reseller, x, ar);
}

static enum pd_err pg_reseller_list(struct store *st, const char *partner, const struct pd_after *after,
				    int size, struct pd_reseller **rows, size_t *n, struct pd_arena *ar)
{
	struct args a = {0};
	a_text(&a, partner);
	a_after(&a, after);
	a_int(&a, size + 1);
	return q_all(PG(st), S_RESELLER_LIST, &a, sizeof **rows, read_reseller, (void **)rows, n, ar);
}

static enum pd_err pg_reseller_end(struct store *st, const char *partner, const char *id, long long now,
				   struct pd_customer **cleared, size_t *n, struct pd_arena *ar)
{
	struct args a = {0};
	two(&a, partner, id);
	a_int(&a, now);
	enum pd_err e = changed_one(PG(st), S_RESELLER_END, &a);
	if (e != PD_OK)
		return e;
	return q_all(PG(st), S_RESELLER_RELEASE, &a, sizeof **cleared, read_customer, (void **)cleared, n, ar);
}

static const struct store_ops pg_ops = {
	.name = "postgresql",
	.close = pg_close,
	.begin = pg_begin, .commit = pg_commit, .rollback = pg_rollback,
	.savepoint = pg_savepoint, .release = pg_release, .rollback_to = pg_rollback_to,
	.setting_get = pg_setting_get, .setting_put = pg_setting_put,
	.partner_insert = pg_partner_insert, .partner_count = pg_partner_count,
	.partner_get = pg_partner_get,
	.user_insert = pg_user_insert, .user_by_email = pg_user_by_email,
	.token_insert = pg_token_insert, .token_lookup = pg_token_lookup,
	.customer_insert = pg_customer_insert, .customer_get = pg_customer_get,
	.customer_list = pg_customer_list, .billing_update = pg_billing_update,
	.customer_delete = pg_customer_delete, .domain_taken = pg_domain_taken,
	.idem_get = pg_idem_get, .idem_put = pg_idem_put,
	.user_get = pg_user_get, .user_list = pg_user_list, .user_save = pg_user_save,
	.user_delete = pg_user_delete, .user_count_role = pg_user_count_role,
	.app_insert = pg_app_insert, .app_get = pg_app_get, .app_by_client = pg_app_by_client,
	.app_list = pg_app_list, .app_save = pg_app_save, .tokens_revoke = pg_tokens_revoke,
	.token_delete = pg_token_delete,
	.audit_insert = pg_audit_insert, .audit_list = pg_audit_list, .audit_get = pg_audit_get,
	.order_insert = pg_order_insert, .order_get = pg_order_get, .order_list = pg_order_list,
	.sub_list_order = pg_sub_list_order, .sub_insert = pg_sub_insert, .sub_get = pg_sub_get,
	.sub_list = pg_sub_list, .sub_save = pg_sub_save, .cuser_insert = pg_cuser_insert,
	.cuser_get = pg_cuser_get, .cuser_list = pg_cuser_list, .cuser_by_upn = pg_cuser_by_upn,
	.cuser_save = pg_cuser_save, .cuser_delete = pg_cuser_delete, .tenant_home = pg_tenant_home,
	.customer_link = pg_customer_link, .customer_set_relationship = pg_customer_set_relationship,
	.invitation_latest = pg_invitation_latest, .invitation_by_code = pg_invitation_by_code,
	.invitation_insert = pg_invitation_insert, .invitation_revoke = pg_invitation_revoke,
	.throttle_get = pg_throttle_get, .throttle_failed = pg_throttle_failed,
	.throttle_succeeded = pg_throttle_succeeded, .rate_take = pg_rate_take,
	.raw_select = pg_raw_select, .raw_exec = pg_raw_exec,
	.throttle_reserve = pg_throttle_reserve, .throttle_release = pg_throttle_release,
	.reseller_insert = pg_reseller_insert, .reseller_get = pg_reseller_get,
	.reseller_list = pg_reseller_list, .reseller_end = pg_reseller_end,
	.customer_dups = pg_customer_dups,
};

/* ---- migrations ---- */

static int schema_version(PGconn *conn)
{
	PGresult *r = PQexec(conn, "SELECT coalesce(max(version), 0) FROM schema_migrations");
	int v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : -1;
	PQclear(r);
	return v;
}

static enum pd_err apply(PGconn *conn, const struct pd_embed *m, int version)
{
	char record[256];
	snprintf(record, sizeof record,
		 "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%d, '%.80s',"
		 " extract(epoch FROM now())::bigint)", version, m->name);
	enum pd_err e = simple(conn, "BEGIN");
	if (e == PD_OK && (e = simple(conn, m->data)) == PD_OK && (e = simple(conn, record)) == PD_OK)
		return simple(conn, "COMMIT");
	simple(conn, "ROLLBACK");
	return e;
}

/* Appends 'v' (escaped by libpq) to b. */
static bool add_literal(PGconn *conn, struct pd_buf *b, const char *v)
{
	char *lit = PQescapeLiteral(conn, v, strlen(v));
	if (lit)
		pd_buf_lit(b, lit);
	PQfreemem(lit);
	return lit != NULL;
}

/* The UPDATE and the INSERT of the duplicate keys for one batch (rows: partner, id, name). */
static bool backfill_sql(PGconn *conn, PGresult *r, struct pd_buf *upd, struct pd_buf *dup,
			 struct pd_arena *ar)
{
	pd_buf_lit(upd, "UPDATE customers c SET name_key = v.k, search_text = v.s FROM (VALUES ");
	pd_buf_lit(dup, "INSERT INTO customer_dupkeys (partner_id, customer_id, dup_key) VALUES ");
	bool ok = true;
	for (int i = 0; ok && i < PQntuples(r); i++) {
		struct pd_name_forms f;
		const char *p = PQgetvalue(r, i, 0), *id = PQgetvalue(r, i, 1);
		ok = pd_name_forms(ar, PQgetvalue(r, i, 2), &f);
		const char *t[] = {"(", p, ", ", id, ", ", ok ? f.key : "", ", ", ok ? f.search : "", ")"};
		const char *u[] = {"(", p, ", ", id, ", ", ok ? f.dup : "", ")"};
		pd_buf_lit(upd, i ? ", " : "");
		pd_buf_lit(dup, i ? ", " : "");
		for (size_t k = 0; ok && k < sizeof t / sizeof *t; k++)
			ok = k % 2 == 0 ? (pd_buf_lit(upd, t[k]), true) : add_literal(conn, upd, t[k]);
		for (size_t k = 0; ok && k < sizeof u / sizeof *u; k++)
			ok = k % 2 == 0 ? (pd_buf_lit(dup, u[k]), true) : add_literal(conn, dup, u[k]);
	}
	pd_buf_lit(upd, ") v(p, i, k, s) WHERE c.partner_id = v.p AND c.customer_id = v.i;");
	pd_buf_lit(dup, " ON CONFLICT (partner_id, customer_id) DO UPDATE SET dup_key = excluded.dup_key");
	return ok;
}

/* Gives rows without a search text (all of them after 0007; those a migrate-store copied) their
 * search.h forms - name key, search text, duplicate key - 1,000 rows a statement, each batch
 * committed.  Finds them by the partial index customers_unsearched; nothing to do costs one
 * index probe. */
static enum pd_err backfill_search(PGconn *conn, char *errbuf, size_t cap)
{
	for (;;) {
		PGresult *r = PQexec(conn, "SELECT partner_id, customer_id, company_name FROM customers"
					   " WHERE search_text IS NULL LIMIT 1000");
		if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) == 0) {
			bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
			PQclear(r);
			return ok ? PD_OK : PD_EIO;
		}
		struct pd_arena *ar = pd_arena_new();
		struct pd_buf upd, dup;
		pd_buf_init(&upd, 256 * 1024);
		pd_buf_init(&dup, 128 * 1024);
		bool ok = backfill_sql(conn, r, &upd, &dup, ar);
		PQclear(r);
		if (ok)
			pd_buf_add(&upd, dup.p, dup.len);
		enum pd_err e = ok ? simple(conn, upd.p) : PD_EINTERNAL; /* one implicit transaction */
		pd_buf_free(&upd);
		pd_buf_free(&dup);
		pd_arena_free(ar);
		if (e != PD_OK) {
			snprintf(errbuf, cap, "filling in the search text failed: %s",
				 ok ? PQerrorMessage(conn) : "a company name has no search key (OpenCC data?)");
			return e;
		}
	}
}

/* Applies the missing migrations under a session advisory lock, so instances starting
 * together migrate once. */
static enum pd_err migrate(PGconn *conn, char *errbuf, size_t cap)
{
	enum pd_err e = simple(conn, "SET statement_timeout = 0; SELECT pg_advisory_lock(" MIGRATE_LOCK ")");
	if (e == PD_OK)
		e = simple(conn, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
				 " name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
	int have = e == PD_OK ? schema_version(conn) : -1;
	if (have < 0 && e == PD_OK)
		e = PD_EINTERNAL;
	for (int i = 0; e == PD_OK && pd_pg_migrations[i].name; i++) {
		int version = atoi(pd_pg_migrations[i].name);
		if (version > have && (e = apply(conn, &pd_pg_migrations[i], version)) != PD_OK)
			snprintf(errbuf, cap, "migration %s failed: %s", pd_pg_migrations[i].name,
				 PQerrorMessage(conn));
	}
	if (e == PD_OK)
		e = backfill_search(conn, errbuf, cap);
	simple(conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK "); RESET statement_timeout");
	return e;
}

enum pd_err store_pg_open(const char *url, bool do_migrate, struct store **out, char *errbuf,
			  size_t cap)
{
	struct pgs *s = calloc(1, sizeof *s);
	if (!s || !(s->pool = pool_get(url))) {
		free(s);
		return PD_ENOMEM;
	}
	s->base.ops = &pg_ops;
	struct pgc *c = pool_take(s->pool);
	enum pd_err e = PD_OK;
	if (!connect_conn(s->pool, c)) {
		snprintf(errbuf, cap, "cannot connect to PostgreSQL: %s",
			 c->conn ? PQerrorMessage(c->conn) : "out of memory");
		e = PD_EIO;
	} else if (do_migrate) {
		e = migrate(c->conn, errbuf, cap);
		memset(c->prepared, 0, sizeof c->prepared); /* the schema may have changed */
	}
	pool_give(s->pool, c);
	if (e != PD_OK) {
		pg_close(&s->base);
		return e;
	}
	*out = &s->base;
	return PD_OK;
}
