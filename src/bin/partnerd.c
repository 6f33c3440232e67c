/* partnerd.c - the server binary: `serve` and the admin subcommands (`partner add`,
 * `app add`, `seed`, `migrate-store`, `permissions`, `backup`, `restore`).  Their settings, help, manual page and
 * README table come from one table (settings.c): flags, else PARTNERD_* environment
 * variables, else defaults. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <malloc.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "api.h"
#include "feed.h"
#include "catalog.h"
#include "embed.h"
#include "domain.h"
#include "roles.h"
#include "server.h"
#include "settings.h"
#include "signer.h"
#include "tls.h"

/* Creates the directory of a sqlite:PATH store if it is missing (one level, like ./var). */
static void make_store_dir(const char *url)
{
	if (strncmp(url, "sqlite:", 7) != 0)
		return;
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", url + 7);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = 0;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		fprintf(stderr, "partnerd: cannot create %s: %s\n", dir, strerror(errno));
}

static int open_store(const char *url, struct store **st)
{
	char err[512];
	make_store_dir(url);
	if (store_open(url, true, st, err, sizeof err) != PD_OK) {
		fprintf(stderr, "partnerd: %s\n", err);
		return 1;
	}
	return 0;
}

/* ---- partner add ---- */

static int partner_add(const struct pd_settings *o)
{
	const char *db = pd_set_str(o, PD_S_DB), *name = pd_set_str(o, PD_S_PARTNER_NAME);
	const char *email = pd_set_str(o, PD_S_PARTNER_ADMIN);
	bool as_json = pd_set_bool(o, PD_S_JSON);
	struct store *st;
	struct pd_new_partner np;
	char err[300];
	if (open_store(db, &st))
		return 1;
	enum pd_err e = pd_partner_create(st, name, email, &np, err, sizeof err);
	store_close(st);
	if (e != PD_OK) {
		fprintf(stderr, "partnerd: %s\n", err);
		return 1;
	}
	if (as_json) {
		json_t *out = json_pack("{s:s, s:s, s:s, s:s}", "partnerId", np.partner_id, "userId", np.user_id,
					"userName", email, "password", np.password);
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(out);
	} else {
		printf("partner %s created\nuser name: %s\npassword:  %s  (shown once)\n", np.partner_id, email, np.password);
	}
	return 0;
}

/* ---- app add ---- */

static int app_add(const struct pd_settings *o)
{
	const char *db = pd_set_str(o, PD_S_DB), *partner = pd_set_str(o, PD_S_PARTNER_ID);
	const char *name = pd_set_str(o, PD_S_APP_NAME), *roles = pd_set_str(o, PD_S_ROLE);
	bool as_json = pd_set_bool(o, PD_S_JSON);
	struct store *st;
	char id[37], secret[PD_TOKEN_CHARS + 1], err[300];
	if (open_store(db, &st))
		return 1;
	enum pd_err e = pd_app_create(st, partner, name, roles, id, secret, err, sizeof err);
	store_close(st);
	if (e != PD_OK) {
		fprintf(stderr, "partnerd: %s\n", err);
		return e == PD_EINVAL || e == PD_ENOTFOUND ? 2 : 1;
	}
	if (as_json)
		printf("{\n  \"clientId\": \"%s\",\n  \"clientSecret\": \"%s\"\n}\n", id, secret);
	else
		printf("app created\nclient id:     %s\nclient secret: %s  (shown once)\n", id, secret);
	return 0;
}

/* ---- reseller add (two-tier CSP) ---- */

static int reseller_add(const struct pd_settings *o)
{
	struct pd_reseller x = {.partner_id = pd_set_str(o, PD_S_RESELLER_PARTNER),
				.name = pd_set_str(o, PD_S_RESELLER_NAME), .mpn_id = pd_set_str(o, PD_S_MPN_ID),
				.id = pd_set_str(o, PD_S_RESELLER_ID), .location = pd_set_str(o, PD_S_LOCATION)};
	struct store *st;
	json_t *out;
	char err[300];
	if (open_store(pd_set_str(o, PD_S_DB), &st))
		return 1;
	enum pd_err e = pd_reseller_create(st, &x, &out, err, sizeof err);
	store_close(st);
	if (e != PD_OK) {
		fprintf(stderr, "partnerd: %s\n", err);
		return e == PD_EINVAL || e == PD_ENOTFOUND || e == PD_ECONFLICT ? 2 : 1;
	}
	if (pd_set_bool(o, PD_S_JSON)) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		printf("indirect reseller %s added\n", json_string_value(json_object_get(out, "id")));
	}
	json_decref(out);
	return 0;
}

/* ---- seed ---- */

static int seed(const struct pd_settings *o)
{
	const char *db = pd_set_str(o, PD_S_DB), *suffix = pd_set_str(o, PD_S_DOMAIN_SUFFIX);
	long partners = (long)pd_set_int(o, PD_S_PARTNERS);
	long long customers = pd_set_int(o, PD_S_CUSTOMERS);
	unsigned long long seed_value = (unsigned long long)pd_set_int(o, PD_S_SEED);
	bool as_json = pd_set_bool(o, PD_S_JSON);
	json_t *res = NULL;
	char err[512];
	make_store_dir(db);
	enum pd_err e = pd_seed(db, partners, customers, seed_value, suffix, &res, err, sizeof err);
	if (e != PD_OK) {
		fprintf(stderr, "partnerd: seed: %s\n", err);
		return e == PD_EINVAL ? 2 : 1;
	}
	if (as_json) {
		json_dumpf(res, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		printf("seeded %lld customers of %ld partners in %.1f s: %.0f rows/s\n", customers, partners,
		       json_real_value(json_object_get(res, "seconds")),
		       json_real_value(json_object_get(res, "rowsPerSecond")));
	}
	json_decref(res);
	return 0;
}

/* ---- permissions ---- */

static void permissions_row(const struct pd_route *r, bool md)
{
	static const char *names[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
	char method[32] = "";
	for (int i = 0; i < 6; i++)
		if (r->method & (1 << i) && (1 << i) != PD_HEAD)
			snprintf(method + strlen(method), sizeof method - strlen(method), "%s%s", *method ? "/" : "", names[i]);
	printf(md ? "| %s | `%s` | %s |" : "%-7s %-40s %-17s", method, r->pattern, pd_perm_name(r->perm));
	for (int i = 0; i < PD_ROLE_COUNT; i++)
		printf(md ? " %s |" : " %-5s", r->perm == PD_PERM_PUBLIC ? "any" : pd_role_has((enum pd_role)i, r->perm) ? "yes" : "no");
	putchar('\n');
}

static int permissions(const struct pd_settings *o)
{
	bool md = pd_set_bool(o, PD_S_MARKDOWN);
	if (md)
		printf("# Permissions\n\nGenerated by `partnerd permissions --markdown` from the route table "
		       "(`src/api/routes.c`) and the role table (`src/core/roles.c`); `make docs` rewrites it "
		       "and a test fails when it is stale.\n\n| method | route | permission |");
	else
		printf("%-7s %-40s %-17s", "method", "route", "permission");
	for (int i = 0; i < PD_ROLE_COUNT; i++)
		printf(md ? " %s |" : " %.5s", pd_role_name((enum pd_role)i));
	printf(md ? "\n|---|---|---|" : "\n");
	for (int i = 0; md && i < PD_ROLE_COUNT; i++)
		printf("---|");
	if (md)
		putchar('\n');
	for (const struct pd_route *r = pd_routes; r->pattern; r++)
		permissions_row(r, md);
	return 0;
}

/* ---- serve ---- */

/* The server's configuration from its settings. */
static struct pd_config serve_config(const struct pd_settings *o)
{
	return (struct pd_config){
		.listen = pd_set_str(o, PD_S_LISTEN),
		.db = pd_set_str(o, PD_S_DB),
		.domain_suffix = pd_set_str(o, PD_S_DOMAIN_SUFFIX),
		.sandbox = pd_set_bool(o, PD_S_SANDBOX),
		.require_uscc = pd_set_bool(o, PD_S_REQUIRE_USCC),
		.access_log = pd_set_bool(o, PD_S_ACCESS_LOG),
		.loops = (int)pd_set_int(o, PD_S_LOOPS),
		.token_ttl = (int)pd_set_int(o, PD_S_TOKEN_TTL),
		.rate_limit = (int)pd_set_int(o, PD_S_RATE_LIMIT),
		.public_url = pd_set_str(o, PD_S_PUBLIC_URL),
		.max_body = 1u << 20,
		.read_timeout = (int)pd_set_int(o, PD_S_READ_TIMEOUT),
		.health_timeout = (int)pd_set_int(o, PD_S_HEALTH_TIMEOUT),
		.max_connections = (int)pd_set_int(o, PD_S_MAX_CONNECTIONS),
		.db_pool = (int)pd_set_int(o, PD_S_DB_POOL),
		.throttle_entries = (int)pd_set_int(o, PD_S_THROTTLE_ENTRIES),
		.metrics_listen = pd_set_str(o, PD_S_METRICS_LISTEN),
		.log_json = !strcmp(pd_set_str(o, PD_S_LOG_FORMAT), "json"),
		.fault_injection = pd_set_bool(o, PD_S_FAULT_INJECTION),
		.event_retention = (int)pd_set_int(o, PD_S_EVENT_RETENTION),
		.writer_upkeep = pd_events_upkeep,
		.webhook_allow_http = pd_set_bool(o, PD_S_WEBHOOK_ALLOW_HTTP),
		.webhook_allow_private = pd_set_bool(o, PD_S_WEBHOOK_ALLOW_PRIVATE),
		.webhook_key = pd_set_str(o, PD_S_WEBHOOK_KEY),
		.webhook_ca = pd_set_str(o, PD_S_WEBHOOK_CA),
		.webhook_retry_min_ms = (int)pd_set_int(o, PD_S_WEBHOOK_RETRY_MIN),
		.webhook_retry_max_ms = (int)pd_set_int(o, PD_S_WEBHOOK_RETRY_MAX),
	};
}

/* First start on an empty store: one partner and its global admin, password shown once. */
static int bootstrap(struct store *st, const struct pd_config *cfg, const char *admin_email)
{
	long long n = 0;
	struct pd_new_partner np;
	char err[300];
	if (store_partner_count(st, &n) != PD_OK)
		return 1;
	if (n > 0)
		return 0;
	if (pd_partner_create(st, "My partner", admin_email, &np, err, sizeof err) != PD_OK) {
		fprintf(stderr, "partnerd: first start: %s\n", err);
		return 1;
	}
	printf("partnerd: first start: created a partner and its global admin\n"
	       "  portal:    %s://%s/\n  user name: %s\n  password:  %s\n"
	       "  (the password is shown this once; it is stored only as a hash)\n",
	       cfg->tls ? "https" : "http", cfg->listen, admin_email, np.password);
	fflush(stdout);
	return 0;
}

/* The whole of a file, however large (malloc'd, NUL-terminated), or NULL with errno set. */
static char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - 1 - n, f);
		if (n < cap - 1)
			break;
		char *more = realloc(buf, cap *= 2);
		if (!more)
			free(buf);
		buf = more;
	}
	int failed = !buf ? ENOMEM : ferror(f) ? (errno ? errno : EIO) : 0;
	fclose(f);
	if (failed) {
		free(buf);
		errno = failed;
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

/* The offer catalog: --catalog FILE (read whole, whatever its size), else the one built in. */
static struct pd_catalog *load_catalog(const char *path)
{
	char err[300];
	const struct pd_embed *def = pd_embed_find(pd_data_files, "catalog.json");
	char *text = NULL;
	size_t len = 0;
	if (path && !(text = read_whole(path, &len))) {
		fprintf(stderr, "partnerd: --catalog %s: %s\n", path, strerror(errno));
		return NULL;
	}
	struct pd_catalog *c = pd_catalog_parse(path ? text : def->data, path ? len : def->len, err, sizeof err);
	free(text);
	if (!c)
		fprintf(stderr, "partnerd: catalog %s: %s\n", path ? path : "(built in)", err);
	return c;
}

/* A list page is written into one ~150 KB buffer: with glibc's defaults each one was
 * mmap'd or trimmed back to the kernel when freed and faulted in again for the next request
 * (perf stat: ~27 page faults per list request).  Fixed thresholds keep that memory. */
static void keep_freed_memory(void)
{
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

/* https: --tls-cert and --tls-key (settings.c has made sure both or neither are given), read
 * now so that a bad pair stops the start with OpenSSL's reason.  0, or -1 after a message. */
static int load_tls(const struct pd_settings *o, struct pd_config *cfg)
{
	char err[600];
	const char *cert = pd_set_str(o, PD_S_TLS_CERT), *key = pd_set_str(o, PD_S_TLS_KEY);
	if (!cert || !key)
		return 0;
	if (!(cfg->tls = pd_tls_new(cert, key, err, sizeof err))) {
		fprintf(stderr, "partnerd: %s\n", err);
		return -1;
	}
	return 0;
}

/* A SQLite store is served by one process at a time: its sign-in counters, rate limits and
 * token cache live in that process's memory, so a second `partnerd serve` on the same file
 * would double every limit and miss the other's revocations.  The claim is an exclusive
 * flock on PATH.lock, held (the descriptor left open) until the process ends. */
static int claim_sqlite(const char *url)
{
	if (strncmp(url, "sqlite:", 7) != 0)
		return 0;
	make_store_dir(url);
	size_t n = strlen(url + 7) + 6;
	char *lock = malloc(n);
	if (!lock)
		return 1;
	snprintf(lock, n, "%s.lock", url + 7);
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (fd >= 0 && errno == EWOULDBLOCK)
			fprintf(stderr, "partnerd: another partnerd already serves %s: a SQLite store takes one server "
					"(several instances need PostgreSQL, docs/deploy.md)\n", url);
		else
			fprintf(stderr, "partnerd: cannot lock %s: %s\n", lock, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(lock);
		return 1;
	}
	free(lock);
	return 0;
}

/* Settings that only PostgreSQL reads, given with a SQLite store: said, not silently ignored. */
static void warn_pg_only(const struct pd_settings *o, const char *url)
{
	static const struct { enum pd_set id; const char *flag; } pg[] = {
		{PD_S_DB_POOL, "--db-pool"}, {PD_S_HEALTH_TIMEOUT, "--health-timeout"},
		{PD_S_DB_CONNECT_TIMEOUT, "--db-connect-timeout"}, {PD_S_DB_STATEMENT_TIMEOUT, "--db-statement-timeout"},
		{PD_S_DB_KEEPALIVE, "--db-keepalive"}, {PD_S_DB_READ, "--db-read"},
		{PD_S_DB_READ_MAX_LAG, "--db-read-max-lag"}};
	for (size_t i = 0; !strncmp(url, "sqlite:", 7) && i < sizeof pg / sizeof *pg; i++)
		if (o->given[pg[i].id])
			fprintf(stderr, "partnerd: %s has no effect on a SQLite store (PostgreSQL only)\n", pg[i].flag);
}

/* --db-read's standbys (PostgreSQL only: warn_pg_only said so for SQLite); 2 after a message
 * when one is not a URL libpq takes. */
static int set_replicas(const struct pd_settings *o, const char *url)
{
	const char *list = pd_set_str(o, PD_S_DB_READ);
	char err[300];
	if (!list || !strncmp(url, "sqlite:", 7))
		return 0;
	if (store_set_replicas(url, list, (int)pd_set_int(o, PD_S_DB_READ_MAX_LAG), err, sizeof err) != PD_OK) {
		fprintf(stderr, "partnerd serve: --db-read: %s\n", err);
		return 2;
	}
	return 0;
}

static int serve(const struct pd_settings *o)
{
	struct pd_config cfg = serve_config(o);
	struct store *st;
	unsigned char key[PD_KEY_LEN];
	keep_freed_memory();
	if (load_tls(o, &cfg) != 0)
		return 2;
	struct pd_catalog *catalog = load_catalog(pd_set_str(o, PD_S_CATALOG));
	if (!catalog) {
		pd_tls_free(cfg.tls);
		return 1;
	}
	cfg.catalog = catalog;
	if (claim_sqlite(cfg.db) != 0) {
		pd_catalog_free(catalog);
		pd_tls_free(cfg.tls);
		return 1;
	}
	warn_pg_only(o, cfg.db);
	store_set_pool_size(cfg.db_pool);
	store_set_pg_limits((int)pd_set_int(o, PD_S_DB_CONNECT_TIMEOUT), (int)pd_set_int(o, PD_S_DB_STATEMENT_TIMEOUT),
			    (int)pd_set_int(o, PD_S_DB_KEEPALIVE));
	if (set_replicas(o, cfg.db) != 0) {
		pd_catalog_free(catalog);
		pd_tls_free(cfg.tls);
		return 2;
	}
	char lerr[400];
	if (pd_server_check_limits(&cfg, lerr, sizeof lerr) != 0) {
		fprintf(stderr, "partnerd serve: %s\n", lerr);
		pd_catalog_free(catalog);
		pd_tls_free(cfg.tls);
		return 2;
	}
	if (open_store(cfg.db, &st)) {
		pd_catalog_free(catalog);
		pd_tls_free(cfg.tls);
		return 1;
	}
	if (bootstrap(st, &cfg, pd_set_str(o, PD_S_ADMIN_EMAIL)) != 0 || store_secret_key(st, key) != PD_OK) {
		fprintf(stderr, "partnerd: cannot prepare the store %s\n", cfg.db);
		store_close(st);
		pd_catalog_free(catalog);
		pd_tls_free(cfg.tls);
		return 1;
	}
	char serr[600];
	if (cfg.webhook_ca && access(cfg.webhook_ca, R_OK) != 0) {
		fprintf(stderr, "partnerd: --webhook-ca %s: %s\n", cfg.webhook_ca, strerror(errno));
		store_close(st);
		pd_catalog_free(catalog);
		pd_tls_free(cfg.tls);
		return 2;
	}
	if (!(cfg.signer = pd_signer_new(cfg.webhook_key, cfg.db, serr, sizeof serr))) {
		fprintf(stderr, "partnerd: %s\n", serr);
		store_close(st);
		pd_catalog_free(catalog);
		pd_tls_free(cfg.tls);
		return 2;
	}
	if (cfg.fault_injection)
		fprintf(stderr, "partnerd: --fault-injection is on: requests may fail store calls on purpose (tests only)\n");
	int rc = pd_server_run(&cfg, pd_routes, st, key);
	pd_signer_free(cfg.signer);
	pd_catalog_free(catalog);
	pd_tls_free(cfg.tls);
	return rc;
}

/* ---- migrate-store ---- */

static void print_table(void *arg, const char *table, long long rows, const char *sum, bool match)
{
	json_t *list = arg;
	if (list)
		json_array_append_new(list, json_pack("{s:s, s:I, s:s, s:b}", "table", table, "rows",
						      (json_int_t)rows, "checksum", sum, "match", match));
	else
		printf("%-16s %9lld  %s  %s\n", table, rows, sum, match ? "ok" : "DIFFERS");
}

static int migrate_store(const struct pd_settings *o)
{
	const char *from = pd_set_str(o, PD_S_FROM), *to = pd_set_str(o, PD_S_TO);
	bool as_json = pd_set_bool(o, PD_S_JSON);
	struct store *a, *b;
	char err[512] = "";
	if (open_store(from, &a))
		return 1;
	if (open_store(to, &b)) {
		store_close(a);
		return 1;
	}
	json_t *list = as_json ? json_array() : NULL;
	if (!as_json)
		printf("%-16s %9s  %-64s  %s\n", "table", "rows", "checksum (BLAKE2b-256 of the rows in key order)", "");
	enum pd_err e = store_copy(a, b, print_table, list, err, sizeof err);
	store_close(a);
	store_close(b);
	if (list) {
		json_dumpf(list, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(list);
	}
	if (e != PD_OK) {
		fprintf(stderr, "partnerd: migrate-store: %s; nothing was kept in %s\n", err, to);
		return e == PD_EINVAL || e == PD_ECONFLICT ? 2 : 1;
	}
	fprintf(stderr, "partnerd: migrate-store: every table copied and verified\n");
	return 0;
}

/* ---- backup, restore ---- */

static void print_count(void *arg, const char *table, long long rows, bool match)
{
	json_t *list = arg;
	if (list)
		json_array_append_new(list, json_pack("{s:s, s:I, s:b}", "table", table, "rows", (json_int_t)rows,
						      "match", match));
	else
		printf("%-24s %9lld  %s\n", table, rows, match ? "ok" : "DIFFERS");
}

/* backup (restore = false) or restore: exit 2 for a refusal (PostgreSQL, an existing file or
 * a store with data without --force, a store in use, not a partnerd store). */
static int backup_restore(const struct pd_settings *o, bool restore)
{
	const char *db = pd_set_str(o, PD_S_DB), *name = restore ? "restore" : "backup";
	bool force = pd_set_bool(o, PD_S_FORCE);
	json_t *list = pd_set_bool(o, PD_S_JSON) ? json_array() : NULL;
	char err[600] = "";
	if (restore)
		make_store_dir(db);
	enum pd_err e = restore ? store_restore(pd_set_str(o, PD_S_RESTORE_FROM), db, force, print_count, list, err,
						sizeof err)
				: store_backup(db, pd_set_str(o, PD_S_BACKUP_TO), force, print_count, list, err, sizeof err);
	if (list) {
		json_dumpf(list, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(list);
	}
	if (e != PD_OK) {
		fprintf(stderr, "partnerd %s: %s\n", name, err);
		return e == PD_EINVAL || e == PD_ECONFLICT || e == PD_EBUSY || e == PD_ENOTFOUND ? 2 : 1;
	}
	fprintf(stderr, "partnerd %s: done; every table checked\n", name);
	return 0;
}

static int run(enum pd_cmd cmd, const struct pd_settings *o)
{
	switch (cmd) {
	case PD_CMD_SERVE: return serve(o);
	case PD_CMD_PARTNER_ADD: return partner_add(o);
	case PD_CMD_APP_ADD: return app_add(o);
	case PD_CMD_RESELLER_ADD: return reseller_add(o);
	case PD_CMD_SEED: return seed(o);
	case PD_CMD_MIGRATE: return migrate_store(o);
	case PD_CMD_PERMISSIONS: return permissions(o);
	case PD_CMD_BACKUP: return backup_restore(o, false);
	case PD_CMD_RESTORE: return backup_restore(o, true);
	default: return 2;
	}
}

/* The commands that print what the settings table says: help, the manual page, README's table. */
static int print_docs(const char *what)
{
	if (!strcmp(what, "help") || !strcmp(what, "--help") || !strcmp(what, "-h"))
		pd_settings_usage(stdout);
	else if (!strcmp(what, "--man"))
		pd_settings_man(stdout);
	else if (!strcmp(what, "--settings-markdown"))
		pd_settings_markdown(stdout);
	else
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	/* seed makes ids, etags and passwords by the million: libsodium's user-space generator
	 * (ChaCha20, keyed from the kernel) instead of one getrandom() system call for each */
	if (argc > 1 && !strcmp(argv[1], "seed"))
		randombytes_set_implementation(&randombytes_internal_implementation);
	if (pd_secret_init() != 0) {
		fprintf(stderr, "partnerd: libsodium failed to initialise\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *first = argc > 1 ? argv[1] : "help";
	int words = 0, cmd = pd_cmd_find(argc, argv, &words);
	if (cmd < 0) {
		int rc = print_docs(first), half = pd_cmd_prefix(first);
		if (rc >= 0)
			return rc;
		if (half >= 0) { /* "partnerd partner", "partnerd app --help" */
			bool help = argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"));
			pd_settings_cmd_usage((enum pd_cmd)half, help ? stdout : stderr);
			return help ? 0 : 2;
		}
		fprintf(stderr, "partnerd: unknown command '%s'\n\n", first);
		pd_settings_usage(stderr);
		return 2;
	}
	struct pd_settings o;
	int rc = pd_settings_parse((enum pd_cmd)cmd, argc - words, argv + words, &o);
	return rc >= 0 ? rc : run((enum pd_cmd)cmd, &o);
}
