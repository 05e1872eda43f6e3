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
#include "src/store_int.h"

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
	/*
	 * 5: trust on first use (store_trust.c): the identity key seen at
	 * each address, and the name the peer there had; one key may be at
	 * several addresses. verified: accepted with /trust.
	 */
	"CREATE TABLE trust(addr TEXT PRIMARY KEY, key BLOB NOT NULL,"
	"  name TEXT, verified INTEGER NOT NULL, first INTEGER NOT NULL,"
	"  seen INTEGER NOT NULL);",
	/*
	 * 6: the search index at a third of the cost a row (7.2 to 2.1-2.8
	 * us at 300-600k rows): no positions (detail=none; search then
	 * checked a phrase in the rows that hold its trigrams), no per-row
	 * size table (columnsize=0: only bm25 reads it, and search orders
	 * by id), segments merged 16 at a time, not 4 (half the merge
	 * passes). Rebuilt when idle from fts_upto = 0.
	 */
	"DROP TABLE IF EXISTS messages_fts;"
	"CREATE VIRTUAL TABLE messages_fts USING fts5(text,"
	"  content='messages', content_rowid='id', tokenize='trigram',"
	"  detail=none, columnsize=0);"
	"INSERT INTO messages_fts(messages_fts, rank) VALUES ('automerge', 16);"
	"INSERT OR REPLACE INTO meta VALUES ('fts_upto', 0);",
	/*
	 * 7: search by a Bloom filter a row (store_search.c), kept in blocks
	 * of 256 ids with the peers of their rows: a fraction of a us a
	 * message where keeping FTS5's index up cost 2-7. Built from every
	 * row at the next start,
	 */
	"DROP TRIGGER IF EXISTS messages_ad;"
	"DROP TABLE IF EXISTS messages_fts;"
	"DELETE FROM meta WHERE key = 'fts_upto';"
	"CREATE TABLE IF NOT EXISTS search_blocks(first INTEGER PRIMARY KEY,"
	"  last INTEGER NOT NULL, sigs BLOB NOT NULL, peers TEXT);"
	/*
	 * and a peer's history through the blocks' lists of peers: the index
	 * on (peer, id) cost 0.45-0.7 us a message stored, a third of it.
	 */
	"DROP INDEX IF EXISTS messages_peer;",
};
#define SCHEMA_VERSION	(int)(sizeof migrations / sizeof migrations[0])

#define STORE_WAL_FLOOD_PAGES	1024	/* 4 MiB of log from large commits, */
#define STORE_WAL_PAGES_MAX	8192	/* 32 MiB at most */
#define STORE_WAL_SMALL_COMMIT	16	/* pages */
#define STORE_WAL_CHAT_PAGES	2048	/* a chat's log: reused past 8 MiB */

/* Sealed: theirs with a sender's user id (a uvqq peer's), or ours not to
 * a plain peer (MSG_PLAIN). */
#define ROW_COLUMNS "id, time, peer, nick, text, outgoing, state, msgid," \
    " (uid IS NOT NULL OR (outgoing AND state <> 3))"
#define ADD_COLUMNS "id, peer, time, outgoing, nick, text, state, uid, msgid"
#define ADD_VALUES "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define ADD_VALUES2 ADD_VALUES ", " ADD_VALUES
#define ADD_VALUES4 ADD_VALUES2 ", " ADD_VALUES2
#define ADD_VALUES8 ADD_VALUES4 ", " ADD_VALUES4
#define ADD_VALUES16 ADD_VALUES8 ", " ADD_VALUES8
_Static_assert(STORE_BATCH == 16, "ST_ADD_ROWS holds ADD_VALUES16");

static const char *const statements[ST_COUNT] = {
	/* OR IGNORE: a message seen before, (uid, msgid), is not added. */
	[ST_ADD_ROW] = "INSERT OR IGNORE INTO messages(" ADD_COLUMNS ")"
	    " VALUES " ADD_VALUES,
	[ST_ROW_EXISTS] = "SELECT 1 FROM messages WHERE id = ?",
	[ST_SET_STATE] = "UPDATE messages SET state = ? WHERE id = ?",
	[ST_PARKED] = "SELECT " ROW_COLUMNS " FROM messages"
	    " WHERE peer = ? AND state = 2 ORDER BY id",
	[ST_COUNT_PARKED] = "SELECT count(*) FROM messages"
	    " WHERE peer = ? AND state = 2",
	/* A peer's rows in a block, newest first (store_search.c). */
	[ST_HISTORY_RANGE] = "SELECT " ROW_COLUMNS " FROM messages"
	    " WHERE id BETWEEN ?1 AND ?2 AND peer = ?3 ORDER BY id DESC",
	[ST_BLOCKS_PEERS] = "SELECT first, last, peers FROM search_blocks"
	    " WHERE first < ? ORDER BY first DESC",
	/* Peers are listed as \nA\nB\n: a whole address is replaced. */
	[ST_BLOCKS_MOVE] = "UPDATE search_blocks SET peers = replace(peers,"
	    " char(10) || ?1 || char(10), char(10) || ?2 || char(10))"
	    " WHERE instr(peers, char(10) || ?1 || char(10)) > 0",
	/* Search (store_search.c): newest first. */
	[ST_SEARCH_ROW] = "SELECT " ROW_COLUMNS " FROM messages WHERE id = ?",
	[ST_SEARCH_ALL] = "SELECT " ROW_COLUMNS " FROM messages"
	    " ORDER BY id DESC",
	[ST_BLOCKS] = "SELECT first, sigs FROM search_blocks"
	    " ORDER BY first DESC",
	[ST_BLOCKS_UPTO] = "SELECT coalesce(max(last), 0) FROM search_blocks",
	[ST_BLOCK_ROWS] = "SELECT id, text, peer FROM messages WHERE id > ?"
	    " ORDER BY id",
	[ST_BLOCK_ADD] = "INSERT OR REPLACE INTO search_blocks(first, last,"
	    " sigs, peers) VALUES (?, ?, ?, ?)",
	[ST_PEER_SAVE] = "INSERT INTO peers(addr, name, nick, kind, seen)"
	    " VALUES (?, ?, ?, ?, ?) ON CONFLICT(addr) DO UPDATE SET"
	    " name = excluded.name, nick = coalesce(excluded.nick, nick),"
	    " kind = excluded.kind, seen = excluded.seen",
	[ST_PEER_FORGET] = "DELETE FROM peers WHERE addr = ?",
	[ST_PEER_MOVE] = "UPDATE OR REPLACE peers SET addr = ?2 WHERE addr = ?1",
	[ST_PEER_MOVE_MESSAGES] = "UPDATE messages SET peer = ?2 WHERE peer = ?1",
	[ST_PEER_MOVE_TRUST] = "UPDATE OR REPLACE trust SET addr = ?2"
	    " WHERE addr = ?1",
	[ST_PEERS] = "SELECT addr, name, nick, kind FROM peers ORDER BY seen",
	[ST_QUEUED_FROM] = "INSERT OR REPLACE INTO meta VALUES"
	    " ('queued_from', ?)",
	[ST_DELIVERED] = "UPDATE messages SET state = 1"
	    " WHERE id BETWEEN ? AND ?",
	[ST_RESERVE_IDS] = "INSERT OR REPLACE INTO meta VALUES ('ids_from', ?)",
	[ST_ADD_ROWS] = "INSERT OR IGNORE INTO messages(" ADD_COLUMNS ")"
	    " VALUES " ADD_VALUES16,
	[ST_BEGIN] = "BEGIN",
	[ST_COMMIT] = "COMMIT",
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

int64_t
store_now_ms(void)
{
	uv_timeval64_t	 tv;

	if (uv_gettimeofday(&tv) != 0)
		return 0;
	return tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int
store_sql_error(void)
{
	return UV_EIO;
}

/* Writes share one transaction until the end of the loop turn. */
int
store_begin(struct store *s)
{
	if (s->in_tx)
		return 0;
	if (store_run(s, s->st[ST_BEGIN]) != 0)
		return store_sql_error();
	s->in_tx = 1;
	store_journal_begin(s);
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
	if ((r = store_settle(s)) != 0 ||
	    (r = store_run(s, s->st[ST_COMMIT])) != 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->in_tx = 0;
		s->queued_from = INT64_MAX;	/* its mark is gone too */
		s->block_stale = 1;	/* and so may be a block written */
		/* What the journal published was acknowledged: again. */
		store_journal_reapply(s);
		return r;
	}
	s->in_tx = 0;
	store_journal_clear(s);
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
 * A log of small commits (a chat) that grew past STORE_WAL_CHAT_PAGES: a
 * checkpoint now, away from any message's path (store_checkpoint), makes
 * the next commit write the log from its start, over pages the kernel
 * holds. Past its end every commit pays the file's growth: a page cache
 * page and a block for each of its pages, 10-15 us a commit. Its two
 * fdatasyncs take 0.3 ms to several when the kernel is writing back, and
 * a message arriving meanwhile waits: at 8 MiB that is one message in
 * ~500 of a chat (at 1 MiB, one in ~70: the p99 of delivery).
 */
int
store_checkpoint_due(const struct store *s)
{
	return !s->in_tx && s->wal_pages >= STORE_WAL_CHAT_PAGES &&
	    s->wal_pages < STORE_WAL_SMALL_COMMIT * s->wal_commits;
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
		return store_sql_error();
	s->wal_pages = s->wal_commits = 0;
	return 0;
}

int
store_log_pending(const struct store *s)
{
	return s->wal_pages > 0;
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

static int
load_marks(struct store *s)
{
	sqlite3_stmt	*st;
	int		 r = -1;

	if (sqlite3_prepare_v2(s->db, "SELECT (SELECT coalesce(max(id), 0)"
	    " FROM messages), (SELECT coalesce(CAST(value AS INTEGER), 0)"
	    " FROM meta WHERE key = 'ids_from')", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		s->last_row = sqlite3_column_int64(st, 0);
		/* A crash may have lost rows whose ids were already sent. */
		s->next_id = s->last_row + 1;
		if (s->next_id < sqlite3_column_int64(st, 1))
			s->next_id = sqlite3_column_int64(st, 1);
		s->ids_upto = s->next_id;
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

/*
 * Older uvqq made these 0644 (the umask's choice); everything in the data
 * directory is the owner's alone now (main sets umask 077, so new files,
 * SQLite's -wal and -shm too, are 0600). Files not ours are left alone.
 */
static void
make_private(const char *dir)
{
	static const char *const names[] = {
		"uvqq.db", "uvqq.db-wal", "uvqq.db-shm", "uvqq.journal",
	};
	struct stat	 st;
	char		*path;
	size_t		 i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (asprintf(&path, "%s/%s", dir, names[i]) < 0)
			return;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_uid == geteuid() && (st.st_mode & 077) != 0)
			(void)chmod(path, 0600);
		free(path);
	}
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
	struct stat	 st;
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
	if (fstat(s->lockfd, &st) == 0 && (st.st_mode & 077) != 0)
		(void)fchmod(s->lockfd, 0600);
	make_private(dir);
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
	if (store_search_open(s) != 0)
		goto sqlfail;
	for (i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(s->db, statements[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK)
			goto sqlfail;
	}
	/* What the last run acknowledged but did not commit, first. */
	if ((r = store_journal_open(s, dir)) != 0) {
		if (asprintf(cause, "cannot use %s/uvqq.journal: %s", dir,
		    r == UV_EIO ? sqlite3_errmsg(s->db) : uv_strerror(r)) < 0)
			*cause = NULL;
		goto fail;
	}
	if (load_marks(s) != 0 || store_reserve_ids(s) != 0 ||
	    store_search_load(s) != 0)
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

/*
 * A peer knows a message of ours by (our user id, its id) and drops one
 * it has seen: ids must never repeat under one user id. The meta row
 * 'uid' says which user id this database's ids were given out under.
 */
int
store_set_user(struct store *s, uint64_t uid, int new_user)
{
	sqlite3_stmt	*st;
	int64_t		 stored = 0, jump;
	int		 r;

	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = "
	    "'uid'", -1, &st, NULL) != SQLITE_OK)
		return store_sql_error();
	if (sqlite3_step(st) == SQLITE_ROW)
		stored = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if ((uint64_t)stored == uid)
		return 0;
	/*
	 * A key made in this run has no ids anywhere: ours go on. An older
	 * key new to this database (kept while the database was deleted,
	 * or copied from elsewhere) may have used any ids in another one:
	 * jump past what a database could have given out by now.
	 */
	jump = store_now_ms() * STORE_IDS_PER_MS;
	if (!new_user && s->next_id < jump) {
		s->next_id = jump;
		if ((r = store_reserve_ids(s)) != 0)
			return r;
	}
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta VALUES "
	    "('uid', ?)", -1, &st, NULL) != SQLITE_OK)
		return store_sql_error();
	sqlite3_bind_int64(st, 1, (int64_t)uid);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : store_sql_error();
	sqlite3_finalize(st);
	return r;
}

void
store_close(struct store *s)
{
	int	 i;

	if (s == NULL)
		return;
	/* Everything is committed: the next run may start at next_id, not
	 * past the whole reserved block as after a crash. */
	if (store_commit(s) == 0 && s->st[ST_RESERVE_IDS] != NULL &&
	    s->next_id < s->ids_upto) {
		sqlite3_bind_int64(s->st[ST_RESERVE_IDS], 1, s->next_id);
		store_run(s, s->st[ST_RESERVE_IDS]);
	}
	for (i = 0; i < s->nbatch; i++)
		free(s->batch[i].strings);
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	store_journal_close(s);
	store_search_close(s);
	sqlite3_close(s->db);
	if (s->lockfd >= 0)
		close(s->lockfd);
	free(s->path);
	free(s);
}

void
store_bind_text(sqlite3_stmt *st, int i, const char *text)
{
	if (text == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
}

/* Step a write statement to its end and reset it. */
int
store_run(struct store *s, sqlite3_stmt *st)
{
	int	 r;

	r = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	(void)s;
	return r == SQLITE_DONE ? 0 : store_sql_error();
}

int
store_peer_save(struct store *s, const struct store_peer *p)
{
	sqlite3_stmt	*st = s->st[ST_PEER_SAVE];
	int		 r;

	if ((r = store_begin(s)) != 0)
		return r;
	store_unjournaled(s);
	store_bind_text(st, 1, p->addr);
	store_bind_text(st, 2, p->name);
	store_bind_text(st, 3, p->nick);
	sqlite3_bind_int(st, 4, p->kind);
	sqlite3_bind_int64(st, 5, store_now_ms());
	return store_run(s, st);
}

int
store_peer_forget(struct store *s, const char *addr)
{
	sqlite3_stmt	*st = s->st[ST_PEER_FORGET];
	int		 r;

	if ((r = store_begin(s)) != 0)
		return r;
	store_unjournaled(s);
	store_bind_text(st, 1, addr);
	return store_run(s, st);
}

int
store_peer_move(struct store *s, const char *from, const char *to)
{
	static const int	 which[] = { ST_PEER_MOVE, ST_PEER_MOVE_MESSAGES,
				    ST_PEER_MOVE_TRUST };
	sqlite3_stmt		*st;
	size_t			 i;
	int			 r;

	if ((r = store_begin(s)) != 0 || (r = store_settle(s)) != 0)
		return r;
	store_unjournaled(s);
	for (i = 0; i < sizeof which / sizeof which[0]; i++) {
		st = s->st[which[i]];
		store_bind_text(st, 1, from);
		store_bind_text(st, 2, to);
		if ((r = store_run(s, st)) != 0)
			return r;
	}
	return store_search_move(s, from, to);
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
	return r == SQLITE_DONE ? 0 : store_sql_error();
}
