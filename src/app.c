/*
 * app.c: the core. It owns the queue and drains it: lines typed in a front
 * end become commands or messages, what net/ reports updates the peer
 * list, and everything worth showing goes on to the front end.
 */
#include <sys/stat.h>

#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/addr.h"
#include "net/net.h"
#include "net/proto.h"
#include "src/app.h"
#include "src/cmd.h"
#include "src/history.h"
#include "src/identity.h"
#include "src/store.h"
#include "src/set.h"
#include "src/trust.h"
#include "src/utf8.h"
#include "ui/ui.h"

/* A /peer whose host name is being looked up. */
struct resolve {
	uv_getaddrinfo_t	 req;
	struct app		*app;
	char			*text;	/* as typed */
	char			*name;
	int			 port;
	int			 select;	/* make it current when found */
};

static void	 app_on_event(void *, struct event *);
static void	 app_finish_cb(uv_timer_t *);
static void	 app_drained(void *);

/* Make p (or nobody) the current peer and tell the front end. */
static void
app_set_current(struct app *app, struct peer *p)
{
	struct event	*ev;

	if (app->current == p)
		return;
	app->current = p;
	if ((ev = evq_new(EV_CURRENT)) == NULL)
		return;
	if (p != NULL) {
		memcpy(ev->peer, p->addrstr, sizeof ev->peer);
		if (p->name != NULL)
			ev->name = strdup(p->name);
	}
	evq_push(&app->evq, ev);
}

static void
emit(struct app *app, enum ev_kind kind, const char *fmt, va_list ap)
{
	struct event	*ev;

	if ((ev = evq_new(kind)) == NULL)
		return;
	if (vasprintf(&ev->text, fmt, ap) < 0) {
		ev->text = NULL;
		evq_free(ev);
		return;
	}
	evq_push(&app->evq, ev);
}

void
app_info(struct app *app, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	emit(app, EV_INFO, fmt, ap);
	va_end(ap);
}

void
app_error(struct app *app, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	emit(app, EV_ERROR, fmt, ap);
	va_end(ap);
}

void
app_option_changed(struct app *app, const char *name, const char *value)
{
	struct event	*ev;

	if ((ev = evq_new(EV_OPTION)) == NULL)
		return;
	if ((ev->name = strdup(name)) == NULL ||
	    event_set_text(ev, value, strlen(value)) != 0) {
		evq_free(ev);
		return;
	}
	evq_push(&app->evq, ev);
}

void
app_default_nick(char *buf, size_t len)
{
	struct passwd	*pw;
	const char	*s = getenv("USER");

	if (s == NULL || *s == '\0' || app_valid_name(s, &(const char *){0}))
		s = (pw = getpwuid(getuid())) != NULL ? pw->pw_name : NULL;
	if (s == NULL || *s == '\0')
		s = "anon";
	snprintf(buf, len, "%s", s);
	/* A login name too long for a nick keeps its first characters. */
	buf[utf8_cut(buf, strlen(buf), PROTO_NICK_MAX)] = '\0';
}

int
app_valid_name(const char *name, const char **cause)
{
	size_t		 len = strlen(name), i, n, chars = 0;
	uint32_t	 cp;

	if (len == 0) {
		*cause = "must not be empty";
		return UV_EINVAL;
	}
	for (i = 0; i < len; i += n, chars++) {
		if ((n = utf8_decode(name + i, len - i, &cp)) == 0) {
			*cause = "must be valid UTF-8";
			return UV_EINVAL;
		}
		if (cp <= ' ' || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
		    cp == 0x3000) {
			*cause = "must not contain spaces or control characters";
			return UV_EINVAL;
		}
	}
	if (chars > APP_NICK_MAX || len > PROTO_NICK_MAX) {
		*cause = "is too long (32 characters at most)";
		return UV_EINVAL;
	}
	return 0;
}

int
app_init(struct app *app, uv_loop_t *loop, const struct app_options *opts,
    struct ui *ui)
{
	int	 r;

	memset(app, 0, sizeof *app);
	app->loop = loop;
	app->opts = *opts;
	app->ui = ui;
	app->next_id = 1;
	snprintf(app->nick, sizeof app->nick, "%s", opts->nick);
	if ((r = evq_init(&app->evq, loop, app_on_event, app)) != 0)
		return r;
	evq_on_drained(&app->evq, app_drained);
	app->held_tail = &app->held;
	if ((r = uv_timer_init(loop, &app->committer)) != 0)
		return r;
	app->committer.data = app;
	return uv_timer_init(loop, &app->linger);
}

struct peer *
app_peer_for(struct app *app, const char *addrstr)
{
	struct sockaddr_storage	 ss;
	struct peer		*p;
	const char		*why;

	if ((p = peer_find_by_addrstr(&app->peers, addrstr)) != NULL)
		return p;
	if (addr_parse(addrstr, &ss, &why) != 0)
		return NULL;
	return peer_add(&app->peers, (struct sockaddr *)&ss, addrstr);
}

void
app_emit_peer(struct app *app, struct peer *p)
{
	struct event	*ev;

	if ((ev = evq_new(EV_PEER)) == NULL)
		return;
	memcpy(ev->peer, p->addrstr, sizeof ev->peer);
	ev->state = p->state;
	ev->peer_kind = p->kind;
	ev->secure = p->has_key;
	memcpy(ev->key, p->key, sizeof ev->key);
	if (p->nick != NULL && event_set_nick(ev, p->nick) != 0) {
		evq_free(ev);
		return;
	}
	evq_push(&app->evq, ev);
}

/*
 * A peer with a key got a name: the same name is the same peer, so its
 * key is looked at again under it (app_check_key) when its peer event,
 * told now, comes through.
 */
static void
app_peer_renamed(struct app *app, struct peer *p)
{
	if (!p->has_key)
		return;
	app_emit_peer(app, p);
	p->has_key = 0;
}

static void
app_info_talking(struct app *app, struct peer *p)
{
	if (strcmp(peer_label(p), p->addrstr) == 0)
		app_info(app, "talking to %s", p->addrstr);
	else
		app_info(app, "talking to %s (%s)", peer_label(p), p->addrstr);
}

/* Add (or find) the peer at a numeric address; maybe make it current. */
static int
app_peer_open_addr(struct app *app, const struct sockaddr *sa,
    const char *name, int select, char **cause)
{
	struct sockaddr_storage	 ss;
	struct peer		*p, *other;
	char			 addrstr[EV_ADDRLEN];
	int			 r;

	memcpy(&ss, sa, addr_len(sa));
	addr_normalize(&ss);
	if ((r = addr_format((struct sockaddr *)&ss, addrstr,
	    sizeof addrstr)) != 0)
		return cmd_error(cause, r, "/peer: %s", uv_strerror(r));
	if (name != NULL && (other = peer_find(&app->peers, name)) != NULL &&
	    strcmp(other->addrstr, addrstr) != 0)
		return cmd_error(cause, UV_EEXIST, "/peer: the name %s is "
		    "taken by %s", name, other->addrstr);
	if ((p = app_peer_for(app, addrstr)) == NULL)
		return cmd_error(cause, UV_ENOMEM, "/peer: out of memory");
	if (name != NULL && peer_set_name(p, name) != 0)
		return cmd_error(cause, UV_ENOMEM, "/peer: out of memory");
	if (name != NULL) {
		history_save_peer(app, p);
		app_peer_renamed(app, p);
	}
	if ((r = net_peer_add(app->net, (struct sockaddr *)&ss)) != 0) {
		if (p->state == PEER_PROBING && p != app->current)
			peer_remove(&app->peers, p);
		if (r == UV_EAFNOSUPPORT)
			return cmd_error(cause, r, "/peer %s: uvqq listens on "
			    "%s, which cannot reach IPv%c addresses (bind :: "
			    "to reach both)", addrstr, net_local_addr(app->net),
			    ss.ss_family == AF_INET ? '4' : '6');
		return cmd_error(cause, r, "/peer %s: %s", addrstr,
		    uv_strerror(r));
	}
	if (select) {
		app_set_current(app, p);
		app_info_talking(app, p);
	}
	return 0;
}

static void
resolve_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct resolve		*rs = req->data;
	struct app		*app = rs->app;
	struct addrinfo		*ai;
	char			*cause = NULL;

	if (status != 0 || app->quitting) {
		if (status != UV_ECANCELED && !app->quitting)
			app_error(app, "/peer %s: cannot resolve: %s", rs->text,
			    uv_strerror(status));
	} else {
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			((struct sockaddr_in *)ai->ai_addr)->sin_port =
			    htons((uint16_t)rs->port);
			if (app_peer_open_addr(app, ai->ai_addr, rs->name,
			    rs->select, &cause) == 0)
				break;
			/* Try the next address; report the last failure. */
			if (ai->ai_next != NULL) {
				free(cause);
				cause = NULL;
			}
		}
		if (cause != NULL)
			app_error(app, "%s", cause);
	}
	free(cause);
	uv_freeaddrinfo(res);
	free(rs->text);
	free(rs->name);
	free(rs);
}

static int
peer_open(struct app *app, const char *text, const char *name, int select,
    char **cause)
{
	struct sockaddr_storage	 ss;
	struct addrinfo		 hints;
	struct resolve		*rs;
	struct peer		*p;
	const char		*why;
	char			 host[ADDR_HOSTLEN];
	int			 port, r;

	if (name != NULL && app_valid_name(name, &why) != 0)
		return cmd_error(cause, UV_EINVAL, "/peer: the name %s", why);
	/* A peer we know, by name, nick or address: select it. */
	if ((p = peer_find(&app->peers, text)) != NULL) {
		if ((r = app_lan_talk(app, p)) != 0)
			return cmd_error(cause, r, "/peer %s: %s", text,
			    uv_strerror(r));
		if (name != NULL && peer_set_name(p, name) != 0)
			return cmd_error(cause, UV_ENOMEM, "out of memory");
		if (name != NULL) {
			history_save_peer(app, p);
			app_peer_renamed(app, p);
		}
		app_set_current(app, p);
		app_info_talking(app, p);
		return 0;
	}
	if (addr_split(text, host, sizeof host, &port, &why) != 0)
		return cmd_error(cause, UV_EINVAL, "/peer %s: %s (expected "
		    "ip:port, [ipv6]:port, host:port or a peer's name)", text,
		    why);
	if (addr_from_host(host, port, &ss) == 0)
		return app_peer_open_addr(app, (struct sockaddr *)&ss, name,
		    select, cause);

	if ((rs = calloc(1, sizeof *rs)) == NULL ||
	    (rs->text = strdup(text)) == NULL ||
	    (name != NULL && (rs->name = strdup(name)) == NULL)) {
		if (rs != NULL)
			free(rs->text);
		free(rs);
		return cmd_error(cause, UV_ENOMEM, "out of memory");
	}
	rs->app = app;
	rs->port = port;
	rs->select = select;
	rs->req.data = rs;
	memset(&hints, 0, sizeof hints);
	/* An IPv4 socket cannot reach IPv6 addresses; an IPv6 one reaches
	 * both (IPv4-mapped). */
	hints.ai_family = net_takes(app->net, AF_INET6) ?
	    (net_takes(app->net, AF_INET) ? AF_UNSPEC : AF_INET6) : AF_INET;
	hints.ai_socktype = SOCK_DGRAM;
	if ((r = uv_getaddrinfo(app->loop, &rs->req, resolve_cb, host, NULL,
	    &hints)) != 0) {
		free(rs->text);
		free(rs->name);
		free(rs);
		return cmd_error(cause, r, "/peer %s: cannot resolve: %s",
		    text, uv_strerror(r));
	}
	return 0;
}

int
app_peer_open(struct app *app, const char *text, const char *name,
    char **cause)
{
	return peer_open(app, text, name, 1, cause);
}

const char *
app_peer_arg(const struct peer *p)
{
	return p->name != NULL ? p->name : p->addrstr;
}

/* Our message id to p, whose key changed, is failed for good. */
static void
app_refused(struct app *app, struct peer *p, uint64_t id)
{
	struct event	*ev;

	if ((ev = evq_new(EV_FAILED)) == NULL)
		return;
	memcpy(ev->peer, p->addrstr, sizeof ev->peer);
	ev->id = id;
	ev->final = 1;
	if (asprintf(&ev->text, "key changed: run /verify %s, then /trust %s",
	    app_peer_arg(p), app_peer_arg(p)) < 0) {
		ev->text = NULL;
		evq_free(ev);
		return;
	}
	evq_push(&app->evq, ev);
}

int
app_send(struct app *app, struct peer *p, const char *text, char **cause)
{
	struct event	*ev;
	size_t		 len = strlen(text);
	uint64_t	 id;
	int		 r;

	if (len > PROTO_MAX_TEXT)
		return cmd_error(cause, UV_EMSGSIZE, "message too long (%zu "
		    "bytes; at most %d)", len, PROTO_MAX_TEXT);
	/* Stored first: `sent` means it survives whatever happens next. */
	if ((r = history_add_out(app, p, text, &id)) != 0)
		return cmd_error(cause, r, "cannot store the message: %s; "
		    "not sent", uv_strerror(r));
	/* Not to a key that is not the one on record: kept, and failed. */
	if (p->trust != TRUST_CHANGED && (r = net_send(app->net,
	    (struct sockaddr *)&p->addr, id, text, len)) != 0)
		return cmd_error(cause, r, "cannot send to %s: %s",
		    p->addrstr, uv_strerror(r));
	if ((ev = evq_new(EV_SENT)) == NULL)
		return 0;
	memcpy(ev->peer, p->addrstr, sizeof ev->peer);
	ev->id = id;
	ev->rowid = app->store != NULL ? (int64_t)id : 0;
	ev->peer_kind = p->kind;
	if (event_set_text(ev, text, len) != 0 ||
	    event_set_nick(ev, app->nick) != 0) {
		evq_free(ev);
		return 0;
	}
	evq_push(&app->evq, ev);
	if (p->trust == TRUST_CHANGED)
		app_refused(app, p, id);
	return 0;
}

int
app_set_nick(struct app *app, const char *nick, char **cause)
{
	struct event	*ev;
	const char	*why;
	int		 r;

	if (app_valid_name(nick, &why) != 0)
		return cmd_error(cause, UV_EINVAL, "/nick: the nick %s", why);
	if ((r = net_set_nick(app->net, nick)) != 0)
		return cmd_error(cause, r, "/nick: %s", uv_strerror(r));
	snprintf(app->nick, sizeof app->nick, "%s", nick);
	if ((ev = evq_new(EV_NICK)) != NULL) {
		if (event_set_nick(ev, nick) != 0)
			evq_free(ev);
		else
			evq_push(&app->evq, ev);
	}
	app_info(app, "you are now known as %s", nick);
	return 0;
}

int
app_peer_close(struct app *app, struct peer *p)
{
	struct event	*ev;

	net_peer_forget(app->net, (struct sockaddr *)&p->addr);
	if ((ev = evq_new(EV_CLOSED)) != NULL) {
		memcpy(ev->peer, p->addrstr, sizeof ev->peer);
		evq_push(&app->evq, ev);
	}
	if (app->store != NULL)
		store_peer_forget(app->store, p->addrstr);
	app_info(app, "forgot %s (%s)", peer_label(p), p->addrstr);
	if (app->current == p)
		app_set_current(app, NULL);
	peer_remove(&app->peers, p);
	return 0;
}

/* One line from a front end: a command, or text for the current peer. */
static void
app_input(struct app *app, const char *line)
{
	char	*cause = NULL;
	int	 r;

	if (!utf8_valid(line, strlen(line))) {
		app_error(app, "input is not valid UTF-8; line ignored");
		return;
	}
	if (line[0] == '\0')
		return;
	if (line[0] == '/' && line[1] != '/')
		r = cmd_execute(app, line, &cause);
	else if (app->current == NULL)
		r = cmd_error(&cause, UV_EINVAL, "no current peer: add one "
		    "with /peer ADDR, or use /msg PEER TEXT");
	else
		r = app_send(app, app->current, line[0] == '/' ? line + 1 :
		    line, &cause);
	if (r != 0)
		app_error(app, "%s", cause != NULL ? cause : uv_strerror(r));
	free(cause);
}

/*
 * A message's seal: text that came sealed is from the key of the peer's
 * session; bare text from the address of a uvqq peer is from anyone who
 * can send from it, and must not pass for that peer's.
 */
static void
app_mark_message(struct peer *p, struct event *ev)
{
	if (ev->history)
		return;
	if (ev->peer_kind == PEER_UVQQ) {
		ev->secure = 1;
		ev->trust = p->trust;
	} else if (p->kind == PEER_UVQQ || p->has_key) {
		ev->unsealed = 1;
		event_set_nick(ev, p->addrstr);
	}
}

/* Keep the core's peer list in step with net/ and name the peer. */
static void
app_track_peer(struct app *app, struct event *ev)
{
	struct peer	*p;

	if ((p = app_peer_for(app, ev->peer)) == NULL)
		return;
	if (ev->kind == EV_PEER && !ev->discovered) {
		/* net has a link to it now: no longer only found. */
		p->lan_only = 0;
		app_lan_check_key(app, p, ev);
	}
	ev->discovered = p->lan;
	if (ev->kind == EV_PEER) {
		/* Named as it was: the nick is the new key's to choose. */
		app_check_key(app, p, ev);
		p->kind = ev->peer_kind;
		p->state = ev->state;
		if (ev->nick != NULL)
			peer_set_nick(p, ev->nick);
		else if (p->nick != NULL)
			event_set_nick(ev, p->nick);	/* from an earlier run */
	}
	if (ev->kind == EV_MESSAGE)
		app_mark_message(p, ev);
	if (ev->unsealed)
		return;		/* not the named peer's, whoever sent it */
	if (p->name != NULL && ev->name == NULL)
		ev->name = strdup(p->name);
	/* A plain peer has no nick of its own: call it what we named it. */
	if (ev->kind == EV_MESSAGE && ev->peer_kind == PEER_PLAIN &&
	    p->name != NULL)
		event_set_nick(ev, p->name);
}

static void
app_check_done(struct app *app)
{
	if (app->quitting && !app->finished && net_outstanding(app->net) == 0)
		uv_timer_start(&app->linger, app_finish_cb, 0, 0);
}

static void
app_on_event(void *arg, struct event *ev)
{
	struct app	*app = arg;

	app->turn_events++;
	switch (ev->kind) {
	case EV_INPUT:
		app->evq.tag = ev->tag;
		if (!app->quitting)
			app_input(app, ev->text != NULL ? ev->text : "");
		app->evq.tag = 0;
		return;
	case EV_INPUT_EOF:
		app_quit(app, APP_LINGER_MS);
		return;
	case EV_LOAD_OLDER:
		app->evq.tag = ev->tag;
		history_load_older(app, ev);
		app->evq.tag = 0;
		return;
	case EV_MOVED:
		app_peer_moved(app, ev);
		break;
	case EV_PEER:
		if (ev->discovered && !app_lan_on_peer(app, ev))
			return;
		/* FALLTHROUGH */
	case EV_MESSAGE:
	case EV_SENT:
	case EV_DELIVERED:
	case EV_FAILED:
		app_track_peer(app, ev);
		history_on_event(app, ev);
		break;
	default:
		break;
	}
	if (ev->kind == EV_DELIVERED || ev->kind == EV_FAILED)
		app_check_done(app);
	/*
	 * While a transaction is open the front end sees nothing: `sent`
	 * must mean stored, and a message shown must be one that is kept.
	 * Everything waits, in order, for the commit.
	 */
	if (app->store != NULL && store_in_tx(app->store)) {
		evq_keep(&app->evq);
		ev->next = NULL;
		*app->held_tail = ev;
		app->held_tail = &ev->next;
		app->nheld++;
		return;
	}
	if (!app->finished)
		app->ui->on_event(app->ui, ev);
}

/*
 * Send what the turn queued (messages travel while we write: their ids
 * are reserved on disk), make what it stored durable, acknowledge it,
 * then show what that made true.
 */
static void
app_commit(struct app *app)
{
	struct event	*ev;

	/*
	 * net_confirm acknowledges every message net has handed over, and
	 * some may still wait in the queue (a commit on the timer runs
	 * before the loop turn drains it): store them first, or a kill -9
	 * right after would lose messages the sender was told are stored.
	 */
	evq_drain(&app->evq);
	if (app->net != NULL)
		net_flush(app->net);
	history_commit(app);
	app->last_commit = uv_now(app->loop);
	uv_timer_stop(&app->committer);
	if (app->net != NULL)
		net_confirm(app->net);
	history_settle(app);
	while ((ev = app->held) != NULL) {
		app->held = ev->next;
		/* A message stored before, now told again: shown once only. */
		if (!app->finished && !ev->duplicate)
			app->ui->on_event(app->ui, ev);
		evq_free(ev);
	}
	app->held_tail = &app->held;
	app->nheld = 0;
	history_plan_checkpoint(app);
}

static void
app_commit_cb(uv_timer_t *t)
{
	app_commit(t->data);
}

/*
 * Once per loop turn, when every event is handled. A turn with a few
 * events commits at once; busy turns (a flood: libuv reads up to 32
 * datagrams a turn) commit every APP_COMMIT_MS, so a flood costs one
 * commit per few milliseconds, not one per loop turn.
 */
static void
app_drained(void *arg)
{
	struct app	*app = arg;
	uint64_t	 since = uv_now(app->loop) - app->last_commit;
	size_t		 turn = app->turn_events;

	app->turn_events = 0;
	if (app->store == NULL || !store_in_tx(app->store) ||
	    turn < APP_BUSY_TURN || since >= APP_COMMIT_MS ||
	    app->nheld >= APP_HELD_MAX) {
		app_commit(app);
		return;
	}
	if (!uv_is_active((uv_handle_t *)&app->committer))
		uv_timer_start(&app->committer, app_commit_cb,
		    APP_COMMIT_MS - since, 0);
}

static void
signal_cb(uv_signal_t *sig, int signum)
{
	struct app	*app = sig->data;

	(void)signum;
	/* A second signal while waiting: leave now. */
	app_quit(app, app->quitting ? 0 : APP_LINGER_SIGNAL_MS);
}

static void
app_closed_cb(void *arg)
{
	(void)arg;
}

static void
app_finish_cb(uv_timer_t *t)
{
	struct app	*app = t->data;
	size_t		 i;

	if (app->finished)
		return;
	if (net_outstanding(app->net) > 0)
		net_fail_all(app->net, "quit before delivery");
	evq_drain(&app->evq);
	app_commit(app);
	app->finished = 1;
	net_close(app->net, app_closed_cb, app);
	app->net = NULL;
	/* What net_close reported reaches nobody now; the front end is done. */
	app->ui->stop(app->ui);
	for (i = 0; i < sizeof app->signals / sizeof app->signals[0]; i++)
		uv_close((uv_handle_t *)&app->signals[i], NULL);
	uv_close((uv_handle_t *)&app->linger, NULL);
	uv_close((uv_handle_t *)&app->committer, NULL);
	evq_close(&app->evq);
	trust_free(app->trust);
	app->trust = NULL;
	history_close(app);
	free(app->bind_owned);
	app->bind_owned = NULL;
}

void
app_free(struct app *app)
{
	peer_list_free(&app->peers);
	identity_free(app->identity);
	app->identity = NULL;
}

void
app_quit(struct app *app, unsigned linger_ms)
{
	if (app->finished)
		return;
	app->linger.data = app;
	if (!app->quitting) {
		app->quitting = 1;
		uv_timer_start(&app->linger, app_finish_cb, linger_ms, 0);
	} else if (linger_ms < uv_timer_get_due_in(&app->linger))
		uv_timer_start(&app->linger, app_finish_cb, linger_ms, 0);
	app_check_done(app);
}

/*
 * Who we are: the key kept in the data directory (made on the first
 * start), or one for this run alone with --no-history. The store's
 * message ids are given out under the user id it yields.
 */
static int
app_open_identity(struct app *app, char **cause)
{
	int	 r;

	if ((app->identity = identity_alloc()) == NULL)
		return UV_ENOMEM;
	if (app->store == NULL)
		return identity_new(app->identity);
	if ((r = identity_open(app->identity, app->data_dir, cause)) != 0)
		return r;
	if ((r = store_set_user(app->store, app->identity->uid,
	    app->identity->created)) != 0) {
		if (asprintf(cause, "history: cannot use %s: %s; start with "
		    "--data-dir elsewhere, or --no-history",
		    store_path(app->store), store_error(app->store)) < 0)
			*cause = NULL;
		return r;
	}
	return 0;
}

/* History and key are only as private as the directory they are in. */
static void
app_check_data_dir(struct app *app)
{
	struct stat	 st;

	if (app->data_dir == NULL || stat(app->data_dir, &st) != 0 ||
	    (st.st_mode & 077) == 0)
		return;
	app_error(app, "%s is open to others (mode %04o): keep your history "
	    "and key private with chmod 700 %s", app->data_dir,
	    (unsigned)(st.st_mode & 07777), app->data_dir);
}

int
app_start(struct app *app, char **cause)
{
	static const int	 signums[] = { SIGINT, SIGTERM, SIGHUP };
	struct net_config	 cfg;
	struct seal_keypair	 keys;
	const char		*bind;
	char			*err = NULL;
	size_t			 i;
	int			 r;

	*cause = NULL;
	app_load_config(app, 1);
	if ((r = history_open(app, cause)) != 0)
		return r;
	if ((r = app_open_identity(app, cause)) != 0) {
		history_close(app);
		return r;
	}
	if ((r = trust_open(&app->trust, app->store)) != 0) {
		if (app->store != NULL && asprintf(cause, "history: cannot "
		    "read the keys of peers from %s: %s; start with "
		    "--data-dir elsewhere, or --no-history",
		    store_path(app->store), store_error(app->store)) < 0)
			*cause = NULL;
		history_close(app);
		return r;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.bind = app->opts.bind;
	cfg.port = app->opts.port;
	cfg.nick = app->nick;
	memcpy(keys.pk, app->identity->pk, sizeof keys.pk);
	memcpy(keys.sk, app->identity->sk, sizeof keys.sk);
	cfg.identity = &keys;
	cfg.heartbeat_ms = app->opts.heartbeat_ms;
	cfg.probe_ms = app->opts.probe_ms;
	cfg.rate_limit = app->opts.rate_limit;
	cfg.known_only = app->opts.known_only;
	r = net_open(&app->net, app->loop, &app->evq, &cfg);
	seal_wipe(&keys, sizeof keys);	/* net keeps its own copy */
	if (r != 0) {
		bind = cfg.bind != NULL ? cfg.bind : "::";
		if (asprintf(cause, "cannot bind %s%s%s:%d: %s",
		    strchr(bind, ':') != NULL ? "[" : "", bind,
		    strchr(bind, ':') != NULL ? "]" : "", cfg.port,
		    uv_strerror(r)) < 0)
			*cause = NULL;
		trust_free(app->trust);
		app->trust = NULL;
		history_close(app);
		return r;
	}
	for (i = 0; i < sizeof signums / sizeof signums[0]; i++) {
		uv_signal_init(app->loop, &app->signals[i]);
		app->signals[i].data = app;
		uv_signal_start(&app->signals[i], signal_cb, signums[i]);
	}
	if ((r = app->ui->start(app->ui, app->loop, &app->evq)) != 0) {
		if (asprintf(cause, "cannot start the %s front end: %s",
		    app->ui->name, uv_strerror(r)) < 0)
			*cause = NULL;
		app->linger.data = app;
		app->quitting = 1;
		app_finish_cb(&app->linger);
		return r;
	}
	app_ready(app);
	/* On by default, quietly off where no LAN could hear us. */
	if (app->opts.discovery &&
	    (r = app_set_discovery(app, 1, &err)) != 0) {
		if (r != UV_EADDRNOTAVAIL)
			app_error(app, "%s", err != NULL ? err : "discovery");
		free(err);
		err = NULL;
	}
	app_check_data_dir(app);
	set_tell_ui(app);
	history_restore_peers(app);
	/* Scripts ask with /history; people see their conversations. */
	if (!app->opts.headless)
		history_replay_recent(app);
	app_load_config(app, 0);
	for (i = 0; i < (size_t)app->opts.npeers; i++) {
		/* The first PEER on the command line is the one to talk to. */
		if (peer_open(app, app->opts.peers[i], NULL, i == 0, &err) != 0)
			app_error(app, "%s", err != NULL ? err : "bad peer");
		free(err);
		err = NULL;
	}
	return 0;
}
