/* cmd_history.c: /history and /search, answered with history messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "src/app.h"
#include "src/cmd.h"

#define HISTORY_DEFAULT	20
#define HISTORY_MAX	10000

static int
cmd_history_exec(struct app *app, int argc, char **argv, char **cause)
{
	char	*end;
	long	 n = HISTORY_DEFAULT;

	if (argc == 1) {
		n = strtol(argv[0], &end, 10);
		if (*argv[0] == '\0' || *end != '\0' || n < 1 ||
		    n > HISTORY_MAX)
			return cmd_error(cause, UV_EINVAL, "/history: N is a "
			    "number of lines from 1 to %d", HISTORY_MAX);
	}
	if (app->current == NULL)
		return cmd_error(cause, UV_EINVAL, "/history: no current peer "
		    "(select one with /peer)");
	return app_history(app, app->current, (int)n, cause);
}

static int
cmd_search_exec(struct app *app, int argc, char **argv, char **cause)
{
	(void)argc;
	return app_search(app, argv[0], cause);
}

const struct cmd_entry cmd_history_entry = {
	.name = "history",
	.args = "[N]",
	.help = "show the last N lines (20) with the current peer",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_history_exec,
};

const struct cmd_entry cmd_search_entry = {
	.name = "search",
	.args = "TEXT",
	.help = "find stored messages with every peer that contain TEXT",
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_REST,
	.exec = cmd_search_exec,
};
