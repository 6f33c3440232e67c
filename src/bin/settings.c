/* settings.c - partnerd's settings table and the one parser, help, manual page and README
 * table made from it (see settings.h).  Each row names the commands it belongs to; a flag that
 * means something else in another command (--name, --admin-email) is a row of its own. */
#include "settings.h"
#include <errno.h>
#include <event2/util.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include "domain.h"
#include "server.h"
#include "throttle.h"

enum type { T_INT, T_BOOL, T_STRING, T_PATH, T_URL, T_DURATION, T_ADDRESS, T_CHOICE };

#define C(x) (1u << PD_CMD_##x)
_Static_assert(PD_THROTTLE_ENTRIES == 100000, "--throttle-entries' default is written 100000");
_Static_assert(PD_FD_RESERVE == 64 && PD_FD_PER_LOOP == 8, "--max-connections' help says 64 and 8 per loop");
#define DB_URLS "sqlite:|postgresql://|postgres://"

struct setting {
	const char *flag;      /* without the leading "--" */
	const char *arg;       /* the value's placeholder; NULL for a flag without a value */
	const char *env;       /* PARTNERD_*, or NULL */
	enum type type;
	unsigned cmds;         /* the commands it belongs to */
	long long min, max;    /* T_INT, T_DURATION (seconds) */
	const char *dflt;      /* parsed by the same rules; NULL: unset */
	const char *dflt_doc;  /* how the default reads in the help, if not dflt */
	bool required;
	bool flag_sets;        /* T_BOOL: what the flag sets */
	const char *schemes;   /* T_URL: the allowed prefixes, T_CHOICE: the allowed words; |-separated */
	bool repeat;           /* T_URL: given again, the values add up (a comma list, see url_list_ok) */
	const char *help;
};

static const struct setting table[PD_S_COUNT] = {
	[PD_S_LISTEN] = {"listen", "ADDR:PORT", "PARTNERD_LISTEN", T_ADDRESS, C(SERVE), .dflt = "127.0.0.1:8080",
			 .help = "where to listen"},
	[PD_S_DB] = {"db", "URL", "PARTNERD_DB", T_URL,
		     C(SERVE) | C(PARTNER_ADD) | C(APP_ADD) | C(RESELLER_ADD) | C(SEED) | C(BACKUP) | C(RESTORE),
		     .dflt = "sqlite:var/partnerd.db", .schemes = DB_URLS,
		     .help = "the store: sqlite:PATH or postgresql://USER@HOST:PORT/DB (a libpq URI)"},
	[PD_S_DB_POOL] = {"db-pool", "N", "PARTNERD_DB_POOL", T_INT, C(SERVE), 2, 256, "8",
			  .help = "PostgreSQL connections of this process, shared by the writer and the "
				  "readers (as many threads, at most 16) that read for the event loops"},
	[PD_S_DOMAIN_SUFFIX] = {"domain-suffix", "SUFFIX", "PARTNERD_DOMAIN_SUFFIX", T_STRING, C(SERVE) | C(SEED),
				.dflt = PD_DEFAULT_DOMAIN_SUFFIX,
				.help = "suffix of customers' default domains (onmicrosoft.com for the global cloud)"},
	[PD_S_SANDBOX] = {"sandbox", NULL, "PARTNERD_SANDBOX", T_BOOL, C(SERVE), .dflt = "0", .flag_sets = true,
			  .dflt_doc = "off: DELETE of customers refused", .help = "allow DELETE /v1/customers/{id}"},
	[PD_S_LOOPS] = {"loops", "N", "PARTNERD_LOOPS", T_INT, C(SERVE), 0, 64, "0", "0: one per core",
			.help = "event loops"},
	[PD_S_TOKEN_TTL] = {"token-ttl", "DURATION", "PARTNERD_TOKEN_TTL", T_DURATION, C(SERVE), 60, 30 * 86400, "3600",
			    .help = "lifetime of bearer tokens"},
	[PD_S_RATE_LIMIT] = {"rate-limit", "N", "PARTNERD_RATE_LIMIT", T_INT, C(SERVE), 0, 1000000, "2000",
			     .help = "requests per second per partner, in bursts of 2N; 0: no limit"},
	[PD_S_ACCESS_LOG] = {"no-access-log", NULL, "PARTNERD_ACCESS_LOG", T_BOOL, C(SERVE), .dflt = "1",
			     .flag_sets = false, .dflt_doc = "one line per request on stderr",
			     .help = "do not write one line per request to stderr"},
	[PD_S_READ_TIMEOUT] = {"read-timeout", "DURATION", "PARTNERD_READ_TIMEOUT", T_DURATION, C(SERVE), 1, 3600, "30",
			       .help = "a request must arrive whole within this time; idle connections "
				       "close after it"},
	[PD_S_MAX_CONNECTIONS] = {"max-connections", "N", "PARTNERD_MAX_CONNECTIONS", T_INT, C(SERVE), 0, 10000000, "0",
				  "0: the open-files limit (raised to its hard limit) less 64, 8 per event "
				  "loop and --db-pool, kept for the store, the loops and logs",
				  .help = "open connections at most; at the cap a new connection takes the place "
					  "of the one idle longest (a second at least), or waits in the listen "
					  "backlog"},
	[PD_S_CATALOG] = {"catalog", "FILE", "PARTNERD_CATALOG", T_PATH, C(SERVE),
			  .dflt_doc = "the catalog built into partnerd (data/catalog.json)",
			  .help = "the offer catalog, JSON like data/catalog.json"},
	[PD_S_PUBLIC_URL] = {"public-url", "URL", "PARTNERD_PUBLIC_URL", T_URL, C(SERVE),
			     .dflt_doc = "from the request's Host header", .schemes = "http://|https://",
			     .help = "base of links for people, e.g. invitations"},
	[PD_S_ADMIN_EMAIL] = {"admin-email", "EMAIL", "PARTNERD_ADMIN_EMAIL", T_STRING, C(SERVE),
			      .dflt = "admin@partnerd.local",
			      .help = "the first admin's e-mail when the store is new"},
	[PD_S_REQUIRE_USCC] = {"require-uscc", NULL, "PARTNERD_REQUIRE_USCC", T_BOOL, C(SERVE), .dflt = "0",
			       .flag_sets = true, .dflt_doc = "off: a CN customer's code is optional",
			       .help = "CN customers need a unified social credit code "
				       "(companyProfile.organizationRegistrationNumber) on create"},
	[PD_S_THROTTLE_ENTRIES] = {"throttle-entries", "N", "PARTNERD_THROTTLE_ENTRIES", T_INT, C(SERVE),
				   PD_THROTTLE_MIN_ENTRIES, PD_THROTTLE_ENTRIES, "100000",
				   .help = "sign-in protection counters kept in memory at most; when they are "
					   "all needed, new sign-ins get 503 (never an unchecked attempt)"},
	[PD_S_PARTNER_NAME] = {"name", "NAME", NULL, T_STRING, C(PARTNER_ADD), .required = true,
			       .help = "the partner's name"},
	[PD_S_PARTNER_ADMIN] = {"admin-email", "EMAIL", NULL, T_STRING, C(PARTNER_ADD), .required = true,
				.help = "the e-mail (user name) of its first global admin"},
	[PD_S_PARTNER_ID] = {"partner-id", "ID", NULL, T_STRING, C(APP_ADD), .required = true,
			     .help = "the partner the app belongs to"},
	[PD_S_APP_NAME] = {"name", "NAME", NULL, T_STRING, C(APP_ADD), .required = true,
			   .help = "the app's display name"},
	[PD_S_ROLE] = {"role", "ROLE[,ROLE...]", NULL, T_STRING, C(APP_ADD), .required = true,
		       .help = "its roles: global_admin, admin_agent, sales_agent, helpdesk_agent, "
			       "billing_admin, user_management_admin"},
	[PD_S_RESELLER_PARTNER] = {"partner-id", "ID", NULL, T_STRING, C(RESELLER_ADD), .required = true,
				   .help = "the partner (the indirect provider) the reseller sells for"},
	[PD_S_RESELLER_NAME] = {"name", "NAME", NULL, T_STRING, C(RESELLER_ADD), .required = true,
				.help = "the reseller's name"},
	[PD_S_MPN_ID] = {"mpn-id", "DIGITS", NULL, T_STRING, C(RESELLER_ADD), .required = true,
			 .help = "the reseller's MPN ID, 6 to 10 digits, unique per partner"},
	[PD_S_RESELLER_ID] = {"id", "UUID", NULL, T_STRING, C(RESELLER_ADD),
			      .dflt_doc = "a new one", .help = "the reseller's tenant id"},
	[PD_S_LOCATION] = {"location", "ISO2", NULL, T_STRING, C(RESELLER_ADD),
			   .dflt_doc = "none", .help = "its country, ISO 3166-1 alpha-2"},
	[PD_S_PARTNERS] = {"partners", "N", NULL, T_INT, C(SEED), 1, 100000, .required = true,
			   .help = "partners to create, each with a global admin"},
	[PD_S_CUSTOMERS] = {"customers", "N", NULL, T_INT, C(SEED), 0, 1000000000, .required = true,
			    .help = "customers to generate"},
	[PD_S_SEED] = {"seed", "S", NULL, T_INT, C(SEED), 0, LLONG_MAX, "1",
		       .help = "names and addresses are the same for the same S; a store can be seeded "
			       "again with another S"},
	[PD_S_FROM] = {"from", "URL", NULL, T_URL, C(MIGRATE), .required = true, .schemes = DB_URLS,
		       .help = "the store to copy: sqlite:PATH or postgresql://..."},
	[PD_S_TO] = {"to", "URL", NULL, T_URL, C(MIGRATE), .required = true, .schemes = "postgresql://|postgres://",
		     .help = "the new, empty PostgreSQL store"},
	[PD_S_MARKDOWN] = {"markdown", NULL, NULL, T_BOOL, C(PERMISSIONS), .dflt = "0", .flag_sets = true,
			   .help = "print the table as markdown (docs/permissions.md)"},
	[PD_S_JSON] = {"json", NULL, NULL, T_BOOL,
		       C(PARTNER_ADD) | C(APP_ADD) | C(RESELLER_ADD) | C(SEED) | C(MIGRATE) | C(BACKUP) | C(RESTORE),
		       .dflt = "0", .flag_sets = true, .help = "print the result as JSON"},
	[PD_S_TLS_CERT] = {"tls-cert", "FILE", "PARTNERD_TLS_CERT", T_PATH, C(SERVE),
			   .dflt_doc = "none: plain http", .help = "serve https with this certificate (PEM, the "
								  "chain after it); with --tls-key; re-read on SIGHUP"},
	[PD_S_TLS_KEY] = {"tls-key", "FILE", "PARTNERD_TLS_KEY", T_PATH, C(SERVE),
			  .dflt_doc = "none: plain http", .help = "the certificate's private key (PEM); with --tls-cert; "
								 "re-read on SIGHUP"},
	[PD_S_BACKUP_TO] = {"to", "FILE", NULL, T_PATH, C(BACKUP), .required = true,
			    .help = "the backup file to write (FILE.tmp until it is checked)"},
	[PD_S_RESTORE_FROM] = {"from", "FILE", NULL, T_PATH, C(RESTORE), .required = true,
			       .help = "the backup file to restore"},
	[PD_S_FORCE] = {"force", NULL, NULL, T_BOOL, C(BACKUP) | C(RESTORE), .dflt = "0", .flag_sets = true,
			.dflt_doc = "off: an existing backup file, or a store with data, is refused",
			.help = "replace an existing backup file (backup) or a store that has data (restore)"},
	[PD_S_METRICS_LISTEN] = {"metrics-listen", "ADDR:PORT", "PARTNERD_METRICS_LISTEN", T_ADDRESS, C(SERVE),
				 .dflt_doc = "off", .help = "serve Prometheus metrics (GET /metrics only, no "
							     "authentication: keep it on loopback or a private "
							     "network) on this address of its own"},
	[PD_S_LOG_FORMAT] = {"log-format", "FORMAT", "PARTNERD_LOG_FORMAT", T_CHOICE, C(SERVE), .dflt = "text",
			     .schemes = "text|json",
			     .help = "the log on stderr: text lines, or one JSON object per line (time, level, "
				     "request_id, correlation_id, partner, route, method, path, status, "
				     "duration_ms; secrets in queries and invitation codes are \"***\")"},
	[PD_S_HEALTH_TIMEOUT] = {"health-timeout", "DURATION", "PARTNERD_HEALTH_TIMEOUT", T_DURATION, C(SERVE), 1, 60,
				 "2", .help = "with PostgreSQL, GET /healthz answers 503 (Retry-After) when the "
					      "store has not answered a read within this time"},
	[PD_S_DB_CONNECT_TIMEOUT] = {"db-connect-timeout", "DURATION", "PARTNERD_DB_CONNECT_TIMEOUT", T_DURATION,
				     C(SERVE), 2, 600, "3",
				     .help = "PostgreSQL: give up connecting to one host of --db after this (libpq's "
					     "connect_timeout), then try the next"},
	[PD_S_DB_STATEMENT_TIMEOUT] = {"db-statement-timeout", "DURATION", "PARTNERD_DB_STATEMENT_TIMEOUT",
				       T_DURATION, C(SERVE), 1, 3600, "5",
				       .help = "PostgreSQL: a statement must finish within this (statement_timeout; "
					       "migrations are exempt), and a connection whose server has not answered "
					       "2 s after it is cut off: the request gets 503 and Retry-After"},
	[PD_S_DB_KEEPALIVE] = {"db-keepalive", "DURATION", "PARTNERD_DB_KEEPALIVE", T_DURATION, C(SERVE), 1, 3600,
			       "10",
			       .help = "PostgreSQL: TCP keepalive probes after this much idle time, and a "
				       "connection whose sent data is unacknowledged for as long is dropped "
				       "(tcp_user_timeout): a dead host or a dropped route"},
	[PD_S_DB_READ] = {"db-read", "URL", "PARTNERD_DB_READ", T_URL, C(SERVE), .schemes = "postgresql://|postgres://",
			  .repeat = true, .dflt_doc = "none: every read on --db",
			  .help = "PostgreSQL: a streaming standby of --db (repeat the flag, or a comma list, for "
				  "more, 8 at most) that answers a signed-in caller's GETs once it has replayed "
				  "that caller's last write and lags --db by no more than --db-read-max-lag; "
				  "everything else, and every read it cannot answer, goes to --db "
				  "(docs/deploy.md)"},
	[PD_S_DB_READ_MAX_LAG] = {"db-read-max-lag", "DURATION", "PARTNERD_DB_READ_MAX_LAG", T_DURATION, C(SERVE), 1,
				  60, "5",
				  .help = "PostgreSQL: a --db-read standby further behind --db than this, or "
					  "unreachable, is skipped until it catches up"},
	[PD_S_EVENT_RETENTION] = {"event-retention", "DAYS", "PARTNERD_EVENT_RETENTION", T_INT, C(SERVE), 1, 36500,
				  .dflt_doc = "keep every event",
				  .help = "remove change-feed events (GET /v1/events) older than DAYS days, checked "
					  "by the writer's upkeep about once a minute; a reader whose cursor is "
					  "below what was removed gets 410 Gone with the oldest cursor kept "
					  "(docs/events.md)"},
	[PD_S_FAULT_INJECTION] = {"fault-injection", NULL, NULL, T_BOOL, C(SERVE), .dflt = "0", .flag_sets = true,
				  .dflt_doc = "off: a request with X-Partnerd-Fault is refused (400)",
				  .help = "FOR TESTS ONLY, never in production: a request's header X-Partnerd-Fault: "
					  "call=N; error=EIO, EBUSY or ECONFLICT (or op=NAME to fail every call of one "
					  "store operation) fails the Nth store call made for it; every reply carries "
					  "X-Partnerd-Store-Calls (docs/internals/store.md)"},
	/* webhooks (issue 22, docs/webhooks.md) */
	[PD_S_WEBHOOK_KEY] = {"webhook-key", "FILE", "PARTNERD_WEBHOOK_KEY", T_PATH, C(SERVE),
			      .dflt_doc = "SQLite: PATH.webhook-key.pem beside the store, made (RSA 3072, mode 0600) "
					  "when first needed; PostgreSQL: none, webhooks off",
			      .help = "the RSA private key (PEM, mode 0600 or stricter) that signs webhook "
				      "deliveries; every instance on one PostgreSQL store needs the same file"},
	[PD_S_WEBHOOK_CA] = {"webhook-ca", "FILE", "PARTNERD_WEBHOOK_CA", T_PATH, C(SERVE),
			     .dflt_doc = "the system's trusted certificates",
			     .help = "the CA certificates (PEM) that webhook receivers' https certificates are "
				     "verified with (e.g. a test receiver's self-signed one)"},
	[PD_S_WEBHOOK_ALLOW_HTTP] = {"webhook-allow-http", NULL, "PARTNERD_WEBHOOK_ALLOW_HTTP", T_BOOL, C(SERVE),
				     .dflt = "0", .flag_sets = true, .dflt_doc = "off: WebhookUrl must be https",
				     .help = "allow http:// webhook URLs (tests, a receiver on a trusted network)"},
	[PD_S_WEBHOOK_ALLOW_PRIVATE] = {"webhook-allow-private", NULL, "PARTNERD_WEBHOOK_ALLOW_PRIVATE", T_BOOL,
					C(SERVE), .dflt = "0", .flag_sets = true,
					.dflt_doc = "off: only public addresses are called",
					.help = "allow webhook URLs whose host is (or resolves to) a loopback, private, "
						"link-local, CGNAT, multicast or reserved address, or partnerd's own "
						"(tests, an internal receiver); checked on every attempt either way"},
	[PD_S_WEBHOOK_RETRY_MIN] = {"webhook-retry-min", "MS", "PARTNERD_WEBHOOK_RETRY_MIN", T_INT, C(SERVE), 10,
				    600000, "1000",
				    .help = "milliseconds before a failed delivery's first retry; each next waits "
					    "twice as long (with jitter), up to --webhook-retry-max; 10 attempts, "
					    "then the event is parked"},
	[PD_S_WEBHOOK_RETRY_MAX] = {"webhook-retry-max", "MS", "PARTNERD_WEBHOOK_RETRY_MAX", T_INT, C(SERVE), 10,
				    86400000, "300000",
				    .help = "milliseconds a retry waits at most; not less than --webhook-retry-min"},
};

/* Settings that mean nothing one without the other. */
static const enum pd_set pairs[][2] = {{PD_S_TLS_CERT, PD_S_TLS_KEY}};
/* {a, b}: a must not be more than b (else one of them would be silently ignored) */
static const enum pd_set ordered[][2] = {{PD_S_WEBHOOK_RETRY_MIN, PD_S_WEBHOOK_RETRY_MAX}};

struct command {
	const char *words;     /* as typed */
	const char *summary;
	const char *about;
};

static const struct command commands[PD_CMD_COUNT] = {
	[PD_CMD_SERVE] = {"serve", "run the HTTP server (REST API and portal)",
			  "Runs the HTTP server: the REST API and the portal.  On the first start with an "
			  "empty store, partnerd creates one partner and its global admin and prints the "
			  "admin's password once.  SIGTERM or SIGINT stop it cleanly; SIGHUP reads "
			  "--tls-cert and --tls-key again (for new connections)."},
	[PD_CMD_PARTNER_ADD] = {"partner add", "create a partner and its first global admin",
				"Creates a partner and its first global admin and prints the admin's one-time "
				"password (with --json: {\"partnerId\", \"userName\", \"password\"})."},
	[PD_CMD_APP_ADD] = {"app add", "create a partner app (client credentials) with a role",
			    "Creates a partner app (client credentials for grant_type=client_credentials) "
			    "and prints its client id and its secret, shown once (with --json: "
			    "{\"clientId\", \"clientSecret\"})."},
	[PD_CMD_RESELLER_ADD] = {"reseller add", "add an indirect reseller to a partner (an indirect provider)",
				 "Adds an active indirect reseller to a partner (the indirect provider), as POST "
				 "/v1/relationships does, and prints its id (with --json: the PartnerRelationship)."},
	[PD_CMD_SEED] = {"seed", "fill a store with generated partners and customers (benchmarks)",
			 "Fills a store with P partners (each with a global admin) and N generated "
			 "customers (Chinese and English company names, addresses across China's "
			 "provinces, about 10% in Germany and 10% in the US), written through the store in "
			 "transactions of 10,000 rows.  The first partner gets half of the customers, the "
			 "others share the rest.  Progress goes to stderr; the summary to stdout, with "
			 "--json as {\"partners\", \"customers\", \"seconds\", \"rowsPerSecond\", "
			 "\"admins\": [{\"partnerId\", \"userName\", \"password\", \"customers\"}]} (the "
			 "admins' passwords are shown only there)."},
	[PD_CMD_MIGRATE] = {"migrate-store", "copy every table of one store into a new PostgreSQL store, verified",
			    "Copies every table of the store --from into the new, empty PostgreSQL store "
			    "--to (migrated first), in one transaction: all rows or none.  Then reads both "
			    "back and compares, per table, the row count and a BLAKE2b-256 checksum of the "
			    "rows in key order; prints them (with --json: [{\"table\", \"rows\", "
			    "\"checksum\", \"match\"}]).  Stop the servers on --from first.  Exit 0 when "
			    "every table matches."},
	[PD_CMD_PERMISSIONS] = {"permissions", "print which roles may call each route",
				"Prints, for every route, the permission it needs and the roles that hold it: "
				"the one permission table of the code (docs/permissions.md is generated from "
				"it)."},
	[PD_CMD_BACKUP] = {"backup", "copy a SQLite store to a file while partnerd serves it, verified",
			   "Copies one snapshot of the SQLite store --db into the file --to while partnerd "
			   "serves it (SQLite's online backup API, in steps; writers are not blocked): every "
			   "write acknowledged before the backup began is in the copy.  The copy is written "
			   "to FILE.tmp, checked (PRAGMA integrity_check, and the row count of every table "
			   "equal to the snapshot's), synced to disk and then renamed to FILE; prints the "
			   "counts (with --json: [{\"table\", \"rows\", \"match\"}]).  An existing FILE is "
			   "refused unless --force.  A PostgreSQL store is refused: use pg_dump or "
			   "continuous archiving (docs/deploy.md).  Exit 0 when the copy is checked."},
	[PD_CMD_RESTORE] = {"restore", "copy a backup file into a stopped SQLite store, verified",
			    "Checks the backup file --from (integrity check, a partnerd store) and copies it "
			    "into the SQLite store --db in one transaction, then checks the store's row "
			    "counts against the file's.  It holds SQLite's exclusive lock on the store "
			    "meanwhile, so a store that is in use (a partnerd running on it) is refused with "
			    "exit status 2; a store that has data is refused unless --force.  Start partnerd "
			    "afterwards: it applies any newer migrations."},
};

int pd_cmd_find(int argc, char **argv, int *words)
{
	for (int c = 0; c < PD_CMD_COUNT; c++) {
		const char *w = commands[c].words, *sp = strchr(w, ' ');
		if (!sp && argc > 1 && !strcmp(argv[1], w))
			return *words = 1, c;
		if (sp && argc > 2 && !strncmp(argv[1], w, (size_t)(sp - w)) && !argv[1][sp - w] &&
		    !strcmp(argv[2], sp + 1))
			return *words = 2, c;
	}
	return -1;
}

int pd_cmd_prefix(const char *word)
{
	for (int c = 0; c < PD_CMD_COUNT; c++) {
		const char *w = commands[c].words, *sp = strchr(w, ' ');
		if (sp && !strncmp(word, w, (size_t)(sp - w)) && !word[sp - w])
			return c;
	}
	return -1;
}

/* ---- values ---- */

static bool in_cmd(enum pd_set id, enum pd_cmd cmd)
{
	return table[id].cmds & (1u << cmd);
}

/* A duration's text: "90 s", "5 min", "2 h", "30 d". */
static const char *secs_text(long long v, char *buf, size_t cap)
{
	if (v && v % 86400 == 0)
		snprintf(buf, cap, "%lld d", v / 86400);
	else if (v && v % 3600 == 0)
		snprintf(buf, cap, "%lld h", v / 3600);
	else if (v && v % 60 == 0)
		snprintf(buf, cap, "%lld min", v / 60);
	else
		snprintf(buf, cap, "%lld s", v);
	return buf;
}

/* What a setting accepts, in words. */
static const char *allowed(const struct setting *t, char *buf, size_t cap)
{
	char lo[32], hi[32];
	switch (t->type) {
	case T_INT:
		snprintf(buf, cap, "an integer from %lld to %lld", t->min, t->max);
		break;
	case T_DURATION:
		snprintf(buf, cap, "a duration from %s to %s (seconds, or a number with s, m, h or d)",
			 secs_text(t->min, lo, sizeof lo), secs_text(t->max, hi, sizeof hi));
		break;
	case T_BOOL:
		snprintf(buf, cap, "1, true, yes or on; 0, false, no or off");
		break;
	case T_URL: {
		size_t n = (size_t)snprintf(buf, cap, "a URL beginning ");
		for (const char *p = t->schemes; *p && n < cap;) {
			const char *bar = strchr(p, '|');
			size_t len = bar ? (size_t)(bar - p) : strlen(p);
			n += (size_t)snprintf(buf + n, cap - n, "%s%.*s", p == t->schemes ? "" : bar ? ", " : " or ",
					      (int)len, p);
			p += len + (bar != NULL);
		}
		break;
	}
	case T_ADDRESS:
		snprintf(buf, cap, "an IP address and a port, e.g. 127.0.0.1:8080 or [::1]:8080");
		break;
	case T_CHOICE: {
		size_t n = (size_t)snprintf(buf, cap, "one of ");
		for (const char *p = t->schemes; *p && n < cap; p += strcspn(p, "|") + (strchr(p, '|') != NULL))
			n += (size_t)snprintf(buf + n, cap - n, "%s%.*s", p == t->schemes ? "" : ", ",
					      (int)strcspn(p, "|"), p);
		break;
	}
	default:
		snprintf(buf, cap, "a non-empty %s", t->type == T_PATH ? "path" : "text");
	}
	return buf;
}

/* A whole decimal integer: 0, or why not ("not a number", "out of range"). */
static const char *parse_int(const char *s, long long *v)
{
	char *end;
	if (!(*s >= '0' && *s <= '9') && !(*s == '-' && s[1] >= '0' && s[1] <= '9'))
		return "not a number";
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (*end)
		return "not a number";
	return errno == ERANGE ? "out of range" : NULL;
}

/* Seconds, or a number with a unit: 90, 90s, 5m, 2h, 30d. */
static const char *parse_duration(const char *s, long long *v)
{
	static const struct { char unit; long long secs; } units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
	size_t n = strlen(s);
	long long mult = 1;
	for (size_t i = 0; n > 1 && i < sizeof units / sizeof units[0]; i++) {
		if (s[n - 1] == units[i].unit) {
			mult = units[i].secs, n--;
			break;
		}
	}
	char digits[32];
	if (n >= sizeof digits)
		return "out of range";
	memcpy(digits, s, n);
	digits[n] = 0;
	const char *why = parse_int(digits, v);
	if (why)
		return why;
	if (*v > LLONG_MAX / mult || *v < LLONG_MIN / mult)
		return "out of range";
	*v *= mult;
	return NULL;
}

static bool parse_bool(const char *s, bool *v)
{
	static const char *yes[] = {"1", "true", "yes", "on"}, *no[] = {"0", "false", "no", "off"};
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i]))
			return *v = true, true;
		if (!strcasecmp(s, no[i]))
			return *v = false, true;
	}
	return false;
}

static bool url_ok(const struct setting *t, const char *s)
{
	for (const char *p = t->schemes; *p;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (!strncmp(s, p, len) && s[len])
			return true;
		p += len + (bar != NULL);
	}
	return false;
}

/* The length of t's prefix that s begins with; 0: none. */
static size_t scheme_len(const struct setting *t, const char *s)
{
	for (const char *p = t->schemes; *p;) {
		size_t len = strcspn(p, "|");
		if (!strncmp(s, p, len))
			return len;
		p += len + (p[len] == '|');
	}
	return 0;
}

/* A repeatable URL setting: URLs separated by commas, a new one where a comma is followed by
 * one of the prefixes (a multi-host libpq URL has commas of its own); each has more than its
 * prefix and does not end in a comma. */
static bool url_list_ok(const struct setting *t, const char *s)
{
	for (const char *p = s;;) {
		size_t scheme = scheme_len(t, p);
		const char *q = p;
		while ((q = strchr(q, ',')) && !scheme_len(t, q + 1))
			q++;
		size_t len = q ? (size_t)(q - p) : strlen(p);
		if (!scheme || len <= scheme || p[len - 1] == ',')
			return false;
		if (!q)
			return true;
		p = q + 1;
	}
}

static bool choice_ok(const char *choices, const char *s)
{
	for (const char *p = choices; *p;) {
		size_t len = strcspn(p, "|");
		if (strlen(s) == len && !strncmp(s, p, len))
			return true;
		p += len + (p[len] == '|');
	}
	return false;
}

static bool address_ok(const char *s)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;
	if (!strchr(s, ':') || evutil_parse_sockaddr_port(s, (struct sockaddr *)&ss, &len) != 0)
		return false;
	unsigned short port = ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						       : ((struct sockaddr_in *)&ss)->sin_port;
	return port != 0;
}

/* Parses text as setting id into out; NULL, or why it is not valid. */
static const char *parse_value(enum pd_set id, const char *text, struct pd_settings *out)
{
	const struct setting *t = &table[id];
	const char *why;
	long long v;
	if (!*text)
		return "empty";
	switch (t->type) {
	case T_INT:
	case T_DURATION:
		why = t->type == T_INT ? parse_int(text, &v) : parse_duration(text, &v);
		if (why)
			return why;
		if (v < t->min || v > t->max)
			return "out of range";
		out->v[id].i = v;
		return NULL;
	case T_BOOL:
		return parse_bool(text, &out->v[id].b) ? NULL : "not a yes or no";
	case T_URL:
		if (!(t->repeat ? url_list_ok(t, text) : url_ok(t, text)))
			return "not such a URL";
		break;
	case T_ADDRESS:
		if (!address_ok(text))
			return "not an address and port";
		break;
	case T_CHOICE:
		if (!choice_ok(t->schemes, text))
			return "not one of them";
		break;
	default:
		break;
	}
	out->v[id].s = text;
	return NULL;
}

static bool set_from(enum pd_cmd cmd, enum pd_set id, const char *origin, const char *text, struct pd_settings *out)
{
	const char *why = parse_value(id, text, out);
	if (!why)
		return true;
	char what[160];
	fprintf(stderr, "partnerd %s: %s%s'%s' is not valid (%s): expected %s\n", commands[cmd].words, origin,
		origin[0] == '-' ? " " : "=", text, why, allowed(&table[id], what, sizeof what));
	return false;
}

/* ---- parsing ---- */

static int from_environment(enum pd_cmd cmd, struct pd_settings *out)
{
	for (int id = 0; id < PD_S_COUNT; id++) {
		const char *env = table[id].env, *v = env && in_cmd(id, cmd) ? getenv(env) : NULL;
		if (!v)
			continue;
		if (!set_from(cmd, id, env, v, out))
			return 2;
		out->given[id] = true;
	}
	return -1;
}

static void defaults(enum pd_cmd cmd, struct pd_settings *out)
{
	*out = (struct pd_settings){.cmd = cmd};
	for (int id = 0; id < PD_S_COUNT; id++)
		if (in_cmd(id, cmd) && table[id].dflt && parse_value(id, table[id].dflt, out))
			abort(); /* a default the table's own rules refuse */
}

/* A repeated setting's values so far, then a comma and the next (one buffer: --db-read is the
 * only repeatable one); NULL when too long. */
static const char *joined(const char *so_far, const char *next)
{
	static char buf[8192];
	if (strlen(so_far) + strlen(next) + 2 > sizeof buf)
		return NULL;
	if (so_far != buf)
		snprintf(buf, sizeof buf, "%s", so_far);
	strcat(buf, ",");
	strcat(buf, next);
	return buf;
}

/* A repeatable setting's flag given again: its value added to *so_far's (a flag's value
 * replaces one from the environment, the next ones add).  false after a message. */
static bool add_up(enum pd_cmd cmd, enum pd_set id, const char *origin, const char **so_far, struct pd_settings *out)
{
	if (!table[id].repeat)
		return true;
	if (*so_far && !(out->v[id].s = joined(*so_far, out->v[id].s))) {
		fprintf(stderr, "partnerd %s: %s given too often: the values are too long together\n", commands[cmd].words,
			origin);
		return false;
	}
	*so_far = out->v[id].s;
	return true;
}

static int from_flags(enum pd_cmd cmd, int argc, char **argv, struct pd_settings *out)
{
	const char *previous[PD_S_COUNT] = {0}; /* repeatable settings: their flags' values so far */
	struct option opts[PD_S_COUNT + 2];
	int n = 0;
	for (int id = 0; id < PD_S_COUNT; id++)
		if (in_cmd(id, cmd))
			opts[n++] = (struct option){table[id].flag, table[id].arg ? required_argument : no_argument, NULL, 256 + id};
	opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
	opts[n] = (struct option){0};
	optind = 0, opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return pd_settings_cmd_usage(cmd, stdout), 0;
		if (c == '?' || c == ':') {
			fprintf(stderr, "partnerd %s: %s '%s'; `partnerd %s --help` lists the settings\n", commands[cmd].words,
				c == ':' ? "a value is missing after" : "unknown option", argv[optind - 1], commands[cmd].words);
			return 2;
		}
		enum pd_set id = (enum pd_set)(c - 256);
		char origin[64];
		snprintf(origin, sizeof origin, "--%s", table[id].flag);
		if (!table[id].arg)
			out->v[id].b = table[id].flag_sets;
		else if (!set_from(cmd, id, origin, optarg, out) || !add_up(cmd, id, origin, &previous[id], out))
			return 2;
		out->given[id] = true;
	}
	if (optind < argc) {
		fprintf(stderr, "partnerd %s: unexpected argument '%s'; `partnerd %s --help` lists the settings\n",
			commands[cmd].words, argv[optind], commands[cmd].words);
		return 2;
	}
	return -1;
}

int pd_settings_parse(enum pd_cmd cmd, int argc, char **argv, struct pd_settings *out)
{
	defaults(cmd, out);
	int rc = from_environment(cmd, out);
	if (rc < 0)
		rc = from_flags(cmd, argc, argv, out);
	for (int id = 0; rc < 0 && id < PD_S_COUNT; id++) {
		if (in_cmd(id, cmd) && table[id].required && !out->given[id]) {
			fprintf(stderr, "partnerd %s: --%s %s is required; `partnerd %s --help` lists the settings\n",
				commands[cmd].words, table[id].flag, table[id].arg, commands[cmd].words);
			rc = 2;
		}
	}
	for (size_t i = 0; rc < 0 && i < sizeof pairs / sizeof pairs[0]; i++) {
		const struct setting *a = &table[pairs[i][0]], *b = &table[pairs[i][1]];
		if (in_cmd(pairs[i][0], cmd) && out->given[pairs[i][0]] != out->given[pairs[i][1]]) {
			fprintf(stderr, "partnerd %s: --%s and --%s go together: give both or neither\n",
				commands[cmd].words, a->flag, b->flag);
			rc = 2;
		}
	}
	for (size_t i = 0; rc < 0 && i < sizeof ordered / sizeof ordered[0]; i++) {
		const enum pd_set a = ordered[i][0], b = ordered[i][1];
		if (in_cmd(a, cmd) && out->v[a].i > out->v[b].i) {
			fprintf(stderr, "partnerd %s: --%s %lld is more than --%s %lld\n", commands[cmd].words,
				table[a].flag, out->v[a].i, table[b].flag, out->v[b].i);
			rc = 2;
		}
	}
	return rc;
}

long long pd_set_int(const struct pd_settings *s, enum pd_set id)
{
	return s->v[id].i;
}

bool pd_set_bool(const struct pd_settings *s, enum pd_set id)
{
	return s->v[id].b;
}

const char *pd_set_str(const struct pd_settings *s, enum pd_set id)
{
	return s->v[id].s;
}

/* ---- help ---- */

/* text wrapped at 92 columns, every line after the first indented by `indent`. */
static void wrap(FILE *f, const char *text, int col, int indent)
{
	const char *p = text;
	while (*p) {
		size_t w = strcspn(p, " ");
		if (col > indent && col + 1 + (int)w > 92) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)w, p);
		col += (int)w;
		p += w;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

/* The range of an int or a duration, short: "2 to 256", "1 min to 30 d"; "" for others. */
static const char *range(const struct setting *t, char *buf, size_t cap)
{
	char lo[32], hi[32];
	if (t->type == T_INT)
		snprintf(buf, cap, "%lld to %lld", t->min, t->max);
	else if (t->type == T_DURATION)
		snprintf(buf, cap, "%s to %s, in seconds or with s, m, h or d", secs_text(t->min, lo, sizeof lo),
			 secs_text(t->max, hi, sizeof hi));
	else
		*buf = 0;
	return buf;
}

/* A default as the help shows it. */
static const char *default_text(const struct setting *t, char *buf, size_t cap)
{
	if (t->dflt_doc)
		return t->dflt_doc;
	if (!t->dflt || t->type == T_BOOL)
		return NULL;
	if (t->type == T_DURATION)
		return secs_text(strtoll(t->dflt, NULL, 10), buf, cap);
	return t->dflt;
}

/* "help (RANGE; ENV; default X)" of a row. */
static void describe(const struct setting *t, char *buf, size_t cap)
{
	char rng[120], envs[80] = "", dbuf[32];
	const char *d = default_text(t, dbuf, sizeof dbuf), *parts[3];
	int n = 0;
	if (*range(t, rng, sizeof rng))
		parts[n++] = rng;
	if (t->env) {
		snprintf(envs, sizeof envs, t->type == T_BOOL ? "%s=%d" : "%s", t->env, t->flag_sets);
		parts[n++] = envs;
	}
	size_t len = (size_t)snprintf(buf, cap, "%s%s", t->help, t->required ? " (required" : n || d ? " (" : "");
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%s",
					i || t->required ? "; " : "", parts[i]);
	if (d)
		len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%sdefault %s",
					n || t->required ? "; " : "", d);
	if (t->required || n || d)
		snprintf(buf + len, len < cap ? cap - len : 0, ")");
}

void pd_settings_cmd_usage(enum pd_cmd cmd, FILE *f)
{
	fprintf(f, "usage: partnerd %s", commands[cmd].words);
	for (int id = 0; id < PD_S_COUNT; id++)
		if (in_cmd(id, cmd) && table[id].required)
			fprintf(f, " --%s %s", table[id].flag, table[id].arg);
	fprintf(f, " [options]\n\n");
	wrap(f, commands[cmd].about, 0, 0);
	fprintf(f, "\n");
	for (int id = 0; id < PD_S_COUNT; id++) {
		if (!in_cmd(id, cmd))
			continue;
		char head[64], text[700];
		snprintf(head, sizeof head, "  --%s%s%s", table[id].flag, table[id].arg ? " " : "",
			 table[id].arg ? table[id].arg : "");
		describe(&table[id], text, sizeof text);
		fprintf(f, "%-26s", head);
		wrap(f, text, strlen(head) < 26 ? 26 : 92, 26);
	}
	fprintf(f, "%-26s%s\n", "  -h, --help", "this help");
}

void pd_settings_usage(FILE *f)
{
	fprintf(f, "usage: partnerd <command> [options]\n\ncommands:\n");
	for (int c = 0; c < PD_CMD_COUNT; c++)
		fprintf(f, "  %-14s %s\n", commands[c].words, commands[c].summary);
	fprintf(f, "  help           this help; `partnerd <command> --help` for a command's settings\n\n"
		   "Settings come from flags, else their PARTNERD_* environment variables, else defaults;\n"
		   "a value that is not valid stops partnerd with exit status 2.  `partnerd --man` prints\n"
		   "the manual page (build/partnerd.8), `partnerd --settings-markdown` README's table.\n");
}

/* ---- the manual page and README's table ---- */

static void roff(FILE *f, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
	}
}

static void man_settings(FILE *f, enum pd_cmd cmd)
{
	for (int id = 0; id < PD_S_COUNT; id++) {
		if (!in_cmd(id, cmd))
			continue;
		char text[700];
		describe(&table[id], text, sizeof text);
		fprintf(f, ".TP\n.B \\-\\-");
		roff(f, table[id].flag);
		if (table[id].arg) {
			fprintf(f, " \\fI");
			roff(f, table[id].arg);
			fprintf(f, "\\fR");
		}
		fprintf(f, "\n");
		roff(f, text);
		fprintf(f, "\n");
	}
}

void pd_settings_man(FILE *f)
{
	fprintf(f, ".TH PARTNERD 8 \"\" \"partnerd\" \"System Administration\"\n.SH NAME\n"
		   "partnerd \\- customer accounts for CSP partners: the server and its admin commands\n"
		   ".SH SYNOPSIS\n.B partnerd\n.I command\n[\\fIoptions\\fR]\n.SH DESCRIPTION\n");
	roff(f, "Settings come from flags, else their PARTNERD_* environment variables, else defaults. "
		"A value that does not parse whole, is out of its range or is empty stops partnerd with "
		"exit status 2 and a message naming the flag or variable and what it allows.");
	fprintf(f, "\n.SH COMMANDS\n");
	for (int c = 0; c < PD_CMD_COUNT; c++) {
		fprintf(f, ".SS \"partnerd ");
		roff(f, commands[c].words);
		fprintf(f, "\"\n");
		roff(f, commands[c].about);
		fprintf(f, "\n");
		man_settings(f, (enum pd_cmd)c);
	}
	fprintf(f, ".SH ENVIRONMENT\n");
	for (int id = 0; id < PD_S_COUNT; id++) {
		if (!table[id].env)
			continue;
		fprintf(f, ".TP\n.B ");
		roff(f, table[id].env);
		fprintf(f, "\nas \\-\\-");
		roff(f, table[id].flag);
		fprintf(f, "%s\n", table[id].type == T_BOOL ? " (1 or 0)" : "");
	}
	fprintf(f, ".SH EXIT STATUS\n0 on success, 1 on a failure, 2 on a bad setting or usage.\n"
		   ".SH SEE ALSO\n.BR partnerctl (1)\n");
}

void pd_settings_markdown(FILE *f)
{
	fprintf(f, "| flag | environment | allowed | default | what |\n|---|---|---|---|---|\n");
	for (int id = 0; id < PD_S_COUNT; id++) {
		const struct setting *t = &table[id];
		if (!in_cmd(id, PD_CMD_SERVE))
			continue;
		char what[200], dbuf[32];
		const char *d = t->type == T_BOOL && !t->dflt_doc ? "off" : default_text(t, dbuf, sizeof dbuf);
		fprintf(f, "| `--%s%s%s` | ", t->flag, t->arg ? " " : "", t->arg ? t->arg : "");
		if (t->env)
			fprintf(f, t->type == T_BOOL ? "`%s=%d`" : "`%s`", t->env, t->flag_sets);
		fprintf(f, " | %s | %s | %s |\n", t->arg ? allowed(t, what, sizeof what) : "a flag", d ? d : "",
			t->help);
	}
}
