/* orders.h - line items of an order, shared by POST /v1/customers/{id}/orders and the
 * lineItems of POST /v1/customers (a customer with its first subscriptions in one step). */
#ifndef PD_ORDERS_H
#define PD_ORDERS_H
#include "api.h"
#include "catalog.h"

struct pd_line {
	const struct pd_offer *offer;   /* NULL for a subscription whose offer left the catalog */
	const char *offer_id;
	long long quantity;
	const char *friendly_name;
	const char *field;      /* "lineItems[2]" for errors */
	char sub_id[37];
};

struct pd_order {
	char id[37];
	long long created;
	const char *billing_cycle; /* "monthly" unless the order says otherwise */
	const char *currency;      /* ISO 4217, from the customer's country */
	struct pd_line *lines;
	size_t n;
	struct pd_subscription *subs; /* made by pd_order_write */
	struct pd_verrs errs;         /* add-on errors found while writing */
};

/* Checks the lineItems array against the catalog and the customer's country, and that
 * every offer can be billed in o->billing_cycle (NULL: "monthly"); errors name the line
 * ("lineItems[1].quantity").  Fills o (arena). */
void pd_order_parse(struct pd_req *r, json_t *items, const char *country, struct pd_order *o,
		    struct pd_verrs *errs);

/* Writer phase: checks add-ons against the customer's active subscriptions and this order,
 * then inserts the order and one subscription per line.  PD_EINVAL with o->errs filled when
 * an add-on lacks its base; nothing is written then. */
enum pd_err pd_order_write(struct pd_req *r, struct store *st, const char *customer,
			   struct pd_order *o);

/* Rebuilds order `id` of a customer from its row and its subscriptions (GET, a replay). */
enum pd_err pd_order_load(struct pd_req *r, struct store *st, const char *customer, const char *id,
			  struct pd_order *o);

/* Every subscription of a customer (the writer's checks: add-on bases, cascades, an order
 * replayed, a relationship ended), read page by page in creation order into the arena. */
enum pd_err pd_subscriptions_all(struct pd_req *r, struct store *st, const char *customer,
				 struct pd_subscription **subs, size_t *n);

/* The order as Partner Center shapes it (new reference). */
json_t *pd_order_json(struct pd_req *r, const char *customer, const struct pd_order *o);
json_t *pd_subscription_json(struct pd_req *r, const struct pd_subscription *s);

/* The currency partnerd bills a customer of `country` in (ISO 4217). */
const char *pd_currency_of(const char *country);

#endif
