#include "edition.h"
#include "date.h"
#include "journal.h"
#include "select.h"
#include "util.h"
#include "verp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EDITION_URL_MAX 2048

void
edition_id_for(int64_t t, char out[EDITION_ID_MAX])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	if (strftime(out, EDITION_ID_MAX, "%G-W%V", &tm) == 0)
		out[0] = '\0';
}

/* Edition ids go into URLs and file names: letters, digits, '-', '_'
 * and '.', not starting with '.'. */
static int
edition_id_check(const char *id, char out[EDITION_ID_MAX], char *err)
{
	size_t i, n = strlen(id);

	if (n == 0 || n >= EDITION_ID_MAX || id[0] == '.')
		return util_err(err, "invalid edition id '%s': 1 to %d letters, "
		    "digits, '-', '_' or '.'", id, EDITION_ID_MAX - 1);
	for (i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' &&
		    id[i] <= 'Z') || (id[i] >= '0' && id[i] <= '9') ||
		    strchr("-_.", id[i]) != NULL))
			return util_err(err, "invalid edition id '%s': 1 to %d "
			    "letters, digits, '-', '_' or '.'", id,
			    EDITION_ID_MAX - 1);
	memcpy(out, id, n + 1);
	return 0;
}

int
edition_open(struct edition *e, const struct config *c, const char *id,
    int64_t now, const char *since, char *err)
{
	memset(e, 0, sizeof(*e));
	e->cfg = c;
	e->now = now;
	if (id == NULL)
		edition_id_for(now, e->id);
	else if (edition_id_check(id, e->id, err) == -1)
		return -1;
	if (date_parse_since(since ? since : c->since, now, &e->since) == -1)
		return util_err(err, "invalid window '%s': expected 7d, 2w, "
		    "a date or all", since ? since : c->since);
	return render_templates_load(&e->tpl, c->templates, c->subject, err);
}

void
edition_close(struct edition *e)
{
	render_templates_release(&e->tpl);
}

void
edition_use_stored(struct edition *e, const struct journal_edition *je)
{
	e->frozen = 1;
	e->since = je->since;
	/* run-due's editions are dated by their slot (until == slot);
	 * send's until is one second past the moment it was made. */
	e->now = je->slot != 0 ? je->slot : je->until - 1;
}

int
edition_open_journal(struct edition *e, struct sqlite3 *db,
    const struct config *c, const char *id, int64_t now, const char *since,
    int freeze, char *err)
{
	struct journal_edition je;
	int rc;

	if (edition_open(e, c, id, now, since, err) == -1)
		return -1;
	rc = journal_edition_get(db, e->id, &je, err);
	/* Made now, or by another run a moment ago: read back either way,
	 * so that e is what the journal froze. */
	if (rc == 0 && freeze) {
		if (journal_edition_create(db, e->id, e->since, e->now + 1, 0,
		    date_now(), c->max_age, err) == -1)
			return -2;
		rc = journal_edition_get(db, e->id, &je, err);
	}
	if (rc == -1)
		return -2;
	if (rc == 1)
		edition_use_stored(e, &je);
	return rc;
}

void
edition_reader_for_tags(struct edition_reader *r, const struct config *c,
    const char *const *tags, size_t ntags)
{
	memset(r, 0, sizeof(*r));
	r->email = c->from_address;
	r->name = "Preview";
	r->tags = tags;
	r->ntags = ntags;
}

int
edition_reader_as_sent(struct sqlite3 *db, const struct edition *e,
    int64_t subscriber_id, struct edition_reader *r, struct article *holder,
    char *err)
{
	char *tags;
	int rc = journal_delivery_tags(db, e->id, subscriber_id, &tags, err);

	if (rc != 1)
		return rc;
	article_init(holder);
	article_tags_split(holder, tags);
	free(tags);
	r->tags = (const char *const *)holder->tags;
	r->ntags = holder->ntags;
	return 1;
}

int
edition_select(struct sqlite3 *db, const struct edition *e,
    const char *const *tags, size_t ntags, struct article_list *out,
    char *err)
{
	struct select_query q;
	int64_t mark;
	int rc;

	memset(&q, 0, sizeof(q));
	q.tags = tags;
	q.ntags = ntags;
	if (e->frozen) {
		q.edition = e->id;
	} else if (e->planned != NULL) {
		q.by_ids = 1;
		q.ids = e->planned->v;
		q.nids = e->planned->n;
	} else {
		q.since = e->since;
		q.until = e->now + 1;
		if ((rc = journal_article_mark(db, &mark, err)) == -1)
			return -1;
		if (rc == 1 && e->cfg->max_age > 0) {
			q.late = 1;
			q.late_after = mark;
			q.late_since = q.until - e->cfg->max_age;
		}
	}
	q.limit = (size_t)e->cfg->max_articles;
	return select_articles(db, &q, out, err);
}

void
edition_message_init(struct edition_message *m)
{
	buf_init(&m->subject, 4096);
	buf_init(&m->html, RENDER_MAX_BYTES);
	buf_init(&m->text, RENDER_MAX_BYTES);
	buf_init(&m->eml, 4 * RENDER_MAX_BYTES);
	m->message_id[0] = '\0';
}

void
edition_message_release(struct edition_message *m)
{
	buf_release(&m->subject);
	buf_release(&m->html);
	buf_release(&m->text);
	buf_release(&m->eml);
}

/* base_url + path + "?token=" + token, or "#" for a preview's reader. */
static void
edition_url(const struct edition *e, const char *path, const char *token,
    char out[EDITION_URL_MAX])
{
	config_link(e->cfg, path, token, out, EDITION_URL_MAX);
}

json_t *
edition_reader_data(const struct edition *e, json_t *edition_data,
    const struct edition_reader *r)
{
	char unsub[EDITION_URL_MAX], prefs[EDITION_URL_MAX],
	    view[EDITION_URL_MAX], path[64];
	struct render_reader rr;

	snprintf(path, sizeof(path), "/view?edition=%s", e->id);
	edition_url(e, "/unsubscribe", r->unsubscribe_token, unsub);
	edition_url(e, "/preferences", r->preferences_token, prefs);
	edition_url(e, path, r->preferences_token, view);
	memset(&rr, 0, sizeof(rr));
	rr.email = r->email;
	rr.name = r->name;
	rr.tags = r->tags;
	rr.ntags = r->ntags;
	rr.unsubscribe_url = unsub;
	rr.preferences_url = prefs;
	rr.web_view_url = view;
	return render_reader_data(edition_data, &rr);
}

int
edition_message_build(struct edition *e, json_t *edition_data,
    const struct edition_reader *r, struct edition_message *m, char *err)
{
	const struct config *c = e->cfg;
	const char *unsub_addr = r->unsubscribe_mailto ?
	    r->unsubscribe_mailto : c->unsubscribe_mailto;
	char list_id[512], mailto[512], unsub[EDITION_URL_MAX];
	struct mime_message mm;
	json_t *data;
	int rc;

	data = edition_reader_data(e, edition_data, r);
	rc = render_digest(&e->tpl, data, (int)c->text_width, &m->subject,
	    &m->html, &m->text, err);
	json_decref(data);
	if (rc == -1)
		return -1;
	if (r->subject_prefix != NULL) {
		struct buf prefixed;

		buf_init(&prefixed, m->subject.max + 64);
		buf_puts(&prefixed, r->subject_prefix);
		buf_append(&prefixed, m->subject.data, m->subject.len);
		buf_release(&m->subject);
		m->subject = prefixed;
	}
	edition_url(e, "/unsubscribe", r->unsubscribe_token, unsub);
	snprintf(list_id, sizeof(list_id), "%s <%s>", c->name, c->list_id);
	snprintf(mailto, sizeof(mailto), "mailto:%s?subject=unsubscribe",
	    unsub_addr);
	memset(&mm, 0, sizeof(mm));
	mm.from_name = c->from_name;
	mm.from_addr = c->from_address;
	mm.to_name = r->name;
	mm.to_addr = r->email;
	mm.subject = buf_cstr(&m->subject);
	mm.list_id = list_id;
	mm.unsubscribe_url = r->unsubscribe_token ? unsub : NULL;
	mm.unsubscribe_mailto = *unsub_addr ? mailto : NULL;
	mm.message_id_domain = c->message_id_domain;
	mm.date = date_now();
	mm.text = buf_cstr(&m->text);
	mm.text_len = m->text.len;
	mm.html = buf_cstr(&m->html);
	mm.html_len = m->html.len;
	buf_truncate(&m->eml, 0);
	return mime_message_build(&mm, &m->eml, m->message_id, err);
}

static const char *const edition_part_names[] = {
	"html", "text", "eml", "json",
};

int
edition_part_from_name(const char *name, enum edition_part *part)
{
	size_t i;

	for (i = 0; i < sizeof(edition_part_names) /
	    sizeof(edition_part_names[0]); i++)
		if (strcmp(name, edition_part_names[i]) == 0) {
			*part = (enum edition_part)i;
			return 0;
		}
	return -1;
}

/* Appends part of r's message, made from edition_data, to out. 0, or -1
 * with err. */
static int
edition_part_build(struct edition *e, json_t *edition_data,
    const struct edition_reader *r, enum edition_part part, struct buf *out,
    char *err)
{
	struct edition_message m;
	const struct buf *b;
	json_t *all;
	char *json;	/* owned */
	int rc;

	if (part == EDITION_PART_JSON) {
		all = edition_reader_data(e, edition_data, r);
		json = json_dumps(all, JSON_INDENT(2) | JSON_SORT_KEYS);
		json_decref(all);
		buf_puts(out, json);
		buf_putc(out, '\n');
		free(json);
		return 0;
	}
	edition_message_init(&m);
	rc = edition_message_build(e, edition_data, r, &m, err);
	b = part == EDITION_PART_HTML ? &m.html : part == EDITION_PART_TEXT ?
	    &m.text : &m.eml;
	if (rc == 0)
		buf_append(out, b->data, b->len);
	edition_message_release(&m);
	return rc;
}

int
edition_preview(struct sqlite3 *db, struct edition *e, int64_t subscriber_id,
    struct edition_reader *r, struct article *holder, enum edition_part part,
    struct buf *out, struct article_list *articles, char *err)
{
	char from[ADDR_MAX + 1], unsubscribe[ADDR_MAX + 1];
	struct edition_reader as_sent;
	struct verp v;
	json_t *data;
	int rc = 0;

	article_init(holder);
	if (e->frozen && subscriber_id != 0)
		rc = edition_reader_as_sent(db, e, subscriber_id, r, holder, err);
	if (rc == -1 || edition_select(db, e, r->tags, r->ntags, articles,
	    err) == -1)
		return -2;
	/* A sent edition as that reader got it: their topics then (above),
	 * and the List-Unsubscribe mailto their message carried (verp.h),
	 * which an edition not numbered yet does not have. */
	as_sent = *r;
	if (e->frozen && subscriber_id != 0 &&
	    verp_open(&v, db, e->cfg, e->id, 0, err) == 0 && v.edition_n != 0 &&
	    verp_reader(&v, subscriber_id, from, unsubscribe, err) == 0 &&
	    *unsubscribe != '\0')
		as_sent.unsubscribe_mailto = unsubscribe;
	data = render_edition_data(e->cfg, e->id, e->now, articles);
	rc = edition_part_build(e, data, &as_sent, part, out, err);
	json_decref(data);
	return rc;
}
