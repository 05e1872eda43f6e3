/*
 * curses_draw.h: layout and drawing for the full-screen front end. The
 * screen is a message pane, a peer list on its right (when there is
 * room), a status line and the input line; everything is drawn from the
 * model below, each window is wnoutrefresh'ed and one doupdate puts the
 * frame on the terminal with the cursor at the edit point.
 */
#ifndef UVQQ_CURSES_DRAW_H
#define UVQQ_CURSES_DRAW_H

#include "src/evq.h"
#include "ui/curses_input.h"
#include "ui/curses_win.h"

/* What the front end knows, built from the core's events. */
struct cd_model {
	struct cw_list	 convs;
	struct cw_conv	*shown;			/* never NULL once started */
	struct ci	 input;
	char		 nick[128];
	char		 local[EV_ADDRLEN];	/* our address */
	char		 current[EV_ADDRLEN];	/* the core's current peer */
};

struct cd;

/* After the terminal is set up: colours and windows. */
int	 cd_open(struct cd **);
void	 cd_close(struct cd *);
/* Place the windows for LINES x COLS (at start and after a resize). */
void	 cd_layout(struct cd *);
/* Draw the whole model and update the terminal once. */
void	 cd_draw(struct cd *, struct cd_model *);
/* The message pane's size, for scrolling; 0 when there is none. */
void	 cd_pane_size(const struct cd *, int *cols, int *rows);

#endif
