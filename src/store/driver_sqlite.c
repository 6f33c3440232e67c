/* driver_sqlite.c - the embedded engine (driver.h): one SQLite connection per struct store,
 * WAL with synchronous=FULL (a commit is on disk when it returns), numbered migrations
 * applied at open, the statements of store_sql.c prepared once per connection and cached.
 * Also what only SQLite has: read snapshots, the search index's upkeep (tidy) and its new
 * entries queued per transaction (search_queue.h), warming a create's pages, bulk loads, raw
 * SELECTs for store_copy.c and the SQL functions pd_*(). */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "embed.h"
#include "driver.h"
#include "search_queue.h"
#include "text.h"

/* Page cache per connection (the server has one per event loop and the writer's): 16 MiB
 * instead of SQLite's 2 MiB, which made creates re-read index pages through pread (perf:
 * _copy_to_iter among the top kernel symbols); three connections stay far below 100 MiB. */
#define CACHE_KIB "-16384"

struct sq {
	struct store base;
	sqlite3 *db;
	sqlite3_stmt *stmt[S_COUNT];
	bool names_search[S_COUNT];  /* the statement's SQL names customer_search */
	struct search_queue queue;   /* new search entries of this transaction (search_queue.h) */
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

/* ---- the driver ---- */

static void bind(sqlite3_stmt *q, int i, const struct drv_val *v)
{
	if (v->type == 'i' || v->type == 'b')
		sqlite3_bind_int64(q, i, v->i);
	else if (v->type == 'f')
		sqlite3_bind_double(q, i, v->f);
	else if (v->type == 'd')
		sqlite3_bind_blob(q, i, v->s, PD_DIGEST_LEN, SQLITE_STATIC);
	else if (v->s)
		sqlite3_bind_text(q, i, v->s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

/* Statement id, prepared once per connection. */
static enum pd_err prepare(struct sq *s, int id)
{
	if (s->stmt[id])
		return PD_OK;
	if (!drv_sql[id].sqlite || sqlite3_prepare_v3(s->db, drv_sql[id].sqlite, -1, SQLITE_PREPARE_PERSISTENT,
						      &s->stmt[id], NULL) != SQLITE_OK) {
		fprintf(stderr, "store: prepare %d failed: %s\n", id,
			drv_sql[id].sqlite ? sqlite3_errmsg(s->db) : "no SQLite spelling");
		return PD_EINTERNAL;
	}
	s->names_search[id] = strstr(drv_sql[id].sqlite, "customer_search") != NULL;
	return PD_OK;
}

static enum pd_err sq_exec(struct store *st, int id, int n, const struct drv_val *v, struct drv_cur *c)
{
	struct sq *s = SQ(st);
	enum pd_err e = prepare(s, id);
	if (e == PD_OK && s->names_search[id] && id != S_SEARCH_INSERT) /* the index as this transaction wrote it */
		e = search_queue_flush(&s->queue, st);
	if (e != PD_OK)
		return e;
	sqlite3_stmt *q = s->stmt[id];
	int max = sqlite3_bind_parameter_count(q);
	if (n < max) { /* a parameter left unbound would be NULL, silently */
		fprintf(stderr, "store: statement %d takes %d parameters, not %d\n", id, max, n);
		return PD_EINTERNAL;
	}
	for (int i = 0; i < max; i++)
		bind(q, i + 1, &v[i]);
	c->h = q;
	c->conn = s->db;
	return PD_OK;
}

static enum pd_err sq_next(struct drv_cur *c, bool *row)
{
	int rc = sqlite3_step(c->h);
	*row = rc == SQLITE_ROW;
	if (rc == SQLITE_DONE)
		c->changed = sqlite3_changes(c->conn);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? PD_OK : map_rc(rc);
}

static void sq_done(struct drv_cur *c)
{
	sqlite3_reset(c->h);
	sqlite3_clear_bindings(c->h);
}

static const char *sq_text(struct drv_cur *c, int col)
{
	return (const char *)sqlite3_column_text(c->h, col);
}

static long long sq_num(struct drv_cur *c, int col)
{
	return sqlite3_column_int64(c->h, col);
}

static bool sq_blob(struct drv_cur *c, int col, unsigned char *out, size_t len)
{
	if ((size_t)sqlite3_column_bytes(c->h, col) != len)
		return false;
	memcpy(out, sqlite3_column_blob(c->h, col), len);
	return true;
}

/* One cached statement that returns no rows (transaction control, upkeep). */
static enum pd_err step_once(struct store *st, int id)
{
	enum pd_err e = drv_cmd(st, id, NULL, "");
	if (e != PD_OK)
		fprintf(stderr, "store: %s\n", sqlite3_errmsg(SQ(st)->db));
	return e;
}

/* BEGIN IMMEDIATE: the one writer holds the write lock from its first statement.  The
 * queued search entries go in before COMMIT and follow savepoints (search_queue.h). */
static enum pd_err sq_tx(struct store *st, enum drv_tx t)
{
	static const int id[] = {[TX_BEGIN] = S_BEGIN_WRITE, [TX_COMMIT] = S_COMMIT, [TX_ROLLBACK] = S_ROLLBACK,
				 [TX_SAVEPOINT] = S_SAVEPOINT, [TX_RELEASE] = S_RELEASE,
				 [TX_ROLLBACK_TO] = S_ROLLBACK_TO};
	struct search_queue *q = &SQ(st)->queue;
	enum pd_err e = search_queue_before(q, t);
	if (e == PD_OK && t == TX_COMMIT)
		e = search_queue_flush(q, st);
	if (e != PD_OK)
		return e;
	e = step_once(st, id[t]);
	if (e == PD_OK && t == TX_ROLLBACK_TO)
		e = step_once(st, S_RELEASE);
	search_queue_after(q, t, e == PD_OK);
	return e;
}

/* A new row's search entry (search_sqlite.c): queued inside a transaction, inserted at once
 * outside one. */
enum pd_err sqlite_search_add(struct store *st, long long seq, const char *search, const char *domain,
			      const char *partner)
{
	struct sq *s = SQ(st);
	enum pd_err e = search_queue_add(&s->queue, seq, search, domain, partner);
	if (e != PD_OK || !sqlite3_get_autocommit(s->db))
		return e;
	e = search_queue_flush(&s->queue, st); /* its own transaction: nothing may stay queued */
	search_queue_clear(&s->queue);
	return e;
}

/* The net under the queue: SQLite rolls a transaction back by itself after some errors (a
 * full disk, no memory), and a COMMIT that did not come through sq_tx would leave queued
 * entries out of the index.  The first drops the queue; the second is refused (the commit
 * hook's non-zero answer makes it a rollback), so no customer is ever committed without
 * its search entry. */
static void on_rollback(void *arg)
{
	search_queue_clear(&((struct sq *)arg)->queue);
}

static int on_commit(void *arg)
{
	if (!search_queue_pending(&((struct sq *)arg)->queue))
		return 0;
	fprintf(stderr, "store: a commit with search entries still queued was refused\n");
	return 1;
}

static const struct drv sqlite_driver = {
	.exec = sq_exec, .next = sq_next, .done = sq_done, .text = sq_text, .num = sq_num, .blob = sq_blob,
	.tx = sq_tx, .search_put = sqlite_search_put, .search_drop = sqlite_search_drop, .find = sqlite_find,
};

/* ---- what only SQLite has ---- */

static enum pd_err sq_read_begin(struct store *st)
{
	return step_once(st, S_BEGIN_READ);
}

static void sq_read_end(struct store *st)
{
	if (sq_tx(st, TX_COMMIT) != PD_OK)
		sq_tx(st, TX_ROLLBACK);
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

static enum pd_err sq_warm_insert(struct store *st, const char *partner, const struct pd_customer *c,
				  const struct pd_customer_user *admin, const char *request_id)
{
	struct pd_arena *ar = pd_arena_new();
	const char *name_key = c->forms ? c->forms->key : pd_name_key(ar, c->billing.company_name);
	enum pd_err e = name_key ? drv_cmd(st, S_WARM_INSERT, NULL, "tttttt", partner, c->id, name_key, c->domain,
					   admin ? admin->upn : NULL, request_id)
				 : PD_EINVAL;
	pd_arena_free(ar);
	return e;
}

static void sq_close(struct store *st)
{
	struct sq *s = SQ(st);
	if (!s)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_close(s->db);
	search_queue_clear(&s->queue);
	free(s);
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
		e = drv_cmd(&s->base, S_SETTING_PUT, NULL, "tt", BULK_SETTING, create);
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
 * stored key (activity-log names); pd_name_key(text), pd_search_text(text), pd_dup_key(text):
 * search.h inside SQL, for the migration (0010) that fills them in.  NULL for NULL or
 * invalid UTF-8. */
struct name_fn {
	char *(*fn)(struct pd_arena *, const char *);
};
static const struct name_fn fn_key = {pd_text_key}, fn_name_key = {pd_name_key},
			    fn_search_text = {pd_search_text}, fn_dup_key = {pd_dup_key};

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
	sqlite3_create_function_v2(db, "pd_key", 1, flags, (void *)&fn_key, sql_name_form, NULL, NULL, NULL);
	sqlite3_create_function_v2(db, "pd_name_key", 1, flags, (void *)&fn_name_key, sql_name_form, NULL, NULL, NULL);
	sqlite3_create_function_v2(db, "pd_search_text", 1, flags, (void *)&fn_search_text, sql_name_form, NULL,
				   NULL, NULL);
	sqlite3_create_function_v2(db, "pd_dup_key", 1, flags, (void *)&fn_dup_key, sql_name_form, NULL, NULL, NULL);
	sqlite3_create_function_v2(db, "pd_contains", 2, flags, NULL, sql_contains, NULL, NULL, NULL);
}

static enum pd_err configure(struct sq *s)
{
	add_functions(s->db);
	sqlite3_commit_hook(s->db, on_commit, s);
	sqlite3_rollback_hook(s->db, on_rollback, s);
	sqlite3_busy_timeout(s->db, 10000);
	sqlite3_extended_result_codes(s->db, 1);
	enum pd_err e = exec(s, "PRAGMA journal_mode=WAL");
	if (e == PD_OK)
		e = exec(s, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
			    " PRAGMA cache_size=" CACHE_KIB);
	return e;
}

/* The table: the operations written once, and what only SQLite has (filled once). */
static struct store_ops sqlite_ops;
static pthread_once_t ops_once = PTHREAD_ONCE_INIT;

static void ops_init(void)
{
	sqlite_ops = (struct store_ops){.name = "sqlite", .close = sq_close, .read_begin = sq_read_begin,
					.read_end = sq_read_end, .warm_insert = sq_warm_insert, .tidy = sq_tidy,
					.bulk_load = sq_bulk_load, .raw_select = sq_raw_select};
	store_ops_shared(&sqlite_ops);
}

enum pd_err store_sqlite_open(const char *path, bool do_migrate, struct store **out,
			      char *errbuf, size_t cap)
{
	struct sq *s = calloc(1, sizeof *s);
	if (!s)
		return PD_ENOMEM;
	pthread_once(&ops_once, ops_init);
	s->base.ops = &sqlite_ops;
	s->base.drv = &sqlite_driver;
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

