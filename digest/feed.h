/*
 * feed: what a source holds, detected from its bytes, parsed into articles.
 *
 * Kinds: RSS 2.0 and 0.9x, RSS 1.0/RDF, Atom, JSON Feed 1.x, a JSON article
 * or array of articles (digest's own shape, see README), and scraped pages
 * (HTML or plain text), which extract.h turns into one article.
 *
 * XML is parsed by libxml2 with XML_PARSE_NONET and never XML_PARSE_NOENT,
 * so no external entity is ever expanded; entity loops are refused.
 * Non-UTF-8 input is converted: a declared encoding (XML declaration, the
 * HTTP charset) is honoured, and text that is not valid UTF-8 with no
 * declaration is read as windows-1252 (a superset of ISO-8859-1).
 * A source that fails to parse yields no articles at all.
 */
#ifndef DIGEST_FEED_H
#define DIGEST_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "article.h"

enum feed_kind {
	FEED_UNKNOWN = 0,
	FEED_RSS,		/* RSS 2.0, 0.9x, or <rss> with no version */
	FEED_RDF,		/* RSS 1.0 */
	FEED_ATOM,
	FEED_JSONFEED,
	FEED_JSON_ARTICLES,	/* one JSON article or an array of them */
	FEED_HTML_PAGE,
	FEED_TEXT_PAGE,
};

#define FEED_MAX_BYTES (64u << 20)	/* largest source we parse */

struct feed {
	enum feed_kind kind;
	char *title;		/* owned; may be NULL */
	struct article_list items;
};

/* The kind of the content, from the bytes alone. */
enum feed_kind feed_detect(const char *data, size_t len);
const char *feed_kind_name(enum feed_kind kind);

/*
 * Parses len bytes of a feed (RSS, RDF, Atom, JSON Feed or JSON articles;
 * pages are extract.h's) into out (zeroed by the caller). charset is the
 * HTTP Content-Type charset or NULL. source names the input in articles
 * and in errors. Items get body (plain text) and tags; lead is left to the
 * caller; published is 0 when the item has no date; fetched is left 0.
 * 0, or -1 with err ("line 14: ..." where the line is known) and out left
 * empty.
 */
int feed_parse(const char *data, size_t len, const char *charset,
    const char *source, struct feed *out, char *err);
void feed_release(struct feed *f);

#endif
