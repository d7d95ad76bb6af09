/*
 * web: what the signup backend's handlers share (subscribe.h, links.h,
 * view.h): the server's state they may use, one request as they see
 * it, and the answers several of them give.
 *
 * A handler is `enum MHD_Result h(struct web *w, struct web_request *r)`
 * on the server thread: it answers r (or suspends it, subscribe.h) and
 * returns libmicrohttpd's verdict. Only the server thread writes to the
 * store, through w->db; a handler that queued a mail sets r->mailed and
 * the server wakes the mail thread.
 */
#ifndef DIGEST_WEB_H
#define DIGEST_WEB_H

#include "addr.h"
#include "client.h"
#include "form.h"
#include "http.h"
#include "signup.h"
#include "util.h"

#include <microhttpd.h>

struct config;
struct json_t;
struct pages;
struct ratelimit;
struct sqlite3;
struct subscribe_round;
struct topics;

/* The server's, borrowed by the handlers. */
struct web {
	const struct config *c;
	struct sqlite3 *db;		/* the server thread's connection */
	const struct pages *pages;
	const struct topics *topics;
	struct ratelimit *limiter;	/* NULL: no limit on signups */
	struct subscribe_round *round;	/* this round's signups */
};

/* Where a POST /subscribe is, across libmicrohttpd's calls. */
enum web_signup {
	WEB_SIGNUP_NONE = 0,
	WEB_SIGNUP_WAITING,		/* checked, suspended until the commit */
	WEB_SIGNUP_STORED,		/* result holds the outcome: answer it */
};

/* One request, from its headers to its end (the server owns it). */
struct web_request {
	struct MHD_Connection *conn;
	struct http_body body;		/* owned */
	struct client_ip client;	/* who is asking (client.h) */
	char ip[INET6_ADDRSTRLEN];	/* ... as text */
	double start;			/* when its headers were in */
	int post;			/* the method is POST */
	struct form form;		/* owned: a POST's fields */
	int mailed;			/* a handler queued a mail */
	/* A signup, waiting for its round's commit: what it needs then. */
	enum web_signup signup;
	struct signup_form sf;		/* borrows form, ip, fix */
	char fix[ADDR_MAX + 1];		/* a typo's correction (signup_typo) */
	char email[ADDR_MAX + 1];
	char err[ERR_LEN];
	enum signup_result result;
	enum signup_outcome outcome;	/* for the log */
	int signup_mailed;		/* its mail was queued */
};

/* A handler of one route. */
typedef enum MHD_Result (*web_handler)(struct web *w, struct web_request *r);

/* The token of a link: the form's, else the query's. */
const char *web_token(const struct web_request *r);
/* Who follows a link, for the consent log (borrows r). */
void web_who(const struct web_request *r, struct signup_client *who);
/* Parses r's body into r->form as its Content-Type says: 0, -1 (400)
 * or -2 (415), with err. */
int web_form(struct web_request *r, char *err);
/* The Origin of r when the configuration allows it (CORS), else NULL. */
const char *web_cors(const struct web *w, const struct web_request *r);

/* {"ok": ok, "message": message} with code, for a script's form. */
enum MHD_Result web_json(const struct web_request *r, unsigned code, int ok,
    const char *message, const char *origin);
/* The JSON body (taken) with code. */
enum MHD_Result web_json_send(const struct web_request *r, unsigned code,
    struct json_t *body, const char *origin);
/* A link whose token is unknown: 404. */
enum MHD_Result web_unknown_link(const struct web *w,
    const struct web_request *r);
/* The store failed (err, said on stderr): what "could not be stored:
 * please try again", 503. */
enum MHD_Result web_store_failed(const struct web *w,
    const struct web_request *r, const char *err, const char *what);
/* A body web_form could not read (rc its result): 400 or 415. */
enum MHD_Result web_form_refused(const struct web *w,
    const struct web_request *r, int rc, const char *err);

#endif
