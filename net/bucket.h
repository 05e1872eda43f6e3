/* bucket.h: a token bucket, for the rate limits of net/. */
#ifndef UVQQ_BUCKET_H
#define UVQQ_BUCKET_H

#include <stdint.h>

struct bucket {
	double		 tokens;
	uint64_t	 at;		/* ms of the last refill; 0: never */
};

/*
 * Take one token at now (ms), refilled at rate a second up to burst; a
 * new bucket starts full. Returns whether there was one.
 */
static inline int
bucket_take(struct bucket *b, uint64_t now, double rate, double burst)
{
	if (b->at == 0)
		b->tokens = burst;
	else
		b->tokens += (double)(now - b->at) * rate / 1000.0;
	if (b->tokens > burst)
		b->tokens = burst;
	b->at = now;
	if (b->tokens < 1.0)
		return 0;
	b->tokens -= 1.0;
	return 1;
}

#endif
