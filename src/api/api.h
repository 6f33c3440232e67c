/* api.h - the REST resources: one file per resource, each exporting its phase functions
 * (request.h) for the route table in routes.c, plus helpers shared by them. */
#ifndef PD_API_H
#define PD_API_H
#include "request.h"

extern const struct pd_route pd_routes[];

/* customers.c */
enum pd_next pd_customers_create(struct pd_req *r);
enum pd_err pd_customers_create_write(struct pd_req *r, struct store *st);
void pd_customers_create_finish(struct pd_req *r, enum pd_err e);
enum pd_next pd_customers_get(struct pd_req *r);
enum pd_next pd_customers_list(struct pd_req *r);
enum pd_next pd_customers_delete(struct pd_req *r);
enum pd_err pd_customers_delete_write(struct pd_req *r, struct store *st);
void pd_customers_delete_finish(struct pd_req *r, enum pd_err e);

/* profiles.c */
enum pd_next pd_profiles_company(struct pd_req *r);
enum pd_next pd_profiles_billing_get(struct pd_req *r);
enum pd_next pd_profiles_billing_put(struct pd_req *r);
enum pd_err pd_profiles_billing_write(struct pd_req *r, struct store *st);
void pd_profiles_billing_finish(struct pd_req *r, enum pd_err e);

/* domains.c */
enum pd_next pd_domains_head(struct pd_req *r);

/* validations.c */
enum pd_next pd_validations_address(struct pd_req *r);
enum pd_next pd_validations_country_rules(struct pd_req *r);

/* oauth.c */
enum pd_next pd_oauth_token(struct pd_req *r);
enum pd_next pd_oauth_token_verify(struct pd_req *r);
enum pd_err pd_oauth_token_write(struct pd_req *r, struct store *st);
void pd_oauth_token_finish(struct pd_req *r, enum pd_err e);

/* health.c */
enum pd_next pd_health(struct pd_req *r);
enum pd_next pd_home(struct pd_req *r);

/* partners.c: creating a partner and its first global admin (CLI and first start). */
struct pd_new_partner {
	char partner_id[37];
	char user_id[37];
	char password[PD_GENPW_CHARS + 1]; /* shown once, never stored */
};
enum pd_err pd_partner_create(struct store *st, const char *name, const char *admin_email,
			      struct pd_new_partner *out, char *errbuf, size_t cap);

/* common.c */
/* The customer id of the route's first parameter (lower-cased), or NULL after replying 400. */
const char *pd_api_customer_id(struct pd_req *r);
/* Replies with the error for a store result (404 names `what`). */
enum pd_next pd_api_store_error(struct pd_req *r, enum pd_err e, const char *what);

#endif
