/* events.h - the change feed's catalogue (issue 22): every event partnerd writes, named as
 * Partner Center names its webhook events ({resource}-{action}, its own names where it has
 * one: "test-created", "subscription-updated"), with the resource name each carries.  The
 * feed (GET /v1/events), the webhook registration (WebhookEvents) and the delivery read it.
 * Pure: no I/O. */
#ifndef PD_EVENTS_H
#define PD_EVENTS_H
#include <stdbool.h>
#include <stddef.h>

struct pd_event_kind {
	const char *name;          /* "customer-created" */
	const char *resource_name; /* "customer": the event's ResourceName */
	const char *about;         /* what raises it, for docs and the portal (English) */
};

extern const struct pd_event_kind pd_event_kinds[];
extern const size_t pd_event_kind_count;

/* The kind called `name`; NULL: no such event. */
const struct pd_event_kind *pd_event_kind(const char *name);

#endif
