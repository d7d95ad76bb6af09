/*
 * smtp: the transport that hands messages to an SMTP server through
 * libcurl (see smtp.h for the contract).
 *
 * Each of up to `connections` connections is a thread with its own easy
 * handle, set up once (URL, TLS, AUTH, timeouts, callbacks), that carries
 * one message at a time with curl_easy_perform; between messages only
 * the envelope and the data change, so libcurl finds the connection the
 * previous message left in the handle's cache and sends the next MAIL
 * FROM on it. Threads rather than one multi handle because libcurl 7.88
 * waits for the reply to the final "." blocking (smtp_done): in a multi
 * handle that wait stalls every other connection, in a thread only its
 * own. The caller's thread submits and polls; a slot (one message) is
 * handed between the two under the transport's mutex, and each
 * connection has a second slot so that its next message is there the
 * moment the server accepts the current one.
 *
 * The server's replies are read through CURLOPT_DEBUGFUNCTION, which is
 * the only way libcurl 7.88 shows their text. Only CURLINFO_HEADER_IN
 * (the server's lines) is looked at; what we send (CURLINFO_HEADER_OUT,
 * which holds the AUTH exchange) is never read or kept, and nothing is
 * ever written to stderr.
 */
#include "smtp.h"
#include "probe.h"
#include "secret.h"
#include "util.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define SMTP_CONNECT_TIMEOUT_MS 10000L
#define SMTP_TIMEOUT_MS 60000L
#define SMTP_PROBE_MS 5000L	/* asking a port what it speaks */
#define SMTP_CONNECTIONS_MAX 64
#define SMTP_PROTOCOLS "smtp,smtps"
/* PLAIN or LOGIN, whichever the server offers (libcurl tries LOGIN
 * first); nothing weaker or stranger is negotiated. */
#define SMTP_LOGIN_OPTIONS "AUTH=PLAIN;AUTH=LOGIN"
#define SMTP_ADDRESS_MAX 255	/* transport_check_address allows 254 */
#define SMTP_EHLO_MAX 253
#define SMTP_PASSWORD_ENV "DIGEST_SMTP_PASSWORD"
#define SMTP_WHERE_MAX 300
#define SMTP_USER_SHOWN 81

/* Sets one option unless an earlier one failed; *rc keeps the first
 * failure, so a run of settings is checked once (as fetch.c does). */
#define SMTP_SETOPT(rc, h, opt, val) do { \
	if (*(rc) == CURLE_OK) \
		*(rc) = curl_easy_setopt((h), (opt), (val)); \
} while (0)

struct smtp;
struct smtp_conn;

/*
 * Each connection carries at most SMTP_DEPTH messages: one on the wire
 * and the next, waiting. The next one starts as soon as the server has
 * accepted the previous one, while the caller records that (see the
 * gate at smtp_read_cb).
 */
#define SMTP_DEPTH 2

/* One message. busy, queued, ended, seq and result are guarded by
 * smtp.mu; the rest belongs to the connection's thread from queued until
 * ended. */
struct smtp_slot {
	struct smtp_conn *c;
	int busy;		/* submitted and not yet reported */
	int queued;		/* waiting for the thread to take it */
	int ended;		/* result is ready for poll() */
	unsigned long seq;	/* the connection carries them in this order */
	char *msg;		/* owned while busy */
	size_t len;
	void *tag;
	double t0;		/* when submit() took the message */
	char from[SMTP_ADDRESS_MAX + 1];
	char to[SMTP_ADDRESS_MAX + 1];
	int utf8;		/* the envelope needs SMTPUTF8 */
	struct curl_slist rcpt;	/* one node, pointing at `to` */
	struct transport_result result;
};

/*
 * Where in the dialogue a reply came, known from the verb of the command
 * it answers (the verb only: what follows it, such as the AUTH exchange,
 * is never read). A refusal means something different at each step: of
 * the sender at MAIL, of this reader at RCPT, of us at AUTH.
 */
enum smtp_phase {
	SMTP_PHASE_CONNECT = 0,	/* the greeting: no command sent yet */
	SMTP_PHASE_EHLO,
	SMTP_PHASE_STARTTLS,
	SMTP_PHASE_AUTH,
	SMTP_PHASE_MAIL,
	SMTP_PHASE_RCPT,
	SMTP_PHASE_DATA,	/* DATA, before its 354 */
	SMTP_PHASE_DATA_END,	/* after the 354: the reply to the final dot */
	SMTP_PHASE_OTHER,
};

/* What the server offered in its last EHLO reply (after STARTTLS, the
 * second one). It stays known across reconnections to the same server,
 * so that a message it cannot take is refused without a connection. */
struct smtp_caps {
	int known;
	int starttls;
	int auth;
	int smtputf8;
	unsigned long long size;	/* SIZE's limit; 0: none given */
};

/* Why a transfer was stopped by us before its data ended, so that
 * nothing was delivered. */
enum smtp_abort {
	SMTP_ABORT_NONE = 0,
	SMTP_ABORT_SMTPUTF8,	/* the server cannot take this address */
	SMTP_ABORT_NO_AUTH,	/* a login is configured and not offered */
};

/*
 * One connection: its thread, its easy handle and the messages it
 * carries. The counters, guarded by smtp.mu, count messages the server
 * accepted: the thread may end a message (send the data's last byte, and
 * so let libcurl send the final ".") only when every earlier accepted one
 * is recorded, so a kill leaves at most one accepted message per
 * connection unrecorded.
 */
struct smtp_conn {
	CURL *h;		/* owned; kept for the transport's life */
	struct smtp *s;
	pthread_t th;
	pthread_cond_t go;	/* queued, recorded, or closing */
	int started;		/* th runs and must be joined */
	unsigned nbusy;		/* busy slots */
	unsigned long next_seq;
	unsigned long accepted;	/* 2xx results */
	unsigned long reported;	/* of those, reported by poll() */
	unsigned long recorded;	/* of those, recorded by the caller */
	struct smtp_slot slots[SMTP_DEPTH];
	/* The thread's own: the message on the wire and its attempt. */
	struct smtp_slot *cur;
	size_t off;		/* how much the read callback has given */
	int gated;		/* the last byte passed the gate */
	int retried;		/* this message is on its second attempt */
	unsigned replies;	/* CURLINFO_HEADER_IN reply lines */
	char last[TRANSPORT_REPLY_MAX];		/* the last reply line */
	char last_fail[TRANSPORT_REPLY_MAX];	/* the last 4xx/5xx line */
	enum smtp_phase phase;		/* of the last command sent */
	enum smtp_phase fail_phase;	/* where last_fail came */
	int fail_code;			/* last_fail's code */
	struct smtp_caps caps;		/* the server's, from EHLO */
	struct smtp_caps ehlo;		/* being read from an EHLO reply */
	enum smtp_abort abort;
	char errbuf[CURL_ERROR_SIZE];
};

struct smtp {
	pthread_mutex_t mu;
	pthread_cond_t ended;	/* a slot's result is ready */
	atomic_int closing;	/* read by the callbacks */
	char where[SMTP_WHERE_MAX];	/* "host:port", for messages */
	char user[SMTP_USER_SHOWN];	/* smtp_user, or "": no login */
	int plain;			/* smtp:// with smtp_tls = off */
	int implicit;			/* smtps:// */
	pthread_mutex_t probe_mu;	/* smtp_wrong_port's: */
	long probe_ms;			/* its wait */
	int probed;			/* it has asked the port */
	char wrong_port[TRANSPORT_REPLY_MAX]; /* what it found, or "" */
	struct smtp_conn *conns;	/* owned, nconns of them */
	size_t nconns;
	size_t busy;
};

/* ---- the password --------------------------------------------------- */

int
smtp_password_load(const char *path, char **password, char *err)
{
	return secret_load(SMTP_PASSWORD_ENV, path, password, err);
}

/* ---- options and the URL -------------------------------------------- */

/* An EHLO name: a host name (letters, digits, '-', '.') or an address
 * literal in brackets. It travels in the URL's path, which libcurl
 * URL-decodes, so nothing that needs escaping is let through. */
static int
smtp_ehlo_check(const char *ehlo, char *err)
{
	size_t n = strlen(ehlo), i;
	int literal = n >= 2 && ehlo[0] == '[' && ehlo[n - 1] == ']';

	if (n == 0 || n > SMTP_EHLO_MAX)
		return util_err(err, "the EHLO name must be 1 to %d "
		    "characters", SMTP_EHLO_MAX);
	for (i = literal; i < n - (size_t)literal; i++) {
		char c = ehlo[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    (literal && c == ':')))
			return util_err(err, "EHLO name '%.80s' is not a host "
			    "name or an address literal", ehlo);
	}
	return 0;
}

/* Checks that what the URL says agrees with the TLS mode and AUTH. */
static int
smtp_url_check_security(const struct smtp_opts *o, int implicit,
    const char *host, char *err)
{
	if (o->tls == SMTP_TLS_IMPLICIT && !implicit)
		return util_err(err, "implicit TLS needs an smtps:// URL");
	if (o->user == NULL)
		return 0;
	if (o->password == NULL || *o->password == '\0')
		return util_err(err, "SMTP user '%.80s' has no password (set "
		    "$%s or a password file)", o->user, SMTP_PASSWORD_ENV);
	if (!implicit && o->tls == SMTP_TLS_OFF &&
	    !secret_plain_ok(host))
		return util_err(err, "refusing to send the SMTP password in "
		    "plain text to '%.80s': use STARTTLS or smtps://", host);
	return 0;
}

/* Checks the parts of a parsed URL: scheme, host, nothing else. */
static int
smtp_url_check_parts(CURLU *u, const struct smtp_opts *o, char *err)
{
	static const struct {
		CURLUPart part;
		const char *what;
	} refused[] = {
		{ CURLUPART_USER, "a user name (set smtp_user instead)" },
		{ CURLUPART_PASSWORD, "a password (use $" SMTP_PASSWORD_ENV
		    " or a password file)" },
		{ CURLUPART_OPTIONS, "login options" },
		{ CURLUPART_QUERY, "a query" },
		{ CURLUPART_FRAGMENT, "a fragment" },
	};
	char *scheme = NULL, *host = NULL, *path = NULL, *v;
	int rc = 0;
	size_t i;

	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "smtp") != 0 && strcmp(scheme, "smtps") != 0))
		rc = util_err(err, "not an smtp:// or smtps:// URL");
	else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    *host == '\0')
		rc = util_err(err, "the SMTP URL has no host");
	for (i = 0; rc == 0 && i < sizeof(refused) / sizeof(refused[0]);
	    i++) {
		v = NULL;
		if (curl_url_get(u, refused[i].part, &v, 0) == CURLUE_OK &&
		    v != NULL && *v != '\0')
			rc = util_err(err, "the SMTP URL must not hold %s",
			    refused[i].what);
		curl_free(v);
	}
	if (rc == 0 && curl_url_get(u, CURLUPART_PATH, &path, 0) ==
	    CURLUE_OK && path != NULL && strcmp(path, "/") != 0)
		rc = util_err(err, "the SMTP URL must not have a path (the "
		    "EHLO name is an option of its own)");
	if (rc == 0)
		rc = smtp_url_check_security(o, strcmp(scheme, "smtps") == 0,
		    host, err);
	curl_free(scheme);
	curl_free(host);
	curl_free(path);
	return rc;
}

int
smtp_url_check(const char *url, char *err)
{
	struct smtp_opts o;
	CURLU *u = curl_url();
	int rc;

	if (u == NULL)
		return util_err(err, "cannot start libcurl's URL parser");
	memset(&o, 0, sizeof(o));
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		rc = util_err(err, "not a URL");
	else
		rc = smtp_url_check_parts(u, &o, err);
	curl_url_cleanup(u);
	return rc;
}

/*
 * The URL the slots use: o->url checked, with the EHLO name as its path
 * (libcurl takes the EHLO domain from there). Returns an allocated
 * string; caller frees. NULL with err when the URL or options are not
 * acceptable. Error messages never repeat the URL: it could hold a
 * password someone put there by mistake.
 */
static char *
smtp_url_build(const struct smtp_opts *o, char *err)
{
	CURLU *u = curl_url();
	char *s = NULL, *url = NULL, path[SMTP_EHLO_MAX + 2];

	if (u == NULL) {
		util_err(err, "cannot start libcurl's URL parser");
		return NULL;
	}
	if (curl_url_set(u, CURLUPART_URL, o->url, 0) != CURLUE_OK)
		util_err(err, "cannot parse the SMTP URL");
	else if (smtp_url_check_parts(u, o, err) == -1)
		/* NOLINTNEXTLINE(bugprone-branch-clone): err is set; the chain ends */
		;
	else if (o->ehlo != NULL && smtp_ehlo_check(o->ehlo, err) == -1)
		;
	else if (o->ehlo != NULL && (snprintf(path, sizeof(path), "/%s",
	    o->ehlo), curl_url_set(u, CURLUPART_PATH, path, 0)) != CURLUE_OK)
		util_err(err, "cannot set the EHLO name");
	else if (curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK)
		util_err(err, "cannot rebuild the SMTP URL");
	else
		url = xstrdup(s);
	curl_free(s);
	curl_url_cleanup(u);
	return url;
}

/* Whether the transfer must stop before its data ends, so that nothing
 * is delivered: the message needs SMTPUTF8 and the server lacks it, or
 * we have a login and the server offered none (libcurl would go on
 * without logging in). Called once the server has answered EHLO. */
static enum smtp_abort
smtp_abort_wanted(const struct smtp_conn *c)
{
	if (!c->caps.known || c->phase < SMTP_PHASE_MAIL)
		return SMTP_ABORT_NONE;
	if (c->s->user[0] != '\0' && !c->caps.auth)
		return SMTP_ABORT_NO_AUTH;
	if (c->cur != NULL && c->cur->utf8 && !c->caps.smtputf8)
		return SMTP_ABORT_SMTPUTF8;
	return SMTP_ABORT_NONE;
}

/* ---- callbacks ------------------------------------------------------ */

/*
 * The gate: waits until every message this connection had accepted
 * before is recorded (smtp_settle). It stands before the data's last
 * byte because libcurl sends the final "." as soon as it has them all,
 * and the reply to that dot is what delivers. The commands and the rest
 * of the data go out meanwhile, so recording one message overlaps
 * sending the next. 0, or -1 when the transport is closing.
 */
static int
smtp_gate(struct smtp_conn *c)
{
	struct smtp *s = c->s;

	pthread_mutex_lock(&s->mu);
	while (c->recorded < c->accepted && !atomic_load(&s->closing))
		pthread_cond_wait(&c->go, &s->mu);
	pthread_mutex_unlock(&s->mu);
	return atomic_load(&s->closing) ? -1 : 0;
}

/* CURLOPT_READFUNCTION: the message bytes, unchanged (libcurl stuffs
 * dots and ends the data), the last one through the gate. */
static size_t
smtp_read_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct smtp_conn *c = arg;
	const struct smtp_slot *sl = c->cur;
	size_t k = size * n, left = sl->len - c->off;

	if (c->off == 0 && (c->abort != SMTP_ABORT_NONE ||
	    (c->abort = smtp_abort_wanted(c)) != SMTP_ABORT_NONE))
		return CURL_READFUNC_ABORT;
	if (!c->gated && left <= 1) {
		if (smtp_gate(c) == -1)
			return CURL_READFUNC_ABORT;
		c->gated = 1;
	} else if (!c->gated && k >= left) {
		k = left - 1;
	}
	if (k > left)
		k = left;
	memcpy(buf, sl->msg + c->off, k);
	c->off += k;
	return k;
}

/* Copies one reply line into out: printable ASCII only (others become
 * '?'), no line end, cut to fit. */
static void
smtp_reply_copy(char *out, const char *p, size_t len)
{
	size_t i;

	if (len > TRANSPORT_REPLY_MAX - 1)
		len = TRANSPORT_REPLY_MAX - 1;
	for (i = 0; i < len; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
	out[len] = '\0';
}

/* One keyword of an EHLO reply line ("250-SIZE 10240000"): what the
 * server offers. */
static void
smtp_ehlo_line(struct smtp_caps *caps, const char *p, size_t len)
{
	char word[16];
	size_t n = 0;

	if (len < 4)
		return;
	p += 4;
	len -= 4;
	while (n < len && n < sizeof(word) - 1 && p[n] != ' ' && p[n] != '=') {
		word[n] = (char)(p[n] >= 'a' && p[n] <= 'z' ? p[n] - 32 : p[n]);
		n++;
	}
	word[n] = '\0';
	if (strcmp(word, "STARTTLS") == 0)
		caps->starttls = 1;
	else if (strcmp(word, "AUTH") == 0)
		caps->auth = 1;
	else if (strcmp(word, "SMTPUTF8") == 0)
		caps->smtputf8 = 1;
	else if (strcmp(word, "SIZE") == 0 && n < len) {
		unsigned long long v = 0;
		size_t i;

		for (i = n + 1; i < len && p[i] >= '0' && p[i] <= '9' &&
		    v < (1ULL << 50); i++)
			v = v * 10 + (unsigned)(p[i] - '0');
		caps->size = v;
	}
}

/* One line the server sent: "NNN text" or "NNN-text". */
static void
smtp_reply_line(struct smtp_conn *c, const char *p, size_t len)
{
	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n'))
		len--;
	if (len < 3 || p[0] < '1' || p[0] > '5' || p[1] < '0' ||
	    p[1] > '9' || p[2] < '0' || p[2] > '9')
		return;
	c->replies++;
	smtp_reply_copy(c->last, p, len);
	if (p[0] == '4' || p[0] == '5') {
		smtp_reply_copy(c->last_fail, p, len);
		c->fail_phase = c->phase;
		c->fail_code = (p[0] - '0') * 100 + (p[1] - '0') * 10 +
		    (p[2] - '0');
	}
	if (c->phase == SMTP_PHASE_EHLO && p[0] == '2') {
		smtp_ehlo_line(&c->ehlo, p, len);
		/* The last line ("250 ...") ends the list. */
		if (len == 3 || p[3] == ' ') {
			c->caps = c->ehlo;
			c->caps.known = 1;
		}
	} else if (c->phase == SMTP_PHASE_DATA && p[0] == '3') {
		c->phase = SMTP_PHASE_DATA_END;
	}
}

/* A command we sent: only its verb is looked at, to know what the next
 * reply answers. The rest (an AUTH exchange, an address) is not read. */
static void
smtp_command(struct smtp_conn *c, const char *p, size_t len)
{
	static const struct {
		const char verb[5];
		enum smtp_phase phase;
	} verbs[] = {
		{ "EHLO", SMTP_PHASE_EHLO }, { "HELO", SMTP_PHASE_EHLO },
		{ "STAR", SMTP_PHASE_STARTTLS }, { "AUTH", SMTP_PHASE_AUTH },
		{ "MAIL", SMTP_PHASE_MAIL }, { "RCPT", SMTP_PHASE_RCPT },
		{ "DATA", SMTP_PHASE_DATA },
	};
	size_t i;

	if (len < 4)
		return;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strncasecmp(p, verbs[i].verb, 4) == 0) {
			c->phase = verbs[i].phase;
			if (c->phase == SMTP_PHASE_EHLO)
				memset(&c->ehlo, 0, sizeof(c->ehlo));
			return;
		}
	/* The lines of an AUTH exchange are not commands. */
	if (c->phase != SMTP_PHASE_AUTH)
		c->phase = SMTP_PHASE_OTHER;
}

/* CURLOPT_DEBUGFUNCTION: keeps the server's reply lines, and the verb
 * of each command we send. Everything else, above all the rest of what
 * we send (the AUTH exchange is in CURLINFO_HEADER_OUT), is dropped
 * unread. */
static int
smtp_debug_cb(CURL *h, curl_infotype type, char *data, size_t size,
    void *arg)
{
	const char *p = data, *end = data + size, *nl;

	(void)h;
	if (type == CURLINFO_HEADER_OUT) {
		smtp_command(arg, data, size);
		return 0;
	}
	if (type != CURLINFO_HEADER_IN)
		return 0;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		smtp_reply_line(arg, p, (size_t)(nl - p));
		p = nl + 1;
	}
	return 0;
}

/* CURLOPT_XFERINFOFUNCTION: stops a transfer when the transport closes
 * (not in the wait for the final reply, which libcurl does not report:
 * the timeout bounds that one). */
static int
smtp_progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct smtp_conn *c = arg;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	if (c->abort == SMTP_ABORT_NONE)
		c->abort = smtp_abort_wanted(c);
	return atomic_load(&c->s->closing) || c->abort != SMTP_ABORT_NONE ?
	    1 : 0;
}

/* ---- connections ---------------------------------------------------- */

/* The TLS options: required STARTTLS, implicit TLS (the smtps:// URL
 * does it) or none; never CURLUSESSL_TRY, which stays in plain text
 * without a word. */
static CURLcode
smtp_setup_tls(CURL *h, const struct smtp_opts *o)
{
	CURLcode rc = CURLE_OK;

	SMTP_SETOPT(&rc, h, CURLOPT_USE_SSL, o->tls == SMTP_TLS_OFF ?
	    (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
	SMTP_SETOPT(&rc, h, CURLOPT_SSL_VERIFYPEER, 1L);
	SMTP_SETOPT(&rc, h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->cafile != NULL) {
		/* The given CAs and only those: a private CA is not
		 * widened by the system's store. */
		SMTP_SETOPT(&rc, h, CURLOPT_CAINFO, o->cafile);
		SMTP_SETOPT(&rc, h, CURLOPT_CAPATH, (char *)NULL);
	}
	return rc;
}

/* What stays the same for every message a connection carries. */
static CURLcode
smtp_setup_conn(struct smtp_conn *c, const struct smtp_opts *o,
    const char *url)
{
	CURL *h = c->h;
	CURLcode rc = CURLE_OK;

	SMTP_SETOPT(&rc, h, CURLOPT_URL, url);
	SMTP_SETOPT(&rc, h, CURLOPT_PROTOCOLS_STR, SMTP_PROTOCOLS);
	SMTP_SETOPT(&rc, h, CURLOPT_NOSIGNAL, 1L);
	SMTP_SETOPT(&rc, h, CURLOPT_ERRORBUFFER, c->errbuf);
	SMTP_SETOPT(&rc, h, CURLOPT_CONNECTTIMEOUT_MS,
	    o->connect_timeout_ms > 0 ? o->connect_timeout_ms :
	    SMTP_CONNECT_TIMEOUT_MS);
	SMTP_SETOPT(&rc, h, CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ?
	    o->timeout_ms : SMTP_TIMEOUT_MS);
	SMTP_SETOPT(&rc, h, CURLOPT_UPLOAD, 1L);
	SMTP_SETOPT(&rc, h, CURLOPT_READFUNCTION, smtp_read_cb);
	SMTP_SETOPT(&rc, h, CURLOPT_READDATA, c);
	/* VERBOSE only feeds the debug callback, which keeps nothing but
	 * the server's lines; without a callback it would print. */
	SMTP_SETOPT(&rc, h, CURLOPT_DEBUGFUNCTION, smtp_debug_cb);
	SMTP_SETOPT(&rc, h, CURLOPT_DEBUGDATA, c);
	SMTP_SETOPT(&rc, h, CURLOPT_VERBOSE, 1L);
	SMTP_SETOPT(&rc, h, CURLOPT_XFERINFOFUNCTION, smtp_progress_cb);
	SMTP_SETOPT(&rc, h, CURLOPT_XFERINFODATA, c);
	SMTP_SETOPT(&rc, h, CURLOPT_NOPROGRESS, 0L);
	if (rc == CURLE_OK)
		rc = smtp_setup_tls(h, o);
	if (o->user != NULL) {
		SMTP_SETOPT(&rc, h, CURLOPT_USERNAME, o->user);
		SMTP_SETOPT(&rc, h, CURLOPT_PASSWORD, o->password);
		SMTP_SETOPT(&rc, h, CURLOPT_LOGIN_OPTIONS, SMTP_LOGIN_OPTIONS);
	}
	return rc;
}

/* Ends a slot's message: frees it and makes the slot free. Called with
 * the mutex held. */
static void
smtp_slot_release(struct smtp_slot *sl)
{
	free(sl->msg);
	sl->msg = NULL;
	sl->len = 0;
	sl->tag = NULL;
	sl->busy = sl->queued = sl->ended = 0;
	sl->c->nbusy--;
	sl->c->s->busy--;
}

/* ---- results -------------------------------------------------------- */

/* The id in "... queued as 4F2A1C" (Postfix and others), or "". */
static void
smtp_queue_id(const char *reply, char *out)
{
	const char *p = strstr(reply, "queued as ");
	size_t n = 0;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += 10;
	while (n < TRANSPORT_QUEUE_ID_MAX - 1 && p[n] != '\0' &&
	    strchr(" \t;,()<>[]", p[n]) == NULL)
		n++;
	memcpy(out, p, n);
	out[n] = '\0';
}

/*
 * Whether a failed attempt is the one libcurl does not retry itself: a
 * reused connection that the server had closed after the previous 250,
 * so the first command got no reply at all. Nothing of this message can
 * have been accepted (libcurl waits for each reply before the next
 * command), so sending it again cannot deliver it twice. A timeout is
 * not that case: the server may still be working on it.
 */
static int
smtp_retry_wanted(struct smtp_conn *c, CURLcode rc, long code)
{
	long connects = -1;

	if (c->retried || code != 0 || c->replies != 0)
		return 0;
	if (rc != CURLE_RECV_ERROR && rc != CURLE_SEND_ERROR &&
	    rc != CURLE_GOT_NOTHING)
		return 0;
	(void)curl_easy_getinfo(c->h, CURLINFO_NUM_CONNECTS, &connects);
	return connects == 0;
}

/* Replies that ask for a slower pace rather than refuse the message. */
static int
smtp_slow_down_code(int code)
{
	return code == 421 || code == 451 || code == 454;
}

/* A run-wide failure: no message can go until smtp_... is changed. */
static void
smtp_stop_setting(struct transport_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
smtp_stop_setting(struct transport_result *r, const char *fmt, ...)
{
	va_list ap;

	r->fault = TRANSPORT_STOP_SETTING;
	va_start(ap, fmt);
	vsnprintf(r->reply, sizeof(r->reply), fmt, ap);
	va_end(ap);
}

/* A TLS failure: libcurl's reason says whether the certificate is not
 * trusted or is for another name; either way only a setting (or the
 * server's certificate) can change it. */
static void
smtp_tls_failed(const struct smtp_conn *c, CURLcode rc,
    struct transport_result *r)
{
	const char *why = c->errbuf[0] != '\0' ? c->errbuf :
	    curl_easy_strerror(rc);

	if (strstr(why, "name") != NULL)
		smtp_stop_setting(r, "the certificate of %s is for another name "
		    "(%.100s): put the name it is for in smtp_url", c->s->where,
		    why);
	else
		smtp_stop_setting(r, "the certificate of %s is not trusted "
		    "(%.100s): set smtp_cafile to the CA that signed it",
		    c->s->where, why);
}

/* A refused login, or a server that wants one we do not have. */
static void
smtp_auth_failed(const struct smtp_conn *c, const char *reply,
    struct transport_result *r)
{
	if (c->s->user[0] == '\0')
		smtp_stop_setting(r, "%s wants a login (%.100s): set smtp_user, "
		    "and the password in $%s or smtp_password_file", c->s->where,
		    reply, SMTP_PASSWORD_ENV);
	else
		smtp_stop_setting(r, "%s refused the login of smtp_user '%s' "
		    "(%.100s): check smtp_user and the password ($%s or "
		    "smtp_password_file)", c->s->where, c->s->user, reply,
		    SMTP_PASSWORD_ENV);
}

/*
 * A 4xx or 5xx reply, judged by the command it answers. A 4xx is for
 * later (and 421, 451, 454 ask for a slower pace). A 5xx to RCPT or to
 * the data refuses this reader's message, as does one to MAIL for its
 * size or its UTF-8 envelope; any other 5xx to MAIL refuses the sender,
 * which is every message's, and one to AUTH (or 530: a login wanted)
 * refuses us.
 */
static void
smtp_refusal(const struct smtp_conn *c, int code, const char *reply,
    struct transport_result *r)
{
	/* For later, and every message's: a login the server cannot do
	 * now, a greeting that refuses us. */
	int stop_later = (code == 454 && c->fail_phase == SMTP_PHASE_AUTH) ||
	    (code >= 500 && c->fail_phase == SMTP_PHASE_CONNECT);

	r->code = code;
	snprintf(r->reply, sizeof(r->reply), "%s", reply);
	r->slow_down = smtp_slow_down_code(code);
	if (code == 530 && c->s->plain && c->caps.starttls)
		smtp_stop_setting(r, "%s wants STARTTLS first (%.100s): set "
		    "smtp_tls = starttls", c->s->where, reply);
	else if (code == 530 || (c->fail_phase == SMTP_PHASE_AUTH &&
	    code >= 500 && code != 504))
		smtp_auth_failed(c, reply, r);
	else if (stop_later)
		r->fault = TRANSPORT_STOP;
	else if (code < 500)
		r->fault = TRANSPORT_DEFER;
	else if (c->fail_phase == SMTP_PHASE_MAIL && code != 552 &&
	    !c->cur->utf8)
		smtp_stop_setting(r, "%s refuses the sender '%s' (%.100s): set "
		    "from_address to an address it accepts", c->s->where,
		    c->cur->from, reply);
	else if (c->fail_phase == SMTP_PHASE_EHLO)
		smtp_stop_setting(r, "%s refuses our greeting (%.100s): set "
		    "smtp_ehlo to this host's name", c->s->where, reply);
	else
		r->fault = TRANSPORT_REFUSED;
}

/*
 * A connection failure that only the URL mends (probe.h): smtps:// to a
 * port that greets in plain text fails its TLS handshake on every try;
 * smtp:// to one that waits for a TLS handshake never hears a greeting.
 * The port is asked once the failure has happened, and once a run: what
 * it speaks does not change, and a server that only hangs must not cost
 * a probe per message; the messages in flight beside the first get its
 * verdict. 1 when r is filled.
 */
static int
smtp_wrong_port(const struct smtp_conn *c, CURLcode rc,
    struct transport_result *r)
{
	struct smtp *s = c->s;
	int silent = c->replies == 0 && c->phase == SMTP_PHASE_CONNECT &&
	    (rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_GOT_NOTHING ||
	    rc == CURLE_RECV_ERROR || rc == CURLE_WEIRD_SERVER_REPLY);

	if (!(s->implicit ? rc == CURLE_SSL_CONNECT_ERROR : silent))
		return 0;
	pthread_mutex_lock(&s->probe_mu);
	if (!s->probed && s->implicit && probe_greeting(s->where, "220",
	    s->probe_ms) == PROBE_YES)
		snprintf(s->wrong_port, sizeof(s->wrong_port), "%.200s answers "
		    "in plain text, not TLS: use smtp://%.200s (STARTTLS) rather "
		    "than smtps://", s->where, s->where);
	else if (!s->probed && !s->implicit && probe_tls(s->where,
	    s->probe_ms) == PROBE_YES)
		snprintf(s->wrong_port, sizeof(s->wrong_port), "%.200s expects "
		    "TLS from the first byte: use smtps://%.200s", s->where,
		    s->where);
	s->probed = 1;
	if (s->wrong_port[0] != '\0')
		smtp_stop_setting(r, "%s", s->wrong_port);
	pthread_mutex_unlock(&s->probe_mu);
	return r->fault == TRANSPORT_STOP_SETTING;
}

/*
 * What decided a message. CURLE_OK: the final reply (250). A 4xx or 5xx
 * reply: judged by the command it answered (smtp_refusal). A stop of
 * our own (smtp_abort_wanted), a TLS that could not be had: what only a
 * setting mends. Anything else is a connection failure (reset, timeout,
 * no reply at all): for later, code 0, with libcurl's reason; the code
 * libcurl last saw then is a positive one (354 when the server dropped
 * us in the middle of DATA), which does not decide anything.
 */
static void
smtp_result_fill(const struct smtp_conn *c, CURLcode rc, long code,
    struct transport_result *r)
{
	memset(r, 0, sizeof(*r));
	r->ms = util_monotonic() * 1e3 - c->cur->t0;
	if (rc == CURLE_OK && code >= 200 && code < 300) {
		r->code = (int)code;
		snprintf(r->reply, sizeof(r->reply), "%s", c->last);
		smtp_queue_id(c->last, r->queue_id);
	} else if (c->abort == SMTP_ABORT_NO_AUTH ||
	    (c->s->user[0] != '\0' && c->caps.known && !c->caps.auth &&
	    c->fail_code == 530)) {
		smtp_stop_setting(r, "%s does not offer AUTH and smtp_user is "
		    "set: digest never sends without its login; unset smtp_user "
		    "for a relay that needs none", c->s->where);
	} else if (c->abort == SMTP_ABORT_SMTPUTF8 || (c->cur->utf8 &&
	    c->caps.known && !c->caps.smtputf8)) {
		r->fault = TRANSPORT_REFUSED;
		snprintf(r->reply, sizeof(r->reply), "the server does not offer "
		    "SMTPUTF8, which the address '%.200s' needs", c->cur->to);
	} else if (c->fail_code >= 400 && c->fail_code <= 599) {
		smtp_refusal(c, c->fail_code, c->last_fail, r);
	} else if (rc == CURLE_USE_SSL_FAILED && c->caps.known &&
	    !c->caps.starttls) {
		smtp_stop_setting(r, "%s does not offer STARTTLS: set smtp_tls = "
		    "off for a local relay, or use smtps://", c->s->where);
	} else if (rc == CURLE_PEER_FAILED_VERIFICATION) {
		smtp_tls_failed(c, rc, r);
	} else if (rc == CURLE_LOGIN_DENIED) {
		smtp_auth_failed(c, c->last, r);
	} else if (!smtp_wrong_port(c, rc, r)) {
		r->fault = TRANSPORT_DEFER;
		snprintf(r->reply, sizeof(r->reply), "%s (curl %d)",
		    c->errbuf[0] != '\0' ? c->errbuf :
		    curl_easy_strerror(rc), (int)rc);
	}
}

/* A check before any connection: a message the server has said it cannot
 * take (too big, an address it cannot carry) is refused here, without
 * costing a connection. 1 when r is filled. */
static int
smtp_precheck(const struct smtp_conn *c, struct transport_result *r)
{
	const struct smtp_slot *sl = c->cur;

	memset(r, 0, sizeof(*r));
	if (!c->caps.known)
		return 0;
	if (sl->utf8 && !c->caps.smtputf8) {
		r->fault = TRANSPORT_REFUSED;
		snprintf(r->reply, sizeof(r->reply), "the server does not offer "
		    "SMTPUTF8, which the address '%.200s' needs", sl->to);
		return 1;
	}
	if (c->caps.size > 0 && sl->len > c->caps.size) {
		r->fault = TRANSPORT_REFUSED;
		snprintf(r->reply, sizeof(r->reply), "the message (%zu bytes) is "
		    "over the server's limit (SIZE %llu)", sl->len,
		    c->caps.size);
		return 1;
	}
	return 0;
}

/* One attempt at the current message; fresh asks for a new connection.
 * Returns libcurl's verdict and puts the last reply code in *code. */
static CURLcode
smtp_attempt(struct smtp_conn *c, int fresh, long *code)
{
	struct smtp_slot *sl = c->cur;
	CURLcode rc = CURLE_OK;

	c->off = 0;
	c->gated = 0;
	c->replies = 0;
	c->last[0] = c->last_fail[0] = c->errbuf[0] = '\0';
	c->phase = c->fail_phase = SMTP_PHASE_CONNECT;
	c->fail_code = 0;
	c->abort = SMTP_ABORT_NONE;
	*code = 0;
	SMTP_SETOPT(&rc, c->h, CURLOPT_MAIL_FROM, sl->from);
	SMTP_SETOPT(&rc, c->h, CURLOPT_MAIL_RCPT, &sl->rcpt);
	SMTP_SETOPT(&rc, c->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)sl->len);
	SMTP_SETOPT(&rc, c->h, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(c->h);
	(void)curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, code);
	return rc;
}

/* Delivers the current message, retried once on a new connection when
 * smtp_retry_wanted says so, and fills its result. */
static void
smtp_deliver(struct smtp_conn *c)
{
	CURLcode rc;
	long code;

	if (smtp_precheck(c, &c->cur->result)) {
		c->cur->result.ms = util_monotonic() * 1e3 - c->cur->t0;
		return;
	}
	c->retried = 0;
	rc = smtp_attempt(c, 0, &code);
	if (smtp_retry_wanted(c, rc, code)) {
		c->retried = 1;
		rc = smtp_attempt(c, 1, &code);
	}
	smtp_result_fill(c, rc, code, &c->cur->result);
}

/* The queued slot submitted first, or NULL. Called with the mutex held. */
static struct smtp_slot *
smtp_conn_next(struct smtp_conn *c)
{
	struct smtp_slot *next = NULL;
	size_t i;

	for (i = 0; i < SMTP_DEPTH; i++)
		if (c->slots[i].queued &&
		    (next == NULL || c->slots[i].seq < next->seq))
			next = &c->slots[i];
	return next;
}

/* A connection's thread: delivers each message it is given, in order,
 * until the transport closes. */
static void *
smtp_conn_main(void *arg)
{
	struct smtp_conn *c = arg;
	struct smtp *s = c->s;
	struct smtp_slot *sl;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while ((sl = smtp_conn_next(c)) == NULL &&
		    !atomic_load(&s->closing))
			pthread_cond_wait(&c->go, &s->mu);
		if (sl == NULL || atomic_load(&s->closing))
			break;
		sl->queued = 0;
		c->cur = sl;
		pthread_mutex_unlock(&s->mu);
		smtp_deliver(c);
		pthread_mutex_lock(&s->mu);
		if (sl->result.code >= 200 && sl->result.code < 300)
			c->accepted++;
		sl->ended = 1;
		c->cur = NULL;
		pthread_cond_signal(&s->ended);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* A slot whose result is ready, or NULL. Called with the mutex held. */
static struct smtp_slot *
smtp_slot_ended(struct smtp *s)
{
	size_t i, j;

	for (i = 0; i < s->nconns; i++)
		for (j = 0; j < SMTP_DEPTH; j++)
			if (s->conns[i].slots[j].ended)
				return &s->conns[i].slots[j];
	return NULL;
}

/* ---- the transport -------------------------------------------------- */

static size_t
smtp_capacity(struct transport *t)
{
	struct smtp *s = t->state;

	return s->nconns * SMTP_DEPTH;
}

/* The offset of the first CR or LF at or after i, or len. Eight bytes
 * at a time: the check runs on the caller's thread, on every byte of
 * every message, where two memchr passes cost more than building the
 * message's headers. */
static size_t
smtp_line_end(const char *msg, size_t len, size_t i)
{
	uint64_t w;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, msg + i, 8);
		if (util_has_zero_byte(w ^ (UTIL_ONES * '\r')) ||
		    util_has_zero_byte(w ^ (UTIL_ONES * '\n')))
			break;
	}
	while (i < len && msg[i] != '\r' && msg[i] != '\n')
		i++;
	return i;
}

/* The data must be CRLF lines: libcurl dot-stuffs only after CRLF, so a
 * bare LF followed by "." would end the data early and what follows would
 * be read as commands (SMTP smuggling); a bare CR is read as a line end
 * by some servers. */
static int
smtp_message_check(const char *msg, size_t len, char *err)
{
	size_t i = 0;

	while ((i = smtp_line_end(msg, len, i)) < len) {
		if (msg[i] == '\n')
			return util_err(err, "the message has a bare LF at "
			    "byte %zu: lines must end in CRLF", i);
		if (i + 1 == len || msg[i + 1] != '\n')
			return util_err(err, "the message has a bare CR at "
			    "byte %zu: lines must end in CRLF", i);
		i += 2;
	}
	return 0;
}

/* A free slot on the connection with the fewest messages, so that every
 * connection gets one before any gets a second; NULL when all are full.
 * Called with the mutex held. */
static struct smtp_slot *
smtp_slot_free(struct smtp *s)
{
	struct smtp_conn *best = NULL;
	size_t i;

	for (i = 0; i < s->nconns; i++)
		if (s->conns[i].nbusy < SMTP_DEPTH &&
		    (best == NULL || s->conns[i].nbusy < best->nbusy))
			best = &s->conns[i];
	if (best == NULL)
		return NULL;
	for (i = 0; i < SMTP_DEPTH; i++)
		if (!best->slots[i].busy)
			return &best->slots[i];
	return NULL;
}

/* Everything poll() has reported counts as recorded: opens the gates.
 * Called with the mutex held. */
static void
smtp_settle_locked(struct smtp *s)
{
	size_t i;

	for (i = 0; i < s->nconns; i++)
		if (s->conns[i].recorded != s->conns[i].reported) {
			s->conns[i].recorded = s->conns[i].reported;
			pthread_cond_signal(&s->conns[i].go);
		}
}

static void
smtp_settle(struct transport *t)
{
	struct smtp *s = t->state;

	pthread_mutex_lock(&s->mu);
	smtp_settle_locked(s);
	pthread_mutex_unlock(&s->mu);
}

/* Takes ownership of msg whatever happens. */
static int
smtp_submit(struct transport *t, const char *from, const char *to,
    char *msg, size_t len, void *tag, char *err)
{
	struct smtp *s = t->state;
	struct smtp_slot *sl;

	if (transport_check_address("sender", from, err) == -1) {
		free(msg);
		return TRANSPORT_STOP_SETTING;
	}
	if (transport_check_address("recipient", to, err) == -1 ||
	    smtp_message_check(msg, len, err) == -1) {
		free(msg);
		return TRANSPORT_REFUSED;
	}
	pthread_mutex_lock(&s->mu);
	smtp_settle_locked(s);
	if ((sl = smtp_slot_free(s)) == NULL) {
		pthread_mutex_unlock(&s->mu);
		free(msg);
		util_err(err, "all %zu SMTP connections are busy", s->nconns);
		return TRANSPORT_STOP;
	}
	/* Both fit: transport_check_address allows 254 bytes. */
	snprintf(sl->from, sizeof(sl->from), "%s", from);
	snprintf(sl->to, sizeof(sl->to), "%s", to);
	sl->utf8 = transport_address_is_utf8(from) ||
	    transport_address_is_utf8(to);
	sl->msg = msg;
	sl->len = len;
	sl->tag = tag;
	sl->t0 = util_monotonic() * 1e3;
	sl->busy = sl->queued = 1;
	sl->seq = sl->c->next_seq++;
	sl->c->nbusy++;
	s->busy++;
	pthread_cond_signal(&sl->c->go);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

/* Reports every message that has ended, waiting up to timeout_ms for
 * the first. done() runs without the mutex: it may submit. */
static size_t
smtp_poll(struct transport *t, int timeout_ms, transport_done_fn done,
    void *arg)
{
	struct smtp *s = t->state;
	struct transport_result r;
	struct smtp_slot *sl;
	struct timespec deadline;
	size_t reported = 0, busy;
	void *tag;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	timeout_ms = timeout_ms > 0 ? timeout_ms : 0;
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->mu);
	smtp_settle_locked(s);
	for (;;) {
		if ((sl = smtp_slot_ended(s)) != NULL) {
			r = sl->result;
			tag = sl->tag;
			if (r.code >= 200 && r.code < 300)
				sl->c->reported++;
			smtp_slot_release(sl);
			pthread_mutex_unlock(&s->mu);
			done(tag, &r, arg);
			reported++;
			pthread_mutex_lock(&s->mu);
			continue;
		}
		if (reported > 0 || s->busy == 0 ||
		    pthread_cond_timedwait(&s->ended, &s->mu, &deadline) ==
		    ETIMEDOUT)
			break;
	}
	busy = s->busy;
	pthread_mutex_unlock(&s->mu);
	return busy;
}

/* Withdraws the messages no thread has taken yet: they are reported as
 * not sent, and none of their bytes reached the server. */
static void
smtp_cancel(struct transport *t)
{
	struct smtp *s = t->state;
	struct smtp_slot *sl;
	size_t i, j;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->nconns; i++)
		for (j = 0; j < SMTP_DEPTH; j++) {
			sl = &s->conns[i].slots[j];
			if (!sl->busy || !sl->queued)
				continue;
			sl->queued = 0;
			sl->ended = 1;
			memset(&sl->result, 0, sizeof(sl->result));
			sl->result.fault = TRANSPORT_NOT_SENT;
			snprintf(sl->result.reply, sizeof(sl->result.reply),
			    "not sent: the run stopped first");
		}
	pthread_cond_broadcast(&s->ended);
	pthread_mutex_unlock(&s->mu);
}

/* Messages still in flight are dropped (and freed) unreported: a
 * transfer still sending stops at once, one waiting for its final reply
 * gets it or times out. curl_easy_cleanup closes each connection with
 * QUIT. */
static void
smtp_close(struct transport *t)
{
	struct smtp *s = t->state;
	size_t i, j;

	pthread_mutex_lock(&s->mu);
	atomic_store(&s->closing, 1);
	for (i = 0; i < s->nconns; i++)
		pthread_cond_signal(&s->conns[i].go);
	pthread_mutex_unlock(&s->mu);
	for (i = 0; i < s->nconns; i++) {
		struct smtp_conn *c = &s->conns[i];

		if (c->started)
			pthread_join(c->th, NULL);
		for (j = 0; j < SMTP_DEPTH; j++)
			if (c->slots[j].busy)
				smtp_slot_release(&c->slots[j]);
		if (c->h != NULL)
			curl_easy_cleanup(c->h);
		pthread_cond_destroy(&c->go);
	}
	pthread_cond_destroy(&s->ended);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->probe_mu);
	free(s->conns);
	free(s);
	free(t);
	curl_global_cleanup();
}

/* "host:port" of a checked URL (it holds no user or password), for
 * messages that name the server; the scheme's port when none is given. */
static void
smtp_where(const char *url, char *out, size_t size)
{
	const char *p = strstr(url, "://"), *end;
	int smtps = strncasecmp(url, "smtps", 5) == 0;
	size_t n;

	p = p ? p + 3 : url;
	end = p + strcspn(p, "/?#");
	n = (size_t)(end - p);
	/* A port is there after a host name, or after an IPv6 literal's
	 * closing bracket. */
	if ((p[0] != '[' && memchr(p, ':', n) != NULL) ||
	    (p[0] == '[' && n > 0 && p[n - 1] != ']'))
		snprintf(out, size, "%.*s", (int)n, p);
	else
		snprintf(out, size, "%.*s:%d", (int)n, p, smtps ? 465 : 25);
}

/* Creates the connections' easy handles, with the options every message
 * shares, and their threads. 0, or -1 with err (what was made so far is
 * left for smtp_close). */
static int
smtp_conns_init(struct smtp *s, const struct smtp_opts *o, const char *url,
    char *err)
{
	CURLcode rc;
	size_t i;

	for (i = 0; i < s->nconns; i++) {
		struct smtp_conn *c = &s->conns[i];

		if ((c->h = curl_easy_init()) == NULL)
			return util_err(err, "cannot start libcurl");
		rc = smtp_setup_conn(c, o, url);
		if (rc != CURLE_OK)
			return util_err(err, "cannot set up libcurl for SMTP: "
			    "%s", curl_easy_strerror(rc));
		if (pthread_create(&c->th, NULL, smtp_conn_main, c) != 0)
			return util_err(err, "cannot start a thread for an "
			    "SMTP connection");
		c->started = 1;
	}
	return 0;
}

/* The state for n connections, its mutex and conditions ready. The
 * ended condition waits on the monotonic clock, like util_monotonic. */
static struct smtp *
smtp_state_new(size_t n)
{
	struct smtp *s = xcalloc(1, sizeof(*s));
	pthread_condattr_t ca;
	size_t i, j;

	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->ended, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&s->closing, 0);
	pthread_mutex_init(&s->probe_mu, NULL);
	s->nconns = n;
	s->conns = xcalloc(n, sizeof(*s->conns));
	for (i = 0; i < n; i++) {
		struct smtp_conn *c = &s->conns[i];

		c->s = s;
		pthread_cond_init(&c->go, NULL);
		for (j = 0; j < SMTP_DEPTH; j++) {
			c->slots[j].c = c;
			c->slots[j].rcpt.data = c->slots[j].to;
			c->slots[j].rcpt.next = NULL;
		}
	}
	return s;
}

/* The transport around s, with the backend's functions. */
static struct transport *
smtp_transport_new(struct smtp *s)
{
	struct transport *t = xcalloc(1, sizeof(*t));

	t->name = "smtp";
	t->capacity = smtp_capacity;
	t->submit = smtp_submit;
	t->poll = smtp_poll;
	t->settle = smtp_settle;
	t->cancel = smtp_cancel;
	t->close = smtp_close;
	t->state = s;
	return t;
}

struct transport *
smtp_open(const struct smtp_opts *o, char *err)
{
	size_t n = o->connections > 0 ? o->connections : 1;
	struct transport *t;
	struct smtp *s;
	char *url;
	int rc = 0;

	if (o->url == NULL) {
		util_err(err, "no SMTP URL");
		return NULL;
	}
	if (n > SMTP_CONNECTIONS_MAX) {
		util_err(err, "at most %d SMTP connections",
		    SMTP_CONNECTIONS_MAX);
		return NULL;
	}
	/* Counted: smtp_close calls curl_global_cleanup. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		util_err(err, "cannot start libcurl");
		return NULL;
	}
	if ((url = smtp_url_build(o, err)) == NULL) {
		curl_global_cleanup();
		return NULL;
	}
	s = smtp_state_new(n);
	smtp_where(o->url, s->where, sizeof(s->where));
	if (o->user != NULL)
		snprintf(s->user, sizeof(s->user), "%s", o->user);
	s->implicit = strncasecmp(o->url, "smtps:", 6) == 0;
	s->probe_ms = o->timeout_ms > 0 && o->timeout_ms < SMTP_PROBE_MS ?
	    o->timeout_ms : SMTP_PROBE_MS;
	s->plain = o->tls == SMTP_TLS_OFF && !s->implicit;
	t = smtp_transport_new(s);
	rc = smtp_conns_init(s, o, url, err);
	free(url);
	if (rc == -1) {
		smtp_close(t);
		return NULL;
	}
	return t;
}
