/*
 * fuzz_feed: feed detection and parsing (RSS, RDF, Atom, JSON Feed, JSON
 * articles) of any bytes, with and without an HTTP charset. Every string
 * of every item is valid UTF-8 (the feed is converted before parsing,
 * invalid bytes become U+FFFD), the body within FEED_BODY_MAX, titles
 * one line, dates 0 or within years 1 to 9999; a failure leaves no
 * items and names its reason; parsing is deterministic in its count.
 */
#include "article.h"
#include "date.h"
#include "feed.h"
#include "fuzz.h"
#include "util.h"

/* A zone may move a date a day past either end. */
#define FUZZ_DATE_MIN (DATE_MIN - 2 * 86400)
#define FUZZ_DATE_MAX (DATE_MAX + 2 * 86400)

static void
fuzz_item(const struct article *a)
{
	size_t i;

	FUZZ_CHECK(fuzz_text_ok(a->title) && fuzz_text_ok(a->body));
	FUZZ_CHECK(fuzz_text_ok(a->url) && fuzz_text_ok(a->author));
	FUZZ_CHECK(fuzz_text_ok(a->guid));
	FUZZ_CHECK(a->title == NULL || strchr(a->title, '\n') == NULL);
	FUZZ_CHECK(a->body == NULL || strlen(a->body) <= FEED_BODY_MAX);
	FUZZ_CHECK(a->published == 0 || (a->published >= FUZZ_DATE_MIN &&
	    a->published <= FUZZ_DATE_MAX));
	for (i = 0; i < a->ntags; i++)
		FUZZ_CHECK(a->tags[i][0] != '\0' && fuzz_text_ok(a->tags[i]));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const charsets[] = { NULL, "utf-8", "iso-8859-1",
	    "x-unknown" };
	const char *s = (const char *)data + 1;
	struct feed f, g;
	char err[ERR_LEN];
	size_t i;
	int rc;

	if (size < 1)
		return 0;
	(void)feed_kind_name(feed_detect(s, size - 1));
	memset(&f, 0, sizeof(f));
	rc = feed_parse(s, size - 1, charsets[data[0] & 3], "fuzz", &f, err);
	if (rc == -1) {
		FUZZ_CHECK(f.items.n == 0 && memchr(err, '\0', ERR_LEN) != NULL);
		feed_release(&f);
		return 0;
	}
	FUZZ_CHECK(fuzz_text_ok(f.title));
	for (i = 0; i < f.items.n; i++)
		fuzz_item(&f.items.v[i]);
	memset(&g, 0, sizeof(g));
	FUZZ_CHECK(feed_parse(s, size - 1, charsets[data[0] & 3], "fuzz", &g,
	    err) == 0 && g.items.n == f.items.n);
	feed_release(&g);
	feed_release(&f);
	return 0;
}
