/*
 * url: RFC 3986 reference resolution (url.h).
 */
#include "url.h"
#include "buf.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The length of "scheme:" at the start of s (RFC 3986 3.1), or 0. */
static size_t
scheme_len(const char *s)
{
	size_t i = 0;

	if (!is_alpha((unsigned char)s[0]))
		return 0;
	while (is_alpha((unsigned char)s[i]) || (s[i] >= '0' && s[i] <= '9') ||
	    s[i] == '+' || s[i] == '-' || s[i] == '.')
		i++;
	return s[i] == ':' ? i + 1 : 0;
}

int
url_has_scheme(const char *s)
{
	return scheme_len(s) > 0;
}

/* Drops the last segment of the output and the '/' before it. */
static void
pop_segment(struct buf *o, size_t root)
{
	size_t n = o->len;

	while (n > root && o->data[n - 1] != '/')
		n--;
	buf_truncate(o, n > root ? n - 1 : n);
}

/* Appends the path [p, p+n) with its "." and ".." segments removed, as
 * RFC 3986 5.2.4 does it. */
static void
put_path(struct buf *o, const char *p, size_t n)
{
	char *in = xstrndup(p, n), *s = in;
	size_t root = o->len, k;

	while (*s != '\0') {
		if (strncmp(s, "../", 3) == 0) {
			s += 3;
		} else if (strncmp(s, "./", 2) == 0 ||
		    strncmp(s, "/./", 3) == 0) {
			s += 2;
		} else if (strcmp(s, "/.") == 0) {
			*++s = '/';
		} else if (strncmp(s, "/../", 4) == 0 || strcmp(s, "/..") == 0) {
			if (s[3] == '\0')
				*(s += 2) = '/';
			else
				s += 3;
			pop_segment(o, root);
		} else if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0) {
			s += strlen(s);
		} else {
			k = *s == '/';
			k += strcspn(s + k, "/");
			buf_append(o, s, k);
			s += k;
		}
	}
	free(in);
}

/* A base as RFC 3986 3 cuts a URI: lengths from its start. */
struct url_base {
	size_t scheme;		/* "http:" */
	size_t auth;		/* "//host:port", or 0 */
	const char *path;
	size_t path_len;	/* up to '?' or '#' */
	size_t query_end;	/* the path and its query, up to '#' */
};

static void
url_base_split(const char *base, struct url_base *b)
{
	const char *auth;

	b->scheme = scheme_len(base);
	auth = base + b->scheme;
	b->auth = auth[0] == '/' && auth[1] == '/' ?
	    2 + strcspn(auth + 2, "/?#") : 0;
	b->path = auth + b->auth;
	b->path_len = strcspn(b->path, "?#");
	b->query_end = b->path_len + strcspn(b->path + b->path_len, "#");
}

/* RFC 3986 5.2.3: the base's path up to its last '/' ("/" when it has
 * an authority and no path), then the reference's path, with its dot
 * segments removed, appended to o. */
static void
put_merged(struct buf *o, const struct url_base *b, const char *ref,
    size_t rpath)
{
	struct buf merged;
	size_t plen = b->path_len;

	buf_init(&merged, o->max);
	if (b->auth > 0 && plen == 0)
		buf_putc(&merged, '/');
	while (plen > 0 && b->path[plen - 1] != '/')
		plen--;
	buf_append(&merged, b->path, plen);
	buf_append(&merged, ref, rpath);
	put_path(o, buf_cstr(&merged), merged.len);
	buf_release(&merged);
}

/* RFC 3986 5.2.2, for a reference without a scheme. The result is never
 * longer than base and ref together, which bounds both buffers. */
char *
url_resolve(const char *ref, const char *base)
{
	struct url_base b;
	struct buf o;
	size_t rpath;

	if (base == NULL || url_has_scheme(ref))
		return xstrdup(ref);
	url_base_split(base, &b);
	buf_init(&o, strlen(base) + strlen(ref) + 2);
	if (ref[0] == '/' && ref[1] == '/') {
		/* A network-path reference: only the scheme is the base's. */
		buf_append(&o, base, b.scheme);
		buf_puts(&o, ref);
		return buf_detach(&o, NULL);
	}
	buf_append(&o, base, b.scheme + b.auth);
	rpath = strcspn(ref, "?#");
	if (rpath == 0)	/* "", "?q" or "#f": the base's path (and query) */
		buf_append(&o, b.path, ref[0] == '#' || ref[0] == '\0' ?
		    b.query_end : b.path_len);
	else if (ref[0] == '/')
		put_path(&o, ref, rpath);
	else
		put_merged(&o, &b, ref, rpath);
	buf_puts(&o, ref + rpath);
	return buf_detach(&o, NULL);
}
