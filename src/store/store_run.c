/* store_run.c - running statements above the driver (driver.h): parameters bound by a
 * format, one row or pages of rows read by a reader, the versioned-save rule, the readers
 * several operation files share, and the transaction members of every engine's table. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "driver.h"

/* The parameters of fmt (driver.h) from ap into v; how many, or -1 for too many. */
static int bind_args(struct drv_val *v, const char *fmt, va_list ap)
{
	int n = 0;
	const char *f = fmt;
	for (; *f && n < DRV_MAX_ARGS - 1; f++) {
		struct drv_val *x = &v[n++];
		*x = (struct drv_val){.type = *f};
		switch (*f) {
		case 't': x->s = va_arg(ap, const char *); break;
		case 'd': x->s = (const char *)va_arg(ap, const unsigned char *); break;
		case 'i': x->i = va_arg(ap, long long); break;
		case 'n': x->type = 'i', x->i = va_arg(ap, int); break;
		case 'b': x->i = va_arg(ap, int) != 0; break;
		case 'f': x->f = va_arg(ap, double); break;
		case 'z': /* 0 binds NULL (a time not set) */
			x->i = va_arg(ap, long long);
			x->type = x->i ? 'i' : 't';
			break;
		case 'a': { /* a keyset position: two parameters */
			const struct pd_after *after = va_arg(ap, const struct pd_after *);
			*x = (struct drv_val){.type = 'i', .i = after ? after->created : INT64_MIN};
			v[n++] = (struct drv_val){.type = 't', .s = after && after->id ? after->id : ""};
			break;
		}
		default: return -1;
		}
	}
	return *f ? -1 : n;
}

/* A run of a statement: its parameters; what it reads: up to max rows (max < 0: all) with
 * rd, into `one` or into a new arena array *rows of `size`-byte rows (neither: none are
 * read); how many, and how many rows it changed. */
struct want {
	struct drv_val v[DRV_MAX_ARGS];
	int nv;
	drv_reader rd;
	void *one, **rows;
	size_t size, n;
	int max;
	long long changed;
};

static enum pd_err run(struct store *st, int id, struct want *w, struct pd_arena *ar)
{
	struct drv_cur c = {.st = st};
	size_t cap = w->max < 0 ? 16 : (size_t)(w->max > 0 ? w->max : 1);
	char *buf = w->rows ? pd_alloc(ar, w->size * cap) : NULL;
	bool row = false;
	enum pd_err e = w->nv < 0 ? PD_EINTERNAL : st->drv->exec(st, id, w->nv, w->v, &c);
	if (e != PD_OK)
		return e;
	while ((w->max < 0 || w->n < (size_t)w->max) && (e = st->drv->next(&c, &row)) == PD_OK && row) {
		if (buf && w->n == cap) { /* max < 0: every row, the array doubles */
			char *more = pd_alloc(ar, 2 * cap * w->size);
			memcpy(more, buf, cap * w->size);
			buf = more, cap *= 2;
		}
		void *to = buf ? buf + w->size * w->n : w->one;
		if (to && (e = w->rd(&c, to, ar)) != PD_OK)
			break;
		w->n++;
	}
	w->changed = c.changed;
	st->drv->done(&c); /* also where a page stopped before the statement's last row */
	if (w->rows)
		*w->rows = buf;
	return e;
}

/* A statement that returns no rows to read; *changed: the rows it changed. */
static enum pd_err cmd(struct store *st, int id, long long *changed, const char *fmt, va_list ap)
{
	struct want w = {.max = -1};
	w.nv = bind_args(w.v, fmt, ap);
	enum pd_err e = run(st, id, &w, NULL);
	*changed = w.changed;
	return e;
}

enum pd_err drv_cmd(struct store *st, int id, long long *changed, const char *fmt, ...)
{
	long long n;
	va_list ap;
	va_start(ap, fmt);
	enum pd_err e = cmd(st, id, &n, fmt, ap);
	va_end(ap);
	if (changed)
		*changed = n;
	return e;
}

enum pd_err drv_changed_one(struct store *st, int id, const char *fmt, ...)
{
	long long n;
	va_list ap;
	va_start(ap, fmt);
	enum pd_err e = cmd(st, id, &n, fmt, ap);
	va_end(ap);
	return e == PD_OK && n == 0 ? PD_ENOTFOUND : e;
}

enum pd_err drv_one(struct store *st, int id, drv_reader rd, void *row, struct pd_arena *ar,
		    const char *fmt, ...)
{
	struct want w = {.rd = rd, .one = row, .max = 1};
	va_list ap;
	va_start(ap, fmt);
	w.nv = bind_args(w.v, fmt, ap);
	va_end(ap);
	enum pd_err e = run(st, id, &w, ar);
	return e == PD_OK && w.n == 0 ? PD_ENOTFOUND : e;
}

enum pd_err drv_rows(struct store *st, int id, size_t size, int max, drv_reader rd, void *rows,
		     size_t *n, struct pd_arena *ar, const char *fmt, ...)
{
	struct want w = {.rd = rd, .rows = rows, .size = size, .max = max};
	va_list ap;
	va_start(ap, fmt);
	w.nv = bind_args(w.v, fmt, ap);
	va_end(ap);
	enum pd_err e = run(st, id, &w, ar);
	*n = w.n;
	return e;
}

/* The versioned-save rule after a statement that changed `changed` rows: the row of the
 * keys (v[0..nkeys), statement `exists`) still there means another version. */
static enum pd_err versioned(struct store *st, enum pd_err e, long long changed, int exists,
			     const struct drv_val *keys, int nkeys, long long *version)
{
	struct want x = {.max = 1, .nv = nkeys};
	if (e != PD_OK || changed > 0) {
		if (e == PD_OK && version)
			++*version;
		return e;
	}
	memcpy(x.v, keys, sizeof *keys * (size_t)nkeys);
	e = run(st, exists, &x, NULL);
	return e != PD_OK ? e : x.n ? PD_ECHANGED : PD_ENOTFOUND;
}

enum pd_err drv_save(struct store *st, int id, int exists, int nkeys, long long *version, const char *fmt, ...)
{
	struct want w = {.max = -1};
	va_list ap;
	va_start(ap, fmt);
	w.nv = bind_args(w.v, fmt, ap);
	va_end(ap);
	enum pd_err e = w.nv < nkeys ? PD_EINTERNAL : run(st, id, &w, NULL);
	return versioned(st, e, w.changed, exists, w.v, nkeys, version);
}

enum pd_err drv_versioned(struct store *st, enum pd_err e, long long changed, int exists,
			  const char *const *keys, int nkeys, long long *version)
{
	struct drv_val v[4];
	for (int i = 0; i < nkeys && i < 4; i++)
		v[i] = (struct drv_val){.type = 't', .s = keys[i]};
	return versioned(st, e, changed, exists, v, nkeys < 4 ? nkeys : 4, version);
}

const char *drv_s(struct drv_cur *c, int col, struct pd_arena *ar)
{
	return pd_strdup(ar, c->st->drv->text(c, col));
}

long long drv_i(struct drv_cur *c, int col)
{
	return c->st->drv->num(c, col);
}

enum pd_err drv_read_num(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	(void)ar;
	*(long long *)row = drv_i(c, 0);
	return PD_OK;
}

enum pd_err drv_read_text(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	*(const char **)row = drv_s(c, 0, ar);
	return PD_OK;
}

/* A row of CUSTOMER_COLS (store_sql.c). */
enum pd_err drv_read_customer(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	struct pd_customer *x = row;
	*x = (struct pd_customer){.id = drv_s(c, 0, ar), .seq = drv_i(c, 1), .domain = drv_s(c, 2, ar),
				  .regnum = drv_s(c, 3, ar), .relationship = drv_s(c, 4, ar)};
	enum pd_err e = store_billing_parse(c->st->drv->text(c, 5), &x->billing, ar);
	x->billing.etag = drv_s(c, 6, ar);
	x->created = drv_i(c, 7);
	x->updated = drv_i(c, 8);
	x->associated_partner_id = drv_s(c, 9, ar);
	size_t n = x->domain ? strlen(x->domain) : 0; /* not pd_printf: ~1.3 k instructions a row */
	char *admin = pd_alloc(ar, n + sizeof "admin@");
	memcpy(admin, "admin@", 6);
	memcpy(admin + 6, x->domain ? x->domain : "", n);
	x->admin_user = admin;
	return e;
}

/* ---- transactions: the engine's, through the driver ---- */

static enum pd_err op_begin(struct store *st) { return st->drv->tx(st, TX_BEGIN); }
static enum pd_err op_commit(struct store *st) { return st->drv->tx(st, TX_COMMIT); }
static enum pd_err op_rollback(struct store *st) { return st->drv->tx(st, TX_ROLLBACK); }
static enum pd_err op_savepoint(struct store *st) { return st->drv->tx(st, TX_SAVEPOINT); }
static enum pd_err op_release(struct store *st) { return st->drv->tx(st, TX_RELEASE); }
static enum pd_err op_rollback_to(struct store *st) { return st->drv->tx(st, TX_ROLLBACK_TO); }

void store_ops_shared(struct store_ops *o)
{
	o->begin = op_begin, o->commit = op_commit, o->rollback = op_rollback;
	o->savepoint = op_savepoint, o->release = op_release, o->rollback_to = op_rollback_to;
	store_ops_staff(o);
	store_ops_customers(o);
	store_ops_commerce(o);
	store_ops_events(o);
	store_ops_webhooks(o);
}
