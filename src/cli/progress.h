/* progress.h - progress of a long run on stderr: on a terminal one line redrawn in place (a
 * bar, done/total, rate per second and ETA), otherwise a plain line every few seconds that a
 * log file can keep.  The caller ticks it (import does, about five times a second). */
#ifndef CLI_PROGRESS_H
#define CLI_PROGRESS_H
#include <stdbool.h>

struct cli_progress {
	const char *label;
	long total, done, base; /* base: rows already done before this run */
	double start, last;
	bool tty, quiet;
};

void cli_progress_start(struct cli_progress *p, const char *label, long total, long base, bool quiet);

/* Records `done` (rows finished in all, base included) and redraws when due. */
void cli_progress_tick(struct cli_progress *p, long done);

/* Draws the final state (`done` rows in all) and ends the line. */
void cli_progress_end(struct cli_progress *p, long done);

#endif
