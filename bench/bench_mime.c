/*
 * bench_mime: how many digest messages mime_message_build makes per
 * second, on one core.
 *
 * The digest is generated here from a fixed seed: an HTML part of about
 * 20 KB (a table of a dozen articles with styled links, as mail templates
 * are) and a text part of about 6 KB, in English with an accented word
 * now and then, so both parts go out quoted-printable. A second figure
 * does the same in Russian, where both parts go out base64. Every message
 * has its own recipient and unsubscribe token, as a send run has. The
 * issue sets no target for MIME alone; 20000 messages/s is informational.
 *
 *     bench_mime [qp|base64]    one figure only (for perf record)
 */
#include "bench.h"
#include "buf.h"
#include "mime.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_MESSAGES 20000
#define BENCH_RUNS 5
#define BENCH_TARGET 20000.0
#define HTML_BYTES 20000
#define TEXT_BYTES 6000
#define WRAP_COLUMNS 72

static const char *latin_words[] = {
	"the", "council", "voted", "on", "a", "new", "budget", "for", "schools",
	"and", "roads", "while", "scientists", "reported", "that", "river",
	"levels", "rose", "after", "week", "of", "rain", "in", "the", "north",
	"players", "said", "match", "was", "hard", "but", "fair", "market",
	"prices", "fell", "slightly", "as", "traders", "waited", "data",
	"café", "Zürich", "naïve", "résumé", "Straße", "über", "déjà",
};

static const char *cyrillic_words[] = {
	"совет", "принял", "новый", "бюджет", "для", "школ", "и", "дорог",
	"учёные", "сообщили", "что", "уровень", "реки", "вырос", "после",
	"недели", "дождей", "на", "севере", "игроки", "сказали", "матч",
	"был", "трудным", "но", "честным", "цены", "на", "рынке", "упали",
};

struct words {
	const char **list;
	size_t n;
};

/* About n bytes of words from w, a sentence at a time. */
static void
add_prose(struct buf *b, const struct words *w, size_t n, uint64_t *seed)
{
	size_t start = b->len, words = 0;
	const char *word;

	while (b->len - start < n) {
		word = w->list[bench_rand(seed) % w->n];
		buf_printf(b, "%s%s", words == 0 ? "" : " ", word);
		if (++words % 14 == 0)
			buf_puts(b, ".");
	}
	buf_puts(b, ".");
}

/* Breaks the lines of b after start at the last space before the
 * column, as a text part is wrapped. */
static void
wrap(struct buf *b, size_t start)
{
	size_t i, col = 0, space = 0;

	for (i = start; i < b->len; i++) {
		if (b->data[i] == '\n') {
			col = 0;
			space = 0;
			continue;
		}
		if (b->data[i] == ' ')
			space = i;
		if (++col > WRAP_COLUMNS && space > 0) {
			b->data[space] = '\n';
			col = i - space;
			space = 0;
		}
	}
}

static void
make_html(struct buf *b, const struct words *w, uint64_t *seed)
{
	int article = 0;

	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
	    "charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width="
	    "device-width, initial-scale=1\">\n<title>The Digest, week 48"
	    "</title>\n</head>\n<body style=\"margin: 0; padding: 0; "
	    "background: #f4f4f4;\">\n<table role=\"presentation\" width=\""
	    "100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\">\n");
	while (b->len < HTML_BYTES - 600) {
		buf_printf(b, "<tr>\n<td style=\"padding: 16px 24px; "
		    "font-family: Georgia, serif; font-size: 16px; line-height: "
		    "1.5; color: #222222;\">\n<h2 style=\"margin: 0 0 8px; "
		    "font-size: 20px;\"><a href=\"https://example.org/articles/"
		    "%04d?utm_source=digest&amp;utm_medium=email\" style=\"color: "
		    "#1a4d8f; text-decoration: none;\">", ++article);
		add_prose(b, w, 60, seed);
		buf_puts(b, "</a></h2>\n<p style=\"margin: 0;\">");
		add_prose(b, w, 900, seed);
		buf_puts(b, "</p>\n</td>\n</tr>\n");
	}
	buf_puts(b, "</table>\n<p style=\"font-size: 12px; color: #777777;\">"
	    "You receive this because you subscribed. <a href=\"https://"
	    "example.org/unsubscribe\">Unsubscribe</a>.</p>\n</body>\n"
	    "</html>\n");
}

static void
make_text(struct buf *b, const struct words *w, uint64_t *seed)
{
	int article = 0;
	size_t start;

	buf_puts(b, "The Digest, week 48\n===================\n\n");
	while (b->len < TEXT_BYTES - 200) {
		start = b->len;
		buf_printf(b, "%d. ", ++article);
		add_prose(b, w, 50, seed);
		buf_puts(b, "\n\n");
		add_prose(b, w, 420, seed);
		buf_printf(b, "\nhttps://example.org/articles/%04d\n\n", article);
		wrap(b, start);
	}
	buf_puts(b, "-- \nUnsubscribe: https://example.org/unsubscribe\n");
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Builds BENCH_MESSAGES messages BENCH_RUNS times: the median rate. */
static int
run(const char *name, const struct words *w, uint64_t seed)
{
	struct buf html, text, out;
	struct mime_message m = { 0 };
	char to[64], url[96], details[512], err[ERR_LEN];
	double times[BENCH_RUNS], t0;
	size_t bytes = 0;
	int r, i;

	buf_init(&html, 1u << 20);
	buf_init(&text, 1u << 20);
	buf_init(&out, 1u << 20);
	make_html(&html, w, &seed);
	make_text(&text, w, &seed);
	m.from_name = "The Digest";
	m.from_addr = "digest@example.org";
	m.subject = "The Digest, week 48: the council, the river and the match";
	m.list_id = "The Digest <weekly.digest.example.org>";
	m.unsubscribe_mailto = "mailto:unsubscribe@example.org";
	m.message_id_domain = "example.org";
	m.date = 1795867200;
	m.text = text.data;
	m.text_len = text.len;
	m.html = html.data;
	m.html_len = html.len;
	m.to_addr = to;
	m.unsubscribe_url = url;
	for (r = -1; r < BENCH_RUNS; r++) {	/* run -1 warms up */
		t0 = util_monotonic();
		for (i = 0; i < BENCH_MESSAGES; i++) {
			snprintf(to, sizeof(to), "reader%06d@example.com", i);
			snprintf(url, sizeof(url), "https://example.org/u/%016llx",
			    (unsigned long long)bench_rand(&seed));
			m.to_name = i % 2 ? "Ann Reader" : "Jürgen Müller";
			buf_truncate(&out, 0);
			if (mime_message_build(&m, &out, NULL, err) == -1) {
				fprintf(stderr, "bench_mime: %s\n", err);
				return 1;
			}
			bytes += out.len;
		}
		if (r >= 0)
			times[r] = util_monotonic() - t0;
	}
	qsort(times, BENCH_RUNS, sizeof(times[0]), cmp_double);
	snprintf(details, sizeof(details), "%zu B html + %zu B text -> %.1f KB "
	    "messages, %d per run, a new recipient each, median of %d runs; "
	    "target informational, none set for MIME alone", html.len,
	    text.len, (double)bytes / BENCH_MESSAGES / (BENCH_RUNS + 1) / 1e3,
	    BENCH_MESSAGES, BENCH_RUNS);
	bench_report(name, BENCH_MESSAGES / times[BENCH_RUNS / 2], "msgs/s",
	    BENCH_TARGET, 1, details);
	buf_release(&html);
	buf_release(&text);
	buf_release(&out);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;

	struct words latin = { latin_words,
	    sizeof(latin_words) / sizeof(latin_words[0]) };
	struct words cyrillic = { cyrillic_words,
	    sizeof(cyrillic_words) / sizeof(cyrillic_words[0]) };

	if (only != NULL && strcmp(only, "qp") != 0 &&
	    strcmp(only, "base64") != 0) {
		fprintf(stderr, "usage: bench_mime [qp|base64]\n");
		return 2;
	}
	if ((only == NULL || strcmp(only, "qp") == 0) &&
	    run("mime_build_qp", &latin, 0x2545F4914F6CDD1DULL) != 0)
		return 1;
	if ((only == NULL || strcmp(only, "base64") == 0) &&
	    run("mime_build_base64", &cyrillic, 0x9E3779B97F4A7C15ULL) != 0)
		return 1;
	return 0;
}
