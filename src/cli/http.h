/* http.h - partnerctl's HTTP client (libcurl on a libevent base): http:// and https:// (the
 * peer verified against the system CA store or a --cacert file; TLS 1.2+; HTTP/2 where the
 * server offers it), proxies from the environment, redirects never followed.  One event base
 * per process, reusable connections (struct cli_conn) that carry one request at a time, a
 * synchronous call for the ordinary commands and a callback form for import's bounded
 * concurrency.  Adds Accept, Authorization and X-Locale to every request.  Knows nothing of
 * the API's resources (api.c does).  Returns 0 / -1. */
#ifndef CLI_HTTP_H
#define CLI_HTTP_H
#include <event2/http.h>
#include <stddef.h>

struct cli_http;
struct cli_conn;

struct cli_req {
	enum evhttp_cmd_type method;
	const char *path;           /* "/v1/customers?size=10": below the server URL's path */
	const char *ctype;          /* Content-Type of body, NULL without a body */
	const char *body;
	size_t len;
	const char *headers[4][2];  /* extra headers, {NULL} ends them */
};

struct cli_hdr {
	char *name, *value;
};

/* A response.  status 0: no response at all (connection refused, timeout, reset, an
 * untrusted certificate); `error` then says why.  The receiver owns it and calls cli_resp_clear. */
struct cli_resp {
	int status;
	char *body;                 /* NUL-terminated, may be empty */
	size_t len;
	struct cli_hdr *hdrs;
	size_t nhdrs;
	char error[512];
};

typedef void (*cli_done_fn)(struct cli_resp *r, void *arg);

/* Parses `url` (http[s]://host[:port][/path], "http://" optional).  NULL with a message in err
 * for anything else.  `cacert`: a PEM file of CA certificates trusted instead of the system
 * store for https (NULL: the system store). */
struct cli_http *cli_http_new(const char *url, const char *cacert, char *err, size_t cap);

/* The server in one canonical spelling, "http[s]://host:port/path" (host in lower case, no
 * trailing slash), whatever spelling the URL had: what names a deployment. */
const char *cli_http_origin(const struct cli_http *h);
void cli_http_free(struct cli_http *h);
void cli_http_set_token(struct cli_http *h, const char *token);
struct event_base *cli_http_base(struct cli_http *h);

/* A synchronous request on the client's own connection: runs the event loop until the
 * response arrives.  0 when a response came (any status), -1 otherwise (out->error says). */
int cli_http_call(struct cli_http *h, const struct cli_req *rq, struct cli_resp *out);

/* Connections for concurrent requests; free only when no request is in flight. */
struct cli_conn *cli_conn_new(struct cli_http *h);
void cli_conn_free(struct cli_conn *c);

/* Sends rq (copied: rq may go after the call) and calls done when the response or the
 * failure arrives.  -1 when the request could not even be queued (done is not called). */
int cli_conn_send(struct cli_conn *c, const struct cli_req *rq, cli_done_fn done, void *arg);

/* The first header of that name (any case), or NULL. */
const char *cli_resp_header(const struct cli_resp *r, const char *name);
void cli_resp_clear(struct cli_resp *r);

/* Percent-encodes s for a query or form value; malloc'd. */
char *cli_http_encode(const char *s);

#endif
