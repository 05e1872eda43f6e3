/*
 * config.c: the config file is the slash commands a person would type,
 * one per line. Options that matter before binding (/set port, /set bind,
 * /nick) are read first; everything else runs once uvqq is up.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "src/app.h"
#include "src/cmd.h"
#include "src/set.h"

#define CONFIG_LINE_MAX	4096

static char *
config_path(struct app *app, int *explicit)
{
	const char	*xdg = getenv("XDG_CONFIG_HOME"), *home;
	char		*path;

	*explicit = app->opts.config != NULL;
	if (*explicit)
		return strdup(app->opts.config);
	if (xdg != NULL && *xdg == '/')
		return asprintf(&path, "%s/uvqq/uvqqrc", xdg) < 0 ? NULL : path;
	if ((home = getenv("HOME")) == NULL || *home == '\0')
		return NULL;
	return asprintf(&path, "%s/.config/uvqq/uvqqrc", home) < 0 ? NULL :
	    path;
}

/* Whether a line must run before binding, and is not overridden. */
static int
early_line(struct app *app, const char *line, int *skip)
{
	unsigned	 set = app->opts.set_on_command_line;

	*skip = 0;
	if (strncmp(line, "/set port ", 10) == 0) {
		*skip = (set & APP_SET_PORT) != 0;
		return 1;
	}
	if (strncmp(line, "/set bind ", 10) == 0) {
		*skip = (set & APP_SET_BIND) != 0;
		return 1;
	}
	if (strncmp(line, "/nick ", 6) == 0) {
		*skip = (set & APP_SET_NICK) != 0;
		return 1;
	}
	/* Off must mean no announcement at all, not one at start. */
	if (strncmp(line, "/set discovery ", 15) == 0) {
		*skip = (set & APP_SET_DISCOVERY) != 0;
		return 1;
	}
	return 0;
}

/* The early lines change options directly: nothing is running yet. */
static int
run_early(struct app *app, const char *line, char **cause)
{
	const char	*why;

	if (strncmp(line, "/nick ", 6) == 0) {
		if (app_valid_name(line + 6, &why) != 0)
			return cmd_error(cause, UV_EINVAL, "/nick: the nick %s",
			    why);
		snprintf(app->nick, sizeof app->nick, "%s", line + 6);
		return 0;
	}
	if (strncmp(line, "/set discovery ", 15) == 0)
		return set_find("discovery")->set(app, line + 15, cause);
	return set_find(strncmp(line, "/set port ", 10) == 0 ? "port" :
	    "bind")->set(app, line + 10, cause);
}

static void
trim(char *s)
{
	size_t	 n = strlen(s), i = 0;

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
	    s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	memmove(s, s + i, n - i + 1);
}

void
app_load_config(struct app *app, int before_start)
{
	char	*path, *line = NULL, *cause;
	size_t	 size = 0;
	ssize_t	 n;
	FILE	*f;
	int	 explicit, lineno = 0, skip, r;

	if (app->opts.no_config || (path = config_path(app, &explicit)) ==
	    NULL)
		return;
	if ((f = fopen(path, "r")) == NULL) {
		/* A config of one's own choosing must be there. */
		if (explicit && before_start)
			app_error(app, "cannot read config %s: %s", path,
			    strerror(errno));
		free(path);
		return;
	}
	while ((n = getline(&line, &size, f)) >= 0) {
		lineno++;
		if (n > CONFIG_LINE_MAX) {
			if (before_start)
				app_error(app, "%s:%d: line too long (over %d "
				    "bytes); skipped", path, lineno,
				    CONFIG_LINE_MAX);
			continue;
		}
		trim(line);
		if (line[0] == '\0' || line[0] == '#')
			continue;
		cause = NULL;
		r = 0;
		if (early_line(app, line, &skip)) {
			if (before_start && !skip)
				r = run_early(app, line, &cause);
		} else if (!before_start) {
			if (line[0] != '/' || line[1] == '/')
				r = cmd_error(&cause, UV_EINVAL, "not a "
				    "command (config lines start with /)");
			else
				r = cmd_execute(app, line, &cause);
		}
		if (r != 0)
			app_error(app, "%s:%d: %s", path, lineno,
			    cause != NULL ? cause : uv_strerror(r));
		free(cause);
	}
	free(line);
	fclose(f);
	free(path);
}
