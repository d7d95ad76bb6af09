/*
 * extract: the article inside a scraped page, without the page around it.
 *
 * Finds the title, the body text and the tags of an article page and
 * leaves out its furniture: menus, share and follow boxes, newsletter
 * boxes, cookie notices, related-article teasers, comments, footers.
 * Works on HTML (readability-style scoring of the DOM) and on the plain
 * text a scraper leaves behind (scoring runs of prose lines).
 */
#ifndef DIGEST_EXTRACT_H
#define DIGEST_EXTRACT_H

#include <stddef.h>

#include "article.h"

/*
 * Fill a (initialized by the caller) from a UTF-8 page: title, body, tags,
 * and from HTML also url (canonical), author and published where the page
 * states them. 0, or -1 with err, "no article text found" when the page
 * holds no article; a is then left as it was.
 *
 * On success the fields found replace a's (a->source, a->guid and what the
 * page does not state are kept) and the tags are added to a's. The body is
 * plain text, paragraphs split by "\n\n", at most 1 MB; the title is one
 * line; tags come only from what the page marks as tags (a "Tags:" line,
 * article:tag, keywords, rel=tag, a tag box), never from its words.
 *
 * extract_html parses with libxml2 and never loads anything the page
 * refers to. Neither function recurses on the page's nesting depth, and
 * both run in time about linear in len.
 */
int extract_html(const char *html, size_t len, struct article *a, char *err);
int extract_text(const char *text, size_t len, struct article *a, char *err);

#endif
