/*
 * digest text sentences, digest text lead: the sentence splitter and the
 * lead on any text, for trying them out and for scripts.
 */
#include "cmd.h"
#include "sentence.h"
#include "summary.h"

#include <stdlib.h>

/* The most --max-chars and -n take: far beyond any lead, small enough
 * that nothing overflows. */
#define TEXT_MAX_CHARS 100000000LL
#define TEXT_MAX_SENTENCES 1000000LL

const char cmd_text_sentences_usage[] =
    "usage: digest text sentences [FILE]\n"
    "\n"
    "Splits English text into sentences and prints one per line, with the\n"
    "white space inside each collapsed to single spaces. A blank line always\n"
    "ends a sentence; a single newline is ordinary white space. FILE absent\n"
    "or \"-\" reads standard input.\n"
    "\n"
    "  -h, --help         this help\n";

const char cmd_text_lead_usage[] =
    "usage: digest text lead [-n N] [--max-chars M] [--title TITLE] [FILE]\n"
    "\n"
    "Prints the lead of an English text as ingest computes it: its first N\n"
    "sentences of prose joined by one space, without bylines, datelines,\n"
    "captions, \"Read more\" links and other furniture at either end, nor\n"
    "a repeat of the title. A paragraph without final punctuation is a\n"
    "heading (under 6 words, skipped) or, first, a standfirst (the whole\n"
    "lead); text the source cut is dropped or ends with \"\xe2\x80\xa6\". The lead stops\n"
    "before a sentence that would take it past M characters; a first\n"
    "sentence longer than M is cut at a word boundary and ends with \"\xe2\x80\xa6\".\n"
    "FILE absent or \"-\" reads standard input.\n"
    "\n"
    "  -n N               how many sentences (default 2)\n"
    "  -m, --max-chars M  at most M characters (default 400; 0: no limit)\n"
    "  -t, --title TITLE  the article's title, which the lead does not repeat\n"
    "  -h, --help         this help\n";

/* The FILE operand after the options, NULL for stdin: 0, or -1 when
 * there is more than one. */
static int
text_operand(int argc, char **argv, const char **path)
{
	*path = optind < argc ? argv[optind] : NULL;
	if (argc - optind > 1) {
		cmd_error("too many arguments");
		return -1;
	}
	return 0;
}

int
cmd_text_sentences(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sentence_iter it;
	const char *path;
	char *data, *line;
	size_t len, start, end;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h')
			return cmd_help(cmd_text_sentences_usage);
		return cmd_bad_usage(cmd_text_sentences_usage);
	}
	if (text_operand(argc, argv, &path) == -1)
		return cmd_bad_usage(cmd_text_sentences_usage);
	if (cmd_read_input(path, &data, &len) == -1)
		return EX_NOINPUT;
	sentence_iter_init(&it, data, len);
	while (sentence_next(&it, &start, &end)) {
		line = summary_collapse(data + start, end - start);
		puts(line);
		free(line);
	}
	free(data);
	return fflush(stdout) == 0 ? 0 : EX_IOERR;
}

int
cmd_text_lead(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "max-chars", required_argument, NULL, 'm' },
		{ "title", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	long long sentences = SUMMARY_LEAD_SENTENCES;
	long long max_chars = SUMMARY_LEAD_MAX_CHARS;
	const char *path, *title = NULL;
	char *data, *lead;
	size_t len;
	int c;

	while ((c = getopt_long(argc, argv, "hn:m:t:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return cmd_help(cmd_text_lead_usage);
		case 'n':
			if (cmd_parse_count("-n", optarg, 1, TEXT_MAX_SENTENCES,
			    &sentences) == -1)
				return cmd_bad_usage(cmd_text_lead_usage);
			break;
		case 'm':
			if (cmd_parse_count("--max-chars", optarg, 0,
			    TEXT_MAX_CHARS, &max_chars) == -1)
				return cmd_bad_usage(cmd_text_lead_usage);
			break;
		case 't':
			title = optarg;
			break;
		default:
			return cmd_bad_usage(cmd_text_lead_usage);
		}
	}
	if (text_operand(argc, argv, &path) == -1)
		return cmd_bad_usage(cmd_text_lead_usage);
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
