/* test_text.c - unit tests of src/core/text.c: search keys (NFC + full case folding with
 * utf8proc), code-point lengths, LIKE escaping and the bidirectional-control rule. */
#include <criterion/criterion.h>
#include <string.h>
#include "arena.h"
#include "text.h"

static struct pd_arena *ar;

static void setup(void)
{
	ar = pd_arena_new();
}

static void teardown(void)
{
	pd_arena_free(ar);
}

TestSuite(text, .init = setup, .fini = teardown);

static const char *key(const char *s)
{
	return pd_text_key(ar, s);
}

/* ---- pd_text_key -------------------------------------------------------------------- */

Test(text, key_ascii_case_folding)
{
	cr_assert_str_eq(key("Contoso Ltd."), "contoso ltd.");
	cr_assert_str_eq(key("CONTOSO"), key("contoso"));
	cr_assert_str_eq(key("MiXeD 123 !?"), "mixed 123 !?");
	cr_assert_str_eq(key(""), "");
}

Test(text, key_umlauts)
{
	cr_assert_str_eq(key("MÜLLER"), "müller");
	cr_assert_str_eq(key("Müller"), "müller");
	cr_assert_str_eq(key("ÄÖÜ"), "äöü");
}

Test(text, key_sharp_s_full_folding)
{
	/* full case folding (CaseFolding.txt status F): ß -> "ss", so Straße == STRASSE */
	cr_assert_str_eq(key("Straße"), "strasse");
	cr_assert_str_eq(key("STRASSE"), "strasse");
	cr_assert_str_eq(key("Straße"), key("STRASSE"));
	cr_assert_str_eq(key("ẞ"), "ss", "capital sharp s");
}

Test(text, key_nfc)
{
	/* "Mu" + U+0308 COMBINING DIAERESIS + "ller" composes to "müller" */
	const char *decomposed = "Mu\xcc\x88ller";
	cr_assert_str_eq(key(decomposed), "m\xc3\xbcller");
	cr_assert_str_eq(key(decomposed), key("Müller"));
	cr_assert_str_eq(key("MU\xcc\x88LLER"), key("müller"));
	/* Å as A + ring and as U+212B ANGSTROM SIGN */
	cr_assert_str_eq(key("A\xcc\x8a"), key("\xc3\x85"));
	cr_assert_str_eq(key("\xe2\x84\xab"), "\xc3\xa5");
}

Test(text, key_cjk_unchanged)
{
	cr_assert_str_eq(key("北京某某科技有限公司"), "北京某某科技有限公司");
	cr_assert_str_eq(key("中文"), "中文");
	cr_assert_str_eq(key("東京ＡＢＣ"), "東京ａｂｃ", "full-width Latin folds, CJK stays");
	cr_assert_str_eq(key("上海ABC有限公司"), "上海abc有限公司");
}

Test(text, key_greek_and_cyrillic)
{
	cr_assert_str_eq(key("ΑΘΗΝΑ"), "αθηνα");
	cr_assert_str_eq(key("Σ"), "σ");
	cr_assert_str_eq(key("МОСКВА"), "москва");
}

Test(text, key_invalid_utf8_is_null)
{
	cr_assert_null(key("abc\xff"));
	cr_assert_null(key("\xc3"), "truncated sequence");
	cr_assert_null(key("\xc3\x28"), "bad continuation byte");
	cr_assert_null(key("\xed\xa0\x80"), "a UTF-16 surrogate");
	cr_assert_null(key("\xc0\xaf"), "an overlong encoding");
	cr_assert_null(key("\xf4\x90\x80\x80"), "beyond U+10FFFF");
}

Test(text, key_is_arena_string)
{
	const char *k = key("ABC");
	cr_assert_not_null(k);
	cr_assert_eq(((unsigned long)(const void *)k) % 16, 0, "allocated from the arena (aligned)");
}

/* ---- pd_utf8_len -------------------------------------------------------------------- */

Test(text, utf8_len_counts_code_points)
{
	cr_assert_eq(pd_utf8_len(""), 0);
	cr_assert_eq(pd_utf8_len("abc"), 3);
	cr_assert_eq(pd_utf8_len("中文"), 2);
	cr_assert_eq(strlen("中文"), 6);
	cr_assert_eq(pd_utf8_len("Müller"), 6);
	cr_assert_eq(pd_utf8_len("Mu\xcc\x88ller"), 7, "a combining mark is a code point");
	cr_assert_eq(pd_utf8_len("\xf0\x9f\x98\x80"), 1, "a 4-byte emoji");
	cr_assert_eq(pd_utf8_len("北京某某科技有限公司"), 10);
}

Test(text, utf8_len_invalid)
{
	cr_assert_eq(pd_utf8_len("abc\xff"), -1);
	cr_assert_eq(pd_utf8_len("\xe4\xb8"), -1, "truncated 3-byte sequence");
	cr_assert_eq(pd_utf8_len("\x80"), -1, "lone continuation byte");
	cr_assert_eq(pd_utf8_len("\xed\xa0\x80"), -1, "surrogate");
	cr_assert_eq(pd_utf8_len("\xc0\x80"), -1, "overlong NUL");
}

/* ---- pd_like_escape ----------------------------------------------------------------- */

Test(text, like_escape)
{
	cr_assert_str_eq(pd_like_escape(ar, "plain"), "plain");
	cr_assert_str_eq(pd_like_escape(ar, ""), "");
	cr_assert_str_eq(pd_like_escape(ar, "50%"), "50\\%");
	cr_assert_str_eq(pd_like_escape(ar, "a_b"), "a\\_b");
	cr_assert_str_eq(pd_like_escape(ar, "c:\\x"), "c:\\\\x");
	cr_assert_str_eq(pd_like_escape(ar, "%_\\"), "\\%\\_\\\\");
	cr_assert_str_eq(pd_like_escape(ar, "%%%%"), "\\%\\%\\%\\%", "worst case doubles");
	cr_assert_str_eq(pd_like_escape(ar, "中_文"), "中\\_文");
}

/* ---- bidirectional controls -------------------------------------------------------- */

Test(text, bidi_every_control_is_found_by_name)
{
	static const struct { const char *s, *name; } cases[] = {
		{"\u202Agnp.exe", "U+202A"}, {"a\u202Bb", "U+202B"}, {"a\u202C", "U+202C"},
		{"\u202D", "U+202D"},        {"\u202Egnp.exe", "U+202E"}, {"x\u2066y", "U+2066"},
		{"x\u2067", "U+2067"},       {"\u2068x\u2069", "U+2068"}, {"x\u2069", "U+2069"},
		{"Contoso\u200E", "U+200E"}, {"\u200Fx", "U+200F"},       {"\u061C", "U+061C"},
		{"康托索\u202E有限公司", "U+202E"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = pd_text_bidi(cases[i].s);
		cr_assert(got, "case %zu not found", i);
		cr_expect_str_eq(got, cases[i].name, "case %zu", i);
	}
}

Test(text, bidi_ordinary_text_passes)
{
	const char *ok[] = {"Contoso Ltd.", "康托索（北京）科技有限公司", "Müller GmbH", "שלום עולם",
			    "مرحبا", "\u2029\u200D\u200C\u2060\u2065\u206A", "\u202F\u2029", "", NULL};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		cr_expect_null(pd_text_bidi(ok[i]), "case %zu", i);
}

Test(text, bidi_found_after_invalid_utf8)
{
	cr_expect_str_eq(pd_text_bidi("\xff\xc3x\u202E"), "U+202E");
	cr_expect_null(pd_text_bidi("\xe2\x80")); /* a cut-off U+202E is not one */
}

Test(text, bidi_check_adds_the_error_naming_the_field)
{
	struct pd_verrs e = {0};
	cr_assert(pd_text_check_bidi(&e, "displayName", "Nightly import"));
	cr_assert(pd_text_check_bidi(&e, "displayName", NULL));
	cr_assert_eq(e.n, 0);
	cr_assert(!pd_text_check_bidi(&e, "displayName", "\u202Egnp.exe"));
	cr_assert_eq(e.n, 1);
	cr_expect_eq(e.v[0].code, 3000);
	cr_expect_str_eq(e.v[0].field, "displayName");
	cr_expect_eq(e.v[0].msg, PD_MSG_BIDI);
	cr_expect_str_eq(e.v[0].arg, "U+202E");
}
