/* model.c - JSON mapping of the customer-account models through field tables: one row per
 * field names its JSON property, where it lives in the struct and its length limit, and
 * both decoding and encoding walk the same table.  Semantic rules (countries, emails) live
 * in country.c; this file only maps and checks shape. */
#include "model.h"
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct field {
	const char *json;   /* camelCase property name */
	size_t off;         /* offset of the const char * in the struct */
	size_t max;         /* upper bound in bytes at decode (code points are checked later) */
};

#define AF(name, member, max) {name, offsetof(struct pd_address, member), max}
static const struct field address_fields[] = {
	AF("firstName", first_name, 1024),  AF("lastName", last_name, 1024),
	AF("addressLine1", line1, 4096),    AF("addressLine2", line2, 4096),
	AF("addressLine3", line3, 4096),    AF("city", city, 1024),
	AF("state", state, 1024),           AF("district", district, 1024),
	AF("postalCode", postal_code, 256), AF("country", country, 64),
	AF("phoneNumber", phone, 256),
};
#define BF(name, member, max) {name, offsetof(struct pd_billing, member), max}
static const struct field billing_fields[] = {
	BF("firstName", first_name, 1024), BF("lastName", last_name, 1024),
	BF("email", email, 2048),          BF("culture", culture, 64),
	BF("language", language, 64),      BF("companyName", company_name, 4096),
};
#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

static const char **slot(void *base, const struct field *f)
{
	return (const char **)((char *)base + f->off);
}

json_t *pd_json_get(json_t *o, const char *name)
{
	const char *k;
	json_t *v;
	if (!json_is_object(o))
		return NULL;
	json_t *found = json_object_get(o, name);
	if (!found) {
		json_object_foreach(o, k, v) {
			if (!strcasecmp(k, name)) {
				found = v;
				break;
			}
		}
	}
	return json_is_null(found) ? NULL : found;
}

static const char *trimmed(struct pd_arena *ar, const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return n ? pd_strndup(ar, s, n) : NULL;
}

static void decode_fields(json_t *o, const char *prefix, void *base, const struct field *t,
			  size_t nt, struct pd_verrs *errs, struct pd_arena *ar)
{
	for (size_t i = 0; i < nt; i++) {
		json_t *v = pd_json_get(o, t[i].json);
		const char *path = pd_printf(ar, "%s.%s", prefix, t[i].json);
		if (!v)
			continue;
		if (!json_is_string(v)) {
			pd_verr_add(errs, 3000, path, PD_MSG_BAD_TYPE, "a string");
			continue;
		}
		if (json_string_length(v) > t[i].max) {
			pd_verr_add(errs, 3000, path, PD_MSG_TOO_LONG, pd_printf(ar, "%zu", t[i].max));
			continue;
		}
		*slot(base, &t[i]) = trimmed(ar, json_string_value(v), json_string_length(v));
	}
}

static int expect_object(json_t *o, const char *prefix, struct pd_verrs *errs)
{
	if (!o) {
		pd_verr_add(errs, 3000, prefix, PD_MSG_REQUIRED, NULL);
		return 0;
	}
	if (!json_is_object(o)) {
		pd_verr_add(errs, 3000, prefix, PD_MSG_BAD_TYPE, "an object");
		return 0;
	}
	return 1;
}

void pd_address_from_json(json_t *o, const char *prefix, struct pd_address *out,
			  struct pd_verrs *errs, struct pd_arena *ar)
{
	memset(out, 0, sizeof *out);
	if (expect_object(o, prefix, errs))
		decode_fields(o, prefix, out, address_fields, NFIELDS(address_fields), errs, ar);
}

void pd_billing_from_json(json_t *o, const char *prefix, struct pd_billing *out,
			  struct pd_verrs *errs, struct pd_arena *ar)
{
	memset(out, 0, sizeof *out);
	if (!expect_object(o, prefix, errs))
		return;
	decode_fields(o, prefix, out, billing_fields, NFIELDS(billing_fields), errs, ar);
	pd_address_from_json(pd_json_get(o, "defaultAddress"), pd_printf(ar, "%s.defaultAddress", prefix),
			     &out->addr, errs, ar);
	json_t *attrs = pd_json_get(o, "attributes");
	json_t *etag = attrs ? pd_json_get(attrs, "etag") : NULL;
	if (json_is_string(etag))
		out->etag = pd_strdup(ar, json_string_value(etag));
}

static void encode_fields(json_t *o, const void *base, const struct field *t, size_t nt)
{
	for (size_t i = 0; i < nt; i++) {
		const char *s = *slot((void *)base, &t[i]);
		if (s)
			json_object_set_new(o, t[i].json, json_string(s));
	}
}

json_t *pd_link(const char *uri, const char *method)
{
	return json_pack("{s:s, s:s, s:[]}", "uri", uri, "method", method, "headers");
}

/* Adds Partner Center's resource metadata: links.self and attributes (objectType, etag). */
static json_t *with_meta(json_t *r, const char *uri, const char *object_type, const char *etag)
{
	json_object_set_new(r, "links", json_pack("{s:o}", "self", pd_link(uri, "GET")));
	json_t *attrs = json_pack("{s:s}", "objectType", object_type);
	if (etag)
		json_object_set_new(attrs, "etag", json_string(etag));
	json_object_set_new(r, "attributes", attrs);
	return r;
}

json_t *pd_address_to_json(const struct pd_address *a)
{
	json_t *o = json_object();
	encode_fields(o, a, address_fields, NFIELDS(address_fields));
	return o;
}

json_t *pd_billing_to_json(const struct pd_billing *b, const char *customer_id)
{
	char uri[128];
	snprintf(uri, sizeof uri, "/customers/%s/profiles/billing", customer_id);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(customer_id));
	encode_fields(o, b, billing_fields, NFIELDS(billing_fields));
	json_object_set_new(o, "defaultAddress", pd_address_to_json(&b->addr));
	return with_meta(o, uri, "CustomerBillingProfile", b->etag);
}

json_t *pd_company_to_json(const struct pd_customer *c)
{
	char uri[128];
	snprintf(uri, sizeof uri, "/customers/%s/profiles/company", c->id);
	json_t *o = json_object();
	json_object_set_new(o, "tenantId", json_string(c->id));
	json_object_set_new(o, "domain", json_string(c->domain));
	json_object_set_new(o, "companyName", json_string(c->billing.company_name));
	if (c->regnum)
		json_object_set_new(o, "organizationRegistrationNumber", json_string(c->regnum));
	json_t *addr = pd_address_to_json(&c->billing.addr);
	json_object_del(addr, "firstName");
	json_object_del(addr, "lastName");
	json_object_set_new(o, "address", addr);
	return with_meta(o, uri, "CustomerCompanyProfile", NULL);
}

json_t *pd_customer_to_json(const struct pd_customer *c)
{
	char uri[96];
	snprintf(uri, sizeof uri, "/customers/%s", c->id);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(c->id));
	json_object_set_new(o, "commerceId", json_string(c->id));
	json_object_set_new(o, "companyProfile", pd_company_to_json(c));
	json_object_set_new(o, "billingProfile", pd_billing_to_json(&c->billing, c->id));
	json_object_set_new(o, "relationshipToPartner", json_string(c->relationship ? c->relationship : "reseller"));
	json_object_set_new(o, "allowDelegatedAccess", json_true());
	return with_meta(o, uri, "Customer", NULL);
}
