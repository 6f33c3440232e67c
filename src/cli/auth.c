/* auth.c - login, logout and whoami.  The token endpoint answers OAuth2-style
 * ({"access_token", "expires_in"} or {"error", "error_description"}); the token, the server
 * and who signed in go to the config file (config.c).  whoami asks the server (GET /v1/me)
 * who the token belongs to; a server without that route is asked for a one-item customer
 * page instead, and what login recorded is shown. */
#include "auth.h"
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "api.h"
#include "cli.h"
#include "output.h"

#define SECRET_MAX 1100

/* Reads one line into buf without its line break; false at end of input or when empty. */
static bool read_line(FILE *f, char *buf, size_t cap)
{
	if (!fgets(buf, (int)cap, f))
		return false;
	buf[strcspn(buf, "\r\n")] = 0;
	return buf[0] != 0;
}

/* Asks on the terminal (stdin must be one); echo off when `secret`. */
static bool prompt(const char *question, bool secret, char *buf, size_t cap)
{
	struct termios old, quiet;
	if (!isatty(STDIN_FILENO))
		return false;
	/* echo off before the question: TCSAFLUSH drops what was typed before it, so nothing
	 * typed after the question appears may be lost */
	bool restore = secret && tcgetattr(STDIN_FILENO, &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	fputs(question, stderr);
	fflush(stderr);
	bool ok = read_line(stdin, buf, cap);
	if (restore) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	return ok;
}

static bool secret_from_file(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	bool ok = f && read_line(f, buf, cap);
	if (f)
		fclose(f);
	return ok;
}

/* The client secret: --client-secret-file, $PARTNERCTL_CLIENT_SECRET, stdin or a prompt. */
static int client_secret(const struct cli_args *a, char *buf, size_t cap)
{
	const char *file = cli_arg(a, "client-secret-file"), *env = getenv("PARTNERCTL_CLIENT_SECRET");
	if (file)
		return secret_from_file(file, buf, cap) ? CLI_OK : cli_fail(CLI_USAGE, "cannot read a secret from %s", file);
	if (env && *env && snprintf(buf, cap, "%s", env) < (int)cap)
		return CLI_OK;
	if (cli_flag(a, "password-stdin"))
		return read_line(stdin, buf, cap) ? CLI_OK : cli_fail(CLI_USAGE, "no secret on standard input");
	if (prompt("Client secret: ", true, buf, cap))
		return CLI_OK;
	return cli_fail(CLI_USAGE, "no client secret: use --client-secret-file, PARTNERCTL_CLIENT_SECRET or --password-stdin");
}

static int user_password(const struct cli_args *a, char *user, size_t ucap, char *pw, size_t cap)
{
	const char *u = cli_arg(a, "user");
	if (u)
		snprintf(user, ucap, "%s", u);
	else if (!prompt("User name: ", false, user, ucap))
		return cli_fail(CLI_USAGE, "login: --user NAME is required when there is no terminal to ask on");
	if (cli_flag(a, "password-stdin"))
		return read_line(stdin, pw, cap) ? CLI_OK : cli_fail(CLI_USAGE, "no password on standard input");
	if (prompt("Password: ", true, pw, cap))
		return CLI_OK;
	return cli_fail(CLI_USAGE, "login: no terminal to ask for the password on; use --password-stdin");
}

/* "k1=v1&k2=v2" with the values percent-encoded; malloc'd. */
static char *form(const char *const kv[][2], size_t n)
{
	size_t cap = 64;
	for (size_t i = 0; i < n; i++)
		cap += strlen(kv[i][0]) + 3 * strlen(kv[i][1]) + 2;
	char *out = calloc(1, cap);
	for (size_t i = 0; out && i < n; i++) {
		char *v = cli_http_encode(kv[i][1]);
		size_t len = strlen(out);
		snprintf(out + len, cap - len, "%s%s=%s", i ? "&" : "", kv[i][0], v ? v : "");
		if (v)
			sodium_memzero(v, strlen(v));
		free(v);
	}
	return out;
}

/* POSTs the grant; on success *token (malloc'd) and *ttl.  An exit code otherwise. */
static int request_token(struct cli_http *h, const char *body, char **token, long long *ttl)
{
	struct cli_req rq = {.method = EVHTTP_REQ_POST, .path = "/oauth2/token",
			     .ctype = "application/x-www-form-urlencoded", .body = body, .len = strlen(body)};
	struct cli_resp r;
	char why[512];
	if (cli_http_call(h, &rq, &r) != 0)
		return cli_api_report(&r);
	json_t *j = r.status == 200 ? json_loadb(r.body, r.len, 0, NULL) : NULL;
	const char *t = json_string_value(json_object_get(j, "access_token"));
	int rc = CLI_OK;
	if (t) {
		*token = strdup(t);
		*ttl = json_integer_value(json_object_get(j, "expires_in"));
	} else {
		cli_api_error_text(&r, why, sizeof why);
		rc = cli_fail(CLI_ERROR, "login failed: %s", why);
	}
	json_decref(j);
	if (r.body)
		sodium_memzero(r.body, r.len);
	cli_resp_clear(&r);
	return rc;
}

/* The grant's form body and who it names; secrets wiped before returning. */
static int grant(const struct cli_args *a, char **body, char *who, size_t wcap)
{
	char secret[SECRET_MAX];
	const char *client = cli_arg(a, "client-id");
	int rc = client ? client_secret(a, secret, sizeof secret)
			: user_password(a, who, wcap, secret, sizeof secret);
	if (rc == CLI_OK && client) {
		const char *kv[][2] = {{"grant_type", "client_credentials"}, {"client_id", client}, {"client_secret", secret}};
		*body = form(kv, 3);
		snprintf(who, wcap, "app %s", client);
	} else if (rc == CLI_OK) {
		const char *kv[][2] = {{"grant_type", "password"}, {"username", who}, {"password", secret}};
		*body = form(kv, 3);
	}
	sodium_memzero(secret, sizeof secret);
	return rc;
}

/* `server` and `cacert` may be cfg's own: use cfg's members once they are set. */
static int save_login(struct cli_config *cfg, const char *server, const char *cacert, const char *token,
		      const char *who, long long ttl)
{
	cli_config_set(&cfg->cacert, cacert);
	cli_config_set(&cfg->server, server);
	cli_config_set(&cfg->token, token);
	cli_config_set(&cfg->principal, who);
	cfg->expires = ttl > 0 ? (long long)time(NULL) + ttl : 0;
	int rc = cli_config_save(cfg);
	if (rc == CLI_OK)
		printf("Logged in to %s as %s (the token is good for %lld minutes).\n", cfg->server, who, ttl / 60);
	return rc;
}

/* --cacert as an absolute path (later commands run from anywhere), checked readable now;
 * without it, the CA remembered with that server. */
static int login_cacert(const struct cli_args *a, const struct cli_config *cfg, const char *server,
			char *out, size_t cap)
{
	const char *given = cli_arg(a, "cacert"), *kept = cli_session_cacert(cfg, server);
	char *abs = given ? realpath(given, NULL) : NULL;
	FILE *f = abs ? fopen(abs, "r") : NULL;
	out[0] = 0;
	if (given && !f) {
		free(abs);
		return cli_fail(CLI_USAGE, "login: --cacert %s: %s", given, strerror(errno));
	}
	if (f)
		fclose(f);
	snprintf(out, cap, "%s", abs ? abs : kept ? kept : "");
	free(abs);
	return CLI_OK;
}

int cli_cmd_login(const struct cli_args *a)
{
	struct cli_config cfg;
	char who[300] = "", err[600], ca[PATH_MAX] = "", *body = NULL, *token = NULL;
	long long ttl = 0;
	if (cli_arg(a, "client-id") && cli_arg(a, "user"))
		return cli_fail(CLI_USAGE, "login: --user and --client-id exclude each other");
	int rc = cli_config_load(&cfg);
	const char *server = cli_arg(a, "server") ? cli_arg(a, "server") : getenv("PARTNERCTL_SERVER");
	if (!server || !*server)
		server = cfg.server;
	if (rc == CLI_OK && server)
		rc = login_cacert(a, &cfg, server, ca, sizeof ca);
	struct cli_http *h = rc == CLI_OK && server ? cli_http_new(server, ca[0] ? ca : NULL, err, sizeof err) : NULL;
	if (rc == CLI_OK && !server)
		rc = cli_fail(CLI_USAGE, "login: --server URL is required (e.g. http://127.0.0.1:8080)");
	else if (rc == CLI_OK && !h)
		rc = cli_fail(CLI_USAGE, "login: %s", err);
	if (rc == CLI_OK)
		rc = grant(a, &body, who, sizeof who);
	if (rc == CLI_OK)
		rc = request_token(h, body, &token, &ttl);
	if (rc == CLI_OK)
		rc = save_login(&cfg, server, ca[0] ? ca : NULL, token, who, ttl);
	if (body)
		sodium_memzero(body, strlen(body));
	if (token)
		sodium_memzero(token, strlen(token));
	free(body);
	free(token);
	cli_http_free(h);
	cli_config_free(&cfg);
	return rc;
}

int cli_cmd_logout(const struct cli_args *a)
{
	struct cli_config cfg;
	(void)a;
	int rc = cli_config_load(&cfg);
	if (rc == CLI_OK && cfg.token) {
		cli_config_set(&cfg.token, NULL);
		cli_config_set(&cfg.principal, NULL);
		cfg.expires = 0;
		rc = cli_config_save(&cfg);
	}
	if (rc == CLI_OK)
		printf("Logged out%s%s.\n", cfg.server ? " of " : "", cfg.server ? cfg.server : "");
	if (rc == CLI_OK && getenv("PARTNERCTL_TOKEN") && *getenv("PARTNERCTL_TOKEN"))
		fputs("partnerctl: note: PARTNERCTL_TOKEN is still set in the environment\n", stderr);
	cli_config_free(&cfg);
	return rc;
}

/* ---- whoami ---- */

static void expiry_text(long long expires, char *buf, size_t cap)
{
	time_t t = (time_t)expires;
	struct tm tm;
	char when[64];
	if (!expires || !gmtime_r(&t, &tm)) {
		snprintf(buf, cap, "unknown");
		return;
	}
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	long long left = expires - (long long)time(NULL);
	snprintf(buf, cap, "%s (%s %lld min)", when, left >= 0 ? "in" : "expired", (left >= 0 ? left : -left) / 60);
}

/* "a, b, c" of a JSON array of strings, in buf. */
static const char *joined(json_t *arr, char *buf, size_t cap)
{
	size_t i;
	json_t *v;
	buf[0] = 0;
	json_array_foreach(arr, i, v) {
		snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", i ? ", " : "", json_string_value(v));
	}
	return arr ? buf : NULL;
}

/* Who the server says the token belongs to (GET /v1/me), or, from a server without that
 * route, what login recorded. */
static const char *principal(const struct cli_session *s, json_t *me, char *buf, size_t cap)
{
	const char *upn = json_string_value(json_object_get(me, "userPrincipalName"));
	const char *kind = json_string_value(json_object_get(me, "kind"));
	if (upn)
		return upn;
	if (kind && !strcmp(kind, "application"))
		snprintf(buf, cap, "app %s", json_string_value(json_object_get(me, "id")));
	else
		snprintf(buf, cap, "%s", s->token_env ? "(token from PARTNERCTL_TOKEN)" : s->cfg.principal ? s->cfg.principal : "unknown");
	return buf;
}

static void whoami_print(const struct cli_session *s, json_t *me, bool valid, bool json)
{
	char exp[128], who[300], roles[512];
	const char *names[] = {"server", "user", "roles", "partner", "expires", "token"};
	const char *values[] = {s->server, principal(s, me, who, sizeof who),
				joined(json_object_get(me, "roles"), roles, sizeof roles),
				json_string_value(json_object_get(me, "partnerId")), exp,
				valid ? "accepted by the server" : "refused by the server"};
	expiry_text(s->token_env ? 0 : s->cfg.expires, exp, sizeof exp);
	if (!json) {
		cli_print_pairs(stdout, names, values, 6);
		return;
	}
	json_t *o = json_pack("{s:s, s:s, s:s, s:b}", "server", s->server, "principal", values[1], "tokenSource",
			      s->token_env ? "environment" : "config", "valid", valid);
	if (!s->token_env && s->cfg.expires)
		json_object_set_new(o, "expires", json_integer(s->cfg.expires));
	if (me)
		json_object_set(o, "me", me);
	cli_print_json(o, stdout);
	json_decref(o);
}

/* GET path: CLI_OK with r filled when the server answered 200, 401 or 404; else after a message. */
static int probe(struct cli_http *h, const char *path, struct cli_resp *r)
{
	struct cli_req rq = {.method = EVHTTP_REQ_GET, .path = path};
	if (cli_http_call(h, &rq, r) == 0 && (r->status == 200 || r->status == 401 || r->status == 404))
		return CLI_OK;
	int rc = cli_api_report(r);
	cli_resp_clear(r);
	return rc;
}

/* Asks the server who the token is: *me from /v1/me (NULL on servers without it). */
static int check_token(struct cli_http *h, json_t **me, bool *valid)
{
	struct cli_resp r;
	int rc = probe(h, "/v1/me", &r);
	bool has_me = rc == CLI_OK && r.status != 404;
	if (rc == CLI_OK && !has_me) {
		cli_resp_clear(&r);
		rc = probe(h, "/v1/customers?size=1", &r);
	}
	if (rc != CLI_OK)
		return rc;
	*valid = r.status == 200;
	*me = *valid && has_me ? json_loadb(r.body, r.len, 0, NULL) : NULL;
	cli_resp_clear(&r);
	return CLI_OK;
}

int cli_cmd_whoami(const struct cli_args *a)
{
	struct cli_session s;
	struct cli_http *h = NULL;
	json_t *me = NULL;
	bool valid = false;
	int rc = cli_api_open(&s, &h);
	if (rc == CLI_OK)
		rc = check_token(h, &me, &valid);
	if (rc == CLI_OK)
		whoami_print(&s, me, valid, cli_flag(a, "json"));
	if (rc == CLI_OK && !valid)
		rc = cli_fail(CLI_ERROR, "the token was refused (expired or revoked): run 'partnerctl login'");
	json_decref(me);
	cli_api_close(&s, h);
	return rc;
}
