/*
 * net_stub.h: a fuzz-only stand-in for the parts of net/net.c that
 * net/link.c calls, so the stream target runs without a UDP socket. It
 * counts calls, pushes the same events net.c would, and checks that every
 * frame link.c hands it encodes and decodes as a valid uvqq/1 frame.
 */
#ifndef UVQQ_FUZZ_NET_STUB_H
#define UVQQ_FUZZ_NET_STUB_H

#include "net/link.h"

struct stub_calls {
	unsigned long	 frames[FRAME_BYE + 1];	/* net_send_frame by type */
	unsigned long	 emit_id;
	unsigned long	 set_state;
	unsigned long	 hs_timer;
	/* Called with what was sent and what a peer would decode from it. */
	void		(*on_frame)(struct link *, const struct frame *sent,
			     const struct frame *decoded);
};

extern struct stub_calls stub_calls;

#endif
