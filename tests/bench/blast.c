/*
 * blast.c: the benchmark's sender: COUNT bare text datagrams to
 * 127.0.0.1:PORT as fast as the kernel takes them (sendmmsg, 64 at a
 * time): the fastest sender loopback allows, so that a receiver slower
 * than it drops what it cannot take (on a small machine the sender may
 * still be the slower side; BENCHMARKS.md says how that is read).
 *
 * usage: bench_blast PORT COUNT [TAG [SRCPORT]]
 * Each datagram is "TAG NNNNNNN 你好, a line of chat text" (TAG defaults to
 * "bench"), sent from 127.0.0.1:SRCPORT if given (so the receiver sees a
 * peer it already knows); at the end it prints "sent COUNT SECONDS".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH	64
#define LINE	128

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static char		 lines[BATCH][LINE];
	struct mmsghdr		 msgs[BATCH];
	struct iovec		 iov[BATCH];
	struct sockaddr_in	 to, from;
	const char		*tag = argc > 3 ? argv[3] : "bench";
	long			 count, sent = 0;
	double			 start;
	int			 fd, i, n, r;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_blast PORT COUNT [TAG [SRCPORT]]\n");
		return 2;
	}
	count = atol(argv[2]);
	memset(&to, 0, sizeof to);
	to.sin_family = AF_INET;
	to.sin_port = htons((unsigned short)atoi(argv[1]));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0) {
		perror("bench_blast: socket");
		return 1;
	}
	if (argc > 4) {
		from = to;
		from.sin_port = htons((unsigned short)atoi(argv[4]));
		if (bind(fd, (struct sockaddr *)&from, sizeof from) != 0) {
			perror("bench_blast: bind");
			return 1;
		}
	}
	start = now();
	while (sent < count) {
		n = count - sent < BATCH ? (int)(count - sent) : BATCH;
		for (i = 0; i < n; i++) {
			r = snprintf(lines[i], LINE, "%s %07ld 你好, a line of "
			    "chat text", tag, sent + i);
			iov[i].iov_base = lines[i];
			iov[i].iov_len = (size_t)r;
			memset(&msgs[i], 0, sizeof msgs[i]);
			msgs[i].msg_hdr.msg_name = &to;
			msgs[i].msg_hdr.msg_namelen = sizeof to;
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		if ((r = sendmmsg(fd, msgs, (unsigned)n, 0)) < 0) {
			perror("bench_blast: sendmmsg");
			return 1;
		}
		sent += r;
	}
	printf("sent %ld %.6f\n", sent, now() - start);
	close(fd);
	return 0;
}
