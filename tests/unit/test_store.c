/* test_store.c: the message store's promises, on a real database. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/scratch.h"
#include <sqlite3.h>

#include "src/store.h"

#define PEER	"127.0.0.1:4000"
#define ROWS_MAX 64

struct rows {
	int64_t		 id[ROWS_MAX];
	int		 state[ROWS_MAX];
	char		 text[ROWS_MAX][32];
	int		 n;
};

static void
collect(void *arg, const struct store_row *row)
{
	struct rows	*r = arg;

	if (r->n == ROWS_MAX)
		return;
	r->id[r->n] = row->rowid;
	r->state[r->n] = row->state;
	snprintf(r->text[r->n], sizeof r->text[r->n], "%s", row->text);
	r->n++;
}

static int	 count_found(struct store *, const char *, int, const char *);

/* The forked child that crashed on purpose did what it had to first. */
static void
child_exited_well(pid_t pid)
{
	int	 status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static struct store *
open_store(const char *dir)
{
	struct store	*s;
	char		*cause = NULL;

	if (store_open(&s, dir, &cause) != 0)
		fail_msg("store_open: %s", cause != NULL ? cause : "?");
	return s;
}

/*
 * A message may go out before the commit that stores it; a crash then
 * loses the row. Its id must never be given to another message, which
 * the peer would take for the one it has.
 */
static void
test_ids_of_lost_rows_are_not_used_again(void **state)
{
	const char	*dir = *state;
	struct store	*s;
	struct rows	 r = { .n = 0 };
	int64_t		 lost[3] = { 0 }, id;
	int		 fds[2], i;
	pid_t		 pid;

	assert_int_equal(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		s = open_store(dir);
		for (i = 0; i < 3; i++)
			store_add_out(s, PEER, "me", "lost", MSG_QUEUED,
			    &lost[i]);
		if (write(fds[1], lost, sizeof lost) != sizeof lost)
			_exit(1);
		_exit(0);	/* a crash: nothing committed */
	}
	assert_true(pid > 0);
	assert_int_equal(read(fds[0], lost, sizeof lost), sizeof lost);
	child_exited_well(pid);
	close(fds[0]);
	close(fds[1]);

	s = open_store(dir);
	assert_int_equal(store_add_out(s, PEER, "me", "after", MSG_QUEUED,
	    &id), 0);
	for (i = 0; i < 3; i++)
		assert_true(id > lost[i]);
	assert_int_equal(store_history(s, PEER, 0, 10, collect, &r), 0);
	assert_int_equal(r.n, 1);	/* the lost rows are gone */
	assert_string_equal(r.text[0], "after");
	store_close(s);
}

/*
 * What store_journal published is durable without a commit: a kill -9
 * before the SQLite commit loses none of it (rows of ours and theirs, a
 * delivered mark, a duplicate of theirs still one row), and the next
 * start finds them, searchable. What was written after it was not
 * published, and is gone.
 */
static void
test_the_journal_keeps_what_it_published(void **state)
{
	const char	*dir = *state;
	struct store	*s;
	struct rows	 r = { .n = 0 };
	int64_t		 ids[4] = { 0 }, rowid;
	int		 fds[2], dup;
	pid_t		 pid;

	assert_int_equal(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		s = open_store(dir);
		if (store_add_out(s, PEER, "me", "ours 你好", MSG_QUEUED,
		    &ids[0]) != 0 || store_add_in(s, PEER, "bob",
		    "theirs 世界", 7, 42, &dup, &ids[1]) != 0 ||
		    store_commit(s) != 0)
			_exit(1);
		/* In the journal only: */
		if (store_add_out(s, PEER, "me", "second", MSG_QUEUED,
		    &ids[2]) != 0 || store_set_state(s, ids[0],
		    MSG_DELIVERED) != 0 || store_add_in(s, PEER, "bob",
		    "theirs 世界", 7, 42, &dup, &rowid) != 0 ||
		    store_journal(s) != 0 || !store_in_tx(s))
			_exit(2);
		/* Not published: */
		if (store_add_out(s, PEER, "me", "unpublished", MSG_QUEUED,
		    &ids[3]) != 0)
			_exit(3);
		if (write(fds[1], ids, sizeof ids) != sizeof ids)
			_exit(4);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(read(fds[0], ids, sizeof ids), sizeof ids);
	child_exited_well(pid);
	close(fds[0]);
	close(fds[1]);

	s = open_store(dir);
	assert_int_equal(store_history(s, PEER, 0, 10, collect, &r), 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.text[0], "ours 你好");
	assert_int_equal(r.state[0], MSG_DELIVERED);
	assert_string_equal(r.text[1], "theirs 世界");
	assert_string_equal(r.text[2], "second");
	assert_int_equal(r.id[2], ids[2]);
	assert_int_equal(r.state[2], MSG_QUEUED);
	assert_int_equal(count_found(s, "SECOND", 64, "second"), 1);
	assert_int_equal(count_found(s, "unpublished", 64, NULL), 0);
	store_close(s);
	/* Applied once, and the journal emptied: a second start adds none. */
	s = open_store(dir);
	r.n = 0;
	assert_int_equal(store_history(s, PEER, 0, 10, collect, &r), 0);
	assert_int_equal(r.n, 3);
	store_close(s);
}

/* Rows wait in a batch; a read sees them all, in order, at once. */
static void
test_batched_rows_are_read_in_order_before_the_commit(void **state)
{
	struct store	*s = open_store(*state);
	struct rows	 r = { .n = 0 };
	char		 text[32], theirs[40][32];	/* theirs: not copied */
	int64_t		 id;
	int		 i, dup[40];

	for (i = 0; i < 40; i++) {
		snprintf(theirs[i], sizeof theirs[i], "line %d", i);
		if (i % 3 == 0)
			assert_int_equal(store_add_in(s, PEER, NULL, theirs[i],
			    0, 0, &dup[i], &id), 0);
		else
			assert_int_equal(store_add_out(s, PEER, "me", theirs[i],
			    MSG_QUEUED, &id), 0);
	}
	assert_true(store_in_tx(s));
	assert_int_equal(store_history(s, PEER, 0, 100, collect, &r), 0);
	assert_int_equal(r.n, 40);
	for (i = 0; i < 40; i++) {
		snprintf(text, sizeof text, "line %d", i);
		assert_string_equal(r.text[i], text);
		assert_true(i == 0 || r.id[i] > r.id[i - 1]);
	}
	assert_int_equal(store_commit(s), 0);
	store_close(s);
}

/* Sixteen at once: one stored before, one twice among them. */
static void
test_a_full_batch_with_duplicates(struct store *s)
{
	int64_t		 id[16];
	int		 dup[16], i;

	for (i = 0; i < 16; i++)
		assert_int_equal(store_add_in(s, PEER, "bob", "again", 7,
		    i == 3 ? 1 : i == 9 || i == 12 ? 100 : (uint64_t)(200 + i),
		    &dup[i], &id[i]), 0);
	assert_int_equal(store_commit(s), 0);
	for (i = 0; i < 16; i++) {
		assert_int_equal(dup[i], i == 3 || i == 12);
		assert_true((id[i] == 0) == (i == 3 || i == 12));
	}
}

/* Deliveries are written in runs; other states in between stay put. */
static void
test_deliveries_and_other_states_land_on_the_right_rows(void **state)
{
	struct store	*s = open_store(*state);
	struct rows	 r = { .n = 0 };
	int64_t		 id[6];
	int		 i, dup;

	for (i = 0; i < 6; i++)
		assert_int_equal(store_add_out(s, PEER, "me", "m", MSG_QUEUED,
		    &id[i]), 0);
	assert_int_equal(store_add_in(s, PEER, "bob", "theirs", 7, 1, &dup,
	    &id[5]), 0);
	store_set_state(s, id[0], MSG_DELIVERED);
	store_set_state(s, id[1], MSG_DELIVERED);
	store_set_state(s, id[3], MSG_PARKED);
	store_set_state(s, id[2], MSG_DELIVERED);
	store_set_state(s, id[4], MSG_DELIVERED);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(dup, 0);
	assert_int_equal(store_count_parked(s, PEER), 1);
	assert_int_equal(store_history(s, PEER, 0, 10, collect, &r), 0);
	assert_int_equal(r.n, 7);
	assert_int_equal(r.state[0], MSG_DELIVERED);
	assert_int_equal(r.state[1], MSG_DELIVERED);
	assert_int_equal(r.state[2], MSG_DELIVERED);
	assert_int_equal(r.state[3], MSG_PARKED);
	assert_int_equal(r.state[4], MSG_DELIVERED);
	assert_int_equal(r.state[5], MSG_QUEUED);
	assert_int_equal(r.state[6], MSG_RECEIVED);
	/* The same message from the same user again is a duplicate, known
	 * once the batch has gone in; so is one twice in a full batch. */
	assert_int_equal(store_add_in(s, PEER, "bob", "theirs", 7, 1, &dup,
	    &id[0]), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(dup, 1);
	assert_true(id[0] == 0);
	test_a_full_batch_with_duplicates(s);
	store_close(s);
}

/* One message of ours: its id. */
static int64_t
add_one(struct store *s)
{
	int64_t	 id;

	assert_int_equal(store_add_out(s, PEER, "me", "m", MSG_QUEUED, &id),
	    0);
	assert_int_equal(store_commit(s), 0);
	return id;
}

/*
 * Peers know our messages by (user id, message id). A key made now has
 * never been used: ids go on from the database's. The same user id again
 * changes nothing.
 */
static void
test_a_new_user_id_goes_on_with_the_ids(void **state)
{
	struct store	*s = open_store(*state);
	int64_t		 first, id;

	assert_int_equal(store_set_user(s, 0x1111, 1), 0);
	first = add_one(s);
	assert_true(first == 1);
	store_close(s);
	/* Upgraded: the random user id of old gives way to the key's. */
	s = open_store(*state);
	assert_int_equal(store_set_user(s, 0x2222, 1), 0);
	assert_true((id = add_one(s)) == first + 1);
	store_close(s);
	s = open_store(*state);
	assert_int_equal(store_set_user(s, 0x2222, 0), 0);
	assert_true(add_one(s) == id + 1);
	store_close(s);
}

/*
 * A key older than its use here (the database deleted while the key was
 * kept, or the key copied in) may have used any ids elsewhere: ours jump
 * past what a database could have given out, and stay there.
 */
static void
test_an_older_key_new_to_the_database_makes_ids_jump(void **state)
{
	struct store	*s = open_store(*state);
	int64_t		 before, id;

	before = (int64_t)time(NULL) * 1000 * 1000;
	assert_int_equal(store_set_user(s, 0x3333, 0), 0);
	id = add_one(s);
	assert_true(id >= before);
	assert_true(id < ((int64_t)1 << 53));	/* exact in JSON */
	store_close(s);
	s = open_store(*state);
	assert_int_equal(store_set_user(s, 0x3333, 0), 0);
	assert_true(add_one(s) == id + 1);
	store_close(s);
}

/*
 * Made 0644 by older versions: private from the next start. The log and
 * its index stay beside the database after a crash: those too.
 */
static void
test_old_world_readable_files_become_private(void **state)
{
	static const char *const names[] = {
		"uvqq.db", "uvqq.db-wal", "uvqq.db-shm", "lock",
	};
	const char	*dir = *state;
	struct store	*s;
	struct stat	 st;
	char		 path[128];
	size_t		 i;
	pid_t		 pid;

	if ((pid = fork()) == 0) {
		s = open_store(dir);
		add_one(s);
		for (i = 0; i < sizeof names / sizeof names[0]; i++) {
			snprintf(path, sizeof path, "%s/%s", dir, names[i]);
			if (chmod(path, 0644) != 0)
				_exit(1);
		}
		_exit(0);	/* a crash: the -wal and -shm stay */
	}
	assert_true(pid > 0);
	child_exited_well(pid);
	s = open_store(dir);
	add_one(s);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		assert_int_equal(stat(path, &st), 0);
		if ((st.st_mode & 07777) != 0600)
			fail_msg("%s is %04o", names[i],
			    (unsigned)(st.st_mode & 07777));
	}
	store_close(s);
}

/*
 * Schema 7 drops FTS5's index for blocks of rows with Bloom filters:
 * what a schema 6 database held is found again, once each, still without
 * regard to case, and the old index is gone.
 */
static void
test_search_finds_old_rows_after_the_index_is_rebuilt(void **state)
{
	struct store	*s = open_store(*state);
	struct rows	 got = { .n = 0 };
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		*path;
	int64_t		 id;
	int		 i;

	for (i = 0; i < 20; i++)
		assert_int_equal(store_add_out(s, PEER, "me", i % 2 ?
		    "Hello 你好世界" : "other", MSG_QUEUED, &id), 0);
	assert_int_equal(store_commit(s), 0);
	store_close(s);
	/* Back to schema 6: its index, holding every row. */
	assert_true(asprintf(&path, "%s/uvqq.db", (char *)*state) > 0);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE search_blocks;"
	    "CREATE VIRTUAL TABLE messages_fts USING fts5(text,"
	    "  content='messages', content_rowid='id', tokenize='trigram',"
	    "  detail=none, columnsize=0);"
	    "INSERT INTO messages_fts(rowid, text) SELECT id, text"
	    "  FROM messages;"
	    "CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN"
	    "  INSERT INTO messages_fts(messages_fts, rowid, text)"
	    "  VALUES ('delete', old.id, old.text);"
	    "END;"
	    "INSERT INTO meta VALUES ('fts_upto', 20);"
	    "PRAGMA user_version = 6", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	s = open_store(*state);
	assert_int_equal(store_search(s, "hello 你好", 64, collect, &got), 0);
	assert_int_equal(got.n, 10);
	for (i = 0; i < got.n; i++)
		assert_string_equal(got.text[i], "Hello 你好世界");
	store_close(s);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM"
	    " sqlite_master WHERE name LIKE 'messages_fts%' OR"
	    " name = 'messages_ad'", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(path);
}

static int
count_found(struct store *s, const char *word, int limit, const char *each)
{
	struct rows	 got = { .n = 0 };
	int		 i;

	assert_int_equal(store_search(s, word, limit, collect, &got), 0);
	for (i = 0; each != NULL && i < got.n; i++)
		assert_string_equal(got.text[i], each);
	return got.n;
}

/*
 * The index holds no positions: a phrase is found where its trigrams are
 * together and in order, not just all somewhere in the row; case is
 * folded as the index folds it (non-ASCII too); the limit counts only
 * rows that match.
 */
static void
test_search_finds_phrases_not_scattered_trigrams(void **state)
{
	static const char *const texts[] = {
		"abc and def", "xyzabcdef", "HELLO World", "ÉCOLE 学校",
		"say \"hi\" now", "defabc",
	};
	struct store	*s = open_store(*state);
	int64_t		 id;
	size_t		 i;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
		assert_int_equal(store_add_out(s, PEER, "me", texts[i],
		    MSG_QUEUED, &id), 0);
	for (i = 0; i < 30; i++)
		assert_int_equal(store_add_out(s, PEER, "me", i % 2 ?
		    "abcdefg" : "abc-defg", MSG_QUEUED, &id), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(count_found(s, "abcdef", 64, NULL), 16);
	assert_int_equal(count_found(s, "abcdefg", 5, "abcdefg"), 5);
	assert_int_equal(count_found(s, "cdefa", 64, NULL), 0);
	assert_int_equal(count_found(s, "hello w", 64, "HELLO World"), 1);
	assert_int_equal(count_found(s, "école 学", 64, "ÉCOLE 学校"), 1);
	assert_int_equal(count_found(s, "\"hi\"", 64, "say \"hi\" now"), 1);
	assert_int_equal(count_found(s, "efab", 64, "defabc"), 1);
	assert_int_equal(count_found(s, "and", 64, "abc and def"), 1);
	store_close(s);
}

static int
count_blocks(const char *dir)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		*path;
	int		 n;

	assert_true(asprintf(&path, "%s/uvqq.db", dir) > 0);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM"
	    " search_blocks", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(path);
	return n;
}

static int64_t
add_text(struct store *s, const char *fmt, int i)
{
	char	 text[64];
	int64_t	 id;

	snprintf(text, sizeof text, fmt, i);
	assert_int_equal(store_add_out(s, PEER, "me", text, MSG_QUEUED, &id),
	    0);
	return id;
}

/*
 * Rows go in blocks of at most 256, each block written when full; the
 * open one is rebuilt at start from the rows past the last block, also
 * after a crash. A search sees all of them, the newest `limit` in order.
 */
static void
test_search_spans_blocks_and_survives_a_crash(void **state)
{
	const char	*dir = *state;
	struct store	*s;
	struct rows	 got = { .n = 0 };
	int		 i;
	pid_t		 pid;

	if ((pid = fork()) == 0) {
		s = open_store(dir);
		for (i = 0; i < 1000; i++)
			add_text(s, i % 100 == 7 ? "needle %d 在这里" :
			    "hay %d", i);
		if (store_commit(s) != 0)
			_exit(1);
		for (i = 1000; i < 1100; i++)	/* not committed: lost */
			add_text(s, "needle %d 在这里", i);
		_exit(0);
	}
	assert_true(pid > 0);
	child_exited_well(pid);

	s = open_store(dir);
	assert_true(count_blocks(dir) >= 3);
	assert_int_equal(count_found(s, "NEEDLE", 64, NULL), 10);
	assert_int_equal(count_found(s, "在这", 64, NULL), 10);
	assert_int_equal(count_found(s, "在", 64, NULL), 10);
	assert_int_equal(count_found(s, "needle 907 ", 64,
	    "needle 907 在这里"), 1);
	/* Written after the restart, into the block rebuilt then. */
	add_text(s, "needle %d 在这里", 5000);
	assert_int_equal(store_search(s, "needle", 3, collect, &got), 0);
	assert_int_equal(got.n, 3);
	assert_string_equal(got.text[0], "needle 807 在这里");
	assert_string_equal(got.text[1], "needle 907 在这里");
	assert_string_equal(got.text[2], "needle 5000 在这里");
	assert_int_equal(count_found(s, "hay 99", 64, NULL), 11);
	assert_int_equal(count_found(s, "hay 1000", 64, NULL), 0);
	store_close(s);
}

/*
 * A peer's history goes through the blocks' lists of peers (no index on
 * the peer): across blocks, with the open one, in a block of more peers
 * than it lists, before a given row, and after the peer moved.
 */
static void
test_history_spans_blocks_of_many_peers(void **state)
{
	char		 peer[32];
	struct store	*s = open_store(*state);
	struct rows	 r = { .n = 0 };
	int64_t		 id, rare = 0;
	int		 i;

	for (i = 0; i < 700; i++) {
		/* Twelve peers in the third block: more than it lists. */
		snprintf(peer, sizeof peer, "10.0.0.%d:1", i >= 512 &&
		    i < 560 ? i % 12 : i % 2);
		assert_int_equal(store_add_out(s, peer, "me", "x", MSG_QUEUED,
		    &id), 0);
		if (i == 3)
			assert_int_equal(store_add_out(s, "10.0.0.99:1", "me",
			    "rare", MSG_QUEUED, &rare), 0);
	}
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_history(s, "10.0.0.99:1", 0, 10, collect, &r),
	    0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.id[0], rare);
	r.n = 0;
	assert_int_equal(store_history(s, "10.0.0.7:1", 0, 10, collect, &r), 0);
	assert_int_equal(r.n, 4);	/* 523, 535, 547, 559 */
	r.n = 0;
	assert_int_equal(store_history(s, "10.0.0.1:1", 0, 64, collect, &r), 0);
	assert_int_equal(r.n, 64);
	for (i = 1; i < r.n; i++)
		assert_true(r.id[i] > r.id[i - 1]);
	id = r.id[0];
	r.n = 0;
	assert_int_equal(store_history(s, "10.0.0.1:1", id, 60, collect, &r),
	    0);
	assert_int_equal(r.n, 60);
	assert_true(r.id[59] < id);
	for (i = 1; i < r.n; i++)
		assert_true(r.id[i] > r.id[i - 1]);
	store_close(s);

	/* Blocks rebuilt at start keep their peers; a move renames them. */
	s = open_store(*state);
	assert_int_equal(store_peer_move(s, "10.0.0.99:1", "10.0.0.98:1"), 0);
	assert_int_equal(store_commit(s), 0);
	r.n = 0;
	assert_int_equal(store_history(s, "10.0.0.98:1", 0, 10, collect, &r),
	    0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.text[0], "rare");
	r.n = 0;
	assert_int_equal(store_history(s, "10.0.0.99:1", 0, 10, collect, &r),
	    0);
	assert_int_equal(r.n, 0);
	store_close(s);
}

/*
 * Under three characters there is no trigram: two Chinese ones are found
 * by their bigram, anything shorter by reading every row; case is folded
 * there too.
 */
static void
test_search_finds_short_words(void **state)
{
	static const char *const texts[] = {
		"我们明天吃饭吧", "OK then", "Straße", "ok", "饭",
	};
	struct store	*s = open_store(*state);
	int64_t		 id;
	size_t		 i;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
		assert_int_equal(store_add_out(s, PEER, "me", texts[i],
		    MSG_QUEUED, &id), 0);
	assert_int_equal(count_found(s, "吃饭", 64, "我们明天吃饭吧"), 1);
	assert_int_equal(count_found(s, "饭", 64, NULL), 2);
	assert_int_equal(count_found(s, "ok", 64, NULL), 2);
	assert_int_equal(count_found(s, "N", 64, "OK then"), 1);
	assert_int_equal(count_found(s, "STRASSE", 64, NULL), 0);
	assert_int_equal(count_found(s, "STRAßE", 64, "Straße"), 1);
	assert_int_equal(count_found(s, "饭吧", 64, "我们明天吃饭吧"), 1);
	assert_int_equal(count_found(s, "吧饭", 64, NULL), 0);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_ids_of_lost_rows_are_not_used_again, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_the_journal_keeps_what_it_published, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_batched_rows_are_read_in_order_before_the_commit,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_deliveries_and_other_states_land_on_the_right_rows,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_new_user_id_goes_on_with_the_ids, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_an_older_key_new_to_the_database_makes_ids_jump,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_old_world_readable_files_become_private, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_search_finds_old_rows_after_the_index_is_rebuilt,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_search_finds_phrases_not_scattered_trigrams, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_search_spans_blocks_and_survives_a_crash, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_search_finds_short_words, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_history_spans_blocks_of_many_peers, scratch_setup,
		    scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
