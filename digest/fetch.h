/*
 * fetch: one HTTP(S) GET through libcurl, as a feed reader must do it.
 *
 * Only http and https (redirects included), connect and total timeouts, a
 * bounded number of redirects, a size cap enforced while receiving, any
 * Content-Encoding libcurl knows (gzip, deflate), and conditional GET: the
 * caller passes the ETag and Last-Modified it remembered, and a 304 comes
 * back as not_modified, not as an error.
 *
 * A fetch cannot be turned against the host it runs on: a connection to
 * a loopback, private, link-local or unique-local address is refused
 * (the check is on the address libcurl is about to connect to, for every
 * connection, redirects included, so neither a redirect nor a name that
 * resolves to 127.0.0.1 gets through), unless the caller allows private
 * addresses, or the address is the one the URL itself names literally
 * (http://127.0.0.1:8080/feed: the operator typed it).
 */
#ifndef DIGEST_FETCH_H
#define DIGEST_FETCH_H

#include <stddef.h>
#include <stdint.h>

struct fetch_opts {
	long connect_timeout_ms;	/* 0 = 10 s */
	long timeout_ms;		/* whole transfer; 0 = 60 s */
	long max_redirects;		/* negative = default 5; 0 = none */
	size_t max_bytes;		/* decoded body; 0 = FEED_MAX_BYTES */
	const char *etag;		/* from the last fetch, or NULL */
	int64_t last_modified;		/* from the last fetch, or 0 */
	const char *user_agent;		/* NULL = "digest/VERSION" */
	long stall_timeout_s;		/* abandon a transfer slower than
					 * FETCH_LOW_SPEED bytes/s for this
					 * long; 0 = 30 s */
	int allow_private;		/* 1: private addresses too
					 * (fetch_private = yes) */
	int untrusted_url;		/* 1: the URL came from a file, not
					 * from the operator (an OPML
					 * import): even the address it
					 * names literally must be public */
};

#define FETCH_LOW_SPEED 64	/* bytes per second, see stall_timeout_s */

enum fetch_status {
	FETCH_OK = 0,
	FETCH_NOT_MODIFIED,	/* 304: nothing new */
	FETCH_TEMPFAIL,		/* timeout, connection, DNS, 5xx, 408,
				 * 429 */
	FETCH_NOINPUT,		/* 4xx other than 408 and 429, a bad or
				 * non-http(s) URL, a redirect loop, a
				 * redirect to another protocol, or an
				 * address refused as private */
	FETCH_TOOBIG,		/* over max_bytes */
};

struct fetch_result {
	long http_code;		/* of the final response; 0 when none */
	char *data;		/* owned, NUL-terminated; set on FETCH_OK only
				 * (never NULL then) */
	size_t len;
	char *content_type;	/* owned; may be NULL */
	char *charset;		/* owned, from content_type; may be NULL */
	char *etag;		/* owned; may be NULL */
	int64_t last_modified;	/* 0 when the server sent none */
	char *final_url;	/* owned; after redirects; may be NULL */
};

/*
 * Fetches url into r, which is overwritten (release a previous result
 * first). Returns FETCH_OK or FETCH_NOT_MODIFIED, or another status with
 * one line in err naming the URL (its password left out) and the problem.
 * The ETag is taken from the final response only, after redirects. On
 * FETCH_NOT_MODIFIED, etag and last_modified are what the server repeated
 * or else the values given in o, so the caller can always store r's.
 * Whatever the status, the caller releases r.
 */
enum fetch_status fetch_url(const char *url, const struct fetch_opts *o,
    struct fetch_result *r, char *err);
void fetch_result_release(struct fetch_result *r);

/* 1 when s is an http:// or https:// URL (what ingest fetches), else 0. */
int fetch_is_url(const char *s);

/* 0 when url is a URL fetch_url would try (http or https, a host, no
 * white space or control characters), else -1 with err. */
int fetch_url_check(const char *url, char *err);

/* 1 when sa is an address a fetch refuses unless allowed: loopback,
 * unspecified, private (RFC 1918, 100.64/10), link-local, unique-local
 * (fc00::/7), site-local, and IPv4 ones of those inside IPv6 (mapped,
 * compatible, NAT64, 6to4); else 0. */
struct sockaddr;
int fetch_address_private(const struct sockaddr *sa);

/* Must be called before any fetch, while the program has one thread
 * (curl_global_init); later calls do nothing. */
void fetch_global_init(void);

#endif
