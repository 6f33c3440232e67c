/* auth.h - signing in and out: `login` (OAuth2 password grant for a partner user, client
 * credentials for a partner app), `logout` and `whoami`.  Secrets come from a prompt without
 * echo, standard input, a file or the environment, never from argv, and are wiped after use. */
#ifndef CLI_AUTH_H
#define CLI_AUTH_H
#include "args.h"

int cli_cmd_login(const struct cli_args *a);
int cli_cmd_logout(const struct cli_args *a);
int cli_cmd_whoami(const struct cli_args *a);

#endif
