/* store_events.c - the change feed's operations (issue 22), written once for both engines:
 * each event takes the next of its partner's 'event_seq:<partner>' in the writing transaction,
 * so the partner's cursor grows in commit order and tells nothing of other partners; lists page by seq; retention prunes the oldest and keeps, per partner, the
 * highest seq it removed (a cursor below it gets 410). */
#include "driver.h"

static enum pd_err event_insert(struct store *st, struct pd_event *e)
{
	enum pd_err err = drv_one(st, S_EVENT_SEQ, drv_read_num, &e->seq, NULL, "t", e->partner_id);
	if (err != PD_OK)
		return err;
	return drv_cmd(st, S_EVENT_INSERT, NULL, "titttti", e->partner_id, e->seq, e->name, e->resource_uri,
		       e->resource_name, e->audit_id, e->created);
}

static enum pd_err read_event(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	*(struct pd_event *)row = (struct pd_event){
		.partner_id = drv_s(c, 0, ar), .seq = drv_i(c, 1), .name = drv_s(c, 2, ar),
		.resource_uri = drv_s(c, 3, ar), .resource_name = drv_s(c, 4, ar), .audit_id = drv_s(c, 5, ar),
		.created = drv_i(c, 6)};
	return PD_OK;
}

static enum pd_err event_list(struct store *st, const char *partner, long long after, int max,
			      struct pd_event **rows, size_t *n, struct pd_arena *ar)
{
	return drv_rows(st, S_EVENT_LIST, sizeof **rows, max, read_event, rows, n, ar, "tin", partner, after, max);
}

struct bounds {
	long long first, last;
};

static enum pd_err read_bounds(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	(void)ar;
	*(struct bounds *)row = (struct bounds){drv_i(c, 0), drv_i(c, 1)};
	return PD_OK;
}

static enum pd_err event_bounds(struct store *st, const char *partner, long long *first, long long *last)
{
	struct bounds b;
	enum pd_err e = drv_one(st, S_EVENT_BOUNDS, read_bounds, &b, NULL, "t", partner);
	if (e == PD_OK)
		*first = b.first, *last = b.last;
	return e;
}

static enum pd_err event_prune(struct store *st, long long before, long long *n)
{
	enum pd_err e = drv_cmd(st, S_EVENT_HORIZON, NULL, "i", before);
	return e == PD_OK ? drv_cmd(st, S_EVENT_PRUNE, n, "i", before) : e;
}

static enum pd_err event_pruned(struct store *st, const char *partner, long long *seq)
{
	return drv_one(st, S_EVENT_PRUNED, drv_read_num, seq, NULL, "t", partner);
}

void store_ops_events(struct store_ops *o)
{
	o->event_insert = event_insert, o->event_list = event_list, o->event_bounds = event_bounds;
	o->event_prune = event_prune, o->event_pruned = event_pruned;
}
