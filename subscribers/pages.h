/*
 * pages: the signup backend's HTML pages, Mustache templates of
 * templates/ (subscribe, check-inbox, confirming, confirmed, link-used,
 * expired, unsubscribe, unsubscribed, preferences, error), the data
 * each is given, and the reply that carries one (http_policy_strict:
 * no page runs script).
 *
 * Every page gets newsletter, page.title, message, urls.subscribe, the
 * form (action, email, name, error, has_error, and a correction offered
 * for the address: suggestion, has_suggestion, keep, has_keep) and the
 * tags on offer;
 * pages about a subscriber get their links and status too.
 */
#ifndef DIGEST_PAGES_H
#define DIGEST_PAGES_H

#include <microhttpd.h>
#include <stddef.h>

#define PAGES_LINK_MAX 2048

struct config;
struct json_t;
struct store_subscriber;
struct template;
struct topics;

enum pages_page {
	PAGE_SUBSCRIBE = 0,
	PAGE_CHECK_INBOX,
	PAGE_CONFIRMING,
	PAGE_CONFIRMED,
	PAGE_LINK_USED,
	PAGE_EXPIRED,
	PAGE_UNSUBSCRIBE,
	PAGE_UNSUBSCRIBED,
	PAGE_PREFERENCES,
	PAGE_ERROR,
	PAGE_COUNT
};

struct pages {
	const struct config *c;		/* borrowed */
	const struct topics *topics;	/* borrowed */
	struct template *t[PAGE_COUNT];	/* owned */
};

/* Loads every page's template from the configuration's templates:
 * 0, or -1 with err naming the one that fails. */
int pages_load(struct pages *p, const struct config *c,
    const struct topics *topics, char *err);
void pages_release(struct pages *p);

/* The data every page gets: a new reference. */
struct json_t *pages_data(const struct pages *p, const char *title,
    const char *message);
/* The form's fields shown again in d, the tags checked as given. */
void pages_data_form(struct json_t *d, const char *email, const char *name,
    char *const *tags, size_t ntags, const char *error);
/* The correction offered for a likely typo of the form's address
 * (signup_typo): fix, and keep, the address as typed when the reader
 * may keep it (NULL when it was refused). */
void pages_data_suggest(struct json_t *d, const char *fix,
    const char *keep);
/* The links, form, topics (their own ones not on offer added, checked:
 * a save keeps them unless unticked) and status of sub in d. */
void pages_data_links(const struct pages *p, struct json_t *d,
    const struct store_subscriber *sub);

/* Renders page with d (taken) and queues it with code; a page that
 * cannot render is a 500, said on stderr. */
enum MHD_Result pages_reply(const struct pages *p,
    struct MHD_Connection *conn, unsigned code, enum pages_page page,
    struct json_t *d);
/* The error page: title and message. */
enum MHD_Result pages_error(const struct pages *p,
    struct MHD_Connection *conn, unsigned code, const char *title,
    const char *message);

#endif
