/*
 * link.c: the reliable, ordered stream between two uvqq sessions.
 *
 * Each message is cut into segments numbered from 1 in the sender's
 * session. The receiver delivers them in order, reassembling fragments,
 * and acknowledges cumulatively (a) and selectively (k), once per loop
 * turn. The sender retransmits a segment when one sent after it has been
 * acknowledged and a round trip has passed (RACK, RFC 8985), or on a
 * timeout derived from measured RTT (RFC 6298) with exponential backoff.
 * When the oldest segment exhausts its tries its message fails, and
 * every MSG carries the lowest segment
 * still outstanding (b) so the receiver skips what was abandoned instead
 * of waiting for it forever.
 */
#include <stdlib.h>
#include <string.h>

#include "net/link.h"
#include "src/utf8.h"

static void	link_on_timer(struct link *);

void
link_init_stream(struct link *l)
{
	l->pend_tail = &l->pend_head;
	l->next_seq = 1;
	l->rto = LINK_RTO_INIT;
}

static void
segment_free(struct segment *s)
{
	free(s->body);
	free(s);
}

static void
slot_clear(struct link *l, struct rx_slot *slot)
{
	if (slot->used) {
		l->net->rx_bytes -= slot->len;
		l->rx_held--;
	}
	free(slot->body);
	memset(slot, 0, sizeof *slot);
}

static void
rx_discard_partial(struct link *l)
{
	free(l->rx_buf);
	l->rx_buf = NULL;
	l->rx_len = 0;
	l->rx_frag = 0;
}

static void
rx_reset(struct link *l, uint64_t sid, uint64_t next)
{
	size_t	 i;

	if (l->rx_slots != NULL) {
		for (i = 0; i < l->rx_cap; i++)
			slot_clear(l, &l->rx_slots[i]);
	}
	rx_discard_partial(l);
	l->rx_sid = sid;
	l->rx_next = next;
	l->rx_ackable = next;
	l->rx_complete = next;
}

void
link_free_stream(struct link *l)
{
	struct segment	*s;
	struct pending	*p;

	while ((s = l->tx_head) != NULL) {
		l->tx_head = s->next;
		segment_free(s);
	}
	l->tx_tail = l->tx_next = NULL;
	while ((p = l->pend_head) != NULL) {
		l->pend_head = p->next;
		free(p->text);
		free(p);
	}
	l->pend_tail = &l->pend_head;
	rx_reset(l, 0, 0);
	free(l->rx_slots);
	l->rx_slots = NULL;
	l->net->rx_slots_total -= l->rx_cap;
	l->rx_cap = 0;
}

/* Cut text into segments at character boundaries and append them. */
int
link_queue(struct link *l, uint64_t id, const char *text, size_t len)
{
	struct segment	*segs[PROTO_MAX_FRAGMENTS], *s;
	size_t		 off = 0, n, cut;
	unsigned	 count = 0, i;

	do {
		if (count == PROTO_MAX_FRAGMENTS)
			goto toolong;
		cut = utf8_cut(text + off, len - off, PROTO_SEGMENT_BODY);
		if ((s = calloc(1, sizeof *s)) == NULL ||
		    (s->body = malloc(cut + 1)) == NULL) {
			free(s);
			goto nomem;
		}
		memcpy(s->body, text + off, cut);
		s->len = cut;
		s->msgid = id;
		segs[count++] = s;
		off += cut;
	} while (off < len);

	for (i = 0; i < count; i++) {
		s = segs[i];
		s->seq = l->next_seq++;
		s->frag = i;
		s->nfrags = count;
		if (l->tx_tail != NULL)
			l->tx_tail->next = s;
		else
			l->tx_head = s;
		l->tx_tail = s;
		if (l->tx_next == NULL)
			l->tx_next = s;
	}
	l->tx_messages++;
	return 0;

toolong:
	n = count;
	for (i = 0; i < n; i++)
		segment_free(segs[i]);
	return UV_EMSGSIZE;
nomem:
	for (i = 0; i < count; i++)
		segment_free(segs[i]);
	return UV_ENOMEM;
}

/* What is in flight counts for the window: segments and their text. */
static void
pipe_add(struct link *l, const struct segment *s)
{
	l->pipe++;
	l->pipe_bytes += s->len;
}

static void
pipe_remove(struct link *l, const struct segment *s)
{
	l->pipe--;
	l->pipe_bytes -= s->len;
}

/*
 * Queue s for sending; net_pack_flush (link_pump) sends what is queued.
 * silent: its timer ran out and the peer has said nothing for a while,
 * so wait twice as long for the next try; else the backoff starts over.
 */
static int
transmit(struct link *l, struct segment *s, uint64_t now, int silent)
{
	struct frame	 f;
	unsigned	 backoff;

	memset(&f, 0, sizeof f);
	f.type = FRAME_MSG;
	f.seq = s->seq;
	f.base = l->tx_head->seq;
	f.msgid = s->msgid;
	f.frag = s->frag;
	f.nfrags = s->nfrags;
	f.body = s->body;
	f.bodylen = s->len;
	if (s->tries == 0)
		s->first_sent = now;
	else
		l->net->stats.retransmits++;
	s->timeouts = silent ? s->timeouts + 1 : 0;
	s->tries++;
	s->last_sent = now;
	s->sent_us = uv_hrtime() / 1000;
	backoff = 1u << (s->timeouts > 7 ? 7 : s->timeouts);
	s->deadline = now + (l->rto * backoff > LINK_RTO_MAX ?
	    LINK_RTO_MAX : l->rto * backoff);
	return net_pack_frame(l->net, l, &f);
}

/* Send what the window allows and has never been sent. */
void
link_pump(struct link *l)
{
	uint64_t	 now = uv_now(l->net->loop);
	int		 sent = 0;

	if (l->kind != PEER_UVQQ || l->state == PEER_PROBING || l->held) {
		net_pack_flush(l->net);
		return;
	}
	/*
	 * What is in flight is bounded by what the network holds (pipe) and
	 * by what the receiver can buffer beyond its first gap.
	 */
	while (l->tx_next != NULL && l->pipe < LINK_TX_WINDOW &&
	    l->pipe_bytes < LINK_PIPE_BYTES &&
	    l->tx_next->seq < l->tx_head->seq + LINK_RX_WINDOW) {
		transmit(l, l->tx_next, now, 0);
		pipe_add(l, l->tx_next);
		l->tx_next = l->tx_next->next;
		sent = 1;
	}
	net_pack_flush(l->net);
	/* A timer due no later than what was just sent needs no new scan
	 * of the window: that costs, once per message, in a burst. */
	if (sent && uv_is_active((uv_handle_t *)&l->timer) &&
	    uv_timer_get_due_in(&l->timer) <= l->rto)
		return;
	link_arm_timer(l);
}

static void
link_timer_cb(uv_timer_t *t)
{
	struct link	*l = t->data;
	uint64_t	 now = uv_now(l->net->loop);

	hs_on_timer(l);
	/*
	 * Late: the loop was busy (a long paste) and timers run before
	 * reading, so acknowledgements may be waiting in the socket. Read
	 * them first, rather than resend what has arrived.
	 */
	if (!l->timer_grace && now > l->timer_due + 1) {
		l->timer_grace = 1;
		uv_timer_start(&l->timer, link_timer_cb, 1, 0);
		return;
	}
	l->timer_grace = 0;
	link_on_timer(l);
	link_arm_timer(l);	/* for what hs_on_timer set, if nothing else */
}

void
link_arm_timer(struct link *l)
{
	struct segment	*s;
	uint64_t	 now = uv_now(l->net->loop), due = UINT64_MAX;

	if (l->forgotten)
		return;
	if (l->state == PEER_PROBING)
		due = l->probe_deadline;
	if (l->hello_due != 0 && l->hello_due < due)
		due = l->hello_due;
	for (s = l->held ? NULL : l->tx_head; s != NULL && s != l->tx_next;
	    s = s->next) {
		if (!s->sacked && s->deadline < due)
			due = s->deadline;
	}
	if (due == UINT64_MAX) {
		uv_timer_stop(&l->timer);
		return;
	}
	l->timer_due = due > now ? due : now;
	l->timer_grace = 0;
	uv_timer_start(&l->timer, link_timer_cb, l->timer_due - now, 0);
}

/* Drop the oldest message whole: it could not be delivered. */
static void
fail_head_message(struct link *l, const char *reason)
{
	struct segment	*s;
	uint64_t	 id = l->tx_head->msgid;

	while ((s = l->tx_head) != NULL && s->msgid == id) {
		l->tx_head = s->next;
		if (l->tx_next == s)
			l->tx_next = s->next;
		if (s->tries > 0 && !s->sacked)
			pipe_remove(l, s);
		segment_free(s);
	}
	if (l->tx_head == NULL)
		l->tx_tail = l->tx_next = NULL;
	l->tx_messages--;
	net_emit_id(l->net, l, EV_FAILED, id, reason);
}

void
link_fail_all(struct link *l, const char *reason)
{
	struct pending	*p;

	while ((p = l->pend_head) != NULL) {
		l->pend_head = p->next;
		net_emit_id(l->net, l, EV_FAILED, p->id, reason);
		free(p->text);
		free(p);
	}
	l->pend_tail = &l->pend_head;
	while (l->tx_head != NULL)
		fail_head_message(l, reason);
}

static void
link_on_timer(struct link *l)
{
	struct segment	*s;
	uint64_t	 now = uv_now(l->net->loop);
	int		 heard, silent;

	if (l->held)
		return;		/* nothing goes out, nothing times out */
	while (l->tx_head != NULL && l->tx_head != l->tx_next &&
	    l->tx_head->tries >= LINK_MAX_TRIES &&
	    l->tx_head->deadline <= now &&
	    now - l->tx_head->first_sent >= LINK_GIVE_UP_MS) {
		fail_head_message(l, "no acknowledgement");
		if (l->state == PEER_ONLINE)
			link_set_state(l, l->kind, PEER_OFFLINE);
	}
	/*
	 * The receiver holds a new head it acknowledged selectively, but only
	 * a MSG with the new base lets it deliver: send it once more.
	 */
	if ((s = l->tx_head) != NULL && s != l->tx_next && s->sacked) {
		s->sacked = 0;
		pipe_add(l, s);
		s->deadline = now;
	}
	/*
	 * Back off only while the peer is silent. One heard from lately is
	 * there, and what it did not acknowledge was lost on the way: the
	 * front of the stream, which holds up everything behind it, is tried
	 * again each RTO, where a doubling after each loss on a lossy path
	 * would leave it waiting seconds. Behind the front, or after
	 * LINK_SILENCE_MS without a word, each timeout doubles the wait.
	 */
	heard = now - l->last_heard < LINK_SILENCE_MS;
	for (s = l->tx_head; s != NULL && s != l->tx_next; s = s->next) {
		if (s->sacked || s->deadline > now)
			continue;
		silent = l->last_heard <= s->last_sent && !(heard &&
		    s->seq < l->tx_head->seq + LINK_FRONT_SEGS);
		transmit(l, s, now, silent);
	}
	link_pump(l);
}

/*
 * A round trip measured. from_data: a segment sent once and acknowledged
 * (Karn); else the answer to a HELLO or PING, which may answer an earlier
 * one or be a repeat on the peer's own timer, so it only stands in until
 * the first sample from data replaces it. A bad first sample would keep
 * the timeout high for dozens of messages, well after the path is known.
 */
void
link_rtt_sample(struct link *l, double ms, int from_data)
{
	double	 rto;

	if (!l->rtt_from_data) {
		l->srtt = 0;
		l->rtt_from_data = from_data;
	} else if (!from_data)
		return;
	if (l->srtt == 0) {
		l->srtt = ms;
		l->rttvar = ms / 2;
	} else {
		double err = ms > l->srtt ? ms - l->srtt : l->srtt - ms;

		l->rttvar = 0.75 * l->rttvar + 0.25 * err;
		l->srtt = 0.875 * l->srtt + 0.125 * ms;
	}
	rto = l->srtt + 4 * l->rttvar;
	if (rto < LINK_RTO_MIN)
		rto = LINK_RTO_MIN;
	if (rto > LINK_RTO_MAX)
		rto = LINK_RTO_MAX;
	l->rto = (unsigned)rto;
}

/* A segment acknowledged: learn from it (Karn: only from one sent once). */
static void
acked(struct link *l, struct segment *s, uint64_t now_us, uint64_t *sample)
{
	if (s->tries == 1)
		*sample = now_us - s->sent_us;
	if (s->sent_us > l->rack_us)
		l->rack_us = s->sent_us;
}

void
link_on_ack(struct link *l, const struct frame *f)
{
	struct segment	*s;
	uint64_t	 now_us = uv_hrtime() / 1000, sample = 0, reo_us;
	uint64_t	 now = uv_now(l->net->loop), due;
	unsigned	 i;
	int		 sooner = 0;

	/* An ACK past what we ever sent is forged or stale: ignore it. */
	if (f->ack >= l->next_seq)
		return;
	while ((s = l->tx_head) != NULL && s->seq <= f->ack &&
	    s != l->tx_next) {
		if (!s->sacked) {
			acked(l, s, now_us, &sample);
			pipe_remove(l, s);
		}
		l->tx_head = s->next;
		if (s->frag + 1 == s->nfrags) {
			l->tx_messages--;
			net_emit_id(l->net, l, EV_DELIVERED, s->msgid, NULL);
		}
		segment_free(s);
	}
	if (l->tx_head == NULL)
		l->tx_tail = l->tx_next = NULL;
	for (s = l->tx_head; s != NULL && s != l->tx_next; s = s->next) {
		for (i = 0; i < f->nsack && !s->sacked; i++) {
			if (s->seq >= f->sack[i].first &&
			    s->seq <= f->sack[i].last) {
				s->sacked = 1;
				pipe_remove(l, s);
				acked(l, s, now_us, &sample);
			}
		}
	}
	if (sample != 0)
		link_rtt_sample(l, (double)sample / 1000.0, 1);

	/*
	 * RACK: a segment sent before one that arrived, and more than a
	 * round trip (plus a little for reordering) ago, is lost: resend it
	 * now rather than wait for its timer. One sent less than that ago
	 * is lost if it has not arrived by then: its timer is brought
	 * forward (RFC 8985's reordering timer), since no other ACK may
	 * come to tell.
	 */
	reo_us = (uint64_t)(l->srtt * 1250.0) + 1000;
	for (s = l->tx_head; s != NULL && s != l->tx_next; s = s->next) {
		if (s->sacked || s->sent_us >= l->rack_us)
			continue;
		if (s->sent_us + reo_us <= now_us)
			transmit(l, s, now, 0);
		else if ((due = now + (s->sent_us + reo_us - now_us + 999) /
		    1000) < s->deadline) {
			s->deadline = due;
			sooner = 1;
		}
	}
	link_pump(l);
	if (sooner)
		link_arm_timer(l);
}

static void
emit_message(struct link *l, uint64_t msgid)
{
	struct event	*ev;
	size_t		 len;

	if ((ev = evq_new(EV_MESSAGE)) == NULL)
		return;
	memcpy(ev->peer, l->addrstr, sizeof ev->peer);
	ev->id = msgid;
	ev->uid = l->ruid;
	ev->peer_kind = PEER_UVQQ;
	if (event_set_nick(ev, l->nick[0] != '\0' ? l->nick : l->addrstr) != 0 ||
	    utf8_sanitize(l->rx_buf, l->rx_len, &ev->text, &len) != 0) {
		evq_free(ev);
		return;
	}
	/* U+FFFD for bad bytes may have grown it past the limit. */
	ev->text[utf8_cut(ev->text, len, UVQQ_MAX_TEXT)] = '\0';
	evq_push(l->net->evq, ev);
}

/*
 * Hand segment seq, the next in order, to reassembly and emit whole
 * messages. What may be acknowledged once stored ends at the last whole
 * message: a half-assembled one would be lost with a crash.
 */
static void
deliver(struct link *l, struct rx_slot *slot, uint64_t seq)
{
	char	*grown;

	if (slot->frag == 0) {
		rx_discard_partial(l);
		l->rx_msgid = slot->msgid;
		l->rx_nfrags = slot->nfrags;
	} else if (l->rx_frag == 0 || slot->msgid != l->rx_msgid ||
	    slot->frag != l->rx_frag || slot->nfrags != l->rx_nfrags) {
		/* A fragment without its start: nothing whole can come of it. */
		l->net->stats.malformed++;
		rx_discard_partial(l);
		l->rx_complete = seq + 1;
		return;
	}
	if (l->rx_len + slot->len > UVQQ_MAX_TEXT) {
		l->net->stats.malformed++;
		rx_discard_partial(l);
		l->rx_complete = seq + 1;
		return;
	}
	if (slot->frag == 0 && slot->nfrags == 1) {
		grown = slot->body;	/* the common case: no copy */
		slot->body = NULL;
	} else if ((grown = realloc(l->rx_buf, l->rx_len + slot->len + 1)) ==
	    NULL) {
		l->net->stats.dropped++;
		rx_discard_partial(l);
		l->rx_complete = seq + 1;
		return;
	} else
		memcpy(grown + l->rx_len, slot->body, slot->len);
	l->rx_buf = grown;
	l->rx_len += slot->len;
	l->rx_frag = slot->frag + 1;
	if (l->rx_frag < slot->nfrags)
		return;

	emit_message(l, slot->msgid);
	rx_discard_partial(l);
	l->rx_complete = seq + 1;
	if (!l->confirm_due) {
		l->confirm_due = 1;
		l->confirm_next = l->net->confirm_list;
		l->net->confirm_list = l;
	}
}

/* Have the end of this loop turn (net.c's flush_cb) look at l. */
static void
due_list_add(struct link *l)
{
	if (l->due_listed)
		return;
	if (l->net->due_list == NULL)
		net_wake(l->net);
	l->due_listed = 1;
	l->due_next = l->net->due_list;
	l->net->due_list = l;
}

static void
mark_ack_due(struct link *l)
{
	l->ack_due = 1;
	due_list_add(l);
}

/*
 * Messages queued one by one in a loop turn go out together at its end,
 * several to a datagram: a paste or a script costs few system calls.
 */
void
link_pump_later(struct link *l)
{
	l->pump_due = 1;
	due_list_add(l);
}

/* Keep a segment that arrived within the window, once. */
static void
rx_store(struct link *l, const struct frame *f)
{
	struct rx_slot	*slot;

	if (f->seq < l->rx_next || f->seq >= l->rx_next + l->rx_cap)
		return;		/* a duplicate, or no room yet */
	slot = &l->rx_slots[f->seq % l->rx_cap];
	if (slot->used)
		return;
	/* Out of order data is held within a bound; the sender resends. */
	if (f->seq != l->rx_next &&
	    l->net->rx_bytes + f->bodylen > NET_RX_BYTES_MAX) {
		l->net->stats.dropped++;
		return;
	}
	if ((slot->body = malloc(f->bodylen + 1)) == NULL) {
		l->net->stats.dropped++;
		return;
	}
	if (f->bodylen > 0)
		memcpy(slot->body, f->body, f->bodylen);
	slot->len = f->bodylen;
	slot->msgid = f->msgid;
	slot->frag = f->frag;
	slot->nfrags = f->nfrags;
	slot->used = 1;
	l->rx_held++;
	l->net->rx_bytes += slot->len;
}

/*
 * The receive window, only once the handshake is done. A handshake is
 * cheap to forge from many addresses, so all windows share a budget;
 * past it a peer gets a small one, which works, only slower.
 */
static int
rx_alloc(struct link *l)
{
	unsigned	 cap = LINK_RX_WINDOW;

	if (l->net->rx_slots_total + cap > NET_RX_SLOTS_MAX)
		cap = LINK_RX_SMALL;
	if ((l->rx_slots = calloc(cap, sizeof *l->rx_slots)) == NULL)
		return UV_ENOMEM;
	l->rx_cap = cap;
	l->net->rx_slots_total += cap;
	return 0;
}

void
link_on_msg(struct link *l, const struct frame *f)
{
	struct rx_slot	*slot;
	uint64_t	 s;

	/* A new session of the sender: join its stream where it stands. */
	if (f->sid != l->rx_sid)
		rx_reset(l, f->sid, f->base);
	/* The sender gave up on everything below base: skip it. */
	if (f->base > l->rx_next) {
		for (s = l->rx_next; s < f->base && s < l->rx_next + l->rx_cap;
		    s++)
			slot_clear(l, &l->rx_slots[s % l->rx_cap]);
		rx_discard_partial(l);
		l->rx_next = f->base;
		l->rx_complete = f->base;
		if (l->rx_ackable < f->base)
			l->rx_ackable = f->base;
	}
	mark_ack_due(l);
	/* Data from a run of the peer whose user id we do not know yet could
	 * not be told from a copy already shown: wait for the handshake. */
	if (l->ruid == 0)
		return;
	if (l->rx_slots == NULL && rx_alloc(l) != 0) {
		l->net->stats.dropped++;
		return;
	}
	rx_store(l, f);
	/* Deliver what is now in order: this segment, or ones held past a
	 * skipped gap. */
	while ((slot = &l->rx_slots[l->rx_next % l->rx_cap])->used) {
		deliver(l, slot, l->rx_next);
		slot_clear(l, slot);
		l->rx_next++;
	}
}

/*
 * The peer restarted: what it acknowledged selectively is gone with its
 * old run (RFC 2018 lets a receiver renege), so send those segments again.
 */
void
link_peer_restarted(struct link *l)
{
	struct segment	*s;
	uint64_t	 now = uv_now(l->net->loop);

	for (s = l->tx_head; s != NULL && s != l->tx_next; s = s->next) {
		if (s->sacked) {
			s->sacked = 0;
			pipe_add(l, s);
		}
		s->deadline = now;
	}
	link_arm_timer(l);
}

void
link_send_ack(struct link *l)
{
	struct frame	 f;
	uint64_t	 s, end;
	size_t		 seen = 0;
	int		 in = 0;

	l->ack_due = 0;
	memset(&f, 0, sizeof f);
	f.type = FRAME_ACK;
	f.dsid = l->rx_sid;
	f.ack = l->rx_ackable - 1;
	/* Report what we hold beyond the first gap, so it is not resent;
	 * the scan ends with the last slot held, not with the window. */
	end = l->rx_next + l->rx_cap;
	for (s = l->rx_next + 1; seen < l->rx_held && s < end; s++) {
		if (l->rx_slots[s % l->rx_cap].used) {
			seen++;
			if (!in) {
				if (f.nsack == PROTO_MAX_SACK)
					break;
				f.sack[f.nsack].first = s;
				in = 1;
			}
			f.sack[f.nsack].last = s;
		} else if (in) {
			f.nsack++;
			in = 0;
		}
	}
	if (in)
		f.nsack++;
	net_send_frame(l->net, l, &f);
}
