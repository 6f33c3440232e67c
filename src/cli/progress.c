/* progress.c - the progress display of progress.h.  The rate counts only this run's rows, so
 * a resumed import shows a true rate and ETA. */
#include "progress.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "output.h"

#define PLAIN_EVERY 5.0 /* seconds between plain lines */
#define BAR_MAX 30

void cli_progress_start(struct cli_progress *p, const char *label, long total, long base, bool quiet)
{
	memset(p, 0, sizeof *p);
	p->label = label;
	p->total = total;
	p->done = p->base = base;
	p->start = p->last = cli_now(true);
	p->tty = isatty(STDERR_FILENO);
	p->quiet = quiet;
}

static void eta_text(char *buf, size_t cap, double secs)
{
	long s = (long)(secs + 0.5);
	if (s >= 3600)
		snprintf(buf, cap, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, cap, "%ld:%02ld", s / 60, s % 60);
}

static void draw(struct cli_progress *p, double now, bool final)
{
	double secs = now - p->start, rate = secs > 0 ? (double)(p->done - p->base) / secs : 0;
	long left = p->total - p->done;
	char eta[32], stats[160];
	eta_text(eta, sizeof eta, final ? secs : rate > 0 ? (double)left / rate : 0);
	int pct = p->total ? (int)(100 * p->done / p->total) : 100;
	snprintf(stats, sizeof stats, "%ld/%ld  %3d%%  %.0f/s  %s %s", p->done, p->total, pct, rate,
		 final ? "in" : "ETA", eta);
	if (!p->tty) {
		fprintf(stderr, "%s: %s\n", p->label, stats);
		return;
	}
	int room = cli_term_width(stderr) - (int)strlen(p->label) - (int)strlen(stats) - 6;
	int width = room > BAR_MAX ? BAR_MAX : room, fill = p->total ? (int)((long)width * p->done / p->total) : width;
	fprintf(stderr, "\r%s ", p->label);
	if (width > 4)
		fprintf(stderr, "[%.*s%*s] ", fill, "##############################", width - fill, "");
	fprintf(stderr, "%s\033[K%s", stats, final ? "\n" : "");
}

void cli_progress_tick(struct cli_progress *p, long done)
{
	double now = cli_now(true);
	p->done = done;
	if (p->quiet || (!p->tty && now - p->last < PLAIN_EVERY))
		return;
	p->last = now;
	draw(p, now, false);
}

void cli_progress_end(struct cli_progress *p, long done)
{
	p->done = done;
	if (!p->quiet && (p->tty || p->done > p->base))
		draw(p, cli_now(true), true);
}
