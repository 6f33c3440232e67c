/* journal.c - the resume journal of journal.h.  Format: a first line
 * "partnerctl-import-journal 1<TAB>SERVER", then "KEY<TAB>ROW<TAB>OUTCOME<TAB>DETAIL" per
 * finished row.  In memory it is a jansson object (KEY -> [OUTCOME, DETAIL]), jansson's hash
 * table being all the index it needs. */
#include "journal.h"
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

#define MAGIC "partnerctl-import-journal 1\t"

struct cli_journal {
	char *path;
	int fd;
	json_t *done;
};

/* Parses "KEY\tROW\tOUTCOME\tDETAIL" (line without its newline) into j->done. */
static void load_line(struct cli_journal *j, char *line)
{
	char *save = NULL;
	char *key = strtok_r(line, "\t", &save), *row = strtok_r(NULL, "\t", &save);
	char *outcome = strtok_r(NULL, "\t", &save), *detail = strtok_r(NULL, "", &save);
	if (key && row && outcome)
		json_object_set_new(j->done, key, json_pack("[s,s]", outcome, detail ? detail : ""));
}

/* Loads an existing journal; *good_end gets the offset after its last complete line. */
static int load(struct cli_journal *j, FILE *f, const char *server, off_t *good_end)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = CLI_OK;
	for (long i = 0; rc == CLI_OK && (n = getline(&line, &cap, f)) > 0; i++) {
		if (line[n - 1] != '\n')
			break;
		line[n - 1] = 0;
		if (i == 0 && (strncmp(line, MAGIC, strlen(MAGIC)) || strcmp(line + strlen(MAGIC), server)))
			rc = cli_fail(CLI_USAGE, "%s is not the journal of an import into %s; remove it or pass "
					  "another --journal", j->path, server);
		else if (i > 0)
			load_line(j, line);
		*good_end += n;
	}
	free(line);
	return rc;
}

static int start(struct cli_journal *j, const char *server, off_t good_end)
{
	off_t size = lseek(j->fd, 0, SEEK_END);
	if (size > good_end && ftruncate(j->fd, good_end) != 0)
		return -1;
	if (good_end > 0)
		return 0;
	char head[1200];
	int n = snprintf(head, sizeof head, MAGIC "%s\n", server);
	return n > 0 && n < (int)sizeof head && write(j->fd, head, (size_t)n) == n ? 0 : -1;
}

int cli_journal_open(const char *path, const char *server, struct cli_journal **out)
{
	struct cli_journal *j = calloc(1, sizeof *j);
	off_t good_end = 0;
	*out = NULL;
	if (!j)
		return cli_fail(CLI_ERROR, "out of memory");
	j->path = strdup(path);
	j->done = json_object();
	j->fd = -1;
	FILE *f = fopen(path, "r");
	int rc = f ? load(j, f, server, &good_end) : CLI_OK;
	if (f)
		fclose(f);
	if (rc == CLI_OK) {
		j->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (j->fd < 0 || start(j, server, good_end) != 0)
			rc = cli_fail(CLI_ERROR, "cannot write the journal %s: %s", path, strerror(errno));
	}
	if (rc != CLI_OK) {
		cli_journal_close(j, false);
		return rc;
	}
	*out = j;
	return CLI_OK;
}

const char *cli_journal_get(const struct cli_journal *j, const char *key, const char **detail)
{
	json_t *e = json_object_get(j->done, key);
	if (!e)
		return NULL;
	*detail = json_string_value(json_array_get(e, 1));
	return json_string_value(json_array_get(e, 0));
}

size_t cli_journal_size(const struct cli_journal *j)
{
	return json_object_size(j->done);
}

int cli_journal_add(struct cli_journal *j, const char *key, long row, const char *outcome,
		    const char *detail)
{
	char clean[1500], line[2048];
	snprintf(clean, sizeof clean, "%s", detail ? detail : "");
	for (char *p = clean; *p; p++)
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*p = ' ';
	int n = snprintf(line, sizeof line, "%s\t%ld\t%s\t%s\n", key, row, outcome, clean);
	return n > 0 && n < (int)sizeof line && write(j->fd, line, (size_t)n) == n ? 0 : -1;
}

void cli_journal_close(struct cli_journal *j, bool finished)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (finished)
		unlink(j->path);
	json_decref(j->done);
	free(j->path);
	free(j);
}
