/* catalog.h - the offer catalog: what a partner can order for its customers.  Loaded once
 * at start from a JSON file (data/catalog.json is compiled in; --catalog FILE replaces it),
 * checked whole (unique ids, sane bounds, known prerequisites), then read-only and shared by
 * every thread.  Offers carry names and descriptions in en-US, zh-CN and de-DE. */
#ifndef PD_CATALOG_H
#define PD_CATALOG_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "messages.h"

struct pd_offer {
	const char *id;
	const char *name[PD_LOCALE_COUNT], *description[PD_LOCALE_COUNT];
	long long min, max;
	const char *unit_type, *billing;
	bool is_addon;
	json_t *prerequisites;   /* array of offer ids (borrowed from the catalog) */
	json_t *countries;       /* array of ISO 3166 alpha-2 codes */
	/* optional in a catalog file (defaults in catalog.c) */
	const char *category_id, *category_name[PD_LOCALE_COUNT], *product_id;
	const char *term;        /* ISO 8601 duration of the commitment, "P1Y" */
	bool available;          /* isAvailableForPurchase: false refuses new orders */
	json_t *billing_cycles;  /* supportedBillingCycles: "monthly", "annual", ... (first: default) */
};

struct pd_catalog;

/* Parses and checks a catalog; NULL with a reason in err. */
struct pd_catalog *pd_catalog_parse(const char *text, size_t len, char *err, size_t cap);
void pd_catalog_free(struct pd_catalog *c);

size_t pd_catalog_size(const struct pd_catalog *c);
const struct pd_offer *pd_catalog_at(const struct pd_catalog *c, size_t i);
const struct pd_offer *pd_catalog_find(const struct pd_catalog *c, const char *id);

bool pd_offer_in_country(const struct pd_offer *o, const char *iso2);
/* True if the offer can be billed in `cycle` (one of its supportedBillingCycles). */
bool pd_offer_has_cycle(const struct pd_offer *o, const char *cycle);
/* True if `base` is one of the add-on's prerequisite offers. */
bool pd_offer_requires(const struct pd_offer *addon, const char *base);

/* The offer as Partner Center shapes it, in locale `loc` (new reference). */
json_t *pd_offer_to_json(const struct pd_offer *o, const char *country, enum pd_locale loc);

#endif
