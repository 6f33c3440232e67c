/* health.c - GET /healthz: the store answers a read. */
#include <string.h>
#include "api.h"

enum pd_next pd_health(struct pd_req *r)
{
	long long n = 0;
	enum pd_err e = store_partner_count(r->st, &n);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_STORE, NULL);
	pd_reply_json(r, 200, json_pack("{s:s, s:s}", "status", "ok", "store", store_name(r->st)));
	return PD_REPLY;
}
