/* store.c: the SQLite database behind history, the outbox and peers. */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>
#include <uv.h>

#include "src/store.h"
#include "src/utf8.h"

/* Each entry takes the schema from the version before it to its own. */
static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
	"CREATE TABLE messages("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  peer TEXT NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  outgoing INTEGER NOT NULL,"
	"  nick TEXT,"
	"  text TEXT NOT NULL,"
	"  state INTEGER NOT NULL,"
	"  uid INTEGER,"		/* theirs: the sender's user id */
	"  msgid INTEGER);"		/* theirs: the sender's message id */
	"CREATE UNIQUE INDEX messages_seen ON messages(uid, msgid)"
	"  WHERE uid IS NOT NULL;"
	"CREATE INDEX messages_peer ON messages(peer, id);"
	"CREATE INDEX messages_parked ON messages(peer, state)"
	"  WHERE state IN (0, 2);"
	/* Trigrams find a word inside a run of Chinese, which has no spaces. */
	"CREATE VIRTUAL TABLE messages_fts USING fts5(text,"
	"  content='messages', content_rowid='id', tokenize='trigram');"
	"CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN"
	"  INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);"
	"END;"
	"CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN"
	"  INSERT INTO messages_fts(messages_fts, rowid, text)"
	"  VALUES ('delete', old.id, old.text);"
	"END;"
	"CREATE TABLE peers(addr TEXT PRIMARY KEY, name TEXT, nick TEXT,"
	"  kind INTEGER NOT NULL, seen INTEGER NOT NULL);",
	/* 2: index for search once per transaction, not once per row */
	"DROP TRIGGER messages_ai;",
	/* 3: index for search when idle; every row up to fts_upto is in */
	"INSERT OR REPLACE INTO meta VALUES ('fts_upto',"
	"  (SELECT coalesce(max(id), 0) FROM messages));",
	/*
	 * 4: two writes fewer per message. Without AUTOINCREMENT a new id is
	 * the largest plus one, which is never an old one again because no
	 * message is ever deleted (a peer deduplicates on our ids: anything
	 * that deletes messages must keep that true). Rows handed to net
	 * (state 0) leave the index: after a crash they are found from
	 * meta's queued_from, the lowest id set to 0 in the run.
	 */
	"CREATE TABLE messages4("
	"  id INTEGER PRIMARY KEY,"
	"  peer TEXT NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  outgoing INTEGER NOT NULL,"
	"  nick TEXT,"
	"  text TEXT NOT NULL,"
	"  state INTEGER NOT NULL,"
	"  uid INTEGER,"
	"  msgid INTEGER);"
	"INSERT INTO messages4 SELECT id, peer, time, outgoing, nick, text,"
	"  state, uid, msgid FROM messages;"
	"INSERT OR REPLACE INTO meta SELECT 'queued_from', min(id)"
	"  FROM messages WHERE state = 0 HAVING min(id) IS NOT NULL;"
	"DROP TABLE messages;"
	"ALTER TABLE messages4 RENAME TO messages;"
	"CREATE UNIQUE INDEX messages_seen ON messages(uid, msgid)"
	"  WHERE uid IS NOT NULL;"
	"CREATE INDEX messages_peer ON messages(peer, id);"
	"CREATE INDEX messages_parked ON messages(peer) WHERE state = 2;"
	"CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN"
	"  INSERT INTO messages_fts(messages_fts, rowid, text)"
	"  VALUES ('delete', old.id, old.text);"
	"END;",
};
#define SCHEMA_VERSION	(int)(sizeof migrations / sizeof migrations[0])

enum {
	ST_ADD_ROW,
	ST_ADD_IN,
	ST_SET_STATE,
	ST_PARKED,
	ST_COUNT_PARKED,
	ST_HISTORY,
	ST_SEARCH_FTS,
	ST_SEARCH_SCAN,
	ST_PEER_SAVE,
	ST_PEER_FORGET,
	ST_PEERS,
	ST_INDEX,
	ST_INDEX_MARK,
	ST_QUEUED_FROM,
	ST_DELIVERED,
	ST_RESERVE_IDS,
	ST_ADD_ROWS,		/* STORE_BATCH rows at once */
	ST_COUNT
};

#define STORE_BATCH		16	/* rows a statement: a third the cost */
#define STORE_ID_BLOCK		65536	/* ids reserved at once */
#define STORE_DELIVERED_RUNS	32	/* runs of delivered ids held back */
#define STORE_WAL_FLOOD_PAGES	1024	/* 4 MiB of log from large commits, */
#define STORE_WAL_PAGES_MAX	8192	/* 32 MiB at most */
#define STORE_WAL_SMALL_COMMIT	16	/* pages */

#define ROW_COLUMNS "id, time, peer, nick, text, outgoing, state, msgid"
#define ADD_COLUMNS "id, peer, time, outgoing, nick, text, state"
#define ADD_VALUES "(?, ?, ?, ?, ?, ?, ?)"
#define ADD_PARAMS 7
#define ADD_VALUES2 ADD_VALUES ", " ADD_VALUES
#define ADD_VALUES4 ADD_VALUES2 ", " ADD_VALUES2
#define ADD_VALUES8 ADD_VALUES4 ", " ADD_VALUES4
#define ADD_VALUES16 ADD_VALUES8 ", " ADD_VALUES8
_Static_assert(STORE_BATCH == 16, "ST_ADD_ROWS holds ADD_VALUES16");

static const char *const statements[ST_COUNT] = {
	[ST_ADD_ROW] = "INSERT INTO messages(" ADD_COLUMNS ") VALUES "
	    ADD_VALUES,
	[ST_ADD_IN] = "INSERT OR IGNORE INTO messages(id, peer, time, outgoing,"
	    " nick, text, state, uid, msgid) VALUES (?, ?, ?, 0, ?, ?, 5, ?, ?)",
	[ST_SET_STATE] = "UPDATE messages SET state = ? WHERE id = ?",
	[ST_PARKED] = "SELECT " ROW_COLUMNS " FROM messages"
	    " WHERE peer = ? AND state = 2 ORDER BY id",
	[ST_COUNT_PARKED] = "SELECT count(*) FROM messages"
	    " WHERE peer = ? AND state = 2",
	[ST_HISTORY] = "SELECT * FROM (SELECT " ROW_COLUMNS " FROM messages"
	    " WHERE peer = ? AND id < ? ORDER BY id DESC LIMIT ?) ORDER BY id",
	[ST_SEARCH_FTS] = "SELECT * FROM (SELECT m.id, m.time, m.peer, m.nick,"
	    " m.text, m.outgoing, m.state, m.msgid FROM messages_fts f"
	    " JOIN messages m ON m.id = f.rowid WHERE messages_fts MATCH ?"
	    " ORDER BY m.id DESC LIMIT ?) ORDER BY id",
	/* Trigrams need three characters; shorter words scan the table. */
	[ST_SEARCH_SCAN] = "SELECT * FROM (SELECT " ROW_COLUMNS
	    " FROM messages WHERE instr(text, ?) > 0 ORDER BY id DESC"
	    " LIMIT ?) ORDER BY id",
	[ST_PEER_SAVE] = "INSERT INTO peers(addr, name, nick, kind, seen)"
	    " VALUES (?, ?, ?, ?, ?) ON CONFLICT(addr) DO UPDATE SET"
	    " name = excluded.name, nick = coalesce(excluded.nick, nick),"
	    " kind = excluded.kind, seen = excluded.seen",
	[ST_PEER_FORGET] = "DELETE FROM peers WHERE addr = ?",
	[ST_PEERS] = "SELECT addr, name, nick, kind FROM peers ORDER BY seen",
	[ST_INDEX] = "INSERT INTO messages_fts(rowid, text)"
	    " SELECT id, text FROM messages WHERE id > ? AND id <= ?",
	[ST_INDEX_MARK] = "UPDATE meta SET value = ? WHERE key = 'fts_upto'",
	[ST_QUEUED_FROM] = "INSERT OR REPLACE INTO meta VALUES"
	    " ('queued_from', ?)",
	[ST_DELIVERED] = "UPDATE messages SET state = 1"
	    " WHERE id BETWEEN ? AND ?",
	[ST_RESERVE_IDS] = "INSERT OR REPLACE INTO meta VALUES ('ids_from', ?)",
	[ST_ADD_ROWS] = "INSERT INTO messages(" ADD_COLUMNS ") VALUES "
	    ADD_VALUES16,
};

/* A row waiting in the batch: the strings follow in one allocation. */
struct batch_row {
	int64_t		 id;
	int64_t		 time;
	int		 outgoing;
	int		 state;
	const char	*peer;
	const char	*nick;		/* may be NULL */
	const char	*text;
	char		*strings;
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
	uint64_t	 uid;
	char		*path;
};

const char *
store_error(const struct store *s)
{
	return sqlite3_errmsg(s->db);
}

const char *
store_path(const struct store *s)
{
	return s->path;
}

uint64_t
store_user_id(const struct store *s)
{
	return s->uid;
}

static int64_t
now_ms(void)
{
	uv_timeval64_t	 tv;

	if (uv_gettimeofday(&tv) != 0)
		return 0;
	return tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static int
sql_error(void)
{
	return UV_EIO;
}

static int	 run(struct store *, sqlite3_stmt *);
static int	 begin(struct store *);

static void
bind_row(sqlite3_stmt *st, int base, const struct batch_row *row)
{
	sqlite3_bind_int64(st, base + 1, row->id);
	sqlite3_bind_text(st, base + 2, row->peer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, base + 3, row->time);
	sqlite3_bind_int(st, base + 4, row->outgoing);
	if (row->nick != NULL)
		sqlite3_bind_text(st, base + 5, row->nick, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, base + 5);
	sqlite3_bind_text(st, base + 6, row->text, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, base + 7, row->state);
}

/* Insert the rows waiting in the batch: sixteen in one statement. */
static int
batch_flush(struct store *s)
{
	sqlite3_stmt	*st;
	int		 i, r = 0;

	if (s->nbatch == STORE_BATCH) {
		st = s->st[ST_ADD_ROWS];
		for (i = 0; i < STORE_BATCH; i++)
			bind_row(st, i * ADD_PARAMS, &s->batch[i]);
		r = run(s, st);
	} else {
		st = s->st[ST_ADD_ROW];
		for (i = 0; i < s->nbatch && r == 0; i++) {
			bind_row(st, 0, &s->batch[i]);
			r = run(s, st);
		}
	}
	for (i = 0; i < s->nbatch; i++)
		free(s->batch[i].strings);
	s->nbatch = 0;
	return r;
}

/*
 * Rows wait in a batch of sixteen, inserted with one statement (a third
 * of the cost of one each), and are in the table before anything reads
 * or changes it and at the commit. Their ids are given out at once.
 */
static int
batch_add(struct store *s, int64_t id, const char *peer, const char *nick,
    const char *text, int outgoing, int state)
{
	struct batch_row	*row;
	size_t			 np = strlen(peer) + 1, nt = strlen(text) + 1;
	size_t			 nn = nick != NULL ? strlen(nick) + 1 : 0;
	int			 r;

	if (s->nbatch == STORE_BATCH && (r = batch_flush(s)) != 0)
		return r;
	row = &s->batch[s->nbatch];
	if ((row->strings = malloc(np + nn + nt)) == NULL)
		return UV_ENOMEM;
	row->peer = memcpy(row->strings, peer, np);
	row->text = memcpy(row->strings + np, text, nt);
	row->nick = nick != NULL ? memcpy(row->strings + np + nt, nick, nn) :
	    NULL;
	row->id = id;
	row->time = now_ms();
	row->outgoing = outgoing;
	row->state = state;
	s->nbatch++;
	return 0;
}

/*
 * Ids go on the wire before their rows are committed (a peer
 * deduplicates on them), so they are reserved on disk a block at a time:
 * after a crash the next run starts past every id that may have been
 * used. Committing what is open first keeps the reservation on its own.
 */
static int
reserve_ids(struct store *s)
{
	sqlite3_stmt	*st = s->st[ST_RESERVE_IDS];
	int		 was_in_tx = s->in_tx, r;

	if (was_in_tx && (r = store_commit(s)) != 0)
		return r;
	sqlite3_bind_int64(st, 1, s->next_id + STORE_ID_BLOCK);
	if ((r = run(s, st)) != 0)
		return r;
	s->ids_upto = s->next_id + STORE_ID_BLOCK;
	return was_in_tx ? begin(s) : 0;
}

static int
take_id(struct store *s, int64_t *id)
{
	int	 r;

	if (s->next_id >= s->ids_upto && (r = reserve_ids(s)) != 0)
		return r;
	*id = s->last_row = s->next_id++;
	return 0;
}

/* Write out the rows and deliveries held back. */
static int
settle(struct store *s)
{
	sqlite3_stmt	*st = s->st[ST_DELIVERED];
	int		 i, r;

	if ((r = batch_flush(s)) != 0)
		return r;
	for (i = 0; i < s->ndelivered && r == 0; i++) {
		sqlite3_bind_int64(st, 1, s->delivered[i].lo);
		sqlite3_bind_int64(st, 2, s->delivered[i].hi);
		r = run(s, st);
	}
	s->ndelivered = 0;
	return r;
}

/* Writes share one transaction until the end of the loop turn. */
static int
begin(struct store *s)
{
	if (s->in_tx)
		return 0;
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return sql_error();
	s->in_tx = 1;
	return 0;
}

int
store_in_tx(const struct store *s)
{
	return s->in_tx;
}

int
store_commit(struct store *s)
{
	int	 r;

	if (!s->in_tx)
		return 0;
	if ((r = settle(s)) != 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->in_tx = 0;
		s->queued_from = INT64_MAX;
		return r;
	}
	s->in_tx = 0;
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->queued_from = INT64_MAX;	/* its mark is gone too */
		return sql_error();
	}
	/*
	 * Quiet times checkpoint (store_checkpoint); a long chat or flood,
	 * here. A pause costs a few ms however small the log, and copying
	 * it back costs as many pages as it holds different ones: a log of
	 * small commits (a chat) rewrites the same few pages, and may grow
	 * long, so pauses are rare; large ones (a flood) add new pages, and
	 * are copied back every 4 MiB, so each pause stays short.
	 */
	s->wal_commits++;
	if (s->wal_pages >= STORE_WAL_PAGES_MAX ||
	    (s->wal_pages >= STORE_WAL_FLOOD_PAGES &&
	    s->wal_pages >= STORE_WAL_SMALL_COMMIT * s->wal_commits))
		return store_checkpoint(s);
	return 0;
}

/*
 * Copy the log into the database. SQLite would do it on the commit that
 * passes 1000 pages, in the middle of a flood; done when quiet instead,
 * a page written many times over is copied once.
 */
int
store_checkpoint(struct store *s)
{
	if (s->in_tx || s->wal_pages == 0)
		return 0;
	if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL) != SQLITE_OK)
		return sql_error();
	s->wal_pages = s->wal_commits = 0;
	return 0;
}

static int
wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store	*s = arg;

	(void)db;
	(void)name;
	s->wal_pages = pages;
	return SQLITE_OK;
}

static int
migrate(struct store *s, char **cause)
{
	sqlite3_stmt	*st;
	int		 version, v;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return -1;
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > SCHEMA_VERSION) {
		if (asprintf(cause, "%s was written by a newer uvqq (schema %d, "
		    "this one knows %d)", s->path, version, SCHEMA_VERSION) < 0)
			*cause = NULL;
		return UV_EPROTO;
	}
	for (v = version; v < SCHEMA_VERSION; v++) {
		char	*sql;

		if (asprintf(&sql, "BEGIN; %s PRAGMA user_version = %d; COMMIT;",
		    migrations[v], v + 1) < 0)
			return UV_ENOMEM;
		if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
			free(sql);
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		free(sql);
	}
	return 0;
}

/* Our user id: made once, kept in the database, sent in every HELLO. */
static int
load_user_id(struct store *s)
{
	sqlite3_stmt	*st;
	int64_t		 v = 0;
	int		 r;

	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = "
	    "'uid'", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	while (v == 0) {
		if ((r = uv_random(NULL, NULL, &v, sizeof v, 0, NULL)) != 0)
			return r;
	}
	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO meta VALUES "
	    "('uid', ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, v);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	s->uid = (uint64_t)v;
	return r;
}

static int
load_marks(struct store *s)
{
	sqlite3_stmt	*st;
	int		 r = -1;

	if (sqlite3_prepare_v2(s->db, "SELECT (SELECT CAST(value AS INTEGER)"
	    " FROM meta WHERE key = 'fts_upto'), (SELECT coalesce(max(id), 0)"
	    " FROM messages), (SELECT coalesce(CAST(value AS INTEGER), 0)"
	    " FROM meta WHERE key = 'ids_from')", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		s->fts_upto = sqlite3_column_int64(st, 0);
		s->last_row = sqlite3_column_int64(st, 1);
		/* A crash may have lost rows whose ids were already sent. */
		s->next_id = s->last_row + 1;
		if (s->next_id < sqlite3_column_int64(st, 2))
			s->next_id = sqlite3_column_int64(st, 2);
		s->ids_upto = s->next_id;
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

static int
make_dirs(const char *dir)
{
	char	*p, *copy;

	if ((copy = strdup(dir)) == NULL)
		return UV_ENOMEM;
	for (p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
			free(copy);
			return -errno;
		}
		*p = '/';
	}
	free(copy);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int
store_open(struct store **out, const char *dir, char **cause)
{
	struct store	*s;
	char		*lockpath = NULL;
	int		 r, i;

	*cause = NULL;
	*out = NULL;
	if ((r = make_dirs(dir)) != 0) {
		if (asprintf(cause, "cannot create %s: %s", dir,
		    uv_strerror(r)) < 0)
			*cause = NULL;
		return r;
	}
	if ((s = calloc(1, sizeof *s)) == NULL)
		return UV_ENOMEM;
	s->lockfd = -1;
	if (asprintf(&s->path, "%s/uvqq.db", dir) < 0 ||
	    asprintf(&lockpath, "%s/lock", dir) < 0) {
		free(s->path);
		free(s);
		return UV_ENOMEM;
	}
	/* Two uvqq on one database would be one user twice over. */
	s->lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lockpath);
	if (s->lockfd < 0 || flock(s->lockfd, LOCK_EX | LOCK_NB) != 0) {
		r = s->lockfd < 0 ? -errno : UV_EBUSY;
		if (asprintf(cause, "%s is in use by another uvqq (%s)", dir,
		    uv_strerror(r)) < 0)
			*cause = NULL;
		goto fail;
	}
	/*
	 * One thread uses SQLite: no mutexes, and no allocation statistics
	 * (they take a global mutex on every malloc and free). Only possible
	 * before SQLite's first use, so later calls fail, harmlessly.
	 */
	sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_busy_timeout(s->db, 2000);
	/* WAL with NORMAL sync: a commit survives a crash of the process. */
	if (sqlite3_exec(s->db, "PRAGMA journal_mode = WAL; "
	    "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON",
	    NULL, NULL, NULL) != SQLITE_OK)
		goto sqlfail;
	/* Replaces SQLite's checkpoint on commit: see store_checkpoint. */
	sqlite3_wal_hook(s->db, wal_hook, s);
	s->queued_from = INT64_MAX;
	if ((r = migrate(s, cause)) != 0) {
		if (*cause != NULL)
			goto fail;
		goto sqlfail;
	}
	if (load_user_id(s) != 0 || load_marks(s) != 0)
		goto sqlfail;
	for (i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(s->db, statements[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK)
			goto sqlfail;
	}
	if (reserve_ids(s) != 0)
		goto sqlfail;
	*out = s;
	return 0;

sqlfail:
	r = UV_EIO;
	if (asprintf(cause, "cannot use %s: %s", s->path,
	    s->db != NULL ? sqlite3_errmsg(s->db) : "out of memory") < 0)
		*cause = NULL;
fail:
	store_close(s);
	return r != 0 ? r : UV_EIO;
}

void
store_close(struct store *s)
{
	int	 i;

	if (s == NULL)
		return;
	store_commit(s);
	for (i = 0; i < s->nbatch; i++)
		free(s->batch[i].strings);
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	if (s->lockfd >= 0)
		close(s->lockfd);
	free(s->path);
	free(s);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *text)
{
	if (text == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
}

/* Step a write statement to its end and reset it. */
static int
run(struct store *s, sqlite3_stmt *st)
{
	int	 r;

	r = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	(void)s;
	return r == SQLITE_DONE ? 0 : sql_error();
}

/*
 * Make up to max_rows more rows searchable. Indexing trigrams is most of
 * the cost of storing a message, so it is not done as messages arrive but
 * in batches when uvqq is otherwise quiet, and before a search.
 */
int
store_index_some(struct store *s, int max_rows)
{
	sqlite3_stmt	*st = s->st[ST_INDEX];
	int64_t		 upto;
	int		 r;

	if (s->fts_upto >= s->last_row)
		return 0;
	upto = s->last_row - s->fts_upto > max_rows ?
	    s->fts_upto + max_rows : s->last_row;
	if ((r = begin(s)) != 0 || (r = settle(s)) != 0)
		return r;
	sqlite3_bind_int64(st, 1, s->fts_upto);
	sqlite3_bind_int64(st, 2, upto);
	if ((r = run(s, st)) != 0)
		return r;
	st = s->st[ST_INDEX_MARK];
	sqlite3_bind_int64(st, 1, upto);
	if ((r = run(s, st)) != 0)
		return r;
	s->fts_upto = upto;
	return 0;
}

int
store_unindexed(const struct store *s)
{
	return s->fts_upto < s->last_row;
}

/*
 * Row id is handed to net (state 0): remember the lowest such id of the
 * run, so that after a crash store_park_queued finds them by id range
 * rather than through an index that every message would pay for.
 */
static int
mark_queued(struct store *s, int64_t id)
{
	sqlite3_stmt	*st = s->st[ST_QUEUED_FROM];

	if (id >= s->queued_from)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	if (run(s, st) != 0)
		return sql_error();
	s->queued_from = id;
	return 0;
}

int
store_add_out(struct store *s, const char *peer, const char *nick,
    const char *text, int state, int64_t *id)
{
	int	 r;

	if ((r = begin(s)) != 0 || (r = take_id(s, id)) != 0 ||
	    (r = batch_add(s, *id, peer, nick, text, 1, state)) != 0)
		return r;
	return state == MSG_QUEUED ? mark_queued(s, *id) : 0;
}

int
store_add_in(struct store *s, const char *peer, const char *nick,
    const char *text, uint64_t uid, uint64_t msgid, int *duplicate,
    int64_t *rowid)
{
	sqlite3_stmt	*st = s->st[ST_ADD_IN];
	int64_t		 id;
	int		 r;

	*duplicate = 0;
	*rowid = 0;
	if ((r = begin(s)) != 0 || (r = take_id(s, &id)) != 0)
		return r;
	/* Plain peers have no ids: every line of theirs is new. */
	if (uid == 0) {
		if ((r = batch_add(s, id, peer, nick, text, 0,
		    MSG_RECEIVED)) != 0)
			return r;
		*rowid = id;
		return 0;
	}
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, peer);
	sqlite3_bind_int64(st, 3, now_ms());
	bind_text(st, 4, nick);
	bind_text(st, 5, text);
	sqlite3_bind_int64(st, 6, (int64_t)uid);
	sqlite3_bind_int64(st, 7, (int64_t)msgid);
	if ((r = run(s, st)) != 0)
		return r;
	if ((*duplicate = sqlite3_changes(s->db) == 0))
		return 0;	/* its id stays unused: ids need not be dense */
	*rowid = id;
	return 0;
}

int
store_set_state(struct store *s, int64_t id, int state)
{
	sqlite3_stmt	*st = s->st[ST_SET_STATE];
	int		 r, n;

	if ((r = begin(s)) != 0)
		return r;
	/* Deliveries wait for the commit in runs of consecutive ids (a
	 * burst is acknowledged in order): one UPDATE a run. */
	if (state == MSG_DELIVERED) {
		n = s->ndelivered;
		if (n > 0 && id == s->delivered[n - 1].hi + 1) {
			s->delivered[n - 1].hi = id;
			return 0;
		}
		if (n == STORE_DELIVERED_RUNS && (r = settle(s)) != 0)
			return r;
		n = s->ndelivered++;
		s->delivered[n].lo = s->delivered[n].hi = id;
		return 0;
	}
	if ((r = settle(s)) != 0)
		return r;
	sqlite3_bind_int(st, 1, state);
	sqlite3_bind_int64(st, 2, id);
	if ((r = run(s, st)) != 0)
		return r;
	return state == MSG_QUEUED ? mark_queued(s, id) : 0;
}

int
store_park_queued(struct store *s)
{
	if (sqlite3_exec(s->db, "BEGIN; UPDATE messages SET state = 2"
	    " WHERE id >= (SELECT value FROM meta WHERE key = 'queued_from')"
	    " AND state = 0; DELETE FROM meta WHERE key = 'queued_from';"
	    " COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return sql_error();
	}
	return 0;
}

/* Run a query bound by the caller and hand each row to cb. */
static int
each_row(struct store *s, sqlite3_stmt *st, store_row_cb cb, void *arg)
{
	struct store_row	 row;
	int			 r;

	if ((r = settle(s)) != 0) {
		sqlite3_clear_bindings(st);
		return r;
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		row.rowid = sqlite3_column_int64(st, 0);
		row.time = sqlite3_column_int64(st, 1);
		row.peer = (const char *)sqlite3_column_text(st, 2);
		row.nick = (const char *)sqlite3_column_text(st, 3);
		row.text = (const char *)sqlite3_column_text(st, 4);
		row.outgoing = sqlite3_column_int(st, 5);
		row.state = sqlite3_column_int(st, 6);
		row.msgid = row.outgoing ? (uint64_t)row.rowid :
		    (uint64_t)sqlite3_column_int64(st, 7);
		if (row.peer == NULL || row.text == NULL)
			continue;
		cb(arg, &row);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r == SQLITE_DONE ? 0 : sql_error();
}

int
store_parked(struct store *s, const char *peer, store_row_cb cb, void *arg)
{
	sqlite3_stmt	*st = s->st[ST_PARKED];

	bind_text(st, 1, peer);
	return each_row(s, st, cb, arg);
}

int
store_count_parked(struct store *s, const char *peer)
{
	sqlite3_stmt	*st = s->st[ST_COUNT_PARKED];
	int		 n = 0;

	if (settle(s) != 0)
		return 0;
	bind_text(st, 1, peer);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return n;
}

int
store_history(struct store *s, const char *peer, int64_t before, int limit,
    store_row_cb cb, void *arg)
{
	sqlite3_stmt	*st = s->st[ST_HISTORY];

	bind_text(st, 1, peer);
	sqlite3_bind_int64(st, 2, before > 0 ? before : INT64_MAX);
	sqlite3_bind_int(st, 3, limit);
	return each_row(s, st, cb, arg);
}

int
store_search(struct store *s, const char *text, int limit, store_row_cb cb,
    void *arg)
{
	sqlite3_stmt	*st;
	const char	*p;
	char		*phrase, *q;
	size_t		 chars = 0, n;
	uint32_t	 cp;
	int		 r;

	for (p = text; *p != '\0'; p += n, chars++) {
		if ((n = utf8_decode(p, strlen(p), &cp)) == 0)
			return UV_EINVAL;
	}
	/* Everything stored so far is searched, however recent. */
	while (store_unindexed(s)) {
		if ((r = store_index_some(s, 10000)) != 0)
			return r;
	}
	if ((r = store_commit(s)) != 0)
		return r;
	if (chars < 3) {
		st = s->st[ST_SEARCH_SCAN];
		bind_text(st, 1, text);
		sqlite3_bind_int(st, 2, limit);
		return each_row(s, st, cb, arg);
	}
	/* One FTS5 phrase: "..." with every " doubled. */
	if ((phrase = malloc(strlen(text) * 2 + 3)) == NULL)
		return UV_ENOMEM;
	q = phrase;
	*q++ = '"';
	for (p = text; *p != '\0'; p++) {
		if (*p == '"')
			*q++ = '"';
		*q++ = *p;
	}
	*q++ = '"';
	*q = '\0';
	st = s->st[ST_SEARCH_FTS];
	sqlite3_bind_text(st, 1, phrase, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, limit);
	r = each_row(s, st, cb, arg);
	free(phrase);
	return r;
}

int
store_peer_save(struct store *s, const struct store_peer *p)
{
	sqlite3_stmt	*st = s->st[ST_PEER_SAVE];
	int		 r;

	if ((r = begin(s)) != 0)
		return r;
	bind_text(st, 1, p->addr);
	bind_text(st, 2, p->name);
	bind_text(st, 3, p->nick);
	sqlite3_bind_int(st, 4, p->kind);
	sqlite3_bind_int64(st, 5, now_ms());
	return run(s, st);
}

int
store_peer_forget(struct store *s, const char *addr)
{
	sqlite3_stmt	*st = s->st[ST_PEER_FORGET];
	int		 r;

	if ((r = begin(s)) != 0)
		return r;
	bind_text(st, 1, addr);
	return run(s, st);
}

int
store_peers(struct store *s, store_peer_cb cb, void *arg)
{
	sqlite3_stmt		*st = s->st[ST_PEERS];
	struct store_peer	 p;
	int			 r;

	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		p.addr = (const char *)sqlite3_column_text(st, 0);
		p.name = (const char *)sqlite3_column_text(st, 1);
		p.nick = (const char *)sqlite3_column_text(st, 2);
		p.kind = sqlite3_column_int(st, 3);
		if (p.addr != NULL)
			cb(arg, &p);
	}
	sqlite3_reset(st);
	return r == SQLITE_DONE ? 0 : sql_error();
}
