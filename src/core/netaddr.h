/* netaddr.h - what a webhook URL may point at (issue 22): the classes of IP addresses
 * partnerd refuses to call (loopback, private, link-local, CGNAT, multicast, unspecified,
 * reserved, and IPv6 forms that carry such an IPv4 address), and the syntax check of a
 * webhook URL (absolute http(s), a host, no user name or password, a length cap).  Pure: the
 * caller resolves names (getaddrinfo) and passes each address here. */
#ifndef PD_NETADDR_H
#define PD_NETADDR_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

enum pd_addr_class {
	PD_ADDR_PUBLIC,      /* a global unicast address */
	PD_ADDR_LOOPBACK,    /* 127/8, ::1 */
	PD_ADDR_PRIVATE,     /* RFC 1918, fc00::/7, fec0::/10 */
	PD_ADDR_CGNAT,       /* 100.64/10 (RFC 6598) */
	PD_ADDR_LINK_LOCAL,  /* 169.254/16, fe80::/10 */
	PD_ADDR_MULTICAST,   /* 224/4, ff00::/8, 255.255.255.255 */
	PD_ADDR_UNSPECIFIED, /* 0/8, :: */
	PD_ADDR_RESERVED,    /* documentation, benchmarking, protocol assignments, 240/4, 100::/64, ... */
	PD_ADDR_UNKNOWN      /* not an IPv4 or IPv6 address */
};

/* The class of an IPv4 address (4 bytes, network order) or an IPv6 one (16 bytes); IPv6
 * forms that embed an IPv4 address (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64
 * 64:ff9b::/96, 6to4 2002::/16) take the embedded address's class when it is not public. */
enum pd_addr_class pd_addr_class_v4(const unsigned char a[4]);
enum pd_addr_class pd_addr_class_v6(const unsigned char a[16]);
/* The class of a sockaddr (AF_INET or AF_INET6); PD_ADDR_UNKNOWN for any other family. */
enum pd_addr_class pd_addr_class_of(const struct sockaddr *sa);
/* "public", "loopback", "private", ... (English, for logs and the delivery log). */
const char *pd_addr_class_name(enum pd_addr_class c);
/* The same IP address (the port and scope aside; a mapped IPv4 equals its IPv4 form). */
bool pd_addr_same_ip(const struct sockaddr *a, const struct sockaddr *b);

#define PD_WEBHOOK_URL_MAX 2048

enum pd_url_err {
	PD_URL_OK, PD_URL_TOO_LONG, PD_URL_NOT_ABSOLUTE, PD_URL_SCHEME, PD_URL_HTTP, PD_URL_USERINFO,
	PD_URL_BAD_HOST, PD_URL_BAD_PORT, PD_URL_BAD_CHAR, PD_URL_FRAGMENT
};

struct pd_url {
	bool https;
	char host[256];      /* without brackets for an IPv6 literal; lower case */
	int port;            /* 443 or 80 when not given */
};

/* Checks a webhook URL: at most PD_WEBHOOK_URL_MAX bytes of printable ASCII, https:// (or
 * http:// when allow_http: else PD_URL_HTTP) then a host (a DNS name of letters, digits, '-',
 * '.', '_', or an IPv4 literal, or an IPv6 literal in brackets), an optional port 1-65535,
 * no user name or password; then a path and a query, but no '#' fragment (PD_URL_FRAGMENT: a
 * client never sends it, RFC 9110 7.1, so the receiver would never see it).  Fills *u on PD_URL_OK. */
enum pd_url_err pd_webhook_url_parse(const char *url, bool allow_http, struct pd_url *u);

#endif
