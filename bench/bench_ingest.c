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

static double
ingest_once(struct sqlite3 *db, size_t *added, size_t *updated)
{
	struct ingest_opts o;
	struct ingest_report rep;
	char err[ERR_LEN];
	double t0 = bench_now();

	memset(&o, 0, sizeof(o));
	if (ingest_source(db, FEED, &o, &rep, err) != INGEST_OK) {
		fprintf(stderr, "bench_ingest: %s\n", err);
		exit(1);
	}
	*added = rep.added;
	*updated = rep.updated;
	return bench_now() - t0;
}

static void
cleanup(void)
{
	unlink(FEED);
	unlink(DB);
	unlink(DB "-wal");
	unlink(DB "-shm");
}

int
main(void)
{
	struct sqlite3 *db;
	char err[ERR_LEN], details[128];
	size_t added, updated;
	double secs;

	cleanup();
	write_feed();
	db = db_open(DB, err);
	if (db == NULL) {
		fprintf(stderr, "bench_ingest: %s\n", err);
		return 1;
	}
	secs = ingest_once(db, &added, &updated);
	snprintf(details, sizeof(details), "%zu new items in %.2f s, new store, "
	    "parse and store in 2 threads", added, secs);
	bench_report("ingest_new", (double)N_ITEMS / secs, "items/s", 50000, 1,
	    details);
	secs = ingest_once(db, &added, &updated);
	snprintf(details, sizeof(details), "%zu updated items in %.2f s, "
	    "unchanged tags kept", updated, secs);
	bench_report("ingest_again", (double)N_ITEMS / secs, "items/s", 50000,
	    1, details);
	db_close(db);
	if (getenv("BENCH_KEEP") == NULL)
		cleanup();
	return 0;
}
