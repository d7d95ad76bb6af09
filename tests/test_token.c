/* Tests for digest/token.c and the tokens the store gives people. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <time.h>

#include "db.h"
#include "store.h"
#include "testutil.h"
#include "token.h"

static int
is_b64url(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
test_shape_and_uniqueness(void **state)
{
	static char toks[20000][TOKEN_LEN + 1];
	char err[ERR_LEN];
	size_t i, k, seen[256] = { 0 }, symbols = 0;

	(void)state;
	for (i = 0; i < 20000; i++) {
		assert_int_equal(token_new(toks[i], err), 0);
		assert_int_equal(strlen(toks[i]), TOKEN_LEN);
		assert_true(is_b64url(toks[i]));
		/* Each secret character spreads over the 64 symbols. */
		for (k = TOKEN_SELECTOR_LEN; k < TOKEN_LEN; k++)
			seen[(unsigned char)toks[i][k]]++;
		/* Selectors sort as the tokens were made: the first 7
		 * characters are the millisecond (the 8th, a counter, may
		 * wrap within one). */
		if (i > 0)
			assert_true(strncmp(toks[i - 1], toks[i],
			    TOKEN_SELECTOR_LEN - 1) <= 0);
	}
	for (i = 0; i < 256; i++)
		symbols += seen[i] > 0;
	assert_int_equal(symbols, 64);
	qsort(toks, 20000, sizeof(toks[0]), cmp_str);
	for (i = 1; i < 20000; i++)
		assert_int_not_equal(strcmp(toks[i - 1], toks[i]), 0);
}

/* The selector is the time of making: a token made a few milliseconds
 * later sorts after, as a number written in the same digits would. */
static void
test_selector_order(void **state)
{
	char a[TOKEN_LEN + 1], b[TOKEN_LEN + 1], err[ERR_LEN];
	struct timespec pause = { 0, 3000000 };

	(void)state;
	assert_int_equal(token_new(a, err), 0);
	nanosleep(&pause, NULL);
	assert_int_equal(token_new(b, err), 0);
	assert_true(strncmp(a, b, TOKEN_SELECTOR_LEN) < 0);
}

static void
test_equal(void **state)
{
	char a[TOKEN_LEN + 1], b[TOKEN_LEN + 1], err[ERR_LEN];

	(void)state;
	assert_int_equal(token_new(a, err), 0);
	memcpy(b, a, sizeof(a));
	assert_true(token_equal(a, b));
	b[TOKEN_LEN - 1] ^= 1;
	assert_false(token_equal(a, b));
	assert_false(token_equal("", a));
	assert_false(token_equal(a, ""));
	b[TOKEN_LEN - 1] ^= 1;
	b[10] = '\0';
	assert_false(token_equal(b, a));	/* a prefix */
	assert_false(token_equal(NULL, a));
	assert_false(token_equal(a, NULL));
}

static sqlite3 *
open_at(const char *path)
{
	char err[ERR_LEN];
	sqlite3 *db = db_open(path, err);

	if (db == NULL)
		fail_msg("%s", err);
	return db;
}

static void
put(sqlite3 *db, const char *email)
{
	struct store_subscriber s;
	char err[ERR_LEN];

	store_subscriber_init(&s);
	s.email = xstrdup(email);
	s.status = STORE_CONFIRMED;
	if (store_subscriber_put(db, &s, err) == -1)
		fail_msg("%s", err);
	store_subscriber_release(&s);
}

static void
find(sqlite3 *db, const char *email, struct store_subscriber *s)
{
	char err[ERR_LEN];

	store_subscriber_init(s);
	assert_int_equal(store_subscriber_find(db, email, s, err), 1);
	assert_non_null(s->unsubscribe_token);
	assert_non_null(s->preferences_token);
	assert_int_equal(strlen(s->unsubscribe_token), TOKEN_LEN);
	assert_int_equal(strlen(s->preferences_token), TOKEN_LEN);
	assert_string_not_equal(s->unsubscribe_token, s->preferences_token);
}

static void
test_store_gives_tokens_that_last(void **state)
{
	char path[4200], unsub[TOKEN_LEN + 1];
	struct store_subscriber a, b;
	sqlite3 *db;

	(void)state;
	snprintf(path, sizeof(path), "%s/t.db", tu_tmpdir());
	db = open_at(path);
	put(db, "a@example.org");
	put(db, "b@example.org");
	find(db, "a@example.org", &a);
	find(db, "b@example.org", &b);
	assert_string_not_equal(a.unsubscribe_token, b.unsubscribe_token);
	memcpy(unsub, a.unsubscribe_token, sizeof(unsub));
	store_subscriber_release(&a);
	store_subscriber_release(&b);
	/* Updating someone keeps their links working. */
	put(db, "a@example.org");
	find(db, "a@example.org", &a);
	assert_string_equal(a.unsubscribe_token, unsub);
	store_subscriber_release(&a);
	db_close(db);
}

/* A link sent before selectors were times (its first 8 characters as
 * random as the rest) still finds its subscriber, and only the whole
 * token does. */
static void
test_old_random_token_found(void **state)
{
	static const char old[] =
	    "q3Zk_9vTn0cJx-LmWb7RtYp2Ds8FhGa4KeUo1NiVw5E";
	char path[4200], err[ERR_LEN], sql[256], wrong[TOKEN_LEN + 1];
	struct store_subscriber a;
	sqlite3 *db;

	(void)state;
	assert_int_equal(strlen(old), TOKEN_LEN);
	snprintf(path, sizeof(path), "%s/old.db", tu_tmpdir());
	db = open_at(path);
	put(db, "a@example.org");
	put(db, "b@example.org");
	snprintf(sql, sizeof(sql), "UPDATE subscriber SET unsubscribe_token "
	    "= '%s' WHERE email = 'a@example.org'", old);
	assert_int_equal(db_exec(db, sql, err), 0);
	store_subscriber_init(&a);
	assert_int_equal(store_subscriber_by_token(db, STORE_TOKEN_UNSUBSCRIBE,
	    old, &a, err), 1);
	assert_string_equal(a.email, "a@example.org");
	store_subscriber_release(&a);
	memcpy(wrong, old, sizeof(wrong));
	wrong[TOKEN_LEN - 1] = 'F';
	store_subscriber_init(&a);
	assert_int_equal(store_subscriber_by_token(db, STORE_TOKEN_UNSUBSCRIBE,
	    wrong, &a, err), 0);
	store_subscriber_release(&a);
	db_close(db);
}

/* A file made before migration 3 gets tokens for the people it holds. */
static void
test_migration_fills_tokens(void **state)
{
	char path[4200], err[ERR_LEN];
	struct store_subscriber a;
	sqlite3 *db;

	(void)state;
	snprintf(path, sizeof(path), "%s/m.db", tu_tmpdir());
	db = db_open_version(path, 2, err);
	if (db == NULL)
		fail_msg("%s", err);
	assert_int_equal(db_exec(db, "INSERT INTO subscriber (email, status, "
	    "created) VALUES ('old@example.org', 'confirmed', 1)", err), 0);
	db_close(db);
	db = open_at(path);
	find(db, "old@example.org", &a);
	store_subscriber_release(&a);
	db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape_and_uniqueness),
		cmocka_unit_test(test_selector_order),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_old_random_token_found),
		cmocka_unit_test(test_store_gives_tokens_that_last),
		cmocka_unit_test(test_migration_fills_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
