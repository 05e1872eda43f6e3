/* test_cmd.c: command lookup and argument splitting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <uv.h>

#include "src/cmd.h"

static void
test_find_takes_exact_names_and_unique_prefixes(void **state)
{
	(void)state;
	assert_ptr_equal(cmd_find("peer"), &cmd_peer_entry);
	assert_ptr_equal(cmd_find("peers"), &cmd_peers_entry);
	assert_ptr_equal(cmd_find("q"), &cmd_quit_entry);
	assert_ptr_equal(cmd_find("ni"), &cmd_nick_entry);
	assert_null(cmd_find("pe"));	/* peer or peers */
	assert_null(cmd_find("nope"));
	assert_null(cmd_find(""));
}

static void
test_split_gives_the_rest_of_the_line_to_the_last_argument(void **state)
{
	char		 line[] = "  bob   hello  world  ";
	char		*argv[4];
	const char	*why;

	(void)state;
	assert_int_equal(cmd_split(line, argv, 2, 1, &why), 2);
	assert_string_equal(argv[0], "bob");
	assert_string_equal(argv[1], "hello  world  ");
}

static void
test_split_rejects_too_many_words(void **state)
{
	char		 line[] = "a b c";
	char		*argv[4];
	const char	*why = NULL;

	(void)state;
	assert_int_equal(cmd_split(line, argv, 2, 0, &why), UV_E2BIG);
	assert_non_null(why);
}

static void
test_split_of_blank_line_is_empty(void **state)
{
	char		 line[] = " \t ";
	char		*argv[4];
	const char	*why;

	(void)state;
	assert_int_equal(cmd_split(line, argv, 2, 0, &why), 0);
}

static void
test_every_command_has_usage_and_help(void **state)
{
	const struct cmd_entry	*const *e;

	(void)state;
	for (e = cmd_table; *e != NULL; e++) {
		assert_non_null((*e)->args);
		assert_true(strlen((*e)->help) > 10);
		assert_true((*e)->min_args <= (*e)->max_args);
		assert_true((*e)->max_args <= CMD_MAX_ARGS);
		assert_non_null((*e)->exec);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_takes_exact_names_and_unique_prefixes),
		cmocka_unit_test(test_split_gives_the_rest_of_the_line_to_the_last_argument),
		cmocka_unit_test(test_split_rejects_too_many_words),
		cmocka_unit_test(test_split_of_blank_line_is_empty),
		cmocka_unit_test(test_every_command_has_usage_and_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
