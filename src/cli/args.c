/* args.c - the argv parser of args.h.  Options are looked up in the command's table and, for
 * commands that take customer fields, in the column table (flags are the kebab-case column
 * names: --company-name, --postal-code).  Values are pointers into argv. */
#include "args.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "help.h"

static int opt_index(const struct cli_cmd *cmd, const char *name, size_t n)
{
	for (int i = 0; cmd->opts && cmd->opts[i].name; i++)
		if (strlen(cmd->opts[i].name) == n && !strncmp(cmd->opts[i].name, name, n))
			return i;
	return -1;
}

static int col_index(const struct cli_cmd *cmd, const char *name, size_t n)
{
	char flag[64];
	for (int i = 0; i < CLI_NCOLUMNS; i++) {
		if (!(cli_columns[i].flags & cmd->cols))
			continue;
		cli_kebab(cli_columns[i].name, flag, sizeof flag);
		if (strlen(flag) == n && !strncmp(flag, name, n))
			return i;
	}
	return -1;
}

static int usage_error(const struct cli_cmd *cmd, const char *what, const char *arg)
{
	fprintf(stderr, "partnerctl %s: %s%s\n", cmd->name, what, arg ? arg : "");
	cli_help_usage_line(cmd, stderr);
	fprintf(stderr, "Run 'partnerctl %s --help' for its options.\n", cmd->name);
	return CLI_USAGE;
}

/* One "--name[=value]" at argv[*i]; consumes the value word when the option takes one. */
static int parse_option(const struct cli_cmd *cmd, int argc, char **argv, int *i, struct cli_args *a)
{
	const char *word = argv[*i] + 2, *eq = strchr(word, '=');
	size_t n = eq ? (size_t)(eq - word) : strlen(word);
	int o = opt_index(cmd, word, n), c = o < 0 ? col_index(cmd, word, n) : -1;
	if (o < 0 && c < 0)
		return usage_error(cmd, "unknown option ", argv[*i]);
	bool takes = o >= 0 ? cmd->opts[o].metavar != NULL : true;
	const char *val = "";
	if (takes && eq)
		val = eq + 1;
	else if (takes && *i + 1 < argc)
		val = argv[++*i];
	else if (takes)
		return usage_error(cmd, "missing value for ", argv[*i]);
	else if (eq)
		return usage_error(cmd, "this option takes no value: ", argv[*i]);
	if (o >= 0 && a->nall == CLI_MAX_REPEAT)
		return usage_error(cmd, "too many options at ", argv[*i]);
	if (o >= 0) {
		a->opt[o] = val;
		a->all[a->nall] = val, a->all_opt[a->nall++] = o;
	} else
		a->col[c] = val, a->any_col = true;
	return CLI_OK;
}

int cli_args_parse(const struct cli_cmd *cmd, int argc, char **argv, struct cli_args *a)
{
	memset(a, 0, sizeof *a);
	a->cmd = cmd;
	bool opts_done = false;
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		if (!opts_done && (!strcmp(w, "--help") || !strcmp(w, "-h"))) {
			cli_help_command(cmd, stdout);
			return -1;
		}
		if (!opts_done && !strcmp(w, "--")) {
			opts_done = true;
		} else if (!opts_done && w[0] == '-' && w[1] == '-') {
			int rc = parse_option(cmd, argc, argv, &i, a);
			if (rc != CLI_OK)
				return rc;
		} else if (!opts_done && w[0] == '-' && w[1]) {
			return usage_error(cmd, "unknown option ", w);
		} else if (a->npos == cmd->max_pos) {
			return usage_error(cmd, "unexpected operand ", w);
		} else {
			a->pos[a->npos++] = argv[i];
		}
	}
	if (a->npos < cmd->min_pos)
		return usage_error(cmd, "missing operand", NULL);
	return CLI_OK;
}

const char *cli_arg(const struct cli_args *a, const char *name)
{
	int o = opt_index(a->cmd, name, strlen(name));
	if (o < 0)
		abort();
	return a->opt[o];
}

bool cli_flag(const struct cli_args *a, const char *name)
{
	return cli_arg(a, name) != NULL;
}

int cli_arg_each(const struct cli_args *a, const char *name, const char **vals, int max)
{
	int o = opt_index(a->cmd, name, strlen(name)), n = 0;
	if (o < 0)
		abort();
	for (int i = 0; i < a->nall && n < max; i++)
		if (a->all_opt[i] == o)
			vals[n++] = a->all[i];
	return n;
}

int cli_arg_long(const struct cli_args *a, const char *name, long min, long max, long def, long *out)
{
	const char *s = cli_arg(a, name);
	char *end;
	*out = def;
	if (!s)
		return CLI_OK;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max) {
		fprintf(stderr, "partnerctl %s: --%s must be a number from %ld to %ld\n", a->cmd->name, name, min, max);
		return CLI_USAGE;
	}
	*out = v;
	return CLI_OK;
}

int cli_args_format(const struct cli_args *a, bool *json, bool *csv)
{
	*json = opt_index(a->cmd, "json", 4) >= 0 && cli_flag(a, "json");
	*csv = opt_index(a->cmd, "csv", 3) >= 0 && cli_flag(a, "csv");
	if (*json && *csv)
		return usage_error(a->cmd, "--json and --csv exclude each other", NULL);
	return CLI_OK;
}
