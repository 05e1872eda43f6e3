/*
 * proto.h: uvqq's wire format, version 1. Every datagram is UTF-8 text:
 *
 *	uvqq/1 TYPE key=value key=value ...\n
 *	body
 *
 * The header line starts with "uvqq/" and the protocol version; keys are
 * single letters, unknown keys are ignored so later versions can add
 * fields. The body, after the first newline, is raw UTF-8 text. See
 * README.md ("Wire protocol") for the meaning of each type and field.
 */
#ifndef UVQQ_PROTO_H
#define UVQQ_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "src/evq.h"

#define PROTO_VERSION		1
#define PROTO_MAX_DATAGRAM	65507	/* largest UDP payload over IPv4 */
#define PROTO_SEGMENT_BODY	760	/* MSG body bytes: one sealed datagram */
#define PROTO_MAX_FRAGMENTS	90	/* 90 * 760 > 64 KiB of text */
#define PROTO_MAX_TEXT		UVQQ_MAX_TEXT
#define PROTO_NICK_MAX		64	/* bytes */
#define PROTO_MAX_SACK		16	/* ranges in one ACK */
#define PROTO_PLAIN_CHUNK	1024	/* the seed reads with recvfrom(1024) */
#define PROTO_MAX_SEQ		(UINT64_C(1) << 53)
/* A datagram of several frames stays within the IPv6 minimum MTU. */
#define PROTO_PACK_MAX		1232
/* What one SEAL of at most PROTO_PACK_MAX bytes can hold: base64 takes
 * 4/3, the tag 16 bytes, the header line about 60. */
#define PROTO_SEALED_MAX	860
#define PROTO_KEY_BYTES		32	/* i= and e=: X25519 public keys */

enum frame_type {
	FRAME_HELLO,	/* s n i e [d p]: start or refresh a session; */
			/* body: a greeting for humans */
	FRAME_WELCOME,	/* s d n i e c [p]: answer to HELLO; body: */
			/* base64url of a seal of nothing, the proof */
	FRAME_MSG,	/* s q b m f: one segment of a message; body = text */
	FRAME_ACK,	/* s d a [k]: cumulative and selective acknowledgement */
	FRAME_PING,	/* s [d]: heartbeat */
	FRAME_PONG,	/* s d: heartbeat answer */
	FRAME_BYE,	/* s: the sender is leaving */
	FRAME_SEAL,	/* s d c: body = base64url of sealed frames */
	FRAME_LAN,	/* s n i t o: LAN discovery (net/lan.h); t: a announce,
			   p presence, r reply, b bye; o: the chat port;
			   body: padding */
};

struct sack_range {
	uint64_t	 first;
	uint64_t	 last;
};

struct frame {
	enum frame_type	 type;
	uint64_t	 sid;		/* s: sender's session id */
	uint64_t	 dsid;		/* d: receiver's session id, 0 if absent */
	char		 nick[PROTO_NICK_MAX + 1];	/* n */
	uint64_t	 uid;		/* u: an older sender's user id, checked
					   and unused: it is bound to i= now
					   (identity_uid), and never sent */
	uint64_t	 seq;		/* q: segment number in sender's stream */
	uint64_t	 base;		/* b: lowest segment still outstanding */
	uint64_t	 msgid;		/* m: sender's message id */
	unsigned	 frag;		/* f=frag/nfrags */
	unsigned	 nfrags;
	uint64_t	 ack;		/* a: every segment <= ack was received */
	struct sack_range sack[PROTO_MAX_SACK];	/* k=5-7,9 */
	unsigned	 nsack;
	uint8_t		 ikey[PROTO_KEY_BYTES];	/* i: identity (static) key */
	uint8_t		 ekey[PROTO_KEY_BYTES];	/* e: ephemeral key */
	uint64_t	 counter;	/* c: the seal's nonce */
	int		 packs;	/* p=1: the sender takes packed datagrams */
	char		 lan;	/* t: FRAME_LAN's kind, 'a', 'p', 'r', 'b' */
	unsigned	 port;	/* o: FRAME_LAN's chat port, 1-65535 */
	int		 packed;	/* l: bodylen given; a frame may follow */
	const char	*body;		/* points into the decoded datagram */
	size_t		 bodylen;
};

/* Whether a datagram is meant as a uvqq frame (any version). */
int		 proto_is_frame(const char *buf, size_t len);
/*
 * Decode a datagram. Returns 0, UV_EPROTONOSUPPORT for another protocol
 * version, or UV_EINVAL for anything malformed.
 */
int		 proto_decode(const char *buf, size_t len, struct frame *f);
/*
 * Decode the first frame of a packed datagram, where each frame but the
 * last gives its body's length (l=) and the next one follows it; *used is
 * what it took. Errors as proto_decode.
 */
int		 proto_decode_next(const char *buf, size_t len, struct frame *f,
		     size_t *used);
/* base64url without padding: what a SEAL's body holds. Encode returns
 * the length written (no NUL) or UV_ENOBUFS; decode the bytes, or
 * UV_EINVAL. */
int		 proto_b64_encode(char *out, size_t size, const uint8_t *in,
		     size_t len);
int		 proto_b64_decode(uint8_t *out, size_t size, const char *in,
		     size_t len);
/* Encode into buf; returns the length, or UV_ENOBUFS. */
int		 proto_encode(const struct frame *f, char *buf, size_t size);
const char	*proto_type_name(enum frame_type);

#endif
