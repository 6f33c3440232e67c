/* validations.c - POST /v1/validations/address (the country rules applied to one address,
 * with a canonical suggestion) and GET /v1/countryvalidationrules/{iso2}. */
#include <ctype.h>
#include "api.h"
#include "country.h"

enum pd_next pd_validations_address(struct pd_req *r)
{
	struct pd_address a;
	struct pd_verrs errs = {0};
	pd_address_from_json(r->json, "address", &a, &errs, r->ar);
	if (errs.n) {
		pd_reply_verrs(r, &errs);
		return PD_REPLY;
	}
	pd_reply_json(r, 200, pd_address_validate(&a, r->ar, r->loc));
	return PD_REPLY;
}

enum pd_next pd_validations_country_rules(struct pd_req *r)
{
	const char *iso2 = r->params[0];
	json_t *rules = pd_country_rules_json(iso2);
	if (!rules) {
		pd_reply_error(r, PD_ENOTFOUND, PD_MSG_NOT_FOUND, "countryCode", iso2);
		return PD_REPLY;
	}
	pd_reply_json(r, 200, rules);
	return PD_REPLY;
}
