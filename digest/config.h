/*
 * config: the settings of a newsletter, from one "key = value" file.
 *
 * One table in config.c declares every key with its default and what it
 * means; samples/digest.conf lists them all, commented. The file is
 * --config PATH, else $DIGEST_CONFIG, else ./digest.conf when it exists;
 * without one the defaults apply, so that digest runs out of the box.
 * Secrets (the SMTP password) are never read from this file.
 */
#ifndef DIGEST_CONFIG_H
#define DIGEST_CONFIG_H

#include <stddef.h>

struct config {
	char *path;		/* the file read, or NULL: defaults only */
	char *name;		/* the newsletter's name */
	char *url;		/* its web site */
	char *language;		/* BCP 47, for <html lang> */
	char *from_name;
	char *from_address;
	char *list_id;		/* List-Id's id part: "news.example.org" */
	char *base_url;		/* where `digest serve` is reached */
	char *unsubscribe_mailto; /* an address, or "" for none */
	char *message_id_domain;
	char *subject;		/* a Mustache template over the digest data */
	char *templates;	/* the templates directory */
	char *outbox;		/* the outbox transport's directory */
	char *since;		/* the window of a digest: 7d, 2w... */
	long max_age;		/* seconds: a late article's limit */
	long max_articles;	/* per digest */
	long text_width;	/* the plain text part's line width */
	/* Delivery: SMTP when smtp_url is set, else the outbox. */
	char *smtp_url;		/* smtp://host:port or smtps://... */
	char *smtp_tls;		/* for smtp://: "starttls" or "off" */
	char *smtp_user;	/* "" = no AUTH */
	char *smtp_password_file; /* "" = $DIGEST_SMTP_PASSWORD(_FILE) */
	char *smtp_cafile;	/* "" = the system's trust store */
	char *smtp_ehlo;	/* "" = libcurl's default */
	long smtp_connections;
	long smtp_rate;		/* messages per second; 0 = no limit */
	long smtp_timeout;	/* seconds per message */
	long retry_window;	/* seconds a run retries deferred ones */
	/* When an edition is due, and what it needs. */
	char *schedule_weekday;	/* mon..sun */
	char *schedule_time;	/* HH:MM */
	char *schedule_timezone; /* an IANA name, "UTC" */
	long min_articles;	/* fewer new articles: the edition is skipped */
	long send_empty;	/* 1: mail subscribers with no articles too */
	long bounce_limit;	/* hard bounces on this many editions in a row */
	long fetch_private;	/* 1: feeds may be on private addresses */
	/* The return mailbox (issue 17): bounces, complaints, mailed
	 * unsubscribes. */
	char *return_path;	/* "" = MAIL FROM is from_address, no VERP */
	long bounce_limit_unknown; /* editions with "no such user" bounces */
	long bounce_window;	/* days a soft bounce counts */
	char *mailbox_url;	/* imaps://, imap://, pop3s://, pop3:// */
	char *mailbox_tls;	/* for imap:// and pop3://: starttls, off */
	char *mailbox_user;
	char *mailbox_password_file; /* "" = $DIGEST_MAILBOX_PASSWORD(_FILE) */
	char *mailbox_cafile;	/* "" = the system's trust store */
	char *mailbox_done;	/* IMAP: where processed mail goes */
	char *mailbox_other;	/* IMAP: mail for a person; "" = left */
	long mailbox_timeout;	/* seconds per command */
	/* digest serve, the signup backend */
	char *listen;		/* ADDRESS:PORT */
	char *topics;		/* the tags the form offers, comma-separated,
				 * each "tag" or "tag: label"; "": the
				 * commonest of the last 30 days' articles */
	char *cors_origins;	/* origins whose pages may post the form,
				 * space- or comma-separated */
	long signup_rate;	/* signups per minute from one address */
	char *trusted_proxies;	/* CIDRs whose Forwarded/X-Forwarded-For
				 * name the client; "": none */
};

/* Reads the file at path (NULL: $DIGEST_CONFIG or ./digest.conf when it
 * exists, else nothing) over the defaults into c. 0, or -1 with err
 * naming the file, the line and the key ("digest.conf:7: unknown key
 * 'form_name'"). c is filled either way; release it with config_release. */
int config_load(struct config *c, const char *path, char *err);
void config_release(struct config *c);

/* The key whose name is nearest key[0..len) (a typo: at most two
 * letters off, a swap of two counting one), for "did you mean": NULL
 * when none is that near. */
const char *config_nearest(const char *key, size_t len);

/* Writes every key (or only key, when not NULL) with its value as
 * "key = value" lines (for `digest config`), in the table's order.
 * 0, or -1 when there is no such key. */
struct buf;
int config_dump(const struct config *c, const char *key, struct buf *out);

/* Writes each key with its default ("key = value"), then what it does,
 * indented and wrapped at 72 columns, a blank line between keys: the
 * text digest.conf(5) is made from. */
void config_describe(struct buf *out);

/* The address of one of digest serve's pages: base_url and path
 * ("https://x.org/news/subscribe"). Cut to size. */
void config_page(const struct config *c, const char *path, char *out,
    size_t size);

/* The link to one of digest serve's pages: base_url, path and the
 * token ("https://x.org/news/unsubscribe?token=..."); "#" when token is
 * NULL. Cut to size. */
void config_link(const struct config *c, const char *path,
    const char *token, char *out, size_t size);

#endif
