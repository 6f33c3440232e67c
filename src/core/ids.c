/* ids.c - UUID v4 generation and parsing, etags. */
#include "ids.h"
#include <ctype.h>
#include <sodium.h>
#include <string.h>

static const char hex[] = "0123456789abcdef";

void pd_uuid_new(char out[PD_UUID_LEN + 1])
{
	unsigned char b[16];
	randombytes_buf(b, sizeof b);
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
	randombytes_buf(b, sizeof b);
	sodium_bin2base64(out, PD_ETAG_LEN + 1, b, sizeof b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
