/*
 * subscribe: POST /subscribe, in rounds. A signup is checked at once
 * (the rate limit, the form, the topics, a likely typo in the address,
 * which is asked about before anything is stored: signup_typo, the
 * address: signup_check) and then its connection waits, suspended, for the end of the server
 * loop's round, when every signup of the round is stored in the one
 * transaction the server commits (subscribe_round_store); after that
 * COMMIT each is answered. So every answer still follows its own
 * commit, and a round of signups costs one commit instead of one each.
 * A signup's answer goes out no sooner than pace.h says, so that a new
 * address and a known one are answered in the same time as well as
 * with the same page.
 *
 * The round is the server thread's; it holds the connections it
 * suspended, which the server must not end meanwhile (it does not: a
 * suspended connection sees no callback until it is resumed here).
 */
#ifndef DIGEST_SUBSCRIBE_H
#define DIGEST_SUBSCRIBE_H

#include "pace.h"
#include "web.h"

#include <stddef.h>
#include <stdint.h>

/* A suspended signup of this round, or one stored and held until its
 * answer's time. */
struct subscribe_wait {
	struct web_request *r;		/* the server's */
	double until;			/* held: when it is answered */
};

struct subscribe_round {
	struct subscribe_wait *waiting;	/* owned; this round's */
	size_t nwaiting, waiting_cap;
	struct subscribe_wait *held;	/* owned; stored, not yet answered */
	size_t nheld, held_cap;
	struct pace pace;
	/* A connection was resumed: libmicrohttpd answers it in its next
	 * run, and nothing else would end the loop's wait for that. */
	int resumed;
};

/* The handler of POST /subscribe: checks the form and suspends the
 * connection into the round; called again once it is stored, it
 * answers. */
enum MHD_Result subscribe_post(struct web *w, struct web_request *r);

void subscribe_round_init(struct subscribe_round *rd);
void subscribe_round_release(struct subscribe_round *rd);
/* Signups waiting for this round's commit. */
size_t subscribe_round_pending(const struct subscribe_round *rd);
/* Stores the round's signups in the caller's open transaction on db
 * (each undone alone when the store refuses it; all failing with err
 * when begun is 0, as the BEGIN failed). Returns how many queued a
 * mail. */
size_t subscribe_round_store(struct subscribe_round *rd, struct sqlite3 *db,
    int begun, const char *err, int64_t now);
/* The COMMIT failed: every signup of the round failed with err. */
void subscribe_round_fail(struct subscribe_round *rd, const char *err);
/* The round is committed at done: each signup goes on to its answer,
 * now or when its time comes (subscribe_round_due). */
void subscribe_round_answer(struct subscribe_round *rd, double done);
/* Lets the held signups whose time has come by now (every one, with
 * all) go on to their answers; returns the earliest time still held,
 * or 0. */
double subscribe_round_due(struct subscribe_round *rd, double now,
    int all);

#endif
