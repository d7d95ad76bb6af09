#include "opt.h"
#include "util.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define OPT_WIDTH 78		/* the longest line the help prints */
#define OPT_NAMES_MAX 1024	/* bytes of long names in one table */

static const struct opt opt_help = { 'h', "-h, --help", "this help" };

/* A spec read: its short letter (0: none), its long name (len bytes at
 * name; 0: none), whether it takes an argument. */
struct opt_spec {
	int letter;
	const char *name;
	size_t len;
	int arg;
};

static int
opt_spec_read(const char *spec, struct opt_spec *s)
{
	const char *p = spec;

	memset(s, 0, sizeof(*s));
	if (p[0] == '-' && p[1] != '-' && p[1] > ' ') {
		s->letter = (unsigned char)p[1];
		p += 2;
		if (*p == ',' && p[1] == ' ' && p[2] == '-' && p[3] == '-')
			p += 2;
	}
	if (p[0] == '-' && p[1] == '-') {
		s->name = p + 2;
		s->len = strcspn(s->name, " ");
		p = s->name + s->len;
		if (s->len == 0)
			return -1;
	}
	if (s->letter == 0 && s->name == NULL)
		return -1;
	if (*p == ' ' && p[1] > ' ')
		s->arg = 1;
	else if (*p != '\0')
		return -1;
	return 0;
}

/* Every option of u, -h last unless the table has its own. */
static size_t
opt_list(const struct opt_usage *u, const struct opt **v, size_t max)
{
	const struct opt *o;
	size_t n = 0;
	int own_help = 0;

	for (o = u->opts; o != NULL && o->key != 0 && n < max; o++) {
		own_help |= o->key == 'h';
		v[n++] = o;
	}
	if (!own_help && n < max)
		v[n++] = &opt_help;
	return n;
}

int
opt_check(const struct opt_usage *u, char *why)
{
	const struct opt *v[OPT_MAX + 2];
	struct opt_spec s;
	size_t n = opt_list(u, v, OPT_MAX + 2), i, j;

	if (n > OPT_MAX)
		return util_err(why, "more than %d options", OPT_MAX);
	for (i = 0; i < n; i++) {
		if (opt_spec_read(v[i]->spec, &s) == -1)
			return util_err(why, "option spec '%s' cannot be read",
			    v[i]->spec);
		if (s.letter != 0 && s.letter != v[i]->key)
			return util_err(why, "option '%s' has the key %d, not "
			    "its letter", v[i]->spec, v[i]->key);
		for (j = 0; j < i; j++)
			if (v[j]->key == v[i]->key)
				return util_err(why, "options '%s' and '%s' share "
				    "a key", v[j]->spec, v[i]->spec);
	}
	return 0;
}

/* getopt_long's two forms of a table. */
struct opt_built {
	char shorts[2 * OPT_MAX + 2];
	struct option longs[OPT_MAX + 1];
	char names[OPT_NAMES_MAX];
};

static void
opt_build(const struct opt_usage *u, struct opt_built *b)
{
	const struct opt *v[OPT_MAX + 2];
	struct opt_spec s;
	char why[ERR_LEN];
	size_t n, i, ns = 0, nl = 0, used = 0;

	if (opt_check(u, why) == -1) {
		fprintf(stderr, "digest: bad option table: %s\n", why);
		abort();
	}
	n = opt_list(u, v, OPT_MAX);
	memset(b, 0, sizeof(*b));
	if (u->in_order)
		b->shorts[ns++] = '+';
	for (i = 0; i < n; i++) {
		(void)opt_spec_read(v[i]->spec, &s);
		if (s.letter != 0) {
			b->shorts[ns++] = (char)s.letter;
			if (s.arg)
				b->shorts[ns++] = ':';
		}
		if (s.name == NULL)
			continue;
		if (used + s.len + 1 > sizeof(b->names)) {
			fputs("digest: bad option table: names too long\n",
			    stderr);
			abort();
		}
		memcpy(b->names + used, s.name, s.len);
		b->longs[nl].name = b->names + used;
		b->longs[nl].has_arg = s.arg ? required_argument : no_argument;
		b->longs[nl].val = v[i]->key;
		used += s.len + 1;
		nl++;
	}
}

int
opt_next(int argc, char **argv, const struct opt_usage *u)
{
	/* Made again at each call, from the table as it is now (a few
	 * dozen bytes); static, as getopt_long reads the command line of
	 * the one thread that parses it. */
	static struct opt_built b;

	opt_build(u, &b);
	return getopt_long(argc, argv, b.shorts, b.longs, NULL);
}

/* The spec as the help shows it: long-only options line up with the
 * long names of the others ("  -n, --limit N" over "      --db PATH"). */
static size_t
opt_spec_width(const struct opt *o)
{
	return strlen(o->spec) + (o->spec[1] == '-' ? 4 : 0);
}

/* Prints text from column col (the cursor is there), its words wrapped
 * at OPT_WIDTH; a '\n' in text breaks the line there. */
static void
opt_wrap(FILE *f, const char *text, size_t col)
{
	const char *p = text;
	size_t at = col, w;
	int first = 1;

	while (*p != '\0') {
		if (*p == ' ' || *p == '\n') {
			if (*p++ == '\n') {
				fprintf(f, "\n%*s", (int)col, "");
				at = col;
				first = 1;
			}
			continue;
		}
		w = strcspn(p, " \n");
		if (!first && at + 1 + w > OPT_WIDTH) {
			fprintf(f, "\n%*s", (int)col, "");
			at = col;
			first = 1;
		}
		if (!first) {
			fputc(' ', f);
			at++;
		}
		fwrite(p, 1, w, f);
		at += w;
		p += w;
		first = 0;
	}
	fputc('\n', f);
}

void
opt_options_print(FILE *f, const struct opt_usage *u)
{
	const struct opt *v[OPT_MAX + 2];
	size_t n = opt_list(u, v, OPT_MAX + 2), i, width = 0, w;

	for (i = 0; i < n; i++)
		if (v[i]->help != NULL && (w = opt_spec_width(v[i])) > width)
			width = w;
	for (i = 0; i < n; i++) {
		if (v[i]->help == NULL)
			continue;
		w = opt_spec_width(v[i]);
		fprintf(f, "  %s%s%*s", v[i]->spec[1] == '-' ? "    " : "",
		    v[i]->spec, (int)(width - w + 2), "");
		opt_wrap(f, v[i]->help, width + 4);
	}
}

void
opt_usage_print(FILE *f, const struct opt_usage *u)
{
	fprintf(f, "usage: %s\n", u->synopsis);
	if (u->about != NULL)
		fprintf(f, "\n%s", u->about);
	fputc('\n', f);
	opt_options_print(f, u);
	if (u->notes != NULL)
		fprintf(f, "\n%s", u->notes);
}
