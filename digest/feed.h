/*
 * feed: what a source holds, detected from its bytes, parsed into articles.
 *
 * Kinds: RSS 2.0 and 0.9x, RSS 1.0/RDF, Atom, JSON Feed 1.x, a JSON article
 * or array of articles (digest's own shape, below), and scraped pages
 * (HTML or plain text), which extract.h turns into one article.
 *
 * XML is parsed by libxml2 (SAX, no tree) with XML_PARSE_NONET and never
 * XML_PARSE_NOENT or XML_PARSE_DTDLOAD, so no external entity or DTD is
 * ever loaded: a reference to an external entity expands to nothing.
 * Internal entities work; entity loops and amplification ("billion
 * laughs") are refused by libxml2. XML_PARSE_HUGE is not used, so
 * libxml2's limits stay: 256 levels of nesting (50 MB of nested tags fail
 * at once), 10 MB per CDATA section. Errors never reach stderr: the first
 * one becomes err, as "line 14: xmlParseEntityRef: no name" (the line
 * counts blank lines skipped before "<?xml"). A field keeps at most 8 MB
 * of raw text.
 *
 * Encodings (charset.h): the XML declaration, else the HTTP charset, is
 * what is declared; a BOM beats both; with neither, valid UTF-8 is UTF-8
 * and anything else windows-1252; a declared ISO-8859-1 or US-ASCII is
 * read as windows-1252; bytes that are valid UTF-8 with non-ASCII text
 * are UTF-8 even under a single-byte declaration (the Daily Mail feed
 * declares ISO-8859-1 over UTF-8: we read "©", a conforming XML parser
 * "Â©"). Invalid UTF-8 in a document read as UTF-8 becomes U+FFFD (as a
 * browser does) rather than failing the whole feed; so does an encoding
 * name iconv does not know (the bytes are then guessed at). The document
 * is converted to UTF-8 before libxml2 sees it.
 *
 * A small fault does not lose a feed: a raw '&' (outside CDATA, comments
 * and processing instructions) is read as "&amp;", and so is the '&' of a
 * named entity XML does not define when the document declares none
 * ("&nbsp;" stays as text, which a body's HTML decodes). A document that
 * is truncated or broken otherwise still fails.
 *
 * Namespace URIs are matched with or without their trailing slash and in
 * any case, as Python's feedparser does.
 *
 * Items:
 *  - only the items of the feed: RSS <item> children of <channel> (or of
 *    <rss>), RDF <item> children of <rdf:RDF>, Atom <entry> children of
 *    <feed>. An <item> nested in another item is not an item.
 *  - guid: RSS <guid> (the first), Atom <id>, RDF rdf:about.
 *  - url: RSS <link>, else a permalink <guid>; Atom <link> with
 *    rel="alternate" or no rel; relative URLs are resolved (url.h)
 *    against xml:base, else the channel link, else the source when it is
 *    an http(s) URL.
 *  - title: plain text (markup stripped, white space collapsed).
 *  - author: dc:creator, else Atom author/name, else RSS <author>.
 *  - published: the first of pubDate, Atom published, dc:date, Atom
 *    updated that date_parse() accepts; 0 when none does, and when the
 *    item had one, it is counted and noted in the feed's notes.
 *  - tags: each RSS <category> and RDF dc:subject is one tag ("Physics,
 *    Applied", "Gowanus Canal (Brooklyn, NY)"), but a keyword list joined
 *    with bare commas ("DASDING,Alice Merton,Interview") is split; Atom
 *    <category> term, else label. An item without any takes the
 *    channel's: RSS <category>, Atom <category>, itunes:category (nested
 *    ones too).
 *  - body: plain text of the first of content:encoded, Atom content,
 *    description, Atom summary, media:description (in a media:group or
 *    media:content too), itunes:summary, itunes:subtitle that holds text
 *    once converted, at most FEED_BODY_MAX bytes. HTML escaped twice
 *    (text that still opens with a tag) is converted twice.
 *  - an entry with neither a title nor a text is not an item; every other
 *    is kept, even one with no guid, url or title (RSS allows an item
 *    with only a description).
 *
 * JSON articles, digest's own shape: the document is one object or an
 * array of objects (anything else is an error), each
 *
 *   {
 *     "title":     "string, required, plain text",
 *     "url":       "string",
 *     "guid":      "string (or \"id\": string or integer)",
 *     "author":    "string",
 *     "published": "a date date_parse() accepts, or epoch seconds as a
 *                   number (or \"date\")",
 *     "tags":      ["strings"] or "comma, separated",
 *     "body":      "plain text, paragraphs split by blank lines",
 *     "html":      "HTML, when there is no body (or \"content\")",
 *     "summary":   "plain text, when there is no body nor html"
 *   }
 *
 * Other keys are ignored; a key present with the wrong type is an error
 * naming the item ("item 3: \"tags\" is not an array or a string").
 *
 * JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1): items[] with id,
 * url (else external_url), title, content_html, else content_text, else
 * summary, date_published, else date_modified (a date that cannot be
 * read is noted), authors[0].name, else author.name, and tags. Wrong
 * types there are ignored; an item with neither a title nor a text is
 * not an item.
 *
 * A source that fails to parse yields no articles at all.
 */
#ifndef DIGEST_FEED_H
#define DIGEST_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "article.h"

enum feed_kind {
	FEED_UNKNOWN = 0,	/* empty, binary, or XML with another root */
	FEED_RSS,		/* RSS 2.0, 0.9x, or <rss> with no version */
	FEED_RDF,		/* RSS 1.0 */
	FEED_ATOM,
	FEED_JSONFEED,
	FEED_JSON_ARTICLES,	/* one JSON article or an array of them */
	FEED_HTML_PAGE,
	FEED_TEXT_PAGE,
};

#define FEED_MAX_BYTES (128u << 20)	/* largest source we parse */
#define FEED_BODY_MAX (1u << 20)	/* bytes of body text kept per item */
#define FEED_NOTES_MAX 5	/* notes kept about items; more are counted */
#define FEED_NOTE_LEN 160

/* Takes each item as soon as it is parsed: moves *a out (and leaves it
 * zeroed), so that a caller can store items while the rest is parsed. */
typedef void (*feed_item_fn)(struct article *a, void *arg);

struct feed {
	enum feed_kind kind;
	char *title;		/* owned; may be NULL */
	struct article_list items;	/* when on_item is NULL */
	feed_item_fn on_item;	/* set by the caller, or NULL */
	void *on_item_arg;
	/* Items whose date could not be read are kept without one (their
	 * fetch time stands in); the first are noted: "item 3: cannot read
	 * the date 'June 31, 2003'". */
	size_t undated;
	char notes[FEED_NOTES_MAX][FEED_NOTE_LEN];
	size_t nnotes;
};

/*
 * The kind of the content, from the bytes alone (after a BOM and white
 * space): an XML root of rss, rdf:RDF or feed; an HTML page (<!DOCTYPE
 * html, or a root element HTML has, such as html, head, body, div, p);
 * other XML (an XML declaration or an unknown root) is FEED_UNKNOWN;
 * '{' with a "version" of https://jsonfeed.org/version/... is JSON Feed,
 * other '{' or '[' JSON articles; NUL bytes or nothing but white space
 * are FEED_UNKNOWN; any other text is a text page.
 */
enum feed_kind feed_detect(const char *data, size_t len);
/* A static lower-case name: "rss", "rdf", "atom", "jsonfeed", "json",
 * "html", "text" or "unknown". */
const char *feed_kind_name(enum feed_kind kind);

/*
 * Parses len bytes of a feed (RSS, RDF, Atom, JSON Feed or JSON articles;
 * pages are extract.h's) into out (zeroed by the caller, but for on_item:
 * when that is set, items go to it instead of out->items; on an error the
 * items it was already given are not part of a valid feed). charset is the
 * HTTP Content-Type charset or NULL. source names the input in articles
 * and in errors. Items get body (plain text) and tags; lead is left to the
 * caller; published is 0 when the item has no date; fetched is left 0.
 * 0, or -1 with err ("line 14: ..." where the line is known) and out left
 * empty. A page gives "not a feed (an HTML page)" and the like.
 */
int feed_parse(const char *data, size_t len, const char *charset,
    const char *source, struct feed *out, char *err);
void feed_release(struct feed *f);

#endif
