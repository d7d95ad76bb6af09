/*
 * mime: the message a subscriber receives, as RFC 5322 + MIME bytes,
 * built with libetpan.
 *
 * multipart/alternative with text/plain first and text/html second, both
 * UTF-8, each quoted-printable or, when QP would bloat it (mostly
 * non-ASCII text), base64. Headers: From, To, Subject, Date (UTC, written
 * here: libetpan's zone offsets are wrong for half-hour zones), Message-ID
 * <uuid@domain>, MIME-Version, List-Id, List-Unsubscribe and
 * List-Unsubscribe-Post (RFC 8058). Display names and the subject are
 * RFC 2047-encoded when they are not plain ASCII (libetpan has no
 * encoder). Lines end in CRLF, as SMTP wants them.
 *
 * No value can start a header line of its own: CR, LF and NUL in a
 * subject or a display name are turned into spaces before encoding, and
 * an address or URL that holds any control character is refused.
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
	const char *subject;		/* UTF-8 */
	const char *list_id;		/* "Name <id.example.org>", or NULL */
	const char *unsubscribe_url;	/* https://..., or NULL */
	const char *unsubscribe_mailto;	/* mailto:..., or NULL */
	const char *message_id_domain;	/* the part after '@' */
	int64_t date;			/* UTC seconds */
	const char *text;		/* the text/plain part, UTF-8 */
	size_t text_len;
	const char *html;		/* the text/html part, UTF-8 */
	size_t html_len;
};

/* Appends the whole message to out. Writes the Message-ID it chose into
 * message_id (without angle brackets) when that is not NULL. 0, or -1
 * with err naming the bad field. */
#define MIME_MESSAGE_ID_MAX 256
int mime_message_build(const struct mime_message *m, struct buf *out,
    char message_id[MIME_MESSAGE_ID_MAX], char *err);

/*
 * RFC 2047: returns an allocated copy of value (UTF-8) as it may stand in
 * a header: unchanged when it is printable ASCII (and, for a phrase, needs
 * no quoting), else encoded words of at most 75 characters, split only
 * between UTF-8 characters and separated by spaces. phrase is 1 for a
 * display name (only A-Z a-z 0-9 ! * + - / = _ are left literal in Q
 * words). Control characters become spaces first. Caller frees.
 */
char *mime_header_encode(const char *value, int phrase);

#endif
