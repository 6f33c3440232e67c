/* subscriptions.c - the commands of subscriptions.h over /v1/customers/{id}/subscriptions and
 * /orders.  A change is a read-modify-write: GET the subscription for its etag, PATCH with
 * If-Match; a 412 (changed meanwhile) exits 4 unless --retry/--retries asks to read it
 * again.  The customer operand is an id or a domain, as for `customers show`. */
#include "subscriptions.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "ids.h"
#include "listing.h"
#include "output.h"

#define LINES_MAX CLI_MAX_REPEAT

static const struct cli_field list_fields[] = {
	{"id", "id"}, {"offerId", "offerId"}, {"friendlyName", "friendlyName"},
	{"quantity", "quantity"}, {"status", "status"}, {"commitmentEndDate", "commitmentEndDate"},
};
static const struct cli_field show_fields[] = {
	{"id", "id"}, {"offerId", "offerId"}, {"offerName", "offerName"}, {"friendlyName", "friendlyName"},
	{"quantity", "quantity"}, {"unitType", "unitType"}, {"status", "status"},
	{"creationDate", "creationDate"}, {"commitmentEndDate", "commitmentEndDate"},
	{"autoRenew", "autoRenewEnabled"}, {"orderId", "orderId"}, {"etag", "attributes.etag"},
};
static const struct cli_field line_fields[] = {
	{"line", "lineItemNumber"}, {"offerId", "offerId"}, {"quantity", "quantity"},
	{"friendlyName", "friendlyName"}, {"subscriptionId", "subscriptionId"},
};
#define N(a) (sizeof a / sizeof a[0])

int cli_cmd_subs_list(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	char id[PD_UUID_LEN + 1], path[128];
	int rc = cli_open_customer(&s, &h, a->pos[0], id);
	if (rc == CLI_OK) {
		snprintf(path, sizeof path, "/v1/customers/%s/subscriptions?size=500", id);
		rc = cli_list_get(h, a, path, list_fields, N(list_fields), "(no subscriptions)");
	}
	cli_api_close(&s, h);
	return rc;
}

/* The subscription's path, after checking that SUB is an id (usage error otherwise). */
static int sub_path(const struct cli_args *a, const char *customer, char *path, size_t cap)
{
	char sub[PD_UUID_LEN + 1];
	if (!pd_uuid_parse(a->pos[1], sub))
		return cli_fail(CLI_USAGE, "'%s' is not a subscription id", a->pos[1]);
	snprintf(path, cap, "/v1/customers/%s/subscriptions/%s", customer, sub);
	return CLI_OK;
}

int cli_cmd_subs_show(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	char id[PD_UUID_LEN + 1], path[160];
	int rc = cli_open_customer(&s, &h, a->pos[0], id);
	if (rc == CLI_OK)
		rc = sub_path(a, id, path, sizeof path);
	if (rc == CLI_OK)
		rc = cli_show_get(h, a, path, show_fields, N(show_fields));
	cli_api_close(&s, h);
	return rc;
}

/* ---- changes: GET for the etag, PATCH with If-Match ---- */

static int patch_once(struct cli_http *h, const char *path, json_t *change, const char *etag, bool last,
		      json_t **out)
{
	json_t *cur = NULL;
	int rc = etag ? CLI_OK : cli_api_call(h, &(struct cli_call){.method = EVHTTP_REQ_GET, .path = path}, &cur, NULL);
	if (rc == CLI_OK) {
		const char *read = etag ? etag : cli_json_get_path(cur, "attributes.etag");
		char quoted[128];
		snprintf(quoted, sizeof quoted, "\"%s\"", read ? read : "");
		struct cli_call c = {.method = EVHTTP_REQ_PATCH, .path = path, .body = change,
				     .headers = {{"If-Match", quoted}}, .expect = last ? 0 : 412};
		rc = cli_api_call(h, &c, out, NULL);
	}
	json_decref(cur);
	return rc;
}

/* The PATCH `change` (stolen) of the subscription a->pos[1], with --if-match and retries;
 * `done` names the change for the message ("Suspended"). */
static int change_run(const struct cli_args *a, json_t *change, const char *done)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	char id[PD_UUID_LEN + 1], path[160];
	json_t *sub = NULL;
	long retries;
	int rc = cli_arg_long(a, "retries", 0, 100, cli_flag(a, "retry") ? 1 : 0, &retries);
	if (rc == CLI_OK)
		rc = cli_open_customer(&s, &h, a->pos[0], id);
	if (rc == CLI_OK)
		rc = sub_path(a, id, path, sizeof path);
	for (long i = 0; rc == CLI_OK && i <= retries; i++) {
		rc = patch_once(h, path, change, i ? NULL : cli_arg(a, "if-match"), i == retries, &sub);
		if (rc != CLI_CONFLICT || i == retries)
			break;
		fprintf(stderr, "partnerctl: the subscription changed meanwhile; reading it again (%ld of %ld)\n", i + 1,
			retries);
		rc = CLI_OK;
	}
	cli_api_close(&s, h);
	if (rc == CLI_OK && cli_flag(a, "json"))
		cli_print_json(sub, stdout);
	else if (rc == CLI_OK)
		printf("%s subscription %s: %s, quantity %lld (etag %s)\n", done, a->pos[1],
		       json_string_value(json_object_get(sub, "status")),
		       (long long)json_integer_value(json_object_get(sub, "quantity")), cli_json_get_path(sub, "attributes.etag"));
	json_decref(sub);
	json_decref(change);
	return rc;
}

int cli_cmd_subs_quantity(const struct cli_args *a)
{
	char *end;
	errno = 0;
	long n = strtol(a->pos[2], &end, 10);
	if (!*a->pos[2] || *end || errno || n < 0 || n > 1000000000L)
		return cli_fail(CLI_USAGE, "the quantity must be a whole number, not '%s'", a->pos[2]);
	return change_run(a, json_pack("{s:I}", "quantity", (json_int_t)n), "Changed");
}

int cli_cmd_subs_suspend(const struct cli_args *a)
{
	return change_run(a, json_pack("{s:s}", "status", "suspended"), "Suspended");
}

int cli_cmd_subs_reactivate(const struct cli_args *a)
{
	return change_run(a, json_pack("{s:s}", "status", "active"), "Reactivated");
}

/* ---- orders ---- */

/* One line item from OFFER, QTY and an optional friendly name; NULL after a usage message. */
static json_t *line_item(const char *offer, size_t offer_len, const char *qty, const char *name)
{
	char *end;
	errno = 0;
	long n = strtol(qty, &end, 10);
	if (!offer_len || !*qty || (*end && *end != ':') || errno || n < 0 || n > 1000000000L) {
		cli_fail(CLI_USAGE, "a line item is OFFER QTY (or --line OFFER:QTY), with QTY a whole number");
		return NULL;
	}
	json_t *li = json_pack("{s:s%, s:I}", "offerId", offer, offer_len, "quantity", (json_int_t)n);
	if (name && *name)
		json_object_set_new(li, "friendlyName", json_string(name));
	return li;
}

/* The order body: OFFER QTY [--friendly-name], then each --line OFFER:QTY[:NAME]. */
static json_t *order_body(const struct cli_args *a)
{
	const char *lines[LINES_MAX];
	int n = cli_arg_each(a, "line", lines, LINES_MAX);
	json_t *items = json_array();
	json_t *li = line_item(a->pos[1], strlen(a->pos[1]), a->pos[2], cli_arg(a, "friendly-name"));
	bool ok = li && !json_array_append_new(items, li);
	for (int i = 0; ok && i < n; i++) {
		const char *colon = strchr(lines[i], ':'), *name = colon ? strchr(colon + 1, ':') : NULL;
		if (!colon)
			cli_fail(CLI_USAGE, "--line %s: expected OFFER:QTY", lines[i]);
		li = colon ? line_item(lines[i], (size_t)(colon - lines[i]), colon + 1, name ? name + 1 : NULL) : NULL;
		ok = li && !json_array_append_new(items, li);
	}
	if (!ok) {
		json_decref(items);
		return NULL;
	}
	return json_pack("{s:o}", "lineItems", items);
}

int cli_cmd_subs_order(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	char id[PD_UUID_LEN + 1], path[128];
	json_t *body = order_body(a), *order = NULL, *item;
	size_t i;
	int rc = body ? cli_open_customer(&s, &h, a->pos[0], id) : CLI_USAGE;
	if (rc == CLI_OK) {
		snprintf(path, sizeof path, "/v1/customers/%s/orders", id);
		rc = cli_api_call(h, &(struct cli_call){.method = EVHTTP_REQ_POST, .path = path, .body = body}, &order, NULL);
	}
	cli_api_close(&s, h);
	if (rc == CLI_OK && cli_flag(a, "json")) {
		cli_print_json(order, stdout);
	} else if (rc == CLI_OK) {
		printf("Order %s: %s\n", json_string_value(json_object_get(order, "id")),
		       json_string_value(json_object_get(order, "status")));
		struct cli_list l;
		cli_list_open(&l, CLI_LIST_TABLE, stdout, line_fields, N(line_fields), "(no line items)");
		json_array_foreach(json_object_get(order, "lineItems"), i, item) {
			cli_list_add(&l, item);
		}
		cli_list_close(&l);
	}
	json_decref(order);
	json_decref(body);
	return rc;
}
