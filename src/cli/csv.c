/* csv.c - the CSV reader and writer of csv.h, a byte-at-a-time state machine (getc_unlocked
 * is fast enough for 100,000 rows a second).  A record's fields are NUL-terminated strings in
 * one growing buffer; a record longer than MAX_RECORD is an error rather than a way to
 * exhaust memory with an unclosed quote.  The formula rule (csv.h) is cli_csv_formula_like,
 * applied by write_field and undone in cli_csv_read. */
#include "csv.h"
#include <stdlib.h>
#include <string.h>

#define MAX_RECORD (4u << 20)

struct cli_csv {
	FILE *f;
	char *buf;
	size_t len, cap;
	size_t *offs;
	char **fields;
	size_t nf, fcap;
	long record;
	const char *error;
};

struct cli_csv *cli_csv_new(FILE *f)
{
	struct cli_csv *r = calloc(1, sizeof *r);
	if (r)
		r->f = f;
	if (r && cli_csv_rewind(r) != 0)
		r->record = 0; /* not seekable: read on from where f is */
	return r;
}

void cli_csv_free(struct cli_csv *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r->offs);
	free(r->fields);
	free(r);
}

int cli_csv_rewind(struct cli_csv *r)
{
	unsigned char bom[3];
	r->record = 0;
	if (fseek(r->f, 0, SEEK_SET) != 0)
		return -1;
	if (fread(bom, 1, 3, r->f) == 3 && bom[0] == 0xef && bom[1] == 0xbb && bom[2] == 0xbf)
		return 0;
	return fseek(r->f, 0, SEEK_SET);
}

const char *cli_csv_error(const struct cli_csv *r)
{
	return r->error;
}

long cli_csv_record(const struct cli_csv *r)
{
	return r->record;
}

static int push(struct cli_csv *r, int c)
{
	if (r->len == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		char *more = cap <= MAX_RECORD ? realloc(r->buf, cap) : NULL;
		if (!more)
			return -1;
		r->buf = more;
		r->cap = cap;
	}
	r->buf[r->len++] = (char)c;
	return 0;
}

static int start_field(struct cli_csv *r)
{
	if (r->nf == r->fcap) {
		size_t cap = r->fcap ? r->fcap * 2 : 32;
		size_t *more = realloc(r->offs, cap * sizeof *more);
		char **fmore = more ? realloc(r->fields, cap * sizeof *fmore) : NULL;
		if (more)
			r->offs = more;
		if (!fmore)
			return -1;
		r->fields = fmore;
		r->fcap = cap;
	}
	r->offs[r->nf++] = r->len;
	return 0;
}

/* After an opening quote: the field's text up to the closing quote.  Returns the character
 * after the closing quote (or EOF), -2 when the quote is never closed, -3 when too long. */
static int read_quoted(struct cli_csv *r)
{
	for (;;) {
		int c = getc_unlocked(r->f);
		if (c == EOF)
			return -2;
		if (c == '"' && (c = getc_unlocked(r->f)) != '"')
			return c;
		if (push(r, c) != 0)
			return -3;
	}
}

static int read_plain(struct cli_csv *r, int c)
{
	while (c != ',' && c != '\n' && c != '\r' && c != EOF) {
		if (push(r, c) != 0)
			return -3;
		c = getc_unlocked(r->f);
	}
	return c;
}

static void skip_line(struct cli_csv *r, int c)
{
	while (c != '\n' && c != EOF)
		c = getc_unlocked(r->f);
}

/* Reads one field starting with c; returns the character that ended it, or < -1. */
static int read_field(struct cli_csv *r, int c)
{
	if (start_field(r) != 0)
		return -3;
	if (c == '"') {
		c = read_quoted(r);
		if (c >= -1 && c != ',' && c != '\n' && c != '\r' && c != EOF) {
			r->error = "text after the closing quote of a field";
			skip_line(r, c);
			return -4;
		}
	} else {
		c = read_plain(r, c);
	}
	if (c >= -1 && push(r, 0) != 0)
		return -3;
	return c;
}

static int fail(struct cli_csv *r, int why)
{
	if (why == -2)
		r->error = "a quoted field is never closed";
	else if (why == -3)
		r->error = "the record is longer than 4 MiB";
	return -1;
}

int cli_csv_read(struct cli_csv *r, char ***fields, size_t *n)
{
	for (;;) {
		int c = getc_unlocked(r->f);
		if (c == EOF)
			return 0;
		r->record++;
		r->len = r->nf = 0;
		r->error = NULL;
		while ((c = read_field(r, c)) == ',')
			c = getc_unlocked(r->f);
		if (c < -1)
			return fail(r, c);
		if (c == '\r' && (c = getc_unlocked(r->f)) != '\n' && c != EOF)
			ungetc(c, r->f);
		if (r->nf == 1 && r->buf[0] == 0)
			continue; /* a blank line */
		for (size_t i = 0; i < r->nf; i++) {
			r->fields[i] = r->buf + r->offs[i];
			if (r->fields[i][0] == '\'' && cli_csv_formula_like(r->fields[i]))
				r->fields[i]++; /* the writer's ' (csv.h) */
		}
		*fields = r->fields;
		*n = r->nf;
		return 1;
	}
}

bool cli_csv_formula_like(const char *s)
{
	s += strspn(s, "'");
	return *s && strchr("=+-@\t\r", *s);
}

static void write_field(FILE *f, const char *s, bool neutralise)
{
	size_t n = s ? strlen(s) : 0;
	bool formula = neutralise && n && cli_csv_formula_like(s);
	if (!n)
		return;
	if (!formula && !strpbrk(s, ",\"\r\n") && s[0] != ' ' && s[n - 1] != ' ') {
		fwrite(s, 1, n, f);
		return;
	}
	fputs(formula ? "\"'" : "\"", f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void write_record(FILE *f, const char *const *fields, size_t n, bool neutralise)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		write_field(f, fields[i], neutralise);
	}
	fputc('\n', f);
}

void cli_csv_write(FILE *f, const char *const *fields, size_t n)
{
	write_record(f, fields, n, true);
}

void cli_csv_write_verbatim(FILE *f, const char *const *fields, size_t n)
{
	write_record(f, fields, n, false);
}
