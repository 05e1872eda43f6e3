/*
 * seal.h: the cryptography of a uvqq session, on libsodium's constructions
 * only (crypto_kx, crypto_generichash, crypto_aead_chacha20poly1305_ietf).
 *
 * Each side has a long-term (static) X25519 key pair, its identity, and an
 * ephemeral one for the run. The session's keys come from crypto_kx run on
 * three pairs, as in Noise's KK handshake: the two ephemeral keys (ee), and
 * each side's ephemeral key with the other's static key (es, se). Only the
 * holders of both static secrets can compute them, so a frame that opens
 * proves who sent it; and once the ephemeral secrets are wiped, a stolen
 * static key opens nothing recorded before (forward secrecy).
 *
 * Frames are sealed with ChaCha20-Poly1305-IETF, one key per direction. The
 * nonce is a counter, from 1 in each session and direction; the receiver
 * keeps a window of the counters it has opened, so a replay is refused.
 */
#ifndef UVQQ_SEAL_H
#define UVQQ_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define SEAL_PUB_BYTES	32	/* an X25519 public key */
#define SEAL_KEY_BYTES	32
#define SEAL_TAG_BYTES	16	/* what sealing adds */
#define SEAL_WINDOW	4096	/* counters behind the newest still taken */

struct seal_keypair {
	uint8_t	 pk[SEAL_PUB_BYTES];
	uint8_t	 sk[SEAL_KEY_BYTES];
};

struct seal_keys {
	uint8_t	 tx[SEAL_KEY_BYTES];	/* seals what we send */
	uint8_t	 rx[SEAL_KEY_BYTES];	/* opens what we receive */
};

/* The counters opened so far: the newest, and a bitmap of those behind. */
struct seal_window {
	uint64_t top;
	uint64_t bits[SEAL_WINDOW / 64];
};

/* A fresh key pair (ephemeral); wipe it with seal_wipe. */
int	 seal_keypair_new(struct seal_keypair *);
/*
 * The keys of the session between us (my_sid) and them (their_sid), from
 * our static and ephemeral pairs and their public keys. Both sides get
 * the same pair of keys, each one's tx being the other's rx. Returns 0, or
 * UV_EINVAL for equal session ids or a degenerate public key.
 */
int	 seal_derive(struct seal_keys *, const struct seal_keypair *my_static,
	     const struct seal_keypair *my_eph, uint64_t my_sid,
	     const uint8_t their_static[SEAL_PUB_BYTES],
	     const uint8_t their_eph[SEAL_PUB_BYTES], uint64_t their_sid);
/* Seal len bytes into out (len + SEAL_TAG_BYTES), bound to ad. */
void	 seal_encrypt(uint8_t *out, const uint8_t *plain, size_t len,
	     const uint8_t *ad, size_t adlen,
	     const uint8_t key[SEAL_KEY_BYTES], uint64_t counter);
/* Open clen bytes into out (clen - SEAL_TAG_BYTES): 0, or UV_EINVAL for
 * anything forged, altered or sealed under another key or counter. */
int	 seal_decrypt(uint8_t *out, const uint8_t *sealed, size_t clen,
	     const uint8_t *ad, size_t adlen,
	     const uint8_t key[SEAL_KEY_BYTES], uint64_t counter);
/* Whether counter may be opened: never seen, and not too far behind. */
int	 seal_window_fresh(const struct seal_window *, uint64_t counter);
/* Remember counter as opened (only once it did open). */
void	 seal_window_mark(struct seal_window *, uint64_t counter);
void	 seal_wipe(void *, size_t);

#endif
