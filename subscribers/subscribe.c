/*
 * subscribe: POST /subscribe, checked at once, stored in the round's
 * commit, answered at its pace (subscribe.h).
 */
#include "subscribe.h"
#include "config.h"
#include "pages.h"
#include "ratelimit.h"
#include "topics.h"
#include "weblog.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUBSCRIBE_DONE "Check your inbox: we sent a link to confirm " \
	"your subscription."
#define SUBSCRIBE_LIMITED "Too many signups from your address: try again " \
	"in a minute."

/* The form again, kept as given, with err (NULL for none) and the
 * correction offered (fix; NULL for none; keep: the address as typed,
 * when the reader may keep it). */
static enum MHD_Result
subscribe_form_again(struct web *w, struct web_request *r, unsigned code,
    const char *title, const char *err, const char *fix, const char *keep)
{
	const struct form *f = &r->form;
	json_t *d = pages_data(w->pages, title, NULL);

	pages_data_form(d, f->email, f->name, f->tags, f->ntags, err);
	pages_data_suggest(d, fix, keep);
	return pages_reply(w->pages, r->conn, code, PAGE_SUBSCRIBE, d);
}

/* {"ok": false, "message": message, "suggestion": fix} (fix NULL: none). */
static enum MHD_Result
subscribe_json_refused(struct web *w, struct web_request *r, unsigned code,
    const char *message, const char *fix)
{
	json_t *body = json_pack("{s:b,s:s}", "ok", 0, "message", message);

	if (body != NULL && fix != NULL)
		json_object_set_new(body, "suggestion", json_string(fix));
	return web_json_send(r, code, body, web_cors(w, r));
}

/* The answer to a signup: the same for every address it could be. fix:
 * the correction offered with a refused address, or NULL. */
static enum MHD_Result
subscribe_answer(struct web *w, struct web_request *r, enum signup_result rc,
    unsigned bad_code, const char *err, const char *fix)
{
	const char *origin = web_cors(w, r);
	int json = http_accepts(r->conn, "application/json");
	json_t *d;

	if (rc == SIGNUP_ERROR) {
		fprintf(stderr, "digest serve: %s\n", err);
		return json ? web_json(r, MHD_HTTP_SERVICE_UNAVAILABLE, 0,
		    "The signup could not be stored: please try again.",
		    origin) : pages_error(w->pages, r->conn,
		    MHD_HTTP_SERVICE_UNAVAILABLE, "Please try again",
		    "The signup could not be stored: please try again.");
	}
	if (rc == SIGNUP_BAD)
		return json ? subscribe_json_refused(w, r, bad_code, err, fix) :
		    subscribe_form_again(w, r, bad_code, "Subscribe", err, fix,
		    NULL);
	if (json)
		return web_json(r, MHD_HTTP_OK, 1, SUBSCRIBE_DONE, origin);
	d = pages_data(w->pages, "Check your inbox", NULL);
	/* The address mailed: a typo's correction, when that was chosen. */
	pages_data_form(d, r->sf.email ? r->sf.email : r->form.email, NULL,
	    NULL, 0, NULL);
	return pages_reply(w->pages, r->conn, MHD_HTTP_OK, PAGE_CHECK_INBOX, d);
}

/*
 * A likely typo (signup_typo): nothing is stored or sent; the reader is
 * asked. A person gets the form again, kept, with a button for each
 * answer; a script 422 and the suggestion, to send back as email_choice
 * (or the address typed, to keep it).
 */
static enum MHD_Result
subscribe_ask(struct web *w, struct web_request *r)
{
	char message[ADDR_MAX + 32];

	weblog_event("signup", r->email, "typo", "mail=none", r->ip, r->start);
	snprintf(message, sizeof(message), "Did you mean %s?", r->fix);
	if (http_accepts(r->conn, "application/json"))
		return subscribe_json_refused(w, r,
		    MHD_HTTP_UNPROCESSABLE_CONTENT, message, r->fix);
	return subscribe_form_again(w, r, MHD_HTTP_OK, "Check your address",
	    NULL, r->fix, r->email);
}

/* The stored signup r, logged and answered. */
static enum MHD_Result
subscribe_stored(struct web *w, struct web_request *r)
{
	const char *mail = r->signup_mailed ? (r->outcome == SIGNUP_CONFIRMED ?
	    "mail=subscribed" : "mail=confirm") : "mail=none";

	weblog_event("signup", r->email, r->result == SIGNUP_OK ?
	    signup_outcome_name(r->outcome) : "error", r->result == SIGNUP_OK ?
	    mail : NULL, r->ip, r->start);
	return subscribe_answer(w, r, r->result, 0, r->err, NULL);
}

/* Whether this client may sign up now (signup_rate a minute). */
static int
subscribe_rate_ok(struct web *w, const struct web_request *r)
{
	return w->limiter == NULL || ratelimit_take(w->limiter, &r->client,
	    util_monotonic());
}

/* Suspends r into the round, until its commit. */
static enum MHD_Result
subscribe_wait(struct web *w, struct web_request *r)
{
	struct subscribe_round *rd = w->round;

	xgrow(&rd->waiting, &rd->waiting_cap, rd->nwaiting + 1,
	    sizeof(*rd->waiting));
	rd->waiting[rd->nwaiting].r = r;
	rd->waiting[rd->nwaiting++].until = 0;
	r->signup = WEB_SIGNUP_WAITING;
	MHD_suspend_connection(r->conn);
	return MHD_YES;
}

enum MHD_Result
subscribe_post(struct web *w, struct web_request *r)
{
	const char *origin = web_cors(w, r);
	int json = http_accepts(r->conn, "application/json"), rc;
	enum signup_result typo;
	struct signup_form *sf = &r->sf;
	struct form *f = &r->form;

	if (r->signup == WEB_SIGNUP_STORED)
		return subscribe_stored(w, r);
	if (r->signup == WEB_SIGNUP_WAITING)
		return MHD_YES;
	if (!subscribe_rate_ok(w, r)) {
		weblog_event("signup", NULL, "limited", NULL, r->ip, r->start);
		return json ? web_json(r, MHD_HTTP_TOO_MANY_REQUESTS, 0,
		    SUBSCRIBE_LIMITED, origin) : pages_error(w->pages, r->conn,
		    MHD_HTTP_TOO_MANY_REQUESTS, "Too many signups",
		    SUBSCRIBE_LIMITED);
	}
	rc = web_form(r, r->err);
	if (rc == 0 && f->email == NULL)
		rc = util_err(r->err, "the form has no email field");
	if (rc < 0)
		return json ? web_json(r, rc == -2 ?
		    MHD_HTTP_UNSUPPORTED_MEDIA_TYPE : MHD_HTTP_BAD_REQUEST, 0,
		    r->err, origin) : web_form_refused(w, r, rc, r->err);
	if (f->website != NULL && *f->website != '\0')
		/* The honeypot: a bot. It gets the answer a person gets,
		 * so it learns nothing, and nothing is stored. */
		return subscribe_answer(w, r, SIGNUP_OK, 0, NULL, NULL);
	if (topics_check(w->topics, f->tags, f->ntags, NULL, 0, r->err) == -1)
		return subscribe_answer(w, r, SIGNUP_BAD, MHD_HTTP_BAD_REQUEST,
		    r->err, NULL);
	memset(sf, 0, sizeof(*sf));
	sf->email = f->email;
	sf->email_len = f->email_len;
	sf->choice = f->email_choice;
	sf->choice_len = f->email_choice_len;
	sf->name = f->name && *f->name ? f->name : NULL;
	sf->tags = (const char *const *)f->tags;
	sf->ntags = f->ntags;
	sf->client.ip = r->ip;
	sf->client.agent = http_header(r->conn, MHD_HTTP_HEADER_USER_AGENT);
	sf->client.form = origin ? origin : "web";
	/* Whatever the choice, the address it leaves is checked again. */
	typo = signup_typo(sf, r->fix);
	if (signup_check(sf, r->email, r->err) == SIGNUP_BAD)
		return subscribe_answer(w, r, SIGNUP_BAD,
		    MHD_HTTP_UNPROCESSABLE_CONTENT, r->err,
		    typo == SIGNUP_SUGGEST ? r->fix : NULL);
	if (typo == SIGNUP_SUGGEST)
		return subscribe_ask(w, r);
	return subscribe_wait(w, r);
}

/* ---- the round ------------------------------------------------------ */

void
subscribe_round_init(struct subscribe_round *rd)
{
	memset(rd, 0, sizeof(*rd));
	pace_init(&rd->pace);
}

void
subscribe_round_release(struct subscribe_round *rd)
{
	free(rd->waiting);
	free(rd->held);
	memset(rd, 0, sizeof(*rd));
}

size_t
subscribe_round_pending(const struct subscribe_round *rd)
{
	return rd->nwaiting;
}

size_t
subscribe_round_store(struct subscribe_round *rd, struct sqlite3 *db,
    int begun, const char *err, int64_t now)
{
	size_t i, mailed = 0;

	for (i = 0; i < rd->nwaiting; i++) {
		struct web_request *r = rd->waiting[i].r;

		r->result = SIGNUP_ERROR;
		if (!begun)
			snprintf(r->err, sizeof(r->err), "%s", err);
		else if (signup_store_checked(db, &r->sf, r->email, now,
		    &r->outcome, &r->signup_mailed, r->err) == 0) {
			r->result = SIGNUP_OK;
			mailed += (size_t)r->signup_mailed;
		}
	}
	return mailed;
}

void
subscribe_round_fail(struct subscribe_round *rd, const char *err)
{
	size_t i;

	for (i = 0; i < rd->nwaiting; i++) {
		rd->waiting[i].r->result = SIGNUP_ERROR;
		snprintf(rd->waiting[i].r->err, ERR_LEN, "%s", err);
	}
}

static void
subscribe_resume(struct subscribe_round *rd, struct web_request *r)
{
	MHD_resume_connection(r->conn);
	rd->resumed = 1;
}

void
subscribe_round_answer(struct subscribe_round *rd, double done)
{
	struct subscribe_wait *h;
	size_t i;
	double until;

	if (rd->nwaiting == 1 && rd->waiting[0].r->result == SIGNUP_OK)
		pace_sample(&rd->pace, done - rd->waiting[0].r->start);
	for (i = 0; i < rd->nwaiting; i++) {
		struct web_request *r = rd->waiting[i].r;

		r->signup = WEB_SIGNUP_STORED;
		until = pace_until(&rd->pace, r->start);
		if (until <= done) {
			subscribe_resume(rd, r);
			continue;
		}
		xgrow(&rd->held, &rd->held_cap, rd->nheld + 1,
		    sizeof(*rd->held));
		h = &rd->held[rd->nheld++];
		h->r = r;
		h->until = until;
	}
	rd->nwaiting = 0;
}

double
subscribe_round_due(struct subscribe_round *rd, double now, int all)
{
	double next = 0;
	size_t i = 0;

	while (i < rd->nheld) {
		if (all || rd->held[i].until <= now) {
			subscribe_resume(rd, rd->held[i].r);
			rd->held[i] = rd->held[--rd->nheld];
			continue;
		}
		if (next == 0 || rd->held[i].until < next)
			next = rd->held[i].until;
		i++;
	}
	return next;
}
