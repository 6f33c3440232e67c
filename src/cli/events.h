/* events.h - `events tail`: follows the partner's change feed (GET /v1/events, long-polling
 * with wait=30) and prints each event as it comes, one line each (or one JSON object per line
 * with --json), resuming after the last cursor it printed when the server goes away. */
#ifndef CLI_EVENTS_H
#define CLI_EVENTS_H
#include "args.h"

int cli_cmd_events_tail(const struct cli_args *a);

#endif
