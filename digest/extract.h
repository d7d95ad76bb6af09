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

/* Fill a (initialized by the caller) from a UTF-8 page: title, body, tags,
 * and from HTML also url (canonical), author and published where the page
 * states them. 0, or -1 with err when no article body can be found. */
int extract_html(const char *html, size_t len, struct article *a, char *err);
int extract_text(const char *text, size_t len, struct article *a, char *err);

#endif
