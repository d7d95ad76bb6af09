/*
 * ratelimit: a token bucket per client in a table of slots
 * (ratelimit.h).
 */
#include "ratelimit.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void
ratelimit_init(struct ratelimit *rl, double per_minute, size_t nslots)
{
	memset(rl, 0, sizeof(*rl));
	rl->per_minute = per_minute;
	rl->nslots = nslots;
	rl->slots = xcalloc(nslots, sizeof(*rl->slots));
}

void
ratelimit_release(struct ratelimit *rl)
{
	free(rl->slots);
	rl->slots = NULL;
}

/* The refill of bucket b by now, at most cap. */
static double
ratelimit_level(const struct ratelimit_bucket *b, double now, double cap)
{
	double t = b->tokens + (now - b->last) * cap / 60.0;

	return t > cap ? cap : t;
}

/* The bucket of key: its own, else a free or full slot it may take,
 * else the overflow. Only a full bucket (which says nothing a new one
 * would not) is given to another client. */
static struct ratelimit_bucket *
ratelimit_find(struct ratelimit *rl, const struct client_ip *key, double now)
{
	struct ratelimit_bucket *b, *spare = NULL;
	double cap = rl->per_minute;
	unsigned long h = 5381;
	size_t i;

	for (i = 0; i < sizeof(key->a); i++)
		h = h * 33 + key->a[i];
	for (i = 0; i < RATELIMIT_PROBE && i < rl->nslots; i++) {
		b = &rl->slots[(h + i) % rl->nslots];
		if (b->used && memcmp(&b->key, key, sizeof(*key)) == 0)
			return b;
		if (spare == NULL && (!b->used ||
		    ratelimit_level(b, now, cap) >= cap))
			spare = b;
	}
	if (spare == NULL)
		return &rl->overflow;
	spare->used = 1;
	spare->key = *key;
	spare->tokens = cap;
	spare->last = now;
	return spare;
}

int
ratelimit_take(struct ratelimit *rl, const struct client_ip *client,
    double now)
{
	struct client_ip key = *client;
	struct ratelimit_bucket *b;

	if (key.family == AF_INET6)
		memset(key.a + 8, 0, 8);	/* one line: its /64 */
	b = ratelimit_find(rl, &key, now);
	b->tokens = ratelimit_level(b, now, rl->per_minute);
	b->last = now;
	if (b->tokens < 1)
		return 0;
	b->tokens -= 1;
	return 1;
}
