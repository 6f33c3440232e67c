/* events.c - the change feed's catalogue (see events.h). */
#include "events.h"
#include <string.h>

const struct pd_event_kind pd_event_kinds[] = {
	{"customer-created", "customer", "a customer is added (POST /v1/customers)"},
	{"customer-updated", "customer", "a customer's own record changes other than its billing profile, e.g. "
					 "its indirect reseller is cleared when that relationship ends"},
	{"customer-deleted", "customer", "a customer is deleted (integration sandbox only)"},
	{"billingprofile-updated", "billingprofile", "a customer's billing profile is updated"},
	{"subscription-created", "subscription", "an order creates a subscription"},
	{"subscription-updated", "subscription", "a subscription changes (quantity, name, status: suspension "
						 "included, add-ons suspended with their base too)"},
	{"customeruser-created", "customeruser", "a user is added to a customer's tenant"},
	{"customeruser-updated", "customeruser", "a customer user changes (including a password reset)"},
	{"customeruser-deleted", "customeruser", "a customer user is removed"},
	{"relationship-accepted", "relationship", "a customer accepts the partner's reseller relationship"},
	{"relationship-ended", "relationship", "the partner ends its relationship with a customer"},
	{"indirectreseller-created", "indirectreseller", "an indirect reseller is added (two-tier)"},
	{"indirectreseller-ended", "indirectreseller", "the relationship with an indirect reseller ends"},
	{"test-created", "test", "a test event asked for with POST /webhooks/v1/registration/validationEvents"},
};
const size_t pd_event_kind_count = sizeof pd_event_kinds / sizeof *pd_event_kinds;

const struct pd_event_kind *pd_event_kind(const char *name)
{
	for (size_t i = 0; name && i < pd_event_kind_count; i++)
		if (!strcmp(pd_event_kinds[i].name, name))
			return &pd_event_kinds[i];
	return NULL;
}
