/*
 * bench_feed: feed_parse on generated RSS 2.0 feeds whose items have a
 * title, link, guid, pubDate, 2 or 3 categories and an entity-escaped
 * HTML description (paragraphs, a link, emphasis, entities), as news
 * feeds write them:
 *
 *  - feed_parse: 100,000 items with descriptions of about 260 bytes of
 *    HTML (320 bytes escaped), 64 MB. 100,000 items with 500-byte
 *    descriptions make a feed of about 85 MB, more than FEED_MAX_BYTES
 *    (64 MB), which feed_parse refuses;
 *  - feed_parse_500: 60,000 items with 500-byte descriptions (51 MB).
 *
 * Each figure is the best of RUNS parses (the machine is shared). The
 * details give what libxml2's SAX parser alone (callbacks that do
 * nothing) does on the same bytes: the floor under feed_parse.
 */
#include "bench.h"
#include "buf.h"
#include "feed.h"
#include "util.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <stdlib.h>
#include <string.h>

#define RUNS 5

static const char *const words[] = { "council", "budget", "river", "school",
    "energy", "market", "storm", "vote", "museum", "rail", "harbour",
    "festival", "court", "hospital", "bridge", "league", "science", "farm" };
static const char *const tags[] = { "Politics", "Local News", "Economy",
    "Weather", "Culture", "Transport", "Sport", "Health", "Science &amp; Tech",
    "Environment" };
static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
    "Sun" };

#define NWORDS (sizeof(words) / sizeof(words[0]))

/* About 260 bytes of HTML (320 as escaped in the feed); long adds two
 * paragraphs, for about 500 (600). */
static void
description(struct buf *b, unsigned i, const char *w1, const char *w2,
    int long_form)
{
	buf_printf(b, "<description>&lt;p&gt;The %s said on Tuesday that "
	    "the %s would be reviewed after a consultation that drew %u "
	    "replies.&lt;/p&gt;&lt;p&gt;&lt;a href=\"https://news.example.org/"
	    "%u\"&gt;Residents&lt;/a&gt; asked for &lt;em&gt;clearer&lt;/em&gt; "
	    "plans; officials promised both &amp;amp; a meeting in the spring."
	    "&lt;/p&gt;", w1, w2, i % 5000 + 100, i);
	if (long_form)
		buf_printf(b, "&lt;p&gt;Opposition members called the delay "
		    "&amp;#8220;predictable&amp;#8221; and asked for the %s "
		    "report to be published.&lt;/p&gt;&lt;p&gt;A decision is "
		    "expected in &lt;b&gt;March&lt;/b&gt;, once the %s has "
		    "heard from the regional authorities and the %s.&lt;/p&gt;",
		    w2, w1, words[(i / 3) % NWORDS]);
	buf_puts(b, "</description>");
}
static void
item(struct buf *b, unsigned i, int long_form)
{
	const char *w1 = words[i % NWORDS], *w2 = words[(i / 7) % NWORDS];

	buf_printf(b, "<item><title>The %s and the %s: what changes in week "
	    "%u</title>", w1, w2, i % 52 + 1);
	buf_printf(b, "<link>https://news.example.org/%u/%s-%s</link>",
	    2026 - i % 5, w1, w2);
	buf_printf(b, "<guid isPermaLink=\"false\">urn:news:%u</guid>", i);
	buf_printf(b, "<pubDate>%s, %02u Nov 2026 %02u:%02u:00 +0100</pubDate>",
	    days[i % 7], i % 28 + 1, i % 24, i % 60);
	buf_printf(b, "<category>%s</category><category>%s</category>",
	    tags[i % 10], tags[(i / 10) % 10]);
	if (i % 3 == 0)
		buf_printf(b, "<category>%s</category>", tags[(i / 3) % 10]);
	description(b, i, w1, w2, long_form);
	buf_puts(b, "</item>\n");
}

/* The feed: 0, or -1 when it would exceed FEED_MAX_BYTES. */
static int
generate(struct buf *b, unsigned items, int long_form)
{
	unsigned i;

	buf_init(b, FEED_MAX_BYTES);
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss "
	    "version=\"2.0\">\n<channel>\n<title>Bench News</title>\n"
	    "<link>https://news.example.org/</link>\n");
	for (i = 0; i < items; i++)
		item(b, i, long_form);
	return buf_puts(b, "</channel>\n</rss>\n");
}

static void
no_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
    int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	(void)ctx, (void)localname, (void)prefix, (void)uri;
	(void)nb_namespaces, (void)namespaces, (void)nb_attributes;
	(void)nb_defaulted, (void)attributes;
}

static void
no_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri)
{
	(void)ctx, (void)localname, (void)prefix, (void)uri;
}

static void
no_chars(void *ctx, const xmlChar *s, int len)
{
	(void)ctx, (void)s, (void)len;
}

/* libxml2's SAX parser with callbacks that do nothing: seconds for the
 * bytes. */
static double
sax_floor(const struct buf *b)
{
	xmlSAXHandler sax;
	xmlParserCtxtPtr ctxt;
	double t;

	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = no_start;
	sax.endElementNs = no_end;
	sax.characters = no_chars;
	t = util_monotonic();
	ctxt = xmlCreateMemoryParserCtxt(b->data, (int)b->len);
	xmlFree(ctxt->sax);
	ctxt->sax = xmlMalloc(sizeof(sax));
	memcpy(ctxt->sax, &sax, sizeof(sax));
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA);
	xmlParseDocument(ctxt);
	xmlFreeParserCtxt(ctxt);
	return util_monotonic() - t;
}

static int
run(const char *name, unsigned items, int long_form)
{
	struct buf b;
	struct feed f;
	char err[ERR_LEN], details[256];
	double best = 1e9, floor_s = 1e9, t;
	int r;

	if (generate(&b, items, long_form) == -1) {
		fprintf(stderr, "bench_feed: %u items outgrow %u bytes\n", items,
		    FEED_MAX_BYTES);
		return 1;
	}
	for (r = 0; r < RUNS; r++) {
		memset(&f, 0, sizeof(f));
		t = util_monotonic();
		if (feed_parse(b.data, b.len, NULL, "bench", &f, err) == -1) {
			fprintf(stderr, "bench_feed: %s\n", err);
			return 1;
		}
		t = util_monotonic() - t;
		if (f.items.n != items || f.items.v[7].ntags < 2) {
			fprintf(stderr, "bench_feed: %zu items\n", f.items.n);
			return 1;
		}
		best = t < best ? t : best;
		feed_release(&f);
		t = sax_floor(&b);
		floor_s = t < floor_s ? t : floor_s;
	}
	snprintf(details, sizeof(details), "%u items, %.1f MB, %s "
	    "descriptions, best of %d: %.3f s, %.0f MB/s; libxml2 SAX alone: "
	    "%.0f items/s", items, (double)b.len / 1e6, long_form ?
	    "500-byte" : "260-byte", RUNS, best, (double)b.len / 1e6 / best,
	    items / floor_s);
	/* Parsing alone has no target of its own: it must stay well ahead of
	 * the store for ingest's 50,000 items/s, so twice that. */
	bench_report(name, items / best, "items/s", 100000, 1, details);
	buf_release(&b);
	return 0;
}

int
main(void)
{
	if (run("feed_parse", 100000, 0) != 0 ||
	    run("feed_parse_500", 60000, 1) != 0)
		return 1;
	return 0;
}
