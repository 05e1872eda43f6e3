/*
 * headless.c: the front end for scripts. Each stdin line goes to the core
 * exactly as if typed; each event comes out as one JSON object per line
 * on stdout, written once per loop turn.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui/json.h"
#include "ui/ui.h"

/* A line may carry a whole message plus a command in front of it. */
#define LINE_MAX_BYTES	(UVQQ_MAX_TEXT + 1024)

struct headless {
	struct evq	*evq;
	uv_loop_t	*loop;
	union {
		uv_handle_t	handle;
		uv_stream_t	stream;
		uv_pipe_t	pipe;
		uv_tty_t	tty;
	} in;
	int		 in_open;	/* in is an initialised handle */
	uv_fs_t		 fsreq;		/* stdin is a regular file */
	int		 fs_reading;
	char		 fsbuf[65536];
	char		*line;		/* the line being assembled */
	size_t		 linelen;
	int		 overlong;	/* skipping to the end of a long line */
	int		 eof;
	struct jbuf	 out;
	uv_prepare_t	 flush;
	int		 stdout_gone;
	int		 stopped;
};

static void
post_line(struct headless *h, const char *s, size_t len)
{
	struct event	*ev;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if ((ev = evq_new(EV_INPUT)) == NULL)
		return;
	if (event_set_text(ev, s, len) != 0) {
		evq_free(ev);
		return;
	}
	/* A NUL byte inside the line would cut it short without a word. */
	if (memchr(s, '\0', len) != NULL) {
		evq_free(ev);
		evq_printf(h->evq, EV_ERROR, "input line contains a NUL byte; "
		    "line ignored");
		return;
	}
	evq_push(h->evq, ev);
}

static void
feed(struct headless *h, const char *buf, size_t n)
{
	const char	*nl;
	size_t		 take;

	while (n > 0) {
		nl = memchr(buf, '\n', n);
		take = nl != NULL ? (size_t)(nl - buf) : n;
		if (!h->overlong && h->linelen + take > LINE_MAX_BYTES) {
			h->overlong = 1;
			h->linelen = 0;
			evq_printf(h->evq, EV_ERROR, "input line longer than "
			    "%d bytes; line ignored", LINE_MAX_BYTES);
		}
		if (!h->overlong) {
			memcpy(h->line + h->linelen, buf, take);
			h->linelen += take;
		}
		if (nl == NULL)
			return;
		if (!h->overlong)
			post_line(h, h->line, h->linelen);
		h->overlong = 0;
		h->linelen = 0;
		buf = nl + 1;
		n -= take + 1;
	}
}

static void
input_ended(struct headless *h)
{
	if (h->eof)
		return;
	h->eof = 1;
	/* A last line without its newline still counts. */
	if (h->linelen > 0 && !h->overlong)
		post_line(h, h->line, h->linelen);
	h->linelen = 0;
	evq_push(h->evq, evq_new(EV_INPUT_EOF));
}

static void
alloc_cb(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct headless	*h = handle->data;

	(void)suggested;
	*buf = uv_buf_init(h->fsbuf, sizeof h->fsbuf);
}

static void
read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct headless	*h = s->data;

	if (n > 0)
		feed(h, buf->base, (size_t)n);
	else if (n < 0) {
		if (n != UV_EOF)
			evq_printf(h->evq, EV_ERROR, "cannot read stdin: %s",
			    uv_strerror((int)n));
		uv_read_stop(s);
		input_ended(h);
	}
}

static void	 fs_read_cb(uv_fs_t *);

static void
fs_read_next(struct headless *h)
{
	uv_buf_t	 b = uv_buf_init(h->fsbuf, sizeof h->fsbuf);
	int		 r;

	h->fsreq.data = h;
	if ((r = uv_fs_read(h->loop, &h->fsreq, 0, &b, 1, -1,
	    fs_read_cb)) != 0) {
		evq_printf(h->evq, EV_ERROR, "cannot read stdin: %s",
		    uv_strerror(r));
		input_ended(h);
		return;
	}
	h->fs_reading = 1;
}

static void
fs_read_cb(uv_fs_t *req)
{
	struct headless	*h = req->data;
	ssize_t		 n = req->result;

	uv_fs_req_cleanup(req);
	h->fs_reading = 0;
	if (h->stopped)
		return;
	if (n > 0) {
		feed(h, h->fsbuf, (size_t)n);
		fs_read_next(h);
		return;
	}
	if (n < 0)
		evq_printf(h->evq, EV_ERROR, "cannot read stdin: %s",
		    uv_strerror((int)n));
	input_ended(h);
}

/* Write everything buffered; a blocked reader holds us up, not loses. */
static void
flush_out(struct headless *h)
{
	struct pollfd	 pfd = { .fd = STDOUT_FILENO, .events = POLLOUT };
	size_t		 off = 0;
	ssize_t		 n;

	if (h->out.failed)
		jbuf_reset(&h->out);
	while (off < h->out.len && !h->stdout_gone) {
		n = write(STDOUT_FILENO, h->out.data + off, h->out.len - off);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno == EAGAIN)
			poll(&pfd, 1, -1);
		else if (n < 0 && errno != EINTR) {
			/* Nobody reads us any more: that is the end. */
			h->stdout_gone = 1;
			input_ended(h);
		}
	}
	jbuf_reset(&h->out);
}

static void
flush_cb(uv_prepare_t *p)
{
	flush_out(p->data);
}

static int
headless_start(struct ui *ui, uv_loop_t *loop, struct evq *evq)
{
	struct headless	*h = ui->data;
	int		 r = 0;

	h->evq = evq;
	h->loop = loop;
	if ((h->line = malloc(LINE_MAX_BYTES + 1)) == NULL)
		return UV_ENOMEM;
	uv_prepare_init(loop, &h->flush);
	h->flush.data = h;
	uv_prepare_start(&h->flush, flush_cb);

	switch (uv_guess_handle(STDIN_FILENO)) {
	case UV_TTY:
		if ((r = uv_tty_init(loop, &h->in.tty, STDIN_FILENO, 1)) != 0)
			break;
		h->in_open = 1;
		break;
	case UV_NAMED_PIPE:
	case UV_TCP:
		if ((r = uv_pipe_init(loop, &h->in.pipe, 0)) != 0)
			break;
		h->in_open = 1;
		r = uv_pipe_open(&h->in.pipe, STDIN_FILENO);
		break;
	case UV_FILE:
		fs_read_next(h);
		return 0;
	default:
		/* No usable stdin (closed): nothing will ever be typed. */
		input_ended(h);
		return 0;
	}
	if (r == 0) {
		h->in.handle.data = h;
		r = uv_read_start(&h->in.stream, alloc_cb, read_cb);
	}
	if (r != 0) {
		evq_printf(evq, EV_ERROR, "cannot read stdin: %s",
		    uv_strerror(r));
		input_ended(h);
	}
	return 0;
}

static const char *
event_name(enum ev_kind k)
{
	switch (k) {
	case EV_READY:
		return "ready";
	case EV_PEER:
		return "peer";
	case EV_CLOSED:
		return "closed";
	case EV_MOVED:
		return "moved";
	case EV_MESSAGE:
		return "message";
	case EV_SENT:
		return "sent";
	case EV_DELIVERED:
		return "delivered";
	case EV_FAILED:
		return "failed";
	case EV_NICK:
		return "nick";
	case EV_CURRENT:
		return "current";
	case EV_OPTION:
		return "option";
	case EV_INFO:
		return "info";
	case EV_ERROR:
		return "error";
	default:
		return NULL;
	}
}

/* ,"addresses":[{"addr":"[200:...]:8097","kind":"yggdrasil"},...] */
static void
json_addresses(struct jbuf *b, const struct ev_addr *a, int n)
{
	int	 i;

	jbuf_append(b, ",\"addresses\":[", 14);
	for (i = 0; i < n; i++) {
		jbuf_append(b, i == 0 ? "{\"addr\":" : ",{\"addr\":",
		    i == 0 ? 8 : 9);
		json_quote(b, a[i].addr);
		jbuf_append(b, ",\"kind\":", 8);
		json_quote(b, a[i].kind);
		jbuf_append(b, "}", 1);
	}
	jbuf_append(b, "]", 1);
}

static void
headless_on_event(struct ui *ui, const struct event *ev)
{
	struct headless	*h = ui->data;
	struct jbuf	*b = &h->out;
	const char	*name = event_name(ev->kind);

	if (name == NULL)
		return;
	json_begin(b, name);
	switch (ev->kind) {
	case EV_READY:
		json_string(b, "nick", ev->nick);
		json_string(b, "addr", ev->peer);
		json_string(b, "fingerprint", ev->text);
		json_addresses(b, ev->addrs, ev->naddrs);
		break;
	case EV_PEER:
		json_string(b, "peer", ev->peer);
		json_string(b, "nick", ev->nick != NULL ? ev->nick : "");
		json_string(b, "state", peer_state_name(ev->state));
		json_string(b, "kind", peer_kind_name(ev->peer_kind));
		json_string(b, "name", ev->name);
		json_bool(b, "secure", ev->secure);
		if (ev->secure) {
			json_string(b, "fingerprint", ev->fingerprint);
			if (ev->trust != TRUST_NONE)
				json_string(b, "trust",
				    peer_trust_name(ev->trust));
		}
		if (ev->discovered) {
			json_bool(b, "discovered", 1);
			/* Only a claim until a session proves it. */
			if (!ev->secure && ev->fingerprint[0] != '\0')
				json_string(b, "announced", ev->fingerprint);
		}
		break;
	case EV_CLOSED:
		json_string(b, "peer", ev->peer);
		break;
	case EV_MOVED:
		json_string(b, "peer", ev->peer);
		json_string(b, "from", ev->text);
		json_string(b, "name", ev->name);
		break;
	case EV_NICK:
		json_string(b, "nick", ev->nick);
		break;
	case EV_CURRENT:
		json_string(b, "peer", ev->peer);
		json_string(b, "name", ev->name);
		break;
	case EV_MESSAGE:
		json_string(b, "peer", ev->peer);
		json_string(b, "nick", ev->nick);
		json_string(b, "text", ev->text);
		if (ev->id != 0)
			json_uint(b, "id", ev->id);
		json_string(b, "kind", peer_kind_name(ev->peer_kind));
		json_string(b, "name", ev->name);
		json_bool(b, "secure", ev->secure);
		if (ev->history) {
			json_bool(b, "history", 1);
			json_bool(b, "outgoing", ev->outgoing);
			json_uint(b, "time", (uint64_t)ev->time);
		}
		break;
	case EV_SENT:
		json_string(b, "peer", ev->peer);
		json_uint(b, "id", ev->id);
		json_string(b, "text", ev->text);
		json_string(b, "name", ev->name);
		break;
	case EV_DELIVERED:
		json_string(b, "peer", ev->peer);
		json_uint(b, "id", ev->id);
		break;
	case EV_FAILED:
		json_string(b, "peer", ev->peer);
		json_uint(b, "id", ev->id);
		json_string(b, "reason", ev->text);
		if (ev->queued)
			json_bool(b, "queued", 1);
		break;
	case EV_OPTION:
		json_string(b, "name", ev->name);
		json_string(b, "value", ev->text);
		break;
	default:
		json_string(b, "text", ev->text);
		break;
	}
	json_end(b);
	/* Keep memory bounded in a flood: write out big batches early. */
	if (b->len > (1 << 20))
		flush_out(h);
}

static void
headless_stop(struct ui *ui)
{
	struct headless	*h = ui->data;

	if (h->stopped)
		return;
	h->stopped = 1;
	flush_out(h);
	if (h->in_open)
		uv_close(&h->in.handle, NULL);
	if (h->fs_reading)
		uv_cancel((uv_req_t *)&h->fsreq);
	uv_close((uv_handle_t *)&h->flush, NULL);
}

static void
headless_destroy(struct ui *ui)
{
	struct headless	*h = ui->data;

	jbuf_free(&h->out);
	free(h->line);
	free(h);
	free(ui);
}

struct ui *
ui_headless_new(void)
{
	struct ui	*ui;

	if ((ui = calloc(1, sizeof *ui)) == NULL)
		return NULL;
	if ((ui->data = calloc(1, sizeof(struct headless))) == NULL) {
		free(ui);
		return NULL;
	}
	ui->name = "headless";
	ui->start = headless_start;
	ui->on_event = headless_on_event;
	ui->stop = headless_stop;
	ui->destroy = headless_destroy;
	return ui;
}
