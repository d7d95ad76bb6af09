/*
 * render: a digest as the subscriber reads it, from templates.
 *
 * The data every template gets is built here, and only here (README,
 * "Templates", documents it): the newsletter, the edition, the subscriber,
 * the articles with their numbers, the links of the text part and the
 * subscriber's URLs. Rendering gives the subject, the HTML part and the
 * plain text part; the text is then wrapped at the configured width with
 * link lines ("[3] https://...") kept whole.
 */
#ifndef DIGEST_RENDER_H
#define DIGEST_RENDER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "article.h"
#include "buf.h"
#include "config.h"

struct template;

#define RENDER_MAX_BYTES (8u << 20)	/* the most one part may be */

/* The compiled templates of a digest, from a templates directory. */
struct render_templates {
	char *dir;			/* owned */
	struct template *html;		/* owned; digest.html.mustache */
	struct template *text;		/* owned; digest.txt.mustache */
	struct template *subject;	/* owned; the config's subject */
};

/* Compiles DIR/FILE, its partials found in DIR: the template (caller
 * frees), or NULL with err. */
struct template *render_template_load(const char *dir, const char *file,
    char *err);

/* The "newsletter" object every template is given (name, url, language,
 * from_name, from_address). Returns a new reference. */
json_t *render_newsletter_data(const struct config *c);

int render_templates_load(struct render_templates *t, const char *dir,
    const char *subject, char *err);
void render_templates_release(struct render_templates *t);

/* Who a digest is for; strings borrowed. */
struct render_reader {
	const char *email;
	const char *name;		/* may be NULL */
	const char *const *tags;
	size_t ntags;
	const char *unsubscribe_url;
	const char *preferences_url;
	const char *web_view_url;
};

/* The edition-wide part of the data (newsletter, edition, articles,
 * links, count): built once per article set and shared by every reader
 * who gets that set. Returns a new reference; caller decrefs. */
json_t *render_edition_data(const struct config *c, const char *edition_id,
    int64_t date, const struct article_list *articles);

/* The "subscriber" object (email, name, has_name, tags, has_tags,
 * tags_text). Returns a new reference. */
json_t *render_subscriber_data(const char *email, const char *name,
    const char *const *tags, size_t ntags);

/* The whole data for one reader: the edition's data plus subscriber and
 * urls. Returns a new reference; caller decrefs. */
json_t *render_reader_data(json_t *edition, const struct render_reader *r);

/* Renders the three parts into subject, html and text (emptied first).
 * 0, or -1 with err. */
int render_digest(struct render_templates *t, const json_t *data,
    int text_width, struct buf *subject, struct buf *html, struct buf *text,
    char *err);

/* Wraps each line of text longer than width characters at spaces; a
 * continuation keeps the line's indentation (and steps past a "- " or
 * "* " bullet); a word longer than width stands alone on its line. Also
 * drops trailing white space (but for the signature separator "-- ") and
 * turns runs of blank lines into one. Returns an
 * allocated string; caller frees. */
char *render_text_wrap(const char *text, size_t len, size_t width);

#endif
