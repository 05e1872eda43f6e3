/* evq.c: the event queue; single-threaded, drained by an idle handle. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/evq.h"

static void
evq_idle_cb(uv_idle_t *idle)
{
	struct evq	*q = idle->data;

	evq_drain(q);
}

int
evq_init(struct evq *q, uv_loop_t *loop, evq_drain_cb drain, void *arg)
{
	int	 r;

	memset(q, 0, sizeof *q);
	q->drain = drain;
	q->arg = arg;
	if ((r = uv_idle_init(loop, &q->idle)) != 0)
		return r;
	q->idle.data = q;
	return 0;
}

void
evq_on_drained(struct evq *q, void (*cb)(void *))
{
	q->drained = cb;
}

void
evq_close(struct evq *q)
{
	struct event	*ev;

	while ((ev = q->head) != NULL) {
		q->head = ev->next;
		evq_free(ev);
	}
	q->tail = NULL;
	q->length = 0;
	if (!uv_is_closing((uv_handle_t *)&q->idle))
		uv_close((uv_handle_t *)&q->idle, NULL);
}

struct event *
evq_new(enum ev_kind kind)
{
	struct event	*ev;

	if ((ev = calloc(1, sizeof *ev)) == NULL)
		return NULL;
	ev->kind = kind;
	return ev;
}

void
evq_free(struct event *ev)
{
	if (ev == NULL)
		return;
	free(ev->nick);
	free(ev->name);
	free(ev->text);
	free(ev->addrs);
	free(ev);
}

static int
dup_string(char **dst, const char *s, size_t len)
{
	char	*p;

	if ((p = malloc(len + 1)) == NULL)
		return UV_ENOMEM;
	memcpy(p, s, len);
	p[len] = '\0';
	free(*dst);
	*dst = p;
	return 0;
}

int
event_set_text(struct event *ev, const char *s, size_t len)
{
	return dup_string(&ev->text, s, len);
}

int
event_set_nick(struct event *ev, const char *s)
{
	return s == NULL ? 0 : dup_string(&ev->nick, s, strlen(s));
}

int
evq_push(struct evq *q, struct event *ev)
{
	if (q->limit != 0 && q->length >= q->limit) {
		q->dropped++;
		evq_free(ev);
		return UV_ENOBUFS;
	}
	ev->next = NULL;
	if (ev->tag == 0)
		ev->tag = q->tag;
	if (q->tail != NULL)
		q->tail->next = ev;
	else
		q->head = ev;
	q->tail = ev;
	q->length++;
	if (!uv_is_active((uv_handle_t *)&q->idle) &&
	    !uv_is_closing((uv_handle_t *)&q->idle))
		uv_idle_start(&q->idle, evq_idle_cb);
	return 0;
}

int
evq_printf(struct evq *q, enum ev_kind kind, const char *fmt, ...)
{
	struct event	*ev;
	va_list		 ap;
	int		 n;

	if ((ev = evq_new(kind)) == NULL)
		return UV_ENOMEM;
	va_start(ap, fmt);
	n = vasprintf(&ev->text, fmt, ap);
	va_end(ap);
	if (n < 0) {
		ev->text = NULL;
		evq_free(ev);
		return UV_ENOMEM;
	}
	return evq_push(q, ev);
}

void
evq_keep(struct evq *q)
{
	q->kept = 1;
}

void
evq_drain(struct evq *q)
{
	struct event	*ev;

	/* A handler may queue more events; they run in this same drain. */
	if (q->draining)
		return;
	q->draining = 1;
	while ((ev = q->head) != NULL) {
		q->head = ev->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->length--;
		if (q->drain != NULL)
			q->drain(q->arg, ev);
		if (q->kept)
			q->kept = 0;
		else
			evq_free(ev);
		if (q->head == NULL && q->drained != NULL)
			q->drained(q->arg);
	}
	q->draining = 0;
	if (uv_is_active((uv_handle_t *)&q->idle))
		uv_idle_stop(&q->idle);
}

const char *
peer_state_name(enum peer_state s)
{
	switch (s) {
	case PEER_PROBING:
		return "probing";
	case PEER_ONLINE:
		return "online";
	case PEER_OFFLINE:
		return "offline";
	}
	return "unknown";
}

const char *
peer_kind_name(enum peer_kind k)
{
	return k == PEER_PLAIN ? "plain" : "uvqq";
}

const char *
peer_trust_name(enum peer_trust t)
{
	switch (t) {
	case TRUST_NONE:
		return "";
	case TRUST_NEW:
		return "new";
	case TRUST_KNOWN:
		return "known";
	case TRUST_VERIFIED:
		return "verified";
	case TRUST_CHANGED:
		return "changed";
	}
	return "";
}
