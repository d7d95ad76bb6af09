/*
 * bench_addr: how many addresses per second addr_parse judges, on one
 * core, over the mix a signup form and an import see.
 *
 * The pool: the 782 inputs of ../shared/testdata/email/signup_cases.json
 * (when ../shared is there; a fifth of them international) and 200,000
 * generated ones: names and digits, dots, plus tags and capitals at
 * popular and made-up domains, one in 20 with a typo that makes it
 * invalid, one in 50 with an accented local part or domain. Every pool is
 * run RUNS times, the median reported: POOL * RUNS validations in all.
 */
#include "addr.h"
#include "bench.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define POOL 200000
#define RUNS 15
#define BENCH_TARGET 1000000.0

struct pool {
	char **s;	/* owned */
	size_t *len;	/* owned; an input may hold NUL bytes */
	size_t n, cap, lcap;
};

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static void
pool_add(struct pool *p, const char *s, size_t len)
{
	xgrow(&p->s, &p->cap, p->n + 1, sizeof(*p->s));
	xgrow(&p->len, &p->lcap, p->n + 1, sizeof(*p->len));
	p->s[p->n] = xstrndup(s, len);
	p->len[p->n++] = len;
}

static void
pool_release(struct pool *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->s[i]);
	free(p->s);
	free(p->len);
}

static const char *
pick(const char *const *v, size_t n)
{
	return v[bench_rand(&rng) % n];
}

/* One address as people type them. */
static size_t
generate(char *out, size_t size)
{
	static const char *const first[] = { "john", "Jane", "alex", "maria",
	    "li", "mohammed", "SARAH", "peter", "olga", "kim", "j", "info",
	    "newsletter", "contact", "a.b" };
	static const char *const last[] = { "smith", "doe", "mueller",
	    "garcia", "wang", "o'neil", "nguyen", "rossi", "k" };
	static const char *const domain[] = { "gmail.com", "yahoo.com",
	    "hotmail.com", "outlook.com", "icloud.com", "gmx.de",
	    "example.org", "mail.example.co.uk", "company-name.com",
	    "uni-stuttgart.de", "Example.COM", "sub.domain.io", "web.de",
	    "proton.me" };
	static const char *const intl[] = { "jos\xc3\xa9@example.com",
	    "user@gr\xc3\xbcn.de", "\xe7\x94\xa8\xe6\x88\xb7@example.cn",
	    "m\xc3\xbcller@m\xc3\xbcnchen.de", "a@xn--bcher-kva.de" };
	static const char *const bad[] = { "john..doe@gmail.com",
	    "john.doe@gmail", "john.doe gmail.com", "john@gmail,com",
	    "<john@x.com>", "john@@x.com", "a@b.c0", ".john@x.com" };
	uint64_t r = bench_rand(&rng);
	int n;

	if (r % 50 == 0)
		n = snprintf(out, size, "%s", pick(intl, 5));
	else if (r % 20 == 1)
		n = snprintf(out, size, "%s", pick(bad, 8));
	else
		n = snprintf(out, size, "%s%s%s%s%u%s@%s", pick(first, 15),
		    r % 3 ? "." : "", r % 3 ? pick(last, 9) : "",
		    r % 7 == 0 ? "+news" : "", (unsigned)(r >> 40) % 100,
		    r % 11 == 0 ? "x" : "", pick(domain, 14));
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

static size_t
add_shared(struct pool *p)
{
	const char *roots[3] = { getenv("SHARED"), NULL, "../shared" };
	char base[4096], path[4200];
	json_t *cases, *c;
	size_t i, k;

	if (getenv("TOP") != NULL && snprintf(base, sizeof(base),
	    "%s/../shared", getenv("TOP")) < (int)sizeof(base))
		roots[1] = base;
	for (k = 0; k < 3; k++) {
		if (roots[k] == NULL || snprintf(path, sizeof(path),
		    "%s/testdata/email/signup_cases.json", roots[k]) >=
		    (int)sizeof(path))
			continue;
		if ((cases = json_load_file(path, JSON_ALLOW_NUL, NULL)) == NULL)
			continue;
		json_array_foreach(cases, i, c) {
			json_t *a = json_object_get(c, "address");

			pool_add(p, json_string_value(a), json_string_length(a));
		}
		json_decref(cases);
		return i;
	}
	fprintf(stderr, "bench_addr: ../shared not found; generated "
	    "addresses only\n");
	return 0;
}

static int
is_ascii(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median addresses/s of RUNS passes over the pool; *valid counts one
 * pass's accepted addresses. */
static double
measure(const struct pool *p, size_t *valid)
{
	double rate[RUNS], t;
	struct addr a;
	char err[ERR_LEN];
	size_t i, ok;
	int r;

	for (r = 0; r < RUNS; r++) {
		ok = 0;
		t = util_monotonic();
		for (i = 0; i < p->n; i++)
			ok += addr_parse(p->s[i], p->len[i], &a, err) == 0;
		rate[r] = (double)p->n / (util_monotonic() - t);
		*valid = ok;
	}
	qsort(rate, RUNS, sizeof(rate[0]), cmp_double);
	return rate[RUNS / 2];
}

int
main(void)
{
	struct pool mix, ascii;
	char buf[512], details[160];
	size_t i, n, shared, valid;
	double rate;

	memset(&mix, 0, sizeof(mix));
	memset(&ascii, 0, sizeof(ascii));
	shared = add_shared(&mix);
	for (i = 0; mix.n < POOL + shared; i++)
		if ((n = generate(buf, sizeof(buf))) > 0)
			pool_add(&mix, buf, n);
	for (i = 0; i < mix.n; i++)
		if (is_ascii(mix.s[i], mix.len[i]))
			pool_add(&ascii, mix.s[i], mix.len[i]);
	(void)measure(&mix, &valid);	/* warm up */
	rate = measure(&mix, &valid);
	snprintf(details, sizeof(details), "%zu inputs (%zu reference "
	    "cases, %zu valid) x %d runs, median", mix.n, shared, valid, RUNS);
	bench_report("addr_parse", rate, "addrs/s", BENCH_TARGET, 1, details);
	rate = measure(&ascii, &valid);
	snprintf(details, sizeof(details), "the %zu all-ASCII inputs of the "
	    "mix, %zu valid", ascii.n, valid);
	bench_report("addr_parse_ascii", rate, "addrs/s", BENCH_TARGET, 1,
	    details);
	pool_release(&mix);
	pool_release(&ascii);
	return 0;
}
