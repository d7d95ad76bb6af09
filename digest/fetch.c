#include "fetch.h"
#include "buf.h"
#include "charset.h"
#include "feed.h"
#include "util.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FETCH_CONNECT_TIMEOUT_MS 10000L
#define FETCH_TIMEOUT_MS 60000L
#define FETCH_STALL_TIMEOUT_S 30L
#define FETCH_MAX_REDIRECTS 5L
#define FETCH_PROTOCOLS "http,https"
#define FETCH_ETAG_MAX 512	/* longer ETags are ignored, not truncated */
#define FETCH_REASON_MAX 64

/* DIGEST_URL (the project's home page) goes into the User-Agent when the
 * build defines it, as crawlers do: "digest/0.1.0 (+https://...)". */
#ifdef DIGEST_URL
#define FETCH_USER_AGENT "digest/" DIGEST_VERSION " (+" DIGEST_URL ")"
#else
#define FETCH_USER_AGENT "digest/" DIGEST_VERSION
#endif

/* Sets one option unless an earlier one failed; *rc keeps the first
 * failure, so a run of settings is checked once. */
#define FETCH_SETOPT(rc, h, opt, val) do { \
	if (*(rc) == CURLE_OK) \
		*(rc) = curl_easy_setopt((h), (opt), (val)); \
} while (0)

/* Which addresses a transfer may connect to (fetch_open_socket). */
struct fetch_guard {
	int allow_private;
	int have_literal;		/* the URL names this address */
	struct sockaddr_storage literal;
	char refused[INET6_ADDRSTRLEN];	/* the last address refused */
};

/* What the callbacks gather during one transfer. A new status line resets
 * the per-response parts, so that after redirects they describe the final
 * response only. */
struct fetch_xfer {
	struct buf body;	/* decoded body, capped at max_bytes */
	int toobig;		/* the write callback refused bytes */
	char etag[FETCH_ETAG_MAX + 1];
	char reason[FETCH_REASON_MAX + 1];
	struct fetch_guard guard;
};

/* The limits that apply to one call: o's values with defaults filled in. */
struct fetch_limits {
	long connect_timeout_ms;
	long timeout_ms;
	long stall_timeout_s;
	long max_redirects;
	size_t max_bytes;
};

static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void
fetch_global_init_once(void)
{
	(void)curl_global_init(CURL_GLOBAL_DEFAULT);
}

void
fetch_global_init(void)
{
	(void)pthread_once(&fetch_once, fetch_global_init_once);
}

int
fetch_is_url(const char *s)
{
	return s != NULL && (strncasecmp(s, "http://", 7) == 0 ||
	    strncasecmp(s, "https://", 8) == 0);
}

int
fetch_url_check(const char *url, char *err)
{
	CURLU *u;
	char *host = NULL;
	const char *p;
	int ok;

	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return util_err(err, "invalid URL '%s': white space or a "
			    "control character", url);
	if (!fetch_is_url(url))
		return util_err(err, "invalid URL '%s': only http and https "
		    "are fetched", url);
	u = curl_url();
	ok = u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    *host != '\0';
	curl_free(host);
	curl_url_cleanup(u);
	return ok ? 0 : util_err(err, "invalid URL '%s'", url);
}

void
fetch_result_release(struct fetch_result *r)
{
	free(r->data);
	free(r->content_type);
	free(r->charset);
	free(r->etag);
	free(r->final_url);
	memset(r, 0, sizeof(*r));
}

static void
fetch_limits_init(struct fetch_limits *l, const struct fetch_opts *o)
{
	l->connect_timeout_ms = o->connect_timeout_ms > 0 ?
	    o->connect_timeout_ms : FETCH_CONNECT_TIMEOUT_MS;
	l->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : FETCH_TIMEOUT_MS;
	l->stall_timeout_s = o->stall_timeout_s > 0 ?
	    o->stall_timeout_s : FETCH_STALL_TIMEOUT_S;
	l->max_redirects = o->max_redirects >= 0 ?
	    o->max_redirects : FETCH_MAX_REDIRECTS;
	l->max_bytes = o->max_bytes > 0 ? o->max_bytes : FEED_MAX_BYTES;
}

/*
 * The URL as it may appear in a message: as given, unless it carries a
 * password (https://user:secret@host/feed), which is left out. Writes
 * into out (always NUL-terminated).
 */
static void
fetch_url_display(const char *url, char *out, size_t outlen)
{
	CURLU *u = curl_url();
	char *pass = NULL, *s = NULL;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url,
	    CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
		(void)snprintf(out, outlen, "%s", s);
	else
		(void)snprintf(out, outlen, "%s", url);
	curl_free(pass);
	curl_free(s);
	curl_url_cleanup(u);
}

/* An ETag worth keeping and sending back: printable ASCII, no spaces (RFC
 * 9110 entity-tag), not empty, not absurdly long. */
static int
fetch_etag_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > FETCH_ETAG_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* Trims spaces, tabs and the line end from both ends of [*s, *s+*len). */
static void
fetch_trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && strchr(" \t\r\n", (*s)[*len - 1]) != NULL)
		(*len)--;
}

/* When the header line [p, p+len) is "name: value" (name compared without
 * case), points *value at the trimmed value and returns 1. */
static int
fetch_header_value(const char *p, size_t len, const char *name,
    const char **value, size_t *vlen)
{
	size_t n = strlen(name);

	if (len <= n || p[n] != ':' || strncasecmp(p, name, n) != 0)
		return 0;
	*value = p + n + 1;
	*vlen = len - n - 1;
	fetch_trim(value, vlen);
	return 1;
}

/* Copies the reason phrase of a status line ("HTTP/1.1 500 Internal Server
 * Error") into reason, keeping printable ASCII only. */
static void
fetch_status_reason(const char *p, size_t len, char *reason)
{
	const char *sp = memchr(p, ' ', len);
	size_t i, n = 0;

	reason[0] = '\0';
	if (sp == NULL || (sp = memchr(sp + 1, ' ', len - (size_t)(sp + 1 - p)))
	    == NULL)
		return;	/* HTTP/2 and HTTP/3 have no reason phrase */
	len -= (size_t)(sp + 1 - p);
	p = sp + 1;
	fetch_trim(&p, &len);
	for (i = 0; i < len && n < FETCH_REASON_MAX; i++)
		if (p[i] >= 0x20 && p[i] < 0x7f)
			reason[n++] = p[i];
	reason[n] = '\0';
}

/* CURLOPT_HEADERFUNCTION: one header line at a time, of every response
 * (redirects and 1xx included). */
static size_t
fetch_header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct fetch_xfer *x = arg;
	size_t len = size * n, vlen;
	const char *v;

	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		x->etag[0] = '\0';
		/* libcurl 7.88 drops the bodies of redirects it follows; this
		 * keeps the body the final response's if one ever slips by. */
		buf_truncate(&x->body, 0);
		fetch_status_reason(p, len, x->reason);
	} else if (fetch_header_value(p, len, "etag", &v, &vlen) &&
	    fetch_etag_valid(v, vlen)) {
		memcpy(x->etag, v, vlen);
		x->etag[vlen] = '\0';
	}
	return len;
}

/* CURLOPT_WRITEFUNCTION: gets the body after Content-Encoding decoding, so
 * the cap holds for a small gzip that expands without end. */
static size_t
fetch_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct fetch_xfer *x = arg;

	if (buf_append(&x->body, p, size * n) == -1) {
		x->toobig = 1;
		return 0;	/* curl stops with CURLE_WRITE_ERROR */
	}
	return size * n;
}

/* An IPv4 address (network order bytes) a fetch refuses: 0/8, 10/8,
 * 100.64/10 (carrier-grade NAT), 127/8, 169.254/16, 172.16/12,
 * 192.168/16. */
static int
fetch_v4_private(const unsigned char *a)
{
	return a[0] == 0 || a[0] == 10 || a[0] == 127 ||
	    (a[0] == 100 && (a[1] & 0xc0) == 64) ||
	    (a[0] == 169 && a[1] == 254) ||
	    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	    (a[0] == 192 && a[1] == 168);
}

static int
fetch_v6_private(const unsigned char *a)
{
	static const unsigned char mapped[12] =
	    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char nat64[12] =
	    { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char zero[12];

	if ((a[0] & 0xfe) == 0xfc ||			/* fc00::/7 */
	    (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||	/* fe80::/10 */
	    (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0))	/* fec0::/10 */
		return 1;
	/* ::, ::1 and the IPv4-compatible ::a.b.c.d, mapped ::ffff:a.b.c.d
	 * and NAT64 64:ff9b::a.b.c.d carry an IPv4 address to judge. */
	if (memcmp(a, zero, 12) == 0 || memcmp(a, mapped, 12) == 0 ||
	    memcmp(a, nat64, 12) == 0)
		return fetch_v4_private(a + 12);
	if (a[0] == 0x20 && a[1] == 0x02)		/* 6to4 2002::/16 */
		return fetch_v4_private(a + 2);
	return 0;
}

int
fetch_address_private(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return fetch_v4_private((const unsigned char *)
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr);
	if (sa->sa_family == AF_INET6)
		return fetch_v6_private(((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr.s6_addr);
	return 1;	/* not an internet address: never for a feed */
}

/* 1 when a and b are the same address (ports aside). */
static int
fetch_same_address(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)(const void *)a)->
		    sin_addr, &((const struct sockaddr_in *)(const void *)b)->
		    sin_addr, sizeof(struct in_addr)) == 0;
	return a->sa_family == AF_INET6 &&
	    memcmp(&((const struct sockaddr_in6 *)(const void *)a)->sin6_addr,
	    &((const struct sockaddr_in6 *)(const void *)b)->sin6_addr,
	    sizeof(struct in6_addr)) == 0;
}

/* The address the URL's host names literally ("127.0.0.1", "[::1]"), into
 * g; names and other spellings (2130706433, 0x7f.1) are not literal. */
static void
fetch_guard_literal(struct fetch_guard *g, const char *url)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)(void *)&g->literal;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)(void *)&g->literal;
	CURLU *u = curl_url();
	char *host = NULL, ip[INET6_ADDRSTRLEN + 2];
	size_t n;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    (n = strlen(host)) < sizeof(ip)) {
		if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
			memcpy(ip, host + 1, n - 2);
			ip[n - 2] = '\0';
		} else {
			memcpy(ip, host, n + 1);
		}
		if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
			v4->sin_family = AF_INET;
			g->have_literal = 1;
		} else if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
			v6->sin6_family = AF_INET6;
			g->have_literal = 1;
		}
	}
	curl_free(host);
	curl_url_cleanup(u);
}

/*
 * CURLOPT_OPENSOCKETFUNCTION: libcurl asks for a socket for each address
 * it is about to connect to, the first request's and every redirect's,
 * each address of a name it tries included. A refused one gets no socket,
 * so libcurl tries the next address or fails with COULDNT_CONNECT.
 */
static curl_socket_t
fetch_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct fetch_guard *g = arg;
	const struct sockaddr *sa = &addr->addr;

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	if (!g->allow_private && fetch_address_private(sa) &&
	    !(g->have_literal &&
	    fetch_same_address(sa, (const struct sockaddr *)&g->literal))) {
		const void *in = sa->sa_family == AF_INET6 ?
		    (const void *)&((const struct sockaddr_in6 *)(const void *)
		    sa)->sin6_addr : sa->sa_family == AF_INET ? (const void *)
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr :
		    NULL;

		if (in == NULL || inet_ntop(sa->sa_family, in, g->refused,
		    sizeof(g->refused)) == NULL)
			(void)snprintf(g->refused, sizeof(g->refused), "?");
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype | SOCK_CLOEXEC,
	    addr->protocol);
}

/* The host part of url, for a message; writes into out. */
static void
fetch_url_host(const char *url, char *out, size_t outlen)
{
	CURLU *u = curl_url();
	char *host = NULL;

	out[0] = '\0';
	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		(void)snprintf(out, outlen, "%s", host);
	curl_free(host);
	curl_url_cleanup(u);
}

/* The protocol, redirect, time and size limits. */
static CURLcode
fetch_setup_limits(CURL *h, const struct fetch_limits *l)
{
	CURLcode rc = CURLE_OK;

	FETCH_SETOPT(&rc, h, CURLOPT_PROTOCOLS_STR, FETCH_PROTOCOLS);
	FETCH_SETOPT(&rc, h, CURLOPT_REDIR_PROTOCOLS_STR, FETCH_PROTOCOLS);
	FETCH_SETOPT(&rc, h, CURLOPT_FOLLOWLOCATION, 1L);
	FETCH_SETOPT(&rc, h, CURLOPT_MAXREDIRS, l->max_redirects);
	FETCH_SETOPT(&rc, h, CURLOPT_CONNECTTIMEOUT_MS, l->connect_timeout_ms);
	FETCH_SETOPT(&rc, h, CURLOPT_TIMEOUT_MS, l->timeout_ms);
	FETCH_SETOPT(&rc, h, CURLOPT_LOW_SPEED_LIMIT, (long)FETCH_LOW_SPEED);
	FETCH_SETOPT(&rc, h, CURLOPT_LOW_SPEED_TIME, l->stall_timeout_s);
	/* Honest Content-Length: refused before the body is read. */
	FETCH_SETOPT(&rc, h, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)l->max_bytes);
	return rc;
}

/* Everything else that is the same for every fetch. */
static CURLcode
fetch_setup_transfer(CURL *h, const char *url, const struct fetch_opts *o,
    struct fetch_xfer *x, char *errbuf)
{
	CURLcode rc = CURLE_OK;

	FETCH_SETOPT(&rc, h, CURLOPT_URL, url);
	FETCH_SETOPT(&rc, h, CURLOPT_ERRORBUFFER, errbuf);
	FETCH_SETOPT(&rc, h, CURLOPT_NOSIGNAL, 1L);
	FETCH_SETOPT(&rc, h, CURLOPT_VERBOSE, 0L);
	FETCH_SETOPT(&rc, h, CURLOPT_FAILONERROR, 0L);
	FETCH_SETOPT(&rc, h, CURLOPT_ACCEPT_ENCODING, "");
	FETCH_SETOPT(&rc, h, CURLOPT_USERAGENT,
	    o->user_agent != NULL ? o->user_agent : FETCH_USER_AGENT);
	FETCH_SETOPT(&rc, h, CURLOPT_FILETIME, 1L);
	FETCH_SETOPT(&rc, h, CURLOPT_HEADERFUNCTION, fetch_header_cb);
	FETCH_SETOPT(&rc, h, CURLOPT_HEADERDATA, x);
	FETCH_SETOPT(&rc, h, CURLOPT_WRITEFUNCTION, fetch_write_cb);
	FETCH_SETOPT(&rc, h, CURLOPT_WRITEDATA, x);
	FETCH_SETOPT(&rc, h, CURLOPT_OPENSOCKETFUNCTION, fetch_open_socket);
	FETCH_SETOPT(&rc, h, CURLOPT_OPENSOCKETDATA, &x->guard);
	return rc;
}

/* If-None-Match from o->etag, If-Modified-Since from o->last_modified.
 * With an ETag, If-Modified-Since is a plain header: libcurl's time
 * condition would also drop a 200 whose Last-Modified is no newer, and
 * a 200 to If-None-Match is a changed document (edited within the same
 * second, or a feed dated by its newest item). Without one, the time
 * condition also catches a server that ignores If-Modified-Since.
 * *hdrs receives the header list; caller frees it with
 * curl_slist_free_all after the transfer. */
static CURLcode
fetch_setup_conditional(CURL *h, const struct fetch_opts *o,
    struct curl_slist **hdrs)
{
	CURLcode rc = CURLE_OK;
	char line[FETCH_ETAG_MAX + 32];
	struct curl_slist *l;
	time_t t = (time_t)o->last_modified;
	struct tm tm;

	*hdrs = NULL;
	if (o->etag != NULL && fetch_etag_valid(o->etag, strlen(o->etag))) {
		(void)snprintf(line, sizeof(line), "If-None-Match: %s",
		    o->etag);
		if ((l = curl_slist_append(NULL, line)) == NULL)
			return CURLE_OUT_OF_MEMORY;
		*hdrs = l;
	}
	if (o->last_modified > 0 && *hdrs != NULL) {
		if (gmtime_r(&t, &tm) != NULL && strftime(line, sizeof(line),
		    "If-Modified-Since: %a, %d %b %Y %H:%M:%S GMT", &tm) > 0) {
			if ((l = curl_slist_append(*hdrs, line)) == NULL)
				return CURLE_OUT_OF_MEMORY;
			*hdrs = l;
		}
	} else if (o->last_modified > 0) {
		FETCH_SETOPT(&rc, h, CURLOPT_TIMECONDITION,
		    (long)CURL_TIMECOND_IFMODSINCE);
		FETCH_SETOPT(&rc, h, CURLOPT_TIMEVALUE_LARGE,
		    (curl_off_t)o->last_modified);
	}
	if (*hdrs != NULL)
		FETCH_SETOPT(&rc, h, CURLOPT_HTTPHEADER, *hdrs);
	return rc;
}

/* The Content-Type's charset parameter, or NULL: returns an allocated
 * string; caller frees. Only a plausible encoding name is kept. */
static char *
fetch_content_type_charset(const char *ct)
{
	const char *p = ct, *v;
	size_t n;
	int quoted;
	char end;

	while ((p = strchr(p, ';')) != NULL) {
		p += strspn(p + 1, " \t") + 1;
		if (strncasecmp(p, "charset", 7) != 0)
			continue;
		v = p + 7 + strspn(p + 7, " \t");
		if (*v != '=')
			continue;
		v += 1 + strspn(v + 1, " \t");
		quoted = *v == '"';
		v += quoted;
		n = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-_.:+()");
		end = v[n];
		if (n == 0 || n >= CHARSET_NAME_MAX || (quoted ? end != '"' :
		    end != '\0' && end != ';' && end != ' ' && end != '\t'))
			return NULL;
		return xstrndup(v, n);
	}
	return NULL;
}

/* Copies what the final response said into r: code, URL, type, validators.
 * The strings are allocated for r. */
static void
fetch_result_fill(CURL *h, const struct fetch_xfer *x, struct fetch_result *r)
{
	char *s = NULL;
	curl_off_t t = -1;

	(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->http_code);
	if (curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &s) == CURLE_OK &&
	    s != NULL)
		r->final_url = xstrdup(s);
	s = NULL;
	if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &s) == CURLE_OK &&
	    s != NULL) {
		r->content_type = xstrdup(s);
		r->charset = fetch_content_type_charset(s);
	}
	if (x->etag[0] != '\0')
		r->etag = xstrdup(x->etag);
	if (curl_easy_getinfo(h, CURLINFO_FILETIME_T, &t) == CURLE_OK && t > 0)
		r->last_modified = (int64_t)t;
}

/* Status and message for an HTTP response that curl completed. */
static enum fetch_status
fetch_http_status(CURL *h, const struct fetch_xfer *x,
    const struct fetch_result *r, const char *shown, char *err)
{
	long code = r->http_code, unmet = 0;

	(void)curl_easy_getinfo(h, CURLINFO_CONDITION_UNMET, &unmet);
	if (code == 304 || unmet)
		return FETCH_NOT_MODIFIED;
	if (code >= 200 && code < 300)
		return FETCH_OK;
	(void)util_err(err, "'%s': HTTP %ld%s%s", shown, code,
	    x->reason[0] != '\0' ? " " : "", x->reason);
	if (code == 408 || code == 429 || code >= 500)
		return FETCH_TEMPFAIL;
	return FETCH_NOINPUT;
}

/* Which limit a CURLE_OPERATION_TIMEDOUT hit, told apart by the clock:
 * curl reports all three with the same code. */
static void
fetch_timeout_err(CURL *h, const struct fetch_limits *l, const char *shown,
    char *err)
{
	curl_off_t connected = 0, total = 0;

	(void)curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connected);
	(void)curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &total);
	if (connected == 0 && total / 1000 < l->timeout_ms)
		(void)util_err(err, "'%s': cannot connect within %ld ms",
		    shown, l->connect_timeout_ms);
	else if (total / 1000 + 500 < l->timeout_ms)
		(void)util_err(err, "'%s': stalled: under %d bytes/s for %ld s",
		    shown, FETCH_LOW_SPEED, l->stall_timeout_s);
	else
		(void)util_err(err, "'%s': timed out after %ld ms", shown,
		    l->timeout_ms);
}

/* A connection the guard refused: which URL (a redirect's, when it was
 * one), its host and the address. */
static enum fetch_status
fetch_refused_err(CURL *h, const struct fetch_xfer *x, const char *shown,
    char *err)
{
	char *now = NULL, target[ERR_LEN], host[256], what[512];

	(void)curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &now);
	fetch_url_display(now != NULL ? now : "", target, sizeof(target));
	fetch_url_host(now != NULL ? now : "", host, sizeof(host));
	/* The issue's own words, for a name and an address alike. */
	(void)snprintf(what, sizeof(what), "'%s' resolves to a private "
	    "address (%s)", host, x->guard.refused);
	if (now != NULL && strcmp(target, shown) != 0)
		(void)util_err(err, "'%s': redirected to '%s': %s; allow with "
		    "fetch_private = yes", shown, target, what);
	else
		(void)util_err(err, "'%s': %s; allow with fetch_private = yes",
		    shown, what);
	return FETCH_NOINPUT;
}

/* Status and message for a transfer curl did not complete. */
static enum fetch_status
fetch_curl_status(CURL *h, CURLcode rc, const struct fetch_xfer *x,
    const struct fetch_limits *l, const char *errbuf, const char *shown,
    char *err)
{
	const char *why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
	char *next = NULL, target[ERR_LEN];
	long oserr = 0;

	switch (rc) {
	case CURLE_WRITE_ERROR:
		if (!x->toobig)
			break;
		/* FALLTHROUGH */
	case CURLE_FILESIZE_EXCEEDED:
		(void)util_err(err, "'%s': larger than %zu bytes", shown,
		    l->max_bytes);
		return FETCH_TOOBIG;
	case CURLE_OPERATION_TIMEDOUT:
		fetch_timeout_err(h, l, shown, err);
		return FETCH_TEMPFAIL;
	case CURLE_TOO_MANY_REDIRECTS:
		if (l->max_redirects == 0)
			(void)util_err(err, "'%s': redirected, and redirects "
			    "are not followed", shown);
		else
			(void)util_err(err, "'%s': too many redirects (more "
			    "than %ld)", shown, l->max_redirects);
		return FETCH_NOINPUT;
	case CURLE_UNSUPPORTED_PROTOCOL:
		(void)curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &next);
		if (next == NULL)
			(void)curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL,
			    &next);
		fetch_url_display(next != NULL ? next : "", target,
		    sizeof(target));
		(void)util_err(err, "'%s': redirected to '%s': only http and "
		    "https are allowed", shown, target);
		return FETCH_NOINPUT;
	case CURLE_URL_MALFORMAT:
		(void)util_err(err, "'%s': malformed URL", shown);
		return FETCH_NOINPUT;
	case CURLE_COULDNT_RESOLVE_HOST:
		(void)util_err(err, "'%s': cannot resolve the host name", shown);
		return FETCH_TEMPFAIL;
	case CURLE_COULDNT_CONNECT:
		if (x->guard.refused[0] != '\0')
			return fetch_refused_err(h, x, shown, err);
		if (curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr) ==
		    CURLE_OK && oserr != 0)
			why = strerror((int)oserr);
		(void)util_err(err, "'%s': cannot connect: %s", shown, why);
		return FETCH_TEMPFAIL;
	default:
		break;
	}
	(void)util_err(err, "'%s': %s", shown, why);
	return FETCH_TEMPFAIL;
}

/* The body goes to r on FETCH_OK; on a 304 the validators the caller
 * gave stand in for those the server did not repeat. */
static void
fetch_result_finish(enum fetch_status st, const struct fetch_opts *o,
    struct fetch_xfer *x, struct fetch_result *r)
{
	if (st == FETCH_OK)
		r->data = buf_detach(&x->body, &r->len);
	if (st != FETCH_NOT_MODIFIED)
		return;
	if (r->etag == NULL && o->etag != NULL)
		r->etag = xstrdup(o->etag);
	if (r->last_modified == 0)
		r->last_modified = o->last_modified;
}

enum fetch_status
fetch_url(const char *url, const struct fetch_opts *o, struct fetch_result *r,
    char *err)
{
	char shown[ERR_LEN], errbuf[CURL_ERROR_SIZE] = "";
	struct fetch_limits l;
	struct fetch_xfer x;
	struct curl_slist *hdrs = NULL;
	enum fetch_status st;
	CURLcode rc;
	CURL *h;

	memset(r, 0, sizeof(*r));
	fetch_url_display(url, shown, sizeof(shown));
	if (!fetch_is_url(url)) {
		(void)util_err(err, "'%s': unsupported protocol: only http "
		    "and https are fetched", shown);
		return FETCH_NOINPUT;
	}
	fetch_global_init();
	fetch_limits_init(&l, o);
	if ((h = curl_easy_init()) == NULL) {
		(void)util_err(err, "'%s': cannot start libcurl", shown);
		return FETCH_TEMPFAIL;
	}
	memset(&x, 0, sizeof(x));
	buf_init(&x.body, l.max_bytes);
	x.guard.allow_private = o->allow_private;
	if (!o->untrusted_url)
		fetch_guard_literal(&x.guard, url);
	rc = fetch_setup_limits(h, &l);
	if (rc == CURLE_OK)
		rc = fetch_setup_transfer(h, url, o, &x, errbuf);
	if (rc == CURLE_OK)
		rc = fetch_setup_conditional(h, o, &hdrs);
	if (rc != CURLE_OK) {
		(void)util_err(err, "'%s': cannot set up libcurl: %s", shown,
		    curl_easy_strerror(rc));
		st = FETCH_TEMPFAIL;
	} else if ((rc = curl_easy_perform(h)) == CURLE_OK) {
		fetch_result_fill(h, &x, r);
		st = fetch_http_status(h, &x, r, shown, err);
	} else {
		fetch_result_fill(h, &x, r);
		st = fetch_curl_status(h, rc, &x, &l, errbuf, shown, err);
	}
	fetch_result_finish(st, o, &x, r);
	buf_release(&x.body);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return st;
}
