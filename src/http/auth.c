/* auth.c - bearer token authentication (see auth.h). */
#include "auth.h"
#include <string.h>
#include <strings.h>

enum pd_err pd_auth_bearer(struct pd_req *r)
{
	const char *h = pd_req_header(r, "Authorization");
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return PD_EUNAUTH;
	const char *tok = h + 7;
	while (*tok == ' ')
		tok++;
	size_t n = strlen(tok);
	if (n < 16 || n > 256)
		return PD_EUNAUTH;
	unsigned char digest[PD_DIGEST_LEN];
	struct pd_token t;
	pd_secret_digest(r->key, tok, digest);
	enum pd_err e = r->st->ops->token_lookup(r->st, digest, &t, r->ar);
	if (e == PD_ENOTFOUND || (e == PD_OK && (t.expires <= r->now || !t.state || strcmp(t.state, "active"))))
		return PD_EUNAUTH; /* unknown, expired, or its user/app is disabled, revoked or gone */
	if (e != PD_OK)
		return e;
	r->who = (struct pd_principal){t.partner_id, t.principal_id, t.principal_kind, t.roles,
				       t.principal_name, t.must_change_password};
	return PD_OK;
}
