/* accept.c - the public acceptance page of a reseller invitation (/invite/{code}): a form
 * for a customer's company administrator (GET), and its sign-in and acceptance (POST).
 * Plain HTML in the portal's look (its stylesheet) and its three languages (?lang=, X-Locale or
 * the browser's Accept-Language), no scripts, a strict Content-Security-Policy.  Sign-ins
 * here go through the same protection (an attempt reserved before the password is checked)
 * and the same even-time check as the token endpoint. */
#include <string.h>
#include <time.h>
#include "activity.h"
#include "api.h"
#include "ids.h"
#include "signin.h"
#include "throttle.h"

struct accept_job {
	struct pd_invitation inv;
	struct pd_customer_user user;
	const char *account, *password, *partner_name;
	bool known, already;
	struct pd_customer c;
	struct pd_signin *attempt;
};

/* The page links the portal's stylesheet (so it looks like the portal) and nothing else. */
static const char csp[] = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
			  " frame-ancestors 'none'";

/* The page's words, one column per language (enum pd_locale: en, zh, de).  A partner's name
 * is put in front of A_INVITES and A_DONE by the caller, escaped. */
enum astr {
	A_TITLE, A_INVITES, A_USER, A_PASSWORD, A_ACCEPT, A_WHO, A_BAD_TITLE, A_BAD, A_MISSING,
	A_TOO_MANY, A_UNAVAILABLE, A_WRONG, A_NOT_ADMIN, A_CHANGED, A_DONE_TITLE, A_DONE, A_BEFORE,
	A_LANG, A_COUNT
};
static const char *const words[A_COUNT][PD_LOCALE_COUNT] = {
	[A_TITLE] = {"Accept a reseller invitation", "接受经销商邀请", "Reseller-Einladung annehmen"},
	[A_INVITES] = {"invites your company to make it your cloud solution provider (reseller).",
		       "邀请贵公司将其设为云解决方案提供商（经销商）。",
		       "lädt Ihr Unternehmen ein, es als Cloud Solution Provider (Reseller) zu wählen."},
	[A_USER] = {"User name", "用户名", "Benutzername"},
	[A_PASSWORD] = {"Password", "密码", "Kennwort"},
	[A_ACCEPT] = {"Accept", "接受", "Annehmen"},
	[A_WHO] = {"Sign in with a company administrator of your organisation.",
		   "请使用贵公司的公司管理员帐户登录。",
		   "Melden Sie sich mit einem Unternehmensadministrator Ihrer Organisation an."},
	[A_BAD_TITLE] = {"Invitation not valid", "邀请无效", "Einladung ungültig"},
	[A_BAD] = {"This invitation link is not valid or was revoked.", "此邀请链接无效或已被撤销。",
		   "Dieser Einladungslink ist ungültig oder wurde widerrufen."},
	[A_MISSING] = {"Enter your user name and password.", "请输入用户名和密码。",
		       "Geben Sie Benutzername und Kennwort ein."},
	[A_TOO_MANY] = {"Too many attempts; try again later.", "尝试次数过多，请稍后再试。",
			"Zu viele Versuche; versuchen Sie es später erneut."},
	[A_UNAVAILABLE] = {"Signing in is not possible just now; try again later.", "暂时无法登录，请稍后再试。",
			   "Die Anmeldung ist gerade nicht möglich; versuchen Sie es später erneut."},
	[A_WRONG] = {"The user name or password is wrong.", "用户名或密码错误。",
		     "Benutzername oder Kennwort ist falsch."},
	[A_NOT_ADMIN] = {"Only a company administrator can accept.", "只有公司管理员可以接受邀请。",
			 "Nur ein Unternehmensadministrator kann annehmen."},
	[A_CHANGED] = {"Your account was changed while you were signing in; sign in again.",
		       "您的帐户在登录期间已被更改，请重新登录。",
		       "Ihr Konto wurde während der Anmeldung geändert; melden Sie sich erneut an."},
	[A_DONE_TITLE] = {"Accepted", "已接受", "Angenommen"},
	[A_DONE] = {"is now your reseller.", "现在是贵公司的经销商。", "ist jetzt Ihr Reseller."},
	[A_BEFORE] = {"(Accepted before.)", "（之前已接受）", "(Bereits früher angenommen.)"},
	[A_LANG] = {"Language", "语言", "Sprache"},
};
static const char *const lang_tags[PD_LOCALE_COUNT] = {"en-US", "zh-CN", "de-DE"};

/* The page's language: ?lang=, then X-Locale, then the browser's Accept-Language, else en. */
static enum pd_locale page_locale(struct pd_req *r)
{
	const char *q = pd_req_query(r, "lang");
	if (q && *q)
		return pd_locale_parse(q);
	if (pd_req_header(r, "X-Locale"))
		return r->loc;
	return pd_locale_parse(pd_req_header(r, "Accept-Language"));
}

static const char *w(struct pd_req *r, enum astr s)
{
	return words[s][page_locale(r)];
}

static const char *esc(struct pd_arena *ar, const char *s)
{
	size_t n = strlen(s);
	char *out = pd_alloc(ar, 6 * n + 1), *o = out;
	for (; *s; s++) {
		const char *rep = *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;" : *s == '"' ? "&quot;" : *s == '\'' ? "&#39;" : NULL;
		if (rep)
			o = stpcpy(o, rep);
		else
			*o++ = *s;
	}
	*o = 0;
	return out;
}

/* The portal's header bar with the three languages (links to this same page). */
static const char *top(struct pd_req *r)
{
	enum pd_locale cur = page_locale(r);
	return pd_printf(r->ar,
		"<header class=\"top\"><span class=\"brand\">partnerd</span><nav class=\"langs\" aria-label=\"%s\"><ul>"
		"<li><a href=\"?lang=zh-CN\" lang=\"zh-CN\"%s>中文</a></li>"
		"<li><a href=\"?lang=en-US\" lang=\"en-US\"%s>English</a></li>"
		"<li><a href=\"?lang=de-DE\" lang=\"de-DE\"%s>Deutsch</a></li></ul></nav></header>",
		w(r, A_LANG), cur == PD_LOCALE_ZH ? " aria-current=\"page\"" : "",
		cur == PD_LOCALE_EN ? " aria-current=\"page\"" : "", cur == PD_LOCALE_DE ? " aria-current=\"page\"" : "");
}

static enum pd_next page(struct pd_req *r, int status, const char *title, const char *body)
{
	const char *html = pd_printf(r->ar,
		"<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>%s</title>"
		"<link rel=\"stylesheet\" href=\"/assets/app.css\"></head>"
		"<body>%s<main><div class=\"card narrow\"><h1>%s</h1>%s</div></main></body></html>\n",
		lang_tags[page_locale(r)], title, top(r), title, body);
	pd_reply_raw(r, status, "text/html; charset=utf-8", html, strlen(html));
	pd_reply_header(r, "Content-Security-Policy", csp);
	pd_reply_header(r, "X-Frame-Options", "DENY");
	pd_reply_header(r, "Referrer-Policy", "no-referrer"); /* the URL is the invitation */
	return PD_REPLY;
}

static enum pd_next form(struct pd_req *r, int status, const char *partner, enum astr note)
{
	return page(r, status, w(r, A_TITLE), pd_printf(r->ar,
		"<p><strong>%s</strong> %s</p>%s<form method=\"post\" novalidate>"
		"<div class=\"field\"><label for=\"u\">%s</label>"
		"<input id=\"u\" name=\"userName\" type=\"email\" autocomplete=\"username\" required></div>"
		"<div class=\"field\"><label for=\"p\">%s</label>"
		"<input id=\"p\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></div>"
		"<div class=\"actions\"><button type=\"submit\" class=\"primary\">%s</button></div></form>"
		"<p class=\"hint\">%s</p>",
		esc(r->ar, partner), w(r, A_INVITES),
		note != A_COUNT ? pd_printf(r->ar, "<p class=\"form-status error\" role=\"alert\">%s</p>", w(r, note)) : "",
		w(r, A_USER), w(r, A_PASSWORD), w(r, A_ACCEPT), w(r, A_WHO)));
}

static enum pd_next not_found(struct pd_req *r)
{
	return page(r, 404, w(r, A_BAD_TITLE), pd_printf(r->ar, "<p>%s</p>", w(r, A_BAD)));
}

/* The invitation of the route and the inviting partner's name; false after replying. */
static bool invitation(struct pd_req *r, struct accept_job *k)
{
	struct pd_partner p = {0};
	enum pd_err e = store_invitation_by_code(r->st, r->params[0], &k->inv, r->ar);
	if (e == PD_OK && strcmp(k->inv.state, "active") == 0)
		e = store_partner_get(r->st, k->inv.partner_id, &p, r->ar);
	else if (e == PD_OK)
		e = PD_ENOTFOUND;
	if (e == PD_ENOTFOUND)
		not_found(r);
	else if (e != PD_OK)
		pd_api_store_error(r, e, PD_NOUN_INVITATION, NULL);
	k->partner_name = e == PD_OK ? p.name : NULL;
	return e == PD_OK;
}

enum pd_next pd_accept_form(struct pd_req *r)
{
	struct accept_job *k = pd_alloc(r->ar, sizeof *k);
	if (!invitation(r, k))
		return PD_REPLY;
	return form(r, 200, k->partner_name, A_COUNT);
}

enum pd_next pd_accept_submit(struct pd_req *r)
{
	struct accept_job *k = pd_alloc(r->ar, sizeof *k);
	r->state = k;
	if (!invitation(r, k))
		return PD_REPLY;
	k->account = pd_req_form(r, "userName");
	k->password = pd_req_form(r, "password");
	if (!k->account || !*k->account || !k->password || !*k->password || strlen(k->account) > 254)
		return form(r, 400, k->partner_name, A_MISSING);
	int wait = 0;
	enum pd_err e = pd_signin_begin(r->throttle, k->account, r->peer, r->now, r->ar, &k->attempt, &wait);
	if (e != PD_OK) {
		pd_reply_header(r, "Retry-After", pd_printf(r->ar, "%d", wait));
		return e == PD_ELIMIT ? form(r, 429, k->partner_name, A_TOO_MANY)
				      : form(r, 503, k->partner_name, A_UNAVAILABLE);
	}
	e = store_cuser_by_upn(r->st, k->account, &k->user, r->ar);
	if (e != PD_OK && e != PD_ENOTFOUND) {
		pd_signin_release(k->attempt, (long long)time(NULL));
		return pd_api_store_error(r, e, PD_NOUN_USER, NULL);
	}
	k->known = e == PD_OK;
	/* from here on, the activity log records the attempt of an existing account for the
	 * inviting partner; what was typed for an unknown one (a password in the wrong box, as
	 * often as not) is recorded nowhere */
	if (k->known)
		r->who = (struct pd_principal){k->inv.partner_id, k->user.id, "customer_user", "", k->user.upn, false};
	return PD_WORK;
}

/* On the worker pool: the password (Argon2id or a generated one's digest). */
enum pd_next pd_accept_verify(struct pd_req *r)
{
	struct accept_job *k = r->state;
	bool ok = pd_signin_check(k->known ? k->user.password_hash : NULL, k->password, r->key) &&
		  !strcmp(k->user.state, "active");
	if (!ok) {
		pd_signin_failed(k->attempt, k->known, (long long)time(NULL));
		return form(r, 400, k->partner_name, A_WRONG);
	}
	pd_signin_succeeded(k->attempt, (long long)time(NULL));
	if (strcmp(k->user.roles, "company_administrator") != 0)
		return form(r, 403, k->partner_name, A_NOT_ADMIN);
	return PD_WRITE;
}

/* The inviting partner's own account of the tenant, from the home partner's. */
static enum pd_err link_tenant(struct pd_req *r, struct store *st, struct accept_job *k)
{
	char *home = NULL;
	enum pd_err e = store_tenant_home(st, k->user.customer_id, &home, r->ar);
	if (e == PD_OK)
		e = store_customer_get(st, home, k->user.customer_id, &k->c, r->ar);
	if (e != PD_OK)
		return e;
	char *etag = pd_alloc(r->ar, PD_ETAG_LEN + 1);
	pd_etag_new(etag);
	k->c.billing.etag = etag;
	k->c.relationship = "reseller";
	k->c.created = k->c.updated = r->now;
	return store_customer_link(st, k->inv.partner_id, &k->c);
}

/* What the sign-in checked on the loop and the pool, as the writer finds it: the invitation
 * still active, the administrator's row still the one whose password, role and state were
 * checked (no reset, demotion or disable since: PD_ECHANGED). */
static enum pd_err still_valid(struct pd_req *r, struct store *st, struct accept_job *k)
{
	struct pd_invitation inv;
	struct pd_customer_user now;
	enum pd_err e = store_invitation_by_code(st, k->inv.code, &inv, r->ar);
	if (e == PD_OK && strcmp(inv.state, "active") != 0)
		e = PD_ENOTFOUND;
	if (e == PD_OK)
		e = store_cuser_by_upn(st, k->user.upn, &now, r->ar);
	if (e == PD_OK && (now.version != k->user.version || strcmp(now.id, k->user.id) != 0))
		e = PD_ECHANGED;
	return e;
}

enum pd_err pd_accept_write(struct pd_req *r, struct store *st)
{
	struct accept_job *k = r->state;
	const char *partner = k->inv.partner_id, *id = k->user.customer_id;
	enum pd_err e = still_valid(r, st, k);
	if (e != PD_OK)
		return e;
	e = store_customer_get(st, partner, id, &k->c, r->ar);
	if (e == PD_OK && !strcmp(k->c.relationship, "reseller"))
		k->already = true;
	else if (e == PD_OK)
		e = store_customer_set_relationship(st, partner, id, "reseller", r->now);
	else if (e == PD_ENOTFOUND)
		e = link_tenant(r, st, k);
	if (e != PD_OK || k->already)
		return e;
	k->c.relationship = "reseller";
	return pd_api_audit_customer(r, st, "accept_reseller_relationship", &k->c, NULL,
				     json_pack("{s:s}", "relationshipToPartner", "reseller"), "relationship-accepted", NULL);
}

void pd_accept_finish(struct pd_req *r, enum pd_err e)
{
	struct accept_job *k = r->state;
	if (e == PD_ENOTFOUND) { /* e.g. revoked while the password was checked */
		not_found(r);
		return;
	}
	if (e == PD_ECHANGED) {
		form(r, 409, k->partner_name, A_CHANGED);
		return;
	}
	if (e != PD_OK) {
		pd_api_store_error(r, e, PD_NOUN_INVITATION, NULL);
		return;
	}
	page(r, 200, w(r, A_DONE_TITLE), pd_printf(r->ar, "<p><strong>%s</strong> %s</p>%s",
		esc(r->ar, k->partner_name), w(r, A_DONE),
		k->already ? pd_printf(r->ar, "<p class=\"muted\">%s</p>", w(r, A_BEFORE)) : ""));
}
