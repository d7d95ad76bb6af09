/*
 * rows: the subscriber lists publishers bring, read row by row, for
 * `digest subscribers import` and the fuzzer.
 *
 * A file is CSV (RFC 4180) whose first line names the columns, or a JSON
 * array of objects. The columns are found by name, in any order and
 * case, among the names the tools publishers leave use:
 *
 *   digest's own export: email, name, tags, status, created, confirmed,
 *     unsubscribed, consent (the consent log, a JSON array);
 *   Mailchimp audience exports (the subscribed, unsubscribed and cleaned
 *     files): "Email Address", "First Name", "Last Name", TAGS
 *     ("a","b"), OPTIN_TIME/OPTIN_IP, CONFIRM_TIME/CONFIRM_IP,
 *     UNSUB_TIME/UNSUB_REASON, CLEAN_TIME; the file's kind is its
 *     status (a file with UNSUB_TIME is unsubscribed, with CLEAN_TIME
 *     bounced), and the times and IPs become the consent log;
 *   listmonk subscriber exports: email, name, status (enabled,
 *     disabled, blocklisted), attributes (JSON; its "tags" are taken),
 *     created_at;
 *   any other CSV, its columns named with rows_columns (--column).
 *
 * A status is one of digest's (pending, confirmed, unsubscribed, bounced,
 * complained) or the word another tool uses for it: subscribed, enabled,
 * active (confirmed); unconfirmed (pending); disabled, blocklisted,
 * blacklisted (unsubscribed); cleaned (bounced). A suppressed row is a
 * row like another: the importer stores it, suppressed, so that the
 * address is never mailed.
 *
 * Each row is checked on its own: a bad one is reported (rows_next
 * returns -1 with a message and where it was) and reading goes on.
 */
#ifndef DIGEST_ROWS_H
#define DIGEST_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store.h"

#define ROWS_MSG_LEN 1024	/* one report about one row */
#define ROWS_SHOW_MAX 60	/* bytes of a bad value quoted in a report */
/* Each byte shown may take 4 ("\xHH"), a character started before the
 * limit may run 3 bytes past it, then "..." and the NUL. */
#define ROWS_SHOW_LEN ((ROWS_SHOW_MAX + 3) * 4 + 4)
#define ROWS_WHERE_LEN 32

/* The fields a file's columns may be named for (--column FIELD=NAME). */
enum rows_field {
	ROWS_EMAIL = 0,
	ROWS_NAME,
	ROWS_FIRST_NAME,
	ROWS_LAST_NAME,
	ROWS_TAGS,
	ROWS_STATUS,
	ROWS_CREATED,
	ROWS_CONFIRMED,
	ROWS_UNSUBSCRIBED,
	ROWS_CONSENT,
	ROWS_OPTIN_IP,
	ROWS_CONFIRM_IP,
	ROWS_UNSUB_REASON,
	ROWS_CLEANED,
	ROWS_ATTRIBUTES,
	ROWS_NFIELDS
};

/* The column names given for fields (NULL: found by the usual names). */
struct rows_columns {
	const char *name[ROWS_NFIELDS];
};

/* Sets the column of one field from "FIELD=NAME" (a --column value):
 * 0, or -1 with msg. FIELD is email, name, tags or status. */
int rows_columns_set(struct rows_columns *c, const char *spec, char *msg);

/* One consent log entry a file gives; strings owned. */
struct rows_consent {
	struct store_consent c;		/* its strings point into these */
	char *ip, *agent, *form, *detail;
};

/* One row. */
struct rows_row {
	struct store_subscriber s;	/* email normalized, name trimmed,
					 * created, confirmed, unsubscribed */
	int has_name;			/* else the stored name is kept */
	int has_tags;			/* else the stored tags are kept */
	int has_status;			/* else the import's default */
	struct rows_consent *consent;	/* owned */
	size_t nconsent, consent_cap;
};

void rows_row_init(struct rows_row *r, enum store_status st);
void rows_row_release(struct rows_row *r);

/* The address of a row, normalized: 0, or -1 with msg quoting it. */
int rows_row_email(struct rows_row *r, const char *email, size_t len,
    char *msg);
/* The name of a row, trimmed; empty clears the stored one: 0, or -1
 * with msg quoting it. */
int rows_row_name(struct rows_row *r, const char *name, size_t len,
    char *msg);

/*
 * Fills in what r does not give from old, the subscriber stored under
 * r's key: its name and tags move to r (old no longer owns them), and
 * the status follows the rules of consent: it moves from pending to
 * confirmed, and from anything to suppressed (a suppression list carried
 * over), never from suppressed back (only the person can, by a new
 * double opt-in) nor from confirmed to pending.
 */
void rows_row_merge(struct rows_row *r, struct store_subscriber *old);

/* A file being read. */
struct rows_state;
struct rows {
	const char *kind;		/* "csv", "mailchimp", "listmonk",
					 * "json" */
	int json;			/* reports say "item", not "line" */
	struct rows_state *st;		/* owned: the reader's */
};

/* Opens data (len bytes, kept by the caller while reading) with the
 * columns given: 0, or -1 with msg when it cannot be imported at all
 * (not CSV with an email column, not a JSON array, empty, UTF-16). */
int rows_open(struct rows *r, const char *data, size_t len,
    const struct rows_columns *cols, char *msg);
void rows_close(struct rows *r);

/* The next row into row (initialized by the caller with the import's
 * default status): 1, 0 at the end, or -1 with msg for a bad one. where
 * says which it was: "line 4" or "index 2". */
int rows_next(struct rows *r, struct rows_row *row,
    char where[ROWS_WHERE_LEN], char *msg);

/* s (len bytes) as one printable line for a report: control characters
 * (C0 and C1, which a terminal may act on) and bytes that are not UTF-8
 * as \n, \r, \t, \xHH or \u00HH, cut after ROWS_SHOW_MAX bytes with
 * "...". Returns out. */
const char *rows_show(const char *s, size_t len, char out[ROWS_SHOW_LEN]);

/* Adds the tags of a list separated by ',' or ';' to s; each may be in
 * double quotes (Mailchimp's "a","b"). */
void rows_tags_parse(struct store_subscriber *s, const char *p, size_t len);

#endif
