/* cmd_peer.c: /peer, /msg, /peers and /close. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "net/lan.h"
#include "net/net.h"
#include "src/app.h"
#include "src/cmd.h"

static int
cmd_peer_exec(struct app *app, int argc, char **argv, char **cause)
{
	return app_peer_open(app, argv[0], argc > 1 ? argv[1] : NULL, cause);
}

static int
cmd_msg_exec(struct app *app, int argc, char **argv, char **cause)
{
	struct peer	*p;

	(void)argc;
	if ((p = peer_find(&app->peers, argv[0])) == NULL)
		return cmd_error(cause, UV_ENOENT, "/msg: no peer called %s "
		    "(add it with /peer ADDR)", argv[0]);
	return app_send(app, p, argv[1], cause);
}

static int
cmd_peers_exec(struct app *app, int argc, char **argv, char **cause)
{
	struct peer	*p;

	(void)argc;
	(void)argv;
	(void)cause;
	if (app->peers.head == NULL) {
		app_info(app, "no peers yet: add one with /peer ADDR [NAME]");
		return 0;
	}
	for (p = app->peers.head; p != NULL; p = p->next) {
		app_info(app, "%c %s%s%s%s%s %s %s%s%s%s",
		    p == app->current ? '*' : ' ', p->addrstr,
		    p->name != NULL ? " name=" : "",
		    p->name != NULL ? p->name : "",
		    p->nick != NULL ? " nick=" : "",
		    p->nick != NULL ? p->nick : "",
		    peer_kind_name(p->kind), peer_state_name(p->state),
		    !p->has_key ? "" : p->trust == TRUST_CHANGED ?
		    " KEY CHANGED" : " encrypted (key ",
		    p->has_key && p->trust != TRUST_CHANGED ?
		    peer_trust_name(p->trust) : "",
		    p->has_key && p->trust != TRUST_CHANGED ? ")" : "");
	}
	return 0;
}

static int
cmd_stats_exec(struct app *app, int argc, char **argv, char **cause)
{
	struct net_peer_stats	 ps;
	struct net_stats	 st;
	struct lan_stats	 lan;
	struct peer		*p;

	(void)argc;
	(void)argv;
	(void)cause;
	net_get_stats(app->net, &st);
	app_info(app, "datagrams in %" PRIu64 ", out %" PRIu64 ", "
	    "retransmitted %" PRIu64 ", withheld %" PRIu64 "; dropped: "
	    "malformed %" PRIu64 ", binary %" PRIu64 ", forged %" PRIu64
	    ", replayed %" PRIu64 ", unsealed %" PRIu64 ", over rate limit %"
	    PRIu64 ", no room %" PRIu64 ", from strangers %" PRIu64,
	    st.datagrams_in, st.datagrams_out, st.retransmits, st.withheld,
	    st.malformed, st.binary, st.forged, st.replayed, st.unsealed,
	    st.flooded, st.dropped, st.unknown);
	if (net_discovery_on(app->net)) {
		net_lan_stats(app->net, &lan);
		app_info(app, "LAN discovery: taken %" PRIu64 ", sent %" PRIu64
		    "; dropped: malformed %" PRIu64 ", over rate limit %"
		    PRIu64 ", table full %" PRIu64 "; send errors %" PRIu64,
		    lan.in, lan.out, lan.malformed, lan.limited, lan.full,
		    lan.errors);
	}
	for (p = app->peers.head; p != NULL; p = p->next) {
		if (net_peer_get_stats(app->net, (struct sockaddr *)&p->addr,
		    &ps) != 0)
			continue;
		app_info(app, "%s: datagrams in %" PRIu64 ", over rate limit "
		    "%" PRIu64 ", unacknowledged %zu, rtt %.2f ms, rto %u ms",
		    p->addrstr, ps.datagrams_in, ps.flooded, ps.outstanding,
		    ps.srtt, ps.rto);
	}
	return 0;
}

static int
cmd_close_exec(struct app *app, int argc, char **argv, char **cause)
{
	struct peer	*p;

	if (argc == 0) {
		if ((p = app->current) == NULL)
			return cmd_error(cause, UV_EINVAL, "/close: no current "
			    "peer; usage: /close PEER");
	} else if ((p = peer_find(&app->peers, argv[0])) == NULL)
		return cmd_error(cause, UV_ENOENT, "/close: no peer called %s",
		    argv[0]);
	return app_peer_close(app, p);
}

const struct cmd_entry cmd_peer_entry = {
	.name = "peer",
	.args = "ADDR [NAME]",
	.help = "add a peer (ip:port, [ipv6]:port or host:port) or select a "
	    "known one, and talk to it",
	.min_args = 1,
	.max_args = 2,
	.exec = cmd_peer_exec,
};

const struct cmd_entry cmd_msg_entry = {
	.name = "msg",
	.args = "PEER TEXT",
	.help = "send TEXT to PEER (name, nick or address) without switching",
	.min_args = 2,
	.max_args = 2,
	.flags = CMD_REST,
	.exec = cmd_msg_exec,
};

const struct cmd_entry cmd_peers_entry = {
	.name = "peers",
	.args = "",
	.help = "list peers: address, name, nick, kind, state, and whether "
	    "encrypted and with which key (new, known, verified, changed)",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_peers_exec,
};

const struct cmd_entry cmd_stats_entry = {
	.name = "stats",
	.args = "",
	.help = "traffic counters: what was received, resent and dropped, "
	    "in all and per peer",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_stats_exec,
};

const struct cmd_entry cmd_close_entry = {
	.name = "close",
	.args = "[PEER]",
	.help = "forget a peer (the current one by default); "
	    "its undelivered messages fail",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_close_exec,
};
