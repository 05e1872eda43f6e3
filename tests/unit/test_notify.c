/* test_notify.c: a notification's text, its sequence, its way, its limit. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ui/notify.h"

static size_t
clean(const char *s, size_t max, int flags, char *out, size_t outlen)
{
	return notify_clean(s, strlen(s), max, flags, out, outlen);
}

static void
test_clean_drops_escapes_bells_and_c1_controls(void **state)
{
	char	 out[128];

	(void)state;
	clean("hi \033]777;notify;x;y\a there\033\\ \xc2\x9c\xc2\x9b end\x7f",
	    NOTIFY_BODY_MAX, 0, out, sizeof out);
	assert_string_equal(out, "hi ]777;notify;x;y there\\  end");
	assert_null(strchr(out, '\033'));
	assert_null(strchr(out, '\a'));
}

static void
test_clean_keeps_chinese_and_makes_tabs_spaces(void **state)
{
	char	 out[128];

	(void)state;
	clean("你好\tbob 👍", NOTIFY_BODY_MAX, 0, out, sizeof out);
	assert_string_equal(out, "你好 bob 👍");
}

static void
test_clean_takes_the_first_line_and_marks_the_rest(void **state)
{
	char	 out[128];

	(void)state;
	clean("\n\r\nfirst line\nsecond", NOTIFY_BODY_MAX, 0, out,
	    sizeof out);
	assert_string_equal(out, "first line\xe2\x80\xa6");
	clean("only line\n\n  \n", NOTIFY_BODY_MAX, 0, out, sizeof out);
	assert_string_equal(out, "only line");
	clean("para\xe2\x80\xa9next", NOTIFY_BODY_MAX, 0, out, sizeof out);
	assert_string_equal(out, "para\xe2\x80\xa6");
}

static void
test_clean_cuts_at_a_character_boundary_with_an_ellipsis(void **state)
{
	char	 out[128], big[400];
	size_t	 n, i;

	(void)state;
	/* 40 characters of 3 bytes: 120 bytes, more than 100. */
	for (i = 0; i < 40; i++)
		memcpy(big + 3 * i, "\xe4\xb8\xad", 3);	/* 中 */
	big[120] = '\0';
	n = clean(big, NOTIFY_BODY_MAX, 0, out, sizeof out);
	assert_true(n <= NOTIFY_BODY_MAX);
	assert_int_equal(n, 99);		/* 32 x 中 + … */
	assert_memory_equal(out + 96, "\xe2\x80\xa6", 3);
	assert_memory_equal(out, big, 96);
	/* Exactly max fits without an ellipsis. */
	memset(big, 'a', 100);
	big[100] = '\0';
	assert_int_equal(clean(big, NOTIFY_BODY_MAX, 0, out, sizeof out),
	    100);
	assert_null(strstr(out, "\xe2\x80\xa6"));
	/* The buffer bounds it too. */
	assert_true(clean(big, NOTIFY_BODY_MAX, 0, out, 10) <= 9);
}

static void
test_clean_repairs_invalid_utf8_and_drops_bidi_controls(void **state)
{
	char	 out[128];

	(void)state;
	clean("caf\xe9 \xe2\x80\xae" "evil\xe2\x81\xa6!", NOTIFY_BODY_MAX, 0,
	    out, sizeof out);
	assert_string_equal(out, "caf\xef\xbf\xbd evil!");
}

static void
test_title_has_no_semicolon_or_control(void **state)
{
	char	 out[NOTIFY_TITLE_MAX + 1];

	(void)state;
	notify_title("bo;b\033[31m", out, sizeof out);
	assert_string_equal(out, "uvqq: bob[31m");
	notify_title(NULL, out, sizeof out);
	assert_string_equal(out, "uvqq: ");
}

static void
test_osc777_and_osc9_sequences(void **state)
{
	char	 out[NOTIFY_SEQ_MAX];
	size_t	 n;

	(void)state;
	n = notify_osc(NOTIFY_OSC777, 0, "uvqq: bob", "hi; there", out,
	    sizeof out);
	assert_string_equal(out, "\033]777;notify;uvqq: bob;hi; there\a");
	assert_int_equal(n, strlen(out));
	notify_osc(NOTIFY_OSC9, 0, "uvqq: bob", "4;1 hi", out, sizeof out);
	assert_string_equal(out, "\033]9;uvqq: bob: 4;1 hi\a");
}

static void
test_tmux_passthrough_doubles_every_escape(void **state)
{
	char	 out[NOTIFY_SEQ_MAX];

	(void)state;
	notify_osc(NOTIFY_OSC777, 1, "uvqq: bob", "hi", out, sizeof out);
	assert_string_equal(out,
	    "\033Ptmux;\033\033]777;notify;uvqq: bob;hi\a\033\\");
}

static void
test_osc_that_does_not_fit_is_not_cut(void **state)
{
	char	 out[16];

	(void)state;
	assert_int_equal(notify_osc(NOTIFY_OSC777, 1, "uvqq: bob", "hello",
	    out, sizeof out), 0);
}

static void
test_markup_is_escaped_for_the_desktop(void **state)
{
	char	 out[64];

	(void)state;
	notify_markup("<b>x</b> & 你", out, sizeof out);
	assert_string_equal(out, "&lt;b&gt;x&lt;/b&gt; &amp; 你");
	/* Cut short, never inside an entity or a character. */
	notify_markup("ab<", out, 5);
	assert_string_equal(out, "ab");
	notify_markup("a你", out, 3);
	assert_string_equal(out, "a");
}

static void
test_known_terminals(void **state)
{
	enum notify_osc		 osc;
	struct notify_term	 t;

	(void)state;
	memset(&t, 0, sizeof t);
	t.term = "xterm-256color";
	assert_false(notify_term_known(&t, &osc));
	assert_int_equal(osc, NOTIFY_OSC777);
	t.program = "WezTerm";
	assert_true(notify_term_known(&t, &osc));
	assert_int_equal(osc, NOTIFY_OSC777);
	t.program = "iTerm.app";
	assert_true(notify_term_known(&t, &osc));
	assert_int_equal(osc, NOTIFY_OSC9);
	memset(&t, 0, sizeof t);
	t.term = "xterm-kitty";
	assert_true(notify_term_known(&t, &osc));
	assert_int_equal(osc, NOTIFY_OSC9);
	t.term = "foot-extra";
	assert_true(notify_term_known(&t, &osc));
	assert_int_equal(osc, NOTIFY_OSC777);
	t.term = "xterm-ghostty";
	assert_true(notify_term_known(&t, &osc));
	/* Through tmux: its client's terminal. */
	memset(&t, 0, sizeof t);
	t.term = "xterm-256color";
	t.termtype = "foot(1.16.2)";
	assert_true(notify_term_known(&t, &osc));
	assert_int_equal(osc, NOTIFY_OSC777);
	t.termtype = "kitty(0.26.5)";
	assert_true(notify_term_known(&t, &osc));
	assert_int_equal(osc, NOTIFY_OSC9);
	t.termtype = "XTerm(379)";
	assert_false(notify_term_known(&t, &osc));
	memset(&t, 0, sizeof t);
	t.lc_terminal = "iTerm2";
	assert_true(notify_term_known(&t, &osc));
	assert_int_equal(osc, NOTIFY_OSC9);
}

static void
test_passthrough_values(void **state)
{
	(void)state;
	assert_true(notify_passthrough_on("1"));
	assert_true(notify_passthrough_on("on"));
	assert_true(notify_passthrough_on("all"));
	assert_false(notify_passthrough_on("0"));
	assert_false(notify_passthrough_on("off"));
	assert_false(notify_passthrough_on(""));
	assert_false(notify_passthrough_on(NULL));
}

static void
test_resolve_falls_back_to_the_bell(void **state)
{
	struct notify_caps	 caps;

	(void)state;
	memset(&caps, 0, sizeof caps);
	caps.bell = 1;
	assert_int_equal(notify_resolve(NOTIFY_AUTO, &caps), NOTIFY_RING);
	assert_int_equal(notify_resolve(NOTIFY_BELL, &caps), NOTIFY_RING);
	assert_int_equal(notify_resolve(NOTIFY_OFF, &caps), NOTIFY_NONE);
	assert_int_equal(notify_resolve(NOTIFY_DESKTOP, &caps), NOTIFY_RING);
	/* Asked for: the terminal's own even when it is not known. */
	assert_int_equal(notify_resolve(NOTIFY_TERMINAL, &caps), NOTIFY_OSC);
	caps.desktop = 1;
	assert_int_equal(notify_resolve(NOTIFY_AUTO, &caps), NOTIFY_SEND);
	assert_int_equal(notify_resolve(NOTIFY_DESKTOP, &caps), NOTIFY_SEND);
	caps.term_known = 1;
	assert_int_equal(notify_resolve(NOTIFY_AUTO, &caps), NOTIFY_OSC);
	/* tmux without passthrough lets no OSC out. */
	caps.tmux = 1;
	assert_int_equal(notify_resolve(NOTIFY_AUTO, &caps), NOTIFY_SEND);
	assert_int_equal(notify_resolve(NOTIFY_TERMINAL, &caps), NOTIFY_RING);
	caps.passthrough = 1;
	assert_int_equal(notify_resolve(NOTIFY_AUTO, &caps), NOTIFY_OSC);
	assert_int_equal(notify_resolve(NOTIFY_TERMINAL, &caps), NOTIFY_OSC);
}

static void
test_bell_off_silences_the_bell_only(void **state)
{
	struct notify_caps	 caps;

	(void)state;
	memset(&caps, 0, sizeof caps);
	assert_int_equal(notify_resolve(NOTIFY_BELL, &caps), NOTIFY_NONE);
	assert_int_equal(notify_resolve(NOTIFY_AUTO, &caps), NOTIFY_NONE);
	assert_int_equal(notify_resolve(NOTIFY_TERMINAL, &caps), NOTIFY_OSC);
	caps.desktop = 1;
	assert_int_equal(notify_resolve(NOTIFY_DESKTOP, &caps), NOTIFY_SEND);
}

static void
test_kind_names_round_trip(void **state)
{
	enum notify_kind	 k;
	const char		*names[] = { "auto", "off", "bell", "terminal",
	    "desktop" };
	size_t			 i;

	(void)state;
	for (i = 0; i < 5; i++) {
		assert_int_equal(notify_kind_parse(names[i], &k), 0);
		assert_string_equal(notify_kind_name(k), names[i]);
	}
	assert_int_not_equal(notify_kind_parse("on", &k), 0);
}

static void
test_limit_one_per_conversation_and_a_few_in_all(void **state)
{
	struct notify_limit	 l;
	uint64_t		 a = 0, b = 0, c = 0, d = 0, t = 1000000;

	(void)state;
	memset(&l, 0, sizeof l);
	assert_true(notify_allow(&l, &a, t));
	assert_false(notify_allow(&l, &a, t + 1));
	assert_false(notify_allow(&l, &a, t + NOTIFY_CONV_MS - 1));
	assert_true(notify_allow(&l, &b, t + 10));
	assert_true(notify_allow(&l, &c, t + 20));
	/* Three in this window already: a fourth peer waits. */
	assert_false(notify_allow(&l, &d, t + 30));
	assert_int_equal(d, 0);
	assert_true(notify_allow(&l, &d, t + NOTIFY_BURST_MS));
	assert_true(notify_allow(&l, &a, t + NOTIFY_BURST_MS + 10));
}

int
main(void)
{
#define T(name)	cmocka_unit_test(name)
	const struct CMUnitTest tests[] = {
		T(test_clean_drops_escapes_bells_and_c1_controls),
		T(test_clean_keeps_chinese_and_makes_tabs_spaces),
		T(test_clean_takes_the_first_line_and_marks_the_rest),
		T(test_clean_cuts_at_a_character_boundary_with_an_ellipsis),
		T(test_clean_repairs_invalid_utf8_and_drops_bidi_controls),
		T(test_title_has_no_semicolon_or_control),
		T(test_osc777_and_osc9_sequences),
		T(test_tmux_passthrough_doubles_every_escape),
		T(test_osc_that_does_not_fit_is_not_cut),
		T(test_markup_is_escaped_for_the_desktop),
		T(test_known_terminals),
		T(test_passthrough_values),
		T(test_resolve_falls_back_to_the_bell),
		T(test_bell_off_silences_the_bell_only),
		T(test_kind_names_round_trip),
		T(test_limit_one_per_conversation_and_a_few_in_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
