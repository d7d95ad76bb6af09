/*
 * mailbox_imap: the IMAP backend of mailbox.h, on libetpan's mailimap.
 */
#include "mailbox.h"
#include "util.h"

#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMAP_FOLDERS_MADE 4	/* folders created this session, kept */

struct imap_state {
	mailimap *s;		/* owned */
	int connected;		/* a LOGOUT is owed */
	int has_move;
	int has_uidplus;
	char made[IMAP_FOLDERS_MADE][256];
	size_t nmade;
};

/* The server's last words, for an error: its response text. */
static const char *
mailbox_imap_said(const mailimap *s)
{
	return s->imap_response != NULL && *s->imap_response != '\0' ?
	    s->imap_response : "no answer";
}

/* err from a libetpan result: a lost connection is temporary, a NO or
 * BAD is the server's answer to what was asked. */
static int
mailbox_imap_err(struct mailbox *m, int r, const char *what, char *err)
{
	struct imap_state *st = m->state;

	if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_CONNECTION_REFUSED ||
	    r == MAILIMAP_ERROR_SSL || r == MAILIMAP_ERROR_STARTTLS) {
		m->failure = MAILBOX_FAIL_TEMP;
		return util_err(err, "%s: the IMAP connection failed (libetpan "
		    "error %d)", what, r);
	}
	/* A login refused for now ("[UNAVAILABLE]", RFC 5530) is no
	 * verdict on the password. */
	m->failure = r == MAILIMAP_ERROR_LOGIN && strstr(mailbox_imap_said(
	    st->s), "[UNAVAILABLE]") == NULL ? MAILBOX_FAIL_AUTH :
	    MAILBOX_FAIL_TEMP;
	return util_err(err, "%s: the IMAP server said: %.200s", what,
	    mailbox_imap_said(st->s));
}

static int
mailbox_imap_connect(struct mailbox *m, const struct mailbox_target *t,
    const struct mailbox_opts *o, char *err)
{
	struct imap_state *st = m->state;
	char what[320];
	int r;

	snprintf(what, sizeof(what), "%s:%u", t->host, (unsigned)t->port);
	if (t->implicit_tls)
		r = mailimap_ssl_connect_with_callback(st->s, t->host, t->port,
		    mailbox_tls_sni, (void *)t->host);
	else
		r = mailimap_socket_connect(st->s, t->host, t->port);
	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED)
		return mailbox_connect_failed(m, t, "imap", "* ", err);
	st->connected = 1;
	if (t->starttls) {
		r = mailimap_socket_starttls_with_callback(st->s,
		    mailbox_tls_sni, (void *)t->host);
		if (r != MAILIMAP_NO_ERROR) {
			m->failure = MAILBOX_FAIL_CONFIG;
			return util_err(err, "%s does not offer STARTTLS (%.120s): "
			    "use imaps://, or mailbox_tls = off for a local "
			    "server", what, mailbox_imap_said(st->s));
		}
	}
	if ((t->implicit_tls || t->starttls) &&
	    mailbox_tls_verify(st->s->imap_stream, t->host, o->cafile,
	    err) == -1) {
		m->failure = MAILBOX_FAIL_CONFIG;
		return -1;
	}
	return 0;
}

static int
mailbox_imap_login(struct mailbox *m, const struct mailbox_target *t,
    const struct mailbox_opts *o, char *err)
{
	struct imap_state *st = m->state;
	struct mailimap_capability_data *caps = NULL;
	char what[300];
	int r;

	r = mailimap_login(st->s, o->user, o->password);
	if (r != MAILIMAP_NO_ERROR) {
		snprintf(what, sizeof(what), "logging in as '%.80s'", o->user);
		if (r == MAILIMAP_ERROR_LOGIN || r == MAILIMAP_ERROR_PARSE)
			r = MAILIMAP_ERROR_LOGIN;
		return mailbox_imap_err(m, r, what, err);
	}
	if (mailimap_capability(st->s, &caps) == MAILIMAP_NO_ERROR)
		mailimap_capability_data_free(caps);
	st->has_move = mailimap_has_extension(st->s, "MOVE");
	st->has_uidplus = mailimap_has_uidplus(st->s);
	r = mailimap_select(st->s, t->folder);
	if (r != MAILIMAP_NO_ERROR) {
		snprintf(what, sizeof(what), "opening folder '%.200s'",
		    t->folder);
		return mailbox_imap_err(m, r, what, err);
	}
	if (st->s->imap_selection_info != NULL)
		m->uidvalidity = st->s->imap_selection_info->sel_uidvalidity;
	return 0;
}

/* The UIDs of v as an IMAP set; caller frees with mailimap_set_free. */
static struct mailimap_set *
mailbox_imap_set(const struct mailbox_msg *v, size_t n)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	size_t i, j;

	/* Runs of consecutive UIDs as ranges: "1:200" rather than 200
	 * numbers. */
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j].id == v[j - 1].id + 1; j++)
			;
		if (j - i == 1)
			mailimap_set_add_single(set, v[i].id);
		else
			mailimap_set_add_interval(set, v[i].id, v[j - 1].id);
	}
	return set;
}

/* The static attributes of a FETCH response item we ask for. */
struct imap_att {
	uint32_t uid;
	uint32_t size;
	const char *body;
	size_t len;
};

static void
mailbox_imap_att(const struct mailimap_msg_att *ma, struct imap_att *a)
{
	clistiter *it;

	memset(a, 0, sizeof(*a));
	for (it = clist_begin(ma->att_list); it != NULL; it = clist_next(it)) {
		const struct mailimap_msg_att_item *item = clist_content(it);
		const struct mailimap_msg_att_static *sa;

		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		sa = item->att_data.att_static;
		if (sa->att_type == MAILIMAP_MSG_ATT_UID)
			a->uid = sa->att_data.att_uid;
		else if (sa->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE)
			a->size = sa->att_data.att_rfc822_size;
		else if (sa->att_type == MAILIMAP_MSG_ATT_BODY_SECTION &&
		    sa->att_data.att_body_section != NULL) {
			a->body = sa->att_data.att_body_section->sec_body_part;
			a->len = sa->att_data.att_body_section->sec_length;
		}
	}
}

/* UID FETCH set (UID and, with body, the first MAILBOX_FETCH_MAX
 * bytes of each message, else its size); takes ownership of set.
 * *result is freed with mailimap_fetch_list_free. 0, or -1 with err. */
static int
mailbox_imap_uid_fetch(struct mailbox *m, struct mailimap_set *set,
    int body, clist **result, char *err)
{
	struct imap_state *st = m->state;
	struct mailimap_fetch_type *ft;
	int r;

	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft, body ?
	    mailimap_fetch_att_new_body_peek_section_partial(
	    mailimap_section_new(NULL), 0, MAILBOX_FETCH_MAX) :
	    mailimap_fetch_att_new_rfc822_size());
	*result = NULL;
	r = mailimap_uid_fetch(st->s, set, ft, result);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR)
		return mailbox_imap_err(m, r, body ? "fetching messages" :
		    "listing the messages", err);
	return 0;
}

static int
mailbox_imap_list(struct mailbox *m, struct mailbox_msg **v, size_t *n,
    char *err)
{
	struct imap_state *st = m->state;
	clist *result;
	clistiter *it;
	struct imap_att a;
	size_t cap = 0;

	*v = NULL;
	*n = 0;
	if (st->s->imap_selection_info != NULL &&
	    st->s->imap_selection_info->sel_exists == 0)
		return 0;
	if (mailbox_imap_uid_fetch(m, mailimap_set_new_interval(1, 0), 0,
	    &result, err) == -1)
		return -1;
	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		mailbox_imap_att(clist_content(it), &a);
		if (a.uid == 0)
			continue;
		xgrow(v, &cap, *n + 1, sizeof(**v));
		snprintf((*v)[*n].key, MAILBOX_KEY_MAX, "%u", (unsigned)a.uid);
		(*v)[*n].id = a.uid;
		(*v)[*n].size = a.size;
		(*n)++;
	}
	mailimap_fetch_list_free(result);
	return 0;
}

static int
mailbox_imap_fetch(struct mailbox *m, const struct mailbox_msg *v, size_t n,
    mailbox_fetch_fn fn, void *arg, char *err)
{
	clist *result;
	clistiter *it;
	struct imap_att a;
	size_t i;

	if (n == 0)
		return 0;
	if (mailbox_imap_uid_fetch(m, mailbox_imap_set(v, n), 1, &result,
	    err) == -1)
		return -1;
	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		mailbox_imap_att(clist_content(it), &a);
		if (a.uid == 0 || a.body == NULL)
			continue;
		for (i = 0; i < n && v[i].id != a.uid; i++)
			;
		if (i < n)
			fn(&v[i], a.body, a.len > MAILBOX_FETCH_MAX ?
			    MAILBOX_FETCH_MAX : a.len, arg);
	}
	mailimap_fetch_list_free(result);
	return 0;
}

/* Creates folder once per session; an error (it exists, most likely)
 * is left for the MOVE or COPY to report. */
static void
mailbox_imap_make(struct imap_state *st, const char *folder)
{
	size_t i;

	for (i = 0; i < st->nmade; i++)
		if (strcmp(st->made[i], folder) == 0)
			return;
	(void)mailimap_create(st->s, folder);
	if (st->nmade < IMAP_FOLDERS_MADE)
		snprintf(st->made[st->nmade++], sizeof(st->made[0]), "%s",
		    folder);
}

/* \Deleted on the set, then EXPUNGE: of only the set with UIDPLUS. */
static int
mailbox_imap_delete(struct mailbox *m, struct mailimap_set *set, char *err)
{
	struct imap_state *st = m->state;
	struct mailimap_flag_list *flags = mailimap_flag_list_new_empty();
	struct mailimap_store_att_flags *att;
	int r;

	mailimap_flag_list_add(flags, mailimap_flag_new_deleted());
	att = mailimap_store_att_flags_new_add_flags_silent(flags);
	r = mailimap_uid_store(st->s, set, att);
	mailimap_store_att_flags_free(att);
	if (r != MAILIMAP_NO_ERROR)
		return mailbox_imap_err(m, r, "flagging messages deleted", err);
	r = st->has_uidplus ? mailimap_uid_expunge(st->s, set) :
	    mailimap_expunge(st->s);
	if (r != MAILIMAP_NO_ERROR)
		return mailbox_imap_err(m, r, "expunging messages", err);
	return 0;
}

static int
mailbox_imap_dispose(struct mailbox *m, const struct mailbox_msg *v,
    size_t n, const char *folder, char *err)
{
	struct imap_state *st = m->state;
	struct mailimap_set *set;
	char what[300];
	int r, rc = 0;

	if (n == 0)
		return 0;
	set = mailbox_imap_set(v, n);
	if (folder != NULL) {
		mailbox_imap_make(st, folder);
		snprintf(what, sizeof(what), "moving messages to '%.200s'",
		    folder);
		r = st->has_move ? mailimap_uid_move(st->s, set, folder) :
		    mailimap_uid_copy(st->s, set, folder);
		if (r != MAILIMAP_NO_ERROR)
			rc = mailbox_imap_err(m, r, what, err);
		else if (!st->has_move)
			rc = mailbox_imap_delete(m, set, err);
	} else {
		rc = mailbox_imap_delete(m, set, err);
	}
	mailimap_set_free(set);
	return rc;
}

static int
mailbox_imap_close(struct mailbox *m, char *err)
{
	struct imap_state *st = m->state;

	(void)err;
	if (st == NULL)
		return 0;
	if (st->connected)
		(void)mailimap_logout(st->s);
	mailimap_free(st->s);
	free(st);
	m->state = NULL;
	return 0;
}

int
mailbox_imap_open(struct mailbox *m, const struct mailbox_target *t,
    const struct mailbox_opts *o, char *err)
{
	struct imap_state *st = xcalloc(1, sizeof(*st));

	st->s = mailimap_new(0, NULL);
	if (st->s == NULL) {
		free(st);
		return util_err(err, "out of memory");
	}
	mailimap_set_timeout(st->s, o->timeout > 0 ? o->timeout : 60);
	m->state = st;
	m->can_move = 1;
	m->list = mailbox_imap_list;
	m->fetch = mailbox_imap_fetch;
	m->dispose = mailbox_imap_dispose;
	m->close = mailbox_imap_close;
	if (mailbox_imap_connect(m, t, o, err) == -1 ||
	    mailbox_imap_login(m, t, o, err) == -1) {
		mailbox_imap_close(m, NULL);
		return -1;
	}
	return 0;
}
