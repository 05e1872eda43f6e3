/* utf8.h: UTF-8 checks shared by net/ (what goes on the wire) and ui/. */
#ifndef UVQQ_UTF8_H
#define UVQQ_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode one code point at s (len bytes available). Returns its length in
 * bytes (1-4) or 0 for a byte that starts no valid sequence: a stray
 * continuation, an overlong form, a surrogate or a value past U+10FFFF.
 */
size_t	 utf8_decode(const char *s, size_t len, uint32_t *cp);
/* Whether all of s is valid UTF-8 without NUL bytes. */
int	 utf8_valid(const char *s, size_t len);
/*
 * Copy s into a new NUL-terminated string in which every invalid sequence
 * and every NUL byte is replaced by U+FFFD. Returns 0 or UV_ENOMEM.
 */
int	 utf8_sanitize(const char *s, size_t len, char **out, size_t *outlen);
/*
 * Whether s reads as text rather than binary data: it is binary when
 * more than 2 of its bytes, and more than a quarter of them, are bad (a
 * byte of no valid sequence, NUL, DEL or a control other than TAB, LF
 * and CR). A mis-encoded word in a line is still text.
 */
int	 utf8_is_text(const char *s, size_t len);
/* utf8_is_text, and *clean = 1 when utf8_sanitize would change nothing
 * (no bad byte, no NUL): the caller may copy it as it is. */
int	 utf8_text_scan(const char *s, size_t len, int *clean);
/* The longest prefix of s, at most max bytes, that ends on a character
 * boundary. Never 0 when len > 0 and max >= 4. */
size_t	 utf8_cut(const char *s, size_t len, size_t max);

#endif
