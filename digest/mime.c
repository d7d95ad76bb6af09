/*
 * mime: the message as bytes. The decisions are in mime.h; this file
 * follows libetpan's building sequence (../shared/deps.md section 1) with
 * three departures, each for a reason given where it happens: the bodies
 * are encoded here and handed over as already encoded, From and To are
 * written as plain fields, and the boundary is ours.
 *
 * libetpan reports only allocation failures from the calls used here;
 * like xmalloc, they abort (mime_oom) rather than unwind a half-built
 * tree.
 */
#include "mime.h"
#include "utf8.h"
#include "util.h"

#include <libetpan/libetpan.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <uuid/uuid.h>

#define MIME_QP_LINE 76		/* RFC 2045 6.7 (5), without the CRLF */
#define MIME_B64_LINE 76
#define MIME_ADDR_MAX 254
#define MIME_URL_MAX 900	/* "<url>," on a folded line stays under 998 */
#define MIME_UUID_LEN 36
#define MIME_DOMAIN_MAX (MIME_MESSAGE_ID_MAX - MIME_UUID_LEN - 2)
#define MIME_SHOW_MAX 80

/* An encoded word's frame, "=?UTF-8?Q?" and "?=", and what is left. */
#define MIME_WORD_FRAME 12
#define MIME_WORD_TEXT (MIME_WORD_MAX - MIME_WORD_FRAME)

static const char mime_hex[] = "0123456789ABCDEF";
static const char mime_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
mime_oom(void)
{
	fprintf(stderr, "digest: out of memory in libetpan\n");
	abort();
}

/* Returns an allocated, formatted string; caller frees. */
static char *
mime_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
mime_printf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		mime_oom();
	s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	(void)vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* ---- RFC 2047 ---------------------------------------------------- */

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
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
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
	out[0] = '=';
	out[1] = mime_hex[c >> 4];
	out[2] = mime_hex[c & 15];
	return 3;
}

/* Base64 of n (1 to 3) bytes at s, padded, into out; returns 4. */
static size_t
mime_b64_group(const unsigned char *s, size_t n, char *out)
{
	unsigned v = (unsigned)s[0] << 16 | (n > 1 ? (unsigned)s[1] << 8 : 0) |
	    (n > 2 ? s[2] : 0);

	out[0] = mime_b64[v >> 18];
	out[1] = mime_b64[(v >> 12) & 63];
	out[2] = n > 1 ? mime_b64[(v >> 6) & 63] : '=';
	out[3] = n > 2 ? mime_b64[v & 63] : '=';
	return 4;
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
			o += mime_b64_group(u + i + j, chunk - j < 3 ?
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

/* ---- Bodies ------------------------------------------------------- */

struct mime_body {
	char *data;	/* encoded, CRLF lines; owned: libetpan does not free it */
	size_t len;
	int mechanism;	/* MAILMIME_MECHANISM_QUOTED_PRINTABLE or _BASE64 */
};

static int
mime_is_crlf(const char *s, size_t n, size_t i)
{
	return s[i] == '\r' && i + 1 < n && s[i + 1] == '\n';
}

/* 1 when position i ends a line: a LF, a CRLF or the end of the text. */
static int
mime_is_line_end(const char *s, size_t n, size_t i)
{
	return i == n || s[i] == '\n' || mime_is_crlf(s, n, i);
}

/* Quoted-printable's view of a byte, one table lookup: a literal stands
 * for itself, white space does unless it ends a line, LF and CR make line
 * breaks (CR only before LF), and the rest is always =XX. */
enum { QP_LIT, QP_WSP, QP_LF, QP_CR, QP_ESC };

#define X QP_ESC
#define L QP_LIT
static const unsigned char mime_qp_class[256] = {
	X, X, X, X, X, X, X, X, X, QP_WSP, QP_LF, X, X, QP_CR, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	QP_WSP, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L,
	L, L, L, L, L, L, L, L, L, L, L, L, L, X, L, L,	/* 0x3D '=' */
	L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L,
	L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L,
	L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L,
	L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, X,	/* 0x7F DEL */
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
};
#undef X
#undef L

static int
mime_qp_is_literal(unsigned char c)
{
	return mime_qp_class[c] == QP_LIT;
}

/* How many bytes QP writes as =XX wherever they stand: all but printable
 * ASCII, space, tab and line breaks. */
static size_t
mime_qp_escapes(const char *s, size_t n)
{
	size_t i, e = 0;
	int c;

	for (i = 0; i < n; i++) {
		c = mime_qp_class[(unsigned char)s[i]];
		e += c == QP_ESC || (c == QP_CR && !mime_is_crlf(s, n, i));
	}
	return e;
}

/* 1 when a line of QP output must not start with the byte at s[i]: a
 * "." (SMTP's end of data) or the "F" of "From " (mbox). */
static int
mime_qp_guards_start(const char *s, size_t n, size_t i)
{
	return s[i] == '.' ||
	    (s[i] == 'F' && n - i >= 5 && memcmp(s + i, "From ", 5) == 0);
}

/* 1 when s[i] stands for itself inside a line: a literal, or white
 * space that does not end the line. */
static int
mime_qp_is_inner(const char *s, size_t n, size_t i)
{
	int c = mime_qp_class[(unsigned char)s[i]];

	return c == QP_LIT || (c == QP_WSP && i + 1 < n &&
	    s[i + 1] != '\n' && s[i + 1] != '\r');
}

/* Copies the run of bytes that stand for themselves from s + *i while the
 * line (at *col, under 75) has room for them and a soft break: most of a
 * text. Advances *i and *col; returns the bytes written, at least 1. */
static size_t
mime_qp_copy_run(const char *s, size_t n, size_t *i, char *out, size_t *col)
{
	size_t j = *i, room = MIME_QP_LINE - 1 - *col, len;

	while (j < n && j - *i < room && mime_qp_is_inner(s, n, j))
		j++;
	len = j - *i;
	memcpy(out, s + *i, len);
	*col += len;
	*i = j;
	return len;
}

/* Quoted-printable of s into out (4n + 16 bytes: at most 3 per byte, and
 * a soft break "=\r\n" follows at least 73 of them); returns the length.
 * White space before a line break or the end is escaped, so no line ends
 * in white space; lines are at most 76 characters. */
static size_t
mime_qp_encode(const char *s, size_t n, char *out)
{
	size_t i = 0, o = 0, col = 0, len;
	unsigned char c;
	int esc, at_end;

	while (i < n) {
		c = (unsigned char)s[i];
		if (col > 0 && col < MIME_QP_LINE - 1 &&
		    mime_qp_is_inner(s, n, i)) {
			o += mime_qp_copy_run(s, n, &i, out + o, &col);
			continue;
		}
		if (c == '\n' || mime_is_crlf(s, n, i)) {
			out[o++] = '\r';
			out[o++] = '\n';
			i += c == '\n' ? 1 : 2;
			col = 0;
			continue;
		}
		at_end = mime_is_line_end(s, n, i + 1);
		esc = c == ' ' || c == '\t' ? at_end : !mime_qp_is_literal(c);
		len = esc ? 3 : 1;
		/* The last token of a line may use column 76; any other
		 * must leave it for the soft break's "=". */
		if (col + len > MIME_QP_LINE - !at_end) {
			memcpy(out + o, "=\r\n", 3);
			o += 3;
			col = 0;
		}
		if (col == 0 && !esc && mime_qp_guards_start(s, n, i)) {
			esc = 1;
			len = 3;
		}
		if (esc) {
			out[o++] = '=';
			out[o++] = mime_hex[c >> 4];
			out[o++] = mime_hex[c & 15];
		} else
			out[o++] = (char)c;
		col += len;
		i++;
	}
	return o;
}

/* Base64 of s in lines of 76 characters, each ending in CRLF, into out
 * (3n/2 + 8 bytes); returns the length. */
static size_t
mime_b64_encode(const char *s, size_t n, char *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, o = 0, col = 0;
	unsigned v;

	for (i = 0; i + 3 <= n; i += 3) {
		v = (unsigned)u[i] << 16 | (unsigned)u[i + 1] << 8 | u[i + 2];
		out[o] = mime_b64[v >> 18];
		out[o + 1] = mime_b64[(v >> 12) & 63];
		out[o + 2] = mime_b64[(v >> 6) & 63];
		out[o + 3] = mime_b64[v & 63];
		o += 4;
		if ((col += 4) == MIME_B64_LINE) {
			out[o++] = '\r';
			out[o++] = '\n';
			col = 0;
		}
	}
	if (i < n) {
		o += mime_b64_group(u + i, n - i, out + o);
		col += 4;
	}
	if (col > 0) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	return o;
}

/* s with every line break as CRLF, MIME's canonical form for text that
 * base64 hides from the transport; returns an allocated copy of *len
 * bytes; caller frees. */
static char *
mime_crlf(const char *s, size_t n, size_t *len)
{
	char *out = xmalloc(2 * n + 1);
	const char *p = s, *end = s + n, *lf;
	size_t o = 0;

	while ((lf = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		memcpy(out + o, p, (size_t)(lf - p));
		o += (size_t)(lf - p);
		if (lf == s || lf[-1] != '\r')
			out[o++] = '\r';
		out[o++] = '\n';
		p = lf + 1;
	}
	memcpy(out + o, p, (size_t)(end - p));
	*len = o + (size_t)(end - p);
	return out;
}

/* Encodes s (n bytes) into b; b->data is allocated, caller frees. */
static void
mime_body_encode(const char *s, size_t n, struct mime_body *b)
{
	char *canon;
	size_t len;

	if (mime_qp_escapes(s, n) * 6 > n) {
		canon = mime_crlf(s, n, &len);
		b->data = xmalloc(len / 2 * 3 + 8);
		b->len = mime_b64_encode(canon, len, b->data);
		b->mechanism = MAILMIME_MECHANISM_BASE64;
		free(canon);
	} else {
		b->data = xmalloc(4 * n + 16);
		b->len = mime_qp_encode(s, n, b->data);
		b->mechanism = MAILMIME_MECHANISM_QUOTED_PRINTABLE;
	}
}

/* The length of the ASCII run at the start of s, 8 bytes at a time. */
static size_t
mime_ascii_run(const char *s, size_t n)
{
	size_t i = 0;
	uint64_t w;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		if ((w & 0x8080808080808080ULL) != 0)
			break;
	}
	while (i < n && (unsigned char)s[i] < 0x80)
		i++;
	return i;
}

/* The offset of the first byte of s that is not valid UTF-8 (n when
 * there is none). Unlike utf8_valid(), it says where, and it skips ASCII
 * runs a word at a time: most of a digest is ASCII. */
static size_t
mime_utf8_bad_at(const char *s, size_t n)
{
	size_t i = 0, k;
	uint32_t cp;

	while ((i += mime_ascii_run(s + i, n - i)) < n) {
		k = utf8_decode(s + i, n - i, &cp);
		if (cp == UTF8_REPLACEMENT && k == 1)
			return i;
		i += k;
	}
	return n;
}

static int
mime_body_check(const char *what, const char *s, size_t n, char *err)
{
	const char *nul;
	size_t bad;

	if (n == 0)
		return 0;
	if (s == NULL)
		return util_err(err, "%s part is NULL with %zu bytes", what, n);
	if ((nul = memchr(s, '\0', n)) != NULL)
		return util_err(err, "%s part holds a NUL byte at offset %zu",
		    what, (size_t)(nul - s));
	if ((bad = mime_utf8_bad_at(s, n)) < n)
		return util_err(err, "%s part is not valid UTF-8 at offset %zu",
		    what, bad);
	return 0;
}

/* ---- Checks on what goes between < and > ---------------------------- */

/* v as the data files write it, cut at MIME_SHOW_MAX, for one-line error
 * messages: controls and non-ASCII as \r \n \t \xHH. */
static const char *
mime_show(const char *v, char *out, size_t size)
{
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; v[i] != '\0' && o + 8 < size; i++) {
		c = (unsigned char)v[i];
		if (o >= MIME_SHOW_MAX) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c == '\r' || c == '\n' || c == '\t') {
			out[o++] = '\\';
			out[o++] = c == '\r' ? 'r' : c == '\n' ? 'n' : 't';
		} else if (c < 0x20 || c >= 0x7F)
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

/* 0 when v may stand between < and > in a header: 1 to max bytes of
 * printable ASCII without space, '<', '>', '"' or any of `forbid`. Else
 * -1 with err naming the field. */
static int
mime_check_token(const char *field, const char *v, const char *forbid,
    size_t max, char *err)
{
	char shown[4 * MIME_SHOW_MAX + 8];
	const unsigned char *p;
	size_t n = strlen(v);

	mime_show(v, shown, sizeof(shown));
	if (n == 0)
		return util_err(err, "%s is empty", field);
	if (n > max)
		return util_err(err, "%s '%s' is longer than %zu bytes", field,
		    shown, max);
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7F)
			return util_err(err, "%s '%s' holds a control character",
			    field, shown);
		if (*p == ' ')
			return util_err(err, "%s '%s' holds a space", field,
			    shown);
		if (*p >= 0x80)
			return util_err(err, "%s '%s' holds a non-ASCII byte",
			    field, shown);
		if (strchr("<>\"", *p) != NULL || strchr(forbid, *p) != NULL)
			return util_err(err, "%s '%s' holds '%c'", field, shown,
			    *p);
	}
	return 0;
}

/* An address: a token without RFC 5322's specials (which would split or
 * quote it) and with one '@' between a local part and a domain. */
static int
mime_check_addr(const char *field, const char *v, char *err)
{
	char shown[4 * MIME_SHOW_MAX + 8];
	const char *at;

	if (v == NULL)
		return util_err(err, "%s is missing", field);
	if (mime_check_token(field, v, "(),:;[\\]", MIME_ADDR_MAX, err) == -1)
		return -1;
	at = strchr(v, '@');
	if (at == NULL || strchr(at + 1, '@') != NULL)
		return util_err(err, "%s '%s' does not hold exactly one '@'",
		    field, mime_show(v, shown, sizeof(shown)));
	if (at == v || at[1] == '\0')
		return util_err(err, "%s '%s' has an empty %s", field,
		    mime_show(v, shown, sizeof(shown)),
		    at == v ? "local part" : "domain");
	return 0;
}

/* A List-Unsubscribe URI: scheme checked, and no comma (RFC 2369 wants
 * literal commas encoded: they separate the URIs). */
static int
mime_check_uri(const char *field, const char *v, const char *scheme,
    char *err)
{
	char shown[4 * MIME_SHOW_MAX + 8];

	if (mime_check_token(field, v, ",", MIME_URL_MAX, err) == -1)
		return -1;
	if (strncasecmp(v, scheme, strlen(scheme)) != 0 ||
	    v[strlen(scheme)] == '\0')
		return util_err(err, "%s '%s' does not start with %s", field,
		    mime_show(v, shown, sizeof(shown)), scheme);
	return 0;
}

/* A domain or list id: atext and dots, at least one dot when `dotted`. */
static int
mime_check_domain(const char *field, const char *v, size_t max, int dotted,
    char *err)
{
	char shown[4 * MIME_SHOW_MAX + 8];

	if (v == NULL)
		return util_err(err, "%s is missing", field);
	if (mime_check_token(field, v, "(),:;[\\]@", max, err) == -1)
		return -1;
	if (dotted && strchr(v, '.') == NULL)
		return util_err(err, "%s '%s' has no '.'", field,
		    mime_show(v, shown, sizeof(shown)));
	return 0;
}

/* ---- Header values -------------------------------------------------- */

/* "name <addr>" with the name encoded as a phrase, or "addr"; returns an
 * allocated string; caller frees. */
static char *
mime_mailbox_value(const char *name, const char *addr)
{
	char *phrase, *v;

	if (name == NULL || *name == '\0')
		return xstrdup(addr);
	phrase = mime_header_encode(name, 1);
	v = mime_printf("%s <%s>", phrase, addr);
	free(phrase);
	return v;
}

/* The List-Id value from "Name <id>", "<id>" or "id": the name encoded
 * as a phrase, the id checked. Returns an allocated string (caller
 * frees), or NULL with err. */
static char *
mime_list_id_value(const char *list_id, char *err)
{
	const char *lt = strchr(list_id, '<');
	size_t idlen, namelen;
	char *id, *name, *phrase, *v;

	if (lt == NULL)
		return mime_check_domain("list id", list_id, MIME_URL_MAX, 1,
		    err) == -1 ? NULL : mime_printf("<%s>", list_id);
	idlen = strlen(lt + 1);
	if (idlen == 0 || lt[idlen] != '>') {
		util_err(err, "list id does not end its <id> with '>'");
		return NULL;
	}
	id = xstrndup(lt + 1, idlen - 1);
	if (mime_check_domain("list id", id, MIME_URL_MAX, 1, err) == -1) {
		free(id);
		return NULL;
	}
	namelen = (size_t)(lt - list_id);
	while (namelen > 0 && list_id[namelen - 1] == ' ')
		namelen--;
	name = xstrndup(list_id, namelen);
	phrase = mime_header_encode(name, 1);
	v = *phrase != '\0' ? mime_printf("%s <%s>", phrase, id) :
	    mime_printf("<%s>", id);
	free(phrase);
	free(name);
	free(id);
	return v;
}

/* The List-Unsubscribe value: "<https...>, <mailto...>", either or both;
 * returns an allocated string, or NULL when there is neither. */
static char *
mime_unsubscribe_value(const struct mime_message *m)
{
	if (m->unsubscribe_url != NULL && m->unsubscribe_mailto != NULL)
		return mime_printf("<%s>, <%s>", m->unsubscribe_url,
		    m->unsubscribe_mailto);
	if (m->unsubscribe_url != NULL)
		return mime_printf("<%s>", m->unsubscribe_url);
	if (m->unsubscribe_mailto != NULL)
		return mime_printf("<%s>", m->unsubscribe_mailto);
	return NULL;
}

/* The Date value for date in UTC, "Sat, 28 Nov 2026 12:00:00 +0000",
 * with English names whatever the locale; returns an allocated string
 * (caller frees), or NULL with err. Written here rather than by libetpan,
 * whose zone offsets are wrong for half-hour zones. */
static char *
mime_date_value(int64_t date, char *err)
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec"
	};
	time_t t = (time_t)date;
	struct tm tm;

	if ((int64_t)t != date || gmtime_r(&t, &tm) == NULL ||
	    tm.tm_year < 0 || tm.tm_year > 9999 - 1900) {
		util_err(err, "date %lld is out of range", (long long)date);
		return NULL;
	}
	return mime_printf("%s, %02d %s %d %02d:%02d:%02d +0000",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- The message ---------------------------------------------------- */

static int
mime_check(const struct mime_message *m, char *err)
{
	if (mime_check_addr("from address", m->from_addr, err) == -1 ||
	    mime_check_addr("to address", m->to_addr, err) == -1)
		return -1;
	if (m->unsubscribe_url != NULL && mime_check_uri("unsubscribe url",
	    m->unsubscribe_url, "https://", err) == -1)
		return -1;
	if (m->unsubscribe_mailto != NULL && mime_check_uri(
	    "unsubscribe mailto", m->unsubscribe_mailto, "mailto:", err) == -1)
		return -1;
	if (mime_check_domain("message id domain", m->message_id_domain,
	    MIME_DOMAIN_MAX, 0, err) == -1)
		return -1;
	if (m->subject == NULL)
		return util_err(err, "subject is missing");
	return mime_body_check("text", m->text, m->text_len, err) == -1 ||
	    mime_body_check("html", m->html, m->html_len, err) == -1 ? -1 : 0;
}

/* Adds "name: value" as a plain field; takes ownership of value.
 * libetpan writes it with its folding writer: words separated by single
 * spaces, folded before a word that would pass column 72, and CR or LF
 * (there are none by now) as white space. */
static void
mime_add_field(struct mailimf_fields *fields, const char *name, char *value)
{
	struct mailimf_field *f = mailimf_field_new_custom(xstrdup(name), value);

	if (f == NULL || mailimf_fields_add(fields, f) != MAILIMF_NO_ERROR)
		mime_oom();
}

/*
 * The header fields, or NULL with err. From and To are plain fields
 * holding "phrase <addr>": libetpan's mailbox writer puts any display
 * name that is not one atom in quotes, and encoded words inside quotes
 * are not decoded (RFC 2047 5; Python flags them as a defect), so a name
 * of two encoded words would arrive as "=?UTF-8?B?...". Message-ID and
 * Subject are libetpan's own fields, given our values.
 */
static struct mailimf_fields *
mime_fields(const struct mime_message *m, const char *id, char *err)
{
	struct mailimf_fields *fields;
	char *date, *list_id = NULL, *unsub;

	if ((date = mime_date_value(m->date, err)) == NULL)
		return NULL;
	if (m->list_id != NULL &&
	    (list_id = mime_list_id_value(m->list_id, err)) == NULL) {
		free(date);
		return NULL;
	}
	if ((fields = mailimf_fields_new_empty()) == NULL)
		mime_oom();
	mime_add_field(fields, "From", mime_mailbox_value(m->from_name,
	    m->from_addr));
	mime_add_field(fields, "To", mime_mailbox_value(m->to_name,
	    m->to_addr));
	mime_add_field(fields, "Date", date);
	/* takes ownership of the id and the subject */
	if (mailimf_fields_add_data(fields, NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL, xstrdup(id), NULL, NULL,
	    mime_header_encode(m->subject, 0)) != MAILIMF_NO_ERROR)
		mime_oom();
	if (list_id != NULL)
		mime_add_field(fields, "List-Id", list_id);
	if ((unsub = mime_unsubscribe_value(m)) != NULL)
		mime_add_field(fields, "List-Unsubscribe", unsub);
	if (m->unsubscribe_url != NULL)
		mime_add_field(fields, "List-Unsubscribe-Post",
		    xstrdup("List-Unsubscribe=One-Click"));
	return fields;
}

/* A text part around the encoded body b, which stays ours: libetpan is
 * told it is already encoded (dt_encoded 1), so it writes it as it is,
 * and mailmime_free does not free it. */
static struct mailmime *
mime_text_part(const char *type, const struct mime_body *b)
{
	struct mailmime_content *content = mailmime_content_new_with_str(type);
	struct mailmime_fields *fields =
	    mailmime_fields_new_encoding(b->mechanism);
	struct mailmime_data *data = mailmime_data_new(MAILMIME_DATA_TEXT,
	    b->mechanism, 1, b->data, b->len, NULL);
	struct mailmime *part;

	if (content == NULL || fields == NULL || data == NULL)
		mime_oom();
	part = mailmime_new(MAILMIME_SINGLE, NULL, 0, fields, content, data,
	    NULL, NULL, NULL, NULL, NULL);
	if (part == NULL)
		mime_oom();
	return part;
}

/* multipart/alternative with our boundary: "=_" cannot occur in QP (an
 * "=" is followed by a hex digit or a line break) nor in base64, so no
 * body line can be mistaken for it, whatever the text says. libetpan's
 * own boundary is time, random() and pid: predictable, and written
 * literally by QP. */
static struct mailmime *
mime_alternative(const char *uuid, struct mailmime *text,
    struct mailmime *html)
{
	char *type = mime_printf("multipart/alternative; boundary=\"=_%s\"",
	    uuid);
	struct mailmime_content *content = mailmime_content_new_with_str(type);
	struct mailmime_fields *fields = mailmime_fields_new_empty();
	clist *parts = clist_new();
	struct mailmime *alt;

	free(type);
	if (content == NULL || fields == NULL || parts == NULL)
		mime_oom();
	alt = mailmime_new(MAILMIME_MULTIPLE, NULL, 0, fields, content, NULL,
	    NULL, NULL, parts, NULL, NULL);
	if (alt == NULL || mailmime_add_part(alt, text) != MAILIMF_NO_ERROR ||
	    mailmime_add_part(alt, html) != MAILIMF_NO_ERROR)
		mime_oom();
	return alt;
}

/* Writes msg and appends it to out: 0, or -1 with err. */
static int
mime_write(struct mailmime *msg, struct buf *out, char *err)
{
	MMAPString *s = mmap_string_new("");
	int col = 0, rc = 0;

	if (s == NULL || mailmime_write_mem(s, &col, msg) != MAILIMF_NO_ERROR)
		mime_oom();
	if (buf_append(out, s->str, s->len) == -1)
		rc = util_err(err, "message of %zu bytes exceeds the output "
		    "maximum of %zu", s->len, out->max);
	mmap_string_free(s);
	return rc;
}

int
mime_message_build(const struct mime_message *m, struct buf *out,
    char message_id[MIME_MESSAGE_ID_MAX], char *err)
{
	struct mime_body text, html;
	struct mailimf_fields *fields;
	struct mailmime *msg;
	char uuid[MIME_UUID_LEN + 1], id[MIME_MESSAGE_ID_MAX];
	uuid_t u;
	int rc;

	if (mime_check(m, err) == -1)
		return -1;
	uuid_generate_random(u);
	uuid_unparse_lower(u, uuid);
	snprintf(id, sizeof(id), "%s@%s", uuid, m->message_id_domain);
	if ((fields = mime_fields(m, id, err)) == NULL)
		return -1;
	mime_body_encode(m->text, m->text_len, &text);
	mime_body_encode(m->html, m->html_len, &html);
	if ((msg = mailmime_new_message_data(NULL)) == NULL)
		mime_oom();
	mailmime_set_imf_fields(msg, fields);
	if (mailmime_smart_add_part(msg, mime_alternative(uuid,
	    mime_text_part("text/plain; charset=utf-8", &text),
	    mime_text_part("text/html; charset=utf-8", &html))) !=
	    MAILIMF_NO_ERROR)
		mime_oom();
	rc = mime_write(msg, out, err);
	mailmime_free(msg);
	free(text.data);
	free(html.data);
	if (rc == 0 && message_id != NULL)
		snprintf(message_id, MIME_MESSAGE_ID_MAX, "%s", id);
	return rc;
}
