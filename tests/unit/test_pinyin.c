/* test_pinyin.c - unit tests of src/core/pinyin.c (the Unihan reading table), zhconv.c
 * (OpenCC t2s) and search.c: name keys, search texts, the alternatives a typed value is
 * searched as, and the normalised names duplicates are found by. */
#include <criterion/criterion.h>
#include <string.h>
#include "arena.h"
#include "pinyin.h"
#include "search.h"
#include "zhconv.h"

static struct pd_arena *ar;

static void setup(void)
{
	ar = pd_arena_new();
}

static void teardown(void)
{
	pd_arena_free(ar);
}

TestSuite(pinyin, .init = setup, .fini = teardown);

/* The readings of the one character in utf8 `ch`, space-separated. */
static const char *readings(const char *ch)
{
	const char *r[PD_PINYIN_MAX];
	uint32_t cp = 0;
	const unsigned char *p = (const unsigned char *)ch;
	if (p[0] >= 0xf0)
		cp = (uint32_t)(p[0] & 7) << 18 | (uint32_t)(p[1] & 63) << 12 | (uint32_t)(p[2] & 63) << 6 | (p[3] & 63);
	else
		cp = (uint32_t)(p[0] & 15) << 12 | (uint32_t)(p[1] & 63) << 6 | (p[2] & 63);
	int n = pd_pinyin_readings(cp, r);
	char *out = pd_alloc(ar, 64);
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, r[i]);
	}
	return out;
}

Test(pinyin, readings_customary_first_toneless)
{
	cr_assert_str_eq(readings("北"), "bei");
	cr_assert_str_eq(readings("京"), "jing");
	cr_assert_str_eq(readings("云"), "yun");
	cr_assert_str_eq(readings("端"), "duan");
	cr_assert_str_eq(readings("绿"), "lv lu"); /* ü as v */
}

Test(pinyin, readings_polyphonic_modern_only)
{
	cr_assert_str_eq(readings("重"), "zhong chong"); /* not kHanyuPinyin's historical tong */
	cr_assert_str_eq(readings("长"), "zhang chang");
	cr_assert_str_eq(readings("行"), "xing hang heng");
	cr_assert_str_eq(readings("台"), "tai");
}

Test(pinyin, readings_none_for_non_han)
{
	const char *r[PD_PINYIN_MAX];
	cr_assert_eq(pd_pinyin_readings('a', r), 0);
	cr_assert_eq(pd_pinyin_readings(0x3002, r), 0); /* 。 */
	cr_assert_eq(pd_pinyin_readings(0xff08, r), 0); /* （ */
}

Test(pinyin, zh_simplified)
{
	cr_assert_str_eq(pd_zh_simplified(ar, "臺灣"), "台湾");
	cr_assert_str_eq(pd_zh_simplified(ar, "廣州雲端科技有限公司"), "广州云端科技有限公司");
	cr_assert_str_eq(pd_zh_simplified(ar, "台湾"), "台湾");
	cr_assert_str_eq(pd_zh_simplified(ar, "Contoso Ltd."), "Contoso Ltd.");
	cr_assert_null(pd_zh_simplified(ar, NULL));
}

Test(pinyin, name_key_folds_width_case_and_script)
{
	cr_assert_str_eq(pd_name_key(ar, "（北京）"), "(北京)");
	cr_assert_str_eq(pd_name_key(ar, "ＢＪＹＤ"), "bjyd");
	cr_assert_str_eq(pd_name_key(ar, "臺灣雲端"), "台湾云端");
	cr_assert_str_eq(pd_name_key(ar, "MÜLLER"), "müller");
	cr_assert_str_eq(pd_name_key(ar, "a\x1f" "b"), "a b"); /* the separator never stays */
	cr_assert_null(pd_name_key(ar, "\xff"));
}

Test(pinyin, search_text_holds_key_syllables_initials)
{
	const char *t = pd_search_text(ar, "北京云端科技有限公司");
	cr_assert_str_eq(t, "北京云端科技有限公司\x1f" "beijingyunduankeji\x1f" "bjydkj\x1f"
			    "\x1e北京\x1e京云\x1e云端\x1e端科\x1e科技");
}

Test(pinyin, search_text_pinyin_leaves_out_the_legal_form)
{
	cr_assert_not(pd_search_contains(pd_search_text(ar, "北京云端科技有限公司"), "xian"));
	cr_assert(pd_search_contains(pd_search_text(ar, "西安恒达物流有限公司"), "xian"));
	cr_assert(pd_search_contains(pd_search_text(ar, "北京云端科技有限公司"), "有限公司")); /* the key keeps it */
}

Test(pinyin, search_text_other_readings_in_a_window)
{
	const char *t = pd_search_text(ar, "重庆云端");
	cr_assert_str_eq(t, "重庆云端\x1f" "zhongqingyunduan\x1f" "zqyd\x1f" "chongqingyunduan\x1f" "cqyd\x1f"
			    "\x1e重庆\x1e庆云\x1e云端");
}

Test(pinyin, search_text_of_latin_name_is_its_key)
{
	cr_assert_str_eq(pd_search_text(ar, "Contoso Ltd."), "contoso ltd.");
}

Test(pinyin, search_text_mixed_keeps_latin)
{
	cr_assert_str_eq(pd_search_text(ar, "北京 ABC（科技）"), "北京 abc(科技)\x1f" "beijingabckeji\x1f" "bjabckj\x1f"
			    "\x1e北京\x1e科技"); /* pairs only of adjacent Han characters */
}

static const char *terms(const char *v)
{
	const char *t[PD_SEARCH_TERMS];
	int n = pd_search_terms(ar, pd_name_key(ar, v), t);
	return pd_search_join(ar, t, n);
}

Test(pinyin, terms_of_han_value_is_the_key)
{
	cr_assert_str_eq(terms("北京云端"), "北京云端");
	cr_assert_str_eq(terms("臺灣雲端"), "台湾云端");
	cr_assert_str_eq(terms("北"), "北");
}

Test(pinyin, terms_of_two_han_characters_are_a_pair)
{
	cr_assert_str_eq(terms("北京"), "\x1e北京"); /* three code points: the trigram index answers */
	cr_assert_str_eq(terms("臺灣"), "\x1e台湾");
	cr_assert_str_eq(terms("北y"), "北y\x1f" "beiy\x1f" "by");
	cr_assert_str_eq(terms("公司"), "公司"); /* a legal form's: scanned for */
	cr_assert_str_eq(terms("技有"), "技有");
}

Test(pinyin, terms_of_pinyin_drop_spaces_tones_apostrophes)
{
	cr_assert_str_eq(terms("bjyd"), "bjyd");
	cr_assert_str_eq(terms("beijing yunduan"), "beijing yunduan\x1f" "beijingyunduan");
	cr_assert_str_eq(terms("Běijīng"), "běijīng\x1f" "beijing");
	cr_assert_str_eq(terms("xi'an"), "xi'an\x1f" "xian");
	cr_assert_str_eq(terms("lǜ"), "lǜ\x1f" "lv");
}

Test(pinyin, terms_of_mixed_value)
{
	cr_assert_str_eq(terms("北京yd"), "北京yd\x1f" "beijingyd\x1f" "bjyd");
	cr_assert_str_eq(terms("北京yunduan"), "北京yunduan\x1f" "beijingyunduan\x1f" "bjyunduan");
}

/* The whole way: a typed value finds a name when one of its terms is in the name's text. */
static bool finds(const char *value, const char *name)
{
	return pd_search_contains(pd_search_text(ar, name), terms(value));
}

Test(pinyin, finds_every_way_of_typing)
{
	const char *name = "北京云端科技有限公司";
	const char *yes[] = {"beijingyunduan", "beijing yunduan", "bjyd", "yunduan", "北京yd", "BJYD",
			     "běijīng yúnduān", "北京云端", "北京雲端", "ｂｊｙｄ", "北京yunduan"};
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		cr_assert(finds(yes[i], name), "%s should find %s", yes[i], name);
	cr_assert_not(finds("shanghai", name));
	cr_assert_not(finds("bjyx", name));
	cr_assert_not(finds("gongsibj", name)); /* no match across the parts */
}

Test(pinyin, finds_polyphonic_and_script_variants)
{
	cr_assert(finds("chongqing", "重庆华信科技有限公司"));
	cr_assert(finds("zhongqing", "重庆华信科技有限公司"));
	cr_assert(finds("cq", "重庆华信科技有限公司"));
	cr_assert(finds("xian", "西安恒达物流有限公司"));
	cr_assert_not(finds("xian", "北京云端科技有限公司"));
	cr_assert(finds("臺灣", "台湾云端有限公司"));
	cr_assert(finds("台湾", "臺灣雲端有限公司"));
	cr_assert(finds("廣州", "广州瑞航物流有限公司"));
	cr_assert(finds("（北京）", "华信(北京)科技股份有限公司"));
	cr_assert(finds("(北京)", "华信（北京）科技股份有限公司"));
}

Test(pinyin, contains)
{
	cr_assert(pd_search_contains("abc\x1f" "def", "zz\x1f" "de"));
	cr_assert_not(pd_search_contains("abc\x1f" "def", "cd"));
	cr_assert_not(pd_search_contains("abc", ""));
}

Test(pinyin, dup_key_ignores_legal_forms_punctuation_script)
{
	const char *k = pd_dup_key(ar, "北京云端科技有限公司");
	cr_assert_str_eq(k, "北京云端科技");
	cr_assert_str_eq(pd_dup_key(ar, "北京雲端科技股份有限公司"), k);
	cr_assert_str_eq(pd_dup_key(ar, "北京云端科技有限责任公司"), k);
	cr_assert_str_eq(pd_dup_key(ar, "北京 云端·科技"), k);
	cr_assert_str_eq(pd_dup_key(ar, "（北京）云端科技公司"), k);
	cr_assert_str_eq(pd_dup_key(ar, "Contoso Co., Ltd."), "contoso");
	cr_assert_str_eq(pd_dup_key(ar, "CONTOSO LTD"), "contoso");
	cr_assert_str_eq(pd_dup_key(ar, "Contoso, Inc."), "contoso");
	cr_assert_str_eq(pd_dup_key(ar, "Contoso GmbH & Co. KG"), "contoso");
	cr_assert_str_eq(pd_dup_key(ar, "Ｃｏｎｔｏｓｏ　Ｌｔｄ．"), "contoso");
}

Test(pinyin, dup_key_keeps_what_is_not_a_legal_form)
{
	cr_assert_str_eq(pd_dup_key(ar, "Zinc Mining"), "zincmining"); /* "inc" only as a word */
	cr_assert_str_eq(pd_dup_key(ar, "有限公司"), "有限公司");
	cr_assert_str_eq(pd_dup_key(ar, "Limited"), "limited");
	cr_assert_str_neq(pd_dup_key(ar, "北京云端科技"), pd_dup_key(ar, "上海云端科技"));
	cr_assert_null(pd_dup_key(ar, "\xff"));
}

Test(pinyin, long_values_are_searched_whole)
{
	char name[2048] = "", value[2048] = "";
	for (int i = 0; i < 200; i++)
		strcat(name, "壮"); /* zhuang */
	for (int i = 0; i < 199; i++)
		strcat(value, "壮");
	strcat(value, "zhuang"); /* its syllables: a term of 1,200 bytes */
	cr_assert(finds(value, name));
	strcat(value, "x");
	cr_assert_not(finds(value, name));
}

Test(pinyin, umlaut_family_is_v)
{
	cr_assert_str_eq(terms("lǘ lǚ lü"), "lǘ lǚ lü\x1f" "lvlvlv");
}

Test(pinyin, finds_two_characters_by_their_pair)
{
	cr_assert(finds("科技", "北京云端科技有限公司"));
	cr_assert(finds("公司", "北京云端科技有限公司"));
	cr_assert(finds("臺灣", "台湾云端有限公司"));
	cr_assert_not(finds("京端", "北京云端科技有限公司"));
	cr_assert_not(finds("北京", "北 京云端"));
	cr_assert_str_eq(pd_search_text(ar, "Contoso 有限公司"), "contoso 有限公司"); /* no pairs but legal ones */
	cr_assert_str_eq(pd_search_text(ar, "Contoso 华信公司"),
			 "contoso 华信公司\x1f" "contosohuaxin\x1f" "contosohx\x1f" "\x1e华信");
	cr_assert(finds("公司", "Contoso 有限公司"));
	cr_assert(finds("技有", "北京云端科技有限公司"));
}
