/* auth.h - who is calling: the bearer token of a /v1 request, checked against the store
 * (tokens are kept as keyed digests; an expired or unknown token is refused alike). */
#ifndef PD_AUTH_H
#define PD_AUTH_H
#include "request.h"

/* Fills r->who from the Authorization header; PD_EUNAUTH when missing, malformed,
 * unknown or expired; PD_EIO/PD_EBUSY when the store cannot answer. */
enum pd_err pd_auth_bearer(struct pd_req *r);

#endif
