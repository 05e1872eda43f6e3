/* peer.c: the core's peer list; the transport state lives in net/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "src/peer.h"

struct peer *
peer_add(struct peer_list *pl, const struct sockaddr *sa, const char *addrstr)
{
	struct peer	*p, **pp;

	if ((p = calloc(1, sizeof *p)) == NULL)
		return NULL;
	memcpy(&p->addr, sa, sa->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	snprintf(p->addrstr, sizeof p->addrstr, "%s", addrstr);
	p->state = PEER_PROBING;
	/* Keep the order peers were added in: it is the order people see. */
	for (pp = &pl->head; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = p;
	pl->count++;
	return p;
}

void
peer_remove(struct peer_list *pl, struct peer *p)
{
	struct peer	**pp;

	for (pp = &pl->head; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			pl->count--;
			break;
		}
	}
	free(p->name);
	free(p->nick);
	free(p);
}

void
peer_list_free(struct peer_list *pl)
{
	while (pl->head != NULL)
		peer_remove(pl, pl->head);
}

struct peer *
peer_find_by_addrstr(struct peer_list *pl, const char *addrstr)
{
	struct peer	*p;

	for (p = pl->head; p != NULL; p = p->next) {
		if (strcmp(p->addrstr, addrstr) == 0)
			return p;
	}
	return NULL;
}

struct peer *
peer_find(struct peer_list *pl, const char *key)
{
	struct peer	*p;

	for (p = pl->head; p != NULL; p = p->next) {
		if (p->name != NULL && strcmp(p->name, key) == 0)
			return p;
	}
	for (p = pl->head; p != NULL; p = p->next) {
		if (p->nick != NULL && strcmp(p->nick, key) == 0)
			return p;
	}
	return peer_find_by_addrstr(pl, key);
}

static int
set_string(char **dst, const char *s)
{
	char	*copy = NULL;

	if (s != NULL && (copy = strdup(s)) == NULL)
		return UV_ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

int
peer_set_name(struct peer *p, const char *name)
{
	return set_string(&p->name, name);
}

int
peer_set_nick(struct peer *p, const char *nick)
{
	return set_string(&p->nick, nick);
}

const char *
peer_label(const struct peer *p)
{
	if (p->name != NULL)
		return p->name;
	if (p->nick != NULL)
		return p->nick;
	return p->addrstr;
}
