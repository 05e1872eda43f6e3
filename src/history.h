/* history.h: the core's use of the store: what is kept, parked, replayed. */
#ifndef UVQQ_HISTORY_H
#define UVQQ_HISTORY_H

#include <stdint.h>

struct app;
struct event;
struct peer;

/* Open the store in --data-dir or the XDG default; *cause on failure. */
int	 history_open(struct app *, char **cause);
void	 history_close(struct app *);
/* Peers of earlier runs: listed, and uvqq ones greeted. */
void	 history_restore_peers(struct app *);
/* Remember a peer's address, name, nick and kind for later runs. */
void	 history_save_peer(struct app *, struct peer *);
/* The recent lines of every conversation, for a front end to show. */
void	 history_replay_recent(struct app *);
/* Store our message; *id is its id (0 without a store). */
int	 history_add_out(struct app *, struct peer *, const char *text,
	     uint64_t *id);
/*
 * Keep what an event says. A message already shown once (across restarts
 * too) is marked ev->duplicate by the commit, and is not shown.
 */
void	 history_on_event(struct app *, struct event *);
/* Answer an EV_LOAD_OLDER from a front end. */
void	 history_load_older(struct app *, const struct event *);
/* The end of a loop turn: what it stored is made durable (journal or
 * commit) before anything is shown or acknowledged. */
void	 history_commit(struct app *);
/* Then, before it is shown: which messages of theirs came before. */
void	 history_settle(struct app *);
/* After the commit, the output and the ACKs: when to copy the log back. */
void	 history_plan_checkpoint(struct app *);

#endif
