/*
 * url: RFC 3986 reference resolution, as feeds need it (relative links
 * against xml:base, a channel's link or the feed's own URL).
 *
 * Strings in, an allocated string out; no state, no library behind it.
 * Written out rather than left to libxml2's xmlBuildURI(), which
 * unescapes the path ("%26" comes back as "&", "%2F" as "/") and so
 * changes the URL. Nothing is normalized: no case folding, no percent
 * decoding or encoding, no default port removed; only what section 5.2
 * says a resolver does.
 */
#ifndef DIGEST_URL_H
#define DIGEST_URL_H

/* 1 when s starts with "scheme:" (RFC 3986 3.1: a letter, then letters,
 * digits, '+', '-' or '.'), else 0. */
int url_has_scheme(const char *s);

/*
 * Returns ref resolved against base as an allocated string; caller
 * frees. RFC 3986 5.2: the strict transform of 5.2.2 (a reference with
 * a scheme is taken as it is, so "http:g" stays "http:g"), merged paths
 * as 5.2.3 merges them and dot segments removed as 5.2.4 does, which
 * gives every example of 5.4, normal and abnormal. A NULL base leaves
 * ref as it is; a base without a scheme or authority (a channel link
 * "/news") gives a result without them. The result is never longer than
 * base and ref together.
 */
char *url_resolve(const char *ref, const char *base);

#endif
