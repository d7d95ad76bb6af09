/*
 * mime: the message a subscriber receives, as RFC 5322 + MIME bytes,
 * its header fields written (and folded) by libetpan.
 *
 * multipart/alternative with text/plain first and text/html second, both
 * UTF-8. Each part is quoted-printable, or base64 when QP would be the
 * longer of the two: QP writes a byte it must escape in 3 characters and
 * base64 every 3 bytes in 4, so base64 wins once more than 1/6 of the
 * bytes need escaping (Cyrillic, CJK, emoji-heavy text; German or French
 * text stays QP). The bodies are encoded here, not by libetpan: its QP
 * writer doubles the white space before a line break. Decoded, each part
 * is exactly its input (line breaks as CRLF), including trailing white
 * space, lines of any length and a missing final newline. QP also escapes
 * a "." or "From " that starts a line (=2E, =46), so neither a transport
 * that forgets dot-stuffing nor an mbox writer can alter the text. The
 * boundary starts with "=_", which neither encoding can produce.
 *
 * Headers, in this order: From, To, Date, Message-ID, Subject, List-Id,
 * List-Unsubscribe, List-Unsubscribe-Post (RFC 8058, only with an https
 * URL), MIME-Version. Date is UTC from m->date with English names
 * ("Sat, 28 Nov 2026 12:00:00 +0000"; libetpan's own zone offsets are
 * wrong for half-hour zones); Message-ID is <uuid@domain> from
 * uuid_generate_random (libetpan's leaks the host name). Subject and
 * display names go through mime_header_encode(), and so does the name of
 * the list id ("Name <id>", "<id>" or "id"; the id needs a dot). Lines end in CRLF, as
 * SMTP wants them; no line is longer than 998 octets.
 *
 * No value can start a header line of its own: control characters in a
 * subject or a display name become spaces before encoding, and an
 * address, URL, list id or domain that holds a control character, a
 * space, '<', '>', '"' or a non-ASCII byte is refused (but for the
 * UTF-8 characters RFC 6532 allows in an address: not C1 controls, not
 * U+2028 or U+2029, whole valid sequences only), as is an address
 * without exactly one '@' or with one of RFC 5322's specials "(),:;[\]",
 * an unsubscribe URL that is not https:// or http:// or holds a ','
 * (RFC 2369), and
 * a part that holds a NUL byte or is not valid UTF-8. Full address
 * validation is addr.c's job; this is the last line of defence.
 */
#ifndef DIGEST_MIME_H
#define DIGEST_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct mime_message {
	const char *from_name;		/* may be NULL */
	const char *from_addr;		/* required */
	const char *to_name;		/* may be NULL */
	const char *to_addr;		/* required */
	const char *subject;		/* UTF-8, required ("" is allowed) */
	const char *list_id;		/* "Name <id.example.org>", or NULL */
	const char *unsubscribe_url;	/* https://... (one-click), http://...,
					 * or NULL */
	const char *unsubscribe_mailto;	/* mailto:..., or NULL */
	const char *message_id_domain;	/* the part after '@' */
	int64_t date;			/* UTC seconds, years 1900 to 9999 */
	const char *text;		/* the text/plain part, UTF-8, no NUL */
	size_t text_len;
	const char *html;		/* the text/html part, UTF-8, no NUL */
	size_t html_len;
};

/* Appends the whole message to out (nothing when it fails). Writes the
 * Message-ID it chose into message_id (without angle brackets) when that
 * is not NULL. 0, or -1 with err naming the bad field: a refused address,
 * URL, list id or domain; a part that holds a NUL byte or is not valid
 * UTF-8; a date out of range; a message that would exceed out's maximum. */
#define MIME_MESSAGE_ID_MAX 256
int mime_message_build(const struct mime_message *m, struct buf *out,
    char message_id[MIME_MESSAGE_ID_MAX], char *err);

/*
 * The checks mime_message_build makes of an address (UTF-8 allowed), a
 * domain (`dotted`: it needs a '.') and an unsubscribe URL, for values a
 * configuration gives every message: checked once, where they are read.
 * field names the value in err. 0, or -1 with err.
 */
int mime_address_check(const char *field, const char *addr, char *err);
int mime_domain_check(const char *field, const char *domain, int dotted,
    char *err);
int mime_url_check(const char *field, const char *url, char *err);

/*
 * RFC 2047: returns an allocated copy of value (UTF-8) as it may stand in
 * a header; caller frees. Pure: the same value gives the same result.
 *
 * First, control characters (C0, DEL, C1), U+2028 and U+2029 become
 * spaces and invalid UTF-8 bytes become U+FFFD, each one. Then the words
 * of the value (split at every space) that survive a header as they are
 * stay as they are: printable ASCII, at most 62 characters, no "=?", and
 * for a phrase (phrase = 1, a display name) atoms only, so the comma of
 * "Smith, John" is encoded rather than quoted. A value of such words
 * alone comes back unchanged. Each run of other words becomes encoded
 * words, the spaces inside the run encoded with it (the empty word of a
 * leading, trailing or doubled space joins a neighbour's run, as libetpan
 * would collapse or drop that space): UTF-8, Q (A-Z a-z 0-9 ! * + - /
 * literal, space as "_", all else =XX, the set RFC 2047 allows in a
 * phrase, used for every header) or B, whichever is shorter for the run.
 * Encoding runs rather than the whole value keeps encoded words apart, as
 * Python does: readers differ on the space between two of them. Words
 * are separated by single spaces and are at most 62 characters, under
 * RFC 2047's 75, so that one fits on a header's first line after a name
 * of up to 9 characters ("Subject: ") and libetpan never folds right
 * after the colon. Encoded words split only between UTF-8 characters.
 * Decoded, the result is the cleaned value exactly, spaces included.
 */
#define MIME_WORD_MAX 62
char *mime_header_encode(const char *value, int phrase);

#endif
