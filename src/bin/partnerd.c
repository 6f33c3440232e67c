/* partnerd.c - the server binary: `serve` and the admin subcommands (`partner add`, `seed`).
 * Settings come from flags, else PARTNERD_* environment variables, else defaults. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <malloc.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "api.h"
#include "catalog.h"
#include "embed.h"
#include "domain.h"
#include "roles.h"
#include "server.h"

#define DEFAULT_DB "sqlite:var/partnerd.db"
#define DEFAULT_LISTEN "127.0.0.1:8080"
#define DEFAULT_ADMIN "admin@partnerd.local"

static const char usage_main[] =
	"usage: partnerd <command> [options]\n"
	"\n"
	"commands:\n"
	"  serve         run the HTTP server (REST API and portal)\n"
	"  partner add   create a partner and its first global admin\n"
	"  app add       create a partner app (client credentials) with a role\n"
	"  seed          fill a store with generated partners and customers (benchmarks)\n"
	"  migrate-store copy every table of one store into a new PostgreSQL store, verified\n"
	"  permissions   print which roles may call each route (--markdown for the docs)\n"
	"  help          show this help; `partnerd <command> --help` for a command's own\n";

static const char usage_serve[] =
	"usage: partnerd serve [options]\n"
	"\n"
	"  --listen ADDR:PORT     where to listen (PARTNERD_LISTEN; default " DEFAULT_LISTEN ")\n"
	"  --db URL               store, sqlite:PATH or postgresql://USER@HOST:PORT/DB (PARTNERD_DB;\n"
	"                         default " DEFAULT_DB ")\n"
	"  --db-pool N            PostgreSQL connections of this process, 2-256 (PARTNERD_DB_POOL;\n"
	"                         default 8); every event loop and the writer share them\n"
	"  --domain-suffix S      suffix of customers' default domains (PARTNERD_DOMAIN_SUFFIX;\n"
	"                         default " PD_DEFAULT_DOMAIN_SUFFIX ", onmicrosoft.com for the global cloud)\n"
	"  --sandbox              allow DELETE /v1/customers/{id} (PARTNERD_SANDBOX=1)\n"
	"  --loops N              event loops (PARTNERD_LOOPS; default one per core)\n"
	"  --token-ttl SECONDS    lifetime of bearer tokens (PARTNERD_TOKEN_TTL; default 3600)\n"
	"  --rate-limit N         requests per second per partner, bursts of 2N; 0 = no limit\n"
	"                         (PARTNERD_RATE_LIMIT; default 2000)\n"
	"  --no-access-log        do not write one line per request to stderr (PARTNERD_ACCESS_LOG=0)\n"
	"  --read-timeout SECONDS a request must arrive whole within this time; idle connections\n"
	"                         close after it (PARTNERD_READ_TIMEOUT; default 30)\n"
	"  --catalog FILE         the offer catalog, JSON like data/catalog.json (PARTNERD_CATALOG;\n"
	"                         default: the catalog built into partnerd)\n"
	"  --public-url URL       base of links for people, e.g. invitations (PARTNERD_PUBLIC_URL;\n"
	"                         default: from the request's Host header)\n"
	"  --admin-email EMAIL    the first admin's e-mail when the store is new\n"
	"                         (PARTNERD_ADMIN_EMAIL; default " DEFAULT_ADMIN ")\n"
	"  -h, --help             this help\n"
	"\n"
	"On the first start with an empty store, partnerd creates one partner and its global admin\n"
	"and prints the admin's password once.  SIGTERM or SIGINT stop it cleanly.\n";

static const char usage_partner_add[] =
	"usage: partnerd partner add --name NAME --admin-email EMAIL [--db URL] [--json]\n"
	"\n"
	"Creates a partner and its first global admin and prints the admin's one-time password\n"
	"(with --json: {\"partnerId\", \"userName\", \"password\"}).\n"
	"  --db URL    store (PARTNERD_DB; default " DEFAULT_DB ")\n";

static const char usage_app_add[] =
	"usage: partnerd app add --partner-id ID --name NAME --role ROLE[,ROLE...] [--db URL] [--json]\n"
	"\n"
	"Creates a partner app (client credentials for grant_type=client_credentials) and prints\n"
	"its client id and its secret, shown once (with --json: {\"clientId\", \"clientSecret\"}).\n"
	"Roles: global_admin, admin_agent, sales_agent, helpdesk_agent, billing_admin,\n"
	"user_management_admin.\n"
	"  --db URL    store (PARTNERD_DB; default " DEFAULT_DB ")\n";

static const char usage_seed[] =
	"usage: partnerd seed --partners P --customers N [--seed S] [--db URL] [--domain-suffix S] [--json]\n"
	"\n"
	"Fills a store with P partners (each with a global admin) and N generated customers\n"
	"(Chinese and English company names, addresses across China's provinces, about 10% in\n"
	"Germany and 10% in the US), written through the store in transactions of 10,000 rows.\n"
	"The first partner gets half of the customers (all with one partner), the others share the\n"
	"rest.  Progress goes to stderr; the summary to stdout, with --json as {\"partners\",\n"
	"\"customers\", \"seconds\", \"rowsPerSecond\", \"admins\": [{\"partnerId\", \"userName\",\n"
	"\"password\", \"customers\"}]} (the admins' passwords are shown only there).\n"
	"  --db URL             store (PARTNERD_DB; default " DEFAULT_DB ")\n"
	"  --seed S             names and addresses are the same for the same S (default 1); a store\n"
	"                       can be seeded again with another S\n"
	"  --domain-suffix S    suffix of the customers' domains (default " PD_DEFAULT_DOMAIN_SUFFIX ")\n";

static const char usage_migrate[] =
	"usage: partnerd migrate-store --from URL --to URL [--json]\n"
	"\n"
	"Copies every table of the store --from (sqlite:PATH or postgresql://...) into the new,\n"
	"empty PostgreSQL store --to (migrated first), in one transaction: all rows or none.  Then\n"
	"reads both back and compares, per table, the row count and a BLAKE2b-256 checksum of the\n"
	"rows in key order; prints them (with --json: [{\"table\", \"rows\", \"checksum\",\n"
	"\"match\"}]).  Stop the servers on --from first.  Exit 0 when every table matches.\n";

static const char usage_permissions[] =
	"usage: partnerd permissions [--markdown]\n"
	"\n"
	"Prints, for every route, the permission it needs and the roles that hold it: the one\n"
	"permission table of the code (docs/permissions.md is generated from it).\n";

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && *v ? v : dflt;
}

static bool env_flag(const char *name)
{
	const char *v = getenv(name);
	return v && (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes"));
}

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

static int partner_add(int argc, char **argv)
{
	const char *db = env_or("PARTNERD_DB", DEFAULT_DB), *name = NULL, *email = NULL;
	bool as_json = false;
	static const struct option opts[] = {{"db", 1, 0, 'd'}, {"name", 1, 0, 'n'},
					     {"admin-email", 1, 0, 'e'}, {"json", 0, 0, 'j'},
					     {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'n': name = optarg; break;
		case 'e': email = optarg; break;
		case 'j': as_json = true; break;
		case 'h': fputs(usage_partner_add, stdout); return 0;
		default: fputs(usage_partner_add, stderr); return 2;
		}
	}
	if (!name || !email || optind < argc) {
		fputs(usage_partner_add, stderr);
		return 2;
	}
	struct store *st;
	struct pd_new_partner np;
	char err[300];
	if (open_store(db, &st))
		return 1;
	enum pd_err e = pd_partner_create(st, name, email, &np, err, sizeof err);
	st->ops->close(st);
	if (e != PD_OK) {
		fprintf(stderr, "partnerd: %s\n", err);
		return 1;
	}
	if (as_json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "partnerId", np.partner_id, "userId", np.user_id,
				      "userName", email, "password", np.password);
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else {
		printf("partner %s created\nuser name: %s\npassword:  %s  (shown once)\n", np.partner_id, email, np.password);
	}
	return 0;
}

/* ---- app add ---- */

static int app_add(int argc, char **argv)
{
	const char *db = env_or("PARTNERD_DB", DEFAULT_DB), *partner = NULL, *name = NULL, *roles = NULL;
	bool as_json = false;
	static const struct option opts[] = {{"db", 1, 0, 'd'}, {"partner-id", 1, 0, 'p'},
					     {"name", 1, 0, 'n'}, {"role", 1, 0, 'r'},
					     {"json", 0, 0, 'j'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'p': partner = optarg; break;
		case 'n': name = optarg; break;
		case 'r': roles = optarg; break;
		case 'j': as_json = true; break;
		case 'h': fputs(usage_app_add, stdout); return 0;
		default: fputs(usage_app_add, stderr); return 2;
		}
	}
	if (!partner || !name || !roles || optind < argc) {
		fputs(usage_app_add, stderr);
		return 2;
	}
	struct store *st;
	char id[37], secret[PD_TOKEN_CHARS + 1], err[300];
	if (open_store(db, &st))
		return 1;
	enum pd_err e = pd_app_create(st, partner, name, roles, id, secret, err, sizeof err);
	st->ops->close(st);
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

/* ---- seed ---- */

static int seed(int argc, char **argv)
{
	const char *db = env_or("PARTNERD_DB", DEFAULT_DB), *suffix = PD_DEFAULT_DOMAIN_SUFFIX;
	long partners = -1;
	long long customers = -1;
	unsigned long long seed_value = 1;
	bool as_json = false;
	char *end = NULL;
	static const struct option opts[] = {{"db", 1, 0, 'd'}, {"partners", 1, 0, 'p'},
					     {"customers", 1, 0, 'c'}, {"seed", 1, 0, 's'},
					     {"domain-suffix", 1, 0, 'x'}, {"json", 0, 0, 'j'},
					     {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'p': partners = strtol(optarg, &end, 10); break;
		case 'c': customers = strtoll(optarg, &end, 10); break;
		case 's': seed_value = strtoull(optarg, &end, 10); break;
		case 'x': suffix = optarg; break;
		case 'j': as_json = true; break;
		case 'h': fputs(usage_seed, stdout); return 0;
		default: fputs(usage_seed, stderr); return 2;
		}
		if (end && *end) {
			fputs(usage_seed, stderr);
			return 2;
		}
		end = NULL;
	}
	if (partners < 1 || customers < 0 || optind < argc) {
		fputs(usage_seed, stderr);
		return 2;
	}
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

static int permissions(int argc, char **argv)
{
	bool md = argc > 1 && !strcmp(argv[1], "--markdown");
	if (argc > 1 && !md) {
		bool help = !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h");
		fputs(usage_permissions, help ? stdout : stderr);
		return help ? 0 : 2;
	}
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

struct serve_opts {
	struct pd_config cfg;
	const char *admin_email, *catalog;
	int db_pool;
};

static void serve_defaults(struct serve_opts *o)
{
	o->cfg = (struct pd_config){
		.listen = env_or("PARTNERD_LISTEN", DEFAULT_LISTEN),
		.db = env_or("PARTNERD_DB", DEFAULT_DB),
		.domain_suffix = env_or("PARTNERD_DOMAIN_SUFFIX", PD_DEFAULT_DOMAIN_SUFFIX),
		.sandbox = env_flag("PARTNERD_SANDBOX"),
		.access_log = strcmp(env_or("PARTNERD_ACCESS_LOG", "1"), "0") != 0,
		.loops = atoi(env_or("PARTNERD_LOOPS", "0")),
		.token_ttl = atoi(env_or("PARTNERD_TOKEN_TTL", "3600")),
		.rate_limit = atoi(env_or("PARTNERD_RATE_LIMIT", "2000")),
		.max_body = 1u << 20,
		.read_timeout = atoi(env_or("PARTNERD_READ_TIMEOUT", "30")),
	};
	o->admin_email = env_or("PARTNERD_ADMIN_EMAIL", DEFAULT_ADMIN);
	o->db_pool = atoi(env_or("PARTNERD_DB_POOL", "8"));
	o->catalog = env_or("PARTNERD_CATALOG", NULL);
	o->cfg.public_url = env_or("PARTNERD_PUBLIC_URL", NULL);
}

static int serve_args(int argc, char **argv, struct serve_opts *o)
{
	static const struct option opts[] = {
		{"listen", 1, 0, 'l'}, {"db", 1, 0, 'd'}, {"domain-suffix", 1, 0, 's'},
		{"sandbox", 0, 0, 'S'}, {"loops", 1, 0, 'L'}, {"token-ttl", 1, 0, 't'},
		{"no-access-log", 0, 0, 'q'}, {"admin-email", 1, 0, 'a'}, {"rate-limit", 1, 0, 'r'},
		{"catalog", 1, 0, 'c'}, {"public-url", 1, 0, 'u'}, {"db-pool", 1, 0, 'P'},
		{"read-timeout", 1, 0, 'T'}, {"max-connections", 1, 0, 'M'},
		{"help", 0, 0, 'h'},
		{0, 0, 0, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': o->cfg.listen = optarg; break;
		case 'd': o->cfg.db = optarg; break;
		case 's': o->cfg.domain_suffix = optarg; break;
		case 'S': o->cfg.sandbox = true; break;
		case 'L': o->cfg.loops = atoi(optarg); break;
		case 't': o->cfg.token_ttl = atoi(optarg); break;
		case 'q': o->cfg.access_log = false; break;
		case 'a': o->admin_email = optarg; break;
		case 'r': o->cfg.rate_limit = atoi(optarg); break;
		case 'c': o->catalog = optarg; break;
		case 'u': o->cfg.public_url = optarg; break;
		case 'P': o->db_pool = atoi(optarg); break;
		case 'T': o->cfg.read_timeout = atoi(optarg); break;
		case 'M': o->cfg.max_connections = atoi(optarg); break;
		case 'h': fputs(usage_serve, stdout); return 0;
		default: fputs(usage_serve, stderr); return 2;
		}
	}
	if (optind < argc || o->cfg.token_ttl < 60 || o->cfg.loops < 0 || o->cfg.loops > 64 ||
	    o->cfg.rate_limit < 0 || o->db_pool < 2 || o->db_pool > 256 || o->cfg.read_timeout < 1 ||
	    o->cfg.read_timeout > 3600) {
		fputs(usage_serve, stderr);
		return 2;
	}
	return -1;
}

/* First start on an empty store: one partner and its global admin, password shown once. */
static int bootstrap(struct store *st, const struct serve_opts *o)
{
	long long n = 0;
	struct pd_new_partner np;
	char err[300];
	if (st->ops->partner_count(st, &n) != PD_OK)
		return 1;
	if (n > 0)
		return 0;
	if (pd_partner_create(st, "My partner", o->admin_email, &np, err, sizeof err) != PD_OK) {
		fprintf(stderr, "partnerd: first start: %s\n", err);
		return 1;
	}
	printf("partnerd: first start: created a partner and its global admin\n"
	       "  portal:    http://%s/\n  user name: %s\n  password:  %s\n"
	       "  (the password is shown this once; it is stored only as a hash)\n",
	       o->cfg.listen, o->admin_email, np.password);
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

static int serve(int argc, char **argv)
{
	struct serve_opts o;
	struct store *st;
	unsigned char key[PD_KEY_LEN];
	keep_freed_memory();
	serve_defaults(&o);
	int rc = serve_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	struct pd_catalog *catalog = load_catalog(o.catalog);
	if (!catalog)
		return 1;
	o.cfg.catalog = catalog;
	o.cfg.db_pool = o.db_pool;
	store_set_pool_size(o.db_pool);
	if (open_store(o.cfg.db, &st)) {
		pd_catalog_free(catalog);
		return 1;
	}
	if (bootstrap(st, &o) != 0 || store_secret_key(st, key) != PD_OK) {
		fprintf(stderr, "partnerd: cannot prepare the store %s\n", o.cfg.db);
		st->ops->close(st);
		pd_catalog_free(catalog);
		return 1;
	}
	rc = pd_server_run(&o.cfg, pd_routes, st, key);
	pd_catalog_free(catalog);
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

static int migrate_store(int argc, char **argv)
{
	const char *from = NULL, *to = NULL;
	bool as_json = false;
	static const struct option opts[] = {{"from", 1, 0, 'f'}, {"to", 1, 0, 't'}, {"json", 0, 0, 'j'},
					     {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'j': as_json = true; break;
		case 'h': fputs(usage_migrate, stdout); return 0;
		default: fputs(usage_migrate, stderr); return 2;
		}
	}
	if (!from || !to || optind < argc) {
		fputs(usage_migrate, stderr);
		return 2;
	}
	struct store *a, *b;
	char err[512] = "";
	if (open_store(from, &a))
		return 1;
	if (open_store(to, &b)) {
		a->ops->close(a);
		return 1;
	}
	json_t *list = as_json ? json_array() : NULL;
	if (!as_json)
		printf("%-16s %9s  %-64s  %s\n", "table", "rows", "checksum (BLAKE2b-256 of the rows in key order)", "");
	enum pd_err e = store_copy(a, b, print_table, list, err, sizeof err);
	a->ops->close(a);
	b->ops->close(b);
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
	const char *cmd = argc > 1 ? argv[1] : "help";
	if (!strcmp(cmd, "serve"))
		return serve(argc - 1, argv + 1);
	if (!strcmp(cmd, "partner") && argc > 2 && !strcmp(argv[2], "add"))
		return partner_add(argc - 2, argv + 2);
	if (!strcmp(cmd, "app") && argc > 2 && !strcmp(argv[2], "add"))
		return app_add(argc - 2, argv + 2);
	if (!strcmp(cmd, "app")) {
		bool help = argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"));
		fputs(usage_app_add, help ? stdout : stderr);
		return help ? 0 : 2;
	}
	if (!strcmp(cmd, "seed"))
		return seed(argc - 1, argv + 1);
	if (!strcmp(cmd, "migrate-store"))
		return migrate_store(argc - 1, argv + 1);
	if (!strcmp(cmd, "permissions"))
		return permissions(argc - 1, argv + 1);
	if (!strcmp(cmd, "partner")) {
		bool help = argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"));
		fputs(usage_partner_add, help ? stdout : stderr);
		return help ? 0 : 2;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(usage_main, stdout);
		return 0;
	}
	fprintf(stderr, "partnerd: unknown command '%s'\n\n%s", cmd, usage_main);
	return 2;
}
