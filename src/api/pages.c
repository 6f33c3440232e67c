/* pages.c - the paging of the lists whose rows keep their place (apps, a tenant's users, a
 * customer's subscriptions), as the customer list pages: `size` (1..500, default 100),
 * `seekOperation=Next` with the continuation token (MS-ContinuationToken header or the
 * continuationToken parameter) in; the token after a page's last row out.  A token carries
 * its list's name, the scope (customer) it belongs to and the keyset position (created_at and
 * id, or the key alone), so a token of another list or customer is a 400, never a silent
 * start somewhere else.  See docs/internals/paging.md. */
#include <string.h>
#include <strings.h>
#include "api.h"

#define KEY_MAX 512 /* ids are 36 bytes, user principal names at most 254 */

/* The position a token of `list` in `scope` holds; false if it is not one. */
static bool page_from_token(const char *token, const char *list, const char *scope,
			    struct pd_page *p, struct pd_arena *ar)
{
	json_t *o = pd_token_unpack(token, ar);
	const char *t = NULL, *u = NULL, *k = NULL;
	json_int_t c = 0;
	bool ok = o && !json_unpack(o, "{s:s, s:s, s:I, s:s !}", "t", &t, "u", &u, "c", &c, "k", &k);
	ok = ok && !strcmp(t, list) && !strcmp(u, scope) && *k && strlen(k) <= KEY_MAX;
	if (ok) {
		p->has_after = true;
		p->after = (struct pd_after){.created = c, .id = pd_strdup(ar, k)};
	}
	json_decref(o);
	return ok;
}

bool pd_api_page(struct pd_req *r, const char *list, const char *scope, struct pd_page *p)
{
	struct pd_verrs errs = {0};
	struct pd_query q = {0};
	const char *seek = pd_req_query(r, "seekOperation");
	const char *token = pd_req_header(r, "MS-ContinuationToken");
	if (!token)
		token = pd_req_query(r, "continuationToken");
	*p = (struct pd_page){0};
	pd_page_size_parse(pd_req_query(r, "size"), &q, &errs);
	p->size = q.size;
	if (seek && strcasecmp(seek, "Next") != 0)
		pd_verr_add(&errs, 3000, "seekOperation", PD_MSG_BAD_ENUM, "Next");
	else if (seek && !token)
		pd_verr_add(&errs, 3000, "MS-ContinuationToken", PD_MSG_REQUIRED, NULL);
	if (!errs.n && token && !page_from_token(token, list, scope, p, r->ar))
		pd_verr_add(&errs, 3000, "MS-ContinuationToken", PD_MSG_BAD_TOKEN, NULL);
	if (errs.n)
		pd_reply_verrs(r, &errs);
	return errs.n == 0;
}

const char *pd_api_page_token(struct pd_req *r, const char *list, const char *scope,
			      long long created, const char *key)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:s}", "t", list, "u", scope, "c", (json_int_t)created,
			      "k", key);
	const char *t = pd_token_pack(o, r->ar);
	json_decref(o);
	return t;
}
