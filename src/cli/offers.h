/* offers.h - `offers list`: the offer catalog of a country (GET /v1/offers), what
 * `subscriptions order` takes.  Names come in the caller's language (X-Locale). */
#ifndef CLI_OFFERS_H
#define CLI_OFFERS_H
#include "args.h"

int cli_cmd_offers_list(const struct cli_args *a);

#endif
