/*
 * fuzz_net.c: libFuzzer target for everything a datagram meets in a real
 * net/ (net.c, handshake.c, session.c, seal.c, link.c): the clear
 * handshake, the seals, the frames inside them and the reliable stream.
 *
 * Each input is a fresh peer, written here, that completes a real sealed
 * handshake with the net first, so the fuzzer's bytes also reach what
 * opens only under the session's keys. The input is a run of chunks:
 *
 *	MODE LEN_LO LEN_HI BYTES...
 *
 * MODE bit 0: seal BYTES as the frames of a SEAL under the session's keys
 * (bit 1: with the counter in the first two BYTES, to replay or reorder);
 * else BYTES go to the net as they are (clear frames, garbage, forged
 * seals). In BYTES, "@S" stands for the peer's session id and "@D" for
 * the net's, which no fuzzer could guess. The net answers to a socket of
 * ours, which is drained.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "net/net.h"
#include "net/proto.h"
#include "net/seal.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
static void	 fail(const char *) __attribute__((noreturn));

static uv_loop_t		 loop;
static struct evq		 evq;
static struct net		*net;
static int			 fd = -1;	/* the peer's socket */
static struct sockaddr_in	 addr;		/* and its address */
static struct seal_keypair	 identity;

static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_net: %s\n", what);
	abort();
}

static void
drain_cb(void *arg, struct event *ev)
{
	(void)arg;
	(void)ev;	/* evq_drain frees it */
}

static void
setup(void)
{
	struct net_config	 cfg;
	socklen_t		 len = sizeof addr;

	if (sodium_init() < 0 || uv_loop_init(&loop) != 0 ||
	    evq_init(&evq, &loop, drain_cb, NULL) != 0 ||
	    seal_keypair_new(&identity) != 0)
		fail("setup");
	memset(&cfg, 0, sizeof cfg);
	cfg.bind = "127.0.0.1";
	cfg.nick = "fz";
	cfg.heartbeat_ms = 5000;
	cfg.probe_ms = 1000;
	if (net_open(&net, &loop, &evq, &cfg) != 0)
		fail("net_open");
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) < 0)
		fail("socket");
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
	    getsockname(fd, (struct sockaddr *)&addr, &len) != 0)
		fail("bind");
}

static void
feed(const char *buf, size_t len)
{
	net_receive(net, buf, len, (const struct sockaddr *)&addr);
	uv_run(&loop, UV_RUN_NOWAIT);	/* timers, the end-of-turn flush */
	evq_drain(&evq);
}

/* What the net sent us since: the first WELCOME in it, if any. */
static int
read_welcome(struct frame *f, char *buf, size_t size)
{
	ssize_t	 n;
	int	 found = 0;

	while ((n = recv(fd, buf, size - 1, 0)) >= 0) {
		if (!found && proto_decode(buf, (size_t)n, f) == 0 &&
		    f->type == FRAME_WELCOME) {
			buf[n] = '\0';
			found = 1;
			break;
		}
	}
	return found;
}

struct peer {
	uint64_t		 sid, their_sid;
	struct seal_keypair	 eph;
	struct seal_keys	 keys;
	uint64_t		 counter;
};

static int
encode_keys(struct frame *f, const struct peer *p, enum frame_type type)
{
	memset(f, 0, sizeof *f);
	f->type = type;
	f->sid = p->sid;
	f->dsid = p->their_sid;
	strcpy(f->nick, "peer");
	memcpy(f->ikey, identity.pk, sizeof f->ikey);
	memcpy(f->ekey, p->eph.pk, sizeof f->ekey);
	f->packs = 1;
	return 0;
}

/* The sealed handshake, as a uvqq would do it: 0 once the net took us. */
static int
handshake(struct peer *p)
{
	static char	 pad[600];
	struct frame	 f, w;
	char		 buf[PROTO_MAX_DATAGRAM + 1], head[PROTO_PACK_MAX];
	char		 proof[64];
	uint8_t		 tag[SEAL_TAG_BYTES];
	int		 len;

	memset(pad, 'x', sizeof pad - 1);
	encode_keys(&f, p, FRAME_HELLO);
	f.dsid = 0;
	f.body = pad;		/* it pays for the answer */
	f.bodylen = sizeof pad - 1;
	if ((len = proto_encode(&f, buf, sizeof buf)) < 0)
		fail("encode HELLO");
	feed(buf, (size_t)len);
	if (!read_welcome(&w, buf, sizeof buf))
		fail("no WELCOME to a HELLO");
	p->their_sid = w.sid;
	if (seal_derive(&p->keys, &identity, &p->eph, p->sid, w.ikey, w.ekey,
	    w.sid) != 0)
		fail("seal_derive");
	encode_keys(&f, p, FRAME_WELCOME);
	f.counter = ++p->counter;
	f.body = "";
	if ((len = proto_encode(&f, head, sizeof head)) < 0)
		fail("encode WELCOME");
	seal_encrypt(tag, NULL, 0, (const uint8_t *)head, (size_t)len - 1,
	    p->keys.tx, f.counter);
	if ((len = proto_b64_encode(proof, sizeof proof, tag, sizeof tag)) < 0)
		fail("proof");
	f.body = proof;
	f.bodylen = (size_t)len;
	if ((len = proto_encode(&f, buf, sizeof buf)) < 0)
		fail("encode WELCOME");
	feed(buf, (size_t)len);
	return 0;
}

/* BYTES with @S and @D written out, into out (at most size). */
static size_t
expand(const struct peer *p, const uint8_t *in, size_t len, uint8_t *out,
    size_t size)
{
	size_t	 i, o = 0;

	for (i = 0; i < len && o < size; i++) {
		if (in[i] == '@' && i + 1 < len && (in[i + 1] == 'S' ||
		    in[i + 1] == 'D') && size - o >= 16) {
			o += (size_t)snprintf((char *)out + o, 17, "%016llx",
			    (unsigned long long)(in[i + 1] == 'S' ? p->sid :
			    p->their_sid));
			i++;
		} else
			out[o++] = in[i];
	}
	return o;
}

static void
send_sealed(struct peer *p, const uint8_t *raw, size_t rawlen,
    uint64_t counter)
{
	uint8_t		 plain[PROTO_SEALED_MAX];
	size_t		 len = expand(p, raw, rawlen, plain, sizeof plain);
	struct frame	 f;
	char		 dgram[PROTO_PACK_MAX + 64];
	uint8_t		 sealed[PROTO_SEALED_MAX + SEAL_TAG_BYTES];
	int		 hlen, blen;

	memset(&f, 0, sizeof f);
	f.type = FRAME_SEAL;
	f.sid = p->sid;
	f.dsid = p->their_sid;
	f.counter = counter;
	f.body = "";
	if ((hlen = proto_encode(&f, dgram, sizeof dgram)) < 0)
		fail("encode SEAL");
	seal_encrypt(sealed, plain, len, (const uint8_t *)dgram,
	    (size_t)hlen - 1, p->keys.tx, counter);
	if ((blen = proto_b64_encode(dgram + hlen, sizeof dgram -
	    (size_t)hlen, sealed, len + SEAL_TAG_BYTES)) < 0)
		fail("base64");
	feed(dgram, (size_t)(hlen + blen));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct peer	 p;
	char		 sink[65536];
	size_t		 off = 0, len;
	uint8_t		 mode;
	uint64_t	 counter;

	if (net == NULL)
		setup();
	memset(&p, 0, sizeof p);
	p.sid = 0x5eed5eed5eed5eedULL;	/* a new link each time: no clash */
	if (seal_keypair_new(&p.eph) != 0)
		fail("keypair");
	handshake(&p);
	while (off + 3 <= size) {
		mode = data[off];
		len = (size_t)data[off + 1] | (size_t)data[off + 2] << 8;
		off += 3;
		if (len > size - off)
			len = size - off;
		if (!(mode & 1))
			feed((const char *)data + off, len);
		else if ((mode & 2) && len >= 2)
			send_sealed(&p, data + off + 2, len - 2,
			    (uint64_t)data[off] | (uint64_t)data[off + 1] << 8);
		else {
			counter = ++p.counter + 2;	/* past the proof's */
			send_sealed(&p, data + off, len, counter);
		}
		off += len;
	}
	/* Forget the peer, so the net's state stays one peer's worth. */
	if (net_peer_forget(net, (const struct sockaddr *)&addr) != 0)
		fail("the peer was never added");
	uv_run(&loop, UV_RUN_NOWAIT);
	evq_drain(&evq);
	while (recv(fd, sink, sizeof sink, 0) >= 0)
		;
	seal_wipe(&p, sizeof p);
	return 0;
}
