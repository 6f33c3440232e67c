/* routes.c - the route table: every endpoint, its methods, flags and phases, in one place. */
#include "api.h"

#define GET(p, fn) {PD_GET | PD_HEAD, p, 0, fn, NULL, NULL, NULL}

const struct pd_route pd_routes[] = {
	{PD_GET | PD_HEAD, "/", PD_R_PUBLIC, pd_home, NULL, NULL, NULL},
	{PD_GET | PD_HEAD, "/healthz", PD_R_PUBLIC, pd_health, NULL, NULL, NULL},
	{PD_POST, "/oauth2/token", PD_R_PUBLIC | PD_R_FORM, pd_oauth_token, pd_oauth_token_verify,
	 pd_oauth_token_write, pd_oauth_token_finish},
	{PD_POST, "/v1/customers", PD_R_JSON, pd_customers_create, NULL, pd_customers_create_write,
	 pd_customers_create_finish},
	GET("/v1/customers", pd_customers_list),
	GET("/v1/customers/{id}", pd_customers_get),
	{PD_DELETE, "/v1/customers/{id}", PD_R_SANDBOX, pd_customers_delete, NULL,
	 pd_customers_delete_write, pd_customers_delete_finish},
	GET("/v1/customers/{id}/profiles/company", pd_profiles_company),
	GET("/v1/customers/{id}/profiles/billing", pd_profiles_billing_get),
	{PD_PUT, "/v1/customers/{id}/profiles/billing", PD_R_JSON, pd_profiles_billing_put, NULL,
	 pd_profiles_billing_write, pd_profiles_billing_finish},
	GET("/v1/domains/{domain}", pd_domains_head),
	{PD_POST, "/v1/validations/address", PD_R_JSON, pd_validations_address, NULL, NULL, NULL},
	GET("/v1/countryvalidationrules/{iso2}", pd_validations_country_rules),
	{0, NULL, 0, NULL, NULL, NULL, NULL},
};
