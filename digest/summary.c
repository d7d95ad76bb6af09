/*
 * summary: the lead of a text, built on the sentence splitter and on the
 * paragraph tests of para.h.
 *
 * The text is cut into blocks (paragraphs); the furniture at both ends
 * is set aside; the blocks are then read in order, each one prose (it
 * ends with a stop: its sentences are taken), a heading (skipped), a
 * standfirst (the whole lead) or, for the last one, possibly text the
 * source cut. Only the blocks that the lead reaches are looked at
 * closely, so a long body costs one pass over its bytes to find the
 * paragraph breaks and little more.
 */
#include "summary.h"
#include "para.h"
#include "sentence.h"
#include "utf8.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define SUMMARY_ELLIPSIS "\xe2\x80\xa6"	/* … */
#define SUMMARY_ELLIPSIS_LEN 3
#define KEY_MAX 2048		/* title bytes compared with the text */
#define DANGLING_MAX 3		/* function words dropped before "…" */

/* Appends the collapsed [s, s+len) to out (which has room for len more
 * bytes) and returns the new length. Invalid bytes are copied as they
 * are: a summary shows the text, it does not repair it. */
static size_t
summary_collapse_into(char *out, size_t o, const char *s, size_t len)
{
	size_t i = 0, k, start = o;
	uint32_t cp;
	int gap = 0;

	while (i < len) {
		/* A word of printable ASCII is copied whole. */
		for (k = i; k < len && (unsigned char)s[k] > ' ' &&
		    (unsigned char)s[k] < 0x7F; k++)
			;
		if (k > i) {
			if (gap && o > start)
				out[o++] = ' ';
			gap = 0;
			memcpy(out + o, s + i, k - i);
			o += k - i;
			i = k;
			continue;
		}
		k = utf8_decode(s + i, len - i, &cp);
		if (utf8_is_space(cp)) {
			gap = 1;
		} else {
			if (gap && o > start)
				out[o++] = ' ';
			gap = 0;
			memcpy(out + o, s + i, k);
			o += k;
		}
		i += k;
	}
	return o;
}

char *
summary_collapse(const char *s, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t n = summary_collapse_into(out, 0, s, len);

	out[n] = '\0';
	return out;
}

/* The byte length of the first max characters of s (n bytes): never
 * ends inside a character. */
static size_t
summary_prefix_bytes(const char *s, size_t n, size_t max)
{
	size_t i, chars = 0;

	for (i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == max)
			break;
	}
	return i;
}

/* Cuts the collapsed sentence s (n bytes) to at most max characters,
 * "…" included, at the last word boundary that fits (or inside the word
 * when a single word is too long), dropping the space and punctuation
 * that would stand before "…". Returns the new length; s must have room
 * for n + 3 bytes. */
static size_t
summary_cut(char *s, size_t n, size_t max)
{
	size_t keep = max > 0 ? summary_prefix_bytes(s, n, max - 1) : 0, i;

	if (keep < n && s[keep] != ' ') {
		for (i = keep; i > 0 && s[i - 1] != ' '; i--)
			;
		if (i > 0)
			keep = i - 1;
	}
	while (keep > 0 && memchr(" ,;:-", s[keep - 1], 5) != NULL)
		keep--;
	memcpy(s + keep, SUMMARY_ELLIPSIS, SUMMARY_ELLIPSIS_LEN);
	return keep + SUMMARY_ELLIPSIS_LEN;
}

/*
 * Blocks.
 */

struct block {
	size_t start;		/* trimmed, offsets into the text */
	size_t end;
	size_t words;
	int stop;		/* ends with a sentence stop */
	int item;		/* a list item: "• ...", "- ...", "1. ..." */
	int furniture;		/* enum para_furniture, -1 until asked */
};

struct blocks {
	struct block *v;	/* owned */
	size_t n;
	size_t cap;
};

static int
is_space_byte(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* A list item's marker at s: a bullet, "- ", "* ", "1. ", "2) ". */
static int
is_item_start(const char *s, size_t len)
{
	size_t i = 0;

	if (len >= 4 && (memcmp(s, "\xE2\x80\xA2", 3) == 0 ||
	    memcmp(s, "\xE2\x96\xAA", 3) == 0 || memcmp(s, "\xE2\x97\x8F",
	    3) == 0 || memcmp(s, "\xE2\x80\xA3", 3) == 0))
		return 1;
	if (len >= 2 && (s[0] == '-' || s[0] == '*') && s[1] == ' ')
		return 1;
	while (i < len && i < 3 && s[i] >= '0' && s[i] <= '9')
		i++;
	return i > 0 && i + 1 < len && (s[i] == '.' || s[i] == ')') &&
	    s[i + 1] == ' ';
}

/* The character at s opens a sentence: a capital, a digit, a quote. */
static int
opens_sentence(const char *s, size_t len)
{
	uint32_t cp;

	if (len == 0)
		return 0;
	utf8_decode(s, len, &cp);
	return utf8_lower(cp) != cp || (cp >= '0' && cp <= '9') ||
	    cp == '"' || cp == '\'' || cp == 0x201C || cp == 0x2018 ||
	    cp == 0xAB;
}

static void
block_push(struct blocks *bl, const char *text, size_t start, size_t end)
{
	struct block *b;
	size_t len = end - start;
	const char *s = util_trim(text + start, &len);

	if (len == 0)
		return;
	xgrow(&bl->v, &bl->cap, bl->n + 1, sizeof(*bl->v));
	b = &bl->v[bl->n++];
	b->start = (size_t)(s - text);
	b->end = b->start + len;
	/* Words are only ever compared with the furniture's limits: a
	 * long paragraph is counted as far as them. */
	b->words = para_words_upto(s, len, PARA_FURNITURE_MAX_WORDS);
	b->stop = para_ends_sentence(s, len);
	b->item = is_item_start(s, len);
	b->furniture = -1;
}

/* The byte length of a line once trimmed. */
static size_t
line_len(const char *text, size_t from, size_t to)
{
	size_t n = to - from;

	util_trim(text + from, &n);
	return n;
}

/*
 * 1 when the single newline at text[nl] ends a paragraph: the line
 * before it ends no sentence, the next line opens one or is a list item,
 * and the line is heading-sized or shorter than the paragraph's lines
 * run (widest is its longest line): a <br> after "501 S Fremont #3, San
 * Mateo", not the wrap of "...visited\nParis last year", whose line is
 * as full as the others.
 */
static int
line_breaks(const char *text, size_t len, size_t line, size_t nl,
    size_t widest)
{
	size_t next = nl + 1, n = nl - line;
	const char *s = util_trim(text + line, &n);

	while (next < len && is_space_byte((unsigned char)text[next]))
		next++;
	if (next >= len)
		return 0;
	if (is_item_start(text + next, len - next))
		return 1;
	if (n == 0 || !opens_sentence(text + next, len - next))
		return 0;
	return !para_ends_sentence(s, n) && (n * 10 < widest * 7 ||
	    para_words_upto(s, n, SUMMARY_STANDFIRST_WORDS) <
	    SUMMARY_STANDFIRST_WORDS);
}

/* The end of the paragraph that starts at from: a blank line, U+2029 or
 * the end; *widest is its longest line. */
static size_t
paragraph_end(const char *text, size_t len, size_t from, size_t *widest)
{
	size_t i = from, line = from, j;

	*widest = 0;
	while (i < len) {
		/* Only newlines and U+2029 (E2 80 A9) matter here. */
		if (text[i] != '\n' && text[i] != '\xE2') {
			const char *nl = memchr(text + i, '\n', len - i);
			const char *e2 = memchr(text + i, 0xE2, (nl ? (size_t)
			    (nl - text) : len) - i);

			i = e2 ? (size_t)(e2 - text) :
			    nl ? (size_t)(nl - text) : len;
			continue;
		}
		if (text[i] == '\n') {
			if (line_len(text, line, i) > *widest)
				*widest = line_len(text, line, i);
			for (j = i + 1; j < len && is_space_byte((unsigned char)
			    text[j]); j++)
				;
			if (j < len && text[j] == '\n')
				return i;
			line = i + 1;
		} else if (i + 2 < len && text[i] == '\xE2' &&
		    text[i + 1] == '\x80' && text[i + 2] == '\xA9') {
			break;
		}
		i++;
	}
	if (line_len(text, line, i) > *widest)
		*widest = line_len(text, line, i);
	return i;
}

/* Cuts the paragraph [from, end) into blocks at the line breaks that
 * line_breaks() accepts. */
static void
paragraph_split(struct blocks *bl, const char *text, size_t from,
    size_t end, size_t widest)
{
	size_t start = from, line = from, i;

	for (i = from; i < end; i++) {
		if (text[i] != '\n')
			continue;
		if (line_breaks(text, end, line, i, widest)) {
			/* The line is a block of its own. */
			if (line > start)
				block_push(bl, text, start, line);
			block_push(bl, text, line > start ? line : start, i);
			start = i + 1;
		}
		line = i + 1;
	}
	block_push(bl, text, start, end);
}

/* Where the paragraph that ends at end begins: after the blank line or
 * U+2029 before it, or 0. memrchr() and memchr() rather than a loop over
 * the bytes: the end frame calls it for the paragraphs it reads. */
static size_t
paragraph_start(const char *text, size_t end)
{
	size_t i = end, j, from = 0;
	const char *p, *q;

	while (i > 0 && (p = memrchr(text, '\n', i)) != NULL) {
		i = (size_t)(p - text);
		for (j = i; j > 0 && is_space_byte((unsigned char)text[j - 1]);
		    j--)
			;
		if (j > 0 && text[j - 1] == '\n') {
			from = i + 1;
			break;
		}
	}
	/* A U+2029 after that blank line ends the paragraph before. */
	for (p = text + from; (q = memchr(p, 0xE2, (size_t)(text + end -
	    p))) != NULL; p = q + 1)
		if (text + end - q >= 3 && q[1] == '\x80' && q[2] == '\xA9')
			from = (size_t)(q + 3 - text);
	return from;
}

/* Where the paragraph after the one that ends at end begins. */
static size_t
paragraph_next(const char *text, size_t len, size_t end)
{
	return end < len && text[end] == '\xE2' ? end + 3 : end + 1;
}

/*
 * Comparing with the title: letters and digits only, lower-cased.
 */

struct key {
	char s[KEY_MAX];
	size_t len;
};

/* The key of [s, s+len), stopping once it is longer than max bytes. */
static void
key_make(struct key *k, const char *s, size_t len, size_t max)
{
	size_t i = 0, n, o = 0;	/* o, not k->len: k->s may alias it */
	uint32_t cp;
	char enc[4];

	while (i < len && o <= max) {
		if ((unsigned char)s[i] < 0x80) {
			char c = s[i++];

			if (c >= 'A' && c <= 'Z')
				k->s[o++] = (char)(c | 0x20);
			else if ((c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9'))
				k->s[o++] = c;
			if (o == sizeof(k->s))
				break;
			continue;
		}
		i += utf8_decode(s + i, len - i, &cp);
		if (!utf8_is_alnum(cp))
			continue;
		n = utf8_encode(utf8_lower(cp), enc);
		if (o + n > sizeof(k->s))
			break;
		memcpy(k->s + o, enc, n);
		o += n;
	}
	k->len = o;
}

/* 1 when a is inside b and makes up three quarters of it. */
static int
key_within(const struct key *a, const struct key *b)
{
	return a->len > 0 && a->len * 4 >= b->len * 3 && a->len <= b->len &&
	    memmem(b->s, b->len, a->s, a->len) != NULL;
}

/* 1 when [s, s+len) repeats the title: the same letters and digits, or
 * one holds the other and is three quarters of it ("3.9.0" and
 * "v3.9.0"). */
static int
echoes_title(const struct key *title, const char *s, size_t len)
{
	struct key k;

	if (title == NULL || title->len == 0)
		return 0;
	key_make(&k, s, len, title->len * 4 / 3 + 1);
	return key_within(&k, title) || key_within(title, &k);
}

/* When the paragraph opens with the title and goes on with a new
 * sentence ("Council approves levy The council voted..."), the length of
 * the title and what separates it; else 0. */
static size_t
title_prefix_len(const struct key *title, const char *s, size_t len)
{
	size_t i = 0, t = 0, k;
	uint32_t cp;
	char enc[4];

	if (title == NULL || title->len == 0)
		return 0;
	while (i < len && t < title->len) {
		k = utf8_decode(s + i, len - i, &cp);
		if (utf8_is_alnum(cp)) {
			size_t n = utf8_encode(utf8_lower(cp), enc);

			if (t + n > title->len ||
			    memcmp(title->s + t, enc, n) != 0)
				return 0;
			t += n;
		}
		i += k;
	}
	if (t < title->len || i >= len)
		return 0;
	/* The title must end at a word's end, then what separates it. */
	utf8_decode(s + i, len - i, &cp);
	if (utf8_is_alnum(cp))
		return 0;
	while (i < len) {
		k = utf8_decode(s + i, len - i, &cp);
		if (utf8_is_alnum(cp) || cp == '"' || cp == 0x201C ||
		    cp == 0x2018 || cp == '\'')
			break;
		i += k;
	}
	return i < len && opens_sentence(s + i, len - i) ? i : 0;
}

/*
 * Text the source cut.
 */

/* Words a complete sentence does not end with: articles, possessives,
 * conjunctions, prepositions that need an object, auxiliaries, and their
 * like in the other languages feeds are written in. */
static const char *const dangling_words[] = {
	"a", "an", "the", "its", "their", "our", "your", "his", "her", "my",
	"and", "or", "but", "nor", "that", "which", "who", "whom", "whose",
	"whether", "because", "although", "though", "unless", "while",
	"whereas", "if", "than", "of", "to", "for", "with", "from", "into",
	"onto", "upon", "at", "via", "per", "between", "among", "toward",
	"towards", "within", "without", "against", "during", "including",
	"is", "are", "was", "were", "be", "been", "being", "has", "have",
	"had", "does", "did", "will", "would", "shall", "should", "can",
	"could", "may", "might", "must", "this", "these", "those", "every",
	"each", "some", "any", "such", "another", "very",
	"de", "da", "do", "das", "dos", "em", "na", "no", "um", "uma", "para",
	"com", "por", "que", "der", "dem", "des", "ein", "eine", "einen",
	"einem", "und", "oder", "mit", "von", "zu", "f\xc3\xbcr", "le",
	"la", "les", "une", "du", "et", "ou", "au", "aux", "pour", "avec",
	"dans", "sur", "el", "los", "las", "y", "del", "al", "en", "con",
};

/* Two-letter words and shorter that end sentences: any other such
 * lower-case word at the end of cut text is a word cut short. */
static const char *const short_words[] = {
	"go", "hi", "me", "oh", "ok", "up", "us", "no", "ex", "tv", "ai",
	"it", "in", "on", "so", "by", "as", "am", "pm", "we", "he", "i",
};

/* The source truncated the text at one of these lengths, in bytes or in
 * characters: a text of exactly that length that ends without a stop was
 * cut there, one shorter by one was cut at a space. */
static const size_t cut_lengths[] = {
	100, 150, 200, 250, 255, 256, 300, 500, 512, 1000, 1024,
};

static int
word_in(const char *w, size_t n, const char *const *list, size_t count)
{
	size_t i, k;

	for (i = 0; i < count; i++) {
		if (strlen(list[i]) != n)
			continue;
		for (k = 0; k < n && (w[k] | 0x20) == list[i][k]; k++)
			;
		if (k == n)
			return 1;
	}
	return 0;
}

/* Lower-case English words that end in "i" or "u", against which a word
 * cut short ("demoli", "colu") is told. */
static const char *const vowel_endings[] = {
	"you", "thou", "menu", "flu", "tofu", "guru", "emu", "gnu", "haiku",
	"bureau", "plateau", "tutu", "ski", "taxi", "alibi", "kiwi", "sushi",
	"chili", "deli", "mini", "semi", "wifi", "hi-fi", "sci-fi", "anti",
	"multi", "alumni", "fungi", "cacti", "stimuli", "radii", "nuclei",
	"safari", "khaki", "broccoli", "salami", "spaghetti", "graffiti",
	"confetti", "bonsai", "origami", "tsunami", "emoji",
};

/*
 * 1 when the lower-case word w (n bytes) ends as English words do not:
 * in a vowel "i" or "u" (but the few that do), in "c" after a vowel but
 * "i", or in two consonants that only start words ("progr", "repl").
 * Capitalized words are names, and end as they like.
 */
static int
ends_unlike_a_word(const char *w, size_t n)
{
	static const char *const onsets[] = { "bl", "br", "cl", "cr", "dr",
	    "fl", "fr", "gl", "gr", "pl", "pr", "sl", "sn", "tr", "tw", "wr",
	    "kl", "kr", "dw", "sw", "qu" };
	size_t i;
	char a, b;

	if (n < 3)
		return 0;
	for (i = 0; i < n; i++)
		if (w[i] < 'a' || w[i] > 'z')
			return 0;
	a = w[n - 2];
	b = w[n - 1];
	if (b == 'i' || b == 'u')
		return !word_in(w, n, vowel_endings, NELEM(vowel_endings));
	if (b == 'c' && (a == 'a' || a == 'e' || a == 'o' || a == 'u'))
		return 1;
	for (i = 0; i < NELEM(onsets); i++)
		if (a == onsets[i][0] && b == onsets[i][1])
			return 1;
	return 0;
}

/* The last word of [s, s+len) as [*w, s+len), letters only at its end. */
static size_t
last_word(const char *s, size_t len, const char **w)
{
	size_t i = len;

	while (i > 0 && s[i - 1] != ' ')
		i--;
	*w = s + i;
	return len - i;
}

/* The marks by which a source says it cut the text: "[...]", "[…]",
 * "(...)", "[?]", "...", "…" at its end. Returns their length (with the
 * white space before), or 0; four dots are a stop and an ellipsis. */
static size_t
cut_mark_len(const char *s, size_t len)
{
	static const char *const marks[] = { "[...]", "[\xe2\x80\xa6]",
	    "(...)", "(\xe2\x80\xa6)", "[?]", "[ ... ]", "...",
	    "\xe2\x80\xa6" };
	size_t i, n, at;

	for (i = 0; i < NELEM(marks); i++) {
		n = strlen(marks[i]);
		if (n > len || memcmp(s + len - n, marks[i], n) != 0)
			continue;
		at = len - n;
		if (at > 0 && (s[at - 1] == '.' || (at >= 3 &&
		    memcmp(s + at - 3, "\xe2\x80\xa6", 3) == 0)))
			return 0;
		while (at > 0 && s[at - 1] == ' ')
			at--;
		return len - at;
	}
	return 0;
}

/* How a text that ends without a stop was cut. */
enum cut { CUT_NONE = 0, CUT_PHRASE, CUT_WORD };

/*
 * Whether the collapsed sentence s (len bytes), the end of a text of
 * text_bytes bytes and text_chars characters, was cut by its source: in
 * the middle of a phrase (a dangling comma or function word, an open
 * bracket or quote), or inside a word (a fragment too short to be one,
 * or a text of exactly a truncation length).
 */
static enum cut
tail_cut(const char *s, size_t len, size_t text_bytes, size_t text_chars)
{
	const char *w;
	size_t n = last_word(s, len, &w), i, open = 0, close = 0;
	unsigned char c = len > 0 ? (unsigned char)s[len - 1] : 0;

	for (i = 0; i < NELEM(cut_lengths); i++) {
		if (text_bytes == cut_lengths[i] ||
		    text_chars == cut_lengths[i])
			return CUT_WORD;
		if (text_bytes + 1 == cut_lengths[i] ||
		    text_chars + 1 == cut_lengths[i])
			return CUT_PHRASE;
	}
	if (c == ',' || c == ';' || c == ':' || c == '-' || c == '(' ||
	    c == '/' || c == '&' || c == '+' || (len >= 3 &&
	    (memcmp(s + len - 3, "\xe2\x80\x93", 3) == 0 ||
	    memcmp(s + len - 3, "\xe2\x80\x94", 3) == 0)))
		return CUT_PHRASE;
	if (word_in(w, n, dangling_words, NELEM(dangling_words)))
		return CUT_PHRASE;
	if (n > 0 && n <= 2 && w[0] >= 'a' && w[0] <= 'z' &&
	    (n == 1 || (w[1] >= 'a' && w[1] <= 'z')) &&
	    !word_in(w, n, short_words, NELEM(short_words)))
		return CUT_WORD;
	if (ends_unlike_a_word(w, n))
		return CUT_PHRASE;
	for (i = 0; i < len; i++) {
		open += s[i] == '(' || (i + 2 < len && s[i] == '\xe2' &&
		    s[i + 1] == '\x80' && s[i + 2] == '\x9c');
		close += s[i] == ')' || (i + 2 < len && s[i] == '\xe2' &&
		    s[i + 1] == '\x80' && s[i + 2] == '\x9d');
	}
	return open > close ? CUT_PHRASE : CUT_NONE;
}

/* Ends the collapsed piece at out[start, *o) the way cut text ends: the
 * source's own mark gone, a word cut short dropped, then the function
 * words and punctuation left dangling, then "…". There is room: the
 * piece loses at least what "…" adds, or had a mark of three bytes. */
static void
piece_end_cut(char *out, size_t start, size_t *o, enum cut how)
{
	size_t n = *o - start, k, w;
	const char *word;
	char *s = out + start;

	n -= cut_mark_len(s, n);
	if (how == CUT_WORD && (w = last_word(s, n, &word)) < n)
		n -= w;
	for (k = 0; k < DANGLING_MAX; k++) {
		while (n > 0 && memchr(" ,;:-(/&+", s[n - 1], 9) != NULL)
			n--;
		w = last_word(s, n, &word);
		if (w == n || !word_in(word, w, dangling_words,
		    NELEM(dangling_words)))
			break;
		n -= w;
	}
	while (n > 0 && (memchr(" ,;:-(/&+", s[n - 1], 9) != NULL ||
	    (n >= 3 && ((unsigned char)s[n - 3] == 0xe2 &&
	    (unsigned char)s[n - 2] == 0x80 && ((unsigned char)s[n - 1] ==
	    0x93 || (unsigned char)s[n - 1] == 0x94)))))
		n -= (unsigned char)s[n - 1] >= 0x80 ? 3 : 1;
	memcpy(s + n, SUMMARY_ELLIPSIS, SUMMARY_ELLIPSIS_LEN);
	*o = start + n + SUMMARY_ELLIPSIS_LEN;
}

/*
 * The lead being built.
 */

struct lead {
	const char *text;	/* borrowed */
	size_t len;
	const struct key *title;	/* borrowed, NULL: no title */
	struct blocks bl;	/* split as the lead reads on */
	size_t next;		/* where the next paragraph to split starts */
	size_t limit;		/* the furniture at the end of the text
				 * begins here */
	size_t tail_start;	/* the block the text ends with starts here,
				 * SIZE_MAX: none */
	size_t tail_end;	/* and ends here once its glued furniture is
				 * gone */
	char *out;		/* owned */
	size_t o;
	size_t chars;
	int count;		/* pieces taken */
	int n;
	size_t max;
	int done;
	int seen;		/* a block was read, even if none of it
				 * was taken (a heading, a title repeat) */
};

/* Adds [s, s+len) to the lead as one piece, cut as `cut` says; 0, or -1
 * when it did not fit (the lead is then done). */
static int
lead_add(struct lead *l, const char *s, size_t len, enum cut cut)
{
	size_t before = l->o, add;

	if (l->count > 0)
		l->out[l->o++] = ' ';
	l->o = summary_collapse_into(l->out, l->o, s, len);
	if (cut != CUT_NONE)
		piece_end_cut(l->out, before + (l->count > 0), &l->o, cut);
	add = utf8_count(l->out + before, l->o - before);
	if (l->max > 0 && l->chars + add > l->max) {
		if (l->count > 0) {
			l->o = before;	/* stop before it */
		} else {
			l->o = summary_cut(l->out, l->o, l->max);
			l->count++;
		}
		l->done = 1;
		return -1;
	}
	l->chars += add;
	if (++l->count >= l->n)
		l->done = 1;
	return 0;
}

/* What block i is, asked once. */
static enum para_furniture
block_furniture(struct lead *l, size_t i)
{
	struct block *b = &l->bl.v[i];

	if (b->furniture < 0)
		b->furniture = (int)para_furniture_words(l->text + b->start,
		    b->end - b->start, b->words);
	return (enum para_furniture)b->furniture;
}

/* Splits the next paragraph into blocks: 0 when the text (before its
 * end furniture) is done. */
static int
lead_more(struct lead *l)
{
	size_t end, widest;

	while (l->next < l->limit) {
		size_t n = l->bl.n;

		end = paragraph_end(l->text, l->len, l->next, &widest);
		paragraph_split(&l->bl, l->text, l->next, end, widest);
		l->next = paragraph_next(l->text, l->len, end);
		if (l->bl.n > n)
			return 1;
	}
	return 0;
}

/* Where block b ends once the furniture glued to its end is gone. */
static size_t
block_tail_end(const struct lead *l, const struct block *b)
{
	return b->start + para_tail_start(l->text + b->start,
	    b->end - b->start);
}

/* Reverses blocks [from, to) of bl. */
static void
blocks_reverse(struct blocks *bl, size_t from, size_t to)
{
	struct block t;

	while (to > from + 1) {
		t = bl->v[from];
		bl->v[from++] = bl->v[--to];
		bl->v[to] = t;
	}
}

/*
 * The end of the text, read backwards a paragraph at a time (a long
 * body costs its last paragraphs only): the furniture that ends it
 * (l->limit), and the block the text ends with (l->tail_*): the last
 * that is not a heading, else the first that is no furniture.
 */
static void
lead_end_frame(struct lead *l)
{
	/* The blocks read, last first: the text's own when the frame
	 * reads back to its start (short bodies, most feed items). */
	struct blocks bl = { NULL, 0, 0 };
	size_t end = l->len, from = 0, widest, k, n0, te, first = SIZE_MAX;
	size_t first_end = 0;
	struct block *b;
	int content = 0;

	l->limit = l->len;
	l->tail_start = SIZE_MAX;
	while (end > 0 && l->tail_start == SIZE_MAX) {
		from = paragraph_start(l->text, end);
		n0 = bl.n;
		paragraph_end(l->text, end, from, &widest);
		paragraph_split(&bl, l->text, from, end, widest);
		blocks_reverse(&bl, n0, bl.n);
		for (k = n0; k < bl.n; k++) {
			b = &bl.v[k];
			te = block_tail_end(l, b);
			if (te == b->end)
				b->furniture = (int)para_furniture_words(
				    l->text + b->start, b->end - b->start,
				    b->words);
			if (!content) {
				/* Furniture yet: the end of the text. */
				if (te == b->start || (te == b->end ?
				    (enum para_furniture)b->furniture :
				    para_furniture(l->text + b->start,
				    te - b->start)) != PARA_PROSE) {
					l->limit = b->start;
					continue;
				}
				content = 1;
			} else if (b->furniture != PARA_PROSE) {
				continue;
			}
			if (b->stop || b->words >= SUMMARY_STANDFIRST_WORDS) {
				l->tail_start = b->start;
				l->tail_end = te;
				break;
			}
			first = b->start;	/* a heading, so far */
			first_end = te;
		}
		/* Before the blank line, or the U+2029, that ended the
		 * paragraph before. */
		end = from >= 3 && l->text[from - 1] == '\xA9' &&
		    l->text[from - 2] == '\x80' && l->text[from - 3] == '\xE2' ?
		    from - 3 : from > 0 ? from - 1 : 0;
	}
	if (l->tail_start == SIZE_MAX && first != SIZE_MAX) {
		l->tail_start = first;
		l->tail_end = first_end;
	}
	/* Read back to the start: the blocks are the text's, split once. */
	if (from == 0 && bl.n > 0) {
		blocks_reverse(&bl, 0, bl.n);
		l->bl = bl;
		l->next = l->len;
		return;
	}
	free(bl.v);
}

/* 1 when a block after i, before the end, is prose that is no list
 * item: key points come before the article's own paragraphs. */
static int
prose_follows(struct lead *l, size_t i)
{
	const struct block *b;

	for (i++; i < l->bl.n || lead_more(l); i++) {
		b = &l->bl.v[i];
		if (b->start >= l->limit)
			break;	/* the furniture the text ends with */
		if (!b->item && (b->stop ||
		    b->words >= SUMMARY_STANDFIRST_WORDS))
			return 1;
	}
	return 0;
}

/* The final sentence of cut text, ending in the source's "..." or
 * "[...]" rather than a stop. */
static int
ends_with_cut_mark(const char *s, size_t len)
{
	return cut_mark_len(s, len) > 0 && len > 3;
}

/*
 * The sentence the text ends with, when it has no stop of its own or
 * ends with the source's "..." and nothing was taken before it: cut text
 * ends with "…"; a complete phrase is a standfirst (6 words or more) or a
 * heading (skipped).
 */
static void
lead_end(struct lead *l, const char *s, size_t len, int marked)
{
	enum cut cut = marked ? CUT_PHRASE : tail_cut(s, len, l->len,
	    utf8_count(l->text, l->len));

	if (cut != CUT_NONE || para_words(s, len) >= SUMMARY_STANDFIRST_WORDS)
		lead_add(l, s, len, cut);
}

/*
 * Takes the sentences of [s, s+len), the content of block i. at_end says
 * the text ends with this block. Sentences that repeat the title are
 * skipped while nothing is taken; a sentence without a stop never runs
 * into the next one.
 */
static void
lead_sentences(struct lead *l, const char *s, size_t len, int at_end)
{
	struct sentence_iter it;
	size_t a, b, na, nb;
	int more, colon;
	struct para p;

	sentence_iter_init(&it, s, len);
	more = sentence_next(&it, &a, &b);
	while (more && !l->done) {
		more = sentence_next(&it, &na, &nb);
		if (l->count == 0 && echoes_title(l->title, s + a, b - a)) {
			a = na;
			b = nb;
			continue;
		}
		/* Words are counted only for a sentence without a stop. */
		p.stop = para_ends_sentence(s + a, b - a);
		p.words = p.stop ? 0 : para_words(s + a, b - a);
		colon = s[b - 1] == ':';
		if (!more && at_end && (!p.stop || ends_with_cut_mark(s + a,
		    b - a))) {
			/* What the text ends with may be cut: dropped after
			 * a complete sentence, else ended with "…". */
			if (l->count == 0)
				lead_end(l, s + a, b - a, p.stop);
			else if (!p.stop && s[b - 1] != ':' && tail_cut(s + a,
			    b - a, l->len, utf8_count(l->text, l->len)) ==
			    CUT_NONE)
				lead_add(l, s + a, b - a, CUT_NONE);
			l->done = 1;
			return;
		}
		if (!p.stop && !colon) {
			/* A heading inside the block, or a line of a list. */
			if (l->count > 0) {
				l->done = 1;
			} else if (p.words >= SUMMARY_STANDFIRST_WORDS) {
				lead_add(l, s + a, b - a, CUT_NONE);
				l->done = 1;
			}
		} else if (colon) {
			/* "The following worked:" introduces what a lead
			 * cannot show. */
			if (l->count == 0)
				lead_add(l, s + a, b - a, CUT_NONE);
			l->done = 1;
		} else {
			lead_add(l, s + a, b - a, CUT_NONE);
		}
		a = na;
		b = nb;
	}
}

/* Reads block i into the lead. */
static void
lead_block(struct lead *l, size_t i)
{
	/* A copy: prose_follows() may split more, and move the blocks. */
	const struct block bc = l->bl.v[i], *b = &bc;
	const char *s = l->text + b->start;
	int tail = b->start == l->tail_start, first = !l->seen;
	size_t len = (tail ? l->tail_end : b->end) - b->start, k;
	struct para p;

	if (b->start >= l->limit) {
		l->done = 1;	/* the furniture the text ends with */
		return;
	}
	if (len == 0 || (len == b->end - b->start ? block_furniture(l, i) :
	    para_furniture(s, len)) != PARA_PROSE)
		return;
	if (first && (k = para_lead_in(s, len)) > 0) {
		s += k;
		len -= k;
	}
	l->seen = 1;
	if (l->count == 0) {
		if (echoes_title(l->title, s, len)) {
			l->seen = !first;
			return;
		}
		if ((k = title_prefix_len(l->title, s, len)) > 0) {
			s += k;
			len -= k;
		}
		if (b->item && prose_follows(l, i))
			return;
	}
	if (len == b->end - b->start) {
		p.stop = b->stop;	/* measured already */
		p.words = b->words;
	} else {
		para_measure(s, len, &p);
	}
	if (p.stop || (s[len - 1] == ':' &&
	    p.words >= SUMMARY_STANDFIRST_WORDS)) {
		lead_sentences(l, s, len, tail);
	} else if (tail) {
		/* Its complete sentences, then what the source cut. */
		lead_sentences(l, s, len, 1);
	} else if (p.words < SUMMARY_STANDFIRST_WORDS || !first) {
		/* A heading: a new section, where a lead begun stops. */
		l->done = l->count > 0;
	} else {
		lead_add(l, s, len, CUT_NONE);	/* a standfirst */
		l->done = 1;
	}
}

char *
summary_lead_titled(const char *title, const char *text, size_t len,
    int n, size_t max_chars)
{
	struct lead l;
	struct key *tk = NULL;
	size_t i;

	memset(&l, 0, sizeof(l));
	l.text = text;
	l.len = len;
	l.n = n;
	l.max = max_chars;
	/* The lead is at most the text collapsed, plus a separator and an
	 * "…" per piece it may end: len + 8 bytes always suffice. */
	l.out = xmalloc(len + 2 * SUMMARY_ELLIPSIS_LEN + 2);
	if (title != NULL && *title != '\0') {
		tk = xmalloc(sizeof(*tk));
		key_make(tk, title, strlen(title), KEY_MAX);
		l.title = tk;
	}
	if (n > 0) {
		lead_end_frame(&l);
		for (i = 0; !l.done && (i < l.bl.n || lead_more(&l)); i++)
			lead_block(&l, i);
	}
	l.out[l.o] = '\0';
	free(l.bl.v);
	free(tk);
	return l.out;
}

char *
summary_lead(const char *text, size_t len, int n, size_t max_chars)
{
	return summary_lead_titled(NULL, text, len, n, max_chars);
}

char *
summary_title(const char *lead)
{
	struct sentence_iter it;
	size_t a = 0, b = 0, len = strlen(lead), n;
	char *out;

	sentence_iter_init(&it, lead, len);
	if (!sentence_next(&it, &a, &b))
		return xstrdup("");
	out = xmalloc(b - a + SUMMARY_ELLIPSIS_LEN + 1);
	n = summary_collapse_into(out, 0, lead + a, b - a);
	if (n > 0 && out[n - 1] == '.' && !(n >= 2 && out[n - 2] == '.'))
		n--;
	if (utf8_count(out, n) > SUMMARY_TITLE_MAX_CHARS)
		n = summary_cut(out, n, SUMMARY_TITLE_MAX_CHARS);
	out[n] = '\0';
	return out;
}

int
summary_article(struct article *a, int n, size_t max_chars)
{
	const char *body = a->body ? a->body : "";
	size_t len = strlen(body), tlen = 0;

	if (a->title != NULL) {
		tlen = strlen(a->title);
		util_trim(a->title, &tlen);
	}
	free(a->lead);
	a->lead = summary_lead_titled(tlen > 0 ? a->title : NULL, body, len,
	    n, max_chars);
	if (tlen > 0)
		return 1;
	if (*a->lead == '\0')
		return 0;
	free(a->title);
	a->title = summary_title(a->lead);
	free(a->lead);
	a->lead = summary_lead_titled(a->title, body, len, n, max_chars);
	return 1;
}
