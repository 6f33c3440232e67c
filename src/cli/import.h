/* import.h - `customers import FILE`: pass 1 validates every row with the server's own rules
 * and reports every error by row and column; pass 2 creates the customers with bounded
 * concurrency (N keep-alive connections, one request in flight on each), resumably
 * (journal.c) and idempotently (a deterministic MS-RequestId per domain), writing new admin
 * credentials (0600) and a rejects file with reasons. */
#ifndef CLI_IMPORT_H
#define CLI_IMPORT_H
#include "args.h"

int cli_cmd_import(const struct cli_args *a);

#endif
