/* test_roles.c - the permission table: what each role may do, and how it is printed. */
#include <criterion/criterion.h>
#include <string.h>
#include "roles.h"

Test(roles, global_admin_holds_everything)
{
	for (int p = 0; p < PD_PERM_COUNT; p++)
		cr_assert(pd_role_has(PD_ROLE_GLOBAL_ADMIN, (enum pd_perm)p), "perm %s", pd_perm_name((enum pd_perm)p));
}

Test(roles, issue_rules)
{
	cr_assert(pd_role_has(PD_ROLE_HELPDESK_AGENT, PD_PERM_CUSTOMERS_READ));
	cr_assert_not(pd_role_has(PD_ROLE_HELPDESK_AGENT, PD_PERM_CUSTOMERS_CREATE));
	cr_assert_not(pd_role_has(PD_ROLE_HELPDESK_AGENT, PD_PERM_BILLING_WRITE));
	cr_assert(pd_role_has(PD_ROLE_SALES_AGENT, PD_PERM_CUSTOMERS_CREATE));
	cr_assert(pd_role_has(PD_ROLE_SALES_AGENT, PD_PERM_ORDERS_WRITE));
	cr_assert(pd_role_has(PD_ROLE_BILLING_ADMIN, PD_PERM_BILLING_READ));
	cr_assert(pd_role_has(PD_ROLE_BILLING_ADMIN, PD_PERM_BILLING_WRITE));
	for (int r = 0; r < PD_ROLE_COUNT; r++) {
		bool admin = r == PD_ROLE_GLOBAL_ADMIN || r == PD_ROLE_USER_MANAGEMENT_ADMIN;
		cr_assert_eq(pd_role_has((enum pd_role)r, PD_PERM_USERS_MANAGE), admin, "role %s", pd_role_name((enum pd_role)r));
	}
}

Test(roles, public_and_self_for_every_role)
{
	for (int r = 0; r < PD_ROLE_COUNT; r++) {
		cr_assert(pd_role_has((enum pd_role)r, PD_PERM_PUBLIC));
		cr_assert(pd_role_has((enum pd_role)r, PD_PERM_SELF));
	}
}

Test(roles, lists_of_roles)
{
	cr_assert(pd_roles_allow("helpdesk_agent,sales_agent", PD_PERM_CUSTOMERS_CREATE));
	cr_assert_not(pd_roles_allow("helpdesk_agent", PD_PERM_CUSTOMERS_CREATE));
	cr_assert_not(pd_roles_allow("", PD_PERM_CUSTOMERS_READ));
	cr_assert_not(pd_roles_allow(NULL, PD_PERM_CUSTOMERS_READ));
	cr_assert_not(pd_roles_allow("global_admin_x", PD_PERM_CUSTOMERS_READ), "no prefix matches");
	cr_assert_not(pd_roles_allow("xglobal_admin", PD_PERM_CUSTOMERS_READ));
	cr_assert(pd_roles_allow("nonsense,,global_admin", PD_PERM_APPS_MANAGE));
}

Test(roles, parse_and_names)
{
	cr_assert_eq(pd_role_parse("billing_admin"), PD_ROLE_BILLING_ADMIN);
	cr_assert_eq(pd_role_parse("Billing_Admin"), -1);
	cr_assert_eq(pd_role_parse("root"), -1);
	for (int r = 0; r < PD_ROLE_COUNT; r++)
		cr_assert(strstr(pd_role_names(), pd_role_name((enum pd_role)r)));
}

Test(roles, text_of_roles_holding_a_permission)
{
	char buf[200];
	pd_perm_roles_text(PD_PERM_CUSTOMERS_CREATE, buf, sizeof buf);
	cr_assert_str_eq(buf, "global_admin, admin_agent or sales_agent");
	pd_perm_roles_text(PD_PERM_APPS_MANAGE, buf, sizeof buf);
	cr_assert_str_eq(buf, "global_admin");
	pd_perm_roles_text(PD_PERM_CUSTOMERS_CREATE, buf, 8);
	cr_assert_eq(strlen(buf), 7, "truncated, terminated");
}

Test(roles, contain_whole_names_only)
{
	cr_assert(pd_roles_contain("admin_agent,global_admin", "global_admin"));
	cr_assert(pd_roles_contain("global_admin", "global_admin"));
	cr_assert_not(pd_roles_contain("global_admin_x", "global_admin"));
	cr_assert_not(pd_roles_contain("xglobal_admin,sales_agent", "global_admin"));
	cr_assert_not(pd_roles_contain("", "global_admin"));
	cr_assert_not(pd_roles_contain(NULL, "global_admin"));
}
