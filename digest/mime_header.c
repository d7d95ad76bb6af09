/*
 * mime_header: RFC 2047 encoded words for header values (mime_header.h).
 */
#include "mime_header.h"
#include "mime_body.h"
#include "utf8.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* An encoded word's frame, "=?UTF-8?Q?" and "?=", and what is left. */
#define MIME_WORD_FRAME 12
#define MIME_WORD_TEXT (MIME_WORD_MAX - MIME_WORD_FRAME)

static int
mime_is_header_control(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
	    cp == 0x2028 || cp == 0x2029;
}

/* value (n bytes) with controls as spaces and invalid bytes as U+FFFD;
 * returns an allocated string of *len bytes; caller frees. */
static char *
mime_header_clean(const char *value, size_t n, size_t *len)
{
	char *out = xmalloc(3 * n + 1);	/* a bad byte grows to 3 */
	size_t i = 0, o = 0, k;
	uint32_t cp;

	while (i < n) {
		k = utf8_decode(value + i, n - i, &cp);
		if (mime_is_header_control(cp))
			out[o++] = ' ';
		else if (cp == UTF8_REPLACEMENT)
			o += utf8_encode(cp, out + o);
		else {
			memcpy(out + o, value + i, k);
			o += k;
		}
		i += k;
	}
	out[o] = '\0';
	*len = o;
	return out;
}

/* RFC 5322 atext: what an atom is made of. */
static int
mime_is_atext(unsigned char c)
{
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'':
	case '*': case '+': case '-': case '/': case '=': case '?':
	case '^': case '_': case '`': case '{': case '|': case '}':
	case '~':
		return 1;
	default:
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');
	}
}

/* One word of a cleaned value, between single spaces (so a leading,
 * trailing or doubled space makes an empty word). */
struct mime_word {
	const char *s;
	size_t n;
	int plain;	/* 1 when it can stand in the header as it is */
};

/* 1 when the word survives libetpan's folding writer and a reader as it
 * is: printable ASCII, not so long that it would be cut, no "=?" (read
 * back as an encoded word) and, in a phrase, atoms only (else it would
 * need quotes, and this module encodes instead of quoting). */
static int
mime_word_is_plain(const char *s, size_t n, int phrase)
{
	size_t i;
	unsigned char c;

	if (n == 0 || n > MIME_WORD_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c < 0x21 || c > 0x7E || (phrase && !mime_is_atext(c)) ||
		    (c == '=' && i + 1 < n && s[i + 1] == '?'))
			return 0;
	}
	return 1;
}

/* Splits s at every space into *count words; returns an allocated array;
 * caller frees. */
static struct mime_word *
mime_words_split(const char *s, size_t n, int phrase, size_t *count)
{
	struct mime_word *w = xcalloc(n + 1, sizeof(*w));
	size_t i, start = 0, k = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != ' ')
			continue;
		w[k].s = s + start;
		w[k].n = i - start;
		w[k].plain = mime_word_is_plain(w[k].s, w[k].n, phrase);
		k++;
		start = i + 1;
	}
	*count = k;
	return w;
}

/* An encoded run must hold at least one character: an empty word between
 * plain ones takes in its next neighbour (or, last, its previous one), so
 * that the space it stands for is encoded with it. */
static void
mime_words_widen(struct mime_word *w, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (w[i].n != 0 || (i > 0 && !w[i - 1].plain) ||
		    (i + 1 < count && !w[i + 1].plain))
			continue;
		if (i + 1 < count)
			w[i + 1].plain = 0;
		else if (i > 0)
			w[i - 1].plain = 0;
	}
}

/* Q encoding's literal set: RFC 2047 5 (3), safe in a phrase. */
static int
mime_q_is_literal(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' ||
	    c == '-' || c == '/';
}

static size_t
mime_q_cost(unsigned char c)
{
	return mime_q_is_literal(c) || c == ' ' ? 1 : 3;
}

static size_t
mime_q_put(unsigned char c, char *out)
{
	if (mime_q_is_literal(c)) {
		out[0] = (char)c;
		return 1;
	}
	if (c == ' ') {
		out[0] = '_';
		return 1;
	}
	mime_body_escape(c, out);
	return 3;
}

/* Starts an encoded word, after a space unless it comes first. */
static size_t
mime_word_open(char *out, size_t o, char enc)
{
	if (o > 0)
		out[o++] = ' ';
	memcpy(out + o, "=?UTF-8?", 8);
	out[o + 8] = enc;
	out[o + 9] = '?';
	return o + 10;
}

static size_t
mime_word_close(char *out, size_t o)
{
	out[o] = '?';
	out[o + 1] = '=';
	return o + 2;
}

/* The valid UTF-8 s as Q words appended at out + o; returns the new
 * length. */
static size_t
mime_run_q(const char *s, size_t n, char *out, size_t o)
{
	size_t i = 0, used = 0, k, j, cost;
	int open = 0;
	uint32_t cp;

	while (i < n) {
		k = utf8_decode(s + i, n - i, &cp);
		for (cost = 0, j = 0; j < k; j++)
			cost += mime_q_cost((unsigned char)s[i + j]);
		if (!open || used + cost > MIME_WORD_TEXT) {
			if (open)
				o = mime_word_close(out, o);
			o = mime_word_open(out, o, 'Q');
			open = 1;
			used = 0;
		}
		for (j = 0; j < k; j++)
			o += mime_q_put((unsigned char)s[i + j], out + o);
		used += cost;
		i += k;
	}
	return open ? mime_word_close(out, o) : o;
}

/* The valid UTF-8 s as B words, each holding whole characters. */
static size_t
mime_run_b(const char *s, size_t n, char *out, size_t o)
{
	const size_t per_word = MIME_WORD_TEXT / 4 * 3;
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, chunk, j;

	while (i < n) {
		chunk = utf8_cut(s + i, n - i, per_word);
		o = mime_word_open(out, o, 'B');
		for (j = 0; j < chunk; j += 3)
			o += mime_body_b64_group(u + i + j, chunk - j < 3 ?
			    chunk - j : 3, out + o);
		o = mime_word_close(out, o);
		i += chunk;
	}
	return o;
}

/* A run of words (spaces inside included) as encoded words, Q or B,
 * whichever is shorter. */
static size_t
mime_run(const char *s, size_t n, char *out, size_t o)
{
	size_t i, q = 0;

	for (i = 0; i < n; i++)
		q += mime_q_cost((unsigned char)s[i]);
	return q <= (n + 2) / 3 * 4 ? mime_run_q(s, n, out, o) :
	    mime_run_b(s, n, out, o);
}

/*
 * The cleaned s as it goes into a header: plain words as they are, each
 * run of other words as encoded words, one space between the pieces.
 * Readers keep a space next to a plain word and drop it between two
 * encoded words (RFC 2047 6.2), so the spaces inside a run are encoded
 * with it. Encoding runs rather than the whole value keeps encoded words
 * from being adjacent where it can: Python 3.11 wrongly keeps that space
 * in a display name. Returns an allocated string; caller frees.
 *
 * Size: a plain word takes its length and a space. An encoded word
 * carries at least 13 bytes unless it is a run's last (Q: 38 of its 50
 * characters used, 3 per byte at most; B: 33 bytes) and takes at most 63
 * characters with its space, so 5n + 64 per word of s is enough.
 */
static char *
mime_words_encode(const char *s, size_t n, int phrase)
{
	size_t count, i, j, o = 0;
	struct mime_word *w = mime_words_split(s, n, phrase, &count);
	char *out = xmalloc(5 * n + 64 * (count + 1));
	const char *end;

	mime_words_widen(w, count);
	for (i = 0; i < count; i = j) {
		if (w[i].plain) {
			if (o > 0)
				out[o++] = ' ';
			memcpy(out + o, w[i].s, w[i].n);
			o += w[i].n;
			j = i + 1;
			continue;
		}
		for (j = i; j < count && !w[j].plain; j++)
			;
		end = w[j - 1].s + w[j - 1].n;
		o = mime_run(w[i].s, (size_t)(end - w[i].s), out, o);
	}
	out[o] = '\0';
	free(w);
	return out;
}

char *
mime_header_encode(const char *value, int phrase)
{
	size_t len;
	char *clean, *encoded;

	if (value == NULL)
		value = "";
	clean = mime_header_clean(value, strlen(value), &len);
	if (len == 0)
		return clean;
	encoded = mime_words_encode(clean, len, phrase);
	free(clean);
	return encoded;
}

/* Words of printable ASCII between single spaces (no empty word), each
 * plain: nothing is cleaned in such a value and no run is encoded. */
int
mime_header_is_plain(const char *value, int phrase)
{
	const char *p = value, *sp;
	size_t n;

	if (*p == '\0')
		return 1;
	for (;;) {
		sp = strchr(p, ' ');
		n = sp != NULL ? (size_t)(sp - p) : strlen(p);
		if (!mime_word_is_plain(p, n, phrase))
			return 0;
		if (sp == NULL)
			return 1;
		p = sp + 1;
	}
}
