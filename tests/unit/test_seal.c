/* test_seal.c: session keys agree, seals open only whole, replays are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#include <uv.h>

#include "net/seal.h"

struct side {
	struct seal_keypair	 stat, eph;
	uint64_t		 sid;
};

static void
side_new(struct side *s, uint64_t sid)
{
	assert_int_equal(seal_keypair_new(&s->stat), 0);
	assert_int_equal(seal_keypair_new(&s->eph), 0);
	s->sid = sid;
}

static int
derive(struct seal_keys *k, const struct side *me, const struct side *them)
{
	return seal_derive(k, &me->stat, &me->eph, me->sid, them->stat.pk,
	    them->eph.pk, them->sid);
}

static void
test_both_sides_derive_the_same_keys(void **state)
{
	struct side	 a, b;
	struct seal_keys ka, kb;

	(void)state;
	side_new(&a, 7);
	side_new(&b, 3);
	assert_int_equal(derive(&ka, &a, &b), 0);
	assert_int_equal(derive(&kb, &b, &a), 0);
	assert_memory_equal(ka.tx, kb.rx, SEAL_KEY_BYTES);
	assert_memory_equal(ka.rx, kb.tx, SEAL_KEY_BYTES);
	assert_memory_not_equal(ka.tx, ka.rx, SEAL_KEY_BYTES);
	/* Equal session ids cannot be told apart. */
	b.sid = a.sid;
	assert_int_equal(derive(&ka, &a, &b), UV_EINVAL);
}

static void
test_only_the_static_key_holder_gets_the_keys(void **state)
{
	struct side	 a, b, mallory;
	struct seal_keys ka, km;

	(void)state;
	side_new(&a, 1);
	side_new(&b, 2);
	/* Mallory claims b's static key, with her own secret and b's
	 * session: she cannot compute what a computes. */
	side_new(&mallory, 2);
	memcpy(mallory.stat.pk, b.stat.pk, SEAL_PUB_BYTES);
	assert_int_equal(derive(&ka, &a, &b), 0);
	assert_int_equal(derive(&km, &mallory, &a), 0);
	assert_memory_not_equal(ka.rx, km.tx, SEAL_KEY_BYTES);
	/* A new ephemeral key, a new session: new keys. */
	assert_int_equal(seal_keypair_new(&b.eph), 0);
	assert_int_equal(derive(&km, &a, &b), 0);
	assert_memory_not_equal(ka.tx, km.tx, SEAL_KEY_BYTES);
}

static void
test_a_seal_opens_only_whole_and_under_its_counter(void **state)
{
	static const uint8_t	 ad[] = "uvqq/1 SEAL s=1 d=2 c=5";
	const char		*text = "你好 bob, see you at 3";
	size_t			 len = strlen(text);
	uint8_t			 key[SEAL_KEY_BYTES], sealed[64], out[64];

	(void)state;
	randombytes_buf(key, sizeof key);
	seal_encrypt(sealed, (const uint8_t *)text, len, ad, sizeof ad, key,
	    5);
	assert_int_equal(seal_decrypt(out, sealed, len + SEAL_TAG_BYTES, ad,
	    sizeof ad, key, 5), 0);
	assert_memory_equal(out, text, len);
	assert_int_not_equal(seal_decrypt(out, sealed, len + SEAL_TAG_BYTES,
	    ad, sizeof ad, key, 6), 0);
	assert_int_not_equal(seal_decrypt(out, sealed, len + SEAL_TAG_BYTES,
	    ad, sizeof ad - 2, key, 5), 0);
	sealed[3] ^= 1;
	assert_int_not_equal(seal_decrypt(out, sealed, len + SEAL_TAG_BYTES,
	    ad, sizeof ad, key, 5), 0);
	assert_int_not_equal(seal_decrypt(out, sealed, 3, ad, sizeof ad, key,
	    5), 0);
}

static void
test_the_window_takes_each_counter_once(void **state)
{
	struct seal_window	 w;
	uint64_t		 c;

	(void)state;
	memset(&w, 0, sizeof w);
	assert_false(seal_window_fresh(&w, 0));
	assert_true(seal_window_fresh(&w, 1));
	seal_window_mark(&w, 1);
	assert_false(seal_window_fresh(&w, 1));
	/* Reordered: 5 before 3 and 4, all once. */
	seal_window_mark(&w, 5);
	assert_true(seal_window_fresh(&w, 3));
	seal_window_mark(&w, 3);
	assert_false(seal_window_fresh(&w, 3));
	assert_true(seal_window_fresh(&w, 4));
	assert_false(seal_window_fresh(&w, 5));
	/* Far ahead: what fell out of the window is refused. */
	seal_window_mark(&w, 5 + SEAL_WINDOW);
	assert_false(seal_window_fresh(&w, 4));
	assert_false(seal_window_fresh(&w, 5));
	assert_true(seal_window_fresh(&w, 6 + 1));
	/* The slots reused by new counters start empty. */
	for (c = 6 + SEAL_WINDOW; c < 6 + 2 * SEAL_WINDOW; c += 97) {
		assert_true(seal_window_fresh(&w, c));
		seal_window_mark(&w, c);
		assert_false(seal_window_fresh(&w, c));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_sides_derive_the_same_keys),
		cmocka_unit_test(test_only_the_static_key_holder_gets_the_keys),
		cmocka_unit_test(test_a_seal_opens_only_whole_and_under_its_counter),
		cmocka_unit_test(test_the_window_takes_each_counter_once),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
