/* curses_event.c: what each event from the core does to the model. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "ui/curses_int.h"
#include "ui/ui.h"

/* Info lines answering our own switches go to the status window. */
static struct cw_conv *
info_target(struct cui *c, const struct event *ev)
{
	return ev->tag == TAG_SWITCH || ev->tag == TAG_OLDER ?
	    c->m.convs.status : c->m.shown;
}

/*
 * A history message is an old line, never news: no unread count, no
 * notification. Replayed at start (no tag), it goes into its
 * conversation. An answer to our EV_LOAD_OLDER waits for the end of the
 * answer; one to a typed /history or /search is a copy shown where it
 * was asked, dimmed, which no delivery report changes.
 */
static void
history_message(struct cui *c, const struct event *ev)
{
	struct cw_conv	*conv;
	struct cw_line	*l;

	if (ev->tag == 0) {
		cw_add_replayed(&c->m.convs, ev);
		return;
	}
	if ((l = cw_stored_line(ev)) == NULL)
		return;
	if (ev->tag == TAG_OLDER) {
		if ((conv = cw_find(&c->m.convs, ev->peer)) == NULL ||
		    conv->loading == 0 || cw_older_hold(conv, l) != 0)
			cw_line_free(l);
		return;
	}
	l->rowid = 0;
	l->id = 0;
	l->copy = 1;
	if (cw_append(info_target(c, ev), l) != 0)
		cw_line_free(l);
}

/*
 * "N older" ends the answer to the oldest request still out (the core
 * answers in order). Fewer than asked: the history has no more.
 */
static void
older_answer(struct cui *c, const char *text)
{
	struct cw_conv	*oldest;
	unsigned long	 n;

	if ((oldest = cw_oldest_loading(&c->m.convs)) == NULL)
		return;
	n = text != NULL ? strtoul(text, NULL, 10) : 0;
	if (cw_older_finish(oldest, n >= OLDER_LINES) > 0)
		cui_load_older(c, oldest);
}

static void
set_option(struct cui *c, const char *name, const char *value, int typed)
{
	unsigned long	 n;
	char		*end;

	if (name == NULL || value == NULL)
		return;
	if (strcmp(name, "bell") == 0)
		c->bell = strcmp(value, "on") == 0;
	else if (strcmp(name, "notify") == 0)
		cui_notify_option(c, value, typed);
	else if (strcmp(name, "timestamp") == 0) {
		if (cw_set_stamp(&c->m.convs, value) != 0)
			cui_say(c, NULL, CW_ERROR, "timestamp format too long");
	} else if (strcmp(name, "scrollback") == 0) {
		n = strtoul(value, &end, 10);
		if (*value != '\0' && *end == '\0')
			cw_set_bound(&c->m.convs, n);
	}
}

/*
 * Bare text from the address of a uvqq peer: anyone who can send from
 * that address wrote it. It goes to the status window, marked, never
 * into the encrypted conversation.
 */
static void
unsealed_message(struct cui *c, const struct event *ev)
{
	struct cw_conv	*status = c->m.convs.status;
	struct cw_line	*l;
	char		*text;

	if (asprintf(&text, "[unencrypted, not from its session] %s",
	    ev->text != NULL ? ev->text : "") < 0)
		return;
	if ((l = cw_add(status, CW_MSG, ev->nick, text, 0)) != NULL)
		l->alert = 1;
	free(text);
	if (status != c->m.shown)
		status->unread++;
}

static void
message(struct cui *c, const struct event *ev)
{
	struct cw_conv	*conv;
	struct cw_line	*l;

	if (ev->history) {
		history_message(c, ev);
		return;
	}
	if (ev->unsealed) {
		unsealed_message(c, ev);
		return;
	}
	if ((conv = cw_get(&c->m.convs, ev->peer)) == NULL)
		return;
	cw_set_str(&conv->name, ev->name);
	if ((l = cw_add(conv, CW_MSG, ev->nick, ev->text, ev->id)) != NULL) {
		l->rowid = ev->rowid;
		/* From a key that is not the one on record. */
		l->alert = ev->secure && ev->trust == TRUST_CHANGED;
	}
	if (conv != c->m.shown)
		conv->unread++;
	cui_notify_message(c, conv, ev);
}

/* A peer's encryption and key, as its peer event tells them. */
static void
peer_security(struct cui *c, struct cw_conv *conv, const struct event *ev)
{
	enum peer_trust	 was = conv->trust;
	char		*msg;

	conv->secure = ev->secure;
	conv->trust = ev->secure ? ev->trust : TRUST_NONE;
	if (conv->trust == was || conv->trust != TRUST_NEW)
		return;
	/* Its key is new to us: say how to be sure, once. */
	if (asprintf(&msg, "encrypted; %s's key is new to you and "
	    "remembered from now on: %s. Compare it with %s's /whoami "
	    "(/verify %s), then /trust %s", cw_label(conv), ev->fingerprint,
	    cw_label(conv), conv->name != NULL ? conv->name : conv->addr,
	    conv->name != NULL ? conv->name : conv->addr) < 0)
		return;
	cui_say(c, conv, CW_INFO, msg);
	free(msg);
}

/* Where friends reach us, in the status window, as /whoami says it. */
static void
ready_addresses(struct cui *c, const struct event *ev)
{
	char	*msg;
	int	 i;

	for (i = 0; i < ev->naddrs; i++) {
		if (asprintf(&msg, "reach me at %s (%s)", ev->addrs[i].addr,
		    ev->addrs[i].kind) < 0)
			return;
		cui_say(c, NULL, CW_INFO, msg);
		free(msg);
	}
}

/*
 * An error about one peer (a changed key) goes into its conversation;
 * and where the person looks, if elsewhere, so it is not missed.
 */
static void
peer_error(struct cui *c, const struct event *ev)
{
	struct cw_conv	*conv = cw_find(&c->m.convs, ev->peer);
	const char	*text = ev->text != NULL ? ev->text : "";

	if (conv == NULL) {
		cui_say(c, c->m.shown, CW_ERROR, text);
		return;
	}
	cui_say(c, conv, CW_ERROR, text);
	if (conv != c->m.shown) {
		conv->unread++;
		cui_say(c, c->m.shown, CW_ERROR, text);
	}
}

/* Delivered, given up for good, or kept to send when they are back. */
static void
delivery(struct cui *c, const struct event *ev)
{
	struct cw_conv	*conv;
	struct cw_line	*l;
	const char	*why = ev->text != NULL ? ev->text : "gave up";
	char		*msg;
	int		 r;

	if ((conv = cw_find(&c->m.convs, ev->peer)) == NULL ||
	    (l = cw_find_id(conv, ev->id)) == NULL)
		return;
	if (ev->kind == EV_DELIVERED) {
		l->state = CW_DELIVERED;
		return;
	}
	l->state = ev->queued ? CW_PARKED : CW_FAILED;
	if (ev->queued)
		r = asprintf(&msg, "not delivered yet: %s; it goes when %s is "
		    "back", why, cw_label(conv));
	else
		r = asprintf(&msg, "not delivered: %s", why);
	if (r >= 0) {
		cui_say(c, conv, CW_ERROR, msg);
		free(msg);
	}
}

void
curses_on_event(struct ui *ui, const struct event *ev)
{
	struct cui	*c = ui->data;
	struct cw_conv	*conv;
	struct cw_line	*l;
	int		 was_dirty;

	if (c->stopped || c->m.shown == NULL)
		return;
	was_dirty = c->dirty;
	c->dirty = 1;
	switch (ev->kind) {
	case EV_READY:
		snprintf(c->m.local, sizeof c->m.local, "%s", ev->peer);
		ready_addresses(c, ev);
		/* FALLTHROUGH */
	case EV_NICK:
		if (ev->nick != NULL)
			snprintf(c->m.nick, sizeof c->m.nick, "%s", ev->nick);
		break;
	case EV_PEER:
		if ((conv = cw_get(&c->m.convs, ev->peer)) == NULL)
			break;
		conv->known = 1;
		conv->state = ev->state;
		conv->kind = ev->peer_kind;
		conv->discovered = ev->discovered;
		if (ev->peer_kind == PEER_UVQQ)
			cw_set_str(&conv->nick, ev->nick);
		cw_set_str(&conv->name, ev->name);
		if (ev->peer_kind == PEER_PLAIN)
			cw_mark_unacked(conv);
		peer_security(c, conv, ev);
		break;
	case EV_MOVED:
		/* The conversation follows the peer to its new address. */
		if ((conv = cw_find(&c->m.convs, ev->text)) != NULL &&
		    cw_find(&c->m.convs, ev->peer) == NULL) {
			char	 line[2 * EV_ADDRLEN + 64];

			snprintf(conv->addr, sizeof conv->addr, "%s", ev->peer);
			snprintf(line, sizeof line, "moved from %s to %s: the "
			    "conversation follows its key", ev->text, ev->peer);
			cui_say(c, conv, CW_INFO, line);
		}
		break;
	case EV_CLOSED:
		/*
		 * The core forgot the peer; the conversation stays, with its
		 * failed marks, until typing in it adds the peer back.
		 */
		if ((conv = cw_find(&c->m.convs, ev->peer)) != NULL) {
			conv->known = 0;
			conv->state = PEER_OFFLINE;
			conv->secure = 0;
			conv->trust = TRUST_NONE;
		}
		break;
	case EV_MESSAGE:
		message(c, ev);
		break;
	case EV_SENT:
		if ((conv = cw_get(&c->m.convs, ev->peer)) == NULL)
			break;
		cw_set_str(&conv->name, ev->name);
		l = cw_add(conv, CW_OWN, ev->nick != NULL ? ev->nick :
		    c->m.nick, ev->text, ev->id);
		if (l != NULL) {
			l->rowid = ev->rowid;
			if (ev->peer_kind == PEER_PLAIN)
				l->state = CW_UNACKED;
		}
		break;
	case EV_DELIVERED:
	case EV_FAILED:
		delivery(c, ev);
		break;
	case EV_CURRENT:
		snprintf(c->m.current, sizeof c->m.current, "%s", ev->peer);
		/* A /peer typed by hand (or on the command line): go there. */
		if (ev->tag != TAG_SWITCH && ev->peer[0] != '\0' &&
		    (conv = cw_get(&c->m.convs, ev->peer)) != NULL) {
			cw_set_str(&conv->name, ev->name);
			cui_show(c, conv);
		}
		break;
	case EV_OPTION:
		set_option(c, ev->name, ev->text, ev->tag == TAG_TYPED);
		break;
	case EV_INFO:
		if (ev->tag == TAG_OLDER) {
			older_answer(c, ev->text);
			break;
		}
		/* FALLTHROUGH */
	case EV_ERROR:
		if (ev->kind == EV_ERROR && ev->peer[0] != '\0') {
			peer_error(c, ev);
			break;
		}
		conv = info_target(c, ev);
		cui_say(c, conv, ev->kind == EV_INFO ? CW_INFO : CW_ERROR,
		    ev->text != NULL ? ev->text : "");
		break;
	default:
		c->dirty = was_dirty;	/* nothing on screen changes */
		break;
	}
}
