/* commands.h - partnerctl's command table and its entry point.  The table (commands.c) is the
 * single description of the command line: names, operands, options and help text, plus the
 * program-wide topics (environment, files, exit status) that --help and the man page show. */
#ifndef CLI_COMMANDS_H
#define CLI_COMMANDS_H
#include "args.h"

extern const struct cli_cmd cli_commands[];   /* ends with {NULL} */

struct cli_topic {
	const char *name;
	const char *text;
};
extern const struct cli_topic cli_env[], cli_files[], cli_exits[]; /* end with {NULL} */
extern const char cli_intro[];
extern const char cli_version[];

/* Finds the command named by the longest run of leading words in argv; *used gets how many
 * words were consumed.  NULL when none matches. */
const struct cli_cmd *cli_command_find(int argc, char *const *argv, int *used);

/* True if `words` ("customers") is the first word(s) of some command but not one itself. */
bool cli_command_group(const char *words);

int cli_main(int argc, char **argv);

#endif
