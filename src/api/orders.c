/* orders.c - orders and subscriptions: POST /v1/customers/{id}/orders (all line items or
 * none), GET .../orders[/{orderId}] (paged), GET .../subscriptions[/{subId}] (paged, by
 * order with ?order_id=, the whole list as CSV with ?$format=csv), .../provisioningstatus,
 * PATCH .../subscriptions/{subId} (quantity within the offer's bounds, suspend, reactivate;
 * etag-checked).  A suspended subscription keeps its data for 60 days, then counts as deleted
 * (deprovisioned).  Bodies: a field partnerd would not act on is a 400 naming it. */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "activity.h"
#include "feed.h"
#include "ids.h"
#include "orders.h"
#include "text.h"

#define KEEP_SUSPENDED (60LL * 86400)
#define MAX_LINES 100

static bool deprovisioned(const struct pd_subscription *s, long long now)
{
	return !strcmp(s->status, "suspended") && now >= s->suspended_at + KEEP_SUSPENDED;
}

json_t *pd_subscription_json(struct pd_req *r, const struct pd_subscription *s)
{
	const struct pd_offer *o = pd_catalog_find(r->cfg->catalog, s->offer_id);
	bool gone = deprovisioned(s, r->now);
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:b, s:s}",
			      "id", s->id, "offerId", s->offer_id, "offerName", o ? o->name[r->loc] : s->offer_id,
			      "friendlyName", s->friendly_name, "quantity", (json_int_t)s->quantity,
			      "unitType", o ? o->unit_type : "Licenses", "creationDate", pd_iso_time(s->created, r->ar),
			      "effectiveStartDate", pd_iso_time(s->created, r->ar),
			      "commitmentEndDate", pd_iso_time(s->created + 365LL * 86400, r->ar),
			      "status", gone ? "deleted" : s->status, "autoRenewEnabled", !gone && !strcmp(s->status, "active"),
			      "billingType", o ? o->billing : "license", "isTrial", 0, "orderId", s->order_id);
	if (!strcmp(s->status, "suspended")) {
		json_object_set_new(j, "suspensionReasons", json_pack("[s]", "customer_request"));
		json_object_set_new(j, "suspendedDate", json_string(pd_iso_time(s->suspended_at, r->ar)));
		json_object_set_new(j, "deprovisionDate", json_string(pd_iso_time(s->suspended_at + KEEP_SUSPENDED, r->ar)));
	}
	json_object_set_new(j, "billingCycle", json_string(s->billing_cycle ? s->billing_cycle : "monthly"));
	json_object_set_new(j, "termDuration", json_string(o ? o->term : "P1Y"));
	json_object_set_new(j, "entitlementId", json_string(s->id)); /* one entitlement per subscription */
	json_object_set_new(j, "contractType", json_string("subscription"));
	const char *self = pd_printf(r->ar, "/customers/%s/subscriptions/%s", s->customer_id, s->id);
	json_t *links = json_pack("{s:o, s:o}", "self", pd_link(self, "GET"), "provisioningStatus",
				  pd_link(pd_printf(r->ar, "%s/provisioningstatus", self), "GET"));
	if (o) /* the offer as sold in one of its countries */
		json_object_set_new(links, "offer", pd_link(pd_printf(r->ar, "/offers/%s?country=%s", o->id,
			json_string_value(json_array_get(o->countries, 0))), "GET"));
	json_object_set_new(j, "links", links);
	json_object_set_new(j, "attributes", json_pack("{s:s, s:s}", "etag", s->etag, "objectType", "Subscription"));
	return j;
}

const char *pd_currency_of(const char *country)
{
	static const char *const map[][2] = {{"CN", "CNY"}, {"US", "USD"}, {"DE", "EUR"}, {"FR", "EUR"},
					     {"GB", "GBP"}, {"JP", "JPY"}, {"SG", "SGD"}, {"HK", "HKD"}};
	for (size_t i = 0; country && i < sizeof map / sizeof map[0]; i++)
		if (!strcasecmp(country, map[i][0]))
			return map[i][1];
	return "USD";
}

/* ---- every subscription (the writer's checks need them all) ---- */

enum pd_err pd_subscriptions_all(struct pd_req *r, struct store *st, const char *customer,
				 struct pd_subscription **subs, size_t *n)
{
	struct pd_subscription *page;
	struct pd_after after = {0};
	size_t got, cap = 0;
	enum pd_err e;
	*subs = NULL;
	*n = 0;
	while ((e = store_sub_list(st, r->who.partner_id, customer, *n ? &after : NULL, PD_PAGE_MAX,
				      &page, &got, r->ar)) == PD_OK) {
		size_t keep = got > PD_PAGE_MAX ? PD_PAGE_MAX : got;
		if (!*n && got <= PD_PAGE_MAX) { /* one page: the common case */
			*subs = page, *n = got;
			break;
		}
		if (*n + keep > cap) {
			struct pd_subscription *bigger = pd_alloc(r->ar, sizeof *bigger * (cap = 2 * (*n + keep)));
			if (*n)
				memcpy(bigger, *subs, sizeof *bigger * *n);
			*subs = bigger;
		}
		memcpy(*subs + *n, page, sizeof *page * keep);
		*n += keep;
		if (got <= PD_PAGE_MAX)
			break;
		after = (struct pd_after){.created = page[keep - 1].created, .id = page[keep - 1].id};
	}
	return e;
}

/* ---- line items ---- */

static bool quantity_of(json_t *q, long long *out)
{
	if (json_is_integer(q)) {
		*out = json_integer_value(q);
		return true;
	}
	return false;
}

/* A line item: what partnerd acts on, and its read-only `links` (a client may send back
 * the order it read). */
static const char *const line_fields[] = {"lineItemNumber", "offerId", "quantity", "friendlyName", "links",
					  "attributes", NULL};

static void parse_line(struct pd_req *r, json_t *it, const char *country, struct pd_line *l, size_t i,
		       struct pd_verrs *errs)
{
	json_t *offer = pd_json_get(it, "offerId"), *qty = pd_json_get(it, "quantity");
	json_t *fname = pd_json_get(it, "friendlyName"), *num = pd_json_get(it, "lineItemNumber");
	const char *f = l->field;
	if (!json_is_object(it)) {
		pd_verr_add(errs, 3000, f, PD_MSG_BAD_TYPE, "an object");
		return;
	}
	pd_api_known_fields(r, it, f, line_fields, errs);
	if (num && (!json_is_integer(num) || json_integer_value(num) != (json_int_t)i)) /* 800071 */
		pd_verr_add(errs, 800071, pd_printf(r->ar, "%s.lineItemNumber", f), PD_MSG_BAD_ENUM,
			    pd_printf(r->ar, "%zu", i));
	l->offer = json_is_string(offer) ? pd_catalog_find(r->cfg->catalog, json_string_value(offer)) : NULL;
	if (!l->offer) /* 800004: invalid offer id */
		pd_verr_add(errs, offer ? 800004 : 3000, pd_printf(r->ar, "%s.offerId", f), offer ? PD_MSG_OFFER_UNKNOWN : PD_MSG_REQUIRED,
			    json_is_string(offer) ? pd_strdup(r->ar, json_string_value(offer)) : "(not a string)");
	else if (!pd_offer_in_country(l->offer, country)) /* 800070: not available in the country */
		pd_verr_add(errs, 800070, pd_printf(r->ar, "%s.offerId", f), PD_MSG_OFFER_COUNTRY, country);
	else if (!l->offer->available) /* 2091: no longer available for purchase */
		pd_verr_add(errs, 2091, pd_printf(r->ar, "%s.offerId", f), PD_MSG_OFFER_UNKNOWN, l->offer->id);
	if (!quantity_of(qty, &l->quantity) || (l->offer && (l->quantity < l->offer->min || l->quantity > l->offer->max)))
		pd_verr_add(errs, 3000, pd_printf(r->ar, "%s.quantity", f), qty ? PD_MSG_QUANTITY : PD_MSG_REQUIRED,
			    pd_range_text(r, l->offer ? l->offer->min : 1, l->offer ? l->offer->max : 1000000));
	long flen = json_is_string(fname) ? pd_utf8_len(json_string_value(fname)) : -1;
	if (fname && !json_is_string(fname))
		pd_verr_add(errs, 3000, pd_printf(r->ar, "%s.friendlyName", f), PD_MSG_BAD_TYPE, "a string");
	else if (fname && flen > 128)
		pd_verr_add(errs, 3000, pd_printf(r->ar, "%s.friendlyName", f), PD_MSG_TOO_LONG, "128");
	else if (fname && pd_text_bidi(json_string_value(fname)))
		pd_text_check_bidi(errs, pd_printf(r->ar, "%s.friendlyName", f), json_string_value(fname));
	else if (fname && strspn(json_string_value(fname), " \t") < json_string_length(fname))
		l->friendly_name = pd_strdup(r->ar, json_string_value(fname)); /* blank: the offer's name */
	if (!l->friendly_name && l->offer)
		l->friendly_name = l->offer->name[r->loc];
}

static const char *cycles_text(struct pd_req *r, const struct pd_offer *o)
{
	const char *out = "";
	size_t i;
	json_t *v;
	json_array_foreach(o->billing_cycles, i, v) {
		out = pd_printf(r->ar, "%s%s%s", out, i ? ", " : "", json_string_value(v));
	}
	return out;
}

void pd_order_parse(struct pd_req *r, json_t *items, const char *country, struct pd_order *o,
		    struct pd_verrs *errs)
{
	size_t n = json_array_size(items);
	if (!json_is_array(items) || n == 0 || n > MAX_LINES) {
		pd_verr_add(errs, 3000, "lineItems", items ? PD_MSG_BAD_TYPE : PD_MSG_REQUIRED, "an array of 1-100 line items");
		return;
	}
	o->lines = pd_alloc(r->ar, sizeof *o->lines * n);
	o->n = n;
	if (!o->billing_cycle)
		o->billing_cycle = "monthly";
	o->currency = pd_currency_of(country);
	for (size_t i = 0; i < n; i++) {
		o->lines[i].field = pd_printf(r->ar, "lineItems[%zu]", i);
		parse_line(r, json_array_get(items, i), country, &o->lines[i], i, errs);
		pd_uuid_new(o->lines[i].sub_id);
		if (o->lines[i].offer && !pd_offer_has_cycle(o->lines[i].offer, o->billing_cycle))
			pd_verr_add(errs, 3000, "billingCycle", PD_MSG_BAD_ENUM,
				    cycles_text(r, o->lines[i].offer));
	}
	pd_uuid_new(o->id);
	o->created = r->now;
}

/* ---- writing an order ---- */

static bool base_present(const struct pd_offer *addon, const struct pd_subscription *subs, size_t ns,
			 const struct pd_order *o, long long now)
{
	for (size_t i = 0; i < ns; i++)
		if (!strcmp(subs[i].status, "active") && !deprovisioned(&subs[i], now) &&
		    pd_offer_requires(addon, subs[i].offer_id))
			return true;
	for (size_t i = 0; i < o->n; i++)
		if (!o->lines[i].offer->is_addon && pd_offer_requires(addon, o->lines[i].offer->id))
			return true;
	return false;
}

static const char *prerequisites_text(struct pd_req *r, const struct pd_offer *o)
{
	const char *out = "";
	size_t i;
	json_t *v;
	json_array_foreach(o->prerequisites, i, v) {
		out = pd_printf(r->ar, "%s%s%s", out, i ? ", " : "", json_string_value(v));
	}
	return out;
}

static enum pd_err check_addons(struct pd_req *r, struct store *st, const char *customer, struct pd_order *o)
{
	struct pd_subscription *subs;
	size_t ns;
	enum pd_err e = pd_subscriptions_all(r, st, customer, &subs, &ns);
	for (size_t i = 0; e == PD_OK && i < o->n; i++)
		if (o->lines[i].offer->is_addon && !base_present(o->lines[i].offer, subs, ns, o, r->now))
			pd_verr_add(&o->errs, 3000, pd_printf(r->ar, "%s.offerId", o->lines[i].field), PD_MSG_ADDON_BASE,
				    prerequisites_text(r, o->lines[i].offer));
	return e == PD_OK && o->errs.n ? PD_EINVAL : e;
}

enum pd_err pd_order_write(struct pd_req *r, struct store *st, const char *customer, struct pd_order *o)
{
	enum pd_err e = check_addons(r, st, customer, o);
	struct pd_order_row row = {.partner_id = r->who.partner_id, .customer_id = customer, .id = o->id,
				   .billing_cycle = o->billing_cycle, .currency = o->currency, .created = o->created};
	if (e == PD_OK)
		e = store_order_insert(st, &row);
	o->subs = pd_alloc(r->ar, sizeof *o->subs * o->n);
	for (size_t i = 0; e == PD_OK && i < o->n; i++) {
		char *etag = pd_alloc(r->ar, PD_ETAG_LEN + 1);
		pd_etag_new(etag);
		o->subs[i] = (struct pd_subscription){
			.partner_id = r->who.partner_id, .customer_id = customer, .id = o->lines[i].sub_id,
			.order_id = o->id, .offer_id = o->lines[i].offer->id,
			.friendly_name = o->lines[i].friendly_name, .status = "active", .etag = etag,
			.billing_cycle = o->billing_cycle, .quantity = o->lines[i].quantity, .created = r->now,
			.updated = r->now};
		e = store_sub_insert(st, &o->subs[i]);
	}
	return e;
}

/* Every subscription of one order, page by page. */
static enum pd_err order_subs(struct pd_req *r, struct store *st, const char *customer, const char *id,
			      struct pd_subscription **subs, size_t *n)
{
	struct pd_subscription *page;
	struct pd_after after = {0};
	size_t got, cap = 0;
	enum pd_err e;
	*subs = NULL;
	*n = 0;
	while ((e = store_sub_list_order(st, r->who.partner_id, customer, id, *n ? &after : NULL, PD_PAGE_MAX,
					    &page, &got, r->ar)) == PD_OK) {
		size_t keep = got > PD_PAGE_MAX ? PD_PAGE_MAX : got;
		if (*n + keep > cap) {
			struct pd_subscription *bigger = pd_alloc(r->ar, sizeof *bigger * (cap = 2 * (*n + keep) + 1));
			if (*n)
				memcpy(bigger, *subs, sizeof *bigger * *n);
			*subs = bigger;
		}
		memcpy(*subs + *n, page, sizeof *page * keep);
		*n += keep;
		if (got <= PD_PAGE_MAX)
			break;
		after = (struct pd_after){.created = page[keep - 1].created, .id = page[keep - 1].id};
	}
	return e;
}

/* The order from its row and its subscriptions (country: the customer's, for an order kept
 * before its currency was). */
static enum pd_err order_from_row(struct pd_req *r, struct store *st, const struct pd_order_row *row,
				  const char *country, struct pd_order *o)
{
	struct pd_subscription *subs;
	size_t n;
	enum pd_err e = order_subs(r, st, row->customer_id, row->id, &subs, &n);
	if (e != PD_OK)
		return e;
	memset(o, 0, sizeof *o);
	snprintf(o->id, sizeof o->id, "%s", row->id);
	o->created = row->created;
	o->billing_cycle = row->billing_cycle;
	o->currency = row->currency && *row->currency ? row->currency : pd_currency_of(country);
	o->lines = pd_alloc(r->ar, sizeof *o->lines * (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		const struct pd_offer *of = pd_catalog_find(r->cfg->catalog, subs[i].offer_id);
		struct pd_line *l = &o->lines[o->n++];
		*l = (struct pd_line){.offer = of, .offer_id = subs[i].offer_id, .quantity = subs[i].quantity,
				      .friendly_name = subs[i].friendly_name};
		snprintf(l->sub_id, sizeof l->sub_id, "%s", subs[i].id);
	}
	return PD_OK;
}

enum pd_err pd_order_load(struct pd_req *r, struct store *st, const char *customer, const char *id,
			  struct pd_order *o)
{
	struct pd_order_row row;
	struct pd_customer c;
	enum pd_err e = store_order_get(st, r->who.partner_id, customer, id, &row, r->ar);
	if (e == PD_OK)
		e = store_customer_get(st, r->who.partner_id, customer, &c, r->ar);
	return e == PD_OK ? order_from_row(r, st, &row, c.billing.addr.country, o) : e;
}

json_t *pd_order_json(struct pd_req *r, const char *customer, const struct pd_order *o)
{
	json_t *items = json_array();
	for (size_t i = 0; i < o->n; i++) {
		const struct pd_line *l = &o->lines[i];
		const char *sub = pd_printf(r->ar, "/customers/%s/subscriptions/%s", customer, l->sub_id);
		json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:I, s:s, s:{s:o, s:o}}", "lineItemNumber",
			(json_int_t)i, "offerId", l->offer ? l->offer->id : l->offer_id, "subscriptionId", l->sub_id,
			"quantity", (json_int_t)l->quantity, "friendlyName", l->friendly_name, "links",
			"subscription", pd_link(sub, "GET"),
			"provisioningStatus", pd_link(pd_printf(r->ar, "%s/provisioningstatus", sub), "GET")));
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:{s:o}, s:{s:s}}", "id", o->id, "referenceCustomerId",
			 customer, "billingCycle", o->billing_cycle ? o->billing_cycle : "monthly", "currencyCode",
			 o->currency ? o->currency : "USD", "lineItems", items, "creationDate", pd_iso_time(o->created, r->ar),
			 "status", "completed", "links", "self",
			 pd_link(pd_printf(r->ar, "/customers/%s/orders/%s", customer, o->id), "GET"),
			 "attributes", "objectType", "Order");
}

/* ---- POST /v1/customers/{id}/orders ---- */

struct order_job {
	const char *customer;
	struct pd_customer c;
	struct pd_order o;
	bool no_relationship;
};

/* The order's own fields: billingCycle (one of its offers' supportedBillingCycles),
 * currencyCode and referenceCustomerId only as partnerd would set them (they are read-only). */
static void decode_order_body(struct pd_req *r, struct order_job *k, struct pd_verrs *errs)
{
	static const char *const fields[] = {"billingCycle", "currencyCode", "lineItems", "referenceCustomerId",
					     "attributes", NULL};
	json_t *bc = pd_json_get(r->json, "billingCycle"), *cur = pd_json_get(r->json, "currencyCode");
	json_t *ref = pd_json_get(r->json, "referenceCustomerId");
	pd_api_known_fields(r, r->json, NULL, fields, errs);
	pd_api_attributes(r, r->json, "Order", false, errs);
	if (bc && !json_is_string(bc))
		pd_verr_add(errs, 3000, "billingCycle", PD_MSG_BAD_TYPE, "a string");
	else if (bc) { /* Partner Center's names, in any case ("Monthly", "one_time") */
		char *v = pd_strdup(r->ar, json_string_value(bc));
		for (char *p = v; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		k->o.billing_cycle = v;
	}
	const char *currency = pd_currency_of(k->c.billing.addr.country);
	if (cur && (!json_is_string(cur) || strcasecmp(json_string_value(cur), currency)))
		pd_verr_add(errs, 3000, "currencyCode", PD_MSG_READ_ONLY, NULL);
	if (ref && (!json_is_string(ref) || strcasecmp(json_string_value(ref), k->customer)))
		pd_verr_add(errs, 3000, "referenceCustomerId", PD_MSG_READ_ONLY, NULL);
}

enum pd_next pd_orders_create(struct pd_req *r)
{
	struct order_job *k = pd_alloc(r->ar, sizeof *k);
	struct pd_verrs errs = {0};
	if (!(k->customer = pd_api_customer_id(r)))
		return PD_REPLY;
	enum pd_err e = store_customer_get(r->st, r->who.partner_id, k->customer, &k->c, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_CUSTOMER, k->customer);
	if (strcmp(k->c.relationship, "reseller") != 0) {
		pd_reply_error(r, PD_ECONFLICT, PD_MSG_NO_RELATIONSHIP, "customerId", NULL);
		return PD_REPLY;
	}
	decode_order_body(r, k, &errs);
	if (!errs.n)
		pd_order_parse(r, pd_json_get(r->json, "lineItems"), k->c.billing.addr.country, &k->o, &errs);
	if (errs.n) {
		pd_reply_verrs(r, &errs);
		return PD_REPLY;
	}
	r->state = k;
	return PD_WRITE;
}

/* The customer as the writer finds it, against what prepare read before the writer's
 * transaction: still this partner's reseller, still in the country the offers were checked
 * for (a billing update may have moved it meanwhile: PD_ECHANGED). */
static enum pd_err recheck_customer(struct pd_req *r, struct store *st, struct order_job *k)
{
	struct pd_customer now;
	enum pd_err e = store_customer_get(st, r->who.partner_id, k->customer, &now, r->ar);
	if (e == PD_OK && strcmp(now.relationship, "reseller") != 0)
		e = (k->no_relationship = true, PD_ECONFLICT);
	else if (e == PD_OK && strcmp(now.billing.addr.country, k->c.billing.addr.country) != 0)
		e = PD_ECHANGED;
	if (e == PD_OK)
		k->c = now;
	return e;
}

enum pd_err pd_orders_create_write(struct pd_req *r, struct store *st)
{
	struct order_job *k = r->state;
	struct pd_audit a;
	enum pd_err e = recheck_customer(r, st, k);
	if (e == PD_OK)
		e = pd_order_write(r, st, k->customer, &k->o);
	if (e != PD_OK)
		return e;
	json_t *summary = pd_order_json(r, k->customer, &k->o);
	pd_activity_fill(r, &a, "create_order", "order", "succeeded", NULL, summary);
	json_decref(summary);
	a.resource_id = k->o.id;
	a.customer_id = k->customer;
	a.customer_name = k->c.billing.company_name;
	e = pd_activity_write(r, st, &a);
	return e == PD_OK ? pd_event_order(r, st, k->customer, &k->o, a.id) : e;
}

void pd_orders_create_finish(struct pd_req *r, enum pd_err e)
{
	struct order_job *k = r->state;
	if (e == PD_EINVAL && k->o.errs.n)
		pd_reply_verrs(r, &k->o.errs);
	else if (e == PD_ECONFLICT && k->no_relationship)
		pd_reply_error(r, e, PD_MSG_NO_RELATIONSHIP, "customerId", NULL);
	else if (e == PD_ECHANGED || e == PD_ENOTFOUND)
		pd_api_store_error(r, e, PD_NOUN_CUSTOMER, k->customer);
	else if (e != PD_OK)
		pd_api_store_error(r, e, PD_NOUN_ORDER, NULL);
	else
		pd_reply_json(r, 201, pd_order_json(r, k->customer, &k->o));
}

/* ---- subscriptions ---- */

/* ---- GET .../orders ---- */

/* A page of the customer's orders in creation order (pages.c). */
enum pd_next pd_orders_list(struct pd_req *r)
{
	const char *customer = pd_api_customer_id(r);
	struct pd_page p;
	struct pd_customer c;
	struct pd_order_row *rows;
	size_t n;
	if (!customer || !pd_api_page(r, "orders", customer, &p))
		return PD_REPLY;
	enum pd_err e = store_customer_get(r->st, r->who.partner_id, customer, &c, r->ar);
	if (e == PD_OK)
		e = store_order_list(r->st, r->who.partner_id, customer, p.has_after ? &p.after : NULL,
					   p.size, &rows, &n, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_CUSTOMER, customer);
	const char *next = NULL;
	if (n > (size_t)p.size) {
		n = (size_t)p.size;
		next = pd_api_page_token(r, "orders", customer, rows[n - 1].created, rows[n - 1].id);
	}
	json_t *items = json_array();
	for (size_t i = 0; e == PD_OK && i < n; i++) {
		struct pd_order o;
		if ((e = order_from_row(r, r->st, &rows[i], c.billing.addr.country, &o)) == PD_OK)
			json_array_append_new(items, pd_order_json(r, customer, &o));
	}
	if (e != PD_OK) {
		json_decref(items);
		return pd_api_store_error(r, e, PD_NOUN_ORDER, NULL);
	}
	pd_reply_json(r, 200, pd_collection(r, items, pd_api_self_uri(r, pd_printf(r->ar, "/customers/%s/orders", customer),
								      p.size, NULL), next));
	return PD_REPLY;
}

enum pd_next pd_orders_get(struct pd_req *r)
{
	const char *customer = pd_api_customer_id(r), *id = customer ? pd_api_uuid_param(r, 1, "orderId") : NULL;
	struct pd_customer c;
	struct pd_order_row row;
	struct pd_order o;
	if (!id)
		return PD_REPLY;
	enum pd_err e = store_customer_get(r->st, r->who.partner_id, customer, &c, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_CUSTOMER, customer);
	e = store_order_get(r->st, r->who.partner_id, customer, id, &row, r->ar);
	if (e == PD_OK)
		e = order_from_row(r, r->st, &row, c.billing.addr.country, &o);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_ORDER, id);
	pd_reply_json(r, 200, pd_order_json(r, customer, &o));
	return PD_REPLY;
}

/* ---- subscriptions ---- */

/* The list's query: an order to list by (?order_id=, which must be the customer's) and the
 * format (?$format=json, the default, or csv: every subscription, no paging). */
struct sub_query {
	const char *order_id;
	bool csv;
};

static bool sub_query(struct pd_req *r, const char *customer, struct sub_query *q)
{
	const char *order = pd_req_query(r, "order_id"), *fmt = pd_req_query(r, "$format");
	struct pd_order_row row;
	*q = (struct sub_query){0};
	if (fmt && strcasecmp(fmt, "json") && strcasecmp(fmt, "csv"))
		return pd_api_bad(r, 3000, "$format", PD_MSG_BAD_ENUM, "json, csv"), false;
	q->csv = fmt && !strcasecmp(fmt, "csv");
	if (q->csv && (pd_req_query(r, "size") || pd_req_query(r, "seekOperation") ||
		       pd_req_query(r, "continuationToken") || pd_req_header(r, "MS-ContinuationToken")))
		return pd_api_bad(r, 3000, "size", PD_MSG_NOT_ACCEPTED, NULL), false; /* an export is never paged */
	if (!order)
		return true;
	char *id = pd_alloc(r->ar, PD_UUID_LEN + 1);
	if (!pd_uuid_parse(order, id))
		return pd_api_bad(r, 3000, "order_id", PD_MSG_BAD_UUID, NULL), false;
	enum pd_err e = store_order_get(r->st, r->who.partner_id, customer, id, &row, r->ar);
	if (e == PD_ENOTFOUND)
		pd_reply_error(r, e, PD_MSG_ORDER_NOT_FOUND, "order_id", id);
	else if (e != PD_OK)
		pd_api_store_error(r, e, PD_NOUN_ORDER, id);
	q->order_id = id;
	return e == PD_OK;
}

/* One CSV cell by partnerd's rule for spreadsheets (OWASP's, as web/customers.js csvCell and
 * src/cli/csv.c write them): a cell that a spreadsheet would take for a formula (= + - @ TAB
 * or CR first, after any quotes of its own) is quoted with a ' in front; others are quoted
 * only when they hold a quote, comma or line break. */
static void csv_cell(struct pd_buf *b, const char *s, bool last)
{
	const char *p = s ? s : "";
	bool formula = *(p + strspn(p, "'")) && strchr("=+-@\t\r", *(p + strspn(p, "'")));
	bool quote = formula || strpbrk(p, "\",\r\n");
	if (quote)
		pd_buf_lit(b, formula ? "\"'" : "\"");
	for (; *p; p++) {
		if (*p == '"')
			pd_buf_lit(b, "\"");
		pd_buf_add(b, p, 1);
	}
	if (quote)
		pd_buf_lit(b, "\"");
	pd_buf_lit(b, last ? "\r\n" : ",");
}

/* Every subscription (of the order, with order_id) as CSV: id, offer name, quantity,
 * status, reseller (the partner that sells it: this one). */
static enum pd_next reply_csv(struct pd_req *r, const char *customer, const struct sub_query *q)
{
	static const char *const cols[] = {"subscriptionId", "offerName", "quantity", "status", "reseller"};
	struct pd_subscription *subs;
	struct pd_partner partner;
	size_t n;
	enum pd_err e = store_partner_get(r->st, r->who.partner_id, &partner, r->ar);
	if (e == PD_OK)
		e = q->order_id ? order_subs(r, r->st, customer, q->order_id, &subs, &n)
				: pd_subscriptions_all(r, r->st, customer, &subs, &n);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_CUSTOMER, customer);
	struct pd_buf b;
	pd_buf_init(&b, 256 + n * 128);
	pd_buf_lit(&b, "\xEF\xBB\xBF"); /* a byte order mark: spreadsheets then read UTF-8 */
	for (size_t i = 0; i < 5; i++)
		csv_cell(&b, cols[i], i == 4);
	for (size_t i = 0; i < n; i++) {
		json_t *j = pd_subscription_json(r, &subs[i]);
		csv_cell(&b, subs[i].id, false);
		csv_cell(&b, json_string_value(json_object_get(j, "offerName")), false);
		csv_cell(&b, pd_printf(r->ar, "%lld", subs[i].quantity), false);
		csv_cell(&b, json_string_value(json_object_get(j, "status")), false);
		csv_cell(&b, partner.name, true);
		json_decref(j);
	}
	size_t len = b.len;
	const char *body = pd_strndup(r->ar, b.p, len); /* the reply outlives the buffer */
	pd_buf_free(&b);
	pd_reply_raw(r, 200, "text/csv; charset=utf-8", body, len);
	pd_reply_header(r, "Content-Disposition", pd_printf(r->ar, "attachment; filename=\"subscriptions-%s.csv\"", customer));
	return PD_REPLY;
}

/* A page of the customer's subscriptions (of one order, with ?order_id=) in creation order
 * (pages.c), or all of them as CSV. */
enum pd_next pd_subscriptions_list(struct pd_req *r)
{
	const char *customer = pd_api_customer_id(r);
	struct pd_page p;
	struct pd_customer c;
	struct pd_subscription *subs;
	struct sub_query q;
	size_t n;
	if (!customer)
		return PD_REPLY;
	enum pd_err e = store_customer_get(r->st, r->who.partner_id, customer, &c, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_CUSTOMER, customer);
	if (!sub_query(r, customer, &q))
		return PD_REPLY;
	if (q.csv)
		return reply_csv(r, customer, &q);
	const char *scope = q.order_id ? pd_printf(r->ar, "%s/%s", customer, q.order_id) : customer;
	if (!pd_api_page(r, "subscriptions", scope, &p))
		return PD_REPLY;
	const struct pd_after *after = p.has_after ? &p.after : NULL;
	e = q.order_id ? store_sub_list_order(r->st, r->who.partner_id, customer, q.order_id, after, p.size,
						    &subs, &n, r->ar)
		       : store_sub_list(r->st, r->who.partner_id, customer, after, p.size, &subs, &n, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_CUSTOMER, customer);
	const char *next = NULL;
	if (n > (size_t)p.size) {
		n = (size_t)p.size;
		next = pd_api_page_token(r, "subscriptions", scope, subs[n - 1].created, subs[n - 1].id);
	}
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, pd_subscription_json(r, &subs[i]));
	const char *const selecting[] = {"order_id", q.order_id, NULL};
	const char *self = pd_api_self_uri(r, pd_printf(r->ar, "/customers/%s/subscriptions", customer), p.size, selecting);
	pd_reply_json(r, 200, pd_collection(r, items, self, next));
	return PD_REPLY;
}

/* The subscription the path names ({id}/subscriptions/{subscriptionId}), read into *s; false
 * after an error reply (bad id, not found, store error). */
static bool path_subscription(struct pd_req *r, const char **customer, const char **id, struct pd_subscription *s)
{
	*customer = pd_api_customer_id(r);
	*id = *customer ? pd_api_uuid_param(r, 1, "subscriptionId") : NULL;
	if (!*id)
		return false;
	enum pd_err e = store_sub_get(r->st, r->who.partner_id, *customer, *id, s, r->ar);
	if (e != PD_OK)
		pd_api_store_error(r, e, PD_NOUN_SUBSCRIPTION, *id);
	return e == PD_OK;
}

/* Partner Center's SubscriptionProvisioningStatus: partnerd provisions when it orders. */
enum pd_next pd_subscriptions_provisioning(struct pd_req *r)
{
	const char *customer, *id;
	struct pd_subscription s;
	if (!path_subscription(r, &customer, &id, &s))
		return PD_REPLY;
	const char *self = pd_printf(r->ar, "/customers/%s/subscriptions/%s/provisioningstatus", customer, id);
	pd_reply_json(r, 200, json_pack("{s:s, s:s, s:I, s:s, s:{s:o}, s:{s:s}}", "skuId", s.offer_id,
					"status", "success", "quantity", (json_int_t)s.quantity, "endDate",
					pd_iso_time(s.created + 365LL * 86400, r->ar), "links", "self", pd_link(self, "GET"),
					"attributes", "objectType", "SubscriptionProvisioningStatus"));
	return PD_REPLY;
}

enum pd_next pd_subscriptions_get(struct pd_req *r)
{
	const char *customer, *id;
	struct pd_subscription s;
	if (!path_subscription(r, &customer, &id, &s))
		return PD_REPLY;
	pd_reply_json(r, 200, pd_subscription_json(r, &s));
	pd_reply_header(r, "ETag", pd_printf(r->ar, "\"%s\"", s.etag));
	return PD_REPLY;
}

struct sub_patch {
	const char *customer, *id, *etag, *status, *friendly_name;
	const char *if_match; /* the header, when given: RFC 9110 13.1.1 */
	const char *offer_id, *order_id, *billing_cycle; /* read-only: as given, to compare */
	int auto_renew;          /* autoRenewEnabled as given: -1 none, else 0/1 (read-only) */
	bool has_quantity, suspended_conflict, deleted_conflict, no_relationship, no_base;
	long long quantity;
	struct pd_subscription before, after;
	struct pd_verrs errs;
	char new_etag[PD_ETAG_LEN + 1];
};

/* A PATCH carries the whole subscription as read (Partner Center's docs): what partnerd
 * changes (quantity, status, friendlyName), what must stay as it is (checked: id, offerId,
 * orderId, billingCycle, autoRenewEnabled) and what only describes it (ignored: dates, names,
 * units, links, ...).  Anything else is refused. */
static const char *const sub_fields[] = {
	"quantity", "status", "friendlyName", "attributes", "id", "offerId", "orderId", "billingCycle",
	"autoRenewEnabled", "offerName", "unitType", "creationDate", "effectiveStartDate", "commitmentEndDate",
	"billingType", "contractType", "links", "suspensionReasons", "suspendedDate", "deprovisionDate",
	"termDuration", "entitlementId", "isTrial", NULL};

static const char *opt_text(struct pd_req *r, const char *name, struct pd_verrs *errs)
{
	json_t *v = pd_json_get(r->json, name);
	if (v && !json_is_string(v))
		pd_verr_add(errs, 3000, name, PD_MSG_BAD_TYPE, "a string");
	return json_is_string(v) ? pd_strdup(r->ar, json_string_value(v)) : NULL;
}

static void decode_read_only(struct pd_req *r, struct sub_patch *k, struct pd_verrs *errs)
{
	json_t *ar = pd_json_get(r->json, "autoRenewEnabled");
	const char *id = opt_text(r, "id", errs);
	pd_api_known_fields(r, r->json, NULL, sub_fields, errs);
	pd_api_attributes(r, r->json, "Subscription", true, errs);
	if (id && strcasecmp(id, k->id))
		pd_verr_add(errs, 3000, "id", PD_MSG_READ_ONLY, NULL);
	k->offer_id = opt_text(r, "offerId", errs);
	k->order_id = opt_text(r, "orderId", errs);
	k->billing_cycle = opt_text(r, "billingCycle", errs);
	k->auto_renew = ar ? json_is_true(ar) : -1;
	if (ar && !json_is_boolean(ar))
		pd_verr_add(errs, 3000, "autoRenewEnabled", PD_MSG_BAD_TYPE, "a boolean");
}

static void decode_sub_patch(struct pd_req *r, struct sub_patch *k, struct pd_verrs *errs)
{
	json_t *q = pd_json_get(r->json, "quantity"), *st = pd_json_get(r->json, "status");
	json_t *fn = pd_json_get(r->json, "friendlyName"), *attrs = pd_json_get(r->json, "attributes");
	json_t *etag = attrs ? pd_json_get(attrs, "etag") : NULL;
	if (q && !quantity_of(q, &k->quantity))
		pd_verr_add(errs, 3000, "quantity", PD_MSG_BAD_TYPE, "a whole number");
	k->has_quantity = q != NULL;
	if (st && (!json_is_string(st) || (strcasecmp(json_string_value(st), "active") &&
					   strcasecmp(json_string_value(st), "suspended"))))
		pd_verr_add(errs, 3000, "status", PD_MSG_BAD_ENUM, "active, suspended");
	else if (st)
		k->status = strcasecmp(json_string_value(st), "active") ? "suspended" : "active";
	if (fn && (!json_is_string(fn) || pd_utf8_len(json_string_value(fn)) < 1 || pd_utf8_len(json_string_value(fn)) > 128))
		pd_verr_add(errs, 3000, "friendlyName", PD_MSG_TOO_LONG, "128");
	else if (fn && pd_text_check_bidi(errs, "friendlyName", json_string_value(fn)))
		k->friendly_name = pd_strdup(r->ar, json_string_value(fn));
	const char *h = pd_req_header(r, "If-Match");
	k->if_match = h && *h ? h : NULL; /* else the body's etag */
	k->etag = k->if_match ? k->if_match : json_is_string(etag) ? json_string_value(etag) : NULL;
	decode_read_only(r, k, errs);
}

/* The read-only fields the PATCH gave, against the subscription as it is (and will be). */
static bool read_only_kept(struct sub_patch *k)
{
	const struct pd_subscription *s = &k->after;
	const char *cycle = s->billing_cycle ? s->billing_cycle : "monthly";
	if (k->offer_id && strcasecmp(k->offer_id, s->offer_id))
		pd_verr_add(&k->errs, 3000, "offerId", PD_MSG_READ_ONLY, NULL);
	if (k->order_id && strcasecmp(k->order_id, s->order_id))
		pd_verr_add(&k->errs, 3000, "orderId", PD_MSG_READ_ONLY, NULL);
	if (k->billing_cycle && strcasecmp(k->billing_cycle, cycle)) /* 2054: not by update-subscription */
		pd_verr_add(&k->errs, 2054, "billingCycle", PD_MSG_READ_ONLY, NULL);
	if (k->auto_renew >= 0 && k->auto_renew != !strcmp(s->status, "active"))
		pd_verr_add(&k->errs, 3000, "autoRenewEnabled", PD_MSG_READ_ONLY, NULL);
	return k->errs.n == 0;
}

enum pd_next pd_subscriptions_patch(struct pd_req *r)
{
	struct sub_patch *k = pd_alloc(r->ar, sizeof *k);
	struct pd_verrs errs = {0};
	if (!(k->customer = pd_api_customer_id(r)) || !(k->id = pd_api_uuid_param(r, 1, "subscriptionId")))
		return PD_REPLY;
	decode_sub_patch(r, k, &errs);
	if (errs.n) {
		pd_reply_verrs(r, &errs);
		return PD_REPLY;
	}
	if (!k->etag) {
		pd_reply_error(r, PD_ESTALE, PD_MSG_ETAG_REQUIRED, "attributes.etag", NULL);
		return PD_REPLY;
	}
	pd_etag_new(k->new_etag);
	r->state = k;
	return PD_WRITE;
}

/* The change asked for, checked against the subscription as it is now. */
static enum pd_err apply_sub_patch(struct pd_req *r, struct sub_patch *k)
{
	struct pd_subscription *s = &k->after;
	const struct pd_offer *o = pd_catalog_find(r->cfg->catalog, k->before.offer_id);
	*s = k->before;
	if (deprovisioned(s, r->now))
		return k->deleted_conflict = true, PD_ECONFLICT;
	if (k->status && strcmp(k->status, s->status)) {
		s->status = k->status;
		s->suspended_at = !strcmp(k->status, "suspended") ? r->now : 0;
	}
	if (k->has_quantity && k->quantity != s->quantity) {
		if (strcmp(s->status, "active"))
			return k->suspended_conflict = true, PD_ECONFLICT;
		if (o && (k->quantity < o->min || k->quantity > o->max)) { /* 2002: not within min and max */
			pd_verr_add(&k->errs, 2002, "quantity", PD_MSG_QUANTITY, pd_range_text(r, o->min, o->max));
			return PD_EINVAL;
		}
		s->quantity = k->quantity;
	}
	if (k->friendly_name)
		s->friendly_name = k->friendly_name;
	if (!read_only_kept(k))
		return PD_EINVAL;
	s->etag = k->new_etag;
	s->updated = r->now;
	return PD_OK;
}

/* True if `subs` (other than `except`) hold an active base that add-on `addon` needs. */
static bool has_base(const struct pd_offer *addon, const struct pd_subscription *subs, size_t n,
		     const char *except, long long now)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(subs[i].id, except) && !strcmp(subs[i].status, "active") &&
		    !deprovisioned(&subs[i], now) && pd_offer_requires(addon, subs[i].offer_id))
			return true;
	return false;
}

/* Suspending a base suspends the add-ons that no other active base carries; their ids go
 * into the activity record's summary. */
static enum pd_err suspend_addons(struct pd_req *r, struct store *st, struct sub_patch *k,
				  json_t *cascade)
{
	struct pd_subscription *subs;
	size_t n;
	enum pd_err e = pd_subscriptions_all(r, st, k->customer, &subs, &n);
	for (size_t i = 0; e == PD_OK && i < n; i++) {
		const struct pd_offer *o = pd_catalog_find(r->cfg->catalog, subs[i].offer_id);
		if (!o || !o->is_addon || strcmp(subs[i].status, "active") ||
		    !pd_offer_requires(o, k->before.offer_id) || has_base(o, subs, n, k->id, r->now))
			continue;
		char *etag = pd_alloc(r->ar, PD_ETAG_LEN + 1);
		pd_etag_new(etag);
		subs[i].status = "suspended";
		subs[i].suspended_at = subs[i].updated = r->now;
		subs[i].etag = etag;
		e = store_sub_save(st, &subs[i]);
		json_array_append_new(cascade, json_string(subs[i].id));
	}
	return e;
}

/* Reactivating an add-on needs an active base. */
static enum pd_err base_for_reactivation(struct pd_req *r, struct store *st, struct sub_patch *k)
{
	const struct pd_offer *o = pd_catalog_find(r->cfg->catalog, k->before.offer_id);
	struct pd_subscription *subs;
	size_t n;
	if (!o || !o->is_addon || strcmp(k->before.status, "suspended") || !k->status || strcmp(k->status, "active"))
		return PD_OK;
	enum pd_err e = pd_subscriptions_all(r, st, k->customer, &subs, &n);
	if (e == PD_OK && !has_base(o, subs, n, k->id, r->now))
		e = (k->no_base = true, PD_ECONFLICT);
	return e;
}

/* subscription-updated for the subscription, and for each add-on suspended with it. */
static enum pd_err sub_events(struct pd_req *r, struct store *st, const char *customer, const char *id,
			      json_t *cascade, const char *audit_id)
{
#define SUB_URI "/v1/customers/%s/subscriptions/%s"
	enum pd_err e = pd_event_write(r, st, "subscription-updated", pd_printf(r->ar, SUB_URI, customer, id), audit_id);
	for (size_t i = 0; e == PD_OK && i < json_array_size(cascade); i++)
		e = pd_event_write(r, st, "subscription-updated",
				   pd_printf(r->ar, SUB_URI, customer, json_string_value(json_array_get(cascade, i))),
				   audit_id);
#undef SUB_URI
	return e;
}

enum pd_err pd_subscriptions_patch_write(struct pd_req *r, struct store *st)
{
	struct sub_patch *k = r->state;
	struct pd_audit a;
	struct pd_customer c;
	enum pd_err e = store_customer_get(st, r->who.partner_id, k->customer, &c, r->ar);
	if (e == PD_OK && strcmp(c.relationship, "reseller") != 0)
		e = (k->no_relationship = true, PD_ECONFLICT);
	if (e == PD_OK)
		e = store_sub_get(st, r->who.partner_id, k->customer, k->id, &k->before, r->ar);
	if (e == PD_OK && !(k->if_match ? pd_api_if_match(r, k->if_match, k->before.etag) : !strcmp(k->before.etag, k->etag)))
		e = PD_ESTALE;
	if (e == PD_OK)
		e = base_for_reactivation(r, st, k);
	if (e == PD_OK)
		e = apply_sub_patch(r, k);
	if (e == PD_OK)
		e = store_sub_save(st, &k->after);
	json_t *cascade = json_array();
	if (e == PD_OK && strcmp(k->before.status, "suspended") && !strcmp(k->after.status, "suspended"))
		e = suspend_addons(r, st, k, cascade);
	if (e != PD_OK) {
		json_decref(cascade);
		return e;
	}
	json_t *o = pd_subscription_json(r, &k->before), *n = pd_subscription_json(r, &k->after);
	if (json_array_size(cascade))
		json_object_set(n, "suspendedAddOns", cascade);
	pd_activity_fill(r, &a, "update_subscription", "subscription", "succeeded", o, n);
	json_decref(o);
	json_decref(n);
	a.resource_id = k->id;
	a.customer_id = k->customer;
	a.customer_name = c.billing.company_name;
	e = pd_activity_write(r, st, &a);
	e = e == PD_OK ? sub_events(r, st, k->customer, k->id, cascade, a.id) : e;
	json_decref(cascade);
	return e;
}

/* A change the subscription's state does not allow, as Partner Center answers it. */
static void refuse_state(struct pd_req *r, bool deleted)
{
	struct pd_verrs errs = {0};
	if (deleted)
		pd_verr_add(&errs, pd_msg_code(PD_MSG_SUB_DELETED), "status", PD_MSG_SUB_DELETED, NULL);
	else
		pd_verr_add(&errs, pd_msg_code(PD_MSG_SUB_SUSPENDED), "quantity", PD_MSG_SUB_SUSPENDED, NULL);
	pd_reply_verrs(r, &errs);
}

void pd_subscriptions_patch_finish(struct pd_req *r, enum pd_err e)
{
	struct sub_patch *k = r->state;
	if (e == PD_EINVAL && k->errs.n)
		pd_reply_verrs(r, &k->errs);
	else if (e == PD_ECONFLICT && k->no_base) /* 27009: a child while its parent is not active */
		pd_reply_error_code(r, e, 27009, PD_MSG_ADDON_BASE, "status",
				    prerequisites_text(r, pd_catalog_find(r->cfg->catalog, k->before.offer_id)));
	else if (e == PD_ECONFLICT && k->no_relationship)
		pd_reply_error(r, e, PD_MSG_NO_RELATIONSHIP, "customerId", NULL);
	else if (e == PD_ECONFLICT) /* Partner Center: 400 with 2011 (deleted) or 2001 (suspended) */
		refuse_state(r, k->deleted_conflict);
	else if (e != PD_OK)
		pd_api_store_error(r, e, PD_NOUN_SUBSCRIPTION, k->id);
	else {
		pd_reply_json(r, 200, pd_subscription_json(r, &k->after));
		pd_reply_header(r, "ETag", pd_printf(r->ar, "\"%s\"", k->after.etag));
	}
}
