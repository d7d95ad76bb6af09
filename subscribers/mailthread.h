/*
 * mailthread: the signup backend's second thread, which delivers the
 * queued confirmation mails (mailq.h) in batches with its own transport
 * and its own database connection, and runs the WAL checkpoints, off
 * the thread that answers.
 *
 * One writer: the mail thread never writes to the store while the
 * server thread runs. It hands each delivered batch over
 * (mailthread_batch_take) and waits until the server thread has
 * recorded it inside its round's commit (mailthread_batch_done); once
 * the server thread has stopped (mailthread_loop_done) it records its
 * batches itself. So neither thread waits on the other's write lock,
 * and the records cost no commit of their own.
 *
 * The fields are the module's, under mu where marked; the caller owns
 * the struct and what the configuration points to, for as long as the
 * thread runs.
 */
#ifndef DIGEST_MAILTHREAD_H
#define DIGEST_MAILTHREAD_H

#include <pthread.h>

#define MAILTHREAD_BATCH 32
#define MAILTHREAD_CHECKPOINT_PAGES 1000	/* SQLite's own default */
#define MAILTHREAD_CACHE_KB 8192		/* its page cache */

struct config;
struct mailq_batch;
struct sqlite3;
struct transport;

/* Opens the transport confirmation mails go through (SMTP, or the
 * outbox directory given): NULL with err. */
typedef struct transport *(*mailthread_transport_fn)(const struct config *c,
    const char *outbox, char *err);

struct mailthread {
	const struct config *c;		/* borrowed */
	const char *db_path;		/* borrowed */
	mailthread_transport_fn transport_open;
	/* Wakes the server thread's loop, from the mail thread. */
	void (*wake_loop)(void *arg);
	void *wake_arg;
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	/* Under mu. */
	int stop;
	int queued;			/* a mail was queued */
	int checkpoint;			/* the WAL is long: checkpoint it */
	int gone;			/* the mail thread has stopped */
	int loop_done;			/* the server thread has stopped */
	/* A delivered batch for the server thread to record; NULL once
	 * that is committed. */
	struct mailq_batch *batch;
};

/* Sets mt up (its fields above wake_arg filled by the caller). */
void mailthread_init(struct mailthread *mt);
/* Starts the thread: 0, or -1 with err (the server thread then
 * checkpoints itself). */
int mailthread_start(struct mailthread *mt, char *err);
/* Stops the thread (what it is delivering finishes) and joins it. */
void mailthread_stop(struct mailthread *mt);
void mailthread_release(struct mailthread *mt);

/* A mail was queued: deliver it now rather than at the next tick. */
void mailthread_queued(struct mailthread *mt);
/* The server thread: the delivered batch waiting to be recorded in
 * this round's transaction, or NULL. Still the mail thread's. */
struct mailq_batch *mailthread_batch_take(struct mailthread *mt);
/* Records batch b inside the caller's transaction on db, alone in a
 * savepoint: 1 recorded, 0 not (undone, said on stderr, and tried again
 * next round; until then the mail thread sends nothing more, and those
 * mails, delivered, are not sent again). */
int mailthread_batch_record(struct mailq_batch *b, struct sqlite3 *db);
/* The server thread: the batch taken is recorded and committed. */
void mailthread_batch_done(struct mailthread *mt);
/* The server thread has stopped: the mail thread records its own
 * batches from now on. */
void mailthread_loop_done(struct mailthread *mt);

/*
 * sqlite3_wal_hook for the server thread's connection (arg: the
 * mailthread): past MAILTHREAD_CHECKPOINT_PAGES the mail thread copies
 * the pages into the database (a passive checkpoint, fsynced), so that
 * the thread that answers never does; SQLite's automatic checkpoint,
 * which this hook replaces, would run inside the COMMIT of whichever
 * round crossed the line. Without a mail thread the server thread does
 * it, as SQLite would.
 */
int mailthread_wal_hook(void *arg, struct sqlite3 *db, const char *name,
    int pages);

#endif
