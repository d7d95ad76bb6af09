/*
 * summary: the lead of a text, built on the sentence splitter.
 */
#include "summary.h"
#include "sentence.h"
#include "utf8.h"
#include "util.h"

#include <string.h>

#define SUMMARY_ELLIPSIS "\xe2\x80\xa6"	/* … */
#define SUMMARY_ELLIPSIS_LEN 3

/* Appends the collapsed [s, s+len) to out (which has room for len more
 * bytes) and returns the new length. Invalid bytes are copied as they
 * are: a summary shows the text, it does not repair it. */
static size_t
summary_collapse_into(char *out, size_t o, const char *s, size_t len)
{
	size_t i = 0, k, start = o;
	uint32_t cp;
	int gap = 0;

	while (i < len) {
		k = utf8_decode(s + i, len - i, &cp);
		if (utf8_is_space(cp)) {
			gap = 1;
		} else {
			if (gap && o > start)
				out[o++] = ' ';
			gap = 0;
			memcpy(out + o, s + i, k);
			o += k;
		}
		i += k;
	}
	return o;
}

char *
summary_collapse(const char *s, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t n = summary_collapse_into(out, 0, s, len);

	out[n] = '\0';
	return out;
}

/* The byte length of the first max characters of s (n bytes): never
 * ends inside a character. */
static size_t
summary_prefix_bytes(const char *s, size_t n, size_t max)
{
	size_t i, chars = 0;

	for (i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == max)
			break;
	}
	return i;
}

/* Cuts the collapsed sentence s (n bytes) to at most max characters,
 * "…" included, at the last word boundary that fits (or inside the word
 * when a single word is too long), dropping the space and punctuation
 * that would stand before "…". Returns the new length; s must have room
 * for n + 3 bytes. */
static size_t
summary_cut(char *s, size_t n, size_t max)
{
	size_t keep = max > 0 ? summary_prefix_bytes(s, n, max - 1) : 0, i;

	if (keep < n && s[keep] != ' ') {
		for (i = keep; i > 0 && s[i - 1] != ' '; i--)
			;
		if (i > 0)
			keep = i - 1;
	}
	while (keep > 0 && memchr(" ,;:-", s[keep - 1], 5) != NULL)
		keep--;
	memcpy(s + keep, SUMMARY_ELLIPSIS, SUMMARY_ELLIPSIS_LEN);
	return keep + SUMMARY_ELLIPSIS_LEN;
}

char *
summary_lead(const char *text, size_t len, int n, size_t max_chars)
{
	struct sentence_iter it;
	size_t start, end, o = 0, chars = 0, before, add;
	/* The lead is at most the text collapsed, or its first sentence
	 * shortened plus "…": len + 3 bytes always suffice. */
	char *out = xmalloc(len + SUMMARY_ELLIPSIS_LEN + 1);
	int count = 0;

	sentence_iter_init(&it, text, len);
	while (count < n && sentence_next(&it, &start, &end)) {
		before = o;
		if (count > 0)
			out[o++] = ' ';
		o = summary_collapse_into(out, o, text + start, end - start);
		add = utf8_count(out + before, o - before);
		if (max_chars > 0 && chars + add > max_chars) {
			if (count > 0) {
				o = before;	/* stop before it */
			} else {
				o = summary_cut(out, o, max_chars);
			}
			break;
		}
		chars += add;
		count++;
	}
	out[o] = '\0';
	return out;
}
