/* common.c - small helpers every resource uses: route ids and store results as replies. */
#include <stdio.h>
#include "api.h"
#include "ids.h"

const char *pd_api_customer_id(struct pd_req *r)
{
	char *id = pd_alloc(r->ar, PD_UUID_LEN + 1);
	if (pd_uuid_parse(r->params[0], id))
		return id;
	pd_reply_error(r, PD_EINVAL, PD_MSG_BAD_UUID, "customerId", NULL);
	return NULL;
}

enum pd_next pd_api_store_error(struct pd_req *r, enum pd_err e, const char *what)
{
	switch (e) {
	case PD_ENOTFOUND: pd_reply_error(r, e, PD_MSG_NOT_FOUND, NULL, what); break;
	case PD_ESTALE: pd_reply_error(r, e, PD_MSG_STALE_ETAG, "attributes.etag", NULL); break;
	case PD_EIO: pd_reply_error(r, e, PD_MSG_STORAGE, NULL, NULL); break;
	case PD_EBUSY: pd_reply_error(r, e, PD_MSG_BUSY, NULL, NULL); break;
	default: pd_reply_error(r, PD_EINTERNAL, PD_MSG_INTERNAL, NULL, NULL); break;
	}
	return PD_REPLY;
}
