/*
 * para: what a paragraph of plain text is, for the two readers of article
 * text: the page extractor (extract.h), which decides what part of a
 * scraped page is the article, and the lead (summary.h), which decides
 * what part of an article a reader sees first.
 *
 * Prose ends a sentence; a heading or a standfirst does not. Around the
 * prose sits furniture, the words a page or a feed puts around every
 * article: bylines ("By Jane Doe", "By: Patrik H.", "Jane Doe | Staff
 * writer", "submitted by /u/x to /r/y [link] [3 comments]"), wire
 * datelines ("CHICAGO (AP) —", "LONDON, Dec 3 (Reuters) -"), captions and
 * credits ("Photo: ...", "Image attribution: ...", "(Getty Images)"),
 * "Continue reading...", "Read more", "Read full article >>", "The post X
 * appeared first on Y.", "Advertisement", share and subscribe prompts.
 *
 * Two strengths. para_box_cue() is the scraped page's: a short paragraph
 * that merely mentions "newsletter" or "read more" is taken for one of the
 * page's boxes. The others are strict, for text that is already the
 * article (a feed's body): a paragraph is furniture only in the shapes
 * above, so prose that looks alike stays ("By the time the polls
 * closed...", "...to read more books.", "Share prices fell.").
 *
 * All functions take UTF-8 (invalid bytes are text), allocate nothing
 * and run in time linear in the paragraph.
 */
#ifndef DIGEST_PARA_H
#define DIGEST_PARA_H

#include <stddef.h>

struct para {
	size_t chars;	/* characters */
	size_t words;	/* white-space separated tokens with a letter, digit */
	int stop;	/* ends a sentence: . ! ? ... maybe inside quotes */
};

void para_measure(const char *s, size_t len, struct para *p);
/* A paragraph of more words is never furniture (para_furniture). */
#define PARA_FURNITURE_MAX_WORDS 80
/* The words of s as para_measure counts them, but no more than max + 1:
 * the count stops there, and so does the reading. */
size_t para_words_upto(const char *s, size_t len, size_t max);
/* The words of s as para_measure counts them. */
size_t para_words(const char *s, size_t len);
/* 1 when s starts with prefix (lower-case ASCII), ASCII case aside. */
int para_starts_ci(const char *s, size_t len, const char *prefix);
/* 1 when s ends with a sentence stop (. ! ? … and CJK stops), maybe
 * followed by closing quotes and brackets. */
int para_ends_sentence(const char *s, size_t len);

/* The scraped page's box cues: a box that may sit inside an article
 * (sign-up, share bar, cookie notice, ad label) or the end of one
 * (comments, related articles, "read more"). */
enum para_cue { PARA_CUE_NONE = 0, PARA_CUE_BOX, PARA_CUE_END };
enum para_cue para_box_cue(const char *s, size_t len, const struct para *p);

/* A byline or a dateline line of a page ("By Jane Doe", "Posted by ...",
 * "March 3, 2015 10:04 AM"): heading-shaped lines that are never a title. */
int para_is_meta_line(const char *s, size_t len, const struct para *p);

/* What a whole paragraph is when it is furniture. */
enum para_furniture {
	PARA_PROSE = 0,		/* not furniture */
	PARA_BYLINE,		/* "By Jane Doe", a sign-off "- Jane Doe" */
	PARA_DATELINE,		/* "March 3, 2015 10:04 AM", "Updated 8pm" */
	PARA_CAPTION,		/* "Photo: ...", "... (Getty Images)" */
	PARA_PROMPT,		/* "Read more", "Subscribe to our newsletter" */
	PARA_LABEL,		/* "Advertisement", "Related: ..." */
	PARA_NOTE,		/* "The post X appeared first on Y.", "A
				 * version of this post first appeared..." */
};
enum para_furniture para_furniture(const char *s, size_t len);
/* The same for a paragraph whose words were counted (para_measure). */
enum para_furniture para_furniture_words(const char *s, size_t len,
    size_t words);
/* A static lower-case name for a kind: "byline", "caption"... */
const char *para_furniture_name(enum para_furniture kind);

/* The length of the furniture that opens a paragraph whose text goes on
 * after it: a wire dateline ("WASHINGTON (AP) — ") or a byline set off by
 * a separator ("By Jane Doe | "); 0 when there is none. */
size_t para_lead_in(const char *s, size_t len);

/* Where the furniture glued to the end of a paragraph starts: "... plus
 * the latest news Continue reading...", "... submitted by x to y [link]
 * [12 comments]", "... The post X appeared first on Y."; len when there
 * is none. */
size_t para_tail_start(const char *s, size_t len);

#endif
