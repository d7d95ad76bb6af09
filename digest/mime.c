/*
 * mime: the message as bytes. The decisions are in mime.h.
 *
 * The message is written once, straight into the caller's buf, in space
 * reserved for an upper bound of its size (mime_message_bound): no
 * libetpan tree, no intermediate MMAPString, no copy.
 *
 * libetpan still writes the top header block: each field goes through
 * its field writer (mailimf_field_write_driver; the fields are structures
 * on the stack and the output goes through mime_sink_write), so the
 * folding is libetpan's own. Everything after it is written here:
 * MIME-Version, the multipart Content-Type, the delimiter lines and the
 * part headers, byte for byte as libetpan's mailmime writer wrote them for
 * the tree this module used to build (../shared/deps.md section 1), and
 * the bodies, encoded here: libetpan's QP writer doubles the white space
 * before a line break, and its writer walked every byte of an encoded
 * body again to fix line ends that were CRLF already.
 *
 * Departures from libetpan's defaults, each for a reason given where it
 * happens: From and To are written as plain fields, the boundary and the
 * Message-ID are ours, and Date is written here.
 *
 * Nothing here fails but the checks: a size bound that proved too small
 * or a field libetpan refuses would be a bug, and aborts, as xmalloc does
 * on exhaustion, rather than send a half-written message.
 */
#include "mime.h"
#include "mime_body.h"
#include "mime_header.h"
#include "utf8.h"
#include "util.h"

#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <uuid/uuid.h>

#define MIME_ADDR_MAX 254
#define MIME_URL_MAX 900	/* "<url>," on a folded line stays under 998 */
#define MIME_UUID_LEN 36
#define MIME_DOMAIN_MAX (MIME_MESSAGE_ID_MAX - MIME_UUID_LEN - 2)
#define MIME_SHOW_MAX 80

/* ---- The parts ------------------------------------------------------ */

/* A part of the message, and once it is known how it goes out. QP
 * writes an escaped byte in 3 characters and base64 every 3 bytes in 4,
 * so base64 wins once more than 1/6 of the bytes need escaping. */
struct mime_part {
	const char *what;	/* "text" or "html" */
	const char *s;
	size_t n;
	int known;	/* checked as UTF-8, the encoding decided */
	int base64;	/* when known: base64, else quoted-printable */
};

/* Enough for the part's encoding, whichever it turns out to be. */
static size_t
mime_part_bound(const struct mime_part *p)
{
	size_t qp = mime_body_qp_bound(p->n), b64 = mime_body_b64_bound(p->n);

	return qp > b64 ? qp : b64;
}

/* -1, with err saying p is not UTF-8 at offset at. */
static int
mime_part_not_utf8(const struct mime_part *p, size_t at, char *err)
{
	return util_err(err, "%s part is not valid UTF-8 at offset %zu",
	    p->what, at);
}

/* Checks p as UTF-8 and decides its encoding, unless that is done: 0, or
 * -1 with err. */
static int
mime_part_check(struct mime_part *p, char *err)
{
	size_t bad, escapes = 0;

	if (p->known)
		return 0;
	if ((bad = mime_body_scan(p->s, p->n, &escapes)) < p->n)
		return mime_part_not_utf8(p, bad, err);
	p->known = 1;
	p->base64 = escapes * 6 > p->n;
	return 0;
}

/* The checks before anything is written, in the order they report:
 * NULL, then NUL, then (for a part that looks base64) UTF-8. Fills in p:
 * 0, or -1 with err. */
static int
mime_part_prepare(const char *what, const char *s, size_t n,
    struct mime_part *p, char *err)
{
	const char *nul;

	p->what = what;
	p->s = s;
	p->n = n;
	p->known = n == 0;
	p->base64 = 0;
	if (n == 0)
		return 0;
	if (s == NULL)
		return util_err(err, "%s part is NULL with %zu bytes", what, n);
	if ((nul = memchr(s, '\0', n)) != NULL)
		return util_err(err, "%s part holds a NUL byte at offset %zu",
		    what, (size_t)(nul - s));
	return mime_body_looks_base64(s, n) ? mime_part_check(p, err) : 0;
}

/* ---- Checks on what goes between < and > ---------------------------- */

/* v as the data files write it, cut at MIME_SHOW_MAX, for one-line error
 * messages: controls and non-ASCII as \r \n \t \xHH. */
static const char *
mime_show(const char *v, char *out, size_t size)
{
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; v[i] != '\0' && o + 8 < size; i++) {
		c = (unsigned char)v[i];
		if (o >= MIME_SHOW_MAX) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c == '\r' || c == '\n' || c == '\t') {
			out[o++] = '\\';
			out[o++] = c == '\r' ? 'r' : c == '\n' ? 'n' : 't';
		} else if (c < 0x20 || c >= 0x7F)
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

/* The length of the UTF-8 character at p when an address may hold it
 * (RFC 6532: any character but a control, C1 included, and the Unicode
 * line and paragraph separators), else 0. */
static size_t
mime_utf8_atext(const char *p, size_t n)
{
	uint32_t cp;
	size_t k = utf8_decode(p, n, &cp);

	if ((cp == UTF8_REPLACEMENT && k == 1) || cp < 0xA0 ||
	    cp == 0x2028 || cp == 0x2029)
		return 0;
	return k;
}

/* 0 when v may stand between < and > in a header: 1 to max bytes of
 * printable ASCII without space, '<', '>', '"' or any of `forbid`, and
 * with utf8 also non-ASCII characters (mime_utf8_atext). Else -1 with
 * err naming the field. */
static int
mime_check_token(const char *field, const char *v, const char *forbid,
    size_t max, int utf8, char *err)
{
	char shown[4 * MIME_SHOW_MAX + 8];
	const unsigned char *p;
	uint64_t set[2] = { 0, 0 };
	size_t n = strlen(v);
	unsigned c;

	if (n == 0)
		return util_err(err, "%s is empty", field);
	if (n > max)
		return util_err(err, "%s '%s' is longer than %zu bytes", field,
		    mime_show(v, shown, sizeof(shown)), max);
	/* '<', '>', '"' and forbid as a set of ASCII characters */
	for (p = (const unsigned char *)"<>\""; *p != '\0'; p++)
		set[*p >> 6] |= (uint64_t)1 << (*p & 63);
	for (p = (const unsigned char *)forbid; *p != '\0'; p++)
		set[*p >> 6 & 1] |= (uint64_t)1 << (*p & 63);
	for (p = (const unsigned char *)v; (c = *p) != '\0'; p++) {
		size_t k;

		if (c > 0x20 && c < 0x7F && (set[c >> 6] >> (c & 63) & 1) == 0)
			continue;
		if (c >= 0x80 && utf8 && (k = mime_utf8_atext((const char *)p,
		    n - (size_t)(p - (const unsigned char *)v))) > 0) {
			p += k - 1;
			continue;
		}
		mime_show(v, shown, sizeof(shown));
		if (c < 0x20 || c == 0x7F)
			return util_err(err, "%s '%s' holds a control "
			    "character", field, shown);
		if (c == ' ')
			return util_err(err, "%s '%s' holds a space", field,
			    shown);
		if (c >= 0x80 && utf8)
			return util_err(err, "%s '%s' holds a control or a byte "
			    "that is not UTF-8", field, shown);
		if (c >= 0x80)
			return util_err(err, "%s '%s' holds a non-ASCII byte",
			    field, shown);
		return util_err(err, "%s '%s' holds '%c'", field, shown,
		    (int)c);
	}
	return 0;
}

/* An address: a token without RFC 5322's specials (which would split or
 * quote it) and with one '@' between a local part and a domain; UTF-8
 * as RFC 6532 allows (the message then needs SMTPUTF8 to travel). */
static int
mime_check_addr(const char *field, const char *v, char *err)
{
	char shown[4 * MIME_SHOW_MAX + 8];
	const char *at;

	if (v == NULL)
		return util_err(err, "%s is missing", field);
	if (mime_check_token(field, v, "(),:;[\\]", MIME_ADDR_MAX, 1, err) == -1)
		return -1;
	at = strchr(v, '@');
	if (at == NULL || strchr(at + 1, '@') != NULL)
		return util_err(err, "%s '%s' does not hold exactly one '@'",
		    field, mime_show(v, shown, sizeof(shown)));
	if (at == v || at[1] == '\0')
		return util_err(err, "%s '%s' has an empty %s", field,
		    mime_show(v, shown, sizeof(shown)),
		    at == v ? "local part" : "domain");
	return 0;
}

/* Whether v is scheme followed by something. */
static int
mime_has_scheme(const char *v, const char *scheme)
{
	return strncasecmp(v, scheme, strlen(scheme)) == 0 &&
	    v[strlen(scheme)] != '\0';
}

/* A List-Unsubscribe URI: scheme checked (the second one, when not
 * NULL, is also allowed), and no comma (RFC 2369 wants literal commas
 * encoded: they separate the URIs). */
static int
mime_check_uri(const char *field, const char *v, const char *scheme,
    const char *or_scheme, char *err)
{
	char shown[4 * MIME_SHOW_MAX + 8];

	if (mime_check_token(field, v, ",", MIME_URL_MAX, 0, err) == -1)
		return -1;
	if (!mime_has_scheme(v, scheme) && (or_scheme == NULL ||
	    !mime_has_scheme(v, or_scheme)))
		return util_err(err, "%s '%s' does not start with %s%s%s",
		    field, mime_show(v, shown, sizeof(shown)), scheme,
		    or_scheme ? " or " : "", or_scheme ? or_scheme : "");
	return 0;
}

/* A domain or list id: atext and dots, at least one dot when `dotted`. */
static int
mime_check_domain(const char *field, const char *v, size_t max, int dotted,
    char *err)
{
	char shown[4 * MIME_SHOW_MAX + 8];

	if (v == NULL)
		return util_err(err, "%s is missing", field);
	if (mime_check_token(field, v, "(),:;[\\]@", max, 0, err) == -1)
		return -1;
	if (dotted && strchr(v, '.') == NULL)
		return util_err(err, "%s '%s' has no '.'", field,
		    mime_show(v, shown, sizeof(shown)));
	return 0;
}

int
mime_address_check(const char *field, const char *addr, char *err)
{
	return mime_check_addr(field, addr, err);
}

int
mime_domain_check(const char *field, const char *domain, int dotted,
    char *err)
{
	return mime_check_domain(field, domain, MIME_DOMAIN_MAX, dotted, err);
}

int
mime_url_check(const char *field, const char *url, char *err)
{
	return mime_check_uri(field, url, "https://", "http://", err);
}

/* ---- Header values -------------------------------------------------- */

#define MIME_HEAD_STORE 1024
#define MIME_HEAD_OWNED 12

/*
 * The values of the top header block. They are composed in store, on the
 * stack, when they fit (they do for any ordinary message), else in
 * allocations that owned keeps; so are the copies the checks need. A
 * value that mime_header_encode would return unchanged is used as it is.
 */
struct mime_head {
	char date[32];
	const char *from, *to, *subject;
	const char *list_id;	/* NULL when there is none */
	const char *unsub;	/* NULL when there is none */
	int post;		/* List-Unsubscribe-Post: an https URL */
	int auto_generated;	/* Auto-Submitted: auto-generated */
	char *owned[MIME_HEAD_OWNED];
	size_t nowned, used;
	char store[MIME_HEAD_STORE];
};

static void
mime_head_init(struct mime_head *h)
{
	h->list_id = h->unsub = NULL;
	h->nowned = h->used = 0;
}

static void
mime_head_free(struct mime_head *h)
{
	while (h->nowned > 0)
		free(h->owned[--h->nowned]);
}

static void
mime_head_own(struct mime_head *h, char *p)
{
	if (h->nowned == MIME_HEAD_OWNED) {
		fprintf(stderr, "digest: mime: too many header allocations\n");
		abort();
	}
	h->owned[h->nowned++] = p;
}

/* n bytes for a value of h. */
static char *
mime_head_alloc(struct mime_head *h, size_t n)
{
	char *p;

	if (n <= MIME_HEAD_STORE - h->used) {
		p = h->store + h->used;
		h->used += n;
		return p;
	}
	p = xmalloc(n);
	mime_head_own(h, p);
	return p;
}

/* The n bytes at s as a string of h. */
static char *
mime_head_strndup(struct mime_head *h, const char *s, size_t n)
{
	char *p = mime_head_alloc(h, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* a, b, c and d (NULL for none) as one string of h. */
static char *
mime_head_cat(struct mime_head *h, const char *a, const char *b,
    const char *c, const char *d)
{
	const char *part[4] = { a, b, c, d };
	size_t len[4], total = 1, i;
	char *p, *o;

	for (i = 0; i < 4; i++)
		total += len[i] = part[i] != NULL ? strlen(part[i]) : 0;
	p = o = mime_head_alloc(h, total);
	for (i = 0; i < 4; i++) {
		memcpy(o, part[i] != NULL ? part[i] : "", len[i]);
		o += len[i];
	}
	*o = '\0';
	return p;
}

/* value as mime_header_encode writes it. */
static const char *
mime_head_encode(struct mime_head *h, const char *value, int phrase)
{
	char *e;

	if (mime_header_is_plain(value, phrase))
		return value;
	e = mime_header_encode(value, phrase);
	mime_head_own(h, e);
	return e;
}

/* "name <addr>" with the name encoded as a phrase, or "addr". */
static const char *
mime_mailbox_value(struct mime_head *h, const char *name, const char *addr)
{
	if (name == NULL || *name == '\0')
		return addr;
	return mime_head_cat(h, mime_head_encode(h, name, 1), " <", addr, ">");
}

/* The List-Id value from "Name <id>", "<id>" or "id": the name encoded
 * as a phrase, the id checked. The value, or NULL with err. */
static const char *
mime_list_id_value(struct mime_head *h, const char *list_id, char *err)
{
	const char *lt = strchr(list_id, '<'), *phrase;
	size_t idlen, namelen;
	char *id;

	if (lt == NULL)
		return mime_check_domain("list id", list_id, MIME_URL_MAX, 1,
		    err) == -1 ? NULL : mime_head_cat(h, "<", list_id, ">",
		    NULL);
	idlen = strlen(lt + 1);
	if (idlen == 0 || lt[idlen] != '>') {
		util_err(err, "list id does not end its <id> with '>'");
		return NULL;
	}
	id = mime_head_strndup(h, lt + 1, idlen - 1);
	if (mime_check_domain("list id", id, MIME_URL_MAX, 1, err) == -1)
		return NULL;
	namelen = (size_t)(lt - list_id);
	while (namelen > 0 && list_id[namelen - 1] == ' ')
		namelen--;
	phrase = mime_head_encode(h, mime_head_strndup(h, list_id, namelen),
	    1);
	return *phrase != '\0' ? mime_head_cat(h, phrase, " <", id, ">") :
	    mime_head_cat(h, "<", id, ">", NULL);
}

/* The List-Unsubscribe value: "<https...>, <mailto...>", either or both;
 * NULL when there is neither. */
static const char *
mime_unsubscribe_value(struct mime_head *h, const struct mime_message *m)
{
	if (m->unsubscribe_url != NULL && m->unsubscribe_mailto != NULL) {
		char *v = mime_head_cat(h, "<", m->unsubscribe_url, ">, <",
		    m->unsubscribe_mailto);

		return mime_head_cat(h, v, ">", NULL, NULL);
	}
	if (m->unsubscribe_url != NULL)
		return mime_head_cat(h, "<", m->unsubscribe_url, ">", NULL);
	if (m->unsubscribe_mailto != NULL)
		return mime_head_cat(h, "<", m->unsubscribe_mailto, ">", NULL);
	return NULL;
}

static char *
mime_put2(char *o, unsigned v)
{
	o[0] = (char)('0' + v / 10 % 10);
	o[1] = (char)('0' + v % 10);
	return o + 2;
}

/* The Date value for date in UTC, "Sat, 28 Nov 2026 12:00:00 +0000",
 * with English names whatever the locale, into out: 0, or -1 with err.
 * Written here rather than by libetpan, whose zone offsets are wrong for
 * half-hour zones. */
static int
mime_date_value(int64_t date, char out[32], char *err)
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec"
	};
	time_t t = (time_t)date;
	struct tm tm;
	unsigned year;
	char *o = out;

	if ((int64_t)t != date || gmtime_r(&t, &tm) == NULL ||
	    tm.tm_year < 0 || tm.tm_year > 9999 - 1900)
		return util_err(err, "date %lld is out of range",
		    (long long)date);
	year = (unsigned)tm.tm_year + 1900;	/* four digits */
	memcpy(o, days[tm.tm_wday], 3);
	memcpy(o + 3, ", ", 2);
	o = mime_put2(o + 5, (unsigned)tm.tm_mday);
	*o++ = ' ';
	memcpy(o, months[tm.tm_mon], 3);
	o[3] = ' ';
	o = mime_put2(o + 4, year / 100);
	o = mime_put2(o, year % 100);
	*o++ = ' ';
	o = mime_put2(o, (unsigned)tm.tm_hour);
	*o++ = ':';
	o = mime_put2(o, (unsigned)tm.tm_min);
	*o++ = ':';
	o = mime_put2(o, (unsigned)tm.tm_sec);
	memcpy(o, " +0000", 7);
	return 0;
}

/* The values of the top header block into h (which the caller frees with
 * mime_head_free whatever this returns): 0, or -1 with err. */
static int
mime_head_make(const struct mime_message *m, struct mime_head *h, char *err)
{
	if (mime_date_value(m->date, h->date, err) == -1)
		return -1;
	if (m->list_id != NULL &&
	    (h->list_id = mime_list_id_value(h, m->list_id, err)) == NULL)
		return -1;
	h->from = mime_mailbox_value(h, m->from_name, m->from_addr);
	h->to = mime_mailbox_value(h, m->to_name, m->to_addr);
	h->subject = mime_head_encode(h, m->subject, 0);
	h->unsub = mime_unsubscribe_value(h, m);
	/* One-click (RFC 8058) is for https only; an http link (a server
	 * tried out on this machine) is a plain RFC 2369 link. */
	h->post = m->unsubscribe_url != NULL &&
	    mime_has_scheme(m->unsubscribe_url, "https://");
	h->auto_generated = m->auto_generated;
	return 0;
}

/* ---- The message ---------------------------------------------------- */

/*
 * The checks, in the order they report: the fields, then each part
 * (mime_part_prepare), the text before the html. A part that does not
 * look base64 is checked as it is written, so when the html is refused
 * here the text is checked first: its error comes first.
 */
static int
mime_check(const struct mime_message *m, struct mime_part *text,
    struct mime_part *html, char *err)
{
	if (mime_check_addr("from address", m->from_addr, err) == -1 ||
	    mime_check_addr("to address", m->to_addr, err) == -1)
		return -1;
	if (m->unsubscribe_url != NULL && mime_check_uri("unsubscribe url",
	    m->unsubscribe_url, "https://", "http://", err) == -1)
		return -1;
	if (m->unsubscribe_mailto != NULL && mime_check_uri(
	    "unsubscribe mailto", m->unsubscribe_mailto, "mailto:", NULL,
	    err) == -1)
		return -1;
	if (mime_check_domain("message id domain", m->message_id_domain,
	    MIME_DOMAIN_MAX, 0, err) == -1)
		return -1;
	if (m->subject == NULL)
		return util_err(err, "subject is missing");
	if (mime_part_prepare("text", m->text, m->text_len, text, err) == -1)
		return -1;
	if (mime_part_prepare("html", m->html, m->html_len, html, err) == -1) {
		(void)mime_part_check(text, err);
		return -1;
	}
	return 0;
}

/* Where libetpan's field writer writes: reserved space that a size bound
 * says is enough. Running past it would be a bug in the bound. */
struct mime_sink {
	char *p;
	char *end;
};

static int
mime_sink_write(void *data, const char *s, size_t n)
{
	struct mime_sink *k = data;

	if (n > (size_t)(k->end - k->p)) {
		fprintf(stderr, "digest: mime: message size bound exceeded\n");
		abort();
	}
	memcpy(k->p, s, n);
	k->p += n;
	return 1;
}

/* The most a field "name: value" takes as libetpan folds it: each
 * character once, at most "\r\n " (3) for each word and for every 998
 * characters of one, and the CRLF. */
static size_t
mime_field_bound(const char *name, const char *value)
{
	return value == NULL ? 0 : strlen(name) + 2 + 4 * strlen(value) + 16;
}

/*
 * Writes the field through libetpan's field writer, from structures on
 * the stack. Subject and Message-ID are libetpan's own fields, the others
 * plain ("optional") ones: its mailbox writer puts any display name that
 * is not one atom in quotes, and encoded words inside quotes are not
 * decoded (RFC 2047 5; Python flags them as a defect). Either way the
 * value goes through its folding writer: words separated by single
 * spaces, folded before a word that would pass column 72.
 */
static void
mime_write_field(struct mime_sink *k, int *col, int type, const char *name,
    const char *value)
{
	struct mailimf_optional_field opt = { (char *)name, (char *)value };
	struct mailimf_subject subject = { (char *)value };
	struct mailimf_message_id id = { (char *)value };
	struct mailimf_field f;

	memset(&f, 0, sizeof(f));
	f.fld_type = type;
	if (type == MAILIMF_FIELD_SUBJECT)
		f.fld_data.fld_subject = &subject;
	else if (type == MAILIMF_FIELD_MESSAGE_ID)
		f.fld_data.fld_message_id = &id;
	else
		f.fld_data.fld_optional_field = &opt;
	if (mailimf_field_write_driver(mime_sink_write, k, col, &f) !=
	    MAILIMF_NO_ERROR) {
		fprintf(stderr, "digest: mime: libetpan refused a field\n");
		abort();
	}
}

static char *
mime_put(char *o, const char *s, size_t n)
{
	memcpy(o, s, n);
	return o + n;
}

#define MIME_PUT(o, lit) mime_put((o), (lit), sizeof(lit) - 1)

/* The MIME framing around the two bodies, at most (4 uuids and the
 * longest transfer encoding twice). */
#define MIME_FRAME_MAX (512 + 4 * MIME_UUID_LEN)

static char *
mime_part_head(char *o, const char *uuid, const char *type, int base64)
{
	o = MIME_PUT(o, "--=_");
	o = mime_put(o, uuid, MIME_UUID_LEN);
	o = MIME_PUT(o, "\r\nContent-Type: ");
	o = mime_put(o, type, strlen(type));
	o = MIME_PUT(o, "; charset=\"utf-8\"\r\nContent-Transfer-Encoding: ");
	o = base64 ? MIME_PUT(o, "base64") : MIME_PUT(o, "quoted-printable");
	return MIME_PUT(o, "\r\n\r\n");
}

/*
 * The part p after its delimiter line and headers, at o; returns the
 * end, or NULL with err when p is not UTF-8 (which only a part not yet
 * checked can find). QP is tried unless p is known to be base64; when
 * the count of its escapes says base64 after all, the rest of p is
 * checked and its headers and body are written again as base64.
 */
static char *
mime_part_write(char *o, const char *uuid, const char *type,
    struct mime_part *p, char *err)
{
	struct mime_body_stop stop = { 0, 0 };
	size_t bad, escapes;
	char *end;

	if (!p->known || !p->base64) {
		end = mime_body_qp_encode(p->s, p->n,
		    mime_part_head(o, uuid, type, 0), &stop);
		if (end != NULL)
			return end;
		bad = stop.bad ? 0 : mime_body_scan(p->s + stop.at,
		    p->n - stop.at, &escapes);
		if (stop.bad || bad < p->n - stop.at) {
			(void)mime_part_not_utf8(p, stop.at + bad, err);
			return NULL;
		}
	}
	return mime_body_b64_encode(p->s, p->n, mime_part_head(o, uuid, type,
	    1));
}

/*
 * The whole message into [o, end), which mime_message_bound says is
 * enough; returns the end of what was written, or NULL with err when a
 * part is not UTF-8. After the header block,
 * the bytes libetpan's mailmime writer wrote for our tree: MIME-Version,
 * the multipart Content-Type (its parameter folded onto a line of its
 * own, as libetpan does once "; boundary=..." would pass column 78),
 * each part after a delimiter line, and the close delimiter. The CRLF
 * before a delimiter belongs to it (RFC 2046 5.1.1), so a body that does
 * not end in a line break keeps its end. The boundary starts with "=_",
 * which neither encoding can produce: an "=" in QP is followed by a hex
 * digit or a line break, and base64 has no "_".
 */
static char *
mime_write(char *o, char *end, const struct mime_head *h, const char *id,
    const char *uuid, struct mime_part *text, struct mime_part *html,
    char *err)
{
	struct mime_sink k = { o, end };
	int col = 0;

	mime_write_field(&k, &col, MAILIMF_FIELD_OPTIONAL_FIELD, "From",
	    h->from);
	mime_write_field(&k, &col, MAILIMF_FIELD_OPTIONAL_FIELD, "To", h->to);
	mime_write_field(&k, &col, MAILIMF_FIELD_OPTIONAL_FIELD, "Date",
	    h->date);
	mime_write_field(&k, &col, MAILIMF_FIELD_MESSAGE_ID, NULL, id);
	mime_write_field(&k, &col, MAILIMF_FIELD_SUBJECT, NULL, h->subject);
	if (h->list_id != NULL)
		mime_write_field(&k, &col, MAILIMF_FIELD_OPTIONAL_FIELD,
		    "List-Id", h->list_id);
	if (h->unsub != NULL)
		mime_write_field(&k, &col, MAILIMF_FIELD_OPTIONAL_FIELD,
		    "List-Unsubscribe", h->unsub);
	if (h->post)
		mime_write_field(&k, &col, MAILIMF_FIELD_OPTIONAL_FIELD,
		    "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
	if (h->auto_generated)
		mime_write_field(&k, &col, MAILIMF_FIELD_OPTIONAL_FIELD,
		    "Auto-Submitted", "auto-generated");
	o = MIME_PUT(k.p, "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/alternative; \r\n boundary=\"=_");
	o = mime_put(o, uuid, MIME_UUID_LEN);
	o = MIME_PUT(o, "\"\r\n\r\n");
	if ((o = mime_part_write(o, uuid, "text/plain", text, err)) == NULL)
		return NULL;
	o = MIME_PUT(o, "\r\n");
	if ((o = mime_part_write(o, uuid, "text/html", html, err)) == NULL)
		return NULL;
	o = MIME_PUT(o, "\r\n--=_");
	o = mime_put(o, uuid, MIME_UUID_LEN);
	return MIME_PUT(o, "--\r\n");
}

/* An upper bound of what mime_write writes. */
static size_t
mime_message_bound(const struct mime_head *h, const char *id,
    const struct mime_part *text, const struct mime_part *html)
{
	return mime_field_bound("From", h->from) +
	    mime_field_bound("To", h->to) +
	    mime_field_bound("Date", h->date) +
	    mime_field_bound("Message-ID", id) +
	    mime_field_bound("Subject", h->subject) +
	    mime_field_bound("List-Id", h->list_id) +
	    mime_field_bound("List-Unsubscribe", h->unsub) +
	    mime_field_bound("List-Unsubscribe-Post",
	    "List-Unsubscribe=One-Click") +
	    mime_field_bound("Auto-Submitted", "auto-generated") +
	    MIME_FRAME_MAX + mime_part_bound(text) + mime_part_bound(html);
}

/*
 * Checks, then writes the message once: straight into out when the bound
 * fits under its maximum (buf_reserve, and len moved only at the end by
 * buf_commit, so out is unchanged until then);
 * else, which only a message near the maximum meets, into a scratch
 * block first, so that the maximum is judged on the exact size. A part
 * can still be refused while it is written (mime_part_write); the errors
 * keep their order: the parts' come before the Date's and the List-Id's,
 * whose values the header block needs first.
 */
int
mime_message_build(const struct mime_message *m, struct buf *out,
    char message_id[MIME_MESSAGE_ID_MAX], char *err)
{
	struct mime_part text = { 0 }, html = { 0 };
	struct mime_head h;
	char uuid[MIME_UUID_LEN + 1], id[MIME_MESSAGE_ID_MAX];
	char *dst, *scratch = NULL, *end;
	size_t bound, dlen, len;
	uuid_t u;
	int rc = 0;

	if (mime_check(m, &text, &html, err) != 0)
		return -1;
	uuid_generate_random(u);
	uuid_unparse_lower(u, uuid);
	dlen = strlen(m->message_id_domain);	/* checked: <= 218 */
	memcpy(id, uuid, MIME_UUID_LEN);
	id[MIME_UUID_LEN] = '@';
	memcpy(id + MIME_UUID_LEN + 1, m->message_id_domain, dlen + 1);
	mime_head_init(&h);
	if (mime_head_make(m, &h, err) == -1) {
		/* a part's error comes first */
		if (mime_part_check(&text, err) == 0)
			(void)mime_part_check(&html, err);
		mime_head_free(&h);
		return -1;
	}
	bound = mime_message_bound(&h, id, &text, &html);
	if ((dst = buf_reserve(out, bound)) == NULL)
		dst = scratch = xmalloc(bound);
	end = mime_write(dst, dst + bound, &h, id, uuid, &text, &html, err);
	if (end == NULL) {
		rc = -1;
		if (scratch == NULL)
			buf_commit(out, 0);	/* written over */
	} else if (scratch == NULL) {
		buf_commit(out, (size_t)(end - dst));
	} else {
		len = (size_t)(end - dst);
		if (buf_append(out, scratch, len) == -1)
			rc = util_err(err, "message of %zu bytes exceeds the "
			    "output maximum of %zu", len, out->max);
	}
	free(scratch);
	mime_head_free(&h);
	if (rc == 0 && message_id != NULL)
		memcpy(message_id, id, strlen(id) + 1);
	return rc;
}

