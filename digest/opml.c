#include "opml.h"
#include "buf.h"
#include "util.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OPML_DEPTH_MAX 32	/* folders within folders */
#define OPML_TAG_BYTES 256	/* one category or folder name */

/* The folder names around an outline: its tags from where it sits. */
struct opml_path {
	char *names[OPML_DEPTH_MAX];	/* borrowed from the document */
	size_t n;
};

static void
opml_feed_release(struct opml_feed *f)
{
	size_t i;

	free(f->url);
	free(f->title);
	for (i = 0; i < f->ntags; i++)
		free(f->tags[i]);
	memset(f, 0, sizeof(*f));
}

void
opml_list_release(struct opml_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		opml_feed_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void
opml_tag_add(struct opml_feed *f, const char *s, size_t len)
{
	while (len > 0 && (*s == ' ' || *s == '/')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '/'))
		len--;
	if (len == 0 || len > OPML_TAG_BYTES || f->ntags == OPML_TAGS_MAX)
		return;
	f->tags[f->ntags++] = xstrndup(s, len);
}

/* category="/Tags/climate,science": each entry's last path part. */
static void
opml_categories(struct opml_feed *f, const char *cat)
{
	const char *p = cat, *end, *slash;
	size_t len;

	while (*p != '\0') {
		len = strcspn(p, ",");
		end = p + len;
		while (end > p && (end[-1] == ' ' || end[-1] == '/'))
			end--;
		for (slash = end; slash > p && slash[-1] != '/'; slash--)
			;
		opml_tag_add(f, slash, (size_t)(end - slash));
		p += len + (p[len] == ',');
	}
}

/* An attribute's value, or NULL: returns an allocated string; caller
 * frees with xmlFree. */
static char *
opml_attr(xmlNode *n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

static void
opml_feed_add(xmlNode *n, const char *url, const struct opml_path *path,
    struct opml_list *out)
{
	struct opml_feed *f;
	char *text = opml_attr(n, "text"), *title = opml_attr(n, "title"),
	    *cat = opml_attr(n, "category");
	size_t i;

	xgrow(&out->v, &out->cap, out->n + 1, sizeof(*out->v));
	f = &out->v[out->n++];
	memset(f, 0, sizeof(*f));
	f->url = xstrdup(url);
	if (title != NULL && *title != '\0')
		f->title = xstrdup(title);
	else if (text != NULL && *text != '\0')
		f->title = xstrdup(text);
	for (i = 0; i < path->n; i++)
		opml_tag_add(f, path->names[i], strlen(path->names[i]));
	if (cat != NULL)
		opml_categories(f, cat);
	f->line = xmlGetLineNo(n);
	xmlFree(text);
	xmlFree(title);
	xmlFree(cat);
}

/* The outlines under parent: feeds, and folders whose names become the
 * tags of the feeds inside them. */
static void
opml_walk(xmlNode *parent, struct opml_path *path, int depth,
    struct opml_list *out)
{
	xmlNode *n;
	char *url, *name;

	for (n = parent->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)n->name, "outline") != 0)
			continue;
		if ((url = opml_attr(n, "xmlUrl")) != NULL) {
			opml_feed_add(n, url, path, out);
			xmlFree(url);
			continue;
		}
		if (depth == OPML_DEPTH_MAX)
			continue;
		name = opml_attr(n, "text");
		if (name == NULL)
			name = opml_attr(n, "title");
		if (name != NULL)
			path->names[path->n++] = name;
		opml_walk(n, path, depth + 1, out);
		if (name != NULL) {
			path->n--;
			xmlFree(name);
		}
	}
}

int
opml_from_text(const char *data, size_t len, struct opml_list *out,
    char *err)
{
	struct opml_path path;
	xmlNode *root, *n;
	xmlDoc *doc;

	if (len > (size_t)INT32_MAX)
		return util_err(err, "too large");
	/* Never XML_PARSE_NOENT: entities stay unexpanded (deps.md). */
	doc = xmlReadMemory(data, (int)len, NULL, NULL, XML_PARSE_NONET |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (doc == NULL) {
		const xmlError *e = xmlGetLastError();

		return util_err(err, "not XML: line %d: %s", e ? e->line : 0,
		    e && e->message ? e->message : "malformed");
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || strcmp((const char *)root->name, "opml") != 0) {
		xmlFreeDoc(doc);
		return util_err(err, "not OPML: the root element is not <opml>");
	}
	memset(&path, 0, sizeof(path));
	for (n = root->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, "body") == 0)
			opml_walk(n, &path, 0, out);
	xmlFreeDoc(doc);
	return 0;
}

static int
opml_prop(xmlNode *n, const char *name, const char *value)
{
	return xmlNewProp(n, (const xmlChar *)name, (const xmlChar *)value) ==
	    NULL ? -1 : 0;
}

/* One feed's outline: type, text, title, xmlUrl and its tags. */
static int
opml_outline(xmlNode *body, const struct opml_feed *f)
{
	xmlNode *o = xmlNewChild(body, NULL, (const xmlChar *)"outline", NULL);
	const char *title = f->title != NULL ? f->title : f->url;
	struct buf cat;
	size_t i;
	int rc;

	if (o == NULL)
		return -1;
	buf_init(&cat, OPML_TAGS_MAX * (OPML_TAG_BYTES + 1));
	for (i = 0; i < f->ntags; i++)
		buf_printf(&cat, "%s%s", i ? "," : "", f->tags[i]);
	rc = opml_prop(o, "type", "rss") | opml_prop(o, "text", title) |
	    opml_prop(o, "title", title) | opml_prop(o, "xmlUrl", f->url);
	if (rc == 0 && f->ntags > 0)
		rc = opml_prop(o, "category", buf_cstr(&cat));
	buf_release(&cat);
	return rc;
}

int
opml_to_text(const struct opml_feed *v, size_t n, const char *title,
    int64_t now, struct buf *out, char *err)
{
	xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *root, *head, *body;
	xmlChar *mem = NULL;
	time_t t = (time_t)now;
	char date[64];
	struct tm tm;
	int size = 0, rc = 0;
	size_t i;

	gmtime_r(&t, &tm);
	if (strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm) ==
	    0)
		date[0] = '\0';
	root = doc ? xmlNewNode(NULL, (const xmlChar *)"opml") : NULL;
	if (root == NULL) {
		xmlFreeDoc(doc);
		return util_err(err, "out of memory");
	}
	xmlDocSetRootElement(doc, root);
	rc |= opml_prop(root, "version", "2.0");
	head = xmlNewChild(root, NULL, (const xmlChar *)"head", NULL);
	rc |= head == NULL || xmlNewTextChild(head, NULL,
	    (const xmlChar *)"title", (const xmlChar *)title) == NULL ||
	    xmlNewTextChild(head, NULL, (const xmlChar *)"dateCreated",
	    (const xmlChar *)date) == NULL ? -1 : 0;
	body = xmlNewChild(root, NULL, (const xmlChar *)"body", NULL);
	rc |= body == NULL ? -1 : 0;
	for (i = 0; rc == 0 && i < n; i++)
		rc |= opml_outline(body, &v[i]);
	if (rc == 0)
		xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
	if (rc == 0 && mem != NULL)
		rc = buf_append(out, (const char *)mem, (size_t)size);
	else
		rc = -1;
	xmlFree(mem);
	xmlFreeDoc(doc);
	return rc == 0 ? 0 : util_err(err, "cannot write the OPML document");
}
