/*
 * para: prose, headings and furniture in plain text.
 *
 * The strict shapes (para_furniture, para_lead_in, para_tail_start) work
 * on tokens, the white-space separated runs of a paragraph, and look at
 * how the furniture is built rather than at the words it holds: a byline
 * is "By" and a run of names, a dateline an upper-case place and an
 * agency before a dash, a "Read more" link those words and nothing after
 * them but arrows or "at Site". A sentence that only shares the words
 * fails the shape, and stays.
 */
#include "para.h"
#include "utf8.h"

#include <stdint.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define FURNITURE_MAX_WORDS 40	/* longer paragraphs are never boxes */
#define LABEL_MAX_WORDS 3	/* "3 Comments", "Trending now" */
#define AD_LABEL_MAX_WORDS 6	/* "Article continues below advertisement" */
#define BYLINE_MAX_WORDS 40	/* names, roles and affiliations */
#define PROMPT_MAX_WORDS 35	/* "Sign up here to get an email when..." */
#define CAPTION_MAX_WORDS 60
#define NOTE_MAX_WORDS PARA_FURNITURE_MAX_WORDS
#define LINK_REST_MAX_WORDS 8	/* "Read more at The Site" */
#define TAIL_SCAN_WORDS 10	/* how far back a glued tail may start */
#define DATELINE_MAX_WORDS 8	/* "NEWARK, N.J. (AP) —" */
/* "Published: 10:04 GMT, 3 February 2013 | Updated: 10:21 GMT, 3
 * February 2013" */
#define DATE_LINE_MAX_WORDS 16

/*
 * Small text helpers.
 */

static inline int
is_ascii_alnum(unsigned char c)
{
	return (unsigned)(c - '0') < 10 || (unsigned)((c | 0x20) - 'a') < 26;
}

static unsigned char
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* A word character for boundaries: ASCII letters and digits, and any byte
 * of a multi-byte character (so "café" is one word). */
static int
is_word_byte(unsigned char c)
{
	return is_ascii_alnum(c) || c >= 0x80;
}

/* Most calls fail on the first letter, tested inline before anything
 * else: the tables below are matched against every paragraph. */
static inline int
starts_ci(const char *s, size_t len, const char *prefix)
{
	size_t i;

	if (len == 0 || ascii_lower((unsigned char)s[0]) !=
	    (unsigned char)prefix[0])
		return prefix[0] == '\0';
	for (i = 1; prefix[i] != '\0'; i++)
		if (i >= len || ascii_lower((unsigned char)s[i]) !=
		    (unsigned char)prefix[i])
			return 0;
	return 1;
}

int
para_starts_ci(const char *s, size_t len, const char *prefix)
{
	return starts_ci(s, len, prefix);
}

/* 1 when phrase (n > 0 bytes) stands at low[at] as whole words. */
static int
phrase_at(const char *low, size_t len, size_t at, const char *phrase,
    size_t n)
{
	return at + n <= len && memcmp(low + at, phrase, n) == 0 &&
	    (at == 0 || !is_word_byte((unsigned char)low[at - 1]) ||
	    !is_word_byte((unsigned char)phrase[0])) &&
	    (at + n == len || !is_word_byte((unsigned char)low[at + n]) ||
	    !is_word_byte((unsigned char)phrase[n - 1]));
}

/* 1 when phrase occurs in low (lower-cased ASCII) as whole words. */
static int
has_phrase(const char *low, size_t len, const char *phrase)
{
	size_t n = strlen(phrase);
	const char *p = low;

	while (n > 0 && (p = memmem(p, len - (size_t)(p - low), phrase, n))
	    != NULL) {
		if (phrase_at(low, len, (size_t)(p - low), phrase, n))
			return 1;
		p++;
	}
	return 0;
}

/* The length of the last character of [s, s+n), n > 0. */
static size_t
last_char_len(const char *s, size_t n)
{
	size_t back = 1;

	while (back < n && back < 4 &&
	    ((unsigned char)s[n - back] & 0xC0) == 0x80)
		back++;
	return back;
}

static int
is_closer(uint32_t c)
{
	return c == '"' || c == '\'' || c == ')' || c == ']' || c == 0xBB ||
	    c == 0x2019 || c == 0x201D || c == 0x203A;
}

static int
is_terminal(uint32_t c)
{
	return c == '.' || c == '!' || c == '?' || c == 0x2026 ||
	    c == 0x3002 || c == 0xFF01 || c == 0xFF1F;
}

int
para_ends_sentence(const char *s, size_t n)
{
	uint32_t c;
	size_t k;

	while (n > 0) {
		k = last_char_len(s, n);
		if (utf8_decode(s + n - k, k, &c) != k)
			return 0;
		if (is_terminal(c))
			return 1;
		if (!is_closer(c) && !utf8_is_space(c))
			return 0;
		n -= k;
	}
	return 0;
}

static inline int
is_ascii_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Counts the words of [s, s+len) and its characters (*chars when not
 * NULL), stopping after max + 1 words. Text is mostly ASCII, decided
 * here a byte at a time; the rest is decoded. Counts in locals: for the
 * compiler, a struct para's fields may alias s. */
static size_t
count(const char *s, size_t len, size_t max, size_t *chars)
{
	size_t i = 0, k, nchars = 0, words = 0;
	int counted = 0;	/* the current token is counted as a word */
	unsigned char b;
	uint32_t c;

	while (i < len) {
		b = (unsigned char)s[i];
		nchars++;
		if (b < 0x80) {
			i++;
			if (is_ascii_space(b)) {
				counted = 0;
			} else if (!counted && is_ascii_alnum(b)) {
				if (++words > max)
					break;
				counted = 1;
			}
			continue;
		}
		k = utf8_decode(s + i, len - i, &c);
		if (utf8_is_space(c)) {
			counted = 0;
		} else if (!counted && utf8_is_alnum(c)) {
			if (++words > max)
				break;
			counted = 1;
		}
		i += k;
	}
	if (chars != NULL)
		*chars = nchars;
	return words;
}

void
para_measure(const char *s, size_t len, struct para *p)
{
	memset(p, 0, sizeof(*p));
	p->words = count(s, len, SIZE_MAX - 1, &p->chars);
	p->stop = para_ends_sentence(s, len);
}

size_t
para_words_upto(const char *s, size_t len, size_t max)
{
	return count(s, len, max, NULL);
}

size_t
para_words(const char *s, size_t len)
{
	return count(s, len, SIZE_MAX - 1, NULL);
}

/*
 * The scraped page's box cues. A box (sign-up, share bar, cookie notice,
 * ad label) may sit inside an article; an ending (comments, related
 * articles, "read more") comes after it. A cue with `with` counts only
 * when one of those words occurs too ("cookies" alone may be about
 * baking); a label cue only in a short line that is not a sentence ("3
 * Comments", not "He declined to comment." nor a headline "Minister's
 * comments spark row"). A leading '^' anchors the cue at the start of
 * the line, where a label may be longer ("Related: ...").
 */
static const struct box_cue {
	const char *phrase;
	const char *with;	/* '|'-separated words, or NULL */
	enum para_cue kind;
	int label;
} box_cues[] = {
	{ "newsletter", NULL, PARA_CUE_BOX, 0 },
	{ "newsletters", NULL, PARA_CUE_BOX, 0 },
	{ "subscribe", NULL, PARA_CUE_BOX, 0 },
	{ "unsubscribe", NULL, PARA_CUE_BOX, 0 },
	{ "sign up", NULL, PARA_CUE_BOX, 0 },
	{ "signup", NULL, PARA_CUE_BOX, 0 },
	{ "sign-up", NULL, PARA_CUE_BOX, 0 },
	{ "follow us", NULL, PARA_CUE_BOX, 0 },
	{ "follow me", NULL, PARA_CUE_BOX, 0 },
	{ "share this", NULL, PARA_CUE_BOX, 0 },
	{ "share article", NULL, PARA_CUE_BOX, 0 },
	{ "share story", NULL, PARA_CUE_BOX, 0 },
	{ "share on facebook", NULL, PARA_CUE_BOX, 0 },
	{ "share on twitter", NULL, PARA_CUE_BOX, 0 },
	{ "share on linkedin", NULL, PARA_CUE_BOX, 0 },
	{ "share via", NULL, PARA_CUE_BOX, 0 },
	{ "tweet this", NULL, PARA_CUE_BOX, 0 },
	{ "cookie", "accept|agree|consent|policy|settings|browsing|experience",
	    PARA_CUE_BOX, 0 },
	{ "cookies", "accept|agree|consent|policy|settings|browsing|experience",
	    PARA_CUE_BOX, 0 },
	{ "privacy policy", NULL, PARA_CUE_BOX, 0 },
	{ "terms of use", NULL, PARA_CUE_BOX, 0 },
	{ "terms of service", NULL, PARA_CUE_BOX, 0 },
	{ "terms and conditions", NULL, PARA_CUE_BOX, 0 },
	{ "all rights reserved", NULL, PARA_CUE_BOX, 0 },
	{ "\xC2\xA9", NULL, PARA_CUE_BOX, 0 },
	{ "advertisement", NULL, PARA_CUE_BOX, 0 },
	{ "sponsored content", NULL, PARA_CUE_BOX, 0 },
	{ "skip to content", NULL, PARA_CUE_BOX, 0 },
	{ "skip to main content", NULL, PARA_CUE_BOX, 0 },
	{ "back to top", NULL, PARA_CUE_BOX, 0 },
	{ "^error:", NULL, PARA_CUE_BOX, 0 },
	{ "enable javascript", NULL, PARA_CUE_BOX, 0 },
	{ "email address", NULL, PARA_CUE_BOX, 0 },
	{ "enter your email", NULL, PARA_CUE_BOX, 0 },
	{ "click here", NULL, PARA_CUE_BOX, 0 },
	{ "show comments", NULL, PARA_CUE_END, 0 },
	{ "view comments", NULL, PARA_CUE_END, 0 },
	{ "leave a comment", NULL, PARA_CUE_END, 0 },
	{ "post a comment", NULL, PARA_CUE_END, 0 },
	{ "add a comment", NULL, PARA_CUE_END, 0 },
	{ "load comments", NULL, PARA_CUE_END, 0 },
	{ "no comments", NULL, PARA_CUE_END, 0 },
	{ "leave a reply", NULL, PARA_CUE_END, 0 },
	{ "comments", NULL, PARA_CUE_END, 1 },
	{ "comment", NULL, PARA_CUE_END, 1 },
	{ "responses", NULL, PARA_CUE_END, 1 },
	{ "replies", NULL, PARA_CUE_END, 1 },
	{ "read more", NULL, PARA_CUE_END, 0 },
	{ "continue reading", NULL, PARA_CUE_END, 0 },
	{ "related articles", NULL, PARA_CUE_END, 0 },
	{ "related stories", NULL, PARA_CUE_END, 0 },
	{ "related posts", NULL, PARA_CUE_END, 0 },
	{ "related content", NULL, PARA_CUE_END, 0 },
	{ "^related", NULL, PARA_CUE_END, 1 },
	{ "you may also like", NULL, PARA_CUE_END, 0 },
	{ "you might also like", NULL, PARA_CUE_END, 0 },
	{ "more stories", NULL, PARA_CUE_END, 0 },
	{ "^more from", NULL, PARA_CUE_END, 1 },
	{ "recommended for you", NULL, PARA_CUE_END, 0 },
	{ "most popular", NULL, PARA_CUE_END, 0 },
	{ "most read", NULL, PARA_CUE_END, 0 },
	{ "trending", NULL, PARA_CUE_END, 1 },
};

/* 1 when one of the '|'-separated words of list occurs in low. */
static int
has_any(const char *low, size_t len, const char *list)
{
	char word[32];
	const char *p = list, *bar;
	size_t n;

	while (*p != '\0') {
		bar = strchr(p, '|');
		n = bar ? (size_t)(bar - p) : strlen(p);
		if (n < sizeof(word)) {
			memcpy(word, p, n);
			word[n] = '\0';
			if (has_phrase(low, len, word))
				return 1;
		}
		p += n + (bar != NULL);
	}
	return 0;
}

/* The lower-cased ASCII copy of s into low (len + 1 bytes). */
static void
lower_copy(char *low, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		low[i] = (char)ascii_lower((unsigned char)s[i]);
	low[len] = '\0';
}

enum para_cue
para_box_cue(const char *s, size_t len, const struct para *p)
{
	enum para_cue kind = PARA_CUE_NONE;
	const struct box_cue *c;
	char buf[1024], *low;
	size_t i;

	if (p->words > FURNITURE_MAX_WORDS)
		return PARA_CUE_NONE;
	/* Forty words fit the buffer but for long words or URLs: those
	 * paragraphs are looked at in their first kilobyte. */
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	low = buf;
	lower_copy(low, s, len);
	for (i = 0; i < NELEM(box_cues) && kind == PARA_CUE_NONE; i++) {
		c = &box_cues[i];
		if (c->label && (p->stop || (c->phrase[0] != '^' &&
		    p->words > LABEL_MAX_WORDS)))
			continue;
		if (c->phrase[0] == '^' ? !starts_ci(low, len,
		    c->phrase + 1) : !has_phrase(low, len, c->phrase))
			continue;
		if (c->with == NULL || has_any(low, len, c->with))
			kind = c->kind;
	}
	return kind;
}

/*
 * Tokens: white-space separated runs.
 */

struct tok {
	const char *s;
	size_t len;
};

/* The length of the white space character at s (n > 0 bytes), or 0. */
static inline size_t
space_at(const char *s, size_t n)
{
	uint32_t c;
	size_t k;

	if ((unsigned char)*s < 0x80)
		return is_ascii_space((unsigned char)*s);
	k = utf8_decode(s, n, &c);
	return utf8_is_space(c) ? k : 0;
}

/* The next token at or after *i, or 0 at the end. */
static int
tok_next(const char *s, size_t len, size_t *i, struct tok *t)
{
	size_t k, start;

	while (*i < len && (k = space_at(s + *i, len - *i)) > 0)
		*i += k;
	if (*i >= len)
		return 0;
	start = *i;
	while (*i < len) {
		unsigned char b = (unsigned char)s[*i];

		if (b < 0x80 ? is_ascii_space(b) : space_at(s + *i,
		    len - *i) > 0)
			break;
		(*i)++;
	}
	t->s = s + start;
	t->len = *i - start;
	return 1;
}

/* The length of the opening (at_end 0) or closing punctuation mark at
 * the edge of t: ASCII brackets, quotes and stops, and curly quotes. */
static size_t
edge_len(struct tok t, int at_end)
{
	static const char ascii[] = "()[]{}\"',;:.!?*";
	const unsigned char *q;

	if (t.len == 0)
		return 0;
	q = (const unsigned char *)(at_end ? t.s + t.len - 1 : t.s);
	if (*q < 0x80)
		return memchr(ascii, *q, sizeof(ascii) - 1) != NULL;
	if (t.len < 3)
		return 0;
	q = (const unsigned char *)(at_end ? t.s + t.len - 3 : t.s);
	/* U+2018 U+2019 U+201C U+201D */
	return q[0] == 0xE2 && q[1] == 0x80 && (q[2] == 0x98 || q[2] == 0x99 ||
	    q[2] == 0x9C || q[2] == 0x9D) ? 3 : 0;
}

/* The token without the punctuation around it: "(Reuters)," gives
 * "Reuters". May be empty. */
static struct tok
tok_core(struct tok t)
{
	size_t n;

	while ((n = edge_len(t, 0)) > 0) {
		t.s += n;
		t.len -= n;
	}
	while ((n = edge_len(t, 1)) > 0)
		t.len -= n;
	return t;
}

/* 1 when the token, case aside, is word. */
static int
tok_is(struct tok t, const char *word)
{
	return starts_ci(t.s, t.len, word) && t.len == strlen(word);
}

static int
tok_in(struct tok t, const char *const *words, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tok_is(t, words[i]))
			return 1;
	return 0;
}

/* Letters of the token by case: how many upper, how many lower. */
static void
tok_case(struct tok t, size_t *upper, size_t *lower)
{
	size_t i = 0;
	uint32_t c;

	*upper = *lower = 0;
	while (i < t.len) {
		i += utf8_decode(t.s + i, t.len - i, &c);
		if (!utf8_is_alnum(c) || (c >= '0' && c <= '9'))
			continue;
		if (utf8_lower(c) != c)
			(*upper)++;
		else if (c < 0x80 || c >= 0xDF)
			(*lower)++;
	}
}

/* Starts with a capital letter (after any opening punctuation). */
static int
tok_capitalized(struct tok t)
{
	struct tok c;
	uint32_t cp;

	if (t.len > 0 && (unsigned char)t.s[0] < 0x80 &&
	    is_ascii_alnum((unsigned char)t.s[0]))
		return t.s[0] >= 'A' && t.s[0] <= 'Z';
	c = tok_core(t);
	if (c.len == 0)
		return 0;
	utf8_decode(c.s, c.len, &cp);
	return utf8_lower(cp) != cp;
}

/* All its letters are capitals, and it has two or more ("N.J." too). */
static int
tok_all_caps(struct tok t)
{
	size_t upper, lower, i;

	t = tok_core(t);
	for (i = 0; i < t.len; i++)	/* most words: a small letter */
		if (t.s[i] >= 'a' && t.s[i] <= 'z')
			return 0;
	tok_case(t, &upper, &lower);
	return upper >= 2 && lower == 0;
}

static int
tok_has_digit(struct tok t)
{
	size_t i;

	for (i = 0; i < t.len; i++)
		if (t.s[i] >= '0' && t.s[i] <= '9')
			return 1;
	return 0;
}

/* A dash standing alone: "-", "--", "—", "–", "―". */
static int
tok_is_dash(struct tok t)
{
	return tok_is(t, "-") || tok_is(t, "--") || tok_is(t, "\xE2\x80\x94") ||
	    tok_is(t, "\xE2\x80\x93") || tok_is(t, "\xE2\x80\x95");
}


/*
 * Months in the languages of the wire services' datelines, for
 * "LONDON, Dec 3 (Reuters) -" and "MOSCOU, 24 SET (ANSA) -".
 */
static const char *const month_words[] = {
	"jan", "january", "feb", "february", "mar", "march", "apr", "april",
	"may", "jun", "june", "jul", "july", "aug", "august", "sep", "sept",
	"september", "oct", "october", "nov", "november", "dec", "december",
	"janeiro", "fev", "fevereiro", "abr", "abril", "mai", "maio", "junho",
	"julho", "ago", "agosto", "set", "setembro", "out", "outubro",
	"novembro", "dez", "dezembro", "ene", "enero", "febrero", "marzo",
	"mayo", "junio", "julio", "septiembre", "octubre", "noviembre", "dic",
	"diciembre", "janv", "janvier", "févr", "février", "mars", "avr",
	"avril", "juin", "juil", "juillet", "août", "septembre", "octobre",
	"novembre", "déc", "décembre", "okt", "januar", "februar", "märz",
	"juni", "juli", "oktober", "dezember",
};

/* A day, a year or a month name: the date part of a dateline. */
static int
tok_is_date(struct tok t)
{
	struct tok c = tok_core(t);
	size_t i, digits = 0;

	if (c.len == 0)
		return 0;
	for (i = 0; i < c.len; i++)
		digits += c.s[i] >= '0' && c.s[i] <= '9';
	if (digits > 0 && digits <= 4 && (digits == c.len || (c.len ==
	    digits + 2 && (starts_ci(c.s + digits, 2, "st") ||
	    starts_ci(c.s + digits, 2, "nd") ||
	    starts_ci(c.s + digits, 2, "rd") ||
	    starts_ci(c.s + digits, 2, "th")))))
		return 1;
	/* The letters months start with, in these languages. */
	if (memchr("jfmasondeJFMASONDE", c.s[0], 18) == NULL)
		return 0;
	return tok_in(c, month_words, NELEM(month_words));
}

/*
 * Bylines.
 */

/* What opens a byline. A forum's ("submitted by") takes a user name of
 * any shape after it; the others need a name that looks like one. */
static const struct byline_intro {
	const char *words;
	int forum;
} byline_intros[] = {
	{ "by", 0 }, { "by:", 0 }, { "von", 0 }, { "por", 0 }, { "par", 0 },
	{ "door", 0 }, { "written by", 0 }, { "words by", 0 },
	{ "text by", 0 }, { "story by", 0 }, { "reporting by", 0 },
	{ "reported by", 0 }, { "report by", 0 }, { "interview by", 0 },
	{ "photos by", 0 }, { "posted by", 1 }, { "submitted by", 1 },
	{ "shared by", 1 },
};

/* Words that may stand between names: "Jane Doe and John Roe", "David
 * Smith in Washington", "Ana de la Cruz". */
static const char *const name_joiners[] = {
	"and", "&", "with", "of", "for", "de", "del", "della", "di", "da",
	"das", "do", "dos", "du", "la", "le", "les", "van", "von", "der",
	"den", "ter", "y", "e", "et", "und", "in", "at", "on", "the", "from",
	"to", "via", "|", "/", "\xC2\xB7", "\xE2\x80\xA2", "-",
	"\xE2\x80\x93", "\xE2\x80\x94",
};

/* What a byline may say a person is, in lower case. */
static const char *const role_words[] = {
	"staff", "writer", "writers", "reporter", "reporters", "correspondent",
	"correspondents", "editor", "editors", "contributor", "contributors",
	"columnist", "columnists", "photographer", "photographers", "team",
	"desk", "intern", "producer", "analyst", "bureau", "chief", "senior",
	"deputy", "associate", "contributing", "freelance", "guest", "news",
	"wire", "services", "press", "agency", "special", "political",
	"science", "sports", "business", "technology", "health", "author",
	/* the wire's credits: "Reporting by X; additional reporting by
	 * Y; Editing by Z" */
	"by", "reporting", "additional", "writing", "editing", "compiled",
	"research",
};

/* The roles that make names a byline without "By". */
static const char *const job_words[] = {
	"staff", "writer", "reporter", "correspondent", "editor",
	"contributor", "columnist", "photographer", "team", "intern",
	"producer",
};

/* A user name as forums write it: "@jane", "/u/jane", "u/jane". */
static int
tok_is_handle(struct tok t)
{
	return (t.len > 1 && t.s[0] == '@') || starts_ci(t.s, t.len,
	    "/u/") || starts_ci(t.s, t.len, "/r/") ||
	    starts_ci(t.s, t.len, "u/") || starts_ci(t.s, t.len,
	    "r/");
}

/* The parenthesis depth after t, from depth before it. */
static int
paren_depth(struct tok t, int depth)
{
	size_t i;

	for (i = 0; i < t.len; i++) {
		if (t.s[i] == '(')
			depth++;
		else if (t.s[i] == ')' && depth > 0)
			depth--;
	}
	return depth;
}

/*
 * 1 when [s, s+len) is a run of names: capitalized words, initials,
 * handles, joiners and roles ("Jane Doe, Staff Writer", "Oliver Chang,
 * Abhishek Arya (Security Engineers, Chrome Security), and Josh Armour"),
 * with anything inside parentheses, and at least one name.
 */
static int
is_name_run(const char *s, size_t len)
{
	struct tok t, c;
	size_t i = 0, names = 0, words = 0;
	int depth = 0, inside;

	while (tok_next(s, len, &i, &t)) {
		inside = depth > 0 || (t.s[0] == '(' && t.len > 0);
		depth = paren_depth(t, depth);
		c = tok_core(t);
		if (c.len == 0 || inside)
			continue;
		if (++words > BYLINE_MAX_WORDS)
			return 0;
		if (tok_is_handle(c) || (tok_capitalized(c) &&
		    !tok_in(c, name_joiners, NELEM(name_joiners))))
			names++;
		else if (!tok_in(c, name_joiners, NELEM(name_joiners)) &&
		    !tok_in(c, role_words, NELEM(role_words)) &&
		    !tok_has_digit(c))
			return 0;
	}
	return names > 0;
}

/* The length of a byline opener at s and the white space after it, or 0;
 * *forum says it is "submitted by"/"posted by", which a user name of any
 * shape follows. */
static size_t
byline_intro(const char *s, size_t len, int *forum)
{
	size_t i, n, k;
	struct tok t;

	for (i = 0; i < NELEM(byline_intros); i++) {
		if (!starts_ci(s, len, byline_intros[i].words))
			continue;
		n = strlen(byline_intros[i].words);
		if ((n < len && is_word_byte((unsigned char)s[n]) &&
		    byline_intros[i].words[n - 1] != ':'))
			continue;
		*forum = byline_intros[i].forum;
		/* "By:" and "By Jane": the name must follow. */
		k = n;
		if (k < len && s[k] == ':')
			k++;
		if (!tok_next(s, len, &k, &t))
			return 0;
		if (!*forum && !tok_capitalized(t) && !tok_is_handle(t))
			return 0;
		return (size_t)(t.s - s);
	}
	return 0;
}

/* The sentence openers that follow "By" in prose ("By The Associated
 * Press" is a byline, "By Then..." is not, and is rare enough). */
static const char *const not_names[] = {
	"the", "this", "that", "these", "those", "then", "now", "a", "an",
	"its", "his", "her", "their", "our", "my", "your", "all", "most",
	"some", "far", "law", "contrast", "comparison", "default", "design",
	"chance", "mistake", "noon", "midnight", "night", "day", "dawn",
	"early", "late", "next", "last", "way", "then",
};

static enum para_furniture
byline_kind(const char *s, size_t len, size_t words)
{
	size_t at;
	struct tok t;
	int forum = 0;

	if (words > BYLINE_MAX_WORDS)
		return PARA_PROSE;
	/* The wire's credits in parentheses: "(Reporting by Jane Doe;
	 * Editing by John Roe)". */
	if (len > 2 && s[0] == '(' && s[len - 1] == ')' &&
	    memchr(s + 1, ')', len - 2) == NULL)
		return byline_kind(s + 1, len - 2, words);
	if ((at = byline_intro(s, len, &forum)) > 0) {
		if (forum)
			return words <= 15 ? PARA_BYLINE : PARA_PROSE;
		t.s = s + at;
		t.len = len - at;
		at = 0;
		tok_next(t.s, t.len, &at, &t);
		if (tok_in(tok_core(t), not_names, NELEM(not_names)))
			return PARA_PROSE;
		return is_name_run(s + (t.s - s), len - (size_t)(t.s - s)) ?
		    PARA_BYLINE : PARA_PROSE;
	}
	/* A sign-off or an attribution: "- Josh Radcliff, AdWords API Team",
	 * "— Lis Power (@LisPower1) November 8, 2017". */
	at = 0;
	if (tok_next(s, len, &at, &t) && tok_is_dash(t) && words <= 15)
		return is_name_run(s + at, len - at) ? PARA_BYLINE : PARA_PROSE;
	/* "Jane Doe | Staff writer", "Nadine Sundquist, AdWords API Team":
	 * names with a role, set off by a bar or a comma. */
	if (words <= 10 && !para_ends_sentence(s, len) && (memchr(s, '|',
	    len) != NULL || memchr(s, ',', len) != NULL) &&
	    is_name_run(s, len)) {
		at = 0;
		while (tok_next(s, len, &at, &t))
			if (tok_in(tok_core(t), job_words, NELEM(job_words)))
				return PARA_BYLINE;
	}
	return PARA_PROSE;
}

/*
 * Datelines: the date and time lines of pages ("March 3, 2015 10:04 AM",
 * "Updated 8.13pm GMT"), and the wire's place lines at the start of text.
 */

static const char *const date_words[] = {
	"mon", "monday", "tue", "tuesday", "wed", "wednesday", "thu",
	"thursday", "fri", "friday", "sat", "saturday", "sun", "sunday",
	"am", "pm", "at", "on", "gmt", "utc", "bst", "cet", "cest", "est",
	"edt", "pst", "pdt", "updated", "published", "posted", "min", "mins",
	"read", "last", "modified",
};

/* 1 when the token is a number, a time or a date word. */
static int
is_date_token(const char *w, size_t n)
{
	size_t i, digits = 0;
	struct tok t;

	while (n > 0 && !is_word_byte((unsigned char)w[n - 1]))
		n--;
	while (n > 0 && !is_word_byte((unsigned char)*w)) {
		w++;
		n--;
	}
	if (n == 0)
		return 1;
	for (i = 0; i < n; i++)
		digits += w[i] >= '0' && w[i] <= '9';
	if (digits > 0 && digits * 2 >= n)
		return 1;
	t.s = w;
	t.len = n;
	return tok_in(t, date_words, NELEM(date_words)) ||
	    (memchr("jfmasondJFMASOND", t.s[0], 16) != NULL &&
	    tok_in(t, month_words, 24));
}

int
para_is_meta_line(const char *s, size_t len, const struct para *p)
{
	size_t i = 0, tokens = 0, dates = 0;
	struct tok t;

	if (p->words <= 8 && (starts_ci(s, len, "by ") ||
	    starts_ci(s, len, "posted ") ||
	    starts_ci(s, len, "written by ") ||
	    starts_ci(s, len, "published ") ||
	    starts_ci(s, len, "updated ")))
		return 1;
	if (p->words > 10)
		return 0;
	while (tok_next(s, len, &i, &t)) {
		tokens++;
		dates += is_date_token(t.s, t.len);
	}
	return tokens > 0 && dates * 2 > tokens;
}

/* A line of dates and times, with a "Published"-like word at most:
 * never a sentence (which ends with a stop after a lower-case word). */
static int
is_date_line(const char *s, size_t len, size_t words)
{
	size_t i = 0, tokens = 0, dates = 0;
	struct tok t;

	if (words > DATE_LINE_MAX_WORDS)
		return 0;
	while (tok_next(s, len, &i, &t)) {
		if (para_words(t.s, t.len) == 0)
			continue;	/* "|", "-", "<": no word either way */
		tokens++;
		dates += is_date_token(t.s, t.len);
		/* The tokens are the words: half of them not dates, and
		 * the line is none. */
		if ((tokens - dates) * 2 >= words)
			return 0;
	}
	return tokens > 0 && dates * 2 > tokens &&
	    (dates == tokens || !para_ends_sentence(s, len));
}

/* The parenthesized agency of a dateline at s: "(AP)", "(Reuters)",
 * "(EFE).-". Returns the length up to the ')', or 0. */
static size_t
agency_len(const char *s, size_t len)
{
	const char *close;
	size_t i, letters = 0;

	if (len < 3 || s[0] != '(')
		return 0;
	close = memchr(s, ')', len < 32 ? len : 32);
	if (close == NULL)
		return 0;
	for (i = 1; s + i < close; i++) {
		if (!is_word_byte((unsigned char)s[i]) && s[i] != ' ' &&
		    s[i] != '.' && s[i] != '-' && s[i] != '&')
			return 0;
		letters += is_word_byte((unsigned char)s[i]);
	}
	return letters > 0 ? (size_t)(close - s) + 1 : 0;
}

/* The dash (or colon) that ends a dateline at s, with the white space
 * around it: "—", " - ", ".-", ":". Returns its length or 0; *colon says
 * it was a colon. */
static size_t
dateline_dash(const char *s, size_t len, int *colon)
{
	static const char *const dashes[] = { "\xE2\x80\x94", "\xE2\x80\x93",
	    "\xE2\x80\x95", "--", ".-", ".\xE2\x80\x94", "-", ":" };
	size_t i = 0, k, n;

	while (i < len && s[i] == ' ')
		i++;
	for (k = 0; k < NELEM(dashes); k++) {
		n = strlen(dashes[k]);
		if (i + n <= len && memcmp(s + i, dashes[k], n) == 0) {
			*colon = dashes[k][0] == ':';
			i += n;
			/* A hyphen glued to the next word is a compound. */
			if (i < len && s[i] != ' ' && (dashes[k][0] == '-' ||
			    *colon))
				return 0;
			while (i < len && s[i] == ' ')
				i++;
			return i;
		}
	}
	return 0;
}

/*
 * The wire dateline at the start of s: a place, maybe a date, maybe an
 * agency in parentheses, and a dash: "CHICAGO (AP) — ", "LONDON, Dec 3
 * (Reuters) - ", "Nova York, 24 set (EFE).- ", "WASHINGTON — ", "Dubai,
 * May 10: ", "(CNN) — ". A place in ordinary case needs the agency or a date before a
 * colon, and the text must go on with a capital: "NASA — the agency..."
 * is prose. Returns the length to skip, or 0.
 */
static size_t
dateline_len(const char *s, size_t len)
{
	size_t i = 0, places = 0, dates = 0, words = 0, at, n, before;
	int caps = 1, agency = 0, colon = 0, month = 0, comma = 0;
	struct tok t, c;
	uint32_t cp;

	for (;;) {
		before = i;
		if (!tok_next(s, len, &i, &t) || ++words > DATELINE_MAX_WORDS)
			return 0;
		at = (size_t)(t.s - s);
		if ((n = agency_len(s + at, len - at)) > 0) {
			agency = 1;
			i = at + n;
			break;
		}
		if (tok_is_dash(t)) {
			i = before;
			break;
		}
		c = tok_core(t);
		if (places > 0 && tok_is_date(t)) {
			dates++;
			month |= !tok_has_digit(c);
		} else if (dates == 0 && (tok_all_caps(c) ||
		    (tok_capitalized(c) && !tok_has_digit(c)))) {
			places++;
			caps &= tok_all_caps(c);
		} else {
			return 0;
		}
		comma |= dates == 0 && t.s[t.len - 1] == ',';
		/* "Dubai, May 10:" ends inside the token. */
		if (t.s[t.len - 1] == ':') {
			i = at + t.len - 1;
			break;
		}
	}
	if (places > 4 || (places == 0 && !agency))
		return 0;
	n = dateline_dash(s + i, len - i, &colon);
	/* The agency alone ("(Reuters) - ") before a dash, or glued to
	 * the text as CNN writes it: "(CNN)The council...". */
	if (places == 0 && (colon || (n == 0 && (i >= len || s[i] == ' '))))
		return 0;
	if (n == 0 && places > 0)
		return 0;
	/* Before a colon, a place, a comma and a month ("Dubai, May 10:"):
	 * "Season 5 Finale:" and "Thanksgiving 2006:" are headings. */
	if (colon ? !(agency || (month && comma)) : !(agency || caps))
		return 0;
	i += n;
	if (i >= len)
		return 0;
	utf8_decode(s + i, len - i, &cp);
	if (!(utf8_lower(cp) != cp || (cp >= '0' && cp <= '9') ||
	    cp == '"' || cp == 0x201C || cp == 0x2018 || cp == '\''))
		return 0;
	return i;
}

/*
 * Captions and credits.
 */

/* A caption's label, before a colon: "Photo: ...". Those marked `by`
 * also open a credit with "by": "Photo by Jane Doe". */
static const struct caption_label {
	const char *words;
	int by;
} caption_labels[] = {
	{ "image", 1 }, { "images", 1 }, { "photo", 1 }, { "photos", 1 },
	{ "photograph", 1 }, { "photography", 1 }, { "picture", 1 },
	{ "pictures", 1 }, { "pic", 1 }, { "illustration", 1 },
	{ "graphic", 1 }, { "video", 1 }, { "credit", 0 }, { "credits", 0 },
	{ "caption", 0 }, { "image attribution", 0 }, { "image credit", 0 },
	{ "image source", 0 }, { "image courtesy", 0 }, { "photo credit", 0 },
	{ "photo courtesy", 0 }, { "picture credit", 0 },
	{ "photo illustration", 0 }, { "file photo", 0 }, { "foto", 1 },
	{ "fotos", 1 }, { "bild", 0 }, { "top image", 0 }, { "main image", 0 },
	{ "header image", 0 }, { "featured image", 0 }, { "cover image", 0 },
	{ "lead image", 0 },
};

/* What a credit in parentheses at the end of a caption opens with. */
static const char *const credit_words[] = {
	"photo", "photos", "photograph", "image", "images", "picture",
	"credit", "getty", "ap", "reuters", "afp", "epa", "shutterstock",
	"istock", "istockphoto", "file", "courtesy", "supplied", "handout",
	"pa", "alamy", "foto", "bild", "video", "illustration", "unsplash",
};

/* The length of a caption label and its colon at s ("Photo by" too), or
 * 0. */
static size_t
caption_label_len(const char *s, size_t len)
{
	size_t i, n;

	for (i = 0; i < NELEM(caption_labels); i++) {
		if (!starts_ci(s, len, caption_labels[i].words))
			continue;
		n = strlen(caption_labels[i].words);
		while (n < len && s[n] == ' ')
			n++;
		if (n < len && s[n] == ':')
			return n + 1;
		if (caption_labels[i].by && starts_ci(s + n, len - n,
		    "by ") &&
		    n + 3 < len && tok_capitalized((struct tok){ s + n + 3,
		    len - n - 3 }))
			return n + 3;
	}
	return 0;
}

/* 1 when s ends with a credit in parentheses: "... (Photo: Getty)",
 * "(AP Photo/Evan Vucci)", "(Getty Images)". */
static int
ends_with_credit(const char *s, size_t len)
{
	const char *open;
	struct tok t;
	size_t i;

	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '.'))
		len--;
	if (len == 0 || s[len - 1] != ')')
		return 0;
	for (open = s + len - 1; open > s && *open != '('; open--)
		;
	if (*open != '(' || (size_t)(s + len - open) > 120)
		return 0;
	i = 1;
	if (!tok_next(open, (size_t)(s + len - open), &i, &t))
		return 0;
	/* "Photo:" "AP" "Getty" ... : its first word, up to '/' or ':'. */
	t = tok_core(t);
	for (i = 0; i < t.len && t.s[i] != '/' && t.s[i] != ':'; i++)
		;
	t.len = i;
	return tok_in(t, credit_words, NELEM(credit_words));
}

static enum para_furniture
caption_kind(const char *s, size_t len, size_t words)
{
	if (words <= CAPTION_MAX_WORDS && caption_label_len(s, len) > 0)
		return PARA_CAPTION;
	if (words <= CAPTION_MAX_WORDS && ends_with_credit(s, len))
		return PARA_CAPTION;
	return PARA_PROSE;
}

/*
 * Links and prompts.
 */

/* A link to the rest of the article, in the languages of the corpus. */
static const char *const more_links[] = {
	"read more", "read full article", "read the full article",
	"read full story", "read the full story", "read the full post",
	"read the rest", "read the full review", "read the rest of",
	"read on", "continue reading", "keep reading", "view full article",
	"view article", "full story", "full article", "see more",
	"learn more", "find out more", "more info", "leia mais",
	"saiba mais", "continue lendo", "leia a mat\xC3\xA9ria",
	"weiterlesen", "mehr lesen", "lire la suite", "lire plus",
	"leer m\xC3\xA1s", "seguir leyendo", "continua a leggere",
	"lees meer", "mehr",
};

/* The words after a "Read more" link that are still the link: nothing,
 * arrows and dots, "at The Site", "(24/09/2018 - 19h22)", a URL. */
static int
is_link_rest(const char *s, size_t len)
{
	static const char *const lead_words[] = { "at", "on", "in", "from",
	    "about", "here", "of", "this", "the", "via" };
	struct tok t;
	size_t i = 0, words = 0, k;
	int first = 1;

	while (tok_next(s, len, &i, &t)) {
		if (tok_core(t).len == 0)
			continue;	/* "»", "...", ">>", "→" */
		if (first && (t.s[0] == '(' || t.s[0] == '[' ||
		    tok_in(tok_core(t), lead_words, NELEM(lead_words)) ||
		    memmem(t.s, t.len, "://", 3) != NULL || t.s[0] == ':'))
			first = 0;
		else if (first)
			return 0;
		if (++words > LINK_REST_MAX_WORDS)
			return 0;
	}
	/* A sentence does not end inside what follows "at": the link
	 * text may end with a stop only at the very end. */
	for (k = 0; len > 0 && k + 1 < len; k++)
		if ((s[k] == '.' || s[k] == '!' || s[k] == '?') &&
		    s[k + 1] == ' ' && k + 2 < len && s[k + 2] >= 'A' &&
		    s[k + 2] <= 'Z')
			return 0;
	return 1;
}

/* The first letters of more_links[]. */
static int
is_more_link_letter(unsigned char c)
{
	switch (ascii_lower(c)) {
	case 'c': case 'f': case 'k': case 'l': case 'm': case 'r': case 's':
	case 'v': case 'w':
		return 1;
	default:
		return 0;
	}
}

/* The length of a "Read more" link at s (its words only) when the rest
 * of [s, s+len) is what may follow one; else 0. */
static size_t
more_link_len(const char *s, size_t len)
{
	size_t i, n;

	if (len == 0 || !is_more_link_letter((unsigned char)s[0]))
		return 0;
	for (i = 0; i < NELEM(more_links); i++) {
		if (!starts_ci(s, len, more_links[i]))
			continue;
		n = strlen(more_links[i]);
		if (n < len && is_word_byte((unsigned char)s[n]))
			continue;
		if (is_link_rest(s + n, len - n))
			return n;
	}
	return 0;
}

/* Imperative prompts, by their first words ("Subscribe to our
 * newsletter", "Follow us on Twitter", "Sign up here to..."); a word
 * that must follow, when there is one, after the '|'. */
static const char *const prompts[] = {
	"share this", "share on", "share via", "share:", "share the story",
	"share the article", "share article", "share story", "tweet this",
	"email this", "e-mail this", "subscribe|to|now|here|today|for|free",
	"sign up|for|to|here|now|today|and|free", "signup", "sign-up",
	"follow us", "follow me", "follow @", "like us on", "join us",
	"join our", "join the conversation", "join the discussion",
	"download our", "download the app", "get our", "get the app",
	"get the latest", "click here", "tap here", "support our",
	"support us", "support independent", "don't miss", "never miss",
	"want more", "listen to the podcast", "watch the video",
	"register now", "download now", "buy now", "order now",
};

/* 1 when s opens with one of the prompts. */
static int
is_prompt_start(const char *s, size_t len)
{
	const char *bar;
	size_t i, n, k;
	char verb[32], next[16];
	struct tok t;

	for (i = 0; i < NELEM(prompts); i++) {
		if (len == 0 || ascii_lower((unsigned char)s[0]) !=
		    (unsigned char)prompts[i][0])
			continue;	/* most paragraphs, at once */
		bar = strchr(prompts[i], '|');
		n = bar ? (size_t)(bar - prompts[i]) : strlen(prompts[i]);
		memcpy(verb, prompts[i], n);
		verb[n] = '\0';
		if (!starts_ci(s, len, verb) || (n < len &&
		    is_word_byte((unsigned char)s[n - 1]) &&
		    is_word_byte((unsigned char)s[n])))
			continue;
		if (bar == NULL)
			return 1;
		k = n;
		if (!tok_next(s, len, &k, &t))
			return 1;
		t = tok_core(t);
		for (bar++; *bar != '\0'; bar += strcspn(bar, "|") +
		    (bar[strcspn(bar, "|")] == '|')) {
			n = strcspn(bar, "|");
			if (n < sizeof(next)) {
				memcpy(next, bar, n);
				next[n] = '\0';
				if (tok_is(t, next))
					return 1;
			}
		}
	}
	return 0;
}

/* Labels of boxes: the whole paragraph, or its start before a colon. */
static const char *const labels[] = {
	"advertisement", "advertisements", "advertising", "ad", "ads",
	"sponsored", "sponsored content", "paid content", "promoted",
	"partner content", "related", "related content", "related stories",
	"related articles", "related links", "more", "more on this story",
	"see also", "also read", "read also", "read next", "up next",
	"watch", "listen", "recommended", "further reading", "most read",
	"most popular", "more stories", "you may also like", "trending",
	"editor's picks", "top stories", "in pictures",
};

static int
is_label(const char *s, size_t len)
{
	size_t i, n, k;

	for (i = 0; i < NELEM(labels); i++) {
		if (!starts_ci(s, len, labels[i]))
			continue;
		n = strlen(labels[i]);
		k = n;
		while (k < len && s[k] == ' ')
			k++;
		if (k < len && s[k] == ':')
			return 1;
		/* The label alone, with decoration: "ADVERTISEMENT", "Ad -". */
		while (k < len && !is_word_byte((unsigned char)s[k]))
			k++;
		if (k == len && (n == len ||
		    !is_word_byte((unsigned char)s[n])))
			return 1;
	}
	return 0;
}

/* An ad's label with a few words around it, never a sentence: "Story
 * continues below advertisement", "Advertisement - Scroll to continue". */
static int
is_ad_label(const char *s, size_t len, size_t words)
{
	size_t i = 0;
	struct tok t;

	if (words > AD_LABEL_MAX_WORDS || para_ends_sentence(s, len))
		return 0;
	while (tok_next(s, len, &i, &t))
		if (tok_is(tok_core(t), "advertisement"))
			return 1;
	return 0;
}

/*
 * Notes about the article rather than the article: WordPress's "The
 * post X appeared first on Y.", syndication ("A version of this post
 * originally appeared in..."), series and membership notes ("This story
 * is currently available to Medium Members").
 */
/* Each holds "this", where refers_to_itself() looks for it. */
static const char *const self_refs[] = {
	"this post", "this article", "this story", "this piece",
	"this essay", "this column", "this episode", "this interview",
	"this review", "this report", "a version of this", "this is another",
	"this is the first", "this is the second", "this is the third",
	"this is part", "this blog",
};

static const char *const note_cues[] = {
	"originally published", "originally appeared", "first published",
	"first appeared", "appeared first", "also appeared", "republished",
	"reprinted", "is currently available", "is now available",
	"now unlocked", "available only to", "members only",
	"subscribers only", "in our series", "series on", "of a series",
	"of our series",
};

/* "The post <Title> appeared first on <Site>." at s: its length to the
 * end of that sentence, or 0. */
static size_t
post_appeared_len(const char *s, size_t len)
{
	const char *p;
	size_t k;

	if (len < 30 || memcmp(s, "The post ", 9) != 0 ||
	    !tok_capitalized((struct tok){ s + 9, len - 9 }))
		return 0;
	p = memmem(s, len, " appeared first on ", 19);
	if (p == NULL)
		return 0;
	k = (size_t)(p - s) + 19;
	while (k < len && !(s[k] == '.' && (k + 1 == len || s[k + 1] == ' ')))
		k++;
	return k < len ? k + 1 : len;
}

/* Where needle (n bytes) occurs in [s, s+len), the first time, or the
 * last when last; NULL if nowhere. Found by memchr() for its byte at
 * anchor, vectorized and picked rare, where memmem() would hash every
 * byte of a paragraph. */
static const char *
find_at(const char *s, size_t len, const char *needle, size_t n,
    size_t anchor, int last)
{
	const char *p, *end = s + len, *found = NULL;

	if (len < n)
		return NULL;
	p = s + anchor;
	while (p < end - (n - 1 - anchor) && (p = memchr(p, needle[anchor],
	    (size_t)(end - (n - 1 - anchor) - p))) != NULL) {
		if (memcmp(p - anchor, needle, n) == 0) {
			found = p - anchor;
			if (!last)
				break;
		}
		p++;
	}
	return found;
}

/* 1 when s holds one of self_refs[], case aside: each "this" in it is
 * read once, rather than s searched once a phrase. */
static int
refers_to_itself(const char *s, size_t len)
{
	const char *p = s + 1, *r;
	size_t i, at, off, n, from;

	while (p < s + len && (p = find_at(p, len - (size_t)(p - s), "his",
	    3, 0, 0)) != NULL) {
		at = (size_t)(p - 1 - s);
		p += 3;
		if (ascii_lower((unsigned char)s[at]) != 't')
			continue;
		for (i = 0; i < NELEM(self_refs); i++) {
			r = strstr(self_refs[i], "this");
			off = (size_t)(r - self_refs[i]);
			n = strlen(self_refs[i]);
			if (at < off)
				continue;
			from = at - off;	/* where the phrase starts */
			if (starts_ci(s + from, len - from, self_refs[i]) &&
			    (from == 0 || !is_word_byte((unsigned char)
			    s[from - 1])) && (from + n == len ||
			    !is_word_byte((unsigned char)s[from + n])))
				return 1;
		}
	}
	return 0;
}

/* A note refers to itself ("this post", "a version of this") or is
 * Medium's footer ("was originally published"): most paragraphs are
 * passed over after a scan for the "his" of "this" and one for
 * "riginally", and are never lower-cased. */
static int
is_note(const char *s, size_t len, size_t words)
{
	char buf[1024];
	size_t i, n = len < sizeof(buf) ? len : sizeof(buf) - 1;
	int self;

	if (words > NOTE_MAX_WORDS)
		return 0;
	self = refers_to_itself(s, len);
	if (!self && find_at(s, len, "riginally", 9, 2, 0) == NULL)
		return 0;
	lower_copy(buf, s, n);
	/* Medium's footer names no post: "X was originally published in Y
	 * on Medium, where people are continuing the conversation..." */
	if (!self && !(has_phrase(buf, n, "was originally published in") &&
	    has_phrase(buf, n, "on")))
		return 0;
	for (i = 0; i < NELEM(note_cues); i++)
		if (has_phrase(buf, n, note_cues[i]))
			return 1;
	return 0;
}

enum para_furniture
para_furniture(const char *s, size_t len)
{
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\n'))
		len--;
	return para_furniture_words(s, len, para_words(s, len));
}

enum para_furniture
para_furniture_words(const char *s, size_t len, size_t words)
{
	enum para_furniture kind;

	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\n'))
		len--;
	if (len == 0)
		return PARA_PROSE;
	/* Nothing longer is furniture; one word can only be a label. */
	if (words > NOTE_MAX_WORDS)
		return PARA_PROSE;
	if (words <= 1)
		return is_label(s, len) ? PARA_LABEL : PARA_PROSE;
	if (words <= PROMPT_MAX_WORDS && (more_link_len(s, len) > 0 ||
	    is_prompt_start(s, len)))
		return PARA_PROMPT;
	if (words <= PROMPT_MAX_WORDS && (is_label(s, len) ||
	    is_ad_label(s, len, words)))
		return PARA_LABEL;
	if ((kind = caption_kind(s, len, words)) != PARA_PROSE)
		return kind;
	if ((kind = byline_kind(s, len, words)) != PARA_PROSE)
		return kind;
	if (is_date_line(s, len, words))
		return PARA_DATELINE;
	/* Last: the one test that reads the whole paragraph. */
	return post_appeared_len(s, len) == len || is_note(s, len, words) ?
	    PARA_NOTE : PARA_PROSE;
}

const char *
para_furniture_name(enum para_furniture kind)
{
	static const char *const names[] = { "prose", "byline", "dateline",
	    "caption", "prompt", "label", "note" };

	return (size_t)kind < NELEM(names) ? names[kind] : "prose";
}

/* A byline set off from the text by a separator: "By Jane Doe | The
 * council...", "By Jane Doe — The council...". Returns the length to
 * skip, or 0. */
static size_t
byline_lead_in(const char *s, size_t len)
{
	static const char *const seps[] = { " | ", " \xE2\x80\x94 ",
	    " \xE2\x80\x93 ", " - ", " :: " };
	const char *sep, *best = NULL;
	size_t i, n = 0, at;
	int forum;

	if (byline_intro(s, len, &forum) == 0 || forum)
		return 0;
	for (i = 0; i < NELEM(seps); i++) {
		sep = memmem(s, len < 200 ? len : 200, seps[i],
		    strlen(seps[i]));
		if (sep != NULL && (best == NULL || sep < best)) {
			best = sep;
			n = strlen(seps[i]);
		}
	}
	if (best == NULL || byline_kind(s, (size_t)(best - s),
	    para_words(s, (size_t)(best - s))) != PARA_BYLINE)
		return 0;
	at = (size_t)(best - s) + n;
	return at < len && tok_capitalized((struct tok){ s + at, len - at }) ?
	    at : 0;
}

size_t
para_lead_in(const char *s, size_t len)
{
	size_t n = dateline_len(s, len);

	return n > 0 ? n : byline_lead_in(s, len);
}

/* A link label in brackets ending at s[len - 1]: "[link]", "[12
 * comments]", "[source]". Returns where its '[' is, or len. */
static size_t
bracket_label_start(const char *s, size_t len)
{
	static const char *const words[] = { "link", "comments", "comment",
	    "source", "video", "more", "pdf", "image", "audio", "web" };
	size_t open, i = 0;
	struct tok t;

	if (len == 0 || s[len - 1] != ']')
		return len;
	for (open = len - 1; open > 0 && s[open] != '[' && len - open < 40;
	    open--)
		;
	if (s[open] != '[')
		return len;
	i = open + 1;
	while (tok_next(s, len - 1, &i, &t))
		if (tok_in(tok_core(t), words, NELEM(words)))
			return open;
	return len;
}

/* The start of "submitted by x to y [link] [3 comments]" at the end of s,
 * or len. */
static size_t
forum_tail_start(const char *s, size_t len)
{
	size_t end = len, at, words;
	const char *last;
	int nlabels = 0;

	while (end > 0) {
		while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\n'))
			end--;
		at = bracket_label_start(s, end);
		if (at == end)
			break;
		end = at;
		nlabels++;
	}
	last = find_at(s, len, "submitted by", 12, 2, 1);
	if (last == NULL) {
		while (nlabels > 0 && end > 0 && s[end - 1] == ' ')
			end--;
		return nlabels > 0 ? end : len;
	}
	words = para_words(last, (size_t)(s + end - last));
	if (words > 15)
		return nlabels > 0 ? end : len;
	return (size_t)(last - s);
}

/* 1 when a white space character ends [s, s+j) (j > 0). */
static int
space_before(const char *s, size_t j)
{
	size_t k = j - 1;

	if ((unsigned char)s[k] < 0x80)
		return is_ascii_space((unsigned char)s[k]);
	while (k > 0 && j - k < 4 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	return space_at(s + k, j - k) == j - k;
}

/* Where a capitalized "Read more"-like link glued to the end of s
 * starts, or len. Its words are found by their first byte, a capital
 * that begins a link, after white space: no tokens are made. */
static size_t
more_tail_start(const char *s, size_t len)
{
	size_t i, j, words = 0;
	unsigned char c;

	/* The last few words only: back over as many spaces. */
	for (i = len; i > 0 && words <= TAIL_SCAN_WORDS; i--)
		words += s[i - 1] == ' ' && i < len && s[i] != ' ';
	for (j = i > 0 ? i : 1; j < len; j++) {
		c = (unsigned char)s[j];
		if (c < 'A' || c > 'Z' || !is_more_link_letter(c) ||
		    !space_before(s, j))
			continue;
		if (more_link_len(s + j, len - j) > 0)
			return j;
	}
	return len;
}

/* Where "The post X appeared first on Y." ends s, or len. */
static size_t
post_tail_start(const char *s, size_t len)
{
	const char *last = find_at(s, len, "The post ", 9, 0, 1);

	if (last == NULL || post_appeared_len(last, len - (size_t)(last - s))
	    != len - (size_t)(last - s))
		return len;
	return (size_t)(last - s);
}

size_t
para_tail_start(const char *s, size_t len)
{
	size_t end = len, at, round;

	/* A few tails at most: "... Continue reading... [link]". */
	for (round = 0; round < 4; round++) {
		while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\n'))
			end--;
		at = forum_tail_start(s, end);
		if (at == end)
			at = more_tail_start(s, end);
		if (at == end)
			at = post_tail_start(s, end);
		if (at == end)
			break;
		end = at;
	}
	return end;
}
