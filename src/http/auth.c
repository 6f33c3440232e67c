/* auth.c - bearer token and session cookie authentication, CSRF tokens (see auth.h), and each
 * thread's cache of token lookups. */
#include "auth.h"
#include <sodium.h>
#include <string.h>
#include <strings.h>

/* A thread's cache of token lookups, SQLite only: there every write that can revoke a token or
 * change its principal runs in this process (partnerd serve's writer; the CLI commands that
 * share the store only insert), and store_auth_generation moves on after its commit.  An entry
 * is made under the generation read before its lookup, so a revocation committed meanwhile
 * makes it stale at once.  On PostgreSQL another instance may revoke: every request asks the
 * store.  Off with --fault-injection, which must see every store call. */
#define TC_SLOTS 256
struct tc_entry {
	unsigned char digest[PD_DIGEST_LEN];
	unsigned long long gen;
	long long expires;
	bool used, must_change;
	char partner[40], principal[40], kind[8], roles[160], name[256];
};
static _Thread_local struct tc_entry tc[TC_SLOTS];

static struct tc_entry *tc_slot(const unsigned char *d)
{
	return &tc[(d[0] | (unsigned)d[1] << 8) % TC_SLOTS];
}

static bool tc_hit(struct pd_req *r, const unsigned char *d, unsigned long long gen, struct pd_token *t)
{
	struct tc_entry *c = tc_slot(d);
	if (!c->used || c->gen != gen || c->expires <= r->now || memcmp(c->digest, d, PD_DIGEST_LEN))
		return false;
	*t = (struct pd_token){.partner_id = pd_strdup(r->ar, c->partner), .principal_id = pd_strdup(r->ar, c->principal),
			       .principal_kind = pd_strdup(r->ar, c->kind), .roles = pd_strdup(r->ar, c->roles),
			       .expires = c->expires, .state = "active", .principal_name = pd_strdup(r->ar, c->name),
			       .must_change_password = c->must_change};
	return true;
}

/* Copies v into a field of `cap` bytes; false (nothing to cache) when it does not fit. */
static bool put(char *to, size_t cap, const char *v)
{
	size_t n = v ? strlen(v) : cap;
	if (n >= cap)
		return false;
	memcpy(to, v, n + 1);
	return true;
}

static void tc_put(const unsigned char *d, unsigned long long gen, const struct pd_token *t)
{
	struct tc_entry *c = tc_slot(d);
	c->used = put(c->partner, sizeof c->partner, t->partner_id) && put(c->principal, sizeof c->principal, t->principal_id) &&
		  put(c->kind, sizeof c->kind, t->principal_kind) && put(c->roles, sizeof c->roles, t->roles) &&
		  put(c->name, sizeof c->name, t->principal_name);
	memcpy(c->digest, d, PD_DIGEST_LEN);
	c->gen = gen, c->expires = t->expires, c->must_change = t->must_change_password;
}

const char *pd_auth_cookie(struct pd_req *r, const char *name)
{
	const char *h = pd_req_header(r, "Cookie");
	size_t n = strlen(name);
	while (h && *h) {
		while (*h == ' ' || *h == ';')
			h++;
		const char *end = strchr(h, ';');
		size_t len = end ? (size_t)(end - h) : strlen(h);
		if (len > n && !strncmp(h, name, n) && h[n] == '=')
			return pd_strndup(r->ar, h + n + 1, len - n - 1);
		h = end;
	}
	return NULL;
}

void pd_auth_csrf(const unsigned char *key, const char *session, char out[PD_CSRF_CHARS + 1])
{
	unsigned char d[PD_DIGEST_LEN];
	char *s = sodium_malloc(strlen(session) + 6);
	strcpy(s, "csrf:");
	strcat(s, session);
	pd_secret_digest(key, s, d);
	sodium_free(s);
	sodium_bin2hex(out, PD_CSRF_CHARS + 1, d, PD_CSRF_CHARS / 2);
}

static bool csrf_ok(struct pd_req *r, const char *session)
{
	if (r->method & (PD_GET | PD_HEAD))
		return true;
	const char *given = pd_req_header(r, "X-CSRF-Token");
	char want[PD_CSRF_CHARS + 1];
	pd_auth_csrf(r->key, session, want);
	return given && strlen(given) == PD_CSRF_CHARS && !sodium_memcmp(given, want, PD_CSRF_CHARS);
}

/* The token the caller presents: a bearer header wins over a cookie. */
static const char *presented(struct pd_req *r, bool *cookie)
{
	const char *h = pd_req_header(r, "Authorization");
	*cookie = false;
	if (h) {
		if (strncasecmp(h, "Bearer ", 7) != 0)
			return NULL;
		for (h += 7; *h == ' '; h++)
			;
		return h;
	}
	*cookie = true;
	return pd_auth_cookie(r, PD_SESSION_COOKIE);
}

enum pd_err pd_auth_bearer(struct pd_req *r)
{
	bool cookie;
	const char *tok = presented(r, &cookie);
	size_t n = tok ? strlen(tok) : 0;
	if (n < 16 || n > 256)
		return PD_EUNAUTH;
	unsigned char digest[PD_DIGEST_LEN];
	struct pd_token t;
	pd_secret_digest(r->key, tok, digest);
	bool cache = !r->cfg->fault_injection && !strcmp(store_name(r->st), "sqlite"), hit = false;
	unsigned long long gen = store_auth_generation(); /* before the lookup: see tc_put */
	enum pd_err e = cache && (hit = tc_hit(r, digest, gen, &t)) ? PD_OK : store_token_lookup(r->st, digest, &t, r->ar);
	if (e == PD_ENOTFOUND || (e == PD_OK && (t.expires <= r->now || !t.state || strcmp(t.state, "active"))))
		return PD_EUNAUTH; /* unknown, expired, or its user/app is disabled, revoked or gone */
	if (e != PD_OK)
		return e;
	if (cache && !hit)
		tc_put(digest, gen, &t);
	if (cookie && !csrf_ok(r, tok))
		return PD_EFORBIDDEN;
	r->who = (struct pd_principal){t.partner_id, t.principal_id, t.principal_kind, t.roles,
				       t.principal_name, t.must_change_password};
	r->session = cookie ? tok : NULL;
	return PD_OK;
}
