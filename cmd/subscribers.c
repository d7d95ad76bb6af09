/*
 * digest subscribers add, import, list, check: the people digests go to.
 *
 * An import reads CSV (RFC 4180) or a JSON array; every row is checked
 * on its own, a bad one is reported with where it was and the others are
 * stored, all in one transaction.
 */
#include "cmd.h"
#include "addr.h"
#include "date.h"
#include "db.h"
#include "store.h"
#include "utf8.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SUBS_MSG_LEN 1024	/* one report about one row */
#define SUBS_SHOW_MAX 60	/* bytes of a bad value quoted in a report */
/* Each byte shown may take 4 ("\xHH"), a character started before the
 * limit may run 3 bytes past it, then "..." and the NUL. */
#define SUBS_SHOW_LEN ((SUBS_SHOW_MAX + 3) * 4 + 4)
#define SUBS_BAD_SHOWN 100	/* bad rows reported one by one */
#define SUBS_NAME_WIDTH 30	/* the widest name `list` aligns */

const char cmd_subscribers_add_usage[] =
    "usage: digest subscribers add [--name NAME] [--tags TAGS] [--pending]\n"
    "                              [--db PATH] EMAIL\n"
    "\n"
    "Adds the subscriber EMAIL, confirmed unless --pending. An address that\n"
    "is already stored is updated instead: the options given replace what\n"
    "is stored, the others keep it, and the status becomes confirmed (or\n"
    "pending). Prints which it did.\n"
    "\n"
    "      --name NAME          the subscriber's name\n"
    "      --tags TAGS          the topics they want, separated by commas or\n"
    "                           semicolons (none: every topic)\n"
    "      --pending            not confirmed yet\n"
    "      --db PATH            the database (default $DIGEST_DB, else\n"
    "                           ./digest.db)\n"
    "  -h, --help               this help\n"
    "\n"
    "Exit status: 0 added or updated, 65 an invalid address or name, 73 or\n"
    "74 the store failed.\n";

const char cmd_subscribers_import_usage[] =
    "usage: digest subscribers import [--pending] [--db PATH] FILE\n"
    "\n"
    "Adds or updates the subscribers in FILE (\"-\" reads standard input):\n"
    "CSV whose first line names the columns, email and optionally name,\n"
    "tags and status (in any order and case; others are ignored), or a JSON\n"
    "array of objects with those keys. Tags are separated by \";\" or \",\";\n"
    "in JSON they may be an array of strings. A status is pending or\n"
    "confirmed; without one, new subscribers are confirmed unless\n"
    "--pending.\n"
    "\n"
    "Those already stored get the name and tags the file gives (a column or\n"
    "key it lacks keeps what is stored); their status only moves from\n"
    "pending to confirmed, so an import never resubscribes someone who\n"
    "unsubscribed or bounced.\n"
    "\n"
    "A bad line is reported on stderr with its line number (a JSON item\n"
    "with its index in the array) and the others are stored, all in one\n"
    "transaction.\n"
    "\n"
    "      --pending            new subscribers are not confirmed yet\n"
    "      --db PATH            the database (default $DIGEST_DB, else\n"
    "                           ./digest.db)\n"
    "  -h, --help               this help\n"
    "\n"
    "Exit status: 0 every line was stored; 65 some were bad (the others are\n"
    "stored), or FILE is neither CSV with an email column nor a JSON array;\n"
    "66 no such FILE; 73 or 74 the store failed (nothing is stored).\n";

const char cmd_subscribers_list_usage[] =
    "usage: digest subscribers list [--status STATUS] [--json] [--db PATH]\n"
    "\n"
    "Lists the subscribers in the order they were added, one per line:\n"
    "address, status, name (\"-\" for none) and tags (\"(all)\" for someone\n"
    "who chose none, and so gets every topic).\n"
    "\n"
    "  -s, --status STATUS      only those pending, confirmed, unsubscribed\n"
    "                           or bounced\n"
    "      --json               a JSON array: id, email, name, tags, status,\n"
    "                           created (RFC 3339 UTC)\n"
    "      --db PATH            the database (default $DIGEST_DB, else\n"
    "                           ./digest.db)\n"
    "  -h, --help               this help\n"
    "\n"
    "Exit status: 0 listed, 64 bad usage, 66 no database yet, 74 the store\n"
    "failed.\n";

const char cmd_subscribers_check_usage[] =
    "usage: digest subscribers check [--mx] [--] [ADDR...]\n"
    "\n"
    "Checks each ADDR, or each line of standard input when none is given\n"
    "(blank lines are skipped), as add and import would, storing nothing.\n"
    "Surrounding white space is trimmed first. Prints one line for each:\n"
    "\n"
    "  valid<TAB>NORMALIZED[<TAB>HINT]\n"
    "  invalid<TAB>INPUT<TAB>REASON\n"
    "\n"
    "NORMALIZED is what would be stored: the part before @ in Unicode NFC,\n"
    "the domain in lower case and in its ASCII form (xn--...). HINT, when\n"
    "the domain looks like a typo, is \"did you mean name@gmail.com?\".\n"
    "INPUT shows control characters and bytes that are not UTF-8 as \\n,\n"
    "\\t, \\xHH, and is cut after 60 bytes.\n"
    "\n"
    "      --mx                 also ask DNS whether the domain takes mail (an\n"
    "                           MX record, or an address record standing in\n"
    "                           for one), waiting 5 seconds at most\n"
    "  -h, --help               this help\n"
    "\n"
    "Exit status: 0 every address is valid, 1 some are not, 64 bad usage,\n"
    "66 standard input cannot be read, 75 a DNS lookup failed (and no\n"
    "address was invalid).\n";

/*
 * Rows: one subscriber as the command line or a file gives it.
 */

/* How a row meets the subscriber already stored under its address. */
enum subs_mode {
	SUBS_ADD,	/* the status given wins */
	SUBS_IMPORT,	/* the status only moves from pending to confirmed */
};

struct subs_row {
	struct store_subscriber s;	/* email normalized, name trimmed */
	int has_name;			/* else the stored name is kept */
	int has_tags;			/* else the stored tags are kept */
};

static void
subs_row_init(struct subs_row *r, enum store_status st)
{
	memset(r, 0, sizeof(*r));
	store_subscriber_init(&r->s);
	r->s.status = st;
}

static void
subs_row_release(struct subs_row *r)
{
	store_subscriber_release(&r->s);
}

/* s (len bytes) as one printable line for a report: control characters
 * (C0 and C1, which a terminal may act on) and bytes that are not UTF-8
 * as \n, \r, \t, \xHH or \u00HH, cut after SUBS_SHOW_MAX bytes with
 * "...". Returns out. */
static const char *
subs_show(const char *s, size_t len, char out[SUBS_SHOW_LEN])
{
	size_t i = 0, n = 0, k, room;
	uint32_t cp;

	while (i < len && i < SUBS_SHOW_MAX) {
		k = utf8_decode(s + i, len - i, &cp);
		room = SUBS_SHOW_LEN - n;
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

/* Adds the tags of s, a list separated by ';' or ','. */
static void
subs_tags_parse(struct store_subscriber *s, const char *p, size_t len)
{
	const char *end = p + len, *q;

	while (p < end) {
		for (q = p; q < end && *q != ';' && *q != ','; q++)
			;
		store_subscriber_tag_add(s, p, (size_t)(q - p));
		p = q + 1;
	}
}

static int
subs_row_email(struct subs_row *r, const char *email, size_t len,
    char *msg)
{
	char out[ADDR_MAX + 1], err[ERR_LEN], show[SUBS_SHOW_LEN];

	if (addr_from_text(email, len, out, err) == -1) {
		(void)snprintf(msg, SUBS_MSG_LEN, "invalid address '%s': %s",
		    subs_show(email, len, show), err);
		return -1;
	}
	r->s.email = xstrdup(out);
	return 0;
}

/* Sets the name, trimmed; an empty one clears the stored name. */
static int
subs_row_name(struct subs_row *r, const char *name, size_t len, char *msg)
{
	char err[ERR_LEN], show[SUBS_SHOW_LEN];

	name = util_trim(name, &len);
	if (store_name_check(name, len, err) == -1) {
		(void)snprintf(msg, SUBS_MSG_LEN, "invalid name '%s': %s",
		    subs_show(name, len, show), err);
		return -1;
	}
	free(r->s.name);
	r->s.name = len > 0 ? xstrndup(name, len) : NULL;
	r->has_name = 1;
	return 0;
}

/* Sets the status a file gives for one row: pending or confirmed (any
 * case); empty leaves the import's default. The other two are what
 * people and mail servers say, never what an import decides. */
static int
subs_row_status(struct subs_row *r, const char *s, size_t len, char *msg)
{
	char show[SUBS_SHOW_LEN];

	s = util_trim(s, &len);
	if (len == 0)
		return 0;
	if (len == 7 && strncasecmp(s, "pending", 7) == 0)
		r->s.status = STORE_PENDING;
	else if (len == 9 && strncasecmp(s, "confirmed", 9) == 0)
		r->s.status = STORE_CONFIRMED;
	else {
		(void)snprintf(msg, SUBS_MSG_LEN, "invalid status '%s': "
		    "expected pending or confirmed", subs_show(s, len, show));
		return -1;
	}
	return 0;
}

/* Stores r: fills in what it did not give from the subscriber stored
 * under its address, and sets the status as mode says. 1 added, 0
 * updated, -1 with err. */
static int
subs_row_put(struct sqlite3 *db, struct subs_row *r, enum subs_mode mode,
    char *err)
{
	struct store_subscriber old;
	int found;

	store_subscriber_init(&old);
	found = store_subscriber_find(db, r->s.email, &old, err);
	if (found == -1)
		return -1;
	if (found) {
		if (!r->has_name) {
			r->s.name = old.name;
			old.name = NULL;
		}
		if (!r->has_tags) {
			r->s.tags = old.tags;
			r->s.ntags = old.ntags;
			r->s.tags_cap = old.tags_cap;
			old.tags = NULL;
			old.ntags = old.tags_cap = 0;
		}
		if (mode == SUBS_IMPORT && !(old.status == STORE_PENDING &&
		    r->s.status == STORE_CONFIRMED))
			r->s.status = old.status;
	}
	store_subscriber_release(&old);
	return store_subscriber_put(db, &r->s, err);
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
	(void)snprintf(msg, SUBS_MSG_LEN, "%s", c->line > first_line ?
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
			(void)snprintf(msg, SUBS_MSG_LEN, "a quoted field is "
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
	char show[SUBS_SHOW_LEN];
	size_t n = strlen(msg);

	while (end > start && (end[-1] == '\r' || end[-1] == '\n'))
		end--;
	(void)snprintf(msg + n, SUBS_MSG_LEN - n, " in '%s'", subs_show(start,
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
 * An import source: CSV with its header read, or a parsed JSON array.
 */

struct subs_source {
	const char *label;	/* the file as reports name it */
	int json;
	struct csv csv;
	struct csv_record rec;
	long email_col, name_col, tags_col, status_col;	/* -1: absent */
	json_t *array;		/* owned */
	size_t index;		/* of the next JSON item */
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
csv_no_email(const struct csv_record *r, char *msg)
{
	const char *hint = "expected a header such as email,name,tags, or a "
	    "JSON array";

	if (r->n == 1 && (memchr(r->f[0], ';', r->len[0]) != NULL ||
	    memchr(r->f[0], '\t', r->len[0]) != NULL))
		hint = "columns must be separated by commas";
	else if (r->n > 0 && memchr(r->f[0], '@', r->len[0]) != NULL)
		hint = "the first line must name the columns, such as "
		    "email,name,tags";
	(void)snprintf(msg, SUBS_MSG_LEN, "its first line names no email "
	    "column (%s)", hint);
}

static int
subs_source_csv(struct subs_source *src, const char *data, size_t len,
    char *msg)
{
	char why[SUBS_MSG_LEN];
	int rc;

	src->csv.p = data;
	src->csv.end = data + len;
	src->csv.line = 1;
	rc = csv_read(&src->csv, &src->rec, why);
	if (rc == -1) {
		(void)snprintf(msg, SUBS_MSG_LEN, "line %d: %.200s",
		    src->rec.line, why);
		return -1;
	}
	src->email_col = rc == 1 ? csv_column(&src->rec, "email") : -1;
	if (src->email_col == -1) {
		csv_no_email(&src->rec, msg);
		return -1;
	}
	src->name_col = csv_column(&src->rec, "name");
	src->tags_col = csv_column(&src->rec, "tags");
	src->status_col = csv_column(&src->rec, "status");
	return 0;
}

static int
subs_source_json(struct subs_source *src, const char *data, size_t len,
    char *msg)
{
	json_error_t jerr;

	src->json = 1;
	src->array = json_loadb(data, len, 0, &jerr);
	if (src->array == NULL) {
		(void)snprintf(msg, SUBS_MSG_LEN, "invalid JSON at line %d: %s",
		    jerr.line, jerr.text);
		return -1;
	}
	if (!json_is_array(src->array)) {
		(void)snprintf(msg, SUBS_MSG_LEN, "expected a JSON array");
		return -1;
	}
	return 0;
}

/* Reads what kind data is, and a CSV header: 0, or -1 with msg when it
 * cannot be imported at all. */
static int
subs_source_open(struct subs_source *src, const char *data, size_t len,
    char *msg)
{
	size_t i = 0;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	if (len >= 2 && (memcmp(data, "\xff\xfe", 2) == 0 ||
	    memcmp(data, "\xfe\xff", 2) == 0)) {
		(void)snprintf(msg, SUBS_MSG_LEN, "it is UTF-16: save it as "
		    "UTF-8");
		return -1;
	}
	while (i < len && (data[i] == ' ' || data[i] == '\t' ||
	    data[i] == '\r' || data[i] == '\n'))
		i++;
	if (i == len) {
		(void)snprintf(msg, SUBS_MSG_LEN, "it is empty");
		return -1;
	}
	if (data[i] == '{') {
		(void)snprintf(msg, SUBS_MSG_LEN, "a JSON import must be an "
		    "array of objects, [{\"email\": ...}, ...]");
		return -1;
	}
	if (data[i] == '[')
		return subs_source_json(src, data, len, msg);
	return subs_source_csv(src, data, len, msg);
}

static void
subs_source_release(struct subs_source *src)
{
	csv_record_release(&src->rec);
	json_decref(src->array);
}

/* The cell of column col in the current record, if the record has it. */
static int
csv_cell(const struct subs_source *src, long col, const char **s,
    size_t *len)
{
	if (col < 0 || (size_t)col >= src->rec.n)
		return 0;
	*s = src->rec.f[col];
	*len = src->rec.len[col];
	return 1;
}

static int
csv_row(struct subs_source *src, struct subs_row *r, char *msg)
{
	const char *s = "";
	size_t len = 0;

	(void)csv_cell(src, src->email_col, &s, &len);
	if (subs_row_email(r, s, len, msg) == -1)
		return -1;
	if (csv_cell(src, src->name_col, &s, &len) &&
	    subs_row_name(r, s, len, msg) == -1)
		return -1;
	if (csv_cell(src, src->tags_col, &s, &len)) {
		subs_tags_parse(&r->s, s, len);
		r->has_tags = 1;
	}
	if (csv_cell(src, src->status_col, &s, &len) &&
	    subs_row_status(r, s, len, msg) == -1)
		return -1;
	return 0;
}

static int
json_row_tags(struct subs_row *r, json_t *tags, char *msg)
{
	size_t i;
	json_t *t;

	r->has_tags = 1;
	if (json_is_null(tags))
		return 0;
	if (json_is_string(tags)) {
		subs_tags_parse(&r->s, json_string_value(tags),
		    json_string_length(tags));
		return 0;
	}
	if (!json_is_array(tags)) {
		(void)snprintf(msg, SUBS_MSG_LEN, "tags must be an array of "
		    "strings or one string");
		return -1;
	}
	json_array_foreach(tags, i, t) {
		if (!json_is_string(t)) {
			(void)snprintf(msg, SUBS_MSG_LEN, "tags must be "
			    "strings");
			return -1;
		}
		store_subscriber_tag_add(&r->s, json_string_value(t),
		    json_string_length(t));
	}
	return 0;
}

static int
json_row_status(struct subs_row *r, json_t *status, char *msg)
{
	if (status == NULL || json_is_null(status))
		return 0;
	if (!json_is_string(status)) {
		(void)snprintf(msg, SUBS_MSG_LEN, "status is not a string");
		return -1;
	}
	return subs_row_status(r, json_string_value(status),
	    json_string_length(status), msg);
}

static int
json_row(json_t *o, struct subs_row *r, char *msg)
{
	json_t *email, *name, *tags;

	if (!json_is_object(o)) {
		(void)snprintf(msg, SUBS_MSG_LEN, "not an object");
		return -1;
	}
	email = json_object_get(o, "email");
	if (!json_is_string(email)) {
		(void)snprintf(msg, SUBS_MSG_LEN, email ? "email is not a "
		    "string" : "no email");
		return -1;
	}
	if (subs_row_email(r, json_string_value(email),
	    json_string_length(email), msg) == -1)
		return -1;
	name = json_object_get(o, "name");
	if (json_is_null(name))
		r->has_name = 1;
	else if (name != NULL && !json_is_string(name)) {
		(void)snprintf(msg, SUBS_MSG_LEN, "name is not a string");
		return -1;
	} else if (name != NULL && subs_row_name(r, json_string_value(name),
	    json_string_length(name), msg) == -1)
		return -1;
	tags = json_object_get(o, "tags");
	if (tags != NULL && json_row_tags(r, tags, msg) == -1)
		return -1;
	return json_row_status(r, json_object_get(o, "status"), msg);
}

/* Adds item, compact, to msg, which says what is wrong with it. */
static void
json_quote_item(json_t *item, char *msg)
{
	char show[SUBS_SHOW_LEN], *text;
	size_t n = strlen(msg);

	text = json_dumps(item, JSON_COMPACT | JSON_ENCODE_ANY);
	if (text == NULL)
		return;
	(void)snprintf(msg + n, SUBS_MSG_LEN - n, ": %s", subs_show(text,
	    strlen(text), show));
	free(text);
}

/* The next row into r (initialized by the caller): 1, 0 at the end, or
 * -1 with msg for a bad one. where says which it was: "line 4" or
 * "index 2". */
static int
subs_source_next(struct subs_source *src, struct subs_row *r,
    char where[32], char *msg)
{
	int rc;

	json_t *item;

	if (src->json) {
		if (src->index >= json_array_size(src->array))
			return 0;
		(void)snprintf(where, 32, "index %zu", src->index);
		item = json_array_get(src->array, src->index++);
		if (json_row(item, r, msg) == 0)
			return 1;
		/* "invalid address 'x'..." quotes its value already. */
		if (strncmp(msg, "invalid ", 8) != 0)
			json_quote_item(item, msg);
		return -1;
	}
	do {
		rc = csv_read(&src->csv, &src->rec, msg);
	} while (rc == 1 && csv_record_blank(&src->rec));
	(void)snprintf(where, 32, "line %d", src->rec.line);
	if (rc != 1)
		return rc;
	return csv_row(src, r, msg) == -1 ? -1 : 1;
}

/*
 * digest subscribers import
 */

struct subs_counts {
	size_t added, updated, bad;
};

/* Reports one bad row, or, past SUBS_BAD_SHOWN, only counts it. */
static void
subs_report_bad(const char *label, const char *where, const char *msg,
    struct subs_counts *n)
{
	if (++n->bad <= SUBS_BAD_SHOWN)
		cmd_error("%s: %s: %s", label, where, msg);
}

static void
subs_print_summary(const char *label, int json, const struct subs_counts *n)
{
	const char *unit = json ? "item" : "line";

	if (n->bad > SUBS_BAD_SHOWN)
		cmd_error("%s: %zu more bad %ss not shown", label,
		    n->bad - SUBS_BAD_SHOWN, unit);
	printf("imported %zu (%zu new, %zu updated)", n->added + n->updated,
	    n->added, n->updated);
	if (n->bad > 0)
		printf(", %zu bad %s%s", n->bad, unit, n->bad == 1 ? "" : "s");
	fputc('\n', stdout);
}

/* Stores every good row of src in one transaction: 0, or -1 with err
 * when the store failed (and nothing was stored). */
static int
subs_import_rows(struct sqlite3 *db, struct subs_source *src,
    enum store_status st, struct subs_counts *n, char *err)
{
	struct subs_row r;
	char where[32], msg[SUBS_MSG_LEN];
	int rc, put = 0;

	if (db_begin(db, err) == -1)
		return -1;
	for (;;) {
		subs_row_init(&r, st);
		rc = subs_source_next(src, &r, where, msg);
		if (rc == 1) {
			put = subs_row_put(db, &r, SUBS_IMPORT, err);
			if (put == 1)
				n->added++;
			else if (put == 0)
				n->updated++;
		} else if (rc == -1) {
			subs_report_bad(src->label, where, msg, n);
		}
		subs_row_release(&r);
		if (rc == 0)
			return 0;
		if (put == -1) {
			db_rollback(db);
			return -1;
		}
	}
}

int
cmd_subscribers_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_OPTIONS,
		{ "pending", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct subs_source src;
	struct subs_counts n;
	struct sqlite3 *db;
	enum store_status st = STORE_CONFIRMED;
	char msg[SUBS_MSG_LEN], err[ERR_LEN], *data;
	size_t len;
	int c, status = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return cmd_help(cmd_subscribers_import_usage);
		case CMD_DB_OPTION_ID:
			cmd_db_path_set(optarg);
			break;
		case 'p':
			st = STORE_PENDING;
			break;
		default:
			return cmd_bad_usage(cmd_subscribers_import_usage);
		}
	}
	if (argc - optind != 1)
		return cmd_bad_usage(cmd_subscribers_import_usage);
	if (cmd_read_input(argv[optind], &data, &len) == -1)
		return EX_NOINPUT;
	memset(&src, 0, sizeof(src));
	src.label = strcmp(argv[optind], "-") == 0 ? "stdin" : argv[optind];
	if (subs_source_open(&src, data, len, msg) == -1) {
		cmd_error("cannot import '%s': %s", src.label, msg);
		status = EX_DATAERR;
	} else if ((db = cmd_db_open(&status)) != NULL) {
		memset(&n, 0, sizeof(n));
		if (subs_import_rows(db, &src, st, &n, err) == -1 ||
		    db_commit(db, err) == -1) {
			db_rollback(db);
			cmd_error("cannot import '%s' into '%s': %s", src.label,
			    cmd_db_path(), err);
			status = EX_IOERR;
		} else {
			subs_print_summary(src.label, src.json, &n);
			status = n.bad > 0 ? EX_DATAERR : 0;
		}
		db_close(db);
	}
	subs_source_release(&src);
	free(data);
	if (fflush(stdout) == EOF && status == 0)
		status = EX_IOERR;
	return status;
}

/*
 * digest subscribers add
 */

/* Stores the one subscriber r in its own transaction and says what it
 * did: 0, or the exit code. */
static int
subs_add_one(struct sqlite3 *db, struct subs_row *r)
{
	char err[ERR_LEN];
	int rc;

	if (db_begin(db, err) == -1 ||
	    (rc = subs_row_put(db, r, SUBS_ADD, err)) == -1 ||
	    db_commit(db, err) == -1) {
		db_rollback(db);
		cmd_error("cannot store '%s' in '%s': %s", r->s.email,
		    cmd_db_path(), err);
		return EX_IOERR;
	}
	printf("%s %s (%s)\n", rc == 1 ? "added" : "updated", r->s.email,
	    store_status_name(r->s.status));
	return 0;
}

int
cmd_subscribers_add(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_OPTIONS,
		{ "name", required_argument, NULL, 'n' },
		{ "tags", required_argument, NULL, 't' },
		{ "pending", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *tags = NULL;
	struct subs_row r;
	struct sqlite3 *db;
	char msg[SUBS_MSG_LEN];
	int c, status = 0;

	subs_row_init(&r, STORE_CONFIRMED);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return cmd_help(cmd_subscribers_add_usage);
		case CMD_DB_OPTION_ID:
			cmd_db_path_set(optarg);
			break;
		case 'n':
			name = optarg;
			break;
		case 't':
			tags = optarg;
			break;
		case 'p':
			r.s.status = STORE_PENDING;
			break;
		default:
			return cmd_bad_usage(cmd_subscribers_add_usage);
		}
	}
	if (argc - optind != 1)
		return cmd_bad_usage(cmd_subscribers_add_usage);
	if (subs_row_email(&r, argv[optind], strlen(argv[optind]),
	    msg) == -1 || (name != NULL && subs_row_name(&r, name,
	    strlen(name), msg) == -1)) {
		cmd_error("%s", msg);
		subs_row_release(&r);
		return EX_DATAERR;
	}
	if (tags != NULL) {
		subs_tags_parse(&r.s, tags, strlen(tags));
		r.has_tags = 1;
	}
	if ((db = cmd_db_open(&status)) != NULL) {
		status = subs_add_one(db, &r);
		db_close(db);
	}
	subs_row_release(&r);
	if (fflush(stdout) == EOF && status == 0)
		status = EX_IOERR;
	return status;
}

/*
 * digest subscribers list
 */

static json_t *
subs_json_one(const struct store_subscriber *s)
{
	char when[DATE_RFC3339_LEN];
	json_t *o = json_object(), *tags = json_array();
	size_t i;

	date_to_rfc3339(s->created, when);
	for (i = 0; i < s->ntags; i++)
		json_array_append_new(tags, util_json_string(s->tags[i]));
	json_object_set_new(o, "id", json_integer(s->id));
	json_object_set_new(o, "email", util_json_string(s->email));
	json_object_set_new(o, "name", util_json_string(s->name));
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "status",
	    json_string(store_status_name(s->status)));
	json_object_set_new(o, "created", json_string(when));
	return o;
}

static int
subs_print_json(const struct store_subscriber_list *l)
{
	json_t *arr = json_array();
	size_t i;
	int rc;

	for (i = 0; i < l->n; i++)
		json_array_append_new(arr, subs_json_one(&l->v[i]));
	rc = json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_ESCAPE_SLASH);
	json_decref(arr);
	fputc('\n', stdout);
	return rc;
}

/* The width of s on a terminal, counted in characters. */
static size_t
subs_width(const char *s)
{
	return utf8_count(s, strlen(s));
}

/* Columns: the address and the name padded to the widest (names up to
 * SUBS_NAME_WIDTH), the status to the longest status, tags last. */
static void
subs_print_text(const struct store_subscriber_list *l)
{
	size_t i, t, w, email_w = 0, name_w = 1;
	const char *name;

	for (i = 0; i < l->n; i++) {
		if ((w = subs_width(l->v[i].email)) > email_w)
			email_w = w;
		if (l->v[i].name != NULL &&
		    (w = subs_width(l->v[i].name)) > name_w)
			name_w = w > SUBS_NAME_WIDTH ? SUBS_NAME_WIDTH : w;
	}
	for (i = 0; i < l->n; i++) {
		const struct store_subscriber *s = &l->v[i];

		name = s->name != NULL ? s->name : "-";
		w = subs_width(name);
		printf("%s%*s  %-12s  %s%*s  ", s->email,
		    (int)(email_w - subs_width(s->email)), "",
		    store_status_name(s->status), name,
		    (int)(w < name_w ? name_w - w : 0), "");
		if (s->ntags == 0)
			fputs("(all)", stdout);
		for (t = 0; t < s->ntags; t++)
			printf("%s%s", t ? "," : "", s->tags[t]);
		fputc('\n', stdout);
	}
}

int
cmd_subscribers_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_OPTIONS,
		{ "status", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_subscriber_list list;
	struct sqlite3 *db;
	char err[ERR_LEN];
	int c, json = 0, status = 0, which = -1;

	while ((c = getopt_long(argc, argv, "hs:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return cmd_help(cmd_subscribers_list_usage);
		case CMD_DB_OPTION_ID:
			cmd_db_path_set(optarg);
			break;
		case 's':
			if ((which = cmd_status_option(optarg)) == -1)
				return EX_USAGE;
			break;
		case 'j':
			json = 1;
			break;
		default:
			return cmd_bad_usage(cmd_subscribers_list_usage);
		}
	}
	if (optind != argc)
		return cmd_bad_usage(cmd_subscribers_list_usage);
	if ((db = cmd_db_open_existing(&status)) == NULL)
		return status;
	memset(&list, 0, sizeof(list));
	if (store_subscriber_list(db, which, &list, err) == -1) {
		cmd_error("cannot list subscribers in '%s': %s", cmd_db_path(),
		    err);
		status = EX_IOERR;
	} else if (json) {
		if (subs_print_json(&list) == -1)
			status = EX_IOERR;
	} else {
		subs_print_text(&list);
	}
	store_subscriber_list_release(&list);
	db_close(db);
	if (fflush(stdout) == EOF && status == 0)
		status = EX_IOERR;
	return status;
}

/*
 * digest subscribers check
 */

#define SUBS_MX_TIMEOUT_MS 5000

/* What check found about all the addresses so far. */
struct subs_check {
	int mx;			/* --mx */
	int invalid;		/* some address is invalid */
	int tempfail;		/* some DNS lookup failed */
};

/* Prints the line of an address that failed, with a hint when its domain
 * looks like a typo. */
static void
subs_check_invalid(const char *s, size_t len, const char *reason)
{
	char show[SUBS_SHOW_LEN], hint[ADDR_MAX + 1];

	printf("invalid\t%s\t%s", subs_show(s, len, show), reason);
	if (addr_suggest(s, len, hint))
		printf(" (did you mean %s?)", subs_show(hint, strlen(hint),
		    show));
	fputc('\n', stdout);
}

/* Checks one address and prints its line. */
static void
subs_check_one(struct subs_check *c, const char *s, size_t len)
{
	char out[ADDR_MAX + 1], hint[ADDR_MAX + 1], err[ERR_LEN];
	int rc;

	if (addr_from_text(s, len, out, err) == -1) {
		subs_check_invalid(s, len, err);
		c->invalid = 1;
		return;
	}
	/* A failed lookup says nothing about the address: it is reported
	 * as invalid but only makes the exit status EX_TEMPFAIL. */
	if (c->mx && (rc = addr_mx_check(strchr(out, '@') + 1,
	    SUBS_MX_TIMEOUT_MS, err)) != 1) {
		subs_check_invalid(s, len, err);
		if (rc == -1)
			c->tempfail = 1;
		else
			c->invalid = 1;
		return;
	}
	if (addr_suggest(out, strlen(out), hint))
		printf("valid\t%s\tdid you mean %s?\n", out, hint);
	else
		printf("valid\t%s\n", out);
}

/* One address a line; a CR before the LF is the line's end too. */
static int
subs_check_stdin(struct subs_check *c)
{
	char *data, *p, *end, *nl;
	size_t len, n, blank;

	if (cmd_read_input("-", &data, &len) == -1)
		return -1;
	for (p = data, end = data + len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		blank = n;
		(void)util_trim(p, &blank);
		if (blank > 0)
			subs_check_one(c, p, n);
	}
	free(data);
	return 0;
}

int
cmd_subscribers_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "mx", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct subs_check c;
	int opt, i, status;

	memset(&c, 0, sizeof(c));
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			return cmd_help(cmd_subscribers_check_usage);
		case 'm':
			c.mx = 1;
			break;
		default:
			return cmd_bad_usage(cmd_subscribers_check_usage);
		}
	}
	if (optind == argc) {
		if (subs_check_stdin(&c) == -1)
			return EX_NOINPUT;
	}
	for (i = optind; i < argc; i++)
		subs_check_one(&c, argv[i], strlen(argv[i]));
	status = c.invalid ? 1 : c.tempfail ? EX_TEMPFAIL : 0;
	if (fflush(stdout) == EOF)
		status = EX_IOERR;
	return status;
}
