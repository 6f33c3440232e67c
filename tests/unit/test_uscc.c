/* test_uscc.c - unit tests of src/core/uscc.c (GB 32100-2015): valid codes from public
 * sources and from every authority, and each wrong part on its own: length, a character
 * outside the alphabet (and its position), the authority, the category, the division code,
 * the check character; the 400 errors pd_uscc_verr makes of them; and the province a code
 * belongs to (country.c's table, GB/T 2260). */
#include <criterion/criterion.h>
#include <string.h>
#include "arena.h"
#include "country.h"
#include "err.h"
#include "messages.h"
#include "uscc.h"

static struct pd_arena *ar;

static void setup(void)
{
	ar = pd_arena_new();
}

static void teardown(void)
{
	pd_arena_free(ar);
}

TestSuite(uscc, .init = setup, .fini = teardown);

#define FIELD "companyProfile.organizationRegistrationNumber"

static enum pd_uscc_err check(const char *s)
{
	struct pd_uscc_result r;
	return pd_uscc_check(s, &r);
}

Test(uscc, valid_codes)
{
	const char *ok[] = {
		"91350100M000100Y43", /* public examples */
		"91110000600037341L",
		"11100000000013127D", /* 机构编制, national level */
		"52440300MJL17310XW", /* 民政 民办非企业单位, 深圳 */
		"Y1110108MA00ABCD16", /* 其他 */
		"N2110108MA00ABCD1B", /* 农业 村级集体经济组织 */
		"91820000MA00ABCD16", /* 澳门 */
		"92440300MA5DXXXX1N", /* 个体工商户 */
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct pd_uscc_result r;
		cr_expect_eq(pd_uscc_check(ok[i], &r), PD_USCC_OK, "%s", ok[i]);
		cr_expect_str_eq(r.canon, ok[i]);
	}
}

Test(uscc, lower_case_is_read_as_upper_case)
{
	struct pd_uscc_result r;
	cr_assert_eq(pd_uscc_check("91110000600037341l", &r), PD_USCC_OK);
	cr_expect_str_eq(r.canon, "91110000600037341L");
}

Test(uscc, check_character)
{
	cr_expect_eq(pd_uscc_check_char("91350100M000100Y4"), '3');
	cr_expect_eq(pd_uscc_check_char("91110000600037341"), 'L');
	cr_expect_eq(pd_uscc_check_char("9111000060003734I"), 0, "I is outside the alphabet");
	/* every other check character is refused */
	const char *alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	char s[19] = "91110000600037341L";
	for (const char *p = alphabet; *p; p++) {
		s[17] = *p;
		cr_expect_eq(check(s), *p == 'L' ? PD_USCC_OK : PD_USCC_CHECK, "%s", s);
	}
	/* one changed character, and two swapped, are caught */
	cr_expect_eq(check("91110000600037351L"), PD_USCC_CHECK);
	cr_expect_eq(check("91110000600073341L"), PD_USCC_CHECK);
}

Test(uscc, length)
{
	struct pd_uscc_result r;
	cr_expect_eq(pd_uscc_check("91110000600037341", &r), PD_USCC_LENGTH);
	cr_expect_eq(r.len, 17);
	cr_expect_eq(pd_uscc_check("91110000600037341LL", &r), PD_USCC_LENGTH);
	cr_expect_eq(r.len, 19);
	cr_expect_eq(pd_uscc_check("", &r), PD_USCC_LENGTH);
	cr_expect_eq(pd_uscc_check(NULL, &r), PD_USCC_LENGTH);
	/* 18 characters, one of them full width: a character error, not a length error */
	cr_expect_eq(pd_uscc_check("９1110000600037341L", &r), PD_USCC_CHAR);
	cr_expect_eq(r.pos, 1);
}

Test(uscc, characters_and_their_position)
{
	struct pd_uscc_result r;
	const struct {
		const char *code;
		int pos;
	} bad[] = {
		{"91110000600037341I", 18}, {"9111000060003734O1", 17}, {"91110000S00037341L", 9},
		{"9111000060003734ZL", 17}, {"9111000060V037341L", 11}, {"91-10000600037341L", 3},
		{"9111A000600037341L", 5},  /* a letter in the division code */
		{"91110000600037341 ", 18},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_expect_eq(pd_uscc_check(bad[i].code, &r), PD_USCC_CHAR, "%s", bad[i].code);
		cr_expect_eq(r.pos, bad[i].pos, "%s: position %d", bad[i].code, r.pos);
		cr_expect_str_eq(r.canon, "");
	}
}

Test(uscc, authority_and_category)
{
	/* authority: B, C, H, ... are no authority; 2-8, A, N, Y are */
	cr_expect_eq(check("B1110000600037341L"), PD_USCC_AUTHORITY);
	cr_expect_eq(check("01110000600037341L"), PD_USCC_AUTHORITY);
	cr_expect_eq(check("H1110000600037341L"), PD_USCC_AUTHORITY);
	/* category: 9 (工商) has 1-3 only, 5 (民政) 1 2 3 9, Y only 1 */
	cr_expect_eq(check("94110000600037341L"), PD_USCC_CATEGORY);
	cr_expect_eq(check("99110000600037341L"), PD_USCC_CATEGORY);
	cr_expect_eq(check("54110000600037341L"), PD_USCC_CATEGORY);
	cr_expect_eq(check("Y2110000600037341L"), PD_USCC_CATEGORY);
	cr_expect_eq(check("9A110000600037341L"), PD_USCC_CATEGORY);
}

Test(uscc, division_code)
{
	cr_expect_eq(check("91990000600037341L"), PD_USCC_DIVISION, "99 is no province");
	cr_expect_eq(check("91000000600037341L"), PD_USCC_DIVISION);
	cr_expect_eq(check("91160000600037341L"), PD_USCC_DIVISION);
	cr_expect_eq(check("91720000600037341L"), PD_USCC_DIVISION);
}

Test(uscc, verr_names_the_field_and_the_part)
{
	const struct {
		const char *code;
		enum pd_msg msg;
		const char *arg;
	} cases[] = {
		{"9111000060003734", PD_MSG_USCC_LENGTH, "16"},
		{"91110000600037341I", PD_MSG_USCC_CHAR, "18"},
		{"b1110000600037341L", PD_MSG_USCC_AUTHORITY, "B"},
		{"94110000600037341L", PD_MSG_USCC_CATEGORY, "4"},
		{"91990000600037341L", PD_MSG_USCC_DIVISION, "990000"},
		{"91110000600037341X", PD_MSG_USCC_CHECK, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct pd_verrs e = {0};
		cr_expect_null(pd_uscc_verr(cases[i].code, FIELD, &e, ar), "%s", cases[i].code);
		cr_assert_eq(e.n, 1, "%s", cases[i].code);
		cr_expect_eq(e.v[0].code, 3000);
		cr_expect_str_eq(e.v[0].field, FIELD);
		cr_expect_eq(e.v[0].msg, cases[i].msg, "%s: msg %d", cases[i].code, (int)e.v[0].msg);
		if (cases[i].arg)
			cr_expect_str_eq(e.v[0].arg, cases[i].arg, "%s", cases[i].code);
	}
	struct pd_verrs e = {0};
	cr_expect_str_eq(pd_uscc_verr("91350100m000100y43", FIELD, &e, ar), "91350100M000100Y43");
	cr_expect_eq(e.n, 0);
}

Test(uscc, messages_in_three_languages)
{
	char buf[512];
	pd_msg_render(buf, sizeof buf, PD_MSG_USCC_CHAR, PD_LOCALE_ZH, FIELD, "9");
	cr_expect(strstr(buf, "第 9 位") != NULL, "%s", buf);
	pd_msg_render(buf, sizeof buf, PD_MSG_USCC_CHAR, PD_LOCALE_DE, FIELD, "9");
	cr_expect(strstr(buf, "Position 9") != NULL, "%s", buf);
	pd_msg_render(buf, sizeof buf, PD_MSG_USCC_CHECK, PD_LOCALE_EN, FIELD, NULL);
	cr_expect(strstr(buf, "check character") != NULL, "%s", buf);
}

Test(uscc, province_of_a_code)
{
	char code[3];
	cr_expect(pd_uscc_province("91350100M000100Y43", code));
	cr_expect_str_eq(code, "35");
	cr_expect_not(pd_uscc_province("11100000000013127D", code), "national level");
	cr_expect_str_eq(pd_uscc_province_name("91350100M000100Y43"), "福建省");
	cr_expect_str_eq(pd_uscc_province_name("91110000600037341L"), "北京市");
	cr_expect_str_eq(pd_uscc_province_name("52440300MJL17310XW"), "广东省");
	cr_expect_str_eq(pd_uscc_province_name("91820000MA00ABCD16"), "澳门特别行政区");
	cr_expect_null(pd_uscc_province_name("11100000000013127D"));
}
