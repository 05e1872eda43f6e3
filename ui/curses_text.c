/* curses_text.c: safe wide text, cells and wrapping by display width. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <uv.h>

#include "src/utf8.h"
#include "ui/curses_text.h"

/* A growing wide string. */
struct wbuf {
	wchar_t	*s;
	size_t	 len;
	size_t	 size;
	int	 failed;
};

static void
wb_add(struct wbuf *b, wchar_t c)
{
	wchar_t	*grown;
	size_t	 size;

	if (b->failed)
		return;
	if (b->len + 2 > b->size) {
		size = b->size < 64 ? 64 : b->size * 2;
		if ((grown = realloc(b->s, size * sizeof *grown)) == NULL) {
			b->failed = 1;
			return;
		}
		b->s = grown;
		b->size = size;
	}
	b->s[b->len++] = c;
	b->s[b->len] = L'\0';
}

static void
wb_addf(struct wbuf *b, const char *fmt, unsigned v)
{
	char	 tmp[16];
	int	 i, n;

	n = snprintf(tmp, sizeof tmp, fmt, v);
	for (i = 0; i < n && i < (int)sizeof tmp - 1; i++)
		wb_add(b, (wchar_t)tmp[i]);
}

/*
 * Characters that reorder or hide text around them in a terminal that
 * does bidi: shown by name so nobody is fooled (not a width table).
 */
static int
is_bidi_control(uint32_t c)
{
	return c == 0x061c || c == 0x200e || c == 0x200f ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

int
ct_width(wchar_t c)
{
	int	 w = wcwidth(c);

	return w < 0 ? 0 : w;
}

int
ct_from_utf8(const char *s, int multiline, wchar_t **out, size_t *outlen)
{
	struct wbuf	 b = { NULL, 0, 0, 0 };
	size_t		 len = s != NULL ? strlen(s) : 0, i = 0, n;
	uint32_t	 c;
	int		 col = 0;

	wb_add(&b, L'\0');
	b.len = 0;
	while (i < len) {
		if ((n = utf8_decode(s + i, len - i, &c)) == 0) {
			c = 0xfffd;
			n = 1;
		}
		i += n;
		if (c == '\n' && multiline) {
			wb_add(&b, L'\n');
			col = 0;
		} else if (c == '\r' && multiline && i < len && s[i] == '\n')
			continue;	/* CRLF is one line end */
		else if (c == '\t' && multiline) {
			do {
				wb_add(&b, L' ');
			} while (++col % CT_TABSTOP != 0);
		} else if (c < 0x20 || c == 0x7f) {
			wb_add(&b, L'^');
			wb_add(&b, c == 0x7f ? L'?' : (wchar_t)(c + 0x40));
			col += 2;
		} else if ((c >= 0x80 && c < 0xa0) || is_bidi_control(c) ||
		    c == 0x2028 || c == 0x2029 || wcwidth((wchar_t)c) < 0) {
			wb_addf(&b, "<U+%04X>", c);
			col += 8;
		} else {
			wb_add(&b, (wchar_t)c);
			col += ct_width((wchar_t)c);
		}
	}
	if (b.failed) {
		free(b.s);
		return UV_ENOMEM;
	}
	*out = b.s;
	if (outlen != NULL)
		*outlen = b.len;
	return 0;
}

int
ct_to_utf8(const wchar_t *s, size_t len, char **out, size_t *outlen)
{
	char		*p, *q;
	size_t		 i;
	uint32_t	 c;

	if ((p = malloc(len * 4 + 1)) == NULL)
		return UV_ENOMEM;
	for (q = p, i = 0; i < len; i++) {
		c = (uint32_t)s[i];
		if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			c = 0xfffd;
		if (c < 0x80)
			*q++ = (char)c;
		else if (c < 0x800) {
			*q++ = (char)(0xc0 | (c >> 6));
			*q++ = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			*q++ = (char)(0xe0 | (c >> 12));
			*q++ = (char)(0x80 | ((c >> 6) & 0x3f));
			*q++ = (char)(0x80 | (c & 0x3f));
		} else {
			*q++ = (char)(0xf0 | (c >> 18));
			*q++ = (char)(0x80 | ((c >> 12) & 0x3f));
			*q++ = (char)(0x80 | ((c >> 6) & 0x3f));
			*q++ = (char)(0x80 | (c & 0x3f));
		}
	}
	*q = '\0';
	*out = p;
	if (outlen != NULL)
		*outlen = (size_t)(q - p);
	return 0;
}

int
ct_joiner(wchar_t c)
{
	return c == 0x200d || c == 0xfe0e || c == 0xfe0f;
}

size_t
ct_cell(const wchar_t *s, size_t len, size_t i, int *width)
{
	size_t	 j = i + 1;

	if (s[i] == L'\n') {
		*width = 0;
		return j;
	}
	if ((*width = ct_width(s[i])) == 0)
		*width = 1;
	while (j < len && s[j] != L'\n' && s[j] != L'\0' && wcwidth(s[j]) == 0)
		j++;
	return j;
}

int
ct_swidth(const wchar_t *s, size_t len)
{
	size_t	 i = 0;
	int	 w, cols = 0;

	while (i < len) {
		i = ct_cell(s, len, i, &w);
		cols += w;
	}
	return cols;
}

size_t
ct_fit(const wchar_t *s, size_t len, int cols)
{
	size_t	 i = 0, j;
	int	 w, used = 0;

	while (i < len) {
		j = ct_cell(s, len, i, &w);
		if (used + w > cols)
			break;
		used += w;
		i = j;
	}
	return i;
}

size_t
ct_wrap(const wchar_t *s, size_t len, int cols, int first, int indent,
    struct ct_row *rows, size_t max)
{
	size_t	 n = 0, i = 0, j, start = 0, brk = 0, end;
	int	 col = first, w;

#define EMIT(a, b) do {						\
	if (rows != NULL && n < max) {				\
		rows[n].start = (a);				\
		rows[n].end = (b);				\
	}							\
	n++;							\
} while (0)

	while (i < len) {
		if (s[i] == L'\n') {
			EMIT(start, i);
			start = ++i;
			brk = start;
			col = indent;
			continue;
		}
		j = ct_cell(s, len, i, &w);
		/* Ideographs may break anywhere, before or after. */
		if (w == 2 && i > start)
			brk = i;
		if (col + w > cols && i > start) {
			end = brk > start ? brk : i;
			EMIT(start, end);
			/* The spaces at a break are eaten by it. */
			while (end < len && s[end] == L' ')
				end++;
			i = start = brk = end;
			col = indent;
			continue;
		}
		col += w;
		if (s[i] == L' ' || w == 2)
			brk = j;
		i = j;
	}
	if (start < len || n == 0 || s[len - 1] == L'\n')
		EMIT(start, len);
#undef EMIT
	return n;
}
