/* auth.h - who is calling: the bearer token of a /v1 request, or the portal's session cookie
 * carrying the same kind of token, checked against the store (tokens are kept as keyed
 * digests; an expired or unknown token is refused alike).  A cookie-authenticated change
 * (any method but GET/HEAD) must also carry the session's CSRF token in X-CSRF-Token. */
#ifndef PD_AUTH_H
#define PD_AUTH_H
#include "request.h"

#define PD_SESSION_COOKIE "pd_session"
#define PD_CSRF_CHARS 32

/* Fills r->who from the Authorization header, else from the session cookie (then also
 * r->session); PD_EUNAUTH when missing, malformed, unknown or expired; PD_EFORBIDDEN for a
 * cookie-authenticated change without the right CSRF token; PD_EIO/PD_EBUSY when the store
 * cannot answer. */
enum pd_err pd_auth_bearer(struct pd_req *r);

/* The CSRF token of a session: hex of a keyed digest of the session token, so it needs no
 * storage and no other session's token can be derived from it. */
void pd_auth_csrf(const unsigned char *key, const char *session, char out[PD_CSRF_CHARS + 1]);

/* The value of cookie `name` in the request's Cookie header (arena copy), or NULL. */
const char *pd_auth_cookie(struct pd_req *r, const char *name);

#endif
