/* output.h - what partnerctl prints for people: tables whose columns line up on a terminal
 * however much Chinese, Japanese or Korean they hold (display widths from utf8proc: wide
 * characters count 2, combining marks 0), cut with "…" to the terminal's width, and aligned
 * "name  value" listings.  --json goes through cli_print_json; CSV lives in csv.c. */
#ifndef CLI_OUTPUT_H
#define CLI_OUTPUT_H
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* Columns of a terminal showing f (ioctl, else $COLUMNS), 0 when f is not a terminal. */
int cli_term_width(FILE *f);

/* Display width of UTF-8 text (invalid bytes count 1). */
size_t cli_width(const char *s);

struct cli_table;
struct cli_table *cli_table_new(size_t ncols, const char *const *headers);
void cli_table_add(struct cli_table *t, const char *const *cells); /* copies; NULL = "" */
/* Prints the table; on a terminal, the widest columns are cut to fit its width. */
void cli_table_print(const struct cli_table *t, FILE *f);
void cli_table_free(struct cli_table *t);

/* Lines "name   value", names padded to the widest; NULL values are skipped. */
void cli_print_pairs(FILE *f, const char *const *names, const char *const *values, size_t n);

/* Indented JSON and a newline; UTF-8 as is. */
void cli_print_json(json_t *j, FILE *f);

#endif
