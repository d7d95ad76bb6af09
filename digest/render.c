#include "render.h"
#include "addr.h"
#include "template.h"
#include "utf8.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const month_names[] = { "January", "February", "March",
    "April", "May", "June", "July", "August", "September", "October",
    "November", "December" };

struct template *
render_template_load(const char *dir, const char *file, char *err)
{
	struct template *t;
	char path[4096], *text, e[ERR_LEN];
	size_t len;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >=
	    (int)sizeof(path)) {
		util_err(err, "templates directory name too long");
		return NULL;
	}
	if (util_read_file(path, RENDER_MAX_BYTES, &text, &len, e) == -1) {
		/* Missing templates are a setting to fix: say which. */
		if (errno == ENOENT || errno == ENOTDIR)
			util_err(err, "%s; the templates directory is set with "
			    "'templates = DIR' in the configuration (or "
			    "--templates DIR)", e);
		else
			util_err(err, "%s", e);
		return NULL;
	}
	t = template_compile(text, len, path, template_load_dir, (void *)dir,
	    err);
	free(text);
	/* cppcheck-suppress CastIntegerToAddressAtReturn ; reads "struct template" as C++ */
	return t;
}

int
render_templates_load(struct render_templates *t, const char *dir,
    const char *subject, char *err)
{
	memset(t, 0, sizeof(*t));
	t->dir = xstrdup(dir);
	t->html = render_template_load(t->dir, "digest.html.mustache", err);
	if (t->html != NULL)
		t->text = render_template_load(t->dir, "digest.txt.mustache", err);
	if (t->text != NULL)
		t->subject = template_compile(subject, strlen(subject),
		    "the subject", NULL, NULL, err);
	if (t->subject == NULL) {
		render_templates_release(t);
		return -1;
	}
	return 0;
}

void
render_templates_release(struct render_templates *t)
{
	template_free(t->html);
	template_free(t->text);
	template_free(t->subject);
	free(t->dir);
	memset(t, 0, sizeof(*t));
}

/* "2026-11-27" and "27 November 2026", in English whatever the locale. */
static void
render_dates(int64_t when, char day[32], char longday[48])
{
	time_t t = (time_t)when;
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(day, 32, "%04d-%02d-%02d", tm.tm_year + 1900,
	    (tm.tm_mon + 1) % 100, tm.tm_mday % 100);
	snprintf(longday, 48, "%d %s %04d", tm.tm_mday % 100,
	    month_names[tm.tm_mon % 12], tm.tm_year + 1900);
}

/* A JSON string; NULL stays "" so that templates need no guards. */
static json_t *
str(const char *s)
{
	return util_json_string(s ? s : "");
}

static json_t *
render_tags(const char *const *tags, size_t n, json_t *parent,
    const char *has_key, const char *text_key)
{
	json_t *arr = json_array();
	struct buf text;
	size_t i;

	buf_init(&text, 1u << 16);
	for (i = 0; i < n; i++) {
		json_array_append_new(arr, str(tags[i]));
		buf_printf(&text, "%s%s", i ? ", " : "", tags[i]);
	}
	json_object_set_new(parent, has_key, json_boolean(n > 0));
	json_object_set_new(parent, text_key, str(buf_cstr(&text)));
	buf_release(&text);
	return arr;
}

/* Only http(s) links reach a template: escaping cannot make a
 * "javascript:" or "data:" link from a feed harmless. */
static const char *
render_safe_url(const char *url)
{
	if (url != NULL && (strncasecmp(url, "https://", 8) == 0 ||
	    strncasecmp(url, "http://", 7) == 0))
		return url;
	return NULL;
}

static json_t *
render_article(const struct article *a, size_t number)
{
	const char *url = render_safe_url(a->url);
	json_t *o = json_object();
	char day[32], longday[48];

	render_dates(a->published, day, longday);
	json_object_set_new(o, "number", json_integer((json_int_t)number));
	json_object_set_new(o, "title", str(a->title));
	json_object_set_new(o, "url", str(url));
	json_object_set_new(o, "has_url", json_boolean(url != NULL));
	json_object_set_new(o, "lead", str(a->lead));
	json_object_set_new(o, "author", str(a->author));
	json_object_set_new(o, "has_author", json_boolean(a->author &&
	    *a->author));
	json_object_set_new(o, "date", str(day));
	json_object_set_new(o, "date_long", str(longday));
	json_object_set_new(o, "tags", render_tags((const char *const *)a->tags,
	    a->ntags, o, "has_tags", "tags_text"));
	return o;
}

json_t *
render_newsletter_data(const struct config *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", str(c->name));
	json_object_set_new(o, "url", str(c->url));
	json_object_set_new(o, "language", str(c->language));
	json_object_set_new(o, "from_name", str(c->from_name));
	json_object_set_new(o, "from_address", str(c->from_address));
	return o;
}

/* "The Harbor Ledger, week 48" for an ISO week id, else with the date. */
static json_t *
render_edition_title(const struct config *c, const char *id,
    const char *longday)
{
	const char *week = strstr(id, "-W");
	long long n;
	json_t *j;
	struct buf b;

	buf_init(&b, 4096);
	if (week != NULL && util_parse_long(week + 2, 1, 53, &n) == 0)
		buf_printf(&b, "%s, week %lld", c->name, n);
	else
		buf_printf(&b, "%s, %s", c->name, longday);
	j = str(buf_cstr(&b));
	buf_release(&b);
	return j;
}

/* What a mail client shows beside the subject. */
static json_t *
render_preheader(const struct article_list *l)
{
	json_t *j;
	struct buf b;

	buf_init(&b, 4096);
	if (l->n == 0)
		buf_puts(&b, "No new stories this time");
	else
		buf_puts(&b, l->v[0].title ? l->v[0].title : "");
	if (l->n > 1)
		buf_printf(&b, ", and %zu more %s", l->n - 1,
		    l->n == 2 ? "story" : "stories");
	j = str(buf_cstr(&b));
	buf_release(&b);
	return j;
}

static json_t *
render_edition(const struct config *c, const char *id, int64_t date,
    const struct article_list *l)
{
	json_t *o = json_object(), *title;
	char day[32], longday[48];

	render_dates(date, day, longday);
	title = render_edition_title(c, id, longday);
	json_object_set_new(o, "id", str(id));
	json_object_set_new(o, "date", str(day));
	json_object_set_new(o, "date_long", str(longday));
	json_object_set(o, "title", title);
	json_object_set_new(o, "headline", l->n && l->v[0].title ?
	    str(l->v[0].title) : json_incref(title));
	json_object_set_new(o, "preheader", render_preheader(l));
	json_decref(title);
	return o;
}

json_t *
render_edition_data(const struct config *c, const char *edition_id,
    int64_t date, const struct article_list *articles)
{
	json_t *d = json_object(), *arr = json_array(), *links = json_array();
	size_t i;

	for (i = 0; i < articles->n; i++) {
		const struct article *a = &articles->v[i];

		json_array_append_new(arr, render_article(a, i + 1));
		if (render_safe_url(a->url) != NULL) {
			json_t *link = json_object();

			json_object_set_new(link, "number",
			    json_integer((json_int_t)i + 1));
			json_object_set_new(link, "url", str(a->url));
			json_array_append_new(links, link);
		}
	}
	json_object_set_new(d, "newsletter", render_newsletter_data(c));
	json_object_set_new(d, "edition", render_edition(c, edition_id, date,
	    articles));
	json_object_set_new(d, "articles", arr);
	json_object_set_new(d, "count", json_integer((json_int_t)articles->n));
	json_object_set_new(d, "has_articles", json_boolean(articles->n > 0));
	json_object_set_new(d, "links", links);
	return d;
}

json_t *
render_subscriber_data(const char *email, const char *name,
    const char *const *tags, size_t ntags)
{
	json_t *sub = json_object();
	char *shown = email ? addr_display(email) : NULL;	/* owned */

	json_object_set_new(sub, "email", str(shown));
	free(shown);
	json_object_set_new(sub, "name", str(name));
	json_object_set_new(sub, "has_name", json_boolean(name && *name));
	json_object_set_new(sub, "tags", render_tags(tags, ntags, sub,
	    "has_tags", "tags_text"));
	return sub;
}

json_t *
render_reader_data(json_t *edition, const struct render_reader *r)
{
	json_t *d = json_object(), *sub, *urls = json_object();
	const char *key;
	json_t *v;

	/* The edition's values are shared, not copied: one article set
	 * serves every reader who gets it. */
	json_object_foreach(edition, key, v)
		json_object_set(d, key, v);
	sub = render_subscriber_data(r->email, r->name, r->tags, r->ntags);
	json_object_set_new(urls, "unsubscribe", str(r->unsubscribe_url));
	json_object_set_new(urls, "preferences", str(r->preferences_url));
	json_object_set_new(urls, "web_view", str(r->web_view_url));
	json_object_set_new(d, "subscriber", sub);
	json_object_set_new(d, "urls", urls);
	return d;
}

int
render_digest(struct render_templates *t, const json_t *data, int text_width,
    struct buf *subject, struct buf *html, struct buf *text, char *err)
{
	char *wrapped, *one;
	size_t len;

	buf_truncate(subject, 0);
	buf_truncate(html, 0);
	buf_truncate(text, 0);
	if (template_render(t->subject, data, subject, err) == -1 ||
	    template_render(t->html, data, html, err) == -1 ||
	    template_render(t->text, data, text, err) == -1)
		return -1;
	wrapped = render_text_wrap(buf_cstr(text), text->len,
	    (size_t)text_width);
	buf_truncate(text, 0);
	(void)buf_puts(text, wrapped);
	free(wrapped);
	/* A subject is one line, whatever the template or the data did. */
	one = render_text_wrap(buf_cstr(subject), subject->len, 0);
	for (len = 0; one[len] != '\0'; len++)
		if (one[len] == '\n')
			one[len] = ' ';
	while (len > 0 && one[len - 1] == ' ')
		len--;
	buf_truncate(subject, 0);
	(void)buf_append(subject, one, len);
	free(one);
	return 0;
}

/*
 * Text wrapping.
 */

/* The indentation a continuation of line [s, s+n) takes, in bytes: its
 * leading spaces, plus a bullet's width. */
static size_t
wrap_indent(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] == ' ')
		i++;
	if (i + 1 < n && (s[i] == '-' || s[i] == '*') && s[i + 1] == ' ')
		i += 2;
	return i;
}

/* "[12] https://...": a link of the text part's list, never broken. */
static int
wrap_is_link(const char *s, size_t n)
{
	size_t i = 1;

	if (n < 4 || s[0] != '[')
		return 0;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i > 1 && i + 1 < n && s[i] == ']' && s[i + 1] == ' ';
}

/* Appends one line, wrapped at width characters (0: no wrapping). */
static void
wrap_line(struct buf *out, const char *s, size_t n, size_t width)
{
	size_t indent = wrap_indent(s, n), col, start, end, word, chars;
	int first = 1;

	if (wrap_is_link(s, n))
		width = 0;

	/* Leading spaces of the first line are kept as they are. */
	(void)buf_append(out, s, indent);
	col = utf8_count(s, indent);
	start = indent;
	while (start < n) {
		while (start < n && s[start] == ' ')
			start++;
		if (start >= n)
			break;
		for (end = start; end < n && s[end] != ' '; end++)
			;
		word = end - start;
		chars = utf8_count(s + start, word);
		if (!first && width > 0 && col + 1 + chars > width) {
			(void)buf_putc(out, '\n');
			for (col = 0; col < indent; col++)
				(void)buf_putc(out, ' ');
		} else if (!first) {
			(void)buf_putc(out, ' ');
			col++;
		}
		(void)buf_append(out, s + start, word);
		col += chars;
		first = 0;
		start = end;
	}
	(void)buf_putc(out, '\n');
}

char *
render_text_wrap(const char *text, size_t len, size_t width)
{
	struct buf out;
	size_t i = 0, end, n, blank = 0;

	buf_init(&out, len * 2 + 64);
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);

		end = nl ? (size_t)(nl - text) : len;
		n = end - i;
		while (n > 0 && (text[i + n - 1] == ' ' ||
		    text[i + n - 1] == '\t' || text[i + n - 1] == '\r'))
			n--;
		/* "-- " keeps its space: it is the signature separator. */
		if (n == 2 && end - i >= 3 && memcmp(text + i, "-- ", 3) == 0) {
			if (blank > 0 && out.len > 0)
				(void)buf_putc(&out, '\n');
			blank = 0;
			(void)buf_puts(&out, "-- \n");
			i = end + 1;
			continue;
		}
		if (n == 0) {
			blank++;
		} else {
			/* At most one blank line between paragraphs, none
			 * before the first. */
			if (blank > 0 && out.len > 0)
				(void)buf_putc(&out, '\n');
			blank = 0;
			wrap_line(&out, text + i, n, width);
		}
		i = end + 1;
	}
	return buf_detach(&out, NULL);
}
