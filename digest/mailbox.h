/*
 * mailbox: the return mailbox, read with libetpan's IMAP and POP3
 * clients (issue 17). A struct of function pointers chosen by the URL's
 * scheme, as transport.h chooses its backends:
 *  - imaps://host[:port][/FOLDER] (TLS from the first byte), or
 *    imap://... with STARTTLS required (never tried and dropped);
 *  - pop3s://host[:port] and pop3://... likewise.
 * The folder defaults to INBOX. mailbox_tls = off allows plain imap://
 * and pop3://, and then the password goes only to a loopback host.
 *
 * libetpan does not check certificates when built with GnuTLS (Debian's
 * is), so the chain the server shows is verified here, against the
 * system's trust store or mailbox_cafile and the host name, before the
 * password is sent.
 *
 * Each message is known by a key that stays while it stays in its
 * folder: its UID under the folder's UIDVALIDITY (IMAP), or its UIDL
 * (POP3). A message is read up to MAILBOX_FETCH_MAX bytes, however
 * large it is: IMAP fetches that much (BODY.PEEK[]<0.MAX>); POP3 reads
 * its RETR answer into a buffer of that size and drops the rest as it
 * arrives (libetpan's mailpop3_retr keeps a whole message in memory).
 * IMAP moves messages to another folder (MOVE, else COPY, \Deleted and
 * EXPUNGE); POP3 can only delete them, which takes effect when the
 * session ends well (QUIT).
 */
#ifndef DIGEST_MAILBOX_H
#define DIGEST_MAILBOX_H

#include <stddef.h>
#include <stdint.h>

#define MAILBOX_FETCH_MAX (1u << 20)	/* = INBOUND_MESSAGE_MAX */
#define MAILBOX_KEY_MAX 80
#define MAILBOX_ACCOUNT_MAX 512

struct mailbox_opts {
	const char *url;
	const char *tls;	/* "starttls" (default) or "off" */
	const char *user;
	const char *password;	/* from secret_load() */
	const char *cafile;	/* NULL or "": the system's trust store */
	long timeout;		/* seconds per command; 0: 60 */
};

/* What a failure means for whoever runs digest. */
enum mailbox_failure {
	MAILBOX_FAIL_CONFIG = 0,	/* the settings: fix them */
	MAILBOX_FAIL_AUTH,		/* the server refused the login */
	MAILBOX_FAIL_TEMP,		/* the network or the server: retry */
};

struct mailbox_msg {
	char key[MAILBOX_KEY_MAX];	/* UID or UIDL, as text */
	uint32_t id;			/* IMAP UID, or POP3 message number */
	size_t size;			/* as the server gives it */
};

/* Called by fetch() for each message: len <= MAILBOX_FETCH_MAX bytes of
 * it (the whole of it when msg->size <= len). */
typedef void (*mailbox_fetch_fn)(const struct mailbox_msg *msg,
    const char *data, size_t len, void *arg);

struct mailbox {
	const char *protocol;		/* "imap" or "pop3" */
	char account[MAILBOX_ACCOUNT_MAX]; /* imap://user@host/FOLDER */
	uint32_t uidvalidity;		/* IMAP; 0 for POP3 */
	int can_move;			/* 1: dispose() takes a folder */
	enum mailbox_failure failure;	/* of the last call that failed */
	/* The messages in the folder, in order: *v allocated (caller
	 * frees), *n of them. 0, or -1 with err. */
	int (*list)(struct mailbox *m, struct mailbox_msg **v, size_t *n,
	    char *err);
	/* Reads the n messages of v (IMAP: in one command), calling fn for
	 * each one the server returns. 0, or -1 with err. */
	int (*fetch)(struct mailbox *m, const struct mailbox_msg *v, size_t n,
	    mailbox_fetch_fn fn, void *arg, char *err);
	/* Moves the n messages of v to folder (created when missing), or
	 * deletes them when folder is NULL. 0, or -1 with err. */
	int (*dispose)(struct mailbox *m, const struct mailbox_msg *v,
	    size_t n, const char *folder, char *err);
	/* Logs out and frees the backend's state; POP3's deletions happen
	 * here. 0, or -1 with err (the session did not end well). */
	int (*close)(struct mailbox *m, char *err);
	void *state;			/* owned by the backend */
};

/* Connects, checks the certificate, logs in and opens the folder.
 * Returns the mailbox (mailbox_close frees it), or NULL with err and
 * *failure saying what kind of failure it was. */
struct mailbox *mailbox_open(const struct mailbox_opts *o,
    enum mailbox_failure *failure, char *err);

/* Ends the session and frees m (NULL is fine). 0, or -1 with err. */
int mailbox_close(struct mailbox *m, char *err);

/* ---- for the backends (mailbox_imap.c, mailbox_pop3.c) ---- */

struct _mailstream;	/* libetpan's mailstream */

/* A mailbox URL taken apart. */
struct mailbox_target {
	char host[256];
	uint16_t port;
	int implicit_tls;	/* imaps://, pop3s:// */
	int starttls;		/* imap://, pop3:// unless tls = off */
	char folder[256];	/* IMAP only; "INBOX" when none */
};

/* Verifies the certificate chain the server showed on stream: trusted
 * by cafile (NULL: the system's store) and issued for host. 0, or -1
 * with err naming the problem. */
int mailbox_tls_verify(struct _mailstream *stream, const char *host,
    const char *cafile, char *err);

/* A connection to t that libetpan could not make (scheme: "imap" or
 * "pop3", whose plain text greeting begins with greeting): a setting
 * when the port speaks the other way than the URL says (probe.h: TLS
 * to a plain text port, or plain text to a TLS one), else for later.
 * Sets m->failure; returns -1 with err. */
int mailbox_connect_failed(struct mailbox *m, const struct mailbox_target *t,
    const char *scheme, const char *greeting, char *err);

/* libetpan's callback for a TLS connection: sets SNI to data (a host
 * name; an address is not sent). */
struct mailstream_ssl_context;
void mailbox_tls_sni(struct mailstream_ssl_context *ctx, void *data);

int mailbox_imap_open(struct mailbox *m, const struct mailbox_target *t,
    const struct mailbox_opts *o, char *err);
int mailbox_pop3_open(struct mailbox *m, const struct mailbox_target *t,
    const struct mailbox_opts *o, char *err);

#endif
