/* ids.c - UUID generation (version 7: time-ordered) and parsing, etags. */
#include "ids.h"
#include <ctype.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

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

/* The 60 bits before the random ones: unix milliseconds (48) and a 12-bit sequence that
 * starts at a random value below 2048 each millisecond and counts up within it, so this
 * thread's ids are strictly increasing (RFC 9562 6.2, method 1); a millisecond that runs out
 * of sequence borrows the next one. */
static unsigned long long ordered_prefix(void)
{
	static _Thread_local unsigned long long last;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	unsigned long long now = ((unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000) << 12;
	if (now > last) {
		unsigned char r[2];
		id_bytes(r, sizeof r);
		last = now | (((unsigned long long)r[0] << 8 | r[1]) & 0x7ff);
	} else {
		last++;
	}
	return last;
}

void pd_uuid_new(char out[PD_UUID_LEN + 1])
{
	unsigned char b[16];
	id_bytes(b + 8, 8);
	unsigned long long t = ordered_prefix(); /* 48 bits of time, 12 of sequence */
	for (int i = 0; i < 6; i++)
		b[i] = (unsigned char)(t >> (52 - 8 * i));
	b[6] = (unsigned char)(0x70 | ((t >> 8) & 0x0f));
	b[7] = (unsigned char)t;
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
