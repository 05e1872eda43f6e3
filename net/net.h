/*
 * net.h: uvqq's transport. One UDP handle on the core's loop; peers are
 * found by address; what happens on the wire comes back to the core as
 * events on its queue (EV_PEER, EV_MESSAGE, EV_DELIVERED, EV_FAILED,
 * EV_ERROR). Nothing here knows about terminals.
 */
#ifndef UVQQ_NET_H
#define UVQQ_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <uv.h>

#include "net/seal.h"
#include "src/evq.h"

struct net;

struct net_config {
	const char	*bind;		/* numeric address to bind; NULL:
					   "::" (IPv4 too), or "0.0.0.0"
					   where there is no IPv6 */
	int		 port;		/* 0: any free port */
	const char	*nick;
	/* Our identity (NULL: a fresh one for this run); the user id is
	 * bound to its public key (identity_uid). */
	const struct seal_keypair *identity;
	unsigned	 heartbeat_ms;	/* PING interval; offline after 3 */
	unsigned	 probe_ms;	/* silence after HELLO means plain */
	unsigned	 rate_limit;	/* text datagrams/s from one plain peer;
					   0: no limit */
	int		 known_only;	/* ignore addresses not added by us */
};

struct net_stats {
	uint64_t	 datagrams_in;
	uint64_t	 datagrams_out;
	uint64_t	 malformed;	/* frames that failed to decode */
	uint64_t	 retransmits;
	uint64_t	 dropped;	/* refused for lack of room */
	uint64_t	 flooded;	/* over a peer's rate limit */
	uint64_t	 unknown;	/* from strangers, with known_only */
	uint64_t	 binary;	/* text datagrams that were not text */
	uint64_t	 withheld;	/* not sent: the address sent us less */
	uint64_t	 forged;	/* seals and proofs that did not open */
	uint64_t	 replayed;	/* seals and proofs opened before */
	uint64_t	 unsealed;	/* uvqq frames in the clear after the
					   handshake, or with no session */
};

struct net_peer_stats {
	uint64_t	 datagrams_in;
	uint64_t	 flooded;	/* text dropped over the rate limit */
	size_t		 outstanding;	/* messages not yet acknowledged */
	double		 srtt;		/* ms, 0 before a sample */
	unsigned	 rto;		/* ms */
};

/* Bind and start receiving. On failure nothing is left open. */
int		 net_open(struct net **, uv_loop_t *, struct evq *,
		     const struct net_config *);
/* Send BYE to uvqq peers and close; cb runs once every handle is closed. */
void		 net_close(struct net *, void (*cb)(void *), void *arg);

/* The bound address, "ip:port", with the real port. */
const char	*net_local_addr(const struct net *);
/* Up to max addresses others can reach us at, best first (reach.h). */
int		 net_reachable(const struct net *, struct ev_addr *, int max);
/* Whether the socket can talk to addresses of family (AF_INET, ...). */
int		 net_takes(const struct net *, int family);
uint64_t	 net_session_id(const struct net *);
uint64_t	 net_user_id(const struct net *);

/* Start talking to addr: probe it unless it is already known. */
int		 net_peer_add(struct net *, const struct sockaddr *);
/* A uvqq peer known from an earlier run: say HELLO, but never take its
 * silence for a plain peer; it is offline until it answers. */
int		 net_peer_restore(struct net *, const struct sockaddr *);
/*
 * A new sealed session holds what waits for the peer until the core has
 * checked its key (EV_PEER): release lets it go; refuse fails every
 * outstanding message with reason, and keeps holding.
 */
int		 net_peer_release(struct net *, const struct sockaddr *);
int		 net_peer_refuse(struct net *, const struct sockaddr *,
		     const char *reason);
/* Forget addr: its outstanding messages fail with reason "closed". */
int		 net_peer_forget(struct net *, const struct sockaddr *);
/*
 * Queue text (valid UTF-8, at most PROTO_MAX_TEXT bytes) for addr under
 * the caller's message id. uvqq peers get it reliably and answer with
 * EV_DELIVERED or EV_FAILED; plain peers get bare text datagrams.
 */
int		 net_send(struct net *, const struct sockaddr *, uint64_t id,
		     const char *text, size_t len);
/*
 * Acknowledge every message handed to the core so far: the core calls
 * this once it has stored them, so an acknowledged message is never lost.
 */
void		 net_confirm(struct net *);
/*
 * Send now what this loop turn queued (net does it at the end of the
 * turn): the core calls this before a commit, so that messages travel
 * while it writes. Their ids are reserved on disk, so a crash before the
 * commit cannot reuse them.
 */
void		 net_flush(struct net *);
/* What the socket delivers goes here; the fuzzer feeds it too. */
void		 net_receive(struct net *, const char *, size_t,
		     const struct sockaddr *from);
/* Change the nick and tell every uvqq peer, and the LAN. */
int		 net_set_nick(struct net *, const char *);

/*
 * LAN discovery (net/lan.h) on or off. Peers found come as EV_PEER with
 * discovered set; forgotten when they leave the table. On: 0,
 * UV_EADDRNOTAVAIL when bound to loopback or to one IPv6 address, or an
 * error binding the discovery port.
 */
int		 net_discovery(struct net *, int on);
int		 net_discovery_on(const struct net *);
struct lan_peer_info;
struct lan_stats;
void		 net_lan_foreach(struct net *, void (*cb)(void *,
		     const struct lan_peer_info *), void *arg);
void		 net_lan_stats(const struct net *, struct lan_stats *);

/* Messages not yet delivered or failed, for a clean quit. */
size_t		 net_outstanding(const struct net *);
/* Give up on every outstanding message now. */
void		 net_fail_all(struct net *, const char *reason);
void		 net_get_stats(const struct net *, struct net_stats *);
int		 net_peer_get_stats(struct net *, const struct sockaddr *,
		     struct net_peer_stats *);
void		 net_set_known_only(struct net *, int);
void		 net_set_rate_limit(struct net *, unsigned);

#endif
