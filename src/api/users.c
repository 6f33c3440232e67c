/* users.c - partner staff: /v1/users (list, add with a temporary password shown once, get,
 * change display name / roles / state, remove, reset password) and /v1/me (own profile,
 * own password).  A partner always keeps one active global admin.  Temporary passwords are
 * generated secrets (fast digest); a password a user chooses is hashed with Argon2id. */
#include <sodium.h>
#include <string.h>
#include <time.h>
#include "activity.h"
#include "api.h"
#include "country.h"
#include "ids.h"
#include "text.h"
#include "throttle.h"

struct user_job {
	struct pd_user u, before;
	const char *id;
	char password[PD_GENPW_CHARS + 1];      /* a new temporary password */
	char hash[PD_PWHASH_LEN];
	json_t *patch;                          /* PATCH body (borrowed from the request) */
	bool last_admin;
	const char *current, *next;             /* own password change */
	struct pd_signin *attempt;              /* its check of the current password */
};

json_t *pd_user_json(const struct pd_user *u, struct pd_arena *ar)
{
	json_t *roles = pd_api_roles_json(u->roles);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:b}", "id", u->id, "displayName",
			      u->display_name ? u->display_name : u->email, "userPrincipalName", u->email,
			      "email", u->email, "roles", roles, "state", u->state, "mustChangePassword",
			      u->must_change_password);
	json_object_set_new(o, "links", json_pack("{s:o}", "self", pd_link(pd_printf(ar, "/users/%s", u->id), "GET")));
	json_object_set_new(o, "attributes", json_pack("{s:s}", "objectType", "PartnerUser"));
	return o;
}

/* A JSON array of role names as "a,b" (arena); NULL after adding an error on `field`. */
const char *pd_roles_from_json(json_t *v, const char *field, struct pd_verrs *errs,
			       struct pd_arena *ar)
{
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > PD_ROLE_COUNT) {
		pd_verr_add(errs, 3000, field, v ? PD_MSG_BAD_ENUM : PD_MSG_REQUIRED, pd_role_names());
		return NULL;
	}
	char *out = pd_alloc(ar, 256);
	size_t i;
	json_t *r;
	json_array_foreach(v, i, r) {
		if (!json_is_string(r) || pd_role_parse(json_string_value(r)) < 0) {
			pd_verr_add(errs, 3000, field, PD_MSG_BAD_ENUM, pd_role_names());
			return NULL;
		}
		if (!pd_roles_contain(out, json_string_value(r)))
			strcat(strcat(out, *out ? "," : ""), json_string_value(r));
	}
	return out;
}

/* Only a global admin may grant the global admin role or act on a global admin (reset its
 * password, change, disable or remove it): a user management admin cannot promote itself. */
static bool may_touch(struct pd_req *r, const char *target_roles, const char *new_roles)
{
	if (pd_roles_contain(r->who.roles, "global_admin"))
		return true;
	return !pd_roles_contain(target_roles, "global_admin") && !pd_roles_contain(new_roles, "global_admin");
}

static bool active_admin(const struct pd_user *u)
{
	return !strcmp(u->state, "active") && pd_roles_contain(u->roles, "global_admin");
}

/* PD_ECONFLICT (k->last_admin) if `after` would leave the partner without an active global admin. */
static enum pd_err keep_an_admin(struct store *st, struct user_job *k, const struct pd_user *after)
{
	long long n = 0;
	if (!active_admin(&k->before) || (after && active_admin(after)))
		return PD_OK;
	enum pd_err e = store_user_count_role(st, k->before.partner_id, "global_admin", &n);
	if (e == PD_OK && n <= 1) {
		k->last_admin = true;
		return PD_ECONFLICT;
	}
	return e;
}

static enum pd_err audit_user(struct pd_req *r, struct store *st, const char *op,
			      const struct pd_user *before, const struct pd_user *after)
{
	struct pd_audit a;
	json_t *o = before ? pd_user_json(before, r->ar) : NULL, *n = after ? pd_user_json(after, r->ar) : NULL;
	pd_activity_fill(r, &a, op, "partner_user", "succeeded", o, n);
	const struct pd_user *subject = after ? after : before; /* at least one is given */
	a.resource_id = subject ? subject->id : NULL;
	json_decref(o);
	json_decref(n);
	return pd_activity_write(r, st, &a);
}

static void user_error(struct pd_req *r, enum pd_err e, struct user_job *k)
{
	if (e == PD_EFORBIDDEN)
		pd_reply_error(r, e, PD_MSG_FORBIDDEN, "roles", "global_admin");
	else if (e == PD_ECONFLICT && k->last_admin)
		pd_reply_error(r, e, PD_MSG_LAST_ADMIN, "userId", NULL);
	else if (e == PD_ECONFLICT)
		pd_reply_error(r, e, PD_MSG_EMAIL_TAKEN, "userPrincipalName", k->u.email);
	else
		pd_api_store_error(r, e, PD_NOUN_USER, NULL);
}

/* ---- list and get ---- */

enum pd_next pd_users_list(struct pd_req *r)
{
	struct pd_query q = {0};
	struct pd_verrs errs = {0};
	struct pd_user *rows;
	size_t n;
	const char *token = pd_req_header(r, "MS-ContinuationToken");
	pd_page_size_parse(pd_req_query(r, "size"), &q, &errs);
	if (token && !pd_token_decode(token, &q, r->ar))
		pd_verr_add(&errs, 3000, "MS-ContinuationToken", PD_MSG_BAD_TOKEN, NULL);
	if (errs.n) {
		pd_reply_verrs(r, &errs);
		return PD_REPLY;
	}
	enum pd_err e = store_user_list(r->st, r->who.partner_id, q.has_after ? q.after_key : NULL, q.size, &rows, &n, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_USERS, NULL);
	const char *next = NULL;
	if (n > (size_t)q.size) {
		n = (size_t)q.size;
		next = pd_token_encode(&q, pd_text_key(r->ar, rows[n - 1].email), 0, r->ar);
	}
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, pd_user_json(&rows[i], r->ar));
	pd_reply_json(r, 200, pd_collection(r, items, "/users", next));
	return PD_REPLY;
}

enum pd_next pd_users_get(struct pd_req *r)
{
	const char *id = pd_api_uuid_param(r, 0, "userId");
	struct pd_user u;
	if (!id)
		return PD_REPLY;
	enum pd_err e = store_user_get(r->st, r->who.partner_id, id, &u, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_USER, id);
	pd_reply_json(r, 200, pd_user_json(&u, r->ar));
	return PD_REPLY;
}

/* ---- add ---- */

static void new_temporary_password(struct pd_req *r, struct user_job *k)
{
	pd_password_generate(k->password);
	pd_generated_password_encode(r->key, k->password, k->hash);
	k->u.password_hash = k->hash;
	k->u.must_change_password = true;
}

static void decode_new_user(struct pd_req *r, struct user_job *k, struct pd_verrs *errs)
{
	static const char *const fields[] = {"userPrincipalName", "email", "displayName", "roles", "attributes", NULL};
	pd_api_known_fields(r, r->json, NULL, fields, errs); /* issue 16: nothing silently ignored */
	json_t *upn = pd_json_get(r->json, "userPrincipalName"), *dn = pd_json_get(r->json, "displayName");
	if (!upn)
		upn = pd_json_get(r->json, "email");
	if (!json_is_string(upn) || !pd_email_ok(json_string_value(upn)) || json_string_length(upn) > 254)
		pd_verr_add(errs, 3000, "userPrincipalName", upn ? PD_MSG_BAD_EMAIL : PD_MSG_REQUIRED, NULL);
	else
		k->u.email = pd_strdup(r->ar, json_string_value(upn));
	if (dn && (!json_is_string(dn) || pd_utf8_len(json_string_value(dn)) < 1 || pd_utf8_len(json_string_value(dn)) > 100))
		pd_verr_add(errs, 3000, "displayName", PD_MSG_TOO_LONG, "100");
	else if (dn && pd_text_check_bidi(errs, "displayName", json_string_value(dn)))
		k->u.display_name = pd_strdup(r->ar, json_string_value(dn));
	k->u.roles = pd_roles_from_json(pd_json_get(r->json, "roles"), "roles", errs, r->ar);
}

enum pd_next pd_users_create(struct pd_req *r)
{
	struct user_job *k = pd_alloc(r->ar, sizeof *k);
	struct pd_verrs errs = {0};
	decode_new_user(r, k, &errs);
	if (errs.n) {
		pd_reply_verrs(r, &errs);
		return PD_REPLY;
	}
	if (!may_touch(r, NULL, k->u.roles)) {
		user_error(r, PD_EFORBIDDEN, k);
		return PD_REPLY;
	}
	char *id = pd_alloc(r->ar, PD_UUID_LEN + 1);
	pd_uuid_new(id);
	k->u.id = id;
	k->u.partner_id = r->who.partner_id;
	k->u.state = "active";
	k->u.created = r->now;
	if (!k->u.display_name)
		k->u.display_name = k->u.email;
	new_temporary_password(r, k);
	r->state = k;
	return PD_WRITE;
}

enum pd_err pd_users_create_write(struct pd_req *r, struct store *st)
{
	struct user_job *k = r->state;
	enum pd_err e = store_user_insert(st, &k->u);
	return e == PD_OK ? audit_user(r, st, "create_partner_user", NULL, &k->u) : e;
}

/* The user and, once, the temporary password it must change at its first sign-in. */
static void reply_with_password(struct pd_req *r, int status, struct user_job *k)
{
	json_t *o = pd_user_json(&k->u, r->ar);
	json_object_set_new(o, "passwordProfile", json_pack("{s:s, s:b}", "password", k->password,
							    "forceChangePassword", 1));
	pd_reply_json(r, status, o);
	sodium_memzero(k->password, sizeof k->password);
}

void pd_users_create_finish(struct pd_req *r, enum pd_err e)
{
	struct user_job *k = r->state;
	if (e != PD_OK) {
		user_error(r, e, k);
		return;
	}
	reply_with_password(r, 201, k);
	pd_reply_header(r, "Location", pd_printf(r->ar, "/v1/users/%s", k->u.id));
}

/* ---- change, remove, reset ---- */

static void decode_patch(struct pd_req *r, struct user_job *k, struct pd_verrs *errs)
{
	static const char *const fields[] = {"displayName", "state", "roles", "attributes", NULL};
	pd_api_known_fields(r, r->json, NULL, fields, errs); /* issue 16: nothing silently ignored */
	json_t *dn = pd_json_get(r->json, "displayName"), *st = pd_json_get(r->json, "state");
	json_t *roles = pd_json_get(r->json, "roles");
	if (dn && (!json_is_string(dn) || pd_utf8_len(json_string_value(dn)) < 1 || pd_utf8_len(json_string_value(dn)) > 100))
		pd_verr_add(errs, 3000, "displayName", PD_MSG_TOO_LONG, "100");
	else if (dn)
		pd_text_check_bidi(errs, "displayName", json_string_value(dn));
	if (st && (!json_is_string(st) || (strcmp(json_string_value(st), "active") && strcmp(json_string_value(st), "disabled"))))
		pd_verr_add(errs, 3000, "state", PD_MSG_BAD_ENUM, "active, disabled");
	if (roles)
		k->u.roles = pd_roles_from_json(roles, "roles", errs, r->ar);
	k->patch = r->json;
}

enum pd_next pd_users_patch(struct pd_req *r)
{
	struct user_job *k = pd_alloc(r->ar, sizeof *k);
	struct pd_verrs errs = {0};
	if (!(k->id = pd_api_uuid_param(r, 0, "userId")))
		return PD_REPLY;
	decode_patch(r, k, &errs);
	if (errs.n) {
		pd_reply_verrs(r, &errs);
		return PD_REPLY;
	}
	r->state = k;
	return PD_WRITE;
}

static void apply_patch(struct pd_req *r, struct user_job *k, struct pd_user *u)
{
	json_t *dn = pd_json_get(k->patch, "displayName"), *st = pd_json_get(k->patch, "state");
	const char *roles = k->u.roles;
	*u = k->before;
	if (dn)
		u->display_name = pd_strdup(r->ar, json_string_value(dn));
	if (st)
		u->state = pd_strdup(r->ar, json_string_value(st));
	if (roles)
		u->roles = roles;
}

enum pd_err pd_users_patch_write(struct pd_req *r, struct store *st)
{
	struct user_job *k = r->state;
	const char *roles = k->u.roles;
	enum pd_err e = store_user_get(st, r->who.partner_id, k->id, &k->before, r->ar);
	k->u.roles = roles;
	if (e == PD_OK)
		apply_patch(r, k, &k->u);
	if (e == PD_OK && !may_touch(r, k->before.roles, k->u.roles))
		e = PD_EFORBIDDEN;
	if (e == PD_OK)
		e = keep_an_admin(st, k, &k->u);
	if (e == PD_OK)
		e = store_user_save(st, &k->u);
	if (e == PD_OK && strcmp(k->u.state, "active") != 0)
		e = store_tokens_revoke(st, r->who.partner_id, k->id);
	return e == PD_OK ? audit_user(r, st, "update_partner_user", &k->before, &k->u) : e;
}

void pd_users_patch_finish(struct pd_req *r, enum pd_err e)
{
	struct user_job *k = r->state;
	if (e != PD_OK) {
		user_error(r, e, k);
		return;
	}
	pd_reply_json(r, 200, pd_user_json(&k->u, r->ar));
}

enum pd_next pd_users_by_id(struct pd_req *r)
{
	struct user_job *k = pd_alloc(r->ar, sizeof *k);
	if (!(k->id = pd_api_uuid_param(r, 0, "userId")))
		return PD_REPLY;
	new_temporary_password(r, k); /* used by reset only */
	r->state = k;
	return PD_WRITE;
}

enum pd_err pd_users_delete_write(struct pd_req *r, struct store *st)
{
	struct user_job *k = r->state;
	enum pd_err e = store_user_get(st, r->who.partner_id, k->id, &k->before, r->ar);
	if (e == PD_OK && !may_touch(r, k->before.roles, NULL))
		e = PD_EFORBIDDEN;
	if (e == PD_OK)
		e = keep_an_admin(st, k, NULL);
	if (e == PD_OK)
		e = store_user_delete(st, r->who.partner_id, k->id, k->before.version);
	if (e == PD_OK)
		e = store_tokens_revoke(st, r->who.partner_id, k->id);
	return e == PD_OK ? audit_user(r, st, "delete_partner_user", &k->before, NULL) : e;
}

void pd_users_delete_finish(struct pd_req *r, enum pd_err e)
{
	if (e != PD_OK) {
		user_error(r, e, r->state);
		return;
	}
	pd_reply_raw(r, 204, NULL, NULL, 0);
}

enum pd_err pd_users_reset_write(struct pd_req *r, struct store *st)
{
	struct user_job *k = r->state;
	const char *hash = k->u.password_hash;
	enum pd_err e = store_user_get(st, r->who.partner_id, k->id, &k->before, r->ar);
	if (e == PD_OK && !may_touch(r, k->before.roles, NULL))
		e = PD_EFORBIDDEN;
	if (e != PD_OK)
		return e;
	k->u = k->before;
	k->u.password_hash = hash;
	k->u.must_change_password = true;
	e = store_user_save(st, &k->u);
	if (e == PD_OK)
		e = store_tokens_revoke(st, r->who.partner_id, k->id);
	return e == PD_OK ? audit_user(r, st, "reset_partner_user_password", &k->before, &k->u) : e;
}

void pd_users_reset_finish(struct pd_req *r, enum pd_err e)
{
	if (e != PD_OK) {
		user_error(r, e, r->state);
		return;
	}
	reply_with_password(r, 200, r->state);
}

/* ---- me ---- */

enum pd_next pd_me_get(struct pd_req *r)
{
	struct pd_user u;
	if (strcmp(r->who.kind, "user") != 0) {
		pd_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:{s:s}}", "id", r->who.id, "displayName",
						r->who.name, "kind", "application", "attributes", "objectType",
						"PartnerApplication"));
		return PD_REPLY;
	}
	enum pd_err e = store_user_get(r->st, r->who.partner_id, r->who.id, &u, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_USER, NULL);
	json_t *o = pd_user_json(&u, r->ar);
	json_object_set_new(o, "partnerId", json_string(u.partner_id));
	pd_reply_json(r, 200, o);
	return PD_REPLY;
}

static const char *string_field(struct pd_req *r, const char *name, struct pd_verrs *errs)
{
	json_t *v = pd_json_get(r->json, name);
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 1024) {
		pd_verr_add(errs, 3000, name, v ? PD_MSG_BAD_TYPE : PD_MSG_REQUIRED, "a string");
		return NULL;
	}
	return json_string_value(v);
}

enum pd_next pd_me_password(struct pd_req *r)
{
	struct user_job *k = pd_alloc(r->ar, sizeof *k);
	struct pd_verrs errs = {0};
	static const char *const fields[] = {"currentPassword", "newPassword", NULL};
	pd_api_known_fields(r, r->json, NULL, fields, &errs);
	k->current = string_field(r, "currentPassword", &errs);
	k->next = string_field(r, "newPassword", &errs);
	if (k->next && !pd_password_strong(k->next))
		pd_verr_add(&errs, 3000, "newPassword", PD_MSG_WEAK_PASSWORD, NULL);
	if (!errs.n && strcmp(r->who.kind, "user") != 0)
		pd_verr_add(&errs, 3000, "currentPassword", PD_MSG_INVALID, NULL);
	if (errs.n) {
		pd_reply_verrs(r, &errs);
		return PD_REPLY;
	}
	int wait = 0;
	enum pd_err e = pd_signin_begin(r->throttle, r->who.name, r->peer, r->now, r->ar, &k->attempt, &wait);
	if (e == PD_ELIMIT)
		return pd_api_too_many(r, wait);
	if (e != PD_OK) {
		pd_reply_header(r, "Retry-After", pd_printf(r->ar, "%d", wait));
		return pd_api_store_error(r, e, PD_NOUN_USER, NULL);
	}
	e = store_user_get(r->st, r->who.partner_id, r->who.id, &k->before, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_USER, NULL); /* the attempt is released with r->ar */
	r->state = k;
	return PD_WORK;
}

/* On the worker pool: check the current password, hash the new one. */
enum pd_next pd_me_password_hash(struct pd_req *r)
{
	struct user_job *k = r->state;
	if (!pd_password_check(k->before.password_hash, k->current, r->key)) {
		pd_signin_failed(k->attempt, true, (long long)time(NULL));
		pd_reply_error(r, PD_EINVAL, PD_MSG_WRONG_PASSWORD, "currentPassword", NULL);
		return PD_REPLY; /* the server records the failed attempt */
	}
	if (pd_password_hash(k->next, k->hash) != 0) {
		pd_reply_error(r, PD_EBUSY, PD_MSG_BUSY, NULL, NULL);
		return PD_REPLY;
	}
	k->u = k->before;
	k->u.password_hash = k->hash;
	k->u.must_change_password = false;
	return PD_WRITE;
}

enum pd_err pd_me_password_write(struct pd_req *r, struct store *st)
{
	struct user_job *k = r->state;
	enum pd_err e = store_user_save(st, &k->u);
	return e == PD_OK ? audit_user(r, st, "change_own_password", &k->before, &k->u) : e;
}

void pd_me_password_finish(struct pd_req *r, enum pd_err e)
{
	struct user_job *k = r->state;
	sodium_memzero(k->hash, sizeof k->hash);
	if (e != PD_OK) {
		pd_api_store_error(r, e, PD_NOUN_USER, NULL);
		return;
	}
	pd_signin_succeeded(k->attempt, (long long)time(NULL));
	pd_reply_json(r, 200, pd_user_json(&k->u, r->ar));
}
