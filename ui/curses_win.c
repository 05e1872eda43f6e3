/* curses_win.c: conversations, their bounded line rings and scrolling. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ui/curses_win.h"

static struct cw_conv *
conv_new(struct cw_list *cl, const char *addr)
{
	struct cw_conv	*c;

	if ((c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	snprintf(c->addr, sizeof c->addr, "%s", addr);
	c->state = PEER_PROBING;
	c->stamp = &cl->stamp;
	c->bound = cl->bound;
	c->first_seq = CW_SEQ_BASE;
	return c;
}

void
cw_line_free(struct cw_line *l)
{
	if (l == NULL)
		return;
	free(l->nick);
	free(l->text);
	free(l);
}

/* Slot i of the ring, counted from the oldest line. */
static struct cw_line **
slot(const struct cw_conv *c, size_t i)
{
	return &c->ring[(c->head + i) % c->cap];
}

static void
older_drop(struct cw_conv *c)
{
	size_t	 i;

	for (i = 0; i < c->nolder; i++)
		cw_line_free(c->older[i]);
	c->nolder = 0;
}

static void
conv_free(struct cw_conv *c)
{
	size_t	 i;

	for (i = 0; i < c->count; i++)
		cw_line_free(*slot(c, i));
	older_drop(c);
	free(c->older);
	free(c->ring);
	free(c->name);
	free(c->nick);
	free(c);
}

/* Put the lines in a ring of cap slots (cap >= count), oldest first. */
static int
conv_resize(struct cw_conv *c, size_t cap)
{
	struct cw_line	**ring;
	size_t		 i;

	if ((ring = calloc(cap, sizeof *ring)) == NULL)
		return UV_ENOMEM;
	for (i = 0; i < c->count; i++)
		ring[i] = *slot(c, i);
	free(c->ring);
	c->ring = ring;
	c->cap = cap;
	c->head = 0;
	return 0;
}

/* Room for one more line: the ring doubles, up to the bound. */
static int
conv_room(struct cw_conv *c)
{
	size_t	 cap;

	if (c->count < c->cap)
		return 0;
	cap = c->cap < 32 ? 64 : c->cap * 2;
	if (cap > c->bound)
		cap = c->bound;
	if (cap <= c->count)
		cap = c->count + 1;
	return conv_resize(c, cap);
}

/* Forget the n oldest lines; what is older is in the history again. */
static void
drop_oldest(struct cw_conv *c, size_t n)
{
	if (n > c->count)
		n = c->count;
	if (n == 0)
		return;
	for (; n > 0; n--) {
		cw_line_free(*slot(c, 0));
		*slot(c, 0) = NULL;
		c->head = (c->head + 1) % c->cap;
		c->count--;
		c->first_seq++;
	}
	c->older_done = 0;
	if (c->scrolled && c->anchor_seq < c->first_seq) {
		c->anchor_seq = c->first_seq;
		c->anchor_row = 0;
	}
}

int
cw_init(struct cw_list *cl)
{
	memset(cl, 0, sizeof *cl);
	cl->bound = CW_LINES_DEFAULT;
	cw_set_stamp(cl, "%H:%M");
	if ((cl->status = conv_new(cl, "")) == NULL)
		return UV_ENOMEM;
	cl->status->known = 1;
	return 0;
}

void
cw_free(struct cw_list *cl)
{
	struct cw_conv	*c;

	while ((c = cl->head) != NULL) {
		cl->head = c->next;
		conv_free(c);
	}
	if (cl->status != NULL)
		conv_free(cl->status);
	memset(cl, 0, sizeof *cl);
}

static int
conv_set_bound(struct cw_conv *c, size_t lines)
{
	c->bound = lines;
	if (c->count > lines)
		drop_oldest(c, c->count - lines);
	/* A smaller bound gives memory back; a larger one grows on use. */
	if (c->cap > lines)
		return conv_resize(c, lines);
	return 0;
}

int
cw_set_bound(struct cw_list *cl, size_t lines)
{
	struct cw_conv	*c;
	int		 r = 0;

	if (lines < 1 || lines > CW_LINES_MAX)
		return UV_EINVAL;
	cl->bound = lines;
	if (cl->status != NULL && conv_set_bound(cl->status, lines) != 0)
		r = UV_ENOMEM;
	for (c = cl->head; c != NULL; c = c->next)
		if (conv_set_bound(c, lines) != 0)
			r = UV_ENOMEM;
	return r;
}

/*
 * The widest the format gets: formatted for times that differ in every
 * field (months, weekdays, morning and afternoon, one- and two-digit
 * days), measured in columns. Names of months and days vary in length.
 */
static int
stamp_measure(const char *fmt)
{
	struct tm	 tm;
	wchar_t		*ws;
	size_t		 len;
	char		 buf[256];
	int		 k, w, max = 0;

	if (*fmt == '\0')
		return 0;
	for (k = 0; k < 24; k++) {
		memset(&tm, 0, sizeof tm);
		tm.tm_year = 124 + k / 12;
		tm.tm_mon = k % 12;
		tm.tm_mday = 1 + (k * 5) % 28;
		tm.tm_hour = (k * 7) % 24;
		tm.tm_min = (k * 13) % 60;
		tm.tm_sec = (k * 17) % 60;
		tm.tm_isdst = -1;
		mktime(&tm);
		if (strftime(buf, sizeof buf, fmt, &tm) == 0)
			continue;
		if (ct_from_utf8(buf, 0, &ws, &len) != 0)
			continue;
		if ((w = ct_swidth(ws, len)) > max)
			max = w;
		free(ws);
	}
	return max > CW_STAMP_MAX ? CW_STAMP_MAX : max;
}

int
cw_set_stamp(struct cw_list *cl, const char *fmt)
{
	if (strlen(fmt) >= sizeof cl->stamp.fmt)
		return UV_EINVAL;
	snprintf(cl->stamp.fmt, sizeof cl->stamp.fmt, "%s", fmt);
	cl->stamp.cols = stamp_measure(fmt);
	cl->stamp.gen++;
	return 0;
}

void
cw_stamp_text(const struct cw_conv *c, const struct cw_line *l, char *buf,
    size_t len)
{
	struct tm	 tm;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (c->stamp->fmt[0] == '\0' || localtime_r(&l->when, &tm) == NULL)
		return;
	if (strftime(buf, len, c->stamp->fmt, &tm) == 0)
		buf[0] = '\0';
}

struct cw_conv *
cw_find(struct cw_list *cl, const char *addr)
{
	struct cw_conv	*c;

	if (addr == NULL || *addr == '\0')
		return NULL;
	for (c = cl->head; c != NULL; c = c->next)
		if (strcmp(c->addr, addr) == 0)
			return c;
	return NULL;
}

struct cw_conv *
cw_get(struct cw_list *cl, const char *addr)
{
	struct cw_conv	*c, **pp;

	if (addr == NULL || *addr == '\0')
		return NULL;
	if ((c = cw_find(cl, addr)) != NULL)
		return c;
	if ((c = conv_new(cl, addr)) == NULL)
		return NULL;
	/* New conversations go last so the numbers people know stay. */
	for (pp = &cl->head; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = c;
	cl->count++;
	return c;
}

struct cw_conv *
cw_nth(struct cw_list *cl, size_t n)
{
	struct cw_conv	*c;

	if (n == 0)
		return cl->status;
	for (c = cl->head; c != NULL && n > 1; c = c->next)
		n--;
	return c;
}

size_t
cw_index(struct cw_list *cl, const struct cw_conv *want)
{
	struct cw_conv	*c;
	size_t		 n = 1;

	for (c = cl->head; c != NULL; c = c->next, n++)
		if (c == want)
			return n;
	return 0;
}

const char *
cw_label(const struct cw_conv *c)
{
	if (c->addr[0] == '\0')
		return "status";
	if (c->name != NULL)
		return c->name;
	if (c->nick != NULL)
		return c->nick;
	return c->addr;
}

void
cw_set_str(char **dst, const char *s)
{
	char	*p;

	if (s == NULL || (*dst != NULL && strcmp(*dst, s) == 0))
		return;
	if ((p = strdup(s)) == NULL)
		return;
	free(*dst);
	*dst = p;
}

/* FNV-1a: the same nick gets the same colour in every run. */
static unsigned
nick_hash(const char *s)
{
	unsigned	 h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct cw_line *
cw_line_new(enum cw_kind kind, const char *nick, const char *text,
    uint64_t id)
{
	struct cw_line	*l;

	if ((l = calloc(1, sizeof *l)) == NULL)
		return NULL;
	l->when = time(NULL);
	l->kind = kind;
	l->state = kind == CW_OWN ? CW_PENDING : CW_NONE;
	l->id = id;
	if (nick != NULL) {
		l->colour = nick_hash(nick);
		if (ct_from_utf8(nick, 0, &l->nick, &l->nicklen) != 0) {
			cw_line_free(l);
			return NULL;
		}
	}
	if (ct_from_utf8(text, 1, &l->text, &l->len) != 0) {
		cw_line_free(l);
		return NULL;
	}
	/* A message that ends in newlines does not need blank rows. */
	while (l->len > 0 && l->text[l->len - 1] == L'\n')
		l->text[--l->len] = L'\0';
	return l;
}

int
cw_append(struct cw_conv *c, struct cw_line *l)
{
	if (c->count >= c->bound)
		drop_oldest(c, c->count - c->bound + 1);
	if (conv_room(c) != 0)
		return UV_ENOMEM;
	*slot(c, c->count) = l;
	c->count++;
	if (c->scrolled)
		c->below++;
	return 0;
}

struct cw_line *
cw_add(struct cw_conv *c, enum cw_kind kind, const char *nick,
    const char *text, uint64_t id)
{
	struct cw_line	*l;

	if ((l = cw_line_new(kind, nick, text, id)) == NULL)
		return NULL;
	if (cw_append(c, l) != 0) {
		cw_line_free(l);
		return NULL;
	}
	return l;
}

/* Take l as the oldest line; UV_ENOSPC when the bound leaves no room. */
static int
prepend(struct cw_conv *c, struct cw_line *l)
{
	if (c->count >= c->bound)
		return UV_ENOSPC;
	if (conv_room(c) != 0)
		return UV_ENOMEM;
	c->head = (c->head + c->cap - 1) % c->cap;
	*slot(c, 0) = l;
	c->count++;
	c->first_seq--;
	return 0;
}

struct cw_line *
cw_line(struct cw_conv *c, uint64_t seq)
{
	if (seq < c->first_seq || seq >= c->first_seq + c->count)
		return NULL;
	return *slot(c, (size_t)(seq - c->first_seq));
}

uint64_t
cw_end(const struct cw_conv *c)
{
	return c->first_seq + c->count;
}

struct cw_line *
cw_find_id(struct cw_conv *c, uint64_t id)
{
	struct cw_line	*l;
	size_t		 i;

	for (i = c->count; i > 0; i--) {
		l = *slot(c, i - 1);
		if (l->kind == CW_OWN && l->id == id)
			return l;
	}
	return NULL;
}

enum cw_state
cw_stored_state(int stored)
{
	switch (stored) {
	case CW_STORED_QUEUED:
		return CW_PENDING;
	case CW_STORED_DELIVERED:
		return CW_DELIVERED;
	case CW_STORED_PARKED:
		return CW_PARKED;
	case CW_STORED_PLAIN:
		return CW_UNACKED;
	case CW_STORED_FAILED:
		return CW_FAILED;
	default:
		return CW_NONE;
	}
}

struct cw_line *
cw_stored_line(const struct event *ev)
{
	struct cw_line	*l;
	const char	*text = ev->text != NULL ? ev->text : "";
	char		*marked = NULL;
	int		 alert;

	/* Bare text from a uvqq peer's address: anyone's, not the peer's. */
	alert = !ev->outgoing && !ev->secure && ev->peer_kind == PEER_UVQQ;
	if (alert && asprintf(&marked, "[unencrypted, not from its session] "
	    "%s", text) < 0)
		return NULL;
	l = cw_line_new(ev->outgoing ? CW_OWN : CW_MSG, ev->nick,
	    marked != NULL ? marked : text, ev->id);
	free(marked);
	if (l == NULL)
		return NULL;
	l->alert = alert;
	l->rowid = ev->rowid;
	if (ev->time > 0)
		l->when = (time_t)(ev->time / 1000);
	l->state = ev->outgoing ? cw_stored_state((int)ev->state) : CW_NONE;
	return l;
}

int
cw_add_replayed(struct cw_list *cl, const struct event *ev)
{
	struct cw_conv	*c;
	struct cw_line	*l;

	if ((c = cw_find(cl, ev->peer)) == NULL) {
		if ((c = cw_get(cl, ev->peer)) == NULL)
			return UV_ENOMEM;
		c->known = 1;
		c->state = PEER_OFFLINE;
		c->kind = ev->peer_kind;
	}
	if (ev->rowid > 0 && cw_has_rowid(c, ev->rowid))
		return 0;
	cw_set_str(&c->name, ev->name);
	/* Their nick names the conversation until the peer says more. */
	if (!ev->outgoing && c->kind == PEER_UVQQ && c->nick == NULL &&
	    ev->nick != NULL && strcmp(ev->nick, c->addr) != 0)
		cw_set_str(&c->nick, ev->nick);
	if ((l = cw_stored_line(ev)) == NULL)
		return UV_ENOMEM;
	if (cw_append(c, l) != 0) {
		cw_line_free(l);
		return UV_ENOMEM;
	}
	return 0;
}

void
cw_mark_unacked(struct cw_conv *c)
{
	struct cw_line	*l;
	size_t		 i;

	for (i = 0; i < c->count; i++) {
		l = *slot(c, i);
		if (l->state == CW_PENDING)
			l->state = CW_UNACKED;
	}
}

int
cw_has_rowid(const struct cw_conv *c, int64_t rowid)
{
	size_t	 i;

	for (i = 0; i < c->count; i++)
		if ((*slot(c, i))->rowid == rowid)
			return 1;
	return 0;
}

int64_t
cw_min_rowid(const struct cw_conv *c)
{
	int64_t	 min = 0, r;
	size_t	 i;

	for (i = 0; i < c->count; i++) {
		r = (*slot(c, i))->rowid;
		if (r > 0 && (min == 0 || r < min))
			min = r;
	}
	return min;
}

int
cw_may_load_older(const struct cw_conv *c)
{
	return c->addr[0] != '\0' && c->loading == 0 && !c->older_done &&
	    c->count < c->bound;
}

struct cw_conv *
cw_oldest_loading(struct cw_list *cl)
{
	struct cw_conv	*c, *oldest = NULL;

	for (c = cl->head; c != NULL; c = c->next)
		if (c->loading != 0 && (oldest == NULL ||
		    c->loading < oldest->loading))
			oldest = c;
	return oldest;
}

int
cw_older_hold(struct cw_conv *c, struct cw_line *l)
{
	struct cw_line	**grown;
	size_t		 cap;

	if (c->nolder == c->older_cap) {
		cap = c->older_cap < 16 ? 16 : c->older_cap * 2;
		if ((grown = realloc(c->older, cap * sizeof *grown)) == NULL)
			return UV_ENOMEM;
		c->older = grown;
		c->older_cap = cap;
	}
	c->older[c->nolder++] = l;
	return 0;
}

size_t
cw_older_finish(struct cw_conv *c, int more)
{
	struct cw_line	*l;
	int64_t		 min = cw_min_rowid(c);
	size_t		 i, added = 0;
	int		 full = 0;

	/* Newest first, each above the last: the answer keeps its order. */
	for (i = c->nolder; i > 0; i--) {
		l = c->older[i - 1];
		c->older[i - 1] = NULL;
		if (full || (l->rowid > 0 && min > 0 && l->rowid >= min &&
		    cw_has_rowid(c, l->rowid))) {
			cw_line_free(l);
			continue;
		}
		if (prepend(c, l) != 0) {
			cw_line_free(l);
			full = 1;
			continue;
		}
		added++;
	}
	c->nolder = 0;
	c->loading = 0;
	/* Lines that did not fit are still stored: no asking with no room. */
	if (!more && !full)
		c->older_done = 1;
	return added;
}

static wchar_t
mark_for(const struct cw_line *l)
{
	static const wchar_t	 fancy[] = { L'…', L'✓', L'✗', L'⧗' };
	static const wchar_t	 plain[] = { L'.', L'+', L'!', L'~' };
	int			 i;

	switch (l->kind) {
	case CW_INFO:
		return L'*';
	case CW_ERROR:
		return L'!';
	case CW_MSG:
		return l->alert ? L'!' : L'|';
	default:
		break;
	}
	switch (l->state) {
	case CW_PENDING:
		i = 0;
		break;
	case CW_DELIVERED:
		i = 1;
		break;
	case CW_FAILED:
		i = 2;
		break;
	case CW_PARKED:
		i = 3;
		break;
	default:
		return L'|';
	}
	/* A terminal without these glyphs still gets one column each. */
	return wcwidth(fancy[i]) == 1 ? fancy[i] : plain[i];
}

void
cw_prefix(const struct cw_conv *c, const struct cw_line *l, int cols,
    struct cw_prefix *p)
{
	int	 nickmax, stamp = c->stamp->cols;

	memset(p, 0, sizeof *p);
	/* The stamp only where a line still has room for words. */
	p->show_time = stamp > 0 && cols >= 25 + stamp ? stamp : 0;
	p->mark = mark_for(l);
	if (l->nick != NULL) {
		nickmax = cols / 4;
		if (nickmax > 16)
			nickmax = 16;
		if (nickmax < 3)
			nickmax = 3;
		p->nickfit = ct_fit(l->nick, l->nicklen, nickmax);
		p->nickcols = ct_swidth(l->nick, p->nickfit);
	}
	/* "HH:MM " "nick " "✓ " */
	p->width = (p->show_time > 0 ? p->show_time + 1 : 0) +
	    (l->nick != NULL ? p->nickcols + 1 : 0) + 2;
	if (p->width > cols - 2)
		p->width = cols - 2 > 0 ? cols - 2 : 0;
	p->indent = p->width <= cols / 2 ? p->width : 0;
}

size_t
cw_rows(const struct cw_conv *c, struct cw_line *l, int cols,
    struct ct_row *rows, size_t max)
{
	struct cw_prefix	 p;
	size_t			 n;

	if (rows == NULL && l->wrap_cols == cols &&
	    l->wrap_gen == c->stamp->gen)
		return l->rows;
	cw_prefix(c, l, cols, &p);
	n = ct_wrap(l->text, l->len, cols, p.width, p.indent, rows, max);
	l->wrap_cols = cols;
	l->wrap_gen = c->stamp->gen;
	l->rows = n;
	return n;
}

static size_t
rows_of(struct cw_conv *c, uint64_t seq, int cols)
{
	struct cw_line	*l = cw_line(c, seq);

	return l != NULL ? cw_rows(c, l, cols, NULL, 0) : 1;
}

void
cw_scroll_end(struct cw_conv *c)
{
	c->scrolled = 0;
	c->below = 0;
}

/* Whether the bottom (seq, row) is the newest row. */
static int
at_end(struct cw_conv *c, uint64_t seq, size_t row, int cols)
{
	return seq + 1 >= cw_end(c) && row + 1 >= rows_of(c, seq, cols);
}

void
cw_scroll(struct cw_conv *c, int delta, int cols, int height)
{
	uint64_t	 seq, s;
	size_t		 row, total, n;
	int		 h = height > 2 ? height - 1 : 1;

	if (c->count == 0 || cols < 1)
		return;
	if (c->scrolled) {
		seq = c->anchor_seq;
		row = c->anchor_row;
		if (row >= (n = rows_of(c, seq, cols)))
			row = n - 1;
	} else {
		seq = cw_end(c) - 1;
		row = rows_of(c, seq, cols) - 1;
	}

	for (; delta > 0; ) {
		if (row >= (size_t)delta) {
			row -= (size_t)delta;
			break;
		}
		delta -= (int)row + 1;
		if (seq == c->first_seq) {
			row = 0;
			break;
		}
		seq--;
		row = rows_of(c, seq, cols) - 1;
	}
	for (; delta < 0; ) {
		n = rows_of(c, seq, cols);
		if (row + (size_t)-delta < n) {
			row += (size_t)-delta;
			break;
		}
		delta += (int)(n - row);
		if (seq + 1 >= cw_end(c)) {
			cw_scroll_end(c);
			return;
		}
		seq++;
		row = 0;
	}

	/* Never scroll past the oldest line: it stays at the top. */
	total = row + 1;
	for (s = seq; total < (size_t)h && s > c->first_seq; s--)
		total += rows_of(c, s - 1, cols);
	if (total < (size_t)h) {
		seq = c->first_seq;
		row = 0;
		for (n = 1; n < (size_t)h; n++) {
			if (row + 1 < rows_of(c, seq, cols))
				row++;
			else if (seq + 1 < cw_end(c)) {
				seq++;
				row = 0;
			} else
				break;
		}
	}
	if (at_end(c, seq, row, cols)) {
		cw_scroll_end(c);
		return;
	}
	if (!c->scrolled)
		c->below = 0;
	c->scrolled = 1;
	c->anchor_seq = seq;
	c->anchor_row = row;
}

int
cw_near_top(struct cw_conv *c, int cols, int height, int want)
{
	uint64_t	 seq;
	size_t		 above, n;
	int		 avail;

	if (c->count == 0 || cols < 1)
		return 1;
	/* As the pane draws it: a scrolled pane's last row is a bar. */
	avail = c->scrolled && height > 1 ? height - 1 : height;
	if (c->scrolled) {
		seq = c->anchor_seq;
		n = rows_of(c, seq, cols);
		above = (c->anchor_row < n ? c->anchor_row : n - 1) + 1;
	} else {
		seq = cw_end(c) - 1;
		above = rows_of(c, seq, cols);
	}
	/* above: rows from the bottom of the view up to the top of seq. */
	while (seq > c->first_seq && above < (size_t)avail + (size_t)want) {
		seq--;
		above += rows_of(c, seq, cols);
	}
	return above < (size_t)avail + (size_t)want;
}
