/* offers.c - `offers list` of offers.h: one GET of the catalog (it is not paged), printed as
 * a table, CSV or JSON.  The country is checked for shape here (two letters) and for being
 * known by the server. */
#include "offers.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "listing.h"
#include "output.h"

static const struct cli_field fields[] = {
	{"id", "id"}, {"name", "name"}, {"minimumQuantity", "minimumQuantity"},
	{"maximumQuantity", "maximumQuantity"}, {"isAddOn", "isAddOn"}, {"prerequisiteOffers", "prerequisiteOffers"},
};

int cli_cmd_offers_list(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	const char *c = cli_arg(a, "country") ? cli_arg(a, "country") : "CN";
	char path[64];
	if (strlen(c) != 2 || !isalpha((unsigned char)c[0]) || !isalpha((unsigned char)c[1]))
		return cli_fail(CLI_USAGE, "--country must be a two-letter country code, not '%s'", c);
	int rc = cli_api_open(&s, &h);
	if (rc == CLI_OK) {
		snprintf(path, sizeof path, "/v1/offers?country=%c%c", toupper((unsigned char)c[0]),
			 toupper((unsigned char)c[1]));
		rc = cli_list_get(h, a, path, fields, sizeof fields / sizeof fields[0], "(no offers)");
	}
	cli_api_close(&s, h);
	return rc;
}
