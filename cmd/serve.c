/*
 * digest serve: the signup backend (subscribers/server.h), run until
 * SIGINT or SIGTERM.
 */
#include "cmd.h"
#include "opt.h"
#include "config.h"
#include "db.h"
#include "server.h"
#include "util.h"

#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

static const struct opt serve_opts[] = {
	{ 'l', "--listen ADDR:PORT",
	    "where to listen (default: the configuration's listen, "
	    "127.0.0.1:8080)" },
	{ 'N', "--no-rate-limit", "no per-IP limit on signups (benchmarks)" },
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_serve_usage = {
	.synopsis =
	    "digest serve [--listen ADDR:PORT] [--no-rate-limit] [--db PATH]",
	.about =
	    "Runs the signup backend: the signup form (GET and POST /subscribe),\n"
	    "confirmation (/confirm), unsubscription (/unsubscribe, RFC 8058\n"
	    "one-click too), preferences (/preferences) and /healthz. Confirmation\n"
	    "mails go out from a queue in the database, through SMTP when smtp_url\n"
	    "is set, else into the outbox. Runs until SIGINT or SIGTERM.\n"
	    "\n"
	    "Each signup, confirmation, unsubscription and preference change logs\n"
	    "one key=value line on stderr (event= addr= result= ip= ms=), the\n"
	    "address masked, never a token.\n",
	.opts = serve_opts,
	.notes =
	    "Exit status: 0 stopped by SIGINT or SIGTERM; 64 a bad --listen; 69\n"
	    "it cannot listen (the address is in use); 73 the database cannot be\n"
	    "opened; 78 a bad configuration or templates.\n",
};

static int
serve_parse_args(int argc, char **argv, const char **listen, int *no_limit)
{
	int ch;

	while ((ch = opt_next(argc, argv, &cmd_serve_usage)) != -1) {
		switch (ch) {
		case 'h':
			return cmd_help(&cmd_serve_usage);
		case 'l':
			*listen = optarg;
			break;
		case 'N':
			*no_limit = 1;
			break;
		case CMD_DB_OPTION_ID:
			cmd_db_path_set(optarg);
			break;
		default:
			return cmd_bad_usage(&cmd_serve_usage);
		}
	}
	if (optind != argc)
		return cmd_bad_operands(&cmd_serve_usage, argc, argv, 0);
	return -1;
}

/* Serves until SIGINT or SIGTERM, which go to this thread, not the
 * server's: the exit status. */
static int
serve_run(struct server_opts *o, const char *listen)
{
	enum server_fault fault;
	struct server *s;
	char err[ERR_LEN];
	sigset_t set, old;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	s = server_start(o, &fault, err);
	if (s != NULL) {
		fprintf(stderr, "digest: serving signups at "
		    "http://%s/subscribe\n", listen);
		sigwait(&set, &sig);
		server_stop(s);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (fault == SERVER_BAD_SETUP)
		cmd_error("%s", err);
	else if (fault == SERVER_CANNOT_LISTEN)
		cmd_error("cannot listen on %s: %s", listen, err);
	return fault == SERVER_OK ? 0 : fault == SERVER_BAD_SETUP ?
	    EX_CONFIG : EX_UNAVAILABLE;
}

int
cmd_serve(int argc, char **argv)
{
	const char *listen = NULL;
	struct server_opts o;
	struct config c;
	int rc, no_limit = 0;

	if ((rc = serve_parse_args(argc, argv, &listen, &no_limit)) != -1)
		return rc;
	if ((rc = cmd_config_load(&c)) != 0)
		return rc;
	memset(&o, 0, sizeof(o));
	if (listen == NULL)
		listen = c.listen;
	if (cmd_parse_listen(listen, &o.listen) == -1) {
		cmd_error("invalid listen address '%s': expected "
		    "IPv4ADDR:PORT", listen);
		config_release(&c);
		return EX_USAGE;
	}
	o.c = &c;
	o.db_path = cmd_db_path();
	o.rate_limit = !no_limit;
	if ((o.db = cmd_db_open(&rc)) != NULL) {
		rc = serve_run(&o, listen);
		db_close(o.db);
	}
	config_release(&c);
	return rc;
}
