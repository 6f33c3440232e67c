/* hangdns.c - a test-only LD_PRELOAD shim: getaddrinfo of a name ending in ".hang.test" never
 * answers (as a resolver that reads the query and never replies); every other name goes to
 * libc's.  Built by tests/api/test_webhooks_hostile.py into its temporary directory; never
 * linked into partnerd. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <string.h>
#include <unistd.h>

typedef int (*gai_fn)(const char *, const char *, const struct addrinfo *, struct addrinfo **);

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res)
{
	static const char tail[] = ".hang.test";
	size_t n = node ? strlen(node) : 0, t = sizeof tail - 1;
	if (n >= t && !strcmp(node + n - t, tail))
		for (;;)
			sleep(60);
	gai_fn real = (gai_fn)dlsym(RTLD_NEXT, "getaddrinfo");
	return real(node, service, hints, res);
}
