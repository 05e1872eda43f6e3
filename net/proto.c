/* proto.c: encoding and strict decoding of uvqq/1 frames. */
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "net/proto.h"
#include "src/utf8.h"

#define MAGIC		"uvqq/"
#define MAGIC_LEN	5

static const char *const type_names[] = {
	[FRAME_HELLO] = "HELLO",
	[FRAME_WELCOME] = "WELCOME",
	[FRAME_MSG] = "MSG",
	[FRAME_ACK] = "ACK",
	[FRAME_PING] = "PING",
	[FRAME_PONG] = "PONG",
	[FRAME_BYE] = "BYE",
	[FRAME_SEAL] = "SEAL",
	[FRAME_LAN] = "LAN",
};
#define NTYPES	(sizeof type_names / sizeof type_names[0])

const char *
proto_type_name(enum frame_type t)
{
	return (size_t)t < NTYPES ? type_names[t] : "?";
}

int
proto_is_frame(const char *buf, size_t len)
{
	return len > MAGIC_LEN && memcmp(buf, MAGIC, MAGIC_LEN) == 0 &&
	    buf[MAGIC_LEN] >= '0' && buf[MAGIC_LEN] <= '9';
}

/* Parse an unsigned decimal that fills [s, end) exactly. */
static int
parse_u64(const char *s, const char *end, uint64_t *out)
{
	uint64_t	 v = 0;

	if (s == end || end - s > 20)
		return UV_EINVAL;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return UV_EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return UV_EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int
parse_hex64(const char *s, const char *end, uint64_t *out)
{
	uint64_t	 v = 0;
	int		 d;

	if (end - s != 16)
		return UV_EINVAL;
	for (; s < end; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else
			return UV_EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode a nick; it must come out as valid UTF-8 without controls. */
static int
parse_nick(const char *s, const char *end, char *out)
{
	size_t	 n = 0;
	int	 hi, lo;

	for (; s < end; s++) {
		if (n >= PROTO_NICK_MAX)
			return UV_EINVAL;
		if (*s == '%') {
			if (end - s < 3 || (hi = hexval(s[1])) < 0 ||
			    (lo = hexval(s[2])) < 0)
				return UV_EINVAL;
			out[n++] = (char)(hi << 4 | lo);
			s += 2;
		} else
			out[n++] = *s;
	}
	out[n] = '\0';
	if (n == 0 || !utf8_valid(out, n))
		return UV_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			return UV_EINVAL;
	}
	return 0;
}

/* A public key: exactly PROTO_KEY_BYTES in base64url. */
static int
parse_key(const char *s, const char *end, uint8_t *out)
{
	uint8_t	 tmp[PROTO_KEY_BYTES + 3];

	if (proto_b64_decode(tmp, sizeof tmp, s, (size_t)(end - s)) !=
	    PROTO_KEY_BYTES)
		return UV_EINVAL;
	memcpy(out, tmp, PROTO_KEY_BYTES);
	return 0;
}

static int
parse_frag(const char *s, const char *end, struct frame *f)
{
	const char	*slash;
	uint64_t	 i, n;

	if ((slash = memchr(s, '/', (size_t)(end - s))) == NULL)
		return UV_EINVAL;
	if (parse_u64(s, slash, &i) != 0 || parse_u64(slash + 1, end, &n) != 0)
		return UV_EINVAL;
	if (n == 0 || n > PROTO_MAX_FRAGMENTS || i >= n)
		return UV_EINVAL;
	f->frag = (unsigned)i;
	f->nfrags = (unsigned)n;
	return 0;
}

static int
parse_sack(const char *s, const char *end, struct frame *f)
{
	const char	*comma, *dash;
	struct sack_range *r;

	while (s < end) {
		if (f->nsack == PROTO_MAX_SACK)
			return UV_EINVAL;
		if ((comma = memchr(s, ',', (size_t)(end - s))) == NULL)
			comma = end;
		r = &f->sack[f->nsack++];
		if ((dash = memchr(s, '-', (size_t)(comma - s))) != NULL) {
			if (parse_u64(s, dash, &r->first) != 0 ||
			    parse_u64(dash + 1, comma, &r->last) != 0)
				return UV_EINVAL;
		} else {
			if (parse_u64(s, comma, &r->first) != 0)
				return UV_EINVAL;
			r->last = r->first;
		}
		if (r->last < r->first)
			return UV_EINVAL;
		s = comma == end ? end : comma + 1;
	}
	return 0;
}

/* Keys a frame type must carry, as a string of key letters. */
static const char *
required_keys(enum frame_type t)
{
	switch (t) {
	case FRAME_HELLO:
		return "snie";
	case FRAME_WELCOME:
		return "sdniec";
	case FRAME_SEAL:
		return "sdc";
	case FRAME_MSG:
		return "sqbmf";
	case FRAME_ACK:
	case FRAME_PONG:
		return t == FRAME_ACK ? "sda" : "sd";
	case FRAME_PING:
	case FRAME_BYE:
		return "s";
	case FRAME_LAN:
		return "snito";
	}
	return "";
}

static int
parse_field(char key, const char *v, const char *end, struct frame *f)
{
	uint64_t	 x;

	switch (key) {
	case 's':
		return parse_hex64(v, end, &f->sid);
	case 'd':
		return parse_hex64(v, end, &f->dsid);
	case 'n':
		return parse_nick(v, end, f->nick);
	case 'u':
		return parse_hex64(v, end, &f->uid);
	case 'i':
		return parse_key(v, end, f->ikey);
	case 'e':
		return parse_key(v, end, f->ekey);
	case 'c':
		return parse_u64(v, end, &f->counter);
	case 'q':
		return parse_u64(v, end, &f->seq);
	case 'b':
		return parse_u64(v, end, &f->base);
	case 'm':
		return parse_u64(v, end, &f->msgid);
	case 'f':
		return parse_frag(v, end, f);
	case 'a':
		return parse_u64(v, end, &f->ack);
	case 'k':
		return parse_sack(v, end, f);
	case 'l':
		if (parse_u64(v, end, &x) != 0 || x > PROTO_MAX_DATAGRAM)
			return UV_EINVAL;
		f->packed = 1;
		f->bodylen = (size_t)x;
		return 0;
	case 'p':
		if (parse_u64(v, end, &x) != 0)
			return UV_EINVAL;
		f->packs = x != 0;
		return 0;
	case 'o':
		if (parse_u64(v, end, &x) != 0 || x == 0 || x > 65535)
			return UV_EINVAL;
		f->port = (unsigned)x;
		return 0;
	case 't':
		if (end - v != 1 || strchr("aprb", *v) == NULL)
			return UV_EINVAL;
		f->lan = *v;
		return 0;
	}
	return 0;	/* unknown keys are for later versions */
}

int
proto_decode_next(const char *buf, size_t len, struct frame *f, size_t *used)
{
	const char	*p, *eol, *tok, *sp, *eq;
	char		 seen[26] = { 0 };
	const char	*req;
	uint64_t	 version;
	size_t		 t;

	memset(f, 0, sizeof *f);
	if (!proto_is_frame(buf, len))
		return UV_EINVAL;
	if ((eol = memchr(buf, '\n', len)) == NULL)
		eol = buf + len;
	p = buf + MAGIC_LEN;
	if ((sp = memchr(p, ' ', (size_t)(eol - p))) == NULL)
		return UV_EINVAL;
	if (parse_u64(p, sp, &version) != 0)
		return UV_EINVAL;
	if (version != PROTO_VERSION)
		return UV_EPROTONOSUPPORT;

	tok = sp + 1;
	if ((sp = memchr(tok, ' ', (size_t)(eol - tok))) == NULL)
		sp = eol;
	for (t = 0; t < NTYPES; t++) {
		if (strlen(type_names[t]) == (size_t)(sp - tok) &&
		    memcmp(type_names[t], tok, (size_t)(sp - tok)) == 0)
			break;
	}
	if (t == NTYPES)
		return UV_EINVAL;
	f->type = (enum frame_type)t;

	for (tok = sp; tok < eol; tok = sp) {
		tok++;			/* the space */
		if ((sp = memchr(tok, ' ', (size_t)(eol - tok))) == NULL)
			sp = eol;
		if (sp == tok)
			continue;	/* tolerate double spaces */
		if ((eq = memchr(tok, '=', (size_t)(sp - tok))) == NULL)
			return UV_EINVAL;
		if (eq - tok != 1 || tok[0] < 'a' || tok[0] > 'z')
			continue;	/* a longer key: a later version's */
		if (seen[tok[0] - 'a']++)
			return UV_EINVAL;
		if (parse_field(tok[0], eq + 1, sp, f) != 0)
			return UV_EINVAL;
	}
	for (req = required_keys(f->type); *req != '\0'; req++) {
		if (!seen[*req - 'a'])
			return UV_EINVAL;
	}
	/* Zero means "unknown" to the receiver: no session has it. */
	if (f->sid == 0)
		return UV_EINVAL;
	/* Far below 2^64, so seq + window arithmetic cannot wrap. */
	if (f->seq > PROTO_MAX_SEQ || f->base > PROTO_MAX_SEQ ||
	    f->ack > PROTO_MAX_SEQ)
		return UV_EINVAL;
	if (f->type == FRAME_MSG && (f->seq < f->base || f->base == 0))
		return UV_EINVAL;
	if (strchr(required_keys(f->type), 'c') != NULL && f->counter == 0)
		return UV_EINVAL;
	if (f->packed) {
		/* The body is exactly l bytes; the next frame follows. */
		if (eol == buf + len ||
		    f->bodylen > (size_t)(buf + len - (eol + 1)))
			return UV_EINVAL;
		f->body = eol + 1;
		*used = (size_t)(f->body + f->bodylen - buf);
	} else {
		if (eol < buf + len) {
			f->body = eol + 1;
			f->bodylen = (size_t)(buf + len - f->body);
		}
		*used = len;
	}
	if (f->type == FRAME_MSG && f->bodylen > PROTO_SEGMENT_BODY)
		return UV_EINVAL;
	return 0;
}

int
proto_decode(const char *buf, size_t len, struct frame *f)
{
	size_t	 used;
	int	 r;

	if ((r = proto_decode_next(buf, len, f, &used)) != 0)
		return r;
	return used == len ? 0 : UV_EINVAL;
}

/* The encoder's output; full once something did not fit. */
struct out {
	char	*buf;
	size_t	 size;
	size_t	 off;
	int	 full;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->full || o->size - o->off < n) {
		o->full = 1;
		return;
	}
	if (n > 0)
		memcpy(o->buf + o->off, s, n);
	o->off += n;
}

static void
put_key(struct out *o, char key)
{
	char	 t[3] = { ' ', key, '=' };

	put(o, t, sizeof t);
}

static void
put_u64(struct out *o, uint64_t v)
{
	char	 t[20];
	size_t	 i = sizeof t;

	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	put(o, t + i, sizeof t - i);
}

static void
put_hex64(struct out *o, uint64_t v)
{
	static const char	 digits[] = "0123456789abcdef";
	char			 t[16];
	int			 i;

	for (i = 15; i >= 0; i--, v >>= 4)
		t[i] = digits[v & 15];
	put(o, t, sizeof t);
}

static void
put_b64(struct out *o, const uint8_t *in, size_t len)
{
	int	 n;

	if (o->full || (n = proto_b64_encode(o->buf + o->off,
	    o->size - o->off, in, len)) < 0) {
		o->full = 1;
		return;
	}
	o->off += (size_t)n;
}

static void
put_nick(struct out *o, const char *nick)
{
	static const char	 digits[] = "0123456789ABCDEF";
	const unsigned char	*p;
	char			 t[3] = { '%' };

	for (p = (const unsigned char *)nick; *p != '\0'; p++) {
		if (*p <= ' ' || *p == '%' || *p == '=' || *p == 0x7f) {
			t[1] = digits[*p >> 4];
			t[2] = digits[*p & 15];
			put(o, t, sizeof t);
		} else
			put(o, (const char *)p, 1);
	}
}

/* By hand rather than with printf: this runs for every datagram. */
int
proto_encode(const struct frame *f, char *buf, size_t size)
{
	const char	*keys = required_keys(f->type);
	const char	*type = proto_type_name(f->type);
	struct out	 o = { buf, size, 0, 0 };
	size_t		 bodylen = f->body != NULL ? f->bodylen : 0;
	unsigned	 i;

	put(&o, MAGIC, MAGIC_LEN);
	put_u64(&o, PROTO_VERSION);
	put(&o, " ", 1);
	put(&o, type, strlen(type));
	put_key(&o, 's');
	put_hex64(&o, f->sid);
	if (strchr(keys, 'd') != NULL || f->dsid != 0) {
		put_key(&o, 'd');
		put_hex64(&o, f->dsid);
	}
	if (strchr(keys, 'n') != NULL) {
		put_key(&o, 'n');
		put_nick(&o, f->nick);
	}
	if (strchr(keys, 'i') != NULL) {
		put_key(&o, 'i');
		put_b64(&o, f->ikey, PROTO_KEY_BYTES);
	}
	if (strchr(keys, 'e') != NULL) {
		put_key(&o, 'e');
		put_b64(&o, f->ekey, PROTO_KEY_BYTES);
	}
	if (strchr(keys, 'c') != NULL) {
		put_key(&o, 'c');
		put_u64(&o, f->counter);
	}
	if (f->packs)
		put(&o, " p=1", 4);
	if (f->type == FRAME_MSG) {
		put_key(&o, 'q');
		put_u64(&o, f->seq);
		put_key(&o, 'b');
		put_u64(&o, f->base);
		put_key(&o, 'm');
		put_u64(&o, f->msgid);
		put_key(&o, 'f');
		put_u64(&o, f->frag);
		put(&o, "/", 1);
		put_u64(&o, f->nfrags);
	}
	if (f->type == FRAME_ACK) {
		put_key(&o, 'a');
		put_u64(&o, f->ack);
		for (i = 0; i < f->nsack; i++) {
			if (i == 0)
				put_key(&o, 'k');
			else
				put(&o, ",", 1);
			put_u64(&o, f->sack[i].first);
			if (f->sack[i].last != f->sack[i].first) {
				put(&o, "-", 1);
				put_u64(&o, f->sack[i].last);
			}
		}
	}
	if (f->type == FRAME_LAN) {
		put_key(&o, 't');
		put(&o, &f->lan, 1);
		put_key(&o, 'o');
		put_u64(&o, f->port);
	}
	if (f->packed) {
		put_key(&o, 'l');
		put_u64(&o, bodylen);
	}
	if (f->body != NULL || f->packed) {
		put(&o, "\n", 1);
		put(&o, f->body, bodylen);
	}
	return o.full ? UV_ENOBUFS : (int)o.off;
}
