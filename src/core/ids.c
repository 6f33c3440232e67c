/* ids.c - UUID v4 generation and parsing, etags. */
#include "ids.h"
#include <ctype.h>
#include <sodium.h>
#include <string.h>

static const char hex[] = "0123456789abcdef";

/* n (<= 64) random bytes for an id, from a per-thread pool of 4 KiB refilled from the
 * kernel's generator: one getrandom() per ~250 ids instead of one each (every request gets a
 * request and a correlation id; perf: 2 of its ~15 system calls).  Bytes are wiped from the
 * pool as they are handed out.  partnerd does not fork, so no two processes share a pool. */
static void id_bytes(unsigned char *out, size_t n)
{
	static _Thread_local unsigned char pool[4096];
	static _Thread_local size_t left;
	if (left < n) {
		randombytes_buf(pool, sizeof pool);
		left = sizeof pool;
	}
	unsigned char *from = pool + sizeof pool - left;
	memcpy(out, from, n);
	sodium_memzero(from, n);
	left -= n;
}

void pd_uuid_new(char out[PD_UUID_LEN + 1])
{
	unsigned char b[16];
	id_bytes(b, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	char *p = out;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[b[i] >> 4];
		*p++ = hex[b[i] & 15];
	}
	*p = 0;
}

bool pd_uuid_parse(const char *s, char out[PD_UUID_LEN + 1])
{
	if (!s || strlen(s) != PD_UUID_LEN)
		return false;
	for (int i = 0; i < PD_UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	if (out) {
		for (int i = 0; i <= PD_UUID_LEN; i++)
			out[i] = (char)tolower((unsigned char)s[i]);
	}
	return true;
}

void pd_etag_new(char out[PD_ETAG_LEN + 1])
{
	unsigned char b[16];
	id_bytes(b, sizeof b);
	sodium_bin2base64(out, PD_ETAG_LEN + 1, b, sizeof b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
