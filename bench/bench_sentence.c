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
		double t0 = bench_now();

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
			times[run] = bench_now() - t0;
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
	struct sentence_iter it;
	struct buf text;
	char dir[4096], path[4400], details[256];
	double times[BENCH_RUNS], t0;
	size_t start, end, count = 0, sum = 0, i;
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
		count = sum = 0;
		t0 = bench_now();
		sentence_iter_init(&it, text.data, text.len);
		while (sentence_next(&it, &start, &end)) {
			count++;
			sum += end - start;
		}
		if (run >= 0)
			times[run] = bench_now() - t0;
	}
	qsort(times, BENCH_RUNS, sizeof(times[0]), cmp_double);
	snprintf(details, sizeof(details), "%.1f MB of English prose from %zu "
	    "paragraphs, %zu sentences, %.0f%% of bytes in sentences, median "
	    "of %d runs, MB = 10^6 bytes", text.len / 1e6, p.n, count,
	    100.0 * (double)sum / (double)text.len, BENCH_RUNS);
	bench_report("sentence_split", text.len / 1e6 / times[BENCH_RUNS / 2],
	    "MB/s", BENCH_TARGET_MBS, 1, details);
	bench_leads(&text, times);

	for (i = 0; i < p.n; i++)
		free(p.text[i]);
	free(p.text);
	buf_release(&text);
	return 0;
}
