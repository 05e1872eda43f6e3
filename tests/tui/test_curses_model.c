/*
 * test_curses_model.c: the full-screen front end's parts that need no
 * terminal: safe text, wrapping by display width, the input line editor,
 * scrolling, the scrollback bound, older lines from the history and the
 * timestamp's width. One behaviour per test.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ui/curses_input.h"
#include "ui/curses_text.h"
#include "ui/curses_win.h"

static int	 failed_checks;

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "  %s:%d: %s\n", __FILE__, __LINE__, #c); \
		failed_checks++;					\
	}								\
} while (0)

static void
test_control_characters_become_visible(void)
{
	wchar_t	*w;

	CHECK(ct_from_utf8("a\x1b[31mb\x07\x7f", 1, &w, NULL) == 0);
	CHECK(wcscmp(w, L"a^[[31mb^G^?") == 0);
	free(w);
	CHECK(ct_from_utf8("x\xc2\x9b" "y\xe2\x80\xae" "z", 1, &w, NULL) == 0);
	CHECK(wcscmp(w, L"x<U+009B>y<U+202E>z") == 0);
	free(w);
}

static void
test_newlines_are_kept_only_in_messages(void)
{
	wchar_t	*w;

	CHECK(ct_from_utf8("a\r\nb\n", 1, &w, NULL) == 0);
	CHECK(wcscmp(w, L"a\nb\n") == 0);
	free(w);
	CHECK(ct_from_utf8("a\nb", 0, &w, NULL) == 0);
	CHECK(wcscmp(w, L"a^Jb") == 0);
	free(w);
}

static void
test_tabs_expand_to_tab_stops(void)
{
	wchar_t	*w;

	CHECK(ct_from_utf8("ab\tc", 1, &w, NULL) == 0);
	CHECK(wcscmp(w, L"ab      c") == 0);
	free(w);
}

static void
test_utf8_round_trips(void)
{
	const char	*s = "中文 é 👍🏽";
	wchar_t		*w;
	char		*back;
	size_t		 len;

	CHECK(ct_from_utf8(s, 1, &w, &len) == 0);
	CHECK(ct_to_utf8(w, len, &back, NULL) == 0);
	CHECK(strcmp(back, s) == 0);
	free(w);
	free(back);
}

static void
test_a_letter_keeps_its_combining_marks(void)
{
	const wchar_t	*s = L"e\u0301\u0302x";
	int		 w;

	CHECK(ct_cell(s, wcslen(s), 0, &w) == 3 && w == 1);
	CHECK(ct_swidth(s, wcslen(s)) == 2);
}

/* Wrapping at every width: no row too wide, no cell split, none lost. */
static void
test_wrap_never_splits_or_loses_a_cell(void)
{
	const wchar_t	*s = L"你好世界 hello 👍🏽 cafe\u0301 一二三四五六七八九十 x";
	struct ct_row	 rows[64];
	size_t		 len = wcslen(s), n, i, k, total;
	int		 cols, w;

	for (cols = 3; cols <= 40; cols++) {
		n = ct_wrap(s, len, cols, 0, 0, rows, 64);
		CHECK(n <= 64);
		for (i = 0, total = 0; i < n; i++) {
			CHECK(ct_swidth(s + rows[i].start, rows[i].end -
			    rows[i].start) <= cols);
			/* A row starts on a cell: never on a combining mark. */
			CHECK(wcwidth(s[rows[i].start]) != 0);
			for (k = rows[i].start; k < rows[i].end; k++)
				total += s[k] != L' ';
			if (i > 0)
				CHECK(rows[i].start >= rows[i - 1].end);
		}
		for (k = 0, w = 0; k < len; k++)
			w += s[k] != L' ';
		CHECK(total == (size_t)w);
	}
}

static void
test_wrap_breaks_after_spaces_and_at_newlines(void)
{
	const wchar_t	*s = L"hello world\nfoo";
	struct ct_row	 rows[8];

	CHECK(ct_wrap(s, wcslen(s), 8, 0, 0, rows, 8) == 3);
	CHECK(rows[0].start == 0 && rows[0].end == 6);	/* "hello " */
	CHECK(rows[1].start == 6 && rows[1].end == 11);	/* "world" */
	CHECK(rows[2].start == 12 && rows[2].end == 15);
}

static void
test_backspace_removes_a_whole_cell(void)
{
	struct ci	 ci;
	char		*line;

	ci_init(&ci);
	ci_insert(&ci, L"a中e\u0301", 4);
	CHECK(ci_backspace(&ci) == 0);
	CHECK(ci.len == 2 && ci.cur == 2);
	CHECK(ci_backspace(&ci) == 0);
	CHECK(ci.len == 1 && ci.buf[0] == L'a');
	CHECK(ci_take(&ci, &line) == 0 && strcmp(line, "a") == 0);
	free(line);
	ci_free(&ci);
}

static void
test_kills_add_up_and_yank_puts_them_back(void)
{
	struct ci	 ci;

	ci_init(&ci);
	ci_insert(&ci, L"one two three", 13);
	ci_kill_word(&ci);
	ci_key_done(&ci, CI_KEEP_KILL);
	ci_kill_word(&ci);
	ci_key_done(&ci, CI_KEEP_KILL);
	CHECK(wcscmp(ci.buf, L"one ") == 0);
	ci_yank(&ci);
	CHECK(wcscmp(ci.buf, L"one two three") == 0);
	ci_free(&ci);
}

static void
test_history_keeps_the_draft(void)
{
	struct ci	 ci;
	char		*line;

	ci_init(&ci);
	ci_insert(&ci, L"first", 5);
	ci_take(&ci, &line);
	free(line);
	ci_insert(&ci, L"draft", 5);
	CHECK(ci_history_prev(&ci) == 0 && wcscmp(ci.buf, L"first") == 0);
	CHECK(ci_history_prev(&ci) != 0);
	CHECK(ci_history_next(&ci) == 0 && wcscmp(ci.buf, L"draft") == 0);
	ci_free(&ci);
}

static void
test_tab_cycles_through_matches(void)
{
	const char	*cands[] = { "/peer", "/peers", "/help" };
	struct ci	 ci;

	ci_init(&ci);
	ci_insert(&ci, L"/pe", 3);
	CHECK(ci_complete(&ci, cands, 3, L" ") == 0);
	CHECK(wcscmp(ci.buf, L"/peer ") == 0);
	ci_key_done(&ci, CI_KEEP_TAB);
	CHECK(ci_complete(&ci, cands, 3, L" ") == 0);
	CHECK(wcscmp(ci.buf, L"/peers ") == 0);
	ci_key_done(&ci, 0);
	ci_insert(&ci, L"/x", 2);
	CHECK(ci_complete(&ci, cands, 3, L" ") != 0);
	ci_free(&ci);
}

static void
test_the_view_keeps_the_cursor_on_screen(void)
{
	struct ci	 ci;
	size_t		 from, to;
	int		 col, cols;
	wchar_t		 c;

	ci_init(&ci);
	for (c = 0x4e00; c < 0x4e00 + 100; c++)
		ci_insert(&ci, &c, 1);
	for (cols = 2; cols < 50; cols++) {
		ci_view(&ci, cols, &from, &to, &col);
		CHECK(col <= cols - 1);
		CHECK(ct_swidth(ci.buf + from, to - from) <= cols);
	}
	ci_home(&ci);
	ci_view(&ci, 10, &from, &to, &col);
	CHECK(from == 0 && col == 0);
	ci_free(&ci);
}

static void
test_scrolling_stops_at_both_ends(void)
{
	struct cw_list	 cl;
	struct cw_conv	*c;
	char		 text[32];
	int		 i;

	CHECK(cw_init(&cl) == 0);
	c = cw_get(&cl, "127.0.0.1:1");
	for (i = 0; i < 100; i++) {
		snprintf(text, sizeof text, "line %d", i);
		cw_add(c, CW_MSG, "bob", text, 0);
	}
	cw_scroll(c, 10, 80, 20);
	CHECK(c->scrolled && c->anchor_seq == CW_SEQ_BASE + 89); /* 10 up */
	cw_scroll(c, 1000, 80, 20);
	CHECK(c->scrolled && c->anchor_seq == CW_SEQ_BASE + 18); /* 19 above */
	cw_scroll(c, -1000, 80, 20);
	CHECK(!c->scrolled);
	cw_free(&cl);
}

static void
test_lines_are_bounded(void)
{
	struct cw_list	 cl;
	struct cw_conv	*c;
	int		 i;

	CHECK(cw_init(&cl) == 0);
	c = cw_get(&cl, "127.0.0.1:1");
	for (i = 0; i < CW_LINES_DEFAULT + 10; i++)
		cw_add(c, CW_INFO, NULL, "x", 0);
	CHECK(c->count == CW_LINES_DEFAULT &&
	    c->first_seq == CW_SEQ_BASE + 10);
	cw_free(&cl);
}

/* Text of the oldest line held, as UTF-8 in a static buffer. */
static const char *
oldest_text(struct cw_conv *c)
{
	static char	 buf[64];
	struct cw_line	*l = cw_line(c, c->first_seq);

	if (l == NULL)
		return "";
	snprintf(buf, sizeof buf, "%ls", l->text);
	return buf;
}

static void
add_lines(struct cw_conv *c, int from, int to)
{
	char	 text[32];
	int	 i;

	for (i = from; i < to; i++) {
		snprintf(text, sizeof text, "line %d", i);
		cw_add(c, CW_MSG, "bob", text, 0);
	}
}

/* /set scrollback 100: at most 100 lines in memory, whatever comes. */
static void
test_scrollback_100_keeps_at_most_100_lines(void)
{
	struct cw_list	 cl;
	struct cw_conv	*c;

	CHECK(cw_init(&cl) == 0);
	c = cw_get(&cl, "127.0.0.1:1");
	add_lines(c, 0, 150);
	CHECK(cw_set_bound(&cl, 100) == 0);
	CHECK(c->count == 100 && strcmp(oldest_text(c), "line 50") == 0);
	CHECK(c->cap <= 100);
	add_lines(c, 150, 400);
	CHECK(c->count == 100 && strcmp(oldest_text(c), "line 300") == 0);
	/* So do conversations that start later, and the status window. */
	c = cw_get(&cl, "127.0.0.1:2");
	add_lines(c, 0, 250);
	CHECK(c->count == 100);
	add_lines(cl.status, 0, 250);
	CHECK(cl.status->count == 100);
	CHECK(cw_set_bound(&cl, 0) != 0 && c->bound == 100);
	cw_free(&cl);
}

static void
test_growing_the_bound_keeps_lines_shrinking_drops_the_oldest(void)
{
	struct cw_list	 cl;
	struct cw_conv	*c;
	struct cw_line	*kept;

	CHECK(cw_init(&cl) == 0);
	CHECK(cw_set_bound(&cl, 100) == 0);
	c = cw_get(&cl, "127.0.0.1:1");
	add_lines(c, 0, 100);
	CHECK(cw_set_bound(&cl, 300) == 0);
	add_lines(c, 100, 250);
	CHECK(c->count == 250 && strcmp(oldest_text(c), "line 0") == 0);
	/* Scrolled back to line 200: still there after shrinking to 100. */
	cw_scroll(c, 49, 80, 20);
	CHECK(c->scrolled && c->anchor_seq == c->first_seq + 200);
	kept = cw_line(c, c->anchor_seq);
	CHECK(cw_set_bound(&cl, 100) == 0);
	CHECK(c->count == 100 && strcmp(oldest_text(c), "line 150") == 0);
	CHECK(c->scrolled && cw_line(c, c->anchor_seq) == kept);
	/* Scrolled past what goes: the view moves to the oldest kept. */
	cw_scroll(c, 1000, 80, 20);
	CHECK(cw_set_bound(&cl, 100) == 0);
	add_lines(c, 250, 260);
	CHECK(c->anchor_seq >= c->first_seq);
	cw_free(&cl);
}

static struct cw_line *
stored(const char *text, int64_t rowid)
{
	struct cw_line	*l = cw_line_new(CW_MSG, "bob", text, 0);

	if (l != NULL)
		l->rowid = rowid;
	return l;
}

static void
add_stored(struct cw_conv *c, int64_t from, int64_t to)
{
	char	 text[32];
	int64_t	 r;

	for (r = from; r < to; r++) {
		snprintf(text, sizeof text, "row %lld", (long long)r);
		cw_append(c, stored(text, r));
	}
}

static void
hold_stored(struct cw_conv *c, int64_t from, int64_t to)
{
	char	 text[32];
	int64_t	 r;

	for (r = from; r < to; r++) {
		snprintf(text, sizeof text, "row %lld", (long long)r);
		cw_older_hold(c, stored(text, r));
	}
}

static int
rows_in_order(struct cw_conv *c)
{
	struct cw_line	*l;
	uint64_t	 seq;
	int64_t		 last = 0;

	for (seq = c->first_seq; seq < cw_end(c); seq++) {
		if ((l = cw_line(c, seq)) == NULL || l->rowid <= last)
			return 0;
		last = l->rowid;
	}
	return 1;
}

static void
test_older_lines_go_above_in_order_and_the_view_stays(void)
{
	struct cw_list	 cl;
	struct cw_conv	*c;
	struct cw_line	*bottom;

	CHECK(cw_init(&cl) == 0);
	c = cw_get(&cl, "127.0.0.1:1");
	add_stored(c, 201, 261);
	CHECK(!cw_near_top(c, 80, 20, 1));
	cw_scroll(c, 1000, 80, 20);
	CHECK(cw_near_top(c, 80, 20, 1));
	CHECK(cw_may_load_older(c) && cw_min_rowid(c) == 201);
	bottom = cw_line(c, c->anchor_seq);
	c->loading = 1;
	CHECK(!cw_may_load_older(c));
	/* Rows already held are skipped. */
	hold_stored(c, 150, 210);
	CHECK(cw_older_finish(c, 1) == 51);
	CHECK(c->count == 111 && c->loading == 0 && rows_in_order(c));
	CHECK(cw_line(c, c->first_seq)->rowid == 150);
	CHECK(cw_line(c, c->anchor_seq) == bottom);
	CHECK(!cw_near_top(c, 80, 20, 1));
	CHECK(cw_may_load_older(c) && cw_min_rowid(c) == 150);
	/* Fewer than asked: nothing older, stop asking. */
	c->loading = 2;
	hold_stored(c, 140, 150);
	CHECK(cw_older_finish(c, 0) == 10);
	CHECK(c->older_done && !cw_may_load_older(c) && rows_in_order(c));
	CHECK(cw_line(c, c->anchor_seq) == bottom);
	/* Not scrolled: the newest line stays at the bottom. */
	cw_scroll_end(c);
	c->older_done = 0;
	c->loading = 3;
	hold_stored(c, 100, 140);
	CHECK(cw_older_finish(c, 1) == 40 && !c->scrolled);
	CHECK(cw_line(c, cw_end(c) - 1)->rowid == 260);
	/* The status window never asks. */
	CHECK(!cw_may_load_older(cl.status));
	cw_free(&cl);
}

static void
test_older_lines_beyond_the_bound_are_dropped_and_asking_stops(void)
{
	struct cw_list	 cl;
	struct cw_conv	*c;

	CHECK(cw_init(&cl) == 0);
	CHECK(cw_set_bound(&cl, 100) == 0);
	c = cw_get(&cl, "127.0.0.1:1");
	add_stored(c, 1001, 1091);
	c->loading = 1;
	hold_stored(c, 951, 1001);
	CHECK(cw_older_finish(c, 1) == 10);
	/* The newest of the answer fit; the oldest were dropped. */
	CHECK(c->count == 100 && cw_line(c, c->first_seq)->rowid == 991);
	CHECK(rows_in_order(c) && cw_line(c, cw_end(c) - 1)->rowid == 1090);
	CHECK(!cw_may_load_older(c));
	/* Full, even with "nothing more" said: what was dropped is stored. */
	CHECK(!c->older_done);
	/* Room again: asking again. */
	CHECK(cw_set_bound(&cl, 200) == 0);
	CHECK(cw_may_load_older(c) && cw_min_rowid(c) == 991);
	cw_free(&cl);
}

static void
test_stored_states_have_their_marks(void)
{
	struct cw_list		 cl;
	struct cw_prefix	 p;
	struct cw_line		*l;
	static const struct {
		int		 stored;
		enum cw_state	 state;
		wchar_t		 mark;
	} cases[] = {
		{ CW_STORED_QUEUED, CW_PENDING, L'…' },
		{ CW_STORED_DELIVERED, CW_DELIVERED, L'✓' },
		{ CW_STORED_PARKED, CW_PARKED, L'⧗' },
		{ CW_STORED_PLAIN, CW_UNACKED, L'|' },
		{ CW_STORED_FAILED, CW_FAILED, L'✗' },
		{ CW_STORED_RECEIVED, CW_NONE, L'|' },
	};
	size_t			 i;

	CHECK(cw_init(&cl) == 0);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		CHECK(cw_stored_state(cases[i].stored) == cases[i].state);
		l = cw_line_new(CW_OWN, "alice", "x", 1);
		l->state = cw_stored_state(cases[i].stored);
		cw_prefix(cl.status, l, 80, &p);
		CHECK(p.mark == cases[i].mark);
		cw_line_free(l);
	}
	cw_free(&cl);
}

static struct event *
history_event(const char *peer, int outgoing, int state, int64_t rowid,
    const char *text)
{
	struct event	*ev = evq_new(EV_MESSAGE);

	snprintf(ev->peer, sizeof ev->peer, "%s", peer);
	ev->history = 1;
	ev->outgoing = outgoing;
	ev->state = (enum peer_state)state;
	ev->rowid = rowid;
	ev->id = (uint64_t)rowid;
	ev->time = 1700000000123LL;
	event_set_nick(ev, outgoing ? "alice" : "bob");
	event_set_text(ev, text, strlen(text));
	return ev;
}

static void
replay(struct cw_list *cl, const char *peer, int outgoing, int state,
    int64_t rowid, const char *text)
{
	struct event	*ev = history_event(peer, outgoing, state, rowid, text);

	CHECK(cw_add_replayed(cl, ev) == 0);
	evq_free(ev);
}

static void
test_replayed_lines_rebuild_an_offline_conversation(void)
{
	struct cw_list	 cl;
	struct cw_conv	*c;
	struct cw_line	*l;

	CHECK(cw_init(&cl) == 0);
	replay(&cl, "127.0.0.1:9", 0, CW_STORED_RECEIVED, 7, "hello");
	replay(&cl, "127.0.0.1:9", 1, CW_STORED_DELIVERED, 8, "hi");
	replay(&cl, "127.0.0.1:9", 1, CW_STORED_PARKED, 9, "there?");
	replay(&cl, "127.0.0.1:9", 1, CW_STORED_PARKED, 9, "there?");
	CHECK((c = cw_find(&cl, "127.0.0.1:9")) != NULL);
	CHECK(c->known && c->state == PEER_OFFLINE && c->unread == 0);
	CHECK(strcmp(cw_label(c), "bob") == 0);
	CHECK(c->count == 3);		/* the same row once */
	l = cw_line(c, c->first_seq);
	CHECK(l->kind == CW_MSG && l->when == 1700000000 && l->rowid == 7);
	l = cw_line(c, c->first_seq + 1);
	CHECK(l->kind == CW_OWN && l->state == CW_DELIVERED && l->id == 8);
	l = cw_line(c, c->first_seq + 2);
	CHECK(l->kind == CW_OWN && l->state == CW_PARKED);
	/* A delivery report finds a replayed line of ours. */
	CHECK(cw_find_id(c, 9) == l);
	/* Who answers first, of two conversations asking. */
	c->loading = 5;
	CHECK(cw_oldest_loading(&cl) == c);
	CHECK(cw_get(&cl, "127.0.0.1:10") != NULL);
	cw_get(&cl, "127.0.0.1:10")->loading = 4;
	CHECK(cw_oldest_loading(&cl) != c);
	cw_free(&cl);
}

static void
test_the_timestamp_width_is_measured(void)
{
	struct cw_list		 cl;
	struct cw_prefix	 p;
	struct cw_line		*l;
	char			 buf[64];
	size_t			 rows5;

	CHECK(cw_init(&cl) == 0);
	l = cw_line_new(CW_MSG, "bob", "one two three four five six seven "
	    "eight nine ten eleven twelve", 0);
	l->when = 1700000000;
	cw_prefix(cl.status, l, 80, &p);
	CHECK(p.show_time == 5 && p.width == 6 + 4 + 2);
	rows5 = cw_rows(cl.status, l, 40, NULL, 0);
	CHECK(cw_set_stamp(&cl, "%H:%M:%S") == 0 && cl.stamp.cols == 8);
	cw_stamp_text(cl.status, l, buf, sizeof buf);
	CHECK(strlen(buf) == 8 && buf[2] == ':' && buf[5] == ':');
	cw_prefix(cl.status, l, 80, &p);
	CHECK(p.show_time == 8 && p.width == 9 + 4 + 2 && p.indent == 15);
	/* Laid out again for the new width, not taken from before. */
	CHECK(cw_rows(cl.status, l, 40, NULL, 0) >= rows5);
	/* Names of days differ in length: the widest counts. */
	CHECK(cw_set_stamp(&cl, "%A") == 0 && cl.stamp.cols == 9);
	CHECK(cw_set_stamp(&cl, "") == 0 && cl.stamp.cols == 0);
	cw_prefix(cl.status, l, 80, &p);
	CHECK(p.show_time == 0 && p.width == 4 + 2);
	cw_stamp_text(cl.status, l, buf, sizeof buf);
	CHECK(buf[0] == '\0');
	/* Narrow panes leave the stamp out. */
	CHECK(cw_set_stamp(&cl, "%H:%M") == 0);
	cw_prefix(cl.status, l, 29, &p);
	CHECK(p.show_time == 0);
	cw_line_free(l);
	cw_free(&cl);
}

int
main(void)
{
	static const struct {
		const char	*name;
		void		(*fn)(void);
	} tests[] = {
#define T(f) { #f, f }
		T(test_control_characters_become_visible),
		T(test_newlines_are_kept_only_in_messages),
		T(test_tabs_expand_to_tab_stops),
		T(test_utf8_round_trips),
		T(test_a_letter_keeps_its_combining_marks),
		T(test_wrap_never_splits_or_loses_a_cell),
		T(test_wrap_breaks_after_spaces_and_at_newlines),
		T(test_backspace_removes_a_whole_cell),
		T(test_kills_add_up_and_yank_puts_them_back),
		T(test_history_keeps_the_draft),
		T(test_tab_cycles_through_matches),
		T(test_the_view_keeps_the_cursor_on_screen),
		T(test_scrolling_stops_at_both_ends),
		T(test_lines_are_bounded),
		T(test_scrollback_100_keeps_at_most_100_lines),
		T(test_growing_the_bound_keeps_lines_shrinking_drops_the_oldest),
		T(test_older_lines_go_above_in_order_and_the_view_stays),
		T(test_older_lines_beyond_the_bound_are_dropped_and_asking_stops),
		T(test_stored_states_have_their_marks),
		T(test_replayed_lines_rebuild_an_offline_conversation),
		T(test_the_timestamp_width_is_measured),
#undef T
	};
	size_t	 i;
	int	 passed = 0, failed = 0, before;

	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		printf("no C.UTF-8 locale\n0 passed, 1 failed\n");
		return 1;
	}
	for (i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		before = failed_checks;
		tests[i].fn();
		if (failed_checks == before) {
			passed++;
			printf("ok   %s\n", tests[i].name);
		} else {
			failed++;
			printf("FAIL %s\n", tests[i].name);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
