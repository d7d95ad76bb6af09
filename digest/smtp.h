/*
 * smtp: the transport that hands messages to an SMTP server through
 * libcurl, over up to N connections kept open and reused, each driven
 * by a thread of its own.
 *
 * TLS is required or off, never "try" (CURLUSESSL_TRY silently stays in
 * plain text): smtp:// with tls = SMTP_TLS_STARTTLS demands STARTTLS,
 * smtps:// is TLS from the first byte. The certificate and the host name
 * are always verified. The password comes from the environment or a file
 * only its owner can read, never from a command line or the URL, is sent
 * in plain text only to a loopback host, and is never logged: the replies
 * kept are the server's lines only. AUTH is PLAIN or LOGIN.
 *
 * Each message is one transaction with one recipient; SIZE is declared;
 * the data is sent as given: CRLF lines (a bare CR or LF is refused at
 * submit, since libcurl dot-stuffs only after CRLF and a bare "\n.\n"
 * would end the data early), not dot-stuffed already (libcurl does it).
 *
 * Results are decided by the reply code, not the CURLcode: 250 sent; a
 * 4xx or 5xx reply is reported with its code and line (a refused RCPT
 * also costs the connection: libcurl QUITs it); a connection that fails
 * without such a reply (reset, timeout, TLS, dropped in DATA) gives code
 * 0 and libcurl's reason. A message whose reused connection the server
 * had closed after the previous 250 (libcurl's receive error, no reply
 * at all to MAIL FROM, so nothing can have been delivered) is retried
 * once on a new connection before it is reported.
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

/* transport_open(spec, NULL, err) for an smtp:// spec uses all the
 * defaults below with tls = SMTP_TLS_STARTTLS. The strings are copied by
 * smtp_open. */
struct smtp_opts {
	const char *url;		/* smtp://host[:port] or smtps://...,
					 * no user, password or path */
	enum smtp_tls tls;		/* for smtp://; smtps:// implies TLS */
	const char *user;		/* NULL: no AUTH */
	const char *password;		/* from smtp_password_load() */
	const char *cafile;		/* the only CAs trusted; NULL: the
					 * system's trust store */
	const char *ehlo;		/* the EHLO name (a host name or an
					 * [address]); NULL: this host's */
	long connect_timeout_ms;	/* 0: 10 s */
	long timeout_ms;		/* each message, all commands; 0: 60 s */
	size_t connections;		/* 0: 1; at most 64 */
};

/* Opens the transport (no connection is made before the first message):
 * capacity() is twice o->connections (each connection sends one message
 * and holds the next, to start it the moment the first is accepted),
 * submit() refuses a message when that many are in flight. Returns it (transport_close frees it, closing the
 * connections with QUIT and dropping unreported messages), or NULL with
 * err when the URL or the options are not acceptable. */
struct transport *smtp_open(const struct smtp_opts *o, char *err);

/* Checks an SMTP URL as smtp_open would (smtp:// or smtps://, a host,
 * nothing else: no user, password, path or query), for the
 * configuration. 0, or -1 with err, which never repeats the URL. */
int smtp_url_check(const char *url, char *err);

/*
 * The SMTP password, as secret_load() (secret.h) reads one:
 * $DIGEST_SMTP_PASSWORD, else the first line of the file path (when not
 * NULL) or $DIGEST_SMTP_PASSWORD_FILE, refused when its group or others
 * have any access to it. Writes an allocated string into *password
 * (NULL when none is configured); caller frees it with secret_free.
 * 0, or -1 with err (which never holds the password).
 */
int smtp_password_load(const char *path, char **password, char *err);

#endif
