/* cli.h - the conventions every partnerctl file follows: commands and the functions they
 * call return an exit code (enum cli_rc) and print their own message once, where the failure
 * is found, through cli_fail(); lower layers (csv, http, journal) return 0 / -1 and leave the
 * words to their caller.  Also the few helpers every command needs (locale, kebab-case flag
 * names, whole-file reads).  Not the command table (commands.c) nor the HTTP client (http.c). */
#ifndef CLI_H
#define CLI_H
#include <stdbool.h>
#include <stddef.h>
#include "messages.h"

/* Exit codes that scripts can rely on (docs/cli.md). */
enum cli_rc {
	CLI_OK = 0,
	CLI_ERROR = 1,     /* the server refused, the network failed, bad data */
	CLI_USAGE = 2,     /* bad command line */
	CLI_NOTFOUND = 3,  /* HTTP 404 */
	CLI_CONFLICT = 4,  /* HTTP 409 and 412; a taken domain */
	CLI_INTERRUPTED = 130,
};

/* Prints "partnerctl: <message>\n" on stderr and returns rc. */
int cli_fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The locale for messages: LC_ALL, LC_MESSAGES or LANG ("zh_CN.UTF-8" -> zh-CN). */
enum pd_locale cli_locale(void);
const char *cli_locale_tag(enum pd_locale loc);

/* "companyName" -> "company-name" into out (cap bytes); returns out. */
char *cli_kebab(const char *camel, char *out, size_t cap);

/* Reads a whole file (or stdin for "-") into a NUL-terminated malloc'd buffer; NULL with
 * errno set on failure.  *len gets the length when len is not NULL. */
char *cli_read_file(const char *path, size_t *len);

/* Seconds since the epoch with sub-second precision (CLOCK_MONOTONIC when mono). */
double cli_now(bool mono);

#endif
