/*
 * feed_detect: the kind of a source from its bytes alone (feed.h's
 * feed_detect), and the byte scanning the XML reader shares with it
 * (feed_reader.h).
 */
#include "feed_reader.h"
#include "charset.h"

#include <stdlib.h>
#include <string.h>

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

size_t
feed_skip_bom_space(const char *data, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len && is_space((unsigned char)data[i]))
		i++;
	return i;
}

int
feed_starts_ci(const char *s, size_t len, const char *prefix)
{
	size_t i, n = strlen(prefix);

	if (len < n)
		return 0;
	for (i = 0; i < n; i++)
		if ((s[i] | (feed_is_alpha((unsigned char)s[i]) ? 0x20 : 0)) !=
		    prefix[i])
			return 0;
	return 1;
}

const char *
feed_doctype_end(const char *s, size_t len, size_t i)
{
	int subset = 0;

	for (; i < len; i++) {
		if (s[i] == '[')
			subset++;
		else if (s[i] == ']' && subset > 0)
			subset--;
		else if (s[i] == '>' && subset == 0)
			return s + i;
	}
	return NULL;
}

/* Skips what may precede the root element: the XML declaration and
 * other processing instructions, comments, a doctype (with an internal
 * subset) and white space. Returns the offset of the root's '<', or len.
 * *doctype_html says whether the doctype was HTML's. */
static size_t
skip_prolog(const char *s, size_t len, size_t i, int *doctype_html,
    int *xml_decl)
{
	const char *end;

	*doctype_html = 0;
	*xml_decl = 0;
	while (i < len) {
		while (i < len && is_space((unsigned char)s[i]))
			i++;
		if (i + 1 >= len || s[i] != '<')
			return i;
		if (s[i + 1] == '?') {
			*xml_decl |= feed_starts_ci(s + i, len - i, "<?xml");
			end = memmem(s + i, len - i, "?>", 2);
			end = end ? end + 1 : NULL;
		} else if (feed_starts_ci(s + i, len - i, "<!--")) {
			end = memmem(s + i, len - i, "-->", 3);
			end = end ? end + 2 : NULL;
		} else if (feed_starts_ci(s + i, len - i, "<!doctype")) {
			*doctype_html |= feed_starts_ci(s + i + 9, len - i - 9,
			    " html");
			end = feed_doctype_end(s, len, i);
		} else {
			return i;
		}
		if (end == NULL)
			return len;
		i = (size_t)(end - s) + 1;
	}
	return i;
}

/* The elements that start an HTML page or fragment. */
static int
is_html_root(const char *name)
{
	static const char *const roots[] = { "html", "head", "body", "meta",
	    "title", "link", "script", "style", "div", "p", "a", "span", "img",
	    "table", "form", "center", "font", "b", "i", "br", "h1", "h2", "h3",
	    "ul", "ol", "section", "article", "main", "header", "nav",
	    "iframe", "noscript", "pre", "frameset", "blockquote" };
	size_t i;

	for (i = 0; i < NELEM(roots); i++)
		if (strcmp(name, roots[i]) == 0)
			return 1;
	return 0;
}

static enum feed_kind
detect_markup(const char *s, size_t len, size_t i)
{
	char name[32];
	int doctype_html, xml_decl, prefixed = 0;
	size_t n = 0, k;

	i = skip_prolog(s, len, i, &doctype_html, &xml_decl);
	if (doctype_html)
		return FEED_HTML_PAGE;
	if (i + 1 >= len || s[i] != '<')
		return xml_decl ? FEED_UNKNOWN : FEED_TEXT_PAGE;
	for (i++; i < len && !is_space((unsigned char)s[i]) && s[i] != '>' &&
	    s[i] != '/' && n + 1 < sizeof(name); i++) {
		/* The local name: a prefix ("rdf:") is dropped. */
		if (s[i] == ':') {
			prefixed = 1;
			n = 0;
		} else {
			name[n++] = s[i];
		}
	}
	name[n] = '\0';
	if (strcmp(name, "rss") == 0)
		return FEED_RSS;
	if (strcmp(name, "RDF") == 0)
		return FEED_RDF;
	if (strcmp(name, "feed") == 0)
		return FEED_ATOM;
	for (k = 0; k < n; k++)
		if (feed_is_alpha((unsigned char)name[k]))
			name[k] |= 0x20;
	if (!prefixed && is_html_root(name))
		return FEED_HTML_PAGE;
	return xml_decl || n > 0 ? FEED_UNKNOWN : FEED_TEXT_PAGE;
}

/* A JSON object with a "version" member whose value is a jsonfeed.org
 * version URL. A scan, not a parse: feed_parse checks the rest. */
static int
is_jsonfeed(const char *s, size_t len)
{
	const char *p = s, *end = s + len, *v;

	while ((p = memmem(p, (size_t)(end - p), "\"version\"", 9)) != NULL) {
		v = p + 9;
		p = v;
		while (v < end && is_space((unsigned char)*v))
			v++;
		if (v >= end || *v++ != ':')
			continue;
		while (v < end && is_space((unsigned char)*v))
			v++;
		if (feed_starts_ci(v, (size_t)(end - v),
		    "\"https://jsonfeed.org/version/") ||
		    feed_starts_ci(v, (size_t)(end - v),
		    "\"http://jsonfeed.org/version/"))
			return 1;
	}
	return 0;
}

int
feed_is_utf16(const char *data, size_t len)
{
	const unsigned char *s = (const unsigned char *)data;

	return len >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE &&
	    s[1] == 0xFF) || (len >= 4 && (memcmp(s, "<\0?\0", 4) == 0 ||
	    memcmp(s, "\0<\0?", 4) == 0)));
}

/* UTF-16 content is detected on its first 1 KB converted to UTF-8. */
static enum feed_kind
detect_utf16(const char *data, size_t len)
{
	char name[CHARSET_NAME_MAX], *utf8 = NULL;
	size_t n = 0;
	enum feed_kind kind = FEED_UNKNOWN;

	charset_decide(data, len < 1024 ? len : 1024, NULL, name);
	if (charset_to_utf8(data, len < 1024 ? len : 1024, name, &utf8, &n,
	    NULL) == 0 && memchr(utf8, '\0', n) == NULL)
		kind = feed_detect(utf8, n);
	free(utf8);
	return kind;
}

enum feed_kind
feed_detect(const char *data, size_t len)
{
	size_t i = feed_skip_bom_space(data, len);
	size_t head = len < 1024 ? len : 1024;

	if (feed_is_utf16(data, len))
		return detect_utf16(data, len);
	if (memchr(data, '\0', head) != NULL || i >= len)
		return FEED_UNKNOWN;
	if (data[i] == '<')
		return detect_markup(data, len, i);
	if (data[i] == '{')
		return is_jsonfeed(data + i, len - i) ? FEED_JSONFEED :
		    FEED_JSON_ARTICLES;
	if (data[i] == '[')
		return FEED_JSON_ARTICLES;
	return FEED_TEXT_PAGE;
}

const char *
feed_kind_name(enum feed_kind kind)
{
	static const char *const names[] = { "unknown", "rss", "rdf", "atom",
	    "jsonfeed", "json", "html", "text" };

	return (size_t)kind < NELEM(names) ? names[kind] : "unknown";
}
