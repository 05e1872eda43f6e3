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

enum {
	ST_ADD_ROW,
	ST_ROW_EXISTS,
	ST_SET_STATE,
	ST_PARKED,
	ST_COUNT_PARKED,
	ST_HISTORY,
	ST_SEARCH_FTS,
	ST_SEARCH_SCAN,
	ST_PEER_SAVE,
	ST_PEER_FORGET,
	ST_PEER_MOVE,		/* three statements: peers, messages, trust */
	ST_PEER_MOVE_MESSAGES,
	ST_PEER_MOVE_TRUST,
	ST_PEERS,
	ST_INDEX,
	ST_INDEX_MARK,
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

/* A row waiting in the batch: the strings follow in one allocation. */
struct batch_row {
	int64_t		 id;
	int64_t		 time;
	int		 outgoing;
	int		 state;
	const char	*peer;
	const char	*nick;		/* may be NULL */
	const char	*text;
	uint64_t	 uid, msgid;	/* theirs, from a uvqq peer; else 0 */
	int		*duplicate;	/* set if (uid, msgid) was stored */
	int64_t		*rowid;		/* set to 0 then */
	char		*strings;
};

/* Text as the search index's tokenizer folds it (store_fts.c). */
struct store_fold {
	char		*buf;
	size_t		 len, size;
	int		 failed;
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*st[ST_COUNT];
	int		 in_tx;
	int64_t		 fts_upto;	/* rows up to this one are searchable */
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
	fts5_tokenizer	 fts_tok;	/* the index's tokenizer (store_fts.c) */
	Fts5Tokenizer	*fts;
	struct store_fold fts_fold;	/* a row's text folded, reused */
};

/* store.c */
int	 store_begin(struct store *);
int	 store_run(struct store *, sqlite3_stmt *);
void	 store_bind_text(sqlite3_stmt *, int, const char *);
int	 store_sql_error(void);
int64_t	 store_now_ms(void);

/* store_fts.c */
int	 store_fts_open(struct store *);
void	 store_fts_close(struct store *);
char	*store_fts_query(const char *);

/* store_msg.c */
int	 store_settle(struct store *);
int	 store_reserve_ids(struct store *);

#endif
