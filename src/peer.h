/* peer.h: the core's list of peers, looked up by address, name or nick. */
#ifndef UVQQ_PEER_H
#define UVQQ_PEER_H

#include <stddef.h>
#include <sys/socket.h>

#include "src/evq.h"

struct peer {
	struct sockaddr_storage	 addr;
	char			 addrstr[EV_ADDRLEN];
	char			*name;		/* given with /peer, or NULL */
	char			*nick;		/* theirs, or NULL */
	enum peer_kind		 kind;
	enum peer_state		 state;
	/* Its identity key, from its sealed session, and what the trust
	 * records make of it (TRUST_NONE: no session yet). */
	int			 has_key;
	unsigned char		 key[32];
	unsigned char		 old_key[32];	/* TRUST_CHANGED: on record */
	enum peer_trust		 trust;
	/* Found on the LAN (net/lan.h), with the key it announced; only
	 * that, so far: not stored, no link, until we talk. */
	int			 lan;
	int			 lan_only;
	unsigned char		 lan_key[32];
	struct peer		*next;
};

struct peer_list {
	struct peer	*head;
	size_t		 count;
};

struct peer	*peer_add(struct peer_list *, const struct sockaddr *,
		     const char *addrstr);
void		 peer_remove(struct peer_list *, struct peer *);
void		 peer_list_free(struct peer_list *);
struct peer	*peer_find_by_addrstr(struct peer_list *, const char *);
/* By name, then nick, then address: what a person types after /msg. */
struct peer	*peer_find(struct peer_list *, const char *);
int		 peer_set_name(struct peer *, const char *);
int		 peer_set_nick(struct peer *, const char *);
/* What to call a peer in messages: its name, its nick or its address. */
const char	*peer_label(const struct peer *);

#endif
