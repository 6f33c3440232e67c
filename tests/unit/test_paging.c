/* test_paging.c - unit tests of src/core/paging.c: the size parameter, the customer filter
 * ({"Field", "Value", "Operator"} in any case, values folded to search keys) and
 * continuation tokens (round trip, filter binding, refusal of foreign or broken tokens). */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arena.h"
#include "err.h"
#include "messages.h"
#include "paging.h"
#include "secret.h"
#include "text.h"

static struct pd_arena *ar;

static void setup(void)
{
	ar = pd_arena_new();
	cr_assert_eq(pd_secret_init(), 0);
}

static void teardown(void)
{
	pd_arena_free(ar);
}

TestSuite(paging, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------------------ */

static void expect_one_err(const struct pd_verrs *e, const char *field, enum pd_msg msg)
{
	cr_assert_eq(e->n, 1, "errors: %zu (first on %s)", e->n, e->n ? e->v[0].field : "-");
	cr_assert_str_eq(e->v[0].field, field);
	cr_assert_eq(e->v[0].code, 3000);
	cr_assert_eq(e->v[0].msg, msg, "message %d, expected %d", (int)e->v[0].msg, (int)msg);
}

static bool has_err(const struct pd_verrs *e, const char *field)
{
	for (size_t i = 0; i < e->n; i++)
		if (!strcmp(e->v[i].field, field))
			return true;
	return false;
}

static struct pd_query filter(const char *text, struct pd_verrs *e)
{
	struct pd_query q = {.size = PD_PAGE_DEFAULT};
	pd_filter_parse(text, &q, e, ar);
	return q;
}

/* ---- pd_page_size_parse ------------------------------------------------------------- */

static int size_of(const char *s, size_t *nerr)
{
	struct pd_query q = {.size = -7};
	struct pd_verrs e = {0};
	pd_page_size_parse(s, &q, &e);
	*nerr = e.n;
	if (e.n) {
		cr_assert_str_eq(e.v[0].field, "size", "field for '%s'", s ? s : "(null)");
		cr_assert_eq(e.v[0].msg, PD_MSG_BAD_SIZE);
		cr_assert_str_eq(e.v[0].arg, "500");
	}
	return q.size;
}

Test(paging, size_defaults)
{
	size_t n;
	cr_assert_eq(size_of(NULL, &n), 100);
	cr_assert_eq(n, 0);
	cr_assert_eq(size_of("", &n), 100);
	cr_assert_eq(n, 0);
	cr_assert_eq(size_of("0", &n), 100);
	cr_assert_eq(n, 0);
}

Test(paging, size_in_range)
{
	size_t n;
	cr_assert_eq(size_of("1", &n), 1);
	cr_assert_eq(n, 0);
	cr_assert_eq(size_of("37", &n), 37);
	cr_assert_eq(n, 0);
	cr_assert_eq(size_of("500", &n), 500);
	cr_assert_eq(n, 0);
}

Test(paging, size_refused)
{
	const char *bad[] = {"501", "-1", "abc", "1x", " 5", "+5", "5 ", "1e2", "0x10", "-0",
			     "99999999999999999999999", "2147483648"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n;
		int s = size_of(bad[i], &n);
		cr_assert_eq(n, 1, "'%s' accepted as %d", bad[i], s);
		cr_assert(s >= 1 && s <= PD_PAGE_MAX, "size after '%s' is %d", bad[i], s);
	}
}

/* ---- pd_filter_parse ---------------------------------------------------------------- */

Test(paging, filter_pascal_case)
{
	struct pd_verrs e = {0};
	struct pd_query q = filter("{\"Field\": \"CompanyName\", \"Value\": \"Contoso\", \"Operator\": \"starts_with\"}", &e);
	cr_assert_eq(e.n, 0);
	cr_assert_eq(q.field, PD_FILTER_NAME);
	cr_assert_eq(q.op, PD_OP_STARTS_WITH);
	cr_assert_str_eq(q.value, "contoso");
	cr_assert_eq(q.size, PD_PAGE_DEFAULT, "size untouched");
	cr_assert_not(q.has_after);
}

Test(paging, filter_camel_case)
{
	struct pd_verrs e = {0};
	struct pd_query q = filter("{\"field\": \"domain\", \"value\": \"ConTOSO\", \"operator\": \"substring\"}", &e);
	cr_assert_eq(e.n, 0);
	cr_assert_eq(q.field, PD_FILTER_DOMAIN);
	cr_assert_eq(q.op, PD_OP_SUBSTRING);
	cr_assert_str_eq(q.value, "contoso");
}

Test(paging, filter_field_and_operator_spellings)
{
	struct pd_verrs e = {0};
	struct pd_query q = filter("{\"Field\": \"companyName\", \"Value\": \"a\", \"Operator\": \"StartsWith\"}", &e);
	cr_assert_eq(e.n, 0);
	cr_assert_eq(q.field, PD_FILTER_NAME);
	cr_assert_eq(q.op, PD_OP_STARTS_WITH);
	q = filter("{\"Field\": \"DOMAIN\", \"Value\": \"a\", \"Operator\": \"SUBSTRING\"}", &e);
	cr_assert_eq(e.n, 0);
	cr_assert_eq(q.field, PD_FILTER_DOMAIN);
	cr_assert_eq(q.op, PD_OP_SUBSTRING);
}

Test(paging, filter_default_operator_is_starts_with)
{
	struct pd_verrs e = {0};
	struct pd_query q = filter("{\"Field\": \"CompanyName\", \"Value\": \"x\"}", &e);
	cr_assert_eq(e.n, 0);
	cr_assert_eq(q.op, PD_OP_STARTS_WITH);
	q = filter("{\"Field\": \"Domain\", \"Value\": \"x\", \"Operator\": null}", &e);
	cr_assert_eq(e.n, 0);
	cr_assert_eq(q.op, PD_OP_STARTS_WITH, "null operator is absent");
}

Test(paging, filter_unknown_field)
{
	struct pd_verrs e = {0};
	filter("{\"Field\": \"Phone\", \"Value\": \"x\", \"Operator\": \"substring\"}", &e);
	expect_one_err(&e, "filter.Field", PD_MSG_BAD_ENUM);
}

Test(paging, filter_unknown_operator)
{
	struct pd_verrs e = {0};
	filter("{\"Field\": \"Domain\", \"Value\": \"x\", \"Operator\": \"equals\"}", &e);
	expect_one_err(&e, "filter.Operator", PD_MSG_BAD_ENUM);
	struct pd_verrs e2 = {0};
	filter("{\"Field\": \"Domain\", \"Value\": \"x\", \"Operator\": 3}", &e2);
	expect_one_err(&e2, "filter.Operator", PD_MSG_BAD_ENUM);
}

Test(paging, filter_missing_or_mistyped_members)
{
	struct pd_verrs e = {0};
	filter("{\"Value\": \"x\"}", &e);
	expect_one_err(&e, "filter.Field", PD_MSG_REQUIRED);
	struct pd_verrs e2 = {0};
	filter("{\"Field\": \"Domain\"}", &e2);
	expect_one_err(&e2, "filter.Value", PD_MSG_REQUIRED);
	struct pd_verrs e3 = {0};
	filter("{\"Field\": 1, \"Value\": [\"x\"]}", &e3);
	cr_assert_eq(e3.n, 2);
	cr_assert(has_err(&e3, "filter.Field"));
	cr_assert(has_err(&e3, "filter.Value"));
	cr_assert_eq(e3.v[0].msg, PD_MSG_BAD_TYPE);
	cr_assert_eq(e3.v[1].msg, PD_MSG_BAD_TYPE);
}

Test(paging, filter_not_json)
{
	const char *bad[] = {"CompanyName eq 'x'", "", "[1, 2]", "\"x\"", "{\"Field\": ", "null",
			     "{\"Field\": \"Domain\", \"Field\": \"Domain\", \"Value\": \"x\"}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pd_verrs e = {0};
		filter(bad[i], &e);
		cr_assert_eq(e.n, 1, "'%s': %zu errors", bad[i], e.n);
		cr_assert_str_eq(e.v[0].field, "filter", "'%s'", bad[i]);
		cr_assert_eq(e.v[0].msg, PD_MSG_BAD_FILTER);
	}
}

Test(paging, filter_value_is_case_folded)
{
	struct pd_verrs e = {0};
	struct pd_query upper = filter("{\"Field\": \"CompanyName\", \"Value\": \"MÜLLER\"}", &e);
	struct pd_query lower = filter("{\"Field\": \"CompanyName\", \"Value\": \"müller\"}", &e);
	struct pd_query decomposed = filter("{\"Field\": \"CompanyName\", \"Value\": \"Mu\\u0308ller\"}", &e);
	cr_assert_eq(e.n, 0);
	cr_assert_str_eq(upper.value, "müller");
	cr_assert_str_eq(upper.value, lower.value);
	cr_assert_str_eq(decomposed.value, lower.value);
	cr_assert_str_eq(upper.value, pd_text_key(ar, "Müller"), "same key as the store's name_key");
	struct pd_query cjk = filter("{\"Field\": \"CompanyName\", \"Value\": \"北京\"}", &e);
	cr_assert_str_eq(cjk.value, "北京");
}

Test(paging, filter_value_empty_or_too_long)
{
	struct pd_verrs e = {0};
	filter("{\"Field\": \"CompanyName\", \"Value\": \"\"}", &e);
	expect_one_err(&e, "filter.Value", PD_MSG_REQUIRED);

	char v[300], text[400];
	memset(v, 'a', 257);
	v[257] = 0;
	snprintf(text, sizeof text, "{\"Field\": \"CompanyName\", \"Value\": \"%s\"}", v);
	struct pd_verrs e2 = {0};
	filter(text, &e2);
	expect_one_err(&e2, "filter.Value", PD_MSG_TOO_LONG);

	v[256] = 0;
	snprintf(text, sizeof text, "{\"Field\": \"CompanyName\", \"Value\": \"%s\"}", v);
	struct pd_verrs e3 = {0};
	struct pd_query q = filter(text, &e3);
	cr_assert_eq(e3.n, 0, "256 bytes are allowed");
	cr_assert_eq(strlen(q.value), 256);
}

/* ---- continuation tokens ------------------------------------------------------------ */

static struct pd_query name_query(const char *value, enum pd_filter_op op)
{
	return (struct pd_query){.size = 10, .field = PD_FILTER_NAME, .op = op, .value = value};
}

Test(paging, token_round_trip_with_filter)
{
	struct pd_query q = name_query("müller", PD_OP_STARTS_WITH);
	char *tok = pd_token_encode(&q, "müller & söhne gmbh", 42, ar);
	cr_assert_not_null(tok);
	cr_assert_gt(strlen(tok), 0);
	for (const char *p = tok; *p; p++)
		cr_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p),
			  "token is base64url: %s", tok);

	struct pd_query back = {.size = 7};
	cr_assert(pd_token_decode(tok, &back, ar));
	cr_assert_eq(back.size, 7, "size is left alone");
	cr_assert_eq(back.field, PD_FILTER_NAME);
	cr_assert_eq(back.op, PD_OP_STARTS_WITH);
	cr_assert_str_eq(back.value, "müller");
	cr_assert(back.has_after);
	cr_assert_str_eq(back.after_key, "müller & söhne gmbh");
	cr_assert_eq(back.after_seq, 42);
}

Test(paging, token_round_trip_domain_substring)
{
	struct pd_query q = {.size = 3, .field = PD_FILTER_DOMAIN, .op = PD_OP_SUBSTRING, .value = "tos"};
	char *tok = pd_token_encode(&q, "", 9007199254740993LL, ar);
	struct pd_query back = {0};
	cr_assert(pd_token_decode(tok, &back, ar));
	cr_assert_eq(back.field, PD_FILTER_DOMAIN);
	cr_assert_eq(back.op, PD_OP_SUBSTRING);
	cr_assert_str_eq(back.value, "tos");
	cr_assert_str_eq(back.after_key, "");
	cr_assert_eq(back.after_seq, 9007199254740993LL, "64-bit seq survives");
}

Test(paging, token_round_trip_without_filter)
{
	struct pd_query q = {.size = 100};
	char *tok = pd_token_encode(&q, NULL, 5, ar);
	struct pd_query back = {0};
	cr_assert(pd_token_decode(tok, &back, ar));
	cr_assert_eq(back.field, PD_FILTER_NONE);
	cr_assert_eq(back.op, PD_OP_NONE);
	cr_assert_null(back.value);
	cr_assert(back.has_after);
	cr_assert_str_eq(back.after_key, "");
	cr_assert_eq(back.after_seq, 5);
}

Test(paging, token_with_same_filter_accepted)
{
	struct pd_query q = name_query("contoso", PD_OP_STARTS_WITH);
	char *tok = pd_token_encode(&q, "contoso ltd", 3, ar);
	struct pd_query again = name_query(pd_strdup(ar, "contoso"), PD_OP_STARTS_WITH);
	cr_assert(pd_token_decode(tok, &again, ar));
	cr_assert_eq(again.after_seq, 3);
	cr_assert_str_eq(again.after_key, "contoso ltd");
}

Test(paging, token_with_different_filter_refused)
{
	struct pd_query q = name_query("contoso", PD_OP_STARTS_WITH);
	char *tok = pd_token_encode(&q, "contoso ltd", 3, ar);

	struct pd_query other_value = name_query("fabrikam", PD_OP_STARTS_WITH);
	cr_assert_not(pd_token_decode(tok, &other_value, ar), "other value");
	cr_assert_not(other_value.has_after, "q untouched on refusal");
	cr_assert_str_eq(other_value.value, "fabrikam");

	struct pd_query other_op = name_query("contoso", PD_OP_SUBSTRING);
	cr_assert_not(pd_token_decode(tok, &other_op, ar), "other operator");

	struct pd_query other_field = {.size = 10, .field = PD_FILTER_DOMAIN, .op = PD_OP_STARTS_WITH,
				       .value = "contoso"};
	cr_assert_not(pd_token_decode(tok, &other_field, ar), "other field");

	/* a token of the unfiltered list used with a filter */
	struct pd_query all = {.size = 10};
	char *tok_all = pd_token_encode(&all, "", 8, ar);
	struct pd_query with_filter = name_query("contoso", PD_OP_STARTS_WITH);
	cr_assert_not(pd_token_decode(tok_all, &with_filter, ar));
}

Test(paging, token_adopts_filter_when_none_given)
{
	struct pd_query q = {.size = 10, .field = PD_FILTER_DOMAIN, .op = PD_OP_STARTS_WITH, .value = "fab"};
	char *tok = pd_token_encode(&q, "fabrikam.partner.onmschina.cn", 12, ar);
	struct pd_query none = {.size = 25};
	cr_assert(pd_token_decode(tok, &none, ar));
	cr_assert_eq(none.field, PD_FILTER_DOMAIN);
	cr_assert_eq(none.op, PD_OP_STARTS_WITH);
	cr_assert_str_eq(none.value, "fab");
	cr_assert_str_eq(none.after_key, "fabrikam.partner.onmschina.cn");
	cr_assert_eq(none.after_seq, 12);
	cr_assert_eq(none.size, 25);
}

Test(paging, token_garbage_refused)
{
	const char *bad[] = {"", "!!!!", "abc", "e30", /* "{}" */
			     "bnVsbA", /* "null" */
			     "eyJ2IjoxfQ", /* {"v":1} */
			     "eyJ2IjoyLCJmIjowLCJvIjowLCJxIjoiIiwiayI6IiIsInMiOjF9", /* v:2 */
			     "eyJ2IjoxLCJmIjoxLCJvIjowLCJxIjoiIiwiayI6IiIsInMiOjF9", /* field without op */
			     "eyJ2IjoxLCJmIjo5LCJvIjoxLCJxIjoiIiwiayI6IiIsInMiOjF9", /* f:9 */
			     "eyJ2IjoxLCJmIjowLCJvIjowLCJxIjoiIiwiayI6IiIsInMiOi0xfQ", /* s:-1 */
			     "eyJ2IjoxLCJmIjowLCJvIjowLCJxIjoiIiwiayI6IiIsInMiOiIxIn0", /* s:"1" */
			     "eyJ2IjoxLCJmIjowLCJvIjowLCJxIjoiIiwiayI6IiIsInMiOjF9==", /* padding */
			     "eyJ2IjoxLCJmIjowLCJvIjowLCJxIjoiIiwiayI6IiIsInMiOjF9 "};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pd_query q = {.size = 10};
		cr_assert_not(pd_token_decode(bad[i], &q, ar), "accepted '%s'", bad[i]);
		cr_assert_not(q.has_after);
	}
	struct pd_query q = {.size = 10};
	cr_assert_not(pd_token_decode(NULL, &q, ar));
}

Test(paging, hand_made_token_control)
{
	/* the same shape as the refused ones above, but valid: proves they fail for their defect */
	struct pd_query q = {.size = 10};
	cr_assert(pd_token_decode("eyJ2IjoxLCJmIjowLCJvIjowLCJxIjoiIiwiayI6IiIsInMiOjF9", &q, ar));
	cr_assert_eq(q.after_seq, 1);
}

Test(paging, token_tampered_refused)
{
	struct pd_query q = name_query("contoso", PD_OP_STARTS_WITH);
	char *tok = pd_token_encode(&q, "contoso ltd", 3, ar);
	size_t n = strlen(tok);

	char *cut = pd_strndup(ar, tok, n - 3);
	struct pd_query a = {.size = 10};
	cr_assert_not(pd_token_decode(cut, &a, ar), "truncated");

	char *flipped = pd_strdup(ar, tok);
	flipped[0] = flipped[0] == 'A' ? 'B' : 'A'; /* the opening '{' is gone */
	struct pd_query b = {.size = 10};
	cr_assert_not(pd_token_decode(flipped, &b, ar), "first character changed");

	char *bad_char = pd_strdup(ar, tok);
	bad_char[n / 2] = '+'; /* not in the URL-safe alphabet */
	struct pd_query c = {.size = 10};
	cr_assert_not(pd_token_decode(bad_char, &c, ar), "standard base64 character");

	char *longer = pd_printf(ar, "%sAAAA", tok);
	struct pd_query d = {.size = 10};
	cr_assert_not(pd_token_decode(longer, &d, ar), "trailing data");

	struct pd_query ok = {.size = 10};
	cr_assert(pd_token_decode(tok, &ok, ar), "the original still works");
}

Test(paging, token_over_long_refused)
{
	char *big = pd_alloc(ar, 20001);
	memset(big, 'A', 20000);
	cr_assert_not(pd_token_decode(big, &(struct pd_query){.size = 10}, ar));

	/* a well-formed token that is too long: refused for its length alone */
	char *key = pd_alloc(ar, 13001);
	memset(key, 'k', 13000);
	struct pd_query q = {.size = 10};
	char *tok = pd_token_encode(&q, key, 1, ar);
	cr_assert_gt(strlen(tok), 16384);
	cr_assert_not(pd_token_decode(tok, &(struct pd_query){.size = 10}, ar));
}

/* Every token pd_token_encode issues for a list the service can run must be accepted by
 * pd_token_decode: filter values are at most 256 bytes, and company names (the sort key
 * for starts_with on CompanyName) at most 255 code points (country.c). */
Test(paging, token_for_longest_inputs_round_trips)
{
	/* 255 four-byte code points: the longest company name key in bytes */
	char *key = pd_alloc(ar, 255 * 4 + 1);
	for (int i = 0; i < 255; i++)
		memcpy(key + 4 * i, "\xf0\xa0\x80\x80", 4); /* U+20000, a CJK Ext. B ideograph */
	char *value = pd_strndup(ar, key, 256);          /* 64 code points, 256 bytes */
	struct pd_query q = name_query(value, PD_OP_STARTS_WITH);
	char *tok = pd_token_encode(&q, key, 77, ar);
	struct pd_query back = {.size = 10};
	cr_assert(pd_token_decode(tok, &back, ar), "token of %zu chars refused", strlen(tok));
	cr_assert_str_eq(back.after_key, key);
}

/* ---- IndirectReseller (two-tier CSP) ------------------------------------------------- */

Test(paging, indirect_reseller_takes_a_whole_id_with_starts_with)
{
	struct pd_verrs e = {0};
	struct pd_query q = filter("{\"Field\":\"IndirectReseller\",\"Value\":\"484E548C-F5F3-4528-93A9-C16C6373CB59\","
				   "\"Operator\":\"starts_with\"}", &e);
	cr_assert_eq(e.n, 0);
	cr_assert_eq(q.field, PD_FILTER_RESELLER);
	cr_assert_eq(q.op, PD_OP_STARTS_WITH);
	cr_assert_str_eq(q.value, "484e548c-f5f3-4528-93a9-c16c6373cb59");
	e = (struct pd_verrs){0};
	filter("{\"Field\":\"indirectreseller\",\"Value\":\"484e548c-f5f3-4528-93a9-c16c6373cb59\","
	       "\"Operator\":\"substring\"}", &e);
	expect_one_err(&e, "filter.Operator", PD_MSG_BAD_ENUM);
	e = (struct pd_verrs){0};
	filter("{\"Field\":\"IndirectReseller\",\"Value\":\"484e548c\"}", &e);
	expect_one_err(&e, "filter.Value", PD_MSG_BAD_UUID);
}

Test(paging, indirect_reseller_token_round_trips_bound_to_its_reseller)
{
	struct pd_verrs e = {0};
	const char *a = "{\"Field\":\"IndirectReseller\",\"Value\":\"484e548c-f5f3-4528-93a9-c16c6373cb59\"}";
	struct pd_query q = filter(a, &e);
	char *tok = pd_token_encode(&q, "", 42, ar);
	struct pd_query back = {.size = 5};
	cr_assert(pd_token_decode(tok, &back, ar));
	cr_assert_eq(back.field, PD_FILTER_RESELLER);
	cr_assert_str_eq(back.value, q.value);
	cr_assert_eq(back.after_seq, 42);
	struct pd_query other = filter("{\"Field\":\"IndirectReseller\",\"Value\":\"b01b1487-b36e-4e6d-9b5e-0b58974c4b28\"}", &e);
	cr_assert_not(pd_token_decode(tok, &other, ar), "a token of another reseller's list");
}
