/*
 * store_trust.c: trust records in the store, one row per address: the
 * identity key seen there, the name the peer there had, and whether the
 * key was accepted with /trust. trust.c keeps them in memory and decides.
 * They change at first contact and on /trust only: each statement is
 * prepared when used.
 */
#include <sqlite3.h>
#include <uv.h>

#include "src/store.h"
#include "src/store_int.h"

static int
prepare(struct store *s, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
		sqlite3_finalize(*st);
		*st = NULL;
		return store_sql_error();
	}
	return 0;
}

/* Run a prepared write and finalize it. Not in the journal: the
 * transaction that holds it is committed before it is acted on. */
static int
finish(struct store *s, sqlite3_stmt *st)
{
	int	 r;

	store_unjournaled(s);
	r = store_run(s, st);

	sqlite3_finalize(st);
	return r;
}

int
store_trust_save(struct store *s, const struct store_trust *t)
{
	sqlite3_stmt	*st;
	int		 r;

	if ((r = store_begin(s)) != 0 || (r = prepare(s, "INSERT OR REPLACE"
	    " INTO trust(addr, key, name, verified, first, seen)"
	    " VALUES (?, ?, ?, ?, ?, ?)", &st)) != 0)
		return r;
	store_bind_text(st, 1, t->addr);
	sqlite3_bind_blob(st, 2, t->key, STORE_KEY_BYTES, SQLITE_STATIC);
	store_bind_text(st, 3, t->name);
	sqlite3_bind_int(st, 4, t->verified != 0);
	sqlite3_bind_int64(st, 5, t->first);
	sqlite3_bind_int64(st, 6, t->seen);
	return finish(s, st);
}

int
store_trust_forget(struct store *s, const char *addr)
{
	sqlite3_stmt	*st;
	int		 r;

	if ((r = store_begin(s)) != 0 || (r = prepare(s, "DELETE FROM trust"
	    " WHERE addr = ?", &st)) != 0)
		return r;
	store_bind_text(st, 1, addr);
	return finish(s, st);
}

int
store_trust_load(struct store *s, store_trust_cb cb, void *arg)
{
	struct store_trust	 t;
	sqlite3_stmt		*st;
	int			 r;

	if ((r = prepare(s, "SELECT addr, key, name, verified, first, seen"
	    " FROM trust ORDER BY first", &st)) != 0)
		return r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		t.addr = (const char *)sqlite3_column_text(st, 0);
		t.key = sqlite3_column_blob(st, 1);
		/* A row that is not whole is no record (a foreign edit). */
		if (t.addr == NULL || t.key == NULL ||
		    sqlite3_column_bytes(st, 1) != STORE_KEY_BYTES)
			continue;
		t.name = (const char *)sqlite3_column_text(st, 2);
		t.verified = sqlite3_column_int(st, 3);
		t.first = sqlite3_column_int64(st, 4);
		t.seen = sqlite3_column_int64(st, 5);
		cb(arg, &t);
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? 0 : store_sql_error();
}
