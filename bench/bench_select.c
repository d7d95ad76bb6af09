/*
 * Selection speed: 1M stored articles over two years, 100 tags of
 * Zipf-like popularity, 1-3 tags each; pick by 3 tags in a 7-day window,
 * as a weekly digest does for one subscriber.
 */
#include "article.h"
#include "bench.h"
#include "db.h"
#include "select.h"
#include "util.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_ARTICLES 1000000
#define N_TAGS 100
#define SPAN_DAYS 730
#define NOW 1795000000
#define RUNS 200

static uint64_t rng = 88172645463325252ull;

/* Tag ranks with probability ~ 1/(rank+1). */
static int
zipf_tag(const double *cdf)
{
	double u = (double)(bench_rand(&rng) % 1000000) / 1e6;
	int lo = 0, hi = N_TAGS - 1;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A headline of 5-10 words from a 5,000-word vocabulary of made-up
 * words, common ones far more often: titles share words as real ones do. */
static void
bench_title(char *out, size_t size)
{
	static const char *syl[] = { "ka", "ro", "mi", "ten", "sal", "o",
	    "ver", "da", "lin", "pe", "gor", "u", "bis", "tha", "nel", "cri" };
	size_t n = 0, words = 5 + bench_rand(&rng) % 6, w, s, len;

	for (w = 0; w < words && n + 24 < size; w++) {
		/* rank ~ Zipf: squaring a uniform value skews to small ranks */
		uint64_t u = bench_rand(&rng) % 5000, rank = u * u / 5000;
		uint64_t r = rank;

		if (w > 0)
			out[n++] = ' ';
		len = 1 + rank % 3 + (rank > 100) + (rank > 1000);
		for (s = 0; s < len; s++) {
			const char *x = syl[r % 16];

			r = r / 16 + 7 * s + 3;
			memcpy(out + n, x, strlen(x));
			n += strlen(x);
		}
	}
	out[n] = '\0';
}

static void
must(int ok, sqlite3 *db, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench_select: %s: %s\n", what, sqlite3_errmsg(db));
		exit(1);
	}
}

static void
fill(sqlite3 *db)
{
	sqlite3_stmt *art, *tag, *at;
	double cdf[N_TAGS], sum = 0, acc = 0;
	char title[96], name[32], err[ERR_LEN];
	int i, k;

	for (i = 0; i < N_TAGS; i++)
		sum += 1.0 / (i + 1);
	for (i = 0; i < N_TAGS; i++) {
		acc += 1.0 / (i + 1) / sum;
		cdf[i] = acc;
	}
	/* A fixture, not a test of durability: keep it in memory until done. */
	must(db_exec(db, "PRAGMA cache_size = -400000", err) == 0, db, "pragma");
	must(db_exec(db, "BEGIN", err) == 0, db, "begin");
	must(sqlite3_prepare_v2(db, "INSERT INTO tag (id, name) VALUES (?1, ?2)",
	    -1, &tag, NULL) == SQLITE_OK, db, "prepare");
	for (i = 0; i < N_TAGS; i++) {
		snprintf(name, sizeof(name), "topic-%d", i);
		sqlite3_bind_int(tag, 1, i + 1);
		sqlite3_bind_text(tag, 2, name, -1, SQLITE_TRANSIENT);
		must(sqlite3_step(tag) == SQLITE_DONE, db, "tag");
		sqlite3_reset(tag);
	}
	must(sqlite3_prepare_v2(db, "INSERT INTO article (id, source, guid, url, "
	    "title, title_key, author, published, dated, fetched, body, lead) "
	    "VALUES (?1, 'bench', ?1, 'https://example.org/a', ?2, ?2, NULL, ?3, "
	    "1, ?3, 'body', 'A lead sentence. And a second one.')", -1, &art,
	    NULL) == SQLITE_OK, db, "prepare");
	must(sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO article_tag (tag_id, "
	    "published, article_id) VALUES (?1, ?2, ?3)", -1, &at, NULL) ==
	    SQLITE_OK, db, "prepare");
	for (i = 1; i <= N_ARTICLES; i++) {
		/* In date order, as a store fills up: index inserts append. */
		int64_t published = NOW - (int64_t)SPAN_DAYS * 86400 +
		    (int64_t)i * SPAN_DAYS * 86400 / N_ARTICLES -
		    (int64_t)(bench_rand(&rng) % 600);
		int ntags = 1 + (int)(bench_rand(&rng) % 3);

		bench_title(title, sizeof(title));
		sqlite3_bind_int(art, 1, i);
		sqlite3_bind_text(art, 2, title, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(art, 3, published);
		must(sqlite3_step(art) == SQLITE_DONE, db, "article");
		sqlite3_reset(art);
		for (k = 0; k < ntags; k++) {
			sqlite3_bind_int(at, 1, zipf_tag(cdf) + 1);
			sqlite3_bind_int64(at, 2, published);
			sqlite3_bind_int(at, 3, i);
			must(sqlite3_step(at) == SQLITE_DONE, db, "article_tag");
			sqlite3_reset(at);
		}
		if (isatty(2) && i % 100000 == 0)
			fprintf(stderr, "\rbench_select: filling %d/%d", i,
			    N_ARTICLES);
	}
	if (isatty(2))
		fputs("\r\033[K", stderr);
	sqlite3_finalize(tag);
	sqlite3_finalize(art);
	sqlite3_finalize(at);
	must(db_exec(db, "COMMIT", err) == 0, db, "commit");
	must(db_exec(db, "ANALYZE", err) == 0, db, "analyze");
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Runs the query RUNS times: returns the median in ms, the count picked. */
static double
measure(sqlite3 *db, struct select_query *q, size_t *picked, double *p99)
{
	static double ms[RUNS];
	struct article_list l;
	char err[ERR_LEN];
	int r;

	for (r = 0; r < RUNS; r++) {
		double t0 = util_monotonic();

		memset(&l, 0, sizeof(l));
		if (select_articles(db, q, &l, err) == -1) {
			fprintf(stderr, "bench_select: %s\n", err);
			exit(1);
		}
		ms[r] = (util_monotonic() - t0) * 1000;
		*picked = l.n;
		article_list_release(&l);
	}
	qsort(ms, RUNS, sizeof(ms[0]), cmp_double);
	*p99 = ms[RUNS * 99 / 100];
	return ms[RUNS / 2];
}

int
main(void)
{
	const char *tags[] = { "topic-3", "topic-17", "topic-42" };
	struct select_query q;
	char err[ERR_LEN], details[160];
	size_t picked;
	double t0, med, p99;
	sqlite3 *db;

	unlink("bench_select.db");
	unlink("bench_select.db-wal");
	unlink("bench_select.db-shm");
	db = db_open("bench_select.db", err);
	if (db == NULL) {
		fprintf(stderr, "bench_select: %s\n", err);
		return 1;
	}
	t0 = util_monotonic();
	fill(db);
	printf("bench select: filled %d articles in %.1f s\n", N_ARTICLES,
	    util_monotonic() - t0);

	memset(&q, 0, sizeof(q));
	q.tags = tags;
	q.ntags = 3;
	q.since = NOW - 7 * 86400;
	q.limit = 20;
	med = measure(db, &q, &picked, &p99);
	snprintf(details, sizeof(details), "median of %d, p99 %.2f ms, 3 tags, "
	    "7 days, limit 20: %zu picked", RUNS, p99, picked);
	bench_report("select_3tags_7d_limit20", med, "ms", 5, 0, details);

	q.limit = 0;
	med = measure(db, &q, &picked, &p99);
	snprintf(details, sizeof(details), "median of %d, p99 %.2f ms, 3 tags, "
	    "7 days, no limit: %zu picked", RUNS, p99, picked);
	bench_report("select_3tags_7d_all", med, "ms", 5, 0, details);

	q.ntags = 0;
	q.limit = 20;
	med = measure(db, &q, &picked, &p99);
	snprintf(details, sizeof(details), "median of %d, p99 %.2f ms, no tags, "
	    "7 days, limit 20: %zu picked", RUNS, p99, picked);
	bench_report("select_all_7d_limit20", med, "ms", 5, 0, details);
	db_close(db);
	if (getenv("BENCH_KEEP") == NULL) {
		unlink("bench_select.db");
		unlink("bench_select.db-wal");
		unlink("bench_select.db-shm");
	}
	return 0;
}
