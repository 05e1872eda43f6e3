/* cmd_identity.c: /whoami, who we are to other uvqq peers. */
#include <uv.h>

#include "net/net.h"
#include "src/app.h"
#include "src/cmd.h"
#include "src/identity.h"

static int
cmd_whoami_exec(struct app *app, int argc, char **argv, char **cause)
{
	(void)argc;
	(void)argv;
	(void)cause;
	app_info(app, "you are %s, listening on %s", app->nick,
	    net_local_addr(app->net));
	app_info(app, "your fingerprint: %s", app->identity->fingerprint);
	if (app->data_dir != NULL)
		app_info(app, "your key: %s/%s", app->data_dir, IDENTITY_FILE);
	else
		app_info(app, "your key: made for this run only "
		    "(--no-history)");
	return 0;
}

const struct cmd_entry cmd_whoami_entry = {
	.name = "whoami",
	.args = "",
	.help = "show your nick, the address you listen on and your "
	    "fingerprint, for peers to compare",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_whoami_exec,
};
