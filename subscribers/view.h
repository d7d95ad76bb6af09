/*
 * view: GET /view?edition=ID&token=T, the web view of an edition, the
 * link at the top of every digest. It shows the digest as that
 * subscriber got it (their topics and links as sent, from the journal),
 * and nothing to anyone it was not sent to.
 */
#ifndef DIGEST_VIEW_H
#define DIGEST_VIEW_H

#include "web.h"

enum MHD_Result view_edition(struct web *w, struct web_request *r);

#endif
