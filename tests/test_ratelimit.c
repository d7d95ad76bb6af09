/*
 * Tests for subscribers/ratelimit.c, subscribers/pace.c and
 * subscribers/client.c: the signup backend's limiter, its answer-time
 * floor and who it takes a request to come from, all pure, with the
 * clock passed in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "client.h"
#include "pace.h"
#include "ratelimit.h"

static struct client_ip
t_ip(const char *s)
{
	struct client_ip ip;

	if (client_ip_parse(s, strlen(s), &ip) == -1)
		fail_msg("'%s' does not parse", s);
	return ip;
}

/* How many of n tries at now the client is let through. */
static int
t_takes(struct ratelimit *rl, const char *client, double now, int n)
{
	struct client_ip ip = t_ip(client);
	int ok = 0;

	while (n-- > 0)
		ok += ratelimit_take(rl, &ip, now);
	return ok;
}

/* per_minute a minute, refilled at that rate, never above it. */
static void
test_ratelimit_bucket(void **state)
{
	struct ratelimit rl;

	(void)state;
	ratelimit_init(&rl, 3, RATELIMIT_SLOTS);
	assert_int_equal(t_takes(&rl, "192.0.2.1", 100, 5), 3);
	assert_int_equal(t_takes(&rl, "192.0.2.1", 110, 1), 0);
	assert_int_equal(t_takes(&rl, "192.0.2.1", 120, 2), 1);	/* 1 in 20 s */
	assert_int_equal(t_takes(&rl, "192.0.2.1", 1000, 5), 3);	/* capped */
	/* Another address has its own. */
	assert_int_equal(t_takes(&rl, "192.0.2.2", 1000, 5), 3);
	ratelimit_release(&rl);
}

/* An IPv6 client is its /64; an IPv4-mapped address is the IPv4 one. */
static void
test_ratelimit_ipv6(void **state)
{
	struct ratelimit rl;

	(void)state;
	ratelimit_init(&rl, 2, RATELIMIT_SLOTS);
	assert_int_equal(t_takes(&rl, "2001:db8:1:2::1", 0, 1), 1);
	assert_int_equal(t_takes(&rl, "2001:db8:1:2:ffff::9", 0, 5), 1);
	assert_int_equal(t_takes(&rl, "2001:db8:1:3::1", 0, 5), 2);
	assert_int_equal(t_takes(&rl, "198.51.100.7", 0, 1), 1);
	assert_int_equal(t_takes(&rl, "::ffff:198.51.100.7", 0, 5), 1);
	ratelimit_release(&rl);
}

/*
 * With one slot: a client keeps its bucket until it has refilled, so
 * another client cannot take it from under it (and give it a fresh
 * allowance back later); meanwhile the others share the overflow.
 */
static void
test_ratelimit_slots(void **state)
{
	struct ratelimit rl;

	(void)state;
	ratelimit_init(&rl, 2, 1);
	assert_int_equal(t_takes(&rl, "192.0.2.1", 1000, 2), 2);	/* the slot */
	assert_int_equal(t_takes(&rl, "192.0.2.2", 1001, 1), 1);	/* overflow */
	assert_int_equal(t_takes(&rl, "192.0.2.3", 1001, 5), 1);	/* shares it */
	assert_int_equal(t_takes(&rl, "192.0.2.1", 1001, 1), 0);	/* still spent */
	/* Refilled, the slot is anyone's: a new client gets it whole. */
	assert_int_equal(t_takes(&rl, "192.0.2.4", 1200, 5), 2);
	assert_int_equal(t_takes(&rl, "192.0.2.4", 1200, 1), 0);
	ratelimit_release(&rl);
}

/* The floor: PACE_FIRST at first, then the quantile of the samples,
 * at most PACE_MAX. */
static void
test_pace_floor(void **state)
{
	struct pace p;
	int i;

	(void)state;
	pace_init(&p);
	assert_true(pace_until(&p, 10) == 10 + PACE_FIRST);
	for (i = 0; i < 100; i++)
		pace_sample(&p, i < 95 ? 0.01 : 0.05);
	/* 95 of 100 at 10 ms: the 0.95 quantile is 10 ms, not the tail. */
	assert_true(pace_until(&p, 10) == 10.01);
	for (i = 0; i < PACE_SAMPLES; i++)
		pace_sample(&p, 0.02);
	assert_true(pace_until(&p, 0) == 0.02);	/* the old ones are gone */
	for (i = 0; i < PACE_SAMPLES; i++)
		pace_sample(&p, 5);
	assert_true(pace_until(&p, 0) == PACE_MAX);
}

/* ---- who is asking -------------------------------------------------- */

struct forward_case {
	const char *list;
	int rfc7239;
	const char *client;
};

/* The peer is 10.0.0.1; the trusted proxies 10.0.0.0/8 and 2001:db8::/32. */
static const struct forward_case forward_cases[] = {
	{ "203.0.113.9", 0, "203.0.113.9" },
	{ "203.0.113.9, 10.1.2.3", 0, "203.0.113.9" },
	/* What the client wrote itself, left of an untrusted hop. */
	{ "1.2.3.4, 203.0.113.9, 10.1.2.3", 0, "203.0.113.9" },
	{ "1.2.3.4,203.0.113.9:4711", 0, "203.0.113.9" },
	{ "unknown, 10.1.2.3", 0, "10.1.2.3" },
	{ "garbage", 0, "10.0.0.1" },
	{ "", 0, "10.0.0.1" },
	{ "for=192.0.2.60;proto=http;by=203.0.113.43", 1, "192.0.2.60" },
	{ "for=192.0.2.60, for=\"[2001:db8:cafe::17]:4711\"", 1,
	    "192.0.2.60" },
	{ "for=\"[2001:db9::17]:4711\"", 1, "2001:db9::17" },
	{ "proto=https;For=\"198.51.100.1\"", 1, "198.51.100.1" },
	{ "for=_hidden", 1, "10.0.0.1" },
	{ "by=10.0.0.9", 1, "10.0.0.1" },
	{ "for=::ffff:203.0.113.5", 1, "203.0.113.5" },
};

static void
test_client_forwarded(void **state)
{
	struct client_proxies p;
	char err[ERR_LEN], text[INET6_ADDRSTRLEN];
	struct client_ip ip;
	size_t i;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(client_proxies_parse(&p, "10.0.0.0/8, 2001:db8::/32",
	    err), 0);
	for (i = 0; i < sizeof(forward_cases) / sizeof(*forward_cases); i++) {
		const struct forward_case *c = &forward_cases[i];

		ip = t_ip("10.0.0.1");
		client_forwarded(&p, c->list, c->rfc7239, &ip);
		client_ip_to_text(&ip, text);
		if (strcmp(text, c->client) != 0)
			fail_msg("'%s': %s, not %s", c->list, text, c->client);
	}
}

static void
test_client_proxies(void **state)
{
	struct client_proxies p;
	char err[ERR_LEN];
	struct client_ip ip;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(client_proxies_parse(&p, "192.168.0.0/12 ::1", err), 0);
	ip = t_ip("192.175.255.1");
	assert_true(client_proxies_trust(&p, &ip));
	ip = t_ip("192.176.0.1");
	assert_false(client_proxies_trust(&p, &ip));
	ip = t_ip("[::1]:80");
	assert_true(client_proxies_trust(&p, &ip));
	memset(&p, 0, sizeof(p));
	assert_int_equal(client_proxies_parse(&p, "10.0.0.0/33", err), -1);
	assert_non_null(strstr(err, "'10.0.0.0/33'"));
	assert_int_equal(client_proxies_parse(&p, "proxy.example", err), -1);
	assert_non_null(strstr(err, "'proxy.example'"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit_bucket),
		cmocka_unit_test(test_ratelimit_ipv6),
		cmocka_unit_test(test_ratelimit_slots),
		cmocka_unit_test(test_pace_floor),
		cmocka_unit_test(test_client_forwarded),
		cmocka_unit_test(test_client_proxies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
