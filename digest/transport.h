/*
 * transport: how a finished message leaves digest. A struct of function
 * pointers chosen by name (OpenSMTPD's backends): "outbox" writes each
 * message into a directory as an .eml file; "smtp" hands it to a server
 * over one or more connections. Send, preview and tests use this seam.
 *
 * Delivery is asynchronous so that an SMTP transport can keep several
 * connections busy: submit() starts a message when capacity() allows,
 * poll() waits for deliveries to end and reports each one through a
 * callback. The outbox finishes a message inside submit() and reports it
 * at the next poll().
 */
#ifndef DIGEST_TRANSPORT_H
#define DIGEST_TRANSPORT_H

#include <stddef.h>

#define TRANSPORT_REPLY_MAX 512
#define TRANSPORT_QUEUE_ID_MAX 64

/* What happened to one message. code is the SMTP reply code that decided
 * it (250 delivered; 4xx try again later; 5xx refused), or 0 when the
 * connection failed before any reply (also: try again later). */
struct transport_result {
	int code;
	char reply[TRANSPORT_REPLY_MAX];	/* the server's text, one line */
	char queue_id[TRANSPORT_QUEUE_ID_MAX];	/* "queued as X", or "" */
	double ms;				/* submit to result */
};

/* Called by poll() once per message: tag is what submit() was given. */
typedef void (*transport_done_fn)(void *tag,
    const struct transport_result *r, void *arg);

struct transport {
	const char *name;
	/* How many messages may be in flight at once. */
	size_t (*capacity)(struct transport *t);
	/* Starts delivering len bytes of msg (CRLF lines; the transport
	 * frees msg) from one sender to one recipient. Addresses are checked
	 * again here: one that could smuggle a command is refused. 0, or -1
	 * with err when the message cannot even start (nothing is reported
	 * for it later). */
	int (*submit)(struct transport *t, const char *from, const char *to,
	    char *msg, size_t len, void *tag, char *err);
	/* Waits at most timeout_ms for deliveries to end, calls done for
	 * each ended one, and returns how many are still in flight. */
	size_t (*poll)(struct transport *t, int timeout_ms,
	    transport_done_fn done, void *arg);
	/* Says that every result poll() has reported is recorded. A
	 * connection holds back the end of its next message until the
	 * previous one it delivered is recorded, so that a crash leaves at
	 * most one delivered message per connection unrecorded. submit()
	 * and poll() settle too (a caller that keeps no record need do
	 * nothing); calling it as soon as the record is written lets the
	 * next message end sooner. NULL when the backend has no such wait. */
	void (*settle)(struct transport *t);
	void (*close)(struct transport *t);
	void *state;		/* owned by the backend */
};

/*
 * Opens the transport a spec names: "outbox:DIR" (DIR is created when
 * missing), or an smtp:// or smtps:// URL with the options of smtp.h.
 * Returns it (transport_close frees it), or NULL with err.
 */
struct smtp_opts;
struct transport *transport_open(const char *spec,
    const struct smtp_opts *smtp, char *err);
void transport_close(struct transport *t);

/* The outbox backend, for transport_open and tests. */
struct transport *outbox_open(const char *dir, char *err);

/* Checks an address for an envelope (MAIL FROM, RCPT TO): printable
 * ASCII, one '@', no space, '<', '>' or control character. 0, or -1
 * with err. */
int transport_check_address(const char *what, const char *addr, char *err);

#endif
