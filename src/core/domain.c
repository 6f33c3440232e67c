/* domain.c - default-domain rules and normalisation. */
#include "domain.h"
#include <ctype.h>
#include <string.h>
#include <strings.h>

bool pd_domain_prefix_ok(const char *prefix, size_t n)
{
	if (n < 1 || n > PD_DOMAIN_PREFIX_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)prefix[i]) || (unsigned char)prefix[i] > 127)
			return false;
	return true;
}

static void lower_copy(char *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[n] = 0;
}

bool pd_domain_normalize(const char *domain, const char *suffix, char *out, size_t cap)
{
	size_t n = strlen(domain), sn = strlen(suffix);
	const char *dot = strchr(domain, '.');
	size_t plen = dot ? (size_t)(dot - domain) : n;
	if (!pd_domain_prefix_ok(domain, plen))
		return false;
	if (dot && (n - plen - 1 != sn || strncasecmp(dot + 1, suffix, sn) != 0))
		return false;
	if (plen + 1 + sn + 1 > cap)
		return false;
	lower_copy(out, domain, plen);
	out[plen] = '.';
	lower_copy(out + plen + 1, suffix, sn);
	return true;
}

bool pd_domain_syntax_ok(const char *s)
{
	size_t n = strlen(s), label = 0;
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.' || c == 0) {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if (isalnum(c) || (c == '-' && label > 0)) {
			label++;
		} else {
			return false;
		}
	}
	return true;
}
