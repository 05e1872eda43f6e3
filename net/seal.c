/* seal.c: session keys, sealing and the replay window (see seal.h). */
#include <string.h>

#include <sodium.h>
#include <uv.h>

#include "net/seal.h"

int
seal_keypair_new(struct seal_keypair *kp)
{
	return crypto_kx_keypair(kp->pk, kp->sk) == 0 ? 0 : UV_EIO;
}

void
seal_wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}

/*
 * One of the three exchanges. The side holding `client` runs crypto_kx as
 * its client, the other as its server, so both hash the same transcript;
 * each gets (rx, tx), the client's tx being the server's rx.
 */
static int
exchange(uint8_t rx[SEAL_KEY_BYTES], uint8_t tx[SEAL_KEY_BYTES], int client,
    const struct seal_keypair *mine, const uint8_t theirs[SEAL_PUB_BYTES])
{
	if (client)
		return crypto_kx_client_session_keys(rx, tx, mine->pk,
		    mine->sk, theirs);
	return crypto_kx_server_session_keys(rx, tx, mine->pk, mine->sk,
	    theirs);
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	int	 i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

int
seal_derive(struct seal_keys *out, const struct seal_keypair *my_static,
    const struct seal_keypair *my_eph, uint64_t my_sid,
    const uint8_t their_static[SEAL_PUB_BYTES],
    const uint8_t their_eph[SEAL_PUB_BYTES], uint64_t their_sid)
{
	static const char	 label[] = "uvqq/1 session keys";
	uint8_t			 rx[3][SEAL_KEY_BYTES], tx[3][SEAL_KEY_BYTES];
	uint8_t			 sids[16];
	crypto_generichash_state st;
	int			 lo = my_sid < their_sid, r = 0;

	if (my_sid == their_sid)
		return UV_EINVAL;
	/*
	 * ee: the lower session id is the client. es: the lower side's
	 * ephemeral key with the higher side's static key, the ephemeral
	 * side the client. se: the other way round.
	 */
	if (exchange(rx[0], tx[0], lo, my_eph, their_eph) != 0 ||
	    (lo ? exchange(rx[1], tx[1], 1, my_eph, their_static) :
	    exchange(rx[1], tx[1], 0, my_static, their_eph)) != 0 ||
	    (lo ? exchange(rx[2], tx[2], 0, my_static, their_eph) :
	    exchange(rx[2], tx[2], 1, my_eph, their_static)) != 0) {
		r = UV_EINVAL;	/* a public key of low order */
		goto done;
	}
	/* Each direction's key hashes its three halves and both sessions. */
	put_be64(sids, lo ? my_sid : their_sid);
	put_be64(sids + 8, lo ? their_sid : my_sid);
	crypto_generichash_init(&st, NULL, 0, SEAL_KEY_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)label, sizeof label);
	crypto_generichash_update(&st, tx[0], sizeof tx);
	crypto_generichash_update(&st, sids, sizeof sids);
	crypto_generichash_final(&st, out->tx, SEAL_KEY_BYTES);
	crypto_generichash_init(&st, NULL, 0, SEAL_KEY_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)label, sizeof label);
	crypto_generichash_update(&st, rx[0], sizeof rx);
	crypto_generichash_update(&st, sids, sizeof sids);
	crypto_generichash_final(&st, out->rx, SEAL_KEY_BYTES);
done:
	sodium_memzero(rx, sizeof rx);
	sodium_memzero(tx, sizeof tx);
	sodium_memzero(&st, sizeof st);
	return r;
}

static void
nonce_of(uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES],
    uint64_t counter)
{
	size_t	 i;

	memset(nonce, 0, crypto_aead_chacha20poly1305_IETF_NPUBBYTES);
	for (i = 0; i < 8; i++, counter >>= 8)
		nonce[4 + i] = (uint8_t)counter;
}

void
seal_encrypt(uint8_t *out, const uint8_t *plain, size_t len,
    const uint8_t *ad, size_t adlen, const uint8_t key[SEAL_KEY_BYTES],
    uint64_t counter)
{
	uint8_t		 nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];

	nonce_of(nonce, counter);
	crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, plain, len, ad,
	    adlen, NULL, nonce, key);
}

int
seal_decrypt(uint8_t *out, const uint8_t *sealed, size_t clen,
    const uint8_t *ad, size_t adlen, const uint8_t key[SEAL_KEY_BYTES],
    uint64_t counter)
{
	uint8_t		 nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];

	if (clen < SEAL_TAG_BYTES)
		return UV_EINVAL;
	nonce_of(nonce, counter);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(out, NULL, NULL, sealed,
	    clen, ad, adlen, nonce, key) != 0)
		return UV_EINVAL;
	return 0;
}

static int
window_bit(const struct seal_window *w, uint64_t c)
{
	uint64_t	 i = c % SEAL_WINDOW;

	return (int)((w->bits[i / 64] >> (i % 64)) & 1);
}

int
seal_window_fresh(const struct seal_window *w, uint64_t counter)
{
	if (counter == 0)
		return 0;
	if (counter > w->top)
		return 1;
	if (w->top - counter >= SEAL_WINDOW)
		return 0;	/* too old to tell: refuse it */
	return !window_bit(w, counter);
}

void
seal_window_mark(struct seal_window *w, uint64_t counter)
{
	uint64_t	 c, i;

	if (counter > w->top) {
		/* The slots the window moves over are for new counters. */
		if (counter - w->top >= SEAL_WINDOW)
			memset(w->bits, 0, sizeof w->bits);
		else {
			for (c = w->top + 1; c < counter; c++) {
				i = c % SEAL_WINDOW;
				w->bits[i / 64] &= ~((uint64_t)1 << (i % 64));
			}
		}
		w->top = counter;
	}
	i = counter % SEAL_WINDOW;
	w->bits[i / 64] |= (uint64_t)1 << (i % 64);
}
