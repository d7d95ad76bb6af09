/*
 * digest serve: the signup backend. libmicrohttpd serves the pages of
 * templates/ and takes the forms: signup (double opt-in), confirm,
 * unsubscribe (RFC 8058 one-click too), preferences. One server thread
 * runs libmicrohttpd's event loop and owns the database connection the
 * requests use, so requests never contend with each other for it; a
 * second thread delivers the queued confirmation mails (mailq.h) with its
 * own transport, reading them with its own connection. The server
 * thread is the process's one writer: it records what became of the
 * mails too, and the mail thread runs the checkpoints.
 *
 * Group commit: a signup is checked at once, then its connection waits
 * (suspended) until the end of the loop's round, when every signup of
 * the round is stored in one transaction; after its COMMIT each is
 * answered. So every answer still follows its own commit, and a round
 * of signups costs one commit instead of one each. A signup's answer
 * goes out no sooner than lone signups usually take (serve_floor), so
 * that a new address and a known one, which the store treats a little
 * differently, are answered in the same time as well as the same page.
 *
 * With synchronous = FULL (db.h) a COMMIT is on disk when it returns,
 * so what is answered survives a power loss: the round's one fsync
 * serves all its signups; confirmations, unsubscriptions and preference
 * changes commit (and fsync) before their own answers.
 *
 * Limits: bodies of at most SERVE_BODY_MAX bytes (413 past it: from the
 * Content-Length before a byte is read when the client asked for 100
 * Continue, else after reading up to SERVE_DISCARD_MAX), header memory,
 * an idle timeout, a deadline for a request's headers (against clients
 * that trickle a byte at a time), connections in all and per IP, and
 * signups per minute per client (429), the client being the peer or,
 * from a trusted proxy, the address its Forwarded or X-Forwarded-For
 * names. A request whose length is ambiguous (Content-Length twice with
 * different values, or with Transfer-Encoding) gets 400 and the
 * connection is closed: whatever follows it is not a request.
 *
 * One key=value line on stderr per signup, confirmation, unsubscription,
 * preference change and request to come back; addresses in it are
 * masked (the first character and the domain), tokens never appear.
 */
#include "cmd.h"
#include "opt.h"
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
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SERVE_BODY_MAX 16384
#define SERVE_DISCARD_MAX (1u << 20)	/* then the connection is cut */
#define SERVE_HEADER_MEMORY 16384
#define SERVE_CONNECTIONS 1024
#define SERVE_PER_IP 64
#define SERVE_TIMEOUT 15	/* seconds a connection may idle */
#define SERVE_HEADER_TIME 15	/* seconds to send a request's headers */
#define SERVE_TOPICS 12		/* offered when the config names none */
#define SERVE_TOPICS_DAYS 30	/* ... from the articles of these days */
#define SERVE_TOPICS_AGE 600	/* recounted at least this often (s) */
#define SERVE_RATE_SLOTS 16384	/* clients the limiter tells apart */
#define SERVE_RATE_PROBE 16	/* slots a client's key may take */
#define SERVE_PROXIES_MAX 32
#define SERVE_FORWARDED_MAX 4096	/* bytes of forwarding headers read */
#define SERVE_MAIL_BATCH 32
#define SERVE_CHECKPOINT_PAGES 1000	/* SQLite's own default */
/* A signup's answer waits for the SERVE_FLOOR_QUANTILE of how long the
 * last SERVE_FLOOR_SAMPLES signups stored alone took (serve_floor). */
#define SERVE_FLOOR_SAMPLES 256
#define SERVE_FLOOR_QUANTILE 0.95
#define SERVE_FLOOR_FIRST 0.002		/* s, until there are samples */
#define SERVE_FLOOR_MAX 0.1		/* s */
#define SERVE_CACHE_KB 8192	/* each connection's page cache */
#define SERVE_LINK_MAX 2048

static const struct opt serve_opts[] = {
	{ 'l', "--listen ADDR:PORT",
	    "where to listen (default: the configuration's listen, "
	    "127.0.0.1:8080)" },
	{ 'N', "--no-rate-limit", "no per-IP limit on signups (benchmarks)" },
	{ CMD_DB_OPTION_ID, "--db PATH",
	    "the database (default $DIGEST_DB, else ./digest.db)" },
	{ 0, NULL, NULL },
};

const struct opt_usage cmd_serve_usage = {
	.synopsis =
	    "digest serve [--listen ADDR:PORT] [--no-rate-limit] [--db PATH]",
	.about =
	    "Runs the signup backend: the signup form (GET and POST /subscribe),\n"
	    "confirmation (/confirm), unsubscription (/unsubscribe, RFC 8058\n"
	    "one-click too), preferences (/preferences) and /healthz. Confirmation\n"
	    "mails go out from a queue in the database, through SMTP when smtp_url\n"
	    "is set, else into the outbox. Runs until SIGINT or SIGTERM.\n"
	    "\n"
	    "Each signup, confirmation, unsubscription and preference change logs\n"
	    "one key=value line on stderr (event= addr= result= ip= ms=), the\n"
	    "address masked, never a token.\n",
	.opts = serve_opts,
	.notes =
	    "Exit status: 0 stopped by SIGINT or SIGTERM; 64 a bad --listen; 69\n"
	    "it cannot listen (the address is in use); 73 the database cannot be\n"
	    "opened; 78 a bad configuration or templates.\n",
};

enum serve_page {
	PAGE_SUBSCRIBE = 0,
	PAGE_CHECK_INBOX,
	PAGE_CONFIRMING,
	PAGE_CONFIRMED,
	PAGE_LINK_USED,
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
	"link-used.html.mustache", "expired.html.mustache",
	"unsubscribe.html.mustache", "unsubscribed.html.mustache",
	"preferences.html.mustache", "error.html.mustache",
};

/* An address as the limiter and the proxy list see it: IPv4 in the
 * first 4 bytes, or IPv6. */
struct serve_ip {
	int family;			/* AF_INET, AF_INET6 */
	unsigned char a[16];
};

/* A trusted proxy range. */
struct serve_cidr {
	struct serve_ip ip;
	int bits;
};

/* One client's signup allowance: a token bucket, keyed by its address
 * (an IPv6 client by its /64, which one subscriber line gets). */
struct serve_bucket {
	int used;
	struct serve_ip key;
	double tokens;
	double last;
};

/* A topic on offer: the tag and what the form shows for it. */
struct serve_topic {
	char *name;			/* owned; normalized as tags are */
	char *label;			/* owned */
};

struct serve {
	const struct config *c;
	struct sqlite3 *db;		/* the server thread's */
	struct template *pages[PAGE_COUNT];	/* owned */
	/* The topics on offer: the configuration's, else counted from the
	 * recent articles and counted again while serving. */
	struct serve_topic *topics;	/* owned */
	size_t ntopics, topics_cap;
	int topics_fixed;		/* from the configuration */
	time_t topics_at;		/* when they were counted */
	int data_version;		/* the store's, when counted */
	struct serve_cidr proxies[SERVE_PROXIES_MAX];
	size_t nproxies;
	int rate_limit;
	struct serve_bucket *buckets;	/* owned, SERVE_RATE_SLOTS */
	struct serve_bucket overflow;	/* for clients that find no slot */
	/* The mail thread; the fields below mu are under it. */
	pthread_t mailer;
	pthread_mutex_t mu;
	pthread_cond_t wake;		/* for the mail thread */
	int stop;
	int queued;			/* a signup queued a mail */
	int checkpoint;			/* the WAL is long: checkpoint it */
	int mail_gone;			/* the mail thread has stopped */
	int loop_done;			/* the server thread has stopped */
	/* A batch the mail thread has delivered, for the server thread
	 * to record in its next commit (serve_round_commit); NULL once
	 * that is committed. */
	struct mailq_batch *mail_batch;
	/* The server thread. */
	struct MHD_Daemon *daemon;
	pthread_t loop;
	atomic_int loop_stop;
	int wake_fd;			/* eventfd: wakes the server loop */
	/* A connection was resumed: libmicrohttpd answers it in its next
	 * run, and nothing else would end the loop's wait for that. */
	int resumed;
	/* The signups of this round of the loop, for one commit. */
	struct serve_waiting *waiting;	/* owned */
	size_t nwaiting, waiting_cap;
	/* Stored signups held until their answer's time, and the times
	 * that set it (serve_floor). */
	struct serve_waiting *held;	/* owned */
	size_t nheld, held_cap;
	double floor_samples[SERVE_FLOOR_SAMPLES];
	size_t nfloor;			/* samples taken, all time */
	double floor;			/* s */
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
	enum signup_outcome outcome;	/* for the log */
	int mailed;			/* a mail was queued */
	double start;			/* when its headers were in */
};

/* A suspended signup of this round, or one stored and held until its
 * answer's time (serve_floor). */
struct serve_waiting {
	struct MHD_Connection *conn;
	struct serve_req *rq;
	double until;			/* held: when it is answered */
};

static double
serve_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The body as its Content-Type says: 0, -1 with err (400), or -2 for a
 * type that is none of the three (415). */
static int
serve_parse_body(struct MHD_Connection *conn, struct serve_req *rq,
    struct form *f, char *err)
{
	const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *body = rq->body.data ? rq->body.data : "";
	size_t n;

	if (type == NULL)
		type = "";
	n = strcspn(type, "; \t");
	if (n == 33 && strncasecmp(type, "application/x-www-form-urlencoded",
	    n) == 0)
		return form_from_urlencoded(body, rq->body.len, f, err);
	if (n == 19 && strncasecmp(type, "multipart/form-data", n) == 0)
		return form_from_multipart(body, rq->body.len, type, f, err);
	if (n == 16 && strncasecmp(type, "application/json", n) == 0)
		return form_from_json(body, rq->body.len, f, err);
	util_err(err, "send the form as application/x-www-form-urlencoded, "
	    "multipart/form-data or application/json");
	return -2;
}

/* ---- answers -------------------------------------------------------- */

/* No page runs script: the confirm page least of all, as a link
 * scanner that runs scripts must confirm nothing. */
static void
serve_headers(struct MHD_Response *r, const char *type)
{
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'; form-action "
	    "'self'; frame-ancestors 'none'");
}

static enum MHD_Result
serve_send(struct MHD_Connection *conn, unsigned code, const char *type,
    const char *body, size_t len, const char *origin)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body,
	    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	serve_headers(r, type);
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

/* The topics on offer as the forms show them: name, label, checked. */
static json_t *
serve_topics_data(struct serve *s)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < s->ntopics; i++)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:b}", "name",
		    s->topics[i].name, "label", s->topics[i].label, "checked",
		    0));
	return arr;
}

/* The label of tag: the configuration's, else the tag itself. */
static const char *
serve_topic_label(const struct serve *s, const char *tag)
{
	size_t i;

	for (i = 0; i < s->ntopics; i++)
		if (strcmp(s->topics[i].name, tag) == 0)
			return s->topics[i].label;
	return tag;
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
	json_object_set_new(d, "tags", serve_topics_data(s));
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

/* The tags of a subscriber that are not on offer, added to the page's
 * topics, checked: a save keeps them unless they are unticked. */
static void
serve_data_own_tags(struct serve *s, json_t *d, char *const *tags,
    size_t ntags)
{
	json_t *arr = json_object_get(d, "tags");
	size_t k;

	for (k = 0; k < ntags; k++)
		if (serve_topic_label(s, tags[k]) == tags[k])
			json_array_append_new(arr, json_pack("{s:s,s:s,s:b}",
			    "name", tags[k], "label", tags[k], "checked", 1));
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
	serve_data_own_tags(s, d, sub->tags, sub->ntags);
	serve_data_form(d, sub->email, sub->name, sub->tags, sub->ntags, NULL);
	json_object_set_new(json_object_get(d, "form"), "action",
	    json_string(link));
	config_page(s->c, "/resubscribe", link, sizeof(link));
	json_object_set_new(urls, "resubscribe", json_string(link));
	json_object_set_new(d, "suppressed", json_boolean(
	    store_status_suppressed(sub->status)));
	json_object_set_new(d, "status_text", json_string(
	    sub->status == STORE_BOUNCED ? "no longer receiving it: mail to "
	    "your address bounced" : sub->status == STORE_COMPLAINED ?
	    "no longer receiving it: your mail provider reported it as spam" :
	    "unsubscribed"));
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
	    buf_cstr(&out), out.len, NULL);
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

/* ---- who is asking ------------------------------------------------- */

/* Parses one address as a forwarding header gives it: "192.0.2.1",
 * "192.0.2.1:8080", "2001:db8::1", "[2001:db8::1]:8080", quoted or not.
 * 0, or -1 for anything else ("unknown", "_hidden"). */
static int
serve_ip_parse(const char *s, size_t n, struct serve_ip *ip)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *colon;

	while (n > 0 && (*s == ' ' || *s == '\t' || *s == '"')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '"'))
		n--;
	if (n == 0 || n >= sizeof(buf))
		return -1;
	if (*s == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL)
			return -1;
		n = (size_t)(close - s - 1);
		s++;
	} else if ((colon = memchr(s, ':', n)) != NULL &&
	    memchr(colon + 1, ':', n - (size_t)(colon + 1 - s)) == NULL) {
		n = (size_t)(colon - s);	/* IPv4 with a port */
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, buf, ip->a) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, ip->a) == 1)
		ip->family = AF_INET6;
	else
		return -1;
	/* An IPv4-mapped IPv6 address is that IPv4 address. */
	if (ip->family == AF_INET6 && memcmp(ip->a,
	    "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		memmove(ip->a, ip->a + 12, 4);
		memset(ip->a + 4, 0, 12);
		ip->family = AF_INET;
	}
	return 0;
}

static void
serve_ip_text(const struct serve_ip *ip, char out[INET6_ADDRSTRLEN])
{
	if (inet_ntop(ip->family, ip->a, out, INET6_ADDRSTRLEN) == NULL)
		snprintf(out, INET6_ADDRSTRLEN, "?");
}

static int
serve_cidr_match(const struct serve_cidr *c, const struct serve_ip *ip)
{
	int full = c->bits / 8, rest = c->bits % 8;

	if (c->ip.family != ip->family || memcmp(c->ip.a, ip->a,
	    (size_t)full) != 0)
		return 0;
	return rest == 0 || ((c->ip.a[full] ^ ip->a[full]) &
	    (0xff << (8 - rest)) & 0xff) == 0;
}

static int
serve_trusted(const struct serve *s, const struct serve_ip *ip)
{
	size_t i;

	for (i = 0; i < s->nproxies; i++)
		if (serve_cidr_match(&s->proxies[i], ip))
			return 1;
	return 0;
}

/* trusted_proxies: addresses and CIDR ranges, separated by spaces or
 * commas. 0, or -1 with err naming the bad one. */
static int
serve_proxies_parse(struct serve *s, const char *list, char *err)
{
	const char *p = list, *slash;
	struct serve_cidr *c;
	long long bits;
	char num[8];
	size_t k;

	while (*(p += strspn(p, " ,\t")) != '\0') {
		k = strcspn(p, " ,\t");
		if (s->nproxies == SERVE_PROXIES_MAX)
			return util_err(err, "trusted_proxies: more than %d "
			    "ranges", SERVE_PROXIES_MAX);
		c = &s->proxies[s->nproxies];
		slash = memchr(p, '/', k);
		if (serve_ip_parse(p, slash ? (size_t)(slash - p) : k,
		    &c->ip) == -1)
			return util_err(err, "trusted_proxies: '%.*s' is not an "
			    "address or a CIDR range", (int)k, p);
		c->bits = c->ip.family == AF_INET ? 32 : 128;
		if (slash != NULL) {
			snprintf(num, sizeof(num), "%.*s", (int)(k - (size_t)(
			    slash + 1 - p)), slash + 1);
			if (util_parse_long(num, 0, c->bits, &bits) == -1)
				return util_err(err, "trusted_proxies: bad prefix "
				    "length in '%.*s'", (int)k, p);
			c->bits = (int)bits;
		}
		s->nproxies++;
		p += k;
	}
	return 0;
}

/* The value of every header named name, in order, joined by commas into
 * out (at most SERVE_FORWARDED_MAX bytes): several Forwarded or
 * X-Forwarded-For lines are one list (RFC 9110 5.3). */
struct serve_join {
	const char *name;
	struct buf *out;
};

static enum MHD_Result
serve_join_header(void *arg, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct serve_join *j = arg;

	(void)kind;
	if (key != NULL && value != NULL && strcasecmp(key, j->name) == 0) {
		if (j->out->len > 0)
			buf_putc(j->out, ',');
		buf_puts(j->out, value);
	}
	return MHD_YES;
}

/* The for= of one element of Forwarded: [p, p + n) into *v, *vn. */
static int
serve_forwarded_for(const char *p, size_t n, const char **v, size_t *vn)
{
	const char *end = p + n, *q;
	size_t k;

	while (p < end) {
		p += strspn(p, " \t;");
		q = memchr(p, ';', (size_t)(end - p));
		k = q ? (size_t)(q - p) : (size_t)(end - p);
		if (k > 4 && strncasecmp(p, "for=", 4) == 0) {
			*v = p + 4;
			*vn = k - 4;
			return 0;
		}
		p += k;
	}
	return -1;
}

/*
 * The client of a request from a trusted proxy: walking the forwarding
 * list from its end (the hop nearest to us), the first address that is
 * not a trusted proxy. Each proxy appends the address it was connected
 * from, so what a client writes into the header itself sits further
 * left and is never reached unless every hop after it is trusted. A
 * value that is not an address ends the walk at the last good hop.
 */
static void
serve_forwarded_client(const struct serve *s, const char *list, int rfc7239,
    struct serve_ip *ip)
{
	const char *end = list + strlen(list), *comma, *v;
	struct serve_ip hop;
	size_t vn;

	while (end > list) {
		for (comma = end; comma > list && comma[-1] != ','; comma--)
			;
		v = comma;
		vn = (size_t)(end - comma);
		if (rfc7239 && serve_forwarded_for(comma, vn, &v, &vn) == -1)
			return;
		if (serve_ip_parse(v, vn, &hop) == -1)
			return;
		*ip = hop;
		if (!serve_trusted(s, &hop))
			return;
		end = comma > list ? comma - 1 : list;
	}
}

/* The client: the peer, or the one a trusted proxy names. */
static void
serve_client(const struct serve *s, struct MHD_Connection *conn,
    struct serve_ip *ip)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	struct serve_join j;
	struct buf b;

	memset(ip, 0, sizeof(*ip));
	ip->family = AF_INET;
	if (sa != NULL && sa->sa_family == AF_INET) {
		memcpy(ip->a, &((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr, 4);
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		ip->family = AF_INET6;
		memcpy(ip->a, &((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr, 16);
	}
	if (s->nproxies == 0 || !serve_trusted(s, ip))
		return;
	buf_init(&b, SERVE_FORWARDED_MAX);
	j.out = &b;
	j.name = "Forwarded";
	MHD_get_connection_values(conn, MHD_HEADER_KIND, serve_join_header, &j);
	if (b.len > 0) {
		serve_forwarded_client(s, buf_cstr(&b), 1, ip);
	} else {
		j.name = "X-Forwarded-For";
		MHD_get_connection_values(conn, MHD_HEADER_KIND,
		    serve_join_header, &j);
		if (b.len > 0)
			serve_forwarded_client(s, buf_cstr(&b), 0, ip);
	}
	buf_release(&b);
}

static void
serve_client_ip(const struct serve *s, struct MHD_Connection *conn,
    char ip[INET6_ADDRSTRLEN])
{
	struct serve_ip a;

	serve_client(s, conn, &a);
	serve_ip_text(&a, ip);
}

/* The refill of bucket b by now, at most cap. */
static double
serve_bucket_level(const struct serve_bucket *b, double now, double cap)
{
	double t = b->tokens + (now - b->last) * cap / 60.0;

	return t > cap ? cap : t;
}

/*
 * The limiter's bucket of a client. A client keeps its bucket until it
 * has refilled: only a full bucket (which says nothing a new one would
 * not) is given to another client, so no client gets a fresh allowance
 * because someone else took its place. When every slot a key may take
 * holds a bucket still refilling, the client shares the overflow
 * bucket with any others in that case.
 */
static struct serve_bucket *
serve_bucket_find(struct serve *s, const struct serve_ip *key, double now,
    double cap)
{
	struct serve_bucket *b, *spare = NULL;
	unsigned long h = 5381;
	size_t i;

	for (i = 0; i < sizeof(key->a); i++)
		h = h * 33 + key->a[i];
	for (i = 0; i < SERVE_RATE_PROBE; i++) {
		b = &s->buckets[(h + i) % SERVE_RATE_SLOTS];
		if (b->used && memcmp(&b->key, key, sizeof(*key)) == 0)
			return b;
		if (spare == NULL && (!b->used ||
		    serve_bucket_level(b, now, cap) >= cap))
			spare = b;
	}
	if (spare == NULL)
		return &s->overflow;
	spare->used = 1;
	spare->key = *key;
	spare->tokens = cap;
	spare->last = now;
	return spare;
}

/* Whether this client may sign up now (signup_rate a minute). */
static int
serve_rate_ok(struct serve *s, struct MHD_Connection *conn)
{
	struct serve_bucket *b;
	struct serve_ip key;
	double now = serve_clock(), cap = (double)s->c->signup_rate;

	if (!s->rate_limit)
		return 1;
	serve_client(s, conn, &key);
	if (key.family == AF_INET6)
		memset(key.a + 8, 0, 8);	/* one line: its /64 */
	b = serve_bucket_find(s, &key, now, cap);
	b->tokens = serve_bucket_level(b, now, cap);
	b->last = now;
	if (b->tokens < 1)
		return 0;
	b->tokens -= 1;
	return 1;
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
	    origin);
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

/* ---- the log -------------------------------------------------------- */

/* An address as the log shows it: its first character and its domain
 * ("z***@example.org"), enough to tell a domain's trouble, not enough
 * to give away who signed up. */
static void
serve_mask(const char *email, char *out, size_t size)
{
	const char *at = email ? strrchr(email, '@') : NULL;
	uint32_t cp;
	size_t k;

	if (at == NULL || at == email) {
		snprintf(out, size, "-");
		return;
	}
	k = utf8_decode(email, (size_t)(at - email), &cp);
	snprintf(out, size, "%.*s***%s", (int)k, email, at);
}

/* One key=value line: event, the masked address, what happened, the
 * client and how long the request took. */
static void
serve_log(const char *event, const char *email, const char *result,
    const char *extra, const char *ip, double start)
{
	char masked[ADDR_MAX + 8];

	serve_mask(email, masked, sizeof(masked));
	fprintf(stderr, "event=%s addr=%s result=%s%s%s ip=%s "
	    "ms=%.0f\n", event, masked, result, extra ? " " : "",
	    extra ? extra : "", ip ? ip : "-", start > 0 ?
	    (serve_clock() - start) * 1000 : 0.0);
}

/* ---- signup --------------------------------------------------------- */

#define SERVE_SIGNUP_DONE "Check your inbox: we sent a link to confirm " \
	"your subscription."

/* The answer to a signup: the same for every address it could be. */
static enum MHD_Result
serve_subscribe_answer(struct serve *s, struct MHD_Connection *conn,
    const struct form *f, enum signup_result rc, unsigned bad_code,
    const char *err)
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
			return serve_json(conn, bad_code, 0, err, origin);
		d = serve_page_data(s, "Subscribe", NULL);
		serve_data_form(d, f->email, f->name, f->tags, f->ntags, err);
		return serve_page(s, conn, bad_code, PAGE_SUBSCRIBE, d);
	}
	if (json)
		return serve_json(conn, MHD_HTTP_OK, 1, SERVE_SIGNUP_DONE,
		    origin);
	d = serve_page_data(s, "Check your inbox", NULL);
	serve_data_form(d, f->email, NULL, NULL, 0, NULL);
	return serve_page(s, conn, MHD_HTTP_OK, PAGE_CHECK_INBOX, d);
}

/* Whether every tag is on offer (or one of own, a subscriber's own
 * tags): 0, or -1 with err naming the first that is not. */
static int
serve_tags_check(struct serve *s, char *const *tags, size_t ntags,
    char *const *own, size_t nown, char *err)
{
	char norm[ARTICLE_TAG_MAX];
	struct buf offer;
	size_t i, k, n;
	int found;

	for (i = 0; i < ntags; i++) {
		n = article_tag_normalize(tags[i], strlen(tags[i]), norm);
		norm[n] = '\0';
		found = n == 0 || serve_topic_label(s, norm) != norm;
		for (k = 0; !found && k < nown; k++)
			found = strcmp(own[k], norm) == 0;
		if (found)
			continue;
		buf_init(&offer, 2048);
		for (k = 0; k < s->ntopics; k++)
			buf_printf(&offer, "%s%s", k ? ", " : "",
			    s->topics[k].name);
		util_err(err, "'%.60s' is not a topic on offer%s%s", tags[i],
		    s->ntopics ? ": choose among " : " (none is)",
		    buf_cstr(&offer));
		buf_release(&offer);
		return -1;
	}
	return 0;
}

/*
 * POST /subscribe: checks the form and, when it is fit to store, suspends
 * the connection until serve_round_commit has stored it with the rest
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

	if (rq->signup == SERVE_SIGNUP_STORED) {
		serve_log("signup", rq->email, rq->result == SIGNUP_OK ?
		    signup_outcome_name(rq->outcome) : "error", rq->result ==
		    SIGNUP_OK ? (rq->mailed ? (rq->outcome == SIGNUP_CONFIRMED ?
		    "mail=subscribed" : "mail=confirm") : "mail=none") : NULL,
		    rq->ip, rq->start);
		return serve_subscribe_answer(s, conn, f, rq->result, 0,
		    rq->err);
	}
	if (rq->signup == SERVE_SIGNUP_WAITING)
		return MHD_YES;
	serve_client_ip(s, conn, rq->ip);
	if (!serve_rate_ok(s, conn)) {
		serve_log("signup", NULL, "limited", NULL, rq->ip, rq->start);
		return json ? serve_json(conn, MHD_HTTP_TOO_MANY_REQUESTS, 0,
		    "Too many signups from your address: try again in a "
		    "minute.", origin) : serve_error_page(s, conn,
		    MHD_HTTP_TOO_MANY_REQUESTS, "Too many signups",
		    "Too many signups from your address: try again in a "
		    "minute.");
	}
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
		return serve_subscribe_answer(s, conn, f, SIGNUP_OK, 0, NULL);
	if (serve_tags_check(s, f->tags, f->ntags, NULL, 0, rq->err) == -1)
		return serve_subscribe_answer(s, conn, f, SIGNUP_BAD,
		    MHD_HTTP_BAD_REQUEST, rq->err);
	memset(sf, 0, sizeof(*sf));
	sf->email = f->email;
	sf->email_len = f->email_len;
	sf->name = f->name && *f->name ? f->name : NULL;
	sf->tags = (const char *const *)f->tags;
	sf->ntags = f->ntags;
	sf->client.ip = rq->ip;
	sf->client.agent = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_USER_AGENT);
	sf->client.form = origin ? origin : "web";
	if (signup_check(sf, rq->email, rq->err) == SIGNUP_BAD)
		return serve_subscribe_answer(s, conn, f, SIGNUP_BAD,
		    MHD_HTTP_UNPROCESSABLE_CONTENT, rq->err);
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
 * Same answer, same time. A signup for a new address writes more to the
 * store than one for a known address (a row and its index entries
 * against a consent entry and a queued mail), so alone in its round,
 * on a quiet server, its answer would come a little later: enough to
 * tell, over a few tries, whether an address is subscribed. So a
 * signup's answer goes out no sooner than s->floor after its request
 * came: the SERVE_FLOOR_QUANTILE of how long the last signups that were
 * alone in their round took, whatever their kind, from their request to
 * their commit. Under load a signup waits longer than that anyway, and
 * shares its round, and so its commit, with others.
 */
static int
serve_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
serve_floor_sample(struct serve *s, double took)
{
	double v[SERVE_FLOOR_SAMPLES];
	size_t n;

	s->floor_samples[s->nfloor++ % SERVE_FLOOR_SAMPLES] = took;
	n = s->nfloor < SERVE_FLOOR_SAMPLES ? s->nfloor : SERVE_FLOOR_SAMPLES;
	memcpy(v, s->floor_samples, n * sizeof(double));
	qsort(v, n, sizeof(double), serve_cmp_double);
	s->floor = v[(size_t)(SERVE_FLOOR_QUANTILE * (double)(n - 1))];
	if (s->floor > SERVE_FLOOR_MAX)
		s->floor = SERVE_FLOOR_MAX;
}

/* The stored signup w goes on to its answer now, or is held until its
 * time has come. */
static void
serve_floor_answer(struct serve *s, const struct serve_waiting *w,
    double now)
{
	double until = w->rq->start + (s->nfloor > 0 ? s->floor :
	    SERVE_FLOOR_FIRST);
	struct serve_waiting *h;

	if (until <= now) {
		MHD_resume_connection(w->conn);
		s->resumed = 1;
		return;
	}
	xgrow(&s->held, &s->held_cap, s->nheld + 1, sizeof(*s->held));
	h = &s->held[s->nheld++];
	*h = *w;
	h->until = until;
}

/* Lets the held signups whose time has come (all of them, with all) go
 * on to their answers; returns the earliest time still held, or 0. */
static double
serve_floor_release(struct serve *s, double now, int all)
{
	double next = 0;
	size_t i = 0;

	while (i < s->nheld) {
		if (all || s->held[i].until <= now) {
			MHD_resume_connection(s->held[i].conn);
			s->resumed = 1;
			s->held[i] = s->held[--s->nheld];
			continue;
		}
		if (next == 0 || s->held[i].until < next)
			next = s->held[i].until;
		i++;
	}
	return next;
}

/* The mail thread's delivered batch, if it is waiting to be recorded:
 * the server thread takes it for its round's commit. */
static struct mailq_batch *
serve_mail_batch_take(struct serve *s)
{
	struct mailq_batch *b;

	pthread_mutex_lock(&s->mu);
	b = s->mail_batch;
	pthread_mutex_unlock(&s->mu);
	return b;
}

/* Tells the mail thread its batch is recorded and committed. */
static void
serve_mail_batch_done(struct serve *s)
{
	pthread_mutex_lock(&s->mu);
	s->mail_batch = NULL;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->mu);
}

/* Records the mail thread's batch inside the round's transaction; a
 * failure is undone alone (a savepoint), as a signup's is, and tried
 * again in the next round: until then the mail thread sends nothing
 * more, and those mails, delivered, are not sent again. 1 recorded, 0
 * not. */
static int
serve_mail_batch_record(struct serve *s, struct mailq_batch *b)
{
	char err[ERR_LEN];

	if (db_exec(s->db, "SAVEPOINT mail", err) == 0) {
		if (mailq_batch_record(b, s->db, err) == 0)
			return db_exec(s->db, "RELEASE mail", err) == 0;
		(void)db_exec(s->db, "ROLLBACK TO mail", NULL);
		(void)db_exec(s->db, "RELEASE mail", NULL);
	}
	fprintf(stderr, "digest serve: confirmation mails: %s\n", err);
	return 0;
}

/*
 * The round's one commit: the signups of the round and the mail
 * thread's delivered batch, in one transaction; after its COMMIT (on
 * disk: synchronous = FULL) the signups' connections go on to their
 * answers. The server thread is the process's one writer: the mail
 * thread never holds the write lock, so neither waits on the other
 * (SQLite's busy handler would sleep milliseconds at a time), its
 * records cost no commit of their own, and the server's page cache is
 * not thrown away for another connection's change. A signup the store
 * refuses is undone alone (signup_store_checked); a failed BEGIN or
 * COMMIT fails them all, and all get "please try again".
 */
static void
serve_round_commit(struct serve *s)
{
	struct mailq_batch *batch = serve_mail_batch_take(s);
	char err[ERR_LEN];
	int64_t now = date_now();
	size_t i, mailed = 0;
	int ok, recorded = 0;
	double done;

	if (s->nwaiting == 0 && batch == NULL)
		return;
	ok = db_begin(s->db, err) == 0;
	for (i = 0; i < s->nwaiting; i++) {
		struct serve_req *rq = s->waiting[i].rq;

		rq->result = SIGNUP_ERROR;
		if (!ok)
			snprintf(rq->err, sizeof(rq->err), "%s", err);
		else if (signup_store_checked(s->db, &rq->sf, rq->email, now,
		    &rq->outcome, &rq->mailed, rq->err) == 0) {
			rq->result = SIGNUP_OK;
			mailed += (size_t)rq->mailed;
		}
	}
	if (ok && batch != NULL)
		recorded = serve_mail_batch_record(s, batch);
	if (ok && db_commit(s->db, err) == -1) {
		db_rollback(s->db);
		for (i = 0; i < s->nwaiting; i++) {
			s->waiting[i].rq->result = SIGNUP_ERROR;
			snprintf(s->waiting[i].rq->err, ERR_LEN, "%s", err);
		}
		mailed = 0;
		recorded = 0;
	}
	done = serve_clock();
	if (s->nwaiting == 1 && s->waiting[0].rq->result == SIGNUP_OK)
		serve_floor_sample(s, done - s->waiting[0].rq->start);
	for (i = 0; i < s->nwaiting; i++) {
		s->waiting[i].rq->signup = SERVE_SIGNUP_STORED;
		serve_floor_answer(s, &s->waiting[i], done);
	}
	s->nwaiting = 0;
	if (recorded)
		serve_mail_batch_done(s);
	if (mailed > 0)
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

/* Who is following a link, for the consent log. */
static void
serve_who(struct serve *s, struct MHD_Connection *conn,
    char ip[INET6_ADDRSTRLEN], struct signup_client *who)
{
	serve_client_ip(s, conn, ip);
	who->ip = ip;
	who->agent = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_USER_AGENT);
	who->form = "web";
}

static enum MHD_Result
serve_unknown_link(struct serve *s, struct MHD_Connection *conn)
{
	return serve_error_page(s, conn, MHD_HTTP_NOT_FOUND,
	    "This link is not valid", "The link may be incomplete: copy the "
	    "whole of it from the mail, or sign up again.");
}

static enum MHD_Result
serve_store_failed(struct serve *s, struct MHD_Connection *conn,
    const char *err, const char *what)
{
	char msg[256];

	fprintf(stderr, "digest serve: %s\n", err);
	snprintf(msg, sizeof(msg), "%s could not be stored: please try "
	    "again.", what);
	return serve_error_page(s, conn, MHD_HTTP_SERVICE_UNAVAILABLE,
	    "Please try again", msg);
}

/* The page of an expired confirm link: a button for a new one. */
static enum MHD_Result
serve_expired_page(struct serve *s, struct MHD_Connection *conn,
    const char *token)
{
	char link[SERVE_LINK_MAX];
	json_t *d;

	d = serve_page_data(s, "This link has expired", "Confirmation links "
	    "work for 7 days: this one is older. Send a new link to confirm "
	    "your subscription.");
	config_page(s->c, "/resend", link, sizeof(link));
	json_object_set_new(json_object_get(d, "form"), "action",
	    json_string(link));
	json_object_set_new(d, "token", json_string(token));
	return serve_page(s, conn, MHD_HTTP_GONE, PAGE_EXPIRED, d);
}

/* A confirm link that was used: says so, and shows no other link. */
static enum MHD_Result
serve_used_page(struct serve *s, struct MHD_Connection *conn)
{
	return serve_page(s, conn, MHD_HTTP_OK, PAGE_LINK_USED,
	    serve_page_data(s, "Already confirmed", NULL));
}

/* GET /confirm: the address, its topics and a button; changes nothing
 * (scanners open links and run scripts: the page has none). */
static enum MHD_Result
serve_confirm_get(struct serve *s, struct MHD_Connection *conn)
{
	const char *token = serve_token(conn, NULL);
	struct store_subscriber sub;
	char link[SERVE_LINK_MAX], err[ERR_LEN];
	enum MHD_Result ret;
	struct buf topics;
	json_t *d, *who;
	size_t i;

	store_subscriber_init(&sub);
	switch (signup_confirm_state(s->db, token, date_now(), &sub, err)) {
	case SIGNUP_LINK_OPEN:
		d = serve_page_data(s, "Confirm your subscription", NULL);
		config_page(s->c, "/confirm", link, sizeof(link));
		json_object_set_new(json_object_get(d, "form"), "action",
		    json_string(link));
		json_object_set_new(d, "token", json_string(token));
		buf_init(&topics, 4096);
		for (i = 0; i < sub.ntags; i++)
			buf_printf(&topics, "%s%s", i == 0 ? "" : i + 1 ==
			    sub.ntags ? " and " : ", ",
			    serve_topic_label(s, sub.tags[i]));
		who = json_pack("{s:s}", "email", sub.email);
		json_object_set_new(d, "subscriber", who);
		json_object_set_new(d, "has_topics", json_boolean(sub.ntags));
		json_object_set_new(d, "topics_text",
		    json_string(buf_cstr(&topics)));
		buf_release(&topics);
		ret = serve_page(s, conn, MHD_HTTP_OK, PAGE_CONFIRMING, d);
		break;
	case SIGNUP_LINK_AGAIN:
		ret = serve_used_page(s, conn);
		break;
	case SIGNUP_LINK_EXPIRED:
		ret = serve_expired_page(s, conn, token);
		break;
	case SIGNUP_LINK_UNKNOWN:
		ret = serve_unknown_link(s, conn);
		break;
	default:
		ret = serve_store_failed(s, conn, err, "The page");
	}
	store_subscriber_release(&sub);
	return ret;
}

/* POST /confirm: the person's click. */
static enum MHD_Result
serve_confirm_post(struct serve *s, struct MHD_Connection *conn,
    const struct form *f, double start)
{
	const char *token = serve_token(conn, f);
	struct store_subscriber sub;
	struct signup_client who;
	char err[ERR_LEN], ip[INET6_ADDRSTRLEN];
	enum signup_link r;
	enum MHD_Result ret;
	json_t *d;

	store_subscriber_init(&sub);
	serve_who(s, conn, ip, &who);
	r = signup_confirm(s->db, token, date_now(), &who, &sub, err);
	if (r != SIGNUP_LINK_UNKNOWN && r != SIGNUP_LINK_ERROR)
		serve_log("confirm", sub.email, r == SIGNUP_LINK_DONE ? "done" :
		    r == SIGNUP_LINK_AGAIN ? "again" : "expired", NULL, ip,
		    start);
	switch (r) {
	case SIGNUP_LINK_DONE:
		d = serve_page_data(s, "Subscribed", NULL);
		serve_data_links(s, d, &sub);
		ret = serve_page(s, conn, MHD_HTTP_OK, PAGE_CONFIRMED, d);
		break;
	case SIGNUP_LINK_AGAIN:
		ret = serve_used_page(s, conn);
		break;
	case SIGNUP_LINK_EXPIRED:
		ret = serve_expired_page(s, conn, token);
		break;
	case SIGNUP_LINK_UNKNOWN:
		ret = serve_unknown_link(s, conn);
		break;
	default:
		ret = serve_store_failed(s, conn, err, "Your confirmation");
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

	if (rc == SIGNUP_LINK_ERROR)
		return serve_store_failed(s, conn, err, "A new link");
	if (rc != SIGNUP_LINK_DONE)
		return serve_unknown_link(s, conn);
	serve_mail_wake(s);
	return serve_page(s, conn, MHD_HTTP_OK, PAGE_CHECK_INBOX,
	    serve_page_data(s, "Check your inbox", NULL));
}

/* POST /resubscribe: a suppressed subscriber, from their preferences
 * page, asks to come back: a confirmation mail (double opt-in). */
static enum MHD_Result
serve_resubscribe_post(struct serve *s, struct MHD_Connection *conn,
    const struct form *f, double start)
{
	const char *token = serve_token(conn, f);
	struct store_subscriber sub;
	struct signup_client who;
	char err[ERR_LEN], ip[INET6_ADDRSTRLEN];
	enum signup_link r;
	json_t *d;
	int found;

	store_subscriber_init(&sub);
	found = store_subscriber_by_token(s->db, STORE_TOKEN_PREFERENCES,
	    token, &sub, err);
	serve_who(s, conn, ip, &who);
	r = found != 1 ? (found == 0 ? SIGNUP_LINK_UNKNOWN :
	    SIGNUP_LINK_ERROR) : signup_resubscribe(s->db, token, date_now(),
	    &who, err);
	if (r == SIGNUP_LINK_DONE || r == SIGNUP_LINK_AGAIN)
		serve_log("resubscribe", sub.email, r == SIGNUP_LINK_DONE ?
		    "mail=confirm" : "again", NULL, ip, start);
	d = serve_page_data(s, "Check your inbox", NULL);
	serve_data_form(d, sub.email, NULL, NULL, 0, NULL);
	store_subscriber_release(&sub);
	if (r == SIGNUP_LINK_UNKNOWN || r == SIGNUP_LINK_ERROR) {
		json_decref(d);
		return r == SIGNUP_LINK_UNKNOWN ? serve_unknown_link(s, conn) :
		    serve_store_failed(s, conn, err, "Your request");
	}
	serve_mail_wake(s);
	return serve_page(s, conn, MHD_HTTP_OK, PAGE_CHECK_INBOX, d);
}

static int
serve_wants_html(struct MHD_Connection *conn)
{
	const char *a = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_ACCEPT);

	return a != NULL && strstr(a, "text/html") != NULL;
}

/*
 * GET /unsubscribe shows a page with a button and changes nothing. A
 * POST is RFC 8058 one-click: List-Unsubscribe=One-Click as
 * multipart/form-data (what the RFC recommends receivers send),
 * urlencoded, or an empty body. A receiver gets 200 with an empty body;
 * a browser (Accept: text/html, our own page's button) the page that
 * says it is done.
 */
static enum MHD_Result
serve_unsubscribe(struct serve *s, struct MHD_Connection *conn,
    struct serve_req *rq, int post, double start)
{
	const char *token = serve_token(conn, NULL);
	struct store_subscriber sub;
	struct signup_client who;
	char err[ERR_LEN], ip[INET6_ADDRSTRLEN];
	enum MHD_Result ret;
	struct form f;
	int rc;
	json_t *d;

	store_subscriber_init(&sub);
	memset(&f, 0, sizeof(f));
	if (!post) {
		rc = store_subscriber_by_token(s->db, STORE_TOKEN_UNSUBSCRIBE,
		    token, &sub, err);
		rc = rc == 1 ? SIGNUP_LINK_AGAIN : rc == 0 ?
		    SIGNUP_LINK_UNKNOWN : SIGNUP_LINK_ERROR;
	} else if (rq->body.len > 0 && ((rc = serve_parse_body(conn, rq, &f,
	    err)) < 0 || f.one_click == NULL ||
	    strcmp(f.one_click, "One-Click") != 0)) {
		form_release(&f);
		return serve_error_page(s, conn, rc == -2 ?
		    MHD_HTTP_UNSUPPORTED_MEDIA_TYPE : MHD_HTTP_BAD_REQUEST,
		    "This form cannot be read", rc < 0 ? err : "An "
		    "unsubscription posts List-Unsubscribe=One-Click.");
	} else {
		serve_who(s, conn, ip, &who);
		rc = signup_unsubscribe(s->db, token, date_now(), &who, &sub,
		    err);
		if (rc == SIGNUP_LINK_DONE || rc == SIGNUP_LINK_AGAIN)
			serve_log("unsubscribe", sub.email, rc ==
			    SIGNUP_LINK_DONE ? "done" : "again", serve_wants_html(
			    conn) ? "via=page" : "via=one-click", ip, start);
	}
	form_release(&f);
	if (rc == SIGNUP_LINK_UNKNOWN) {
		ret = serve_unknown_link(s, conn);
	} else if (rc == SIGNUP_LINK_ERROR) {
		ret = serve_store_failed(s, conn, err, "The unsubscription");
	} else if (post && !serve_wants_html(conn)) {
		ret = serve_send(conn, MHD_HTTP_OK, "text/plain", "", 0, NULL);
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

/* The preferences page of sub, with an error in the form or a message. */
static enum MHD_Result
serve_preferences_page(struct serve *s, struct MHD_Connection *conn,
    unsigned code, const struct store_subscriber *sub, const struct form *f,
    const char *msg, const char *error)
{
	json_t *d = serve_page_data(s, "Your preferences", msg);

	serve_data_links(s, d, sub);
	if (f != NULL)
		serve_data_form(d, sub->email, f->name, f->tags, f->ntags,
		    error);
	return serve_page(s, conn, code, PAGE_PREFERENCES, d);
}

/* GET and POST /preferences: name and topics; the topics a subscriber
 * has that are not on offer stay unless unticked. */
static enum MHD_Result
serve_preferences(struct serve *s, struct MHD_Connection *conn, int post,
    const struct form *f, double start)
{
	const char *token = serve_token(conn, post ? f : NULL);
	struct store_subscriber sub;
	struct signup_client who;
	char err[ERR_LEN], ip[INET6_ADDRSTRLEN], extra[32];
	enum MHD_Result ret;
	int rc;

	store_subscriber_init(&sub);
	rc = store_subscriber_by_token(s->db, STORE_TOKEN_PREFERENCES, token,
	    &sub, err);
	if (rc == 1 && post && serve_tags_check(s, f->tags, f->ntags,
	    sub.tags, sub.ntags, err) == -1) {
		ret = serve_preferences_page(s, conn, MHD_HTTP_BAD_REQUEST,
		    &sub, f, NULL, err);
		store_subscriber_release(&sub);
		return ret;
	}
	if (rc == 1 && post) {
		store_subscriber_release(&sub);
		store_subscriber_init(&sub);
		serve_who(s, conn, ip, &who);
		rc = signup_preferences(s->db, token, f->name && *f->name ?
		    f->name : NULL, (const char *const *)f->tags, f->ntags,
		    date_now(), &who, &sub, err);
		if (rc == SIGNUP_LINK_BAD) {
			ret = serve_preferences_page(s, conn,
			    MHD_HTTP_UNPROCESSABLE_CONTENT, &sub, f, NULL, err);
			store_subscriber_release(&sub);
			return ret;
		}
		if (rc == SIGNUP_LINK_DONE) {
			snprintf(extra, sizeof(extra), "tags=%zu", f->ntags);
			serve_log("preferences", sub.email, "saved", extra, ip,
			    start);
			store_subscriber_release(&sub);
			store_subscriber_init(&sub);
			rc = store_subscriber_by_token(s->db,
			    STORE_TOKEN_PREFERENCES, token, &sub, err);
		}
	}
	if (rc == 0)
		ret = serve_unknown_link(s, conn);
	else if (rc < 0)
		ret = serve_store_failed(s, conn, err, "Your preferences");
	else
		ret = serve_preferences_page(s, conn, MHD_HTTP_OK, &sub, NULL,
		    post ? "Saved." : NULL, NULL);
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
	struct article sent;	/* holds their topics as sent */
	struct edition e;
	char err[ERR_LEN];
	enum MHD_Result ret;
	size_t articles;
	int rc;

	article_init(&sent);
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
		/* Its articles, date and this reader's topics as sent. */
		edition_use_stored(&e, &je);
		rc = edition_reader_as_sent(s->db, &e, sub.id, &r, &sent, err);
		if (rc == 1)
			rc = send_build(s->db, &e, &r, 1, &m, &articles, err);
		edition_close(&e);
	}
	if (rc == 0) {
		ret = serve_unknown_link(s, conn);	/* not sent to them */
	} else if (rc == -1) {
		fprintf(stderr, "digest serve: edition %s: %s\n", id, err);
		ret = serve_error_page(s, conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "Please try again", "The edition cannot be shown now.");
	} else {
		ret = serve_send(conn, MHD_HTTP_OK, "text/html; charset=utf-8",
		    buf_cstr(&m.html), m.html.len, NULL);
	}
	edition_message_release(&m);
	article_release(&sent);
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

/* The POSTs that take a form body other than /subscribe and
 * /unsubscribe (which takes an empty one too). */
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
		ret = serve_confirm_post(s, conn, &f, rq->start);
	else if (strcmp(url, "/resend") == 0)
		ret = serve_resend_post(s, conn, &f);
	else if (strcmp(url, "/resubscribe") == 0)
		ret = serve_resubscribe_post(s, conn, &f, rq->start);
	else
		ret = serve_preferences(s, conn, 1, &f, rq->start);
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
		return serve_send(conn, MHD_HTTP_OK, "text/plain", "ok\n", 3,
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
	if (strcmp(url, "/unsubscribe") == 0 && (get || post))
		return serve_unsubscribe(s, conn, rq, post, rq->start);
	if (strcmp(url, "/preferences") == 0 && get)
		return serve_preferences(s, conn, 0, NULL, rq->start);
	if (strcmp(url, "/view") == 0 && get)
		return serve_view(s, conn);
	if (post && (strcmp(url, "/confirm") == 0 || strcmp(url, "/resend") ==
	    0 || strcmp(url, "/resubscribe") == 0 ||
	    strcmp(url, "/preferences") == 0))
		return serve_form_post(s, conn, rq, url);
	if (strcmp(url, "/subscribe") == 0 || strcmp(url, "/confirm") == 0 ||
	    strcmp(url, "/unsubscribe") == 0 || strcmp(url, "/resend") == 0 ||
	    strcmp(url, "/resubscribe") == 0 ||
	    strcmp(url, "/preferences") == 0 || strcmp(url, "/healthz") == 0)
		return serve_error_page(s, conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "Not allowed", "This page does not take that method.");
	return serve_error_page(s, conn, MHD_HTTP_NOT_FOUND, "Not found",
	    "There is no such page.");
}

/* Counts the Content-Length and Transfer-Encoding headers of a request
 * (libmicrohttpd 0.9.75 takes the first of several). */
struct serve_framing {
	int lengths, differ, chunked;
	const char *first;
};

static enum MHD_Result
serve_framing_header(void *arg, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct serve_framing *fr = arg;

	(void)kind;
	if (key == NULL)
		return MHD_YES;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		if (fr->lengths++ == 0)
			fr->first = value ? value : "";
		else if (strcmp(fr->first, value ? value : "") != 0)
			fr->differ = 1;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		fr->chunked = 1;
	}
	return MHD_YES;
}

/* 0 when the request says its length one way, else -1: two different
 * Content-Lengths, or one with Transfer-Encoding (RFC 9112 6.3: where
 * the body ends is then a guess, and the bytes after it could be taken
 * for another request). */
static int
serve_framing_ok(struct MHD_Connection *conn)
{
	struct serve_framing fr;

	memset(&fr, 0, sizeof(fr));
	MHD_get_connection_values(conn, MHD_HEADER_KIND, serve_framing_header,
	    &fr);
	return fr.differ || (fr.lengths > 0 && fr.chunked) ? -1 : 0;
}

/* 400, and the connection is closed after it. */
static enum MHD_Result
serve_refuse_framing(struct serve *s, struct MHD_Connection *conn)
{
	static const char body[] = "the request's length is ambiguous: "
	    "Content-Length given twice, or with Transfer-Encoding\n";
	struct MHD_Response *r;
	enum MHD_Result ret;
	char ip[INET6_ADDRSTRLEN];

	serve_client_ip(s, conn, ip);
	fprintf(stderr, "event=refused reason=framing ip=%s\n",
	    ip);
	r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body,
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	serve_headers(r, "text/plain; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(conn, MHD_HTTP_BAD_REQUEST, r);
	MHD_destroy_response(r);
	return ret;
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
		rq->start = serve_clock();
		*con_cls = rq;
		if (serve_framing_ok(conn) == -1)
			return serve_refuse_framing(s, conn);
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

/* Wakes the server loop from another thread: its wait polls wake_fd. */
static void
serve_loop_wake(struct serve *s)
{
	uint64_t one = 1;

	if (write(s->wake_fd, &one, sizeof(one)) == -1)
		return;	/* EAGAIN: a wake is pending already */
}

/* The mail thread has stopped, or never started: the server thread
 * checkpoints itself from now on. */
static void
serve_mail_gone(struct serve *s)
{
	pthread_mutex_lock(&s->mu);
	s->mail_gone = 1;
	pthread_mutex_unlock(&s->mu);
}

/*
 * After each commit of the server thread, with the pages in the WAL:
 * past SERVE_CHECKPOINT_PAGES the mail thread copies them into the
 * database (a passive checkpoint, fsynced), so that the thread that
 * answers never does; SQLite's automatic checkpoint, which this hook
 * replaces, would run inside the COMMIT of whichever round crossed the
 * line. Without a mail thread the server thread does it, as SQLite
 * would.
 */
static int
serve_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct serve *s = arg;
	char err[ERR_LEN];
	int gone;

	(void)name;
	if (pages < SERVE_CHECKPOINT_PAGES)
		return SQLITE_OK;
	pthread_mutex_lock(&s->mu);
	gone = s->mail_gone;
	if (!gone) {
		s->checkpoint = 1;
		pthread_cond_signal(&s->wake);
	}
	pthread_mutex_unlock(&s->mu);
	if (gone && db_checkpoint(db, err) == -1)
		fprintf(stderr, "digest serve: checkpoint: %s\n", err);
	return SQLITE_OK;
}

/* One key=value line per confirmation mail on stderr, which journald
 * keeps: where it went (masked, as serve_log does) and what became of
 * it, never its link. A setting that stops every mail says so at once,
 * with the fix. The line is written whole, at once: the server thread
 * writes its own lines meanwhile, and stderr is unbuffered. */
static void
serve_mail_log(const struct mailq_event *ev, void *arg)
{
	char masked[ADDR_MAX + 8], line[2048];
	FILE *f = fmemopen(line, sizeof(line), "w");

	(void)arg;
	if (f == NULL)
		return;
	serve_mask(ev->email, masked, sizeof(masked));
	fprintf(f, "event=confirmation-mail addr=%s status=%s", masked,
	    ev->status);
	if (ev->setting)
		fputs(" cause=setting", f);
	if (ev->code != 0)
		fprintf(f, " smtp=%d", ev->code);
	if (strcmp(ev->status, "sent") != 0)
		cmd_log_kv(f, "reply", ev->reply);
	fprintf(f, " ms=%.0f\n", ev->ms);
	if (fclose(f) == 0)
		fputs(line, stderr);
}

/* Hands the delivered batch b to the server thread, which records it
 * in its next commit, and waits until that is done. Once the server
 * thread has stopped, the mail thread records its batches itself. 0, or
 * -1 with err when that fails (the mails then stay queued). */
static int
serve_mail_batch_post(struct serve *s, struct mailq_batch *b,
    struct sqlite3 *db, char *err)
{
	pthread_mutex_lock(&s->mu);
	if (!s->loop_done) {
		s->mail_batch = b;
		pthread_mutex_unlock(&s->mu);
		serve_loop_wake(s);
		pthread_mutex_lock(&s->mu);
		while (s->mail_batch != NULL && !s->loop_done)
			pthread_cond_wait(&s->wake, &s->mu);
		if (s->mail_batch == NULL) {
			pthread_mutex_unlock(&s->mu);
			return 0;
		}
		s->mail_batch = NULL;
	}
	pthread_mutex_unlock(&s->mu);
	if (db_begin(db, err) == -1)
		return -1;
	if (mailq_batch_record(b, db, err) == -1 || db_commit(db, err) == -1) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

/* Waits until a signup queued a mail, the WAL wants a checkpoint, the
 * server stops, or 2 s have passed (deferred mails come due by the
 * clock). Returns with mu held. */
static void
serve_mail_wait(struct serve *s)
{
	struct timespec until;

	pthread_mutex_lock(&s->mu);
	if (s->stop || s->queued || s->checkpoint)
		return;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	pthread_cond_timedwait(&s->wake, &s->mu, &until);
}

/*
 * The mail thread: delivers the queued mails in batches and leaves
 * their records to the server thread (serve_mail_batch_post), so the
 * database has one writer; it also runs the checkpoints the server
 * thread's WAL hook asks for, off the thread that answers.
 */
static void *
serve_mailer(void *arg)
{
	struct serve *s = arg;
	struct mailq_templates tpl;
	struct mailq_batch *b = mailq_batch_new(SERVE_MAIL_BATCH);
	struct transport *t = NULL;
	struct sqlite3 *db;
	char err[ERR_LEN], outbox[4200];
	int status, n = 0, checkpoint;

	pthread_setname_np(pthread_self(), "serve-mail");
	snprintf(outbox, sizeof(outbox), "%s/confirm", s->c->outbox);
	db = db_open(cmd_db_path(), err);
	if (db != NULL)
		db_limit_memory(db, SERVE_CACHE_KB, 0);
	if (db == NULL || mailq_templates_load(&tpl, s->c->templates,
	    err) == -1 || (t = cmd_transport_open(s->c, NULL, outbox, 1,
	    &status, err)) == NULL) {
		fprintf(stderr, "digest serve: confirmation mails: %s\n", err);
		serve_mail_gone(s);
		db_close(db);
		mailq_batch_free(b);
		return NULL;
	}
	for (;;) {
		if (n < SERVE_MAIL_BATCH)
			serve_mail_wait(s);
		else
			pthread_mutex_lock(&s->mu);
		if (s->stop)
			break;
		s->queued = 0;
		checkpoint = s->checkpoint;
		s->checkpoint = 0;
		pthread_mutex_unlock(&s->mu);
		if (checkpoint && db_checkpoint(db, err) == -1)
			fprintf(stderr, "digest serve: checkpoint: %s\n", err);
		n = mailq_batch_send(b, db, s->c, &tpl, t, date_now(), err);
		if (n > 0 && serve_mail_batch_post(s, b, db, err) == 0)
			mailq_batch_log(b, serve_mail_log, NULL);
		else if (n != 0)
			fprintf(stderr, "digest serve: confirmation mails: %s\n",
			    err);
		mailq_batch_clear(b);
	}
	pthread_mutex_unlock(&s->mu);
	serve_mail_gone(s);
	transport_close(t);
	mailq_templates_release(&tpl);
	mailq_batch_free(b);
	db_close(db);
	return NULL;
}

/* ---- setup ---------------------------------------------------------- */

static void
serve_topics_clear(struct serve *s)
{
	size_t i;

	for (i = 0; i < s->ntopics; i++) {
		free(s->topics[i].name);
		free(s->topics[i].label);
	}
	s->ntopics = 0;
}

/* Adds a topic (tag n bytes, label k bytes; takes neither), unless its
 * normalized tag is empty or there already. */
static void
serve_topic_add(struct serve *s, const char *tag, size_t n,
    const char *label, size_t k)
{
	char norm[ARTICLE_TAG_MAX];
	size_t i;

	n = article_tag_normalize(tag, n, norm);
	norm[n] = '\0';
	if (n == 0)
		return;
	for (i = 0; i < s->ntopics; i++)
		if (strcmp(s->topics[i].name, norm) == 0)
			return;
	xgrow(&s->topics, &s->topics_cap, s->ntopics + 1, sizeof(*s->topics));
	s->topics[s->ntopics].name = xstrdup(norm);
	s->topics[s->ntopics++].label = label != NULL && k > 0 ?
	    xstrndup(label, k) : xstrdup(norm);
}

/* topics = "climate: Climate and environment, science: Science, arts":
 * each item a tag, with a label after a colon. 0, or -1 with err. */
static int
serve_topics_config(struct serve *s, const char *p, char *err)
{
	const char *colon, *label;
	size_t k, n, lk;

	while (*(p += strspn(p, " ,\t")) != '\0') {
		k = strcspn(p, ",");
		colon = memchr(p, ':', k);
		n = colon ? (size_t)(colon - p) : k;
		label = NULL;
		lk = 0;
		if (colon != NULL) {
			lk = k - n - 1;
			label = util_trim(colon + 1, &lk);
		}
		(void)util_trim(p, &n);
		if (n == 0 || (colon != NULL && lk == 0))
			return util_err(err, "topics: '%.*s' needs a tag, and a "
			    "label after its colon", (int)k, p);
		serve_topic_add(s, p, n, label, lk);
		p += k;
	}
	s->topics_fixed = s->ntopics > 0;
	return 0;
}

/* The commonest tags of the articles published in the last
 * SERVE_TOPICS_DAYS days: 0, or -1 with err (the old list stays). */
static int
serve_topics_count(struct serve *s, char *err)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(s->db, "SELECT t.name FROM article a JOIN article_tag "
	    "x ON x.article_id = a.id JOIN tag t ON t.id = x.tag_id WHERE "
	    "a.published >= ?2 GROUP BY t.id ORDER BY count(*) DESC, t.name "
	    "LIMIT ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, SERVE_TOPICS);
	sqlite3_bind_int64(st, 2, date_now() - SERVE_TOPICS_DAYS * 86400LL);
	serve_topics_clear(s);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);

		serve_topic_add(s, t, strlen(t), NULL, 0);
	}
	sqlite3_reset(st);
	s->topics_at = time(NULL);
	return rc == SQLITE_DONE ? 0 : db_err(s->db, err, "counting topics");
}

/* The store's data_version: it changes when another connection (an
 * ingest) commits. */
static int
serve_data_version(struct serve *s)
{
	sqlite3_stmt *st = db_prepare(s->db, "PRAGMA data_version", NULL);
	int v = 0;

	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	if (st != NULL)
		sqlite3_reset(st);
	return v;
}

/* Counts the topics again, while serving, when articles may have come
 * (at most once a second) and at least every SERVE_TOPICS_AGE. */
static void
serve_topics_refresh(struct serve *s)
{
	time_t now = time(NULL);
	char err[ERR_LEN];
	int v;

	if (s->topics_fixed || now == s->topics_at)
		return;
	v = serve_data_version(s);
	if (v == s->data_version && now - s->topics_at < SERVE_TOPICS_AGE)
		return;
	s->data_version = v;
	if (serve_topics_count(s, err) == -1)
		fprintf(stderr, "digest serve: %s\n", err);
}

static int
serve_setup(struct serve *s, char *err)
{
	int i;

	for (i = 0; i < PAGE_COUNT; i++)
		if ((s->pages[i] = render_template_load(s->c->templates,
		    serve_page_files[i], err)) == NULL)
			return -1;
	if (serve_topics_config(s, s->c->topics, err) == -1 ||
	    serve_proxies_parse(s, s->c->trusted_proxies, err) == -1)
		return -1;
	s->data_version = serve_data_version(s);
	if (!s->topics_fixed && serve_topics_count(s, err) == -1)
		return -1;
	s->buckets = xcalloc(SERVE_RATE_SLOTS, sizeof(*s->buckets));
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->wake, NULL);
	if ((s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return util_err(err, "cannot make an eventfd: %s",
		    strerror(errno));
	sqlite3_wal_hook(s->db, serve_wal_hook, s);
	return 0;
}

static void
serve_teardown(struct serve *s)
{
	int i;

	for (i = 0; i < PAGE_COUNT; i++)
		template_free(s->pages[i]);
	serve_topics_clear(s);
	free(s->topics);
	free(s->buckets);
	free(s->waiting);
	free(s->held);
	if (s->wake_fd != -1)
		close(s->wake_fd);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->mu);
	db_close(s->db);
}

/* Waits until libmicrohttpd has work (its epoll descriptor is ready),
 * another thread wakes the loop (wake_fd), libmicrohttpd's next
 * timeout, a held signup's time (until, when not 0), or at most 250 ms:
 * the header deadline's sweep and the topics' refresh need a turn now
 * and then. Not at all when a connection was resumed: its descriptor
 * shows nothing new, and libmicrohttpd's timeout does not count it. */
static void
serve_wait(struct serve *s, double until)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon,
	    MHD_DAEMON_INFO_EPOLL_FD);
	MHD_UNSIGNED_LONG_LONG to;
	struct pollfd pfd[2];
	struct timespec ts;
	double wait = 0.25;
	uint64_t n;

	if (MHD_get_timeout(s->daemon, &to) == MHD_YES && to < 250)
		wait = (double)to / 1e3;
	if (s->resumed)
		wait = 0;
	s->resumed = 0;
	if (until != 0 && until - serve_clock() < wait)
		wait = until > serve_clock() ? until - serve_clock() : 0;
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
 * and the mail thread's records (serve_round_commit). */
static void *
serve_loop(void *arg)
{
	struct serve *s = arg;

	pthread_setname_np(pthread_self(), "serve-http");
	while (!atomic_load(&s->loop_stop)) {
		serve_wait(s, serve_floor_release(s, serve_clock(), 0));
		MHD_run(s->daemon);
		serve_round_commit(s);
		serve_sweep(s);
		serve_topics_refresh(s);
	}
	/* Stopping: what is held is answered now. */
	serve_floor_release(s, 0, 1);
	MHD_run(s->daemon);
	/* The mail thread records its own batches from now on. */
	pthread_mutex_lock(&s->mu);
	s->loop_done = 1;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->mu);
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
	int ch;

	while ((ch = opt_next(argc, argv, &cmd_serve_usage)) != -1) {
		switch (ch) {
		case 'h':
			return cmd_help(&cmd_serve_usage);
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
			return cmd_bad_usage(&cmd_serve_usage);
		}
	}
	if (optind != argc)
		return cmd_bad_usage(&cmd_serve_usage);
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
	s.wake_fd = -1;
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
	/* Each signup of a round is stored in a savepoint, whose journal
	 * (the pages it changes) would spill to a temporary file, made and
	 * deleted in every round, past 64 KB. */
	db_temp_in_memory(s.db);
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
	serve_loop_wake(&s);
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
