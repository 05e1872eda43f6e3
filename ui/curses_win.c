/* curses_win.c: conversations, their bounded line rings and scrolling. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ui/curses_win.h"

static struct cw_conv *
conv_new(const char *addr)
{
	struct cw_conv	*c;

	if ((c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	if ((c->ring = calloc(CW_MAX_LINES, sizeof *c->ring)) == NULL) {
		free(c);
		return NULL;
	}
	snprintf(c->addr, sizeof c->addr, "%s", addr);
	c->state = PEER_PROBING;
	return c;
}

static void
line_free(struct cw_line *l)
{
	if (l == NULL)
		return;
	free(l->nick);
	free(l->text);
	free(l);
}

static void
conv_free(struct cw_conv *c)
{
	size_t	 i;

	for (i = 0; i < c->count; i++)
		line_free(c->ring[(c->head + i) % CW_MAX_LINES]);
	free(c->ring);
	free(c->name);
	free(c->nick);
	free(c);
}

int
cw_init(struct cw_list *cl)
{
	memset(cl, 0, sizeof *cl);
	if ((cl->status = conv_new("")) == NULL)
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
	if ((c = conv_new(addr)) == NULL)
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
cw_add(struct cw_conv *c, enum cw_kind kind, const char *nick,
    const char *text, uint64_t id)
{
	struct cw_line	*l;
	size_t		 slot;

	if ((l = calloc(1, sizeof *l)) == NULL)
		return NULL;
	l->when = time(NULL);
	l->kind = kind;
	l->state = kind == CW_OWN ? CW_PENDING : CW_NONE;
	l->id = id;
	if (nick != NULL) {
		l->colour = nick_hash(nick);
		if (ct_from_utf8(nick, 0, &l->nick, &l->nicklen) != 0) {
			line_free(l);
			return NULL;
		}
	}
	if (ct_from_utf8(text, 1, &l->text, &l->len) != 0) {
		line_free(l);
		return NULL;
	}
	/* A message that ends in newlines does not need blank rows. */
	while (l->len > 0 && l->text[l->len - 1] == L'\n')
		l->text[--l->len] = L'\0';

	if (c->count == CW_MAX_LINES) {
		line_free(c->ring[c->head]);
		c->head = (c->head + 1) % CW_MAX_LINES;
		c->count--;
		c->first_seq++;
		if (c->scrolled && c->anchor_seq < c->first_seq) {
			c->anchor_seq = c->first_seq;
			c->anchor_row = 0;
		}
	}
	slot = (c->head + c->count) % CW_MAX_LINES;
	c->ring[slot] = l;
	c->count++;
	if (c->scrolled)
		c->below++;
	return l;
}

struct cw_line *
cw_line(struct cw_conv *c, uint64_t seq)
{
	if (seq < c->first_seq || seq >= c->first_seq + c->count)
		return NULL;
	return c->ring[(c->head + (seq - c->first_seq)) % CW_MAX_LINES];
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
		l = c->ring[(c->head + i - 1) % CW_MAX_LINES];
		if (l->kind == CW_OWN && l->id == id)
			return l;
	}
	return NULL;
}

static wchar_t
mark_for(const struct cw_line *l)
{
	static const wchar_t	 fancy[] = { L'…', L'✓', L'✗' };
	static const wchar_t	 plain[] = { L'.', L'+', L'!' };
	int			 i;

	switch (l->kind) {
	case CW_INFO:
		return L'*';
	case CW_ERROR:
		return L'!';
	case CW_MSG:
		return L'|';
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
	default:
		return L'|';
	}
	/* A terminal without these glyphs still gets one column each. */
	return wcwidth(fancy[i]) == 1 ? fancy[i] : plain[i];
}

void
cw_prefix(const struct cw_line *l, int cols, struct cw_prefix *p)
{
	int	 nickmax;

	memset(p, 0, sizeof *p);
	p->show_time = cols >= 30;
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
	p->width = (p->show_time ? 6 : 0) + (l->nick != NULL ?
	    p->nickcols + 1 : 0) + 2;
	if (p->width > cols - 2)
		p->width = cols - 2 > 0 ? cols - 2 : 0;
	p->indent = p->width <= cols / 2 ? p->width : 0;
}

size_t
cw_rows(struct cw_line *l, int cols, struct ct_row *rows, size_t max)
{
	struct cw_prefix	 p;
	size_t			 n;

	if (rows == NULL && l->wrap_cols == cols)
		return l->rows;
	cw_prefix(l, cols, &p);
	n = ct_wrap(l->text, l->len, cols, p.width, p.indent, rows, max);
	l->wrap_cols = cols;
	l->rows = n;
	return n;
}

static size_t
rows_of(struct cw_conv *c, uint64_t seq, int cols)
{
	struct cw_line	*l = cw_line(c, seq);

	return l != NULL ? cw_rows(l, cols, NULL, 0) : 1;
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
