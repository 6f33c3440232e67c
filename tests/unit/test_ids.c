/* test_ids.c - unit tests of src/core/ids.c: time-ordered version-7 UUIDs (format, version and
 * variant, lower case, uniqueness, order, the time they carry), UUID parsing and normalisation, and etags. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ids.h"
#include "secret.h"

static void init(void)
{
	cr_assert_eq(pd_secret_init(), 0);
}

TestSuite(ids, .init = init);

static bool is_dash_pos(int i)
{
	return i == 8 || i == 13 || i == 18 || i == 23;
}

static int cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* ---- pd_uuid_new -------------------------------------------------------------------- */

Test(ids, uuid_new_format)
{
	for (int n = 0; n < 200; n++) {
		char u[PD_UUID_LEN + 1];
		memset(u, 'X', sizeof u);
		pd_uuid_new(u);
		cr_assert_eq(strlen(u), 36, "length of %s", u);
		for (int i = 0; i < PD_UUID_LEN; i++) {
			if (is_dash_pos(i))
				cr_assert_eq(u[i], '-', "dash at %d in %s", i, u);
			else
				cr_assert(strchr("0123456789abcdef", u[i]) && u[i],
					  "lower-case hex at %d in %s", i, u);
		}
		cr_assert_eq(u[14], '7', "version nibble of %s", u);
		cr_assert(strchr("89ab", u[19]) != NULL, "variant nibble of %s", u);
		cr_assert(pd_uuid_parse(u, NULL), "own output parses: %s", u);
	}
}

Test(ids, uuid_new_unique)
{
	enum { N = 1000 };
	char(*u)[PD_UUID_LEN + 1] = malloc(N * sizeof *u);
	cr_assert_not_null(u);
	for (int i = 0; i < N; i++)
		pd_uuid_new(u[i]);
	qsort(u, N, sizeof *u, cmp);
	for (int i = 1; i < N; i++)
		cr_assert_str_neq(u[i - 1], u[i], "duplicate %s", u[i]);
	free(u);
}

/* Ids made one after another sort one after another (a new row's key goes to the right edge
 * of its index), also thousands within one millisecond, and carry the time they were made. */
Test(ids, uuid_new_ordered_and_timed)
{
	enum { N = 5000 };
	char(*u)[PD_UUID_LEN + 1] = malloc(N * sizeof *u);
	cr_assert_not_null(u);
	long long before = (long long)time(NULL) * 1000;
	for (int i = 0; i < N; i++)
		pd_uuid_new(u[i]);
	long long after = ((long long)time(NULL) + 1) * 1000;
	for (int i = 1; i < N; i++)
		cr_assert_lt(strcmp(u[i - 1], u[i]), 0, "%s then %s", u[i - 1], u[i]);
	char ms[13];
	memcpy(ms, u[0], 8);
	memcpy(ms + 8, u[0] + 9, 4);
	ms[12] = 0;
	long long t = strtoll(ms, NULL, 16);
	cr_assert(t >= before && t <= after, "%s carries %lld, made in [%lld, %lld]", u[0], t, before, after);
	free(u);
}

/* ---- pd_uuid_parse ------------------------------------------------------------------ */

Test(ids, uuid_parse_normalises_case)
{
	char out[PD_UUID_LEN + 1];
	cr_assert(pd_uuid_parse("6F3C2A1E-8A4B-4C1D-9E2F-0123456789AB", out));
	cr_assert_str_eq(out, "6f3c2a1e-8a4b-4c1d-9e2f-0123456789ab");
	cr_assert(pd_uuid_parse("6f3c2a1e-8A4b-4c1D-9e2f-0123456789aB", out));
	cr_assert_str_eq(out, "6f3c2a1e-8a4b-4c1d-9e2f-0123456789ab");
}

Test(ids, uuid_parse_null_out)
{
	cr_assert(pd_uuid_parse("00000000-0000-0000-0000-000000000000", NULL));
	cr_assert_not(pd_uuid_parse("not-a-uuid", NULL));
	cr_assert_not(pd_uuid_parse(NULL, NULL));
}

Test(ids, uuid_parse_refuses_wrong_length)
{
	cr_assert_not(pd_uuid_parse("", NULL));
	cr_assert_not(pd_uuid_parse("6f3c2a1e-8a4b-4c1d-9e2f-0123456789a", NULL), "35 chars");
	cr_assert_not(pd_uuid_parse("6f3c2a1e-8a4b-4c1d-9e2f-0123456789abc", NULL), "37 chars");
	cr_assert_not(pd_uuid_parse("{6f3c2a1e-8a4b-4c1d-9e2f-0123456789ab}", NULL), "braces");
	cr_assert_not(pd_uuid_parse("6f3c2a1e8a4b4c1d9e2f0123456789ab", NULL), "no dashes");
	cr_assert_not(pd_uuid_parse(" 6f3c2a1e-8a4b-4c1d-9e2f-0123456789ab", NULL), "leading space");
}

Test(ids, uuid_parse_refuses_misplaced_dashes)
{
	cr_assert_not(pd_uuid_parse("6f3c2a1e8-a4b-4c1d-9e2f-0123456789ab", NULL));
	cr_assert_not(pd_uuid_parse("6f3c2a1e-8a4b4-c1d-9e2f-0123456789ab", NULL));
	cr_assert_not(pd_uuid_parse("6f3c2a1e-8a4b-4c1d9-e2f-0123456789ab", NULL));
	cr_assert_not(pd_uuid_parse("6f3c2a1e-8a4b-4c1d-9e2f0-123456789ab", NULL));
	cr_assert_not(pd_uuid_parse("------------------------------------", NULL));
}

Test(ids, uuid_parse_refuses_non_hex)
{
	cr_assert_not(pd_uuid_parse("6f3c2a1g-8a4b-4c1d-9e2f-0123456789ab", NULL), "g");
	cr_assert_not(pd_uuid_parse("6f3c2a1e-8a4b-4c1d-9e2f-0123456789aZ", NULL), "Z");
	cr_assert_not(pd_uuid_parse("6f3c2a1e-8a4b-4c1d-9e2f-012345678 ab", NULL), "space");
	cr_assert_not(pd_uuid_parse("6f3c2a1e-8a4b-4c1d-9e2f-01234567-9ab", NULL), "extra dash");
	cr_assert_not(pd_uuid_parse("6f3c2a1e-8a4b-4c1d-9e2f-0123456789\xc3\xbc", NULL), "non-ASCII");
}

Test(ids, uuid_parse_refused_leaves_out_alone)
{
	char out[PD_UUID_LEN + 1] = "unchanged";
	cr_assert_not(pd_uuid_parse("6f3c2a1g-8a4b-4c1d-9e2f-0123456789ab", out));
	cr_assert_str_eq(out, "unchanged");
}

/* ---- pd_etag_new -------------------------------------------------------------------- */

Test(ids, etag_format_and_distinct)
{
	enum { N = 300 };
	static char e[N][PD_ETAG_LEN + 1];
	for (int n = 0; n < N; n++) {
		memset(e[n], '#', sizeof e[n]);
		pd_etag_new(e[n]);
		cr_assert_eq(strlen(e[n]), 22, "length of %s", e[n]);
		for (int i = 0; i < PD_ETAG_LEN; i++) {
			unsigned char c = (unsigned char)e[n][i];
			cr_assert(isalnum(c) || c == '-' || c == '_', "base64url char %c in %s", c, e[n]);
		}
	}
	qsort(e, N, sizeof e[0], cmp);
	for (int n = 1; n < N; n++)
		cr_assert_str_neq(e[n - 1], e[n]);
}
