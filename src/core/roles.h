/* roles.h - partner roles (as in Partner Center) and the one permission table that decides
 * every route: each route names a permission (src/api/routes.c), each role holds a set of
 * permissions (roles.c).  `partnerd permissions` prints the resulting matrix for the docs. */
#ifndef PD_ROLES_H
#define PD_ROLES_H
#include <stdbool.h>
#include <stddef.h>

enum pd_perm {
	PD_PERM_PUBLIC = 0,       /* no sign-in needed */
	PD_PERM_SELF,             /* any signed-in user or app: its own profile, validations */
	PD_PERM_CUSTOMERS_READ,
	PD_PERM_CUSTOMERS_CREATE,
	PD_PERM_CUSTOMERS_DELETE, /* sandbox only */
	PD_PERM_BILLING_READ,
	PD_PERM_BILLING_WRITE,
	PD_PERM_ORDERS_WRITE,
	PD_PERM_USERS_READ,
	PD_PERM_USERS_MANAGE,
	PD_PERM_APPS_MANAGE,
	PD_PERM_AUDIT_READ,
	PD_PERM_CUSTOMER_USERS_MANAGE,
	PD_PERM_CUSTOMER_USERS_RESET,  /* reset a customer user's password */
	PD_PERM_RELATIONSHIPS_MANAGE,  /* reseller invitations, ending a relationship */
	PD_PERM_RESELLERS_MANAGE,      /* adding and ending indirect resellers (two-tier CSP) */
	PD_PERM_EVENTS_READ,           /* the change feed: GET /v1/events */
	PD_PERM_WEBHOOKS_MANAGE,       /* the webhook registration, test events, deliveries */
	PD_PERM_COUNT
};

enum pd_role {
	PD_ROLE_GLOBAL_ADMIN, PD_ROLE_ADMIN_AGENT, PD_ROLE_SALES_AGENT, PD_ROLE_HELPDESK_AGENT,
	PD_ROLE_BILLING_ADMIN, PD_ROLE_USER_MANAGEMENT_ADMIN, PD_ROLE_COUNT
};

const char *pd_role_name(enum pd_role r);
const char *pd_perm_name(enum pd_perm p);

/* True if role `r` holds permission `p` (PUBLIC and SELF: every role). */
bool pd_role_has(enum pd_role r, enum pd_perm p);

/* True if the comma-separated list `roles` (may be NULL) names `role` exactly. */
bool pd_roles_contain(const char *roles, const char *role);

/* True if any role in the comma-separated list `roles` holds `p`. */
bool pd_roles_allow(const char *roles, enum pd_perm p);

/* Writes "global_admin, admin_agent or sales_agent": the roles holding `p`. */
void pd_perm_roles_text(enum pd_perm p, char *out, size_t cap);

/* Parses one role name; -1 if unknown. */
int pd_role_parse(const char *name);

/* The comma-separated list of all role names ("global_admin, admin_agent, ..."). */
const char *pd_role_names(void);

#endif
