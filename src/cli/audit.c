/* audit.c - `audit` of audit.h.  Pages of up to 500 records are fetched one after the other
 * (MS-ContinuationToken, which carries the whole query) and written before the next is
 * fetched, so memory stays constant: CSV and JSON row by row, a table one page at a time
 * (each page its own block, header included).  The filter flags map onto the API's filter
 * fields (filters[]); the server allows one at a time. */
#include "audit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "customers.h"
#include "listing.h"

#define PAGE_MAX 500

static const struct cli_field fields[] = {
	{"operationDate", "operationDate"}, {"operationType", "operationType"},
	{"operationStatus", "operationStatus"}, {"resourceType", "resourceType"},
	{"customerName", "customerName"}, {"customerId", "customerId"},
	{"by", "userPrincipalName|applicationId"}, {"id", "id"},
};

/* flag -> the API's filter field and operator */
static const char *const filters[][3] = {
	{"operation", "OperationType", "equals"}, {"resource", "ResourceType", "equals"},
	{"user", "UserPrincipalName", "equals"},  {"customer", "CustomerId", "equals"},
	{"company", "CompanyName", "substring"},
};
#define NFILTERS (sizeof filters / sizeof filters[0])

/* The filter flag given (at most one), as the API's URL-encoded filter; NULL without one. */
static int filter_param(const struct cli_args *a, struct cli_http *h, char **out)
{
	char id[PD_UUID_LEN + 1];
	size_t which = NFILTERS;
	*out = NULL;
	for (size_t i = 0; i < NFILTERS; i++) {
		if (cli_arg(a, filters[i][0]) && which < NFILTERS)
			return cli_fail(CLI_USAGE, "audit: one filter at a time (--%s or --%s)", filters[which][0],
					filters[i][0]);
		if (cli_arg(a, filters[i][0]))
			which = i;
	}
	if (which == NFILTERS)
		return CLI_OK;
	const char *value = cli_arg(a, filters[which][0]);
	if (!strcmp(filters[which][0], "customer")) {
		int rc = cli_customer_resolve(h, value, id);
		if (rc != CLI_OK)
			return rc;
		value = id;
	}
	json_t *f = json_pack("{s:s, s:s, s:s}", "Field", filters[which][1], "Value", value, "Operator",
			      filters[which][2]);
	char *text = f ? json_dumps(f, JSON_COMPACT) : NULL;
	json_decref(f);
	if (!text)
		return cli_fail(CLI_USAGE, "audit: the filter value is not valid UTF-8");
	*out = cli_http_encode(text);
	free(text);
	return CLI_OK;
}

/* "&name=value" (URL-encoded) appended to path when the option is given. */
static void add_param(char *path, size_t cap, const char *name, const char *value)
{
	if (!value)
		return;
	char *enc = cli_http_encode(value);
	size_t n = strlen(path);
	snprintf(path + n, cap - n, "&%s=%s", name, enc ? enc : "");
	free(enc);
}

static int fetch_page(struct cli_http *h, const char *first, const char *token, json_t **page)
{
	struct cli_call c = {.method = EVHTTP_REQ_GET, .path = first};
	char next[64];
	if (token) {
		snprintf(next, sizeof next, "/v1/auditrecords?size=%d&seekOperation=Next", PAGE_MAX);
		c.path = next;
		c.headers[0][0] = "MS-ContinuationToken", c.headers[0][1] = token;
	}
	return cli_api_call(h, &c, page, NULL);
}

/* Every record (limit 0: all), page by page; a table is printed per page. */
static int each_record(struct cli_http *h, const char *first, long limit, enum cli_list_mode mode)
{
	struct cli_list l;
	char *token = NULL;
	long n = 0;
	int rc;
	if (mode != CLI_LIST_TABLE)
		cli_list_open(&l, mode, stdout, fields, sizeof fields / sizeof fields[0], "");
	do {
		json_t *page, *item;
		size_t i;
		rc = fetch_page(h, first, token, &page);
		free(token);
		token = NULL;
		if (rc != CLI_OK)
			break;
		if (mode == CLI_LIST_TABLE)
			cli_list_open(&l, mode, stdout, fields, sizeof fields / sizeof fields[0], n ? NULL : "(no records)");
		long before = n;
		json_array_foreach(json_object_get(page, "items"), i, item) {
			if (!limit || n < limit)
				cli_list_add(&l, item), n++;
		}
		if (mode == CLI_LIST_TABLE && before && n > before)
			putchar('\n');
		if (mode == CLI_LIST_TABLE)
			cli_list_close(&l);
		const char *next = json_string_value(json_object_get(page, "continuationToken"));
		token = next && (!limit || n < limit) ? strdup(next) : NULL;
		json_decref(page);
	} while (token);
	if (mode != CLI_LIST_TABLE)
		cli_list_close(&l);
	return rc;
}

int cli_cmd_audit(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	enum cli_list_mode mode;
	char path[4096], *filter = NULL;
	long limit;
	int rc = cli_list_mode(a, &mode);
	if (rc == CLI_OK)
		rc = cli_arg_long(a, "limit", 0, 1000000000L, 0, &limit);
	if (rc == CLI_OK)
		rc = cli_api_open(&s, &h);
	if (rc == CLI_OK)
		rc = filter_param(a, h, &filter);
	if (rc == CLI_OK) {
		snprintf(path, sizeof path, "/v1/auditrecords?size=%ld", limit && limit < PAGE_MAX ? limit : PAGE_MAX);
		add_param(path, sizeof path, "startDate", cli_arg(a, "since"));
		add_param(path, sizeof path, "endDate", cli_arg(a, "until"));
		if (filter)
			snprintf(path + strlen(path), sizeof path - strlen(path), "&filter=%s", filter);
		rc = each_record(h, path, limit, mode);
	}
	cli_api_close(&s, h);
	free(filter);
	return rc;
}
