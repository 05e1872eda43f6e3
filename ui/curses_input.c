/* curses_input.c: the input line: editing, kill buffer, history, Tab. */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include <uv.h>

#include "ui/curses_input.h"
#include "ui/curses_text.h"

static int
is_control(wchar_t c)
{
	return (c >= 0 && c < 0x20) || c == 0x7f;
}

static wchar_t *
wdup(const wchar_t *s, size_t n)
{
	wchar_t	*p;

	if ((p = malloc((n + 1) * sizeof *p)) == NULL)
		return NULL;
	wmemcpy(p, s, n);
	p[n] = L'\0';
	return p;
}

void
ci_init(struct ci *ci)
{
	memset(ci, 0, sizeof *ci);
}

void
ci_free(struct ci *ci)
{
	size_t	 i;

	for (i = 0; i < ci->nhist; i++)
		free(ci->hist[i]);
	free(ci->buf);
	free(ci->kill);
	free(ci->draft);
	free(ci->comp_word);
	memset(ci, 0, sizeof *ci);
}

size_t
ci_cell(const struct ci *ci, size_t i, int *width)
{
	/* Controls show as "^X"; a newline from a paste as "^J". */
	if (is_control(ci->buf[i])) {
		*width = 2;
		return i + 1;
	}
	return ct_cell(ci->buf, ci->len, i, width);
}

/* Where the cell that ends at i starts. */
static size_t
cell_before(const struct ci *ci, size_t i)
{
	if (i == 0)
		return 0;
	i--;
	while (i > 0 && !is_control(ci->buf[i]) && wcwidth(ci->buf[i]) == 0 &&
	    !is_control(ci->buf[i - 1]))
		i--;
	return i;
}

static size_t
cell_after(const struct ci *ci, size_t i)
{
	int	 w;

	return i < ci->len ? ci_cell(ci, i, &w) : ci->len;
}

static int
reserve(struct ci *ci, size_t n)
{
	wchar_t	*grown;
	size_t	 size;

	if (ci->len + n > CI_MAX)
		return UV_E2BIG;
	if (ci->len + n + 1 <= ci->size)
		return 0;
	size = ci->size < 128 ? 128 : ci->size;
	while (size < ci->len + n + 1)
		size *= 2;
	if ((grown = realloc(ci->buf, size * sizeof *grown)) == NULL)
		return UV_ENOMEM;
	ci->buf = grown;
	ci->size = size;
	return 0;
}

/* Remove buf[a..b); with save, into the kill buffer (dir < 0: prepend). */
static int
cut(struct ci *ci, size_t a, size_t b, int save, int dir)
{
	wchar_t	*k;
	size_t	 n = b - a, keep;

	if (a >= b)
		return UV_ENOENT;
	if (save) {
		keep = ci->killing ? ci->killlen : 0;
		if ((k = malloc((keep + n + 1) * sizeof *k)) == NULL)
			return UV_ENOMEM;
		if (dir < 0) {
			wmemcpy(k, ci->buf + a, n);
			wmemcpy(k + n, ci->kill != NULL ? ci->kill : L"", keep);
		} else {
			wmemcpy(k, ci->kill != NULL ? ci->kill : L"", keep);
			wmemcpy(k + keep, ci->buf + a, n);
		}
		k[keep + n] = L'\0';
		free(ci->kill);
		ci->kill = k;
		ci->killlen = keep + n;
		ci->killing = 1;
	}
	wmemmove(ci->buf + a, ci->buf + b, ci->len - b);
	ci->len -= n;
	ci->buf[ci->len] = L'\0';
	if (ci->cur >= b)
		ci->cur -= n;
	else if (ci->cur > a)
		ci->cur = a;
	return 0;
}

int
ci_insert(struct ci *ci, const wchar_t *s, size_t n)
{
	int	 r;

	if ((r = reserve(ci, n)) != 0)
		return r;
	wmemmove(ci->buf + ci->cur + n, ci->buf + ci->cur, ci->len - ci->cur);
	wmemcpy(ci->buf + ci->cur, s, n);
	ci->len += n;
	ci->cur += n;
	ci->buf[ci->len] = L'\0';
	return 0;
}

int
ci_left(struct ci *ci)
{
	if (ci->cur == 0)
		return UV_ENOENT;
	ci->cur = cell_before(ci, ci->cur);
	return 0;
}

int
ci_right(struct ci *ci)
{
	if (ci->cur == ci->len)
		return UV_ENOENT;
	ci->cur = cell_after(ci, ci->cur);
	return 0;
}

int
ci_home(struct ci *ci)
{
	ci->cur = 0;
	return 0;
}

int
ci_end(struct ci *ci)
{
	ci->cur = ci->len;
	return 0;
}

/* Words for Alt-B/F: letters and digits, in any script. */
static int
is_word(wchar_t c)
{
	return iswalnum((wint_t)c) || (c > 0x7f && !iswspace((wint_t)c) &&
	    !iswpunct((wint_t)c));
}

int
ci_word_left(struct ci *ci)
{
	size_t	 i = ci->cur;

	if (i == 0)
		return UV_ENOENT;
	while (i > 0 && !is_word(ci->buf[i - 1]))
		i--;
	while (i > 0 && is_word(ci->buf[i - 1]))
		i--;
	ci->cur = i;
	return 0;
}

int
ci_word_right(struct ci *ci)
{
	size_t	 i = ci->cur;

	if (i == ci->len)
		return UV_ENOENT;
	while (i < ci->len && !is_word(ci->buf[i]))
		i++;
	while (i < ci->len && is_word(ci->buf[i]))
		i++;
	/* Stop after a cell, never inside it. */
	while (i < ci->len && !is_control(ci->buf[i]) &&
	    wcwidth(ci->buf[i]) == 0)
		i++;
	ci->cur = i;
	return 0;
}

int
ci_backspace(struct ci *ci)
{
	return cut(ci, cell_before(ci, ci->cur), ci->cur, 0, 0);
}

int
ci_delete(struct ci *ci)
{
	return cut(ci, ci->cur, cell_after(ci, ci->cur), 0, 0);
}

int
ci_kill_word(struct ci *ci)
{
	size_t	 i = ci->cur;

	while (i > 0 && iswspace((wint_t)ci->buf[i - 1]))
		i--;
	while (i > 0 && !iswspace((wint_t)ci->buf[i - 1]))
		i--;
	return cut(ci, i, ci->cur, 1, -1);
}

int
ci_kill_home(struct ci *ci)
{
	return cut(ci, 0, ci->cur, 1, -1);
}

int
ci_kill_end(struct ci *ci)
{
	return cut(ci, ci->cur, ci->len, 1, 1);
}

int
ci_yank(struct ci *ci)
{
	if (ci->killlen == 0)
		return UV_ENOENT;
	return ci_insert(ci, ci->kill, ci->killlen);
}

static int
load(struct ci *ci, const wchar_t *s)
{
	size_t	 n = s != NULL ? wcslen(s) : 0;
	int	 r;

	ci->len = ci->cur = 0;
	if ((r = reserve(ci, n)) != 0)
		return r;
	if (n > 0)
		wmemcpy(ci->buf, s, n);
	ci->len = ci->cur = n;
	ci->buf[n] = L'\0';
	ci->hscroll = 0;
	return 0;
}

int
ci_history_prev(struct ci *ci)
{
	if (ci->hpos == 0)
		return UV_ENOENT;
	if (ci->hpos == ci->nhist) {
		free(ci->draft);
		if ((ci->draft = wdup(ci->buf != NULL ? ci->buf : L"",
		    ci->len)) == NULL)
			return UV_ENOMEM;
	}
	ci->hpos--;
	return load(ci, ci->hist[ci->hpos]);
}

int
ci_history_next(struct ci *ci)
{
	if (ci->hpos >= ci->nhist)
		return UV_ENOENT;
	ci->hpos++;
	return load(ci, ci->hpos == ci->nhist ? ci->draft : ci->hist[ci->hpos]);
}

void
ci_key_done(struct ci *ci, int keep)
{
	if (!(keep & CI_KEEP_TAB))
		ci->completing = 0;
	if (!(keep & CI_KEEP_KILL))
		ci->killing = 0;
}

size_t
ci_word_start(const struct ci *ci, int *first)
{
	size_t	 i = ci->cur, j;

	/* Cycling: the word is the one Tab started on. */
	if (ci->completing)
		i = ci->comp_start;
	while (i > 0 && !iswspace((wint_t)ci->buf[i - 1]))
		i--;
	for (j = 0; j < i && iswspace((wint_t)ci->buf[j]); j++)
		;
	*first = j == i;
	return i;
}

/* Whether candidate s (UTF-8) completes the word; *w: its wide form. */
static int
candidate(const char *s, const wchar_t *word, size_t wlen, wchar_t **w)
{
	if (ct_from_utf8(s, 0, w, NULL) != 0)
		return 0;
	if (wcslen(*w) >= wlen && wcsncasecmp(*w, word, wlen) == 0)
		return 1;
	free(*w);
	return 0;
}

int
ci_complete(struct ci *ci, const char *const *cands, size_t n,
    const wchar_t *suffix)
{
	wchar_t	*w = NULL;
	size_t	 i, k, wlen, matches = 0, start;
	int	 first, r;

	if (!ci->completing) {
		start = ci_word_start(ci, &first);
		free(ci->comp_word);
		if ((ci->comp_word = wdup(ci->buf + start, ci->cur - start)) ==
		    NULL)
			return UV_ENOMEM;
		ci->comp_start = start;
		ci->comp_next = 0;
	}
	wlen = wcslen(ci->comp_word);
	for (i = 0; i < n; i++) {
		if (candidate(cands[i], ci->comp_word, wlen, &w)) {
			matches++;
			free(w);
		}
	}
	if (matches == 0)
		return UV_ENOENT;
	/* Each Tab takes the next match, round and round. */
	for (i = 0, k = 0; i < n; i++) {
		if (!candidate(cands[i], ci->comp_word, wlen, &w))
			continue;
		if (k++ == ci->comp_next % matches)
			break;
		free(w);
	}
	ci->comp_next++;
	ci->completing = 1;
	/* Out with the word, in with the match. */
	(void)cut(ci, ci->comp_start, ci->cur, 0, 0);
	r = ci_insert(ci, w, wcslen(w));
	if (r == 0 && suffix != NULL)
		r = ci_insert(ci, suffix, wcslen(suffix));
	free(w);
	return r;
}

int
ci_take(struct ci *ci, char **line)
{
	wchar_t	*h;
	int	 r;

	ci->completing = 0;
	ci->killing = 0;
	if (ci->len == 0)
		return UV_ENOENT;
	if ((r = ct_to_utf8(ci->buf, ci->len, line, NULL)) != 0)
		return r;
	if (ci->nhist == 0 || wcscmp(ci->hist[ci->nhist - 1], ci->buf) != 0) {
		if ((h = wdup(ci->buf, ci->len)) != NULL) {
			if (ci->nhist == CI_HISTORY) {
				free(ci->hist[0]);
				memmove(ci->hist, ci->hist + 1,
				    (CI_HISTORY - 1) * sizeof *ci->hist);
				ci->nhist--;
			}
			ci->hist[ci->nhist++] = h;
		}
	}
	ci->hpos = ci->nhist;
	free(ci->draft);
	ci->draft = NULL;
	ci->len = ci->cur = ci->hscroll = 0;
	ci->buf[0] = L'\0';
	return 0;
}

static int
span(const struct ci *ci, size_t a, size_t b)
{
	int	 w, cols = 0;

	while (a < b) {
		a = ci_cell(ci, a, &w);
		cols += w;
	}
	return cols;
}

void
ci_view(struct ci *ci, int cols, size_t *from, size_t *to, int *curcol)
{
	size_t	 i;
	int	 w, used, room;

	if (cols < 2)
		cols = 2;
	if (ci->hscroll > ci->cur)
		ci->hscroll = ci->cur;
	if (ci->hscroll > ci->len)
		ci->hscroll = ci->len;
	/* All of it fits again (the screen grew): no scrolling. */
	if (ci->hscroll > 0 && span(ci, 0, ci->cur) <= cols - 1)
		ci->hscroll = 0;
	/* Going left past the edge: show some of what is before. */
	if (ci->cur == ci->hscroll && ci->hscroll > 0) {
		while (ci->hscroll > 0 && span(ci, ci->hscroll, ci->cur) <
		    cols / 3)
			ci->hscroll = cell_before(ci, ci->hscroll);
	}
	/* Going right past the edge: jump, leaving room to type. */
	used = span(ci, ci->hscroll, ci->cur);
	if (used > cols - 1) {
		room = cols - 1 - cols / 3;
		if (room < 1)
			room = 1;
		while (used > room && ci->hscroll < ci->cur) {
			i = ci_cell(ci, ci->hscroll, &w);
			used -= w;
			ci->hscroll = i;
		}
	}
	*curcol = used;
	*from = ci->hscroll;
	for (i = ci->hscroll, used = 0; i < ci->len; ) {
		size_t	 j = ci_cell(ci, i, &w);

		if (used + w > cols)
			break;
		used += w;
		i = j;
	}
	*to = i;
}
