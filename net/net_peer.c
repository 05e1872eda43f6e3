/*
 * net_peer.c: what the core asks of net/ about peers: add, restore and
 * forget them, send to them, confirm what they sent, and read the counters.
 */
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/lan.h"
#include "net/link.h"
#include "net/reach.h"

const char *
net_local_addr(const struct net *n)
{
	return n->local;
}

int
net_reachable(const struct net *n, struct ev_addr *out, int max)
{
	return reach_list((const struct sockaddr *)&n->bound,
	    net_takes(n, AF_INET) && n->family == AF_INET6, out, max);
}

int
net_takes(const struct net *n, int family)
{
	const struct sockaddr_in6	*sin6;

	if (family == n->family)
		return 1;
	if (family != AF_INET || n->family != AF_INET6)
		return 0;
	/* Only the IPv6 wildcard takes IPv4 (we bind with V6ONLY off). */
	sin6 = (const struct sockaddr_in6 *)&n->bound;
	return IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
}

uint64_t
net_session_id(const struct net *n)
{
	return n->sid;
}

uint64_t
net_user_id(const struct net *n)
{
	return n->uid;
}

int
net_peer_add(struct net *n, const struct sockaddr *sa)
{
	struct link	*l;

	if ((l = link_find(n, sa)) != NULL) {
		if (!l->known)
			hs_adopt(l);
		return 0;
	}
	if (!net_takes(n, sa->sa_family))
		return UV_EAFNOSUPPORT;
	if ((l = link_new(n, sa, PEER_UVQQ, PEER_PROBING)) == NULL)
		return UV_ENOMEM;
	l->known = l->validated = 1;
	hs_probe(l);
	return 0;
}

int
net_peer_restore(struct net *n, const struct sockaddr *sa)
{
	struct link	*l;

	if ((l = link_find(n, sa)) != NULL)
		return 0;
	if (!net_takes(n, sa->sa_family))
		return UV_EAFNOSUPPORT;
	if ((l = link_new(n, sa, PEER_UVQQ, PEER_OFFLINE)) == NULL)
		return UV_ENOMEM;
	l->known = l->validated = 1;
	hs_restore(l);
	return 0;
}

int
net_peer_release(struct net *n, const struct sockaddr *sa)
{
	struct link	*l;

	if ((l = link_find(n, sa)) == NULL)
		return UV_ENOENT;
	if (l->held) {
		l->held = 0;
		link_peer_restarted(l);	/* what waited is due now */
		link_pump_later(l);
	}
	return 0;
}

int
net_peer_refuse(struct net *n, const struct sockaddr *sa, const char *reason)
{
	struct link	*l;

	if ((l = link_find(n, sa)) == NULL)
		return UV_ENOENT;
	l->held = 1;
	link_fail_all(l, reason);
	return 0;
}

int
net_peer_forget(struct net *n, const struct sockaddr *sa)
{
	struct link	*l;

	if ((l = link_find(n, sa)) == NULL)
		return UV_ENOENT;
	link_fail_all(l, "closed");
	uv_timer_stop(&l->timer);
	link_destroy(l);
	return 0;
}

int
net_send(struct net *n, const struct sockaddr *sa, uint64_t id,
    const char *text, size_t len)
{
	struct pending	*p;
	struct link	*l;
	int		 r;

	if (len > PROTO_MAX_TEXT)
		return UV_EMSGSIZE;
	if ((l = link_find(n, sa)) == NULL) {
		if ((r = net_peer_add(n, sa)) != 0)
			return r;
		l = link_find(n, sa);
	}
	if (!l->known)
		hs_adopt(l);
	if (l->kind == PEER_PLAIN) {
		link_send_plain(l, text, len);
		return 0;
	}
	if (l->state != PEER_PROBING) {
		if ((r = link_queue(l, id, text, len)) != 0)
			return r;
		link_pump_later(l);
		return 0;
	}
	if ((p = calloc(1, sizeof *p)) == NULL ||
	    (p->text = malloc(len + 1)) == NULL) {
		free(p);
		return UV_ENOMEM;
	}
	memcpy(p->text, text, len);
	p->len = len;
	p->id = id;
	*l->pend_tail = p;
	l->pend_tail = &p->next;
	return 0;
}

void
net_confirm(struct net *n)
{
	struct link	*l;

	while ((l = n->confirm_list) != NULL) {
		n->confirm_list = l->confirm_next;
		l->confirm_due = 0;
		if (l->rx_ackable < l->rx_complete) {
			l->rx_ackable = l->rx_complete;
			link_send_ack(l);
		}
	}
}

int
net_set_nick(struct net *n, const char *nick)
{
	struct link	*l;

	if (strlen(nick) > PROTO_NICK_MAX)
		return UV_EINVAL;
	snprintf(n->nick, sizeof n->nick, "%s", nick);
	for (l = n->links; l != NULL; l = l->next) {
		if (l->kind == PEER_UVQQ && (l->rsid != 0 || l->heard_uvqq))
			hs_send_nick(l);
	}
	if (n->lan != NULL)
		lan_announce(n->lan);
	return 0;
}

int
net_discovery(struct net *n, int on)
{
	if (n->closing)
		return UV_ECANCELED;
	if (on && n->lan == NULL)
		return lan_start(n, &n->lan);
	if (!on && n->lan != NULL) {
		lan_stop(n->lan, 1, NULL, NULL);
		n->lan = NULL;
	}
	return 0;
}

int
net_discovery_on(const struct net *n)
{
	return n->lan != NULL;
}

void
net_lan_foreach(struct net *n, void (*cb)(void *,
    const struct lan_peer_info *), void *arg)
{
	if (n->lan != NULL)
		lan_foreach(n->lan, cb, arg);
}

void
net_lan_stats(const struct net *n, struct lan_stats *st)
{
	if (n->lan != NULL)
		lan_get_stats(n->lan, st);
	else
		memset(st, 0, sizeof *st);
}

size_t
net_outstanding(const struct net *n)
{
	const struct link	*l;
	const struct pending	*p;
	size_t			 count = 0;

	for (l = n->links; l != NULL; l = l->next) {
		count += l->tx_messages;
		for (p = l->pend_head; p != NULL; p = p->next)
			count++;
	}
	return count;
}

void
net_fail_all(struct net *n, const char *reason)
{
	struct link	*l;

	for (l = n->links; l != NULL; l = l->next)
		link_fail_all(l, reason);
}

void
net_get_stats(const struct net *n, struct net_stats *st)
{
	*st = n->stats;
}

int
net_peer_get_stats(struct net *n, const struct sockaddr *sa,
    struct net_peer_stats *st)
{
	struct link		*l;
	const struct pending	*p;

	if ((l = link_find(n, sa)) == NULL)
		return UV_ENOENT;
	memset(st, 0, sizeof *st);
	st->datagrams_in = l->datagrams_in;
	st->flooded = l->flooded;
	st->outstanding = l->tx_messages;
	for (p = l->pend_head; p != NULL; p = p->next)
		st->outstanding++;
	st->srtt = l->srtt;
	st->rto = l->rto;
	return 0;
}

void
net_set_known_only(struct net *n, int on)
{
	n->known_only = on;
}

void
net_set_rate_limit(struct net *n, unsigned per_second)
{
	n->rate_limit = per_second;
}
