/*
 * Whole messages: the sample feed's ten articles rendered with the
 * default templates (subject, HTML, text, wrapping) and composed as MIME
 * for a different subscriber each time, as `digest send` does.
 */
#include "bench.h"
#include "config.h"
#include "edition.h"
#include "feed.h"
#include "summary.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define RUNS 20000

static void
load_articles(const char *top, struct feed *f)
{
	char path[4096], err[ERR_LEN], *data;
	size_t len, i;

	snprintf(path, sizeof(path), "%s/samples/feed.xml", top);
	if (util_read_file(path, 1 << 24, &data, &len, err) == -1 ||
	    feed_parse(data, len, NULL, path, f, err) == -1) {
		fprintf(stderr, "bench_message: %s\n", err);
		exit(1);
	}
	free(data);
	for (i = 0; i < f->items.n; i++) {
		struct article *a = &f->items.v[i];

		a->lead = summary_lead(a->body, strlen(a->body), 2, 400);
	}
}

int
main(void)
{
	const char *top = getenv("TOP") ? getenv("TOP") : "..";
	struct edition_reader r;
	struct edition_message m;
	struct edition e;
	struct config c;
	struct feed f;
	char err[ERR_LEN], conf[4096], email[64], details[200];
	double t0, secs;
	size_t bytes = 0;
	json_t *data;
	int i;

	snprintf(conf, sizeof(conf), "%s/samples/digest.conf", top);
	if (config_load(&c, conf, err) == -1 ||
	    edition_open(&e, &c, "2026-W48", 1795867200, "all", err) == -1) {
		fprintf(stderr, "bench_message: %s\n", err);
		return 1;
	}
	memset(&f, 0, sizeof(f));
	load_articles(top, &f);
	data = render_edition_data(&c, e.id, e.now, &f.items);
	memset(&r, 0, sizeof(r));
	r.name = "Zoë Müller";
	r.unsubscribe_token = "u2vXqgG7b9QW0p3KfLrT1mZyE8aJcN4sD6hVxB5oIkA";
	r.preferences_token = "p7nYw2LqR9aZ3mK5bX1cT8vH4jF6gD0sE2uW9iQoPlM";
	edition_message_init(&m);
	t0 = util_monotonic();
	for (i = 0; i < RUNS; i++) {
		snprintf(email, sizeof(email), "reader%d@example.org", i);
		r.email = email;
		if (edition_message_build(&e, data, &r, &m, err) == -1) {
			fprintf(stderr, "bench_message: %s\n", err);
			return 1;
		}
		bytes += m.eml.len;
	}
	secs = util_monotonic() - t0;
	snprintf(details, sizeof(details), "%d messages of %.1f KB, %zu "
	    "articles, render + wrap + MIME; no target of its own, the send "
	    "issue's is ~4,000 msg/s on one connection", RUNS,
	    (double)bytes / RUNS / 1024, f.items.n);
	bench_report("message_build", RUNS / secs, "msgs/s", 4000, 1, details);
	edition_message_release(&m);
	json_decref(data);
	feed_release(&f);
	edition_close(&e);
	config_release(&c);
	return 0;
}
