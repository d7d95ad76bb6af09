/*
 * mailthread: confirmation mails and checkpoints off the answering
 * thread, one writer (mailthread.h).
 */
#include "mailthread.h"
#include "config.h"
#include "date.h"
#include "db.h"
#include "mailq.h"
#include "transport.h"
#include "util.h"
#include "weblog.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void
mailthread_init(struct mailthread *mt)
{
	pthread_mutex_init(&mt->mu, NULL);
	pthread_cond_init(&mt->wake, NULL);
}

void
mailthread_release(struct mailthread *mt)
{
	pthread_cond_destroy(&mt->wake);
	pthread_mutex_destroy(&mt->mu);
}

void
mailthread_queued(struct mailthread *mt)
{
	pthread_mutex_lock(&mt->mu);
	mt->queued = 1;
	pthread_cond_signal(&mt->wake);
	pthread_mutex_unlock(&mt->mu);
}

struct mailq_batch *
mailthread_batch_take(struct mailthread *mt)
{
	struct mailq_batch *b;

	pthread_mutex_lock(&mt->mu);
	b = mt->batch;
	pthread_mutex_unlock(&mt->mu);
	return b;
}

int
mailthread_batch_record(struct mailq_batch *b, struct sqlite3 *db)
{
	char err[ERR_LEN];

	if (db_exec(db, "SAVEPOINT mail", err) == 0) {
		if (mailq_batch_record(b, db, err) == 0)
			return db_exec(db, "RELEASE mail", err) == 0;
		(void)db_exec(db, "ROLLBACK TO mail", NULL);
		(void)db_exec(db, "RELEASE mail", NULL);
	}
	fprintf(stderr, "digest serve: confirmation mails: %s\n", err);
	return 0;
}

void
mailthread_batch_done(struct mailthread *mt)
{
	pthread_mutex_lock(&mt->mu);
	mt->batch = NULL;
	pthread_cond_signal(&mt->wake);
	pthread_mutex_unlock(&mt->mu);
}

void
mailthread_loop_done(struct mailthread *mt)
{
	pthread_mutex_lock(&mt->mu);
	mt->loop_done = 1;
	pthread_cond_signal(&mt->wake);
	pthread_mutex_unlock(&mt->mu);
}

/* The mail thread has stopped, or never started: the server thread
 * checkpoints itself from now on. */
static void
mailthread_gone(struct mailthread *mt)
{
	pthread_mutex_lock(&mt->mu);
	mt->gone = 1;
	pthread_mutex_unlock(&mt->mu);
}

int
mailthread_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct mailthread *mt = arg;
	char err[ERR_LEN];
	int gone;

	(void)name;
	if (pages < MAILTHREAD_CHECKPOINT_PAGES)
		return SQLITE_OK;
	pthread_mutex_lock(&mt->mu);
	gone = mt->gone;
	if (!gone) {
		mt->checkpoint = 1;
		pthread_cond_signal(&mt->wake);
	}
	pthread_mutex_unlock(&mt->mu);
	if (gone && db_checkpoint(db, err) == -1)
		fprintf(stderr, "digest serve: checkpoint: %s\n", err);
	return SQLITE_OK;
}

/* Hands the delivered batch b to the server thread, which records it
 * in its next commit, and waits until that is done. Once the server
 * thread has stopped, the mail thread records its batches itself. 0, or
 * -1 with err when that fails (the mails then stay queued). */
static int
mailthread_batch_post(struct mailthread *mt, struct mailq_batch *b,
    struct sqlite3 *db, char *err)
{
	pthread_mutex_lock(&mt->mu);
	if (!mt->loop_done) {
		mt->batch = b;
		pthread_mutex_unlock(&mt->mu);
		mt->wake_loop(mt->wake_arg);
		pthread_mutex_lock(&mt->mu);
		while (mt->batch != NULL && !mt->loop_done)
			pthread_cond_wait(&mt->wake, &mt->mu);
		if (mt->batch == NULL) {
			pthread_mutex_unlock(&mt->mu);
			return 0;
		}
		mt->batch = NULL;
	}
	pthread_mutex_unlock(&mt->mu);
	if (db_begin(db, err) == -1)
		return -1;
	if (mailq_batch_record(b, db, err) == -1 || db_commit(db, err) == -1) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

/* Waits until a mail was queued, the WAL wants a checkpoint, the
 * server stops, or 2 s have passed (deferred mails come due by the
 * clock). Returns with mu held. */
static void
mailthread_wait(struct mailthread *mt)
{
	struct timespec until;

	pthread_mutex_lock(&mt->mu);
	if (mt->stop || mt->queued || mt->checkpoint)
		return;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	pthread_cond_timedwait(&mt->wake, &mt->mu, &until);
}

/* Delivers batch after batch until stopped. */
static void
mailthread_deliver(struct mailthread *mt, struct sqlite3 *db,
    struct mailq_templates *tpl, struct transport *t)
{
	struct mailq_batch *b = mailq_batch_new(MAILTHREAD_BATCH);
	char err[ERR_LEN];
	int n = 0, checkpoint;

	for (;;) {
		if (n < MAILTHREAD_BATCH)
			mailthread_wait(mt);
		else
			pthread_mutex_lock(&mt->mu);
		if (mt->stop)
			break;
		mt->queued = 0;
		checkpoint = mt->checkpoint;
		mt->checkpoint = 0;
		pthread_mutex_unlock(&mt->mu);
		if (checkpoint && db_checkpoint(db, err) == -1)
			fprintf(stderr, "digest serve: checkpoint: %s\n", err);
		n = mailq_batch_send(b, db, mt->c, tpl, t, date_now(), err);
		if (n > 0 && mailthread_batch_post(mt, b, db, err) == 0)
			mailq_batch_log(b, weblog_mail, NULL);
		else if (n != 0)
			fprintf(stderr, "digest serve: confirmation mails: %s\n",
			    err);
		mailq_batch_clear(b);
	}
	pthread_mutex_unlock(&mt->mu);
	mailq_batch_free(b);
}

static void *
mailthread_main(void *arg)
{
	struct mailthread *mt = arg;
	struct mailq_templates tpl;
	struct transport *t = NULL;
	struct sqlite3 *db;
	char err[ERR_LEN], outbox[4200];
	int tpl_ok = 0;

	pthread_setname_np(pthread_self(), "serve-mail");
	snprintf(outbox, sizeof(outbox), "%s/confirm", mt->c->outbox);
	db = db_open(mt->db_path, err);
	if (db != NULL)
		db_limit_memory(db, MAILTHREAD_CACHE_KB, 0);
	if (db != NULL && mailq_templates_load(&tpl, mt->c->templates,
	    err) == 0)
		tpl_ok = 1;
	if (tpl_ok)
		t = mt->transport_open(mt->c, outbox, err);
	if (t == NULL)
		fprintf(stderr, "digest serve: confirmation mails: %s\n", err);
	else
		mailthread_deliver(mt, db, &tpl, t);
	mailthread_gone(mt);
	transport_close(t);
	if (tpl_ok)
		mailq_templates_release(&tpl);
	db_close(db);
	return NULL;
}

int
mailthread_start(struct mailthread *mt, char *err)
{
	int rc = pthread_create(&mt->thread, NULL, mailthread_main, mt);

	if (rc != 0) {
		mailthread_gone(mt);
		return util_err(err, "cannot start the mail thread: %s",
		    strerror(rc));
	}
	mt->started = 1;
	return 0;
}

void
mailthread_stop(struct mailthread *mt)
{
	pthread_mutex_lock(&mt->mu);
	mt->stop = 1;
	pthread_cond_signal(&mt->wake);
	pthread_mutex_unlock(&mt->mu);
	if (mt->started)
		pthread_join(mt->thread, NULL);
	mt->started = 0;
}
