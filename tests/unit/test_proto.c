/* test_proto.c: the uvqq/1 frame codec. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>
#include <uv.h>

#include "net/proto.h"

/* A public key in base64url: 32 bytes of 0x00. */
#define KEY_A	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static int
decode_str(const char *s, struct frame *f)
{
	return proto_decode(s, strlen(s), f);
}

static void
test_msg_round_trips_with_body(void **state)
{
	struct frame	 f, g;
	char		 buf[2048];
	int		 n;

	(void)state;
	memset(&f, 0, sizeof f);
	f.type = FRAME_MSG;
	f.sid = 0x0123456789abcdefULL;
	f.seq = 7;
	f.base = 5;
	f.msgid = 42;
	f.frag = 1;
	f.nfrags = 3;
	f.body = "你好 world\nsecond line";
	f.bodylen = strlen(f.body);
	n = proto_encode(&f, buf, sizeof buf);
	assert_true(n > 0);
	assert_int_equal(proto_decode(buf, (size_t)n, &g), 0);
	assert_int_equal(g.type, FRAME_MSG);
	assert_true(g.sid == f.sid);
	assert_true(g.seq == 7 && g.base == 5 && g.msgid == 42);
	assert_int_equal(g.frag, 1);
	assert_int_equal(g.nfrags, 3);
	assert_int_equal(g.bodylen, f.bodylen);
	assert_memory_equal(g.body, f.body, f.bodylen);
}

static void
test_hello_nick_with_spaces_and_percent_round_trips(void **state)
{
	struct frame	 f, g;
	char		 buf[512];
	int		 n;

	(void)state;
	memset(&f, 0, sizeof f);
	f.type = FRAME_HELLO;
	f.sid = 1;
	memset(f.ikey, 0xab, sizeof f.ikey);
	memset(f.ekey, 0xcd, sizeof f.ekey);
	strcpy(f.nick, "小明 100%=ok");
	n = proto_encode(&f, buf, sizeof buf);
	assert_true(n > 0);
	assert_null(memchr(buf, '\n', (size_t)n));
	assert_int_equal(proto_decode(buf, (size_t)n, &g), 0);
	assert_string_equal(g.nick, "小明 100%=ok");
	assert_memory_equal(g.ikey, f.ikey, sizeof f.ikey);
	assert_memory_equal(g.ekey, f.ekey, sizeof f.ekey);
}

static void
test_ack_with_sack_ranges_round_trips(void **state)
{
	struct frame	 f, g;
	char		 buf[512];
	int		 n;

	(void)state;
	memset(&f, 0, sizeof f);
	f.type = FRAME_ACK;
	f.sid = 2;
	f.dsid = 3;
	f.ack = 10;
	f.nsack = 2;
	f.sack[0].first = 12;
	f.sack[0].last = 15;
	f.sack[1].first = 18;
	f.sack[1].last = 18;
	n = proto_encode(&f, buf, sizeof buf);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, " k=12-15,18"));
	assert_int_equal(proto_decode(buf, (size_t)n, &g), 0);
	assert_true(g.ack == 10 && g.dsid == 3);
	assert_int_equal(g.nsack, 2);
	assert_true(g.sack[0].first == 12 && g.sack[0].last == 15);
	assert_true(g.sack[1].first == 18 && g.sack[1].last == 18);
}

static void
test_decode_rejects_truncated_header(void **state)
{
	struct frame	 f;

	(void)state;
	assert_int_equal(decode_str("uvqq/1", &f), UV_EINVAL);
	assert_int_equal(decode_str("uvqq/1 ", &f), UV_EINVAL);
	assert_int_equal(decode_str("uvqq/1 MSG s=0000000000000001 q=1", &f),
	    UV_EINVAL);
	assert_int_equal(decode_str("uvqq/1 PING s=00000001", &f), UV_EINVAL);
}

static void
test_decode_rejects_unknown_type_and_bad_numbers(void **state)
{
	struct frame	 f;

	(void)state;
	assert_int_equal(decode_str("uvqq/1 FOO s=0000000000000001", &f),
	    UV_EINVAL);
	assert_int_equal(decode_str("uvqq/1 ACK s=0000000000000001 "
	    "d=0000000000000002 a=-1", &f), UV_EINVAL);
	assert_int_equal(decode_str("uvqq/1 ACK s=0000000000000001 "
	    "d=0000000000000002 a=99999999999999999999999", &f), UV_EINVAL);
	assert_int_equal(decode_str("uvqq/1 MSG s=0000000000000001 q=1 b=1 "
	    "m=1 f=0/999", &f), UV_EINVAL);
	assert_int_equal(decode_str("uvqq/1 MSG s=0000000000000001 q=1 b=1 "
	    "m=1 f=3/2", &f), UV_EINVAL);
	assert_int_equal(decode_str("uvqq/1 MSG s=0000000000000001 q=1 b=2 "
	    "m=1 f=0/1", &f), UV_EINVAL);
}

static void
test_decode_rejects_zero_session_and_missing_keys(void **state)
{
	struct frame	 f;

	(void)state;
	assert_int_equal(decode_str("uvqq/1 PING s=0000000000000000", &f),
	    UV_EINVAL);
	/* A HELLO without both keys, or with one of the wrong length. */
	assert_int_equal(decode_str("uvqq/1 HELLO s=0000000000000001 n=a "
	    "i=" KEY_A, &f), UV_EINVAL);
	assert_int_equal(decode_str("uvqq/1 HELLO s=0000000000000001 n=a "
	    "i=" KEY_A " e=" KEY_A "A", &f), UV_EINVAL);
	assert_int_equal(decode_str("uvqq/1 HELLO s=0000000000000001 n=a "
	    "i=" KEY_A " e=" KEY_A, &f), 0);
	/* A seal's counter starts at 1. */
	assert_int_equal(decode_str("uvqq/1 SEAL s=0000000000000001 "
	    "d=0000000000000002 c=0\nAAAA", &f), UV_EINVAL);
	assert_int_equal(decode_str("uvqq/1 SEAL s=0000000000000001 "
	    "d=0000000000000002 c=1\nAAAA", &f), 0);
}

static void
test_decode_rejects_repeated_key(void **state)
{
	struct frame	 f;

	(void)state;
	assert_int_equal(decode_str("uvqq/1 PING s=0000000000000001 "
	    "s=0000000000000002", &f), UV_EINVAL);
}

static void
test_decode_ignores_unknown_keys_for_later_versions(void **state)
{
	struct frame	 f;

	(void)state;
	assert_int_equal(decode_str("uvqq/1 PING s=0000000000000001 z=9 "
	    "crypto=x25519", &f), 0);
	assert_int_equal(f.type, FRAME_PING);
}

static void
test_decode_reports_other_versions(void **state)
{
	struct frame	 f;

	(void)state;
	assert_int_equal(decode_str("uvqq/2 PING s=0000000000000001", &f),
	    UV_EPROTONOSUPPORT);
}

static void
test_plain_text_is_not_a_frame(void **state)
{
	(void)state;
	assert_false(proto_is_frame("hello", 5));
	assert_false(proto_is_frame("uvqq/", 5));
	assert_false(proto_is_frame("uvqq/x", 6));
	assert_false(proto_is_frame("", 0));
	assert_true(proto_is_frame("uvqq/1 PING", 11));
}

static void
test_decode_rejects_nick_with_control_or_bad_utf8(void **state)
{
	struct frame	 f;

	(void)state;
	assert_int_equal(decode_str("uvqq/1 HELLO s=0000000000000001 n=a%1Bb "
	    "u=0000000000000001", &f), UV_EINVAL);
	assert_int_equal(decode_str("uvqq/1 HELLO s=0000000000000001 n=%FF",
	    &f), UV_EINVAL);
	assert_int_equal(decode_str("uvqq/1 HELLO s=0000000000000001 n=%4",
	    &f), UV_EINVAL);
}

static void
test_decode_rejects_oversized_segment_body(void **state)
{
	char		 buf[PROTO_SEGMENT_BODY + 200];
	struct frame	 f;
	int		 n;

	(void)state;
	n = snprintf(buf, sizeof buf, "uvqq/1 MSG s=0000000000000001 q=1 b=1 "
	    "m=1 f=0/1\n");
	memset(buf + n, 'x', PROTO_SEGMENT_BODY + 1);
	assert_int_equal(proto_decode(buf, (size_t)n + PROTO_SEGMENT_BODY + 1,
	    &f), UV_EINVAL);
	assert_int_equal(proto_decode(buf, (size_t)n + PROTO_SEGMENT_BODY,
	    &f), 0);
}

static void
test_encode_reports_small_buffer(void **state)
{
	struct frame	 f;
	char		 buf[16];

	(void)state;
	memset(&f, 0, sizeof f);
	f.type = FRAME_PING;
	assert_int_equal(proto_encode(&f, buf, sizeof buf), UV_ENOBUFS);
}

static void
test_packed_frames_decode_one_after_another(void **state)
{
	struct frame	 f, g;
	char		 buf[1024];
	size_t		 off = 0, used;
	int		 n, i;
	const char	*bodies[] = { "你好\nuvqq/1 MSG fake", "", "third" };

	(void)state;
	for (i = 0; i < 3; i++) {
		memset(&f, 0, sizeof f);
		f.type = FRAME_MSG;
		f.sid = 9;
		f.seq = f.base = (uint64_t)i + 1;
		f.msgid = (uint64_t)i + 100;
		f.nfrags = 1;
		f.packed = 1;
		f.body = bodies[i];
		f.bodylen = strlen(bodies[i]);
		n = proto_encode(&f, buf + off, sizeof buf - off);
		assert_true(n > 0);
		off += (size_t)n;
	}
	/* A body that looks like a frame is still a body: l= says where
	 * it ends. */
	for (i = 0; i < 3; i++) {
		assert_int_equal(proto_decode_next(buf, off, &g, &used), 0);
		assert_true(g.packed);
		assert_true(g.msgid == (uint64_t)i + 100);
		assert_int_equal(g.bodylen, strlen(bodies[i]));
		assert_memory_equal(g.body, bodies[i], g.bodylen);
		assert_true(used > 0 && used <= off);
		memmove(buf, buf + used, off - used);
		off -= used;
	}
	assert_int_equal(off, 0);
}

static void
test_packed_frame_rejects_length_past_the_end(void **state)
{
	struct frame	 g;
	size_t		 used;
	const char	*s = "uvqq/1 MSG s=0000000000000009 q=1 b=1 m=1 f=0/1 "
	    "l=6\nhello";
	const char	*two = "uvqq/1 MSG s=0000000000000009 q=1 b=1 m=1 f=0/1 "
	    "l=5\nhellouvqq/1 PING s=0000000000000009";

	(void)state;
	assert_int_equal(proto_decode_next(s, strlen(s), &g, &used),
	    UV_EINVAL);
	assert_int_equal(decode_str("uvqq/1 PING s=0000000000000009 l=0", &g),
	    UV_EINVAL);	/* l= needs the newline that starts the body */
	/* proto_decode wants one frame: two packed are not one. */
	assert_int_equal(decode_str(two, &g), UV_EINVAL);
	assert_int_equal(proto_decode_next(two, strlen(two), &g, &used), 0);
	assert_int_equal(g.type, FRAME_MSG);
	assert_int_equal(proto_decode_next(two + used, strlen(two) - used, &g,
	    &used), 0);
	assert_int_equal(g.type, FRAME_PING);
}

static void
test_hello_offers_packing(void **state)
{
	struct frame	 f, g;
	char		 buf[512];
	int		 n;

	(void)state;
	memset(&f, 0, sizeof f);
	f.type = FRAME_HELLO;
	f.sid = 1;
	strcpy(f.nick, "bob");
	f.packs = 1;
	n = proto_encode(&f, buf, sizeof buf);
	assert_true(n > 0);
	assert_non_null(memmem(buf, (size_t)n, " p=1", 4));
	assert_int_equal(proto_decode(buf, (size_t)n, &g), 0);
	assert_true(g.packs);
	/* An older peer's HELLO has no p=: nothing is packed for it. */
	assert_int_equal(decode_str("uvqq/1 HELLO s=0000000000000001 n=x "
	    "i=" KEY_A " e=" KEY_A, &g), 0);
	assert_false(g.packs);
}

/*
 * The table codec against libsodium's (which it replaced): the same text
 * for every length, and the same answer for any string, good or bad.
 */
static void
test_b64_agrees_with_libsodium(void **state)
{
	static const char	 chars[] = "AQgw_-z09+/= \n";
	uint8_t			 bin[64], a[64], b[64];
	char			 mine[96], theirs[96], text[40];
	size_t			 len, i, n;
	int			 round, r;

	(void)state;
	assert_int_equal(sodium_init() >= 0, 1);
	for (round = 0; round < 2000; round++) {
		len = randombytes_uniform(sizeof bin);
		randombytes_buf(bin, len);
		r = proto_b64_encode(mine, sizeof mine, bin, len);
		sodium_bin2base64(theirs, sizeof theirs, bin, len,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		assert_int_equal(r, (int)strlen(theirs));
		assert_string_equal(mine, theirs);
		assert_int_equal(proto_b64_decode(a, sizeof a, mine,
		    (size_t)r), (int)len);
		assert_memory_equal(a, bin, len);
		/* Exactly as long as needed: no room for the NUL fails. */
		assert_int_equal(proto_b64_encode(mine, (size_t)r, bin, len),
		    UV_ENOBUFS);
	}
	for (round = 0; round < 20000; round++) {
		len = randombytes_uniform(sizeof text);
		for (i = 0; i < len; i++)
			text[i] = round % 4 == 0 ?
			    chars[randombytes_uniform(sizeof chars - 1)] :
			    mine[randombytes_uniform(40)];
		r = proto_b64_decode(a, sizeof a, text, len);
		if (sodium_base642bin(b, sizeof b, text, len, NULL, &n, NULL,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
			assert_int_equal(r, UV_EINVAL);
		else {
			assert_int_equal(r, (int)n);
			assert_memory_equal(a, b, n);
		}
	}
	/* Too small a buffer is an error, as it is for libsodium. */
	assert_int_equal(proto_b64_decode(a, 2, "AAAA", 4), UV_EINVAL);
}

static void
test_lan_frame_round_trips_and_rejects_bad_fields(void **state)
{
	static const char *const bad[] = {
		"t=x o=8097", "t=a o=0", "t=a o=65536", "t=ab o=1", "o=1",
		"t=a",
	};
	struct frame	 f, g;
	char		 buf[512], line[600];
	size_t		 i;
	int		 n;

	(void)state;
	memset(&f, 0, sizeof f);
	f.type = FRAME_LAN;
	f.sid = 7;
	f.lan = 'a';
	f.port = 8097;
	memset(f.ikey, 0x5a, sizeof f.ikey);
	strcpy(f.nick, "小明");
	n = proto_encode(&f, buf, sizeof buf);
	assert_true(n > 0);
	assert_null(strstr(buf, " e="));	/* no ephemeral key in it */
	assert_int_equal(proto_decode(buf, (size_t)n, &g), 0);
	assert_int_equal(g.type, FRAME_LAN);
	assert_int_equal(g.lan, 'a');
	assert_int_equal(g.port, 8097);
	assert_string_equal(g.nick, "小明");
	assert_memory_equal(g.ikey, f.ikey, sizeof f.ikey);
	/* The same header with each bad t/o: refused, never half taken. */
	buf[n] = '\0';
	*strstr(buf, " t=") = '\0';
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(line, sizeof line, "%s %s", buf, bad[i]);
		assert_int_equal(proto_decode(line, strlen(line), &g),
		    UV_EINVAL);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msg_round_trips_with_body),
		cmocka_unit_test(test_hello_nick_with_spaces_and_percent_round_trips),
		cmocka_unit_test(test_ack_with_sack_ranges_round_trips),
		cmocka_unit_test(test_decode_rejects_truncated_header),
		cmocka_unit_test(test_decode_rejects_unknown_type_and_bad_numbers),
		cmocka_unit_test(test_decode_rejects_repeated_key),
		cmocka_unit_test(test_decode_rejects_zero_session_and_missing_keys),
		cmocka_unit_test(test_decode_ignores_unknown_keys_for_later_versions),
		cmocka_unit_test(test_decode_reports_other_versions),
		cmocka_unit_test(test_plain_text_is_not_a_frame),
		cmocka_unit_test(test_decode_rejects_nick_with_control_or_bad_utf8),
		cmocka_unit_test(test_decode_rejects_oversized_segment_body),
		cmocka_unit_test(test_encode_reports_small_buffer),
		cmocka_unit_test(test_packed_frames_decode_one_after_another),
		cmocka_unit_test(test_packed_frame_rejects_length_past_the_end),
		cmocka_unit_test(test_hello_offers_packing),
		cmocka_unit_test(test_b64_agrees_with_libsodium),
		cmocka_unit_test(test_lan_frame_round_trips_and_rejects_bad_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
