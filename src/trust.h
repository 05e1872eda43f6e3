/*
 * trust.h: trust on first use, like ssh. The first identity key seen for
 * a peer is remembered; a later, different one for the same peer is a
 * change that blocks it until the user accepts the new key. "The same
 * peer" is the same address, or the same name (given with /peer ADDR
 * NAME); a key on record is known at whatever address it appears. The
 * records live in memory, written through to the store when there is one
 * (with --no-history they last for the run).
 */
#ifndef UVQQ_TRUST_H
#define UVQQ_TRUST_H

#include <stddef.h>

#include "src/evq.h"

#define TRUST_KEY_BYTES	32
/* Records kept at most: past it new keys are told "new" and not kept,
 * so a flood of strangers cannot push out the keys people rely on. */
#define TRUST_MAX	4096

struct store;
struct trust;

/* The records, loaded from the store (NULL: in memory only). */
int		 trust_open(struct trust **, struct store *);
void		 trust_free(struct trust *);
size_t		 trust_count(const struct trust *);

/*
 * What key, now seen at addr for the peer named name (NULL: no name), is,
 * in *out: TRUST_CHANGED when a record of that address or name holds
 * another key (then old, if not NULL, gets that key, the address's own
 * first, and no record changes); else TRUST_VERIFIED or TRUST_KNOWN when
 * the key is on record, at any address (it is recorded at addr too); else
 * TRUST_NEW, and it is recorded. Returns 0, or the store's error (*out
 * is set all the same).
 */
int		 trust_check(struct trust *,
		     const unsigned char key[TRUST_KEY_BYTES],
		     const char *addr, const char *name,
		     enum peer_trust *out, unsigned char old[TRUST_KEY_BYTES]);
/*
 * /trust: key is the one for the peer at addr (named name). Records of
 * that address or name with another key go; the key is verified, at
 * every address it is recorded at. Returns 0 or the store's error.
 */
int		 trust_accept(struct trust *,
		     const unsigned char key[TRUST_KEY_BYTES],
		     const char *addr, const char *name);
/* The key on record for addr, else for name: 0, or UV_ENOENT. */
int		 trust_lookup(const struct trust *, const char *addr,
		     const char *name, unsigned char key[TRUST_KEY_BYTES]);

#endif
