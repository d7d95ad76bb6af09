/*
 * topics: the topics on offer, configured or counted (topics.h).
 */
#include "topics.h"
#include "article.h"
#include "buf.h"
#include "date.h"
#include "db.h"
#include "util.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static void
topics_clear(struct topics *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->v[i].name);
		free(t->v[i].label);
	}
	t->n = 0;
}

void
topics_release(struct topics *t)
{
	topics_clear(t);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* Adds a topic (tag n bytes, label k bytes; takes neither), unless its
 * normalized tag is empty or there already. */
static void
topics_add(struct topics *t, const char *tag, size_t n, const char *label,
    size_t k)
{
	char norm[ARTICLE_TAG_MAX];
	size_t i;

	n = article_tag_normalize(tag, n, norm);
	norm[n] = '\0';
	if (n == 0)
		return;
	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, norm) == 0)
			return;
	xgrow(&t->v, &t->cap, t->n + 1, sizeof(*t->v));
	t->v[t->n].name = xstrdup(norm);
	t->v[t->n++].label = label != NULL && k > 0 ? xstrndup(label, k) :
	    xstrdup(norm);
}

/* Each item of the setting a tag, with a label after a colon. */
static int
topics_from_setting(struct topics *t, const char *p, char *err)
{
	const char *colon, *label;
	size_t k, n, lk;

	while (*(p += strspn(p, " ,\t")) != '\0') {
		k = strcspn(p, ",");
		colon = memchr(p, ':', k);
		n = colon ? (size_t)(colon - p) : k;
		label = NULL;
		lk = 0;
		if (colon != NULL) {
			lk = k - n - 1;
			label = util_trim(colon + 1, &lk);
		}
		(void)util_trim(p, &n);
		if (n == 0 || (colon != NULL && lk == 0))
			return util_err(err, "topics: '%.*s' needs a tag, and a "
			    "label after its colon", (int)k, p);
		topics_add(t, p, n, label, lk);
		p += k;
	}
	t->fixed = t->n > 0;
	return 0;
}

/* The commonest tags of the articles published in the last TOPICS_DAYS
 * days: 0, or -1 with err (the old list stays). */
static int
topics_count(struct topics *t, struct sqlite3 *db, char *err)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(db, "SELECT t.name FROM article a JOIN article_tag "
	    "x ON x.article_id = a.id JOIN tag t ON t.id = x.tag_id WHERE "
	    "a.published >= ?2 GROUP BY t.id ORDER BY count(*) DESC, t.name "
	    "LIMIT ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, TOPICS_COUNT);
	sqlite3_bind_int64(st, 2, date_now() - TOPICS_DAYS * 86400LL);
	topics_clear(t);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *tag = (const char *)sqlite3_column_text(st, 0);

		topics_add(t, tag, strlen(tag), NULL, 0);
	}
	sqlite3_reset(st);
	t->at = time(NULL);
	return rc == SQLITE_DONE ? 0 : db_err(db, err, "counting topics");
}

/* The store's data_version: it changes when another connection (an
 * ingest) commits. */
static int
topics_data_version(struct sqlite3 *db)
{
	sqlite3_stmt *st = db_prepare(db, "PRAGMA data_version", NULL);
	int v = 0;

	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	if (st != NULL)
		sqlite3_reset(st);
	return v;
}

int
topics_load(struct topics *t, const char *setting, struct sqlite3 *db,
    char *err)
{
	if (topics_from_setting(t, setting, err) == -1)
		return -1;
	t->data_version = topics_data_version(db);
	return t->fixed ? 0 : topics_count(t, db, err);
}

int
topics_refresh(struct topics *t, struct sqlite3 *db, char *err)
{
	time_t now = time(NULL);
	int v;

	if (t->fixed || now == t->at)
		return 0;
	v = topics_data_version(db);
	if (v == t->data_version && now - t->at < TOPICS_AGE)
		return 0;
	t->data_version = v;
	return topics_count(t, db, err);
}

const char *
topics_label(const struct topics *t, const char *tag)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, tag) == 0)
			return t->v[i].label;
	return tag;
}

int
topics_check(const struct topics *t, char *const *tags, size_t ntags,
    char *const *own, size_t nown, char *err)
{
	char norm[ARTICLE_TAG_MAX];
	struct buf offer;
	size_t i, k, n;
	int found;

	for (i = 0; i < ntags; i++) {
		n = article_tag_normalize(tags[i], strlen(tags[i]), norm);
		norm[n] = '\0';
		found = n == 0 || topics_label(t, norm) != norm;
		for (k = 0; !found && k < nown; k++)
			found = strcmp(own[k], norm) == 0;
		if (found)
			continue;
		buf_init(&offer, 2048);
		for (k = 0; k < t->n; k++)
			buf_printf(&offer, "%s%s", k ? ", " : "", t->v[k].name);
		util_err(err, "'%.60s' is not a topic on offer%s%s", tags[i],
		    t->n ? ": choose among " : " (none is)", buf_cstr(&offer));
		buf_release(&offer);
		return -1;
	}
	return 0;
}

json_t *
topics_to_json(const struct topics *t)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < t->n; i++)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:b}", "name",
		    t->v[i].name, "label", t->v[i].label, "checked", 0));
	return arr;
}
