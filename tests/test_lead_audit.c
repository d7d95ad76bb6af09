/*
 * The lead audit (issue 15): every feed of ../shared/testdata/feeds is
 * ingested into a real store, and each stored lead is read as an editor
 * would, by rules written here apart from digest/summary.c:
 *  - cue: no furniture at its start or end (a byline, a wire dateline, a
 *    caption, "Read more", "Continue reading", "submitted by", "The post
 *    X appeared first on Y.", "Advertisement", a share prompt);
 *  - run-on: no paragraph or heading line of the body that ends without
 *    final punctuation is followed by more text in the lead;
 *  - title: the lead, or its first sentence, is not the title again;
 *  - cut: a lead that runs to the end of a body the source cut (a feed
 *    whose bodies stop, unpunctuated, at one same length; a dangling
 *    "the", "of" or comma) ends with "…";
 *  - empty: not empty when the body has text for a lead (a sentence, or
 *    a paragraph of 6 words or more, that is neither furniture nor the
 *    title).
 * Items whose body has no word at all (rss-1's empty descriptions) are
 * not counted.
 * It prints one line per feed with its counts, and fails when fewer than
 * AUDIT_GOAL_PERCENT of the items with text pass every rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "db.h"
#include "ingest.h"
#include "sentence.h"
#include "utf8.h"

#include <dirent.h>
#include <limits.h>
#include <sqlite3.h>

#define AUDIT_GOAL_PERCENT 95
#define AUDIT_SHOW_PER_FEED 3	/* failing leads printed per feed */
#define AUDIT_TRUNC_MIN 3	/* bodies cut at one length make a pattern */

enum rule { R_CUE, R_RUNON, R_TITLE, R_CUT, R_EMPTY, R_COUNT };

static const char *const rule_names[R_COUNT] = { "cue", "run-on", "title",
    "cut", "empty" };

struct tally {
	size_t items, text, pass;
	size_t fail[R_COUNT];
};

/* Letters and digits, lower-cased: how titles and leads are compared. */
static size_t
key_of(const char *s, size_t len, char *out, size_t max)
{
	size_t i = 0, n = 0, k;
	uint32_t cp;
	char enc[4];

	while (i < len) {
		i += utf8_decode(s + i, len - i, &cp);
		if (!utf8_is_alnum(cp))
			continue;
		k = utf8_encode(utf8_lower(cp), enc);
		if (n + k >= max)
			break;
		memcpy(out + n, enc, k);
		n += k;
	}
	out[n] = '\0';
	return n;
}

/* The same letters and digits, or one holding the other as most of it
 * (the "v3.9.0" and "3.9.0"). */
static int
same_key(const char *a, size_t alen, const char *b)
{
	char ka[4096], kb[4096];
	size_t na = key_of(a, alen, ka, sizeof(ka)),
	    nb = key_of(b, strlen(b), kb, sizeof(kb));

	if (na == 0 || nb == 0)
		return 0;
	if (na > nb)
		return nb * 4 >= na * 3 && strstr(ka, kb) != NULL;
	return na * 4 >= nb * 3 && strstr(kb, ka) != NULL;
}

/* Collapses white space into a static-free caller buffer. */
static size_t
collapse(const char *s, size_t len, char *out, size_t max)
{
	size_t i, n = 0;
	int gap = 0;

	for (i = 0; i < len && n + 2 < max; i++) {
		if (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' ||
		    s[i] == '\r') {
			gap = n > 0;
			continue;
		}
		if (gap)
			out[n++] = ' ';
		gap = 0;
		out[n++] = s[i];
	}
	out[n] = '\0';
	return n;
}

static size_t
words_of(const char *s, size_t len)
{
	size_t i, w = 0;
	int in = 0;

	for (i = 0; i < len; i++) {
		int alnum = ((unsigned char)s[i] >= 0x80) ||
		    (s[i] >= '0' && s[i] <= '9') || ((s[i] | 0x20) >= 'a' &&
		    (s[i] | 0x20) <= 'z');

		if (s[i] == ' ' || s[i] == '\n' || s[i] == '\t')
			in = 0;
		else if (alnum && !in) {
			w++;
			in = 1;
		}
	}
	return w;
}

/* Ends with . ! ? … and closing quotes or brackets after it. */
static int
ends_final(const char *s, size_t len)
{
	while (len > 0) {
		unsigned char c = (unsigned char)s[len - 1];

		if (c == '.' || c == '!' || c == '?')
			return 1;
		if (len >= 3 && memcmp(s + len - 3, "\xe2\x80\xa6", 3) == 0)
			return 1;
		if (len >= 3 && (memcmp(s + len - 3, "\xe2\x80\x9d", 3) == 0 ||
		    memcmp(s + len - 3, "\xe2\x80\x99", 3) == 0)) {
			len -= 3;
			continue;
		}
		if (c == '"' || c == '\'' || c == ')' || c == ']' || c == ' ')
			len--;
		else
			return 0;
	}
	return 0;
}

static int
starts_ci(const char *s, const char *p)
{
	size_t i;

	for (i = 0; p[i] != '\0'; i++)
		if (s[i] == '\0' || (s[i] | (s[i] >= 'A' && s[i] <= 'Z' ?
		    0x20 : 0)) != p[i])
			return 0;
	return 1;
}

static int
ends_ci(const char *s, size_t len, const char *p)
{
	size_t n = strlen(p);

	return n <= len && starts_ci(s + len - n, p);
}

/* The furniture an editor strikes, as the issue lists it. */
static const char *const cue_starts[] = {
	"by:", "submitted by", "posted by", "written by", "photo:",
	"image:", "image attribution", "photograph:", "credit:", "caption:",
	"(getty", "getty images", "read more", "continue reading",
	"read full", "advertisement", "share this", "subscribe to",
	"sign up", "follow us", "the post ", "related:", "[link]",
};

static const char *const cue_ends[] = {
	"continue reading...", "continue reading\xe2\x80\xa6",
	"continue reading", "read more", "read more \xc2\xbb",
	"read full article >>", "comments]", "[link]", "(getty images)",
	"advertisement", "leia mais",
};

/* "CHICAGO (AP) — ", "LONDON, Dec 3 (Reuters) - ", "WASHINGTON — ". */
static int
starts_with_dateline(const char *s)
{
	static const char *const dashes[] = { " \xe2\x80\x94 ",
	    " \xe2\x80\x93 ", " - ", ").- ", ") - " };
	const char *p, *best = NULL;
	size_t i, upper = 0, lower = 0;

	for (i = 0; i < sizeof(dashes) / sizeof(dashes[0]); i++)
		if ((p = strstr(s, dashes[i])) != NULL && p - s < 50 &&
		    (best == NULL || p < best))
			best = p;
	if (best == NULL)
		return 0;
	for (p = s; p < best; p++) {
		upper += *p >= 'A' && *p <= 'Z';
		lower += *p >= 'a' && *p <= 'z';
	}
	return (memchr(s, '(', (size_t)(best - s)) != NULL && memchr(s, ')',
	    (size_t)(best - s + 2)) != NULL) || (upper >= 3 && lower == 0);
}

static int
has_cue(const char *lead)
{
	size_t i, len = strlen(lead);
	const char *p;

	if ((strncmp(lead, "By ", 3) == 0 || strncmp(lead, "Por ", 4) == 0 ||
	    strncmp(lead, "Von ", 4) == 0) && strchr(lead, ' ')[1] >= 'A' &&
	    strchr(lead, ' ')[1] <= 'Z')
		return 1;
	for (i = 0; i < sizeof(cue_starts) / sizeof(cue_starts[0]); i++)
		if (starts_ci(lead, cue_starts[i]))
			return 1;
	for (i = 0; i < sizeof(cue_ends) / sizeof(cue_ends[0]); i++)
		if (ends_ci(lead, len, cue_ends[i]))
			return 1;
	p = strstr(lead, " appeared first on ");
	return starts_with_dateline(lead) || (p != NULL &&
	    strchr(p, '.') == lead + len - 1);
}

/* Lines of the body that end without final punctuation and that an
 * editor reads as headings or standfirsts: whole paragraphs, and short
 * lines followed by a capital. None may run into the next line's words
 * in the lead. */
static int
has_run_on(const char *body, const char *lead)
{
	size_t i = 0, len = strlen(body), end, n, next, w;
	char c[2048];
	int para;

	while (i < len) {
		end = i;
		while (end < len && body[end] != '\n')
			end++;
		para = end + 1 >= len || body[end + 1] == '\n' || i == 0 ||
		    body[i - 1] == '\n';
		next = end + 1;
		while (next < len && (body[next] == '\n' || body[next] == ' '))
			next++;
		n = collapse(body + i, end - i, c, sizeof(c) - 64);
		if (n > 0 && next < len && !ends_final(c, n) &&
		    c[n - 1] != ':' && words_of(c, n) >= 2 && (para ||
		    (words_of(c, n) < 6 && body[next] >= 'A' &&
		    body[next] <= 'Z'))) {
			/* the line, a space, and the next line's first word */
			c[n++] = ' ';
			for (w = next; w < len && body[w] != ' ' &&
			    body[w] != '\n' && n + 1 < sizeof(c); w++)
				c[n++] = body[w];
			c[n] = '\0';
			if (strstr(lead, c) != NULL)
				return 1;
		}
		i = end + 1;
	}
	return 0;
}

/* The lead's first sentence, or all of it, is the title again. */
static int
repeats_title(const char *title, const char *lead)
{
	struct sentence_iter it;
	size_t a, b;

	if (title == NULL || *title == '\0' || *lead == '\0')
		return 0;
	if (same_key(lead, strlen(lead), title))
		return 1;
	sentence_iter_init(&it, lead, strlen(lead));
	return sentence_next(&it, &a, &b) && same_key(lead + a, b - a, title);
}

static const char *const dangling[] = { "the", "a", "an", "of", "to",
    "and", "or", "with", "for", "from", "at", "by", "that", "which", "is",
    "are", "was", "were", "its", "their", "his", "her", "unless" };

/* A lead that ends where its body ends, on a body the source cut. */
static int
is_uncut_end(const char *body, const char *lead, int truncated)
{
	char b[8192], w[64];
	size_t bl, ll = strlen(lead), k, i;

	if (ll == 0 || ends_final(lead, ll) || lead[ll - 1] == ':')
		return 0;
	bl = collapse(body, strlen(body), b, sizeof(b));
	k = ll < 24 ? ll : 24;
	if (bl < k || memcmp(b + bl - k, lead + ll - k, k) != 0)
		return 0;	/* the lead stops before the body does */
	if (truncated || strchr(",;-(&", lead[ll - 1]) != NULL)
		return 1;
	for (i = ll; i > 0 && lead[i - 1] != ' '; i--)
		;
	if (ll - i >= sizeof(w))
		return 0;
	for (k = 0; i + k < ll; k++)
		w[k] = (char)(lead[i + k] | 0x20);
	w[k] = '\0';
	for (i = 0; i < sizeof(dangling) / sizeof(dangling[0]); i++)
		if (strcmp(w, dangling[i]) == 0)
			return 1;
	return 0;
}

/* Whether the body holds text a lead is owed: a sentence, or a
 * paragraph of 6 words or more, that is not furniture nor the title. */
static int
has_text(const char *body, const char *title)
{
	size_t i = 0, len = strlen(body), end, n, k;
	char c[4096];
	int furniture;

	while (i < len) {
		const char *brk = strstr(body + i, "\n\n");

		end = brk ? (size_t)(brk - body) : len;
		n = collapse(body + i, end - i, c, sizeof(c));
		/* reddit's "submitted by x to y [link] [3 comments]" ends
		 * the text it follows */
		for (k = 0; k < n; k++)
			if (starts_ci(c + k, "submitted by")) {
				while (k > 0 && c[k - 1] == ' ')
					k--;
				c[n = k] = '\0';
			}
		furniture = has_cue(c);
		if (n > 0 && !furniture &&
		    !same_key(c, n, title ? title : "") &&
		    ((ends_final(c, n) && words_of(c, n) >= 2) ||
		    words_of(c, n) >= 6))
			return 1;
		i = end + 2;
	}
	return 0;
}

struct item {
	char *title, *body, *lead;
};

/* The length at which a feed's source cut its bodies: the length (in
 * bytes, or characters when by_chars) that most unpunctuated bodies stop
 * at, counting those one short of it (a trailing space trimmed), when
 * AUDIT_TRUNC_MIN or more do; else 0. */
static size_t
trunc_length(const struct item *v, size_t n, int by_chars)
{
	size_t i, k, len, best = 0, best_n = 0, at;

	for (i = 0; i < n; i++) {
		len = by_chars ? utf8_count(v[i].body, strlen(v[i].body)) :
		    strlen(v[i].body);
		if (len == 0 || ends_final(v[i].body, strlen(v[i].body)))
			continue;
		for (k = at = 0; k < n; k++) {
			size_t l2 = by_chars ? utf8_count(v[k].body,
			    strlen(v[k].body)) : strlen(v[k].body);

			at += (l2 == len || l2 + 1 == len) &&
			    !ends_final(v[k].body, strlen(v[k].body));
		}
		if (at > best_n) {
			best_n = at;
			best = len;
		}
	}
	return best_n >= AUDIT_TRUNC_MIN && best_n * 20 >= n ? best : 0;
}

static int
body_truncated(const char *body, size_t tb, size_t tc)
{
	size_t b = strlen(body), c = utf8_count(body, b);

	if (ends_final(body, b))
		return 0;
	return (tb > 0 && (b == tb || b + 1 == tb)) ||
	    (tc > 0 && (c == tc || c + 1 == tc));
}

static char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return xstrdup(s ? (const char *)s : "");
}

/* Audits one feed; adds its counts to total and prints them. */
static void
audit_feed(sqlite3 *db, const char *path, const char *name,
    struct tally *total)
{
	struct ingest_opts o;
	struct ingest_report rep;
	struct tally t;
	struct item *v = NULL;
	size_t n = 0, cap = 0, i, k, tb, tc, shown = 0;
	char err[ERR_LEN], real[PATH_MAX];
	sqlite3_stmt *st;
	int bad[R_COUNT], any;

	memset(&o, 0, sizeof(o));
	memset(&t, 0, sizeof(t));
	if (ingest_source(db, path, &o, &rep, err) != INGEST_OK) {
		print_message("audit %-44s refused: %s\n", name, err);
		return;
	}
	if (realpath(path, real) == NULL)
		fail_msg("%s: realpath", path);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT title, body, lead "
	    "FROM article WHERE source = ?1 ORDER BY id", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, real, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		xgrow(&v, &cap, n + 1, sizeof(*v));
		v[n].title = col(st, 0);
		v[n].body = col(st, 1);
		v[n].lead = col(st, 2);
		n++;
	}
	sqlite3_finalize(st);
	tb = trunc_length(v, n, 0);
	tc = trunc_length(v, n, 1);
	for (i = 0; i < n; i++) {
		memset(bad, 0, sizeof(bad));
		t.items++;
		if (words_of(v[i].body, strlen(v[i].body)) == 0)
			continue;
		t.text++;
		bad[R_CUE] = *v[i].lead != '\0' && has_cue(v[i].lead);
		bad[R_RUNON] = has_run_on(v[i].body, v[i].lead);
		bad[R_TITLE] = repeats_title(v[i].title, v[i].lead);
		bad[R_CUT] = is_uncut_end(v[i].body, v[i].lead,
		    body_truncated(v[i].body, tb, tc));
		bad[R_EMPTY] = *v[i].lead == '\0' && has_text(v[i].body,
		    v[i].title);
		for (k = 0, any = 0; k < R_COUNT; k++) {
			t.fail[k] += (size_t)bad[k];
			any |= bad[k];
		}
		t.pass += !any;
		for (k = 0; any && k < R_COUNT && shown < AUDIT_SHOW_PER_FEED;
		    k++)
			if (bad[k]) {
				print_message("  %s: %s | %.160s\n",
				    rule_names[k], v[i].title, v[i].lead);
				shown++;
				break;
			}
	}
	print_message("audit %-44s items %4zu  text %4zu  pass %4zu  cue %zu "
	    "run-on %zu title %zu cut %zu empty %zu\n", name, t.items, t.text,
	    t.pass, t.fail[R_CUE], t.fail[R_RUNON], t.fail[R_TITLE],
	    t.fail[R_CUT], t.fail[R_EMPTY]);
	total->items += t.items;
	total->text += t.text;
	total->pass += t.pass;
	for (k = 0; k < R_COUNT; k++)
		total->fail[k] += t.fail[k];
	for (i = 0; i < n; i++) {
		free(v[i].title);
		free(v[i].body);
		free(v[i].lead);
	}
	free(v);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Audits every feed file of dir (sorted). */
static void
audit_dir(sqlite3 *db, const char *root, const char *sub,
    struct tally *total)
{
	char dir[4096], path[4400], name[512];
	char **names = NULL;
	size_t n = 0, cap = 0, i, len;
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", root, sub);
	if ((d = opendir(dir)) == NULL)
		fail_msg("%s: cannot open", dir);
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || (len > 3 &&
		    (strcmp(de->d_name + len - 3, ".md") == 0)) || (len > 5 &&
		    strcmp(de->d_name + len - 5, ".json") == 0))
			continue;
		xgrow(&names, &cap, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		snprintf(name, sizeof(name), "%s/%s", sub, names[i]);
		audit_feed(db, path, name, total);
		free(names[i]);
	}
	free(names);
}

static void
test_corpus_leads(void **state)
{
	const char *shared, *tmp;
	char root[4096], dbpath[4200], err[ERR_LEN];
	struct tally total;
	sqlite3 *db;
	size_t k;

	(void)state;
	TU_SHARED_OR_SKIP(shared, "testdata/feeds");
	snprintf(root, sizeof(root), "%s", shared);
	tmp = tu_tmpdir();
	snprintf(dbpath, sizeof(dbpath), "%s/audit.db", tmp);
	if ((db = db_open(dbpath, err)) == NULL)
		fail_msg("%s", err);
	memset(&total, 0, sizeof(total));
	audit_dir(db, root, "node-feedparser", &total);
	audit_dir(db, root, "rss-parser/input", &total);
	db_close(db);
	print_message("audit total: %zu items, %zu with text, %zu pass "
	    "(%.1f%%); failures by rule:", total.items, total.text,
	    total.pass, total.text ? 100.0 * (double)total.pass /
	    (double)total.text : 0.0);
	for (k = 0; k < R_COUNT; k++)
		print_message(" %s %zu", rule_names[k], total.fail[k]);
	print_message("\n");
	unlink(dbpath);
	snprintf(dbpath, sizeof(dbpath), "%s/audit.db-wal", tmp);
	unlink(dbpath);
	snprintf(dbpath, sizeof(dbpath), "%s/audit.db-shm", tmp);
	unlink(dbpath);
	rmdir(tmp);
	assert_true(total.text > 1000);
	if (total.pass * 100 < total.text * AUDIT_GOAL_PERCENT)
		fail_msg("%zu of %zu leads pass: below %d%%", total.pass,
		    total.text, AUDIT_GOAL_PERCENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_leads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
