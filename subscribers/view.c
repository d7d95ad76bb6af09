/*
 * view: an edition as one subscriber got it (view.h).
 */
#include "view.h"
#include "article.h"
#include "date.h"
#include "edition.h"
#include "journal.h"
#include "pages.h"
#include "send.h"
#include "store.h"

#include <stdio.h>
#include <string.h>

/* Builds edition id as sent to sub into m: 1, 0 not sent to them, or
 * -1 with err. */
static int
view_build(struct web *w, const char *id, const struct store_subscriber *sub,
    const struct journal_edition *je, struct edition_message *m, char *err)
{
	struct edition_reader rd;
	struct article sent;	/* holds their topics as sent */
	struct edition e;
	size_t articles;
	int rc;

	store_subscriber_reader(sub, &rd);
	article_init(&sent);
	rc = edition_open(&e, w->c, id, date_now(), NULL, err);
	if (rc == 0) {
		/* Its articles, date and this reader's topics as sent. */
		edition_use_stored(&e, je);
		rc = edition_reader_as_sent(w->db, &e, sub->id, &rd, &sent,
		    err);
		if (rc == 1)
			rc = send_build(w->db, &e, &rd, 1, m, &articles, err);
		edition_close(&e);
	}
	article_release(&sent);
	return rc;
}

enum MHD_Result
view_edition(struct web *w, struct web_request *r)
{
	const char *id = http_arg(r->conn, "edition");
	struct store_subscriber sub;
	struct journal_edition je;
	struct edition_message m;
	char err[ERR_LEN];
	enum MHD_Result ret;
	int rc;

	store_subscriber_init(&sub);
	rc = store_subscriber_by_token(w->db, STORE_TOKEN_PREFERENCES,
	    web_token(r), &sub, err);
	if (rc == 1 && (id == NULL || strlen(id) >= EDITION_ID_MAX))
		rc = 0;
	if (rc == 1)
		rc = journal_edition_get(w->db, id, &je, err);
	if (rc != 1) {
		store_subscriber_release(&sub);
		return rc == 0 ? web_unknown_link(w, r) : pages_error(w->pages,
		    r->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "Please try again",
		    "The edition cannot be read now.");
	}
	edition_message_init(&m);
	rc = view_build(w, id, &sub, &je, &m, err);
	if (rc == 0) {
		ret = web_unknown_link(w, r);	/* not sent to them */
	} else if (rc == -1) {
		fprintf(stderr, "digest serve: edition %s: %s\n", id, err);
		ret = pages_error(w->pages, r->conn,
		    MHD_HTTP_INTERNAL_SERVER_ERROR, "Please try again",
		    "The edition cannot be shown now.");
	} else {
		ret = http_send(r->conn, &http_policy_strict, MHD_HTTP_OK,
		    "text/html; charset=utf-8", buf_cstr(&m.html), m.html.len);
	}
	edition_message_release(&m);
	store_subscriber_release(&sub);
	return ret;
}
