/* err.c - names of result codes and the validation error list. */
#include "err.h"

const char *pd_err_name(enum pd_err e)
{
	static const char *names[] = {"ok", "invalid", "not_found", "conflict", "stale",
				      "unauthorized", "forbidden", "io", "busy", "limit", "nomem", "internal",
				      "changed"};
	if ((size_t)e < sizeof names / sizeof names[0])
		return names[e];
	return "unknown";
}

void pd_verr_add(struct pd_verrs *l, int code, const char *field, enum pd_msg msg, const char *arg)
{
	if (l->n >= PD_VERR_MAX)
		return;
	l->v[l->n++] = (struct pd_verr){code, field, msg, arg};
}
