#include "due.h"
#include "config.h"
#include "journal.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

int
due_check(struct sqlite3 *db, const struct schedule *s, int64_t now,
    struct due *d, char *err)
{
	struct journal_edition je;
	int rc;

	memset(d, 0, sizeof(*d));
	d->slot = schedule_last_slot(s, now);
	if (d->slot == SCHEDULE_NONE)
		return util_err(err, "the time %lld is out of the schedule's "
		    "range", (long long)now);
	schedule_edition_id(d->slot, s, d->id);
	if ((rc = journal_edition_get(db, d->id, &je, err)) == -1)
		return -1;
	if (rc == 0) {
		d->action = DUE_MAKE;
		return 0;
	}
	snprintf(d->status, sizeof(d->status), "%s", je.status);
	d->action = strcmp(je.status, "open") == 0 ? DUE_RESUME : DUE_NOTHING;
	return 0;
}

/* due_since, after the edition last (NULL: none). */
static int64_t
due_since_after(const struct journal_edition *last, int64_t slot,
    int64_t max_age)
{
	int64_t since;

	if (last == NULL || last->until >= slot ||
	    last->until <= slot - DUE_GAP_MAX * DUE_FIRST_WINDOW)
		return slot - DUE_FIRST_WINDOW;
	if (strcmp(last->status, "skipped") != 0)
		return last->until;
	/* A skipped edition's articles wait for this one, those published
	 * within max_age of it: its window (which reaches back over the
	 * skipped ones before it) joins this one's. The mark (journal.h)
	 * cannot carry them when no edition has been made yet. */
	since = slot - max_age;
	if (since < last->since)
		since = last->since;
	return since < last->until ? since : last->until;
}

int64_t
due_since(struct sqlite3 *db, int64_t slot, int64_t max_age)
{
	struct journal_edition last;
	char err[ERR_LEN];

	return due_since_after(journal_edition_last(db, &last, err) == 1 ?
	    &last : NULL, slot, max_age);
}

/* Records d's edition skipped, with the note: 0, or -1 with err. */
static int
due_skip(struct sqlite3 *db, struct due *d, int64_t since, int64_t now,
    const char *note, char *err)
{
	if (journal_edition_skip(db, d->id, since, d->slot, d->slot, now,
	    note, err) == -1)
		return -1;
	snprintf(d->status, sizeof(d->status), "skipped");
	return 0;
}

/* due_plan, for the window from since. */
static int
due_plan_from(struct sqlite3 *db, const struct config *c,
    const struct due *d, int64_t now, int64_t since, struct due_plan *p,
    char *err)
{
	size_t n;

	memset(p, 0, sizeof(*p));
	p->since = since;
	if (journal_edition_eligible(db, p->since, d->slot, d->slot,
	    c->max_age, &p->articles, err) == -1)
		return -1;
	n = p->articles.n;
	/* Sent now, it would reach readers days late and days before the
	 * next edition (a first run long after the slot, a machine that
	 * was down): two digests in a day or two. */
	if (now - d->slot > DUE_LATE_MAX)
		snprintf(p->note, DUE_NOTE_MAX, "due %lld days ago, nearer the "
		    "next slot than its own: its articles wait for the next "
		    "one", (long long)((now - d->slot) / 86400));
	else if ((int64_t)n < c->min_articles)
		snprintf(p->note, DUE_NOTE_MAX, "%zu new article%s, fewer than "
		    "min_articles %ld", n, n == 1 ? "" : "s", c->min_articles);
	return 0;
}

int
due_plan(struct sqlite3 *db, const struct config *c, const struct due *d,
    int64_t now, struct due_plan *p, char *err)
{
	return due_plan_from(db, c, d, now, due_since(db, d->slot,
	    c->max_age), p, err);
}

void
due_plan_release(struct due_plan *p)
{
	journal_ids_release(&p->articles);
}

int
due_next(struct sqlite3 *db, const struct config *c,
    const struct schedule *s, int64_t now, struct due *d, struct due_plan *p,
    char *err)
{
	struct journal_edition skipped, *last = NULL;
	int64_t next;

	memset(p, 0, sizeof(*p));
	if (due_check(db, s, now, d, err) == -1)
		return -1;
	if (d->action == DUE_MAKE) {
		if (due_plan(db, c, d, now, p, err) == -1)
			return -1;
		if (now - d->slot <= DUE_LATE_MAX)
			return 0;
		/* Too late to make: run-due records it skipped on its next
		 * call, and the edition it makes is the next slot's, whose
		 * window reaches back over this one's (due_since). */
		memset(&skipped, 0, sizeof(skipped));
		skipped.since = p->since;
		skipped.until = d->slot;
		snprintf(skipped.status, sizeof(skipped.status), "skipped");
		last = &skipped;
		due_plan_release(p);
	}
	next = schedule_next_slot(s, now);
	if (next == SCHEDULE_NONE)
		return util_err(err, "the time %lld is out of the schedule's "
		    "range", (long long)now);
	if (due_check(db, s, next, d, err) == -1)
		return -1;
	if (d->action != DUE_MAKE)
		return 0;
	return due_plan_from(db, c, d, next, last != NULL ?
	    due_since_after(last, next, c->max_age) : due_since(db, next,
	    c->max_age), p, err);
}

int
due_make(struct sqlite3 *db, const struct config *c, struct due *d,
    int64_t now, char note[DUE_NOTE_MAX], char *err)
{
	struct due_plan p;
	int rc;

	if (due_plan(db, c, d, now, &p, err) == -1)
		return -1;
	snprintf(note, DUE_NOTE_MAX, "%s", p.note);
	if (*note != '\0')
		rc = due_skip(db, d, p.since, now, note, err);
	else if ((rc = journal_edition_create(db, d->id, p.since, d->slot,
	    d->slot, now, c->max_age, err)) != -1) {
		snprintf(d->status, sizeof(d->status), "open");
		rc = 1;
	}
	due_plan_release(&p);
	return rc;
}
