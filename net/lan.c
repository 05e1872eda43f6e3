/*
 * lan.c: LAN discovery (lan.h). Its own two sockets on the well-known
 * port take announcements; answers go unicast from the chat socket to the
 * announcer's chat port, because the shared port gives a unicast datagram
 * to only one of the uvqq on a host.
 */
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "net/addr.h"
#include "net/bucket.h"
#include "net/lan.h"
#include "net/link.h"
#include "net/reach.h"
#include "src/identity.h"

#define LAN_INTAKE_RATE		400	/* frames/s from strangers, in all */
#define LAN_FRESH_RATE		20	/* new peers/s */
#define LAN_FRESH_BURST		64
#define LAN_SOURCE_RATE		10	/* frames/s from one peer found */
#define LAN_ANSWER_RATE		5	/* answers/s, in all */
#define LAN_ANSWER_GAP_MS	2000	/* one answer per source per this */
#define LAN_ANSWER_DELAY_MS	1000	/* answers wait up to this, at random,
					   so a room does not answer at once */
#define LAN_FORGET_MS		(10 * 60 * 1000)	/* offline, then gone */

struct lan_peer {
	struct sockaddr_storage	 addr;		/* its chat address */
	char			 addrstr[EV_ADDRLEN];
	char			 nick[PROTO_NICK_MAX + 1];
	uint8_t			 key[PROTO_KEY_BYTES];
	char			 fingerprint[IDENTITY_FP_LEN];
	uint64_t		 seen;		/* ms: its last frame taken */
	uint64_t		 answered;	/* ms: our last answer; 0 none */
	uint64_t		 answer_due;	/* ms; 0: none */
	size_t			 asked_len;	/* the announcement's size */
	struct bucket		 budget;	/* of frames it may send */
	int			 used;
	int			 online;
};

struct lan {
	struct net		*net;
	uv_udp_t		 udp4;
	uv_udp_t		 udp6;
	int			 open4, open6;	/* handles to close */
	int			 up4, up6;	/* and receiving */
	uv_timer_t		 presence;	/* announce and expire */
	uv_timer_t		 answers;	/* answers, once due */
	int			 pending_closes;
	void			(*closed)(void *);
	void			*closed_arg;
	uint64_t		 rng;
	struct bucket		 intake, fresh, answer;
	struct lan_stats	 stats;
	struct lan_peer		 peers[LAN_MAX_PEERS];
	char			 rxbuf[2048];	/* larger is not ours */
};

static void	 answers_cb(uv_timer_t *);

/* xorshift64: answer delays need no more. */
static uint64_t
lan_random(struct lan *lan)
{
	lan->rng ^= lan->rng << 13;
	lan->rng ^= lan->rng >> 7;
	lan->rng ^= lan->rng << 17;
	return lan->rng;
}

static uint16_t
chat_port(const struct net *n)
{
	const struct sockaddr *sa = (const struct sockaddr *)&n->bound;

	return ntohs(sa->sa_family == AF_INET ?
	    ((const struct sockaddr_in *)sa)->sin_port :
	    ((const struct sockaddr_in6 *)sa)->sin6_port);
}

static int
lan_encode(struct lan *lan, char kind, char *buf, size_t size)
{
	char			 pad[LAN_ANNOUNCE_LEN];
	struct net		*n = lan->net;
	struct frame		 f;
	int			 len;

	memset(&f, 0, sizeof f);
	f.type = FRAME_LAN;
	f.sid = n->sid;
	snprintf(f.nick, sizeof f.nick, "%s", n->nick);
	memcpy(f.ikey, n->identity.pk, sizeof f.ikey);
	f.lan = kind;
	f.port = chat_port(n);
	if ((len = proto_encode(&f, buf, size)) < 0 || kind != 'a')
		return len;
	/* An announcement pays for any answer: padded with spaces to the
	 * size no answer exceeds. */
	if ((size_t)len + 1 < LAN_ANNOUNCE_LEN) {
		memset(pad, ' ', sizeof pad);
		f.body = pad;
		f.bodylen = LAN_ANNOUNCE_LEN - (size_t)len - 1;
		len = proto_encode(&f, buf, size);
	}
	return len;
}

static void
lan_emit(struct lan *lan, const struct lan_peer *p, int forgotten)
{
	struct event	*ev;

	if ((ev = evq_new(EV_PEER)) == NULL)
		return;
	memcpy(ev->peer, p->addrstr, sizeof ev->peer);
	ev->peer_kind = PEER_UVQQ;
	ev->state = p->online ? PEER_ONLINE : PEER_OFFLINE;
	ev->discovered = 1;
	ev->forgotten = forgotten;
	memcpy(ev->key, p->key, sizeof ev->key);
	memcpy(ev->fingerprint, p->fingerprint, sizeof ev->fingerprint);
	if (event_set_nick(ev, p->nick) != 0) {
		evq_free(ev);
		return;
	}
	evq_push(lan->net->evq, ev);
}

static void
send_one(struct lan *lan, uv_udp_t *udp, const struct sockaddr *to,
    const char *buf, int len)
{
	uv_buf_t	 b = uv_buf_init((char *)buf, (unsigned)len);

	if (uv_udp_try_send(udp, &b, 1, to) == len)
		lan->stats.out++;
	else
		lan->stats.errors++;
}

/* Whether a chat socket bound to bound (port aside) answers at sa. */
static int
bound_takes(const struct net *n, const struct sockaddr *sa)
{
	const struct sockaddr_in	*b4;

	if (!net_takes(n, sa->sa_family))
		return 0;
	if (n->bound.ss_family != AF_INET)
		return 1;	/* "::": lan_start refuses any other IPv6 */
	b4 = (const struct sockaddr_in *)&n->bound;
	return b4->sin_addr.s_addr == htonl(INADDR_ANY) ||
	    b4->sin_addr.s_addr ==
	    ((const struct sockaddr_in *)sa)->sin_addr.s_addr;
}

/* Whether the interface called name carries an overlay (Yggdrasil)
 * address: not a LAN, and no one there hears a multicast. */
static int
is_overlay(const uv_interface_address_t *ifs, int nifs, const char *name)
{
	int	 i;

	for (i = 0; i < nifs; i++) {
		if (ifs[i].address.address6.sin6_family == AF_INET6 &&
		    strcmp(ifs[i].name, name) == 0 &&
		    reach_classify((const struct sockaddr *)
		    &ifs[i].address.address6) == REACH_YGGDRASIL)
			return 1;
	}
	return 0;
}

/*
 * Announce on every LAN interface: a directed broadcast per IPv4 subnet,
 * ff02::1 per interface with IPv6. Never on loopback: another uvqq on
 * this host hears the broadcast looped back.
 */
static void
lan_send_all(struct lan *lan, char kind)
{
	uv_interface_address_t	*ifs;
	struct sockaddr_in	 to4;
	struct sockaddr_in6	 to6;
	char			 buf[LAN_ANNOUNCE_LEN + 64];
	unsigned		 done6[32], ndone6 = 0, idx, j;
	int			 nifs, i, len;
	uint32_t		 a, m;

	if ((len = lan_encode(lan, kind, buf, sizeof buf)) < 0 ||
	    uv_interface_addresses(&ifs, &nifs) != 0) {
		lan->stats.errors++;
		return;
	}
	for (i = 0; i < nifs; i++) {
		if (ifs[i].is_internal ||
		    !bound_takes(lan->net, (struct sockaddr *)&ifs[i].address))
			continue;
		if (ifs[i].address.address4.sin_family == AF_INET) {
			if (!lan->up4)
				continue;
			a = ntohl(ifs[i].address.address4.sin_addr.s_addr);
			m = ntohl(ifs[i].netmask.netmask4.sin_addr.s_addr);
			if (m == 0xffffffff || m == 0xfffffffe)
				continue;	/* no one else on it */
			memset(&to4, 0, sizeof to4);
			to4.sin_family = AF_INET;
			to4.sin_port = htons(LAN_PORT);
			to4.sin_addr.s_addr = htonl(a | ~m);
			send_one(lan, &lan->udp4, (struct sockaddr *)&to4,
			    buf, len);
			continue;
		}
		if (ifs[i].address.address6.sin6_family != AF_INET6 ||
		    !lan->up6 || !IN6_IS_ADDR_LINKLOCAL(
		    &ifs[i].address.address6.sin6_addr) ||
		    is_overlay(ifs, nifs, ifs[i].name) ||
		    (idx = if_nametoindex(ifs[i].name)) == 0)
			continue;
		for (j = 0; j < ndone6 && done6[j] != idx; j++)
			;
		if (j < ndone6 || ndone6 == sizeof done6 / sizeof done6[0])
			continue;
		done6[ndone6++] = idx;
		memset(&to6, 0, sizeof to6);
		to6.sin6_family = AF_INET6;
		to6.sin6_port = htons(LAN_PORT);
		to6.sin6_addr.s6_addr[0] = 0xff;
		to6.sin6_addr.s6_addr[1] = 0x02;
		to6.sin6_addr.s6_addr[15] = 0x01;
		to6.sin6_scope_id = idx;
		send_one(lan, &lan->udp6, (struct sockaddr *)&to6, buf, len);
	}
	uv_free_interface_addresses(ifs, nifs);
}

static struct lan_peer *
lan_find(struct lan *lan, const struct sockaddr *sa)
{
	int	 i;

	for (i = 0; i < LAN_MAX_PEERS; i++) {
		if (lan->peers[i].used && addr_equal(sa,
		    (struct sockaddr *)&lan->peers[i].addr))
			return &lan->peers[i];
	}
	return NULL;
}

/* The same key heard over the other address family: the same uvqq. */
static struct lan_peer *
lan_find_twin(struct lan *lan, const struct sockaddr *sa,
    const uint8_t *key)
{
	struct lan_peer	*p;
	int		 i;

	for (i = 0; i < LAN_MAX_PEERS; i++) {
		p = &lan->peers[i];
		if (p->used && p->addr.ss_family != sa->sa_family &&
		    memcmp(p->key, key, sizeof p->key) == 0)
			return p;
	}
	return NULL;
}

/* A free slot, else the one offline longest; NULL when all are online. */
static struct lan_peer *
lan_slot(struct lan *lan)
{
	struct lan_peer	*p, *oldest = NULL;
	int		 i;

	for (i = 0; i < LAN_MAX_PEERS; i++) {
		p = &lan->peers[i];
		if (!p->used)
			return p;
		if (!p->online && (oldest == NULL || p->seen < oldest->seen))
			oldest = p;
	}
	if (oldest != NULL)
		lan_emit(lan, oldest, 1);
	return oldest;
}

static void
arm_answers(struct lan *lan)
{
	uint64_t	 now = uv_now(lan->net->loop), due = 0;
	int		 i;

	for (i = 0; i < LAN_MAX_PEERS; i++) {
		if (lan->peers[i].used && lan->peers[i].answer_due != 0 &&
		    (due == 0 || lan->peers[i].answer_due < due))
			due = lan->peers[i].answer_due;
	}
	if (due != 0)
		uv_timer_start(&lan->answers, answers_cb,
		    due > now ? due - now : 0, 0);
}

/* Take a LAN frame from sa (its chat address), of len bytes. */
static void
lan_take(struct lan *lan, const struct frame *f, const struct sockaddr *sa,
    size_t len)
{
	struct lan_peer	*p, *twin = NULL;
	uint64_t	 now = uv_now(lan->net->loop);
	int		 changed;

	if ((p = lan_find(lan, sa)) == NULL)
		p = twin = lan_find_twin(lan, sa, f->ikey);
	/*
	 * A peer in the table has its own budget, so a flood of strangers,
	 * which shares one, cannot starve the peers we know.
	 */
	if (p != NULL && !bucket_take(&p->budget, now, LAN_SOURCE_RATE,
	    LAN_SOURCE_RATE)) {
		lan->stats.limited++;
		return;
	}
	if (twin != NULL) {
		/*
		 * Its key from the other family keeps it online, no more:
		 * a key is public, so a bye, a nick or a question is taken
		 * only from the address the peer was found at.
		 */
		lan->stats.in++;
		if (p->online)
			p->seen = now;
		return;
	}
	if (p == NULL) {
		if (f->lan == 'b')
			return;
		if (!bucket_take(&lan->intake, now, LAN_INTAKE_RATE,
		    LAN_INTAKE_RATE) || !bucket_take(&lan->fresh, now,
		    LAN_FRESH_RATE, LAN_FRESH_BURST)) {
			lan->stats.limited++;
			return;
		}
		if ((p = lan_slot(lan)) == NULL) {
			lan->stats.full++;
			return;
		}
		memset(p, 0, sizeof *p);
		memcpy(&p->addr, sa, addr_len(sa));
		if (addr_format(sa, p->addrstr, sizeof p->addrstr) != 0)
			return;
		p->used = 1;
		bucket_take(&p->budget, now, LAN_SOURCE_RATE, LAN_SOURCE_RATE);
	}
	lan->stats.in++;
	p->seen = now;
	changed = !p->online || strcmp(p->nick, f->nick) != 0 ||
	    memcmp(p->key, f->ikey, sizeof p->key) != 0;
	if (f->lan == 'b') {
		p->answer_due = 0;
		if (p->online) {
			p->online = 0;
			lan_emit(lan, p, 0);
		}
		return;
	}
	p->online = 1;
	memcpy(p->nick, f->nick, sizeof p->nick);
	if (memcmp(p->key, f->ikey, sizeof p->key) != 0) {
		memcpy(p->key, f->ikey, sizeof p->key);
		identity_fingerprint(p->key, p->fingerprint);
	}
	if (changed)
		lan_emit(lan, p, 0);
	if (f->lan == 'a' && p->answer_due == 0 && (p->answered == 0 ||
	    now - p->answered >= LAN_ANSWER_GAP_MS)) {
		p->asked_len = len;
		p->answer_due = now + 1 + lan_random(lan) %
		    LAN_ANSWER_DELAY_MS;
		arm_answers(lan);
	}
}

static void
answers_cb(uv_timer_t *t)
{
	struct lan	*lan = t->data;
	struct lan_peer	*p;
	uint64_t	 now = uv_now(lan->net->loop);
	char		 buf[LAN_ANNOUNCE_LEN + 64];
	int		 i, len;

	if ((len = lan_encode(lan, 'r', buf, sizeof buf)) < 0)
		return;
	for (i = 0; i < LAN_MAX_PEERS; i++) {
		p = &lan->peers[i];
		if (!p->used || p->answer_due == 0 || p->answer_due > now)
			continue;
		p->answer_due = 0;
		/* Never more than was asked, nor more than a few a second. */
		if ((size_t)len > p->asked_len || !bucket_take(&lan->answer,
		    now, LAN_ANSWER_RATE, LAN_ANSWER_RATE)) {
			lan->stats.limited++;
			continue;
		}
		p->answered = now;
		if (net_sendto(lan->net, (struct sockaddr *)&p->addr, buf,
		    (size_t)len) == 0)
			lan->stats.out++;
		else
			lan->stats.errors++;
	}
	arm_answers(lan);
}

static void
presence_cb(uv_timer_t *t)
{
	struct lan	*lan = t->data;
	struct lan_peer	*p;
	uint64_t	 now = uv_now(lan->net->loop);
	uint64_t	 expire = lan->net->heartbeat_ms * 7 / 2;
	int		 i;

	lan_send_all(lan, 'p');
	for (i = 0; i < LAN_MAX_PEERS; i++) {
		p = &lan->peers[i];
		if (!p->used)
			continue;
		if (p->online && now - p->seen > expire) {
			p->online = 0;
			p->answer_due = 0;
			lan_emit(lan, p, 0);
		} else if (!p->online && now - p->seen > LAN_FORGET_MS) {
			lan_emit(lan, p, 1);
			p->used = 0;
		}
	}
}

void
lan_receive(struct lan *lan, const char *buf, size_t len,
    const struct sockaddr *from)
{
	struct sockaddr_storage	 ss;
	struct frame		 f;

	if (proto_decode(buf, len, &f) != 0 || f.type != FRAME_LAN ||
	    f.lan == 'r') {
		lan->stats.malformed++;
		return;
	}
	/* Our own, looped back. */
	if (memcmp(f.ikey, lan->net->identity.pk, sizeof f.ikey) == 0)
		return;
	memcpy(&ss, from, addr_len(from));
	addr_normalize(&ss);
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(f.port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(f.port);
	if (!net_takes(lan->net, ss.ss_family))
		return;
	lan_take(lan, &f, (struct sockaddr *)&ss, len);
}

void
lan_on_frame(struct lan *lan, const struct frame *f,
    const struct sockaddr *from, size_t len)
{
	/* Only answers come to the chat port. */
	if (f->lan != 'r' ||
	    memcmp(f->ikey, lan->net->identity.pk, sizeof f->ikey) == 0) {
		lan->stats.malformed++;
		return;
	}
	lan_take(lan, f, from, len);
}

static void
alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct lan	*lan = h->data;

	(void)suggested;
	*buf = uv_buf_init(lan->rxbuf, sizeof lan->rxbuf);
}

static void
recv_cb(uv_udp_t *udp, ssize_t nread, const uv_buf_t *buf,
    const struct sockaddr *from, unsigned flags)
{
	struct lan	*lan = udp->data;

	if (nread <= 0 || from == NULL)
		return;
	if (flags & UV_UDP_PARTIAL) {
		lan->stats.malformed++;
		return;
	}
	lan_receive(lan, buf->base, (size_t)nread, from);
}

/*
 * The shared port: SO_REUSEADDR lets every uvqq on the host bind it and
 * each gets every broadcast; SO_REUSEPORT as well, where the kernel
 * wants it (the same user's).
 */
static int
lan_socket(int family, uv_os_sock_t *out)
{
	struct sockaddr_storage	 ss;
	int			 fd, on = 1, r;

	addr_from_host(family == AF_INET ? "0.0.0.0" : "::", LAN_PORT, &ss);
	if ((fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0 ||
	    (family == AF_INET && setsockopt(fd, SOL_SOCKET, SO_BROADCAST,
	    &on, sizeof on) != 0) ||
	    (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &on, sizeof on) != 0) ||
	    bind(fd, (struct sockaddr *)&ss, addr_len((struct sockaddr *)&ss))
	    != 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*out = fd;
	return 0;
}

/* Open one of the two sockets; *opened: its handle needs closing. */
static int
lan_open(struct lan *lan, uv_udp_t *udp, int family, int *opened)
{
	uv_os_sock_t	 fd = -1;
	int		 r;

	if ((r = lan_socket(family, &fd)) != 0)
		return r;
	uv_udp_init(lan->net->loop, udp);
	udp->data = lan;
	*opened = 1;
	if ((r = uv_udp_open(udp, fd)) != 0) {
		close(fd);
		return r;
	}
	return uv_udp_recv_start(udp, alloc_cb, recv_cb);
}

static void
lan_close_cb(uv_handle_t *h)
{
	struct lan	*lan = h->data;

	if (--lan->pending_closes > 0)
		return;
	if (lan->closed != NULL)
		lan->closed(lan->closed_arg);
	free(lan);
}

static void
lan_close(struct lan *lan)
{
	lan->pending_closes = 2 + lan->open4 + lan->open6;
	if (lan->open4)
		uv_close((uv_handle_t *)&lan->udp4, lan_close_cb);
	if (lan->open6)
		uv_close((uv_handle_t *)&lan->udp6, lan_close_cb);
	uv_close((uv_handle_t *)&lan->presence, lan_close_cb);
	uv_close((uv_handle_t *)&lan->answers, lan_close_cb);
}

int
lan_start(struct net *n, struct lan **out)
{
	struct lan	*lan;
	int		 r4 = UV_EAFNOSUPPORT, r6 = UV_EAFNOSUPPORT;

	if (reach_classify((const struct sockaddr *)&n->bound) ==
	    REACH_LOOPBACK)
		return UV_EADDRNOTAVAIL;
	/* A chat socket on one IPv6 address (an overlay's, say) is not on
	 * a LAN's link-local multicast. */
	if (n->bound.ss_family == AF_INET6 && !net_takes(n, AF_INET))
		return UV_EADDRNOTAVAIL;
	if ((lan = calloc(1, sizeof *lan)) == NULL)
		return UV_ENOMEM;
	lan->net = n;
	lan->rng = n->sid | 1;
	uv_timer_init(n->loop, &lan->presence);
	uv_timer_init(n->loop, &lan->answers);
	lan->presence.data = lan->answers.data = lan;
	if (net_takes(n, AF_INET))
		r4 = lan_open(lan, &lan->udp4, AF_INET, &lan->open4);
	if (n->family == AF_INET6)
		r6 = lan_open(lan, &lan->udp6, AF_INET6, &lan->open6);
	/* One family is enough; one that failed is closed at lan_stop. */
	if (r4 != 0 && r6 != 0) {
		lan_close(lan);
		return r4 != UV_EAFNOSUPPORT ? r4 : r6;
	}
	lan->up4 = r4 == 0;
	lan->up6 = r6 == 0;
	uv_timer_start(&lan->presence, presence_cb, n->heartbeat_ms,
	    n->heartbeat_ms);
	lan_send_all(lan, 'a');
	*out = lan;
	return 0;
}

void
lan_stop(struct lan *lan, int bye, void (*closed)(void *), void *arg)
{
	int	 i;

	if (bye)
		lan_send_all(lan, 'b');
	for (i = 0; i < LAN_MAX_PEERS; i++) {
		if (lan->peers[i].used)
			lan_emit(lan, &lan->peers[i], 1);
	}
	lan->closed = closed;
	lan->closed_arg = arg;
	lan_close(lan);
}

void
lan_announce(struct lan *lan)
{
	lan_send_all(lan, 'p');
}

static int
by_seen(const void *a, const void *b)
{
	const struct lan_peer	*x = *(const struct lan_peer *const *)a;
	const struct lan_peer	*y = *(const struct lan_peer *const *)b;

	return x->seen < y->seen ? 1 : x->seen > y->seen ? -1 : 0;
}

void
lan_foreach(struct lan *lan, void (*cb)(void *, const struct lan_peer_info *),
    void *arg)
{
	const struct lan_peer	*order[LAN_MAX_PEERS];
	struct lan_peer_info	 info;
	uint64_t		 now = uv_now(lan->net->loop);
	size_t			 n = 0, i;

	for (i = 0; i < LAN_MAX_PEERS; i++) {
		if (lan->peers[i].used)
			order[n++] = &lan->peers[i];
	}
	qsort(order, n, sizeof order[0], by_seen);
	for (i = 0; i < n; i++) {
		info.addr = order[i]->addrstr;
		info.nick = order[i]->nick;
		info.fingerprint = order[i]->fingerprint;
		info.online = order[i]->online;
		info.seen_ms_ago = now - order[i]->seen;
		cb(arg, &info);
	}
}

void
lan_get_stats(const struct lan *lan, struct lan_stats *st)
{
	*st = lan->stats;
}
