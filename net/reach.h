/* reach.h: the addresses at which others can reach our socket. */
#ifndef UVQQ_REACH_H
#define UVQQ_REACH_H

#include <sys/socket.h>

#include "src/evq.h"

/* What an address is good for, best first: the order of reach_list. */
enum reach_kind {
	REACH_YGGDRASIL,	/* 200::/7: the overlay, across NATs */
	REACH_PUBLIC,		/* a global address */
	REACH_PRIVATE,		/* this LAN only (RFC 1918, fc00::/7, ...) */
	REACH_LOOPBACK,		/* this machine only */
};

/*
 * Fill out with up to max addresses of this host's interfaces that a
 * socket bound to bound (with its real port) answers on, best first;
 * dual_stack: an IPv6 wildcard socket that also takes IPv4. Loopback is
 * listed only when nothing else is. Returns how many, or a negative
 * error from uv_interface_addresses.
 */
int		 reach_list(const struct sockaddr *bound, int dual_stack,
		     struct ev_addr *out, int max);
enum reach_kind	 reach_classify(const struct sockaddr *);
const char	*reach_kind_name(enum reach_kind);

#endif
