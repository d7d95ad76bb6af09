/*
 * links: the handlers of the links in the mails, each carrying its
 * token (the query's, or the form's): /confirm (GET shows a button and
 * changes nothing, for link scanners; POST confirms), /resend (a new
 * confirm link for an expired one), /unsubscribe (RFC 8058 one-click
 * too), /preferences (name and topics), /resubscribe (a suppressed
 * subscriber asks to come back: double opt-in again).
 *
 * The POST handlers but unsubscribe's are given r->form parsed; every
 * change commits (and fsyncs) before its answer, and logs a line
 * (weblog.h).
 */
#ifndef DIGEST_LINKS_H
#define DIGEST_LINKS_H

#include "web.h"

enum MHD_Result links_confirm_get(struct web *w, struct web_request *r);
enum MHD_Result links_confirm_post(struct web *w, struct web_request *r);
enum MHD_Result links_resend(struct web *w, struct web_request *r);
enum MHD_Result links_resubscribe(struct web *w, struct web_request *r);
/* GET and POST. */
enum MHD_Result links_unsubscribe(struct web *w, struct web_request *r);
/* GET and POST. */
enum MHD_Result links_preferences(struct web *w, struct web_request *r);

#endif
