/*
 * digest config: the configuration in effect, the defaults, or what each
 * key does (the text digest.conf(5) is made from).
 */
#include "cmd.h"
#include "opt.h"
#include "buf.h"
#include "config.h"
#include "util.h"

#include <string.h>

static const struct opt config_opts[] = {
	{ 'd', "--defaults", "the built-in defaults instead of the file's" },
	{ 'D', "--describe",
	    "every key with its default, its range and what it does "
	    "(digest.conf(5) is made from this)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_config_usage = {
	.synopsis = "digest config [--defaults | --describe] [KEY...]",
	.about =
	    "Prints the configuration in effect as \"key = value\" lines, every key\n"
	    "or each KEY: the file's values over the defaults, with those derived\n"
	    "from others filled in (from_name from name, the templates found).\n"
	    "The file is --config PATH, else $DIGEST_CONFIG, else ./digest.conf\n"
	    "when there is one.\n",
	.opts = config_opts,
	.notes =
	    "Exit status: 0 printed, 64 bad usage or an unknown KEY, 78 a bad\n"
	    "configuration.\n",
};

int
cmd_config(int argc, char **argv)
{
	struct config c;
	struct buf out;
	char err[ERR_LEN];
	int ch, i, defaults = 0, describe = 0, status = 0;

	while ((ch = opt_next(argc, argv, &cmd_config_usage)) != -1) {
		if (ch == 'h')
			return cmd_help(&cmd_config_usage);
		if (ch == 'd')
			defaults = 1;
		else if (ch == 'D')
			describe = 1;
		else
			return cmd_bad_usage(&cmd_config_usage);
	}
	if (defaults + describe > 1) {
		cmd_error("--defaults and --describe do not go together");
		return cmd_bad_usage(&cmd_config_usage);
	}
	if (describe && optind != argc)
		return cmd_bad_operands(&cmd_config_usage, argc, argv, 0);
	buf_init(&out, 1u << 20);
	if (describe) {
		config_describe(&out);
	} else {
		if (defaults && config_load(&c, "/dev/null", err) == -1) {
			cmd_error("%s", err);
			config_release(&c);
			buf_release(&out);
			return EX_SOFTWARE;
		}
		if (!defaults && (status = cmd_config_load(&c)) != 0) {
			buf_release(&out);
			return status;
		}
		if (optind == argc)
			(void)config_dump(&c, NULL, &out);
		for (i = optind; i < argc; i++)
			if (config_dump(&c, argv[i], &out) == -1) {
				const char *near = config_nearest(argv[i],
				    strlen(argv[i]));

				cmd_error("unknown key '%s'%s%s%s; see 'digest "
				    "config --describe'", argv[i], near ?
				    " (did you mean '" : "", near ? near : "",
				    near ? "'?)" : "");
				status = EX_USAGE;
			}
		config_release(&c);
	}
	fwrite(out.data, 1, out.len, stdout);
	buf_release(&out);
	return status;
}
