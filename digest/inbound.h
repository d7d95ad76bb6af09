/*
 * inbound: what one message in the return mailbox is (issue 17).
 *
 * inbound_classify() reads a message (at most INBOUND_MESSAGE_MAX bytes
 * of it: what the mailbox client fetches) and says what it is, in this
 * order:
 *  - a bounce: a delivery status notification (RFC 3464: a
 *    message/delivery-status part, outside any returned message), with
 *    Action, Status, Final-Recipient and Diagnostic-Code of its worst
 *    recipient; or a bounce in another style (Postfix, Exim, Microsoft,
 *    Gmail and the like: from a mailer daemon or postmaster, or with an
 *    empty Return-Path, or an X-Failed-Recipients header) whose text
 *    holds a status code or words that say it failed;
 *  - a complaint: an ARF feedback report (RFC 5965) of type abuse,
 *    fraud, virus or other;
 *  - a mailed unsubscribe: sent to an unsubscribe+TOKEN address, or with
 *    "unsubscribe" as a word in its subject;
 *  - an auto-reply (RFC 3834 Auto-Submitted, X-Autoreply, out-of-office
 *    subjects): nothing to do;
 *  - anything else, including a DSN it cannot read ("malformed").
 * A mailed unsubscribe to a token address comes before the bounce
 * styles; one by subject only after the auto-replies.
 *
 * Who it is about is not decided here: it collects the VERP tokens the
 * message holds (bounces+TOKEN@..., unsubscribe+TOKEN@... for the
 * addresses given, in any header or decoded part) for the caller to
 * verify (verp.h), and the From address.
 *
 * Bad mail is just mail: the classifier never fails. Work is bounded:
 * the input is cut at INBOUND_MESSAGE_MAX; libetpan's MIME parser, whose
 * time grows with the square of the nesting, is given the message only
 * up to its INBOUND_NESTING_MAX-th multipart or message part (the
 * reports it looks for come first); at most INBOUND_TEXT_SCAN bytes of
 * text are searched; every field it keeps is cut to size and made one
 * line of valid UTF-8.
 */
#ifndef DIGEST_INBOUND_H
#define DIGEST_INBOUND_H

#include <stddef.h>

#include "addr.h"
#include "verp.h"

#define INBOUND_MESSAGE_MAX (1u << 20)
#define INBOUND_NESTING_MAX 64
#define INBOUND_TEXT_SCAN (64u << 10)
#define INBOUND_TEXT_MAX 300	/* bytes of a kept text: words, ids */
#define INBOUND_TOKENS_MAX 8

enum inbound_kind {
	INBOUND_OTHER = 0,
	INBOUND_BOUNCE,
	INBOUND_COMPLAINT,
	INBOUND_UNSUBSCRIBE,
	INBOUND_AUTOREPLY,
};

/* How bad a bounce is, for the bounce policy. */
enum inbound_severity {
	INBOUND_NONE = 0,	/* delivered, relayed: not a failure */
	INBOUND_SOFT,		/* 4.x.x, delayed, mailbox full */
	INBOUND_HARD,		/* 5.x.x, failed */
	INBOUND_UNKNOWN_USER,	/* 5.1.1, 5.1.2, 5.1.3, 5.1.6, 5.1.10 */
};

struct inbound_token {
	enum verp_kind kind;
	int in_recipient;	/* 1: in To, Delivered-To and the like */
	char text[VERP_TOKEN_MAX + 1];
};

struct inbound {
	enum inbound_kind kind;
	const char *why;	/* static: "dsn", "no status"... for logs */
	enum inbound_severity severity;
	char status[16];	/* "5.1.1", or "" */
	char action[16];	/* "failed", "delayed", or "" */
	char recipient[ADDR_MAX + 1];	/* as the report names it */
	char diagnostic[INBOUND_TEXT_MAX + 1];	/* the server's words */
	int by_from;		/* an unsubscribe that names nobody but its
				 * From address (by subject) */
	char feedback_type[32];	/* ARF: abuse, fraud... */
	char from[ADDR_MAX + 1];	/* the From address, as written */
	char message_id[INBOUND_TEXT_MAX + 1];
	char subject[INBOUND_TEXT_MAX + 1];	/* decoded */
	struct inbound_token tokens[INBOUND_TOKENS_MAX];
	size_t ntokens;		/* distinct ones, in the order found */
};

/* Our own addresses, whose +TOKEN forms are looked for; "" or NULL for
 * none. */
struct inbound_addrs {
	const char *bounce;		/* return_path: bounces@example.org */
	const char *unsubscribe;	/* unsubscribe_mailto */
};

/* Classifies len bytes of msg (only the first INBOUND_MESSAGE_MAX are
 * read) into *out. Never fails; allocates nothing that outlives it. */
void inbound_classify(const char *msg, size_t len,
    const struct inbound_addrs *a, struct inbound *out);

const char *inbound_kind_name(enum inbound_kind k);
const char *inbound_severity_name(enum inbound_severity s);

/* The severity of a failure with this DSN Action ("" when none) and
 * Status ("" when none), before any words are weighed. */
enum inbound_severity inbound_severity_of(const char *action,
    const char *status);

#endif
