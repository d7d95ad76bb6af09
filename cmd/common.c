#include "cmd.h"
#include "config.h"
#include "db.h"
#include "store.h"
#include "transport.h"
#include "util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMD_INPUT_MAX (256u << 20)

static const char *db_path;
static const char *config_path;
static const char *templates_dir;

void
cmd_config_path_set(const char *path)
{
	config_path = path;
}

void
cmd_templates_set(const char *dir)
{
	templates_dir = dir;
}

int
cmd_config_read(struct config *c, char *err)
{
	int rc = config_load(c, config_path, err);

	if (templates_dir != NULL) {
		free(c->templates);
		c->templates = xstrdup(templates_dir);
	}
	return rc;
}

const char *
cmd_config_path(void)
{
	return config_path;
}

int
cmd_config_load(struct config *c)
{
	char err[ERR_LEN];

	if (cmd_config_read(c, err) == -1) {
		cmd_error("bad configuration: %s", err);
		config_release(c);
		return EX_CONFIG;
	}
	return 0;
}

void
cmd_error(const char *fmt, ...)
{
	va_list ap;

	fputs("digest: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cmd_help(const struct opt_usage *usage)
{
	opt_usage_print(stdout, usage);
	return 0;
}

int
cmd_bad_usage(const struct opt_usage *usage)
{
	fprintf(stderr, "usage: %s\n", usage->synopsis);
	return EX_USAGE;
}

/* The operand a synopsis ends with ("ID" of "... [--db PATH] ID", "URL"
 * of "URL..."): its length, 0 when it ends with none. */
static int
cmd_last_operand(const char *synopsis, const char **name)
{
	const char *end = synopsis + strlen(synopsis), *p;

	if (end - synopsis > 3 && strcmp(end - 3, "...") == 0)
		end -= 3;
	for (p = end; p > synopsis && ((p[-1] >= 'A' && p[-1] <= 'Z') ||
	    p[-1] == '_'); p--)
		;
	*name = p;
	return p > synopsis && p[-1] == ' ' ? (int)(end - p) : 0;
}

void
cmd_operands_error(const struct opt_usage *usage, int argc, char **argv,
    int max)
{
	const char *name;
	int n;

	if (max >= 0 && argc - optind > max)
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0],
		    argv[optind + max]);
	else if ((n = cmd_last_operand(usage->synopsis, &name)) > 0)
		fprintf(stderr, "%s: missing %.*s\n", argv[0], n, name);
	else
		fprintf(stderr, "%s: missing argument\n", argv[0]);
}

int
cmd_bad_operands(const struct opt_usage *usage, int argc, char **argv,
    int max)
{
	cmd_operands_error(usage, argc, argv, max);
	return cmd_bad_usage(usage);
}

void
cmd_db_path_set(const char *path)
{
	db_path = path;
}

const char *
cmd_db_path(void)
{
	const char *env;

	if (db_path != NULL)
		return db_path;
	env = getenv("DIGEST_DB");
	if (env != NULL && *env != '\0')
		return env;
	return DB_DEFAULT_PATH;
}

struct sqlite3 *
cmd_db_open(int *status)
{
	char err[ERR_LEN];
	struct sqlite3 *db;

	db = db_open(cmd_db_path(), err);
	if (db == NULL) {
		cmd_error("%s", err);
		*status = EX_CANTCREAT;
	}
	return db;
}

struct sqlite3 *
cmd_db_open_existing(int *status)
{
	if (access(cmd_db_path(), F_OK) == -1) {
		cmd_error("no database at '%s': run 'digest ingest' first, or "
		    "give --db", cmd_db_path());
		*status = EX_NOINPUT;
		return NULL;
	}
	return cmd_db_open(status);
}

int
cmd_parse_count(const char *opt, const char *s, long long min,
    long long max, long long *out)
{
	if (util_parse_long(s, min, max, out) == -1) {
		cmd_error("invalid value '%s' for %s: expected a number from "
		    "%lld to %lld", s, opt, min, max);
		return -1;
	}
	return 0;
}

int
cmd_read_input(const char *path, char **data, size_t *len)
{
	char err[ERR_LEN];

	if (util_read_file(path ? path : "-", CMD_INPUT_MAX, data, len,
	    err) == -1) {
		cmd_error("%s", err);
		return -1;
	}
	return 0;
}

int
cmd_stderr_is_tty(void)
{
	return isatty(STDERR_FILENO);
}

struct transport *
cmd_transport_open(const struct config *c, const char *smtp,
    const char *outbox, long connections, int *status, char *err)
{
	*status = transport_config_is_smtp(c, smtp) ? EX_CONFIG : EX_CANTCREAT;
	return transport_open_config(c, smtp, outbox, connections, err);
}

int
cmd_parse_listen(const char *s, struct sockaddr_in *sin)
{
	const char *colon = strrchr(s, ':');
	char host[64];
	long long port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host) ||
	    util_parse_long(colon + 1, 1, 65535, &port) == -1)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -1;
}

int
cmd_status_option(const char *arg)
{
	enum store_status st;

	if (store_status_from_name(arg, &st) == -1) {
		cmd_error("invalid value '%s' for --status: expected pending, "
		    "confirmed, unsubscribed, bounced or complained", arg);
		return -1;
	}
	return (int)st;
}

int
cmd_json_options(int argc, char **argv, const struct opt_usage *usage,
    int *json)
{
	int c;

	*json = 0;
	while ((c = opt_next(argc, argv, usage)) != -1) {
		switch (c) {
		case 'h':
			return 1;
		case CMD_DB_OPTION_ID:
			cmd_db_path_set(optarg);
			break;
		case 'j':
			*json = 1;
			break;
		default:
			return -1;
		}
	}
	return 0;
}
