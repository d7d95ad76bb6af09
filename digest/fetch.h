/*
 * fetch: one HTTP(S) GET through libcurl, as a feed reader must do it.
 *
 * Only http and https (redirects included), connect and total timeouts, a
 * bounded number of redirects, a size cap enforced while receiving, any
 * Content-Encoding libcurl knows (gzip, deflate), and conditional GET: the
 * caller passes the ETag and Last-Modified it remembered, and a 304 comes
 * back as not_modified, not as an error.
 */
#ifndef DIGEST_FETCH_H
#define DIGEST_FETCH_H

#include <stddef.h>
#include <stdint.h>

struct fetch_opts {
	long connect_timeout_ms;	/* 0 = 10 s */
	long timeout_ms;		/* whole transfer; 0 = 60 s */
	long max_redirects;		/* -1 = default 5 */
	size_t max_bytes;		/* decoded body; 0 = FEED_MAX_BYTES */
	const char *etag;		/* from the last fetch, or NULL */
	int64_t last_modified;		/* from the last fetch, or 0 */
	const char *user_agent;		/* NULL = "digest/VERSION" */
};

enum fetch_status {
	FETCH_OK = 0,
	FETCH_NOT_MODIFIED,	/* 304: nothing new */
	FETCH_TEMPFAIL,		/* timeout, connection, DNS, 5xx, 429 */
	FETCH_NOINPUT,		/* 4xx other than 429, bad URL */
	FETCH_TOOBIG,		/* over max_bytes */
};

struct fetch_result {
	long http_code;
	char *data;		/* owned, NUL-terminated; NULL on 304 */
	size_t len;
	char *content_type;	/* owned; may be NULL */
	char *charset;		/* owned, from content_type; may be NULL */
	char *etag;		/* owned; may be NULL */
	int64_t last_modified;	/* 0 when the server sent none */
	char *final_url;	/* owned; after redirects */
};

/* Fetches url into r (zeroed by the caller). Returns FETCH_OK or
 * FETCH_NOT_MODIFIED, or another status with err set. */
enum fetch_status fetch_url(const char *url, const struct fetch_opts *o,
    struct fetch_result *r, char *err);
void fetch_result_release(struct fetch_result *r);

/* 1 when s is an http:// or https:// URL (what ingest fetches), else 0. */
int fetch_is_url(const char *s);

/* Must be called once before any fetch (curl_global_init). */
void fetch_global_init(void);

#endif
