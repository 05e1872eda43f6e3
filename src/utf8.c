/* utf8.c: strict UTF-8 decoding, repair and boundary-safe cutting. */
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "src/utf8.h"

size_t
utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 c, min;
	size_t			 n, i;

	if (len == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2; c = p[0] & 0x1f; min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3; c = p[0] & 0x0f; min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4; c = p[0] & 0x07; min = 0x10000;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

int
utf8_valid(const char *s, size_t len)
{
	uint32_t	 cp;
	size_t		 n;

	while (len > 0) {
		if ((n = utf8_decode(s, len, &cp)) == 0 || cp == 0)
			return 0;
		s += n;
		len -= n;
	}
	return 1;
}

int
utf8_sanitize(const char *s, size_t len, char **out, size_t *outlen)
{
	static const char	 fffd[] = "\xef\xbf\xbd";
	char			*buf, *p;
	uint32_t		 cp;
	size_t			 n;

	/* Each bad byte grows to at most three. */
	if ((buf = malloc(len * 3 + 1)) == NULL)
		return UV_ENOMEM;
	p = buf;
	while (len > 0) {
		/* A run of ASCII (bytes 1 to 0x7f), most of most text, is
		 * copied at once. */
		for (n = 0; n < len && (unsigned char)(s[n] - 1) < 0x7f; n++)
			;
		if (n > 0) {
			memcpy(p, s, n);
			p += n;
			s += n;
			len -= n;
			continue;
		}
		n = utf8_decode(s, len, &cp);
		if (n == 0 || cp == 0) {
			memcpy(p, fffd, 3);
			p += 3;
			n = 1;
		} else {
			memcpy(p, s, n);
			p += n;
		}
		s += n;
		len -= n;
	}
	*p = '\0';
	*out = buf;
	if (outlen != NULL)
		*outlen = (size_t)(p - buf);
	return 0;
}

int
utf8_text_scan(const char *s, size_t len, int *clean)
{
	uint32_t	 cp;
	size_t		 n, total = len, bad = 0;

	*clean = 1;
	while (len > 0) {
		/* Printable ASCII, most of most text, needs no decoding. */
		if ((unsigned char)*s - 0x20u < 0x5fu) {
			s++;
			len--;
			continue;
		}
		n = utf8_decode(s, len, &cp);
		/* What utf8_sanitize would change: a bad byte, or NUL. */
		if (n == 0 || cp == 0)
			*clean = 0;
		if (n == 0 || cp == 0x7f || (cp < 0x20 && cp != '\t' &&
		    cp != '\n' && cp != '\r')) {
			/* Settled already, whatever the rest is. */
			if (++bad > 2 && bad * 4 > total)
				return 0;
			n = 1;
		}
		s += n;
		len -= n;
	}
	return 1;
}

int
utf8_is_text(const char *s, size_t len)
{
	int	 clean;

	return utf8_text_scan(s, len, &clean);
}

size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	size_t	 n;

	if (len <= max)
		return len;
	n = max;
	/* Step back over continuation bytes to the start of a character. */
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}
