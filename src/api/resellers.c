/* resellers.c - indirect resellers (two-tier CSP): the partner as an indirect provider and its
 * relationships with indirect resellers, Partner Center's PartnerRelationship resources.
 *   GET   /v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf  (paged)
 *   POST  /v1/relationships                 add one (name, mpnId, optional id and location)
 *   GET   /v1/relationships/{id}
 *   PATCH /v1/relationships/{id}            {"state": "Terminated"}: ends it; its customers
 *                                           keep their accounts and lose the association
 *   GET   /v1/customers/{id}/relationships  the customer's indirect reseller, if any
 * and pd_reseller_create for `partnerd reseller add`.  A customer names its reseller by
 * associatedPartnerId (customers.c); pd_reseller_active checks it in the writer's
 * transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "activity.h"
#include "feed.h"
#include "api.h"
#include "country.h"
#include "ids.h"
#include "text.h"

#define TYPE_NAME "IsIndirectCloudSolutionProviderOf"
#define TYPE_VALUE "is_indirect_cloud_solution_provider_of"
#define LIST "resellers" /* the page tokens' list name */

static bool is_type(const char *s)
{
	return s && (!strcasecmp(s, TYPE_NAME) || !strcasecmp(s, TYPE_VALUE));
}

json_t *pd_reseller_json(const struct pd_reseller *x)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", x->id, "name", x->name, "relationshipType",
			      TYPE_VALUE, "state", strcmp(x->state, "active") ? "Terminated" : "Active", "mpnId",
			      x->mpn_id);
	if (x->location)
		json_object_set_new(o, "location", json_string(x->location));
	json_object_set_new(o, "attributes", json_pack("{s:s}", "objectType", "PartnerRelationship"));
	return o;
}

enum pd_err pd_reseller_active(struct store *st, const char *partner, const char *id,
			       struct pd_arena *ar)
{
	struct pd_reseller x;
	enum pd_err e = store_reseller_get(st, partner, id, &x, ar);
	return e == PD_OK && strcmp(x.state, "active") != 0 ? PD_ENOTFOUND : e;
}

static bool mpn_ok(const char *s)
{
	size_t n = strspn(s, "0123456789");
	return s[n] == 0 && n >= 6 && n <= 10;
}

/* s without surrounding ASCII white space (arena), NULL when nothing is left. */
static const char *trimmed(const char *s, struct pd_arena *ar)
{
	size_t n;
	if (!s)
		return NULL;
	s += strspn(s, " \t\r\n");
	for (n = strlen(s); n && strchr(" \t\r\n", s[n - 1]); n--)
		;
	return n ? pd_strndup(ar, s, n) : NULL;
}

void pd_reseller_check(struct pd_reseller *x, struct pd_verrs *errs, struct pd_arena *ar)
{
	x->name = trimmed(x->name, ar);
	long len = x->name ? pd_utf8_len(x->name) : 0;
	if (!x->name || !*x->name)
		pd_verr_add(errs, 3000, "name", PD_MSG_REQUIRED, NULL);
	else if (len < 0)
		pd_verr_add(errs, 3000, "name", PD_MSG_BAD_UTF8, NULL);
	else if (len > 256)
		pd_verr_add(errs, 3000, "name", PD_MSG_TOO_LONG, "256");
	else
		pd_text_check_bidi(errs, "name", x->name);
	if (!x->mpn_id || !*x->mpn_id)
		pd_verr_add(errs, 3000, "mpnId", PD_MSG_REQUIRED, NULL);
	else if (!mpn_ok(x->mpn_id))
		pd_verr_add(errs, 3000, "mpnId", PD_MSG_BAD_MPN, NULL);
	if (x->location && !pd_country_known(x->location))
		pd_verr_add(errs, 3000, "location", PD_MSG_BAD_COUNTRY, NULL);
	else if (x->location) /* stored in upper case, as Partner Center shows it */
		x->location = pd_printf(ar, "%c%c", x->location[0] & ~0x20, x->location[1] & ~0x20);
}

/* ---- GET /v1/relationships ---- */

/* relationship_type is required and must be the provider's side; false after replying 400. */
static bool type_param(struct pd_req *r)
{
	const char *t = pd_req_query(r, "relationship_type");
	if (!t || !*t)
		pd_reply_error(r, PD_EINVAL, PD_MSG_REQUIRED, "relationship_type", NULL);
	else if (!is_type(t))
		pd_reply_error(r, PD_EINVAL, PD_MSG_BAD_ENUM, "relationship_type", TYPE_NAME);
	return t && is_type(t);
}

enum pd_next pd_resellers_list(struct pd_req *r)
{
	struct pd_page p;
	struct pd_reseller *rows;
	size_t n;
	if (!type_param(r) || !pd_api_page(r, LIST, "", &p))
		return PD_REPLY;
	enum pd_err e = store_reseller_list(r->st, r->who.partner_id, p.has_after ? &p.after : NULL,
						  p.size, &rows, &n, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_RESELLERS, NULL);
	const char *token = NULL;
	if (n > (size_t)p.size) {
		n = (size_t)p.size;
		token = pd_api_page_token(r, LIST, "", rows[n - 1].created, rows[n - 1].id);
	}
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, pd_reseller_json(&rows[i]));
	const char *self = pd_printf(r->ar, "/relationships?relationship_type=" TYPE_NAME "&size=%d", p.size);
	pd_reply_json(r, 200, pd_collection(r, items, self, token));
	return PD_REPLY;
}

/* ---- GET /v1/relationships/{id} and /v1/customers/{id}/relationships ---- */

static enum pd_next not_found(struct pd_req *r, const char *id)
{
	pd_reply_error(r, PD_ENOTFOUND, PD_MSG_RESELLER_NOT_FOUND, NULL, id);
	return PD_REPLY;
}

enum pd_next pd_resellers_get(struct pd_req *r)
{
	struct pd_reseller x;
	const char *id = pd_api_uuid_param(r, 0, "id");
	if (!id)
		return PD_REPLY;
	enum pd_err e = store_reseller_get(r->st, r->who.partner_id, id, &x, r->ar);
	if (e == PD_ENOTFOUND)
		return not_found(r, id);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_RESELLER, id);
	pd_reply_json(r, 200, pd_reseller_json(&x));
	return PD_REPLY;
}

enum pd_next pd_customer_resellers(struct pd_req *r)
{
	struct pd_customer c;
	struct pd_reseller x;
	if (!pd_api_load_customer(r, &c))
		return PD_REPLY;
	json_t *items = json_array();
	if (c.associated_partner_id) {
		enum pd_err e = store_reseller_get(r->st, r->who.partner_id, c.associated_partner_id, &x, r->ar);
		if (e != PD_OK) {
			json_decref(items);
			return pd_api_store_error(r, e, PD_NOUN_RESELLER, NULL);
		}
		json_array_append_new(items, pd_reseller_json(&x));
	}
	pd_reply_json(r, 200, pd_collection(r, items, pd_printf(r->ar, "/customers/%s/relationships", c.id), NULL));
	return PD_REPLY;
}

/* ---- POST /v1/relationships ---- */

struct add_job {
	struct pd_reseller x;
	bool id_taken;
};

/* Members a new relationship may carry; anything else is a 400 naming it. */
static bool add_member_known(const char *k)
{
	static const char *const known[] = {"id", "name", "mpnId", "location", "relationshipType", "state",
					    "attributes"};
	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		if (!strcasecmp(k, known[i]))
			return true;
	return false;
}

/* A string member, or NULL (absent or null); a non-string adds a type error. */
static const char *str_member(json_t *o, const char *name, struct pd_verrs *errs, struct pd_arena *ar)
{
	json_t *v = pd_json_get(o, name);
	if (v && !json_is_string(v))
		pd_verr_add(errs, 3000, name, PD_MSG_BAD_TYPE, "a string");
	return json_is_string(v) ? pd_strdup(ar, json_string_value(v)) : NULL;
}

static void decode_add(struct pd_req *r, struct add_job *k, struct pd_verrs *errs)
{
	const char *key, *type, *state, *id;
	json_t *v;
	char *uuid = pd_alloc(r->ar, PD_UUID_LEN + 1);
	json_object_foreach(r->json, key, v)
		if (!add_member_known(key))
			pd_verr_add(errs, 3000, pd_strdup(r->ar, key), PD_MSG_INVALID, NULL);
	k->x.name = str_member(r->json, "name", errs, r->ar);
	k->x.mpn_id = str_member(r->json, "mpnId", errs, r->ar);
	k->x.location = str_member(r->json, "location", errs, r->ar);
	if ((type = str_member(r->json, "relationshipType", errs, r->ar)) && !is_type(type))
		pd_verr_add(errs, 3000, "relationshipType", PD_MSG_BAD_ENUM, TYPE_NAME);
	if ((state = str_member(r->json, "state", errs, r->ar)) && strcasecmp(state, "active"))
		pd_verr_add(errs, 3000, "state", PD_MSG_BAD_ENUM, "Active");
	if ((id = str_member(r->json, "id", errs, r->ar)) && !pd_uuid_parse(id, uuid))
		pd_verr_add(errs, 3000, "id", PD_MSG_BAD_UUID, NULL);
	if (!id)
		pd_uuid_new(uuid);
	k->x.id = uuid;
}

enum pd_next pd_resellers_add(struct pd_req *r)
{
	struct add_job *k = pd_alloc(r->ar, sizeof *k);
	struct pd_verrs errs = {0};
	if (!json_is_object(r->json)) {
		pd_reply_error(r, PD_EINVAL, PD_MSG_BAD_TYPE, "body", "an object");
		return PD_REPLY;
	}
	decode_add(r, k, &errs);
	if (!errs.n)
		pd_reseller_check(&k->x, &errs, r->ar);
	if (errs.n) {
		pd_reply_verrs(r, &errs);
		return PD_REPLY;
	}
	k->x.partner_id = r->who.partner_id;
	k->x.state = "active";
	k->x.created = k->x.updated = r->now;
	r->state = k;
	return PD_WRITE;
}

enum pd_err pd_resellers_add_write(struct pd_req *r, struct store *st)
{
	struct add_job *k = r->state;
	struct pd_reseller old;
	struct pd_audit a;
	enum pd_err e = store_reseller_get(st, r->who.partner_id, k->x.id, &old, r->ar);
	if (e == PD_OK)
		return k->id_taken = true, PD_ECONFLICT;
	if (e != PD_ENOTFOUND || (e = store_reseller_insert(st, &k->x)) != PD_OK)
		return e; /* PD_ECONFLICT: the id is free, so the MPN id is taken */
	json_t *now = pd_reseller_json(&k->x);
	pd_activity_fill(r, &a, "add_indirect_reseller", "indirect_reseller", "succeeded", NULL, now);
	json_decref(now);
	a.resource_id = k->x.id;
	e = pd_activity_write(r, st, &a);
	return e == PD_OK ? pd_event_write(r, st, "indirectreseller-created",
					   pd_printf(r->ar, "/v1/relationships/%s", k->x.id), a.id)
			  : e;
}

void pd_resellers_add_finish(struct pd_req *r, enum pd_err e)
{
	struct add_job *k = r->state;
	if (e == PD_ECONFLICT && k->id_taken) {
		pd_reply_error(r, e, PD_MSG_RESELLER_TAKEN, "id", k->x.id);
	} else if (e == PD_ECONFLICT) {
		pd_reply_error(r, e, PD_MSG_MPN_TAKEN, "mpnId", k->x.mpn_id);
	} else if (e != PD_OK) {
		pd_api_store_error(r, e, PD_NOUN_RESELLER, NULL);
	} else {
		pd_reply_json(r, 201, pd_reseller_json(&k->x));
		pd_reply_header(r, "Location", pd_printf(r->ar, "/v1/relationships/%s", k->x.id));
	}
}

/* ---- PATCH /v1/relationships/{id}: ending it ---- */

struct end_job {
	const char *id;
	struct pd_reseller x;
	bool ended_before;
};

enum pd_next pd_resellers_patch(struct pd_req *r)
{
	struct end_job *k = pd_alloc(r->ar, sizeof *k);
	const char *key;
	json_t *v, *state = pd_json_get(r->json, "state");
	if (!(k->id = pd_api_uuid_param(r, 0, "id")))
		return PD_REPLY;
	json_object_foreach(r->json, key, v)
		if (strcasecmp(key, "state") && strcasecmp(key, "attributes")) {
			pd_reply_error(r, PD_EINVAL, PD_MSG_INVALID, key, NULL);
			return PD_REPLY;
		}
	if (!json_is_string(state) || strcasecmp(json_string_value(state), "terminated")) {
		pd_reply_error(r, PD_EINVAL, state ? PD_MSG_BAD_ENUM : PD_MSG_REQUIRED, "state", "Terminated");
		return PD_REPLY;
	}
	r->state = k;
	return PD_WRITE;
}

/* One record per customer that lost the association, then one for the relationship. */
static enum pd_err record_end(struct pd_req *r, struct store *st, struct end_job *k,
			      const struct pd_customer *cleared, size_t n)
{
	enum pd_err e = PD_OK;
	struct pd_audit a;
	for (size_t i = 0; i < n && e == PD_OK; i++)
		e = pd_api_audit_customer(r, st, "remove_indirect_reseller", &cleared[i],
					  json_pack("{s:s}", "associatedPartnerId", k->id),
					  json_pack("{s:n}", "associatedPartnerId"), "customer-updated", NULL);
	if (e != PD_OK)
		return e;
	json_t *old_v = json_pack("{s:s}", "state", "Active");
	json_t *new_v = json_pack("{s:s, s:I}", "state", "Terminated", "customersCleared", (json_int_t)n);
	pd_activity_fill(r, &a, "end_indirect_reseller_relationship", "indirect_reseller", "succeeded", old_v,
			 new_v);
	json_decref(old_v);
	json_decref(new_v);
	a.resource_id = k->id;
	e = pd_activity_write(r, st, &a);
	return e == PD_OK ? pd_event_write(r, st, "indirectreseller-ended", pd_printf(r->ar, "/v1/relationships/%s", k->id),
					   a.id)
			  : e;
}

enum pd_err pd_resellers_patch_write(struct pd_req *r, struct store *st)
{
	struct end_job *k = r->state;
	struct pd_customer *cleared;
	size_t n = 0;
	enum pd_err e = store_reseller_get(st, r->who.partner_id, k->id, &k->x, r->ar);
	if (e == PD_OK && strcmp(k->x.state, "active"))
		return k->ended_before = true, PD_ECONFLICT;
	if (e == PD_OK)
		e = store_reseller_end(st, r->who.partner_id, k->id, r->now, &cleared, &n, r->ar);
	if (e != PD_OK)
		return e;
	k->x.state = "terminated";
	k->x.updated = r->now;
	return record_end(r, st, k, cleared, n);
}

void pd_resellers_patch_finish(struct pd_req *r, enum pd_err e)
{
	struct end_job *k = r->state;
	if (e == PD_ECONFLICT && k->ended_before)
		pd_reply_error(r, e, PD_MSG_RESELLER_ENDED, "state", k->id);
	else if (e == PD_ENOTFOUND)
		not_found(r, k->id);
	else if (e != PD_OK)
		pd_api_store_error(r, e, PD_NOUN_RESELLER, k->id);
	else
		pd_reply_json(r, 200, pd_reseller_json(&k->x));
}

/* ---- `partnerd reseller add` ---- */

struct cli_add {
	struct pd_reseller x;
	bool id_taken;
};

static enum pd_err cli_insert(struct store *st, void *arg)
{
	struct cli_add *c = arg;
	struct pd_arena *ar = pd_arena_new();
	struct pd_reseller old;
	char rec[PD_UUID_LEN + 1];
	enum pd_err e = store_reseller_get(st, c->x.partner_id, c->x.id, &old, ar);
	if (e == PD_OK)
		e = (c->id_taken = true, PD_ECONFLICT);
	else if (e == PD_ENOTFOUND)
		e = store_reseller_insert(st, &c->x);
	json_t *now = pd_reseller_json(&c->x);
	char *text = e == PD_OK ? json_dumps(now, JSON_COMPACT) : NULL;
	json_decref(now);
	pd_uuid_new(rec);
	struct pd_audit a = {.partner_id = c->x.partner_id, .id = rec, .created = c->x.created,
			     .operation = "add_indirect_reseller", .resource_type = "indirect_reseller",
			     .resource_id = c->x.id, .principal_kind = "operator", .principal_id = "partnerd",
			     .principal_name = "partnerd reseller add", .outcome = "succeeded", .new_value = text};
	if (e == PD_OK)
		e = store_audit_insert(st, &a);
	if (e == PD_OK)
		e = pd_event_put(st, c->x.partner_id, "indirectreseller-created",
				 pd_printf(ar, "/v1/relationships/%s", c->x.id), rec, c->x.created);
	free(text);
	pd_arena_free(ar);
	return e;
}

/* The first validation error as text, in English, with the CLI's flag for the field. */
static void cli_error(const struct pd_verrs *errs, char *errbuf, size_t cap)
{
	const char *f = errs->v[0].field;
	const char *flag = !strcmp(f, "mpnId") ? "--mpn-id" : !strcmp(f, "id") ? "--id"
			 : !strcmp(f, "location") ? "--location" : "--name";
	pd_msg_render(errbuf, cap, errs->v[0].msg, PD_LOCALE_EN, flag, errs->v[0].arg);
}

/* Validates x (errors in errbuf, in English, naming the flags), then inserts it with its
 * activity record in one transaction. */
static enum pd_err cli_create(struct store *st, struct cli_add *c, char *id, struct pd_arena *ar,
			      char *errbuf, size_t cap)
{
	struct pd_verrs errs = {0};
	struct pd_partner p;
	if (c->x.id && !pd_uuid_parse(c->x.id, id))
		pd_verr_add(&errs, 3000, "id", PD_MSG_BAD_UUID, NULL);
	pd_reseller_check(&c->x, &errs, ar);
	if (errs.n)
		return cli_error(&errs, errbuf, cap), PD_EINVAL;
	if (!c->x.id)
		pd_uuid_new(id);
	c->x.id = id;
	enum pd_err e = store_partner_get(st, c->x.partner_id ? c->x.partner_id : "", &p, ar);
	if (e != PD_OK)
		return snprintf(errbuf, cap, "no partner with the id '%s'", c->x.partner_id ? c->x.partner_id : ""), e;
	c->x.state = "active";
	c->x.created = c->x.updated = (long long)time(NULL);
	e = store_tx(st, cli_insert, c);
	if (e == PD_ECONFLICT)
		pd_msg_render(errbuf, cap, c->id_taken ? PD_MSG_RESELLER_TAKEN : PD_MSG_MPN_TAKEN, PD_LOCALE_EN,
			      c->id_taken ? "--id" : "--mpn-id", c->id_taken ? c->x.id : c->x.mpn_id);
	else if (e != PD_OK)
		snprintf(errbuf, cap, "the store refused the write (%s)", pd_err_name(e));
	return e;
}

enum pd_err pd_reseller_create(struct store *st, const struct pd_reseller *in, json_t **out,
			       char *errbuf, size_t cap)
{
	struct pd_arena *ar = pd_arena_new();
	struct cli_add c = {.x = *in};
	char id[PD_UUID_LEN + 1];
	enum pd_err e = cli_create(st, &c, id, ar, errbuf, cap);
	*out = e == PD_OK ? pd_reseller_json(&c.x) : NULL;
	pd_arena_free(ar);
	return e;
}
