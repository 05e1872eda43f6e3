/*
 * reach.c: the addresses at which others can reach our socket, read from
 * the interfaces (no daemon's API needed: a Yggdrasil node is just an
 * interface with an address in 200::/7).
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "net/addr.h"
#include "net/reach.h"

enum reach_kind
reach_classify(const struct sockaddr *sa)
{
	const uint8_t	*a;

	if (sa->sa_family == AF_INET) {
		a = (const uint8_t *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
		if (a[0] == 127)
			return REACH_LOOPBACK;
		if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168) ||
		    (a[0] == 100 && (a[1] & 0xc0) == 64) ||	/* CGNAT */
		    (a[0] == 169 && a[1] == 254))
			return REACH_PRIVATE;
		return REACH_PUBLIC;
	}
	a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	if (IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)a))
		return REACH_LOOPBACK;
	if ((a[0] & 0xfe) == 0x02)
		return REACH_YGGDRASIL;
	if ((a[0] & 0xe0) == 0x20)
		return REACH_PUBLIC;
	return REACH_PRIVATE;	/* fc00::/7, and anything odd */
}

const char *
reach_kind_name(enum reach_kind k)
{
	switch (k) {
	case REACH_YGGDRASIL:
		return "yggdrasil";
	case REACH_PUBLIC:
		return "public";
	case REACH_PRIVATE:
		return "private";
	case REACH_LOOPBACK:
	default:
		return "loopback";
	}
}

static int
is_wildcard(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr ==
		    htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(
	    &((const struct sockaddr_in6 *)sa)->sin6_addr);
}

/* Whether a socket bound to the wildcard bound answers at sa. */
static int
wildcard_takes(const struct sockaddr *bound, int dual_stack,
    const struct sockaddr *sa)
{
	const struct sockaddr_in6	*sin6;

	if (sa->sa_family == AF_INET)
		return bound->sa_family == AF_INET || dual_stack;
	sin6 = (const struct sockaddr_in6 *)sa;
	/* A link-local address means nothing without its interface, and
	 * nobody types one to reach a friend. */
	if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr) ||
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		return 0;
	return bound->sa_family == AF_INET6;
}

static int
listed(const struct ev_addr *out, int n, const char *addr)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (strcmp(out[i].addr, addr) == 0)
			return 1;
	return 0;
}

static void
put(struct ev_addr *out, int *n, const struct sockaddr *sa, uint16_t port)
{
	struct sockaddr_storage	 ss;

	memcpy(&ss, sa, addr_len(sa));
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = port;
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = port;
	addr_normalize(&ss);
	if (addr_format((struct sockaddr *)&ss, out[*n].addr,
	    sizeof out[*n].addr) != 0 || listed(out, *n, out[*n].addr))
		return;
	snprintf(out[*n].kind, sizeof out[*n].kind, "%s",
	    reach_kind_name(reach_classify((struct sockaddr *)&ss)));
	(*n)++;
}

int
reach_list(const struct sockaddr *bound, int dual_stack,
    struct ev_addr *out, int max)
{
	uv_interface_address_t	*ifs;
	const struct sockaddr	*sa;
	uint16_t		 port;
	int			 nifs, i, n = 0, r;
	enum reach_kind		 k, want;

	port = bound->sa_family == AF_INET ?
	    ((const struct sockaddr_in *)bound)->sin_port :
	    ((const struct sockaddr_in6 *)bound)->sin6_port;
	if (max <= 0)
		return 0;
	if (!is_wildcard(bound)) {
		put(out, &n, bound, port);
		return n;
	}
	if ((r = uv_interface_addresses(&ifs, &nifs)) != 0)
		return r;
	/* Best kind first; loopback only when there is nothing else. */
	for (want = REACH_YGGDRASIL; want <= REACH_LOOPBACK; want++) {
		if (want == REACH_LOOPBACK && n > 0)
			break;
		for (i = 0; i < nifs && n < max; i++) {
			sa = (const struct sockaddr *)&ifs[i].address;
			if (!wildcard_takes(bound, dual_stack, sa))
				continue;
			k = reach_classify(sa);
			if (k == want)
				put(out, &n, sa, port);
		}
	}
	uv_free_interface_addresses(ifs, nifs);
	return n;
}
