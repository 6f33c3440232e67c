/* test_store.c - unit tests of the store interface (src/store/store.h), each test on a fresh
 * database: a SQLite file in its own temporary directory, or, with PARTNERD_TEST_DB=postgresql,
 * a new database in the cluster at PARTNERD_TEST_PG_BASE (tests/pg/with-postgres.sh), so the
 * same tests prove both backends.  Covered: migrations, the digest
 * key, partners, users and tokens, customers (insert, get, list with paging, starts_with and
 * substring search, billing updates with etags, delete), idempotency keys and savepoints. */
#include <criterion/criterion.h>
#include <limits.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "arena.h"
#include "embed.h"
#include "err.h"
#include "ids.h"
#include "model.h"
#include "paging.h"
#include "secret.h"
#include "store.h"
#include "text.h"

#define P1 "11111111-1111-4111-8111-111111111111"
#define P2 "22222222-2222-4222-8222-222222222222"
#define SUFFIX ".partner.onmschina.cn"
#define NOW 1700000000LL

static char dir[64], path[128], url[256], pgdb[64];
static struct store *st;
static struct pd_arena *ar;

/* TX(s, write): the write in a transaction of its own, committed when it succeeds, unless the
 * test has one open on s (store.h refuses a write outside a transaction). */
static _Thread_local struct store *tx_began;

static void tx_open(struct store *s)
{
	tx_began = store_in_transaction(s) ? NULL : s;
	if (tx_began)
		cr_assert_eq(store_begin(s), PD_OK);
}

static enum pd_err tx_close(enum pd_err e)
{
	struct store *s = tx_began;
	tx_began = NULL;
	if (s && e == PD_OK)
		return store_commit(s);
	if (s)
		store_rollback(s);
	return e;
}
#define TX(s, write) (tx_open(s), tx_close(write))

/* ---- the backend under test --------------------------------------------------------- */

static bool on_pg(void)
{
	const char *v = getenv("PARTNERD_TEST_DB");
	return v && !strcmp(v, "postgresql");
}

/* Runs sql on the cluster's maintenance database or on the test's own (PostgreSQL). */
static bool pg_exec(bool own, const char *sql)
{
	char conninfo[256];
	snprintf(conninfo, sizeof conninfo, "%s/%s", getenv("PARTNERD_TEST_PG_BASE"), own ? pgdb : "postgres");
	PGconn *c = PQconnectdb(conninfo);
	cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
	PGresult *r = PQexec(c, sql);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	PQclear(r);
	PQfinish(c);
	return ok;
}

/* One integer from a query on the test's database, either backend. */
static long long raw_int(const char *sql)
{
	long long v = -1;
	if (on_pg()) {
		char conninfo[256];
		snprintf(conninfo, sizeof conninfo, "%s/%s", getenv("PARTNERD_TEST_PG_BASE"), pgdb);
		PGconn *c = PQconnectdb(conninfo);
		PGresult *r = PQexec(c, sql);
		cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
		v = atoll(PQgetvalue(r, 0, 0));
		PQclear(r);
		PQfinish(c);
		return v;
	}
	sqlite3 *db;
	sqlite3_stmt *q;
	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
	v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

/* Whether a statement outside partnerd succeeds on the test's database, either backend. */
static bool raw_exec(const char *sql)
{
	if (on_pg())
		return pg_exec(true, sql);
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	bool ok = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
	sqlite3_close(db);
	return ok;
}

static void make_db(void)
{
	if (!on_pg()) {
		snprintf(dir, sizeof dir, "/tmp/pd-store-XXXXXX");
		cr_assert_not_null(mkdtemp(dir));
		snprintf(path, sizeof path, "%s/s.db", dir);
		snprintf(url, sizeof url, "sqlite:%s", path);
		return;
	}
	cr_assert_not_null(getenv("PARTNERD_TEST_PG_BASE"), "PARTNERD_TEST_DB=postgresql needs PARTNERD_TEST_PG_BASE");
	char sql[128];
	snprintf(pgdb, sizeof pgdb, "pdu_%d_%u", (int)getpid(), (unsigned)randombytes_random());
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", pgdb);
	cr_assert(pg_exec(false, sql), "create database");
	snprintf(url, sizeof url, "%s/%s", getenv("PARTNERD_TEST_PG_BASE"), pgdb);
}

/* ---- fixture ------------------------------------------------------------------------ */

static struct store *open_store(bool migrate)
{
	char err[256] = "";
	struct store *s = NULL;
	enum pd_err e = store_open(url, migrate, &s, err, sizeof err);
	cr_assert_eq(e, PD_OK, "store_open(%s): %s: %s", url, pd_err_name(e), err);
	cr_assert_not_null(s);
	return s;
}

static void setup(void)
{
	cr_assert_eq(pd_secret_init(), 0);
	make_db();
	st = open_store(true);
	ar = pd_arena_new();
	struct pd_partner p1 = {.id = P1, .name = "Partner One", .created = NOW};
	struct pd_partner p2 = {.id = P2, .name = "Partner Two", .created = NOW};
	cr_assert_eq(TX(st, store_partner_insert(st, &p1)), PD_OK);
	cr_assert_eq(TX(st, store_partner_insert(st, &p2)), PD_OK);
}

static void remove_db(void)
{
	char f[192];
	if (on_pg()) {
		snprintf(f, sizeof f, "DROP DATABASE IF EXISTS %s WITH (FORCE)", pgdb);
		pg_exec(false, f);
		return;
	}
	static const char *const tails[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
		snprintf(f, sizeof f, "%s%s", path, tails[i]);
		unlink(f);
	}
	rmdir(dir);
}

static void teardown(void)
{
	if (st)
		store_close(st);
	st = NULL;
	pd_arena_free(ar);
	remove_db();
}

TestSuite(store, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------------------ */

/* A customer of the shape the API builds: lower-case id and domain, a full Chinese address. */
static struct pd_customer mk(const char *name, const char *prefix)
{
	char *id = pd_alloc(ar, PD_UUID_LEN + 1), *etag = pd_alloc(ar, PD_ETAG_LEN + 1);
	pd_uuid_new(id);
	pd_etag_new(etag);
	const char *domain = pd_printf(ar, "%s" SUFFIX, prefix);
	return (struct pd_customer){
		.id = id, .domain = domain, .relationship = "reseller",
		.admin_user = pd_printf(ar, "admin@%s", domain), .created = NOW, .updated = NOW,
		.billing = {.email = pd_printf(ar, "it@%s.cn", prefix), .culture = "zh-CN",
			    .language = "zh", .company_name = name, .first_name = "伟", .last_name = "王",
			    .addr = {.first_name = "伟", .last_name = "王", .line1 = "海淀区中关村大街1号",
				     .city = "北京", .state = "北京市", .postal_code = "100080",
				     .country = "CN", .phone = "13800138000"},
			    .etag = etag}};
}

static enum pd_err insert(const char *partner, struct pd_customer *c)
{
	enum pd_err e = store_begin(st);
	cr_assert_eq(e, PD_OK);
	e = TX(st, store_customer_insert(st, partner, c, NULL));
	if (e == PD_OK)
		cr_assert_eq(store_commit(st), PD_OK);
	else
		cr_assert_eq(store_rollback(st), PD_OK);
	return e;
}

/* Inserts a customer that must succeed; returns it (seq assigned). */
static struct pd_customer add(const char *partner, const char *name, const char *prefix)
{
	struct pd_customer c = mk(name, prefix);
	enum pd_err e = insert(partner, &c);
	cr_assert_eq(e, PD_OK, "insert %s: %s", prefix, pd_err_name(e));
	return c;
}

static struct pd_query query(enum pd_filter_field f, enum pd_filter_op op, const char *raw, int size)
{
	return (struct pd_query){.size = size, .field = f, .op = op,
				 .value = raw ? pd_text_key(ar, raw) : NULL};
}

static size_t list(const char *partner, const struct pd_query *q, struct pd_customer **rows)
{
	size_t n = 99999;
	enum pd_err e = store_customer_list(st, partner, q, rows, &n, ar);
	cr_assert_eq(e, PD_OK, "customer_list: %s", pd_err_name(e));
	cr_assert_leq(n, (size_t)q->size + 1);
	return n;
}

/* All rows of a query, following the keyset continuation as the API does with tokens;
 * their company names joined by '|'. */
static const char *walk(const char *partner, struct pd_query q, int *pages)
{
	const char *out = "";
	*pages = 0;
	for (;;) {
		struct pd_customer *rows;
		size_t n = list(partner, &q, &rows);
		(*pages)++;
		cr_assert_lt(*pages, 100, "paging does not end");
		size_t shown = n > (size_t)q.size ? (size_t)q.size : n;
		for (size_t i = 0; i < shown; i++)
			out = pd_printf(ar, "%s%s%s", out, *out ? "|" : "", rows[i].billing.company_name);
		if (n <= (size_t)q.size)
			return out;
		const struct pd_customer *last = &rows[shown - 1];
		q.has_after = true;
		q.after_seq = last->seq;
		q.after_key = q.op != PD_OP_STARTS_WITH ? ""
			      : q.field == PD_FILTER_NAME ? pd_text_key(ar, last->billing.company_name)
							  : last->domain;
	}
}

/* Company names of one page (at most q->size rows), joined by '|'. */
static const char *names(const char *partner, const struct pd_query *q)
{
	struct pd_customer *rows;
	size_t n = list(partner, q, &rows);
	const char *out = "";
	for (size_t i = 0; i < n && i < (size_t)q->size; i++)
		out = pd_printf(ar, "%s%s%s", out, *out ? "|" : "", rows[i].billing.company_name);
	return out;
}

static bool taken(const char *domain)
{
	bool t = false;
	cr_assert_eq(store_domain_taken(st, domain, &t), PD_OK);
	return t;
}

static enum pd_err get(const char *partner, const char *id, struct pd_customer *c)
{
	return store_customer_get(st, partner, id, c, ar);
}

/* ---- open, migrations, settings ----------------------------------------------------- */

static const struct pd_embed *migrations(void)
{
	return on_pg() ? pd_pg_migrations : pd_sqlite_migrations;
}

static int count_migrations(void)
{
	int n = 0;
	while (migrations()[n].name)
		n++;
	return n;
}

static void schema_rows(int *count, int *max)
{
	*count = (int)raw_int("SELECT count(*) FROM schema_migrations");
	*max = (int)raw_int("SELECT max(version) FROM schema_migrations");
}

Test(store, migrations_apply_and_reopen_is_idempotent)
{
	int count, max, n = count_migrations();
	cr_assert_geq(n, 1);
	schema_rows(&count, &max);
	cr_assert_eq(count, n, "one row per migration");
	cr_assert_eq(max, atoi(migrations()[n - 1].name));
	struct pd_customer c = add(P1, "Contoso", "contoso");

	store_close(st);
	st = open_store(true);
	store_close(st);
	st = open_store(true);
	schema_rows(&count, &max);
	cr_assert_eq(count, n, "re-opening applies nothing twice");
	long long partners = 0;
	cr_assert_eq(store_partner_count(st, &partners), PD_OK);
	cr_assert_eq(partners, 2, "data kept");
	struct pd_customer back;
	cr_assert_eq(get(P1, c.id, &back), PD_OK);
	cr_assert_str_eq(back.billing.company_name, "Contoso");

	/* a connection that does not migrate sees the same database */
	struct store *other = open_store(false);
	cr_assert_eq(store_partner_count(other, &partners), PD_OK);
	cr_assert_eq(partners, 2);
	store_close(other);
}

static int index_count(void)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
				       " AND sql IS NOT NULL AND tbl_name IN ('customers', 'customer_users', 'domains')",
				       -1, &q, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
	int n = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

/* A bulk load drops the secondary indexes and builds them again at its end; one that dies
 * half-way is finished by the next migrating open. */
Test(store, bulk_load_rebuilds_its_indexes)
{
	if (on_pg())
		cr_skip_test("SQLite only (PostgreSQL has no bulk_load)");
	int before = index_count();
	cr_assert_geq(before, 5);
	cr_assert_eq(store_bulk_load(st, true), PD_OK);
	cr_assert_eq(index_count(), 0);
	add(P1, "Contoso 上海", "contoso");
	cr_assert_eq(store_bulk_load(st, false), PD_OK);
	cr_assert_eq(index_count(), before);
	struct pd_query q = query(PD_FILTER_NAME, PD_OP_STARTS_WITH, "contoso", 10);
	cr_assert_str_eq(names(P1, &q), "Contoso 上海");

	cr_assert_eq(store_bulk_load(st, true), PD_OK);
	add(P1, "Fabrikam", "fabrikam");
	store_close(st); /* dies without ending the load */
	st = open_store(true);
	cr_assert_eq(index_count(), before, "the next open finished it");
	cr_assert(taken("fabrikam" SUFFIX));
	q = query(PD_FILTER_DOMAIN, PD_OP_STARTS_WITH, "fab", 10);
	cr_assert_str_eq(names(P1, &q), "Fabrikam");
}

Test(store, open_refuses_unknown_urls)
{
	char err[256] = "";
	struct store *s = (struct store *)1;
	cr_assert_eq(store_open("mysql://x", true, &s, err, sizeof err), PD_EINVAL);
	cr_assert_null(s);
	cr_assert_gt(strlen(err), 0);
	s = (struct store *)1;
	cr_assert_neq(store_open("sqlite:/nonexistent-dir-pd/x/s.db", true, &s, err, sizeof err), PD_OK);
	cr_assert_null(s);
}

Test(store, settings)
{
	char *v = NULL;
	cr_assert_eq(store_setting_get(st, "nope", &v, ar), PD_ENOTFOUND);
	cr_assert_eq(TX(st, store_setting_put(st, "k", "v1")), PD_OK);
	cr_assert_eq(store_setting_get(st, "k", &v, ar), PD_OK);
	cr_assert_str_eq(v, "v1");
	cr_assert_eq(TX(st, store_setting_put(st, "k", "v2")), PD_ECONFLICT, "settings are written once");
}

Test(store, secret_key_created_once)
{
	unsigned char k1[PD_KEY_LEN], k2[PD_KEY_LEN], k3[PD_KEY_LEN], zero[PD_KEY_LEN] = {0};
	char *hex = NULL;
	cr_assert_eq(store_setting_get(st, "digest_key", &hex, ar), PD_ENOTFOUND, "no key yet");
	cr_assert_eq(store_secret_key(st, k1), PD_OK);
	cr_assert_neq(memcmp(k1, zero, PD_KEY_LEN), 0);
	cr_assert_eq(store_secret_key(st, k2), PD_OK);
	cr_assert_eq(memcmp(k1, k2, PD_KEY_LEN), 0, "the same key on the next call");
	store_close(st);
	st = open_store(true);
	cr_assert_eq(store_secret_key(st, k3), PD_OK);
	cr_assert_eq(memcmp(k1, k3, PD_KEY_LEN), 0, "the same key after re-opening");
	cr_assert_eq(store_setting_get(st, "digest_key", &hex, ar), PD_OK);
	cr_assert_eq(strlen(hex), 2 * PD_KEY_LEN, "stored as hex");
}

/* ---- partners, users, tokens -------------------------------------------------------- */

Test(store, partners)
{
	long long n = 0;
	cr_assert_eq(store_partner_count(st, &n), PD_OK);
	cr_assert_eq(n, 2);
	struct pd_partner dup = {.id = P1, .name = "again", .created = NOW};
	cr_assert_eq(TX(st, store_partner_insert(st, &dup)), PD_ECONFLICT);
	cr_assert_eq(store_partner_count(st, &n), PD_OK);
	cr_assert_eq(n, 2);
}

Test(store, users_by_email_case_insensitive)
{
	struct pd_user u = {.partner_id = P1, .id = "aaaaaaaa-0000-4000-8000-000000000001",
			    .email = "Admin@Contoso.CN", .display_name = "管理员",
			    .password_hash = "$argon2id$x", .roles = "admin", .must_change_password = true,
			    .created = NOW};
	cr_assert_eq(TX(st, store_user_insert(st, &u)), PD_OK);
	struct pd_user back = {0};
	cr_assert_eq(store_user_by_email(st, "admin@contoso.cn", &back, ar), PD_OK);
	cr_assert_str_eq(back.partner_id, P1);
	cr_assert_str_eq(back.id, u.id);
	cr_assert_str_eq(back.email, "Admin@Contoso.CN", "the e-mail as given");
	cr_assert_str_eq(back.display_name, "管理员");
	cr_assert_str_eq(back.password_hash, "$argon2id$x");
	cr_assert_str_eq(back.roles, "admin");
	cr_assert_str_eq(back.state, "active", "default state");
	cr_assert(back.must_change_password);
	cr_assert_eq(back.created, NOW);
	struct pd_user b2 = {0};
	cr_assert_eq(store_user_by_email(st, "ADMIN@CONTOSO.CN", &b2, ar), PD_OK);
	cr_assert_str_eq(b2.id, u.id);
	cr_assert_eq(store_user_by_email(st, "other@contoso.cn", &b2, ar), PD_ENOTFOUND);

	struct pd_user dup = u;
	dup.id = "aaaaaaaa-0000-4000-8000-000000000002";
	dup.email = "ADMIN@contoso.cn";
	cr_assert_eq(TX(st, store_user_insert(st, &dup)), PD_ECONFLICT, "the same e-mail in another case");
	dup.partner_id = P2;
	cr_assert_eq(TX(st, store_user_insert(st, &dup)), PD_ECONFLICT, "e-mails are unique deployment-wide");
	dup.email = "helpdesk@contoso.cn";
	cr_assert_eq(TX(st, store_user_insert(st, &dup)), PD_OK);
}

Test(store, tokens_carry_the_principals_current_state)
{
	unsigned char key[PD_KEY_LEN];
	cr_assert_eq(store_secret_key(st, key), PD_OK);
	struct pd_user u = {.partner_id = P1, .id = "user-1", .email = "Staff@Contoso.CN",
			    .password_hash = "$argon2id$x", .roles = "admin_agent,sales_agent",
			    .state = "active", .created = NOW};
	cr_assert_eq(TX(st, store_user_insert(st, &u)), PD_OK);
	char secret[PD_TOKEN_CHARS + 1];
	pd_token_new(secret);
	struct pd_token t = {.partner_id = P1, .principal_id = "user-1", .principal_kind = "user",
			     .roles = "roles at issue", .expires = NOW + 3600, .principal_version = 1};
	pd_secret_digest(key, secret, t.digest);
	cr_assert_eq(TX(st, store_token_insert(st, &t)), PD_OK);
	cr_assert_eq(TX(st, store_token_insert(st, &t)), PD_ECONFLICT);

	unsigned char d[PD_DIGEST_LEN];
	pd_secret_digest(key, secret, d);
	struct pd_token back = {0};
	cr_assert_eq(store_token_lookup(st, d, &back, ar), PD_OK);
	cr_assert(pd_digest_equal(back.digest, d));
	cr_assert_str_eq(back.partner_id, P1);
	cr_assert_str_eq(back.principal_id, "user-1");
	cr_assert_str_eq(back.principal_kind, "user");
	cr_assert_str_eq(back.roles, "admin_agent,sales_agent", "the user's roles now");
	cr_assert_str_eq(back.state, "active");
	cr_assert_str_eq(back.principal_name, "Staff@Contoso.CN");
	cr_assert_eq(back.expires, NOW + 3600);

	u.state = "disabled";
	u.version = 1; /* as inserted */
	cr_assert_eq(TX(st, store_user_save(st, &u)), PD_OK);
	cr_assert_eq(store_token_lookup(st, d, &back, ar), PD_OK);
	cr_assert_str_eq(back.state, "disabled");

	cr_assert_eq(TX(st, store_tokens_revoke(st, P1, "user-1")), PD_OK);
	cr_assert_eq(store_token_lookup(st, d, &back, ar), PD_ENOTFOUND, "revoked");

	struct pd_token orphan = {.partner_id = P1, .principal_id = "user-1", .principal_kind = "user",
				  .roles = "x", .expires = NOW + 3600, .principal_version = u.version};
	pd_secret_digest(key, "orphan secret", orphan.digest);
	cr_assert_eq(TX(st, store_token_insert(st, &orphan)), PD_OK);
	cr_assert_eq(TX(st, store_user_delete(st, P1, "user-1", u.version)), PD_OK);
	cr_assert_eq(store_token_lookup(st, orphan.digest, &back, ar), PD_OK);
	cr_assert_null(back.state, "no principal: no state, so no access");
	pd_secret_digest(key, "another orphan", orphan.digest);
	cr_assert_eq(TX(st, store_token_insert(st, &orphan)), PD_ENOTFOUND, "no token for a principal that is gone");

	pd_secret_digest(key, "some other secret", d);
	cr_assert_eq(store_token_lookup(st, d, &back, ar), PD_ENOTFOUND);
}

/* ---- customers: insert and get ------------------------------------------------------ */

Test(store, insert_assigns_increasing_seq)
{
	cr_assert_eq(store_begin(st), PD_OK);
	struct pd_customer a = mk("A", "alpha"), b = mk("B", "beta"), c = mk("C", "gamma");
	cr_assert_eq(TX(st, store_customer_insert(st, P1, &a, NULL)), PD_OK);
	cr_assert_eq(TX(st, store_customer_insert(st, P2, &b, NULL)), PD_OK);
	cr_assert_eq(TX(st, store_customer_insert(st, P1, &c, NULL)), PD_OK);
	cr_assert_eq(store_commit(st), PD_OK);
	cr_assert_gt(a.seq, 0);
	cr_assert_gt(b.seq, a.seq);
	cr_assert_gt(c.seq, b.seq);
	struct pd_customer d = add(P1, "D", "delta");
	cr_assert_gt(d.seq, c.seq, "later transactions continue the sequence");
}

/* A request's reads between read_begin and read_end see one snapshot: a write committed by
 * another connection meanwhile shows only after read_end (SQLite; NULL elsewhere). */
Test(store, read_snapshot_is_one_view)
{
	if (strcmp(store_name(st), "sqlite") != 0)
		return;
	struct pd_customer a = add(P1, "A", "alpha");
	struct store *other = open_store(false);
	cr_assert_eq(store_read_begin(st), PD_OK);
	struct pd_customer g;
	cr_assert_eq(get(P1, a.id, &g), PD_OK);
	struct pd_customer b = mk("B", "beta");
	cr_assert_eq(store_begin(other), PD_OK);
	cr_assert_eq(TX(other, store_customer_insert(other, P1, &b, NULL)), PD_OK);
	cr_assert_eq(store_commit(other), PD_OK);
	cr_assert_eq(get(P1, b.id, &g), PD_ENOTFOUND, "inside the snapshot the new row is not there yet");
	store_read_end(st);
	cr_assert_eq(get(P1, b.id, &g), PD_OK, "after it, it is");
	store_close(other);
}

/* Upkeep merges the search index written by separate transactions, step by step until there
 * is nothing left, and every search answers as before (SQLite; NULL elsewhere). */
Test(store, tidy_merges_the_search_index_and_keeps_answers)
{
	if (strcmp(store_name(st), "sqlite") != 0)
		return;
	for (int i = 0; i < 6; i++) /* one transaction each: one index segment each */
		add(P1, pd_printf(ar, "Tidy 云计算 Cloud %d", i), pd_printf(ar, "tidy%d", i));
	struct pd_query q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "云计算 cloud", 10);
	const char *before = names(P1, &q);
	cr_assert_str_eq(before, "Tidy 云计算 Cloud 0|Tidy 云计算 Cloud 1|Tidy 云计算 Cloud 2|"
				 "Tidy 云计算 Cloud 3|Tidy 云计算 Cloud 4|Tidy 云计算 Cloud 5");
	bool more = true;
	int steps = 0;
	while (more) {
		cr_assert_eq(store_tidy(st, &more), PD_OK);
		cr_assert_lt(++steps, 100, "upkeep does not end");
	}
	cr_assert_gt(steps, 1, "six segments were there to merge");
	cr_assert_eq(store_tidy(st, &more), PD_OK);
	cr_assert(!more, "nothing left once done");
	cr_assert_str_eq(names(P1, &q), before);
	q = query(PD_FILTER_DOMAIN, PD_OP_SUBSTRING, "tidy3", 10);
	cr_assert_str_eq(names(P1, &q), "Tidy 云计算 Cloud 3");
}

/* A group commit's creates (one savepoint each, as the writer runs them) make one segment of
 * the search index, not one each (search_queue.h): upkeep finds nothing to merge after it,
 * where six transactions of one create each leave six segments (the test above).  Every
 * entry answers (SQLite). */
Test(store, one_transaction_writes_one_search_segment)
{
	if (strcmp(store_name(st), "sqlite") != 0)
		return;
	cr_assert_eq(store_begin(st), PD_OK);
	for (int i = 0; i < 6; i++) {
		struct pd_customer c = mk(pd_printf(ar, "Group 云计算 Cloud %d", i), pd_printf(ar, "group%d", i));
		cr_assert_eq(store_savepoint(st), PD_OK);
		cr_assert_eq(TX(st, store_customer_insert(st, P1, &c, NULL)), PD_OK);
		cr_assert_eq(store_release(st), PD_OK);
	}
	cr_assert_eq(store_commit(st), PD_OK);
	bool more = true;
	cr_assert_eq(store_tidy(st, &more), PD_OK);
	cr_assert(!more, "one segment: nothing to merge");
	struct pd_query q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "云计算 cloud", 10);
	cr_assert_str_eq(names(P1, &q), "Group 云计算 Cloud 0|Group 云计算 Cloud 1|Group 云计算 Cloud 2|"
				       "Group 云计算 Cloud 3|Group 云计算 Cloud 4|Group 云计算 Cloud 5");
}

/* The entries a transaction queued are in the index for every search inside it, and a
 * rollback to a savepoint takes back exactly what came after it: the rolled-back create's
 * entry, and not the earlier one's, which a search inside the savepoint had made insert
 * (the rollback undid that insert; it is queued again).  A whole rollback leaves none. */
Test(store, queued_search_entries_follow_savepoints)
{
	if (strcmp(store_name(st), "sqlite") != 0)
		return;
	struct pd_customer a = mk("Queue Alpha 云", "qalpha"), b = mk("Queue Beta 云", "qbeta");
	struct pd_customer c = mk("Queue Gamma 云", "qgamma");
	struct pd_query q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "queue", 10);
	cr_assert_eq(store_begin(st), PD_OK);
	cr_assert_eq(store_savepoint(st), PD_OK);
	cr_assert_eq(TX(st, store_customer_insert(st, P1, &a, NULL)), PD_OK);
	cr_assert_eq(store_release(st), PD_OK);
	cr_assert_eq(store_savepoint(st), PD_OK);
	cr_assert_eq(TX(st, store_customer_insert(st, P1, &b, NULL)), PD_OK);
	cr_assert_str_eq(names(P1, &q), "Queue Alpha 云|Queue Beta 云", "searched inside the transaction");
	cr_assert_eq(store_rollback_to(st), PD_OK);
	cr_assert_str_eq(names(P1, &q), "Queue Alpha 云", "after the rollback to the savepoint");
	cr_assert_eq(store_commit(st), PD_OK);
	cr_assert_str_eq(names(P1, &q), "Queue Alpha 云");
	q = query(PD_FILTER_DOMAIN, PD_OP_SUBSTRING, "qalpha", 10);
	cr_assert_str_eq(names(P1, &q), "Queue Alpha 云", "the domain's entry too");

	cr_assert_eq(store_begin(st), PD_OK);
	cr_assert_eq(TX(st, store_customer_insert(st, P1, &c, NULL)), PD_OK);
	cr_assert_eq(store_rollback(st), PD_OK);
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "queue", 10);
	cr_assert_str_eq(names(P1, &q), "Queue Alpha 云", "a rolled-back transaction leaves no entry");
	cr_assert_eq(insert(P1, &c), PD_OK);
	cr_assert_str_eq(names(P1, &q), "Queue Alpha 云|Queue Gamma 云");
}

/* Warming a create's pages reads them and changes nothing (SQLite; NULL elsewhere). */
Test(store, warm_insert_changes_nothing)
{
	if (strcmp(store_name(st), "sqlite") != 0)
		return;
	struct pd_customer a = add(P1, "A", "alpha"), b = mk("B", "beta");
	struct pd_customer_user admin = {.partner_id = P1, .customer_id = b.id, .id = b.id,
					 .upn = b.admin_user};
	cr_assert_eq(store_warm_insert(st, P1, &b, &admin, "req-1"), PD_OK);
	cr_assert_eq(store_warm_insert(st, P1, &a, NULL, NULL), PD_OK, "an existing customer too");
	struct pd_customer g;
	cr_assert_eq(get(P1, b.id, &g), PD_ENOTFOUND);
	cr_assert_eq(insert(P1, &b), PD_OK);
	cr_assert_gt(b.seq, a.seq);
}

Test(store, get_round_trips_the_customer)
{
	struct pd_customer c = mk("北京某某科技有限公司", "contoso");
	c.regnum = "91110108MA01ABCD2X";
	cr_assert_eq(insert(P1, &c), PD_OK);
	struct pd_customer g;
	cr_assert_eq(get(P1, c.id, &g), PD_OK);
	cr_assert_str_eq(g.id, c.id);
	cr_assert_eq(g.seq, c.seq);
	cr_assert_str_eq(g.domain, "contoso.partner.onmschina.cn");
	cr_assert_str_eq(g.regnum, "91110108MA01ABCD2X");
	cr_assert_str_eq(g.relationship, "reseller");
	cr_assert_str_eq(g.admin_user, "admin@contoso.partner.onmschina.cn");
	cr_assert_eq(g.created, NOW);
	cr_assert_eq(g.updated, NOW);
	cr_assert_str_eq(g.billing.etag, c.billing.etag);
	cr_assert_str_eq(g.billing.company_name, "北京某某科技有限公司");
	cr_assert_str_eq(g.billing.email, "it@contoso.cn");
	cr_assert_str_eq(g.billing.culture, "zh-CN");
	cr_assert_str_eq(g.billing.language, "zh");
	cr_assert_str_eq(g.billing.first_name, "伟");
	cr_assert_str_eq(g.billing.last_name, "王");
	cr_assert_str_eq(g.billing.addr.line1, "海淀区中关村大街1号");
	cr_assert_null(g.billing.addr.line2);
	cr_assert_str_eq(g.billing.addr.city, "北京");
	cr_assert_str_eq(g.billing.addr.state, "北京市");
	cr_assert_str_eq(g.billing.addr.postal_code, "100080");
	cr_assert_str_eq(g.billing.addr.country, "CN");
	cr_assert_str_eq(g.billing.addr.phone, "13800138000");
	cr_assert_str_eq(g.billing.addr.first_name, "伟");
}

Test(store, get_other_partner_or_unknown_is_not_found)
{
	struct pd_customer c = add(P1, "Contoso", "contoso"), g;
	cr_assert_eq(get(P2, c.id, &g), PD_ENOTFOUND, "another partner's customer");
	char other[PD_UUID_LEN + 1];
	pd_uuid_new(other);
	cr_assert_eq(get(P1, other, &g), PD_ENOTFOUND);
	cr_assert_eq(get(P1, c.id, &g), PD_OK);
}

Test(store, duplicate_domain_conflicts_for_any_partner)
{
	add(P1, "Contoso", "contoso");
	struct pd_customer same = mk("Contoso Two", "contoso");
	cr_assert_eq(insert(P1, &same), PD_ECONFLICT, "same partner");
	struct pd_customer other = mk("Contoso Three", "contoso");
	cr_assert_eq(insert(P2, &other), PD_ECONFLICT, "another partner");
	struct pd_query all = query(PD_FILTER_NONE, PD_OP_NONE, NULL, 10);
	cr_assert_str_eq(names(P1, &all), "Contoso");
	cr_assert_str_eq(names(P2, &all), "", "nothing of the refused insert is left");
}

Test(store, domain_taken)
{
	cr_assert_not(taken("contoso.partner.onmschina.cn"));
	add(P1, "Contoso", "contoso");
	cr_assert(taken("contoso.partner.onmschina.cn"));
	cr_assert(taken("Contoso.Partner.OnmsChina.CN"), "case-insensitive");
	cr_assert_not(taken("contoso2.partner.onmschina.cn"));
	cr_assert_not(taken("contoso"));
}

/* ---- customers: lists --------------------------------------------------------------- */

Test(store, list_pages_by_seq)
{
	add(P1, "E", "e1");
	add(P2, "Other partner", "other");
	add(P1, "D", "d1");
	add(P1, "C", "c1");
	add(P1, "B", "b1");
	add(P1, "A", "a1");
	struct pd_query q = query(PD_FILTER_NONE, PD_OP_NONE, NULL, 2);
	struct pd_customer *rows;
	size_t n = list(P1, &q, &rows);
	cr_assert_eq(n, 3, "size + 1 rows tell that there is a next page");
	cr_assert_str_eq(rows[0].billing.company_name, "E", "creation order, not name order");
	cr_assert_str_eq(rows[1].billing.company_name, "D");
	cr_assert_lt(rows[0].seq, rows[1].seq);

	q.has_after = true;
	q.after_key = "";
	q.after_seq = rows[1].seq;
	n = list(P1, &q, &rows);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(rows[0].billing.company_name, "C");
	cr_assert_str_eq(rows[1].billing.company_name, "B");

	q.after_seq = rows[1].seq;
	n = list(P1, &q, &rows);
	cr_assert_eq(n, 1, "the last page");
	cr_assert_str_eq(rows[0].billing.company_name, "A");

	int pages;
	cr_assert_str_eq(walk(P1, query(PD_FILTER_NONE, PD_OP_NONE, NULL, 2), &pages), "E|D|C|B|A");
	cr_assert_eq(pages, 3);
	cr_assert_str_eq(walk(P1, query(PD_FILTER_NONE, PD_OP_NONE, NULL, 5), &pages), "E|D|C|B|A");
	cr_assert_eq(pages, 1, "exactly size rows: no next page");
	cr_assert_str_eq(walk(P2, query(PD_FILTER_NONE, PD_OP_NONE, NULL, 100), &pages), "Other partner");
}

Test(store, list_newest_first)
{
	add(P1, "A", "a1");
	add(P2, "Other partner", "other");
	add(P1, "B", "b1");
	add(P1, "C", "c1");
	add(P1, "D", "d1");
	add(P1, "E", "e1");
	struct pd_query q = query(PD_FILTER_NONE, PD_OP_NONE, NULL, 2);
	q.newest = true;
	struct pd_customer *rows;
	size_t n = list(P1, &q, &rows);
	cr_assert_eq(n, 3, "size + 1 rows tell that there is a next page");
	cr_assert_str_eq(rows[0].billing.company_name, "E", "the newest first");
	cr_assert_str_eq(rows[1].billing.company_name, "D");
	cr_assert_gt(rows[0].seq, rows[1].seq);
	q.has_after = true;
	q.after_key = "";
	q.after_seq = rows[1].seq;
	n = list(P1, &q, &rows);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(rows[0].billing.company_name, "C");
	cr_assert_str_eq(rows[1].billing.company_name, "B");
	q.after_seq = rows[1].seq;
	n = list(P1, &q, &rows);
	cr_assert_eq(n, 1, "the last page: the oldest");
	cr_assert_str_eq(rows[0].billing.company_name, "A");
	struct pd_query all = query(PD_FILTER_NONE, PD_OP_NONE, NULL, 2);
	all.newest = true;
	int pages;
	cr_assert_str_eq(walk(P1, all, &pages), "E|D|C|B|A");
	cr_assert_eq(pages, 3);
	cr_assert_str_eq(walk(P2, all, &pages), "Other partner", "only the partner's own");
}

Test(store, list_empty)
{
	struct pd_query q = query(PD_FILTER_NONE, PD_OP_NONE, NULL, 10);
	struct pd_customer *rows;
	cr_assert_eq(list(P1, &q, &rows), 0);
}

static void add_names(void)
{
	add(P1, "Müller GmbH", "muellergmbh");
	add(P1, "Contoso", "contoso");
	add(P1, "MÜLLER AG", "muellerag");
	add(P1, "北京某某科技有限公司", "bjmm");
	add(P1, "Mueller Bau", "muellerbau");
	add(P1, "müllerei Schmidt", "muellerei");
	add(P1, "北京另一家公司", "bjly");
	add(P1, "上海北京路公司", "shbj");
	add(P1, "Straße AG", "strasse");
	add(P2, "Müller Partner Zwei", "muellerp2");
	add(P2, "北京科技 P2", "bjp2");
}

Test(store, starts_with_name_case_insensitive)
{
	add_names();
	struct pd_query q = query(PD_FILTER_NAME, PD_OP_STARTS_WITH, "MÜLLER", 10);
	cr_assert_str_eq(names(P1, &q), "MÜLLER AG|Müller GmbH|müllerei Schmidt",
			 "ordered by key (\"müller ag\" < \"müller gmbh\" < \"müllerei schmidt\")");
	q = query(PD_FILTER_NAME, PD_OP_STARTS_WITH, "mu\xcc\x88ller g", 10);
	cr_assert_str_eq(names(P1, &q), "Müller GmbH", "decomposed input");
	q = query(PD_FILTER_NAME, PD_OP_STARTS_WITH, "mue", 10);
	cr_assert_str_eq(names(P1, &q), "Mueller Bau");
	q = query(PD_FILTER_NAME, PD_OP_STARTS_WITH, "STRASSE", 10);
	cr_assert_str_eq(names(P1, &q), "Straße AG", "ß folds to ss");
	q = query(PD_FILTER_NAME, PD_OP_STARTS_WITH, "x", 10);
	cr_assert_str_eq(names(P1, &q), "");
	q = query(PD_FILTER_NAME, PD_OP_STARTS_WITH, "GmbH", 10);
	cr_assert_str_eq(names(P1, &q), "", "not a prefix");
}

Test(store, starts_with_name_chinese)
{
	add_names();
	struct pd_query q = query(PD_FILTER_NAME, PD_OP_STARTS_WITH, "北京", 10);
	/* 另 (U+53E6) sorts before 某 (U+67D0) */
	cr_assert_str_eq(names(P1, &q), "北京另一家公司|北京某某科技有限公司");
	q = query(PD_FILTER_NAME, PD_OP_STARTS_WITH, "北京某", 10);
	cr_assert_str_eq(names(P1, &q), "北京某某科技有限公司");
	q = query(PD_FILTER_NAME, PD_OP_STARTS_WITH, "北", 10);
	cr_assert_str_eq(names(P2, &q), "北京科技 P2", "only the partner's own");
}

Test(store, starts_with_name_keyset_continuation)
{
	add_names();
	add(P1, "Müller GmbH", "muellergmbh2"); /* a second row with the same key */
	int pages;
	struct pd_query q = query(PD_FILTER_NAME, PD_OP_STARTS_WITH, "müller", 1);
	cr_assert_str_eq(walk(P1, q, &pages), "MÜLLER AG|Müller GmbH|Müller GmbH|müllerei Schmidt");
	cr_assert_eq(pages, 4);
	q.size = 2;
	cr_assert_str_eq(walk(P1, q, &pages), "MÜLLER AG|Müller GmbH|Müller GmbH|müllerei Schmidt");
	cr_assert_eq(pages, 2);

	/* equal keys are ordered by seq, and continuing after the first skips only it */
	q = query(PD_FILTER_NAME, PD_OP_STARTS_WITH, "müller g", 1);
	struct pd_customer *rows;
	size_t n = list(P1, &q, &rows);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(rows[0].domain, "muellergmbh" SUFFIX);
	cr_assert_str_eq(rows[1].domain, "muellergmbh2" SUFFIX);
	cr_assert_lt(rows[0].seq, rows[1].seq);
}

/* A prefix list's first page starts at the prefix itself (PostgreSQL walked every key below
 * it from ('', 0)): a key equal to the prefix is still the first row, on both engines. */
Test(store, starts_with_a_key_equal_to_the_prefix)
{
	add(P1, "北京某某科技有限公司", "bj1");
	add(P1, "北京", "beijing0");
	add(P1, "北", "bei");
	add(P1, "Alpha", "alpha");
	struct pd_query q = query(PD_FILTER_NAME, PD_OP_STARTS_WITH, "北京", 10);
	cr_assert_str_eq(names(P1, &q), "北京|北京某某科技有限公司");
	q = query(PD_FILTER_DOMAIN, PD_OP_STARTS_WITH, "beijing0" SUFFIX, 10);
	cr_assert_str_eq(names(P1, &q), "北京", "the whole domain as its own prefix");
	int pages;
	cr_assert_str_eq(walk(P1, query(PD_FILTER_NAME, PD_OP_STARTS_WITH, "北", 1), &pages),
			 "北|北京|北京某某科技有限公司");
	cr_assert_eq(pages, 3);
}

Test(store, starts_with_domain)
{
	add(P1, "One", "contoso1");
	add(P1, "Fabrikam", "fabrikam");
	add(P1, "Two", "contoso2");
	add(P1, "Zero", "contoso0");
	add(P2, "Other", "contoso3");
	struct pd_query q = query(PD_FILTER_DOMAIN, PD_OP_STARTS_WITH, "CONTOSO", 10);
	cr_assert_str_eq(names(P1, &q), "Zero|One|Two", "ordered by domain");
	q = query(PD_FILTER_DOMAIN, PD_OP_STARTS_WITH, "contoso2.partner", 10);
	cr_assert_str_eq(names(P1, &q), "Two");
	q = query(PD_FILTER_DOMAIN, PD_OP_STARTS_WITH, "partner", 10);
	cr_assert_str_eq(names(P1, &q), "");
	int pages;
	cr_assert_str_eq(walk(P1, query(PD_FILTER_DOMAIN, PD_OP_STARTS_WITH, "contoso", 1), &pages),
			 "Zero|One|Two");
	cr_assert_eq(pages, 3);
}

Test(store, substring_short_values)
{
	add_names();
	/* fewer than 3 code points: not through the trigram index */
	struct pd_query q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "LL", 10);
	cr_assert_str_eq(names(P1, &q), "Müller GmbH|MÜLLER AG|Mueller Bau|müllerei Schmidt",
			 "ordered by creation");
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "北京", 10);
	cr_assert_str_eq(names(P1, &q), "北京某某科技有限公司|北京另一家公司|上海北京路公司");
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "某", 10);
	cr_assert_str_eq(names(P1, &q), "北京某某科技有限公司");
	q = query(PD_FILTER_DOMAIN, PD_OP_SUBSTRING, "bj", 10);
	cr_assert_str_eq(names(P1, &q), "北京某某科技有限公司|北京另一家公司|上海北京路公司");
}

Test(store, substring_trigram_values)
{
	add_names();
	struct pd_query q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "ÜLL", 10);
	cr_assert_str_eq(names(P1, &q), "Müller GmbH|MÜLLER AG|müllerei Schmidt");
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "ller", 10);
	cr_assert_str_eq(names(P1, &q), "Müller GmbH|MÜLLER AG|Mueller Bau|müllerei Schmidt");
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "科技有限", 10);
	cr_assert_str_eq(names(P1, &q), "北京某某科技有限公司");
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "北京路", 10);
	cr_assert_str_eq(names(P1, &q), "上海北京路公司");
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "限公司", 10);
	cr_assert_str_eq(names(P1, &q), "北京某某科技有限公司");
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "公司", 10);
	cr_assert_str_eq(names(P1, &q), "北京某某科技有限公司|北京另一家公司|上海北京路公司");
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "gmbh", 10);
	cr_assert_str_eq(names(P1, &q), "Müller GmbH");
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "ssE A", 10);
	cr_assert_str_eq(names(P1, &q), "Straße AG", "ß folds to ss; spaces are part of the trigrams");
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "llx", 10);
	cr_assert_str_eq(names(P1, &q), "");
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "ller partner", 10);
	cr_assert_str_eq(names(P1, &q), "", "another partner's row is not found");
	cr_assert_str_eq(names(P2, &q), "Müller Partner Zwei");
}

Test(store, substring_trigram_special_characters)
{
	add(P1, "Say \"Hi\" Ltd", "sayhi");
	add(P1, "A*B OR C", "aorb");
	struct pd_query q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "\"hi\"", 10);
	cr_assert_str_eq(names(P1, &q), "Say \"Hi\" Ltd", "quotes inside the phrase");
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "a*b or", 10);
	cr_assert_str_eq(names(P1, &q), "A*B OR C", "FTS operators are plain text");
}

/* From 8 code points a substring is looked up by a few of its trigrams, then checked whole:
 * a row holding each of those trigrams apart is not a match. */
Test(store, substring_long_values)
{
	add(P1, "Abcdefgh Trading", "longa");
	add(P1, "abc def fgh", "longb"); /* "abc", "def" and "fgh" apart */
	add(P1, "Say \"Hello\" World", "longc");
	add(P1, "Müller Logistik GmbH", "longd");
	add(P1, "One", "abcdefghij");
	add(P1, "Two", "abc0def0fgh");
	add(P2, "xAbcdefghx", "longe");
	struct pd_query q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "ABCDEFGH", 10);
	cr_assert_str_eq(names(P1, &q), "Abcdefgh Trading", "the trigrams apart do not match");
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "abc def fg", 10);
	cr_assert_str_eq(names(P1, &q), "abc def fgh");
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "\"hello\" w", 10);
	cr_assert_str_eq(names(P1, &q), "Say \"Hello\" World", "quotes inside the trigrams");
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "MÜLLER LOGISTIK", 10);
	cr_assert_str_eq(names(P1, &q), "Müller Logistik GmbH", "case folded");
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "müller logistiks", 10);
	cr_assert_str_eq(names(P1, &q), "");
	q = query(PD_FILTER_DOMAIN, PD_OP_SUBSTRING, "BCDEFGHI", 10);
	cr_assert_str_eq(names(P1, &q), "One");
	int pages;
	cr_assert_str_eq(walk(P1, query(PD_FILTER_NAME, PD_OP_SUBSTRING, "cdefgh", 1), &pages),
			 "Abcdefgh Trading", "6 code points: a phrase");
	cr_assert_eq(pages, 1);
}

/* Long values page in creation order by token, rows with both end trigrams but not the value
 * left out on every page, another partner's rows never reached. */
Test(store, substring_long_values_page_by_token)
{
	add(P1, "Müller Logistik 1", "mlog1");
	add(P1, "Müller und Logistik", "mlog2"); /* "mül" and "tik" but not the value */
	add(P1, "Große Müller Logistik 3", "mlog3");
	add(P2, "Müller Logistik P2", "mlog4");
	add(P1, "Müller Logistik 5", "mlog5");
	add(P1, "MÜLLER  LOGISTIK", "mlog6"); /* two spaces */
	add(P1, "Müller Logistik 7", "mlog7");
	int pages;
	cr_assert_str_eq(walk(P1, query(PD_FILTER_NAME, PD_OP_SUBSTRING, "müller logistik", 1), &pages),
			 "Müller Logistik 1|Große Müller Logistik 3|Müller Logistik 5|Müller Logistik 7");
	cr_assert_eq(pages, 4);
	cr_assert_str_eq(walk(P1, query(PD_FILTER_NAME, PD_OP_SUBSTRING, "müller logistik", 3), &pages),
			 "Müller Logistik 1|Große Müller Logistik 3|Müller Logistik 5|Müller Logistik 7");
	cr_assert_eq(pages, 2);
	add(P1, "Domain Long", "bigmuellerlogistik1");
	add(P1, "Domain Near", "muellerxlogistik"); /* "mue" and "tik" but not the value */
	add(P1, "Domain Long 2", "muellerlogistik");
	cr_assert_str_eq(walk(P1, query(PD_FILTER_DOMAIN, PD_OP_SUBSTRING, "MUELLERLOGISTIK", 1), &pages),
			 "Domain Long|Domain Long 2");
	cr_assert_eq(pages, 2);
	cr_assert_str_eq(walk(P1, query(PD_FILTER_DOMAIN, PD_OP_SUBSTRING, "mlog5.part", 1), &pages),
			 "Müller Logistik 5", "across the dot: scanned");
}

Test(store, substring_domain_trigram)
{
	add(P1, "One", "contoso1");
	add(P1, "Fabrikam", "fabrikam");
	add(P1, "Two", "bigcontoso");
	add(P2, "Other", "contoso3");
	struct pd_query q = query(PD_FILTER_DOMAIN, PD_OP_SUBSTRING, "TOSO", 10);
	cr_assert_str_eq(names(P1, &q), "One|Two");
	q = query(PD_FILTER_DOMAIN, PD_OP_SUBSTRING, "o1.partner", 10);
	cr_assert_str_eq(names(P1, &q), "One");
}

/* The index holds only the domains' first labels: a value inside the suffix is answered too. */
Test(store, substring_domain_inside_the_suffix)
{
	add(P1, "One", "contoso1");
	add(P1, "Two", "fab");
	add(P2, "Other", "contoso3");
	struct pd_query q = query(PD_FILTER_DOMAIN, PD_OP_SUBSTRING, "ONMSCHINA", 10);
	cr_assert_str_eq(names(P1, &q), "One|Two");
	q = query(PD_FILTER_DOMAIN, PD_OP_SUBSTRING, "so1", 10);
	cr_assert_str_eq(names(P1, &q), "One");
	q = query(PD_FILTER_DOMAIN, PD_OP_SUBSTRING, "so3", 10);
	cr_assert_str_eq(names(P1, &q), "", "another partner's entry");
}

/* Each partner's entries are one range of the index: pages never reach into a neighbour's. */
Test(store, substring_pages_stay_in_the_partner)
{
	for (int i = 0; i < 4; i++) {
		add(P1, pd_printf(ar, "Alpha 云计算 %d", i), pd_printf(ar, "a%d", i));
		add(P2, pd_printf(ar, "Beta 云计算 %d", i), pd_printf(ar, "b%d", i));
	}
	int pages;
	cr_assert_str_eq(walk(P2, query(PD_FILTER_NAME, PD_OP_SUBSTRING, "云计算", 3), &pages),
			 "Beta 云计算 0|Beta 云计算 1|Beta 云计算 2|Beta 云计算 3");
	cr_assert_eq(pages, 2);
	cr_assert_str_eq(walk(P1, query(PD_FILTER_NAME, PD_OP_SUBSTRING, "云计算", 2), &pages),
			 "Alpha 云计算 0|Alpha 云计算 1|Alpha 云计算 2|Alpha 云计算 3");
}

Test(store, substring_paging_by_seq)
{
	for (int i = 0; i < 7; i++)
		add(P1, pd_printf(ar, "Contoso %d 有限公司", i), pd_printf(ar, "c%d", i));
	add(P1, "Fabrikam", "fab");
	int pages;
	cr_assert_str_eq(walk(P1, query(PD_FILTER_NAME, PD_OP_SUBSTRING, "有限公司", 3), &pages),
			 "Contoso 0 有限公司|Contoso 1 有限公司|Contoso 2 有限公司|Contoso 3 有限公司|"
			 "Contoso 4 有限公司|Contoso 5 有限公司|Contoso 6 有限公司");
	cr_assert_eq(pages, 3);
	cr_assert_str_eq(walk(P1, query(PD_FILTER_NAME, PD_OP_SUBSTRING, "公司", 3), &pages),
			 "Contoso 0 有限公司|Contoso 1 有限公司|Contoso 2 有限公司|Contoso 3 有限公司|"
			 "Contoso 4 有限公司|Contoso 5 有限公司|Contoso 6 有限公司");
	cr_assert_eq(pages, 3);
}

/* ---- billing updates ---------------------------------------------------------------- */

Test(store, billing_update_with_current_etag)
{
	struct pd_customer c = add(P1, "Müller GmbH", "mueller");
	add(P1, "Contoso", "contoso");
	struct pd_billing b = c.billing;
	b.company_name = "Fabrikam 科技";
	b.email = "new@fabrikam.cn";
	b.addr.city = "上海";
	b.addr.state = "上海市";
	b.addr.line2 = "2楼";
	char etag[PD_ETAG_LEN + 1];
	pd_etag_new(etag);
	cr_assert_eq(store_begin(st), PD_OK);
	cr_assert_eq(TX(st, store_billing_update(st, P1, c.id, &b, etag, NOW + 60)), PD_OK);
	cr_assert_eq(store_commit(st), PD_OK);

	struct pd_customer g;
	cr_assert_eq(get(P1, c.id, &g), PD_OK);
	cr_assert_str_eq(g.billing.company_name, "Fabrikam 科技");
	cr_assert_str_eq(g.billing.email, "new@fabrikam.cn");
	cr_assert_str_eq(g.billing.addr.city, "上海");
	cr_assert_str_eq(g.billing.addr.line2, "2楼");
	cr_assert_str_eq(g.billing.etag, etag);
	cr_assert_eq(g.updated, NOW + 60);
	cr_assert_eq(g.created, NOW);
	cr_assert_eq(g.seq, c.seq, "the creation order stays");
	cr_assert_str_eq(g.domain, c.domain);

	struct pd_query q = query(PD_FILTER_NAME, PD_OP_STARTS_WITH, "fabrikam", 10);
	cr_assert_str_eq(names(P1, &q), "Fabrikam 科技", "found by the new name");
	q = query(PD_FILTER_NAME, PD_OP_STARTS_WITH, "müller", 10);
	cr_assert_str_eq(names(P1, &q), "", "not by the old name");
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "rikam 科", 10);
	cr_assert_str_eq(names(P1, &q), "Fabrikam 科技", "trigram index updated");
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "üller", 10);
	cr_assert_str_eq(names(P1, &q), "", "old trigrams removed");
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "科技", 10);
	cr_assert_str_eq(names(P1, &q), "Fabrikam 科技");
	q = query(PD_FILTER_DOMAIN, PD_OP_SUBSTRING, "mueller", 10);
	cr_assert_str_eq(names(P1, &q), "Fabrikam 科技", "the domain is still searchable");

	/* the new etag is now the current one */
	b.etag = etag;
	b.company_name = "Fabrikam Two";
	char etag2[PD_ETAG_LEN + 1];
	pd_etag_new(etag2);
	cr_assert_eq(TX(st, store_billing_update(st, P1, c.id, &b, etag2, NOW + 120)), PD_OK);
	cr_assert_eq(get(P1, c.id, &g), PD_OK);
	cr_assert_str_eq(g.billing.company_name, "Fabrikam Two");
}

Test(store, billing_update_stale_etag_changes_nothing)
{
	struct pd_customer c = add(P1, "Müller GmbH", "mueller");
	struct pd_billing b = c.billing;
	b.company_name = "Fabrikam";
	b.etag = "XXXXXXXXXXXXXXXXXXXXXX";
	cr_assert_eq(TX(st, store_billing_update(st, P1, c.id, &b, "newetagnewetagnewetag1", NOW + 60)), PD_ESTALE);
	b.etag = NULL;
	cr_assert_eq(TX(st, store_billing_update(st, P1, c.id, &b, "newetagnewetagnewetag1", NOW + 60)), PD_ESTALE,
		     "no etag is not a match");
	struct pd_customer g;
	cr_assert_eq(get(P1, c.id, &g), PD_OK);
	cr_assert_str_eq(g.billing.company_name, "Müller GmbH");
	cr_assert_str_eq(g.billing.etag, c.billing.etag);
	cr_assert_eq(g.updated, NOW);
	struct pd_query q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "fabrikam", 10);
	cr_assert_str_eq(names(P1, &q), "");
	q = query(PD_FILTER_NAME, PD_OP_STARTS_WITH, "müller", 10);
	cr_assert_str_eq(names(P1, &q), "Müller GmbH");
}

Test(store, billing_update_other_partner_not_found)
{
	struct pd_customer c = add(P1, "Contoso", "contoso");
	struct pd_billing b = c.billing;
	b.company_name = "Hijacked";
	cr_assert_eq(TX(st, store_billing_update(st, P2, c.id, &b, "newetagnewetagnewetag1", NOW)), PD_ENOTFOUND);
	struct pd_customer g;
	cr_assert_eq(get(P1, c.id, &g), PD_OK);
	cr_assert_str_eq(g.billing.company_name, "Contoso");
}

/* ---- delete ------------------------------------------------------------------------- */

Test(store, delete_frees_domain_and_search)
{
	struct pd_customer c = mk("Müller GmbH", "mueller");
	struct pd_customer_user admin = {.partner_id = P1, .customer_id = c.id,
					 .id = "bbbbbbbb-0000-4000-8000-000000000001",
					 .upn = "admin@mueller" SUFFIX, .display_name = "Admin",
					 .created = NOW};
	cr_assert_eq(store_begin(st), PD_OK);
	cr_assert_eq(TX(st, store_customer_insert(st, P1, &c, &admin)), PD_OK);
	cr_assert_eq(store_commit(st), PD_OK);
	add(P1, "Contoso", "contoso");
	cr_assert(taken("mueller" SUFFIX));

	cr_assert_eq(TX(st, store_customer_delete(st, P2, c.id)), PD_ENOTFOUND, "another partner's customer");
	cr_assert(taken("mueller" SUFFIX));

	cr_assert_eq(TX(st, store_customer_delete(st, P1, c.id)), PD_OK);
	struct pd_customer g;
	cr_assert_eq(get(P1, c.id, &g), PD_ENOTFOUND);
	cr_assert_not(taken("mueller" SUFFIX), "the domain is free again");
	cr_assert(taken("contoso" SUFFIX));
	struct pd_query q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "üller", 10);
	cr_assert_str_eq(names(P1, &q), "");
	q = query(PD_FILTER_NAME, PD_OP_STARTS_WITH, "müller", 10);
	cr_assert_str_eq(names(P1, &q), "");
	q = query(PD_FILTER_NONE, PD_OP_NONE, NULL, 10);
	cr_assert_str_eq(names(P1, &q), "Contoso");
	cr_assert_eq(TX(st, store_customer_delete(st, P1, c.id)), PD_ENOTFOUND, "deleted once");

	/* the domain and the admin's UPN can be used again */
	struct pd_customer again = mk("Müller Neu", "mueller");
	admin.customer_id = again.id;
	cr_assert_eq(store_begin(st), PD_OK);
	cr_assert_eq(TX(st, store_customer_insert(st, P2, &again, &admin)), PD_OK);
	cr_assert_eq(store_commit(st), PD_OK);
	q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "üller", 10);
	cr_assert_str_eq(names(P2, &q), "Müller Neu");
	cr_assert_str_eq(names(P1, &q), "");
}

Test(store, admin_upn_conflict)
{
	struct pd_customer a = mk("A", "alpha"), b = mk("B", "beta");
	struct pd_customer_user u = {.partner_id = P1, .customer_id = a.id, .id = "u1",
				     .upn = "Admin@Alpha" SUFFIX, .created = NOW};
	cr_assert_eq(TX(st, store_customer_insert(st, P1, &a, &u)), PD_OK);
	u.customer_id = b.id;
	u.upn = "admin@alpha" SUFFIX;
	cr_assert_eq(store_begin(st), PD_OK);
	cr_assert_eq(store_savepoint(st), PD_OK);
	cr_assert_eq(TX(st, store_customer_insert(st, P1, &b, &u)), PD_ECONFLICT, "UPNs are unique, any case");
	cr_assert_eq(store_rollback_to(st), PD_OK);
	cr_assert_eq(store_commit(st), PD_OK);
	cr_assert_not(taken("beta" SUFFIX), "the half-done insert was rolled back");
}

/* ---- idempotency -------------------------------------------------------------------- */

Test(store, idempotency_keys)
{
	char *res = NULL, *dig = NULL;
	cr_assert_eq(store_idem_get(st, P1, "req-1", &res, &dig, ar), PD_ENOTFOUND);
	cr_assert_eq(TX(st, store_idem_put(st, P1, "req-1", "cust-1", NULL, NOW)), PD_OK);
	cr_assert_eq(store_idem_get(st, P1, "req-1", &res, &dig, ar), PD_OK);
	cr_assert_str_eq(res, "cust-1");
	cr_assert_eq(store_idem_get(st, P2, "req-1", &res, &dig, ar), PD_ENOTFOUND, "per partner");
	cr_assert_eq(TX(st, store_idem_put(st, P1, "req-1", "cust-2", NULL, NOW)), PD_ECONFLICT);
	cr_assert_eq(TX(st, store_idem_put(st, P2, "req-1", "cust-3", NULL, NOW)), PD_OK);
	cr_assert_eq(store_idem_get(st, P1, "req-1", &res, &dig, ar), PD_OK);
	cr_assert_str_eq(res, "cust-1", "the first answer stays");
	cr_assert_eq(store_idem_get(st, P2, "req-1", &res, &dig, ar), PD_OK);
	cr_assert_str_eq(res, "cust-3");
}

Test(store, idempotency_key_keeps_the_request_digest)
{
	char *res = NULL, *dig = NULL;
	cr_assert_eq(TX(st, store_idem_put(st, P1, "req-d", "cust-d", "abc123", NOW)), PD_OK);
	cr_assert_eq(store_idem_get(st, P1, "req-d", &res, &dig, ar), PD_OK);
	cr_assert_str_eq(res, "cust-d");
	cr_assert_str_eq(dig, "abc123");
	cr_assert_eq(TX(st, store_idem_put(st, P1, "req-n", "cust-n", NULL, NOW)), PD_OK);
	cr_assert_eq(store_idem_get(st, P1, "req-n", &res, &dig, ar), PD_OK);
	cr_assert_null(dig, "a key stored without a digest reads back without one");
}

/* ---- transactions ------------------------------------------------------------------- */

/* A write outside a transaction begun on its own struct store is refused before it reaches
 * the backend (nothing written), on a connection in a read snapshot too; inside one, after
 * a commit or a rollback it is refused again.  The shared counters are the exception. */
Test(store, writes_outside_a_transaction_are_refused)
{
	struct pd_customer a = mk("Alpha", "alpha"), b = mk("Beta", "beta"), g;
	struct store *other = open_store(false);
	cr_assert_eq(store_customer_insert(st, P1, &a, NULL), PD_EINTERNAL);
	cr_assert_eq(store_setting_put(st, "k", "v"), PD_EINTERNAL);
	cr_assert_eq(store_savepoint(st), PD_EINTERNAL);
	cr_assert_eq(store_read_begin(st), PD_OK);
	cr_assert_eq(store_idem_put(st, P1, "req-a", a.id, NULL, NOW), PD_EINTERNAL, "a read snapshot is no transaction");
	store_read_end(st);
	cr_assert_eq(store_begin(other), PD_OK);
	cr_assert_eq(store_customer_insert(st, P1, &a, NULL), PD_EINTERNAL, "another store's transaction is not st's");
	cr_assert_eq(store_rollback(other), PD_OK);
	cr_assert_eq(get(P1, a.id, &g), PD_ENOTFOUND, "nothing reached the backend");
	cr_assert(!store_in_transaction(st));
	cr_assert_eq(store_begin(st), PD_OK);
	cr_assert(store_in_transaction(st));
	cr_assert_eq(store_customer_insert(st, P1, &a, NULL), PD_OK);
	cr_assert_eq(store_commit(st), PD_OK);
	cr_assert_eq(store_customer_insert(st, P1, &b, NULL), PD_EINTERNAL, "after the commit");
	cr_assert_eq(store_begin(st), PD_OK);
	cr_assert_eq(store_rollback(st), PD_OK);
	cr_assert_eq(store_customer_insert(st, P1, &b, NULL), PD_EINTERNAL, "after the rollback");
	cr_assert_eq(get(P1, a.id, &g), PD_OK);
	cr_assert_eq(get(P1, b.id, &g), PD_ENOTFOUND);
	int wait = -1;
	cr_assert_eq(store_rate_take(st, "k", 1.0, 10, &wait), store_has_shared_counters(st) ? PD_OK : PD_EINVAL);
	bool more = true;
	cr_assert_eq(store_tidy(st, &more), PD_OK, "upkeep is its own transaction");
	store_close(other);
}

/* An armed fault fails the call it names before the backend sees it (nothing written) and
 * counts every call; unarmed, nothing is counted. */
Test(store, fault_injection_fails_the_named_call)
{
	struct store_fault f;
	struct pd_customer a = mk("Alpha", "alpha"), g;
	cr_assert_eq(store_fault_parse("call=2; error=ECONFLICT", &f), PD_OK);
	store_fault_arm(&f);
	cr_assert_eq(store_begin(st), PD_OK);
	cr_assert_eq(store_customer_insert(st, P1, &a, NULL), PD_ECONFLICT);
	cr_assert_eq(f.failed, STORE_OP_customer_insert);
	cr_assert_eq(store_customer_insert(st, P1, &a, NULL), PD_OK, "only the second call");
	cr_assert_eq(store_rollback(st), PD_OK, "rollbacks are never failed");
	cr_assert_eq(f.calls, 3, "rollbacks are not counted");
	cr_assert_eq(store_fault_parse("op=customer_get; error=EIO", &f), PD_OK);
	cr_assert_eq(get(P1, a.id, &g), PD_EIO);
	cr_assert_eq(store_partner_count(st, &(long long){0}), PD_OK);
	cr_assert_eq(get(P1, a.id, &g), PD_EIO, "every call of the op");
	cr_assert_eq(f.calls, 3);
	store_fault_arm(NULL);
	cr_assert_eq(get(P1, a.id, &g), PD_ENOTFOUND, "disarmed; the insert was rolled back");
	cr_assert_eq(f.calls, 3);
	const char *bad[] = {"", "call=0; error=EIO", "call=1", "error=EIO", "call=1; error=ENOENT", "call=x; error=EIO",
			     "op=nope; error=EIO", "op=rollback; error=EIO", "call=1; error=EIO; junk", "call=+1; error=EIO"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_assert_eq(store_fault_parse(bad[i], &f), PD_EINVAL, "%s", bad[i]);
	struct store_call_stats s;
	store_call_stats(STORE_OP_customer_get, &s);
	cr_assert_geq(s.error, 3, "the faults are counted as errors");
	unsigned long long n = 0;
	for (int i = 0; i < STORE_CALL_BUCKETS; i++)
		n += s.bucket[i];
	cr_assert_eq(n, s.ok + s.error);
	cr_assert_str_eq(store_op_name(store_op_find("billing_update")), "billing_update");
}

Test(store, savepoint_rollback_discards_only_that_part)
{
	struct pd_customer a = mk("Alpha", "alpha"), b = mk("Beta", "beta"), c = mk("Gamma", "gamma");
	struct pd_customer d = mk("Delta", "delta");
	cr_assert_eq(store_begin(st), PD_OK);
	cr_assert_eq(TX(st, store_customer_insert(st, P1, &a, NULL)), PD_OK);
	cr_assert_eq(store_savepoint(st), PD_OK);
	cr_assert_eq(TX(st, store_customer_insert(st, P1, &b, NULL)), PD_OK);
	cr_assert_eq(TX(st, store_idem_put(st, P1, "req-b", b.id, NULL, NOW)), PD_OK);
	cr_assert_eq(store_rollback_to(st), PD_OK);
	cr_assert_eq(store_savepoint(st), PD_OK);
	cr_assert_eq(TX(st, store_customer_insert(st, P1, &c, NULL)), PD_OK);
	cr_assert_eq(store_release(st), PD_OK);
	cr_assert_eq(store_commit(st), PD_OK);

	/* a second transaction rolled back entirely */
	cr_assert_eq(store_begin(st), PD_OK);
	cr_assert_eq(TX(st, store_customer_insert(st, P1, &d, NULL)), PD_OK);
	cr_assert_eq(store_rollback(st), PD_OK);

	struct pd_customer g;
	cr_assert_eq(get(P1, a.id, &g), PD_OK);
	cr_assert_eq(get(P1, b.id, &g), PD_ENOTFOUND);
	cr_assert_eq(get(P1, c.id, &g), PD_OK);
	cr_assert_eq(get(P1, d.id, &g), PD_ENOTFOUND);
	cr_assert(taken("alpha" SUFFIX));
	cr_assert_not(taken("beta" SUFFIX));
	cr_assert(taken("gamma" SUFFIX));
	cr_assert_not(taken("delta" SUFFIX));
	char *res, *dig;
	cr_assert_eq(store_idem_get(st, P1, "req-b", &res, &dig, ar), PD_ENOTFOUND);
	struct pd_query q = query(PD_FILTER_NAME, PD_OP_SUBSTRING, "eta", 10);
	cr_assert_str_eq(names(P1, &q), "", "the search row of the discarded insert is gone");
	q = query(PD_FILTER_NONE, PD_OP_NONE, NULL, 10);
	cr_assert_str_eq(names(P1, &q), "Alpha|Gamma");
	/* a later insert can use the discarded domain */
	struct pd_customer b2 = mk("Beta", "beta");
	cr_assert_eq(insert(P1, &b2), PD_OK);
	cr_assert_gt(b2.seq, c.seq);
}

Test(store, duplicate_id_in_savepoint)
{
	/* a failure after the domain was reserved: the savepoint takes the reservation back */
	struct pd_customer a = add(P1, "Alpha", "alpha");
	struct pd_customer dup = mk("Alpha Again", "alpha2");
	dup.id = a.id;
	cr_assert_eq(store_begin(st), PD_OK);
	cr_assert_eq(store_savepoint(st), PD_OK);
	cr_assert_eq(TX(st, store_customer_insert(st, P1, &dup, NULL)), PD_ECONFLICT);
	cr_assert_eq(store_rollback_to(st), PD_OK);
	cr_assert_eq(store_commit(st), PD_OK);
	cr_assert_not(taken("alpha2" SUFFIX));
	struct pd_query q = query(PD_FILTER_NONE, PD_OP_NONE, NULL, 10);
	cr_assert_str_eq(names(P1, &q), "Alpha");
}

static enum pd_err tx_ok(struct store *s, void *arg)
{
	return TX(s, store_idem_put(s, P1, (const char *)arg, "r", NULL, NOW));
}

static enum pd_err tx_fail(struct store *s, void *arg)
{
	enum pd_err e = TX(s, store_idem_put(s, P1, (const char *)arg, "r", NULL, NOW));
	return e == PD_OK ? PD_EINVAL : e;
}

Test(store, store_tx_commits_or_rolls_back)
{
	char *res, *dig;
	cr_assert_eq(store_tx(st, tx_ok, "tx-1"), PD_OK);
	cr_assert_eq(store_idem_get(st, P1, "tx-1", &res, &dig, ar), PD_OK);
	cr_assert_eq(store_tx(st, tx_fail, "tx-2"), PD_EINVAL);
	cr_assert_eq(store_idem_get(st, P1, "tx-2", &res, &dig, ar), PD_ENOTFOUND);
}

Test(store, committed_writes_seen_by_another_connection)
{
	struct store *other = open_store(false);
	struct pd_customer c = add(P1, "Contoso", "contoso");
	struct pd_customer g;
	cr_assert_eq(store_customer_get(other, P1, c.id, &g, ar), PD_OK);
	cr_assert_str_eq(g.billing.company_name, "Contoso");
	bool t = false;
	cr_assert_eq(store_domain_taken(other, "contoso" SUFFIX, &t), PD_OK);
	cr_assert(t);
	store_close(other);
}

/* ---- staff, apps and the activity log ----------------------------------------------- */

static struct pd_user staff(const char *id, const char *email, const char *roles, const char *state)
{
	return (struct pd_user){.partner_id = P1, .id = id, .email = email, .display_name = email,
				.password_hash = "$argon2id$x", .roles = roles, .state = state, .created = NOW};
}

Test(store, users_list_save_delete_count)
{
	struct pd_user a = staff("u-a", "a@x.cn", "global_admin", "active");
	struct pd_user b = staff("u-b", "b@x.cn", "global_admin,sales_agent", "active");
	struct pd_user c = staff("u-c", "c@x.cn", "helpdesk_agent", "active");
	cr_assert_eq(TX(st, store_user_insert(st, &c)), PD_OK);
	cr_assert_eq(TX(st, store_user_insert(st, &a)), PD_OK);
	cr_assert_eq(TX(st, store_user_insert(st, &b)), PD_OK);
	struct pd_user *rows;
	size_t n;
	cr_assert_eq(store_user_list(st, P1, NULL, 2, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 3, "size + 1 rows tell there is more");
	cr_assert_str_eq(rows[0].email, "a@x.cn");
	cr_assert_str_eq(rows[1].email, "b@x.cn");
	cr_assert_eq(store_user_list(st, P1, "b@x.cn", 2, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(rows[0].email, "c@x.cn");
	long long admins = 0;
	cr_assert_eq(store_user_count_role(st, P1, "global_admin", &admins), PD_OK);
	cr_assert_eq(admins, 2);
	b.state = "disabled";
	b.version = 1; /* as inserted */
	cr_assert_eq(TX(st, store_user_save(st, &b)), PD_OK);
	cr_assert_eq(store_user_count_role(st, P1, "global_admin", &admins), PD_OK);
	cr_assert_eq(admins, 1, "disabled users do not count");
	cr_assert_eq(store_user_count_role(st, P1, "admin", &admins), PD_OK);
	cr_assert_eq(admins, 0, "whole role names only");
	cr_assert_eq(TX(st, store_user_delete(st, P1, "u-c", 1)), PD_OK);
	cr_assert_eq(TX(st, store_user_delete(st, P1, "u-c", 1)), PD_ENOTFOUND);
	cr_assert_eq(TX(st, store_user_delete(st, "other-partner", "u-a", 1)), PD_ENOTFOUND);
	struct pd_user back;
	cr_assert_eq(store_user_get(st, P1, "u-b", &back, ar), PD_OK);
	cr_assert_str_eq(back.state, "disabled");
	cr_assert_eq(store_user_get(st, "other-partner", "u-b", &back, ar), PD_ENOTFOUND);
}

Test(store, apps)
{
	struct pd_app a = {.partner_id = P1, .id = "app-1", .display_name = "Robot", .roles = "sales_agent",
			   .state = "active", .created = NOW, .secret_updated = NOW};
	memset(a.secret_digest, 7, PD_DIGEST_LEN);
	cr_assert_eq(TX(st, store_app_insert(st, &a)), PD_OK);
	cr_assert_eq(TX(st, store_app_insert(st, &a)), PD_ECONFLICT);
	struct pd_app back;
	cr_assert_eq(store_app_by_client(st, "app-1", &back, ar), PD_OK);
	cr_assert_str_eq(back.partner_id, P1);
	cr_assert_eq(back.secret_digest[5], 7);
	cr_assert_eq(store_app_get(st, "other-partner", "app-1", &back, ar), PD_ENOTFOUND);
	a.state = "revoked";
	memset(a.secret_digest, 9, PD_DIGEST_LEN);
	a.secret_updated = NOW + 5;
	a.version = back.version;
	cr_assert_eq(TX(st, store_app_save(st, &a)), PD_OK);
	cr_assert_eq(store_app_get(st, P1, "app-1", &back, ar), PD_OK);
	cr_assert_str_eq(back.state, "revoked");
	cr_assert_eq(back.secret_digest[0], 9);
	cr_assert_eq(back.secret_updated, NOW + 5);
	struct pd_app *rows;
	size_t n;
	cr_assert_eq(store_app_list(st, P1, NULL, 10, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 1);
}

static struct pd_audit record(const char *id, long long when, const char *op, const char *customer)
{
	return (struct pd_audit){.partner_id = P1, .id = id, .created = when, .operation = op,
				 .resource_type = "customer", .customer_id = customer,
				 .customer_name = "康托索科技", .principal_kind = "user",
				 .principal_name = "Admin@X.cn", .outcome = "succeeded"};
}

Test(store, audit_records_filtered_paged_and_append_only)
{
	struct pd_audit r1 = record("rec-1", NOW, "add_customer", "c-1");
	struct pd_audit r2 = record("rec-2", NOW + 10, "update_customer_billing_profile", "c-1");
	struct pd_audit r3 = record("rec-3", NOW + 20, "add_customer", "c-2");
	cr_assert_eq(TX(st, store_audit_insert(st, &r1)), PD_OK);
	cr_assert_eq(TX(st, store_audit_insert(st, &r2)), PD_OK);
	cr_assert_eq(TX(st, store_audit_insert(st, &r3)), PD_OK);
	cr_assert(r1.seq < r2.seq && r2.seq < r3.seq);
	struct pd_audit *rows;
	size_t n;
	struct pd_audit_query q = {.start = NOW, .end = NOW + 100, .size = 10};
	cr_assert_eq(store_audit_list(st, P1, &q, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 3);
	q.operation = "add_customer";
	cr_assert_eq(store_audit_list(st, P1, &q, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 2);
	q = (struct pd_audit_query){.start = NOW, .end = NOW + 100, .size = 10, .customer_id = "c-1", .user = "admin@x.CN"};
	cr_assert_eq(store_audit_list(st, P1, &q, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 2);
	q = (struct pd_audit_query){.start = NOW + 5, .end = NOW + 15, .size = 10, .customer_name = "托索"};
	cr_assert_eq(store_audit_list(st, P1, &q, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(rows[0].id, "rec-2");
	q = (struct pd_audit_query){.start = NOW, .end = NOW + 100, .size = 1, .after_seq = r1.seq};
	cr_assert_eq(store_audit_list(st, P1, &q, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 2, "size + 1");
	cr_assert_str_eq(rows[0].id, "rec-2");
	struct pd_audit one;
	cr_assert_eq(store_audit_get(st, P1, "rec-3", &one, ar), PD_OK);
	cr_assert_str_eq(one.customer_id, "c-2");
	cr_assert_eq(store_audit_get(st, "other-partner", "rec-3", &one, ar), PD_ENOTFOUND);

	cr_assert_not(raw_exec("DELETE FROM audit_records"));
	cr_assert_not(raw_exec("UPDATE audit_records SET outcome = 'x'"));
	cr_assert_eq(store_audit_list(st, P1, &(struct pd_audit_query){.start = 0, .end = NOW + 100, .size = 10}, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 3, "nothing changed");
}

static struct pd_event event(const char *partner, const char *name, const char *uri, long long when)
{
	return (struct pd_event){.partner_id = partner, .name = name, .resource_uri = uri,
				 .resource_name = "customer", .audit_id = "rec-1", .created = when};
}

Test(store, events_take_growing_cursors_per_partner_page_in_order_and_prune_the_old)
{
	struct pd_event e1 = event(P1, "customer-created", "/v1/customers/c-1", NOW);
	struct pd_event e2 = event(P2, "customer-created", "/v1/customers/c-2", NOW + 10);
	struct pd_event e3 = event(P1, "billingprofile-updated", "/v1/customers/c-1/profiles/billing", NOW + 20);
	long long first = -1, last = -1;
	cr_assert_eq(store_event_bounds(st, P1, &first, &last), PD_OK);
	cr_assert(first == 0 && last == 0, "no events yet");
	cr_assert_eq(store_event_insert(st, &e1), PD_EINTERNAL, "a write outside a transaction is refused");
	cr_assert_eq(TX(st, store_event_insert(st, &e1)), PD_OK);
	cr_assert_eq(TX(st, store_event_insert(st, &e2)), PD_OK);
	cr_assert_eq(TX(st, store_event_insert(st, &e3)), PD_OK);
	cr_assert(e1.seq == 1 && e3.seq == 2 && e2.seq == 1, "each partner's own count: no gaps for others");
	struct pd_event *rows;
	size_t n;
	cr_assert_eq(store_event_list(st, P1, 0, 10, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 2, "only the partner's own");
	cr_assert_eq(rows[0].seq, e1.seq);
	cr_assert_str_eq(rows[1].name, "billingprofile-updated");
	cr_assert_str_eq(rows[1].resource_uri, "/v1/customers/c-1/profiles/billing");
	cr_assert_str_eq(rows[1].audit_id, "rec-1");
	cr_assert_eq(rows[1].created, NOW + 20);
	cr_assert_eq(store_event_list(st, P1, e1.seq, 10, &rows, &n, ar), PD_OK);
	cr_assert(n == 1 && rows[0].seq == e3.seq, "after the cursor");
	cr_assert_eq(store_event_list(st, P1, 0, 1, &rows, &n, ar), PD_OK);
	cr_assert(n == 1 && rows[0].seq == e1.seq, "at most max");
	cr_assert_eq(store_event_bounds(st, P1, &first, &last), PD_OK);
	cr_assert(first == e1.seq && last == e3.seq);
	long long gone = -1;
	cr_assert_eq(TX(st, store_event_prune(st, NOW + 5, &gone)), PD_OK);
	cr_assert_eq(gone, 1, "only what is older");
	cr_assert_eq(store_event_bounds(st, P1, &first, &last), PD_OK);
	cr_assert(first == e3.seq && last == e3.seq);
	cr_assert_eq(store_event_list(st, P2, 0, 10, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 1, "newer: kept");
	struct pd_event e4 = event(P1, "customer-created", "/v1/customers/c-4", NOW + 40);
	cr_assert_eq(TX(st, store_event_insert(st, &e4)), PD_OK);
	cr_assert(e4.seq > e3.seq, "a pruned feed never reuses a cursor");
}

Test(store, event_prune_keeps_per_partner_the_highest_cursor_it_removed)
{
	struct pd_event e1 = event(P1, "customer-created", "/v1/customers/c-1", NOW);
	struct pd_event e2 = event(P1, "customer-created", "/v1/customers/c-2", NOW + 10);
	struct pd_event e3 = event(P2, "customer-created", "/v1/customers/c-3", NOW + 20);
	long long pruned = -1, gone = -1;
	cr_assert_eq(store_event_pruned(st, P1, &pruned), PD_OK);
	cr_assert_eq(pruned, 0, "nothing removed yet");
	cr_assert_eq(TX(st, store_event_insert(st, &e1)), PD_OK);
	cr_assert_eq(TX(st, store_event_insert(st, &e2)), PD_OK);
	cr_assert_eq(TX(st, store_event_insert(st, &e3)), PD_OK);
	cr_assert_eq(TX(st, store_event_prune(st, NOW + 15, &gone)), PD_OK);
	cr_assert_eq(gone, 2);
	cr_assert_eq(store_event_pruned(st, P1, &pruned), PD_OK);
	cr_assert_eq(pruned, e2.seq, "the partner's highest removed");
	cr_assert_eq(store_event_pruned(st, P2, &pruned), PD_OK);
	cr_assert_eq(pruned, 0, "another partner's removals are not its");
	cr_assert_eq(TX(st, store_event_prune(st, NOW + 15, &gone)), PD_OK);
	cr_assert_eq(gone, 0);
	cr_assert_eq(store_event_pruned(st, P1, &pruned), PD_OK);
	cr_assert_eq(pruned, e2.seq, "a prune that removes nothing moves nothing back");
	cr_assert_eq(TX(st, store_event_prune(st, NOW + 30, &gone)), PD_OK);
	cr_assert_eq(store_event_pruned(st, P2, &pruned), PD_OK);
	cr_assert_eq(pruned, e3.seq);
}

/* ---- webhooks (issue 22) ---- */

static struct pd_webhook webhook(const char *partner, const char *hook)
{
	return (struct pd_webhook){.partner_id = partner, .subscriber_id = "sub-1", .url = hook,
				   .events = "test-created,customer-created", .created = NOW, .updated = NOW,
				   .cursor = 7};
}

Test(store, webhook_one_per_partner_saved_at_the_version_read_and_deleted_with_its_log)
{
	struct pd_webhook w = webhook(P1, "https://a.example/hook"), got, *all;
	size_t n;
	cr_assert_eq(store_webhook_get(st, P1, &got, ar), PD_ENOTFOUND);
	cr_assert_eq(store_webhook_insert(st, &w), PD_EINTERNAL, "a write outside a transaction is refused");
	cr_assert_eq(TX(st, store_webhook_insert(st, &w)), PD_OK);
	cr_assert_eq(TX(st, store_webhook_insert(st, &w)), PD_ECONFLICT, "one per partner");
	cr_assert_eq(store_webhook_get(st, P1, &got, ar), PD_OK);
	cr_assert_str_eq(got.url, "https://a.example/hook");
	cr_assert_str_eq(got.events, "test-created,customer-created");
	cr_assert(got.version == 1 && got.cursor == 7 && got.lease_owner == NULL && got.lease_until_ms == 0);
	struct pd_webhook stale = got;
	got.url = "https://b.example/hook";
	cr_assert_eq(TX(st, store_webhook_save(st, &got)), PD_OK);
	cr_assert_eq(got.version, 2, "the save bumps the caller's version");
	stale.url = "https://c.example/";
	cr_assert_eq(TX(st, store_webhook_save(st, &stale)), PD_ECHANGED, "saved only at the version read");
	cr_assert_eq(store_webhook_get(st, P1, &w, ar), PD_OK);
	cr_assert_str_eq(w.url, "https://b.example/hook");
	struct pd_wdelivery d = {.partner_id = P1, .seq = 8, .subscriber_id = "sub-1", .event_name = "test-created",
				 .state = "pending", .next_at_ms = 1, .created = NOW, .updated = NOW};
	cr_assert_eq(TX(st, store_wdelivery_insert(st, &d)), PD_OK);
	cr_assert_eq(TX(st, store_wtest_insert(st, P1, "cid-1", 8, NOW)), PD_OK);
	struct pd_webhook other = webhook(P2, "https://p2.example/");
	cr_assert_eq(TX(st, store_webhook_insert(st, &other)), PD_OK);
	cr_assert_eq(store_webhook_all(st, &all, &n, ar), PD_OK);
	cr_assert(n == 2 && !strcmp(all[0].partner_id, P1) && !strcmp(all[1].partner_id, P2));
	cr_assert_eq(TX(st, store_webhook_delete(st, P1, 1)), PD_ECHANGED, "deleted only at the version read");
	cr_assert_eq(TX(st, store_webhook_delete(st, P1, 2)), PD_OK);
	cr_assert_eq(TX(st, store_webhook_delete(st, P1, 2)), PD_ENOTFOUND);
	long long seq = 0;
	cr_assert_eq(store_wdelivery_get(st, P1, 8, &d, ar), PD_ENOTFOUND, "its deliveries went with it");
	cr_assert_eq(store_wtest_get(st, P1, "cid-1", &seq), PD_ENOTFOUND, "and its tests");
	cr_assert_eq(store_webhook_get(st, P2, &got, ar), PD_OK, "another partner's stays");
}

Test(store, webhook_lease_has_one_owner_until_it_lapses_and_the_cursor_moves_only_from_where_it_was)
{
	struct pd_webhook w = webhook(P1, "https://a.example/hook"), got;
	cr_assert_eq(TX(st, store_webhook_insert(st, &w)), PD_OK);
	cr_assert_eq(TX(st, store_webhook_lease(st, P1, "sub-1", "inst-a", 1000, 31000)), PD_OK);
	cr_assert_eq(TX(st, store_webhook_lease(st, P1, "sub-1", "inst-b", 2000, 32000)), PD_ECHANGED, "a holds it");
	cr_assert_eq(TX(st, store_webhook_lease(st, P1, "sub-1", "inst-a", 20000, 50000)), PD_OK, "renewed");
	cr_assert_eq(TX(st, store_webhook_lease(st, P1, "sub-1", "inst-b", 49999, 80000)), PD_ECHANGED);
	cr_assert_eq(TX(st, store_webhook_lease(st, P1, "sub-1", "inst-b", 50001, 80001)), PD_OK, "lapsed: taken over");
	cr_assert_eq(store_webhook_get(st, P1, &got, ar), PD_OK);
	cr_assert(!strcmp(got.lease_owner, "inst-b") && got.lease_until_ms == 80001);
	cr_assert_eq(TX(st, store_webhook_lease(st, P1, "sub-2", "inst-b", 50001, 80001)), PD_ECHANGED,
		     "another registration's lease is not this one's");
	cr_assert_eq(TX(st, store_webhook_lease(st, P2, "sub-1", "inst-b", 1, 2)), PD_ENOTFOUND);
	cr_assert_eq(TX(st, store_webhook_advance(st, P1, "sub-1", 7, 12)), PD_OK);
	cr_assert_eq(TX(st, store_webhook_advance(st, P1, "sub-1", 7, 13)), PD_ECHANGED, "moved meanwhile");
	cr_assert_eq(TX(st, store_webhook_advance(st, P1, "sub-2", 12, 13)), PD_ECHANGED, "another registration");
	cr_assert_eq(store_webhook_get(st, P1, &got, ar), PD_OK);
	cr_assert_eq(got.cursor, 12);
	cr_assert_eq(got.version, 1, "delivery state is no change of the registration");
}

static enum pd_err attempt(long long seq, long long n, const char *state, int status)
{
	struct pd_wattempt a = {.partner_id = P1, .seq = seq, .n = n, .at_ms = NOW * 1000 + n, .url = "https://a/",
				.status = status, .message = status ? "Internal Server Error" : "Connection refused",
				.system_error = false};
	struct pd_wdelivery d = {.partner_id = P1, .seq = seq, .state = state, .attempts = n,
				 .next_at_ms = NOW * 1000 + 100 * n, .updated = NOW + n};
	return TX(st, store_wdelivery_record(st, &a, &d));
}

Test(store, deliveries_record_each_attempt_once_from_the_state_read_park_and_redeliver)
{
	struct pd_wdelivery d = {.partner_id = P1, .subscriber_id = "sub-1", .event_name = "customer-created",
				 .state = "pending", .next_at_ms = 5, .created = NOW, .updated = NOW}, got, *rows;
	struct pd_wattempt *att;
	size_t n;
	cr_assert_eq(store_wdelivery_next(st, P1, &got, ar), PD_ENOTFOUND);
	for (long long seq = 3; seq <= 5; seq++) {
		d.seq = seq;
		cr_assert_eq(TX(st, store_wdelivery_insert(st, &d)), PD_OK);
	}
	cr_assert_eq(TX(st, store_wdelivery_insert(st, &d)), PD_ECONFLICT, "one delivery per event");
	cr_assert_eq(store_wdelivery_next(st, P1, &got, ar), PD_OK);
	cr_assert_eq(got.seq, 3, "the lowest pending first");
	cr_assert_eq(attempt(3, 1, "pending", 500), PD_OK);
	cr_assert_eq(attempt(3, 1, "pending", 500), PD_ECHANGED, "the same attempt twice (another instance)");
	cr_assert_eq(attempt(3, 3, "pending", 500), PD_ECHANGED, "not from the state read");
	cr_assert_eq(attempt(3, 2, "parked", 0), PD_OK);
	cr_assert_eq(attempt(3, 3, "pending", 0), PD_ECHANGED, "a parked one takes no attempt");
	cr_assert_eq(attempt(4, 1, "delivered", 200), PD_OK);
	cr_assert_eq(store_wdelivery_next(st, P1, &got, ar), PD_OK);
	cr_assert_eq(got.seq, 5, "parked and delivered are out of the queue");
	cr_assert_eq(store_wdelivery_get(st, P1, 3, &got, ar), PD_OK);
	cr_assert(!strcmp(got.state, "parked") && got.attempts == 2 && got.round_start == 0);
	cr_assert_eq(TX(st, store_wdelivery_redeliver(st, P1, 4, 9, NOW + 9)), PD_ENOTFOUND, "delivered: not parked");
	cr_assert_eq(TX(st, store_wdelivery_redeliver(st, P1, 3, 9000, NOW + 9)), PD_OK);
	cr_assert_eq(store_wdelivery_get(st, P1, 3, &got, ar), PD_OK);
	cr_assert(!strcmp(got.state, "pending") && got.attempts == 2 && got.round_start == 2 && got.next_at_ms == 9000,
		  "a new round, its attempts counted on");
	cr_assert_eq(attempt(3, 3, "delivered", 204), PD_OK);
	cr_assert_eq(store_wattempt_list(st, P1, 3, 4, &att, &n, ar), PD_OK);
	cr_assert_eq(n, 4);
	cr_assert(att[0].seq == 3 && att[0].n == 1 && att[0].status == 500 && att[1].status == 0 &&
		  att[2].n == 3 && att[3].seq == 4);
	cr_assert_str_eq(att[1].message, "Connection refused");
	cr_assert_eq(att[1].at_ms, NOW * 1000 + 2);
	cr_assert_eq(store_wdelivery_list(st, P1, 3, 10, &rows, &n, ar), PD_OK);
	cr_assert(n == 2 && rows[0].seq == 4 && !strcmp(rows[0].state, "delivered") && rows[1].seq == 5);
	cr_assert_eq(store_wdelivery_list(st, P2, 0, 10, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 0, "only the partner's own");
}

Test(store, webhook_tests_are_found_by_correlation_id_and_counted_for_the_throttle)
{
	long long seq = 0, count = -1, oldest = -1;
	cr_assert_eq(store_wtest_recent(st, P1, NOW - 60, &count, &oldest), PD_OK);
	cr_assert(count == 0 && oldest == 0);
	cr_assert_eq(TX(st, store_wtest_insert(st, P1, "c-1", 11, NOW - 100)), PD_OK);
	cr_assert_eq(TX(st, store_wtest_insert(st, P1, "c-2", 12, NOW - 30)), PD_OK);
	cr_assert_eq(TX(st, store_wtest_insert(st, P1, "c-3", 13, NOW - 10)), PD_OK);
	cr_assert_eq(TX(st, store_wtest_insert(st, P2, "c-4", 14, NOW)), PD_OK);
	cr_assert_eq(TX(st, store_wtest_insert(st, P1, "c-3", 15, NOW)), PD_ECONFLICT);
	cr_assert_eq(store_wtest_recent(st, P1, NOW - 59, &count, &oldest), PD_OK);
	cr_assert(count == 2 && oldest == NOW - 30, "the last minute's, the partner's own");
	cr_assert_eq(store_wtest_get(st, P1, "c-2", &seq), PD_OK);
	cr_assert_eq(seq, 12);
	cr_assert_eq(store_wtest_get(st, P2, "c-2", &seq), PD_ENOTFOUND);
}

Test(store, event_prune_keeps_what_a_webhook_delivery_still_needs)
{
	struct pd_event e[5];
	for (int i = 0; i < 5; i++) {
		e[i] = event(P1, "customer-created", "/v1/customers/c", NOW + i);
		cr_assert_eq(TX(st, store_event_insert(st, &e[i])), PD_OK);
	}
	struct pd_event other = event(P2, "customer-created", "/v1/customers/o", NOW);
	cr_assert_eq(TX(st, store_event_insert(st, &other)), PD_OK);
	struct pd_webhook w = webhook(P1, "https://a.example/hook");
	w.cursor = e[3].seq; /* e[4] not taken yet */
	cr_assert_eq(TX(st, store_webhook_insert(st, &w)), PD_OK);
	const char *states[] = {"delivered", "parked", "delivered", "pending"}; /* e[0..3] taken */
	for (int i = 0; i < 4; i++) {
		struct pd_wdelivery d = {.partner_id = P1, .seq = e[i].seq, .subscriber_id = "sub-1",
					 .event_name = "customer-created", .state = "pending", .next_at_ms = 1,
					 .created = NOW, .updated = NOW};
		cr_assert_eq(TX(st, store_wdelivery_insert(st, &d)), PD_OK);
		if (strcmp(states[i], "pending")) {
			struct pd_wattempt a = {.partner_id = P1, .seq = e[i].seq, .n = 1, .at_ms = 1, .url = "https://a/",
						.status = 500, .message = "no"};
			d.state = states[i], d.attempts = 1;
			cr_assert_eq(TX(st, store_wdelivery_record(st, &a, &d)), PD_OK);
		}
	}
	long long gone = -1;
	cr_assert_eq(TX(st, store_event_prune(st, NOW + 100, &gone)), PD_OK);
	cr_assert_eq(gone, 3, "the two delivered, and another partner's without a registration");
	struct pd_event *rows;
	size_t n;
	cr_assert_eq(store_event_list(st, P1, 0, 10, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 3, "the parked, the pending and the one not taken yet stay");
	cr_assert(rows[0].seq == e[1].seq && rows[1].seq == e[3].seq && rows[2].seq == e[4].seq);
	long long pruned = 0;
	cr_assert_eq(store_event_pruned(st, P1, &pruned), PD_OK);
	cr_assert_eq(pruned, e[2].seq, "the highest removed");
}

/* ---- PostgreSQL only ------------------------------------------------------------------ */

Test(store, pg_reconnects_after_the_server_ends_the_connection)
{
	if (!on_pg())
		cr_skip_test("PostgreSQL only");
	struct pd_customer c = add(P1, "Contoso", "contoso");
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
		 " WHERE datname = '%s' AND pid <> pg_backend_pid()", pgdb);
	cr_assert(pg_exec(false, sql));
	struct pd_customer g;
	cr_assert_eq(get(P1, c.id, &g), PD_OK, "a read after the loss runs on a new connection");
	cr_assert(pg_exec(false, sql));
	struct pd_customer d = add(P1, "Fabrikam", "fabrikam");
	cr_assert_eq(get(P1, d.id, &g), PD_OK, "a transaction after the loss begins on a new connection");
	cr_assert_eq(raw_int("SELECT count(*) FROM customers"), 2);
}

Test(store, pg_keys_are_collated_bytewise_like_sqlite)
{
	if (!on_pg())
		cr_skip_test("PostgreSQL only");
	/* "B" < "a" < "é" in byte order (a locale collation would sort them otherwise) */
	add(P1, "a-corp", "acorp");
	add(P1, "B-corp", "bcorp");
	add(P1, "édition", "edition");
	cr_assert_eq(raw_int("SELECT count(*) FROM (SELECT name_key FROM customers ORDER BY name_key"
			     " LIMIT 1) x WHERE name_key = 'a-corp'"), 1);
	cr_assert_eq(raw_int("SELECT count(*) FROM (SELECT domain FROM customers ORDER BY domain DESC"
			     " LIMIT 1) x WHERE domain LIKE 'edition%'"), 1);
}

/* ---- paged lists: apps, tenant users, subscriptions (issue 14) ------------------------- */

static struct pd_app app(const char *partner, const char *id, long long created)
{
	struct pd_app a = {.partner_id = partner, .id = id, .display_name = id, .roles = "sales_agent",
			   .state = "active", .created = created, .secret_updated = created};
	memset(a.secret_digest, 1, PD_DIGEST_LEN);
	return a;
}

/* Every app of partner, `size` a page, each page continuing after the last row of the one
 * before (as the API's token does); their ids joined by '|'.  *pages counts the calls. */
static const char *walk_apps(const char *partner, int size, int *pages, size_t *count)
{
	const char *out = "";
	struct pd_after after, *pos = NULL;
	*pages = 0;
	*count = 0;
	for (;;) {
		struct pd_app *rows;
		size_t n = 99999;
		cr_assert_eq(store_app_list(st, partner, pos, size, &rows, &n, ar), PD_OK);
		cr_assert_leq(n, (size_t)size + 1, "at most a page and one more row");
		cr_assert_lt(++*pages, 5000, "paging does not end");
		size_t shown = n > (size_t)size ? (size_t)size : n;
		for (size_t i = 0; i < shown; i++, ++*count)
			if (*count < 20)
				out = pd_printf(ar, "%s%s%s", out, *out ? "|" : "", rows[i].id);
		if (n <= (size_t)size)
			return out;
		after = (struct pd_after){rows[shown - 1].created, rows[shown - 1].id};
		pos = &after;
	}
}

Test(store, apps_page_in_creation_order)
{
	struct pd_app a[] = {app(P1, "app-c", NOW), app(P1, "app-b", NOW + 1), app(P1, "app-a", NOW + 1),
			     app(P1, "app-e", NOW + 2), app(P1, "app-d", NOW + 2), app(P2, "app-x", NOW)};
	for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
		cr_assert_eq(TX(st, store_app_insert(st, &a[i])), PD_OK);
	int pages;
	size_t count;
	cr_assert_str_eq(walk_apps(P1, 2, &pages, &count), "app-c|app-a|app-b|app-d|app-e",
			 "created_at, then the id among equals; no other partner's app");
	cr_assert_eq(pages, 3);
	cr_assert_str_eq(walk_apps(P1, 5, &pages, &count), "app-c|app-a|app-b|app-d|app-e");
	cr_assert_eq(pages, 1, "a page that holds the rest says there is no next one");
	cr_assert_str_eq(walk_apps(P2, 1, &pages, &count), "app-x");
}

/* The old statement stopped at LIMIT 1000 without a word; 1,001 apps are all there now. */
Test(store, more_than_1000_apps_are_all_reachable)
{
	cr_assert_eq(store_begin(st), PD_OK);
	for (int i = 0; i < 1001; i++) {
		struct pd_app a = app(P1, pd_printf(ar, "app-%04d", i), NOW + i % 7);
		cr_assert_eq(TX(st, store_app_insert(st, &a)), PD_OK);
	}
	cr_assert_eq(store_commit(st), PD_OK);
	int pages;
	size_t count;
	walk_apps(P1, PD_PAGE_MAX, &pages, &count);
	cr_assert_eq(count, 1001);
	cr_assert_eq(pages, 3);
	walk_apps(P1, 1, &pages, &count);
	cr_assert_eq(count, 1001, "size 1: one app a page, none skipped or repeated");
	cr_assert_eq(raw_int("SELECT count(DISTINCT app_id) FROM apps"), 1001);
}

static void add_cuser(const char *customer, const char *id, const char *upn)
{
	struct pd_customer_user u = {.partner_id = P1, .customer_id = customer, .id = id, .upn = upn,
				     .roles = "user", .state = "active", .password_hash = "x", .created = NOW};
	cr_assert_eq(TX(st, store_cuser_insert(st, &u)), PD_OK);
}

Test(store, customer_users_page_by_upn)
{
	struct pd_customer c = add(P1, "Contoso", "contoso"), d = add(P1, "Fabrikam", "fabrikam");
	const char *upns[] = {"e@contoso" SUFFIX, "a@contoso" SUFFIX, "D@contoso" SUFFIX, "b@contoso" SUFFIX,
			      "c@contoso" SUFFIX};
	for (int i = 0; i < 5; i++)
		add_cuser(c.id, pd_printf(ar, "u-%d", i), upns[i]);
	add_cuser(d.id, "u-other", "a@fabrikam" SUFFIX);
	const char *out = "", *after = NULL;
	int pages = 0;
	for (;;) {
		struct pd_customer_user *rows;
		size_t n = 99999;
		cr_assert_eq(store_cuser_list(st, P1, c.id, after, 2, &rows, &n, ar), PD_OK);
		cr_assert_leq(n, 3);
		cr_assert_lt(++pages, 10);
		for (size_t i = 0; i < n && i < 2; i++)
			out = pd_printf(ar, "%s%s%.1s", out, *out ? "|" : "", rows[i].upn);
		if (n <= 2)
			break;
		after = rows[1].upn;
	}
	cr_assert_str_eq(out, "a|b|c|d|e", "by the stored (lower-case) UPN, this tenant only");
	cr_assert_eq(pages, 3);
	struct pd_customer_user *rows;
	size_t n;
	cr_assert_eq(store_cuser_list(st, P2, c.id, NULL, 10, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 0, "kept under the home partner only");
}

static void add_sub(const char *customer, const char *id, long long created)
{
	struct pd_subscription b = {.partner_id = P1, .customer_id = customer, .id = id, .order_id = "o-1",
				    .offer_id = "CN-O365-E3", .friendly_name = id, .status = "active",
				    .etag = "e", .quantity = 1, .created = created, .updated = created};
	cr_assert_eq(TX(st, store_sub_insert(st, &b)), PD_OK);
}

Test(store, subscriptions_page_in_creation_order)
{
	struct pd_customer c = add(P1, "Contoso", "contoso"), d = add(P1, "Fabrikam", "fabrikam");
	add_sub(c.id, "s-9", NOW);
	add_sub(c.id, "s-2", NOW + 5);
	add_sub(c.id, "s-1", NOW + 5);
	add_sub(c.id, "s-0", NOW + 9);
	add_sub(c.id, "s-5", NOW + 7);
	add_sub(d.id, "s-x", NOW);
	const char *out = "";
	struct pd_after after, *pos = NULL;
	int pages = 0;
	for (;;) {
		struct pd_subscription *rows;
		size_t n = 99999;
		cr_assert_eq(store_sub_list(st, P1, c.id, pos, 2, &rows, &n, ar), PD_OK);
		cr_assert_leq(n, 3);
		cr_assert_lt(++pages, 10);
		for (size_t i = 0; i < n && i < 2; i++)
			out = pd_printf(ar, "%s%s%s", out, *out ? "|" : "", rows[i].id);
		if (n <= 2)
			break;
		after = (struct pd_after){rows[1].created, rows[1].id};
		pos = &after;
	}
	cr_assert_str_eq(out, "s-9|s-1|s-2|s-5|s-0", "created_at, then the id; this customer only");
	cr_assert_eq(pages, 3);
	struct pd_subscription *rows;
	size_t n;
	cr_assert_eq(store_sub_list(st, P2, c.id, NULL, 10, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 0, "another partner sees none");
}

/* Each list's order is served by an index that seeks to the page's position (SQLite). */
Test(store, list_orders_have_their_indexes)
{
	if (on_pg())
		cr_skip_test("SQLite's catalog");
	cr_assert_eq(raw_int("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN"
			     " ('apps_created', 'customer_users_list', 'subscriptions_created', 'partner_users_list')"), 4);
}

/* ---- row versions: a save applies only at the version its caller read ---------------- */

Test(store, user_save_and_delete_only_at_the_version_read)
{
	struct pd_user ins = staff("u-v", "v@x.cn", "global_admin,sales_agent", "active"), mine, theirs;
	cr_assert_eq(TX(st, store_user_insert(st, &ins)), PD_OK);
	cr_assert_eq(store_user_get(st, P1, "u-v", &mine, ar), PD_OK);
	cr_assert_eq(mine.version, 1, "a new row is at version 1");
	theirs = mine;
	theirs.state = "disabled";
	theirs.roles = "sales_agent";
	cr_assert_eq(TX(st, store_user_save(st, &theirs)), PD_OK);
	cr_assert_eq(theirs.version, 2, "the saved struct follows the row");
	mine.password_hash = "$argon2id$new";
	cr_assert_eq(TX(st, store_user_save(st, &mine)), PD_ECHANGED, "saved from a read before theirs");
	cr_assert_eq(mine.version, 1, "a refused save leaves the version alone");
	struct pd_user back;
	cr_assert_eq(store_user_get(st, P1, "u-v", &back, ar), PD_OK);
	cr_assert_str_eq(back.state, "disabled", "the newer write stays");
	cr_assert_str_eq(back.roles, "sales_agent");
	cr_assert_str_eq(back.password_hash, "$argon2id$x");
	cr_assert_eq(back.version, 2);
	struct pd_user *rows;
	size_t n;
	cr_assert_eq(store_user_list(st, P1, NULL, 10, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 1);
	cr_assert_eq(rows[0].version, 2, "lists read the version too");
	cr_assert_eq(TX(st, store_user_delete(st, P1, "u-v", 1)), PD_ECHANGED);
	cr_assert_eq(store_user_get(st, P1, "u-v", &back, ar), PD_OK, "not deleted");
	cr_assert_eq(TX(st, store_user_delete(st, P1, "u-v", 2)), PD_OK);
	cr_assert_eq(TX(st, store_user_save(st, &theirs)), PD_ENOTFOUND, "gone, not changed");
	cr_assert_eq(TX(st, store_user_delete(st, P1, "u-v", 2)), PD_ENOTFOUND);
}

/* Two connections, as two partnerd instances on one PostgreSQL: a read on one, a committed
 * save on the other, then the first one's save inside its own write transaction. */
Test(store, another_connections_commit_between_read_and_save)
{
	struct pd_user ins = staff("u-w", "w@x.cn", "global_admin", "active"), mine, theirs;
	cr_assert_eq(TX(st, store_user_insert(st, &ins)), PD_OK);
	struct store *other = open_store(false);
	cr_assert_eq(store_user_get(st, P1, "u-w", &mine, ar), PD_OK);
	cr_assert_eq(store_begin(other), PD_OK);
	cr_assert_eq(store_user_get(other, P1, "u-w", &theirs, ar), PD_OK);
	theirs.state = "disabled";
	cr_assert_eq(TX(other, store_user_save(other, &theirs)), PD_OK);
	cr_assert_eq(store_commit(other), PD_OK);
	cr_assert_eq(store_begin(st), PD_OK);
	mine.must_change_password = true;
	cr_assert_eq(TX(st, store_user_save(st, &mine)), PD_ECHANGED);
	cr_assert_eq(store_commit(st), PD_OK);
	struct pd_user back;
	cr_assert_eq(store_user_get(other, P1, "u-w", &back, ar), PD_OK);
	cr_assert_str_eq(back.state, "disabled");
	cr_assert_not(back.must_change_password);
	store_close(other);
}

Test(store, app_save_only_at_the_version_read)
{
	struct pd_app ins = {.partner_id = P1, .id = "app-v", .display_name = "Robot", .roles = "sales_agent",
			     .state = "active", .created = NOW, .secret_updated = NOW}, mine, theirs, back;
	cr_assert_eq(TX(st, store_app_insert(st, &ins)), PD_OK);
	cr_assert_eq(store_app_get(st, P1, "app-v", &mine, ar), PD_OK);
	cr_assert_eq(mine.version, 1);
	theirs = mine;
	theirs.state = "revoked";
	cr_assert_eq(TX(st, store_app_save(st, &theirs)), PD_OK);
	cr_assert_eq(theirs.version, 2);
	memset(mine.secret_digest, 3, PD_DIGEST_LEN);
	mine.secret_updated = NOW + 9;
	cr_assert_eq(TX(st, store_app_save(st, &mine)), PD_ECHANGED, "a rotation read before the revoke");
	cr_assert_eq(store_app_by_client(st, "app-v", &back, ar), PD_OK);
	cr_assert_str_eq(back.state, "revoked");
	cr_assert_eq(back.secret_updated, NOW);
	cr_assert_eq(back.version, 2);
	struct pd_app *rows;
	size_t n;
	cr_assert_eq(store_app_list(st, P1, NULL, 10, &rows, &n, ar), PD_OK);
	cr_assert_eq(rows[0].version, 2);
	ins.id = "app-gone";
	ins.version = 1;
	cr_assert_eq(TX(st, store_app_save(st, &ins)), PD_ENOTFOUND);
}

Test(store, customer_user_save_and_delete_only_at_the_version_read)
{
	struct pd_customer c = mk("Versioned", "versioned");
	struct pd_customer_user admin = {.partner_id = P1, .customer_id = c.id,
					 .id = "bbbbbbbb-0000-4000-8000-0000000000a1", .upn = "admin@versioned" SUFFIX,
					 .display_name = "Admin", .roles = "company_administrator", .state = "active",
					 .password_hash = "old", .created = NOW}, mine, theirs, back;
	cr_assert_eq(store_begin(st), PD_OK);
	cr_assert_eq(TX(st, store_customer_insert(st, P1, &c, &admin)), PD_OK);
	cr_assert_eq(store_commit(st), PD_OK);
	cr_assert_eq(store_cuser_get(st, P1, c.id, admin.id, &mine, ar), PD_OK);
	cr_assert_eq(mine.version, 1);
	theirs = mine;
	theirs.password_hash = "reset";
	theirs.must_change_password = true;
	cr_assert_eq(TX(st, store_cuser_save(st, &theirs)), PD_OK);
	cr_assert_eq(theirs.version, 2);
	mine.state = "inactive";
	cr_assert_eq(TX(st, store_cuser_save(st, &mine)), PD_ECHANGED);
	cr_assert_eq(store_cuser_by_upn(st, admin.upn, &back, ar), PD_OK);
	cr_assert_str_eq(back.state, "active");
	cr_assert_str_eq(back.password_hash, "reset");
	cr_assert(back.must_change_password);
	cr_assert_eq(back.version, 2);
	struct pd_customer_user *rows;
	size_t n;
	cr_assert_eq(store_cuser_list(st, P1, c.id, NULL, 10, &rows, &n, ar), PD_OK);
	cr_assert_eq(rows[0].version, 2);
	cr_assert_eq(TX(st, store_cuser_delete(st, P1, c.id, admin.id, 1)), PD_ECHANGED);
	cr_assert_eq(TX(st, store_cuser_delete(st, P1, c.id, admin.id, 2)), PD_OK);
	cr_assert_eq(TX(st, store_cuser_save(st, &theirs)), PD_ENOTFOUND);
}

Test(store, orders_read_back_paged_with_their_subscriptions)
{
	struct pd_customer c = add(P1, "Orders", "ordersx");
	const char *ids[] = {"order-a", "order-b", "order-c"};
	for (int i = 0; i < 3; i++) {
		struct pd_order_row o = {.partner_id = P1, .customer_id = c.id, .id = ids[i],
					 .billing_cycle = i ? "annual" : "monthly", .currency = "CNY", .created = NOW + i};
		cr_assert_eq(TX(st, store_order_insert(st, &o)), PD_OK);
		struct pd_subscription b = {.partner_id = P1, .customer_id = c.id, .id = pd_printf(ar, "sub-%d", i),
					    .order_id = ids[i], .offer_id = "offer", .friendly_name = "S",
					    .status = "active", .etag = "e", .quantity = 1, .created = NOW + i,
					    .updated = NOW + i};
		cr_assert_eq(TX(st, store_sub_insert(st, &b)), PD_OK);
	}
	struct pd_order_row one, *rows;
	size_t n;
	cr_assert_eq(store_order_get(st, P1, c.id, "order-b", &one, ar), PD_OK);
	cr_assert_str_eq(one.billing_cycle, "annual");
	cr_assert_str_eq(one.currency, "CNY");
	cr_assert_eq(one.created, NOW + 1);
	cr_assert_eq(store_order_get(st, P2, c.id, "order-b", &one, ar), PD_ENOTFOUND, "per partner");
	cr_assert_eq(store_order_list(st, P1, c.id, NULL, 2, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 3, "a page of 2 and the one that tells there is more");
	cr_assert_str_eq(rows[0].id, "order-a");
	struct pd_after after = {.created = rows[1].created, .id = rows[1].id};
	cr_assert_eq(store_order_list(st, P1, c.id, &after, 2, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(rows[0].id, "order-c");
	struct pd_subscription *subs;
	cr_assert_eq(store_sub_list_order(st, P1, c.id, "order-b", NULL, 10, &subs, &n, ar), PD_OK);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(subs[0].id, "sub-1");
	cr_assert_eq(store_sub_list_order(st, P1, c.id, "order-x", NULL, 10, &subs, &n, ar), PD_OK);
	cr_assert_eq(n, 0);
}

Test(store, subscription_save_only_at_the_version_read)
{
	struct pd_customer c = add(P1, "Subs", "subs");
	struct pd_subscription ins = {.partner_id = P1, .customer_id = c.id, .id = "sub-v", .order_id = "order-v",
				      .offer_id = "offer", .friendly_name = "Seats", .status = "active",
				      .etag = "e1", .quantity = 5, .created = NOW, .updated = NOW}, mine, theirs, back;
	cr_assert_eq(TX(st, store_order_insert(st, &(struct pd_order_row){.partner_id = P1, .customer_id = c.id, .id = "order-v", .billing_cycle = "monthly", .currency = "CNY", .created = NOW})), PD_OK);
	cr_assert_eq(TX(st, store_sub_insert(st, &ins)), PD_OK);
	cr_assert_eq(store_sub_get(st, P1, c.id, "sub-v", &mine, ar), PD_OK);
	cr_assert_eq(mine.version, 1);
	theirs = mine;
	theirs.status = "suspended";
	theirs.suspended_at = NOW + 1;
	theirs.etag = "e2";
	cr_assert_eq(TX(st, store_sub_save(st, &theirs)), PD_OK);
	cr_assert_eq(theirs.version, 2);
	mine.quantity = 50;
	mine.etag = "e3";
	cr_assert_eq(TX(st, store_sub_save(st, &mine)), PD_ECHANGED);
	cr_assert_eq(store_sub_get(st, P1, c.id, "sub-v", &back, ar), PD_OK);
	cr_assert_str_eq(back.status, "suspended");
	cr_assert_eq(back.quantity, 5);
	cr_assert_str_eq(back.etag, "e2");
	struct pd_subscription *rows;
	size_t n;
	cr_assert_eq(store_sub_list(st, P1, c.id, NULL, 10, &rows, &n, ar), PD_OK);
	cr_assert_eq(rows[0].version, 2);
	theirs.id = "sub-gone";
	cr_assert_eq(TX(st, store_sub_save(st, &theirs)), PD_ENOTFOUND);
}

/* A sign-in checks credentials against a row read before the writer's transaction: its token
 * is kept only while the principal is still at that version (no reset, rotation or disable
 * came between, whose revocation the token would outlive). */
Test(store, token_insert_only_at_the_principals_version)
{
	struct pd_user u = staff("u-t", "t@x.cn", "sales_agent", "active");
	struct pd_app a = {.partner_id = P1, .id = "app-t", .display_name = "Robot", .roles = "sales_agent",
			   .state = "active", .created = NOW, .secret_updated = NOW};
	cr_assert_eq(TX(st, store_user_insert(st, &u)), PD_OK);
	cr_assert_eq(TX(st, store_app_insert(st, &a)), PD_OK);
	struct pd_token t = {.partner_id = P1, .principal_id = "u-t", .principal_kind = "user", .roles = "x",
			     .expires = NOW + 3600, .principal_version = 1};
	memset(t.digest, 1, PD_DIGEST_LEN);
	cr_assert_eq(TX(st, store_token_insert(st, &t)), PD_OK);
	u.version = 1;
	u.password_hash = "$argon2id$reset";
	cr_assert_eq(TX(st, store_user_save(st, &u)), PD_OK);
	memset(t.digest, 2, PD_DIGEST_LEN);
	cr_assert_eq(TX(st, store_token_insert(st, &t)), PD_ECHANGED, "checked against the old password");
	struct pd_token back;
	cr_assert_eq(store_token_lookup(st, t.digest, &back, ar), PD_ENOTFOUND, "nothing inserted");
	t.principal_version = 2;
	cr_assert_eq(TX(st, store_token_insert(st, &t)), PD_OK);

	t = (struct pd_token){.partner_id = P1, .principal_id = "app-t", .principal_kind = "app", .roles = "x",
			      .expires = NOW + 3600, .principal_version = 1};
	memset(t.digest, 3, PD_DIGEST_LEN);
	cr_assert_eq(TX(st, store_token_insert(st, &t)), PD_OK);
	a.version = 1;
	memset(a.secret_digest, 4, PD_DIGEST_LEN);
	cr_assert_eq(TX(st, store_app_save(st, &a)), PD_OK, "a rotation");
	memset(t.digest, 4, PD_DIGEST_LEN);
	cr_assert_eq(TX(st, store_token_insert(st, &t)), PD_ECHANGED, "checked against the old secret");
	t.principal_kind = "user"; /* the version of an app's id is not a user's */
	t.principal_version = 2;
	cr_assert_eq(TX(st, store_token_insert(st, &t)), PD_ENOTFOUND);
}

/* ---- shared sign-in counters (throttle_*: PostgreSQL; SQLite keeps them in memory) ------ */

struct racer {
	pthread_barrier_t *go;
	bool taken;
	enum pd_err e;
};

static void *reserve_once(void *arg)
{
	struct racer *r = arg;
	struct pd_throttle_row seen = {0};
	pthread_barrier_wait(r->go);
	r->e = store_throttle_reserve(st, "p|race@x.cn|10.0.0.1", &seen, NOW, 5, 60, &r->taken);
	return NULL;
}

Test(store, throttle_reservations_are_atomic_and_capped)
{
	if (!store_has_shared_counters(st)) {
		bool taken;
		struct pd_throttle_row row = {0};
		cr_assert_eq(store_throttle_get(st, "k", &row), PD_EINVAL, "SQLite: all throttle ops or none");
		cr_assert_eq(store_throttle_reserve(st, "k", &row, NOW, 5, 60, &taken), PD_EINVAL);
		cr_skip_test("SQLite keeps the counters in the server's memory");
	}
	enum { N = 16 };
	pthread_t th[N];
	struct racer r[N];
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, N);
	for (int i = 0; i < N; i++) {
		r[i] = (struct racer){.go = &go};
		pthread_create(&th[i], NULL, reserve_once, &r[i]);
	}
	int taken = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		cr_assert_eq(r[i].e, PD_OK, "%s", pd_err_name(r[i].e));
		taken += r[i].taken;
	}
	pthread_barrier_destroy(&go);
	cr_assert_eq(taken, 5, "sixteen at once, a cap of five: %d taken", taken);
	struct pd_throttle_row row;
	cr_assert_eq(store_throttle_get(st, "p|race@x.cn|10.0.0.1", &row), PD_OK);
	cr_assert_eq(row.inflight, 5);
	cr_assert_eq(row.held, NOW);
}

Test(store, throttle_an_attempt_ends_as_a_failure_a_success_or_a_release)
{
	if (!store_has_shared_counters(st))
		cr_skip_test("SQLite keeps the counters in the server's memory");
	const char *k = "a|end@x.cn";
	struct pd_throttle_row seen = {0}, row;
	bool taken;
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(store_throttle_reserve(st, k, &seen, NOW, 5, 60, &taken), PD_OK);
		cr_assert(taken);
	}
	cr_assert_eq(store_throttle_failed(st, k, NOW + 1, 900, 1, 60), PD_OK);
	cr_assert_eq(store_throttle_get(st, k, &row), PD_OK);
	cr_assert(row.failures == 1 && row.last == NOW + 1 && row.inflight == 2, "%lld %lld %lld",
		  row.failures, row.last, row.inflight);
	/* judged on the old row: the failure changed it, so nothing is taken */
	cr_assert_eq(store_throttle_reserve(st, k, &seen, NOW + 1, 5, 60, &taken), PD_OK);
	cr_assert(!taken, "the counter changed since it was read");
	cr_assert_eq(store_throttle_release(st, k, NOW + 1, 1, 60), PD_OK);
	cr_assert_eq(store_throttle_succeeded(st, k, NOW + 2, true, 1, 60), PD_OK);
	cr_assert_eq(store_throttle_get(st, k, &row), PD_OK);
	cr_assert(row.failures == 0 && row.inflight == 0 && row.good == NOW + 2, "%lld %lld %lld",
		  row.failures, row.inflight, row.good);
	cr_assert_eq(store_throttle_release(st, k, NOW + 2, 1, 60), PD_OK);
	cr_assert_eq(store_throttle_get(st, k, &row), PD_OK);
	cr_assert_eq(row.inflight, 0, "never below zero");
}

Test(store, throttle_reservations_stop_counting_a_minute_after_the_last)
{
	if (!store_has_shared_counters(st))
		cr_skip_test("SQLite keeps the counters in the server's memory");
	const char *k = "i|10.9.9.9";
	struct pd_throttle_row seen = {0}, row;
	bool taken;
	for (int i = 0; i < 2; i++)
		cr_assert_eq(store_throttle_reserve(st, k, &seen, NOW, 2, 60, &taken), PD_OK);
	cr_assert_eq(store_throttle_reserve(st, k, &seen, NOW + 60, 2, 60, &taken), PD_OK);
	cr_assert(!taken, "two in flight, a cap of two");
	cr_assert_eq(store_throttle_reserve(st, k, &seen, NOW + 61, 2, 60, &taken), PD_OK);
	cr_assert(taken, "left behind (a crashed instance): no longer counted");
	cr_assert_eq(store_throttle_get(st, k, &row), PD_OK);
	cr_assert(row.inflight == 1 && row.held == NOW + 61, "%lld %lld", row.inflight, row.held);
}

/* ---- indirect resellers (0012 / PostgreSQL 0009) ------------------------------------ */

#define R1 "aaaaaaaa-1111-4111-8111-111111111111"
#define R2 "bbbbbbbb-2222-4222-8222-222222222222"

static enum pd_err add_reseller(const char *partner, const char *id, const char *mpn, long long at)
{
	struct pd_reseller x = {.partner_id = partner, .id = id, .name = "华东分销伙伴", .mpn_id = mpn,
				.location = "CN", .state = "active", .created = at, .updated = at};
	return TX(st, store_reseller_insert(st, &x));
}

static struct pd_customer add_for(const char *partner, const char *reseller, const char *name, const char *prefix)
{
	struct pd_customer c = mk(name, prefix);
	c.associated_partner_id = reseller;
	cr_assert_eq(insert(partner, &c), PD_OK);
	return c;
}

Test(store, resellers_are_kept_listed_and_ended_per_partner)
{
	cr_assert_eq(add_reseller(P1, R1, "4847383", NOW), PD_OK);
	cr_assert_eq(add_reseller(P1, R2, "4847384", NOW + 1), PD_OK);
	cr_assert_eq(add_reseller(P2, R1, "4847383", NOW), PD_OK, "another partner's: the same tenant and MPN id");
	cr_assert_eq(add_reseller(P1, R1, "9999999", NOW), PD_ECONFLICT, "the id again");
	char other[PD_UUID_LEN + 1];
	pd_uuid_new(other);
	cr_assert_eq(add_reseller(P1, other, "4847384", NOW), PD_ECONFLICT, "the MPN id again");
	struct pd_reseller x, *rows;
	size_t n;
	cr_assert_eq(store_reseller_get(st, P1, R2, &x, ar), PD_OK);
	cr_assert_str_eq(x.name, "华东分销伙伴");
	cr_assert_str_eq(x.mpn_id, "4847384");
	cr_assert_str_eq(x.location, "CN");
	cr_assert_str_eq(x.state, "active");
	cr_assert_eq(x.created, NOW + 1);
	cr_assert_eq(store_reseller_get(st, P2, R2, &x, ar), PD_ENOTFOUND);
	cr_assert_eq(store_reseller_list(st, P1, NULL, 1, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 2, "a page of one and the row telling that there is more");
	cr_assert_str_eq(rows[0].id, R1);
	struct pd_after after = {.created = rows[0].created, .id = rows[0].id};
	cr_assert_eq(store_reseller_list(st, P1, &after, 1, &rows, &n, ar), PD_OK);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(rows[0].id, R2);
}

Test(store, ending_a_reseller_clears_only_its_customers)
{
	cr_assert_eq(add_reseller(P1, R1, "4847383", NOW), PD_OK);
	cr_assert_eq(add_reseller(P1, R2, "4847384", NOW), PD_OK);
	cr_assert_eq(add_reseller(P2, R1, "4847383", NOW), PD_OK);
	struct pd_customer a = add_for(P1, R1, "甲公司", "jia"), b = add_for(P1, R1, "乙公司", "yi");
	struct pd_customer c = add_for(P1, R2, "丙公司", "bing"), d = add_for(P2, R1, "丁公司", "ding");
	add(P1, "直接客户", "direct");
	struct pd_query q = {.size = 10, .field = PD_FILTER_RESELLER, .op = PD_OP_STARTS_WITH, .value = R1};
	cr_assert_str_eq(names(P1, &q), "甲公司|乙公司");
	int pages;
	q.size = 1;
	cr_assert_str_eq(walk(P1, q, &pages), "甲公司|乙公司");
	cr_assert_eq(pages, 2);
	q.size = 10;
	struct pd_customer g, *cleared;
	size_t n = 0;
	cr_assert_eq(get(P1, a.id, &g), PD_OK);
	cr_assert_str_eq(g.associated_partner_id, R1);
	cr_assert_eq(store_begin(st), PD_OK);
	cr_assert_eq(TX(st, store_reseller_end(st, P1, R1, NOW + 5, &cleared, &n, ar)), PD_OK);
	cr_assert_eq(store_commit(st), PD_OK);
	cr_assert_eq(n, 2);
	cr_assert(!strcmp(cleared[0].id, a.id) || !strcmp(cleared[0].id, b.id));
	cr_assert_null(cleared[0].associated_partner_id, "the rows as they are now");
	cr_assert_str_eq(cleared[0].billing.company_name, !strcmp(cleared[0].id, a.id) ? "甲公司" : "乙公司");
	cr_assert_eq(get(P1, b.id, &g), PD_OK);
	cr_assert_null(g.associated_partner_id);
	cr_assert_eq(g.updated, NOW + 5);
	cr_assert_str_eq(names(P1, &q), "");
	cr_assert_eq(get(P1, c.id, &g), PD_OK);
	cr_assert_str_eq(g.associated_partner_id, R2, "another reseller's customer keeps it");
	cr_assert_eq(get(P2, d.id, &g), PD_OK);
	cr_assert_str_eq(g.associated_partner_id, R1, "another partner's relationship with the same reseller stays");
	struct pd_reseller x;
	cr_assert_eq(store_reseller_get(st, P1, R1, &x, ar), PD_OK);
	cr_assert_str_eq(x.state, "terminated");
	cr_assert_eq(x.updated, NOW + 5);
	cr_assert_eq(store_begin(st), PD_OK);
	cr_assert_eq(TX(st, store_reseller_end(st, P1, R1, NOW + 6, &cleared, &n, ar)), PD_ENOTFOUND, "ended already");
	cr_assert_eq(store_rollback(st), PD_OK);
	cr_assert_eq(store_reseller_get(st, P2, R1, &x, ar), PD_OK);
	cr_assert_str_eq(x.state, "active");
}

Test(store, a_linked_account_never_copies_a_reseller)
{
	cr_assert_eq(add_reseller(P1, R1, "4847383", NOW), PD_OK);
	struct pd_customer c = add_for(P1, R1, "甲公司", "jia"), g;
	cr_assert_eq(store_begin(st), PD_OK);
	cr_assert_eq(TX(st, store_customer_link(st, P2, &c)), PD_OK);
	cr_assert_eq(store_commit(st), PD_OK);
	cr_assert_eq(get(P2, c.id, &g), PD_OK);
	cr_assert_null(g.associated_partner_id);
	cr_assert_eq(get(P1, c.id, &g), PD_OK);
	cr_assert_str_eq(g.associated_partner_id, R1);
}

/* The data generation (store.h, kept GET answers of src/http/rowcache.c): a committed write
 * that may change a customer's answer moves it; a rolled-back one and a neutral one do not;
 * store_read_generation is its value when the last snapshot began. */
Test(store, data_generation_moves_on_a_committed_customer_write_only)
{
	struct pd_customer c = add(P1, "Contoso", "gen");
	unsigned long long g0 = store_data_generation();
	struct pd_billing b = c.billing;
	b.email = "gen@contoso.cn";
	char etag[PD_ETAG_LEN + 1];
	pd_etag_new(etag);
	cr_assert_eq(store_begin(st), PD_OK);
	cr_assert_eq(store_billing_update(st, P1, c.id, &b, etag, NOW + 60), PD_OK);
	cr_assert_eq(store_rollback(st), PD_OK);
	cr_assert_eq(store_data_generation(), g0, "a rolled-back write");
	cr_assert_eq(TX(st, store_billing_update(st, P1, c.id, &b, etag, NOW + 60)), PD_OK);
	unsigned long long g1 = store_data_generation();
	cr_assert_gt(g1, g0, "a committed billing update");
	struct pd_user u = {.partner_id = P1, .id = "user-gen", .email = "gen@contoso.cn",
			    .password_hash = "$argon2id$x", .roles = "sales_agent", .state = "active", .created = NOW};
	cr_assert_eq(TX(st, store_user_insert(st, &u)), PD_OK);
	cr_assert_eq(store_data_generation(), g1, "a neutral write (a partner user)");
	cr_assert_eq(TX(st, store_customer_delete(st, P1, c.id)), PD_OK);
	cr_assert_gt(store_data_generation(), g1, "a delete");
	cr_assert_eq(store_read_begin(st), PD_OK);
	cr_assert_eq(store_read_generation(st), store_data_generation());
	store_read_end(st);
}
