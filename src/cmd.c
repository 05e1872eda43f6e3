/* cmd.c: the command table, the parser and the dispatcher. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "src/cmd.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_peer_entry,
	&cmd_msg_entry,
	&cmd_peers_entry,
	&cmd_who_entry,
	&cmd_close_entry,
	&cmd_stats_entry,
	&cmd_history_entry,
	&cmd_search_entry,
	&cmd_set_entry,
	&cmd_nick_entry,
	&cmd_whoami_entry,
	&cmd_verify_entry,
	&cmd_trust_entry,
	&cmd_help_entry,
	&cmd_quit_entry,
	NULL
};

int
cmd_error(char **cause, int code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) < 0)
		*cause = NULL;
	va_end(ap);
	return code;
}

const struct cmd_entry *
cmd_find(const char *name)
{
	const struct cmd_entry	*const *e, *found = NULL;
	size_t			 len = strlen(name);

	if (len == 0)
		return NULL;
	for (e = cmd_table; *e != NULL; e++) {
		if (strcmp((*e)->name, name) == 0)
			return *e;
		if (strncmp((*e)->name, name, len) == 0) {
			if (found != NULL)
				return NULL;	/* ambiguous */
			found = *e;
		}
	}
	return found;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

int
cmd_split(char *line, char **argv, int max, int rest, const char **cause)
{
	char	*p = line;
	int	 argc = 0;

	for (;;) {
		while (is_space(*p))
			p++;
		if (*p == '\0')
			break;
		if (argc == max) {
			*cause = "too many arguments";
			return UV_E2BIG;
		}
		argv[argc++] = p;
		if (rest && argc == max)
			break;		/* the rest of the line, as typed */
		while (*p != '\0' && !is_space(*p))
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
	return argc;
}

int
cmd_execute(struct app *app, const char *line, char **cause)
{
	const struct cmd_entry	*e;
	const char		*why;
	char			*copy, *name, *argv[CMD_MAX_ARGS + 1];
	char			*p;
	int			 argc, r;

	*cause = NULL;
	if ((copy = strdup(line + 1)) == NULL)
		return cmd_error(cause, UV_ENOMEM, "out of memory");
	name = copy;
	for (p = copy; *p != '\0' && !is_space(*p); p++)
		;
	if (*p != '\0')
		*p++ = '\0';
	if ((e = cmd_find(name)) == NULL) {
		r = cmd_error(cause, UV_EINVAL, *name == '\0' ?
		    "empty command (try /help)" :
		    "unknown command: /%s (try /help)", name);
		free(copy);
		return r;
	}
	argc = cmd_split(p, argv, e->max_args, e->flags & CMD_REST, &why);
	if (argc < 0)
		r = cmd_error(cause, argc, "/%s: %s; usage: /%s %s", e->name,
		    why, e->name, e->args);
	else if (argc < e->min_args)
		r = cmd_error(cause, UV_EINVAL, "/%s: missing argument; "
		    "usage: /%s %s", e->name, e->name, e->args);
	else {
		argv[argc] = NULL;
		r = e->exec(app, argc, argv, cause);
	}
	free(copy);
	return r;
}
