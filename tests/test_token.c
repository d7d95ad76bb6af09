/* Tests for digest/token.c and the tokens the store gives people. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>

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
	size_t i, bits[256] = { 0 };

	(void)state;
	for (i = 0; i < 20000; i++) {
		assert_int_equal(token_new(toks[i], err), 0);
		assert_int_equal(strlen(toks[i]), TOKEN_LEN);
		assert_true(is_b64url(toks[i]));
		bits[(unsigned char)toks[i][0]]++;
	}
	qsort(toks, 20000, sizeof(toks[0]), cmp_str);
	for (i = 1; i < 20000; i++)
		assert_int_not_equal(strcmp(toks[i - 1], toks[i]), 0);
	/* The first character spreads over the alphabet: 64 symbols. */
	for (i = 0, bits[0] = 0; i < 256; i++)
		bits[0] += bits[i] > 0;
	assert_int_equal(bits[0], 64);
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
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_store_gives_tokens_that_last),
		cmocka_unit_test(test_migration_fills_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
