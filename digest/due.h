/*
 * due: whether an edition is due, and the making of it, for `digest
 * run-due`, which cron or a timer calls every hour.
 *
 * The edition due at a moment is the one of the schedule's latest slot
 * at or before it (schedule.h: its id is the slot's ISO week in the
 * schedule's zone, and DST gaps and overlaps are read there). Its
 * journal entry (journal.h) says what to do:
 *  - none: it is to be made (due_make), then sent. After missed slots
 *    only the latest is made: the publisher catches up once, not once
 *    per week missed; and only while it is nearer its slot than the
 *    next (DUE_LATE_MAX), else it is recorded skipped;
 *  - open: a run made it and did not finish (a crash, deferred
 *    readers): it is resumed, never made again;
 *  - done or skipped: nothing is due until the next slot.
 *
 * A new edition takes the articles published since the previous one
 * ended (its window's end), so that no story falls between two; the
 * first edition, or one after a gap of more than DUE_GAP_MAX windows,
 * takes DUE_FIRST_WINDOW before its slot. With fewer than min_articles
 * articles it is recorded skipped (with the reason), and they wait for
 * the next one (within max_age of it), the first edition's too.
 */
#ifndef DIGEST_DUE_H
#define DIGEST_DUE_H

#include <stdint.h>

#include "journal.h"
#include "schedule.h"

struct sqlite3;
struct config;

#define DUE_FIRST_WINDOW (7 * 86400)	/* seconds a first edition takes */
#define DUE_GAP_MAX 5			/* windows back a new one reaches */
#define DUE_LATE_MAX (7 * 86400 / 2)	/* half a week: the latest after
					 * its slot an edition is made */
#define DUE_NOTE_MAX 128

enum due_action {
	DUE_NOTHING = 0,	/* the slot's edition is done or skipped */
	DUE_RESUME,		/* made, not finished: send it */
	DUE_MAKE,		/* not made yet: due_make, then send it */
};

struct due {
	enum due_action action;
	char id[SCHEDULE_ID_MAX];	/* the slot's edition */
	int64_t slot;
	char status[16];		/* the journal's, or "" */
};

/* What is due at now by schedule s: 0 with *d filled, or -1 with err
 * (the store failed, or now is out of the schedule's range). */
int due_check(struct sqlite3 *db, const struct schedule *s, int64_t now,
    struct due *d, char *err);

/* The start of the window of a new edition at slot: where the last
 * edition's window ended, unless there is none within DUE_GAP_MAX
 * windows (or the store cannot say): then DUE_FIRST_WINDOW before.
 * After a skipped edition, where the skipped one's window began, but
 * no more than max_age before slot: its articles were never sent. */
int64_t due_since(struct sqlite3 *db, int64_t slot, int64_t max_age);

/*
 * Makes the edition d says is to be made (DUE_MAKE), at now, by c's
 * min_articles and max_age: 1 made, its articles frozen (to send); 0
 * recorded skipped (fewer than min_articles, or now more than
 * DUE_LATE_MAX after its slot), with why in note; -1 with err. Either
 * way d->status becomes the journal's.
 */
int due_make(struct sqlite3 *db, const struct config *c, struct due *d,
    int64_t now, char note[DUE_NOTE_MAX], char *err);

/*
 * What due_make would do with the edition d names, made at now, with
 * the store as it is: where its window starts, the articles it would
 * freeze (journal_edition_eligible) and, when it would be recorded
 * skipped instead, why. Writes nothing.
 */
struct due_plan {
	int64_t since;
	struct journal_ids articles;	/* owned */
	char note[DUE_NOTE_MAX];	/* why it would be skipped, or "" */
};

/* Fills p (release it with due_plan_release): 0, or -1 with err. */
int due_plan(struct sqlite3 *db, const struct config *c,
    const struct due *d, int64_t now, struct due_plan *p, char *err);
void due_plan_release(struct due_plan *p);

/*
 * The edition run-due will make next, for a preview: the one due at now
 * when it is not made yet (made now), else the one of the schedule's
 * next slot (made at its slot), with the store as it is now (the feeds
 * are not fetched); after a slot too long past to be made (DUE_LATE_MAX),
 * which run-due records skipped, the next slot's, its window reaching
 * back over the skipped one's. Fills d and, when d->action is DUE_MAKE, p; any
 * other action says that the next slot's edition exists already (a
 * `digest send` gave it that id), and run-due will not make it. 0, or
 * -1 with err. Writes nothing.
 */
int due_next(struct sqlite3 *db, const struct config *c,
    const struct schedule *s, int64_t now, struct due *d,
    struct due_plan *p, char *err);

#endif
