/* paging.h - list queries: page size, the customer filter ({"Field", "Value", "Operator"}) and
 * continuation tokens.  A token is opaque to clients: base64url of a small JSON document that
 * carries the query it continues and the keyset position (sort key + seq of the last row
 * returned), so pages stay correct while rows are added or changed between requests; see
 * docs/internals/paging.md. */
#ifndef PD_PAGING_H
#define PD_PAGING_H
#include <jansson.h>
#include <stdbool.h>
#include "arena.h"
#include "err.h"

#define PD_PAGE_DEFAULT 100
#define PD_PAGE_MAX 500

/* PD_FILTER_RESELLER: Partner Center's IndirectReseller, the customers of one indirect
 * reseller (value: its id, a lower-case UUID; operator starts_with, which a whole id makes an
 * equality), in seq order. */
enum pd_filter_field { PD_FILTER_NONE = 0, PD_FILTER_NAME, PD_FILTER_DOMAIN, PD_FILTER_RESELLER };
enum pd_filter_op { PD_OP_NONE = 0, PD_OP_STARTS_WITH, PD_OP_SUBSTRING };

struct pd_query {
	int size;                     /* 1..PD_PAGE_MAX */
	enum pd_filter_field field;
	enum pd_filter_op op;
	const char *value;            /* the search key (text.h) of the filter value */
	bool has_after;               /* continue after (after_key, after_seq) */
	const char *after_key;        /* sort key of the last row returned ("" when by seq) */
	long long after_seq;
	bool newest;                  /* sort=newest: the whole list by seq, newest first */
};

/* Parses the size parameter: NULL/""/"0" -> default; 1..500 ok; anything else -> error
 * on field "size". */
void pd_page_size_parse(const char *s, struct pd_query *q, struct pd_verrs *errs);

/* Parses a filter JSON text (already URL-decoded) into q: field names and operator values
 * match without regard to case ("CompanyName", "companyName", "Domain", "IndirectReseller"; "starts_with",
 * "substring", also "StartsWith").  Errors name "filter", "filter.Field", "filter.Value" or
 * "filter.Operator". */
void pd_filter_parse(const char *text, struct pd_query *q, struct pd_verrs *errs,
		     struct pd_arena *ar);

/* A token from any small JSON object (base64url, arena string), and back: NULL when the
 * text is not a token (too long, not base64url, not a JSON object).  New reference. */
char *pd_token_pack(json_t *o, struct pd_arena *ar);
json_t *pd_token_unpack(const char *token, struct pd_arena *ar);

/* Encodes the position after the last row of a page: a new arena string. */
char *pd_token_encode(const struct pd_query *q, const char *last_key, long long last_seq,
		      struct pd_arena *ar);

/* Decodes a token into q (size is left alone).  If q already holds a filter (the client sent
 * one with the token), the token must be for the same filter.  false -> invalid. */
bool pd_token_decode(const char *token, struct pd_query *q, struct pd_arena *ar);

#endif
