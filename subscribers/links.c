/*
 * links: confirm, resend, resubscribe, unsubscribe, preferences
 * (links.h).
 */
#include "links.h"
#include "addr.h"
#include "buf.h"
#include "config.h"
#include "date.h"
#include "pages.h"
#include "store.h"
#include "topics.h"
#include "weblog.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* The page of an expired confirm link: a button for a new one. */
static enum MHD_Result
links_expired_page(struct web *w, struct web_request *r, const char *token)
{
	char link[PAGES_LINK_MAX];
	json_t *d;

	d = pages_data(w->pages, "This link has expired", "Confirmation links "
	    "work for 7 days: this one is older. Send a new link to confirm "
	    "your subscription.");
	config_page(w->c, "/resend", link, sizeof(link));
	json_object_set_new(json_object_get(d, "form"), "action",
	    json_string(link));
	json_object_set_new(d, "token", json_string(token));
	return pages_reply(w->pages, r->conn, MHD_HTTP_GONE, PAGE_EXPIRED, d);
}

/* A confirm link that was used: says so, and shows no other link. */
static enum MHD_Result
links_used_page(struct web *w, struct web_request *r)
{
	return pages_reply(w->pages, r->conn, MHD_HTTP_OK, PAGE_LINK_USED,
	    pages_data(w->pages, "Already confirmed", NULL));
}

/* The confirm page: the address, its topics and a button. */
static enum MHD_Result
links_confirming_page(struct web *w, struct web_request *r,
    const char *token, const struct store_subscriber *sub)
{
	char link[PAGES_LINK_MAX], *shown;
	struct buf topics;
	json_t *d;
	size_t i;

	d = pages_data(w->pages, "Confirm your subscription", NULL);
	config_page(w->c, "/confirm", link, sizeof(link));
	json_object_set_new(json_object_get(d, "form"), "action",
	    json_string(link));
	json_object_set_new(d, "token", json_string(token));
	buf_init(&topics, 4096);
	for (i = 0; i < sub->ntags; i++)
		buf_printf(&topics, "%s%s", i == 0 ? "" : i + 1 == sub->ntags ?
		    " and " : ", ", topics_label(w->topics, sub->tags[i]));
	shown = addr_display(sub->email);
	json_object_set_new(d, "subscriber", json_pack("{s:s}", "email",
	    shown));
	free(shown);
	json_object_set_new(d, "has_topics", json_boolean(sub->ntags));
	json_object_set_new(d, "topics_text", json_string(buf_cstr(&topics)));
	buf_release(&topics);
	return pages_reply(w->pages, r->conn, MHD_HTTP_OK, PAGE_CONFIRMING, d);
}

/* The answer to a confirm link in state st, other than done. */
static enum MHD_Result
links_confirm_other(struct web *w, struct web_request *r,
    enum signup_link st, const char *token, const char *err,
    const char *what)
{
	switch (st) {
	case SIGNUP_LINK_AGAIN:
		return links_used_page(w, r);
	case SIGNUP_LINK_EXPIRED:
		return links_expired_page(w, r, token);
	case SIGNUP_LINK_UNKNOWN:
		return web_unknown_link(w, r);
	default:
		return web_store_failed(w, r, err, what);
	}
}

enum MHD_Result
links_confirm_get(struct web *w, struct web_request *r)
{
	const char *token = web_token(r);
	struct store_subscriber sub;
	char err[ERR_LEN];
	enum MHD_Result ret;
	enum signup_link st;

	store_subscriber_init(&sub);
	st = signup_confirm_state(w->db, token, date_now(), &sub, err);
	if (st == SIGNUP_LINK_OPEN)
		ret = links_confirming_page(w, r, token, &sub);
	else
		ret = links_confirm_other(w, r, st, token, err, "The page");
	store_subscriber_release(&sub);
	return ret;
}

enum MHD_Result
links_confirm_post(struct web *w, struct web_request *r)
{
	const char *token = web_token(r);
	struct store_subscriber sub;
	struct signup_client who;
	char err[ERR_LEN];
	enum signup_link st;
	enum MHD_Result ret;
	json_t *d;

	store_subscriber_init(&sub);
	web_who(r, &who);
	st = signup_confirm(w->db, token, date_now(), &who, &sub, err);
	if (st != SIGNUP_LINK_UNKNOWN && st != SIGNUP_LINK_ERROR)
		weblog_event("confirm", sub.email, st == SIGNUP_LINK_DONE ?
		    "done" : st == SIGNUP_LINK_AGAIN ? "again" : "expired", NULL,
		    r->ip, r->start);
	if (st == SIGNUP_LINK_DONE) {
		d = pages_data(w->pages, "Subscribed", NULL);
		pages_data_links(w->pages, d, &sub);
		ret = pages_reply(w->pages, r->conn, MHD_HTTP_OK,
		    PAGE_CONFIRMED, d);
	} else {
		ret = links_confirm_other(w, r, st, token, err,
		    "Your confirmation");
	}
	store_subscriber_release(&sub);
	return ret;
}

enum MHD_Result
links_resend(struct web *w, struct web_request *r)
{
	struct store_subscriber sub;
	char err[ERR_LEN];
	json_t *d;
	int rc;

	store_subscriber_init(&sub);
	rc = signup_resend(w->db, web_token(r), date_now(), &sub, err);
	if (rc != SIGNUP_LINK_DONE) {
		store_subscriber_release(&sub);
		return rc == SIGNUP_LINK_ERROR ? web_store_failed(w, r, err,
		    "A new link") : web_unknown_link(w, r);
	}
	r->mailed = 1;
	d = pages_data(w->pages, "Check your inbox", NULL);
	pages_data_form(d, sub.email, NULL, NULL, 0, NULL);
	store_subscriber_release(&sub);
	return pages_reply(w->pages, r->conn, MHD_HTTP_OK, PAGE_CHECK_INBOX, d);
}

enum MHD_Result
links_resubscribe(struct web *w, struct web_request *r)
{
	const char *token = web_token(r);
	struct store_subscriber sub;
	struct signup_client who;
	char err[ERR_LEN];
	enum signup_link st;
	json_t *d;
	int found;

	store_subscriber_init(&sub);
	found = store_subscriber_by_token(w->db, STORE_TOKEN_PREFERENCES,
	    token, &sub, err);
	web_who(r, &who);
	st = found != 1 ? (found == 0 ? SIGNUP_LINK_UNKNOWN :
	    SIGNUP_LINK_ERROR) : signup_resubscribe(w->db, token, date_now(),
	    &who, err);
	if (st == SIGNUP_LINK_DONE || st == SIGNUP_LINK_AGAIN)
		weblog_event("resubscribe", sub.email, st == SIGNUP_LINK_DONE ?
		    "done" : "again", st == SIGNUP_LINK_DONE ? "mail=confirm" :
		    NULL, r->ip, r->start);
	d = pages_data(w->pages, "Check your inbox", NULL);
	pages_data_form(d, sub.email, NULL, NULL, 0, NULL);
	store_subscriber_release(&sub);
	if (st == SIGNUP_LINK_UNKNOWN || st == SIGNUP_LINK_ERROR) {
		json_decref(d);
		return st == SIGNUP_LINK_UNKNOWN ? web_unknown_link(w, r) :
		    web_store_failed(w, r, err, "Your request");
	}
	r->mailed = 1;
	return pages_reply(w->pages, r->conn, MHD_HTTP_OK, PAGE_CHECK_INBOX, d);
}

/* An unsubscription's body: empty, or List-Unsubscribe=One-Click (RFC
 * 8058: multipart/form-data, which receivers are told to send, or
 * urlencoded). 0, or the error page's answer in *ret. */
static int
links_one_click(struct web *w, struct web_request *r, enum MHD_Result *ret)
{
	struct form f;
	char err[ERR_LEN];
	int rc, ok;

	if (r->body.data.len == 0)
		return 0;
	memset(&f, 0, sizeof(f));
	rc = form_from_body(http_header(r->conn, MHD_HTTP_HEADER_CONTENT_TYPE),
	    buf_cstr(&r->body.data), r->body.data.len, &f, err);
	ok = rc == 0 && f.one_click != NULL &&
	    strcmp(f.one_click, "One-Click") == 0;
	form_release(&f);
	if (ok)
		return 0;
	*ret = web_form_refused(w, r, rc, rc < 0 ? err : "An unsubscription "
	    "posts List-Unsubscribe=One-Click.");
	return -1;
}

/*
 * GET /unsubscribe shows a page with a button and changes nothing. A
 * POST is RFC 8058 one-click: a receiver gets 200 with an empty body; a
 * browser (Accept: text/html, our own page's button) the page that says
 * it is done.
 */
enum MHD_Result
links_unsubscribe(struct web *w, struct web_request *r)
{
	const char *token = web_token(r);
	int html = http_accepts(r->conn, "text/html"), rc;
	struct store_subscriber sub;
	struct signup_client who;
	char err[ERR_LEN];
	enum MHD_Result ret;
	json_t *d;

	if (r->post && links_one_click(w, r, &ret) == -1)
		return ret;
	store_subscriber_init(&sub);
	if (!r->post) {
		rc = store_subscriber_by_token(w->db, STORE_TOKEN_UNSUBSCRIBE,
		    token, &sub, err);
		rc = rc == 1 ? SIGNUP_LINK_AGAIN : rc == 0 ?
		    SIGNUP_LINK_UNKNOWN : SIGNUP_LINK_ERROR;
	} else {
		web_who(r, &who);
		rc = signup_unsubscribe(w->db, token, date_now(), &who, &sub,
		    err);
		if (rc == SIGNUP_LINK_DONE || rc == SIGNUP_LINK_AGAIN)
			weblog_event("unsubscribe", sub.email, rc ==
			    SIGNUP_LINK_DONE ? "done" : "again", html ?
			    "via=page" : "via=one-click", r->ip, r->start);
	}
	if (rc == SIGNUP_LINK_UNKNOWN) {
		ret = web_unknown_link(w, r);
	} else if (rc == SIGNUP_LINK_ERROR) {
		ret = web_store_failed(w, r, err, "The unsubscription");
	} else if (r->post && !html) {
		ret = http_send(r->conn, &http_policy_strict, MHD_HTTP_OK,
		    "text/plain", "", 0);
	} else {
		d = pages_data(w->pages, r->post ? "Unsubscribed" :
		    "Unsubscribe", NULL);
		pages_data_links(w->pages, d, &sub);
		ret = pages_reply(w->pages, r->conn, MHD_HTTP_OK, r->post ?
		    PAGE_UNSUBSCRIBED : PAGE_UNSUBSCRIBE, d);
	}
	store_subscriber_release(&sub);
	return ret;
}

/* The preferences page of sub, with an error in the form (f given) or a
 * message. */
static enum MHD_Result
links_preferences_page(struct web *w, struct web_request *r, unsigned code,
    const struct store_subscriber *sub, const struct form *f,
    const char *msg, const char *error)
{
	json_t *d = pages_data(w->pages, "Your preferences", msg);

	pages_data_links(w->pages, d, sub);
	if (f != NULL)
		pages_data_form(d, sub->email, f->name, f->tags, f->ntags,
		    error);
	return pages_reply(w->pages, r->conn, code, PAGE_PREFERENCES, d);
}

/* Saves the posted preferences of sub (found by token, replaced by
 * what is stored after): 1 saved, 0 unknown, -1 with err, or an error
 * page's answer in *ret and -2. */
static int
links_preferences_save(struct web *w, struct web_request *r,
    const char *token, struct store_subscriber *sub, enum MHD_Result *ret,
    char *err)
{
	const struct form *f = &r->form;
	struct signup_client who;
	char extra[32];
	int rc;

	if (topics_check(w->topics, f->tags, f->ntags, sub->tags, sub->ntags,
	    err) == -1) {
		*ret = links_preferences_page(w, r, MHD_HTTP_BAD_REQUEST, sub,
		    f, NULL, err);
		return -2;
	}
	store_subscriber_release(sub);
	store_subscriber_init(sub);
	web_who(r, &who);
	rc = signup_preferences(w->db, token, f->name && *f->name ? f->name :
	    NULL, (const char *const *)f->tags, f->ntags, date_now(), &who,
	    sub, err);
	if (rc == SIGNUP_LINK_BAD) {
		*ret = links_preferences_page(w, r,
		    MHD_HTTP_UNPROCESSABLE_CONTENT, sub, f, NULL, err);
		return -2;
	}
	if (rc != SIGNUP_LINK_DONE)
		return rc == SIGNUP_LINK_UNKNOWN ? 0 : -1;
	snprintf(extra, sizeof(extra), "tags=%zu", f->ntags);
	weblog_event("preferences", sub->email, "saved", extra, r->ip,
	    r->start);
	store_subscriber_release(sub);
	store_subscriber_init(sub);
	return store_subscriber_by_token(w->db, STORE_TOKEN_PREFERENCES, token,
	    sub, err);
}

/* The topics a subscriber has that are not on offer stay unless
 * unticked. */
enum MHD_Result
links_preferences(struct web *w, struct web_request *r)
{
	const char *token = web_token(r);
	struct store_subscriber sub;
	char err[ERR_LEN];
	enum MHD_Result ret = MHD_NO;
	int rc;

	store_subscriber_init(&sub);
	rc = store_subscriber_by_token(w->db, STORE_TOKEN_PREFERENCES, token,
	    &sub, err);
	if (rc == 1 && r->post)
		rc = links_preferences_save(w, r, token, &sub, &ret, err);
	if (rc == 0)
		ret = web_unknown_link(w, r);
	else if (rc == -1)
		ret = web_store_failed(w, r, err, "Your preferences");
	else if (rc == 1)
		ret = links_preferences_page(w, r, MHD_HTTP_OK, &sub, NULL,
		    r->post ? "Saved." : NULL, NULL);
	store_subscriber_release(&sub);
	return ret;
}
