/* notify.c: a notification's text, its escape sequence and its way. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <uv.h>

#include "src/utf8.h"
#include "ui/notify.h"

#define ELLIPSIS	"\xe2\x80\xa6"	/* … */
#define ELLIPSIS_LEN	(sizeof ELLIPSIS - 1)

static const char *const kind_names[] = {
	[NOTIFY_AUTO] = "auto",
	[NOTIFY_OFF] = "off",
	[NOTIFY_BELL] = "bell",
	[NOTIFY_TERMINAL] = "terminal",
	[NOTIFY_DESKTOP] = "desktop",
};

int
notify_kind_parse(const char *s, enum notify_kind *out)
{
	size_t	 i;

	for (i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++) {
		if (strcmp(s, kind_names[i]) == 0) {
			*out = (enum notify_kind)i;
			return 0;
		}
	}
	return UV_EINVAL;
}

const char *
notify_kind_name(enum notify_kind k)
{
	if ((size_t)k >= sizeof kind_names / sizeof kind_names[0])
		return "?";
	return kind_names[k];
}

/* Characters that reorder or hide the text around them. */
static int
is_bidi_control(uint32_t c)
{
	return c == 0x061c || c == 0x200e || c == 0x200f ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

static int
is_line_end(uint32_t c)
{
	return c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 ||
	    c == 0x2029;
}

/* Whether anything but blanks and line ends is left in s. */
static int
more_text(const char *s, size_t len)
{
	uint32_t	 cp;
	size_t		 n;

	while (len > 0) {
		if ((n = utf8_decode(s, len, &cp)) == 0)
			return 1;
		if (cp != ' ' && cp != '\t' && !is_line_end(cp))
			return 1;
		s += n;
		len -= n;
	}
	return 0;
}

size_t
notify_clean(const char *text, size_t len, size_t max, int flags,
    char *out, size_t outlen)
{
	static const char	 fffd[] = "\xef\xbf\xbd";
	const char		*enc;
	uint32_t		 cp;
	size_t			 n, elen, o = 0, keep = 0;
	int			 cut = 0;

	if (outlen == 0)
		return 0;
	if (max > outlen - 1)
		max = outlen - 1;
	/* Leading line ends: the first line with something in it. */
	while (len > 0 && (n = utf8_decode(text, len, &cp)) > 0 &&
	    is_line_end(cp)) {
		text += n;
		len -= n;
	}
	while (len > 0) {
		enc = text;
		if ((n = elen = utf8_decode(text, len, &cp)) == 0) {
			n = 1;
			cp = 0xfffd;
			enc = fffd;
			elen = sizeof fffd - 1;
		}
		if (is_line_end(cp)) {
			cut = more_text(text, len);
			break;
		}
		text += n;
		len -= n;
		if (cp == '\t') {
			cp = ' ';
			enc = " ";
		}
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
		    is_bidi_control(cp) ||
		    (cp == ';' && (flags & NOTIFY_NO_SEMI)))
			continue;
		if (o + elen > max) {
			cut = 1;
			break;
		}
		memcpy(out + o, enc, elen);
		o += elen;
		/* Where to cut, should "…" be needed later. */
		if (o + ELLIPSIS_LEN <= max)
			keep = o;
	}
	if (cut) {
		if (o + ELLIPSIS_LEN > max)
			o = keep;
		if (o + ELLIPSIS_LEN <= max) {
			memcpy(out + o, ELLIPSIS, ELLIPSIS_LEN);
			o += ELLIPSIS_LEN;
		}
	}
	out[o] = '\0';
	return o;
}

size_t
notify_title(const char *nick, char *out, size_t outlen)
{
	char	 clean[NOTIFY_NICK_MAX + 1];

	notify_clean(nick != NULL ? nick : "", nick != NULL ? strlen(nick) :
	    0, NOTIFY_NICK_MAX, NOTIFY_NO_SEMI, clean, sizeof clean);
	snprintf(out, outlen, "uvqq: %s", clean);
	return strlen(out);
}

size_t
notify_markup(const char *s, char *out, size_t outlen)
{
	const char	*rep;
	uint32_t	 cp;
	size_t		 o = 0, n, rlen, len = strlen(s);

	if (outlen == 0)
		return 0;
	while (len > 0) {
		n = 1;
		if (*s == '&')
			rep = "&amp;";
		else if (*s == '<')
			rep = "&lt;";
		else if (*s == '>')
			rep = "&gt;";
		else {
			rep = s;
			if ((n = utf8_decode(s, len, &cp)) == 0)
				n = 1;
		}
		rlen = rep == s ? n : strlen(rep);
		if (o + rlen > outlen - 1)
			break;
		memcpy(out + o, rep, rlen);
		o += rlen;
		s += n;
		len -= n;
	}
	out[o] = '\0';
	return o;
}

/* A tiny bounded writer: *o grows only while it fits. */
static int
put(char *out, size_t outlen, size_t *o, const char *s, size_t n)
{
	if (*o + n >= outlen)
		return -1;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
	return 0;
}

size_t
notify_osc(enum notify_osc osc, int tmux, const char *title,
    const char *body, char *out, size_t outlen)
{
	char	 seq[NOTIFY_SEQ_MAX];
	size_t	 n, o = 0, i;
	int	 r;

	if (osc == NOTIFY_OSC9)
		r = snprintf(seq, sizeof seq, "\033]9;%s: %s\a", title, body);
	else
		r = snprintf(seq, sizeof seq, "\033]777;notify;%s;%s\a",
		    title, body);
	if (r < 0 || (size_t)r >= sizeof seq || outlen == 0)
		return 0;
	n = (size_t)r;
	out[0] = '\0';
	if (!tmux)
		return put(out, outlen, &o, seq, n) == 0 ? o : 0;
	if (put(out, outlen, &o, "\033Ptmux;", 7) != 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (seq[i] == '\033' && put(out, outlen, &o, "\033", 1) != 0)
			return 0;
		if (put(out, outlen, &o, seq + i, 1) != 0)
			return 0;
	}
	return put(out, outlen, &o, "\033\\", 2) == 0 ? o : 0;
}

static int
starts(const char *s, const char *prefix)
{
	return s != NULL && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static int
same(const char *s, const char *t)
{
	return s != NULL && strcasecmp(s, t) == 0;
}

int
notify_term_known(const struct notify_term *t, enum notify_osc *osc)
{
	/* iTerm2 and kitty take OSC 9 (kitty refuses OSC 777). */
	if (same(t->program, "iTerm.app") || same(t->lc_terminal, "iTerm2") ||
	    starts(t->termtype, "iTerm2") || same(t->term, "xterm-kitty") ||
	    starts(t->termtype, "kitty")) {
		*osc = NOTIFY_OSC9;
		return 1;
	}
	*osc = NOTIFY_OSC777;
	return same(t->program, "WezTerm") || same(t->term, "wezterm") ||
	    starts(t->termtype, "WezTerm") ||
	    same(t->program, "ghostty") || same(t->term, "xterm-ghostty") ||
	    starts(t->termtype, "ghostty") ||
	    same(t->term, "foot") || starts(t->term, "foot-") ||
	    starts(t->termtype, "foot");
}

int
notify_passthrough_on(const char *v)
{
	return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "on") == 0 ||
	    strcmp(v, "all") == 0);
}

enum notify_how
notify_resolve(enum notify_kind kind, const struct notify_caps *caps)
{
	enum notify_how	 how;
	int		 osc_ok = !caps->tmux || caps->passthrough;

	switch (kind) {
	case NOTIFY_OFF:
		return NOTIFY_NONE;
	case NOTIFY_TERMINAL:
		how = osc_ok ? NOTIFY_OSC : NOTIFY_RING;
		break;
	case NOTIFY_DESKTOP:
		how = caps->desktop ? NOTIFY_SEND : NOTIFY_RING;
		break;
	case NOTIFY_AUTO:
		if (caps->term_known && osc_ok)
			how = NOTIFY_OSC;
		else if (caps->desktop)
			how = NOTIFY_SEND;
		else
			how = NOTIFY_RING;
		break;
	case NOTIFY_BELL:
	default:
		how = NOTIFY_RING;
		break;
	}
	if (how == NOTIFY_RING && !caps->bell)
		return NOTIFY_NONE;
	return how;
}

int
notify_allow(struct notify_limit *l, uint64_t *last, uint64_t now)
{
	uint64_t	 oldest = l->sent[l->next];

	if (*last != 0 && now - *last < NOTIFY_CONV_MS)
		return 0;
	if (oldest != 0 && now - oldest < NOTIFY_BURST_MS)
		return 0;
	*last = now;
	l->sent[l->next] = now;
	l->next = (l->next + 1) % NOTIFY_BURST;
	return 1;
}
