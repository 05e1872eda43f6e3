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
 * Between two uvqq the handshake is complete when each knows the other's
 * current session: we had its HELLO or WELCOME (hs_sid), and it sent us
 * a frame naming our session in d= (hs_confirmed). Until then the side
 * that knows the other speaks uvqq says HELLO again, backing off, so a
 * lost WELCOME never costs the session, and a uvqq never takes a peer
 * that has spoken uvqq to it for plain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/link.h"

#define HS_PROBES	5	/* HELLOs to a peer of unknown kind */
#define HS_REPEAT_MS	250	/* first repeat of an unfinished handshake */
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
    "Hello! This is %s chatting with uvqq, a terminal messenger that "
    "also talks to plain UDP chat programs such as yours. Just reply with "
    "text to talk; if this greeting came more than once, the network lost "
    "the answers.";

int
hs_send_hello(struct link *l, enum frame_type type)
{
	struct net	*n = l->net;
	struct frame	 f;
	char		 body[sizeof hello_text + PROTO_NICK_MAX];
	char		 buf[PROTO_PACK_MAX];
	int		 len, r;

	memset(&f, 0, sizeof f);
	f.type = type;
	f.sid = n->sid;
	f.dsid = l->rsid;
	memcpy(f.nick, n->nick, sizeof f.nick);
	f.uid = n->uid;
	f.packs = 1;
	/*
	 * The greeting is for a person who may be reading (a plain peer, or
	 * one whose kind we do not know), and for a uvqq that may not know
	 * us: it pays for the answer. A stranger's own repeats do without.
	 */
	if (type == FRAME_HELLO && (l->kind == PEER_PLAIN ||
	    (l->validated && !hs_complete(l)))) {
		len = snprintf(body, sizeof body, hello_text, n->nick);
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
	if (type == FRAME_HELLO)
		l->probe_us = uv_hrtime() / 1000;
	return 0;
}

int
hs_complete(const struct link *l)
{
	return l->rsid != 0 && l->hs_sid == l->rsid && l->hs_confirmed;
}

/*
 * The next HELLO of an unfinished handshake with a uvqq peer: soon, then
 * less and less often, at last once a heartbeat (it is the heartbeat of
 * a peer without a session). A stranger gets a few at most.
 */
static void
hs_schedule(struct link *l)
{
	struct net	*n = l->net;
	unsigned	 ms;

	if (hs_complete(l))
		l->hello_tries = 0;
	if (l->kind != PEER_UVQQ || l->state == PEER_PROBING ||
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

/* A HELLO or WELCOME from session f->sid: we know who it is now. */
static void
become_uvqq(struct link *l, const struct frame *f)
{
	int	 changed = 0;

	if (l->state == PEER_PROBING)
		l->hello_due = 0;	/* no more probes */
	l->hs_sid = f->sid;
	l->ruid = f->uid;
	l->packs = f->packs;
	if (f->nick[0] != '\0' && strcmp(l->nick, f->nick) != 0) {
		memcpy(l->nick, f->nick, sizeof l->nick);
		changed = 1;
	}
	if (l->kind != PEER_UVQQ || l->state != PEER_ONLINE) {
		l->kind = PEER_UVQQ;
		l->state = PEER_ONLINE;
		changed = 1;
	}
	if (changed)
		net_emit_peer(l->net, l);
	flush_pending(l);
}

/* A WELCOME or PONG answers our last HELLO or PING: an RTT sample, so
 * the first message already has a timeout fit for the path. */
void
hs_rtt_from_probe(struct link *l)
{
	uint64_t	 now_us = uv_hrtime() / 1000;

	if (l->probe_us != 0 && now_us >= l->probe_us)
		link_rtt_sample(l, (double)(now_us - l->probe_us) / 1000.0);
	l->probe_us = 0;
}

static void
probe_next(struct link *l)
{
	struct net	*n = l->net;

	hs_send_hello(l, FRAME_HELLO);
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
	if (l->rsid == 0) {
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
	if (l->state == PEER_PROBING) {
		/* A stranger's frame made this link: we probe only our own. */
		if (l->known)
			probe_next(l);
		else
			l->hello_due = 0;
		return;
	}
	hs_send_hello(l, FRAME_HELLO);
	l->hello_tries++;
	hs_schedule(l);
}

void
hs_restore(struct link *l)
{
	hs_send_hello(l, FRAME_HELLO);
	hs_schedule(l);
}

void
hs_on_frame(struct link *l, const struct frame *f)
{
	struct net	*n = l->net;
	int		 news;

	/* Only a frame naming our session shows it reached them. */
	if (f->dsid == n->sid) {
		l->hs_confirmed = 1;
		l->validated = 1;
	}
	switch (f->type) {
	case FRAME_HELLO:
		hs_send_hello(l, FRAME_WELCOME);
		become_uvqq(l, f);
		break;
	case FRAME_WELCOME:
		if (f->dsid != n->sid)
			break;
		news = l->hs_sid != f->sid;
		hs_rtt_from_probe(l);
		become_uvqq(l, f);
		/* Tell it we heard: that completes its side. */
		if (news)
			hs_send_hello(l, FRAME_WELCOME);
		break;
	case FRAME_BYE:
		return;
	default:
		/*
		 * It speaks uvqq, but we have no handshake with this run of
		 * it (a lost HELLO, a restart, or we took it for plain): ask
		 * now, once a second at most.
		 */
		if ((l->hs_sid != l->rsid || l->kind != PEER_UVQQ) &&
		    uv_now(n->loop) - l->last_hello >= HS_TEXT_MS)
			hs_send_hello(l, FRAME_HELLO);
		break;
	}
	if (l->hello_due == 0 || hs_complete(l))
		hs_schedule(l);
}

void
hs_on_text(struct link *l)
{
	struct net	*n = l->net;

	if (l->kind == PEER_UVQQ && l->state == PEER_PROBING &&
	    l->rsid == 0) {
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
		hs_send_hello(l, FRAME_HELLO);
	else if (!l->known && l->greetings < HS_GREETINGS &&
	    hs_send_hello(l, FRAME_HELLO) == 0)
		l->greetings++;
}

void
hs_adopt(struct link *l)
{
	l->known = l->validated = 1;
	/* A stranger's text may have been too little to pay for a greeting:
	 * now that we write to it, it gets one before what we type. */
	if (l->kind == PEER_PLAIN && l->greetings == 0 &&
	    hs_send_hello(l, FRAME_HELLO) == 0)
		l->greetings++;
}
