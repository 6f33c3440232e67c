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
	for (const char *f = fmt; *f && n < DRV_MAX_ARGS - 1; f++) {
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
	return n;
}

/* Runs statement id over v and reads up to max rows (max < 0: all) of `size` bytes with rd
 * into *rows (NULL rows: none kept, only counted in *n); *changed when not NULL. */
static enum pd_err run(struct store *st, int id, int nv, const struct drv_val *v, drv_reader rd,
		       size_t size, int max, void **rows, size_t *n, long long *changed, struct pd_arena *ar)
{
	struct drv_cur c = {.st = st};
	size_t cap = max < 0 ? 16 : (size_t)(max > 0 ? max : 1), k = 0;
	char *buf = rows ? pd_alloc(ar, size * cap) : NULL;
	bool row = false;
	enum pd_err e = nv < 0 ? PD_EINTERNAL : st->drv->exec(st, id, nv, v, &c);
	if (e != PD_OK)
		return e;
	while ((max < 0 || k < (size_t)max) && (e = st->drv->next(&c, &row)) == PD_OK && row) {
		if (rows && k == cap) { /* max < 0: every row, the array doubles */
			char *more = pd_alloc(ar, 2 * cap * size);
			memcpy(more, buf, cap * size);
			buf = more, cap *= 2;
		}
		if (rows && (e = rd(&c, buf + size * k, ar)) != PD_OK)
			break;
		k++;
	}
	if (e == PD_OK && row) /* stopped at max: the statement ends here */
		row = false;
	if (changed)
		*changed = c.changed;
	st->drv->done(&c);
	if (rows)
		*rows = buf;
	*n = k;
	return e;
}

enum pd_err drv_cmd(struct store *st, int id, long long *changed, const char *fmt, ...)
{
	struct drv_val v[DRV_MAX_ARGS];
	size_t n;
	va_list ap;
	va_start(ap, fmt);
	int nv = bind_args(v, fmt, ap);
	va_end(ap);
	return run(st, id, nv, v, NULL, 0, -1, NULL, &n, changed, NULL);
}

enum pd_err drv_one(struct store *st, int id, drv_reader rd, void *row, struct pd_arena *ar,
		    const char *fmt, ...)
{
	struct drv_val v[DRV_MAX_ARGS];
	struct drv_cur c = {.st = st};
	bool got = false;
	va_list ap;
	va_start(ap, fmt);
	int nv = bind_args(v, fmt, ap);
	va_end(ap);
	enum pd_err e = nv < 0 ? PD_EINTERNAL : st->drv->exec(st, id, nv, v, &c);
	if (e != PD_OK)
		return e;
	if ((e = st->drv->next(&c, &got)) == PD_OK)
		e = got ? rd(&c, row, ar) : PD_ENOTFOUND;
	st->drv->done(&c);
	return e;
}

enum pd_err drv_rows(struct store *st, int id, size_t size, int max, drv_reader rd, void *rows,
		     size_t *n, struct pd_arena *ar, const char *fmt, ...)
{
	struct drv_val v[DRV_MAX_ARGS];
	va_list ap;
	va_start(ap, fmt);
	int nv = bind_args(v, fmt, ap);
	va_end(ap);
	*n = 0;
	return run(st, id, nv, v, rd, size, max, (void **)rows, n, NULL, ar);
}

enum pd_err drv_changed_one(struct store *st, int id, const char *fmt, ...)
{
	struct drv_val v[DRV_MAX_ARGS];
	long long changed = 0;
	size_t n;
	va_list ap;
	va_start(ap, fmt);
	int nv = bind_args(v, fmt, ap);
	va_end(ap);
	enum pd_err e = run(st, id, nv, v, NULL, 0, -1, NULL, &n, &changed, NULL);
	return e == PD_OK && changed == 0 ? PD_ENOTFOUND : e;
}

enum pd_err drv_versioned(struct store *st, enum pd_err e, long long changed, int exists,
			  const char *const *keys, int nkeys, long long *version)
{
	if (e != PD_OK || changed > 0) {
		if (e == PD_OK && version)
			++*version;
		return e;
	}
	struct drv_val v[4];
	size_t found = 0;
	for (int i = 0; i < nkeys; i++)
		v[i] = (struct drv_val){.type = 't', .s = keys[i]};
	e = run(st, exists, nkeys, v, NULL, 0, 1, NULL, &found, NULL, NULL);
	return e != PD_OK ? e : found ? PD_ECHANGED : PD_ENOTFOUND;
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
	x->admin_user = pd_printf(ar, "admin@%s", x->domain);
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
}
