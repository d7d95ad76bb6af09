/*
 * sentence: a rule-based sentence splitter for English UTF-8 text.
 *
 * Handles abbreviations (titles, months, U.S., Inc., e.g., a.m., No. 3),
 * initials, decimals and money, version numbers, ellipses, quotes and
 * parentheses after the final stop, ?! runs, URLs and email addresses,
 * numbered, lettered and bulleted lists, headlines without a final stop
 * (a paragraph break always ends a sentence) and Unicode punctuation.
 *
 * The splitter only finds boundaries: sentences are spans of the input,
 * so their concatenation with the white space between them is the input,
 * and two sentences always have some white space between them.
 * White space is what utf8_is_space() says (no-break space included); a
 * blank line ends a sentence, a single newline does not. It allocates
 * nothing, keeps no state outside the iterator, takes any bytes (invalid
 * UTF-8 and NUL are text) and runs in time linear in the input.
 */
#ifndef DIGEST_SENTENCE_H
#define DIGEST_SENTENCE_H

#include <stddef.h>

struct sentence_iter {
	const char *text;	/* borrowed */
	size_t len;
	size_t pos;
};

void sentence_iter_init(struct sentence_iter *it, const char *text,
    size_t len);
/* Stores the next sentence as [*start, *end) (byte offsets into text),
 * never empty and with no white space at either end, and returns 1;
 * returns 0 when no sentence is left, and on every call after that. */
int sentence_next(struct sentence_iter *it, size_t *start, size_t *end);

/* Writes s (len bytes, a sentence or any span) to out, which has room for
 * len bytes, with every run of white space inside it as one ASCII space
 * and none at either end; returns the bytes written. Other bytes, invalid
 * UTF-8 and NUL included, are copied as they are. The form in which a
 * sentence is printed; one pass, no allocation. */
size_t sentence_collapse(const char *s, size_t len, char *out);

#endif
