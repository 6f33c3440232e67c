/* reply.c - the part of a handler's reply that needs neither libevent nor the server: its extra
 * headers (request.h pd_reply_header).  The array grows in the request's arena, so a handler
 * never loses a header it added (it once kept 8 and dropped the rest).  Shared by the server
 * and the fuzz harness, which replaces the server's other accessors. */
#include "request.h"

void pd_reply_header(struct pd_req *r, const char *name, const char *value)
{
	struct pd_resp *rs = &r->resp;
	if (rs->nh == rs->hcap) {
		int cap = rs->hcap ? rs->hcap * 2 : 8;
		const char **k = pd_alloc(r->ar, (size_t)cap * sizeof *k);
		const char **v = pd_alloc(r->ar, (size_t)cap * sizeof *v);
		for (int i = 0; i < rs->nh; i++)
			k[i] = rs->hk[i], v[i] = rs->hv[i];
		rs->hk = k, rs->hv = v, rs->hcap = cap;
	}
	rs->hk[rs->nh] = name;
	rs->hv[rs->nh++] = value;
}
