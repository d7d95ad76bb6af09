/*
 * pages: the signup backend's pages and their data (pages.h).
 */
#include "pages.h"
#include "addr.h"
#include "buf.h"
#include "config.h"
#include "http.h"
#include "render.h"
#include "store.h"
#include "template.h"
#include "topics.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char *const pages_files[PAGE_COUNT] = {
	"subscribe.html.mustache", "check-inbox.html.mustache",
	"confirming.html.mustache", "confirmed.html.mustache",
	"link-used.html.mustache", "expired.html.mustache",
	"unsubscribe.html.mustache", "unsubscribed.html.mustache",
	"preferences.html.mustache", "error.html.mustache",
};

int
pages_load(struct pages *p, const struct config *c,
    const struct topics *topics, char *err)
{
	int i;

	memset(p, 0, sizeof(*p));
	p->c = c;
	p->topics = topics;
	for (i = 0; i < PAGE_COUNT; i++)
		if ((p->t[i] = render_template_load(c->templates,
		    pages_files[i], err)) == NULL)
			return -1;
	return 0;
}

void
pages_release(struct pages *p)
{
	int i;

	for (i = 0; i < PAGE_COUNT; i++)
		template_free(p->t[i]);
	memset(p->t, 0, sizeof(p->t));
}

/* An address as the page shows it, at key in form: "" for none. */
static void
pages_data_address(json_t *form, const char *key, const char *email)
{
	char *shown = addr_display(email ? email : "");	/* owned */

	json_object_set_new(form, key, json_string(shown));
	free(shown);
}

void
pages_data_suggest(json_t *d, const char *fix, const char *keep)
{
	json_t *form = json_object_get(d, "form");

	pages_data_address(form, "suggestion", fix);
	json_object_set_new(form, "has_suggestion", json_boolean(fix != NULL));
	pages_data_address(form, "keep", keep);
	json_object_set_new(form, "has_keep", json_boolean(keep != NULL));
}

json_t *
pages_data(const struct pages *p, const char *title, const char *message)
{
	json_t *d = json_object(), *urls = json_object(), *form = json_object();
	char link[PAGES_LINK_MAX];

	json_object_set_new(d, "newsletter", render_newsletter_data(p->c));
	json_object_set_new(d, "page", json_pack("{s:s}", "title", title));
	json_object_set_new(d, "message", json_string(message ? message : ""));
	config_page(p->c, "/subscribe", link, sizeof(link));
	json_object_set_new(urls, "subscribe", json_string(link));
	json_object_set_new(form, "action", json_string(link));
	json_object_set_new(form, "email", json_string(""));
	json_object_set_new(form, "name", json_string(""));
	json_object_set_new(form, "error", json_string(""));
	json_object_set_new(form, "has_error", json_false());
	json_object_set_new(d, "urls", urls);
	json_object_set_new(d, "form", form);
	json_object_set_new(d, "tags", topics_to_json(p->topics));
	pages_data_suggest(d, NULL, NULL);
	return d;
}

void
pages_data_form(json_t *d, const char *email, const char *name,
    char *const *tags, size_t ntags, const char *error)
{
	json_t *form = json_object_get(d, "form"), *t;
	size_t i, k;

	pages_data_address(form, "email", email);
	json_object_set_new(form, "name", json_string(name ? name : ""));
	json_object_set_new(form, "error", json_string(error ? error : ""));
	json_object_set_new(form, "has_error", json_boolean(error != NULL));
	json_array_foreach(json_object_get(d, "tags"), i, t) {
		const char *n = json_string_value(json_object_get(t, "name"));

		for (k = 0; k < ntags; k++)
			if (strcmp(n, tags[k]) == 0)
				json_object_set_new(t, "checked", json_true());
	}
}

/* The tags of a subscriber that are not on offer, added to the page's
 * topics, checked. */
static void
pages_data_own_tags(const struct pages *p, json_t *d, char *const *tags,
    size_t ntags)
{
	json_t *arr = json_object_get(d, "tags");
	size_t k;

	for (k = 0; k < ntags; k++)
		if (topics_label(p->topics, tags[k]) == tags[k])
			json_array_append_new(arr, json_pack("{s:s,s:s,s:b}",
			    "name", tags[k], "label", tags[k], "checked", 1));
}

void
pages_data_links(const struct pages *p, json_t *d,
    const struct store_subscriber *sub)
{
	json_t *urls = json_object_get(d, "urls");
	char link[PAGES_LINK_MAX];

	config_link(p->c, "/unsubscribe", sub->unsubscribe_token, link,
	    sizeof(link));
	json_object_set_new(urls, "unsubscribe", json_string(link));
	config_link(p->c, "/preferences", sub->preferences_token, link,
	    sizeof(link));
	json_object_set_new(urls, "preferences", json_string(link));
	json_object_set_new(d, "token", json_string(sub->preferences_token ?
	    sub->preferences_token : ""));
	pages_data_own_tags(p, d, sub->tags, sub->ntags);
	pages_data_form(d, sub->email, sub->name, sub->tags, sub->ntags, NULL);
	json_object_set_new(json_object_get(d, "form"), "action",
	    json_string(link));
	config_page(p->c, "/resubscribe", link, sizeof(link));
	json_object_set_new(urls, "resubscribe", json_string(link));
	json_object_set_new(d, "suppressed", json_boolean(
	    store_status_suppressed(sub->status)));
	json_object_set_new(d, "status_text", json_string(
	    sub->status == STORE_BOUNCED ? "no longer receiving it: mail to "
	    "your address bounced" : sub->status == STORE_COMPLAINED ?
	    "no longer receiving it: your mail provider reported it as spam" :
	    "unsubscribed"));
}

enum MHD_Result
pages_reply(const struct pages *p, struct MHD_Connection *conn,
    unsigned code, enum pages_page page, json_t *d)
{
	struct buf out;
	char err[ERR_LEN];
	enum MHD_Result ret;

	buf_init(&out, RENDER_MAX_BYTES);
	if (template_render(p->t[page], d, &out, err) == -1) {
		fprintf(stderr, "digest serve: %s: %s\n", pages_files[page],
		    err);
		buf_truncate(&out, 0);
		buf_puts(&out, "internal error\n");
		code = MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	ret = http_send(conn, &http_policy_strict, code,
	    "text/html; charset=utf-8", buf_cstr(&out), out.len);
	buf_release(&out);
	json_decref(d);
	return ret;
}

enum MHD_Result
pages_error(const struct pages *p, struct MHD_Connection *conn,
    unsigned code, const char *title, const char *message)
{
	return pages_reply(p, conn, code, PAGE_ERROR,
	    pages_data(p, title, message));
}
