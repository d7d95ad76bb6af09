/*
 * ring: a bounded queue that hands items from one producer thread to one
 * consumer thread (ingest's parser to its store, send's builder to its
 * sender, and back).
 *
 * Items are of one size, given at ring_init, and move by value: ring_put
 * copies them in and the ring owns them until ring_take copies them out
 * to the consumer, who then owns them. Items that are queued when the
 * consumer cancels, or when the ring is released, are handed to the drop
 * function given at ring_init (it frees what an item owns), in the
 * thread that cancels or releases. An item ring_put did not queue stays
 * the producer's.
 *
 * Few wake-ups: the producer wakes the consumer when the ring goes from
 * empty to not empty; the consumer wakes a producer (which waits only on
 * a full ring) once the ring is down to half, so that either side, woken,
 * finds a run of items or of room rather than one.
 *
 * The end: the producer closes the ring when it has nothing more (the
 * consumer takes what is left, then ring_take gives 0); the consumer
 * cancels it when it gives up (what is queued is dropped, a producer
 * waiting for room returns, later puts queue nothing).
 */
#ifndef DIGEST_RING_H
#define DIGEST_RING_H

#include <pthread.h>
#include <stddef.h>

/* Frees what the item at p owns (not p itself). */
typedef void (*ring_drop_fn)(void *p);

struct ring {
	pthread_mutex_t mu;
	pthread_cond_t more;		/* not empty any more, or closed */
	pthread_cond_t room;		/* down to half, or cancelled */
	unsigned char *slots;		/* owned: cap items of size bytes */
	size_t size;
	size_t cap;
	size_t head;			/* the oldest item's slot */
	size_t n;			/* items queued */
	int closed;			/* the producer is done */
	int cancelled;			/* the consumer gave up */
	ring_drop_fn drop;
};

/* A ring of cap (> 0) items of size bytes each, empty, neither closed nor
 * cancelled. drop may be NULL when items own nothing. */
void ring_init(struct ring *r, size_t cap, size_t size, ring_drop_fn drop);
/* Drops what is still queued and frees the ring; no thread may be using
 * it. */
void ring_release(struct ring *r);
/* Makes a ring that was closed or cancelled, and that no thread is using,
 * new again (what is queued is dropped): for another pass. */
void ring_reopen(struct ring *r);

/*
 * The producer's side. ring_put copies up to n items from items into the
 * ring, in order, and returns how many it queued: all n, unless the ring
 * is cancelled (then those left stay the caller's) or, with wait 0, it
 * is full. With wait 1 it waits for room as long as it must.
 */
size_t ring_put(struct ring *r, const void *items, size_t n, int wait);
/* Nothing more will be put: the consumer's take gives 0 once empty. */
void ring_close(struct ring *r);
/* 1 when the consumer has cancelled: a producer can stop early. */
int ring_cancelled(struct ring *r);

/*
 * The consumer's side. ring_take moves up to max of the oldest items
 * into out and returns how many. With wait 1, it waits while the ring is
 * empty, until an item comes or the ring is closed or cancelled; 0 then
 * means closed (or cancelled) and empty. With wait 0, it returns at
 * once, 0 when nothing is queued.
 */
size_t ring_take(struct ring *r, void *out, size_t max, int wait);
/* Gives up: drops what is queued, wakes a producer waiting for room, and
 * makes every later put queue nothing. */
void ring_cancel(struct ring *r);

#endif
