/* cmd_misc.c: /nick, /help and /quit. */
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "src/app.h"
#include "src/cmd.h"
#include "src/set.h"

static int
cmd_nick_exec(struct app *app, int argc, char **argv, char **cause)
{
	if (argc == 0) {
		app_info(app, "your nick is %s", app->nick);
		return 0;
	}
	return app_set_nick(app, argv[0], cause);
}

static int
cmd_help_exec(struct app *app, int argc, char **argv, char **cause)
{
	const struct cmd_entry	*const *e, *one;
	const char		*name;

	if (argc == 1) {
		name = argv[0][0] == '/' ? argv[0] + 1 : argv[0];
		if ((one = cmd_find(name)) == NULL)
			return cmd_error(cause, UV_ENOENT, "/help: no command "
			    "called %s", argv[0]);
		app_info(app, "/%s %s", one->name, one->args);
		app_info(app, "  %s", one->help);
		if (one == &cmd_set_entry)
			set_list(app, 1);
		return 0;
	}
	app_info(app, "commands (a line without / is a message to the "
	    "current peer; start it with // to send a /):");
	for (e = cmd_table; *e != NULL; e++)
		app_info(app, "  /%s%s%s: %s", (*e)->name,
		    (*e)->args[0] != '\0' ? " " : "", (*e)->args, (*e)->help);
	return 0;
}

static int
cmd_quit_exec(struct app *app, int argc, char **argv, char **cause)
{
	(void)argc;
	(void)argv;
	(void)cause;
	app_quit(app, APP_LINGER_MS);
	return 0;
}

const struct cmd_entry cmd_nick_entry = {
	.name = "nick",
	.args = "[NAME]",
	.help = "show or change your nick; uvqq peers see the change",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_nick_exec,
};

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.args = "[COMMAND]",
	.help = "list the commands, or explain one",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_help_exec,
};

const struct cmd_entry cmd_quit_entry = {
	.name = "quit",
	.args = "",
	.help = "leave, once sent messages are delivered (a few seconds "
	    "at most)",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_quit_exec,
};
