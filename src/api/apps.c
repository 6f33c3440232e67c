/* apps.c - partner applications: client credentials for automation (/v1/apps and
 * `partnerd app add`).  The secret is generated, shown once and kept as a keyed digest;
 * rotating it or revoking the app ends every token issued to it at once. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "activity.h"
#include "api.h"
#include "ids.h"
#include "text.h"

struct app_job {
	struct pd_app a, before;
	const char *id;
	char secret[PD_TOKEN_CHARS + 1];
};

static json_t *app_json(const struct pd_app *a, struct pd_arena *ar)
{
	json_t *roles = pd_api_roles_json(a->roles);
	json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s}", "id", a->id, "clientId", a->id,
			      "displayName", a->display_name, "roles", roles, "state", a->state,
			      "createdAt", pd_iso_time(a->created, ar), "secretUpdatedAt",
			      pd_iso_time(a->secret_updated, ar));
	json_object_set_new(o, "links", json_pack("{s:o}", "self", pd_link(pd_printf(ar, "/apps/%s", a->id), "GET")));
	json_object_set_new(o, "attributes", json_pack("{s:s}", "objectType", "PartnerApplication"));
	return o;
}

static void new_secret(const unsigned char *key, struct app_job *k)
{
	pd_token_new(k->secret);
	pd_secret_digest(key, k->secret, k->a.secret_digest);
}

static enum pd_err audit_app(struct pd_req *r, struct store *st, const char *op,
			     const struct pd_app *before, const struct pd_app *after)
{
	struct pd_audit rec;
	json_t *o = before ? app_json(before, r->ar) : NULL, *n = after ? app_json(after, r->ar) : NULL;
	pd_activity_fill(r, &rec, op, "application", "succeeded", o, n);
	const struct pd_app *subject = after ? after : before; /* at least one is given */
	rec.resource_id = subject ? subject->id : NULL;
	json_decref(o);
	json_decref(n);
	return pd_activity_write(r, st, &rec);
}

static void reply_with_secret(struct pd_req *r, int status, struct app_job *k)
{
	json_t *o = app_json(&k->a, r->ar);
	json_object_set_new(o, "clientSecret", json_string(k->secret));
	pd_reply_json(r, status, o);
	sodium_memzero(k->secret, sizeof k->secret);
}

/* A page of the partner's apps in creation order (pages.c: size, continuation token). */
enum pd_next pd_apps_list(struct pd_req *r)
{
	struct pd_page p;
	struct pd_app *rows;
	size_t n;
	if (!pd_api_page(r, "apps", "", &p))
		return PD_REPLY;
	enum pd_err e = store_app_list(r->st, r->who.partner_id, p.has_after ? &p.after : NULL,
					     p.size, &rows, &n, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_APPS, NULL);
	const char *next = NULL;
	if (n > (size_t)p.size) {
		n = (size_t)p.size;
		next = pd_api_page_token(r, "apps", "", rows[n - 1].created, rows[n - 1].id);
	}
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, app_json(&rows[i], r->ar));
	pd_reply_json(r, 200, pd_collection(r, items, pd_printf(r->ar, "/apps?size=%d", p.size), next));
	return PD_REPLY;
}

enum pd_next pd_apps_get(struct pd_req *r)
{
	const char *id = pd_api_uuid_param(r, 0, "appId");
	struct pd_app a;
	if (!id)
		return PD_REPLY;
	enum pd_err e = store_app_get(r->st, r->who.partner_id, id, &a, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_APP, id);
	pd_reply_json(r, 200, app_json(&a, r->ar));
	return PD_REPLY;
}

enum pd_next pd_apps_create(struct pd_req *r)
{
	struct app_job *k = pd_alloc(r->ar, sizeof *k);
	struct pd_verrs errs = {0};
	static const char *const fields[] = {"displayName", "roles", "attributes", NULL};
	pd_api_known_fields(r, r->json, NULL, fields, &errs); /* issue 16: nothing silently ignored */
	json_t *dn = pd_json_get(r->json, "displayName");
	long len = json_is_string(dn) ? pd_utf8_len(json_string_value(dn)) : -1;
	if (len < 1 || len > 100)
		pd_verr_add(&errs, 3000, "displayName", dn ? PD_MSG_TOO_LONG : PD_MSG_REQUIRED, "100");
	else
		pd_text_check_bidi(&errs, "displayName", json_string_value(dn));
	k->a.roles = pd_roles_from_json(pd_json_get(r->json, "roles"), "roles", &errs, r->ar);
	if (errs.n) {
		pd_reply_verrs(r, &errs);
		return PD_REPLY;
	}
	char *id = pd_alloc(r->ar, PD_UUID_LEN + 1);
	pd_uuid_new(id);
	k->a.id = id;
	k->a.partner_id = r->who.partner_id;
	k->a.display_name = pd_strdup(r->ar, json_string_value(dn));
	k->a.state = "active";
	k->a.created = k->a.secret_updated = r->now;
	new_secret(r->key, k);
	r->state = k;
	return PD_WRITE;
}

enum pd_err pd_apps_create_write(struct pd_req *r, struct store *st)
{
	struct app_job *k = r->state;
	enum pd_err e = store_app_insert(st, &k->a);
	return e == PD_OK ? audit_app(r, st, "create_application", NULL, &k->a) : e;
}

void pd_apps_create_finish(struct pd_req *r, enum pd_err e)
{
	struct app_job *k = r->state;
	if (e != PD_OK) {
		pd_api_store_error(r, e, PD_NOUN_APP, NULL);
		return;
	}
	reply_with_secret(r, 201, k);
	pd_reply_header(r, "Location", pd_printf(r->ar, "/v1/apps/%s", k->a.id));
}

enum pd_next pd_apps_by_id(struct pd_req *r)
{
	struct app_job *k = pd_alloc(r->ar, sizeof *k);
	if (!(k->id = pd_api_uuid_param(r, 0, "appId")))
		return PD_REPLY;
	new_secret(r->key, k); /* used by rotate only */
	r->state = k;
	return PD_WRITE;
}

/* Loads the app for a change; a revoked app cannot be changed again. */
static enum pd_err load(struct pd_req *r, struct store *st, struct app_job *k)
{
	enum pd_err e = store_app_get(st, r->who.partner_id, k->id, &k->before, r->ar);
	return e == PD_OK && strcmp(k->before.state, "active") != 0 ? PD_ENOTFOUND : e;
}

enum pd_err pd_apps_rotate_write(struct pd_req *r, struct store *st)
{
	struct app_job *k = r->state;
	unsigned char digest[PD_DIGEST_LEN];
	memcpy(digest, k->a.secret_digest, sizeof digest);
	enum pd_err e = load(r, st, k);
	if (e != PD_OK)
		return e;
	k->a = k->before;
	memcpy(k->a.secret_digest, digest, sizeof digest);
	k->a.secret_updated = r->now;
	e = store_app_save(st, &k->a);
	if (e == PD_OK)
		e = store_tokens_revoke(st, r->who.partner_id, k->id);
	return e == PD_OK ? audit_app(r, st, "rotate_application_secret", &k->before, &k->a) : e;
}

void pd_apps_rotate_finish(struct pd_req *r, enum pd_err e)
{
	if (e != PD_OK) {
		pd_api_store_error(r, e, PD_NOUN_APP, NULL);
		return;
	}
	reply_with_secret(r, 200, r->state);
}

enum pd_err pd_apps_revoke_write(struct pd_req *r, struct store *st)
{
	struct app_job *k = r->state;
	enum pd_err e = load(r, st, k);
	if (e != PD_OK)
		return e;
	k->a = k->before;
	k->a.state = "revoked";
	e = store_app_save(st, &k->a);
	if (e == PD_OK)
		e = store_tokens_revoke(st, r->who.partner_id, k->id);
	return e == PD_OK ? audit_app(r, st, "revoke_application", &k->before, &k->a) : e;
}

void pd_apps_revoke_finish(struct pd_req *r, enum pd_err e)
{
	if (e != PD_OK) {
		pd_api_store_error(r, e, PD_NOUN_APP, NULL);
		return;
	}
	pd_reply_raw(r, 204, NULL, NULL, 0);
}

/* ---- partnerd app add ---- */

struct cli_app {
	struct pd_app a;
};

static enum pd_err insert_cli_app(struct store *st, void *arg)
{
	struct cli_app *c = arg;
	enum pd_err e = store_app_insert(st, &c->a);
	if (e != PD_OK)
		return e;
	char uuid[PD_UUID_LEN + 1];
	pd_uuid_new(uuid);
	struct pd_audit rec = {.partner_id = c->a.partner_id, .id = uuid, .created = c->a.created,
			       .operation = "create_application", .resource_type = "application",
			       .resource_id = c->a.id, .principal_kind = "cli",
			       .principal_name = "partnerd app add", .outcome = "succeeded"};
	return store_audit_insert(st, &rec);
}

static bool roles_ok(const char *roles)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", roles);
	for (char *p = strtok(buf, ","); p; p = strtok(NULL, ","))
		if (pd_role_parse(p) < 0)
			return false;
	return *roles != 0;
}

enum pd_err pd_app_create(struct store *st, const char *partner, const char *name,
			  const char *roles, char client_id[37], char secret[PD_TOKEN_CHARS + 1],
			  char *errbuf, size_t cap)
{
	unsigned char key[PD_KEY_LEN];
	if (!name || !*name || pd_utf8_len(name) > 100)
		return snprintf(errbuf, cap, "--name must be 1-100 characters"), PD_EINVAL;
	if (pd_text_bidi(name))
		return snprintf(errbuf, cap, "--name must not contain the bidirectional control %s", pd_text_bidi(name)), PD_EINVAL;
	if (!roles || !roles_ok(roles))
		return snprintf(errbuf, cap, "--role must be one or more of: %s", pd_role_names()), PD_EINVAL;
	struct pd_partner p;
	struct pd_arena *ar = pd_arena_new();
	enum pd_err e = store_partner_get(st, partner ? partner : "", &p, ar);
	pd_arena_free(ar);
	if (e != PD_OK)
		return snprintf(errbuf, cap, "no partner with the id '%s'", partner ? partner : ""), e;
	if ((e = store_secret_key(st, key)) != PD_OK)
		return snprintf(errbuf, cap, "cannot read the deployment key"), e;
	pd_uuid_new(client_id);
	pd_token_new(secret);
	struct cli_app c = {.a = {.partner_id = partner, .id = client_id, .display_name = name,
				  .roles = roles, .state = "active", .created = (long long)time(NULL)}};
	c.a.secret_updated = c.a.created;
	pd_secret_digest(key, secret, c.a.secret_digest);
	sodium_memzero(key, sizeof key);
	e = store_tx(st, insert_cli_app, &c);
	if (e != PD_OK)
		snprintf(errbuf, cap, "the store refused the write (%s)", pd_err_name(e));
	return e;
}
