/* cmd_identity.c: /whoami, who we are to other uvqq peers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "net/net.h"
#include "src/app.h"
#include "src/cmd.h"
#include "src/identity.h"

/* How a person reads an address's kind (net/reach.h). */
static const char *
reach_label(const char *kind)
{
	if (strcmp(kind, "yggdrasil") == 0)
		return "Yggdrasil: from anywhere on the overlay";
	if (strcmp(kind, "public") == 0)
		return "public";
	if (strcmp(kind, "private") == 0)
		return "this network only";
	return "this machine only";
}

void
app_ready(struct app *app)
{
	struct event	*ev;
	int		 n;

	if ((ev = evq_new(EV_READY)) == NULL)
		return;
	snprintf(ev->peer, sizeof ev->peer, "%s", net_local_addr(app->net));
	if ((ev->addrs = calloc(EV_MAXADDRS, sizeof *ev->addrs)) == NULL ||
	    event_set_nick(ev, app->nick) != 0 ||
	    event_set_text(ev, app->identity->fingerprint,
	    strlen(app->identity->fingerprint)) != 0) {
		evq_free(ev);
		return;
	}
	/* Not knowing the interfaces is no reason not to start. */
	if ((n = net_reachable(app->net, ev->addrs, EV_MAXADDRS)) > 0)
		ev->naddrs = n;
	evq_push(&app->evq, ev);
}

static int
cmd_whoami_exec(struct app *app, int argc, char **argv, char **cause)
{
	struct ev_addr	 addrs[EV_MAXADDRS];
	int		 i, n;

	(void)argc;
	(void)argv;
	(void)cause;
	app_info(app, "you are %s, listening on %s", app->nick,
	    net_local_addr(app->net));
	n = net_reachable(app->net, addrs, EV_MAXADDRS);
	if (n < 0)
		app_error(app, "cannot list the network interfaces: %s",
		    uv_strerror(n));
	for (i = 0; i < n; i++)
		app_info(app, "reach me at %s (%s)", addrs[i].addr,
		    reach_label(addrs[i].kind));
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
	.help = "show your nick, the addresses others can reach you at "
	    "and your fingerprint, for peers to compare",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_whoami_exec,
};
