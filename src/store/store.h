/* store.h - the one storage interface.  A `struct store` is one connection to an engine
 * chosen by URL ("sqlite:PATH": driver_sqlite.c; "postgresql://...": driver_pg.c; the
 * operations above them are written once, docs/internals/store.md); each event loop, the
 * writer thread and each CLI command opens its own.  Every call takes the partner id first
 * and can never reach another partner's rows.  Writes run inside store_begin/commit (the
 * writer thread groups many requests into one commit; each request in its own savepoint).
 * Results: enum pd_err.  Strings returned are copies in the caller's arena. */
#ifndef PD_STORE_H
#define PD_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include "arena.h"
#include "err.h"
#include "model.h"
#include "paging.h"
#include "secret.h"

struct pd_partner {
	const char *id, *name;
	long long created;
};

struct pd_user {                 /* a partner user (staff) */
	const char *partner_id, *id, *email, *display_name, *roles, *state;
	const char *password_hash;   /* Argon2id */
	bool must_change_password;
	long long created;
	long long version;           /* the row's version when read (see the saves below) */
};

struct pd_token {                /* a bearer token, stored as a keyed digest */
	unsigned char digest[PD_DIGEST_LEN];
	const char *partner_id, *principal_id, *principal_kind; /* "user" | "app" */
	const char *roles;           /* lookup: the principal's roles now, not at issue */
	long long expires;           /* unix seconds */
	long long principal_version; /* insert: the principal's version when its credentials were checked */
	/* filled by lookup from the principal's row: */
	const char *state;           /* "active", "disabled", "revoked"; NULL if it is gone */
	const char *principal_name;  /* user e-mail or app display name */
	bool must_change_password;
};

struct pd_app {                  /* a partner app: client credentials */
	const char *partner_id, *id, *display_name, *roles, *state;
	unsigned char secret_digest[PD_DIGEST_LEN];
	long long created, secret_updated;
	long long version;
};

struct pd_audit {                /* one activity-log record */
	const char *partner_id, *id;
	long long seq, created;
	const char *operation, *resource_type, *resource_id, *customer_id, *customer_name;
	const char *principal_kind, *principal_id, *principal_name;
	const char *outcome;         /* "succeeded" | "failed" */
	const char *request_id, *correlation_id, *old_value, *new_value, *source;
};

struct pd_audit_query {
	long long start, end;        /* created_at range, inclusive */
	const char *operation, *resource_type, *user, *customer_id, *customer_name; /* NULL = any */
	long long after_seq;
	int size;
};

struct pd_event {                /* one change in the feed (issue 22), as Partner Center names it */
	const char *partner_id;
	long long seq;               /* the feed's cursor: grows in commit order */
	const char *name;            /* "customer-created", "subscription-updated", ... */
	const char *resource_uri;    /* "/v1/customers/{id}", ... */
	const char *resource_name;   /* "customer", "subscription", ... */
	const char *audit_id;        /* the activity record it came with; NULL: none */
	long long created;           /* unix seconds */
};

struct pd_webhook {              /* a partner's webhook registration (issue 22): one per partner */
	const char *partner_id, *subscriber_id;
	const char *url;             /* WebhookUrl */
	const char *events;          /* WebhookEvents, comma-separated names of events.h */
	long long created, updated;  /* unix seconds */
	long long version;           /* bumped by every save (PUT), not by delivery */
	long long cursor;            /* the last feed seq taken into its deliveries */
	const char *lease_owner;     /* the instance delivering it now; NULL: none */
	long long lease_until_ms;
};

struct pd_wdelivery {            /* one event handed to a registration (its delivery log) */
	const char *partner_id;
	long long seq;               /* the event's */
	const char *subscriber_id, *event_name;
	const char *state;           /* "pending" | "delivered" | "parked" */
	long long attempts;          /* every attempt so far (the last attempt's n) */
	long long round_start;       /* attempts before this round: a redelivery starts a new one */
	long long next_at_ms;        /* pending: not before */
	long long created, updated;  /* unix seconds */
	const char *resource_uri;    /* wdelivery_list only: the event's; NULL when retention removed it */
	const char *resource_name;
};

struct pd_wattempt {             /* one delivery attempt's result */
	const char *partner_id;
	long long seq, n;            /* n: 1, 2, ... per delivery */
	long long at_ms;
	const char *url;
	int status;                  /* the HTTP status; 0: no answer (message says why) */
	const char *message;         /* short: the reason phrase or the transport's error */
	bool system_error;           /* partnerd's side (refused address, signing, ...), not the receiver's */
};

struct pd_customer_user {        /* a user in a customer's tenant, kept under its home partner */
	const char *partner_id, *customer_id, *id, *upn, *display_name;
	const char *first_name, *last_name, *usage_location;
	const char *roles;           /* "company_administrator" or "user" */
	const char *state;           /* "active" | "inactive" */
	const char *password_hash;   /* secret.h encodings */
	bool must_change_password;
	long long created;
	long long version;
};

struct pd_subscription {
	const char *partner_id, *customer_id, *id, *order_id, *offer_id, *friendly_name;
	const char *status;          /* "active" | "suspended" */
	const char *etag;
	const char *billing_cycle;   /* its order's ("monthly" when NULL at insert) */
	long long quantity, suspended_at, created, updated;
	long long version;
};

struct pd_order_row {            /* an order; its line items are its subscriptions */
	const char *partner_id, *customer_id, *id;
	const char *billing_cycle;   /* "monthly", "annual", ... */
	const char *currency;        /* ISO 4217; "" for orders stored before it was kept */
	long long created;
};

/* A keyset position in a list ordered by (created_at, id): the last row of the page before. */
struct pd_after {
	long long created;
	const char *id;
};

struct pd_invitation {           /* a partner's reusable reseller invitation */
	const char *partner_id, *code, *state;
	long long created;
};

struct pd_reseller {             /* an indirect reseller of a partner, an indirect provider */
	const char *partner_id, *id; /* id: the reseller's tenant id (Partner Center's) */
	const char *name, *mpn_id;   /* mpn_id: 6 to 10 digits, unique per partner */
	const char *location;        /* ISO 3166-1 alpha-2, may be NULL */
	const char *state;           /* "active" | "terminated" */
	long long created, updated;
};

struct pd_throttle_row {         /* one sign-in protection counter (throttle.c) */
	long long failures, last, good; /* count; last failure; last success (unix seconds) */
	long long inflight, held;       /* attempts reserved and not ended; the last reservation */
};

struct store;

/* Opens a connection for `url`, applying migrations when `migrate` (the server's first
 * connection and CLI commands do; the others need not).  On failure *out is NULL and
 * errbuf says why. */
enum pd_err store_open(const char *url, bool migrate, struct store **out, char *errbuf,
		       size_t cap);

/* PostgreSQL: connections per process and URL (--db-pool), for pools opened after the call;
 * every struct store of one URL shares them.  Default 8, at least 2. */
void store_set_pool_size(int n);
/* PostgreSQL: limits for connections opened after the call (--db-connect-timeout,
 * --db-statement-timeout, --db-keepalive; seconds, 0: libpq's and the server's defaults):
 * libpq's connect_timeout; the session's statement_timeout, and a connection lent out longer
 * than it and 2 s is cut off (a server that hangs: the call fails with PD_EIO); TCP keepalives
 * after that much idle time and tcp_user_timeout of as much. */
void store_set_pg_limits(int connect_s, int statement_s, int keepalive_s);

/* PostgreSQL read replicas (serve's --db-read, --db-read-max-lag; docs/deploy.md), before the
 * stores are opened.  `list`: standby URLs, separated by commas (a comma begins a new one only
 * where postgresql:// or postgres:// follows).  Threads watch each standby's replay and the
 * primary's (at `primary`) WAL position.  PD_EINVAL with errbuf set for a URL libpq refuses. */
enum pd_err store_set_replicas(const char *primary, const char *list, int max_lag_s, char *errbuf, size_t cap);
/* Until the next call, st's reads outside a transaction are a replica's when one has replayed
 * this principal's last write (store_wrote) and lags no more than the limit, else the
 * primary's; a replica that fails a read is skipped and the primary answers.  Token lookups,
 * credentials and the shared counters stay on the primary.  NULLs: the primary again.
 * Nothing without replicas, or on SQLite. */
void store_read_for(struct store *st, const char *partner, const char *principal);
/* After a commit on st: the primary's WAL position now, recorded as the last write of each
 * principal who[i] = {partner, principal} (the first STORE_WROTE_MAX).  Nothing without
 * replicas. */
#define STORE_WROTE_MAX 512
void store_wrote(struct store *st, const char *const (*who)[2], int n);
struct store_replica {
	bool usable;                 /* reachable, and lagging no more than the limit */
	double lag;                  /* seconds behind the primary; -1: not known */
	unsigned long long reads;    /* routed statements it answered */
};
/* The replicas (at most max, in --db-read's order) into out; their number.  *primary_reads:
 * routed statements the primary answered. */
int store_replicas(struct store_replica *out, int max, unsigned long long *primary_reads);
bool store_has_replicas(void); /* store_set_replicas has set some */

/* The billing profile as stored (the model's JSON without links, attributes and id; free()
 * it), and back into *b (strings in ar).  Shared by the backends. */
char *store_billing_text(const struct pd_billing *b);
enum pd_err store_billing_parse(const char *text, struct pd_billing *b, struct pd_arena *ar);

/* Copies every table of `from` into the empty store `to` in one transaction, then reads both
 * back and compares row counts and a checksum per table (BLAKE2b-256 of the rows in key
 * order).  report(arg, table, rows, checksum_hex, match) is called per table.  PD_ECONFLICT:
 * `to` is not empty; PD_EINVAL: a backend that cannot be a target; PD_ESTALE: a table
 * differs (nothing is kept). */
enum pd_err store_copy(struct store *from, struct store *to,
		       void (*report)(void *arg, const char *table, long long rows, const char *checksum,
				      bool match),
		       void *arg, char *errbuf, size_t cap);

/* The deployment's key for digests of generated secrets, created on first use. */
enum pd_err store_secret_key(struct store *st, unsigned char key[PD_KEY_LEN]);

/* Runs fn inside one transaction: commit on PD_OK, rollback otherwise (CLI commands). */
enum pd_err store_tx(struct store *st, enum pd_err (*fn)(struct store *, void *), void *arg);

/* Online backup and restore of a SQLite store (store_backup.c); report(arg, table, rows,
 * match) per table.  store_backup copies one snapshot of the store at url (while partnerd
 * serves it) into the new file `to` (PD_ECONFLICT when it exists and not force), checked
 * (integrity check, row counts equal to the snapshot's) before it gets that name.
 * store_restore checks the file `from` the same way and copies it into the store at url:
 * PD_EBUSY while the store is open elsewhere (a running partnerd), PD_ECONFLICT when it has
 * data and not force.  PD_EINVAL for a PostgreSQL url (pg_dump / PITR). */
typedef void (*store_table_report)(void *arg, const char *table, long long rows, bool match);
enum pd_err store_backup(const char *url, const char *to, bool force, store_table_report report, void *arg,
			 char *errbuf, size_t cap);
enum pd_err store_restore(const char *from, const char *url, bool force, store_table_report report, void *arg,
			  char *errbuf, size_t cap);

/* ---- The operations ------------------------------------------------------------------
 * One entry point each, store_<op>(st, ...), defined once in store_call.c from this list
 * (which also makes struct store_ops, store_impl.h).  Each entry point checks, counts, times
 * and may fail the call (fault injection) before it reaches the backend:
 *   R  a read: any time.
 *   W  a write: only inside a transaction begun on the same struct store (store_begin ...
 *      store_commit / store_rollback: the writer thread, store_tx); anywhere else it is
 *      refused with PD_EINTERNAL and a log line naming the operation.
 *   S  a write that is its own transaction (the shared counters, upkeep, bulk loads): any
 *      time outside transactions.
 *   T  transaction control (begin, commit, rollback).
 * `dflt` is the answer of an optional operation the backend lacks (required: PD_EINTERNAL). */
#define STORE_OPS(X) \
	X(begin, T, PD_EINTERNAL, (struct store *st), (st)) \
	X(commit, T, PD_EINTERNAL, (struct store *st), (st)) \
	X(rollback, T, PD_EINTERNAL, (struct store *st), (st)) \
	/* A savepoint per writer job, inside the group's transaction: released, or rolled back to (and released). */ \
	X(savepoint, W, PD_EINTERNAL, (struct store *st), (st)) \
	X(release, W, PD_EINTERNAL, (struct store *st), (st)) \
	X(rollback_to, W, PD_EINTERNAL, (struct store *st), (st)) \
	/* One read snapshot for a request's reads on an event loop (SQLite: a deferred transaction, so the WAL read lock \
	 * is taken once, not per statement).  No writes between it and store_read_end.  PD_OK without a snapshot where \
	 * reads need none. */ \
	X(read_begin, R, PD_OK, (struct store *st), (st)) \
	X(setting_get, R, PD_EINTERNAL, (struct store *st, const char *name, char **value, struct pd_arena *ar), \
	  (st, name, value, ar)) \
	X(setting_put, W, PD_EINTERNAL, (struct store *st, const char *name, const char *value), (st, name, value)) \
	X(partner_insert, W, PD_EINTERNAL, (struct store *st, const struct pd_partner *p), (st, p)) \
	X(partner_count, R, PD_EINTERNAL, (struct store *st, long long *n), (st, n)) \
	X(partner_get, R, PD_EINTERNAL, (struct store *st, const char *id, struct pd_partner *p, \
	  struct pd_arena *ar), (st, id, p, ar)) \
	X(user_insert, W, PD_EINTERNAL, (struct store *st, const struct pd_user *u), (st, u)) \
	X(user_by_email, R, PD_EINTERNAL, (struct store *st, const char *email, struct pd_user *u, \
	  struct pd_arena *ar), (st, email, u, ar)) \
	X(user_get, R, PD_EINTERNAL, (struct store *st, const char *partner, const char *id, struct pd_user *u, \
	  struct pd_arena *ar), (st, partner, id, u, ar)) \
	/* Up to size + 1 users ordered by e-mail key, after `after` (NULL: from the start). */ \
	X(user_list, R, PD_EINTERNAL, (struct store *st, const char *partner, const char *after, int size, \
	  struct pd_user **rows, size_t *n, struct pd_arena *ar), (st, partner, after, size, rows, n, ar)) \
	/* Writes display name, roles, state, password hash and must-change of an existing user, only if its stored \
	 * version is still u->version (the one read), then u->version + 1.  Every save below works the same way: \
	 * PD_ECHANGED when the row is at another version (another write came first; nothing is written), PD_ENOTFOUND \
	 * when it is gone. */ \
	X(user_save, W, PD_EINTERNAL, (struct store *st, struct pd_user *u), (st, u)) \
	/* Deletes the user if it is still at `version`: PD_ECHANGED, PD_ENOTFOUND as a save. */ \
	X(user_delete, W, PD_EINTERNAL, (struct store *st, const char *partner, const char *id, long long version), \
	  (st, partner, id, version)) \
	/* Active users of `partner` holding `role`. */ \
	X(user_count_role, R, PD_EINTERNAL, (struct store *st, const char *partner, const char *role, long long *n), \
	  (st, partner, role, n)) \
	X(app_insert, W, PD_EINTERNAL, (struct store *st, const struct pd_app *a), (st, a)) \
	X(app_get, R, PD_EINTERNAL, (struct store *st, const char *partner, const char *id, struct pd_app *a, \
	  struct pd_arena *ar), (st, partner, id, a, ar)) \
	X(app_by_client, R, PD_EINTERNAL, (struct store *st, const char *client_id, struct pd_app *a, \
	  struct pd_arena *ar), (st, client_id, a, ar)) \
	/* Up to size + 1 apps ordered by (created_at, app_id), after `after` (NULL: from the start); the extra row tells \
	 * that there is a next page. */ \
	X(app_list, R, PD_EINTERNAL, (struct store *st, const char *partner, const struct pd_after *after, int size, \
	  struct pd_app **rows, size_t *n, struct pd_arena *ar), (st, partner, after, size, rows, n, ar)) \
	/* Writes display name, roles, state, secret digest and secret_updated (versioned). */ \
	X(app_save, W, PD_EINTERNAL, (struct store *st, struct pd_app *a), (st, a)) \
	/* Deletes every token of one principal (sign-out everywhere). */ \
	X(tokens_revoke, W, PD_EINTERNAL, (struct store *st, const char *partner, const char *principal_id), \
	  (st, partner, principal_id)) \
	/* Deletes one token of a partner (sign-out of one session); unknown digests are fine. */ \
	X(token_delete, W, PD_EINTERNAL, (struct store *st, const char *partner, \
	  const unsigned char digest[PD_DIGEST_LEN]), (st, partner, digest)) \
	X(audit_insert, W, PD_EINTERNAL, (struct store *st, struct pd_audit *a), (st, a)) \
	/* assigns seq */ \
	X(audit_list, R, PD_EINTERNAL, (struct store *st, const char *partner, const struct pd_audit_query *q, \
	  struct pd_audit **rows, size_t *n, struct pd_arena *ar), (st, partner, q, rows, n, ar)) \
	/* The change feed: event_insert takes the next seq (into ev->seq) and writes the event, in the caller's \
	 * transaction; event_list reads up to `max` events of a partner with seq > after, in seq order; event_bounds \
	 * the partner's lowest and highest seq (0, 0: none; seq counts per partner); event_prune deletes every partner's \
	 * events created before `before`, but never one a webhook delivery still needs (not yet taken by its partner's \
	 * registration, or its delivery pending or parked), *n how many. */ \
	X(event_insert, W, PD_EINTERNAL, (struct store *st, struct pd_event *ev), (st, ev)) \
	X(event_list, R, PD_EINTERNAL, (struct store *st, const char *partner, long long after, int max, \
	  struct pd_event **rows, size_t *n, struct pd_arena *ar), (st, partner, after, max, rows, n, ar)) \
	X(event_bounds, R, PD_EINTERNAL, (struct store *st, const char *partner, long long *first, long long *last), \
	  (st, partner, first, last)) \
	X(event_prune, W, PD_EINTERNAL, (struct store *st, long long before, long long *n), (st, before, n)) \
	/* The highest seq of `partner` event_prune has removed (0: none): a cursor below it may have missed events \
	 * (event_prune keeps it per partner in counters, 'event_pruned:' || partner_id). */ \
	X(event_pruned, R, PD_EINTERNAL, (struct store *st, const char *partner, long long *seq), (st, partner, seq)) \
	/* Webhooks (issue 22).  webhook_*: the partner's one registration; webhook_save stores url and \
	 * events at w->version (PD_ECHANGED, PD_ENOTFOUND) and bumps it; webhook_delete removes it at \
	 * `version` with its deliveries, attempts and tests; webhook_all every partner's (delivery); \
	 * webhook_lease takes or renews the lease for `owner` until until_ms unless another owner's lasts \
	 * past now_ms (PD_ECHANGED; PD_ENOTFOUND: no such registration); webhook_advance moves the cursor \
	 * from `from` to `to` (PD_ECHANGED: moved meanwhile or another registration). */ \
	X(webhook_get, R, PD_EINTERNAL, (struct store *st, const char *partner, struct pd_webhook *w, \
	  struct pd_arena *ar), (st, partner, w, ar)) \
	X(webhook_insert, W, PD_EINTERNAL, (struct store *st, const struct pd_webhook *w), (st, w)) \
	X(webhook_save, W, PD_EINTERNAL, (struct store *st, struct pd_webhook *w), (st, w)) \
	X(webhook_delete, W, PD_EINTERNAL, (struct store *st, const char *partner, long long version), \
	  (st, partner, version)) \
	X(webhook_all, R, PD_EINTERNAL, (struct store *st, struct pd_webhook **rows, size_t *n, struct pd_arena *ar), \
	  (st, rows, n, ar)) \
	X(webhook_lease, W, PD_EINTERNAL, (struct store *st, const char *partner, const char *subscriber, \
	  const char *owner, long long now_ms, long long until_ms), (st, partner, subscriber, owner, now_ms, until_ms)) \
	X(webhook_advance, W, PD_EINTERNAL, (struct store *st, const char *partner, const char *subscriber, \
	  long long from, long long to), (st, partner, subscriber, from, to)) \
	/* A registration's deliveries: wdelivery_insert a taken event (pending); wdelivery_next the \
	 * lowest pending one; wdelivery_list up to max with seq > after in seq order, each with its
	 * event's resource (NULL once retention removed a delivered one's event); wdelivery_record \
	 * an attempt `a` and the delivery's new state, attempts and next time, only while it is still \
	 * pending at d->attempts - 1 attempts (PD_ECHANGED); wdelivery_redeliver a parked one back to \
	 * pending for a new round (PD_ENOTFOUND: none parked at seq); wattempt_list the attempts of \
	 * deliveries lo..hi in (seq, n) order. */ \
	X(wdelivery_insert, W, PD_EINTERNAL, (struct store *st, const struct pd_wdelivery *d), (st, d)) \
	X(wdelivery_get, R, PD_EINTERNAL, (struct store *st, const char *partner, long long seq, \
	  struct pd_wdelivery *d, struct pd_arena *ar), (st, partner, seq, d, ar)) \
	X(wdelivery_next, R, PD_EINTERNAL, (struct store *st, const char *partner, struct pd_wdelivery *d, \
	  struct pd_arena *ar), (st, partner, d, ar)) \
	X(wdelivery_list, R, PD_EINTERNAL, (struct store *st, const char *partner, long long after, int max, \
	  struct pd_wdelivery **rows, size_t *n, struct pd_arena *ar), (st, partner, after, max, rows, n, ar)) \
	X(wdelivery_record, W, PD_EINTERNAL, (struct store *st, const struct pd_wattempt *a, \
	  const struct pd_wdelivery *d), (st, a, d)) \
	X(wdelivery_redeliver, W, PD_EINTERNAL, (struct store *st, const char *partner, long long seq, \
	  long long now_ms, long long now), (st, partner, seq, now_ms, now)) \
	X(wattempt_list, R, PD_EINTERNAL, (struct store *st, const char *partner, long long lo, long long hi, \
	  struct pd_wattempt **rows, size_t *n, struct pd_arena *ar), (st, partner, lo, hi, rows, n, ar)) \
	/* Test events (validationEvents): wtest_insert its correlation id with the event's seq; \
	 * wtest_get the seq; wtest_recent how many the partner asked for since `since` and the \
	 * oldest of them (0 when none): the throttle. */ \
	X(wtest_insert, W, PD_EINTERNAL, (struct store *st, const char *partner, const char *cid, long long seq, \
	  long long created), (st, partner, cid, seq, created)) \
	X(wtest_get, R, PD_EINTERNAL, (struct store *st, const char *partner, const char *cid, long long *seq), \
	  (st, partner, cid, seq)) \
	X(wtest_recent, R, PD_EINTERNAL, (struct store *st, const char *partner, long long since, long long *count, \
	  long long *oldest), (st, partner, since, count, oldest)) \
	X(audit_get, R, PD_EINTERNAL, (struct store *st, const char *partner, const char *id, struct pd_audit *a, \
	  struct pd_arena *ar), (st, partner, id, a, ar)) \
	X(order_insert, W, PD_EINTERNAL, (struct store *st, const struct pd_order_row *o), (st, o)) \
	X(order_get, R, PD_EINTERNAL, (struct store *st, const char *partner, const char *customer, const char *id, \
	  struct pd_order_row *o, struct pd_arena *ar), (st, partner, customer, id, o, ar)) \
	/* Up to size + 1 orders of a customer ordered by (created_at, order_id), after `after`. */ \
	X(order_list, R, PD_EINTERNAL, (struct store *st, const char *partner, const char *customer, \
	  const struct pd_after *after, int size, struct pd_order_row **rows, size_t *n, struct pd_arena *ar), \
	  (st, partner, customer, after, size, rows, n, ar)) \
	X(sub_insert, W, PD_EINTERNAL, (struct store *st, const struct pd_subscription *s), (st, s)) \
	X(sub_get, R, PD_EINTERNAL, (struct store *st, const char *partner, const char *customer, const char *id, \
	  struct pd_subscription *s, struct pd_arena *ar), (st, partner, customer, id, s, ar)) \
	/* Up to size + 1 subscriptions of a customer ordered by (created_at, subscription_id), after `after` (NULL: from \
	 * the start). */ \
	X(sub_list, R, PD_EINTERNAL, (struct store *st, const char *partner, const char *customer, \
	  const struct pd_after *after, int size, struct pd_subscription **rows, size_t *n, struct pd_arena *ar), \
	  (st, partner, customer, after, size, rows, n, ar)) \
	/* As sub_list, only the subscriptions of order `order_id`. */ \
	X(sub_list_order, R, PD_EINTERNAL, (struct store *st, const char *partner, const char *customer, \
	  const char *order_id, const struct pd_after *after, int size, struct pd_subscription **rows, size_t *n, \
	  struct pd_arena *ar), (st, partner, customer, order_id, after, size, rows, n, ar)) \
	/* Writes friendly name, quantity, status, suspended_at, etag and updated (versioned). */ \
	X(sub_save, W, PD_EINTERNAL, (struct store *st, struct pd_subscription *s), (st, s)) \
	/* Customer users, under the tenant's home partner (tenant_home). */ \
	X(cuser_insert, W, PD_EINTERNAL, (struct store *st, const struct pd_customer_user *u), (st, u)) \
	X(cuser_get, R, PD_EINTERNAL, (struct store *st, const char *home, const char *customer, const char *id, \
	  struct pd_customer_user *u, struct pd_arena *ar), (st, home, customer, id, u, ar)) \
	/* Up to size + 1 users of a tenant ordered by upn, after upn `after` (NULL: from the start). */ \
	X(cuser_list, R, PD_EINTERNAL, (struct store *st, const char *home, const char *customer, const char *after, \
	  int size, struct pd_customer_user **rows, size_t *n, struct pd_arena *ar), \
	  (st, home, customer, after, size, rows, n, ar)) \
	X(cuser_by_upn, R, PD_EINTERNAL, (struct store *st, const char *upn, struct pd_customer_user *u, \
	  struct pd_arena *ar), (st, upn, u, ar)) \
	/* Writes names, usage location, roles, state, password hash and must-change (versioned). */ \
	X(cuser_save, W, PD_EINTERNAL, (struct store *st, struct pd_customer_user *u), (st, u)) \
	/* Deletes the user if it is still at `version` (as user_delete). */ \
	X(cuser_delete, W, PD_EINTERNAL, (struct store *st, const char *home, const char *customer, const char *id, \
	  long long version), (st, home, customer, id, version)) \
	/* The partner that created tenant `customer` (its users live there). */ \
	X(tenant_home, R, PD_EINTERNAL, (struct store *st, const char *customer, char **partner, \
	  struct pd_arena *ar), (st, customer, partner, ar)) \
	/* A partner's own account of an existing tenant (a reseller relationship accepted): its customer row and search \
	 * entry, no domain or users, no indirect reseller (clears c->associated_partner_id).  Assigns c->seq. */ \
	X(customer_link, W, PD_EINTERNAL, (struct store *st, const char *partner, struct pd_customer *c), \
	  (st, partner, c)) \
	X(customer_set_relationship, W, PD_EINTERNAL, (struct store *st, const char *partner, const char *id, \
	  const char *relationship, long long now), (st, partner, id, relationship, now)) \
	/* The partner's latest invitation, active or revoked. */ \
	X(invitation_latest, R, PD_EINTERNAL, (struct store *st, const char *partner, struct pd_invitation *i, \
	  struct pd_arena *ar), (st, partner, i, ar)) \
	X(invitation_by_code, R, PD_EINTERNAL, (struct store *st, const char *code, struct pd_invitation *i, \
	  struct pd_arena *ar), (st, code, i, ar)) \
	X(invitation_insert, W, PD_EINTERNAL, (struct store *st, const struct pd_invitation *i), (st, i)) \
	X(invitation_revoke, W, PD_EINTERNAL, (struct store *st, const char *partner), (st, partner)) \
	/* Inserts only while the principal (user or app) is still at t->principal_version: a sign-in checked against a \
	 * row that a reset, rotation or disable has changed since gets PD_ECHANGED (PD_ENOTFOUND: the principal is \
	 * gone), so no token outlives the revocation that change made. */ \
	X(token_insert, W, PD_EINTERNAL, (struct store *st, const struct pd_token *t), (st, t)) \
	X(token_lookup, R, PD_EINTERNAL, (struct store *st, const unsigned char digest[PD_DIGEST_LEN], \
	  struct pd_token *t, struct pd_arena *ar), (st, digest, t, ar)) \
	/* Assigns c->seq; PD_ECONFLICT when the domain is taken (anywhere in the deployment). */ \
	X(customer_insert, W, PD_EINTERNAL, (struct store *st, const char *partner, struct pd_customer *c, \
	  const struct pd_customer_user *admin), (st, partner, c, admin)) \
	/* Reads, on this connection, the index pages customer_insert(c, admin) and the create's idempotency key \
	 * (request_id, may be NULL) will write: called on an event loop before the job is queued, so the one writer \
	 * finds them in the kernel's cache instead of waiting for the disk for each.  Changes nothing; callers may \
	 * ignore its result (PD_OK where it would not pay). */ \
	X(warm_insert, R, PD_OK, (struct store *st, const char *partner, const struct pd_customer *c, \
	  const struct pd_customer_user *admin, const char *request_id), (st, partner, c, admin, request_id)) \
	X(customer_get, R, PD_EINTERNAL, (struct store *st, const char *partner, const char *id, \
	  struct pd_customer *c, struct pd_arena *ar), (st, partner, id, c, ar)) \
	/* Up to q->size + 1 rows (the extra one tells that there is a next page). */ \
	X(customer_list, R, PD_EINTERNAL, (struct store *st, const char *partner, const struct pd_query *q, \
	  struct pd_customer **rows, size_t *n, struct pd_arena *ar), (st, partner, q, rows, n, ar)) \
	/* Replaces the billing profile if the stored etag equals b->etag: PD_ESTALE otherwise. */ \
	X(billing_update, W, PD_EINTERNAL, (struct store *st, const char *partner, const char *id, \
	  const struct pd_billing *b, const char *new_etag, long long now), (st, partner, id, b, new_etag, now)) \
	/* Removes this partner's account of the customer (row, search entry, its orders and subscriptions).  The tenant \
	 * itself (domain, users) goes with its home partner's account, which PD_ECONFLICT refuses while other partners \
	 * still have accounts of it. */ \
	X(customer_delete, W, PD_EINTERNAL, (struct store *st, const char *partner, const char *id), \
	  (st, partner, id)) \
	X(domain_taken, R, PD_EINTERNAL, (struct store *st, const char *domain, bool *taken), (st, domain, taken)) \
	/* Idempotent creates: the resource made for (partner, request id), if any, and the digest of the request that \
	 * made it (*digest NULL for a key stored without one). */ \
	X(idem_get, R, PD_EINTERNAL, (struct store *st, const char *partner, const char *request_id, \
	  char **resource_id, char **digest, struct pd_arena *ar), \
	  (st, partner, request_id, resource_id, digest, ar)) \
	X(idem_put, W, PD_EINTERNAL, (struct store *st, const char *partner, const char *request_id, \
	  const char *resource_id, const char *digest, long long now), \
	  (st, partner, request_id, resource_id, digest, now)) \
	/* Throttling counters shared by every process on the store (PostgreSQL; see store_has_shared_counters: PD_EINVAL \
	 * without them, as SQLite's one process keeps them in memory).  Safe from several threads on one struct store, \
	 * outside transactions. */ \
	X(throttle_get, S, PD_EINVAL, (struct store *st, const char *key, struct pd_throttle_row *row), \
	  (st, key, row)) \
	/* An attempt reserved by throttle_reserve ends.  In all three, `drop` (0 or 1) attempts fewer are in flight, and \
	 * none are any more once the last reservation is older than `stale` seconds. failed: one more failure; the count \
	 * restarts at 1 when the last one is older than `fade`. */ \
	X(throttle_failed, S, PD_EINVAL, (struct store *st, const char *key, long long now, long long fade, int drop, \
	  long long stale), (st, key, now, fade, drop, stale)) \
	/* Clears the failures; with `good`, records a successful sign-in at now. */ \
	X(throttle_succeeded, S, PD_EINVAL, (struct store *st, const char *key, long long now, bool good, int drop, \
	  long long stale), (st, key, now, good, drop, stale)) \
	/* Takes one token of a bucket refilled at `rate` per second, burst 2 rate: *wait = 0 if taken, else the seconds \
	 * until one is there. */ \
	X(rate_take, S, PD_EINVAL, (struct store *st, const char *key, double now, int rate, int *wait), \
	  (st, key, now, rate, wait)) \
	/* Sign-in attempts in flight. reserve: one attempt more in flight on `key` (the row made if missing), in one \
	 * atomic statement, only while its failures and last failure are still those of `seen` and fewer than `cap` are \
	 * in flight (reservations count until the last one is older than `stale` seconds): *taken says whether it was. \
	 * release: an attempt ended without a verdict. */ \
	X(throttle_reserve, S, PD_EINVAL, (struct store *st, const char *key, const struct pd_throttle_row *seen, \
	  long long now, int cap, long long stale, bool *taken), (st, key, seen, now, cap, stale, taken)) \
	X(throttle_release, S, PD_EINVAL, (struct store *st, const char *key, long long now, int drop, \
	  long long stale), (st, key, now, drop, stale)) \
	/* Moving data (store_copy.c). raw_select runs one SELECT and calls row(arg, n, values) with each row as text \
	 * (NULL for NULL); a non-zero return stops it. raw_exec runs one statement with text parameters ($1, ...); \
	 * PD_EINVAL where a backend cannot be a target. */ \
	X(raw_select, R, PD_EINTERNAL, (struct store *st, const char *sql, int (*row)(void *arg, int n, \
	  const char *const *values), void *arg), (st, sql, row, arg)) \
	X(raw_exec, W, PD_EINVAL, (struct store *st, const char *sql, int n, const char *const *params), \
	  (st, sql, n, params)) \
	/* One bounded step of upkeep in its own transaction (SQLite: merging search-index segments, ~256 pages); *more \
	 * when there is more to do.  The writer calls it while it has nothing else to do. *more = false where the \
	 * backend keeps itself (PostgreSQL: autovacuum). */ \
	X(tidy, S, (*more = false, PD_OK), (struct store *st, bool *more), (st, more)) \
	/* A bulk load (partnerd seed) starts (on) or ends (off), outside a transaction: the backend may use more memory \
	 * meanwhile; every commit stays durable.  PD_OK where the backend does nothing for it. */ \
	X(bulk_load, S, PD_OK, (struct store *st, bool on), (st, on)) \
	/* Indirect resellers (two-tier CSP).  Insert: PD_ECONFLICT when the id or the MPN id is the partner's already. */ \
	X(reseller_insert, W, PD_EINTERNAL, (struct store *st, const struct pd_reseller *x), (st, x)) \
	X(reseller_get, R, PD_EINTERNAL, (struct store *st, const char *partner, const char *id, \
	  struct pd_reseller *x, struct pd_arena *ar), (st, partner, id, x, ar)) \
	/* Up to size + 1 resellers ordered by (created_at, reseller_id), after `after` (NULL: from the start). */ \
	X(reseller_list, R, PD_EINTERNAL, (struct store *st, const char *partner, const struct pd_after *after, \
	  int size, struct pd_reseller **rows, size_t *n, struct pd_arena *ar), \
	  (st, partner, after, size, rows, n, ar)) \
	/* Ends an active relationship (state terminated, updated at `now`) and clears it from every customer of the \
	 * partner associated with it; *cleared: those customers as they are now (without it).  PD_ENOTFOUND when no \
	 * active relationship has that id. */ \
	X(reseller_end, W, PD_EINTERNAL, (struct store *st, const char *partner, const char *id, long long now, \
	  struct pd_customer **cleared, size_t *n, struct pd_arena *ar), (st, partner, id, now, cleared, n, ar)) \
	/* Possible duplicates (issue 18): up to `max` ids of the partner's customers whose normalised name (search.h \
	 * pd_dup_key) is dup_key or, when regnum is not NULL, whose registration number is regnum.  Read on the \
	 * connection it is called on: the create asks before queueing its job and again inside the writer's transaction. */ \
	X(customer_dups, R, PD_EINTERNAL, (struct store *st, const char *partner, const char *dup_key, \
	  const char *regnum, int max, char ***ids, size_t *n, struct pd_arena *ar), \
	  (st, partner, dup_key, regnum, max, ids, n, ar))

#define STORE_OP_DECLARE(op, kind, dflt, params, args) enum pd_err store_##op params;
STORE_OPS(STORE_OP_DECLARE)
#undef STORE_OP_DECLARE
const char *store_name(const struct store *st); /* "sqlite", "postgresql" */
void store_close(struct store *st);             /* NULL: nothing */
void store_read_end(struct store *st);          /* after a store_read_begin that answered PD_OK */
/* Whether the throttle_* and rate_take counters are the store's, shared by every process on it
 * (PostgreSQL); without them they answer PD_EINVAL and the caller keeps its own. */
bool store_has_shared_counters(const struct store *st);
bool store_in_transaction(const struct store *st); /* begun by store_begin, not ended yet */
/* Moves on after each commit (in this process) of a write that may change what token_lookup
 * answers: a lookup cached under an older generation is stale (src/http/auth.c).  Writes by
 * other processes on the same store do not move it. */
unsigned long long store_auth_generation(void);
/* The same for what a customer's GET answers (src/http/rowcache.c): moves on after each commit
 * in this process of a write not listed as neutral in store_call.c.  store_read_generation is
 * its value read just before st's last store_read_begin (before its snapshot: whatever a read
 * in that snapshot sees is at least that new); an answer read there and kept under it is stale
 * as soon as a later write commits. */
unsigned long long store_data_generation(void);
unsigned long long store_read_generation(const struct store *st);

/* ---- Counters: every entry point's calls since start (for /metrics) ---- */
enum store_op {
#define STORE_OP_ENUM(op, kind, dflt, params, args) STORE_OP_##op,
	STORE_OPS(STORE_OP_ENUM) STORE_OP_COUNT
#undef STORE_OP_ENUM
};
#define STORE_CALL_BUCKETS 8 /* store_call_le_ns's upper bounds (100 us to 1 s), then +Inf */
extern const unsigned long long store_call_le_ns[STORE_CALL_BUCKETS - 1];
struct store_call_stats {
	unsigned long long ok, error, sum_ns;          /* calls answered PD_OK, others; their time */
	unsigned long long bucket[STORE_CALL_BUCKETS]; /* per bucket, not cumulative */
};
void store_call_stats(enum store_op op, struct store_call_stats *out);
const char *store_op_name(enum store_op op);
enum store_op store_op_find(const char *name); /* STORE_OP_COUNT: no such operation */

/* ---- Fault injection (tests only: partnerd serve --fault-injection) ----
 * A request's calls count in its struct store_fault, armed on the thread that runs each of its
 * phases; the call it names fails with `err` before the backend sees it.  Rollbacks are never
 * failed nor counted: they undo failures. */
struct store_fault {
	int calls, op_calls;  /* calls so far while armed; calls of op among them */
	int at;               /* fail the at-th call (of op when op is set); 0: every call of op */
	enum store_op op;     /* STORE_OP_COUNT: any */
	enum pd_err err;      /* PD_OK: count only */
	enum store_op failed; /* the last call failed; STORE_OP_COUNT: none */
};
/* "call=N; error=EIO|EBUSY|ECONFLICT", with "; op=NAME" (then call= is optional) into *f;
 * PD_EINVAL for anything else.  store_fault_none: a fault that only counts. */
enum pd_err store_fault_parse(const char *spec, struct store_fault *f);
void store_fault_none(struct store_fault *f);
void store_fault_arm(struct store_fault *f); /* this thread's calls count in f (NULL: nowhere) */

#endif
