/* err.h - the one error convention of core and store: an enum result, plus a list of
 * field-level validation errors.  The HTTP edge (src/http/errors.c) turns both, once, into a
 * status and a Partner-Center-style error body.  Nothing here allocates. */
#ifndef PD_ERR_H
#define PD_ERR_H
#include <stddef.h>
#include "messages.h"

enum pd_err {
	PD_OK = 0,
	PD_EINVAL,     /* bad input; details in a struct pd_verrs */
	PD_ENOTFOUND,  /* no such row (or not this partner's) */
	PD_ECONFLICT,  /* unique key taken (domain, email, ...) */
	PD_ESTALE,     /* etag did not match */
	PD_EUNAUTH,    /* no or bad credentials */
	PD_EFORBIDDEN, /* authenticated but not allowed */
	PD_EIO,        /* storage failed (disk full, I/O error): retry later */
	PD_EBUSY,      /* storage busy or shutting down: retry later */
	PD_ELIMIT,     /* too many requests: retry later */
	PD_ENOMEM,
	PD_EINTERNAL,
	PD_ECHANGED    /* the row's version is not the one read: another write came first */
};

const char *pd_err_name(enum pd_err e);

#define PD_VERR_MAX 16

/* One failing field.  `field` is the JSON path as the client sees it
 * ("billingProfile.defaultAddress.postalCode"); it and `arg` must outlive the list
 * (static strings or strings in the request arena). */
struct pd_verr {
	int code;          /* Partner Center error code: 3000 invalid property, 600049, ... */
	const char *field;
	enum pd_msg msg;   /* message template key, see messages.h */
	const char *arg;   /* substituted for {arg} in the template, may be NULL */
};

struct pd_verrs {
	size_t n;
	struct pd_verr v[PD_VERR_MAX];
};

/* Appends one error (silently drops past PD_VERR_MAX). */
void pd_verr_add(struct pd_verrs *l, int code, const char *field, enum pd_msg msg, const char *arg);

#endif
