/*
 * store_journal.c: what a message's path needs stored, for a memcpy.
 *
 * A SQLite commit costs 70-100 us on a machine that slept since the last
 * message (six pwrites, six fcntl locks, cold B-trees), and a message's
 * path had two or three: the sender's row before `sent`, the receiver's
 * before its ACK, the delivered mark before `delivered`. Instead, the
 * rows and delivered marks of a transaction are written to a journal, a
 * file mapped shared (DIR/uvqq.journal), and published at the end of the
 * loop turn by one store of its end offset: a kill -9 leaves the mapped
 * pages in the page cache, as it leaves a committed WAL frame (the
 * database syncs no commit either: synchronous = NORMAL). The SQLite
 * commit follows off the path (store_commit), and empties the journal.
 *
 * At start, what is published is applied to the database again; every
 * record is idempotent (a row goes in by its id, OR IGNORE; a delivered
 * mark is an UPDATE), so one already committed does no harm.
 *
 * Layout: a header (magic, generation, end of what is published), then
 * records, each with its length and the low bits of the generation it
 * was written in: emptying the journal starts a new generation.
 */
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>
#include <uv.h>

#include "src/store.h"
#include "src/store_int.h"

#define JOURNAL_SIZE	(4 * 1024 * 1024)
#define JOURNAL_MAGIC	"uvqqjnl1"

enum {
	REC_ROW = 1,
	REC_DELIVERED = 2,
};

struct journal_head {
	char		 magic[8];
	uint64_t	 gen;
	uint64_t	 end;		/* published: records up to here */
	char		 pad[40];
};

struct rec_head {
	uint32_t	 len;		/* the whole record */
	uint32_t	 gen;
	uint8_t		 op;
	uint8_t		 pad[7];
};

struct rec_row {
	int64_t		 id, time;
	uint64_t	 uid, msgid;
	int32_t		 outgoing, state;
	uint32_t	 npeer, ntext;
	int32_t		 nnick;		/* -1: NULL */
	uint32_t	 pad;
};

_Static_assert(sizeof(struct journal_head) == 64, "journal header");
_Static_assert(sizeof(struct rec_head) % 8 == 0, "record header");
_Static_assert(sizeof(struct rec_row) % 8 == 0, "row record");

static struct journal_head *
head(struct store *s)
{
	return (struct journal_head *)s->jmap;
}

/*
 * Room for a record of len bytes, its header written: the payload's
 * place. Without room (or after a record found none) NULL, and this
 * transaction is committed instead: store_journal says so.
 */
static uint8_t *
rec_start(struct store *s, size_t len, int op)
{
	struct rec_head	 h;
	uint8_t		*p;

	len = (len + sizeof h + 7) & ~(size_t)7;
	if (!s->journal_ok || s->jcursor + len > JOURNAL_SIZE) {
		s->journal_ok = 0;
		return NULL;
	}
	p = s->jmap + s->jcursor;
	s->jcursor += len;
	memset(&h, 0, sizeof h);
	h.len = (uint32_t)len;
	h.gen = (uint32_t)head(s)->gen;
	h.op = (uint8_t)op;
	memcpy(p, &h, sizeof h);
	return p + sizeof h;
}

/* A row of the open transaction, durable once store_journal publishes. */
void
store_journal_row(struct store *s, const struct batch_row *row)
{
	struct rec_row	 r;
	size_t		 np = row->npeer, nt = row->ntext, nn = row->nnick;
	uint8_t		*p;

	if ((p = rec_start(s, sizeof r + np + nn + nt, REC_ROW)) == NULL)
		return;
	memset(&r, 0, sizeof r);
	r.id = row->id;
	r.time = row->time;
	r.uid = row->uid;
	r.msgid = row->msgid;
	r.outgoing = row->outgoing;
	r.state = row->state;
	r.npeer = (uint32_t)np;
	r.ntext = (uint32_t)nt;
	r.nnick = row->nick != NULL ? (int32_t)nn : -1;
	memcpy(p, &r, sizeof r);
	p += sizeof r;
	memcpy(p, row->peer, np);
	memcpy(p + np, row->nick != NULL ? row->nick : "", nn);
	memcpy(p + np + nn, row->text, nt);
}

void
store_journal_delivered(struct store *s, int64_t id)
{
	uint8_t	*p;

	if ((p = rec_start(s, sizeof id, REC_DELIVERED)) != NULL)
		memcpy(p, &id, sizeof id);
}

/*
 * Publish what the turn wrote: one aligned 8-byte store, after the
 * records' (the release order), so a kill -9 leaves all of them or none.
 */
static void
publish(struct store *s)
{
	__atomic_store_n(&head(s)->end, (uint64_t)s->jcursor, __ATOMIC_RELEASE);
}

int
store_journal(struct store *s)
{
	if (!s->in_tx)
		return 0;
	if (!s->journal_ok)
		return 1;
	publish(s);
	return 0;
}

int
store_journal_published(const struct store *s)
{
	const struct journal_head	*h = (const struct journal_head *)s->jmap;

	if (!s->in_tx)
		return 1;
	return s->journal_ok && s->jcursor == h->end;
}

/* The SQLite commit has everything: a new generation, empty. */
void
store_journal_clear(struct store *s)
{
	if (s->jmap == NULL)
		return;
	__atomic_store_n(&head(s)->end, (uint64_t)sizeof(struct journal_head),
	    __ATOMIC_RELEASE);
	__atomic_store_n(&head(s)->gen, head(s)->gen + 1, __ATOMIC_RELEASE);
	s->jcursor = sizeof(struct journal_head);
}

/* A new transaction: what it writes may go to the journal. */
void
store_journal_begin(struct store *s)
{
	s->journal_ok = s->jmap != NULL;
	s->jcursor = s->jmap != NULL ? (size_t)head(s)->end : 0;
}

/* A row record, inserted as store_flush_rows inserts a row: its strings
 * bound where they lie in the mapping. */
static int
apply_row(struct store *s, const uint8_t *p, size_t n)
{
	sqlite3_stmt	*st = s->st[ST_ADD_ROW];
	struct batch_row row;
	struct rec_row	 r;
	size_t		 nn;

	if (n < sizeof r)
		return UV_EINVAL;
	memcpy(&r, p, sizeof r);
	nn = r.nnick >= 0 ? (size_t)r.nnick : 0;
	if (r.nnick < -1 || (uint64_t)r.npeer + nn + r.ntext > n - sizeof r)
		return UV_EINVAL;
	p += sizeof r;
	memset(&row, 0, sizeof row);
	row.id = r.id;
	row.time = r.time;
	row.outgoing = r.outgoing;
	row.state = r.state;
	row.peer = (const char *)p;
	row.npeer = r.npeer;
	row.nick = r.nnick >= 0 ? (const char *)p + r.npeer : NULL;
	row.nnick = nn;
	row.text = (const char *)p + r.npeer + nn;
	row.ntext = r.ntext;
	row.uid = r.uid;
	row.msgid = r.msgid;
	store_bind_row(st, 0, &row);
	return store_run(s, st);
}

static int
apply_delivered(struct store *s, const uint8_t *p, size_t n)
{
	sqlite3_stmt	*st = s->st[ST_DELIVERED];
	int64_t		 id;

	if (n < sizeof id)
		return UV_EINVAL;
	memcpy(&id, p, sizeof id);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, id);
	return store_run(s, st);
}

/*
 * Apply the published records of buf (the journal as read) in the open
 * transaction. A record that does not parse ends them: nothing after it
 * was written by this journal's rules.
 */
static int
apply(struct store *s, const uint8_t *buf, size_t size)
{
	struct journal_head	 h;
	struct rec_head		 rh;
	size_t			 off = sizeof h;
	int			 r;

	if (size < sizeof h)
		return 0;
	memcpy(&h, buf, sizeof h);
	if (memcmp(h.magic, JOURNAL_MAGIC, sizeof h.magic) != 0)
		return 0;
	if (h.end > size)
		h.end = size;
	while (off + sizeof rh <= h.end) {
		memcpy(&rh, buf + off, sizeof rh);
		if (rh.len < sizeof rh || rh.len % 8 != 0 ||
		    rh.len > h.end - off || rh.gen != (uint32_t)h.gen)
			break;
		if (rh.op == REC_ROW)
			r = apply_row(s, buf + off + sizeof rh, rh.len - sizeof rh);
		else if (rh.op == REC_DELIVERED)
			r = apply_delivered(s, buf + off + sizeof rh,
			    rh.len - sizeof rh);
		else
			r = UV_EINVAL;
		if (r == UV_EINVAL)
			break;
		if (r != 0)
			return r;
		off += rh.len;
	}
	return 0;
}

/*
 * Open DIR/uvqq.journal, mapped: apply and commit what a previous run
 * published (read through the mapping, only as far as it goes), then
 * start it empty for this one.
 */
int
store_journal_open(struct store *s, const char *dir)
{
	struct journal_head	 h;
	char			*path;
	int			 fd, r;

	if (asprintf(&path, "%s/uvqq.journal", dir) < 0)
		return UV_ENOMEM;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (fd < 0)
		return -errno;
	/* Every block on disk: a write to the mapping cannot fault. */
	if ((r = posix_fallocate(fd, 0, JOURNAL_SIZE)) != 0) {
		close(fd);
		return -r;
	}
	s->jmap = mmap(NULL, JOURNAL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	r = s->jmap == MAP_FAILED ? -errno : 0;
	close(fd);
	if (r != 0) {
		s->jmap = NULL;
		return r;
	}
	if ((r = store_journal_reapply(s)) != 0 || (r = store_commit(s)) != 0)
		return r;
	memset(&h, 0, sizeof h);
	memcpy(h.magic, JOURNAL_MAGIC, sizeof h.magic);
	h.gen = head(s)->gen + 1;
	h.end = sizeof h;
	memcpy(s->jmap, &h, sizeof h);
	s->jcursor = sizeof h;
	return 0;
}

void
store_journal_close(struct store *s)
{
	if (s->jmap != NULL)
		munmap(s->jmap, JOURNAL_SIZE);
	s->jmap = NULL;
}

/* At start, and after a rollback: what was published is in the
 * database again, in the open transaction. */
int
store_journal_reapply(struct store *s)
{
	int	 r;

	if (s->jmap == NULL || head(s)->end <= sizeof(struct journal_head))
		return 0;
	if ((r = store_begin(s)) != 0)
		return r;
	return apply(s, s->jmap, JOURNAL_SIZE);
}
