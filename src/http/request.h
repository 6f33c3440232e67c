/* request.h - what a handler sees: a parsed request and a response to fill.  Handlers never
 * touch sockets or libevent.  A route runs in up to four phases:
 *   prepare (parse, validate, read: on its event loop, on the readers with PostgreSQL)
 *                                                      -> PD_REPLY | PD_WORK | PD_WRITE
 *   work    (on the worker pool: CPU-heavy, e.g. Argon2id) -> PD_REPLY | PD_WRITE
 *   write   (on the writer thread, in a savepoint of a group commit) -> enum pd_err
 *   finish  (once the commit is on disk: build the reply; on the loop, with PostgreSQL on the
 *            worker pool)
 * Each request owns an arena (req->ar), freed after its reply is sent. */
#ifndef PD_REQUEST_H
#define PD_REQUEST_H
#include <jansson.h>
#include <stdbool.h>
#include "arena.h"
#include "err.h"
#include "jsonw.h"
#include "messages.h"
#include "roles.h"
#include "secret.h"
#include "store.h"

enum pd_method {
	PD_GET = 1, PD_HEAD = 2, PD_POST = 4, PD_PUT = 8, PD_PATCH = 16, PD_DELETE = 32,
	PD_OPTIONS = 64
};

enum pd_next { PD_REPLY, PD_WORK, PD_WRITE };

/* route flags */
#define PD_R_PUBLIC  1u /* no bearer token needed */
#define PD_R_JSON    2u /* body must be application/json (parsed into req->json) */
#define PD_R_FORM    4u /* body must be application/x-www-form-urlencoded */
#define PD_R_SANDBOX 8u /* only when the server runs with --sandbox */
#define PD_R_ME     16u /* open to a user who must still change a temporary password */
#define PD_R_NOSTORE 32u /* PD_R_PUBLIC and prepare never reads the store: stays on the loop */
#define PD_R_PROBE  64u /* a health check: the store must answer within --health-timeout */

struct pd_signer;

struct pd_config {
	const char *listen;        /* "127.0.0.1:8080" */
	const char *db;            /* "sqlite:var/partnerd.db" */
	const char *domain_suffix; /* "partner.onmschina.cn" */
	bool sandbox;
	bool require_uscc;         /* CN customers need companyProfile.organizationRegistrationNumber */
	bool access_log;
	int loops;                 /* event loops; 0 = one per core */
	int token_ttl;             /* seconds */
	int rate_limit;            /* requests per second per partner; 0 = no limit */
	const char *public_url;    /* base of links made for people (invitations); NULL: from Host */
	const struct pd_catalog *catalog;
	size_t max_body;           /* bytes */
	int read_timeout;          /* seconds for a whole request to arrive, and idle keep-alive */
	int health_timeout;        /* seconds /healthz waits for a PostgreSQL store's answer */
	int max_connections;       /* open connections at most; 0: the open-files limit less a reserve */
	int db_pool;               /* PostgreSQL connections of the process (--db-pool) */
	int throttle_entries;      /* sign-in protection counters at most; 0: PD_THROTTLE_ENTRIES */
	struct pd_tls *tls;        /* https (tls.h): --tls-cert/--tls-key loaded; NULL: plain http */
	const char *metrics_listen; /* GET /metrics there (metrics.c); NULL: off */
	bool log_json;             /* --log-format json: one JSON object per log line */
	bool fault_injection;      /* --fault-injection (tests only): X-Partnerd-Fault is honoured */
	int event_retention;       /* --event-retention: days the change feed keeps; 0: for ever */
	/* the writer's upkeep step of the API (the feed's retention, src/api/feed.c), or NULL */
	void (*writer_upkeep)(struct store *st, const void *cfg);
	/* webhooks (issue 22): --webhook-* */
	bool webhook_allow_http, webhook_allow_private;
	const char *webhook_key, *webhook_ca;
	int webhook_retry_min_ms, webhook_retry_max_ms;
	struct pd_signer *signer;  /* signer.h: the key that signs deliveries; NULL: webhooks off */
};

struct pd_resp {
	int status;
	json_t *body;              /* owned; NULL for no body */
	const char *raw, *ctype;   /* a non-JSON body (static or arena) */
	size_t raw_len;
	char *owned;               /* a JSON body written by jsonw.h (malloc'd, owned) */
	void *hold;                /* ... or, not NULL, a kept one (rowcache.h) this holds */
	size_t owned_len;
	const char **hk, **hv;     /* extra headers (arena or static strings), nh of them in */
	int nh, hcap;              /* arrays of hcap, grown in the request's arena: none is dropped */
};

struct pd_principal {
	const char *partner_id, *id, *kind, *roles;
	const char *name;          /* user e-mail or app display name */
	bool must_change_password;
};

struct pd_throttle;
struct pd_catalog;

struct pd_park_state {           /* a long-poll's (waiters.h), across its prepare runs */
	long long until;             /* prepare parked it until then (CLOCK_MONOTONIC ms); 0: not */
	unsigned long long gen;      /* the partner's event generation prepare read under */
	unsigned bucket;             /* the partner's generation counter */
	bool slot;                   /* holds one of the partner's waiting slots until the reply */
	bool last;                   /* prepare runs for the last time: it answers, parks no more */
	char partner[40];
};

struct pd_req {
	struct pd_arena *ar;
	const struct pd_config *cfg;
	const unsigned char *key;  /* the deployment's digest key */
	struct store *st;          /* prepare's: the loop's or the reader's; finish: the loop's */
	int method;
	const char *path;          /* decoded, without the query */
	const char *params[4];     /* {name} segments of the route, in order */
	const char *body;
	size_t body_len;
	json_t *json;              /* PD_R_JSON routes: the parsed body (owned by the request) */
	struct pd_principal who;   /* the caller, after authentication */
	const char *session;       /* the portal session's token when the caller came by cookie */
	const char *request_id, *correlation_id;
	bool request_id_given;     /* the client sent MS-RequestId */
	enum pd_locale loc;
	const char *peer;          /* the client's address */
	struct pd_throttle *throttle;
	bool audited;              /* an activity record was written for this request */
	bool dry_run;              /* a check that changes nothing (validateOnly): no failure record */
	const char *audit_resource; /* overrides the route's resource type in a failure record */
	long long now;             /* unix seconds at arrival */
	void *state;               /* the handler's own, across phases (arena memory) */
	struct pd_park_state park; /* a long-poll's (waiters.h) */
	struct pd_resp resp;
	void *priv;                /* the server's */
};

typedef enum pd_next (*pd_prepare_fn)(struct pd_req *);
typedef enum pd_next (*pd_work_fn)(struct pd_req *);
typedef enum pd_err (*pd_write_fn)(struct pd_req *, struct store *);
typedef void (*pd_finish_fn)(struct pd_req *, enum pd_err);

struct pd_route {
	int method;
	const char *pattern;       /* "/v1/customers/{id}/profiles/billing" */
	unsigned flags;
	enum pd_perm perm;         /* who may call it (roles.c) */
	const char *audit_op;      /* operation type of a change, NULL for reads */
	const char *audit_resource;
	pd_prepare_fn prepare;
	pd_work_fn work;
	pd_write_fn write;
	pd_finish_fn finish;
};

/* Request accessors (implemented by the server). */
const char *pd_req_header(struct pd_req *r, const char *name);
const char *pd_req_query(struct pd_req *r, const char *name); /* decoded; NULL if absent */
/* The first query parameter whose name is not in `known` (NULL-terminated), or NULL. */
const char *pd_req_query_unknown(struct pd_req *r, const char *const *known);
/* The first query parameter given more than once (pd_req_query sees only its first), or NULL. */
const char *pd_req_query_repeated(struct pd_req *r);
const char *pd_req_form(struct pd_req *r, const char *name);  /* form-encoded body field */

/* Replies.  Each sets req->resp; the last call wins. */
void pd_reply_json(struct pd_req *r, int status, json_t *body); /* steals body */
void pd_reply_raw(struct pd_req *r, int status, const char *ctype, const char *body, size_t n);
/* A JSON body already written into a buffer (jsonw.h): takes its bytes, leaves it empty. */
void pd_reply_buf(struct pd_req *r, int status, struct pd_buf *body);
/* A JSON body kept by rowcache.h, sent without a copy; the reply releases `hold`. */
void pd_reply_kept(struct pd_req *r, int status, const char *body, size_t n, void *hold);
void pd_reply_header(struct pd_req *r, const char *name, const char *value);

/* Error replies (errors.c): the Partner-Center-style body in the request's locale. */
void pd_reply_error(struct pd_req *r, enum pd_err e, enum pd_msg msg, const char *field,
		    const char *arg);
/* As pd_reply_error with Partner Center's error `code` (0: the kind's, e.g. 1000, 3000). */
void pd_reply_error_code(struct pd_req *r, enum pd_err e, int code, enum pd_msg msg,
			 const char *field, const char *arg);
void pd_reply_verrs(struct pd_req *r, const struct pd_verrs *errs);
/* Like pd_reply_error, with its own errorName (e.g. "PossibleDuplicate") and `data` (stolen). */
void pd_reply_error_data(struct pd_req *r, enum pd_err e, const char *error_name, enum pd_msg msg,
			 const char *field, const char *arg, json_t *data);
/* Status of a store/core result when it is turned into an error reply. */
int pd_err_status(enum pd_err e);

#endif
