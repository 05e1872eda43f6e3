/*
 * link.h: net/'s private view of one peer: its kind and state, and the
 * reliable, ordered stream in each direction (uvqq peers only). Shared by
 * net.c (socket, dispatch, timers), net_peer.c (the core's calls on peers)
 * and link.c (reliability).
 */
#ifndef UVQQ_LINK_H
#define UVQQ_LINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <uv.h>

#include "net/bucket.h"
#include "net/net.h"
#include "net/proto.h"
#include "net/seal.h"

#define LINK_TX_WINDOW	4096	/* segments in flight, not yet acknowledged, */
#define LINK_PIPE_BYTES	(256u << 10)	/* and their text at most this much */
#define LINK_RX_WINDOW	4096	/* segments the receiver holds out of order */
#define LINK_RX_SMALL	64	/* its window once the budget below is spent */
#define LINK_MAX_TRIES	10	/* transmissions before a message fails, */
#define LINK_GIVE_UP_MS	15000	/* and this long without an acknowledgement */
#define LINK_RTO_INIT	500	/* ms, before any RTT sample */
#define LINK_RTO_MIN	30	/* ms; duplicates cost little, stalls a lot */
#define LINK_RTO_MAX	4000	/* ms */
#define LINK_SILENCE_MS	2000	/* a peer heard within this is there, */
#define LINK_FRONT_SEGS	64	/* and the front of the stream it has not
				   acknowledged is resent without backoff */
#define NET_MAX_LINKS	4096	/* peers, known or not */
#define NET_RECV_BATCH	20	/* datagrams a recvmmsg (libuv's most) */
#define NET_RX_BYTES_MAX (32u << 20)	/* held out of order, all peers */
#define NET_RX_SLOTS_MAX (64 * LINK_RX_WINDOW)	/* receive windows, all peers */
#define NET_HS_REPEATS	3	/* datagrams past what a stranger sent */

/* One datagram's worth of a message, waiting for its acknowledgement. */
struct segment {
	uint64_t	 seq;
	uint64_t	 msgid;
	unsigned	 frag, nfrags;
	char		*body;		/* owned */
	size_t		 len;
	uint64_t	 sent_us;	/* last transmission, uv_hrtime()/1000 */
	uint64_t	 first_sent;	/* ms (uv_now) */
	uint64_t	 last_sent;	/* ms (uv_now) */
	uint64_t	 deadline;	/* ms (uv_now) of the next retransmit */
	unsigned	 tries;		/* transmissions so far */
	unsigned	 timeouts;	/* of which timeouts in a row while the
					   peer was silent: backoff */
	int		 sacked;
	struct segment	*next;
};

/* A message queued while we do not yet know what kind of peer this is. */
struct pending {
	uint64_t	 id;
	char		*text;
	size_t		 len;
	struct pending	*next;
};

/*
 * A sealed session with one run of the peer (session.c): who it is (its
 * identity key, and the user id and nick its handshake gave), the keys,
 * our last counter and the window of theirs.
 */
struct session {
	uint64_t		 sid;		/* theirs; 0: none */
	uint64_t		 uid;
	uint8_t			 ikey[PROTO_KEY_BYTES];
	uint8_t			 ekey[PROTO_KEY_BYTES];
	char			 nick[PROTO_NICK_MAX + 1];
	int			 packs;
	struct seal_keys	 keys;
	uint64_t		 tx;		/* our last counter */
	struct seal_window	 rx;		/* theirs, opened */
	uint64_t		 since;		/* ms, when it was proposed */
};

/* A segment received out of order. */
struct rx_slot {
	int		 used;
	uint64_t	 msgid;
	unsigned	 frag, nfrags;
	char		*body;
	size_t		 len;
};

struct link {
	struct net		*net;
	struct sockaddr_storage	 addr;
	char			 addrstr[EV_ADDRLEN];
	enum peer_kind		 kind;
	enum peer_state		 state;
	char			 nick[PROTO_NICK_MAX + 1];	/* "" unknown */
	uint64_t		 rsid;		/* their session: cur.sid, 0 none */
	uint64_t		 ruid;		/* their user id, 0 before it */
	/*
	 * cur is the session both sides proved (a seal of each opened at the
	 * other). cand is one a HELLO or WELCOME in the clear proposes: it
	 * takes over only when a seal from it opens, so a replayed handshake
	 * never displaces the session in use.
	 */
	struct session		 cur;
	struct session		 cand;
	int			 heard_uvqq;	/* it sent us a uvqq frame */
	int			 peer_has_us;	/* cur sealed to us, or proved
						   itself again after we took it */
	int			 held;		/* a new session: no messages
						   until the core knows its key */
	uint64_t		 probe_start;	/* ms, while probing */
	uint64_t		 probe_deadline;
	unsigned		 probes;	/* HELLOs sent while probing */
	uint64_t		 last_heard;	/* ms */
	uint64_t		 last_sent;	/* ms */
	uint64_t		 last_hello;	/* ms, to rate-limit HELLOs */
	uint64_t		 probe_us;	/* HELLO or PING sent, for RTT */
	uv_timer_t		 timer;		/* probe and retransmission */
	uint64_t		 timer_due;	/* ms (uv_now) it is set for */
	int			 timer_grace;	/* fired late; waits a turn */
	int			 forgotten;	/* closing; ignore it */
	int			 packs;		/* takes packed datagrams */
	int			 known;		/* added by us, not a stranger */
	int			 validated;	/* known, or it named our session */
	unsigned		 greetings;	/* HELLOs to a stranger's text */
	uint64_t		 hello_due;	/* ms of the next HELLO, 0: none */
	unsigned		 hello_tries;	/* repeats, for the backoff */
	uint64_t		 bytes_in;	/* for link_may_send */
	uint64_t		 bytes_out;
	uint64_t		 datagrams_out;
	struct bucket		 tokens;	/* rate limit for plain text */
	uint64_t		 datagrams_in;
	uint64_t		 flooded;

	/* Sending: segments not yet cumulatively acknowledged, in order. */
	struct pending		*pend_head, **pend_tail;
	struct segment		*tx_head, *tx_tail;
	struct segment		*tx_next;	/* first never sent */
	uint64_t		 next_seq;
	size_t			 tx_messages;	/* distinct messages in tx */
	size_t			 pipe;		/* sent, not yet (s)acked */
	size_t			 pipe_bytes;	/* their text */
	double			 srtt, rttvar;	/* ms, 0 before a sample */
	int			 rtt_from_data;	/* not just a handshake's */
	uint64_t		 rack_us;	/* newest send time acknowledged */
	unsigned		 rto;		/* ms */

	/* Receiving: the stream from session rx_sid. */
	uint64_t		 rx_sid;
	uint64_t		 rx_next;	/* next seq to deliver */
	uint64_t		 rx_ackable;	/* first seq the core has not stored */
	uint64_t		 rx_complete;	/* after the last whole message */
	struct rx_slot		*rx_slots;	/* rx_cap of them, lazily */
	unsigned		 rx_cap;	/* LINK_RX_WINDOW, or small */
	size_t			 rx_held;	/* slots in use */
	uint64_t		 rx_msgid;	/* message being reassembled */
	unsigned		 rx_frag;	/* next fragment expected, 0: a start */
	unsigned		 rx_nfrags;
	char			*rx_buf;
	size_t			 rx_len;
	int			 ack_due;
	int			 pump_due;	/* messages queued this turn */
	int			 due_listed;	/* on net->due_list */

	struct link		*next;
	struct link		*due_next;	/* on net->due_list */
	struct link		*confirm_next;	/* on net->confirm_list */
	int			 confirm_due;
};

struct net {
	uv_loop_t		*loop;
	struct evq		*evq;
	uv_udp_t		 udp;
	uv_timer_t		 tick;		/* heartbeats, probes */
	uv_check_t		 flush;		/* sends, ACKs: once a turn */
	uv_idle_t		 kick;		/* no sleep before flush */
	int			 family;	/* of the bound socket */
	struct sockaddr_storage	 bound;		/* with the real port */
	uint64_t		 sid;
	char			 nick[PROTO_NICK_MAX + 1];
	char			 local[EV_ADDRLEN];
	unsigned		 heartbeat_ms;
	unsigned		 probe_ms;
	unsigned		 rate_limit;
	int			 known_only;
	size_t			 rx_bytes;	/* held out of order */
	size_t			 rx_slots_total;	/* in receive windows */
	struct link		*links;
	size_t			 nlinks;
	struct link		*due_list;	/* ACK or messages to send */
	struct link		*confirm_list;	/* delivered, not yet stored */
	uint64_t		 uid;
	struct lan		*lan;		/* discovery; NULL: off */
	struct net_stats	 stats;
	int			 closing;
	int			 pending_closes;
	void			(*close_cb)(void *);
	void			*close_arg;
	char			 rxbuf[NET_RECV_BATCH * 65536];
	char			 txbuf[PROTO_MAX_DATAGRAM + 1];
	char			 pack[PROTO_PACK_MAX];	/* for packlink */
	size_t			 packlen;
	struct link		*packlink;
	struct seal_keypair	 identity;	/* ours, long-term */
	struct seal_keypair	 eph;		/* ours, for this run */
};

/* net.c */
int	 net_sendto(struct net *, const struct sockaddr *, const char *,
	     size_t);
/* Whether len bytes may go to l now, and sending them through that rule. */
int	 link_may_send(const struct link *, size_t len);
int	 link_sendto(struct link *, const char *, size_t);
int	 net_send_frame(struct net *, struct link *, struct frame *);
int	 net_pack_frame(struct net *, struct link *, struct frame *);
void	 net_pack_flush(struct net *);
void	 net_emit_peer(struct net *, struct link *);
void	 net_emit_id(struct net *, struct link *, enum ev_kind, uint64_t,
	     const char *);
void	 link_set_state(struct link *, enum peer_kind, enum peer_state);
void	 net_wake(struct net *);
/* The link table, for net_peer.c's add, forget and lookups. */
struct link	*link_find(struct net *, const struct sockaddr *);
struct link	*link_new(struct net *, const struct sockaddr *, enum peer_kind,
		     enum peer_state);
void	 link_destroy(struct link *);
/* Bare text to a plain peer, cut into PROTO_PLAIN_CHUNK datagrams. */
void	 link_send_plain(struct link *, const char *, size_t);

/* handshake.c */
/* HELLO in the clear (a probe, a repeat, a greeting) to one peer. */
int	 hs_send_hello(struct link *);
/* A sealed PING to the session we took: a heartbeat, an RTT sample, and
 * what completes the peer's side of the handshake. */
int	 hs_send_ping(struct link *);
/* Our new nick: sealed to a peer with a session, else in a HELLO. */
int	 hs_send_nick(struct link *);
/* Probe a peer we added: HELLOs until it answers or the probe timeout. */
void	 hs_probe(struct link *);
/* A uvqq peer remembered from an earlier run: HELLO until it answers. */
void	 hs_restore(struct link *);
/* A HELLO or WELCOME in the clear. */
void	 hs_on_hello(struct link *, const struct frame *);
void	 hs_on_welcome(struct link *, const struct frame *,
	     const char *datagram);
/* A seal from session s (cur or cand) opened. */
void	 hs_on_sealed(struct link *, const struct session *);
/* A uvqq frame we cannot use: no session with its sender (a restart, a
 * lost handshake, a frame in the clear): ask for one. */
void	 hs_on_stranger_frame(struct link *);
/* We write to a stranger: it is ours to write to now. */
void	 hs_adopt(struct link *);
/* Bare text arrived from l. */
void	 hs_on_text(struct link *);
/* The link's timer: probes, the probe timeout, handshake repeats. */
void	 hs_on_timer(struct link *);
void	 hs_become_plain(struct link *);
void	 hs_rtt_from_probe(struct link *);
/* Each side knows the other's current session. */
int	 hs_complete(const struct link *);

/* session.c */
/* Make s the session with (f's sid, keys) unless it already is: 0, or
 * UV_EINVAL for keys no session can come of. */
int	 session_set(struct link *, struct session *, const struct frame *);
/* Seal a datagram's worth of frames (at most PROTO_SEALED_MAX) to the
 * current session and send it. */
int	 session_send(struct link *, const char *, size_t);
/* The proof a WELCOME carries: base64url of a seal of nothing, bound to
 * the header; and checking one. */
int	 session_prove(struct link *, struct session *, struct frame *,
	     char *body, size_t size);
int	 session_check_proof(struct link *, struct session *,
	     const struct frame *, const char *datagram);
/* Open a SEAL datagram from cur or cand into plain (PROTO_SEALED_MAX):
 * its length, or a negative code (counted in the stats). *which says
 * which session opened it. */
int	 session_open(struct link *, const struct frame *, const char *datagram,
	     char *plain, struct session **which);
/* Take cand as the current session. */
void	 session_commit(struct link *);

/* link.c */
void	 link_init_stream(struct link *);
void	 link_free_stream(struct link *);
int	 link_queue(struct link *, uint64_t id, const char *, size_t);
void	 link_on_msg(struct link *, const struct frame *);
void	 link_on_ack(struct link *, const struct frame *);
void	 link_send_ack(struct link *);
void	 link_pump(struct link *);
void	 link_pump_later(struct link *);
void	 link_arm_timer(struct link *);
void	 link_fail_all(struct link *, const char *reason);
void	 link_rtt_sample(struct link *, double ms, int from_data);
void	 link_peer_restarted(struct link *);

#endif
