/* fuzz_jsonw.c - the hand-written JSON of the hot paths (core/jsonw.c, model.c), checked
 * against jansson: a billing profile decoded from the input as a request body would be,
 * written by pd_customer_write, must be byte for byte json_dumps(pd_customer_to_json(),
 * JSON_COMPACT); and its stored form (pd_billing_write_stored) must read back
 * (pd_billing_read_stored) to the same fields. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "jsonw.h"
#include "model.h"

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void check_stored(const struct pd_billing *b, struct pd_arena *ar)
{
	struct pd_buf buf;
	struct pd_billing back;
	pd_buf_init(&buf, 256);
	pd_billing_write_stored(&buf, b);
	if (pd_billing_read_stored(buf.p, &back, ar)) {
		const struct pd_address *x = &b->addr, *y = &back.addr;
		if (!same(x->first_name, y->first_name) || !same(x->last_name, y->last_name) ||
		    !same(x->line1, y->line1) || !same(x->line2, y->line2) || !same(x->line3, y->line3) ||
		    !same(x->city, y->city) || !same(x->state, y->state) || !same(x->district, y->district) ||
		    !same(x->postal_code, y->postal_code) || !same(x->country, y->country) ||
		    !same(x->phone, y->phone))
			abort();
		if (!same(b->email, back.email) || !same(b->company_name, back.company_name) ||
		    !same(b->culture, back.culture) || !same(b->language, back.language) ||
		    !same(b->first_name, back.first_name) || !same(b->last_name, back.last_name))
			abort();
	}
	pd_buf_free(&buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	json_t *o = json_loadb((const char *)data, n, 0, NULL);
	struct pd_arena *ar = pd_arena_new();
	struct pd_verrs errs = {0};
	struct pd_customer c = {.id = "00000000-0000-4000-8000-000000000000", .domain = "x.partner.onmschina.cn",
				.relationship = "reseller"};
	pd_billing_from_json(o, "billingProfile", &c.billing, &errs, ar);
	if (json_is_object(o)) {
		json_t *reg = json_object_get(o, "regnum");
		c.regnum = json_is_string(reg) ? pd_strdup(ar, json_string_value(reg)) : NULL;
		c.billing.etag = "\"etag\"";
		struct pd_buf w;
		pd_buf_init(&w, 256);
		pd_customer_write(&w, &c);
		json_t *t = pd_customer_to_json(&c);
		char *want = json_dumps(t, JSON_COMPACT);
		if (!want || strcmp(want, w.p) != 0) {
			fprintf(stderr, "jsonw:   %s\njansson: %s\n", w.p, want ? want : "(null)");
			abort();
		}
		free(want);
		json_decref(t);
		pd_buf_free(&w);
		check_stored(&c.billing, ar);
	}
	json_decref(o);
	pd_arena_free(ar);
	return 0;
}
