/*
 * store: subscribers in a real SQLite file in a fresh directory: add,
 * update, find, list by status, tags normalized, what put refuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "testutil.h"
#include "article.h"
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

	/* The local part keeps its case: another address. */
	assert_int_equal(put(fx->db, "Bob@example.com", NULL, NULL,
	    STORE_CONFIRMED, NULL), 1);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM subscriber"), 2);
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
	assert_int_equal(store_subscriber_list(fx->db, 4, &l, err), -1);
	assert_int_equal(store_subscriber_list(fx->db, -2, &l, err), -1);
	store_subscriber_list_release(&l);
}

static void
test_status_names(void **state)
{
	static const char *const names[] = { "pending", "confirmed",
	    "unsubscribed", "bounced" };
	enum store_status st;
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
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
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_name_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
