/*
 * pace: same answer, same time. A signup for a new address writes more
 * to the store than one for a known address (a row and its index
 * entries against a consent entry and a queued mail), so alone in its
 * round, on a quiet server, its answer would come a little later:
 * enough to tell, over a few tries, whether an address is subscribed.
 * So a signup's answer goes out no sooner than a floor after its
 * request came: the PACE_QUANTILE of how long the last PACE_SAMPLES
 * signups that were alone in their round took, whatever their kind,
 * from their request to their commit (at most PACE_MAX). Under load a
 * signup waits longer than that anyway, and shares its round, and so
 * its commit, with others.
 *
 * Pure: times are seconds on a monotonic clock, passed in. One thread
 * owns a pace.
 */
#ifndef DIGEST_PACE_H
#define DIGEST_PACE_H

#include <stddef.h>

#define PACE_SAMPLES 256
#define PACE_QUANTILE 0.95
#define PACE_FIRST 0.002	/* s, the floor until there are samples */
#define PACE_MAX 0.1		/* s */

struct pace {
	double samples[PACE_SAMPLES];	/* a ring of the last ones */
	size_t n;			/* samples taken, all time */
	double floor;			/* s */
};

/* An empty pace: the floor is PACE_FIRST. */
void pace_init(struct pace *p);
/* A signup alone in its round took `took` from request to commit. */
void pace_sample(struct pace *p, double took);
/* When a signup whose request came at `start` may be answered. */
double pace_until(const struct pace *p, double start);

#endif
