#include "rows.h"
#include "addr.h"
#include "date.h"
#include "utf8.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *
rows_show(const char *s, size_t len, char out[ROWS_SHOW_LEN])
{
	size_t i = 0, n = 0, k, room;
	uint32_t cp;

	while (i < len && i < ROWS_SHOW_MAX) {
		k = utf8_decode(s + i, len - i, &cp);
		room = ROWS_SHOW_LEN - n;
		if (cp == UTF8_REPLACEMENT && k == 1)
			n += (size_t)snprintf(out + n, room, "\\x%02x",
			    (unsigned char)s[i]);
		else if (cp == '\n' || cp == '\r' || cp == '\t')
			n += (size_t)snprintf(out + n, room, "\\%c",
			    cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't');
		else if (cp < 0x20 || cp == 0x7F)
			n += (size_t)snprintf(out + n, room, "\\x%02x",
			    (unsigned)cp);
		else if (cp >= 0x80 && cp < 0xA0)
			n += (size_t)snprintf(out + n, room, "\\u%04x",
			    (unsigned)cp);
		else {
			memcpy(out + n, s + i, k);
			n += k;
		}
		i += k;
	}
	if (i < len) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

/*
 * CSV (RFC 4180): fields separated by commas, records by CRLF or LF (a
 * lone CR too); a field in double quotes may hold commas, line breaks
 * and "" for a quote. Lenient where a spreadsheet is: white space around
 * a quoted field is ignored, and a quote inside an unquoted field is
 * kept as it is.
 */

struct csv {
	const char *p, *end;
	int line;		/* the line p is on, from 1 */
};

struct csv_record {
	char **f;		/* owned, each NUL-terminated */
	size_t *len;		/* owned; a field may hold NUL bytes */
	size_t n, cap, len_cap;
	int line;		/* where the record starts */
};

static void
csv_record_clear(struct csv_record *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->f[i]);
	r->n = 0;
}

static void
csv_record_release(struct csv_record *r)
{
	csv_record_clear(r);
	free(r->f);
	free(r->len);
	memset(r, 0, sizeof(*r));
}

static void
csv_record_push(struct csv_record *r, const char *s, size_t len)
{
	xgrow(&r->f, &r->cap, r->n + 1, sizeof(*r->f));
	xgrow(&r->len, &r->len_cap, r->n + 1, sizeof(*r->len));
	r->f[r->n] = xstrndup(s, len);
	r->len[r->n++] = len;
}

/* Steps over a line break at c->p, if there is one: 1 when it did. */
static int
csv_eol(struct csv *c)
{
	if (c->p < c->end && *c->p == '\r') {
		c->p++;
		if (c->p < c->end && *c->p == '\n')
			c->p++;
	} else if (c->p < c->end && *c->p == '\n') {
		c->p++;
	} else {
		return 0;
	}
	c->line++;
	return 1;
}

/* Moves to the start of the next line. */
static void
csv_skip_line(struct csv *c)
{
	while (c->p < c->end && *c->p != '\r' && *c->p != '\n')
		c->p++;
	csv_eol(c);
}

static const char *
csv_skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* After a closing quote, only blanks and then a comma or the end of the
 * line may follow: 0, else -1 with msg. Text there on a later line than
 * the opening quote means that quote was the stray one. */
static int
csv_closed(struct csv *c, int first_line, char *msg)
{
	c->p = csv_skip_blanks(c->p, c->end);
	if (c->p == c->end || *c->p == ',' || *c->p == '\r' || *c->p == '\n')
		return 0;
	(void)snprintf(msg, ROWS_MSG_LEN, "%s", c->line > first_line ?
	    "a quoted field is never closed properly" :
	    "text follows the closing quote of a field");
	return -1;
}

/* The quoted field whose opening quote c->p is just past, into *buf:
 * 0, or -1 when it is never closed or text follows its closing quote. */
static int
csv_quoted(struct csv *c, char **buf, size_t *n, size_t *cap, char *msg)
{
	int first_line = c->line;

	for (;;) {
		if (c->p == c->end) {
			(void)snprintf(msg, ROWS_MSG_LEN, "a quoted field is "
			    "never closed");
			return -1;
		}
		if (*c->p == '"' && c->p + 1 < c->end && c->p[1] == '"') {
			c->p++;		/* "" stands for one quote */
		} else if (*c->p == '"') {
			c->p++;
			return csv_closed(c, first_line, msg);
		} else if (*c->p == '\n' || (*c->p == '\r' &&
		    (c->p + 1 == c->end || c->p[1] != '\n'))) {
			c->line++;
		}
		xgrow(buf, cap, *n + 1, 1);
		(*buf)[(*n)++] = *c->p++;
	}
}

/* Adds the line [start, end) to msg, which says what is wrong in it. */
static void
csv_quote_line(const char *start, const char *end, char *msg)
{
	char show[ROWS_SHOW_LEN];
	size_t n = strlen(msg);

	while (end > start && (end[-1] == '\r' || end[-1] == '\n'))
		end--;
	(void)snprintf(msg + n, ROWS_MSG_LEN - n, " in '%s'", rows_show(start,
	    (size_t)(end - start), show));
}

/* Reads the next record that is not a blank line into r: 1, 0 at the
 * end, or -1 with msg for a malformed one (r->line says where), after
 * which reading goes on at the next line. */
static int
csv_read(struct csv *c, struct csv_record *r, char *msg)
{
	const char *start, *q;
	char *buf = NULL;
	size_t n, cap = 0;

	while (csv_eol(c))
		;
	if (c->p == c->end)
		return 0;
	csv_record_clear(r);
	r->line = c->line;
	start = c->p;
	for (;;) {
		n = 0;
		q = csv_skip_blanks(c->p, c->end);
		if (q < c->end && *q == '"') {
			c->p = q + 1;
			if (csv_quoted(c, &buf, &n, &cap, msg) == -1) {
				free(buf);
				/* Whatever the quote swallowed is read again,
				 * from the line after the one it started on. */
				c->p = start;
				c->line = r->line;
				csv_skip_line(c);
				csv_quote_line(start, c->p, msg);
				return -1;
			}
			csv_record_push(r, buf ? buf : "", n);
		} else {
			for (q = c->p; q < c->end && *q != ',' && *q != '\r' &&
			    *q != '\n'; q++)
				;
			csv_record_push(r, c->p, (size_t)(q - c->p));
			c->p = q;
		}
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		csv_eol(c);
		free(buf);
		return 1;
	}
}

/* 1 when every field of r is empty or white space: a spreadsheet's
 * trailing ",,". */
static int
csv_record_blank(const struct csv_record *r)
{
	size_t i, len;

	for (i = 0; i < r->n; i++) {
		len = r->len[i];
		(void)util_trim(r->f[i], &len);
		if (len > 0)
			return 0;
	}
	return 1;
}

/*
 * The columns: each field has the names the tools use for it.
 */

static const char *const rows_field_names[ROWS_NFIELDS][5] = {
	[ROWS_EMAIL] = { "email", "email address", "e-mail",
	    "e-mail address", NULL },
	[ROWS_NAME] = { "name", "full name", NULL },
	[ROWS_FIRST_NAME] = { "first name", "fname", NULL },
	[ROWS_LAST_NAME] = { "last name", "lname", NULL },
	[ROWS_TAGS] = { "tags", NULL },
	[ROWS_STATUS] = { "status", NULL },
	[ROWS_CREATED] = { "created", "created_at", "optin_time", NULL },
	[ROWS_CONFIRMED] = { "confirmed", "confirm_time", NULL },
	[ROWS_UNSUBSCRIBED] = { "unsubscribed", "unsub_time", NULL },
	[ROWS_CONSENT] = { "consent", NULL },
	[ROWS_OPTIN_IP] = { "optin_ip", NULL },
	[ROWS_CONFIRM_IP] = { "confirm_ip", NULL },
	[ROWS_UNSUB_REASON] = { "unsub_reason", NULL },
	[ROWS_CLEANED] = { "clean_time", NULL },
	[ROWS_ATTRIBUTES] = { "attributes", NULL },
};

/* The fields --column may name. */
static const struct {
	const char *word;
	enum rows_field field;
} rows_column_words[] = {
	{ "email", ROWS_EMAIL }, { "name", ROWS_NAME },
	{ "tags", ROWS_TAGS }, { "status", ROWS_STATUS },
};

int
rows_columns_set(struct rows_columns *c, const char *spec, char *msg)
{
	const char *eq = strchr(spec, '=');
	size_t i, n = eq ? (size_t)(eq - spec) : 0;

	for (i = 0; eq != NULL && eq[1] != '\0' && i <
	    sizeof(rows_column_words) / sizeof(rows_column_words[0]); i++) {
		if (strlen(rows_column_words[i].word) == n &&
		    strncmp(spec, rows_column_words[i].word, n) == 0) {
			c->name[rows_column_words[i].field] = eq + 1;
			return 0;
		}
	}
	(void)snprintf(msg, ROWS_MSG_LEN, "invalid --column '%s': expected "
	    "FIELD=NAME, FIELD one of email, name, tags, status", spec);
	return -1;
}

struct rows_state {
	struct csv csv;
	struct csv_record rec;
	long col[ROWS_NFIELDS];		/* -1: absent */
	enum store_status implied;	/* a Mailchimp file's kind */
	int has_implied;
	json_t *array;			/* owned */
	size_t index;
};

static long
csv_column(const struct csv_record *r, const char *name)
{
	size_t i, len;
	const char *f;

	for (i = 0; i < r->n; i++) {
		len = r->len[i];
		f = util_trim(r->f[i], &len);
		if (len == strlen(name) && strncasecmp(f, name, len) == 0)
			return (long)i;
	}
	return -1;
}

/* Why the first line of a CSV file names no email column, with a hint
 * for the usual mistakes. */
static void
csv_no_email(const struct csv_record *r, const char *given, char *msg)
{
	const char *hint = "expected a header such as email,name,tags, or a "
	    "JSON array";

	if (given != NULL) {
		(void)snprintf(msg, ROWS_MSG_LEN, "its first line has no column "
		    "'%.200s' (--column email=)", given);
		return;
	}
	if (r->n == 1 && (memchr(r->f[0], ';', r->len[0]) != NULL ||
	    memchr(r->f[0], '\t', r->len[0]) != NULL))
		hint = "columns must be separated by commas";
	else if (r->n > 0 && memchr(r->f[0], '@', r->len[0]) != NULL)
		hint = "the first line must name the columns, such as "
		    "email,name,tags";
	(void)snprintf(msg, ROWS_MSG_LEN, "its first line names no email "
	    "column (%s)", hint);
}

/* Finds each field's column: the name --column gave, else the usual
 * ones. A name given that is not there is an error. */
static int
rows_find_columns(struct rows *r, const struct rows_columns *cols,
    char *msg)
{
	struct rows_state *st = r->st;
	int f, k;

	for (f = 0; f < ROWS_NFIELDS; f++) {
		st->col[f] = -1;
		if (cols != NULL && cols->name[f] != NULL) {
			st->col[f] = csv_column(&st->rec, cols->name[f]);
			if (st->col[f] == -1 && f != ROWS_EMAIL) {
				(void)snprintf(msg, ROWS_MSG_LEN, "its first line "
				    "has no column '%.200s' (--column)",
				    cols->name[f]);
				return -1;
			}
			continue;
		}
		for (k = 0; rows_field_names[f][k] != NULL &&
		    st->col[f] == -1; k++)
			st->col[f] = csv_column(&st->rec, rows_field_names[f][k]);
	}
	if (st->col[ROWS_EMAIL] == -1) {
		csv_no_email(&st->rec, cols ? cols->name[ROWS_EMAIL] : NULL,
		    msg);
		return -1;
	}
	r->kind = csv_column(&st->rec, "email address") != -1 ? "mailchimp" :
	    st->col[ROWS_ATTRIBUTES] != -1 ? "listmonk" : "csv";
	/* Mailchimp writes one file per status and names none in it. */
	if (st->col[ROWS_CLEANED] != -1) {
		st->implied = STORE_BOUNCED;
		st->has_implied = 1;
	} else if (st->col[ROWS_UNSUBSCRIBED] != -1 &&
	    strcmp(r->kind, "mailchimp") == 0) {
		st->implied = STORE_UNSUBSCRIBED;
		st->has_implied = 1;
	}
	return 0;
}

static int
rows_open_csv(struct rows *r, const char *data, size_t len,
    const struct rows_columns *cols, char *msg)
{
	struct rows_state *st = r->st;
	char why[ROWS_MSG_LEN];
	int rc;

	st->csv.p = data;
	st->csv.end = data + len;
	st->csv.line = 1;
	rc = csv_read(&st->csv, &st->rec, why);
	if (rc == -1) {
		(void)snprintf(msg, ROWS_MSG_LEN, "line %d: %.200s",
		    st->rec.line, why);
		return -1;
	}
	if (rc == 0) {
		csv_no_email(&st->rec, NULL, msg);
		return -1;
	}
	return rows_find_columns(r, cols, msg);
}

static int
rows_open_json(struct rows *r, const char *data, size_t len, char *msg)
{
	json_error_t jerr;

	r->json = 1;
	r->kind = "json";
	r->st->array = json_loadb(data, len, 0, &jerr);
	if (r->st->array == NULL) {
		(void)snprintf(msg, ROWS_MSG_LEN, "invalid JSON at line %d: %s",
		    jerr.line, jerr.text);
		return -1;
	}
	if (!json_is_array(r->st->array)) {
		(void)snprintf(msg, ROWS_MSG_LEN, "expected a JSON array");
		return -1;
	}
	return 0;
}

int
rows_open(struct rows *r, const char *data, size_t len,
    const struct rows_columns *cols, char *msg)
{
	size_t i = 0;

	memset(r, 0, sizeof(*r));
	r->kind = "csv";
	r->st = xcalloc(1, sizeof(*r->st));
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	if (len >= 2 && (memcmp(data, "\xff\xfe", 2) == 0 ||
	    memcmp(data, "\xfe\xff", 2) == 0)) {
		(void)snprintf(msg, ROWS_MSG_LEN, "it is UTF-16: save it as "
		    "UTF-8");
		return -1;
	}
	while (i < len && (data[i] == ' ' || data[i] == '\t' ||
	    data[i] == '\r' || data[i] == '\n'))
		i++;
	if (i == len) {
		(void)snprintf(msg, ROWS_MSG_LEN, "it is empty");
		return -1;
	}
	if (data[i] == '{') {
		(void)snprintf(msg, ROWS_MSG_LEN, "a JSON import must be an "
		    "array of objects, [{\"email\": ...}, ...]");
		return -1;
	}
	if (data[i] == '[')
		return rows_open_json(r, data, len, msg);
	return rows_open_csv(r, data, len, cols, msg);
}

void
rows_close(struct rows *r)
{
	if (r->st != NULL) {
		csv_record_release(&r->st->rec);
		json_decref(r->st->array);
		free(r->st);
	}
	memset(r, 0, sizeof(*r));
}

void
rows_row_init(struct rows_row *r, enum store_status st)
{
	memset(r, 0, sizeof(*r));
	store_subscriber_init(&r->s);
	r->s.status = st;
}

void
rows_row_release(struct rows_row *r)
{
	size_t i;

	store_subscriber_release(&r->s);
	for (i = 0; i < r->nconsent; i++) {
		free(r->consent[i].ip);
		free(r->consent[i].agent);
		free(r->consent[i].form);
		free(r->consent[i].detail);
	}
	free(r->consent);
	memset(r, 0, sizeof(*r));
}

/*
 * The values of a row, whatever file they came from.
 */

void
rows_tags_parse(struct store_subscriber *s, const char *p, size_t len)
{
	const char *end = p + len, *q, *t;
	size_t n;

	while (p < end) {
		for (q = p; q < end && *q != ';' && *q != ','; q++)
			;
		n = (size_t)(q - p);
		t = util_trim(p, &n);
		if (n >= 2 && t[0] == '"' && t[n - 1] == '"') {
			t++;
			n -= 2;
		}
		store_subscriber_tag_add(s, t, n);
		p = q + 1;
	}
}

int
rows_row_email(struct rows_row *r, const char *email, size_t len, char *msg)
{
	char out[ADDR_MAX + 1], err[ERR_LEN], show[ROWS_SHOW_LEN];

	if (addr_from_text(email, len, out, err) == -1) {
		(void)snprintf(msg, ROWS_MSG_LEN, "invalid address '%s': %s",
		    rows_show(email, len, show), err);
		return -1;
	}
	r->s.email = xstrdup(out);
	return 0;
}

int
rows_row_name(struct rows_row *r, const char *name, size_t len, char *msg)
{
	char err[ERR_LEN], show[ROWS_SHOW_LEN];

	name = util_trim(name, &len);
	if (store_name_check(name, len, err) == -1) {
		(void)snprintf(msg, ROWS_MSG_LEN, "invalid name '%s': %s",
		    rows_show(name, len, show), err);
		return -1;
	}
	free(r->s.name);
	r->s.name = len > 0 ? xstrndup(name, len) : NULL;
	r->has_name = 1;
	return 0;
}

/* The status an import leaves: rows_row_merge's rules. */
static enum store_status
rows_status_merged(const struct store_subscriber *old, enum store_status want)
{
	if (store_status_suppressed(old->status))
		return old->status;
	if (store_status_suppressed(want) || (old->status == STORE_PENDING &&
	    want == STORE_CONFIRMED))
		return want;
	return old->status;
}

void
rows_row_merge(struct rows_row *r, struct store_subscriber *old)
{
	if (!r->has_name) {
		r->s.name = old->name;
		old->name = NULL;
	}
	if (!r->has_tags) {
		r->s.tags = old->tags;
		r->s.ntags = old->ntags;
		r->s.tags_cap = old->tags_cap;
		old->tags = NULL;
		old->ntags = old->tags_cap = 0;
	}
	r->s.status = rows_status_merged(old, r->s.status);
}

/* The status words of digest and of the tools people move from. */
static const struct {
	const char *word;
	enum store_status st;
} rows_status_words[] = {
	{ "pending", STORE_PENDING }, { "unconfirmed", STORE_PENDING },
	{ "confirmed", STORE_CONFIRMED }, { "subscribed", STORE_CONFIRMED },
	{ "enabled", STORE_CONFIRMED }, { "active", STORE_CONFIRMED },
	{ "unsubscribed", STORE_UNSUBSCRIBED },
	{ "disabled", STORE_UNSUBSCRIBED },
	{ "blocklisted", STORE_UNSUBSCRIBED },
	{ "blacklisted", STORE_UNSUBSCRIBED },
	{ "bounced", STORE_BOUNCED }, { "cleaned", STORE_BOUNCED },
	{ "complained", STORE_COMPLAINED },
};

/* Sets the status a file gives for one row (any case); empty leaves the
 * default. */
static int
rows_status(struct rows_row *r, const char *s, size_t len, char *msg)
{
	char show[ROWS_SHOW_LEN];
	size_t i;

	s = util_trim(s, &len);
	if (len == 0)
		return 0;
	for (i = 0; i < sizeof(rows_status_words) /
	    sizeof(rows_status_words[0]); i++) {
		if (strlen(rows_status_words[i].word) == len &&
		    strncasecmp(s, rows_status_words[i].word, len) == 0) {
			r->s.status = rows_status_words[i].st;
			r->has_status = 1;
			return 0;
		}
	}
	(void)snprintf(msg, ROWS_MSG_LEN, "invalid status '%s': expected "
	    "pending, confirmed, unsubscribed, bounced or complained (or "
	    "subscribed, cleaned, enabled, disabled, blocklisted)",
	    rows_show(s, len, show));
	return -1;
}

/* A time as the files write it: RFC 3339, "2024-01-15 10:22:33"
 * (Mailchimp, UTC), "2024-01-15 10:22:33.123+00" (listmonk), or epoch
 * seconds. Empty is 0 (none). 0, or -1 with msg. */
static int
rows_time(const char *s, size_t len, const char *what, int64_t *out,
    char *msg)
{
	char buf[64], show[ROWS_SHOW_LEN];
	long long n;
	size_t k;

	s = util_trim(s, &len);
	*out = 0;
	if (len == 0)
		return 0;
	if (len < sizeof(buf) - 3) {
		memcpy(buf, s, len);
		buf[len] = '\0';
		if (strspn(buf, "0123456789") == len && util_parse_long(buf, 0,
		    DATE_MAX, &n) == 0) {
			*out = n;
			return 0;
		}
		if (date_parse(buf, len, out) == 0)
			return 0;
		/* "+00" as PostgreSQL writes a whole-hour offset. */
		k = len;
		if (k > 3 && (buf[k - 3] == '+' || buf[k - 3] == '-')) {
			memcpy(buf + k, ":00", 4);
			if (date_parse(buf, k + 3, out) == 0)
				return 0;
		}
	}
	(void)snprintf(msg, ROWS_MSG_LEN, "invalid %s time '%s'", what,
	    rows_show(s, len, show));
	return -1;
}

/* Adds an entry to the row's log; takes nothing, copies the strings. */
static struct rows_consent *
rows_consent_add(struct rows_row *r, enum store_action a, int64_t t,
    const char *ip, size_t iplen, const char *form)
{
	struct rows_consent *c;

	xgrow(&r->consent, &r->consent_cap, r->nconsent + 1,
	    sizeof(*r->consent));
	c = &r->consent[r->nconsent++];
	memset(c, 0, sizeof(*c));
	c->c.time = t;
	c->c.action = a;
	if (ip != NULL) {
		const char *trimmed = util_trim(ip, &iplen);

		if (iplen > 0)
			c->ip = xstrndup(trimmed, iplen);
	}
	if (form != NULL)
		c->form = xstrdup(form);
	return c;
}

/* Points each entry's store_consent at its own strings. */
static void
rows_consent_fix(struct rows_row *r)
{
	size_t i;

	for (i = 0; i < r->nconsent; i++) {
		r->consent[i].c.ip = r->consent[i].ip;
		r->consent[i].c.agent = r->consent[i].agent;
		r->consent[i].c.form = r->consent[i].form;
		r->consent[i].c.detail = r->consent[i].detail;
	}
}

static char *
rows_json_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? xstrndup(json_string_value(v),
	    json_string_length(v)) : NULL;
}

/* A consent log as digest exports it: a JSON array of entries. */
static int
rows_consent_json(struct rows_row *r, json_t *log, char *msg)
{
	struct rows_consent *c;
	enum store_action a;
	json_t *e, *t;
	int64_t when;
	size_t i;

	if (log == NULL || json_is_null(log))
		return 0;
	if (!json_is_array(log)) {
		(void)snprintf(msg, ROWS_MSG_LEN, "consent must be an array");
		return -1;
	}
	json_array_foreach(log, i, e) {
		t = json_object_get(e, "time");
		if (!json_is_string(json_object_get(e, "action")) ||
		    store_action_from_name(json_string_value(json_object_get(e,
		    "action")), &a) == -1) {
			(void)snprintf(msg, ROWS_MSG_LEN, "consent entry %zu: no "
			    "known action", i);
			return -1;
		}
		if (json_is_integer(t))
			when = json_integer_value(t);
		else if (!json_is_string(t) || rows_time(json_string_value(t),
		    json_string_length(t), "consent", &when, msg) == -1) {
			if (!json_is_string(t))
				(void)snprintf(msg, ROWS_MSG_LEN, "consent entry "
				    "%zu: no time", i);
			return -1;
		}
		c = rows_consent_add(r, a, when, NULL, 0, NULL);
		c->ip = rows_json_str(e, "ip");
		c->agent = rows_json_str(e, "agent");
		c->form = rows_json_str(e, "form");
		c->detail = rows_json_str(e, "detail");
	}
	return 0;
}

static int
rows_consent_text(struct rows_row *r, const char *s, size_t len, char *msg)
{
	json_error_t jerr;
	json_t *log;
	int rc;

	s = util_trim(s, &len);
	if (len == 0)
		return 0;
	if ((log = json_loadb(s, len, 0, &jerr)) == NULL) {
		(void)snprintf(msg, ROWS_MSG_LEN, "invalid consent log: %s",
		    jerr.text);
		return -1;
	}
	rc = rows_consent_json(r, log, msg);
	json_decref(log);
	return rc;
}

/* The cell of field f in the current record, if the file has it. */
static int
rows_cell(const struct rows *r, enum rows_field f, const char **s,
    size_t *len)
{
	long col = r->st->col[f];

	if (col < 0 || (size_t)col >= r->st->rec.n)
		return 0;
	*s = r->st->rec.f[col];
	*len = r->st->rec.len[col];
	return 1;
}

/* Mailchimp's "First Name" and "Last Name", as one name. */
static int
rows_csv_names(struct rows *r, struct rows_row *row, char *msg)
{
	const char *first = "", *last = "";
	size_t fl = 0, ll = 0;
	char *joined;
	int rc, has;

	has = rows_cell(r, ROWS_FIRST_NAME, &first, &fl);
	has |= rows_cell(r, ROWS_LAST_NAME, &last, &ll);
	if (!has)
		return 0;
	first = util_trim(first, &fl);
	last = util_trim(last, &ll);
	joined = xmalloc(fl + ll + 2);
	memcpy(joined, first, fl);
	joined[fl] = fl > 0 && ll > 0 ? ' ' : '\0';
	memcpy(joined + fl + (fl > 0 && ll > 0), last, ll);
	rc = rows_row_name(row, joined, fl + ll + (fl > 0 && ll > 0), msg);
	free(joined);
	return rc;
}

/* listmonk's attributes: a JSON object whose "tags" are taken. */
static void
rows_csv_attributes(struct rows *r, struct rows_row *row)
{
	const char *s;
	size_t len, i;
	json_t *a, *tags, *t;

	if (!rows_cell(r, ROWS_ATTRIBUTES, &s, &len))
		return;
	if ((a = json_loadb(s, len, 0, NULL)) == NULL)
		return;
	tags = json_object_get(a, "tags");
	if (json_is_string(tags)) {
		rows_tags_parse(&row->s, json_string_value(tags),
		    json_string_length(tags));
		row->has_tags = 1;
	}
	json_array_foreach(tags, i, t) {
		if (json_is_string(t))
			store_subscriber_tag_add(&row->s, json_string_value(t),
			    json_string_length(t));
		row->has_tags = 1;
	}
	json_decref(a);
}

/* The times of a CSV row, and the log Mailchimp's columns make. */
static int
rows_csv_times(struct rows *r, struct rows_row *row, char *msg)
{
	const char *s, *ip;
	size_t len, iplen;
	int64_t cleaned = 0;
	struct rows_consent *c;
	const char *form = strcmp(r->kind, "mailchimp") == 0 ? "mailchimp" :
	    NULL;

	if ((rows_cell(r, ROWS_CREATED, &s, &len) && rows_time(s, len,
	    "created", &row->s.created, msg) == -1) ||
	    (rows_cell(r, ROWS_CONFIRMED, &s, &len) && rows_time(s, len,
	    "confirmed", &row->s.confirmed, msg) == -1) ||
	    (rows_cell(r, ROWS_UNSUBSCRIBED, &s, &len) && rows_time(s, len,
	    "unsubscribed", &row->s.unsubscribed, msg) == -1) ||
	    (rows_cell(r, ROWS_CLEANED, &s, &len) && rows_time(s, len,
	    "clean", &cleaned, msg) == -1))
		return -1;
	if (form == NULL)
		return 0;
	if (row->s.created != 0) {
		iplen = 0;
		ip = rows_cell(r, ROWS_OPTIN_IP, &ip, &iplen) ? ip : NULL;
		rows_consent_add(row, STORE_ACTION_SIGNUP, row->s.created, ip,
		    iplen, form);
	}
	if (row->s.confirmed != 0) {
		iplen = 0;
		ip = rows_cell(r, ROWS_CONFIRM_IP, &ip, &iplen) ? ip : NULL;
		rows_consent_add(row, STORE_ACTION_CONFIRM, row->s.confirmed,
		    ip, iplen, form);
	}
	if (row->s.unsubscribed != 0) {
		c = rows_consent_add(row, STORE_ACTION_UNSUBSCRIBE,
		    row->s.unsubscribed, NULL, 0, form);
		if (rows_cell(r, ROWS_UNSUB_REASON, &s, &len)) {
			s = util_trim(s, &len);
			if (len > 0)
				c->detail = xstrndup(s, len);
		}
	}
	if (cleaned != 0) {
		rows_consent_add(row, STORE_ACTION_BOUNCE, cleaned, NULL, 0,
		    form);
		if (row->s.unsubscribed == 0)
			row->s.unsubscribed = cleaned;
	}
	return 0;
}

static int
rows_csv_row(struct rows *r, struct rows_row *row, char *msg)
{
	const char *s = "";
	size_t len = 0;

	(void)rows_cell(r, ROWS_EMAIL, &s, &len);
	if (rows_row_email(row, s, len, msg) == -1)
		return -1;
	if (rows_cell(r, ROWS_NAME, &s, &len)) {
		if (rows_row_name(row, s, len, msg) == -1)
			return -1;
	} else if (rows_csv_names(r, row, msg) == -1) {
		return -1;
	}
	if (rows_cell(r, ROWS_TAGS, &s, &len)) {
		rows_tags_parse(&row->s, s, len);
		row->has_tags = 1;
	} else {
		rows_csv_attributes(r, row);
	}
	if (r->st->has_implied) {
		row->s.status = r->st->implied;
		row->has_status = 1;
	}
	if (rows_cell(r, ROWS_STATUS, &s, &len) && rows_status(row, s, len,
	    msg) == -1)
		return -1;
	if (rows_csv_times(r, row, msg) == -1)
		return -1;
	if (rows_cell(r, ROWS_CONSENT, &s, &len) && rows_consent_text(row, s,
	    len, msg) == -1)
		return -1;
	return 0;
}

static int
json_row_tags(struct rows_row *r, json_t *tags, char *msg)
{
	size_t i;
	json_t *t;

	r->has_tags = 1;
	if (json_is_null(tags))
		return 0;
	if (json_is_string(tags)) {
		rows_tags_parse(&r->s, json_string_value(tags),
		    json_string_length(tags));
		return 0;
	}
	if (!json_is_array(tags)) {
		(void)snprintf(msg, ROWS_MSG_LEN, "tags must be an array of "
		    "strings or one string");
		return -1;
	}
	json_array_foreach(tags, i, t) {
		if (!json_is_string(t)) {
			(void)snprintf(msg, ROWS_MSG_LEN, "tags must be "
			    "strings");
			return -1;
		}
		store_subscriber_tag_add(&r->s, json_string_value(t),
		    json_string_length(t));
	}
	return 0;
}

/* A string-valued key (absent or null: fine); 1 when there, 0 not, -1
 * when it is something else. */
static int
json_row_string(json_t *o, const char *key, const char **s, size_t *len,
    char *msg)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v) && strcmp(key, "status") != 0)
		return 2;
	if (!json_is_string(v)) {
		(void)snprintf(msg, ROWS_MSG_LEN, "%s is not a string", key);
		return -1;
	}
	*s = json_string_value(v);
	*len = json_string_length(v);
	return 1;
}

static int
json_row_times(json_t *o, struct rows_row *r, char *msg)
{
	static const char *const keys[] = { "created", "confirmed",
	    "unsubscribed" };
	int64_t *at[3];
	const char *s;
	size_t len, i;
	int rc;

	at[0] = &r->s.created;
	at[1] = &r->s.confirmed;
	at[2] = &r->s.unsubscribed;
	for (i = 0; i < 3; i++) {
		rc = json_row_string(o, keys[i], &s, &len, msg);
		if (rc == -1 || (rc == 1 && rows_time(s, len, keys[i], at[i],
		    msg) == -1))
			return -1;
		if (rc == 2)
			*at[i] = json_integer_value(json_object_get(o, keys[i]));
	}
	return 0;
}

static int
json_row(json_t *o, struct rows_row *r, char *msg)
{
	const char *s;
	size_t len;
	json_t *email, *name, *tags;
	int rc;

	if (!json_is_object(o)) {
		(void)snprintf(msg, ROWS_MSG_LEN, "not an object");
		return -1;
	}
	email = json_object_get(o, "email");
	if (!json_is_string(email)) {
		(void)snprintf(msg, ROWS_MSG_LEN, email ? "email is not a "
		    "string" : "no email");
		return -1;
	}
	if (rows_row_email(r, json_string_value(email),
	    json_string_length(email), msg) == -1)
		return -1;
	name = json_object_get(o, "name");
	if (json_is_null(name))
		r->has_name = 1;
	else if (name != NULL && !json_is_string(name)) {
		(void)snprintf(msg, ROWS_MSG_LEN, "name is not a string");
		return -1;
	} else if (name != NULL && rows_row_name(r, json_string_value(name),
	    json_string_length(name), msg) == -1)
		return -1;
	tags = json_object_get(o, "tags");
	if (tags != NULL && json_row_tags(r, tags, msg) == -1)
		return -1;
	rc = json_row_string(o, "status", &s, &len, msg);
	if (rc == -1 || (rc == 1 && rows_status(r, s, len, msg) == -1))
		return -1;
	if (json_row_times(o, r, msg) == -1)
		return -1;
	return rows_consent_json(r, json_object_get(o, "consent"), msg);
}

/* Adds item, compact, to msg, which says what is wrong with it. */
static void
json_quote_item(json_t *item, char *msg)
{
	char show[ROWS_SHOW_LEN], *text;
	size_t n = strlen(msg);

	text = json_dumps(item, JSON_COMPACT | JSON_ENCODE_ANY);
	if (text == NULL)
		return;
	(void)snprintf(msg + n, ROWS_MSG_LEN - n, ": %s", rows_show(text,
	    strlen(text), show));
	free(text);
}

static int
rows_next_json(struct rows *r, struct rows_row *row,
    char where[ROWS_WHERE_LEN], char *msg)
{
	struct rows_state *st = r->st;
	json_t *item;

	if (st->index >= json_array_size(st->array))
		return 0;
	(void)snprintf(where, ROWS_WHERE_LEN, "index %zu", st->index);
	item = json_array_get(st->array, st->index++);
	if (json_row(item, row, msg) == 0)
		return 1;
	/* "invalid address 'x'..." quotes its value already. */
	if (strncmp(msg, "invalid ", 8) != 0)
		json_quote_item(item, msg);
	return -1;
}

int
rows_next(struct rows *r, struct rows_row *row, char where[ROWS_WHERE_LEN],
    char *msg)
{
	struct rows_state *st = r->st;
	int rc;

	if (r->json)
		rc = rows_next_json(r, row, where, msg);
	else {
		do {
			rc = csv_read(&st->csv, &st->rec, msg);
		} while (rc == 1 && csv_record_blank(&st->rec));
		(void)snprintf(where, ROWS_WHERE_LEN, "line %d", st->rec.line);
		if (rc == 1)
			rc = rows_csv_row(r, row, msg) == -1 ? -1 : 1;
	}
	rows_consent_fix(row);
	return rc;
}
