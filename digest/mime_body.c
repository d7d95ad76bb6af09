/*
 * mime_body: quoted-printable and base64 of a text part (mime_body.h).
 *
 * Both encoders write into space the caller has reserved (at least
 * mime_body_qp_bound or mime_body_b64_bound bytes) and return the end of
 * what they wrote: no allocation, no copy, no call per byte. The bytes
 * are the same as those of the byte-at-a-time encoders this module had
 * before; only the way there is shorter. Most bytes are looked at 8 at a
 * time, a word of 64 bits, with masks that flag each byte by its high
 * bit.
 */
#include "mime_body.h"
#include "util.h"

#include <stdint.h>
#include <string.h>

static const char mime_hex[] = "0123456789ABCDEF";
static const char mime_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
mime_body_escape(unsigned char c, char *out)
{
	out[0] = '=';
	out[1] = mime_hex[c >> 4];
	out[2] = mime_hex[c & 15];
}

/* Base64 of n (1 to 3) bytes at s, padded, into out; returns 4. */
size_t
mime_body_b64_group(const unsigned char *s, size_t n, char *out)
{
	unsigned v = (unsigned)s[0] << 16 | (n > 1 ? (unsigned)s[1] << 8 : 0) |
	    (n > 2 ? s[2] : 0);

	out[0] = mime_b64[v >> 18];
	out[1] = mime_b64[(v >> 12) & 63];
	out[2] = n > 1 ? mime_b64[(v >> 6) & 63] : '=';
	out[3] = n > 2 ? mime_b64[v & 63] : '=';
	return 4;
}

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
size_t
mime_body_scan(const char *str, size_t n, size_t *escapes)
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
size_t
mime_body_qp_bound(size_t n)
{
	return 3 * n + 3 * (3 * n / 73 + 1);
}

/*
 * Quoted-printable of s into o (mime_body_qp_bound(n) bytes); returns the
 * end. White space before a line break or the end is escaped, so no line
 * ends in white space; lines are at most 76 characters. Inside a line,
 * the bytes that stand for themselves are copied 8 at a time while the
 * line has room for them and for a soft break (the counter col); the
 * rest goes byte by byte.
 *
 * It also checks s, in the same pass: every non-ASCII byte comes by the
 * escape loop, which checks each UTF-8 sequence as it starts, and counts
 * the bytes that are escapes wherever they stand (mime_body_scan's count). It
 * stops short, returning NULL and saying why in *stop, at the first byte
 * that is not UTF-8, or once more than 1/6 of s is escapes: base64 is
 * then the shorter, and everything before stop->at has been checked.
 */
char *
mime_body_qp_encode(const char *str, size_t n, char *o,
    struct mime_body_stop *stop)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, col = 0, j, k, limit, escapes = 0, most = n / 6;
	size_t checked = 0;	/* the end of the last sequence checked */
	uint64_t w, loud;
	unsigned c;
	int esc, at_end;

	while (i < n) {
		if (col > 0 && col < MIME_BODY_LINE - 1) {
			/* a run of inner bytes, up to column 75 */
			limit = i + (MIME_BODY_LINE - 1 - col);
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
				if (col + 3 > MIME_BODY_LINE - 1 &&
				    (col + 3 > MIME_BODY_LINE ||
				    !mime_is_line_end(s, n, i + 1))) {
					memcpy(o, "=\r\n", 3);
					o += 3;
					col = 0;
				}
				mime_body_escape(c, o);
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
		if (col + (esc ? 3 : 1) > (size_t)(MIME_BODY_LINE - !at_end)) {
			memcpy(o, "=\r\n", 3);
			o += 3;
			col = 0;
		}
		if (col == 0 && !esc && mime_qp_guards_start(s, n, i))
			esc = 1;
		if (esc) {
			mime_body_escape(c, o);
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
			if ((b->col += 4) == MIME_BODY_LINE) {
				memcpy(b->o, "\r\n", 2);
				b->o += 2;
				b->col = 0;
			}
		}
	}
	o = b->o;
	while (n >= 3) {
		groups = (MIME_BODY_LINE - b->col) / 4;
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
		if ((b->col += 4 * groups) == MIME_BODY_LINE) {
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
size_t
mime_body_b64_bound(size_t n)
{
	size_t chars = (2 * n + 2) / 3 * 4;

	return chars + 2 * (chars / MIME_BODY_LINE + 1);
}

/*
 * Base64 of s with every line break as CRLF, MIME's canonical form for
 * text that base64 hides from the transport, in lines of 76 characters
 * each ending in CRLF, into out (mime_body_b64_bound(n) bytes); returns the
 * end. The canonical form is not made as a copy: each piece between LFs
 * is fed as it is, then the CRLF (or the LF after a CR that is there).
 */
char *
mime_body_b64_encode(const char *str, size_t n, char *out)
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
		mime_body_b64_group(b.carry, b.ncarry, b.o);
		b.o += 4;
		b.col += 4;
	}
	if (b.col > 0) {
		memcpy(b.o, "\r\n", 2);
		b.o += 2;
	}
	return b.o;
}

/* 1 when s (n > 0) looks like more than 1/6 of it will be escapes: more
 * than 1/6 of the bytes of 32 words taken across it (of all its bytes,
 * when it is short) are non-ASCII (Cyrillic, CJK). mime.c checks such a
 * part, and decides its encoding, before it is written; any other is
 * checked as QP writes it (mime_body_qp_encode), which saves a pass, and
 * goes base64 if its escapes tip it over after all. */
int
mime_body_looks_base64(const char *str, size_t n)
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
