/* signin.h - checking a password at sign-in in the same time for every account: one Argon2id
 * verification whether the account has a chosen password (Argon2id), a generated one (a fast
 * keyed digest, so a decoy Argon2id is run beside it) or does not exist (the decoy only). */
#ifndef PD_SIGNIN_H
#define PD_SIGNIN_H
#include <stdbool.h>

/* true if `password` matches `encoded` (either encoding; NULL for an unknown account: false).
 * For the worker pool: it costs one Argon2id verification whatever the account. */
bool pd_signin_check(const char *encoded, const char *password, const unsigned char *key);

#endif
