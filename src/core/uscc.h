/* uscc.h - the Unified Social Credit Code (统一社会信用代码) of GB 32100-2015: 18 characters
 * of 0-9 A-H J-N P Q R T U W X Y; character 1 the registration authority, 2 the entity
 * category (per authority), 3-8 the registering office's administrative division (GB/T 2260),
 * 9-17 the entity's identifier, 18 the mod-31 check character.  Pure: no I/O, no globals. */
#ifndef PD_USCC_H
#define PD_USCC_H
#include <stdbool.h>
#include <stddef.h>
#include "arena.h"
#include "err.h"

#define PD_USCC_LEN 18

/* Which part of a code is wrong, in the order they are checked. */
enum pd_uscc_err {
	PD_USCC_OK = 0,
	PD_USCC_LENGTH,    /* not 18 characters */
	PD_USCC_CHAR,      /* a character outside the alphabet (or a letter in 3-8); pos says where */
	PD_USCC_AUTHORITY, /* character 1 is no registration authority code */
	PD_USCC_CATEGORY,  /* character 2 is no category of that authority */
	PD_USCC_DIVISION,  /* characters 3-4 name no province (nor 10, the national level) */
	PD_USCC_CHECK,     /* character 18 does not match the other 17 */
};

struct pd_uscc_result {
	enum pd_uscc_err err;
	int pos;            /* PD_USCC_CHAR: 1-based position of the first bad character */
	size_t len;         /* PD_USCC_LENGTH: characters (bytes of ASCII, else code points) */
	char canon[PD_USCC_LEN + 1]; /* PD_USCC_OK: the code upper-cased */
};

/* Checks s (surrounding white space is the caller's to trim; lower-case letters are read as
 * upper case).  Fills *res and returns res->err. */
enum pd_uscc_err pd_uscc_check(const char *s, struct pd_uscc_result *res);

/* The check character the first 17 characters of s call for, or 0 if one of them is
 * outside the alphabet. */
char pd_uscc_check_char(const char *s17);

/* The two-digit GB/T 2260 province code of a valid code ("11" for Beijing) into out[3];
 * false for a code registered at the national level (division 10xxxx). */
bool pd_uscc_province(const char *canon, char out[3]);

/* Checks s as pd_uscc_check does; on failure adds one 400 error (code 3000) naming `field`
 * and the wrong part (PD_MSG_USCC_*) and returns NULL; else the canonical code in the arena. */
const char *pd_uscc_verr(const char *s, const char *field, struct pd_verrs *errs,
			 struct pd_arena *ar);

#endif
