/*
 * opt: a command's options as one table, the only place they are
 * written. getopt_long reads it (opt_next), -h prints it
 * (opt_usage_print), and from that help the README's usage blocks
 * (scripts/mkreadme) and the man page (scripts/mkman) are made: an
 * option cannot be accepted without being documented, nor documented
 * without being accepted.
 *
 * An option is its key (what opt_next returns for it), its spec as the
 * help shows it, and its help text:
 *
 *	{ 'n', "-n, --limit N", "at most N articles" }
 *	{ OPT_EDITION, "--edition ID", "the edition" }
 *
 * The spec names the short option ("-n", whose letter must be the key),
 * the long one ("--limit") or both, then the argument's name when the
 * option takes one. An option without a short form may have any key
 * no other option of the table has (a letter, or OPT_LONG and up); -h
 * and --help are every command's, added here.
 */
#ifndef DIGEST_OPT_H
#define DIGEST_OPT_H

#include <stdio.h>

#define OPT_LONG 256		/* keys from here on are no letter */
#define OPT_MAX 48		/* options in one table */

struct opt {
	int key;
	const char *spec;	/* "-n, --limit N" */
	const char *help;	/* prose, wrapped when printed; NULL: an
				 * option accepted but not shown */
};

struct opt_usage {
	const char *synopsis;	/* after "usage: ", its lines as printed */
	const char *about;	/* the paragraphs before the options */
	const struct opt *opts;	/* up to an entry whose key is 0 */
	const char *notes;	/* after the options: output, exit status */
	int in_order;		/* options end at the first operand (the
				 * command, for digest's own) */
};

/*
 * getopt_long over u's table (optind, optarg and opterr as getopt_long
 * leaves them): the key of the next option, 'h' for -h and --help, '?'
 * for an unknown one or a missing argument (getopt_long has said which
 * on stderr), -1 at the end. A table that contradicts itself (a short
 * letter other than its key, a spec that cannot be read, too many
 * options) is a programming error: it aborts, and tests/test_opt.c and
 * tests/cli/options.sh run every command's table.
 */
int opt_next(int argc, char **argv, const struct opt_usage *u);

/* The help of u: usage, about, the options (each spec, then its help
 * wrapped into a column), the notes. */
void opt_usage_print(FILE *f, const struct opt_usage *u);

/* Only the options of u, as opt_usage_print shows them. */
void opt_options_print(FILE *f, const struct opt_usage *u);

/* Checks u's table: 0, or -1 and a description of the first fault in
 * why (ERR_LEN bytes). What opt_next aborts on. */
int opt_check(const struct opt_usage *u, char *why);

#endif
