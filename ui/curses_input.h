/*
 * curses_input.h: the input line editor, without curses. The line is an
 * array of code points and a cursor index; movement and deletion go by
 * whole cells (a character and its combining marks), so Backspace after
 * a Chinese character or an emoji removes all of it. Readline's kill
 * buffer, history and Tab completion (cycling through matches) live here.
 */
#ifndef UVQQ_CURSES_INPUT_H
#define UVQQ_CURSES_INPUT_H

#include <stddef.h>
#include <wchar.h>

#define CI_MAX		65536	/* code points in the line */
#define CI_HISTORY	200	/* lines remembered */

struct ci {
	wchar_t		*buf;
	size_t		 len;
	size_t		 size;
	size_t		 cur;		/* edit point, 0..len */
	size_t		 hscroll;	/* first code point shown */

	wchar_t		*kill;		/* what Ctrl-Y puts back */
	size_t		 killlen;
	int		 killing;	/* the last key killed: kills add up */

	wchar_t		*hist[CI_HISTORY];	/* oldest first */
	size_t		 nhist;
	size_t		 hpos;		/* nhist: the line being typed */
	wchar_t		*draft;		/* that line, while in history */

	int		 completing;	/* the last key was Tab */
	size_t		 comp_start;	/* where the completed word starts */
	wchar_t		*comp_word;	/* the word as typed before Tab */
	size_t		 comp_next;	/* which match the next Tab takes */
};

void	 ci_init(struct ci *);
void	 ci_free(struct ci *);

/* Edits return 0, or a negative code when nothing could be done. */
int	 ci_insert(struct ci *, const wchar_t *s, size_t n);
int	 ci_left(struct ci *);
int	 ci_right(struct ci *);
int	 ci_home(struct ci *);
int	 ci_end(struct ci *);
int	 ci_word_left(struct ci *);
int	 ci_word_right(struct ci *);
int	 ci_backspace(struct ci *);
int	 ci_delete(struct ci *);
int	 ci_kill_word(struct ci *);	/* Ctrl-W: back to a space */
int	 ci_kill_home(struct ci *);	/* Ctrl-U */
int	 ci_kill_end(struct ci *);	/* Ctrl-K */
int	 ci_yank(struct ci *);
int	 ci_history_prev(struct ci *);
int	 ci_history_next(struct ci *);

/*
 * Called after every key: unless kept, the next Tab starts a new
 * completion and the next kill a new kill buffer.
 */
#define CI_KEEP_TAB	0x1
#define CI_KEEP_KILL	0x2
void	 ci_key_done(struct ci *, int keep);
/* Where the word before the cursor starts (while Tab cycles, the word it
 * started on); whether it is the first on the line. */
size_t	 ci_word_start(const struct ci *, int *first);
/*
 * Tab: replace the word before the cursor with the next of cands (UTF-8)
 * that starts with it, plus suffix. Returns UV_ENOENT when none does.
 */
int	 ci_complete(struct ci *, const char *const *cands, size_t n,
	     const wchar_t *suffix);

/* Enter: the line as UTF-8 (to free), remembered in history; clears it.
 * Returns UV_ENOENT for an empty line. */
int	 ci_take(struct ci *, char **line);

/* Columns of the cell at buf[i] as the input line draws it. */
size_t	 ci_cell(const struct ci *, size_t i, int *width);
/*
 * Scroll sideways so the cursor shows in cols columns; sets the range of
 * code points to draw and the cursor's column.
 */
void	 ci_view(struct ci *, int cols, size_t *from, size_t *to, int *curcol);

#endif
