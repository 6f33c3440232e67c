/* oauth.c - POST /oauth2/token, partnerd's own token endpoint in place of Azure AD:
 * grant_type=password for partner users (one Argon2id on the worker pool for every account,
 * signin.h, so timing tells neither who exists nor who holds a temporary password) and
 * grant_type=client_credentials for partner apps (a keyed digest, checked on the loop).
 * Sign-in protection (throttle.h) reserves the attempt before any secret is checked, or
 * answers 429 (503 when it cannot count it); the verdict ends the reservation.  The token is
 * random, stored as a keyed digest, returned once; sign-ins are recorded in the activity
 * log (failures by the server, for accounts that exist).  POST /portal/session is the same
 * password grant for the portal, answered with a session cookie instead of a token. */
#include <sodium.h>
#include <string.h>
#include <time.h>
#include "activity.h"
#include "api.h"
#include "auth.h"
#include "ids.h"
#include "signin.h"
#include "throttle.h"

struct grant {
	struct pd_user user;
	struct pd_app app;
	const char *account, *secret;
	bool known, is_app, ok;
	bool session;              /* the portal's sign-in: the token goes into a cookie */
	struct pd_signin *attempt; /* reserved with the sign-in protection */
	char token[PD_TOKEN_CHARS + 1];
	struct pd_token row;
};

static enum pd_next oauth_error(struct pd_req *r, int status, const char *error, const char *desc)
{
	pd_reply_json(r, status, json_pack("{s:s, s:s}", "error", error, "error_description", desc));
	return PD_REPLY;
}

/* The caller, for the activity log, once the account is known (failures included). */
static void set_caller(struct pd_req *r, struct grant *g)
{
	if (g->is_app)
		r->who = (struct pd_principal){g->app.partner_id, g->app.id, "app", g->app.roles, g->app.display_name, false};
	else
		r->who = (struct pd_principal){g->user.partner_id, g->user.id, "user", g->user.roles, g->user.email, false};
}

static enum pd_next refuse(struct pd_req *r, struct grant *g)
{
	pd_signin_failed(g->attempt, g->known, (long long)time(NULL));
	if (g->known)
		set_caller(r, g);
	if (g->is_app)
		r->audit_resource = "application";
	return oauth_error(r, 400, g->is_app ? "invalid_client" : "invalid_grant",
			   g->is_app ? "the client id or secret is wrong" : "the user name or password is wrong");
}

static enum pd_next grant_token(struct pd_req *r, struct grant *g)
{
	set_caller(r, g);
	pd_token_new(g->token);
	g->row = (struct pd_token){.partner_id = r->who.partner_id, .principal_id = r->who.id,
				   .principal_kind = r->who.kind, .roles = r->who.roles,
				   .expires = r->now + r->cfg->token_ttl,
				   /* the row the credentials were checked against (writes.md) */
				   .principal_version = g->is_app ? g->app.version : g->user.version};
	pd_secret_digest(r->key, g->token, g->row.digest);
	g->ok = true;
	return PD_WRITE;
}

static enum pd_next client_credentials(struct pd_req *r, struct grant *g)
{
	const char *id = pd_req_form(r, "client_id"), *secret = pd_req_form(r, "client_secret");
	if (!id || !*id || !secret || !*secret)
		return oauth_error(r, 400, "invalid_request", "client_id and client_secret are required");
	g->is_app = true;
	g->account = id;
	enum pd_err e = pd_uuid_parse(id, NULL) ? store_app_by_client(r->st, id, &g->app, r->ar) : PD_ENOTFOUND;
	if (e != PD_OK && e != PD_ENOTFOUND) {
		pd_signin_release(g->attempt, (long long)time(NULL));
		return pd_api_store_error(r, e, PD_NOUN_APP, NULL);
	}
	g->known = e == PD_OK;
	unsigned char d[PD_DIGEST_LEN];
	pd_secret_digest(r->key, secret, d);
	if (!g->known || strcmp(g->app.state, "active") || !pd_digest_equal(d, g->app.secret_digest))
		return refuse(r, g);
	return grant_token(r, g);
}

static enum pd_next password(struct pd_req *r, struct grant *g)
{
	const char *user = pd_req_form(r, "username"), *pw = pd_req_form(r, "password");
	if (!user || !*user || !pw || !*pw)
		return oauth_error(r, 400, "invalid_request", "username and password are required");
	g->account = user;
	if (strlen(user) > 254 || strlen(pw) > 1024)
		return refuse(r, g);
	enum pd_err e = store_user_by_email(r->st, user, &g->user, r->ar);
	if (e != PD_OK && e != PD_ENOTFOUND) {
		pd_signin_release(g->attempt, (long long)time(NULL));
		return pd_api_store_error(r, e, PD_NOUN_USER, NULL);
	}
	g->known = e == PD_OK;
	g->secret = pw;
	return PD_WORK;
}

/* Sign-in protection: reserves the attempt of `account` (none without one: nothing is checked
 * then); false after answering 429, or 503 when the attempt cannot be counted. */
static bool admitted(struct pd_req *r, struct grant *g, const char *account)
{
	int wait = 0;
	enum pd_err e = account && *account ? pd_signin_begin(r->throttle, account, r->peer, r->now, r->ar,
							      &g->attempt, &wait) : PD_OK;
	if (e == PD_OK)
		return true;
	if (e == PD_ELIMIT)
		oauth_error(r, 429, "too_many_attempts", "too many failed sign-ins; retry later");
	else
		oauth_error(r, 503, "temporarily_unavailable", "sign-in protection cannot count this attempt now; retry later");
	pd_reply_header(r, "Retry-After", pd_printf(r->ar, "%d", wait));
	return false;
}

enum pd_next pd_oauth_token(struct pd_req *r)
{
	const char *grant = pd_req_form(r, "grant_type");
	struct grant *g = pd_alloc(r->ar, sizeof *g);
	r->state = g;
	if (!grant)
		return oauth_error(r, 400, "invalid_request", "grant_type is required");
	bool app = !strcmp(grant, "client_credentials");
	if (!app && strcmp(grant, "password") != 0)
		return oauth_error(r, 400, "unsupported_grant_type", "grant_type must be password or client_credentials");
	if (!admitted(r, g, pd_req_form(r, app ? "client_id" : "username")))
		return PD_REPLY;
	return app ? client_credentials(r, g) : password(r, g);
}

enum pd_next pd_session_create(struct pd_req *r)
{
	struct grant *g = pd_alloc(r->ar, sizeof *g);
	r->state = g;
	g->session = true;
	if (!admitted(r, g, pd_req_form(r, "username")))
		return PD_REPLY;
	return password(r, g);
}

enum pd_next pd_oauth_token_verify(struct pd_req *r)
{
	struct grant *g = r->state;
	bool ok = pd_signin_check(g->known ? g->user.password_hash : NULL, g->secret, r->key) &&
		  !strcmp(g->user.state, "active");
	return ok ? grant_token(r, g) : refuse(r, g);
}

enum pd_err pd_oauth_token_write(struct pd_req *r, struct store *st)
{
	struct grant *g = r->state;
	struct pd_audit a;
	enum pd_err e = store_token_insert(st, &g->row);
	if (e != PD_OK)
		return e;
	pd_activity_fill(r, &a, "sign_in", g->is_app ? "application" : "partner_user", "succeeded", NULL, NULL);
	a.resource_id = r->who.id;
	return pd_activity_write(r, st, &a);
}

/* The portal's session: the token in an HttpOnly, SameSite=Strict cookie (Secure when
 * partnerd serves https itself or the public URL is https), the CSRF token for its changes
 * in the body. */
static void session_reply(struct pd_req *r, struct grant *g)
{
	char csrf[PD_CSRF_CHARS + 1];
	pd_auth_csrf(r->key, g->token, csrf);
	bool https = r->cfg->tls || (r->cfg->public_url && !strncmp(r->cfg->public_url, "https:", 6));
	pd_reply_header(r, "Set-Cookie", pd_printf(r->ar, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s",
						   PD_SESSION_COOKIE, g->token, r->cfg->token_ttl,
						   https ? "; Secure" : ""));
	pd_reply_json(r, 200, json_pack("{s:s, s:b, s:i}", "csrfToken", csrf, "passwordChangeRequired",
					g->user.must_change_password, "expiresIn", r->cfg->token_ttl));
	sodium_memzero(g->token, sizeof g->token);
}

void pd_oauth_token_finish(struct pd_req *r, enum pd_err e)
{
	struct grant *g = r->state;
	if (e != PD_OK) {
		pd_signin_release(g->attempt, (long long)time(NULL));
		pd_api_store_error(r, e, PD_NOUN_TOKEN, NULL);
		return;
	}
	pd_signin_succeeded(g->attempt, (long long)time(NULL));
	if (g->session) {
		session_reply(r, g);
		return;
	}
	json_t *o = json_pack("{s:s, s:s, s:i}", "access_token", g->token, "token_type", "Bearer",
			      "expires_in", r->cfg->token_ttl);
	if (!g->is_app && g->user.must_change_password)
		json_object_set_new(o, "password_change_required", json_true());
	pd_reply_json(r, 200, o);
	sodium_memzero(g->token, sizeof g->token);
}
