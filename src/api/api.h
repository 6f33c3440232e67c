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
enum pd_next pd_validations_domain(struct pd_req *r);

/* oauth.c */
enum pd_next pd_oauth_token(struct pd_req *r);
enum pd_next pd_oauth_token_verify(struct pd_req *r);
enum pd_err pd_oauth_token_write(struct pd_req *r, struct store *st);
void pd_oauth_token_finish(struct pd_req *r, enum pd_err e);

/* users.c */
json_t *pd_user_json(const struct pd_user *u, struct pd_arena *ar);
const char *pd_roles_from_json(json_t *v, const char *field, struct pd_verrs *errs,
			       struct pd_arena *ar);
enum pd_next pd_users_list(struct pd_req *r);
enum pd_next pd_users_get(struct pd_req *r);
enum pd_next pd_users_create(struct pd_req *r);
enum pd_err pd_users_create_write(struct pd_req *r, struct store *st);
void pd_users_create_finish(struct pd_req *r, enum pd_err e);
enum pd_next pd_users_patch(struct pd_req *r);
enum pd_err pd_users_patch_write(struct pd_req *r, struct store *st);
void pd_users_patch_finish(struct pd_req *r, enum pd_err e);
enum pd_next pd_users_by_id(struct pd_req *r);
enum pd_err pd_users_delete_write(struct pd_req *r, struct store *st);
void pd_users_delete_finish(struct pd_req *r, enum pd_err e);
enum pd_err pd_users_reset_write(struct pd_req *r, struct store *st);
void pd_users_reset_finish(struct pd_req *r, enum pd_err e);
enum pd_next pd_me_get(struct pd_req *r);
enum pd_next pd_me_password(struct pd_req *r);
enum pd_next pd_me_password_hash(struct pd_req *r);
enum pd_err pd_me_password_write(struct pd_req *r, struct store *st);
void pd_me_password_finish(struct pd_req *r, enum pd_err e);

/* apps.c */
enum pd_next pd_apps_list(struct pd_req *r);
enum pd_next pd_apps_get(struct pd_req *r);
enum pd_next pd_apps_create(struct pd_req *r);
enum pd_err pd_apps_create_write(struct pd_req *r, struct store *st);
void pd_apps_create_finish(struct pd_req *r, enum pd_err e);
enum pd_next pd_apps_by_id(struct pd_req *r);
enum pd_err pd_apps_rotate_write(struct pd_req *r, struct store *st);
void pd_apps_rotate_finish(struct pd_req *r, enum pd_err e);
enum pd_err pd_apps_revoke_write(struct pd_req *r, struct store *st);
void pd_apps_revoke_finish(struct pd_req *r, enum pd_err e);
/* `partnerd app add`: creates an app and returns its secret once. */
enum pd_err pd_app_create(struct store *st, const char *partner, const char *name,
			  const char *roles, char client_id[37], char secret[PD_TOKEN_CHARS + 1],
			  char *errbuf, size_t cap);

/* offers.c */
enum pd_next pd_offers_list(struct pd_req *r);
enum pd_next pd_offers_get(struct pd_req *r);

/* orders.c */
enum pd_next pd_orders_create(struct pd_req *r);
enum pd_err pd_orders_create_write(struct pd_req *r, struct store *st);
void pd_orders_create_finish(struct pd_req *r, enum pd_err e);
enum pd_next pd_orders_list(struct pd_req *r);
enum pd_next pd_orders_get(struct pd_req *r);
enum pd_next pd_subscriptions_list(struct pd_req *r);
enum pd_next pd_subscriptions_provisioning(struct pd_req *r);
enum pd_next pd_subscriptions_get(struct pd_req *r);
enum pd_next pd_subscriptions_patch(struct pd_req *r);
enum pd_err pd_subscriptions_patch_write(struct pd_req *r, struct store *st);
void pd_subscriptions_patch_finish(struct pd_req *r, enum pd_err e);

/* customer_users.c */
enum pd_next pd_cusers_list(struct pd_req *r);
enum pd_next pd_cusers_get(struct pd_req *r);
enum pd_next pd_cusers_create(struct pd_req *r);
enum pd_next pd_cusers_create_hash(struct pd_req *r);
enum pd_err pd_cusers_create_write(struct pd_req *r, struct store *st);
void pd_cusers_create_finish(struct pd_req *r, enum pd_err e);
enum pd_next pd_cusers_patch(struct pd_req *r);
enum pd_err pd_cusers_patch_write(struct pd_req *r, struct store *st);
void pd_cusers_patch_finish(struct pd_req *r, enum pd_err e);
enum pd_next pd_cusers_by_id(struct pd_req *r);
enum pd_err pd_cusers_delete_write(struct pd_req *r, struct store *st);
void pd_cusers_delete_finish(struct pd_req *r, enum pd_err e);
enum pd_err pd_cusers_reset_write(struct pd_req *r, struct store *st);
void pd_cusers_reset_finish(struct pd_req *r, enum pd_err e);

/* relationships.c */
enum pd_next pd_invitation_get(struct pd_req *r);
enum pd_next pd_invitation_renew(struct pd_req *r);
enum pd_next pd_invitation_revoke(struct pd_req *r);
enum pd_err pd_invitation_write(struct pd_req *r, struct store *st);
void pd_invitation_finish(struct pd_req *r, enum pd_err e);
enum pd_next pd_relationship_patch(struct pd_req *r);
enum pd_err pd_relationship_patch_write(struct pd_req *r, struct store *st);
void pd_relationship_patch_finish(struct pd_req *r, enum pd_err e);

/* resellers.c: indirect resellers (two-tier CSP) */
enum pd_next pd_resellers_list(struct pd_req *r);
enum pd_next pd_resellers_get(struct pd_req *r);
enum pd_next pd_customer_resellers(struct pd_req *r);
enum pd_next pd_resellers_add(struct pd_req *r);
enum pd_err pd_resellers_add_write(struct pd_req *r, struct store *st);
void pd_resellers_add_finish(struct pd_req *r, enum pd_err e);
enum pd_next pd_resellers_patch(struct pd_req *r);
enum pd_err pd_resellers_patch_write(struct pd_req *r, struct store *st);
void pd_resellers_patch_finish(struct pd_req *r, enum pd_err e);
/* A PartnerRelationship (new reference). */
json_t *pd_reseller_json(const struct pd_reseller *x);
/* Checks a new reseller's fields, errors naming the JSON members: name 1-256 characters
 * without bidirectional controls, mpnId 6 to 10 digits, location (optional) a known country
 * (then upper-cased into ar). */
void pd_reseller_check(struct pd_reseller *x, struct pd_verrs *errs, struct pd_arena *ar);
/* PD_OK if `id` is an active indirect reseller of `partner` now (on st: in the writer's
 * transaction when called there), PD_ENOTFOUND if it is unknown or ended. */
enum pd_err pd_reseller_active(struct store *st, const char *partner, const char *id,
			       struct pd_arena *ar);
/* `partnerd reseller add`: validates `in` (partner_id, name, mpn_id, optional id and
 * location), adds it as active with its activity record in one transaction; *out is the
 * PartnerRelationship (new reference).  Errors in errbuf, in English, naming the flags. */
enum pd_err pd_reseller_create(struct store *st, const struct pd_reseller *in, json_t **out,
			       char *errbuf, size_t cap);

/* accept.c */
enum pd_next pd_accept_form(struct pd_req *r);
enum pd_next pd_accept_submit(struct pd_req *r);
enum pd_next pd_accept_verify(struct pd_req *r);
enum pd_err pd_accept_write(struct pd_req *r, struct store *st);
void pd_accept_finish(struct pd_req *r, enum pd_err e);

/* audit.c */
enum pd_next pd_audit_list(struct pd_req *r);
enum pd_next pd_audit_get(struct pd_req *r);

/* webhooks.c (issue 22) */
json_t *pd_webhook_json(const struct pd_webhook *w);
enum pd_next pd_webhooks_certificate(struct pd_req *r);
enum pd_next pd_webhooks_certificate_pem(struct pd_req *r);
enum pd_next pd_webhooks_events(struct pd_req *r);
enum pd_next pd_webhooks_get(struct pd_req *r);
enum pd_next pd_webhooks_create(struct pd_req *r);
enum pd_next pd_webhooks_resolve(struct pd_req *r);
enum pd_err pd_webhooks_create_write(struct pd_req *r, struct store *st);
void pd_webhooks_create_finish(struct pd_req *r, enum pd_err e);
enum pd_next pd_webhooks_put(struct pd_req *r);
enum pd_err pd_webhooks_put_write(struct pd_req *r, struct store *st);
void pd_webhooks_put_finish(struct pd_req *r, enum pd_err e);
enum pd_next pd_webhooks_delete(struct pd_req *r);
enum pd_err pd_webhooks_delete_write(struct pd_req *r, struct store *st);
void pd_webhooks_delete_finish(struct pd_req *r, enum pd_err e);
enum pd_next pd_webhooks_test(struct pd_req *r);
enum pd_err pd_webhooks_test_write(struct pd_req *r, struct store *st);
void pd_webhooks_test_finish(struct pd_req *r, enum pd_err e);
enum pd_next pd_webhooks_test_get(struct pd_req *r);
enum pd_next pd_webhooks_deliveries(struct pd_req *r);
enum pd_next pd_webhooks_redeliver(struct pd_req *r);
enum pd_err pd_webhooks_redeliver_write(struct pd_req *r, struct store *st);
void pd_webhooks_redeliver_finish(struct pd_req *r, enum pd_err e);

/* health.c */
enum pd_next pd_health(struct pd_req *r);

/* portal.c (and pd_session_create in oauth.c, which shares the password grant) */
enum pd_next pd_portal_index(struct pd_req *r);
enum pd_next pd_portal_asset(struct pd_req *r);
enum pd_next pd_session_create(struct pd_req *r);
/* POST /portal/session: refuses a sign-in posted from another site (403), then as above. */
enum pd_next pd_portal_signin(struct pd_req *r);
enum pd_next pd_session_get(struct pd_req *r);
enum pd_next pd_session_end(struct pd_req *r);
enum pd_err pd_session_end_write(struct pd_req *r, struct store *st);
void pd_session_end_finish(struct pd_req *r, enum pd_err e);

/* partners.c: creating a partner and its first global admin (CLI and first start). */
struct pd_new_partner {
	char partner_id[37];
	char user_id[37];
	char password[PD_GENPW_CHARS + 1]; /* shown once, never stored */
};
enum pd_err pd_partner_create(struct store *st, const char *name, const char *admin_email,
			      struct pd_new_partner *out, char *errbuf, size_t cap);

/* seed.c: `partnerd seed` - partners and realistic customers for benchmarks (see there). */
enum pd_err pd_seed(const char *db_url, long partners, long long customers, unsigned long long seed, const char *domain_suffix, json_t **result, char *errbuf, size_t cap);

/* common.c */
/* The route's parameter i as a lower-case UUID, or NULL after replying 400 naming `field`. */
const char *pd_api_uuid_param(struct pd_req *r, int i, const char *field);
/* The customer id of the route's first parameter (lower-cased), or NULL after replying 400. */
const char *pd_api_customer_id(struct pd_req *r);
/* A comma-separated role list ("a,b") as a JSON array of names (new reference). */
json_t *pd_api_roles_json(const char *roles);
/* This partner's customer of the route's {id}; false after replying (400, 404, 503). */
bool pd_api_load_customer(struct pd_req *r, struct pd_customer *c);
/* Replies with the error for a store result; 404 and 409 name `what` (with `id`, may be
 * NULL) in the caller's language, 404 with Partner Center's code for it. */
enum pd_next pd_api_store_error(struct pd_req *r, enum pd_err e, enum pd_noun what, const char *id);
/* Records a change of customer `c` (old_v/new_v: summaries, stolen; secrets already out) and,
 * unless `event` is NULL, its change-feed event (events.h) about the customer (the billing
 * profile for billingprofile-updated); *audit_id (may be NULL): the record's id (arena). */
enum pd_err pd_api_audit_customer(struct pd_req *r, struct store *st, const char *op,
				  const struct pd_customer *c, json_t *old_v, json_t *new_v, const char *event,
				  const char **audit_id);
/* The same for a new customer, its JSON already written (new_text; a create writes it on its
 * loop, so the writer does not). */
enum pd_err pd_api_audit_customer_text(struct pd_req *r, struct store *st, const char *op,
				       const struct pd_customer *c, const char *new_text, const char *event,
				       const char **audit_id);
/* "1 and 300" in the caller's language (for PD_MSG_QUANTITY). */
const char *pd_range_text(struct pd_req *r, long long lo, long long hi);
/* Unix seconds as ISO 8601 UTC, "2026-11-25T02:00:00Z" (arena). */
const char *pd_iso_time(long long t, struct pd_arena *ar);
/* If-Match H against the CURRENT etag (RFC 9110 13.1.1: "*", or a list of tags, compared
 * strongly: a weak tag never matches). */
bool pd_api_if_match(struct pd_req *r, const char *h, const char *current);
/* The etag a change is made at: CURRENT when If-Match matches it, a tag that cannot match when it
 * does not, the body's etag without If-Match. */
const char *pd_api_held_etag(struct pd_req *r, const char *body_etag, const char *current);
/* 429 with Retry-After. */
enum pd_next pd_api_too_many(struct pd_req *r, int seconds);
/* A Partner Center Collection of `items` (stolen); `token` (may be NULL) continues it. */
json_t *pd_collection(struct pd_req *r, json_t *items, const char *self_uri, const char *token);

/* A 400 naming one field, with its `details` as every 400 naming fields has them. */
enum pd_next pd_api_bad(struct pd_req *r, int code, const char *field, enum pd_msg msg, const char *arg);
/* Adds a 400 naming `prefix`.name for each member of object `o` that is not in `known`
 * (NULL-terminated, compared as pd_json_get does, case-insensitive); null members count as
 * absent.  A body field partnerd would not act on is refused, never silently ignored. */
void pd_api_known_fields(struct pd_req *r, json_t *o, const char *prefix, const char *const *known,
			 struct pd_verrs *errs);
/* `attributes` of a body: only objectType (which must be `type`) and, when etag_ok, etag. */
void pd_api_attributes(struct pd_req *r, json_t *body, const char *type, bool etag_ok,
		       struct pd_verrs *errs);
/* The self link of a collection: `base?size=N` and each (name, value) pair of `kv` whose
 * value is not NULL (percent-encoded; kv ends with a NULL name): the parameters that select
 * the collection, as the query in effect has them, so following it fetches the same one. */
const char *pd_api_self_uri(struct pd_req *r, const char *base, int size, const char *const *kv);
/* The customer list's filter in effect (from the parameter or the token) as filter JSON,
 * NULL when there is none (arena). */
const char *pd_api_customer_filter(struct pd_req *r, const struct pd_query *q);
/* Hex BLAKE2b-256 of the body's canonical form (keys folded to lower case and sorted, no
 * spaces): two bodies that say the same thing have the same digest (arena). */
const char *pd_api_body_digest(struct pd_req *r);

/* pages.c: one page of a list whose rows keep their place (apps, tenant users, subscriptions). */
struct pd_page {
	int size;                /* 1..PD_PAGE_MAX */
	bool has_after;          /* continue after `after` (from the request's token) */
	struct pd_after after;   /* created_at and id of the last row before; id alone for a key */
};
/* Reads size, seekOperation and the continuation token of list `list` in `scope` (a
 * customer id, "" for the partner's own); false after replying 400 naming the field. */
bool pd_api_page(struct pd_req *r, const char *list, const char *scope, struct pd_page *p);
/* The token that continues after a page's last row (arena). */
const char *pd_api_page_token(struct pd_req *r, const char *list, const char *scope,
			      long long created, const char *key);

#endif
