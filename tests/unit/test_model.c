/* test_model.c - unit tests of src/core/model.c: case-insensitive member lookup, decoding of
 * billing profiles and addresses (PascalCase input, trimming, wrong types and missing
 * objects with their field paths), encoding (camelCase names, attributes, links, omitted
 * absent fields), the decode(encode(b)) round trip, and bidirectional controls refused in every
 * name and address field of a checked billing profile. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arena.h"
#include "err.h"
#include "messages.h"
#include "country.h"
#include "model.h"

static struct pd_arena *ar;

static void setup(void)
{
	ar = pd_arena_new();
}

static void teardown(void)
{
	pd_arena_free(ar);
}

TestSuite(model, .init = setup, .fini = teardown);

#define BP "billingProfile"
#define ADDR "billingProfile.defaultAddress"

/* ---- helpers ------------------------------------------------------------------------ */

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *o = json_loads(text, 0, &jerr);
	cr_assert_not_null(o, "test JSON does not parse: %s", jerr.text);
	return o;
}

/* The error on `field`, or NULL. */
static const struct pd_verr *err_on(const struct pd_verrs *e, const char *field)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].field && !strcmp(e->v[i].field, field))
			return &e->v[i];
	return NULL;
}

static void expect_err(const struct pd_verrs *e, const char *field, enum pd_msg msg,
		       const char *arg)
{
	const struct pd_verr *v = err_on(e, field);
	cr_assert_not_null(v, "no error on %s (%zu errors)", field, e->n);
	cr_assert_eq(v->code, 3000, "code of %s", field);
	cr_assert_eq(v->msg, msg, "message of %s: %d, expected %d", field, (int)v->msg, (int)msg);
	if (arg)
		cr_assert_str_eq(v->arg, arg, "arg of %s", field);
}

static const char *sget(json_t *o, const char *path)
{
	/* a dotted path of object members */
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	json_t *cur = o;
	for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save))
		cur = json_object_get(cur, tok);
	return json_string_value(cur);
}

static void same_str(const char *a, const char *b, const char *what)
{
	if (!a || !b)
		cr_assert(a == b, "%s: %s vs %s", what, a ? a : "(null)", b ? b : "(null)");
	else
		cr_assert_str_eq(a, b, "%s", what);
}

static void same_address(const struct pd_address *a, const struct pd_address *b)
{
	same_str(a->first_name, b->first_name, "firstName");
	same_str(a->last_name, b->last_name, "lastName");
	same_str(a->line1, b->line1, "addressLine1");
	same_str(a->line2, b->line2, "addressLine2");
	same_str(a->line3, b->line3, "addressLine3");
	same_str(a->city, b->city, "city");
	same_str(a->state, b->state, "state");
	same_str(a->district, b->district, "district");
	same_str(a->postal_code, b->postal_code, "postalCode");
	same_str(a->country, b->country, "country");
	same_str(a->phone, b->phone, "phoneNumber");
}

static void same_billing(const struct pd_billing *a, const struct pd_billing *b)
{
	same_str(a->email, b->email, "email");
	same_str(a->culture, b->culture, "culture");
	same_str(a->language, b->language, "language");
	same_str(a->company_name, b->company_name, "companyName");
	same_str(a->first_name, b->first_name, "billing firstName");
	same_str(a->last_name, b->last_name, "billing lastName");
	same_str(a->etag, b->etag, "etag");
	same_address(&a->addr, &b->addr);
}

static struct pd_billing full_billing(void)
{
	return (struct pd_billing){
		.email = "it@contoso.cn", .culture = "zh-CN", .language = "zh",
		.company_name = "北京某某科技有限公司", .first_name = "伟", .last_name = "王",
		.addr = {.first_name = "伟", .last_name = "王", .line1 = "海淀区中关村大街1号",
			 .line2 = "B座", .line3 = "3层", .city = "北京", .state = "北京市",
			 .district = "海淀区", .postal_code = "100080", .country = "CN",
			 .phone = "13800138000"},
		.etag = "AAAAAAAAAAAAAAAAAAAAAA"};
}

static struct pd_customer customer(void)
{
	return (struct pd_customer){.id = "6f3c2a1e-8a4b-4c1d-9e2f-0123456789ab",
				    .domain = "contoso.partner.onmschina.cn",
				    .billing = full_billing()};
}

/* ---- pd_json_get -------------------------------------------------------------------- */

Test(model, json_get_exact_name)
{
	json_t *o = parse("{\"companyProfile\": {\"x\": 1}, \"other\": 2}");
	json_t *v = pd_json_get(o, "companyProfile");
	cr_assert_not_null(v);
	cr_assert(v == json_object_get(o, "companyProfile"));
	json_decref(o);
}

Test(model, json_get_is_case_insensitive)
{
	json_t *o = parse("{\"CompanyProfile\": {\"x\": 1}, \"other\": 2}");
	json_t *v = pd_json_get(o, "companyProfile");
	cr_assert_not_null(v, "PascalCase member not found by camelCase name");
	cr_assert(v == json_object_get(o, "CompanyProfile"));
	cr_assert(pd_json_get(o, "COMPANYPROFILE") == v);
	cr_assert(pd_json_get(o, "OTHER") == json_object_get(o, "other"));
	json_decref(o);
}

Test(model, json_get_prefers_exact_match)
{
	json_t *o = parse("{\"Email\": \"upper\", \"email\": \"lower\"}");
	cr_assert_str_eq(json_string_value(pd_json_get(o, "email")), "lower");
	cr_assert_str_eq(json_string_value(pd_json_get(o, "Email")), "upper");
	json_decref(o);
}

Test(model, json_get_null_is_absent)
{
	json_t *o = parse("{\"companyName\": null, \"CITY\": null, \"x\": 0}");
	cr_assert_null(pd_json_get(o, "companyName"));
	cr_assert_null(pd_json_get(o, "city"));
	/* 0, false and "" are values, not absent */
	cr_assert_not_null(pd_json_get(o, "x"));
	json_decref(o);
}

Test(model, json_get_absent)
{
	json_t *o = parse("{\"a\": 1, \"b\": {\"c\": 2}, \"companyNam\": 3, \"companyNameX\": 4}");
	cr_assert_null(pd_json_get(o, "c"), "members of nested objects are not found");
	cr_assert_null(pd_json_get(o, "companyName"), "no prefix or extension matches");
	json_decref(o);
	json_t *empty = json_object();
	cr_assert_null(pd_json_get(empty, "a"));
	json_decref(empty);
}

Test(model, json_get_non_object)
{
	json_t *a = parse("[{\"a\": 1}]");
	cr_assert_null(pd_json_get(a, "a"));
	json_decref(a);
	json_t *s = json_string("a");
	cr_assert_null(pd_json_get(s, "a"));
	json_decref(s);
	cr_assert_null(pd_json_get(NULL, "a"));
}

/* ---- decoding ----------------------------------------------------------------------- */

Test(model, billing_from_pascal_case_with_trimming)
{
	json_t *o = parse("{\"Email\": \"  it@contoso.cn \", \"Culture\": \"zh-CN\", \"LANGUAGE\": \"zh\","
			  " \"CompanyName\": \"\\t北京某某科技有限公司\\r\\n\", \"FirstName\": \"   \","
			  " \"LastName\": \"\","
			  " \"DefaultAddress\": {\"FirstName\": \" 伟\", \"LastName\": \"王 \","
			  "   \"AddressLine1\": \"  海淀区中关村大街1号  \", \"AddressLine2\": \"\\n\","
			  "   \"City\": \"北京\", \"State\": \"北京市\", \"District\": \"海淀区\","
			  "   \"PostalCode\": \" 100080 \", \"Country\": \"CN\", \"PhoneNumber\": \"13800138000\"},"
			  " \"Attributes\": {\"ObjectType\": \"CustomerBillingProfile\", \"Etag\": \"etag-1\"}}");
	struct pd_billing b;
	struct pd_verrs e = {0};
	pd_billing_from_json(o, BP, &b, &e, ar);
	cr_assert_eq(e.n, 0, "unexpected error on %s", e.n ? e.v[0].field : "");
	cr_assert_str_eq(b.email, "it@contoso.cn");
	cr_assert_str_eq(b.culture, "zh-CN");
	cr_assert_str_eq(b.language, "zh");
	cr_assert_str_eq(b.company_name, "北京某某科技有限公司");
	cr_assert_null(b.first_name, "white space only is absent");
	cr_assert_null(b.last_name, "empty string is absent");
	cr_assert_str_eq(b.addr.first_name, "伟");
	cr_assert_str_eq(b.addr.last_name, "王");
	cr_assert_str_eq(b.addr.line1, "海淀区中关村大街1号");
	cr_assert_null(b.addr.line2);
	cr_assert_null(b.addr.line3);
	cr_assert_str_eq(b.addr.city, "北京");
	cr_assert_str_eq(b.addr.state, "北京市");
	cr_assert_str_eq(b.addr.district, "海淀区");
	cr_assert_str_eq(b.addr.postal_code, "100080");
	cr_assert_str_eq(b.addr.country, "CN");
	cr_assert_str_eq(b.addr.phone, "13800138000");
	cr_assert_str_eq(b.etag, "etag-1");
	json_decref(o);
}

Test(model, decoded_strings_are_arena_copies)
{
	json_t *o = parse("{\"email\": \"a@b.cn\", \"defaultAddress\": {\"city\": \"x\"}}");
	struct pd_billing b;
	struct pd_verrs e = {0};
	pd_billing_from_json(o, BP, &b, &e, ar);
	json_decref(o); /* the strings must outlive the JSON document */
	cr_assert_eq(e.n, 0);
	cr_assert_str_eq(b.email, "a@b.cn");
	cr_assert_str_eq(b.addr.city, "x");
}

Test(model, null_members_are_absent_without_errors)
{
	json_t *o = parse("{\"email\": null, \"companyName\": \"C\", \"attributes\": null,"
			  " \"defaultAddress\": {\"city\": null, \"country\": \"CN\"}}");
	struct pd_billing b;
	struct pd_verrs e = {0};
	pd_billing_from_json(o, BP, &b, &e, ar);
	cr_assert_eq(e.n, 0);
	cr_assert_null(b.email);
	cr_assert_null(b.addr.city);
	cr_assert_null(b.etag);
	cr_assert_str_eq(b.addr.country, "CN");
	json_decref(o);
}

Test(model, wrong_types_name_the_field)
{
	json_t *o = parse("{\"email\": 5, \"companyName\": [\"x\"], \"culture\": true, \"language\": \"zh\","
			  " \"defaultAddress\": {\"city\": 12, \"Country\": {\"a\": 1}, \"state\": \"北京市\"}}");
	struct pd_billing b;
	struct pd_verrs e = {0};
	pd_billing_from_json(o, BP, &b, &e, ar);
	cr_assert_eq(e.n, 5, "errors: %zu", e.n);
	expect_err(&e, BP ".email", PD_MSG_BAD_TYPE, "a string");
	expect_err(&e, BP ".companyName", PD_MSG_BAD_TYPE, "a string");
	expect_err(&e, BP ".culture", PD_MSG_BAD_TYPE, "a string");
	expect_err(&e, ADDR ".city", PD_MSG_BAD_TYPE, "a string");
	expect_err(&e, ADDR ".country", PD_MSG_BAD_TYPE, "a string");
	cr_assert_null(b.email);
	cr_assert_null(b.company_name);
	cr_assert_null(b.addr.city);
	cr_assert_null(b.addr.country);
	/* the well-typed fields are still read */
	cr_assert_str_eq(b.language, "zh");
	cr_assert_str_eq(b.addr.state, "北京市");
	json_decref(o);
}

Test(model, default_address_wrong_type)
{
	json_t *o = parse("{\"companyName\": \"C\", \"defaultAddress\": \"Beijing\"}");
	struct pd_billing b;
	struct pd_verrs e = {0};
	pd_billing_from_json(o, BP, &b, &e, ar);
	cr_assert_eq(e.n, 1);
	expect_err(&e, ADDR, PD_MSG_BAD_TYPE, "an object");
	cr_assert_str_eq(b.company_name, "C");
	json_decref(o);
}

Test(model, default_address_missing_is_required)
{
	json_t *o = parse("{\"companyName\": \"C\"}");
	struct pd_billing b;
	struct pd_verrs e = {0};
	pd_billing_from_json(o, BP, &b, &e, ar);
	cr_assert_eq(e.n, 1);
	expect_err(&e, ADDR, PD_MSG_REQUIRED, NULL);
	cr_assert_null(e.v[0].arg);
	json_decref(o);
}

Test(model, default_address_null_is_required)
{
	json_t *o = parse("{\"companyName\": \"C\", \"DefaultAddress\": null}");
	struct pd_billing b;
	struct pd_verrs e = {0};
	pd_billing_from_json(o, BP, &b, &e, ar);
	cr_assert_eq(e.n, 1);
	expect_err(&e, ADDR, PD_MSG_REQUIRED, NULL);
	json_decref(o);
}

Test(model, missing_billing_object_is_required_on_prefix)
{
	struct pd_billing b = {.email = "stale"};
	struct pd_verrs e = {0};
	pd_billing_from_json(NULL, BP, &b, &e, ar);
	cr_assert_eq(e.n, 1);
	expect_err(&e, BP, PD_MSG_REQUIRED, NULL);
	cr_assert_null(b.email, "the output is cleared");
}

Test(model, billing_not_an_object)
{
	json_t *o = parse("[1, 2]");
	struct pd_billing b;
	struct pd_verrs e = {0};
	pd_billing_from_json(o, BP, &b, &e, ar);
	cr_assert_eq(e.n, 1);
	expect_err(&e, BP, PD_MSG_BAD_TYPE, "an object");
	json_decref(o);
}

Test(model, address_missing_and_custom_prefix)
{
	struct pd_address a = {.city = "stale"};
	struct pd_verrs e = {0};
	pd_address_from_json(NULL, "companyProfile.address", &a, &e, ar);
	cr_assert_eq(e.n, 1);
	expect_err(&e, "companyProfile.address", PD_MSG_REQUIRED, NULL);
	cr_assert_null(a.city);

	json_t *o = parse("{\"postalCode\": 100080}");
	struct pd_verrs e2 = {0};
	pd_address_from_json(o, "companyProfile.address", &a, &e2, ar);
	cr_assert_eq(e2.n, 1);
	expect_err(&e2, "companyProfile.address.postalCode", PD_MSG_BAD_TYPE, "a string");
	json_decref(o);
}

Test(model, over_long_string_refused)
{
	char pc[258];
	memset(pc, '1', 257);
	pc[257] = 0;
	json_t *o = json_pack("{s:s, s:{s:s, s:s}}", "companyName", "C", "defaultAddress", "postalCode",
			      pc, "city", "x");
	struct pd_billing b;
	struct pd_verrs e = {0};
	pd_billing_from_json(o, BP, &b, &e, ar);
	cr_assert_eq(e.n, 1);
	expect_err(&e, ADDR ".postalCode", PD_MSG_TOO_LONG, "256");
	cr_assert_null(b.addr.postal_code);
	cr_assert_str_eq(b.addr.city, "x");
	json_decref(o);

	pc[256] = 0; /* exactly at the limit: accepted */
	o = json_pack("{s:s, s:{s:s}}", "companyName", "C", "defaultAddress", "postalCode", pc);
	struct pd_verrs e2 = {0};
	pd_billing_from_json(o, BP, &b, &e2, ar);
	cr_assert_eq(e2.n, 0);
	cr_assert_eq(strlen(b.addr.postal_code), 256);
	json_decref(o);
}

Test(model, etag_read_from_attributes_only)
{
	json_t *o = parse("{\"etag\": \"top\", \"defaultAddress\": {}, \"attributes\": {\"etag\": \"inner\"}}");
	struct pd_billing b;
	struct pd_verrs e = {0};
	pd_billing_from_json(o, BP, &b, &e, ar);
	cr_assert_eq(e.n, 0);
	cr_assert_str_eq(b.etag, "inner");
	json_decref(o);

	o = parse("{\"etag\": \"top\", \"defaultAddress\": {}}");
	pd_billing_from_json(o, BP, &b, &e, ar);
	cr_assert_null(b.etag, "a top-level etag is not attributes.etag");
	json_decref(o);
}

/* ---- encoding ----------------------------------------------------------------------- */

Test(model, billing_to_json_fields)
{
	struct pd_billing b = full_billing();
	json_t *o = pd_billing_to_json(&b, "cid-1");
	cr_assert_not_null(o);
	cr_assert_str_eq(sget(o, "id"), "cid-1");
	cr_assert_str_eq(sget(o, "email"), "it@contoso.cn");
	cr_assert_str_eq(sget(o, "culture"), "zh-CN");
	cr_assert_str_eq(sget(o, "language"), "zh");
	cr_assert_str_eq(sget(o, "companyName"), "北京某某科技有限公司");
	cr_assert_str_eq(sget(o, "firstName"), "伟");
	cr_assert_str_eq(sget(o, "lastName"), "王");
	cr_assert_str_eq(sget(o, "defaultAddress.addressLine1"), "海淀区中关村大街1号");
	cr_assert_str_eq(sget(o, "defaultAddress.addressLine2"), "B座");
	cr_assert_str_eq(sget(o, "defaultAddress.addressLine3"), "3层");
	cr_assert_str_eq(sget(o, "defaultAddress.postalCode"), "100080");
	cr_assert_str_eq(sget(o, "defaultAddress.phoneNumber"), "13800138000");
	cr_assert_str_eq(sget(o, "defaultAddress.firstName"), "伟");
	cr_assert_str_eq(sget(o, "defaultAddress.district"), "海淀区");
	cr_assert_str_eq(sget(o, "attributes.objectType"), "CustomerBillingProfile");
	cr_assert_str_eq(sget(o, "attributes.etag"), "AAAAAAAAAAAAAAAAAAAAAA");
	cr_assert_str_eq(sget(o, "links.self.uri"), "/customers/cid-1/profiles/billing");
	cr_assert_str_eq(sget(o, "links.self.method"), "GET");
	cr_assert(json_is_array(json_object_get(json_object_get(json_object_get(o, "links"), "self"), "headers")));
	/* no snake_case or PascalCase names */
	cr_assert_null(json_object_get(o, "company_name"));
	cr_assert_null(json_object_get(o, "CompanyName"));
	cr_assert_null(json_object_get(json_object_get(o, "defaultAddress"), "postal_code"));
	json_decref(o);
}

Test(model, billing_to_json_omits_absent)
{
	struct pd_billing b = {.company_name = "Contoso", .addr = {.country = "US"}};
	json_t *o = pd_billing_to_json(&b, "cid");
	cr_assert_null(json_object_get(o, "email"));
	cr_assert_null(json_object_get(o, "firstName"));
	cr_assert_null(json_object_get(o, "culture"));
	cr_assert_null(json_object_get(json_object_get(o, "attributes"), "etag"));
	json_t *a = json_object_get(o, "defaultAddress");
	cr_assert(json_is_object(a));
	cr_assert_eq(json_object_size(a), 1, "address members: %zu", json_object_size(a));
	cr_assert_str_eq(sget(a, "country"), "US");
	/* exactly: links, attributes, id, companyName, defaultAddress */
	cr_assert_eq(json_object_size(o), 5, "members: %zu", json_object_size(o));
	json_decref(o);
}

Test(model, address_to_json_empty)
{
	struct pd_address a = {0};
	json_t *o = pd_address_to_json(&a);
	cr_assert(json_is_object(o));
	cr_assert_eq(json_object_size(o), 0);
	json_decref(o);
}

Test(model, customer_to_json)
{
	struct pd_customer c = customer();
	json_t *o = pd_customer_to_json(&c);
	cr_assert_str_eq(sget(o, "id"), c.id);
	cr_assert_str_eq(sget(o, "commerceId"), c.id);
	cr_assert_str_eq(sget(o, "attributes.objectType"), "Customer");
	cr_assert_str_eq(sget(o, "relationshipToPartner"), "reseller");
	cr_assert(json_is_true(json_object_get(o, "allowDelegatedAccess")));
	char uri[96];
	snprintf(uri, sizeof uri, "/customers/%s", c.id);
	cr_assert_str_eq(sget(o, "links.self.uri"), uri);
	cr_assert_str_eq(sget(o, "companyProfile.tenantId"), c.id);
	cr_assert_str_eq(sget(o, "companyProfile.domain"), "contoso.partner.onmschina.cn");
	cr_assert_str_eq(sget(o, "billingProfile.companyName"), "北京某某科技有限公司");
	cr_assert_str_eq(sget(o, "billingProfile.attributes.etag"), "AAAAAAAAAAAAAAAAAAAAAA");
	snprintf(uri, sizeof uri, "/customers/%s/profiles/billing", c.id);
	cr_assert_str_eq(sget(o, "billingProfile.links.self.uri"), uri);
	json_decref(o);

	c.relationship = "reseller";
	o = pd_customer_to_json(&c);
	cr_assert_str_eq(sget(o, "relationshipToPartner"), "reseller");
	json_decref(o);
}

Test(model, company_to_json)
{
	struct pd_customer c = customer();
	json_t *o = pd_company_to_json(&c);
	cr_assert_str_eq(sget(o, "tenantId"), c.id);
	cr_assert_str_eq(sget(o, "domain"), "contoso.partner.onmschina.cn");
	cr_assert_str_eq(sget(o, "companyName"), "北京某某科技有限公司");
	cr_assert_str_eq(sget(o, "attributes.objectType"), "CustomerCompanyProfile");
	char uri[128];
	snprintf(uri, sizeof uri, "/customers/%s/profiles/company", c.id);
	cr_assert_str_eq(sget(o, "links.self.uri"), uri);
	cr_assert_null(json_object_get(o, "organizationRegistrationNumber"));
	json_t *a = json_object_get(o, "address");
	cr_assert(json_is_object(a));
	cr_assert_null(json_object_get(a, "firstName"));
	cr_assert_null(json_object_get(a, "lastName"));
	cr_assert_str_eq(sget(a, "city"), "北京");
	cr_assert_str_eq(sget(a, "addressLine1"), "海淀区中关村大街1号");
	cr_assert_str_eq(sget(a, "country"), "CN");
	cr_assert_str_eq(sget(a, "phoneNumber"), "13800138000");
	json_decref(o);

	c.regnum = "91110108MA01ABCD2X";
	o = pd_company_to_json(&c);
	cr_assert_str_eq(sget(o, "organizationRegistrationNumber"), "91110108MA01ABCD2X");
	json_decref(o);
}

/* ---- round trip --------------------------------------------------------------------- */

static void round_trip(const struct pd_billing *b)
{
	json_t *o = pd_billing_to_json(b, "cid");
	struct pd_billing back;
	struct pd_verrs e = {0};
	pd_billing_from_json(o, BP, &back, &e, ar);
	cr_assert_eq(e.n, 0, "round trip errors: %zu (first %s)", e.n, e.n ? e.v[0].field : "");
	same_billing(&back, b);
	json_decref(o);
}

Test(model, round_trip_full)
{
	struct pd_billing b = full_billing();
	round_trip(&b);
}

Test(model, round_trip_sparse)
{
	struct pd_billing b = {.email = "ann@contoso.com", .company_name = "Müller & Söhne GmbH",
			       .culture = "de-DE", .language = "de",
			       .addr = {.line1 = "Hauptstraße 1", .city = "München", .state = "BY",
					.postal_code = "80331", .country = "DE"}};
	round_trip(&b);
}

Test(model, round_trip_through_text)
{
	/* through serialised text too, as the store keeps it */
	struct pd_billing b = full_billing();
	json_t *o = pd_billing_to_json(&b, "cid");
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	json_t *o2 = parse(s);
	free(s);
	struct pd_billing back;
	struct pd_verrs e = {0};
	pd_billing_from_json(o2, BP, &back, &e, ar);
	json_decref(o2);
	cr_assert_eq(e.n, 0);
	same_billing(&back, &b);
}

Test(model, link_object)
{
	json_t *l = pd_link("/x", "POST");
	cr_assert_str_eq(sget(l, "uri"), "/x");
	cr_assert_str_eq(sget(l, "method"), "POST");
	cr_assert(json_is_array(json_object_get(l, "headers")));
	cr_assert_eq(json_array_size(json_object_get(l, "headers")), 0);
	json_decref(l);
}

/* ---- bidirectional controls in what people read (pd_billing_check, text.h) ------------ */

static struct pd_billing cn_profile(void)
{
	return (struct pd_billing){.email = "it@contoso.cn", .culture = "zh-CN", .language = "zh",
				   .company_name = "北京某某科技有限公司",
				   .addr = {.first_name = "伟", .last_name = "王", .line1 = "海淀区中关村大街1号",
					    .city = "北京", .state = "北京市", .postal_code = "100080",
					    .country = "CN", .phone = "13800138000"}};
}

Test(model, bidi_controls_are_refused_in_every_name_and_address_field)
{
	static const struct { size_t off; bool in_addr; const char *path; } fields[] = {
		{offsetof(struct pd_billing, company_name), false, BP ".companyName"},
		{offsetof(struct pd_billing, first_name), false, BP ".firstName"},
		{offsetof(struct pd_billing, last_name), false, BP ".lastName"},
		{offsetof(struct pd_address, first_name), true, BP ".defaultAddress.firstName"},
		{offsetof(struct pd_address, last_name), true, BP ".defaultAddress.lastName"},
		{offsetof(struct pd_address, line1), true, BP ".defaultAddress.addressLine1"},
		{offsetof(struct pd_address, line2), true, BP ".defaultAddress.addressLine2"},
		{offsetof(struct pd_address, line3), true, BP ".defaultAddress.addressLine3"},
		{offsetof(struct pd_address, city), true, BP ".defaultAddress.city"},
		{offsetof(struct pd_address, district), true, BP ".defaultAddress.district"},
	};
	struct pd_billing ok = cn_profile();
	struct pd_verrs e = {0};
	pd_billing_check(&ok, NULL, BP, &e, ar);
	cr_assert_eq(e.n, 0, "the profile itself is valid (first error: %s)", e.n ? e.v[0].field : "-");
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		struct pd_billing b = cn_profile();
		char *base = fields[i].in_addr ? (char *)&b.addr : (char *)&b;
		*(const char **)(base + fields[i].off) = "Contoso \u202Egnp.exe";
		e = (struct pd_verrs){0};
		pd_billing_check(&b, NULL, BP, &e, ar);
		cr_expect_eq(e.n, 1, "%s: %zu errors", fields[i].path, e.n);
		cr_expect_str_eq(e.v[0].field, fields[i].path);
		cr_expect_eq(e.v[0].msg, PD_MSG_BIDI, "%s", fields[i].path);
		cr_expect_str_eq(e.v[0].arg, "U+202E", "%s", fields[i].path);
	}
}

Test(model, bidi_controls_make_an_email_address_invalid)
{
	cr_expect(pd_email_ok("ann.lee@contoso.cn"));
	cr_expect(pd_email_ok("李雷@contoso.cn"));
	cr_expect(!pd_email_ok("ann\u202Egnp.exe@contoso.cn"));
	cr_expect(!pd_email_ok("ann@contoso\u2066.cn"));
	cr_expect(!pd_email_ok("\u200Fann@contoso.cn"));
}

Test(model, bidi_message_in_three_languages)
{
	char buf[512];
	cr_expect(strstr(pd_msg_render(buf, sizeof buf, PD_MSG_BIDI, PD_LOCALE_EN, "companyName", "U+202E"),
			 "companyName must not contain the invisible bidirectional control character U+202E"), "%s", buf);
	cr_expect(strstr(pd_msg_render(buf, sizeof buf, PD_MSG_BIDI, PD_LOCALE_ZH, "companyName", "U+202E"),
			 "双向控制字符 U+202E"), "%s", buf);
	cr_expect(strstr(pd_msg_render(buf, sizeof buf, PD_MSG_BIDI, PD_LOCALE_DE, "companyName", "U+202E"),
			 "Steuerzeichen U+202E"), "%s", buf);
}

/* ---- billingProfile.fapiao ------------------------------------------------------------ */

static const char FAPIAO_JSON[] =
	"{\"invoiceType\":\"special\",\"digital\":true,\"title\":\"北京云端科技有限公司\","
	"\"taxpayerId\":\"91110000600037341L\",\"registeredAddress\":\"北京市海淀区1号\","
	"\"registeredPhone\":\"010-62345678\",\"bankName\":\"工商银行\",\"bankAccount\":\"0200004509201234567\","
	"\"recipientName\":\"王伟\",\"recipientMobile\":\"13800138000\",\"recipientEmail\":\"fp@contoso.cn\"}";

static struct pd_billing fapiao_billing(void)
{
	struct pd_billing b = full_billing();
	json_t *o = pd_billing_to_json(&b, "cid");
	json_object_set_new(o, "fapiao", parse(FAPIAO_JSON));
	struct pd_verrs e = {0};
	pd_billing_from_json(o, BP, &b, &e, ar);
	json_decref(o);
	cr_assert_eq(e.n, 0, "fapiao decode: %s", e.n ? e.v[0].field : "");
	return b;
}

static void same_fapiao(const struct pd_fapiao *a, const struct pd_fapiao *b)
{
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_expect_eq(a->digital, b->digital);
	const char *const *x = &a->invoice_type, *const *y = &b->invoice_type;
	cr_expect_str_eq(x[0], y[0]);
	for (const char *const *p = &a->title, *const *q = &b->title; p <= &a->recipient_email; p++, q++)
		cr_expect_str_eq(*p ? *p : "-", *q ? *q : "-", "fapiao member %td", p - &a->title);
}

Test(model, fapiao_decoded_and_encoded_in_order)
{
	struct pd_billing b = fapiao_billing();
	cr_assert_not_null(b.fapiao);
	cr_expect_str_eq(b.fapiao->invoice_type, "special");
	cr_expect_eq(b.fapiao->digital, 1);
	cr_expect_str_eq(b.fapiao->bank_account, "0200004509201234567");
	json_t *o = pd_billing_to_json(&b, "cid");
	char *s = json_dumps(json_object_get(o, "fapiao"), JSON_COMPACT);
	cr_expect_str_eq(s, FAPIAO_JSON, "members in their documented order");
	free(s);
	json_decref(o);
}

Test(model, fapiao_direct_writer_matches_the_tree)
{
	struct pd_customer c = {.id = "1c2d3e4f-0000-4000-8000-000000000001", .domain = "yd.partner.onmschina.cn",
				.billing = fapiao_billing()};
	c.billing.etag = "e1";
	struct pd_buf out;
	pd_buf_init(&out, 64);
	pd_customer_write(&out, &c);
	json_t *o = pd_customer_to_json(&c);
	char *s = json_dumps(o, JSON_COMPACT);
	cr_expect_str_eq(out.p, s);
	free(s);
	json_decref(o);
	pd_buf_free(&out);
}

Test(model, fapiao_stored_form_is_read_without_a_tree)
{
	struct pd_billing b = fapiao_billing(), fast, slow;
	struct pd_buf out;
	pd_buf_init(&out, 64);
	pd_billing_write_stored(&out, &b);
	cr_assert(strstr(out.p, "\"fapiao\":{\"invoiceType\":\"special\",\"digital\":true,") != NULL, "%s", out.p);
	cr_assert(pd_billing_read_stored(out.p, &fast, ar), "fast reader refused: %s", out.p);
	json_t *o = parse(out.p);
	struct pd_verrs e = {0};
	pd_billing_from_json(o, BP, &slow, &e, ar);
	json_decref(o);
	same_fapiao(fast.fapiao, slow.fapiao);
	same_fapiao(fast.fapiao, b.fapiao);
	b.etag = NULL; /* kept beside the stored form, not in it */
	same_billing(&fast, &b);
	b.fapiao->digital = 0;
	pd_buf_free(&out);
	pd_buf_init(&out, 64);
	pd_billing_write_stored(&out, &b);
	cr_assert(pd_billing_read_stored(out.p, &fast, ar), "%s", out.p);
	cr_expect_eq(fast.fapiao->digital, 0);
	pd_buf_free(&out);
	cr_expect_not(pd_billing_read_stored("{\"fapiao\":{\"digital\":maybe}}", &fast, ar));
	cr_expect_not(pd_billing_read_stored("{\"fapiao\":{\"other\":\"x\"}}", &fast, ar));
	cr_expect(pd_billing_read_stored("{\"companyName\":\"x\"}", &fast, ar));
	cr_expect_null(fast.fapiao, "no fapiao member, no fapiao");
}

Test(model, fapiao_unknown_members_and_wrong_types_are_named)
{
	json_t *o = parse("{\"fapiao\":{\"invoiceType\":\"ordinary\",\"bankAcount\":\"123\",\"Digital\":\"yes\","
			  "\"title\":5,\"extra\":null}}");
	struct pd_billing b;
	struct pd_verrs e = {0};
	pd_billing_from_json(o, BP, &b, &e, ar);
	json_decref(o);
	const char *want[] = {BP ".fapiao.bankAcount", BP ".fapiao.extra", BP ".fapiao.title",
			      BP ".fapiao.digital"};
	size_t found = 0;
	for (size_t i = 0; i < e.n; i++)
		for (size_t j = 0; j < 4; j++)
			found += !strcmp(e.v[i].field, want[j]);
	cr_expect_eq(found, 4, "unknown, mistyped and non-boolean members each named (%zu errors)", e.n);
	o = parse("{\"fapiao\":[]}");
	e.n = 0;
	pd_billing_from_json(o, BP, &b, &e, ar);
	json_decref(o);
	cr_expect_eq(e.v[e.n - 1].msg, PD_MSG_BAD_TYPE);
	cr_expect_str_eq(e.v[e.n - 1].field, BP ".fapiao");
}
