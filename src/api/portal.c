/* portal.c - the web portal's files (web/, compiled into the binary) at / and /assets/{file},
 * under a strict Content-Security-Policy, and its session: GET /portal/session (the signed-in
 * user and the session's CSRF token) and DELETE /portal/session (sign-out).  Sign-in is
 * POST /portal/session in oauth.c, behind this file's check that it comes from the portal's
 * own pages (login CSRF).  Files are looked up by exact name in the embedded table, so no
 * path can reach anything else. */
#include <strings.h>
#include <string.h>
#include "activity.h"
#include "api.h"
#include "auth.h"
#include "embed.h"

static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
			  "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
			  "frame-ancestors 'none'";

static const char *content_type(const char *name)
{
	static const struct { const char *ext, *type; } types[] = {
		{".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},   {".json", "application/json; charset=utf-8"},
		{".svg", "image/svg+xml"},
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

/* A validator of the file's bytes (FNV-1a): the files change only with the binary. */
static const char *file_etag(const struct pd_embed *f, struct pd_arena *ar)
{
	unsigned long long h = 1469598103934665603ull;
	for (size_t i = 0; i < f->len; i++)
		h = (h ^ (unsigned char)f->data[i]) * 1099511628211ull;
	return pd_printf(ar, "\"%016llx\"", h);
}

static enum pd_next send_file(struct pd_req *r, const char *name)
{
	const struct pd_embed *f = pd_embed_find(pd_web_files, name);
	if (!f) {
		pd_reply_error(r, PD_ENOTFOUND, PD_MSG_NO_ROUTE, NULL, NULL);
		return PD_REPLY;
	}
	const char *etag = file_etag(f, r->ar), *inm = pd_req_header(r, "If-None-Match");
	pd_reply_header(r, "Content-Security-Policy", csp);
	pd_reply_header(r, "Referrer-Policy", "no-referrer");
	pd_reply_header(r, "X-Frame-Options", "DENY");
	pd_reply_header(r, "Cache-Control", "no-cache");
	pd_reply_header(r, "ETag", etag);
	if (inm && !strcmp(inm, etag))
		pd_reply_raw(r, 304, NULL, NULL, 0);
	else
		pd_reply_raw(r, 200, content_type(name), f->data, f->len);
	return PD_REPLY;
}

enum pd_next pd_portal_index(struct pd_req *r)
{
	return send_file(r, "index.html");
}

enum pd_next pd_portal_asset(struct pd_req *r)
{
	return send_file(r, r->params[0]);
}

/* ---- sign-in only from the portal's own pages (login CSRF) ---- */

/* The origin ("scheme://host[:port]") of a URL, in the arena. */
static const char *origin_of(struct pd_arena *ar, const char *url)
{
	const char *host = strstr(url, "://");
	size_t n = host ? (size_t)(host + 3 - url) + strcspn(host + 3, "/?#") : strlen(url);
	return pd_strndup(ar, url, n);
}

/* Origin is this server's own: --public-url's origin when it is set, else the Host the browser
 * asked for (over http, or https through a TLS proxy). */
static bool own_origin(struct pd_req *r, const char *origin)
{
	const char *host = pd_req_header(r, "Host");
	if (r->cfg->public_url)
		return !strcasecmp(origin, origin_of(r->ar, r->cfg->public_url));
	if (!host || !*host)
		return false;
	const char *rest = !strncasecmp(origin, "http://", 7)    ? origin + 7
			   : !strncasecmp(origin, "https://", 8) ? origin + 8
								 : NULL;
	return rest && !strcasecmp(rest, host);
}

/* A browser names the page a POST comes from: Sec-Fetch-Site (anything but same-origin, or
 * none for a typed URL, is another site's) and Origin (which must be this server's).  With
 * neither header (curl, scripts, old browsers) the sign-in is allowed: a browser that could
 * be made to post from another site sends Origin with every cross-origin POST. */
enum pd_next pd_portal_signin(struct pd_req *r)
{
	const char *site = pd_req_header(r, "Sec-Fetch-Site"), *origin = pd_req_header(r, "Origin");
	bool site_ok = !site || !strcasecmp(site, "same-origin") || !strcasecmp(site, "none");
	if (!site_ok || (origin && !own_origin(r, origin))) {
		pd_reply_error(r, PD_EFORBIDDEN, PD_MSG_CROSS_SITE, site_ok ? "Origin" : "Sec-Fetch-Site", NULL);
		return PD_REPLY;
	}
	return pd_session_create(r);
}

/* What the caller's roles allow, by permission name: the portal hides what is not here
 * (and the server refuses it anyway). */
static json_t *permissions(const char *roles)
{
	json_t *a = json_array();
	for (int p = PD_PERM_SELF; p < PD_PERM_COUNT; p++)
		if (pd_roles_allow(roles, (enum pd_perm)p))
			json_array_append_new(a, json_string(pd_perm_name((enum pd_perm)p)));
	return a;
}

/* The caller as /v1/me shows it, plus what its roles allow, the deployment's domain suffix,
 * its partner's name and, for a cookie session, the session's CSRF token. */
enum pd_next pd_session_get(struct pd_req *r)
{
	pd_me_get(r);
	if (r->resp.status == 200 && r->resp.body) {
		char csrf[PD_CSRF_CHARS + 1];
		if (r->session) {
			pd_auth_csrf(r->key, r->session, csrf);
			json_object_set_new(r->resp.body, "csrfToken", json_string(csrf));
		}
		json_object_set_new(r->resp.body, "permissions", permissions(r->who.roles));
		json_object_set_new(r->resp.body, "domainSuffix", json_string(r->cfg->domain_suffix));
		struct pd_partner p;
		if (store_partner_get(r->st, r->who.partner_id, &p, r->ar) == PD_OK)
			json_object_set_new(r->resp.body, "partnerName", json_string(p.name));
	}
	return PD_REPLY;
}

enum pd_next pd_session_end(struct pd_req *r)
{
	if (!r->session) {
		pd_reply_error(r, PD_EUNAUTH, PD_MSG_UNAUTHORIZED, NULL, NULL);
		return PD_REPLY;
	}
	return PD_WRITE;
}

enum pd_err pd_session_end_write(struct pd_req *r, struct store *st)
{
	unsigned char digest[PD_DIGEST_LEN];
	struct pd_audit a;
	pd_secret_digest(r->key, r->session, digest);
	enum pd_err e = store_token_delete(st, r->who.partner_id, digest);
	if (e != PD_OK)
		return e;
	pd_activity_fill(r, &a, "sign_out", "partner_user", "succeeded", NULL, NULL);
	a.resource_id = r->who.id;
	return pd_activity_write(r, st, &a);
}

void pd_session_end_finish(struct pd_req *r, enum pd_err e)
{
	if (e != PD_OK) {
		pd_api_store_error(r, e, PD_NOUN_SESSION, NULL);
		return;
	}
	bool https = r->cfg->tls || (r->cfg->public_url && !strncmp(r->cfg->public_url, "https:", 6));
	pd_reply_header(r, "Set-Cookie", https ? PD_SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure"
					       : PD_SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
	pd_reply_raw(r, 204, NULL, NULL, 0);
}
