/* driver.h - the seam between the store's operations (written once, store_*.c) and its two
 * engines (driver_sqlite.c, driver_pg.c), after lwan's database.h: a statement is prepared by
 * id from one table (store_sql.c), parameters are bound by a format, rows are read column by
 * column, and every engine error comes back as enum pd_err.  Only src/store/ includes it. */
#ifndef PD_DRIVER_H
#define PD_DRIVER_H
#include "search.h"
#include "store_impl.h"

enum stmt_id {
	S_SETTING_GET, S_SETTING_PUT, S_PARTNER_INSERT, S_PARTNER_COUNT, S_PARTNER_GET,
	S_USER_INSERT, S_USER_BY_EMAIL, S_USER_GET, S_USER_LIST, S_USER_SAVE, S_USER_DELETE,
	S_USER_COUNT_ROLE, S_USER_EXISTS, S_APP_INSERT, S_APP_GET, S_APP_BY_CLIENT, S_APP_LIST,
	S_APP_SAVE, S_APP_EXISTS, S_TOKENS_REVOKE, S_TOKEN_DELETE, S_TOKEN_INSERT, S_TOKEN_LOOKUP,
	S_AUDIT_SEQ, S_AUDIT_INSERT, S_AUDIT_LIST, S_AUDIT_GET,
	S_NEXT_SEQ, S_DOMAIN_INSERT, S_CUSTOMER_INSERT, S_CUSTOMER_GET, S_ETAG_GET, S_BILLING_UPDATE,
	S_DELETE_CUSTOMER, S_DELETE_DOMAIN, S_DELETE_CUSERS, S_DELETE_SUBS, S_DELETE_ORDERS,
	S_TENANT_ACCOUNTS, S_TENANT_HOME, S_DOMAIN_TAKEN, S_SET_RELATIONSHIP, S_DUPKEY_PUT,
	S_DUPKEY_DELETE, S_DUPS_FIND, S_IDEM_GET, S_IDEM_PUT,
	S_LIST_ALL, S_LIST_NEWEST, S_LIST_NAME_PREFIX, S_LIST_DOMAIN_PREFIX, S_LIST_RESELLER,
	S_CUSER_INSERT, S_CUSER_GET, S_CUSER_LIST, S_CUSER_BY_UPN, S_CUSER_SAVE, S_CUSER_DELETE,
	S_CUSER_EXISTS, S_ORDER_INSERT, S_ORDER_GET, S_ORDER_LIST, S_SUB_INSERT, S_SUB_GET,
	S_SUB_LIST, S_SUB_LIST_ORDER, S_SUB_SAVE, S_SUB_EXISTS, S_INVITE_CURRENT, S_INVITE_BY_CODE,
	S_INVITE_INSERT, S_INVITE_REVOKE, S_RESELLER_INSERT, S_RESELLER_GET, S_RESELLER_LIST,
	S_RESELLER_END, S_RESELLER_RELEASE,
	S_EVENT_SEQ, S_EVENT_INSERT, S_EVENT_LIST, S_EVENT_BOUNDS, S_EVENT_PRUNE, S_EVENT_HORIZON, S_EVENT_PRUNED,
	S_WEBHOOK_GET, S_WEBHOOK_INSERT, S_WEBHOOK_SAVE, S_WEBHOOK_EXISTS, S_WEBHOOK_DELETE, S_WEBHOOK_DROP_DELIVERIES,
	S_WEBHOOK_DROP_ATTEMPTS, S_WEBHOOK_DROP_TESTS, S_WEBHOOK_ALL, S_WEBHOOK_LEASE, S_WEBHOOK_ADVANCE,
	S_WDELIVERY_INSERT, S_WDELIVERY_GET, S_WDELIVERY_NEXT, S_WDELIVERY_LIST, S_WDELIVERY_RECORD, S_WATTEMPT_INSERT,
	S_WDELIVERY_REDELIVER, S_WATTEMPT_LIST, S_WTEST_INSERT, S_WTEST_GET, S_WTEST_RECENT,
	/* SQLite only: its search index (search_sqlite.c), upkeep, transaction control */
	S_PARTNER_NO_ADD, S_PARTNER_NO, S_SUFFIX_ADD, S_SUFFIX_HAS, S_SEARCH_INSERT, S_SEARCH_UPDATE,
	S_DELETE_SEARCH, S_LIST_NAME_FTS, S_LIST_DOMAIN_FTS, S_LIST_NAME_FTS_AND, S_LIST_DOMAIN_FTS_AND,
	S_LIST_NAME_SCAN, S_LIST_DOMAIN_SCAN, S_WARM_INSERT, S_TIDY, S_BEGIN_WRITE, S_BEGIN_READ,
	S_COMMIT, S_ROLLBACK, S_SAVEPOINT, S_RELEASE, S_ROLLBACK_TO,
	/* PostgreSQL only: substring search (search_pg.c), shared throttling counters */
	S_LIST_NAME_SUB, S_LIST_DOMAIN_SUB, S_THROTTLE_GET, S_THROTTLE_FAILED, S_THROTTLE_SUCCEEDED,
	S_THROTTLE_SWEEP, S_THROTTLE_RESERVE, S_THROTTLE_RELEASE, S_RATE_TAKE,
	S_COUNT
};

/* One statement in both spellings, placeholders ?N in both (PostgreSQL's driver makes them
 * $N when it prepares).  NULL: the statement does not exist on that engine. */
struct drv_sql {
	const char *sqlite, *pg;
};
extern const struct drv_sql drv_sql[S_COUNT];

/* One bound parameter.  type: 't' text (s; NULL binds NULL), 'i' 64-bit integer, 'd' a
 * digest (PD_DIGEST_LEN bytes at s, as a blob / bytea), 'b' boolean (i: 0 or 1), 'f' double. */
struct drv_val {
	char type;
	const char *s;
	long long i;
	double f;
};
#define DRV_MAX_ARGS 24

/* A statement being read.  The engine fills h (sqlite3_stmt * / PGresult *), conn (PG: the
 * connection it borrowed), rows and changed (rows an INSERT, UPDATE or DELETE changed, known
 * once next() reported the end). */
struct drv_cur {
	struct store *st;
	void *h, *conn;
	int row, rows;
	long long changed;
};

enum drv_tx { TX_BEGIN, TX_COMMIT, TX_ROLLBACK, TX_SAVEPOINT, TX_RELEASE, TX_ROLLBACK_TO };

struct drv {
	/* Prepares statement id (once per connection), binds v[0..n) (any past the statement's
	 * own are ignored) and runs it.  After PD_OK, next() until *row is false or an error,
	 * then done() always. */
	enum pd_err (*exec)(struct store *, int id, int n, const struct drv_val *v, struct drv_cur *);
	enum pd_err (*next)(struct drv_cur *, bool *row);
	void (*done)(struct drv_cur *);
	const char *(*text)(struct drv_cur *, int col); /* NULL for NULL; valid until next() */
	long long (*num)(struct drv_cur *, int col);
	bool (*blob)(struct drv_cur *, int col, unsigned char *out, size_t len); /* exactly len */
	enum pd_err (*tx)(struct store *, enum drv_tx);
	/* The engine's search index (SQLite: FTS5 beside the row; PostgreSQL: columns of the
	 * row itself, so NULL): a customer's entry made or (update) its name changed, removed. */
	enum pd_err (*search_put)(struct store *, const char *partner, const struct pd_customer *c,
				  const struct pd_name_forms *f, bool update);
	enum pd_err (*search_drop)(struct store *, const char *partner, long long seq);
	/* Substring lists (op PD_OP_CONTAINS on name or domain), as customer_list. */
	enum pd_err (*find)(struct store *, const char *partner, const struct pd_query *q,
			    struct pd_customer **rows, size_t *n, struct pd_arena *ar);
};

/* ---- above the driver (store_run.c) ----
 * Formats, one letter per parameter: t const char *, i long long, n int, b bool (int),
 * z long long bound as NULL when 0, d const unsigned char digest[PD_DIGEST_LEN], f double,
 * a const struct pd_after * (two parameters: created_at, id; before every row when NULL). */
typedef enum pd_err (*drv_reader)(struct drv_cur *, void *row, struct pd_arena *);

/* A statement without rows (or whose rows are ignored); *changed (may be NULL): rows changed. */
enum pd_err drv_cmd(struct store *, int id, long long *changed, const char *fmt, ...);
/* At most one row, read by rd; PD_ENOTFOUND when there is none. */
enum pd_err drv_one(struct store *, int id, drv_reader rd, void *row, struct pd_arena *,
		    const char *fmt, ...);
/* Up to max rows (max < 0: every row) of `size` bytes each into a new arena array *rows. */
enum pd_err drv_rows(struct store *, int id, size_t size, int max, drv_reader rd, void *rows,
		     size_t *n, struct pd_arena *, const char *fmt, ...);
/* A versioned save or delete (`... AND version = ?`) whose first nkeys parameters are the
 * row's key: PD_OK (and *version + 1 when version is not NULL) if it changed its row, else
 * PD_ECHANGED when the row is there at another version (statement `exists` over the key),
 * PD_ENOTFOUND when it is gone.  drv_versioned: the same rule after a statement already run
 * that changed `changed` rows and returned e, its key given apart (nkeys texts, at most 4). */
enum pd_err drv_save(struct store *, int id, int exists, int nkeys, long long *version, const char *fmt, ...);
enum pd_err drv_versioned(struct store *, enum pd_err e, long long changed, int exists,
			  const char *const *keys, int nkeys, long long *version);
/* PD_ENOTFOUND when an UPDATE or DELETE that succeeded changed nothing. */
enum pd_err drv_changed_one(struct store *, int id, const char *fmt, ...);

const char *drv_s(struct drv_cur *, int col, struct pd_arena *); /* a copy in ar */
long long drv_i(struct drv_cur *, int col);
/* Readers shared by the operations and the engines' searches. */
enum pd_err drv_read_customer(struct drv_cur *, void *row, struct pd_arena *);
enum pd_err drv_read_num(struct drv_cur *, void *row, struct pd_arena *);
enum pd_err drv_read_text(struct drv_cur *, void *row, struct pd_arena *);

/* SQLite's search index (search_sqlite.c), for its driver's table. */
enum pd_err sqlite_search_put(struct store *, const char *partner, const struct pd_customer *c,
			      const struct pd_name_forms *f, bool update);
enum pd_err sqlite_search_drop(struct store *, const char *partner, long long seq);
enum pd_err sqlite_find(struct store *, const char *partner, const struct pd_query *q,
			struct pd_customer **rows, size_t *n, struct pd_arena *ar);
/* A new row's search entry, inserted with the transaction's others (driver_sqlite.c,
 * search_queue.h). */
enum pd_err sqlite_search_add(struct store *, long long seq, const char *search, const char *domain,
			      const char *partner);

/* The operations written once fill their members of an engine's table: store_run.c the
 * transaction members (through drv->tx), the operation files the rest. */
void store_ops_shared(struct store_ops *);
void store_ops_staff(struct store_ops *);
void store_ops_customers(struct store_ops *);
void store_ops_commerce(struct store_ops *);
void store_ops_events(struct store_ops *);
void store_ops_webhooks(struct store_ops *);

#endif
