/*
 * fuzz_lan.c: libFuzzer target for LAN discovery (net/lan.c): what comes
 * to the shared discovery port and the answers that come to the chat
 * socket, from many sources, on a real net with discovery on.
 *
 * Discovery only runs beyond loopback, and must never announce on a
 * network that is not ours: the target first moves into a network
 * namespace of its own (unshare, so it needs root), where there is no
 * interface but a loopback that is down, and nothing can leave.
 *
 * The input is a run of chunks:
 *
 *	MODE SRC LEN_LO LEN_HI BYTES...
 *
 * MODE bit 0: BYTES go to the chat socket (net_receive), else to the
 * discovery port (lan_receive). SRC picks one of 64 sources, IPv4 and
 * IPv6 (link-local with a scope among them) and ports. In BYTES, "@K"
 * stands for a valid key (base64url of 32 bytes) picked by the next byte,
 * which no fuzzer would write.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <uv.h>

#include "net/lan.h"
#include "net/link.h"
#include "net/net.h"
#include "net/proto.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
static void	 fail(const char *) __attribute__((noreturn));

static uv_loop_t	 loop;
static struct evq	 evq;
static struct net	*net;
static unsigned		 found;		/* peers in the table, as told */

static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_lan: %s\n", what);
	abort();
}

static void
drain_cb(void *arg, struct event *ev)
{
	(void)arg;
	if (ev->kind == EV_PEER && ev->discovered && ev->peer[0] == '\0')
		fail("a peer found without an address");
}

static void
count_cb(void *arg, const struct lan_peer_info *info)
{
	(void)info;
	(*(unsigned *)arg)++;
}

static void
setup(void)
{
	struct net_config	 cfg;

	if (unshare(CLONE_NEWNET) != 0)
		fail("cannot make a network namespace of its own (root "
		    "needed): discovery is never fuzzed on a real network");
	if (sodium_init() < 0 || uv_loop_init(&loop) != 0 ||
	    evq_init(&evq, &loop, drain_cb, NULL) != 0)
		fail("setup");
	memset(&cfg, 0, sizeof cfg);
	cfg.bind = "::";
	cfg.nick = "fz";
	cfg.heartbeat_ms = 5000;
	cfg.probe_ms = 1000;
	if (net_open(&net, &loop, &evq, &cfg) != 0)
		fail("net_open");
	if (net_discovery(net, 1) != 0)
		fail("net_discovery");
}

static void
source(uint8_t sel, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (sel & 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)(8000 + (sel >> 4)));
		sin6->sin6_addr.s6_addr[0] = (sel & 2) ? 0xfe : 0x20;
		sin6->sin6_addr.s6_addr[1] = (sel & 2) ? 0x80 : 0x01;
		sin6->sin6_addr.s6_addr[15] = (uint8_t)(sel >> 2);
		sin6->sin6_scope_id = (sel & 2) ? 1 : 0;
		return;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)(8000 + (sel >> 4)));
	sin->sin_addr.s_addr = htonl(0x0a000000u | (sel >> 1));
}

/* Write BYTES out with each "@K" and the byte after it as a key. */
static size_t
expand(const uint8_t *in, size_t len, char *out, size_t size)
{
	uint8_t	 key[32];
	size_t	 i = 0, o = 0;
	int	 n;

	while (i < len && o < size) {
		if (i + 2 < len && in[i] == '@' && in[i + 1] == 'K') {
			memset(key, in[i + 2], sizeof key);
			key[0] ^= 0x5a;
			if ((n = proto_b64_encode(out + o, size - o, key,
			    sizeof key)) < 0)
				break;
			o += (size_t)n;
			i += 3;
			continue;
		}
		out[o++] = (char)in[i++];
	}
	return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char		 buf[70000];
	struct sockaddr_storage	 ss;
	size_t			 len, n;
	uint8_t			 mode, sel;

	if (net == NULL)
		setup();
	while (size >= 4) {
		mode = data[0];
		sel = data[1];
		len = (size_t)data[2] | (size_t)data[3] << 8;
		data += 4;
		size -= 4;
		if (len > size)
			len = size;
		n = expand(data, len, buf, sizeof buf);
		data += len;
		size -= len;
		source(sel, &ss);
		if (mode & 1)
			net_receive(net, buf, n, (struct sockaddr *)&ss);
		else
			lan_receive(net->lan, buf, n, (struct sockaddr *)&ss);
		uv_run(&loop, UV_RUN_NOWAIT);
		evq_drain(&evq);
	}
	found = 0;
	net_lan_foreach(net, count_cb, &found);
	if (found > LAN_MAX_PEERS)
		fail("more peers found than the table holds");
	return 0;
}
