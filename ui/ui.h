/*
 * ui.h: what a front end is. The core starts it with the loop and the
 * queue, hands it every event to show, and stops it at the end. A front
 * end posts what the person types as EV_INPUT (and EV_INPUT_EOF) on the
 * queue; it never touches a socket.
 */
#ifndef UVQQ_UI_H
#define UVQQ_UI_H

#include <uv.h>

#include "src/evq.h"

struct ui {
	const char	*name;
	int		(*start)(struct ui *, uv_loop_t *, struct evq *);
	void		(*on_event)(struct ui *, const struct event *);
	/* Restore the terminal, flush output, close handles. */
	void		(*stop)(struct ui *);
	void		(*destroy)(struct ui *);
	void		*data;
};

struct ui	*ui_headless_new(void);
struct ui	*ui_curses_new(void);

#endif
