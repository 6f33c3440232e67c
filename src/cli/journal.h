/* journal.h - the resume journal of `customers import`: a text file next to the input that
 * records each row as it finishes (created, existed or rejected), keyed by the row's domain,
 * so a rerun after an interruption skips what is done.  Rows in flight at the interruption
 * are not in it; their rerun is safe because the create carries the same MS-RequestId.  One
 * line per row, appended with a single write(2); a torn last line is cut off on open. */
#ifndef CLI_JOURNAL_H
#define CLI_JOURNAL_H
#include <stdbool.h>
#include <stddef.h>

struct cli_journal;

/* Opens (or creates) the journal of an import into `server` and loads what it records.
 * CLI_OK, or an exit code after a message (CLI_USAGE when it belongs to another server). */
int cli_journal_open(const char *path, const char *server, struct cli_journal **out);

/* The outcome recorded for `key`, or NULL; *detail gets the customer id or the reason. */
const char *cli_journal_get(const struct cli_journal *j, const char *key, const char **detail);
size_t cli_journal_size(const struct cli_journal *j);

/* Records a finished row; 0, or -1 when the write failed. */
int cli_journal_add(struct cli_journal *j, const char *key, long row, const char *outcome,
		    const char *detail);

/* Closes the journal, deleting the file when `finished` (every row has an outcome). */
void cli_journal_close(struct cli_journal *j, bool finished);

#endif
