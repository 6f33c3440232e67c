/* test_driver.c - unit tests of the seam below the store's operations (src/store/driver.h),
 * on the engine the store suite runs on (SQLite; PostgreSQL with PARTNERD_TEST_DB=postgresql,
 * tests/pg/with-postgres.sh): rows read to the end or cut at a page, parameters past a
 * statement's own ignored, engine errors as enum pd_err, statements of the other engine
 * refused, typed parameters (NULL, integers, digests) read back as bound. */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "driver.h"
#include "secret.h"

#define P1 "11111111-1111-4111-8111-111111111111"

static char dir[64], url[256], pgdb[64];
static struct store *db;
static struct pd_arena *mem;

static bool on_pg(void)
{
	const char *v = getenv("PARTNERD_TEST_DB");
	return v && !strcmp(v, "postgresql");
}

static void admin_sql(const char *sql)
{
	char conninfo[256];
	snprintf(conninfo, sizeof conninfo, "%s/postgres", getenv("PARTNERD_TEST_PG_BASE"));
	PGconn *c = PQconnectdb(conninfo);
	PQclear(PQexec(c, sql));
	PQfinish(c);
}

static void drv_setup(void)
{
	char err[256] = "", sql[128];
	cr_assert_eq(pd_secret_init(), 0);
	if (on_pg()) {
		snprintf(pgdb, sizeof pgdb, "pdd_%d_%u", (int)getpid(), (unsigned)randombytes_random());
		snprintf(sql, sizeof sql, "CREATE DATABASE %s", pgdb);
		admin_sql(sql);
		snprintf(url, sizeof url, "%s/%s", getenv("PARTNERD_TEST_PG_BASE"), pgdb);
	} else {
		snprintf(dir, sizeof dir, "/tmp/pd-driver-XXXXXX");
		cr_assert_not_null(mkdtemp(dir));
		snprintf(url, sizeof url, "sqlite:%s/d.db", dir);
	}
	cr_assert_eq(store_open(url, true, &db, err, sizeof err), PD_OK, "%s", err);
	struct pd_partner p = {.id = P1, .name = "Partner One", .created = 1};
	cr_assert_eq(db->ops->partner_insert(db, &p), PD_OK);
	mem = pd_arena_new();
}

static void drv_teardown(void)
{
	char f[192];
	db->ops->close(db);
	pd_arena_free(mem);
	if (on_pg()) {
		snprintf(f, sizeof f, "DROP DATABASE IF EXISTS %s WITH (FORCE)", pgdb);
		admin_sql(f);
		return;
	}
	static const char *const tails[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(f, sizeof f, "%s/d.db%s", dir, tails[i]);
		unlink(f);
	}
	rmdir(dir);
}

/* n activity records of P1 with ids r0, r1, ... */
static void add_records(int n)
{
	for (int i = 0; i < n; i++) {
		struct pd_audit a = {.partner_id = P1, .id = pd_printf(mem, "r%d", i), .created = 10 + i,
				     .operation = "x", .resource_type = "customer", .outcome = "succeeded"};
		cr_assert_eq(db->ops->audit_insert(db, &a), PD_OK);
	}
}

static enum pd_err read_id(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	*(const char **)row = drv_s(c, 1, ar);
	return PD_OK;
}

/* The record ids of P1 from drv_rows with at most `max` rows (max < 0: all). */
static size_t record_ids(int max, const char ***ids)
{
	size_t n = 99;
	cr_assert_eq(drv_rows(db, S_AUDIT_LIST, sizeof **ids, max, read_id, ids, &n, mem, "tiiitttttn", P1, 0LL,
			      0LL, 1000LL, NULL, NULL, NULL, NULL, NULL, 1000),
		     PD_OK);
	return n;
}

Test(store, driver_reads_every_row_past_its_first_array, .init = drv_setup, .fini = drv_teardown)
{
	const char **ids = NULL;
	add_records(40); /* more than twice the first array (16): it doubles twice */
	cr_assert_eq(record_ids(-1, &ids), 40);
	for (int i = 0; i < 40; i++)
		cr_assert_str_eq(ids[i], pd_printf(mem, "r%d", i));
}

Test(store, driver_stops_at_max_and_the_statement_runs_again, .init = drv_setup, .fini = drv_teardown)
{
	const char **ids = NULL;
	add_records(10);
	cr_assert_eq(record_ids(3, &ids), 3);
	cr_assert_str_eq(ids[2], "r2");
	cr_assert_eq(record_ids(-1, &ids), 10, "the statement cut short was reset");
	cr_assert_eq(record_ids(0, &ids), 0);
}

Test(store, driver_maps_engine_errors, .init = drv_setup, .fini = drv_teardown)
{
	char *v = NULL;
	cr_assert_not_null(db, "init ran");
	cr_assert_not_null(db->drv, "drv");
	cr_assert_eq(drv_cmd(db, S_SETTING_PUT, NULL, "tt", "k", "one"), PD_OK);
	cr_assert_eq(drv_cmd(db, S_SETTING_PUT, NULL, "tt", "k", "two"), PD_ECONFLICT, "a unique key taken");
	cr_assert_eq(drv_one(db, S_SETTING_GET, drv_read_text, &v, mem, "t", "k"), PD_OK);
	cr_assert_str_eq(v, "one", "nothing of the refused insert");
	cr_assert_eq(drv_one(db, S_SETTING_GET, drv_read_text, &v, mem, "t", "none"), PD_ENOTFOUND);
	cr_assert_eq(drv_cmd(db, S_SETTING_PUT, NULL, "tq", "k", "x"), PD_EINTERNAL, "an unknown format letter");
}

Test(store, driver_ignores_parameters_past_the_statements_own, .init = drv_setup, .fini = drv_teardown)
{
	char *v = NULL;
	cr_assert_eq(drv_cmd(db, S_SETTING_PUT, NULL, "ttin", "k", "v", 5LL, 6), PD_OK);
	cr_assert_eq(drv_one(db, S_SETTING_GET, drv_read_text, &v, mem, "tt", "k", "extra"), PD_OK);
	cr_assert_str_eq(v, "v");
}

Test(store, driver_refuses_too_few_parameters, .init = drv_setup, .fini = drv_teardown)
{
	char *v = NULL;
	cr_assert_eq(drv_cmd(db, S_SETTING_PUT, NULL, "t", "k"), PD_EINTERNAL, "the value is not bound as NULL");
	cr_assert_eq(drv_one(db, S_SETTING_GET, drv_read_text, &v, mem, "t", "k"), PD_ENOTFOUND, "nothing written");
}

Test(store, driver_refuses_the_other_engines_statements, .init = drv_setup, .fini = drv_teardown)
{
	int other = on_pg() ? S_TIDY : S_THROTTLE_SWEEP;
	cr_assert_eq(drv_cmd(db, other, NULL, "i", 1LL), PD_EINTERNAL);
	cr_assert_eq(drv_cmd(db, S_SETTING_PUT, NULL, "tt", "after", "ok"), PD_OK, "the connection still works");
}

struct typed {
	long long suspended, quantity;
	const char *status;
};

static enum pd_err read_typed(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	struct typed *t = row;
	*t = (struct typed){drv_i(c, 8), drv_i(c, 6), c->st->drv->text(c, 8) ? "set" : drv_s(c, 7, ar)};
	return PD_OK;
}

Test(store, driver_binds_null_integers_and_digests, .init = drv_setup, .fini = drv_teardown)
{
	struct typed t = {0};
	struct pd_subscription b = {.partner_id = P1, .customer_id = "c", .id = "s", .order_id = "o",
				    .offer_id = "f", .friendly_name = "n", .quantity = 1LL << 40, .status = "active",
				    .etag = "e", .created = 1, .updated = 1};
	cr_assert_eq(db->ops->sub_insert(db, &b), PD_OK);
	cr_assert_eq(drv_one(db, S_SUB_GET, read_typed, &t, mem, "ttt", P1, "c", "s"), PD_OK);
	cr_assert_eq(t.quantity, 1LL << 40, "64-bit integers");
	cr_assert_eq(t.suspended, 0);
	cr_assert_str_eq(t.status, "active", "suspended_at 0 is stored as NULL ('z')");

	unsigned char digest[PD_DIGEST_LEN], back[PD_DIGEST_LEN];
	for (int i = 0; i < PD_DIGEST_LEN; i++)
		digest[i] = (unsigned char)(i * 37 + 1); /* every kind of byte, 0x00 and '\\' among them */
	digest[3] = 0, digest[4] = '\\';
	struct pd_app a = {.partner_id = P1, .id = "app", .display_name = "A", .roles = "r", .created = 1};
	memcpy(a.secret_digest, digest, sizeof digest);
	cr_assert_eq(db->ops->app_insert(db, &a), PD_OK);
	struct pd_app got = {0};
	cr_assert_eq(db->ops->app_get(db, P1, "app", &got, mem), PD_OK);
	memcpy(back, got.secret_digest, sizeof back);
	cr_assert_eq(memcmp(back, digest, sizeof digest), 0, "a digest comes back byte for byte");
}
