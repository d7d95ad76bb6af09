/*
 * addrkey: the cases of tests/data/addrkey.txt; a key is its own key;
 * and for every address the validator accepts (addr.txt, and the 782
 * inputs of ../shared/testdata/email/signup_cases.json), addr_key() is
 * the key of its normalized form, so that a migration keying stored
 * addresses (digest_addr_key() in SQL) and a form keying what a person
 * typed agree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"
#include "addr.h"
#include "addrkey.h"
#include "db.h"

#include <jansson.h>
#include <sqlite3.h>

static int
check_case(char **f, int nf, int lineno)
{
	char key[ADDRKEY_MAX + 1], again[ADDRKEY_MAX + 1], err[ERR_LEN] = "";
	size_t len;
	int rc;

	if (nf < 2) {
		print_error("addrkey.txt:%d: fewer than 2 fields\n", lineno);
		return 1;
	}
	len = tu_unescape(f[0]);
	rc = addrkey_make(f[0], len, key, err);
	if (strcmp(f[1], "invalid") == 0) {
		if (rc != -1 || nf < 3 || strstr(err, f[2]) == NULL) {
			print_error("addrkey.txt:%d: '%s': rc %d, err '%s', "
			    "expected -1 and '%s'\n", lineno, tu_show(f[0], len),
			    rc, err, nf < 3 ? "" : f[2]);
			return 1;
		}
		return 0;
	}
	tu_unescape(f[1]);
	if (rc != 0 || strcmp(key, f[1]) != 0) {
		print_error("addrkey.txt:%d: '%s': rc %d (%s), got '%s', "
		    "expected '%s'\n", lineno, tu_show(f[0], len), rc, err,
		    rc == 0 ? key : "", f[1]);
		return 1;
	}
	if (addrkey_make(key, strlen(key), again, err) != 0 ||
	    strcmp(again, key) != 0) {
		print_error("addrkey.txt:%d: the key '%s' keys as '%s'\n",
		    lineno, key, again);
		return 1;
	}
	return 0;
}

static void
test_addrkey_table(void **state)
{
	(void)state;
	tu_table_run("addrkey.txt", 3, check_case, 20);
}

/* addr_key(x) is addrkey_make(addr_from_text(x)) for a valid x, and the
 * SQL function the migrations use gives the same. */
static int
check_agrees(sqlite3_stmt *st, const char *in, size_t len, int *checked)
{
	char norm[ADDR_MAX + 1], viaaddr[ADDR_KEY_MAX + 1];
	char direct[ADDRKEY_MAX + 1], err[ERR_LEN];
	const char *sql;

	if (addr_from_text(in, len, norm, err) == -1)
		return 0;
	(*checked)++;
	if (addr_key(in, len, viaaddr, err) != 0 ||
	    addrkey_make(norm, strlen(norm), direct, err) != 0 ||
	    strcmp(viaaddr, direct) != 0) {
		print_error("'%s': addr_key and the key of '%s' differ\n",
		    tu_show(in, len), norm);
		return 1;
	}
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, norm, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW ||
	    (sql = (const char *)sqlite3_column_text(st, 0)) == NULL ||
	    strcmp(sql, direct) != 0) {
		print_error("'%s': digest_addr_key() differs\n", norm);
		return 1;
	}
	return 0;
}

static sqlite3_stmt *
key_stmt(sqlite3 **db)
{
	char err[ERR_LEN];
	sqlite3_stmt *st = NULL;

	*db = db_open(":memory:", err);
	assert_non_null(*db);
	assert_int_equal(sqlite3_prepare_v2(*db, "SELECT digest_addr_key(?1)",
	    -1, &st, NULL), SQLITE_OK);
	return st;
}

static void
test_addrkey_agrees_table(void **state)
{
	char *data = tu_read(tu_data_path("subscribers/addr.txt"), NULL);
	char *text = data, *row, *f[3];
	int lineno = 0, bad = 0, checked = 0;
	sqlite3_stmt *st;
	sqlite3 *db;

	(void)state;
	st = key_stmt(&db);
	while ((row = tu_row(&text, &lineno)) != NULL) {
		tu_fields(row, f, 3);
		bad += check_agrees(st, f[0], tu_unescape(f[0]), &checked);
	}
	sqlite3_finalize(st);
	db_close(db);
	free(data);
	assert_int_equal(bad, 0);
	print_message("%d valid addresses\n", checked);
	assert_true(checked >= 30);
}

static void
test_addrkey_agrees_shared(void **state)
{
	const char *path;
	json_t *cases, *c;
	json_error_t jerr;
	sqlite3_stmt *st;
	sqlite3 *db;
	size_t i;
	int bad = 0, checked = 0;

	(void)state;
	TU_SHARED_OR_SKIP(path, "testdata/email/signup_cases.json");
	cases = json_load_file(path, JSON_ALLOW_NUL, &jerr);
	if (cases == NULL || !json_is_array(cases))
		fail_msg("%s: line %d: %s", path, jerr.line, jerr.text);
	st = key_stmt(&db);
	json_array_foreach(cases, i, c) {
		json_t *in = json_object_get(c, "address");

		if (json_is_string(in))
			bad += check_agrees(st, json_string_value(in),
			    json_string_length(in), &checked);
	}
	sqlite3_finalize(st);
	db_close(db);
	json_decref(cases);
	assert_int_equal(bad, 0);
	print_message("%d valid addresses\n", checked);
	assert_true(checked >= 200);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addrkey_table),
		cmocka_unit_test(test_addrkey_agrees_table),
		cmocka_unit_test(test_addrkey_agrees_shared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
