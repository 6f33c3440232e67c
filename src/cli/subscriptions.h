/* subscriptions.h - the `subscriptions` commands: list and show a customer's subscriptions,
 * change a quantity, suspend and reactivate (etag-checked PATCHes, retried on request), and
 * order new ones.  The offer catalog they are ordered from is offers.c's. */
#ifndef CLI_SUBSCRIPTIONS_H
#define CLI_SUBSCRIPTIONS_H
#include "args.h"

int cli_cmd_subs_list(const struct cli_args *a);
int cli_cmd_subs_show(const struct cli_args *a);
int cli_cmd_subs_quantity(const struct cli_args *a);
int cli_cmd_subs_suspend(const struct cli_args *a);
int cli_cmd_subs_reactivate(const struct cli_args *a);
int cli_cmd_subs_order(const struct cli_args *a);

#endif
