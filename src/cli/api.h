/* api.h - partnerd's REST API as partnerctl uses it: open a session (server + token), make a
 * call with a JSON body and get JSON back, and the one place where an HTTP answer becomes an
 * exit code and a message (404 -> 3, 409/412 -> 4, everything else that is not 2xx -> 1, with
 * the server's description and every field it names).  Paths are built by the callers. */
#ifndef CLI_API_H
#define CLI_API_H
#include <jansson.h>
#include "config.h"
#include "http.h"

/* Loads the session and connects.  CLI_OK, or an exit code after a message. */
int cli_api_open(struct cli_session *s, struct cli_http **h);
void cli_api_close(struct cli_session *s, struct cli_http *h);

struct cli_call {
	enum evhttp_cmd_type method;
	const char *path;
	json_t *body;                 /* sent as JSON when not NULL (borrowed) */
	const char *headers[3][2];    /* extra request headers, {NULL} ends them */
	int expect;                   /* a non-2xx status that is an answer rather than an error:
					 returned as its exit code without a message */
};

/* Makes the call.  On 2xx: CLI_OK, *out the parsed body (NULL when empty; out may be NULL)
 * and, when resp is not NULL, the response itself (the caller clears it).  Otherwise the
 * exit code for the answer, after printing what the server said (unless it is c->expect). */
int cli_api_call(struct cli_http *h, const struct cli_call *c, json_t **out, struct cli_resp *resp);

/* The exit code for an HTTP status. */
int cli_api_rc(int status);

/* An error answer in one line: the description, then each detail's ("...; ..."). */
void cli_api_error_text(const struct cli_resp *r, char *buf, size_t cap);

/* Prints an error answer (or a failed connection) as cli_api_call does; returns its exit code. */
int cli_api_report(const struct cli_resp *r);

#endif
