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
 * URL), Auto-Submitted (RFC 3834, when asked), MIME-Version. Date is UTC from m->date with English names
 * ("Sat, 28 Nov 2026 12:00:00 +0000"; libetpan's own zone offsets are
 * wrong for half-hour zones); Message-ID is <uuid@domain> from
 * uuid_generate_random (libetpan's leaks the host name). Subject and
 * display names go through mime_header_encode() (mime_header.h), and so
 * does the name of the list id ("Name <id>", "<id>" or "id"; the id needs
 * a dot). The bodies are encoded by mime_body.h. Lines end in CRLF, as
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
#include "mime_header.h"

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
	int auto_generated;		/* 1: "Auto-Submitted: auto-generated",
					 * for mail a program sends unasked
					 * by a person (a confirmation), so
					 * that vacation responders keep
					 * quiet */
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

#endif
