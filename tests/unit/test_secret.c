/* test_secret.c - unit tests of src/core/secret.c: Argon2id password hashes, generated
 * bearer tokens and passwords, keyed digests of generated secrets and their comparison. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "secret.h"

static void init(void)
{
	cr_assert_eq(pd_secret_init(), 0);
}

TestSuite(secret, .init = init);

static int cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* ---- passwords ---------------------------------------------------------------------- */

Test(secret, password_hash_and_verify)
{
	char h[PD_PWHASH_LEN];
	cr_assert_eq(pd_password_hash("correct horse battery staple", h), 0);
	cr_assert_eq(strncmp(h, "$argon2id$", 10), 0, "encoded hash: %s", h);
	cr_assert_lt(strlen(h), PD_PWHASH_LEN);
	cr_assert(pd_password_verify(h, "correct horse battery staple"));
	cr_assert_not(pd_password_verify(h, "correct horse battery stapl"));
	cr_assert_not(pd_password_verify(h, "Correct horse battery staple"));
	cr_assert_not(pd_password_verify(h, ""));
}

Test(secret, password_hash_parameters)
{
	char h[PD_PWHASH_LEN];
	cr_assert_eq(pd_password_hash("pw", h), 0);
	/* t=2, m=19 MiB = 19456 KiB, one lane */
	cr_assert_not_null(strstr(h, "$m=19456,t=2,p=1$"), "parameters in %s", h);
}

Test(secret, password_hash_is_salted)
{
	char a[PD_PWHASH_LEN], b[PD_PWHASH_LEN];
	cr_assert_eq(pd_password_hash("Passw0rd!", a), 0);
	cr_assert_eq(pd_password_hash("Passw0rd!", b), 0);
	cr_assert_str_neq(a, b, "the same password hashes differently each time");
	cr_assert(pd_password_verify(a, "Passw0rd!"));
	cr_assert(pd_password_verify(b, "Passw0rd!"));
}

Test(secret, password_unicode)
{
	char h[PD_PWHASH_LEN];
	cr_assert_eq(pd_password_hash("密码Passwört", h), 0);
	cr_assert(pd_password_verify(h, "密码Passwört"));
	cr_assert_not(pd_password_verify(h, "密码Passwort"));
}

Test(secret, password_verify_bad_input)
{
	cr_assert_not(pd_password_verify(NULL, "x"));
	cr_assert_not(pd_password_verify("$argon2id$v=19$m=19456,t=2,p=1$bm90IGEgaGFzaA", "x"));
	cr_assert_not(pd_password_verify("", "x"));
	char h[PD_PWHASH_LEN];
	cr_assert_eq(pd_password_hash("x", h), 0);
	cr_assert_not(pd_password_verify(h, NULL));
}

/* ---- generated secrets -------------------------------------------------------------- */

Test(secret, token_new_format_and_distinct)
{
	enum { N = 200 };
	static char t[N][PD_TOKEN_CHARS + 1];
	for (int i = 0; i < N; i++) {
		memset(t[i], '#', sizeof t[i]);
		pd_token_new(t[i]);
		cr_assert_eq(strlen(t[i]), 43, "length of %s", t[i]);
		for (int k = 0; k < PD_TOKEN_CHARS; k++) {
			unsigned char c = (unsigned char)t[i][k];
			cr_assert(isalnum(c) || c == '-' || c == '_', "base64url char in %s", t[i]);
		}
	}
	qsort(t, N, sizeof t[0], cmp);
	for (int i = 1; i < N; i++)
		cr_assert_str_neq(t[i - 1], t[i]);
}

Test(secret, password_generate_classes)
{
	enum { N = 200 };
	static char p[N][PD_GENPW_CHARS + 1];
	for (int i = 0; i < N; i++) {
		pd_password_generate(p[i]);
		cr_assert_eq(strlen(p[i]), 20, "length of %s", p[i]);
		bool up = false, lo = false, dig = false, sym = false;
		for (int k = 0; k < PD_GENPW_CHARS; k++) {
			unsigned char c = (unsigned char)p[i][k];
			up |= isupper(c) != 0;
			lo |= islower(c) != 0;
			dig |= isdigit(c) != 0;
			sym |= strchr("!#%+=?@", c) != NULL;
			cr_assert(isalnum(c) || strchr("!#%+=?@", c), "unexpected char %c in %s", c, p[i]);
		}
		cr_assert(up && lo && dig && sym, "missing a class in %s", p[i]);
	}
	qsort(p, N, sizeof p[0], cmp);
	for (int i = 1; i < N; i++)
		cr_assert_str_neq(p[i - 1], p[i]);
}

Test(secret, password_generate_avoids_ambiguous_characters)
{
	for (int i = 0; i < 200; i++) {
		char p[PD_GENPW_CHARS + 1];
		pd_password_generate(p);
		cr_assert_null(strpbrk(p, "Il01O"), "ambiguous character in %s", p);
	}
}

/* ---- digests ------------------------------------------------------------------------ */

Test(secret, digest_deterministic_and_keyed)
{
	unsigned char k1[PD_KEY_LEN], k2[PD_KEY_LEN];
	memset(k1, 0x11, sizeof k1);
	memset(k2, 0x11, sizeof k2);
	k2[31] = 0x12;
	unsigned char a[PD_DIGEST_LEN], b[PD_DIGEST_LEN], c[PD_DIGEST_LEN], d[PD_DIGEST_LEN];
	pd_secret_digest(k1, "token-abc", a);
	pd_secret_digest(k1, "token-abc", b);
	cr_assert_eq(memcmp(a, b, PD_DIGEST_LEN), 0, "deterministic for the same key");
	cr_assert(pd_digest_equal(a, b));
	pd_secret_digest(k2, "token-abc", c);
	cr_assert_neq(memcmp(a, c, PD_DIGEST_LEN), 0, "another key, another digest");
	cr_assert_not(pd_digest_equal(a, c));
	pd_secret_digest(k1, "token-abd", d);
	cr_assert_not(pd_digest_equal(a, d), "another secret, another digest");
	unsigned char zero[PD_DIGEST_LEN] = {0};
	cr_assert_not(pd_digest_equal(a, zero));
}

Test(secret, digest_known_answer)
{
	/* keyed BLAKE2b with a 32-byte digest, key 00 01 .. 1f (Python: hashlib.blake2b(msg,
	 * digest_size=32, key=bytes(range(32)))) */
	static const unsigned char abc[PD_DIGEST_LEN] = {
		0xd6, 0x3a, 0x32, 0xd3, 0xe4, 0x47, 0x38, 0xd7, 0x90, 0x7f, 0x96, 0x43, 0x16, 0xc2, 0x41, 0xad,
		0xab, 0xa0, 0xab, 0xfe, 0xab, 0xc3, 0x23, 0x49, 0x67, 0x75, 0x78, 0xa1, 0x5a, 0x20, 0x3f, 0x7f};
	static const unsigned char empty[PD_DIGEST_LEN] = {
		0x4e, 0x51, 0xe7, 0xa9, 0x13, 0xfc, 0x80, 0x13, 0x7d, 0xa5, 0x28, 0x80, 0xfe, 0xcc, 0xa1, 0x75,
		0xbf, 0x81, 0xe1, 0x17, 0xd5, 0xc6, 0x81, 0x26, 0xdc, 0x27, 0x74, 0x03, 0x35, 0x17, 0xea, 0x0d};
	unsigned char key[PD_KEY_LEN], out[PD_DIGEST_LEN];
	for (int i = 0; i < PD_KEY_LEN; i++)
		key[i] = (unsigned char)i;
	pd_secret_digest(key, "abc", out);
	cr_assert_eq(memcmp(out, abc, PD_DIGEST_LEN), 0, "keyed BLAKE2b-256 of \"abc\"");
	pd_secret_digest(key, "", out);
	cr_assert_eq(memcmp(out, empty, PD_DIGEST_LEN), 0, "keyed BLAKE2b-256 of \"\"");
}

Test(secret, digest_equal_each_byte)
{
	unsigned char a[PD_DIGEST_LEN], b[PD_DIGEST_LEN];
	for (int i = 0; i < PD_DIGEST_LEN; i++)
		a[i] = (unsigned char)(i * 7 + 3);
	memcpy(b, a, sizeof a);
	cr_assert(pd_digest_equal(a, b));
	for (int i = 0; i < PD_DIGEST_LEN; i++) {
		b[i] ^= 1;
		cr_assert_not(pd_digest_equal(a, b), "difference in byte %d missed", i);
		b[i] ^= 1;
	}
}
