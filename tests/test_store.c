/*
 * store: subscribers in a real SQLite file in a fresh directory: add,
 * update, find, list by status, tags normalized, what put refuses; one
 * key per person; suppression that put cannot lift; the consent log;
 * the migration that merges addresses the key makes one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "testutil.h"
#include "article.h"
#include "addr.h"
#include "db.h"
#include "store.h"

struct fixture {
	char path[4200];
	sqlite3 *db;
};

static int
setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	char err[ERR_LEN];

	snprintf(fx->path, sizeof(fx->path), "%s/subs.db", tu_tmpdir());
	fx->db = db_open(fx->path, err);
	if (fx->db == NULL)
		fail_msg("%s", err);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char *slash;

	db_close(fx->db);
	(void)unlink(fx->path);
	slash = strrchr(fx->path, '/');
	*slash = '\0';
	(void)rmdir(fx->path);	/* WAL files gone with the last close */
	free(fx);
	return 0;
}

/* A subscriber with tags given as one comma-separated string. */
static void
make(struct store_subscriber *s, const char *email, const char *name,
    const char *tags, enum store_status st)
{
	const char *p = tags, *comma;

	store_subscriber_init(s);
	s->email = xstrdup(email);
	s->name = name ? xstrdup(name) : NULL;
	s->status = st;
	while (p != NULL && *p != '\0') {
		comma = strchr(p, ',');
		store_subscriber_tag_add(s, p, comma ? (size_t)(comma - p) :
		    strlen(p));
		p = comma ? comma + 1 : NULL;
	}
}

/* Puts a subscriber and returns put's answer; fails the test on -1. */
static int
put(sqlite3 *db, const char *email, const char *name, const char *tags,
    enum store_status st, int64_t *id)
{
	struct store_subscriber s;
	char err[ERR_LEN];
	int rc;

	make(&s, email, name, tags, st);
	rc = store_subscriber_put(db, &s, err);
	if (rc == -1)
		fail_msg("put '%s': %s", email, err);
	if (id != NULL)
		*id = s.id;
	store_subscriber_release(&s);
	return rc;
}

/* The tags of s, joined by ",", for comparing in one assert. */
static const char *
tags_of(const struct store_subscriber *s)
{
	static char buf[1024];
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < s->ntags; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    i ? "," : "", s->tags[i]);
	return buf;
}

static int64_t
count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
test_put_find(void **state)
{
	struct fixture *fx = *state;
	struct store_subscriber s;
	char err[ERR_LEN];
	int64_t id;

	setenv("DIGEST_NOW", "2026-11-28T12:00:00Z", 1);
	assert_int_equal(put(fx->db, "  Zoe@Example.ORG ",
	    "Zo\xc3\xab M\xc3\xbcller",
	    " Science ,CLIMATE,  science, Climate Change ,,", STORE_CONFIRMED,
	    &id), 1);
	unsetenv("DIGEST_NOW");
	assert_true(id > 0);
	store_subscriber_init(&s);
	assert_int_equal(store_subscriber_find(fx->db, "Zoe@example.org", &s,
	    err), 1);
	assert_int_equal(s.id, id);
	assert_string_equal(s.email, "Zoe@example.org");
	assert_string_equal(s.name, "Zo\xc3\xab M\xc3\xbcller");
	assert_string_equal(tags_of(&s), "science,climate,climate change");
	assert_int_equal(s.status, STORE_CONFIRMED);
	assert_int_equal(s.created, 1795867200);	/* DIGEST_NOW */
	store_subscriber_release(&s);

	/* The address is matched as stored: not found in another form. */
	store_subscriber_init(&s);
	assert_int_equal(store_subscriber_find(fx->db, "nobody@example.org",
	    &s, err), 0);
	assert_null(s.email);
}

/* The same address again updates name, tags and status, keeps the id
 * and the creation date, and says it updated. */
static void
test_put_update(void **state)
{
	struct fixture *fx = *state;
	struct store_subscriber s;
	char err[ERR_LEN];
	int64_t id1, id2, created;

	assert_int_equal(put(fx->db, "bob@example.com", "Bob", "politics",
	    STORE_PENDING, &id1), 1);
	store_subscriber_init(&s);
	assert_int_equal(store_subscriber_find(fx->db, "bob@example.com", &s,
	    err), 1);
	created = s.created;
	store_subscriber_release(&s);

	make(&s, "bob@EXAMPLE.com", NULL, "Transport,business",
	    STORE_CONFIRMED);
	s.created = created + 1000;	/* ignored by an update */
	assert_int_equal(store_subscriber_put(fx->db, &s, err), 0);
	id2 = s.id;
	assert_int_equal(id2, id1);
	assert_string_equal(s.email, "bob@example.com");	/* normalized */
	assert_int_equal(s.created, created);
	store_subscriber_release(&s);

	store_subscriber_init(&s);
	assert_int_equal(store_subscriber_find(fx->db, "bob@example.com", &s,
	    err), 1);
	assert_null(s.name);
	assert_string_equal(tags_of(&s), "transport,business");
	assert_int_equal(s.status, STORE_CONFIRMED);
	assert_int_equal(s.created, created);
	store_subscriber_release(&s);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM subscriber"), 1);

	/* Another case of the same address is the same person: updated,
	 * and the address stored first is the one mail goes to. */
	make(&s, "BOB@example.com", NULL, NULL, STORE_CONFIRMED);
	assert_int_equal(store_subscriber_put(fx->db, &s, err), 0);
	assert_string_equal(s.email, "bob@example.com");
	store_subscriber_release(&s);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM subscriber"), 1);
}

/* What the table holds: the address normalized, the tags joined by
 * U+001F, the status as its name, an empty name as NULL, and it is all
 * still there after the file is closed and opened again. */
static void
test_put_columns(void **state)
{
	struct fixture *fx = *state;
	sqlite3_stmt *st;
	char err[ERR_LEN];

	assert_int_equal(put(fx->db, "a@B.Example", "", "Culture, Business",
	    STORE_UNSUBSCRIBED, NULL), 1);
	db_close(fx->db);
	fx->db = db_open(fx->path, err);
	assert_non_null(fx->db);
	assert_int_equal(sqlite3_prepare_v2(fx->db, "SELECT email, name, tags, "
	    "status FROM subscriber", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(st, 0), "a@b.example");
	assert_int_equal(sqlite3_column_type(st, 1), SQLITE_NULL);
	assert_string_equal(sqlite3_column_text(st, 2),
	    "culture\x1f" "business");
	assert_string_equal(sqlite3_column_text(st, 3), "unsubscribed");
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static void
test_put_refuses(void **state)
{
	struct fixture *fx = *state;
	struct store_subscriber s;
	char err[ERR_LEN];

	make(&s, "bob@", NULL, NULL, STORE_CONFIRMED);
	assert_int_equal(store_subscriber_put(fx->db, &s, err), -1);
	assert_non_null(strstr(err, "invalid address 'bob@': the part after @ "
	    "is missing"));
	store_subscriber_release(&s);

	make(&s, "x@example.com", "Mallory\r\nBcc: all@example.com", NULL,
	    STORE_CONFIRMED);
	assert_int_equal(store_subscriber_put(fx->db, &s, err), -1);
	assert_non_null(strstr(err, "line break"));
	store_subscriber_release(&s);

	make(&s, "x@example.com", NULL, NULL, (enum store_status)9);
	assert_int_equal(store_subscriber_put(fx->db, &s, err), -1);
	assert_non_null(strstr(err, "status"));
	store_subscriber_release(&s);

	store_subscriber_init(&s);
	assert_int_equal(store_subscriber_put(fx->db, &s, err), -1);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM subscriber"), 0);
}

/* Inside the caller's transaction: a rollback leaves nothing. */
static void
test_put_rollback(void **state)
{
	struct fixture *fx = *state;
	char err[ERR_LEN];

	assert_int_equal(db_begin(fx->db, err), 0);
	assert_int_equal(put(fx->db, "a@example.com", NULL, NULL,
	    STORE_CONFIRMED, NULL), 1);
	assert_int_equal(put(fx->db, "b@example.com", NULL, NULL,
	    STORE_CONFIRMED, NULL), 1);
	db_rollback(fx->db);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM subscriber"), 0);
	assert_int_equal(db_begin(fx->db, err), 0);
	assert_int_equal(put(fx->db, "a@example.com", NULL, NULL,
	    STORE_CONFIRMED, NULL), 1);
	assert_int_equal(put(fx->db, "a@example.com", "A", NULL,
	    STORE_CONFIRMED, NULL), 0);
	assert_int_equal(db_commit(fx->db, err), 0);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM subscriber "
	    "WHERE name = 'A'"), 1);
}

/* The emails of l, joined by " ". */
static const char *
emails_of(const struct store_subscriber_list *l)
{
	static char buf[1024];
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < l->n; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    i ? " " : "", l->v[i].email);
	return buf;
}

static void
test_list(void **state)
{
	struct fixture *fx = *state;
	struct store_subscriber_list l;
	char err[ERR_LEN];

	put(fx->db, "p@example.com", NULL, NULL, STORE_PENDING, NULL);
	put(fx->db, "c1@example.com", "One", "science", STORE_CONFIRMED, NULL);
	put(fx->db, "u@example.com", NULL, NULL, STORE_UNSUBSCRIBED, NULL);
	put(fx->db, "c2@example.com", NULL, "health,opinion", STORE_CONFIRMED,
	    NULL);
	put(fx->db, "b@example.com", NULL, NULL, STORE_BOUNCED, NULL);
	/* Confirming the pending one moves it, keeping its place by id. */
	put(fx->db, "p@example.com", NULL, NULL, STORE_CONFIRMED, NULL);

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_subscriber_list(fx->db, -1, &l, err), 0);
	assert_string_equal(emails_of(&l), "p@example.com c1@example.com "
	    "u@example.com c2@example.com b@example.com");
	assert_string_equal(tags_of(&l.v[3]), "health,opinion");
	assert_string_equal(l.v[1].name, "One");
	store_subscriber_list_release(&l);

	assert_int_equal(store_subscriber_list(fx->db, STORE_CONFIRMED, &l,
	    err), 0);
	assert_string_equal(emails_of(&l), "p@example.com c1@example.com "
	    "c2@example.com");
	/* Appends: a second call adds to what is there. */
	assert_int_equal(store_subscriber_list(fx->db, STORE_BOUNCED, &l,
	    err), 0);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.v[3].status, STORE_BOUNCED);
	store_subscriber_list_release(&l);

	assert_int_equal(store_subscriber_list(fx->db, STORE_PENDING, &l,
	    err), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(store_subscriber_list(fx->db, 5, &l, err), -1);
	assert_int_equal(store_subscriber_list(fx->db, -2, &l, err), -1);
	store_subscriber_list_release(&l);
}


/* The key: case-folded whole, the domain in A-labels; the address as
 * stored keeps its case. Every lookup by address goes through it. */
static void
test_key(void **state)
{
	struct fixture *fx = *state;
	struct store_subscriber s;
	char key[ADDR_KEY_MAX + 1], err[ERR_LEN];
	json_t *rec;

	assert_int_equal(addr_key("Hana.Sato@Example.COM", 21, key, err), 0);
	assert_string_equal(key, "hana.sato@example.com");
	assert_int_equal(addr_key("Zoë@Ü.example", strlen("Zoë@Ü.example"),
	    key, err), 0);
	assert_string_equal(key, "zoë@xn--tda.example");
	assert_int_equal(addr_key("ZOË@xn--tda.example",
	    strlen("ZOË@xn--tda.example"), key, err), 0);
	assert_string_equal(key, "zoë@xn--tda.example");
	/* Full case folding: ß is ss. */
	assert_int_equal(addr_key("Straße@example.de",
	    strlen("Straße@example.de"), key, err), 0);
	assert_string_equal(key, "strasse@example.de");
	assert_int_equal(addr_key("not an address", 14, key, err), -1);

	put(fx->db, "Hana.Sato@example.com", "Hana", NULL, STORE_CONFIRMED,
	    NULL);
	store_subscriber_init(&s);
	assert_int_equal(store_subscriber_find(fx->db, "HANA.SATO@EXAMPLE.COM",
	    &s, err), 1);
	assert_string_equal(s.email, "Hana.Sato@example.com");
	store_subscriber_release(&s);
	assert_int_equal(store_subscriber_records(fx->db, "hana.sato@example.com",
	    -1, &rec, err), 0);
	assert_int_equal(json_array_size(rec), 1);
	json_decref(rec);
	/* The unique index is on the key. */
	assert_int_equal(count(fx->db, "SELECT count(*) FROM pragma_index_list("
	    "'subscriber') l JOIN pragma_index_info(l.name) i WHERE l.\"unique\" "
	    "AND i.name = 'email_key'"), 1);
	assert_int_equal(sqlite3_exec(fx->db, "INSERT INTO subscriber (email, "
	    "email_key, created) VALUES ('HANA.SATO@example.com', "
	    "'hana.sato@example.com', 1)", NULL, NULL, NULL) & 0xff,
	    SQLITE_CONSTRAINT);
	assert_int_equal(store_subscriber_remove(fx->db, "hAnA.sAtO@example.com",
	    1, "test", err), 1);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM subscriber"), 0);
}

/* Suppressed statuses survive any put that is not itself a
 * suppression; the dates of a new one are kept. */
static void
test_put_suppressed(void **state)
{
	static const enum store_status sup[] = { STORE_UNSUBSCRIBED,
	    STORE_BOUNCED, STORE_COMPLAINED };
	struct fixture *fx = *state;
	struct store_subscriber s;
	char err[ERR_LEN], email[64];
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(email, sizeof(email), "s%zu@example.org", i);
		assert_true(store_status_suppressed(sup[i]));
		put(fx->db, email, NULL, NULL, STORE_CONFIRMED, NULL);
		make(&s, email, NULL, NULL, sup[i]);
		assert_int_equal(store_subscriber_put(fx->db, &s, err), 0);
		store_subscriber_release(&s);
		make(&s, email, "New", NULL, STORE_CONFIRMED);
		assert_int_equal(store_subscriber_put(fx->db, &s, err), 0);
		assert_int_equal(s.status, sup[i]);
		store_subscriber_release(&s);
		make(&s, email, NULL, NULL, STORE_PENDING);
		assert_int_equal(store_subscriber_put(fx->db, &s, err), 0);
		assert_int_equal(s.status, sup[i]);
		store_subscriber_release(&s);
	}
	assert_false(store_status_suppressed(STORE_CONFIRMED));
	assert_false(store_status_suppressed(STORE_PENDING));
	assert_int_equal(count(fx->db, "SELECT count(*) FROM subscriber WHERE "
	    "status = 'confirmed' OR unsubscribed IS NULL"), 0);
	/* A new suppressed one keeps the dates it was given. */
	make(&s, "old@example.org", NULL, NULL, STORE_UNSUBSCRIBED);
	s.created = 1000;
	s.unsubscribed = 2000;
	assert_int_equal(store_subscriber_put(fx->db, &s, err), 1);
	store_subscriber_release(&s);
	assert_int_equal(count(fx->db, "SELECT created + unsubscribed FROM "
	    "subscriber WHERE email = 'old@example.org'"), 3000);
	/* remove keeps a bounce a bounce, and says so in the log. */
	assert_int_equal(store_subscriber_remove(fx->db, "S1@example.org", 0,
	    "test", err), 1);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM subscriber WHERE "
	    "email = 's1@example.org' AND status = 'bounced'"), 1);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM consent WHERE "
	    "email_key = 's1@example.org' AND action = 'remove'"), 1);
}

/* The consent log: appended, keyed by the address's key, listed in
 * time order with RFC 3339 times, merged without duplicates, erased by
 * forget only. */
static void
test_consent(void **state)
{
	struct fixture *fx = *state;
	struct store_consent c;
	enum store_action a;
	char err[ERR_LEN];
	json_t *log, *e, *rec;

	memset(&c, 0, sizeof(c));
	c.time = 1795867200;	/* 2026-11-28T12:00:00Z */
	c.action = STORE_ACTION_SIGNUP;
	c.ip = "192.0.2.7";
	c.agent = "test/1";
	c.form = "web";
	c.detail = "tags=science";
	assert_int_equal(store_consent_add(fx->db, "Ann@Example.org", &c,
	    err), 0);
	c.time -= 60;
	c.action = STORE_ACTION_ADD;
	c.ip = c.agent = c.detail = NULL;
	assert_int_equal(store_consent_add(fx->db, "ann@example.org", &c,
	    err), 0);
	assert_int_equal(store_consent_merge(fx->db, "ANN@example.org", &c,
	    err), 0);
	c.time += 1;
	assert_int_equal(store_consent_merge(fx->db, "ANN@example.org", &c,
	    err), 1);
	c.action = (enum store_action)99;
	assert_int_equal(store_consent_add(fx->db, "ann@example.org", &c,
	    err), -1);
	assert_int_equal(store_consent_add(fx->db, "nobody", &c, err), -1);

	assert_int_equal(store_consent_list(fx->db, "aNN@example.ORG", &log,
	    err), 0);
	assert_int_equal(json_array_size(log), 3);
	e = json_array_get(log, 0);
	assert_string_equal(json_string_value(json_object_get(e, "time")),
	    "2026-11-28T11:59:00Z");
	assert_string_equal(json_string_value(json_object_get(e, "action")),
	    "add");
	assert_true(json_is_null(json_object_get(e, "ip")));
	e = json_array_get(log, 2);
	assert_string_equal(json_string_value(json_object_get(e, "action")),
	    "signup");
	assert_string_equal(json_string_value(json_object_get(e, "ip")),
	    "192.0.2.7");
	assert_string_equal(json_string_value(json_object_get(e, "detail")),
	    "tags=science");
	json_decref(log);

	/* The log rides along in the record; forget erases it. */
	put(fx->db, "Ann@example.org", NULL, NULL, STORE_CONFIRMED, NULL);
	assert_int_equal(store_subscriber_records(fx->db, "ann@example.org", -1,
	    &rec, err), 0);
	e = json_array_get(rec, 0);
	assert_int_equal(json_array_size(json_object_get(e, "consent")), 3);
	assert_true(json_is_string(json_object_get(e, "created")));
	assert_null(json_object_get(e, "email_key"));
	json_decref(rec);
	assert_int_equal(store_subscriber_remove(fx->db, "ann@example.org", 1,
	    "test", err), 1);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM consent"), 0);
	for (a = STORE_ACTION_SIGNUP; a <= STORE_ACTION_COMPLAINT; a++) {
		enum store_action back;

		assert_int_equal(store_action_from_name(store_action_name(a),
		    &back), 0);
		assert_int_equal(back, a);
	}
	assert_int_equal(store_action_from_name("nope", &a), -1);
}

/* A file of schema 6 holding one person twice (by case) and the old
 * consent columns: migrated, they are one subscriber, the most
 * suppressed one, with both journals' rows and both consents in the
 * log. */
static void
test_migrate_merge(void **state)
{
	struct fixture *fx = *state;
	char path[4300], err[ERR_LEN];
	sqlite3 *db;

	(void)fx;
	snprintf(path, sizeof(path), "%s/old.db", tu_tmpdir());
	db = db_open_version(path, 6, err);
	if (db == NULL)
		fail_msg("%s", err);
	assert_int_equal(sqlite3_exec(db,
	    "INSERT INTO subscriber (id, email, status, created, consent_time,"
	    " consent_ip, consent_form) VALUES (1, 'Hana.Sato@example.com',"
	    " 'unsubscribed', 10, 10, '192.0.2.1', 'web');"
	    "UPDATE subscriber SET unsubscribed = 20 WHERE id = 1;"
	    "INSERT INTO subscriber (id, email, status, created, consent_time,"
	    " consent_form, confirmed) VALUES (2, 'HANA.SATO@example.com',"
	    " 'confirmed', 30, 30, 'digest subscribers', 30);"
	    "INSERT INTO subscriber (id, email, status, created) VALUES"
	    " (3, 'other@example.com', 'confirmed', 5);"
	    "INSERT INTO edition (id, created, since, until) VALUES"
	    " ('e1', 1, 0, 1), ('e2', 1, 0, 1);"
	    "INSERT INTO delivery (edition_id, subscriber_id, status) VALUES"
	    " ('e1', 1, 'sent'), ('e1', 2, 'sent'), ('e2', 2, 'sent');"
	    "INSERT INTO mail_queue (kind, subscriber_id, created, next_try)"
	    " VALUES ('confirm', 2, 1, 1);", NULL, NULL, NULL), SQLITE_OK);
	db_close(db);
	db = db_open(path, err);
	if (db == NULL)
		fail_msg("%s", err);
	assert_int_equal(count(db, "SELECT count(*) FROM subscriber"), 2);
	assert_int_equal(count(db, "SELECT count(*) FROM subscriber WHERE id = 1"
	    " AND status = 'unsubscribed' AND email_key ="
	    " 'hana.sato@example.com'"), 1);
	assert_int_equal(count(db, "SELECT count(*) FROM delivery WHERE"
	    " subscriber_id = 1"), 2);
	assert_int_equal(count(db, "SELECT count(*) FROM mail_queue WHERE"
	    " subscriber_id = 1"), 1);
	assert_int_equal(count(db, "SELECT count(*) FROM consent WHERE"
	    " email_key = 'hana.sato@example.com'"), 3);
	assert_int_equal(count(db, "SELECT count(*) FROM consent WHERE"
	    " action = 'signup' AND ip = '192.0.2.1'"), 1);
	assert_int_equal(count(db, "PRAGMA foreign_keys"), 1);
	db_close(db);
}

static void
test_status_names(void **state)
{
	static const char *const names[] = { "pending", "confirmed",
	    "unsubscribed", "bounced", "complained" };
	enum store_status st;
	int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		assert_string_equal(store_status_name((enum store_status)i),
		    names[i]);
		assert_int_equal(store_status_from_name(names[i], &st), 0);
		assert_int_equal(st, i);
	}
	assert_int_equal(store_status_from_name("Confirmed", &st), -1);
	assert_int_equal(store_status_from_name("", &st), -1);
	assert_int_equal(store_status_from_name("active", &st), -1);
	assert_string_equal(store_status_name((enum store_status)7), "unknown");
}

/* Tags: normalized like article tags, unique, the empty ones dropped,
 * at most STORE_TAGS_MAX; a separator byte inside one cannot split it
 * in the table. */
static void
test_tags(void **state)
{
	struct fixture *fx = *state;
	struct store_subscriber s;
	char err[ERR_LEN], tag[16], norm[ARTICLE_TAG_MAX];
	int i;

	(void)state;
	store_subscriber_init(&s);
	store_subscriber_tag_add(&s, "  \xc3\x89" "ducation\t", 13);
	article_tag_normalize("  \xc3\x89" "ducation\t", 13, norm);
	assert_string_equal(s.tags[0], norm);
	assert_string_equal(s.tags[0], "\xc3\xa9" "ducation");
	store_subscriber_tag_add(&s, "   ", 3);
	store_subscriber_tag_add(&s, "\xc3\x89" "DUCATION", 10);
	assert_int_equal(s.ntags, 1);
	store_subscriber_tag_add(&s, "a\x1f" "b", 3);
	assert_string_equal(s.tags[1], "ab");
	for (i = 0; i < STORE_TAGS_MAX + 10; i++) {
		snprintf(tag, sizeof(tag), "t%d", i);
		store_subscriber_tag_add(&s, tag, strlen(tag));
	}
	assert_int_equal(s.ntags, STORE_TAGS_MAX);
	s.email = xstrdup("many@example.com");
	assert_int_equal(store_subscriber_put(fx->db, &s, err), 1);
	store_subscriber_release(&s);
	store_subscriber_init(&s);
	assert_int_equal(store_subscriber_find(fx->db, "many@example.com", &s,
	    err), 1);
	assert_int_equal(s.ntags, STORE_TAGS_MAX);
	assert_string_equal(s.tags[1], "ab");
	assert_string_equal(s.tags[STORE_TAGS_MAX - 1], "t61");
	store_subscriber_release(&s);
}

static void
test_name_check(void **state)
{
	char err[ERR_LEN], name[STORE_NAME_MAX * 2 + 8];
	size_t i;

	(void)state;
	assert_int_equal(store_name_check("Zo\xc3\xab M\xc3\xbcller", 12,
	    err), 0);
	assert_int_equal(store_name_check("O'Brien, \"Jr.\" <x>", 18, err), 0);
	assert_int_equal(store_name_check("a\nb", 3, err), -1);
	assert_non_null(strstr(err, "line break"));
	assert_int_equal(store_name_check("a\0b", 3, err), -1);
	assert_non_null(strstr(err, "control character"));
	assert_int_equal(store_name_check("a\tb", 3, err), -1);
	assert_int_equal(store_name_check("caf\xe9", 4, err), -1);
	assert_non_null(strstr(err, "UTF-8"));
	/* The limit counts characters, not bytes. */
	for (i = 0; i < STORE_NAME_MAX; i++)
		memcpy(name + 2 * i, "\xc3\xa9", 2);
	assert_int_equal(store_name_check(name, 2 * STORE_NAME_MAX, err), 0);
	memcpy(name + 2 * STORE_NAME_MAX, "x", 1);
	assert_int_equal(store_name_check(name, 2 * STORE_NAME_MAX + 1, err),
	    -1);
	assert_non_null(strstr(err, "longer than"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_update, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_put_columns, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_put_refuses, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_put_rollback, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_suppressed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_consent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_merge, setup,
		    teardown),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_name_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
