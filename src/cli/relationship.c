/* relationship.c - `relationship-link` of relationship.h: GET shows the link, POST
 * (--renew) issues a new one and the old one stops working, DELETE (--revoke) ends it.
 * One call each; the answer is {url, state}, printed as is with --json. */
#include "relationship.h"
#include <stdio.h>
#include "cli.h"
#include "listing.h"
#include "output.h"

#define PATH "/v1/customers/relationshiprequests"

static const struct cli_field fields[] = {{"url", "url"}, {"state", "state"}};

int cli_cmd_relationship_link(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	bool renew = cli_flag(a, "renew"), revoke = cli_flag(a, "revoke");
	json_t *link = NULL;
	if (renew && revoke)
		return cli_fail(CLI_USAGE, "--renew and --revoke exclude each other");
	enum evhttp_cmd_type m = renew ? EVHTTP_REQ_POST : revoke ? EVHTTP_REQ_DELETE : EVHTTP_REQ_GET;
	int rc = cli_api_open(&s, &h);
	if (rc == CLI_OK)
		rc = cli_api_call(h, &(struct cli_call){.method = m, .path = PATH}, &link, NULL);
	cli_api_close(&s, h);
	if (rc == CLI_OK && revoke && cli_flag(a, "json"))
		puts("{\"state\": \"revoked\"}");
	else if (rc == CLI_OK && revoke)
		puts("Revoked the invitation link: it no longer works.");
	else if (rc == CLI_OK && cli_flag(a, "json"))
		cli_print_json(link, stdout);
	else if (rc == CLI_OK)
		cli_show_object(link, fields, sizeof fields / sizeof fields[0], stdout);
	if (rc == CLI_OK && renew && !cli_flag(a, "json"))
		fputs("partnerctl: a new link was issued; the previous one no longer works\n", stderr);
	json_decref(link);
	return rc;
}
