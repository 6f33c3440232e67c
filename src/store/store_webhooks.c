/* store_webhooks.c - the webhooks' operations (issue 22), written once for both engines: a
 * partner's one registration (versioned saves, a delivery lease claimed by a conditional
 * update, a cursor moved only from where the caller read it), its deliveries (one row per
 * event taken from the feed) with each attempt's result, and the test events' correlation
 * ids.  Tables: migrations 0015_webhooks.sql (SQLite), 0012_webhooks.sql (PostgreSQL). */
#include "driver.h"

static enum pd_err read_webhook(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	*(struct pd_webhook *)row = (struct pd_webhook){
		.partner_id = drv_s(c, 0, ar), .subscriber_id = drv_s(c, 1, ar), .url = drv_s(c, 2, ar),
		.events = drv_s(c, 3, ar), .created = drv_i(c, 4), .updated = drv_i(c, 5), .version = drv_i(c, 6),
		.cursor = drv_i(c, 7), .lease_owner = drv_s(c, 8, ar), .lease_until_ms = drv_i(c, 9)};
	return PD_OK;
}

static enum pd_err webhook_get(struct store *st, const char *partner, struct pd_webhook *w, struct pd_arena *ar)
{
	return drv_one(st, S_WEBHOOK_GET, read_webhook, w, ar, "t", partner);
}

static enum pd_err webhook_insert(struct store *st, const struct pd_webhook *w)
{
	return drv_cmd(st, S_WEBHOOK_INSERT, NULL, "ttttiii", w->partner_id, w->subscriber_id, w->url, w->events,
		       w->created, w->updated, w->cursor);
}

static enum pd_err webhook_save(struct store *st, struct pd_webhook *w)
{
	return drv_save(st, S_WEBHOOK_SAVE, S_WEBHOOK_EXISTS, 1, &w->version, "tttii", w->partner_id, w->url,
			w->events, w->updated, w->version);
}

/* The registration at `version`, then what hangs on it. */
static enum pd_err webhook_delete(struct store *st, const char *partner, long long version)
{
	enum pd_err e = drv_save(st, S_WEBHOOK_DELETE, S_WEBHOOK_EXISTS, 1, NULL, "ti", partner, version);
	if (e == PD_OK)
		e = drv_cmd(st, S_WEBHOOK_DROP_DELIVERIES, NULL, "t", partner);
	if (e == PD_OK)
		e = drv_cmd(st, S_WEBHOOK_DROP_ATTEMPTS, NULL, "t", partner);
	if (e == PD_OK)
		e = drv_cmd(st, S_WEBHOOK_DROP_TESTS, NULL, "t", partner);
	return e;
}

static enum pd_err webhook_all(struct store *st, struct pd_webhook **rows, size_t *n, struct pd_arena *ar)
{
	return drv_rows(st, S_WEBHOOK_ALL, sizeof **rows, -1, read_webhook, rows, n, ar, "");
}

/* Taken or renewed: PD_OK; another instance holds it: PD_ECHANGED; gone: PD_ENOTFOUND. */
static enum pd_err webhook_lease(struct store *st, const char *partner, const char *subscriber, const char *owner,
				 long long now_ms, long long until_ms)
{
	long long changed = 0;
	enum pd_err e = drv_cmd(st, S_WEBHOOK_LEASE, &changed, "tttii", partner, subscriber, owner, now_ms, until_ms);
	if (e != PD_OK || changed)
		return e;
	e = drv_one(st, S_WEBHOOK_EXISTS, NULL, NULL, NULL, "t", partner);
	return e == PD_OK ? PD_ECHANGED : e;
}

static enum pd_err webhook_advance(struct store *st, const char *partner, const char *subscriber, long long from,
				   long long to)
{
	long long changed = 0;
	enum pd_err e = drv_cmd(st, S_WEBHOOK_ADVANCE, &changed, "ttii", partner, subscriber, from, to);
	return e == PD_OK && !changed ? PD_ECHANGED : e;
}

static enum pd_err read_delivery(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	*(struct pd_wdelivery *)row = (struct pd_wdelivery){
		.partner_id = drv_s(c, 0, ar), .seq = drv_i(c, 1), .subscriber_id = drv_s(c, 2, ar),
		.event_name = drv_s(c, 3, ar), .state = drv_s(c, 4, ar), .attempts = drv_i(c, 5),
		.round_start = drv_i(c, 6), .next_at_ms = drv_i(c, 7), .created = drv_i(c, 8), .updated = drv_i(c, 9)};
	return PD_OK;
}

/* A row of the log: the delivery, then its event's resource (NULL: the event is gone). */
static enum pd_err read_logged(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	struct pd_wdelivery *d = row;
	read_delivery(c, d, ar);
	d->resource_uri = drv_s(c, 10, ar), d->resource_name = drv_s(c, 11, ar);
	return PD_OK;
}

static enum pd_err wdelivery_insert(struct store *st, const struct pd_wdelivery *d)
{
	return drv_cmd(st, S_WDELIVERY_INSERT, NULL, "titttiiiii", d->partner_id, d->seq, d->subscriber_id,
		       d->event_name, d->state, d->attempts, d->round_start, d->next_at_ms, d->created, d->updated);
}

static enum pd_err wdelivery_get(struct store *st, const char *partner, long long seq, struct pd_wdelivery *d,
				 struct pd_arena *ar)
{
	return drv_one(st, S_WDELIVERY_GET, read_delivery, d, ar, "ti", partner, seq);
}

static enum pd_err wdelivery_next(struct store *st, const char *partner, struct pd_wdelivery *d, struct pd_arena *ar)
{
	return drv_one(st, S_WDELIVERY_NEXT, read_delivery, d, ar, "t", partner);
}

static enum pd_err wdelivery_list(struct store *st, const char *partner, long long after, int max,
				  struct pd_wdelivery **rows, size_t *n, struct pd_arena *ar)
{
	return drv_rows(st, S_WDELIVERY_LIST, sizeof **rows, max, read_logged, rows, n, ar, "tin", partner, after,
			max);
}

/* The delivery moves first, only from the state the caller read (still pending, one attempt
 * fewer); then its attempt, whose key (partner, seq, n) cannot be taken twice. */
static enum pd_err wdelivery_record(struct store *st, const struct pd_wattempt *a, const struct pd_wdelivery *d)
{
	long long changed = 0;
	if (a->n != d->attempts || a->seq != d->seq)
		return PD_EINTERNAL;
	enum pd_err e = drv_cmd(st, S_WDELIVERY_RECORD, &changed, "titiii", d->partner_id, d->seq, d->state,
				d->attempts, d->next_at_ms, d->updated);
	if (e == PD_OK && !changed)
		return PD_ECHANGED;
	if (e == PD_OK)
		e = drv_cmd(st, S_WATTEMPT_INSERT, NULL, "tiiititn", a->partner_id, a->seq, a->n, a->at_ms, a->url,
			    (long long)a->status, a->message, (int)a->system_error);
	return e;
}

static enum pd_err wdelivery_redeliver(struct store *st, const char *partner, long long seq, long long now_ms,
				       long long now)
{
	return drv_changed_one(st, S_WDELIVERY_REDELIVER, "tiii", partner, seq, now_ms, now);
}

static enum pd_err read_attempt(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	*(struct pd_wattempt *)row = (struct pd_wattempt){
		.partner_id = drv_s(c, 0, ar), .seq = drv_i(c, 1), .n = drv_i(c, 2), .at_ms = drv_i(c, 3),
		.url = drv_s(c, 4, ar), .status = (int)drv_i(c, 5), .message = drv_s(c, 6, ar),
		.system_error = drv_i(c, 7) != 0};
	return PD_OK;
}

static enum pd_err wattempt_list(struct store *st, const char *partner, long long lo, long long hi,
				 struct pd_wattempt **rows, size_t *n, struct pd_arena *ar)
{
	return drv_rows(st, S_WATTEMPT_LIST, sizeof **rows, -1, read_attempt, rows, n, ar, "tii", partner, lo, hi);
}

static enum pd_err wtest_insert(struct store *st, const char *partner, const char *cid, long long seq,
				long long created)
{
	return drv_cmd(st, S_WTEST_INSERT, NULL, "ttii", partner, cid, seq, created);
}

static enum pd_err wtest_get(struct store *st, const char *partner, const char *cid, long long *seq)
{
	return drv_one(st, S_WTEST_GET, drv_read_num, seq, NULL, "tt", partner, cid);
}

struct two {
	long long a, b;
};

static enum pd_err read_two(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	(void)ar;
	*(struct two *)row = (struct two){drv_i(c, 0), drv_i(c, 1)};
	return PD_OK;
}

static enum pd_err wtest_recent(struct store *st, const char *partner, long long since, long long *count,
				long long *oldest)
{
	struct two t;
	enum pd_err e = drv_one(st, S_WTEST_RECENT, read_two, &t, NULL, "ti", partner, since);
	if (e == PD_OK)
		*count = t.a, *oldest = t.b;
	return e;
}

void store_ops_webhooks(struct store_ops *o)
{
	o->webhook_get = webhook_get, o->webhook_insert = webhook_insert, o->webhook_save = webhook_save;
	o->webhook_delete = webhook_delete, o->webhook_all = webhook_all, o->webhook_lease = webhook_lease;
	o->webhook_advance = webhook_advance;
	o->wdelivery_insert = wdelivery_insert, o->wdelivery_get = wdelivery_get, o->wdelivery_next = wdelivery_next;
	o->wdelivery_list = wdelivery_list, o->wdelivery_record = wdelivery_record;
	o->wdelivery_redeliver = wdelivery_redeliver, o->wattempt_list = wattempt_list;
	o->wtest_insert = wtest_insert, o->wtest_get = wtest_get, o->wtest_recent = wtest_recent;
}
