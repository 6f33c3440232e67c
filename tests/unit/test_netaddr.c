/* test_netaddr.c - unit tests of src/core/netaddr.c: which addresses a webhook may reach
 * (issue 22) and the webhook URL's syntax. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <string.h>
#include "netaddr.h"

static enum pd_addr_class cls(const char *text)
{
	unsigned char a[16];
	if (inet_pton(AF_INET, text, a) == 1)
		return pd_addr_class_v4(a);
	cr_assert_eq(inet_pton(AF_INET6, text, a), 1, "%s parses", text);
	return pd_addr_class_v6(a);
}

Test(netaddr, ipv4_classes)
{
	static const struct { const char *a; enum pd_addr_class c; } cases[] = {
		{"93.184.216.34", PD_ADDR_PUBLIC}, {"8.8.8.8", PD_ADDR_PUBLIC}, {"127.0.0.1", PD_ADDR_LOOPBACK},
		{"127.255.1.2", PD_ADDR_LOOPBACK}, {"10.0.0.1", PD_ADDR_PRIVATE}, {"172.16.0.1", PD_ADDR_PRIVATE},
		{"172.31.255.255", PD_ADDR_PRIVATE}, {"172.32.0.1", PD_ADDR_PUBLIC}, {"172.15.255.255", PD_ADDR_PUBLIC},
		{"192.168.0.1", PD_ADDR_PRIVATE}, {"100.64.0.1", PD_ADDR_CGNAT}, {"100.127.255.255", PD_ADDR_CGNAT},
		{"100.128.0.1", PD_ADDR_PUBLIC}, {"169.254.169.254", PD_ADDR_LINK_LOCAL}, {"224.0.0.1", PD_ADDR_MULTICAST},
		{"239.255.255.255", PD_ADDR_MULTICAST}, {"255.255.255.255", PD_ADDR_MULTICAST},
		{"0.0.0.0", PD_ADDR_UNSPECIFIED}, {"0.1.2.3", PD_ADDR_UNSPECIFIED}, {"240.0.0.1", PD_ADDR_RESERVED},
		{"192.0.2.1", PD_ADDR_RESERVED}, {"198.51.100.1", PD_ADDR_RESERVED}, {"203.0.113.9", PD_ADDR_RESERVED},
		{"198.18.0.1", PD_ADDR_RESERVED}, {"198.19.255.1", PD_ADDR_RESERVED}, {"198.20.0.1", PD_ADDR_PUBLIC},
		{"192.0.0.8", PD_ADDR_RESERVED}};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		cr_assert_eq(cls(cases[i].a), cases[i].c, "%s: %s", cases[i].a, pd_addr_class_name(cls(cases[i].a)));
}

Test(netaddr, ipv6_classes_and_the_ipv4_they_carry)
{
	static const struct { const char *a; enum pd_addr_class c; } cases[] = {
		{"2606:2800:220:1:248:1893:25c8:1946", PD_ADDR_PUBLIC}, {"::1", PD_ADDR_LOOPBACK},
		{"::", PD_ADDR_UNSPECIFIED}, {"fc00::1", PD_ADDR_PRIVATE}, {"fd12:3456::1", PD_ADDR_PRIVATE},
		{"fec0::1", PD_ADDR_PRIVATE}, {"fe80::1", PD_ADDR_LINK_LOCAL}, {"ff02::1", PD_ADDR_MULTICAST},
		{"2001:db8::1", PD_ADDR_RESERVED}, {"100::1", PD_ADDR_RESERVED}, {"::ffff:127.0.0.1", PD_ADDR_LOOPBACK},
		{"::ffff:10.1.2.3", PD_ADDR_PRIVATE}, {"::ffff:169.254.169.254", PD_ADDR_LINK_LOCAL},
		{"::ffff:93.184.216.34", PD_ADDR_PUBLIC}, {"::127.0.0.1", PD_ADDR_LOOPBACK},
		{"64:ff9b::10.0.0.1", PD_ADDR_PRIVATE}, {"64:ff9b::93.184.216.34", PD_ADDR_PUBLIC},
		{"2002:7f00:1::1", PD_ADDR_LOOPBACK}, {"2002:5db8:d822::1", PD_ADDR_PUBLIC},
		{"2001::1", PD_ADDR_RESERVED}, {"4000::1", PD_ADDR_RESERVED}};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		cr_assert_eq(cls(cases[i].a), cases[i].c, "%s: %s", cases[i].a, pd_addr_class_name(cls(cases[i].a)));
}

Test(netaddr, same_ip_ignores_the_port_and_the_mapped_form)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(80)}, b = a;
	struct sockaddr_in6 m = {.sin6_family = AF_INET6};
	inet_pton(AF_INET, "10.0.0.5", &a.sin_addr);
	inet_pton(AF_INET, "10.0.0.5", &b.sin_addr);
	b.sin_port = htons(8080);
	inet_pton(AF_INET6, "::ffff:10.0.0.5", &m.sin6_addr);
	cr_assert(pd_addr_same_ip((struct sockaddr *)&a, (struct sockaddr *)&b));
	cr_assert(pd_addr_same_ip((struct sockaddr *)&a, (struct sockaddr *)&m));
	inet_pton(AF_INET, "10.0.0.6", &b.sin_addr);
	cr_assert(!pd_addr_same_ip((struct sockaddr *)&a, (struct sockaddr *)&b));
	cr_assert_eq(pd_addr_class_of((struct sockaddr *)&m), PD_ADDR_PRIVATE);
}

Test(netaddr, webhook_urls)
{
	struct pd_url u;
	cr_assert_eq(pd_webhook_url_parse("https://Hooks.Example.com/cb?x=1", false, &u), PD_URL_OK);
	cr_assert(u.https && !strcmp(u.host, "hooks.example.com") && u.port == 443);
	cr_assert_eq(pd_webhook_url_parse("https://[::1]:8443/cb", false, &u), PD_URL_OK);
	cr_assert(!strcmp(u.host, "::1") && u.port == 8443);
	cr_assert_eq(pd_webhook_url_parse("HTTP://127.0.0.1:9/x", true, &u), PD_URL_OK);
	cr_assert(!u.https && u.port == 9);
	cr_assert_eq(pd_webhook_url_parse("http://127.0.0.1/x", false, &u), PD_URL_HTTP);
	cr_assert_eq(pd_webhook_url_parse("ftp://a.example/", true, &u), PD_URL_SCHEME);
	cr_assert_eq(pd_webhook_url_parse("a.example/x", false, &u), PD_URL_NOT_ABSOLUTE);
	cr_assert_eq(pd_webhook_url_parse("https:///x", false, &u), PD_URL_NOT_ABSOLUTE);
	cr_assert_eq(pd_webhook_url_parse("https://u:p@a.example/", false, &u), PD_URL_USERINFO);
	cr_assert_eq(pd_webhook_url_parse("https://a.example@10.0.0.1/", false, &u), PD_URL_USERINFO);
	cr_assert_eq(pd_webhook_url_parse("https://a.example:0/", false, &u), PD_URL_BAD_PORT);
	cr_assert_eq(pd_webhook_url_parse("https://a.example:65536/", false, &u), PD_URL_BAD_PORT);
	cr_assert_eq(pd_webhook_url_parse("https://a.example:/", false, &u), PD_URL_BAD_PORT);
	cr_assert_eq(pd_webhook_url_parse("https://a%2eexample/", false, &u), PD_URL_BAD_HOST);
	cr_assert_eq(pd_webhook_url_parse("https://[::1/", false, &u), PD_URL_BAD_HOST);
	cr_assert_eq(pd_webhook_url_parse("https://[fe80::1%25eth0]/", false, &u), PD_URL_BAD_HOST);
	cr_assert_eq(pd_webhook_url_parse("https://[93.184.216.34]/", false, &u), PD_URL_BAD_HOST); /* no IPv6 */
	cr_assert_eq(pd_webhook_url_parse("https://[1:2:3:4:5:6:7:8:9]/", false, &u), PD_URL_BAD_HOST);
	cr_assert_eq(pd_webhook_url_parse("https://[::ffff:93.184.216.34]/", false, &u), PD_URL_OK);
	cr_assert_eq(pd_webhook_url_parse("https://a.example/cb#part", false, &u), PD_URL_FRAGMENT);
	cr_assert_eq(pd_webhook_url_parse("https://a.example#", false, &u), PD_URL_FRAGMENT);
	cr_assert_eq(pd_webhook_url_parse("https://a.example/cb?x=1&y=%23", false, &u), PD_URL_OK);
	cr_assert_eq(pd_webhook_url_parse("https://a .example/", false, &u), PD_URL_BAD_CHAR);
	cr_assert_eq(pd_webhook_url_parse("https://a.example/\xe4", false, &u), PD_URL_BAD_CHAR);
	char longer[PD_WEBHOOK_URL_MAX + 2];
	memset(longer, 'a', sizeof longer - 1);
	memcpy(longer, "https://a/", 10);
	longer[sizeof longer - 1] = 0;
	cr_assert_eq(pd_webhook_url_parse(longer, false, &u), PD_URL_TOO_LONG);
	longer[sizeof longer - 2] = 0;
	cr_assert_eq(pd_webhook_url_parse(longer, false, &u), PD_URL_OK, "exactly the cap");
}
