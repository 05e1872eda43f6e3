/* json.c: JSON string escaping and one-object-per-line output. */
#include <stdlib.h>
#include <string.h>

#include "ui/json.h"

void
jbuf_reset(struct jbuf *b)
{
	b->len = 0;
	b->failed = 0;
}

void
jbuf_free(struct jbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

void
jbuf_append(struct jbuf *b, const char *s, size_t n)
{
	size_t	 want;
	char	*p;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->size) {
		want = b->size == 0 ? 4096 : b->size;
		while (want < b->len + n + 1)
			want *= 2;
		if ((p = realloc(b->data, want)) == NULL) {
			b->failed = 1;
			return;
		}
		b->data = p;
		b->size = want;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
json_quote(struct jbuf *b, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const char		*run = s;
	char			 esc[7];
	unsigned char		 c;

	jbuf_append(b, "\"", 1);
	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jbuf_append(b, run, (size_t)(s - run));
		run = s + 1;
		switch (c) {
		case '"':
			jbuf_append(b, "\\\"", 2);
			break;
		case '\\':
			jbuf_append(b, "\\\\", 2);
			break;
		case '\n':
			jbuf_append(b, "\\n", 2);
			break;
		case '\r':
			jbuf_append(b, "\\r", 2);
			break;
		case '\t':
			jbuf_append(b, "\\t", 2);
			break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			jbuf_append(b, esc, 6);
			break;
		}
	}
	jbuf_append(b, run, (size_t)(s - run));
	jbuf_append(b, "\"", 1);
}

void
json_begin(struct jbuf *b, const char *event)
{
	jbuf_append(b, "{\"event\":", 9);
	json_quote(b, event);
}

void
json_string(struct jbuf *b, const char *key, const char *value)
{
	if (value == NULL)
		return;
	jbuf_append(b, ",", 1);
	json_quote(b, key);
	jbuf_append(b, ":", 1);
	json_quote(b, value);
}

void
json_uint(struct jbuf *b, const char *key, uint64_t value)
{
	char	 num[21];
	size_t	 i = sizeof num;

	jbuf_append(b, ",", 1);
	json_quote(b, key);
	do {
		num[--i] = (char)('0' + value % 10);
		value /= 10;
	} while (value != 0);
	num[--i] = ':';
	jbuf_append(b, num + i, sizeof num - i);
}

void
json_bool(struct jbuf *b, const char *key, int value)
{
	jbuf_append(b, ",", 1);
	json_quote(b, key);
	jbuf_append(b, value ? ":true" : ":false", value ? 5 : 6);
}

void
json_end(struct jbuf *b)
{
	jbuf_append(b, "}\n", 2);
}
