/* seed.c - `partnerd seed`: fills a store with realistic partners and customers for
 * benchmarks, through the same store operations the server uses (partner_insert,
 * user_insert, customer_insert with the customer's admin user), many rows per transaction.
 *
 * Data: Chinese company names (city + brand + industry + 有限公司/股份有限公司) and English
 * ones, addresses in all 34 provincial-level divisions of China with valid 6-digit postal codes
 * and mobile numbers, about 10% in Germany and 10% in the US with valid postal codes and states.
 * Names and addresses come from a deterministic generator (--seed); ids, etags and passwords
 * from the CSPRNG as in the server.  The first partner gets half of the customers (all of them
 * when there is one partner), the others share the rest.  Generated billing profiles are
 * checked with pd_billing_check (the first 2,000 rows and one in 997 after), so the data is
 * what the API itself would accept.
 *
 * Partner admins' passwords are generated (~116 bits) and kept as the fast keyed digest
 * (secret.h), like every generated password; they are returned so a benchmark can sign in. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "api.h"
#include "country.h"
#include "domain.h"
#include "ids.h"

#define BATCH 100000       /* rows per transaction */
#define PROGRESS 100000    /* rows between progress lines */
#define N(a) (sizeof(a) / sizeof *(a))

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r) /* splitmix64 */
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned pick(struct rng *r, size_t n)
{
	return (unsigned)(rnd(r) % n);
}

#define PICK(r, a) ((a)[pick(r, N(a))])

/* ---- word pools ---- */

struct cn_city {
	const char *province, *city, *pinyin, *postal; /* postal: first 3 digits */
	unsigned weight;
};

/* All 34 provincial-level divisions (canonical names as country.c), weighted roughly by the
 * number of companies; a few provinces with a second large city. */
static const struct cn_city cn_cities[] = {
	{"北京市", "北京", "beijing", "100", 10},       {"天津市", "天津", "tianjin", "300", 3},
	{"河北省", "石家庄", "shijiazhuang", "050", 2},  {"山西省", "太原", "taiyuan", "030", 1},
	{"内蒙古自治区", "呼和浩特", "huhehaote", "010", 1}, {"辽宁省", "沈阳", "shenyang", "110", 2},
	{"辽宁省", "大连", "dalian", "116", 1},         {"吉林省", "长春", "changchun", "130", 1},
	{"黑龙江省", "哈尔滨", "haerbin", "150", 1},     {"上海市", "上海", "shanghai", "200", 10},
	{"江苏省", "南京", "nanjing", "210", 4},        {"江苏省", "苏州", "suzhou", "215", 4},
	{"浙江省", "杭州", "hangzhou", "310", 6},       {"浙江省", "宁波", "ningbo", "315", 2},
	{"安徽省", "合肥", "hefei", "230", 2},          {"福建省", "福州", "fuzhou", "350", 2},
	{"福建省", "厦门", "xiamen", "361", 2},         {"江西省", "南昌", "nanchang", "330", 1},
	{"山东省", "济南", "jinan", "250", 2},          {"山东省", "青岛", "qingdao", "266", 2},
	{"河南省", "郑州", "zhengzhou", "450", 2},      {"湖北省", "武汉", "wuhan", "430", 3},
	{"湖南省", "长沙", "changsha", "410", 2},       {"广东省", "广州", "guangzhou", "510", 8},
	{"广东省", "深圳", "shenzhen", "518", 10},      {"广西壮族自治区", "南宁", "nanning", "530", 1},
	{"海南省", "海口", "haikou", "570", 1},         {"重庆市", "重庆", "chongqing", "400", 3},
	{"四川省", "成都", "chengdu", "610", 4},        {"贵州省", "贵阳", "guiyang", "550", 1},
	{"云南省", "昆明", "kunming", "650", 1},        {"西藏自治区", "拉萨", "lasa", "850", 1},
	{"陕西省", "西安", "xian", "710", 2},           {"甘肃省", "兰州", "lanzhou", "730", 1},
	{"青海省", "西宁", "xining", "810", 1},         {"宁夏回族自治区", "银川", "yinchuan", "750", 1},
	{"新疆维吾尔自治区", "乌鲁木齐", "wulumuqi", "830", 1}, {"台湾省", "台北", "taibei", "100", 1},
	{"台湾省", "台湾", "taiwan", "100", 2}, /* names beginning 台湾: the bench's 臺灣 row (issue 18) */
	{"香港特别行政区", "香港", "xianggang", "999", 1}, {"澳门特别行政区", "澳门", "aomen", "999", 1},
};

struct word {
	const char *zh, *py;
};

static const struct word brand1[] = {
	{"华", "hua"}, {"恒", "heng"}, {"鼎", "ding"}, {"博", "bo"}, {"天", "tian"}, {"瑞", "rui"},
	{"宏", "hong"}, {"金", "jin"}, {"新", "xin"}, {"卓", "zhuo"}, {"远", "yuan"}, {"云", "yun"},
	{"智", "zhi"}, {"海", "hai"}, {"星", "xing"}, {"同", "tong"}, {"明", "ming"}, {"嘉", "jia"},
	{"永", "yong"}, {"盛", "sheng"}, {"泰", "tai"}, {"安", "an"}, {"康", "kang"}, {"德", "de"},
	{"荣", "rong"}, {"凯", "kai"}, {"鑫", "xin"}, {"伟", "wei"}, {"中", "zhong"}, {"东", "dong"},
};
static const struct word brand2[] = {
	{"信", "xin"}, {"通", "tong"}, {"达", "da"}, {"成", "cheng"}, {"图", "tu"}, {"源", "yuan"},
	{"联", "lian"}, {"创", "chuang"}, {"辉", "hui"}, {"邦", "bang"}, {"润", "run"}, {"丰", "feng"},
	{"威", "wei"}, {"航", "hang"}, {"科", "ke"}, {"锐", "rui"}, {"立", "li"}, {"和", "he"},
	{"兴", "xing"}, {"宇", "yu"}, {"腾", "teng"}, {"讯", "xun"}, {"诚", "cheng"}, {"峰", "feng"},
	{"捷", "jie"}, {"弘", "hong"},
};
static const struct word cn_industry[] = {
	{"科技", "keji"}, {"信息技术", "xinxi"}, {"网络科技", "wangluo"}, {"贸易", "maoyi"},
	{"咨询", "zixun"}, {"电子", "dianzi"}, {"软件", "ruanjian"}, {"数据服务", "shuju"},
	{"云计算", "yunjisuan"}, {"智能科技", "zhineng"}, {"物流", "wuliu"}, {"实业", "shiye"},
	{"文化传媒", "chuanmei"}, {"医疗科技", "yiliao"}, {"新能源", "nengyuan"}, {"教育科技", "jiaoyu"},
	{"电子商务", "dianshang"}, {"供应链管理", "gongying"}, {"环保科技", "huanbao"}, {"建筑工程", "jianzhu"},
};
static const char *const cn_surname[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
					 "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
					 "郑", "梁", "谢", "宋", "唐", "欧阳", "司马"};
static const char *const cn_given[] = {"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军",
				       "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞",
				       "平", "刚", "桂英", "华", "婷", "浩然", "子涵", "欣怡", "宇轩", "梓萱"};
static const char *const cn_road[] = {"人民路", "中山路", "解放路", "建设路", "长江路", "和平路",
				      "新华路", "文化路", "科技路", "高新大道", "创业路", "学府路",
				      "滨江路", "东风路", "胜利路", "世纪大道", "湖滨路", "软件园路"};
static const char *const cn_building[] = {"国际大厦", "科技大厦", "金融中心", "创业园", "商务中心",
					  "软件园", "广场", "写字楼"};

static const char *const en_brand[] = {"Contoso", "Fabrikam", "Northwind", "Tailspin", "Litware",
				       "Adatum", "Wingtip", "Proseware", "Woodgrove", "Alpine Ski",
				       "Coho", "Lamna", "Trey Research", "Fourth Coffee", "Wide World",
				       "Blue Yonder", "Humongous", "Lucerne", "Relecloud", "Graphic Design"};
static const char *const en_industry[] = {"Technology", "Cloud Services", "Consulting", "Trading",
					  "Software", "Data", "Logistics", "Electronics", "Networks",
					  "Robotics", "Media", "Health"};
static const char *const us_suffix[] = {"Inc.", "LLC", "Corp.", "Ltd."};
static const char *const cn_en_suffix[] = {"Co., Ltd.", "Limited", "Group Co., Ltd."};
static const char *const en_first[] = {"James", "Mary", "John", "Patricia", "Robert", "Jennifer",
				       "Michael", "Linda", "David", "Elizabeth", "William", "Susan",
				       "Wei", "Li", "Min", "Jun"};
static const char *const en_last[] = {"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia",
				      "Miller", "Davis", "Wang", "Li", "Zhang", "Chen", "Wilson", "Moore"};
static const char *const en_street[] = {"Main Street", "Oak Avenue", "Pine Street", "Maple Avenue",
					"Cedar Road", "Lake Drive", "Park Avenue", "Washington Blvd"};

struct us_city {
	const char *city, *state, *zip3, *area;
};
static const struct us_city us_cities[] = {
	{"Redmond", "WA", "980", "425"},      {"Seattle", "WA", "981", "206"},
	{"San Francisco", "CA", "941", "415"}, {"Los Angeles", "CA", "900", "213"},
	{"New York", "NY", "100", "212"},     {"Austin", "TX", "787", "512"},
	{"Chicago", "IL", "606", "312"},      {"Boston", "MA", "021", "617"},
	{"Atlanta", "GA", "303", "404"},      {"Denver", "CO", "802", "303"},
	{"Miami", "FL", "331", "305"},        {"Portland", "OR", "972", "503"},
};

struct de_city {
	const char *city, *state, *plz3, *area;
};
static const struct de_city de_cities[] = {
	{"Berlin", "Berlin", "101", "30"},           {"München", "Bayern", "803", "89"},
	{"Hamburg", "Hamburg", "200", "40"},         {"Frankfurt am Main", "Hessen", "603", "69"},
	{"Köln", "Nordrhein-Westfalen", "506", "221"}, {"Stuttgart", "Baden-Württemberg", "701", "711"},
	{"Düsseldorf", "Nordrhein-Westfalen", "402", "211"}, {"Leipzig", "Sachsen", "041", "341"},
	{"Dresden", "Sachsen", "010", "351"},        {"Hannover", "Niedersachsen", "301", "511"},
	{"Nürnberg", "Bayern", "904", "911"},
};
static const char *const de_surname[] = {"Müller", "Schmidt", "Schneider", "Fischer", "Weber",
					 "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Schäfer",
					 "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder",
					 "Neumann", "Schwarz", "Zimmermann"};
static const char *const de_first[] = {"Anna", "Lukas", "Maria", "Jonas", "Sophie", "Felix", "Lena",
				       "Paul", "Jürgen", "Günter", "Käthe", "Ömer"};
static const char *const de_industry[] = {"Logistik", "Software", "Beratung", "Handel", "Elektronik",
					  "Maschinenbau", "IT-Service", "Medien", "Datentechnik"};
static const char *const de_suffix[] = {"GmbH", "GmbH & Co. KG", "AG", "KG", "UG (haftungsbeschränkt)"};
static const char *const de_street[] = {"Hauptstraße", "Bahnhofstraße", "Goethestraße", "Schillerstraße",
					"Lindenstraße", "Friedrichstraße", "Königsallee", "Gartenweg"};

/* ---- one customer ---- */

static unsigned cn_weight_total(void)
{
	unsigned t = 0;
	for (size_t i = 0; i < N(cn_cities); i++)
		t += cn_cities[i].weight;
	return t;
}

static const struct cn_city *pick_cn_city(struct rng *r, unsigned total)
{
	unsigned w = pick(r, total);
	for (size_t i = 0; i < N(cn_cities); i++) {
		if (w < cn_cities[i].weight)
			return &cn_cities[i];
		w -= cn_cities[i].weight;
	}
	return &cn_cities[0];
}

/* Lower-case ASCII letters and digits of s appended to out (cap bytes), up to `max` chars. */
static void stem_add(char *out, size_t cap, const char *s, size_t max)
{
	size_t n = strlen(out);
	for (; *s && n + 1 < cap && n < max; s++) {
		char ch = *s;
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			out[n++] = ch;
	}
	out[n] = 0;
}

static void base36(unsigned long long v, char *out, size_t cap)
{
	char tmp[16];
	size_t n = 0;
	do {
		tmp[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
		v /= 36;
	} while (v && n < sizeof tmp);
	size_t i = 0;
	for (; i < n && i + 1 < cap; i++)
		out[i] = tmp[n - 1 - i];
	out[i] = 0;
}

static const char *digits(struct rng *r, int n, struct pd_arena *ar)
{
	char *s = pd_alloc(ar, (size_t)n + 1);
	for (int i = 0; i < n; i++)
		s[i] = (char)('0' + pick(r, 10));
	return s;
}

struct gen {
	struct rng r;
	unsigned cn_total;
	char tag[8];              /* base36 of the seed: keeps domains of different seeds apart */
	const char *suffix;       /* domain suffix */
};

/* Fills c (strings in ar) as customer number `n` of the run; stem: the domain's readable part. */
static void gen_china(struct gen *g, struct pd_billing *b, char *stem, size_t cap, struct pd_arena *ar)
{
	struct rng *r = &g->r;
	const struct cn_city *city = pick_cn_city(r, g->cn_total);
	const struct word *w1 = &PICK(r, brand1), *w2 = &PICK(r, brand2), *ind = &PICK(r, cn_industry);
	bool latin = pick(r, 5) == 0; /* one in five CN companies is registered by an English name */
	if (latin) {
		const char *br = PICK(r, en_brand), *in = PICK(r, en_industry);
		char cityname[32];
		snprintf(cityname, sizeof cityname, "%s", city->pinyin);
		cityname[0] = (char)(cityname[0] - 'a' + 'A');
		b->company_name = pd_printf(ar, "%s %s %s %s", cityname, br, in, PICK(r, cn_en_suffix));
		stem_add(stem, cap, br, 10);
		stem_add(stem, cap, city->pinyin, 16);
		b->culture = "en-US";
		b->language = "en";
	} else {
		switch (pick(r, 4)) {
		case 0: /* 华信（上海）科技股份有限公司 */
			b->company_name = pd_printf(ar, "%s%s（%s）%s股份有限公司", w1->zh, w2->zh, city->city, ind->zh);
			break;
		default: /* 上海华信科技有限公司 */
			b->company_name = pd_printf(ar, "%s%s%s%s有限公司", city->city, w1->zh, w2->zh, ind->zh);
		}
		stem_add(stem, cap, w1->py, 8);
		stem_add(stem, cap, w2->py, 14);
		stem_add(stem, cap, ind->py, 20);
		b->culture = "zh-CN";
		b->language = "zh";
	}
	b->addr.first_name = PICK(r, cn_given);
	b->addr.last_name = PICK(r, cn_surname);
	b->addr.line1 = pd_printf(ar, "%s%u号", PICK(r, cn_road), 1 + pick(r, 999));
	if (pick(r, 2))
		b->addr.line2 = pd_printf(ar, "%s%u层%u室", PICK(r, cn_building), 1 + pick(r, 40), 1 + pick(r, 30));
	b->addr.city = city->city;
	b->addr.state = city->province;
	b->addr.postal_code = !strcmp(city->postal, "999")
		? (!strcmp(city->city, "香港") ? "999077" : "999078")
		: pd_printf(ar, "%s%s", city->postal, digits(r, 3, ar));
	b->addr.country = "CN";
	b->addr.phone = pd_printf(ar, "1%c%s", "3456789"[pick(r, 7)], digits(r, 9, ar));
	b->email = pd_printf(ar, "%s@%s.com.cn", pick(r, 2) ? "it" : "admin", stem);
}

static void gen_germany(struct gen *g, struct pd_billing *b, char *stem, size_t cap, struct pd_arena *ar)
{
	struct rng *r = &g->r;
	const struct de_city *city = &PICK(r, de_cities);
	const char *sur = PICK(r, de_surname), *ind = PICK(r, de_industry);
	b->company_name = pick(r, 3) ? pd_printf(ar, "%s %s %s", sur, ind, PICK(r, de_suffix))
				     : pd_printf(ar, "%s & %s %s", sur, PICK(r, de_surname), PICK(r, de_suffix));
	stem_add(stem, cap, sur, 10);
	stem_add(stem, cap, ind, 18);
	b->culture = "de-DE";
	b->language = "de";
	b->addr.first_name = PICK(r, de_first);
	b->addr.last_name = PICK(r, de_surname);
	b->addr.line1 = pd_printf(ar, "%s %u", PICK(r, de_street), 1 + pick(r, 200));
	b->addr.city = city->city;
	b->addr.state = city->state;
	b->addr.postal_code = pd_printf(ar, "%s%s", city->plz3, digits(r, 2, ar));
	b->addr.country = "DE";
	b->addr.phone = pd_printf(ar, "+49 %s %s", city->area, digits(r, 7, ar));
	b->email = pd_printf(ar, "info@%s.de", stem);
}

static void gen_us(struct gen *g, struct pd_billing *b, char *stem, size_t cap, struct pd_arena *ar)
{
	struct rng *r = &g->r;
	const struct us_city *city = &PICK(r, us_cities);
	const char *br = PICK(r, en_brand), *in = PICK(r, en_industry);
	b->company_name = pd_printf(ar, "%s %s %s", br, in, PICK(r, us_suffix));
	stem_add(stem, cap, br, 12);
	stem_add(stem, cap, in, 20);
	b->culture = "en-US";
	b->language = "en";
	b->addr.first_name = PICK(r, en_first);
	b->addr.last_name = PICK(r, en_last);
	b->addr.line1 = pd_printf(ar, "%u %s", 1 + pick(r, 9999), PICK(r, en_street));
	if (pick(r, 3) == 0)
		b->addr.line2 = pd_printf(ar, "Suite %u", 100 + pick(r, 900));
	b->addr.city = city->city;
	b->addr.state = city->state;
	b->addr.postal_code = pd_printf(ar, "%s%s", city->zip3, digits(r, 2, ar));
	b->addr.country = "US";
	b->addr.phone = pd_printf(ar, "+1 %s 555 %s", city->area, digits(r, 4, ar));
	b->email = pd_printf(ar, "it@%s.com", stem);
}

/* Customer number n (0-based over the run) of `partner`, with tenant id `id`. */
static void gen_customer(struct gen *g, unsigned long long n, const char *partner, const char *id,
			 const unsigned char key[PD_KEY_LEN], long long created, struct pd_customer *c,
			 struct pd_customer_user *admin, struct pd_arena *ar)
{
	char stem[32] = "", num[16], prefix[PD_DOMAIN_PREFIX_MAX + 1];
	memset(c, 0, sizeof *c);
	unsigned country = pick(&g->r, 10);
	if (country == 0)
		gen_germany(g, &c->billing, stem, sizeof stem, ar);
	else if (country == 1)
		gen_us(g, &c->billing, stem, sizeof stem, ar);
	else
		gen_china(g, &c->billing, stem, sizeof stem, ar);
	/* the domain: readable stem + base36 counter + the run's tag, at most 27 characters */
	base36(n, num, sizeof num);
	size_t room = PD_DOMAIN_PREFIX_MAX - strlen(num) - strlen(g->tag);
	snprintf(prefix, sizeof prefix, "%.*s%s%s", (int)room, *stem ? stem : "c", num, g->tag);
	char *uid = pd_alloc(ar, PD_UUID_LEN + 1);
	char *etag = pd_alloc(ar, PD_ETAG_LEN + 1), *hash = pd_alloc(ar, PD_PWHASH_LEN);
	char password[PD_GENPW_CHARS + 1];
	pd_uuid_new(uid);
	pd_etag_new(etag);
	pd_password_generate(password);
	pd_generated_password_encode(key, password, hash);
	c->id = id;
	c->domain = pd_printf(ar, "%s.%s", prefix, g->suffix);
	c->relationship = "reseller";
	c->created = c->updated = created;
	c->admin_user = pd_printf(ar, "admin@%s", c->domain);
	c->billing.etag = etag;
	c->billing.first_name = c->billing.addr.first_name; /* as pd_billing_check defaults them */
	c->billing.last_name = c->billing.addr.last_name;
	*admin = (struct pd_customer_user){.partner_id = partner, .customer_id = id, .id = uid,
					   .upn = c->admin_user, .display_name = "Administrator",
					   .first_name = c->billing.addr.first_name,
					   .last_name = c->billing.addr.last_name,
					   .usage_location = c->billing.addr.country,
					   .roles = "company_administrator", .state = "active",
					   .password_hash = hash, .must_change_password = true,
					   .created = created};
}

/* ---- the run ---- */

typedef char uuid_text[PD_UUID_LEN + 1];

static int by_text(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* n random (v4) tenant ids in ascending order: the customers, their users and the tenant
 * index are then filled in key order instead of at random places.  NULL if out of memory. */
static uuid_text *sorted_ids(long long n)
{
	uuid_text *ids = malloc(sizeof *ids * (size_t)(n ? n : 1));
	for (long long i = 0; ids && i < n; i++)
		pd_uuid_new(ids[i]);
	if (ids)
		qsort(ids, (size_t)n, sizeof *ids, by_text);
	return ids;
}

struct seed_partner {
	char id[PD_UUID_LEN + 1];
	long long customers;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum pd_err add_partners(struct store *st, struct gen *g, struct seed_partner *ps,
				long partners, const unsigned char key[PD_KEY_LEN], json_t *list)
{
	long long now = (long long)time(NULL);
	enum pd_err e = store_begin(st);
	for (long i = 0; e == PD_OK && i < partners; i++) {
		char uid[PD_UUID_LEN + 1], pw[PD_GENPW_CHARS + 1], hash[PD_PWHASH_LEN];
		char name[64], email[96];
		pd_uuid_new(ps[i].id);
		pd_uuid_new(uid);
		pd_password_generate(pw);
		pd_generated_password_encode(key, pw, hash);
		snprintf(name, sizeof name, "Seed partner %ld (%s)", i + 1, g->tag);
		snprintf(email, sizeof email, "admin%ld.%s@seed.partnerd.local", i + 1, g->tag);
		struct pd_partner p = {.id = ps[i].id, .name = name, .created = now};
		struct pd_user u = {.partner_id = p.id, .id = uid, .email = email,
				    .display_name = "Global admin", .password_hash = hash,
				    .roles = "global_admin", .state = "active", .created = now};
		e = store_partner_insert(st, &p);
		if (e == PD_OK)
			e = store_user_insert(st, &u);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:I}", "partnerId", p.id,
						      "name", name, "userName", email, "password", pw,
						      "customers", (json_int_t)ps[i].customers));
	}
	if (e == PD_OK)
		return store_commit(st);
	store_rollback(st);
	return e;
}

static bool check_billing(struct pd_customer *c, unsigned long long n, struct pd_arena *ar,
			  char *errbuf, size_t cap)
{
	struct pd_verrs errs = {0};
	pd_billing_check(&c->billing, c->regnum, "billingProfile", &errs, ar);
	if (!errs.n)
		return true;
	snprintf(errbuf, cap, "generated customer %llu (%s, %s) fails %s", n, c->billing.company_name,
		 c->billing.addr.country, errs.v[0].field);
	return false;
}

enum pd_err pd_seed(const char *db_url, long partners, long long customers, unsigned long long seed,
		    const char *domain_suffix, json_t **result, char *errbuf, size_t cap)
{
	unsigned char key[PD_KEY_LEN];
	struct gen g = {.r = {seed * 0x2545f4914f6cdd1dull + 1}, .cn_total = cn_weight_total(),
			.suffix = domain_suffix ? domain_suffix : PD_DEFAULT_DOMAIN_SUFFIX};
	*result = NULL;
	if (partners < 1 || partners > 100000 || customers < 0)
		return snprintf(errbuf, cap, "--partners must be 1-100000 and --customers >= 0"), PD_EINVAL;
	base36(seed % (36ull * 36 * 36), g.tag, sizeof g.tag);
	struct store *st;
	enum pd_err e = store_open(db_url, true, &st, errbuf, cap);
	if (e != PD_OK)
		return e;
	struct seed_partner *ps = calloc((size_t)partners, sizeof *ps);
	if (!ps || store_secret_key(st, key) != PD_OK) {
		free(ps);
		store_close(st);
		return snprintf(errbuf, cap, "cannot read the store's digest key"), PD_EIO;
	}
	/* half to the first partner, the rest spread evenly over the others */
	long long first = partners == 1 ? customers : customers / 2, rest = customers - first;
	ps[0].customers = first;
	for (long i = 1; i < partners; i++)
		ps[i].customers = rest / (partners - 1) + (i <= rest % (partners - 1) ? 1 : 0);
	json_t *list = json_array();
	e = add_partners(st, &g, ps, partners, key, list);
	if (e != PD_OK)
		snprintf(errbuf, cap, "cannot add the partners (%s)%s", pd_err_name(e),
			 e == PD_ECONFLICT ? ": this store was seeded with this --seed already" : "");

	if (e == PD_OK)
		e = store_bulk_load(st, true);
	double t0 = now_s(), last = t0;
	long long now = (long long)time(NULL), span = 3 * 365 * 86400LL; /* created over 3 years */
	unsigned long long n = 0;
	struct pd_arena *ar = NULL;
	bool in_tx = false;
	for (long p = 0; e == PD_OK && p < partners; p++) {
		uuid_text *ids = sorted_ids(ps[p].customers);
		if (!ids)
			e = PD_ENOMEM;
		for (long long i = 0; e == PD_OK && i < ps[p].customers; i++, n++) {
			if (n % BATCH == 0) {
				ar = pd_arena_new();
				e = store_begin(st);
				in_tx = e == PD_OK;
			}
			struct pd_customer c;
			struct pd_customer_user admin;
			long long created = now - span + (customers ? (long long)(span * (double)n / (double)customers) : 0);
			gen_customer(&g, n, ps[p].id, ids[i], key, created, &c, &admin, ar);
			if (e == PD_OK && (n < 2000 || n % 997 == 0) && !check_billing(&c, n, ar, errbuf, cap))
				e = PD_EINVAL;
			if (e == PD_OK && (e = store_customer_insert(st, ps[p].id, &c, &admin)) != PD_OK)
				snprintf(errbuf, cap, "customer %llu (%s) refused: %s", n, c.domain, pd_err_name(e));
			bool end = (n + 1) % BATCH == 0 || n + 1 == (unsigned long long)customers;
			if (e == PD_OK && end) {
				in_tx = false;
				if ((e = store_commit(st)) != PD_OK)
					snprintf(errbuf, cap, "commit failed: %s", pd_err_name(e));
			}
			if (end || e != PD_OK) {
				if (in_tx)
					store_rollback(st);
				in_tx = false;
				pd_arena_free(ar);
				ar = NULL;
			}
			if (e == PD_OK && (n + 1) % PROGRESS == 0) {
				double t = now_s();
				fprintf(stderr, "seed: %llu/%lld customers, %.0f rows/s (last %d: %.0f rows/s)\n",
					n + 1, customers, (double)(n + 1) / (t - t0), PROGRESS, PROGRESS / (t - last));
				last = t;
			}
		}
		free(ids);
	}
	enum pd_err done = store_bulk_load(st, false); /* also after a failure */
	if (e == PD_OK && (e = done) != PD_OK)
		snprintf(errbuf, cap, "cannot finish the bulk load: %s", pd_err_name(e));
	double secs = now_s() - t0;
	free(ps);
	store_close(st);
	if (e != PD_OK) {
		json_decref(list);
		return e;
	}
	*result = json_pack("{s:I, s:I, s:f, s:f, s:o}", "partners", (json_int_t)partners,
			    "customers", (json_int_t)customers, "seconds", secs,
			    "rowsPerSecond", secs > 0 ? (double)customers / secs : 0.0, "admins", list);
	return PD_OK;
}
