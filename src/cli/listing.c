/* listing.c - the column-spec printing of listing.h.  A table keeps its rows until it is
 * printed (for the column widths); CSV and JSON rows are written as they are added.  Cell
 * texts are whole values, however long (a company name may have 4,096 characters). */
#include "listing.h"
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "csv.h"
#include "customers.h"
#include "output.h"

#define FIELDS_MAX 16

int cli_list_mode(const struct cli_args *a, enum cli_list_mode *mode)
{
	bool json, csv;
	int rc = cli_args_format(a, &json, &csv);
	*mode = json ? CLI_LIST_JSON : csv ? CLI_LIST_CSV : CLI_LIST_TABLE;
	return rc;
}

/* The member at a dotted path, NULL when any step is missing. */
static json_t *get_path(json_t *o, const char *path, size_t len)
{
	char key[128];
	while (o && len) {
		const char *dot = memchr(path, '.', len);
		size_t n = dot ? (size_t)(dot - path) : len;
		snprintf(key, sizeof key, "%.*s", (int)n, path);
		o = json_object_get(o, key);
		path += n + (dot != NULL);
		len -= n + (dot != NULL);
	}
	return o;
}

static void append_text(json_t *v, FILE *f)
{
	if (json_is_string(v))
		fputs(json_string_value(v), f);
	else if (json_is_integer(v))
		fprintf(f, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		fprintf(f, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		fputs(json_is_true(v) ? "yes" : "no", f);
}

char *cli_field_text(json_t *o, const char *path)
{
	const char *bar = strchr(path, '|');
	json_t *v = get_path(o, path, bar ? (size_t)(bar - path) : strlen(path)), *e;
	char *text = NULL;
	size_t i, len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	if (!v && bar)
		v = get_path(o, bar + 1, strlen(bar + 1));
	if (!json_is_array(v))
		append_text(v, f);
	json_array_foreach(v, i, e) {
		if (i)
			fputc(' ', f);
		append_text(e, f);
	}
	fclose(f);
	return text;
}

static void free_cells(char **cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(cells[i]);
}

void cli_list_open(struct cli_list *l, enum cli_list_mode mode, FILE *f, const struct cli_field *fields,
		   size_t n, const char *empty)
{
	const char *heads[FIELDS_MAX];
	*l = (struct cli_list){mode, f, fields, n < FIELDS_MAX ? n : FIELDS_MAX, empty, NULL, 0};
	for (size_t i = 0; i < l->nfields; i++)
		heads[i] = fields[i].name;
	if (mode == CLI_LIST_TABLE)
		l->table = cli_table_new(l->nfields, heads);
	else if (mode == CLI_LIST_CSV)
		cli_csv_write(f, heads, l->nfields);
	else
		fputc('[', f);
}

void cli_list_add(struct cli_list *l, json_t *item)
{
	char *cells[FIELDS_MAX];
	if (l->mode == CLI_LIST_JSON) {
		fputs(l->n ? ",\n" : "\n", l->f);
		json_dumpf(item, l->f, JSON_INDENT(2));
	} else {
		for (size_t i = 0; i < l->nfields; i++)
			cells[i] = cli_field_text(item, l->fields[i].path);
		if (l->mode == CLI_LIST_TABLE)
			cli_table_add(l->table, (const char *const *)cells);
		else
			cli_csv_write(l->f, (const char *const *)cells, l->nfields);
		free_cells(cells, l->nfields);
	}
	l->n++;
}

void cli_list_close(struct cli_list *l)
{
	if (l->mode == CLI_LIST_TABLE && l->n)
		cli_table_print(l->table, l->f);
	else if (l->mode == CLI_LIST_TABLE && l->empty)
		fprintf(l->f, "%s\n", l->empty);
	else if (l->mode == CLI_LIST_JSON)
		fputs(l->n ? "\n]\n" : "]\n", l->f);
	cli_table_free(l->table);
	l->table = NULL;
	fflush(l->f);
}

void cli_show_object(json_t *o, const struct cli_field *fields, size_t n, FILE *f)
{
	const char *names[FIELDS_MAX] = {0}, *values[FIELDS_MAX] = {0};
	char *texts[FIELDS_MAX] = {0};
	n = n < FIELDS_MAX ? n : FIELDS_MAX;
	for (size_t i = 0; i < n; i++) {
		names[i] = fields[i].name;
		texts[i] = cli_field_text(o, fields[i].path);
		values[i] = texts[i] && *texts[i] ? texts[i] : NULL;
	}
	cli_print_pairs(f, names, values, n);
	free_cells(texts, n);
}

/* The next page's call from a page's links.next (its uri is under /v1, its headers carry
 * the continuation token; the strings stay the page's): 0 when there is none, -1 (after a
 * message) for a link that cannot be followed, which must not end the list quietly. */
static int next_call(json_t *page, char *path, size_t cap, struct cli_call *c)
{
	json_t *next = json_object_get(json_object_get(page, "links"), "next"), *hd;
	const char *uri = json_string_value(json_object_get(next, "uri"));
	size_t i, k = 0;
	if (!next)
		return 0;
	if (!uri || uri[0] != '/' || (size_t)snprintf(path, cap, "/v1%s", uri) >= cap)
		return cli_fail(CLI_ERROR, "the server's link to the next page cannot be followed"), -1;
	*c = (struct cli_call){.method = EVHTTP_REQ_GET, .path = path};
	json_array_foreach(json_object_get(next, "headers"), i, hd) {
		const char *key = json_string_value(json_object_get(hd, "key"));
		const char *value = json_string_value(json_object_get(hd, "value"));
		if (key && value && k + 1 < sizeof c->headers / sizeof c->headers[0])
			c->headers[k][0] = key, c->headers[k++][1] = value;
	}
	return 1;
}

int cli_each_item(struct cli_http *h, const char *path, bool (*each)(void *arg, json_t *item), void *arg)
{
	char next[1024];
	struct cli_call c = {.method = EVHTTP_REQ_GET, .path = path};
	json_t *page = NULL, *prev = NULL, *item;
	bool more = true;
	int rc = CLI_OK;
	while (more && (rc = cli_api_call(h, &c, &page, NULL)) == CLI_OK) {
		size_t i;
		json_decref(prev); /* the call that needed its token is made */
		json_array_foreach(json_object_get(page, "items"), i, item) {
			if (more && !each(arg, item))
				more = false;
		}
		int link = more ? next_call(page, next, sizeof next, &c) : 0;
		more = link > 0;
		rc = link < 0 ? CLI_ERROR : CLI_OK;
		prev = page;
		page = NULL;
	}
	json_decref(prev);
	return rc;
}

struct list_run {
	struct cli_list l;
	enum cli_list_mode mode;
	const struct cli_field *fields;
	size_t n;
	const char *empty;
	bool open;
};

static void run_open(struct list_run *run)
{
	if (!run->open)
		cli_list_open(&run->l, run->mode, stdout, run->fields, run->n, run->empty);
	run->open = true;
}

/* Opens the list at the first item, so a first call that fails prints nothing but its error. */
static bool add_to_list(void *arg, json_t *item)
{
	run_open(arg);
	cli_list_add(&((struct list_run *)arg)->l, item);
	return true;
}

int cli_list_get(struct cli_http *h, const struct cli_args *a, const char *path, const struct cli_field *fields,
		 size_t n, const char *empty)
{
	struct list_run run = {.fields = fields, .n = n, .empty = empty};
	int rc = cli_list_mode(a, &run.mode);
	if (rc == CLI_OK)
		rc = cli_each_item(h, path, add_to_list, &run);
	if (rc == CLI_OK)
		run_open(&run);
	if (run.open && rc == CLI_OK)
		cli_list_close(&run.l);
	else if (run.open)
		cli_table_free(run.l.table); /* a later page failed: its message is out */
	return rc;
}

int cli_show_get(struct cli_http *h, const struct cli_args *a, const char *path, const struct cli_field *fields,
		 size_t n)
{
	json_t *o = NULL;
	int rc = cli_api_call(h, &(struct cli_call){.method = EVHTTP_REQ_GET, .path = path}, &o, NULL);
	if (rc == CLI_OK && cli_flag(a, "json"))
		cli_print_json(o, stdout);
	else if (rc == CLI_OK)
		cli_show_object(o, fields, n, stdout);
	json_decref(o);
	return rc;
}

int cli_open_customer(struct cli_session *s, struct cli_http **h, const char *customer, char *id)
{
	int rc = cli_api_open(s, h);
	if (rc == CLI_OK && customer)
		rc = cli_customer_resolve(*h, customer, id);
	return rc;
}
