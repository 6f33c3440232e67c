/* model.c - JSON mapping of the customer-account models through field tables: one row per
 * field names its JSON property, where it lives in the struct and its length limit, and
 * both decoding and encoding walk the same table.  Semantic rules (countries, emails) live
 * in country.c; this file only maps and checks shape. */
#include "model.h"
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct field {
	const char *json;   /* camelCase property name */
	size_t json_len;
	size_t off;         /* offset of the const char * in the struct */
	size_t max;         /* upper bound in bytes at decode (code points are checked later) */
};

#define AF(name, member, max) {name, sizeof name - 1, offsetof(struct pd_address, member), max}
static const struct field address_fields[] = {
	AF("firstName", first_name, 1024),  AF("lastName", last_name, 1024),
	AF("addressLine1", line1, 4096),    AF("addressLine2", line2, 4096),
	AF("addressLine3", line3, 4096),    AF("city", city, 1024),
	AF("state", state, 1024),           AF("district", district, 1024),
	AF("postalCode", postal_code, 256), AF("country", country, 64),
	AF("phoneNumber", phone, 256),
};
#define BF(name, member, max) {name, sizeof name - 1, offsetof(struct pd_billing, member), max}
static const struct field billing_fields[] = {
	BF("firstName", first_name, 1024), BF("lastName", last_name, 1024),
	BF("email", email, 2048),          BF("culture", culture, 64),
	BF("language", language, 64),      BF("companyName", company_name, 4096),
};
#define FF(name, member, max) {name, sizeof name - 1, offsetof(struct pd_fapiao, member), max}
static const struct field fapiao_fields[] = {
	FF("invoiceType", invoice_type, 64),           FF("title", title, 4096),
	FF("taxpayerId", taxpayer_id, 256),            FF("registeredAddress", registered_address, 4096),
	FF("registeredPhone", registered_phone, 256),  FF("bankName", bank_name, 4096),
	FF("bankAccount", bank_account, 256),          FF("recipientName", recipient_name, 1024),
	FF("recipientMobile", recipient_mobile, 256),  FF("recipientEmail", recipient_email, 2048),
};
/* fapiao's members in the order they are written; "digital" is its one boolean */
static const char *const fapiao_names[] = {
	"invoiceType", "digital", "title", "taxpayerId", "registeredAddress", "registeredPhone",
	"bankName", "bankAccount", "recipientName", "recipientMobile", "recipientEmail", NULL,
};
#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

static const char **slot(void *base, const struct field *f)
{
	return (const char **)((char *)base + f->off);
}

json_t *pd_json_get(json_t *o, const char *name)
{
	const char *k;
	json_t *v;
	if (!json_is_object(o))
		return NULL;
	json_t *found = json_object_get(o, name);
	if (!found) {
		json_object_foreach(o, k, v) {
			if (!strcasecmp(k, name)) {
				found = v;
				break;
			}
		}
	}
	return json_is_null(found) ? NULL : found;
}

static const char *trimmed(struct pd_arena *ar, const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return n ? pd_strndup(ar, s, n) : NULL;
}

static void decode_fields(json_t *o, const char *prefix, void *base, const struct field *t,
			  size_t nt, struct pd_verrs *errs, struct pd_arena *ar)
{
	for (size_t i = 0; i < nt; i++) {
		json_t *v = pd_json_get(o, t[i].json);
		const char *path = pd_printf(ar, "%s.%s", prefix, t[i].json);
		if (!v)
			continue;
		if (!json_is_string(v)) {
			pd_verr_add(errs, 3000, path, PD_MSG_BAD_TYPE, "a string");
			continue;
		}
		if (json_string_length(v) > t[i].max) {
			pd_verr_add(errs, 3000, path, PD_MSG_TOO_LONG, pd_printf(ar, "%zu", t[i].max));
			continue;
		}
		*slot(base, &t[i]) = trimmed(ar, json_string_value(v), json_string_length(v));
	}
}

static int expect_object(json_t *o, const char *prefix, struct pd_verrs *errs)
{
	if (!o) {
		pd_verr_add(errs, 3000, prefix, PD_MSG_REQUIRED, NULL);
		return 0;
	}
	if (!json_is_object(o)) {
		pd_verr_add(errs, 3000, prefix, PD_MSG_BAD_TYPE, "an object");
		return 0;
	}
	return 1;
}

void pd_address_from_json(json_t *o, const char *prefix, struct pd_address *out,
			  struct pd_verrs *errs, struct pd_arena *ar)
{
	memset(out, 0, sizeof *out);
	if (expect_object(o, prefix, errs))
		decode_fields(o, prefix, out, address_fields, NFIELDS(address_fields), errs, ar);
}

void pd_json_unknown_members(json_t *o, const char *prefix, const char *const *known,
			     struct pd_verrs *errs, struct pd_arena *ar)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		const char *const *n = known;
		while (*n && strcasecmp(*n, k))
			n++;
		if (!*n)
			pd_verr_add(errs, 3000, pd_printf(ar, "%s.%s", prefix, k), PD_MSG_UNKNOWN_FIELD, NULL);
	}
}

/* billingProfile.fapiao: an object of the known members only; NULL when absent. */
static struct pd_fapiao *fapiao_from_json(json_t *o, const char *prefix, struct pd_verrs *errs,
					  struct pd_arena *ar)
{
	if (!o)
		return NULL;
	if (!expect_object(o, prefix, errs))
		return NULL;
	struct pd_fapiao *f = pd_alloc(ar, sizeof *f);
	memset(f, 0, sizeof *f);
	f->digital = -1;
	pd_json_unknown_members(o, prefix, fapiao_names, errs, ar);
	decode_fields(o, prefix, f, fapiao_fields, NFIELDS(fapiao_fields), errs, ar);
	json_t *d = pd_json_get(o, "digital");
	if (d && !json_is_boolean(d))
		pd_verr_add(errs, 3000, pd_printf(ar, "%s.digital", prefix), PD_MSG_BAD_TYPE, "true or false");
	else if (d)
		f->digital = json_is_true(d);
	return f;
}

void pd_billing_from_json(json_t *o, const char *prefix, struct pd_billing *out,
			  struct pd_verrs *errs, struct pd_arena *ar)
{
	memset(out, 0, sizeof *out);
	if (!expect_object(o, prefix, errs))
		return;
	decode_fields(o, prefix, out, billing_fields, NFIELDS(billing_fields), errs, ar);
	pd_address_from_json(pd_json_get(o, "defaultAddress"), pd_printf(ar, "%s.defaultAddress", prefix),
			     &out->addr, errs, ar);
	out->fapiao = fapiao_from_json(pd_json_get(o, "fapiao"), pd_printf(ar, "%s.fapiao", prefix), errs, ar);
	json_t *attrs = pd_json_get(o, "attributes");
	json_t *etag = attrs ? pd_json_get(attrs, "etag") : NULL;
	if (json_is_string(etag))
		out->etag = pd_strdup(ar, json_string_value(etag));
}

static bool in_table(const char *k, const struct field *t, size_t nt)
{
	for (size_t i = 0; i < nt; i++)
		if (!strcasecmp(k, t[i].json))
			return true;
	return false;
}

static void unknown_fields(json_t *o, const char *prefix, const struct field *t, size_t nt,
			   const char *const *also, struct pd_verrs *errs, struct pd_arena *ar)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		bool known = json_is_null(v) || in_table(k, t, nt);
		for (const char *const *a = also; !known && *a; a++)
			known = !strcasecmp(k, *a);
		if (!known)
			pd_verr_add(errs, 3000, pd_printf(ar, "%s.%s", prefix, k), PD_MSG_NOT_ACCEPTED, NULL);
	}
}

/* fapiao has its own table and unknown-member check (fapiao.c). */
void pd_billing_unknown(json_t *o, const char *prefix, struct pd_verrs *errs, struct pd_arena *ar)
{
	static const char *const billing_also[] = {"defaultAddress", "fapiao", "id", "attributes", "links", NULL};
	static const char *const none[] = {NULL};
	if (!json_is_object(o))
		return;
	unknown_fields(o, prefix, billing_fields, NFIELDS(billing_fields), billing_also, errs, ar);
	json_t *a = pd_json_get(o, "defaultAddress");
	if (json_is_object(a))
		unknown_fields(a, pd_printf(ar, "%s.defaultAddress", prefix), address_fields, NFIELDS(address_fields),
			       none, errs, ar);
}

static void encode_fields(json_t *o, const void *base, const struct field *t, size_t nt)
{
	for (size_t i = 0; i < nt; i++) {
		const char *s = *slot((void *)base, &t[i]);
		if (s)
			json_object_set_new(o, t[i].json, json_string(s));
	}
}

json_t *pd_link(const char *uri, const char *method)
{
	return json_pack("{s:s, s:s, s:[]}", "uri", uri, "method", method, "headers");
}

/* Adds Partner Center's resource metadata: links.self and attributes (objectType, etag). */
static json_t *with_meta(json_t *r, const char *uri, const char *object_type, const char *etag)
{
	json_object_set_new(r, "links", json_pack("{s:o}", "self", pd_link(uri, "GET")));
	json_t *attrs = json_pack("{s:s}", "objectType", object_type);
	if (etag)
		json_object_set_new(attrs, "etag", json_string(etag));
	json_object_set_new(r, "attributes", attrs);
	return r;
}

json_t *pd_address_to_json(const struct pd_address *a)
{
	json_t *o = json_object();
	encode_fields(o, a, address_fields, NFIELDS(address_fields));
	return o;
}

static json_t *fapiao_to_json(const struct pd_fapiao *f)
{
	json_t *o = json_object();
	encode_fields(o, f, fapiao_fields, 1); /* invoiceType first, as fapiao_names orders them */
	if (f->digital >= 0)
		json_object_set_new(o, "digital", json_boolean(f->digital));
	encode_fields(o, f, fapiao_fields + 1, NFIELDS(fapiao_fields) - 1);
	return o;
}

json_t *pd_billing_to_json(const struct pd_billing *b, const char *customer_id)
{
	char uri[128];
	snprintf(uri, sizeof uri, "/customers/%s/profiles/billing", customer_id);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(customer_id));
	encode_fields(o, b, billing_fields, NFIELDS(billing_fields));
	json_object_set_new(o, "defaultAddress", pd_address_to_json(&b->addr));
	if (b->fapiao)
		json_object_set_new(o, "fapiao", fapiao_to_json(b->fapiao));
	return with_meta(o, uri, "CustomerBillingProfile", b->etag);
}

json_t *pd_company_to_json(const struct pd_customer *c)
{
	char uri[128];
	snprintf(uri, sizeof uri, "/customers/%s/profiles/company", c->id);
	json_t *o = json_object();
	json_object_set_new(o, "tenantId", json_string(c->id));
	json_object_set_new(o, "domain", json_string(c->domain));
	json_object_set_new(o, "companyName", json_string(c->billing.company_name));
	if (c->billing.email) /* Partner Center's company profile e-mail: the billing contact's */
		json_object_set_new(o, "email", json_string(c->billing.email));
	if (c->regnum)
		json_object_set_new(o, "organizationRegistrationNumber", json_string(c->regnum));
	json_t *addr = pd_address_to_json(&c->billing.addr);
	json_object_del(addr, "firstName");
	json_object_del(addr, "lastName");
	json_object_set_new(o, "address", addr);
	return with_meta(o, uri, "CustomerCompanyProfile", NULL);
}

json_t *pd_customer_to_json(const struct pd_customer *c)
{
	char uri[96];
	snprintf(uri, sizeof uri, "/customers/%s", c->id);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(c->id));
	json_object_set_new(o, "commerceId", json_string(c->id));
	json_object_set_new(o, "companyProfile", pd_company_to_json(c));
	json_object_set_new(o, "billingProfile", pd_billing_to_json(&c->billing, c->id));
	json_object_set_new(o, "relationshipToPartner", json_string(c->relationship ? c->relationship : "reseller"));
	json_object_set_new(o, "allowDelegatedAccess", json_true());
	if (c->associated_partner_id)
		json_object_set_new(o, "associatedPartnerId", json_string(c->associated_partner_id));
	json_object_set_new(o, "customDomains", json_array()); /* only the default domain (docs/api-notes.md) */
	return with_meta(o, uri, "Customer", NULL);
}

/* ---- direct writers: the trees above, written straight into a buffer ---- */

static void write_fields(struct pd_buf *o, const void *base, const struct field *t, size_t nt,
			 size_t skip)
{
	for (size_t i = skip; i < nt; i++)
		pd_jw_kstr_n(o, t[i].json, t[i].json_len, *slot((void *)base, &t[i]));
}

/* "links":{"self":{...}},"attributes":{"objectType":...[,"etag":...]} as with_meta adds them;
 * the uri is "/customers/" + id + tail (ids are UUIDs, tails and object types constants:
 * nothing to escape), written as a few literal runs. */
static void write_meta(struct pd_buf *o, const char *id, const char *tail, const char *object_type,
		       const char *etag)
{
	pd_buf_lit(o, ",\"links\":{\"self\":{\"uri\":\"/customers/");
	pd_buf_lit(o, id);
	pd_buf_lit(o, tail);
	pd_buf_lit(o, "\",\"method\":\"GET\",\"headers\":[]}},\"attributes\":{\"objectType\":\"");
	pd_buf_lit(o, object_type);
	pd_buf_lit(o, "\"");
	pd_jw_kstr(o, "etag", etag);
	pd_jw_close(o);
}

/* Where the company profile's address members (line1 .. phoneNumber) lie in the buffer: the
 * billing profile's defaultAddress has the same ones after its names, copied, not escaped
 * again. */
struct span {
	size_t off, len;
};

/* address_fields begins with firstName and lastName, which the company profile leaves out. */
static struct span write_company_address(struct pd_buf *o, const struct pd_address *a)
{
	pd_jw_key(o, "address");
	pd_jw_open(o);
	struct span s = {o->len, 0};
	write_fields(o, a, address_fields, NFIELDS(address_fields), 2);
	s.len = o->len - s.off;
	pd_jw_close(o);
	return s;
}

static void write_default_address(struct pd_buf *o, const struct pd_address *a, const struct span *rest)
{
	pd_jw_key(o, "defaultAddress");
	pd_jw_open(o);
	write_fields(o, a, address_fields, 2, 0);
	if (!rest) {
		write_fields(o, a, address_fields, NFIELDS(address_fields), 2);
	} else if (rest->len) {
		pd_jw_next(o);
		pd_buf_add_own(o, rest->off, rest->len);
	}
	pd_jw_close(o);
}

static void write_fapiao(struct pd_buf *o, const struct pd_fapiao *f)
{
	if (!f)
		return;
	pd_jw_key(o, "fapiao");
	pd_jw_open(o);
	write_fields(o, f, fapiao_fields, 1, 0);
	if (f->digital >= 0) {
		pd_jw_key(o, "digital");
		pd_buf_lit(o, f->digital ? "true" : "false");
	}
	write_fields(o, f, fapiao_fields, NFIELDS(fapiao_fields), 1);
	pd_jw_close(o);
}

static void write_billing(struct pd_buf *o, const struct pd_billing *b, const char *customer_id,
			  const struct span *addr)
{
	pd_jw_key(o, "billingProfile");
	pd_jw_open(o);
	pd_jw_kstr(o, "id", customer_id);
	write_fields(o, b, billing_fields, NFIELDS(billing_fields), 0);
	write_default_address(o, &b->addr, addr);
	write_fapiao(o, b->fapiao);
	write_meta(o, customer_id, "/profiles/billing", "CustomerBillingProfile", b->etag);
	pd_jw_close(o);
}

static struct span write_company(struct pd_buf *o, const struct pd_customer *c)
{
	pd_jw_key(o, "companyProfile");
	pd_jw_open(o);
	pd_jw_kstr(o, "tenantId", c->id);
	pd_jw_kstr(o, "domain", c->domain);
	pd_jw_kstr(o, "companyName", c->billing.company_name);
	pd_jw_kstr(o, "email", c->billing.email);
	pd_jw_kstr(o, "organizationRegistrationNumber", c->regnum);
	struct span addr = write_company_address(o, &c->billing.addr);
	write_meta(o, c->id, "/profiles/company", "CustomerCompanyProfile", NULL);
	pd_jw_close(o);
	return addr;
}

void pd_customer_write(struct pd_buf *o, const struct pd_customer *c)
{
	pd_jw_open(o);
	pd_jw_kstr(o, "id", c->id);
	pd_jw_kstr(o, "commerceId", c->id);
	struct span addr = write_company(o, c);
	write_billing(o, &c->billing, c->id, &addr);
	pd_jw_kstr(o, "relationshipToPartner", c->relationship ? c->relationship : "reseller");
	pd_buf_lit(o, ",\"allowDelegatedAccess\":true,\"customDomains\":[]");
	pd_jw_kstr(o, "associatedPartnerId", c->associated_partner_id);
	write_meta(o, c->id, "", "Customer", NULL);
	pd_jw_close(o);
}

void pd_billing_write_stored(struct pd_buf *o, const struct pd_billing *b)
{
	pd_jw_open(o);
	write_fields(o, b, billing_fields, NFIELDS(billing_fields), 0);
	write_default_address(o, &b->addr, NULL);
	write_fapiao(o, b->fapiao);
	pd_jw_close(o);
}

/* ---- the stored billing form, read without a JSON tree ---- */

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char ch = p[i];
		int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
			: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* One \uXXXX escape (a surrogate pair: two) at p (after the backslash); NULL if malformed. */
static const char *read_u(const char *p, char **o)
{
	int hi = hex4(p + 1);
	if (hi <= 0 || (hi >= 0xdc00 && hi < 0xe000))
		return NULL; /* \u0000 or a lone low surrogate */
	p += 5;
	unsigned cp = (unsigned)hi;
	if (hi >= 0xd800 && hi < 0xdc00) {
		int lo = p[0] == '\\' && p[1] == 'u' ? hex4(p + 2) : -1;
		if (lo < 0xdc00 || lo >= 0xe000)
			return NULL;
		cp = 0x10000 + (((unsigned)hi - 0xd800) << 10) + ((unsigned)lo - 0xdc00);
		p += 6;
	}
	*o = put_utf8(*o, cp);
	return p;
}

/* [s, end) trimmed as trimmed() does, in place (the buffer is the caller's arena copy). */
static const char *trim_in_place(char *s, char *end)
{
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		end--;
	*end = 0;
	return s < end ? s : NULL;
}

/* The byte a one-letter escape stands for (\" \\ \/ \b \f \n \r \t), 0 for any other. */
static char unescaped(char e)
{
	switch (e) {
	case '"': case '\\': case '/': return e;
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	default: return 0;
	}
}

/* The stored text being read and one arena block as long as it, into which every string is
 * unescaped at its own offset: an unescaped string is never longer than its JSON form, so its
 * NUL lands at the latest on its closing quote's place (one allocation per row, not one per
 * member). */
struct reader {
	const char *text;
	char *copy;
	struct pd_arena *ar;
};

/* The closing quote of the string whose first byte is p (a quote after an odd run of
 * backslashes is escaped), or the NUL ending the text. */
static const char *string_end(const char *p)
{
	for (const char *q = p;; q++) {
		q = strchrnul(q, '"');
		if (!*q)
			return q;
		size_t bs = 0;
		while (q - bs > p && q[-1 - (ptrdiff_t)bs] == '\\')
			bs++;
		if (!(bs & 1))
			return q;
	}
}

/* The JSON string at *pp (its opening quote), unescaped and trimmed into rd's copy; *pp moves
 * past the closing quote.  *ok turns false on a malformed string. */
static const char *read_string(const char **pp, bool *ok, struct reader *rd)
{
	const char *p = *pp + 1, *end = string_end(p);
	char *out = rd->copy + (p - rd->text), *o = out;
	while (p < end && *ok) {
		const char *bs = memchr(p, '\\', (size_t)(end - p));
		size_t run = (size_t)((bs ? bs : end) - p);
		memcpy(o, p, run);
		o += run, p += run;
		if (p == end)
			break;
		char ch = unescaped(p[1]);
		if (p[1] == 'u') {
			p = read_u(p + 1, &o);
			*ok = p != NULL;
		} else if (ch) {
			*o++ = ch;
			p += 2;
		} else {
			*ok = false;
		}
	}
	*ok = *ok && *end == '"';
	*pp = end + (*end == '"');
	*o = 0;
	return trim_in_place(out, o);
}

static const struct field *find_field(const struct field *t, size_t nt, const char *k, size_t n)
{
	for (size_t i = 0; i < nt; i++)
		if (t[i].json_len == n && !memcmp(t[i].json, k, n))
			return &t[i];
	return NULL;
}

static bool key_is(const char *k, size_t kn, const char *name)
{
	return kn == strlen(name) && !memcmp(k, name, kn);
}

/* fapiao's "digital": true or false at *pp. */
static bool read_bool(const char **pp, int *out)
{
	bool t = !strncmp(*pp, "true", 4), f = !strncmp(*pp, "false", 5);
	*out = t;
	*pp += t ? 4 : f ? 5 : 0;
	return t || f;
}

static bool read_object(const char **pp, void *base, const struct field *t, size_t nt,
			struct pd_billing *bill, struct pd_fapiao *fap, struct reader *rd);

static bool read_member(const char **pp, const char *k, size_t kn, void *base, const struct field *t,
			size_t nt, struct pd_billing *bill, struct pd_fapiao *fap, struct reader *rd)
{
	bool ok = true;
	const struct field *f = **pp == '"' ? find_field(t, nt, k, kn) : NULL;
	if (f) {
		*slot(base, f) = read_string(pp, &ok, rd);
		return ok;
	}
	if (**pp == '{' && bill && key_is(k, kn, "defaultAddress"))
		return read_object(pp, &bill->addr, address_fields, NFIELDS(address_fields), NULL, NULL, rd);
	if (**pp == '{' && bill && key_is(k, kn, "fapiao")) {
		bill->fapiao = pd_alloc(rd->ar, sizeof *bill->fapiao);
		memset(bill->fapiao, 0, sizeof *bill->fapiao);
		bill->fapiao->digital = -1;
		return read_object(pp, bill->fapiao, fapiao_fields, NFIELDS(fapiao_fields), NULL,
				   bill->fapiao, rd);
	}
	return fap && key_is(k, kn, "digital") && read_bool(pp, &fap->digital);
}

/* One object of string members (and, in the billing profile `bill`, the "defaultAddress" and
 * "fapiao" objects; in the fapiao `fap`, the boolean "digital"). */
static bool read_object(const char **pp, void *base, const struct field *t, size_t nt,
			struct pd_billing *bill, struct pd_fapiao *fap, struct reader *rd)
{
	const char *p = *pp;
	bool ok = *p++ == '{';
	if (ok && *p == '}') {
		*pp = p + 1;
		return true;
	}
	while (ok) {
		const char *k = p + 1, *ke = *p == '"' ? strchr(k, '"') : NULL;
		if (!ke || ke[1] != ':')
			return false;
		p = ke + 2;
		ok = read_member(&p, k, (size_t)(ke - k), base, t, nt, bill, fap, rd);
		if (ok && *p == '}') {
			*pp = p + 1;
			return true;
		}
		ok = ok && *p++ == ',';
	}
	return false;
}

bool pd_billing_read_stored(const char *text, struct pd_billing *out, struct pd_arena *ar)
{
	memset(out, 0, sizeof *out);
	if (!text)
		return false;
	const char *p = text;
	struct reader rd = {text, pd_alloc(ar, strlen(text) + 1), ar};
	bool ok = read_object(&p, out, billing_fields, NFIELDS(billing_fields), out, NULL, &rd) && *p == 0;
	if (!ok)
		memset(out, 0, sizeof *out);
	return ok;
}
