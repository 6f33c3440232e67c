/* paging.c - page sizes, filters and continuation tokens (see paging.h). */
#include "paging.h"
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "ids.h"
#include "model.h"
#include "search.h"
#include "text.h"

#define TOKEN_MAX 16384

void pd_page_size_parse(const char *s, struct pd_query *q, struct pd_verrs *errs)
{
	q->size = PD_PAGE_DEFAULT;
	if (!s || !*s)
		return;
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 0 || v > PD_PAGE_MAX || s[0] == '-' || s[0] == '+' || s[0] == ' ') {
		pd_verr_add(errs, 3000, "size", PD_MSG_BAD_SIZE, "500");
		return;
	}
	q->size = v ? (int)v : PD_PAGE_DEFAULT;
}

static enum pd_filter_field field_of(const char *s)
{
	if (!strcasecmp(s, "CompanyName") || !strcasecmp(s, "company_name"))
		return PD_FILTER_NAME;
	if (!strcasecmp(s, "Domain"))
		return PD_FILTER_DOMAIN;
	if (!strcasecmp(s, "IndirectReseller") || !strcasecmp(s, "indirect_reseller"))
		return PD_FILTER_RESELLER;
	return PD_FILTER_NONE;
}

static enum pd_filter_op op_of(const char *s)
{
	if (!strcasecmp(s, "starts_with") || !strcasecmp(s, "StartsWith"))
		return PD_OP_STARTS_WITH;
	if (!strcasecmp(s, "substring") || !strcasecmp(s, "contains"))
		return PD_OP_SUBSTRING;
	return PD_OP_NONE;
}

static const char *string_member(json_t *o, const char *name, const char *path,
				 struct pd_verrs *errs)
{
	json_t *v = pd_json_get(o, name);
	if (!v) {
		pd_verr_add(errs, 3000, path, PD_MSG_REQUIRED, NULL);
		return NULL;
	}
	if (!json_is_string(v)) {
		pd_verr_add(errs, 3000, path, PD_MSG_BAD_TYPE, "a string");
		return NULL;
	}
	return json_string_value(v);
}

/* An IndirectReseller filter's value: a whole reseller id (a UUID, any case). */
static void reseller_value(const char *v, struct pd_query *q, struct pd_verrs *errs,
			   struct pd_arena *ar)
{
	char id[PD_UUID_LEN + 1];
	if (!pd_uuid_parse(v, id))
		pd_verr_add(errs, 3000, "filter.Value", PD_MSG_BAD_UUID, NULL);
	else
		q->value = pd_strdup(ar, id);
}

static void filter_from_json(json_t *o, struct pd_query *q, struct pd_verrs *errs,
			     struct pd_arena *ar)
{
	const char *f = string_member(o, "Field", "filter.Field", errs);
	const char *v = string_member(o, "Value", "filter.Value", errs);
	json_t *opv = pd_json_get(o, "Operator");
	const char *op = opv ? (json_is_string(opv) ? json_string_value(opv) : "?") : "starts_with";
	if (f && !(q->field = field_of(f)))
		pd_verr_add(errs, 3000, "filter.Field", PD_MSG_BAD_ENUM, "CompanyName, Domain, IndirectReseller");
	if (!(q->op = op_of(op)))
		pd_verr_add(errs, 3000, "filter.Operator", PD_MSG_BAD_ENUM, "starts_with, substring");
	else if (q->field == PD_FILTER_RESELLER && q->op != PD_OP_STARTS_WITH)
		pd_verr_add(errs, 3000, "filter.Operator", PD_MSG_BAD_ENUM, "starts_with");
	if (!v)
		return;
	if (q->field == PD_FILTER_RESELLER) {
		reseller_value(v, q, errs, ar);
		return;
	}
	if (!*v || strlen(v) > 256) {
		pd_verr_add(errs, 3000, "filter.Value", *v ? PD_MSG_TOO_LONG : PD_MSG_REQUIRED, "256");
		return;
	}
	/* names are compared by their search.h key (width, case, Traditional folded), domains
	 * by their text key */
	if (!(q->value = q->field == PD_FILTER_NAME ? pd_name_key(ar, v) : pd_text_key(ar, v)))
		pd_verr_add(errs, 3000, "filter.Value", PD_MSG_BAD_UTF8, NULL);
}

void pd_filter_parse(const char *text, struct pd_query *q, struct pd_verrs *errs,
		     struct pd_arena *ar)
{
	json_error_t jerr;
	json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o))
		pd_verr_add(errs, 3000, "filter", PD_MSG_BAD_FILTER,
			    "expected {\"Field\": \"CompanyName\"|\"Domain\"|\"IndirectReseller\", \"Value\": \"...\", \"Operator\": \"starts_with\"|\"substring\"}");
	else
		filter_from_json(o, q, errs, ar);
	json_decref(o);
}

char *pd_token_pack(json_t *o, struct pd_arena *ar)
{
	char *js = json_dumps(o, JSON_COMPACT);
	size_t len = js ? strlen(js) : 0;
	size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = pd_alloc(ar, cap);
	sodium_bin2base64(out, cap, (const unsigned char *)js, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	free(js);
	return out;
}

json_t *pd_token_unpack(const char *token, struct pd_arena *ar)
{
	size_t n = token ? strlen(token) : 0, len = 0;
	if (n == 0 || n > TOKEN_MAX)
		return NULL;
	unsigned char *bin = pd_alloc(ar, n + 1);
	if (sodium_base642bin(bin, n, token, n, NULL, &len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return NULL;
	json_t *o = json_loadb((const char *)bin, len, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_object(o))
		return o;
	json_decref(o);
	return NULL;
}

char *pd_token_encode(const struct pd_query *q, const char *last_key, long long last_seq,
		      struct pd_arena *ar)
{
	json_t *o = json_pack("{s:i, s:i, s:i, s:s, s:s, s:I}", "v", 1, "f", (int)q->field, "o",
			      (int)q->op, "q", q->value ? q->value : "", "k", last_key ? last_key : "",
			      "s", (json_int_t)last_seq);
	if (q->newest)
		json_object_set_new(o, "n", json_true());
	char *out = pd_token_pack(o, ar);
	json_decref(o);
	return out;
}

static bool same_filter(const struct pd_query *q, int f, int op, const char *v)
{
	if (q->field == PD_FILTER_NONE)
		return true; /* the token alone carries the filter */
	return (int)q->field == f && (int)q->op == op && q->value && !strcmp(q->value, v);
}

static bool token_fields(json_t *o, struct pd_query *q, struct pd_arena *ar)
{
	json_int_t v, f, op, seq;
	const char *val, *key;
	if (json_unpack(o, "{s:I, s:I, s:I, s:s, s:s, s:I}", "v", &v, "f", &f, "o", &op, "q", &val,
			"k", &key, "s", &seq) != 0)
		return false;
	if (v != 1 || f < PD_FILTER_NONE || f > PD_FILTER_RESELLER || op < PD_OP_NONE ||
	    op > PD_OP_SUBSTRING || (f == PD_FILTER_NONE) != (op == PD_OP_NONE) || seq < 0)
		return false;
	if (!same_filter(q, (int)f, (int)op, val))
		return false;
	/* the order is the token's; a sort sent with it must be the same one */
	bool newest = json_is_true(json_object_get(o, "n"));
	if ((q->newest && !newest) || (newest && f != PD_FILTER_NONE))
		return false;
	q->newest = newest;
	q->field = (enum pd_filter_field)f;
	q->op = (enum pd_filter_op)op;
	q->value = f ? pd_strdup(ar, val) : NULL;
	q->after_key = pd_strdup(ar, key);
	q->after_seq = seq;
	q->has_after = true;
	return true;
}

bool pd_token_decode(const char *token, struct pd_query *q, struct pd_arena *ar)
{
	json_t *o = pd_token_unpack(token, ar);
	bool ok = o && token_fields(o, q, ar);
	json_decref(o);
	return ok;
}
