/*
 * bench_sentence: how fast the sentence splitter goes through English
 * prose, on one core; and how fast leads are made of it (summary.h: the
 * splitter plus the rules around it), article by article.
 *
 * The input is built from real-looking English: the prose in bench/data
 * (written for the project), the scraped news article in
 * ../shared/seeds and the Golden Rules texts when ../shared is there. Its
 * paragraphs are shuffled and repeated, a third of them hard-wrapped at 72
 * columns as mail and feeds often are, until the text is BENCH_BYTES long.
 *
 * Then the same text through the command line, as a user meets it: `digest
 * text sentences FILE` (DIGEST, which make bench sets), one sentence per
 * line out, at 5, 10 and 20 MB beside the splitter in process on the same
 * bytes. Its output goes to /dev/null, so that the figure is the
 * program's and not the disk's. The startup (loading the shared
 * libraries) is a fixed cost; a cost that grew faster than the text would
 * show as a rate that falls from one size to the next.
 */
#include "bench.h"
#include "buf.h"
#include "sentence.h"
#include "summary.h"
#include "util.h"

#include <dirent.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BENCH_BYTES (24u << 20)
#define BENCH_RUNS 7
#define BENCH_TARGET_MBS 250.0
#define BENCH_LEADS_TARGET 100000.0	/* ingest's own target is 50,000
					 * items/s on two threads */
#define BENCH_FILE_MAX (16u << 20)
#define WRAP_COLUMNS 72
#define CLI_RUNS 7
#define CLI_FILE "sentences.txt"	/* in bench/run.sh's scratch folder */
#define ARTICLE_BYTES 2000	/* the text is cut into articles this long */

struct paragraphs {
	char **text;	/* owned */
	size_t n, cap;
};

static void
paragraphs_add(struct paragraphs *p, const char *s, size_t len)
{
	s = util_trim(s, &len);
	if (len == 0)
		return;
	xgrow(&p->text, &p->cap, p->n + 1, sizeof(*p->text));
	p->text[p->n++] = xstrndup(s, len);
}

/* Adds the paragraphs (split at blank lines) of a file. */
static void
paragraphs_add_file(struct paragraphs *p, const char *path)
{
	char err[ERR_LEN], *data, *cur, *brk;
	size_t len;

	if (util_read_file(path, BENCH_FILE_MAX, &data, &len, err) == -1) {
		fprintf(stderr, "bench_sentence: %s\n", err);
		return;
	}
	for (cur = data; (brk = strstr(cur, "\n\n")) != NULL; cur = brk + 2)
		paragraphs_add(p, cur, (size_t)(brk - cur));
	paragraphs_add(p, cur, strlen(cur));
	free(data);
}

static void
paragraphs_add_golden(struct paragraphs *p, const char *path)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr), *rule;
	const char *text;
	size_t i;

	if (root == NULL)
		return;
	json_array_foreach(root, i, rule) {
		text = json_string_value(json_object_get(rule, "text"));
		if (text != NULL)
			paragraphs_add(p, text, strlen(text));
	}
	json_decref(root);
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* dir joined with rel into out (PATH_MAX-ish); 0 when it exists. */
static int
find_path(char *out, size_t size, const char *base, const char *rel)
{
	struct stat st;

	if (base == NULL || *base == '\0')
		return -1;
	if (snprintf(out, size, "%s/%s", base, rel) >= (int)size)
		return -1;
	return stat(out, &st) == 0 ? 0 : -1;
}

/* bench/data from the worktree, or from $BUILD (build/ or build/san/)
 * when bench/run.sh runs us in a scratch directory. */
static int
find_data(char *out, size_t size)
{
	const char *build = getenv("BUILD");
	char base[4096];

	if (find_path(out, size, getenv("BENCH_DATA"), ".") == 0 &&
	    is_dir(out))
		return 0;
	if (is_dir("bench/data"))
		return snprintf(out, size, "bench/data") < (int)size ? 0 : -1;
	if (build != NULL && (snprintf(base, sizeof(base), "%s/..", build) <
	    (int)sizeof(base)) && find_path(out, size, base, "bench/data") ==
	    0)
		return 0;
	if (build != NULL && (snprintf(base, sizeof(base), "%s/../..",
	    build) < (int)sizeof(base)) && find_path(out, size, base,
	    "bench/data") == 0)
		return 0;
	return -1;
}

static void
add_shared(struct paragraphs *p)
{
	const char *build = getenv("BUILD");
	const char *roots[4];
	char base[4096], path[4200];
	size_t i;

	roots[0] = getenv("SHARED");
	roots[1] = "../shared";
	roots[2] = NULL;
	roots[3] = NULL;
	if (build != NULL && snprintf(base, sizeof(base), "%s/../../shared",
	    build) < (int)sizeof(base))
		roots[2] = base;
	for (i = 0; i < 3; i++) {
		if (find_path(path, sizeof(path), roots[i],
		    "seeds/scraped-article.txt") == 0) {
			paragraphs_add_file(p, path);
			if (find_path(path, sizeof(path), roots[i],
			    "testdata/sbd/golden_rules_en.json") == 0)
				paragraphs_add_golden(p, path);
			return;
		}
	}
	fprintf(stderr, "bench_sentence: ../shared not found; bench/data "
	    "only\n");
}

/* Drawn as (uint32_t)(bench_rand(&rng) >> 11), bits 11 to 42, as this
 * bench always has: the text stays the one the README figures were
 * measured on. */
static uint64_t rng = 0x2545F4914F6CDD1Dull;

/* Appends s with its spaces turned into newlines every WRAP_COLUMNS. */
static void
append_wrapped(struct buf *b, const char *s)
{
	size_t col = 0, start = b->len, i;

	buf_puts(b, s);
	for (i = start; i < b->len; i++, col++) {
		if (b->data[i] == ' ' && col >= WRAP_COLUMNS) {
			b->data[i] = '\n';
			col = 0;
		}
	}
}

static void
build_text(struct paragraphs *p, struct buf *b)
{
	size_t i, j;
	char *t;

	while (b->len < BENCH_BYTES) {
		for (i = p->n; i > 1; i--) {
			j = (uint32_t)(bench_rand(&rng) >> 11) % i;
			t = p->text[i - 1];
			p->text[i - 1] = p->text[j];
			p->text[j] = t;
		}
		for (i = 0; i < p->n && b->len < BENCH_BYTES; i++) {
			if ((uint32_t)(bench_rand(&rng) >> 11) % 3 == 0)
				append_wrapped(b, p->text[i]);
			else
				buf_puts(b, p->text[i]);
			buf_puts(b, "\n\n");
		}
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One pass of the splitter over s; returns the seconds it took, with the
 * sentences and the bytes in them. */
static double
split_once(const char *s, size_t len, size_t *count, size_t *sum)
{
	struct sentence_iter it;
	size_t start, end;
	double t0 = util_monotonic();

	*count = *sum = 0;
	sentence_iter_init(&it, s, len);
	while (sentence_next(&it, &start, &end)) {
		(*count)++;
		*sum += end - start;
	}
	return util_monotonic() - t0;
}

static int
write_file(const char *path, const char *s, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok = f != NULL && fwrite(s, 1, len, f) == len;

	if (f != NULL && fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

/* `digest text sentences` on the first mb megabytes of text (up to a
 * paragraph break), beside the splitter on the same bytes. */
static int
bench_cli_size(const char *digest, const struct buf *text, int mb)
{
	char *argv[] = { (char *)digest, "text", "sentences", CLI_FILE, NULL };
	char name[64], details[512];
	double wall[CLI_RUNS], cpu[CLI_RUNS], split[CLI_RUNS], mbytes;
	const char *cut;
	size_t len = (size_t)mb * 1000000, count, sum;
	int run;

	cut = len < text->len ? strstr(text->data + len, "\n\n") : NULL;
	len = cut != NULL ? (size_t)(cut - text->data) + 2 : text->len;
	mbytes = len / 1e6;
	if (write_file(CLI_FILE, text->data, len) == -1) {
		fprintf(stderr, "bench_sentence: cannot write %s\n", CLI_FILE);
		return -1;
	}
	for (run = 0; run < CLI_RUNS; run++)
		split[run] = split_once(text->data, len, &count, &sum);
	for (run = -1; run < CLI_RUNS; run++) {	/* run -1 warms up */
		double c, w = bench_spawn(argv, NULL, &c);

		if (w < 0) {
			fprintf(stderr, "bench_sentence: %s text sentences "
			    "failed\n", digest);
			return -1;
		}
		if (run >= 0) {
			wall[run] = w;
			cpu[run] = c;
		}
	}
	qsort(wall, CLI_RUNS, sizeof(wall[0]), cmp_double);
	qsort(cpu, CLI_RUNS, sizeof(cpu[0]), cmp_double);
	qsort(split, CLI_RUNS, sizeof(split[0]), cmp_double);
	snprintf(details, sizeof(details), "`digest text sentences FILE "
	    ">/dev/null` on %.1f MB, %zu sentences; wall %.0f ms, median of "
	    "%d runs (%.0f-%.0f), CPU %.0f ms (%.0f MB/s); in process the "
	    "splitter alone on the same text: %.0f MB/s", mbytes, count,
	    wall[CLI_RUNS / 2] * 1e3, CLI_RUNS, wall[0] * 1e3,
	    wall[CLI_RUNS - 1] * 1e3, cpu[CLI_RUNS / 2] * 1e3,
	    mbytes / cpu[CLI_RUNS / 2], mbytes / split[CLI_RUNS / 2]);
	snprintf(name, sizeof(name), "text_sentences_cli_%dMB", mb);
	if (mb == 20)
		bench_report(name, mbytes / wall[CLI_RUNS / 2], "MB/s",
		    BENCH_TARGET_MBS, 1, details);
	else
		bench_figure(name, mbytes / wall[CLI_RUNS / 2], "MB/s",
		    details);
	return 0;
}

static void
bench_cli(const struct buf *text)
{
	static const int sizes[] = { 5, 10, 20 };
	const char *digest = getenv("DIGEST");
	size_t i;

	if (digest == NULL || access(digest, X_OK) == -1) {
		fprintf(stderr, "bench_sentence: DIGEST (the digest binary) not "
		    "set: no command-line figures\n");
		return;
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (bench_cli_size(digest, text, sizes[i]) == -1)
			break;
	unlink(CLI_FILE);
}

/*
 * Leads, as ingest makes them: the text cut into articles of about
 * ARTICLE_BYTES (at paragraph breaks), a two-sentence lead of each.
 * Articles rather than sentences, so the figure is leads per second; the
 * lead reads only the start of each, so it goes far faster than the
 * splitter through the whole text.
 */
static void
bench_leads(const struct buf *text, double *times)
{
	char details[256], *lead;
	const char *p, *end = text->data + text->len, *cut;
	size_t articles = 0;
	int run;

	for (run = -1; run < BENCH_RUNS; run++) {
		double t0 = util_monotonic();

		articles = 0;
		for (p = text->data; p < end; p = cut) {
			cut = p + ARTICLE_BYTES < end ? p + ARTICLE_BYTES : end;
			if (cut < end && (cut = strstr(cut, "\n\n")) == NULL)
				cut = end;
			lead = summary_lead_titled("A title of an article",
			    p, (size_t)(cut - p), SUMMARY_LEAD_SENTENCES,
			    SUMMARY_LEAD_MAX_CHARS);
			free(lead);
			articles++;
		}
		if (run >= 0)
			times[run] = util_monotonic() - t0;
	}
	qsort(times, BENCH_RUNS, sizeof(times[0]), cmp_double);
	snprintf(details, sizeof(details), "%zu articles of about %d bytes "
	    "from the same text, two sentences each, median of %d runs",
	    articles, ARTICLE_BYTES, BENCH_RUNS);
	bench_report("leads", (double)articles / times[BENCH_RUNS / 2],
	    "leads/s", BENCH_LEADS_TARGET, 1, details);
}

int
main(void)
{
	struct paragraphs p = { NULL, 0, 0 };
	struct buf text;
	char dir[4096], path[4400], details[256];
	double times[BENCH_RUNS];
	size_t count = 0, sum = 0, i;
	struct dirent *de;
	DIR *d;
	int run;

	if (find_data(dir, sizeof(dir)) == -1 || (d = opendir(dir)) == NULL) {
		fprintf(stderr, "bench_sentence: bench/data not found (set "
		    "BENCH_DATA)\n");
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if (n > 4 && strcmp(de->d_name + n - 4, ".txt") == 0 &&
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) <
		    (int)sizeof(path))
			paragraphs_add_file(&p, path);
	}
	closedir(d);
	add_shared(&p);
	if (p.n == 0) {
		fprintf(stderr, "bench_sentence: no text in %s\n", dir);
		return 1;
	}
	buf_init(&text, BENCH_BYTES + (1u << 20));
	build_text(&p, &text);

	for (run = -1; run < BENCH_RUNS; run++) {	/* run -1 warms up */
		double t = split_once(text.data, text.len, &count, &sum);

		if (run >= 0)
			times[run] = t;
	}
	qsort(times, BENCH_RUNS, sizeof(times[0]), cmp_double);
	snprintf(details, sizeof(details), "%.1f MB of English prose from %zu "
	    "paragraphs, %zu sentences, %.0f%% of bytes in sentences, median "
	    "of %d runs, MB = 10^6 bytes", text.len / 1e6, p.n, count,
	    100.0 * (double)sum / (double)text.len, BENCH_RUNS);
	bench_report("sentence_split", text.len / 1e6 / times[BENCH_RUNS / 2],
	    "MB/s", BENCH_TARGET_MBS, 1, details);
	bench_cli(&text);
	bench_leads(&text, times);

	for (i = 0; i < p.n; i++)
		free(p.text[i]);
	free(p.text);
	buf_release(&text);
	return 0;
}
