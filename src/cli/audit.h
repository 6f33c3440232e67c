/* audit.h - `audit`: the partner's activity log (/v1/auditrecords) between two dates, with
 * one filter, every page streamed out as a table, CSV or JSON. */
#ifndef CLI_AUDIT_H
#define CLI_AUDIT_H
#include "args.h"

int cli_cmd_audit(const struct cli_args *a);

#endif
