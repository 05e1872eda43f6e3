/*
 * notify.h: what a notification says and which way it goes, without a
 * terminal or a loop: the text made safe (a peer must not be able to
 * smuggle escapes into a terminal's OSC string or markup into a desktop
 * notification), the OSC 777 / OSC 9 sequences and tmux's passthrough
 * around them, what the environment says about the terminal, the way
 * /set notify resolves to, and the rate limit. The full-screen front end
 * (curses_notify.c) does the rest.
 */
#ifndef UVQQ_NOTIFY_H
#define UVQQ_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

/* /set notify */
enum notify_kind {
	NOTIFY_AUTO,		/* terminal if known, else desktop, else bell */
	NOTIFY_OFF,
	NOTIFY_BELL,
	NOTIFY_TERMINAL,	/* OSC 777 or OSC 9 */
	NOTIFY_DESKTOP,		/* notify-send */
};

/* What actually happens for one message. */
enum notify_how {
	NOTIFY_NONE,
	NOTIFY_RING,		/* the terminal's bell */
	NOTIFY_OSC,
	NOTIFY_SEND,		/* run notify-send */
};

enum notify_osc {
	NOTIFY_OSC777,		/* \e]777;notify;TITLE;BODY\a: foot, WezTerm,
				   ghostty, urxvt with its notify extension */
	NOTIFY_OSC9,		/* \e]9;TEXT\a: iTerm2, kitty */
};

#define NOTIFY_BODY_MAX		100	/* bytes of the message shown */
#define NOTIFY_NICK_MAX		48	/* bytes of the nick in the title */
#define NOTIFY_TITLE_MAX	(sizeof "uvqq: " - 1 + NOTIFY_NICK_MAX)
/* Room for any sequence notify_osc builds from such a title and body. */
#define NOTIFY_SEQ_MAX		512

#define NOTIFY_CONV_MS		5000	/* one per conversation this often */
#define NOTIFY_BURST		3	/* and no more than this many ... */
#define NOTIFY_BURST_MS		10000	/* ... in this long, all together */

/* What the way depends on; filled by the front end. */
struct notify_caps {
	int		 term_known;	/* the terminal shows OSC ones */
	enum notify_osc	 osc;		/* which one it takes */
	int		 tmux;		/* inside tmux */
	int		 passthrough;	/* tmux forwards its passthrough */
	int		 desktop;	/* notify-send and a display */
	int		 bell;		/* /set bell: the bell may ring */
};

/* The terminal, as the environment or tmux tells it; NULL: not known. */
struct notify_term {
	const char	*term;		/* TERM, or tmux's client_termname */
	const char	*program;	/* TERM_PROGRAM */
	const char	*lc_terminal;	/* LC_TERMINAL: iTerm2, over ssh too */
	const char	*termtype;	/* tmux's client_termtype: foot(1.16) */
};

/* At most one per conversation per NOTIFY_CONV_MS, NOTIFY_BURST in all
 * per NOTIFY_BURST_MS. Zeroed: nothing sent yet. */
struct notify_limit {
	uint64_t	 sent[NOTIFY_BURST];	/* ms; 0: never */
	size_t		 next;
};

/* "auto", "off", "bell", "terminal", "desktop"; 0 or UV_EINVAL. */
int		 notify_kind_parse(const char *, enum notify_kind *);
const char	*notify_kind_name(enum notify_kind);

/*
 * Copy the first line of UTF-8 text into out, fit for a notification:
 * invalid bytes become U+FFFD, tabs spaces; ESC, BEL and every other C0
 * and C1 control, DEL and the bidi controls are dropped, and ';' too
 * with NOTIFY_NO_SEMI (an OSC 777 field separator). At most max bytes
 * (and outlen - 1), cut at a character boundary and ended with "…" when
 * the line is longer or more lines follow. Returns the length.
 */
#define NOTIFY_NO_SEMI	0x1
size_t		 notify_clean(const char *text, size_t len, size_t max,
		     int flags, char *out, size_t outlen);
/* The title, "uvqq: NICK", with the nick cleaned (no ';'). */
size_t		 notify_title(const char *nick, char *out, size_t outlen);
/* s with &, < and > as entities, for a desktop body (which may be
 * markup); cut at a character boundary when outlen is short. */
size_t		 notify_markup(const char *s, char *out, size_t outlen);
/*
 * The escape sequence that shows title and body (both cleaned) in the
 * terminal: OSC 777 with both, or OSC 9 with "TITLE: BODY" (which never
 * starts with a digit, so no terminal takes it for ConEmu's OSC 9;N). With
 * tmux, wrapped in its passthrough: "\ePtmux;", the sequence with every
 * ESC doubled, "\e\\". Returns the length, 0 when it does not fit.
 */
size_t		 notify_osc(enum notify_osc, int tmux, const char *title,
		     const char *body, char *out, size_t outlen);

/* Whether the terminal is one known to show OSC notifications, and
 * which it takes (OSC 777 when not known). */
int		 notify_term_known(const struct notify_term *,
		     enum notify_osc *);
/* Whether a tmux option value ("1", "on", "all") lets passthrough out. */
int		 notify_passthrough_on(const char *);
/* Where /set notify leads with these capabilities; the bell, chosen
 * or as the fallback, only when caps->bell. */
enum notify_how	 notify_resolve(enum notify_kind, const struct notify_caps *);
/* Whether a notification about a conversation (its last one at *last,
 * ms, 0: never) may go at now; if so, counts it. */
int		 notify_allow(struct notify_limit *, uint64_t *last,
		     uint64_t now);

#endif
