/*
 * feed_xml: RSS 2.0 and 0.9x, RSS 1.0 (RDF) and Atom, read by libxml2's
 * SAX parser into the items feed.h describes, after conversion to UTF-8
 * and the repair of raw '&'s.
 */
#include "feed_reader.h"
#include "buf.h"
#include "charset.h"
#include "date.h"
#include "html.h"
#include "url.h"
#include "utf8.h"
#include "util.h"

#include <ctype.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FIELD_MAX (8u << 20)		/* bytes of raw text kept per field */

static const char NS_ATOM[] = "http://www.w3.org/2005/Atom";
static const char NS_ATOM03[] = "http://purl.org/atom/ns#";
static const char NS_RDF[] = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
static const char NS_RSS10[] = "http://purl.org/rss/1.0/";
static const char NS_RSS09[] = "http://my.netscape.com/rdf/simple/0.9/";
static const char NS_DC[] = "http://purl.org/dc/elements/1.1/";
static const char NS_CONTENT[] = "http://purl.org/rss/1.0/modules/content/";
static const char NS_MEDIA[] = "http://search.yahoo.com/mrss/";
static const char NS_ITUNES[] = "http://www.itunes.com/dtds/podcast-1.0.dtd";
static const char NS_XML[] = "http://www.w3.org/XML/1998/namespace";

/* A comma that a program put between keywords: no space after it, and
 * not inside a number ("1,000"). */
static int
is_bare_comma(const char *s, size_t len, size_t i)
{
	return s[i] == ',' && i + 1 < len && s[i + 1] != ' ' &&
	    !(i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9' && s[i + 1] >= '0' &&
	    s[i + 1] <= '9');
}

/*
 * Adds the text of one <category> (or dc:subject) as a tag: the element
 * is one tag, "Physics, Applied" and "Gowanus Canal (Brooklyn, NY)" both
 * whole. A keyword list a program joined with bare commas
 * ("DASDING,Alice Merton,Interview", in one element) is split there.
 */
static void
add_category(struct article *a, const char *s, size_t len)
{
	size_t i, start = 0;

	if (memmem(s, len, ", ", 2) != NULL) {
		article_tag_add(a, s, len);
		return;
	}
	for (i = 0; i < len; i++)
		if (is_bare_comma(s, len, i)) {
			article_tag_add(a, s + start, i - start);
			start = i + 1;
		}
	article_tag_add(a, s + start, len - start);
}

static int
is_http_url(const char *s)
{
	return s != NULL && (strncmp(s, "http://", 7) == 0 ||
	    strncmp(s, "https://", 8) == 0);
}

/*
 * XML: a SAX walk that keeps only what an item needs.
 */

enum field {
	F_NONE = 0,
	F_TITLE, F_LINK, F_GUID, F_ID, F_ABOUT,
	F_PUBDATE, F_PUBLISHED, F_DCDATE, F_UPDATED,
	F_DCCREATOR, F_AUTHOR_NAME, F_AUTHOR,
	F_ENCODED, F_CONTENT, F_DESCRIPTION, F_SUMMARY,
	F_MEDIA_DESCRIPTION, F_ITUNES_SUMMARY, F_ITUNES_SUBTITLE,
	F_CATEGORY, F_CHAN_TITLE, F_CHAN_LINK, F_CHAN_CATEGORY,
	F_COUNT
};

/* Where a field's text is in the item's arena. */
struct span {
	size_t off;
	size_t len;
	unsigned char set;
	unsigned char type;	/* enum feed_text */
};

struct xml_state {
	xmlParserCtxtPtr ctxt;
	struct feed *out;
	const char *source;
	const char *doc_base;		/* the source, when an http(s) URL */
	const xmlChar *root_ns;
	int depth;
	int channel_depth;		/* RSS/RDF <channel>, 0 outside */
	int item_depth;			/* the current item, 0 outside */
	int author_depth;		/* Atom <author> in an item */
	int permalink;			/* the guid is a permalink */
	/* The field whose text is being read. */
	int cap_depth;
	enum field cap_field;
	enum feed_text cap_type;
	struct html_text xhtml;		/* Atom type="xhtml" content */
	int xhtml_skip;
	/* The item being read: its text and its tags. */
	char *arena;
	size_t alen;
	size_t acap;
	struct span f[F_COUNT];
	struct article cur;
	size_t nitem;			/* items begun, in document order */
	struct article chan_tags;	/* the channel's categories */
	char *chan_title;
	enum feed_text chan_title_type;
	char *chan_link;
	char **bases;			/* xml:base by depth, or NULL */
	size_t nbases;
	int failed;
	char err[ERR_LEN];
	int line_offset;		/* lines skipped before the XML */
};

static void
state_fail(struct xml_state *st, const char *msg, int line)
{
	size_t n;

	if (st->failed)
		return;
	st->failed = 1;
	if (line > 0)
		snprintf(st->err, sizeof(st->err), "line %d: %s",
		    line + st->line_offset, msg);
	else
		snprintf(st->err, sizeof(st->err), "%s", msg);
	/* libxml2's messages end with a newline and may hold more. */
	for (n = 0; st->err[n] != '\0'; n++)
		if (st->err[n] == '\n' || st->err[n] == '\r')
			st->err[n] = ' ';
	while (n > 0 && st->err[n - 1] == ' ')
		st->err[--n] = '\0';
}

static void
on_xml_error(void *data, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = data;

	if (e->level >= XML_ERR_ERROR && ctxt != NULL &&
	    ctxt->_private != NULL)
		state_fail(ctxt->_private, e->message ? e->message :
		    "XML error", e->line);
}

/* Errors raised outside the parser context (the encoding layer) while
 * a feed is being parsed: data is the state. Nothing reaches stderr.
 * The HTML parser behind html_to_text() reports here too, and is not
 * the feed's business. */
static void
on_global_error(void *data, xmlErrorPtr e)
{
	struct xml_state *st = data;

	if (e->level < XML_ERR_ERROR || st == NULL ||
	    e->domain == XML_FROM_HTML ||
	    (e->ctxt != NULL && e->ctxt != st->ctxt))
		return;
	state_fail(st, e->message ? e->message : "XML error", e->line);
}

static void
arena_put(struct xml_state *st, const char *s, size_t n)
{
	if (st->alen + n + 1 > st->acap)
		xgrow(&st->arena, &st->acap, st->alen + n + 1, 1);
	memcpy(st->arena + st->alen, s, n);
	st->alen += n;
	st->arena[st->alen] = '\0';
}

/* The value of the attribute with that local name and no namespace, as
 * a pointer into the parser's buffer and a length; NULL if absent. */
static const char *
attr(const xmlChar **attrs, int n, const char *name, size_t *len)
{
	int i;

	for (i = 0; i < n; i++) {
		const xmlChar **a = attrs + i * 5;

		if (a[2] == NULL && strcmp((const char *)a[0], name) == 0) {
			*len = (size_t)(a[4] - a[3]);
			return (const char *)a[3];
		}
	}
	return NULL;
}

/* An attribute value as an allocated string: libxml2 leaves character
 * references in attribute values undecoded when entities are not
 * substituted, so "&#38;" is decoded here. Caller frees. */
static char *
attr_dup(const char *v, size_t len)
{
	char *s = xstrndup(v, len), *p;

	while ((p = strstr(s, "&#38;")) != NULL)
		memmove(p + 1, p + 5, strlen(p + 5) + 1);
	return s;
}

static int
attr_is(const xmlChar **attrs, int n, const char *name, const char *value)
{
	size_t len;
	const char *v = attr(attrs, n, name, &len);

	return v != NULL && len == strlen(value) &&
	    strncasecmp(v, value, len) == 0;
}

static const char *
effective_base(const struct xml_state *st)
{
	int d;

	for (d = st->depth; d >= 0; d--)
		if ((size_t)d < st->nbases && st->bases[d] != NULL)
			return st->bases[d];
	return st->chan_link ? st->chan_link : st->doc_base;
}

static void
push_base(struct xml_state *st, const xmlChar **attrs, int n)
{
	size_t len, need = (size_t)st->depth + 1, i;
	const char *v = NULL;
	char *value;
	int k;

	for (k = 0; k < n && v == NULL; k++)
		if (attrs[k * 5 + 2] != NULL && strcmp((const char *)attrs[k *
		    5 + 2], NS_XML) == 0 && strcmp((const char *)attrs[k * 5],
		    "base") == 0) {
			v = (const char *)attrs[k * 5 + 3];
			len = (size_t)(attrs[k * 5 + 4] - attrs[k * 5 + 3]);
		}
	if (v == NULL)
		return;
	if (need > st->nbases) {
		i = st->nbases;
		xgrow(&st->bases, &st->nbases, need, sizeof(*st->bases));
		for (; i < st->nbases; i++)
			st->bases[i] = NULL;
	}
	value = attr_dup(v, len);
	st->bases[st->depth] = url_resolve(value, effective_base(st));
	free(value);
}

static void
pop_base(struct xml_state *st)
{
	if ((size_t)st->depth < st->nbases) {
		free(st->bases[st->depth]);
		st->bases[st->depth] = NULL;
	}
}

static int
same_ns(const xmlChar *a, const xmlChar *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp((const char *)a, (const char *)b) == 0;
}

/* A namespace URI is the one we know with or without its trailing slash
 * and in any case, as Python's feedparser matches them: feeds write
 * "http://purl.org/rss/1.0/modules/content" as often as the real one. */
static int
ns_is(const xmlChar *uri, const char *ns)
{
	size_t n, k;

	if (uri == NULL)
		return 0;
	n = strlen((const char *)uri);
	k = strlen(ns);
	if (n > 0 && uri[n - 1] == '/')
		n--;
	if (k > 0 && ns[k - 1] == '/')
		k--;
	return n == k && strncasecmp((const char *)uri, ns, n) == 0;
}

/* The RSS vocabulary: no namespace (or the root's, as in
 * xmlns="http://backend.userland.com/rss2"), RSS 1.0's or 0.90's. */
static int
is_rss(const struct xml_state *st, const xmlChar *uri)
{
	if (st->out->kind == FEED_RSS)
		return same_ns(uri, st->root_ns);
	return st->out->kind == FEED_RDF && (ns_is(uri, NS_RSS10) ||
	    ns_is(uri, NS_RSS09));
}

static int
is_atom(const struct xml_state *st, const xmlChar *uri)
{
	return st->out->kind == FEED_ATOM && same_ns(uri, st->root_ns);
}

/* The text type of an Atom text construct (RFC 4287 3.1), with Atom
 * 0.3's MIME types and base64 mode. */
static enum feed_text
atom_type(const xmlChar **attrs, int n)
{
	size_t len;
	const char *t = attr(attrs, n, "type", &len);

	if (attr_is(attrs, n, "mode", "base64") || attr(attrs, n, "src",
	    &len) != NULL)
		return FEED_TEXT_SKIP;
	if (t == NULL || attr_is(attrs, n, "type", "text") ||
	    attr_is(attrs, n, "type", "text/plain"))
		return FEED_TEXT_PLAIN;
	if (attr_is(attrs, n, "type", "html") || attr_is(attrs, n, "type",
	    "text/html"))
		return FEED_TEXT_HTML;
	if (attr_is(attrs, n, "type", "xhtml") || attr_is(attrs, n, "type",
	    "application/xhtml+xml"))
		return FEED_TEXT_XHTML;
	return FEED_TEXT_SKIP;
}

static void
capture(struct xml_state *st, enum field f, enum feed_text type)
{
	if (f == F_NONE)
		return;
	st->cap_depth = st->depth;
	st->cap_field = f;
	st->cap_type = type;
	/* The first of a field wins (guid-dupes.xml: two <guid>). */
	if (f != F_CATEGORY && f != F_CHAN_CATEGORY && st->f[f].set) {
		st->cap_field = F_NONE;
		return;
	}
	st->f[f].off = st->alen;
	st->f[f].type = (unsigned char)type;
	if (type == FEED_TEXT_XHTML) {
		html_text_init(&st->xhtml, FEED_BODY_MAX);
		st->xhtml_skip = 0;
	}
}

static void
set_field(struct xml_state *st, enum field f, const char *s, size_t n)
{
	if (st->f[f].set)
		return;
	st->f[f].off = st->alen;
	st->f[f].len = n;
	st->f[f].type = FEED_TEXT_PLAIN;
	st->f[f].set = 1;
	arena_put(st, s, n);
}

/* An Atom <link>: the alternate (or rel-less) one is the item's url, or
 * the feed's link outside items. */
static void
atom_link(struct xml_state *st, const xmlChar **attrs, int n, int in_item)
{
	size_t len;
	const char *href = attr(attrs, n, "href", &len);
	char *value, *url;

	if (href == NULL || !(attr(attrs, n, "rel", &len) == NULL ||
	    attr_is(attrs, n, "rel", "alternate")))
		return;
	href = attr(attrs, n, "href", &len);
	value = attr_dup(href, len);
	url = url_resolve(value, effective_base(st));
	if (in_item)
		set_field(st, F_LINK, url, strlen(url));
	else if (st->chan_link == NULL)
		st->chan_link = xstrdup(url);
	free(url);
	free(value);
}

/* An attribute value (NULL: none) as one tag of to. */
static void
attr_tag(struct article *to, const char *v, size_t len)
{
	char *value;

	if (v == NULL)
		return;
	value = attr_dup(v, len);
	article_tag_add(to, value, strlen(value));
	free(value);
}

/* An Atom <category>: its term, else its label, as one tag of to. */
static void
atom_category(struct article *to, const xmlChar **attrs, int n)
{
	size_t len = 0;
	const char *v = attr(attrs, n, "term", &len);

	if (v == NULL || util_trim(v, &len) == NULL || len == 0)
		v = attr(attrs, n, "label", &len);
	attr_tag(to, v, len);
}

/* An iTunes category of the channel (nested ones too: "Games &
 * Hobbies" holding "Video Games"), from its text attribute. */
static void
itunes_category(struct xml_state *st, const xmlChar **attrs, int n)
{
	size_t len = 0;
	const char *v = attr(attrs, n, "text", &len);

	attr_tag(&st->chan_tags, v, len);
}

static enum field
rss_field(const char *name)
{
	static const struct { const char *name; enum field f; } map[] = {
		{ "title", F_TITLE }, { "link", F_LINK }, { "guid", F_GUID },
		{ "description", F_DESCRIPTION }, { "pubDate", F_PUBDATE },
		{ "author", F_AUTHOR }, { "category", F_CATEGORY },
	};
	size_t i;

	for (i = 0; i < NELEM(map); i++)
		if (name[0] == map[i].name[0] && strcmp(name, map[i].name) == 0)
			return map[i].f;
	return F_NONE;
}

static enum field
atom_field(const char *name)
{
	static const struct { const char *name; enum field f; } map[] = {
		{ "title", F_TITLE }, { "id", F_ID }, { "published", F_PUBLISHED },
		{ "issued", F_PUBLISHED }, { "updated", F_UPDATED },
		{ "modified", F_UPDATED }, { "content", F_CONTENT },
		{ "summary", F_SUMMARY },
	};
	size_t i;

	for (i = 0; i < NELEM(map); i++)
		if (strcmp(name, map[i].name) == 0)
			return map[i].f;
	return F_NONE;
}

static enum field
dc_field(const char *name)
{
	if (strcmp(name, "creator") == 0)
		return F_DCCREATOR;
	if (strcmp(name, "date") == 0)
		return F_DCDATE;
	if (strcmp(name, "subject") == 0)
		return F_CATEGORY;
	return F_NONE;
}

/* A child element of an item. */
static void
item_child(struct xml_state *st, const char *name, const xmlChar *uri,
    const xmlChar **attrs, int n)
{
	enum field f = F_NONE;

	if (is_rss(st, uri)) {
		f = rss_field(name);
		if (f == F_GUID)
			st->permalink = !attr_is(attrs, n, "isPermaLink",
			    "false");
		capture(st, f, f == F_TITLE || f == F_DESCRIPTION ?
		    FEED_TEXT_HTML : FEED_TEXT_PLAIN);
	} else if (is_atom(st, uri)) {
		if (strcmp(name, "link") == 0)
			atom_link(st, attrs, n, 1);
		else if (strcmp(name, "category") == 0)
			atom_category(&st->cur, attrs, n);
		else if (strcmp(name, "author") == 0)
			st->author_depth = st->depth;
		else if ((f = atom_field(name)) != F_NONE)
			capture(st, f, f == F_TITLE || f == F_CONTENT ||
			    f == F_SUMMARY ? atom_type(attrs, n) :
			    FEED_TEXT_PLAIN);
	} else if (ns_is(uri, NS_DC)) {
		capture(st, dc_field(name), FEED_TEXT_PLAIN);
	} else if (ns_is(uri, NS_CONTENT) && strcmp(name, "encoded") == 0) {
		capture(st, F_ENCODED, FEED_TEXT_HTML);
	} else if (ns_is(uri, NS_ITUNES) && strcmp(name, "summary") == 0) {
		capture(st, F_ITUNES_SUMMARY, FEED_TEXT_AUTO);
	} else if (ns_is(uri, NS_ITUNES) && strcmp(name, "subtitle") == 0) {
		capture(st, F_ITUNES_SUBTITLE, FEED_TEXT_AUTO);
	}
}

/* media:description, the body of a YouTube entry, in an item or in its
 * media:group or media:content: plain text unless type="html". */
static int
media_description(struct xml_state *st, const char *name,
    const xmlChar *uri, const xmlChar **attrs, int n)
{
	if (!ns_is(uri, NS_MEDIA) || strcmp(name, "description") != 0)
		return 0;
	capture(st, F_MEDIA_DESCRIPTION, attr_is(attrs, n, "type", "html") ?
	    FEED_TEXT_HTML : FEED_TEXT_PLAIN);
	return 1;
}

static void
begin_item(struct xml_state *st, const xmlChar **attrs, int n)
{
	int k;

	st->item_depth = st->depth;
	st->nitem++;
	st->alen = 0;
	memset(st->f, 0, sizeof(st->f));
	st->permalink = 1;
	article_init(&st->cur);
	for (k = 0; k < n; k++)
		if (ns_is(attrs[k * 5 + 2], NS_RDF) &&
		    strcmp((const char *)attrs[k * 5], "about") == 0)
			set_field(st, F_ABOUT, (const char *)attrs[k * 5 + 3],
			    (size_t)(attrs[k * 5 + 4] - attrs[k * 5 + 3]));
}

/* The root element decides the kind; anything else is not a feed. */
static void
root_element(struct xml_state *st, const char *name, const xmlChar *uri)
{
	char msg[128];

	st->root_ns = uri;
	if (strcmp(name, "rss") == 0)
		st->out->kind = FEED_RSS;
	else if (strcmp(name, "RDF") == 0 && ns_is(uri, NS_RDF))
		st->out->kind = FEED_RDF;
	else if (strcmp(name, "feed") == 0 && (ns_is(uri, NS_ATOM) ||
	    ns_is(uri, NS_ATOM03)))
		st->out->kind = FEED_ATOM;
	if (st->out->kind != FEED_UNKNOWN)
		return;
	snprintf(msg, sizeof(msg), "not a feed (root element <%.64s>)", name);
	state_fail(st, msg, 0);
	xmlStopParser(st->ctxt);
}

/* Outside items: the channel, its title and link, and item starts. */
static void
channel_child(struct xml_state *st, const char *name, const xmlChar *uri,
    const xmlChar **attrs, int n)
{
	int rss = is_rss(st, uri), kind = st->out->kind;

	if (ns_is(uri, NS_ITUNES) && strcmp(name, "category") == 0) {
		itunes_category(st, attrs, n);
		return;
	}
	if (kind == FEED_ATOM) {
		if (st->depth != 2 || !is_atom(st, uri))
			return;
		if (strcmp(name, "entry") == 0)
			begin_item(st, attrs, n);
		else if (strcmp(name, "title") == 0)
			capture(st, F_CHAN_TITLE, atom_type(attrs, n));
		else if (strcmp(name, "link") == 0)
			atom_link(st, attrs, n, 0);
		else if (strcmp(name, "category") == 0)
			atom_category(&st->chan_tags, attrs, n);
		return;
	}
	if (!rss)
		return;
	if (st->depth == 2 && strcmp(name, "channel") == 0)
		st->channel_depth = 2;
	else if (strcmp(name, "item") == 0 && (st->depth == 2 ||
	    (st->depth == 3 && st->channel_depth == 2)))
		begin_item(st, attrs, n);
	else if (st->depth == 3 && st->channel_depth == 2 &&
	    strcmp(name, "title") == 0)
		capture(st, F_CHAN_TITLE, FEED_TEXT_HTML);
	else if (st->depth == 3 && st->channel_depth == 2 &&
	    strcmp(name, "link") == 0)
		capture(st, F_CHAN_LINK, FEED_TEXT_PLAIN);
	else if (st->depth == 3 && st->channel_depth == 2 &&
	    strcmp(name, "category") == 0)
		capture(st, F_CHAN_CATEGORY, FEED_TEXT_PLAIN);
}

/*
 * Elements inside an HTML field (<description><table>... written as XML,
 * not escaped) are put back as tags, so that the HTML keeps its
 * paragraphs; the text inside them is text, so it is escaped.
 */
static void
markup_put(struct xml_state *st, const char *name, int end)
{
	if (end && html_is_void(name))
		return;
	arena_put(st, end ? "</" : "<", end ? 2 : 1);
	arena_put(st, name, strlen(name));
	arena_put(st, ">", 1);
}

static void
arena_put_escaped(struct xml_state *st, const char *s, size_t n)
{
	size_t i, start = 0;

	for (i = 0; i < n; i++) {
		if (s[i] != '<' && s[i] != '&')
			continue;
		arena_put(st, s + start, i - start);
		arena_put(st, s[i] == '<' ? "&lt;" : "&amp;", s[i] == '<' ? 4 : 5);
		start = i + 1;
	}
	arena_put(st, s + start, n - start);
}

static void
xhtml_start(struct xml_state *st, const char *name)
{
	enum html_role role = html_element_role(name);

	if (role == HTML_SKIP)
		st->xhtml_skip++;
	else if (role != HTML_INLINE && st->xhtml_skip == 0)
		html_text_break(&st->xhtml, role);
}

static void
xhtml_end(struct xml_state *st, const char *name)
{
	enum html_role role = html_element_role(name);

	if (role == HTML_SKIP && st->xhtml_skip > 0)
		st->xhtml_skip--;
	else if (role == HTML_BLOCK && st->xhtml_skip == 0)
		html_text_break(&st->xhtml, role);
}

static void
on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
    int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	struct xml_state *st = ((xmlParserCtxtPtr)ctx)->_private;
	const char *name = (const char *)localname;

	(void)prefix;
	(void)nb_namespaces;
	(void)namespaces;
	(void)nb_defaulted;
	if (st->failed)
		return;
	st->depth++;
	push_base(st, attributes, nb_attributes);
	if (st->cap_depth > 0) {
		if (st->cap_type == FEED_TEXT_XHTML && st->cap_field != F_NONE)
			xhtml_start(st, name);
		else if (st->cap_type == FEED_TEXT_HTML &&
		    st->cap_field != F_NONE)
			markup_put(st, name, 0);
		return;
	}
	if (st->depth == 1)
		root_element(st, name, uri);
	else if (st->item_depth == 0)
		channel_child(st, name, uri, attributes, nb_attributes);
	else if (media_description(st, name, uri, attributes, nb_attributes))
		;
	else if (st->depth == st->item_depth + 1)
		item_child(st, name, uri, attributes, nb_attributes);
	else if (st->author_depth > 0 && st->depth == st->author_depth + 1 &&
	    is_atom(st, uri) && strcmp(name, "name") == 0)
		capture(st, F_AUTHOR_NAME, FEED_TEXT_PLAIN);
}

static void
on_chars(void *ctx, const xmlChar *s, int len)
{
	struct xml_state *st = ((xmlParserCtxtPtr)ctx)->_private;
	size_t n = (size_t)len, room;

	if (st->cap_depth == 0 || st->cap_field == F_NONE || st->failed ||
	    len <= 0)
		return;
	if (st->cap_type == FEED_TEXT_XHTML) {
		if (st->xhtml_skip == 0)
			html_text_append(&st->xhtml, (const char *)s, n);
		return;
	}
	/* Beyond FIELD_MAX the rest of the field is dropped. */
	room = FIELD_MAX - (st->alen - st->f[st->cap_field].off);
	if (n > room)
		n = utf8_cut((const char *)s, n, room);
	if (st->cap_type == FEED_TEXT_HTML && st->depth > st->cap_depth)
		arena_put_escaped(st, (const char *)s, n);
	else
		arena_put(st, (const char *)s, n);
}

static void
end_channel_field(struct xml_state *st, struct span *sp)
{
	char *s;

	if (st->cap_field == F_CHAN_TITLE && st->chan_title == NULL) {
		st->chan_title = xstrndup(st->arena + sp->off, sp->len);
		st->chan_title_type = (enum feed_text)sp->type;
	} else if (st->cap_field == F_CHAN_LINK && st->chan_link == NULL &&
	    (s = feed_trimmed(st->arena + sp->off, sp->len)) != NULL) {
		st->chan_link = url_resolve(s, st->doc_base);
		free(s);
	}
	st->alen = 0;
	memset(sp, 0, sizeof(*sp));
}

/* The end of the element whose text was read. */
static void
end_capture(struct xml_state *st)
{
	struct span *sp = &st->f[st->cap_field];
	char *text, *s;
	size_t n;

	st->cap_depth = 0;
	if (st->cap_field == F_NONE)
		return;
	if (st->cap_type == FEED_TEXT_XHTML) {
		text = html_text_finish(&st->xhtml, &n);
		sp->off = st->alen;
		arena_put(st, text, n);
		sp->type = FEED_TEXT_DONE;
		free(text);
	}
	sp->len = st->alen - sp->off;
	sp->set = 1;
	if (st->cap_field == F_CHAN_TITLE || st->cap_field == F_CHAN_LINK) {
		end_channel_field(st, sp);
	} else if (st->cap_field == F_CATEGORY ||
	    st->cap_field == F_CHAN_CATEGORY) {
		add_category(st->cap_field == F_CATEGORY ? &st->cur :
		    &st->chan_tags, st->arena + sp->off, sp->len);
		st->alen = sp->off;
		memset(sp, 0, sizeof(*sp));
	} else if (st->cap_field == F_LINK) {
		/* Resolved now: the xml:base in effect is this element's. */
		s = feed_trimmed(st->arena + sp->off, sp->len);
		st->alen = sp->off;
		memset(sp, 0, sizeof(*sp));
		if (s != NULL) {
			text = url_resolve(s, effective_base(st));
			set_field(st, F_LINK, text, strlen(text));
			free(text);
		}
		free(s);
	}
}

/* The first field of order that holds more than white space. */
static const struct span *
first_set(const struct xml_state *st, const enum field *order, size_t n)
{
	const struct span *sp;
	size_t i, len;

	for (i = 0; i < n; i++) {
		sp = &st->f[order[i]];
		if (!sp->set)
			continue;
		len = sp->len;
		util_trim(st->arena + sp->off, &len);
		if (len > 0)
			return sp;
	}
	return NULL;
}

static char *
span_trimmed(const struct xml_state *st, const struct span *sp)
{
	return sp ? feed_trimmed(st->arena + sp->off, sp->len) : NULL;
}

/* feed_field_text of the span: allocated, or NULL. */
static char *
span_text(const struct xml_state *st, const struct span *sp,
    enum feed_text type, size_t max, int title)
{
	return feed_field_text(st->arena + sp->off, sp->len, type, max, title);
}

/* The first of the item's dates that date_parse() reads, else 0 with a
 * note when it had one. */
static int64_t
item_date(struct xml_state *st)
{
	static const enum field order[] = { F_PUBDATE, F_PUBLISHED, F_DCDATE,
	    F_UPDATED };
	const struct span *sp, *bad = NULL;
	int64_t t;
	size_t i, len;

	for (i = 0; i < NELEM(order); i++) {
		sp = &st->f[order[i]];
		if (!sp->set)
			continue;
		if (date_parse(st->arena + sp->off, sp->len, &t) == 0)
			return t;
		len = sp->len;
		if (bad == NULL && util_trim(st->arena + sp->off, &len) &&
		    len > 0)
			bad = sp;
	}
	if (bad != NULL)
		feed_note_undated(st->out, st->nitem, st->arena + bad->off,
		    bad->len);
	return 0;
}

/* The body: the first of the item's texts, in the order feeds put their
 * fullest text first, that has text once converted; NULL when none has.
 * Returns an allocated string; caller frees. */
static char *
item_body(const struct xml_state *st)
{
	static const enum field bodies[] = { F_ENCODED, F_CONTENT,
	    F_DESCRIPTION, F_SUMMARY, F_MEDIA_DESCRIPTION, F_ITUNES_SUMMARY,
	    F_ITUNES_SUBTITLE };
	const struct span *sp;
	char *body;
	size_t i;

	for (i = 0; i < NELEM(bodies); i++) {
		sp = &st->f[bodies[i]];
		if (sp->set && (body = span_text(st, sp, sp->type ==
		    FEED_TEXT_PLAIN ? FEED_TEXT_LINES : sp->type,
		    FEED_BODY_MAX, 0)) != NULL)
			return body;
	}
	return NULL;
}

/* The end of an item: its fields become an article of the feed. */
static void
end_item(struct xml_state *st)
{
	static const enum field guids[] = { F_GUID, F_ID, F_ABOUT };
	static const enum field authors[] = { F_DCCREATOR, F_AUTHOR_NAME,
	    F_AUTHOR };
	static const enum field links[] = { F_LINK };
	struct article *a = &st->cur;
	const struct span *sp;
	size_t i;

	a->guid = span_trimmed(st, first_set(st, guids, NELEM(guids)));
	a->url = span_trimmed(st, first_set(st, links, NELEM(links)));
	if (a->url == NULL && st->f[F_GUID].set && st->permalink &&
	    is_http_url(a->guid))
		a->url = xstrdup(a->guid);
	sp = &st->f[F_TITLE];
	if (sp->set)
		a->title = span_text(st, sp, sp->type, FEED_TITLE_MAX, 1);
	sp = first_set(st, authors, NELEM(authors));
	if (sp != NULL)
		a->author = span_text(st, sp, FEED_TEXT_PLAIN, FEED_TITLE_MAX,
		    1);
	a->body = item_body(st);
	st->item_depth = 0;
	st->author_depth = 0;
	/* An entry with neither a title nor a text is nothing to read. */
	if (a->title == NULL && a->body == NULL) {
		article_release(a);
		return;
	}
	a->published = item_date(st);
	if (a->body == NULL)
		a->body = xstrdup("");
	/* The channel's categories stand for an item's that has none. */
	if (a->ntags == 0)
		for (i = 0; i < st->chan_tags.ntags; i++)
			article_tag_add(a, st->chan_tags.tags[i],
			    strlen(st->chan_tags.tags[i]));
	a->source = st->source ? xstrdup(st->source) : NULL;
	if (st->out->on_item != NULL)
		st->out->on_item(a, st->out->on_item_arg);
	else
		*article_list_push(&st->out->items) = *a;
	article_init(a);
}

static void
on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri)
{
	struct xml_state *st = ((xmlParserCtxtPtr)ctx)->_private;

	(void)prefix;
	(void)uri;
	if (st->failed)
		return;
	if (st->cap_depth == st->depth)
		end_capture(st);
	else if (st->cap_depth > 0 && st->cap_type == FEED_TEXT_XHTML &&
	    st->cap_field != F_NONE)
		xhtml_end(st, (const char *)localname);
	else if (st->cap_depth > 0 && st->cap_type == FEED_TEXT_HTML &&
	    st->cap_field != F_NONE)
		markup_put(st, (const char *)localname, 1);
	if (st->author_depth == st->depth)
		st->author_depth = 0;
	if (st->item_depth == st->depth)
		end_item(st);
	if (st->channel_depth == st->depth)
		st->channel_depth = 0;
	pop_base(st);
	st->depth--;
}

/* External entities and DTDs are never fetched, whatever the options. */
static xmlParserInputPtr
on_resolve_entity(void *ctx, const xmlChar *public_id,
    const xmlChar *system_id)
{
	(void)ctx;
	(void)public_id;
	(void)system_id;
	return NULL;
}

static void
sax_init(xmlSAXHandler *sax)
{
	memset(sax, 0, sizeof(*sax));
	sax->initialized = XML_SAX2_MAGIC;
	/* libxml2's own handlers keep the internal subset's entities, so
	 * that &name; of an internal entity reaches on_chars. */
	sax->startDocument = xmlSAX2StartDocument;
	sax->internalSubset = xmlSAX2InternalSubset;
	sax->entityDecl = xmlSAX2EntityDecl;
	sax->getEntity = xmlSAX2GetEntity;
	sax->getParameterEntity = xmlSAX2GetParameterEntity;
	sax->resolveEntity = on_resolve_entity;
	sax->startElementNs = on_start;
	sax->endElementNs = on_end;
	sax->characters = on_chars;
	sax->cdataBlock = on_chars;
	sax->serror = on_xml_error;
}

static void
state_release(struct xml_state *st)
{
	size_t i;

	for (i = 0; i < st->nbases; i++)
		free(st->bases[i]);
	free(st->bases);
	free(st->arena);
	free(st->chan_title);
	free(st->chan_link);
	article_release(&st->cur);
	article_release(&st->chan_tags);
	free(html_text_finish(&st->xhtml, NULL));
}

/* Runs libxml2 over UTF-8 text (no BOM, starting at '<'). */
static int
xml_run(const char *xml, size_t len, struct xml_state *st)
{
	xmlSAXHandler sax;
	xmlParserCtxtPtr ctxt;
	xmlStructuredErrorFunc old_handler = xmlStructuredError;
	void *old_context = xmlStructuredErrorContext;

	ctxt = xmlCreateMemoryParserCtxt(xml, (int)len);
	if (ctxt == NULL)
		return util_err(st->err, "cannot create an XML parser");
	sax_init(&sax);
	xmlFree(ctxt->sax);
	ctxt->sax = xmlMalloc(sizeof(sax));
	if (ctxt->sax == NULL) {
		xmlFreeParserCtxt(ctxt);
		return util_err(st->err, "out of memory");
	}
	memcpy(ctxt->sax, &sax, sizeof(sax));
	ctxt->_private = st;
	st->ctxt = ctxt;
	/* The text is UTF-8 already: its declaration must not re-decode it. */
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA |
	    XML_PARSE_IGNORE_ENC);
	xmlSetStructuredErrorFunc(st, on_global_error);
	xmlParseDocument(ctxt);
	xmlSetStructuredErrorFunc(old_context, old_handler);
	if (!ctxt->wellFormed && !st->failed)
		state_fail(st, "not well-formed XML", ctxt->input ?
		    ctxt->input->line : 0);
	if (ctxt->myDoc != NULL)
		xmlFreeDoc(ctxt->myDoc);
	xmlFreeParserCtxt(ctxt);
	return st->failed ? -1 : 0;
}

/* The feed as UTF-8: *text points into data or into *copy (allocated,
 * caller frees). */
static int
xml_to_utf8(const char *data, size_t len, const char *charset,
    const char **text, size_t *tlen, char **copy, char *err)
{
	char declared[CHARSET_NAME_MAX], enc[CHARSET_NAME_MAX];
	const char *decl = NULL;

	if (charset_xml_declared(data, len, declared))
		decl = declared;
	else if (charset != NULL && *charset != '\0')
		decl = charset;
	charset_decide(data, len, decl, enc);
	*copy = NULL;
	if (charset_is_utf8(enc) && charset_utf8_valid(data, len)) {
		*text = data;
		*tlen = len;
		return 0;
	}
	if (feed_to_utf8(data, len, enc, copy, tlen, err) == -1)
		return -1;
	*text = *copy;
	return 0;
}

/*
 * A raw '&' is the commonest fault of hand-made feeds ("Q&A" in a title,
 * a URL's query in a <link>), and libxml2 refuses the whole document for
 * it. Python's feedparser reads such a feed; so do we: outside CDATA
 * sections, comments and processing instructions, an '&' that does not
 * begin a reference is written "&amp;". So is a named reference to an
 * entity that XML does not define, when the document declares none
 * ("&nbsp;" in a description): its text keeps "&nbsp;", which the HTML
 * of a body decodes. A document that is broken in any other way still
 * fails.
 */

/* The length of a reference at s ("&amp;", "&#38;", "&#x26;"), or 0; its
 * name, when it is a named one, in [*name, *name + *nlen). */
static size_t
ref_len(const char *s, size_t len, const char **name, size_t *nlen)
{
	size_t i = 1;
	unsigned char c;

	*name = NULL;
	*nlen = 0;
	if (i < len && s[i] == '#') {
		i++;
		if (i < len && (s[i] == 'x' || s[i] == 'X')) {
			for (i++; i < len && isxdigit((unsigned char)s[i]); i++)
				;
			return i > 3 && i < len && s[i] == ';' ? i + 1 : 0;
		}
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			;
		return i > 2 && i < len && s[i] == ';' ? i + 1 : 0;
	}
	c = i < len ? (unsigned char)s[i] : 0;
	if (!(feed_is_alpha(c) || c == '_' || c == ':' || c >= 0x80))
		return 0;
	for (i++; i < len && i < 64; i++) {
		c = (unsigned char)s[i];
		if (!(feed_is_alpha(c) || (c >= '0' && c <= '9') || c == '_' ||
		    c == ':' || c == '.' || c == '-' || c >= 0x80))
			break;
	}
	if (i >= len || s[i] != ';')
		return 0;
	*name = s + 1;
	*nlen = i - 1;
	return i + 1;
}

/* amp, lt, gt, quot, apos: the entities XML defines. */
static int
is_xml_entity(const char *name, size_t n)
{
	switch (n) {
	case 2:
		return (name[0] == 'l' || name[0] == 'g') && name[1] == 't';
	case 3:
		return memcmp(name, "amp", 3) == 0;
	case 4:
		return memcmp(name, "quot", 4) == 0 ||
		    memcmp(name, "apos", 4) == 0;
	default:
		return 0;
	}
}

/* Where the markup construct at s[i] ('<' of a comment, CDATA section,
 * processing instruction or doctype) ends, or i when s[i] is none of
 * those; *subset says a doctype declared entities. */
static size_t
skip_construct(const char *s, size_t len, size_t i, int *subset)
{
	static const struct { const char *open, *close; } kinds[] = {
		{ "<![CDATA[", "]]>" }, { "<!--", "-->" }, { "<?", "?>" },
	};
	const char *end;
	size_t k;

	for (k = 0; k < NELEM(kinds); k++) {
		if (len - i < strlen(kinds[k].open) || memcmp(s + i,
		    kinds[k].open, strlen(kinds[k].open)) != 0)
			continue;
		end = memmem(s + i, len - i, kinds[k].close,
		    strlen(kinds[k].close));
		return end ? (size_t)(end - s) + strlen(kinds[k].close) : len;
	}
	if (feed_starts_ci(s + i, len - i, "<!doctype")) {
		end = feed_doctype_end(s, len, i);
		*subset |= end != NULL && memchr(s + i, '[',
		    (size_t)(end - (s + i))) != NULL;
		return end ? (size_t)(end - s) + 1 : len;
	}
	return i;
}

/* The document with its raw '&'s written "&amp;": 1 and an allocated
 * copy in *out (caller frees) when there was one, else 0. */
static int
xml_fix_amps(const char *s, size_t len, char **out, size_t *outlen)
{
	struct buf b;
	const char *name, *amp, *lt;
	size_t i = 0, a, from = 0, n, nlen, k;
	int subset = 0, fixed = 0;

	/* Every byte an '&' at worst: five bytes each. */
	buf_init(&b, len * 5 + 16);
	/* From '&' to '&' by memchr(); the constructs before each, where
	 * one may hide it, found by their '<'. */
	while (i < len && (amp = memchr(s + i, '&', len - i)) != NULL) {
		a = (size_t)(amp - s);
		while (i < a && (lt = memchr(s + i, '<', a - i)) != NULL) {
			i = (size_t)(lt - s);
			k = i + 1 < len && (s[i + 1] == '!' ||
			    s[i + 1] == '?') ? skip_construct(s, len, i,
			    &subset) : i;
			i = k > i ? k : i + 1;
		}
		if (i > a)
			continue;	/* inside CDATA, a comment... */
		i = a;
		n = ref_len(s + i, len - i, &name, &nlen);
		if (n > 0 && (name == NULL || subset || is_xml_entity(name,
		    nlen))) {
			i += n;
			continue;
		}
		/* Appends fail only past the maximum, which even a
		 * document of nothing but '&' does not reach. */
		(void)buf_append(&b, s + from, i - from);
		(void)buf_puts(&b, "&amp;");
		from = ++i;
		fixed = 1;
	}
	if (!fixed) {
		buf_release(&b);
		return 0;
	}
	(void)buf_append(&b, s + from, len - from);
	*out = buf_detach(&b, outlen);
	return 1;
}

static int
count_lines(const char *s, size_t n)
{
	size_t i;
	int lines = 0;

	for (i = 0; i < n; i++)
		lines += s[i] == '\n';
	return lines;
}

int
feed_xml_parse(const char *data, size_t len, const char *charset,
    const char *source, struct feed *out, char *err)
{
	struct xml_state st;
	const char *text, *nul;
	char *copy, *fixed;
	size_t tlen, skip, flen;
	int rc;

	if (xml_to_utf8(data, len, charset, &text, &tlen, &copy, err) == -1)
		return -1;
	if (xml_fix_amps(text, tlen, &fixed, &flen)) {
		free(copy);
		text = copy = fixed;
		tlen = flen;
	}
	/* libxml2 refuses white space before "<?xml": three feeds of the
	 * corpus start with a blank line. */
	skip = feed_skip_bom_space(text, tlen);
	memset(&st, 0, sizeof(st));
	/* Never NULL: spans point into it even when nothing was read. */
	xgrow(&st.arena, &st.acap, 4096, 1);
	st.out = out;
	st.source = source;
	st.doc_base = is_http_url(source) ? source : NULL;
	st.line_offset = count_lines(text, skip);
	if ((nul = memchr(text + skip, '\0', tlen - skip)) != NULL) {
		rc = util_err(err, "line %d: NUL byte in the XML",
		    count_lines(text, (size_t)(nul - text)) + 1);
	} else if (tlen - skip > INT_MAX) {
		rc = util_err(err, "the feed is too large");
	} else {
		rc = xml_run(text + skip, tlen - skip, &st);
		if (rc == -1)
			snprintf(err, ERR_LEN, "%s", st.err);
	}
	if (rc == 0 && st.chan_title != NULL)
		out->title = feed_field_text(st.chan_title,
		    strlen(st.chan_title), st.chan_title_type, FEED_TITLE_MAX,
		    1);
	state_release(&st);
	free(copy);
	return rc;
}
