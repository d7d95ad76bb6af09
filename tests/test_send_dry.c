/*
 * test_send_dry: `digest send --dry-run` (send_dry_run) lists exactly
 * what the real send then does, because both take the journal's pass:
 * on a real SQLite file, an edition whose readers are in every state
 * (sent already, failed, deferred until later, pending, unsubscribed
 * since they were listed, confirmed since, with no article), the dry
 * run's built and skipped readers are compared with what send_edition
 * delivers through the outbox and skips; again with --retry-failed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <sqlite3.h>

#include "article.h"
#include "config.h"
#include "db.h"
#include "edition.h"
#include "journal.h"
#include "send.h"
#include "store.h"
#include "testutil.h"
#include "teststore.h"
#include "transport.h"

#define NOW 1795867200		/* 2026-11-28T12:00:00Z */
#define EDITION "2026-W48"
#define LIST_MAX 16

static sqlite3 *db;
static struct config cfg;
static char dir[4096];

/* Who got what in one run: "a@example.org" built/sent, or skipped. */
struct seen {
	char done[LIST_MAX][64];	/* built (dry) or sent (real) */
	size_t ndone;
	char skipped[LIST_MAX][64];
	size_t nskipped;
	size_t other;			/* failed, deferred, in doubt */
};

static void
on_event(const struct send_event *ev, const struct send_report *rep,
    void *arg)
{
	struct seen *s = arg;

	(void)rep;
	if (ev->in_doubt)
		s->other++;
	else if (ev->status == JOURNAL_SENT && s->ndone < LIST_MAX)
		snprintf(s->done[s->ndone++], 64, "%s", ev->to);
	else if (ev->status == JOURNAL_SKIPPED && s->nskipped < LIST_MAX)
		snprintf(s->skipped[s->nskipped++], 64, "%s", ev->to);
	else
		s->other++;
}

/* The addresses of a list, sorted and joined, to compare two runs. */
static char *
joined(char list[][64], size_t n)
{
	static char out[2][LIST_MAX * 64];
	static int which;
	char *o = out[which++ % 2], tmp[64];
	size_t i, k, len = 0;

	for (i = 1; i < n; i++)
		for (k = i; k > 0 && strcmp(list[k - 1], list[k]) > 0; k--) {
			memcpy(tmp, list[k], 64);
			memcpy(list[k], list[k - 1], 64);
			memcpy(list[k - 1], tmp, 64);
		}
	o[0] = '\0';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(o + len, sizeof(out[0]) - len, "%s%s",
		    i ? " " : "", list[i]);
	return o;
}

static int64_t
add_reader(const char *email, const char *tag)
{
	struct store_subscriber s;
	char err[ERR_LEN];
	int64_t id;

	store_subscriber_init(&s);
	s.email = xstrdup(email);
	s.status = STORE_CONFIRMED;
	if (tag != NULL)
		store_subscriber_tag_add(&s, tag, strlen(tag));
	if (store_subscriber_put(db, &s, err) == -1)
		fail_msg("%s", err);
	id = s.id;
	store_subscriber_release(&s);
	return id;
}

static void
record(int64_t id, enum journal_status st, int code, int64_t next_try)
{
	struct journal_result r;
	char err[ERR_LEN];

	memset(&r, 0, sizeof(r));
	r.subscriber_id = id;
	r.status = st;
	r.code = code;
	r.reply = "earlier run";
	r.next_try = next_try;
	if (journal_record(db, EDITION, "earlier", 0, &r, 1, NOW, err) == -1)
		fail_msg("%s", err);
}

/*
 * The edition, listed and half sent by an earlier run: a sent, b
 * refused for good, d deferred until next year, e pending, g pending
 * with a topic no article has; c left after being listed; f confirmed
 * after.
 */
static int
setup(void **state)
{
	char path[4200], err[ERR_LEN];
	int64_t a, b, d;

	(void)state;
	snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
	snprintf(path, sizeof(path), "%s/send.db", dir);
	db = db_open(path, err);
	assert_non_null(db);
	ts_config(&cfg, dir, "");
	ts_article(db, "story", "news", NOW - 3600);
	a = add_reader("a@example.org", NULL);
	b = add_reader("b@example.org", NULL);
	add_reader("c@example.org", NULL);
	d = add_reader("d@example.org", NULL);
	add_reader("e@example.org", "news");
	add_reader("g@example.org", "gardening");
	assert_int_equal(journal_edition_create(db, EDITION, NOW - 86400 * 7,
	    NOW + 1, 0, NOW, 0, err), 1);
	assert_int_equal(journal_deliveries_add(db, EDITION, err), 6);
	record(a, JOURNAL_SENT, 250, 0);
	record(b, JOURNAL_FAILED, 550, 0);
	record(d, JOURNAL_DEFERRED, 451, NOW + 365 * 86400);
	assert_int_equal(store_subscriber_remove(db, "c@example.org", 0, "test",
	    err), 1);
	add_reader("f@example.org", NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	db_close(db);
	config_release(&cfg);
	return 0;
}

static void
dry(int retry_failed, struct seen *s)
{
	struct send_report rep;
	struct send_opts o;
	struct edition e;
	char err[ERR_LEN];

	memset(s, 0, sizeof(*s));
	send_opts_from_config(&o, &cfg);
	o.retry_failed = retry_failed;
	assert_int_equal(edition_open_journal(&e, db, &cfg, EDITION, NOW, NULL,
	    0, err), 1);
	if (send_dry_run(db, &e, &o, on_event, s, &rep, err) != SEND_OK)
		fail_msg("%s", err);
	assert_int_equal(rep.sent, s->ndone);
	edition_close(&e);
}

/* The real send, through the outbox; returns the files it wrote. */
static size_t
real(int retry_failed, struct seen *s, const char *outbox)
{
	struct send_report rep;
	struct send_opts o;
	struct transport *t;
	struct edition e;
	struct dirent *de;
	char err[ERR_LEN];
	size_t files = 0;
	DIR *dd;

	memset(s, 0, sizeof(*s));
	send_opts_from_config(&o, &cfg);
	o.retry_failed = retry_failed;
	o.retry_window = -1;
	t = transport_open_config(&cfg, NULL, outbox, 0, err);
	if (t == NULL)
		fail_msg("%s", err);
	assert_int_equal(edition_open_journal(&e, db, &cfg, EDITION, NOW, NULL,
	    0, err), 1);
	if (send_edition(db, &e, t, &o, on_event, s, &rep, err) != SEND_OK)
		fail_msg("%s", err);
	transport_close(t);
	edition_close(&e);
	dd = opendir(outbox);
	assert_non_null(dd);
	while ((de = readdir(dd)) != NULL)
		files += strstr(de->d_name, ".eml") != NULL;
	closedir(dd);
	return files;
}

static void
test_dry_run_is_the_send(void **state)
{
	struct seen d, r;
	char outbox[4200];

	(void)state;
	dry(0, &d);
	/* Not a, b or d (sent, failed, not due), whom the journal has
	 * dealt with; f, whom it has not listed yet. */
	assert_string_equal(joined(d.done, d.ndone),
	    "e@example.org f@example.org");
	assert_string_equal(joined(d.skipped, d.nskipped),
	    "c@example.org g@example.org");
	assert_int_equal(d.other, 0);
	snprintf(outbox, sizeof(outbox), "%s/outbox1", dir);
	assert_int_equal(real(0, &r, outbox), d.ndone);
	assert_string_equal(joined(r.done, r.ndone), joined(d.done, d.ndone));
	assert_string_equal(joined(r.skipped, r.nskipped),
	    joined(d.skipped, d.nskipped));
	/* Afterwards nobody is left; with --retry-failed, b. */
	dry(0, &d);
	assert_int_equal(d.ndone + d.nskipped + d.other, 0);
	dry(1, &d);
	assert_string_equal(joined(d.done, d.ndone), "b@example.org");
	snprintf(outbox, sizeof(outbox), "%s/outbox2", dir);
	assert_int_equal(real(1, &r, outbox), 1);
	assert_string_equal(joined(r.done, r.ndone), "b@example.org");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dry_run_is_the_send, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
