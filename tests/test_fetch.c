/*
 * test_fetch: fetch_url against a real HTTP server, tests/servers/httpd.py
 * (httpd_child.h), started by the group setup and stopped (killed and
 * reaped) by its teardown, whatever the tests did. Skipped (77) without
 * /usr/bin/python3.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "httpd_child.h"
#include "fetch.h"

#include <curl/curl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#define MB (1u << 20)
#define FEED_MTIME 1735689600	/* the server's /feed Last-Modified */
#define FEED_ETAG "\"feed-v1\""

static struct httpd_child srv;
static char news_file[4200];	/* srv.dir/news.rss */

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The server URL of path; static storage, one at a time. */
static const char *
url(const char *path)
{
	return httpd_child_url(&srv, path);
}

static int
server_start(void **state)
{
	FILE *f;

	(void)state;
	fetch_global_init();
	if (httpd_child_start(&srv) == -1)
		return -1;
	snprintf(news_file, sizeof(news_file), "%s/news.rss", srv.dir);
	if ((f = fopen(news_file, "w")) == NULL)
		return -1;
	fputs("<rss version=\"2.0\"><channel><title>one</title></channel>"
	    "</rss>\n", f);
	fclose(f);
	return 0;
}

static int
server_stop(void **state)
{
	(void)state;
	httpd_child_stop(&srv);
	curl_global_cleanup();
	return 0;
}

/* Fetches path ("/...") or an absolute URL with o: the status. r is released by
 * the caller. */
static enum fetch_status
get(const char *path, const struct fetch_opts *o, struct fetch_result *r,
    char *err)
{
	struct fetch_opts dflt = { .max_redirects = -1 };

	err[0] = '\0';
	return fetch_url(path[0] == '/' ? url(path) : path,
	    o != NULL ? o : &dflt, r, err);
}

static void
assert_contains(const char *s, const char *part)
{
	if (s == NULL || strstr(s, part) == NULL)
		fail_msg("'%s' does not contain '%s'", s ? s : "(null)", part);
}

/* err must be "'u': problem", the shape of every fetch message. */
static void
assert_err(const char *err, const char *u, const char *problem)
{
	size_t n = strlen(u);

	if (err[0] != '\'' || strncmp(err + 1, u, n) != 0 ||
	    strncmp(err + 1 + n, "': ", 3) != 0 ||
	    strcmp(err + 4 + n, problem) != 0)
		fail_msg("err is \"%s\", not \"'%s': %s\"", err, u, problem);
}

/* tests/data/addresses.txt: each address and whether a fetch refuses it. */
static void
test_private_addresses(void **state)
{
	char path[4200], line[256], addr[64], verdict[16];
	const char *t = getenv("TESTS");
	struct sockaddr_storage ss;
	struct sockaddr_in *v4 = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)(void *)&ss;
	int n = 0;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/data/addresses.txt", t ? t : "tests");
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || sscanf(line, "%63s %15s", addr,
		    verdict) != 2)
			continue;
		memset(&ss, 0, sizeof(ss));
		if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1)
			v4->sin_family = AF_INET;
		else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1)
			v6->sin6_family = AF_INET6;
		else
			fail_msg("%s: not an address", addr);
		if (fetch_address_private((struct sockaddr *)&ss) !=
		    (strcmp(verdict, "private") == 0))
			fail_msg("%s: expected %s", addr, verdict);
		n++;
	}
	fclose(f);
	assert_true(n >= 30);
}

/* A name that resolves to loopback is refused, and says how to allow
 * it; with allow_private it is fetched. */
static void
test_private_name_refused(void **state)
{
	struct fetch_opts o = { .max_redirects = -1 };
	struct fetch_result r;
	char err[ERR_LEN], u[200];

	(void)state;
	snprintf(u, sizeof(u), "http://localhost:%d/feed", srv.port);
	assert_int_equal(get(u, &o, &r, err), FETCH_NOINPUT);
	assert_null(r.data);
	assert_contains(err, "'localhost' resolves to a private address");
	assert_contains(err, "allow with fetch_private = yes");
	fetch_result_release(&r);
	o.allow_private = 1;
	assert_int_equal(get(u, &o, &r, err), FETCH_OK);
	fetch_result_release(&r);
	/* A literal address is the operator's, unless the URL came from a
	 * file: then it is refused too. */
	o.allow_private = 0;
	assert_int_equal(get("/feed", &o, &r, err), FETCH_OK);
	fetch_result_release(&r);
	o.untrusted_url = 1;
	assert_int_equal(get("/feed", &o, &r, err), FETCH_NOINPUT);
	assert_contains(err, "'127.0.0.1' resolves to a private address "
	    "(127.0.0.1)");
	fetch_result_release(&r);
}

static void
test_is_url(void **state)
{
	(void)state;
	assert_true(fetch_is_url("http://example.org/feed"));
	assert_true(fetch_is_url("HTTPS://example.org/"));
	assert_true(fetch_is_url("hTtP://x"));
	assert_false(fetch_is_url("ftp://example.org/"));
	assert_false(fetch_is_url("file:///etc/passwd"));
	assert_false(fetch_is_url("http:/x"));
	assert_false(fetch_is_url("httpx://x"));
	assert_false(fetch_is_url("feed.xml"));
	assert_false(fetch_is_url(""));
	assert_false(fetch_is_url(NULL));
}

/* First fetch 200 with the validators; with them, 304 and no body. */
static void
test_conditional_get(void **state)
{
	struct fetch_result r;
	struct fetch_opts o = { .max_redirects = -1 };
	char err[ERR_LEN], *etag, *log;

	(void)state;
	assert_int_equal(get("/feed", NULL, &r, err), FETCH_OK);
	assert_int_equal(r.http_code, 200);
	assert_non_null(r.data);
	assert_int_equal(strlen(r.data), r.len);
	assert_contains(r.data, "<title>First</title>");
	assert_contains(r.data, "Caf\xc3\xa9 au lait");
	assert_string_equal(r.etag, FEED_ETAG);
	assert_int_equal(r.last_modified, FEED_MTIME);
	assert_string_equal(r.content_type,
	    "application/rss+xml; charset=utf-8");
	assert_string_equal(r.final_url, url("/feed"));
	etag = xstrdup(r.etag);
	o.etag = etag;
	o.last_modified = r.last_modified;
	fetch_result_release(&r);

	assert_int_equal(get("/feed", &o, &r, err), FETCH_NOT_MODIFIED);
	assert_int_equal(r.http_code, 304);
	assert_null(r.data);
	assert_int_equal(r.len, 0);
	assert_string_equal(r.etag, FEED_ETAG);
	assert_int_equal(r.last_modified, FEED_MTIME);
	fetch_result_release(&r);
	/* The server logged the request before it answered. */
	log = tu_read(srv.log, NULL);
	assert_contains(log, "GET /feed 304 inm=" FEED_ETAG
	    " ims=Wed,_01_Jan_2025_00:00:00_GMT ae=");
	free(log);

	/* Each validator alone is enough. */
	o.last_modified = 0;
	assert_int_equal(get("/feed", &o, &r, err), FETCH_NOT_MODIFIED);
	assert_int_equal(r.http_code, 304);
	fetch_result_release(&r);
	o.etag = NULL;
	o.last_modified = FEED_MTIME;
	assert_int_equal(get("/feed", &o, &r, err), FETCH_NOT_MODIFIED);
	assert_int_equal(r.http_code, 304);
	assert_null(r.data);
	fetch_result_release(&r);

	/* Stale validators bring the body. */
	o.last_modified = FEED_MTIME - 1;
	assert_int_equal(get("/feed", &o, &r, err), FETCH_OK);
	assert_int_equal(r.http_code, 200);
	assert_non_null(r.data);
	fetch_result_release(&r);
	o.etag = "\"feed-v0\"";
	o.last_modified = 0;
	assert_int_equal(get("/feed", &o, &r, err), FETCH_OK);
	assert_string_equal(r.etag, FEED_ETAG);
	fetch_result_release(&r);

	/* A server that ignores If-Modified-Since and sends a document no
	 * newer: libcurl reports it as a 304 and drops the body. */
	o.etag = NULL;
	o.last_modified = FEED_MTIME;
	assert_int_equal(get("/feed?cond=ignore", &o, &r, err),
	    FETCH_NOT_MODIFIED);
	assert_null(r.data);
	assert_int_equal(r.last_modified, FEED_MTIME);
	fetch_result_release(&r);
	o.etag = etag;
	o.last_modified = 0;
	assert_int_equal(get("/feed?cond=ignore", &o, &r, err), FETCH_OK);
	assert_non_null(r.data);
	fetch_result_release(&r);
	free(etag);
}

/* The etag header name is matched without case. */
static void
test_etag_lower_case(void **state)
{
	struct fetch_result r;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(get("/feed?lc=1", NULL, &r, err), FETCH_OK);
	assert_string_equal(r.etag, FEED_ETAG);
	fetch_result_release(&r);
}

/* What the client sends: User-Agent, Accept-Encoding, If-None-Match, and
 * no header smuggled in through a stored ETag. */
static void
test_request_headers(void **state)
{
	struct fetch_result r;
	struct fetch_opts o = { .max_redirects = -1, .etag = "W/\"abc\"" };
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(get("/headers", &o, &r, err), FETCH_OK);
	assert_contains(r.data, "User-Agent: digest/" DIGEST_VERSION);
	assert_contains(r.data, "Accept-Encoding: ");
	assert_contains(r.data, "gzip");
	assert_contains(r.data, "If-None-Match: W/\"abc\"\n");
	assert_null(strstr(r.data, "If-Modified-Since"));
	fetch_result_release(&r);

	o.etag = "\"x\"\r\nX-Evil: 1";
	o.user_agent = "probe/1";
	assert_int_equal(get("/headers", &o, &r, err), FETCH_OK);
	assert_contains(r.data, "User-Agent: probe/1\n");
	assert_null(strstr(r.data, "X-Evil"));
	assert_null(strstr(r.data, "If-None-Match"));
	fetch_result_release(&r);
}

static void
test_content_encoding(void **state)
{
	struct fetch_result plain, r;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(get("/feed", NULL, &plain, err), FETCH_OK);
	assert_int_equal(get("/gzip", NULL, &r, err), FETCH_OK);
	assert_int_equal(r.len, plain.len);
	assert_memory_equal(r.data, plain.data, plain.len);
	fetch_result_release(&r);
	assert_int_equal(get("/gzip?enc=deflate", NULL, &r, err), FETCH_OK);
	assert_int_equal(r.len, plain.len);
	assert_memory_equal(r.data, plain.data, plain.len);
	fetch_result_release(&r);
	fetch_result_release(&plain);
}

static void
check_status(int code, enum fetch_status want, const char *line)
{
	struct fetch_result r;
	char err[ERR_LEN], path[32];

	snprintf(path, sizeof(path), "/status/%d", code);
	assert_int_equal(get(path, NULL, &r, err), want);
	assert_int_equal(r.http_code, code);
	assert_null(r.data);
	assert_err(err, url(path), line);
	fetch_result_release(&r);
}

static void
test_http_errors(void **state)
{
	struct fetch_result r;
	char err[ERR_LEN];

	(void)state;
	check_status(500, FETCH_TEMPFAIL, "HTTP 500 Internal Server Error");
	check_status(503, FETCH_TEMPFAIL, "HTTP 503 Service Unavailable");
	check_status(429, FETCH_TEMPFAIL, "HTTP 429 Too Many Requests");
	check_status(408, FETCH_TEMPFAIL, "HTTP 408 Request Timeout");
	check_status(404, FETCH_NOINPUT, "HTTP 404 Not Found");
	check_status(410, FETCH_NOINPUT, "HTTP 410 Gone");
	check_status(403, FETCH_NOINPUT, "HTTP 403 Forbidden");
	/* Other 2xx are a success, with their body. */
	assert_int_equal(get("/status/203", NULL, &r, err), FETCH_OK);
	assert_string_equal(r.data, "status 203\n");
	fetch_result_release(&r);
}

/* Fetches path (or a URL) with o and checks the failure: its status, its
 * message, and that it came within [min_ms, max_ms]. */
static void
check_failure_time(const char *path, const struct fetch_opts *o,
    enum fetch_status want, long min_ms, long max_ms, const char *problem)
{
	struct fetch_result r;
	char err[ERR_LEN];
	long t0 = now_ms(), ms;

	assert_int_equal(get(path, o, &r, err), want);
	ms = now_ms() - t0;
	print_message("%s: %ld ms: %s\n", path, ms, problem);
	assert_in_range(ms, min_ms, max_ms);
	assert_err(err, path[0] == '/' ? url(path) : path, problem);
	assert_null(r.data);
	fetch_result_release(&r);
}

/* A body that trickles in is cut by the total timeout. */
static void
test_slow_body(void **state)
{
	struct fetch_opts o = { .max_redirects = -1, .timeout_ms = 1500 };

	(void)state;
	check_failure_time("/slow", &o, FETCH_TEMPFAIL, 1400, 2500,
	    "timed out after 1500 ms");
}

/* A server that sends headers and then nothing is abandoned by the
 * low-speed limit long before the total timeout. */
static void
test_stalled_body(void **state)
{
	struct fetch_opts o = { .max_redirects = -1, .timeout_ms = 10000,
	    .stall_timeout_s = 1 };

	(void)state;
	check_failure_time("/stall", &o, FETCH_TEMPFAIL, 900, 3000,
	    "stalled: under 64 bytes/s for 1 s");
}

/* A "2 GiB" body stops at the cap, with and without Content-Length. */
static void
check_too_big(const char *path)
{
	struct fetch_opts o = { .max_redirects = -1, .max_bytes = MB };

	check_failure_time(path, &o, FETCH_TOOBIG, 0, 1500,
	    "larger than 1048576 bytes");
}

static void
test_too_big(void **state)
{
	(void)state;
	check_too_big("/big?length=yes");
	check_too_big("/big?length=no");
	/* 100 KB of gzip that would decode to 100 MiB. */
	check_too_big("/bomb");
}

/* Exactly at the cap is fine; one byte over is not. */
static void
test_cap_boundary(void **state)
{
	struct fetch_result r;
	struct fetch_opts o = { .max_redirects = -1 };
	char err[ERR_LEN];
	size_t len;

	(void)state;
	assert_int_equal(get("/gzip", NULL, &r, err), FETCH_OK);
	len = r.len;
	fetch_result_release(&r);
	o.max_bytes = len;
	assert_int_equal(get("/gzip", &o, &r, err), FETCH_OK);
	assert_int_equal(r.len, len);
	fetch_result_release(&r);
	o.max_bytes = len - 1;
	assert_int_equal(get("/gzip", &o, &r, err), FETCH_TOOBIG);
	fetch_result_release(&r);
	/* Content-Length over the cap: refused before the body, so a body
	 * that never comes is not waited for. */
	o.max_bytes = 99;
	o.stall_timeout_s = 2;
	assert_int_equal(get("/stall", &o, &r, err), FETCH_TOOBIG);
	assert_err(err, url("/stall"), "larger than 99 bytes");
	fetch_result_release(&r);
}

/* Redirects are followed to the end; what the result describes (URL,
 * ETag, body) is the final response, not a hop. */
static void
test_redirect_chain(void **state)
{
	struct fetch_result r;
	struct fetch_opts o = { .max_redirects = 3 };
	char err[ERR_LEN], *final;

	(void)state;
	assert_int_equal(get("/redirect/2", &o, &r, err), FETCH_OK);
	assert_int_equal(r.http_code, 200);
	assert_string_equal(r.final_url, url("/feed"));
	assert_string_equal(r.etag, FEED_ETAG);
	assert_int_equal(r.last_modified, FEED_MTIME);
	assert_contains(r.data, "<rss");
	assert_null(strstr(r.data, "moved to"));
	fetch_result_release(&r);

	/* A hop's ETag does not survive into a final response without one. */
	assert_int_equal(get("/redirect-to?url=/status/200", NULL, &r, err),
	    FETCH_OK);
	assert_string_equal(r.data, "status 200\n");
	assert_null(r.etag);
	fetch_result_release(&r);

	final = xstrdup(url("/redirect/3"));
	assert_int_equal(get("/redirect/3", &o, &r, err), FETCH_NOINPUT);
	assert_err(err, final, "too many redirects (more than 3)");
	assert_null(r.data);
	fetch_result_release(&r);
	o.max_redirects = 0;
	assert_int_equal(get("/redirect/3", &o, &r, err), FETCH_NOINPUT);
	assert_err(err, final, "redirected, and redirects are not followed");
	fetch_result_release(&r);
	free(final);
}

static void
test_redirect_loop(void **state)
{
	struct fetch_result r;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(get("/loop", NULL, &r, err), FETCH_NOINPUT);
	assert_err(err, url("/loop"), "too many redirects (more than 5)");
	assert_int_equal(r.http_code, 302);
	assert_null(r.data);
	fetch_result_release(&r);
}

/* A redirect may not leave http and https: the file is never read. */
static void
test_redirect_other_protocol(void **state)
{
	struct fetch_result r;
	char err[ERR_LEN], path[4300], *u;

	(void)state;
	assert_int_equal(get("/redirect-to?url=file:///etc/passwd", NULL, &r,
	    err), FETCH_NOINPUT);
	u = xstrdup(url("/redirect-to?url=file:///etc/passwd"));
	assert_err(err, u, "redirected to 'file:///etc/passwd': only http "
	    "and https are allowed");
	assert_null(r.data);
	assert_null(strstr(err, "root:"));
	fetch_result_release(&r);
	free(u);

	/* The same for a file we own: its marker never comes back. */
	snprintf(path, sizeof(path), "/redirect-to?url=file://%s", news_file);
	assert_int_equal(get(path, NULL, &r, err), FETCH_NOINPUT);
	assert_null(r.data);
	fetch_result_release(&r);

	snprintf(path, sizeof(path), "/redirect-to?url=ftp://127.0.0.1:%d/x",
	    srv.port);
	assert_int_equal(get(path, NULL, &r, err), FETCH_NOINPUT);
	assert_contains(err, "redirected to 'ftp://127.0.0.1:");
	fetch_result_release(&r);
}

/* A TCP socket bound to 127.0.0.1 on a port the kernel picks, its
 * address in *a. */
static int
loopback_socket(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_not_equal(fd, -1);
	assert_int_equal(bind(fd, (struct sockaddr *)a, sizeof(*a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)a, &len), 0);
	return fd;
}

/* A port nobody listens on: bound, then closed, so it is free. */
static int
closed_port(void)
{
	struct sockaddr_in a;

	close(loopback_socket(&a));
	return ntohs(a.sin_port);
}

static void
test_connection_refused(void **state)
{
	struct fetch_result r;
	char err[ERR_LEN], u[64];

	(void)state;
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/feed", closed_port());
	assert_int_equal(get(u, NULL, &r, err), FETCH_TEMPFAIL);
	assert_int_equal(r.http_code, 0);
	assert_null(r.data);
	assert_err(err, u, "cannot connect: Connection refused");
	fetch_result_release(&r);
}

/* A listening socket whose accept queue is full: the kernel drops new
 * SYNs, so a connect hangs until the connect timeout. */
static void
test_connect_timeout(void **state)
{
	struct sockaddr_in a;
	struct fetch_opts o = { .max_redirects = -1, .connect_timeout_ms = 500,
	    .timeout_ms = 5000 };
	int lfd = loopback_socket(&a), fill[4], i;
	char u[64];

	(void)state;
	assert_int_equal(listen(lfd, 0), 0);
	for (i = 0; i < 4; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		(void)connect(fill[i], (struct sockaddr *)&a, sizeof(a));
	}
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/feed", ntohs(a.sin_port));
	check_failure_time(u, &o, FETCH_TEMPFAIL, 450, 1500,
	    "cannot connect within 500 ms");
	for (i = 0; i < 4; i++)
		close(fill[i]);
	close(lfd);
}

static void
test_unknown_host(void **state)
{
	struct fetch_result r;
	struct fetch_opts o = { .max_redirects = -1,
	    .connect_timeout_ms = 2000 };
	char err[ERR_LEN];
	long t0 = now_ms();

	(void)state;
	assert_int_equal(get("http://nosuch.invalid/feed", &o, &r, err),
	    FETCH_TEMPFAIL);
	assert_in_range(now_ms() - t0, 0, 3000);
	assert_contains(err, "'http://nosuch.invalid/feed': ");
	print_message("%s\n", err);
	fetch_result_release(&r);
}

static void
check_noinput(const char *u, const char *problem)
{
	struct fetch_result r;
	char err[ERR_LEN];

	assert_int_equal(get(u, NULL, &r, err), FETCH_NOINPUT);
	assert_err(err, u, problem);
	assert_null(r.data);
	fetch_result_release(&r);
}

static void
test_not_http(void **state)
{
	const char *no = "unsupported protocol: only http and https are "
	    "fetched";

	(void)state;
	check_noinput("ftp://x", no);
	check_noinput("file:///etc/passwd", no);
	check_noinput("gopher://127.0.0.1/", no);
	check_noinput("feed.xml", no);
	check_noinput("http://", "malformed URL");
	check_noinput("http://exa mple.org/", "malformed URL");
}

/* A password in the URL stays out of the message. */
static void
test_password_not_shown(void **state)
{
	struct fetch_result r;
	char err[ERR_LEN], u[128];

	(void)state;
	snprintf(u, sizeof(u), "http://reader:s3cret@127.0.0.1:%d/status/500",
	    srv.port);
	assert_int_equal(get(u, NULL, &r, err), FETCH_TEMPFAIL);
	assert_null(strstr(err, "s3cret"));
	snprintf(u, sizeof(u), "http://reader@127.0.0.1:%d/status/500",
	    srv.port);
	assert_err(err, u, "HTTP 500 Internal Server Error");
	fetch_result_release(&r);
}

static void
check_charset(const char *ctype, const char *want)
{
	struct fetch_result r;
	char err[ERR_LEN], path[256];
	char *q = curl_easy_escape(NULL, ctype, 0);

	snprintf(path, sizeof(path), "/feed?ctype=%s", q);
	curl_free(q);
	assert_int_equal(get(path, NULL, &r, err), FETCH_OK);
	assert_string_equal(r.content_type, ctype);
	if (want == NULL)
		assert_null(r.charset);
	else
		assert_string_equal(r.charset, want);
	fetch_result_release(&r);
}

static void
test_charset(void **state)
{
	(void)state;
	check_charset("application/rss+xml; charset=ISO-8859-1",
	    "ISO-8859-1");
	check_charset("text/xml;charset=\"windows-1252\"", "windows-1252");
	check_charset("text/xml; format=flowed; CHARSET = koi8-r; x=y",
	    "koi8-r");
	check_charset("text/xml; xcharset=utf-8", NULL);
	check_charset("application/xml", NULL);
	check_charset("text/xml; charset=", NULL);
	check_charset("text/xml; charset=\"bad name\"", NULL);
}

/* /files/NAME: what the integrator's ingest tests use. */
static void
test_served_file(void **state)
{
	struct fetch_result r;
	struct fetch_opts o = { .max_redirects = -1 };
	struct timespec mtime[2] = { { 0, 0 }, { 0, 0 } };
	char err[ERR_LEN], *etag;
	FILE *f;

	(void)state;
	assert_int_equal(get("/files/news.rss", NULL, &r, err), FETCH_OK);
	assert_contains(r.data, "<title>one</title>");
	assert_string_equal(r.content_type, "application/rss+xml");
	assert_non_null(r.etag);
	assert_true(r.last_modified > 0);
	etag = xstrdup(r.etag);
	o.etag = etag;
	o.last_modified = r.last_modified;
	fetch_result_release(&r);
	assert_int_equal(get("/files/news.rss", &o, &r, err),
	    FETCH_NOT_MODIFIED);
	fetch_result_release(&r);

	/* A changed file has a new ETag, so the same request gets it, even
	 * when its Last-Modified is the same second (no newer than the
	 * If-Modified-Since sent beside the ETag). */
	assert_non_null(f = fopen(news_file, "w"));
	fputs("<rss version=\"2.0\"><channel><title>two, longer</title>"
	    "</channel></rss>\n", f);
	fclose(f);
	mtime[0].tv_sec = mtime[1].tv_sec = (time_t)o.last_modified;
	assert_int_equal(utimensat(AT_FDCWD, news_file, mtime, 0), 0);
	assert_int_equal(get("/files/news.rss", &o, &r, err), FETCH_OK);
	assert_contains(r.data, "<title>two, longer</title>");
	assert_string_not_equal(r.etag, etag);
	fetch_result_release(&r);
	free(etag);

	assert_int_equal(get("/files/missing.rss", NULL, &r, err),
	    FETCH_NOINPUT);
	fetch_result_release(&r);
	assert_int_equal(get("/files/..%2Fnews.rss", NULL, &r, err),
	    FETCH_NOINPUT);
	fetch_result_release(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_url),
		cmocka_unit_test(test_private_addresses),
		cmocka_unit_test(test_private_name_refused),
		cmocka_unit_test(test_conditional_get),
		cmocka_unit_test(test_etag_lower_case),
		cmocka_unit_test(test_request_headers),
		cmocka_unit_test(test_content_encoding),
		cmocka_unit_test(test_http_errors),
		cmocka_unit_test(test_slow_body),
		cmocka_unit_test(test_stalled_body),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_cap_boundary),
		cmocka_unit_test(test_redirect_chain),
		cmocka_unit_test(test_redirect_loop),
		cmocka_unit_test(test_redirect_other_protocol),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test(test_connect_timeout),
		cmocka_unit_test(test_unknown_host),
		cmocka_unit_test(test_not_http),
		cmocka_unit_test(test_password_not_shown),
		cmocka_unit_test(test_charset),
		cmocka_unit_test(test_served_file),
	};

	if (access(HTTPD_PYTHON, X_OK) != 0) {
		printf("skip: %s not found\n", HTTPD_PYTHON);
		return 77;
	}
	return cmocka_run_group_tests(tests, server_start, server_stop);
}
