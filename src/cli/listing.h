/* listing.h - API objects (subscriptions, offers, users, audit records) printed by a column
 * spec: each column a header and a JSON path.  A list goes out as a terminal table, as CSV
 * or as a JSON array, one object at a time (CSV and JSON are streamed, so paged lists run in
 * constant memory); one object as aligned "name  value" lines.  The customer columns, with
 * their flags and checks, are columns.c's; these are for the other resources. */
#ifndef CLI_LISTING_H
#define CLI_LISTING_H
#include <jansson.h>
#include <stdio.h>
#include "api.h"
#include "args.h"

/* A column: its header (table and CSV) and the dotted JSON path of its value; "a|b" takes
 * the first of the two paths that is present.  Numbers, booleans and arrays of strings are
 * printed as text (arrays joined with spaces). */
struct cli_field {
	const char *name;
	const char *path;
};

enum cli_list_mode { CLI_LIST_TABLE, CLI_LIST_CSV, CLI_LIST_JSON };

struct cli_list {
	enum cli_list_mode mode;
	FILE *f;
	const struct cli_field *fields;
	size_t nfields;
	const char *empty;        /* printed instead of an empty table, e.g. "(no users)"; or NULL */
	struct cli_table *table;
	long n;
};

/* The mode --json / --csv ask for (CLI_USAGE after a message when both are given). */
int cli_list_mode(const struct cli_args *a, enum cli_list_mode *mode);

void cli_list_open(struct cli_list *l, enum cli_list_mode mode, FILE *f, const struct cli_field *fields,
		   size_t n, const char *empty);
void cli_list_add(struct cli_list *l, json_t *item);
void cli_list_close(struct cli_list *l);

/* The whole value of one column of o as text (free it); "" when absent, NULL out of memory. */
char *cli_field_text(json_t *o, const char *path);

/* One object as "name  value" lines (absent values skipped). */
void cli_show_object(json_t *o, const struct cli_field *fields, size_t n, FILE *f);

/* GET path and every page after it (links.next, which carries the continuation token),
 * calling each(arg, item) for every item until it returns false.  CLI_OK, or the exit code
 * of a failed call after its message. */
int cli_each_item(struct cli_http *h, const char *path, bool (*each)(void *arg, json_t *item), void *arg);

/* GET path and print the items of every page (cli_each_item) as a list with the command's
 * --json/--csv. */
int cli_list_get(struct cli_http *h, const struct cli_args *a, const char *path, const struct cli_field *fields,
		 size_t n, const char *empty);

/* GET path and print the object, as JSON with --json. */
int cli_show_get(struct cli_http *h, const struct cli_args *a, const char *path, const struct cli_field *fields,
		 size_t n);

/* Opens the session and, when `customer` is not NULL, turns that operand (an id, a domain
 * or its prefix) into the customer's id.  CLI_OK, or an exit code after a message; call
 * cli_api_close in any case. */
int cli_open_customer(struct cli_session *s, struct cli_http **h, const char *customer, char *id);

#endif
