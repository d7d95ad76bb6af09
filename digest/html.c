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
	return len > 0 && (memchr(s, '<', len) != NULL ||
	    memchr(s, '&', len) != NULL);
}

void
html_text_init(struct html_text *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
}

void
html_text_reserve(struct html_text *t, size_t n)
{
	xgrow(&t->data, &t->cap, t->len + (n < t->max ? n : t->max) + 4, 1);
	t->data[t->len] = '\0';
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
	if (t->len + n + 1 > t->cap)
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

static int
is_print(char c)
{
	return (unsigned char)c > ' ' && (unsigned char)c < 0x7F;
}

/* Runs of printable ASCII, single spaces between words included, are
 * copied whole: most of a feed's text is that, and the parse time of a
 * large feed went into going through it one character at a time. */
void
html_text_append(struct html_text *t, const char *s, size_t n)
{
	size_t i = 0, j, k;
	uint32_t cp;
	unsigned char c;

	while (i < n && !t->full) {
		c = (unsigned char)s[i];
		if (c > ' ' && c < 0x7F) {
			for (j = i + 1; j < n && (is_print(s[j]) || (s[j] == ' ' &&
			    j + 1 < n && is_print(s[j + 1]))); j++)
				;
			html_text_flush_break(t);
			html_text_put(t, s + i, j - i);
			i = j;
		} else if (c == ' ' || (c >= '\t' && c <= '\r')) {
			if (t->pending == PENDING_NONE)
				t->pending = PENDING_SPACE;
			i++;
		} else if (c < 0x80) {
			/* Controls (NUL included) never reach the text, and
			 * leave the white space around them one run. */
			i++;
		} else if ((k = utf8_decode(s + i, n - i, &cp)) > 1 &&
		    utf8_is_space(cp)) {
			if (t->pending == PENDING_NONE)
				t->pending = PENDING_SPACE;
			i += k;
		} else {
			/* Invalid UTF-8 becomes U+FFFD. */
			html_text_flush_break(t);
			html_text_put(t, k == 1 ? "\xEF\xBF\xBD" : s + i,
			    k == 1 ? 3 : k);
			i += k;
		}
	}
}

char *
html_text_finish(struct html_text *t, size_t *len)
{
	char *out;

	/* A cut at max can end inside "a b" or a break: the text still
	 * ends without white space. Only ASCII ones can be there: other
	 * white space is never written. */
	while (t->full && t->len > 0 && (t->data[t->len - 1] == ' ' ||
	    t->data[t->len - 1] == '\n'))
		t->data[--t->len] = '\0';
	out = t->data ? t->data : xstrdup("");

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
/* Plain text by blank lines, and by single newlines too when lines. */
static char *
plain_to_text(const char *s, size_t len, size_t max, int lines)
{
	struct html_text t;
	size_t i = 0, start = 0, j;
	int newlines;

	html_text_init(&t, max);
	html_text_reserve(&t, len);
	while (i < len) {
		if (s[i] != '\n') {
			i++;
			continue;
		}
		newlines = 0;
		for (j = i; j < len && (s[j] == '\n' || s[j] == ' ' ||
		    s[j] == '\t' || s[j] == '\r'); j++)
			newlines += s[j] == '\n';
		if (newlines >= 2 || lines) {
			html_text_append(&t, s + start, i - start);
			html_text_break(&t, newlines >= 2 ? HTML_BLOCK :
			    HTML_BREAK);
			start = j;
		}
		i = j;
	}
	html_text_append(&t, s + start, len - start);
	return html_text_finish(&t, NULL);
}

char *
html_plain_to_text(const char *s, size_t len, size_t max)
{
	return plain_to_text(s, len, max, 0);
}

char *
html_lines_to_text(const char *s, size_t len, size_t max)
{
	return plain_to_text(s, len, max, 1);
}

char *
html_parsed_to_text(const char *html, size_t len, size_t max)
{
	htmlSAXHandler sax;
	htmlParserCtxtPtr ctxt;
	struct html_sax h;

	memset(&h, 0, sizeof(h));
	html_text_init(&h.text, max);
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

/*
 * The quick path: most HTML in feeds is a few well-nested paragraphs,
 * links and emphasis, for which starting libxml2's HTML parser costs more
 * than the text itself. Such fragments are converted here directly; at
 * the first thing libxml2 might treat differently (an implied end tag,
 * raw-text elements, an unknown entity, a stray '<') the fragment goes to
 * the parser instead. The tests hold both paths to the same output.
 */
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * What the quick path knows about an element, beyond html.h's role: it
 * never holds content (TAG_VOID: not put on the stack), or only libxml2's
 * HTML parser handles it (TAG_PARSER: raw text, document structure, and
 * the head's base, link and meta, after which libxml2 may keep an unknown
 * element and its text in the head), and
 * which start tags implicitly close it in libxml2 (its htmlStartClose
 * table, for the elements the quick path keeps open; when one of them
 * opens, the fragment goes to the parser). Sorted by name.
 */
enum { TAG_VOID = 1, TAG_PARSER = 2 };

static const struct tag_info {
	const char *name;
	int flags;
	const char *closers;	/* space-separated, with spaces around */
} tag_table[] = {
	{ "a", 0, " a fieldset table td th " },
	{ "address", 0, " dd dl dt form li ul " },
	{ "area", TAG_VOID, NULL },
	{ "b", 0, " center p td th " },
	{ "base", TAG_VOID | TAG_PARSER, NULL },
	{ "basefont", TAG_VOID, NULL },
	{ "big", 0, " p " },
	{ "body", TAG_PARSER, NULL },
	{ "br", TAG_VOID, NULL },
	{ "caption", 0, " col colgroup tbody tfoot thead tr " },
	{ "col", TAG_VOID, NULL },
	{ "colgroup", 0, " colgroup tbody tfoot thead tr " },
	{ "dd", 0, " dt " },
	{ "dir", 0, " dd dl dt form ul " },
	{ "dl", 0, " form li " },
	{ "dt", 0, " dd dl " },
	{ "embed", TAG_VOID, NULL },
	{ "font", 0, " center td th " },
	{ "form", 0, " form " },
	{ "frame", TAG_VOID, NULL },
	{ "h1", 0, " fieldset form li p table " },
	{ "h2", 0, " fieldset form li p table " },
	{ "h3", 0, " fieldset form li p table " },
	{ "h4", 0, " fieldset form li p table " },
	{ "h5", 0, " fieldset form li p table " },
	{ "h6", 0, " fieldset form li p table " },
	{ "head", TAG_PARSER, NULL },
	{ "hr", TAG_VOID, NULL },
	{ "html", TAG_PARSER, NULL },
	{ "i", 0, " center p td th " },
	{ "img", TAG_VOID, NULL },
	{ "input", TAG_VOID, NULL },
	{ "isindex", TAG_VOID, NULL },
	{ "legend", 0, " fieldset " },
	{ "li", 0, " li " },
	{ "link", TAG_VOID | TAG_PARSER, NULL },
	{ "listing", TAG_PARSER, NULL },
	{ "menu", 0, " dd dl dt form ul " },
	{ "meta", TAG_VOID | TAG_PARSER, NULL },
	{ "ol", 0, " form " },
	{ "p", 0, " address blockquote body caption center col colgroup dd "
	    "dir div dl dt fieldset form frameset h1 h2 h3 h4 h5 h6 head hr li "
	    "listing menu ol p pre table tbody td tfoot th title tr ul xmp " },
	{ "param", TAG_VOID, NULL },
	{ "plaintext", TAG_PARSER, NULL },
	{ "pre", 0, " dd dl dt fieldset form li table ul " },
	{ "s", 0, " p " },
	{ "small", 0, " p " },
	{ "span", 0, " td th " },
	{ "strike", 0, " p " },
	{ "tbody", 0, " tbody tfoot " },
	{ "td", 0, " tbody td tfoot th tr " },
	{ "tfoot", 0, " tbody " },
	{ "th", 0, " tbody td tfoot th tr " },
	{ "thead", 0, " tbody tfoot " },
	{ "tr", 0, " tbody tfoot tr " },
	{ "tt", 0, " p " },
	{ "u", 0, " p td th " },
	{ "ul", 0, " address form menu pre " },
	{ "xmp", TAG_PARSER, NULL },
};

static int
tag_cmp(const void *key, const void *entry)
{
	return strcmp(key, ((const struct tag_info *)entry)->name);
}

static const struct tag_info *
tag_lookup(const char *name)
{
	return bsearch(name, tag_table, NELEM(tag_table), sizeof(tag_table[0]),
	    tag_cmp);
}

int
html_is_void(const char *name)
{
	const struct tag_info *t = tag_lookup(name);

	return t != NULL && (t->flags & TAG_VOID);
}

/* Whether opening name closes the open element (its table entry). */
static int
closes(const struct tag_info *open, const char *name, size_t len)
{
	const char *p;

	if (open == NULL || open->closers == NULL)
		return 0;
	for (p = open->closers; (p = strstr(p + 1, name)) != NULL; )
		if (p[-1] == ' ' && p[len] == ' ')
			return 1;
	return 0;
}

#define QUICK_DEPTH 64
#define TAG_NAME_MAX 16

#define QUICK_SEEN 8

/* What was looked up about one element name. */
struct quick_tag {
	char name[TAG_NAME_MAX];
	const struct tag_info *info;
	enum html_role role;
};

/* The state of one quick conversion. */
struct quick {
	const char *s;
	size_t len;
	size_t i;
	struct html_text text;
	char open[QUICK_DEPTH][TAG_NAME_MAX];	/* the open elements */
	const struct tag_info *info[QUICK_DEPTH];
	int depth;
	int tagged;		/* a tag was read */
	int implied_p;		/* text came before any tag: libxml2 put it
				 * in a <p>, still open */
	/* A fragment uses few element names, over and over. */
	struct quick_tag seen[QUICK_SEEN];
	int nseen;
};

/* The table entry and role of an element name, remembered per call. */
static const struct quick_tag *
quick_lookup(struct quick *q, const char *name, size_t len)
{
	struct quick_tag *t;
	int k;

	for (k = 0; k < q->nseen; k++)
		if (q->seen[k].name[0] == name[0] &&
		    memcmp(q->seen[k].name, name, len + 1) == 0)
			return &q->seen[k];
	t = &q->seen[q->nseen < QUICK_SEEN ? q->nseen++ : QUICK_SEEN - 1];
	memcpy(t->name, name, len + 1);
	t->info = tag_lookup(name);
	t->role = html_element_role(name);
	return t;
}

static int
is_name_char(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == ':' || c == '-' ||
	    c == '_' || c == '.';
}

/* Skips the attributes of a tag up to its '>': 1 and *self_closing, or
 * 0 for anything unusual (an unclosed quote, a '<' inside the tag, an
 * attribute name that is not letters, digits and ":-_."). */
static int
quick_attributes(struct quick *q, int *self_closing)
{
	const char *s = q->s;
	char quote;

	*self_closing = 0;
	for (;;) {
		while (q->i < q->len && is_space((unsigned char)s[q->i]))
			q->i++;
		if (q->i >= q->len)
			return 0;
		if (s[q->i] == '>') {
			q->i++;
			return 1;
		}
		if (s[q->i] == '/' && q->i + 1 < q->len && s[q->i + 1] == '>') {
			q->i += 2;
			*self_closing = 1;
			return 1;
		}
		if (!is_alpha((unsigned char)s[q->i]) && s[q->i] != '_' &&
		    s[q->i] != ':')
			return 0;
		while (q->i < q->len && is_name_char((unsigned char)s[q->i]))
			q->i++;
		/* An attribute name of other characters ("a]b", "two,") is
		 * one where libxml2 gives up on the tag and HTML does not. */
		if (q->i < q->len && !is_space((unsigned char)s[q->i]) &&
		    strchr("/=>", s[q->i]) == NULL)
			return 0;
		while (q->i < q->len && is_space((unsigned char)s[q->i]))
			q->i++;
		if (q->i >= q->len || s[q->i] != '=')
			continue;
		q->i++;
		while (q->i < q->len && is_space((unsigned char)s[q->i]))
			q->i++;
		if (q->i < q->len && (s[q->i] == '"' || s[q->i] == '\'')) {
			quote = s[q->i++];
			while (q->i < q->len && s[q->i] != quote &&
			    s[q->i] != '<')
				q->i++;
			if (q->i >= q->len || s[q->i] != quote)
				return 0;
			q->i++;
		} else {
			while (q->i < q->len && !is_space((unsigned char)s[q->i])
			    && s[q->i] != '>' && s[q->i] != '<' &&
			    s[q->i] != '"' && s[q->i] != '\'')
				q->i++;
		}
	}
}

/* Reads a tag name (lower-cased) at the cursor: its length, 0 if none. */
static size_t
quick_name(struct quick *q, char name[TAG_NAME_MAX])
{
	size_t n = 0;

	if (q->i >= q->len || !is_alpha((unsigned char)q->s[q->i]))
		return 0;
	while (q->i < q->len && is_name_char((unsigned char)q->s[q->i])) {
		if (n + 1 >= TAG_NAME_MAX)
			return 0;
		name[n++] = (char)(is_alpha((unsigned char)q->s[q->i]) ?
		    q->s[q->i] | 0x20 : q->s[q->i]);
		q->i++;
	}
	name[n] = '\0';
	return n;
}

/* A tag at the cursor (on its '<'): 1 handled, 0 leave it to the parser. */
static int
quick_tag(struct quick *q)
{
	char name[TAG_NAME_MAX];
	const struct quick_tag *seen;
	const struct tag_info *info;
	int end, self_closing;
	enum html_role role;
	size_t len;

	if (!q->tagged) {
		q->tagged = 1;
		q->implied_p = q->text.len > 0;
	}
	q->i++;
	end = q->i < q->len && q->s[q->i] == '/';
	q->i += (size_t)end;
	if ((len = quick_name(q, name)) == 0)
		return 0;
	seen = quick_lookup(q, name, len);
	info = seen->info;
	role = seen->role;
	if ((info != NULL && (info->flags & TAG_PARSER)) || role == HTML_SKIP)
		return 0;
	if (end) {
		while (q->i < q->len && is_space((unsigned char)q->s[q->i]))
			q->i++;
		/* Only the element on top may close: anything else is
		 * libxml2's business (priorities, ignored end tags). */
		if (q->i >= q->len || q->s[q->i] != '>' || q->depth == 0 ||
		    strcmp(q->open[q->depth - 1], name) != 0)
			return 0;
		q->i++;
		q->depth--;
		if (role == HTML_BLOCK)
			html_text_break(&q->text, role);
		return 1;
	}
	if (!quick_attributes(q, &self_closing) ||
	    (q->depth > 0 && closes(q->info[q->depth - 1], name, len)))
		return 0;
	/* What closes a <p> closes the one libxml2 implied ("a<col>b"
	 * is two paragraphs, "<i>a</i><col>b" one). */
	if (q->implied_p && q->depth == 0 && closes(tag_lookup("p"), name,
	    len)) {
		html_text_break(&q->text, HTML_BLOCK);
		q->implied_p = 0;
	}
	if (role != HTML_INLINE)
		html_text_break(&q->text, role);
	if (self_closing || (info != NULL && (info->flags & TAG_VOID)))
		return 1;
	if (q->depth == QUICK_DEPTH)
		return 0;
	memcpy(q->open[q->depth], name, TAG_NAME_MAX);
	q->info[q->depth++] = info;
	return 1;
}

/* The entities every feed uses, by their first letter. */
static const char *
quick_named(const char *s, size_t left, size_t *n)
{
	static const struct { const char *name; size_t len; const char *utf8;
	} known[] = {
		{ "amp;", 4, "&" }, { "lt;", 3, "<" }, { "gt;", 3, ">" },
		{ "quot;", 5, "\"" }, { "nbsp;", 5, "\xC2\xA0" },
	};
	size_t k;

	for (k = 0; k < NELEM(known); k++)
		if (s[0] == known[k].name[0] && left >= known[k].len &&
		    memcmp(s, known[k].name, known[k].len) == 0) {
			*n = known[k].len;
			return known[k].utf8;
		}
	return NULL;
}

/* A character reference or one of the entities every feed uses: 1 and
 * the character appended, 0 for anything else. */
static int
quick_entity(struct quick *q)
{
	const char *s = q->s + q->i + 1, *named;
	size_t left = q->len - q->i - 1, k, n = 0;
	uint32_t cp = 0;
	char enc[4];
	int hex;

	if (left > 0 && (named = quick_named(s, left, &n)) != NULL) {
		html_text_append(&q->text, named, strlen(named));
		q->i += n + 1;
		return 1;
	}
	if (left < 3 || s[0] != '#')
		return 0;
	hex = s[1] == 'x' || s[1] == 'X';
	for (k = 1 + (size_t)hex; k < left && k < 9 && s[k] != ';'; k++) {
		int c = (unsigned char)s[k], d;

		d = c >= '0' && c <= '9' ? c - '0' : hex && is_alpha(c) &&
		    (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
		if (d < 0)
			return 0;
		cp = cp * (hex ? 16 : 10) + (uint32_t)d;
		n++;
	}
	if (n == 0 || k >= left || s[k] != ';' || cp > 0x10FFFF ||
	    (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
		return 0;
	html_text_append(&q->text, enc, utf8_encode(cp, enc));
	q->i += k + 2;
	return 1;
}

char *
html_quick_to_text(const char *html, size_t len, size_t max)
{
	struct quick q;
	size_t start;
	int ok = 1;
	char *out;

	q.s = html;
	q.len = len;
	q.i = 0;
	q.depth = 0;
	q.tagged = 0;
	q.implied_p = 0;
	q.nseen = 0;
	html_text_init(&q.text, max);
	html_text_reserve(&q.text, len);
	while (ok && q.i < len && !q.text.full) {
		start = q.i;
		while (q.i < len && html[q.i] != '<' && html[q.i] != '&')
			q.i++;
		html_text_append(&q.text, html + start, q.i - start);
		if (q.i >= len)
			break;
		ok = html[q.i] == '<' ? quick_tag(&q) : quick_entity(&q);
	}
	out = html_text_finish(&q.text, NULL);
	if (!ok) {
		free(out);
		return NULL;
	}
	return out;
}

char *
html_to_text(const char *html, size_t len, size_t max)
{
	char *out;

	if (!html_has_markup(html, len))
		return html_plain_to_text(html, len, max);
	if ((out = html_quick_to_text(html, len, max)) != NULL)
		return out;
	return html_parsed_to_text(html, len, max);
}
