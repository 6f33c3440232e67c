/* offers.c - GET /v1/offers?country=XX and GET /v1/offers/{id}?country=XX: the catalog
 * (catalog.h) as Partner Center offers, named in the caller's language (X-Locale). */
#include <ctype.h>
#include <string.h>
#include "api.h"
#include "catalog.h"
#include "country.h"

/* The country parameter, upper case; NULL after replying 400. */
static const char *country_param(struct pd_req *r)
{
	const char *c = pd_req_query(r, "country");
	if (!c || strlen(c) != 2 || !pd_country_known(c)) {
		pd_reply_error(r, PD_EINVAL, c ? PD_MSG_BAD_COUNTRY : PD_MSG_REQUIRED, "country", NULL);
		return NULL;
	}
	char *up = pd_strdup(r->ar, c);
	up[0] = (char)toupper((unsigned char)up[0]);
	up[1] = (char)toupper((unsigned char)up[1]);
	return up;
}

enum pd_next pd_offers_list(struct pd_req *r)
{
	const char *country = country_param(r);
	if (!country)
		return PD_REPLY;
	json_t *items = json_array();
	for (size_t i = 0; i < pd_catalog_size(r->cfg->catalog); i++) {
		const struct pd_offer *o = pd_catalog_at(r->cfg->catalog, i);
		if (pd_offer_in_country(o, country))
			json_array_append_new(items, pd_offer_to_json(o, country, r->loc));
	}
	pd_reply_json(r, 200, pd_collection(r, items, pd_printf(r->ar, "/offers?country=%s", country), NULL));
	return PD_REPLY;
}

enum pd_next pd_offers_get(struct pd_req *r)
{
	const char *country = country_param(r);
	if (!country)
		return PD_REPLY;
	const struct pd_offer *o = pd_catalog_find(r->cfg->catalog, r->params[0]);
	if (!o || !pd_offer_in_country(o, country)) {
		return pd_api_store_error(r, PD_ENOTFOUND, PD_NOUN_OFFER, r->params[0]);
	}
	pd_reply_json(r, 200, pd_offer_to_json(o, country, r->loc));
	return PD_REPLY;
}
