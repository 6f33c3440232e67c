/* activity.c - building activity-log records (see activity.h). */
#include "activity.h"
#include <stdlib.h>
#include <string.h>
#include "ids.h"

void pd_activity_fill(struct pd_req *r, struct pd_audit *a, const char *op, const char *resource_type,
		      const char *outcome, json_t *old_v, json_t *new_v)
{
	char *id = pd_alloc(r->ar, PD_UUID_LEN + 1);
	pd_uuid_new(id);
	*a = (struct pd_audit){.partner_id = r->who.partner_id, .id = id, .created = r->now,
			       .operation = op, .resource_type = resource_type,
			       .principal_kind = r->who.kind, .principal_id = r->who.id,
			       .principal_name = r->who.name, .outcome = outcome,
			       .request_id = r->request_id, .correlation_id = r->correlation_id,
			       .source = r->peer};
	char *s;
	if (old_v && (s = json_dumps(old_v, JSON_COMPACT))) {
		a->old_value = pd_strdup(r->ar, s);
		free(s);
	}
	if (new_v && (s = json_dumps(new_v, JSON_COMPACT))) {
		a->new_value = pd_strdup(r->ar, s);
		free(s);
	}
}

enum pd_err pd_activity_write(struct pd_req *r, struct store *st, struct pd_audit *a)
{
	enum pd_err e = store_audit_insert(st, a);
	if (e == PD_OK)
		r->audited = true;
	return e;
}

bool pd_activity_failure_pending(struct pd_req *r, const struct pd_route *route)
{
	return route && route->audit_op && !r->audited && !r->dry_run && r->who.partner_id &&
	       r->resp.status >= 400;
}

/* The error's status, name and fields: what a reader of the log needs, no request body. */
static json_t *failure_summary(struct pd_req *r)
{
	json_t *o = json_pack("{s:i}", "status", r->resp.status);
	json_t *body = r->resp.body;
	if (json_is_object(body)) {
		json_t *v;
		if ((v = json_object_get(body, "errorName")) || (v = json_object_get(body, "error")))
			json_object_set(o, "errorName", v);
		if ((v = json_object_get(body, "data")))
			json_object_set(o, "data", v);
	}
	return o;
}

enum pd_err pd_activity_write_failure(struct pd_req *r, const struct pd_route *route,
				      struct store *st)
{
	struct pd_audit a;
	json_t *summary = failure_summary(r);
	pd_activity_fill(r, &a, route->audit_op, r->audit_resource ? r->audit_resource : route->audit_resource,
			 "failed", NULL, summary);
	json_decref(summary);
	a.resource_id = r->params[0];
	if (!strncmp(route->pattern, "/v1/customers/{", 15))
		a.customer_id = r->params[0];
	return pd_activity_write(r, st, &a);
}
