/* curses_draw.c: windows, colours, and one frame drawn from the model. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "ui/curses_draw.h"

#define PEERS_MIN_COLS	60	/* narrower: no peer list */
#define PEERS_WIDTH	20	/* including its left border */
#define PROMPT_MIN_COLS	40	/* narrower: no "[peer] " prompt */
#define PROMPT_MAX	21	/* columns of a peer's name in the prompt: */
				/* 255.255.255.255:65535 fits */

enum {
	PAIR_NICK = 1,		/* PAIR_NICK .. PAIR_NICK + nnick - 1 */
	PAIR_STATUS = 20,
	PAIR_INFO,
	PAIR_ERROR,
	PAIR_OK,
	PAIR_WAIT,
	PAIR_TIME,
	PAIR_BORDER,
	PAIR_ALARM,		/* a changed key */
};

struct cd {
	WINDOW	*pane;		/* messages; NULL when no room */
	WINDOW	*peers;		/* peer list; NULL when narrow */
	WINDOW	*status;
	WINDOW	*input;
	int	 colour;	/* the terminal has colours */
	int	 nnick;		/* nick colours */
};

int
cd_open(struct cd **out)
{
	static const short	 nicks[] = { COLOR_RED, COLOR_GREEN,
	    COLOR_YELLOW, COLOR_BLUE, COLOR_MAGENTA, COLOR_CYAN };
	struct cd		*d;
	int			 i;

	if ((d = calloc(1, sizeof *d)) == NULL)
		return UV_ENOMEM;
	if (has_colors() && start_color() == OK) {
		d->colour = 1;
		use_default_colors();
		for (i = 0; i < 6; i++)
			init_pair((short)(PAIR_NICK + i), nicks[i], -1);
		d->nnick = 6;
		/* Bright ones too where there are 16 colours. */
		if (COLORS >= 16) {
			for (i = 0; i < 6; i++)
				init_pair((short)(PAIR_NICK + 6 + i),
				    (short)(nicks[i] + 8), -1);
			d->nnick = 12;
		}
		init_pair(PAIR_STATUS, COLOR_WHITE, COLOR_BLUE);
		init_pair(PAIR_INFO, COLOR_CYAN, -1);
		init_pair(PAIR_ERROR, COLOR_RED, -1);
		init_pair(PAIR_OK, COLOR_GREEN, -1);
		init_pair(PAIR_WAIT, COLOR_YELLOW, -1);
		init_pair(PAIR_TIME, COLORS >= 16 ? 8 : COLOR_WHITE, -1);
		init_pair(PAIR_BORDER, COLOR_BLUE, -1);
		init_pair(PAIR_ALARM, COLOR_WHITE, COLOR_RED);
	}
	cd_layout(d);
	*out = d;
	return 0;
}

static void
drop_windows(struct cd *d)
{
	WINDOW	**w[] = { &d->pane, &d->peers, &d->status, &d->input };
	size_t	 i;

	for (i = 0; i < sizeof w / sizeof w[0]; i++) {
		if (*w[i] != NULL)
			delwin(*w[i]);
		*w[i] = NULL;
	}
}

void
cd_close(struct cd *d)
{
	if (d == NULL)
		return;
	drop_windows(d);
	free(d);
}

void
cd_layout(struct cd *d)
{
	int	 rows = LINES, cols = COLS, paneh, panew;

	drop_windows(d);
	if (rows < 1 || cols < 1)
		return;
	/* newwin(0, ...) means "to the edge": sizes here are never 0. */
	d->input = newwin(1, cols, rows - 1, 0);
	if (rows >= 2)
		d->status = newwin(1, cols, rows - 2, 0);
	if ((paneh = rows - 2) < 1)
		return;
	panew = cols;
	if (cols >= PEERS_MIN_COLS) {
		panew = cols - PEERS_WIDTH;
		d->peers = newwin(paneh, PEERS_WIDTH, 0, panew);
	}
	d->pane = newwin(paneh, panew, 0, 0);
	/* The terminal's cursor belongs to the input line only. */
	if (d->pane != NULL)
		leaveok(d->pane, TRUE);
	if (d->peers != NULL)
		leaveok(d->peers, TRUE);
	if (d->status != NULL)
		leaveok(d->status, TRUE);
}

void
cd_pane_size(const struct cd *d, int *cols, int *rows)
{
	*cols = *rows = 0;
	if (d->pane != NULL)
		getmaxyx(d->pane, *rows, *cols);
}

static attr_t
pair_attr(const struct cd *d, int pair)
{
	return d->colour ? COLOR_PAIR(pair) : 0;
}

/*
 * Draw s[a..b) cell by cell from the cursor, at most max columns: a
 * character keeps its combining marks (and a cell that has none but
 * marks is drawn on a space), as curses' cchar_t holds them. Joiners
 * stay out: a terminal that joins cells would move what follows.
 */
static int
put_cells(WINDOW *w, const wchar_t *s, size_t a, size_t b, attr_t attr,
    int max)
{
	wchar_t	 wc[CT_CELL_MAX + 1];
	cchar_t	 cc;
	size_t	 j, k, n;
	int	 width, used = 0;

	while (a < b) {
		j = ct_cell(s, b, a, &width);
		if (used + width > max)
			break;
		n = 0;
		if (wcwidth(s[a]) < 0)		/* cannot happen: be safe */
			wc[n++] = L'?';
		else {
			if (wcwidth(s[a]) == 0)
				wc[n++] = L' ';
			for (k = a; k < j && n < CT_CELL_MAX; k++)
				if (k == a || !ct_joiner(s[k]))
					wc[n++] = s[k];
		}
		wc[n] = L'\0';
		if (setcchar(&cc, wc, attr, 0, NULL) == OK)
			wadd_wch(w, &cc);
		used += width;
		a = j;
	}
	return used;
}

/*
 * Draw UTF-8 made safe, at most max columns; returns columns used. With
 * ellipsis, what does not fit ends in "…" rather than mid-name.
 */
static int
put_text(WINDOW *w, const char *s, attr_t attr, int max, int ellipsis)
{
	wchar_t	*ws;
	size_t	 len;
	int	 used;

	if (max <= 0 || ct_from_utf8(s, 0, &ws, &len) != 0)
		return 0;
	if (!ellipsis || max < 2 || ct_swidth(ws, len) <= max)
		used = put_cells(w, ws, 0, len, attr, max);
	else {
		used = put_cells(w, ws, 0, len, attr, max - 1);
		used += put_cells(w, L"\u2026", 0, 1, attr, 1);
	}
	free(ws);
	return used;
}

static int
put_utf8(WINDOW *w, const char *s, attr_t attr, int max)
{
	return put_text(w, s, attr, max, 0);
}

static attr_t
nick_attr(const struct cd *d, const struct cw_line *l)
{
	if (!d->colour || d->nnick == 0)
		return A_BOLD;
	return A_BOLD | COLOR_PAIR(PAIR_NICK + (int)(l->colour %
	    (unsigned)d->nnick));
}

static attr_t
mark_attr(const struct cd *d, const struct cw_line *l)
{
	switch (l->kind) {
	case CW_INFO:
		return pair_attr(d, PAIR_INFO);
	case CW_ERROR:
		return pair_attr(d, PAIR_ERROR) | A_BOLD;
	case CW_OWN:
		if (l->state == CW_DELIVERED)
			return pair_attr(d, PAIR_OK) | A_BOLD;
		if (l->state == CW_FAILED)
			return pair_attr(d, PAIR_ERROR) | A_BOLD;
		if (l->state == CW_PENDING || l->state == CW_PARKED)
			return pair_attr(d, PAIR_WAIT);
		return 0;
	default:
		if (l->alert)
			return pair_attr(d, PAIR_ERROR) | A_BOLD;
		return pair_attr(d, PAIR_BORDER);
	}
}

/* One row of a line at y: the prefix on the first row, then text. */
static void
draw_row(struct cd *d, struct cw_conv *c, struct cw_line *l,
    const struct ct_row *row, int first, int y, int cols)
{
	struct cw_prefix	 p;
	wchar_t			 mark[2];
	char			 stamp[256];
	attr_t			 text = 0;
	int			 x;

	cw_prefix(c, l, cols, &p);
	wmove(d->pane, y, 0);
	x = 0;
	if (first) {
		if (p.show_time > 0) {
			/* Every stamp takes the widest one's columns. */
			cw_stamp_text(c, l, stamp, sizeof stamp);
			put_utf8(d->pane, stamp, pair_attr(d, PAIR_TIME),
			    p.show_time < p.width ? p.show_time : p.width);
			x = p.show_time + 1 < p.width ? p.show_time + 1 :
			    p.width;
			wmove(d->pane, y, x);
		}
		if (l->nick != NULL) {
			x += put_cells(d->pane, l->nick, 0, p.nickfit,
			    nick_attr(d, l), p.width - x);
			x += put_utf8(d->pane, " ", 0, p.width - x);
		}
		mark[0] = p.mark;
		mark[1] = L'\0';
		x += put_cells(d->pane, mark, 0, 1, mark_attr(d, l),
		    p.width - x);
	} else
		x = p.indent;
	if (l->kind == CW_INFO)
		text = pair_attr(d, PAIR_INFO);
	else if (l->kind == CW_ERROR)
		text = pair_attr(d, PAIR_ERROR);
	else if (l->copy)
		text = A_DIM;
	x = first ? p.width : p.indent;
	wmove(d->pane, y, x);
	put_cells(d->pane, l->text, row->start, row->end, text, cols - x);
}

static void
draw_pane(struct cd *d, struct cd_model *m)
{
	struct cw_conv	*c = m->shown;
	struct cw_line	*l;
	struct ct_row	*rows;
	uint64_t	 seq;
	size_t		 n, r;
	int		 h, w, y, avail;
	char		 more[64];

	werase(d->pane);
	getmaxyx(d->pane, h, w);
	if (c->count == 0)
		return;
	avail = c->scrolled && h > 1 ? h - 1 : h;
	if (c->scrolled) {
		seq = c->anchor_seq;
		r = c->anchor_row;
	} else {
		seq = cw_end(c) - 1;
		r = (size_t)-1;
	}
	for (y = avail - 1; y >= 0; ) {
		if ((l = cw_line(c, seq)) == NULL)
			break;
		n = cw_rows(c, l, w, NULL, 0);
		if ((rows = calloc(n, sizeof *rows)) == NULL)
			break;
		cw_rows(c, l, w, rows, n);
		if (r >= n)
			r = n - 1;
		for (;; r--) {
			draw_row(d, c, l, &rows[r], r == 0, y--, w);
			if (r == 0 || y < 0)
				break;
		}
		free(rows);
		if (seq == c->first_seq)
			break;
		seq--;
		r = (size_t)-1;
	}
	if (c->scrolled) {
		if (c->below > 0)
			snprintf(more, sizeof more, "-- more below (%u new) --",
			    c->below);
		else
			snprintf(more, sizeof more, "-- more below --");
		wmove(d->pane, h - 1, 0);
		wattr_on(d->pane, A_REVERSE, NULL);
		for (y = 0; y < w; y++)
			waddch(d->pane, ' ');
		wmove(d->pane, h - 1, 0);
		put_utf8(d->pane, more, A_REVERSE, w);
		wattr_off(d->pane, A_REVERSE, NULL);
	}
}

static const char *
state_word(const struct cw_conv *c)
{
	if (!c->known)
		return "closed";
	if (c->kind == PEER_PLAIN && c->state == PEER_ONLINE)
		return "plain";
	return peer_state_name(c->state);
}

/* Said loudly wherever a conversation's key is not the one on record. */
#define KEY_CHANGED	"KEY CHANGED"

static attr_t
alarm_attr(const struct cd *d)
{
	return d->colour ? COLOR_PAIR(PAIR_ALARM) | A_BOLD :
	    A_REVERSE | A_BOLD;
}

/*
 * The peer list's mark for an encrypted conversation, at the right edge:
 * a lock where the terminal's locale gives it two columns, as it should,
 * else "*"; *cols is its width.
 */
static const char *
lock_mark(int *cols)
{
	if (wcwidth(L'\U0001F512') == 2) {
		*cols = 2;
		return "\U0001F512";
	}
	*cols = 1;
	return "*";
}

static void
draw_peers(struct cd *d, struct cd_model *m)
{
	struct cw_conv	*c;
	attr_t		 a, ta;
	const char	*lock;
	char		 num[32], tail[32];
	int		 h, w, y, x, n, lockw, room;

	werase(d->peers);
	getmaxyx(d->peers, h, w);
	wattr_on(d->peers, pair_attr(d, PAIR_BORDER), NULL);
	mvwvline(d->peers, 0, 0, ACS_VLINE, h);
	wattr_off(d->peers, pair_attr(d, PAIR_BORDER), NULL);
	lock = lock_mark(&lockw);
	for (y = 0, n = 0; y < h; y++, n++) {
		if ((c = cw_nth(&m->convs, (size_t)n)) == NULL)
			break;
		a = c == m->shown ? A_REVERSE : 0;
		if (c->state != PEER_ONLINE && c != m->convs.status)
			a |= A_DIM;
		tail[0] = '\0';
		ta = c->unread > 0 ? A_BOLD | pair_attr(d, PAIR_WAIT) : 0;
		if (c->trust == TRUST_CHANGED && c->known) {
			snprintf(tail, sizeof tail, " " KEY_CHANGED);
			ta = alarm_attr(d);
		} else if (c->unread > 0)
			snprintf(tail, sizeof tail, " %u", c->unread);
		else if (c != m->convs.status && c->state != PEER_ONLINE)
			snprintf(tail, sizeof tail, " %s", state_word(c));
		else if (c->discovered && !c->secure)
			snprintf(tail, sizeof tail, " lan");	/* found only */
		/* An encrypted conversation's lock, a column apart. */
		room = c->secure && c->known && c->trust != TRUST_CHANGED ?
		    lockw + 1 : 0;
		snprintf(num, sizeof num, "%d ", n);
		wmove(d->peers, y, 2);
		x = 2 + put_utf8(d->peers, num, a, w - 2);
		x += put_utf8(d->peers, cw_label(c), a | (c->unread > 0 ?
		    A_BOLD : 0), w - x - (int)strlen(tail) - room);
		x += put_utf8(d->peers, tail, ta, w - x - room);
		if (room > 0 && w - lockw > x) {
			wmove(d->peers, y, w - lockw);
			put_utf8(d->peers, lock, pair_attr(d, PAIR_OK), lockw);
		}
	}
}

/* " enc" and its kin after a conversation's state on the status line. */
static int
put_security(struct cd *d, const struct cw_conv *c, attr_t bar, int max)
{
	if (!c->known)
		return 0;
	if (c->trust == TRUST_CHANGED)
		return put_utf8(d->status, " ", bar, max) +
		    put_utf8(d->status, KEY_CHANGED, alarm_attr(d), max - 1);
	if (!c->secure)
		return 0;
	return put_utf8(d->status, c->trust == TRUST_VERIFIED ?
	    " enc verified" : " enc", bar, max);
}

static void
draw_status(struct cd *d, struct cd_model *m)
{
	struct cw_conv	*c;
	attr_t		 bar = d->colour ? COLOR_PAIR(PAIR_STATUS) : A_REVERSE;
	char		 buf[EV_ADDRLEN + 64];
	int		 w, x, first = 1;
	size_t		 n;

	werase(d->status);
	wbkgdset(d->status, ' ' | bar);
	werase(d->status);
	w = getmaxx(d->status);
	wmove(d->status, 0, 0);
	x = put_utf8(d->status, "[", bar, w);
	x += put_utf8(d->status, m->nick, bar | A_BOLD, w - x);
	if (m->local[0] != '\0') {
		snprintf(buf, sizeof buf, "@%s", m->local);
		x += put_utf8(d->status, buf, bar, w - x);
	}
	x += put_utf8(d->status, "] [", bar, w - x);
	c = m->shown;
	snprintf(buf, sizeof buf, "%zu:", cw_index(&m->convs, c));
	x += put_utf8(d->status, buf, bar, w - x);
	x += put_utf8(d->status, cw_label(c), bar | A_BOLD, w - x);
	if (c != m->convs.status) {
		snprintf(buf, sizeof buf, " %s", state_word(c));
		x += put_utf8(d->status, buf, bar, w - x);
		x += put_security(d, c, bar, w - x);
	}
	x += put_utf8(d->status, "]", bar, w - x);
	for (n = 0; (c = cw_nth(&m->convs, n)) != NULL; n++) {
		if (c->unread == 0 || c == m->shown)
			continue;
		x += put_utf8(d->status, first ? " [act: " : ",", bar, w - x);
		first = 0;
		snprintf(buf, sizeof buf, "%zu:", n);
		x += put_utf8(d->status, buf, bar, w - x);
		x += put_utf8(d->status, cw_label(c), bar | A_BOLD, w - x);
		snprintf(buf, sizeof buf, "(%u)", c->unread);
		x += put_utf8(d->status, buf, bar, w - x);
	}
	if (!first)
		put_utf8(d->status, "]", bar, w - x);
}

static void
draw_input(struct cd *d, struct cd_model *m)
{
	struct ci	*ci = &m->input;
	wchar_t		 wc[3];
	size_t		 from, to, i, j;
	int		 w, x = 0, curcol, width;
	char		 prompt[8];

	werase(d->input);
	w = getmaxx(d->input);
	if (w >= PROMPT_MIN_COLS) {
		x = put_utf8(d->input, "[", 0, w);
		x += put_text(d->input, cw_label(m->shown), A_BOLD,
		    PROMPT_MAX, 1);
		snprintf(prompt, sizeof prompt, "] ");
		x += put_utf8(d->input, prompt, 0, w - x);
	}
	ci_view(ci, w - x, &from, &to, &curcol);
	wmove(d->input, 0, x);
	for (i = from; i < to; i = j) {
		j = ci_cell(ci, i, &width);
		if ((ci->buf[i] >= 0 && ci->buf[i] < 0x20) ||
		    ci->buf[i] == 0x7f) {
			/* A pasted control character: ^X, never raw. */
			wc[0] = L'^';
			wc[1] = ci->buf[i] == 0x7f ? L'?' : ci->buf[i] + 0x40;
			wc[2] = L'\0';
			put_cells(d->input, wc, 0, 2, A_REVERSE, 2);
		} else if (wcwidth(ci->buf[i]) < 0)
			put_cells(d->input, L"?", 0, 1, A_REVERSE, 1);
		else
			put_cells(d->input, ci->buf, i, j, 0, width);
	}
	wmove(d->input, 0, x + curcol);
}

void
cd_draw(struct cd *d, struct cd_model *m)
{
	if (d->pane != NULL) {
		draw_pane(d, m);
		wnoutrefresh(d->pane);
	}
	if (d->peers != NULL) {
		draw_peers(d, m);
		wnoutrefresh(d->peers);
	}
	if (d->status != NULL) {
		draw_status(d, m);
		wnoutrefresh(d->status);
	}
	/* Last, so the terminal's cursor ends at the edit point. */
	if (d->input != NULL) {
		draw_input(d, m);
		wnoutrefresh(d->input);
	}
	doupdate();
}
