/*
 * bench_template: how many digests per second the template engine
 * renders on one core, the template compiled once.
 *
 * Each render is for another subscriber (another name, address and
 * unsubscribe and preferences URLs), as a send is. The template is the
 * project's own templates/digest.html.mustache with the sample data in
 * tests/data/render/ when both are in the tree; else an embedded
 * digest-like one: an HTML mail layout with inline CSS (a parent with
 * blocks, 11 KB), the digest that fills it and an article partial (14 KB
 * of template in all); 10 articles with title, URL, a lead of about 300
 * characters, 2-3 tags and a date; about 24 KB out. mustache.js with a
 * cached template does about 4,800 digest renders a second on the
 * development VM.
 *
 * Then the command line, as a user meets it: `digest template render` of
 * a template that repeats a digest partial (20 KB out, HTML with inline
 * CSS and the article partial 10 times) 20, 200 and 2,000 times with the
 * small JSON of one subscriber (0.4, 4 and 40 MB out), beside the same
 * render in process and beside mustache.js (MUSTACHE_JS, which
 * bench/run.sh installs with npm outside the worktree) run by node on the
 * same files (bench/mustache_render.js), whose output must be the same
 * bytes. The figure is the whole command's time against mustache.js's
 * render alone (its template cached, without node's startup); the whole
 * node process is shown too. Outputs go to /dev/null: the figures are
 * the programs', not the disk's.
 */
#include "bench.h"
#include "buf.h"
#include "template.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BENCH_RUNS 5
#define BENCH_SECONDS 0.6	/* each run renders at least this long */
#define BENCH_TARGET 50000.0
#define SUBSCRIBERS 64
#define ARTICLES 10
#define OUTPUT_MAX (4u << 20)
#define CLI_RUNS 7
#define PEER_RUNS 5
#define CLI_DIR "cli"		/* in bench/run.sh's scratch folder */
#define CLI_OUTPUT_MAX (256u << 20)	/* as digest template render */

/* ---------------------------------------------------------------------
 * The embedded template: layout (a parent), digest (the child), article
 * (a partial)
 */

static const char layout_head[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\" xmlns=\"http://www.w3.org/1999/xhtml\">\n"
    "<head>\n"
    "  <meta charset=\"utf-8\">\n"
    "  <meta name=\"viewport\" content=\"width=device-width, "
    "initial-scale=1\">\n"
    "  <meta name=\"x-apple-disable-message-reformatting\">\n"
    "  <title>{{$title}}Digest{{/title}}</title>\n"
    "  <style>\n";

/* Between the head and the body: the CSS rules, generated below. */
static const char layout_body[] =
    "  </style>\n"
    "</head>\n"
    "<body style=\"margin:0;padding:0;background-color:#f4f4f1;"
    "-webkit-text-size-adjust:100%;\">\n"
    "  <div class=\"preheader\" style=\"display:none;max-height:0;"
    "overflow:hidden;mso-hide:all;\">{{$preheader}}{{/preheader}}</div>\n"
    "  <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" "
    "cellspacing=\"0\" border=\"0\" style=\"background-color:#f4f4f1;\">\n"
    "    <tr>\n"
    "      <td align=\"center\" style=\"padding:24px 12px;\">\n"
    "        <table role=\"presentation\" class=\"container\" width=\"600\" "
    "cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
    "style=\"width:600px;max-width:600px;background-color:#ffffff;"
    "border-radius:6px;\">\n"
    "          <tr>\n"
    "            <td class=\"masthead\" style=\"padding:28px 32px 12px 32px;"
    "font-family:Georgia,'Times New Roman',serif;font-size:28px;"
    "line-height:34px;color:#1b1b1b;\">\n"
    "              {{$masthead}}The Weekly Digest{{/masthead}}\n"
    "            </td>\n"
    "          </tr>\n"
    "          <tr>\n"
    "            <td class=\"intro\" style=\"padding:0 32px 20px 32px;"
    "font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
    "font-size:15px;line-height:22px;color:#444444;\">\n"
    "              {{$intro}}{{/intro}}\n"
    "            </td>\n"
    "          </tr>\n"
    "          {{$content}}\n"
    "          {{/content}}\n"
    "          <tr>\n"
    "            <td class=\"footer\" style=\"padding:24px 32px 32px 32px;"
    "border-top:1px solid #e6e6e1;font-family:-apple-system,'Segoe UI',"
    "Helvetica,Arial,sans-serif;font-size:12px;line-height:18px;"
    "color:#777777;\">\n"
    "              {{$footer}}{{/footer}}\n"
    "            </td>\n"
    "          </tr>\n"
    "        </table>\n"
    "      </td>\n"
    "    </tr>\n"
    "  </table>\n"
    "</body>\n"
    "</html>\n";

static const char digest_template[] =
    "{{<layout}}\n"
    "{{$title}}{{edition.name}}: {{edition.count}} articles for you"
    "{{/title}}\n"
    "{{$preheader}}This week: {{#articles}}{{title}}; {{/articles}}"
    "{{/preheader}}\n"
    "{{$intro}}\n"
    "Hello {{subscriber.name}}, here is what happened in "
    "{{#subscriber.tags}}{{.}}, {{/subscriber.tags}}and more this week.\n"
    "{{/intro}}\n"
    "{{$content}}\n"
    "{{#articles}}\n"
    "{{>article}}\n"
    "{{/articles}}\n"
    "{{^articles}}\n"
    "<tr><td style=\"padding:0 32px 20px 32px;\">Nothing new this week."
    "</td></tr>\n"
    "{{/articles}}\n"
    "{{/content}}\n"
    "{{$footer}}\n"
    "You receive this digest at {{subscriber.email}} because you "
    "subscribed to {{edition.name}}.<br>\n"
    "<a href=\"{{preferences_url}}\" style=\"color:#777777;"
    "text-decoration:underline;\">Change your topics</a> &middot;\n"
    "<a href=\"{{unsubscribe_url}}\" style=\"color:#777777;"
    "text-decoration:underline;\">Unsubscribe</a><br>\n"
    "{{publisher.name}}, {{publisher.address}}\n"
    "{{/footer}}\n"
    "{{/layout}}\n";

static const char article_template[] =
    "<tr>\n"
    "  <td class=\"article\" style=\"padding:0 32px 24px 32px;"
    "font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;\">\n"
    "    <h2 style=\"margin:0 0 6px 0;font-size:19px;line-height:25px;"
    "font-weight:600;\"><a href=\"{{url}}\" style=\"color:#1a4d8f;"
    "text-decoration:none;\">{{title}}</a></h2>\n"
    "    <p class=\"meta\" style=\"margin:0 0 8px 0;font-size:12px;"
    "color:#888888;\">{{source}} &middot; {{date}}"
    "{{#tags}} &middot; <span class=\"tag\">{{.}}</span>{{/tags}}</p>\n"
    "    <p style=\"margin:0;font-size:15px;line-height:22px;"
    "color:#333333;\">{{lead}}</p>\n"
    "  </td>\n"
    "</tr>\n";

/* CSS rules for the layout's <style>: deterministic, about 8 KB. */
static void
build_css(struct buf *b)
{
	static const char *const sel[] = { "body", "table", "td", "a",
	    ".container", ".masthead", ".intro", ".article", ".meta", ".tag",
	    ".footer", ".preheader", "h1", "h2", "p", "img", ".button",
	    ".divider", ".lead", ".source" };
	static const char *const prop[] = {
	    "font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif",
	    "color:#333333", "line-height:1.5", "margin:0", "padding:0",
	    "border-collapse:collapse", "mso-table-lspace:0pt",
	    "-ms-text-size-adjust:100%", "text-decoration:none",
	    "font-size:15px", "word-break:break-word", "max-width:100%" };
	size_t i, k, np = sizeof(prop) / sizeof(prop[0]);

	for (i = 0; i < sizeof(sel) / sizeof(sel[0]); i++) {
		buf_printf(b, "    %s {", sel[i]);
		for (k = 0; k < 5; k++)
			buf_printf(b, " %s;", prop[(i * 7 + k * 5) % np]);
		buf_puts(b, " }\n");
	}
	buf_puts(b, "    @media only screen and (max-width: 620px) {\n");
	for (i = 0; i < sizeof(sel) / sizeof(sel[0]); i++)
		buf_printf(b, "      %s { width:100%% !important; padding-left:"
		    "16px !important; padding-right:16px !important; }\n",
		    sel[i]);
	buf_puts(b, "    }\n    @media (prefers-color-scheme: dark) {\n");
	for (i = 0; i < sizeof(sel) / sizeof(sel[0]); i++)
		buf_printf(b, "      %s { background-color:#1e1e1e !important; "
		    "color:#e8e8e8 !important; border-color:#3a3a3a "
		    "!important; }\n", sel[i]);
	buf_puts(b, "    }\n    @media print {\n");
	for (i = 0; i < sizeof(sel) / sizeof(sel[0]); i++)
		buf_printf(b, "      %s { color:#000000 !important; "
		    "background:none !important; box-shadow:none !important; "
		    "text-shadow:none !important; }\n", sel[i]);
	buf_puts(b, "    }\n");
}

static const char *const words[] = { "the", "council", "approved", "a",
    "levy", "on", "Thursday", "after", "months", "of", "debate", "over",
    "transit", "funding", "and", "residents", "said", "they", "expected",
    "higher", "fares", "while", "the", "mayor", "promised", "new", "buses",
    "for", "northern", "districts", "by", "spring", "researchers", "found",
    "that", "storm", "surge", "barriers", "reduce", "flood", "damage",
    "in", "coastal", "towns", "with", "older", "drainage" };

/* About n characters of plain English-looking prose, with the odd
 * character that needs escaping. */
static char *
prose(uint64_t *rng, size_t n)
{
	struct buf b;
	size_t w;

	buf_init(&b, n + 64);
	while (b.len < n) {
		w = bench_rand(rng) % (sizeof(words) / sizeof(words[0]));
		if (b.len > 0)
			buf_puts(&b, bench_rand(rng) % 29 == 0 ? " & " : " ");
		buf_puts(&b, words[w]);
	}
	buf_puts(&b, ".");
	return buf_detach(&b, NULL);
}

static json_t *
embedded_articles(void)
{
	static const char *const tags[] = { "politics", "transport", "science",
	    "climate", "health", "local", "economy" };
	uint64_t rng = 0x2545F4914F6CDD1Dull;
	json_t *list = json_array(), *a, *t;
	char *s, url[128], date[32];
	int i, k, ntags;

	for (i = 0; i < ARTICLES; i++) {
		a = json_object();
		s = prose(&rng, 60);
		json_object_set_new(a, "title", json_string(s));
		free(s);
		snprintf(url, sizeof(url), "https://news.example.org/2026/11/"
		    "%d/story-%d?utm_source=digest&utm_medium=email", 20 + i % 8,
		    1000 + i);
		json_object_set_new(a, "url", json_string(url));
		s = prose(&rng, 300);
		json_object_set_new(a, "lead", json_string(s));
		free(s);
		json_object_set_new(a, "source", json_string(i % 2 ?
		    "The Harbour Gazette" : "Northern Courier"));
		snprintf(date, sizeof(date), "%d November 2026", 20 + i % 8);
		json_object_set_new(a, "date", json_string(date));
		t = json_array();
		ntags = 2 + i % 2;
		for (k = 0; k < ntags; k++)
			json_array_append_new(t, json_string(tags[(i + k * 3) %
			    7]));
		json_object_set_new(a, "tags", t);
		json_array_append_new(list, a);
	}
	return list;
}

/* One subscriber's data: the shared articles and the shared rest, with
 * their own name, address and URLs. */
static json_t *
embedded_data(json_t *articles, int i)
{
	char name[64], email[96], url[160];
	json_t *d;

	snprintf(name, sizeof(name), "Reader %d O'Neill", i);
	snprintf(email, sizeof(email), "reader.%d@example.net", i);
	d = json_pack("{s:O, s:{s:s, s:i}, s:{s:s, s:s, s:[s, s]}, "
	    "s:{s:s, s:s}}", "articles", articles, "edition", "name",
	    "The Weekly Digest", "count", ARTICLES, "subscriber", "name", name,
	    "email", email, "tags", "politics", "science", "publisher", "name",
	    "Example Press", "address", "1 Harbour Street, Portsmouth");

	snprintf(url, sizeof(url), "https://digest.example.org/unsubscribe?"
	    "token=%08x%08x", (unsigned)i * 2654435761u, (unsigned)i);
	json_object_set_new(d, "unsubscribe_url", json_string(url));
	snprintf(url, sizeof(url), "https://digest.example.org/preferences?"
	    "token=%08x&s=%d", (unsigned)i * 40503u, i);
	json_object_set_new(d, "preferences_url", json_string(url));
	return d;
}

/* ---------------------------------------------------------------------
 * The project's own template, when it is there
 */

/* The worktree's root: "." or, under bench/run.sh (which runs us in a
 * scratch directory), $BUILD/.. or $BUILD/../.. (build/, build/san/). */
static int
find_top(const char *rel, char *out, size_t size)
{
	const char *build = getenv("TOP") ? getenv("TOP") : getenv("BUILD");
	const char *fmt[] = { "%s%s", "%s/%s", "%s/../%s", "%s/../../%s" };
	struct stat st;
	size_t i;

	for (i = 0; i < 4; i++) {
		if (i > 0 && build == NULL)
			break;
		if (snprintf(out, size, fmt[i], i == 0 ? "" : build, rel) >=
		    (int)size)
			continue;
		if (stat(out, &st) == 0)
			return 0;
	}
	return -1;
}

/* Gives every string that is about the subscriber (under a key naming a
 * subscriber, an address or an unsubscribe or preferences link) a
 * different value for subscriber i. */
static void
vary_subscriber(json_t *v, int i, int about)
{
	const char *key;
	json_t *item;
	char *s;
	size_t k, n;

	if (json_is_string(v) && about) {
		n = json_string_length(v) + 32;
		s = xmalloc(n);
		snprintf(s, n, "%s-%d", json_string_value(v), i);
		json_string_set(v, s);
		free(s);
	} else if (json_is_object(v)) {
		json_object_foreach(v, key, item)
			vary_subscriber(item, i, about ||
			    strstr(key, "subscriber") || strstr(key, "email") ||
			    strstr(key, "unsubscribe") ||
			    strstr(key, "preferences") ||
			    strcmp(key, "to") == 0);
	} else if (json_is_array(v)) {
		json_array_foreach(v, k, item)
			vary_subscriber(item, i, about);
	}
}

/* ---------------------------------------------------------------------
 * The benchmark
 */

struct workload {
	const char *what;
	struct template *t;
	json_t *data[SUBSCRIBERS];
	char *text;		/* owned: the main template's text */
	json_t *partials;	/* the embedded partials */
	char dir[4096];		/* the project's partials directory */
};

static int
json_loader(const char *name, char **text, size_t *len, void *arg,
    char *err)
{
	const json_t *s = json_object_get(arg, name);

	(void)err;
	if (!json_is_string(s))
		return 0;
	*len = json_string_length(s);
	*text = xstrndup(json_string_value(s), *len);
	return 1;
}

static int
load_project(struct workload *w)
{
	char path[4200], dpath[4200], err[ERR_LEN];
	json_error_t jerr;
	json_t *base;
	size_t len;
	int i;

	if (find_top("templates/digest.html.mustache", path,
	    sizeof(path)) == -1 || find_top("tests/data/render/digest.json",
	    dpath, sizeof(dpath)) == -1)
		return -1;
	if ((base = json_load_file(dpath, JSON_DECODE_ANY, &jerr)) == NULL) {
		fprintf(stderr, "bench_template: %s: line %d: %s\n", dpath,
		    jerr.line, jerr.text);
		return -1;
	}
	if (util_read_file(path, TEMPLATE_FILE_MAX, &w->text, &len, err) ==
	    -1) {
		fprintf(stderr, "bench_template: %s\n", err);
		json_decref(base);
		return -1;
	}
	snprintf(w->dir, sizeof(w->dir), "%.*s", (int)(strrchr(path, '/') -
	    path), path);
	w->t = template_compile(w->text, len, path, template_load_dir, w->dir,
	    err);
	if (w->t == NULL) {
		fprintf(stderr, "bench_template: %s\n", err);
		json_decref(base);
		return -1;
	}
	for (i = 0; i < SUBSCRIBERS; i++) {
		w->data[i] = json_deep_copy(base);
		vary_subscriber(w->data[i], i, 0);
	}
	json_decref(base);
	w->what = "templates/digest.html.mustache with tests/data/render";
	return 0;
}

static void
load_embedded(struct workload *w)
{
	struct buf layout;
	json_t *articles = embedded_articles();
	char err[ERR_LEN];
	int i;

	buf_init(&layout, 1u << 20);
	buf_puts(&layout, layout_head);
	build_css(&layout);
	buf_puts(&layout, layout_body);
	w->partials = json_object();
	json_object_set_new(w->partials, "layout", json_string(layout.data));
	json_object_set_new(w->partials, "article",
	    json_string(article_template));
	w->t = template_compile(digest_template, strlen(digest_template),
	    "digest.html.mustache", json_loader, w->partials, err);
	if (w->t == NULL) {
		fprintf(stderr, "bench_template: embedded template: %s\n", err);
		exit(1);
	}
	for (i = 0; i < SUBSCRIBERS; i++)
		w->data[i] = embedded_data(articles, i);
	json_decref(articles);
	w->what = "embedded digest-like template";
	buf_release(&layout);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Renders until BENCH_SECONDS have passed; returns renders per second. */
static double
bench_run(struct workload *w, struct buf *out, size_t *bytes)
{
	char err[ERR_LEN];
	double t0 = util_monotonic(), elapsed;
	long n = 0;
	int k;

	do {
		for (k = 0; k < 256; k++, n++) {
			buf_truncate(out, 0);
			if (template_render(w->t, w->data[n % SUBSCRIBERS], out,
			    err) == -1) {
				fprintf(stderr, "bench_template: %s\n", err);
				exit(1);
			}
			*bytes += out->len;
		}
		elapsed = util_monotonic() - t0;
	} while (elapsed < BENCH_SECONDS);
	return (double)n / elapsed;
}

static void
workload_release(struct workload *w)
{
	int i;

	for (i = 0; i < SUBSCRIBERS; i++)
		json_decref(w->data[i]);
	json_decref(w->partials);
	template_free(w->t);
	free(w->text);
}

/* Renders for two subscribers: their outputs must differ, or the figure
 * would not be of a send. Returns the first's length, or 0. */
static size_t
workload_check(struct workload *w, struct buf *out)
{
	char err[ERR_LEN], *first;
	size_t len;
	int same;

	buf_truncate(out, 0);
	if (template_render(w->t, w->data[0], out, err) == -1) {
		fprintf(stderr, "bench_template: %s\n", err);
		return 0;
	}
	first = xstrdup(buf_cstr(out));
	len = out->len;
	buf_truncate(out, 0);
	if (template_render(w->t, w->data[1], out, err) == -1) {
		fprintf(stderr, "bench_template: %s\n", err);
		free(first);
		return 0;
	}
	same = strcmp(first, buf_cstr(out)) == 0;
	free(first);
	if (same)
		fprintf(stderr, "bench_template: %s: every subscriber gets the "
		    "same output\n", w->what);
	return len;
}

static int
bench_workload(struct workload *w, const char *name)
{
	struct buf out;
	double rates[BENCH_RUNS];
	char details[512];
	size_t bytes = 0, len;
	int run;

	buf_init(&out, OUTPUT_MAX);
	if ((len = workload_check(w, &out)) == 0) {
		buf_release(&out);
		return -1;
	}
	for (run = -1; run < BENCH_RUNS; run++) {	/* run -1 warms up */
		double r = bench_run(w, &out, &bytes);

		if (run >= 0)
			rates[run] = r;
	}
	qsort(rates, BENCH_RUNS, sizeof(rates[0]), cmp_double);
	snprintf(details, sizeof(details), "%s, %.1f KB out, %d subscribers "
	    "in turn, compiled once, median of %d runs, %.0f MB/s of output",
	    w->what, len / 1e3, SUBSCRIBERS, BENCH_RUNS,
	    rates[BENCH_RUNS / 2] * (double)len / 1e6);
	bench_report(name, rates[BENCH_RUNS / 2], "renders/s", BENCH_TARGET,
	    1, details);
	buf_release(&out);
	return 0;
}

/* ---------------------------------------------------------------------
 * The command line, beside mustache.js
 */

/* The digest partial: the embedded digest without inheritance (which
 * mustache.js does not have), about 20 KB out. */
static void
build_cli_digest(struct buf *b)
{
	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "  <meta charset=\"utf-8\">\n"
	    "  <title>{{edition.name}}: {{edition.count}} articles for you"
	    "</title>\n  <style>\n");
	build_css(b);
	buf_puts(b, "  </style>\n</head>\n<body>\n"
	    "  <p class=\"intro\">Hello {{subscriber.name}}, here is what "
	    "happened in {{#subscriber.tags}}{{.}}, {{/subscriber.tags}}and "
	    "more this week.</p>\n"
	    "  <table role=\"presentation\" width=\"100%\">\n"
	    "  {{#articles}}\n  {{>article}}\n  {{/articles}}\n  </table>\n"
	    "  <p class=\"footer\">You receive this digest at "
	    "{{subscriber.email}}. <a href=\"{{unsubscribe_url}}\">"
	    "Unsubscribe</a> &middot; <a href=\"{{preferences_url}}\">Change "
	    "your topics</a><br>\n  {{publisher.name}}, {{publisher.address}}"
	    "</p>\n</body>\n</html>\n");
}

static int
cli_write(const char *name, const char *text, size_t len)
{
	char path[256];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", CLI_DIR, name);
	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	ok = fwrite(text, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* The partials, the data and the main templates (main-N.mustache). */
static int
cli_files(const int *repeats, size_t n)
{
	json_t *articles = embedded_articles(), *data;
	struct buf b;
	char name[64], *json;
	size_t i;
	int k, rc = 0;

	if (mkdir(CLI_DIR, 0700) == -1 && errno != EEXIST)
		return -1;
	buf_init(&b, 16u << 20);
	build_cli_digest(&b);
	rc |= cli_write("digest.mustache", b.data, b.len);
	rc |= cli_write("article.mustache", article_template,
	    strlen(article_template));
	data = embedded_data(articles, 0);
	json = json_dumps(data, JSON_INDENT(1));
	rc |= json == NULL ? -1 : cli_write("data.json", json, strlen(json));
	free(json);
	json_decref(data);
	json_decref(articles);
	for (i = 0; i < n; i++) {
		buf_truncate(&b, 0);
		for (k = 0; k < repeats[i]; k++)
			buf_puts(&b, "{{>digest}}\n");
		snprintf(name, sizeof(name), "main-%d.mustache", repeats[i]);
		rc |= cli_write(name, b.data, b.len);
	}
	buf_release(&b);
	return rc;
}

/* Counts what template_render_to sends, and drops it. */
static int
cli_discard(const char *p, size_t n, void *arg)
{
	(void)p;
	*(size_t *)arg += n;
	return 0;
}

/* Compiles and renders main in process, as the command does (partials
 * from the folder, all loaded first, the output sent on in blocks, here
 * dropped); the seconds it took, the output's size in *len. */
static double
cli_in_process(const char *main_path, const json_t *data, size_t *len)
{
	char err[ERR_LEN], *text;
	struct template *t;
	size_t n;
	double t0 = util_monotonic(), dt;

	if (util_read_file(main_path, TEMPLATE_FILE_MAX, &text, &n, err) ==
	    -1 || (t = template_compile(text, n, main_path, template_load_dir,
	    CLI_DIR, err)) == NULL) {
		fprintf(stderr, "bench_template: %s\n", err);
		exit(1);
	}
	free(text);
	*len = 0;
	if (!template_preload(t) || template_render_to(t, data,
	    CLI_OUTPUT_MAX, cli_discard, len, err) == -1) {
		fprintf(stderr, "bench_template: %s: %s\n", main_path, err);
		exit(1);
	}
	dt = util_monotonic() - t0;
	template_free(t);
	return dt;
}

/* Runs argv `runs` times (after one to warm up); their median wall and
 * CPU seconds, and the wall range, in w[0..2] and *cpu. -1 when a run
 * failed. */
static int
cli_time(char *const argv[], int runs, double w[3], double *cpu)
{
	double wall[CLI_RUNS > PEER_RUNS ? CLI_RUNS : PEER_RUNS];
	double used[CLI_RUNS > PEER_RUNS ? CLI_RUNS : PEER_RUNS], c;
	int run;

	for (run = -1; run < runs; run++) {
		double t = bench_spawn(argv, NULL, &c);

		if (t < 0) {
			fprintf(stderr, "bench_template: %s failed\n", argv[0]);
			return -1;
		}
		if (run >= 0) {
			wall[run] = t;
			used[run] = c;
		}
	}
	qsort(wall, (size_t)runs, sizeof(wall[0]), cmp_double);
	qsort(used, (size_t)runs, sizeof(used[0]), cmp_double);
	w[0] = wall[runs / 2];
	w[1] = wall[0];
	w[2] = wall[runs - 1];
	*cpu = used[runs / 2];
	return 0;
}

/* 1 when the two files hold the same bytes. */
static int
same_files(const char *a, const char *b)
{
	char err[ERR_LEN], *x, *y;
	size_t nx, ny;
	int same;

	if (util_read_file(a, CLI_OUTPUT_MAX, &x, &nx, err) == -1)
		return 0;
	if (util_read_file(b, CLI_OUTPUT_MAX, &y, &ny, err) == -1) {
		free(x);
		return 0;
	}
	same = nx == ny && memcmp(x, y, nx) == 0;
	free(x);
	free(y);
	return same;
}

/* mustache.js on main: its median wall and CPU seconds (w, *cpu) and
 * the median of its own render times in ms (*render_ms); -1 when node
 * failed or printed other bytes than digest (cli/digest.out). */
static int
cli_peer(const char *main_path, double w[3], double *cpu, double *render_ms)
{
	char js[4096], *text, err[ERR_LEN];
	char *argv[] = { getenv("NODE"), js, getenv("MUSTACHE_JS"),
	    (char *)main_path, CLI_DIR "/data.json", CLI_DIR "/timing", NULL };
	double ms[PEER_RUNS], c;
	size_t len;
	int run;

	if (find_top("bench/mustache_render.js", js, sizeof(js)) == -1) {
		fprintf(stderr, "bench_template: bench/mustache_render.js not "
		    "found\n");
		return -1;
	}
	if (bench_spawn(argv, CLI_DIR "/mustache.out", &c) < 0 ||
	    !same_files(CLI_DIR "/digest.out", CLI_DIR "/mustache.out")) {
		fprintf(stderr, "bench_template: mustache.js failed on %s or "
		    "printed other bytes than digest\n", main_path);
		return -1;
	}
	for (run = 0; run < PEER_RUNS; run++) {
		if (bench_spawn(argv, NULL, &c) < 0 || util_read_file(CLI_DIR
		    "/timing", 64, &text, &len, err) == -1)
			return -1;
		ms[run] = strtod(text, NULL);
		free(text);
	}
	qsort(ms, PEER_RUNS, sizeof(ms[0]), cmp_double);
	*render_ms = ms[PEER_RUNS / 2];
	return cli_time(argv, PEER_RUNS, w, cpu);
}

static int
bench_cli_size(const char *digest, int repeats, const json_t *data,
    int have_peer)
{
	char main_path[128], name[64], details[1024], peer[512];
	char *argv[] = { (char *)digest, "template", "render", "--data",
	    CLI_DIR "/data.json", main_path, NULL };
	double w[3], pw[3], cpu, pcpu, prender, inproc[CLI_RUNS], mb, c;
	size_t len = 0;
	int run;

	snprintf(main_path, sizeof(main_path), "%s/main-%d.mustache", CLI_DIR,
	    repeats);
	for (run = 0; run < CLI_RUNS; run++)
		inproc[run] = cli_in_process(main_path, data, &len);
	qsort(inproc, CLI_RUNS, sizeof(inproc[0]), cmp_double);
	mb = len / 1e6;
	if (bench_spawn(argv, CLI_DIR "/digest.out", &c) < 0 ||
	    cli_time(argv, CLI_RUNS, w, &cpu) == -1)
		return -1;
	peer[0] = '\0';
	if (have_peer && cli_peer(main_path, pw, &pcpu, &prender) == 0)
		snprintf(peer, sizeof(peer), "; mustache.js: its render alone "
		    "%.0f ms, the whole node process %.0f ms (%.0f-%.0f), CPU "
		    "%.0f ms: %.1fx", prender, pw[0] * 1e3, pw[1] * 1e3, pw[2] *
		    1e3, pcpu * 1e3, pw[0] / w[0]);
	else
		have_peer = 0;
	snprintf(details, sizeof(details), "`digest template render` of "
	    "{{>digest}} %d times, %.1f MB out to /dev/null: wall %.1f ms, "
	    "median of %d runs (%.1f-%.1f), CPU %.1f ms, %.0f MB/s; in "
	    "process (compile, render, output dropped): %.1f ms%s", repeats,
	    mb, w[0] * 1e3, CLI_RUNS, w[1] * 1e3, w[2] * 1e3, cpu * 1e3,
	    mb / w[0], inproc[CLI_RUNS / 2] * 1e3, peer);
	snprintf(name, sizeof(name), "template_render_cli_%d", repeats);
	/* The figure: the whole command against mustache.js's render alone
	 * (its template cached, no node startup): the stricter ratio. */
	if (!have_peer)
		bench_figure(name, mb / w[0], "MB/s", details);
	else if (repeats == 2000)
		bench_report(name, prender / 1e3 / w[0], "x mustache.js", 10.0,
		    1, details);
	else
		bench_figure(name, prender / 1e3 / w[0], "x mustache.js",
		    details);
	unlink(CLI_DIR "/digest.out");
	unlink(CLI_DIR "/mustache.out");
	return 0;
}

static int
bench_cli(void)
{
	static const int repeats[] = { 20, 200, 2000 };
	const char *digest = getenv("DIGEST"), *peer = getenv("MUSTACHE_JS");
	const char *node = getenv("NODE");
	json_error_t jerr;
	json_t *data;
	size_t i;
	int have_peer, rc = 0;

	if (digest == NULL || access(digest, X_OK) == -1) {
		fprintf(stderr, "bench_template: DIGEST (the digest binary) not "
		    "set: no command-line figures\n");
		return 0;
	}
	have_peer = peer != NULL && *peer != '\0' && node != NULL &&
	    *node != '\0';
	if (!have_peer)
		fprintf(stderr, "bench_template: no mustache.js (MUSTACHE_JS) "
		    "or node (NODE): command-line figures without the peer\n");
	if (cli_files(repeats, sizeof(repeats) / sizeof(repeats[0])) == -1 ||
	    (data = json_load_file(CLI_DIR "/data.json", 0, &jerr)) == NULL) {
		fprintf(stderr, "bench_template: cannot write %s/\n", CLI_DIR);
		return -1;
	}
	for (i = 0; i < sizeof(repeats) / sizeof(repeats[0]) && rc == 0; i++)
		rc = bench_cli_size(digest, repeats[i], data, have_peer);
	json_decref(data);
	return rc;
}

int
main(void)
{
	struct workload project, embedded;
	int status = 0, have_project;

	memset(&project, 0, sizeof(project));
	memset(&embedded, 0, sizeof(embedded));
	have_project = load_project(&project) == 0;
	load_embedded(&embedded);
	/* The project's template is the figure; the embedded one is still
	 * shown, to compare with runs made before the project had one. */
	if (have_project && bench_workload(&project, "template_render") == -1)
		status = 1;
	if (bench_workload(&embedded, have_project ?
	    "template_render_embedded" : "template_render") == -1)
		status = 1;
	if (have_project)
		workload_release(&project);
	workload_release(&embedded);
	if (bench_cli() == -1)
		status = 1;
	return status;
}
