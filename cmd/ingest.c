/*
 * digest ingest: sources into the article store.
 */
#include "cmd.h"
#include "opt.h"
#include "config.h"
#include "db.h"
#include "fetch.h"
#include "ingest.h"
#include "util.h"

#include <string.h>

static const struct opt ingest_opts[] = {
	{ 'f', "-f, --force",
	    "fetch URLs even when their remembered ETag or Last-Modified "
	    "says nothing changed" },
	{ 'q', "-q, --quiet", "print nothing for sources that succeed" },
	{ 't', "--timeout SECONDS",
	    "the longest one URL may take (default 60)" },
	{ 'n', "--lead-sentences N",
	    "sentences in each article's lead (default 2)" },
	{ 'm', "--lead-max-chars N",
	    "the longest lead, in characters (default 400)" },
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_ingest_usage = {
	.synopsis =
	    "digest ingest [-fq] [--timeout SECONDS] [--lead-sentences N]\n"
	    "                     [--lead-max-chars N] [--db PATH] [SOURCE...]",
	.about =
	    "Stores the articles of each SOURCE, a file or an http(s) URL holding\n"
	    "RSS, RDF, Atom, JSON Feed, JSON articles, or one scraped article page\n"
	    "(HTML or plain text); the kind is read from the content. Ingesting a\n"
	    "source again updates its articles and never duplicates them. Without\n"
	    "a SOURCE, fetches every feed `digest feeds add` stored, adding each\n"
	    "feed's tags to its items.\n",
	.opts = ingest_opts,
	.notes =
	    "Each source is stored whole or not at all; a failed source does not\n"
	    "stop the others. A URL whose address is loopback or private is\n"
	    "refused, redirects included, unless it names that address itself or\n"
	    "fetch_private = yes.\n"
	    "\n"
	    "Exit status: 0 when every source was stored or unchanged, else the\n"
	    "worst failure: 74 the store failed, 65 malformed data, 66 no such\n"
	    "file, HTTP 4xx or a private address refused, 75 a temporary network\n"
	    "failure; 64 no SOURCE and no stored feed; 78 a bad configuration.\n",
};

/* The exit code of a source's status, and its rank when several fail. */
static int
ingest_exitcode(enum ingest_status st, int *rank)
{
	switch (st) {
	case INGEST_OK:
	case INGEST_NOT_MODIFIED:
		*rank = 0;
		return 0;
	case INGEST_TEMPFAIL:
		*rank = 1;
		return EX_TEMPFAIL;
	case INGEST_NO_INPUT:
		*rank = 2;
		return EX_NOINPUT;
	case INGEST_BAD_DATA:
		*rank = 3;
		return EX_DATAERR;
	case INGEST_DB:
		break;
	}
	*rank = 4;
	return EX_IOERR;
}

/* The items kept without a date, whatever -q says: a fault of the
 * feed's, for its owner to see. */
static void
ingest_print_undated(const char *source, const struct ingest_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nnotes; i++)
		cmd_error("'%s': %s; kept with the time it was fetched", source,
		    rep->notes[i]);
	if (rep->undated > rep->nnotes)
		cmd_error("'%s': %zu more items with a date that cannot be "
		    "read", source, rep->undated - rep->nnotes);
}

static void
ingest_print(const char *source, enum ingest_status st,
    const struct ingest_report *rep, const char *err)
{
	switch (st) {
	case INGEST_OK:
		printf("%s: %zu article%s (%zu new, %zu updated), %s\n", source,
		    rep->added + rep->updated,
		    rep->added + rep->updated == 1 ? "" : "s", rep->added,
		    rep->updated, rep->kind ? rep->kind : "?");
		break;
	case INGEST_NOT_MODIFIED:
		printf("%s: not modified\n", source);
		break;
	case INGEST_BAD_DATA:
		cmd_error("cannot parse '%s': %s", source, err);
		break;
	default:
		cmd_error("cannot ingest '%s': %s", source, err);
		break;
	}
}

/* What the sources of one run come to. */
struct ingest_run {
	int quiet;
	int status;	/* the exit code of the worst failure so far */
	int worst;	/* its rank */
	int done;	/* sources finished, for the progress line */
	int total;
};

static void
ingest_outcome(const char *source, enum ingest_status st,
    const struct ingest_report *rep, const char *err, void *arg)
{
	struct ingest_run *run = arg;
	int rank, code = ingest_exitcode(st, &rank);

	if (cmd_stderr_is_tty() && run->total > 1)
		fputs("\033[K", stderr);
	if (rank > run->worst) {
		run->worst = rank;
		run->status = code;
	}
	if (!run->quiet || code != 0)
		ingest_print(source, st, rep, err);
	if (st == INGEST_OK)
		ingest_print_undated(source, rep);
	run->done++;
}

int
cmd_ingest_feeds(struct sqlite3 *db, const struct config *c, int quiet)
{
	struct ingest_opts o;
	struct ingest_run run;
	char err[ERR_LEN];

	memset(&o, 0, sizeof(o));
	o.allow_private = (int)c->fetch_private;
	memset(&run, 0, sizeof(run));
	run.quiet = quiet;
	fetch_global_init();
	if (ingest_feeds(db, &o, ingest_outcome, &run, err) == -1) {
		cmd_error("cannot read the feeds: %s", err);
		return EX_IOERR;
	}
	return run.status;
}

int
cmd_ingest(int argc, char **argv)
{
	struct ingest_opts o;
	struct ingest_report rep;
	struct ingest_run run;
	struct config cfg;
	struct sqlite3 *db;
	enum ingest_status st;
	char err[ERR_LEN];
	long long v;
	int c, i, n, status = 0;

	memset(&o, 0, sizeof(o));
	memset(&run, 0, sizeof(run));
	while ((c = opt_next(argc, argv, &cmd_ingest_usage)) != -1) {
		switch (c) {
		case 'h':
			return cmd_help(&cmd_ingest_usage);
		case CMD_DB_OPTION_ID:
			cmd_db_path_set(optarg);
			break;
		case 'f':
			o.force = 1;
			break;
		case 'q':
			run.quiet = 1;
			break;
		case 't':
			if (cmd_parse_count("--timeout", optarg, 1, 3600, &v) == -1)
				return EX_USAGE;
			o.timeout_ms = (long)v * 1000;
			break;
		case 'n':
			if (cmd_parse_count("--lead-sentences", optarg, 1, 20,
			    &v) == -1)
				return EX_USAGE;
			o.lead_sentences = (int)v;
			break;
		case 'm':
			if (cmd_parse_count("--lead-max-chars", optarg, 20,
			    100000, &v) == -1)
				return EX_USAGE;
			o.lead_max_chars = (size_t)v;
			break;
		default:
			return cmd_bad_usage(&cmd_ingest_usage);
		}
	}
	if ((status = cmd_config_load(&cfg)) != 0)
		return status;
	o.allow_private = (int)cfg.fetch_private;
	config_release(&cfg);
	if ((db = cmd_db_open(&status)) == NULL)
		return status;
	fetch_global_init();
	run.total = argc - optind;
	if (run.total == 0) {
		n = ingest_feeds(db, &o, ingest_outcome, &run, err);
		if (n == -1) {
			cmd_error("cannot read the feeds: %s", err);
			run.status = EX_IOERR;
		} else if (n == 0) {
			cmd_error("nothing to ingest: give a SOURCE, or store "
			    "feeds with 'digest feeds add URL'");
			run.status = EX_USAGE;
		}
	}
	for (i = optind; i < argc; i++) {
		if (cmd_stderr_is_tty() && run.total > 1)
			fprintf(stderr, "[%d/%d] %s\r", i - optind + 1,
			    run.total, argv[i]);
		st = ingest_source(db, argv[i], &o, &rep, err);
		ingest_outcome(argv[i], st, &rep, err, &run);
	}
	db_close(db);
	return run.status;
}
