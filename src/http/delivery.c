/* delivery.c - webhook delivery and where it may connect (see delivery.h). */
#include "delivery.h"
#include <arpa/inet.h>
#include <event2/util.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include "netaddr.h"

/* ---- where a webhook may connect ---- */

static struct sockaddr_storage own;  /* --listen's address; set once at start */
static bool own_set, own_any;        /* own_any: 0.0.0.0 or ::, every interface's */

void pd_webhook_own_address(const char *listen)
{
	int len = sizeof own;
	own_set = listen && evutil_parse_sockaddr_port(listen, (struct sockaddr *)&own, &len) == 0;
	own_any = own_set && pd_addr_class_of((struct sockaddr *)&own) == PD_ADDR_UNSPECIFIED;
}

/* An address of one of this host's interfaces? */
static bool interface_address(const struct sockaddr *sa)
{
	struct ifaddrs *list, *i;
	bool found = false;
	if (getifaddrs(&list) != 0)
		return true; /* unknown: fail closed */
	for (i = list; i && !found; i = i->ifa_next)
		found = i->ifa_addr && pd_addr_same_ip(i->ifa_addr, sa);
	freeifaddrs(list);
	return found;
}

bool pd_webhook_addr_ok(const struct sockaddr *sa, bool allow_private)
{
	if (allow_private)
		return sa && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6);
	if (pd_addr_class_of(sa) != PD_ADDR_PUBLIC)
		return false;
	if (own_set && pd_addr_same_ip(sa, (const struct sockaddr *)&own))
		return false;
	return !(own_any && interface_address(sa));
}

static void addr_text(const struct sockaddr *sa, char *buf, size_t cap)
{
	const void *a = sa->sa_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
						  : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
	if (!inet_ntop(sa->sa_family, a, buf, (socklen_t)cap))
		snprintf(buf, cap, "?");
}

enum pd_host_check pd_webhook_check_host(const char *host, int port, bool allow_private, char *what, size_t cap)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL, *i;
	char service[16], ip[INET6_ADDRSTRLEN];
	snprintf(service, sizeof service, "%d", port);
	snprintf(what, cap, "%s", host);
	if (getaddrinfo(host, service, &hints, &res) != 0 || !res)
		return PD_HOST_UNRESOLVED;
	enum pd_host_check verdict = PD_HOST_OK;
	for (i = res; i && verdict == PD_HOST_OK; i = i->ai_next) {
		if (pd_webhook_addr_ok(i->ai_addr, allow_private))
			continue;
		addr_text(i->ai_addr, ip, sizeof ip);
		snprintf(what, cap, "%s (%s)", host, ip);
		verdict = PD_HOST_REFUSED;
	}
	freeaddrinfo(res);
	return verdict;
}
