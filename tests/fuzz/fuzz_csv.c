/* fuzz_csv.c - `partnerctl customers import` input: the CSV reader (cli/csv.c), the header
 * mapped to columns and each row checked and turned into a create body as import.c does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arena.h"
#include "columns.h"
#include "csv.h"
#include "harness.h"

#define MAX_COLS 64

static void check_row(const int *colmap, size_t ncols, char **f, size_t n)
{
	const char *row[CLI_NCOLUMNS] = {0};
	struct cli_row_err errs[CLI_ROW_ERR_MAX];
	char key[CLI_DOMAIN_MAX];
	if (n != ncols)
		return;
	for (size_t i = 0; i < n; i++)
		if (colmap[i] >= 0)
			row[colmap[i]] = f[i];
	struct pd_arena *ar = pd_arena_new();
	if (cli_row_check(row, PD_LOCALE_EN, errs, ar) == 0)
		json_decref(cli_row_to_body(row));
	if (row[CLI_COL_DOMAIN])
		cli_domain_key(row[CLI_COL_DOMAIN], "partner.onmschina.cn", key);
	pd_arena_free(ar);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	FILE *f = fmemopen((void *)data, n, "r");
	if (!f)
		return 0;
	struct cli_csv *r = cli_csv_new(f);
	char **fields;
	size_t nf, ncols = 0;
	int colmap[MAX_COLS], rc;
	while ((rc = cli_csv_read(r, &fields, &nf)) != 0) {
		cli_csv_record(r);
		if (rc < 0) {
			cli_csv_error(r);
		} else if (!ncols && nf <= MAX_COLS) {
			for (size_t i = 0; i < nf; i++)
				colmap[i] = cli_column_find(fields[i]);
			ncols = nf;
		} else if (ncols) {
			check_row(colmap, ncols, fields, nf);
		}
	}
	cli_csv_free(r);
	fclose(f);
	return 0;
}
