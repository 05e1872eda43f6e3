/*
 * curses_win.h: the conversations of the full-screen front end, without
 * curses. One conversation per peer plus the status window (number 0);
 * each keeps a bounded ring of lines stored once and laid out for the
 * current width on demand, an unread count and a scroll position that
 * survives a resize. Lines are numbered by sequence; older lines loaded
 * from the history go in above the oldest, with smaller numbers, so a
 * scroll position (a sequence number) stays on the same line.
 */
#ifndef UVQQ_CURSES_WIN_H
#define UVQQ_CURSES_WIN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <wchar.h>

#include "src/evq.h"
#include "ui/curses_text.h"

#define CW_LINES_DEFAULT	2000	/* per conversation until told */
#define CW_LINES_MAX	10000000	/* the most anyone can ask for */
/* The first sequence number: room below it for lines loaded later. */
#define CW_SEQ_BASE	((uint64_t)1 << 62)
/* Columns a timestamp may take at most. */
#define CW_STAMP_MAX	40

enum cw_kind {
	CW_MSG,		/* received */
	CW_OWN,		/* ours, with a delivery state */
	CW_INFO,	/* from the core or from us */
	CW_ERROR,
};

/* Marks: … pending, ✓ delivered, ✗ failed, ⧗ parked, none for plain. */
enum cw_state {
	CW_NONE,	/* not ours */
	CW_PENDING,	/* sent, waiting for the acknowledgement */
	CW_DELIVERED,
	CW_FAILED,	/* given up for good */
	CW_UNACKED,	/* sent to a plain peer, which never acknowledges */
	CW_PARKED,	/* kept in the outbox, sent when the peer is back */
};

/* The delivery states the history stores (ev->state of a stored line). */
enum cw_stored {
	CW_STORED_QUEUED,
	CW_STORED_DELIVERED,
	CW_STORED_PARKED,
	CW_STORED_PLAIN,
	CW_STORED_FAILED,
	CW_STORED_RECEIVED,
};

struct cw_line {
	time_t		 when;
	enum cw_kind	 kind;
	enum cw_state	 state;
	uint64_t	 id;		/* message id, 0 if none */
	int64_t		 rowid;		/* its row in the history, 0 if none */
	int		 copy;		/* a copy of a stored line: dimmed */
	int		 alert;		/* received, but not under the peer's
					   key on record: marked loudly */
	wchar_t		*nick;		/* shown form, or NULL */
	size_t		 nicklen;
	unsigned	 colour;	/* a hash of the nick, stable */
	wchar_t		*text;		/* shown form, '\n' breaks lines */
	size_t		 len;
	int		 wrap_cols;	/* rows was counted for this width */
	unsigned	 wrap_gen;	/* and this timestamp format */
	size_t		 rows;
};

/* The timestamp before each line, as /set timestamp says. */
struct cw_stamp {
	char		 fmt[64];	/* strftime format, "" for none */
	int		 cols;		/* the widest it formats to, measured */
	unsigned	 gen;		/* changes with fmt: layouts go stale */
};

struct cw_conv {
	char		 addr[EV_ADDRLEN];	/* "" for the status window */
	char		*name;		/* our name for the peer, or NULL */
	char		*nick;		/* its nick, or NULL */
	enum peer_state	 state;
	enum peer_kind	 kind;
	int		 secure;	/* a sealed session: encrypted */
	int		 discovered;	/* found on the LAN */
	enum peer_trust	 trust;		/* of its key, when secure */
	int		 known;		/* the core told us about it */
	unsigned	 unread;	/* messages while not shown */
	uint64_t	 notified;	/* ms of its last notification, 0 */

	const struct cw_stamp *stamp;	/* the list's */
	struct cw_line	**ring;		/* cap slots, grown up to bound */
	size_t		 cap;
	size_t		 head;		/* slot of the oldest line */
	size_t		 count;
	size_t		 bound;		/* lines kept at most */
	uint64_t	 first_seq;	/* sequence number of the oldest */

	/* Older lines from the history (see cw_older_hold). */
	uint64_t	 loading;	/* a request is out (its number), or 0 */
	int		 older_done;	/* nothing older is stored */
	struct cw_line	**older;	/* an answer so far, oldest first */
	size_t		 nolder;
	size_t		 older_cap;

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
	size_t		 bound;		/* lines kept per conversation */
	struct cw_stamp	 stamp;
};

/* How a line's prefix ("HH:MM nick ✓ ") looks at some width. */
struct cw_prefix {
	int		 show_time;	/* columns of the stamp, or 0 */
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
/* Replace *dst with a copy of s, unless s is NULL or the same. */
void		 cw_set_str(char **dst, const char *s);
/* A plain peer never acknowledges: our pending lines are just sent. */
void		 cw_mark_unacked(struct cw_conv *);

/* Lines kept per conversation from now on: fewer drops the oldest. */
int		 cw_set_bound(struct cw_list *, size_t lines);
/* The timestamp's strftime format ("" for none); measures its width. */
int		 cw_set_stamp(struct cw_list *, const char *fmt);
/* Format l's timestamp into buf (NUL-terminated, "" for none). */
void		 cw_stamp_text(const struct cw_conv *, const struct cw_line *,
		     char *buf, size_t len);

/* A new line, not in any conversation yet: time now, state by kind. */
struct cw_line	*cw_line_new(enum cw_kind, const char *nick, const char *text,
		     uint64_t id);
void		 cw_line_free(struct cw_line *);
/* Take l as the newest line (dropping the oldest when full). */
int		 cw_append(struct cw_conv *, struct cw_line *);
/* Add a line; nick and text are UTF-8 and made safe to show. */
struct cw_line	*cw_add(struct cw_conv *, enum cw_kind, const char *nick,
		     const char *text, uint64_t id);
/* How a stored line of ours is marked. */
enum cw_state	 cw_stored_state(int stored);
/*
 * A history message (ev->history) as a line, with the stored time, its
 * author and, when ours, its delivery mark.
 */
struct cw_line	*cw_stored_line(const struct event *);
/*
 * A history message replayed at start into its conversation, after what
 * it holds, unless its row is held already. A conversation it creates
 * is of a peer the core knows, offline until the peer answers. Unread
 * counts stay as they are: old lines are not news.
 */
int		 cw_add_replayed(struct cw_list *, const struct event *);
/* Whether a line with this history row is held. */
int		 cw_has_rowid(const struct cw_conv *, int64_t rowid);
/* The smallest history row held, 0 if no line has one. */
int64_t		 cw_min_rowid(const struct cw_conv *);

/*
 * Loading older lines from the history: a conversation may ask when it
 * is not asking already, the history may have more and it has room. The
 * lines of the answer are held (oldest first) until the answer ends,
 * then go above the oldest line in order, skipping rows already held,
 * as many as the bound leaves room for (the oldest of them are dropped).
 * more says whether the history may have still older lines.
 */
int		 cw_may_load_older(const struct cw_conv *);
/* The conversation whose request went out first, of those still out. */
struct cw_conv	*cw_oldest_loading(struct cw_list *);
int		 cw_older_hold(struct cw_conv *, struct cw_line *);
size_t		 cw_older_finish(struct cw_conv *, int more);
/* Whether fewer than want rows of lines are held above the view's top. */
int		 cw_near_top(struct cw_conv *, int cols, int height, int want);
/* The newest of our lines with this id, or NULL. */
struct cw_line	*cw_find_id(struct cw_conv *, uint64_t id);
/* The line with sequence number seq, or NULL when gone or not yet. */
struct cw_line	*cw_line(struct cw_conv *, uint64_t seq);
/* Sequence number after the newest line. */
uint64_t	 cw_end(const struct cw_conv *);

/* Lay out the prefix of l (a line of c) for a pane cols wide. */
void		 cw_prefix(const struct cw_conv *, const struct cw_line *,
		     int cols, struct cw_prefix *);
/* Rows l takes at that width (rows may be NULL; see ct_wrap). */
size_t		 cw_rows(const struct cw_conv *, struct cw_line *, int cols,
		     struct ct_row *rows, size_t max);

/*
 * Scroll by delta rows (positive: back in time) in a pane cols wide and
 * height rows high. Reaching the newest line ends scrolling.
 */
void		 cw_scroll(struct cw_conv *, int delta, int cols, int height);
void		 cw_scroll_end(struct cw_conv *);

#endif
