/*
 * smtp: the transport that hands messages to an SMTP server through
 * libcurl, over up to N connections kept open and reused, driven by one
 * curl multi handle.
 *
 * TLS is required or off, never "try" (CURLUSESSL_TRY silently stays in
 * plain text): smtp:// with tls = SMTP_TLS_STARTTLS demands STARTTLS,
 * smtps:// is TLS from the first byte. The password comes from the
 * environment or a file only its owner can read, never from a command
 * line, and is never logged. Each message is one transaction with one
 * recipient; SIZE is declared; the data is sent as given (CRLF lines;
 * libcurl dot-stuffs it, so it must not be stuffed already).
 *
 * Results are decided by the reply code, not the CURLcode: a message
 * whose reused connection the server had closed (libcurl's receive error
 * with reply code 0 right after a previous 250) is retried once on a new
 * connection before it is reported.
 */
#ifndef DIGEST_SMTP_H
#define DIGEST_SMTP_H

#include <stddef.h>

#include "transport.h"

enum smtp_tls {
	SMTP_TLS_OFF = 0,	/* plain smtp:// */
	SMTP_TLS_STARTTLS,	/* smtp:// that must upgrade, or fail */
	SMTP_TLS_IMPLICIT,	/* smtps:// */
};

struct smtp_opts {
	const char *url;		/* smtp://host[:port] or smtps://... */
	enum smtp_tls tls;		/* for smtp://; smtps:// implies TLS */
	const char *user;		/* NULL: no AUTH */
	const char *password;		/* from smtp_password_load() */
	const char *cafile;		/* NULL: the system's trust store */
	const char *ehlo;		/* the EHLO name; NULL: libcurl's */
	long connect_timeout_ms;	/* 0: 10 s */
	long timeout_ms;		/* each message, all commands; 0: 60 s */
	size_t connections;		/* 0: 1 */
};

/* Opens the transport (no connection is made before the first message).
 * Returns it, or NULL with err. */
struct transport *smtp_open(const struct smtp_opts *o, char *err);

/*
 * The SMTP password: $DIGEST_SMTP_PASSWORD, else the first line of the
 * file $DIGEST_SMTP_PASSWORD_FILE (or path, when not NULL), which is
 * refused when its group or others may read it. Writes an allocated
 * string into *password (NULL when none is configured); caller frees
 * (after overwriting it). 0, or -1 with err.
 */
int smtp_password_load(const char *path, char **password, char *err);

#endif
