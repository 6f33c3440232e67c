/* sqlite_ref.c - the benchmark's reference for durable creates: a plain C loop that makes the
 * same inserts one create makes (domain, sequence number, customer row, search entry, admin
 * user, idempotency key, activity record with its sequence number) into a partnerd store with
 * the same durability (WAL, synchronous=FULL, one COMMIT per create), through prepared
 * statements and no server.  Usage: sqlite_ref STORE PARTNER_ID SECONDS TAG (letters and
 * digits that keep the domains of different runs apart).  Prints
 * "<creates> <seconds> <creates/s>".  Not linked with partnerd: only libsqlite3. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const sql[] = {
	"INSERT INTO domains (domain, partner_id, customer_id) VALUES (?1, ?2, ?3)",
	"UPDATE counters SET value = value + 1 WHERE name = 'customer_seq' RETURNING value",
	"INSERT INTO customers (partner_id, customer_id, seq, domain, company_name, name_key, regnum,"
	" relationship, billing, etag, created_at, updated_at) VALUES (?2, ?3, ?4, ?1, ?5, ?5, NULL,"
	" 'reseller', ?6, ?7, ?8, ?8)",
	"INSERT OR IGNORE INTO partner_numbers (partner_id, no) SELECT ?2, coalesce(max(no), 0) + 1"
	" FROM partner_numbers",
	"INSERT OR IGNORE INTO domain_suffixes (suffix) SELECT substr(?1, instr(?1, '.') + 1)"
	" WHERE instr(?1, '.') > 0",
	"INSERT INTO customer_search (rowid, name_key, domain) VALUES (((SELECT no FROM partner_numbers"
	" WHERE partner_id = ?2) << 40) | ?4, ?5, substr(?1, 1, instr(?1 || '.', '.') - 1))",
	"INSERT INTO customer_users (partner_id, customer_id, user_id, upn, display_name, first_name,"
	" last_name, usage_location, roles, state, password_hash, must_change_password, created_at)"
	" VALUES (?2, ?3, ?9, 'admin@' || ?1, 'Administrator', '伟', '王', 'CN', 'company_administrator',"
	" 'active', ?10, 1, ?8)",
	"INSERT INTO idempotency (partner_id, request_id, resource_id, created_at) VALUES (?2, ?9, ?3, ?8)",
	"UPDATE counters SET value = value + 1 WHERE name = 'audit_seq' RETURNING value",
	"INSERT INTO audit_records (partner_id, record_id, seq, created_at, operation_type, resource_type,"
	" resource_id, customer_id, customer_name, principal_kind, principal_id, principal_name, outcome,"
	" request_id, correlation_id, old_value, new_value, source_address) VALUES (?2, ?9, ?11, ?8,"
	" 'add_customer', 'customer', ?3, ?3, ?5, 'user', ?2, 'admin@example.com', 'succeeded', ?9, ?9,"
	" NULL, ?12, '127.0.0.1')",
};
#define NSQL (sizeof sql / sizeof *sql)

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int check(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "sqlite_ref: %s: %s\n", what, sqlite3_errmsg(db));
		exit(1);
	}
	return rc;
}

/* Steps every statement of one create in its own transaction, binding the create's values. */
static void one_create(sqlite3 *db, sqlite3_stmt **q, const char *partner, const char *tag, long n,
		       const char *billing, const char *customer_json)
{
	char domain[64], id[64], uid[64], name[64], etag[32];
	snprintf(domain, sizeof domain, "ref%.12s%ld.partner.onmschina.cn", tag, n);
	snprintf(id, sizeof id, "%08lx-0000-4000-8000-%012lx", (unsigned long)rand() & 0xffffffffUL, (unsigned long)n & 0xffffffffffffUL);
	snprintf(uid, sizeof uid, "%08lx-1111-4000-8000-%012lx", (unsigned long)rand() & 0xffffffffUL, (unsigned long)n & 0xffffffffffffUL);
	snprintf(name, sizeof name, "Zephyr Ref %ld 有限公司", n); /* no benchmark search term */
	snprintf(etag, sizeof etag, "e%08x%08lx", rand(), n);
	long long seq = 0, aseq = 0;
	check(db, sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), "begin");
	for (size_t i = 0; i < NSQL; i++) {
		sqlite3_stmt *s = q[i];
		sqlite3_reset(s);
		int np = sqlite3_bind_parameter_count(s);
		const char *t[] = {NULL, domain, partner, id, NULL, name, billing, etag, NULL, uid,
				   "$pd-b2$00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
				   NULL, customer_json};
		for (int p = 1; p <= np && p <= 12; p++) {
			if (p == 4)
				sqlite3_bind_int64(s, p, seq);
			else if (p == 8)
				sqlite3_bind_int64(s, p, (long long)time(NULL));
			else if (p == 11)
				sqlite3_bind_int64(s, p, aseq);
			else
				sqlite3_bind_text(s, p, t[p], -1, SQLITE_STATIC);
		}
		if (check(db, sqlite3_step(s), sql[i]) == SQLITE_ROW) {
			if (i == 1)
				seq = sqlite3_column_int64(s, 0);
			else
				aseq = sqlite3_column_int64(s, 0);
		}
		sqlite3_reset(s);
	}
	check(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), "commit");
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fputs("usage: sqlite_ref STORE PARTNER_ID SECONDS TAG\n", stderr);
		return 2;
	}
	sqlite3 *db;
	sqlite3_stmt *q[NSQL];
	check(db, sqlite3_open(argv[1], &db), "open");
	/* partnerd may still be finishing the requests wrk left in flight: wait for its lock */
	check(db, sqlite3_busy_timeout(db, 10000), "busy timeout");
	check(db, sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL", NULL, NULL, NULL), "pragma");
	for (size_t i = 0; i < NSQL; i++)
		check(db, sqlite3_prepare_v2(db, sql[i], -1, &q[i], NULL), sql[i]);
	/* payloads of the sizes partnerd stores: billing JSON ~450 bytes, activity record ~1.4 KB */
	char billing[512], customer[1500];
	memset(billing, 'b', sizeof billing - 1), billing[sizeof billing - 1] = 0;
	memset(customer, 'c', sizeof customer - 1), customer[sizeof customer - 1] = 0;
	double secs = atof(argv[3]), t0 = now_s(), t;
	long n = 0;
	srand((unsigned)time(NULL));
	do
		one_create(db, q, argv[2], argv[4], n++, billing, customer);
	while ((t = now_s() - t0) < secs);
	printf("%ld %.3f %.1f\n", n, t, (double)n / t);
	for (size_t i = 0; i < NSQL; i++)
		sqlite3_finalize(q[i]);
	sqlite3_close(db);
	return 0;
}
