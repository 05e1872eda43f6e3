/* test_identity.c: the key pair, its file, its user id and fingerprint. */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "src/identity.h"

/* The key file's text for a pair, as uvqq writes it. */
#define KEY_TEXT	"uvqq identity key 1\nsecret %s\npublic %s\n"

struct dir {
	char	 path[64];
	char	 key[96];	/* path/identity.key */
};

static int
setup(void **state)
{
	struct dir	*d;

	if ((d = calloc(1, sizeof *d)) == NULL)
		return -1;
	snprintf(d->path, sizeof d->path, "/tmp/uvqq-identity-XXXXXX");
	if (mkdtemp(d->path) == NULL) {
		free(d);
		return -1;
	}
	snprintf(d->key, sizeof d->key, "%s/%s", d->path, IDENTITY_FILE);
	*state = d;
	return 0;
}

static int
teardown(void **state)
{
	struct dir	*d = *state;
	char		 cmd[96];
	int		 r;

	snprintf(cmd, sizeof cmd, "rm -rf %s", d->path);
	r = system(cmd);
	free(d);
	return r == 0 ? 0 : -1;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE	*f;

	unlink(path);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* A key file for (sk, pk), which need not belong together. */
static void
write_key(const char *path, const unsigned char *sk, const unsigned char *pk,
    mode_t mode)
{
	char	 skhex[65], pkhex[65], text[256];

	sodium_bin2hex(skhex, sizeof skhex, sk, 32);
	sodium_bin2hex(pkhex, sizeof pkhex, pk, 32);
	snprintf(text, sizeof text, KEY_TEXT, skhex, pkhex);
	write_file(path, text, mode);
}

/* identity_open must fail; its reason must hold each of the words. */
static void
assert_refused(const char *dir, const char *secret_hex, ...)
{
	struct identity	 id;
	const char	*word;
	char		*cause = NULL;
	va_list		 ap;

	assert_int_not_equal(identity_open(&id, dir, &cause), 0);
	assert_non_null(cause);
	va_start(ap, secret_hex);
	while ((word = va_arg(ap, const char *)) != NULL) {
		if (strstr(cause, word) == NULL)
			fail_msg("\"%s\" is not in: %s", word, cause);
	}
	va_end(ap);
	/* Nothing secret in what is shown to people. */
	if (secret_hex != NULL && strstr(cause, secret_hex) != NULL)
		fail_msg("the secret is in: %s", cause);
	free(cause);
}

/* Known vectors: hashlib.blake2b(pk, digest_size=20), b32encode, lower. */
static void
test_fingerprint_is_blake2b_160_in_lowercase_base32(void **state)
{
	unsigned char	 pk[32];
	char		 fp[IDENTITY_FP_LEN];
	int		 i;

	(void)state;
	for (i = 0; i < 32; i++)
		pk[i] = (unsigned char)i;
	identity_fingerprint(pk, fp);
	assert_string_equal(fp, "wgyt hom7 kfxg zawo 3kes 55np kd5e wttr");
	memset(pk, 0xff, sizeof pk);
	identity_fingerprint(pk, fp);
	assert_string_equal(fp, "pskd z2vk enm2 2dzi bcia d4ri 2x6d eatt");
}

/* 8 groups of 4 characters of a-z 2-7, one space between, for any key. */
static void
test_fingerprint_is_8_groups_of_4(void **state)
{
	unsigned char	 pk[32];
	char		 fp[IDENTITY_FP_LEN];
	int		 n, i;

	(void)state;
	for (n = 0; n < 100; n++) {
		randombytes_buf(pk, sizeof pk);
		identity_fingerprint(pk, fp);
		assert_int_equal(strlen(fp), 39);
		for (i = 0; i < 39; i++) {
			if (i % 5 == 4)
				assert_int_equal(fp[i], ' ');
			else
				assert_non_null(strchr(
				    "abcdefghijklmnopqrstuvwxyz234567", fp[i]));
		}
	}
}

/* hashlib.blake2b(pk, digest_size=32).digest()[:8], big-endian. */
static void
test_uid_is_the_first_8_bytes_of_blake2b_256(void **state)
{
	unsigned char	 pk[32];
	int		 i;

	(void)state;
	for (i = 0; i < 32; i++)
		pk[i] = (unsigned char)i;
	assert_true(identity_uid(pk) == 0xcb2f5160fc1f7e05ULL);
	memset(pk, 0xff, sizeof pk);
	assert_true(identity_uid(pk) == 0xe2021160500f0119ULL);
}

static void
test_a_new_identity_is_fresh_and_whole(void **state)
{
	struct identity	 a, b;
	unsigned char	 pk[32];
	char		 fp[IDENTITY_FP_LEN];

	(void)state;
	assert_int_equal(identity_new(&a), 0);
	assert_int_equal(identity_new(&b), 0);
	assert_true(a.created && b.created);
	assert_memory_not_equal(a.pk, b.pk, 32);
	assert_int_equal(crypto_scalarmult_base(pk, a.sk), 0);
	assert_memory_equal(pk, a.pk, 32);
	assert_true(a.uid == identity_uid(a.pk) && a.uid != 0);
	identity_fingerprint(a.pk, fp);
	assert_string_equal(a.fingerprint, fp);
	assert_string_not_equal(a.fingerprint, b.fingerprint);
	identity_clear(&a);
	identity_clear(&b);
}

static void
test_wiped_identity_is_all_zero(void **state)
{
	struct identity	 id, zero;

	(void)state;
	assert_int_equal(identity_new(&id), 0);
	identity_clear(&id);
	memset(&zero, 0, sizeof zero);
	assert_memory_equal(&id, &zero, sizeof id);
}

static void
test_key_file_is_made_0600_and_read_back_the_same(void **state)
{
	struct dir	*d = *state;
	struct identity	 a, b;
	struct stat	 st;
	char		*cause = NULL, tmp[128];

	assert_int_equal(identity_open(&a, d->path, &cause), 0);
	assert_null(cause);
	assert_true(a.created);
	assert_int_equal(stat(d->key, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	/* The temporary name is gone. */
	snprintf(tmp, sizeof tmp, "%s.new", d->key);
	assert_int_not_equal(access(tmp, F_OK), 0);

	assert_int_equal(identity_open(&b, d->path, &cause), 0);
	assert_false(b.created);
	assert_memory_equal(a.pk, b.pk, 32);
	assert_memory_equal(a.sk, b.sk, 32);
	assert_true(a.uid == b.uid);
	assert_string_equal(a.fingerprint, b.fingerprint);
	identity_clear(&a);
	identity_clear(&b);
}

/* What a person sees in the file: the format, then both keys in hex. */
static void
test_key_file_says_what_it_is(void **state)
{
	struct dir	*d = *state;
	struct identity	 id;
	char		*cause = NULL, want[256], got[256] = "";
	char		 skhex[65], pkhex[65];
	FILE		*f;
	size_t		 n;

	assert_int_equal(identity_open(&id, d->path, &cause), 0);
	sodium_bin2hex(skhex, sizeof skhex, id.sk, 32);
	sodium_bin2hex(pkhex, sizeof pkhex, id.pk, 32);
	snprintf(want, sizeof want, KEY_TEXT, skhex, pkhex);
	assert_non_null(f = fopen(d->key, "r"));
	n = fread(got, 1, sizeof got - 1, f);
	got[n] = '\0';
	fclose(f);
	assert_string_equal(got, want);
	identity_clear(&id);
}

/* Left by a crash between create and rename: not in the way. */
static void
test_a_stale_temporary_file_does_not_stop_a_new_key(void **state)
{
	struct dir	*d = *state;
	struct identity	 id;
	char		*cause = NULL, tmp[128];

	snprintf(tmp, sizeof tmp, "%s.new", d->key);
	write_file(tmp, "uvqq identity key 1\nsecr", 0600);
	assert_int_equal(identity_open(&id, d->path, &cause), 0);
	assert_true(id.created);
	assert_int_not_equal(access(tmp, F_OK), 0);
	identity_clear(&id);
}

static void
test_key_file_open_to_others_is_refused(void **state)
{
	static const mode_t	 modes[] = { 0644, 0640, 0604, 0620, 0602,
				    0660, 0666, 0610 };
	struct dir		*d = *state;
	struct identity		 id;
	char			*cause = NULL, mode[8], fix[128];
	size_t			 i;

	assert_int_equal(identity_open(&id, d->path, &cause), 0);
	snprintf(fix, sizeof fix, "chmod 600 %s", d->key);
	for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		assert_int_equal(chmod(d->key, modes[i]), 0);
		snprintf(mode, sizeof mode, "%04o", (unsigned)modes[i]);
		assert_refused(d->path, NULL, d->key, mode, fix, NULL);
	}
	/* Read-only for its owner is fine. */
	assert_int_equal(chmod(d->key, 0400), 0);
	assert_int_equal(identity_open(&id, d->path, &cause), 0);
	identity_clear(&id);
}

static void
test_corrupt_key_files_are_refused(void **state)
{
	struct dir	*d = *state;
	struct identity	 id;
	unsigned char	 sk[32];
	char		*cause = NULL, text[1024], skhex[65], pkhex[65];
	size_t		 i;
	const char	*bad[] = {
		"",
		"hello\n",
		"uvqq identity key 1\n",
		"uvqq identity key 1\nsecret %s\n",
		"uvqq identity key 1\nsecret %s\npublic %.62s\n",
		"uvqq identity key 1\nsecret %s\npublic %sab\n",
		"uvqq identity key 1\npublic %2$s\nsecret %1$s\n",
		"uvqq identity key 1\nsecret  %s\npublic %s\n",
		"uvqq identity key 1\r\nsecret %s\r\npublic %s\r\n",
		"uvqq identity key 1\nsecret %s\npublic %s\n\n",
		"uvqq identity key 1\nsecret %s\npublic %s\nmore\n",
		"uvqq identity key 1\nsecret %.63sg\npublic %s\n",
		" uvqq identity key 1\nsecret %s\npublic %s\n",
	};

	assert_int_equal(identity_open(&id, d->path, &cause), 0);
	memcpy(sk, id.sk, sizeof sk);
	sodium_bin2hex(skhex, sizeof skhex, id.sk, 32);
	sodium_bin2hex(pkhex, sizeof pkhex, id.pk, 32);
	identity_clear(&id);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
		snprintf(text, sizeof text, bad[i], skhex, pkhex);
#pragma GCC diagnostic pop
		write_file(d->key, text, 0600);
		assert_refused(d->path, skhex, d->key, "move it away", NULL);
	}
	/* A format of a newer uvqq says so. */
	snprintf(text, sizeof text, "uvqq identity key 2\nsecret %s\n"
	    "public %s\n", skhex, pkhex);
	write_file(d->key, text, 0600);
	assert_refused(d->path, skhex, d->key, "newer uvqq", NULL);
	/* Too long to be one. */
	memset(text, 'x', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	write_file(d->key, text, 0600);
	assert_refused(d->path, NULL, d->key, "too long", NULL);
	/* The last newline may be missing. */
	snprintf(text, sizeof text, KEY_TEXT, skhex, pkhex);
	text[strlen(text) - 1] = '\0';
	write_file(d->key, text, 0600);
	assert_int_equal(identity_open(&id, d->path, &cause), 0);
	assert_memory_equal(id.sk, sk, 32);
	identity_clear(&id);
	sodium_memzero(sk, sizeof sk);
}

static void
test_key_file_with_another_public_key_is_refused(void **state)
{
	struct dir	*d = *state;
	struct identity	 a, b;
	char		*cause = NULL, skhex[65];

	assert_int_equal(identity_new(&a), 0);
	assert_int_equal(identity_new(&b), 0);
	write_key(d->key, a.sk, b.pk, 0600);
	sodium_bin2hex(skhex, sizeof skhex, a.sk, 32);
	assert_refused(d->path, skhex, d->key, "public key", NULL);
	/* The pair that belongs together is taken. */
	write_key(d->key, a.sk, a.pk, 0600);
	assert_int_equal(identity_open(&b, d->path, &cause), 0);
	assert_memory_equal(a.pk, b.pk, 32);
	assert_true(a.uid == b.uid);
	identity_clear(&a);
	identity_clear(&b);
}

static void
test_key_file_that_is_no_regular_file_is_refused(void **state)
{
	struct dir	*d = *state;
	char		 link[128];

	assert_int_equal(mkdir(d->key, 0700), 0);
	assert_refused(d->path, NULL, d->key, "directory", NULL);
	assert_int_equal(rmdir(d->key), 0);
	assert_int_equal(mkfifo(d->key, 0600), 0);
	assert_refused(d->path, NULL, d->key, "FIFO", NULL);
	assert_int_equal(unlink(d->key), 0);
	/* A link to nothing: a new key would not go where it points. */
	snprintf(link, sizeof link, "%s/elsewhere", d->path);
	assert_int_equal(symlink(link, d->key), 0);
	assert_refused(d->path, NULL, d->key, "symbolic link", NULL);
	assert_int_not_equal(access(link, F_OK), 0);
}

/* Only root can give a file away; others skip this one. */
static void
test_key_file_of_another_user_is_refused(void **state)
{
	struct dir	*d = *state;
	struct identity	 id;
	char		*cause = NULL;

	if (geteuid() != 0)
		skip();
	assert_int_equal(identity_open(&id, d->path, &cause), 0);
	identity_clear(&id);
	assert_int_equal(chown(d->key, 1, 1), 0);
	assert_refused(d->path, NULL, d->key, "uid 1", "not to you", NULL);
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_fingerprint_is_blake2b_160_in_lowercase_base32),
		T(test_fingerprint_is_8_groups_of_4),
		T(test_uid_is_the_first_8_bytes_of_blake2b_256),
		T(test_a_new_identity_is_fresh_and_whole),
		T(test_wiped_identity_is_all_zero),
		T(test_key_file_is_made_0600_and_read_back_the_same),
		T(test_key_file_says_what_it_is),
		T(test_a_stale_temporary_file_does_not_stop_a_new_key),
		T(test_key_file_open_to_others_is_refused),
		T(test_corrupt_key_files_are_refused),
		T(test_key_file_with_another_public_key_is_refused),
		T(test_key_file_that_is_no_regular_file_is_refused),
		T(test_key_file_of_another_user_is_refused),
	};
#undef T

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
