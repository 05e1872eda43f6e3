/*
 * fuzz_stream.c: libFuzzer target for net/link.c, the reliable stream:
 * reordering, duplicates, base skips and reassembly on the receiving side,
 * acknowledgements on the sending side, all fed with hostile datagrams.
 *
 * The input is a run of datagrams separated by the two bytes FF FE. Each
 * one goes where net.c's on_frame would send it: a MSG to link_on_msg, an
 * ACK addressed to our session (d=1111111111111111) to link_on_ack; frames
 * with our own session id are echoes and are dropped. A datagram that
 * starts with '!' is a command to this harness instead:
 *
 *	!o	the peer turns online: link_pump transmits (into net_stub.c)
 *	!p	the peer is probing again: link_pump transmits nothing
 *	!sN	queue a message of N bytes of UTF-8 (id 1, 2, ...) and pump
 *	!F	give up on everything outstanding (link_fail_all)
 *
 * The link starts as a uvqq peer in PEER_PROBING, so until a "!o" nothing
 * but ACKs is sent. After each datagram the harness does what one loop turn
 * does: it sends the ACK that is due (net.c's flush_cb) and drains the
 * event queue, checking each event. Nothing here opens a socket.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "net/link.h"
#include "src/evq.h"
#include "src/utf8.h"
#include "tests/fuzz/net_stub.h"

#define LOCAL_SID	UINT64_C(0x1111111111111111)
#define SEPARATOR	"\xff\xfe"
#define MAX_QUEUED	32		/* messages we send per input */
/* Longer than any message link_queue accepts, to reach its refusal. */
#define MAX_SEND	(PROTO_MAX_FRAGMENTS * PROTO_SEGMENT_BODY + 8)

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
static void	 fail(const char *) __attribute__((noreturn));

struct harness {
	uv_loop_t	 loop;
	struct evq	 evq;
	struct net	*net;
	struct link	*link;
	uint64_t	 next_id;		/* our next message id */
	unsigned char	 queued[MAX_QUEUED + 1];	/* by id */
	unsigned char	 resolved[MAX_QUEUED + 1];	/* delivered or failed */
	uint64_t	 last_sid;		/* stream seen after the last MSG */
	uint64_t	 last_next;
};

static struct net	*shared_net;
/* Text we send: valid UTF-8 mixing 1- to 4-byte characters. */
static char	 sendtext[MAX_SEND + 4];

static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_stream: %s\n", what);
	abort();
}

static void
fill_sendtext(void)
{
	static const char *const chars[] = { "a", "\xc3\xa9", "\xe2\x9c\x93",
	    "\xf0\x9f\x98\x80", " " };
	const char	*c;
	size_t		 off = 0, n, i = 0;

	if (sendtext[0] != '\0')
		return;
	while (off < sizeof sendtext - 1) {
		c = chars[i++ % 5];
		if (off + (n = strlen(c)) > sizeof sendtext - 1)
			c = "a", n = 1;
		memcpy(sendtext + off, c, n);
		off += n;
	}
}

static void
drain_cb(void *arg, struct event *ev)
{
	struct harness	*h = arg;
	size_t		 len;

	switch (ev->kind) {
	case EV_MESSAGE:
		if (ev->text == NULL || ev->nick == NULL)
			fail("message without text or nick");
		len = strlen(ev->text);
		if (!utf8_valid(ev->text, len))
			fail("message text is not valid UTF-8");
		if (len > UVQQ_MAX_TEXT)
			fail("message text longer than UVQQ_MAX_TEXT");
		if (!utf8_valid(ev->nick, strlen(ev->nick)))
			fail("message nick is not valid UTF-8");
		if (ev->peer_kind != PEER_UVQQ)
			fail("reassembled message not from a uvqq peer");
		break;
	case EV_DELIVERED:
	case EV_FAILED:
		if (ev->id == 0 || ev->id >= h->next_id || !h->queued[ev->id])
			fail("outcome for a message never queued");
		if (h->resolved[ev->id]++)
			fail("message delivered or failed twice");
		if (ev->kind == EV_FAILED && ev->text == NULL)
			fail("failure without a reason");
		break;
	default:
		break;
	}
}

/* What link.c sends must be what a correct peer expects. */
static void
on_frame(struct link *l, const struct frame *sent, const struct frame *got)
{
	uint64_t	 prev, s;
	unsigned	 i;

	switch (sent->type) {
	case FRAME_MSG:
		if (got->seq >= l->next_seq || got->base > got->seq)
			fail("MSG numbered outside the stream");
		if (got->bodylen != sent->bodylen ||
		    memcmp(got->body, sent->body, sent->bodylen) != 0)
			fail("MSG body changed on the wire");
		/* Cut between characters of valid text: each piece is valid. */
		if (!utf8_valid(got->body, got->bodylen))
			fail("MSG cut inside a character");
		break;
	case FRAME_ACK:
		/* Only what the core stored (whole messages) is acknowledged. */
		if (got->dsid != l->rx_sid || got->ack + 1 != l->rx_ackable ||
		    l->rx_ackable > l->rx_complete ||
		    l->rx_complete > l->rx_next)
			fail("ACK does not describe the stream");
		prev = got->ack + 1;
		for (i = 0; i < got->nsack; i++) {
			if (got->sack[i].first <= prev ||
			    got->sack[i].last >= l->rx_next + l->rx_cap)
				fail("SACK range out of order or window");
			for (s = got->sack[i].first; s <= got->sack[i].last;
			    s++) {
				if (!l->rx_slots[s % l->rx_cap].used)
					fail("SACK claims a segment not held");
			}
			prev = got->sack[i].last + 1;
		}
		break;
	default:
		break;
	}
}

/* The bytes net counts as held are the bytes in this link's slots. */
static void
check_rx_bytes(struct harness *h)
{
	struct link	*l = h->link;
	size_t		 held = 0, slots = 0, i;

	for (i = 0; l->rx_slots != NULL && i < l->rx_cap; i++) {
		if (l->rx_slots[i].used) {
			held += l->rx_slots[i].len;
			slots++;
		}
	}
	if (held != h->net->rx_bytes)
		fail("rx_bytes does not count the bytes held");
	if (slots != l->rx_held)
		fail("rx_held does not count the slots in use");
}

/* After each MSG: the receiving side is consistent. */
static void
check_rx(struct harness *h)
{
	struct link	*l = h->link;

	if (l->rx_sid == h->last_sid && l->rx_next < h->last_next)
		fail("stream went backwards: a segment may come twice");
	h->last_sid = l->rx_sid;
	h->last_next = l->rx_next;
	if (l->rx_len > PROTO_MAX_FRAGMENTS * PROTO_SEGMENT_BODY)
		fail("reassembly grew past 64 fragments");
	if (l->rx_slots != NULL &&
	    l->rx_slots[l->rx_next % l->rx_cap].used)
		fail("the next segment is held but not delivered");
	check_rx_bytes(h);
}

/* After each datagram: the sending side's counters match its list. */
static void
check_tx(struct harness *h)
{
	struct link	*l = h->link;
	struct segment	*s;
	size_t		 messages = 0, inflight = 0, inflight_bytes = 0;
	int		 sent = 1;

	for (s = l->tx_head; s != NULL; s = s->next) {
		if (s == l->tx_next)
			sent = 0;
		if (s->frag + 1 == s->nfrags)
			messages++;
		if (sent && !s->sacked) {
			inflight++;
			inflight_bytes += s->len;
		}
		if (!sent && s->tries != 0)
			fail("a segment past tx_next was sent");
		if (sent && s->tries == 0)
			fail("a segment before tx_next was never sent");
	}
	if (sent && l->tx_next != NULL)
		fail("tx_next is not on the list");
	if (messages != l->tx_messages)
		fail("tx_messages does not count the messages in flight");
	if (inflight != l->pipe)
		fail("pipe does not count the segments in flight");
	if (inflight_bytes != l->pipe_bytes)
		fail("pipe_bytes does not count the text in flight");
}

static void
command(struct harness *h, const char *p, size_t len)
{
	struct link	*l = h->link;
	size_t		 n = 0, i;
	int		 r;

	if (len == 0)
		return;
	switch (p[0]) {
	case 'o':
		l->kind = PEER_UVQQ;
		l->state = PEER_ONLINE;
		link_pump(l);
		break;
	case 'p':
		l->state = PEER_PROBING;
		break;
	case 's':
		for (i = 1; i < len && i < 7 && p[i] >= '0' && p[i] <= '9'; i++)
			n = n * 10 + (size_t)(p[i] - '0');
		if (n > MAX_SEND)
			n = MAX_SEND;
		if (h->next_id > MAX_QUEUED)
			break;
		n = utf8_cut(sendtext, sizeof sendtext - 1, n);
		r = link_queue(l, h->next_id, sendtext, n);
		if (r == 0)
			h->queued[h->next_id++] = 1;
		else if (r != UV_EMSGSIZE ||
		    n <= PROTO_MAX_TEXT)
			fail("link_queue refused a message of legal size");
		link_pump_later(l);	/* as net_send: at the end of the turn */
		break;
	case 'F':
		link_fail_all(l, "fuzz");
		break;
	}
}

static void
feed(struct harness *h, const char *buf, size_t len)
{
	struct net	*n = h->net;
	struct frame	 f;
	size_t		 used;

	n->stats.datagrams_in++;
	if (len > 0 && buf[0] == '!')
		command(h, buf + 1, len - 1);
	/* As net.c's on_frames: one frame, or several packed. */
	else if (len <= PROTO_MAX_DATAGRAM && proto_is_frame(buf, len)) {
		do {
			if (proto_decode_next(buf, len, &f, &used) != 0) {
				n->stats.malformed++;
				break;
			}
			buf += used;
			len -= used;
			if (f.sid == n->sid)
				break;	/* our own frame reflected: an echo */
			if (f.type == FRAME_MSG) {
				link_on_msg(h->link, &f);
				check_rx(h);
			} else if (f.type == FRAME_ACK && f.dsid == n->sid)
				link_on_ack(h->link, &f);
		} while (len > 0);
	}

	check_tx(h);
	/* The end of a loop turn: net.c's flush_cb, then the queue, then
	 * what net_confirm() does once the core has stored the messages. */
	while (n->due_list != NULL) {
		struct link *l = n->due_list;

		n->due_list = l->due_next;
		l->due_listed = 0;
		if (l->pump_due) {
			l->pump_due = 0;
			link_pump(l);
		}
		if (l->ack_due)
			link_send_ack(l);
	}
	evq_drain(&h->evq);
	while (n->confirm_list != NULL) {
		struct link *l = n->confirm_list;

		n->confirm_list = l->confirm_next;
		l->confirm_due = 0;
		if (l->rx_ackable < l->rx_complete) {
			l->rx_ackable = l->rx_complete;
			link_send_ack(l);
		}
	}
}

static void
setup(struct harness *h)
{
	struct sockaddr_in	 sin;
	struct link		*l;

	memset(h, 0, sizeof *h);
	h->next_id = 1;
	memset(&stub_calls, 0, sizeof stub_calls);
	stub_calls.on_frame = on_frame;
	if (uv_loop_init(&h->loop) != 0 ||
	    evq_init(&h->evq, &h->loop, drain_cb, h) != 0)
		fail("cannot set up the loop");
	/* struct net holds two 64 KiB buffers: allocate it once, not per run. */
	if (shared_net == NULL &&
	    (shared_net = malloc(sizeof *shared_net)) == NULL)
		fail("out of memory");
	h->net = shared_net;
	memset(h->net, 0, sizeof *h->net);
	if ((l = h->link = calloc(1, sizeof *h->link)) == NULL)
		fail("out of memory");
	h->net->loop = &h->loop;
	h->net->evq = &h->evq;
	h->net->sid = LOCAL_SID;
	h->net->family = AF_INET;

	/* As net.c's link_new does for a uvqq peer being probed. */
	uv_ip4_addr("192.0.2.7", 8097, &sin);
	memcpy(&l->addr, &sin, sizeof sin);
	snprintf(l->addrstr, sizeof l->addrstr, "192.0.2.7:8097");
	l->net = h->net;
	if (uv_timer_init(&h->loop, &l->timer) != 0)
		fail("cannot set up the timer");
	l->timer.data = l;
	l->kind = PEER_UVQQ;
	l->state = PEER_PROBING;
	/* As after a handshake: link.c takes data only from a known user. */
	l->ruid = 0x2222222222222222ULL;
	link_init_stream(l);
	h->net->links = l;
	h->net->nlinks = 1;
}

static void
teardown(struct harness *h)
{
	struct link	*l = h->link;
	uint64_t	 id;

	/* Whatever is still outstanding fails now, exactly once. */
	link_fail_all(l, "end");
	evq_drain(&h->evq);
	for (id = 1; id < h->next_id; id++) {
		if (h->resolved[id] != 1)
			fail("a message was neither delivered nor failed");
	}
	if (l->tx_messages != 0 || l->tx_head != NULL)
		fail("segments left after failing every message");

	link_free_stream(l);
	if (h->net->rx_bytes != 0)
		fail("rx_bytes left after freeing the stream");
	uv_close((uv_handle_t *)&l->timer, NULL);
	evq_close(&h->evq);
	uv_run(&h->loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&h->loop) != 0)
		fail("a handle is still open");
	free(l);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data, *end = p + size, *sep;
	struct harness	 h;

	fill_sendtext();
	setup(&h);
	for (;;) {
		sep = memmem(p, (size_t)(end - p), SEPARATOR,
		    sizeof SEPARATOR - 1);
		feed(&h, p, (size_t)((sep != NULL ? sep : end) - p));
		if (sep == NULL)
			break;
		p = sep + sizeof SEPARATOR - 1;
	}
	teardown(&h);
	return 0;
}
