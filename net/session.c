/*
 * session.c: the sealed session with one run of a peer. Everything a uvqq
 * sends after the handshake goes out as one SEAL datagram:
 *
 *	uvqq/1 SEAL s=SID d=DSID c=COUNTER
 *	base64url(ChaCha20-Poly1305(frames, ad = the header line))
 *
 * where frames are the ones of today's format, several packed with l=, so
 * reliability (link.c) neither knows nor cares. A WELCOME proves its sender
 * holds its identity key: its body is a seal of nothing under the new
 * session's key.
 */
#include <string.h>

#include <sodium.h>

#include "net/link.h"
#include "src/identity.h"

int
session_set(struct link *l, struct session *s, const struct frame *f)
{
	struct net	*n = l->net;
	struct session	 fresh;

	if (s->sid == f->sid && memcmp(s->ikey, f->ikey, sizeof s->ikey) ==
	    0 && memcmp(s->ekey, f->ekey, sizeof s->ekey) == 0)
		return 0;	/* a repeat: keep its counters */
	memset(&fresh, 0, sizeof fresh);
	fresh.sid = f->sid;
	fresh.uid = identity_uid(f->ikey);
	memcpy(fresh.ikey, f->ikey, sizeof fresh.ikey);
	memcpy(fresh.ekey, f->ekey, sizeof fresh.ekey);
	memcpy(fresh.nick, f->nick, sizeof fresh.nick);
	fresh.packs = f->packs;
	fresh.since = uv_now(n->loop);
	if (seal_derive(&fresh.keys, &n->identity, &n->eph, n->sid, f->ikey,
	    f->ekey, f->sid) != 0) {
		seal_wipe(&fresh, sizeof fresh);
		return UV_EINVAL;
	}
	seal_wipe(s, sizeof *s);
	memcpy(s, &fresh, sizeof *s);
	seal_wipe(&fresh, sizeof fresh);
	return 0;
}

void
session_commit(struct link *l)
{
	if (l->rsid != 0 && l->rsid != l->cand.sid)
		link_peer_restarted(l);
	seal_wipe(&l->cur, sizeof l->cur);
	memcpy(&l->cur, &l->cand, sizeof l->cur);
	seal_wipe(&l->cand, sizeof l->cand);
	l->rsid = l->cur.sid;
	l->ruid = l->cur.uid;
	l->packs = l->cur.packs;
}

/* The header line of a datagram: what its seal is bound to. */
static size_t
header_len(const char *datagram, const struct frame *f)
{
	return (size_t)(f->body - datagram) - 1;
}

int
session_send(struct link *l, const char *plain, size_t len)
{
	struct net	*n = l->net;
	struct frame	 f;
	char		 dgram[PROTO_PACK_MAX + 64];
	uint8_t		 sealed[PROTO_SEALED_MAX + SEAL_TAG_BYTES];
	int		 hlen, blen;

	if (l->rsid == 0)
		return UV_ENOTCONN;
	if (len > PROTO_SEALED_MAX)
		return UV_EMSGSIZE;
	memset(&f, 0, sizeof f);
	f.type = FRAME_SEAL;
	f.sid = n->sid;
	f.dsid = l->cur.sid;
	f.counter = ++l->cur.tx;
	f.body = "";
	if ((hlen = proto_encode(&f, dgram, sizeof dgram)) < 0)
		return hlen;
	seal_encrypt(sealed, (const uint8_t *)plain, len,
	    (const uint8_t *)dgram, (size_t)hlen - 1, l->cur.keys.tx,
	    f.counter);
	if ((blen = proto_b64_encode(dgram + hlen, sizeof dgram - (size_t)hlen,
	    sealed, len + SEAL_TAG_BYTES)) < 0)
		return blen;
	return link_sendto(l, dgram, (size_t)(hlen + blen));
}

int
session_prove(struct link *l, struct session *s, struct frame *f, char *body,
    size_t size)
{
	char	 head[PROTO_PACK_MAX];
	uint8_t	 tag[SEAL_TAG_BYTES];
	int	 hlen;

	(void)l;
	f->counter = ++s->tx;
	f->body = "";
	f->bodylen = 0;
	if ((hlen = proto_encode(f, head, sizeof head)) < 0)
		return hlen;
	seal_encrypt(tag, NULL, 0, (const uint8_t *)head, (size_t)hlen - 1,
	    s->keys.tx, f->counter);
	return proto_b64_encode(body, size, tag, sizeof tag);
}

int
session_check_proof(struct link *l, struct session *s, const struct frame *f,
    const char *datagram)
{
	uint8_t	 tag[SEAL_TAG_BYTES + 3];

	(void)l;
	if (f->body == NULL || !seal_window_fresh(&s->rx, f->counter))
		return UV_EALREADY;
	if (proto_b64_decode(tag, sizeof tag, f->body, f->bodylen) !=
	    SEAL_TAG_BYTES || seal_decrypt(NULL, tag, SEAL_TAG_BYTES,
	    (const uint8_t *)datagram, header_len(datagram, f), s->keys.rx,
	    f->counter) != 0)
		return UV_EINVAL;
	seal_window_mark(&s->rx, f->counter);
	return 0;
}

int
session_open(struct link *l, const struct frame *f, const char *datagram,
    char *plain, struct session **which)
{
	struct net	*n = l->net;
	struct session	*s;
	uint8_t		 sealed[PROTO_SEALED_MAX + SEAL_TAG_BYTES + 3];
	int		 clen;

	/*
	 * To an earlier run of ours, or from a run of theirs we have no keys
	 * for: a replay, or a frame from before a restart, still on its way.
	 */
	if (l->cur.sid != 0 && f->sid == l->cur.sid)
		s = &l->cur;
	else if (l->cand.sid != 0 && f->sid == l->cand.sid)
		s = &l->cand;
	else
		s = NULL;
	if (f->dsid != n->sid || s == NULL) {
		n->stats.replayed++;
		return UV_ENOTCONN;
	}
	if (!seal_window_fresh(&s->rx, f->counter)) {
		n->stats.replayed++;
		return UV_EALREADY;
	}
	if (f->body == NULL || (clen = proto_b64_decode(sealed, sizeof sealed,
	    f->body, f->bodylen)) < SEAL_TAG_BYTES ||
	    (size_t)clen - SEAL_TAG_BYTES > PROTO_SEALED_MAX ||
	    seal_decrypt((uint8_t *)plain, sealed, (size_t)clen,
	    (const uint8_t *)datagram, header_len(datagram, f), s->keys.rx,
	    f->counter) != 0) {
		n->stats.forged++;
		return UV_EINVAL;
	}
	seal_window_mark(&s->rx, f->counter);
	*which = s;
	return clen - SEAL_TAG_BYTES;
}
