/* model.h - the customer-account models (address, billing and company profiles, customer)
 * as plain C structs of NUL-terminated UTF-8 strings (NULL = absent), and their mapping to
 * and from JSON.  One field table per model (model.c) drives decoding, length checks and
 * encoding, so a field is named in exactly one place.  Strings point into the arena the model
 * was decoded in, or into storage owned by whoever filled the struct. */
#ifndef PD_MODEL_H
#define PD_MODEL_H
#include <jansson.h>
#include <stdbool.h>
#include "arena.h"
#include "err.h"
#include "jsonw.h"

struct pd_name_forms; /* search.h */

struct pd_address {
	const char *first_name, *last_name;
	const char *line1, *line2, *line3;
	const char *city, *state, *district, *postal_code, *country;
	const char *phone;
};

/* Fapiao details (开票信息), CN only (country.c, fapiao.c check them). */
struct pd_fapiao {
	const char *invoice_type;           /* "ordinary" (增值税普通发票) or "special" (专用发票) */
	int digital;                        /* 数电发票: 1 or 0; -1 when absent */
	const char *title;                  /* defaults to the company name */
	const char *taxpayer_id;            /* a USCC; defaults to the company profile's */
	const char *registered_address, *registered_phone, *bank_name, *bank_account;
	const char *recipient_name, *recipient_mobile, *recipient_email;
};

struct pd_billing {
	const char *email, *culture, *language, *company_name;
	const char *first_name, *last_name; /* optional; default to the address's */
	struct pd_address addr;
	struct pd_fapiao *fapiao;           /* billingProfile.fapiao; NULL when absent */
	const char *etag;                   /* read: current; write: the one the client holds */
};

struct pd_customer {
	const char *id;          /* tenant id, a lower-case UUID */
	const char *domain;      /* lower-cased default domain */
	const char *regnum;      /* companyProfile.organizationRegistrationNumber, optional */
	const char *relationship;/* "reseller" */
	const char *admin_user;  /* admin@<domain> */
	const char *associated_partner_id; /* the indirect reseller's id (two-tier CSP), or NULL */
	long long created, updated; /* unix seconds */
	long long seq;           /* creation order, for paging */
	struct pd_billing billing;
	/* billing.company_name's search.h forms when the caller has them (a create computes them
	 * once, on its event loop, for its checks, the warming and the write); NULL: computed
	 * where they are needed */
	const struct pd_name_forms *forms;
};

/* Decoding: case-insensitive property names; null == absent; wrong JSON types and over-long
 * strings are added to `errs` with the field path `prefix.name`.  The result's strings are
 * arena copies, trimmed of surrounding white space (empty after trimming == absent). */
void pd_address_from_json(json_t *o, const char *prefix, struct pd_address *out,
			  struct pd_verrs *errs, struct pd_arena *ar);
void pd_billing_from_json(json_t *o, const char *prefix, struct pd_billing *out,
			  struct pd_verrs *errs, struct pd_arena *ar);

/* Adds a 400 (PD_MSG_NOT_ACCEPTED) naming each member of billing profile `o` and of its
 * defaultAddress that the field tables do not map (besides id, attributes and links, which
 * describe the profile read); null members count as absent. */
void pd_billing_unknown(json_t *o, const char *prefix, struct pd_verrs *errs, struct pd_arena *ar);

/* Encoding: camelCase names, absent fields omitted.  New references. */
json_t *pd_address_to_json(const struct pd_address *a);
json_t *pd_billing_to_json(const struct pd_billing *b, const char *customer_id);
json_t *pd_company_to_json(const struct pd_customer *c);
json_t *pd_customer_to_json(const struct pd_customer *c);

/* Direct writers (jsonw.h), for the hot paths: the same bytes as json_dumps(JSON_COMPACT) of
 * the _to_json trees above, written from the same field tables without building a tree. */
void pd_customer_write(struct pd_buf *out, const struct pd_customer *c);

/* The stored form of a billing profile: its JSON without id, links and attributes (the etag
 * is kept beside it), and back.  pd_billing_read_stored reads only that form, as written by
 * pd_billing_write_stored (compact, known members, no other whitespace); false for anything
 * else, and the caller falls back to json_loads + pd_billing_from_json.  It fills `out` as
 * pd_billing_from_json would (strings unescaped and trimmed into the arena, etag NULL). */
void pd_billing_write_stored(struct pd_buf *out, const struct pd_billing *b);
bool pd_billing_read_stored(const char *text, struct pd_billing *out, struct pd_arena *ar);

/* Adds one error (PD_MSG_UNKNOWN_FIELD, "<prefix>.<name>") per member of the object o whose
 * name is none of the NULL-terminated `known` (compared ignoring case). */
void pd_json_unknown_members(json_t *o, const char *prefix, const char *const *known,
			     struct pd_verrs *errs, struct pd_arena *ar);

/* Case-insensitive member lookup; NULL for absent or JSON null. */
json_t *pd_json_get(json_t *o, const char *name);

/* A Partner Center link object {"uri", "method", "headers": []}. */
json_t *pd_link(const char *uri, const char *method);

#endif
