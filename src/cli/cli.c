/* cli.c - the partnerctl conventions of cli.h: one way to report a failure (cli_fail) and the
 * small helpers every command shares.  No state. */
#include "cli.h"
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cli_fail(int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("partnerctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return rc;
}

enum pd_locale cli_locale(void)
{
	const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return pd_locale_parse(v);
	}
	return PD_LOCALE_EN;
}

const char *cli_locale_tag(enum pd_locale loc)
{
	return loc == PD_LOCALE_ZH ? "zh-CN" : loc == PD_LOCALE_DE ? "de-DE" : "en-US";
}

char *cli_kebab(const char *camel, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *p = camel; *p && n + 2 < cap; p++) {
		if (isupper((unsigned char)*p) && n) {
			out[n++] = '-';
		}
		out[n++] = (char)tolower((unsigned char)*p);
	}
	out[n] = 0;
	return out;
}

char *cli_read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t n = 0, cap = 4096;
	char *buf = f ? malloc(cap) : NULL;
	if (!buf) {
		if (f && f != stdin)
			fclose(f);
		return NULL;
	}
	int err = 0;
	for (size_t got; !err && (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
		n += got;
		char *bigger = n + 1 == cap ? realloc(buf, cap *= 2) : buf;
		if (bigger)
			buf = bigger;
		else
			err = ENOMEM;
	}
	if (!err && ferror(f))
		err = EIO;
	if (f != stdin)
		fclose(f);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

double cli_now(bool mono)
{
	struct timespec ts;
	clock_gettime(mono ? CLOCK_MONOTONIC : CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
