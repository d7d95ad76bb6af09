/* Tests for digest/verp.c: signed tokens, the addresses they make, and
 * the key and edition numbers kept in a real SQLite file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <sqlite3.h>

#include "config.h"
#include "db.h"
#include "testutil.h"
#include "verp.h"

static void
key_fill(struct verp_key *k, unsigned char seed)
{
	size_t i;

	for (i = 0; i < VERP_KEY_BYTES; i++)
		k->k[i] = (unsigned char)(seed + i * 7);
}

static void
test_round_trip(void **state)
{
	static const int64_t editions[] = { 0, 1, 127, 128, 70000,
	    INT64_MAX };
	static const int64_t readers[] = { 1, 2, 300, 1000000, INT64_MAX };
	struct verp_key k;
	char tok[VERP_TOKEN_MAX + 1];
	int64_t e, s;
	size_t i, j;

	(void)state;
	key_fill(&k, 1);
	for (i = 0; i < sizeof(editions) / sizeof(editions[0]); i++)
		for (j = 0; j < sizeof(readers) / sizeof(readers[0]); j++) {
			verp_token_make(&k, VERP_BOUNCE, editions[i], readers[j],
			    tok);
			assert_true(strlen(tok) <= VERP_TOKEN_MAX);
			assert_int_equal(strspn(tok,
			    "abcdefghijklmnopqrstuvwxyz234567"), strlen(tok));
			assert_int_equal(verp_token_read(&k, VERP_BOUNCE, tok,
			    strlen(tok), &e, &s), 1);
			assert_true(e == editions[i] && s == readers[j]);
		}
	/* A million readers and a few hundred editions: short tokens. */
	verp_token_make(&k, VERP_BOUNCE, 300, 1000000, tok);
	assert_true(strlen(tok) <= 24);
}

/* Servers may fold the local part: any case reads the same. */
static void
test_case_insensitive(void **state)
{
	struct verp_key k;
	char tok[VERP_TOKEN_MAX + 1];
	int64_t e, s;
	size_t i;

	(void)state;
	key_fill(&k, 9);
	verp_token_make(&k, VERP_UNSUBSCRIBE, 4, 42, tok);
	for (i = 0; tok[i] != '\0'; i++)
		tok[i] = (char)toupper((unsigned char)tok[i]);
	assert_int_equal(verp_token_read(&k, VERP_UNSUBSCRIBE, tok,
	    strlen(tok), &e, &s), 1);
	assert_true(e == 4 && s == 42);
}

/* Forgeries: another key, the other kind, any one character changed,
 * cut or lengthened, junk. */
static void
test_forged(void **state)
{
	struct verp_key k, other;
	char tok[VERP_TOKEN_MAX + 1], bad[VERP_TOKEN_MAX + 2];
	const char *b32 = "abcdefghijklmnopqrstuvwxyz234567";
	int64_t e, s;
	size_t i, n, c;

	(void)state;
	key_fill(&k, 3);
	key_fill(&other, 4);
	verp_token_make(&k, VERP_BOUNCE, 12, 345, tok);
	n = strlen(tok);
	assert_int_equal(verp_token_read(&other, VERP_BOUNCE, tok, n, &e, &s),
	    0);
	assert_int_equal(verp_token_read(&k, VERP_UNSUBSCRIBE, tok, n, &e,
	    &s), 0);
	for (i = 0; i < n; i++)
		for (c = 0; c < 32; c++) {
			memcpy(bad, tok, n + 1);
			if (bad[i] == b32[c])
				continue;
			bad[i] = b32[c];
			assert_int_equal(verp_token_read(&k, VERP_BOUNCE, bad, n,
			    &e, &s), 0);
		}
	for (i = 0; i < n; i++)
		assert_int_equal(verp_token_read(&k, VERP_BOUNCE, tok, i, &e,
		    &s), 0);
	memcpy(bad, tok, n);
	bad[n] = 'a';
	assert_int_equal(verp_token_read(&k, VERP_BOUNCE, bad, n + 1, &e, &s),
	    0);
	assert_int_equal(verp_token_read(&k, VERP_BOUNCE, "not-a-token!", 12,
	    &e, &s), 0);
	assert_int_equal(verp_token_read(&k, VERP_BOUNCE, "", 0, &e, &s), 0);
}

static void
test_address(void **state)
{
	char out[ADDR_MAX + 1], err[ERR_LEN];

	(void)state;
	assert_int_equal(verp_address("bounces@example.org", "abc", out,
	    sizeof(out), err), 0);
	assert_string_equal(out, "bounces+abc@example.org");
	assert_int_equal(verp_address("nobody", "abc", out, sizeof(out), err),
	    -1);
	assert_int_equal(verp_address(
	    "a-very-long-local-part-that-leaves-no-room@example.org",
	    "abcdefghijklmnopqrstuvwxyz", out, sizeof(out), err), -1);
	assert_non_null(strstr(err, "no room"));
}

static struct sqlite3 *
open_db(void)
{
	char path[4200], err[ERR_LEN];
	struct sqlite3 *db;

	snprintf(path, sizeof(path), "%s/digest.db", tu_tmpdir());
	db = db_open(path, err);
	if (db == NULL)
		fail_msg("%s", err);
	return db;
}

/* The key is made once and then always the same; editions are numbered
 * once, from 1. */
static void
test_store(void **state)
{
	struct verp_key a, b;
	struct sqlite3 *db = open_db();
	char err[ERR_LEN], id[64];
	int64_t n1, n2, n3;

	(void)state;
	assert_int_equal(verp_key_load(db, &a, err), 0);
	assert_int_equal(verp_key_load(db, &b, err), 0);
	assert_memory_equal(a.k, b.k, VERP_KEY_BYTES);
	assert_int_equal(verp_edition_number(db, "2026-W48", 0, &n1, err), 0);
	assert_true(n1 == 0);
	assert_int_equal(verp_edition_number(db, "2026-W48", 1, &n1, err), 0);
	assert_int_equal(verp_edition_number(db, "2026-W49", 1, &n2, err), 0);
	assert_int_equal(verp_edition_number(db, "2026-W48", 1, &n3, err), 0);
	assert_true(n1 == 1 && n2 == 2 && n3 == 1);
	assert_int_equal(verp_edition_id(db, n2, id, sizeof(id), err), 1);
	assert_string_equal(id, "2026-W49");
	assert_int_equal(verp_edition_id(db, 99, id, sizeof(id), err), 0);
	db_close(db);
}

static void
conf_init(struct config *c, const char *rp, const char *unsub)
{
	char err[ERR_LEN];

	assert_int_equal(config_load(c, NULL, err), 0);
	free(c->return_path);
	c->return_path = xstrdup(rp);
	free(c->unsubscribe_mailto);
	c->unsubscribe_mailto = xstrdup(unsub);
	free(c->from_address);
	c->from_address = xstrdup("news@example.org");
}

/* A reader's envelope sender and mailto: signed tokens with return_path,
 * what was there before without it. */
static void
test_reader(void **state)
{
	struct sqlite3 *db = open_db();
	struct config c;
	struct verp v;
	char rp[ADDR_MAX + 1], un[ADDR_MAX + 1], err[ERR_LEN];
	const char *t;
	int64_t e, s;

	(void)state;
	unsetenv("DIGEST_CONFIG");
	conf_init(&c, "", "unsubscribe@example.org");
	assert_int_equal(verp_open(&v, db, &c, "2026-W48", 1, err), 0);
	assert_int_equal(verp_reader(&v, 7, rp, un, err), 0);
	assert_string_equal(rp, "news@example.org");
	assert_string_equal(un, "unsubscribe@example.org");
	config_release(&c);

	conf_init(&c, "bounces@example.org", "unsubscribe@example.org");
	assert_int_equal(verp_open(&v, db, &c, "2026-W48", 1, err), 0);
	assert_int_equal(verp_reader(&v, 7, rp, un, err), 0);
	assert_int_equal(strncmp(rp, "bounces+", 8), 0);
	t = rp + 8;
	assert_int_equal(verp_token_read(&v.key, VERP_BOUNCE, t,
	    strcspn(t, "@"), &e, &s), 1);
	assert_true(e == v.edition_n && s == 7);
	assert_string_equal(strchr(rp, '@'), "@example.org");
	assert_int_equal(strncmp(un, "unsubscribe+", 12), 0);
	t = un + 12;
	assert_int_equal(verp_token_read(&v.key, VERP_UNSUBSCRIBE, t,
	    strcspn(t, "@"), &e, &s), 1);
	assert_int_equal(verp_token_read(&v.key, VERP_BOUNCE, t,
	    strcspn(t, "@"), &e, &s), 0);
	config_release(&c);

	conf_init(&c, "bounces@example.org", "");
	assert_int_equal(verp_open(&v, db, &c, "2026-W48", 1, err), 0);
	assert_int_equal(verp_reader(&v, 7, rp, un, err), 0);
	assert_string_equal(un, "");
	config_release(&c);

	/* A return path that cannot take a token is refused up front. */
	conf_init(&c, "bounces+x@example.org", "");
	assert_int_equal(verp_open(&v, db, &c, "2026-W48", 1, err), -1);
	assert_non_null(strstr(err, "return_path"));
	config_release(&c);
	conf_init(&c, "not an address", "");
	assert_int_equal(verp_open(&v, db, &c, "2026-W48", 1, err), -1);
	config_release(&c);
	db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_case_insensitive),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
