/* csv.h - RFC 4180 CSV: a streaming reader (one record at a time, quoted fields with commas,
 * doubled quotes and line breaks, CRLF or LF, a UTF-8 byte order mark skipped) and a writer
 * that quotes exactly the fields that need it.  Records are numbered from 1 (the header) as
 * a spreadsheet numbers its rows; blank lines count but are skipped.  Bytes pass through
 * unchanged (checking UTF-8 is the caller's business) but for one rule against formula
 * injection (OWASP's): the writer puts a ' before a cell a spreadsheet would take for a
 * formula (one starting with = + - @ TAB or CR, after any quotes of its own), and the reader
 * takes exactly that one ' off again, so what the writer wrote reads back unchanged.
 * Returns 1 / 0 / -1, never prints. */
#ifndef CLI_CSV_H
#define CLI_CSV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct cli_csv;

/* A reader over f, which it does not own.  NULL when out of memory. */
struct cli_csv *cli_csv_new(FILE *f);
void cli_csv_free(struct cli_csv *r);

/* The next record: 1 with its fields (valid until the next call), 0 at the end, -1 when
 * the record is malformed (cli_csv_error says how; reading continues after it). */
int cli_csv_read(struct cli_csv *r, char ***fields, size_t *n);
const char *cli_csv_error(const struct cli_csv *r);

/* Number of the record last read (the header is 1). */
long cli_csv_record(const struct cli_csv *r);

/* Back to the first record (the file must be seekable); -1 when it is not. */
int cli_csv_rewind(struct cli_csv *r);

/* Writes one record, quoting fields that hold a comma, quote, line break or surrounding
 * space; NULL fields are empty.  A formula-like field is written as "'..." (quoted, one '
 * in front).  Ends with "\n". */
void cli_csv_write(FILE *f, const char *const *fields, size_t n);

/* As cli_csv_write without the formula rule: for files of values partnerd made itself
 * (generated passwords), which must read back exactly in any CSV reader. */
void cli_csv_write_verbatim(FILE *f, const char *const *fields, size_t n);

/* The formula rule on its own: true if the writer puts a ' before s (s, after its own
 * leading quotes, starts with = + - @ TAB or CR). */
bool cli_csv_formula_like(const char *s);

#endif
