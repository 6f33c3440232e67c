/* customers.c - list, search, show, add, update, check-domain and export.  Lists are read
 * page by page (continuation tokens) and handed to a sink one customer at a time: a table
 * (kept until printed, for its column widths), or CSV and JSON written as they come, so
 * export and --csv/--json lists run in constant memory however many customers there are. */
#include "customers.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "api.h"
#include "cli.h"
#include "csv.h"
#include "domain.h"
#include "ids.h"
#include "output.h"

#define PAGE_MAX 500

/* ---- reading lists ---- */

enum sink_mode { SINK_TABLE, SINK_CSV, SINK_JSON };

struct sink {
	enum sink_mode mode;
	FILE *f;
	struct cli_table *table;
	long n;
};

static const int table_cols[] = {CLI_COL_ID, CLI_COL_DOMAIN, CLI_COL_COMPANY, CLI_COL_EMAIL, CLI_COL_COUNTRY};
#define NTABLE (sizeof table_cols / sizeof table_cols[0])

static void csv_header(FILE *f)
{
	const char *names[CLI_NCOLUMNS];
	for (int i = 0; i < CLI_NCOLUMNS; i++)
		names[i] = cli_columns[i].name;
	cli_csv_write(f, names, CLI_NCOLUMNS);
}

static void sink_open(struct sink *s, enum sink_mode mode, FILE *f)
{
	const char *heads[NTABLE];
	*s = (struct sink){mode, f, NULL, 0};
	for (size_t i = 0; i < NTABLE; i++)
		heads[i] = cli_columns[table_cols[i]].name;
	if (mode == SINK_TABLE)
		s->table = cli_table_new(NTABLE, heads);
	else if (mode == SINK_CSV)
		csv_header(f);
	else
		fputc('[', f);
}

static void sink_add(struct sink *s, json_t *customer)
{
	const char *row[CLI_NCOLUMNS], *cells[NTABLE];
	cli_row_from_customer(customer, row);
	if (s->mode == SINK_TABLE) {
		for (size_t i = 0; i < NTABLE; i++)
			cells[i] = row[table_cols[i]];
		cli_table_add(s->table, cells);
	} else if (s->mode == SINK_CSV) {
		cli_csv_write(s->f, row, CLI_NCOLUMNS);
	} else {
		fputs(s->n ? ",\n" : "\n", s->f);
		json_dumpf(customer, s->f, JSON_INDENT(2));
	}
	s->n++;
}

static void sink_close(struct sink *s)
{
	if (s->mode == SINK_TABLE && s->n)
		cli_table_print(s->table, s->f);
	else if (s->mode == SINK_TABLE)
		fputs("(no customers)\n", s->f);
	else if (s->mode == SINK_JSON)
		fputs(s->n ? "\n]\n" : "]\n", s->f);
	cli_table_free(s->table);
	fflush(s->f);
}

/* One page: GET /v1/customers with the filter (first page) or the token (next pages). */
static int fetch_page(struct cli_http *h, const char *filter, int size, const char *token, json_t **page)
{
	char path[4096];
	char *enc = filter && !token ? cli_http_encode(filter) : NULL;
	snprintf(path, sizeof path, "/v1/customers?size=%d%s%s%s", size, token ? "&seekOperation=Next" : "",
		 enc ? "&filter=" : "", enc ? enc : "");
	free(enc);
	struct cli_call c = {.method = EVHTTP_REQ_GET, .path = path};
	if (token)
		c.headers[0][0] = "MS-ContinuationToken", c.headers[0][1] = token;
	return cli_api_call(h, &c, page, NULL);
}

/* Every customer of the list (limit 0: all), page by page, into the sink; *more when it
 * stopped at the limit with customers left (may be NULL). */
static int each_customer(struct cli_http *h, const char *filter, long limit, struct sink *s, bool *more)
{
	char *token = NULL;
	int rc;
	do {
		json_t *page, *item;
		size_t i;
		long want = limit ? limit - s->n : PAGE_MAX;
		rc = fetch_page(h, filter, want < PAGE_MAX ? (int)want : PAGE_MAX, token, &page);
		free(token);
		token = NULL;
		if (rc != CLI_OK)
			break;
		json_array_foreach(json_object_get(page, "items"), i, item) {
			if (!limit || s->n < limit)
				sink_add(s, item);
		}
		const char *next = json_string_value(json_object_get(page, "continuationToken"));
		token = next ? strdup(next) : NULL;
		json_decref(page);
	} while (token && (!limit || s->n < limit));
	if (more)
		*more = token != NULL;
	free(token);
	return rc;
}

/* TEXT with --by and --match as the API's filter JSON; NULL without TEXT.  *rc on errors. */
static char *filter_json(const struct cli_args *a, const char *text, int *rc)
{
	*rc = CLI_OK;
	if (!text)
		return NULL;
	const char *by = cli_arg(a, "by"), *match = cli_arg(a, "match");
	bool reseller = by && !strcasecmp(by, "indirectReseller"); /* TEXT: the reseller's id */
	if (by && strcasecmp(by, "companyName") && strcasecmp(by, "domain") && !reseller)
		*rc = cli_fail(CLI_USAGE, "--by must be companyName, domain or indirectReseller");
	else if (match && strcasecmp(match, "starts_with") && strcasecmp(match, "substring"))
		*rc = cli_fail(CLI_USAGE, "--match must be starts_with or substring");
	if (*rc != CLI_OK)
		return NULL;
	const char *field = reseller ? "IndirectReseller" : by && !strcasecmp(by, "domain") ? "Domain" : "CompanyName";
	json_t *f = json_pack("{s:s, s:s, s:s}", "Field", field,
			      "Value", text, "Operator", match ? match : "starts_with");
	char *s = f ? json_dumps(f, JSON_COMPACT) : NULL;
	json_decref(f);
	if (!s)
		*rc = cli_fail(CLI_USAGE, "the search text is not valid UTF-8");
	return s;
}

static int list_run(const struct cli_args *a, const char *text)
{
	bool json, csv;
	long limit;
	int rc = cli_args_format(a, &json, &csv);
	if (rc == CLI_OK)
		rc = cli_arg_long(a, "limit", 0, 1000000000L, 100, &limit);
	char *filter = rc == CLI_OK ? filter_json(a, text, &rc) : NULL;
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	if (rc == CLI_OK)
		rc = cli_api_open(&s, &h);
	if (rc == CLI_OK) {
		struct sink sk;
		sink_open(&sk, json ? SINK_JSON : csv ? SINK_CSV : SINK_TABLE, stdout);
		bool more = false;
		rc = each_customer(h, filter, limit, &sk, &more);
		sink_close(&sk);
		if (rc == CLI_OK && more) /* a cut list says so */
			fprintf(stderr, "partnerctl: the first %ld customers are shown; --limit N shows more,"
				" --limit 0 all\n", limit);
	}
	cli_api_close(&s, h);
	free(filter);
	return rc;
}

int cli_cmd_list(const struct cli_args *a)
{
	return list_run(a, NULL);
}

int cli_cmd_search(const struct cli_args *a)
{
	return list_run(a, a->pos[0]);
}

/* Writes every customer that matches filter to f as CSV; *n gets how many. */
static int export_to(FILE *f, const char *filter, long *n)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	struct sink sk;
	int rc = cli_api_open(&s, &h);
	if (rc == CLI_OK) {
		sink_open(&sk, SINK_CSV, f);
		rc = each_customer(h, filter, 0, &sk, NULL);
		sink_close(&sk);
		*n = sk.n;
	}
	cli_api_close(&s, h);
	return rc;
}

int cli_cmd_export(const struct cli_args *a)
{
	const char *out = cli_arg(a, "output");
	long n = 0;
	int rc;
	char *filter = filter_json(a, cli_arg(a, "filter"), &rc);
	FILE *f = rc != CLI_OK ? NULL : out ? fopen(out, "w") : stdout;
	if (rc == CLI_OK && !f)
		rc = cli_fail(CLI_ERROR, "cannot write %s", out);
	if (rc == CLI_OK)
		rc = export_to(f, filter, &n);
	bool failed = f && (ferror(f) | (f == stdout ? fflush(f) : fclose(f)));
	if (rc == CLI_OK && failed)
		rc = cli_fail(CLI_ERROR, "writing %s failed", out ? out : "the output");
	else if (rc == CLI_OK)
		fprintf(stderr, "partnerctl: exported %ld customers\n", n);
	free(filter);
	return rc;
}

/* ---- one customer ---- */

/* The customer id an operand names: an id as it is, a domain (or its prefix) looked up. */
int cli_customer_resolve(struct cli_http *h, const char *operand, char id[PD_UUID_LEN + 1])
{
	char key[CLI_DOMAIN_MAX];
	if (pd_uuid_parse(operand, id))
		return CLI_OK;
	if (!cli_domain_key(operand, cli_domain_suffix(), key))
		return cli_fail(CLI_USAGE, "'%s' is neither a customer id nor a domain", operand);
	json_t *f = json_pack("{s:s, s:s, s:s}", "Field", "Domain", "Value", key, "Operator", "starts_with"), *page, *item;
	char *filter = json_dumps(f, JSON_COMPACT);
	size_t i;
	int rc = fetch_page(h, filter, 10, NULL, &page);
	json_decref(f);
	free(filter);
	if (rc != CLI_OK)
		return rc;
	bool found = false;
	json_array_foreach(json_object_get(page, "items"), i, item) {
		const char *d = cli_json_get_path(item, "companyProfile.domain");
		const char *cid = json_string_value(json_object_get(item, "id"));
		if (!found && d && cid && !strcasecmp(d, key))
			found = pd_uuid_parse(cid, id);
	}
	json_decref(page);
	return found ? CLI_OK : cli_fail(CLI_NOTFOUND, "no customer has the domain %s", key);
}

static void show_customer(json_t *c)
{
	const char *row[CLI_NCOLUMNS], *names[CLI_NCOLUMNS + 2], *values[CLI_NCOLUMNS + 2];
	cli_row_from_customer(c, row);
	for (int i = 0; i < CLI_NCOLUMNS; i++)
		names[i] = cli_columns[i].name, values[i] = row[i];
	names[CLI_NCOLUMNS] = "relationship";
	values[CLI_NCOLUMNS] = json_string_value(json_object_get(c, "relationshipToPartner"));
	names[CLI_NCOLUMNS + 1] = "etag";
	values[CLI_NCOLUMNS + 1] = cli_json_get_path(c, "billingProfile.attributes.etag");
	cli_print_pairs(stdout, names, values, CLI_NCOLUMNS + 2);
}

int cli_cmd_show(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	char id[PD_UUID_LEN + 1], path[128];
	json_t *c = NULL;
	int rc = cli_api_open(&s, &h);
	if (rc == CLI_OK)
		rc = cli_customer_resolve(h, a->pos[0], id);
	if (rc == CLI_OK) {
		snprintf(path, sizeof path, "/v1/customers/%s", id);
		rc = cli_api_call(h, &(struct cli_call){.method = EVHTTP_REQ_GET, .path = path}, &c, NULL);
	}
	if (rc == CLI_OK && cli_flag(a, "json"))
		cli_print_json(c, stdout);
	else if (rc == CLI_OK)
		show_customer(c);
	json_decref(c);
	cli_api_close(&s, h);
	return rc;
}

/* ---- add and update ---- */

/* The JSON object in --file, or a new empty object; NULL after a message. */
static json_t *load_body(const struct cli_args *a)
{
	const char *file = cli_arg(a, "file");
	json_error_t err;
	if (!file)
		return json_object();
	json_t *j = !strcmp(file, "-") ? json_loadf(stdin, 0, &err) : json_load_file(file, 0, &err);
	if (!json_is_object(j)) {
		cli_fail(CLI_USAGE, "%s: %s", file, j ? "not a JSON object" : err.text);
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Sets each column flag given; `strip` is the path prefix to drop ("billingProfile."). */
static void apply_flags(const struct cli_args *a, json_t *body, const char *strip)
{
	size_t n = strlen(strip);
	for (int i = 0; i < CLI_NCOLUMNS; i++) {
		const struct cli_column *c = &cli_columns[i];
		if (!a->col[i])
			continue;
		cli_column_set(body, i, c->path + (strncmp(c->path, strip, n) ? 0 : n), a->col[i]);
		if (c->path2)
			cli_json_set_path(body, c->path2 + (strncmp(c->path2, strip, n) ? 0 : n), a->col[i]);
	}
}

static void print_created(json_t *c, bool replayed)
{
	const char *id = json_string_value(json_object_get(c, "id"));
	const char *domain = cli_json_get_path(c, "companyProfile.domain");
	const char *user = cli_json_get_path(c, "userCredentials.userName");
	const char *pw = cli_json_get_path(c, "userCredentials.password");
	printf("%s customer %s (%s)\n", replayed ? "Already created: " : "Created", id, domain);
	printf("admin user: %s\n", user ? user : "-");
	if (pw)
		printf("password:   %s  (shown once: keep it now)\n", pw);
	else
		printf("password:   not shown again (it was shown when the customer was created)\n");
}

int cli_cmd_add(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	struct cli_resp r = {0};
	json_t *body = load_body(a), *c = NULL;
	int rc = body ? CLI_OK : CLI_USAGE;
	if (rc == CLI_OK && !a->any_col && !cli_arg(a, "file"))
		rc = cli_fail(CLI_USAGE, "customers add: give the customer's fields as flags or --file JSON");
	if (rc == CLI_OK)
		rc = cli_api_open(&s, &h);
	if (rc == CLI_OK) {
		apply_flags(a, body, "");
		struct cli_call call = {.method = EVHTTP_REQ_POST, .path = "/v1/customers", .body = body};
		if (cli_arg(a, "request-id"))
			call.headers[0][0] = "MS-RequestId", call.headers[0][1] = cli_arg(a, "request-id");
		rc = cli_api_call(h, &call, &c, &r);
	}
	cli_api_close(&s, h);
	if (rc == CLI_OK && cli_flag(a, "json"))
		cli_print_json(c, stdout);
	else if (rc == CLI_OK)
		print_created(c, cli_resp_header(&r, "Idempotent-Replayed") != NULL);
	cli_resp_clear(&r);
	json_decref(c);
	json_decref(body);
	return rc;
}

/* One read-modify-write of the billing profile; `etag` overrides the one read. */
static int update_once(const struct cli_args *a, struct cli_http *h, const char *path, const char *etag,
		       bool last, json_t **out)
{
	json_t *body = NULL, *file = load_body(a);
	int rc = file ? cli_api_call(h, &(struct cli_call){.method = EVHTTP_REQ_GET, .path = path}, &body, NULL)
		      : CLI_USAGE;
	if (rc == CLI_OK) {
		const char *k;
		json_t *v;
		json_object_foreach(file, k, v) {
			json_object_set(body, k, v);
		}
		apply_flags(a, body, "billingProfile.");
		const char *read = cli_json_get_path(body, "attributes.etag");
		char quoted[128];
		snprintf(quoted, sizeof quoted, "\"%s\"", etag ? etag : read ? read : "");
		struct cli_call put = {.method = EVHTTP_REQ_PUT, .path = path, .body = body,
				       .headers = {{"If-Match", quoted}}, .expect = last ? 0 : 412};
		rc = cli_api_call(h, &put, out, NULL);
	}
	json_decref(file);
	json_decref(body);
	return rc;
}

int cli_cmd_update(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	char id[PD_UUID_LEN + 1], path[128];
	json_t *done = NULL;
	long retries;
	int rc = cli_arg_long(a, "retries", 0, 100, 0, &retries);
	if (rc == CLI_OK && !a->any_col && !cli_arg(a, "file"))
		rc = cli_fail(CLI_USAGE, "customers update: give the fields to change as flags or --file JSON");
	if (rc == CLI_OK)
		rc = cli_api_open(&s, &h);
	if (rc == CLI_OK && (rc = cli_customer_resolve(h, a->pos[0], id)) == CLI_OK) {
		snprintf(path, sizeof path, "/v1/customers/%s/profiles/billing", id);
		for (long i = 0; i <= retries; i++) {
			rc = update_once(a, h, path, i == 0 ? cli_arg(a, "if-match") : NULL, i == retries, &done);
			if (rc != CLI_CONFLICT || i == retries)
				break;
			fprintf(stderr, "partnerctl: the billing profile changed meanwhile; reading it again (%ld of %ld)\n",
				i + 1, retries);
		}
	}
	if (rc == CLI_OK && cli_flag(a, "json"))
		cli_print_json(done, stdout);
	else if (rc == CLI_OK)
		printf("Updated the billing profile of %s (etag %s)\n", id, cli_json_get_path(done, "attributes.etag"));
	json_decref(done);
	cli_api_close(&s, h);
	return rc;
}

/* ---- domains ---- */

int cli_cmd_check_domain(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	char key[CLI_DOMAIN_MAX], path[CLI_DOMAIN_MAX + 16];
	const char *d = a->pos[0];
	if (strchr(d, '.') ? snprintf(key, sizeof key, "%s", d) >= (int)sizeof key || !pd_domain_syntax_ok(key)
			   : !cli_domain_key(d, cli_domain_suffix(), key))
		return cli_fail(CLI_USAGE, "'%s' is not a domain name", d);
	int rc = cli_api_open(&s, &h);
	if (rc == CLI_OK) {
		snprintf(path, sizeof path, "/v1/domains/%s", key);
		rc = cli_api_call(h, &(struct cli_call){.method = EVHTTP_REQ_HEAD, .path = path, .expect = 404}, NULL, NULL);
	}
	cli_api_close(&s, h);
	if (rc != CLI_OK && rc != CLI_NOTFOUND)
		return rc;
	bool available = rc == CLI_NOTFOUND;
	if (cli_flag(a, "json"))
		printf("{\"domain\": \"%s\", \"available\": %s}\n", key, available ? "true" : "false");
	else
		printf("%s is %s\n", key, available ? "available" : "taken");
	return available ? CLI_OK : CLI_CONFLICT;
}
