/* common.c - small helpers every resource uses: route ids and store results as replies. */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "activity.h"
#include "api.h"
#include "feed.h"
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
	enum pd_err e = store_customer_get(r->st, r->who.partner_id, id, c, r->ar);
	if (e != PD_OK)
		pd_api_store_error(r, e, PD_NOUN_CUSTOMER, id);
	return e == PD_OK;
}

enum pd_next pd_api_store_error(struct pd_req *r, enum pd_err e, enum pd_noun what, const char *id)
{
	char noun[256];
	pd_noun_render(noun, sizeof noun, what, r->loc, id);
	const char *n = pd_strdup(r->ar, noun);
	switch (e) {
	case PD_ENOTFOUND: pd_reply_error_code(r, e, pd_noun_not_found_code(what), PD_MSG_NOT_FOUND, NULL, n); break;
	case PD_ESTALE: pd_reply_error(r, e, PD_MSG_STALE_ETAG, "attributes.etag", NULL); break;
	case PD_ECHANGED: pd_reply_error(r, e, PD_MSG_CHANGED, NULL, n); break;
	case PD_ECONFLICT: pd_reply_error(r, e, PD_MSG_CHANGED, NULL, n); break; /* a key another write took first */
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

static enum pd_err audit_customer(struct pd_req *r, struct store *st, struct pd_audit a,
				  const struct pd_customer *c, const char *event, const char **audit_id)
{
	a.resource_id = a.customer_id = c->id;
	a.customer_name = c->billing.company_name;
	if (audit_id)
		*audit_id = a.id;
	enum pd_err e = pd_activity_write(r, st, &a);
	if (e != PD_OK || !event)
		return e;
	bool billing = !strcmp(event, "billingprofile-updated");
	return pd_event_write(r, st, event, pd_printf(r->ar, billing ? "/v1/customers/%s/profiles/billing" : "/v1/customers/%s",
						      c->id), a.id);
}

enum pd_err pd_api_audit_customer(struct pd_req *r, struct store *st, const char *op,
				  const struct pd_customer *c, json_t *old_v, json_t *new_v, const char *event,
				  const char **audit_id)
{
	struct pd_audit a;
	pd_activity_fill(r, &a, op, "customer", "succeeded", old_v, new_v);
	json_decref(old_v);
	json_decref(new_v);
	return audit_customer(r, st, a, c, event, audit_id);
}

enum pd_err pd_api_audit_customer_text(struct pd_req *r, struct store *st, const char *op,
				       const struct pd_customer *c, const char *new_text, const char *event,
				       const char **audit_id)
{
	struct pd_audit a;
	pd_activity_fill(r, &a, op, "customer", "succeeded", NULL, NULL);
	a.new_value = new_text;
	return audit_customer(r, st, a, c, event, audit_id);
}

/* One entity tag of a header: quoted or bare, as partnerd has always taken them.  A weak tag
 * (W/"...") is kept whole, so it never equals a current tag: If-Match compares strongly. */
static const char *unquote_etag(struct pd_req *r, const char *h, size_t n)
{
	if (n >= 2 && h[0] == '"' && h[n - 1] == '"')
		return pd_strndup(r->ar, h + 1, n - 2);
	return pd_strndup(r->ar, h, n);
}

/* If-Match (RFC 9110 13.1.1): "*" matches any current representation; otherwise one tag of the
 * comma-separated list must equal CURRENT under the strong comparison (a weak tag never does). */
bool pd_api_if_match(struct pd_req *r, const char *h, const char *current)
{
	for (const char *p = h; *p;) {
		p += strspn(p, " \t,");
		size_t n = strcspn(p, ",");
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		const char *tag = unquote_etag(r, p, n);
		if (n && (!strcmp(tag, "*") || !strcmp(tag, current)))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

/* The etag a change is made at: what If-Match names when it matches CURRENT (the one read
 * before), else its first tag (which will not match: the write answers 412); with no
 * If-Match, the body's etag. */
const char *pd_api_held_etag(struct pd_req *r, const char *body_etag, const char *current)
{
	const char *h = pd_req_header(r, "If-Match");
	if (!h || !*h)
		return body_etag;
	if (pd_api_if_match(r, h, current))
		return current;
	h += strspn(h, " \t,");
	return unquote_etag(r, h, strcspn(h, ", \t"));
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

/* ---- bodies: fields partnerd acts on, and a digest of what was asked ---- */

static bool known_name(const char *k, const char *const *known)
{
	for (; *known; known++)
		if (!strcasecmp(k, *known))
			return true;
	return false;
}

void pd_api_known_fields(struct pd_req *r, json_t *o, const char *prefix, const char *const *known,
			 struct pd_verrs *errs)
{
	const char *k;
	json_t *v;
	if (!json_is_object(o))
		return;
	json_object_foreach(o, k, v) {
		if (!json_is_null(v) && !known_name(k, known))
			pd_verr_add(errs, 3000, prefix ? pd_printf(r->ar, "%s.%s", prefix, k) : pd_strdup(r->ar, k),
				    PD_MSG_NOT_ACCEPTED, NULL);
	}
}

void pd_api_attributes(struct pd_req *r, json_t *body, const char *type, bool etag_ok,
		       struct pd_verrs *errs)
{
	static const char *const with_etag[] = {"objectType", "etag", NULL}, *const plain[] = {"objectType", NULL};
	json_t *a = pd_json_get(body, "attributes"), *t = pd_json_get(a, "objectType");
	if (a && !json_is_object(a)) {
		pd_verr_add(errs, 3000, "attributes", PD_MSG_BAD_TYPE, "an object");
		return;
	}
	pd_api_known_fields(r, a, "attributes", etag_ok ? with_etag : plain, errs);
	if (t && (!json_is_string(t) || strcasecmp(json_string_value(t), type)))
		pd_verr_add(errs, 3000, "attributes.objectType", PD_MSG_BAD_ENUM, type);
}

/* Percent-encodes everything but RFC 3986's unreserved characters (arena). */
static const char *uri_encode(struct pd_arena *ar, const char *s)
{
	char *out = pd_alloc(ar, strlen(s) * 3 + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || strchr("-._~", *p))
			*o++ = (char)*p;
		else
			o += sprintf(o, "%%%02X", *p);
	}
	*o = 0;
	return out;
}

const char *pd_api_self_uri(struct pd_req *r, const char *base, int size, const char *const *kv)
{
	const char *uri = pd_printf(r->ar, "%s?size=%d", base, size);
	for (; kv && kv[0]; kv += 2)
		if (kv[1])
			uri = pd_printf(r->ar, "%s&%s=%s", uri, uri_encode(r->ar, kv[0]), uri_encode(r->ar, kv[1]));
	return uri;
}

const char *pd_api_customer_filter(struct pd_req *r, const struct pd_query *q)
{
	if (q->field == PD_FILTER_NONE || !q->value)
		return NULL;
	json_t *f = json_pack("{s:s, s:s, s:s}", "Field", q->field == PD_FILTER_NAME ? "CompanyName" : "Domain",
			      "Value", q->value, "Operator", q->op == PD_OP_STARTS_WITH ? "starts_with" : "substring");
	char *text = json_dumps(f, JSON_COMPACT | JSON_PRESERVE_ORDER);
	const char *out = pd_strdup(r->ar, text);
	free(text);
	json_decref(f);
	return out;
}

/* A copy of v with every object's keys in lower case (new reference). */
static json_t *folded(json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;
	if (json_is_object(v)) {
		json_t *o = json_object();
		json_object_foreach(v, k, x) {
			char key[256];
			size_t n = 0;
			for (; k[n] && n < sizeof key - 1; n++)
				key[n] = (char)tolower((unsigned char)k[n]);
			key[n] = 0;
			if (!json_is_null(x)) /* null is absent, as pd_json_get reads it */
				json_object_set_new(o, key, folded(x));
		}
		return o;
	}
	if (json_is_array(v)) {
		json_t *a = json_array();
		json_array_foreach(v, i, x) {
			json_array_append_new(a, folded(x));
		}
		return a;
	}
	return json_incref(v);
}

const char *pd_api_body_digest(struct pd_req *r)
{
	json_t *f = folded(r->json);
	char *text = json_dumps(f, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
	unsigned char d[32];
	char *hex = pd_alloc(r->ar, 2 * sizeof d + 1);
	crypto_generichash(d, sizeof d, (const unsigned char *)(text ? text : ""), text ? strlen(text) : 0, NULL, 0);
	sodium_bin2hex(hex, 2 * sizeof d + 1, d, sizeof d);
	free(text);
	json_decref(f);
	return hex;
}

enum pd_next pd_api_bad(struct pd_req *r, int code, const char *field, enum pd_msg msg, const char *arg)
{
	struct pd_verrs errs = {0};
	pd_verr_add(&errs, code, field, msg, arg);
	pd_reply_verrs(r, &errs);
	return PD_REPLY;
}
