/*
 * digest: the entry point and the table of subcommands.
 */
#include "cmd.h"
#include "date.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <locale.h>

enum { MAIN_CONFIG = OPT_LONG + 1, MAIN_TEMPLATES, MAIN_VERSION };

static const struct opt main_opts[] = {
	{ MAIN_CONFIG, "--config PATH", "the configuration (default "
	    "$DIGEST_CONFIG, else ./digest.conf when there is one)" },
	{ MAIN_TEMPLATES, "--templates DIR",
	    "the templates (default: the configuration's)" },
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 'h', "-h, --help", "this help; `digest COMMAND -h` for a command's" },
	{ MAIN_VERSION, "--version", "the version" },
	{ 0, NULL, NULL },
};

/* The options before COMMAND; its list of commands comes from
 * cmd_table, between the about and the options (main_print_usage). */
static const struct opt_usage main_usage = {
	.synopsis = "digest [--config PATH] [--templates DIR] [--db PATH] "
	    "COMMAND\n"
	    "              [ARGS...]\n"
	    "       digest --help | --version",
	.about = "Builds newsletter digests from feeds and mails them.\n",
	.opts = main_opts,
	.notes =
	    "Exit status: 0 success; 64 bad usage; 65 bad input data (a feed,\n"
	    "a file, a template); 66 missing input (no such file or\n"
	    "subscriber, no database yet, HTTP 4xx, a private address\n"
	    "refused); 69 the SMTP server refused for good; 73 cannot create\n"
	    "the database, the outbox or a file; 74 the store failed; 75 a\n"
	    "temporary failure, to retry later; 78 a bad configuration. Each\n"
	    "command's -h says which of these it gives, and when.\n",
	.in_order = 1,
};

const struct cmd cmd_table[] = {
	{ "ingest", cmd_ingest, "store the articles of feeds, files and pages",
	  &cmd_ingest_usage },
	{ "feeds add", cmd_feeds_add, "store a feed to ingest, with its tags",
	  &cmd_feeds_add_usage },
	{ "feeds list", cmd_feeds_list, "list the stored feeds and their last "
	  "fetch", &cmd_feeds_list_usage },
	{ "feeds remove", cmd_feeds_remove, "forget stored feeds",
	  &cmd_feeds_remove_usage },
	{ "feeds import", cmd_feeds_import, "store the feeds of an OPML file",
	  &cmd_feeds_import_usage },
	{ "feeds export", cmd_feeds_export, "write the stored feeds as OPML",
	  &cmd_feeds_export_usage },
	{ "articles", cmd_articles, "list the articles a digest would pick",
	  &cmd_articles_usage },
	{ "text sentences", cmd_text_sentences,
	  "print a text's sentences, one per line", &cmd_text_sentences_usage },
	{ "text lead", cmd_text_lead, "print the lead of a text",
	  &cmd_text_lead_usage },
	{ "subscribers add", cmd_subscribers_add,
	  "add or update one subscriber", &cmd_subscribers_add_usage },
	{ "subscribers import", cmd_subscribers_import,
	  "add or update subscribers from CSV or JSON",
	  &cmd_subscribers_import_usage },
	{ "subscribers list", cmd_subscribers_list, "list the subscribers",
	  &cmd_subscribers_list_usage },
	{ "subscribers show", cmd_subscribers_show,
	    "print what is stored about a subscriber",
	    &cmd_subscribers_show_usage },
	{ "subscribers remove", cmd_subscribers_remove,
	    "unsubscribe or forget subscribers", &cmd_subscribers_remove_usage },
	{ "subscribers export", cmd_subscribers_export,
	    "write the subscribers as CSV or JSON",
	    &cmd_subscribers_export_usage },
	{ "subscribers check", cmd_subscribers_check,
	  "say whether addresses are valid, and their stored form",
	  &cmd_subscribers_check_usage },
	{ "preview", cmd_preview, "show the digest a subscriber would receive",
	  &cmd_preview_usage },
	{ "send", cmd_send, "deliver this edition to every subscriber",
	  &cmd_send_usage },
	{ "run-due", cmd_run_due, "send the edition that is due, if any",
	  &cmd_run_due_usage },
	{ "editions", cmd_editions, "list the editions and their deliveries",
	  &cmd_editions_usage },
	{ "editions show", cmd_editions_show,
	  "who got an edition, who is deferred or failed and why",
	  &cmd_editions_show_usage },
	{ "mailbox fetch", cmd_mailbox_fetch,
	    "read bounces and unsubscribes from the return mailbox",
	    &cmd_mailbox_fetch_usage },
	{ "bounces", cmd_bounces,
	    "who bounced, complained or unsubscribed by mail, and why",
	    &cmd_bounces_usage },
	{ "serve", cmd_serve, "run the signup form backend",
	    &cmd_serve_usage },
	{ "config", cmd_config, "print the configuration, or what each key "
	  "does", &cmd_config_usage },
	{ "template render", cmd_template_render,
	  "render a Mustache template with JSON data",
	  &cmd_template_render_usage },
	{ NULL, NULL, NULL, NULL },
};

static void
main_print_usage(FILE *f)
{
	const struct cmd *c;

	fprintf(f, "usage: %s\n\n%s\nCommands:\n", main_usage.synopsis,
	    main_usage.about);
	for (c = cmd_table; c->name != NULL; c++)
		fprintf(f, "  %-20s %s\n", c->name, c->summary);
	fputs("\nOptions:\n", f);
	opt_options_print(f, &main_usage);
	fprintf(f, "\n%s", main_usage.notes);
}

/* Finds the command named by argv[0] and, for two-word commands such as
 * "text lead", argv[1]: returns it and how many words it took. */
static const struct cmd *
main_lookup(int argc, char **argv, int *words)
{
	const struct cmd *c;
	size_t n0 = strlen(argv[0]);

	/* Two words first: "editions show" is not "editions" with an
	 * argument. */
	for (c = cmd_table; argc > 1 && c->name != NULL; c++)
		if (strncmp(c->name, argv[0], n0) == 0 && c->name[n0] == ' ' &&
		    strcmp(c->name + n0 + 1, argv[1]) == 0) {
			*words = 2;
			return c;
		}
	for (c = cmd_table; c->name != NULL; c++)
		if (strcmp(c->name, argv[0]) == 0) {
			*words = 1;
			return c;
		}
	return NULL;
}

/* A command group typed alone ("digest text"): lists its commands on f
 * (NULL: only says whether group is one). */
static int
main_group_usage(const char *group, FILE *f)
{
	const struct cmd *c;
	size_t n = strlen(group);
	int found = 0;

	for (c = cmd_table; c->name != NULL; c++) {
		if (strncmp(c->name, group, n) == 0 && c->name[n] == ' ') {
			if (f == NULL)
				return 1;
			if (!found)
				fprintf(f, "usage: digest %s COMMAND\n\n", group);
			fprintf(f, "  %-20s %s\n", c->name + n + 1, c->summary);
			found = 1;
		}
	}
	return found;
}

int
main(int argc, char **argv)
{
	const struct cmd *c;
	char prog[64], err[ERR_LEN];
	int i, ch, words;

	setlocale(LC_CTYPE, "C.UTF-8");
	while ((ch = opt_next(argc, argv, &main_usage)) != -1) {
		switch (ch) {
		case 'h':
			main_print_usage(stdout);
			return 0;
		case MAIN_VERSION:
			printf("digest %s\n", DIGEST_VERSION);
			return 0;
		case MAIN_CONFIG:
			cmd_config_path_set(optarg);
			break;
		case MAIN_TEMPLATES:
			cmd_templates_set(optarg);
			break;
		case CMD_DB_OPTION_ID:
			cmd_db_path_set(optarg);
			break;
		default:
			main_print_usage(stderr);
			return EX_USAGE;
		}
	}
	i = optind;
	/* The command reads its own options from its argv[0] on. */
	optind = 0;
	if (i == argc) {
		main_print_usage(stderr);
		return EX_USAGE;
	}
	c = main_lookup(argc - i, argv + i, &words);
	if (c == NULL) {
		int more = argc - i > 1, help = more &&
		    (strcmp(argv[i + 1], "-h") == 0 ||
		    strcmp(argv[i + 1], "--help") == 0);

		if (more && !help && main_group_usage(argv[i], NULL)) {
			cmd_error("unknown command '%s %s'; see 'digest %s -h'",
			    argv[i], argv[i + 1], argv[i]);
			return EX_USAGE;
		}
		if (main_group_usage(argv[i], help ? stdout : stderr))
			return help ? 0 : EX_USAGE;
		cmd_error("unknown command '%s'; see 'digest --help'", argv[i]);
		return EX_USAGE;
	}
	/* The command sees its full name as argv[0], so that getopt's
	 * messages read "digest text lead: unrecognized option...". */
	/* A "now" pinned by mistake would be the clock's, silently. */
	if (date_now_check(err) == -1) {
		cmd_error("%s", err);
		return EX_USAGE;
	}
	i += words - 1;
	(void)snprintf(prog, sizeof(prog), "digest %s", c->name);
	argv[i] = prog;
	return c->run(argc - i, argv + i);
}
