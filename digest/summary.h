/*
 * summary: the lead of a text, its first sentences.
 */
#ifndef DIGEST_SUMMARY_H
#define DIGEST_SUMMARY_H

#include <stddef.h>

#define SUMMARY_LEAD_SENTENCES 2
#define SUMMARY_LEAD_MAX_CHARS 400

/* Returns the allocated lead of text: its first n sentences, white space
 * inside each collapsed to single spaces, joined by one space. When a
 * sentence would take the lead past max_chars characters (not bytes), the
 * lead stops before it; when the first sentence alone is longer, it is cut
 * at a word boundary and ends with "…", within max_chars, never inside a
 * character. max_chars 0 = no limit; n <= 0 or a text without sentences
 * gives "". Caller frees. */
char *summary_lead(const char *text, size_t len, int n, size_t max_chars);

/* Returns the allocated copy of [s, s+len) with every white space run
 * collapsed to one ASCII space and none at either end; caller frees. */
char *summary_collapse(const char *s, size_t len);

#endif
