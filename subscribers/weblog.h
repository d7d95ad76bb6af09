/*
 * weblog: the signup backend's log, one key=value line on stderr per
 * event (journald keeps it): signups, confirmations, unsubscriptions,
 * preference changes, requests to come back, and each confirmation
 * mail. Addresses in it are masked, tokens and links never appear.
 * Each line is written whole, at once, so that the server's and the
 * mail thread's lines never interleave (stderr is unbuffered).
 */
#ifndef DIGEST_WEBLOG_H
#define DIGEST_WEBLOG_H

#include <stddef.h>

struct mailq_event;

/* An address as the log shows it: its first character and its domain
 * ("z***@example.org"), enough to tell a domain's trouble, not enough
 * to give away who signed up; "-" for none. */
void weblog_mask(const char *email, char *out, size_t size);
/* event=E addr=A result=R [extra] ip=I ms=M: what happened to whom
 * (email, masked), for which client (ip, or NULL) and how long the
 * request took since start (util_clock; 0 for none). */
void weblog_event(const char *event, const char *email, const char *result,
    const char *extra, const char *ip, double start);
/* event=confirmation-mail: where a mail went and what became of it,
 * and, for a setting that stops every mail, cause=setting. arg is
 * unused (mailq_batch_log's callback). */
void weblog_mail(const struct mailq_event *ev, void *arg);

#endif
