/* net_stub.c: net.c's calls from link.c, without a socket (fuzzing only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/link.h"
#include "tests/fuzz/net_stub.h"

struct stub_calls	 stub_calls;

int
net_send_frame(struct net *n, struct link *l, struct frame *f)
{
	struct frame	 g;
	int		 len;

	f->sid = n->sid;
	if ((len = proto_encode(f, n->txbuf, sizeof n->txbuf)) < 0) {
		fprintf(stderr, "net_stub: link.c built a %s frame that does "
		    "not encode\n", proto_type_name(f->type));
		abort();
	}
	if (proto_decode(n->txbuf, (size_t)len, &g) != 0) {
		fprintf(stderr, "net_stub: link.c sent a %s frame that no "
		    "peer can decode: %.*s\n", proto_type_name(f->type),
		    len > 200 ? 200 : len, n->txbuf);
		abort();
	}
	stub_calls.frames[f->type]++;
	if (stub_calls.on_frame != NULL)
		stub_calls.on_frame(l, f, &g);
	l->last_sent = uv_now(n->loop);
	return 0;
}

/* Every segment takes the packed encoding here, so that it is checked. */
int
net_pack_frame(struct net *n, struct link *l, struct frame *f)
{
	f->packed = 1;
	return net_send_frame(n, l, f);
}

void
net_pack_flush(struct net *n)
{
	(void)n;
}

void
net_wake(struct net *n)
{
	(void)n;
}

void
net_emit_peer(struct net *n, struct link *l)
{
	struct event	*ev;

	if ((ev = evq_new(EV_PEER)) == NULL)
		return;
	memcpy(ev->peer, l->addrstr, sizeof ev->peer);
	ev->state = l->state;
	ev->peer_kind = l->kind;
	if (l->nick[0] != '\0' && event_set_nick(ev, l->nick) != 0) {
		evq_free(ev);
		return;
	}
	evq_push(n->evq, ev);
}

void
net_emit_id(struct net *n, struct link *l, enum ev_kind kind, uint64_t id,
    const char *reason)
{
	struct event	*ev;

	stub_calls.emit_id++;
	if ((ev = evq_new(kind)) == NULL)
		return;
	memcpy(ev->peer, l->addrstr, sizeof ev->peer);
	ev->id = id;
	if (reason != NULL && event_set_text(ev, reason, strlen(reason)) != 0) {
		evq_free(ev);
		return;
	}
	evq_push(n->evq, ev);
}

void
link_set_state(struct link *l, enum peer_kind kind, enum peer_state state)
{
	stub_calls.set_state++;
	if (l->kind == kind && l->state == state)
		return;
	l->kind = kind;
	l->state = state;
	net_emit_peer(l->net, l);
}

/* Only link.c's timer callback calls this; the target never runs it. */
void
hs_on_timer(struct link *l)
{
	stub_calls.hs_timer++;
	(void)l;
}
