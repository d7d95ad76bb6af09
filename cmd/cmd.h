/*
 * cmd: the digest command line. Each subcommand is cmd/<name>.c with
 * `int cmd_<name>(int argc, char **argv)`; argv[0] is the subcommand's
 * name and the return value is the process's exit status (sysexits.h).
 * Only this directory prints errors and picks exit codes.
 */
#ifndef DIGEST_CMD_H
#define DIGEST_CMD_H

#include "opt.h"

#include <getopt.h>
#include <stdio.h>
#include <sysexits.h>

struct sqlite3;
struct config;
struct edition;

struct cmd {
	const char *name;	/* "ingest", "text lead" */
	int (*run)(int argc, char **argv);
	const char *summary;	/* one line for `digest --help` */
	const struct opt_usage *usage;	/* its options and help: -h, the
					 * README's block, the man page */
};

extern const struct cmd cmd_table[];

int cmd_ingest(int argc, char **argv);
int cmd_articles(int argc, char **argv);
int cmd_text_sentences(int argc, char **argv);
int cmd_text_lead(int argc, char **argv);
int cmd_preview(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_editions(int argc, char **argv);
int cmd_run_due(int argc, char **argv);
int cmd_editions_show(int argc, char **argv);
int cmd_subscribers_add(int argc, char **argv);
int cmd_subscribers_import(int argc, char **argv);
int cmd_subscribers_list(int argc, char **argv);
int cmd_subscribers_check(int argc, char **argv);
int cmd_template_render(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_subscribers_show(int argc, char **argv);
int cmd_subscribers_remove(int argc, char **argv);
int cmd_subscribers_export(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_feeds_add(int argc, char **argv);
int cmd_feeds_list(int argc, char **argv);
int cmd_feeds_remove(int argc, char **argv);
int cmd_feeds_import(int argc, char **argv);
int cmd_feeds_export(int argc, char **argv);
int cmd_mailbox_fetch(int argc, char **argv);
int cmd_bounces(int argc, char **argv);

extern const struct opt_usage cmd_ingest_usage;
extern const struct opt_usage cmd_articles_usage;
extern const struct opt_usage cmd_text_sentences_usage;
extern const struct opt_usage cmd_text_lead_usage;
extern const struct opt_usage cmd_preview_usage;
extern const struct opt_usage cmd_send_usage;
extern const struct opt_usage cmd_editions_usage;
extern const struct opt_usage cmd_run_due_usage;
extern const struct opt_usage cmd_editions_show_usage;
extern const struct opt_usage cmd_subscribers_add_usage;
extern const struct opt_usage cmd_subscribers_import_usage;
extern const struct opt_usage cmd_subscribers_list_usage;
extern const struct opt_usage cmd_subscribers_check_usage;
extern const struct opt_usage cmd_template_render_usage;
extern const struct opt_usage cmd_serve_usage;
extern const struct opt_usage cmd_subscribers_show_usage;
extern const struct opt_usage cmd_subscribers_remove_usage;
extern const struct opt_usage cmd_subscribers_export_usage;
extern const struct opt_usage cmd_config_usage;
extern const struct opt_usage cmd_feeds_add_usage;
extern const struct opt_usage cmd_feeds_list_usage;
extern const struct opt_usage cmd_feeds_remove_usage;
extern const struct opt_usage cmd_feeds_import_usage;
extern const struct opt_usage cmd_feeds_export_usage;
extern const struct opt_usage cmd_mailbox_fetch_usage;
extern const struct opt_usage cmd_bounces_usage;

/* How `digest send` (and run-due, with the defaults) delivers. */
struct cmd_delivery {
	const char *smtp;	/* NULL: the configuration's smtp_url */
	const char *outbox;	/* NULL: the configuration's outbox */
	long concurrency;	/* <= 0: the configuration's */
	double rate;		/* < 0: the configuration's */
	int retry_failed;
	int json;		/* the summary as JSON on stdout, the log
				 * lines on stderr */
};

/* Sends e (made: in the journal) as d says and prints what happens:
 * a key=value line per reader, progress on a terminal, the summary.
 * Returns the exit status (cmd_send_exit_status, or 75 some deferred,
 * 69 some failed). */
int cmd_deliver(struct sqlite3 *db, struct edition *e,
    const struct config *c, const struct cmd_delivery *d);
/* The transport d names for edition (the outbox's folder of it), or
 * NULL, said, with *status the exit code. */
struct transport;
struct transport *cmd_deliver_transport(const struct config *c,
    const struct cmd_delivery *d, const char *edition, int *status);
/* The exit status of a send that stopped (an enum send_status): 78
 * what only a setting mends, 75 what a later run may find mended, 74
 * the store; 0 for SEND_OK. */
int cmd_send_exit_status(int rc);
/* The summary of a send (or a dry run) as JSON on stdout. */
struct send_report;
void cmd_send_json(const char *edition, const struct send_report *rep);

/* Ingests every stored feed as `digest ingest` without SOURCE does,
 * printing what happens (quiet: failures only); returns the exit code
 * of the worst failure, 0 when every feed was stored or unchanged. */
int cmd_ingest_feeds(struct sqlite3 *db, const struct config *c, int quiet);
/* Reads the return mailbox once, as `digest mailbox fetch` does (also
 * for run-due): a line per message on stderr, the counts (or, with
 * json, everything) on out. Returns the exit code. */
int cmd_mailbox_fetch_run(struct sqlite3 *db, const struct config *c,
    int json, FILE *out);

/* "digest: <message>" on stderr. */
void cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cmd_help prints the whole help to stdout and returns 0 (for -h);
 * cmd_bad_usage only its synopsis, to stderr, after the line that said
 * what was wrong (getopt_long's, or the caller's), and returns
 * EX_USAGE. */
int cmd_help(const struct opt_usage *usage);
int cmd_bad_usage(const struct opt_usage *usage);

/* For operands after the options that a command does not take, at most
 * max of them (-1: any number): cmd_operands_error names the first one
 * beyond max ("digest feeds list: unexpected argument 'x'"), or else
 * the one missing, as usage's synopsis ends ("digest editions show:
 * missing ID"); cmd_bad_operands then prints the synopsis and returns
 * EX_USAGE. */
void cmd_operands_error(const struct opt_usage *usage, int argc,
    char **argv, int max);
int cmd_bad_operands(const struct opt_usage *usage, int argc, char **argv,
    int max);

/* --db PATH, which every command that touches the database takes
 * (shown in its help or not). */
#define CMD_DB_OPTION_ID OPT_LONG

/* Parses the options of a command whose table (usage) has only --json
 * and --db: 0 (*json set), 1 for -h, -1 for a wrong option. */
int cmd_json_options(int argc, char **argv, const struct opt_usage *usage,
    int *json);

/* --config PATH (before the command); config_load falls back to
 * $DIGEST_CONFIG and ./digest.conf. */
void cmd_config_path_set(const char *path);
/* The --config path, or NULL when none was given. */
const char *cmd_config_path(void);
/* --templates DIR (before the command): overrides the config's key. */
void cmd_templates_set(const char *dir);
/* Loads the configuration with the command line's overrides, quietly:
 * 0, or -1 with err (c is filled either way; release it). */
int cmd_config_read(struct config *c, char *err);
/* Loads the configuration or prints why not: 0, or EX_CONFIG. */
int cmd_config_load(struct config *c);

/* --db PATH, else $DIGEST_DB, else digest.db in the current directory. */
void cmd_db_path_set(const char *path);
const char *cmd_db_path(void);
/* Opens the database or prints why not; NULL then, with *status set to
 * the exit code to return. */
struct sqlite3 *cmd_db_open(int *status);
/* As cmd_db_open, for commands that only read: a database that does not
 * exist yet is an error (EX_NOINPUT), not a new empty file. */
struct sqlite3 *cmd_db_open_existing(int *status);

/* Parses a count option ("-n 3"): 0, or prints an error and returns -1. */
int cmd_parse_count(const char *opt, const char *s, long long min,
    long long max, long long *out);

/* Reads FILE (or stdin when NULL or "-") whole; prints the error itself.
 * Caller frees *data. */
int cmd_read_input(const char *path, char **data, size_t *len);

/* 1 when stderr is a terminal, so progress may be shown. */
int cmd_stderr_is_tty(void);

/* transport_open_config (transport.h) with *status the exit code to
 * give when it fails: EX_CONFIG for SMTP, EX_CANTCREAT for the outbox. */
struct transport *cmd_transport_open(const struct config *c,
    const char *smtp, const char *outbox, long connections, int *status,
    char *err);

/* A --status value: the enum store_status it names, or -1 (said on
 * stderr). */
int cmd_status_option(const char *arg);

/* "IPv4ADDR:PORT" (--listen) into sin: 0, or -1. */
struct sockaddr_in;
int cmd_parse_listen(const char *s, struct sockaddr_in *sin);

#endif
