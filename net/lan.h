/*
 * lan.h: finding uvqq peers on the LAN without typing addresses.
 *
 * Every uvqq announces itself (a LAN frame: nick, identity key, chat port)
 * by IPv4 broadcast and IPv6 all-nodes multicast (ff02::1) to a
 * well-known port that every uvqq on a host shares (SO_REUSEADDR), on
 * start, on /nick, every heartbeat and on a clean exit. Announcements at
 * start ask for an answer, sent unicast to the chat port after a random
 * delay. What is found is a claim only ("someone says this nick is
 * here"): it is never trusted for more, and a peer's key is proved by
 * its sealed session as for any other.
 *
 * Hostile LANs: the table is fixed (LAN_MAX_PEERS); strangers share one
 * budget and peers found have their own, so a flood cannot starve them;
 * only a peer's own address says bye or renames it; answers are
 * rate-limited in total and never larger than what asked for them.
 */
#ifndef UVQQ_LAN_H
#define UVQQ_LAN_H

#include <stdint.h>
#include <sys/socket.h>

#include "net/proto.h"
#include "src/evq.h"

#define LAN_PORT		28097	/* the well-known discovery port */
#define LAN_MAX_PEERS		256	/* found at a time, whatever comes */
#define LAN_ANNOUNCE_LEN	320	/* an announcement's size: room for
					   any answer (an answer is never
					   larger than its question) */

struct net;
struct lan;

/* One peer found on the LAN, as /who lists it. */
struct lan_peer_info {
	const char	*addr;		/* its chat address */
	const char	*nick;
	const char	*fingerprint;	/* of the key it announced */
	int		 online;
	uint64_t	 seen_ms_ago;
};

struct lan_stats {
	uint64_t	 in;		/* LAN frames taken */
	uint64_t	 out;		/* announcements and answers sent */
	uint64_t	 malformed;	/* on the discovery port, not a LAN frame */
	uint64_t	 limited;	/* dropped by a rate limit */
	uint64_t	 full;		/* a new peer, with the table full */
	uint64_t	 errors;	/* sends that failed */
};

/*
 * Start discovery on n: bind the well-known port and announce. Returns 0,
 * UV_EADDRNOTAVAIL when n is bound to loopback (nobody on a LAN could
 * reach us), or an error from binding.
 */
int	 lan_start(struct net *n, struct lan **out);
/*
 * Say bye (when bye) and stop; every peer found is forgotten (EV_PEER,
 * forgotten). closed(arg), if given, runs once every handle is closed.
 */
void	 lan_stop(struct lan *, int bye, void (*closed)(void *), void *arg);
/* A LAN frame that came to the chat socket (an answer). */
void	 lan_on_frame(struct lan *, const struct frame *,
	     const struct sockaddr *from, size_t len);
/* A datagram that came to the discovery port; the fuzzer feeds it too. */
void	 lan_receive(struct lan *, const char *buf, size_t len,
	     const struct sockaddr *from);
/* Our nick changed: tell the LAN. */
void	 lan_announce(struct lan *);
/* Call cb for each peer found, most recently seen first. */
void	 lan_foreach(struct lan *, void (*cb)(void *,
	     const struct lan_peer_info *), void *arg);
void	 lan_get_stats(const struct lan *, struct lan_stats *);

#endif
