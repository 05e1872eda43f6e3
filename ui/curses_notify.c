/*
 * curses_notify.c: the full-screen front end's notifications. A live
 * message is news when its conversation is not the one shown, or when
 * the terminal says it is not focused; /set notify and what the
 * environment offers (a terminal known to show OSC 777 or OSC 9, tmux
 * and its passthrough, notify-send and a display) say which way it goes.
 * Escape sequences and the bell wait until the frame is on the terminal;
 * notify-send, and tmux when asked about its passthrough and its client,
 * run as children of the loop, never waited for.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curses.h>

#include "ui/curses_int.h"

#define CHILDREN_MAX	4	/* notify-sends at once; more: skipped */
#define ANSWER_MAX	256	/* bytes of tmux's answer kept */
/* Whether tmux forwards passthrough, and the terminal it is in. */
#define TMUX_ASK	"#{allow-passthrough}\t#{client_termname}\t" \
			"#{client_termtype}"

struct cn_child {
	uv_process_t	 proc;
	uv_pipe_t	 out;		/* tmux's answer */
	int		 asks;		/* this is tmux, answering */
	int		 open;		/* handles not closed yet */
	char		 answer[ANSWER_MAX];
	size_t		 len;
	struct cui	*c;
	struct cn_child	*next;
};

static void	 explain(struct cui *);

static const char *
env(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* The executable called name in $PATH, or NULL (allocated). */
static char *
find_in_path(const char *name)
{
	const char	*path = env("PATH"), *p, *end;
	struct stat	 st;
	char		*file;

	for (p = path; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		if (end == p)
			continue;	/* "" is the current directory: no */
		if (asprintf(&file, "%.*s/%s", (int)(end - p), p, name) < 0)
			return NULL;
		if (stat(file, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(file, X_OK) == 0)
			return file;
		free(file);
	}
	return NULL;
}

static void
child_closed(uv_handle_t *h)
{
	struct cn_child	*ch = h->data;
	struct cn_child	**pp;
	struct cui	*c = ch->c;

	if (--ch->open > 0)
		return;
	for (pp = &c->notify.children; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == ch) {
			*pp = ch->next;
			break;
		}
	}
	c->notify.nchildren--;
	if (ch->asks)
		c->notify.asking = 0;
	free(ch);
}

static void
child_close(struct cn_child *ch)
{
	if (!uv_is_closing((uv_handle_t *)&ch->proc))
		uv_close((uv_handle_t *)&ch->proc, child_closed);
	if (ch->asks && !uv_is_closing((uv_handle_t *)&ch->out))
		uv_close((uv_handle_t *)&ch->out, child_closed);
}

static void
child_exited(uv_process_t *p, int64_t status, int sig)
{
	struct cn_child	*ch = p->data;

	(void)status;
	(void)sig;
	uv_close((uv_handle_t *)&ch->proc, child_closed);
}

/* tmux answered: "1\txterm-kitty\tkitty(0.26.5)" or so. */
static void
tmux_answered(struct cn_child *ch)
{
	struct cui_notify	*n = &ch->c->notify;
	struct notify_term	 t = { 0 };
	char			*field[3] = { NULL, NULL, NULL }, *s, *tab;
	int			 i;

	ch->answer[ch->len] = '\0';
	ch->answer[strcspn(ch->answer, "\n")] = '\0';
	for (i = 0, s = ch->answer; i < 3 && s != NULL; i++) {
		field[i] = s;
		if ((tab = strchr(s, '\t')) != NULL)
			*tab++ = '\0';
		s = tab;
	}
	n->caps.passthrough = notify_passthrough_on(field[0]);
	t.term = field[1] != NULL && *field[1] != '\0' ? field[1] : NULL;
	t.termtype = field[2] != NULL && *field[2] != '\0' ? field[2] : NULL;
	n->caps.term_known = notify_term_known(&t, &n->caps.osc);
	if (n->explain)
		explain(ch->c);
}

static void
answer_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct cn_child	*ch = h->data;

	(void)hint;
	if (ch->len >= sizeof ch->answer - 1) {
		/* Too long to be an answer: read it into the last byte. */
		*buf = uv_buf_init(ch->answer + sizeof ch->answer - 1, 1);
		return;
	}
	*buf = uv_buf_init(ch->answer + ch->len,
	    (unsigned)(sizeof ch->answer - 1 - ch->len));
}

static void
answer_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct cn_child	*ch = s->data;

	(void)buf;
	if (n > 0) {
		if (ch->len < sizeof ch->answer - 1)
			ch->len += (size_t)n;
		return;
	}
	if (n == 0)
		return;
	if (!ch->c->stopped)
		tmux_answered(ch);
	uv_close((uv_handle_t *)s, child_closed);
}

/* Run argv[0] with nothing in and nothing out (but tmux's answer). */
static int
spawn(struct cui *c, char **argv, int asks)
{
	struct cui_notify	*n = &c->notify;
	uv_process_options_t	 o;
	uv_stdio_container_t	 stdio[3];
	struct cn_child		*ch;
	int			 r;

	if (n->nchildren >= CHILDREN_MAX || c->stopped)
		return UV_EAGAIN;
	if ((ch = calloc(1, sizeof *ch)) == NULL)
		return UV_ENOMEM;
	ch->c = c;
	ch->asks = asks;
	ch->proc.data = ch->out.data = ch;
	memset(&o, 0, sizeof o);
	memset(stdio, 0, sizeof stdio);
	stdio[0].flags = stdio[1].flags = stdio[2].flags = UV_IGNORE;
	if (asks) {
		uv_pipe_init(c->loop, &ch->out, 0);
		ch->open++;
		stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
		stdio[1].data.stream = (uv_stream_t *)&ch->out;
	}
	o.file = argv[0];
	o.args = argv;
	o.stdio = stdio;
	o.stdio_count = 3;
	o.exit_cb = child_exited;
	ch->open++;
	ch->next = n->children;
	n->children = ch;
	n->nchildren++;
	if (asks)
		n->asking = 1;
	if ((r = uv_spawn(c->loop, &ch->proc, &o)) != 0) {
		/* The handles were initialised: closing frees the child. */
		child_close(ch);
		return r;
	}
	if (asks && (r = uv_read_start((uv_stream_t *)&ch->out, answer_alloc,
	    answer_read)) != 0)
		uv_close((uv_handle_t *)&ch->out, child_closed);
	return 0;
}

/* Ask tmux whether it lets passthrough out, and where it is shown. */
static void
ask_tmux(struct cui *c)
{
	char		*argv[7];
	const char	*pane = env("TMUX_PANE");
	int		 i = 0;

	if (c->notify.asking)
		return;
	argv[i++] = "tmux";
	argv[i++] = "display-message";
	argv[i++] = "-p";
	if (pane != NULL) {
		argv[i++] = "-t";
		argv[i++] = (char *)pane;
	}
	argv[i++] = TMUX_ASK;
	argv[i] = NULL;
	if (spawn(c, argv, 1) != 0) {
		/* No tmux to ask: then it passes nothing through. */
		c->notify.caps.passthrough = 0;
		if (c->notify.explain)
			explain(c);
	}
}

void
cui_notify_start(struct cui *c)
{
	struct cui_notify	*n = &c->notify;
	struct notify_term	 t = { 0 };

	n->kind = NOTIFY_AUTO;
	n->focused = 1;
	n->caps.tmux = env("TMUX") != NULL;
	n->notify_send = find_in_path("notify-send");
	n->caps.desktop = n->notify_send != NULL && (env("DISPLAY") != NULL ||
	    env("WAYLAND_DISPLAY") != NULL);
	if (n->caps.tmux) {
		/* TERM and TERM_PROGRAM are tmux's own: ask tmux. */
		n->caps.osc = NOTIFY_OSC777;
		ask_tmux(c);
		return;
	}
	t.term = env("TERM");
	t.program = env("TERM_PROGRAM");
	t.lc_terminal = env("LC_TERMINAL");
	n->caps.term_known = notify_term_known(&t, &n->caps.osc);
}

/* Say which way notifications go now, after a typed /set notify. */
static void
explain(struct cui *c)
{
	struct cui_notify	*n = &c->notify;
	const char		*why = "", *osc;
	char			 line[256];

	n->explain = 0;
	n->caps.bell = c->bell;
	osc = n->caps.osc == NOTIFY_OSC9 ? "OSC 9" : "OSC 777";
	switch (notify_resolve(n->kind, &n->caps)) {
	case NOTIFY_NONE:
		snprintf(line, sizeof line, "notifications off%s",
		    n->kind == NOTIFY_OFF ? "" : " (the bell is off: /set bell "
		    "on)");
		break;
	case NOTIFY_OSC:
		snprintf(line, sizeof line, "notifications: the terminal's "
		    "own (%s%s)", osc, n->caps.tmux ? " through tmux's "
		    "passthrough" : "");
		break;
	case NOTIFY_SEND:
		snprintf(line, sizeof line, "notifications: the desktop's "
		    "(%s)", n->notify_send);
		break;
	case NOTIFY_RING:
	default:
		if (n->kind == NOTIFY_TERMINAL || (n->kind == NOTIFY_AUTO &&
		    n->caps.term_known))
			why = " (tmux passes no notification through: set -g "
			    "allow-passthrough on)";
		else if (n->kind == NOTIFY_DESKTOP)
			why = " (no notify-send, or no DISPLAY or "
			    "WAYLAND_DISPLAY)";
		else if (n->kind == NOTIFY_AUTO)
			why = " (no terminal known to show them, no desktop "
			    "session)";
		snprintf(line, sizeof line, "notifications: the bell%s", why);
		break;
	}
	cui_say(c, c->m.shown, CW_INFO, line);
}

void
cui_notify_option(struct cui *c, const char *value, int typed)
{
	struct cui_notify	*n = &c->notify;
	enum notify_kind	 kind;

	if (notify_kind_parse(value, &kind) != 0)
		return;		/* the core checks; nothing else is sent */
	n->kind = kind;
	if (!typed)
		return;
	/* Said after the frame with "notify = ...", or once tmux answers. */
	n->explain = 1;
	/* tmux may have been told allow-passthrough since: ask again. */
	if (n->caps.tmux && kind != NOTIFY_OFF && kind != NOTIFY_BELL)
		ask_tmux(c);
}

void
cui_notify_focus(struct cui *c, int focused)
{
	struct cui_notify	*n = &c->notify;

	/* Back in tmux, perhaps from another terminal: ask again. */
	if (focused && !n->focused && n->caps.tmux)
		ask_tmux(c);
	n->focused = focused;
}

static void
desktop(struct cui *c, const char *title, const char *body)
{
	char	 markup[NOTIFY_BODY_MAX * 5 + 1];
	char	*argv[] = { c->notify.notify_send, "--app-name=uvqq",
	    "--category=im.received", "--", (char *)title, markup, NULL };
	int	 r;

	/* The body may be markup to the desktop: "<b>" stays text. */
	notify_markup(body, markup, sizeof markup);
	/* Too many still running: the desktop is slow; skip this one. */
	if ((r = spawn(c, argv, 0)) != 0 && r != UV_EAGAIN)
		c->notify.ring = c->bell;
}

void
cui_notify_message(struct cui *c, struct cw_conv *conv,
    const struct event *ev)
{
	struct cui_notify	*n = &c->notify;
	char			 title[NOTIFY_TITLE_MAX + 1];
	char			 body[NOTIFY_BODY_MAX + 1];
	char			 seq[NOTIFY_SEQ_MAX * 2];
	const char		*text = ev->text != NULL ? ev->text : "";
	enum notify_how		 how;
	size_t			 len;

	if (conv == c->m.shown && n->focused)
		return;
	n->caps.bell = c->bell;
	if ((how = notify_resolve(n->kind, &n->caps)) == NOTIFY_NONE)
		return;
	if (how == NOTIFY_RING) {
		/* Every message rings, as it always did; once a frame. */
		n->ring = 1;
		return;
	}
	if (!notify_allow(&n->limit, &conv->notified, uv_now(c->loop)))
		return;
	notify_title(cw_label(conv), title, sizeof title);
	notify_clean(text, strlen(text), NOTIFY_BODY_MAX, 0, body,
	    sizeof body);
	if (how == NOTIFY_SEND) {
		desktop(c, title, body);
		return;
	}
	len = notify_osc(n->caps.osc, n->caps.tmux, title, body, seq,
	    sizeof seq);
	if (len > 0 && n->seqlen + len <= sizeof n->seq) {
		memcpy(n->seq + n->seqlen, seq, len);
		n->seqlen += len;
	}
}

/*
 * After doupdate: curses has written its frame, so these bytes go
 * between frames and move no cursor (an OSC is not shown, and tmux's
 * passthrough reaches the terminal outside whole).
 */
void
cui_notify_flush(struct cui *c)
{
	struct cui_notify	*n = &c->notify;

	if (n->seqlen > 0) {
		fwrite(n->seq, 1, n->seqlen, stdout);
		fflush(stdout);
		n->seqlen = 0;
	}
	if (n->ring) {
		n->ring = 0;
		beep();
	}
	if (n->explain && !n->asking)
		explain(c);
}

void
cui_notify_stop(struct cui *c)
{
	struct cn_child	*ch, *next;

	/* Children go on by themselves; only our handles close. */
	for (ch = c->notify.children; ch != NULL; ch = next) {
		next = ch->next;
		child_close(ch);
	}
	c->notify.seqlen = 0;
	c->notify.ring = 0;
}

void
cui_notify_free(struct cui *c)
{
	free(c->notify.notify_send);
	c->notify.notify_send = NULL;
}
