/* auth.c - bearer token and session cookie authentication, CSRF tokens (see auth.h). */
#include "auth.h"
#include <sodium.h>
#include <string.h>
#include <strings.h>

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
	enum pd_err e = store_token_lookup(r->st, digest, &t, r->ar);
	if (e == PD_ENOTFOUND || (e == PD_OK && (t.expires <= r->now || !t.state || strcmp(t.state, "active"))))
		return PD_EUNAUTH; /* unknown, expired, or its user/app is disabled, revoked or gone */
	if (e != PD_OK)
		return e;
	if (cookie && !csrf_ok(r, tok))
		return PD_EFORBIDDEN;
	r->who = (struct pd_principal){t.partner_id, t.principal_id, t.principal_kind, t.roles,
				       t.principal_name, t.must_change_password};
	r->session = cookie ? tok : NULL;
	return PD_OK;
}
