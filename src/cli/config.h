/* config.h - where partnerctl keeps its sign-in: ~/.config/partnerctl/config (or under
 * $XDG_CONFIG_HOME), a small JSON document with the server, the bearer token, who signed in and
 * when the token expires, and the CA file that server's certificate is checked against (login
 * --cacert).  The file is written atomically with mode 0600 in a 0700 directory.
 * $PARTNERCTL_SERVER, $PARTNERCTL_TOKEN and $PARTNERCTL_CACERT override what the file says. */
#ifndef CLI_CONFIG_H
#define CLI_CONFIG_H
#include <stdbool.h>

struct cli_config {
	char *server;        /* base URL, e.g. http://127.0.0.1:8080 */
	char *token;         /* bearer token, NULL when signed out */
	char *principal;     /* "admin@contoso.cn" or "app 0f3c..." */
	long long expires;   /* unix seconds, 0 when unknown */
	char *cacert;        /* the CA file for an https server, NULL: the system store */
};

/* Reads the file (a missing file is an empty config).  CLI_OK or CLI_ERROR after a message. */
int cli_config_load(struct cli_config *c);

/* Writes it (0600, atomically).  CLI_OK or CLI_ERROR after a message. */
int cli_config_save(const struct cli_config *c);

void cli_config_free(struct cli_config *c);

/* The file's path (static storage). */
const char *cli_config_path(void);

/* Replaces a string member (NULL clears it). */
void cli_config_set(char **member, const char *value);

/* Where the session comes from: the environment or the file. */
struct cli_session {
	struct cli_config cfg;
	const char *server, *token, *cacert;
	bool server_env, token_env;
};

/* The CA file for `server`: $PARTNERCTL_CACERT, else the one remembered with that server (the
 * config's own), else NULL (the system store). */
const char *cli_session_cacert(const struct cli_config *c, const char *server);

/* Loads the session; CLI_OK, or CLI_ERROR with a message saying how to sign in when the
 * server or the token is missing and `need_token` is set. */
int cli_session_load(struct cli_session *s, bool need_token);

#endif
