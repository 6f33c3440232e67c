/* ids.h - identifiers: UUIDs (tenant ids, user ids, request ids) and etags.  Generation
 * draws from libsodium's CSPRNG; parsing is pure. */
#ifndef PD_IDS_H
#define PD_IDS_H
#include <stdbool.h>

#define PD_UUID_LEN 36
#define PD_ETAG_LEN 22

/* Writes a new time-ordered (version 7, RFC 9562) UUID, lower case, NUL-terminated: out
 * needs 37 bytes.  48 bits of unix milliseconds, a 12-bit sequence and 62 random bits: still
 * a GUID as Partner Center's clients expect, but a new row's key lands at the right edge of
 * its B-tree instead of on a random page (issue 19); one thread's ids strictly increase. */
void pd_uuid_new(char out[PD_UUID_LEN + 1]);

/* True if s is a UUID (8-4-4-4-12 hex digits, any case); writes its lower-case form to
 * out (37 bytes) when out is not NULL. */
bool pd_uuid_parse(const char *s, char out[PD_UUID_LEN + 1]);

/* A new opaque etag (base64url of 128 random bits): out needs 23 bytes. */
void pd_etag_new(char out[PD_ETAG_LEN + 1]);

#endif
