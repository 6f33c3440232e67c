/* roles.c - the permission table: one row per role, the permissions it holds.  Everything
 * that decides access (the HTTP edge) or documents it (`partnerd permissions`) reads this. */
#include "roles.h"
#include <stdio.h>
#include <string.h>

#define P(x) (1u << PD_PERM_##x)
#define READ_CUSTOMERS (P(CUSTOMERS_READ) | P(BILLING_READ))
/* Partner Center lets every agent role read the activity log (audit records) */
#define READ_AUDIT P(AUDIT_READ)

static const struct {
	const char *name;
	unsigned perms;
} roles[PD_ROLE_COUNT] = {
	[PD_ROLE_GLOBAL_ADMIN] = {"global_admin", ~0u},
	[PD_ROLE_ADMIN_AGENT] = {"admin_agent", READ_CUSTOMERS | P(CUSTOMERS_CREATE) | P(CUSTOMERS_DELETE) |
							P(BILLING_WRITE) | P(ORDERS_WRITE) | P(AUDIT_READ) |
							P(CUSTOMER_USERS_MANAGE) | P(CUSTOMER_USERS_RESET) |
							P(RELATIONSHIPS_MANAGE) | P(RESELLERS_MANAGE) |
							P(EVENTS_READ) | P(WEBHOOKS_MANAGE)},
	[PD_ROLE_SALES_AGENT] = {"sales_agent", READ_CUSTOMERS | P(CUSTOMERS_CREATE) | P(ORDERS_WRITE) |
							P(RELATIONSHIPS_MANAGE) | READ_AUDIT},
	[PD_ROLE_HELPDESK_AGENT] = {"helpdesk_agent", READ_CUSTOMERS | P(CUSTOMER_USERS_RESET) | READ_AUDIT},
	[PD_ROLE_BILLING_ADMIN] = {"billing_admin", READ_CUSTOMERS | P(BILLING_WRITE) | READ_AUDIT},
	[PD_ROLE_USER_MANAGEMENT_ADMIN] = {"user_management_admin", P(USERS_READ) | P(USERS_MANAGE) | P(AUDIT_READ)},
};

static const char *const perm_names[PD_PERM_COUNT] = {
	"public", "signed_in", "customers.read", "customers.create", "customers.delete",
	"billing.read", "billing.write", "orders.write", "users.read", "users.manage",
	"apps.manage", "audit.read", "customer_users.manage", "customer_users.reset_password",
	"relationships.manage", "resellers.manage", "events.read", "webhooks.manage",
};

const char *pd_role_name(enum pd_role r)
{
	return (unsigned)r < PD_ROLE_COUNT ? roles[r].name : "?";
}

const char *pd_perm_name(enum pd_perm p)
{
	return (unsigned)p < PD_PERM_COUNT ? perm_names[p] : "?";
}

bool pd_role_has(enum pd_role r, enum pd_perm p)
{
	if (p == PD_PERM_PUBLIC || p == PD_PERM_SELF)
		return true;
	return (unsigned)r < PD_ROLE_COUNT && (roles[r].perms & (1u << p));
}

int pd_role_parse(const char *name)
{
	for (int i = 0; i < PD_ROLE_COUNT; i++)
		if (!strcmp(name, roles[i].name))
			return i;
	return -1;
}

bool pd_roles_contain(const char *list, const char *role)
{
	size_t n = strlen(role);
	for (const char *p = list; p && *p;) {
		size_t k = strcspn(p, ",");
		if (k == n && !strncmp(p, role, n))
			return true;
		p += k + (p[k] == ',');
	}
	return false;
}

bool pd_roles_allow(const char *list, enum pd_perm p)
{
	char name[64];
	while (list && *list) {
		size_t n = strcspn(list, ",");
		if (n < sizeof name) {
			memcpy(name, list, n);
			name[n] = 0;
			int r = pd_role_parse(name);
			if (r >= 0 && pd_role_has((enum pd_role)r, p))
				return true;
		}
		list += n + (list[n] == ',');
	}
	return false;
}

void pd_perm_roles_text(enum pd_perm p, char *out, size_t cap)
{
	int n = 0, total = 0, at = 0;
	for (int i = 0; i < PD_ROLE_COUNT; i++)
		total += pd_role_has((enum pd_role)i, p);
	out[0] = 0;
	for (int i = 0; i < PD_ROLE_COUNT && at >= 0 && (size_t)at < cap; i++) {
		if (!pd_role_has((enum pd_role)i, p))
			continue;
		const char *sep = n == 0 ? "" : n == total - 1 ? " or " : ", ";
		at += snprintf(out + at, cap - (size_t)at, "%s%s", sep, roles[i].name);
		n++;
	}
}

const char *pd_role_names(void)
{
	return "global_admin, admin_agent, sales_agent, helpdesk_agent, billing_admin, user_management_admin";
}
