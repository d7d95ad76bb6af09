/*
 * sentence: rule-based English sentence boundaries.
 *
 * The scan jumps from one candidate byte to the next through a byte table
 * ('.', '?', '!', '\n', ')' and 0xE2, the lead byte of "…", "•", "‼", the
 * paragraph separator...) and decides only there, so ordinary words cost
 * one table lookup per byte. A decision looks at a bounded window around
 * the candidate: the word before it (at most TOKEN_MAX bytes), the
 * punctuation run and closing quotes after it, and the next word. Every
 * step moves forward, so the iterator terminates on any input, valid UTF-8
 * or not, in time linear in its length.
 *
 * What ends a sentence, in the order it is decided:
 *  - a paragraph break (two newlines with only white space between, or
 *    U+2029) always does;
 *  - a list item does, before it: a bullet after white space, a list
 *    marker ("1.", "2)", "b.", "(3)") at the start of a line, or the
 *    marker that follows the one the sentence started with ("1. x 2. y");
 *  - a run of '?' / '!' does unless a lower-case word follows ("Yahoo! in");
 *  - a period after an ordinary word or a number does unless a lower-case
 *    word follows; after an abbreviation it depends on the abbreviation's
 *    class (see abbrevs[]) and on the next word (see starters[]);
 *  - an ellipsis does when it is a period plus an ellipsis ("that....",
 *    ". . . ."), or when "..." is glued to a word and a capital follows.
 */
#include "sentence.h"

#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The longest word looked at before a period: no abbreviation is longer,
 * and it keeps a period after a megabyte without spaces cheap. */
#define TOKEN_MAX 32
/* The longest next word looked up among sentence starters. */
#define WORD_MAX 16
/* A fronted phrase ("At 5 a.m. Mr. Smith left") is this short. */
#define FRONTED_MAX_BYTES 48
#define FRONTED_MAX_WORDS 3

enum scan_class {
	SC_NONE = 0,
	SC_STOP,	/* . ? ! */
	SC_NEWLINE,
	SC_PAREN,	/* ) ends a list marker such as "2)" */
	SC_E2		/* lead byte of U+2000..U+2FFF */
};

/* scan_next() below must look for exactly the bytes listed here. */
static const unsigned char scan_table[256] = {
	['.'] = SC_STOP, ['?'] = SC_STOP, ['!'] = SC_STOP,
	['\n'] = SC_NEWLINE, [')'] = SC_PAREN, [0xE2] = SC_E2,
};

/* What an abbreviation allows after its period. */
enum {
	AB_NOBREAK = 1,	/* a title or "e.g.": the sentence goes on */
	AB_DIGIT = 2,	/* "No. 3", "p. 55", "Jan. 5": goes on before a digit */
	AB_STARTER = 4,	/* ends only before a capitalised sentence starter */
	AB_CAPITAL = 8	/* only when written with a capital ("Mar." not "mar.") */
};

/* The longest key in abbrevs[], in bytes: longer words skip the search. */
#define ABBREV_LEN_MAX 6

struct abbrev {
	const char *key;	/* lower case, without the final period */
	unsigned flags;
};

/* Sorted by byte value (LC_ALL=C sort) for the binary search. Words that
 * are also ordinary English words ("no", "art", "sec") only take AB_DIGIT,
 * so "The answer was no. Officials..." still ends. Multi-period ones not
 * listed (U.S., E.U., Ph.D.) are recognised by their shape. */
static const struct abbrev abbrevs[] = {
	{ "a.m", AB_STARTER },
	{ "adm", AB_NOBREAK },
	{ "al", AB_STARTER },
	{ "approx", AB_NOBREAK },
	{ "apr", AB_DIGIT | AB_CAPITAL },
	{ "art", AB_DIGIT },
	{ "assn", AB_STARTER },
	{ "atty", AB_NOBREAK },
	{ "aug", AB_DIGIT | AB_CAPITAL },
	{ "ave", AB_STARTER },
	{ "bldg", AB_STARTER },
	{ "blvd", AB_STARTER },
	{ "brig", AB_NOBREAK },
	{ "bros", AB_STARTER },
	{ "ca", AB_DIGIT | AB_STARTER },
	{ "capt", AB_NOBREAK },
	{ "cdr", AB_NOBREAK },
	{ "cf", AB_NOBREAK },
	{ "ch", AB_DIGIT | AB_STARTER },
	{ "chap", AB_DIGIT | AB_STARTER },
	{ "cmdr", AB_NOBREAK },
	{ "co", AB_STARTER },
	{ "col", AB_NOBREAK },
	{ "corp", AB_STARTER },
	{ "cpl", AB_NOBREAK },
	{ "dec", AB_DIGIT | AB_CAPITAL },
	{ "dept", AB_STARTER },
	{ "det", AB_NOBREAK },
	{ "dist", AB_STARTER },
	{ "dr", AB_NOBREAK },
	{ "drs", AB_NOBREAK },
	{ "e.g", AB_NOBREAK },
	{ "ed", AB_DIGIT },
	{ "eq", AB_DIGIT | AB_STARTER },
	{ "eqs", AB_DIGIT | AB_STARTER },
	{ "esp", AB_NOBREAK },
	{ "esq", AB_STARTER },
	{ "est", AB_STARTER },
	{ "etc", AB_STARTER },
	{ "ext", AB_DIGIT },
	{ "feb", AB_DIGIT | AB_CAPITAL },
	{ "fig", AB_DIGIT | AB_STARTER },
	{ "figs", AB_DIGIT | AB_STARTER },
	{ "fr", AB_NOBREAK },
	{ "ft", AB_STARTER },
	{ "gen", AB_NOBREAK },
	{ "gov", AB_NOBREAK },
	{ "govt", AB_STARTER },
	{ "hon", AB_NOBREAK },
	{ "hr", AB_STARTER },
	{ "hrs", AB_STARTER },
	{ "hwy", AB_STARTER },
	{ "i.e", AB_NOBREAK },
	{ "inc", AB_STARTER },
	{ "insp", AB_NOBREAK },
	{ "intl", AB_STARTER },
	{ "jan", AB_DIGIT | AB_CAPITAL },
	{ "jr", AB_STARTER },
	{ "jul", AB_DIGIT | AB_CAPITAL },
	{ "jun", AB_DIGIT | AB_CAPITAL },
	{ "lb", AB_STARTER },
	{ "lbs", AB_STARTER },
	{ "llc", AB_STARTER },
	{ "lt", AB_NOBREAK },
	{ "ltd", AB_STARTER },
	{ "maj", AB_NOBREAK },
	{ "mar", AB_DIGIT | AB_CAPITAL },
	{ "messrs", AB_NOBREAK },
	{ "mfg", AB_STARTER },
	{ "mgr", AB_STARTER },
	{ "mlle", AB_NOBREAK },
	{ "mme", AB_NOBREAK },
	{ "mos", AB_STARTER },
	{ "mr", AB_NOBREAK },
	{ "mrs", AB_NOBREAK },
	{ "ms", AB_NOBREAK },
	{ "msgr", AB_NOBREAK },
	{ "mt", AB_NOBREAK },
	{ "natl", AB_STARTER },
	{ "no", AB_DIGIT },
	{ "nos", AB_DIGIT },
	{ "nov", AB_DIGIT | AB_CAPITAL },
	{ "nr", AB_DIGIT },
	{ "n\xc2\xb0", AB_DIGIT },	/* n° */
	{ "n\xc2\xba", AB_DIGIT },	/* nº */
	{ "oct", AB_DIGIT | AB_CAPITAL },
	{ "op", AB_DIGIT },
	{ "oz", AB_STARTER },
	{ "p", AB_DIGIT | AB_STARTER },
	{ "p.m", AB_STARTER },
	{ "para", AB_DIGIT },
	{ "pg", AB_DIGIT | AB_STARTER },
	{ "plc", AB_STARTER },
	{ "pp", AB_DIGIT | AB_STARTER },
	{ "pres", AB_NOBREAK },
	{ "prof", AB_NOBREAK },
	{ "pt", AB_DIGIT },
	{ "pty", AB_STARTER },
	{ "rd", AB_STARTER },
	{ "ref", AB_DIGIT },
	{ "refs", AB_DIGIT },
	{ "rep", AB_NOBREAK },
	{ "reps", AB_NOBREAK },
	{ "rev", AB_NOBREAK },
	{ "sec", AB_DIGIT },
	{ "sect", AB_DIGIT | AB_STARTER },
	{ "sen", AB_NOBREAK },
	{ "sens", AB_NOBREAK },
	{ "sep", AB_DIGIT | AB_CAPITAL },
	{ "sept", AB_DIGIT | AB_CAPITAL },
	{ "sgt", AB_NOBREAK },
	{ "sq", AB_STARTER },
	{ "sr", AB_STARTER },
	{ "st", AB_STARTER },
	{ "supt", AB_NOBREAK },
	{ "tel", AB_DIGIT },
	{ "univ", AB_STARTER },
	{ "viz", AB_NOBREAK },
	{ "vol", AB_DIGIT | AB_STARTER },
	{ "vols", AB_DIGIT | AB_STARTER },
	{ "vs", AB_NOBREAK },
	{ "wk", AB_STARTER },
	{ "yr", AB_STARTER },
	{ "yrs", AB_STARTER },
};

/* Capitalised words that begin sentences far more often than they follow
 * "U.S." or an initial inside one: after an AB_STARTER abbreviation the
 * sentence ends only before one of these ("U.S. How..." but "U.S.
 * Government"). Titles are here so that "6 P.M. Mr. Smith" ends; "Sen.",
 * "Under", "First" are not, as in "U.S. Sen. Warren". Sorted. */
static const char *const starters[] = {
	"a", "about", "according", "after", "again", "all", "also",
	"although", "among", "an", "and", "another", "any", "anyone",
	"are", "as", "at", "because", "before", "both", "but", "by", "can",
	"could", "despite", "did", "do", "does", "dr", "during", "each",
	"either", "even", "every", "few", "finally", "for", "from",
	"further", "furthermore", "had", "has", "have", "he", "her", "here",
	"his", "how", "however", "i", "if", "in", "indeed", "instead", "is",
	"it", "its", "just", "last", "later", "let", "many", "meanwhile",
	"more", "moreover", "most", "mr", "mrs", "ms", "much", "my",
	"neither", "never", "nevertheless", "next", "no", "nobody", "none",
	"nor", "not", "nothing", "now", "of", "on", "once", "one", "only",
	"or", "other", "others", "our", "perhaps", "prof", "rather",
	"several", "she", "since", "so", "some", "someone", "something",
	"soon", "still", "such", "that", "the", "their", "then", "there",
	"therefore", "these", "they", "this", "those", "though", "thus",
	"to", "today", "tomorrow", "too", "unlike", "until", "was", "we",
	"were", "what", "whatever", "when", "where", "whether", "which",
	"while", "who", "whom", "whose", "why", "with", "within", "without",
	"would", "yes", "yesterday", "yet", "you", "your",
};

/* A sentence that opens with one of these and reaches an abbreviation
 * within FRONTED_MAX_WORDS words is an introductory phrase, not a
 * sentence: "At 5 a.m. Mr. Smith went to the bank." Sorted. */
static const char *const prepositions[] = {
	"about", "after", "around", "at", "before", "by", "during", "from",
	"in", "on", "since", "till", "until",
};

/* The kind of list marker a sentence starts with; a later marker of the
 * same kind and the next value starts a new sentence. */
enum list_style {
	LIST_NONE = 0,
	LIST_DOT,	/* 1.   a. */
	LIST_PAREN,	/* 1)   a) */
	LIST_DOT_PAREN,	/* 1.) */
	LIST_BOTH	/* (1)  (a) */
};

struct marker {
	enum list_style style;
	int letter;	/* a. b. rather than 1. 2. */
	long value;
	size_t len;
};

/* One call's view of the text: the sentence being grown and its list. */
struct scan {
	const unsigned char *s;
	size_t n;
	size_t start;
	struct marker list;
};

/* How a candidate was decided. */
struct verdict {
	int end;	/* 1: the sentence ends at pos; 0: go on from pos */
	size_t pos;
};

enum next_kind { NEXT_END, NEXT_LOWER, NEXT_UPPER, NEXT_DIGIT, NEXT_OTHER };

/* The word after a stop: what it starts with and, lower-cased, its first
 * WORD_MAX - 1 ASCII letters. */
struct next_word {
	enum next_kind kind;
	char word[WORD_MAX];
	size_t len;
	int paragraph;	/* the white space before it held a paragraph break */
	int line_item;	/* it starts a line and is a list item */
};

static size_t
space_len_wide(const unsigned char *s, size_t i, size_t n)
{
	unsigned c = s[i];

	if (c == 0xC2)
		return i + 1 < n && (s[i + 1] == 0x85 || s[i + 1] == 0xA0) ?
		    2 : 0;
	if (i + 2 >= n)
		return 0;
	if (c == 0xE2) {	/* U+2000..200B, 2028, 2029, 202F, 205F */
		if (s[i + 1] == 0x80)
			return (s[i + 2] >= 0x80 && s[i + 2] <= 0x8B) ||
			    s[i + 2] == 0xA8 || s[i + 2] == 0xA9 ||
			    s[i + 2] == 0xAF ? 3 : 0;
		return s[i + 1] == 0x81 && s[i + 2] == 0x9F ? 3 : 0;
	}
	if (c == 0xE3)
		return s[i + 1] == 0x80 && s[i + 2] == 0x80 ? 3 : 0;
	if (c == 0xEF)
		return s[i + 1] == 0xBB && s[i + 2] == 0xBF ? 3 : 0;
	return 0;
}

/* The length of the white space character at s[i], or 0. The same set as
 * utf8_is_space(), matched on bytes so the scan never decodes; ASCII, by
 * far the most common, is decided inline. */
static inline size_t
space_len(const unsigned char *s, size_t i, size_t n)
{
	unsigned c = s[i];

	if (c < 0x80)
		return c == ' ' || (c >= '\t' && c <= '\r');
	return space_len_wide(s, i, n);
}

/* The length of the white space character that ends just before s[i]
 * (not reaching below lo), or 0. Lead bytes are never continuation bytes,
 * so this agrees with a forward decode. */
static size_t
space_len_before(const unsigned char *s, size_t lo, size_t i)
{
	if (i > lo && s[i - 1] < 0x80)
		return space_len(s, i - 1, i);
	if (i >= lo + 2 && s[i - 2] == 0xC2)
		return space_len(s, i - 2, i) == 2 ? 2 : 0;
	if (i >= lo + 3 && space_len(s, i - 3, i) == 3)
		return 3;
	return 0;
}

static size_t
skip_space(const unsigned char *s, size_t i, size_t n)
{
	size_t k;

	while (i < n && (k = space_len(s, i, n)) > 0)
		i += k;
	return i;
}

static size_t
trim_back(const unsigned char *s, size_t lo, size_t i)
{
	size_t k;

	while (i > lo && (k = space_len_before(s, lo, i)) > 0)
		i -= k;
	return i;
}

static int
is_paragraph_sep(const unsigned char *s, size_t i, size_t n)
{
	return i + 2 < n && s[i] == 0xE2 && s[i + 1] == 0x80 &&
	    s[i + 2] == 0xA9;
}

/* A sentence stop at s[i]: returns its length and adds the dots it
 * stands for to *dots ("…" is three); 0 when s[i] is none. */
static size_t
stop_len(const unsigned char *s, size_t i, size_t n, int *dots)
{
	if (s[i] == '.') {
		*dots += 1;
		return 1;
	}
	if (s[i] == '?' || s[i] == '!')
		return 1;
	if (s[i] != 0xE2 || i + 2 >= n)
		return 0;
	if (s[i + 1] == 0x80 && s[i + 2] == 0xA6) {	/* … */
		*dots += 3;
		return 3;
	}
	if ((s[i + 1] == 0x80 && (s[i + 2] == 0xBC || s[i + 2] == 0xBD)) ||
	    (s[i + 1] == 0x81 && s[i + 2] >= 0x87 && s[i + 2] <= 0x89))
		return 3;	/* ‼ ‽ ⁇ ⁈ ⁉ */
	return 0;
}

/* Closing quotes and brackets that stay with the sentence they end. */
static size_t
closer_len(const unsigned char *s, size_t i, size_t n)
{
	switch (s[i]) {
	case '"': case '\'': case ')': case ']': case '}': case '*':
		return 1;
	case 0xC2:	/* » */
		return i + 1 < n && s[i + 1] == 0xBB ? 2 : 0;
	case 0xE2:	/* ’ ” › */
		return i + 2 < n && s[i + 1] == 0x80 && (s[i + 2] == 0x99 ||
		    s[i + 2] == 0x9D || s[i + 2] == 0xBA) ? 3 : 0;
	default:
		return 0;
	}
}

/* Opening quotes, brackets and dashes before a word. */
static size_t
opener_len(const unsigned char *s, size_t i, size_t n)
{
	switch (s[i]) {
	case '"': case '\'': case '(': case '[': case '{': case '*':
		return 1;
	case 0xC2:	/* « ¡ ¿ */
		return i + 1 < n && (s[i + 1] == 0xAB || s[i + 1] == 0xA1 ||
		    s[i + 1] == 0xBF) ? 2 : 0;
	case 0xE2:	/* ‘ “ – — ‹ */
		return i + 2 < n && s[i + 1] == 0x80 && (s[i + 2] == 0x98 ||
		    s[i + 2] == 0x9C || s[i + 2] == 0x93 || s[i + 2] == 0x94 ||
		    s[i + 2] == 0xB9) ? 3 : 0;
	default:
		return 0;
	}
}

/* A bullet at s[i]: • ‣ ⁃ ▪ ◦ ●. */
static size_t
bullet_len(const unsigned char *s, size_t i, size_t n)
{
	if (s[i] != 0xE2 || i + 2 >= n)
		return 0;
	if ((s[i + 1] == 0x80 && (s[i + 2] == 0xA2 || s[i + 2] == 0xA3)) ||
	    (s[i + 1] == 0x81 && s[i + 2] == 0x83) ||
	    (s[i + 1] == 0x96 && s[i + 2] == 0xAA) ||
	    (s[i + 1] == 0x97 && (s[i + 2] == 0xA6 || s[i + 2] == 0x8F)))
		return 3;
	return 0;
}

static int
is_digit(unsigned c)
{
	return c >= '0' && c <= '9';
}

static int
is_lower(unsigned c)
{
	return c >= 'a' && c <= 'z';
}

static int
is_upper(unsigned c)
{
	return c >= 'A' && c <= 'Z';
}

/* A list marker at s[i]: "12." "3)" "4.)" "(5)" "b." "(c)", followed by
 * white space. Capital letters are left out: "A. Smith" is an initial. */
static int
marker_parse(const unsigned char *s, size_t i, size_t n, struct marker *m)
{
	size_t j = i, digits = 0;
	int open = 0;

	if (j < n && s[j] == '(') {
		open = 1;
		j++;
	}
	m->value = 0;
	m->letter = 0;
	while (j < n && is_digit(s[j]) && digits < 4) {
		m->value = m->value * 10 + (s[j] - '0');
		digits++;
		j++;
	}
	if (digits == 0 && j < n && is_lower(s[j])) {
		m->letter = 1;
		m->value = s[j] - 'a';
		j++;
	} else if (digits == 0 || digits > 3) {
		return 0;
	}
	if (j >= n)
		return 0;
	if (open) {
		if (s[j] != ')')
			return 0;
		m->style = LIST_BOTH;
		j++;
	} else if (s[j] == ')') {
		m->style = LIST_PAREN;
		j++;
	} else if (s[j] == '.' && j + 1 < n && s[j + 1] == ')') {
		m->style = LIST_DOT_PAREN;
		j += 2;
	} else if (s[j] == '.') {
		m->style = LIST_DOT;
		j++;
	} else {
		return 0;
	}
	if (j >= n || space_len(s, j, n) == 0)
		return 0;
	m->len = j - i;
	return 1;
}

/* Something at s[i] that starts a list item when it starts a line: a
 * bullet, "- " or "* ", or a list marker. */
static int
is_line_item(const unsigned char *s, size_t i, size_t n)
{
	struct marker m;

	if (bullet_len(s, i, n) > 0)
		return 1;
	if ((s[i] == '-' || s[i] == '*') && i + 1 < n && s[i + 1] == ' ')
		return 1;
	return marker_parse(s, i, n, &m);
}

/* strcmp() without the call: most comparisons stop at the first byte. */
static inline int
key_cmp(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

/* Binary search of key among count elements of size bytes, each one
 * starting with its key (a const char *, as the first member of a struct
 * may be reached through a pointer to the struct): the element or NULL. */
static const void *
sorted_find(const char *key, const void *base, size_t count, size_t size)
{
	size_t lo = 0, hi = count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const void *elem = (const char *)base + mid * size;
		/* The analyzer loses the static table behind the byte stride. */
		/* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage) */
		int c = key_cmp(key, *(const char *const *)elem);

		if (c == 0)
			return elem;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int
in_sorted(const char *word, const char *const *list, size_t count)
{
	return sorted_find(word, list, count, sizeof(*list)) != NULL;
}

static const struct abbrev *
abbrev_find(const char *key)
{
	return sorted_find(key, abbrevs, sizeof(abbrevs) / sizeof(abbrevs[0]),
	    sizeof(abbrevs[0]));
}

/* Whether a character at s[i] (not ASCII) is a lower-case letter, for
 * the common European scripts; anything else counts as not lower. */
static int
is_lower_wide(const unsigned char *s, size_t i, size_t n)
{
	uint32_t cp;

	if (s[i] >= 0xC2 && s[i] <= 0xDF && i + 1 < n &&
	    (s[i + 1] & 0xC0) == 0x80)
		cp = ((uint32_t)(s[i] & 0x1F) << 6) | (s[i + 1] & 0x3F);
	else
		return 0;
	if (cp >= 0xDF && cp <= 0xFF)
		return cp != 0xF7;
	if (cp >= 0x100 && cp <= 0x17F)
		return cp & 1;
	if (cp >= 0x3B1 && cp <= 0x3C9)
		return 1;
	return cp >= 0x430 && cp <= 0x45F;
}

/* Looks at what follows the white space after a stop at s[i]. */
static void
next_word_read(const struct scan *sc, size_t i, struct next_word *w)
{
	const unsigned char *s = sc->s;
	size_t n = sc->n, k, j, newlines = 0, openers = 0;

	w->paragraph = 0;
	w->line_item = 0;
	w->len = 0;
	w->word[0] = '\0';
	while (i < n && (k = space_len(s, i, n)) > 0) {
		newlines += s[i] == '\n';
		if (is_paragraph_sep(s, i, n))
			newlines += 2;
		i += k;
	}
	w->paragraph = newlines >= 2;
	if (i >= n) {
		w->kind = NEXT_END;
		return;
	}
	w->line_item = newlines > 0 && is_line_item(s, i, n);
	while (i < n && openers < 4 && (k = opener_len(s, i, n)) > 0) {
		i += k;
		openers++;
	}
	if (i >= n) {
		w->kind = NEXT_OTHER;
		return;
	}
	if (is_lower(s[i]) || is_lower_wide(s, i, n))
		w->kind = NEXT_LOWER;
	else if (is_digit(s[i]))
		w->kind = NEXT_DIGIT;
	else if (is_upper(s[i]) || s[i] >= 0xC3)
		w->kind = NEXT_UPPER;
	else
		w->kind = NEXT_OTHER;
	if (w->kind != NEXT_UPPER)
		return;
	for (j = i; j < n && j - i < WORD_MAX - 1 &&
	    (is_upper(s[j]) || is_lower(s[j])); j++)
		w->word[j - i] = (char)(s[j] | 0x20);
	if (j < n && (is_upper(s[j]) || is_lower(s[j])))
		return;	/* too long to be a starter */
	w->len = j - i;
	w->word[w->len] = '\0';
}

static int
next_is_starter(const struct next_word *w)
{
	return w->kind == NEXT_UPPER && w->len > 0 && in_sorted(w->word,
	    starters, sizeof(starters) / sizeof(starters[0]));
}

/* Whether the sentence so far, up to the abbreviation at tok, is only a
 * short introductory phrase ("At 5 a.m."). */
static int
is_fronted(const struct scan *sc, size_t tok)
{
	const unsigned char *s = sc->s;
	char first[8];
	size_t i = sc->start, len = 0, words = 0;

	if (tok - sc->start > FRONTED_MAX_BYTES)
		return 0;
	while (i < tok && len < sizeof(first) - 1 &&
	    (is_upper(s[i]) || is_lower(s[i])))
		first[len++] = (char)(s[i++] | 0x20);
	first[len] = '\0';
	if (len == 0 || !in_sorted(first, prepositions,
	    sizeof(prepositions) / sizeof(prepositions[0])))
		return 0;
	for (i = sc->start; i < tok; i++)
		if (space_len(s, i, tok) > 0 && (i + 1 >= tok ||
		    space_len(s, i + 1, tok) == 0))
			words++;
	return words <= FRONTED_MAX_WORDS;
}

/* The length of the opening quote or bracket that ends just before s[i]
 * (not reaching below lo), or 0. */
static size_t
opener_len_before(const unsigned char *s, size_t lo, size_t i)
{
	if (i > lo && s[i - 1] < 0x80)
		return opener_len(s, i - 1, i);
	if (i >= lo + 2 && opener_len(s, i - 2, i) == 2)
		return 2;
	if (i >= lo + 3 && opener_len(s, i - 3, i) == 3)
		return 3;
	return 0;
}

/* The word before the period at s[p], as a lookup key: lower-case ASCII
 * letters, inner periods and the degree signs of "N°", after white space
 * or opening quotes. Returns the key's length, with its start in *tok and
 * whether it is capitalised; 0 when the word cannot be an abbreviation (a
 * number, a URL, a quoted word, a long word). Scanning back only over the
 * bytes a key may hold keeps this cheap for the ordinary word. */
static int
token_key(const struct scan *sc, size_t p, char *key, size_t *tok,
    int *capital)
{
	const unsigned char *s = sc->s;
	size_t i = p, j, k, len = 0;
	unsigned c;

	while (i > sc->start && p - i < TOKEN_MAX) {
		c = s[i - 1];
		if (is_upper(c) || is_lower(c) || c == '.')
			i--;
		else if ((c == 0xB0 || c == 0xBA) && i - 1 > sc->start &&
		    s[i - 2] == 0xC2)
			i -= 2;
		else
			break;
	}
	if (i == p || p - i >= TOKEN_MAX || !(is_upper(s[i]) ||
	    is_lower(s[i])))
		return 0;
	for (j = i; j > sc->start && (k = opener_len_before(s, sc->start,
	    j)) > 0; j -= k)
		;
	if (j > sc->start && space_len_before(s, sc->start, j) == 0)
		return 0;
	*tok = i;
	*capital = is_upper(s[i]);
	for (; i < p; i++) {
		if (s[i] == '.' && len > 0 && key[len - 1] == '.')
			return 0;
		key[len++] = (char)(s[i] < 0x80 ? s[i] | 0x20 : s[i]);
	}
	key[len] = '\0';
	return (int)len;
}

/* "U.S", "e.g", "Ph.D": letters in groups of one or two split by periods,
 * with at least one single letter. */
static int
is_dotted_initials(const char *key)
{
	size_t group = 0, groups = 0, singles = 0;

	for (;; key++) {
		if (*key == '.' || *key == '\0') {
			if (group == 0 || group > 2)
				return 0;
			singles += group == 1;
			groups++;
			group = 0;
			if (*key == '\0')
				break;
		} else if (*key >= 'a' && *key <= 'z') {
			group++;
		} else {
			return 0;
		}
	}
	return groups >= 2 && singles > 0;
}

/* The rule for a single period after a word and before white space. */
static int
period_ends(const struct scan *sc, size_t p, const struct next_word *w)
{
	char key[TOKEN_MAX + 2];
	const struct abbrev *ab;
	size_t tok;
	int capital, len;
	unsigned flags;

	if ((len = token_key(sc, p, key, &tok, &capital)) == 0)
		return w->kind != NEXT_LOWER;
	ab = len <= ABBREV_LEN_MAX ? abbrev_find(key) : NULL;
	if (ab != NULL && (!(ab->flags & AB_CAPITAL) || capital))
		flags = ab->flags;
	else if (key[1] == '\0' || is_dotted_initials(key))
		flags = AB_STARTER;	/* an initial, "U.S.", "Ph.D." */
	else
		return w->kind != NEXT_LOWER;
	if (flags & AB_NOBREAK)
		return 0;
	if ((flags & AB_DIGIT) && w->kind == NEXT_DIGIT)
		return 0;
	if (flags & AB_STARTER)
		return next_is_starter(w) && !is_fronted(sc, tok);
	return w->kind != NEXT_LOWER;
}

/* A list marker that ends at or just after the stop s[p] and continues
 * the sentence's own list: "2." in "1. The first item 2. The second".
 * Returns 1 with its start in *at. */
static int
list_next_marker(const struct scan *sc, size_t p, size_t *at)
{
	const unsigned char *s = sc->s;
	struct marker m;
	size_t i = p;

	if (sc->list.style == LIST_NONE)
		return 0;
	while (i > sc->start && p - i < 5 &&
	    space_len_before(s, sc->start, i) == 0)
		i--;
	if (i <= sc->start || space_len_before(s, sc->start, i) == 0)
		return 0;
	if (!marker_parse(s, i, sc->n, &m) || i + m.len <= p ||
	    m.style != sc->list.style || m.letter != sc->list.letter ||
	    m.value != sc->list.value + 1)
		return 0;
	*at = i;
	return 1;
}

/* The decision at a run of stops that begins at s[p]. */
static struct verdict
stop_decide(const struct scan *sc, size_t p)
{
	const unsigned char *s = sc->s;
	size_t n = sc->n, i = p, k, first = 0, at;
	int dots = 0, d, spaced = 0, other = 0, closed = 0, attached, prev_dot;
	struct next_word w;
	struct verdict v = { 0, 0 };

	if (list_next_marker(sc, p, &at)) {
		v.end = 1;
		v.pos = at;
		return v;
	}
	/* The run: stops, and single spaces between dots (". . ."). */
	for (prev_dot = 0;;) {
		d = 0;
		if (i < n && (k = stop_len(s, i, n, &d)) > 0) {
			if (first == 0)
				first = i + k;
			other |= d == 0;
			dots += d;
			prev_dot = d > 0;
			i += k;
		} else if (prev_dot && i + 1 < n && s[i] == ' ' &&
		    stop_len(s, i + 1, n, &d) > 0 && d > 0) {
			spaced = 1;
			i++;
		} else {
			break;
		}
	}
	/* Closing quotes and brackets, and stops after them ("?")."). */
	while (i < n && ((k = closer_len(s, i, n)) > 0 ||
	    (k = stop_len(s, i, n, &d)) > 0)) {
		closed = 1;
		i += k;
	}
	v.pos = i;
	if (i >= n) {
		v.end = 1;
		return v;
	}
	if (space_len(s, i, n) == 0)
		return v;	/* "3.5", "example.com", "Jr.'s", "U.S.," */
	next_word_read(sc, i, &w);
	if (w.paragraph || w.line_item || w.kind == NEXT_END) {
		v.end = 1;
		return v;
	}
	attached = p > sc->start && space_len_before(s, sc->start, p) == 0;
	/* NOLINTNEXTLINE(bugprone-branch-clone): the same verdict for different reasons, in this order */
	if (other) {
		v.end = w.kind != NEXT_LOWER;
	} else if (dots == 1) {
		v.end = closed ? w.kind != NEXT_LOWER : period_ends(sc, p, &w);
	} else if (p > 0 && (s[p - 1] == '[' || s[p - 1] == '(')) {
		v.end = 0;	/* an elision mark, "[...]" */
	} else if (spaced && attached) {
		/* "compounds. . . . The": the period ends the sentence and
		 * the ellipsis opens the next one. Glued dots ("A.. . B")
		 * have no space to split at: the run ends the sentence. */
		if (w.kind == NEXT_UPPER) {
			v.end = 1;
			v.pos = space_len(s, first, n) > 0 ? first : i;
		}
	} else if (dots >= 4) {
		v.end = w.kind != NEXT_LOWER;	/* a period and an ellipsis */
	} else {
		v.end = attached && !spaced && w.kind == NEXT_UPPER;
	}
	return v;
}

/* A newline at s[p]: a paragraph break or a list item on the next line
 * ends the sentence before it. */
static struct verdict
newline_decide(const struct scan *sc, size_t p)
{
	const unsigned char *s = sc->s;
	size_t i = p + 1, k;
	struct verdict v = { 0, p + 1 };

	while (i < sc->n && s[i] != '\n' && !is_paragraph_sep(s, i, sc->n) &&
	    (k = space_len(s, i, sc->n)) > 0)
		i += k;
	if (i >= sc->n)
		return v;
	if (s[i] == '\n' || is_paragraph_sep(s, i, sc->n) ||
	    is_line_item(s, i, sc->n)) {
		v.end = 1;
		v.pos = p;
	}
	return v;
}

/* A ')' closing a marker of the sentence's list: "2)" in "1) a 2) b". */
static struct verdict
paren_decide(const struct scan *sc, size_t p)
{
	struct verdict v = { 0, p + 1 };
	size_t at;

	if ((sc->list.style == LIST_PAREN || sc->list.style == LIST_BOTH) &&
	    list_next_marker(sc, p, &at)) {
		v.end = 1;
		v.pos = at;
	}
	return v;
}

/* A byte 0xE2: "…" and "‼" are stops, a bullet after white space starts
 * an item, U+2029 is a paragraph break; the rest is text. */
static struct verdict
e2_decide(const struct scan *sc, size_t p)
{
	const unsigned char *s = sc->s;
	struct verdict v = { 0, p + 1 };
	int dots = 0;

	if (stop_len(s, p, sc->n, &dots) > 0)
		return stop_decide(sc, p);
	if ((bullet_len(s, p, sc->n) > 0 &&
	    space_len_before(s, sc->start, p) > 0) ||
	    is_paragraph_sep(s, p, sc->n)) {
		v.end = 1;
		v.pos = p;
	}
	return v;
}

/* Where scanning of a sentence starting at s[start] begins: after a
 * bullet and a list marker, whose periods end nothing. */
static size_t
scan_begin(struct scan *sc)
{
	const unsigned char *s = sc->s;
	size_t i = sc->start, k;

	sc->list.style = LIST_NONE;
	if ((k = bullet_len(s, i, sc->n)) > 0) {
		i += k;
		while (i < sc->n && (s[i] == ' ' || s[i] == '\t'))
			i++;
	}
	if (i < sc->n && marker_parse(s, i, sc->n, &sc->list))
		i += sc->list.len;
	else
		sc->list.style = LIST_NONE;
	return i;
}

/* The first candidate byte at or after s[p], or n. With SSE2 (every
 * x86-64) sixteen bytes are tested at once: prose has a candidate only
 * every few dozen bytes. */
static size_t
scan_next(const unsigned char *s, size_t p, size_t n)
{
#ifdef __SSE2__
	const __m128i dot = _mm_set1_epi8('.'), ques = _mm_set1_epi8('?');
	const __m128i excl = _mm_set1_epi8('!'), nl = _mm_set1_epi8('\n');
	const __m128i paren = _mm_set1_epi8(')');
	const __m128i e2 = _mm_set1_epi8((char)0xE2);
	__m128i v, m;
	int mask;

	for (; p + 16 <= n; p += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(s + p));
		m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, dot),
		    _mm_cmpeq_epi8(v, ques)), _mm_or_si128(_mm_cmpeq_epi8(v,
		    excl), _mm_cmpeq_epi8(v, nl)));
		m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, paren),
		    _mm_cmpeq_epi8(v, e2)));
		mask = _mm_movemask_epi8(m);
		if (mask != 0)
			return p + (size_t)__builtin_ctz((unsigned)mask);
	}
#endif
	while (p < n && scan_table[s[p]] == SC_NONE)
		p++;
	return p;
}

void
sentence_iter_init(struct sentence_iter *it, const char *text, size_t len)
{
	it->text = text;
	it->len = len;
	it->pos = 0;
}

int
sentence_next(struct sentence_iter *it, size_t *start, size_t *end)
{
	const unsigned char *s = (const unsigned char *)it->text;
	size_t n = it->len, p, stop;
	struct scan sc = { .s = s, .n = n };
	struct verdict v;

	sc.start = skip_space(s, it->pos, n);
	if (sc.start >= n) {
		it->pos = n;
		return 0;
	}
	p = scan_begin(&sc);
	stop = n;
	while (p < n) {
		p = scan_next(s, p, n);
		if (p >= n)
			break;
		switch (scan_table[s[p]]) {
		case SC_STOP:
			v = stop_decide(&sc, p);
			break;
		case SC_NEWLINE:
			v = newline_decide(&sc, p);
			break;
		case SC_PAREN:
			v = paren_decide(&sc, p);
			break;
		default:
			v = e2_decide(&sc, p);
			break;
		}
		/* An end must leave a non-empty sentence, and going on must
		 * move forward: together they make the iterator terminate. */
		if (v.end && trim_back(s, sc.start, v.pos) > sc.start) {
			stop = v.pos;
			break;
		}
		p = v.pos > p ? v.pos : p + 1;
	}
	stop = trim_back(s, sc.start, stop);
	*start = sc.start;
	*end = stop;
	it->pos = stop;
	return 1;
}

/* The bytes that may begin white space (space_len()). */
static const unsigned char space_lead[256] = {
	['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1,
	[0xC2] = 1, [0xE2] = 1, [0xE3] = 1, [0xEF] = 1,
};

/* Whether s[j] (j < n) needs a look from sentence_collapse: it may begin
 * white space, and is not a lone ' ' between two words (which collapses
 * to itself, and is most white space in prose). */
static inline int
collapse_stop(const unsigned char *s, size_t j, size_t n)
{
	return space_lead[s[j]] && (s[j] != ' ' || j + 1 == n ||
	    space_lead[s[j + 1]]);
}

#ifdef __SSE2__
/* Which of the 16 bytes at s[j] (j + 16 < n) collapse_stop() holds for,
 * as a bit mask. */
static unsigned
collapse_stops16(const unsigned char *s, size_t j)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + j));
	__m128i ctl = _mm_sub_epi8(v, _mm_set1_epi8('\t'));	/* \t..\r: 0..4 */
	__m128i sp = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
	__m128i lead = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(ctl,
	    _mm_set1_epi8(4)), ctl), _mm_or_si128(_mm_or_si128(
	    _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xC2)), _mm_cmpeq_epi8(v,
	    _mm_set1_epi8((char)0xE2))), _mm_or_si128(_mm_cmpeq_epi8(v,
	    _mm_set1_epi8((char)0xE3)), _mm_cmpeq_epi8(v,
	    _mm_set1_epi8((char)0xEF)))));
	unsigned spaces = (unsigned)_mm_movemask_epi8(sp);
	unsigned others = (unsigned)_mm_movemask_epi8(lead);
	unsigned next = (others | spaces) >> 1 | (unsigned)space_lead[s[j + 16]]
	    << 15;

	return others | (spaces & next);
}
#endif

/* Copies s[i, n) to out up to the first byte collapse_stop() holds for;
 * returns how many bytes it copied. It may write up to 15 bytes more to
 * out, never past out + n - i. */
static size_t
collapse_copy(const unsigned char *s, size_t i, size_t n, char *out)
{
	size_t j = i;

#ifdef __SSE2__
	unsigned stops;

	for (; j + 16 < n; j += 16) {
		_mm_storeu_si128((__m128i *)(void *)(out + (j - i)),
		    _mm_loadu_si128((const __m128i *)(const void *)(s + j)));
		if ((stops = collapse_stops16(s, j)) != 0)
			return j - i + (size_t)__builtin_ctz(stops);
	}
#endif
	for (; j < n && !collapse_stop(s, j, n); j++)
		out[j - i] = (char)s[j];
	return j - i;
}

/* Plain runs are copied whole, 16 bytes at a time with SSE2; only what
 * may begin white space is looked at. A byte that may begin white space
 * always begins a character when the text is decoded from its start
 * (lead bytes are never continuation bytes), so this agrees with a
 * decode of every character. */
size_t
sentence_collapse(const char *text, size_t len, char *out)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = skip_space(s, 0, len), o = 0, k;

	while (i < len) {
		k = collapse_copy(s, i, len, out + o);
		i += k;
		o += k;
		if (i >= len)
			break;
		if (space_len(s, i, len) == 0) {
			out[o++] = (char)s[i++];
			continue;
		}
		i = skip_space(s, i, len);
		if (i < len)
			out[o++] = ' ';
	}
	return o;
}
