/*
 * http: the small layer under digest's two web servers, the signup
 * backend (subscribers/server.h) and `digest preview --serve`, over
 * libmicrohttpd. It answers (the headers every reply carries, a
 * server's security policy, CORS), reads a request's headers, and
 * gathers a request's body within a limit: libmicrohttpd 0.9.75 limits
 * no body (../shared/deps.md), so http_body does, from the
 * Content-Length before a byte is read when it can.
 *
 * Nothing here keeps state between requests; what a function is given
 * stays the caller's.
 */
#ifndef DIGEST_HTTP_H
#define DIGEST_HTTP_H

#include "buf.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <stddef.h>

/* What a server lets its clients take, in libmicrohttpd's own limits
 * (whose default idle timeout is none: a server always sets one). */
struct http_limits {
	unsigned timeout;		/* s a connection may idle */
	unsigned connections;		/* open at once */
	unsigned per_ip;		/* ... from one address; 0: any */
	size_t header_memory;		/* a request's headers (431 past) */
};

#define HTTP_DAEMON_OPTIONS 7

/* libmicrohttpd's options for listening on sin within l, for
 * MHD_OPTION_ARRAY: opts ends with MHD_OPTION_END and borrows sin. */
void http_daemon_options(const struct http_limits *l,
    const struct sockaddr_in *sin,
    struct MHD_OptionItem opts[HTTP_DAEMON_OPTIONS]);

/* What a server's pages may do in a browser, sent with every reply of
 * it; a NULL field is a header left out. */
struct http_policy {
	const char *referrer;		/* Referrer-Policy */
	const char *frames;		/* X-Frame-Options */
	const char *csp;		/* Content-Security-Policy */
};

/* Pages that run no script, that nobody frames and whose forms post
 * only to their own server: the signup backend's. */
extern const struct http_policy http_policy_strict;

/* One answer; body (len bytes) is copied. */
struct http_reply {
	unsigned code;
	const char *type;		/* Content-Type */
	const char *body;
	size_t len;
	const char *origin;	/* CORS: the allowed Origin, echoed; or NULL */
	int close;		/* Connection: close after it */
};

/* Queues r on conn with what every reply carries (Content-Type,
 * Cache-Control: no-store, X-Content-Type-Options: nosniff), policy's
 * headers, and Retry-After: 60 with a 429. MHD_NO when it cannot. */
enum MHD_Result http_reply_send(struct MHD_Connection *conn,
    const struct http_policy *policy, const struct http_reply *r);
/* The same for a reply of code, type and body alone. */
enum MHD_Result http_send(struct MHD_Connection *conn,
    const struct http_policy *policy, unsigned code, const char *type,
    const char *body, size_t len);
/* msg and a newline, as text/plain. */
enum MHD_Result http_send_text(struct MHD_Connection *conn,
    const struct http_policy *policy, unsigned code, const char *msg);

/* A CORS preflight: 204 allowing methods and the headers a form sends,
 * for ten minutes, when origin (the request's Origin, allowed) is not
 * NULL; else 403. */
enum MHD_Result http_preflight(struct MHD_Connection *conn,
    const char *origin, const char *methods);

/* The value of request header name, or NULL. */
const char *http_header(struct MHD_Connection *conn, const char *name);
/* The value of query argument name, or NULL. */
const char *http_arg(struct MHD_Connection *conn, const char *name);
/* 1 when the Accept header names type. */
int http_accepts(struct MHD_Connection *conn, const char *type);
/* Every header named name, in order, joined by commas onto out (whose
 * own maximum bounds it): several lines of a list header are one list
 * (RFC 9110 5.3). */
void http_header_join(struct MHD_Connection *conn, const char *name,
    struct buf *out);
/* The peer's address, or NULL. Borrowed from libmicrohttpd, valid while
 * the connection is. */
const struct sockaddr *http_peer(struct MHD_Connection *conn);

/*
 * A request's body, gathered across libmicrohttpd's calls. At most max
 * bytes are kept; past that the body is read on, unkept, up to discard
 * bytes, so that the client is told 413 at its end (a client still
 * sending when the connection closes sees a reset, not the answer);
 * past discard the connection is cut.
 */
struct http_body {
	struct buf data;		/* what is kept */
	size_t seen;			/* bytes received, kept or not */
	size_t discard;
	int too_big;			/* answer 413 at the end */
};

/* What a request's headers say of its body, before any of it is read. */
enum http_body_verdict {
	HTTP_BODY_READ = 0,		/* read it */
	HTTP_BODY_REFUSE,		/* 413 now, reading none of it */
	HTTP_BODY_AMBIGUOUS,		/* 400 and close: its length is a
					 * guess (Content-Length twice with
					 * different values, or with
					 * Transfer-Encoding: RFC 9112 6.3) */
};

/* Sets b up for at most max kept bytes, discard read in all. */
void http_body_init(struct http_body *b, size_t max, size_t discard);
/* Frees what b holds. */
void http_body_release(struct http_body *b);
/* At a request's first call: the verdict of its headers. A declared
 * length past max is refused at once when the client waits for 100
 * Continue or the length is past discard; else b->too_big is set and
 * the body read on. */
enum http_body_verdict http_body_begin(struct http_body *b,
    struct MHD_Connection *conn);
/* The verdict of a Content-Length (NULL: none) and an Expect header
 * against b's limits, as http_body_begin decides it; sets b->too_big
 * for a body to read on unkept. */
enum http_body_verdict http_body_length(struct http_body *b,
    const char *content_length, const char *expect);
/* Takes the *size bytes libmicrohttpd has for b (and sets *size to 0):
 * MHD_NO when the body has gone past discard and the connection must
 * be cut. */
enum MHD_Result http_body_take(struct http_body *b, const char *data,
    size_t *size);
/* The 400 for an ambiguous request, closing the connection. */
enum MHD_Result http_refuse_framing(struct MHD_Connection *conn,
    const struct http_policy *policy);

#endif
