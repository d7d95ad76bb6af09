/*
 * ratelimit: signups per minute per client, a token bucket each. A
 * client is its address (client.h), an IPv6 client its /64, which is
 * what one subscriber line gets. The buckets live in a fixed table of
 * slots: memory does not grow with the clients seen, and a client keeps
 * its bucket until it has refilled, so nobody gets a fresh allowance
 * because another client took its place. A client that finds every
 * slot its key may take still refilling shares one overflow bucket
 * with the others in that case.
 *
 * Not thread-safe: one thread (the server's) owns a limiter. Times are
 * seconds on a monotonic clock, passed in.
 */
#ifndef DIGEST_RATELIMIT_H
#define DIGEST_RATELIMIT_H

#include "client.h"

#include <stddef.h>

#define RATELIMIT_SLOTS 16384	/* clients the server tells apart */
#define RATELIMIT_PROBE 16	/* slots a client's key may take */

struct ratelimit_bucket {
	int used;
	struct client_ip key;
	double tokens;
	double last;
};

struct ratelimit {
	double per_minute;		/* also each bucket's capacity */
	struct ratelimit_bucket *slots;	/* owned, nslots */
	size_t nslots;
	struct ratelimit_bucket overflow;
};

/* A limiter of per_minute actions a minute per client over nslots
 * slots (RATELIMIT_SLOTS in the server). */
void ratelimit_init(struct ratelimit *rl, double per_minute, size_t nslots);
void ratelimit_release(struct ratelimit *rl);
/* 1 when client may act at now (it spends one token), 0 when its
 * allowance is spent until its bucket refills. */
int ratelimit_take(struct ratelimit *rl, const struct client_ip *client,
    double now);

#endif
