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

/* Room for n more bytes and the terminating NUL; 0 if out of memory. */
static int
jbuf_reserve(struct jbuf *b, size_t n)
{
	size_t	 want;
	char	*p;

	if (b->failed)
		return 0;
	if (b->len + n + 1 <= b->size)
		return 1;
	want = b->size == 0 ? 4096 : b->size;
	while (want < b->len + n + 1)
		want *= 2;
	if ((p = realloc(b->data, want)) == NULL) {
		b->failed = 1;
		return 0;
	}
	b->data = p;
	b->size = want;
	return 1;
}

void
jbuf_append(struct jbuf *b, const char *s, size_t n)
{
	if (!jbuf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Bytes JSON strings cannot hold as they are; NUL ends the string. */
static const unsigned char	 json_special[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1,
	[0x05] = 1, [0x06] = 1, [0x07] = 1, [0x08] = 1, [0x09] = 1,
	[0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1, [0x0e] = 1,
	[0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1,
	[0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1,
	[0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1,
	[0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};

/*
 * Written straight into the buffer: this runs for every line of text, so
 * runs of plain bytes are found by table and copied whole.
 */
void
json_quote(struct jbuf *b, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 len = strlen(s);
	const char		*run;
	unsigned char		 c;
	char			*o;

	/* At worst \u00XX, six bytes, for each one. */
	if (!jbuf_reserve(b, len * 6 + 2))
		return;
	o = b->data + b->len;
	*o++ = '"';
	for (;;) {
		for (run = s; !json_special[(unsigned char)*s]; s++)
			;
		memcpy(o, run, (size_t)(s - run));
		o += s - run;
		if ((c = (unsigned char)*s++) == '\0')
			break;
		*o++ = '\\';
		switch (c) {
		case '"':
		case '\\':
			*o++ = (char)c;
			break;
		case '\n':
			*o++ = 'n';
			break;
		case '\r':
			*o++ = 'r';
			break;
		case '\t':
			*o++ = 't';
			break;
		default:
			memcpy(o, "u00", 3);
			o[3] = hex[c >> 4];
			o[4] = hex[c & 0xf];
			o += 5;
			break;
		}
	}
	*o++ = '"';
	*o = '\0';
	b->len = (size_t)(o - b->data);
}

/* Keys are our own plain names: ,"key": needs no escaping. */
static void
json_key(struct jbuf *b, const char *key)
{
	size_t	 n = strlen(key);
	char	*o;

	if (!jbuf_reserve(b, n + 4))
		return;
	o = b->data + b->len;
	o[0] = ',';
	o[1] = '"';
	memcpy(o + 2, key, n);
	o[n + 2] = '"';
	o[n + 3] = ':';
	o[n + 4] = '\0';
	b->len += n + 4;
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
	json_key(b, key);
	json_quote(b, value);
}

void
json_uint(struct jbuf *b, const char *key, uint64_t value)
{
	char	 num[21];
	size_t	 i = sizeof num;

	json_key(b, key);
	do {
		num[--i] = (char)('0' + value % 10);
		value /= 10;
	} while (value != 0);
	jbuf_append(b, num + i, sizeof num - i);
}

void
json_bool(struct jbuf *b, const char *key, int value)
{
	json_key(b, key);
	jbuf_append(b, value ? "true" : "false", value ? 4 : 5);
}

void
json_end(struct jbuf *b)
{
	jbuf_append(b, "}\n", 2);
}
