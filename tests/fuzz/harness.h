/* harness.h - what the libFuzzer targets share: a request sent through the real route table
 * and a route's real phases (prepare, then write inside a rolled-back transaction, then
 * finish) against an in-memory SQLite store seeded with one partner, a customer with a
 * subscription, a customer user, a partner user and an app.  harness.c stands in for the
 * server's half of request.h (headers, query, form, replies); everything it calls into is
 * production code. */
#ifndef FUZZ_HARNESS_H
#define FUZZ_HARNESS_H
#include <stddef.h>
#include <stdint.h>

/* Ids of the seeded rows, for building paths. */
struct fz_world {
	const char *partner, *user, *customer, *etag, *sub, *sub_etag, *cuser, *app, *invite;
};
const struct fz_world *fz_world(void);

/* Ends the header list of fz_request (a typed null pointer, as variadic calls need). */
#define FZ_END ((const char *)NULL)

/* One request: method (PD_GET, ...), target ("/v1/customers?size=5"), body (may be binary),
 * and up to six extra headers as "Name", "value" pairs ending with FZ_END.  The caller is the
 * seeded partner's global admin unless an Authorization or Cookie header is given (then it
 * is authenticated like the server does). */
void fz_request(int method, const char *target, const uint8_t *body, size_t n, ...);

/* data as a NUL-terminated string (malloc'd; the caller frees). */
char *fz_cstr(const uint8_t *data, size_t n);

#endif
