/* validations.c - POST /v1/validations/address (the country rules applied to one address,
 * with a canonical suggestion and, when the body also carries the customer's
 * organizationRegistrationNumber, a warning if that USCC was issued in another province),
 * GET /v1/countryvalidationrules/{iso2} and GET /v1/validations/checkdomainavailability/{prefix}
 * (Partner Center's boolean: true when the domain prefix is free). */
#include <ctype.h>
#include <string.h>
#include "api.h"
#include "country.h"
#include "domain.h"
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
	static const char *const fields[] = {"addressLine1", "addressLine2", "addressLine3", "city", "state",
					     "district", "postalCode", "country", "firstName", "lastName",
					     "phoneNumber", "attributes", "organizationRegistrationNumber", NULL};
	struct pd_address a;
	struct pd_verrs errs = {0};
	const char *uscc = NULL;
	pd_api_known_fields(r, r->json, NULL, fields, &errs);
	pd_api_attributes(r, r->json, "Address", false, &errs);
	pd_address_from_json(r->json, "address", &a, &errs, r->ar);
	body_uscc(r, &uscc, &errs);
	if (errs.n) {
		pd_reply_verrs(r, &errs);
		return PD_REPLY;
	}
	pd_reply_json(r, 200, pd_address_validate_uscc(&a, uscc, r->ar, r->loc));
	return PD_REPLY;
}

/* Whether the rules accept a company registration number for `iso2`, asked of the rules
 * themselves (pd_billing_check refuses one with 600002 where it is not supported). */
static bool regnum_supported(struct pd_req *r, const char *iso2)
{
	struct pd_billing b = {.addr = {.country = iso2}};
	struct pd_verrs errs = {0};
	pd_billing_check(&b, "1", "b", &errs, r->ar);
	for (size_t i = 0; i < errs.n; i++)
		if (errs.v[i].code == 600002)
			return false;
	return true;
}

enum pd_next pd_validations_country_rules(struct pd_req *r)
{
	const char *iso2 = r->params[0];
	json_t *rules = pd_country_rules_json(iso2);
	if (!rules)
		return pd_api_store_error(r, PD_ENOTFOUND, PD_NOUN_COUNTRY, iso2);
	/* --require-uscc: the deployment makes the CN code required */
	if (r->cfg->require_uscc && !strcmp(json_string_value(json_object_get(rules, "iso2Code")), "CN"))
		json_object_set_new(rules, "customerOrganizationRegistrationNumberRequired", json_true());
	const char *iso = json_string_value(json_object_get(rules, "iso2Code"));
	bool regnum = regnum_supported(r, iso);
	const char *re = json_string_value(json_object_get(rules, "customerOrganizationRegistrationNumberRegex"));
	const char *sample = json_string_value(json_object_get(rules, "customerOrganizationRegistrationNumberSample"));
	/* Partner Center's tax id fields: partnerd takes no VAT or tax id; the registration
	 * number (where the rules take one) is the id a customer gives, in their format */
	json_object_set_new(rules, "isRegistrationNumberSupported", json_boolean(regnum));
	json_object_set_new(rules, "taxIdFormat", json_string(regnum && re ? re : ""));
	json_object_set_new(rules, "taxIdSample", json_string(regnum && sample ? sample : ""));
	pd_reply_json(r, 200, rules);
	return PD_REPLY;
}

enum pd_next pd_validations_domain(struct pd_req *r)
{
	const char *prefix = r->params[0];
	char full[300];
	bool taken = false;
	if (!pd_domain_prefix_ok(prefix, strlen(prefix)) ||
	    !pd_domain_normalize(prefix, r->cfg->domain_suffix, full, sizeof full)) {
		return pd_api_bad(r, 3000, "domainPrefix", PD_MSG_BAD_DOMAIN, r->cfg->domain_suffix);
	}
	enum pd_err e = store_domain_taken(r->st, full, &taken);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_DOMAIN, full);
	/* a bare JSON boolean, as the Swagger's schema says */
	pd_reply_raw(r, 200, "application/json; charset=utf-8", taken ? "false" : "true", taken ? 5 : 4);
	return PD_REPLY;
}
