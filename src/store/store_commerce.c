/* store_commerce.c - the operations on what partners sell and through whom, written once
 * above the driver: orders, subscriptions (saved at the version read) and indirect
 * resellers (ending one clears it from the partner's customers). */
#include "driver.h"

static enum pd_err order_insert(struct store *st, const struct pd_order_row *o)
{
	return drv_cmd(st, S_ORDER_INSERT, NULL, "tttitt", o->partner_id, o->customer_id, o->id, o->created,
		       o->billing_cycle, o->currency);
}

static enum pd_err read_order(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	*(struct pd_order_row *)row = (struct pd_order_row){
		.partner_id = drv_s(c, 0, ar), .customer_id = drv_s(c, 1, ar), .id = drv_s(c, 2, ar),
		.billing_cycle = drv_s(c, 3, ar), .currency = drv_s(c, 4, ar), .created = drv_i(c, 5)};
	return PD_OK;
}

static enum pd_err order_get(struct store *st, const char *partner, const char *customer, const char *id,
			     struct pd_order_row *o, struct pd_arena *ar)
{
	return drv_one(st, S_ORDER_GET, read_order, o, ar, "ttt", partner, customer, id);
}

static enum pd_err order_list(struct store *st, const char *partner, const char *customer,
			      const struct pd_after *after, int size, struct pd_order_row **rows, size_t *n,
			      struct pd_arena *ar)
{
	return drv_rows(st, S_ORDER_LIST, sizeof **rows, size + 1, read_order, rows, n, ar, "ttan", partner,
			customer, after, size + 1);
}

/* ---- subscriptions ---- */

static enum pd_err sub_insert(struct store *st, const struct pd_subscription *b)
{
	return drv_cmd(st, S_SUB_INSERT, NULL, "ttttttitztiit", b->partner_id, b->customer_id, b->id, b->order_id,
		       b->offer_id, b->friendly_name, b->quantity, b->status, b->suspended_at, b->etag, b->created,
		       b->updated, b->billing_cycle ? b->billing_cycle : "monthly");
}

static enum pd_err read_sub(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	*(struct pd_subscription *)row = (struct pd_subscription){
		.partner_id = drv_s(c, 0, ar), .customer_id = drv_s(c, 1, ar), .id = drv_s(c, 2, ar),
		.order_id = drv_s(c, 3, ar), .offer_id = drv_s(c, 4, ar), .friendly_name = drv_s(c, 5, ar),
		.quantity = drv_i(c, 6), .status = drv_s(c, 7, ar), .suspended_at = drv_i(c, 8),
		.etag = drv_s(c, 9, ar), .created = drv_i(c, 10), .updated = drv_i(c, 11), .version = drv_i(c, 12),
		.billing_cycle = drv_s(c, 13, ar)};
	return PD_OK;
}

static enum pd_err sub_get(struct store *st, const char *partner, const char *customer, const char *id,
			   struct pd_subscription *b, struct pd_arena *ar)
{
	return drv_one(st, S_SUB_GET, read_sub, b, ar, "ttt", partner, customer, id);
}

static enum pd_err sub_list(struct store *st, const char *partner, const char *customer,
			    const struct pd_after *after, int size, struct pd_subscription **rows, size_t *n,
			    struct pd_arena *ar)
{
	return drv_rows(st, S_SUB_LIST, sizeof **rows, size + 1, read_sub, rows, n, ar, "ttan", partner, customer,
			after, size + 1);
}

static enum pd_err sub_list_order(struct store *st, const char *partner, const char *customer,
				  const char *order_id, const struct pd_after *after, int size,
				  struct pd_subscription **rows, size_t *n, struct pd_arena *ar)
{
	return drv_rows(st, S_SUB_LIST_ORDER, sizeof **rows, size + 1, read_sub, rows, n, ar, "tttan", partner,
			customer, order_id, after, size + 1);
}

static enum pd_err sub_save(struct store *st, struct pd_subscription *b)
{
	return drv_save(st, S_SUB_SAVE, S_SUB_EXISTS, 3, &b->version, "ttttitztii", b->partner_id, b->customer_id,
			b->id, b->friendly_name, b->quantity, b->status, b->suspended_at, b->etag, b->updated,
			b->version);
}

/* ---- indirect resellers ---- */

static enum pd_err read_reseller(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	*(struct pd_reseller *)row = (struct pd_reseller){
		.partner_id = drv_s(c, 0, ar), .id = drv_s(c, 1, ar), .name = drv_s(c, 2, ar),
		.mpn_id = drv_s(c, 3, ar), .location = drv_s(c, 4, ar), .state = drv_s(c, 5, ar),
		.created = drv_i(c, 6), .updated = drv_i(c, 7)};
	return PD_OK;
}

static enum pd_err reseller_insert(struct store *st, const struct pd_reseller *r)
{
	return drv_cmd(st, S_RESELLER_INSERT, NULL, "ttttttii", r->partner_id, r->id, r->name, r->mpn_id,
		       r->location, r->state ? r->state : "active", r->created, r->updated);
}

static enum pd_err reseller_get(struct store *st, const char *partner, const char *id, struct pd_reseller *r,
				struct pd_arena *ar)
{
	return drv_one(st, S_RESELLER_GET, read_reseller, r, ar, "tt", partner, id);
}

static enum pd_err reseller_list(struct store *st, const char *partner, const struct pd_after *after, int size,
				 struct pd_reseller **rows, size_t *n, struct pd_arena *ar)
{
	return drv_rows(st, S_RESELLER_LIST, sizeof **rows, size + 1, read_reseller, rows, n, ar, "tan", partner,
			after, size + 1);
}

static enum pd_err reseller_end(struct store *st, const char *partner, const char *id, long long now,
				struct pd_customer **cleared, size_t *n, struct pd_arena *ar)
{
	enum pd_err e = drv_changed_one(st, S_RESELLER_END, "tti", partner, id, now);
	return e != PD_OK ? e : drv_rows(st, S_RESELLER_RELEASE, sizeof **cleared, -1, drv_read_customer, cleared,
					 n, ar, "tti", partner, id, now);
}

void store_ops_commerce(struct store_ops *o)
{
	o->order_insert = order_insert, o->order_get = order_get, o->order_list = order_list;
	o->sub_insert = sub_insert, o->sub_get = sub_get, o->sub_list = sub_list;
	o->sub_list_order = sub_list_order, o->sub_save = sub_save;
	o->reseller_insert = reseller_insert, o->reseller_get = reseller_get;
	o->reseller_list = reseller_list, o->reseller_end = reseller_end;
}
