/*
 * identity.c: our long-term key pair, the file that keeps it, and the user
 * id and fingerprint that come from its public key.
 *
 * The file is text a person can recognise:
 *
 *	uvqq identity key 1
 *	secret <64 hex digits>
 *	public <64 hex digits>
 *
 * Every buffer that held the secret, or its hex, is wiped before it is
 * let go; nothing here formats the secret into a message.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "src/identity.h"

#define KEY_MAGIC	"uvqq identity key "
#define KEY_HEADER	KEY_MAGIC "1"
#define KEY_HEX		(2 * crypto_kx_SECRETKEYBYTES)
/* The three lines are 160 bytes; anything much longer is not ours. */
#define KEY_FILE_MAX	512

_Static_assert(crypto_kx_PUBLICKEYBYTES == crypto_scalarmult_BYTES &&
    crypto_kx_SECRETKEYBYTES == crypto_scalarmult_SCALARBYTES,
    "crypto_kx keys are X25519 keys");
_Static_assert(crypto_kx_PUBLICKEYBYTES == crypto_kx_SECRETKEYBYTES,
    "one hex width for both keys");
_Static_assert(IDENTITY_FP_BYTES * 8 == 32 * 5,
    "a fingerprint is 32 base32 characters, no padding");
_Static_assert(IDENTITY_FP_LEN == 32 + 7 + 1,
    "8 groups of 4, 7 spaces, NUL");

uint64_t
identity_uid(const unsigned char pk[crypto_kx_PUBLICKEYBYTES])
{
	unsigned char	 h[crypto_generichash_BYTES];
	uint64_t	 uid = 0;
	size_t		 i;

	crypto_generichash(h, sizeof h, pk, crypto_kx_PUBLICKEYBYTES, NULL, 0);
	for (i = 0; i < sizeof uid; i++)
		uid = uid << 8 | h[i];
	return uid != 0 ? uid : 1;
}

void
identity_fingerprint(const unsigned char pk[crypto_kx_PUBLICKEYBYTES],
    char out[IDENTITY_FP_LEN])
{
	static const char	 b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char		 h[IDENTITY_FP_BYTES];
	unsigned		 acc = 0, bits = 0;
	size_t			 i, n = 0, o = 0;

	crypto_generichash(h, sizeof h, pk, crypto_kx_PUBLICKEYBYTES, NULL, 0);
	for (i = 0; i < sizeof h; i++) {
		acc = (acc << 8 | h[i]) & 0xfff;	/* < 13 bits pending */
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			if (n > 0 && n % 4 == 0)
				out[o++] = ' ';
			out[o++] = b32[(acc >> bits) & 31];
			n++;
		}
	}
	out[o] = '\0';
}

static void
derive(struct identity *id)
{
	id->uid = identity_uid(id->pk);
	identity_fingerprint(id->pk, id->fingerprint);
}

int
identity_new(struct identity *id)
{
	memset(id, 0, sizeof *id);
	if (crypto_kx_keypair(id->pk, id->sk) != 0) {
		identity_clear(id);
		return UV_EIO;
	}
	derive(id);
	id->created = 1;
	return 0;
}

void
identity_clear(struct identity *id)
{
	sodium_memzero(id, sizeof *id);
}

struct identity *
identity_alloc(void)
{
	struct identity	*id;

	if ((id = sodium_malloc(sizeof *id)) != NULL)
		memset(id, 0, sizeof *id);
	return id;
}

void
identity_free(struct identity *id)
{
	if (id == NULL)
		return;
	identity_clear(id);
	sodium_free(id);	/* wipes too */
}

static int
fail(char **cause, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char **cause, int code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) < 0)
		*cause = NULL;
	va_end(ap);
	return code;
}

/* Where a new key can be had: by moving the unusable one away. */
#define MOVE_AWAY	"restore it from a backup, or move it away and uvqq " \
	"makes a new key (your peers will see a new fingerprint)"

static const char *
file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	return "something other than a file";
}

/* "readable by its group", "writable by others", ... for mode & 077. */
static void
describe_access(mode_t m, char *buf, size_t len)
{
	snprintf(buf, len, "%s by %s",
	    (m & 044) && (m & 022) ? "readable and writable" :
	    (m & 044) ? "readable" : (m & 022) ? "writable" : "open",
	    (m & 070) && (m & 007) ? "its group and others" :
	    (m & 070) ? "its group" : "others");
}

/* Is the file ours alone? */
static int
check_private(const char *path, const struct stat *st, char **cause)
{
	mode_t	 m = st->st_mode & 07777;
	char	 how[64];

	if (!S_ISREG(st->st_mode))
		return fail(cause, UV_EINVAL, "%s is not a regular file but "
		    "%s; move it away and uvqq makes a new key", path,
		    file_kind(st->st_mode));
	if (st->st_uid != geteuid())
		return fail(cause, UV_EPERM, "%s belongs to uid %lu, not to "
		    "you (uid %lu); an identity key must be yours alone: "
		    "chown %lu %s", path, (unsigned long)st->st_uid,
		    (unsigned long)geteuid(), (unsigned long)geteuid(), path);
	if (m & 077) {
		describe_access(m, how, sizeof how);
		return fail(cause, UV_EPERM, "%s is %s (mode %04o); an "
		    "identity key must be yours alone: chmod 600 %s", path,
		    how, (unsigned)m, path);
	}
	return 0;
}

/* The next line of [*p, end), without its newline. */
static int
next_line(const char **p, const char *end, const char **line, size_t *len)
{
	const char	*nl;

	if (*p >= end)
		return -1;
	*line = *p;
	if ((nl = memchr(*p, '\n', (size_t)(end - *p))) == NULL)
		nl = end;	/* the last line may lack its newline */
	*len = (size_t)(nl - *p);
	*p = nl < end ? nl + 1 : end;
	return 0;
}

/* "label <hex of exactly outlen bytes>" */
static int
hex_line(const char **p, const char *end, const char *label,
    unsigned char *out, size_t outlen)
{
	const char	*line, *hex_end;
	size_t		 len, ll = strlen(label), binlen;

	if (next_line(p, end, &line, &len) != 0 || len != ll + 1 + 2 * outlen ||
	    memcmp(line, label, ll) != 0 || line[ll] != ' ')
		return -1;
	if (sodium_hex2bin(out, outlen, line + ll + 1, 2 * outlen, NULL,
	    &binlen, &hex_end) != 0 || binlen != outlen ||
	    hex_end != line + len)
		return -1;
	return 0;
}

/* "uvqq identity key N", of another N. */
static int
is_version(const char *line, size_t len)
{
	size_t	 i = sizeof KEY_MAGIC - 1;

	if (len <= i || memcmp(line, KEY_MAGIC, i) != 0)
		return 0;
	for (; i < len; i++) {
		if (line[i] < '0' || line[i] > '9')
			return 0;
	}
	return 1;
}

static int
key_parse(struct identity *id, const char *buf, size_t len,
    const char **why)
{
	unsigned char	 check[crypto_scalarmult_BYTES];
	const char	*p = buf, *end = buf + len, *line = buf;
	size_t		 ll = 0;

	if (next_line(&p, end, &line, &ll) != 0 ||
	    ll != sizeof KEY_HEADER - 1 || memcmp(line, KEY_HEADER, ll) != 0) {
		if (is_version(line, ll)) {
			*why = "is in a format this uvqq does not know (from "
			    "a newer uvqq?)";
			return UV_EPROTO;
		}
		*why = "is not a uvqq identity key (its first line is not \""
		    KEY_HEADER "\")";
		return UV_EINVAL;
	}
	if (hex_line(&p, end, "secret", id->sk, sizeof id->sk) != 0 ||
	    hex_line(&p, end, "public", id->pk, sizeof id->pk) != 0 ||
	    p != end) {
		*why = "is damaged (expected a line \"secret\" and a line "
		    "\"public\", each with 64 hex digits, and nothing more)";
		return UV_EINVAL;
	}
	if (crypto_scalarmult_base(check, id->sk) != 0 ||
	    sodium_memcmp(check, id->pk, sizeof check) != 0) {
		*why = "is damaged (its public key is not the one of its "
		    "secret key)";
		return UV_EINVAL;
	}
	return 0;
}

/* UV_ENOENT, without a cause, when there is no file yet. */
static int
key_read(struct identity *id, const char *path, char **cause)
{
	struct stat	 st;
	char		 buf[KEY_FILE_MAX + 1];
	const char	*why = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, r;

	/* O_NONBLOCK: a FIFO in its place must not hang us. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		if (r != UV_ENOENT)
			return fail(cause, r, "cannot read %s: %s", path,
			    uv_strerror(r));
		if (lstat(path, &st) != 0)
			return UV_ENOENT;	/* none yet */
		/* A new key would replace the link, not go where it points. */
		return fail(cause, r, "%s is a symbolic link to nothing; "
		    "remove it and uvqq makes a new key", path);
	}
	if (fstat(fd, &st) != 0) {
		r = -errno;
		close(fd);
		return fail(cause, r, "cannot read %s: %s", path,
		    uv_strerror(r));
	}
	if ((r = check_private(path, &st, cause)) != 0) {
		close(fd);
		return r;
	}
	while (len < sizeof buf &&
	    (n = read(fd, buf + len, sizeof buf - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			close(fd);
			sodium_memzero(buf, sizeof buf);
			return fail(cause, r, "cannot read %s: %s", path,
			    uv_strerror(r));
		}
		len += (size_t)n;
	}
	close(fd);
	if (len > KEY_FILE_MAX) {
		why = "is not a uvqq identity key (too long)";
		r = UV_EINVAL;
	} else
		r = key_parse(id, buf, len, &why);
	sodium_memzero(buf, sizeof buf);
	if (r != 0)
		return fail(cause, r, "%s %s; " MOVE_AWAY, path, why);
	return 0;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Make the rename itself survive a crash. Best effort: some file systems
 * cannot sync a directory, and the key is whole either way.
 */
static void
sync_dir(const char *dir)
{
	int	 fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	(void)fsync(fd);
	close(fd);
}

/*
 * A new pair, written whole to PATH.new, synced, then renamed to PATH: a
 * crash leaves either no key or a whole one. A PATH.new left by a crash
 * is ours to remove: the data directory is locked.
 */
static int
key_create(struct identity *id, const char *dir, const char *path,
    char **cause)
{
	char	 buf[KEY_FILE_MAX], skhex[KEY_HEX + 1], pkhex[KEY_HEX + 1];
	char	*tmp = NULL;
	int	 fd = -1, len, r;

	if (crypto_kx_keypair(id->pk, id->sk) != 0)
		return fail(cause, UV_EIO, "cannot make a key pair");
	sodium_bin2hex(skhex, sizeof skhex, id->sk, sizeof id->sk);
	sodium_bin2hex(pkhex, sizeof pkhex, id->pk, sizeof id->pk);
	len = snprintf(buf, sizeof buf, "%s\nsecret %s\npublic %s\n",
	    KEY_HEADER, skhex, pkhex);
	sodium_memzero(skhex, sizeof skhex);
	if (asprintf(&tmp, "%s.new", path) < 0) {
		tmp = NULL;
		r = UV_ENOMEM;
		goto out;
	}
	if (unlink(tmp) != 0 && errno != ENOENT) {
		r = -errno;
		goto out;
	}
	if ((fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC,
	    0600)) < 0) {
		r = -errno;
		goto out;
	}
	if ((r = write_all(fd, buf, (size_t)len)) != 0)
		goto out;
	if (fsync(fd) != 0) {
		r = -errno;
		goto out;
	}
	r = close(fd) != 0 ? -errno : 0;
	fd = -1;
	if (r != 0)
		goto out;
	if (rename(tmp, path) != 0) {
		r = -errno;
		goto out;
	}
	sync_dir(dir);
	id->created = 1;
out:
	sodium_memzero(buf, sizeof buf);
	if (fd >= 0)
		close(fd);
	if (r != 0 && tmp != NULL)
		unlink(tmp);
	free(tmp);
	if (r != 0)
		return fail(cause, r, "cannot write %s: %s", path,
		    uv_strerror(r));
	return 0;
}

int
identity_open(struct identity *id, const char *dir, char **cause)
{
	char	*path;
	int	 r;

	*cause = NULL;
	memset(id, 0, sizeof *id);
	if (asprintf(&path, "%s/%s", dir, IDENTITY_FILE) < 0)
		return UV_ENOMEM;
	if ((r = key_read(id, path, cause)) == UV_ENOENT && *cause == NULL)
		r = key_create(id, dir, path, cause);
	free(path);
	if (r != 0) {
		identity_clear(id);
		return r;
	}
	derive(id);
	return 0;
}
