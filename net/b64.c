/*
 * b64.c: base64url without padding, what a SEAL's body holds. Table
 * driven: what it carries is ciphertext and public keys, so it needs
 * none of libsodium's constant-time codec, which was half the cost of
 * opening a seal. Accepts exactly what sodium_base642bin accepts (no
 * padding, no other characters, no stray bits in the last character).
 */
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "net/proto.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* 0-63, or 0xff for a byte not in the alphabet. */
static const uint8_t value[256] = {
#define X 0xff
#define R16 X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X
	R16, R16,
	X, X, X, X, X, X, X, X, X, X, X, X, X, 62, X, X,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X, X, X, X, X, X,
	X, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X, X, X, X, 63,
	X, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X, X, X, X, X,
	R16, R16, R16, R16, R16, R16, R16, R16,
#undef R16
#undef X
};

int
proto_b64_encode(char *out, size_t size, const uint8_t *in, size_t len)
{
	size_t		 need = len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
	uint32_t	 v;
	char		*o = out;

	if (need + 1 > size)
		return UV_ENOBUFS;
	for (; len >= 3; in += 3, len -= 3) {
		v = (uint32_t)in[0] << 16 | (uint32_t)in[1] << 8 | in[2];
		*o++ = alphabet[v >> 18];
		*o++ = alphabet[v >> 12 & 63];
		*o++ = alphabet[v >> 6 & 63];
		*o++ = alphabet[v & 63];
	}
	if (len > 0) {
		v = (uint32_t)in[0] << 16 | (len > 1 ? (uint32_t)in[1] << 8 : 0);
		*o++ = alphabet[v >> 18];
		*o++ = alphabet[v >> 12 & 63];
		if (len > 1)
			*o++ = alphabet[v >> 6 & 63];
	}
	*o = '\0';
	return (int)need;
}

int
proto_b64_decode(uint8_t *out, size_t size, const char *in, size_t len)
{
	const unsigned char	*p = (const unsigned char *)in;
	size_t			 full = len / 4, rest = len % 4, i;
	size_t			 n = full * 3 + (rest ? rest - 1 : 0);
	uint32_t		 v, bad;

	if (rest == 1 || n > size)
		return UV_EINVAL;
	for (i = 0; i < full; i++, p += 4) {
		v = (uint32_t)value[p[0]] << 18 | (uint32_t)value[p[1]] << 12 |
		    (uint32_t)value[p[2]] << 6 | value[p[3]];
		/* 0xff anywhere sets a bit above the 24 of a group. */
		bad = value[p[0]] | value[p[1]] | value[p[2]] | value[p[3]];
		if (bad & 0xc0)
			return UV_EINVAL;
		*out++ = (uint8_t)(v >> 16);
		*out++ = (uint8_t)(v >> 8);
		*out++ = (uint8_t)v;
	}
	if (rest > 0) {
		v = 0;
		bad = 0;
		for (i = 0; i < rest; i++) {
			v = v << 6 | value[p[i]];
			bad |= value[p[i]];
		}
		/* The last character's unused bits must be zero. */
		if ((bad & 0xc0) || (v & ((1u << (rest == 2 ? 4 : 2)) - 1)))
			return UV_EINVAL;
		v >>= rest == 2 ? 4 : 2;
		if (rest == 3)
			*out++ = (uint8_t)(v >> 8);
		*out++ = (uint8_t)v;
	}
	return (int)n;
}
