/*
 * transport: how a finished message leaves digest. A struct of function
 * pointers chosen by name (OpenSMTPD's backends): "outbox" writes each
 * message into a directory as an .eml file; "smtp" (the send issue) hands
 * it to a server. Preview, send and tests use the same seam.
 */
#ifndef DIGEST_TRANSPORT_H
#define DIGEST_TRANSPORT_H

#include <stddef.h>

#define TRANSPORT_REPLY_MAX 256

/* What happened to one message: an SMTP-like code (250 delivered, 4xx
 * try again later, 5xx refused) and the reply's text. */
struct transport_result {
	int code;
	char reply[TRANSPORT_REPLY_MAX];
};

struct transport {
	const char *name;
	/* Delivers len bytes of msg (CRLF lines) from one sender to one
	 * recipient, both already validated. 0 with r->code 250, or -1
	 * with r->code and err. */
	int (*send)(struct transport *t, const char *from, const char *to,
	    const char *msg, size_t len, struct transport_result *r,
	    char *err);
	void (*close)(struct transport *t);
	void *state;		/* owned by the backend */
};

/*
 * Opens the transport a spec names: "outbox:DIR" (DIR is created when
 * missing). Returns it (transport_close frees it), or NULL with err.
 */
struct transport *transport_open(const char *spec, char *err);
void transport_close(struct transport *t);

/* The outbox backend, for transport_open and tests. */
struct transport *outbox_open(const char *dir, char *err);

#endif
