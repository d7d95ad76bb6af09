#include "fetch.h"
#include "buf.h"
#include "charset.h"
#include "feed.h"
#include "util.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* What the callbacks gather during one transfer. A new status line resets
 * the per-response parts, so that after redirects they describe the final
 * response only. */
struct fetch_xfer {
	struct buf body;	/* decoded body, capped at max_bytes */
	int toobig;		/* the write callback refused bytes */
	char etag[FETCH_ETAG_MAX + 1];
	char reason[FETCH_REASON_MAX + 1];
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
	return rc;
}

/* If-None-Match from o->etag, If-Modified-Since from o->last_modified.
 * *hdrs receives the header list; caller frees it with
 * curl_slist_free_all after the transfer. */
static CURLcode
fetch_setup_conditional(CURL *h, const struct fetch_opts *o,
    struct curl_slist **hdrs)
{
	CURLcode rc = CURLE_OK;
	char line[FETCH_ETAG_MAX + 32];
	struct curl_slist *l;

	*hdrs = NULL;
	if (o->etag != NULL && fetch_etag_valid(o->etag, strlen(o->etag))) {
		(void)snprintf(line, sizeof(line), "If-None-Match: %s",
		    o->etag);
		if ((l = curl_slist_append(NULL, line)) == NULL)
			return CURLE_OUT_OF_MEMORY;
		*hdrs = l;
		FETCH_SETOPT(&rc, h, CURLOPT_HTTPHEADER, l);
	}
	if (o->last_modified > 0) {
		FETCH_SETOPT(&rc, h, CURLOPT_TIMECONDITION,
		    (long)CURL_TIMECOND_IFMODSINCE);
		FETCH_SETOPT(&rc, h, CURLOPT_TIMEVALUE_LARGE,
		    (curl_off_t)o->last_modified);
	}
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
