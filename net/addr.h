/* addr.h: parsing and printing peer addresses (ip:port, [ip6]:port). */
#ifndef UVQQ_ADDR_H
#define UVQQ_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

#define ADDR_HOSTLEN	256

/*
 * Split "host:port", "ip:port" or "[ip6]:port" into host and port.
 * Returns 0, or UV_EINVAL with a reason in *cause (static text).
 */
int	 addr_split(const char *text, char *host, size_t hostlen, int *port,
	     const char **cause);
/* Parse a numeric address with port; UV_EINVAL if it is not one. */
int	 addr_parse(const char *text, struct sockaddr_storage *ss,
	     const char **cause);
/* Parse a port number 0-65535; UV_EINVAL otherwise. */
int	 addr_parse_port(const char *text, int *port);
/* Make an address from a numeric host and a port. */
int	 addr_from_host(const char *host, int port, struct sockaddr_storage *);
/* Write "ip:port" or "[ip6]:port". */
int	 addr_format(const struct sockaddr *sa, char *buf, size_t len);
/* Turn an IPv4-mapped IPv6 address into plain IPv4. */
void	 addr_normalize(struct sockaddr_storage *ss);
int	 addr_equal(const struct sockaddr *a, const struct sockaddr *b);
socklen_t addr_len(const struct sockaddr *sa);

#endif
