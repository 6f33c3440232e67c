/* users.c - the commands of users.h over /v1/customers/{id}/users.  A USER operand is the
 * user's id, its user principal name, or the name's part before the @ (looked up in the
 * customer's list).  Flags map one to one onto CustomerUser members (flag_members). */
#include "users.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "cli.h"
#include "ids.h"
#include "listing.h"
#include "output.h"

static const struct cli_field list_fields[] = {
	{"id", "id"}, {"userPrincipalName", "userPrincipalName"}, {"displayName", "displayName"},
	{"state", "state"}, {"roles", "roles"},
};
static const struct cli_field show_fields[] = {
	{"id", "id"}, {"userPrincipalName", "userPrincipalName"}, {"displayName", "displayName"},
	{"firstName", "firstName"}, {"lastName", "lastName"}, {"usageLocation", "usageLocation"},
	{"state", "state"}, {"roles", "roles"},
};
#define N(a) (sizeof a / sizeof a[0])
#define LIST_PAGE "?size=500" /* the largest page: fewest round trips */

/* option -> member of the body (add and update) */
static const char *const flag_members[][2] = {
	{"upn", "userPrincipalName"}, {"first-name", "firstName"}, {"last-name", "lastName"},
	{"display-name", "displayName"}, {"usage-location", "usageLocation"}, {"state", "state"},
};

/* True when the command has option `name` (add has no --state, update no --upn). */
static bool has_opt(const struct cli_args *a, const char *name)
{
	for (const struct cli_opt *o = a->cmd->opts; o->name; o++)
		if (!strcmp(o->name, name))
			return true;
	return false;
}

/* The body of add or update from the flags; NULL (after a message) when there is nothing. */
static json_t *user_body(const struct cli_args *a)
{
	json_t *b = json_object();
	for (size_t i = 0; i < N(flag_members); i++)
		if (has_opt(a, flag_members[i][0]) && cli_arg(a, flag_members[i][0]))
			json_object_set_new(b, flag_members[i][1], json_string(cli_arg(a, flag_members[i][0])));
	if (cli_flag(a, "admin") || (has_opt(a, "no-admin") && cli_flag(a, "no-admin")))
		json_object_set_new(b, "roles", json_pack("[s]", cli_flag(a, "admin") ? "company_administrator" : "user"));
	if (has_opt(a, "no-admin") && cli_flag(a, "admin") && cli_flag(a, "no-admin")) {
		json_decref(b);
		cli_fail(CLI_USAGE, "--admin and --no-admin exclude each other");
		return NULL;
	}
	if (!json_object_size(b)) {
		json_decref(b);
		cli_fail(CLI_USAGE, "%s: give the fields to change as flags (see --help)", a->cmd->name);
		return NULL;
	}
	return b;
}

static int users_path(const char *customer, const char *user, char *path, size_t cap)
{
	snprintf(path, cap, "/v1/customers/%s/users%s%s", customer, user ? "/" : "", user ? user : "");
	return CLI_OK;
}

struct user_match {
	const char *operand;
	size_t n;            /* the operand's length before any '@' */
	char *id;
	bool found;
};

/* Whether item is the user the operand names (then its id is kept and the walk stops). */
static bool match_user(void *arg, json_t *u)
{
	struct user_match *m = arg;
	const char *upn = json_string_value(json_object_get(u, "userPrincipalName"));
	const char *uid = json_string_value(json_object_get(u, "id"));
	bool same = upn && (m->operand[m->n] ? !strcasecmp(upn, m->operand)
			    : !strncasecmp(upn, m->operand, m->n) && upn[m->n] == '@');
	if (same && uid)
		m->found = pd_uuid_parse(uid, m->id);
	return !m->found;
}

/* The id of the user an operand names: an id as it is, else a UPN (or its name part) found
 * in the customer's users, every page of them. */
static int resolve_user(struct cli_http *h, const char *customer, const char *operand, char id[PD_UUID_LEN + 1])
{
	char path[160];
	struct user_match m = {operand, strcspn(operand, "@"), id, false};
	if (pd_uuid_parse(operand, id))
		return CLI_OK;
	snprintf(path, sizeof path, "/v1/customers/%s/users%s", customer, LIST_PAGE);
	int rc = cli_each_item(h, path, match_user, &m);
	if (rc == CLI_OK && !m.found)
		rc = cli_fail(CLI_NOTFOUND, "the customer has no user %s", operand);
	return rc;
}

/* Session, customer id and (when the command has a USER operand) the user's path. */
static int open_user(const struct cli_args *a, struct cli_session *s, struct cli_http **h, char *path, size_t cap)
{
	char cid[PD_UUID_LEN + 1], uid[PD_UUID_LEN + 1];
	int rc = cli_open_customer(s, h, a->pos[0], cid);
	if (rc == CLI_OK && a->npos > 1)
		rc = resolve_user(*h, cid, a->pos[1], uid);
	if (rc == CLI_OK)
		users_path(cid, a->npos > 1 ? uid : NULL, path, cap);
	return rc;
}

int cli_cmd_users_list(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	char path[160];
	int rc = open_user(a, &s, &h, path, sizeof path);
	if (rc == CLI_OK) {
		size_t used = strlen(path); /* /v1/customers/{id}/users: far below the buffer */
		snprintf(path + used, sizeof path - used, "%s", LIST_PAGE);
		rc = cli_list_get(h, a, path, list_fields, N(list_fields), "(no users)");
	}
	cli_api_close(&s, h);
	return rc;
}

int cli_cmd_users_show(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	char path[160];
	int rc = open_user(a, &s, &h, path, sizeof path);
	if (rc == CLI_OK)
		rc = cli_show_get(h, a, path, show_fields, N(show_fields));
	cli_api_close(&s, h);
	return rc;
}

/* The user, then its new temporary password (shown this once), or all of it as JSON. */
static void print_user(const struct cli_args *a, json_t *u, const char *what)
{
	const char *pw = cli_json_get_path(u, "passwordProfile.password");
	if (cli_flag(a, "json")) {
		cli_print_json(u, stdout);
		return;
	}
	printf("%s user %s (%s)\n", what, json_string_value(json_object_get(u, "userPrincipalName")),
	       json_string_value(json_object_get(u, "id")));
	if (pw)
		printf("temporary password: %s  (shown once: the user must change it at first sign-in)\n", pw);
}

/* One call that answers with the user: POST/PATCH with body, or the reset's POST. */
static int user_call(const struct cli_args *a, enum evhttp_cmd_type method, const char *suffix, json_t *body,
		     const char *what)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	char path[200];
	json_t *u = NULL;
	int rc = open_user(a, &s, &h, path, sizeof path - 32);
	if (rc == CLI_OK) {
		strcat(path, suffix);
		rc = cli_api_call(h, &(struct cli_call){.method = method, .path = path, .body = body}, &u, NULL);
	}
	cli_api_close(&s, h);
	if (rc == CLI_OK)
		print_user(a, u, what);
	json_decref(u);
	return rc;
}

int cli_cmd_users_add(const struct cli_args *a)
{
	json_t *body = user_body(a);
	if (body && !json_object_get(body, "userPrincipalName")) {
		json_decref(body);
		return cli_fail(CLI_USAGE, "users add: --upn is required");
	}
	int rc = body ? user_call(a, EVHTTP_REQ_POST, "", body, "Added") : CLI_USAGE;
	json_decref(body);
	return rc;
}

int cli_cmd_users_update(const struct cli_args *a)
{
	json_t *body = user_body(a);
	int rc = body ? user_call(a, EVHTTP_REQ_PATCH, "", body, "Updated") : CLI_USAGE;
	json_decref(body);
	return rc;
}

int cli_cmd_users_reset_password(const struct cli_args *a)
{
	return user_call(a, EVHTTP_REQ_POST, "/resetpassword", NULL, "Reset the password of");
}

int cli_cmd_users_remove(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	char path[160];
	int rc = open_user(a, &s, &h, path, sizeof path);
	if (rc == CLI_OK)
		rc = cli_api_call(h, &(struct cli_call){.method = EVHTTP_REQ_DELETE, .path = path}, NULL, NULL);
	cli_api_close(&s, h);
	if (rc == CLI_OK && cli_flag(a, "json"))
		printf("{\"removed\": \"%s\"}\n", strrchr(path, '/') + 1);
	else if (rc == CLI_OK)
		printf("Removed user %s\n", a->pos[1]);
	return rc;
}
