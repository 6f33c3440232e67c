/* orders.c - orders and subscriptions: POST /v1/customers/{id}/orders (all line items or
 * none), GET .../subscriptions[/{subId}], PATCH .../subscriptions/{subId} (quantity within the
 * offer's bounds, suspend, reactivate; etag-checked).  A suspended subscription keeps its
 * data for 60 days, then counts as deleted (deprovisioned). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "activity.h"
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
	json_object_set_new(j, "links", json_pack("{s:o}", "self",
		pd_link(pd_printf(r->ar, "/customers/%s/subscriptions/%s", s->customer_id, s->id), "GET")));
	json_object_set_new(j, "attributes", json_pack("{s:s, s:s}", "etag", s->etag, "objectType", "Subscription"));
	return j;
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
	while ((e = st->ops->sub_list(st, r->who.partner_id, customer, *n ? &after : NULL, PD_PAGE_MAX,
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

static void parse_line(struct pd_req *r, json_t *it, const char *country, struct pd_line *l,
		       struct pd_verrs *errs)
{
	json_t *offer = pd_json_get(it, "offerId"), *qty = pd_json_get(it, "quantity");
	json_t *fname = pd_json_get(it, "friendlyName");
	const char *f = l->field;
	if (!json_is_object(it)) {
		pd_verr_add(errs, 3000, f, PD_MSG_BAD_TYPE, "an object");
		return;
	}
	l->offer = json_is_string(offer) ? pd_catalog_find(r->cfg->catalog, json_string_value(offer)) : NULL;
	if (!l->offer)
		pd_verr_add(errs, 3000, pd_printf(r->ar, "%s.offerId", f), offer ? PD_MSG_OFFER_UNKNOWN : PD_MSG_REQUIRED,
			    json_is_string(offer) ? pd_strdup(r->ar, json_string_value(offer)) : "(not a string)");
	else if (!pd_offer_in_country(l->offer, country))
		pd_verr_add(errs, 3000, pd_printf(r->ar, "%s.offerId", f), PD_MSG_OFFER_COUNTRY, country);
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
	for (size_t i = 0; i < n; i++) {
		o->lines[i].field = pd_printf(r->ar, "lineItems[%zu]", i);
		parse_line(r, json_array_get(items, i), country, &o->lines[i], errs);
		pd_uuid_new(o->lines[i].sub_id);
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
	if (e == PD_OK)
		e = st->ops->order_insert(st, r->who.partner_id, customer, o->id, r->now);
	o->subs = pd_alloc(r->ar, sizeof *o->subs * o->n);
	for (size_t i = 0; e == PD_OK && i < o->n; i++) {
		char *etag = pd_alloc(r->ar, PD_ETAG_LEN + 1);
		pd_etag_new(etag);
		o->subs[i] = (struct pd_subscription){
			.partner_id = r->who.partner_id, .customer_id = customer, .id = o->lines[i].sub_id,
			.order_id = o->id, .offer_id = o->lines[i].offer->id,
			.friendly_name = o->lines[i].friendly_name, .status = "active", .etag = etag,
			.quantity = o->lines[i].quantity, .created = r->now, .updated = r->now};
		e = st->ops->sub_insert(st, &o->subs[i]);
	}
	return e;
}

enum pd_err pd_order_load(struct pd_req *r, struct store *st, const char *customer, const char *id,
			  struct pd_order *o)
{
	struct pd_subscription *subs;
	size_t n;
	enum pd_err e = pd_subscriptions_all(r, st, customer, &subs, &n);
	if (e != PD_OK)
		return e;
	memset(o, 0, sizeof *o);
	snprintf(o->id, sizeof o->id, "%s", id);
	o->lines = pd_alloc(r->ar, sizeof *o->lines * (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		const struct pd_offer *of = pd_catalog_find(r->cfg->catalog, subs[i].offer_id);
		if (strcmp(subs[i].order_id, id) != 0 || !of)
			continue;
		struct pd_line *l = &o->lines[o->n++];
		o->created = subs[i].created;
		*l = (struct pd_line){.offer = of, .quantity = subs[i].quantity, .friendly_name = subs[i].friendly_name};
		snprintf(l->sub_id, sizeof l->sub_id, "%s", subs[i].id);
	}
	return PD_OK;
}

json_t *pd_order_json(struct pd_req *r, const char *customer, const struct pd_order *o)
{
	json_t *items = json_array();
	for (size_t i = 0; i < o->n; i++)
		json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:I, s:s}", "lineItemNumber", (json_int_t)i,
						       "offerId", o->lines[i].offer->id, "subscriptionId",
						       o->lines[i].sub_id, "quantity", (json_int_t)o->lines[i].quantity,
						       "friendlyName", o->lines[i].friendly_name));
	return json_pack("{s:s, s:s, s:o, s:s, s:s, s:{s:o}, s:{s:s}}", "id", o->id, "referenceCustomerId",
			 customer, "lineItems", items, "creationDate", pd_iso_time(o->created, r->ar), "status", "completed",
			 "links", "self", pd_link(pd_printf(r->ar, "/customers/%s/orders/%s", customer, o->id), "GET"),
			 "attributes", "objectType", "Order");
}

/* ---- POST /v1/customers/{id}/orders ---- */

struct order_job {
	const char *customer;
	struct pd_customer c;
	struct pd_order o;
	bool no_relationship;
};

enum pd_next pd_orders_create(struct pd_req *r)
{
	struct order_job *k = pd_alloc(r->ar, sizeof *k);
	struct pd_verrs errs = {0};
	if (!(k->customer = pd_api_customer_id(r)))
		return PD_REPLY;
	enum pd_err e = r->st->ops->customer_get(r->st, r->who.partner_id, k->customer, &k->c, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, pd_printf(r->ar, "The customer %s", k->customer));
	if (strcmp(k->c.relationship, "reseller") != 0) {
		pd_reply_error(r, PD_ECONFLICT, PD_MSG_NO_RELATIONSHIP, "customerId", NULL);
		return PD_REPLY;
	}
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
	enum pd_err e = st->ops->customer_get(st, r->who.partner_id, k->customer, &now, r->ar);
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
	return pd_activity_write(r, st, &a);
}

void pd_orders_create_finish(struct pd_req *r, enum pd_err e)
{
	struct order_job *k = r->state;
	if (e == PD_EINVAL && k->o.errs.n)
		pd_reply_verrs(r, &k->o.errs);
	else if (e == PD_ECONFLICT && k->no_relationship)
		pd_reply_error(r, e, PD_MSG_NO_RELATIONSHIP, "customerId", NULL);
	else if (e == PD_ECHANGED || e == PD_ENOTFOUND)
		pd_api_store_error(r, e, pd_printf(r->ar, "The customer %s", k->customer));
	else if (e != PD_OK)
		pd_api_store_error(r, e, "The order");
	else
		pd_reply_json(r, 201, pd_order_json(r, k->customer, &k->o));
}

/* ---- subscriptions ---- */

/* A page of the customer's subscriptions in creation order (pages.c). */
enum pd_next pd_subscriptions_list(struct pd_req *r)
{
	const char *customer = pd_api_customer_id(r);
	struct pd_page p;
	struct pd_customer c;
	struct pd_subscription *subs;
	size_t n;
	if (!customer || !pd_api_page(r, "subscriptions", customer, &p))
		return PD_REPLY;
	enum pd_err e = r->st->ops->customer_get(r->st, r->who.partner_id, customer, &c, r->ar);
	if (e == PD_OK)
		e = r->st->ops->sub_list(r->st, r->who.partner_id, customer, p.has_after ? &p.after : NULL,
					 p.size, &subs, &n, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, pd_printf(r->ar, "The customer %s", customer));
	const char *next = NULL;
	if (n > (size_t)p.size) {
		n = (size_t)p.size;
		next = pd_api_page_token(r, "subscriptions", customer, subs[n - 1].created, subs[n - 1].id);
	}
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, pd_subscription_json(r, &subs[i]));
	pd_reply_json(r, 200, pd_collection(r, items, pd_printf(r->ar, "/customers/%s/subscriptions?size=%d", customer, p.size), next));
	return PD_REPLY;
}

enum pd_next pd_subscriptions_get(struct pd_req *r)
{
	const char *customer = pd_api_customer_id(r), *id = customer ? pd_api_uuid_param(r, 1, "subscriptionId") : NULL;
	struct pd_subscription s;
	if (!id)
		return PD_REPLY;
	enum pd_err e = r->st->ops->sub_get(r->st, r->who.partner_id, customer, id, &s, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, pd_printf(r->ar, "The subscription %s", id));
	pd_reply_json(r, 200, pd_subscription_json(r, &s));
	pd_reply_header(r, "ETag", pd_printf(r->ar, "\"%s\"", s.etag));
	return PD_REPLY;
}

struct sub_patch {
	const char *customer, *id, *etag, *status, *friendly_name;
	bool has_quantity, suspended_conflict, deleted_conflict, no_relationship, no_base;
	long long quantity;
	struct pd_subscription before, after;
	struct pd_verrs errs;
	char new_etag[PD_ETAG_LEN + 1];
};

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
	k->etag = h && *h ? pd_api_unquote_etag(r, h) : json_is_string(etag) ? json_string_value(etag) : NULL;
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
		if (o && (k->quantity < o->min || k->quantity > o->max)) {
			pd_verr_add(&k->errs, 3000, "quantity", PD_MSG_QUANTITY, pd_range_text(r, o->min, o->max));
			return PD_EINVAL;
		}
		s->quantity = k->quantity;
	}
	if (k->friendly_name)
		s->friendly_name = k->friendly_name;
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
		e = st->ops->sub_save(st, &subs[i]);
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

enum pd_err pd_subscriptions_patch_write(struct pd_req *r, struct store *st)
{
	struct sub_patch *k = r->state;
	struct pd_audit a;
	struct pd_customer c;
	enum pd_err e = st->ops->customer_get(st, r->who.partner_id, k->customer, &c, r->ar);
	if (e == PD_OK && strcmp(c.relationship, "reseller") != 0)
		e = (k->no_relationship = true, PD_ECONFLICT);
	if (e == PD_OK)
		e = st->ops->sub_get(st, r->who.partner_id, k->customer, k->id, &k->before, r->ar);
	if (e == PD_OK && strcmp(k->before.etag, k->etag) != 0)
		e = PD_ESTALE;
	if (e == PD_OK)
		e = base_for_reactivation(r, st, k);
	if (e == PD_OK)
		e = apply_sub_patch(r, k);
	if (e == PD_OK)
		e = st->ops->sub_save(st, &k->after);
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
	json_decref(cascade);
	pd_activity_fill(r, &a, "update_subscription", "subscription", "succeeded", o, n);
	json_decref(o);
	json_decref(n);
	a.resource_id = k->id;
	a.customer_id = k->customer;
	a.customer_name = c.billing.company_name;
	return pd_activity_write(r, st, &a);
}

void pd_subscriptions_patch_finish(struct pd_req *r, enum pd_err e)
{
	struct sub_patch *k = r->state;
	if (e == PD_EINVAL && k->errs.n)
		pd_reply_verrs(r, &k->errs);
	else if (e == PD_ECONFLICT && k->no_base)
		pd_reply_error(r, e, PD_MSG_ADDON_BASE, "status", prerequisites_text(r, pd_catalog_find(r->cfg->catalog, k->before.offer_id)));
	else if (e == PD_ECONFLICT && k->no_relationship)
		pd_reply_error(r, e, PD_MSG_NO_RELATIONSHIP, "customerId", NULL);
	else if (e == PD_ECONFLICT)
		pd_reply_error(r, e, k->deleted_conflict ? PD_MSG_SUB_DELETED : PD_MSG_SUB_SUSPENDED, "status", NULL);
	else if (e != PD_OK)
		pd_api_store_error(r, e, pd_printf(r->ar, "The subscription %s", k->id));
	else {
		pd_reply_json(r, 200, pd_subscription_json(r, &k->after));
		pd_reply_header(r, "ETag", pd_printf(r->ar, "\"%s\"", k->after.etag));
	}
}
