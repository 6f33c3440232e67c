/* test_domain.c - unit tests of src/core/domain.c: the default-domain prefix rule (1-27 ASCII
 * letters or digits), normalisation against the deployment's suffix and the DNS syntax
 * check used for lookups of domains of any suffix. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "domain.h"

#define SUFFIX PD_DEFAULT_DOMAIN_SUFFIX

static bool prefix_ok(const char *s)
{
	return pd_domain_prefix_ok(s, strlen(s));
}

/* A string of n copies of c (n < 300) in buf. */
static char *rep(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = 0;
	return buf;
}

/* ---- pd_domain_prefix_ok ------------------------------------------------------------ */

Test(domain, prefix_accepts_letters_and_digits)
{
	cr_assert(prefix_ok("contoso"));
	cr_assert(prefix_ok("Contoso2024"));
	cr_assert(prefix_ok("a"));
	cr_assert(prefix_ok("7"));
	cr_assert(prefix_ok("ABCDEFGHIJKLMNOPQRSTUVWXYZ0"));
}

Test(domain, prefix_length_bounds)
{
	char buf[64];
	cr_assert_not(pd_domain_prefix_ok("", 0), "0 characters");
	cr_assert_not(pd_domain_prefix_ok("abc", 0), "n = 0 even if the string is longer");
	cr_assert(prefix_ok(rep(buf, 'a', 1)));
	cr_assert(prefix_ok(rep(buf, 'a', 27)), "27 characters");
	cr_assert_not(prefix_ok(rep(buf, 'a', 28)), "28 characters");
	cr_assert_eq(PD_DOMAIN_PREFIX_MAX, 27);
}

Test(domain, prefix_uses_only_n_bytes)
{
	cr_assert(pd_domain_prefix_ok("contoso.partner.onmschina.cn", 7));
	cr_assert_not(pd_domain_prefix_ok("contoso.partner.onmschina.cn", 8));
}

Test(domain, prefix_refuses_other_characters)
{
	cr_assert_not(prefix_ok("con-toso"), "hyphen");
	cr_assert_not(prefix_ok("-contoso"), "leading hyphen");
	cr_assert_not(prefix_ok("con.toso"), "dot");
	cr_assert_not(prefix_ok("con_toso"), "underscore");
	cr_assert_not(prefix_ok("con toso"), "space");
	cr_assert_not(prefix_ok("müller"), "non-ASCII ü");
	cr_assert_not(prefix_ok("\xc3\xbc"), "ü alone");
	cr_assert_not(prefix_ok("中文"), "CJK");
	cr_assert_not(prefix_ok("abc\xff"), "a high byte");
}

/* ---- pd_domain_normalize ------------------------------------------------------------ */

Test(domain, normalize_lower_cases)
{
	char out[128];
	cr_assert(pd_domain_normalize("Contoso.Partner.OnmsChina.CN", SUFFIX, out, sizeof out));
	cr_assert_str_eq(out, "contoso.partner.onmschina.cn");
	cr_assert(pd_domain_normalize("contoso.partner.onmschina.cn", SUFFIX, out, sizeof out));
	cr_assert_str_eq(out, "contoso.partner.onmschina.cn");
}

Test(domain, normalize_completes_bare_prefix)
{
	char out[128];
	cr_assert(pd_domain_normalize("CONTOSO42", SUFFIX, out, sizeof out));
	cr_assert_str_eq(out, "contoso42.partner.onmschina.cn");
}

Test(domain, normalize_other_suffix_configured)
{
	char out[128];
	cr_assert(pd_domain_normalize("fabrikam", "Example.CN", out, sizeof out));
	cr_assert_str_eq(out, "fabrikam.example.cn", "the suffix is lower-cased too");
	cr_assert(pd_domain_normalize("Fabrikam.EXAMPLE.cn", "example.cn", out, sizeof out));
	cr_assert_str_eq(out, "fabrikam.example.cn");
	cr_assert_not(pd_domain_normalize("fabrikam.partner.onmschina.cn", "example.cn", out, sizeof out));
}

Test(domain, normalize_refuses_wrong_suffix)
{
	char out[128];
	cr_assert_not(pd_domain_normalize("contoso.onmicrosoft.com", SUFFIX, out, sizeof out));
	cr_assert_not(pd_domain_normalize("contoso.partner.onmschina.cn.evil", SUFFIX, out, sizeof out));
	cr_assert_not(pd_domain_normalize("contoso.onmschina.cn", SUFFIX, out, sizeof out), "a shorter tail");
	cr_assert_not(pd_domain_normalize("contoso.", SUFFIX, out, sizeof out), "an empty suffix");
	cr_assert_not(pd_domain_normalize("a.b.partner.onmschina.cn", SUFFIX, out, sizeof out),
		      "a sub-domain");
	cr_assert_not(pd_domain_normalize("contoso.xpartner.onmschina.cn", SUFFIX, out, sizeof out));
}

Test(domain, normalize_refuses_bad_prefix)
{
	char out[128];
	cr_assert_not(pd_domain_normalize("", SUFFIX, out, sizeof out));
	cr_assert_not(pd_domain_normalize(".partner.onmschina.cn", SUFFIX, out, sizeof out));
	cr_assert_not(pd_domain_normalize("con-toso", SUFFIX, out, sizeof out));
	cr_assert_not(pd_domain_normalize("müller.partner.onmschina.cn", SUFFIX, out, sizeof out));
	cr_assert_not(pd_domain_normalize(" contoso", SUFFIX, out, sizeof out));
	char p[64];
	cr_assert(pd_domain_normalize(rep(p, 'x', 27), SUFFIX, out, sizeof out));
	cr_assert_not(pd_domain_normalize(rep(p, 'x', 28), SUFFIX, out, sizeof out));
}

Test(domain, normalize_buffer_size)
{
	/* "contoso" + "." + suffix + NUL */
	size_t need = strlen("contoso.") + strlen(SUFFIX) + 1;
	char out[128];
	memset(out, '#', sizeof out);
	cr_assert(pd_domain_normalize("contoso", SUFFIX, out, need), "exactly enough");
	cr_assert_str_eq(out, "contoso.partner.onmschina.cn");
	memset(out, '#', sizeof out);
	cr_assert_not(pd_domain_normalize("contoso", SUFFIX, out, need - 1), "one byte short");
	cr_assert_eq(out[need - 1], '#', "nothing written past the given capacity");
	cr_assert_not(pd_domain_normalize("contoso", SUFFIX, out, 0));
}

/* ---- pd_domain_syntax_ok ------------------------------------------------------------ */

Test(domain, syntax_ordinary_names)
{
	cr_assert(pd_domain_syntax_ok("contoso.partner.onmschina.cn"));
	cr_assert(pd_domain_syntax_ok("Contoso.COM"));
	cr_assert(pd_domain_syntax_ok("localhost"));
	cr_assert(pd_domain_syntax_ok("a-b.c-d.example"));
	cr_assert(pd_domain_syntax_ok("xn--mller-kva.de"));
	cr_assert(pd_domain_syntax_ok("1.2.3"));
}

Test(domain, syntax_label_length)
{
	char l[80], name[200];
	snprintf(name, sizeof name, "%s.cn", rep(l, 'a', 63));
	cr_assert(pd_domain_syntax_ok(name), "63-char label");
	snprintf(name, sizeof name, "%s.cn", rep(l, 'a', 64));
	cr_assert_not(pd_domain_syntax_ok(name), "64-char label");
	snprintf(name, sizeof name, "cn.%s", rep(l, 'b', 64));
	cr_assert_not(pd_domain_syntax_ok(name), "64-char last label");
}

Test(domain, syntax_hyphens)
{
	cr_assert_not(pd_domain_syntax_ok("-contoso.cn"), "leading hyphen");
	cr_assert_not(pd_domain_syntax_ok("contoso-.cn"), "trailing hyphen");
	cr_assert_not(pd_domain_syntax_ok("contoso.-cn"), "leading hyphen of the last label");
	cr_assert_not(pd_domain_syntax_ok("contoso.cn-"), "trailing hyphen at the end");
	cr_assert(pd_domain_syntax_ok("con--toso.cn"), "inner hyphens");
}

Test(domain, syntax_empty_labels_and_bad_characters)
{
	cr_assert_not(pd_domain_syntax_ok(""));
	cr_assert_not(pd_domain_syntax_ok("."));
	cr_assert_not(pd_domain_syntax_ok("contoso..cn"));
	cr_assert_not(pd_domain_syntax_ok(".contoso.cn"));
	cr_assert_not(pd_domain_syntax_ok("contoso.cn."));
	cr_assert_not(pd_domain_syntax_ok("con_toso.cn"));
	cr_assert_not(pd_domain_syntax_ok("con toso.cn"));
	cr_assert_not(pd_domain_syntax_ok("müller.de"));
	cr_assert_not(pd_domain_syntax_ok("contoso.cn/x"));
}

Test(domain, syntax_total_length)
{
	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 */
	char a[64], d[64], name[300];
	rep(a, 'a', 63);
	snprintf(name, sizeof name, "%s.%s.%s.%s", a, a, a, rep(d, 'd', 61));
	cr_assert_eq(strlen(name), 253);
	cr_assert(pd_domain_syntax_ok(name), "253 bytes");
	snprintf(name, sizeof name, "%s.%s.%s.%s", a, a, a, rep(d, 'd', 62));
	cr_assert_eq(strlen(name), 254);
	cr_assert_not(pd_domain_syntax_ok(name), "254 bytes");
}
