/* columns.c - the customer column table and what walks it: rows to create bodies, customers
 * to rows, error fields back to columns, and the validate-first check of a row, which reuses
 * the server's decoding (core/model.c) and country rules (core/country.c) so that a row passes
 * here exactly when the server would take it (apart from a taken domain). */
#include "columns.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "country.h"
#include "domain.h"
#include "model.h"
#include "text.h"

#define CLI_COL_ROW(e, name, path, path2, metavar, flags, help) {name, path, path2, metavar, flags, help},
const struct cli_column cli_columns[CLI_NCOLUMNS] = {CLI_COLUMNS(CLI_COL_ROW)};
#undef CLI_COL_ROW

int cli_column_find(const char *name)
{
	for (int i = 0; i < CLI_NCOLUMNS; i++)
		if (!strcmp(cli_columns[i].name, name))
			return i;
	return -1;
}

int cli_column_of_field(const char *field)
{
	if (!field)
		return -1;
	for (int i = 0; i < CLI_NCOLUMNS; i++) {
		const struct cli_column *c = &cli_columns[i];
		if (!strcasecmp(c->path, field) || (c->path2 && !strcasecmp(c->path2, field)))
			return i;
	}
	const char *last = strrchr(field, '.');
	return last ? cli_column_find(last + 1) : cli_column_find(field);
}

/* The member `name` of o, matched as the server matches it (any case). */
static json_t *member(json_t *o, const char *name, size_t n)
{
	char key[64];
	if (n >= sizeof key)
		return NULL;
	memcpy(key, name, n);
	key[n] = 0;
	return pd_json_get(o, key);
}

void cli_json_set_path(json_t *root, const char *path, const char *value)
{
	const char *dot;
	json_t *o = root;
	for (; (dot = strchr(path, '.')); path = dot + 1) {
		json_t *next = member(o, path, (size_t)(dot - path));
		if (!json_is_object(next)) {
			next = json_object();
			json_object_setn_new(o, path, (size_t)(dot - path), next);
		}
		o = next;
	}
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(o, tmp, k, v) {
		if (!strcasecmp(k, path))
			json_object_del(o, k);
	}
	if (value && *value)
		json_object_set_new(o, path, json_string(value));
}


/* The value at the dotted path (any JSON type), or NULL. */
static json_t *get_path(json_t *root, const char *path, const char **last)
{
	const char *dot;
	json_t *o = root;
	for (; o && (dot = strchr(path, '.')); path = dot + 1)
		o = member(o, path, (size_t)(dot - path));
	*last = path;
	return o;
}

const char *cli_json_get_path(json_t *root, const char *path)
{
	json_t *o = get_path(root, path, &path);
	return json_string_value(pd_json_get(o, path));
}

/* Replaces the string cli_json_set_path just set at path with the boolean b. */
static void set_bool(json_t *root, const char *path, bool b)
{
	json_t *o = get_path(root, path, &path);
	if (json_is_object(o))
		json_object_set_new(o, path, json_boolean(b));
}

/* A CLI_COL_BOOL column's value as text, "true" or "false" (static), or NULL. */
static const char *bool_at(json_t *root, const char *path)
{
	json_t *o = get_path(root, path, &path);
	json_t *v = pd_json_get(o, path);
	return json_is_boolean(v) ? (json_is_true(v) ? "true" : "false") : NULL;
}

void cli_column_set(json_t *root, int col, const char *path, const char *value)
{
	bool t = value && !strcasecmp(value, "true"), f = value && !strcasecmp(value, "false");
	cli_json_set_path(root, path, value);
	if ((cli_columns[col].flags & CLI_COL_BOOL) && (t || f))
		set_bool(root, path, t);
}

/* Moves *s past leading white space; returns the length without trailing white space. */
static size_t trim_span(const char **s)
{
	size_t n = strlen(*s);
	while (n && strchr(" \t\r\n", **s))
		(*s)++, n--;
	while (n && strchr(" \t\r\n", (*s)[n - 1]))
		n--;
	return n;
}

/* s without surrounding white space, as the server stores it; NULL when nothing is left. */
static json_t *trimmed(const char *s)
{
	size_t n = trim_span(&s);
	return n ? json_stringn(s, n) : NULL;
}

json_t *cli_row_to_body(const char *const row[CLI_NCOLUMNS])
{
	json_t *body = json_object();
	for (int i = 0; i < CLI_NCOLUMNS; i++) {
		json_t *v = row[i] && (cli_columns[i].flags & CLI_COL_CREATE) ? trimmed(row[i]) : NULL;
		if (!v)
			continue;
		cli_column_set(body, i, cli_columns[i].path, json_string_value(v));
		if (cli_columns[i].path2)
			cli_json_set_path(body, cli_columns[i].path2, json_string_value(v));
		json_decref(v);
	}
	return body;
}

void cli_row_from_customer(json_t *c, const char *row[CLI_NCOLUMNS])
{
	for (int i = 0; i < CLI_NCOLUMNS; i++) {
		row[i] = cli_columns[i].flags & CLI_COL_BOOL ? bool_at(c, cli_columns[i].path)
							      : cli_json_get_path(c, cli_columns[i].path);
		if (!row[i] && cli_columns[i].path2)
			row[i] = cli_json_get_path(c, cli_columns[i].path2);
	}
}

bool cli_domain_key(const char *domain, const char *suffix, char out[CLI_DOMAIN_MAX])
{
	char d[CLI_DOMAIN_MAX];
	size_t n = trim_span(&domain);
	if (n == 0 || n >= sizeof d)
		return false;
	memcpy(d, domain, n);
	d[n] = 0;
	const char *dot = strchr(d, '.');
	return pd_domain_normalize(d, dot ? dot + 1 : suffix, out, CLI_DOMAIN_MAX) && pd_domain_syntax_ok(out);
}

const char *cli_domain_suffix(void)
{
	const char *s = getenv("PARTNERCTL_DOMAIN_SUFFIX");
	return s && *s ? s : PD_DEFAULT_DOMAIN_SUFFIX;
}

/* ---- the validate-first check ---- */

struct check {
	struct cli_row_err *errs;
	size_t n;
	enum pd_locale loc;
	struct pd_arena *ar;
};

static void add(struct check *k, int col, enum pd_msg m, const char *field, const char *arg)
{
	char buf[512];
	if (k->n == CLI_ROW_ERR_MAX)
		return;
	pd_msg_render(buf, sizeof buf, m, k->loc, col >= 0 ? cli_columns[col].name : field, arg);
	k->errs[k->n++] = (struct cli_row_err){col, pd_strdup(k->ar, buf)};
}

static bool utf8_ok(struct check *k, const char *const row[CLI_NCOLUMNS])
{
	size_t before = k->n;
	for (int i = 0; i < CLI_NCOLUMNS; i++)
		if (row[i] && pd_utf8_len(row[i]) < 0)
			add(k, i, PD_MSG_BAD_UTF8, NULL, NULL);
	return k->n == before;
}

static void check_domain(struct check *k, const char *domain)
{
	char key[CLI_DOMAIN_MAX];
	if (!domain || !*domain)
		add(k, CLI_COL_DOMAIN, PD_MSG_REQUIRED, NULL, NULL);
	else if (!cli_domain_key(domain, cli_domain_suffix(), key))
		add(k, CLI_COL_DOMAIN, PD_MSG_BAD_DOMAIN, NULL, cli_domain_suffix());
}

static void add_verrs(struct check *k, const struct pd_verrs *v)
{
	for (size_t i = 0; i < v->n; i++)
		add(k, cli_column_of_field(v->v[i].field), v->v[i].msg, v->v[i].field, v->v[i].arg);
}

size_t cli_row_check(const char *const row[CLI_NCOLUMNS], enum pd_locale loc,
		     struct cli_row_err *errs, struct pd_arena *ar)
{
	struct check k = {errs, 0, loc, ar};
	if (!utf8_ok(&k, row))
		return k.n;
	check_domain(&k, row[CLI_COL_DOMAIN]);
	json_t *body = cli_row_to_body(row);
	struct pd_verrs v = {0};
	struct pd_billing b;
	pd_billing_from_json(pd_json_get(body, "billingProfile"), "billingProfile", &b, &v, ar);
	if (!v.n) {
		const char *regnum = cli_json_get_path(body, cli_columns[CLI_COL_REGNUM].path);
		pd_billing_check(&b, regnum ? pd_strdup(ar, regnum) : NULL, "billingProfile", &v, ar);
	}
	json_decref(body);
	add_verrs(&k, &v);
	return k.n;
}
