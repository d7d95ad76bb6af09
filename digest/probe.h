/*
 * probe: what a server's port speaks, asked after a connection to it
 * failed in a way that a wrong setting explains as well as a bad moment.
 *
 * smtps:// (or imaps://, pop3s://) to a port that greets in plain text
 * fails its TLS handshake on every try; smtp:// to a port that waits
 * for a TLS handshake never hears a greeting. Either looks like a
 * connection failure, which would be retried run after run, when only
 * the URL can mend it. One more connection tells them apart: a TLS
 * handshake that succeeds (the certificate is not looked at: only the
 * protocol is asked), or a plain text greeting that begins as the
 * protocol's does ("220", "* OK", "+OK").
 */
#ifndef DIGEST_PROBE_H
#define DIGEST_PROBE_H

enum probe_answer {
	PROBE_UNKNOWN = 0,	/* no connection, no answer, or another one */
	PROBE_YES,		/* the port speaks what was asked */
};

/* Whether where ("host:port", "[v6]:port") completes a TLS handshake
 * within timeout_ms. */
enum probe_answer probe_tls(const char *where, long timeout_ms);

/* Whether where, connected to in plain text, sends within timeout_ms a
 * first line beginning with greeting. */
enum probe_answer probe_greeting(const char *where, const char *greeting,
    long timeout_ms);

#endif
