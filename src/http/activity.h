/* activity.h - the activity log, as the HTTP layer writes it: a record built from a request
 * (who, when, request and correlation ids, source address) and the failed attempts of
 * change routes, which the server records itself so that no handler can forget them. */
#ifndef PD_ACTIVITY_H
#define PD_ACTIVITY_H
#include <jansson.h>
#include "request.h"

/* Fills a record for the caller of r (arena strings); the caller sets the resource fields.
 * old_v/new_v are JSON summaries with secrets already removed (borrowed; may be NULL). */
void pd_activity_fill(struct pd_req *r, struct pd_audit *a, const char *op, const char *resource_type,
		      const char *outcome, json_t *old_v, json_t *new_v);

/* Writes a record inside the caller's write phase and marks the request audited. */
enum pd_err pd_activity_write(struct pd_req *r, struct store *st, struct pd_audit *a);

/* True if r is a failed attempt at a change that the server must still record. */
bool pd_activity_failure_pending(struct pd_req *r, const struct pd_route *route);

/* Records the failed attempt (writer phase of the server's own job). */
enum pd_err pd_activity_write_failure(struct pd_req *r, const struct pd_route *route,
				      struct store *st);

#endif
