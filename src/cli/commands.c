/* commands.c - the command table and dispatch: every command partnerctl has, its operands,
 * options and help text in one table, which --help, the man page and bash completion are
 * generated from (help.c).  Commands of a group ("customers ...") stay next to each other.
 * A command's code lives in the file of its group (customers.c, subscriptions.c, users.c,
 * ...); this file only names it. */
#include "commands.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include "audit.h"
#include "auth.h"
#include "cli.h"
#include "customers.h"
#include "events.h"
#include "help.h"
#include "import.h"
#include "offers.h"
#include "relationship.h"
#include "subscriptions.h"
#include "users.h"
#include "webhooks.h"

const char cli_version[] = "0.1";

const char cli_intro[] =
	"partnerctl is the command line for partnerd's customer accounts: sign in, find, add and\n"
	"update customers, and move thousands of them at once with CSV export and import; order\n"
	"and change their subscriptions, manage their users, hand out the reseller invitation link\n"
	"and read the activity log.  It talks to partnerd's REST API; tables are for people,\n"
	"--json and --csv for scripts.\n";

#define JSON_OPT {"json", NULL, "print JSON for scripts"}
#define CSV_OPT {"csv", NULL, "print CSV (the columns of export)"}
#define LIMIT_OPT {"limit", "N", "at most N customers (default 100; 0 for all); a cut list says so on stderr"}
#define BY_OPT {"by", "companyName|domain|indirectReseller", \
		"the field to search (default companyName; indirectReseller: TEXT is the reseller's id)"}
#define MATCH_OPT {"match", "starts_with|substring", "how to match (default starts_with)"}

static const struct cli_opt login_opts[] = {
	{"server", "URL", "the partnerd server, e.g. http://127.0.0.1:8080 (default: the last one)"},
	{"user", "NAME", "sign in as this partner user (asked for when missing)"},
	{"password-stdin", NULL, "read the password (or client secret) from standard input"},
	{"client-id", "ID", "sign in as a partner app (client credentials)"},
	{"client-secret-file", "PATH", "read the app's secret from the first line of PATH"},
	{"cacert", "FILE", "trust the CA certificates in FILE (PEM) for an https server, kept with the server"},
	{NULL, NULL, NULL},
};
static const struct cli_opt json_opts[] = {JSON_OPT, {NULL, NULL, NULL}};
static const struct cli_opt none[] = {{NULL, NULL, NULL}};
static const struct cli_opt list_opts[] = {LIMIT_OPT, JSON_OPT, CSV_OPT, {NULL, NULL, NULL}};
static const struct cli_opt search_opts[] = {BY_OPT, MATCH_OPT, LIMIT_OPT, JSON_OPT, CSV_OPT, {NULL, NULL, NULL}};
static const struct cli_opt add_opts[] = {
	{"file", "PATH", "a JSON body as POST /v1/customers takes it (\"-\": stdin); flags override it"},
	{"request-id", "ID", "MS-RequestId: repeating the command with it creates nothing twice"},
	JSON_OPT,
	{NULL, NULL, NULL},
};
static const struct cli_opt update_opts[] = {
	{"file", "PATH", "JSON members of a billing profile to put over the current ones; flags override it"},
	{"if-match", "ETAG", "update only if the profile still has this etag (default: the one just read)"},
	{"retries", "N", "when the profile changed meanwhile (412), read it again and retry up to N times"},
	JSON_OPT,
	{NULL, NULL, NULL},
};
static const struct cli_opt export_opts[] = {
	{"filter", "TEXT", "only the customers whose company name (or --by domain) matches TEXT"},
	BY_OPT,
	MATCH_OPT,
	{"output", "PATH", "write to PATH instead of standard output"},
	{NULL, NULL, NULL},
};
static const struct cli_opt table_opts[] = {JSON_OPT, CSV_OPT, {NULL, NULL, NULL}};
static const struct cli_opt sub_change_opts[] = {
	{"if-match", "ETAG", "change only if the subscription still has this etag (default: the one just read)"},
	{"retry", NULL, "when the subscription changed meanwhile (412), read it again and retry once"},
	{"retries", "N", "... or up to N times"},
	JSON_OPT,
	{NULL, NULL, NULL},
};
static const struct cli_opt order_opts[] = {
	{"friendly-name", "NAME", "the first line item's subscription name (default: the offer's name)"},
	{"line", "OFFER:QTY", "one more line item (OFFER:QTY:NAME to name it); repeat for more"},
	JSON_OPT,
	{NULL, NULL, NULL},
};
static const struct cli_opt offers_opts[] = {
	{"country", "ISO2", "the country whose catalog to list (default CN)"},
	JSON_OPT,
	CSV_OPT,
	{NULL, NULL, NULL},
};
#define USER_OPTS                                                                          \
	{"first-name", "NAME", "first name"}, {"last-name", "NAME", "last name"},                    \
	{"display-name", "NAME", "display name (default: the user principal name)"},                 \
	{"usage-location", "ISO2", "the country where the user uses the services (default: the customer's)"}
static const struct cli_opt user_add_opts[] = {
	{"upn", "NAME", "user principal name: NAME@domain, or NAME alone (the customer's domain is added)"},
	USER_OPTS,
	{"admin", NULL, "make the user a company administrator (default: a plain user)"},
	JSON_OPT,
	{NULL, NULL, NULL},
};
static const struct cli_opt user_update_opts[] = {
	USER_OPTS,
	{"state", "active|inactive", "enable or disable the user's sign-in"},
	{"admin", NULL, "make the user a company administrator"},
	{"no-admin", NULL, "make the user a plain user"},
	JSON_OPT,
	{NULL, NULL, NULL},
};
static const struct cli_opt link_opts[] = {
	{"renew", NULL, "issue a new link; the current one stops working"},
	{"revoke", NULL, "revoke the link: it stops working and no new one is issued"},
	JSON_OPT,
	{NULL, NULL, NULL},
};
static const struct cli_opt wh_reg_opts[] = {
	{"url", "URL", "the receiving URL (https; partnerd refuses private and loopback addresses)"},
	{"events", "A,B", "the events to send, comma-separated ('partnerctl webhooks events' lists them)"},
	JSON_OPT,
	{NULL, NULL, NULL},
};
static const struct cli_opt wh_update_opts[] = {
	{"url", "URL", "the new receiving URL (default: the current one)"},
	{"events", "A,B", "the new events, comma-separated (default: the current ones)"},
	{"if-match", "ETAG", "change only if the registration still has this etag (default: the one just read)"},
	JSON_OPT,
	{NULL, NULL, NULL},
};
static const struct cli_opt wh_delete_opts[] = {
	{"if-match", "ETAG", "delete only if the registration still has this etag"},
	JSON_OPT,
	{NULL, NULL, NULL},
};
static const struct cli_opt wh_test_opts[] = {
	{"wait", NULL, "wait until the event is delivered or has failed, and show each attempt"},
	{"timeout", "SECONDS", "with --wait: give up after SECONDS (default 60; exit 1)"},
	JSON_OPT,
	{NULL, NULL, NULL},
};
static const struct cli_opt audit_opts[] = {
	{"since", "DATE", "from this date or date-time, ISO 8601 (default: 30 days ago)"},
	{"until", "DATE", "up to this date (the whole day) or date-time (default: now)"},
	{"operation", "TYPE", "only this operation type (add_customer, update_subscription, ...)"},
	{"resource", "TYPE", "only this resource type (customer, subscription, customer_user, ...)"},
	{"user", "UPN", "only what this partner user did"},
	{"customer", "CUSTOMER", "only what concerns this customer (an id or a domain)"},
	{"company", "TEXT", "only customers whose company name contains TEXT"},
	{"limit", "N", "at most N records (default 0: all)"},
	JSON_OPT,
	CSV_OPT,
	{NULL, NULL, NULL},
};
static const struct cli_opt tail_opts[] = {
	{"after", "N", "print the events after cursor N (default: from now, the partner's last cursor)"},
	{"from-start", NULL, "print every event still kept, from cursor 0"},
	{"count", "N", "stop after N events"},
	{"no-follow", NULL, "stop at the end of the feed instead of waiting for new events"},
	{"json", NULL, "print each event as one JSON object per line (cursor, eventName, resourceUri, ...)"},
	{NULL, NULL, NULL},
};
static const struct cli_opt import_opts[] = {
	{"skip-invalid", NULL, "import the valid rows even if some are invalid (those go to the rejects file)"},
	{"dry-run", NULL, "only validate the file"},
	{"check", NULL, "validate the file, then every valid row on the server too (validateOnly): a full "
		       "preview that imports nothing"},
	{"confirm-duplicates", NULL, "create rows whose company name an existing customer or an earlier row has"},
	{"concurrency", "N", "creates in flight at once (1-64, default 16)"},
	{"journal", "PATH", "the resume journal (default FILE.partnerctl-journal)"},
	{"credentials-out", "PATH", "where new admin passwords go (default FILE.credentials.csv, mode 0600)"},
	{"rejects", "PATH", "rows not imported, with a reason column (default FILE.rejects.csv)"},
	{"quiet", NULL, "no progress display"},
	{"json", NULL, "print the summary as JSON on standard output"},
	{NULL, NULL, NULL},
};

const struct cli_cmd cli_commands[] = {
	{"login", "", 0, 0, "sign in to a partnerd server and keep the token",
	 "Signs in to a partnerd server and keeps the server and the bearer token in\n"
	 "~/.config/partnerctl/config (mode 0600), so that later commands need neither.\n\n"
	 "A partner user signs in with --user; the password is asked for on the terminal without\n"
	 "echo, or read from standard input with --password-stdin.  A partner app signs in with\n"
	 "--client-id; its secret comes from --client-secret-file, $PARTNERCTL_CLIENT_SECRET,\n"
	 "standard input (--password-stdin) or the terminal.  Secrets are never taken from the\n"
	 "command line and never printed.  An https server's certificate is checked against the\n"
	 "system CA store, or against --cacert FILE, which is kept with the server.\n\n"
	 "  partnerctl login --server http://127.0.0.1:8080 --user admin@contoso.cn\n"
	 "  partnerctl login --server https://partners.example.cn --cacert ca.pem --user admin@contoso.cn\n"
	 "  partnerctl login --user admin@contoso.cn --password-stdin < password.txt",
	 login_opts, 0, cli_cmd_login},
	{"logout", "", 0, 0, "forget the token (the server is remembered)", "", none, 0, cli_cmd_logout},
	{"whoami", "", 0, 0, "show the server, who is signed in and whether the token still works",
	 "Shows the server, who signed in, when the token expires and whether the server still\n"
	 "accepts it; exits 1 when it does not.", json_opts, 0, cli_cmd_whoami},
	{"customers list", "", 0, 0, "list customers, in the order they were added", "", list_opts, 0, cli_cmd_list},
	{"customers search", "TEXT", 1, 1, "find customers by company name or domain",
	 "Finds customers whose company name (or, with --by domain, default domain) starts with\n"
	 "TEXT, or contains it with --match substring.  Case does not matter; Chinese, German and\n"
	 "other text is matched as partnerd matches it: Traditional and Simplified characters and\n"
	 "full-width and half-width forms alike, and with --match substring a Chinese name by its\n"
	 "pinyin too (bjyd, beijing yunduan, 北京yd).\n\n"
	 "  partnerctl customers search 康托索\n"
	 "  partnerctl customers search contoso --by domain --match substring --csv",
	 search_opts, 0, cli_cmd_search},
	{"customers show", "ID|DOMAIN", 1, 1, "show one customer",
	 "Shows a customer, named by its id or by its default domain (or the domain's prefix).",
	 json_opts, 0, cli_cmd_show},
	{"customers add", "", 0, 0, "add a customer and print its admin user's one-time password",
	 "Adds a customer from flags (one per field, see below), from a JSON file in the shape of\n"
	 "POST /v1/customers, or both (flags win).  Prints the customer's id and its admin user's\n"
	 "password, which the server shows this once.\n\n"
	 "  partnerctl customers add --domain contosocn --company-name '康托索科技' \\\n"
	 "    --email it@contoso.cn --culture zh-CN --language zh --first-name 伟 --last-name 王 \\\n"
	 "    --address-line1 '海淀区中关村大街1号' --city 北京 --state 北京市 --postal-code 100080 \\\n"
	 "    --country CN",
	 add_opts, CLI_COL_CREATE, cli_cmd_add},
	{"customers update", "ID|DOMAIN", 1, 1, "change a customer's billing profile",
	 "Reads the billing profile with its etag, applies the flags (and --file), and writes it\n"
	 "back with If-Match, so a change made meanwhile by someone else is never overwritten: the\n"
	 "update then fails with exit code 4, or, with --retries, is applied again to the new\n"
	 "profile.  An empty value clears an optional field.",
	 update_opts, CLI_COL_BILLING, cli_cmd_update},
	{"customers check-domain", "DOMAIN", 1, 1, "tell whether a default domain is still available",
	 "Exits 0 when DOMAIN (or PREFIX, completed with the domain suffix) is available and 4 when\n"
	 "it is taken.", json_opts, 0, cli_cmd_check_domain},
	{"customers export", "", 0, 0, "write customers as CSV (all pages, streamed)",
	 "Writes every customer (or those that match --filter) as CSV with the columns\n"
	 "id, domain, companyName, email, culture, language, firstName, lastName, addressLine1,\n"
	 "addressLine2, city, state, postalCode, country, phoneNumber, organizationRegistrationNumber.\n"
	 "Pages are fetched and written one at a time, so memory stays constant.\n\n"
	 "  partnerctl customers export > customers.csv\n"
	 "  partnerctl customers export --filter 康托索 --output kangtuosuo.csv",
	 export_opts, 0, cli_cmd_export},
	{"customers import", "FILE", 1, 1, "create customers from a CSV file, resumably",
	 "Creates a customer per row of FILE, a CSV file with the columns of export in any order\n"
	 "(id is ignored; unknown columns are an error).  First every row is checked with the\n"
	 "server's own rules, and every error is reported with its row (the header is row 1) and\n"
	 "column; if any row is invalid, nothing is created unless --skip-invalid is given.\n\n"
	 "Then the customers are created, --concurrency at a time, with a progress display.  The\n"
	 "new admin users' passwords are appended to the credentials file (mode 0600); rows the\n"
	 "server refused, and skipped invalid rows, go to the rejects file with a reason column.\n\n"
	 "An interrupted import (Ctrl-C, a crash, a lost connection) continues where it stopped\n"
	 "when the same command is run again: finished rows are in the journal, and each create\n"
	 "carries a request id derived from the server and the domain, so even rows that were in\n"
	 "flight are never created twice.  Exit status 0 when every row was imported, 1 when rows\n"
	 "were rejected, 130 when interrupted.\n\n"
	 "  partnerctl customers import customers.csv\n"
	 "  partnerctl customers import customers.csv --skip-invalid --rejects fix-these.csv",
	 import_opts, 0, cli_cmd_import},
	{"subscriptions list", "CUSTOMER", 1, 1, "list a customer's subscriptions",
	 "Lists every subscription of CUSTOMER (its id, or its default domain or the domain's\n"
	 "prefix), all pages of the API's list: offer, name, quantity, status and the end of the\n"
	 "commitment.\n\n"
	 "  partnerctl subscriptions list contosocn\n"
	 "  partnerctl subscriptions list contosocn --csv > subscriptions.csv",
	 table_opts, 0, cli_cmd_subs_list},
	{"subscriptions show", "CUSTOMER SUB", 2, 2, "show one subscription with its etag",
	 "Shows subscription SUB (its id) of CUSTOMER, with the etag that a change must name.",
	 json_opts, 0, cli_cmd_subs_show},
	{"subscriptions set-quantity", "CUSTOMER SUB N", 3, 3, "change a subscription's number of licenses",
	 "Sets the quantity of subscription SUB to N, within the offer's minimum and maximum (exit\n"
	 "1 otherwise).  The subscription is read for its etag and changed with If-Match: if someone\n"
	 "changed it meanwhile the command exits 4 and changes nothing, unless --retry (or\n"
	 "--retries N) reads it again and retries.  A suspended subscription's quantity cannot\n"
	 "change (exit 4): reactivate it first.\n\n"
	 "  partnerctl subscriptions set-quantity contosocn 3264b0d9-b142-4f86-a17b-294e9e70414d 30",
	 sub_change_opts, 0, cli_cmd_subs_quantity},
	{"subscriptions suspend", "CUSTOMER SUB", 2, 2, "suspend a subscription",
	 "Suspends subscription SUB (status suspended), etag-checked like set-quantity.  Its add-ons\n"
	 "stay as they are.", sub_change_opts, 0, cli_cmd_subs_suspend},
	{"subscriptions reactivate", "CUSTOMER SUB", 2, 2, "reactivate a suspended subscription",
	 "Makes a suspended subscription active again, etag-checked like set-quantity.",
	 sub_change_opts, 0, cli_cmd_subs_reactivate},
	{"subscriptions order", "CUSTOMER OFFER QTY", 3, 3, "order new subscriptions for a customer",
	 "Orders QTY licenses of OFFER (an id from 'partnerctl offers list') for CUSTOMER, plus one\n"
	 "more line item per --line.  The order is all or nothing: when a line is refused (an\n"
	 "unknown offer, a quantity out of bounds, an add-on without its base) nothing is ordered\n"
	 "and each refused line is named.  Prints the new subscriptions' ids.\n\n"
	 "  partnerctl subscriptions order contosocn CN-O365-E3 25 --friendly-name 'E3 销售部'\n"
	 "  partnerctl subscriptions order contosocn CN-O365-E3 25 --line CN-EXO-ARCHIVE:25",
	 order_opts, 0, cli_cmd_subs_order},
	{"offers list", "", 0, 0, "list the offer catalog of a country",
	 "Lists the offers that can be ordered in a country: id, name (in the language of LANG),\n"
	 "quantity bounds, and for add-ons the offers they need.\n\n"
	 "  partnerctl offers list --country CN",
	 offers_opts, 0, cli_cmd_offers_list},
	{"users list", "CUSTOMER", 1, 1, "list a customer's users",
	 "Lists every user of CUSTOMER's tenant (an id, or a default domain or its prefix), all\n"
	 "pages of the API's list.\n\n"
	 "  partnerctl users list contosocn",
	 table_opts, 0, cli_cmd_users_list},
	{"users show", "CUSTOMER USER", 2, 2, "show one of a customer's users",
	 "Shows a user, named by its id, its user principal name or the name before the @.",
	 json_opts, 0, cli_cmd_users_show},
	{"users add", "CUSTOMER", 1, 1, "add a user and print its temporary password",
	 "Adds a user to CUSTOMER's tenant and prints its temporary password, which the server\n"
	 "shows this once (with --json, in passwordProfile.password); the user must change it at\n"
	 "the first sign-in.  Exit 4 when the name is taken.\n\n"
	 "  partnerctl users add contosocn --upn li.na --first-name 娜 --last-name 李 --display-name 李娜",
	 user_add_opts, 0, cli_cmd_users_add},
	{"users update", "CUSTOMER USER", 2, 2, "change a user's names, location, role or state",
	 "Changes the fields given as flags and leaves the others; --state inactive disables the\n"
	 "user's sign-in.  The user principal name cannot change.\n\n"
	 "  partnerctl users update contosocn li.na --state inactive",
	 user_update_opts, 0, cli_cmd_users_update},
	{"users remove", "CUSTOMER USER", 2, 2, "delete a user", "Deletes the user from the customer's tenant.",
	 json_opts, 0, cli_cmd_users_remove},
	{"users reset-password", "CUSTOMER USER", 2, 2, "give a user a new temporary password",
	 "Replaces the user's password with a new temporary one and prints it, once; the user must\n"
	 "change it at the next sign-in.", json_opts, 0, cli_cmd_users_reset_password},
	{"relationship-link", "", 0, 0, "show, renew or revoke the reseller invitation link",
	 "Shows the partner's reseller invitation link: a customer's company administrator who opens\n"
	 "it makes the partner its reseller.  The link can be used again and again; --renew issues a\n"
	 "new one (the old one stops working), --revoke ends it.\n\n"
	 "  partnerctl relationship-link\n"
	 "  partnerctl relationship-link --renew",
	 link_opts, 0, cli_cmd_relationship_link},
	{"webhooks show", "", 0, 0, "show the webhook registration",
	 "Shows the partner's webhook registration: its subscriber id, the URL that receives the\n"
	 "events and the events sent to it.  Exit 3 when there is none.", json_opts, 0, cli_cmd_webhooks_show},
	{"webhooks events", "", 0, 0, "list the events a registration can name",
	 "Lists the event names partnerd sends (Partner Center's names: customer-created,\n"
	 "subscription-updated, test-created, ...).", json_opts, 0, cli_cmd_webhooks_events},
	{"webhooks register", "", 0, 0, "register a URL to receive events",
	 "Registers the URL that partnerd sends the chosen events to, signed (docs/webhooks.md shows\n"
	 "how to verify them).  A partner has one registration: exit 4 when it exists already\n"
	 "(change it with 'webhooks update').  The URL must be https and reach a public address.\n\n"
	 "  partnerctl webhooks register --url https://crm.example.cn/partnerd --events customer-created,test-created",
	 wh_reg_opts, 0, cli_cmd_webhooks_register},
	{"webhooks update", "", 0, 0, "change the registration's URL or events",
	 "Reads the registration with its etag, replaces the URL or the events given, and writes it\n"
	 "back with If-Match: when it changed meanwhile the command exits 4 and changes nothing.\n\n"
	 "  partnerctl webhooks update --events customer-created,subscription-updated,test-created",
	 wh_update_opts, 0, cli_cmd_webhooks_update},
	{"webhooks delete", "", 0, 0, "delete the registration and its delivery log",
	 "Deletes the registration: no more events are sent, and its delivery log goes with it.",
	 wh_delete_opts, 0, cli_cmd_webhooks_delete},
	{"webhooks test", "", 0, 0, "send a test event (test-created)",
	 "Sends a test-created event to the registered URL and prints its correlation id; with\n"
	 "--wait follows it until it is delivered (exit 0) or has failed (exit 1) and prints each\n"
	 "attempt.  The registration must include test-created; two test events a minute at most.\n\n"
	 "  partnerctl webhooks test --wait",
	 wh_test_opts, 0, cli_cmd_webhooks_test},
	{"webhooks deliveries", "", 0, 0, "list the delivery log",
	 "Lists every event handed to the registration, oldest first (all pages): its cursor, name,\n"
	 "state (pending, delivered, or parked after 10 failed attempts) and number of attempts;\n"
	 "--json adds each attempt's time, HTTP status and the receiver's answer.\n\n"
	 "  partnerctl webhooks deliveries --csv > deliveries.csv",
	 table_opts, 0, cli_cmd_webhooks_deliveries},
	{"webhooks redeliver", "CURSOR", 1, 1, "send a parked event again",
	 "Puts a parked event (one whose 10 attempts failed) back in the queue: partnerd delivers it\n"
	 "again.  Exit 4 when the event is not parked, 3 when there is no such delivery.\n\n"
	 "  partnerctl webhooks redeliver 42",
	 json_opts, 0, cli_cmd_webhooks_redeliver},
	{"audit", "", 0, 0, "read the activity log",
	 "Prints the partner's activity log, oldest first: who did what to which customer, and\n"
	 "whether it succeeded, between --since and --until (default: the last 30 days), with at\n"
	 "most one filter.  Every page is fetched and printed in turn, so memory stays constant;\n"
	 "a table is printed in blocks of 500 records.\n\n"
	 "  partnerctl audit --since 2026-11-01 --operation update_subscription\n"
	 "  partnerctl audit --customer contosocn --csv > contoso-activity.csv",
	 audit_opts, 0, cli_cmd_audit},
	{"events tail", "", 0, 0, "print the partner's changes as they happen (the change feed)",
	 "Follows the partner's change feed (GET /v1/events, docs/events.md): every change that\n"
	 "writes an activity record (customers, billing profiles, subscriptions, customer users,\n"
	 "relationships, indirect resellers) is printed as it commits, one line each: cursor, time,\n"
	 "event name and resource.  It starts from now, or after --after N, or with --from-start\n"
	 "from the beginning, and follows until Ctrl-C, --count N events, or with --no-follow the\n"
	 "end of the feed.  When the server goes away (a restart, the network) it says so on stderr\n"
	 "and asks again after 1, 2, 4 ... 30 seconds from the last cursor it printed: nothing is\n"
	 "missed, nothing printed twice.  A cursor older than the server's --event-retention ends it\n"
	 "with the oldest cursor kept (exit 1).\n\n"
	 "  partnerctl events tail\n"
	 "  partnerctl events tail --from-start --no-follow --json > feed.jsonl\n"
	 "  partnerctl events tail --after \"$(tail -1 feed.jsonl | jq .cursor)\" --json >> feed.jsonl",
	 tail_opts, 0, cli_cmd_events_tail},
	{"completion", "bash", 1, 1, "print the bash completion script",
	 "Prints a bash completion script:\n\n"
	 "  source <(partnerctl completion bash)",
	 none, 0, cli_cmd_completion},
	{"help", "[COMMAND]", 0, 3, "show help on partnerctl or one of its commands", "", none, 0, cli_cmd_help},
	{NULL, NULL, 0, 0, NULL, NULL, NULL, 0, NULL},
};

const struct cli_topic cli_env[] = {
	{"PARTNERCTL_SERVER", "the server URL, over the config file's"},
	{"PARTNERCTL_TOKEN", "the bearer token, over the config file's"},
	{"PARTNERCTL_CACERT", "a CA file (PEM) for an https server, over the one login --cacert kept"},
	{"https_proxy, no_proxy", "a proxy for https:// servers, and the hosts reached without it"},
	{"PARTNERCTL_CLIENT_SECRET", "a partner app's secret for login --client-id"},
	{"PARTNERCTL_DOMAIN_SUFFIX", "completes bare domain prefixes (default partner.onmschina.cn)"},
	{"XDG_CONFIG_HOME", "where the config directory is (default ~/.config)"},
	{"LANG, LC_ALL", "zh_CN or de_DE: error messages in Chinese or German"},
	{NULL, NULL},
};

const struct cli_topic cli_files[] = {
	{"~/.config/partnerctl/config", "the server, the token and who signed in (JSON, mode 0600)"},
	{"FILE.partnerctl-journal", "an unfinished import's journal; deleted when the import completes"},
	{"FILE.credentials.csv", "the admin passwords of imported customers (mode 0600)"},
	{"FILE.rejects.csv", "the rows an import did not create, with the reason"},
	{NULL, NULL},
};

const struct cli_topic cli_exits[] = {
	{"0", "success"},
	{"1", "an error: the server refused, the network failed, invalid or rejected rows"},
	{"2", "a usage error: unknown command or option, missing operand"},
	{"3", "not found (HTTP 404)"},
	{"4", "conflict: HTTP 409 (a taken domain or name) or 412 (changed meanwhile); check-domain: taken"},
	{"130", "an import interrupted by Ctrl-C (run it again to resume)"},
	{NULL, NULL},
};

static bool words_are(const char *name, int argc, char *const *argv, int n)
{
	const char *p = name;
	for (int i = 0; i < n; i++) {
		size_t len = strlen(argv[i]);
		if (i >= argc || strncmp(p, argv[i], len) || (p[len] != ' ' && p[len] != 0))
			return false;
		p += len + (p[len] == ' ');
	}
	return *p == 0;
}

const struct cli_cmd *cli_command_find(int argc, char *const *argv, int *used)
{
	for (int n = argc < 3 ? argc : 3; n > 0; n--)
		for (const struct cli_cmd *c = cli_commands; c->name; c++)
			if (words_are(c->name, argc, argv, n)) {
				*used = n;
				return c;
			}
	return NULL;
}

bool cli_command_group(const char *words)
{
	size_t n = strlen(words);
	for (const struct cli_cmd *c = cli_commands; c->name; c++)
		if (!strncmp(c->name, words, n) && c->name[n] == ' ')
			return true;
	return false;
}

static int global(const char *arg)
{
	if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
		cli_help_main(NULL, stdout);
		return CLI_OK;
	}
	if (!strcmp(arg, "--version")) {
		printf("partnerctl %s\n", cli_version);
		return CLI_OK;
	}
	if (!strcmp(arg, "--man")) {
		cli_help_man(stdout);
		return CLI_OK;
	}
	return -1;
}

/* A group named without its command ("partnerctl customers"): its help. */
static int group_help(int argc, char **argv)
{
	bool asked = argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
	if (!asked && argc > 1)
		fprintf(stderr, "partnerctl: no command '%s %s'\n", argv[0], argv[1]);
	cli_help_main(argv[0], asked ? stdout : stderr);
	return asked ? CLI_OK : CLI_USAGE;
}

int cli_main(int argc, char **argv)
{
	int used = 0, rc;
	if (sodium_init() < 0)
		return cli_fail(CLI_ERROR, "libsodium cannot start");
	if (argc < 2) {
		cli_help_main(NULL, stderr);
		return CLI_USAGE;
	}
	if (argv[1][0] == '-' && (rc = global(argv[1])) >= 0)
		return rc;
	const struct cli_cmd *cmd = cli_command_find(argc - 1, argv + 1, &used);
	if (!cmd && cli_command_group(argv[1]))
		return group_help(argc - 1, argv + 1);
	if (!cmd)
		return cli_fail(CLI_USAGE, "no command '%s' (see 'partnerctl --help')", argv[1]);
	struct cli_args a;
	rc = cli_args_parse(cmd, argc - 1 - used, argv + 1 + used, &a);
	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	rc = cmd->run(&a);
	fflush(stdout);
	return rc;
}
