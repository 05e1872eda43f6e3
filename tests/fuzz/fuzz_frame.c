/* fuzz_frame.c: libFuzzer target for the uvqq/1 frame decoder and encoder. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "net/proto.h"
#include "src/utf8.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
static void	 fail(const char *) __attribute__((noreturn));

static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_frame: %s\n", what);
	abort();
}

/* What a successful decode promises, whatever the input was. */
static void
check_frame(const struct frame *f, const char *buf, size_t len)
{
	size_t	 nicklen;
	unsigned i;

	if (strcmp(proto_type_name(f->type), "?") == 0)
		fail("decoded an unknown type");
	nicklen = strnlen(f->nick, sizeof f->nick);
	if (nicklen > PROTO_NICK_MAX)
		fail("nick not terminated");
	if (!utf8_valid(f->nick, nicklen))
		fail("nick is not valid UTF-8");
	for (i = 0; i < nicklen; i++) {
		if ((unsigned char)f->nick[i] < 0x20 || f->nick[i] == 0x7f)
			fail("nick holds a control character");
	}
	if ((f->type == FRAME_HELLO || f->type == FRAME_WELCOME) &&
	    nicklen == 0)
		fail("HELLO or WELCOME without a nick");
	if (f->seq > PROTO_MAX_SEQ || f->base > PROTO_MAX_SEQ ||
	    f->ack > PROTO_MAX_SEQ)
		fail("sequence number past PROTO_MAX_SEQ");
	if (f->nsack > PROTO_MAX_SACK)
		fail("too many SACK ranges");
	for (i = 0; i < f->nsack; i++) {
		if (f->sack[i].last < f->sack[i].first)
			fail("SACK range runs backwards");
	}
	if (f->type == FRAME_MSG) {
		if (f->nfrags == 0 || f->nfrags > PROTO_MAX_FRAGMENTS ||
		    f->frag >= f->nfrags)
			fail("fragment out of range");
		if (f->base == 0 || f->seq < f->base)
			fail("MSG base past its segment");
		if (f->bodylen > PROTO_SEGMENT_BODY)
			fail("MSG body too long");
	}
	if (f->body == NULL) {
		if (f->bodylen != 0)
			fail("body length without a body");
	} else if (f->body < buf || f->body > buf + len ||
	    f->bodylen != (size_t)(buf + len - f->body))
		fail("body outside the datagram");
}

/* The fields the encoder writes for this type must survive the trip. */
static void
check_same(const struct frame *a, const struct frame *b)
{
	unsigned i;

	if (a->type != b->type || a->sid != b->sid || a->dsid != b->dsid)
		fail("round trip changed type, s or d");
	if ((a->type == FRAME_HELLO || a->type == FRAME_WELCOME) &&
	    strcmp(a->nick, b->nick) != 0)
		fail("round trip changed the nick");
	if (a->packs != b->packs || a->packed != b->packed)
		fail("round trip changed p or l");
	if (a->type == FRAME_MSG && (a->seq != b->seq ||
	    a->base != b->base || a->msgid != b->msgid ||
	    a->frag != b->frag || a->nfrags != b->nfrags))
		fail("round trip changed q, b, m or f");
	if (a->type == FRAME_ACK) {
		if (a->ack != b->ack || a->nsack != b->nsack)
			fail("round trip changed a or the number of ranges");
		for (i = 0; i < a->nsack; i++) {
			if (a->sack[i].first != b->sack[i].first ||
			    a->sack[i].last != b->sack[i].last)
				fail("round trip changed a SACK range");
		}
	}
	if ((a->body == NULL) != (b->body == NULL) ||
	    a->bodylen != b->bodylen ||
	    (a->bodylen != 0 && memcmp(a->body, b->body, a->bodylen) != 0))
		fail("round trip changed the body");
}

/* A packed datagram: each frame takes its own part, and all of it. */
static void
walk_packed(const char *buf, size_t len)
{
	struct frame	 f;
	size_t		 used;

	while (len > 0) {
		if (proto_decode_next(buf, len, &f, &used) != 0)
			return;
		if (used == 0 || used > len)
			fail("a packed frame took nothing, or more than there was");
		if (used < len && !f.packed)
			fail("a frame without l= left something over");
		check_frame(&f, buf, used);
		buf += used;
		len -= used;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*buf = (const char *)data;
	struct frame	 f, g, h;
	char		*enc1, *enc2;
	size_t		 cap;
	int		 r, n1, n2;

	walk_packed(buf, size);
	r = proto_decode(buf, size, &f);
	if (r == 0 && !proto_is_frame(buf, size))
		fail("decoded something that is not a frame");
	if (r != 0) {
		if (r != UV_EINVAL && r != UV_EPROTONOSUPPORT)
			fail("unexpected decode error");
		return 0;
	}
	check_frame(&f, buf, size);

	/* Percent-encoding can triple a nick; the body is copied as is. */
	cap = size * 3 + 512;
	if ((enc1 = malloc(cap)) == NULL || (enc2 = malloc(cap)) == NULL)
		fail("out of memory");
	if ((n1 = proto_encode(&f, enc1, cap)) < 0)
		fail("cannot re-encode a decoded frame");
	if (proto_decode(enc1, (size_t)n1, &g) != 0)
		fail("cannot decode a re-encoded frame");
	check_frame(&g, enc1, (size_t)n1);
	check_same(&f, &g);

	/* The encoder's output is canonical: encoding it again is a no-op. */
	if ((n2 = proto_encode(&g, enc2, cap)) < 0 ||
	    proto_decode(enc2, (size_t)n2, &h) != 0)
		fail("second round trip failed");
	if (n1 != n2 || memcmp(enc1, enc2, (size_t)n1) != 0)
		fail("encoding is not stable");
	free(enc1);
	free(enc2);
	return 0;
}
