/* health.c - GET /healthz (the store answers a read) and the landing page at /. */
#include <string.h>
#include "api.h"

enum pd_next pd_health(struct pd_req *r)
{
	long long n = 0;
	enum pd_err e = r->st->ops->partner_count(r->st, &n);
	if (e != PD_OK)
		return pd_api_store_error(r, e, "The store");
	pd_reply_json(r, 200, json_pack("{s:s, s:s}", "status", "ok", "store", r->st->ops->name));
	return PD_REPLY;
}

static const char home[] =
	"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>partnerd</title></head>"
	"<body><h1>partnerd</h1><p>The customer-accounts service is running.</p>"
	"<p>REST API: <code>/v1/customers</code> (token from <code>POST /oauth2/token</code>). "
	"The web portal is not part of this build yet.</p></body></html>\n";

enum pd_next pd_home(struct pd_req *r)
{
	pd_reply_raw(r, 200, "text/html; charset=utf-8", home, strlen(home));
	return PD_REPLY;
}
