/*
 * ring: the bounded queue between two threads (digest/ring.h).
 *
 * One thread first: order, wrap-around, a full ring, close, cancel,
 * reopen, and what is dropped. Then two threads: a producer and a
 * consumer moving up to a million numbered items through small and large
 * rings in batches of random sizes, every item taken once and in order;
 * a consumer that cancels half way, every item accounted for (taken,
 * dropped by the ring, or left to the producer), and a producer asleep
 * on a full ring woken by the cancel.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"
#include "ring.h"

#include <pthread.h>
#include <sched.h>

#define STRESS_ITEMS 1000000
#define STRESS_BATCH 97

/* An item that owns memory, so that ASan and valgrind see an item freed
 * twice or never. */
struct item {
	uint64_t seq;
	uint64_t *owned;	/* holds seq */
};

static size_t dropped;		/* by the drop function, one thread at once */
static uint64_t dropped_sum;

static void
item_drop(void *p)
{
	struct item *it = p;

	dropped++;
	dropped_sum += *it->owned;
	free(it->owned);
	it->owned = NULL;
}

static struct item
item_make(uint64_t seq)
{
	struct item it = { seq, malloc(sizeof(uint64_t)) };

	assert_non_null(it.owned);
	*it.owned = seq;
	return it;
}

/* Takes what is there without waiting and checks it is seq, seq+1...;
 * returns the next seq. */
static uint64_t
take_expect(struct ring *r, uint64_t seq, size_t want)
{
	struct item out[16];
	size_t got = ring_take(r, out, 16, 0), i;

	assert_int_equal(got, want);
	for (i = 0; i < got; i++) {
		assert_int_equal(out[i].seq, seq);
		assert_int_equal(*out[i].owned, seq);
		free(out[i].owned);
		seq++;
	}
	return seq;
}

static void
put_range(struct ring *r, uint64_t from, size_t n, size_t want_queued)
{
	struct item in[16];
	size_t i, queued;

	for (i = 0; i < n; i++)
		in[i] = item_make(from + i);
	queued = ring_put(r, in, n, 0);
	assert_int_equal(queued, want_queued);
	for (i = queued; i < n; i++)	/* still the caller's */
		free(in[i].owned);
}

static void
test_ring_one_thread(void **state)
{
	struct ring r;
	struct item it;

	(void)state;
	dropped = 0;
	ring_init(&r, 5, sizeof(struct item), item_drop);
	assert_int_equal(ring_take(&r, &it, 1, 0), 0);
	put_range(&r, 0, 3, 3);
	assert_int_equal(take_expect(&r, 0, 3), 3);
	/* Wrapping around the end of the slots, and a full ring: a put
	 * that does not wait queues what fits. */
	put_range(&r, 3, 7, 5);
	assert_int_equal(take_expect(&r, 3, 5), 8);
	put_range(&r, 8, 4, 4);
	assert_int_equal(ring_take(&r, &it, 1, 0), 1);
	assert_int_equal(it.seq, 8);
	free(it.owned);
	/* Closed: what is queued is still taken, then take gives 0 even
	 * when it would wait. */
	ring_close(&r);
	assert_int_equal(take_expect(&r, 9, 3), 12);
	assert_int_equal(ring_take(&r, &it, 1, 1), 0);
	/* Reopened, then cancelled: the queued items are dropped, a put
	 * queues nothing, a take waits for nothing. */
	ring_reopen(&r);
	put_range(&r, 100, 2, 2);
	assert_false(ring_cancelled(&r));
	ring_cancel(&r);
	assert_true(ring_cancelled(&r));
	assert_int_equal(dropped, 2);
	put_range(&r, 200, 1, 0);
	assert_int_equal(ring_take(&r, &it, 1, 1), 0);
	/* Released with items queued: dropped too. */
	ring_reopen(&r);
	put_range(&r, 300, 4, 4);
	ring_release(&r);
	assert_int_equal(dropped, 6);
}

struct stress {
	struct ring r;
	uint64_t total;		/* items the producer makes */
	uint64_t seed;
	uint64_t made;		/* producer: items made */
	uint64_t refused;	/* producer: items the ring did not queue */
	uint64_t refused_sum;
	int wait;		/* the producer waits for room */
};

static void *
stress_produce(void *arg)
{
	struct stress *s = arg;
	struct item batch[STRESS_BATCH];
	size_t n, i, queued;

	while (s->made < s->total) {
		n = 1 + (size_t)(tu_rand(&s->seed) % STRESS_BATCH);
		if (n > s->total - s->made)
			n = (size_t)(s->total - s->made);
		for (i = 0; i < n; i++)
			batch[i] = item_make(s->made + i);
		s->made += n;
		queued = ring_put(&s->r, batch, n, s->wait);
		for (i = queued; i < n; i++) {
			s->refused++;
			s->refused_sum += batch[i].seq;
			free(batch[i].owned);
		}
		if (s->wait && queued < n)
			break;	/* cancelled */
	}
	ring_close(&s->r);
	return NULL;
}

/* Takes until the ring is closed and empty, or, after cancel_after
 * items (0: never), cancels. Checks the order: every number once, in
 * order, and with a producer that waits none missing. Returns how many
 * it took, and the sum of their numbers in *sum. */
static uint64_t
stress_consume(struct stress *s, uint64_t cancel_after, uint64_t *sum)
{
	struct item out[STRESS_BATCH];
	uint64_t next = 0, taken = 0, seed = s->seed ^ 0x5DEECE66DULL;
	size_t n, max, i;

	*sum = 0;
	for (;;) {
		/* Small takes before a cancel let the producer run ahead,
		 * so that the cancel finds items to drop. */
		max = 1 + (size_t)(tu_rand(&seed) % (cancel_after != 0 ? 7 :
		    STRESS_BATCH));
		n = ring_take(&s->r, out, max, 1);
		if (n == 0)
			return taken;
		for (i = 0; i < n; i++) {
			if (out[i].seq < next || (s->wait &&
			    out[i].seq != next) || *out[i].owned != out[i].seq)
				fail_msg("took item %llu, want %llu",
				    (unsigned long long)out[i].seq,
				    (unsigned long long)next);
			next = out[i].seq + 1;
			*sum += out[i].seq;
			taken++;
			free(out[i].owned);
		}
		if (cancel_after != 0 && taken >= cancel_after) {
			ring_cancel(&s->r);
			return taken;
		}
	}
}

/* Items through a ring of cap slots (a million, fewer through the
 * smallest rings, where every item is a hand-over), with the producer
 * and the consumer on two threads; with cancel_after, the consumer gives
 * up there. Every item made is accounted for exactly once: taken,
 * dropped by the ring, or refused to the producer. */
static void
stress_run(size_t cap, uint64_t cancel_after, int wait)
{
	struct stress *s = calloc(1, sizeof(*s));
	pthread_t producer;
	uint64_t taken, taken_sum, all;

	assert_non_null(s);
	dropped = 0;
	dropped_sum = 0;
	ring_init(&s->r, cap, sizeof(struct item), item_drop);
	s->total = cap * 20000 < STRESS_ITEMS ? cap * 20000 : STRESS_ITEMS;
	s->seed = 0x9E3779B97F4A7C15ULL + cap;
	s->wait = wait;
	assert_int_equal(pthread_create(&producer, NULL, stress_produce, s),
	    0);
	taken = stress_consume(s, cancel_after, &taken_sum);
	assert_int_equal(pthread_join(producer, NULL), 0);
	ring_release(&s->r);
	if (cancel_after == 0) {
		assert_int_equal(taken, s->total);
		assert_int_equal(dropped, 0);
		assert_int_equal(s->refused, 0);
	}
	if (cancel_after != 0 && wait)
		assert_true(taken >= cancel_after && taken < s->total);
	assert_int_equal(s->made, taken + dropped + s->refused);
	all = s->made * (s->made - 1) / 2;
	assert_int_equal(all, taken_sum + dropped_sum + s->refused_sum);
	print_message("cap %zu: %llu made, %llu taken, %zu dropped, %llu "
	    "refused\n", cap, (unsigned long long)s->made,
	    (unsigned long long)taken, dropped,
	    (unsigned long long)s->refused);
	free(s);
}

static void
test_ring_stress(void **state)
{
	(void)state;
	stress_run(1, 0, 1);
	stress_run(3, 0, 1);
	stress_run(64, 0, 1);
	stress_run(1024, 0, 1);
}

static void
test_ring_stress_cancel(void **state)
{
	(void)state;
	stress_run(3, 30000, 1);
	stress_run(64, STRESS_ITEMS / 3, 1);
	stress_run(1024, 1000, 1);
}

/* A producer that does not wait (ingest's give-back) against a consumer
 * that takes at its own pace: whatever does not fit comes back to it. */
static void
test_ring_stress_nowait(void **state)
{
	(void)state;
	stress_run(64, STRESS_ITEMS / 2, 0);
}

/* A producer asleep on a full ring is woken by the cancel and gets back
 * what was not queued. */
static void *
fill_and_wait(void *arg)
{
	struct stress *s = arg;
	struct item batch[8];
	size_t i, queued;

	for (i = 0; i < 8; i++)
		batch[i] = item_make(i);
	queued = ring_put(&s->r, batch, 8, 1);
	for (i = queued; i < 8; i++) {
		s->refused++;
		free(batch[i].owned);
	}
	s->made = queued;
	return NULL;
}

/* How many items are queued, read as the ring reads it. */
static size_t
queued(struct ring *r)
{
	size_t n;

	pthread_mutex_lock(&r->mu);
	n = r->n;
	pthread_mutex_unlock(&r->mu);
	return n;
}

static void
test_ring_cancel_wakes_producer(void **state)
{
	struct stress *s = calloc(1, sizeof(*s));
	pthread_t producer;

	(void)state;
	assert_non_null(s);
	dropped = 0;
	ring_init(&s->r, 4, sizeof(struct item), item_drop);
	assert_int_equal(pthread_create(&producer, NULL, fill_and_wait, s),
	    0);
	/* The ring fills (4 of 8); the producer then sleeps on it. */
	while (queued(&s->r) < 4)
		sched_yield();
	ring_cancel(&s->r);
	assert_int_equal(pthread_join(producer, NULL), 0);
	assert_int_equal(s->made, 4);
	assert_int_equal(s->refused, 4);
	assert_int_equal(dropped, 4);
	ring_release(&s->r);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_one_thread),
		cmocka_unit_test(test_ring_stress),
		cmocka_unit_test(test_ring_stress_cancel),
		cmocka_unit_test(test_ring_stress_nowait),
		cmocka_unit_test(test_ring_cancel_wakes_producer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
