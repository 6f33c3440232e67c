/* oauth.c - POST /oauth2/token, partnerd's own token endpoint in place of Azure AD:
 * grant_type=password for partner users.  The Argon2id check runs on the worker pool (also
 * for unknown users, against a fixed hash, so timing does not tell who exists); the token
 * is random, stored as a keyed digest, and returned once. */
#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include "api.h"

struct grant {
	struct pd_user user;
	const char *password;
	bool known;
	char token[PD_TOKEN_CHARS + 1];
	struct pd_token row;
};

static enum pd_next oauth_error(struct pd_req *r, int status, const char *error, const char *desc)
{
	pd_reply_json(r, status, json_pack("{s:s, s:s}", "error", error, "error_description", desc));
	return PD_REPLY;
}

/* A valid Argon2id hash of a random password: unknown users are checked against it. */
static char decoy[PD_PWHASH_LEN];

static void make_decoy(void)
{
	char pw[PD_GENPW_CHARS + 1];
	pd_password_generate(pw);
	if (pd_password_hash(pw, decoy) != 0)
		decoy[0] = 0;
}

static const char *decoy_hash(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, make_decoy);
	return decoy;
}

enum pd_next pd_oauth_token(struct pd_req *r)
{
	const char *grant = pd_req_form(r, "grant_type");
	const char *user = pd_req_form(r, "username"), *pw = pd_req_form(r, "password");
	if (!grant)
		return oauth_error(r, 400, "invalid_request", "grant_type is required");
	if (strcmp(grant, "password") != 0)
		return oauth_error(r, 400, "unsupported_grant_type", "grant_type must be password");
	if (!user || !*user || !pw || !*pw)
		return oauth_error(r, 400, "invalid_request", "username and password are required");
	if (strlen(user) > 254 || strlen(pw) > 1024)
		return oauth_error(r, 400, "invalid_grant", "the user name or password is wrong");
	struct grant *g = pd_alloc(r->ar, sizeof *g);
	enum pd_err e = r->st->ops->user_by_email(r->st, user, &g->user, r->ar);
	if (e != PD_OK && e != PD_ENOTFOUND)
		return pd_api_store_error(r, e, "The user");
	g->known = e == PD_OK && !strcmp(g->user.state, "active");
	g->password = pw;
	r->state = g;
	return PD_WORK;
}

enum pd_next pd_oauth_token_verify(struct pd_req *r)
{
	struct grant *g = r->state;
	const char *hash = g->known ? g->user.password_hash : decoy_hash();
	bool ok = pd_password_verify(hash, g->password) && g->known;
	if (!ok)
		return oauth_error(r, 400, "invalid_grant", "the user name or password is wrong");
	pd_token_new(g->token);
	g->row = (struct pd_token){.partner_id = g->user.partner_id, .principal_id = g->user.id,
				   .principal_kind = "user", .roles = g->user.roles,
				   .expires = r->now + r->cfg->token_ttl};
	pd_secret_digest(r->key, g->token, g->row.digest);
	return PD_WRITE;
}

enum pd_err pd_oauth_token_write(struct pd_req *r, struct store *st)
{
	struct grant *g = r->state;
	return st->ops->token_insert(st, &g->row);
}

void pd_oauth_token_finish(struct pd_req *r, enum pd_err e)
{
	struct grant *g = r->state;
	if (e != PD_OK) {
		pd_api_store_error(r, e, "The token");
		return;
	}
	pd_reply_json(r, 200, json_pack("{s:s, s:s, s:i}", "access_token", g->token, "token_type", "Bearer",
					"expires_in", r->cfg->token_ttl));
	sodium_memzero(g->token, sizeof g->token);
}
