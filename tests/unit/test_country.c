/* test_country.c - unit tests of src/core/country.c: canonical forms written back, every
 * error's code, field and argument, China's provinces and phone numbers, US and DE rules,
 * the registration-number countries, lengths in code points, the rules document and the
 * address validation service. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "arena.h"
#include "country.h"
#include "err.h"
#include "messages.h"
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

TestSuite(country, .init = setup, .fini = teardown);

#define ADDR "billingProfile.defaultAddress"

/* ---- helpers ------------------------------------------------------------------------ */

static struct pd_address cn_address(void)
{
	return (struct pd_address){.first_name = "伟", .last_name = "王",
				   .line1 = "海淀区中关村大街1号", .city = "北京", .state = "北京市",
				   .postal_code = "100080", .country = "CN", .phone = "13800138000"};
}

static struct pd_address us_address(void)
{
	return (struct pd_address){.first_name = "Ann", .last_name = "Lee",
				   .line1 = "1 Microsoft Way", .city = "Redmond", .state = "WA",
				   .postal_code = "98052", .country = "US"};
}

static struct pd_billing cn_billing(void)
{
	return (struct pd_billing){.email = "it@contoso.cn", .culture = "zh-CN", .language = "zh",
				   .company_name = "北京某某科技有限公司", .addr = cn_address()};
}

static struct pd_verrs check(struct pd_address *a)
{
	struct pd_verrs e = {0};
	pd_address_check(a, ADDR, &e, ar);
	return e;
}

static struct pd_verrs check_billing(struct pd_billing *b, const char *regnum)
{
	struct pd_verrs e = {0};
	pd_billing_check(b, regnum, "billingProfile", &e, ar);
	return e;
}

static const char *str_or_null(const char *s)
{
	return s ? s : "(null)";
}

/* Asserts error i is exactly (code, field, msg, arg). */
static void expect_at(const struct pd_verrs *e, size_t i, int code, const char *field,
		      enum pd_msg msg, const char *arg)
{
	cr_assert_gt(e->n, i, "expected an error #%zu on %s, got %zu errors", i, field, e->n);
	const struct pd_verr *v = &e->v[i];
	cr_expect_eq(v->code, code, "%s: code %d, want %d", field, v->code, code);
	cr_expect_str_eq(v->field, field);
	cr_expect_eq(v->msg, msg, "%s: msg %d, want %d", field, (int)v->msg, (int)msg);
	if (arg)
		cr_expect_str_eq(str_or_null(v->arg), arg, "%s: arg", field);
	else
		cr_expect_null(v->arg, "%s: arg %s, want none", field, str_or_null(v->arg));
}

/* Asserts the list is exactly one error (code, field, msg, arg). */
static void expect_one(const struct pd_verrs *e, int code, const char *field, enum pd_msg msg,
		       const char *arg)
{
	cr_expect_eq(e->n, 1, "expected 1 error (%s), got %zu (first: %s)", field, e->n,
		     e->n ? e->v[0].field : "-");
	expect_at(e, 0, code, field, msg, arg);
}

static void expect_none(const struct pd_verrs *e, const char *what)
{
	cr_expect_eq(e->n, 0, "%s: unexpected error on %s (msg %d, arg %s)", what,
		     e->n ? e->v[0].field : "-", e->n ? (int)e->v[0].msg : -1,
		     e->n ? str_or_null(e->v[0].arg) : "-");
}

/* unit repeated n times, in the arena. */
static const char *rep(const char *unit, size_t n)
{
	size_t k = strlen(unit);
	char *s = pd_alloc(ar, k * n + 1);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * k, unit, k);
	return s;
}

/* ---- country ------------------------------------------------------------------------ */

Test(country, country_upper_cased_into_an_arena_copy)
{
	struct pd_address a = cn_address();
	char in[] = "cn";
	a.country = in;
	struct pd_verrs e = check(&a);
	expect_none(&e, "cn");
	cr_expect_str_eq(a.country, "CN");
	cr_expect_neq((void *)a.country, (void *)in);
	in[0] = 'x'; /* the caller's buffer is not referenced */
	cr_expect_str_eq(a.country, "CN");
}

Test(country, country_missing_malformed_unknown)
{
	const char *bad[] = {"CHN", "C", "C1", "XX", "QQ", "中国", "C N", "\xff\xfe"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pd_address a = cn_address();
		a.country = bad[i];
		struct pd_verrs e = check(&a);
		expect_one(&e, 3000, ADDR ".country", PD_MSG_BAD_COUNTRY, NULL);
	}
	struct pd_address a = cn_address();
	a.country = NULL;
	struct pd_verrs e = check(&a);
	expect_one(&e, 3000, ADDR ".country", PD_MSG_REQUIRED, NULL);
	a = cn_address();
	a.country = "   ";
	e = check(&a);
	expect_one(&e, 3000, ADDR ".country", PD_MSG_REQUIRED, NULL);
}

Test(country, known_countries)
{
	const char *known[] = {"CN", "US", "DE", "GB", "FR", "JP", "HK", "SG", "AM", "AZ", "BY",
			       "HU", "KZ", "KG", "MD", "RU", "TJ", "UZ", "UA", "cn", "zw", "Ad",
			       "AX", "BQ", "SS", "TW"};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		cr_expect(pd_country_known(known[i]), "%s should be known", known[i]);
	const char *unknown[] = {"XX", "AA", "ZZ", "UK", "EU", "C", "CHN", "", "1A", "c\xc3"};
	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
		cr_expect_not(pd_country_known(unknown[i]), "%s should be unknown", unknown[i]);
	cr_expect_not(pd_country_known(NULL));
}

Test(country, default_country_is_permissive)
{
	struct pd_address a = {.first_name = "Jean", .last_name = "Dupont", .line1 = "1 rue X",
			       .city = "Paris", .country = "fr"};
	struct pd_verrs e = check(&a);
	expect_none(&e, "FR without state or postal code");
	cr_expect_str_eq(a.country, "FR");
	const char *ok[] = {"75008", "SW1A 1AA", "100-0001", "K1A 0B1", "12345678901234567890"};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		a.postal_code = ok[i];
		e = check(&a);
		expect_none(&e, ok[i]);
	}
	const char *bad[] = {"75008!", "750_08", "7500８"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		a.postal_code = bad[i];
		e = check(&a);
		expect_one(&e, 3000, ADDR ".postalCode", PD_MSG_BAD_POSTAL, "FR");
	}
	a.postal_code = "123456789012345678901";
	e = check(&a);
	expect_one(&e, 3000, ADDR ".postalCode", PD_MSG_TOO_LONG, "20");
	a.postal_code = NULL;
	a.state = "Île-de-France";
	a.phone = "+33 1 23 45 67 89";
	e = check(&a);
	expect_none(&e, "FR state and phone");
	a.phone = "call me";
	e = check(&a);
	expect_one(&e, 3000, ADDR ".phoneNumber", PD_MSG_BAD_PHONE, "FR");
}

/* ---- China -------------------------------------------------------------------------- */

static const char *const cn_provinces[34] = {
	"北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
	"上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省",
	"湖北省", "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省",
	"云南省", "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
	"台湾省", "香港特别行政区", "澳门特别行政区",
};

static void expect_cn_state(const char *in, const char *want)
{
	struct pd_address a = cn_address();
	a.state = in;
	struct pd_verrs e = check(&a);
	expect_none(&e, in);
	cr_expect_str_eq(a.state, want, "state %s -> %s, want %s", in, a.state, want);
}

Test(country, cn_all_34_provinces_by_full_name)
{
	for (size_t i = 0; i < 34; i++)
		expect_cn_state(cn_provinces[i], cn_provinces[i]);
}

Test(country, cn_short_chinese_names)
{
	const char *cases[][2] = {
		{"广东", "广东省"}, {"北京", "北京市"}, {"内蒙古", "内蒙古自治区"},
		{"香港", "香港特别行政区"}, {"澳门", "澳门特别行政区"}, {"广西", "广西壮族自治区"},
		{"新疆", "新疆维吾尔自治区"}, {"西藏", "西藏自治区"}, {"宁夏", "宁夏回族自治区"},
		{"台湾", "台湾省"}, {"黑龙江", "黑龙江省"}, {"重庆", "重庆市"},
		{" 广东省 ", "广东省"}, {"\xE3\x80\x80上海\xE3\x80\x80", "上海市"},
		{"澳門特別行政區", "澳门特别行政区"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect_cn_state(cases[i][0], cases[i][1]);
}

Test(country, cn_pinyin_and_english_names)
{
	const char *cases[][2] = {
		{"Guangdong", "广东省"}, {"guangdong", "广东省"}, {"GUANGDONG", "广东省"},
		{"Guangdong Sheng", "广东省"}, {"Guangdong Province", "广东省"},
		{"Beijing", "北京市"}, {"Beijing Shi", "北京市"}, {"beijing-shi", "北京市"},
		{"Inner Mongolia", "内蒙古自治区"}, {"Nei Mongol", "内蒙古自治区"},
		{"Neimenggu", "内蒙古自治区"}, {"Nei Mongol Zizhiqu", "内蒙古自治区"},
		{"Hong Kong", "香港特别行政区"}, {"hong-kong", "香港特别行政区"},
		{"Hong Kong SAR", "香港特别行政区"}, {"Macau", "澳门特别行政区"},
		{"Macao", "澳门特别行政区"}, {"Tibet", "西藏自治区"}, {"Xizang", "西藏自治区"},
		{"Shaanxi", "陕西省"}, {"Shanxi", "山西省"}, {"Guangxi", "广西壮族自治区"},
		{"Guangxi Zhuangzu Zizhiqu", "广西壮族自治区"}, {"Ningxia", "宁夏回族自治区"},
		{"Xinjiang", "新疆维吾尔自治区"}, {"Xinjiang Uygur Autonomous Region", "新疆维吾尔自治区"},
		{"Shanghai Municipality", "上海市"}, {"Chongqing", "重庆市"},
		{"Heilongjiang", "黑龙江省"}, {"Taiwan", "台湾省"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect_cn_state(cases[i][0], cases[i][1]);
}

Test(country, cn_bad_and_missing_state)
{
	const char *bad[] = {"Canton", "广东市", "Shanxii", "Guang dong x", "Sheng", "CA", "东京都",
			     "guangdongsheng sheng"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pd_address a = cn_address();
		a.state = bad[i];
		struct pd_verrs e = check(&a);
		expect_one(&e, 3000, ADDR ".state", PD_MSG_BAD_STATE, "CN");
		cr_expect_str_eq(a.state, bad[i], "a refused state is left as sent");
	}
	struct pd_address a = cn_address();
	a.state = "\xe5\xb9"; /* truncated UTF-8 */
	struct pd_verrs e = check(&a);
	expect_one(&e, 3000, ADDR ".state", PD_MSG_BAD_UTF8, NULL);
	a = cn_address();
	a.state = NULL;
	e = check(&a);
	expect_one(&e, 3000, ADDR ".state", PD_MSG_REQUIRED, NULL);
}

Test(country, cn_postal_code)
{
	struct pd_address a = cn_address();
	a.postal_code = " 518000 ";
	struct pd_verrs e = check(&a);
	expect_none(&e, "518000");
	cr_expect_str_eq(a.postal_code, "518000");
	const char *bad[] = {"10008", "1000800", "10008a", "100 080", "100-080",
			     "\xef\xbc\x91\xef\xbc\x90\xef\xbc\x90\xef\xbc\x90\xef\xbc\x98\xef\xbc\x90"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		a = cn_address();
		a.postal_code = bad[i];
		e = check(&a);
		expect_one(&e, 3000, ADDR ".postalCode", PD_MSG_BAD_POSTAL, "CN");
	}
	a = cn_address();
	a.postal_code = NULL;
	e = check(&a);
	expect_one(&e, 3000, ADDR ".postalCode", PD_MSG_REQUIRED, NULL);
}

Test(country, cn_city_required)
{
	struct pd_address a = cn_address();
	a.city = NULL;
	struct pd_verrs e = check(&a);
	expect_one(&e, 3000, ADDR ".city", PD_MSG_REQUIRED, NULL);
	a = cn_address();
	a.city = " \t";
	e = check(&a);
	expect_one(&e, 3000, ADDR ".city", PD_MSG_REQUIRED, NULL);
}

Test(country, cn_phone_numbers_accepted)
{
	const char *ok[] = {
		"13800138000",       "+86 138 0013 8000", "+8613800138000", "008613800138000",
		"8613800138000",     "+86-138-0013-8000", "199 1234 5678",  "010-12345678",
		"(010) 1234 5678",   "0755-1234567",      "0755-12345678",  "021 1234567",
		"+86 10 12345678",   "+86 (10) 12345678", "+86-755-12345678", "+86 010 12345678",
		"0086 21 12345678",  "86 010 12345678",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct pd_address a = cn_address();
		a.phone = ok[i];
		struct pd_verrs e = check(&a);
		expect_none(&e, ok[i]);
		cr_expect_str_eq(a.phone, ok[i], "a valid phone is kept as sent");
	}
	struct pd_address a = cn_address();
	a.phone = NULL;
	struct pd_verrs e = check(&a);
	expect_none(&e, "no phone");
	a.phone = "  13800138000 ";
	e = check(&a);
	expect_none(&e, "padded");
	cr_expect_str_eq(a.phone, "13800138000");
}

Test(country, cn_phone_numbers_refused)
{
	const char *bad[] = {
		"1380013800",      /* mobile too short */
		"138001380001",    /* mobile too long */
		"12800138000",     /* 12x is no mobile prefix */
		"1380013800a",     /* a letter */
		"abc",             "+1 415 555 0100", "+86 1381234567", "0755-123456",
		"0755-123456789",  "10-12345678",     /* no leading 0 without +86 */
		"++8613800138000", "86 0755 12345678", "+86 013 12345678", "138.0013.8000",
		"+",               "+86",             "86 010 1234567", /* 86 only before 11 digits */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pd_address a = cn_address();
		a.phone = bad[i];
		struct pd_verrs e = check(&a);
		expect_one(&e, 3000, ADDR ".phoneNumber", PD_MSG_BAD_PHONE, "CN");
	}
}

/* ---- US and DE ---------------------------------------------------------------------- */

Test(country, us_states)
{
	const char *cases[][2] = {
		{"WA", "WA"}, {"wa", "WA"}, {"California", "CA"}, {"new york", "NY"},
		{"NEW-YORK", "NY"}, {"District of Columbia", "DC"}, {"PR", "PR"}, {"Guam", "GU"},
		{"vi", "VI"}, {"Northern Mariana Islands", "MP"}, {"as", "AS"}, {"Wyoming", "WY"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct pd_address a = us_address();
		a.state = cases[i][0];
		struct pd_verrs e = check(&a);
		expect_none(&e, cases[i][0]);
		cr_expect_str_eq(a.state, cases[i][1]);
	}
	const char *bad[] = {"XX", "Calif", "广东省", "W"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pd_address a = us_address();
		a.state = bad[i];
		struct pd_verrs e = check(&a);
		expect_one(&e, 3000, ADDR ".state", PD_MSG_BAD_STATE, "US");
	}
	struct pd_address a = us_address();
	a.state = NULL;
	struct pd_verrs e = check(&a);
	expect_one(&e, 3000, ADDR ".state", PD_MSG_REQUIRED, NULL);
}

Test(country, us_zip_codes)
{
	const char *ok[] = {"98052", "98052-6399", "00501"};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct pd_address a = us_address();
		a.postal_code = ok[i];
		struct pd_verrs e = check(&a);
		expect_none(&e, ok[i]);
	}
	const char *bad[] = {"9805", "980521", "98052-639", "98052 6399", "98052-63999", "ABCDE"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pd_address a = us_address();
		a.postal_code = bad[i];
		struct pd_verrs e = check(&a);
		expect_one(&e, 3000, ADDR ".postalCode", PD_MSG_BAD_POSTAL, "US");
	}
	struct pd_address a = us_address();
	a.postal_code = NULL;
	struct pd_verrs e = check(&a);
	expect_one(&e, 3000, ADDR ".postalCode", PD_MSG_REQUIRED, NULL);
	a = us_address();
	a.phone = "+1 (425) 555-0100";
	e = check(&a);
	expect_none(&e, "US phone");
}

Test(country, de_postal_codes_and_free_state)
{
	struct pd_address a = {.first_name = "Jörg", .last_name = "Müller",
			       .line1 = "Unter den Linden 1", .city = "Berlin",
			       .postal_code = "10115", .country = "de"};
	struct pd_verrs e = check(&a);
	expect_none(&e, "DE");
	cr_expect_str_eq(a.country, "DE");
	cr_expect_null(a.state);
	a.postal_code = "01067";
	a.state = "Bayern";
	e = check(&a);
	expect_none(&e, "DE with state");
	cr_expect_str_eq(a.state, "Bayern");
	a.state = rep("ß", 100);
	e = check(&a);
	expect_none(&e, "100-character state");
	a.state = rep("ß", 101);
	e = check(&a);
	expect_one(&e, 3000, ADDR ".state", PD_MSG_TOO_LONG, "100");
	a.state = NULL;
	const char *bad[] = {"1011", "101155", "D-10115", "1011a"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		a.postal_code = bad[i];
		e = check(&a);
		expect_one(&e, 3000, ADDR ".postalCode", PD_MSG_BAD_POSTAL, "DE");
	}
	a.postal_code = NULL;
	e = check(&a);
	expect_one(&e, 3000, ADDR ".postalCode", PD_MSG_REQUIRED, NULL);
}

/* ---- lengths ------------------------------------------------------------------------ */

struct limit {
	size_t off;
	const char *field, *max;
	size_t n;
	bool required;
};

#define LIM(member, name, n, req) {offsetof(struct pd_address, member), ADDR "." name, #n, n, req}
static const struct limit limits[] = {
	LIM(first_name, "firstName", 50, true),     LIM(last_name, "lastName", 50, true),
	LIM(line1, "addressLine1", 200, true),      LIM(line2, "addressLine2", 200, false),
	LIM(line3, "addressLine3", 200, false),     LIM(city, "city", 100, true),
};

static const char **slot(struct pd_address *a, const struct limit *l)
{
	return (const char **)((char *)a + l->off);
}

Test(country, lengths_count_code_points)
{
	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		const struct limit *l = &limits[i];
		struct pd_address a = cn_address();
		*slot(&a, l) = rep("中", l->n); /* 3 bytes each: bytes would exceed the limit */
		struct pd_verrs e = check(&a);
		expect_none(&e, l->field);
		*slot(&a, l) = rep("中", l->n + 1);
		e = check(&a);
		expect_one(&e, 3000, l->field, PD_MSG_TOO_LONG, l->max);
		*slot(&a, l) = rep("😀", l->n); /* 4-byte code points */
		e = check(&a);
		expect_none(&e, l->field);
		*slot(&a, l) = "ok\xc3\x28";
		e = check(&a);
		expect_one(&e, 3000, l->field, PD_MSG_BAD_UTF8, NULL);
		*slot(&a, l) = NULL;
		e = check(&a);
		if (l->required)
			expect_one(&e, 3000, l->field, PD_MSG_REQUIRED, NULL);
		else
			expect_none(&e, l->field);
	}
}

Test(country, invalid_utf8_variants)
{
	const char *bad[] = {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "a\xff", "\xe4\xb8",
			     "\x80"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pd_address a = cn_address();
		a.line2 = bad[i];
		struct pd_verrs e = check(&a);
		expect_one(&e, 3000, ADDR ".addressLine2", PD_MSG_BAD_UTF8, NULL);
	}
}

Test(country, empty_address_lists_every_required_field)
{
	struct pd_address a = {0};
	struct pd_verrs e = check(&a);
	cr_assert_eq(e.n, 5);
	expect_at(&e, 0, 3000, ADDR ".country", PD_MSG_REQUIRED, NULL);
	expect_at(&e, 1, 3000, ADDR ".firstName", PD_MSG_REQUIRED, NULL);
	expect_at(&e, 2, 3000, ADDR ".lastName", PD_MSG_REQUIRED, NULL);
	expect_at(&e, 3, 3000, ADDR ".addressLine1", PD_MSG_REQUIRED, NULL);
	expect_at(&e, 4, 3000, ADDR ".city", PD_MSG_REQUIRED, NULL);
	a = (struct pd_address){.country = "CN"};
	e = check(&a);
	cr_assert_eq(e.n, 6);
	expect_at(&e, 0, 3000, ADDR ".firstName", PD_MSG_REQUIRED, NULL);
	expect_at(&e, 3, 3000, ADDR ".city", PD_MSG_REQUIRED, NULL);
	expect_at(&e, 4, 3000, ADDR ".state", PD_MSG_REQUIRED, NULL);
	expect_at(&e, 5, 3000, ADDR ".postalCode", PD_MSG_REQUIRED, NULL);
}

Test(country, prefix_is_the_path)
{
	struct pd_address a = cn_address();
	a.postal_code = "1";
	struct pd_verrs e = {0};
	pd_address_check(&a, "x.y", &e, ar);
	expect_one(&e, 3000, "x.y.postalCode", PD_MSG_BAD_POSTAL, "CN");
	e = (struct pd_verrs){0};
	pd_address_check(&a, "", &e, ar);
	expect_one(&e, 3000, "postalCode", PD_MSG_BAD_POSTAL, "CN");
}

/* ---- billing profile ---------------------------------------------------------------- */

Test(country, billing_valid_and_canonical)
{
	struct pd_billing b = cn_billing();
	b.culture = "ZH-cn";
	b.language = "ZH";
	b.addr.country = "cn";
	b.addr.state = "guangdong";
	b.addr.postal_code = "510000";
	struct pd_verrs e = check_billing(&b, NULL);
	expect_none(&e, "CN billing");
	cr_expect_str_eq(b.culture, "zh-CN");
	cr_expect_str_eq(b.language, "zh");
	cr_expect_str_eq(b.addr.country, "CN");
	cr_expect_str_eq(b.addr.state, "广东省");
	cr_expect_str_eq(b.first_name, "伟", "first name defaults from the address");
	cr_expect_str_eq(b.last_name, "王");
	b = cn_billing();
	b.culture = "en-us";
	b.language = "EN";
	e = check_billing(&b, NULL);
	expect_none(&e, "en-US");
	cr_expect_str_eq(b.culture, "en-US");
	cr_expect_str_eq(b.language, "en");
}

Test(country, billing_culture_and_language)
{
	struct pd_billing b = cn_billing();
	b.culture = "fr-FR";
	b.language = "fr";
	struct pd_verrs e = check_billing(&b, NULL);
	cr_assert_eq(e.n, 2);
	expect_at(&e, 0, 3000, "billingProfile.culture", PD_MSG_BAD_CULTURE, "CN");
	expect_at(&e, 1, 3000, "billingProfile.language", PD_MSG_BAD_LANGUAGE, "CN");
	b = cn_billing();
	b.culture = b.language = NULL;
	e = check_billing(&b, NULL);
	cr_assert_eq(e.n, 2);
	expect_at(&e, 0, 3000, "billingProfile.culture", PD_MSG_REQUIRED, NULL);
	expect_at(&e, 1, 3000, "billingProfile.language", PD_MSG_REQUIRED, NULL);

	b = (struct pd_billing){.email = "a@b.com", .culture = "es-us", .language = "ES",
				.company_name = "Contoso", .addr = us_address()};
	e = check_billing(&b, NULL);
	expect_none(&e, "US es");
	cr_expect_str_eq(b.culture, "es-US");
	cr_expect_str_eq(b.language, "es");
	b.culture = "zh-CN";
	e = check_billing(&b, NULL);
	expect_one(&e, 3000, "billingProfile.culture", PD_MSG_BAD_CULTURE, "US");

	b.culture = "DE-de";
	b.language = "de";
	b.addr = (struct pd_address){.first_name = "A", .last_name = "B", .line1 = "Str. 1",
				     .city = "Köln", .postal_code = "50667", .country = "DE"};
	e = check_billing(&b, NULL);
	expect_none(&e, "DE de");
	cr_expect_str_eq(b.culture, "de-DE");

	b.addr.country = "FR";
	b.addr.postal_code = "75008";
	const char *cultures[][2] = {{"fr-fr", "fr-FR"}, {"EN-gb", "en-GB"}, {"fil-PH", "fil-PH"}};
	for (size_t i = 0; i < 3; i++) {
		b.culture = cultures[i][0];
		b.language = "FRA";
		e = check_billing(&b, NULL);
		expect_none(&e, cultures[i][0]);
		cr_expect_str_eq(b.culture, cultures[i][1]);
		cr_expect_str_eq(b.language, "fra");
	}
	const char *bad_cultures[] = {"french", "fr", "fr_FR", "fr-FRA", "f-FR", "fr-F1"};
	for (size_t i = 0; i < sizeof bad_cultures / sizeof bad_cultures[0]; i++) {
		b.culture = bad_cultures[i];
		b.language = "fr";
		e = check_billing(&b, NULL);
		expect_one(&e, 3000, "billingProfile.culture", PD_MSG_BAD_CULTURE, "FR");
	}
	const char *bad_langs[] = {"f", "fren", "fr-FR", "f1"};
	for (size_t i = 0; i < sizeof bad_langs / sizeof bad_langs[0]; i++) {
		b.culture = "fr-FR";
		b.language = bad_langs[i];
		e = check_billing(&b, NULL);
		expect_one(&e, 3000, "billingProfile.language", PD_MSG_BAD_LANGUAGE, "FR");
	}
}

Test(country, billing_email)
{
	const char *ok[] = {"it@contoso.cn", "a@b.co", "first.last+tag@sub.example.com",
			    "张三@例子.中国"};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct pd_billing b = cn_billing();
		b.email = ok[i];
		struct pd_verrs e = check_billing(&b, NULL);
		expect_none(&e, ok[i]);
	}
	const char *bad[] = {"it", "it@contoso", "@contoso.cn", "it@@contoso.cn", "i t@contoso.cn",
			     "it@contoso.cn.", "it@.cn", "it@contoso..cn", "a@b@c.cn"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pd_billing b = cn_billing();
		b.email = bad[i];
		struct pd_verrs e = check_billing(&b, NULL);
		expect_one(&e, 3000, "billingProfile.email", PD_MSG_BAD_EMAIL, NULL);
	}
	struct pd_billing b = cn_billing();
	b.email = NULL;
	struct pd_verrs e = check_billing(&b, NULL);
	expect_one(&e, 3000, "billingProfile.email", PD_MSG_REQUIRED, NULL);

	b.email = pd_printf(ar, "%s@example.com", rep("a", 64));
	e = check_billing(&b, NULL);
	expect_none(&e, "64-character local part");
	b.email = pd_printf(ar, "%s@example.com", rep("a", 65));
	e = check_billing(&b, NULL);
	expect_one(&e, 3000, "billingProfile.email", PD_MSG_BAD_EMAIL, NULL);
	/* 254 = 64 + 1 + 189 */
	b.email = pd_printf(ar, "%s@%s.com", rep("a", 64), rep("b", 185));
	cr_assert_eq(strlen(b.email), 254);
	e = check_billing(&b, NULL);
	expect_none(&e, "254 characters");
	b.email = pd_printf(ar, "%s@%s.com", rep("a", 64), rep("b", 186));
	e = check_billing(&b, NULL);
	expect_one(&e, 3000, "billingProfile.email", PD_MSG_TOO_LONG, "254");
}

Test(country, billing_company_name)
{
	struct pd_billing b = cn_billing();
	b.company_name = rep("司", 255);
	struct pd_verrs e = check_billing(&b, NULL);
	expect_none(&e, "255 CJK characters");
	b.company_name = rep("司", 256);
	e = check_billing(&b, NULL);
	expect_one(&e, 3000, "billingProfile.companyName", PD_MSG_TOO_LONG, "255");
	b.company_name = NULL;
	e = check_billing(&b, NULL);
	expect_one(&e, 3000, "billingProfile.companyName", PD_MSG_REQUIRED, NULL);
	b.company_name = "\xff";
	e = check_billing(&b, NULL);
	expect_one(&e, 3000, "billingProfile.companyName", PD_MSG_BAD_UTF8, NULL);
}

Test(country, billing_names_default_both_ways)
{
	struct pd_billing b = cn_billing();
	b.addr.first_name = b.addr.last_name = NULL;
	b.first_name = "小明";
	b.last_name = "李";
	struct pd_verrs e = check_billing(&b, NULL);
	expect_none(&e, "names from the billing profile");
	cr_expect_str_eq(b.addr.first_name, "小明");
	cr_expect_str_eq(b.addr.last_name, "李");

	b = cn_billing();
	b.first_name = rep("名", 50);
	e = check_billing(&b, NULL);
	expect_none(&e, "50 CJK characters");
	cr_expect_str_eq(b.addr.first_name, "伟", "a given address name is kept");
	b.first_name = rep("名", 51);
	e = check_billing(&b, NULL);
	expect_one(&e, 3000, "billingProfile.firstName", PD_MSG_TOO_LONG, "50");

	b = cn_billing();
	b.addr.first_name = b.addr.last_name = NULL;
	e = check_billing(&b, NULL);
	cr_assert_eq(e.n, 2);
	expect_at(&e, 0, 3000, ADDR ".firstName", PD_MSG_REQUIRED, NULL);
	expect_at(&e, 1, 3000, ADDR ".lastName", PD_MSG_REQUIRED, NULL);
}

static const char *const regnum_countries[] = {"AM", "AZ", "BY", "HU", "KZ", "KG",
					       "MD", "RU", "TJ", "UZ", "UA"};

static struct pd_billing ru_billing(const char *iso, const char *phone)
{
	return (struct pd_billing){
		.email = "it@contoso.ru", .culture = "en-US", .language = "en",
		.company_name = "Contoso", .addr = {.first_name = "Ivan", .last_name = "Petrov",
						    .line1 = "Tverskaya 1", .city = "Moscow",
						    .postal_code = "125009", .country = iso,
						    .phone = phone}};
}

Test(country, regnum_countries_require_regnum_and_phone)
{
	for (size_t i = 0; i < sizeof regnum_countries / sizeof regnum_countries[0]; i++) {
		const char *iso = regnum_countries[i];
		struct pd_billing b = ru_billing(iso, NULL);
		struct pd_verrs e = check_billing(&b, NULL);
		cr_assert_eq(e.n, 2, "%s: %zu errors", iso, e.n);
		expect_at(&e, 0, 600049, "companyProfile.organizationRegistrationNumber",
			  PD_MSG_REGNUM_REQUIRED, iso);
		expect_at(&e, 1, 600051, "billingProfile.defaultAddress.phoneNumber",
			  PD_MSG_PHONE_REQUIRED, iso);
		b = ru_billing(iso, "+7 495 123-45-67");
		e = check_billing(&b, "1027700132195");
		expect_none(&e, iso);
		b = ru_billing(iso, "+7 495 123-45-67");
		e = check_billing(&b, "  ");
		expect_one(&e, 600049, "companyProfile.organizationRegistrationNumber",
			   PD_MSG_REGNUM_REQUIRED, iso);
		b = ru_billing(iso, NULL);
		e = check_billing(&b, "1027700132195");
		expect_one(&e, 600051, "billingProfile.defaultAddress.phoneNumber",
			   PD_MSG_PHONE_REQUIRED, iso);
	}
	struct pd_billing b = ru_billing("ru", NULL);
	struct pd_verrs e = check_billing(&b, NULL);
	cr_assert_eq(e.n, 2);
	cr_expect_str_eq(e.v[0].arg, "RU", "the argument is the canonical code");
}

Test(country, regnum_refused_elsewhere)
{
	struct pd_billing b = cn_billing();
	struct pd_verrs e = check_billing(&b, "91110000600037341L");
	expect_none(&e, "CN takes a valid USCC");
	b = cn_billing();
	e = check_billing(&b, "91110000MA01ABCD1X");
	expect_one(&e, 3000, "companyProfile.organizationRegistrationNumber", PD_MSG_USCC_CHECK, NULL);
	b = cn_billing();
	e = check_billing(&b, "");
	expect_none(&e, "empty regnum");
	b = cn_billing();
	b.addr.phone = NULL;
	e = check_billing(&b, NULL);
	expect_none(&e, "CN needs no phone");
	b = ru_billing("US", NULL);
	b.addr.state = "NY";
	b.addr.postal_code = "10001";
	e = check_billing(&b, "123");
	expect_one(&e, 600002, "companyProfile.organizationRegistrationNumber",
		   PD_MSG_REGNUM_REFUSED, "US");
	b = cn_billing();
	b.addr.country = "XX";
	e = check_billing(&b, "123");
	expect_one(&e, 3000, ADDR ".country", PD_MSG_BAD_COUNTRY, NULL);
}

/* ---- rules document ----------------------------------------------------------------- */

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	cr_assert(json_is_string(v), "%s is not a string", k);
	return json_string_value(v);
}

static bool jbool(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	cr_assert(json_is_boolean(v), "%s is not a boolean", k);
	return json_is_true(v);
}

static json_t *jarr(json_t *o, const char *k, size_t n)
{
	json_t *v = json_object_get(o, k);
	cr_assert(json_is_array(v), "%s is not an array", k);
	cr_expect_eq(json_array_size(v), n, "%s: %zu items, want %zu", k, json_array_size(v), n);
	return v;
}

static const char *item(json_t *arr, size_t i)
{
	return json_string_value(json_array_get(arr, i));
}

Test(country, rules_cn)
{
	json_t *r = pd_country_rules_json("cn");
	cr_assert_not_null(r);
	cr_expect_str_eq(jstr(r, "iso2Code"), "CN");
	cr_expect_str_eq(jstr(r, "defaultCulture"), "zh-CN");
	cr_expect(jbool(r, "isStateRequired"));
	cr_expect(jbool(r, "isPostalCodeRequired"));
	cr_expect(jbool(r, "isCityRequired"));
	cr_expect_str_eq(jstr(r, "postalCodeRegex"), "^\\d{6}$");
	cr_expect_not(jbool(r, "customerOrganizationRegistrationNumberRequired"));
	cr_expect_not(jbool(r, "customerOrganizationPhoneNumberRequired"));
	cr_expect_not(jbool(r, "isVatIdSupported"));
	cr_expect_not(jbool(r, "isTaxIdSupported"));
	cr_expect(strlen(jstr(r, "phoneNumberRegex")) > 10);
	json_t *states = jarr(r, "supportedStatesList", 34);
	for (size_t i = 0; i < 34; i++)
		cr_expect_str_eq(item(states, i), cn_provinces[i]);
	json_t *cultures = jarr(r, "supportedCulturesList", 2);
	cr_expect_str_eq(item(cultures, 0), "zh-CN");
	cr_expect_str_eq(item(cultures, 1), "en-US");
	json_t *langs = jarr(r, "supportedLanguagesList", 2);
	cr_expect_str_eq(item(langs, 0), "zh");
	cr_expect_str_eq(item(langs, 1), "en");
	cr_expect_str_eq(item(jarr(r, "countryCallingCodesList", 1), 0), "86");
	cr_expect_str_eq(jstr(json_object_get(r, "attributes"), "objectType"),
			 "CustomerCountryValidationRules");
	json_decref(r);
}

Test(country, rules_us_states_all_validate)
{
	json_t *r = pd_country_rules_json("US");
	cr_assert_not_null(r);
	cr_expect_str_eq(jstr(r, "postalCodeRegex"), "^\\d{5}(-\\d{4})?$");
	cr_expect_str_eq(item(jarr(r, "countryCallingCodesList", 1), 0), "1");
	json_t *states = jarr(r, "supportedStatesList", 56);
	for (size_t i = 0; i < json_array_size(states); i++) {
		struct pd_address a = us_address();
		a.state = item(states, i);
		struct pd_verrs e = check(&a);
		expect_none(&e, a.state);
		cr_expect_str_eq(a.state, item(states, i));
		cr_expect_eq(strlen(a.state), 2);
	}
	json_decref(r);
}

Test(country, rules_ru_de_default_unknown)
{
	json_t *r = pd_country_rules_json("RU");
	cr_assert_not_null(r);
	cr_expect(jbool(r, "customerOrganizationRegistrationNumberRequired"));
	cr_expect(jbool(r, "customerOrganizationPhoneNumberRequired"));
	cr_expect_not(jbool(r, "isStateRequired"));
	cr_expect_not(jbool(r, "isPostalCodeRequired"));
	cr_expect_str_eq(jstr(r, "defaultCulture"), "ru-RU");
	jarr(r, "supportedStatesList", 0);
	json_t *cultures = jarr(r, "supportedCulturesList", 2);
	cr_expect_str_eq(item(cultures, 0), "ru-RU");
	cr_expect_str_eq(item(cultures, 1), "en-US");
	json_t *langs = jarr(r, "supportedLanguagesList", 2);
	cr_expect_str_eq(item(langs, 0), "ru");
	cr_expect_str_eq(item(langs, 1), "en");
	cr_expect_str_eq(item(jarr(r, "countryCallingCodesList", 1), 0), "7");
	json_decref(r);

	r = pd_country_rules_json("de");
	cr_assert_not_null(r);
	cr_expect_str_eq(jstr(r, "iso2Code"), "DE");
	cr_expect_str_eq(jstr(r, "postalCodeRegex"), "^\\d{5}$");
	cr_expect(jbool(r, "isPostalCodeRequired"));
	cr_expect_not(jbool(r, "customerOrganizationRegistrationNumberRequired"));
	json_decref(r);

	r = pd_country_rules_json("BR"); /* no row of its own: the default */
	cr_assert_not_null(r);
	cr_expect_str_eq(jstr(r, "iso2Code"), "BR");
	cr_expect_str_eq(jstr(r, "defaultCulture"), "en-US");
	jarr(r, "supportedCulturesList", 1);
	jarr(r, "countryCallingCodesList", 0);
	cr_expect_not(jbool(r, "isPostalCodeRequired"));
	json_decref(r);

	cr_expect_null(pd_country_rules_json("XX"));
	cr_expect_null(pd_country_rules_json("CHN"));
	cr_expect_null(pd_country_rules_json(""));
	cr_expect_null(pd_country_rules_json(NULL));
}

/* ---- address validation service ----------------------------------------------------- */

Test(country, validate_verified)
{
	struct pd_address a = cn_address();
	a.first_name = a.last_name = NULL; /* the service needs no names */
	json_t *r = pd_address_validate(&a, ar, PD_LOCALE_EN);
	cr_assert_not_null(r);
	cr_expect_str_eq(jstr(r, "status"), "Verified");
	jarr(r, "suggestedAddresses", 0);
	cr_expect_null(json_object_get(r, "validationMessage"));
	json_t *orig = json_object_get(r, "originalAddress");
	cr_expect_str_eq(jstr(orig, "state"), "北京市");
	cr_expect_str_eq(jstr(orig, "postalCode"), "100080");
	cr_expect_str_eq(a.state, "北京市", "the caller's address is not changed");
	json_decref(r);
}

Test(country, validate_interaction_required)
{
	struct pd_address a = cn_address();
	a.country = "cn";
	a.state = "guangdong";
	a.postal_code = "510000";
	json_t *r = pd_address_validate(&a, ar, PD_LOCALE_EN);
	cr_assert_not_null(r);
	cr_expect_str_eq(jstr(r, "status"), "InteractionRequired");
	cr_expect_null(json_object_get(r, "validationMessage"));
	json_t *orig = json_object_get(r, "originalAddress");
	cr_expect_str_eq(jstr(orig, "state"), "guangdong");
	cr_expect_str_eq(jstr(orig, "country"), "cn");
	json_t *s = json_array_get(jarr(r, "suggestedAddresses", 1), 0);
	cr_expect_str_eq(jstr(s, "state"), "广东省");
	cr_expect_str_eq(jstr(s, "country"), "CN");
	cr_expect_str_eq(jstr(s, "postalCode"), "510000");
	cr_expect_str_eq(a.state, "guangdong", "the caller's address is not changed");
	json_decref(r);

	a = us_address();
	a.state = "Washington";
	r = pd_address_validate(&a, ar, PD_LOCALE_EN);
	cr_expect_str_eq(jstr(r, "status"), "InteractionRequired");
	s = json_array_get(jarr(r, "suggestedAddresses", 1), 0);
	cr_expect_str_eq(jstr(s, "state"), "WA");
	json_decref(r);
}

Test(country, validate_not_validated)
{
	struct pd_address a = cn_address();
	a.postal_code = "12345";
	json_t *r = pd_address_validate(&a, ar, PD_LOCALE_EN);
	cr_assert_not_null(r);
	cr_expect_str_eq(jstr(r, "status"), "NotValidated");
	jarr(r, "suggestedAddresses", 0);
	cr_expect_str_eq(jstr(r, "validationMessage"),
			 "postalCode does not match the postal code format of CN.");
	json_decref(r);

	a = cn_address();
	a.state = "Canton";
	r = pd_address_validate(&a, ar, PD_LOCALE_ZH);
	cr_expect_str_eq(jstr(r, "status"), "NotValidated");
	cr_expect_str_eq(jstr(r, "validationMessage"), "state 不是 CN 的有效省份或州。");
	json_decref(r);

	a = (struct pd_address){.line1 = "x", .city = "y"};
	r = pd_address_validate(&a, ar, PD_LOCALE_DE);
	cr_expect_str_eq(jstr(r, "status"), "NotValidated");
	cr_expect_str_eq(jstr(r, "validationMessage"), "country ist erforderlich.");
	json_decref(r);
}

/* ---- China: the USCC's province in address validation -------------------------------- */

Test(country, validate_uscc_province)
{
	struct pd_address a = cn_address(); /* 北京市 */
	json_t *r = pd_address_validate_uscc(&a, "91110000600037341L", ar, PD_LOCALE_EN);
	cr_expect_str_eq(jstr(r, "status"), "Verified");
	jarr(r, "warnings", 0);
	json_decref(r);
	r = pd_address_validate_uscc(&a, "91350100M000100Y43", ar, PD_LOCALE_ZH); /* 福建 */
	cr_expect_str_eq(jstr(r, "status"), "InteractionRequired", "a warning, not a refusal");
	jarr(r, "suggestedAddresses", 0);
	json_t *w = json_array_get(jarr(r, "warnings", 1), 0);
	cr_expect_str_eq(jstr(w, "code"), "UsccProvinceMismatch");
	cr_expect_str_eq(jstr(w, "province"), "福建省");
	cr_expect(strstr(jstr(w, "message"), "福建省的登记机关") != NULL, "%s", jstr(w, "message"));
	cr_expect_str_eq(jstr(r, "validationMessage"), jstr(w, "message"));
	json_decref(r);
	a.state = "fujian"; /* canonicalised first, then compared */
	r = pd_address_validate_uscc(&a, "91350100M000100Y43", ar, PD_LOCALE_EN);
	jarr(r, "warnings", 0);
	json_decref(r);
	a = cn_address();
	r = pd_address_validate_uscc(&a, "11100000000013127D", ar, PD_LOCALE_EN); /* national */
	jarr(r, "warnings", 0);
	json_decref(r);
	r = pd_address_validate(&a, ar, PD_LOCALE_EN);
	cr_expect_null(json_object_get(r, "warnings"), "no code, no warnings member");
	json_decref(r);
	a = (struct pd_address){.state = "guangdong", .country = "CN"}; /* only the province yet */
	r = pd_address_validate_uscc(&a, "91350100M000100Y43", ar, PD_LOCALE_EN);
	cr_expect_str_eq(jstr(r, "status"), "NotValidated");
	jarr(r, "warnings", 1);
	json_decref(r);
	a.state = "火星"; /* no province: nothing to compare */
	r = pd_address_validate_uscc(&a, "91350100M000100Y43", ar, PD_LOCALE_EN);
	jarr(r, "warnings", 0);
	json_decref(r);
}

/* ---- China: fapiao details (fapiao.c through pd_billing_check) ----------------------- */

#define FP "billingProfile.fapiao."

static struct pd_fapiao *fapiao(const char *type)
{
	struct pd_fapiao *f = pd_alloc(ar, sizeof *f);
	*f = (struct pd_fapiao){.invoice_type = type, .digital = -1, .taxpayer_id = "91110000600037341L",
				.registered_address = "北京市海淀区中关村大街1号", .registered_phone = "010-62345678",
				.bank_name = "中国工商银行北京中关村支行", .bank_account = "0200 0045 0920 1234 567",
				.recipient_name = "王伟", .recipient_mobile = "+86 138 0013 8000",
				.recipient_email = "fapiao@contoso.cn"};
	return f;
}

static struct pd_verrs check_fapiao(struct pd_fapiao *f, const char *regnum)
{
	struct pd_billing b = cn_billing();
	b.fapiao = f;
	return check_billing(&b, regnum);
}

Test(country, fapiao_valid_and_defaults)
{
	struct pd_fapiao *f = fapiao("special");
	struct pd_verrs e = check_fapiao(f, NULL);
	expect_none(&e, "a full special invoice");
	cr_expect_str_eq(f->bank_account, "0200004509201234567", "stored as digits");
	cr_expect_eq(f->digital, 0, "digital defaults to false");
	cr_expect_str_eq(f->title, "北京某某科技有限公司", "the title defaults to the company name");
	f = pd_alloc(ar, sizeof *f);
	*f = (struct pd_fapiao){.digital = 1};
	e = check_fapiao(f, "91350100m000100y43");
	expect_none(&e, "ordinary, taxpayer id from the company profile");
	cr_expect_str_eq(f->invoice_type, "ordinary");
	cr_expect_str_eq(f->taxpayer_id, "91350100M000100Y43");
	cr_expect_eq(f->digital, 1);
}

Test(country, fapiao_special_needs_address_phone_bank_account)
{
	struct pd_fapiao *f = fapiao("special");
	f->registered_address = f->registered_phone = f->bank_name = f->bank_account = NULL;
	struct pd_verrs e = check_fapiao(f, NULL);
	cr_assert_eq(e.n, 4);
	expect_at(&e, 0, 3000, FP "registeredAddress", PD_MSG_FAPIAO_SPECIAL, NULL);
	expect_at(&e, 1, 3000, FP "registeredPhone", PD_MSG_FAPIAO_SPECIAL, NULL);
	expect_at(&e, 2, 3000, FP "bankName", PD_MSG_FAPIAO_SPECIAL, NULL);
	expect_at(&e, 3, 3000, FP "bankAccount", PD_MSG_FAPIAO_SPECIAL, NULL);
	f = fapiao("ordinary");
	f->registered_address = f->registered_phone = f->bank_name = f->bank_account = NULL;
	e = check_fapiao(f, NULL);
	expect_none(&e, "an ordinary invoice needs none of them");
}

Test(country, fapiao_each_field)
{
	struct {
		const char *field;
		size_t off;
		const char *value;
		enum pd_msg msg;
	} bad[] = {
		{"invoiceType", offsetof(struct pd_fapiao, invoice_type), "vat", PD_MSG_BAD_ENUM},
		{"taxpayerId", offsetof(struct pd_fapiao, taxpayer_id), "91110000600037341X", PD_MSG_USCC_CHECK},
		{"taxpayerId", offsetof(struct pd_fapiao, taxpayer_id), "9111000060003734", PD_MSG_USCC_LENGTH},
		{"registeredPhone", offsetof(struct pd_fapiao, registered_phone), "12345", PD_MSG_BAD_PHONE},
		{"bankAccount", offsetof(struct pd_fapiao, bank_account), "1234567", PD_MSG_BAD_ACCOUNT},
		{"bankAccount", offsetof(struct pd_fapiao, bank_account), rep("1", 31), PD_MSG_BAD_ACCOUNT},
		{"bankAccount", offsetof(struct pd_fapiao, bank_account), "6222-0212-ABCD", PD_MSG_BAD_ACCOUNT},
		{"recipientMobile", offsetof(struct pd_fapiao, recipient_mobile), "010-62345678", PD_MSG_BAD_MOBILE},
		{"recipientEmail", offsetof(struct pd_fapiao, recipient_email), "fapiao@", PD_MSG_BAD_EMAIL},
		{"title", offsetof(struct pd_fapiao, title), rep("税", 101), PD_MSG_TOO_LONG},
		{"registeredAddress", offsetof(struct pd_fapiao, registered_address), rep("路", 201), PD_MSG_TOO_LONG},
		{"bankName", offsetof(struct pd_fapiao, bank_name), rep("行", 101), PD_MSG_TOO_LONG},
		{"recipientName", offsetof(struct pd_fapiao, recipient_name), rep("名", 51), PD_MSG_TOO_LONG},
		{"recipientName", offsetof(struct pd_fapiao, recipient_name), "王\u202e伟", PD_MSG_BIDI},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pd_fapiao *f = fapiao("special");
		*(const char **)((char *)f + bad[i].off) = bad[i].value;
		struct pd_verrs e = check_fapiao(f, NULL);
		cr_expect_eq(e.n, 1, "%s=%s: %zu errors", bad[i].field, bad[i].value, e.n);
		cr_expect_str_eq(e.v[0].field, pd_printf(ar, FP "%s", bad[i].field));
		cr_expect_eq(e.v[0].msg, bad[i].msg, "%s: msg %d", bad[i].field, (int)e.v[0].msg);
	}
	/* at the limits: accepted */
	struct pd_fapiao *f = fapiao("special");
	f->bank_account = rep("1", 30);
	f->title = rep("税", 100);
	struct pd_verrs e = check_fapiao(f, NULL);
	expect_none(&e, "30 digits, a 100-character title");
	f = fapiao("special");
	f->bank_account = "12345678";
	f->registered_phone = "13800138000"; /* a mobile is a phone too */
	e = check_fapiao(f, NULL);
	expect_none(&e, "8 digits");
}

Test(country, fapiao_taxpayer_id_required)
{
	struct pd_fapiao *f = fapiao("ordinary");
	f->taxpayer_id = NULL;
	struct pd_verrs e = check_fapiao(f, NULL);
	expect_one(&e, 3000, FP "taxpayerId", PD_MSG_REQUIRED, NULL);
	f = fapiao("ordinary");
	f->taxpayer_id = NULL;
	e = check_fapiao(f, "91110000600037341X"); /* an invalid company code is no default */
	cr_expect_eq(e.n, 2);
	expect_at(&e, 0, 3000, "companyProfile.organizationRegistrationNumber", PD_MSG_USCC_CHECK, NULL);
	expect_at(&e, 1, 3000, FP "taxpayerId", PD_MSG_REQUIRED, NULL);
}

Test(country, fapiao_refused_outside_cn)
{
	struct pd_billing b = ru_billing("US", NULL);
	b.addr.state = "NY";
	b.addr.postal_code = "10001";
	b.fapiao = fapiao("ordinary");
	struct pd_verrs e = check_billing(&b, NULL);
	expect_one(&e, 3000, "billingProfile.fapiao", PD_MSG_FAPIAO_COUNTRY, "US");
}
