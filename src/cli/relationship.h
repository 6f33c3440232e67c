/* relationship.h - `relationship-link`: the partner's reusable reseller invitation link
 * (/v1/customers/relationshiprequests), shown, re-issued or revoked. */
#ifndef CLI_RELATIONSHIP_H
#define CLI_RELATIONSHIP_H
#include "args.h"

int cli_cmd_relationship_link(const struct cli_args *a);

#endif
