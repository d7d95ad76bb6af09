/*
 * mime: the message as bytes. The decisions are in mime.h.
 *
 * The message is written once, straight into the caller's buf, in space
 * reserved for an upper bound of its size (mime_message_bound): no
 * libetpan tree, no intermediate MMAPString, no copy.
 *
 * libetpan still writes the top header block: each field goes through
 * its field writer (mailimf_field_write_driver; the fields are structures
 * on the stack and the output goes through mime_sink_write), so the
 * folding is libetpan's own. Everything after it is written here:
 * MIME-Version, the multipart Content-Type, the delimiter lines and the
 * part headers, byte for byte as libetpan's mailmime writer wrote them for
 * the tree this module used to build (../shared/deps.md section 1), and
 * the bodies, encoded here: libetpan's QP writer doubles the white space
 * before a line break, and its writer walked every byte of an encoded
 * body again to fix line ends that were CRLF already.
 *
 * Departures from libetpan's defaults, each for a reason given where it
 * happens: From and To are written as plain fields, the boundary and the
 * Message-ID are ours, and Date is written here.
 *
 * Nothing here fails but the checks: a size bound that proved too small
 * or a field libetpan refuses would be a bug, and aborts, as xmalloc does
 * on exhaustion, rather than send a half-written message.
 */
#include "mime.h"
#include "utf8.h"
#include "util.h"

#include <libetpan/libetpan.h>
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


/* 1 when mime_header_encode(value, phrase) would return value itself,
 * found without allocating: words of printable ASCII between single
 * spaces (no empty word), each plain. Nothing is cleaned in such a value
 * and no run is encoded. The common case: "The Digest", "Ann Reader". */
static int
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

/* ---- Bodies ------------------------------------------------------- */

/*
 * Both encoders write into space the caller has reserved (at least
 * mime_qp_bound or mime_b64_bound bytes) and return the end of what they
 * wrote: no allocation, no copy, no call per byte. The bytes are the
 * same as those of the byte-at-a-time encoders this module had before;
 * only the way there is shorter. Most bytes are looked at 8 at a time, a
 * word of 64 bits, with masks that flag each byte by its high bit.
 */

/* The 8 bytes at s as a word, in the machine's byte order. */
static inline uint64_t
mime_load8(const unsigned char *s)
{
	uint64_t w;

	memcpy(&w, s, 8);
	return w;
}

/* The high bit of every byte of w that is "loud": a control, DEL, '='
 * or a non-ASCII byte. The other bytes, printable ASCII and space, are
 * quiet: they stand for themselves in QP wherever they are (a space
 * unless a line break follows) and are never escapes. Exact for each
 * byte: no borrow or carry crosses from one byte to the next. */
static inline uint64_t
mime_loud(uint64_t w)
{
	uint64_t ctl = ~((w | UTIL_HIGHS) - 0x20 * UTIL_ONES);
	uint64_t eq = ~(((w ^ (0x3D * UTIL_ONES)) | UTIL_HIGHS) - UTIL_ONES);
	uint64_t del = ((w & ~UTIL_HIGHS) + UTIL_ONES) & ~w;

	return (w | ctl | eq | del) & UTIL_HIGHS;
}

/* How many bytes at s come before the first loud one, given its mask
 * (not 0) from mime_loud. */
static inline size_t
mime_quiet_prefix(const unsigned char *s, uint64_t loud)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	(void)s;
	return (size_t)__builtin_ctzll(loud) / 8;
#elif defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	(void)s;
	return (size_t)__builtin_clzll(loud) / 8;
#else
	size_t k = 0;

	(void)loud;
	while ((mime_loud((uint64_t)s[k]) & 0x80) == 0)
		k++;
	return k;
#endif
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

/* The length of the valid UTF-8 sequence that starts with the non-ASCII
 * byte s[0] (n > 0 bytes left), or 0 when it is not one: utf8_decode's
 * rules (no overlong form, no surrogate, nothing above U+10FFFF), inline. */
static inline size_t
mime_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0], lo, hi;

	if (c >= 0xC2 && c <= 0xDF)
		return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
		return n >= 3 && s[1] >= lo && s[1] <= hi &&
		    (s[2] & 0xC0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
		return n >= 4 && s[1] >= lo && s[1] <= hi &&
		    (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80 ? 4 : 0;
	}
	return 0;
}

/* 1 when the 8 bytes at s are 4 characters of 2 bytes (U+0080 to
 * U+07FF: Cyrillic, Greek, Hebrew, Arabic), all checked at once: each
 * lead byte C2 to DF, each continuation 80 to BF. */
static inline int
mime_utf8_four2(const unsigned char *s)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w = mime_load8(s);

	return (w & 0xC0E0C0E0C0E0C0E0ULL) == 0x80C080C080C080C0ULL &&
	    (((w & 0x001E001E001E001EULL) + 0x007F007F007F007FULL) &
	    0x0080008000800080ULL) == 0x0080008000800080ULL;
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	uint64_t w = mime_load8(s);

	return (w & 0xE0C0E0C0E0C0E0C0ULL) == 0xC080C080C080C080ULL &&
	    (((w & 0x1E001E001E001E00ULL) + 0x7F007F007F007F00ULL) &
	    0x8000800080008000ULL) == 0x8000800080008000ULL;
#else
	(void)s;
	return 0;
#endif
}

/*
 * One pass over a part of n bytes: returns the offset of its first byte
 * that is not valid UTF-8 (n when there is none) and stores in *escapes
 * how many bytes QP writes as =XX wherever they stand: all but printable
 * ASCII, space, tab and line breaks (a CR counts unless a LF follows).
 * Quiet bytes, most of a digest, are passed 8 at a time; a run of
 * non-ASCII characters is decoded in a loop of its own.
 */
static size_t
mime_scan(const char *str, size_t n, size_t *escapes)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, e = 0, k, start, spaces;
	uint64_t loud;
	unsigned c;

	for (;;) {
		if (n - i >= 8) {
			if ((loud = mime_loud(mime_load8(s + i))) == 0) {
				i += 8;
				continue;
			}
			i += mime_quiet_prefix(s + i, loud);
		} else {
			while (i < n && mime_qp_class[s[i]] == QP_LIT)
				i++;
			if (i == n)
				break;
		}
		/* a loud byte at i, or a space or tab at the end */
		c = s[i];
		if (c < 0x80) {
			k = mime_qp_class[c];
			e += k == QP_ESC || (k == QP_CR &&
			    (i + 1 == n || s[i + 1] != '\n'));
			i++;
			continue;
		}
		/* non-ASCII characters and the single spaces between them
		 * (Cyrillic or CJK text), all bytes but the spaces escapes */
		start = i;
		spaces = 0;
		for (;;) {
			c = s[i];
			if (n - i >= 8 && mime_utf8_four2(s + i))
				i += 8;
			else if (c - 0xC2u <= 0xDFu - 0xC2u && n - i >= 2 &&
			    (s[i + 1] & 0xC0) == 0x80)
				i += 2;
			else if ((k = mime_utf8_len(s + i, n - i)) != 0)
				i += k;
			else {
				*escapes = e + (i - start - spaces);
				return i;
			}
			if (i == n)
				break;
			if ((c = s[i]) >= 0x80)
				continue;
			if (c != ' ' || n - i < 2 || s[i + 1] < 0x80)
				break;
			i++;
			spaces++;
		}
		e += i - start - spaces;
	}
	*escapes = e;
	return n;
}

static int
mime_is_crlf(const unsigned char *s, size_t n, size_t i)
{
	return s[i] == '\r' && i + 1 < n && s[i + 1] == '\n';
}

/* 1 when position i ends a line: a LF, a CRLF or the end of the text. */
static int
mime_is_line_end(const unsigned char *s, size_t n, size_t i)
{
	return i == n || s[i] == '\n' || mime_is_crlf(s, n, i);
}

/* 1 when a line of QP output must not start with the byte at s[i]: a
 * "." (SMTP's end of data) or the "F" of "From " (mbox). */
static int
mime_qp_guards_start(const unsigned char *s, size_t n, size_t i)
{
	return s[i] == '.' ||
	    (s[i] == 'F' && n - i >= 5 && memcmp(s + i, "From ", 5) == 0);
}

/* 1 when white space just before position i is not copied as it is:
 * the end of the text, a LF or a CR comes there. */
static inline int
mime_qp_ws_stops(const unsigned char *s, size_t n, size_t i)
{
	return i == n || s[i] == '\n' || s[i] == '\r';
}

/* 1 when s[i] stands for itself inside a line: a literal, or white
 * space that no CR or LF follows. */
static inline int
mime_qp_is_inner(const unsigned char *s, size_t n, size_t i)
{
	int c = mime_qp_class[s[i]];

	return c == QP_LIT || (c == QP_WSP && !mime_qp_ws_stops(s, n, i + 1));
}

/* At most 3 characters a byte, and a soft break "=\r\n" only after 73 of
 * them or more on its line. */
static size_t
mime_qp_bound(size_t n)
{
	return 3 * n + 3 * (3 * n / 73 + 1);
}

/* Where mime_qp_encode stopped short, returning NULL. */
struct mime_qp_stop {
	size_t at;	/* the byte that is not UTF-8, or where checking resumes */
	int bad;	/* 1: not UTF-8 at `at`; 0: base64 wins */
};

/*
 * Quoted-printable of s into o (mime_qp_bound(n) bytes); returns the
 * end. White space before a line break or the end is escaped, so no line
 * ends in white space; lines are at most 76 characters. Inside a line,
 * the bytes that stand for themselves are copied 8 at a time while the
 * line has room for them and for a soft break (the counter col); the
 * rest goes byte by byte.
 *
 * It also checks s, in the same pass: every non-ASCII byte comes by the
 * escape loop, which checks each UTF-8 sequence as it starts, and counts
 * the bytes that are escapes wherever they stand (mime_scan's count). It
 * stops short, returning NULL and saying why in *stop, at the first byte
 * that is not UTF-8, or once more than 1/6 of s is escapes: base64 is
 * then the shorter, and everything before stop->at has been checked.
 */
static char *
mime_qp_encode(const char *str, size_t n, char *o, struct mime_qp_stop *stop)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, col = 0, j, k, limit, escapes = 0, most = n / 6;
	size_t checked = 0;	/* the end of the last sequence checked */
	uint64_t w, loud;
	unsigned c;
	int esc, at_end;

	while (i < n) {
		if (col > 0 && col < MIME_QP_LINE - 1) {
			/* a run of inner bytes, up to column 75 */
			limit = i + (MIME_QP_LINE - 1 - col);
			if (limit > n)
				limit = n;
			j = i;
			while (j < limit) {
				if (n - j >= 8) {
					/* The 8 bytes are stored whatever
					 * part of them is kept: the bound
					 * leaves 3 bytes for each byte of
					 * input still to come. */
					w = mime_load8(s + j);
					memcpy(o, &w, 8);
					loud = mime_loud(w);
					if (loud == 0 && limit - j >= 8 &&
					    (s[j + 7] != ' ' ||
					    !mime_qp_ws_stops(s, n, j + 8))) {
						o += 8;
						j += 8;
						continue;
					}
					k = loud == 0 ? 8 :
					    mime_quiet_prefix(s + j, loud);
					if (k > limit - j)
						k = limit - j;
					/* a space before a line break is
					 * not inner */
					if (k > 0 && s[j + k - 1] == ' ' &&
					    mime_qp_ws_stops(s, n, j + k))
						k--;
					o += k;
					j += k;
				}
				if (j < limit && mime_qp_is_inner(s, n, j)) {
					*o++ = (char)s[j++];
					continue;
				}
				break;
			}
			if (j > i) {
				col += j - i;
				i = j;
				continue;
			}
		}
		c = s[i];
		if (mime_qp_class[c] == QP_ESC) {
			/* =XX whatever follows (every byte of a non-ASCII
			 * character, say): a soft break first when it does
			 * not fit, column 76 being only for a line's last */
			do {
				if (c >= 0x80 && i >= checked) {
					if ((k = mime_utf8_len(s + i,
					    n - i)) == 0) {
						stop->at = i;
						stop->bad = 1;
						return NULL;
					}
					checked = i + k;
				}
				if (++escapes > most) {
					stop->at = checked > i ? checked : i + 1;
					stop->bad = 0;
					return NULL;
				}
				if (col + 3 > MIME_QP_LINE - 1 &&
				    (col + 3 > MIME_QP_LINE ||
				    !mime_is_line_end(s, n, i + 1))) {
					memcpy(o, "=\r\n", 3);
					o += 3;
					col = 0;
				}
				o[0] = '=';
				o[1] = mime_hex[c >> 4];
				o[2] = mime_hex[c & 15];
				o += 3;
				col += 3;
			} while (++i < n &&
			    mime_qp_class[c = s[i]] == QP_ESC);
			continue;
		}
		if (c == '\n' || mime_is_crlf(s, n, i)) {
			o[0] = '\r';
			o[1] = '\n';
			o += 2;
			i += c == '\n' ? 1 : 2;
			col = 0;
			continue;
		}
		if (c == '\r' && ++escapes > most) {	/* a CR without LF */
			stop->at = i + 1;
			stop->bad = 0;
			return NULL;
		}
		at_end = mime_is_line_end(s, n, i + 1);
		esc = c == ' ' || c == '\t' ? at_end :
		    mime_qp_class[c] != QP_LIT;
		/* The last token of a line may use column 76; any other
		 * must leave it for the soft break's "=". */
		if (col + (esc ? 3 : 1) > (size_t)(MIME_QP_LINE - !at_end)) {
			memcpy(o, "=\r\n", 3);
			o += 3;
			col = 0;
		}
		if (col == 0 && !esc && mime_qp_guards_start(s, n, i))
			esc = 1;
		if (esc) {
			o[0] = '=';
			o[1] = mime_hex[c >> 4];
			o[2] = mime_hex[c & 15];
			o += 3;
			col += 3;
		} else {
			*o++ = (char)c;
			col++;
		}
		i++;
	}
	return o;
}

/* Base64 written as it goes: the bytes of an incomplete group wait in
 * carry, col counts the characters on the current line. */
struct mime_b64 {
	char *o;
	size_t col;
	unsigned char carry[3];
	size_t ncarry;
};

/* Base64 two characters at a time: the pair for each 12 bits, a table
 * of 8 KB that the preprocessor writes. */
#define MIME_B64_CHAR(x) ((x) < 26 ? 'A' + (x) : (x) < 52 ? 'a' + (x) - 26 : \
    (x) < 62 ? '0' + (x) - 52 : (x) == 62 ? '+' : '/')
#define MIME_B64_P1(i) { MIME_B64_CHAR((i) >> 6), MIME_B64_CHAR((i) & 63) }
#define MIME_B64_P4(i) MIME_B64_P1(i), MIME_B64_P1((i) + 1), \
    MIME_B64_P1((i) + 2), MIME_B64_P1((i) + 3)
#define MIME_B64_P16(i) MIME_B64_P4(i), MIME_B64_P4((i) + 4), \
    MIME_B64_P4((i) + 8), MIME_B64_P4((i) + 12)
#define MIME_B64_P64(i) MIME_B64_P16(i), MIME_B64_P16((i) + 16), \
    MIME_B64_P16((i) + 32), MIME_B64_P16((i) + 48)
#define MIME_B64_P256(i) MIME_B64_P64(i), MIME_B64_P64((i) + 64), \
    MIME_B64_P64((i) + 128), MIME_B64_P64((i) + 192)
#define MIME_B64_P1024(i) MIME_B64_P256(i), MIME_B64_P256((i) + 256), \
    MIME_B64_P256((i) + 512), MIME_B64_P256((i) + 768)

static const char mime_b64_pairs[4096][2] = {
	MIME_B64_P1024(0), MIME_B64_P1024(1024), MIME_B64_P1024(2048),
	MIME_B64_P1024(3072)
};

/* One group: 3 bytes at s as 4 characters at o. */
static inline void
mime_b64_put(char *o, const unsigned char *s)
{
	unsigned v = (unsigned)s[0] << 16 | (unsigned)s[1] << 8 | s[2];

	memcpy(o, mime_b64_pairs[v >> 12], 2);
	memcpy(o + 2, mime_b64_pairs[v & 0xFFF], 2);
}

/* The 6 bytes at s, big-endian, as the low 48 bits of a word; 8 bytes
 * must be readable at s. */
static inline uint64_t
mime_load48(const unsigned char *s)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap64(mime_load8(s)) >> 16;
#elif defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return mime_load8(s) >> 16;
#else
	return (uint64_t)s[0] << 40 | (uint64_t)s[1] << 32 |
	    (uint64_t)s[2] << 24 | (uint64_t)s[3] << 16 |
	    (uint64_t)s[4] << 8 | s[5];
#endif
}

/* Two groups: 6 bytes at s as 8 characters at o; 8 bytes must be
 * readable at s. */
static inline void
mime_b64_put2(char *o, const unsigned char *s)
{
	uint64_t v = mime_load48(s);

	memcpy(o, mime_b64_pairs[v >> 36], 2);
	memcpy(o + 2, mime_b64_pairs[(v >> 24) & 0xFFF], 2);
	memcpy(o + 4, mime_b64_pairs[(v >> 12) & 0xFFF], 2);
	memcpy(o + 6, mime_b64_pairs[v & 0xFFF], 2);
}

/* Appends n bytes of (canonical) text: whole groups go straight out,
 * two at a time, up to the end of the line. Bytes up to lim may be read
 * (at least s + n). */
static void
mime_b64_feed(struct mime_b64 *b, const unsigned char *s, size_t n,
    const unsigned char *lim)
{
	size_t groups, k;
	char *o;

	while (b->ncarry > 0 && n > 0) {
		b->carry[b->ncarry++] = *s++;
		n--;
		if (b->ncarry == 3) {
			mime_b64_put(b->o, b->carry);
			b->o += 4;
			b->ncarry = 0;
			if ((b->col += 4) == MIME_B64_LINE) {
				memcpy(b->o, "\r\n", 2);
				b->o += 2;
				b->col = 0;
			}
		}
	}
	o = b->o;
	while (n >= 3) {
		groups = (MIME_B64_LINE - b->col) / 4;
		if (groups > n / 3)
			groups = n / 3;
		n -= 3 * groups;
		for (k = 0; k + 2 <= groups && lim - s >= 8; k += 2) {
			mime_b64_put2(o, s);
			o += 8;
			s += 6;
		}
		for (; k < groups; k++) {
			mime_b64_put(o, s);
			o += 4;
			s += 3;
		}
		if ((b->col += 4 * groups) == MIME_B64_LINE) {
			o[0] = '\r';
			o[1] = '\n';
			o += 2;
			b->col = 0;
		}
	}
	b->o = o;
	while (n > 0) {
		b->carry[b->ncarry++] = *s++;
		n--;
	}
}

/* Canonical text is at most twice as long (every LF gains a CR). */
static size_t
mime_b64_bound(size_t n)
{
	size_t chars = (2 * n + 2) / 3 * 4;

	return chars + 2 * (chars / MIME_B64_LINE + 1);
}

/*
 * Base64 of s with every line break as CRLF, MIME's canonical form for
 * text that base64 hides from the transport, in lines of 76 characters
 * each ending in CRLF, into out (mime_b64_bound(n) bytes); returns the
 * end. The canonical form is not made as a copy: each piece between LFs
 * is fed as it is, then the CRLF (or the LF after a CR that is there).
 */
static char *
mime_b64_encode(const char *str, size_t n, char *out)
{
	static const unsigned char crlf[2] = { '\r', '\n' };
	const unsigned char *s = (const unsigned char *)str, *p = s,
	    *end = s + n, *lf;
	struct mime_b64 b = { out, 0, { 0, 0, 0 }, 0 };

	size_t cr;

	while ((lf = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		mime_b64_feed(&b, p, (size_t)(lf - p), end);
		cr = lf != s && lf[-1] == '\r';	/* fed already */
		mime_b64_feed(&b, crlf + cr, 2 - cr, crlf + 2);
		p = lf + 1;
	}
	mime_b64_feed(&b, p, (size_t)(end - p), end);
	if (b.ncarry > 0) {
		mime_b64_group(b.carry, b.ncarry, b.o);
		b.o += 4;
		b.col += 4;
	}
	if (b.col > 0) {
		memcpy(b.o, "\r\n", 2);
		b.o += 2;
	}
	return b.o;
}

/* A part of the message, and once it is known how it goes out. QP
 * writes an escaped byte in 3 characters and base64 every 3 bytes in 4,
 * so base64 wins once more than 1/6 of the bytes need escaping. */
struct mime_part {
	const char *what;	/* "text" or "html" */
	const char *s;
	size_t n;
	int known;	/* checked as UTF-8, the encoding decided */
	int base64;	/* when known: base64, else quoted-printable */
};

/* Enough for the part's encoding, whichever it turns out to be. */
static size_t
mime_part_bound(const struct mime_part *p)
{
	size_t qp = mime_qp_bound(p->n), b64 = mime_b64_bound(p->n);

	return qp > b64 ? qp : b64;
}

/* Checks p as UTF-8 and decides its encoding, unless that is done: 0, or
 * -1 with err. */
static int
mime_part_check(struct mime_part *p, char *err)
{
	size_t bad, escapes = 0;

	if (p->known)
		return 0;
	if ((bad = mime_scan(p->s, p->n, &escapes)) < p->n)
		return util_err(err, "%s part is not valid UTF-8 at offset %zu",
		    p->what, bad);
	p->known = 1;
	p->base64 = escapes * 6 > p->n;
	return 0;
}

/* 1 when s (n > 0) looks like more than 1/6 of it will be escapes: more
 * than 1/6 of the bytes of 32 words taken across it (of all its bytes,
 * when it is short) are non-ASCII (Cyrillic, CJK). Such a part is checked,
 * and its encoding decided, before it is written; any other is checked as
 * QP writes it (mime_qp_encode), which saves a pass, and goes base64 if
 * its escapes tip it over after all. A guess: it decides how long the
 * work takes, never which bytes are written. */
static int
mime_part_looks_base64(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i, high = 0, step;

	if (n < 256) {
		for (i = 0; i < n; i++)
			high += s[i] >> 7;
		return high * 6 > n;
	}
	step = (n - 8) / 31;
	for (i = 0; i < 32; i++)
		high += (size_t)((((mime_load8(s + i * step) & UTIL_HIGHS) >>
		    7) * UTIL_ONES) >> 56);
	return high * 6 > 256;
}

/* The checks before anything is written, in the order they report:
 * NULL, then NUL, then (for a part that looks base64) UTF-8. Fills in p:
 * 0, or -1 with err. */
static int
mime_part_prepare(const char *what, const char *s, size_t n,
    struct mime_part *p, char *err)
{
	const char *nul;

	p->what = what;
	p->s = s;
	p->n = n;
	p->known = n == 0;
	p->base64 = 0;
	if (n == 0)
		return 0;
	if (s == NULL)
		return util_err(err, "%s part is NULL with %zu bytes", what, n);
	if ((nul = memchr(s, '\0', n)) != NULL)
		return util_err(err, "%s part holds a NUL byte at offset %zu",
		    what, (size_t)(nul - s));
	return mime_part_looks_base64(s, n) ? mime_part_check(p, err) : 0;
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

/* The length of the UTF-8 character at p when an address may hold it
 * (RFC 6532: any character but a control, C1 included, and the Unicode
 * line and paragraph separators), else 0. */
static size_t
mime_utf8_atext(const char *p, size_t n)
{
	uint32_t cp;
	size_t k = utf8_decode(p, n, &cp);

	if ((cp == UTF8_REPLACEMENT && k == 1) || cp < 0xA0 ||
	    cp == 0x2028 || cp == 0x2029)
		return 0;
	return k;
}

/* 0 when v may stand between < and > in a header: 1 to max bytes of
 * printable ASCII without space, '<', '>', '"' or any of `forbid`, and
 * with utf8 also non-ASCII characters (mime_utf8_atext). Else -1 with
 * err naming the field. */
static int
mime_check_token(const char *field, const char *v, const char *forbid,
    size_t max, int utf8, char *err)
{
	char shown[4 * MIME_SHOW_MAX + 8];
	const unsigned char *p;
	uint64_t set[2] = { 0, 0 };
	size_t n = strlen(v);
	unsigned c;

	if (n == 0)
		return util_err(err, "%s is empty", field);
	if (n > max)
		return util_err(err, "%s '%s' is longer than %zu bytes", field,
		    mime_show(v, shown, sizeof(shown)), max);
	/* '<', '>', '"' and forbid as a set of ASCII characters */
	for (p = (const unsigned char *)"<>\""; *p != '\0'; p++)
		set[*p >> 6] |= (uint64_t)1 << (*p & 63);
	for (p = (const unsigned char *)forbid; *p != '\0'; p++)
		set[*p >> 6 & 1] |= (uint64_t)1 << (*p & 63);
	for (p = (const unsigned char *)v; (c = *p) != '\0'; p++) {
		size_t k;

		if (c > 0x20 && c < 0x7F && (set[c >> 6] >> (c & 63) & 1) == 0)
			continue;
		if (c >= 0x80 && utf8 && (k = mime_utf8_atext((const char *)p,
		    n - (size_t)(p - (const unsigned char *)v))) > 0) {
			p += k - 1;
			continue;
		}
		mime_show(v, shown, sizeof(shown));
		if (c < 0x20 || c == 0x7F)
			return util_err(err, "%s '%s' holds a control "
			    "character", field, shown);
		if (c == ' ')
			return util_err(err, "%s '%s' holds a space", field,
			    shown);
		if (c >= 0x80 && utf8)
			return util_err(err, "%s '%s' holds a control or a byte "
			    "that is not UTF-8", field, shown);
		if (c >= 0x80)
			return util_err(err, "%s '%s' holds a non-ASCII byte",
			    field, shown);
		return util_err(err, "%s '%s' holds '%c'", field, shown,
		    (int)c);
	}
	return 0;
}

/* An address: a token without RFC 5322's specials (which would split or
 * quote it) and with one '@' between a local part and a domain; UTF-8
 * as RFC 6532 allows (the message then needs SMTPUTF8 to travel). */
static int
mime_check_addr(const char *field, const char *v, char *err)
{
	char shown[4 * MIME_SHOW_MAX + 8];
	const char *at;

	if (v == NULL)
		return util_err(err, "%s is missing", field);
	if (mime_check_token(field, v, "(),:;[\\]", MIME_ADDR_MAX, 1, err) == -1)
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

/* Whether v is scheme followed by something. */
static int
mime_has_scheme(const char *v, const char *scheme)
{
	return strncasecmp(v, scheme, strlen(scheme)) == 0 &&
	    v[strlen(scheme)] != '\0';
}

/* A List-Unsubscribe URI: scheme checked (the second one, when not
 * NULL, is also allowed), and no comma (RFC 2369 wants literal commas
 * encoded: they separate the URIs). */
static int
mime_check_uri(const char *field, const char *v, const char *scheme,
    const char *or_scheme, char *err)
{
	char shown[4 * MIME_SHOW_MAX + 8];

	if (mime_check_token(field, v, ",", MIME_URL_MAX, 0, err) == -1)
		return -1;
	if (!mime_has_scheme(v, scheme) && (or_scheme == NULL ||
	    !mime_has_scheme(v, or_scheme)))
		return util_err(err, "%s '%s' does not start with %s%s%s",
		    field, mime_show(v, shown, sizeof(shown)), scheme,
		    or_scheme ? " or " : "", or_scheme ? or_scheme : "");
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
	if (mime_check_token(field, v, "(),:;[\\]@", max, 0, err) == -1)
		return -1;
	if (dotted && strchr(v, '.') == NULL)
		return util_err(err, "%s '%s' has no '.'", field,
		    mime_show(v, shown, sizeof(shown)));
	return 0;
}

int
mime_address_check(const char *field, const char *addr, char *err)
{
	return mime_check_addr(field, addr, err);
}

int
mime_domain_check(const char *field, const char *domain, int dotted,
    char *err)
{
	return mime_check_domain(field, domain, MIME_DOMAIN_MAX, dotted, err);
}

int
mime_url_check(const char *field, const char *url, char *err)
{
	return mime_check_uri(field, url, "https://", "http://", err);
}

/* ---- Header values -------------------------------------------------- */

#define MIME_HEAD_STORE 1024
#define MIME_HEAD_OWNED 12

/*
 * The values of the top header block. They are composed in store, on the
 * stack, when they fit (they do for any ordinary message), else in
 * allocations that owned keeps; so are the copies the checks need. A
 * value that mime_header_encode would return unchanged is used as it is.
 */
struct mime_head {
	char date[32];
	const char *from, *to, *subject;
	const char *list_id;	/* NULL when there is none */
	const char *unsub;	/* NULL when there is none */
	int post;		/* List-Unsubscribe-Post: an https URL */
	char *owned[MIME_HEAD_OWNED];
	size_t nowned, used;
	char store[MIME_HEAD_STORE];
};

static void
mime_head_init(struct mime_head *h)
{
	h->list_id = h->unsub = NULL;
	h->nowned = h->used = 0;
}

static void
mime_head_free(struct mime_head *h)
{
	while (h->nowned > 0)
		free(h->owned[--h->nowned]);
}

static void
mime_head_own(struct mime_head *h, char *p)
{
	if (h->nowned == MIME_HEAD_OWNED) {
		fprintf(stderr, "digest: mime: too many header allocations\n");
		abort();
	}
	h->owned[h->nowned++] = p;
}

/* n bytes for a value of h. */
static char *
mime_head_alloc(struct mime_head *h, size_t n)
{
	char *p;

	if (n <= MIME_HEAD_STORE - h->used) {
		p = h->store + h->used;
		h->used += n;
		return p;
	}
	p = xmalloc(n);
	mime_head_own(h, p);
	return p;
}

/* The n bytes at s as a string of h. */
static char *
mime_head_strndup(struct mime_head *h, const char *s, size_t n)
{
	char *p = mime_head_alloc(h, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* a, b, c and d (NULL for none) as one string of h. */
static char *
mime_head_cat(struct mime_head *h, const char *a, const char *b,
    const char *c, const char *d)
{
	const char *part[4] = { a, b, c, d };
	size_t len[4], total = 1, i;
	char *p, *o;

	for (i = 0; i < 4; i++)
		total += len[i] = part[i] != NULL ? strlen(part[i]) : 0;
	p = o = mime_head_alloc(h, total);
	for (i = 0; i < 4; i++) {
		memcpy(o, part[i] != NULL ? part[i] : "", len[i]);
		o += len[i];
	}
	*o = '\0';
	return p;
}

/* value as mime_header_encode writes it. */
static const char *
mime_head_encode(struct mime_head *h, const char *value, int phrase)
{
	char *e;

	if (mime_header_is_plain(value, phrase))
		return value;
	e = mime_header_encode(value, phrase);
	mime_head_own(h, e);
	return e;
}

/* "name <addr>" with the name encoded as a phrase, or "addr". */
static const char *
mime_mailbox_value(struct mime_head *h, const char *name, const char *addr)
{
	if (name == NULL || *name == '\0')
		return addr;
	return mime_head_cat(h, mime_head_encode(h, name, 1), " <", addr, ">");
}

/* The List-Id value from "Name <id>", "<id>" or "id": the name encoded
 * as a phrase, the id checked. The value, or NULL with err. */
static const char *
mime_list_id_value(struct mime_head *h, const char *list_id, char *err)
{
	const char *lt = strchr(list_id, '<'), *phrase;
	size_t idlen, namelen;
	char *id;

	if (lt == NULL)
		return mime_check_domain("list id", list_id, MIME_URL_MAX, 1,
		    err) == -1 ? NULL : mime_head_cat(h, "<", list_id, ">",
		    NULL);
	idlen = strlen(lt + 1);
	if (idlen == 0 || lt[idlen] != '>') {
		util_err(err, "list id does not end its <id> with '>'");
		return NULL;
	}
	id = mime_head_strndup(h, lt + 1, idlen - 1);
	if (mime_check_domain("list id", id, MIME_URL_MAX, 1, err) == -1)
		return NULL;
	namelen = (size_t)(lt - list_id);
	while (namelen > 0 && list_id[namelen - 1] == ' ')
		namelen--;
	phrase = mime_head_encode(h, mime_head_strndup(h, list_id, namelen),
	    1);
	return *phrase != '\0' ? mime_head_cat(h, phrase, " <", id, ">") :
	    mime_head_cat(h, "<", id, ">", NULL);
}

/* The List-Unsubscribe value: "<https...>, <mailto...>", either or both;
 * NULL when there is neither. */
static const char *
mime_unsubscribe_value(struct mime_head *h, const struct mime_message *m)
{
	if (m->unsubscribe_url != NULL && m->unsubscribe_mailto != NULL) {
		char *v = mime_head_cat(h, "<", m->unsubscribe_url, ">, <",
		    m->unsubscribe_mailto);

		return mime_head_cat(h, v, ">", NULL, NULL);
	}
	if (m->unsubscribe_url != NULL)
		return mime_head_cat(h, "<", m->unsubscribe_url, ">", NULL);
	if (m->unsubscribe_mailto != NULL)
		return mime_head_cat(h, "<", m->unsubscribe_mailto, ">", NULL);
	return NULL;
}

static char *
mime_put2(char *o, unsigned v)
{
	o[0] = (char)('0' + v / 10 % 10);
	o[1] = (char)('0' + v % 10);
	return o + 2;
}

/* The Date value for date in UTC, "Sat, 28 Nov 2026 12:00:00 +0000",
 * with English names whatever the locale, into out: 0, or -1 with err.
 * Written here rather than by libetpan, whose zone offsets are wrong for
 * half-hour zones. */
static int
mime_date_value(int64_t date, char out[32], char *err)
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
	unsigned year;
	char *o = out;

	if ((int64_t)t != date || gmtime_r(&t, &tm) == NULL ||
	    tm.tm_year < 0 || tm.tm_year > 9999 - 1900)
		return util_err(err, "date %lld is out of range",
		    (long long)date);
	year = (unsigned)tm.tm_year + 1900;	/* four digits */
	memcpy(o, days[tm.tm_wday], 3);
	memcpy(o + 3, ", ", 2);
	o = mime_put2(o + 5, (unsigned)tm.tm_mday);
	*o++ = ' ';
	memcpy(o, months[tm.tm_mon], 3);
	o[3] = ' ';
	o = mime_put2(o + 4, year / 100);
	o = mime_put2(o, year % 100);
	*o++ = ' ';
	o = mime_put2(o, (unsigned)tm.tm_hour);
	*o++ = ':';
	o = mime_put2(o, (unsigned)tm.tm_min);
	*o++ = ':';
	o = mime_put2(o, (unsigned)tm.tm_sec);
	memcpy(o, " +0000", 7);
	return 0;
}

/* The values of the top header block into h (which the caller frees with
 * mime_head_free whatever this returns): 0, or -1 with err. */
static int
mime_head_make(const struct mime_message *m, struct mime_head *h, char *err)
{
	if (mime_date_value(m->date, h->date, err) == -1)
		return -1;
	if (m->list_id != NULL &&
	    (h->list_id = mime_list_id_value(h, m->list_id, err)) == NULL)
		return -1;
	h->from = mime_mailbox_value(h, m->from_name, m->from_addr);
	h->to = mime_mailbox_value(h, m->to_name, m->to_addr);
	h->subject = mime_head_encode(h, m->subject, 0);
	h->unsub = mime_unsubscribe_value(h, m);
	/* One-click (RFC 8058) is for https only; an http link (a server
	 * tried out on this machine) is a plain RFC 2369 link. */
	h->post = m->unsubscribe_url != NULL &&
	    mime_has_scheme(m->unsubscribe_url, "https://");
	return 0;
}

/* ---- The message ---------------------------------------------------- */

/*
 * The checks, in the order they report: the fields, then each part
 * (mime_part_prepare), the text before the html. A part that does not
 * look base64 is checked as it is written, so when the html is refused
 * here the text is checked first: its error comes first.
 */
static int
mime_check(const struct mime_message *m, struct mime_part *text,
    struct mime_part *html, char *err)
{
	if (mime_check_addr("from address", m->from_addr, err) == -1 ||
	    mime_check_addr("to address", m->to_addr, err) == -1)
		return -1;
	if (m->unsubscribe_url != NULL && mime_check_uri("unsubscribe url",
	    m->unsubscribe_url, "https://", "http://", err) == -1)
		return -1;
	if (m->unsubscribe_mailto != NULL && mime_check_uri(
	    "unsubscribe mailto", m->unsubscribe_mailto, "mailto:", NULL,
	    err) == -1)
		return -1;
	if (mime_check_domain("message id domain", m->message_id_domain,
	    MIME_DOMAIN_MAX, 0, err) == -1)
		return -1;
	if (m->subject == NULL)
		return util_err(err, "subject is missing");
	if (mime_part_prepare("text", m->text, m->text_len, text, err) == -1)
		return -1;
	if (mime_part_prepare("html", m->html, m->html_len, html, err) == -1) {
		(void)mime_part_check(text, err);
		return -1;
	}
	return 0;
}

/* Where libetpan's field writer writes: reserved space that a size bound
 * says is enough. Running past it would be a bug in the bound. */
struct mime_sink {
	char *p;
	char *end;
};

static int
mime_sink_write(void *data, const char *s, size_t n)
{
	struct mime_sink *k = data;

	if (n > (size_t)(k->end - k->p)) {
		fprintf(stderr, "digest: mime: message size bound exceeded\n");
		abort();
	}
	memcpy(k->p, s, n);
	k->p += n;
	return 1;
}

/* The most a field "name: value" takes as libetpan folds it: each
 * character once, at most "\r\n " (3) for each word and for every 998
 * characters of one, and the CRLF. */
static size_t
mime_field_bound(const char *name, const char *value)
{
	return value == NULL ? 0 : strlen(name) + 2 + 4 * strlen(value) + 16;
}

/*
 * Writes the field through libetpan's field writer, from structures on
 * the stack. Subject and Message-ID are libetpan's own fields, the others
 * plain ("optional") ones: its mailbox writer puts any display name that
 * is not one atom in quotes, and encoded words inside quotes are not
 * decoded (RFC 2047 5; Python flags them as a defect). Either way the
 * value goes through its folding writer: words separated by single
 * spaces, folded before a word that would pass column 72.
 */
static void
mime_write_field(struct mime_sink *k, int *col, int type, const char *name,
    const char *value)
{
	struct mailimf_optional_field opt = { (char *)name, (char *)value };
	struct mailimf_subject subject = { (char *)value };
	struct mailimf_message_id id = { (char *)value };
	struct mailimf_field f;

	memset(&f, 0, sizeof(f));
	f.fld_type = type;
	if (type == MAILIMF_FIELD_SUBJECT)
		f.fld_data.fld_subject = &subject;
	else if (type == MAILIMF_FIELD_MESSAGE_ID)
		f.fld_data.fld_message_id = &id;
	else
		f.fld_data.fld_optional_field = &opt;
	if (mailimf_field_write_driver(mime_sink_write, k, col, &f) !=
	    MAILIMF_NO_ERROR) {
		fprintf(stderr, "digest: mime: libetpan refused a field\n");
		abort();
	}
}

static char *
mime_put(char *o, const char *s, size_t n)
{
	memcpy(o, s, n);
	return o + n;
}

#define MIME_PUT(o, lit) mime_put((o), (lit), sizeof(lit) - 1)

/* The MIME framing around the two bodies, at most (4 uuids and the
 * longest transfer encoding twice). */
#define MIME_FRAME_MAX (512 + 4 * MIME_UUID_LEN)

static char *
mime_part_head(char *o, const char *uuid, const char *type, int base64)
{
	o = MIME_PUT(o, "--=_");
	o = mime_put(o, uuid, MIME_UUID_LEN);
	o = MIME_PUT(o, "\r\nContent-Type: ");
	o = mime_put(o, type, strlen(type));
	o = MIME_PUT(o, "; charset=\"utf-8\"\r\nContent-Transfer-Encoding: ");
	o = base64 ? MIME_PUT(o, "base64") : MIME_PUT(o, "quoted-printable");
	return MIME_PUT(o, "\r\n\r\n");
}

/*
 * The part p after its delimiter line and headers, at o; returns the
 * end, or NULL with err when p is not UTF-8 (which only a part not yet
 * checked can find). QP is tried unless p is known to be base64; when
 * the count of its escapes says base64 after all, the rest of p is
 * checked and its headers and body are written again as base64.
 */
static char *
mime_part_write(char *o, const char *uuid, const char *type,
    struct mime_part *p, char *err)
{
	struct mime_qp_stop stop = { 0, 0 };
	size_t bad, escapes;
	char *end;

	if (!p->known || !p->base64) {
		end = mime_qp_encode(p->s, p->n,
		    mime_part_head(o, uuid, type, 0), &stop);
		if (end != NULL)
			return end;
		if (stop.bad) {
			util_err(err, "%s part is not valid UTF-8 at offset %zu",
			    p->what, stop.at);
			return NULL;
		}
		bad = mime_scan(p->s + stop.at, p->n - stop.at, &escapes);
		if (bad < p->n - stop.at) {
			util_err(err, "%s part is not valid UTF-8 at offset %zu",
			    p->what, stop.at + bad);
			return NULL;
		}
	}
	return mime_b64_encode(p->s, p->n, mime_part_head(o, uuid, type, 1));
}

/*
 * The whole message into [o, end), which mime_message_bound says is
 * enough; returns the end of what was written, or NULL with err when a
 * part is not UTF-8. After the header block,
 * the bytes libetpan's mailmime writer wrote for our tree: MIME-Version,
 * the multipart Content-Type (its parameter folded onto a line of its
 * own, as libetpan does once "; boundary=..." would pass column 78),
 * each part after a delimiter line, and the close delimiter. The CRLF
 * before a delimiter belongs to it (RFC 2046 5.1.1), so a body that does
 * not end in a line break keeps its end. The boundary starts with "=_",
 * which neither encoding can produce: an "=" in QP is followed by a hex
 * digit or a line break, and base64 has no "_".
 */
static char *
mime_write(char *o, char *end, const struct mime_head *h, const char *id,
    const char *uuid, struct mime_part *text, struct mime_part *html,
    char *err)
{
	struct mime_sink k = { o, end };
	int col = 0;

	mime_write_field(&k, &col, MAILIMF_FIELD_OPTIONAL_FIELD, "From",
	    h->from);
	mime_write_field(&k, &col, MAILIMF_FIELD_OPTIONAL_FIELD, "To", h->to);
	mime_write_field(&k, &col, MAILIMF_FIELD_OPTIONAL_FIELD, "Date",
	    h->date);
	mime_write_field(&k, &col, MAILIMF_FIELD_MESSAGE_ID, NULL, id);
	mime_write_field(&k, &col, MAILIMF_FIELD_SUBJECT, NULL, h->subject);
	if (h->list_id != NULL)
		mime_write_field(&k, &col, MAILIMF_FIELD_OPTIONAL_FIELD,
		    "List-Id", h->list_id);
	if (h->unsub != NULL)
		mime_write_field(&k, &col, MAILIMF_FIELD_OPTIONAL_FIELD,
		    "List-Unsubscribe", h->unsub);
	if (h->post)
		mime_write_field(&k, &col, MAILIMF_FIELD_OPTIONAL_FIELD,
		    "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
	o = MIME_PUT(k.p, "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/alternative; \r\n boundary=\"=_");
	o = mime_put(o, uuid, MIME_UUID_LEN);
	o = MIME_PUT(o, "\"\r\n\r\n");
	if ((o = mime_part_write(o, uuid, "text/plain", text, err)) == NULL)
		return NULL;
	o = MIME_PUT(o, "\r\n");
	if ((o = mime_part_write(o, uuid, "text/html", html, err)) == NULL)
		return NULL;
	o = MIME_PUT(o, "\r\n--=_");
	o = mime_put(o, uuid, MIME_UUID_LEN);
	return MIME_PUT(o, "--\r\n");
}

/* An upper bound of what mime_write writes. */
static size_t
mime_message_bound(const struct mime_head *h, const char *id,
    const struct mime_part *text, const struct mime_part *html)
{
	return mime_field_bound("From", h->from) +
	    mime_field_bound("To", h->to) +
	    mime_field_bound("Date", h->date) +
	    mime_field_bound("Message-ID", id) +
	    mime_field_bound("Subject", h->subject) +
	    mime_field_bound("List-Id", h->list_id) +
	    mime_field_bound("List-Unsubscribe", h->unsub) +
	    mime_field_bound("List-Unsubscribe-Post",
	    "List-Unsubscribe=One-Click") +
	    MIME_FRAME_MAX + mime_part_bound(text) + mime_part_bound(html);
}

/*
 * Checks, then writes the message once: straight into out when the bound
 * fits under its maximum (buf_reserve, and len moved only at the end by
 * buf_commit, so out is unchanged until then);
 * else, which only a message near the maximum meets, into a scratch
 * block first, so that the maximum is judged on the exact size. A part
 * can still be refused while it is written (mime_part_write); the errors
 * keep their order: the parts' come before the Date's and the List-Id's,
 * whose values the header block needs first.
 */
int
mime_message_build(const struct mime_message *m, struct buf *out,
    char message_id[MIME_MESSAGE_ID_MAX], char *err)
{
	struct mime_part text = { 0 }, html = { 0 };
	struct mime_head h;
	char uuid[MIME_UUID_LEN + 1], id[MIME_MESSAGE_ID_MAX];
	char *dst, *scratch = NULL, *end;
	size_t bound, dlen, len;
	uuid_t u;
	int rc = 0;

	if (mime_check(m, &text, &html, err) != 0)
		return -1;
	uuid_generate_random(u);
	uuid_unparse_lower(u, uuid);
	dlen = strlen(m->message_id_domain);	/* checked: <= 218 */
	memcpy(id, uuid, MIME_UUID_LEN);
	id[MIME_UUID_LEN] = '@';
	memcpy(id + MIME_UUID_LEN + 1, m->message_id_domain, dlen + 1);
	mime_head_init(&h);
	if (mime_head_make(m, &h, err) == -1) {
		/* a part's error comes first */
		if (mime_part_check(&text, err) == 0)
			(void)mime_part_check(&html, err);
		mime_head_free(&h);
		return -1;
	}
	bound = mime_message_bound(&h, id, &text, &html);
	if ((dst = buf_reserve(out, bound)) == NULL)
		dst = scratch = xmalloc(bound);
	end = mime_write(dst, dst + bound, &h, id, uuid, &text, &html, err);
	if (end == NULL) {
		rc = -1;
		if (scratch == NULL)
			buf_commit(out, 0);	/* written over */
	} else if (scratch == NULL) {
		buf_commit(out, (size_t)(end - dst));
	} else {
		len = (size_t)(end - dst);
		if (buf_append(out, scratch, len) == -1)
			rc = util_err(err, "message of %zu bytes exceeds the "
			    "output maximum of %zu", len, out->max);
	}
	free(scratch);
	mime_head_free(&h);
	if (rc == 0 && message_id != NULL)
		memcpy(message_id, id, strlen(id) + 1);
	return rc;
}
