/* uscc.c - owns the GB 32100-2015 Unified Social Credit Code rules: the alphabet, the
 * registration authority and category table, the province part of the division code and the
 * mod-31 check character (see uscc.h).  Which province a code belongs to is checked against
 * an address in country.c; this file knows no addresses. */
#include "uscc.h"
#include <stdio.h>
#include <string.h>

#define COUNT(x) (sizeof(x) / sizeof((x)[0]))

/* The 31 characters in the order of their values 0-30 (no I, O, S, V, Z). */
static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* Weights of characters 1-17: 3^(i-1) mod 31. */
static const int weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

/* Registration authority (character 1) and the categories it assigns (character 2): GB
 * 32100-2015 table 1 (1 机构编制, 5 民政, 9 工商, Y 其他) and the authority codes assigned to
 * further registries since (2 外交, 3 司法行政, 4 文化, 6 旅游, 7 宗教, 8 工会, A 中央军委改革和编制
 * 办公室, N 农业). */
static const struct {
	char authority;
	const char *categories;
} authorities[] = {
	{'1', "1239"},   /* 机关, 事业单位, 中央编办直管的群众团体, 其他 */
	{'2', "19"},     /* 外国常驻新闻机构, 其他 */
	{'3', "123459"}, /* 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他 */
	{'4', "19"},     /* 外国在华文化中心, 其他 */
	{'5', "1239"},   /* 社会团体, 民办非企业单位, 基金会, 其他 */
	{'6', "129"},    /* 外国/港澳台旅游部门常驻代表机构, 其他 */
	{'7', "129"},    /* 宗教活动场所, 宗教院校, 其他 */
	{'8', "19"},     /* 基层工会, 其他 */
	{'9', "123"},    /* 企业, 个体工商户, 农民专业合作社 */
	{'A', "19"},     /* 军队事业单位, 其他 */
	{'N', "1239"},   /* 组级, 村级, 乡镇级集体经济组织, 其他 */
	{'Y', "1"},      /* 其他 */
};

/* GB/T 2260 province codes; "10" is a registration at the national level. */
static const char provinces[] =
	"10 11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
	"61 62 63 64 65 71 81 82";

static int value_of(char c)
{
	const char *p = c ? strchr(alphabet, c) : NULL;
	return p ? (int)(p - alphabet) : -1;
}

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

char pd_uscc_check_char(const char *s17)
{
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		int v = value_of(upper(s17[i]));
		if (v < 0)
			return 0;
		sum += v * weights[i];
	}
	return alphabet[(31 - sum % 31) % 31];
}

/* Characters in s: bytes, except that UTF-8 continuation bytes do not count. */
static size_t chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The 1-based position of the first non-ASCII character of s. */
static int first_wide(const char *s)
{
	int pos = 1;
	for (; *s && (unsigned char)*s < 0x80; s++)
		pos++;
	return pos;
}

static const char *categories_of(char authority)
{
	for (size_t i = 0; i < COUNT(authorities); i++)
		if (authorities[i].authority == authority)
			return authorities[i].categories;
	return NULL;
}

static bool province_known(const char *two)
{
	for (const char *p = provinces; *p; p += p[2] ? 3 : 2)
		if (p[0] == two[0] && p[1] == two[1])
			return true;
	return false;
}

/* The first character that is outside the alphabet, or a letter in the division code;
 * 1-based, 0 if none. */
static int bad_char(const char *c)
{
	for (int i = 0; i < PD_USCC_LEN; i++) {
		bool digit = c[i] >= '0' && c[i] <= '9';
		if (value_of(c[i]) < 0 || (i >= 2 && i < 8 && !digit))
			return i + 1;
	}
	return 0;
}

static enum pd_uscc_err fail(struct pd_uscc_result *res, enum pd_uscc_err e)
{
	res->err = e;
	res->canon[0] = 0;
	return e;
}

enum pd_uscc_err pd_uscc_check(const char *s, struct pd_uscc_result *res)
{
	memset(res, 0, sizeof *res);
	res->len = s ? chars(s) : 0;
	if (res->len != PD_USCC_LEN)
		return fail(res, PD_USCC_LENGTH);
	if (strlen(s) != PD_USCC_LEN) { /* 18 characters, not all ASCII ("１" full width) */
		res->pos = first_wide(s);
		return fail(res, PD_USCC_CHAR);
	}
	for (int i = 0; i < PD_USCC_LEN; i++)
		res->canon[i] = upper(s[i]);
	if ((res->pos = bad_char(res->canon)) != 0)
		return fail(res, PD_USCC_CHAR);
	const char *cats = categories_of(res->canon[0]);
	if (!cats)
		return fail(res, PD_USCC_AUTHORITY);
	if (!strchr(cats, res->canon[1]))
		return fail(res, PD_USCC_CATEGORY);
	if (!province_known(res->canon + 2))
		return fail(res, PD_USCC_DIVISION);
	if (pd_uscc_check_char(res->canon) != res->canon[17])
		return fail(res, PD_USCC_CHECK);
	return PD_USCC_OK;
}

bool pd_uscc_province(const char *canon, char out[3])
{
	out[0] = canon[2];
	out[1] = canon[3];
	out[2] = 0;
	return strcmp(out, "10") != 0;
}

const char *pd_uscc_verr(const char *s, const char *field, struct pd_verrs *errs,
			 struct pd_arena *ar)
{
	struct pd_uscc_result res;
	const char *arg = NULL;
	enum pd_msg m = PD_MSG_USCC_CHECK;
	switch (pd_uscc_check(s, &res)) {
	case PD_USCC_OK: return pd_strdup(ar, res.canon);
	case PD_USCC_LENGTH: m = PD_MSG_USCC_LENGTH, arg = pd_printf(ar, "%zu", res.len); break;
	case PD_USCC_CHAR: m = PD_MSG_USCC_CHAR, arg = pd_printf(ar, "%d", res.pos); break;
	case PD_USCC_AUTHORITY: m = PD_MSG_USCC_AUTHORITY, arg = pd_printf(ar, "%c", upper(s[0])); break;
	case PD_USCC_CATEGORY: m = PD_MSG_USCC_CATEGORY, arg = pd_printf(ar, "%c", upper(s[1])); break;
	case PD_USCC_DIVISION: m = PD_MSG_USCC_DIVISION, arg = pd_strndup(ar, s + 2, 6); break;
	case PD_USCC_CHECK: break;
	}
	pd_verr_add(errs, 3000, field, m, arg);
	return NULL;
}
