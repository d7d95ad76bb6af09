/*
 * html: HTML fragments and documents to plain text, through libxml2's
 * HTML parser (never with external entities or network access).
 *
 * The text is UTF-8 with entities decoded; script, style, template,
 * noscript and head content dropped; block elements (p, div, li, h1-h6,
 * blockquote, pre, tr, section, article, br twice...) become paragraph
 * breaks, written as one blank line ("\n\n"); inside a paragraph runs of
 * white space collapse to one space. No leading or trailing white space.
 */
#ifndef DIGEST_HTML_H
#define DIGEST_HTML_H

#include <stddef.h>

/* Returns the allocated text of the UTF-8 HTML in [html, html+len), at most
 * max bytes of it (cut at a character boundary); caller frees. Input that
 * holds no markup and no entity is copied with white space normalized. */
char *html_to_text(const char *html, size_t len, size_t max);

/* The text of plain text by the same rules: a blank line ends a
 * paragraph, other white space is one space. Allocated; caller frees. */
char *html_plain_to_text(const char *s, size_t len, size_t max);
/* The same, but a single newline stays a line break ("\n"), as a <br>
 * would: the lines of a feed's plain text body ("Baywatch Berlin\nThe
 * show starts..."), where a heading may stand on its own line. */
char *html_lines_to_text(const char *s, size_t len, size_t max);

/* The two halves of html_to_text, exposed so that tests can hold them to
 * the same output. html_quick_to_text converts simple, well-nested
 * fragments without libxml2 and returns NULL for anything else;
 * html_parsed_to_text always uses libxml2's HTML parser. Allocated;
 * caller frees. */
char *html_quick_to_text(const char *html, size_t len, size_t max);
char *html_parsed_to_text(const char *html, size_t len, size_t max);

/* 1 when s looks like it carries markup or entities, else 0. */
int html_has_markup(const char *s, size_t len);

/* How html_to_text treats an element (lower-case name), shared with the
 * page extractor so both agree on what a paragraph is. */
enum html_role {
	HTML_INLINE = 0,	/* text flows through */
	HTML_BLOCK,		/* starts and ends a paragraph */
	HTML_BREAK,		/* <br>: a line break */
	HTML_SKIP,		/* content dropped: script, style, head... */
};
enum html_role html_element_role(const char *name);
/* 1 for an element that never has content or an end tag (br, img...). */
int html_is_void(const char *name);

/*
 * The text accumulator behind html_to_text, for code that walks a DOM
 * itself: append text runs and paragraph or line breaks; white space is
 * collapsed as described above.
 */
struct html_text {
	char *data;		/* owned; NUL-terminated */
	size_t len;
	size_t cap;
	size_t max;
	int pending;		/* break owed before the next text */
	int full;		/* max reached: further text is dropped */
};
void html_text_init(struct html_text *t, size_t max);
/* Makes room for n more bytes up front (text never outgrows its source). */
void html_text_reserve(struct html_text *t, size_t n);
void html_text_append(struct html_text *t, const char *s, size_t len);
void html_text_break(struct html_text *t, enum html_role role);
/* Returns the allocated text; caller frees. t is left empty. */
char *html_text_finish(struct html_text *t, size_t *len);

/*
 * Walking a libxml2 HTML DOM (from htmlReadMemory) without recursion, so
 * nesting depth costs no stack. enter(node, arg) is called in document
 * order on every node reached (text nodes included) and returns
 * HTML_WALK_INTO to visit the node's children, then leave(node, arg) once
 * they are done (leave may be NULL), or HTML_WALK_SKIP to pass the node
 * and all it holds. The callbacks must not change the tree.
 */
struct _xmlNode;
enum html_walk { HTML_WALK_SKIP = 0, HTML_WALK_INTO };
void html_walk(struct _xmlNode *root,
    enum html_walk (*enter)(struct _xmlNode *node, void *arg),
    void (*leave)(struct _xmlNode *node, void *arg), void *arg);

/* Appends the text of the subtree at node to t with the element roles of
 * html_to_text. When skip is not NULL, elements for which skip(node, arg)
 * returns 1 are left out with all they hold. */
void html_text_append_node(struct html_text *t, struct _xmlNode *node,
    int (*skip)(struct _xmlNode *node, void *arg), void *arg);

#endif
