/* settings.h - every setting of every partnerd command in one typed table (flag, environment
 * variable, type, bounds, default, help), as redis's config table (standardConfig) is: one set
 * of parsing rules for flags and environment alike, and the one source of `partnerd --help`,
 * `partnerd COMMAND --help`, the manual page (`partnerd --man`, build/partnerd.8) and README's
 * settings table (`partnerd --settings-markdown`).  A value that does not parse whole, is out
 * of its bounds or is empty is refused with a message naming the flag or variable and what
 * is allowed (exit status 2); nothing is read as 0 or as "off" by accident. */
#ifndef PD_SETTINGS_H
#define PD_SETTINGS_H
#include <stdbool.h>
#include <stdio.h>

enum pd_cmd { PD_CMD_SERVE, PD_CMD_PARTNER_ADD, PD_CMD_APP_ADD, PD_CMD_RESELLER_ADD, PD_CMD_SEED, PD_CMD_MIGRATE,
	      PD_CMD_PERMISSIONS, PD_CMD_BACKUP, PD_CMD_RESTORE, PD_CMD_COUNT };

enum pd_set {
	/* serve */
	PD_S_LISTEN, PD_S_DB, PD_S_DB_POOL, PD_S_DOMAIN_SUFFIX, PD_S_SANDBOX, PD_S_LOOPS,
	PD_S_TOKEN_TTL, PD_S_RATE_LIMIT, PD_S_ACCESS_LOG, PD_S_READ_TIMEOUT, PD_S_MAX_CONNECTIONS,
	PD_S_CATALOG, PD_S_PUBLIC_URL, PD_S_ADMIN_EMAIL, PD_S_REQUIRE_USCC, PD_S_THROTTLE_ENTRIES,
	/* the admin commands */
	PD_S_PARTNER_NAME, PD_S_PARTNER_ADMIN, PD_S_PARTNER_ID, PD_S_APP_NAME, PD_S_ROLE,
	PD_S_RESELLER_PARTNER, PD_S_RESELLER_NAME, PD_S_MPN_ID, PD_S_RESELLER_ID, PD_S_LOCATION,
	PD_S_PARTNERS, PD_S_CUSTOMERS, PD_S_SEED, PD_S_FROM, PD_S_TO, PD_S_MARKDOWN, PD_S_JSON,
	/* serve: https */
	PD_S_TLS_CERT, PD_S_TLS_KEY,
	/* backup, restore */
	PD_S_BACKUP_TO, PD_S_RESTORE_FROM, PD_S_FORCE,
	/* serve, operations */
	PD_S_METRICS_LISTEN, PD_S_LOG_FORMAT,
	/* serve: PostgreSQL */
	PD_S_HEALTH_TIMEOUT, PD_S_DB_CONNECT_TIMEOUT, PD_S_DB_STATEMENT_TIMEOUT, PD_S_DB_KEEPALIVE,
	PD_S_DB_READ, PD_S_DB_READ_MAX_LAG,
	/* serve: the change feed */
	PD_S_EVENT_RETENTION,
	/* serve: tests only */
	PD_S_FAULT_INJECTION,
	/* serve: webhooks (issue 22) */
	PD_S_WEBHOOK_KEY, PD_S_WEBHOOK_CA, PD_S_WEBHOOK_ALLOW_HTTP, PD_S_WEBHOOK_ALLOW_PRIVATE, PD_S_WEBHOOK_RETRY_MIN,
	PD_S_WEBHOOK_RETRY_MAX,
	PD_S_COUNT
};

/* The values of one command's settings: from the flags, else the environment, else the
 * defaults.  Strings point into argv, the environment or static text. */
struct pd_settings {
	enum pd_cmd cmd;
	union { long long i; bool b; const char *s; } v[PD_S_COUNT];
	bool given[PD_S_COUNT]; /* by a flag or the environment */
};

/* The command named by argv[1] (and argv[2] for "partner add", "app add", "reseller add"), and how many words
 * it takes; -1 if none. */
int pd_cmd_find(int argc, char **argv, int *words);
/* The two-word command whose first word is `word` ("partner": partner add), or -1. */
int pd_cmd_prefix(const char *word);

/* Parses cmd's flags (argv[0] is the command's last word) and environment into out.
 * Returns -1 when the command should run, 0 after printing its help (`--help`), and 2 after
 * a message on stderr (a bad or missing value, an unknown flag, a stray argument). */
int pd_settings_parse(enum pd_cmd cmd, int argc, char **argv, struct pd_settings *out);

long long pd_set_int(const struct pd_settings *s, enum pd_set id); /* ints and durations (s) */
bool pd_set_bool(const struct pd_settings *s, enum pd_set id);
const char *pd_set_str(const struct pd_settings *s, enum pd_set id); /* NULL when unset */

void pd_settings_usage(FILE *f);                  /* `partnerd --help` */
void pd_settings_cmd_usage(enum pd_cmd cmd, FILE *f);
void pd_settings_man(FILE *f);                    /* partnerd.8, roff */
void pd_settings_markdown(FILE *f);               /* README's table of serve's settings */

#endif
