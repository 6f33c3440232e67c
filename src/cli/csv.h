/* csv.h - RFC 4180 CSV: a streaming reader (one record at a time, quoted fields with commas,
 * doubled quotes and line breaks, CRLF or LF, a UTF-8 byte order mark skipped) and a writer
 * that quotes exactly the fields that need it.  Records are numbered from 1 (the header) as
 * a spreadsheet numbers its rows; blank lines count but are skipped.  Bytes pass through
 * unchanged: checking UTF-8 is the caller's business.  Returns 1 / 0 / -1, never prints. */
#ifndef CLI_CSV_H
#define CLI_CSV_H
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
 * space; NULL fields are empty.  Ends with "\n". */
void cli_csv_write(FILE *f, const char *const *fields, size_t n);

#endif
