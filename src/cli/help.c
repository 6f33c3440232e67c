/* help.c - the texts of help.h, each a walk over the command and column tables: plain text
 * for --help, roff for the man page, a bash function for completion.  Help texts in the table
 * are pre-wrapped; a paragraph whose lines start with two spaces is an example, printed as is
 * (.nf in roff). */
#include "help.h"
#include <string.h>
#include "cli.h"
#include "commands.h"

#define OPT_COL 30

/* ---- plain text ---- */

static void opt_line(FILE *f, const char *name, const char *metavar, const char *help)
{
	char left[128];
	snprintf(left, sizeof left, "  --%s%s%s", name, metavar ? " " : "", metavar ? metavar : "");
	if (strlen(left) >= OPT_COL)
		fprintf(f, "%s\n%*s %s\n", left, OPT_COL, "", help);
	else
		fprintf(f, "%-*s %s\n", OPT_COL, left, help);
}

static void col_lines(const struct cli_cmd *cmd, FILE *f)
{
	char flag[64];
	for (int i = 0; i < CLI_NCOLUMNS; i++)
		if (cli_columns[i].flags & cmd->cols)
			opt_line(f, cli_kebab(cli_columns[i].name, flag, sizeof flag), cli_columns[i].metavar,
				 cli_columns[i].help);
}

void cli_help_usage_line(const struct cli_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: partnerctl %s%s%s [options]\n", cmd->name, *cmd->operands ? " " : "", cmd->operands);
}

void cli_help_command(const struct cli_cmd *cmd, FILE *f)
{
	cli_help_usage_line(cmd, f);
	fprintf(f, "\n%s\n", *cmd->text ? cmd->text : cmd->summary);
	fputs("\noptions:\n", f);
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++)
		opt_line(f, o->name, o->metavar, o->help);
	opt_line(f, "help", NULL, "show this help");
	if (cmd->cols) {
		fputs("\ncustomer fields (empty to clear an optional one):\n", f);
		col_lines(cmd, f);
	}
}

static bool in_group(const struct cli_cmd *c, const char *group)
{
	size_t n = strlen(group);
	return !strncmp(c->name, group, n) && c->name[n] == ' ';
}

static void topic_lines(const char *title, const struct cli_topic *t, FILE *f)
{
	fprintf(f, "\n%s:\n", title);
	for (; t->name; t++)
		fprintf(f, "  %-26s %s\n", t->name, t->text);
}

void cli_help_main(const char *group, FILE *f)
{
	if (group)
		fprintf(f, "usage: partnerctl %s <command> [options]\n\ncommands:\n", group);
	else
		fprintf(f, "usage: partnerctl <command> [options]\n\n%s\ncommands:\n", cli_intro);
	for (const struct cli_cmd *c = cli_commands; c->name; c++)
		if (!group || in_group(c, group))
			fprintf(f, "  %-28s %s\n", c->name, c->summary);
	fprintf(f, "\nRun 'partnerctl <command> --help' for a command's options%s.\n",
		group ? "" : ", 'partnerctl --man' for the manual page");
	if (group)
		return;
	topic_lines("environment", cli_env, f);
	topic_lines("exit status", cli_exits, f);
}

/* ---- roff ---- */

static void roff_text(FILE *f, const char *s, size_t n, bool dashes)
{
	bool bol = true;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (bol && (c == '.' || c == '\''))
			fputs("\\&", f);
		if (c == '\\')
			fputs("\\e", f);
		else if (c == '-' && dashes)
			fputs("\\-", f);
		else
			fputc(c, f);
		bol = c == '\n';
	}
}

static void roff_str(FILE *f, const char *s, bool dashes)
{
	roff_text(f, s, strlen(s), dashes);
}

/* Paragraphs become .PP; example paragraphs (lines indented by two spaces) .nf blocks. */
static void roff_paragraphs(FILE *f, const char *text)
{
	for (const char *p = text; *p;) {
		const char *end = strstr(p, "\n\n");
		size_t n = end ? (size_t)(end - p) : strlen(p);
		bool example = !strncmp(p, "  ", 2);
		fputs(example ? ".PP\n.RS 4\n.nf\n" : ".PP\n", f);
		roff_text(f, p, n, example);
		fputs(example ? "\n.fi\n.RE\n" : "\n", f);
		p += n;
		while (*p == '\n')
			p++;
	}
}

static void roff_opt(FILE *f, const char *name, const char *metavar, const char *help)
{
	fputs(".TP\n.B \\-\\-", f);
	roff_str(f, name, true);
	if (metavar) {
		fputs(" \" \"\n.I ", f);
		roff_str(f, metavar, false);
	}
	fputc('\n', f);
	roff_str(f, help, false);
	fputc('\n', f);
}

static void roff_command(const struct cli_cmd *c, FILE *f)
{
	fputs(".SS \"partnerctl ", f);
	roff_str(f, c->name, false);
	if (*c->operands) {
		fputc(' ', f);
		roff_str(f, c->operands, false);
	}
	fputs("\"\n", f);
	roff_paragraphs(f, *c->text ? c->text : c->summary);
	for (const struct cli_opt *o = c->opts; o && o->name; o++)
		roff_opt(f, o->name, o->metavar, o->help);
	if (c->cols)
		fputs(".TP\n.BI \\-\\- field \" VALUE\"\none flag per customer field (see CUSTOMER FIELDS)\n", f);
}

static void roff_topics(const char *title, const struct cli_topic *t, FILE *f)
{
	fprintf(f, ".SH %s\n", title);
	for (; t->name; t++) {
		fputs(".TP\n.B ", f);
		roff_str(f, t->name, false);
		fputc('\n', f);
		roff_str(f, t->text, false);
		fputc('\n', f);
	}
}

void cli_help_man(FILE *f)
{
	char flag[64];
	fprintf(f, ".TH PARTNERCTL 1 \"\" \"partnerctl %s\" \"User Commands\"\n", cli_version);
	fputs(".SH NAME\npartnerctl \\- the command line for partnerd's customer accounts\n", f);
	fputs(".SH SYNOPSIS\n.B partnerctl\n.I command\n.RI [ options ]\n.SH DESCRIPTION\n", f);
	roff_paragraphs(f, cli_intro);
	fputs(".SH OPTIONS\n", f);
	roff_opt(f, "help", NULL, "help on partnerctl, or on a command when given after it (also -h)");
	roff_opt(f, "version", NULL, "the version");
	roff_opt(f, "man", NULL, "this manual page, in roff");
	fputs(".SH COMMANDS\n", f);
	for (const struct cli_cmd *c = cli_commands; c->name; c++)
		roff_command(c, f);
	fputs(".SH CUSTOMER FIELDS\nThe flags of \\fBcustomers add\\fR and \\fBcustomers update\\fR, and the "
	      "CSV columns of export and import (same names in camelCase).\n", f);
	for (int i = 0; i < CLI_NCOLUMNS; i++)
		if (cli_columns[i].flags)
			roff_opt(f, cli_kebab(cli_columns[i].name, flag, sizeof flag), cli_columns[i].metavar,
				 cli_columns[i].help);
	roff_topics("ENVIRONMENT", cli_env, f);
	roff_topics("FILES", cli_files, f);
	roff_topics("EXIT STATUS", cli_exits, f);
	fputs(".SH SEE ALSO\ndocs/cli.md and README.md in the partnerd sources\n", f);
}

/* ---- bash completion ---- */

/* The words that may follow `prefix` ("" for the program): next command words. */
static void next_words(const char *prefix, FILE *f)
{
	size_t n = strlen(prefix);
	const char *last = NULL;
	size_t last_len = 0;
	for (const struct cli_cmd *c = cli_commands; c->name; c++) {
		if (n && (strncmp(c->name, prefix, n) || c->name[n] != ' '))
			continue;
		const char *w = c->name + (n ? n + 1 : 0);
		size_t wl = strcspn(w, " ");
		if (last && wl == last_len && !strncmp(w, last, wl))
			continue;
		fprintf(f, "%s%.*s", last ? " " : "", (int)wl, w);
		last = w, last_len = wl;
	}
}

static void bash_options(const struct cli_cmd *c, FILE *f)
{
	char flag[64];
	fprintf(f, "\t\"%s\") opts=\"--help", c->name);
	for (const struct cli_opt *o = c->opts; o && o->name; o++)
		fprintf(f, " --%s", o->name);
	for (int i = 0; i < CLI_NCOLUMNS; i++)
		if (cli_columns[i].flags & c->cols)
			fprintf(f, " --%s", cli_kebab(cli_columns[i].name, flag, sizeof flag));
	fputs("\" ;;\n", f);
}

/* Options whose metavar lists its values ("starts_with|substring") complete to them. */
static void bash_values(FILE *f)
{
	for (const struct cli_cmd *c = cli_commands; c->name; c++)
		for (const struct cli_opt *o = c->opts; o && o->name; o++)
			if (o->metavar && strchr(o->metavar, '|')) {
				fprintf(f, "\t\"%s --%s\") vals=\"", c->name, o->name);
				for (const char *p = o->metavar; *p; p++)
					fputc(*p == '|' ? ' ' : *p, f);
				fputs("\" ;;\n", f);
			}
}

/* True if no command before c starts with the same group: its first n bytes and a space. */
static bool group_first(const struct cli_cmd *c, size_t n)
{
	for (const struct cli_cmd *p = cli_commands; p != c; p++)
		if (!strncmp(p->name, c->name, n) && p->name[n] == ' ')
			return false;
	return true;
}

/* A case branch per command and per group: the words seen so far name `cmd`. */
static void bash_command_words(FILE *f)
{
	for (const struct cli_cmd *c = cli_commands; c->name; c++) {
		for (const char *sp = c->name; (sp = strchr(sp, ' ')); sp++)
			if (group_first(c, (size_t)(sp - c->name)))
				fprintf(f, "\t\t\"%.*s\") cmd=\"%.*s\" ;;\n", (int)(sp - c->name), c->name,
					(int)(sp - c->name), c->name);
		fprintf(f, "\t\t\"%s\") cmd=\"%s\" ;;\n", c->name, c->name);
	}
}

/* A case branch per group (its next words) and per command (its options). */
static void bash_completions(FILE *f)
{
	char group[64];
	fputs("\t\"\") words=\"", f);
	next_words("", f);
	fputs("\" ;;\n", f);
	for (const struct cli_cmd *c = cli_commands; c->name; c++) {
		for (const char *sp = c->name; (sp = strchr(sp, ' ')); sp++) {
			if (!group_first(c, (size_t)(sp - c->name)))
				continue;
			snprintf(group, sizeof group, "%.*s", (int)(sp - c->name), c->name);
			fprintf(f, "\t\"%s\") words=\"", group);
			next_words(group, f);
			fputs("\" ;;\n", f);
		}
		bash_options(c, f);
	}
}

void cli_help_bash(FILE *f)
{
	fputs("# bash completion for partnerctl, generated by `partnerctl completion bash`.\n"
	      "# Load it with: source <(partnerctl completion bash)\n"
	      "_partnerctl() {\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "\tlocal cmd=\"\" w i words=\"\" opts=\"\" vals=\"\"\n"
	      "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "\t\tw=${COMP_WORDS[i]}\n"
	      "\t\tcase \"${cmd:+$cmd }$w\" in\n", f);
	bash_command_words(f);
	fputs("\t\tesac\n\tdone\n\tcase \"$cmd\" in\n", f);
	bash_completions(f);
	fputs("\tesac\n\tcase \"$cmd $prev\" in\n", f);
	bash_values(f);
	fputs("\tesac\n"
	      "\tif [[ -n $vals ]]; then COMPREPLY=($(compgen -W \"$vals\" -- \"$cur\"))\n"
	      "\telif [[ $cur == -* && -n $opts ]]; then COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	      "\telif [[ -n $words ]]; then COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
	      "\telse COMPREPLY=(); fi\n"
	      "}\n"
	      "complete -o default -F _partnerctl partnerctl\n", f);
}

/* ---- the commands ---- */

int cli_cmd_help(const struct cli_args *a)
{
	int used = 0;
	const struct cli_cmd *c = a->npos ? cli_command_find(a->npos, a->pos, &used) : NULL;
	char words[128] = "";
	for (int i = 0; i < a->npos; i++)
		snprintf(words + strlen(words), sizeof words - strlen(words), "%s%s", i ? " " : "", a->pos[i]);
	if (c && used == a->npos)
		cli_help_command(c, stdout);
	else if (a->npos && cli_command_group(words))
		cli_help_main(words, stdout);
	else if (a->npos)
		return cli_fail(CLI_USAGE, "no such command: %s (see 'partnerctl --help')", words);
	else
		cli_help_main(NULL, stdout);
	return CLI_OK;
}

int cli_cmd_completion(const struct cli_args *a)
{
	if (strcmp(a->pos[0], "bash") != 0)
		return cli_fail(CLI_USAGE, "completion: only bash is supported, not '%s'", a->pos[0]);
	cli_help_bash(stdout);
	return CLI_OK;
}
