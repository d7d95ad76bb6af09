/* Tests for digest/config.c: defaults, the sample file, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "buf.h"
#include "config.h"
#include "testutil.h"

static const char *
write_conf(const char *text)
{
	static char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/digest.conf", tu_tmpdir());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void
test_defaults(void **state)
{
	struct config c;
	char err[ERR_LEN];

	(void)state;
	/* An explicit empty file: only defaults, and what derives from them. */
	assert_int_equal(config_load(&c, write_conf("# nothing\n\n"), err), 0);
	assert_string_equal(c.name, "digest");
	assert_string_equal(c.from_name, "digest");
	assert_string_equal(c.message_id_domain, "localhost.localdomain");
	assert_int_equal(c.max_articles, 10);
	assert_int_equal(c.text_width, 72);
	config_release(&c);
}

static void
test_values_and_derived(void **state)
{
	struct config c;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(config_load(&c, write_conf(
	    "name = The Ledger\r\n"
	    "  from_address =  news@ledger.example.org  \n"
	    "max_articles=25\n"
	    "subject = {{{edition.title}}} = news\n"), err), 0);
	assert_string_equal(c.name, "The Ledger");
	assert_string_equal(c.from_name, "The Ledger");
	assert_string_equal(c.from_address, "news@ledger.example.org");
	assert_string_equal(c.message_id_domain, "ledger.example.org");
	assert_string_equal(c.list_id, "ledger.example.org");
	assert_string_equal(c.subject, "{{{edition.title}}} = news");
	assert_int_equal(c.max_articles, 25);
	config_release(&c);
}

static void
test_errors_name_file_and_line(void **state)
{
	struct config c;
	char err[ERR_LEN];
	const char *path;

	(void)state;
	path = write_conf("name = x\n\nform_name = y\n");
	assert_int_equal(config_load(&c, path, err), -1);
	assert_non_null(strstr(err, ":3: unknown key 'form_name'"));
	assert_non_null(strstr(err, path));
	config_release(&c);

	assert_int_equal(config_load(&c, write_conf("max_articles = lots\n"),
	    err), -1);
	assert_non_null(strstr(err, ":1: 'max_articles' wants a number from 1 "
	    "to 1000, not 'lots'"));
	config_release(&c);

	assert_int_equal(config_load(&c, write_conf("just words\n"), err), -1);
	assert_non_null(strstr(err, ":1: expected 'key = value'"));
	config_release(&c);

	assert_int_equal(config_load(&c, "/no/such/digest.conf", err), -1);
	assert_non_null(strstr(err, "/no/such/digest.conf"));
	config_release(&c);
}

/* samples/digest.conf is the commented list of every key: it must name
 * each key the table declares, and load cleanly. */
static void
test_sample_names_every_key(void **state)
{
	struct config c;
	struct buf dump;
	char err[ERR_LEN], path[4200], *sample, *line, *next, key[64];
	const char *t = getenv("TESTS");

	(void)state;
	snprintf(path, sizeof(path), "%s/../samples/digest.conf",
	    t ? t : "tests");
	assert_int_equal(config_load(&c, path, err), 0);
	assert_string_equal(c.name, "The Harbor Ledger");
	buf_init(&dump, 1 << 20);
	config_dump(&c, NULL, &dump);
	sample = tu_read(path, NULL);
	for (line = dump.data; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		snprintf(key, sizeof(key), "\n%.*s =", (int)strcspn(line, " "),
		    line);
		if (strstr(sample, key) == NULL)
			fail_msg("samples/digest.conf does not set '%s'", line);
	}
	free(sample);
	buf_release(&dump);
	config_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values_and_derived),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_sample_names_every_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
