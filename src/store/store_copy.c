/* store_copy.c - moving a deployment between stores (partnerd migrate-store): every table,
 * row by row, into an empty target in one transaction, then both sides read back in key order
 * and compared by row count and a BLAKE2b-256 checksum per table.  Knows the tables' columns
 * (SQLite's names, which PostgreSQL's migrations keep); the backends only run raw SQL. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store_impl.h"
#include "text.h"

#define MAX_COLS 24

struct table {
	const char *name, *cols, *blobs, *key; /* blobs: columns moved as hex */
	const char *extra;                     /* PostgreSQL audit keys, computed here */
};

static const struct table tables[] = {
	{"settings", "name,value", "", "name", NULL},
	{"counters", "name,value", "", "name", NULL},
	{"partners", "partner_id,name,created_at", "", "partner_id", NULL},
	{"partner_users", "partner_id,user_id,email,email_key,display_name,password_hash,roles,state,"
			  "must_change_password,created_at,version", "", "partner_id,user_id", NULL},
	{"tokens", "digest,partner_id,principal_kind,principal_id,roles,expires_at,created_at", "digest",
	 "digest", NULL},
	{"customers", "partner_id,customer_id,seq,domain,company_name,name_key,regnum,relationship,billing,"
		      "etag,created_at,updated_at,associated_partner_id", "", "partner_id,customer_id", NULL},
	{"domains", "domain,partner_id,customer_id", "", "domain", NULL},
	{"customer_users", "partner_id,customer_id,user_id,upn,display_name,secret_digest,created_at,first_name,"
			   "last_name,usage_location,roles,state,password_hash,must_change_password,version",
	 "secret_digest", "partner_id,customer_id,user_id", NULL},
	{"idempotency", "partner_id,request_id,resource_id,created_at,body_digest", "", "partner_id,request_id", NULL},
	{"apps", "partner_id,app_id,display_name,roles,secret_digest,state,created_at,secret_updated_at,version",
	 "secret_digest", "partner_id,app_id", NULL},
	{"audit_records", "partner_id,seq,record_id,created_at,operation_type,resource_type,resource_id,"
			  "customer_id,customer_name,principal_kind,principal_id,principal_name,outcome,request_id,"
			  "correlation_id,old_value,new_value,source_address", "", "partner_id,seq",
	 "principal_key,customer_key"},
	{"orders", "partner_id,customer_id,order_id,created_at,billing_cycle,currency_code", "", "partner_id,customer_id,order_id", NULL},
	{"subscriptions", "partner_id,customer_id,subscription_id,order_id,offer_id,friendly_name,quantity,"
			  "status,suspended_at,etag,created_at,updated_at,version,billing_cycle", "",
	 "partner_id,customer_id,subscription_id", NULL},
	{"invitations", "partner_id,code,state,created_at", "", "partner_id,code", NULL},
	{"indirect_resellers", "partner_id,reseller_id,name,mpn_id,location,state,created_at,updated_at", "",
	 "partner_id,reseller_id", NULL},
	{"events", "partner_id,seq,event_name,resource_uri,resource_name,audit_id,created_at", "", "partner_id,seq",
	 NULL},
	{"webhook_registrations", "partner_id,subscriber_id,url,events,created_at,updated_at,version,feed_cursor,"
				  "lease_owner,lease_until_ms", "", "partner_id", NULL},
	{"webhook_deliveries", "partner_id,seq,subscriber_id,event_name,state,attempts,round_start,next_at_ms,"
			       "created_at,updated_at", "", "partner_id,seq", NULL},
	{"webhook_attempts", "partner_id,seq,n,at_ms,url,status,message,system_error", "", "partner_id,seq,n", NULL},
	{"webhook_tests", "partner_id,correlation_id,seq,created_at", "", "partner_id,correlation_id", NULL},
};

static bool is_pg(struct store *st)
{
	return !strcmp(st->ops->name, "postgresql");
}

/* Whether `col` is one of the comma-separated `list`. */
static bool listed(const char *list, const char *col, size_t len)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		if (n == len && !strncmp(p, col, len))
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

/* SELECT of a table's columns in key order, blobs as lower-case hex, for st's backend. */
static char *select_sql(struct store *st, const struct table *t, struct pd_arena *ar)
{
	char *out = pd_printf(ar, "SELECT ");
	for (const char *p = t->cols; *p;) {
		size_t n = strcspn(p, ",");
		const char *sep = p[n] == ',' ? ", " : "";
		if (!listed(t->blobs, p, n))
			out = pd_printf(ar, "%s%.*s%s", out, (int)n, p, sep);
		else if (is_pg(st))
			out = pd_printf(ar, "%sencode(%.*s, 'hex')%s", out, (int)n, p, sep);
		else
			out = pd_printf(ar, "%sCASE WHEN %.*s IS NULL THEN NULL ELSE lower(hex(%.*s)) END%s", out,
					(int)n, p, (int)n, p, sep);
		p += n + (p[n] == ',');
	}
	return pd_printf(ar, "%s FROM %s ORDER BY %s", out, t->name, t->key);
}

/* INSERT into the PostgreSQL target: $n per column, decode() for blobs, then the extras. */
static char *insert_sql(const struct table *t, int *ncols, struct pd_arena *ar)
{
	char *vals = "";
	int i = 0;
	for (const char *p = t->cols; *p; i++) {
		size_t n = strcspn(p, ",");
		vals = pd_printf(ar, "%s%s%s", vals, i ? ", " : "",
				 listed(t->blobs, p, n) ? pd_printf(ar, "decode($%d, 'hex')", i + 1)
							: pd_printf(ar, "$%d", i + 1));
		p += n + (p[n] == ',');
	}
	*ncols = i;
	if (t->extra)
		return pd_printf(ar, "INSERT INTO %s (%s,%s) VALUES (%s, $%d, $%d)", t->name, t->cols, t->extra,
				 vals, i + 1, i + 2);
	return pd_printf(ar, "INSERT INTO %s (%s) VALUES (%s)", t->name, t->cols, vals);
}

struct pass {                    /* one read of one table */
	crypto_generichash_state h;
	long long rows;
	const struct table *t;
	struct store *to;            /* NULL: only checksum */
	const char *insert;
	enum pd_err err;
};

static void hash_row(struct pass *p, int n, const char *const *v)
{
	for (int i = 0; i < n; i++) {
		unsigned char len[9] = {0};
		size_t l = v[i] ? strlen(v[i]) : 0;
		for (int k = 0; k < 8; k++)
			len[k] = (unsigned char)(l >> (8 * k));
		len[8] = v[i] ? 1 : 0; /* NULL differs from "" */
		crypto_generichash_update(&p->h, len, sizeof len);
		if (v[i])
			crypto_generichash_update(&p->h, (const unsigned char *)v[i], l);
	}
}

/* The audit keys of the PostgreSQL schema: search keys of principal_name and customer_name. */
static int on_row(void *arg, int n, const char *const *v)
{
	struct pass *p = arg;
	hash_row(p, n, v);
	p->rows++;
	if (!p->to)
		return 0;
	const char *params[MAX_COLS + 2];
	struct pd_arena *ar = pd_arena_new();
	memcpy(params, v, sizeof *v * (size_t)n);
	if (p->t->extra) {
		params[n] = pd_text_key(ar, v[11]);
		params[n + 1] = pd_text_key(ar, v[8]);
	}
	p->err = p->to->ops->raw_exec(p->to, p->insert, n + (p->t->extra ? 2 : 0), params);
	pd_arena_free(ar);
	return p->err != PD_OK;
}

static enum pd_err read_table(struct store *st, const struct table *t, struct store *to,
			      long long *rows, char hex[65], struct pd_arena *ar)
{
	struct pass p = {.t = t, .to = to};
	int ncols = 0;
	unsigned char sum[32];
	crypto_generichash_init(&p.h, NULL, 0, sizeof sum);
	p.insert = to ? insert_sql(t, &ncols, ar) : NULL;
	enum pd_err e = st->ops->raw_select(st, select_sql(st, t, ar), on_row, &p);
	if (e == PD_OK)
		e = p.err;
	crypto_generichash_final(&p.h, sum, sizeof sum);
	sodium_bin2hex(hex, 65, sum, sizeof sum);
	*rows = p.rows;
	return e;
}

static int count_row(void *arg, int n, const char *const *v)
{
	*(long long *)arg = n > 0 && v[0] ? atoll(v[0]) : 0;
	return 0;
}

/* Refuses a target that already has partners: migrate-store fills a new store only. */
static enum pd_err target_empty(struct store *to)
{
	long long n = -1;
	enum pd_err e = to->ops->raw_select(to, "SELECT count(*) FROM partners", count_row, &n);
	return e != PD_OK ? e : n == 0 ? PD_OK : PD_ECONFLICT;
}

static enum pd_err copy_all(struct store *from, struct store *to,
			    void (*report)(void *, const char *, long long, const char *, bool),
			    void *arg, char *errbuf, size_t cap)
{
	struct pd_arena *ar = pd_arena_new();
	enum pd_err e = to->ops->raw_exec(to, "DELETE FROM counters", 0, NULL), bad = PD_OK;
	for (size_t i = 0; e == PD_OK && i < sizeof tables / sizeof tables[0]; i++) {
		long long n1 = 0, n2 = 0;
		char h1[65], h2[65];
		e = read_table(from, &tables[i], to, &n1, h1, ar);
		if (e == PD_OK)
			e = read_table(to, &tables[i], NULL, &n2, h2, ar);
		if (e != PD_OK) {
			snprintf(errbuf, cap, "copying %s failed (%s)", tables[i].name, pd_err_name(e));
			break;
		}
		bool match = n1 == n2 && !strcmp(h1, h2);
		if (!match) {
			bad = PD_ESTALE;
			snprintf(errbuf, cap, "%s differs after the copy: %lld rows %s, read back %lld rows %s",
				 tables[i].name, n1, h1, n2, h2);
		}
		report(arg, tables[i].name, n1, h1, match);
	}
	pd_arena_free(ar);
	return e != PD_OK ? e : bad;
}

enum pd_err store_copy(struct store *from, struct store *to,
		       void (*report)(void *, const char *, long long, const char *, bool), void *arg,
		       char *errbuf, size_t cap)
{
	if (!to->ops->raw_exec || !is_pg(to)) {
		snprintf(errbuf, cap, "the target must be a PostgreSQL store (postgresql://...)");
		return PD_EINVAL;
	}
	enum pd_err e = to->ops->begin(to);
	if (e == PD_OK && (e = target_empty(to)) == PD_ECONFLICT)
		snprintf(errbuf, cap, "the target store is not empty (it has partners)");
	if (e == PD_OK)
		e = copy_all(from, to, report, arg, errbuf, cap);
	if (e == PD_OK)
		return to->ops->commit(to);
	if (!*errbuf)
		snprintf(errbuf, cap, "the copy failed (%s)", pd_err_name(e));
	to->ops->rollback(to);
	return e;
}
