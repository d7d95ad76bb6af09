/*
 * digest serve: the signup backend. libmicrohttpd serves the pages of
 * templates/ and takes the forms: signup (double opt-in), confirm,
 * unsubscribe (RFC 8058 one-click too), preferences. One server thread
 * runs libmicrohttpd's event loop and owns the database connection the
 * requests use, so requests never contend with each other for it; a
 * second thread delivers the queued confirmation mails (mailq.h) with its
 * own connection and transport.
 *
 * Group commit: a signup is checked at once, then its connection waits
 * (suspended) until the end of the loop's round, when every signup of
 * the round is stored in one transaction; after its COMMIT each is
 * answered. So every answer still follows its own commit, and a round
 * of signups costs one commit instead of one each.
 *
 * Limits: bodies of at most SERVE_BODY_MAX bytes (413 past it: from the
 * Content-Length before a byte is read when the client asked for 100
 * Continue, else after reading up to SERVE_DISCARD_MAX), header memory,
 * an idle timeout, a deadline for a request's headers (against clients
 * that trickle a byte at a time), connections in all and per IP, and
 * signups per minute per IP (429).
 * Tokens never reach a log line: only the path is logged, not the query.
 */
#include "cmd.h"
#include "config.h"
#include "date.h"
#include "db.h"
#include "edition.h"
#include "form.h"
#include "journal.h"
#include "mailq.h"
#include "render.h"
#include "send.h"
#include "signup.h"
#include "store.h"
#include "template.h"
#include "token.h"
#include "transport.h"
#include "utf8.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#define SERVE_BODY_MAX 16384
#define SERVE_DISCARD_MAX (1u << 20)	/* then the connection is cut */
#define SERVE_HEADER_MEMORY 16384
#define SERVE_CONNECTIONS 1024
#define SERVE_PER_IP 64
#define SERVE_TIMEOUT 15	/* seconds a connection may idle */
#define SERVE_HEADER_TIME 15	/* seconds to send a request's headers */
#define SERVE_TOPICS 12		/* offered when the config names none */
#define SERVE_RATE_SLOTS 4096	/* per-IP buckets; a collision evicts */
#define SERVE_MAIL_BATCH 32
#define SERVE_CACHE_KB 8192	/* each connection's page cache */
#define SERVE_LINK_MAX 2048

const char cmd_serve_usage[] =
    "usage: digest serve [--listen ADDR:PORT] [--no-rate-limit] [--db PATH]\n"
    "\n"
    "Runs the signup backend: the signup form (GET and POST /subscribe),\n"
    "confirmation (/confirm), unsubscription (/unsubscribe, RFC 8058\n"
    "one-click too), preferences (/preferences) and /healthz. Confirmation\n"
    "mails go out from a queue in the database, through SMTP when smtp_url\n"
    "is set, else into the outbox. Runs until SIGINT or SIGTERM.\n"
    "\n"
    "      --listen ADDR:PORT   where to listen (default: the configuration's\n"
    "                           listen, 127.0.0.1:8080)\n"
    "      --no-rate-limit      no per-IP limit on signups (benchmarks)\n"
    "      --db PATH            the database (default $DIGEST_DB, else\n"
    "                           ./digest.db)\n"
    "  -h, --help               this help\n";

enum serve_page {
	PAGE_SUBSCRIBE = 0,
	PAGE_CHECK_INBOX,
	PAGE_CONFIRMING,
	PAGE_CONFIRMED,
	PAGE_EXPIRED,
	PAGE_UNSUBSCRIBE,
	PAGE_UNSUBSCRIBED,
	PAGE_PREFERENCES,
	PAGE_ERROR,
	PAGE_COUNT
};

static const char *const serve_page_files[PAGE_COUNT] = {
	"subscribe.html.mustache", "check-inbox.html.mustache",
	"confirming.html.mustache", "confirmed.html.mustache",
	"expired.html.mustache", "unsubscribe.html.mustache",
	"unsubscribed.html.mustache", "preferences.html.mustache",
	"error.html.mustache",
};

/* One IP address's signup allowance: a token bucket. */
struct serve_bucket {
	char ip[INET6_ADDRSTRLEN];
	double tokens;
	double last;
};

struct serve {
	const struct config *c;
	struct sqlite3 *db;		/* the server thread's */
	struct template *pages[PAGE_COUNT];	/* owned */
	json_t *topics;			/* owned: the tags on offer */
	int rate_limit;
	struct serve_bucket *buckets;	/* owned, SERVE_RATE_SLOTS */
	/* The mail thread. */
	pthread_t mailer;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	int stop;
	int queued;			/* a signup queued a mail */
	/* The server thread. */
	struct MHD_Daemon *daemon;
	pthread_t loop;
	atomic_int loop_stop;
	/* The signups of this round of the loop, for one commit. */
	struct serve_waiting *waiting;	/* owned */
	size_t nwaiting, waiting_cap;
	/* Open connections, for the header deadline (server thread). */
	struct serve_conn *conns;	/* owned list */
	time_t last_sweep;
};

/* An open connection waiting for its headers since `since` (0: it has
 * them, and the request is being answered). The idle timeout alone
 * keeps a client that sends a byte every few seconds forever. */
struct serve_conn {
	struct serve_conn *prev, *next;
	int fd;
	time_t since;
};

enum serve_signup_state {
	SERVE_SIGNUP_NONE = 0,
	SERVE_SIGNUP_WAITING,		/* checked, suspended until the commit */
	SERVE_SIGNUP_STORED,		/* result holds the outcome: answer it */
};

/* One request's state, across libmicrohttpd's calls. */
struct serve_req {
	struct buf body;
	size_t seen;		/* body bytes received, kept or not */
	int too_big;
	/* A signup waiting for the round's commit: what it needs then. */
	enum serve_signup_state signup;
	struct form form;		/* owned */
	struct signup_form sf;		/* borrows form, ip */
	char ip[INET6_ADDRSTRLEN];
	char email[ADDR_MAX + 1];
	char err[ERR_LEN];
	enum signup_result result;
};

/* A suspended signup of this round. */
struct serve_waiting {
	struct MHD_Connection *conn;
	struct serve_req *rq;
};

static double
serve_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The body as its Content-Type says: 0, -1 with err (400), or -2 for a
 * type that is neither (415). */
static int
serve_parse_body(struct MHD_Connection *conn, struct serve_req *rq,
    struct form *f, char *err)
{
	const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n;

	if (type == NULL)
		type = "";
	n = strcspn(type, "; \t");
	if (n == 33 && strncasecmp(type, "application/x-www-form-urlencoded",
	    n) == 0)
		return form_from_urlencoded(rq->body.data ? rq->body.data :
		    "", rq->body.len, f, err);
	if (n == 16 && strncasecmp(type, "application/json", n) == 0)
		return form_from_json(rq->body.data ? rq->body.data : "",
		    rq->body.len, f, err);
	util_err(err, "send the form as application/x-www-form-urlencoded or "
	    "application/json");
	return -2;
}

/* ---- answers -------------------------------------------------------- */

static void
serve_headers(struct MHD_Response *r, const char *type, int script)
{
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Content-Security-Policy", script ?
	    "default-src 'none'; style-src 'unsafe-inline'; script-src "
	    "'unsafe-inline'; form-action 'self'; frame-ancestors 'none'" :
	    "default-src 'none'; style-src 'unsafe-inline'; form-action "
	    "'self'; frame-ancestors 'none'");
}

static enum MHD_Result
serve_send(struct MHD_Connection *conn, unsigned code, const char *type,
    const char *body, size_t len, int script, const char *origin)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body,
	    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	serve_headers(r, type, script);
	if (origin != NULL) {
		MHD_add_response_header(r, "Access-Control-Allow-Origin",
		    origin);
		MHD_add_response_header(r, "Vary", "Origin");
	}
	if (code == MHD_HTTP_TOO_MANY_REQUESTS)
		MHD_add_response_header(r, "Retry-After", "60");
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* The data every page gets: newsletter, tags on offer, urls, form. */
static json_t *
serve_page_data(struct serve *s, const char *title, const char *message)
{
	json_t *d = json_object(), *urls = json_object(), *form = json_object();
	char link[SERVE_LINK_MAX];

	json_object_set_new(d, "newsletter", render_newsletter_data(s->c));
	json_object_set_new(d, "page", json_pack("{s:s}", "title", title));
	json_object_set_new(d, "message", json_string(message ? message : ""));
	config_page(s->c, "/subscribe", link, sizeof(link));
	json_object_set_new(urls, "subscribe", json_string(link));
	json_object_set_new(form, "action", json_string(link));
	json_object_set_new(form, "email", json_string(""));
	json_object_set_new(form, "name", json_string(""));
	json_object_set_new(form, "error", json_string(""));
	json_object_set_new(form, "has_error", json_false());
	json_object_set_new(d, "urls", urls);
	json_object_set_new(d, "form", form);
	json_object_set_new(d, "tags", json_deep_copy(s->topics));
	return d;
}

/* The form's fields shown again, the tags checked as given. */
static void
serve_data_form(json_t *d, const char *email, const char *name,
    char *const *tags, size_t ntags, const char *error)
{
	json_t *form = json_object_get(d, "form"), *t;
	size_t i, k;

	json_object_set_new(form, "email", json_string(email ? email : ""));
	json_object_set_new(form, "name", json_string(name ? name : ""));
	json_object_set_new(form, "error", json_string(error ? error : ""));
	json_object_set_new(form, "has_error", json_boolean(error != NULL));
	json_array_foreach(json_object_get(d, "tags"), i, t) {
		const char *n = json_string_value(json_object_get(t, "name"));

		for (k = 0; k < ntags; k++)
			if (strcmp(n, tags[k]) == 0)
				json_object_set_new(t, "checked", json_true());
	}
}

/* The links of subscriber sub, for pages about them. */
static void
serve_data_links(struct serve *s, json_t *d,
    const struct store_subscriber *sub)
{
	json_t *urls = json_object_get(d, "urls");
	char link[SERVE_LINK_MAX];

	config_link(s->c, "/unsubscribe", sub->unsubscribe_token, link,
	    sizeof(link));
	json_object_set_new(urls, "unsubscribe", json_string(link));
	config_link(s->c, "/preferences", sub->preferences_token, link,
	    sizeof(link));
	json_object_set_new(urls, "preferences", json_string(link));
	json_object_set_new(d, "token", json_string(sub->preferences_token ?
	    sub->preferences_token : ""));
	serve_data_form(d, sub->email, sub->name, sub->tags, sub->ntags, NULL);
	json_object_set_new(json_object_get(d, "form"), "action",
	    json_string(link));
}

static enum MHD_Result
serve_page(struct serve *s, struct MHD_Connection *conn, unsigned code,
    enum serve_page page, json_t *d)
{
	struct buf out;
	char err[ERR_LEN];
	enum MHD_Result ret;

	buf_init(&out, RENDER_MAX_BYTES);
	if (template_render(s->pages[page], d, &out, err) == -1) {
		fprintf(stderr, "digest serve: %s: %s\n",
		    serve_page_files[page], err);
		buf_truncate(&out, 0);
		buf_puts(&out, "internal error\n");
		code = MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	ret = serve_send(conn, code, "text/html; charset=utf-8",
	    buf_cstr(&out), out.len, page == PAGE_CONFIRMING, NULL);
	buf_release(&out);
	json_decref(d);
	return ret;
}

static enum MHD_Result
serve_error_page(struct serve *s, struct MHD_Connection *conn, unsigned code,
    const char *title, const char *message)
{
	return serve_page(s, conn, code, PAGE_ERROR,
	    serve_page_data(s, title, message));
}

/* ---- signup --------------------------------------------------------- */

/* Whether this IP may sign up now (token bucket of signup_rate a
 * minute). */
static int
serve_rate_ok(struct serve *s, const char *ip)
{
	struct serve_bucket *b;
	unsigned long h = 5381;
	double now = serve_clock(), cap = (double)s->c->signup_rate;
	const char *p;

	if (!s->rate_limit)
		return 1;
	for (p = ip; *p != '\0'; p++)
		h = h * 33 + (unsigned char)*p;
	b = &s->buckets[h % SERVE_RATE_SLOTS];
	if (strcmp(b->ip, ip) != 0) {
		snprintf(b->ip, sizeof(b->ip), "%s", ip);
		b->tokens = cap;
		b->last = now;
	}
	b->tokens += (now - b->last) * cap / 60.0;
	b->last = now;
	if (b->tokens > cap)
		b->tokens = cap;
	if (b->tokens < 1)
		return 0;
	b->tokens -= 1;
	return 1;
}

static void
serve_client_ip(struct MHD_Connection *conn, char ip[INET6_ADDRSTRLEN])
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(ip, INET6_ADDRSTRLEN, "?");
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr, ip, INET6_ADDRSTRLEN);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr, ip, INET6_ADDRSTRLEN);
}

/* The Origin when the configuration allows it (CORS), else NULL. */
static const char *
serve_cors(struct serve *s, struct MHD_Connection *conn)
{
	const char *o = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Origin"), *p = s->c->cors_origins;
	size_t n;

	if (o == NULL || *o == '\0')
		return NULL;
	n = strlen(o);
	while (*p != '\0') {
		size_t k;

		p += strspn(p, " ,\t");
		k = strcspn(p, " ,\t");
		if (k == n && strncmp(p, o, n) == 0)
			return o;
		p += k;
	}
	return NULL;
}

static int
serve_wants_json(struct MHD_Connection *conn)
{
	const char *a = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_ACCEPT);

	return a != NULL && strstr(a, "application/json") != NULL;
}

static enum MHD_Result
serve_json(struct MHD_Connection *conn, unsigned code, int ok,
    const char *message, const char *origin)
{
	json_t *body = json_pack("{s:b,s:s}", "ok", ok, "message", message);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	enum MHD_Result ret;

	json_decref(body);
	if (text == NULL)
		return MHD_NO;
	ret = serve_send(conn, code, "application/json", text, strlen(text),
	    0, origin);
	free(text);
	return ret;
}

static void
serve_mail_wake(struct serve *s)
{
	pthread_mutex_lock(&s->mu);
	s->queued = 1;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->mu);
}

#define SERVE_SIGNUP_DONE "Check your inbox: we sent a link to confirm " \
	"your subscription."

/* The answer to a signup: the same for every address it could be. */
static enum MHD_Result
serve_subscribe_answer(struct serve *s, struct MHD_Connection *conn,
    const struct form *f, enum signup_result rc, const char *err)
{
	const char *origin = serve_cors(s, conn);
	int json = serve_wants_json(conn);
	json_t *d;

	if (rc == SIGNUP_ERROR) {
		fprintf(stderr, "digest serve: %s\n", err);
		return json ? serve_json(conn, MHD_HTTP_SERVICE_UNAVAILABLE, 0,
		    "The signup could not be stored: please try again.",
		    origin) : serve_error_page(s, conn,
		    MHD_HTTP_SERVICE_UNAVAILABLE, "Please try again",
		    "The signup could not be stored: please try again.");
	}
	if (rc == SIGNUP_BAD) {
		if (json)
			return serve_json(conn, MHD_HTTP_UNPROCESSABLE_CONTENT,
			    0, err, origin);
		d = serve_page_data(s, "Subscribe", NULL);
		serve_data_form(d, f->email, f->name, f->tags, f->ntags, err);
		return serve_page(s, conn, MHD_HTTP_UNPROCESSABLE_CONTENT,
		    PAGE_SUBSCRIBE, d);
	}
	if (json)
		return serve_json(conn, MHD_HTTP_OK, 1, SERVE_SIGNUP_DONE,
		    origin);
	d = serve_page_data(s, "Check your inbox", NULL);
	serve_data_form(d, f->email, NULL, NULL, 0, NULL);
	return serve_page(s, conn, MHD_HTTP_OK, PAGE_CHECK_INBOX, d);
}

/*
 * POST /subscribe: checks the form and, when it is fit to store, suspends
 * the connection until serve_signups_commit has stored it with the rest
 * of the round; libmicrohttpd calls again after that, and the stored
 * outcome is answered.
 */
static enum MHD_Result
serve_subscribe_post(struct serve *s, struct MHD_Connection *conn,
    struct serve_req *rq)
{
	struct form *f = &rq->form;
	struct signup_form *sf = &rq->sf;
	const char *origin = serve_cors(s, conn);
	int json = serve_wants_json(conn), rc;
	struct serve_waiting *w;

	if (rq->signup == SERVE_SIGNUP_STORED)
		return serve_subscribe_answer(s, conn, f, rq->result, rq->err);
	if (rq->signup == SERVE_SIGNUP_WAITING)
		return MHD_YES;
	serve_client_ip(conn, rq->ip);
	if (!serve_rate_ok(s, rq->ip))
		return json ? serve_json(conn, MHD_HTTP_TOO_MANY_REQUESTS, 0,
		    "Too many signups from your address: try again in a "
		    "minute.", origin) : serve_error_page(s, conn,
		    MHD_HTTP_TOO_MANY_REQUESTS, "Too many signups",
		    "Too many signups from your address: try again in a "
		    "minute.");
	rc = serve_parse_body(conn, rq, f, rq->err);
	if (rc == 0 && f->email == NULL)
		rc = util_err(rq->err, "the form has no email field");
	if (rc < 0)
		return json ? serve_json(conn, rc == -2 ?
		    MHD_HTTP_UNSUPPORTED_MEDIA_TYPE : MHD_HTTP_BAD_REQUEST, 0,
		    rq->err, origin) : serve_error_page(s, conn, rc == -2 ?
		    MHD_HTTP_UNSUPPORTED_MEDIA_TYPE : MHD_HTTP_BAD_REQUEST,
		    "This form cannot be read", rq->err);
	if (f->website != NULL && *f->website != '\0')
		/* The honeypot: a bot. It gets the answer a person gets,
		 * so it learns nothing, and nothing is stored. */
		return serve_subscribe_answer(s, conn, f, SIGNUP_OK, NULL);
	memset(sf, 0, sizeof(*sf));
	sf->email = f->email;
	sf->email_len = f->email_len;
	sf->name = f->name && *f->name ? f->name : NULL;
	sf->tags = (const char *const *)f->tags;
	sf->ntags = f->ntags;
	sf->ip = rq->ip;
	sf->agent = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_USER_AGENT);
	sf->form = origin ? origin : "web";
	if (signup_check(sf, rq->email, rq->err) == SIGNUP_BAD)
		return serve_subscribe_answer(s, conn, f, SIGNUP_BAD, rq->err);
	xgrow(&s->waiting, &s->waiting_cap, s->nwaiting + 1,
	    sizeof(*s->waiting));
	w = &s->waiting[s->nwaiting++];
	w->conn = conn;
	w->rq = rq;
	rq->signup = SERVE_SIGNUP_WAITING;
	MHD_suspend_connection(conn);
	return MHD_YES;
}

/*
 * Stores the round's signups in one transaction and, after its COMMIT,
 * lets their connections go on to their answers. A signup the store
 * refuses is undone alone (signup_store_checked); a failed BEGIN or
 * COMMIT fails them all, and all get "please try again".
 */
static void
serve_signups_commit(struct serve *s)
{
	char err[ERR_LEN];
	int64_t now = date_now();
	size_t i, stored = 0;
	int ok;

	if (s->nwaiting == 0)
		return;
	ok = db_begin(s->db, err) == 0;
	for (i = 0; i < s->nwaiting; i++) {
		struct serve_req *rq = s->waiting[i].rq;

		rq->result = SIGNUP_ERROR;
		if (!ok)
			snprintf(rq->err, sizeof(rq->err), "%s", err);
		else if (signup_store_checked(s->db, &rq->sf, rq->email, now,
		    rq->err) == 0) {
			rq->result = SIGNUP_OK;
			stored++;
		}
	}
	if (ok && db_commit(s->db, err) == -1) {
		db_rollback(s->db);
		for (i = 0; i < s->nwaiting; i++) {
			s->waiting[i].rq->result = SIGNUP_ERROR;
			snprintf(s->waiting[i].rq->err, ERR_LEN, "%s", err);
		}
		stored = 0;
	}
	for (i = 0; i < s->nwaiting; i++) {
		s->waiting[i].rq->signup = SERVE_SIGNUP_STORED;
		MHD_resume_connection(s->waiting[i].conn);
	}
	s->nwaiting = 0;
	if (stored > 0)
		serve_mail_wake(s);
}

/* ---- links ---------------------------------------------------------- */

/* The token of a link: the form's, else the query's. */
static const char *
serve_token(struct MHD_Connection *conn, const struct form *f)
{
	if (f != NULL && f->token != NULL)
		return f->token;
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    "token");
}

static enum MHD_Result
serve_unknown_link(struct serve *s, struct MHD_Connection *conn)
{
	return serve_error_page(s, conn, MHD_HTTP_NOT_FOUND,
	    "This link is not valid", "The link may be incomplete: copy the "
	    "whole of it from the mail, or sign up again.");
}

static enum MHD_Result
serve_confirm_get(struct serve *s, struct MHD_Connection *conn)
{
	const char *token = serve_token(conn, NULL);
	char link[SERVE_LINK_MAX];
	json_t *d;

	if (token == NULL || strlen(token) != TOKEN_LEN)
		return serve_unknown_link(s, conn);
	d = serve_page_data(s, "Confirm your subscription", NULL);
	config_page(s->c, "/confirm", link, sizeof(link));
	json_object_set_new(json_object_get(d, "form"), "action",
	    json_string(link));
	json_object_set_new(d, "token", json_string(token));
	return serve_page(s, conn, MHD_HTTP_OK, PAGE_CONFIRMING, d);
}

static enum MHD_Result
serve_confirm_post(struct serve *s, struct MHD_Connection *conn,
    const struct form *f)
{
	const char *token = serve_token(conn, f);
	struct store_subscriber sub;
	char err[ERR_LEN], link[SERVE_LINK_MAX];
	enum MHD_Result ret;
	json_t *d;

	store_subscriber_init(&sub);
	switch (signup_confirm(s->db, token, date_now(), &sub, err)) {
	case SIGNUP_LINK_DONE:
	case SIGNUP_LINK_AGAIN:
		d = serve_page_data(s, "Subscribed", NULL);
		serve_data_links(s, d, &sub);
		ret = serve_page(s, conn, MHD_HTTP_OK, PAGE_CONFIRMED, d);
		break;
	case SIGNUP_LINK_EXPIRED:
		d = serve_page_data(s, "This link has expired", "Confirmation "
		    "links work for 7 days. We can send you a new one.");
		config_page(s->c, "/resend", link, sizeof(link));
		json_object_set_new(json_object_get(d, "form"), "action",
		    json_string(link));
		json_object_set_new(d, "token", json_string(token));
		ret = serve_page(s, conn, MHD_HTTP_GONE, PAGE_EXPIRED, d);
		break;
	case SIGNUP_LINK_UNKNOWN:
		ret = serve_unknown_link(s, conn);
		break;
	default:
		fprintf(stderr, "digest serve: %s\n", err);
		ret = serve_error_page(s, conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "Please try again", "Your confirmation could not be "
		    "stored: please try again.");
	}
	store_subscriber_release(&sub);
	return ret;
}

static enum MHD_Result
serve_resend_post(struct serve *s, struct MHD_Connection *conn,
    const struct form *f)
{
	char err[ERR_LEN];
	int rc = signup_resend(s->db, serve_token(conn, f), date_now(), err);

	if (rc == SIGNUP_LINK_ERROR) {
		fprintf(stderr, "digest serve: %s\n", err);
		return serve_error_page(s, conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "Please try again", "No new link could be sent: please "
		    "try again.");
	}
	if (rc != SIGNUP_LINK_DONE)
		return serve_unknown_link(s, conn);
	serve_mail_wake(s);
	return serve_page(s, conn, MHD_HTTP_OK, PAGE_CHECK_INBOX,
	    serve_page_data(s, "Check your inbox", NULL));
}

static enum MHD_Result
serve_unsubscribe(struct serve *s, struct MHD_Connection *conn, int post,
    const struct form *f)
{
	const char *token = serve_token(conn, NULL);
	struct store_subscriber sub;
	char err[ERR_LEN];
	enum MHD_Result ret;
	int rc;
	json_t *d;

	store_subscriber_init(&sub);
	if (!post) {
		rc = store_subscriber_by_token(s->db, STORE_TOKEN_UNSUBSCRIBE,
		    token, &sub, err);
		rc = rc == 1 ? SIGNUP_LINK_AGAIN : rc == 0 ?
		    SIGNUP_LINK_UNKNOWN : SIGNUP_LINK_ERROR;
	} else if (f->one_click == NULL ||
	    strcmp(f->one_click, "One-Click") != 0) {
		store_subscriber_release(&sub);
		return serve_error_page(s, conn, MHD_HTTP_BAD_REQUEST,
		    "This form cannot be read", "An unsubscription posts "
		    "List-Unsubscribe=One-Click.");
	} else {
		rc = signup_unsubscribe(s->db, token, date_now(), &sub, err);
	}
	if (rc == SIGNUP_LINK_UNKNOWN) {
		ret = serve_unknown_link(s, conn);
	} else if (rc == SIGNUP_LINK_ERROR) {
		fprintf(stderr, "digest serve: %s\n", err);
		ret = serve_error_page(s, conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "Please try again", "The unsubscription could not be "
		    "stored: please try again.");
	} else {
		d = serve_page_data(s, post ? "Unsubscribed" : "Unsubscribe",
		    NULL);
		serve_data_links(s, d, &sub);
		ret = serve_page(s, conn, MHD_HTTP_OK, post ?
		    PAGE_UNSUBSCRIBED : PAGE_UNSUBSCRIBE, d);
	}
	store_subscriber_release(&sub);
	return ret;
}

static enum MHD_Result
serve_preferences(struct serve *s, struct MHD_Connection *conn, int post,
    const struct form *f)
{
	const char *token = serve_token(conn, post ? f : NULL);
	struct store_subscriber sub;
	char err[ERR_LEN];
	enum MHD_Result ret;
	const char *msg = NULL;
	int rc;
	json_t *d;

	store_subscriber_init(&sub);
	if (post) {
		rc = signup_preferences(s->db, token, f->name && *f->name ?
		    f->name : NULL, (const char *const *)f->tags, f->ntags,
		    &sub, err);
		if (rc == SIGNUP_LINK_DONE) {
			store_subscriber_release(&sub);
			store_subscriber_init(&sub);
			rc = store_subscriber_by_token(s->db,
			    STORE_TOKEN_PREFERENCES, token, &sub, err);
			msg = "Saved.";
		}
	} else {
		rc = store_subscriber_by_token(s->db, STORE_TOKEN_PREFERENCES,
		    token, &sub, err);
	}
	if (rc == 0) {
		ret = serve_unknown_link(s, conn);
	} else if (rc == SIGNUP_LINK_BAD && post) {
		/* Only signup_preferences() finds the form bad. */
		d = serve_page_data(s, "Your preferences", NULL);
		serve_data_links(s, d, &sub);
		serve_data_form(d, sub.email, f->name, f->tags, f->ntags, err);
		ret = serve_page(s, conn, MHD_HTTP_UNPROCESSABLE_CONTENT,
		    PAGE_PREFERENCES, d);
	} else if (rc < 0) {
		fprintf(stderr, "digest serve: %s\n", err);
		ret = serve_error_page(s, conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "Please try again", "Your preferences could not be "
		    "stored: please try again.");
	} else {
		d = serve_page_data(s, "Your preferences", msg);
		serve_data_links(s, d, &sub);
		ret = serve_page(s, conn, MHD_HTTP_OK, PAGE_PREFERENCES, d);
	}
	store_subscriber_release(&sub);
	return ret;
}

/* The web view of an edition, the link at the top of every digest: the
 * digest as that subscriber got it (their topics, their links). */
static enum MHD_Result
serve_view(struct serve *s, struct MHD_Connection *conn)
{
	const char *id = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "edition");
	struct store_subscriber sub;
	struct journal_edition je;
	struct edition_message m;
	struct edition_reader r;
	struct edition e;
	char err[ERR_LEN];
	enum MHD_Result ret;
	size_t articles;
	int rc;

	store_subscriber_init(&sub);
	rc = store_subscriber_by_token(s->db, STORE_TOKEN_PREFERENCES,
	    serve_token(conn, NULL), &sub, err);
	if (rc == 1 && (id == NULL || strlen(id) >= EDITION_ID_MAX))
		rc = 0;
	if (rc == 1)
		rc = journal_edition_get(s->db, id, &je, err);
	if (rc != 1) {
		store_subscriber_release(&sub);
		return rc == 0 ? serve_unknown_link(s, conn) :
		    serve_error_page(s, conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "Please try again", "The edition cannot be read now.");
	}
	memset(&r, 0, sizeof(r));
	r.email = sub.email;
	r.name = sub.name;
	r.tags = (const char *const *)sub.tags;
	r.ntags = sub.ntags;
	r.unsubscribe_token = sub.unsubscribe_token;
	r.preferences_token = sub.preferences_token;
	edition_message_init(&m);
	rc = edition_open(&e, s->c, id, date_now(), NULL, err);
	if (rc == 0) {
		e.frozen = 1;	/* its articles are the ones it was sent with */
		rc = send_build(s->db, &e, &r, 1, &m, &articles, err);
		edition_close(&e);
	}
	if (rc == -1) {
		fprintf(stderr, "digest serve: edition %s: %s\n", id, err);
		ret = serve_error_page(s, conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "Please try again", "The edition cannot be shown now.");
	} else {
		ret = serve_send(conn, MHD_HTTP_OK, "text/html; charset=utf-8",
		    buf_cstr(&m.html), m.html.len, 0, NULL);
	}
	edition_message_release(&m);
	store_subscriber_release(&sub);
	return ret;
}

/* ---- routing -------------------------------------------------------- */

static enum MHD_Result
serve_options(struct serve *s, struct MHD_Connection *conn)
{
	const char *origin = serve_cors(s, conn);
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(0, (void *)"",
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	if (origin != NULL) {
		MHD_add_response_header(r, "Access-Control-Allow-Origin",
		    origin);
		MHD_add_response_header(r, "Access-Control-Allow-Methods",
		    "POST");
		MHD_add_response_header(r, "Access-Control-Allow-Headers",
		    "Content-Type, Accept");
		MHD_add_response_header(r, "Access-Control-Max-Age", "600");
		MHD_add_response_header(r, "Vary", "Origin");
	}
	ret = MHD_queue_response(conn, origin ? MHD_HTTP_NO_CONTENT :
	    MHD_HTTP_FORBIDDEN, r);
	MHD_destroy_response(r);
	return ret;
}

/* The POSTs that take a form body other than /subscribe. */
static enum MHD_Result
serve_form_post(struct serve *s, struct MHD_Connection *conn,
    struct serve_req *rq, const char *url)
{
	struct form f;
	char err[ERR_LEN];
	enum MHD_Result ret;
	int rc;

	memset(&f, 0, sizeof(f));
	rc = serve_parse_body(conn, rq, &f, err);
	if (rc < 0)
		ret = serve_error_page(s, conn, rc == -2 ?
		    MHD_HTTP_UNSUPPORTED_MEDIA_TYPE : MHD_HTTP_BAD_REQUEST,
		    "This form cannot be read", err);
	else if (strcmp(url, "/confirm") == 0)
		ret = serve_confirm_post(s, conn, &f);
	else if (strcmp(url, "/resend") == 0)
		ret = serve_resend_post(s, conn, &f);
	else if (strcmp(url, "/unsubscribe") == 0)
		ret = serve_unsubscribe(s, conn, 1, &f);
	else
		ret = serve_preferences(s, conn, 1, &f);
	form_release(&f);
	return ret;
}

static enum MHD_Result
serve_route(struct serve *s, struct MHD_Connection *conn, const char *method,
    const char *url, struct serve_req *rq)
{
	int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	int post = strcmp(method, "POST") == 0;

	if (strcmp(url, "/healthz") == 0 && get)
		return serve_send(conn, MHD_HTTP_OK, "text/plain", "ok\n", 3, 0,
		    NULL);
	if (strcmp(url, "/subscribe") == 0 && get)
		return serve_page(s, conn, MHD_HTTP_OK, PAGE_SUBSCRIBE,
		    serve_page_data(s, "Subscribe", NULL));
	if (strcmp(url, "/subscribe") == 0 && post)
		return serve_subscribe_post(s, conn, rq);
	if (strcmp(url, "/subscribe") == 0 && strcmp(method, "OPTIONS") == 0)
		return serve_options(s, conn);
	if (strcmp(url, "/confirm") == 0 && get)
		return serve_confirm_get(s, conn);
	if (strcmp(url, "/unsubscribe") == 0 && get)
		return serve_unsubscribe(s, conn, 0, NULL);
	if (strcmp(url, "/preferences") == 0 && get)
		return serve_preferences(s, conn, 0, NULL);
	if (strcmp(url, "/view") == 0 && get)
		return serve_view(s, conn);
	if (post && (strcmp(url, "/confirm") == 0 || strcmp(url, "/resend") ==
	    0 || strcmp(url, "/unsubscribe") == 0 ||
	    strcmp(url, "/preferences") == 0))
		return serve_form_post(s, conn, rq, url);
	if (strcmp(url, "/subscribe") == 0 || strcmp(url, "/confirm") == 0 ||
	    strcmp(url, "/unsubscribe") == 0 ||
	    strcmp(url, "/preferences") == 0 || strcmp(url, "/healthz") == 0)
		return serve_error_page(s, conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "Not allowed", "This page does not take that method.");
	return serve_error_page(s, conn, MHD_HTTP_NOT_FOUND, "Not found",
	    "There is no such page.");
}

/* libmicrohttpd's handler: gathers the body (refusing one past the cap
 * without reading it), then routes. */
static enum MHD_Result
serve_handle(void *arg, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct serve *s = arg;
	struct serve_req *rq = *con_cls;
	const char *cl, *expect;
	unsigned long long len;

	(void)version;
	if (rq == NULL) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		    conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

		if (ci != NULL && ci->socket_context != NULL)
			((struct serve_conn *)ci->socket_context)->since = 0;
		rq = xcalloc(1, sizeof(*rq));
		buf_init(&rq->body, SERVE_BODY_MAX);
		*con_cls = rq;
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_EXPECT);
		if (cl != NULL && (len = strtoull(cl, NULL, 10)) >
		    SERVE_BODY_MAX) {
			/* Refused before a byte of it is read when the client
			 * waits for 100 Continue or the body is past what we
			 * read on; else read on, unkept: a client still
			 * sending when the connection closes never sees the
			 * 413 (a reset instead). */
			if (len > SERVE_DISCARD_MAX || (expect != NULL &&
			    strcasecmp(expect, "100-continue") == 0))
				return serve_error_page(s, conn,
				    MHD_HTTP_CONTENT_TOO_LARGE, "Too large",
				    "The form is larger than 16 KB.");
			rq->too_big = 1;
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		/* A body without a length (chunked) that grows past the cap
		 * is read on, unkept, to answer 413 at its end; one that goes
		 * on far past it is cut off. */
		rq->seen += *upload_size;
		if (rq->body.len + *upload_size > SERVE_BODY_MAX)
			rq->too_big = 1;
		else
			buf_append(&rq->body, upload, *upload_size);
		*upload_size = 0;
		return rq->seen > SERVE_DISCARD_MAX ? MHD_NO : MHD_YES;
	}
	if (rq->too_big)
		return serve_error_page(s, conn, MHD_HTTP_CONTENT_TOO_LARGE,
		    "Too large", "The form is larger than 16 KB.");
	return serve_route(s, conn, method, url, rq);
}

static void
serve_completed(void *arg, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct serve_req *rq = *con_cls;

	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	(void)arg, (void)toe;
	/* A kept-alive connection: the next request's headers are due. */
	if (ci != NULL && ci->socket_context != NULL)
		((struct serve_conn *)ci->socket_context)->since = time(NULL);
	if (rq != NULL) {
		buf_release(&rq->body);
		form_release(&rq->form);
		free(rq);
		*con_cls = NULL;
	}
}

static void
serve_connection(void *arg, struct MHD_Connection *conn, void **socket_ctx,
    enum MHD_ConnectionNotificationCode what)
{
	struct serve *s = arg;
	struct serve_conn *sc = *socket_ctx;
	const union MHD_ConnectionInfo *ci;

	if (what == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		sc = xcalloc(1, sizeof(*sc));
		sc->fd = ci != NULL ? ci->connect_fd : -1;
		sc->since = time(NULL);
		sc->next = s->conns;
		if (s->conns != NULL)
			s->conns->prev = sc;
		s->conns = sc;
		*socket_ctx = sc;
	} else if (sc != NULL) {
		if (sc->prev != NULL)
			sc->prev->next = sc->next;
		else
			s->conns = sc->next;
		if (sc->next != NULL)
			sc->next->prev = sc->prev;
		free(sc);
		*socket_ctx = NULL;
	}
}

/* Cuts off, once a second, the connections whose headers are overdue:
 * shut down, libmicrohttpd sees the end and closes them. */
static void
serve_sweep(struct serve *s)
{
	time_t now = time(NULL);
	struct serve_conn *sc;

	if (now == s->last_sweep)
		return;
	s->last_sweep = now;
	for (sc = s->conns; sc != NULL; sc = sc->next) {
		if (sc->since != 0 && now - sc->since > SERVE_HEADER_TIME &&
		    sc->fd != -1) {
			shutdown(sc->fd, SHUT_RDWR);
			sc->since = 0;
		}
	}
}

/* ---- the mail thread ------------------------------------------------ */

/* One key=value line per confirmation mail on stderr, which journald
 * keeps: where it went and what became of it, never its link. A setting
 * that stops every mail says so at once, with the fix. */
static void
serve_mail_log(const struct mailq_event *ev, void *arg)
{
	(void)arg;
	fprintf(stderr, "event=confirmation-mail to=%s status=%s", ev->email,
	    ev->status);
	if (ev->setting)
		fputs(" cause=setting", stderr);
	if (ev->code != 0)
		fprintf(stderr, " smtp=%d", ev->code);
	if (strcmp(ev->status, "sent") != 0)
		cmd_log_kv(stderr, "reply", ev->reply);
	fprintf(stderr, " ms=%.0f\n", ev->ms);
}

static void *
serve_mailer(void *arg)
{
	struct serve *s = arg;
	struct mailq_templates tpl;
	struct transport *t = NULL;
	struct sqlite3 *db;
	struct timespec until;
	char err[ERR_LEN], outbox[4200];
	int status, n;

	pthread_setname_np(pthread_self(), "serve-mail");
	snprintf(outbox, sizeof(outbox), "%s/confirm", s->c->outbox);
	db = db_open(cmd_db_path(), err);
	if (db != NULL)
		db_limit_memory(db, SERVE_CACHE_KB, 0);
	if (db == NULL || mailq_templates_load(&tpl, s->c->templates,
	    err) == -1 || (t = cmd_transport_open(s->c, NULL, outbox, 1,
	    &status, err)) == NULL) {
		fprintf(stderr, "digest serve: confirmation mails: %s\n", err);
		db_close(db);
		return NULL;
	}
	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		s->queued = 0;
		pthread_mutex_unlock(&s->mu);
		n = mailq_run(db, s->c, &tpl, t, date_now(), SERVE_MAIL_BATCH,
		    serve_mail_log, NULL, err);
		if (n == -1)
			fprintf(stderr, "digest serve: confirmation mails: %s\n",
			    err);
		pthread_mutex_lock(&s->mu);
		if (n == SERVE_MAIL_BATCH || s->queued)
			continue;
		/* Deferred mails come due by the clock: look again soon. */
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 2;
		if (!s->stop)
			pthread_cond_timedwait(&s->wake, &s->mu, &until);
	}
	pthread_mutex_unlock(&s->mu);
	transport_close(t);
	mailq_templates_release(&tpl);
	db_close(db);
	return NULL;
}

/* ---- setup ---------------------------------------------------------- */

/* The tags the form offers: the configuration's, else the commonest of
 * the stored articles'. */
static json_t *
serve_topics(struct serve *s, char *err)
{
	json_t *arr = json_array();
	const char *p = s->c->topics;
	sqlite3_stmt *st;

	while (*p != '\0') {
		size_t k;

		p += strspn(p, " ,\t");
		k = strcspn(p, ",");
		while (k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\t'))
			k--;
		if (k > 0)
			json_array_append_new(arr, json_pack("{s:s%,s:b}",
			    "name", p, k, "checked", 0));
		p += strcspn(p, ",");
	}
	if (json_array_size(arr) > 0)
		return arr;
	st = db_prepare(s->db, "SELECT t.name FROM article_tag a JOIN tag t "
	    "ON t.id = a.tag_id GROUP BY t.id ORDER BY count(*) DESC, t.name "
	    "LIMIT ?1", err);
	if (st == NULL) {
		json_decref(arr);
		return NULL;
	}
	sqlite3_bind_int(st, 1, SERVE_TOPICS);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:s,s:b}", "name",
		    (const char *)sqlite3_column_text(st, 0), "checked", 0));
	sqlite3_reset(st);
	return arr;
}

static int
serve_setup(struct serve *s, char *err)
{
	int i;

	for (i = 0; i < PAGE_COUNT; i++)
		if ((s->pages[i] = render_template_load(s->c->templates,
		    serve_page_files[i], err)) == NULL)
			return -1;
	if ((s->topics = serve_topics(s, err)) == NULL)
		return -1;
	s->buckets = xcalloc(SERVE_RATE_SLOTS, sizeof(*s->buckets));
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->wake, NULL);
	return 0;
}

static void
serve_teardown(struct serve *s)
{
	int i;

	for (i = 0; i < PAGE_COUNT; i++)
		template_free(s->pages[i]);
	json_decref(s->topics);
	free(s->buckets);
	free(s->waiting);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->mu);
	db_close(s->db);
}

/* The server thread: one round of libmicrohttpd's loop (every
 * connection that is ready), then one commit for the round's signups. */
static void *
serve_loop(void *arg)
{
	struct serve *s = arg;

	pthread_setname_np(pthread_self(), "serve-http");
	while (!atomic_load(&s->loop_stop)) {
		MHD_run_wait(s->daemon, 250);
		serve_signups_commit(s);
		serve_sweep(s);
	}
	return NULL;
}

static struct MHD_Daemon *
serve_start(struct serve *s, struct sockaddr_in *sin)
{
	return MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, serve_handle, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)sin,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)SERVE_TIMEOUT,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)SERVE_CONNECTIONS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)SERVE_PER_IP,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_HEADER_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, serve_completed, s,
	    MHD_OPTION_NOTIFY_CONNECTION, serve_connection, s,
	    MHD_OPTION_END);
}

static int
serve_parse_args(int argc, char **argv, const char **listen, int *no_limit)
{
	static const struct option longopts[] = {
		CMD_COMMON_OPTIONS,
		{ "listen", required_argument, NULL, 'l' },
		{ "no-rate-limit", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "hl:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			return cmd_help(cmd_serve_usage);
		case 'l':
			*listen = optarg;
			break;
		case 'N':
			*no_limit = 1;
			break;
		case CMD_DB_OPTION_ID:
			cmd_db_path_set(optarg);
			break;
		default:
			return cmd_bad_usage(cmd_serve_usage);
		}
	}
	if (optind != argc)
		return cmd_bad_usage(cmd_serve_usage);
	return -1;
}

int
cmd_serve(int argc, char **argv)
{
	const char *listen = NULL;
	struct sockaddr_in sin;
	struct MHD_Daemon *d;
	struct config c;
	struct serve s;
	char err[ERR_LEN];
	sigset_t set, old;
	int rc, sig, no_limit = 0, status;

	if ((rc = serve_parse_args(argc, argv, &listen, &no_limit)) != -1)
		return rc;
	if ((rc = cmd_config_load(&c)) != 0)
		return rc;
	if (listen == NULL)
		listen = c.listen;
	if (cmd_parse_listen(listen, &sin) == -1) {
		cmd_error("invalid listen address '%s': expected "
		    "IPv4ADDR:PORT", listen);
		config_release(&c);
		return EX_USAGE;
	}
	memset(&s, 0, sizeof(s));
	s.c = &c;
	s.rate_limit = !no_limit;
	if ((s.db = cmd_db_open(&status)) == NULL) {
		config_release(&c);
		return status;
	}
	/* A long-running server touches a few pages per request: a small
	 * cache and no memory map keep its memory flat however large the
	 * store grows. */
	db_limit_memory(s.db, SERVE_CACHE_KB, 0);
	if (serve_setup(&s, err) == -1) {
		cmd_error("%s", err);
		serve_teardown(&s);
		config_release(&c);
		return EX_CONFIG;
	}
	/* Signals go to the waiting main thread, not the server's. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	if ((d = serve_start(&s, &sin)) == NULL) {
		cmd_error("cannot listen on %s: %s", listen, strerror(errno));
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		serve_teardown(&s);
		config_release(&c);
		return EX_UNAVAILABLE;
	}
	s.daemon = d;
	pthread_create(&s.loop, NULL, serve_loop, &s);
	pthread_create(&s.mailer, NULL, serve_mailer, &s);
	fprintf(stderr, "digest: serving signups at http://%s/subscribe\n",
	    listen);
	sigwait(&set, &sig);
	atomic_store(&s.loop_stop, 1);
	pthread_join(s.loop, NULL);
	MHD_stop_daemon(d);
	pthread_mutex_lock(&s.mu);
	s.stop = 1;
	pthread_cond_signal(&s.wake);
	pthread_mutex_unlock(&s.mu);
	pthread_join(s.mailer, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	serve_teardown(&s);
	config_release(&c);
	return 0;
}
