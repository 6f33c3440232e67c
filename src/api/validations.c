/* validations.c - POST /v1/validations/address (the country rules applied to one address,
 * with a canonical suggestion and, when the body also carries the customer's
 * organizationRegistrationNumber, a warning if that USCC was issued in another province) and
 * GET /v1/countryvalidationrules/{iso2}. */
#include <ctype.h>
#include <string.h>
#include "api.h"
#include "country.h"
#include "uscc.h"

#define REGNUM "organizationRegistrationNumber"

/* The body's optional USCC, canonical; false after adding an error. */
static bool body_uscc(struct pd_req *r, const char **out, struct pd_verrs *errs)
{
	json_t *v = pd_json_get(r->json, REGNUM);
	*out = NULL;
	if (!v)
		return true;
	if (!json_is_string(v)) {
		pd_verr_add(errs, 3000, REGNUM, PD_MSG_BAD_TYPE, "a string");
		return false;
	}
	const char *s = pd_regnum_canon(json_string_value(v), NULL, r->ar);
	if (s)
		*out = pd_uscc_verr(s, REGNUM, errs, r->ar);
	return !s || *out;
}

enum pd_next pd_validations_address(struct pd_req *r)
{
	struct pd_address a;
	struct pd_verrs errs = {0};
	const char *uscc = NULL;
	pd_address_from_json(r->json, "address", &a, &errs, r->ar);
	body_uscc(r, &uscc, &errs);
	if (errs.n) {
		pd_reply_verrs(r, &errs);
		return PD_REPLY;
	}
	pd_reply_json(r, 200, pd_address_validate_uscc(&a, uscc, r->ar, r->loc));
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
	/* --require-uscc: the deployment makes the CN code required */
	if (r->cfg->require_uscc && !strcmp(json_string_value(json_object_get(rules, "iso2Code")), "CN"))
		json_object_set_new(rules, "customerOrganizationRegistrationNumberRequired", json_true());
	pd_reply_json(r, 200, rules);
	return PD_REPLY;
}
