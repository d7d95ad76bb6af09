/*
 * digest text sentences, digest text lead: the sentence splitter and the
 * lead on any text, for trying them out and for scripts.
 */
#include "cmd.h"
#include "opt.h"
#include "sentence.h"
#include "summary.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The most --max-chars and -n take: far beyond any lead, small enough
 * that nothing overflows. */
#define TEXT_MAX_CHARS 100000000LL
#define TEXT_MAX_SENTENCES 1000000LL

static const struct opt text_sentences_opts[] = {
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_text_sentences_usage = {
	.synopsis = "digest text sentences [FILE]",
	.about =
	    "Splits English text into sentences and prints one per line, with the\n"
	    "white space inside each collapsed to single spaces. A blank line always\n"
	    "ends a sentence; a single newline is ordinary white space. FILE absent\n"
	    "or \"-\" reads standard input.\n",
	.opts = text_sentences_opts,
	.notes =
	    "Exit status: 0 printed, 64 bad usage, 66 FILE cannot be read, 74\n"
	    "standard output cannot be written.\n",
};

static const struct opt text_lead_opts[] = {
	{ 'n', "-n N", "how many sentences (default 2)" },
	{ 'm', "-m, --max-chars M",
	    "at most M characters (default 400; 0: no limit)" },
	{ 't', "-t, --title TITLE",
	    "the article's title, which the lead does not repeat" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_text_lead_usage = {
	.synopsis =
	    "digest text lead [-n N] [--max-chars M] [--title TITLE] [FILE]",
	.about =
	    "Prints the lead of an English text as ingest computes it: its first N\n"
	    "sentences of prose joined by one space, without bylines, datelines,\n"
	    "captions, \"Read more\" links and other furniture at either end, nor\n"
	    "a repeat of the title. A paragraph without final punctuation is a\n"
	    "heading (under 6 words, skipped) or, first, a standfirst (the whole\n"
	    "lead); text the source cut is dropped or ends with \"\xe2\x80\xa6\". The "
	    "lead stops\n"
	    "before a sentence that would take it past M characters; a first\n"
	    "sentence longer than M is cut at a word boundary and ends with "
	    "\"\xe2\x80\xa6\".\n"
	    "FILE absent or \"-\" reads standard input.\n",
	.opts = text_lead_opts,
	.notes =
	    "Exit status: 0 printed, 64 bad usage, 66 FILE cannot be read, 74\n"
	    "standard output cannot be written.\n",
};

/* The FILE operand after the options, NULL for stdin: 0, or -1 after
 * naming the one too many (u: the command's). */
static int
text_operand(const struct opt_usage *u, int argc, char **argv,
    const char **path)
{
	*path = optind < argc ? argv[optind] : NULL;
	if (argc - optind > 1) {
		cmd_operands_error(u, argc, argv, 1);
		return -1;
	}
	return 0;
}

/* Files up to this size are mapped rather than read; larger ones go to
 * cmd_read_input, which refuses them (its limit). */
#define TEXT_MAP_MAX (256u << 20)

/*
 * The input, mapped when it is a regular file: no copy and no page
 * faults one page at a time, which for a large text cost as much as the
 * printing. Anything else (standard input, a pipe, an empty file) is
 * read as every command reads it. 0 with *data and *len (*mapped: 1 to
 * munmap, 0 to free), or -1 after saying why.
 */
static int
text_input(const char *path, char **data, size_t *len, int *mapped)
{
	struct stat st;
	void *map = MAP_FAILED;
	int fd;

	*mapped = 0;
	if (path != NULL && strcmp(path, "-") != 0 &&
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_size > 0 && (uintmax_t)st.st_size <= TEXT_MAP_MAX)
			map = mmap(NULL, (size_t)st.st_size, PROT_READ,
			    MAP_PRIVATE | MAP_POPULATE, fd, 0);
		close(fd);
		if (map != MAP_FAILED) {
			*data = map;
			*len = (size_t)st.st_size;
			*mapped = 1;
			return 0;
		}
	}
	return cmd_read_input(path, data, len);
}

static void
text_input_release(char *data, size_t len, int mapped)
{
	if (mapped)
		munmap(data, len);
	else
		free(data);
}

/* Sentences are printed in blocks of about this many bytes: a write per
 * block, not per line, from a buffer that stays in the cache. */
#define TEXT_OUT_BLOCK (256u << 10)

/* Prints the sentences of data (len bytes), collapsed, one per line: 0,
 * or -1 with errno when standard output cannot be written. */
static int
text_print_sentences(const char *data, size_t len)
{
	struct sentence_iter it;
	size_t start, end, o = 0, cap = TEXT_OUT_BLOCK;
	char *out = xmalloc(cap);	/* owned: the block being filled */
	int ok = 1;

	sentence_iter_init(&it, data, len);
	while (ok && sentence_next(&it, &start, &end)) {
		if (o + (end - start) + 1 > cap) {
			ok = fwrite(out, 1, o, stdout) == o;
			o = 0;
			if (end - start + 1 > cap) {
				free(out);
				cap = end - start + 1;
				out = xmalloc(cap);
			}
		}
		o += sentence_collapse(data + start, end - start, out + o);
		out[o++] = '\n';
	}
	if (ok)
		ok = fwrite(out, 1, o, stdout) == o;
	free(out);
	return ok && fflush(stdout) == 0 ? 0 : -1;
}

int
cmd_text_sentences(int argc, char **argv)
{
	const char *path;
	char *data;
	size_t len;
	int c, mapped, status = 0;

	while ((c = opt_next(argc, argv, &cmd_text_sentences_usage)) != -1) {
		if (c == 'h')
			return cmd_help(&cmd_text_sentences_usage);
		return cmd_bad_usage(&cmd_text_sentences_usage);
	}
	if (text_operand(&cmd_text_sentences_usage, argc, argv, &path) == -1)
		return cmd_bad_usage(&cmd_text_sentences_usage);
	if (text_input(path, &data, &len, &mapped) == -1)
		return EX_NOINPUT;
	if (text_print_sentences(data, len) == -1) {
		cmd_error("cannot write the sentences: %s", strerror(errno));
		status = EX_IOERR;
	}
	text_input_release(data, len, mapped);
	return status;
}

int
cmd_text_lead(int argc, char **argv)
{
	long long sentences = SUMMARY_LEAD_SENTENCES;
	long long max_chars = SUMMARY_LEAD_MAX_CHARS;
	const char *path, *title = NULL;
	char *data, *lead;
	size_t len;
	int c;

	while ((c = opt_next(argc, argv, &cmd_text_lead_usage)) != -1) {
		switch (c) {
		case 'h':
			return cmd_help(&cmd_text_lead_usage);
		case 'n':
			if (cmd_parse_count("-n", optarg, 1, TEXT_MAX_SENTENCES,
			    &sentences) == -1)
				return cmd_bad_usage(&cmd_text_lead_usage);
			break;
		case 'm':
			if (cmd_parse_count("--max-chars", optarg, 0,
			    TEXT_MAX_CHARS, &max_chars) == -1)
				return cmd_bad_usage(&cmd_text_lead_usage);
			break;
		case 't':
			title = optarg;
			break;
		default:
			return cmd_bad_usage(&cmd_text_lead_usage);
		}
	}
	if (text_operand(&cmd_text_lead_usage, argc, argv, &path) == -1)
		return cmd_bad_usage(&cmd_text_lead_usage);
	if (cmd_read_input(path, &data, &len) == -1)
		return EX_NOINPUT;
	lead = summary_lead_titled(title, data, len, (int)sentences,
	    (size_t)max_chars);
	if (*lead != '\0')
		puts(lead);
	free(lead);
	free(data);
	return fflush(stdout) == 0 ? 0 : EX_IOERR;
}
