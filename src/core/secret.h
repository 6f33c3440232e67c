/* secret.h - how partnerd keeps secrets.  Human-chosen passwords: Argon2id (libsodium,
 * t=2, m=19 MiB) - slow on purpose, run off the event loops.  Generated secrets (bearer
 * tokens, app secrets, generated passwords of >= 96 random bits): a keyed BLAKE2b-256 with the
 * deployment's key - fast, and for secrets that random as safe.  Comparisons are constant time.
 * Call pd_secret_init() (sodium_init) once before any of these. */
#ifndef PD_SECRET_H
#define PD_SECRET_H
#include <stdbool.h>
#include <stddef.h>

#define PD_PWHASH_LEN 128   /* >= crypto_pwhash_STRBYTES */
#define PD_KEY_LEN 32
#define PD_DIGEST_LEN 32
#define PD_TOKEN_CHARS 43   /* base64url of 256 bits */
#define PD_GENPW_CHARS 20   /* generated passwords: 20 chars, ~116 bits */

int pd_secret_init(void);

/* Argon2id; out gets a NUL-terminated encoded hash.  -1 when out of memory. */
int pd_password_hash(const char *password, char out[PD_PWHASH_LEN]);
bool pd_password_verify(const char *encoded, const char *password);

/* A random bearer token or app secret: base64url, NUL-terminated (44 bytes). */
void pd_token_new(char out[PD_TOKEN_CHARS + 1]);

/* A random password with upper and lower case letters, digits and a symbol (21 bytes). */
void pd_password_generate(char out[PD_GENPW_CHARS + 1]);

/* Keyed BLAKE2b-256 of a generated secret. */
void pd_secret_digest(const unsigned char key[PD_KEY_LEN], const char *secret,
		      unsigned char out[PD_DIGEST_LEN]);

/* A generated password (>= 96 random bits, e.g. a temporary one) kept as "$pd-b2$" + hex
 * of its keyed digest: fast to make, as safe as Argon2id for a secret that random. */
void pd_generated_password_encode(const unsigned char key[PD_KEY_LEN], const char *password,
				  char out[PD_PWHASH_LEN]);

/* Checks a password against either encoding (Argon2id or "$pd-b2$"). */
bool pd_password_check(const char *encoded, const char *password,
		       const unsigned char key[PD_KEY_LEN]);

/* True if the encoding is the fast one (no Argon2id work to check it). */
bool pd_password_is_generated(const char *encoded);

/* A human-chosen password is acceptable: 12-256 characters with at least three of upper
 * case, lower case, digits and other characters. */
bool pd_password_strong(const char *password);

/* Constant-time equality of two digests. */
bool pd_digest_equal(const unsigned char a[PD_DIGEST_LEN], const unsigned char b[PD_DIGEST_LEN]);

#endif
