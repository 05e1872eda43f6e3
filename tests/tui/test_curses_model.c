/*
 * test_curses_model.c: the full-screen front end's parts that need no
 * terminal: safe text, wrapping by display width, the input line editor
 * and scrolling. One behaviour per test.
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
	CHECK(c->scrolled && c->anchor_seq == 89);	/* 10 rows up */
	cw_scroll(c, 1000, 80, 20);
	CHECK(c->scrolled && c->anchor_seq == 18);	/* 19 rows above */
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
	for (i = 0; i < CW_MAX_LINES + 10; i++)
		cw_add(c, CW_INFO, NULL, "x", 0);
	CHECK(c->count == CW_MAX_LINES && c->first_seq == 10);
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
