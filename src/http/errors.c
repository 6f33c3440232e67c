/* errors.c - the only place where results become HTTP errors: status, Partner Center
 * error code and errorName, and the body {"code", "description", "errorName", "data",
 * "details", "source"} rendered from the message catalog in the request's locale. */
#include <stdio.h>
#include <string.h>
#include "request.h"
#include "text.h"

struct kind {
	int status, code;
	const char *name;
};

static struct kind kind_of(enum pd_err e)
{
	switch (e) {
	case PD_EINVAL: return (struct kind){400, 3000, "InvalidInput"};
	case PD_ENOTFOUND: return (struct kind){404, 1000, "NotFound"};
	case PD_ECONFLICT: return (struct kind){409, 1001, "Conflict"};
	case PD_ECHANGED: return (struct kind){409, 1001, "ConcurrentChange"};
	case PD_ESTALE: return (struct kind){412, 2055, "PreconditionFailed"};
	case PD_EUNAUTH: return (struct kind){401, 401, "Unauthorized"};
	case PD_EFORBIDDEN: return (struct kind){403, 403, "Forbidden"};
	case PD_EIO: return (struct kind){503, 503, "StorageUnavailable"};
	case PD_EBUSY: return (struct kind){503, 503, "ServiceUnavailable"};
	case PD_ELIMIT: return (struct kind){429, 429, "TooManyRequests"};
	default: return (struct kind){500, 500, "InternalError"};
	}
}

int pd_err_status(enum pd_err e)
{
	return kind_of(e).status;
}

static json_t *body(struct kind k, const char *desc, json_t *data, json_t *details)
{
	json_t *o = json_pack("{s:i, s:s, s:s, s:o, s:s}", "code", k.code, "description", desc,
			      "errorName", k.name, "data", data, "source", "partnerd");
	if (details)
		json_object_set_new(o, "details", details);
	return o;
}

static void extra_headers(struct pd_req *r, enum pd_err e)
{
	if (e == PD_EUNAUTH)
		pd_reply_header(r, "WWW-Authenticate", "Bearer");
	if (e == PD_EIO || e == PD_EBUSY)
		pd_reply_header(r, "Retry-After", "5");
}

void pd_reply_error(struct pd_req *r, enum pd_err e, enum pd_msg msg, const char *field,
		    const char *arg)
{
	pd_reply_error_code(r, e, pd_msg_code(msg), msg, field, arg);
}

void pd_reply_error_code(struct pd_req *r, enum pd_err e, int code, enum pd_msg msg,
			 const char *field, const char *arg)
{
	char desc[512];
	struct kind k = kind_of(e);
	if (code)
		k.code = code; /* Partner Center's own code for this error (messages.c) */
	if (field && pd_utf8_len(field) < 0)
		field = "(not UTF-8)";
	if (arg && pd_utf8_len(arg) < 0)
		arg = "(not UTF-8)";
	pd_msg_render(desc, sizeof desc, msg, r->loc, field, arg);
	json_t *data = field ? json_pack("[s]", field) : json_array();
	pd_reply_json(r, k.status, body(k, desc, data, NULL));
	extra_headers(r, e);
}

void pd_reply_error_data(struct pd_req *r, enum pd_err e, const char *error_name, enum pd_msg msg,
			 const char *field, const char *arg, json_t *data)
{
	char desc[512];
	struct kind k = kind_of(e);
	k.name = error_name;
	pd_msg_render(desc, sizeof desc, msg, r->loc, field, arg);
	pd_reply_json(r, k.status, body(k, desc, data, NULL));
	extra_headers(r, e);
}

void pd_reply_verrs(struct pd_req *r, const struct pd_verrs *errs)
{
	struct kind k = kind_of(PD_EINVAL);
	json_t *data = json_array(), *details = json_array();
	char first[512] = "", desc[512];
	for (size_t i = 0; i < errs->n; i++) {
		const struct pd_verr *v = &errs->v[i];
		pd_msg_render(desc, sizeof desc, v->msg, r->loc, v->field, v->arg);
		if (i == 0) {
			memcpy(first, desc, sizeof first);
			k.code = v->code;
		}
		json_array_append_new(data, json_string(v->field ? v->field : ""));
		json_array_append_new(details, json_pack("{s:s, s:i, s:s}", "field", v->field ? v->field : "",
							 "code", v->code, "description", desc));
	}
	pd_reply_json(r, 400, body(k, first, data, details));
}
