/*
 * store_msg.c: messages in the store. Ours and theirs are rows of one
 * table; ids are given out here and reserved on disk ahead of use, rows
 * wait in a batch of sixteen, deliveries in runs of ids, until anything
 * reads or the transaction commits.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <uv.h>

#include "src/store.h"
#include "src/store_int.h"
#include "src/utf8.h"

/* row's nine values at st's parameters base + 1 to base + 9, strings
 * bound in place (SQLITE_STATIC): they must outlive the step. */
void
store_bind_row(sqlite3_stmt *st, int base, const struct batch_row *row)
{
	sqlite3_bind_int64(st, base + 1, row->id);
	sqlite3_bind_text(st, base + 2, row->peer, (int)row->npeer,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, base + 3, row->time);
	sqlite3_bind_int(st, base + 4, row->outgoing);
	if (row->nick != NULL)
		sqlite3_bind_text(st, base + 5, row->nick, (int)row->nnick,
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(st, base + 5);
	sqlite3_bind_text(st, base + 6, row->text, (int)row->ntext,
	    SQLITE_STATIC);
	sqlite3_bind_int(st, base + 7, row->state);
	/* Plain peers and we have no (uid, msgid): every such row is new. */
	if (row->uid != 0) {
		sqlite3_bind_int64(st, base + 8, (int64_t)row->uid);
		sqlite3_bind_int64(st, base + 9, (int64_t)row->msgid);
	} else {
		sqlite3_bind_null(st, base + 8);
		sqlite3_bind_null(st, base + 9);
	}
}

/* A row the INSERT OR IGNORE left out: its message was stored before. */
static void
row_was_duplicate(struct batch_row *row)
{
	if (row->duplicate != NULL)
		*row->duplicate = 1;
	if (row->rowid != NULL)
		*row->rowid = 0;
}

/* After sixteen went in at once and some did not: which ones. */
static int
find_duplicates(struct store *s)
{
	sqlite3_stmt	*st = s->st[ST_ROW_EXISTS];
	int		 i, r;

	for (i = 0; i < s->nbatch; i++) {
		if (s->batch[i].uid == 0)
			continue;
		sqlite3_bind_int64(st, 1, s->batch[i].id);
		r = sqlite3_step(st);
		sqlite3_reset(st);
		if (r == SQLITE_DONE)
			row_was_duplicate(&s->batch[i]);
		else if (r != SQLITE_ROW)
			return store_sql_error();
	}
	return 0;
}

/* Insert the rows waiting in the batch: sixteen in one statement. */
int
store_flush_rows(struct store *s)
{
	sqlite3_stmt	*st;
	int		 i, r = 0;

	if (s->nbatch == STORE_BATCH) {
		st = s->st[ST_ADD_ROWS];
		for (i = 0; i < STORE_BATCH; i++)
			store_bind_row(st, i * ADD_PARAMS, &s->batch[i]);
		if ((r = store_run(s, st)) == 0 &&
		    sqlite3_changes(s->db) != STORE_BATCH)
			r = find_duplicates(s);
	} else {
		st = s->st[ST_ADD_ROW];
		for (i = 0; i < s->nbatch && r == 0; i++) {
			store_bind_row(st, 0, &s->batch[i]);
			if ((r = store_run(s, st)) == 0 &&
			    sqlite3_changes(s->db) == 0)
				row_was_duplicate(&s->batch[i]);
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
 * Borrowed strings are the caller's until the rows are inserted (theirs:
 * before the turn's events are shown, store_settle_theirs); others are
 * copied.
 */
static int
batch_add(struct store *s, int64_t id, const char *peer, const char *nick,
    const char *text, int outgoing, int state, int borrow,
    struct batch_row **added)
{
	struct batch_row	*row;
	size_t			 np = strlen(peer), nt = strlen(text);
	size_t			 nn = nick != NULL ? strlen(nick) : 0;
	int			 r;

	if (s->nbatch == STORE_BATCH && (r = store_flush_rows(s)) != 0)
		return r;
	if ((r = store_search_add(s, id, peer, text, nt)) != 0)
		return r;
	row = &s->batch[s->nbatch];
	row->strings = NULL;
	if (borrow) {
		row->peer = peer;
		row->text = text;
		row->nick = nick;
	} else {
		if ((row->strings = malloc(np + nn + nt + 3)) == NULL)
			return UV_ENOMEM;
		row->peer = memcpy(row->strings, peer, np + 1);
		row->text = memcpy(row->strings + np + 1, text, nt + 1);
		row->nick = nick != NULL ? memcpy(row->strings + np + nt + 2,
		    nick, nn + 1) : NULL;
	}
	row->npeer = np;
	row->ntext = nt;
	row->nnick = nn;
	row->id = id;
	row->time = store_now_ms();
	row->outgoing = outgoing;
	row->state = state;
	row->uid = row->msgid = 0;
	row->duplicate = NULL;
	row->rowid = NULL;
	s->nbatch++;
	if (added != NULL)
		*added = row;
	return 0;
}

/*
 * Ids go on the wire before their rows are committed (a peer
 * deduplicates on them), so they are reserved on disk a block at a time:
 * after a crash the next run starts past every id that may have been
 * used. Committing what is open first keeps the reservation on its own.
 */
int
store_reserve_ids(struct store *s)
{
	sqlite3_stmt	*st = s->st[ST_RESERVE_IDS];
	int		 was_in_tx = s->in_tx, r;

	if (was_in_tx && (r = store_commit(s)) != 0)
		return r;
	sqlite3_bind_int64(st, 1, s->next_id + STORE_ID_BLOCK);
	if ((r = store_run(s, st)) != 0)
		return r;
	s->ids_upto = s->next_id + STORE_ID_BLOCK;
	return was_in_tx ? store_begin(s) : 0;
}

static int
take_id(struct store *s, int64_t *id)
{
	int	 r;

	if (s->next_id >= s->ids_upto && (r = store_reserve_ids(s)) != 0)
		return r;
	*id = s->last_row = s->next_id++;
	return 0;
}

int
store_settle_theirs(struct store *s)
{
	int	 i;

	for (i = 0; i < s->nbatch; i++) {
		if (s->batch[i].duplicate != NULL)
			return store_flush_rows(s);
	}
	return 0;
}

/* Write out the rows and deliveries held back. */
int
store_settle(struct store *s)
{
	sqlite3_stmt	*st = s->st[ST_DELIVERED];
	int		 i, r;

	if ((r = store_flush_rows(s)) != 0)
		return r;
	for (i = 0; i < s->ndelivered && r == 0; i++) {
		sqlite3_bind_int64(st, 1, s->delivered[i].lo);
		sqlite3_bind_int64(st, 2, s->delivered[i].hi);
		r = store_run(s, st);
	}
	s->ndelivered = 0;
	return r;
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
	store_unjournaled(s);
	sqlite3_bind_int64(st, 1, id);
	if (store_run(s, st) != 0)
		return store_sql_error();
	s->queued_from = id;
	return 0;
}

int
store_add_out(struct store *s, const char *peer, const char *nick,
    const char *text, int state, int64_t *id)
{
	struct batch_row	*row;
	int			 r;

	if ((r = store_begin(s)) != 0 || (r = take_id(s, id)) != 0 ||
	    (r = batch_add(s, *id, peer, nick, text, 1, state, 0, &row)) != 0)
		return r;
	store_journal_row(s, row);
	return state == MSG_QUEUED ? mark_queued(s, *id) : 0;
}

int
store_add_in(struct store *s, const char *peer, const char *nick,
    const char *text, uint64_t uid, uint64_t msgid, int *duplicate,
    int64_t *rowid)
{
	struct batch_row	*row;
	int64_t			 id;
	int			 r;

	*duplicate = 0;
	*rowid = 0;
	if ((r = store_begin(s)) != 0 || (r = take_id(s, &id)) != 0 ||
	    (r = batch_add(s, id, peer, nick, text, 0, MSG_RECEIVED, 1,
	    &row)) != 0)
		return r;
	/* Whether it is new is known when the batch goes in. */
	row->uid = uid;
	row->msgid = msgid;
	row->duplicate = duplicate;
	row->rowid = rowid;
	*rowid = id;
	store_journal_row(s, row);
	return 0;
}

int
store_set_state(struct store *s, int64_t id, int state)
{
	sqlite3_stmt	*st = s->st[ST_SET_STATE];
	int		 r, n;

	if ((r = store_begin(s)) != 0)
		return r;
	/* Deliveries wait for the commit in runs of consecutive ids (a
	 * burst is acknowledged in order): one UPDATE a run. */
	if (state == MSG_DELIVERED) {
		store_journal_delivered(s, id);
		n = s->ndelivered;
		if (n > 0 && id == s->delivered[n - 1].hi + 1) {
			s->delivered[n - 1].hi = id;
			return 0;
		}
		if (n == STORE_DELIVERED_RUNS && (r = store_settle(s)) != 0)
			return r;
		n = s->ndelivered++;
		s->delivered[n].lo = s->delivered[n].hi = id;
		return 0;
	}
	if ((r = store_settle(s)) != 0)
		return r;
	store_unjournaled(s);
	sqlite3_bind_int(st, 1, state);
	sqlite3_bind_int64(st, 2, id);
	if ((r = store_run(s, st)) != 0)
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
		return store_sql_error();
	}
	return 0;
}

void
store_row_read(sqlite3_stmt *st, struct store_row *row)
{
	row->rowid = sqlite3_column_int64(st, 0);
	row->time = sqlite3_column_int64(st, 1);
	row->peer = (const char *)sqlite3_column_text(st, 2);
	row->nick = (const char *)sqlite3_column_text(st, 3);
	row->text = (const char *)sqlite3_column_text(st, 4);
	row->outgoing = sqlite3_column_int(st, 5);
	row->state = sqlite3_column_int(st, 6);
	row->msgid = row->outgoing ? (uint64_t)row->rowid :
	    (uint64_t)sqlite3_column_int64(st, 7);
	row->sealed = sqlite3_column_int(st, 8);
}

/* Run a query bound by the caller and hand each row to cb. */
static int
each_row(struct store *s, sqlite3_stmt *st, store_row_cb cb, void *arg)
{
	struct store_row	 row;
	int			 r;

	if ((r = store_settle(s)) != 0) {
		sqlite3_clear_bindings(st);
		return r;
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		store_row_read(st, &row);
		if (row.peer == NULL || row.text == NULL)
			continue;
		cb(arg, &row);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r == SQLITE_DONE ? 0 : store_sql_error();
}

int
store_parked(struct store *s, const char *peer, store_row_cb cb, void *arg)
{
	sqlite3_stmt	*st = s->st[ST_PARKED];

	store_bind_text(st, 1, peer);
	return each_row(s, st, cb, arg);
}

int
store_count_parked(struct store *s, const char *peer)
{
	sqlite3_stmt	*st = s->st[ST_COUNT_PARKED];
	int		 n = 0;

	if (store_settle(s) != 0)
		return 0;
	store_bind_text(st, 1, peer);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return n;
}
