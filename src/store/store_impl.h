/* store_impl.h - what lies behind a struct store: the table of operations each backend
 * fills and the backends' open functions.  Only src/store/ includes it; everything else
 * goes through store.h. */
#ifndef PD_STORE_IMPL_H
#define PD_STORE_IMPL_H
#include "store.h"

struct store_ops {
	const char *name;
	void (*close)(struct store *);
	enum pd_err (*begin)(struct store *);
	enum pd_err (*commit)(struct store *);
	enum pd_err (*rollback)(struct store *);
	enum pd_err (*savepoint)(struct store *);
	enum pd_err (*release)(struct store *);
	enum pd_err (*rollback_to)(struct store *);
	/* One read snapshot for a request's reads on an event loop (SQLite: a deferred
	 * transaction, so the WAL read lock is taken once, not per statement).  No writes
	 * between them; read_end after every successful read_begin.  NULL where reads need none. */
	enum pd_err (*read_begin)(struct store *);
	void (*read_end)(struct store *);

	enum pd_err (*setting_get)(struct store *, const char *name, char **value, struct pd_arena *);
	enum pd_err (*setting_put)(struct store *, const char *name, const char *value);

	enum pd_err (*partner_insert)(struct store *, const struct pd_partner *);
	enum pd_err (*partner_count)(struct store *, long long *n);
	enum pd_err (*partner_get)(struct store *, const char *id, struct pd_partner *,
				   struct pd_arena *);
	enum pd_err (*user_insert)(struct store *, const struct pd_user *);
	enum pd_err (*user_by_email)(struct store *, const char *email, struct pd_user *,
				     struct pd_arena *);
	enum pd_err (*user_get)(struct store *, const char *partner, const char *id,
				struct pd_user *, struct pd_arena *);
	/* Up to size + 1 users ordered by e-mail key, after `after` (NULL: from the start). */
	enum pd_err (*user_list)(struct store *, const char *partner, const char *after, int size,
				 struct pd_user **rows, size_t *n, struct pd_arena *);
	/* Writes display name, roles, state, password hash and must-change of an existing user,
	 * only if its stored version is still u->version (the one read), then u->version + 1.
	 * Every save below works the same way: PD_ECHANGED when the row is at another version
	 * (another write came first; nothing is written), PD_ENOTFOUND when it is gone. */
	enum pd_err (*user_save)(struct store *, struct pd_user *);
	/* Deletes the user if it is still at `version`: PD_ECHANGED, PD_ENOTFOUND as a save. */
	enum pd_err (*user_delete)(struct store *, const char *partner, const char *id,
				   long long version);
	/* Active users of `partner` holding `role`. */
	enum pd_err (*user_count_role)(struct store *, const char *partner, const char *role,
				       long long *n);
	enum pd_err (*app_insert)(struct store *, const struct pd_app *);
	enum pd_err (*app_get)(struct store *, const char *partner, const char *id, struct pd_app *,
			       struct pd_arena *);
	enum pd_err (*app_by_client)(struct store *, const char *client_id, struct pd_app *,
				     struct pd_arena *);
	/* Up to size + 1 apps ordered by (created_at, app_id), after `after` (NULL: from the
	 * start); the extra row tells that there is a next page. */
	enum pd_err (*app_list)(struct store *, const char *partner, const struct pd_after *after,
				int size, struct pd_app **rows, size_t *n, struct pd_arena *);
	/* Writes display name, roles, state, secret digest and secret_updated (versioned). */
	enum pd_err (*app_save)(struct store *, struct pd_app *);
	/* Deletes every token of one principal (sign-out everywhere). */
	enum pd_err (*tokens_revoke)(struct store *, const char *partner, const char *principal_id);
	/* Deletes one token of a partner (sign-out of one session); unknown digests are fine. */
	enum pd_err (*token_delete)(struct store *, const char *partner,
				    const unsigned char digest[PD_DIGEST_LEN]);
	enum pd_err (*audit_insert)(struct store *, struct pd_audit *); /* assigns seq */
	enum pd_err (*audit_list)(struct store *, const char *partner, const struct pd_audit_query *,
				  struct pd_audit **rows, size_t *n, struct pd_arena *);
	enum pd_err (*audit_get)(struct store *, const char *partner, const char *id,
				 struct pd_audit *, struct pd_arena *);
	enum pd_err (*order_insert)(struct store *, const struct pd_order_row *);
	enum pd_err (*order_get)(struct store *, const char *partner, const char *customer,
				 const char *id, struct pd_order_row *, struct pd_arena *);
	/* Up to size + 1 orders of a customer ordered by (created_at, order_id), after `after`. */
	enum pd_err (*order_list)(struct store *, const char *partner, const char *customer,
				  const struct pd_after *after, int size, struct pd_order_row **rows,
				  size_t *n, struct pd_arena *);
	enum pd_err (*sub_insert)(struct store *, const struct pd_subscription *);
	enum pd_err (*sub_get)(struct store *, const char *partner, const char *customer,
			       const char *id, struct pd_subscription *, struct pd_arena *);
	/* Up to size + 1 subscriptions of a customer ordered by (created_at, subscription_id),
	 * after `after` (NULL: from the start). */
	enum pd_err (*sub_list)(struct store *, const char *partner, const char *customer,
				const struct pd_after *after, int size, struct pd_subscription **rows,
				size_t *n, struct pd_arena *);
	/* As sub_list, only the subscriptions of order `order_id`. */
	enum pd_err (*sub_list_order)(struct store *, const char *partner, const char *customer,
				      const char *order_id, const struct pd_after *after, int size,
				      struct pd_subscription **rows, size_t *n, struct pd_arena *);
	/* Writes friendly name, quantity, status, suspended_at, etag and updated (versioned). */
	enum pd_err (*sub_save)(struct store *, struct pd_subscription *);

	/* Customer users, under the tenant's home partner (tenant_home). */
	enum pd_err (*cuser_insert)(struct store *, const struct pd_customer_user *);
	enum pd_err (*cuser_get)(struct store *, const char *home, const char *customer,
				 const char *id, struct pd_customer_user *, struct pd_arena *);
	/* Up to size + 1 users of a tenant ordered by upn, after upn `after` (NULL: from the start). */
	enum pd_err (*cuser_list)(struct store *, const char *home, const char *customer,
				  const char *after, int size, struct pd_customer_user **rows, size_t *n,
				  struct pd_arena *);
	enum pd_err (*cuser_by_upn)(struct store *, const char *upn, struct pd_customer_user *,
				    struct pd_arena *);
	/* Writes names, usage location, roles, state, password hash and must-change (versioned). */
	enum pd_err (*cuser_save)(struct store *, struct pd_customer_user *);
	/* Deletes the user if it is still at `version` (as user_delete). */
	enum pd_err (*cuser_delete)(struct store *, const char *home, const char *customer,
				    const char *id, long long version);
	/* The partner that created tenant `customer` (its users live there). */
	enum pd_err (*tenant_home)(struct store *, const char *customer, char **partner,
				   struct pd_arena *);
	/* A partner's own account of an existing tenant (a reseller relationship accepted):
	 * its customer row and search entry, no domain or users, no indirect reseller (clears
	 * c->associated_partner_id).  Assigns c->seq. */
	enum pd_err (*customer_link)(struct store *, const char *partner, struct pd_customer *c);
	enum pd_err (*customer_set_relationship)(struct store *, const char *partner,
						 const char *id, const char *relationship,
						 long long now);
	/* The partner's latest invitation, active or revoked. */
	enum pd_err (*invitation_latest)(struct store *, const char *partner,
					 struct pd_invitation *, struct pd_arena *);
	enum pd_err (*invitation_by_code)(struct store *, const char *code, struct pd_invitation *,
					  struct pd_arena *);
	enum pd_err (*invitation_insert)(struct store *, const struct pd_invitation *);
	enum pd_err (*invitation_revoke)(struct store *, const char *partner);

	/* Inserts only while the principal (user or app) is still at t->principal_version: a
	 * sign-in checked against a row that a reset, rotation or disable has changed since
	 * gets PD_ECHANGED (PD_ENOTFOUND: the principal is gone), so no token outlives the
	 * revocation that change made. */
	enum pd_err (*token_insert)(struct store *, const struct pd_token *);
	enum pd_err (*token_lookup)(struct store *, const unsigned char digest[PD_DIGEST_LEN],
				    struct pd_token *, struct pd_arena *);

	/* Assigns c->seq; PD_ECONFLICT when the domain is taken (anywhere in the deployment). */
	enum pd_err (*customer_insert)(struct store *, const char *partner, struct pd_customer *c,
				       const struct pd_customer_user *admin);
	/* Reads, on this connection, the index pages customer_insert(c, admin) and the create's
	 * idempotency key (request_id, may be NULL) will write: called on an event loop before
	 * the job is queued, so the one writer finds them in the kernel's cache instead of
	 * waiting for the disk for each.  Changes nothing; callers may ignore its result.  NULL
	 * where it would not pay. */
	enum pd_err (*warm_insert)(struct store *, const char *partner, const struct pd_customer *c,
			    const struct pd_customer_user *admin, const char *request_id);
	enum pd_err (*customer_get)(struct store *, const char *partner, const char *id,
				    struct pd_customer *, struct pd_arena *);
	/* Up to q->size + 1 rows (the extra one tells that there is a next page). */
	enum pd_err (*customer_list)(struct store *, const char *partner, const struct pd_query *q,
				     struct pd_customer **rows, size_t *n, struct pd_arena *);
	/* Replaces the billing profile if the stored etag equals b->etag: PD_ESTALE otherwise. */
	enum pd_err (*billing_update)(struct store *, const char *partner, const char *id,
				      const struct pd_billing *b, const char *new_etag, long long now);
	/* Removes this partner's account of the customer (row, search entry, its orders and
	 * subscriptions).  The tenant itself (domain, users) goes with its home partner's account,
	 * which PD_ECONFLICT refuses while other partners still have accounts of it. */
	enum pd_err (*customer_delete)(struct store *, const char *partner, const char *id);
	enum pd_err (*domain_taken)(struct store *, const char *domain, bool *taken);

	/* Idempotent creates: the resource made for (partner, request id), if any, and the
	 * digest of the request that made it (*digest NULL for a key stored without one). */
	enum pd_err (*idem_get)(struct store *, const char *partner, const char *request_id,
				char **resource_id, char **digest, struct pd_arena *);
	enum pd_err (*idem_put)(struct store *, const char *partner, const char *request_id,
				const char *resource_id, const char *digest, long long now);

	/* Throttling counters shared by every process on the store (PostgreSQL); NULL for a
	 * backend whose server keeps them in memory (SQLite: one process).  Safe to call from
	 * several threads on one struct store outside transactions. */
	enum pd_err (*throttle_get)(struct store *, const char *key, struct pd_throttle_row *);
	/* An attempt reserved by throttle_reserve ends.  In all three, `drop` (0 or 1) attempts
	 * fewer are in flight, and none are any more once the last reservation is older than
	 * `stale` seconds.  failed: one more failure; the count restarts at 1 when the last one is
	 * older than `fade`. */
	enum pd_err (*throttle_failed)(struct store *, const char *key, long long now, long long fade,
				       int drop, long long stale);
	/* Clears the failures; with `good`, records a successful sign-in at now. */
	enum pd_err (*throttle_succeeded)(struct store *, const char *key, long long now, bool good,
					  int drop, long long stale);
	/* Takes one token of a bucket refilled at `rate` per second, burst 2 * rate: *wait = 0 if
	 * taken, else the seconds until one is there. */
	enum pd_err (*rate_take)(struct store *, const char *key, double now, int rate, int *wait);

	/* Moving data (store_copy.c).  raw_select runs one SELECT and calls row(arg, n, values)
	 * with each row as text (NULL for NULL); a non-zero return stops it.  raw_exec runs one
	 * statement with text parameters ($1, ...); NULL where a backend cannot be a target. */
	enum pd_err (*raw_select)(struct store *, const char *sql,
				  int (*row)(void *arg, int n, const char *const *values), void *arg);
	enum pd_err (*raw_exec)(struct store *, const char *sql, int n, const char *const *params);

	/* One bounded step of upkeep in its own transaction (SQLite: merging search-index
	 * segments, ~256 pages); *more when there is more to do.  The writer calls it while it
	 * has nothing else to do.  NULL where the backend keeps itself (PostgreSQL: autovacuum). */
	enum pd_err (*tidy)(struct store *, bool *more);

	/* A bulk load (partnerd seed) starts (on) or ends (off), outside a transaction: the
	 * backend may use more memory meanwhile; every commit stays durable.  May be NULL. */
	enum pd_err (*bulk_load)(struct store *, bool on);

	/* Sign-in attempts in flight (throttle.c; NULL with the other throttle_* ops).  reserve:
	 * one attempt more in flight on `key` (the row made if missing), in one atomic statement,
	 * only while its failures and last failure are still those of `seen` and fewer than `cap`
	 * are in flight (reservations count until the last one is older than `stale` seconds):
	 * *taken says whether it was.  release: an attempt ended without a verdict. */
	enum pd_err (*throttle_reserve)(struct store *, const char *key, const struct pd_throttle_row *seen,
					long long now, int cap, long long stale, bool *taken);
	enum pd_err (*throttle_release)(struct store *, const char *key, long long now, int drop,
					long long stale);
	/* Indirect resellers (two-tier CSP).  Insert: PD_ECONFLICT when the id or the MPN id is
	 * the partner's already. */
	enum pd_err (*reseller_insert)(struct store *, const struct pd_reseller *);
	enum pd_err (*reseller_get)(struct store *, const char *partner, const char *id,
				    struct pd_reseller *, struct pd_arena *);
	/* Up to size + 1 resellers ordered by (created_at, reseller_id), after `after` (NULL:
	 * from the start). */
	enum pd_err (*reseller_list)(struct store *, const char *partner, const struct pd_after *after,
				     int size, struct pd_reseller **rows, size_t *n, struct pd_arena *);
	/* Ends an active relationship (state terminated, updated at `now`) and clears it from
	 * every customer of the partner associated with it; *cleared: those customers as they are
	 * now (without it).  PD_ENOTFOUND when no active relationship has that id.  Call inside
	 * the writer's transaction. */
	enum pd_err (*reseller_end)(struct store *, const char *partner, const char *id, long long now,
				    struct pd_customer **cleared, size_t *n, struct pd_arena *);
	/* Possible duplicates (issue 18): up to `max` ids of the partner's customers whose
	 * normalised name (search.h pd_dup_key) is dup_key or, when regnum is not NULL, whose
	 * registration number is regnum.  Read on the connection it is called on: the create
	 * asks before queueing its job and again inside the writer's transaction. */
	enum pd_err (*customer_dups)(struct store *, const char *partner, const char *dup_key,
				     const char *regnum, int max, char ***ids, size_t *n, struct pd_arena *);
};

struct drv;
struct store {
	const struct store_ops *ops;
	const struct drv *drv; /* the engine below the operations (driver.h) */
};

/* Engines (driver_sqlite.c, driver_pg.c). */
enum pd_err store_sqlite_open(const char *path, bool migrate, struct store **out, char *errbuf,
			      size_t cap);
enum pd_err store_pg_open(const char *url, bool migrate, struct store **out, char *errbuf,
			  size_t cap);

#endif
