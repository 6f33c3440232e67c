/* domain.h - a customer's default domain: <prefix>.<suffix>, the prefix 1-27 ASCII letters or
 * digits, the suffix the deployment's (default partner.onmschina.cn).  Domains compare
 * case-insensitively; the stored form is lower case. */
#ifndef PD_DOMAIN_H
#define PD_DOMAIN_H
#include <stdbool.h>
#include <stddef.h>

#define PD_DOMAIN_PREFIX_MAX 27
#define PD_DEFAULT_DOMAIN_SUFFIX "partner.onmschina.cn"

/* True if `prefix` is 1-27 ASCII letters or digits. */
bool pd_domain_prefix_ok(const char *prefix, size_t n);

/* Checks `domain` against `suffix` and writes its lower-case form to out (cap bytes).
 * A bare prefix ("contoso") is completed with the suffix.  False when invalid. */
bool pd_domain_normalize(const char *domain, const char *suffix, char *out, size_t cap);

/* True if `s` is a syntactically valid DNS name (labels of 1-63 letters, digits, hyphens;
 * at most 253 bytes), for lookups of domains of any suffix. */
bool pd_domain_syntax_ok(const char *s);

#endif
