/*
 * mime_body: the transfer encodings of a text part (RFC 2045), written
 * fast: quoted-printable, and base64 of the canonical form (every line
 * break as CRLF). mime.h decides which one a part gets; this module only
 * encodes, scans and bounds.
 *
 * The encoders allocate nothing: they write into space the caller
 * reserved, at least the matching bound, and return the end of what
 * they wrote. Every line they write ends in CRLF and holds at most
 * MIME_BODY_LINE characters.
 */
#ifndef DIGEST_MIME_BODY_H
#define DIGEST_MIME_BODY_H

#include <stddef.h>

#define MIME_BODY_LINE 76	/* RFC 2045 6.7 (5), without the CRLF */

/* The most mime_body_qp_encode or mime_body_b64_encode writes for n
 * bytes. */
size_t mime_body_qp_bound(size_t n);
size_t mime_body_b64_bound(size_t n);

/*
 * One pass over n bytes: returns the offset of the first byte that is
 * not valid UTF-8 (n when there is none) and stores in *escapes how many
 * bytes QP writes as =XX wherever they stand: all but printable ASCII,
 * space, tab and line breaks (a CR counts unless a LF follows). QP
 * writes an escape in 3 characters and base64 every 3 bytes in 4, so
 * base64 is the shorter once escapes * 6 > n.
 */
size_t mime_body_scan(const char *s, size_t n, size_t *escapes);

/* A guess, from 32 words taken across s (all of it when it is short):
 * 1 when more than 1/6 of it looks like escapes (Cyrillic, CJK). It
 * decides how long the work takes, never which bytes are written. */
int mime_body_looks_base64(const char *s, size_t n);

/* Where mime_body_qp_encode stopped short, returning NULL. */
struct mime_body_stop {
	size_t at;	/* the byte that is not UTF-8, or where checking resumes */
	int bad;	/* 1: not UTF-8 at `at`; 0: base64 wins */
};

/*
 * Quoted-printable of s (n bytes) into o; returns the end. Line breaks
 * (LF or CRLF) become CRLF; white space before a line break or the end
 * is escaped, so no line ends in white space; a "." or "From " that
 * starts a line is escaped (=2E, =46) so that neither a transport that
 * forgets dot-stuffing nor an mbox writer alters the text. Checks s as
 * it goes: returns NULL, saying why in *stop, at the first byte that is
 * not UTF-8, or once more than 1/6 of s is escapes (base64 is then the
 * shorter; everything before stop->at has been checked).
 */
char *mime_body_qp_encode(const char *s, size_t n, char *o,
    struct mime_body_stop *stop);

/* Base64 of s with every line break as CRLF, in lines of 76 characters,
 * into out; returns the end. */
char *mime_body_b64_encode(const char *s, size_t n, char *out);

/* Base64 of n (1 to 3) bytes at s, padded, into out; returns 4. */
size_t mime_body_b64_group(const unsigned char *s, size_t n, char *out);
/* The escape "=XX" (upper-case hex) of c into out[0..2]. */
void mime_body_escape(unsigned char c, char *out);

#endif
