/* args.h - what a command is (struct cli_cmd: its name, operands, options and help text, the
 * one description that --help, the man page and bash completion are all generated from) and
 * the parser that turns argv into struct cli_args against that description.  Long options
 * only (--name VALUE or --name=VALUE), plus -h; "--" ends the options. */
#ifndef CLI_ARGS_H
#define CLI_ARGS_H
#include <stdbool.h>
#include "columns.h"

struct cli_opt {
	const char *name;    /* without the leading "--" */
	const char *metavar; /* NULL for a flag */
	const char *help;
};

struct cli_args;

struct cli_cmd {
	const char *name;       /* "customers list" */
	const char *operands;   /* synopsis of the operands, "" for none */
	int min_pos, max_pos;
	const char *summary;    /* one line, lower case, no full stop */
	const char *text;       /* paragraphs separated by blank lines */
	const struct cli_opt *opts; /* ends with {NULL} */
	unsigned cols;          /* CLI_COL_CREATE / CLI_COL_BILLING: also takes those column flags */
	int (*run)(const struct cli_args *a);
};

#define CLI_MAX_OPTS 24
#define CLI_MAX_POS 4
#define CLI_MAX_REPEAT 32

struct cli_args {
	const struct cli_cmd *cmd;
	const char *opt[CLI_MAX_OPTS];   /* by index in cmd->opts; "" for a flag that is set */
	const char *col[CLI_NCOLUMNS];   /* column flags given (NULL when not) */
	bool any_col;
	char *pos[CLI_MAX_POS];          /* operands, at most cmd->max_pos */
	int npos;
	const char *all[CLI_MAX_REPEAT]; /* every option given, in order (for repeated ones) */
	int all_opt[CLI_MAX_REPEAT];     /* ... and its index in cmd->opts */
	int nall;
};

/* Parses argv (the words after the command's name).  CLI_OK; CLI_USAGE after printing the
 * error and the usage on stderr; or -1 when --help was printed (exit 0). */
int cli_args_parse(const struct cli_cmd *cmd, int argc, char **argv, struct cli_args *a);

/* The option's value, "" for a set flag, NULL when absent.  `name` must be one of the
 * command's options (abort() otherwise: a programming error). */
const char *cli_arg(const struct cli_args *a, const char *name);
bool cli_flag(const struct cli_args *a, const char *name);

/* Every value of an option that may be repeated (--line A --line B), in order: up to max
 * into vals; returns how many. */
int cli_arg_each(const struct cli_args *a, const char *name, const char **vals, int max);

/* The option as an integer in [min, max], def when absent; CLI_USAGE after a message. */
int cli_arg_long(const struct cli_args *a, const char *name, long min, long max, long def, long *out);

/* Checks that at most one of --json and --csv is given; CLI_OK or CLI_USAGE. */
int cli_args_format(const struct cli_args *a, bool *json, bool *csv);

#endif
