/* store_backup.c - online backup and restore of a SQLite store (partnerd backup / restore).
 * A backup copies the pages of one read snapshot with SQLite's backup API, in steps, while
 * partnerd serves (WAL: readers never block its writer), into FILE.tmp; it then checks the
 * copy (PRAGMA integrity_check, the row count of every table against the source's in the
 * same snapshot), fsyncs it and moves it to FILE in one rename.  A restore checks the file
 * the same way, takes SQLite's exclusive lock on the store (refused while any connection,
 * e.g. a running partnerd, has it open) and copies the file into it in one transaction.
 * PostgreSQL stores are refused: pg_dump and PITR do that job (docs/deploy.md). */
#include "store_impl.h"
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STEP_PAGES 1024    /* pages per backup step (4 MiB at SQLite's default page size) */
#define MAX_TABLES 128
#define BUSY_WAITS 1000    /* 10 ms each: a file locked by another process for 10 s fails */

struct counts {
	int n;
	char name[MAX_TABLES][64];
	long long rows[MAX_TABLES];
};

static const char *sqlite_path(const char *url, char *errbuf, size_t cap)
{
	if (!strncmp(url, "sqlite:", 7) && url[7])
		return url + 7;
	snprintf(errbuf, cap, "backup and restore copy SQLite stores only; for PostgreSQL use "
		 "pg_dump / pg_restore or continuous archiving (PITR): see docs/deploy.md");
	return NULL;
}

static enum pd_err fail(sqlite3 *db, const char *what, char *errbuf, size_t cap)
{
	snprintf(errbuf, cap, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
	return PD_EIO;
}

/* The row count of every table of db (virtual tables' own storage counted in their shadow
 * tables), in name order. */
static enum pd_err count_rows(sqlite3 *db, struct counts *c, char *errbuf, size_t cap)
{
	sqlite3_stmt *q = NULL;
	c->n = 0;
	if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE "
				   "'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name", -1, &q, NULL))
		return fail(db, "reading the tables", errbuf, cap);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && c->n < MAX_TABLES)
		snprintf(c->name[c->n++], sizeof c->name[0], "%s", (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return fail(db, "reading the tables", errbuf, cap);
	for (int i = 0; i < c->n; i++) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", c->name[i]);
		if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) || sqlite3_step(q) != SQLITE_ROW) {
			sqlite3_finalize(q);
			return fail(db, "counting rows", errbuf, cap);
		}
		c->rows[i] = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
	}
	return PD_OK;
}

static enum pd_err integrity(sqlite3 *db, const char *path, char *errbuf, size_t cap)
{
	sqlite3_stmt *q = NULL;
	enum pd_err e = PD_OK;
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL) || sqlite3_step(q) != SQLITE_ROW)
		e = fail(db, path, errbuf, cap);
	else if (strcmp((const char *)sqlite3_column_text(q, 0), "ok")) {
		snprintf(errbuf, cap, "%s fails SQLite's integrity check: %s", path, sqlite3_column_text(q, 0));
		e = PD_ESTALE;
	}
	sqlite3_finalize(q);
	return e;
}

/* The same tables with the same row counts; reports each. */
static enum pd_err compare(const struct counts *a, const struct counts *b, store_table_report report,
			   void *arg, char *errbuf, size_t cap)
{
	bool same = a->n == b->n;
	for (int i = 0; i < a->n; i++) {
		bool match = i < b->n && !strcmp(a->name[i], b->name[i]) && a->rows[i] == b->rows[i];
		same = same && match;
		if (report)
			report(arg, a->name[i], a->rows[i], match);
	}
	if (!same)
		snprintf(errbuf, cap, "the copy's tables or row counts differ from the source's");
	return same ? PD_OK : PD_ESTALE;
}

/* Copies src into dst in steps of STEP_PAGES (one snapshot when src is in a transaction). */
static enum pd_err copy_pages(sqlite3 *src, sqlite3 *dst, char *errbuf, size_t cap)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b)
		return fail(dst, "starting the copy", errbuf, cap);
	int rc, waits = 0;
	while ((rc = sqlite3_backup_step(b, STEP_PAGES)) == SQLITE_OK ||
	       ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && waits++ < BUSY_WAITS))
		if (rc != SQLITE_OK)
			usleep(10000);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return fail(dst, "copying the pages", errbuf, cap);
	return PD_OK;
}

/* The file at path opened read-only (PD_ENOTFOUND when there is none). */
static enum pd_err open_readonly(const char *path, sqlite3 **db, char *errbuf, size_t cap)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		snprintf(errbuf, cap, "%s: %s", path, strerror(errno));
		return PD_ENOTFOUND;
	}
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return fail(*db, path, errbuf, cap);
	sqlite3_busy_timeout(*db, 10000);
	return PD_OK;
}

/* Row counts of a partnerd store (it has a partners table). */
static enum pd_err count_store(sqlite3 *db, const char *path, struct counts *c, char *errbuf, size_t cap)
{
	enum pd_err e = count_rows(db, c, errbuf, cap);
	bool partnerd = false;
	for (int i = 0; e == PD_OK && i < c->n; i++)
		partnerd = partnerd || !strcmp(c->name[i], "partners");
	if (e == PD_OK && !partnerd) {
		snprintf(errbuf, cap, "%s is not a partnerd store (no partners table)", path);
		e = PD_EINVAL;
	}
	return e;
}

static enum pd_err exec(sqlite3 *db, const char *sql, const char *what, char *errbuf, size_t cap)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? PD_OK : fail(db, what, errbuf, cap);
}

/* fsync of a file or a directory. */
static enum pd_err sync_path(const char *path, bool dir, char *errbuf, size_t cap)
{
	int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		snprintf(errbuf, cap, "cannot sync %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return PD_EIO;
	}
	close(fd);
	return PD_OK;
}

/* FILE.tmp becomes FILE: without force only if FILE does not exist (link), then the
 * directory is synced so the name survives a crash. */
static enum pd_err publish(const char *tmp, const char *to, bool force, char *errbuf, size_t cap)
{
	if (force ? rename(tmp, to) != 0 : link(tmp, to) != 0) {
		snprintf(errbuf, cap, errno == EEXIST ? "%s exists already (--force replaces it)" : "cannot write %s: %s",
			 to, strerror(errno));
		return errno == EEXIST ? PD_ECONFLICT : PD_EIO;
	}
	if (!force)
		unlink(tmp);
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", to);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = 0;
	return sync_path(slash ? dir : ".", true, errbuf, cap);
}

/* Copies the snapshot of src (in a read transaction) into the new file tmp and checks it. */
static enum pd_err backup_into(sqlite3 *src, const char *tmp, const struct counts *before,
			       store_table_report report, void *arg, char *errbuf, size_t cap)
{
	sqlite3 *dst = NULL;
	struct counts *after = malloc(sizeof *after);
	enum pd_err e = !after ? PD_ENOMEM : PD_OK;
	if (e == PD_OK && sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		e = fail(dst, tmp, errbuf, cap);
	if (e == PD_OK)
		e = copy_pages(src, dst, errbuf, cap);
	/* a single self-contained file: no -wal beside it */
	if (e == PD_OK)
		e = exec(dst, "PRAGMA journal_mode=DELETE", "the copy's journal mode", errbuf, cap);
	if (e == PD_OK)
		e = integrity(dst, tmp, errbuf, cap);
	if (e == PD_OK)
		e = count_rows(dst, after, errbuf, cap);
	if (e == PD_OK)
		e = compare(before, after, report, arg, errbuf, cap);
	if (sqlite3_close(dst) != SQLITE_OK && e == PD_OK)
		e = fail(NULL, "closing the copy", errbuf, cap);
	free(after);
	return e;
}

enum pd_err store_backup(const char *url, const char *to, bool force, store_table_report report, void *arg,
			 char *errbuf, size_t cap)
{
	const char *path = sqlite_path(url, errbuf, cap);
	if (!path)
		return PD_EINVAL;
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", to) >= sizeof tmp)
		return snprintf(errbuf, cap, "the path %s is too long", to), PD_EINVAL;
	if (!force && access(to, F_OK) == 0)
		return snprintf(errbuf, cap, "%s exists already (--force replaces it)", to), PD_ECONFLICT;
	sqlite3 *src = NULL;
	struct counts *before = malloc(sizeof *before);
	enum pd_err e = !before ? PD_ENOMEM : open_readonly(path, &src, errbuf, cap);
	/* the snapshot: every commit acknowledged before this point is in it */
	if (e == PD_OK)
		e = exec(src, "BEGIN", "starting a read", errbuf, cap);
	if (e == PD_OK)
		e = count_store(src, path, before, errbuf, cap);
	if (e == PD_OK) {
		unlink(tmp); /* a copy left over by a backup that did not finish */
		e = backup_into(src, tmp, before, report, arg, errbuf, cap);
	}
	sqlite3_close_v2(src); /* ends the read */
	if (e == PD_OK)
		e = sync_path(tmp, false, errbuf, cap);
	if (e == PD_OK)
		e = publish(tmp, to, force, errbuf, cap);
	if (e != PD_OK)
		unlink(tmp);
	free(before);
	return e;
}

/* The store at path, opened and locked for this connection alone: PD_EBUSY while another
 * connection (a running partnerd) has it open.  *empty: it has no partner. */
static enum pd_err lock_store(const char *path, sqlite3 **db, bool *empty, char *errbuf, size_t cap)
{
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		return fail(*db, path, errbuf, cap);
	enum pd_err e = exec(*db, "PRAGMA locking_mode=EXCLUSIVE", "locking the store", errbuf, cap);
	if (e == PD_OK && sqlite3_exec(*db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(errbuf, cap, "the store %s is in use (is partnerd running on it?): stop it first (%s)", path,
			 sqlite3_errmsg(*db));
		return PD_EBUSY;
	}
	sqlite3_stmt *q = NULL;
	*empty = sqlite3_prepare_v2(*db, "SELECT 1 FROM partners LIMIT 1", -1, &q, NULL) != SQLITE_OK ||
		 sqlite3_step(q) != SQLITE_ROW;
	sqlite3_finalize(q);
	/* the exclusive locking mode keeps the lock after the commit, until the close */
	return e == PD_OK ? exec(*db, "COMMIT", "locking the store", errbuf, cap) : e;
}

enum pd_err store_restore(const char *from, const char *url, bool force, store_table_report report, void *arg,
			  char *errbuf, size_t cap)
{
	const char *path = sqlite_path(url, errbuf, cap);
	if (!path)
		return PD_EINVAL;
	sqlite3 *src = NULL, *dst = NULL;
	struct counts *c = malloc(2 * sizeof *c);
	bool empty = true;
	enum pd_err e = !c ? PD_ENOMEM : open_readonly(from, &src, errbuf, cap);
	if (e == PD_OK)
		e = integrity(src, from, errbuf, cap);
	if (e == PD_OK)
		e = count_store(src, from, c, errbuf, cap);
	if (e == PD_OK)
		e = lock_store(path, &dst, &empty, errbuf, cap);
	if (e == PD_OK && !empty && !force) {
		snprintf(errbuf, cap, "the store %s has data (--force replaces it)", path);
		e = PD_ECONFLICT;
	}
	if (e == PD_OK)
		e = copy_pages(src, dst, errbuf, cap);
	if (e == PD_OK)
		e = integrity(dst, path, errbuf, cap);
	if (e == PD_OK)
		e = count_rows(dst, c + 1, errbuf, cap);
	if (e == PD_OK)
		e = compare(c, c + 1, report, arg, errbuf, cap);
	sqlite3_close_v2(src);
	if (sqlite3_close(dst) != SQLITE_OK && e == PD_OK)
		e = fail(NULL, "closing the store", errbuf, cap);
	free(c);
	return e;
}
