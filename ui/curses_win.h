/*
 * curses_win.h: the conversations of the full-screen front end, without
 * curses. One conversation per peer plus the status window (number 0);
 * each keeps a bounded ring of lines stored once and laid out for the
 * current width on demand, an unread count and a scroll position that
 * survives a resize.
 */
#ifndef UVQQ_CURSES_WIN_H
#define UVQQ_CURSES_WIN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <wchar.h>

#include "src/evq.h"
#include "ui/curses_text.h"

#define CW_MAX_LINES	2000	/* per conversation; older lines go */

enum cw_kind {
	CW_MSG,		/* received */
	CW_OWN,		/* ours, with a delivery state */
	CW_INFO,	/* from the core or from us */
	CW_ERROR,
};

enum cw_state {
	CW_NONE,	/* not ours */
	CW_PENDING,	/* sent, waiting for the acknowledgement */
	CW_DELIVERED,
	CW_FAILED,
	CW_UNACKED,	/* sent to a plain peer, which never acknowledges */
};

struct cw_line {
	time_t		 when;
	enum cw_kind	 kind;
	enum cw_state	 state;
	uint64_t	 id;		/* message id, 0 if none */
	wchar_t		*nick;		/* shown form, or NULL */
	size_t		 nicklen;
	unsigned	 colour;	/* a hash of the nick, stable */
	wchar_t		*text;		/* shown form, '\n' breaks lines */
	size_t		 len;
	int		 wrap_cols;	/* rows was counted for this width */
	size_t		 rows;
};

struct cw_conv {
	char		 addr[EV_ADDRLEN];	/* "" for the status window */
	char		*name;		/* our name for the peer, or NULL */
	char		*nick;		/* its nick, or NULL */
	enum peer_state	 state;
	enum peer_kind	 kind;
	int		 known;		/* the core told us about it */
	unsigned	 unread;	/* messages while not shown */

	struct cw_line	**ring;		/* CW_MAX_LINES slots */
	size_t		 head;		/* slot of the oldest line */
	size_t		 count;
	uint64_t	 first_seq;	/* sequence number of the oldest */

	/* Scrolled back: row anchor_row of line anchor_seq is the bottom. */
	int		 scrolled;
	uint64_t	 anchor_seq;
	size_t		 anchor_row;
	unsigned	 below;		/* lines that arrived while scrolled */

	struct cw_conv	*next;
};

struct cw_list {
	struct cw_conv	*status;	/* always there, number 0 */
	struct cw_conv	*head;		/* peers, numbered from 1 */
	size_t		 count;
};

/* How a line's prefix ("HH:MM nick ✓ ") looks at some width. */
struct cw_prefix {
	int		 show_time;
	size_t		 nickfit;	/* code points of the nick shown */
	int		 nickcols;
	wchar_t		 mark;		/* separator or delivery mark */
	int		 width;		/* columns before the text */
	int		 indent;	/* columns before continuation rows */
};

int		 cw_init(struct cw_list *);
void		 cw_free(struct cw_list *);
struct cw_conv	*cw_find(struct cw_list *, const char *addr);
/* Find or add the conversation with a peer; NULL when out of memory. */
struct cw_conv	*cw_get(struct cw_list *, const char *addr);
/* Number n (0 is the status window), or NULL. */
struct cw_conv	*cw_nth(struct cw_list *, size_t n);
size_t		 cw_index(struct cw_list *, const struct cw_conv *);
/* What to call a peer: our name for it, its nick, or its address. */
const char	*cw_label(const struct cw_conv *);

/* Add a line; nick and text are UTF-8 and made safe to show. */
struct cw_line	*cw_add(struct cw_conv *, enum cw_kind, const char *nick,
		     const char *text, uint64_t id);
/* The newest of our lines with this id, or NULL. */
struct cw_line	*cw_find_id(struct cw_conv *, uint64_t id);
/* The line with sequence number seq, or NULL when gone or not yet. */
struct cw_line	*cw_line(struct cw_conv *, uint64_t seq);
/* Sequence number after the newest line. */
uint64_t	 cw_end(const struct cw_conv *);

/* Lay out the prefix of l for a pane cols wide. */
void		 cw_prefix(const struct cw_line *, int cols,
		     struct cw_prefix *);
/* Rows l takes at that width (rows may be NULL; see ct_wrap). */
size_t		 cw_rows(struct cw_line *, int cols, struct ct_row *rows,
		     size_t max);

/*
 * Scroll by delta rows (positive: back in time) in a pane cols wide and
 * height rows high. Reaching the newest line ends scrolling.
 */
void		 cw_scroll(struct cw_conv *, int delta, int cols, int height);
void		 cw_scroll_end(struct cw_conv *);

#endif
