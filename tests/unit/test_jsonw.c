/* test_jsonw.c - unit tests of src/core/jsonw.c and the direct writers of model.c: the bytes
 * written straight into a buffer equal jansson's compact dump of the same tree (customers
 * with escapes, control characters, CJK and astral text, absent optional fields, every subset
 * of the address fields), copies of the buffer's own bytes across growth, and the
 * stored billing form reads back as pd_billing_from_json reads it. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "arena.h"
#include "jsonw.h"
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

TestSuite(jsonw, .init = setup, .fini = teardown);

static struct pd_customer sample(const char *name, const char *line2, const char *regnum)
{
	struct pd_customer c = {.id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
				.domain = "contoso.partner.onmschina.cn", .regnum = regnum,
				.relationship = "reseller"};
	c.billing = (struct pd_billing){.email = "it@contoso.cn", .culture = "zh-CN", .language = "zh",
					.company_name = name, .first_name = "伟", .last_name = "王",
					.etag = "W/\"abc\""};
	c.billing.addr = (struct pd_address){.first_name = "伟", .last_name = "王",
					     .line1 = "人民路1号", .line2 = line2, .city = "上海",
					     .state = "上海市", .postal_code = "200001", .country = "CN",
					     .phone = "13800000000"};
	return c;
}

static void expect_same(const struct pd_customer *c)
{
	json_t *tree = pd_customer_to_json(c);
	char *want = json_dumps(tree, JSON_COMPACT);
	json_decref(tree);
	struct pd_buf out;
	pd_buf_init(&out, 16);
	pd_customer_write(&out, c);
	cr_assert_eq(out.len, strlen(want));
	cr_assert_str_eq(out.p, want);
	free(want);
	pd_buf_free(&out);
}

Test(jsonw, customer_equals_jansson)
{
	struct pd_customer c = sample("上海华信科技有限公司", NULL, NULL);
	expect_same(&c);
}

Test(jsonw, escapes_equal_jansson)
{
	struct pd_customer c = sample("Quote \" back\\slash /slash\ttab\nnl\x01\x1f del\x7f 😀 Müller",
				      "line\r2\b\f", "91310000MA1K");
	expect_same(&c);
}

Test(jsonw, absent_fields_are_left_out)
{
	struct pd_customer c = sample("Contoso", NULL, NULL);
	c.billing.email = c.billing.first_name = c.billing.addr.phone = c.billing.etag = NULL;
	c.relationship = NULL;
	expect_same(&c);
}

/* The billing profile's defaultAddress copies the company address's members (line1 ..
 * phoneNumber) from the buffer: every subset of the eleven address fields, names included, with
 * escapes, CJK and astral text, must still equal jansson's dump. */
Test(jsonw, every_subset_of_address_fields_equals_jansson)
{
	static const char *const values[] = {"伟", "王", "Quote \" 1", "back\\slash\t", "😀 line3",
					     "上海", "st\x01ate", "dist/rict", "200001", "CN", "+86 138\n"};
	struct pd_customer c = sample("Contoso", NULL, NULL);
	const char **f = (const char **)&c.billing.addr;
	cr_assert_eq(sizeof c.billing.addr, 11 * sizeof(char *));
	for (unsigned mask = 0; mask < 1u << 11; mask++) {
		for (unsigned i = 0; i < 11; i++)
			f[i] = mask & 1u << i ? values[i] : NULL;
		c.billing.fapiao = mask & 1 ? NULL : &(struct pd_fapiao){.invoice_type = "ordinary", .digital = -1};
		expect_same(&c);
	}
}

/* A copy of bytes the buffer already holds stays right when the buffer moves to grow. */
Test(jsonw, copy_from_own_bytes_across_growth)
{
	struct pd_buf b;
	pd_buf_init(&b, 1);
	pd_buf_lit(&b, "0123456789");
	for (int i = 0; i < 6; i++)
		pd_buf_add_own(&b, 0, b.len);
	cr_assert_eq(b.len, 640);
	for (size_t i = 0; i < b.len; i++)
		cr_assert_eq(b.p[i], (char)('0' + i % 10), "byte %zu", i);
	cr_assert_eq(b.p[b.len], 0);
	pd_buf_free(&b);
}

Test(jsonw, commas_and_numbers)
{
	struct pd_buf b;
	pd_buf_init(&b, 1);
	pd_jw_open(&b);
	pd_jw_key(&b, "n");
	pd_jw_int(&b, -42);
	pd_jw_kstr(&b, "skipped", NULL);
	pd_jw_key(&b, "a");
	pd_buf_lit(&b, "[");
	pd_jw_next(&b);
	pd_jw_str(&b, "x");
	pd_jw_next(&b);
	pd_jw_open(&b);
	pd_jw_close(&b);
	pd_buf_lit(&b, "]");
	pd_jw_close(&b);
	cr_assert_str_eq(b.p, "{\"n\":-42,\"a\":[\"x\",{}]}");
	pd_buf_free(&b);
}

/* The stored form reads back as the jansson decoder reads it. */
static void expect_round_trip(const struct pd_billing *b)
{
	struct pd_buf out;
	pd_buf_init(&out, 16);
	pd_billing_write_stored(&out, b);
	struct pd_billing fast, slow;
	struct pd_verrs errs = {0};
	cr_assert(pd_billing_read_stored(out.p, &fast, ar), "stored form not read: %s", out.p);
	json_t *o = json_loads(out.p, 0, NULL);
	cr_assert_not_null(o, "stored form is not JSON: %s", out.p);
	pd_billing_from_json(o, "b", &slow, &errs, ar);
	json_decref(o);
	const char *const *f = (const char *const *)&fast, *const *s = (const char *const *)&slow;
	for (size_t i = 0; i < sizeof fast / sizeof(char *); i++) {
		if (!s[i])
			cr_assert_null(f[i], "field %zu", i);
		else
			cr_assert_str_eq(f[i], s[i], "field %zu", i);
	}
	pd_buf_free(&out);
}

Test(jsonw, stored_billing_round_trip)
{
	struct pd_customer c = sample("Quote \" back\\slash\t\x01 😀 华信", "  padded  ", NULL);
	expect_round_trip(&c.billing);
	c.billing.addr.line2 = c.billing.email = NULL;
	expect_round_trip(&c.billing);
}

/* Quotes after runs of backslashes (escaped or not), a value ending in a backslash, empty and
 * white-space-only values (absent once trimmed), \u escapes that shrink, every address field:
 * the direct reader reads what jansson reads. */
Test(jsonw, stored_reader_backslash_runs_and_every_field)
{
	struct pd_customer c = sample("ends in \\", "\\\"", NULL);
	c.billing.email = "\\\\\"q\\";
	c.billing.culture = "";
	c.billing.language = "   ";
	c.billing.addr.line3 = "\x01\x1f\u00e9 ü 😀";
	c.billing.addr.district = "\"";
	expect_round_trip(&c.billing); /* (it compares the struct's strings, fapiao apart) */
	c.billing.fapiao = &(struct pd_fapiao){.invoice_type = "special", .digital = 1, .title = "\\t",
					       .bank_account = "\"\\\"\\\\"};
	struct pd_buf out;
	pd_buf_init(&out, 16);
	pd_billing_write_stored(&out, &c.billing);
	struct pd_billing b;
	cr_assert(pd_billing_read_stored(out.p, &b, ar), "%s", out.p);
	pd_buf_free(&out);
	cr_assert_str_eq(b.fapiao->title, "\\t");
	cr_assert_str_eq(b.fapiao->bank_account, "\"\\\"\\\\");
	cr_assert_eq(b.fapiao->digital, 1);
	cr_assert_str_eq(b.addr.district, "\"");
	cr_assert_str_eq(b.email, "\\\\\"q\\");
	cr_assert(pd_billing_read_stored("{\"companyName\":\"a\\\\\",\"email\":\"\\\"\\u00e9\\ud83d\\ude00\"}", &b, ar));
	cr_assert_str_eq(b.company_name, "a\\");
	cr_assert_str_eq(b.email, "\"é😀");
	cr_assert_not(pd_billing_read_stored("{\"companyName\":\"a\\\"}", &b, ar)); /* the quote is escaped */
}

Test(jsonw, stored_reader_refuses_other_forms)
{
	struct pd_billing b;
	cr_assert_not(pd_billing_read_stored("{\"companyName\": \"spaced\"}", &b, ar));
	cr_assert_not(pd_billing_read_stored("{\"unknown\":\"x\"}", &b, ar));
	cr_assert_not(pd_billing_read_stored("{\"companyName\":\"x\"", &b, ar));
	cr_assert_not(pd_billing_read_stored("{\"companyName\":\"bad \\q\"}", &b, ar));
	cr_assert_not(pd_billing_read_stored("{\"companyName\":\"\\u0000\"}", &b, ar));
	cr_assert_not(pd_billing_read_stored(NULL, &b, ar));
	cr_assert(pd_billing_read_stored("{\"companyName\":\"\\u00fc\\ud83d\\ude00\"}", &b, ar));
	cr_assert_str_eq(b.company_name, "ü😀");
}
