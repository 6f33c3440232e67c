/* catalog.c - parsing, checking and looking up the offer catalog (see catalog.h).  The
 * offers point into the parsed JSON document, which the catalog keeps alive. */
#include "catalog.h"
#include "country.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct pd_catalog {
	json_t *root;
	struct pd_offer *offers;
	size_t n;
};

static const char *const locales[PD_LOCALE_COUNT] = {"en-US", "zh-CN", "de-DE"};

static bool localized(json_t *o, const char *key, const char *out[PD_LOCALE_COUNT])
{
	json_t *v = json_object_get(o, key);
	if (!json_is_object(v))
		return false;
	for (int l = 0; l < PD_LOCALE_COUNT; l++) {
		json_t *s = json_object_get(v, locales[l]);
		out[l] = json_is_string(s) ? json_string_value(s) : NULL;
	}
	if (!out[PD_LOCALE_EN])
		return false;
	for (int l = 0; l < PD_LOCALE_COUNT; l++)
		if (!out[l])
			out[l] = out[PD_LOCALE_EN];
	return true;
}

static const char *const cycles[] = {"monthly", "annual", "one_time", "none"};

/* "P1Y", "P36M": a whole number of years or months. */
static bool duration_ok(const char *t)
{
	size_t n = t && t[0] == 'P' ? strspn(t + 1, "0123456789") : 0;
	return n > 0 && (!strcmp(t + 1 + n, "Y") || !strcmp(t + 1 + n, "M"));
}

/* category, product, term, isAvailableForPurchase and supportedBillingCycles, each optional
 * (a catalog written before them still loads); false with the reason in err. */
static bool read_commerce(json_t *o, struct pd_offer *of, char *err, size_t cap)
{
	json_t *cat = json_object_get(o, "category"), *prod = json_object_get(o, "product");
	json_t *avail = json_object_get(o, "isAvailableForPurchase"), *term = json_object_get(o, "term");
	of->category_id = json_string_value(json_object_get(cat, "id"));
	if (!of->category_id || !localized(cat, "name", of->category_name)) {
		of->category_id = "General";
		for (int l = 0; l < PD_LOCALE_COUNT; l++)
			of->category_name[l] = of->category_id;
	}
	of->product_id = json_string_value(json_object_get(prod, "id"));
	if (!of->product_id)
		of->product_id = of->id;
	of->available = !avail || json_is_true(avail);
	of->term = term ? json_string_value(term) : "P1Y";
	if (!duration_ok(of->term))
		return snprintf(err, cap, "offer %s: term must be an ISO 8601 duration such as P1Y or P1M", of->id), false;
	of->billing_cycles = json_object_get(o, "supportedBillingCycles");
	size_t i, k;
	json_t *v;
	if (!of->billing_cycles)
		return true; /* filled with ["monthly"] by the catalog */
	if (!json_is_array(of->billing_cycles) || !json_array_size(of->billing_cycles))
		return snprintf(err, cap, "offer %s: supportedBillingCycles must list at least one cycle", of->id), false;
	json_array_foreach(of->billing_cycles, i, v) {
		for (k = 0; k < sizeof cycles / sizeof cycles[0] && !(json_is_string(v) && !strcmp(json_string_value(v), cycles[k])); k++)
			;
		if (k == sizeof cycles / sizeof cycles[0])
			return snprintf(err, cap, "offer %s: supportedBillingCycles: monthly, annual, one_time or none", of->id), false;
	}
	return true;
}

/* Reads one offer; false with the reason in err. */
static bool read_offer(json_t *o, struct pd_offer *of, char *err, size_t cap)
{
	json_t *id = json_object_get(o, "id");
	if (!json_is_string(id) || !json_string_length(id))
		return snprintf(err, cap, "an offer has no id"), false;
	of->id = json_string_value(id);
	if (strspn(of->id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") != strlen(of->id))
		return snprintf(err, cap, "offer id %s: only letters, digits, '-', '_' and '.'", of->id), false;
	of->min = json_integer_value(json_object_get(o, "minimumQuantity"));
	of->max = json_integer_value(json_object_get(o, "maximumQuantity"));
	of->unit_type = json_string_value(json_object_get(o, "unitType"));
	of->billing = json_string_value(json_object_get(o, "billing"));
	of->is_addon = json_is_true(json_object_get(o, "isAddOn"));
	of->prerequisites = json_object_get(o, "prerequisiteOffers");
	of->countries = json_object_get(o, "countries");
	if (!localized(o, "name", of->name) || !localized(o, "description", of->description))
		return snprintf(err, cap, "offer %s: name and description need at least en-US", of->id), false;
	if (of->min < 1 || of->max < of->min)
		return snprintf(err, cap, "offer %s: needs 1 <= minimumQuantity <= maximumQuantity", of->id), false;
	if (!json_is_array(of->countries) || !json_array_size(of->countries))
		return snprintf(err, cap, "offer %s: countries must list at least one country", of->id), false;
	if (!of->unit_type || !of->billing)
		return snprintf(err, cap, "offer %s: unitType and billing are required", of->id), false;
	if (!json_is_array(of->prerequisites) || (of->is_addon != (json_array_size(of->prerequisites) > 0)))
		return snprintf(err, cap, "offer %s: an add-on (and only an add-on) lists prerequisiteOffers", of->id), false;
	return read_commerce(o, of, err, cap);
}

/* Every id unique, every prerequisite an offer of the catalog. */
static bool consistent(struct pd_catalog *c, char *err, size_t cap)
{
	for (size_t i = 0; i < c->n; i++) {
		for (size_t j = 0; j < i; j++)
			if (!strcasecmp(c->offers[i].id, c->offers[j].id))
				return snprintf(err, cap, "offer id %s appears twice", c->offers[i].id), false;
		size_t k;
		json_t *p;
		json_array_foreach(c->offers[i].prerequisites, k, p) {
			const struct pd_offer *base = json_is_string(p) ? pd_catalog_find(c, json_string_value(p)) : NULL;
			if (!base || base->is_addon)
				return snprintf(err, cap, "offer %s: a prerequisite must be a base offer of the catalog",
						c->offers[i].id), false;
		}
		json_array_foreach(c->offers[i].countries, k, p) {
			if (!json_is_string(p) || json_string_length(p) != 2 || !pd_country_known(json_string_value(p)))
				return snprintf(err, cap, "offer %s: unknown country code", c->offers[i].id), false;
		}
	}
	return true;
}

struct pd_catalog *pd_catalog_parse(const char *text, size_t len, char *err, size_t cap)
{
	json_error_t je = {0};
	struct pd_catalog *c = calloc(1, sizeof *c);
	if (!c || !(c->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je))) {
		snprintf(err, cap, "catalog is not JSON: line %d: %s", je.line, je.text);
		pd_catalog_free(c);
		return NULL;
	}
	json_t *offers = json_object_get(c->root, "offers");
	c->n = json_array_size(offers);
	c->offers = calloc(c->n ? c->n : 1, sizeof *c->offers);
	bool ok = c->offers && json_is_array(offers) && c->n > 0;
	if (!ok)
		snprintf(err, cap, "catalog needs a non-empty \"offers\" array");
	for (size_t i = 0; ok && i < c->n; i++) {
		json_t *o = json_array_get(offers, i);
		ok = read_offer(o, &c->offers[i], err, cap);
		if (ok && !c->offers[i].billing_cycles) { /* the default, kept in the document */
			json_object_set_new(o, "supportedBillingCycles", json_pack("[s]", "monthly"));
			c->offers[i].billing_cycles = json_object_get(o, "supportedBillingCycles");
		}
	}
	if (ok && consistent(c, err, cap))
		return c;
	pd_catalog_free(c);
	return NULL;
}

void pd_catalog_free(struct pd_catalog *c)
{
	if (!c)
		return;
	json_decref(c->root);
	free(c->offers);
	free(c);
}

size_t pd_catalog_size(const struct pd_catalog *c)
{
	return c->n;
}

const struct pd_offer *pd_catalog_at(const struct pd_catalog *c, size_t i)
{
	return i < c->n ? &c->offers[i] : NULL;
}

const struct pd_offer *pd_catalog_find(const struct pd_catalog *c, const char *id)
{
	for (size_t i = 0; id && i < c->n; i++)
		if (!strcasecmp(c->offers[i].id, id))
			return &c->offers[i];
	return NULL;
}

static bool in_list(json_t *list, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		if (json_is_string(v) && s && !strcasecmp(json_string_value(v), s))
			return true;
	}
	return false;
}

bool pd_offer_in_country(const struct pd_offer *o, const char *iso2)
{
	return in_list(o->countries, iso2);
}

bool pd_offer_has_cycle(const struct pd_offer *o, const char *cycle)
{
	size_t i;
	json_t *v;
	json_array_foreach(o->billing_cycles, i, v) {
		if (json_is_string(v) && cycle && !strcmp(json_string_value(v), cycle))
			return true;
	}
	return false;
}

bool pd_offer_requires(const struct pd_offer *addon, const char *base)
{
	return in_list(addon->prerequisites, base);
}

json_t *pd_offer_to_json(const struct pd_offer *o, const char *country, enum pd_locale loc)
{
	char uri[160];
	snprintf(uri, sizeof uri, "/offers/%s?country=%s", o->id, country);
	static const char *const tags[PD_LOCALE_COUNT] = {"en-us", "zh-cn", "de-de"};
	json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:b, s:O, s:s, s:o, s:{s:s}}",
			      "id", o->id, "name", o->name[loc], "description", o->description[loc],
			      "minimumQuantity", (json_int_t)o->min, "maximumQuantity", (json_int_t)o->max,
			      "unitType", o->unit_type, "billing", o->billing, "isAddOn", o->is_addon,
			      "prerequisiteOffers", o->prerequisites, "country", country, "links",
			      json_pack("{s:{s:s, s:s, s:[]}}", "self", "uri", uri, "method", "GET", "headers"),
			      "attributes", "objectType", "Offer");
	json_object_set_new(j, "locale", json_string(tags[loc]));
	json_object_set_new(j, "category", json_pack("{s:s, s:s, s:s, s:s, s:{s:s}}", "id", o->category_id,
		"name", o->category_name[loc], "locale", tags[loc], "country", country, "attributes",
		"objectType", "OfferCategory"));
	json_object_set_new(j, "product", json_pack("{s:s, s:s, s:s}", "id", o->product_id, "name", o->name[loc],
						    "unit", o->unit_type));
	json_object_set_new(j, "isAvailableForPurchase", json_boolean(o->available));
	json_object_set_new(j, "supportedBillingCycles", json_deep_copy(o->billing_cycles));
	json_object_set_new(j, "term", json_string(o->term));
	json_object_set_new(j, "isAutoRenewable", json_true());
	json_object_set_new(j, "isTrial", json_false());
	return j;
}
