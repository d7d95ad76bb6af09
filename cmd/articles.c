/*
 * digest articles: what a digest would pick, newest first.
 */
#include "cmd.h"
#include "opt.h"
#include "date.h"
#include "db.h"
#include "select.h"
#include "utf8.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define ARTICLES_TAGS_MAX 64

static const struct opt articles_opts[] = {
	{ 't', "-t, --tag TAG", "pick articles with this tag (repeatable)" },
	{ 'A', "--any", "any of the tags will do (the default)" },
	{ 'L', "--all", "every tag is needed" },
	{ 'x', "-x, --exclude-tag TAG",
	    "leave out articles with this tag (repeatable)" },
	{ 's', "-s, --since WHEN",
	    "7d, 12h, 2w, 30m, a date, or all (default 7d)" },
	{ 'u', "--until WHEN", "only articles published before WHEN" },
	{ 'n', "-n, --limit N", "at most N articles (default: all)" },
	{ 'j', "--json",
	    "a JSON array: id, guid, url, title, author, published (RFC 3339 "
	    "UTC), source, tags, lead" },
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_articles_usage = {
	.synopsis =
	    "digest articles [--tag TAG]... [--any | --all]\n"
	    "                       [--exclude-tag TAG]... [--since WHEN]\n"
	    "                       [--until WHEN] [--limit N] [--json] [--db PATH]",
	.about =
	    "Lists the stored articles a digest would pick, newest first: those\n"
	    "carrying any (or all) of the tags, none of the excluded ones, published\n"
	    "in the window. Near-duplicate titles from different sources are shown\n"
	    "once.\n",
	.opts = articles_opts,
	.notes =
	    "Exit status: 0 listed (even when none match), 64 bad usage, 66 no\n"
	    "database yet, 73 it cannot be opened, 74 the store failed.\n",
};

static json_t *
articles_json_one(const struct article *a)
{
	char when[DATE_RFC3339_LEN];
	json_t *o = json_object(), *tags = json_array();
	size_t i;

	date_to_rfc3339(a->published, when);
	for (i = 0; i < a->ntags; i++)
		json_array_append_new(tags, util_json_string(a->tags[i]));
	json_object_set_new(o, "id", json_integer(a->id));
	json_object_set_new(o, "guid", util_json_string(a->guid));
	json_object_set_new(o, "url", util_json_string(a->url));
	json_object_set_new(o, "title", util_json_string(a->title));
	json_object_set_new(o, "author", util_json_string(a->author));
	json_object_set_new(o, "published", json_string(when));
	json_object_set_new(o, "source", util_json_string(a->source));
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "lead", util_json_string(a->lead));
	return o;
}

static int
articles_print_json(const struct article_list *l)
{
	json_t *arr = json_array();
	size_t i;
	int rc;

	for (i = 0; i < l->n; i++)
		json_array_append_new(arr, articles_json_one(&l->v[i]));
	rc = json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_ESCAPE_SLASH);
	json_decref(arr);
	fputc('\n', stdout);
	return rc;
}

static void
articles_print_text(const struct article_list *l)
{
	char when[DATE_RFC3339_LEN];
	size_t i, t;

	for (i = 0; i < l->n; i++) {
		const struct article *a = &l->v[i];

		date_to_rfc3339(a->published, when);
		printf("%s  %s\n", when, a->title ? a->title : "");
		if (a->url != NULL)
			printf("    %s\n", a->url);
		if (a->ntags > 0) {
			fputs("    tags:", stdout);
			for (t = 0; t < a->ntags; t++)
				printf("%s %s", t ? "," : "", a->tags[t]);
			fputc('\n', stdout);
		}
		if (a->lead != NULL && *a->lead != '\0')
			printf("    %s\n", a->lead);
		fputc('\n', stdout);
	}
}

static int
articles_when(const char *opt, const char *arg, int64_t now, int64_t *out)
{
	if (date_parse_since(arg, now, out) == -1) {
		cmd_error("invalid value '%s' for %s: expected 7d, 12h, 2w, "
		    "30m, a date such as 2026-11-23, or all", arg, opt);
		return -1;
	}
	return 0;
}

static int
articles_add_tag(const char **v, size_t *n, const char *tag)
{
	if (*n == ARTICLES_TAGS_MAX) {
		cmd_error("too many tags (at most %d)", ARTICLES_TAGS_MAX);
		return -1;
	}
	v[(*n)++] = tag;
	return 0;
}

int
cmd_articles(int argc, char **argv)
{
	const char *tags[ARTICLES_TAGS_MAX], *exclude[ARTICLES_TAGS_MAX];
	struct select_query q;
	struct article_list list;
	struct sqlite3 *db;
	int64_t now = date_now();
	char err[ERR_LEN];
	long long v;
	int c, json = 0, status = 0;

	memset(&q, 0, sizeof(q));
	q.tags = tags;
	q.exclude = exclude;
	q.since = now - 7 * 86400;
	while ((c = opt_next(argc, argv, &cmd_articles_usage)) !=
	    -1) {
		switch (c) {
		case 'h':
			return cmd_help(&cmd_articles_usage);
		case CMD_DB_OPTION_ID:
			cmd_db_path_set(optarg);
			break;
		case 't':
			if (articles_add_tag(tags, &q.ntags, optarg) == -1)
				return EX_USAGE;
			break;
		case 'x':
			if (articles_add_tag(exclude, &q.nexclude, optarg) == -1)
				return EX_USAGE;
			break;
		case 'A':
			q.match_all = 0;
			break;
		case 'L':
			q.match_all = 1;
			break;
		case 's':
			if (articles_when("--since", optarg, now, &q.since) == -1)
				return EX_USAGE;
			break;
		case 'u':
			if (articles_when("--until", optarg, now, &q.until) == -1)
				return EX_USAGE;
			break;
		case 'n':
			if (cmd_parse_count("--limit", optarg, 1, 1000000, &v) == -1)
				return EX_USAGE;
			q.limit = (size_t)v;
			break;
		case 'j':
			json = 1;
			break;
		default:
			return cmd_bad_usage(&cmd_articles_usage);
		}
	}
	if (optind != argc)
		return cmd_bad_operands(&cmd_articles_usage, argc, argv, 0);
	if ((db = cmd_db_open_existing(&status)) == NULL)
		return status;
	memset(&list, 0, sizeof(list));
	if (select_articles(db, &q, &list, err) == -1) {
		cmd_error("cannot select articles from '%s': %s", cmd_db_path(),
		    err);
		status = EX_IOERR;
	} else if (json) {
		if (articles_print_json(&list) == -1)
			status = EX_IOERR;
	} else {
		articles_print_text(&list);
	}
	article_list_release(&list);
	db_close(db);
	if (fflush(stdout) == EOF && status == 0)
		status = EX_IOERR;
	return status;
}
