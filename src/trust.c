/*
 * trust.c: the trust records and what a key seen for a peer is (see
 * trust.h). A handful of records per person one talks to: lists and
 * linear scans, written through to the store (store_trust.c).
 */
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "src/store.h"
#include "src/trust.h"

_Static_assert(TRUST_KEY_BYTES == STORE_KEY_BYTES, "one key size");

struct trust_rec {
	char			 addr[EV_ADDRLEN];
	unsigned char		 key[TRUST_KEY_BYTES];
	char			*name;		/* or NULL */
	int			 verified;
	int64_t			 first, seen;	/* unix ms */
	struct trust_rec	*next;
};

struct trust {
	struct store		*store;		/* NULL: memory only */
	struct trust_rec	*head;
	size_t			 count;
	int			 error;		/* of loading */
};

static int64_t
now_ms(void)
{
	uv_timeval64_t	 tv;

	if (uv_gettimeofday(&tv) != 0)
		return 0;
	return tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static int
same_key(const unsigned char *a, const unsigned char *b)
{
	return memcmp(a, b, TRUST_KEY_BYTES) == 0;
}

static int
named(const struct trust_rec *r, const char *name)
{
	return name != NULL && r->name != NULL && strcmp(r->name, name) == 0;
}

static struct trust_rec *
find_addr(const struct trust *t, const char *addr)
{
	struct trust_rec	*r;

	for (r = t->head; r != NULL; r = r->next)
		if (strcmp(r->addr, addr) == 0)
			return r;
	return NULL;
}

static int
save(struct trust *t, const struct trust_rec *r)
{
	struct store_trust	 st;

	if (t->store == NULL)
		return 0;
	st.addr = r->addr;
	st.key = r->key;
	st.name = r->name;
	st.verified = r->verified;
	st.first = r->first;
	st.seen = r->seen;
	return store_trust_save(t->store, &st);
}

static int
set_name(struct trust_rec *r, const char *name)
{
	char	*copy;

	if (name == NULL || (r->name != NULL && strcmp(r->name, name) == 0))
		return 0;
	if ((copy = strdup(name)) == NULL)
		return UV_ENOMEM;
	free(r->name);
	r->name = copy;
	return 0;
}

/*
 * A new record, first in the list; NULL when out of memory, or full
 * unless the user asked for it (force).
 */
static struct trust_rec *
add(struct trust *t, const char *addr, const unsigned char *key,
    const char *name, int force)
{
	struct trust_rec	*r;

	if ((t->count >= TRUST_MAX && !force) ||
	    strlen(addr) >= sizeof r->addr ||
	    (r = calloc(1, sizeof *r)) == NULL)
		return NULL;
	memcpy(r->addr, addr, strlen(addr) + 1);
	memcpy(r->key, key, TRUST_KEY_BYTES);
	if (set_name(r, name) != 0) {
		free(r);
		return NULL;
	}
	r->next = t->head;
	t->head = r;
	t->count++;
	return r;
}

static void
rec_free(struct trust_rec *r)
{
	free(r->name);
	free(r);
}

static void
load_one(void *arg, const struct store_trust *st)
{
	struct trust		*t = arg;
	struct trust_rec	*r;

	if (find_addr(t, st->addr) != NULL)
		return;
	if ((r = add(t, st->addr, st->key, st->name, 1)) == NULL) {
		t->error = UV_ENOMEM;
		return;
	}
	r->verified = st->verified;
	r->first = st->first;
	r->seen = st->seen;
}

int
trust_open(struct trust **out, struct store *store)
{
	struct trust	*t;
	int		 r;

	*out = NULL;
	if ((t = calloc(1, sizeof *t)) == NULL)
		return UV_ENOMEM;
	t->store = store;
	if (store != NULL && ((r = store_trust_load(store, load_one, t)) != 0 ||
	    (r = t->error) != 0)) {
		trust_free(t);
		return r;
	}
	*out = t;
	return 0;
}

void
trust_free(struct trust *t)
{
	struct trust_rec	*r;

	if (t == NULL)
		return;
	while ((r = t->head) != NULL) {
		t->head = r->next;
		rec_free(r);
	}
	free(t);
}

size_t
trust_count(const struct trust *t)
{
	return t->count;
}

int
trust_check(struct trust *t, const unsigned char key[TRUST_KEY_BYTES],
    const char *addr, const char *name, enum peer_trust *out,
    unsigned char old[TRUST_KEY_BYTES])
{
	struct trust_rec	*r, *here, *conflict = NULL;
	int			 verified = 0, known = 0, e;

	/* Another key for this peer: its address first, then its name. */
	if ((here = find_addr(t, addr)) != NULL && !same_key(here->key, key))
		conflict = here;
	for (r = t->head; r != NULL && conflict == NULL; r = r->next)
		if (named(r, name) && !same_key(r->key, key))
			conflict = r;
	if (conflict != NULL) {
		if (old != NULL)
			memcpy(old, conflict->key, TRUST_KEY_BYTES);
		*out = TRUST_CHANGED;
		return 0;
	}
	for (r = t->head; r != NULL; r = r->next) {
		if (same_key(r->key, key)) {
			known = 1;
			verified |= r->verified;
		}
	}
	*out = !known ? TRUST_NEW : verified ? TRUST_VERIFIED : TRUST_KNOWN;
	if (here == NULL) {
		if ((here = add(t, addr, key, name, 0)) == NULL)
			return 0;	/* full: told, not kept */
		here->first = now_ms();
		here->verified = verified;
	} else if ((e = set_name(here, name)) != 0)
		return e;
	here->seen = now_ms();
	return save(t, here);
}

int
trust_accept(struct trust *t, const unsigned char key[TRUST_KEY_BYTES],
    const char *addr, const char *name)
{
	struct trust_rec	**rp, *r, *here;
	int			 e, err = 0;

	/* The peer's old key, at its address or under its name, goes. */
	for (rp = &t->head; (r = *rp) != NULL; ) {
		if (!same_key(r->key, key) && (strcmp(r->addr, addr) == 0 ||
		    named(r, name))) {
			*rp = r->next;
			t->count--;
			if (t->store != NULL &&
			    (e = store_trust_forget(t->store, r->addr)) != 0)
				err = e;
			rec_free(r);
			continue;
		}
		rp = &r->next;
	}
	if ((here = find_addr(t, addr)) == NULL) {
		if ((here = add(t, addr, key, name, 1)) == NULL)
			return err != 0 ? err : UV_ENOMEM;
		here->first = now_ms();
	} else if ((e = set_name(here, name)) != 0)
		return e;
	here->seen = now_ms();
	for (r = t->head; r != NULL; r = r->next) {
		if (!same_key(r->key, key))
			continue;
		r->verified = 1;
		if ((e = save(t, r)) != 0)
			err = e;
	}
	return err;
}

int
trust_lookup(const struct trust *t, const char *addr, const char *name,
    unsigned char key[TRUST_KEY_BYTES])
{
	struct trust_rec	*r;

	if ((r = find_addr(t, addr)) == NULL)
		for (r = t->head; r != NULL && !named(r, name); r = r->next)
			;
	if (r == NULL)
		return UV_ENOENT;
	memcpy(key, r->key, TRUST_KEY_BYTES);
	return 0;
}
