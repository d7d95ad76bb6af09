/*
 * feed_json: JSON Feed 1.x and digest's own JSON articles, read by
 * jansson into the items feed.h describes.
 */
#include "feed_reader.h"
#include "charset.h"
#include "date.h"
#include "url.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Adds a comma-separated list as tags: split on commas outside
 * parentheses (digest's own JSON "tags": "a, b"). */
static void
add_tags(struct article *a, const char *s, size_t len)
{
	size_t i, start = 0;
	int paren = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '(')
			paren++;
		else if (s[i] == ')' && paren > 0)
			paren--;
		else if (s[i] == ',' && paren == 0) {
			article_tag_add(a, s + start, i - start);
			start = i + 1;
		}
	}
	article_tag_add(a, s + start, len - start);
}

static const char *
json_str(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A JSON string as one line of plain text; NULL when absent or empty. */
static char *
json_plain_line(const char *s)
{
	return s ? feed_field_text(s, strlen(s), FEED_TEXT_PLAIN,
	    FEED_TITLE_MAX, 1) : NULL;
}

/* A JSON string as a body of that type: allocated, or NULL when empty. */
static char *
json_body(const char *s, enum feed_text type)
{
	return feed_field_text(s, strlen(s), type, FEED_BODY_MAX, 0);
}

/* The first of a JSON Feed item's dates that date_parse() reads, else
 * 0, with a note for item n when it had one. */
static int64_t
jsonfeed_date(const json_t *it, struct feed *out, size_t n)
{
	static const char *const keys[] = { "date_published",
	    "date_modified" };
	const char *s, *bad = NULL;
	int64_t t;
	size_t i;

	for (i = 0; i < NELEM(keys); i++) {
		if ((s = json_str(it, keys[i])) == NULL)
			continue;
		if (date_parse(s, strlen(s), &t) == 0)
			return t;
		if (bad == NULL)
			bad = s;
	}
	if (bad != NULL)
		feed_note_undated(out, n, bad, strlen(bad));
	return 0;
}

static void
jsonfeed_item(const json_t *it, const char *base, const char *source,
    struct feed *out, size_t n, struct article *a)
{
	const json_t *id = json_object_get(it, "id"), *v;
	const char *s, *url;
	char num[32];
	size_t i;

	if (json_is_integer(id)) {
		snprintf(num, sizeof(num), "%lld",
		    (long long)json_integer_value(id));
		a->guid = xstrdup(num);
	} else if ((s = json_str(it, "id")) != NULL) {
		a->guid = feed_trimmed(s, strlen(s));
	}
	url = json_str(it, "url") ? json_str(it, "url") :
	    json_str(it, "external_url");
	if (url != NULL && (a->url = feed_trimmed(url, strlen(url))) != NULL &&
	    base != NULL && !url_has_scheme(a->url)) {
		char *r = url_resolve(a->url, base);

		free(a->url);
		a->url = r;
	}
	a->title = json_plain_line(json_str(it, "title"));
	if ((s = json_str(it, "content_html")) != NULL)
		a->body = json_body(s, FEED_TEXT_HTML);
	else if ((s = json_str(it, "content_text")) != NULL ||
	    (s = json_str(it, "summary")) != NULL)
		a->body = json_body(s, FEED_TEXT_PLAIN);
	a->published = jsonfeed_date(it, out, n);
	v = json_array_get(json_object_get(it, "authors"), 0);
	if (!json_is_object(v))
		v = json_object_get(it, "author");
	a->author = json_plain_line(json_str(v, "name"));
	v = json_object_get(it, "tags");
	for (i = 0; json_is_array(v) && i < json_array_size(v); i++)
		if ((s = json_string_value(json_array_get(v, i))) != NULL)
			article_tag_add(a, s, strlen(s));
	if (a->body == NULL)
		a->body = xstrdup("");
	a->source = source ? xstrdup(source) : NULL;
}

static int
parse_jsonfeed(const json_t *root, const char *source, struct feed *out,
    char *err)
{
	const json_t *items = json_object_get(root, "items");
	const char *base = json_str(root, "home_page_url");
	size_t i;

	if (!json_is_object(root) || !json_is_array(items))
		return util_err(err, "JSON Feed without an \"items\" array");
	if (base == NULL)
		base = json_str(root, "feed_url");
	out->title = json_plain_line(json_str(root, "title"));
	for (i = 0; i < json_array_size(items); i++) {
		const json_t *it = json_array_get(items, i);

		struct article a;

		if (!json_is_object(it))
			continue;
		article_init(&a);
		jsonfeed_item(it, base, source, out, i + 1, &a);
		/* An entry with neither a title nor a text is nothing. */
		if (a.title == NULL && *a.body == '\0')
			article_release(&a);
		else
			*article_list_push(&out->items) = a;
	}
	return 0;
}

/* A key of the article shape: absent (0), of the right type (1), or of a
 * wrong one (-1, with err). */
static int
jarticle_key(const json_t *obj, const char *key, json_type type, size_t n,
    const json_t **v, char *err)
{
	static const char *const types[] = { "an object", "an array",
	    "a string", "an integer", "a number", "true", "false", "null" };

	*v = json_object_get(obj, key);
	if (*v == NULL || json_is_null(*v))
		return 0;
	if (json_typeof(*v) == type || (type == JSON_REAL &&
	    json_is_integer(*v)))
		return 1;
	return util_err(err, "item %zu: \"%s\" is not %s", n, key,
	    types[type]);
}

/* The first of two alternative string keys. */
static int
jarticle_string(const json_t *obj, const char *key, const char *alt,
    size_t n, const char **s, char *err)
{
	const json_t *v;
	int rc = jarticle_key(obj, key, JSON_STRING, n, &v, err);

	if (rc == 0 && alt != NULL)
		rc = jarticle_key(obj, alt, JSON_STRING, n, &v, err);
	*s = rc == 1 ? json_string_value(v) : NULL;
	return rc;
}

static int
jarticle_tags(const json_t *obj, size_t n, struct article *a, char *err)
{
	const json_t *v = json_object_get(obj, "tags"), *t;
	size_t i;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		add_tags(a, json_string_value(v), json_string_length(v));
		return 0;
	}
	if (!json_is_array(v))
		return util_err(err, "item %zu: \"tags\" is not an array or a "
		    "string", n);
	json_array_foreach(v, i, t) {
		if (!json_is_string(t))
			return util_err(err, "item %zu: \"tags\" holds a "
			    "non-string", n);
		article_tag_add(a, json_string_value(t), json_string_length(t));
	}
	return 0;
}

static int
jarticle_date(const json_t *obj, size_t n, struct article *a, char *err)
{
	const json_t *v = json_object_get(obj, "published");

	if (v == NULL || json_is_null(v))
		v = json_object_get(obj, "date");
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		/* Seconds since 1970; a date no other shape could give (in
		 * milliseconds, say) would be shown as nonsense. */
		if (json_integer_value(v) < DATE_MIN ||
		    json_integer_value(v) > DATE_MAX)
			return util_err(err, "item %zu: \"published\": %lld is "
			    "not a date (seconds since 1970, years 1 to 9999)",
			    n, (long long)json_integer_value(v));
		a->published = json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return util_err(err, "item %zu: \"published\" is not a string "
		    "or an integer", n);
	if (date_parse(json_string_value(v), json_string_length(v),
	    &a->published) == -1)
		return util_err(err, "item %zu: \"published\": '%.40s' is not "
		    "a date", n, json_string_value(v));
	return 0;
}

static int
jarticle_body(const json_t *obj, size_t n, struct article *a, char *err)
{
	const char *s;
	int rc;

	if ((rc = jarticle_string(obj, "body", NULL, n, &s, err)) == -1)
		return -1;
	if (rc == 1) {
		a->body = json_body(s, FEED_TEXT_PLAIN);
		return 0;
	}
	if ((rc = jarticle_string(obj, "html", "content", n, &s, err)) == -1)
		return -1;
	if (rc == 1) {
		a->body = json_body(s, FEED_TEXT_HTML);
		return 0;
	}
	if (jarticle_string(obj, "summary", NULL, n, &s, err) == -1)
		return -1;
	if (s != NULL)
		a->body = json_body(s, FEED_TEXT_PLAIN);
	return 0;
}

static int
jarticle_guid(const json_t *obj, size_t n, struct article *a, char *err)
{
	const json_t *v;
	const char *s;
	char num[32];

	if (jarticle_string(obj, "guid", NULL, n, &s, err) == -1)
		return -1;
	if (s == NULL && (v = json_object_get(obj, "id")) != NULL &&
	    json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld",
		    (long long)json_integer_value(v));
		a->guid = xstrdup(num);
		return 0;
	}
	if (s == NULL && jarticle_string(obj, "id", NULL, n, &s, err) == -1)
		return -1;
	a->guid = s ? feed_trimmed(s, strlen(s)) : NULL;
	return 0;
}

static int
json_article(const json_t *obj, size_t n, const char *source,
    struct article *a, char *err)
{
	const char *s;

	if (!json_is_object(obj))
		return util_err(err, "item %zu: not an object", n);
	if (jarticle_string(obj, "title", NULL, n, &s, err) == -1)
		return -1;
	if (s == NULL || (a->title = json_plain_line(s)) == NULL)
		return util_err(err, "item %zu: no \"title\"", n);
	if (jarticle_string(obj, "url", NULL, n, &s, err) == -1)
		return -1;
	a->url = s ? feed_trimmed(s, strlen(s)) : NULL;
	if (jarticle_string(obj, "author", NULL, n, &s, err) == -1)
		return -1;
	a->author = json_plain_line(s);
	if (jarticle_guid(obj, n, a, err) == -1 ||
	    jarticle_date(obj, n, a, err) == -1 ||
	    jarticle_tags(obj, n, a, err) == -1 ||
	    jarticle_body(obj, n, a, err) == -1)
		return -1;
	if (a->body == NULL)
		a->body = xstrdup("");
	a->source = source ? xstrdup(source) : NULL;
	return 0;
}

static int
parse_json_articles(const json_t *root, const char *source,
    struct feed *out, char *err)
{
	size_t i;

	if (json_is_object(root))
		return json_article(root, 1, source,
		    article_list_push(&out->items), err);
	for (i = 0; i < json_array_size(root); i++)
		if (json_article(json_array_get(root, i), i + 1, source,
		    article_list_push(&out->items), err) == -1)
			return -1;
	return 0;
}

int
feed_json_parse(const char *data, size_t len, const char *charset,
    const char *source, struct feed *out, char *err)
{
	char enc[CHARSET_NAME_MAX], *copy = NULL;
	json_error_t jerr;
	json_t *root;
	size_t skip;
	int rc;

	/* RFC 8259: UTF-8; anything else is converted as declared. */
	charset_decide(data, len, charset, enc);
	if (!charset_is_utf8(enc) || !charset_utf8_valid(data, len)) {
		if (feed_to_utf8(data, len, enc, &copy, &len, err) == -1)
			return -1;
		data = copy;
	}
	skip = feed_skip_bom_space(data, len);
	root = json_loadb(data + skip, len - skip, 0, &jerr);
	free(copy);
	if (root == NULL)
		return util_err(err, "line %d, column %d: %s", jerr.line,
		    jerr.column, jerr.text);
	if (out->kind == FEED_JSONFEED)
		rc = parse_jsonfeed(root, source, out, err);
	else
		rc = parse_json_articles(root, source, out, err);
	json_decref(root);
	return rc;
}
