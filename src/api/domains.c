/* domains.c - HEAD /v1/domains/{domain}: 200 when the domain is taken anywhere in the
 * deployment, 404 when it is free, 400 when it is not a domain name at all. */
#include "api.h"
#include "domain.h"

enum pd_next pd_domains_head(struct pd_req *r)
{
	const char *d = r->params[0];
	bool taken = false;
	if (!pd_domain_syntax_ok(d)) {
		pd_reply_error(r, PD_EINVAL, PD_MSG_INVALID, "domain", NULL);
		return PD_REPLY;
	}
	enum pd_err e = store_domain_taken(r->st, d, &taken);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_DOMAIN, NULL);
	if (taken)
		pd_reply_raw(r, 200, NULL, NULL, 0);
	else
		pd_reply_error(r, PD_ENOTFOUND, PD_MSG_NOT_FOUND, NULL, d);
	return PD_REPLY;
}
