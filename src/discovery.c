/*
 * discovery.c: peers found on the LAN (net/lan.h), as the core keeps them,
 * and /who.
 *
 * A peer found on the LAN joins the peer list, so /peer NICK and /msg
 * NICK find it, but stays "LAN only" until we talk: it is not stored, net
 * has no link to it, and it leaves the list when discovery forgets it. A
 * campus does not fill the database. Once net has a link to it (we
 * added it, or it spoke to us), it is a peer like any other.
 */
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "net/lan.h"
#include "net/net.h"
#include "src/app.h"
#include "src/cmd.h"
#include "src/identity.h"
#include "src/peer.h"

int
app_lan_on_peer(struct app *app, struct event *ev)
{
	struct peer	*p = peer_find_by_addrstr(&app->peers, ev->peer);
	struct event	*closed;

	if (ev->forgotten) {
		if (p == NULL || !p->lan_only || p == app->current)
			return 0;
		if ((closed = evq_new(EV_CLOSED)) != NULL) {
			memcpy(closed->peer, p->addrstr, sizeof closed->peer);
			evq_push(&app->evq, closed);
		}
		peer_remove(&app->peers, p);
		return 0;
	}
	if (p == NULL) {
		if ((p = app_peer_for(app, ev->peer)) == NULL)
			return 0;
		p->lan_only = 1;
	}
	p->lan = 1;
	memcpy(p->lan_key, ev->key, sizeof p->lan_key);
	/* A peer we talk to: its link says how it is, not an announcement. */
	if (!p->lan_only)
		return 0;
	p->kind = PEER_UVQQ;
	p->state = ev->state;
	peer_set_nick(p, ev->nick);
	return 1;
}

void
app_lan_check_key(struct app *app, struct peer *p, const struct event *ev)
{
	char	 fp[IDENTITY_FP_LEN];

	if (!p->lan || !ev->secure ||
	    memcmp(p->lan_key, ev->key, sizeof p->lan_key) == 0)
		return;
	/* An announcement is only a claim: say so, and go by the session. */
	identity_fingerprint(ev->key, fp);
	app_error(app, "%s announced another key on the LAN than the one it "
	    "proved: the announcement was not its own (the conversation "
	    "goes by the proved key, %s)", peer_label(p), fp);
	memcpy(p->lan_key, ev->key, sizeof p->lan_key);
}

int
app_lan_talk(struct app *app, struct peer *p)
{
	int	 r;

	if (!p->lan_only)
		return 0;
	if ((r = net_peer_add(app->net, (struct sockaddr *)&p->addr)) != 0)
		return r;
	p->lan_only = 0;
	return 0;
}

int
app_set_discovery(struct app *app, int on, char **cause)
{
	int	 r;

	app->lan_error = 0;
	if (app->net == NULL || (r = net_discovery(app->net, on)) == 0) {
		app->opts.discovery = on;
		return 0;
	}
	app->lan_error = r;
	if (r == UV_EADDRNOTAVAIL)
		return cmd_error(cause, r, "discovery: uvqq listens on %s, "
		    "where no one on a LAN can reach it (bind :: or a LAN "
		    "address)", net_local_addr(app->net));
	return cmd_error(cause, r, "discovery: cannot listen on UDP port "
	    "%d: %s; chat goes on without it", LAN_PORT, uv_strerror(r));
}

static void
who_one(void *arg, const struct lan_peer_info *info)
{
	struct app	*app = arg;
	uint64_t	 s = info->seen_ms_ago / 1000;

	if (s < 120)
		app_info(app, "  %s  %s  uvqq %s, seen %us ago  [%s]",
		    info->nick, info->addr, info->online ? "online" :
		    "offline", (unsigned)s, info->fingerprint);
	else
		app_info(app, "  %s  %s  uvqq %s, seen %um ago  [%s]",
		    info->nick, info->addr, info->online ? "online" :
		    "offline", (unsigned)(s / 60), info->fingerprint);
}

static void
count_one(void *arg, const struct lan_peer_info *info)
{
	(void)info;
	(*(unsigned *)arg)++;
}

static int
cmd_who_exec(struct app *app, int argc, char **argv, char **cause)
{
	unsigned	 n = 0;

	(void)argc;
	(void)argv;
	(void)cause;
	if (!net_discovery_on(app->net)) {
		if (app->lan_error == UV_EADDRNOTAVAIL)
			app_info(app, "discovery is off: uvqq listens on %s, "
			    "where no one on a LAN can reach it",
			    net_local_addr(app->net));
		else if (app->lan_error != 0)
			app_info(app, "discovery is off: cannot listen on UDP "
			    "port %d: %s", LAN_PORT,
			    uv_strerror(app->lan_error));
		else
			app_info(app, "discovery is off (/set discovery on)");
		return 0;
	}
	net_lan_foreach(app->net, count_one, &n);
	if (n == 0) {
		app_info(app, "no one found on the LAN yet");
		return 0;
	}
	app_info(app, "%u found on the LAN (/peer NICK to talk):", n);
	net_lan_foreach(app->net, who_one, app);
	return 0;
}

const struct cmd_entry cmd_who_entry = {
	.name = "who",
	.args = "",
	.help = "list the uvqq peers found on the LAN: nick, address, kind, "
	    "last seen and the fingerprint each announced",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_who_exec,
};
