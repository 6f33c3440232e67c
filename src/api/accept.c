/* accept.c - the public acceptance page of a reseller invitation (/invite/{code}): a form
 * for a customer's company administrator (GET), and its sign-in and acceptance (POST).
 * Plain HTML in Chinese and English, no scripts, a strict Content-Security-Policy.  Sign-ins
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

static const char csp[] = "default-src 'none'; form-action 'self'; frame-ancestors 'none'";

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

static enum pd_next page(struct pd_req *r, int status, const char *title, const char *body)
{
	const char *html = pd_printf(r->ar,
		"<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>%s</title></head>"
		"<body><main><h1>%s</h1>%s</main></body></html>\n", title, title, body);
	pd_reply_raw(r, status, "text/html; charset=utf-8", html, strlen(html));
	pd_reply_header(r, "Content-Security-Policy", csp);
	pd_reply_header(r, "X-Frame-Options", "DENY");
	pd_reply_header(r, "Referrer-Policy", "no-referrer"); /* the URL is the invitation */
	return PD_REPLY;
}

static enum pd_next form(struct pd_req *r, int status, const char *partner, const char *note)
{
	return page(r, status, "接受经销商邀请 · Accept a reseller invitation", pd_printf(r->ar,
		"<p><strong>%s</strong> 邀请成为贵公司的云解决方案提供商（经销商）。<br>"
		"<strong>%s</strong> invites your company to make it your cloud solution provider (reseller).</p>"
		"%s<form method=\"post\"><p><label for=\"u\">用户名 · User name</label><br>"
		"<input id=\"u\" name=\"userName\" type=\"email\" autocomplete=\"username\" required></p>"
		"<p><label for=\"p\">密码 · Password</label><br>"
		"<input id=\"p\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></p>"
		"<p><button type=\"submit\">接受 · Accept</button></p></form>"
		"<p>请使用贵公司的全局管理员帐户登录。Sign in with a company administrator of your organisation.</p>",
		esc(r->ar, partner), esc(r->ar, partner), note ? pd_printf(r->ar, "<p role=\"alert\">%s</p>", note) : ""));
}

static enum pd_next not_found(struct pd_req *r)
{
	return page(r, 404, "邀请无效 · Invitation not valid",
		    "<p>此邀请链接无效或已被撤销。This invitation link is not valid or was revoked.</p>");
}

/* The invitation of the route and the inviting partner's name; false after replying. */
static bool invitation(struct pd_req *r, struct accept_job *k)
{
	struct pd_partner p = {0};
	enum pd_err e = r->st->ops->invitation_by_code(r->st, r->params[0], &k->inv, r->ar);
	if (e == PD_OK && strcmp(k->inv.state, "active") == 0)
		e = r->st->ops->partner_get(r->st, k->inv.partner_id, &p, r->ar);
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
	return form(r, 200, k->partner_name, NULL);
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
		return form(r, 400, k->partner_name, "请输入用户名和密码。Enter your user name and password.");
	int wait = 0;
	enum pd_err e = pd_signin_begin(r->throttle, k->account, r->peer, r->now, r->ar, &k->attempt, &wait);
	if (e != PD_OK) {
		pd_reply_header(r, "Retry-After", pd_printf(r->ar, "%d", wait));
		return e == PD_ELIMIT ? form(r, 429, k->partner_name, "尝试次数过多，请稍后再试。Too many attempts; try again later.")
				      : form(r, 503, k->partner_name, "暂时无法登录，请稍后再试。Signing in is not possible just now; try again later.");
	}
	e = r->st->ops->cuser_by_upn(r->st, k->account, &k->user, r->ar);
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
		return form(r, 400, k->partner_name, "用户名或密码错误。The user name or password is wrong.");
	}
	pd_signin_succeeded(k->attempt, (long long)time(NULL));
	if (strcmp(k->user.roles, "company_administrator") != 0)
		return form(r, 403, k->partner_name, "只有公司管理员可以接受邀请。Only a company administrator can accept.");
	return PD_WRITE;
}

/* The inviting partner's own account of the tenant, from the home partner's. */
static enum pd_err link_tenant(struct pd_req *r, struct store *st, struct accept_job *k)
{
	char *home = NULL;
	enum pd_err e = st->ops->tenant_home(st, k->user.customer_id, &home, r->ar);
	if (e == PD_OK)
		e = st->ops->customer_get(st, home, k->user.customer_id, &k->c, r->ar);
	if (e != PD_OK)
		return e;
	char *etag = pd_alloc(r->ar, PD_ETAG_LEN + 1);
	pd_etag_new(etag);
	k->c.billing.etag = etag;
	k->c.relationship = "reseller";
	k->c.created = k->c.updated = r->now;
	return st->ops->customer_link(st, k->inv.partner_id, &k->c);
}

/* What the sign-in checked on the loop and the pool, as the writer finds it: the invitation
 * still active, the administrator's row still the one whose password, role and state were
 * checked (no reset, demotion or disable since: PD_ECHANGED). */
static enum pd_err still_valid(struct pd_req *r, struct store *st, struct accept_job *k)
{
	struct pd_invitation inv;
	struct pd_customer_user now;
	enum pd_err e = st->ops->invitation_by_code(st, k->inv.code, &inv, r->ar);
	if (e == PD_OK && strcmp(inv.state, "active") != 0)
		e = PD_ENOTFOUND;
	if (e == PD_OK)
		e = st->ops->cuser_by_upn(st, k->user.upn, &now, r->ar);
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
	e = st->ops->customer_get(st, partner, id, &k->c, r->ar);
	if (e == PD_OK && !strcmp(k->c.relationship, "reseller"))
		k->already = true;
	else if (e == PD_OK)
		e = st->ops->customer_set_relationship(st, partner, id, "reseller", r->now);
	else if (e == PD_ENOTFOUND)
		e = link_tenant(r, st, k);
	if (e != PD_OK || k->already)
		return e;
	k->c.relationship = "reseller";
	return pd_api_audit_customer(r, st, "accept_reseller_relationship", &k->c, NULL,
				     json_pack("{s:s}", "relationshipToPartner", "reseller"));
}

void pd_accept_finish(struct pd_req *r, enum pd_err e)
{
	struct accept_job *k = r->state;
	if (e == PD_ENOTFOUND) { /* e.g. revoked while the password was checked */
		not_found(r);
		return;
	}
	if (e == PD_ECHANGED) {
		form(r, 409, k->partner_name, "您的帐户在登录期间已被更改，请重新登录。"
		     "Your account was changed while you were signing in; sign in again.");
		return;
	}
	if (e != PD_OK) {
		pd_api_store_error(r, e, PD_NOUN_INVITATION, NULL);
		return;
	}
	page(r, 200, "已接受 · Accepted", pd_printf(r->ar,
		"<p>%s <strong>%s</strong> 现在是贵公司的经销商。<br>%s <strong>%s</strong> is now your reseller.</p>",
		k->already ? "（之前已接受）" : "", esc(r->ar, k->partner_name),
		k->already ? "(Accepted before.)" : "", esc(r->ar, k->partner_name)));
}
