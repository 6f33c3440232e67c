/* relationships.c - reseller relationships.  A partner's reusable invitation
 * (/v1/customers/relationshiprequests: get, re-issue, revoke) points at partnerd's public
 * acceptance page (/invite/{code}), where a company administrator of an existing customer
 * tenant signs in and accepts; the tenant then appears in the inviting partner's list with its
 * own billing profile, while other partners keep theirs.  PATCH /v1/customers/{id} with
 * relationshipToPartner "none" ends a relationship. */
#include <sodium.h>
#include <string.h>
#include "activity.h"
#include "api.h"
#include "ids.h"
#include "orders.h"
#include "throttle.h"

/* ---- the invitation ---- */

struct invite_job {
	struct pd_invitation inv;
	char code[PD_ETAG_LEN + 1];
	bool revoke_only;
};

static const char *base_url(struct pd_req *r)
{
	const char *host = pd_req_header(r, "Host");
	bool ok = host && *host && strlen(host) < 256;
	for (const char *p = host; ok && *p; p++)
		ok = *p > 32 && *p < 127 && *p != '/' && *p != '"' && *p != '<' && *p != '>';
	if (r->cfg->public_url)
		return r->cfg->public_url;
	return pd_printf(r->ar, "%s://%s", r->cfg->tls ? "https" : "http", ok ? host : r->cfg->listen);
}

static json_t *invitation_json(struct pd_req *r, const struct pd_invitation *i)
{
	return json_pack("{s:s, s:s, s:{s:s}}", "url", pd_printf(r->ar, "%s/invite/%s", base_url(r), i->code),
			 "state", i->state ? i->state : "active", "attributes", "objectType", "RelationshipRequest");
}

static struct invite_job *new_invitation(struct pd_req *r)
{
	struct invite_job *k = pd_alloc(r->ar, sizeof *k);
	pd_etag_new(k->code); /* 128 random bits, base64url */
	k->inv = (struct pd_invitation){r->who.partner_id, k->code, "active", r->now};
	r->state = k;
	return k;
}

enum pd_next pd_invitation_get(struct pd_req *r)
{
	struct pd_invitation i;
	enum pd_err e = store_invitation_latest(r->st, r->who.partner_id, &i, r->ar);
	if (e == PD_ENOTFOUND) { /* the first time: make one */
		new_invitation(r);
		return PD_WRITE;
	}
	if (e == PD_OK && strcmp(i.state, "active") != 0) { /* revoked stays revoked until a POST */
		pd_reply_error(r, PD_ENOTFOUND, PD_MSG_INVITATION_REVOKED, NULL, NULL);
		return PD_REPLY;
	}
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_INVITATION, NULL);
	pd_reply_json(r, 200, invitation_json(r, &i));
	return PD_REPLY;
}

enum pd_next pd_invitation_renew(struct pd_req *r)
{
	new_invitation(r);
	return PD_WRITE;
}

enum pd_next pd_invitation_revoke(struct pd_req *r)
{
	new_invitation(r)->revoke_only = true;
	return PD_WRITE;
}

enum pd_err pd_invitation_write(struct pd_req *r, struct store *st)
{
	struct invite_job *k = r->state;
	struct pd_audit a;
	struct pd_invitation now;
	/* A GET found none on the loop; another request may have made one since: answer that
	 * one instead of revoking it (which would leave its caller holding a dead URL). */
	enum pd_err e = r->method == PD_GET ? store_invitation_latest(st, r->who.partner_id, &now, r->ar)
					    : PD_ENOTFOUND;
	if (e == PD_OK && !strcmp(now.state, "active")) {
		k->inv = now;
		return PD_OK;
	}
	if (e == PD_OK) /* revoked meanwhile: stays revoked until a POST, as prepare would say */
		return PD_ENOTFOUND;
	if (e != PD_ENOTFOUND)
		return e;
	e = store_invitation_revoke(st, r->who.partner_id);
	if (e == PD_OK && !k->revoke_only)
		e = store_invitation_insert(st, &k->inv);
	if (e != PD_OK)
		return e;
	pd_activity_fill(r, &a, k->revoke_only ? "revoke_relationship_request" : "create_relationship_request",
			 "relationship_request", "succeeded", NULL, NULL);
	return pd_activity_write(r, st, &a);
}

void pd_invitation_finish(struct pd_req *r, enum pd_err e)
{
	struct invite_job *k = r->state;
	if (e != PD_OK)
		pd_api_store_error(r, e, PD_NOUN_INVITATION, NULL);
	else if (k->revoke_only)
		pd_reply_raw(r, 204, NULL, NULL, 0);
	else
		pd_reply_json(r, r->method == PD_POST ? 201 : 200, invitation_json(r, &k->inv));
}

/* ---- ending a relationship: PATCH /v1/customers/{id} ---- */

struct end_job {
	const char *id;
	struct pd_customer c;
	bool active_subs;
};

enum pd_next pd_relationship_patch(struct pd_req *r)
{
	struct end_job *k = pd_alloc(r->ar, sizeof *k);
	json_t *v = pd_json_get(r->json, "relationshipToPartner");
	if (!(k->id = pd_api_customer_id(r)))
		return PD_REPLY;
	if (!json_is_string(v) || strcmp(json_string_value(v), "none") != 0) {
		pd_reply_error(r, PD_EINVAL, v ? PD_MSG_BAD_ENUM : PD_MSG_REQUIRED, "relationshipToPartner",
			       "none (a reseller relationship starts from an invitation)");
		return PD_REPLY;
	}
	r->state = k;
	return PD_WRITE;
}

static bool any_active(const struct pd_subscription *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s[i].status, "active"))
			return true;
	return false;
}

enum pd_err pd_relationship_patch_write(struct pd_req *r, struct store *st)
{
	struct end_job *k = r->state;
	struct pd_subscription *subs;
	size_t n = 0;
	enum pd_err e = store_customer_get(st, r->who.partner_id, k->id, &k->c, r->ar);
	if (e == PD_OK)
		e = pd_subscriptions_all(r, st, k->id, &subs, &n);
	if (e == PD_OK && any_active(subs, n))
		e = (k->active_subs = true, PD_ECONFLICT);
	if (e == PD_OK)
		e = store_customer_set_relationship(st, r->who.partner_id, k->id, "none", r->now);
	if (e != PD_OK)
		return e;
	k->c.relationship = "none";
	return pd_api_audit_customer(r, st, "remove_partner_customer_relationship", &k->c,
				     json_pack("{s:s}", "relationshipToPartner", "reseller"),
				     json_pack("{s:s}", "relationshipToPartner", "none"), "relationship-ended", NULL);
}

void pd_relationship_patch_finish(struct pd_req *r, enum pd_err e)
{
	struct end_job *k = r->state;
	if (e == PD_ECONFLICT && k->active_subs)
		pd_reply_error(r, e, PD_MSG_ACTIVE_SUBS, "relationshipToPartner", NULL);
	else if (e != PD_OK)
		pd_api_store_error(r, e, PD_NOUN_CUSTOMER, k->id);
	else
		pd_reply_json(r, 200, pd_customer_to_json(&k->c));
}
