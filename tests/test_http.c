/*
 * Tests for digest/http.c: the verdicts on a body's length and its
 * bytes as data, then a real libmicrohttpd daemon on a free loopback
 * port whose handler gathers bodies and answers through the layer, as
 * both servers do, driven by raw requests over a socket.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#define T_MAX 100
#define T_DISCARD 1000

/* ---- the verdicts as data ------------------------------------------- */

struct length_case {
	const char *length, *expect;
	enum http_body_verdict verdict;
	int too_big;
};

static const struct length_case length_cases[] = {
	{ NULL, NULL, HTTP_BODY_READ, 0 },
	{ "0", NULL, HTTP_BODY_READ, 0 },
	{ "100", "100-continue", HTTP_BODY_READ, 0 },
	{ "101", NULL, HTTP_BODY_READ, 1 },		/* read on, unkept */
	{ "101", "100-continue", HTTP_BODY_REFUSE, 0 },	/* before a byte */
	{ "101", "100-Continue", HTTP_BODY_REFUSE, 0 },
	{ "1000", NULL, HTTP_BODY_READ, 1 },
	{ "1001", NULL, HTTP_BODY_REFUSE, 0 },		/* past discard */
	{ "99999999999999999999999", NULL, HTTP_BODY_REFUSE, 0 },
};

static void
test_http_length(void **state)
{
	struct http_body b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(length_cases) / sizeof(*length_cases); i++) {
		const struct length_case *c = &length_cases[i];

		http_body_init(&b, T_MAX, T_DISCARD);
		if (http_body_length(&b, c->length, c->expect) != c->verdict ||
		    b.too_big != c->too_big)
			fail_msg("Content-Length %s, Expect %s: verdict %d, "
			    "too_big %d", c->length ? c->length : "(none)",
			    c->expect ? c->expect : "(none)", c->verdict,
			    c->too_big);
		http_body_release(&b);
	}
}

/* Bytes are kept up to max, read on unkept up to discard, then cut. */
static void
test_http_take(void **state)
{
	char chunk[60];
	struct http_body b;
	size_t n;

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	http_body_init(&b, T_MAX, T_DISCARD);
	n = 60;
	assert_int_equal(http_body_take(&b, chunk, &n), MHD_YES);
	assert_int_equal(n, 0);
	assert_int_equal(b.data.len, 60);
	n = 40;
	assert_int_equal(http_body_take(&b, chunk, &n), MHD_YES);
	assert_int_equal(b.data.len, 100);
	assert_false(b.too_big);
	n = 1;
	assert_int_equal(http_body_take(&b, chunk, &n), MHD_YES);
	assert_true(b.too_big);
	assert_int_equal(b.data.len, 100);
	while (b.seen + 60 <= T_DISCARD) {
		n = 60;
		assert_int_equal(http_body_take(&b, chunk, &n), MHD_YES);
	}
	n = 60;
	assert_int_equal(http_body_take(&b, chunk, &n), MHD_NO);
	assert_int_equal(b.data.len, 100);
	http_body_release(&b);
}

/* ---- a daemon ------------------------------------------------------- */

/* The handler: /ok, /limited (429), /origin (CORS), /preflight (with
 * an Origin or not), /close (closing the connection after it), /join
 * (the X-Forwarded-For lines), /peer; a POST answers how many bytes it
 * kept. */
static enum MHD_Result
t_handle(void *arg, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct http_body *b = *con_cls;
	char text[64];
	struct buf j;
	enum MHD_Result ret;
	const struct sockaddr_in *peer;

	(void)arg, (void)version;
	if (b == NULL) {
		b = calloc(1, sizeof(*b));
		http_body_init(b, T_MAX, T_DISCARD);
		*con_cls = b;
		switch (http_body_begin(b, conn)) {
		case HTTP_BODY_AMBIGUOUS:
			return http_refuse_framing(conn, &http_policy_strict);
		case HTTP_BODY_REFUSE:
			return http_send_text(conn, &http_policy_strict,
			    MHD_HTTP_CONTENT_TOO_LARGE, "too large");
		case HTTP_BODY_READ:
			break;
		}
		return MHD_YES;
	}
	if (*upload_size > 0)
		return http_body_take(b, upload, upload_size);
	if (b->too_big)
		return http_send_text(conn, &http_policy_strict,
		    MHD_HTTP_CONTENT_TOO_LARGE, "too large");
	if (strcmp(method, "POST") == 0) {
		snprintf(text, sizeof(text), "kept %zu", b->data.len);
		return http_send_text(conn, &http_policy_strict, MHD_HTTP_OK,
		    text);
	}
	if (strcmp(url, "/limited") == 0)
		return http_send_text(conn, &http_policy_strict,
		    MHD_HTTP_TOO_MANY_REQUESTS, "wait");
	if (strcmp(url, "/origin") == 0) {
		struct http_reply r = { .code = MHD_HTTP_OK,
		    .type = "application/json", .body = "{}", .len = 2,
		    .origin = http_header(conn, "Origin") };

		return http_reply_send(conn, &http_policy_strict, &r);
	}
	if (strcmp(url, "/close") == 0) {
		struct http_reply r = { .code = MHD_HTTP_OK,
		    .type = "text/plain", .body = "bye", .len = 3, .close = 1 };

		return http_reply_send(conn, &http_policy_strict, &r);
	}
	if (strcmp(url, "/preflight") == 0)
		return http_preflight(conn, http_arg(conn, "origin"), "POST");
	if (strcmp(url, "/join") == 0) {
		buf_init(&j, 64);
		http_header_join(conn, "X-Forwarded-For", &j);
		ret = http_send_text(conn, &http_policy_strict, MHD_HTTP_OK,
		    buf_cstr(&j));
		buf_release(&j);
		return ret;
	}
	if (strcmp(url, "/peer") == 0) {
		peer = (const struct sockaddr_in *)(const void *)http_peer(conn);
		inet_ntop(AF_INET, &peer->sin_addr, text, sizeof(text));
		return http_send_text(conn, &http_policy_strict, MHD_HTTP_OK,
		    text);
	}
	return http_send(conn, &http_policy_strict, MHD_HTTP_OK,
	    "text/plain", "ok", 2);
}

static void
t_completed(void *arg, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_body *b = *con_cls;

	(void)arg, (void)conn, (void)toe;
	if (b != NULL) {
		http_body_release(b);
		free(b);
		*con_cls = NULL;
	}
}

struct t_server {
	struct MHD_Daemon *d;
	struct sockaddr_in sin;
};

static int
t_setup(void **state)
{
	static const struct http_limits limits = { .timeout = 5,
	    .connections = 16, .header_memory = 16384 };
	struct t_server *ts = calloc(1, sizeof(*ts));
	struct MHD_OptionItem opts[HTTP_DAEMON_OPTIONS];
	const union MHD_DaemonInfo *di;

	ts->sin.sin_family = AF_INET;
	ts->sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	http_daemon_options(&limits, &ts->sin, opts);
	ts->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL,
	    NULL, t_handle, NULL, MHD_OPTION_ARRAY, opts,
	    MHD_OPTION_NOTIFY_COMPLETED, t_completed, NULL, MHD_OPTION_END);
	if (ts->d == NULL)
		return -1;
	di = MHD_get_daemon_info(ts->d, MHD_DAEMON_INFO_BIND_PORT);
	ts->sin.sin_port = htons(di->port);
	*state = ts;
	return 0;
}

static int
t_teardown(void **state)
{
	struct t_server *ts = *state;

	MHD_stop_daemon(ts->d);
	free(ts);
	return 0;
}

/* Sends req and body (when not NULL), closes its side unless
 * keep_open, and reads until the server closes (*closed set) or 3 s
 * pass: the whole answer, in static storage. */
static const char *
t_ask_open(const struct t_server *ts, const char *req, const char *body,
    int keep_open, int *closed)
{
	static char out[8192];
	struct timeval tv = { 3, 0 };
	size_t n = 0;
	ssize_t k;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (const struct sockaddr *)&ts->sin,
	    sizeof(ts->sin)), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	if (body != NULL && write(fd, body, strlen(body)) < 0)
		fail_msg("writing the body");
	if (!keep_open)
		shutdown(fd, SHUT_WR);
	while (n + 1 < sizeof(out) && (k = read(fd, out + n,
	    sizeof(out) - 1 - n)) > 0)
		n += (size_t)k;
	*closed = k == 0;
	out[n] = '\0';
	close(fd);
	return out;
}

static const char *
t_ask(const struct t_server *ts, const char *req, const char *body)
{
	int closed;

	return t_ask_open(ts, req, body, 0, &closed);
}

/* The status code of an answer. */
static int
t_status(const char *answer)
{
	int code = 0;

	if (sscanf(answer, "HTTP/1.1 %d", &code) != 1)
		fail_msg("not an HTTP answer: '%.80s'", answer);
	return code;
}

/* 1 when the answer has header line (case-insensitive name). */
static int
t_has(const char *answer, const char *line)
{
	const char *p = answer;
	size_t n = strlen(line);

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (*p == '\r')
			return 0;
		if (strncasecmp(p, line, n) == 0)
			return 1;
	}
	return 0;
}

#define T_GET(path) "GET " path " HTTP/1.1\r\nHost: t\r\nConnection: " \
	"close\r\n\r\n"

/* Every answer carries its type, no-store, nosniff and the policy. */
static void
test_http_headers(void **state)
{
	const char *a = t_ask(*state, T_GET("/ok"), NULL);

	assert_int_equal(t_status(a), 200);
	assert_true(t_has(a, "Content-Type: text/plain"));
	assert_true(t_has(a, "Cache-Control: no-store"));
	assert_true(t_has(a, "X-Content-Type-Options: nosniff"));
	assert_true(t_has(a, "Referrer-Policy: no-referrer"));
	assert_true(t_has(a, "X-Frame-Options: DENY"));
	assert_true(t_has(a, "Content-Security-Policy: default-src 'none'"));
	assert_false(t_has(a, "Access-Control-Allow-Origin"));
	assert_false(t_has(a, "Retry-After"));
	assert_non_null(strstr(a, "\r\n\r\nok"));
}

static void
test_http_retry_after(void **state)
{
	const char *a = t_ask(*state, T_GET("/limited"), NULL);

	assert_int_equal(t_status(a), 429);
	assert_true(t_has(a, "Retry-After: 60"));
	assert_non_null(strstr(a, "\r\n\r\nwait\n"));
}

static void
test_http_cors(void **state)
{
	const char *a = t_ask(*state, "GET /origin HTTP/1.1\r\nHost: t\r\n"
	    "Origin: https://site.example\r\nConnection: close\r\n\r\n", NULL);

	assert_true(t_has(a, "Access-Control-Allow-Origin: "
	    "https://site.example"));
	assert_true(t_has(a, "Vary: Origin"));
	a = t_ask(*state, "OPTIONS /preflight?origin=https://a.example "
	    "HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", NULL);
	assert_int_equal(t_status(a), 204);
	assert_true(t_has(a, "Access-Control-Allow-Methods: POST"));
	assert_true(t_has(a, "Access-Control-Allow-Origin: https://a.example"));
	a = t_ask(*state, "OPTIONS /preflight HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n", NULL);
	assert_int_equal(t_status(a), 403);
	assert_false(t_has(a, "Access-Control-Allow-Origin"));
}

/* A body within the limit is kept whole. */
static void
test_http_body_kept(void **state)
{
	const char *a = t_ask(*state, "POST / HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 5\r\nConnection: close\r\n\r\n", "hello");

	assert_int_equal(t_status(a), 200);
	assert_non_null(strstr(a, "kept 5\n"));
}

/* Past the limit with 100 Continue: 413 before any of it is sent,
 * and no 100 Continue first. */
static void
test_http_body_refused_early(void **state)
{
	const char *a = t_ask(*state, "POST / HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 200\r\nExpect: 100-continue\r\n"
	    "Connection: close\r\n\r\n", NULL);

	assert_int_equal(t_status(a), 413);
	assert_null(strstr(a, "100 Continue"));
}

/* Past the limit without a length (chunked): read on, 413 at its end. */
static void
test_http_body_chunked(void **state)
{
	char req[512];
	const char *a;

	snprintf(req, sizeof(req), "POST / HTTP/1.1\r\nHost: t\r\n"
	    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
	    "96\r\n%0150d\r\n0\r\n\r\n", 0);
	a = t_ask(*state, req, NULL);
	assert_int_equal(t_status(a), 413);
	snprintf(req, sizeof(req), "POST / HTTP/1.1\r\nHost: t\r\n"
	    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
	    "32\r\n%050d\r\n0\r\n\r\n", 0);
	a = t_ask(*state, req, NULL);
	assert_int_equal(t_status(a), 200);
	assert_non_null(strstr(a, "kept 50\n"));
}

/* A length said two ways: 400, and the connection closed after it even
 * though the client asked to keep it. */
static void
test_http_framing(void **state)
{
	int closed;
	const char *a = t_ask_open(*state, "POST / HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", NULL, 1,
	    &closed);

	assert_int_equal(t_status(a), 400);
	assert_true(t_has(a, "Connection: close"));
	assert_true(closed);
	assert_non_null(strstr(a, "ambiguous"));
	a = t_ask(*state, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", NULL);
	assert_int_equal(t_status(a), 400);
	/* The same length twice is one length. */
	a = t_ask(*state, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
	    "Content-Length: 5\r\nConnection: close\r\n\r\nhello", NULL);
	assert_int_equal(t_status(a), 200);
}

/* A reply that closes: the connection ends after it although the
 * client would keep it; another reply keeps it open. */
static void
test_http_close(void **state)
{
	int closed;
	const char *a = t_ask_open(*state, "GET /close HTTP/1.1\r\nHost: t\r\n"
	    "\r\n", NULL, 1, &closed);

	assert_int_equal(t_status(a), 200);
	assert_true(t_has(a, "Connection: close"));
	assert_true(closed);
	a = t_ask_open(*state, "GET /ok HTTP/1.1\r\nHost: t\r\n\r\n", NULL,
	    1, &closed);
	assert_int_equal(t_status(a), 200);
	assert_false(closed);
}

static void
test_http_request_headers(void **state)
{
	const char *a = t_ask(*state, "GET /join HTTP/1.1\r\nHost: t\r\n"
	    "X-Forwarded-For: 192.0.2.1\r\nX-Other: 1\r\n"
	    "x-forwarded-for: 192.0.2.2, 10.0.0.1\r\nConnection: close\r\n\r\n",
	    NULL);

	assert_non_null(strstr(a, "\r\n\r\n192.0.2.1,192.0.2.2, 10.0.0.1\n"));
	a = t_ask(*state, T_GET("/peer"), NULL);
	assert_non_null(strstr(a, "\r\n\r\n127.0.0.1\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_length),
		cmocka_unit_test(test_http_take),
		cmocka_unit_test(test_http_headers),
		cmocka_unit_test(test_http_retry_after),
		cmocka_unit_test(test_http_cors),
		cmocka_unit_test(test_http_body_kept),
		cmocka_unit_test(test_http_body_refused_early),
		cmocka_unit_test(test_http_body_chunked),
		cmocka_unit_test(test_http_framing),
		cmocka_unit_test(test_http_close),
		cmocka_unit_test(test_http_request_headers),
	};

	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
