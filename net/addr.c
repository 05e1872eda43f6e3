/* addr.c: peer address parsing and formatting, IPv4 and IPv6. */
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "net/addr.h"

int
addr_parse_port(const char *text, int *port)
{
	char	*end;
	long	 v;

	if (*text < '0' || *text > '9')
		return UV_EINVAL;
	v = strtol(text, &end, 10);
	if (*end != '\0' || v < 0 || v > 65535)
		return UV_EINVAL;
	*port = (int)v;
	return 0;
}

int
addr_split(const char *text, char *host, size_t hostlen, int *port,
    const char **cause)
{
	const char	*colon, *start, *end;
	size_t		 n;

	if (text[0] == '[') {
		start = text + 1;
		if ((end = strchr(start, ']')) == NULL) {
			*cause = "missing ']' after IPv6 address";
			return UV_EINVAL;
		}
		if (end[1] != ':') {
			*cause = "missing ':PORT' after ']'";
			return UV_EINVAL;
		}
		colon = end + 1;
	} else {
		start = text;
		if ((colon = strrchr(text, ':')) == NULL) {
			*cause = "missing ':PORT'";
			return UV_EINVAL;
		}
		if (memchr(text, ':', (size_t)(colon - text)) != NULL) {
			*cause = "write IPv6 addresses as [ADDR]:PORT";
			return UV_EINVAL;
		}
		end = colon;
	}
	n = (size_t)(end - start);
	if (n == 0) {
		*cause = "missing host";
		return UV_EINVAL;
	}
	if (n >= hostlen) {
		*cause = "host name too long";
		return UV_EINVAL;
	}
	if (addr_parse_port(colon + 1, port) != 0 || *port == 0) {
		*cause = "port must be a number from 1 to 65535";
		return UV_EINVAL;
	}
	memcpy(host, start, n);
	host[n] = '\0';
	return 0;
}

int
addr_from_host(const char *host, int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		return 0;
	}
	/* uv_ip6_addr also takes a scope: fe80::1%eth0. */
	if (strchr(host, ':') != NULL && uv_ip6_addr(host, port, sin6) == 0)
		return 0;
	return UV_EINVAL;
}

int
addr_parse(const char *text, struct sockaddr_storage *ss, const char **cause)
{
	char	 host[ADDR_HOSTLEN];
	int	 port, r;

	if ((r = addr_split(text, host, sizeof host, &port, cause)) != 0)
		return r;
	if (addr_from_host(host, port, ss) != 0) {
		*cause = "not a numeric IP address";
		return UV_EINVAL;
	}
	return 0;
}

int
addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char	 ip[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];
	int	 n;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		if (uv_ip4_name(sin, ip, sizeof ip) != 0)
			return UV_EINVAL;
		n = snprintf(buf, len, "%s:%u", ip, ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)sa;

		if (uv_ip6_name(sin6, ip, sizeof ip) != 0)
			return UV_EINVAL;
		/* A link-local address means nothing without its link. */
		if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr) &&
		    sin6->sin6_scope_id != 0 &&
		    if_indextoname(sin6->sin6_scope_id, ifname) != NULL)
			n = snprintf(buf, len, "[%s%%%s]:%u", ip, ifname,
			    ntohs(sin6->sin6_port));
		else
			n = snprintf(buf, len, "[%s]:%u", ip,
			    ntohs(sin6->sin6_port));
	} else
		return UV_EAFNOSUPPORT;
	if (n < 0 || (size_t)n >= len)
		return UV_ENOBUFS;
	return 0;
}

void
addr_normalize(struct sockaddr_storage *ss)
{
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in	 sin;

	if (ss->ss_family != AF_INET6 ||
	    !IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		return;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = sin6->sin6_port;
	memcpy(&sin.sin_addr, &sin6->sin6_addr.s6_addr[12], 4);
	memset(ss, 0, sizeof *ss);
	memcpy(ss, &sin, sizeof sin);
}

int
addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)b;

		return x->sin_port == y->sin_port &&
		    x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;

		return x->sin6_port == y->sin6_port &&
		    memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0 &&
		    (!IN6_IS_ADDR_LINKLOCAL(&x->sin6_addr) ||
		    x->sin6_scope_id == y->sin6_scope_id);
	}
	return 0;
}

socklen_t
addr_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
}
