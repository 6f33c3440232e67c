/* store.h - the one storage interface.  A `struct store` is one connection to a backend
 * chosen by URL ("sqlite:PATH" now, "postgresql://..." in store_pg.c); each event loop, the
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

/* The table of operations behind a struct store (until every caller uses the entry points). */
#include "store_impl.h"

#endif
