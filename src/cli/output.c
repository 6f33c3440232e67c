/* output.c - tables and listings of output.h.  A table keeps its cells (copies) until it is
 * printed, since column widths depend on every row; commands that may print many rows stream
 * --csv or --json instead.  Control characters in cells print as spaces. */
#include "output.h"
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <utf8proc.h>

#define MIN_COL 6

struct cli_table {
	size_t ncols, nlines, cap; /* lines: the header line, then the rows */
	char **cells;              /* line-major, nlines * ncols */
};

int cli_term_width(FILE *f)
{
	struct winsize ws;
	if (!isatty(fileno(f)))
		return 0;
	if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	const char *c = getenv("COLUMNS");
	return c && atoi(c) > 0 ? atoi(c) : 80;
}

/* The next code point of s and its display width; returns its length in bytes (>= 1). */
static size_t next_char(const char *s, int *width)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s, -1, &cp);
	if (n < 1) {
		*width = 1;
		return 1;
	}
	*width = (unsigned char)*s < 0x20 ? 1 : utf8proc_charwidth(cp);
	return (size_t)n;
}

size_t cli_width(const char *s)
{
	size_t w = 0;
	int cw;
	while (*s) {
		s += next_char(s, &cw);
		w += (size_t)cw;
	}
	return w;
}

/* Prints s in exactly `width` columns: padded, or cut with "…". */
static void put_cell(FILE *f, const char *s, size_t width, bool last)
{
	size_t used = 0, full = cli_width(s);
	int cw;
	while (*s) {
		size_t n = next_char(s, &cw);
		if (full > width && used + (size_t)cw + 1 > width)
			break;
		if ((unsigned char)*s < 0x20)
			fputc(' ', f);
		else
			fwrite(s, 1, n, f);
		used += (size_t)cw;
		s += n;
	}
	if (full > width) {
		fputs("…", f);
		used++;
	}
	for (; !last && used < width; used++)
		fputc(' ', f);
}

struct cli_table *cli_table_new(size_t ncols, const char *const *headers)
{
	struct cli_table *t = calloc(1, sizeof *t);
	if (t) {
		t->ncols = ncols;
		cli_table_add(t, headers);
	}
	return t;
}

void cli_table_add(struct cli_table *t, const char *const *cells)
{
	if ((t->nlines + 1) * t->ncols > t->cap) {
		size_t cap = (t->nlines + 1) * t->ncols * 2;
		char **more = realloc(t->cells, cap * sizeof *more);
		if (!more)
			return;
		t->cells = more;
		t->cap = cap;
	}
	char **line = t->cells + t->nlines++ * t->ncols;
	for (size_t i = 0; i < t->ncols; i++)
		line[i] = strdup(cells[i] ? cells[i] : "");
}

/* Cuts the widest columns until the line fits `max` columns (none below MIN_COL). */
static void fit(size_t *w, size_t n, size_t max)
{
	for (;;) {
		size_t total = 2 * (n - 1), widest = 0;
		for (size_t i = 0; i < n; i++) {
			total += w[i];
			if (w[i] > w[widest])
				widest = i;
		}
		if (total <= max || w[widest] <= MIN_COL)
			return;
		w[widest]--;
	}
}

void cli_table_print(const struct cli_table *t, FILE *f)
{
	size_t *w = calloc(t->ncols, sizeof *w);
	if (!w)
		return;
	for (size_t r = 0; r < t->nlines; r++)
		for (size_t i = 0; i < t->ncols; i++) {
			size_t cw = cli_width(t->cells[r * t->ncols + i]);
			w[i] = cw > w[i] ? cw : w[i];
		}
	int term = cli_term_width(f);
	if (term > 0)
		fit(w, t->ncols, (size_t)term);
	for (size_t r = 0; r < t->nlines; r++) {
		for (size_t i = 0; i < t->ncols; i++) {
			put_cell(f, t->cells[r * t->ncols + i], w[i], i + 1 == t->ncols);
			fputs(i + 1 == t->ncols ? "\n" : "  ", f);
		}
	}
	free(w);
}

void cli_table_free(struct cli_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nlines * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void cli_print_pairs(FILE *f, const char *const *names, const char *const *values, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (values[i] && strlen(names[i]) > w)
			w = strlen(names[i]);
	for (size_t i = 0; i < n; i++)
		if (values[i])
			fprintf(f, "%-*s  %s\n", (int)w, names[i], values[i]);
}

void cli_print_json(json_t *j, FILE *f)
{
	json_dumpf(j, f, JSON_INDENT(2));
	fputc('\n', f);
}
