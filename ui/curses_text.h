/*
 * curses_text.h: text for the full-screen front end, without curses. It
 * turns UTF-8 from the network into code points that are safe to show
 * (control characters become visible "^[" and the like), measures them
 * with wcwidth, groups them into cells and wraps them by display width.
 */
#ifndef UVQQ_CURSES_TEXT_H
#define UVQQ_CURSES_TEXT_H

#include <stddef.h>
#include <wchar.h>

/* At most this many code points share one cell (curses' CCHARW_MAX). */
#define CT_CELL_MAX	5
/* Where a tab in received text stops. */
#define CT_TABSTOP	8

/*
 * Decode UTF-8 into a new wide string in which nothing can reach the
 * terminal raw: control characters become "^X", C1 controls and bidi
 * overrides "<U+XXXX>". With multiline, '\n' is kept (a hard break) and
 * tabs become spaces; without, '\n' becomes "^J" too. Returns 0 or
 * UV_ENOMEM; *out is NUL-terminated.
 */
int	 ct_from_utf8(const char *s, int multiline, wchar_t **out,
	     size_t *outlen);
/* Encode len code points as a new NUL-terminated UTF-8 string. */
int	 ct_to_utf8(const wchar_t *s, size_t len, char **out, size_t *outlen);

/* Columns of one code point as wcwidth says, never negative. */
int	 ct_width(wchar_t);
/*
 * The cell starting at s[i]: a character with its zero-width followers
 * (combining marks, joiners, selectors). Returns the index after it and
 * sets *width (a cell of zero-width characters only is 1: it is drawn on
 * a space).
 */
size_t	 ct_cell(const wchar_t *s, size_t len, size_t i, int *width);
/*
 * Whether c is a zero-width joiner or an emoji variation selector: what
 * makes some terminals draw cells wider than wcwidth says (a ZWJ family
 * in one cell, a "❤️" in two), so they are kept but never drawn.
 */
int	 ct_joiner(wchar_t c);
/* Columns of s[0..len). */
int	 ct_swidth(const wchar_t *s, size_t len);
/* How many code points of s fit in cols columns, whole cells only. */
size_t	 ct_fit(const wchar_t *s, size_t len, int cols);

/* One row of wrapped text: s[start..end) shown from column indent. */
struct ct_row {
	size_t	 start;
	size_t	 end;
};

/*
 * Wrap s for a screen cols wide: the first row starts at column first,
 * the others at column indent. Never splits a cell, breaks after spaces
 * when it can, and at '\n' always. Fills at most max rows (rows may be
 * NULL to count) and returns how many rows the whole text needs.
 */
size_t	 ct_wrap(const wchar_t *s, size_t len, int cols, int first,
	     int indent, struct ct_row *rows, size_t max);

#endif
