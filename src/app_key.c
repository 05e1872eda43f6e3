/*
 * app_key.c: what the core does with a peer's identity key. Trust on
 * first use when its session proves a key, a changed key blocked loudly
 * until /trust, and the records following a peer that moved.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "net/addr.h"
#include "net/net.h"
#include "src/app.h"
#include "src/cmd.h"
#include "src/identity.h"
#include "src/store.h"
#include "src/trust.h"

/* An error about peer p, for its conversation. */
static void
app_peer_error(struct app *app, struct peer *p, const char *fmt, ...)
{
	struct event	*ev;
	va_list		 ap;

	if ((ev = evq_new(EV_ERROR)) == NULL)
		return;
	memcpy(ev->peer, p->addrstr, sizeof ev->peer);
	va_start(ap, fmt);
	if (vasprintf(&ev->text, fmt, ap) < 0) {
		ev->text = NULL;
		evq_free(ev);
		ev = NULL;
	}
	va_end(ap);
	if (ev != NULL)
		evq_push(&app->evq, ev);
}

/*
 * Trust on first use: a peer's identity key (from its sealed session)
 * against the records, before the front end sees its peer event, which
 * gets the verdict and the key's fingerprint. A changed key blocks the
 * peer (app_send, history.c's outbox) until /trust, loudly.
 */
void
app_check_key(struct app *app, struct peer *p, struct event *ev)
{
	enum peer_trust	 t;
	unsigned char	 old[sizeof p->old_key];
	char		 was[IDENTITY_FP_LEN], now[IDENTITY_FP_LEN];
	int		 r;

	if (!ev->secure)
		return;
	if (app->trust == NULL) {
		net_peer_release(app->net, (struct sockaddr *)&p->addr);
		return;
	}
	/* The verdict holds while the key does: "new" for the whole run. */
	if (!p->has_key || memcmp(p->key, ev->key, sizeof p->key) != 0) {
		if ((r = trust_check(app->trust, ev->key, p->addrstr, p->name,
		    &t, old)) != 0)
			app_error(app, "history: cannot keep the key of %s: %s",
			    p->addrstr, app->store != NULL ?
			    store_error(app->store) : uv_strerror(r));
		memcpy(p->key, ev->key, sizeof p->key);
		p->has_key = 1;
		p->trust = t;
		if (t == TRUST_CHANGED) {
			memcpy(p->old_key, old, sizeof p->old_key);
			identity_fingerprint(old, was);
			identity_fingerprint(ev->key, now);
			app_peer_error(app, p, "KEY CHANGED for %s (%s): its "
			    "key is now %s, not %s as on record. Someone may "
			    "be posing as %s: nothing goes to it until you "
			    "compare fingerprints with %s by other means "
			    "(/verify %s) and accept the new key (/trust %s)",
			    peer_label(p), p->addrstr, now, was, peer_label(p),
			    peer_label(p), app_peer_arg(p), app_peer_arg(p));
		}
	}
	ev->trust = p->trust;
	identity_fingerprint(p->key, ev->fingerprint);
	/* What net held for the new session goes, or waits in the outbox
	 * (parked by its failure) until /trust. */
	if (p->trust == TRUST_CHANGED)
		net_peer_refuse(app->net, (struct sockaddr *)&p->addr,
		    "key changed: it waits in the outbox until /trust");
	else
		net_peer_release(app->net, (struct sockaddr *)&p->addr);
}

/*
 * The peer's session proved itself from another address (net/ followed
 * it): the conversation follows too, its history and key records with it.
 */
void
app_peer_moved(struct app *app, struct event *ev)
{
	struct sockaddr_storage	 ss;
	struct peer		*p;
	enum peer_trust		 t;
	unsigned char		 old[32];
	const char		*why;

	if (ev->text == NULL ||
	    (p = peer_find_by_addrstr(&app->peers, ev->text)) == NULL ||
	    addr_parse(ev->peer, &ss, &why) != 0)
		return;
	memcpy(&p->addr, &ss, sizeof p->addr);
	snprintf(p->addrstr, sizeof p->addrstr, "%s", ev->peer);
	if (app->store != NULL &&
	    store_peer_move(app->store, ev->text, ev->peer) != 0)
		app_error(app, "history: cannot move %s to %s: %s", ev->text,
		    ev->peer, store_error(app->store));
	/* Its key is known at the new address too. */
	if (p->has_key && app->trust != NULL)
		trust_check(app->trust, p->key, p->addrstr, p->name, &t, old);
	if (p->name != NULL && ev->name == NULL)
		ev->name = strdup(p->name);
}

int
app_trust(struct app *app, struct peer *p, char **cause)
{
	char	 fp[IDENTITY_FP_LEN];
	int	 was = p->trust, r;

	if (!p->has_key)
		return cmd_error(cause, UV_EINVAL, "/trust: %s has no "
		    "encrypted session: there is no key to trust",
		    peer_label(p));
	if (app->trust == NULL)
		return cmd_error(cause, UV_EINVAL, "/trust: not now");
	if ((r = trust_accept(app->trust, p->key, p->addrstr, p->name)) != 0)
		app_error(app, "history: cannot keep the key of %s: %s",
		    p->addrstr, app->store != NULL ? store_error(app->store) :
		    uv_strerror(r));
	p->trust = TRUST_VERIFIED;
	identity_fingerprint(p->key, fp);
	app_info(app, "/trust: the key of %s (%s) is verified: %s",
	    peer_label(p), p->addrstr, fp);
	if (was == TRUST_CHANGED)
		app_info(app, "/trust: messages to %s go out again, sealed "
		    "to this key", peer_label(p));
	/* Its peer event says so, and lets the outbox go (history.c). */
	net_peer_release(app->net, (struct sockaddr *)&p->addr);
	app_emit_peer(app, p);
	return 0;
}
