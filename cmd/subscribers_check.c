/*
 * digest subscribers check: addresses checked as add and import would,
 * storing nothing.
 */
#include "cmd.h"
#include "opt.h"
#include "addr.h"
#include "rows.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define SUBS_MX_TIMEOUT_MS 5000

static const struct opt subscribers_check_opts[] = {
	{ 'm', "--mx",
	    "also ask DNS whether the domain takes mail (an MX record, or an "
	    "address record standing in for one), waiting 5 seconds at most" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_subscribers_check_usage = {
	.synopsis = "digest subscribers check [--mx] [--] [ADDR...]",
	.about =
	    "Checks each ADDR, or each line of standard input when none is given\n"
	    "(blank lines are skipped), as add and import would, storing nothing.\n"
	    "Surrounding white space is trimmed first. Prints one line for each:\n"
	    "\n"
	    "  valid<TAB>NORMALIZED[<TAB>HINT]\n"
	    "  invalid<TAB>INPUT<TAB>REASON\n"
	    "\n"
	    "NORMALIZED is what would be stored: the part before @ in Unicode NFC,\n"
	    "the domain in lower case and in its ASCII form (xn--...). HINT, when\n"
	    "the domain looks like a typo, is \"did you mean name@gmail.com?\".\n"
	    "INPUT shows control characters and bytes that are not UTF-8 as \\n,\n"
	    "\\t, \\xHH, and is cut after 60 bytes.\n",
	.opts = subscribers_check_opts,
	.notes =
	    "Exit status: 0 every address is valid, 1 some are not, 64 bad usage,\n"
	    "66 standard input cannot be read, 75 a DNS lookup failed (and no\n"
	    "address was invalid).\n",
};

/* What check found about all the addresses so far. */
struct subs_check {
	int mx;			/* --mx */
	int invalid;		/* some address is invalid */
	int tempfail;		/* some DNS lookup failed */
};

/* Prints the line of an address that failed, with a hint when its domain
 * looks like a typo. */
static void
subs_check_invalid(const char *s, size_t len, const char *reason)
{
	char show[ROWS_SHOW_LEN], hint[ADDR_MAX + 1];

	printf("invalid\t%s\t%s", rows_show(s, len, show), reason);
	if (addr_suggest(s, len, hint))
		printf(" (did you mean %s?)", rows_show(hint, strlen(hint),
		    show));
	fputc('\n', stdout);
}

/* Checks one address and prints its line. */
static void
subs_check_one(struct subs_check *c, const char *s, size_t len)
{
	char out[ADDR_MAX + 1], hint[ADDR_MAX + 1], err[ERR_LEN];
	int rc;

	if (addr_from_text(s, len, out, err) == -1) {
		subs_check_invalid(s, len, err);
		c->invalid = 1;
		return;
	}
	/* A failed lookup says nothing about the address: it is reported
	 * as invalid but only makes the exit status EX_TEMPFAIL. */
	if (c->mx && (rc = addr_mx_check(strchr(out, '@') + 1,
	    SUBS_MX_TIMEOUT_MS, err)) != 1) {
		subs_check_invalid(s, len, err);
		if (rc == -1)
			c->tempfail = 1;
		else
			c->invalid = 1;
		return;
	}
	if (addr_suggest(out, strlen(out), hint))
		printf("valid\t%s\tdid you mean %s?\n", out, hint);
	else
		printf("valid\t%s\n", out);
}

/* One address a line; a CR before the LF is the line's end too. */
static int
subs_check_stdin(struct subs_check *c)
{
	char *data, *p, *end, *nl;
	size_t len, n, blank;

	if (cmd_read_input("-", &data, &len) == -1)
		return -1;
	for (p = data, end = data + len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		blank = n;
		(void)util_trim(p, &blank);
		if (blank > 0)
			subs_check_one(c, p, n);
	}
	free(data);
	return 0;
}

int
cmd_subscribers_check(int argc, char **argv)
{
	struct subs_check c;
	int opt, i, status;

	memset(&c, 0, sizeof(c));
	while ((opt = opt_next(argc, argv, &cmd_subscribers_check_usage)) != -1) {
		switch (opt) {
		case 'h':
			return cmd_help(&cmd_subscribers_check_usage);
		case 'm':
			c.mx = 1;
			break;
		default:
			return cmd_bad_usage(&cmd_subscribers_check_usage);
		}
	}
	if (optind == argc) {
		if (subs_check_stdin(&c) == -1)
			return EX_NOINPUT;
	}
	for (i = optind; i < argc; i++)
		subs_check_one(&c, argv[i], strlen(argv[i]));
	status = c.invalid ? 1 : c.tempfail ? EX_TEMPFAIL : 0;
	if (fflush(stdout) == EOF)
		status = EX_IOERR;
	return status;
}
