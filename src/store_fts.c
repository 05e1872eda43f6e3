/*
 * store_fts.c: phrase search over a trigram index without positions.
 * The index keeps only which rows hold each trigram (detail=none: a
 * third cheaper to build than with positions, and FTS5 then takes no
 * phrases), so a phrase is looked up as rows holding its trigrams and
 * each is checked here, by uvqq_phrase(text, phrase): true when the
 * text, folded by the index's own tokenizer, holds the phrase folded
 * the same way. That is what the phrase query of a full index matched:
 * its trigrams at consecutive places.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <uv.h>

#include "src/store_int.h"
#include "src/utf8.h"

static int
fold_append(struct store_fold *f, const char *s, size_t n)
{
	char	*p;
	size_t	 want;

	if (f->len + n > f->size) {
		want = f->size == 0 ? 256 : f->size;
		while (want < f->len + n)
			want *= 2;
		if ((p = realloc(f->buf, want)) == NULL) {
			f->failed = 1;
			return SQLITE_NOMEM;
		}
		f->buf = p;
		f->size = want;
	}
	memcpy(f->buf + f->len, s, n);
	f->len += n;
	return SQLITE_OK;
}

/*
 * The tokenizer gives a trigram at every character: the first one, then
 * the last character of each after it, spell the text out folded.
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
	if (f->len == 0)
		return fold_append(f, tok, (size_t)ntok);
	while (last > tok && ((unsigned char)last[-1] & 0xc0) == 0x80)
		last--;
	if (last > tok)
		last--;
	return fold_append(f, last, (size_t)(tok + ntok - last));
}

static int
fold(struct store *s, struct store_fold *f, const char *text, int len, int flags)
{
	f->len = 0;
	f->failed = 0;
	if (s->fts_tok.xTokenize(s->fts, f, flags, text, len, fold_token) !=
	    SQLITE_OK || f->failed)
		return -1;
	return 0;
}

static void
fold_free(void *p)
{
	struct store_fold	*f = p;

	free(f->buf);
	free(f);
}

static void
phrase_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct store	*s = sqlite3_user_data(ctx);
	struct store_fold	*want;
	const char	*text = (const char *)sqlite3_value_text(argv[0]);
	const char	*phrase;

	(void)argc;
	if (text == NULL) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	/* The phrase is folded once a statement, not once a row. */
	if ((want = sqlite3_get_auxdata(ctx, 1)) == NULL) {
		phrase = (const char *)sqlite3_value_text(argv[1]);
		if (phrase == NULL || (want = calloc(1, sizeof *want)) == NULL ||
		    fold(s, want, phrase, sqlite3_value_bytes(argv[1]),
		    FTS5_TOKENIZE_QUERY) != 0) {
			if (want != NULL)
				fold_free(want);
			sqlite3_result_error_nomem(ctx);
			return;
		}
		sqlite3_set_auxdata(ctx, 1, want, fold_free);
		if ((want = sqlite3_get_auxdata(ctx, 1)) == NULL) {
			sqlite3_result_error_nomem(ctx);
			return;
		}
	}
	if (fold(s, &s->fts_fold, text, sqlite3_value_bytes(argv[0]),
	    FTS5_TOKENIZE_DOCUMENT) != 0) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	/* Both are UTF-8 starting on a character: a match is whole ones. */
	sqlite3_result_int(ctx, want->len > 0 && memmem(s->fts_fold.buf,
	    s->fts_fold.len, want->buf, want->len) != NULL);
}

int
store_fts_open(struct store *s)
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
	/* The index's tokenizer, as messages_fts has it: trigram, folding
	 * case. */
	if (api == NULL || api->xFindTokenizer(api, "trigram", &ctx,
	    &s->fts_tok) != SQLITE_OK ||
	    s->fts_tok.xCreate(ctx, NULL, 0, &s->fts) != SQLITE_OK) {
		s->fts = NULL;
		return -1;
	}
	if (sqlite3_create_function_v2(s->db, "uvqq_phrase", 2,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC, s, phrase_fn, NULL, NULL,
	    NULL) != SQLITE_OK)
		return -1;
	return 0;
}

void
store_fts_close(struct store *s)
{
	if (s->fts != NULL)
		s->fts_tok.xDelete(s->fts);
	s->fts = NULL;
	free(s->fts_fold.buf);
	memset(&s->fts_fold, 0, sizeof s->fts_fold);
}

/*
 * What to MATCH for a phrase of at least three characters: trigrams that
 * cover it, each a string of its own ("" for "), all of them required.
 * uvqq_phrase then checks they are in a row together, in order.
 */
char *
store_fts_query(const char *text)
{
	size_t		 len = strlen(text), nchars = 0, i, n, at;
	size_t		*starts;
	uint32_t	 cp;
	char		*q, *o;
	const char	*p;

	if ((starts = malloc((len + 1) * sizeof *starts)) == NULL)
		return NULL;
	for (at = 0; at < len; at += n) {
		if ((n = utf8_decode(text + at, len - at, &cp)) == 0) {
			free(starts);
			return NULL;
		}
		starts[nchars++] = at;
	}
	starts[nchars] = len;
	/* A trigram a third of the characters, and one for the end: at
	 * worst each byte twice ("), plus quotes and spaces. */
	if (nchars < 3 || (q = malloc(len * 4 + nchars + 8)) == NULL) {
		free(starts);
		return NULL;
	}
	o = q;
	for (i = 0;; i += 3) {
		if (i + 3 > nchars)
			i = nchars - 3;
		if (o != q)
			*o++ = ' ';
		*o++ = '"';
		for (p = text + starts[i]; p < text + starts[i + 3]; p++) {
			if (*p == '"')
				*o++ = '"';
			*o++ = *p;
		}
		*o++ = '"';
		if (i + 3 >= nchars)
			break;
	}
	*o = '\0';
	free(starts);
	return q;
}
