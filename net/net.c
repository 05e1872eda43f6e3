/*
 * net.c: the UDP socket, the table of peers and what arrives on the wire.
 *
 * A datagram that starts with "uvqq/<digit>" is a frame; anything else is
 * text from a plain peer, or binary noise, which is counted and dropped.
 * What kind a peer is and the session handshake are handshake.c's.
 */
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/addr.h"
#include "net/lan.h"
#include "net/link.h"
#include "src/identity.h"
#include "src/utf8.h"

static void	 link_close_cb(uv_handle_t *);
static void	 net_free(struct net *);

struct link *
link_find(struct net *n, const struct sockaddr *sa)
{
	struct link	*l;

	for (l = n->links; l != NULL; l = l->next) {
		if (!l->forgotten &&
		    addr_equal((const struct sockaddr *)&l->addr, sa))
			return l;
	}
	return NULL;
}

struct link *
link_new(struct net *n, const struct sockaddr *sa, enum peer_kind kind,
    enum peer_state state)
{
	struct link	*l;

	if (n->nlinks >= NET_MAX_LINKS || (l = calloc(1, sizeof *l)) == NULL) {
		n->stats.dropped++;
		return NULL;
	}
	l->net = n;
	memcpy(&l->addr, sa, addr_len(sa));
	addr_normalize(&l->addr);
	if (addr_format((struct sockaddr *)&l->addr, l->addrstr,
	    sizeof l->addrstr) != 0) {
		free(l);
		return NULL;
	}
	if (uv_timer_init(n->loop, &l->timer) != 0) {
		free(l);
		return NULL;
	}
	l->timer.data = l;
	l->kind = kind;
	l->state = state;
	l->last_heard = uv_now(n->loop);
	link_init_stream(l);
	l->next = n->links;
	n->links = l;
	n->nlinks++;
	net_emit_peer(n, l);
	return l;
}

void
link_destroy(struct link *l)
{
	struct net	*n = l->net;
	struct link	**pp;

	for (pp = &n->links; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	for (pp = &n->due_list; *pp != NULL; pp = &(*pp)->due_next) {
		if (*pp == l) {
			*pp = l->due_next;
			break;
		}
	}
	if (n->packlink == l) {
		n->packlen = 0;
		n->packlink = NULL;
	}
	for (pp = &n->confirm_list; *pp != NULL; pp = &(*pp)->confirm_next) {
		if (*pp == l) {
			*pp = l->confirm_next;
			break;
		}
	}
	n->nlinks--;
	l->forgotten = 1;
	n->pending_closes++;
	uv_close((uv_handle_t *)&l->timer, link_close_cb);
}

static void
net_maybe_closed(struct net *n)
{
	if (n->closing && n->pending_closes == 0 && n->close_cb != NULL) {
		void	(*cb)(void *) = n->close_cb;
		void	*arg = n->close_arg;

		net_free(n);
		cb(arg);
	}
}

static void
link_close_cb(uv_handle_t *h)
{
	struct link	*l = h->data;
	struct net	*n = l->net;

	link_free_stream(l);
	seal_wipe(&l->cur, sizeof l->cur);
	seal_wipe(&l->cand, sizeof l->cand);
	free(l);
	n->pending_closes--;
	net_maybe_closed(n);
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
	if (l->rsid != 0) {
		ev->secure = 1;
		memcpy(ev->key, l->cur.ikey, sizeof ev->key);
	}
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
	if (l->kind == kind && l->state == state)
		return;
	l->kind = kind;
	l->state = state;
	net_emit_peer(l->net, l);
}

/* Put an address in the bound socket's family (IPv4-mapped on IPv6). */
static int
addr_for_socket(const struct net *n, const struct sockaddr *sa,
    struct sockaddr_storage *out)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)sa;
	struct sockaddr_in6		*sin6 = (struct sockaddr_in6 *)out;

	if (sa->sa_family == n->family) {
		memcpy(out, sa, addr_len(sa));
		return 0;
	}
	if (n->family == AF_INET6 && sa->sa_family == AF_INET) {
		memset(sin6, 0, sizeof *sin6);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = sin->sin_port;
		sin6->sin6_addr.s6_addr[10] = 0xff;
		sin6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&sin6->sin6_addr.s6_addr[12], &sin->sin_addr, 4);
		return 0;
	}
	return UV_EAFNOSUPPORT;
}

struct send_req {
	uv_udp_send_t	 req;
	char		 data[];
};

static void
send_done_cb(uv_udp_send_t *req, int status)
{
	(void)status;	/* ICMP errors and the like: the peer is just quiet */
	free(req);
}

int
net_sendto(struct net *n, const struct sockaddr *sa, const char *buf,
    size_t len)
{
	struct sockaddr_storage	 to;
	struct send_req		*sr;
	uv_buf_t		 b;
	int			 r;

	if ((r = addr_for_socket(n, sa, &to)) != 0)
		return r;
	b = uv_buf_init((char *)buf, (unsigned)len);
	r = uv_udp_try_send(&n->udp, &b, 1, (struct sockaddr *)&to);
	if (r >= 0) {
		n->stats.datagrams_out++;
		return 0;
	}
	if (r != UV_EAGAIN)
		return r;
	/* The socket buffer is full: queue a copy, in order, on the loop. */
	if ((sr = malloc(sizeof *sr + len)) == NULL)
		return UV_ENOMEM;
	memcpy(sr->data, buf, len);
	b = uv_buf_init(sr->data, (unsigned)len);
	if ((r = uv_udp_send(&sr->req, &n->udp, &b, 1, (struct sockaddr *)&to,
	    send_done_cb)) != 0) {
		free(sr);
		return r;
	}
	n->stats.datagrams_out++;
	return 0;
}

/*
 * To an address that has not shown it receives what we send (we did not
 * add it, and it never named our session in d=), send no more bytes than
 * it sent us, and at most NET_HS_REPEATS datagrams more: a stranger, or
 * anyone forging a victim's address, cannot make uvqq an amplifier.
 */
int
link_may_send(const struct link *l, size_t len)
{
	return l->validated || (l->bytes_out + len <= l->bytes_in &&
	    l->datagrams_out < l->datagrams_in + NET_HS_REPEATS);
}

int
link_sendto(struct link *l, const char *buf, size_t len)
{
	struct net	*n = l->net;
	int		 r;

	if (!link_may_send(l, len)) {
		n->stats.withheld++;
		return UV_EAGAIN;
	}
	if ((r = net_sendto(n, (struct sockaddr *)&l->addr, buf, len)) != 0)
		return r;
	l->bytes_out += len;
	l->datagrams_out++;
	l->last_sent = uv_now(n->loop);
	return 0;
}

/* One frame to a uvqq peer, sealed (session.c): never in the clear. */
int
net_send_frame(struct net *n, struct link *l, struct frame *f)
{
	int	 len;

	f->sid = n->sid;
	if ((len = proto_encode(f, n->txbuf, sizeof n->txbuf)) < 0)
		return len;
	return session_send(l, n->txbuf, (size_t)len);
}

/*
 * MSG segments: to a peer that takes it, several go in one datagram,
 * sent when the next does not fit or by net_pack_flush. Far fewer system
 * calls (on both sides) for a burst of short messages.
 */
int
net_pack_frame(struct net *n, struct link *l, struct frame *f)
{
	int	 len;

	if (!l->packs)
		return net_send_frame(n, l, f);
	if (n->packlink != l)
		net_pack_flush(n);
	f->sid = n->sid;
	f->packed = 1;
	len = proto_encode(f, n->pack + n->packlen,
	    PROTO_SEALED_MAX - n->packlen);
	if (len == UV_ENOBUFS && n->packlen > 0) {
		net_pack_flush(n);
		len = proto_encode(f, n->pack, PROTO_SEALED_MAX);
	}
	if (len < 0) {
		f->packed = 0;
		return net_send_frame(n, l, f);
	}
	n->packlen += (size_t)len;
	n->packlink = l;
	return 0;
}

void
net_pack_flush(struct net *n)
{
	struct link	*l = n->packlink;

	if (l == NULL)
		return;
	/* A failed send is a lost datagram: the segments are resent. */
	(void)session_send(l, n->pack, n->packlen);
	n->packlen = 0;
	n->packlink = NULL;
}

void
link_send_plain(struct link *l, const char *text, size_t len)
{
	size_t	 cut;

	if (len == 0) {
		link_sendto(l, "", 0);
		return;
	}
	while (len > 0) {
		cut = utf8_cut(text, len, PROTO_PLAIN_CHUNK);
		link_sendto(l, text, cut);
		text += cut;
		len -= cut;
	}
}

/* A frame that came sealed from session f->sid, the current one. */
static void
on_sealed_frame(struct net *n, struct link *l, const struct frame *f)
{
	switch (f->type) {
	case FRAME_MSG:
		link_on_msg(l, f);
		break;
	case FRAME_ACK:
		if (f->dsid == n->sid)
			link_on_ack(l, f);
		break;
	case FRAME_PING: {
		struct frame	 pong;

		memset(&pong, 0, sizeof pong);
		pong.type = FRAME_PONG;
		pong.dsid = f->sid;
		net_send_frame(n, l, &pong);
		break;
	}
	case FRAME_PONG:
		if (f->dsid == n->sid)
			hs_rtt_from_probe(l);
		break;
	case FRAME_HELLO:
		/* A new nick, told inside the seal. */
		if (strcmp(l->nick, f->nick) != 0) {
			memcpy(l->nick, f->nick, sizeof l->nick);
			net_emit_peer(n, l);
		}
		break;
	case FRAME_BYE:
		link_set_state(l, PEER_UVQQ, PEER_OFFLINE);
		return;
	default:
		n->stats.malformed++;	/* no handshake inside a seal */
		return;
	}
	/* Any sign of life from a uvqq peer we thought gone. */
	if (l->kind == PEER_UVQQ && l->state != PEER_ONLINE) {
		link_set_state(l, PEER_UVQQ, PEER_ONLINE);
		link_pump(l);
	}
}

static void
link_count_in(struct link *l, size_t len)
{
	l->datagrams_in++;
	l->bytes_in += len;
}

/* The frames inside a seal that opened, one by one. */
static void
on_opened(struct net *n, struct link *l, const struct frame *f,
    struct session *s, const char *plain, int len)
{
	struct frame	 in;
	size_t		 off = 0, used;

	l->validated = 1;	/* it named our session, and the seal opened */
	hs_on_sealed(l, s);
	while (off < (size_t)len) {
		if (proto_decode_next(plain + off, (size_t)len - off, &in,
		    &used) != 0 || in.sid != f->sid || in.type == FRAME_SEAL) {
			n->stats.malformed++;
			return;
		}
		off += used;
		on_sealed_frame(n, l, &in);
		if (l->forgotten)
			return;
	}
}

/* A SEAL: open it, and take the frames inside. */
static void
on_seal(struct net *n, struct link *l, const struct frame *f,
    const char *datagram)
{
	struct session	*s;
	char		 plain[PROTO_SEALED_MAX];
	int		 len;

	if ((len = session_open(l, f, datagram, plain, &s)) < 0) {
		if (len == UV_ENOTCONN)
			hs_on_stranger_frame(l);
		return;
	}
	on_opened(n, l, f, s, plain, len);
}

/*
 * A seal from an address we do not know, to our session, from a session a
 * peer of ours is in: the peer moved (its NAT gave it another port, its
 * laptop another network). The link follows it once the seal opens there:
 * only the key's holder can seal, and a seal opens once. Returns whether
 * it did.
 */
static int
link_follow(struct net *n, const struct sockaddr *sa, const struct frame *f,
    const char *datagram, size_t len)
{
	struct link	*l;
	struct session	*s;
	struct event	*ev;
	char		 plain[PROTO_SEALED_MAX], was[EV_ADDRLEN];
	int		 plen;

	if (f->type != FRAME_SEAL || f->dsid != n->sid)
		return 0;
	for (l = n->links; l != NULL; l = l->next) {
		if (!l->forgotten && l->rsid != 0 && l->cur.sid == f->sid)
			break;
	}
	if (l == NULL || (plen = session_open(l, f, datagram, plain, &s)) < 0)
		return 0;
	memcpy(was, l->addrstr, sizeof was);
	memcpy(&l->addr, sa, addr_len(sa));
	addr_normalize(&l->addr);
	if (addr_format((struct sockaddr *)&l->addr, l->addrstr,
	    sizeof l->addrstr) != 0)
		return 0;
	link_count_in(l, len);
	if ((ev = evq_new(EV_MOVED)) != NULL) {
		memcpy(ev->peer, l->addrstr, sizeof ev->peer);
		if (event_set_text(ev, was, strlen(was)) == 0)
			evq_push(n->evq, ev);
		else
			evq_free(ev);
	}
	on_opened(n, l, f, s, plain, plen);
	return 1;
}

/* A frame from a uvqq in the clear: a handshake, or a seal. */
static void
on_frame(struct net *n, struct link *l, const struct frame *f,
    const char *datagram)
{
	l->last_heard = uv_now(n->loop);
	switch (f->type) {
	case FRAME_HELLO:
		hs_on_hello(l, f);
		break;
	case FRAME_WELCOME:
		hs_on_welcome(l, f, datagram);
		break;
	case FRAME_SEAL:
		on_seal(n, l, f, datagram);
		break;
	default:
		/* After the handshake, nothing travels in the clear. */
		n->stats.unsealed++;
		hs_on_stranger_frame(l);
		break;
	}
}

/* clean: utf8_text_scan found nothing to repair, so a copy will do. */
static void
on_text(struct net *n, struct link *l, const char *buf, size_t len,
    int clean)
{
	struct event	*ev;

	hs_on_text(l);
	if ((ev = evq_new(EV_MESSAGE)) == NULL)
		return;
	memcpy(ev->peer, l->addrstr, sizeof ev->peer);
	ev->peer_kind = PEER_PLAIN;
	if (event_set_nick(ev, l->nick[0] != '\0' ? l->nick : l->addrstr) ||
	    (clean ? event_set_text(ev, buf, len) :
	    utf8_sanitize(buf, len, &ev->text, &len)) != 0) {
		evq_free(ev);
		return;
	}
	ev->text[utf8_cut(ev->text, len, UVQQ_MAX_TEXT)] = '\0';
	evq_push(n->evq, ev);
}

/*
 * A token bucket per peer for plain text, which nothing else paces: a
 * flood from one address is dropped here, cheaply and counted, before it
 * costs events, output and memory. A second's worth may come at once.
 */
static int
take_token(struct net *n, struct link *l)
{
	return n->rate_limit == 0 || bucket_take(&l->tokens,
	    uv_now(n->loop), n->rate_limit, n->rate_limit);
}


/* A datagram of a uvqq frame in the clear: HELLO, WELCOME or SEAL. */
static void
on_frames(struct net *n, struct link *l, const struct sockaddr *sa,
    const char *buf, size_t len)
{
	struct frame	 f;

	if (proto_decode(buf, len, &f) != 0) {
		n->stats.malformed++;
		return;
	}
	if (f.sid == n->sid) {
		/* Our own frame came back: an echo server. */
		if (l != NULL && l->state == PEER_PROBING)
			hs_become_plain(l);
		return;
	}
	/* An answer to our LAN announcement: discovery's, not a link's. */
	if (f.type == FRAME_LAN) {
		if (n->lan != NULL)
			lan_on_frame(n->lan, &f, sa, len);
		return;
	}
	if (l == NULL) {
		if (link_follow(n, sa, &f, buf, len))
			return;
		if ((l = link_new(n, sa, PEER_UVQQ, PEER_PROBING)) == NULL)
			return;
		link_count_in(l, len);
		l->probe_deadline = uv_now(n->loop) + n->probe_ms;
		link_arm_timer(l);
	}
	on_frame(n, l, &f, buf);
}

static void
on_datagram(struct net *n, const char *buf, size_t len,
    const struct sockaddr *from)
{
	struct sockaddr_storage	 ss;
	struct link		*l;
	int			 is_frame = proto_is_frame(buf, len);
	int			 clean;

	memcpy(&ss, from, addr_len(from));
	addr_normalize(&ss);
	l = link_find(n, (struct sockaddr *)&ss);
	if (n->known_only && (l == NULL || !l->known)) {
		n->stats.unknown++;
		return;
	}
	if (l != NULL)
		link_count_in(l, len);
	if (is_frame) {
		on_frames(n, l, (struct sockaddr *)&ss, buf, len);
		return;
	}
	/* Random bytes, a binary protocol: nobody typed that, and nobody
	 * could read it. It costs neither a peer nor a line of output. */
	if (!utf8_text_scan(buf, len, &clean)) {
		n->stats.binary++;
		return;
	}
	if (l == NULL) {
		if ((l = link_new(n, (struct sockaddr *)&ss, PEER_PLAIN,
		    PEER_ONLINE)) == NULL)
			return;
		link_count_in(l, len);
	}
	if (!take_token(n, l)) {
		l->flooded++;
		n->stats.flooded++;
		return;
	}
	on_text(n, l, buf, len, clean);
}

static void
alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct net	*n = h->data;

	(void)suggested;
	*buf = uv_buf_init(n->rxbuf, sizeof n->rxbuf);
}

static void
recv_cb(uv_udp_t *udp, ssize_t nread, const uv_buf_t *buf,
    const struct sockaddr *from, unsigned flags)
{
	struct net	*n = udp->data;

	(void)buf;
	if (nread < 0) {
		/* ICMP errors and the like: never stop reading for them. */
		return;
	}
	if (from == NULL || n->closing)
		return;
	if (flags & UV_UDP_PARTIAL) {
		n->stats.malformed++;
		return;
	}
	net_receive(n, buf->base, (size_t)nread, from);
}

void
net_receive(struct net *n, const char *buf, size_t len,
    const struct sockaddr *from)
{
	n->stats.datagrams_in++;
	on_datagram(n, buf, len, from);
}

static void
kick_cb(uv_idle_t *idle)
{
	(void)idle;	/* being active is its whole job: net_flush stops it */
}

/*
 * Something is due at the end of this turn (flush_cb). Messages are
 * queued from the core's event queue, outside the poll: without this the
 * loop could go to sleep before the check that sends them.
 */
void
net_wake(struct net *n)
{
	if (!n->closing)
		uv_idle_start(&n->kick, kick_cb);
}

/*
 * Once per loop turn, after reading: the messages queued in it, packed,
 * and one ACK per peer that needs one.
 */
static void
flush_cb(uv_check_t *check)
{
	net_flush(check->data);
}

void
net_flush(struct net *n)
{
	struct link	*l;

	uv_idle_stop(&n->kick);
	/* A turn that read a long paste took a while: time what is sent
	 * now from now, not from the start of the turn. */
	if (n->due_list != NULL)
		uv_update_time(n->loop);
	while ((l = n->due_list) != NULL) {
		n->due_list = l->due_next;
		l->due_listed = 0;
		if (l->pump_due) {
			l->pump_due = 0;
			link_pump(l);
		}
		/* Whole messages wait to be stored: net_confirm acknowledges
		 * them, and whatever else is due, after the commit. */
		if (l->ack_due && !l->confirm_due)
			link_send_ack(l);
	}
}

static void
tick_cb(uv_timer_t *t)
{
	struct net	*n = t->data;
	struct link	*l;
	uint64_t	 now = uv_now(n->loop);

	for (l = n->links; l != NULL; l = l->next) {
		if (l->kind != PEER_UVQQ || l->state == PEER_PROBING)
			continue;
		if (l->state == PEER_ONLINE &&
		    now - l->last_heard >= 3 * (uint64_t)n->heartbeat_ms)
			link_set_state(l, PEER_UVQQ, PEER_OFFLINE);
		/* Without a session its handshake repeats are the
		 * heartbeat. */
		if (hs_complete(l) && now - l->last_sent >= n->heartbeat_ms)
			hs_send_ping(l);
	}
}

/* The secrets go with the memory that held them. */
static void
net_free(struct net *n)
{
	seal_wipe(&n->identity, sizeof n->identity);
	seal_wipe(&n->eph, sizeof n->eph);
	free(n);
}

static void
open_failed_close_cb(uv_handle_t *h)
{
	net_free(h->data);
}

/*
 * A UDP socket bound to sa. An IPv6 socket takes IPv4 too (IPv4-mapped),
 * whatever the system's net.ipv6.bindv6only says, so one uvqq bound to
 * "::" talks to both.
 */
static int
socket_bind(const struct sockaddr *sa, uv_os_sock_t *out)
{
	int	 fd, off = 0, r;

	if ((fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if ((sa->sa_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &off, sizeof off) != 0) ||
	    bind(fd, sa, addr_len(sa)) != 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*out = fd;
	return 0;
}

/*
 * Bind cfg->bind, or by default "::" and, where the host has no IPv6
 * (a kernel without it, or switched off), "0.0.0.0".
 */
static int
net_bind(struct net *n, const struct net_config *cfg, uv_os_sock_t *fd)
{
	struct sockaddr_storage	 ss;
	int			 r;

	if (addr_from_host(cfg->bind != NULL ? cfg->bind : "::", cfg->port,
	    &ss) != 0)
		return UV_EINVAL;
	r = socket_bind((struct sockaddr *)&ss, fd);
	if (r != 0 && cfg->bind == NULL && (r == UV_EAFNOSUPPORT ||
	    r == UV_EADDRNOTAVAIL || r == UV_EPROTONOSUPPORT)) {
		addr_from_host("0.0.0.0", cfg->port, &ss);
		r = socket_bind((struct sockaddr *)&ss, fd);
	}
	if (r != 0)
		return r;
	n->family = ss.ss_family;
	return 0;
}

int
net_open(struct net **out, uv_loop_t *loop, struct evq *q,
    const struct net_config *cfg)
{
	struct net		*n;
	uv_os_sock_t		 fd;
	int			 namelen, r, rcvbuf;
	unsigned		 tick;

	if ((n = calloc(1, sizeof *n)) == NULL)
		return UV_ENOMEM;
	n->loop = loop;
	n->evq = q;
	n->heartbeat_ms = cfg->heartbeat_ms;
	n->probe_ms = cfg->probe_ms;
	n->rate_limit = cfg->rate_limit;
	/* Without a stored identity, each run is a new user. */
	if (cfg->identity != NULL)
		memcpy(&n->identity, cfg->identity, sizeof n->identity);
	else if ((r = seal_keypair_new(&n->identity)) != 0) {
		free(n);
		return r;
	}
	if ((r = seal_keypair_new(&n->eph)) != 0) {
		net_free(n);
		return r;
	}
	n->uid = identity_uid(n->identity.pk);
	n->known_only = cfg->known_only;
	snprintf(n->nick, sizeof n->nick, "%s", cfg->nick);
	do {
		if ((r = uv_random(NULL, NULL, &n->sid, sizeof n->sid, 0,
		    NULL)) != 0) {
			net_free(n);
			return r;
		}
	} while (n->sid == 0);

	if ((r = net_bind(n, cfg, &fd)) != 0) {
		net_free(n);
		return r;
	}
	if ((r = uv_udp_init_ex(loop, &n->udp, UV_UDP_RECVMMSG)) != 0) {
		close(fd);
		net_free(n);
		return r;
	}
	n->udp.data = n;
	n->pending_closes = 1;
	if ((r = uv_udp_open(&n->udp, fd)) != 0) {
		close(fd);
		goto fail;
	}
	if ((r = uv_udp_recv_start(&n->udp, alloc_cb, recv_cb)) != 0)
		goto fail;
	/* Room for bursts; the kernel caps it at net.core.rmem_max. */
	rcvbuf = 4 << 20;
	uv_recv_buffer_size((uv_handle_t *)&n->udp, &rcvbuf);
	namelen = sizeof n->bound;
	if ((r = uv_udp_getsockname(&n->udp, (struct sockaddr *)&n->bound,
	    &namelen)) != 0 ||
	    (r = addr_format((struct sockaddr *)&n->bound, n->local,
	    sizeof n->local)) != 0)
		goto fail;

	uv_check_init(loop, &n->flush);
	n->flush.data = n;
	uv_check_start(&n->flush, flush_cb);
	uv_idle_init(loop, &n->kick);
	n->kick.data = n;
	uv_timer_init(loop, &n->tick);
	n->tick.data = n;
	tick = n->heartbeat_ms / 2 < 1000 ? n->heartbeat_ms / 2 : 1000;
	uv_timer_start(&n->tick, tick_cb, tick, tick);
	n->pending_closes = 4;
	*out = n;
	return 0;

fail:
	/* Only the UDP handle is open; n goes once it has closed. */
	uv_close((uv_handle_t *)&n->udp, open_failed_close_cb);
	*out = NULL;
	return r;
}

static void
handle_close_cb(uv_handle_t *h)
{
	struct net	*n = h->data;

	n->pending_closes--;
	net_maybe_closed(n);
}

static void
lan_closed_cb(void *arg)
{
	struct net	*n = arg;

	n->pending_closes--;
	net_maybe_closed(n);
}

void
net_close(struct net *n, void (*cb)(void *), void *arg)
{
	struct link	*l, *next;
	struct frame	 bye;

	n->closing = 1;
	n->close_cb = cb;
	n->close_arg = arg;
	if (n->lan != NULL) {
		n->pending_closes++;
		lan_stop(n->lan, 1, lan_closed_cb, n);
		n->lan = NULL;
	}
	for (l = n->links; l != NULL; l = next) {
		next = l->next;
		if (l->kind == PEER_UVQQ && l->rsid != 0) {
			memset(&bye, 0, sizeof bye);
			bye.type = FRAME_BYE;
			net_send_frame(n, l, &bye);
		}
		link_fail_all(l, "quit");
		link_destroy(l);
	}
	uv_close((uv_handle_t *)&n->udp, handle_close_cb);
	uv_close((uv_handle_t *)&n->flush, handle_close_cb);
	uv_close((uv_handle_t *)&n->kick, handle_close_cb);
	uv_close((uv_handle_t *)&n->tick, handle_close_cb);
}
