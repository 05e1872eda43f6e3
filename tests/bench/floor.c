/*
 * floor.c: the benchmark's floor, the least a libuv UDP receiver can do:
 * receive each datagram and write one line for it to stdout, buffered and
 * written once per loop turn as uvqq's headless front end does. What it
 * manages is what one loop on this machine allows; uvqq is measured
 * against it.
 *
 * usage: bench_floor [--mmsg] [--echo | --to PEER] [PORT]
 * Binds 127.0.0.1:PORT (0, the default, picks one), prints "ready PORT"
 * as its first line, then "ip:port text" per datagram. --mmsg reads with
 * recvmmsg (UV_UDP_RECVMMSG), to show what batching receives is worth.
 * --echo sends each datagram back instead of writing it; --to PEER also
 * sends each line read on stdin to 127.0.0.1:PEER. The two make the
 * least a message and its answer can cost: a line in, a datagram there
 * and back, a line out, as uvqq's `delivered` does, minus the rest.
 * SIGINT or SIGTERM: write what is buffered and exit 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#define FLOOR_MMSG_BUF	(64 * 2048)	/* recvmmsg: up to 64 datagrams */
#define FLOOR_FLUSH_AT	(1 << 20)	/* write early past this much */

struct floor {
	uv_loop_t	*loop;
	uv_udp_t	 udp;
	uv_prepare_t	 flush;		/* once per loop turn */
	uv_signal_t	 sigint, sigterm;
	uv_pipe_t	 in;		/* --to: lines to send */
	struct sockaddr_in peer;
	int		 echo;		/* --echo */
	char		 line[4096];	/* a partial line from stdin */
	size_t		 linelen;
	char		*rx;		/* the receive buffer */
	size_t		 rxsize;
	char		*out;		/* lines not yet written */
	size_t		 outlen, outsize;
	int		 failed;	/* stdout is gone */
};

static void
flush_out(struct floor *f)
{
	size_t	 off = 0;
	ssize_t	 n;

	while (off < f->outlen && !f->failed) {
		n = write(STDOUT_FILENO, f->out + off, f->outlen - off);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno != EINTR)
			f->failed = 1;
	}
	f->outlen = 0;
}

static void
append(struct floor *f, const char *s, size_t n)
{
	char	*p;
	size_t	 want;

	if (f->outlen + n > f->outsize) {
		want = f->outsize == 0 ? 65536 : f->outsize;
		while (want < f->outlen + n)
			want *= 2;
		if ((p = realloc(f->out, want)) == NULL)
			return;		/* dropped: stdout is the floor's only job */
		f->out = p;
		f->outsize = want;
	}
	memcpy(f->out + f->outlen, s, n);
	f->outlen += n;
}

static void
alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct floor	*f = h->data;

	(void)suggested;
	*buf = uv_buf_init(f->rx, (unsigned)f->rxsize);
}

static void
recv_cb(uv_udp_t *udp, ssize_t nread, const uv_buf_t *buf,
    const struct sockaddr *from, unsigned flags)
{
	struct floor	*f = udp->data;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)from;
	char		 ip[INET_ADDRSTRLEN], name[INET_ADDRSTRLEN + 8];
	int		 len;

	(void)flags;
	if (nread < 0 || from == NULL)
		return;		/* an error, or nothing more for now */
	if (f->echo) {
		uv_buf_t	 b = uv_buf_init(buf->base, (unsigned)nread);

		uv_udp_try_send(udp, &b, 1, from);
		return;
	}
	if (uv_ip4_name(sin, ip, sizeof ip) != 0)
		ip[0] = '\0';
	len = snprintf(name, sizeof name, "%s:%u ", ip, ntohs(sin->sin_port));
	append(f, name, (size_t)len);
	append(f, buf->base, (size_t)nread);
	append(f, "\n", 1);
	if (f->outlen > FLOOR_FLUSH_AT)
		flush_out(f);
}

static void
in_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct floor	*f = h->data;

	(void)suggested;
	*buf = uv_buf_init(f->line + f->linelen,
	    (unsigned)(sizeof f->line - f->linelen));
}

/* Each whole line read goes out as one datagram. */
static void
in_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct floor	*f = s->data;
	uv_buf_t	 b;
	char		*start = f->line, *nl;
	size_t		 end;

	(void)buf;
	if (nread < 0) {
		uv_close((uv_handle_t *)s, NULL);
		return;
	}
	end = f->linelen + (size_t)nread;
	while ((nl = memchr(start, '\n', end - (size_t)(start - f->line))) !=
	    NULL) {
		b = uv_buf_init(start, (unsigned)(nl - start));
		uv_udp_try_send(&f->udp, &b, 1, (struct sockaddr *)&f->peer);
		start = nl + 1;
	}
	f->linelen = end - (size_t)(start - f->line);
	if (f->linelen == sizeof f->line)
		f->linelen = 0;		/* no line is that long: drop it */
	memmove(f->line, start, f->linelen);
}

static void
flush_cb(uv_prepare_t *p)
{
	flush_out(p->data);
}

static void
signal_cb(uv_signal_t *s, int signum)
{
	struct floor	*f = s->data;

	(void)signum;
	flush_out(f);
	uv_stop(f->loop);
}

int
main(int argc, char **argv)
{
	struct floor		 f;
	struct sockaddr_in	 sin;
	struct sockaddr_storage	 ss;
	unsigned		 flags = AF_INET;
	int			 i, port = 0, to = 0, r, namelen, rcvbuf;

	memset(&f, 0, sizeof f);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--mmsg") == 0)
			flags |= UV_UDP_RECVMMSG;
		else if (strcmp(argv[i], "--echo") == 0)
			f.echo = 1;
		else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			to = atoi(argv[++i]);
		else
			port = atoi(argv[i]);
	}
	f.loop = uv_default_loop();
	f.rxsize = (flags & UV_UDP_RECVMMSG) ? FLOOR_MMSG_BUF : 65536;
	if ((f.rx = malloc(f.rxsize)) == NULL)
		return 1;
	if ((r = uv_udp_init_ex(f.loop, &f.udp, flags)) != 0)
		goto fail;
	f.udp.data = &f;
	uv_ip4_addr("127.0.0.1", port, &sin);
	if ((r = uv_udp_bind(&f.udp, (struct sockaddr *)&sin, 0)) != 0)
		goto fail;
	/* The same room for bursts that uvqq asks for. */
	rcvbuf = 4 << 20;
	uv_recv_buffer_size((uv_handle_t *)&f.udp, &rcvbuf);
	namelen = sizeof ss;
	if ((r = uv_udp_getsockname(&f.udp, (struct sockaddr *)&ss,
	    &namelen)) != 0)
		goto fail;
	if ((r = uv_udp_recv_start(&f.udp, alloc_cb, recv_cb)) != 0)
		goto fail;
	uv_prepare_init(f.loop, &f.flush);
	f.flush.data = &f;
	uv_prepare_start(&f.flush, flush_cb);
	uv_signal_init(f.loop, &f.sigint);
	uv_signal_init(f.loop, &f.sigterm);
	f.sigint.data = f.sigterm.data = &f;
	uv_signal_start(&f.sigint, signal_cb, SIGINT);
	uv_signal_start(&f.sigterm, signal_cb, SIGTERM);
	if (to != 0) {
		uv_ip4_addr("127.0.0.1", to, &f.peer);
		uv_pipe_init(f.loop, &f.in, 0);
		f.in.data = &f;
		if ((r = uv_pipe_open(&f.in, STDIN_FILENO)) != 0 ||
		    (r = uv_read_start((uv_stream_t *)&f.in, in_alloc_cb,
		    in_read_cb)) != 0) {
			fprintf(stderr, "bench_floor: stdin: %s\n",
			    uv_strerror(r));
			return 1;
		}
	}

	printf("ready %u\n", ntohs(((struct sockaddr_in *)&ss)->sin_port));
	fflush(stdout);
	uv_run(f.loop, UV_RUN_DEFAULT);
	flush_out(&f);
	return 0;

fail:
	fprintf(stderr, "bench_floor: cannot listen on 127.0.0.1:%d: %s\n",
	    port, uv_strerror(r));
	return 1;
}
