/* profiles.c - a customer's company profile (read) and billing profile (read, and replace
 * with an etag: If-Match or attributes.etag; a stale or missing etag changes nothing). */
#include <string.h>
#include "api.h"
#include "country.h"
#include "ids.h"

enum pd_next pd_profiles_company(struct pd_req *r)
{
	struct pd_customer c;
	if (pd_api_load_customer(r, &c))
		pd_reply_json(r, 200, pd_company_to_json(&c));
	return PD_REPLY;
}

enum pd_next pd_profiles_billing_get(struct pd_req *r)
{
	struct pd_customer c;
	if (!pd_api_load_customer(r, &c))
		return PD_REPLY;
	pd_reply_json(r, 200, pd_billing_to_json(&c.billing, c.id));
	pd_reply_header(r, "ETag", pd_printf(r->ar, "\"%s\"", c.billing.etag));
	return PD_REPLY;
}

struct billing_put {
	const char *id;
	struct pd_customer before;
	struct pd_billing b;
	char etag[PD_ETAG_LEN + 1];
};

enum pd_next pd_profiles_billing_put(struct pd_req *r)
{
	struct billing_put *k = pd_alloc(r->ar, sizeof *k);
	struct pd_verrs errs = {0};
	struct pd_customer *c = &k->before;
	if (!(k->id = pd_api_customer_id(r)))
		return PD_REPLY;
	enum pd_err e = store_customer_get(r->st, r->who.partner_id, k->id, c, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_CUSTOMER, k->id);
	pd_billing_from_json(r->json, "billingProfile", &k->b, &errs, r->ar);
	pd_billing_unknown(r->json, "billingProfile", &errs, r->ar); /* nothing is silently ignored */
	if (!errs.n)
		pd_billing_check(&k->b, c->regnum, "billingProfile", &errs, r->ar);
	if (errs.n) {
		pd_reply_verrs(r, &errs);
		return PD_REPLY;
	}
	k->b.etag = pd_api_held_etag(r, k->b.etag, c->billing.etag); /* If-Match or else the body's */
	if (!k->b.etag) {
		pd_reply_error(r, PD_ESTALE, PD_MSG_ETAG_REQUIRED, "attributes.etag", NULL);
		return PD_REPLY;
	}
	pd_etag_new(k->etag);
	r->state = k;
	return PD_WRITE;
}

enum pd_err pd_profiles_billing_write(struct pd_req *r, struct store *st)
{
	struct billing_put *k = r->state;
	enum pd_err e = PD_OK;
	/* billing_update replaces the profile only at the client's etag.  When prepare read
	 * another one, its copy is not the profile being replaced: read that one for the
	 * activity record (etags are never reused, so an equal one names the same profile). */
	if (strcmp(k->before.billing.etag, k->b.etag) != 0)
		e = store_customer_get(st, r->who.partner_id, k->id, &k->before, r->ar);
	if (e == PD_OK)
		e = store_billing_update(st, r->who.partner_id, k->id, &k->b, k->etag, r->now);
	if (e != PD_OK)
		return e;
	struct pd_customer after = k->before;
	after.billing = k->b;
	after.billing.etag = k->etag;
	return pd_api_audit_customer(r, st, "update_customer_billing_profile", &after,
				     pd_billing_to_json(&k->before.billing, k->id),
				     pd_billing_to_json(&after.billing, k->id), "billingprofile-updated", NULL);
}

void pd_profiles_billing_finish(struct pd_req *r, enum pd_err e)
{
	struct billing_put *k = r->state;
	if (e != PD_OK) {
		pd_api_store_error(r, e, PD_NOUN_CUSTOMER, k->id);
		return;
	}
	k->b.etag = k->etag;
	pd_reply_json(r, 200, pd_billing_to_json(&k->b, k->id));
	pd_reply_header(r, "ETag", pd_printf(r->ar, "\"%s\"", k->etag));
}
