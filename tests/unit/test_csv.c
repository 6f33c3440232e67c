/* test_csv.c - unit tests of src/cli/csv.c's formula rule (OWASP's CSV injection rule): what
 * the writer writes for cells a spreadsheet would run as formulas, and that the reader gives
 * back every written value unchanged. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "csv.h"

/* One record of one field, as the writer writes it (malloc'd, without the "\n"). */
static char *written(const char *value, bool verbatim)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert(f);
	if (verbatim)
		cli_csv_write_verbatim(f, &value, 1);
	else
		cli_csv_write(f, &value, 1);
	fclose(f);
	cr_assert(len > 0 && buf[len - 1] == '\n');
	buf[len - 1] = 0;
	return buf;
}

/* Writes the values as one record and reads it back: each field must equal its value. */
static void round_trip(const char *const *values, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cli_csv_write(f, values, n);
	fclose(f);
	FILE *in = fmemopen(buf, len, "r");
	struct cli_csv *r = cli_csv_new(in);
	char **fields;
	size_t nf;
	cr_assert_eq(cli_csv_read(r, &fields, &nf), 1, "record: %s", buf);
	cr_assert_eq(nf, n);
	for (size_t i = 0; i < n; i++)
		cr_assert_str_eq(fields[i], values[i], "written as %s", buf);
	cr_assert_eq(cli_csv_read(r, &fields, &nf), 0);
	cli_csv_free(r);
	fclose(in);
	free(buf);
}

static void expect(const char *value, const char *out)
{
	char *w = written(value, false);
	cr_expect_str_eq(w, out, "value [%s]", value);
	free(w);
}

Test(csv, formula_cells_get_a_quote_and_are_quoted)
{
	expect("=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\"");
	expect("=1+2", "\"'=1+2\"");
	expect("+86 10 1234 5678", "\"'+86 10 1234 5678\"");
	expect("-2", "\"'-2\"");
	expect("@SUM(A1)", "\"'@SUM(A1)\"");
	expect("\tx", "\"'\tx\"");
	expect("\r=1", "\"'\r=1\"");
	expect("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
	/* a value that already looks neutralised gets one more quote, so it reads back as it was */
	expect("'=1", "\"''=1\"");
}

Test(csv, other_cells_are_unchanged)
{
	expect("Contoso", "Contoso");
	expect("a=b", "a=b");
	expect("'s-Hertogenbosch", "'s-Hertogenbosch");
	expect("'", "'");
	expect("", "");
	expect("a,b", "\"a,b\"");
	expect(" =1", "\" =1\"");
}

Test(csv, verbatim_writer_has_no_formula_rule)
{
	char *w = written("=Kx7+abc", true);
	cr_assert_str_eq(w, "=Kx7+abc");
	free(w);
}

Test(csv, formula_like)
{
	cr_assert(cli_csv_formula_like("=x"));
	cr_assert(cli_csv_formula_like("''@x"));
	cr_assert(!cli_csv_formula_like("'x"));
	cr_assert(!cli_csv_formula_like("'''"));
	cr_assert(!cli_csv_formula_like(""));
	cr_assert(!cli_csv_formula_like("x=1"));
}

Test(csv, every_value_reads_back_as_written)
{
	const char *values[] = {"=cmd|' /C calc'!A0", "=1+2", "'=1", "''+x", "'", "''", "'s-Hertogenbosch",
				"-", "@", "\t", "\r\n=1", "plain", "康托索=1", "", "' =1", "\"=1\""};
	round_trip(values, sizeof values / sizeof values[0]);
}

Test(csv, reader_takes_the_quote_off_unquoted_cells_too)
{
	static char text[] = "'=1,''-2,'x,'\n";
	FILE *in = fmemopen(text, strlen(text), "r");
	struct cli_csv *r = cli_csv_new(in);
	char **f;
	size_t n;
	cr_assert_eq(cli_csv_read(r, &f, &n), 1);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(f[0], "=1");
	cr_assert_str_eq(f[1], "'-2");
	cr_assert_str_eq(f[2], "'x");
	cr_assert_str_eq(f[3], "'");
	cli_csv_free(r);
	fclose(in);
}
