/*
 * summary: the lead of an article, what a reader of the digest reads.
 *
 * The lead is the first N sentences of the article's own prose, joined by
 * one space, after these rules (issue 15):
 *  - furniture goes wherever it stands at the start or the end of the
 *    text, and as whole paragraphs anywhere before the lead: bylines,
 *    wire datelines (the sentence starts at the word after the dash),
 *    captions and credits, "Continue reading...", "Read more", "The post
 *    X appeared first on Y.", reddit's "submitted by", "Advertisement",
 *    share and subscribe prompts (para.h says which shapes);
 *  - a paragraph that ends without final punctuation is never run into
 *    the next sentence: under 6 words it is a heading and is skipped; 6
 *    words or more and first (no prose before it), it is a standfirst and
 *    is the whole lead;
 *  - a paragraph or sentence that repeats the title (case and punctuation
 *    aside) is skipped, and a title glued before the text is cut off;
 *  - text the source cut mid-sentence (the text ends without final
 *    punctuation, mid-word or mid-phrase, or with "..." or "[...]"): that
 *    partial sentence is dropped when a complete one comes before it, and
 *    ends with "…" when it is all there is;
 *  - a sentence that ends with a colon ends the lead; bulleted key points
 *    before the prose are skipped.
 * A paragraph break is a blank line; a single newline also ends a
 * paragraph after a short line without final punctuation when a capital
 * or a list item follows (HTML's <br> after a heading).
 */
#ifndef DIGEST_SUMMARY_H
#define DIGEST_SUMMARY_H

#include <stddef.h>

#include "article.h"

#define SUMMARY_LEAD_SENTENCES 2
#define SUMMARY_LEAD_MAX_CHARS 400
#define SUMMARY_TITLE_MAX_CHARS 80	/* a title made from a lead */
#define SUMMARY_STANDFIRST_WORDS 6	/* shorter, it is a heading */

/* Returns the allocated lead of text by the rules above (title may be
 * NULL: nothing is skipped as a repeat), its sentences with white space
 * collapsed. When a sentence would take the lead past max_chars
 * characters (not bytes), the lead stops before it; when the first alone
 * is longer, it is cut at a word boundary and ends with "…", within
 * max_chars, never inside a character. max_chars 0 = no limit; n <= 0 or
 * a text without prose gives "". Caller frees. */
char *summary_lead_titled(const char *title, const char *text, size_t len,
    int n, size_t max_chars);
/* The same without a title. */
char *summary_lead(const char *text, size_t len, int n, size_t max_chars);

/* Sets a->lead from a->body and a->title. An article without a title
 * gets one made from its lead (summary_title), and its lead is then
 * made again so that it does not repeat it. Returns 1, or 0 when the
 * article has neither a title nor a lead: nothing a reader could be
 * shown, not to be stored. */
int summary_article(struct article *a, int n, size_t max_chars);

/* Returns the allocated title made from a lead: its first sentence
 * without a final period, cut at a word boundary to at most
 * SUMMARY_TITLE_MAX_CHARS characters with "…". Caller frees. */
char *summary_title(const char *lead);

/* Returns the allocated copy of [s, s+len) with every white space run
 * collapsed to one ASCII space and none at either end; caller frees. */
char *summary_collapse(const char *s, size_t len);

#endif
