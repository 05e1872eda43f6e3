/* curses.c: placeholder until the full-screen front end lands (issue 4). */
#include <stdio.h>

#include "ui/ui.h"

struct ui *
ui_curses_new(void)
{
	fprintf(stderr, "uvqq: the full-screen front end is not built yet; "
	    "run uvqq --headless\n");
	return NULL;
}
