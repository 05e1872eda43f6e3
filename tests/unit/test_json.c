/* test_json.c: JSON lines are valid RFC 8259 whatever the text holds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "ui/json.h"

static void
test_quote_escapes_quotes_backslashes_and_controls(void **state)
{
	struct jbuf	 b = { 0 };

	(void)state;
	json_quote(&b, "a\"b\\c\nd\te\x1b[31m\x01");
	assert_string_equal(b.data,
	    "\"a\\\"b\\\\c\\nd\\te\\u001b[31m\\u0001\"");
	jbuf_free(&b);
}

static void
test_quote_keeps_utf8_as_is(void **state)
{
	struct jbuf	 b = { 0 };

	(void)state;
	json_quote(&b, "你好 👍");
	assert_string_equal(b.data, "\"你好 👍\"");
	jbuf_free(&b);
}

static void
test_object_is_one_line(void **state)
{
	struct jbuf	 b = { 0 };

	(void)state;
	json_begin(&b, "sent");
	json_string(&b, "peer", "127.0.0.1:9");
	json_uint(&b, "id", 18446744073709551615ULL);
	json_string(&b, "absent", NULL);
	json_bool(&b, "history", 1);
	json_end(&b);
	assert_string_equal(b.data, "{\"event\":\"sent\",\"peer\":\"127.0.0.1:9\","
	    "\"id\":18446744073709551615,\"history\":true}\n");
	jbuf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_escapes_quotes_backslashes_and_controls),
		cmocka_unit_test(test_quote_keeps_utf8_as_is),
		cmocka_unit_test(test_object_is_one_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
