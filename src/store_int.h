/*
 * store_int.h: what the files of the store share (store.c: the database,
 * its schema and transactions; store_msg.c: messages in and out). Not for
 * use outside them: src/store.h is the interface.
 */
#ifndef UVQQ_STORE_INT_H
#define UVQQ_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "src/store.h"

enum {
	ST_ADD_ROW,
	ST_ROW_EXISTS,
	ST_SET_STATE,
	ST_PARKED,
	ST_COUNT_PARKED,
	ST_HISTORY_RANGE,
	ST_BLOCKS_PEERS,
	ST_BLOCKS_MOVE,
	ST_SEARCH_ROW,
	ST_SEARCH_ALL,
	ST_BLOCKS,
	ST_BLOCKS_UPTO,
	ST_BLOCK_ROWS,
	ST_BLOCK_ADD,
	ST_PEER_SAVE,
	ST_PEER_FORGET,
	ST_PEER_MOVE,		/* three statements: peers, messages, trust */
	ST_PEER_MOVE_MESSAGES,
	ST_PEER_MOVE_TRUST,
	ST_PEERS,
	ST_QUEUED_FROM,
	ST_DELIVERED,
	ST_RESERVE_IDS,
	ST_ADD_ROWS,		/* STORE_BATCH rows at once */
	ST_BEGIN,		/* prepared once: every turn has one */
	ST_COMMIT,
	ST_COUNT
};

#define STORE_BATCH		16	/* rows a statement: a third the cost */
#define STORE_ID_BLOCK		65536	/* ids reserved at once */
#define STORE_DELIVERED_RUNS	32	/* runs of delivered ids held back */
/*
 * Ids a jump (store_set_user) allows for each ms before it: another
 * database of the same key would need a million a second to reach it.
 * Jumped ids stay below 2^53 (exact in JSON) until the year 2255.
 */
#define STORE_IDS_PER_MS	1000

#define ADD_PARAMS		9	/* columns of ST_ADD_ROW, a row */

/* A row waiting in the batch: its strings borrowed, or copied to one
 * allocation (strings). */
struct batch_row {
	int64_t		 id;
	int64_t		 time;
	int		 outgoing;
	int		 state;
	const char	*peer;
	const char	*nick;		/* may be NULL */
	const char	*text;
	size_t		 npeer, nnick, ntext;	/* lengths */
	uint64_t	 uid, msgid;	/* theirs, from a uvqq peer; else 0 */
	int		*duplicate;	/* set if (uid, msgid) was stored */
	int64_t		*rowid;		/* set to 0 then */
	char		*strings;
};

/* Text folded for search (store_search.c). */
struct store_fold {
	char		*buf;
	size_t		 len, size;
	int		 failed;
};

#define SEARCH_BLOCK_IDS	256
#define SEARCH_SIG_WORDS	4	/* a row's grams in 256 bits */

#define SEARCH_BLOCK_PEERS	8	/* more: the block is anyone's */

/* The rows of ids first to first + used - 1: each one's grams, and the
 * peers they are with. */
struct search_block {
	int64_t		 first;
	int		 used;
	uint64_t	 sig[SEARCH_BLOCK_IDS][SEARCH_SIG_WORDS];
	char		*peers[SEARCH_BLOCK_PEERS];
	int		 npeers;
	int		 anyone;	/* more peers than it lists */
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*st[ST_COUNT];
	int		 in_tx;
	int64_t		 last_row;	/* the newest row */
	int64_t		 next_id;	/* ids are given out here, */
	int64_t		 ids_upto;	/* up to this one, reserved on disk */
	struct batch_row batch[STORE_BATCH];	/* rows not yet inserted */
	int		 nbatch;
	int64_t		 queued_from;	/* no row below is in state 0 */
	struct {
		int64_t	 lo, hi;
	}		 delivered[STORE_DELIVERED_RUNS];	/* not written */
	int		 ndelivered;
	int		 wal_pages;	/* in the log, not yet checkpointed */
	int		 wal_commits;	/* commits in the log */
	int		 lockfd;
	char		*path;
	fts5_tokenizer	 fts_tok;	/* FTS5's trigram tokenizer, to fold */
	Fts5Tokenizer	*fts;
	struct store_fold fold;		/* a row's text folded, reused */
	struct store_fold want;		/* the phrase searched for, folded */
	struct search_block block;	/* the open block */
	uint64_t	 found_sigs[SEARCH_BLOCK_IDS][SEARCH_SIG_WORDS];
	int		 block_stale;	/* rebuild it from the rows first */
	uint8_t		*jmap;		/* the journal, mapped (store_journal.c) */
	size_t		 jcursor;	/* where the next record goes */
	int		 journal_ok;	/* the transaction is all in it */
};

/* store.c */
int	 store_begin(struct store *);
int	 store_run(struct store *, sqlite3_stmt *);
void	 store_bind_text(sqlite3_stmt *, int, const char *);
int	 store_sql_error(void);
int64_t	 store_now_ms(void);

/* store_search.c */
int	 store_search_open(struct store *);
int	 store_search_load(struct store *);
void	 store_search_close(struct store *);
/* A row for search, in the open transaction. */
int	 store_search_add(struct store *, int64_t id, const char *peer,
	     const char *text, size_t len);
/* A peer's rows are at a new address: the blocks say so too. */
int	 store_search_move(struct store *, const char *from, const char *to);

/* store_journal.c */
int	 store_journal_open(struct store *, const char *dir);
void	 store_journal_close(struct store *);
void	 store_journal_begin(struct store *);
void	 store_journal_row(struct store *, const struct batch_row *);
void	 store_journal_delivered(struct store *, int64_t id);
void	 store_journal_clear(struct store *);
int	 store_journal_reapply(struct store *);
/* A write the journal does not take: this transaction is committed. */
#define store_unjournaled(s)	((s)->journal_ok = 0)

/* store_msg.c */
int	 store_settle(struct store *);
int	 store_flush_rows(struct store *);
int	 store_reserve_ids(struct store *);
void	 store_bind_row(sqlite3_stmt *, int base, const struct batch_row *);
/* A row of ROW_COLUMNS at st's columns 0-8. */
void	 store_row_read(sqlite3_stmt *, struct store_row *);

#endif
