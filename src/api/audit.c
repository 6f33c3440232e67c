/* audit.c - GET /v1/auditrecords (the activity log, shaped like Partner Center's audit API:
 * a date range, one filter, pages with continuation tokens) and GET /v1/auditrecords/{id}.
 * Records are written by the changes themselves (activity.c); there is no route that
 * changes or deletes one, and the store refuses it too (triggers). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "api.h"
#include "ids.h"

#define DEFAULT_DAYS 30

static void kv(json_t *list, const char *k, const char *v)
{
	if (v)
		json_array_append_new(list, json_pack("{s:s, s:s}", "key", k, "value", v));
}

static void set_opt(json_t *o, const char *k, const char *v)
{
	if (v)
		json_object_set_new(o, k, json_string(v));
}

static json_t *record_json(const struct pd_audit *a, struct pd_arena *ar)
{
	bool app = a->principal_kind && !strcmp(a->principal_kind, "app");
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", a->id, "partnerId", a->partner_id,
			      "resourceType", a->resource_type, "operationType", a->operation,
			      "operationStatus", a->outcome, "operationDate", pd_iso_time(a->created, ar));
	set_opt(o, "customerId", a->customer_id);
	set_opt(o, "customerName", a->customer_name);
	set_opt(o, app ? "applicationId" : "userPrincipalName", app ? a->principal_id : a->principal_name);
	set_opt(o, "resourceOldValue", a->old_value);
	set_opt(o, "resourceNewValue", a->new_value);
	set_opt(o, "originalCorrelationId", a->correlation_id);
	json_t *data = json_array();
	kv(data, "ResourceId", a->resource_id);
	kv(data, "RequestId", a->request_id);
	kv(data, "SourceAddress", a->source);
	kv(data, "PrincipalKind", a->principal_kind);
	if (app)
		kv(data, "ApplicationName", a->principal_name);
	json_object_set_new(o, "customizedData", data);
	json_object_set_new(o, "attributes", json_pack("{s:s}", "objectType", "AuditRecord"));
	return o;
}

/* "2026-11-25", "2026-11-25T10:00:00Z" (fractions, an offset "+08:00"), and the forms
 * Partner Center's documentation sends: "6/1/2017 12:00:00 AM", "6/1/2017" (month first,
 * UTC).  false if none; *date_only when it names a day without a time. */
static bool parse_time(const char *s, long long *out, bool *date_only)
{
	static const struct {
		const char *fmt;
		bool date_only;
	} forms[] = {{"%Y-%m-%dT%H:%M:%S", false}, {"%Y-%m-%d %H:%M:%S", false}, {"%m/%d/%Y %I:%M:%S %p", false},
		     {"%m/%d/%Y %H:%M:%S", false}, {"%Y-%m-%d", true}, {"%m/%d/%Y", true}};
	struct tm tm;
	const char *end = NULL;
	for (size_t i = 0; !end && i < sizeof forms / sizeof forms[0]; i++) {
		memset(&tm, 0, sizeof tm);
		if ((end = strptime(s, forms[i].fmt, &tm)) && *end && !strchr(".Zz+-", *end))
			end = NULL; /* a shorter form matched a longer text */
		*date_only = forms[i].date_only;
	}
	if (!end)
		return false;
	if (*end == '.')
		while (*++end >= '0' && *end <= '9')
			;
	long long off = 0;
	int hh, mm, n = 0;
	if (*end == 'Z' || *end == 'z')
		end++;
	else if ((*end == '+' || *end == '-') && sscanf(end + 1, "%2d:%2d%n", &hh, &mm, &n) == 2 && n == 5 &&
		 hh < 24 && mm < 60)
		off = (*end == '-' ? -1 : 1) * (hh * 3600LL + mm * 60), end += 1 + n;
	*out = (long long)timegm(&tm) - off;
	return *end == 0;
}

static const char **filter_slot(struct pd_audit_query *q, const char *field)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{"OperationType", offsetof(struct pd_audit_query, operation)},
		{"ResourceType", offsetof(struct pd_audit_query, resource_type)},
		{"UserPrincipalName", offsetof(struct pd_audit_query, user)},
		{"CustomerId", offsetof(struct pd_audit_query, customer_id)},
		{"CompanyName", offsetof(struct pd_audit_query, customer_name)},
	};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (!strcasecmp(field, fields[i].name))
			return (const char **)((char *)q + fields[i].off);
	return NULL;
}

static void audit_filter(const char *text, struct pd_audit_query *q, struct pd_verrs *errs,
			 struct pd_arena *ar)
{
	json_t *o = json_loads(text, 0, NULL);
	json_t *f = pd_json_get(o, "Field"), *v = pd_json_get(o, "Value");
	const char **slot = json_is_string(f) ? filter_slot(q, json_string_value(f)) : NULL;
	if (!json_is_object(o))
		pd_verr_add(errs, 3000, "filter", PD_MSG_BAD_FILTER, "{\"Field\", \"Value\", \"Operator\"}");
	else if (!slot)
		pd_verr_add(errs, 3000, "filter.Field", PD_MSG_BAD_ENUM,
			    "OperationType, ResourceType, UserPrincipalName, CustomerId, CompanyName");
	else if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > 256)
		pd_verr_add(errs, 3000, "filter.Value", PD_MSG_REQUIRED, NULL);
	else
		*slot = pd_strdup(ar, json_string_value(v));
	json_decref(o);
}

static void dates(struct pd_req *r, struct pd_audit_query *q, struct pd_verrs *errs)
{
	const char *s = pd_req_query(r, "startDate"), *e = pd_req_query(r, "endDate");
	bool day = false;
	q->start = r->now - DEFAULT_DAYS * 86400LL;
	q->end = r->now + 1;
	if (s && !parse_time(s, &q->start, &day))
		pd_verr_add(errs, 3000, "startDate", PD_MSG_BAD_DATE, NULL);
	if (e && !parse_time(e, &q->end, &day))
		pd_verr_add(errs, 3000, "endDate", PD_MSG_BAD_DATE, NULL);
	else if (e && day)
		q->end += 86399; /* a date alone means its whole day */
}

/* The query of a continuation token (which carries it whole); false if not one of ours. */
static bool from_token(const char *token, struct pd_audit_query *q, struct pd_arena *ar)
{
	json_t *o = pd_token_unpack(token, ar);
	json_int_t a, b, s;
	const char *t = NULL, *op = NULL, *rt = NULL, *u = NULL, *c = NULL, *n = NULL;
	bool ok = o && !json_unpack(o, "{s:s, s:I, s:I, s:I, s?s, s?s, s?s, s?s, s?s}", "t", &t, "a", &a,
				    "b", &b, "s", &s, "op", &op, "rt", &rt, "u", &u, "c", &c, "n", &n);
	ok = ok && !strcmp(t, "audit") && s >= 0;
	if (ok)
		*q = (struct pd_audit_query){a, b, pd_strdup(ar, op), pd_strdup(ar, rt), pd_strdup(ar, u),
					     pd_strdup(ar, c), pd_strdup(ar, n), s, q->size};
	json_decref(o);
	return ok;
}

static const char *to_token(const struct pd_audit_query *q, long long last, struct pd_arena *ar)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:I}", "t", "audit", "a", (json_int_t)q->start, "b",
			      (json_int_t)q->end, "s", (json_int_t)last);
	const char *names[] = {"op", "rt", "u", "c", "n"};
	const char *vals[] = {q->operation, q->resource_type, q->user, q->customer_id, q->customer_name};
	for (int i = 0; i < 5; i++)
		set_opt(o, names[i], vals[i]);
	const char *t = pd_token_pack(o, ar);
	json_decref(o);
	return t;
}

static bool audit_query(struct pd_req *r, struct pd_audit_query *q)
{
	struct pd_verrs errs = {0};
	struct pd_query page = {0};
	const char *token = pd_req_header(r, "MS-ContinuationToken"), *filter = pd_req_query(r, "filter");
	pd_page_size_parse(pd_req_query(r, "size"), &page, &errs);
	q->size = page.size;
	if (token && !from_token(token, q, r->ar))
		pd_verr_add(&errs, 3000, "MS-ContinuationToken", PD_MSG_BAD_TOKEN, NULL);
	if (!token)
		dates(r, q, &errs);
	if (!token && filter)
		audit_filter(filter, q, &errs, r->ar);
	if (errs.n)
		pd_reply_verrs(r, &errs);
	return errs.n == 0;
}

/* The query in effect as its own parameters: the range as ISO 8601 times and the filter. */
static const char *self_uri(struct pd_req *r, const struct pd_audit_query *q)
{
	static const char *const names[] = {"OperationType", "ResourceType", "UserPrincipalName", "CustomerId",
					    "CompanyName"};
	const char *vals[] = {q->operation, q->resource_type, q->user, q->customer_id, q->customer_name};
	const char *filter = NULL;
	for (int i = 0; i < 5 && !filter; i++) {
		if (!vals[i])
			continue;
		json_t *f = json_pack("{s:s, s:s, s:s}", "Field", names[i], "Value", vals[i], "Operator",
				      i == 4 ? "substring" : "equals");
		char *text = json_dumps(f, JSON_COMPACT | JSON_PRESERVE_ORDER);
		filter = pd_strdup(r->ar, text);
		free(text);
		json_decref(f);
	}
	const char *const kv[] = {"startDate", pd_iso_time(q->start, r->ar), "endDate", pd_iso_time(q->end, r->ar),
				  "filter", filter, NULL};
	return pd_api_self_uri(r, "/auditrecords", q->size, kv);
}

enum pd_next pd_audit_list(struct pd_req *r)
{
	struct pd_audit_query q = {0};
	struct pd_audit *rows;
	size_t n;
	if (!audit_query(r, &q))
		return PD_REPLY;
	enum pd_err e = store_audit_list(r->st, r->who.partner_id, &q, &rows, &n, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_ACTIVITY_LOG, NULL);
	const char *next = NULL;
	if (n > (size_t)q.size) {
		n = (size_t)q.size;
		next = to_token(&q, rows[n - 1].seq, r->ar);
	}
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, record_json(&rows[i], r->ar));
	pd_reply_json(r, 200, pd_collection(r, items, self_uri(r, &q), next));
	return PD_REPLY;
}

enum pd_next pd_audit_get(struct pd_req *r)
{
	const char *id = pd_api_uuid_param(r, 0, "id");
	struct pd_audit a;
	if (!id)
		return PD_REPLY;
	enum pd_err e = store_audit_get(r->st, r->who.partner_id, id, &a, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_AUDIT_RECORD, id);
	pd_reply_json(r, 200, record_json(&a, r->ar));
	return PD_REPLY;
}
