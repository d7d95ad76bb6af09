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

/*
 * Whose failure it is, and whether time can mend it: decided by the
 * transport, where the failure is seen (the command the server refused,
 * the certificate, the login), so that no caller has to guess from a
 * code. A failure of one message is that reader's; a failure that every
 * message would meet stops the run and belongs to nobody.
 */
enum transport_fault {
	TRANSPORT_DELIVERED = 0,
	TRANSPORT_DEFER,	/* this message, later: a 4xx, a connection
				 * lost before the server took it */
	TRANSPORT_REFUSED,	/* this message, for good: a 5xx to its
				 * recipient or its data, over the server's
				 * SIZE, an address the server cannot take */
	TRANSPORT_NOT_SENT,	/* withdrawn before it reached the server
				 * (cancel): nothing happened to it */
	TRANSPORT_STOP,		/* no message can go now (the outbox's disk
				 * is full, the server refuses connections);
				 * a later run may succeed */
	TRANSPORT_STOP_SETTING,	/* no message can go until a setting is
				 * changed: the reply names it and the fix */
};

/* What happened to one message. code is the SMTP reply code that decided
 * it, or 0 when there was none (a connection that failed before any
 * reply, a check of our own). */
struct transport_result {
	enum transport_fault fault;
	int code;
	int slow_down;		/* the server asked for a slower pace */
	char reply[TRANSPORT_REPLY_MAX];	/* the server's text, one line,
						 * or our reason */
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
	 * again here: one that could smuggle a command is refused. Returns
	 * 0 when the message started (poll() reports it later), else the
	 * fault, with err, and nothing is reported for it later:
	 * TRANSPORT_REFUSED when this message can never go (its recipient,
	 * its bytes), TRANSPORT_STOP_SETTING when no message can (the
	 * sender). An address may be UTF-8 (RFC 6531); such a message goes
	 * only to a server that offers SMTPUTF8. */
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
	/* Withdraws every message submitted but not yet started: the next
	 * poll() reports each as TRANSPORT_NOT_SENT. Messages already on the
	 * wire go on to their end. For a run that stops: what it collects
	 * is then exactly what the server may have. NULL when submit()
	 * finishes every message at once. */
	void (*cancel)(struct transport *t);
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

/*
 * Opens the transport the configuration c names, as send and serve
 * deliver through: SMTP when smtp_url (NULL: c's smtp_url) is a URL,
 * with c's TLS, login, CA file, EHLO name, timeout and connections
 * (connections <= 0: c's smtp_connections), the password read by
 * smtp_password_load (the environment or c's smtp_password_file); else
 * the outbox directory outbox. NULL with err: for SMTP, a setting (the
 * URL, the password); for the outbox, a directory that cannot be made
 * (transport_config_is_smtp says which).
 */
struct config;
struct transport *transport_open_config(const struct config *c,
    const char *smtp_url, const char *outbox, long connections, char *err);

/* 1 when transport_open_config(c, smtp_url, ...) opens SMTP, 0 when it
 * opens the outbox. */
int transport_config_is_smtp(const struct config *c, const char *smtp_url);

/* The outbox backend, for transport_open and tests. */
struct transport *outbox_open(const char *dir, char *err);

/* Checks an address for an envelope (MAIL FROM, RCPT TO): one '@', no
 * space, '<', '>' or control character; ASCII, or valid UTF-8 (RFC 6531)
 * without C1 controls, at most 254 bytes. 0, or -1 with err. */
int transport_check_address(const char *what, const char *addr, char *err);

/* 1 when addr needs SMTPUTF8 (it holds a byte above 0x7F), else 0. */
int transport_address_is_utf8(const char *addr);

#endif
