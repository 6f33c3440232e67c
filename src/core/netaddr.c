/* netaddr.c - address classes and the webhook URL's syntax (see netaddr.h). */
#include "netaddr.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

static bool in4(const unsigned char a[4], unsigned b0, unsigned b1, int bits)
{
	unsigned long x = (unsigned long)a[0] << 24 | (unsigned long)a[1] << 16 | (unsigned long)a[2] << 8 | a[3];
	unsigned long net = (unsigned long)b0 << 24 | (unsigned long)b1 << 16;
	unsigned long mask = bits ? 0xffffffffUL << (32 - bits) & 0xffffffffUL : 0;
	return (x & mask) == (net & mask);
}

/* a.b.c.0/24 */
static bool in4c(const unsigned char a[4], unsigned b0, unsigned b1, unsigned b2)
{
	return a[0] == b0 && a[1] == b1 && a[2] == b2;
}

enum pd_addr_class pd_addr_class_v4(const unsigned char a[4])
{
	if (a[0] == 0)
		return PD_ADDR_UNSPECIFIED;
	if (a[0] == 127)
		return PD_ADDR_LOOPBACK;
	if (a[0] == 10 || in4(a, 172, 16, 12) || in4(a, 192, 168, 16))
		return PD_ADDR_PRIVATE;
	if (in4(a, 100, 64, 10))
		return PD_ADDR_CGNAT;
	if (in4(a, 169, 254, 16))
		return PD_ADDR_LINK_LOCAL;
	if (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255)
		return PD_ADDR_MULTICAST; /* limited broadcast */
	if (a[0] >= 224 && a[0] <= 239)
		return PD_ADDR_MULTICAST;
	if (a[0] >= 240 || in4c(a, 192, 0, 0) || in4c(a, 192, 0, 2) || in4c(a, 198, 51, 100) ||
	    in4c(a, 203, 0, 113) || in4(a, 198, 18, 15) || in4c(a, 192, 88, 99))
		return PD_ADDR_RESERVED;
	return PD_ADDR_PUBLIC;
}

static bool zeros(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* An IPv4 address embedded in an IPv6 one is reached as itself: its class is the IPv4's. */
static enum pd_addr_class embedded(const unsigned char *v4)
{
	return pd_addr_class_v4(v4);
}

enum pd_addr_class pd_addr_class_v6(const unsigned char a[16])
{
	static const unsigned char nat64[12] = {0x00, 0x64, 0xff, 0x9b};
	if (zeros(a, 15) && a[15] == 0)
		return PD_ADDR_UNSPECIFIED;
	if (zeros(a, 15) && a[15] == 1)
		return PD_ADDR_LOOPBACK;
	if (zeros(a, 10) && a[10] == 0xff && a[11] == 0xff) /* mapped ::ffff:a.b.c.d */
		return embedded(a + 12);
	if (zeros(a, 12)) /* compatible ::a.b.c.d (deprecated) */
		return embedded(a + 12);
	if (!memcmp(a, nat64, 12)) /* 64:ff9b::/96 */
		return embedded(a + 12);
	if (a[0] == 0x20 && a[1] == 0x02) /* 6to4 2002:a.b.c.d::/48 */
		return embedded(a + 2);
	if ((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0))
		return PD_ADDR_PRIVATE; /* fc00::/7, fec0::/10 */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return PD_ADDR_LINK_LOCAL;
	if (a[0] == 0xff)
		return PD_ADDR_MULTICAST;
	if ((a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) || /* documentation */
	    (a[0] == 0x01 && zeros(a + 1, 7)) ||                           /* discard 100::/64 */
	    (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x00 && a[3] == 0x00) || /* Teredo 2001::/32 */
	    (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x00 && (a[3] & 0xf0) == 0x10) || /* ORCHID 2001:10::/28 */
	    (a[0] & 0xe0) != 0x20) /* outside 2000::/3, the global unicast space */
		return PD_ADDR_RESERVED;
	return PD_ADDR_PUBLIC;
}

enum pd_addr_class pd_addr_class_of(const struct sockaddr *sa)
{
	if (sa && sa->sa_family == AF_INET)
		return pd_addr_class_v4((const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr);
	if (sa && sa->sa_family == AF_INET6)
		return pd_addr_class_v6((const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return PD_ADDR_UNKNOWN;
}

const char *pd_addr_class_name(enum pd_addr_class c)
{
	static const char *const names[] = {"public", "loopback", "private", "shared (CGNAT)", "link-local",
					    "multicast", "unspecified", "reserved", "unknown"};
	return (unsigned)c < sizeof names / sizeof *names ? names[c] : "unknown";
}

/* The IPv4 address of sa (an IPv4 one, or an IPv4-mapped IPv6 one) into out: true if it has one. */
static bool as_v4(const struct sockaddr *sa, unsigned char out[4])
{
	if (sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return true;
	}
	const unsigned char *a = (const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (sa->sa_family == AF_INET6 && zeros(a, 10) && a[10] == 0xff && a[11] == 0xff) {
		memcpy(out, a + 12, 4);
		return true;
	}
	return false;
}

bool pd_addr_same_ip(const struct sockaddr *a, const struct sockaddr *b)
{
	unsigned char x[4], y[4];
	if (!a || !b)
		return false;
	bool ax = as_v4(a, x), by = as_v4(b, y);
	if (ax || by)
		return ax && by && !memcmp(x, y, 4);
	return a->sa_family == AF_INET6 && b->sa_family == AF_INET6 &&
	       !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, &((const struct sockaddr_in6 *)b)->sin6_addr, 16);
}

/* ---- the URL ---- */

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == '_';
}

/* The port's digits [p, end): 1-65535, or -1. */
static int port_of(const char *p, const char *end)
{
	long v = 0;
	if (p == end || end - p > 5)
		return -1;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v >= 1 && v <= 65535 ? (int)v : -1;
}

/* [h, end) an IPv6 address, as RFC 3986's IP-literal must be ([93.184.216.34] is none: libcurl
 * refuses it, so every delivery to it would fail). */
static bool ipv6_literal(const char *h, const char *end)
{
	char text[INET6_ADDRSTRLEN];
	unsigned char a[16];
	if ((size_t)(end - h) >= sizeof text)
		return false;
	memcpy(text, h, (size_t)(end - h));
	text[end - h] = 0;
	return inet_pton(AF_INET6, text, a) == 1;
}

/* host[:port] or [v6][:port] of the authority [a, end) into u. */
static enum pd_url_err authority(const char *a, const char *end, struct pd_url *u)
{
	const char *h = a, *he, *colon = NULL;
	if (*a == '[') {
		h = a + 1;
		if (!(he = memchr(h, ']', (size_t)(end - h))))
			return PD_URL_BAD_HOST;
		for (const char *p = h; p < he; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F') ||
			      *p == ':' || *p == '.'))
				return PD_URL_BAD_HOST;
		if ((he + 1 < end && he[1] != ':') || !ipv6_literal(h, he))
			return PD_URL_BAD_HOST;
		colon = he + 1 < end ? he + 1 : NULL;
	} else {
		he = memchr(a, ':', (size_t)(end - a));
		colon = he;
		if (!he)
			he = end;
		for (const char *p = h; p < he; p++)
			if (!host_char(*p))
				return PD_URL_BAD_HOST;
	}
	if (he == h || (size_t)(he - h) >= sizeof u->host)
		return PD_URL_BAD_HOST;
	for (size_t i = 0; i < (size_t)(he - h); i++)
		u->host[i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] + 32 : h[i]);
	u->host[he - h] = 0;
	u->port = u->https ? 443 : 80;
	if (colon && (u->port = port_of(colon + 1, end)) < 0)
		return PD_URL_BAD_PORT;
	return PD_URL_OK;
}

enum pd_url_err pd_webhook_url_parse(const char *url, bool allow_http, struct pd_url *u)
{
	size_t skip;
	if (strlen(url) > PD_WEBHOOK_URL_MAX)
		return PD_URL_TOO_LONG;
	if (!printable(url))
		return PD_URL_BAD_CHAR;
	*u = (struct pd_url){0};
	if (!strncasecmp(url, "https://", 8))
		u->https = true, skip = 8;
	else if (!strncasecmp(url, "http://", 7))
		skip = 7;
	else
		return strstr(url, "://") ? PD_URL_SCHEME : PD_URL_NOT_ABSOLUTE;
	if (!u->https && !allow_http)
		return PD_URL_HTTP;
	const char *a = url + skip, *end = a + strcspn(a, "/?#");
	if (memchr(a, '@', (size_t)(end - a)))
		return PD_URL_USERINFO;
	if (end == a)
		return PD_URL_NOT_ABSOLUTE;
	enum pd_url_err e = authority(a, end, u);
	return e == PD_URL_OK && strchr(end, '#') ? PD_URL_FRAGMENT : e;
}
