/* users.h - the `users` commands: a customer's users (its tenant's accounts) listed, shown,
 * added, changed, removed, and their passwords reset.  New temporary passwords are printed
 * once, as the server shows them once. */
#ifndef CLI_USERS_H
#define CLI_USERS_H
#include "args.h"

int cli_cmd_users_list(const struct cli_args *a);
int cli_cmd_users_show(const struct cli_args *a);
int cli_cmd_users_add(const struct cli_args *a);
int cli_cmd_users_update(const struct cli_args *a);
int cli_cmd_users_remove(const struct cli_args *a);
int cli_cmd_users_reset_password(const struct cli_args *a);

#endif
