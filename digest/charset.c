#include "charset.h"
#include "utf8.h"
#include "util.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int utf8_scan(const char *data, size_t len, int *nonascii);

static const char utf8_bom[] = "\xEF\xBB\xBF";
static const char replacement[] = "\xEF\xBF\xBD";

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* ASCII case-insensitive prefix test. */
static int
has_prefix(const char *s, const char *prefix)
{
	while (*prefix != '\0' && lower((unsigned char)*s) == *prefix) {
		s++;
		prefix++;
	}
	return *prefix == '\0';
}

static int
same_name(const char *a, const char *b)
{
	return has_prefix(a, b) && a[strlen(b)] == '\0';
}

static int
name_in(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (same_name(name, list[i]))
			return 1;
	return 0;
}

int
charset_utf8_valid(const char *data, size_t len)
{
	int nonascii;

	return utf8_scan(data, len, &nonascii);
}

int
charset_is_utf8(const char *name)
{
	static const char *const aliases[] = { "utf-8", "utf8",
	    "unicode-1-1-utf-8", "x-unicode20utf8" };

	return name != NULL && name_in(name, aliases, NELEM(aliases));
}

/* The names browsers read as windows-1252 (WHATWG Encoding). */
static int
is_latin1(const char *name)
{
	static const char *const aliases[] = { "iso-8859-1", "iso8859-1",
	    "iso_8859-1", "iso88591", "iso_8859-1:1987", "latin1", "latin-1",
	    "l1", "cp819", "ibm819", "iso-ir-100", "csisolatin1", "us-ascii",
	    "ascii", "ansi_x3.4-1968", "us", "iso646-us", "windows-1252",
	    "cp1252", "x-cp1252" };

	return name_in(name, aliases, NELEM(aliases));
}

static int
is_single_byte(const char *name)
{
	static const char *const prefixes[] = { "iso-8859-", "iso8859-",
	    "iso_8859-", "latin", "windows-125", "cp125", "koi8" };
	size_t i;

	if (is_latin1(name))
		return 1;
	for (i = 0; i < NELEM(prefixes); i++)
		if (has_prefix(name, prefixes[i]))
			return 1;
	return 0;
}

/* Encoding names are short tokens; anything else ("UTF-8//TRANSLIT",
 * a name with spaces) is refused before it reaches iconv_open. */
static int
valid_name(const char *name)
{
	size_t i;

	for (i = 0; name[i] != '\0'; i++) {
		unsigned char c = (unsigned char)name[i];

		if (i + 1 >= CHARSET_NAME_MAX || !((c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == ':'))
			return 0;
	}
	return i > 0;
}

static void
set_name(char name[CHARSET_NAME_MAX], const char *value)
{
	snprintf(name, CHARSET_NAME_MAX, "%s", value);
}

/* 1 when data is valid UTF-8; *nonascii says whether any byte >= 0x80
 * was seen. ASCII runs are skipped eight bytes at a time: this runs over
 * whole feeds before they are parsed. */
static int
utf8_scan(const char *data, size_t len, int *nonascii)
{
	size_t i = 0, k;
	uint64_t w;
	uint32_t cp;

	*nonascii = 0;
	while (i < len) {
		if (len - i >= 8) {
			memcpy(&w, data + i, 8);
			if ((w & 0x8080808080808080ULL) == 0) {
				i += 8;
				continue;
			}
		}
		if ((unsigned char)data[i] < 0x80) {
			i++;
			continue;
		}
		*nonascii = 1;
		k = utf8_decode(data + i, len - i, &cp);
		if (k == 1)
			return 0;
		i += k;
	}
	return 1;
}

/* The encoding a byte order mark (or XML's "<?" in UTF-16) gives. */
static const char *
bom_encoding(const char *data, size_t len)
{
	const unsigned char *s = (const unsigned char *)data;

	if (len >= 3 && memcmp(s, utf8_bom, 3) == 0)
		return "UTF-8";
	if (len >= 2 && s[0] == 0xFF && s[1] == 0xFE)
		return "UTF-16LE";
	if (len >= 2 && s[0] == 0xFE && s[1] == 0xFF)
		return "UTF-16BE";
	if (len >= 4 && memcmp(s, "<\0?\0", 4) == 0)
		return "UTF-16LE";
	if (len >= 4 && memcmp(s, "\0<\0?", 4) == 0)
		return "UTF-16BE";
	return NULL;
}

void
charset_decide(const char *data, size_t len, const char *declared,
    char name[CHARSET_NAME_MAX])
{
	const char *bom = bom_encoding(data, len);
	int nonascii, valid;

	if (bom != NULL) {
		set_name(name, bom);
		return;
	}
	/* A UTF-16 label on bytes without a BOM or NULs is a wrong label. */
	if (declared != NULL && has_prefix(declared, "utf-16") &&
	    memchr(data, '\0', len < 1024 ? len : 1024) == NULL)
		declared = NULL;
	if (declared != NULL && charset_is_utf8(declared)) {
		set_name(name, "UTF-8");
		return;
	}
	valid = utf8_scan(data, len, &nonascii);
	if (declared == NULL || *declared == '\0')
		set_name(name, valid ? "UTF-8" : "WINDOWS-1252");
	else if (is_single_byte(declared) && valid && nonascii)
		set_name(name, "UTF-8");
	else if (is_latin1(declared))
		set_name(name, "WINDOWS-1252");
	else
		set_name(name, declared);
}

/* The output buffer of a conversion; grows as needed. */
struct out {
	char *data;
	size_t len;
	size_t cap;
};

static void
out_put(struct out *o, const char *s, size_t n)
{
	xgrow(&o->data, &o->cap, o->len + n + 1, 1);
	memcpy(o->data + o->len, s, n);
	o->len += n;
}

/* The size of one code unit: what to skip over a sequence iconv refuses. */
static size_t
unit_size(const char *from)
{
	if (has_prefix(from, "utf-16") || has_prefix(from, "ucs-2"))
		return 2;
	if (has_prefix(from, "utf-32") || has_prefix(from, "ucs-4"))
		return 4;
	return 1;
}

static int
iconv_convert(const char *data, size_t len, const char *from, struct out *o,
    char *err)
{
	iconv_t cd = iconv_open("UTF-8", from);
	char *in = (char *)data, *dst;
	size_t inleft = len, dstleft, unit = unit_size(from), r;

	/* NOLINTNEXTLINE(performance-no-int-to-ptr): (iconv_t)-1 is iconv_open's failure value */
	if (cd == (iconv_t)-1)
		return util_err(err, "unknown encoding '%s'", from);
	xgrow(&o->data, &o->cap, len + len / 2 + 16, 1);
	while (inleft > 0) {
		dst = o->data + o->len;
		dstleft = o->cap - o->len - 1;
		r = iconv(cd, &in, &inleft, &dst, &dstleft);
		o->len = (size_t)(dst - o->data);
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG) {
			xgrow(&o->data, &o->cap, o->cap + inleft * 2 + 16, 1);
		} else if (errno == EILSEQ) {
			out_put(o, replacement, 3);
			r = unit < inleft ? unit : inleft;
			in += r;
			inleft -= r;
		} else {
			/* EINVAL: a sequence cut short by the end. */
			out_put(o, replacement, 3);
			break;
		}
	}
	/* Flush the shift state of stateful encodings. */
	xgrow(&o->data, &o->cap, o->len + 64, 1);
	dst = o->data + o->len;
	dstleft = o->cap - o->len - 1;
	iconv(cd, NULL, NULL, &dst, &dstleft);
	o->len = (size_t)(dst - o->data);
	iconv_close(cd);
	return 0;
}

int
charset_to_utf8(const char *data, size_t len, const char *from,
    char **out, size_t *outlen, char *err)
{
	char guessed[CHARSET_NAME_MAX];
	struct out o = { NULL, 0, 0 };

	if (from == NULL || *from == '\0') {
		charset_decide(data, len, NULL, guessed);
		from = guessed;
	} else if (!valid_name(from)) {
		return util_err(err, "unknown encoding '%.*s'",
		    CHARSET_NAME_MAX, from);
	} else if (is_latin1(from)) {
		from = "WINDOWS-1252";
	}
	if (charset_is_utf8(from)) {
		if (len >= 3 && memcmp(data, utf8_bom, 3) == 0) {
			data += 3;
			len -= 3;
		}
		o.data = utf8_repair(data, len, &o.len);
		o.cap = o.len + 1;
	} else if (iconv_convert(data, len, from, &o, err) == -1) {
		free(o.data);
		return -1;
	}
	xgrow(&o.data, &o.cap, o.len + 1, 1);
	/* UTF-16 and -32 with a BOM leave a U+FEFF at the start. */
	if (o.len >= 3 && memcmp(o.data, utf8_bom, 3) == 0) {
		memmove(o.data, o.data + 3, o.len - 3);
		o.len -= 3;
	}
	o.data[o.len] = '\0';
	*out = o.data;
	*outlen = o.len;
	return 0;
}

/*
 * Declarations in markup.
 */

/* Case-insensitive search for needle (lower case) in [s, s+len). */
static const char *
find_ci(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle), i, j;

	for (i = 0; i + n <= len; i++) {
		for (j = 0; j < n && lower((unsigned char)s[i + j]) == needle[j];
		    j++)
			;
		if (j == n)
			return s + i;
	}
	return NULL;
}

/* Reads `= value` or `="value"` after a parameter name at s (up to end)
 * into name: 1 when a valid encoding name was read. */
static int
read_value(const char *s, const char *end, char name[CHARSET_NAME_MAX])
{
	size_t n = 0;
	char quote = 0;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s >= end || *s != '=')
		return 0;
	s++;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s < end && (*s == '"' || *s == '\''))
		quote = *s++;
	while (s < end && n + 1 < CHARSET_NAME_MAX && (quote ? *s != quote :
	    *s != ';' && *s != ' ' && *s != '>' && *s != '"' && *s != '\'' &&
	    *s != '/'))
		name[n++] = *s++;
	name[n] = '\0';
	if (quote && (s >= end || *s != quote))
		return 0;
	return valid_name(name);
}

int
charset_html_declared(const char *data, size_t len,
    char name[CHARSET_NAME_MAX])
{
	const char *p = data, *end = data + (len < 4096 ? len : 4096), *tag,
	    *close, *cs;

	while ((tag = find_ci(p, (size_t)(end - p), "<meta")) != NULL) {
		close = memchr(tag, '>', (size_t)(end - tag));
		if (close == NULL)
			close = end;
		/* Both <meta charset=x> and content="text/html; charset=x". */
		for (cs = tag; (cs = find_ci(cs, (size_t)(close - cs),
		    "charset")) != NULL; cs += 7)
			if (read_value(cs + 7, close, name))
				return 1;
		p = close;
	}
	name[0] = '\0';
	return 0;
}

int
charset_xml_declared(const char *data, size_t len,
    char name[CHARSET_NAME_MAX])
{
	const char *s = data, *end = data + len, *close, *enc;

	if (len >= 3 && memcmp(s, utf8_bom, 3) == 0)
		s += 3;
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' ||
	    *s == '\n'))
		s++;
	name[0] = '\0';
	if (end - s < 6 || memcmp(s, "<?xml", 5) != 0)
		return 0;
	if (end - s > 1024)
		end = s + 1024;
	close = find_ci(s, (size_t)(end - s), "?>");
	enc = find_ci(s, (size_t)((close ? close : end) - s), "encoding");
	return enc != NULL && read_value(enc + 8, close ? close : end, name);
}

int
charset_from_content_type(const char *ct, char name[CHARSET_NAME_MAX])
{
	size_t len = strlen(ct);
	const char *p = ct, *end = ct + len, *semi;

	name[0] = '\0';
	while ((semi = memchr(p, ';', (size_t)(end - p))) != NULL) {
		p = semi + 1;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (has_prefix(p, "charset") && read_value(p + 7, end, name))
			return 1;
	}
	name[0] = '\0';
	return 0;
}
