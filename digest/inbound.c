#include "inbound.h"
#include "utf8.h"
#include "util.h"

#include <libetpan/libetpan.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define INB_VALUE_MAX 2048	/* bytes of one unfolded header value */
#define INB_DEPTH_MAX 32	/* parts within parts walked */

/* ---- bytes ----------------------------------------------------------- */

static int
inb_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* The first place the k bytes of needle (ASCII, lower case) are in
 * [s, s+n), in any case, or NULL. */
static const char *
inb_findn(const char *s, size_t n, const char *needle, size_t k)
{
	size_t i, j;

	if (k == 0 || n < k)
		return NULL;
	for (i = 0; i + k <= n; i++) {
		if (inb_lower((unsigned char)s[i]) != needle[0])
			continue;
		for (j = 1; j < k; j++)
			if (inb_lower((unsigned char)s[i + j]) != needle[j])
				break;
		if (j == k)
			return s + i;
	}
	return NULL;
}

static const char *
inb_find(const char *s, size_t n, const char *needle)
{
	return inb_findn(s, n, needle, strlen(needle));
}

static int
inb_is(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

static int
inb_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
inb_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Whether word (lower case) is in [s, s+n) with no letter either side. */
static int
inb_has_word(const char *s, size_t n, const char *word)
{
	const char *p = s, *hit;
	size_t k = strlen(word);

	while ((hit = inb_find(p, (size_t)(s + n - p), word)) != NULL) {
		if ((hit == s || !inb_is_alpha((unsigned char)hit[-1])) &&
		    (hit + k == s + n || !inb_is_alpha((unsigned char)hit[k])))
			return 1;
		p = hit + 1;
	}
	return 0;
}

/*
 * Copies [s, s+n) into dst (size bytes) as one line of valid UTF-8:
 * line breaks, tabs and other controls become single spaces, invalid
 * bytes U+FFFD, white space at either end goes, and the text is cut at
 * a character boundary.
 */
static void
inb_keep(char *dst, size_t size, const char *s, size_t n)
{
	size_t i = 0, o = 0, k;
	uint32_t cp;
	char enc[4];

	while (i < n && o + 1 < size) {
		k = utf8_decode(s + i, n - i, &cp);
		i += k;
		if (cp < 0x20 || cp == 0x7f)
			cp = ' ';
		if (cp == ' ' && (o == 0 || dst[o - 1] == ' '))
			continue;
		k = utf8_encode(cp, enc);
		if (o + k + 1 > size)
			break;
		memcpy(dst + o, enc, k);
		o += k;
	}
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
}

/* ---- header fields --------------------------------------------------- */

struct inb_field {
	const char *name;
	size_t nlen;
	char value[INB_VALUE_MAX];
	size_t vlen;
	int after_blank;	/* a blank line came just before it */
};

/* The line at *p (without its CR LF), moving *p past it. */
static const char *
inb_line(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *lf = memchr(s, '\n', (size_t)(end - s));

	*p = lf ? lf + 1 : end;
	*len = (size_t)((lf ? lf : end) - s);
	if (*len > 0 && s[*len - 1] == '\r')
		(*len)--;
	return s;
}

/*
 * Reads the next "Name: value" field from [*p, end), its continuation
 * lines unfolded (the value is cut at INB_VALUE_MAX). A header ends at
 * its first blank line when stop_at_blank; otherwise (the blocks of a
 * delivery-status part) blank lines are passed over and noted. Lines
 * that are no field are passed over. 1 found, 0 none left.
 */
static int
inb_field_next(const char **p, const char *end, struct inb_field *f,
    int stop_at_blank)
{
	const char *line, *colon;
	size_t len, i;

	f->after_blank = 0;
	while (*p < end) {
		line = inb_line(p, end, &len);
		if (len == 0) {
			if (stop_at_blank)
				return 0;
			f->after_blank = 1;
			continue;
		}
		colon = memchr(line, ':', len);
		if (line[0] == ' ' || line[0] == '\t' || colon == NULL ||
		    colon == line)
			continue;
		for (i = 0; line + i < colon; i++)
			if ((unsigned char)line[i] <= ' ')
				break;
		if (line + i != colon)
			continue;
		f->name = line;
		f->nlen = (size_t)(colon - line);
		f->vlen = 0;
		len -= (size_t)(colon + 1 - line);
		line = colon + 1;
		for (;;) {
			size_t take = len < INB_VALUE_MAX - 1 - f->vlen ? len :
			    INB_VALUE_MAX - 1 - f->vlen;

			memcpy(f->value + f->vlen, line, take);
			f->vlen += take;
			if (*p >= end || (**p != ' ' && **p != '\t'))
				break;
			line = inb_line(p, end, &len);
			if (f->vlen < INB_VALUE_MAX - 1)
				f->value[f->vlen++] = ' ';
		}
		f->value[f->vlen] = '\0';
		while (f->vlen > 0 && (f->value[f->vlen - 1] == ' ' ||
		    f->value[f->vlen - 1] == '\t'))
			f->value[--f->vlen] = '\0';
		return 1;
	}
	return 0;
}

/* The value after its leading white space. */
static const char *
inb_value(const struct inb_field *f)
{
	const char *v = f->value;

	while (*v == ' ' || *v == '\t')
		v++;
	return v;
}

/* ---- tokens ---------------------------------------------------------- */

static int
inb_b32(int c)
{
	c = inb_lower(c);
	return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
}

static int
inb_atext(int c)
{
	return inb_is_alpha(c) || inb_is_digit(c) || (c != 0 &&
	    strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL);
}

static void
inb_token_add(struct inbound *in, enum verp_kind kind, const char *t,
    size_t n, int in_recipient)
{
	struct inbound_token *tok;
	size_t i;

	for (i = 0; i < in->ntokens; i++) {
		tok = &in->tokens[i];
		if (tok->kind == kind && strlen(tok->text) == n &&
		    strncasecmp(tok->text, t, n) == 0) {
			tok->in_recipient |= in_recipient;
			return;
		}
	}
	if (in->ntokens == INBOUND_TOKENS_MAX)
		return;
	tok = &in->tokens[in->ntokens++];
	tok->kind = kind;
	tok->in_recipient = in_recipient;
	for (i = 0; i < n; i++)
		tok->text[i] = (char)inb_lower((unsigned char)t[i]);
	tok->text[n] = '\0';
}

/* Every local+TOKEN@domain of base (our own address) in [s, s+n). */
static void
inb_tokens_of(struct inbound *in, const char *s, size_t n, const char *base,
    enum verp_kind kind, int in_recipient)
{
	const char *at = base ? strrchr(base, '@') : NULL, *p = s, *hit, *t;
	char needle[ADDR_MAX + 2];
	size_t llen, dlen, i;

	if (at == NULL || at == base || (llen = (size_t)(at - base)) >
	    ADDR_MAX)
		return;
	for (i = 0; i < llen; i++)
		needle[i] = (char)inb_lower((unsigned char)base[i]);
	needle[llen] = '+';
	needle[llen + 1] = '\0';
	dlen = strlen(at);
	while ((hit = inb_findn(p, (size_t)(s + n - p), needle, llen + 1)) !=
	    NULL) {
		p = hit + 1;
		if (hit > s && inb_atext((unsigned char)hit[-1]))
			continue;
		t = hit + llen + 1;
		for (i = 0; t + i < s + n && inb_b32((unsigned char)t[i]) &&
		    i <= VERP_TOKEN_MAX; i++)
			;
		if (i == 0 || i > VERP_TOKEN_MAX || (size_t)(s + n - (t + i)) <
		    dlen || strncasecmp(t + i, at, dlen) != 0)
			continue;
		if (t + i + dlen < s + n && (inb_is_alpha((unsigned char)
		    t[i + dlen]) || inb_is_digit((unsigned char)t[i + dlen]) ||
		    t[i + dlen] == '-' || (t[i + dlen] == '.' && t + i + dlen +
		    1 < s + n && inb_is_alpha((unsigned char)t[i + dlen + 1]))))
			continue;
		inb_token_add(in, kind, t, i, in_recipient);
	}
}

static void
inb_tokens(struct inbound *in, const struct inbound_addrs *a, const char *s,
    size_t n, int in_recipient)
{
	inb_tokens_of(in, s, n, a->bounce, VERP_BOUNCE, in_recipient);
	inb_tokens_of(in, s, n, a->unsubscribe, VERP_UNSUBSCRIBE,
	    in_recipient);
}

/* ---- status codes and words ----------------------------------------- */

/* "5.1.1": the enhanced status code at s, if one starts there (class
 * 2, 4 or 5, one to three digits each). Its length, or 0. */
static size_t
inb_status_at(const char *s, const char *end)
{
	const char *p = s;
	int part, digits;

	if (p >= end || (*p != '2' && *p != '4' && *p != '5'))
		return 0;
	p++;
	for (part = 0; part < 2; part++) {
		if (p >= end || *p != '.')
			return 0;
		p++;
		for (digits = 0; p < end && inb_is_digit((unsigned char)*p) &&
		    digits < 4; digits++)
			p++;
		if (digits == 0 || digits > 3)
			return 0;
	}
	if (p < end && (inb_is_digit((unsigned char)*p) || (*p == '.' &&
	    p + 1 < end && inb_is_digit((unsigned char)p[1]))))
		return 0;
	return (size_t)(p - s);
}

/* The first enhanced status code of class 4 or 5 in [s, s+n), not part
 * of a longer dotted number: its start and length, or NULL. */
static const char *
inb_status_find(const char *s, size_t n, size_t *len)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] != '4' && s[i] != '5')
			continue;
		if (i > 0 && (inb_is_digit((unsigned char)s[i - 1]) ||
		    s[i - 1] == '.'))
			continue;
		if ((*len = inb_status_at(s + i, s + n)) != 0)
			return s + i;
	}
	return NULL;
}

/* The first SMTP reply code 4xx or 5xx standing alone ("said: 550 ...",
 * "550-", "(550)") in [s, s+n): its start, or NULL. */
static const char *
inb_reply_find(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 3 < n; i++) {
		if ((s[i] != '4' && s[i] != '5') ||
		    !inb_is_digit((unsigned char)s[i + 1]) ||
		    !inb_is_digit((unsigned char)s[i + 2]))
			continue;
		if (i > 0 && strchr(" :(<[\t", s[i - 1]) == NULL &&
		    s[i - 1] != '\n')
			continue;
		if (strchr(" -)]>\r\n", s[i + 3]) != NULL)
			return s + i;
	}
	return NULL;
}

/* Words that say the address does not exist, that the failure is for
 * good, or that it is passing. */
static const char *const inb_unknown_words[] = {
	"user unknown", "unknown user", "no such user", "does not exist",
	"doesn't exist", "address not found", "recipient not found",
	"recipnotfound", "no mailbox", "mailbox not found", "invalid recipient",
	"unknown recipient", "no such recipient", "account has been disabled",
	"not a valid mailbox", "mailbox unavailable", NULL,
};
static const char *const inb_hard_words[] = {
	"permanent error", "permanently", "could not be delivered",
	"couldn't be delivered", "undeliverable", "delivery has failed",
	"delivery failed", "failed permanently", "was not delivered", NULL,
};
static const char *const inb_soft_words[] = {
	"temporary", "temporarily", "delayed", "will retry",
	"will be retried", "still trying", "not yet been delivered",
	"mailbox full", "quota", "over quota", NULL,
};

static int
inb_any(const char *s, size_t n, const char *const *words)
{
	for (; *words != NULL; words++)
		if (inb_find(s, n, *words) != NULL)
			return 1;
	return 0;
}

enum inbound_severity
inbound_severity_of(const char *action, const char *status)
{
	static const char *const unknown[] = { "5.1.1", "5.1.2", "5.1.3",
	    "5.1.6", "5.1.10" };
	size_t i;

	if (*action != '\0' && strcasecmp(action, "failed") != 0 &&
	    strcasecmp(action, "delayed") != 0)
		return INBOUND_NONE;
	if (strcasecmp(action, "delayed") == 0 || status[0] == '4')
		return INBOUND_SOFT;
	if (status[0] == '2')
		return INBOUND_NONE;
	if (status[0] == '\0')
		return INBOUND_HARD;
	/* Mailbox full and a message that timed out in a queue say nothing
	 * about the address. */
	if (strncmp(status + 1, ".2.2", 5) == 0 ||
	    strncmp(status + 1, ".4.7", 5) == 0)
		return INBOUND_SOFT;
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		if (strcmp(status, unknown[i]) == 0)
			return INBOUND_UNKNOWN_USER;
	return INBOUND_HARD;
}

/* A hard failure with a status that says no more than "failed" (5.0.0,
 * a bare 550, none), whose words say there is no such user. */
static enum inbound_severity
inb_weigh_words(enum inbound_severity sev, const char *status,
    const char *text, size_t n)
{
	int generic = status[0] == '\0' || strncmp(status + 1, ".0.0", 5) ==
	    0 || strncmp(status + 1, ".1.0", 5) == 0;

	if (sev == INBOUND_HARD && generic && inb_any(text, n,
	    inb_unknown_words))
		return INBOUND_UNKNOWN_USER;
	return sev;
}

/* ---- the walk over the MIME parts ------------------------------------ */

struct inb_walk {
	struct inbound *in;
	const struct inbound_addrs *a;
	const char *dsn;	/* the delivery-status part, decoded */
	size_t dsn_len;
	const char *arf;	/* the feedback-report part, decoded */
	size_t arf_len;
	char text[INBOUND_TEXT_SCAN];	/* text parts outside returned mail */
	size_t text_len;
	char *owned[8];		/* decoded bodies, freed at the end */
	size_t nowned;
	int cut;		/* the parser was given only a part */
};

/* "type/subtype" of a part, lower case, into out. */
static void
inb_type(const struct mailmime_content *ct, char *out, size_t size)
{
	const char *type = "application";

	if (ct == NULL || ct->ct_type == NULL) {
		snprintf(out, size, "text/plain");
		return;
	}
	if (ct->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE) {
		const struct mailmime_discrete_type *d =
		    ct->ct_type->tp_data.tp_discrete_type;

		switch (d->dt_type) {
		case MAILMIME_DISCRETE_TYPE_TEXT: type = "text"; break;
		case MAILMIME_DISCRETE_TYPE_IMAGE: type = "image"; break;
		case MAILMIME_DISCRETE_TYPE_AUDIO: type = "audio"; break;
		case MAILMIME_DISCRETE_TYPE_VIDEO: type = "video"; break;
		case MAILMIME_DISCRETE_TYPE_EXTENSION:
			type = d->dt_extension ? d->dt_extension : "x";
			break;
		default: break;
		}
	} else if (ct->ct_type->tp_data.tp_composite_type != NULL) {
		const struct mailmime_composite_type *c =
		    ct->ct_type->tp_data.tp_composite_type;

		type = c->ct_type == MAILMIME_COMPOSITE_TYPE_MESSAGE ? "message" :
		    c->ct_type == MAILMIME_COMPOSITE_TYPE_MULTIPART ?
		    "multipart" : (c->ct_token ? c->ct_token : "x");
	}
	snprintf(out, size, "%s/%s", type, ct->ct_subtype ? ct->ct_subtype :
	    "");
	for (; *out != '\0'; out++)
		*out = (char)inb_lower((unsigned char)*out);
}

/* The body of a single part, decoded from base64 or quoted-printable
 * (kept in w->owned until the walk ends), or as it is. */
static const char *
inb_body(struct inb_walk *w, const struct mailmime *mm, size_t *len)
{
	const struct mailmime_data *d = mm->mm_body;
	size_t idx = 0, outlen = 0;
	char *out = NULL;

	*len = 0;
	if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT)
		return NULL;
	*len = d->dt_data.dt_text.dt_length;
	if (!d->dt_encoded || (d->dt_encoding != MAILMIME_MECHANISM_BASE64 &&
	    d->dt_encoding != MAILMIME_MECHANISM_QUOTED_PRINTABLE) ||
	    w->nowned == sizeof(w->owned) / sizeof(w->owned[0]))
		return d->dt_data.dt_text.dt_data;
	if (mailmime_part_parse(d->dt_data.dt_text.dt_data, *len, &idx,
	    d->dt_encoding, &out, &outlen) != MAILIMF_NO_ERROR || out == NULL)
		return d->dt_data.dt_text.dt_data;
	w->owned[w->nowned++] = out;
	*len = outlen;
	return out;
}

static void
inb_text_add(struct inb_walk *w, const char *s, size_t n)
{
	size_t room = sizeof(w->text) - w->text_len;

	if (room < 2)
		return;
	if (n > room - 1)
		n = room - 1;
	memcpy(w->text + w->text_len, s, n);
	w->text_len += n;
	w->text[w->text_len++] = '\n';
}

/* A single part: a report, text to read, or a place tokens may hide in
 * an encoding. inside: within a returned message (message/rfc822). */
static void
inb_part(struct inb_walk *w, const struct mailmime *mm, int inside)
{
	char type[128];
	const char *body;
	size_t len;

	inb_type(mm->mm_content_type, type, sizeof(type));
	body = inb_body(w, mm, &len);
	if (body == NULL)
		return;
	if (mm->mm_body->dt_encoded && (mm->mm_body->dt_encoding ==
	    MAILMIME_MECHANISM_BASE64 || mm->mm_body->dt_encoding ==
	    MAILMIME_MECHANISM_QUOTED_PRINTABLE))
		inb_tokens(w->in, w->a, body, len, 0);
	if (inside)
		return;
	if ((strcmp(type, "message/delivery-status") == 0 ||
	    strcmp(type, "message/global-delivery-status") == 0) &&
	    w->dsn == NULL) {
		w->dsn = body;
		w->dsn_len = len;
	} else if (strcmp(type, "message/feedback-report") == 0 &&
	    w->arf == NULL) {
		w->arf = body;
		w->arf_len = len;
	} else if (strncmp(type, "text/", 5) == 0 &&
	    strcmp(type, "text/rfc822-headers") != 0) {
		inb_text_add(w, body, len);
	}
}

static void
inb_walk(struct inb_walk *w, const struct mailmime *mm, int depth,
    int inside)
{
	clistiter *it;

	if (mm == NULL || depth > INB_DEPTH_MAX)
		return;
	switch (mm->mm_type) {
	case MAILMIME_SINGLE:
		inb_part(w, mm, inside);
		break;
	case MAILMIME_MULTIPLE:
		if (mm->mm_data.mm_multipart.mm_mp_list == NULL)
			break;
		for (it = clist_begin(mm->mm_data.mm_multipart.mm_mp_list);
		    it != NULL; it = clist_next(it))
			inb_walk(w, clist_content(it), depth + 1, inside);
		break;
	case MAILMIME_MESSAGE:
		/* The top level is the message itself; below it, a message
		 * part is one returned or quoted. */
		inb_walk(w, mm->mm_data.mm_message.mm_msg_mime, depth + 1,
		    inside || depth > 0);
		break;
	default:
		break;
	}
}

/* How much of msg libetpan's parser is given: up to the line of the
 * INBOUND_NESTING_MAX-th "multipart/" or "message/", beyond which a part
 * could nest deeper than is worth its quadratic time. */
static size_t
inb_parse_limit(const char *msg, size_t len)
{
	const char *p = msg, *m, *g, *hit;
	size_t count = 0;

	for (;;) {
		m = inb_find(p, (size_t)(msg + len - p), "multipart/");
		g = inb_find(p, (size_t)(msg + len - p), "message/");
		hit = m == NULL ? g : g == NULL ? m : m < g ? m : g;
		if (hit == NULL)
			return len;
		if (++count > INBOUND_NESTING_MAX) {
			while (hit > msg && hit[-1] != '\n')
				hit--;
			return (size_t)(hit - msg);
		}
		p = hit + 1;
	}
}

/* ---- the reports ------------------------------------------------------ */

/* An address in a report field: "rfc822; a@b" or "<a@b>" gives a@b. */
static void
inb_address(char *dst, size_t size, const char *v)
{
	const char *semi = strchr(v, ';'), *lt, *gt;
	size_t n;

	if (semi != NULL && semi - v < 16)
		v = semi + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	lt = strchr(v, '<');
	gt = lt ? strchr(lt, '>') : NULL;
	if (lt != NULL && gt != NULL) {
		v = lt + 1;
		n = (size_t)(gt - v);
	} else {
		n = strcspn(v, " \t,;");
	}
	inb_keep(dst, size, v, n);
}

/* The worst recipient of a delivery-status part: failed before delayed
 * before the rest, the first among equals. */
struct inb_rcpt {
	char action[16];
	char status[16];
	char recipient[ADDR_MAX + 1];
	char diagnostic[INBOUND_TEXT_MAX + 1];
	int seen;
};

static int
inb_rcpt_rank(const struct inb_rcpt *r)
{
	enum inbound_severity s = inbound_severity_of(r->action, r->status);

	return s == INBOUND_UNKNOWN_USER ? 4 : s == INBOUND_HARD ? 3 :
	    s == INBOUND_SOFT ? 2 : 1;
}

static void
inb_rcpt_keep(struct inb_rcpt *best, const struct inb_rcpt *r)
{
	if (r->action[0] == '\0')
		return;
	if (!best->seen || inb_rcpt_rank(r) > inb_rcpt_rank(best)) {
		*best = *r;
		best->seen = 1;
	}
}

/* Only the code: "5.1.1 (bad address)" gives "5.1.1". */
static void
inb_status_keep(char *dst, size_t size, const char *v)
{
	size_t n = inb_status_at(v, v + strlen(v));

	if (n == 0 || n >= size)
		n = 0;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static void
inb_dsn(struct inbound *in, const char *s, size_t n)
{
	const char *p = s, *end = s + n, *v;
	struct inb_field *f = xmalloc(sizeof(*f));
	struct inb_rcpt cur, best;

	memset(&cur, 0, sizeof(cur));
	memset(&best, 0, sizeof(best));
	while (inb_field_next(&p, end, f, 0)) {
		v = inb_value(f);
		/* A blank line or a new Final-Recipient starts a recipient. */
		if ((f->after_blank || inb_is(f->name, f->nlen,
		    "final-recipient")) && cur.action[0] != '\0') {
			inb_rcpt_keep(&best, &cur);
			memset(&cur, 0, sizeof(cur));
		}
		if (inb_is(f->name, f->nlen, "final-recipient") ||
		    (inb_is(f->name, f->nlen, "original-recipient") &&
		    cur.recipient[0] == '\0'))
			inb_address(cur.recipient, sizeof(cur.recipient), v);
		else if (inb_is(f->name, f->nlen, "action"))
			inb_keep(cur.action, sizeof(cur.action), v,
			    strcspn(v, " \t("));
		else if (inb_is(f->name, f->nlen, "status"))
			inb_status_keep(cur.status, sizeof(cur.status), v);
		else if (inb_is(f->name, f->nlen, "diagnostic-code"))
			inb_keep(cur.diagnostic, sizeof(cur.diagnostic), v,
			    strlen(v));
	}
	inb_rcpt_keep(&best, &cur);
	free(f);
	if (!best.seen) {
		in->kind = INBOUND_OTHER;
		in->why = "malformed dsn: no recipient with an action";
		return;
	}
	in->kind = INBOUND_BOUNCE;
	in->why = "dsn";
	memcpy(in->action, best.action, sizeof(in->action));
	for (v = in->action; *v != '\0'; v++)
		in->action[v - in->action] = (char)inb_lower((unsigned char)*v);
	memcpy(in->status, best.status, sizeof(in->status));
	memcpy(in->recipient, best.recipient, sizeof(in->recipient));
	memcpy(in->diagnostic, best.diagnostic, sizeof(in->diagnostic));
	in->severity = inb_weigh_words(inbound_severity_of(in->action,
	    in->status), in->status, in->diagnostic, strlen(in->diagnostic));
}

static void
inb_arf(struct inbound *in, const char *s, size_t n)
{
	const char *p = s, *end = s + n, *v;
	struct inb_field *f = xmalloc(sizeof(*f));

	while (inb_field_next(&p, end, f, 0)) {
		v = inb_value(f);
		if (inb_is(f->name, f->nlen, "feedback-type"))
			inb_keep(in->feedback_type, sizeof(in->feedback_type), v,
			    strcspn(v, " \t;"));
		else if (inb_is(f->name, f->nlen, "original-rcpt-to") &&
		    in->recipient[0] == '\0')
			inb_address(in->recipient, sizeof(in->recipient), v);
	}
	free(f);
	for (p = in->feedback_type; *p != '\0'; p++)
		in->feedback_type[p - in->feedback_type] =
		    (char)inb_lower((unsigned char)*p);
	/* not-spam and auth-failure reports ask nothing of us. */
	if (strcmp(in->feedback_type, "abuse") == 0 ||
	    strcmp(in->feedback_type, "fraud") == 0 ||
	    strcmp(in->feedback_type, "virus") == 0 ||
	    strcmp(in->feedback_type, "other") == 0 ||
	    in->feedback_type[0] == '\0') {
		in->kind = INBOUND_COMPLAINT;
		in->why = "arf";
	} else {
		in->kind = INBOUND_OTHER;
		in->why = "arf report that is no complaint";
	}
}

/* ---- the top-level header --------------------------------------------- */

struct inb_head {
	int daemon_from;	/* From a mailer daemon or postmaster */
	int null_sender;	/* Return-Path: <> */
	int autoreply;		/* RFC 3834 and the usual markers */
	int failed_rcpt;	/* X-Failed-Recipients */
	char failed[ADDR_MAX + 1];
};

static const char *const inb_recipient_fields[] = {
	"to", "cc", "delivered-to", "x-original-to", "envelope-to",
	"x-envelope-to", "x-delivered-to", "x-apparently-to",
	"original-recipient", NULL,
};

static int
inb_is_recipient_field(const struct inb_field *f)
{
	const char *const *n;

	for (n = inb_recipient_fields; *n != NULL; n++)
		if (inb_is(f->name, f->nlen, *n))
			return 1;
	return 0;
}

static void
inb_from(struct inbound *in, struct inb_head *h, const char *v)
{
	static const char *const daemons[] = { "mailer-daemon",
	    "mailerdaemon", "mail-daemon", "postmaster", "mdaemon", NULL };
	const char *const *d;
	size_t local;

	inb_address(in->from, sizeof(in->from), v);
	local = strcspn(in->from, "@");
	for (d = daemons; *d != NULL; d++)
		if (inb_is(in->from, local, *d))
			h->daemon_from = 1;
	if (inb_find(v, strlen(v), "mail delivery") != NULL)
		h->daemon_from = 1;
}

static void
inb_subject(struct inbound *in, const char *v)
{
	char *decoded = NULL;
	size_t idx = 0;

	if (mailmime_encoded_phrase_parse("utf-8", v, strlen(v), &idx,
	    "utf-8", &decoded) == MAILIMF_NO_ERROR && decoded != NULL)
		inb_keep(in->subject, sizeof(in->subject), decoded,
		    strlen(decoded));
	else
		inb_keep(in->subject, sizeof(in->subject), v, strlen(v));
	free(decoded);
}

static void
inb_head(struct inbound *in, struct inb_head *h, const struct inbound_addrs *a,
    const char *msg, size_t len)
{
	const char *p = msg, *v;
	struct inb_field *f = xmalloc(sizeof(*f));

	while (inb_field_next(&p, msg + len, f, 1)) {
		v = inb_value(f);
		if (inb_is_recipient_field(f))
			inb_tokens(in, a, f->value, f->vlen, 1);
		if (inb_is(f->name, f->nlen, "from") && in->from[0] == '\0')
			inb_from(in, h, v);
		else if (inb_is(f->name, f->nlen, "subject") &&
		    in->subject[0] == '\0')
			inb_subject(in, v);
		else if (inb_is(f->name, f->nlen, "message-id") &&
		    in->message_id[0] == '\0')
			inb_keep(in->message_id, sizeof(in->message_id), v,
			    strlen(v));
		else if (inb_is(f->name, f->nlen, "return-path"))
			h->null_sender = strcmp(v, "<>") == 0 ||
			    strcmp(v, "< >") == 0;
		else if (inb_is(f->name, f->nlen, "auto-submitted"))
			h->autoreply |= !inb_is(v, strcspn(v, " \t;("), "no");
		else if (inb_is(f->name, f->nlen, "x-autoreply") ||
		    inb_is(f->name, f->nlen, "x-autorespond") ||
		    (inb_is(f->name, f->nlen, "precedence") &&
		    inb_is(v, strcspn(v, " \t;"), "auto_reply")))
			h->autoreply = 1;
		else if (inb_is(f->name, f->nlen, "x-failed-recipients")) {
			h->failed_rcpt = 1;
			inb_address(h->failed, sizeof(h->failed), v);
		}
	}
	free(f);
}

/* Subjects of out-of-office replies that carry none of the headers. */
static int
inb_autoreply_subject(const char *s)
{
	static const char *const starts[] = { "auto:", "automatic reply",
	    "autoreply", "auto-reply", "auto reply", "out of office",
	    "out of the office", "vacation", NULL };
	const char *const *p;

	for (p = starts; *p != NULL; p++)
		if (strncasecmp(s, *p, strlen(*p)) == 0)
			return 1;
	return inb_find(s, strlen(s), "out of office") != NULL ||
	    inb_find(s, strlen(s), "out of the office") != NULL;
}

/* A bounce in another style than RFC 3464: its text holds a status or
 * says it failed. 1 when it does (out filled), else 0. */
static int
inb_plain_bounce(struct inbound *in, const struct inb_head *h,
    const char *text, size_t n)
{
	const char *hit, *line, *eol;
	size_t len = 0;

	hit = inb_status_find(text, n, &len);
	if (hit != NULL) {
		memcpy(in->status, hit, len);
		in->status[len] = '\0';
	} else if ((hit = inb_reply_find(text, n)) != NULL) {
		snprintf(in->status, sizeof(in->status), "%c.0.0", hit[0]);
	} else if (inb_any(text, n, inb_unknown_words) ||
	    inb_any(text, n, inb_hard_words)) {
		snprintf(in->status, sizeof(in->status), "5.0.0");
	} else if (inb_any(text, n, inb_soft_words)) {
		snprintf(in->status, sizeof(in->status), "4.0.0");
	} else {
		return 0;
	}
	if (hit != NULL) {
		for (line = hit; line > text && line[-1] != '\n'; line--)
			;
		eol = memchr(hit, '\n', (size_t)(text + n - hit));
		inb_keep(in->diagnostic, sizeof(in->diagnostic), line,
		    (size_t)((eol ? eol : text + n) - line));
	}
	snprintf(in->action, sizeof(in->action), "%s", in->status[0] == '4' &&
	    !inb_any(text, n, inb_hard_words) ? "delayed" : "failed");
	in->kind = INBOUND_BOUNCE;
	in->why = h->failed_rcpt ? "bounce (exim style)" :
	    "bounce (non-standard)";
	if (h->failed_rcpt)
		memcpy(in->recipient, h->failed, sizeof(in->recipient));
	in->severity = inb_weigh_words(inbound_severity_of(in->action,
	    in->status), in->status, text, n);
	return 1;
}

static int
inb_unsubscribe_token(const struct inbound *in)
{
	size_t i;

	for (i = 0; i < in->ntokens; i++)
		if (in->tokens[i].kind == VERP_UNSUBSCRIBE &&
		    in->tokens[i].in_recipient)
			return 1;
	return 0;
}

/* ---- the classifier ---------------------------------------------------- */

static void
inb_decide(struct inbound *in, struct inb_walk *w, const struct inb_head *h)
{
	if (w->dsn != NULL) {
		inb_dsn(in, w->dsn, w->dsn_len);
		return;
	}
	if (w->arf != NULL) {
		inb_arf(in, w->arf, w->arf_len);
		return;
	}
	if (inb_unsubscribe_token(in)) {
		in->kind = INBOUND_UNSUBSCRIBE;
		in->why = "to the unsubscribe address";
		return;
	}
	if (h->daemon_from || h->failed_rcpt || (h->null_sender &&
	    !h->autoreply && !inb_autoreply_subject(in->subject))) {
		if (inb_plain_bounce(in, h, w->text, w->text_len))
			return;
		/* A mailer daemon's Auto-Submitted is no out-of-office. */
		if (h->daemon_from || h->failed_rcpt) {
			in->kind = INBOUND_OTHER;
			in->why = w->cut ? "nested too deeply to read" :
			    "from a mailer daemon, no status";
			return;
		}
	}
	if (h->autoreply || inb_autoreply_subject(in->subject)) {
		in->kind = INBOUND_AUTOREPLY;
		in->why = "auto-reply";
		return;
	}
	if (inb_has_word(in->subject, strlen(in->subject), "unsubscribe")) {
		in->kind = INBOUND_UNSUBSCRIBE;
		in->why = "unsubscribe in the subject";
		in->by_from = 1;
		return;
	}
	in->kind = INBOUND_OTHER;
	in->why = w->cut ? "nested too deeply to read" : "not a report";
}

void
inbound_classify(const char *msg, size_t len, const struct inbound_addrs *a,
    struct inbound *out)
{
	struct inb_walk *w = xcalloc(1, sizeof(*w));
	struct mailmime *mm = NULL;
	struct inb_head h;
	size_t idx = 0, i, limit;

	memset(out, 0, sizeof(*out));
	memset(&h, 0, sizeof(h));
	if (len > INBOUND_MESSAGE_MAX)
		len = INBOUND_MESSAGE_MAX;
	w->in = out;
	w->a = a;
	inb_head(out, &h, a, msg, len);
	inb_tokens(out, a, msg, len, 0);
	limit = inb_parse_limit(msg, len);
	w->cut = limit < len;
	if (mailmime_parse(msg, limit, &idx, &mm) == MAILIMF_NO_ERROR &&
	    mm != NULL)
		inb_walk(w, mm, 0, 0);
	else
		inb_text_add(w, msg, len < INBOUND_TEXT_SCAN ? len :
		    INBOUND_TEXT_SCAN);
	inb_decide(out, w, &h);
	if (out->kind != INBOUND_BOUNCE)
		out->severity = INBOUND_NONE;
	for (i = 0; i < w->nowned; i++)
		mailmime_decoded_part_free(w->owned[i]);
	if (mm != NULL)
		mailmime_free(mm);
	free(w);
}

const char *
inbound_kind_name(enum inbound_kind k)
{
	static const char *const names[] = { "other", "bounce", "complaint",
	    "unsubscribe", "auto-reply" };

	return (size_t)k < sizeof(names) / sizeof(names[0]) ? names[k] :
	    "other";
}

const char *
inbound_severity_name(enum inbound_severity s)
{
	static const char *const names[] = { "none", "soft", "hard",
	    "unknown-user" };

	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] :
	    "none";
}
