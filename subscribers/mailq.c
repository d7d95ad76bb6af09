#include "mailq.h"
#include "article.h"
#include "buf.h"
#include "config.h"
#include "date.h"
#include "db.h"
#include "mime.h"
#include "render.h"
#include "store.h"
#include "template.h"
#include "transport.h"
#include "util.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define MAILQ_LINK_MAX 2048
#define MAILQ_BACKOFF_MAX 3600

int
mailq_templates_load(struct mailq_templates *t, const char *dir, char *err)
{
	memset(t, 0, sizeof(*t));
	t->dir = xstrdup(dir);
	t->html = render_template_load(t->dir, "confirm.html.mustache", err);
	if (t->html != NULL)
		t->text = render_template_load(t->dir, "confirm.txt.mustache",
		    err);
	if (t->text != NULL)
		t->subscribed_html = render_template_load(t->dir,
		    "subscribed.html.mustache", err);
	if (t->subscribed_html != NULL)
		t->subscribed_text = render_template_load(t->dir,
		    "subscribed.txt.mustache", err);
	if (t->subscribed_text == NULL) {
		mailq_templates_release(t);
		return -1;
	}
	return 0;
}

void
mailq_templates_release(struct mailq_templates *t)
{
	template_free(t->html);
	template_free(t->text);
	template_free(t->subscribed_html);
	template_free(t->subscribed_text);
	free(t->dir);
	memset(t, 0, sizeof(*t));
}

/* One queued mail and whom it is for. */
struct mailq_item {
	int64_t id;
	int attempts;
	int64_t created;
	struct store_subscriber s;	/* owned: address and link tokens */
	int subscribed;			/* the "already subscribed" kind */
	int pending;			/* still wanted: not confirmed (for a
					 * confirm mail), confirmed (else) */
};

static char *
mailq_column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

/* The mails due at now, oldest first: how many (at most max), or -1. */
static int
mailq_due(struct sqlite3 *db, int64_t now, struct mailq_item *v, int max,
    char *err)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	st = db_prepare(db, "SELECT q.id, q.attempts, q.created, s.email, "
	    "s.preferences_token, s.unsubscribe_token, s.confirm_token, "
	    "q.kind = 'subscribed', CASE q.kind WHEN 'subscribed' THEN "
	    "s.status = 'confirmed' ELSE s.status <> 'confirmed' AND "
	    "s.confirm_token IS NOT NULL END FROM mail_queue q JOIN "
	    "subscriber s ON s.id = q.subscriber_id WHERE q.status = 'queued' "
	    "AND q.next_try <= ?1 ORDER BY q.next_try, q.id LIMIT ?2", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct mailq_item *it = &v[n++];

		store_subscriber_init(&it->s);
		it->id = sqlite3_column_int64(st, 0);
		it->attempts = sqlite3_column_int(st, 1);
		it->created = sqlite3_column_int64(st, 2);
		it->s.email = mailq_column_dup(st, 3);
		it->s.preferences_token = mailq_column_dup(st, 4);
		it->s.unsubscribe_token = mailq_column_dup(st, 5);
		it->s.confirm_token = mailq_column_dup(st, 6);
		it->subscribed = sqlite3_column_int(st, 7);
		it->pending = sqlite3_column_int(st, 8);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		while (n > 0)
			store_subscriber_release(&v[--n].s);
		return db_err(db, err, "reading the mail queue");
	}
	return n;
}

/* What a mail's outcome makes of it: dropped when its subscriber no
 * longer waits for it; else sent, failed (refused, or never built), or
 * queued to try again, until MAILQ_GIVE_UP after it was queued. */
static const char *
mailq_status(const struct mailq_item *it, const struct transport_result *r,
    int64_t now)
{
	if (!it->pending)
		return "dropped";
	if (r->fault == TRANSPORT_DELIVERED)
		return "sent";
	if (r->fault == TRANSPORT_REFUSED || now - it->created > MAILQ_GIVE_UP)
		return "failed";
	return "queued";
}

/* Records what became of one mail (mailq_status). */
static int
mailq_record(struct sqlite3 *db, const struct mailq_item *it,
    const char *status, int code, const char *reply, int64_t now, char *err)
{
	int64_t backoff = (int64_t)60 << (it->attempts < 6 ? it->attempts : 6);
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(db, "UPDATE mail_queue SET status = ?2, attempts = "
	    "attempts + 1, code = ?3, reply = ?4, next_try = ?5, sent = CASE "
	    "WHEN ?2 = 'sent' THEN ?6 END WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, it->id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, code);
	sqlite3_bind_text(st, 4, reply, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, now + (backoff > MAILQ_BACKOFF_MAX ?
	    MAILQ_BACKOFF_MAX : backoff));
	sqlite3_bind_int64(st, 6, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(db, err, "recording a mail");
}

/* A mail's data: newsletter, subscriber (the address alone: nothing a
 * stranger typed into a form goes out in our name), and urls.confirm or
 * urls.preferences and urls.unsubscribe. */
static json_t *
mailq_data(const struct config *c, const struct mailq_item *it)
{
	char link[MAILQ_LINK_MAX];
	json_t *d = json_object(), *urls = json_object();

	json_object_set_new(d, "newsletter", render_newsletter_data(c));
	json_object_set_new(d, "subscriber", render_subscriber_data(
	    it->s.email, NULL, NULL, 0));
	if (it->subscribed) {
		config_link(c, "/preferences", it->s.preferences_token, link,
		    sizeof(link));
		json_object_set_new(urls, "preferences", json_string(link));
		config_link(c, "/unsubscribe", it->s.unsubscribe_token, link,
		    sizeof(link));
		json_object_set_new(urls, "unsubscribe", json_string(link));
	} else {
		config_link(c, "/confirm", it->s.confirm_token, link,
		    sizeof(link));
		json_object_set_new(urls, "confirm", json_string(link));
	}
	json_object_set_new(d, "urls", urls);
	return d;
}

/* Builds the whole message into out: 0, or -1 with err. */
static int
mailq_build(const struct config *c, struct mailq_templates *tpl,
    const struct mailq_item *it, struct buf *out, char *err)
{
	struct buf html, text, subject;
	struct mime_message mm;
	const struct store_subscriber *s = &it->s;
	json_t *data = mailq_data(c, it);
	char *wrapped = NULL;
	int rc;

	buf_init(&html, RENDER_MAX_BYTES);
	buf_init(&text, RENDER_MAX_BYTES);
	buf_init(&subject, 4096);
	buf_printf(&subject, it->subscribed ? "You are subscribed to %s" :
	    "Confirm your subscription to %s", c->name);
	rc = template_render(it->subscribed ? tpl->subscribed_html :
	    tpl->html, data, &html, err);
	if (rc == 0)
		rc = template_render(it->subscribed ? tpl->subscribed_text :
		    tpl->text, data, &text, err);
	if (rc == 0) {
		wrapped = render_text_wrap(buf_cstr(&text), text.len,
		    (size_t)c->text_width);
		memset(&mm, 0, sizeof(mm));
		mm.from_name = *c->from_name ? c->from_name : c->name;
		mm.from_addr = c->from_address;
		/* The address alone: a name a stranger typed goes into no
		 * header. */
		mm.to_addr = s->email;
		mm.subject = buf_cstr(&subject);
		mm.message_id_domain = c->message_id_domain;
		mm.auto_generated = 1;
		mm.date = date_now();
		mm.text = wrapped;
		mm.text_len = strlen(wrapped);
		mm.html = buf_cstr(&html);
		mm.html_len = html.len;
		rc = mime_message_build(&mm, out, NULL, err);
	}
	free(wrapped);
	json_decref(data);
	buf_release(&html);
	buf_release(&text);
	buf_release(&subject);
	return rc;
}

static void
mailq_done(void *tag, const struct transport_result *r, void *arg)
{
	(void)arg;
	*(struct transport_result *)tag = *r;
}

/* Delivers one mail through t and waits for the verdict in r. A mail
 * that cannot be built, or that the transport refuses to start, is
 * refused (or, for the sender, a setting) like one the server refuses. */
static void
mailq_deliver(const struct config *c, struct mailq_templates *tpl,
    struct transport *t, const struct mailq_item *it,
    struct transport_result *r)
{
	struct buf eml;
	char err[ERR_LEN];
	size_t len;
	int fault;

	memset(r, 0, sizeof(*r));
	buf_init(&eml, 4 * RENDER_MAX_BYTES);
	if (mailq_build(c, tpl, it, &eml, err) == -1) {
		r->fault = TRANSPORT_REFUSED;
		snprintf(r->reply, sizeof(r->reply), "cannot build: %s", err);
	} else {
		len = eml.len;
		fault = t->submit(t, c->from_address, it->s.email,
		    buf_detach(&eml, NULL), len, r, err);
		if (fault != 0) {
			r->fault = (enum transport_fault)fault;
			snprintf(r->reply, sizeof(r->reply), "%s", err);
		} else {
			while (t->poll(t, 1000, mailq_done, NULL) > 0)
				;
		}
	}
	buf_release(&eml);
}

/* A fault no other mail of the batch would escape. */
static int
mailq_stops(const struct transport_result *r)
{
	return r->fault == TRANSPORT_STOP || r->fault == TRANSPORT_STOP_SETTING;
}

static void
mailq_log(mailq_log_fn log, void *arg, const struct mailq_item *it,
    const char *status, const struct transport_result *r)
{
	struct mailq_event ev;

	if (log == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.email = it->s.email;
	ev.status = strcmp(status, "queued") == 0 ? "deferred" : status;
	ev.setting = r->fault == TRANSPORT_STOP_SETTING;
	ev.code = r->code;
	ev.reply = r->reply;
	ev.ms = r->ms;
	log(&ev, arg);
}

struct mailq_batch {
	struct mailq_item *v;		/* owned: max */
	struct transport_result *r;	/* owned: max */
	const char **status;		/* owned: max; static strings */
	int max;
	int n;				/* read from the queue */
	int done;			/* delivered or given up, recorded next */
	int64_t now;
};

struct mailq_batch *
mailq_batch_new(int max)
{
	struct mailq_batch *b = xcalloc(1, sizeof(*b));

	b->max = max;
	b->v = xcalloc((size_t)max, sizeof(*b->v));
	b->r = xcalloc((size_t)max, sizeof(*b->r));
	b->status = xcalloc((size_t)max, sizeof(*b->status));
	return b;
}

void
mailq_batch_clear(struct mailq_batch *b)
{
	while (b->n > 0)
		store_subscriber_release(&b->v[--b->n].s);
	b->done = 0;
}

void
mailq_batch_free(struct mailq_batch *b)
{
	if (b == NULL)
		return;
	mailq_batch_clear(b);
	free(b->v);
	free(b->r);
	free(b->status);
	free(b);
}

int
mailq_batch_send(struct mailq_batch *b, struct sqlite3 *db,
    const struct config *c, struct mailq_templates *tpl,
    struct transport *t, int64_t now, char *err)
{
	int i;

	mailq_batch_clear(b);
	b->now = now;
	if ((b->n = mailq_due(db, now, b->v, b->max, err)) == -1) {
		b->n = 0;
		return -1;
	}
	for (i = 0; i < b->n && (i == 0 || !mailq_stops(&b->r[i - 1])); i++) {
		memset(&b->r[i], 0, sizeof(b->r[i]));
		if (!b->v[i].pending)
			/* Confirmed (or unconfirmed, for the other kind),
			 * unsubscribed or forgotten meanwhile. */
			snprintf(b->r[i].reply, sizeof(b->r[i].reply),
			    "no longer pending");
		else
			mailq_deliver(c, tpl, t, &b->v[i], &b->r[i]);
		b->status[i] = mailq_status(&b->v[i], &b->r[i], now);
		b->done++;
	}
	return b->done;
}

int
mailq_batch_record(struct mailq_batch *b, struct sqlite3 *db, char *err)
{
	int i;

	for (i = 0; i < b->done; i++)
		if (mailq_record(db, &b->v[i], b->status[i], b->r[i].code,
		    b->r[i].reply, b->now, err) == -1)
			return -1;
	return 0;
}

void
mailq_batch_log(struct mailq_batch *b, mailq_log_fn log, void *arg)
{
	int i;

	for (i = 0; i < b->done; i++)
		mailq_log(log, arg, &b->v[i], b->status[i], &b->r[i]);
	mailq_batch_clear(b);
}
