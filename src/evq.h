/* evq.h: the typed event queue that joins net/, ui/ and the core. */
#ifndef UVQQ_EVQ_H
#define UVQQ_EVQ_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

/* Longest formatted address: "[" + IPv6 text + "]:" + port. */
#define EV_ADDRLEN	64
/* The longest message, in bytes of UTF-8. */
#define UVQQ_MAX_TEXT	65536
/* A key's fingerprint as people read it, with its NUL (IDENTITY_FP_LEN). */
#define EV_FPLEN	40
/* Most addresses an EV_READY lists. */
#define EV_MAXADDRS	16

/* An address others can reach us at, and what kind it is (net/reach.h). */
struct ev_addr {
	char		 addr[EV_ADDRLEN];
	char		 kind[16];	/* yggdrasil, public, private, loopback */
};

enum ev_kind {
	EV_INPUT,	/* ui -> core: one line typed (text) */
	EV_INPUT_EOF,	/* ui -> core: the input is closed */
	EV_LOAD_OLDER,	/* ui -> core: up to id stored lines with peer before
			   rowid (0: the newest), answered as history
			   messages and one EV_INFO "N older", all with tag */
	EV_READY,	/* core -> ui: bound (peer = local address, nick,
			   text = our fingerprint, addrs = where others
			   reach us) */
	EV_PEER,	/* net -> core -> ui: a peer was added or changed */
	EV_CLOSED,	/* core -> ui: a peer was forgotten */
	EV_MOVED,	/* net -> core -> ui: a peer's session proved itself
			   from a new address (peer); text = the old one */
	EV_MESSAGE,	/* net -> core -> ui: text received (id, nick, text) */
	EV_SENT,	/* core -> ui: text handed to net (id, text) */
	EV_DELIVERED,	/* net -> core -> ui: acknowledged (id) */
	EV_FAILED,	/* net -> core -> ui: given up (id, text = reason) */
	EV_NICK,	/* core -> ui: our nick changed (nick) */
	EV_CURRENT,	/* core -> ui: the current peer changed (peer, "" none) */
	EV_OPTION,	/* core -> ui: an option changed (name, text = value) */
	EV_INFO,	/* command output (text) */
	EV_ERROR,	/* something went wrong, the program goes on (text) */
};

enum peer_state {
	PEER_PROBING,
	PEER_ONLINE,
	PEER_OFFLINE,
};

enum peer_kind {
	PEER_UVQQ,
	PEER_PLAIN,
};

/* What we make of a peer's identity key (src/trust.h). */
enum peer_trust {
	TRUST_NONE,	/* no sealed session: a plain peer, or none yet */
	TRUST_NEW,	/* first use: the key is remembered from now on */
	TRUST_KNOWN,	/* the key on record, at whatever address */
	TRUST_VERIFIED,	/* the key on record, accepted with /trust */
	TRUST_CHANGED,	/* not the key on record for this peer: nothing
			   goes to it until /trust */
};

/*
 * One event. Strings are owned by the event and freed by evq_free(), so
 * nothing points into a buffer that changes after the event was queued.
 */
struct event {
	enum ev_kind	 kind;
	char		 peer[EV_ADDRLEN];	/* "ip:port", "[ip6]:port" or "" */
	uint64_t	 id;			/* message id, 0 if none */
	enum peer_state	 state;			/* EV_PEER */
	enum peer_kind	 peer_kind;		/* EV_PEER, EV_MESSAGE */
	char		*nick;			/* owned, may be NULL */
	char		*name;			/* owned, local name of the peer */
	char		*text;			/* owned, may be NULL */
	uint64_t	 tag;			/* see below */
	uint64_t	 uid;			/* EV_MESSAGE: sender's user id */
	int64_t		 time;			/* unix ms; 0: now */
	int		 history;		/* replayed from the history */
	int		 outgoing;		/* history: a message of ours */
	int		 queued;		/* EV_FAILED: kept in the outbox */
	int64_t		 rowid;			/* stored: its row, else 0 */
	int		 duplicate;		/* EV_MESSAGE: stored before */
	int		 secure;		/* EV_PEER: a sealed session;
						   EV_MESSAGE: came sealed */
	unsigned char	 key[32];		/* EV_PEER: its identity key */
	enum peer_trust	 trust;			/* EV_PEER, EV_MESSAGE: set by
						   the core when secure */
	char		 fingerprint[EV_FPLEN];	/* EV_PEER: of key, "" none */
	int		 unsealed;		/* EV_MESSAGE: bare text from
						   the address of a uvqq peer */
	int		 final;			/* EV_FAILED: for good, not
						   kept in the outbox */
	int		 discovered;		/* EV_PEER: found on the LAN */
	int		 forgotten;		/* EV_PEER from net/lan.c: no
						   longer in its table */
	struct ev_addr	*addrs;			/* owned, EV_READY */
	int		 naddrs;
	struct event	*next;
};

typedef void (*evq_drain_cb)(void *arg, struct event *ev);

/* A FIFO drained once per loop turn by an idle handle. */
struct evq {
	struct event	*head;
	struct event	*tail;
	size_t		 length;
	size_t		 limit;		/* 0: unbounded */
	uint64_t	 dropped;	/* events refused because of limit */
	uint64_t	 tag;		/* stamped on events pushed meanwhile */
	uv_idle_t	 idle;
	evq_drain_cb	 drain;
	void		(*drained)(void *arg);	/* after a drain, once */
	void		*arg;
	int		 draining;
	int		 kept;		/* the handler took the current event */
};

int		 evq_init(struct evq *, uv_loop_t *, evq_drain_cb, void *);
void		 evq_close(struct evq *);
/* Call cb(arg) each time a drain has emptied the queue. */
void		 evq_on_drained(struct evq *, void (*cb)(void *));

struct event	*evq_new(enum ev_kind);
void		 evq_free(struct event *);
int		 event_set_text(struct event *, const char *, size_t);
int		 event_set_nick(struct event *, const char *);

/*
 * Takes ownership of ev, even when it fails (then ev is freed). While the
 * core runs an EV_INPUT line it sets q->tag to that line's tag, so every
 * event the line causes (its info and error lines, EV_CURRENT, ...) carries
 * it back: a front end can tell the answers to its own lines apart.
 */
int		 evq_push(struct evq *, struct event *);
/* Convenience: queue an EV_INFO or EV_ERROR with printf-style text. */
int		 evq_printf(struct evq *, enum ev_kind, const char *, ...)
		     __attribute__((format(printf, 3, 4)));
/* Called by a drain callback that keeps the event it was given: it is
 * then the callback's to evq_free() later. */
void		 evq_keep(struct evq *);
/* Run every queued event through the drain callback now. */
void		 evq_drain(struct evq *);

const char	*peer_state_name(enum peer_state);
const char	*peer_kind_name(enum peer_kind);
/* "new", "known", "verified", "changed"; "" for TRUST_NONE. */
const char	*peer_trust_name(enum peer_trust);

#endif
