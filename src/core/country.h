/* country.h - the country rules partnerd applies to addresses and billing profiles (China
 * first), the address validation service, and the rules as Partner Center's
 * CustomerCountryValidationRules document.  Pure: no I/O, no globals that change. */
#ifndef PD_COUNTRY_H
#define PD_COUNTRY_H
#include <jansson.h>
#include <stdbool.h>
#include "arena.h"
#include "err.h"
#include "model.h"

/* Checks and canonicalises an address in place: country upper-cased ("cn" -> "CN"), state
 * to its canonical form (CN: the Chinese name, e.g. "广东省"; US: the 2-letter code),
 * postal code and phone trimmed.  Errors are added to `errs` with field names
 * "<prefix>.country", "<prefix>.state", ... (prefix e.g. "billingProfile.defaultAddress").
 * Also checks lengths: addressLine1 1-200, addressLine2/3 0-200, firstName/lastName 1-50,
 * city 1-100 (required where the country requires it). */
void pd_address_check(struct pd_address *a, const char *prefix, struct pd_verrs *errs,
		      struct pd_arena *ar);

/* Checks the whole billing profile: the address (above), email (valid, <= 254 chars),
 * culture and language for the country, companyName 1-255; and the registration-number
 * countries' rules: `regnum` (companyProfile.organizationRegistrationNumber) and the
 * address phone are required for AM AZ BY HU KZ KG MD RU TJ UZ UA (codes 600049 and
 * 600051); for CN it is optional and must be a Unified Social Credit Code (uscc.h; 3000
 * naming the wrong part); it is refused elsewhere (600002).  billingProfile.fapiao is
 * checked by fapiao.h for CN and refused for any other country (3000). */
void pd_billing_check(struct pd_billing *b, const char *regnum, const char *prefix,
		      struct pd_verrs *errs, struct pd_arena *ar);

/* True if s looks like an e-mail address: one @, a dot in the domain, no spaces or control
 * characters, a local part of at most 64 characters.  The caller checks the total length. */
bool pd_email_ok(const char *s);

/* The registration number as it is stored: trimmed and, for a valid USCC of a CN customer,
 * upper-cased.  NULL for NULL or blank. */
const char *pd_regnum_canon(const char *regnum, const char *country, struct pd_arena *ar);

/* Mainland China phone numbers (spaces, hyphens, parentheses and a +86, 0086 or 86 prefix
 * allowed): any mobile or landline number; only a mobile number (11 digits, 1[3-9]...). */
bool pd_cn_phone_ok(const char *s);
bool pd_cn_mobile_ok(const char *s);

/* The canonical name of the province (country.c's table, e.g. "北京市") whose GB/T 2260 code
 * begins the division code of the valid USCC `canon`; NULL for a national registration. */
const char *pd_uscc_province_name(const char *canon);

/* True if `iso2` (any case) is a country partnerd knows. */
bool pd_country_known(const char *iso2);

/* The rules for `iso2` as a CustomerCountryValidationRules JSON object (new reference), or
 * NULL if the country is unknown. */
json_t *pd_country_rules_json(const char *iso2);

/* The address validation service (POST /v1/validations/address): returns a new object
 * {"status", "originalAddress", "suggestedAddresses": [...], "validationMessage"}. */
json_t *pd_address_validate(const struct pd_address *a, struct pd_arena *ar,
			    enum pd_locale loc);

/* The same with the customer's valid USCC `uscc` (canonical, or NULL): for a CN address
 * whose province is not the one the code was issued in, the status is at least
 * "InteractionRequired" and "warnings" lists {"field", "code": "UsccProvinceMismatch",
 * "message"}; "warnings" is there (maybe empty) whenever uscc is given, and the province is
 * compared even when other fields are wrong or missing.  Never an error: companies move and
 * keep their code. */
json_t *pd_address_validate_uscc(const struct pd_address *a, const char *uscc,
				 struct pd_arena *ar, enum pd_locale loc);

#endif
