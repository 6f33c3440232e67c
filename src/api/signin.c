/* signin.c - the password check of every sign-in (signin.h): the decoy Argon2id hash, made
 * once, and a check that always runs one Argon2id verification, so the time of a wrong
 * password tells neither whether the account exists nor whether it still holds a temporary
 * (generated) password. */
#include "signin.h"
#include <pthread.h>
#include "secret.h"

/* A valid Argon2id hash of a random password, of the same cost as every chosen one. */
static char decoy[PD_PWHASH_LEN];

static void make_decoy(void)
{
	char pw[PD_GENPW_CHARS + 1];
	pd_password_generate(pw);
	if (pd_password_hash(pw, decoy) != 0)
		decoy[0] = 0;
}

static const char *decoy_hash(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, make_decoy);
	return decoy;
}

bool pd_signin_check(const char *encoded, const char *password, const unsigned char *key)
{
	if (!encoded || !*encoded) {
		(void)pd_password_verify(decoy_hash(), password);
		return false;
	}
	bool ok = pd_password_check(encoded, password, key);
	if (pd_password_is_generated(encoded))
		(void)pd_password_verify(decoy_hash(), password);
	return ok;
}
