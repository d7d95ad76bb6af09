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

	/* A typo names the key it was meant to be. */
	assert_int_equal(config_load(&c, write_conf("smtp_ulr = x\n"), err), -1);
	assert_non_null(strstr(err, ":1: unknown key 'smtp_ulr' (did you mean "
	    "'smtp_url'?)"));
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

/* A bad value that every message would carry is refused as the file is
 * read, with its line and the fix: tests/data/config/refused.txt. */
static int
check_refused_row(char **f, int nf, int lineno)
{
	char text[1024], err[ERR_LEN], want[ERR_LEN + 64];
	const char *path;
	struct config c;
	int rc;

	if (nf != 2) {
		print_error("refused.txt:%d: expected 2 fields\n", lineno);
		return 1;
	}
	tu_unescape(f[0]);
	tu_unescape(f[1]);
	snprintf(text, sizeof(text), "# a comment\n%s\n", f[0]);
	path = write_conf(text);
	rc = config_load(&c, path, err);
	config_release(&c);
	snprintf(want, sizeof(want), "%s:2: %s", path, f[1]);
	if (rc != -1 || strcmp(err, want) != 0) {
		print_error("refused.txt:%d: %s: rc %d, err \"%s\", expected "
		    "\"%s\"\n", lineno, tu_show(f[0], strlen(f[0])), rc,
		    rc == -1 ? tu_show(err, strlen(err)) : "",
		    tu_show(want, strlen(want)));
		return 1;
	}
	return 0;
}

/* "Did you mean": a key one or two letters off (a swap counting one),
 * never a guess at a short word or at something else entirely. */
static void
test_nearest(void **state)
{
	static const struct {
		const char *typed, *meant;
	} cases[] = {
		{ "smtp_ulr", "smtp_url" }, { "max-age", "max_age" },
		{ "schedule_tiem", "schedule_time" },
		{ "smtp_timout", "smtp_timeout" },
		{ "mailbox_passwd_file", "mailbox_password_file" },
		{ "totally_unknown", NULL }, { "nme", NULL },
		{ "form_name", "from_name" }, { "", NULL },
	};
	size_t i;
	const char *got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = config_nearest(cases[i].typed, strlen(cases[i].typed));
		if (cases[i].meant == NULL ? got != NULL : got == NULL ||
		    strcmp(got, cases[i].meant) != 0)
			fail_msg("'%s': '%s', not '%s'", cases[i].typed,
			    got ? got : "(none)",
			    cases[i].meant ? cases[i].meant : "(none)");
	}
}

static void
test_refused_values(void **state)
{
	(void)state;
	tu_table_run("config/refused.txt", 2, check_refused_row, 25);
}

/* The values the checks must let through. */
static void
test_accepted_values(void **state)
{
	struct config c;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(config_load(&c, write_conf(
	    "name = Caf\xc3\xa9 \xe2\x80\x94 Weekly\n"
	    "from_address = news+weekly@mail.example.org\n"
	    "base_url = https://example.org:8443/news/\n"
	    "unsubscribe_mailto = \n"
	    "list_id = weekly.example.org\n"
	    "smtp_url = smtps://[::1]:465\n"
	    "smtp_tls = off\n"
	    "schedule_weekday = Friday\n"
	    "schedule_time = 7:30\n"
	    "schedule_timezone = America/St_Johns\n"), err), 0);
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
		cmocka_unit_test(test_nearest),
		cmocka_unit_test(test_refused_values),
		cmocka_unit_test(test_accepted_values),
		cmocka_unit_test(test_values_and_derived),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_sample_names_every_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
