/* Tests for digest/opt.c: one table read by getopt_long and printed by
 * -h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"
#include "util.h"

enum { T_EDITION = OPT_LONG, T_DB };

static const struct opt t_opts[] = {
	{ 'n', "-n, --limit N", "at most N articles (default: all)" },
	{ 'q', "-q", "print nothing for the ones that succeed" },
	{ T_EDITION, "--edition ID", "the edition (default: this ISO week, "
	    "which is a long way of saying that the help wraps)" },
	{ 'j', "--json", "a JSON array" },
	{ T_DB, "--db PATH", NULL },
	{ 0, NULL, NULL },
};

static const struct opt_usage t_usage = {
	.synopsis = "digest thing [-n N] [--edition ID] [FILE]",
	.about = "Does a thing.\n",
	.opts = t_opts,
	.notes = "Exit status: 0 done.\n",
};

/* Runs opt_next over the words of line (at most 15): the keys it gave
 * and their arguments, "n=3 q E=x ?" (E for T_EDITION, D for T_DB),
 * and optind after them in *rest. */
static void
parse(const struct opt_usage *u, const char *line, char *out, size_t cap,
    int *rest)
{
	char buf[256], *argv[16], *save = NULL, *w;
	int argc = 0, c;
	size_t o = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	argv[argc++] = "digest thing";
	for (w = strtok_r(buf, " ", &save); w != NULL && argc < 15;
	    w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	optind = 0;
	opterr = 0;
	out[0] = '\0';
	while ((c = opt_next(argc, argv, u)) != -1) {
		char key = c == T_EDITION ? 'E' : c == T_DB ? 'D' : (char)c;

		o += (size_t)snprintf(out + o, cap - o, "%s%c%s%s",
		    o ? " " : "", key, optarg && c != '?' ? "=" : "",
		    optarg && c != '?' ? optarg : "");
	}
	*rest = optind;
}

static void
test_parses_short_long_and_hidden(void **state)
{
	char got[256];
	int rest;

	(void)state;
	parse(&t_usage, "-n 3 --limit=4 -q --edition 2026-W49 --json "
	    "--db x.db FILE", got, sizeof(got), &rest);
	assert_string_equal(got, "n=3 n=4 q E=2026-W49 j D=x.db");
	assert_int_equal(rest, 10);
	/* -h and --help are every table's */
	parse(&t_usage, "--help", got, sizeof(got), &rest);
	assert_string_equal(got, "h");
	parse(&t_usage, "-h", got, sizeof(got), &rest);
	assert_string_equal(got, "h");
}

static void
test_refuses_what_the_table_lacks(void **state)
{
	char got[256];
	int rest;

	(void)state;
	/* --edition has no short form; -j is --json's key, not a letter of
	 * its spec; --limit needs its argument; -q takes none. */
	parse(&t_usage, "-E x", got, sizeof(got), &rest);
	assert_string_equal(got, "?");
	parse(&t_usage, "-j", got, sizeof(got), &rest);
	assert_string_equal(got, "?");
	parse(&t_usage, "--limit", got, sizeof(got), &rest);
	assert_string_equal(got, "?");
	parse(&t_usage, "--nope", got, sizeof(got), &rest);
	assert_string_equal(got, "?");
}

static void
test_in_order_stops_at_the_command(void **state)
{
	static const struct opt o[] = {
		{ T_DB, "--db PATH", "the database" },
		{ 0, NULL, NULL },
	};
	struct opt_usage u = { .synopsis = "digest [--db PATH] COMMAND",
	    .opts = o, .in_order = 1 };
	char got[256];
	int rest;

	(void)state;
	parse(&u, "--db a.db send --db b.db", got, sizeof(got), &rest);
	assert_string_equal(got, "D=a.db");
	assert_int_equal(rest, 3);	/* argv[3] is "send" */
	/* without in_order getopt_long reads on past the operand */
	u.in_order = 0;
	parse(&u, "--db a.db send --db b.db", got, sizeof(got), &rest);
	assert_string_equal(got, "D=a.db D=b.db");
}

static void
test_help_lines_up_and_wraps(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	opt_usage_print(f, &t_usage);
	fclose(f);
	assert_string_equal(text,
	    "usage: digest thing [-n N] [--edition ID] [FILE]\n"
	    "\n"
	    "Does a thing.\n"
	    "\n"
	    "  -n, --limit N     at most N articles (default: all)\n"
	    "  -q                print nothing for the ones that succeed\n"
	    "      --edition ID  the edition (default: this ISO week, which is "
	    "a long way\n"
	    "                    of saying that the help wraps)\n"
	    "      --json        a JSON array\n"
	    "  -h, --help        this help\n"
	    "\n"
	    "Exit status: 0 done.\n");
	free(text);
}

static void
test_tables_that_contradict_themselves(void **state)
{
	static const struct opt wrong_key[] = {
		{ 'x', "-n N", "a letter that is not its key" },
		{ 0, NULL, NULL },
	};
	static const struct opt shared[] = {
		{ T_DB, "--db PATH", "one" },
		{ T_DB, "--database PATH", "two" },
		{ 0, NULL, NULL },
	};
	static const struct opt unreadable[] = {
		{ T_DB, "db PATH", "no dashes" },
		{ 0, NULL, NULL },
	};
	static const struct opt twice_h[] = {
		{ 'h', "-h", "a help of its own replaces the common one" },
		{ 0, NULL, NULL },
	};
	struct opt_usage u = { .synopsis = "x" };
	char why[ERR_LEN];

	(void)state;
	u.opts = wrong_key;
	assert_int_equal(opt_check(&u, why), -1);
	assert_non_null(strstr(why, "-n N"));
	u.opts = shared;
	assert_int_equal(opt_check(&u, why), -1);
	assert_non_null(strstr(why, "share"));
	u.opts = unreadable;
	assert_int_equal(opt_check(&u, why), -1);
	u.opts = twice_h;
	assert_int_equal(opt_check(&u, why), 0);
	u.opts = t_opts;
	assert_int_equal(opt_check(&u, why), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parses_short_long_and_hidden),
		cmocka_unit_test(test_refuses_what_the_table_lacks),
		cmocka_unit_test(test_in_order_stops_at_the_command),
		cmocka_unit_test(test_help_lines_up_and_wraps),
		cmocka_unit_test(test_tables_that_contradict_themselves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
