/*
 * edition: one issue of the newsletter, and the message it makes for one
 * reader. Preview and send both build messages here, so a preview is
 * byte for byte what the subscriber would receive (but for the
 * Message-ID and the Date, which are the moment's).
 */
#ifndef DIGEST_EDITION_H
#define DIGEST_EDITION_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "article.h"
#include "buf.h"
#include "config.h"
#include "mime.h"
#include "render.h"

struct sqlite3;
struct journal_ids;

#define EDITION_ID_MAX 32

struct edition {
	const struct config *cfg;	/* borrowed */
	char id[EDITION_ID_MAX];	/* "2026-W48" */
	int64_t now;
	int64_t since;			/* articles published from here on */
	int frozen;			/* 1: the journal holds its article set */
	const struct journal_ids *planned;	/* borrowed: the set of an
					 * edition not made yet (due.h,
					 * due_next), or NULL */
	struct render_templates tpl;
};

/* The ISO week of t as an edition id: "2026-W48". */
void edition_id_for(int64_t t, char out[EDITION_ID_MAX]);

/* Opens an edition: id NULL = the ISO week of now; since NULL = the
 * config's window. Compiles the templates. 0, or -1 with err. */
int edition_open(struct edition *e, const struct config *c, const char *id,
    int64_t now, const char *since, char *err);
void edition_close(struct edition *e);

/*
 * Opens edition id as edition_open does and then as the journal holds
 * it. Made already: as its readers got it (edition_use_stored). Not
 * made, with freeze: made now, created in the journal with its article
 * set frozen (journal_edition_create: its window, and the stories that
 * came late), so that a repeated or resumed send delivers the same
 * content. Not made, without freeze: left open, its articles those it
 * would take now. Returns 1 (stored or frozen: e->frozen), 0 (open),
 * -1 a bad id, window or template (err), -2 the store failed (err);
 * edition_close(e) in every case.
 */
int edition_open_journal(struct edition *e, struct sqlite3 *db,
    const struct config *c, const char *id, int64_t now, const char *since,
    int freeze, char *err);

/* Makes e the edition the journal recorded as je: its frozen article
 * set and its date (its slot, or the moment it was made), so that it
 * reads as it did when it was sent, whenever it is shown. */
struct journal_edition;
void edition_use_stored(struct edition *e, const struct journal_edition *je);

/* Who a message is for; strings borrowed. Tokens NULL: a preview for a
 * tag set, whose links go nowhere. */
struct edition_reader {
	const char *email;
	const char *name;
	const char *const *tags;
	size_t ntags;
	const char *unsubscribe_token;
	const char *preferences_token;
	const char *subject_prefix;	/* "[TEST] ", or NULL */
	const char *unsubscribe_mailto;	/* the address List-Unsubscribe's
					 * mailto names (verp.h); NULL: the
					 * configured one; "": none */
};

/* The reader of a preview for a tag set (none: every article): a
 * stranger named "Preview" at the sender's address, whose links go
 * nowhere. tags borrowed. (A subscriber's reader: store.h,
 * store_subscriber_reader.) */
void edition_reader_for_tags(struct edition_reader *r,
    const struct config *c, const char *const *tags, size_t ntags);

/* For a reader of the stored edition e (edition_use_stored): replaces
 * r's tags with the topics they had when their delivery was made, kept
 * in holder (release it with article_release). 1, 0 when they had no
 * delivery (r is unchanged), -1 with err. */
int edition_reader_as_sent(struct sqlite3 *db, const struct edition *e,
    int64_t subscriber_id, struct edition_reader *r, struct article *holder,
    char *err);

/* The articles a reader gets: their tags (any; none = all), newest
 * first, at most max_articles, from the edition's frozen set when it has
 * one, else from its planned one, else those it would freeze now
 * (journal_edition_create: the window, and the stories that came late).
 * 0, or -1 with err. */
int edition_select(struct sqlite3 *db, const struct edition *e,
    const char *const *tags, size_t ntags, struct article_list *out,
    char *err);

struct edition_message {
	struct buf subject;
	struct buf html;
	struct buf text;
	struct buf eml;		/* the whole message, CRLF lines */
	char message_id[MIME_MESSAGE_ID_MAX];
};

void edition_message_init(struct edition_message *m);
void edition_message_release(struct edition_message *m);

/* The data the templates get for reader r (edition_data from
 * render_edition_data for their articles). Returns a new reference. */
json_t *edition_reader_data(const struct edition *e, json_t *edition_data,
    const struct edition_reader *r);

/* Renders and composes r's message into m. 0, or -1 with err. */
int edition_message_build(struct edition *e, json_t *edition_data,
    const struct edition_reader *r, struct edition_message *m, char *err);

/* The part of a message a preview shows. */
enum edition_part {
	EDITION_PART_HTML = 0,
	EDITION_PART_TEXT,
	EDITION_PART_EML,	/* the whole message */
	EDITION_PART_JSON,	/* the data the templates get */
};

/* 0 and *part for "html", "text", "eml" or "json"; -1 otherwise. */
int edition_part_from_name(const char *name, enum edition_part *part);

/*
 * A preview: what reader r gets of e, built by the code that sends it,
 * changing nothing. When e is stored (edition_open_journal) and r is
 * subscriber_id's (0: nobody's), r's topics become those of their
 * delivery, as sent, kept in holder (initialized here; release it with
 * article_release). Appends that part of the message to out and fills
 * articles (initialized by the caller, who releases it) with the
 * articles picked. 0, -1 the message cannot be built (a template, an
 * address: err), -2 the store failed (err).
 */
int edition_preview(struct sqlite3 *db, struct edition *e,
    int64_t subscriber_id, struct edition_reader *r, struct article *holder,
    enum edition_part part, struct buf *out, struct article_list *articles,
    char *err);

#endif
