/*
 * identity.h: who we are to other uvqq peers. A long-term X25519 key pair
 * (crypto_kx), kept in DATA_DIR/identity.key, or made for the run alone
 * with --no-history. The user id and the fingerprint people compare both
 * come from its public key. sodium_init() must have succeeded first.
 */
#ifndef UVQQ_IDENTITY_H
#define UVQQ_IDENTITY_H

#include <stdint.h>

#include <sodium.h>

/* In the data directory. */
#define IDENTITY_FILE		"identity.key"
#define IDENTITY_FP_BYTES	20	/* BLAKE2b-160 of the public key */
/* 32 base32 characters in 8 groups of 4, 7 spaces between, NUL. */
#define IDENTITY_FP_LEN		40

struct identity {
	unsigned char	 pk[crypto_kx_PUBLICKEYBYTES];
	/* Never printed, wiped by identity_clear. */
	unsigned char	 sk[crypto_kx_SECRETKEYBYTES];
	uint64_t	 uid;		/* identity_uid(pk) */
	char		 fingerprint[IDENTITY_FP_LEN];	/* of pk */
	int		 created;	/* made in this run */
};

/* A new key pair, in memory only (--no-history). */
int		 identity_new(struct identity *);
/*
 * Read DIR/identity.key, or make it when there is none (then created is
 * set): written whole under a temporary name, synced and renamed, mode
 * 0600. A file that others may read or write, that is not a regular file
 * of ours, that does not parse, or whose public key is not its secret
 * key's is refused; *cause then names the file, what is wrong and the fix.
 * DIR must exist, and its lock (the store's) be held: a stale temporary
 * file there is removed as ours.
 */
int		 identity_open(struct identity *, const char *dir,
		     char **cause);
/* Wipe the secret (and the rest). */
void		 identity_clear(struct identity *);
/*
 * One in guarded memory (sodium_malloc: between guard pages, locked
 * against swapping where the system allows, left out of core dumps),
 * zeroed; NULL when out of memory. identity_free wipes and frees it
 * (NULL is fine).
 */
struct identity	*identity_alloc(void);
void		 identity_free(struct identity *);

/*
 * The user id of a public key: the first 8 bytes of its BLAKE2b-256
 * (crypto_generichash), big-endian; 0, which means "none" on the wire,
 * becomes 1.
 */
uint64_t	 identity_uid(const unsigned char pk[crypto_kx_PUBLICKEYBYTES]);
/*
 * The fingerprint of any public key, for people: its BLAKE2b-160 in
 * base32 (RFC 4648, lowercase, a-z 2-7), in 8 groups of 4 characters.
 */
void		 identity_fingerprint(
		     const unsigned char pk[crypto_kx_PUBLICKEYBYTES],
		     char out[IDENTITY_FP_LEN]);

#endif
