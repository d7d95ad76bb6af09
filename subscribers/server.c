/*
 * server: the signup backend's daemon, its loop and its one commit per
 * round (server.h).
 */
#include "server.h"
#include "buf.h"
#include "client.h"
#include "config.h"
#include "date.h"
#include "db.h"
#include "http.h"
#include "links.h"
#include "pages.h"
#include "ratelimit.h"
#include "subscribe.h"
#include "topics.h"
#include "util.h"
#include "view.h"
#include "web.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SERVER_FORWARDED_MAX 4096	/* bytes of forwarding headers read */

/* An open connection waiting for its headers since `since` (0: it has
 * them, and the request is being answered). The idle timeout alone
 * keeps a client that sends a byte every few seconds forever. */
struct server_conn {
	struct server_conn *prev, *next;
	int fd;
	time_t since;
};

struct server {
	struct server_opts o;
	struct topics topics;
	struct pages pages;
	struct client_proxies proxies;
	struct ratelimit limiter;
	struct subscribe_round round;
	struct web web;			/* the handlers' view of the above */
	struct mailthread mail;
	struct MHD_Daemon *daemon;
	pthread_t loop;
	int loop_started;
	atomic_int loop_stop;
	int wake_fd;			/* eventfd: wakes the server loop */
	struct server_conn *conns;	/* owned list; the server thread's */
	time_t last_sweep;
};

/* ---- requests ------------------------------------------------------- */

/* The client: the peer, or the one a trusted proxy names. */
static void
server_client(const struct server *s, struct MHD_Connection *conn,
    struct client_ip *ip)
{
	struct buf b;

	client_ip_from_sockaddr(http_peer(conn), ip);
	if (s->proxies.n == 0 || !client_proxies_trust(&s->proxies, ip))
		return;
	buf_init(&b, SERVER_FORWARDED_MAX);
	http_header_join(conn, "Forwarded", &b);
	if (b.len > 0) {
		client_forwarded(&s->proxies, buf_cstr(&b), 1, ip);
	} else {
		http_header_join(conn, "X-Forwarded-For", &b);
		if (b.len > 0)
			client_forwarded(&s->proxies, buf_cstr(&b), 0, ip);
	}
	buf_release(&b);
}

static enum MHD_Result
server_health(struct web *w, struct web_request *r)
{
	(void)w;
	return http_send(r->conn, &http_policy_strict, MHD_HTTP_OK,
	    "text/plain", "ok\n", 3);
}

static enum MHD_Result
server_subscribe_page(struct web *w, struct web_request *r)
{
	return pages_reply(w->pages, r->conn, MHD_HTTP_OK, PAGE_SUBSCRIBE,
	    pages_data(w->pages, "Subscribe", NULL));
}

static enum MHD_Result
server_preflight(struct web *w, struct web_request *r)
{
	return http_preflight(r->conn, web_cors(w, r), "POST");
}

#define SERVER_GET 1		/* and HEAD */
#define SERVER_POST 2
#define SERVER_OPTIONS 4

/* The routes: a path and method of none is 404, a path with another
 * method 405. */
static const struct server_route {
	const char *path;
	int methods;
	int form;		/* the handler is given the body's fields */
	web_handler fn;
} server_routes[] = {
	{ "/healthz", SERVER_GET, 0, server_health },
	{ "/subscribe", SERVER_GET, 0, server_subscribe_page },
	{ "/subscribe", SERVER_POST, 0, subscribe_post },
	{ "/subscribe", SERVER_OPTIONS, 0, server_preflight },
	{ "/confirm", SERVER_GET, 0, links_confirm_get },
	{ "/confirm", SERVER_POST, 1, links_confirm_post },
	{ "/resend", SERVER_POST, 1, links_resend },
	{ "/resubscribe", SERVER_POST, 1, links_resubscribe },
	{ "/unsubscribe", SERVER_GET | SERVER_POST, 0, links_unsubscribe },
	{ "/preferences", SERVER_GET, 0, links_preferences },
	{ "/preferences", SERVER_POST, 1, links_preferences },
	{ "/view", SERVER_GET, 0, view_edition },
};

static int
server_method(const char *method)
{
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		return SERVER_GET;
	if (strcmp(method, "POST") == 0)
		return SERVER_POST;
	return strcmp(method, "OPTIONS") == 0 ? SERVER_OPTIONS : 0;
}

/* Runs route rt for r: its form parsed first when it takes one. */
static enum MHD_Result
server_run_route(struct server *s, const struct server_route *rt,
    struct web_request *r)
{
	char err[ERR_LEN];
	int rc;

	if (rt->form && (rc = web_form(r, err)) < 0)
		return web_form_refused(&s->web, r, rc, err);
	return rt->fn(&s->web, r);
}

static enum MHD_Result
server_route(struct server *s, const char *method, const char *url,
    struct web_request *r)
{
	int m = server_method(method), known = 0;
	enum MHD_Result ret;
	size_t i;

	for (i = 0; i < sizeof(server_routes) / sizeof(*server_routes); i++) {
		if (strcmp(url, server_routes[i].path) != 0)
			continue;
		known = 1;
		if ((server_routes[i].methods & m) == 0)
			continue;
		ret = server_run_route(s, &server_routes[i], r);
		if (r->mailed)
			mailthread_queued(&s->mail);
		r->mailed = 0;
		return ret;
	}
	if (known)
		return pages_error(&s->pages, r->conn,
		    MHD_HTTP_METHOD_NOT_ALLOWED, "Not allowed",
		    "This page does not take that method.");
	return pages_error(&s->pages, r->conn, MHD_HTTP_NOT_FOUND,
	    "Not found", "There is no such page.");
}

/* The connection's entry in the header deadline's list: it has its
 * headers (0) or waits for the next request's (now). */
static void
server_conn_mark(struct MHD_Connection *conn, time_t since)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	if (ci != NULL && ci->socket_context != NULL)
		((struct server_conn *)ci->socket_context)->since = since;
}

/* A request's headers are in: its state, and the verdict on its body
 * before any of it is read. */
static enum MHD_Result
server_request_begin(struct server *s, struct MHD_Connection *conn,
    const char *method, void **con_cls)
{
	struct web_request *r = xcalloc(1, sizeof(*r));

	server_conn_mark(conn, 0);
	r->conn = conn;
	r->start = util_monotonic();
	r->post = strcmp(method, "POST") == 0;
	http_body_init(&r->body, SERVER_BODY_MAX, SERVER_DISCARD_MAX);
	server_client(s, conn, &r->client);
	client_ip_to_text(&r->client, r->ip);
	*con_cls = r;
	switch (http_body_begin(&r->body, conn)) {
	case HTTP_BODY_AMBIGUOUS:
		fprintf(stderr, "event=refused reason=framing ip=%s\n", r->ip);
		return http_refuse_framing(conn, &http_policy_strict);
	case HTTP_BODY_REFUSE:
		return pages_error(&s->pages, conn, MHD_HTTP_CONTENT_TOO_LARGE,
		    "Too large", "The form is larger than 16 KB.");
	case HTTP_BODY_READ:
		break;
	}
	return MHD_YES;
}

/* libmicrohttpd's handler: gathers the body (refusing one past the cap
 * without reading it), then routes. */
static enum MHD_Result
server_handle(void *arg, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct server *s = arg;
	struct web_request *r = *con_cls;

	(void)version;
	if (r == NULL)
		return server_request_begin(s, conn, method, con_cls);
	if (*upload_size > 0)
		return http_body_take(&r->body, upload, upload_size);
	if (r->body.too_big)
		return pages_error(&s->pages, conn, MHD_HTTP_CONTENT_TOO_LARGE,
		    "Too large", "The form is larger than 16 KB.");
	return server_route(s, method, url, r);
}

static void
server_completed(void *arg, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct web_request *r = *con_cls;

	(void)arg, (void)toe;
	/* A kept-alive connection: the next request's headers are due. */
	server_conn_mark(conn, time(NULL));
	if (r != NULL) {
		http_body_release(&r->body);
		form_release(&r->form);
		free(r);
		*con_cls = NULL;
	}
}

static void
server_connection(void *arg, struct MHD_Connection *conn, void **socket_ctx,
    enum MHD_ConnectionNotificationCode what)
{
	struct server *s = arg;
	struct server_conn *sc = *socket_ctx;
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
server_sweep(struct server *s)
{
	time_t now = time(NULL);
	struct server_conn *sc;

	if (now == s->last_sweep)
		return;
	s->last_sweep = now;
	for (sc = s->conns; sc != NULL; sc = sc->next) {
		if (sc->since != 0 && now - sc->since > SERVER_HEADER_TIME &&
		    sc->fd != -1) {
			shutdown(sc->fd, SHUT_RDWR);
			sc->since = 0;
		}
	}
}

/* ---- the loop ------------------------------------------------------- */

/* Wakes the server loop from another thread: its wait polls wake_fd. */
static void
server_wake(void *arg)
{
	struct server *s = arg;
	uint64_t one = 1;

	if (write(s->wake_fd, &one, sizeof(one)) == -1)
		return;	/* EAGAIN: a wake is pending already */
}

/*
 * The round's one commit: the signups of the round and the mail
 * thread's delivered batch, in one transaction; after its COMMIT (on
 * disk: synchronous = FULL) the signups' connections go on to their
 * answers. The mail thread never holds the write lock, so neither
 * thread waits on the other (SQLite's busy handler would sleep
 * milliseconds at a time), its records cost no commit of their own,
 * and the server's page cache is not thrown away for another
 * connection's change. A signup the store refuses is undone alone
 * (signup_store_checked); a failed BEGIN or COMMIT fails them all, and
 * all get "please try again".
 */
static void
server_round_commit(struct server *s)
{
	struct mailq_batch *batch = mailthread_batch_take(&s->mail);
	char err[ERR_LEN] = "";
	size_t mailed;
	int begun, recorded = 0;

	if (subscribe_round_pending(&s->round) == 0 && batch == NULL)
		return;
	begun = db_begin(s->o.db, err) == 0;
	mailed = subscribe_round_store(&s->round, s->o.db, begun, err,
	    date_now());
	if (begun && batch != NULL)
		recorded = mailthread_batch_record(batch, s->o.db);
	if (begun && db_commit(s->o.db, err) == -1) {
		db_rollback(s->o.db);
		subscribe_round_fail(&s->round, err);
		mailed = 0;
		recorded = 0;
	}
	subscribe_round_answer(&s->round, util_monotonic());
	if (recorded)
		mailthread_batch_done(&s->mail);
	if (mailed > 0)
		mailthread_queued(&s->mail);
}

/* Waits until libmicrohttpd has work (its epoll descriptor is ready),
 * another thread wakes the loop (wake_fd), libmicrohttpd's next
 * timeout, a held signup's time (until, when not 0), or at most 250 ms:
 * the header deadline's sweep and the topics' refresh need a turn now
 * and then. Not at all when a connection was resumed: its descriptor
 * shows nothing new, and libmicrohttpd's timeout does not count it. */
static void
server_wait(struct server *s, double until)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon,
	    MHD_DAEMON_INFO_EPOLL_FD);
	MHD_UNSIGNED_LONG_LONG to;
	struct pollfd pfd[2];
	struct timespec ts;
	double wait = 0.25, now = util_monotonic();
	uint64_t n;

	if (MHD_get_timeout(s->daemon, &to) == MHD_YES && to < 250)
		wait = (double)to / 1e3;
	if (s->round.resumed)
		wait = 0;
	s->round.resumed = 0;
	if (until != 0 && until - now < wait)
		wait = until > now ? until - now : 0;
	ts.tv_sec = (time_t)wait;
	ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
	pfd[0].fd = di != NULL ? di->epoll_fd : -1;
	pfd[0].events = POLLIN;
	pfd[1].fd = s->wake_fd;
	pfd[1].events = POLLIN;
	if (ppoll(pfd, 2, &ts, NULL) > 0 && (pfd[1].revents & POLLIN) &&
	    read(s->wake_fd, &n, sizeof(n)) == -1)
		return;	/* EAGAIN: another read took it */
}

/* The server thread: one round of libmicrohttpd's loop (every
 * connection that is ready), then one commit for the round's signups
 * and the mail thread's records. */
static void *
server_loop(void *arg)
{
	struct server *s = arg;
	char err[ERR_LEN];

	pthread_setname_np(pthread_self(), "serve-http");
	while (!atomic_load(&s->loop_stop)) {
		server_wait(s, subscribe_round_due(&s->round, util_monotonic(), 0));
		MHD_run(s->daemon);
		server_round_commit(s);
		server_sweep(s);
		if (topics_refresh(&s->topics, s->o.db, err) == -1)
			fprintf(stderr, "digest serve: %s\n", err);
	}
	/* Stopping: what is held is answered now. */
	subscribe_round_due(&s->round, 0, 1);
	MHD_run(s->daemon);
	mailthread_loop_done(&s->mail);
	return NULL;
}

/* ---- start and stop ------------------------------------------------- */

/* Everything but the daemon and the threads: 0, or -1 with err. */
static int
server_setup(struct server *s, char *err)
{
	const struct config *c = s->o.c;

	/* A long-running server touches a few pages per request: a small
	 * cache and no memory map keep its memory flat however large the
	 * store grows. */
	db_limit_memory(s->o.db, SERVER_CACHE_KB, 0);
	/* Each signup of a round is stored in a savepoint, whose journal
	 * (the pages it changes) would spill to a temporary file, made and
	 * deleted in every round, past 64 KB. */
	db_temp_in_memory(s->o.db);
	if (pages_load(&s->pages, c, &s->topics, err) == -1 ||
	    topics_load(&s->topics, c->topics, s->o.db, err) == -1 ||
	    client_proxies_parse(&s->proxies, c->trusted_proxies, err) == -1)
		return -1;
	ratelimit_init(&s->limiter, (double)c->signup_rate, RATELIMIT_SLOTS);
	subscribe_round_init(&s->round);
	s->web.c = c;
	s->web.db = s->o.db;
	s->web.pages = &s->pages;
	s->web.topics = &s->topics;
	s->web.limiter = s->o.rate_limit ? &s->limiter : NULL;
	s->web.round = &s->round;
	if ((s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return util_err(err, "cannot make an eventfd: %s",
		    strerror(errno));
	s->mail.c = c;
	s->mail.db_path = s->o.db_path;
	s->mail.transport_open = s->o.transport_open;
	s->mail.wake_loop = server_wake;
	s->mail.wake_arg = s;
	sqlite3_wal_hook(s->o.db, mailthread_wal_hook, &s->mail);
	return 0;
}

static void
server_free(struct server *s)
{
	sqlite3_wal_hook(s->o.db, NULL, NULL);
	pages_release(&s->pages);
	topics_release(&s->topics);
	ratelimit_release(&s->limiter);
	subscribe_round_release(&s->round);
	if (s->wake_fd != -1)
		close(s->wake_fd);
	mailthread_release(&s->mail);
	free(s);
}

static struct MHD_Daemon *
server_daemon(struct server *s)
{
	static const struct http_limits limits = {
		.timeout = SERVER_TIMEOUT,
		.connections = SERVER_CONNECTIONS,
		.per_ip = SERVER_PER_IP,
		.header_memory = SERVER_HEADER_MEMORY,
	};
	struct MHD_OptionItem opts[HTTP_DAEMON_OPTIONS];

	http_daemon_options(&limits, &s->o.listen, opts);
	return MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, server_handle, s,
	    MHD_OPTION_ARRAY, opts,
	    MHD_OPTION_NOTIFY_COMPLETED, server_completed, s,
	    MHD_OPTION_NOTIFY_CONNECTION, server_connection, s,
	    MHD_OPTION_END);
}

struct server *
server_start(const struct server_opts *o, enum server_fault *fault,
    char *err)
{
	struct server *s = xcalloc(1, sizeof(*s));
	int rc;

	s->o = *o;
	s->wake_fd = -1;
	mailthread_init(&s->mail);
	*fault = SERVER_BAD_SETUP;
	if (server_setup(s, err) == -1) {
		server_free(s);
		return NULL;
	}
	if ((s->daemon = server_daemon(s)) == NULL) {
		*fault = SERVER_CANNOT_LISTEN;
		util_err(err, "%s", strerror(errno));
		server_free(s);
		return NULL;
	}
	if ((rc = pthread_create(&s->loop, NULL, server_loop, s)) != 0) {
		util_err(err, "cannot start the server thread: %s",
		    strerror(rc));
		MHD_stop_daemon(s->daemon);
		server_free(s);
		return NULL;
	}
	s->loop_started = 1;
	if (mailthread_start(&s->mail, err) == -1)
		fprintf(stderr, "digest serve: confirmation mails: %s\n", err);
	*fault = SERVER_OK;
	return s;
}

void
server_stop(struct server *s)
{
	atomic_store(&s->loop_stop, 1);
	server_wake(s);
	if (s->loop_started)
		pthread_join(s->loop, NULL);
	MHD_stop_daemon(s->daemon);
	mailthread_stop(&s->mail);
	server_free(s);
}
