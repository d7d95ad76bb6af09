/*
 * mime_header: RFC 2047 encoded words, for the text of header fields (a
 * subject, a display name, a list's name) that is not plain ASCII. Pure
 * functions of their arguments; mime.h writes the fields themselves.
 */
#ifndef DIGEST_MIME_HEADER_H
#define DIGEST_MIME_HEADER_H

/*
 * Returns an allocated copy of value (UTF-8) as it may stand in
 * a header; caller frees. Pure: the same value gives the same result.
 *
 * First, control characters (C0, DEL, C1), U+2028 and U+2029 become
 * spaces and invalid UTF-8 bytes become U+FFFD, each one. Then the words
 * of the value (split at every space) that survive a header as they are
 * stay as they are: printable ASCII, at most 62 characters, no "=?", and
 * for a phrase (phrase = 1, a display name) atoms only, so the comma of
 * "Smith, John" is encoded rather than quoted. A value of such words
 * alone comes back unchanged. Each run of other words becomes encoded
 * words, the spaces inside the run encoded with it (the empty word of a
 * leading, trailing or doubled space joins a neighbour's run, as libetpan
 * would collapse or drop that space): UTF-8, Q (A-Z a-z 0-9 ! * + - /
 * literal, space as "_", all else =XX, the set RFC 2047 allows in a
 * phrase, used for every header) or B, whichever is shorter for the run.
 * Encoding runs rather than the whole value keeps encoded words apart, as
 * Python does: readers differ on the space between two of them. Words
 * are separated by single spaces and are at most 62 characters, under
 * RFC 2047's 75, so that one fits on a header's first line after a name
 * of up to 9 characters ("Subject: ") and libetpan never folds right
 * after the colon. Encoded words split only between UTF-8 characters.
 * Decoded, the result is the cleaned value exactly, spaces included.
 */
#define MIME_WORD_MAX 62
char *mime_header_encode(const char *value, int phrase);

/* 1 when mime_header_encode(value, phrase) would return value itself,
 * found without allocating (the common case: "The Digest", "Ann
 * Reader"). */
int mime_header_is_plain(const char *value, int phrase);

#endif
