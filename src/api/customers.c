/* customers.c - /v1/customers: create (validated, idempotent on a client's MS-RequestId,
 * with the customer's admin user and its one-time password; ?validateOnly=true runs every
 * check and writes nothing), get, list with filters and continuation tokens, and delete in
 * sandbox mode. */
#include <sodium.h>
#include <string.h>
#include <strings.h>
#include "api.h"
#include "activity.h"
#include "feed.h"
#include "orders.h"
#include "country.h"
#include "domain.h"
#include "ids.h"
#include "rowcache.h"
#include "search.h"
#include "text.h"

struct create {
	struct pd_customer c;
	struct pd_name_forms forms; /* of the name, made once (c.forms points here) */
	const char *text;        /* the customer's JSON (pd_customer_write), for the log and the 201 */
	size_t text_len;
	struct pd_customer_user admin;
	char password[PD_GENPW_CHARS + 1];
	char admin_hash[PD_PWHASH_LEN];
	char *replayed_id;       /* set when MS-RequestId was seen before with this body */
	const char *digest;      /* of the body, kept with the MS-RequestId */
	bool reused;             /* MS-RequestId seen before with another body */
	struct pd_order order;   /* optional first subscriptions (lineItems) */
	bool has_order;          /* the create carries lineItems */
	bool reseller_gone;      /* associatedPartnerId is no active indirect reseller (write) */
	bool confirm_dups;       /* "confirmDuplicates": true */
	const char *dup_key;     /* the normalised company name (search.h) */
	char **dups;             /* possible duplicates found (ids) */
	size_t ndups;
	bool dup_by_regnum;      /* the candidates hold the same USCC (no name matched) */
};

/* The create's body: what partnerd acts on (anything else is a 400 naming it). */
static const char *const create_fields[] = {"companyProfile", "billingProfile", "lineItems", "attributes",
					    "associatedPartnerId", "relationshipToPartner", "allowDelegatedAccess",
					    "confirmDuplicates", NULL};
static const char *const company_fields[] = {"domain", "organizationRegistrationNumber", "attributes", NULL};

/* Read-only members that Partner Center's documented create requests send (its SDK
 * serialises the whole Customer): accepted only with the values those requests carry, which
 * change nothing; any other value is a 400 naming the member (docs/api-notes.md). */
static void check_read_only(struct pd_req *r, struct pd_verrs *errs)
{
	json_t *rel = pd_json_get(r->json, "relationshipToPartner"), *dele = pd_json_get(r->json, "allowDelegatedAccess");
	if (rel && !json_is_null(rel) &&
	    (!json_is_string(rel) || (strcasecmp(json_string_value(rel), "none") && strcasecmp(json_string_value(rel), "reseller"))))
		pd_verr_add(errs, 3000, "relationshipToPartner", PD_MSG_READ_ONLY, NULL);
	if (dele && !json_is_null(dele) && !json_is_true(dele))
		pd_verr_add(errs, 3000, "allowDelegatedAccess", PD_MSG_READ_ONLY, NULL);
}

/* ---- possible duplicates (issue 18) ---- */

#define DUPS_MAX 10

/* The partner's customers that look like the one being created: the same normalised name
 * (dup_key, search.h pd_dup_key) or, when regnum is not NULL, the same registration number;
 * `self` (the customer just inserted, or NULL) left out.  Read on `st`: the request's
 * connection before the job is queued, the writer's inside its transaction (so two identical
 * creates cannot both pass). */

/* The registration number the check compares: a CN customer's unified social credit code
 * (canonical, upper-cased by check_uscc), found through the index customers_regnum (0013/0010).
 * Other countries' registration numbers are not unique enough to warn of. */
static const char *dup_regnum(const struct create *k)
{
	const char *iso = k->c.billing.addr.country;
	return iso && !strcmp(iso, "CN") ? k->c.regnum : NULL;
}

static enum pd_err dups_of(struct pd_req *r, struct store *st, const char *dup_key, const char *regnum,
			   const char *self, char ***ids, size_t *n)
{
	enum pd_err e = store_customer_dups(st, r->who.partner_id, dup_key, regnum, DUPS_MAX + 1, ids, n, r->ar);
	size_t k = 0;
	for (size_t i = 0; e == PD_OK && i < *n; i++)
		if (!self || strcmp((*ids)[i], self) != 0)
			(*ids)[k++] = (*ids)[i];
	*n = k < DUPS_MAX ? k : DUPS_MAX;
	return e;
}

/* The name decides first; only when no customer has the name is the registration number
 * asked (so the answer can say which of the two matched: k->dup_by_regnum). */
static enum pd_err find_duplicates(struct pd_req *r, struct store *st, struct create *k, const char *self)
{
	const char *regnum = dup_regnum(k);
	enum pd_err e = dups_of(r, st, k->dup_key, NULL, self, &k->dups, &k->ndups);
	k->dup_by_regnum = false;
	if (e == PD_OK && !k->ndups && regnum) {
		e = dups_of(r, st, NULL, regnum, self, &k->dups, &k->ndups); /* NULL: no name matches */
		k->dup_by_regnum = k->ndups > 0;
	}
	return e;
}

static void reply_duplicates(struct pd_req *r, const struct create *k)
{
	json_t *ids = json_array();
	for (size_t i = 0; i < k->ndups; i++)
		json_array_append_new(ids, json_string(k->dups[i]));
	if (k->dup_by_regnum)
		pd_reply_error_data(r, PD_ECONFLICT, "PossibleDuplicate", PD_MSG_POSSIBLE_DUPLICATE_USCC,
				    "companyProfile.organizationRegistrationNumber", pd_printf(r->ar, "%zu", k->ndups), ids);
	else
		pd_reply_error_data(r, PD_ECONFLICT, "PossibleDuplicate", PD_MSG_POSSIBLE_DUPLICATE,
				    "billingProfile.companyName", pd_printf(r->ar, "%zu", k->ndups), ids);
}

/* Answers 409 PossibleDuplicate (or a store error) and returns true when the create looks
 * like an existing customer and the body does not confirm it.  A retried create
 * (MS-RequestId already answered) is replayed by the write instead, and a taken domain is
 * the write's answer (a create that cannot succeed warns of nothing). */
static bool replied_duplicates(struct pd_req *r, struct create *k)
{
	char *made = NULL, *digest = NULL;
	bool taken = false;
	enum pd_err e = PD_OK;
	if (k->confirm_dups)
		return false;
	if (!(k->dup_key = k->c.forms ? k->c.forms->dup : NULL)) /* the write needs it too */
		e = PD_EINTERNAL;
	else if (r->request_id_given && store_idem_get(r->st, r->who.partner_id, r->request_id, &made, &digest, r->ar) == PD_OK)
		return false;
	else if (store_domain_taken(r->st, k->c.domain, &taken) == PD_OK && taken)
		return false;
	if (e == PD_OK)
		e = find_duplicates(r, r->st, k, NULL);
	if (e != PD_OK)
		pd_api_store_error(r, e, PD_NOUN_CUSTOMER, NULL);
	else if (k->ndups)
		reply_duplicates(r, k);
	return e != PD_OK || k->ndups;
}

/* associatedPartnerId (two-tier CSP): one of the partner's active indirect resellers, or
 * absent (a direct customer).  Checked here for a quick 400 and again in the write, which
 * alone decides for a request with an MS-RequestId: its replay answers what was made even
 * after the reseller ended. */
static void decode_reseller(struct pd_req *r, struct pd_customer *c, struct pd_verrs *errs)
{
	json_t *v = pd_json_get(r->json, "associatedPartnerId");
	char *id = pd_alloc(r->ar, PD_UUID_LEN + 1);
	if (!v)
		return;
	if (!json_is_string(v) || !pd_uuid_parse(json_string_value(v), id))
		pd_verr_add(errs, 3000, "associatedPartnerId", PD_MSG_BAD_UUID, NULL);
	else if (!r->request_id_given && pd_reseller_active(r->st, r->who.partner_id, id, r->ar) == PD_ENOTFOUND)
		pd_verr_add(errs, 3000, "associatedPartnerId", PD_MSG_RESELLER_UNKNOWN, id);
	else /* active, or unreadable now: the write checks again and answers either way */
		c->associated_partner_id = id;
}

static void decode_company(struct pd_req *r, json_t *cp, struct pd_customer *c,
			   struct pd_verrs *errs)
{
	json_t *d = pd_json_get(cp, "domain"), *reg = pd_json_get(cp, "organizationRegistrationNumber");
	char *norm = pd_alloc(r->ar, 300);
	if (!json_is_object(cp)) {
		pd_verr_add(errs, 3000, "companyProfile", cp ? PD_MSG_BAD_TYPE : PD_MSG_REQUIRED, "an object");
		return;
	}
	if (!d)
		pd_verr_add(errs, 3000, "companyProfile.domain", PD_MSG_REQUIRED, NULL);
	else if (!json_is_string(d) || !pd_domain_normalize(json_string_value(d), r->cfg->domain_suffix, norm, 300))
		pd_verr_add(errs, 3000, "companyProfile.domain", PD_MSG_BAD_DOMAIN, r->cfg->domain_suffix);
	else
		c->domain = norm;
	if (json_is_string(reg) && json_string_length(reg) > 0)
		c->regnum = pd_strdup(r->ar, json_string_value(reg));
	else if (reg && !json_is_string(reg))
		pd_verr_add(errs, 3000, "companyProfile.organizationRegistrationNumber", PD_MSG_BAD_TYPE, "a string");
}

static void fill_new(struct pd_req *r, struct create *k)
{
	char *id = pd_alloc(r->ar, PD_UUID_LEN + 1), *uid = pd_alloc(r->ar, PD_UUID_LEN + 1);
	char *etag = pd_alloc(r->ar, PD_ETAG_LEN + 1);
	pd_uuid_new(id);
	pd_uuid_new(uid);
	pd_etag_new(etag);
	pd_password_generate(k->password);
	k->c.id = id;
	k->c.billing.etag = etag;
	k->c.relationship = "reseller";
	k->c.created = k->c.updated = r->now;
	k->c.admin_user = pd_printf(r->ar, "admin@%s", k->c.domain);
	k->admin = (struct pd_customer_user){.partner_id = r->who.partner_id, .customer_id = id,
					     .id = uid, .upn = k->c.admin_user, .display_name = "Administrator",
					     .first_name = k->c.billing.first_name, .last_name = k->c.billing.last_name,
					     .usage_location = k->c.billing.addr.country,
					     .roles = "company_administrator", .state = "active",
					     .password_hash = k->admin_hash, .must_change_password = true,
					     .created = r->now};
	pd_generated_password_encode(r->key, k->password, k->admin_hash);
}

/* The new customer's JSON, written here on the loop: the activity record's new value and the
 * 201's body (pd_customer_write: the bytes json_dumps would make of pd_customer_to_json). */
static void write_text(struct pd_req *r, struct create *k)
{
	struct pd_buf b;
	pd_buf_init(&b, 2048);
	pd_customer_write(&b, &k->c);
	k->text = pd_strndup(r->ar, b.p, b.len);
	k->text_len = b.len;
	pd_buf_free(&b);
}

/* The 201 of a create without lineItems: the customer and its administrator's credentials. */
static void reply_created(struct pd_req *r, const struct create *k)
{
	struct pd_buf b;
	pd_buf_init(&b, k->text_len + 256);
	pd_buf_add(&b, k->text, k->text_len - 1); /* without its closing brace */
	pd_jw_key(&b, "userCredentials");
	pd_jw_open(&b);
	pd_jw_kstr(&b, "userName", k->c.admin_user);
	pd_jw_kstr(&b, "password", k->password);
	pd_jw_close(&b);
	pd_jw_close(&b);
	pd_reply_buf(r, 201, &b);
}

/* ?validateOnly: absent or "false" is a create, "true" a check only; anything else a 400. */
static bool validate_only(struct pd_req *r, struct pd_verrs *errs)
{
	const char *v = pd_req_query(r, "validateOnly");
	if (v && strcasecmp(v, "true") && strcasecmp(v, "false"))
		pd_verr_add(errs, 3000, "validateOnly", PD_MSG_BAD_ENUM, "true, false");
	r->dry_run = v && !strcasecmp(v, "true"); /* a check is no change: no activity record */
	return r->dry_run;
}

/* The registration number as stored, and, with --require-uscc, required for CN. */
static void check_uscc(struct pd_req *r, struct pd_customer *c, struct pd_verrs *errs)
{
	const char *iso = c->billing.addr.country;
	c->regnum = pd_regnum_canon(c->regnum, iso, r->ar);
	if (r->cfg->require_uscc && !c->regnum && iso && !strcmp(iso, "CN"))
		pd_verr_add(errs, 600049, "companyProfile.organizationRegistrationNumber",
			    PD_MSG_REGNUM_REQUIRED, iso);
}

/* validateOnly: the checks the write would make (the domain), then 200 {"valid": true}. */
static enum pd_next reply_valid(struct pd_req *r, struct create *k)
{
	bool taken = false;
	enum pd_err e = store_domain_taken(r->st, k->c.domain, &taken);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_DOMAIN, k->c.domain);
	if (taken)
		pd_reply_error(r, PD_ECONFLICT, PD_MSG_DOMAIN_TAKEN, "companyProfile.domain", k->c.domain);
	else
		pd_reply_json(r, 200, json_pack("{s:b}", "valid", 1));
	return PD_REPLY;
}

enum pd_next pd_customers_create(struct pd_req *r)
{
	struct create *k = pd_alloc(r->ar, sizeof *k);
	struct pd_verrs errs = {0};
	bool check_only = validate_only(r, &errs);
	pd_api_known_fields(r, r->json, NULL, create_fields, &errs);
	check_read_only(r, &errs);
	pd_api_known_fields(r, pd_json_get(r->json, "companyProfile"), "companyProfile", company_fields, &errs);
	pd_api_attributes(r, r->json, "Customer", false, &errs);
	if (json_is_object(pd_json_get(r->json, "companyProfile")))
		pd_api_attributes(r, pd_json_get(r->json, "companyProfile"), "CustomerCompanyProfile", false, &errs);
	pd_billing_unknown(pd_json_get(r->json, "billingProfile"), "billingProfile", &errs, r->ar);
	decode_company(r, pd_json_get(r->json, "companyProfile"), &k->c, &errs);
	pd_billing_from_json(pd_json_get(r->json, "billingProfile"), "billingProfile", &k->c.billing, &errs, r->ar);
	decode_reseller(r, &k->c, &errs);
	if (!errs.n)
		pd_billing_check(&k->c.billing, k->c.regnum, "billingProfile", &errs, r->ar);
	if (!errs.n)
		check_uscc(r, &k->c, &errs);
	json_t *items = pd_json_get(r->json, "lineItems"), *confirm = pd_json_get(r->json, "confirmDuplicates");
	if (confirm && !json_is_boolean(confirm))
		pd_verr_add(&errs, 3000, "confirmDuplicates", PD_MSG_BAD_TYPE, "a boolean");
	k->confirm_dups = json_is_true(confirm);
	k->has_order = items != NULL;
	if (!errs.n && k->has_order)
		pd_order_parse(r, items, k->c.billing.addr.country, &k->order, &errs);
	if (errs.n) {
		pd_reply_verrs(r, &errs);
		return PD_REPLY;
	}
	if (pd_name_forms(r->ar, k->c.billing.company_name, &k->forms)) /* once, here on the loop */
		k->c.forms = &k->forms;
	if (replied_duplicates(r, k))
		return PD_REPLY;
	if (check_only)
		return reply_valid(r, k);
	fill_new(r, k);
	write_text(r, k);
	k->digest = r->request_id_given ? pd_api_body_digest(r) : NULL;
	/* a failure here shows again, and is answered, in the write */
	(void)store_warm_insert(r->st, r->who.partner_id, &k->c, &k->admin, r->request_id_given ? r->request_id : NULL);
	r->state = k;
	return PD_WRITE;
}

enum pd_err pd_customers_create_write(struct pd_req *r, struct store *st)
{
	struct create *k = r->state;
	const char *partner = r->who.partner_id;
	if (r->request_id_given) {
		char *digest = NULL;
		enum pd_err e = store_idem_get(st, partner, r->request_id, &k->replayed_id, &digest, r->ar);
		if (e == PD_OK && digest && strcmp(digest, k->digest) != 0) /* NULL: a key from before 0011 */
			return k->replayed_id = NULL, k->reused = true, PD_ECONFLICT;
		if (e != PD_ENOTFOUND)
			return e;
	}
	/* the reseller prepare found may have ended since: recheck in this transaction */
	enum pd_err e = k->c.associated_partner_id ? pd_reseller_active(st, partner, k->c.associated_partner_id, r->ar)
						   : PD_OK;
	if (e == PD_ENOTFOUND)
		return k->reseller_gone = true, PD_EINVAL;
	if (e == PD_OK)
		e = store_customer_insert(st, partner, &k->c, &k->admin);
	if (e == PD_OK && !k->confirm_dups) { /* again, in the writer's transaction: a create queued
					       * meanwhile; the job's savepoint takes the row back */
		e = find_duplicates(r, st, k, k->c.id);
		if (e == PD_OK && k->ndups)
			e = PD_ECONFLICT;
	}
	if (e == PD_OK && k->has_order)
		e = pd_order_write(r, st, k->c.id, &k->order);
	/* the replay of a create answers with the customer and the order made with it */
	const char *made = k->has_order ? pd_printf(r->ar, "%s/%s", k->c.id, k->order.id) : k->c.id;
	if (e == PD_OK && r->request_id_given)
		e = store_idem_put(st, partner, r->request_id, made, k->digest, r->now);
	const char *audit_id = NULL;
	if (e == PD_OK)
		e = pd_api_audit_customer_text(r, st, "add_customer", &k->c, k->text, "customer-created", &audit_id);
	return e == PD_OK && k->has_order ? pd_event_order(r, st, k->c.id, &k->order, audit_id) : e;
}

static void reply_replay(struct pd_req *r, const char *made)
{
	struct pd_customer c;
	struct pd_order order;
	const char *slash = strchr(made, '/');
	const char *id = slash ? pd_strndup(r->ar, made, (size_t)(slash - made)) : made;
	enum pd_err e = store_customer_get(r->st, r->who.partner_id, id, &c, r->ar);
	if (e == PD_OK && slash)
		e = pd_order_load(r, r->st, id, slash + 1, &order);
	if (e != PD_OK) {
		pd_api_store_error(r, e, PD_NOUN_CUSTOMER, NULL);
		return;
	}
	json_t *o = pd_customer_to_json(&c);
	json_object_set_new(o, "userCredentials", json_pack("{s:s}", "userName", c.admin_user));
	if (slash)
		json_object_set_new(o, "orders", json_pack("[o]", pd_order_json(r, id, &order)));
	pd_reply_json(r, 201, o);
	pd_reply_header(r, "Idempotent-Replayed", "true");
	pd_reply_header(r, "Location", pd_printf(r->ar, "/v1/customers/%s", c.id));
}

void pd_customers_create_finish(struct pd_req *r, enum pd_err e)
{
	struct create *k = r->state;
	if (e == PD_OK && k->replayed_id) {
		reply_replay(r, k->replayed_id);
	} else if (e == PD_EINVAL && k->reseller_gone) { /* as decode_reseller would have said */
		struct pd_verrs errs = {0};
		pd_verr_add(&errs, 3000, "associatedPartnerId", PD_MSG_RESELLER_UNKNOWN, k->c.associated_partner_id);
		pd_reply_verrs(r, &errs);
	} else if (e == PD_EINVAL && k->order.errs.n) {
		pd_reply_verrs(r, &k->order.errs);
	} else if (e == PD_OK && !k->has_order) {
		reply_created(r, k);
		pd_reply_header(r, "Location", pd_printf(r->ar, "/v1/customers/%s", k->c.id));
	} else if (e == PD_OK) {
		json_t *o = pd_customer_to_json(&k->c);
		json_object_set_new(o, "userCredentials", json_pack("{s:s, s:s}", "userName", k->c.admin_user,
								    "password", k->password));
		json_object_set_new(o, "orders", json_pack("[o]", pd_order_json(r, k->c.id, &k->order)));
		pd_reply_json(r, 201, o);
		pd_reply_header(r, "Location", pd_printf(r->ar, "/v1/customers/%s", k->c.id));
	} else if (e == PD_ECONFLICT && k->reused) {
		pd_reply_error(r, e, PD_MSG_REQUEST_REUSED, "MS-RequestId", r->request_id);
	} else if (e == PD_ECONFLICT && k->ndups) {
		reply_duplicates(r, k);
	} else if (e == PD_ECONFLICT) {
		pd_reply_error(r, e, PD_MSG_DOMAIN_TAKEN, "companyProfile.domain", k->c.domain);
	} else {
		pd_api_store_error(r, e, PD_NOUN_CUSTOMER, NULL);
	}
	sodium_memzero(k->password, sizeof k->password);
}

/* The answer is kept per event loop (rowcache.h) on SQLite, where every write that can change
 * it commits in this process and moves store_data_generation; not on PostgreSQL (another
 * instance may write) nor with fault injection (which must see every store call).  Everything
 * before prepare (authentication, the role's permission) runs on a hit as on a miss; the key
 * holds the caller's partner, the tenant scope of the row's read. */
static bool kept_answers(const struct pd_req *r)
{
	return !r->cfg->fault_injection && !strcmp(store_name(r->st), "sqlite");
}

enum pd_next pd_customers_get(struct pd_req *r)
{
	unsigned long long gen = store_read_generation(r->st); /* read before this snapshot began */
	const char *id = pd_api_customer_id(r), *kept = NULL;
	bool cache = id && kept_answers(r);
	size_t n = 0;
	void *hold;
	if (cache && (kept = pd_rowcache_hold(r->who.partner_id, id, store_data_generation(), &n, &hold)))
		return pd_reply_kept(r, 200, kept, n, hold), PD_REPLY;
	struct pd_customer c;
	enum pd_err e = id ? store_customer_get(r->st, r->who.partner_id, id, &c, r->ar) : PD_OK;
	if (!id || e != PD_OK)
		return e != PD_OK ? pd_api_store_error(r, e, PD_NOUN_CUSTOMER, id) : PD_REPLY;
	struct pd_buf out;
	pd_buf_init(&out, 2048);
	pd_customer_write(&out, &c);
	if (cache)
		pd_rowcache_put(r->who.partner_id, id, gen, out.p, out.len);
	pd_reply_buf(r, 200, &out);
	return PD_REPLY;
}

enum pd_next pd_customers_delete(struct pd_req *r)
{
	const char *id = pd_api_customer_id(r);
	if (!id)
		return PD_REPLY;
	r->state = (void *)id;
	return PD_WRITE;
}

enum pd_err pd_customers_delete_write(struct pd_req *r, struct store *st)
{
	struct pd_customer c;
	enum pd_err e = store_customer_get(st, r->who.partner_id, r->state, &c, r->ar);
	if (e == PD_OK)
		e = store_customer_delete(st, r->who.partner_id, r->state);
	return e == PD_OK ? pd_api_audit_customer(r, st, "delete_customer", &c, pd_customer_to_json(&c), NULL,
						  "customer-deleted", NULL)
			  : e;
}

void pd_customers_delete_finish(struct pd_req *r, enum pd_err e)
{
	if (e == PD_OK)
		pd_reply_raw(r, 204, NULL, NULL, 0);
	else if (e == PD_ECONFLICT)
		pd_reply_error(r, e, PD_MSG_TENANT_SHARED, "customerId", NULL);
	else
		pd_api_store_error(r, e, PD_NOUN_CUSTOMER, r->state);
}

/* ---- list ---- */

/* sort: absent (creation order, or a filter's own) or "newest" (the whole list by creation,
 * newest first; a filter keeps its own order, so not with one). */
static void sort_parse(const char *sort, struct pd_query *q, struct pd_verrs *errs)
{
	if (!sort)
		return;
	if (strcmp(sort, "newest") != 0)
		pd_verr_add(errs, 3000, "sort", PD_MSG_BAD_ENUM, "newest");
	else if (q->field != PD_FILTER_NONE)
		pd_verr_add(errs, 3000, "sort", PD_MSG_SORT_FILTER, NULL);
	else
		q->newest = true;
}

/* Reads size, filter and the continuation token into q; false after replying 400. */
static bool list_query(struct pd_req *r, struct pd_query *q)
{
	struct pd_verrs errs = {0};
	const char *filter = pd_req_query(r, "filter");
	const char *seek = pd_req_query(r, "seekOperation");
	const char *token = pd_req_header(r, "MS-ContinuationToken");
	if (!token)
		token = pd_req_query(r, "continuationToken");
	pd_page_size_parse(pd_req_query(r, "size"), q, &errs);
	if (filter)
		pd_filter_parse(filter, q, &errs, r->ar);
	sort_parse(pd_req_query(r, "sort"), q, &errs);
	if (seek && strcasecmp(seek, "Next") != 0)
		pd_verr_add(&errs, 3000, "seekOperation", PD_MSG_BAD_ENUM, "Next");
	else if (seek && !token)
		pd_verr_add(&errs, 3000, "MS-ContinuationToken", PD_MSG_REQUIRED, NULL);
	if (!errs.n && token && !pd_token_decode(token, q, r->ar))
		pd_verr_add(&errs, 3000, "MS-ContinuationToken", PD_MSG_BAD_TOKEN, NULL);
	if (errs.n)
		pd_reply_verrs(r, &errs);
	return errs.n == 0;
}

/* The keyset sort key of a row for the query's order (search.h name keys, as the store has them). */
static const char *sort_key(struct pd_req *r, const struct pd_query *q, const struct pd_customer *c)
{
	if (q->op != PD_OP_STARTS_WITH || q->field == PD_FILTER_RESELLER)
		return "";
	return q->field == PD_FILTER_NAME ? pd_name_key(r->ar, c->billing.company_name) : c->domain;
}

static void write_link(struct pd_buf *o, const char *key, const char *uri, const char *token)
{
	pd_jw_key(o, key);
	pd_jw_open(o);
	pd_jw_kstr(o, "uri", uri);
	pd_buf_lit(o, ",\"method\":\"GET\",\"headers\":[");
	if (token) {
		pd_buf_lit(o, "{\"key\":\"MS-ContinuationToken\",\"value\":");
		pd_jw_str(o, token);
		pd_jw_close(o);
	}
	pd_buf_lit(o, "]}");
}

/* The page, written into one buffer (no JSON tree per row): totalCount, items, links
 * (self, next with the token's header), attributes, then continuationToken. */
static void write_page(struct pd_req *r, struct pd_buf *o, const struct pd_query *q,
		       const struct pd_customer *rows, size_t n, const char *token)
{
	pd_jw_open(o);
	pd_jw_key(o, "totalCount");
	pd_jw_int(o, (long long)n);
	pd_buf_lit(o, ",\"items\":[");
	for (size_t i = 0; i < n; i++)
		pd_customer_write(o, &rows[i]);
	pd_buf_lit(o, "],\"links\":{");
	const char *const selecting[] = {"filter", pd_api_customer_filter(r, q), NULL};
	const char *self = pd_api_self_uri(r, "/customers", q->size, selecting);
	write_link(o, "self", self, NULL);
	if (token)
		write_link(o, "next", pd_printf(r->ar, "%s&seekOperation=Next", self), token);
	pd_buf_lit(o, "},\"attributes\":{\"objectType\":\"Collection\"}");
	pd_jw_kstr(o, "continuationToken", token);
	pd_jw_close(o);
}

enum pd_next pd_customers_list(struct pd_req *r)
{
	struct pd_query q = {0};
	struct pd_customer *rows;
	size_t n;
	if (!list_query(r, &q))
		return PD_REPLY;
	enum pd_err e = store_customer_list(r->st, r->who.partner_id, &q, &rows, &n, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_CUSTOMER_LIST, NULL);
	const char *token = NULL;
	if (n > (size_t)q.size) {
		n = (size_t)q.size;
		token = pd_token_encode(&q, sort_key(r, &q, &rows[n - 1]), rows[n - 1].seq, r->ar);
	}
	struct pd_buf out;
	pd_buf_init(&out, 512 + n * 1600);
	write_page(r, &out, &q, rows, n, token);
	pd_reply_buf(r, 200, &out);
	return PD_REPLY;
}
