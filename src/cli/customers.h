/* customers.h - the `customers` commands that work one call (or one page) at a time: list,
 * search, show, add, update, check-domain and export.  Import, with its two passes and its
 * concurrency, has a file of its own (import.c). */
#ifndef CLI_CUSTOMERS_H
#define CLI_CUSTOMERS_H
#include "args.h"
#include "http.h"
#include "ids.h"

int cli_cmd_list(const struct cli_args *a);
int cli_cmd_search(const struct cli_args *a);
int cli_cmd_show(const struct cli_args *a);
int cli_cmd_add(const struct cli_args *a);
int cli_cmd_update(const struct cli_args *a);
int cli_cmd_check_domain(const struct cli_args *a);
int cli_cmd_export(const struct cli_args *a);

/* The customer id an operand names: an id as it is, a default domain (or its prefix) looked
 * up.  CLI_OK, or CLI_NOTFOUND / CLI_USAGE after a message. */
int cli_customer_resolve(struct cli_http *h, const char *operand, char id[PD_UUID_LEN + 1]);

#endif
