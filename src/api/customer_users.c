/* customer_users.c - users of a customer's tenant: /v1/customers/{id}/users (list, add, get,
 * change, remove, and a password reset: PATCH with passwordProfile as Partner Center does,
 * or partnerd's own POST .../resetpassword with a generated password).  The users belong to the tenant, so every partner with an account of
 * the customer sees the same ones; they are kept under the tenant's home partner. */
#include <ctype.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>
#include "activity.h"
#include "feed.h"
#include "api.h"
#include "country.h"
#include "ids.h"
#include "text.h"

struct cu_job {
	const char *customer, *home, *id;
	struct pd_customer c;
	struct pd_customer_user u, before;
	char password[PD_GENPW_CHARS + 1];
	char hash[PD_PWHASH_LEN];
	bool generated, no_relationship;
	bool reset, force_change;   /* PATCH: passwordProfile given, and its forceChangePassword */
	bool upn_changed;           /* PATCH: userPrincipalName sent with another value */
	bool no_customer;           /* the customer itself was not found (not the user) */
	const char *upn_given;      /* PATCH: userPrincipalName sent back (read-only) */
};

static json_t *cuser_json(struct pd_req *r, const struct pd_customer_user *u)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s], s:s}", "id", u->id, "userPrincipalName", u->upn,
			      "displayName", u->display_name ? u->display_name : u->upn, "state", u->state,
			      "userDomainType", "none", "roles", u->roles, "customerId", u->customer_id);
	if (u->first_name)
		json_object_set_new(o, "firstName", json_string(u->first_name));
	if (u->last_name)
		json_object_set_new(o, "lastName", json_string(u->last_name));
	if (u->usage_location)
		json_object_set_new(o, "usageLocation", json_string(u->usage_location));
	json_object_set_new(o, "links", json_pack("{s:o}", "self",
		pd_link(pd_printf(r->ar, "/customers/%s/users/%s", u->customer_id, u->id), "GET")));
	json_object_set_new(o, "attributes", json_pack("{s:s}", "objectType", "CustomerUser"));
	return o;
}

/* This partner's account of the customer, and the tenant's home partner. */
static enum pd_err resolve(struct pd_req *r, struct store *st, struct cu_job *k)
{
	char *home = NULL;
	enum pd_err e = store_customer_get(st, r->who.partner_id, k->customer, &k->c, r->ar);
	k->no_customer = e == PD_ENOTFOUND;
	if (e == PD_OK)
		e = store_tenant_home(st, k->customer, &home, r->ar);
	k->home = home;
	return e;
}

/* As resolve, for a change: only a partner that is the tenant's reseller changes its users. */
static enum pd_err resolve_for_change(struct pd_req *r, struct store *st, struct cu_job *k)
{
	enum pd_err e = resolve(r, st, k);
	if (e == PD_OK && strcmp(k->c.relationship, "reseller") != 0)
		e = (k->no_relationship = true, PD_ECONFLICT);
	return e;
}

static struct cu_job *begin(struct pd_req *r, bool with_user)
{
	struct cu_job *k = pd_alloc(r->ar, sizeof *k);
	if (!(k->customer = pd_api_customer_id(r)))
		return NULL;
	if (with_user && !(k->id = pd_api_uuid_param(r, 1, "userId")))
		return NULL;
	r->state = k;
	return k;
}

static enum pd_err audit_cuser(struct pd_req *r, struct store *st, struct cu_job *k, const char *op,
			       const struct pd_customer_user *before, const struct pd_customer_user *after)
{
	struct pd_audit a;
	json_t *o = before ? cuser_json(r, before) : NULL, *n = after ? cuser_json(r, after) : NULL;
	pd_activity_fill(r, &a, op, "customer_user", "succeeded", o, n);
	json_decref(o);
	json_decref(n);
	const struct pd_customer_user *subject = after ? after : before; /* at least one is given */
	a.resource_id = subject ? subject->id : NULL;
	a.customer_id = k->customer;
	a.customer_name = k->c.billing.company_name;
	enum pd_err e = pd_activity_write(r, st, &a);
	const char *event = !before ? "customeruser-created" : !after ? "customeruser-deleted" : "customeruser-updated";
	return e == PD_OK ? pd_event_write(r, st, event, pd_printf(r->ar, "/v1/customers/%s/users/%s", k->customer,
								       a.resource_id), a.id)
			  : e;
}

static void new_password(struct pd_req *r, struct cu_job *k)
{
	pd_password_generate(k->password);
	pd_generated_password_encode(r->key, k->password, k->hash);
	k->generated = true;
}

static void reply_user(struct pd_req *r, int status, struct cu_job *k)
{
	json_t *o = cuser_json(r, &k->u);
	json_t *pp = json_pack("{s:b}", "forceChangePassword", k->u.must_change_password);
	if (k->generated)
		json_object_set_new(pp, "password", json_string(k->password));
	json_object_set_new(o, "passwordProfile", pp);
	pd_reply_json(r, status, o);
	sodium_memzero(k->password, sizeof k->password);
}

static void cuser_error(struct pd_req *r, enum pd_err e, struct cu_job *k)
{
	if (e == PD_ECONFLICT && k->no_relationship)
		pd_reply_error(r, e, PD_MSG_NO_RELATIONSHIP, "customerId", NULL);
	else if (e == PD_ECONFLICT)
		pd_reply_error(r, e, PD_MSG_UPN_TAKEN, "userPrincipalName", k->u.upn);
	else if (k->id && !k->no_customer) /* Partner Center's 60002: user object not found */
		pd_api_store_error(r, e, PD_NOUN_CUSTOMER_USER, k->id);
	else
		pd_api_store_error(r, e, PD_NOUN_CUSTOMER, k->customer);
}

/* ---- reads ----
 * The users are the tenant's, live: a partner whose relationship ended (relationship "none")
 * reads them no more than it changes them (409 NoRelationship, as for changes). */

/* A page of the tenant's users by user principal name (pages.c: size, continuation token). */
enum pd_next pd_cusers_list(struct pd_req *r)
{
	struct cu_job *k = begin(r, false);
	struct pd_page p;
	struct pd_customer_user *rows;
	size_t n;
	if (!k || !pd_api_page(r, "customer_users", k->customer, &p))
		return PD_REPLY;
	enum pd_err e = resolve_for_change(r, r->st, k); /* reads end with the relationship too */
	if (e == PD_OK)
		e = store_cuser_list(r->st, k->home, k->customer, p.has_after ? p.after.id : NULL,
					   p.size, &rows, &n, r->ar);
	if (e != PD_OK) {
		cuser_error(r, e, k);
		return PD_REPLY;
	}
	const char *next = NULL;
	if (n > (size_t)p.size) {
		n = (size_t)p.size;
		next = pd_api_page_token(r, "customer_users", k->customer, 0, rows[n - 1].upn);
	}
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, cuser_json(r, &rows[i]));
	pd_reply_json(r, 200, pd_collection(r, items, pd_printf(r->ar, "/customers/%s/users?size=%d", k->customer, p.size), next));
	return PD_REPLY;
}

enum pd_next pd_cusers_get(struct pd_req *r)
{
	struct cu_job *k = begin(r, true);
	if (!k)
		return PD_REPLY;
	enum pd_err e = resolve_for_change(r, r->st, k);
	if (e == PD_OK)
		e = store_cuser_get(r->st, k->home, k->customer, k->id, &k->u, r->ar);
	if (e != PD_OK) {
		cuser_error(r, e, k);
		return PD_REPLY;
	}
	pd_reply_json(r, 200, cuser_json(r, &k->u));
	return PD_REPLY;
}

/* ---- changes ---- */

static const char *opt_string(struct pd_req *r, const char *name, long max, struct pd_verrs *errs)
{
	json_t *v = pd_json_get(r->json, name);
	long n = json_is_string(v) ? pd_utf8_len(json_string_value(v)) : -1;
	if (!v)
		return NULL;
	if (n < 1 || n > max) {
		pd_verr_add(errs, 3000, name, PD_MSG_TOO_LONG, pd_printf(r->ar, "%ld", max));
		return NULL;
	}
	if (!pd_text_check_bidi(errs, name, json_string_value(v)))
		return NULL;
	return pd_strdup(r->ar, json_string_value(v));
}

static const char *role_of(struct pd_req *r, struct pd_verrs *errs)
{
	json_t *v = pd_json_get(r->json, "roles");
	json_t *first = json_is_array(v) && json_array_size(v) == 1 ? json_array_get(v, 0) : NULL;
	const char *s = json_string_value(first);
	if (!v)
		return NULL;
	if (!s || (strcmp(s, "company_administrator") && strcmp(s, "user"))) {
		pd_verr_add(errs, 3000, "roles", PD_MSG_BAD_ENUM, "[\"company_administrator\"], [\"user\"]");
		return NULL;
	}
	return s;
}

static const char *location_of(struct pd_req *r, struct pd_verrs *errs)
{
	const char *loc = opt_string(r, "usageLocation", 2, errs);
	if (loc && !pd_country_known(loc)) {
		pd_verr_add(errs, 3000, "usageLocation", PD_MSG_BAD_COUNTRY, NULL);
		return NULL;
	}
	if (!loc)
		return NULL;
	char *up = pd_strdup(r->ar, loc);
	up[0] = (char)toupper((unsigned char)up[0]);
	up[1] = (char)toupper((unsigned char)up[1]);
	return up;
}

/* userPrincipalName at the customer's domain ("name" alone is completed with it). */
static const char *upn_of(struct pd_req *r, struct cu_job *k, struct pd_verrs *errs)
{
	json_t *v = pd_json_get(r->json, "userPrincipalName");
	const char *s = json_string_value(v);
	if (!s || !*s) {
		pd_verr_add(errs, 3000, "userPrincipalName", PD_MSG_REQUIRED, NULL);
		return NULL;
	}
	const char *upn = strchr(s, '@') ? s : pd_printf(r->ar, "%s@%s", s, k->c.domain);
	const char *at = strchr(upn, '@');
	if (!pd_email_ok(upn) || strlen(upn) > 254 || strcasecmp(at + 1, k->c.domain) != 0) {
		pd_verr_add(errs, 3000, "userPrincipalName", PD_MSG_UPN_DOMAIN, k->c.domain);
		return NULL;
	}
	return pd_strdup(r->ar, upn);
}

static void decode_new(struct pd_req *r, struct cu_job *k, struct pd_verrs *errs)
{
	static const char *const fields[] = {"userPrincipalName", "firstName", "lastName", "displayName",
					     "usageLocation", "roles", "passwordProfile", "attributes", NULL};
	static const char *const pw_fields[] = {"password", "forceChangePassword", NULL};
	struct pd_customer_user *u = &k->u;
	json_t *force = pd_json_get(pd_json_get(r->json, "passwordProfile"), "forceChangePassword");
	pd_api_known_fields(r, r->json, NULL, fields, errs);
	pd_api_known_fields(r, pd_json_get(r->json, "passwordProfile"), "passwordProfile", pw_fields, errs);
	pd_api_attributes(r, r->json, "CustomerUser", false, errs);
	if (force && !json_is_boolean(force))
		pd_verr_add(errs, 3000, "passwordProfile.forceChangePassword", PD_MSG_BAD_TYPE, "a boolean");
	k->force_change = !force || json_is_true(force); /* a password given or made: temporary unless told */
	u->upn = upn_of(r, k, errs);
	u->first_name = opt_string(r, "firstName", 64, errs);
	u->last_name = opt_string(r, "lastName", 64, errs);
	u->display_name = opt_string(r, "displayName", 256, errs);
	u->usage_location = location_of(r, errs);
	u->roles = role_of(r, errs);
	json_t *pp = pd_json_get(r->json, "passwordProfile"), *pw = pp ? pd_json_get(pp, "password") : NULL;
	if (pw && (!json_is_string(pw) || !pd_password_strong(json_string_value(pw))))
		pd_verr_add(errs, 3000, "passwordProfile.password", PD_MSG_WEAK_PASSWORD, NULL);
	else if (pw)
		u->password_hash = pd_strdup(r->ar, json_string_value(pw)); /* hashed on the pool */
}

enum pd_next pd_cusers_create(struct pd_req *r)
{
	struct cu_job *k = begin(r, false);
	struct pd_verrs errs = {0};
	if (!k)
		return PD_REPLY;
	enum pd_err e = resolve_for_change(r, r->st, k);
	if (e != PD_OK) {
		cuser_error(r, e, k);
		return PD_REPLY;
	}
	decode_new(r, k, &errs);
	if (errs.n) {
		pd_reply_verrs(r, &errs);
		return PD_REPLY;
	}
	char *id = pd_alloc(r->ar, PD_UUID_LEN + 1);
	pd_uuid_new(id);
	struct pd_customer_user *u = &k->u;
	*u = (struct pd_customer_user){.partner_id = k->home, .customer_id = k->customer, .id = id,
				       .upn = u->upn, .first_name = u->first_name, .last_name = u->last_name,
				       .display_name = u->display_name ? u->display_name : u->upn,
				       .usage_location = u->usage_location ? u->usage_location : k->c.billing.addr.country,
				       .roles = u->roles ? u->roles : "user", .state = "active",
				       .password_hash = u->password_hash, .must_change_password = k->force_change,
				       .created = r->now};
	if (u->password_hash)
		return PD_WORK;
	new_password(r, k);
	u->password_hash = k->hash;
	return PD_WRITE;
}

/* On the worker pool: Argon2id of the password the partner chose. */
enum pd_next pd_cusers_create_hash(struct pd_req *r)
{
	struct cu_job *k = r->state;
	if (pd_password_hash(k->u.password_hash, k->hash) != 0) {
		pd_reply_error(r, PD_EBUSY, PD_MSG_BUSY, NULL, NULL);
		return PD_REPLY;
	}
	k->u.password_hash = k->hash;
	return PD_WRITE;
}

/* Prepare checked the relationship before the writer's transaction (and the pool's hash):
 * the writer checks it again, so a user is never added after the relationship ended. */
static enum pd_err still_reseller(struct pd_req *r, struct store *st, struct cu_job *k)
{
	struct pd_customer now;
	enum pd_err e = store_customer_get(st, r->who.partner_id, k->customer, &now, r->ar);
	if (e == PD_OK && strcmp(now.relationship, "reseller") != 0)
		e = (k->no_relationship = true, PD_ECONFLICT);
	return e;
}

enum pd_err pd_cusers_create_write(struct pd_req *r, struct store *st)
{
	struct cu_job *k = r->state;
	enum pd_err e = still_reseller(r, st, k);
	if (e == PD_OK)
		e = store_cuser_insert(st, &k->u);
	return e == PD_OK ? audit_cuser(r, st, k, "create_customer_user", NULL, &k->u) : e;
}

void pd_cusers_create_finish(struct pd_req *r, enum pd_err e)
{
	struct cu_job *k = r->state;
	sodium_memzero(k->hash, sizeof k->hash);
	if (e != PD_OK) {
		cuser_error(r, e, k);
		return;
	}
	reply_user(r, 201, k);
	pd_reply_header(r, "Location", pd_printf(r->ar, "/v1/customers/%s/users/%s", k->customer, k->u.id));
}

/* A PATCH: what partnerd changes, and what a client sends back of the user it read (id,
 * userPrincipalName, customerId, userDomainType, links: checked to be unchanged). */
static const char *const patch_fields[] = {"firstName", "lastName", "displayName", "usageLocation", "roles",
					   "state", "passwordProfile", "attributes", "id", "userPrincipalName",
					   "customerId", "userDomainType", "links", NULL};
static void decode_read_only(struct pd_req *r, struct cu_job *k, struct pd_verrs *errs)
{
	json_t *id = pd_json_get(r->json, "id"), *cid = pd_json_get(r->json, "customerId");
	json_t *upn = pd_json_get(r->json, "userPrincipalName"), *dt = pd_json_get(r->json, "userDomainType");
	pd_api_known_fields(r, r->json, NULL, patch_fields, errs);
	pd_api_attributes(r, r->json, "CustomerUser", false, errs);
	if (id && (!json_is_string(id) || strcasecmp(json_string_value(id), k->id)))
		pd_verr_add(errs, 3000, "id", PD_MSG_READ_ONLY, NULL);
	if (cid && (!json_is_string(cid) || strcasecmp(json_string_value(cid), k->customer)))
		pd_verr_add(errs, 3000, "customerId", PD_MSG_READ_ONLY, NULL);
	if (dt && (!json_is_string(dt) || strcasecmp(json_string_value(dt), "none")))
		pd_verr_add(errs, 3000, "userDomainType", PD_MSG_READ_ONLY, NULL);
	if (upn && !json_is_string(upn))
		pd_verr_add(errs, 3000, "userPrincipalName", PD_MSG_READ_ONLY, NULL);
	k->upn_given = json_string_value(upn) ? pd_strdup(r->ar, json_string_value(upn)) : NULL;
}

/* passwordProfile {password, forceChangePassword}: a reset to a password the partner chose
 * (the policy of every human-chosen password), hashed on the pool. */
static void decode_password(struct pd_req *r, struct cu_job *k, struct pd_verrs *errs)
{
	static const char *const fields[] = {"password", "forceChangePassword", NULL};
	json_t *pp = pd_json_get(r->json, "passwordProfile");
	json_t *pw = pd_json_get(pp, "password"), *force = pd_json_get(pp, "forceChangePassword");
	if (!pp)
		return;
	if (!json_is_object(pp)) {
		pd_verr_add(errs, 3000, "passwordProfile", PD_MSG_BAD_TYPE, "an object");
		return;
	}
	pd_api_known_fields(r, pp, "passwordProfile", fields, errs);
	if (!pw)
		pd_verr_add(errs, 3000, "passwordProfile.password", PD_MSG_REQUIRED, NULL);
	else if (!json_is_string(pw) || !pd_password_strong(json_string_value(pw)))
		pd_verr_add(errs, 3000, "passwordProfile.password", PD_MSG_WEAK_PASSWORD, NULL);
	if (force && !json_is_boolean(force))
		pd_verr_add(errs, 3000, "passwordProfile.forceChangePassword", PD_MSG_BAD_TYPE, "a boolean");
	k->reset = true;
	k->force_change = !force || json_is_true(force); /* a new password is temporary unless told */
	if (json_is_string(pw))
		k->u.password_hash = pd_strdup(r->ar, json_string_value(pw)); /* hashed on the pool */
}

enum pd_next pd_cusers_patch(struct pd_req *r)
{
	struct cu_job *k = begin(r, true);
	struct pd_verrs errs = {0};
	if (!k)
		return PD_REPLY;
	decode_read_only(r, k, &errs);
	decode_password(r, k, &errs);
	json_t *st = pd_json_get(r->json, "state");
	k->u.first_name = opt_string(r, "firstName", 64, &errs);
	k->u.last_name = opt_string(r, "lastName", 64, &errs);
	k->u.display_name = opt_string(r, "displayName", 256, &errs);
	k->u.usage_location = location_of(r, &errs);
	k->u.roles = role_of(r, &errs);
	if (st && (!json_is_string(st) || (strcmp(json_string_value(st), "active") && strcmp(json_string_value(st), "inactive"))))
		pd_verr_add(&errs, 3000, "state", PD_MSG_BAD_ENUM, "active, inactive");
	else if (st)
		k->u.state = pd_strdup(r->ar, json_string_value(st));
	if (errs.n) {
		pd_reply_verrs(r, &errs);
		return PD_REPLY;
	}
	return k->reset ? PD_WORK : PD_WRITE;
}

/* The user as it is (k->before) with the fields the PATCH gave (k->u) applied, into k->u. */
static void merge(struct cu_job *k)
{
	const struct pd_customer_user patch = k->u, *p = &patch;
	struct pd_customer_user *out = &k->u;
	*out = k->before;
	out->first_name = p->first_name ? p->first_name : out->first_name;
	out->last_name = p->last_name ? p->last_name : out->last_name;
	out->display_name = p->display_name ? p->display_name : out->display_name;
	out->usage_location = p->usage_location ? p->usage_location : out->usage_location;
	out->roles = p->roles ? p->roles : out->roles;
	out->state = p->state ? p->state : out->state;
	if (k->reset) {
		out->password_hash = k->hash;
		out->must_change_password = k->force_change;
	}
}

enum pd_err pd_cusers_patch_write(struct pd_req *r, struct store *st)
{
	struct cu_job *k = r->state;
	enum pd_err e = resolve_for_change(r, st, k);
	if (e == PD_OK)
		e = store_cuser_get(st, k->home, k->customer, k->id, &k->before, r->ar);
	if (e != PD_OK)
		return e;
	if (k->upn_given && strcasecmp(k->upn_given, k->before.upn)) /* names the user; never changes */
		return k->upn_changed = true, PD_EINVAL;
	merge(k);
	e = store_cuser_save(st, &k->u);
	/* a reset is recorded as one, whatever else the PATCH changed with it */
	return e == PD_OK ? audit_cuser(r, st, k, k->reset ? "reset_customer_user_password" : "update_customer_user",
					&k->before, &k->u) : e;
}

void pd_cusers_patch_finish(struct pd_req *r, enum pd_err e)
{
	struct cu_job *k = r->state;
	sodium_memzero(k->hash, sizeof k->hash);
	if (e == PD_EINVAL && k->upn_changed) {
		pd_api_bad(r, 3000, "userPrincipalName", PD_MSG_READ_ONLY, NULL);
		return;
	}
	if (e != PD_OK) {
		cuser_error(r, e, k);
		return;
	}
	json_t *o = cuser_json(r, &k->u);
	if (k->reset) /* the password is the partner's own: never sent back */
		json_object_set_new(o, "passwordProfile", json_pack("{s:b}", "forceChangePassword", k->force_change));
	pd_reply_json(r, 200, o);
}

enum pd_next pd_cusers_by_id(struct pd_req *r)
{
	struct cu_job *k = begin(r, true);
	if (!k)
		return PD_REPLY;
	new_password(r, k); /* used by reset only */
	return PD_WRITE;
}

enum pd_err pd_cusers_delete_write(struct pd_req *r, struct store *st)
{
	struct cu_job *k = r->state;
	enum pd_err e = resolve_for_change(r, st, k);
	if (e == PD_OK)
		e = store_cuser_get(st, k->home, k->customer, k->id, &k->before, r->ar);
	if (e == PD_OK)
		e = store_cuser_delete(st, k->home, k->customer, k->id, k->before.version);
	return e == PD_OK ? audit_cuser(r, st, k, "delete_customer_user", &k->before, NULL) : e;
}

void pd_cusers_delete_finish(struct pd_req *r, enum pd_err e)
{
	if (e != PD_OK) {
		cuser_error(r, e, r->state);
		return;
	}
	pd_reply_raw(r, 204, NULL, NULL, 0);
}

enum pd_err pd_cusers_reset_write(struct pd_req *r, struct store *st)
{
	struct cu_job *k = r->state;
	enum pd_err e = resolve_for_change(r, st, k);
	if (e == PD_OK)
		e = store_cuser_get(st, k->home, k->customer, k->id, &k->before, r->ar);
	if (e != PD_OK)
		return e;
	k->u = k->before;
	k->u.password_hash = k->hash;
	k->u.must_change_password = true;
	e = store_cuser_save(st, &k->u);
	return e == PD_OK ? audit_cuser(r, st, k, "reset_customer_user_password", &k->before, &k->u) : e;
}

void pd_cusers_reset_finish(struct pd_req *r, enum pd_err e)
{
	struct cu_job *k = r->state;
	if (e != PD_OK) {
		cuser_error(r, e, k);
		return;
	}
	reply_user(r, 200, k);
}
