/* store_staff.c - the operations on the partner side, written once above the driver:
 * settings, partners, partner users (staff), apps, bearer tokens and the activity log. */
#include <string.h>
#include "driver.h"
#include "text.h"

static enum pd_err setting_get(struct store *st, const char *name, char **value, struct pd_arena *ar)
{
	return drv_one(st, S_SETTING_GET, drv_read_text, value, ar, "t", name);
}

static enum pd_err setting_put(struct store *st, const char *name, const char *value)
{
	return drv_cmd(st, S_SETTING_PUT, NULL, "tt", name, value);
}

static enum pd_err partner_insert(struct store *st, const struct pd_partner *p)
{
	return drv_cmd(st, S_PARTNER_INSERT, NULL, "tti", p->id, p->name, p->created);
}

static enum pd_err partner_count(struct store *st, long long *n)
{
	*n = 0;
	return drv_one(st, S_PARTNER_COUNT, drv_read_num, n, NULL, "");
}

static enum pd_err read_partner(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	*(struct pd_partner *)row = (struct pd_partner){drv_s(c, 0, ar), drv_s(c, 1, ar), drv_i(c, 2)};
	return PD_OK;
}

static enum pd_err partner_get(struct store *st, const char *id, struct pd_partner *p, struct pd_arena *ar)
{
	return drv_one(st, S_PARTNER_GET, read_partner, p, ar, "t", id);
}

/* ---- partner users ---- */

static enum pd_err user_insert(struct store *st, const struct pd_user *u)
{
	struct pd_arena *ar = pd_arena_new();
	const char *key = pd_text_key(ar, u->email);
	enum pd_err e = key ? drv_cmd(st, S_USER_INSERT, NULL, "tttttttbit", u->partner_id, u->id, u->email,
				      u->display_name, u->password_hash, u->roles, u->state ? u->state : "active",
				      u->must_change_password, u->created, key)
			    : PD_EINVAL;
	pd_arena_free(ar);
	return e;
}

static enum pd_err read_user(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	*(struct pd_user *)row = (struct pd_user){
		.partner_id = drv_s(c, 0, ar), .id = drv_s(c, 1, ar), .email = drv_s(c, 2, ar),
		.display_name = drv_s(c, 3, ar), .password_hash = drv_s(c, 4, ar), .roles = drv_s(c, 5, ar),
		.state = drv_s(c, 6, ar), .must_change_password = drv_i(c, 7) != 0, .created = drv_i(c, 8),
		.version = drv_i(c, 9)};
	return PD_OK;
}

static enum pd_err user_by_email(struct store *st, const char *email, struct pd_user *u, struct pd_arena *ar)
{
	const char *key = pd_text_key(ar, email);
	return key ? drv_one(st, S_USER_BY_EMAIL, read_user, u, ar, "t", key) : PD_ENOTFOUND;
}

static enum pd_err user_get(struct store *st, const char *partner, const char *id, struct pd_user *u,
			    struct pd_arena *ar)
{
	return drv_one(st, S_USER_GET, read_user, u, ar, "tt", partner, id);
}

static enum pd_err user_list(struct store *st, const char *partner, const char *after, int size,
			     struct pd_user **rows, size_t *n, struct pd_arena *ar)
{
	return drv_rows(st, S_USER_LIST, sizeof **rows, size + 1, read_user, rows, n, ar, "ttn", partner,
			after ? after : "", size + 1);
}

static enum pd_err user_save(struct store *st, struct pd_user *u)
{
	return drv_save(st, S_USER_SAVE, S_USER_EXISTS, 2, &u->version, "ttttttbi", u->partner_id, u->id,
			u->display_name, u->roles, u->state, u->password_hash, u->must_change_password, u->version);
}

static enum pd_err user_delete(struct store *st, const char *partner, const char *id, long long version)
{
	return drv_save(st, S_USER_DELETE, S_USER_EXISTS, 2, NULL, "tti", partner, id, version);
}

static enum pd_err user_count_role(struct store *st, const char *partner, const char *role, long long *n)
{
	*n = 0;
	return drv_one(st, S_USER_COUNT_ROLE, drv_read_num, n, NULL, "tt", partner, role);
}

/* ---- apps ---- */

static enum pd_err app_insert(struct store *st, const struct pd_app *a)
{
	return drv_cmd(st, S_APP_INSERT, NULL, "tttttdii", a->partner_id, a->id, a->display_name, a->roles,
		       a->state ? a->state : "active", a->secret_digest, a->created, a->secret_updated);
}

static enum pd_err app_save(struct store *st, struct pd_app *a)
{
	return drv_save(st, S_APP_SAVE, S_APP_EXISTS, 2, &a->version, "tttttdii", a->partner_id, a->id,
			a->display_name, a->roles, a->state, a->secret_digest, a->secret_updated, a->version);
}

static enum pd_err read_app(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	struct pd_app *a = row;
	*a = (struct pd_app){.partner_id = drv_s(c, 0, ar), .id = drv_s(c, 1, ar), .display_name = drv_s(c, 2, ar),
			     .roles = drv_s(c, 3, ar), .state = drv_s(c, 4, ar), .created = drv_i(c, 6),
			     .secret_updated = drv_i(c, 7), .version = drv_i(c, 8)};
	/* a digest of another length is a damaged row, not an app without a secret */
	return c->st->drv->blob(c, 5, a->secret_digest, PD_DIGEST_LEN) ? PD_OK : PD_EINTERNAL;
}

static enum pd_err app_get(struct store *st, const char *partner, const char *id, struct pd_app *a,
			   struct pd_arena *ar)
{
	return drv_one(st, S_APP_GET, read_app, a, ar, "tt", partner, id);
}

static enum pd_err app_by_client(struct store *st, const char *client_id, struct pd_app *a, struct pd_arena *ar)
{
	return drv_one(st, S_APP_BY_CLIENT, read_app, a, ar, "t", client_id);
}

static enum pd_err app_list(struct store *st, const char *partner, const struct pd_after *after, int size,
			    struct pd_app **rows, size_t *n, struct pd_arena *ar)
{
	return drv_rows(st, S_APP_LIST, sizeof **rows, size + 1, read_app, rows, n, ar, "tan", partner, after,
			size + 1);
}

/* ---- tokens ---- */

static enum pd_err tokens_revoke(struct store *st, const char *partner, const char *principal)
{
	return drv_cmd(st, S_TOKENS_REVOKE, NULL, "tt", partner, principal);
}

static enum pd_err token_delete(struct store *st, const char *partner, const unsigned char *digest)
{
	return drv_cmd(st, S_TOKEN_DELETE, NULL, "dt", digest, partner);
}

static enum pd_err token_insert(struct store *st, const struct pd_token *t)
{
	long long changed = 0;
	const char *keys[] = {t->partner_id, t->principal_id};
	bool app = t->principal_kind && !strcmp(t->principal_kind, "app");
	enum pd_err e = drv_cmd(st, S_TOKEN_INSERT, &changed, "dttttii", t->digest, t->partner_id,
				t->principal_kind, t->principal_id, t->roles, t->expires, t->principal_version);
	return drv_versioned(st, e, changed, app ? S_APP_EXISTS : S_USER_EXISTS, keys, 2, NULL);
}

static enum pd_err read_token(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	struct pd_token *t = row;
	t->partner_id = drv_s(c, 0, ar);
	t->principal_kind = drv_s(c, 1, ar);
	t->principal_id = drv_s(c, 2, ar);
	t->expires = drv_i(c, 3);
	t->roles = drv_s(c, 4, ar);
	t->state = drv_s(c, 5, ar);
	t->principal_name = drv_s(c, 6, ar);
	t->must_change_password = drv_i(c, 7) != 0;
	return PD_OK;
}

static enum pd_err token_lookup(struct store *st, const unsigned char *digest, struct pd_token *t,
				struct pd_arena *ar)
{
	enum pd_err e = drv_one(st, S_TOKEN_LOOKUP, read_token, t, ar, "d", digest);
	if (e == PD_OK)
		memcpy(t->digest, digest, PD_DIGEST_LEN);
	return e;
}

/* ---- the activity log ---- */

static enum pd_err audit_insert(struct store *st, struct pd_audit *a)
{
	enum pd_err e = drv_one(st, S_AUDIT_SEQ, drv_read_num, &a->seq, NULL, "");
	if (e != PD_OK)
		return e;
	struct pd_arena *ar = pd_arena_new(); /* the name keys: ?19, ?20 on PostgreSQL */
	e = drv_cmd(st, S_AUDIT_INSERT, NULL, "ttiitttttttttttttttt", a->partner_id, a->id, a->seq, a->created,
		    a->operation, a->resource_type, a->resource_id, a->customer_id, a->customer_name,
		    a->principal_kind, a->principal_id, a->principal_name, a->outcome, a->request_id,
		    a->correlation_id, a->old_value, a->new_value, a->source, pd_text_key(ar, a->principal_name),
		    pd_text_key(ar, a->customer_name));
	pd_arena_free(ar);
	return e;
}

static enum pd_err read_audit(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	*(struct pd_audit *)row = (struct pd_audit){
		.partner_id = drv_s(c, 0, ar), .id = drv_s(c, 1, ar), .seq = drv_i(c, 2), .created = drv_i(c, 3),
		.operation = drv_s(c, 4, ar), .resource_type = drv_s(c, 5, ar), .resource_id = drv_s(c, 6, ar),
		.customer_id = drv_s(c, 7, ar), .customer_name = drv_s(c, 8, ar),
		.principal_kind = drv_s(c, 9, ar), .principal_id = drv_s(c, 10, ar),
		.principal_name = drv_s(c, 11, ar), .outcome = drv_s(c, 12, ar), .request_id = drv_s(c, 13, ar),
		.correlation_id = drv_s(c, 14, ar), .old_value = drv_s(c, 15, ar), .new_value = drv_s(c, 16, ar),
		.source = drv_s(c, 17, ar)};
	return PD_OK;
}

/* The search key of a filter value; a value that has none (invalid UTF-8) matches nothing. */
static const char *filter_key(const char *v, struct pd_arena *ar)
{
	const char *k = v ? pd_text_key(ar, v) : NULL;
	return v && !k ? "\x01" : k;
}

static enum pd_err audit_list(struct store *st, const char *partner, const struct pd_audit_query *f,
			      struct pd_audit **rows, size_t *n, struct pd_arena *ar)
{
	return drv_rows(st, S_AUDIT_LIST, sizeof **rows, f->size + 1, read_audit, rows, n, ar, "tiiitttttn",
			partner, f->after_seq, f->start, f->end, f->operation, f->resource_type,
			filter_key(f->user, ar), f->customer_id, filter_key(f->customer_name, ar), f->size + 1);
}

static enum pd_err audit_get(struct store *st, const char *partner, const char *id, struct pd_audit *a,
			     struct pd_arena *ar)
{
	return drv_one(st, S_AUDIT_GET, read_audit, a, ar, "tt", partner, id);
}

void store_ops_staff(struct store_ops *o)
{
	o->setting_get = setting_get, o->setting_put = setting_put;
	o->partner_insert = partner_insert, o->partner_count = partner_count, o->partner_get = partner_get;
	o->user_insert = user_insert, o->user_by_email = user_by_email, o->user_get = user_get;
	o->user_list = user_list, o->user_save = user_save, o->user_delete = user_delete;
	o->user_count_role = user_count_role;
	o->app_insert = app_insert, o->app_get = app_get, o->app_by_client = app_by_client;
	o->app_list = app_list, o->app_save = app_save;
	o->tokens_revoke = tokens_revoke, o->token_delete = token_delete;
	o->token_insert = token_insert, o->token_lookup = token_lookup;
	o->audit_insert = audit_insert, o->audit_list = audit_list, o->audit_get = audit_get;
}
