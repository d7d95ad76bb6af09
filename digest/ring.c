/*
 * ring: a bounded single-producer, single-consumer queue (ring.h).
 *
 * One mutex guards everything; each call takes it once, however many
 * items it moves, and copies them in at most two runs of slots (the
 * part before the end of the array and the part that wraps around).
 */
#include "ring.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

void
ring_init(struct ring *r, size_t cap, size_t size, ring_drop_fn drop)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->more, NULL);
	pthread_cond_init(&r->room, NULL);
	r->slots = xcalloc(cap, size);
	r->size = size;
	r->cap = cap;
	r->drop = drop;
}

/* Drops every queued item; the lock is held, or no other thread runs. */
static void
ring_drop_all(struct ring *r)
{
	for (; r->n > 0; r->n--) {
		if (r->drop != NULL)
			r->drop(r->slots + r->head * r->size);
		r->head = (r->head + 1) % r->cap;
	}
	r->head = 0;
}

void
ring_release(struct ring *r)
{
	ring_drop_all(r);
	free(r->slots);
	pthread_cond_destroy(&r->room);
	pthread_cond_destroy(&r->more);
	pthread_mutex_destroy(&r->mu);
}

void
ring_reopen(struct ring *r)
{
	ring_drop_all(r);
	r->closed = r->cancelled = 0;
}

/* Copies k items between the slots from slot `at` on (wrapping around)
 * and the flat array p: into the ring when in is 1, out of it else. */
static void
ring_copy(struct ring *r, size_t at, unsigned char *p, size_t k, int in)
{
	size_t first = r->cap - at < k ? r->cap - at : k;
	unsigned char *s = r->slots + at * r->size;

	if (in) {
		memcpy(s, p, first * r->size);
		memcpy(r->slots, p + first * r->size, (k - first) * r->size);
	} else {
		memcpy(p, s, first * r->size);
		memcpy(p + first * r->size, r->slots, (k - first) * r->size);
	}
}

size_t
ring_put(struct ring *r, const void *items, size_t n, int wait)
{
	unsigned char *p = (unsigned char *)items;
	size_t done = 0, k;
	int wake = 0;

	pthread_mutex_lock(&r->mu);
	while (done < n && !r->cancelled) {
		if (r->n == r->cap) {
			if (!wait)
				break;
			/* The consumer may be asleep on an empty ring this
			 * put filled: wake it before sleeping in turn. */
			if (wake)
				pthread_cond_signal(&r->more);
			wake = 0;
			pthread_cond_wait(&r->room, &r->mu);
			continue;
		}
		wake |= r->n == 0;
		k = r->cap - r->n < n - done ? r->cap - r->n : n - done;
		ring_copy(r, (r->head + r->n) % r->cap, p + done * r->size, k,
		    1);
		r->n += k;
		done += k;
	}
	if (wake)
		pthread_cond_signal(&r->more);
	pthread_mutex_unlock(&r->mu);
	return done;
}

void
ring_close(struct ring *r)
{
	pthread_mutex_lock(&r->mu);
	r->closed = 1;
	pthread_cond_signal(&r->more);
	pthread_mutex_unlock(&r->mu);
}

int
ring_cancelled(struct ring *r)
{
	int cancelled;

	pthread_mutex_lock(&r->mu);
	cancelled = r->cancelled;
	pthread_mutex_unlock(&r->mu);
	return cancelled;
}

size_t
ring_take(struct ring *r, void *out, size_t max, int wait)
{
	size_t k, before, half;

	pthread_mutex_lock(&r->mu);
	while (wait && r->n == 0 && !r->closed && !r->cancelled)
		pthread_cond_wait(&r->more, &r->mu);
	before = r->n;
	k = before < max ? before : max;
	ring_copy(r, r->head, out, k, 0);
	r->head = (r->head + k) % r->cap;
	r->n -= k;
	/* A producer waits only on a full ring: woken once half of it is
	 * free, it queues a run of items rather than one per wake-up. */
	half = r->cap / 2;
	if (before > half && r->n <= half)
		pthread_cond_signal(&r->room);
	pthread_mutex_unlock(&r->mu);
	return k;
}

void
ring_cancel(struct ring *r)
{
	pthread_mutex_lock(&r->mu);
	r->cancelled = 1;
	ring_drop_all(r);
	pthread_cond_signal(&r->room);
	pthread_mutex_unlock(&r->mu);
}
