/*
 * curses_int.h: inside the full-screen front end, what curses.c (the
 * terminal, the handles and the keys) and curses_event.c (the core's
 * events) share: the front end's state and the few helpers both use.
 * Include it after defining _XOPEN_SOURCE_EXTENDED, as curses.h wants.
 */
#ifndef UVQQ_CURSES_INT_H
#define UVQQ_CURSES_INT_H

#include <stddef.h>
#include <stdint.h>

#include <curses.h>
#include <uv.h>

#include "src/evq.h"
#include "ui/curses_draw.h"
#include "ui/notify.h"
#include "ui/ui.h"

/* Tags on our EV_INPUT lines; the core stamps them on the answers. */
#define TAG_TYPED	1	/* what the person typed */
#define TAG_SWITCH	2	/* our own /peer when switching windows */
#define TAG_OLDER	3	/* our EV_LOAD_OLDER requests */

#define OLDER_LINES	100	/* asked for at a time */

enum esc_state {
	ESC_NONE,
	ESC_SEEN,	/* Esc: the next key is Alt-key */
	ESC_CSI,	/* Esc [: a sequence curses did not know */
};

struct cn_child;

/* Notifications (curses_notify.c). */
struct cui_notify {
	enum notify_kind	 kind;		/* /set notify */
	struct notify_caps	 caps;		/* but caps.bell: cui.bell */
	struct notify_limit	 limit;
	int			 focused;	/* as the terminal reports */
	int			 ring;		/* the bell, after the frame */
	char			 seq[NOTIFY_SEQ_MAX * 4];	/* OSCs too */
	size_t			 seqlen;
	char			*notify_send;	/* its path, or NULL */
	struct cn_child		*children;	/* running: notify-send, tmux */
	size_t			 nchildren;
	int			 asking;	/* tmux is being asked */
	int			 explain;	/* say the way, once known */
};

/* The front end's state, in ui->data. */
struct cui {
	uv_loop_t		*loop;
	struct evq		*evq;
	struct cd_model		 m;
	struct cd		*draw;
	SCREEN			*screen;
	WINDOW			*keys;		/* a pad: reading never draws */

	uv_poll_t		 poll;
	uv_signal_t		 winch;
	uv_signal_t		 tstp;		/* suspended from outside */
	uv_prepare_t		 redraw;
	uv_timer_t		 frame;		/* the next frame, when capped */
	uint64_t		 last_draw;	/* ms */
	int			 handles;	/* they were initialised */

	int			 dirty;		/* redraw before sleeping */
	int			 stopped;
	int			 eof;
	int			 empty_reads;
	int			 mouse;		/* wheel reports are on */
	int			 bell;		/* /set bell: it may ring */
	uint64_t		 older_asked;	/* EV_LOAD_OLDER requests sent */

	enum esc_state		 esc;
	char			 csi[16];
	size_t			 csilen;
	int			 pasting;	/* inside a bracketed paste */

	int			 word_left[2];	/* Ctrl-Left, Alt-Left codes */
	int			 word_right[2];
	int			 focus_in;	/* kxIN, kxOUT codes, or -1 */
	int			 focus_out;

	struct cui_notify	 notify;
};

/* A line of our own in a conversation (NULL: the status window). */
void	 cui_say(struct cui *, struct cw_conv *, enum cw_kind, const char *);
/* Put a conversation on screen; ask for older lines if near their top. */
void	 cui_show(struct cui *, struct cw_conv *);
/* Ask the history for older lines when few are left above the view. */
void	 cui_load_older(struct cui *, struct cw_conv *);
/*
 * Notifications (curses_notify.c): start looks at the environment (and
 * asks tmux); a live message in a conversation not shown, or while the
 * terminal is not focused, notifies; what goes to the terminal waits for
 * flush, after a frame; stop closes the children's handles.
 */
void	 cui_notify_start(struct cui *);
void	 cui_notify_option(struct cui *, const char *value, int typed);
void	 cui_notify_focus(struct cui *, int focused);
void	 cui_notify_message(struct cui *, struct cw_conv *,
	     const struct event *);
void	 cui_notify_flush(struct cui *);
void	 cui_notify_stop(struct cui *);
void	 cui_notify_free(struct cui *);
/* What an event from the core does to the model (curses_event.c). */
void	 curses_on_event(struct ui *, const struct event *);

#endif
