/*
 * digest template render: a Mustache template and JSON data, rendered,
 * for writing and checking templates.
 */
#include "cmd.h"
#include "opt.h"
#include "template.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The most one rendering may print. */
#define TEMPLATE_OUTPUT_MAX (256u << 20)

static const struct opt template_render_opts[] = {
	{ 'd', "-d, --data FILE",
	    "the data, any JSON value (\"-\": standard input)" },
	{ 'p', "-p, --partials DIR",
	    "where partials are (default: TEMPLATE's directory)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_template_render_usage = {
	.synopsis =
	    "digest template render --data FILE [--partials DIR] TEMPLATE",
	.about =
	    "Renders the Mustache template in the file TEMPLATE with the JSON value\n"
	    "in FILE and prints the result. {{name}} is HTML-escaped; {{{name}}}\n"
	    "and {{&name}} are not. Sections, inverted sections, comments, set\n"
	    "delimiters, partials {{> name}} and inheritance ({{< parent}} with\n"
	    "{{$ block}}) follow the Mustache spec. Partials and parents are read\n"
	    "from DIR/NAME.mustache; a missing one renders as nothing.\n",
	.opts = template_render_opts,
	.notes =
	    "Exit status: 0 rendered; 64 usage; 65 an error in the template or a\n"
	    "partial (reported as FILE:LINE:COLUMN: what), malformed JSON, or more\n"
	    "than 256 MB of output; 66 TEMPLATE, FILE or DIR not found.\n",
};

/* The directory part of path ("." for none); caller frees. */
static char *
template_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* Reads and parses the data file; NULL after printing why, with *status
 * set. */
static json_t *
template_read_data(const char *path, int *status)
{
	json_error_t jerr;
	json_t *data;
	char *text;
	size_t len;

	if (cmd_read_input(path, &text, &len) == -1) {
		*status = EX_NOINPUT;
		return NULL;
	}
	data = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
	free(text);
	if (data == NULL) {
		cmd_error("cannot parse '%s': line %d, column %d: %s", path,
		    jerr.line, jerr.column, jerr.text);
		*status = EX_DATAERR;
	}
	return data;
}

static int
template_check_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == -1) {
		cmd_error("cannot use partials directory '%s': %s", dir,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		cmd_error("cannot use partials directory '%s': not a directory",
		    dir);
		return -1;
	}
	return 0;
}

/* Where template_render_to sends blocks: standard output, remembering
 * that writing failed (74, not 65). */
static int
template_write_stdout(const char *p, size_t n, void *arg)
{
	int *failed = arg;

	if (fwrite(p, 1, n, stdout) == n)
		return 0;
	*failed = 1;
	return -1;
}

/* Renders the whole output in memory, then prints it: nothing is printed
 * when rendering fails. For templates whose partials template_preload
 * could not all load, which fail only if rendering reaches a bad one. */
static int
template_print_whole(struct template *t, const json_t *data, char *err,
    int *failed)
{
	struct buf out;
	int rc;

	buf_init(&out, TEMPLATE_OUTPUT_MAX);
	rc = template_render(t, data, &out, err);
	if (rc == 0 && template_write_stdout(out.data, out.len, failed) == -1)
		rc = util_err(err, "cannot write the output: %s",
		    strerror(errno));
	buf_release(&out);
	return rc;
}

/* Compiles and renders; prints the output or the error. Output goes out
 * as it is rendered, in blocks, when every partial could be loaded
 * first: what is left that could fail (more than TEMPLATE_OUTPUT_MAX,
 * writing) is found only as the output goes. */
static int
template_run(const char *path, const char *dir, const json_t *data)
{
	char err[ERR_LEN], *text;
	struct template *t;
	size_t len;
	int rc, failed = 0;

	if (cmd_read_input(path, &text, &len) == -1)
		return EX_NOINPUT;
	t = template_compile(text, len, path, template_load_dir, (void *)dir,
	    err);
	free(text);
	if (t == NULL) {
		cmd_error("%s", err);
		return EX_DATAERR;
	}
	if (template_preload(t))
		rc = template_render_to(t, data, TEMPLATE_OUTPUT_MAX,
		    template_write_stdout, &failed, err);
	else
		rc = template_print_whole(t, data, err, &failed);
	if (rc == 0 && fflush(stdout) == EOF) {
		rc = util_err(err, "cannot write the output: %s",
		    strerror(errno));
		failed = 1;
	}
	template_free(t);
	if (rc == -1) {
		cmd_error("%s", err);
		return failed ? EX_IOERR : EX_DATAERR;
	}
	return 0;
}

int
cmd_template_render(int argc, char **argv)
{
	const char *data_path = NULL, *partials = NULL;
	char *dir = NULL;
	json_t *data;
	int c, status = 0;

	while ((c = opt_next(argc, argv, &cmd_template_render_usage)) != -1) {
		switch (c) {
		case 'h':
			return cmd_help(&cmd_template_render_usage);
		case 'd':
			data_path = optarg;
			break;
		case 'p':
			partials = optarg;
			break;
		default:
			return cmd_bad_usage(&cmd_template_render_usage);
		}
	}
	if (argc - optind != 1)
		return cmd_bad_operands(&cmd_template_render_usage, argc, argv,
		    1);
	if (data_path == NULL) {
		cmd_error("--data FILE is required");
		return cmd_bad_usage(&cmd_template_render_usage);
	}
	if (partials != NULL && template_check_dir(partials) == -1)
		return EX_NOINPUT;
	if ((data = template_read_data(data_path, &status)) == NULL)
		return status;
	if (partials == NULL)
		partials = dir = template_dir_of(argv[optind]);
	status = template_run(argv[optind], partials, data);
	json_decref(data);
	free(dir);
	return status;
}
