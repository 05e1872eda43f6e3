/*
 * store.h: history, outbox and known peers in SQLite, one database per
 * data directory. Writes go into one transaction per loop turn
 * (store_commit), so a flood is stored at full speed; what is committed
 * survives a kill -9.
 */
#ifndef UVQQ_STORE_H
#define UVQQ_STORE_H

#include <stdint.h>

struct store;

enum msg_state {
	MSG_QUEUED = 0,		/* ours, handed to net, not acknowledged */
	MSG_DELIVERED = 1,	/* ours, acknowledged */
	MSG_PARKED = 2,		/* ours, waiting for the peer to come back */
	MSG_PLAIN = 3,		/* ours, to a plain peer: no acknowledgement */
	MSG_FAILED = 4,		/* ours, given up for good */
	MSG_RECEIVED = 5,	/* theirs */
};

struct store_row {
	int64_t		 rowid;
	int64_t		 time;		/* unix ms */
	const char	*peer;
	const char	*nick;
	const char	*text;
	uint64_t	 msgid;		/* theirs for received, ours otherwise */
	int		 outgoing;
	int		 state;		/* enum msg_state */
	int		 sealed;	/* theirs from a uvqq peer's session, or
					   ours to one: not bare text */
};

struct store_peer {
	const char	*addr;
	const char	*name;		/* may be NULL */
	const char	*nick;		/* may be NULL */
	int		 kind;		/* enum peer_kind */
};

/* The identity key seen at an address (trust on first use, trust.c). */
struct store_trust {
	const char		*addr;
	const unsigned char	*key;		/* STORE_KEY_BYTES */
	const char		*name;		/* the peer's there, or NULL */
	int			 verified;	/* accepted with /trust */
	int64_t			 first;		/* unix ms, first seen */
	int64_t			 seen;		/* unix ms, last seen */
};
#define STORE_KEY_BYTES	32

typedef void	(*store_row_cb)(void *arg, const struct store_row *);
typedef void	(*store_peer_cb)(void *arg, const struct store_peer *);
typedef void	(*store_trust_cb)(void *arg, const struct store_trust *);

/*
 * Open (creating) DIR/uvqq.db, migrated to the current schema, and lock
 * DIR against a second uvqq. On failure *cause says what and what to do.
 */
int		 store_open(struct store **, const char *dir, char **cause);
void		 store_close(struct store *);
const char	*store_path(const struct store *);
/*
 * Our user id from now on (the identity's); new_user: its key was made in
 * this run. Message ids must never repeat under one user id (peers drop
 * repeats), so when the database has not used this user id before and
 * the key is older, ids jump to the clock (ms * STORE_IDS_PER_MS): past
 * any a database could have given out by now. Call it before any message.
 */
int		 store_set_user(struct store *, uint64_t uid, int new_user);
/* Whether writes wait for store_commit. */
int		 store_in_tx(const struct store *);
/*
 * Make the open transaction durable without committing it: its rows and
 * delivered marks are in the journal (store_journal.c) for a memcpy, and
 * store_commit may come later. 1: it holds writes the journal does not
 * take: commit it now.
 */
int		 store_journal(struct store *);
/*
 * Whether store_journal has made all of the open transaction durable:
 * only then may a commit come between turns, for a commit of what the
 * turn has not published yet would make it durable before it is shown.
 */
int		 store_journal_published(const struct store *);
/* Insert the rows waiting, if some are theirs: then each knows whether
 * it was stored before (store_add_in's *duplicate). */
int		 store_settle_theirs(struct store *);
/* End the current transaction, if any. */
int		 store_commit(struct store *);
/* Copy the write-ahead log into the database: when quiet. */
int		 store_checkpoint(struct store *);
/* Whether the log holds pages not yet copied back. */
int		 store_log_pending(const struct store *);
/* Whether a checkpoint would keep the log small: after the turn. */
int		 store_checkpoint_due(const struct store *);
/* The text of the last error, for messages. */
const char	*store_error(const struct store *);

/* Our message: returns its id (also its id on the wire) in *id. */
int		 store_add_out(struct store *, const char *peer,
		     const char *nick, const char *text, int state,
		     int64_t *id);
/*
 * Their message, in *rowid's row. It waits in a batch: *duplicate (and
 * *rowid, to 0) is set when (uid, msgid) was stored before, at the latest
 * by store_settle_theirs, the commit or the next read, so both must live
 * until then, and so must peer, nick and text, which are not copied (the
 * core keeps them in the event it holds till then).
 */
int		 store_add_in(struct store *, const char *peer,
		     const char *nick, const char *text, uint64_t uid,
		     uint64_t msgid, int *duplicate, int64_t *rowid);
int		 store_set_state(struct store *, int64_t id, int state);
/* At start: what was handed to net last run waits for its peer again. */
int		 store_park_queued(struct store *);
/* Our parked messages to peer, oldest first. */
int		 store_parked(struct store *, const char *peer, store_row_cb,
		     void *);
int		 store_count_parked(struct store *, const char *peer);
/* The last limit rows with peer (before rowid before, 0: the newest),
 * oldest first. */
int		 store_history(struct store *, const char *peer,
		     int64_t before, int limit, store_row_cb, void *);
/* Rows whose text holds text (Chinese too), newest last. */
int		 store_search(struct store *, const char *text, int limit,
		     store_row_cb, void *);

int		 store_peer_save(struct store *, const struct store_peer *);
int		 store_peer_forget(struct store *, const char *addr);
/* A peer that moved: its row, its history and its key follow it. */
int		 store_peer_move(struct store *, const char *from,
		     const char *to);
int		 store_peers(struct store *, store_peer_cb, void *);

/* Trust records (store_trust.c), one per address: written in the turn's
 * transaction, like everything else. */
int		 store_trust_save(struct store *, const struct store_trust *);
int		 store_trust_forget(struct store *, const char *addr);
int		 store_trust_load(struct store *, store_trust_cb, void *);

#endif
