/*
 * server: the signup backend (digest serve). libmicrohttpd serves the
 * pages of templates/ and takes the forms: signup (double opt-in,
 * subscribe.h), confirm, unsubscribe (RFC 8058 one-click too),
 * preferences (links.h), the web view of an edition (view.h), and
 * /healthz.
 *
 * Two threads. The server thread runs libmicrohttpd's event loop and
 * owns the database connection the requests use, so requests never
 * contend for it; it is the process's one writer, committing each
 * round of its loop once: the round's signups and what the mail thread
 * delivered (mailthread.h). With synchronous = FULL (db.h) a COMMIT is
 * on disk when it returns, so what is answered survives a power loss:
 * the round's one fsync serves all its signups; confirmations,
 * unsubscriptions and preference changes commit (and fsync) before
 * their own answers.
 *
 * Limits: bodies of at most SERVER_BODY_MAX bytes (413 past it: from
 * the Content-Length before a byte is read when the client asked for
 * 100 Continue, else after reading up to SERVER_DISCARD_MAX; http.h),
 * header memory, an idle timeout, a deadline for a request's headers
 * (against clients that trickle a byte at a time), connections in all
 * and per IP, and signups per minute per client (429, ratelimit.h), the
 * client being the peer or the one a trusted proxy names (client.h). A
 * request whose length is ambiguous gets 400 and the connection is
 * closed: whatever follows it is not a request.
 *
 * One key=value line on stderr per event (weblog.h); errors of one
 * request are said there too, and the server goes on.
 */
#ifndef DIGEST_SERVER_H
#define DIGEST_SERVER_H

#include "mailthread.h"

#include <netinet/in.h>

#define SERVER_BODY_MAX 16384
#define SERVER_DISCARD_MAX (1u << 20)	/* then the connection is cut */
#define SERVER_HEADER_MEMORY 16384
#define SERVER_CONNECTIONS 1024
#define SERVER_PER_IP 64
#define SERVER_TIMEOUT 15	/* seconds a connection may idle */
#define SERVER_HEADER_TIME 15	/* seconds to send a request's headers */
#define SERVER_CACHE_KB 8192	/* the connection's page cache */

struct config;
struct server;
struct sqlite3;

struct server_opts {
	const struct config *c;		/* borrowed until server_stop */
	struct sqlite3 *db;		/* borrowed: the server thread's */
	const char *db_path;		/* for the mail thread's connection */
	struct sockaddr_in listen;
	int rate_limit;			/* 0: no limit (benchmarks) */
	mailthread_transport_fn transport_open;
};

enum server_fault {
	SERVER_OK = 0,
	SERVER_BAD_SETUP,	/* the configuration or templates: err */
	SERVER_CANNOT_LISTEN,	/* err says why (the address is in use) */
};

/* Starts serving: both threads run until server_stop. Returns the
 * server (free it with server_stop), or NULL with *fault and err. The
 * caller blocks the signals it waits for before, so that neither
 * thread takes them. */
struct server *server_start(const struct server_opts *o,
    enum server_fault *fault, char *err);
/* Stops taking requests, answers the signups held, lets the mail
 * thread finish its batch, and frees s. */
void server_stop(struct server *s);

#endif
