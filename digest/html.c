#include "html.h"
#include "utf8.h"
#include "util.h"

#include <libxml/HTMLparser.h>
#include <string.h>

enum { PENDING_NONE, PENDING_SPACE, PENDING_LINE, PENDING_PARA };

/* Sorted for bsearch. Elements not listed are inline. */
static const struct role_entry {
	const char *name;
	enum html_role role;
} html_roles[] = {
	{ "address", HTML_BLOCK }, { "applet", HTML_SKIP },
	{ "article", HTML_BLOCK }, { "aside", HTML_BLOCK },
	{ "audio", HTML_SKIP }, { "blockquote", HTML_BLOCK },
	{ "body", HTML_BLOCK }, { "br", HTML_BREAK }, { "button", HTML_SKIP },
	{ "canvas", HTML_SKIP }, { "caption", HTML_BLOCK },
	{ "center", HTML_BLOCK }, { "dd", HTML_BLOCK },
	{ "details", HTML_BLOCK }, { "dialog", HTML_BLOCK },
	{ "dir", HTML_BLOCK }, { "div", HTML_BLOCK }, { "dl", HTML_BLOCK },
	{ "dt", HTML_BLOCK }, { "embed", HTML_SKIP },
	{ "fieldset", HTML_BLOCK }, { "figcaption", HTML_BLOCK },
	{ "figure", HTML_BLOCK }, { "footer", HTML_BLOCK },
	{ "form", HTML_BLOCK }, { "frameset", HTML_SKIP },
	{ "h1", HTML_BLOCK }, { "h2", HTML_BLOCK }, { "h3", HTML_BLOCK },
	{ "h4", HTML_BLOCK }, { "h5", HTML_BLOCK }, { "h6", HTML_BLOCK },
	{ "head", HTML_SKIP }, { "header", HTML_BLOCK },
	{ "hgroup", HTML_BLOCK }, { "hr", HTML_BLOCK }, { "html", HTML_BLOCK },
	{ "iframe", HTML_SKIP }, { "input", HTML_SKIP }, { "legend", HTML_BLOCK },
	{ "li", HTML_BLOCK }, { "main", HTML_BLOCK }, { "map", HTML_SKIP },
	{ "math", HTML_SKIP }, { "menu", HTML_BLOCK }, { "nav", HTML_BLOCK },
	{ "noembed", HTML_SKIP }, { "noframes", HTML_SKIP },
	{ "noscript", HTML_SKIP }, { "object", HTML_SKIP }, { "ol", HTML_BLOCK },
	{ "optgroup", HTML_SKIP }, { "option", HTML_SKIP }, { "p", HTML_BLOCK },
	{ "picture", HTML_SKIP }, { "pre", HTML_BLOCK }, { "script", HTML_SKIP },
	{ "section", HTML_BLOCK }, { "select", HTML_SKIP }, { "style", HTML_SKIP },
	{ "summary", HTML_BLOCK }, { "svg", HTML_SKIP }, { "table", HTML_BLOCK },
	{ "tbody", HTML_BLOCK }, { "td", HTML_BLOCK }, { "template", HTML_SKIP },
	{ "textarea", HTML_SKIP }, { "tfoot", HTML_BLOCK }, { "th", HTML_BLOCK },
	{ "thead", HTML_BLOCK }, { "title", HTML_SKIP }, { "tr", HTML_BLOCK },
	{ "ul", HTML_BLOCK }, { "video", HTML_SKIP },
};

static int
role_cmp(const void *key, const void *entry)
{
	return strcmp(key, ((const struct role_entry *)entry)->name);
}

enum html_role
html_element_role(const char *name)
{
	const struct role_entry *e;

	e = bsearch(name, html_roles, sizeof(html_roles) / sizeof(html_roles[0]),
	    sizeof(html_roles[0]), role_cmp);
	return e ? e->role : HTML_INLINE;
}

int
html_has_markup(const char *s, size_t len)
{
	return memchr(s, '<', len) != NULL || memchr(s, '&', len) != NULL;
}

void
html_text_init(struct html_text *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
}

static void
html_text_put(struct html_text *t, const char *s, size_t n)
{
	if (t->full)
		return;
	if (n > t->max - t->len) {
		n = utf8_cut(s, n, t->max - t->len);
		t->full = 1;
	}
	xgrow(&t->data, &t->cap, t->len + n + 1, 1);
	memcpy(t->data + t->len, s, n);
	t->len += n;
	t->data[t->len] = '\0';
}

/* Writes the break owed before new text; none at the very start. */
static void
html_text_flush_break(struct html_text *t)
{
	static const char *const seps[] = { "", " ", "\n", "\n\n" };

	if (t->len > 0 && t->pending != PENDING_NONE)
		html_text_put(t, seps[t->pending], strlen(seps[t->pending]));
	t->pending = PENDING_NONE;
}

void
html_text_break(struct html_text *t, enum html_role role)
{
	int want = role == HTML_BREAK ? PENDING_LINE : PENDING_PARA;

	/* Two <br> in a row are how many feeds write a paragraph break. */
	if (role == HTML_BREAK && t->pending == PENDING_LINE)
		want = PENDING_PARA;
	if (want > t->pending)
		t->pending = want;
}

void
html_text_append(struct html_text *t, const char *s, size_t len)
{
	size_t i = 0, start, k;
	uint32_t cp;

	while (i < len && !t->full) {
		/* A run of white space becomes at most one pending space. */
		while (i < len) {
			unsigned char c = (unsigned char)s[i];

			if (c == ' ' || (c >= '\t' && c <= '\r')) {
				k = 1;
			} else if (c >= 0x80 && (k = utf8_decode(s + i, len - i,
			    &cp)) > 1 && utf8_is_space(cp)) {
				;
			} else {
				break;
			}
			if (t->pending == PENDING_NONE)
				t->pending = PENDING_SPACE;
			i += k;
		}
		start = i;
		while (i < len) {
			unsigned char c = (unsigned char)s[i];

			if (c == ' ' || (c >= '\t' && c <= '\r'))
				break;
			if (c < 0x20 || c == 0x7F) {
				/* Controls (NUL included) never reach the text. */
				html_text_flush_break(t);
				html_text_put(t, s + start, i - start);
				start = ++i;
				continue;
			}
			if (c >= 0x80) {
				k = utf8_decode(s + i, len - i, &cp);
				if (utf8_is_space(cp) && k > 1)
					break;
				if (cp == UTF8_REPLACEMENT && k == 1) {
					/* Invalid UTF-8 becomes U+FFFD. */
					html_text_flush_break(t);
					html_text_put(t, s + start, i - start);
					html_text_put(t, "\xEF\xBF\xBD", 3);
					start = ++i;
					continue;
				}
				i += k;
				continue;
			}
			i++;
		}
		if (i > start) {
			html_text_flush_break(t);
			html_text_put(t, s + start, i - start);
		}
	}
}

char *
html_text_finish(struct html_text *t, size_t *len)
{
	char *out = t->data ? t->data : xstrdup("");

	if (len != NULL)
		*len = t->len;
	memset(t, 0, sizeof(*t));
	return out;
}

void
html_walk(xmlNode *root, enum html_walk (*enter)(xmlNode *, void *),
    void (*leave)(xmlNode *, void *), void *arg)
{
	xmlNode *cur = root;

	if (root == NULL)
		return;
	for (;;) {
		if (enter(cur, arg) == HTML_WALK_INTO) {
			if (cur->children != NULL) {
				cur = cur->children;
				continue;
			}
			if (leave != NULL)
				leave(cur, arg);
		}
		/* Climb until a sibling is left, leaving what we climb out of. */
		while (cur != root && cur->next == NULL) {
			cur = cur->parent;
			if (leave != NULL)
				leave(cur, arg);
		}
		if (cur == root)
			return;
		cur = cur->next;
	}
}

/* The state of one html_text_append_node call. */
struct html_dom_text {
	struct html_text *text;
	int (*skip)(xmlNode *, void *);
	void *arg;
};

static enum html_walk
dom_text_enter(xmlNode *n, void *arg)
{
	struct html_dom_text *d = arg;
	enum html_role role;

	if (d->text->full)
		return HTML_WALK_SKIP;
	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		if (n->content != NULL)
			html_text_append(d->text, (const char *)n->content,
			    strlen((const char *)n->content));
		return HTML_WALK_SKIP;
	}
	if (n->type != XML_ELEMENT_NODE ||
	    (d->skip != NULL && d->skip(n, d->arg)))
		return HTML_WALK_SKIP;
	role = html_element_role((const char *)n->name);
	if (role == HTML_SKIP)
		return HTML_WALK_SKIP;
	if (role != HTML_INLINE)
		html_text_break(d->text, role);
	return HTML_WALK_INTO;
}

static void
dom_text_leave(xmlNode *n, void *arg)
{
	struct html_dom_text *d = arg;

	if (html_element_role((const char *)n->name) == HTML_BLOCK)
		html_text_break(d->text, HTML_BLOCK);
}

void
html_text_append_node(struct html_text *t, xmlNode *node,
    int (*skip)(xmlNode *, void *), void *arg)
{
	struct html_dom_text d = { t, skip, arg };

	html_walk(node, dom_text_enter, dom_text_leave, &d);
}

/* The SAX state of one html_to_text call. */
struct html_sax {
	struct html_text text;
	int skip;		/* depth inside dropped elements */
};

static void
sax_start(void *ctx, const xmlChar *name, const xmlChar **attrs)
{
	struct html_sax *h = ctx;
	enum html_role role = html_element_role((const char *)name);

	(void)attrs;
	if (role == HTML_SKIP)
		h->skip++;
	else if (role != HTML_INLINE && h->skip == 0)
		html_text_break(&h->text, role);
}

static void
sax_end(void *ctx, const xmlChar *name)
{
	struct html_sax *h = ctx;
	enum html_role role = html_element_role((const char *)name);

	if (role == HTML_SKIP) {
		if (h->skip > 0)
			h->skip--;
	} else if (role == HTML_BLOCK && h->skip == 0) {
		html_text_break(&h->text, role);
	}
}

static void
sax_chars(void *ctx, const xmlChar *s, int len)
{
	struct html_sax *h = ctx;

	if (h->skip == 0 && len > 0)
		html_text_append(&h->text, (const char *)s, (size_t)len);
}

static void
sax_silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* Plain text: a blank line separates paragraphs; any other white space,
 * single line breaks of hard-wrapped text included, is a space. */
static void
html_plain_append(struct html_text *t, const char *s, size_t len)
{
	size_t i = 0, start = 0, j;
	int newlines;

	while (i < len) {
		if (s[i] != '\n') {
			i++;
			continue;
		}
		newlines = 0;
		for (j = i; j < len && (s[j] == '\n' || s[j] == ' ' ||
		    s[j] == '\t' || s[j] == '\r'); j++)
			newlines += s[j] == '\n';
		if (newlines >= 2) {
			html_text_append(t, s + start, i - start);
			html_text_break(t, HTML_BLOCK);
			start = j;
		}
		i = j;
	}
	html_text_append(t, s + start, len - start);
}

char *
html_to_text(const char *html, size_t len, size_t max)
{
	htmlSAXHandler sax;
	htmlParserCtxtPtr ctxt;
	struct html_sax h;

	memset(&h, 0, sizeof(h));
	html_text_init(&h.text, max);
	if (!html_has_markup(html, len)) {
		html_plain_append(&h.text, html, len);
		return html_text_finish(&h.text, NULL);
	}
	memset(&sax, 0, sizeof(sax));
	sax.startElement = sax_start;
	sax.endElement = sax_end;
	sax.characters = sax_chars;
	sax.cdataBlock = sax_chars;
	sax.warning = sax_silent;
	sax.error = sax_silent;
	sax.initialized = 1;
	ctxt = htmlCreatePushParserCtxt(&sax, &h, NULL, 0, NULL,
	    XML_CHAR_ENCODING_UTF8);
	if (ctxt == NULL)
		return html_text_finish(&h.text, NULL);
	htmlCtxtUseOptions(ctxt, HTML_PARSE_NONET | HTML_PARSE_NOERROR |
	    HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER);
	/* The push parser takes an int length; feed large input in slices. */
	while (len > 0) {
		size_t n = len > (1u << 30) ? (1u << 30) : len;

		htmlParseChunk(ctxt, html, (int)n, 0);
		html += n;
		len -= n;
	}
	htmlParseChunk(ctxt, NULL, 0, 1);
	if (ctxt->myDoc != NULL)
		xmlFreeDoc(ctxt->myDoc);
	htmlFreeParserCtxt(ctxt);
	return html_text_finish(&h.text, NULL);
}
