/* country.c - owns the country rules: the known countries (every ISO 3166-1 alpha-2 code), one
 * row of rules per country that needs its own (China first, a permissive default for the rest),
 * China's 34 provincial-level divisions, the US states, lengths in code points, the
 * registration-number countries, the address validation service and the published
 * CustomerCountryValidationRules.  Not JSON decoding (model.c), not error bodies (http/).
 * Pure: every table is const; strings it creates live in the caller's arena. */
#include "country.h"
#include <pthread.h>
#include <regex.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>
#include "fapiao.h"
#include "text.h"
#include "uscc.h"

#define COUNT(x) (sizeof(x) / sizeof((x)[0]))

/* ---- tables ------------------------------------------------------------------------- */

/* Every ISO 3166-1 alpha-2 code.  Codes are separated by spaces, so a 2-letter key can only
 * match a whole code. */
static const char iso_codes[] =
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO "
	"BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ "
	"DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP "
	"GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG "
	"KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML "
	"MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE "
	"PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL "
	"SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM "
	"US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/* REGNUM: a registration number is required; USCC: one is optional and must be a Unified
 * Social Credit Code (uscc.h), and fapiao details are accepted (fapiao.h). */
enum { POSTAL_REQ = 1, STATE_REQ = 2, CITY_REQ = 4, REGNUM = 8, USCC = 16 };
enum state_list { STATES_FREE, STATES_CN, STATES_US };

/* Regexes are published as they are and checked with POSIX ERE, "\d" read as [0-9]. */
#define POSTAL_ANY "^[A-Za-z0-9 -]{1,20}$"
#define PHONE_ANY "^\\+?\\(?[0-9][0-9 ().-]{3,29}$"
#define PHONE_CN "^((\\+|00)?86)?[ ()-]*(1[3-9]\\d{9}|0?[1-9]\\d{1,2}[ ()-]*\\d{7,8})$"

struct rules {
	const char *iso2;      /* NULL for the default row */
	const char *culture;   /* default culture */
	const char *cultures;  /* accepted cultures, space-separated; NULL: any ll-CC */
	const char *languages; /* accepted languages, space-separated; NULL: any 2-3 letters */
	const char *postal;    /* postal code regex */
	const char *phone;     /* phone regex; checked unless phone_ok is set */
	bool (*phone_ok)(const char *s);
	const char *calling;   /* calling code, NULL if not listed */
	unsigned flags;
	enum state_list states;
};

static bool cn_phone_ok(const char *s);

/* A country with the default checks but its own culture and calling code. */
#define ROW(iso, culture, calling, flags) \
	{iso, culture, NULL, NULL, POSTAL_ANY, PHONE_ANY, NULL, calling, CITY_REQ | (flags), STATES_FREE}

static const struct rules countries[] = {
	{"CN", "zh-CN", "zh-CN en-US", "zh en", "^\\d{6}$", PHONE_CN, cn_phone_ok, "86",
	 POSTAL_REQ | STATE_REQ | CITY_REQ | USCC, STATES_CN},
	{"US", "en-US", "en-US es-US", "en es", "^\\d{5}(-\\d{4})?$", PHONE_ANY, NULL, "1",
	 POSTAL_REQ | STATE_REQ | CITY_REQ, STATES_US},
	{"DE", "de-DE", "de-DE en-US", "de en", "^\\d{5}$", PHONE_ANY, NULL, "49",
	 POSTAL_REQ | CITY_REQ, STATES_FREE},
	ROW("GB", "en-GB", "44", 0),     ROW("FR", "fr-FR", "33", 0),
	ROW("JP", "ja-JP", "81", 0),     ROW("HK", "zh-HK", "852", 0),
	ROW("SG", "en-SG", "65", 0),     ROW("AM", "hy-AM", "374", REGNUM),
	ROW("AZ", "az-AZ", "994", REGNUM), ROW("BY", "be-BY", "375", REGNUM),
	ROW("HU", "hu-HU", "36", REGNUM),  ROW("KZ", "kk-KZ", "7", REGNUM),
	ROW("KG", "ky-KG", "996", REGNUM), ROW("MD", "ro-MD", "373", REGNUM),
	ROW("RU", "ru-RU", "7", REGNUM),   ROW("TJ", "tg-TJ", "992", REGNUM),
	ROW("UZ", "uz-UZ", "998", REGNUM), ROW("UA", "uk-UA", "380", REGNUM),
};

static const struct rules default_rules = ROW(NULL, "en-US", NULL, 0);

/* China's 34 provincial-level divisions in the order of GB/T 2260.  `full` is the canonical
 * form; aliases are matched after squash() (lower case, no spaces or hyphens), also with a
 * suffix such as "sheng" or "province" removed (see cn_suffixes). */
struct province {
	const char *full, *abbr;
	const char *aliases[6];
	const char *code; /* GB/T 2260: the first two digits of its division codes */
};

static const struct province provinces[] = {
	{"北京市", "北京", {"beijing", "peking"}, "11"},
	{"天津市", "天津", {"tianjin"}, "12"},
	{"河北省", "河北", {"hebei"}, "13"},
	{"山西省", "山西", {"shanxi"}, "14"},
	{"内蒙古自治区", "内蒙古", {"neimenggu", "neimongol", "innermongolia"}, "15"},
	{"辽宁省", "辽宁", {"liaoning"}, "21"},
	{"吉林省", "吉林", {"jilin"}, "22"},
	{"黑龙江省", "黑龙江", {"heilongjiang"}, "23"},
	{"上海市", "上海", {"shanghai"}, "31"},
	{"江苏省", "江苏", {"jiangsu"}, "32"},
	{"浙江省", "浙江", {"zhejiang"}, "33"},
	{"安徽省", "安徽", {"anhui"}, "34"},
	{"福建省", "福建", {"fujian"}, "35"},
	{"江西省", "江西", {"jiangxi"}, "36"},
	{"山东省", "山东", {"shandong"}, "37"},
	{"河南省", "河南", {"henan"}, "41"},
	{"湖北省", "湖北", {"hubei"}, "42"},
	{"湖南省", "湖南", {"hunan"}, "43"},
	{"广东省", "广东", {"guangdong"}, "44"},
	{"广西壮族自治区", "广西", {"guangxi", "guangxizhuang", "guangxizhuangzu"}, "45"},
	{"海南省", "海南", {"hainan"}, "46"},
	{"重庆市", "重庆", {"chongqing"}, "50"},
	{"四川省", "四川", {"sichuan"}, "51"},
	{"贵州省", "贵州", {"guizhou"}, "52"},
	{"云南省", "云南", {"yunnan"}, "53"},
	{"西藏自治区", "西藏", {"xizang", "tibet"}, "54"},
	{"陕西省", "陕西", {"shaanxi"}, "61"},
	{"甘肃省", "甘肃", {"gansu"}, "62"},
	{"青海省", "青海", {"qinghai"}, "63"},
	{"宁夏回族自治区", "宁夏", {"ningxia", "ningxiahui", "ningxiahuizu", "ningxiahuizi"}, "64"},
	{"新疆维吾尔自治区", "新疆", {"xinjiang", "xinjianguygur", "xinjianguyghur", "xinjianguighur"}, "65"},
	{"台湾省", "台湾", {"taiwan", "台灣", "臺灣", "台灣省", "臺灣省"}, "71"},
	{"香港特别行政区", "香港", {"hongkong", "xianggang", "香港特別行政區"}, "81"},
	{"澳门特别行政区", "澳门", {"macau", "macao", "aomen", "澳門", "澳門特別行政區"}, "82"},
};

/* Suffixes a Latin province name may carry, squashed. */
static const char *const cn_suffixes[] = {
	"sheng", "shi", "province", "city", "municipality", "zizhiqu", "autonomousregion",
	"sar", "specialadministrativeregion", "tebiexingzhengqu",
};

/* The 50 states, DC and the inhabited territories (USPS codes). */
struct us_state {
	const char *code, *name;
};

static const struct us_state us_states[] = {
	{"AL", "Alabama"}, {"AK", "Alaska"}, {"AZ", "Arizona"}, {"AR", "Arkansas"},
	{"CA", "California"}, {"CO", "Colorado"}, {"CT", "Connecticut"}, {"DE", "Delaware"},
	{"DC", "District of Columbia"}, {"FL", "Florida"}, {"GA", "Georgia"}, {"HI", "Hawaii"},
	{"ID", "Idaho"}, {"IL", "Illinois"}, {"IN", "Indiana"}, {"IA", "Iowa"},
	{"KS", "Kansas"}, {"KY", "Kentucky"}, {"LA", "Louisiana"}, {"ME", "Maine"},
	{"MD", "Maryland"}, {"MA", "Massachusetts"}, {"MI", "Michigan"}, {"MN", "Minnesota"},
	{"MS", "Mississippi"}, {"MO", "Missouri"}, {"MT", "Montana"}, {"NE", "Nebraska"},
	{"NV", "Nevada"}, {"NH", "New Hampshire"}, {"NJ", "New Jersey"}, {"NM", "New Mexico"},
	{"NY", "New York"}, {"NC", "North Carolina"}, {"ND", "North Dakota"}, {"OH", "Ohio"},
	{"OK", "Oklahoma"}, {"OR", "Oregon"}, {"PA", "Pennsylvania"}, {"RI", "Rhode Island"},
	{"SC", "South Carolina"}, {"SD", "South Dakota"}, {"TN", "Tennessee"}, {"TX", "Texas"},
	{"UT", "Utah"}, {"VT", "Vermont"}, {"VA", "Virginia"}, {"WA", "Washington"},
	{"WV", "West Virginia"}, {"WI", "Wisconsin"}, {"WY", "Wyoming"},
	{"AS", "American Samoa"}, {"GU", "Guam"}, {"MP", "Northern Mariana Islands"},
	{"PR", "Puerto Rico"}, {"VI", "Virgin Islands"},
};

/* The address's string fields, for trimming and comparing them all alike. */
static const size_t address_fields[] = {
	offsetof(struct pd_address, first_name), offsetof(struct pd_address, last_name),
	offsetof(struct pd_address, line1),      offsetof(struct pd_address, line2),
	offsetof(struct pd_address, line3),      offsetof(struct pd_address, city),
	offsetof(struct pd_address, state),      offsetof(struct pd_address, district),
	offsetof(struct pd_address, postal_code), offsetof(struct pd_address, country),
	offsetof(struct pd_address, phone),
};

#define REGNUM_FIELD "companyProfile.organizationRegistrationNumber"
#define LEN_NAME 50
#define LEN_LINE 200
#define LEN_CITY 100
#define LEN_STATE 100
#define LEN_POSTAL 20
#define LEN_PHONE 50
#define LEN_EMAIL 254
#define LEN_COMPANY 255
#define LEN_TAG 20

/* ---- strings ------------------------------------------------------------------------ */

static bool is_sep(char c)
{
	return c == ' ' || c == '-' || c == '.' || c == '\'' || c == '_';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static bool is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Length of the white space at p: ASCII white space or U+3000 (ideographic space). */
static size_t space_at(const char *p, const char *end)
{
	if (p < end && (*p == ' ' || (*p >= '\t' && *p <= '\r')))
		return 1;
	if (end - p >= 3 && !memcmp(p, "\xE3\x80\x80", 3))
		return 3;
	return 0;
}

static size_t space_before(const char *begin, const char *end)
{
	if (end > begin && space_at(end - 1, end))
		return 1;
	if (end - begin >= 3 && space_at(end - 3, end) == 3)
		return 3;
	return 0;
}

/* s without surrounding white space: s itself, an arena copy, or NULL when nothing is left. */
static const char *trim(const char *s, struct pd_arena *ar)
{
	if (!s)
		return NULL;
	const char *b = s, *e = s + strlen(s);
	size_t n;
	while ((n = space_at(b, e)) > 0)
		b += n;
	while ((n = space_before(b, e)) > 0)
		e -= n;
	if (b == e)
		return NULL;
	return b == s && *e == 0 ? s : pd_strndup(ar, b, (size_t)(e - b));
}

/* Code points in the first len bytes of s, or -1 if they are not valid UTF-8. */
static long u8len_n(const char *s, size_t len)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t left = (utf8proc_ssize_t)len;
	utf8proc_int32_t cp;
	long n = 0;
	while (left > 0) {
		utf8proc_ssize_t k = utf8proc_iterate(p, left, &cp);
		if (k <= 0)
			return -1;
		p += k;
		left -= k;
		n++;
	}
	return n;
}

static long u8len(const char *s)
{
	return u8len_n(s, strlen(s));
}

/* Equal ignoring ASCII case and separators ("new-york" == "New York"). */
static bool loose_eq(const char *a, const char *b)
{
	for (;; a++, b++) {
		while (*a && is_sep(*a))
			a++;
		while (*b && is_sep(*b))
			b++;
		if (lower(*a) != lower(*b))
			return false;
		if (!*a)
			return true;
	}
}

/* s lower-cased without separators into buf; false if it does not fit. */
static bool squash(const char *s, char *buf, size_t cap)
{
	size_t n = 0;
	for (; *s; s++) {
		if (is_sep(*s))
			continue;
		if (n + 1 >= cap)
			return false;
		buf[n++] = lower(*s);
	}
	buf[n] = 0;
	return true;
}

/* A copy of s with the ASCII letters before index `from` lower-cased and the rest upper-cased. */
static const char *recase(const char *s, size_t from, struct pd_arena *ar)
{
	char *t = pd_strdup(ar, s);
	for (size_t i = 0; t[i]; i++)
		t[i] = i < from ? lower(t[i]) : upper(t[i]);
	return t;
}

/* The word of the space-separated `list` equal to s ignoring case, as an arena copy, or NULL. */
static const char *list_find(const char *list, const char *s, struct pd_arena *ar)
{
	size_t n = strlen(s);
	for (const char *p = list; *p;) {
		size_t w = strcspn(p, " ");
		if (w == n && !strncasecmp(p, s, n))
			return pd_strndup(ar, p, n);
		p += w;
		p += *p == ' ';
	}
	return NULL;
}

/* The published regex `re` as a POSIX ERE (\\d spelled [0-9]) into ere[cap]. */
static void to_ere(const char *re, char *ere, size_t cap)
{
	size_t n = 0;
	for (const char *p = re; *p && n + 6 < cap; p++) {
		if (p[0] == '\\' && p[1] == 'd') {
			memcpy(ere + n, "[0-9]", 5);
			n += 5;
			p++;
		} else {
			ere[n++] = *p;
		}
	}
	ere[n] = 0;
}

/* Each rule's regex compiled once, not on every check (compiling was ~70 k instructions of a
 * create).  Keyed by the pattern's text; the rules are static, so the table holds a few
 * dozen; past half full a pattern is compiled for its call alone.  regexec on a compiled
 * pattern is thread-safe. */
#define RX_SLOTS 256
static struct {
	char *re;
	regex_t rx;
	bool ok;
} rx_table[RX_SLOTS];
static size_t rx_used;
static pthread_mutex_t rx_lock = PTHREAD_MUTEX_INITIALIZER;

static bool compile(const char *re, regex_t *rx)
{
	char ere[256];
	to_ere(re, ere, sizeof ere);
	return regcomp(rx, ere, REG_EXTENDED | REG_NOSUB) == 0;
}

/* The slot holding re compiled, or NULL when the table is full. */
static const void *kept(const char *re, const regex_t **rx)
{
	size_t h = 5381;
	for (const char *p = re; *p; p++)
		h = h * 33 + (unsigned char)*p;
	size_t i = h % RX_SLOTS;
	while (rx_table[i].re && strcmp(rx_table[i].re, re))
		i = (i + 1) % RX_SLOTS;
	if (!rx_table[i].re) {
		char *copy = rx_used < RX_SLOTS / 2 ? strdup(re) : NULL;
		if (!copy)
			return NULL;
		rx_table[i].ok = compile(re, &rx_table[i].rx);
		rx_table[i].re = copy;
		rx_used++;
	}
	*rx = rx_table[i].ok ? &rx_table[i].rx : NULL;
	return &rx_table[i];
}

/* True if s matches the published regex `re` (false for one that does not compile). */
static bool matches(const char *re, const char *s)
{
	const regex_t *rx = NULL;
	pthread_mutex_lock(&rx_lock);
	const void *slot = kept(re, &rx);
	pthread_mutex_unlock(&rx_lock);
	if (slot)
		return rx && regexec(rx, s, 0, NULL, 0) == 0;
	regex_t once;
	if (!compile(re, &once))
		return false;
	bool ok = regexec(&once, s, 0, NULL, 0) == 0;
	regfree(&once);
	return ok;
}

/* ---- lookups ------------------------------------------------------------------------ */

/* s upper-cased into out[3] if it is an ISO 3166-1 alpha-2 code in any case. */
static bool iso_canon(const char *s, char out[3])
{
	if (!s || !is_alpha(s[0]) || !is_alpha(s[1]) || s[2])
		return false;
	out[0] = upper(s[0]);
	out[1] = upper(s[1]);
	out[2] = 0;
	return strstr(iso_codes, out) != NULL;
}

static const struct rules *rules_for(const char *iso2)
{
	for (size_t i = 0; i < COUNT(countries); i++)
		if (!strcmp(countries[i].iso2, iso2))
			return &countries[i];
	return &default_rules;
}

static bool name_is(const char *key, size_t n, const char *name)
{
	return name && strlen(name) == n && !memcmp(key, name, n);
}

/* The province named by the first n bytes of a squashed key. */
static const struct province *province_find(const char *key, size_t n)
{
	for (size_t i = 0; i < COUNT(provinces); i++) {
		const struct province *p = &provinces[i];
		if (name_is(key, n, p->full) || name_is(key, n, p->abbr))
			return p;
		for (size_t j = 0; j < COUNT(p->aliases); j++)
			if (name_is(key, n, p->aliases[j]))
				return p;
	}
	return NULL;
}

/* The canonical (Chinese) name of the province s names, or NULL. */
static const char *cn_state(const char *s)
{
	char key[128];
	if (!squash(s, key, sizeof key))
		return NULL;
	size_t n = strlen(key);
	const struct province *p = province_find(key, n);
	for (size_t i = 0; !p && i < COUNT(cn_suffixes); i++) {
		size_t k = strlen(cn_suffixes[i]);
		if (n > k && !strcmp(key + n - k, cn_suffixes[i]))
			p = province_find(key, n - k);
	}
	return p ? p->full : NULL;
}

/* The USPS code of the state s names (by code or by name), or NULL. */
static const char *us_state(const char *s)
{
	for (size_t i = 0; i < COUNT(us_states); i++)
		if (!strcasecmp(s, us_states[i].code) || loose_eq(s, us_states[i].name))
			return us_states[i].code;
	return NULL;
}

static bool cn_mobile(const char *d)
{
	return strlen(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}

/* Area code (0 + "10" or "2x", or 0 + 3 digits from 3xx) and 7-8 digits; after +86 the 0 may
 * be left out. */
static bool cn_landline(const char *d, bool intl)
{
	if (*d == '0')
		d++;
	else if (!intl)
		return false;
	if (d[0] < '1' || (d[0] == '1' && d[1] != '0'))
		return false;
	size_t area = d[0] <= '2' ? 2 : 3, n = strlen(d);
	return n >= area + 7 && n <= area + 8;
}

/* The digits of a mainland number into d[32], after an optional +86, 0086 or 86 (86 only
 * before 11 digits); *intl tells if one was there.  Spaces, hyphens and parentheses are
 * ignored.  NULL if s holds anything else. */
static const char *cn_digits(const char *s, char d[32], bool *intl)
{
	size_t n = 0;
	for (; *s; s++) {
		if (*s == ' ' || *s == '-' || *s == '(' || *s == ')')
			continue;
		if (n + 1 >= 32 || !(is_digit(*s) || (*s == '+' && n == 0)))
			return NULL;
		d[n++] = *s;
	}
	d[n] = 0;
	const char *p = d;
	*intl = true;
	if (!strncmp(p, "+86", 3))
		p += 3;
	else if (!strncmp(p, "0086", 4))
		p += 4;
	else if (!strncmp(p, "86", 2) && n == 13)
		p += 2;
	else
		*intl = false;
	return *p == '+' ? NULL : p;
}

/* A mainland number: a mobile or landline number after cn_digits' prefix. */
static bool cn_phone_ok(const char *s)
{
	char d[32];
	bool intl;
	const char *p = cn_digits(s, d, &intl);
	return p && (cn_mobile(p) || cn_landline(p, intl));
}

bool pd_cn_phone_ok(const char *s)
{
	return cn_phone_ok(s);
}

bool pd_cn_mobile_ok(const char *s)
{
	char d[32];
	bool intl;
	const char *p = cn_digits(s, d, &intl);
	return p && cn_mobile(p);
}

/* ---- checks ------------------------------------------------------------------------- */

struct ctx {
	struct pd_verrs *errs;
	struct pd_arena *ar;
	const char *prefix; /* field path prefix, "" for none */
};

static const char *field(const struct ctx *c, const char *name)
{
	return c->prefix && *c->prefix ? pd_printf(c->ar, "%s.%s", c->prefix, name) : name;
}

static void fail(const struct ctx *c, int code, const char *name, enum pd_msg m, const char *arg)
{
	pd_verr_add(c->errs, code, field(c, name), m, arg);
}

/* Presence, UTF-8, at most `max` code points and no bidirectional controls (text.h); false
 * if it added an error. */
static bool check_text(const struct ctx *c, const char *name, const char *s, long max,
		       bool required)
{
	if (!s) {
		if (required)
			fail(c, 3000, name, PD_MSG_REQUIRED, NULL);
		return !required;
	}
	long n = u8len(s);
	const char *bidi = n >= 0 ? pd_text_bidi(s) : NULL;
	if (n < 0)
		fail(c, 3000, name, PD_MSG_BAD_UTF8, NULL);
	else if (n > max)
		fail(c, 3000, name, PD_MSG_TOO_LONG, pd_printf(c->ar, "%ld", max));
	else if (bidi)
		fail(c, 3000, name, PD_MSG_BIDI, bidi);
	return n >= 0 && n <= max && !bidi;
}

static void trim_address(struct pd_address *a, struct pd_arena *ar)
{
	for (size_t i = 0; i < COUNT(address_fields); i++) {
		const char **f = (const char **)((char *)a + address_fields[i]);
		*f = trim(*f, ar);
	}
}

static const struct rules *check_country(struct pd_address *a, const struct ctx *c)
{
	char iso[3];
	if (!a->country) {
		fail(c, 3000, "country", PD_MSG_REQUIRED, NULL);
		return NULL;
	}
	if (!iso_canon(a->country, iso)) {
		fail(c, 3000, "country", PD_MSG_BAD_COUNTRY, NULL);
		return NULL;
	}
	if (strcmp(iso, a->country))
		a->country = pd_strdup(c->ar, iso);
	return rules_for(iso);
}

static void check_state(struct pd_address *a, const struct rules *r, const struct ctx *c)
{
	if (!check_text(c, "state", a->state, LEN_STATE, r->flags & STATE_REQ) || !a->state)
		return;
	if (r->states == STATES_FREE)
		return;
	const char *canon = r->states == STATES_CN ? cn_state(a->state) : us_state(a->state);
	if (!canon)
		fail(c, 3000, "state", PD_MSG_BAD_STATE, a->country);
	else if (strcmp(canon, a->state))
		a->state = pd_strdup(c->ar, canon);
}

static void check_postal(const struct pd_address *a, const struct rules *r, const struct ctx *c)
{
	const char *s = a->postal_code;
	if (check_text(c, "postalCode", s, LEN_POSTAL, r->flags & POSTAL_REQ) && s &&
	    !matches(r->postal, s))
		fail(c, 3000, "postalCode", PD_MSG_BAD_POSTAL, a->country);
}

static void check_phone(const struct pd_address *a, const struct rules *r, const struct ctx *c)
{
	const char *s = a->phone;
	if (!check_text(c, "phoneNumber", s, LEN_PHONE, false) || !s)
		return;
	if (!(r->phone_ok ? r->phone_ok(s) : matches(r->phone, s)))
		fail(c, 3000, "phoneNumber", PD_MSG_BAD_PHONE, a->country);
}

/* Trims, checks and canonicalises the address; returns its country's rules, NULL if the
 * country is missing or unknown (then only the lengths are checked). */
static const struct rules *check_address(struct pd_address *a, const struct ctx *c,
					 bool names_required)
{
	trim_address(a, c->ar);
	const struct rules *r = check_country(a, c);
	check_text(c, "firstName", a->first_name, LEN_NAME, names_required);
	check_text(c, "lastName", a->last_name, LEN_NAME, names_required);
	check_text(c, "addressLine1", a->line1, LEN_LINE, true);
	check_text(c, "addressLine2", a->line2, LEN_LINE, false);
	check_text(c, "addressLine3", a->line3, LEN_LINE, false);
	check_text(c, "city", a->city, LEN_CITY, !r || (r->flags & CITY_REQ));
	if (pd_text_bidi(a->district)) /* its length is checked in model.c */
		fail(c, 3000, "district", PD_MSG_BIDI, pd_text_bidi(a->district));
	if (r) {
		check_state(a, r, c);
		check_postal(a, r, c);
		check_phone(a, r, c);
	}
	return r;
}

void pd_address_check(struct pd_address *a, const char *prefix, struct pd_verrs *errs,
		      struct pd_arena *ar)
{
	struct ctx c = {errs, ar, prefix};
	check_address(a, &c, true);
}

/* ---- billing profile ---------------------------------------------------------------- */

bool pd_email_ok(const char *s)
{
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@'))
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ')
			return false;
	const char *dom = at + 1, *dot = strchr(dom, '.');
	size_t n = strlen(dom);
	return u8len_n(s, (size_t)(at - s)) <= 64 && dot && dot != dom && dom[n - 1] != '.' &&
	       !strstr(dom, "..") && !pd_text_bidi(s); /* people read it, as a name (text.h) */
}

/* The culture (ll-CC) or language (ll) s, checked against the country's list or, without one,
 * against the shape; canonical case ("zh-cn" -> "zh-CN"); NULL if refused. */
static const char *tag_canon(const char *s, const char *list, const char *shape,
			     struct pd_arena *ar)
{
	if (list)
		return list_find(list, s, ar);
	if (!matches(shape, s))
		return NULL;
	return recase(s, strcspn(s, "-"), ar);
}

static void check_tag(const struct ctx *c, const char *name, const char **s, const char *list,
		      const char *shape, enum pd_msg m, const char *iso)
{
	if (!check_text(c, name, *s, LEN_TAG, true) || !iso)
		return;
	const char *canon = tag_canon(*s, list, shape, c->ar);
	if (!canon)
		fail(c, 3000, name, m, iso);
	else if (strcmp(canon, *s))
		*s = canon;
}

static void check_regnum(const struct pd_billing *b, const char *regnum, const struct rules *r,
			 const struct ctx *c)
{
	const char *iso = b->addr.country;
	if (r->flags & REGNUM) {
		if (!regnum)
			pd_verr_add(c->errs, 600049, REGNUM_FIELD, PD_MSG_REGNUM_REQUIRED, iso);
		if (!b->addr.phone)
			fail(c, 600051, "defaultAddress.phoneNumber", PD_MSG_PHONE_REQUIRED, iso);
	} else if (regnum && (r->flags & USCC)) {
		(void)pd_uscc_verr(regnum, REGNUM_FIELD, c->errs, c->ar);
	} else if (regnum) {
		pd_verr_add(c->errs, 600002, REGNUM_FIELD, PD_MSG_REGNUM_REFUSED, iso);
	}
}

/* Fapiao details where the country has them (CN), refused elsewhere.  The taxpayer id
 * defaults to the registration number only when that is a valid code. */
static void check_fapiao(struct pd_billing *b, const char *regnum, const struct rules *r,
			 const struct ctx *c)
{
	if (!(r->flags & USCC)) {
		fail(c, 3000, "fapiao", PD_MSG_FAPIAO_COUNTRY, b->addr.country);
		return;
	}
	struct pd_uscc_result res;
	if (regnum && pd_uscc_check(regnum, &res) == PD_USCC_OK)
		regnum = pd_strdup(c->ar, res.canon);
	else
		regnum = NULL;
	pd_fapiao_check(b->fapiao, b->company_name, regnum, field(c, "fapiao"), c->errs, c->ar);
}

const char *pd_regnum_canon(const char *regnum, const char *country, struct pd_arena *ar)
{
	struct pd_uscc_result res;
	const char *t = trim(regnum, ar);
	const struct rules *r = country ? rules_for(country) : &default_rules;
	if (t && (r->flags & USCC) && pd_uscc_check(t, &res) == PD_USCC_OK)
		return pd_strdup(ar, res.canon);
	return t;
}

/* Names missing on both sides are required on the address; then each side defaults to the
 * other's. */
static void default_names(struct pd_billing *b, const struct ctx *ac)
{
	if (!b->first_name && !b->addr.first_name)
		fail(ac, 3000, "firstName", PD_MSG_REQUIRED, NULL);
	if (!b->last_name && !b->addr.last_name)
		fail(ac, 3000, "lastName", PD_MSG_REQUIRED, NULL);
	if (!b->first_name)
		b->first_name = b->addr.first_name;
	if (!b->last_name)
		b->last_name = b->addr.last_name;
	if (!b->addr.first_name)
		b->addr.first_name = b->first_name;
	if (!b->addr.last_name)
		b->addr.last_name = b->last_name;
}

static void trim_billing(struct pd_billing *b, struct pd_arena *ar)
{
	const char **f[] = {&b->email, &b->culture, &b->language, &b->company_name,
			    &b->first_name, &b->last_name};
	for (size_t i = 0; i < COUNT(f); i++)
		*f[i] = trim(*f[i], ar);
}

void pd_billing_check(struct pd_billing *b, const char *regnum, const char *prefix,
		      struct pd_verrs *errs, struct pd_arena *ar)
{
	struct ctx c = {errs, ar, prefix};
	struct ctx ac = {errs, ar, field(&c, "defaultAddress")};
	trim_billing(b, ar);
	check_text(&c, "firstName", b->first_name, LEN_NAME, false);
	check_text(&c, "lastName", b->last_name, LEN_NAME, false);
	const struct rules *r = check_address(&b->addr, &ac, false);
	default_names(b, &ac);
	if (check_text(&c, "email", b->email, LEN_EMAIL, true) && !pd_email_ok(b->email))
		fail(&c, 3000, "email", PD_MSG_BAD_EMAIL, NULL);
	const char *iso = r ? b->addr.country : NULL;
	check_tag(&c, "culture", &b->culture, r ? r->cultures : NULL, "^[A-Za-z]{2,3}-[A-Za-z]{2}$",
		  PD_MSG_BAD_CULTURE, iso);
	check_tag(&c, "language", &b->language, r ? r->languages : NULL, "^[A-Za-z]{2,3}$",
		  PD_MSG_BAD_LANGUAGE, iso);
	check_text(&c, "companyName", b->company_name, LEN_COMPANY, true);
	if (r)
		check_regnum(b, trim(regnum, ar), r, &c);
	if (r && b->fapiao)
		check_fapiao(b, trim(regnum, ar), r, &c);
}

bool pd_country_known(const char *iso2)
{
	char iso[3];
	return iso_canon(iso2, iso);
}

/* ---- the rules document ------------------------------------------------------------- */

/* Appends the words of `list` (with only_lang, the part before '-') not already in arr. */
static void add_words(json_t *arr, const char *list, bool only_lang)
{
	for (const char *p = list; *p;) {
		size_t w = strcspn(p, " "), k = only_lang ? strcspn(p, "- ") : w;
		char word[32];
		snprintf(word, sizeof word, "%.*s", (int)k, p);
		bool dup = false;
		for (size_t i = 0; i < json_array_size(arr); i++)
			dup = dup || !strcmp(json_string_value(json_array_get(arr, i)), word);
		if (!dup)
			json_array_append_new(arr, json_string(word));
		p += w;
		p += *p == ' ';
	}
}

/* Without a list any well-formed tag is accepted; the default culture and en-US are listed. */
static json_t *tags_json(const struct rules *r, bool only_lang)
{
	json_t *arr = json_array();
	const char *list = only_lang ? r->languages : r->cultures;
	if (list) {
		add_words(arr, list, false);
	} else {
		add_words(arr, r->culture, only_lang);
		add_words(arr, "en-US", only_lang);
	}
	return arr;
}

static json_t *states_json(enum state_list states)
{
	json_t *arr = json_array();
	for (size_t i = 0; states == STATES_CN && i < COUNT(provinces); i++)
		json_array_append_new(arr, json_string(provinces[i].full));
	for (size_t i = 0; states == STATES_US && i < COUNT(us_states); i++)
		json_array_append_new(arr, json_string(us_states[i].code));
	return arr;
}

json_t *pd_country_rules_json(const char *iso2)
{
	char iso[3];
	if (!iso_canon(iso2, iso))
		return NULL;
	const struct rules *r = rules_for(iso);
	bool regnum = r->flags & REGNUM;
	json_t *calling = json_array();
	if (r->calling)
		json_array_append_new(calling, json_string(r->calling));
	return json_pack("{s:s, s:s, s:b, s:o, s:o, s:o, s:b, s:s, s:b, s:b, s:s, s:b, s:b, s:b,"
			 " s:b, s:o, s:{s:s}}",
			 "iso2Code", iso, "defaultCulture", r->culture,
			 "isStateRequired", (int)(r->flags & STATE_REQ),
			 "supportedStatesList", states_json(r->states),
			 "supportedLanguagesList", tags_json(r, true),
			 "supportedCulturesList", tags_json(r, false),
			 "isPostalCodeRequired", (int)(r->flags & POSTAL_REQ),
			 "postalCodeRegex", r->postal,
			 "isCityRequired", (int)(r->flags & CITY_REQ),
			 "isVatIdSupported", 0, "phoneNumberRegex", r->phone,
			 "isTaxIdSupported", 0, "isTaxIdOptional", 1,
			 "customerOrganizationRegistrationNumberRequired", (int)regnum,
			 "customerOrganizationPhoneNumberRequired", (int)regnum,
			 "countryCallingCodesList", calling,
			 "attributes", "objectType", "CustomerCountryValidationRules");
}

/* ---- the address validation service ------------------------------------------------- */

static bool same_text(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

static bool same_address(const struct pd_address *a, const struct pd_address *b)
{
	for (size_t i = 0; i < COUNT(address_fields); i++) {
		const char *x = *(const char *const *)((const char *)a + address_fields[i]);
		const char *y = *(const char *const *)((const char *)b + address_fields[i]);
		if (!same_text(x, y))
			return false;
	}
	return true;
}

const char *pd_uscc_province_name(const char *canon)
{
	char code[3];
	if (!canon || !pd_uscc_province(canon, code))
		return NULL;
	for (size_t i = 0; i < COUNT(provinces); i++)
		if (!strcmp(provinces[i].code, code))
			return provinces[i].full;
	return NULL;
}

/* True if s is a canonical province name (what check_state makes of a known one). */
static bool is_province(const char *s)
{
	for (size_t i = 0; s && i < COUNT(provinces); i++)
		if (!strcmp(provinces[i].full, s))
			return true;
	return false;
}

/* The province warning of a checked CN address and a valid USCC, or NULL: also when other
 * address fields are wrong or missing (the wizard asks as soon as the province is chosen). */
static json_t *province_warning(const struct pd_address *fixed, const char *uscc,
				enum pd_locale loc)
{
	const char *issued = pd_uscc_province_name(uscc);
	if (!issued || !fixed->country || strcmp(fixed->country, "CN") || !is_province(fixed->state) ||
	    !strcmp(issued, fixed->state))
		return NULL;
	char buf[1024];
	pd_msg_render(buf, sizeof buf, PD_MSG_USCC_PROVINCE, loc, "organizationRegistrationNumber", issued);
	return json_pack("{s:s, s:s, s:s, s:s}", "field", "organizationRegistrationNumber",
			 "code", "UsccProvinceMismatch", "province", issued, "message", buf);
}

json_t *pd_address_validate_uscc(const struct pd_address *a, const char *uscc,
				 struct pd_arena *ar, enum pd_locale loc)
{
	struct pd_address fixed = *a;
	struct pd_verrs errs = {0};
	struct ctx c = {&errs, ar, ""};
	check_address(&fixed, &c, false);
	json_t *warning = uscc ? province_warning(&fixed, uscc, loc) : NULL;
	const char *status = "Verified";
	json_t *suggested = json_array();
	if (errs.n) {
		status = "NotValidated";
	} else if (!same_address(a, &fixed)) {
		status = "InteractionRequired";
		json_array_append_new(suggested, pd_address_to_json(&fixed));
	} else if (warning) {
		status = "InteractionRequired";
	}
	json_t *out = json_object();
	json_object_set_new(out, "status", json_string(status));
	json_object_set_new(out, "originalAddress", pd_address_to_json(a));
	json_object_set_new(out, "suggestedAddresses", suggested);
	if (errs.n) {
		char buf[1024];
		const struct pd_verr *e = &errs.v[0];
		pd_msg_render(buf, sizeof buf, e->msg, loc, e->field, e->arg);
		json_object_set_new(out, "validationMessage", json_string(buf));
	} else if (warning) {
		json_object_set(out, "validationMessage", json_object_get(warning, "message"));
	}
	if (uscc)
		json_object_set_new(out, "warnings", warning ? json_pack("[o]", warning) : json_array());
	return out;
}

json_t *pd_address_validate(const struct pd_address *a, struct pd_arena *ar, enum pd_locale loc)
{
	return pd_address_validate_uscc(a, NULL, ar, loc);
}
