/* listing.c - the column-spec printing of listing.h.  A table keeps its rows until it is
 * printed (for the column widths); CSV and JSON rows are written as they are added.  Cell
 * texts are formatted into fixed buffers: values longer than CELL_MAX bytes are cut. */
#include "listing.h"
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "csv.h"
#include "customers.h"
#include "output.h"

#define CELL_MAX 512
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

static void append_text(json_t *v, char *buf, size_t cap)
{
	size_t used = strlen(buf);
	if (json_is_string(v))
		snprintf(buf + used, cap - used, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf + used, cap - used, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf + used, cap - used, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf + used, cap - used, "%s", json_is_true(v) ? "yes" : "no");
}

const char *cli_field_text(json_t *o, const char *path, char *buf, size_t cap)
{
	const char *bar = strchr(path, '|');
	json_t *v = get_path(o, path, bar ? (size_t)(bar - path) : strlen(path)), *e;
	size_t i;
	if (!v && bar)
		v = get_path(o, bar + 1, strlen(bar + 1));
	buf[0] = 0;
	if (!json_is_array(v)) {
		append_text(v, buf, cap);
		return buf;
	}
	json_array_foreach(v, i, e) {
		if (i && strlen(buf) + 1 < cap)
			strcat(buf, " ");
		append_text(e, buf, cap);
	}
	return buf;
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
	static char bufs[FIELDS_MAX][CELL_MAX];
	const char *cells[FIELDS_MAX];
	if (l->mode == CLI_LIST_JSON) {
		fputs(l->n ? ",\n" : "\n", l->f);
		json_dumpf(item, l->f, JSON_INDENT(2));
	} else {
		for (size_t i = 0; i < l->nfields; i++)
			cells[i] = cli_field_text(item, l->fields[i].path, bufs[i], CELL_MAX);
		if (l->mode == CLI_LIST_TABLE)
			cli_table_add(l->table, cells);
		else
			cli_csv_write(l->f, cells, l->nfields);
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
	static char bufs[FIELDS_MAX][CELL_MAX];
	const char *names[FIELDS_MAX], *values[FIELDS_MAX];
	n = n < FIELDS_MAX ? n : FIELDS_MAX;
	for (size_t i = 0; i < n; i++) {
		names[i] = fields[i].name;
		values[i] = cli_field_text(o, fields[i].path, bufs[i], CELL_MAX);
		if (!*values[i])
			values[i] = NULL;
	}
	cli_print_pairs(f, names, values, n);
}

int cli_list_get(struct cli_http *h, const struct cli_args *a, const char *path, const struct cli_field *fields,
		 size_t n, const char *empty)
{
	enum cli_list_mode mode;
	json_t *page = NULL, *item;
	size_t i;
	int rc = cli_list_mode(a, &mode);
	if (rc == CLI_OK)
		rc = cli_api_call(h, &(struct cli_call){.method = EVHTTP_REQ_GET, .path = path}, &page, NULL);
	if (rc != CLI_OK)
		return rc;
	struct cli_list l;
	cli_list_open(&l, mode, stdout, fields, n, empty);
	json_array_foreach(json_object_get(page, "items"), i, item) {
		cli_list_add(&l, item);
	}
	cli_list_close(&l);
	json_decref(page);
	return CLI_OK;
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
