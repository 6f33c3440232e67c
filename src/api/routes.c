/* routes.c - the route table: every endpoint, who may call it (a permission of roles.c),
 * what it is called in the activity log when it changes something, and its phases. */
#include "api.h"

#define P(x) PD_PERM_##x
/* a read: GET (and HEAD) with one phase */
#define READ(path, perm, fn) {PD_GET | PD_HEAD, path, 0, P(perm), NULL, NULL, fn, NULL, NULL, NULL}
/* a change: its activity-log operation and resource type, then its phases */
#define CHANGE(m, path, flags, perm, op, res, prep, work, write, finish) \
	{m, path, flags, P(perm), op, res, prep, work, write, finish}

const struct pd_route pd_routes[] = {
	{PD_GET | PD_HEAD, "/", PD_R_PUBLIC, P(PUBLIC), NULL, NULL, pd_home, NULL, NULL, NULL},
	{PD_GET | PD_HEAD, "/healthz", PD_R_PUBLIC, P(PUBLIC), NULL, NULL, pd_health, NULL, NULL, NULL},
	CHANGE(PD_POST, "/oauth2/token", PD_R_PUBLIC | PD_R_FORM, PUBLIC, "sign_in", "partner_user",
	       pd_oauth_token, pd_oauth_token_verify, pd_oauth_token_write, pd_oauth_token_finish),

	CHANGE(PD_POST, "/v1/customers", PD_R_JSON, CUSTOMERS_CREATE, "add_customer", "customer",
	       pd_customers_create, NULL, pd_customers_create_write, pd_customers_create_finish),
	READ("/v1/customers", CUSTOMERS_READ, pd_customers_list),
	READ("/v1/customers/{id}", CUSTOMERS_READ, pd_customers_get),
	CHANGE(PD_DELETE, "/v1/customers/{id}", PD_R_SANDBOX, CUSTOMERS_DELETE, "delete_customer", "customer",
	       pd_customers_delete, NULL, pd_customers_delete_write, pd_customers_delete_finish),
	READ("/v1/customers/{id}/profiles/company", CUSTOMERS_READ, pd_profiles_company),
	READ("/v1/customers/{id}/profiles/billing", BILLING_READ, pd_profiles_billing_get),
	CHANGE(PD_PUT, "/v1/customers/{id}/profiles/billing", PD_R_JSON, BILLING_WRITE,
	       "update_customer_billing_profile", "customer", pd_profiles_billing_put, NULL,
	       pd_profiles_billing_write, pd_profiles_billing_finish),
	READ("/v1/domains/{domain}", CUSTOMERS_READ, pd_domains_head),
	{PD_POST, "/v1/validations/address", PD_R_JSON, P(SELF), NULL, NULL, pd_validations_address, NULL, NULL, NULL},
	READ("/v1/countryvalidationrules/{iso2}", SELF, pd_validations_country_rules),

	READ("/v1/users", USERS_READ, pd_users_list),
	CHANGE(PD_POST, "/v1/users", PD_R_JSON, USERS_MANAGE, "create_partner_user", "partner_user",
	       pd_users_create, NULL, pd_users_create_write, pd_users_create_finish),
	READ("/v1/users/{id}", USERS_READ, pd_users_get),
	CHANGE(PD_PATCH, "/v1/users/{id}", PD_R_JSON, USERS_MANAGE, "update_partner_user", "partner_user",
	       pd_users_patch, NULL, pd_users_patch_write, pd_users_patch_finish),
	CHANGE(PD_DELETE, "/v1/users/{id}", 0, USERS_MANAGE, "delete_partner_user", "partner_user",
	       pd_users_by_id, NULL, pd_users_delete_write, pd_users_delete_finish),
	CHANGE(PD_POST, "/v1/users/{id}/resetpassword", 0, USERS_MANAGE, "reset_partner_user_password",
	       "partner_user", pd_users_by_id, NULL, pd_users_reset_write, pd_users_reset_finish),
	READ("/v1/me", SELF, pd_me_get),
	CHANGE(PD_POST, "/v1/me/password", PD_R_JSON, SELF, "change_own_password", "partner_user",
	       pd_me_password, pd_me_password_hash, pd_me_password_write, pd_me_password_finish),

	READ("/v1/apps", APPS_MANAGE, pd_apps_list),
	CHANGE(PD_POST, "/v1/apps", PD_R_JSON, APPS_MANAGE, "create_application", "application",
	       pd_apps_create, NULL, pd_apps_create_write, pd_apps_create_finish),
	READ("/v1/apps/{id}", APPS_MANAGE, pd_apps_get),
	CHANGE(PD_POST, "/v1/apps/{id}/secret", 0, APPS_MANAGE, "rotate_application_secret", "application",
	       pd_apps_by_id, NULL, pd_apps_rotate_write, pd_apps_rotate_finish),
	CHANGE(PD_DELETE, "/v1/apps/{id}", 0, APPS_MANAGE, "revoke_application", "application",
	       pd_apps_by_id, NULL, pd_apps_revoke_write, pd_apps_revoke_finish),

	READ("/v1/auditrecords", AUDIT_READ, pd_audit_list),
	READ("/v1/auditrecords/{id}", AUDIT_READ, pd_audit_get),
	{0, NULL, 0, P(PUBLIC), NULL, NULL, NULL, NULL, NULL, NULL},
};
