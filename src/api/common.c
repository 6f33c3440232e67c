/* common.c - small helpers every resource uses: route ids and store results as replies. */
#include <stdio.h>
#include <time.h>
#include <string.h>
#include "activity.h"
#include "api.h"
#include "ids.h"

const char *pd_api_uuid_param(struct pd_req *r, int i, const char *field)
{
	char *id = pd_alloc(r->ar, PD_UUID_LEN + 1);
	if (pd_uuid_parse(r->params[i], id))
		return id;
	pd_reply_error(r, PD_EINVAL, PD_MSG_BAD_UUID, field, NULL);
	return NULL;
}

const char *pd_api_customer_id(struct pd_req *r)
{
	return pd_api_uuid_param(r, 0, "customerId");
}

json_t *pd_api_roles_json(const char *roles)
{
	json_t *a = json_array();
	for (const char *p = roles ? roles : ""; *p;) {
		size_t n = strcspn(p, ",");
		json_array_append_new(a, json_stringn(p, n));
		p += n + (p[n] == ',');
	}
	return a;
}

bool pd_api_load_customer(struct pd_req *r, struct pd_customer *c)
{
	const char *id = pd_api_customer_id(r);
	if (!id)
		return false;
	enum pd_err e = r->st->ops->customer_get(r->st, r->who.partner_id, id, c, r->ar);
	if (e != PD_OK)
		pd_api_store_error(r, e, pd_printf(r->ar, "The customer %s", id));
	return e == PD_OK;
}

enum pd_next pd_api_store_error(struct pd_req *r, enum pd_err e, const char *what)
{
	switch (e) {
	case PD_ENOTFOUND: pd_reply_error(r, e, PD_MSG_NOT_FOUND, NULL, what); break;
	case PD_ESTALE: pd_reply_error(r, e, PD_MSG_STALE_ETAG, "attributes.etag", NULL); break;
	case PD_ECHANGED: pd_reply_error(r, e, PD_MSG_CHANGED, NULL, what); break;
	case PD_EIO: pd_reply_error(r, e, PD_MSG_STORAGE, NULL, NULL); break;
	case PD_EBUSY: pd_reply_error(r, e, PD_MSG_BUSY, NULL, NULL); break;
	default: pd_reply_error(r, PD_EINTERNAL, PD_MSG_INTERNAL, NULL, NULL); break;
	}
	return PD_REPLY;
}

enum pd_next pd_api_too_many(struct pd_req *r, int seconds)
{
	const char *secs = pd_printf(r->ar, "%d", seconds);
	pd_reply_error(r, PD_ELIMIT, PD_MSG_RATE_LIMITED, NULL, secs);
	pd_reply_header(r, "Retry-After", secs);
	return PD_REPLY;
}

json_t *pd_collection(struct pd_req *r, json_t *items, const char *self_uri, const char *token)
{
	json_t *links = json_pack("{s:o}", "self", pd_link(self_uri, "GET"));
	if (token) {
		const char *sep = strchr(self_uri, '?') ? "&" : "?";
		json_t *next = pd_link(pd_printf(r->ar, "%s%sseekOperation=Next", self_uri, sep), "GET");
		json_array_append_new(json_object_get(next, "headers"),
				      json_pack("{s:s, s:s}", "key", "MS-ContinuationToken", "value", token));
		json_object_set_new(links, "next", next);
	}
	json_t *o = json_pack("{s:I, s:o, s:o, s:{s:s}}", "totalCount", (json_int_t)json_array_size(items),
			      "items", items, "links", links, "attributes", "objectType", "Collection");
	if (token)
		json_object_set_new(o, "continuationToken", json_string(token));
	return o;
}

enum pd_err pd_api_audit_customer(struct pd_req *r, struct store *st, const char *op,
				  const struct pd_customer *c, json_t *old_v, json_t *new_v)
{
	struct pd_audit a;
	pd_activity_fill(r, &a, op, "customer", "succeeded", old_v, new_v);
	json_decref(old_v);
	json_decref(new_v);
	a.resource_id = a.customer_id = c->id;
	a.customer_name = c->billing.company_name;
	return pd_activity_write(r, st, &a);
}

const char *pd_api_unquote_etag(struct pd_req *r, const char *h)
{
	if (!strncmp(h, "W/", 2))
		h += 2;
	size_t n = strlen(h);
	if (n >= 2 && h[0] == '"' && h[n - 1] == '"')
		return pd_strndup(r->ar, h + 1, n - 2);
	return h;
}

const char *pd_range_text(struct pd_req *r, long long lo, long long hi)
{
	static const char *const and[PD_LOCALE_COUNT] = {"and", "和", "und"};
	return pd_printf(r->ar, "%lld %s %lld", lo, and[r->loc], hi);
}

const char *pd_iso_time(long long t, struct pd_arena *ar)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return pd_strdup(ar, buf);
}
