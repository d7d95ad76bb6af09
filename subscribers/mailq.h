/*
 * mailq: the mails a signup sends, queued in the database by signup.h and
 * delivered by `digest serve`'s mail thread through the same transport
 * as digests (SMTP or the outbox). A signup never waits on SMTP, and a
 * mail queued before the server stops goes out after it starts again.
 *
 * Two kinds: "confirm", the double opt-in link, and "subscribed", for a
 * signup of an address that is confirmed already ("you are subscribed;
 * here are your preferences"). Neither carries anything the person who
 * filled the form typed, but the address it goes to: no name, no tags.
 *
 * A mail is built when it is sent, from the subscriber's current confirm
 * token, so a renewed link replaces an older one still waiting. What
 * becomes of it is what the transport says (transport.h): delivered,
 * sent; refused (a 5xx, an address the server cannot carry), failed with
 * the reason; deferred (4xx, no answer), tried again after 1, 2, 4...
 * minutes (at most an hour), for a day. A fault that every mail would
 * meet (a setting: TLS, the login, the sender) ends the batch at once,
 * leaves the mails queued, and is logged with the fix on the spot.
 */
#ifndef DIGEST_MAILQ_H
#define DIGEST_MAILQ_H

#include <stdint.h>

struct sqlite3;
struct config;
struct transport;
struct template;

#define MAILQ_GIVE_UP (24 * 3600)

/* The compiled templates of both kinds. */
struct mailq_templates {
	char *dir;			/* owned: partials load from it */
	struct template *html;		/* owned; confirm.html.mustache */
	struct template *text;		/* owned; confirm.txt.mustache */
	struct template *subscribed_html;	/* owned; subscribed.html... */
	struct template *subscribed_text;	/* owned; subscribed.txt... */
};

int mailq_templates_load(struct mailq_templates *t, const char *dir,
    char *err);
void mailq_templates_release(struct mailq_templates *t);

/* What became of one mail, for the log: never a token. */
struct mailq_event {
	const char *email;
	const char *status;	/* sent, deferred, failed, dropped */
	int setting;		/* deferred for a setting: reply says which */
	int code;		/* the SMTP reply code, 0 for none */
	const char *reply;
	double ms;
};

typedef void (*mailq_log_fn)(const struct mailq_event *ev, void *arg);

/*
 * A batch of mails in three steps, so that the thread that delivers
 * never writes to the store: mailq_batch_send reads the mails that are
 * due and delivers them; mailq_batch_record records what became of them
 * inside a write transaction that its caller holds (digest serve's
 * server thread, with the signups of its round: one writer, one commit);
 * mailq_batch_log reports them once that transaction is committed. Until
 * then the same mails are still due: a batch must be recorded (or given
 * up) before the next is sent, or they would go out twice.
 */
struct mailq_batch;

/* A batch of at most max mails; free with mailq_batch_free. */
struct mailq_batch *mailq_batch_new(int max);
void mailq_batch_free(struct mailq_batch *b);

/* Reads the mails due at now (at most the batch's max, oldest first)
 * and delivers them one at a time through t, changing nothing in db.
 * Returns how many were handled (sent, refused or deferred), or -1 with
 * err when the store fails. */
int mailq_batch_send(struct mailq_batch *b, struct sqlite3 *db,
    const struct config *c, struct mailq_templates *tpl,
    struct transport *t, int64_t now, char *err);

/* Records what became of the batch's mails, inside the caller's write
 * transaction: 0, or -1 with err. A mail delivered whose record is then
 * lost stays queued and goes out again: twice rather than never. */
int mailq_batch_record(struct mailq_batch *b, struct sqlite3 *db,
    char *err);

/* Calls log (when not NULL) for each mail of the batch, once its record
 * is committed, and empties the batch for the next send. */
void mailq_batch_log(struct mailq_batch *b, mailq_log_fn log, void *arg);

/* Empties the batch without logging: its record was lost. */
void mailq_batch_clear(struct mailq_batch *b);

#endif
