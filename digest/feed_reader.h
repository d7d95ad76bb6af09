/*
 * feed_reader: what the parts of the feed module share. feed.h is the
 * module's contract; this header is for its own files only:
 *
 *   feed.c         feed_parse (which reader a source goes to), the text
 *                  of a field, notes about items, conversion to UTF-8
 *   feed_detect.c  feed_detect: the kind, from the bytes alone
 *   feed_xml.c     RSS, RDF and Atom: libxml2's SAX, raw '&' repaired
 *   feed_json.c    JSON Feed and digest's own JSON articles
 *
 * A reader fills a struct feed that feed_parse zeroed (but for on_item)
 * and whose kind it set for JSON; it returns 0, or -1 with err, and
 * feed_parse releases whatever it left in the feed on failure.
 */
#ifndef DIGEST_FEED_READER_H
#define DIGEST_FEED_READER_H

#include <stddef.h>

#include "feed.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define FEED_TITLE_MAX 2048		/* bytes of title text */

/* What a field's text is, and so how it becomes plain text. */
enum feed_text {
	FEED_TEXT_PLAIN,
	FEED_TEXT_HTML,
	FEED_TEXT_XHTML,	/* Atom type="xhtml": converted as it is read */
	FEED_TEXT_DONE,		/* plain text already (from XHTML) */
	FEED_TEXT_SKIP,		/* nothing to read (base64, src=) */
	FEED_TEXT_AUTO,		/* HTML when it holds markup: iTunes' */
	FEED_TEXT_LINES,	/* plain, its single newlines kept as breaks */
};

static inline int
feed_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The plain text of a field of len bytes, at most max bytes, on one line
 * when it is a title: an allocated string (caller frees), or NULL when
 * nothing is left of it. */
char *feed_field_text(const char *s, size_t len, enum feed_text type,
    size_t max, int title);
/* The trimmed copy of s: allocated (caller frees), or NULL when nothing
 * is left. */
char *feed_trimmed(const char *s, size_t len);
/* Notes, for whoever ingests the feed, that item n's date could not be
 * read; the item is kept without one. */
void feed_note_undated(struct feed *out, size_t n, const char *date,
    size_t len);
/* charset_to_utf8 (*out allocated, caller frees), except that an
 * encoding iconv does not know is no reason to lose a feed: the bytes
 * are then guessed at as if nothing had been declared. */
int feed_to_utf8(const char *data, size_t len, const char *enc, char **out,
    size_t *outlen, char *err);

/* Bytes before any parser (feed_detect.c). */
/* The offset past a UTF-8 BOM and white space. */
size_t feed_skip_bom_space(const char *data, size_t len);
/* 1 when s (len bytes) starts with prefix, which is lower case, in any
 * case. */
int feed_starts_ci(const char *s, size_t len, const char *prefix);
/* The '>' that ends the doctype at s[i], past an internal subset; NULL
 * when it does not end. */
const char *feed_doctype_end(const char *s, size_t len, size_t i);
/* A UTF-16 BOM, or "<?" in UTF-16 (what XML without a BOM starts with). */
int feed_is_utf16(const char *data, size_t len);

/* The readers, as feed_parse's contract says (feed.h). */
int feed_xml_parse(const char *data, size_t len, const char *charset,
    const char *source, struct feed *out, char *err);
int feed_json_parse(const char *data, size_t len, const char *charset,
    const char *source, struct feed *out, char *err);

#endif
