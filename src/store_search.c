/*
 * store_search.c: /search, a substring of any message, Chinese included,
 * case folded, for a fraction of a us a message stored.
 *
 * A word inside a run of Chinese has no spaces around it, so search is
 * by substring. Each row gets a signature: a 256-bit Bloom filter of the
 * grams of its folded text, every trigram and every bigram of two
 * characters outside ASCII (a Chinese word is often two). Signatures are
 * kept in blocks of 256 ids, a row of search_blocks each. A search folds
 * the phrase, reads the blocks newest first, and checks only the rows
 * whose signature holds all of the phrase's grams; a phrase with none
 * (one character, or two with ASCII) reads every row. The open block is
 * in memory and written when full; at start, and after a rollback, it is
 * built again from the rows past the last block written.
 *
 * An FTS5 trigram index (schemas 1-6) found the same rows, but cost 2-7
 * us a message to keep up: more than taking the message (issue 16).
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <uv.h>

#include "src/store.h"
#include "src/store_int.h"
#include "src/utf8.h"


static int
fold_reserve(struct store_fold *f, size_t n)
{
	char	*p;
	size_t	 want;

	if (f->len + n <= f->size)
		return 0;
	want = f->size == 0 ? 256 : f->size;
	while (want < f->len + n)
		want *= 2;
	if ((p = realloc(f->buf, want)) == NULL) {
		f->failed = 1;
		return UV_ENOMEM;
	}
	f->buf = p;
	f->size = want;
	return 0;
}

/*
 * The trigram tokenizer gives a trigram at every character: the first
 * one, then the last character of each after it, spell the text folded.
 */
static int
fold_token(void *ctx, int tflags, const char *tok, int ntok, int start,
    int end)
{
	struct store_fold	*f = ctx;
	const char	*last = tok + ntok;

	(void)tflags;
	(void)start;
	(void)end;
	if (f->len > 0) {
		while (last > tok && ((unsigned char)last[-1] & 0xc0) == 0x80)
			last--;
		if (last > tok)
			last--;
		ntok = (int)(tok + ntok - last);
		tok = last;
	}
	if (fold_reserve(f, (size_t)ntok) != 0)
		return SQLITE_NOMEM;
	memcpy(f->buf + f->len, tok, (size_t)ntok);
	f->len += (size_t)ntok;
	return SQLITE_OK;
}

/* Folded by SQLite's own Unicode case table, as FTS5's index folded. */
static int
fold_unicode(struct store *s, struct store_fold *f, const char *text,
    size_t len)
{
	char	*padded;
	int	 r;

	/* Two spaces make even one character a trigram; they fold to
	 * themselves and come off again. */
	if ((padded = malloc(len + 2)) == NULL)
		return UV_ENOMEM;
	memcpy(padded, text, len);
	memcpy(padded + len, "  ", 2);
	f->len = 0;
	f->failed = 0;
	r = s->fts_tok.xTokenize(s->fts, f, FTS5_TOKENIZE_DOCUMENT, padded,
	    (int)len + 2, fold_token);
	free(padded);
	if (r != SQLITE_OK || f->failed || f->len < 2)
		return UV_ENOMEM;
	f->len -= 2;
	return 0;
}

/* Scripts without case: CJK, kana, Hangul, Yi, fullwidth signs, emoji. */
static int
caseless(uint32_t cp)
{
	return (cp >= 0x2000 && cp <= 0x206f) ||
	    (cp >= 0x3000 && cp <= 0xa4cf) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) ||
	    (cp >= 0xe000 && cp <= 0xfaff) ||
	    (cp >= 0xff01 && cp <= 0xff20) ||
	    (cp >= 0xff3b && cp <= 0xff40) ||
	    (cp >= 0xff5b && cp <= 0xffef) ||
	    (cp >= 0x1f000 && cp <= 0x1faff) ||
	    (cp >= 0x20000 && cp <= 0x3ffff);
}

/*
 * Text folded into f. Most is ASCII and Chinese, folded here byte for
 * byte; anything else with a case goes to fold_unicode.
 */
static int
fold(struct store *s, struct store_fold *f, const char *text, size_t len)
{
	const unsigned char	*in = (const unsigned char *)text;
	uint32_t		 cp;
	size_t			 i, n;
	char			*out;

	f->len = 0;
	f->failed = 0;
	if (fold_reserve(f, len + 1) != 0)
		return UV_ENOMEM;
	out = f->buf;
	for (i = 0; i < len; i += n) {
		if (in[i] < 0x80) {
			out[i] = (char)((unsigned)(in[i] - 'A') < 26 ?
			    in[i] | 0x20 : in[i]);
			n = 1;
			continue;
		}
		/* E3-E9 lead U+3000-U+9FFF: CJK signs, kana, ideographs. */
		if (in[i] >= 0xe3 && in[i] <= 0xe9 && len - i >= 3 &&
		    (in[i + 1] & 0xc0) == 0x80 && (in[i + 2] & 0xc0) == 0x80)
			n = 3;
		else if ((n = utf8_decode(text + i, len - i, &cp)) == 0 ||
		    !caseless(cp))
			return fold_unicode(s, f, text, len);
		memcpy(out + i, text + i, n);
	}
	f->len = len;
	return 0;
}

#define GRAM_K	0x9e3779b97f4a7c15ULL	/* 2^64 / the golden ratio */

_Static_assert(SEARCH_SIG_WORDS * 64 == 256, "sig_set takes 8-bit indexes");

/* Two bits a gram, from the top of a multiplicative hash: a row of 40
 * characters sets about a quarter of them. */
static inline void
sig_set(uint64_t *sig, uint64_t h)
{
	unsigned int	 a = (unsigned int)(h >> 56), b = (h >> 48) & 0xff;

	sig[a / 64] |= (uint64_t)1 << (a % 64);
	sig[b / 64] |= (uint64_t)1 << (b % 64);
}

/*
 * Add the grams of folded text to sig: trigrams, and bigrams of two
 * characters outside ASCII. A character is hashed as its bytes packed in
 * a word; a stray byte stands alone. With ascii, text is folded on the
 * way, which suffices for ASCII and U+3000-U+9FFF (lead byte E3-E9:
 * CJK signs, kana, ideographs); -1 at anything else outside ASCII.
 */
static int
sig_add(uint64_t *sig, const char *text, size_t len, int ascii)
{
	const unsigned char	*t = (const unsigned char *)text;
	uint64_t		 c0 = 0, c1 = 0, c2;
	size_t			 i = 0, end;
	int			 chars = 0;

	while (i < len) {
		c2 = t[i++];
		if (c2 >= 0xc0) {
			if (ascii && (c2 < 0xe3 || c2 > 0xe9))
				return -1;
			end = i + 3 < len ? i + 3 : len;
			while (i < end && (t[i] & 0xc0) == 0x80)
				c2 = c2 << 8 | t[i++];
		} else if (ascii && c2 - 'A' < 26)
			c2 |= 0x20;
		if (++chars >= 2 && c1 > 0x7f && c2 > 0x7f)
			sig_set(sig, ((c1 + GRAM_K) * GRAM_K + c2) * GRAM_K);
		if (chars >= 3)
			sig_set(sig, ((c0 * GRAM_K + c1) * GRAM_K + c2) * GRAM_K);
		c0 = c1;
		c1 = c2;
	}
	return 0;
}

/* Whether sig has every bit of want: all the grams of a phrase. */
static int
sig_holds(const uint64_t *sig, const uint64_t *want)
{
	int	 i;

	for (i = 0; i < SEARCH_SIG_WORDS; i++) {
		if ((sig[i] & want[i]) != want[i])
			return 0;
	}
	return 1;
}

static void
block_clear(struct search_block *b, size_t rows)
{
	int	 i;

	memset(b->sig, 0, rows * sizeof b->sig[0]);
	for (i = 0; i < b->npeers; i++)
		free(b->peers[i]);
	b->npeers = b->anyone = b->used = 0;
}

/* The block's peers as stored: \nA\nB\n, or NULL for anyone's. */
static char *
block_peers(const struct search_block *b)
{
	size_t	 len = 2, at = 1;
	char	*p;
	int	 i;

	for (i = 0; i < b->npeers; i++)
		len += strlen(b->peers[i]) + 1;
	if (b->anyone || (p = malloc(len)) == NULL)
		return NULL;
	p[0] = '\n';
	for (i = 0; i < b->npeers; i++) {
		memcpy(p + at, b->peers[i], strlen(b->peers[i]));
		at += strlen(b->peers[i]);
		p[at++] = '\n';
	}
	p[at] = '\0';
	return p;
}

/* The open block to search_blocks, in the open transaction. */
static int
block_write(struct store *s)
{
	sqlite3_stmt	*st = s->st[ST_BLOCK_ADD];
	char		*peers;
	int		 r;

	if (s->block.used == 0)
		return 0;
	if ((peers = block_peers(&s->block)) == NULL && !s->block.anyone)
		return UV_ENOMEM;
	sqlite3_bind_int64(st, 1, s->block.first);
	sqlite3_bind_int64(st, 2, s->block.first + s->block.used - 1);
	sqlite3_bind_blob(st, 3, s->block.sig, s->block.used *
	    (int)sizeof s->block.sig[0], SQLITE_STATIC);
	store_bind_text(st, 4, peers);
	r = store_run(s, st);
	free(peers);
	if (r != 0)
		return r;
	block_clear(&s->block, (size_t)s->block.used);
	return 0;
}

static int
block_has_peer(const struct search_block *b, const char *peer)
{
	int	 i;

	for (i = 0; i < b->npeers; i++) {
		if (strcmp(b->peers[i], peer) == 0)
			return 1;
	}
	return b->anyone;
}

static int
block_add(struct store *s, int64_t id, const char *peer, const char *text,
    size_t len)
{
	struct search_block	*b = &s->block;
	uint64_t		 sig[SEARCH_SIG_WORDS];
	int			 r;

	if (b->used > 0 && (id < b->first ||
	    id - b->first >= SEARCH_BLOCK_IDS) && (r = block_write(s)) != 0)
		return r;
	if (b->used == 0)
		b->first = id;
	if (!block_has_peer(b, peer)) {
		if (b->npeers == SEARCH_BLOCK_PEERS)
			b->anyone = 1;
		else if ((b->peers[b->npeers] = strdup(peer)) != NULL)
			b->npeers++;
		else
			return UV_ENOMEM;
	}
	/* Most text is folded on the way; the rest first. */
	memset(sig, 0, sizeof sig);
	if (sig_add(sig, text, len, 1) != 0) {
		if ((r = fold(s, &s->fold, text, len)) != 0)
			return r;
		memset(sig, 0, sizeof sig);
		sig_add(sig, s->fold.buf, s->fold.len, 0);
	}
	memcpy(b->sig[id - b->first], sig, sizeof sig);
	b->used = (int)(id - b->first) + 1;
	if (b->used == SEARCH_BLOCK_IDS)
		return block_write(s);
	return 0;
}

/* The open block again, from the rows past the last block written. */
static int
block_reload(struct store *s)
{
	sqlite3_stmt	*st = s->st[ST_BLOCKS_UPTO];
	int64_t		 upto = 0;
	int		 r;

	block_clear(&s->block, SEARCH_BLOCK_IDS);
	if (sqlite3_step(st) == SQLITE_ROW)
		upto = sqlite3_column_int64(st, 0);
	if ((r = sqlite3_reset(st)) != SQLITE_OK)
		return store_sql_error();
	if ((r = store_begin(s)) != 0)
		return r;
	st = s->st[ST_BLOCK_ROWS];
	sqlite3_bind_int64(st, 1, upto);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_text(st, 2) == NULL)
			continue;
		if ((r = block_add(s, sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1))) != 0) {
			sqlite3_reset(st);
			return r;
		}
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return store_sql_error();
	s->block_stale = 0;
	return 0;
}

int
store_search_add(struct store *s, int64_t id, const char *peer,
    const char *text, size_t len)
{
	int	 r;

	if (s->block_stale && (r = block_reload(s)) != 0)
		return r;
	return block_add(s, id, peer, text, len);
}

int
store_search_move(struct store *s, const char *from, const char *to)
{
	sqlite3_stmt	*st = s->st[ST_BLOCKS_MOVE];
	char		*p;
	int		 i;

	for (i = 0; i < s->block.npeers; i++) {
		if (strcmp(s->block.peers[i], from) != 0)
			continue;
		if ((p = strdup(to)) == NULL)
			return UV_ENOMEM;
		free(s->block.peers[i]);
		s->block.peers[i] = p;
	}
	store_bind_text(st, 1, from);
	store_bind_text(st, 2, to);
	return store_run(s, st);
}

int
store_search_open(struct store *s)
{
	sqlite3_stmt	*st;
	fts5_api	*api = NULL;
	void		*ctx;

	/* The documented way to reach FTS5's C interface. */
	if (sqlite3_prepare_v2(s->db, "SELECT fts5(?1)", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_pointer(st, 1, &api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	/* Only for its fold: the tokenizer folds case as FTS5's index did. */
	if (api == NULL || api->xFindTokenizer(api, "trigram", &ctx,
	    &s->fts_tok) != SQLITE_OK ||
	    s->fts_tok.xCreate(ctx, NULL, 0, &s->fts) != SQLITE_OK) {
		s->fts = NULL;
		return -1;
	}
	s->block_stale = 1;
	return 0;
}

/* Rows past the last block: an upgrade indexes all it holds here. */
int
store_search_load(struct store *s)
{
	int	 r;

	if ((r = block_reload(s)) != 0)
		return r;
	return store_commit(s);
}

void
store_search_close(struct store *s)
{
	if (s->fts != NULL)
		s->fts_tok.xDelete(s->fts);
	s->fts = NULL;
	block_clear(&s->block, 0);
	free(s->fold.buf);
	free(s->want.buf);
	memset(&s->fold, 0, sizeof s->fold);
	memset(&s->want, 0, sizeof s->want);
}

/* A row found, kept until the search ends: they come newest first. */
struct found {
	struct store_row	 row;
	char			*strings;
};

struct search {
	struct store	*s;
	uint64_t	 want[SEARCH_SIG_WORDS];	/* the phrase's grams */
	struct found	*found;
	int		 nfound, limit;
};

static int
keep_row(struct search *q, const struct store_row *row)
{
	struct found	*f = &q->found[q->nfound];
	size_t		 np = strlen(row->peer) + 1, nt = strlen(row->text) + 1;
	size_t		 nn = row->nick != NULL ? strlen(row->nick) + 1 : 0;

	if ((f->strings = malloc(np + nt + nn)) == NULL)
		return UV_ENOMEM;
	f->row = *row;
	f->row.peer = memcpy(f->strings, row->peer, np);
	f->row.text = memcpy(f->strings + np, row->text, nt);
	f->row.nick = nn > 0 ? memcpy(f->strings + np + nt, row->nick, nn) :
	    NULL;
	q->nfound++;
	return 0;
}

/* The row at st's cursor, kept if it holds the phrase. */
static int
check_row(struct search *q, sqlite3_stmt *st)
{
	struct store		*s = q->s;
	struct store_row	 row;
	int			 r;

	store_row_read(st, &row);
	if (row.peer == NULL || row.text == NULL)
		return 0;
	if ((r = fold(s, &s->fold, row.text,
	    (size_t)sqlite3_column_bytes(st, 4))) != 0)
		return r;
	if (memmem(s->fold.buf, s->fold.len, s->want.buf, s->want.len) ==
	    NULL)
		return 0;
	return keep_row(q, &row);
}

/* SQLite's codes past the last row: 0, or ours (negative). */
static int
step_result(int r)
{
	if (r == SQLITE_OK || r == SQLITE_ROW || r == SQLITE_DONE)
		return 0;
	return r < 0 ? r : store_sql_error();
}

/* The rows of one block whose signature may hold the phrase. */
static int
search_sigs(struct search *q, int64_t first, const uint64_t *sigs, int n)
{
	sqlite3_stmt	*st = q->s->st[ST_SEARCH_ROW];
	int		 i, r = 0;

	for (i = n - 1; i >= 0 && q->nfound < q->limit; i--) {
		if (!sig_holds(sigs + (size_t)i * SEARCH_SIG_WORDS, q->want))
			continue;
		sqlite3_bind_int64(st, 1, first + i);
		if ((r = sqlite3_step(st)) == SQLITE_ROW)
			r = check_row(q, st);
		sqlite3_reset(st);
		if ((r = step_result(r)) != 0)
			return r;
	}
	return 0;
}

static int
search_blocks(struct search *q)
{
	struct store	*s = q->s;
	sqlite3_stmt	*st = s->st[ST_BLOCKS];
	const void	*sigs;
	int		 n, r;

	if ((r = search_sigs(q, s->block.first, &s->block.sig[0][0],
	    s->block.used)) != 0)
		return r;
	while (q->nfound < q->limit && (r = sqlite3_step(st)) == SQLITE_ROW) {
		/* Copied, to be read as aligned words. */
		sigs = sqlite3_column_blob(st, 1);
		n = sqlite3_column_bytes(st, 1) / (int)sizeof s->block.sig[0];
		if (sigs == NULL || n > SEARCH_BLOCK_IDS)
			continue;
		memcpy(s->found_sigs, sigs, (size_t)n * sizeof s->block.sig[0]);
		if ((r = search_sigs(q, sqlite3_column_int64(st, 0),
		    &s->found_sigs[0][0], n)) != 0)
			break;
	}
	sqlite3_reset(st);
	return step_result(r);
}

/* No gram to go by: every row, newest first. */
static int
search_all(struct search *q)
{
	sqlite3_stmt	*st = q->s->st[ST_SEARCH_ALL];
	int		 r = 0;

	while (q->nfound < q->limit && (r = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = check_row(q, st)) != 0)
			break;
	}
	sqlite3_reset(st);
	return step_result(r);
}

/* Ready to read the blocks: every row in, the open block current. */
static int
blocks_ready(struct store *s)
{
	int	 r;

	if ((r = store_settle(s)) != 0)
		return r;
	return s->block_stale ? block_reload(s) : 0;
}

static int
search_init(struct search *q, struct store *s, int limit)
{
	memset(q, 0, sizeof *q);
	q->s = s;
	q->limit = limit;
	if ((q->found = calloc((size_t)limit, sizeof *q->found)) == NULL)
		return UV_ENOMEM;
	return 0;
}

/* Hand the rows found (newest first) to cb oldest first, if r is 0. */
static int
found_emit(struct search *q, int r, store_row_cb cb, void *arg)
{
	int	 i;

	for (i = q->nfound - 1; i >= 0; i--) {
		if (r == 0)
			cb(arg, &q->found[i].row);
		free(q->found[i].strings);
	}
	free(q->found);
	return r;
}

int
store_search(struct store *s, const char *text, int limit, store_row_cb cb,
    void *arg)
{
	struct search	 q;
	int		 i, r;

	if (!utf8_valid(text, strlen(text)))
		return UV_EINVAL;
	if (limit <= 0)
		return 0;
	if ((r = blocks_ready(s)) != 0 ||
	    (r = fold(s, &s->want, text, strlen(text))) != 0)
		return r;
	if (s->want.len == 0)
		return 0;
	if ((r = search_init(&q, s, limit)) != 0)
		return r;
	sig_add(q.want, s->want.buf, s->want.len, 0);
	for (i = 0; i < SEARCH_SIG_WORDS && q.want[i] == 0; i++)
		;
	r = i < SEARCH_SIG_WORDS ? search_blocks(&q) : search_all(&q);
	return found_emit(&q, r, cb, arg);
}

/* Whether peers (\nA\nB\n as stored; NULL: anyone) lists peer. */
static int
listed(const char *peers, const char *peer)
{
	size_t		 n = strlen(peer);
	const char	*p;

	if (peers == NULL)
		return 1;
	for (p = peers; (p = strstr(p, peer)) != NULL; p++) {
		if (p > peers && p[-1] == '\n' && p[n] == '\n')
			return 1;
	}
	return 0;
}

/* peer's rows with ids first to last, newest first. */
static int
history_range(struct search *q, const char *peer, int64_t first,
    int64_t last)
{
	sqlite3_stmt		*st = q->s->st[ST_HISTORY_RANGE];
	struct store_row	 row;
	int			 r = 0;

	sqlite3_bind_int64(st, 1, first);
	sqlite3_bind_int64(st, 2, last);
	store_bind_text(st, 3, peer);
	while (q->nfound < q->limit && (r = sqlite3_step(st)) == SQLITE_ROW) {
		store_row_read(st, &row);
		if (row.peer != NULL && row.text != NULL &&
		    (r = keep_row(q, &row)) != 0)
			break;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return step_result(r);
}

/*
 * A peer's history, through the blocks that list it (there is no index
 * on the peer: it cost a third of storing a message): the open block,
 * then the written ones, newest first, each read by id.
 */
int
store_history(struct store *s, const char *peer, int64_t before, int limit,
    store_row_cb cb, void *arg)
{
	struct search	 q;
	sqlite3_stmt	*st = s->st[ST_BLOCKS_PEERS];
	int64_t		 last;
	int		 r = 0;

	if (limit <= 0)
		return 0;
	if ((r = blocks_ready(s)) != 0 || (r = search_init(&q, s, limit)) != 0)
		return r;
	if (before <= 0)
		before = INT64_MAX;
	if (s->block.used > 0 && s->block.first < before &&
	    block_has_peer(&s->block, peer)) {
		last = s->block.first + s->block.used - 1;
		r = history_range(&q, peer, s->block.first,
		    last < before ? last : before - 1);
	}
	if (r == 0) {
		sqlite3_bind_int64(st, 1, before);
		while (q.nfound < limit &&
		    (r = sqlite3_step(st)) == SQLITE_ROW) {
			if (!listed((const char *)sqlite3_column_text(st, 2),
			    peer))
				continue;
			last = sqlite3_column_int64(st, 1);
			if ((r = history_range(&q, peer,
			    sqlite3_column_int64(st, 0),
			    last < before ? last : before - 1)) != 0)
				break;
		}
		sqlite3_reset(st);
		r = step_result(r);
	}
	return found_emit(&q, r, cb, arg);
}
