/* secret.c - password hashing, generated secrets and their digests (see secret.h). */
#include "secret.h"
#include <ctype.h>
#include <sodium.h>
#include <string.h>

#define PW_OPSLIMIT 2
#define PW_MEMLIMIT (19u << 20)

int pd_secret_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int pd_password_hash(const char *password, char out[PD_PWHASH_LEN])
{
	_Static_assert(PD_PWHASH_LEN >= crypto_pwhash_STRBYTES, "hash buffer too small");
	return crypto_pwhash_str_alg(out, password, strlen(password), PW_OPSLIMIT, PW_MEMLIMIT,
				     crypto_pwhash_ALG_ARGON2ID13);
}

bool pd_password_verify(const char *encoded, const char *password)
{
	return encoded && password &&
	       crypto_pwhash_str_verify(encoded, password, strlen(password)) == 0;
}

void pd_token_new(char out[PD_TOKEN_CHARS + 1])
{
	unsigned char b[32];
	randombytes_buf(b, sizeof b);
	sodium_bin2base64(out, PD_TOKEN_CHARS + 1, b, sizeof b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(b, sizeof b);
}

void pd_password_generate(char out[PD_GENPW_CHARS + 1])
{
	static const char *classes[] = {"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz",
					"23456789", "!#%+=?@"};
	static const char all[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
	for (int i = 0; i < PD_GENPW_CHARS; i++)
		out[i] = all[randombytes_uniform(sizeof all - 1)];
	/* one of each class at distinct random positions keeps every password acceptable */
	int pos[4] = {-1, -1, -1, -1};
	for (int c = 0; c < 4; c++) {
		int p;
		do
			p = (int)randombytes_uniform(PD_GENPW_CHARS);
		while (p == pos[0] || p == pos[1] || p == pos[2]);
		pos[c] = p;
		out[p] = classes[c][randombytes_uniform((uint32_t)strlen(classes[c]))];
	}
	out[PD_GENPW_CHARS] = 0;
}

void pd_secret_digest(const unsigned char key[PD_KEY_LEN], const char *secret,
		      unsigned char out[PD_DIGEST_LEN])
{
	crypto_generichash(out, PD_DIGEST_LEN, (const unsigned char *)secret, strlen(secret), key,
			   PD_KEY_LEN);
}

bool pd_digest_equal(const unsigned char a[PD_DIGEST_LEN], const unsigned char b[PD_DIGEST_LEN])
{
	return sodium_memcmp(a, b, PD_DIGEST_LEN) == 0;
}

#define GEN_PREFIX "$pd-b2$"

void pd_generated_password_encode(const unsigned char key[PD_KEY_LEN], const char *password,
				  char out[PD_PWHASH_LEN])
{
	unsigned char d[PD_DIGEST_LEN];
	pd_secret_digest(key, password, d);
	memcpy(out, GEN_PREFIX, sizeof GEN_PREFIX - 1);
	sodium_bin2hex(out + sizeof GEN_PREFIX - 1, PD_PWHASH_LEN - sizeof GEN_PREFIX + 1, d, sizeof d);
}

bool pd_password_is_generated(const char *encoded)
{
	return encoded && !strncmp(encoded, GEN_PREFIX, sizeof GEN_PREFIX - 1);
}

bool pd_password_check(const char *encoded, const char *password,
		       const unsigned char key[PD_KEY_LEN])
{
	if (!pd_password_is_generated(encoded))
		return pd_password_verify(encoded, password);
	char mine[PD_PWHASH_LEN];
	pd_generated_password_encode(key, password, mine);
	size_t n = strlen(mine);
	return strlen(encoded) == n && sodium_memcmp(mine, encoded, n) == 0;
}

bool pd_password_strong(const char *pw)
{
	int upper = 0, lower = 0, digit = 0, other = 0;
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)pw; *p; p++) {
		if ((*p & 0xc0) != 0x80)
			chars++;
		upper |= *p >= 'A' && *p <= 'Z';
		lower |= *p >= 'a' && *p <= 'z';
		digit |= *p >= '0' && *p <= '9';
		other |= !(isalnum(*p));
	}
	return chars >= 12 && chars <= 256 && upper + lower + digit + other >= 3;
}
