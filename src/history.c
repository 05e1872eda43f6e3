/*
 * history.c: history, the outbox and known peers, on top of store.c.
 *
 * Ours: stored before `sent` is shown, so a kill -9 cannot lose it. A
 * message net/ gives up on is parked and sent again, with the same id,
 * when its peer is back online, also in a later run. Theirs: stored with
 * the sender's user id and message id before it is acknowledged, and shown
 * only the first time (the receiving side's dedup survives restarts).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "net/addr.h"
#include "net/net.h"
#include "src/app.h"
#include "src/cmd.h"
#include "src/history.h"
#include "src/store.h"

#define REPLAY_LINES	20
#define QUIET_MS	100	/* no message stored for this long: quiet */
#define QUIET_WAIT_MS	200
#define WRITE_QUIET_MS	2	/* the SQLite commit after a journaled turn */
#define WRITE_MAX_MS	20

static char *
default_data_dir(void)
{
	const char	*xdg = getenv("XDG_DATA_HOME"), *home;
	char		*dir;

	if (xdg != NULL && *xdg == '/')
		return asprintf(&dir, "%s/uvqq", xdg) < 0 ? NULL : dir;
	if ((home = getenv("HOME")) == NULL || *home == '\0')
		return NULL;
	return asprintf(&dir, "%s/.local/share/uvqq", home) < 0 ? NULL : dir;
}

int
history_open(struct app *app, char **cause)
{
	char	*why = NULL;
	int	 r;

	*cause = NULL;
	if (app->opts.no_history)
		return 0;
	app->data_dir = app->opts.data_dir != NULL ?
	    strdup(app->opts.data_dir) : default_data_dir();
	if (app->data_dir == NULL) {
		if (asprintf(cause, "no data directory: set HOME or use "
		    "--data-dir DIR (or --no-history)") < 0)
			*cause = NULL;
		return UV_EINVAL;
	}
	if ((r = store_open(&app->store, app->data_dir, &why)) != 0) {
		if (asprintf(cause, "history: %s; start with --data-dir "
		    "elsewhere, or --no-history", why != NULL ? why :
		    uv_strerror(r)) < 0)
			*cause = NULL;
		free(why);
		return r;
	}
	/* What net held when the last run ended waits for its peer. */
	if ((r = store_park_queued(app->store)) != 0)
		app_error(app, "history: %s", store_error(app->store));
	uv_timer_init(app->loop, &app->checkpointer);
	app->checkpointer.data = app;
	uv_timer_init(app->loop, &app->writer);
	app->writer.data = app;
	return 0;
}

static void
checkpoint_now_cb(uv_timer_t *t)
{
	struct app	*app = t->data;

	if (app->store != NULL && store_checkpoint(app->store) != 0)
		app_error(app, "history: cannot checkpoint: %s",
		    store_error(app->store));
}

/* Any other log waits until no message has been stored for a moment. */
static void
checkpoint_quiet_cb(uv_timer_t *t)
{
	struct app	*app = t->data;

	if (app->store == NULL)
		return;
	if (uv_now(app->loop) - app->last_write < QUIET_MS) {
		uv_timer_start(t, checkpoint_quiet_cb, QUIET_WAIT_MS, 0);
		return;
	}
	checkpoint_now_cb(t);
}

/*
 * A checkpoint copies the write-ahead log back into the database: two
 * fdatasyncs, a pause of a few ms, never on a message's path. After a
 * turn's commit, its output and its ACKs: a chat's log past 8 MiB
 * (store_checkpoint_due) goes in the next turn, unless a message of ours
 * waits for its ACK (the commit that marks it delivered comes back here);
 * any other log when quiet (store_commit copies a flood's every 4 MiB).
 */
void
history_plan_checkpoint(struct app *app)
{
	uv_timer_t	*t = &app->checkpointer;

	if (app->store == NULL)
		return;
	if (app->net != NULL && net_outstanding(app->net) == 0 &&
	    store_checkpoint_due(app->store))
		uv_timer_start(t, checkpoint_now_cb, 0, 0);
	else if (store_log_pending(app->store) &&
	    !uv_is_active((uv_handle_t *)t))
		uv_timer_start(t, checkpoint_quiet_cb, QUIET_WAIT_MS, 0);
}

void
history_close(struct app *app)
{
	if (app->store != NULL) {
		uv_close((uv_handle_t *)&app->checkpointer, NULL);
		uv_close((uv_handle_t *)&app->writer, NULL);
	}
	store_close(app->store);
	app->store = NULL;
	free(app->data_dir);
	app->data_dir = NULL;
}

static void
restore_one(void *arg, const struct store_peer *sp)
{
	struct app		*app = arg;
	struct sockaddr_storage	 ss;
	struct event		*ev;
	struct peer		*p;
	const char		*why;

	if (addr_parse(sp->addr, &ss, &why) != 0 ||
	    peer_find_by_addrstr(&app->peers, sp->addr) != NULL)
		return;
	if ((p = peer_add(&app->peers, (struct sockaddr *)&ss, sp->addr)) ==
	    NULL)
		return;
	peer_set_name(p, sp->name);
	peer_set_nick(p, sp->nick);
	p->kind = sp->kind == PEER_PLAIN ? PEER_PLAIN : PEER_UVQQ;
	p->state = PEER_OFFLINE;
	/* A uvqq peer is greeted, so parked messages flow when it answers;
	 * a plain one is a person, who gets nothing unasked. */
	if (p->kind == PEER_UVQQ &&
	    net_peer_restore(app->net, (struct sockaddr *)&ss) == 0)
		return;		/* net reports it with EV_PEER */
	if ((ev = evq_new(EV_PEER)) == NULL)
		return;
	memcpy(ev->peer, p->addrstr, sizeof ev->peer);
	ev->peer_kind = p->kind;
	ev->state = p->state;
	event_set_nick(ev, p->nick);
	evq_push(&app->evq, ev);
}

void
history_restore_peers(struct app *app)
{
	if (app->store != NULL && store_peers(app->store, restore_one, app) !=
	    0)
		app_error(app, "history: cannot load peers: %s",
		    store_error(app->store));
}

/* A stored row as a history message event. */
static void
emit_row(void *arg, const struct store_row *row)
{
	struct app	*app = arg;
	struct event	*ev;
	struct peer	*p;

	if ((ev = evq_new(EV_MESSAGE)) == NULL)
		return;
	snprintf(ev->peer, sizeof ev->peer, "%s", row->peer);
	ev->id = row->msgid;
	ev->rowid = row->rowid;
	ev->time = row->time;
	ev->history = 1;
	ev->outgoing = row->outgoing;
	ev->state = row->state;
	ev->secure = row->sealed;
	if ((p = peer_find_by_addrstr(&app->peers, row->peer)) != NULL)
		ev->peer_kind = p->kind;
	if (event_set_nick(ev, row->nick != NULL ? row->nick : row->peer) !=
	    0 || event_set_text(ev, row->text, strlen(row->text)) != 0) {
		evq_free(ev);
		return;
	}
	evq_push(&app->evq, ev);
}

void
history_replay_recent(struct app *app)
{
	struct peer	*p;

	if (app->store == NULL)
		return;
	for (p = app->peers.head; p != NULL; p = p->next)
		store_history(app->store, p->addrstr, 0, REPLAY_LINES,
		    emit_row, app);
}

/* Rows emitted as history messages, and how many. */
struct counted {
	struct app	*app;
	int		 found;
};

static void
counted_row(void *arg, const struct store_row *row)
{
	struct counted	*o = arg;

	o->found++;
	emit_row(o->app, row);
}

int
app_history(struct app *app, struct peer *p, int count, char **cause)
{
	struct counted	 o = { app, 0 };

	if (app->store == NULL)
		return cmd_error(cause, UV_ENOTSUP, "/history: history is off "
		    "(--no-history)");
	if (store_history(app->store, p->addrstr, 0, count, counted_row, &o) !=
	    0)
		return cmd_error(cause, UV_EIO, "/history: %s",
		    store_error(app->store));
	app_info(app, "/history: %d lines with %s", o.found, peer_label(p));
	return 0;
}

void
history_load_older(struct app *app, const struct event *req)
{
	struct counted	 o = { app, 0 };
	struct event	*ev;
	int		 count = req->id > 0 && req->id <= 1000 ?
			    (int)req->id : 100;

	if (app->store != NULL && store_history(app->store, req->peer,
	    req->rowid, count, counted_row, &o) != 0)
		app_error(app, "history: %s", store_error(app->store));
	/* The end of the answer, for the conversation that asked. */
	if ((ev = evq_new(EV_INFO)) == NULL)
		return;
	memcpy(ev->peer, req->peer, sizeof ev->peer);
	if (asprintf(&ev->text, "%d older", o.found) < 0) {
		ev->text = NULL;
		evq_free(ev);
		return;
	}
	evq_push(&app->evq, ev);
}

int
app_search(struct app *app, const char *text, char **cause)
{
	struct counted	 s = { app, 0 };

	if (app->store == NULL)
		return cmd_error(cause, UV_ENOTSUP, "/search: history is off "
		    "(--no-history)");
	if (store_search(app->store, text, 100, counted_row, &s) != 0)
		return cmd_error(cause, UV_EIO, "/search: %s",
		    store_error(app->store));
	app_info(app, "/search %s: %d found", text, s.found);
	return 0;
}

int
history_add_out(struct app *app, struct peer *p, const char *text,
    uint64_t *id)
{
	int64_t	 rowid;
	int	 r;

	if (app->store == NULL) {
		*id = app->next_id++;
		return 0;
	}
	app->last_write = uv_now(app->loop);
	if ((r = store_add_out(app->store, p->addrstr, app->nick, text,
	    p->kind == PEER_PLAIN ? MSG_PLAIN : MSG_QUEUED, &rowid)) != 0)
		return r;
	*id = (uint64_t)rowid;
	return 0;
}

struct resend {
	struct app	*app;
	struct peer	*peer;
};

static void
resend_row(void *arg, const struct store_row *row)
{
	struct resend	*rs = arg;
	struct app	*app = rs->app;
	int		 r;

	r = net_send(app->net, (struct sockaddr *)&rs->peer->addr,
	    row->msgid, row->text, strlen(row->text));
	if (r == 0)
		store_set_state(app->store, row->rowid, MSG_QUEUED);
	else
		app_error(app, "cannot send message %lld again to %s: %s",
		    (long long)row->rowid, rs->peer->addrstr, uv_strerror(r));
}

void
history_save_peer(struct app *app, struct peer *p)
{
	struct store_peer	 sp;

	/* Only once its kind is known: a plain peer kept as uvqq would be
	 * greeted and pinged at every start. */
	if (app->store == NULL || p->state == PEER_PROBING || p->lan_only)
		return;
	sp.addr = p->addrstr;
	sp.name = p->name;
	sp.nick = p->nick;
	sp.kind = p->kind;
	if (store_peer_save(app->store, &sp) != 0)
		app_error(app, "history: cannot keep peer %s: %s", p->addrstr,
		    store_error(app->store));
}

static void
peer_changed(struct app *app, struct event *ev)
{
	struct resend	 rs;
	struct peer	*p;

	if ((p = peer_find_by_addrstr(&app->peers, ev->peer)) == NULL)
		return;
	history_save_peer(app, p);
	/* Held while its key is not the one on record: they were written
	 * for the key we knew, and go only once /trust accepts this one. */
	if (p->kind != PEER_UVQQ || p->state != PEER_ONLINE ||
	    p->trust == TRUST_CHANGED ||
	    store_count_parked(app->store, p->addrstr) == 0)
		return;
	rs.app = app;
	rs.peer = p;
	if (store_parked(app->store, p->addrstr, resend_row, &rs) != 0)
		app_error(app, "history: %s", store_error(app->store));
}

void
history_on_event(struct app *app, struct event *ev)
{
	int	 r = 0;

	if (app->store == NULL || ev->history)
		return;
	switch (ev->kind) {
	case EV_MESSAGE:
		app->last_write = uv_now(app->loop);
		r = store_add_in(app->store, ev->peer, ev->nick, ev->text,
		    ev->uid, ev->id, &ev->duplicate, &ev->rowid);
		break;
	case EV_DELIVERED:
		r = store_set_state(app->store, (int64_t)ev->id,
		    MSG_DELIVERED);
		break;
	case EV_FAILED:
		/* A uvqq peer that went away gets it when it is back. */
		ev->queued = !ev->final && (ev->text == NULL ||
		    strcmp(ev->text, "closed") != 0);
		r = store_set_state(app->store, (int64_t)ev->id,
		    ev->queued ? MSG_PARKED : MSG_FAILED);
		break;
	case EV_PEER:
		peer_changed(app, ev);
		break;
	default:
		break;
	}
	if (r != 0)
		app_error(app, "history: cannot store: %s",
		    store_error(app->store));
}

static void
commit_now(struct app *app)
{
	uv_timer_stop(&app->writer);
	if (store_commit(app->store) != 0)
		app_error(app, "history: cannot commit: %s",
		    store_error(app->store));
}

static void
writer_cb(uv_timer_t *t)
{
	struct app	*app = t->data;

	if (app->store == NULL)
		return;
	/* A turn is under way (its end, history_commit, arms this again):
	 * committing it now would make durable what is not shown yet, and
	 * a kill before it is shown would never report it. */
	if (!store_journal_published(app->store))
		return;
	commit_now(app);
	history_plan_checkpoint(app);
}

/*
 * The end of a loop turn: what it stored must be durable before it is
 * shown or acknowledged. The journal makes it so for a memcpy
 * (store_journal); the SQLite commit then waits until nothing has come
 * for WRITE_QUIET_MS, off every message's path, and at most WRITE_MAX_MS.
 */
void
history_commit(struct app *app)
{
	uint64_t	 now;

	if (app->store == NULL)
		return;
	now = uv_now(app->loop);
	if (store_journal(app->store) == 0) {
		if (!store_in_tx(app->store))
			return;
		if (!uv_is_active((uv_handle_t *)&app->writer))
			app->write_since = now;
		if (now - app->write_since < WRITE_MAX_MS) {
			uv_timer_start(&app->writer, writer_cb, WRITE_QUIET_MS,
			    0);
			return;
		}
	}
	commit_now(app);
}

/* Before the turn's events are shown: which of theirs were seen before. */
void
history_settle(struct app *app)
{
	if (app->store != NULL && store_settle_theirs(app->store) != 0)
		app_error(app, "history: cannot store: %s",
		    store_error(app->store));
}
