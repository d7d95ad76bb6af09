/*
 * Ingest speed: a 100,000-item RSS feed on disk into a new store, the
 * whole path (read, parse, HTML to text, leads, SQLite in one
 * transaction), then the same feed again (every item an update).
 */
#include "bench.h"
#include "buf.h"
#include "db.h"
#include "ingest.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_ITEMS 100000
#define FEED "bench_ingest.xml"
#define DB "bench_ingest.db"

static const char *const topics[] = { "politics", "science", "climate",
    "business", "culture", "health", "technology", "transport", "education",
    "sport", "opinion", "local" };

static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri",
    "Sat", "Sun" };

static const char *const sentences[] = {
	"The council approved the plan on Tuesday after a long debate.",
	"Dr. Reyes said the U.S. grant would cover 3.5% of the cost.",
	"Work is due to start in March, weeks later than first hoped.",
	"\"We did what the models said,\" said Prof. Hartmann.",
	"Supporters say the change is overdue; critics call it rushed.",
	"The figures, checked by an outside auditor, show a $2.1 million gap.",
	"Residents can comment until Dec. 15 at the town hall or online.",
	"Is it worth it? Most members think so, according to a survey.",
};

static void
write_feed(void)
{
	struct buf b;
	FILE *f;
	int i, k;

	buf_init(&b, 256u << 20);
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<rss version=\"2.0\"><channel><title>Bench</title>"
	    "<link>https://bench.example.org/</link>\n");
	for (i = 0; i < N_ITEMS; i++) {
		buf_printf(&b, "<item><title>Story %d: the council and the "
		    "%s plan</title><link>https://bench.example.org/s/%d</link>"
		    "<guid>bench-%d</guid><pubDate>%s, %02d Nov 2026 %02d:%02d:00 "
		    "GMT</pubDate><category>%s</category><category>%s</category>"
		    "<description><![CDATA[", i, topics[i % 12], i, i,
		    days[i % 7], 1 + i % 28, i % 24, i % 60, topics[i % 12],
		    topics[(i * 7 + 3) % 12]);
		buf_puts(&b, "<p>");
		for (k = 0; k < 4; k++)
			buf_printf(&b, "%s ", sentences[(i + k) % 8]);
		buf_puts(&b, "</p><p><a href=\"https://bench.example.org/more\">"
		    "Read more</a> about it.</p>]]></description></item>\n");
	}
	buf_puts(&b, "</channel></rss>\n");
	f = fopen(FEED, "wb");
	if (f == NULL || fwrite(b.data, 1, b.len, f) != b.len || fclose(f)) {
		perror(FEED);
		exit(1);
	}
	printf("bench ingest: feed of %d items, %.1f MB\n", N_ITEMS,
	    (double)b.len / 1e6);
	buf_release(&b);
}

static void
cleanup_db(void)
{
	unlink(DB);
	unlink(DB "-wal");
	unlink(DB "-shm");
}

static double
ingest_once(struct sqlite3 *db, size_t *added, size_t *updated)
{
	struct ingest_opts o;
	struct ingest_report rep;
	char err[ERR_LEN];
	double t0 = util_monotonic();

	memset(&o, 0, sizeof(o));
	if (ingest_source(db, FEED, &o, &rep, err) != INGEST_OK) {
		fprintf(stderr, "bench_ingest: %s\n", err);
		exit(1);
	}
	*added = rep.added;
	*updated = rep.updated;
	return util_monotonic() - t0;
}

#define RUNS 3

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(void)
{
	struct sqlite3 *db;
	char err[ERR_LEN], details[160];
	size_t added = 0, updated = 0;
	double fresh[RUNS], again[RUNS];
	int r;

	unlink(FEED);
	write_feed();
	/* Each run into a new store, then the same feed again. */
	for (r = 0; r < RUNS; r++) {
		cleanup_db();
		db = db_open(DB, err);
		if (db == NULL) {
			fprintf(stderr, "bench_ingest: %s\n", err);
			return 1;
		}
		fresh[r] = ingest_once(db, &added, &updated);
		again[r] = ingest_once(db, &added, &updated);
		db_close(db);
	}
	qsort(fresh, RUNS, sizeof(fresh[0]), cmp_double);
	qsort(again, RUNS, sizeof(again[0]), cmp_double);
	snprintf(details, sizeof(details), "%d items in %.2f s, median of %d "
	    "new stores, parse and store in 2 threads", N_ITEMS,
	    fresh[RUNS / 2], RUNS);
	bench_report("ingest_new", (double)N_ITEMS / fresh[RUNS / 2],
	    "items/s", 50000, 1, details);
	snprintf(details, sizeof(details), "%zu items updated in %.2f s, "
	    "median of %d, unchanged tags kept", updated, again[RUNS / 2], RUNS);
	bench_report("ingest_again", (double)N_ITEMS / again[RUNS / 2],
	    "items/s", 50000, 1, details);
	if (getenv("BENCH_KEEP") == NULL) {
		unlink(FEED);
		cleanup_db();
	}
	return 0;
}
