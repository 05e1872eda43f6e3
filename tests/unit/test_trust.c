/* test_trust.c: trust on first use (trust.c), in memory and in the store. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/scratch.h"

#include <sqlite3.h>
#include <uv.h>

#include "src/store.h"
#include "src/trust.h"

#define A	"127.0.0.1:4000"
#define B	"127.0.0.1:4001"
#define C	"[::1]:4002"

/* A key that is all byte b. */
static const unsigned char *
key(int b)
{
	static unsigned char	 k[4][TRUST_KEY_BYTES];
	static int		 next;
	unsigned char		*p = k[next++ % 4];

	memset(p, b, TRUST_KEY_BYTES);
	return p;
}

static enum peer_trust
check(struct trust *t, int k, const char *addr, const char *name)
{
	enum peer_trust	 out = TRUST_NONE;

	assert_int_equal(trust_check(t, key(k), addr, name, &out, NULL), 0);
	return out;
}

static struct trust *
memory(void)
{
	struct trust	*t;

	assert_int_equal(trust_open(&t, NULL), 0);
	return t;
}

static void
test_the_first_key_is_new_then_known(void **state)
{
	struct trust	*t = memory();

	(void)state;
	assert_int_equal(check(t, 1, A, NULL), TRUST_NEW);
	assert_int_equal(check(t, 1, A, NULL), TRUST_KNOWN);
	assert_int_equal(trust_count(t), 1);
	trust_free(t);
}

static void
test_a_key_on_record_is_known_at_another_address(void **state)
{
	struct trust	*t = memory();

	(void)state;
	assert_int_equal(check(t, 1, A, "bob"), TRUST_NEW);
	assert_int_equal(check(t, 1, B, NULL), TRUST_KNOWN);
	assert_int_equal(check(t, 1, C, "bob"), TRUST_KNOWN);
	/* Each address it was at keeps it: a stranger there is a change. */
	assert_int_equal(check(t, 2, B, NULL), TRUST_CHANGED);
	trust_free(t);
}

static void
test_another_key_at_the_address_is_a_change(void **state)
{
	struct trust	*t = memory();
	enum peer_trust	 out;
	unsigned char	 old[TRUST_KEY_BYTES];

	(void)state;
	assert_int_equal(check(t, 1, A, NULL), TRUST_NEW);
	assert_int_equal(trust_check(t, key(2), A, NULL, &out, old), 0);
	assert_int_equal(out, TRUST_CHANGED);
	assert_memory_equal(old, key(1), TRUST_KEY_BYTES);
	/* Still changed the next time: nothing took the old key's place. */
	assert_int_equal(check(t, 2, A, NULL), TRUST_CHANGED);
	assert_int_equal(check(t, 1, A, NULL), TRUST_KNOWN);
	assert_int_equal(trust_count(t), 1);
	trust_free(t);
}

static void
test_another_key_under_the_name_is_a_change(void **state)
{
	struct trust	*t = memory();
	enum peer_trust	 out;
	unsigned char	 old[TRUST_KEY_BYTES];

	(void)state;
	assert_int_equal(check(t, 1, A, "bob"), TRUST_NEW);
	/* bob at a new address, with another key. */
	assert_int_equal(trust_check(t, key(2), B, "bob", &out, old), 0);
	assert_int_equal(out, TRUST_CHANGED);
	assert_memory_equal(old, key(1), TRUST_KEY_BYTES);
	/* Not bob: a peer of its own. */
	assert_int_equal(check(t, 2, B, "carol"), TRUST_NEW);
	trust_free(t);
}

static void
test_accept_replaces_the_old_key_and_verifies_the_new(void **state)
{
	struct trust	*t = memory();

	(void)state;
	assert_int_equal(check(t, 1, A, "bob"), TRUST_NEW);
	assert_int_equal(check(t, 2, A, "bob"), TRUST_CHANGED);
	assert_int_equal(trust_accept(t, key(2), A, "bob"), 0);
	assert_int_equal(check(t, 2, A, "bob"), TRUST_VERIFIED);
	/* The old key is the stranger now, at the address and the name. */
	assert_int_equal(check(t, 1, A, NULL), TRUST_CHANGED);
	assert_int_equal(check(t, 1, B, "bob"), TRUST_CHANGED);
	/* And nobody's anywhere else. */
	assert_int_equal(check(t, 1, C, NULL), TRUST_NEW);
	trust_free(t);
}

static void
test_verified_goes_with_the_key_to_any_address(void **state)
{
	struct trust	*t = memory();

	(void)state;
	assert_int_equal(check(t, 1, A, NULL), TRUST_NEW);
	assert_int_equal(check(t, 1, B, NULL), TRUST_KNOWN);
	assert_int_equal(trust_accept(t, key(1), A, NULL), 0);
	assert_int_equal(check(t, 1, B, NULL), TRUST_VERIFIED);
	assert_int_equal(check(t, 1, C, NULL), TRUST_VERIFIED);
	trust_free(t);
}

static void
test_lookup_finds_the_address_then_the_name(void **state)
{
	struct trust	*t = memory();
	unsigned char	 k[TRUST_KEY_BYTES];

	(void)state;
	assert_int_equal(trust_lookup(t, A, "bob", k), UV_ENOENT);
	assert_int_equal(check(t, 1, A, NULL), TRUST_NEW);
	assert_int_equal(check(t, 2, B, "bob"), TRUST_NEW);
	assert_int_equal(trust_lookup(t, A, "bob", k), 0);
	assert_memory_equal(k, key(1), TRUST_KEY_BYTES);
	assert_int_equal(trust_lookup(t, C, "bob", k), 0);
	assert_memory_equal(k, key(2), TRUST_KEY_BYTES);
	assert_int_equal(trust_lookup(t, C, NULL, k), UV_ENOENT);
	trust_free(t);
}

static void
test_a_full_table_keeps_what_it_has(void **state)
{
	struct trust	*t = memory();
	unsigned char	 k[TRUST_KEY_BYTES];
	enum peer_trust	 out;
	char		 addr[32];
	int		 i;

	(void)state;
	for (i = 0; i < TRUST_MAX; i++) {
		memset(k, 0, sizeof k);
		memcpy(k, &i, sizeof i);
		snprintf(addr, sizeof addr, "10.0.%d.%d:1", i / 256, i % 256);
		assert_int_equal(trust_check(t, k, addr, NULL, &out, NULL), 0);
		assert_int_equal(out, TRUST_NEW);
	}
	/* A stranger more: told new, kept nowhere, again and again. */
	assert_int_equal(check(t, 0xee, A, NULL), TRUST_NEW);
	assert_int_equal(check(t, 0xee, A, NULL), TRUST_NEW);
	assert_int_equal(trust_count(t), TRUST_MAX);
	/* The keys on record still count. */
	assert_int_equal(trust_check(t, key(0xee), "10.0.0.7:1", NULL, &out,
	    NULL), 0);
	assert_int_equal(out, TRUST_CHANGED);
	/* What the user accepts is kept all the same. */
	assert_int_equal(trust_accept(t, key(0xee), A, NULL), 0);
	assert_int_equal(check(t, 0xee, A, NULL), TRUST_VERIFIED);
	trust_free(t);
}

static struct store *
open_store(const char *dir)
{
	struct store	*s;
	char		*cause = NULL;

	assert_int_equal(store_open(&s, dir, &cause), 0);
	assert_null(cause);
	return s;
}

static void
test_records_outlive_a_restart(void **state)
{
	struct store	*s = open_store(*state);
	struct trust	*t;

	assert_int_equal(trust_open(&t, s), 0);
	assert_int_equal(check(t, 1, A, "bob"), TRUST_NEW);
	assert_int_equal(check(t, 3, B, NULL), TRUST_NEW);
	assert_int_equal(check(t, 3, C, NULL), TRUST_KNOWN);
	assert_int_equal(trust_accept(t, key(3), B, NULL), 0);
	assert_int_equal(store_commit(s), 0);
	trust_free(t);
	store_close(s);

	s = open_store(*state);
	assert_int_equal(trust_open(&t, s), 0);
	assert_int_equal(trust_count(t), 3);
	assert_int_equal(check(t, 1, A, NULL), TRUST_KNOWN);
	assert_int_equal(check(t, 2, A, NULL), TRUST_CHANGED);
	/* The name was kept with it. */
	assert_int_equal(check(t, 2, "10.1.1.1:1", "bob"), TRUST_CHANGED);
	assert_int_equal(check(t, 3, C, NULL), TRUST_VERIFIED);
	assert_int_equal(trust_accept(t, key(2), A, "bob"), 0);
	assert_int_equal(store_commit(s), 0);
	trust_free(t);
	store_close(s);

	/* What /trust dropped stays dropped. */
	s = open_store(*state);
	assert_int_equal(trust_open(&t, s), 0);
	assert_int_equal(check(t, 2, A, "bob"), TRUST_VERIFIED);
	assert_int_equal(check(t, 1, A, NULL), TRUST_CHANGED);
	trust_free(t);
	store_close(s);
}

static void
test_a_database_of_schema_4_gets_the_table(void **state)
{
	struct store	*s = open_store(*state);
	struct trust	*t;
	sqlite3		*db;
	char		*path;

	store_close(s);
	/* Back to how the previous uvqq left it. */
	assert_true(asprintf(&path, "%s/uvqq.db", (char *)*state) > 0);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE trust; "
	    "PRAGMA user_version = 4", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	free(path);

	s = open_store(*state);
	assert_int_equal(trust_open(&t, s), 0);
	assert_int_equal(check(t, 1, A, NULL), TRUST_NEW);
	assert_int_equal(store_commit(s), 0);
	trust_free(t);
	store_close(s);
	s = open_store(*state);
	assert_int_equal(trust_open(&t, s), 0);
	assert_int_equal(check(t, 1, A, NULL), TRUST_KNOWN);
	trust_free(t);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_first_key_is_new_then_known),
		cmocka_unit_test(
		    test_a_key_on_record_is_known_at_another_address),
		cmocka_unit_test(test_another_key_at_the_address_is_a_change),
		cmocka_unit_test(test_another_key_under_the_name_is_a_change),
		cmocka_unit_test(
		    test_accept_replaces_the_old_key_and_verifies_the_new),
		cmocka_unit_test(
		    test_verified_goes_with_the_key_to_any_address),
		cmocka_unit_test(
		    test_lookup_finds_the_address_then_the_name),
		cmocka_unit_test(test_a_full_table_keeps_what_it_has),
		cmocka_unit_test_setup_teardown(
		    test_records_outlive_a_restart, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_database_of_schema_4_gets_the_table, scratch_setup,
		    scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
