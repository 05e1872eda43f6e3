/*
 * handshake.c: what kind of peer an address is, and the session handshake
 * between two uvqq, made to survive a lossy path.
 *
 * A peer we add is probed: up to HS_PROBES HELLOs within the probe
 * timeout, stopping at the first answer. A WELCOME or a HELLO makes it a
 * uvqq peer; bare text, our own HELLO reflected (an echo server) or
 * silence until the timeout make it plain, and from then on it sees only
 * what is typed to it.
 *
 * Between two uvqq, HELLO and WELCOME carry each side's identity key (i=)
 * and a key for this run (e=), from which both derive the session's keys
 * (seal.c). A WELCOME proves its sender holds its identity key: its body
 * is a seal of nothing under the new keys. The handshake is complete when
 * a proof from the peer's session has opened here: that session becomes
 * the current one (session.c), and the peer has our keys too, since it
 * sealed with them. Until then the side that knows the other speaks uvqq
 * says HELLO again, backing off, so a lost WELCOME never costs the
 * session, and a uvqq never takes a peer that has spoken uvqq for plain.
 * Everything after the handshake travels sealed (session_send).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/link.h"

#define HS_PROBES	5	/* HELLOs to a peer of unknown kind */
#define HS_REPEAT_MS	100	/* first repeat of an unfinished handshake:
				   a stranger's three then fall within the
				   second its probe waits for an answer */
#define HS_TEXT_MS	1000	/* HELLOs in answer to bare text, at most */
#define HS_GREETINGS	3	/* HELLOs to a stranger's text, in all */

/* When each probe goes, in thousandths of the probe timeout. */
static const unsigned	probe_at[HS_PROBES] = { 0, 100, 250, 500, 750 };

/*
 * Shown to plain peers (the tutorial prints each datagram). Its length
 * also pays for the answer: an address that has not shown it receives
 * our datagrams gets no more bytes than it sent (link_may_send), so a
 * HELLO must outweigh a WELCOME and its repeats, as QUIC pads its first
 * packet.
 */
static const char hello_text[] =
    "Hello! This is %s, chatting with uvqq: a messenger for the terminal "
    "that also talks to plain UDP chat programs such as yours. Just reply "
    "with text to talk: %s reads what you type, and you will see only "
    "what %s types. uvqq says this hello a few times within a second, in "
    "case the network loses one; a uvqq at your end would answer it, a "
    "chat program like yours need not. The greeting is long on purpose: "
    "its size is what lets a uvqq answer it without ever sending more "
    "than it received.";

/* What HELLO and WELCOME share: who we are, and our keys. */
static void
handshake_frame(struct link *l, struct frame *f, enum frame_type type,
    uint64_t dsid)
{
	struct net	*n = l->net;

	memset(f, 0, sizeof *f);
	f->type = type;
	f->sid = n->sid;
	f->dsid = dsid;
	memcpy(f->nick, n->nick, sizeof f->nick);
	memcpy(f->ikey, n->identity.pk, sizeof f->ikey);
	memcpy(f->ekey, n->eph.pk, sizeof f->ekey);
	f->packs = 1;
}

int
hs_send_hello(struct link *l)
{
	struct net	*n = l->net;
	struct frame	 f;
	char		 body[sizeof hello_text + 3 * PROTO_NICK_MAX];
	char		 buf[PROTO_PACK_MAX];
	int		 len, r;

	handshake_frame(l, &f, FRAME_HELLO,
	    l->cand.sid != 0 ? l->cand.sid : l->rsid);
	/*
	 * The greeting is for a person who may be reading (a plain peer, or
	 * one whose kind we do not know), and for a uvqq that may not know
	 * us: it pays for the answer. A stranger's own repeats do without.
	 */
	if (l->kind == PEER_PLAIN || (l->validated && !hs_complete(l))) {
		len = snprintf(body, sizeof body, hello_text, n->nick,
		    n->nick, n->nick);
		f.body = body;
		f.bodylen = len > 0 ? (size_t)len : 0;
	}
	if ((len = proto_encode(&f, buf, sizeof buf)) < 0)
		return len;
	/* To a stranger whose text has not paid for the greeting, the
	 * bare header is enough for a uvqq that took us for plain. */
	if (f.body != NULL && !link_may_send(l, (size_t)len)) {
		f.body = NULL;
		f.bodylen = 0;
		if ((len = proto_encode(&f, buf, sizeof buf)) < 0)
			return len;
	}
	if ((r = link_sendto(l, buf, (size_t)len)) != 0)
		return r;
	l->last_hello = uv_now(n->loop);
	l->probe_us = uv_hrtime() / 1000;
	return 0;
}

/* Answer the HELLO (or news) of session s, with our proof under its keys. */
static int
send_welcome(struct link *l, struct session *s)
{
	struct frame	 f;
	char		 proof[64], buf[PROTO_PACK_MAX];
	int		 len;

	handshake_frame(l, &f, FRAME_WELCOME, s->sid);
	if ((len = session_prove(l, s, &f, proof, sizeof proof)) < 0)
		return len;
	f.body = proof;
	f.bodylen = (size_t)len;
	if ((len = proto_encode(&f, buf, sizeof buf)) < 0)
		return len;
	return link_sendto(l, buf, (size_t)len);
}

/*
 * A sealed PING to the session we took: it opens only with our keys, so it
 * tells the peer we took its session too (it takes ours on it), and it is
 * answered sealed, which tells us it did.
 */
int
hs_send_ping(struct link *l)
{
	struct frame	 f;

	memset(&f, 0, sizeof f);
	f.type = FRAME_PING;
	f.dsid = l->rsid;
	l->probe_us = uv_hrtime() / 1000;
	return net_send_frame(l->net, l, &f);
}

/* Our new nick, to a peer: sealed once there is a session. */
int
hs_send_nick(struct link *l)
{
	struct frame	 f;

	if (l->rsid == 0)
		return hs_send_hello(l);
	handshake_frame(l, &f, FRAME_HELLO, l->rsid);
	return net_send_frame(l->net, l, &f);
}

/*
 * Complete: we took its session (its proof opened here), no newer one is
 * pending, and it took ours (a seal from it opened, which it sends only
 * to a session it took, or it proved itself again after we took it).
 */
int
hs_complete(const struct link *l)
{
	return l->rsid != 0 && l->cand.sid == 0 && l->peer_has_us;
}

/*
 * The next repeat of an unfinished handshake with a uvqq peer (a HELLO,
 * a WELCOME or a sealed PING: hs_on_timer): soon, then less and less
 * often, at last once a heartbeat (the heartbeat of a peer without a
 * session). A stranger gets a few at most.
 */
static void
hs_schedule(struct link *l)
{
	struct net	*n = l->net;
	unsigned	 ms;

	if (hs_complete(l))
		l->hello_tries = 0;
	/* Our own probes keep their schedule (probe_next). */
	if (l->kind != PEER_UVQQ || (l->state == PEER_PROBING && l->known) ||
	    hs_complete(l) || (!l->validated &&
	    l->hello_tries >= NET_HS_REPEATS)) {
		l->hello_due = 0;
		return;
	}
	ms = HS_REPEAT_MS << (l->hello_tries < 8 ? l->hello_tries : 8);
	if (ms > n->heartbeat_ms)
		ms = n->heartbeat_ms;
	l->hello_due = uv_now(n->loop) + ms;
	link_arm_timer(l);
}

/* The kind is known now: send what waited for it. */
static void
flush_pending(struct link *l)
{
	struct pending	*p;
	int		 r;

	while ((p = l->pend_head) != NULL) {
		l->pend_head = p->next;
		if (l->kind == PEER_PLAIN)
			link_send_plain(l, p->text, p->len);
		else if ((r = link_queue(l, p->id, p->text, p->len)) != 0)
			net_emit_id(l->net, l, EV_FAILED, p->id,
			    uv_strerror(r));
		free(p->text);
		free(p);
	}
	l->pend_tail = &l->pend_head;
	link_pump(l);
}

void
hs_become_plain(struct link *l)
{
	l->hello_due = 0;
	link_set_state(l, PEER_PLAIN, PEER_ONLINE);
	flush_pending(l);
	link_arm_timer(l);
}

/* The candidate proved itself: it is the peer's session now. */
static void
become_uvqq(struct link *l)
{
	if (l->state == PEER_PROBING)
		l->hello_due = 0;	/* no more probes */
	session_commit(l);
	l->validated = 1;
	l->peer_has_us = 0;
	l->hello_tries = 0;	/* its side is new: repeat soon again */
	/* Whose key this is, the core decides (trust on first use): until
	 * it releases the link, nothing waiting goes to it. */
	l->held = 1;
	if (l->cur.nick[0] != '\0')
		memcpy(l->nick, l->cur.nick, sizeof l->nick);
	l->kind = PEER_UVQQ;
	l->state = PEER_ONLINE;
	/* Always told: the key, or the run, may be new. */
	net_emit_peer(l->net, l);
	flush_pending(l);
}

/* A WELCOME or PONG answers our last HELLO or PING, most likely: until
 * data is acknowledged its round trip stands in, so the first message
 * already has a timeout fit for the path. */
void
hs_rtt_from_probe(struct link *l)
{
	uint64_t	 now_us = uv_hrtime() / 1000;

	if (l->probe_us != 0 && now_us >= l->probe_us)
		link_rtt_sample(l, (double)(now_us - l->probe_us) / 1000.0,
		    0);
	l->probe_us = 0;
}

static void
probe_next(struct link *l)
{
	struct net	*n = l->net;

	hs_send_hello(l);
	l->probes++;
	l->hello_due = l->probes < HS_PROBES ? l->probe_start +
	    (uint64_t)n->probe_ms * probe_at[l->probes] / 1000 : 0;
}

void
hs_probe(struct link *l)
{
	struct net	*n = l->net;

	l->probe_start = uv_now(n->loop);
	l->probe_deadline = l->probe_start + n->probe_ms;
	l->probes = 0;
	probe_next(l);
	link_arm_timer(l);
}

static void
probe_expired(struct link *l)
{
	l->hello_due = 0;
	if (!l->heard_uvqq) {
		hs_become_plain(l);
		return;
	}
	/* It spoke uvqq to us but never finished the handshake. */
	link_set_state(l, PEER_UVQQ, PEER_OFFLINE);
	flush_pending(l);
	hs_schedule(l);
}

void
hs_on_timer(struct link *l)
{
	uint64_t	 now = uv_now(l->net->loop);

	if (l->state == PEER_PROBING && now >= l->probe_deadline) {
		probe_expired(l);
		return;
	}
	if (l->hello_due == 0 || now < l->hello_due)
		return;
	if (l->state == PEER_PROBING && l->known) {
		probe_next(l);
		return;
	}
	/*
	 * A session it proposed: our proof for it is all it needs, one way.
	 * Once we took its session, ours may be what is missing. Else ask.
	 */
	if (l->cand.sid != 0)
		send_welcome(l, &l->cand);
	else if (l->rsid != 0)
		hs_send_ping(l);
	else
		hs_send_hello(l);
	l->hello_tries++;
	hs_schedule(l);
}

void
hs_restore(struct link *l)
{
	hs_send_hello(l);
	hs_schedule(l);
}

/*
 * The session in use is alive: a candidate that did not prove itself in a
 * heartbeat was a replay. A younger one may be a real restart whose
 * proof is on its way while the old run's last seals still arrive.
 */
static void
drop_stale_cand(struct link *l)
{
	struct net	*n = l->net;

	if (l->cand.sid != 0 &&
	    uv_now(n->loop) - l->cand.since >= n->heartbeat_ms)
		seal_wipe(&l->cand, sizeof l->cand);
}

/* After anything the handshake hears: repeat HELLO while unfinished. */
static void
hs_after(struct link *l)
{
	if (l->hello_due == 0 || hs_complete(l))
		hs_schedule(l);
}

void
hs_on_hello(struct link *l, const struct frame *f)
{
	struct net	*n = l->net;
	struct session	*s;

	if (f->dsid == n->sid)
		l->validated = 1;	/* it heard us at this address */
	if (l->rsid != 0 && f->sid == l->rsid)
		s = &l->cur;	/* a repeat: it lacks our proof */
	else if (session_set(l, &l->cand, f) == 0)
		s = &l->cand;
	else {
		n->stats.forged++;	/* keys no session comes of */
		return;
	}
	l->heard_uvqq = 1;
	if (l->state == PEER_PROBING)
		l->hello_due = 0;	/* a uvqq: no more probes */
	send_welcome(l, s);
	hs_after(l);
}

void
hs_on_welcome(struct link *l, const struct frame *f, const char *datagram)
{
	struct net	*n = l->net;

	if (f->dsid != n->sid)
		return;		/* an answer to an earlier run of ours */
	l->validated = 1;
	l->heard_uvqq = 1;
	if (l->rsid != 0 && f->sid == l->rsid) {
		/*
		 * The session in use, alive: a candidate was a replay. It
		 * may not have taken ours yet (it still proves itself): a
		 * sealed PING lets it.
		 */
		if (session_check_proof(l, &l->cur, f, datagram) == 0) {
			drop_stale_cand(l);
			if (!l->peer_has_us)
				hs_send_ping(l);
		}
		hs_after(l);
		return;
	}
	if (session_set(l, &l->cand, f) != 0 ||
	    session_check_proof(l, &l->cand, f, datagram) != 0) {
		n->stats.forged++;
		return;
	}
	hs_rtt_from_probe(l);
	become_uvqq(l);
	hs_send_ping(l);	/* that completes its side */
	hs_after(l);
}

void
hs_on_sealed(struct link *l, const struct session *s)
{
	/*
	 * A seal from the candidate: it took our keys, they are the ones. A
	 * seal from the session in use: a candidate was a replay (a real
	 * restart says HELLO again).
	 */
	if (s == &l->cand)
		become_uvqq(l);
	else
		drop_stale_cand(l);
	l->peer_has_us = 1;
	hs_after(l);
}

void
hs_on_stranger_frame(struct link *l)
{
	/*
	 * It speaks uvqq, but we have no session with this run of it (a
	 * lost handshake, a restart, or we took it for plain): ask, once a
	 * second at most.
	 */
	l->heard_uvqq = 1;
	if (uv_now(l->net->loop) - l->last_hello >= HS_TEXT_MS)
		hs_send_hello(l);
	hs_after(l);
}

void
hs_on_text(struct link *l)
{
	struct net	*n = l->net;

	if (l->kind == PEER_UVQQ && l->state == PEER_PROBING &&
	    !l->heard_uvqq) {
		hs_become_plain(l);	/* it answered our probe with text */
		return;
	}
	/*
	 * Text from an address that speaks uvqq to us: it took us for
	 * plain. Text from a stranger: it may be a uvqq that did (all its
	 * probes lost, or we were not up yet), so greet it, a few times in
	 * case a greeting is lost. A plain peer we probed ourselves hears
	 * nothing more.
	 */
	if (uv_now(n->loop) - l->last_hello < HS_TEXT_MS)
		return;
	if (l->kind == PEER_UVQQ)
		hs_send_hello(l);
	else if (!l->known && l->greetings < HS_GREETINGS &&
	    hs_send_hello(l) == 0)
		l->greetings++;
}

void
hs_adopt(struct link *l)
{
	l->known = l->validated = 1;
	/* A stranger's text may have been too little to pay for a greeting:
	 * now that we write to it, it gets one before what we type. */
	if (l->kind == PEER_PLAIN && l->greetings == 0 &&
	    hs_send_hello(l) == 0)
		l->greetings++;
}
