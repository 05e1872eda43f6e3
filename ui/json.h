/* json.h: building JSON lines (RFC 8259) for the headless front end. */
#ifndef UVQQ_JSON_H
#define UVQQ_JSON_H

#include <stddef.h>
#include <stdint.h>

struct jbuf {
	char	*data;
	size_t	 len;
	size_t	 size;
	int	 failed;	/* out of memory: the line is dropped */
};

void	 jbuf_reset(struct jbuf *);
void	 jbuf_free(struct jbuf *);
void	 jbuf_append(struct jbuf *, const char *, size_t);
/* An object is built with begin, fields, end; end adds the newline. */
void	 json_begin(struct jbuf *, const char *event);
void	 json_string(struct jbuf *, const char *key, const char *value);
void	 json_uint(struct jbuf *, const char *key, uint64_t value);
void	 json_bool(struct jbuf *, const char *key, int value);
void	 json_end(struct jbuf *);
/* Append value as a quoted, escaped JSON string. */
void	 json_quote(struct jbuf *, const char *value);

#endif
