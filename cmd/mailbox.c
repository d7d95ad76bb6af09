/*
 * digest mailbox fetch: reads the return mailbox once (issue 17).
 */
#include "cmd.h"
#include "opt.h"
#include "config.h"
#include "db.h"
#include "returnmail.h"
#include "secret.h"
#include "util.h"

#include <jansson.h>
#include <string.h>

#define MAILBOX_PASSWORD_ENV "DIGEST_MAILBOX_PASSWORD"

static const struct opt mailbox_fetch_opts[] = {
	{ 'j', "--json", "the counts and each message as JSON" },
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_mailbox_fetch_usage = {
	.synopsis = "digest mailbox fetch [--json] [--db PATH]",
	.about =
	    "Reads the return mailbox (mailbox_url: imaps://, imap:// with\n"
	    "STARTTLS, pop3s:// or pop3://) and deals with each message: a bounce\n"
	    "(a delivery status notification, or a bounce in another style) is\n"
	    "counted against the reader its signed return address names, who is\n"
	    "marked bounced at bounce_limit (bounce_limit_unknown when the address\n"
	    "does not exist; soft bounces count for bounce_window days); a\n"
	    "complaint (ARF) marks them complained and a mailed unsubscribe\n"
	    "unsubscribes them, at once, each in their consent log; an\n"
	    "auto-reply is ignored. What it dealt with is moved to mailbox_done\n"
	    "(IMAP) or deleted (POP3); anything else is moved to mailbox_other,\n"
	    "or left. A message is never applied twice, even across a crash.\n"
	    "The password is $DIGEST_MAILBOX_PASSWORD, or the first line of\n"
	    "mailbox_password_file or $DIGEST_MAILBOX_PASSWORD_FILE (owner-only).\n"
	    "One line per message on stderr; the counts on stdout.\n",
	.opts = mailbox_fetch_opts,
	.notes =
	    "Exit status: 0 done; 69 the server refused the login; 75 the server\n"
	    "could not be reached (try again later); 78 a setting is wrong.\n",
};

static void
mailbox_log_line(const struct returnmail_event *e, void *arg)
{
	json_t *arr = arg, *o;

	fprintf(stderr, "mailbox uid=%s kind=%s why=\"%s\"", e->key, e->kind,
	    e->why);
	if (e->email != NULL)
		fprintf(stderr, " to=%s", e->email);
	if (e->edition != NULL)
		fprintf(stderr, " edition=%s", e->edition);
	if (e->status != NULL)
		fprintf(stderr, " status=%s", e->status);
	fprintf(stderr, " result=\"%s\" moved=%s\n", e->result,
	    e->disposition);
	if (arr == NULL)
		return;
	o = json_object();
	json_object_set_new(o, "uid", util_json_string(e->key));
	json_object_set_new(o, "kind", json_string(e->kind));
	json_object_set_new(o, "why", json_string(e->why));
	if (e->email != NULL)
		json_object_set_new(o, "email", util_json_string(e->email));
	if (e->edition != NULL)
		json_object_set_new(o, "edition", util_json_string(e->edition));
	if (e->status != NULL)
		json_object_set_new(o, "status", json_string(e->status));
	json_object_set_new(o, "result", json_string(e->result));
	json_object_set_new(o, "disposition", json_string(e->disposition));
	json_array_append_new(arr, o);
}

static void
mailbox_summary(const struct returnmail_stats *s, json_t *arr, FILE *out)
{
	json_t *o;

	if (arr == NULL) {
		fprintf(out, "messages=%zu read=%zu again=%zu bounces=%zu "
		    "complaints=%zu unsubscribes=%zu auto-replies=%zu other=%zu "
		    "suppressed=%zu\n", s->messages, s->read, s->again,
		    s->bounces, s->complaints, s->unsubscribes, s->autoreplies,
		    s->other, s->suppressed);
		return;
	}
	o = json_object();
	json_object_set_new(o, "messages", json_integer((json_int_t)s->messages));
	json_object_set_new(o, "read", json_integer((json_int_t)s->read));
	json_object_set_new(o, "again", json_integer((json_int_t)s->again));
	json_object_set_new(o, "bounces", json_integer((json_int_t)s->bounces));
	json_object_set_new(o, "complaints",
	    json_integer((json_int_t)s->complaints));
	json_object_set_new(o, "unsubscribes",
	    json_integer((json_int_t)s->unsubscribes));
	json_object_set_new(o, "auto_replies",
	    json_integer((json_int_t)s->autoreplies));
	json_object_set_new(o, "other", json_integer((json_int_t)s->other));
	json_object_set_new(o, "suppressed",
	    json_integer((json_int_t)s->suppressed));
	json_object_set_new(o, "results", json_incref(arr));
	json_dumpf(o, out, JSON_INDENT(2));
	fputc('\n', out);
	json_decref(o);
}

int
cmd_mailbox_fetch_run(struct sqlite3 *db, const struct config *c, int json,
    FILE *out)
{
	struct returnmail_stats stats;
	enum mailbox_failure failure;
	char err[ERR_LEN], *password = NULL;
	json_t *arr = json ? json_array() : NULL;
	int rc;

	if (secret_load(MAILBOX_PASSWORD_ENV, c->mailbox_password_file,
	    &password, err) == -1) {
		cmd_error("mailbox: %s", err);
		json_decref(arr);
		return EX_CONFIG;
	}
	rc = returnmail_fetch(db, c, password, mailbox_log_line, arr, &stats,
	    &failure, err);
	secret_free(password);
	if (rc == -1) {
		cmd_error("mailbox: %s", err);
		json_decref(arr);
		return failure == MAILBOX_FAIL_CONFIG ? EX_CONFIG :
		    failure == MAILBOX_FAIL_AUTH ? EX_UNAVAILABLE : EX_TEMPFAIL;
	}
	mailbox_summary(&stats, arr, out);
	json_decref(arr);
	return 0;
}

int
cmd_mailbox_fetch(int argc, char **argv)
{
	struct sqlite3 *db;
	struct config c;
	int json, status;

	switch (cmd_json_options(argc, argv, &cmd_mailbox_fetch_usage,
	    &json)) {
	case 1:
		return cmd_help(&cmd_mailbox_fetch_usage);
	case -1:
		return cmd_bad_usage(&cmd_mailbox_fetch_usage);
	default:
		break;
	}
	if (optind != argc)
		return cmd_bad_operands(&cmd_mailbox_fetch_usage, argc, argv, 0);
	if ((status = cmd_config_load(&c)) != 0)
		return status;
	if (*c.mailbox_url == '\0') {
		cmd_error("mailbox_url is not set in the configuration%s%s",
		    c.path ? " " : "", c.path ? c.path : "");
		config_release(&c);
		return EX_CONFIG;
	}
	if ((db = cmd_db_open(&status)) == NULL) {
		config_release(&c);
		return status;
	}
	status = cmd_mailbox_fetch_run(db, &c, json, stdout);
	db_close(db);
	config_release(&c);
	return status;
}
