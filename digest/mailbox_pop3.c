/*
 * mailbox_pop3: the POP3 backend of mailbox.h, on libetpan's mailpop3.
 * RETR is read here, into a buffer of MAILBOX_FETCH_MAX bytes, since
 * mailpop3_retr keeps a whole message (50 MB, say) in memory twice.
 */
#include "mailbox.h"
#include "util.h"

#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POP3_CHUNK 16384

struct pop3_state {
	mailpop3 *p;		/* owned */
	char *buf;		/* owned: MAILBOX_FETCH_MAX bytes */
	int broken;		/* a read failed: no QUIT, nothing deleted */
};

static const char *
mailbox_pop3_said(const mailpop3 *p)
{
	return p->pop3_response != NULL && *p->pop3_response != '\0' ?
	    p->pop3_response : "no answer";
}

static int
mailbox_pop3_err(struct mailbox *m, int r, const char *what, char *err)
{
	struct pop3_state *st = m->state;

	if (r == MAILPOP3_ERROR_STREAM || r == MAILPOP3_ERROR_SSL ||
	    r == MAILPOP3_ERROR_CONNECTION_REFUSED) {
		m->failure = MAILBOX_FAIL_TEMP;
		st->broken = 1;
		return util_err(err, "%s: the POP3 connection failed (libetpan "
		    "error %d)", what, r);
	}
	m->failure = r == MAILPOP3_ERROR_BAD_USER ||
	    r == MAILPOP3_ERROR_BAD_PASSWORD || r == MAILPOP3_ERROR_DENIED ?
	    MAILBOX_FAIL_AUTH : MAILBOX_FAIL_TEMP;
	return util_err(err, "%s: the POP3 server said: %.200s", what,
	    mailbox_pop3_said(st->p));
}

static int
mailbox_pop3_connect(struct mailbox *m, const struct mailbox_target *t,
    const struct mailbox_opts *o, char *err)
{
	struct pop3_state *st = m->state;
	char what[320];
	int r;

	snprintf(what, sizeof(what), "%s:%u", t->host, (unsigned)t->port);
	if (t->implicit_tls)
		r = mailpop3_ssl_connect_with_callback(st->p, t->host, t->port,
		    mailbox_tls_sni, (void *)t->host);
	else
		r = mailpop3_socket_connect(st->p, t->host, t->port);
	if (r != MAILPOP3_NO_ERROR) {
		st->broken = 1;
		return mailbox_connect_failed(m, t, "pop3", "+OK", err);
	}
	if (t->starttls) {
		r = mailpop3_socket_starttls_with_callback(st->p,
		    mailbox_tls_sni, (void *)t->host);
		if (r != MAILPOP3_NO_ERROR) {
			m->failure = MAILBOX_FAIL_CONFIG;
			st->broken = 1;
			return util_err(err, "%s does not offer STLS: use "
			    "pop3s://, or mailbox_tls = off for a local server",
			    what);
		}
	}
	if ((t->implicit_tls || t->starttls) &&
	    mailbox_tls_verify(st->p->pop3_stream, t->host, o->cafile,
	    err) == -1) {
		m->failure = MAILBOX_FAIL_CONFIG;
		st->broken = 1;
		return -1;
	}
	return 0;
}

static int
mailbox_pop3_login(struct mailbox *m, const struct mailbox_opts *o,
    char *err)
{
	struct pop3_state *st = m->state;
	char what[128];
	int r;

	snprintf(what, sizeof(what), "logging in as '%.80s'", o->user);
	if ((r = mailpop3_user(st->p, o->user)) != MAILPOP3_NO_ERROR ||
	    (r = mailpop3_pass(st->p, o->password)) != MAILPOP3_NO_ERROR) {
		if (r != MAILPOP3_ERROR_STREAM)
			r = MAILPOP3_ERROR_BAD_PASSWORD;
		return mailbox_pop3_err(m, r, what, err);
	}
	return 0;
}

static int
mailbox_pop3_list(struct mailbox *m, struct mailbox_msg **v, size_t *n,
    char *err)
{
	struct pop3_state *st = m->state;
	carray *tab = NULL;
	unsigned i;
	size_t cap = 0;
	int r;

	*v = NULL;
	*n = 0;
	if ((r = mailpop3_list(st->p, &tab)) != MAILPOP3_NO_ERROR)
		return mailbox_pop3_err(m, r, "listing the messages", err);
	for (i = 0; i < carray_count(tab); i++) {
		const struct mailpop3_msg_info *mi = carray_get(tab, i);

		if (mi == NULL || mi->msg_deleted)
			continue;
		xgrow(v, &cap, *n + 1, sizeof(**v));
		/* Without UIDL (rare) a message is known by its number and
		 * size, which hold until this session deletes anything. */
		if (mi->msg_uidl != NULL)
			snprintf((*v)[*n].key, MAILBOX_KEY_MAX, "%s",
			    mi->msg_uidl);
		else
			snprintf((*v)[*n].key, MAILBOX_KEY_MAX, "#%u-%u",
			    mi->msg_index, (unsigned)mi->msg_size);
		(*v)[*n].id = mi->msg_index;
		(*v)[*n].size = mi->msg_size;
		(*n)++;
	}
	return 0;
}

/* Reading a RETR answer: a line starting with "." is either the end
 * (".\r\n") or dot-stuffed. */
enum pop3_read {
	POP3_BOL,	/* at the start of a line */
	POP3_DOT,	/* after a "." that started one */
	POP3_DOTCR,	/* after ".\r" */
	POP3_MID,	/* within a line */
	POP3_END,
};

struct pop3_body {
	char *buf;
	size_t len;
	enum pop3_read state;
};

/* Keeps what fits in MAILBOX_FETCH_MAX, drops the rest. */
static void
mailbox_pop3_keep(struct pop3_body *b, char c)
{
	if (b->len < MAILBOX_FETCH_MAX)
		b->buf[b->len++] = c;
}

static void
mailbox_pop3_byte(struct pop3_body *b, char c)
{
	switch (b->state) {
	case POP3_BOL:
		if (c == '.') {
			b->state = POP3_DOT;
			return;
		}
		break;
	case POP3_DOT:
		if (c == '\r') {
			b->state = POP3_DOTCR;
			return;
		}
		if (c == '\n') {
			b->state = POP3_END;
			return;
		}
		break;
	case POP3_DOTCR:
		if (c == '\n') {
			b->state = POP3_END;
			return;
		}
		mailbox_pop3_keep(b, '\r');
		break;
	default:
		break;
	}
	mailbox_pop3_keep(b, c);
	b->state = c == '\n' ? POP3_BOL : POP3_MID;
}

static int
mailbox_pop3_retr(struct mailbox *m, unsigned idx, size_t *len, char *err)
{
	struct pop3_state *st = m->state;
	mailstream *s = st->p->pop3_stream;
	struct pop3_body b = { st->buf, 0, POP3_BOL };
	MMAPString *line = mmap_string_new("");
	char cmd[32], chunk[POP3_CHUNK];
	const char *status;
	ssize_t k, i;

	snprintf(cmd, sizeof(cmd), "RETR %u\r\n", idx);
	if (mailstream_write(s, cmd, strlen(cmd)) < 0 ||
	    mailstream_flush(s) < 0 ||
	    (status = mailstream_read_line_remove_eol(s, line)) == NULL) {
		mmap_string_free(line);
		return mailbox_pop3_err(m, MAILPOP3_ERROR_STREAM,
		    "fetching a message", err);
	}
	if (strncmp(status, "+OK", 3) != 0) {
		util_err(err, "fetching message %u: the POP3 server said: %.200s",
		    idx, status);
		mmap_string_free(line);
		m->failure = MAILBOX_FAIL_TEMP;
		return -1;
	}
	mmap_string_free(line);
	while (b.state != POP3_END) {
		/* mailstream_read waits for all it is asked for: ask only for
		 * what one read from the socket brought. */
		k = mailstream_feed_read_buffer(s);
		if (k > 0)
			k = mailstream_read(s, chunk, (size_t)k < sizeof(chunk) ?
			    (size_t)k : sizeof(chunk));
		if (k <= 0)
			return mailbox_pop3_err(m, MAILPOP3_ERROR_STREAM,
			    "fetching a message", err);
		for (i = 0; i < k && b.state != POP3_END; i++)
			mailbox_pop3_byte(&b, chunk[i]);
	}
	*len = b.len;
	return 0;
}

static int
mailbox_pop3_fetch(struct mailbox *m, const struct mailbox_msg *v, size_t n,
    mailbox_fetch_fn fn, void *arg, char *err)
{
	struct pop3_state *st = m->state;
	size_t i, len;

	if (st->buf == NULL)
		st->buf = xmalloc(MAILBOX_FETCH_MAX);
	for (i = 0; i < n; i++) {
		if (mailbox_pop3_retr(m, v[i].id, &len, err) == -1)
			return -1;
		fn(&v[i], st->buf, len, arg);
	}
	return 0;
}

static int
mailbox_pop3_dispose(struct mailbox *m, const struct mailbox_msg *v,
    size_t n, const char *folder, char *err)
{
	struct pop3_state *st = m->state;
	size_t i;
	int r;

	if (n == 0)
		return 0;
	if (folder != NULL) {
		m->failure = MAILBOX_FAIL_CONFIG;
		return util_err(err, "POP3 has no folders to move mail to");
	}
	for (i = 0; i < n; i++)
		if ((r = mailpop3_dele(st->p, v[i].id)) != MAILPOP3_NO_ERROR &&
		    r != MAILPOP3_ERROR_NO_SUCH_MESSAGE)
			return mailbox_pop3_err(m, r, "deleting a message", err);
	return 0;
}

static int
mailbox_pop3_close(struct mailbox *m, char *err)
{
	struct pop3_state *st = m->state;
	int rc = 0;

	if (st == NULL)
		return 0;
	/* After a failed read the session is in an unknown state: closing
	 * it without QUIT keeps every message (RFC 1939: no UPDATE). */
	if (!st->broken && mailpop3_quit(st->p) != MAILPOP3_NO_ERROR)
		rc = util_err(err, "ending the POP3 session: %.200s",
		    mailbox_pop3_said(st->p));
	mailpop3_free(st->p);
	free(st->buf);
	free(st);
	m->state = NULL;
	return rc;
}

int
mailbox_pop3_open(struct mailbox *m, const struct mailbox_target *t,
    const struct mailbox_opts *o, char *err)
{
	struct pop3_state *st = xcalloc(1, sizeof(*st));

	st->p = mailpop3_new(0, NULL);
	if (st->p == NULL) {
		free(st);
		return util_err(err, "out of memory");
	}
	mailpop3_set_timeout(st->p, o->timeout > 0 ? o->timeout : 60);
	m->state = st;
	m->can_move = 0;
	m->list = mailbox_pop3_list;
	m->fetch = mailbox_pop3_fetch;
	m->dispose = mailbox_pop3_dispose;
	m->close = mailbox_pop3_close;
	if (mailbox_pop3_connect(m, t, o, err) == -1 ||
	    mailbox_pop3_login(m, o, err) == -1) {
		st->broken = st->broken || m->failure != MAILBOX_FAIL_AUTH;
		mailbox_pop3_close(m, NULL);
		return -1;
	}
	return 0;
}
