/* set.h: the options /set changes, one table for /set, /help and config. */
#ifndef UVQQ_SET_H
#define UVQQ_SET_H

#include <stddef.h>

struct app;

#define SET_AT_START	0x1	/* only read before binding */
#define SET_TELL_UI	0x2	/* the front end is told with EV_OPTION */

struct set_entry {
	const char	*name;
	const char	*help;
	int		 flags;
	int		(*set)(struct app *, const char *value, char **cause);
	void		(*show)(struct app *, char *buf, size_t len);
};

extern const struct set_entry set_table[];

const struct set_entry	*set_find(const char *name);
/* info lines: "name = value", or with help for /help set */
void			 set_list(struct app *, int with_help);
/* Send every front-end option to the front end, at start. */
void			 set_tell_ui(struct app *);

#endif
