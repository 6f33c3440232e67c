/* import.c - `customers import`.  Pass 1 streams the file once, checks every row
 * (columns.c: the server's rules) and remembers only a bit per invalid row and each domain's
 * first row (to catch duplicates).  --check then sends each valid row to the server as
 * POST /v1/customers?validateOnly=true (a domain taken, --require-uscc: what only the server
 * knows) and imports nothing.  Pass 2 streams it again on the event loop: every
 * connection takes the next row to do as soon as its previous request is answered, so at
 * most --concurrency creates are in flight.  A row is done when the server has answered it
 * for good (created, replayed, rejected); done rows go to the journal after the credentials
 * file, so a password is never lost by an interruption the journal survives.  A 429 waits
 * for its Retry-After and tries again, however often; no answer or a 5xx is retried with the
 * same MS-RequestId up to MAX_ATTEMPTS times; 401/403 stop the run. */
#include "import.h"
#include <event2/event.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "api.h"
#include "cli.h"
#include "csv.h"
#include "journal.h"
#include "output.h"
#include "progress.h"
#include "search.h"

#define MAX_FILE_COLS 64
#define MAX_ATTEMPTS 6

struct import;

struct slot {
	struct import *im;
	struct cli_conn *conn;
	long row;
	int attempts;
	char key[CLI_DOMAIN_MAX];
	char reqid[40];
	char *body;
	char **fields; /* a copy of the row, for the rejects file */
	size_t nfields;
};

struct import {
	const char *path;
	char journal[PATH_MAX], creds_path[PATH_MAX], rejects_path[PATH_MAX];
	bool skip_invalid, dry_run, check, json, quiet;
	long concurrency;
	enum pd_locale loc;
	FILE *in;
	struct cli_csv *csv;
	int colmap[MAX_FILE_COLS]; /* file column -> enum cli_col, -1 when ignored */
	char *header[MAX_FILE_COLS + 1];
	size_t ncols;
	json_t *seen;        /* domain key -> the first row that has it */
	json_t *names;       /* normalised company name (search.h) -> the first row that has it */
	bool confirm_dups;   /* --confirm-duplicates */
	unsigned char *bad;  /* a bit per row number: invalid */
	size_t bad_bytes;
	long rows, invalid;
	struct cli_session s;
	struct cli_http *h;
	struct cli_journal *j;
	FILE *rejects, *creds;
	struct slot *slots;
	struct event *tick, *sigint, *sigterm;
	long inflight, created, existed, rejected, skipped, before, rejected_before;
	bool eof, stop, interrupted;
	int fatal;
	struct cli_progress prog;
};

/* ---- the header and rows ---- */

static int map_header(struct import *im, char **f, size_t n)
{
	char unknown[512] = "";
	if (n > MAX_FILE_COLS)
		return cli_fail(CLI_USAGE, "%s: more than %d columns", im->path, MAX_FILE_COLS);
	im->ncols = n;
	for (size_t i = 0; i < n; i++) {
		int c = cli_column_find(f[i]);
		for (size_t k = 0; c >= 0 && k < i; k++)
			if (!strcmp(im->header[k], f[i]))
				return cli_fail(CLI_USAGE, "%s: the column %s appears twice", im->path, f[i]);
		if (c < 0)
			snprintf(unknown + strlen(unknown), sizeof unknown - strlen(unknown), "%s%s", *unknown ? ", " : "", f[i]);
		im->colmap[i] = c == CLI_COL_ID ? -1 : c;
		im->header[i] = strdup(f[i]);
	}
	if (*unknown)
		return cli_fail(CLI_USAGE, "%s: unknown columns: %s (see 'partnerctl customers import --help')", im->path, unknown);
	for (size_t i = 0; i < n; i++)
		if (im->colmap[i] == CLI_COL_DOMAIN)
			return CLI_OK;
	return cli_fail(CLI_USAGE, "%s: the column domain is missing", im->path);
}

static int read_header(struct import *im)
{
	char **f;
	size_t n;
	int r = cli_csv_read(im->csv, &f, &n);
	if (r == 0)
		return cli_fail(CLI_USAGE, "%s is empty", im->path);
	if (r < 0)
		return cli_fail(CLI_USAGE, "%s: row 1: %s", im->path, cli_csv_error(im->csv));
	return map_header(im, f, n);
}

static void to_row(const struct import *im, char **f, const char *row[CLI_NCOLUMNS])
{
	memset(row, 0, sizeof(const char *) * CLI_NCOLUMNS);
	for (size_t i = 0; i < im->ncols; i++)
		if (im->colmap[i] >= 0)
			row[im->colmap[i]] = f[i];
}

/* Possible duplicates (issue 18): a row whose normalised company name (search.h pd_dup_key)
 * an earlier row has; the server answers a create of one like an existing customer with 409
 * PossibleDuplicate, which the rejects file reports.  --confirm-duplicates imports both. */
static size_t check_duplicate(struct import *im, const char *name, long rec, struct cli_row_err *errs,
			      size_t k, struct pd_arena *ar)
{
	const char *dup = !im->confirm_dups && name ? pd_dup_key(ar, name) : NULL;
	if (!dup || !*dup)
		return k;
	json_t *first = json_object_get(im->names, dup);
	if (!first) {
		json_object_set_new(im->names, dup, json_integer(rec));
	} else if (json_integer_value(first) != rec) {
		char msg[512];
		pd_msg_render(msg, sizeof msg, PD_MSG_DUPLICATE_ROW, im->loc, "companyName",
			      pd_printf(ar, "%lld", json_integer_value(first)));
		errs[k++] = (struct cli_row_err){CLI_COL_COMPANY, pd_strdup(ar, msg)};
	}
	return k;
}

/* Checks one record (r < 0: the CSV reader refused it); returns the number of errors. */
static size_t check_record(struct import *im, int r, char **f, size_t n, struct cli_row_err *errs,
			   struct pd_arena *ar)
{
	const char *row[CLI_NCOLUMNS];
	char key[CLI_DOMAIN_MAX];
	long rec = cli_csv_record(im->csv);
	if (r < 0 || n != im->ncols) {
		errs[0] = (struct cli_row_err){-1, r < 0 ? cli_csv_error(im->csv)
						 : pd_printf(ar, "the row has %zu fields, the header %zu", n, im->ncols)};
		return 1;
	}
	to_row(im, f, row);
	size_t k = cli_row_check(row, im->loc, errs, ar);
	if (k == CLI_ROW_ERR_MAX || !row[CLI_COL_DOMAIN] || !cli_domain_key(row[CLI_COL_DOMAIN], cli_domain_suffix(), key))
		return k;
	json_t *first = json_object_get(im->seen, key);
	if (!first)
		json_object_set_new(im->seen, key, json_integer(rec));
	else if (json_integer_value(first) != rec)
		errs[k++] = (struct cli_row_err){CLI_COL_DOMAIN, pd_printf(ar, "the domain %s is also in row %lld", key,
									    json_integer_value(first))};
	return k < CLI_ROW_ERR_MAX ? check_duplicate(im, row[CLI_COL_COMPANY], rec, errs, k, ar) : k;
}

static bool is_bad(const struct import *im, long rec)
{
	return (size_t)rec / 8 < im->bad_bytes && (im->bad[rec / 8] >> (rec % 8) & 1);
}

static int mark_bad(struct import *im, long rec)
{
	if ((size_t)rec / 8 >= im->bad_bytes) {
		size_t bytes = ((size_t)rec / 8 + 1) * 2;
		unsigned char *more = realloc(im->bad, bytes);
		if (!more)
			return -1;
		memset(more + im->bad_bytes, 0, bytes - im->bad_bytes);
		im->bad = more;
		im->bad_bytes = bytes;
	}
	im->bad[rec / 8] |= (unsigned char)(1u << (rec % 8));
	return 0;
}

/* "reason; reason" for the rejects file. */
static const char *reasons(const struct cli_row_err *errs, size_t k, struct pd_arena *ar)
{
	const char *s = "";
	for (size_t i = 0; i < k; i++)
		s = pd_printf(ar, "%s%s%s", s, i ? "; " : "", errs[i].message);
	return s;
}

/* ---- pass 1 ---- */

static int pass1(struct import *im)
{
	char **f = NULL;
	size_t n = 0;
	int r;
	struct cli_row_err errs[CLI_ROW_ERR_MAX + 1];
	while ((r = cli_csv_read(im->csv, &f, &n)) != 0) {
		long rec = cli_csv_record(im->csv);
		struct pd_arena *ar = pd_arena_new();
		size_t k = check_record(im, r, f, n, errs, ar);
		im->rows++;
		if (k && mark_bad(im, rec) != 0)
			return cli_fail(CLI_ERROR, "out of memory");
		im->invalid += k > 0;
		for (size_t i = 0; i < k; i++)
			fprintf(stderr, "%s: row %ld%s%s: %s\n", im->path, rec, errs[i].col >= 0 ? ", column " : "",
				errs[i].col >= 0 ? cli_columns[errs[i].col].name : "", errs[i].message);
		pd_arena_free(ar);
	}
	return CLI_OK;
}

/* ---- pass 2: output files ---- */

static void write_reject(struct import *im, char **f, size_t n, const char *reason)
{
	const char *out[MAX_FILE_COLS + 1];
	for (size_t i = 0; i < im->ncols; i++)
		out[i] = f && i < n ? f[i] : "";
	out[im->ncols] = reason;
	cli_csv_write(im->rejects, out, im->ncols + 1);
}

static int open_rejects(struct import *im)
{
	im->rejects = fopen(im->rejects_path, "w");
	if (!im->rejects)
		return cli_fail(CLI_ERROR, "cannot write %s", im->rejects_path);
	im->header[im->ncols] = "reason";
	cli_csv_write(im->rejects, (const char *const *)im->header, im->ncols + 1);
	im->header[im->ncols] = NULL;
	return CLI_OK;
}

/* Appends domain,userName,password and flushes; the file is created 0600. */
static int write_credentials(struct import *im, const char *domain, const char *user, const char *pw)
{
	if (!im->creds) {
		int fd = open(im->creds_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		struct stat st;
		if (fd < 0 || fchmod(fd, 0600) != 0 || fstat(fd, &st) != 0 || !(im->creds = fdopen(fd, "a"))) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
		if (st.st_size == 0)
			cli_csv_write(im->creds, (const char *[]){"domain", "userName", "password"}, 3);
	}
	cli_csv_write_verbatim(im->creds, (const char *[]){domain, user, pw}, 3); /* passwords exactly */
	return fflush(im->creds) == 0 ? 0 : -1;
}

/* ---- pass 2: the rows ---- */

static void feed(struct slot *sl);
static void post(struct slot *sl);

static void maybe_finish(struct import *im)
{
	if (im->inflight == 0 && (im->eof || im->stop))
		event_base_loopbreak(cli_http_base(im->h));
}

static void stop_run(struct import *im, int rc)
{
	if (!im->fatal && !im->interrupted)
		im->fatal = rc;
	im->stop = true;
}

static void release(struct slot *sl)
{
	free(sl->body);
	free(sl->fields);
	sl->body = NULL;
	sl->fields = NULL;
	sl->row = 0;
	sl->im->inflight--;
}

/* The deterministic MS-RequestId of a row: a UUID-shaped BLAKE2b of the server and the
 * domain, so every run of every import of that domain into that server sends the same one. */
static void request_id(const char *server, const char *key, char out[40])
{
	unsigned char d[16];
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, sizeof d);
	crypto_generichash_update(&st, (const unsigned char *)"partnerctl import\n", 18);
	crypto_generichash_update(&st, (const unsigned char *)server, strlen(server));
	crypto_generichash_update(&st, (const unsigned char *)"\n", 1);
	crypto_generichash_update(&st, (const unsigned char *)key, strlen(key));
	crypto_generichash_final(&st, d, sizeof d);
	d[6] = (unsigned char)((d[6] & 0x0f) | 0x80); /* version 8: custom */
	d[8] = (unsigned char)((d[8] & 0x3f) | 0x80);
	snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", d[0], d[1], d[2],
		 d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15]);
}

static char **copy_fields(char **f, size_t n)
{
	size_t bytes = n * sizeof(char *);
	for (size_t i = 0; i < n; i++)
		bytes += strlen(f[i]) + 1;
	char **out = malloc(bytes ? bytes : 1);
	if (!out)
		return NULL;
	char *p = (char *)(out + n);
	for (size_t i = 0; i < n; i++) {
		out[i] = strcpy(p, f[i]);
		p += strlen(p) + 1;
	}
	return out;
}

/* Starts the create of a valid row on this slot; -1 when out of memory. */
static int start_row(struct slot *sl, long rec, char **f, size_t n)
{
	struct import *im = sl->im;
	const char *row[CLI_NCOLUMNS];
	to_row(im, f, row);
	json_t *body = cli_row_to_body(row);
	if (im->confirm_dups)
		json_object_set_new(body, "confirmDuplicates", json_true());
	sl->body = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	sl->fields = copy_fields(f, n);
	sl->nfields = n;
	if (!sl->body || !sl->fields) {
		free(sl->body);
		free(sl->fields);
		sl->body = NULL, sl->fields = NULL;
		return -1;
	}
	cli_domain_key(row[CLI_COL_DOMAIN], cli_domain_suffix(), sl->key);
	request_id(cli_http_origin(im->h), sl->key, sl->reqid);
	sl->row = rec;
	sl->attempts = 0;
	im->inflight++;
	post(sl);
	return 0;
}

/* A row the journal says is done: counted, and a rejected one goes to the rejects file. */
static bool done_before(struct import *im, char **f, size_t n)
{
	const char *row[CLI_NCOLUMNS], *detail = NULL, *outcome;
	char key[CLI_DOMAIN_MAX];
	to_row(im, f, row);
	if (!cli_domain_key(row[CLI_COL_DOMAIN], cli_domain_suffix(), key) || !(outcome = cli_journal_get(im->j, key, &detail)))
		return false;
	im->before++;
	if (!strcmp(outcome, "rejected")) {
		im->rejected_before++;
		write_reject(im, f, n, detail);
	}
	return true;
}

static void skip_invalid(struct import *im, int r, char **f, size_t n)
{
	struct cli_row_err errs[CLI_ROW_ERR_MAX + 1];
	struct pd_arena *ar = pd_arena_new();
	size_t k = check_record(im, r, f, n, errs, ar);
	write_reject(im, r < 0 ? NULL : f, n, reasons(errs, k, ar));
	im->skipped++;
	pd_arena_free(ar);
}

/* Gives the slot the next row that needs a create, or notes the end of the file. */
static void feed(struct slot *sl)
{
	struct import *im = sl->im;
	char **f = NULL;
	size_t n = 0;
	while (!im->stop && !im->eof) {
		int r = cli_csv_read(im->csv, &f, &n);
		long rec = cli_csv_record(im->csv);
		if (r == 0)
			im->eof = true;
		else if (r < 0 || is_bad(im, rec))
			skip_invalid(im, r, f, n);
		else if (done_before(im, f, n))
			continue;
		else if (start_row(sl, rec, f, n) == 0)
			return;
		else
			stop_run(im, cli_fail(CLI_ERROR, "out of memory"));
	}
	maybe_finish(im);
}

static void row_created(struct slot *sl, const struct cli_resp *r)
{
	struct import *im = sl->im;
	json_t *c = json_loadb(r->body, r->len, 0, NULL);
	const char *id = json_string_value(json_object_get(c, "id"));
	const char *domain = cli_json_get_path(c, "companyProfile.domain");
	const char *user = cli_json_get_path(c, "userCredentials.userName");
	const char *pw = cli_json_get_path(c, "userCredentials.password");
	bool replayed = cli_resp_header(r, "Idempotent-Replayed") != NULL;
	if (pw && write_credentials(im, domain ? domain : sl->key, user ? user : "", pw) != 0)
		stop_run(im, cli_fail(CLI_ERROR, "cannot write the credentials to %s", im->creds_path));
	else if (cli_journal_add(im->j, sl->key, sl->row, replayed ? "existed" : "created", id) != 0)
		stop_run(im, cli_fail(CLI_ERROR, "cannot write the journal %s", im->journal));
	if (pw)
		sodium_memzero((char *)pw, strlen(pw));
	if (replayed)
		im->existed++;
	else
		im->created++;
	json_decref(c);
}

/* A 409 PossibleDuplicate's candidates (their ids) after its reason, so the rejects file says
 * which customers to look at. */
static void add_candidates(const struct cli_resp *r, char *reason, size_t cap)
{
	json_t *o = r->status == 409 && r->body ? json_loadb(r->body, r->len, 0, NULL) : NULL, *id;
	const char *name = json_string_value(json_object_get(o, "errorName"));
	size_t i;
	if (name && !strcmp(name, "PossibleDuplicate"))
		json_array_foreach(json_object_get(o, "data"), i, id) {
			size_t n = strlen(reason);
			snprintf(reason + n, cap - n, "%s%s", i ? ", " : " Candidates: ", json_string_value(id));
		}
	json_decref(o);
}

static void row_rejected(struct slot *sl, const struct cli_resp *r)
{
	char reason[1024];
	cli_api_error_text(r, reason, sizeof reason);
	add_candidates(r, reason, sizeof reason);
	write_reject(sl->im, sl->fields, sl->nfields, reason);
	if (cli_journal_add(sl->im->j, sl->key, sl->row, "rejected", reason) != 0)
		stop_run(sl->im, cli_fail(CLI_ERROR, "cannot write the journal %s", sl->im->journal));
	sl->im->rejected++;
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct slot *sl = arg;
	(void)fd, (void)what;
	if (!sl->im->stop) {
		post(sl);
		return;
	}
	release(sl);
	maybe_finish(sl->im);
}

/* Waits Retry-After (at most a minute), else 0.2 s per failed attempt, then posts again. */
static void retry_later(struct slot *sl, const struct cli_resp *r)
{
	const char *after = cli_resp_header(r, "Retry-After");
	long secs = after ? atol(after) : 0;
	long ms = secs > 0 ? (secs < 60 ? secs : 60) * 1000 : 200L * (sl->attempts > 0 ? sl->attempts : 1);
	struct timeval tv = {ms / 1000, ms % 1000 * 1000};
	if (event_base_once(cli_http_base(sl->im->h), -1, EV_TIMEOUT, on_retry, sl, &tv) != 0)
		on_retry(-1, 0, sl);
}

static void on_created(struct cli_resp *r, void *arg)
{
	struct slot *sl = arg;
	struct import *im = sl->im;
	int st = r->status;
	bool transient = st == 0 || st == 429 || st >= 500;
	if (transient && !im->stop && (st == 429 || ++sl->attempts < MAX_ATTEMPTS)) {
		retry_later(sl, r);
		cli_resp_clear(r);
		return;
	}
	if (st == 201)
		row_created(sl, r);
	else if (transient || st == 401 || st == 403)
		stop_run(im, im->stop ? CLI_ERROR : cli_api_report(r));
	else
		row_rejected(sl, r);
	cli_resp_clear(r);
	release(sl);
	feed(sl);
}

static void post(struct slot *sl)
{
	struct cli_req rq = {.method = EVHTTP_REQ_POST, .path = "/v1/customers", .ctype = "application/json",
			     .body = sl->body, .len = strlen(sl->body), .headers = {{"MS-RequestId", sl->reqid}}};
	if (cli_conn_send(sl->conn, &rq, on_created, sl) != 0) {
		struct cli_resp none = {.error = "the request could not be sent"};
		on_created(&none, sl);
	}
}

/* ---- pass 2: the loop ---- */

static long finished_rows(const struct import *im)
{
	return im->before + im->skipped + im->created + im->existed + im->rejected;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct import *im = arg;
	(void)fd, (void)what;
	cli_progress_tick(&im->prog, finished_rows(im));
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct import *im = arg;
	(void)what;
	if (im->interrupted)
		_exit(CLI_INTERRUPTED);
	im->interrupted = im->stop = true;
	fprintf(stderr, "\npartnerctl: %s: waiting for %ld requests in flight (again to quit at once)\n",
		sig == SIGINT ? "interrupted" : "terminated", im->inflight);
	maybe_finish(im);
}

static int start_loop(struct import *im)
{
	struct event_base *base = cli_http_base(im->h);
	struct timeval every = {0, 200000};
	im->slots = calloc((size_t)im->concurrency, sizeof *im->slots);
	if (!im->slots)
		return cli_fail(CLI_ERROR, "out of memory");
	for (long i = 0; i < im->concurrency; i++) {
		im->slots[i].im = im;
		if (!(im->slots[i].conn = cli_conn_new(im->h)))
			return cli_fail(CLI_ERROR, "cannot make a connection");
	}
	im->tick = event_new(base, -1, EV_PERSIST, on_tick, im);
	im->sigint = evsignal_new(base, SIGINT, on_signal, im);
	im->sigterm = evsignal_new(base, SIGTERM, on_signal, im);
	if (!im->tick || !im->sigint || !im->sigterm || event_add(im->tick, &every) || event_add(im->sigint, NULL) ||
	    event_add(im->sigterm, NULL))
		return cli_fail(CLI_ERROR, "cannot set up the event loop");
	return CLI_OK;
}

static void run_loop(struct import *im)
{
	long known = (long)cli_journal_size(im->j) + (im->skip_invalid ? im->invalid : 0);
	cli_progress_start(&im->prog, "import", im->rows, known, im->quiet);
	for (long i = 0; i < im->concurrency && !im->eof && !im->stop; i++)
		feed(&im->slots[i]);
	if (im->inflight > 0)
		event_base_dispatch(cli_http_base(im->h));
	cli_progress_end(&im->prog, finished_rows(im));
}

static void end_loop(struct import *im)
{
	for (long i = 0; im->slots && i < im->concurrency; i++)
		cli_conn_free(im->slots[i].conn);
	free(im->slots);
	if (im->tick)
		event_free(im->tick);
	if (im->sigint)
		event_free(im->sigint);
	if (im->sigterm)
		event_free(im->sigterm);
}

static int skip_header(struct import *im)
{
	char **f;
	size_t n;
	return cli_csv_rewind(im->csv) == 0 && cli_csv_read(im->csv, &f, &n) == 1 ? 0 : -1;
}

static int pass2(struct import *im)
{
	int rc = cli_api_open(&im->s, &im->h);
	if (rc == CLI_OK)
		rc = cli_journal_open(im->journal, cli_http_origin(im->h), &im->j);
	if (rc == CLI_OK && cli_journal_size(im->j) && !im->quiet)
		fprintf(stderr, "partnerctl: resuming: %zu rows were done by an earlier run (journal %s)\n",
			cli_journal_size(im->j), im->journal);
	if (rc == CLI_OK)
		rc = open_rejects(im);
	if (rc == CLI_OK && skip_header(im) != 0)
		rc = cli_fail(CLI_ERROR, "cannot read %s again", im->path);
	if (rc == CLI_OK)
		rc = start_loop(im);
	if (rc == CLI_OK)
		run_loop(im);
	end_loop(im);
	return rc;
}

/* ---- --check: the server's validation of every valid row ---- */

/* Seconds a 429 asks to wait (1-60). */
static unsigned retry_after(const struct cli_resp *r)
{
	const char *v = cli_resp_header(r, "Retry-After");
	long n = v ? strtol(v, NULL, 10) : 1;
	return n < 1 ? 1 : n > 60 ? 60 : (unsigned)n;
}

/* One row through validateOnly: 200 is valid, a 4xx its reasons (the row is invalid); no
 * answer, 401/403 or a 5xx stop the check with their message. */
static int check_on_server(struct import *im, long rec, char **f)
{
	const char *row[CLI_NCOLUMNS];
	to_row(im, f, row);
	json_t *body = cli_row_to_body(row);
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	struct cli_req rq = {.method = EVHTTP_REQ_POST, .path = "/v1/customers?validateOnly=true",
			     .ctype = "application/json", .body = text, .len = strlen(text)};
	struct cli_resp r;
	int rc = CLI_OK, sent;
	for (int i = 0; (sent = cli_http_call(im->h, &rq, &r)) == 0 && r.status == 429 && i < MAX_ATTEMPTS; i++) {
		sleep(retry_after(&r));
		cli_resp_clear(&r);
	}
	free(text);
	if (sent != 0 || r.status == 401 || r.status == 403 || r.status == 429 || r.status >= 500) {
		rc = cli_api_report(&r);
	} else if (r.status != 200) {
		char buf[2048];
		cli_api_error_text(&r, buf, sizeof buf);
		fprintf(stderr, "%s: row %ld: %s\n", im->path, rec, buf);
		im->invalid++;
	}
	cli_resp_clear(&r);
	return rc;
}

static int server_check(struct import *im)
{
	char **f;
	size_t n;
	int r, rc = cli_api_open(&im->s, &im->h);
	if (rc == CLI_OK && skip_header(im) != 0)
		rc = cli_fail(CLI_ERROR, "cannot read %s again", im->path);
	while (rc == CLI_OK && (r = cli_csv_read(im->csv, &f, &n)) != 0) {
		long rec = cli_csv_record(im->csv);
		if (r > 0 && n == im->ncols && !is_bad(im, rec))
			rc = check_on_server(im, rec, f);
	}
	return rc;
}

/* ---- the command ---- */

static void summary_json(const struct import *im, bool complete)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "rows", (json_int_t)im->rows, "created",
			      (json_int_t)im->created, "existed", (json_int_t)im->existed, "invalid",
			      (json_int_t)im->invalid, "rejected", (json_int_t)(im->rejected + im->rejected_before),
			      "earlier", (json_int_t)im->before, "complete", complete);
	json_object_set_new(o, "credentials", im->created ? json_string(im->creds_path) : json_null());
	json_object_set_new(o, "rejects", im->rejects ? json_string(im->rejects_path) : json_null());
	cli_print_json(o, stdout);
	json_decref(o);
}

static void summary(const struct import *im, bool complete)
{
	if (im->json) {
		summary_json(im, complete);
		return;
	}
	fprintf(stderr, "partnerctl: %s: %ld rows: %ld created, %ld already existed, %ld invalid, %ld rejected",
		im->path, im->rows, im->created, im->existed, im->invalid, im->rejected + im->rejected_before);
	if (im->before)
		fprintf(stderr, ", %ld done by an earlier run", im->before);
	fputc('\n', stderr);
	if (im->created)
		fprintf(stderr, "partnerctl: the new admin users' passwords are in %s (mode 0600)\n", im->creds_path);
	if (im->rejects)
		fprintf(stderr, "partnerctl: the rows not imported and why: %s\n", im->rejects_path);
	if (!complete)
		fprintf(stderr, "partnerctl: the import is not complete: run the same command again to resume\n");
}

/* Closes the files: the journal is deleted when the import is complete, the rejects file
 * when it is empty (im->rejects is left non-NULL, as a flag, only when it is kept). */
static void finish_files(struct import *im, bool complete)
{
	cli_journal_close(im->j, complete);
	im->j = NULL;
	if (im->rejects) {
		fclose(im->rejects);
		if (im->rejected + im->rejected_before + im->skipped == 0) {
			unlink(im->rejects_path);
			im->rejects = NULL;
		}
	}
	if (im->creds)
		fclose(im->creds);
}

/* Pass 2 and its outcome: the exit code of the whole import. */
static int import_rows(struct import *im)
{
	int rc = pass2(im);
	bool complete = rc == CLI_OK && im->eof && !im->stop;
	finish_files(im, complete);
	if (rc != CLI_OK)
		return rc;
	summary(im, complete);
	if (im->interrupted)
		return CLI_INTERRUPTED;
	if (im->fatal)
		return im->fatal;
	return im->rejected + im->rejected_before ? CLI_ERROR : CLI_OK;
}

/* The outcome of the checks alone: --dry-run, --check, or invalid rows without
 * --skip-invalid. */
static int validation_only(struct import *im)
{
	bool preview = im->dry_run || im->check;
	if (preview && im->json)
		summary_json(im, false);
	else if (preview)
		fprintf(stderr, "partnerctl: %s: %ld rows, %ld invalid\n", im->path, im->rows, im->invalid);
	else
		fprintf(stderr, "partnerctl: %s: %ld of %ld rows are invalid; nothing was imported (fix them, or use "
			"--skip-invalid to import the other rows)\n", im->path, im->invalid, im->rows);
	return im->invalid ? CLI_ERROR : CLI_OK;
}

static void path_or(char *out, size_t cap, const char *given, const char *input, const char *suffix)
{
	snprintf(out, cap, "%s%s", given ? given : input, given ? "" : suffix);
}

static int options(const struct cli_args *a, struct import *im)
{
	im->path = a->pos[0];
	im->skip_invalid = cli_flag(a, "skip-invalid");
	im->dry_run = cli_flag(a, "dry-run");
	im->check = cli_flag(a, "check");
	im->confirm_dups = cli_flag(a, "confirm-duplicates");
	im->json = cli_flag(a, "json");
	im->quiet = cli_flag(a, "quiet");
	im->loc = cli_locale();
	path_or(im->journal, sizeof im->journal, cli_arg(a, "journal"), im->path, ".partnerctl-journal");
	path_or(im->creds_path, sizeof im->creds_path, cli_arg(a, "credentials-out"), im->path, ".credentials.csv");
	path_or(im->rejects_path, sizeof im->rejects_path, cli_arg(a, "rejects"), im->path, ".rejects.csv");
	return cli_arg_long(a, "concurrency", 1, 64, 16, &im->concurrency);
}

int cli_cmd_import(const struct cli_args *a)
{
	struct import im = {0};
	int rc = options(a, &im);
	if (rc == CLI_OK && !(im.in = fopen(im.path, "rb")))
		rc = cli_fail(CLI_USAGE, "cannot read %s", im.path);
	if (rc == CLI_OK && (!(im.csv = cli_csv_new(im.in)) || !(im.seen = json_object()) || !(im.names = json_object())))
		rc = cli_fail(CLI_ERROR, "out of memory");
	if (rc == CLI_OK)
		rc = read_header(&im);
	if (rc == CLI_OK)
		rc = pass1(&im);
	if (rc == CLI_OK && im.check)
		rc = server_check(&im);
	if (rc == CLI_OK && (im.dry_run || im.check || (im.invalid && !im.skip_invalid)))
		rc = validation_only(&im);
	else if (rc == CLI_OK)
		rc = import_rows(&im);
	cli_api_close(&im.s, im.h);
	for (size_t i = 0; i < im.ncols; i++)
		free(im.header[i]);
	cli_csv_free(im.csv);
	if (im.in)
		fclose(im.in);
	json_decref(im.seen);
	json_decref(im.names);
	free(im.bad);
	return rc;
}
