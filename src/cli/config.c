/* config.c - the config file of config.h: JSON through jansson, written to a temporary file
 * created 0600 and renamed over the old one, so a crash leaves either the old or the new
 * file and the token is never readable by others, not even for a moment. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"

static char dir_path[PATH_MAX], file_path[PATH_MAX + 16];

static const char *home(void)
{
	const char *h = getenv("HOME");
	const struct passwd *pw = h && *h ? NULL : getpwuid(getuid());
	return pw ? pw->pw_dir : h ? h : "/";
}

const char *cli_config_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (xdg && *xdg)
		snprintf(dir_path, sizeof dir_path, "%s/partnerctl", xdg);
	else
		snprintf(dir_path, sizeof dir_path, "%s/.config/partnerctl", home());
	snprintf(file_path, sizeof file_path, "%s/config", dir_path);
	return file_path;
}

void cli_config_set(char **member, const char *value)
{
	char *copy = value ? strdup(value) : NULL; /* value may be *member itself */
	free(*member);
	*member = copy;
}

static void take(json_t *o, const char *key, char **out)
{
	const char *s = json_string_value(json_object_get(o, key));
	cli_config_set(out, s && *s ? s : NULL);
}

int cli_config_load(struct cli_config *c)
{
	const char *path = cli_config_path();
	json_error_t err;
	memset(c, 0, sizeof *c);
	json_t *o = json_load_file(path, 0, &err);
	if (!o && access(path, F_OK) != 0)
		return CLI_OK;
	if (!json_is_object(o)) {
		json_decref(o);
		return cli_fail(CLI_ERROR, "%s is not a partnerctl config file (%s); remove it and log in again", path,
				err.text);
	}
	take(o, "server", &c->server);
	take(o, "token", &c->token);
	take(o, "principal", &c->principal);
	take(o, "cacert", &c->cacert);
	c->expires = json_integer_value(json_object_get(o, "expires"));
	json_decref(o);
	return CLI_OK;
}

static int make_dirs(void)
{
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "%s", dir_path);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = 0;
		if (mkdir(parent, 0700) != 0 && errno != EEXIST)
			return -1;
	}
	return mkdir(dir_path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static int write_tmp(const char *tmp, const char *text)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	size_t n = strlen(text);
	int ok = fchmod(fd, 0600) == 0 && write(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
	return close(fd) == 0 && ok ? 0 : -1;
}

int cli_config_save(const struct cli_config *c)
{
	const char *path = cli_config_path();
	char tmp[PATH_MAX + 48];
	json_t *o = json_object();
	if (c->server)
		json_object_set_new(o, "server", json_string(c->server));
	if (c->token)
		json_object_set_new(o, "token", json_string(c->token));
	if (c->principal)
		json_object_set_new(o, "principal", json_string(c->principal));
	if (c->expires)
		json_object_set_new(o, "expires", json_integer(c->expires));
	if (c->cacert)
		json_object_set_new(o, "cacert", json_string(c->cacert));
	char *text = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
	int rc = text && make_dirs() == 0 && write_tmp(tmp, text) == 0 && rename(tmp, path) == 0 ? 0 : -1;
	int e = errno;
	if (text)
		memset(text, 0, strlen(text));
	free(text);
	if (rc != 0) {
		unlink(tmp);
		return cli_fail(CLI_ERROR, "cannot write %s: %s", path, strerror(e));
	}
	return CLI_OK;
}

void cli_config_free(struct cli_config *c)
{
	free(c->server);
	free(c->token);
	free(c->principal);
	free(c->cacert);
	memset(c, 0, sizeof *c);
}

const char *cli_session_cacert(const struct cli_config *c, const char *server)
{
	const char *env = getenv("PARTNERCTL_CACERT");
	if (env && *env)
		return env;
	return server && c->server && !strcmp(server, c->server) ? c->cacert : NULL;
}

int cli_session_load(struct cli_session *s, bool need_token)
{
	memset(s, 0, sizeof *s);
	int rc = cli_config_load(&s->cfg);
	if (rc != CLI_OK)
		return rc;
	const char *env_server = getenv("PARTNERCTL_SERVER"), *env_token = getenv("PARTNERCTL_TOKEN");
	s->server_env = env_server && *env_server;
	s->token_env = env_token && *env_token;
	s->server = s->server_env ? env_server : s->cfg.server;
	s->token = s->token_env ? env_token : s->cfg.token;
	s->cacert = cli_session_cacert(&s->cfg, s->server);
	if (!need_token)
		return CLI_OK;
	if (!s->server)
		return cli_fail(CLI_ERROR, "no server: run 'partnerctl login --server URL' or set PARTNERCTL_SERVER");
	if (!s->token)
		return cli_fail(CLI_ERROR, "not logged in to %s: run 'partnerctl login' or set PARTNERCTL_TOKEN", s->server);
	return CLI_OK;
}
