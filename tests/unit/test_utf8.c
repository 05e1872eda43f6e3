/* test_utf8.c: strict decoding, repair and boundary-safe cuts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "src/utf8.h"

static void
test_valid_accepts_chinese_and_emoji(void **state)
{
	const char	*s = "hello 你好 👍🏽 é";

	(void)state;
	assert_true(utf8_valid(s, strlen(s)));
}

static void
test_valid_rejects_overlong_surrogate_and_truncated(void **state)
{
	(void)state;
	assert_false(utf8_valid("\xc0\xaf", 2));		/* overlong '/' */
	assert_false(utf8_valid("\xed\xa0\x80", 3));		/* surrogate */
	assert_false(utf8_valid("\xe4\xbd", 2));		/* cut short */
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
	assert_false(utf8_valid("a\0b", 3));			/* NUL */
	assert_false(utf8_valid("\x80", 1));
}

static void
test_sanitize_replaces_each_bad_byte_with_fffd(void **state)
{
	char	*out;
	size_t	 len;

	(void)state;
	assert_int_equal(utf8_sanitize("a\xffz\0!", 5, &out, &len), 0);
	assert_string_equal(out, "a\xef\xbf\xbdz\xef\xbf\xbd!");
	assert_int_equal(len, strlen(out));
	free(out);
}

static void
test_cut_never_splits_a_character(void **state)
{
	const char	*s = "你好世界";	/* 3 bytes each */

	(void)state;
	assert_int_equal(utf8_cut(s, 12, 12), 12);
	assert_int_equal(utf8_cut(s, 12, 11), 9);
	assert_int_equal(utf8_cut(s, 12, 7), 6);
	assert_int_equal(utf8_cut(s, 12, 3), 3);
	assert_int_equal(utf8_cut("abc", 3, 2), 2);
}

static void
test_decode_reports_code_point_and_length(void **state)
{
	uint32_t	 cp;

	(void)state;
	assert_int_equal(utf8_decode("你", 3, &cp), 3);
	assert_int_equal(cp, 0x4f60);
	assert_int_equal(utf8_decode("\xf0\x9f\x91\x8d", 4, &cp), 4);
	assert_int_equal(cp, 0x1f44d);
}

static void
test_is_text_takes_a_few_bad_bytes_but_not_binary(void **state)
{
	unsigned char	 noise[4096];
	unsigned	 x = 12345;
	size_t		 i;

	(void)state;
	assert_true(utf8_is_text("你好 world\r\n\tok", 17));
	assert_true(utf8_is_text("caf\xe9 au lait", 12));	/* Latin-1 */
	assert_true(utf8_is_text("\xff", 1));
	assert_true(utf8_is_text("", 0));
	assert_false(utf8_is_text("\x00\x01\x02\x03" "abc", 7));
	assert_false(utf8_is_text("\xc4\xe3\xba\xc3", 4));	/* GBK 你好 */
	for (i = 0; i < sizeof noise; i++) {
		x = x * 1103515245 + 12345;
		noise[i] = (unsigned char)(x >> 16);
	}
	assert_false(utf8_is_text((char *)noise, sizeof noise));
	/* A mis-encoded word in a long line of Chinese is still text. */
	assert_true(utf8_is_text("今天下午三点 \xb2\xe2\xca\xd4 见", 27));
}

/* clean says exactly when utf8_sanitize would give the text back as it
 * is: net then copies it rather than repairing it. */
static void
test_scan_says_when_sanitize_changes_nothing(void **state)
{
	static const char	 bytes[] = "a \t\x01\xe4\xbd\xa0\xff\xc3\x00";
	char			 in[12], *out;
	size_t			 len, n, i;
	int			 round, clean, same;

	(void)state;
	assert_true(utf8_text_scan("你好 world\t", 13, &clean) && clean);
	assert_true(utf8_text_scan("caf\xe9 au lait", 12, &clean) && !clean);
	srand(16);
	for (round = 0; round < 20000; round++) {
		len = (size_t)rand() % sizeof in;
		for (i = 0; i < len; i++)
			in[i] = bytes[rand() % (sizeof bytes)];
		if (!utf8_text_scan(in, len, &clean))
			continue;
		assert_int_equal(utf8_sanitize(in, len, &out, &n), 0);
		same = n == len && memcmp(out, in, len) == 0;
		assert_int_equal(clean, same);
		free(out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_accepts_chinese_and_emoji),
		cmocka_unit_test(test_valid_rejects_overlong_surrogate_and_truncated),
		cmocka_unit_test(test_sanitize_replaces_each_bad_byte_with_fffd),
		cmocka_unit_test(test_cut_never_splits_a_character),
		cmocka_unit_test(test_decode_reports_code_point_and_length),
		cmocka_unit_test(test_is_text_takes_a_few_bad_bytes_but_not_binary),
		cmocka_unit_test(test_scan_says_when_sanitize_changes_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
