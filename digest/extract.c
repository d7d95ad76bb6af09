/*
 * extract: the article inside a scraped page.
 *
 * Both paths judge paragraphs with the same few tests (para_*): a
 * paragraph is prose when it ends a sentence, furniture when it is short
 * and carries a cue that pages use for their boxes ("follow us", "sign up",
 * "newsletter", "read more"...). The text path (text_*) finds the longest
 * run of prose lines; the HTML path (page_*) scores the DOM the way
 * readability does after dropping the elements that are page furniture.
 */
#include "extract.h"
#include "date.h"
#include "html.h"
#include "para.h"
#include "utf8.h"
#include "util.h"

#include <libxml/HTMLparser.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EXTRACT_BODY_MAX (1u << 20)	/* bytes of body kept */
#define EXTRACT_FIELD_MAX 1024		/* bytes of a title or an author */
#define EXTRACT_MIN_PROSE 100		/* characters of prose an article has */
#define TAG_LINE_MAX 2000		/* bytes of a "Tags ..." line */
#define TAG_TOKEN_MAX 256		/* bytes of a token we try to split */
#define DICT_WORD_MAX 64		/* bytes of a word known from the page */
#define TAGBOX_MAX_TEXT 300		/* characters of a tag box not all links */

/*
 * Small text helpers.
 */

static int
is_ascii_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static unsigned char
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static int
starts_with(const char *s, size_t len, const char *p)
{
	size_t n = strlen(p);

	return n <= len && memcmp(s, p, n) == 0;
}

/* Returns an allocated copy of [s, s+len) with white space collapsed and
 * invalid UTF-8 replaced, cut to max bytes, or NULL when nothing is left;
 * caller frees. */
static char *
text_clean(const char *s, size_t len, size_t max)
{
	struct html_text t;
	char *out;
	size_t n;

	html_text_init(&t, max);
	html_text_append(&t, s, len);
	out = html_text_finish(&t, &n);
	if (n == 0) {
		free(out);
		return NULL;
	}
	return out;
}

/*
 * The number of sentences, roughly: a stop followed by a space and a
 * capital starts a new one, unless the word before it looks like an
 * abbreviation (holds a dot, or is a short capitalized word: "Mr.", "U.S.").
 */
static size_t
sentence_count(const char *s, size_t len)
{
	size_t i, n = 1, w;

	for (i = 0; i + 2 < len; i++) {
		if ((s[i] != '.' && s[i] != '!' && s[i] != '?') ||
		    s[i + 1] != ' ' || !((s[i + 2] >= 'A' && s[i + 2] <= 'Z') ||
		    s[i + 2] == '"' || (s[i + 2] >= '0' && s[i + 2] <= '9')))
			continue;
		w = i;
		while (w > 0 && s[w - 1] != ' ')
			w--;
		if (s[i] == '.' && (memchr(s + w, '.', i - w) != NULL ||
		    (i - w <= 3 && s[w] >= 'A' && s[w] <= 'Z')))
			continue;
		n++;
	}
	return n;
}

/*
 * Tags, where the page gives them as a line of text ("Tags: a, b, c",
 * "Tags a | b") or as links whose text was glued together when the page
 * was scraped ("Tags regulationsecuritygovernment").
 */

/* The words of the page's own text, sorted, to split glued tags with. */
struct dict {
	char **w;
	size_t n;
	size_t cap;
};

static int
dict_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the lower-cased words of s of at least 3 letters. */
static void
dict_add_text(struct dict *d, const char *s, size_t len)
{
	char word[DICT_WORD_MAX + 4];
	size_t i = 0, k, n = 0, letters = 0;
	uint32_t c;
	int ok = 1;

	for (;;) {
		k = i < len ? utf8_decode(s + i, len - i, &c) : 0;
		if (i < len && utf8_is_alnum(c)) {
			if (n + 4 <= DICT_WORD_MAX)
				n += utf8_encode(utf8_lower(c), word + n);
			else
				ok = 0;
			letters += !(c >= '0' && c <= '9');
			i += k;
			continue;
		}
		if (n > 0 && ok && letters >= 3) {
			xgrow(&d->w, &d->cap, d->n + 1, sizeof(*d->w));
			d->w[d->n++] = xstrndup(word, n);
		}
		n = letters = 0;
		ok = 1;
		if (i >= len)
			break;
		i += k;
	}
}

static void
dict_finish(struct dict *d)
{
	size_t i, j = 0;

	if (d->n == 0)
		return;
	qsort(d->w, d->n, sizeof(*d->w), dict_cmp);
	for (i = 1; i < d->n; i++) {
		if (strcmp(d->w[i], d->w[j]) == 0)
			free(d->w[i]);
		else
			d->w[++j] = d->w[i];
	}
	d->n = j + 1;
}

static int
dict_has(const struct dict *d, const char *s, size_t n)
{
	size_t lo = 0, hi = d->n, mid;
	int r;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = strncmp(d->w[mid], s, n);
		if (r == 0 && d->w[mid][n] != '\0')
			r = 1;
		if (r == 0)
			return 1;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static void
dict_release(struct dict *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->w[i]);
	free(d->w);
	memset(d, 0, sizeof(*d));
}

/* One piece of a split token: [start, end) and whether it is a known word. */
struct piece {
	size_t start;
	size_t end;
	int known;
};

static size_t
piece_chars(const char *tok, const struct piece *p)
{
	return utf8_count(tok + p->start, p->end - p->start);
}

/*
 * Splits a glued token (lower-case, letters only) into words the page
 * uses, by dynamic programming: a known word costs 1, each character of
 * an unknown stretch costs 1, so "regulationsecuritygovernment" with
 * "security" and "government" known costs 10 + 1 + 1 = 12 against 28
 * for the whole token. The split is kept only when it clearly wins:
 * it costs at most half of the whole, it holds at least two known words,
 * and every unknown stretch is at least 3 characters. A 3-letter known
 * word next to an unknown stretch is folded into the stretch first
 * ("the" + "rapy" is "therapy", not two tags).
 * Returns the number of pieces written to out (at most max), 0 when the
 * token stays whole.
 */
static size_t
tag_split(const char *tok, size_t len, const struct dict *d,
    struct piece *out, size_t max)
{
	size_t cost[TAG_TOKEN_MAX + 1], from[TAG_TOKEN_MAX + 1];
	unsigned char known[TAG_TOKEN_MAX + 1];
	struct piece rev[TAG_TOKEN_MAX];
	size_t i, j, n = 0, m = 0, total = 0, nknown = 0, chars;

	if (len == 0 || len > TAG_TOKEN_MAX)
		return 0;
	cost[0] = 0;
	for (i = 1; i <= len; i++) {
		cost[i] = SIZE_MAX;
		/* Known words start and end on character boundaries; unknown
		 * stretches are built byte by byte below. */
		for (j = i > DICT_WORD_MAX ? i - DICT_WORD_MAX : 0; j < i; j++) {
			if (cost[j] == SIZE_MAX ||
			    ((unsigned char)tok[j] & 0xC0) == 0x80 ||
			    (i < len && ((unsigned char)tok[i] & 0xC0) == 0x80))
				continue;
			if (i - j >= 3 && cost[j] + 1 < cost[i] &&
			    dict_has(d, tok + j, i - j)) {
				cost[i] = cost[j] + 1;
				from[i] = j;
				known[i] = 1;
			}
		}
		/* One more unknown character, byte by byte. */
		if (cost[i - 1] != SIZE_MAX && cost[i - 1] + 1 < cost[i]) {
			cost[i] = cost[i - 1] + 1;
			from[i] = i - 1;
			known[i] = 0;
		}
	}
	/* Walk back, merging unknown bytes into stretches. */
	for (i = len; i > 0; i = from[i]) {
		if (!known[i] && n > 0 && !rev[n - 1].known &&
		    rev[n - 1].start == i) {
			rev[n - 1].start = from[i];
			continue;
		}
		rev[n].start = from[i];
		rev[n].end = i;
		rev[n].known = known[i];
		n++;
	}
	/* rev holds the pieces last first; fold short known words. */
	for (i = n; i-- > 0;) {
		struct piece p = rev[i];

		if (m > 0 && (!out[m - 1].known || !p.known) &&
		    ((p.known && piece_chars(tok, &p) == 3) ||
		    (out[m - 1].known && piece_chars(tok, &out[m - 1]) == 3))) {
			out[m - 1].end = p.end;
			out[m - 1].known = 0;
			continue;
		}
		if (m > 0 && !p.known && !out[m - 1].known) {
			out[m - 1].end = p.end;
			continue;
		}
		if (m == max)
			return 0;
		out[m++] = p;
	}
	for (i = 0; i < m; i++) {
		chars = piece_chars(tok, &out[i]);
		if (out[i].known) {
			nknown++;
			total += 1;
		} else {
			if (chars < 3)
				return 0;
			total += chars;
		}
	}
	if (nknown < 2 || total * 2 > utf8_count(tok, len))
		return 0;
	return m;
}

/* Adds one tag item, split when it is a glued run of the page's words. */
static void
tag_add_item(struct article *tags, const char *s, size_t len,
    const struct dict *d)
{
	char low[TAG_TOKEN_MAX + 4];
	struct piece pieces[32];
	size_t i = 0, k, n = 0, np;
	uint32_t c;
	int letters = 1;

	s = util_trim(s, &len);
	if (len == 0)
		return;
	while (i < len && letters) {
		k = utf8_decode(s + i, len - i, &c);
		letters = utf8_is_alnum(c) && !(c >= '0' && c <= '9');
		if (n + 4 > TAG_TOKEN_MAX)
			letters = 0;
		else
			n += utf8_encode(utf8_lower(c), low + n);
		i += k;
	}
	np = letters ? tag_split(low, n, d, pieces, 32) : 0;
	if (np == 0) {
		article_tag_add(tags, s, len);
		return;
	}
	for (i = 0; i < np; i++)
		article_tag_add(tags, low + pieces[i].start,
		    pieces[i].end - pieces[i].start);
}

static const char *const tag_labels[] = {
	"tagged with", "tagged in", "tagged", "tags", "topics", "keywords",
	"filed under",
};

/* The length of the "Tags:" label that starts a tag line, or 0. */
static size_t
tag_line_label(const char *s, size_t len, const struct para *p)
{
	size_t i, n;

	if (len > TAG_LINE_MAX)
		return 0;
	for (i = 0; i < sizeof(tag_labels) / sizeof(tag_labels[0]); i++) {
		n = strlen(tag_labels[i]);
		if (!para_starts_ci(s, len, tag_labels[i]) || n >= len)
			continue;
		if (s[n] == ':')
			return n + 1 < len ? n + 1 : 0;
		/* Without a colon, a sentence ("Topics covered were...")
		 * is prose, not a tag line. */
		if (s[n] == ' ' && !p->stop)
			return n + 1;
	}
	return 0;
}

/* The length of the tag separator at s (",", ";", "|", a bullet), or 0. */
static size_t
tag_sep_len(const char *s, size_t len)
{
	if (*s == ',' || *s == ';' || *s == '|')
		return 1;
	if (starts_with(s, len, "\xE2\x80\xA2"))	/* U+2022 bullet */
		return 3;
	if (starts_with(s, len, "\xC2\xB7"))	/* U+00B7 middle dot */
		return 2;
	return 0;
}

/* The items of a tag line: split on the separators it uses; a line with
 * none is a list of words. Each item may be a glued run (tag_add_item). */
static void
tag_line_parse(struct article *tags, const char *s, size_t len,
    const struct dict *d)
{
	size_t i, start, k;
	int has_sep = 0;

	for (i = 0; i < len && !has_sep; i++)
		has_sep = tag_sep_len(s + i, len - i) > 0;
	for (i = start = 0; i < len; i += k) {
		k = has_sep ? tag_sep_len(s + i, len - i) : s[i] == ' ';
		if (k == 0) {
			k = 1;
			continue;
		}
		tag_add_item(tags, s + start, i - start, d);
		start = i + k;
	}
	tag_add_item(tags, s + start, len - start, d);
}

/*
 * The result of one extraction, moved into the caller's article only when
 * the extraction succeeds.
 */
struct result {
	char *title;	/* all owned */
	char *body;
	char *url;
	char *author;
	int64_t published;
	struct article tags;	/* only its tags are used */
};

static void
result_init(struct result *r)
{
	memset(r, 0, sizeof(*r));
	article_init(&r->tags);
}

static void
result_release(struct result *r)
{
	free(r->title);
	free(r->body);
	free(r->url);
	free(r->author);
	article_release(&r->tags);
}

static void
move_string(char **dst, char **src)
{
	if (*src == NULL)
		return;
	free(*dst);
	*dst = *src;
	*src = NULL;
}

/* Moves the result into a and releases it. */
static void
result_commit(struct result *r, struct article *a)
{
	size_t i;

	move_string(&a->title, &r->title);
	move_string(&a->body, &r->body);
	move_string(&a->url, &r->url);
	move_string(&a->author, &r->author);
	if (r->published != 0)
		a->published = r->published;
	for (i = 0; i < r->tags.ntags; i++)
		article_tag_add(a, r->tags.tags[i], strlen(r->tags.tags[i]));
	result_release(r);
}

/* Fills d with the words of the title and the body. */
static void
result_dict(const struct result *r, struct dict *d)
{
	if (r->title != NULL)
		dict_add_text(d, r->title, strlen(r->title));
	dict_add_text(d, r->body, strlen(r->body));
	dict_finish(d);
}

/*
 * The body assembled from paragraphs, with a running count of its prose.
 */
struct body {
	struct html_text text;
	size_t prose;	/* characters in paragraphs that end a sentence */
};

static void
body_add(struct body *b, const char *s, size_t len, const struct para *p)
{
	if (len == 0)
		return;
	html_text_break(&b->text, HTML_BLOCK);
	html_text_append(&b->text, s, len);
	if (p->stop && p->words >= 2)
		b->prose += p->chars;
}

/*
 * Plain text pages.
 *
 * Lines are the units, except in hard-wrapped text, where a line that
 * stopped only because the next word did not fit is joined to the next.
 * Each unit is classified; the body is the run of prose units with the
 * most text, where a run may step over one subheading or box line when
 * the article goes on after it (text_joins). Teasers are never part of
 * it. The title is the nearest heading above the run; a one-sentence deck
 * right under it is left out.
 */

enum unit_kind {
	U_OTHER = 0,	/* single words, symbols, bylines */
	U_PROSE,
	U_HEADING,	/* 2 to 30 words, no final stop */
	U_BOX,		/* a box's line, may sit inside an article */
	U_END,		/* what follows an article: comments, related */
	U_TAGS,		/* "Tags: ..." */
	U_TEASER,	/* prose framed by the same heading above and below */
};

struct unit {
	char *s;	/* owned, cleaned */
	size_t len;
	struct para p;
	enum unit_kind kind;
	int after_blank;	/* a blank line (or the start) comes before it */
};

struct text_page {
	struct unit *u;
	size_t n;
	size_t cap;
};

struct line {
	const char *s;
	size_t len;	/* without the line break */
	size_t chars;
	size_t first_word;	/* characters of its first word */
};

static void
text_page_release(struct text_page *tp)
{
	size_t i;

	for (i = 0; i < tp->n; i++)
		free(tp->u[i].s);
	free(tp->u);
	memset(tp, 0, sizeof(*tp));
}

/* Splits text into lines, trimmed of white space at both ends. */
static struct line *
text_lines(const char *text, size_t len, size_t *count)
{
	struct line *v = NULL;
	size_t n = 0, cap = 0, i = 0, end, w;
	const char *s;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);

		end = nl ? (size_t)(nl - text) : len;
		xgrow(&v, &cap, n + 1, sizeof(*v));
		v[n].len = end - i;
		s = util_trim(text + i, &v[n].len);
		v[n].s = s;
		v[n].chars = utf8_count(s, v[n].len);
		for (w = 0; w < v[n].len && s[w] != ' ' && s[w] != '\t'; w++)
			;
		v[n].first_word = utf8_count(s, w);
		n++;
		i = end + 1;
	}
	*count = n;
	return v;
}

/*
 * The wrap width of hard-wrapped text, or 0: the longest line, when no
 * line is longer than 120 characters and at least three lines come within
 * 10 characters of it (a wrapper fills lines to nearly its width).
 */
static size_t
text_wrap_width(const struct line *v, size_t n)
{
	size_t i, max = 0, full = 0;

	for (i = 0; i < n; i++)
		if (v[i].chars > max)
			max = v[i].chars;
	if (max < 40 || max > 120)
		return 0;
	for (i = 0; i < n; i++)
		full += v[i].chars + 10 >= max;
	return full >= 3 ? max : 0;
}

static void
text_unit_push(struct text_page *tp, const char *s, size_t len,
    int after_blank)
{
	struct unit *u;
	char *clean = text_clean(s, len, EXTRACT_BODY_MAX);

	if (clean == NULL)
		return;
	xgrow(&tp->u, &tp->cap, tp->n + 1, sizeof(*tp->u));
	u = &tp->u[tp->n++];
	memset(u, 0, sizeof(*u));
	u->s = clean;
	u->len = strlen(clean);
	u->after_blank = after_blank;
	para_measure(u->s, u->len, &u->p);
}

static void
text_units(struct text_page *tp, const char *text, size_t len)
{
	struct line *v;
	size_t n, i, first, width;

	v = text_lines(text, len, &n);
	width = text_wrap_width(v, n);
	for (i = 0; i < n; i = first) {
		first = i + 1;
		if (v[i].len == 0)
			continue;
		/* A greedy wrapper broke here: the next word did not fit. */
		while (width > 0 && first < n && v[first].len > 0 &&
		    v[first - 1].chars + 1 + v[first].first_word > width)
			first++;
		text_unit_push(tp, v[i].s,
		    (size_t)(v[first - 1].s + v[first - 1].len - v[i].s),
		    i == 0 || v[i - 1].len == 0);
	}
	free(v);
}

static enum unit_kind
text_classify(const struct unit *u)
{
	if (tag_line_label(u->s, u->len, &u->p) > 0)
		return U_TAGS;
	/* "Image: ... (Photo: ...)": a caption may sit inside the article,
	 * and is never part of its text. */
	if (para_furniture(u->s, u->len) == PARA_CAPTION)
		return U_BOX;
	switch (para_box_cue(u->s, u->len, &u->p)) {
	case PARA_CUE_BOX:
		return U_BOX;
	case PARA_CUE_END:
		return U_END;
	case PARA_CUE_NONE:
		break;
	}
	if (u->p.stop && u->p.words >= 2)
		return U_PROSE;
	if (!u->p.stop && u->p.words >= 2 && u->p.words <= 30 &&
	    !para_is_meta_line(u->s, u->len, &u->p))
		return U_HEADING;
	return U_OTHER;
}

static int
unit_same(const struct unit *a, const struct unit *b)
{
	return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

/* A pull quote: a short line that is all quotation. */
static int
unit_is_quote(const struct unit *u)
{
	uint32_t first, last;
	size_t k = u->len;

	if (u->len < 2 || u->p.words > 30)
		return 0;
	utf8_decode(u->s, u->len, &first);
	while (k > 0 && ((unsigned char)u->s[k - 1] & 0xC0) == 0x80)
		k--;
	if (k > 0)
		k--;
	utf8_decode(u->s + k, u->len - k, &last);
	return (first == '"' || first == 0x201C || first == 0xAB) &&
	    (last == '"' || last == 0x201D || last == 0xBB);
}

/* A unit that goes on with a sentence the unit before it began: it opens
 * with a lower-case word ("had no choice", not "iPhone"). */
static int
unit_continues(const struct unit *u)
{
	return u->len >= 2 && u->s[0] >= 'a' && u->s[0] <= 'z' &&
	    !(u->s[1] >= 'A' && u->s[1] <= 'Z');
}

/* Drops the units that text_join_continuations emptied. */
static void
text_compact(struct text_page *tp)
{
	size_t i, n = 0;

	for (i = 0; i < tp->n; i++) {
		if (tp->u[i].len == 0) {
			free(tp->u[i].s);
			continue;
		}
		tp->u[n++] = tp->u[i];
	}
	tp->n = n;
}

/*
 * Joins a sentence a scraper cut in two: the text of a pull quote set in
 * the middle of a paragraph, or a line its wrapping left on its own,
 * stands between "...said the town" and "had no choice left." The two
 * halves become one unit and the quote goes, so that no run of prose,
 * and no lead, starts mid-sentence.
 */
static void
text_join_continuations(struct text_page *tp)
{
	size_t i, prev, len;
	struct unit *a, *b;
	char *s;

	for (i = 1; i < tp->n; i++) {
		b = &tp->u[i];
		if (b->len == 0 || !unit_continues(b))
			continue;
		prev = i - 1;
		if (prev > 0 && unit_is_quote(&tp->u[prev]))
			prev--;
		a = &tp->u[prev];
		/* A title is no sentence's beginning: the half before is a
		 * line's worth of words. */
		if (a->len == 0 || a->p.stop || a->p.words < 8 ||
		    a->kind == U_TAGS || a->kind == U_BOX || a->kind == U_END)
			continue;
		len = a->len + 1 + b->len;
		s = xmalloc(len + 1);
		memcpy(s, a->s, a->len);
		s[a->len] = ' ';
		memcpy(s + a->len + 1, b->s, b->len + 1);
		free(a->s);
		a->s = s;
		a->len = len;
		para_measure(a->s, a->len, &a->p);
		a->kind = text_classify(a);
		if (prev + 1 < i)
			tp->u[prev + 1].len = 0;
		b->len = 0;
	}
	text_compact(tp);
}

/* Teasers repeat their headline around their blurb ("H / blurb / H"). */
static void
text_mark_teasers(struct text_page *tp)
{
	size_t i, j;

	for (i = 1; i < tp->n; i++) {
		if (tp->u[i].kind != U_PROSE || tp->u[i - 1].kind != U_HEADING)
			continue;
		for (j = i + 1; j < tp->n && j <= i + 2; j++)
			if (tp->u[j].kind == U_HEADING &&
			    unit_same(&tp->u[j], &tp->u[i - 1]))
				tp->u[i].kind = U_TEASER;
	}
}

/* The end of the run of prose units starting at i. */
static size_t
text_prose_end(const struct text_page *tp, size_t i)
{
	while (i < tp->n && tp->u[i].kind == U_PROSE)
		i++;
	return i;
}

/*
 * 1 when the run that ends at gap goes on after it: gap is a subheading
 * or a box line, and prose follows it, either two paragraphs or more, or
 * one that is not the first of a list of teasers (heading, blurb,
 * heading, blurb...).
 */
static int
text_joins(const struct text_page *tp, size_t gap)
{
	const struct unit *g = &tp->u[gap];
	size_t next;

	if (g->kind != U_BOX && !(g->kind == U_HEADING && g->p.words <= 12))
		return 0;
	next = text_prose_end(tp, gap + 1);
	if (next - (gap + 1) >= 2)
		return 1;
	if (next == gap + 1)
		return 0;
	return !(next + 1 < tp->n && tp->u[next].kind == U_HEADING &&
	    (tp->u[next + 1].kind == U_PROSE ||
	    tp->u[next + 1].kind == U_TEASER));
}

/* Finds the run [*start, *end) of prose with the most text: 0, or -1. */
static int
text_best_run(const struct text_page *tp, size_t *start, size_t *end)
{
	size_t i = 0, a, b, score, best = 0, k;

	while (i < tp->n) {
		if (tp->u[i].kind != U_PROSE) {
			i++;
			continue;
		}
		a = i;
		b = text_prose_end(tp, i);
		/* Step over one subheading or box line inside an article. */
		while (b + 1 < tp->n && text_joins(tp, b))
			b = text_prose_end(tp, b + 1);
		score = 0;
		for (k = a; k < b; k++)
			if (tp->u[k].kind == U_PROSE)
				score += tp->u[k].p.chars;
		if (score > best) {
			best = score;
			*start = a;
			*end = b;
		}
		i = b;
	}
	return best > 0 ? 0 : -1;
}

static int
text_is_title(const struct unit *u)
{
	return u->kind == U_HEADING && u->p.words >= 3;
}

/* Leaves out a deck, the standfirst under the title: one or two short
 * sentences right under it (a caption aside), followed by a paragraph
 * longer than the deck. A dek is never the start of the article's text,
 * nor, run into it, of its lead. */
static size_t
text_skip_deck(const struct text_page *tp, size_t start, size_t end)
{
	const struct unit *d = &tp->u[start];
	size_t above = start, next = start + 1;

	while (above > 0 && tp->u[above - 1].kind == U_BOX)
		above--;
	while (next < end && tp->u[next].kind == U_BOX)
		next++;
	if (above == 0 || next >= end || !text_is_title(&tp->u[above - 1]))
		return start;
	if (d->p.words > 30 || sentence_count(d->s, d->len) > 2 ||
	    tp->u[next].kind != U_PROSE ||
	    d->p.chars * 3 > tp->u[next].p.chars * 2)
		return start;
	return start + 1;
}

/*
 * The title: the nearest title-shaped unit above i, or NULL. Of a block of
 * heading lines with no blank line between them, the first is the title
 * and the rest its subtitle.
 */
static const struct unit *
text_title(const struct text_page *tp, size_t i)
{
	while (i-- > 0) {
		if (!text_is_title(&tp->u[i]))
			continue;
		while (i > 0 && !tp->u[i].after_blank &&
		    text_is_title(&tp->u[i - 1]))
			i--;
		return &tp->u[i];
	}
	return NULL;
}

/* The tag line after the body, else the nearest one before it, or NULL. */
static const struct unit *
text_tag_line(const struct text_page *tp, size_t start, size_t end)
{
	size_t i;

	for (i = end; i < tp->n; i++)
		if (tp->u[i].kind == U_TAGS)
			return &tp->u[i];
	for (i = start; i-- > 0;)
		if (tp->u[i].kind == U_TAGS)
			return &tp->u[i];
	return NULL;
}

static void
text_tags(const struct unit *line, struct result *r)
{
	struct dict d = { NULL, 0, 0 };
	size_t label;

	if (line == NULL)
		return;
	label = tag_line_label(line->s, line->len, &line->p);
	result_dict(r, &d);
	tag_line_parse(&r->tags, line->s + label, line->len - label, &d);
	dict_release(&d);
}

int
extract_text(const char *text, size_t len, struct article *a, char *err)
{
	struct text_page tp = { NULL, 0, 0 };
	struct result r;
	struct body b;
	const struct unit *title;
	size_t i, start = 0, end = 0;
	int rc = -1;

	result_init(&r);
	text_units(&tp, text, len);
	for (i = 0; i < tp.n; i++)
		tp.u[i].kind = text_classify(&tp.u[i]);
	text_join_continuations(&tp);
	text_mark_teasers(&tp);
	if (text_best_run(&tp, &start, &end) == -1)
		goto out;
	start = text_skip_deck(&tp, start, end);
	memset(&b, 0, sizeof(b));
	html_text_init(&b.text, EXTRACT_BODY_MAX);
	for (i = start; i < end; i++)
		if (tp.u[i].kind == U_PROSE || tp.u[i].kind == U_HEADING)
			body_add(&b, tp.u[i].s, tp.u[i].len, &tp.u[i].p);
	r.body = html_text_finish(&b.text, NULL);
	if (b.prose < EXTRACT_MIN_PROSE)
		goto out;
	title = text_title(&tp, start);
	if (title != NULL)
		r.title = text_clean(title->s, title->len, EXTRACT_FIELD_MAX);
	text_tags(text_tag_line(&tp, start, end), &r);
	result_commit(&r, a);
	rc = 0;
out:
	if (rc == -1) {
		result_release(&r);
		util_err(err, "no article text found");
	}
	text_page_release(&tp);
	return rc;
}

/*
 * HTML pages.
 *
 * Pass 1 visits every element: it numbers it (node->_private holds the
 * index + 1), classifies its name, class, id, role and aria-label, reads
 * the <meta>s and <link>s, remembers the elements the metadata can come
 * from, and counts all text. Pass 2 drops furniture and scores
 * what is left as readability does: each paragraph of 25 characters or
 * more gives 1 + its commas + one point per 100 characters (at most 3) to
 * its parent, half to its grandparent and a sixth to the next one up, and
 * a candidate's score is scaled down by its link density. The article is
 * [itemprop=articleBody], else the <article> holding at least half of the
 * page's paragraph text, else the best candidate with the siblings that
 * score close to it.
 */

enum {
	CLS_CHROME = 1 << 0,	/* menus, boxes, ads: dropped unless the
				 * element holds most of the page's text */
	CLS_DROP = 1 << 1,	/* comments, related articles, teasers,
				 * hidden: always dropped */
	CLS_TAGBOX = 1 << 2,	/* the article's tag links */
	CLS_POSITIVE = 1 << 3,	/* names articles use: content, post... */
	CLS_NEGATIVE = 1 << 4,
	CLS_BODY = 1 << 5,	/* itemprop=articleBody */
	N_JUNK = 1 << 8,	/* pass 2 dropped it */
	N_SCORED = 1 << 9,	/* a paragraph gave it points */
	N_HAS_BLOCK = 1 << 10,	/* a child is a block element */
	N_TOP_LINE = 1 << 11,	/* the article's element or an ancestor */
};

struct hnode {
	xmlNode *node;
	size_t raw_text;	/* pass 1: characters of all text */
	size_t raw_link;	/* pass 1: of it, inside links */
	size_t text;		/* pass 2: characters outside dropped parts */
	size_t link;		/* of it, inside links */
	size_t ptext;		/* of it, in paragraphs */
	size_t commas;
	double score;
	unsigned flags;
	int depth;
};

#define PAGE_LIST_MAX 64

struct node_list {
	xmlNode *v[PAGE_LIST_MAX];
	size_t n;
};

struct page {
	struct hnode *nodes;	/* owned */
	size_t n;
	size_t cap;
	int skip_depth;		/* pass 1: inside script, style, head... */
	int depth;
	size_t total_raw_text;
	xmlNode *walk_root;	/* the element whose text is being collected */
	int prose_seen;		/* the body has had a paragraph of prose */
	struct result *r;
	/* From <meta> and <link>, owned. */
	char *og_title, *tw_title, *site_name, *og_url, *canonical;
	char *meta_author, *article_author, *meta_published, *title_tag;
	struct node_list h1, articles, body_props, times, date_props;
	struct node_list author_props, rel_authors, rel_tags, tagboxes;
	struct node_list author_classes;
};

static struct hnode *
hn(const struct page *pg, const xmlNode *n)
{
	uintptr_t i;

	if (n == NULL || n->type != XML_ELEMENT_NODE || n->_private == NULL)
		return NULL;
	i = (uintptr_t)n->_private;
	return i <= pg->n ? &pg->nodes[i - 1] : NULL;
}

static void
list_push(struct node_list *l, xmlNode *n)
{
	if (l->n < PAGE_LIST_MAX)
		l->v[l->n++] = n;
}

static int
name_is(const xmlNode *n, const char *name)
{
	return n->name != NULL && strcmp((const char *)n->name, name) == 0;
}

static int
name_in(const xmlNode *n, const char *const *names)
{
	for (; *names != NULL; names++)
		if (name_is(n, *names))
			return 1;
	return 0;
}

/* The value of attribute name (lower-case) of n, owned by the tree, or
 * NULL. The HTML parser stores a value as one text node. */
static const char *
attr(const xmlNode *n, const char *name)
{
	const xmlAttr *at;

	for (at = n->properties; at != NULL; at = at->next) {
		if (at->name == NULL ||
		    strcmp((const char *)at->name, name) != 0)
			continue;
		if (at->children == NULL)
			return "";
		if (at->children->type != XML_TEXT_NODE ||
		    at->children->content == NULL)
			return NULL;
		return (const char *)at->children->content;
	}
	return NULL;
}

/* 1 when the white-space separated list s holds word, ASCII case folded. */
static int
has_token(const char *s, const char *word)
{
	size_t n = strlen(word), i, start;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0';) {
		while (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))
			i++;
		start = i;
		while (s[i] != '\0' && s[i] != ' ' && !(s[i] >= '\t' &&
		    s[i] <= '\r'))
			i++;
		if (i - start == n && para_starts_ci(s + start, n, word))
			return 1;
	}
	return 0;
}

/*
 * The words of class, id and aria-label values, matched part by part:
 * a value is split at anything not a letter or digit and where camelCase
 * turns, so "share-bar", "shareBar" and "share_bar" all hold "share", but
 * "shadow" does not hold "ad". A prefix entry also matches longer parts
 * ("nav" matches "navbar" and "navigation").
 */
static const struct cls_word {
	const char *word;
	unsigned flags;
	int prefix;
} cls_words[] = {
	{ "ad", CLS_CHROME, 0 }, { "ads", CLS_CHROME, 0 },
	{ "advert", CLS_CHROME, 1 }, { "adsense", CLS_CHROME, 0 },
	{ "article", CLS_POSITIVE, 0 }, { "articlebody", CLS_POSITIVE, 0 },
	{ "author", CLS_CHROME, 0 }, { "banner", CLS_CHROME, 1 },
	{ "blog", CLS_POSITIVE, 0 }, { "body", CLS_POSITIVE, 0 },
	{ "breadcrumb", CLS_CHROME, 1 }, { "byline", CLS_CHROME, 0 },
	{ "caption", CLS_CHROME, 0 }, { "comment", CLS_DROP, 0 },
	{ "commenting", CLS_DROP, 0 }, { "commentlist", CLS_DROP, 0 },
	{ "comments", CLS_DROP, 0 }, { "consent", CLS_CHROME, 1 },
	{ "content", CLS_POSITIVE, 0 }, { "cookie", CLS_CHROME, 1 },
	{ "credit", CLS_CHROME, 0 }, { "credits", CLS_CHROME, 0 },
	{ "dateline", CLS_CHROME, 0 }, { "deck", CLS_CHROME, 0 },
	{ "dek", CLS_CHROME, 0 }, { "disqus", CLS_DROP, 1 },
	{ "entry", CLS_POSITIVE, 0 }, { "follow", CLS_CHROME, 1 },
	{ "footer", CLS_CHROME, 1 }, { "footnote", CLS_NEGATIVE, 0 },
	{ "gdpr", CLS_CHROME, 1 }, { "hentry", CLS_POSITIVE, 0 },
	{ "hidden", CLS_CHROME, 0 }, { "invisible", CLS_CHROME, 0 },
	{ "keywords", CLS_TAGBOX, 0 }, { "login", CLS_CHROME, 0 },
	{ "main", CLS_POSITIVE, 0 }, { "masthead", CLS_CHROME, 0 },
	{ "media", CLS_NEGATIVE, 0 }, { "menu", CLS_CHROME, 1 },
	{ "meta", CLS_CHROME, 0 }, { "modal", CLS_CHROME, 0 },
	{ "morestories", CLS_DROP, 0 }, { "mostpopular", CLS_DROP, 0 },
	{ "mostread", CLS_DROP, 0 }, { "nav", CLS_CHROME, 1 },
	{ "newsletter", CLS_CHROME, 1 }, { "outbrain", CLS_DROP, 1 },
	{ "page", CLS_POSITIVE, 0 }, { "paywall", CLS_CHROME, 0 },
	{ "popular", CLS_DROP, 0 }, { "popup", CLS_CHROME, 1 },
	{ "post", CLS_POSITIVE, 0 }, { "print", CLS_CHROME, 0 },
	{ "promo", CLS_CHROME, 1 }, { "recommend", CLS_DROP, 1 },
	{ "related", CLS_DROP, 1 }, { "respond", CLS_DROP, 0 },
	{ "scroll", CLS_NEGATIVE, 0 }, { "share", CLS_CHROME, 1 },
	{ "sharing", CLS_CHROME, 0 }, { "shoutbox", CLS_NEGATIVE, 0 },
	{ "sidebar", CLS_CHROME, 1 }, { "signin", CLS_CHROME, 0 },
	{ "signup", CLS_CHROME, 1 }, { "skip", CLS_CHROME, 0 },
	{ "skyscraper", CLS_CHROME, 0 }, { "social", CLS_CHROME, 1 },
	{ "sponsor", CLS_CHROME, 1 }, { "standfirst", CLS_CHROME, 0 },
	{ "story", CLS_POSITIVE, 0 }, { "strapline", CLS_CHROME, 0 },
	{ "subhead", CLS_CHROME, 1 }, { "subscri", CLS_CHROME, 1 },
	{ "subtitle", CLS_CHROME, 0 }, { "taboola", CLS_DROP, 1 },
	{ "tagged", CLS_TAGBOX, 0 }, { "tags", CLS_TAGBOX, 0 },
	{ "teaser", CLS_DROP, 1 }, { "text", CLS_POSITIVE, 0 },
	{ "toolbar", CLS_CHROME, 0 }, { "trending", CLS_DROP, 0 },
	{ "widget", CLS_CHROME, 1 },
};

/* Two parts in a row that mean what neither means alone. */
static const struct cls_pair {
	const char *first;
	const char *second;
	unsigned flags;
} cls_pairs[] = {
	{ "also", "like", CLS_DROP }, { "d", "none", CLS_DROP },
	{ "key", "points", CLS_DROP }, { "key", "takeaways", CLS_DROP },
	{ "more", "articles", CLS_DROP }, { "more", "news", CLS_DROP },
	{ "more", "stories", CLS_DROP }, { "most", "popular", CLS_DROP },
	{ "most", "read", CLS_DROP }, { "read", "more", CLS_DROP },
	{ "sign", "up", CLS_CHROME }, { "sr", "only", CLS_DROP },
	{ "tag", "box", CLS_TAGBOX }, { "tag", "container", CLS_TAGBOX },
	{ "tag", "links", CLS_TAGBOX }, { "tag", "list", CLS_TAGBOX },
	{ "up", "next", CLS_DROP },
};

static unsigned
cls_word_flags(const char *part, size_t n)
{
	size_t i, w;

	for (i = 0; i < sizeof(cls_words) / sizeof(cls_words[0]); i++) {
		w = strlen(cls_words[i].word);
		if ((n == w || (cls_words[i].prefix && n > w)) &&
		    memcmp(part, cls_words[i].word, w) == 0)
			return cls_words[i].flags;
	}
	return 0;
}

static unsigned
cls_pair_flags(const char *first, const char *second)
{
	size_t i;

	for (i = 0; i < sizeof(cls_pairs) / sizeof(cls_pairs[0]); i++)
		if (strcmp(first, cls_pairs[i].first) == 0 &&
		    strcmp(second, cls_pairs[i].second) == 0)
			return cls_pairs[i].flags;
	return 0;
}

/*
 * The flags of one class, id or aria-label value. Class tokens that
 * WordPress writes for each category and tag of a post ("tag-security",
 * "category-comments") name the post's topics, not the element's role:
 * only the tag-list pairs are read from them.
 */
static unsigned
cls_value_flags(const char *s)
{
	char part[33], prev[33];
	size_t i = 0, n, parts = 0;
	unsigned flags = 0, f;
	int taxonomy = 0;

	prev[0] = '\0';
	while (s[i] != '\0') {
		if (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
			/* A new token. */
			parts = 0;
			taxonomy = 0;
			prev[0] = '\0';
		}
		if (!is_ascii_alnum((unsigned char)s[i])) {
			i++;
			continue;
		}
		n = 0;
		do {
			if (n < sizeof(part) - 1)
				part[n++] = (char)ascii_lower((unsigned char)s[i]);
			i++;
		} while (is_ascii_alnum((unsigned char)s[i]) &&
		    !(s[i] >= 'A' && s[i] <= 'Z' && s[i - 1] >= 'a' &&
		    s[i - 1] <= 'z'));
		part[n] = '\0';
		if (parts++ == 0)
			taxonomy = strcmp(part, "tag") == 0 ||
			    strcmp(part, "category") == 0;
		f = prev[0] != '\0' ? cls_pair_flags(prev, part) : 0;
		if (!taxonomy)
			f |= cls_word_flags(part, n);
		flags |= f;
		memcpy(prev, part, n + 1);
	}
	return flags;
}

static const struct {
	const char *role;
	unsigned flags;
} aria_roles[] = {
	{ "alertdialog", CLS_CHROME }, { "article", CLS_POSITIVE },
	{ "banner", CLS_CHROME }, { "complementary", CLS_CHROME },
	{ "contentinfo", CLS_CHROME }, { "dialog", CLS_CHROME },
	{ "main", CLS_POSITIVE }, { "menu", CLS_CHROME },
	{ "menubar", CLS_CHROME }, { "navigation", CLS_CHROME },
	{ "search", CLS_CHROME }, { "toolbar", CLS_CHROME },
};

static unsigned
role_flags(const char *role)
{
	size_t i;
	unsigned flags = 0;

	for (i = 0; i < sizeof(aria_roles) / sizeof(aria_roles[0]); i++)
		if (has_token(role, aria_roles[i].role))
			flags |= aria_roles[i].flags;
	return flags;
}

/* display:none or visibility:hidden in a style attribute. */
static int
style_hides(const char *style)
{
	char buf[64];
	size_t i, n = 0;

	if (style == NULL)
		return 0;
	for (i = 0; style[i] != '\0'; i++) {
		if (style[i] == ' ' || (style[i] >= '\t' && style[i] <= '\r'))
			continue;
		if (style[i] == ';') {
			n = 0;
			continue;
		}
		if (n < sizeof(buf) - 1)
			buf[n++] = (char)ascii_lower((unsigned char)style[i]);
		buf[n] = '\0';
		if (strcmp(buf, "display:none") == 0 ||
		    strcmp(buf, "visibility:hidden") == 0)
			return 1;	/* "!important" may follow */
	}
	return 0;
}

static const char *const chrome_elements[] = {
	"aside", "dialog", "figcaption", "figure", "footer", "form",
	"header", "menu", "nav", NULL,
};

static unsigned
node_classify(const xmlNode *n)
{
	unsigned flags = 0;
	const char *v;

	if (name_in(n, chrome_elements))
		flags |= CLS_CHROME;
	if (name_is(n, "article") || name_is(n, "main"))
		flags |= CLS_POSITIVE;
	if ((v = attr(n, "class")) != NULL)
		flags |= cls_value_flags(v);
	if ((v = attr(n, "id")) != NULL)
		flags |= cls_value_flags(v);
	if ((v = attr(n, "aria-label")) != NULL)
		flags |= cls_value_flags(v);
	flags |= role_flags(attr(n, "role"));
	if (has_token(attr(n, "itemprop"), "articlebody"))
		flags |= CLS_BODY | CLS_POSITIVE;
	if (attr(n, "hidden") != NULL || has_token(attr(n, "aria-hidden"),
	    "true") || style_hides(attr(n, "style")))
		flags |= CLS_DROP;
	/* The page itself is never furniture, whatever its classes say. */
	if (name_is(n, "html") || name_is(n, "body"))
		flags &= ~(unsigned)(CLS_CHROME | CLS_DROP | CLS_TAGBOX);
	return flags;
}

/* Characters (not white space) and commas of a text run. */
static void
count_text(const char *s, size_t *chars, size_t *commas)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c & 0xC0) == 0x80 || c == ' ' || (c >= '\t' && c <= '\r'))
			continue;
		(*chars)++;
		*commas += c == ',';
	}
}

/* Returns the allocated, cleaned text of a DOM subtree, or NULL when it is
 * empty; caller frees. */
static char *
node_text(xmlNode *n, size_t max)
{
	struct html_text t;
	char *s;
	size_t len;

	html_text_init(&t, max);
	html_text_append_node(&t, n, NULL, NULL);
	s = html_text_finish(&t, &len);
	if (len == 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* Returns the allocated text of the text children of n (a <title>, whose
 * content html_text_append_node drops), or NULL; caller frees. */
static char *
node_raw_text(const xmlNode *n, size_t max)
{
	struct html_text t;
	const xmlNode *c;
	char *s;
	size_t len;

	html_text_init(&t, max);
	for (c = n->children; c != NULL; c = c->next)
		if (c->type == XML_TEXT_NODE && c->content != NULL)
			html_text_append(&t, (const char *)c->content,
			    strlen((const char *)c->content));
	s = html_text_finish(&t, &len);
	if (len == 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* Returns the allocated text of a DOM subtree on one line (a title, a
 * name, a tag), or NULL when it is empty; caller frees. */
static char *
node_line(xmlNode *n, size_t max)
{
	char *s = node_text(n, max), *line;

	if (s == NULL)
		return NULL;
	line = text_clean(s, strlen(s), max);
	free(s);
	return line;
}

static void
set_once(char **dst, const char *v)
{
	if (*dst == NULL && v != NULL)
		*dst = text_clean(v, strlen(v), EXTRACT_FIELD_MAX);
}

/* Adds each item of a comma- or semicolon-separated list as a tag. */
static void
tags_add_list(struct article *tags, const char *s)
{
	size_t i, start = 0;

	for (i = 0;; i++) {
		if (s[i] == ',' || s[i] == ';' || s[i] == '\0') {
			article_tag_add(tags, s + start, i - start);
			start = i + 1;
		}
		if (s[i] == '\0')
			break;
	}
}

static void
page_meta(struct page *pg, const xmlNode *n)
{
	const char *key = attr(n, "property"), *content = attr(n, "content");

	if (key == NULL)
		key = attr(n, "name");
	if (key == NULL || content == NULL)
		return;
	if (strcasecmp(key, "og:title") == 0)
		set_once(&pg->og_title, content);
	else if (strcasecmp(key, "twitter:title") == 0)
		set_once(&pg->tw_title, content);
	else if (strcasecmp(key, "og:site_name") == 0)
		set_once(&pg->site_name, content);
	else if (strcasecmp(key, "og:url") == 0)
		set_once(&pg->og_url, content);
	else if (strcasecmp(key, "author") == 0)
		set_once(&pg->meta_author, content);
	else if (strcasecmp(key, "article:author") == 0)
		set_once(&pg->article_author, content);
	else if (strcasecmp(key, "article:published_time") == 0)
		set_once(&pg->meta_published, content);
	else if (strcasecmp(key, "article:tag") == 0)
		article_tag_add(&pg->r->tags, content, strlen(content));
	else if (strcasecmp(key, "keywords") == 0 ||
	    strcasecmp(key, "news_keywords") == 0)
		tags_add_list(&pg->r->tags, content);
}

/* Pass 1 on an element: number, classify, remember. */
static void
page_note_element(struct page *pg, xmlNode *n, struct hnode *h)
{
	const char *rel = attr(n, "rel"), *itemprop = attr(n, "itemprop");

	if (name_is(n, "meta"))
		page_meta(pg, n);
	else if (name_is(n, "link") && has_token(rel, "canonical"))
		set_once(&pg->canonical, attr(n, "href"));
	else if (name_is(n, "title") && pg->title_tag == NULL)
		pg->title_tag = node_raw_text(n, EXTRACT_FIELD_MAX);
	else if (name_is(n, "h1"))
		list_push(&pg->h1, n);
	else if (name_is(n, "article"))
		list_push(&pg->articles, n);
	else if (name_is(n, "time"))
		list_push(&pg->times, n);
	else if (name_is(n, "a") && has_token(rel, "tag"))
		list_push(&pg->rel_tags, n);
	else if (name_is(n, "a") && has_token(rel, "author"))
		list_push(&pg->rel_authors, n);
	if (h->flags & CLS_BODY)
		list_push(&pg->body_props, n);
	if (h->flags & CLS_TAGBOX)
		list_push(&pg->tagboxes, n);
	if (has_token(itemprop, "datepublished"))
		list_push(&pg->date_props, n);
	if (has_token(itemprop, "author"))
		list_push(&pg->author_props, n);
	if (has_token(attr(n, "class"), "author"))
		list_push(&pg->author_classes, n);
}

static enum html_walk
pass1_enter(xmlNode *n, void *arg)
{
	struct page *pg = arg;
	struct hnode *h;
	size_t commas = 0;

	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		if ((h = hn(pg, n->parent)) != NULL && pg->skip_depth == 0 &&
		    n->content != NULL)
			count_text((const char *)n->content, &h->raw_text,
			    &commas);
		return HTML_WALK_SKIP;
	}
	if (n->type != XML_ELEMENT_NODE || n->name == NULL)
		return HTML_WALK_SKIP;
	xgrow(&pg->nodes, &pg->cap, pg->n + 1, sizeof(*pg->nodes));
	h = &pg->nodes[pg->n++];
	memset(h, 0, sizeof(*h));
	h->node = n;
	h->depth = pg->depth++;
	/* NOLINTNEXTLINE(performance-no-int-to-ptr): libxml2's _private holds our node index */
	n->_private = (void *)(uintptr_t)pg->n;
	h->flags = node_classify(n);
	page_note_element(pg, n, h);
	if (html_element_role((const char *)n->name) == HTML_SKIP)
		pg->skip_depth++;
	return HTML_WALK_INTO;
}

static int
is_paragraph(const xmlNode *n, const struct hnode *h)
{
	static const char *const loose[] = { "div", "section", "td", NULL };

	return name_is(n, "p") || name_is(n, "pre") ||
	    (name_in(n, loose) && !(h->flags & N_HAS_BLOCK));
}

static void
pass1_leave(xmlNode *n, void *arg)
{
	struct page *pg = arg;
	struct hnode *h = hn(pg, n), *up = hn(pg, n->parent);

	pg->depth--;
	if (html_element_role((const char *)n->name) == HTML_SKIP)
		pg->skip_depth--;
	if (h == NULL || up == NULL)
		return;
	if (name_is(n, "a"))
		h->raw_link = h->raw_text;
	up->raw_text += h->raw_text;
	up->raw_link += h->raw_link;
}

/* Holds most (60%) of the page's text: a wrapper, not a box. */
static int
holds_article(const struct page *pg, const struct hnode *h)
{
	return pg->total_raw_text > 0 &&
	    h->raw_text * 5 >= pg->total_raw_text * 3;
}

/* A tag box: named so, and short or mostly links; not a post whose
 * class says "has-tags". */
static int
is_tagbox(const struct hnode *h)
{
	return (h->flags & CLS_TAGBOX) && (h->raw_text <= TAGBOX_MAX_TEXT ||
	    h->raw_link * 2 >= h->raw_text);
}

static int
is_junk(const struct page *pg, const xmlNode *n, const struct hnode *h)
{
	if (h->flags & CLS_DROP)
		return !((name_is(n, "article") || name_is(n, "main")) &&
		    holds_article(pg, h));
	if (h->flags & CLS_CHROME)
		return !holds_article(pg, h);
	return 0;
}

static enum html_walk
pass2_enter(xmlNode *n, void *arg)
{
	struct page *pg = arg;
	struct hnode *h, *up = hn(pg, n->parent);
	enum html_role role;

	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		if (up != NULL && n->content != NULL)
			count_text((const char *)n->content, &up->text,
			    &up->commas);
		return HTML_WALK_SKIP;
	}
	if ((h = hn(pg, n)) == NULL)
		return HTML_WALK_SKIP;
	role = html_element_role((const char *)n->name);
	if (role == HTML_SKIP)
		return HTML_WALK_SKIP;
	if (is_junk(pg, n, h)) {
		h->flags |= N_JUNK;
		return HTML_WALK_SKIP;
	}
	/* The tag box is read for tags, never for the body. */
	if (is_tagbox(h))
		return HTML_WALK_SKIP;
	/* Blocks that stay: a <div> with none is a paragraph of its own. */
	if (role == HTML_BLOCK && up != NULL)
		up->flags |= N_HAS_BLOCK;
	return HTML_WALK_INTO;
}

static double
init_score(const xmlNode *n, unsigned flags)
{
	static const char *const plus3[] = { "pre", "td", "blockquote", NULL };
	static const char *const minus3[] = { "address", "ol", "ul", "dl",
	    "dd", "dt", "li", "form", NULL };
	static const char *const minus5[] = { "h1", "h2", "h3", "h4", "h5",
	    "h6", "th", NULL };
	double s = 0;

	if (name_is(n, "div"))
		s = 5;
	else if (name_in(n, plus3))
		s = 3;
	else if (name_in(n, minus3))
		s = -3;
	else if (name_in(n, minus5))
		s = -5;
	if (flags & CLS_POSITIVE)
		s += 25;
	if (flags & (CLS_NEGATIVE | CLS_CHROME))
		s -= 25;
	return s;
}

/* Gives a paragraph's points to its parent, grandparent and the next one
 * up, as readability does. */
static void
score_paragraph(struct page *pg, const xmlNode *p, const struct hnode *h)
{
	static const double share[] = { 1.0, 2.0, 6.0 };
	double points;
	const xmlNode *a = p->parent;
	struct hnode *ah;
	size_t level;

	points = 1.0 + (double)h->commas +
	    /* NOLINTNEXTLINE(bugprone-integer-division): whole hundreds of characters, on purpose */
	    (h->text / 100 < 3 ? (double)(h->text / 100) : 3.0);
	for (level = 0; level < 3 && a != NULL; level++, a = a->parent) {
		if ((ah = hn(pg, a)) == NULL)
			break;
		if (!(ah->flags & N_SCORED)) {
			ah->flags |= N_SCORED;
			ah->score = init_score(a, ah->flags);
		}
		ah->score += points / share[level];
	}
}

static void
pass2_leave(xmlNode *n, void *arg)
{
	struct page *pg = arg;
	struct hnode *h = hn(pg, n), *up = hn(pg, n->parent);

	if (h == NULL)
		return;
	if (name_is(n, "a"))
		h->link = h->text;
	if (is_paragraph(n, h)) {
		h->ptext = h->text;
		if (h->text >= 25)
			score_paragraph(pg, n, h);
	}
	if (up != NULL) {
		up->text += h->text;
		up->link += h->link;
		up->ptext += h->ptext;
		up->commas += h->commas;
	}
}

/* 1 when n or an ancestor carries one of flags. */
static int
in_area(const struct page *pg, const xmlNode *n, unsigned flags)
{
	const struct hnode *h;

	for (; n != NULL; n = n->parent)
		if ((h = hn(pg, n)) != NULL && (h->flags & flags))
			return 1;
	return 0;
}

static int
is_inside(const xmlNode *n, const xmlNode *ancestor)
{
	for (; n != NULL; n = n->parent)
		if (n == ancestor)
			return 1;
	return 0;
}

static double
final_score(const struct hnode *h)
{
	double density = h->text > 0 ? (double)h->link / (double)h->text : 0;

	return h->score * (1.0 - density);
}

/* The element of the list, outside dropped parts, with the most text
 * (paragraph text when by_ptext), or NULL when it has less than min. */
static xmlNode *
page_largest(const struct page *pg, const struct node_list *l, int by_ptext,
    size_t min)
{
	xmlNode *best = NULL;
	size_t i, v, bv = 0;
	const struct hnode *h;

	for (i = 0; i < l->n; i++) {
		if ((h = hn(pg, l->v[i])) == NULL ||
		    in_area(pg, l->v[i], N_JUNK))
			continue;
		v = by_ptext ? h->ptext : h->text;
		if (v > bv) {
			bv = v;
			best = l->v[i];
		}
	}
	return bv >= min ? best : NULL;
}

static xmlNode *
page_best_scored(const struct page *pg)
{
	xmlNode *best = NULL;
	double s, bs = 0;
	size_t i;

	for (i = 0; i < pg->n; i++) {
		if (!(pg->nodes[i].flags & N_SCORED))
			continue;
		s = final_score(&pg->nodes[i]);
		if (best == NULL || s > bs) {
			bs = s;
			best = pg->nodes[i].node;
		}
	}
	return best;
}

/*
 * A sibling of the best candidate that belongs to the same article split
 * around an ad or an image: it scores close to the best, or it is a long
 * paragraph that is not a list of links.
 */
static int
is_article_sibling(const struct page *pg, xmlNode *s, double threshold)
{
	const struct hnode *h = hn(pg, s);

	if (h == NULL || (h->flags & N_JUNK) || is_tagbox(h) ||
	    h->text == 0)
		return 0;
	return ((h->flags & N_SCORED) && final_score(h) >= threshold) ||
	    (name_is(s, "p") && h->text >= 80 && h->link * 4 < h->text);
}

/*
 * The elements that hold the article, in document order, into out (at
 * most max, max > 0): returns how many; *top is the main one.
 */
static size_t
page_article(struct page *pg, xmlNode *root, xmlNode **top, xmlNode **out,
    size_t max)
{
	const struct hnode *rh = hn(pg, root);
	size_t n = 0, total = rh != NULL ? rh->ptext : 0;
	double threshold;
	xmlNode *t, *s;
	int top_seen = 0;

	/* What the markup says is the article is taken as it is. */
	t = page_largest(pg, &pg->body_props, 0, EXTRACT_MIN_PROSE);
	if (t == NULL && (t = page_largest(pg, &pg->articles, 1,
	    EXTRACT_MIN_PROSE)) != NULL && hn(pg, t)->ptext * 2 < total)
		t = NULL;
	if (t != NULL) {
		*top = out[0] = t;
		return 1;
	}
	if ((t = page_best_scored(pg)) == NULL) {
		*top = out[0] = root;
		return 1;
	}
	*top = t;
	threshold = final_score(hn(pg, t)) * 0.2;
	if (threshold < 10)
		threshold = 10;
	/* One place stays free for the best until it is reached. */
	for (s = t->parent->children; s != NULL && n < max; s = s->next) {
		if (s == t)
			top_seen = 1;
		if (s == t || (n + !top_seen < max &&
		    is_article_sibling(pg, s, threshold)))
			out[n++] = s;
	}
	return n;
}

/* The paragraph length from which a <p> is the article's prose. */
#define PROSE_PARAGRAPH 80

/* What the body leaves out inside the article's elements. */
static int
body_skip(xmlNode *n, void *arg)
{
	struct page *pg = arg;
	const struct hnode *h = hn(pg, n);
	const struct hnode *top = hn(pg, pg->walk_root);

	if (h == NULL || n == pg->walk_root)
		return 0;
	if ((h->flags & N_JUNK) || is_tagbox(h))
		return 1;
	if (name_is(n, "h1"))
		return 1;
	if (name_is(n, "p") && h->text >= PROSE_PARAGRAPH)
		pg->prose_seen = 1;
	/* Key points listed before the first paragraph, when the article's
	 * prose is mostly elsewhere. */
	if ((name_is(n, "ul") || name_is(n, "ol")) && !pg->prose_seen &&
	    top != NULL && h->text * 2 <= top->ptext)
		return 1;
	/* Lists of links and "Read more: <a>...</a>" lines. */
	return html_element_role((const char *)n->name) == HTML_BLOCK &&
	    h->text > 0 && h->link * 2 > h->text;
}

/* One paragraph of the collected text. */
struct span {
	const char *s;
	size_t len;
	struct para p;
};

/*
 * The body from the collected text: paragraphs that are boxes or repeat
 * the title are left out, and so are short label-like lines ("Share",
 * "Advertisement") at either end.
 */
static void
page_body(const char *text, const char *title, struct body *b)
{
	struct span *v = NULL;
	size_t n = 0, cap = 0, i, first, last, len;
	const char *p = text, *e;

	while (*p != '\0') {
		e = strstr(p, "\n\n");
		len = e ? (size_t)(e - p) : strlen(p);
		xgrow(&v, &cap, n + 1, sizeof(*v));
		v[n].s = p;
		v[n].len = len;
		para_measure(p, len, &v[n].p);
		if (para_box_cue(p, len, &v[n].p) == PARA_CUE_NONE &&
		    para_furniture(p, len) != PARA_CAPTION && !(title != NULL &&
		    strlen(title) == len && memcmp(title, p, len) == 0))
			n++;
		p += len;
		while (*p == '\n')
			p++;
	}
	for (first = 0; first < n && !v[first].p.stop &&
	    v[first].p.words <= 3; first++)
		;
	for (last = n; last > first && !v[last - 1].p.stop &&
	    v[last - 1].p.words <= 3; last--)
		;
	for (i = first; i < last; i++)
		body_add(b, v[i].s, v[i].len, &v[i].p);
	free(v);
}

static const char *const title_seps[] = {
	" | ", " - ", " \xE2\x80\x93 ", " \xE2\x80\x94 ", " :: ",
	" \xC2\xB7 ", " \xE2\x80\xA2 ", NULL,
};

/* The start of the last title separator in s, or NULL; *seplen its length. */
static const char *
title_last_sep(const char *s, size_t len, size_t *seplen)
{
	const char *best = NULL, *p;
	size_t i, n;

	for (i = 0; title_seps[i] != NULL; i++) {
		n = strlen(title_seps[i]);
		for (p = s; (p = memmem(p, len - (size_t)(p - s), title_seps[i],
		    n)) != NULL; p++) {
			if (best == NULL || p > best) {
				best = p;
				*seplen = n;
			}
		}
	}
	return best;
}

/* Cuts " | Site" off a title when Site is the page's og:site_name. */
static void
title_strip_site(char *t, const char *site)
{
	size_t seplen = 0;
	const char *sep = title_last_sep(t, strlen(t), &seplen);

	if (sep != NULL && site != NULL && strcasecmp(sep + seplen, site) == 0)
		t[sep - t] = '\0';
}

/*
 * Cuts the site's name and section off a <title> ("Headline - Section |
 * Site"), not knowing them: a last part of at most 4 words is cut while
 * at least 3 words are left, at most three times.
 */
static void
title_strip_parts(char *t)
{
	size_t len = strlen(t), seplen = 0, cuts;
	const char *sep;

	for (cuts = 0; cuts < 3; cuts++) {
		sep = title_last_sep(t, len, &seplen);
		if (sep == NULL ||
		    para_words(sep + seplen, len - (size_t)(sep + seplen - t))
		    > 4 || para_words(t, (size_t)(sep - t)) < 3)
			return;
		len = (size_t)(sep - t);
		t[len] = '\0';
	}
}

/* Marks the article's main element and its ancestors. */
static void
page_mark_top(struct page *pg, xmlNode *top)
{
	struct hnode *h;

	for (; top != NULL; top = top->parent)
		if ((h = hn(pg, top)) != NULL)
			h->flags |= N_TOP_LINE;
}

/* The <h1> closest to the article: the one whose common ancestor with
 * it is deepest; the page's first <h1> when none is closer. */
static xmlNode *
page_h1(const struct page *pg)
{
	xmlNode *best = NULL, *a;
	const struct hnode *h;
	int depth, bd = -1;
	size_t i;

	for (i = 0; i < pg->h1.n; i++) {
		if (in_area(pg, pg->h1.v[i], CLS_DROP))
			continue;
		depth = -1;
		for (a = pg->h1.v[i]; a != NULL; a = a->parent)
			if ((h = hn(pg, a)) != NULL && (h->flags & N_TOP_LINE)) {
				depth = h->depth;
				break;
			}
		if (depth > bd) {
			bd = depth;
			best = pg->h1.v[i];
		}
	}
	return best;
}

static void
page_title(struct page *pg)
{
	struct result *r = pg->r;
	xmlNode *h1;

	if (pg->og_title != NULL || pg->tw_title != NULL) {
		r->title = xstrdup(pg->og_title ? pg->og_title : pg->tw_title);
		title_strip_site(r->title, pg->site_name);
		return;
	}
	if ((h1 = page_h1(pg)) != NULL &&
	    (r->title = node_line(h1, EXTRACT_FIELD_MAX)) != NULL)
		return;
	if (pg->title_tag != NULL) {
		r->title = xstrdup(pg->title_tag);
		title_strip_parts(r->title);
	}
}

static int
is_url(const char *s)
{
	return s != NULL && (para_starts_ci(s, strlen(s), "http://") ||
	    para_starts_ci(s, strlen(s), "https://"));
}

/* Returns the allocated name of an author, without a leading "By ", or
 * NULL; caller frees. */
static char *
author_clean(const char *s)
{
	size_t len;

	if (s == NULL || is_url(s))
		return NULL;
	len = strlen(s);
	if (para_starts_ci(s, len, "by "))
		s += 3;
	return text_clean(s, strlen(s), EXTRACT_FIELD_MAX);
}

/* The author of an itemprop=author element: its content attribute, a
 * nested itemprop=name, or its text. */
static char *
author_from_prop(xmlNode *n)
{
	const char *content = attr(n, "content");
	xmlNode *c;
	char *s, *out;

	if (content != NULL)
		return author_clean(content);
	for (c = n->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE ||
		    !has_token(attr(c, "itemprop"), "name"))
			continue;
		if ((content = attr(c, "content")) != NULL)
			return author_clean(content);
		n = c;
		break;
	}
	s = node_line(n, EXTRACT_FIELD_MAX);
	out = author_clean(s);
	free(s);
	return out;
}

static void
page_author(struct page *pg)
{
	struct result *r = pg->r;
	char *s;
	size_t i;

	if ((r->author = author_clean(pg->meta_author)) != NULL ||
	    (r->author = author_clean(pg->article_author)) != NULL)
		return;
	for (i = 0; i < pg->rel_authors.n && r->author == NULL; i++) {
		if (in_area(pg, pg->rel_authors.v[i], CLS_DROP))
			continue;
		s = node_line(pg->rel_authors.v[i], EXTRACT_FIELD_MAX);
		r->author = author_clean(s);
		free(s);
	}
	for (i = 0; i < pg->author_props.n && r->author == NULL; i++)
		if (!in_area(pg, pg->author_props.v[i], CLS_DROP))
			r->author = author_from_prop(pg->author_props.v[i]);
	/* hCard's class="author vcard": a name, so a few words at most. */
	for (i = 0; i < pg->author_classes.n && r->author == NULL; i++) {
		if (in_area(pg, pg->author_classes.v[i], CLS_DROP))
			continue;
		s = node_line(pg->author_classes.v[i], EXTRACT_FIELD_MAX);
		r->author = author_clean(s);
		free(s);
		if (r->author != NULL &&
		    para_words(r->author, strlen(r->author)) > 6) {
			free(r->author);
			r->author = NULL;
		}
	}
}

/* Reads a date from an element: content, then datetime, then its text. */
static int
date_from_node(xmlNode *n, int64_t *out)
{
	const char *v = attr(n, "content");
	char *s;
	int rc;

	if (v == NULL)
		v = attr(n, "datetime");
	if (v != NULL)
		return date_parse(v, strlen(v), out);
	if ((s = node_line(n, 128)) == NULL)
		return -1;
	rc = date_parse(s, strlen(s), out);
	free(s);
	return rc;
}

static void
page_published(struct page *pg, xmlNode *top)
{
	int64_t t;
	size_t i, pass;

	if (pg->meta_published != NULL && date_parse(pg->meta_published,
	    strlen(pg->meta_published), &t) == 0)
		goto found;
	for (i = 0; i < pg->date_props.n; i++)
		if (!in_area(pg, pg->date_props.v[i], CLS_DROP) &&
		    date_from_node(pg->date_props.v[i], &t) == 0)
			goto found;
	/* A <time> in the article first, then one anywhere but comments. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < pg->times.n; i++)
			if ((pass == 1 || is_inside(pg->times.v[i], top)) &&
			    !in_area(pg, pg->times.v[i], CLS_DROP) &&
			    date_from_node(pg->times.v[i], &t) == 0)
				goto found;
	return;
found:
	pg->r->published = t;
}

static void
page_url(struct page *pg)
{
	if (is_url(pg->canonical))
		pg->r->url = xstrdup(pg->canonical);
	else if (is_url(pg->og_url))
		pg->r->url = xstrdup(pg->og_url);
}

static void
tag_add_text(struct article *tags, const char *s)
{
	while (*s == '#')
		s++;
	article_tag_add(tags, s, strlen(s));
}

static enum html_walk
tagbox_enter(xmlNode *n, void *arg)
{
	struct article *tags = arg;
	char *s;

	if (n->type != XML_ELEMENT_NODE)
		return HTML_WALK_SKIP;
	if (!name_is(n, "a"))
		return HTML_WALK_INTO;
	if ((s = node_line(n, ARTICLE_TAG_MAX * 4)) != NULL)
		tag_add_text(tags, s);
	free(s);
	return HTML_WALK_SKIP;
}

/* Tags from links: rel=tag anywhere but in other articles and comments,
 * and every link of a tag box; a box without links is read as a line. */
static void
page_tags(struct page *pg)
{
	struct article *tags = &pg->r->tags;
	struct dict none = { NULL, 0, 0 };
	struct para p;
	size_t i, before, label;
	char *s;

	for (i = 0; i < pg->rel_tags.n; i++) {
		if (in_area(pg, pg->rel_tags.v[i], CLS_DROP))
			continue;
		if ((s = node_line(pg->rel_tags.v[i], ARTICLE_TAG_MAX * 4)))
			tag_add_text(tags, s);
		free(s);
	}
	for (i = 0; i < pg->tagboxes.n; i++) {
		if (!is_tagbox(hn(pg, pg->tagboxes.v[i])) ||
		    in_area(pg, pg->tagboxes.v[i]->parent, CLS_DROP))
			continue;
		before = tags->ntags;
		html_walk(pg->tagboxes.v[i], tagbox_enter, NULL, tags);
		if (tags->ntags > before ||
		    (s = node_line(pg->tagboxes.v[i], TAG_LINE_MAX)) == NULL)
			continue;
		para_measure(s, strlen(s), &p);
		label = tag_line_label(s, strlen(s), &p);
		tag_line_parse(tags, s + label, strlen(s) - label, &none);
		free(s);
	}
}

static void
page_release(struct page *pg)
{
	free(pg->nodes);
	free(pg->og_title);
	free(pg->tw_title);
	free(pg->site_name);
	free(pg->og_url);
	free(pg->canonical);
	free(pg->meta_author);
	free(pg->article_author);
	free(pg->meta_published);
	free(pg->title_tag);
}

/* Collects the body from the article's elements: 0, or -1 when it holds
 * too little prose. */
static int
page_collect(struct page *pg, xmlNode *root)
{
	xmlNode *parts[32], *top;
	struct html_text t;
	struct body b;
	char *text;
	size_t n, i;

	n = page_article(pg, root, &top, parts, sizeof(parts) / sizeof(parts[0]));
	page_mark_top(pg, top);
	/* Room for paragraphs that the filter drops. */
	html_text_init(&t, EXTRACT_BODY_MAX + EXTRACT_BODY_MAX / 4);
	for (i = 0; i < n; i++) {
		pg->walk_root = parts[i];
		html_text_break(&t, HTML_BLOCK);
		html_text_append_node(&t, parts[i], body_skip, pg);
	}
	text = html_text_finish(&t, NULL);
	page_title(pg);
	memset(&b, 0, sizeof(b));
	html_text_init(&b.text, EXTRACT_BODY_MAX);
	page_body(text, pg->r->title, &b);
	free(text);
	pg->r->body = html_text_finish(&b.text, NULL);
	if (b.prose < EXTRACT_MIN_PROSE)
		return -1;
	page_author(pg);
	page_published(pg, top);
	page_url(pg);
	page_tags(pg);
	return 0;
}

int
extract_html(const char *html, size_t len, struct article *a, char *err)
{
	struct page pg;
	struct result r;
	htmlDocPtr doc;
	xmlNode *root;
	int rc = -1;

	if (len > INT_MAX)
		return util_err(err, "page is larger than %d bytes", INT_MAX);
	doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
	    HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	    HTML_PARSE_RECOVER);
	if (doc == NULL || (root = xmlDocGetRootElement(doc)) == NULL) {
		if (doc != NULL)
			xmlFreeDoc(doc);
		return util_err(err, "no article text found");
	}
	result_init(&r);
	memset(&pg, 0, sizeof(pg));
	pg.r = &r;
	html_walk(root, pass1_enter, pass1_leave, &pg);
	pg.total_raw_text = hn(&pg, root) ? hn(&pg, root)->raw_text : 0;
	html_walk(root, pass2_enter, pass2_leave, &pg);
	if (page_collect(&pg, root) == 0) {
		result_commit(&r, a);
		rc = 0;
	} else {
		result_release(&r);
		util_err(err, "no article text found");
	}
	page_release(&pg);
	xmlFreeDoc(doc);
	return rc;
}
