/* delivery.h - webhook delivery (issue 22): one thread with a libcurl multi handle that
 * takes each registration's events from the change feed in cursor order and POSTs them,
 * signed (signer.h), to its WebhookUrl; retries with exponential backoff, parks an event
 * after 10 failed attempts; all of its state is in the store (docs/webhooks.md).  And where a
 * webhook may connect: the host's addresses checked before a registration is saved, and the
 * socket's address checked again on every attempt, after DNS, before connect(). */
#ifndef PD_DELIVERY_H
#define PD_DELIVERY_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include "request.h"

/* partnerd's own addresses, refused like the private ones: its listening address (--listen;
 * an unspecified one, 0.0.0.0 or ::, stands for every address of the host's interfaces) and
 * --public-url's host, by name and by what it resolves to here (bounded as below).  Called
 * once at start, before any check. */
void pd_webhook_own_address(const char *listen, const char *public_url);

/* May a webhook connect to sa?  Public addresses only, never partnerd's own, unless
 * allow_private. */
bool pd_webhook_addr_ok(const struct sockaddr *sa, bool allow_private);

enum pd_host_check { PD_HOST_OK, PD_HOST_UNRESOLVED, PD_HOST_REFUSED, PD_HOST_SLOW, PD_HOST_BUSY };
#define PD_WEBHOOK_RESOLVE_MS 5000   /* a host name must resolve within this (messages.c says 5 s) */
#define PD_WEBHOOK_RESOLVE_MAX 4     /* host names resolved at once, abandoned ones included */
/* Resolves host and checks every address it has: a literal at once, a name on a thread of its
 * own, waited for PD_WEBHOOK_RESOLVE_MS at most (PD_HOST_SLOW; blocks, never on an event
 * loop); PD_WEBHOOK_RESOLVE_MAX names being resolved already: PD_HOST_BUSY at once.  `what`
 * gets the host, or for the first refused "host (address)" when a name resolved to it and the
 * host alone when it is the address itself. */
enum pd_host_check pd_webhook_check_host(const char *host, int port, bool allow_private, char *what, size_t cap);

/* ---- the delivery thread ---- */

struct pd_queue;
struct pd_delivery;

/* Starts the thread: its own store connection (reads), the writer queue for every change of
 * delivery state (each in a writer transaction), cfg->signer for the signatures.  NULL with err
 * set when it cannot start. */
struct pd_delivery *pd_delivery_start(const struct pd_config *cfg, struct pd_queue *writer, char *err, size_t cap);
/* After a commit of the writer (work.h's hook; any thread): look at the feed now. */
void pd_delivery_wake(void *delivery);
/* Ends the transfers in flight (their attempts are not recorded: sent again after a start)
 * and the thread, before the writer stops. */
void pd_delivery_stop(struct pd_delivery *d);

#endif
