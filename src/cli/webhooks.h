/* webhooks.h - the `webhooks` commands: the partner's webhook registration (Partner Center's
 * /webhooks/v1/registration) shown, registered, changed and deleted, its events listed, a test
 * event sent (and with --wait followed to its result), the delivery log and the redelivery of
 * a parked event (partnerd's own extension).  docs/webhooks.md has the API. */
#ifndef CLI_WEBHOOKS_H
#define CLI_WEBHOOKS_H
#include "args.h"

int cli_cmd_webhooks_show(const struct cli_args *a);
int cli_cmd_webhooks_events(const struct cli_args *a);
int cli_cmd_webhooks_register(const struct cli_args *a);
int cli_cmd_webhooks_update(const struct cli_args *a);
int cli_cmd_webhooks_delete(const struct cli_args *a);
int cli_cmd_webhooks_test(const struct cli_args *a);
int cli_cmd_webhooks_deliveries(const struct cli_args *a);
int cli_cmd_webhooks_redeliver(const struct cli_args *a);

#endif
