/* help.h - every text partnerctl prints about itself, generated from the command table
 * (commands.c) and the column table (columns.c): `--help` of each command and of the whole
 * program, the roff man page (`partnerctl --man`, build/partnerctl.1) and the bash completion
 * script (`partnerctl completion bash`).  One source, so the three cannot drift apart. */
#ifndef CLI_HELP_H
#define CLI_HELP_H
#include <stdio.h>
#include "args.h"

void cli_help_usage_line(const struct cli_cmd *cmd, FILE *f);
void cli_help_command(const struct cli_cmd *cmd, FILE *f);

/* The program's help, or a group's ("customers") when group is not NULL. */
void cli_help_main(const char *group, FILE *f);

void cli_help_man(FILE *f);
void cli_help_bash(FILE *f);

/* The commands `help [COMMAND...]` and `completion bash`. */
int cli_cmd_help(const struct cli_args *a);
int cli_cmd_completion(const struct cli_args *a);

#endif
