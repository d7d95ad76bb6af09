/*
 * outbox: the transport that delivers into a directory, one .eml file per
 * message, for previews, the built-in defaults and tests. Files are named
 * by the order of sending and the recipient ("0003-zoe@example.org.eml"),
 * written to a temporary name and renamed, so a reader never sees half a
 * message and a second run replaces the first.
 */
#include "transport.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Results wait here for the next poll(). */
struct outbox_done {
	void *tag;
	struct transport_result r;
};

struct outbox {
	char *dir;		/* owned */
	unsigned long seq;	/* messages written so far */
	struct outbox_done *done;	/* owned */
	size_t ndone;
	size_t done_cap;
};

/* Creates dir and its parents, like mkdir -p. */
static int
outbox_mkdirs(const char *dir, char *err)
{
	char *p = xstrdup(dir), *s;
	int rc = 0;

	for (s = p + 1; rc == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST)
			rc = util_err(err, "cannot create '%s': %s", p,
			    strerror(errno));
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

/* The file name for a recipient: only characters that are safe in any
 * file system; an address's '/' or leading dot cannot escape the dir. */
static void
outbox_name(char *out, size_t size, unsigned long seq, const char *to)
{
	size_t n = (size_t)snprintf(out, size, "%04lu-", seq), i;

	for (i = 0; to[i] != '\0' && n + 5 < size; i++) {
		char c = to[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("@.+-_", c) != NULL;

		out[n++] = ok ? c : '_';
	}
	snprintf(out + n, size - n, ".eml");
}

static int
outbox_write(const char *path, const char *tmp, const char *msg, size_t len,
    char *err)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t off = 0;
	ssize_t w;

	if (fd == -1)
		return util_err(err, "cannot create '%s': %s", tmp,
		    strerror(errno));
	while (off < len) {
		w = write(fd, msg + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			util_err(err, "cannot write '%s': %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)w;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		util_err(err, "cannot write '%s': %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int
outbox_submit(struct transport *t, const char *from, const char *to,
    char *msg, size_t len, void *tag, char *err)
{
	struct outbox *o = t->state;
	struct outbox_done *d;
	char name[300], path[4400], tmp[4420], e[ERR_LEN];

	if (transport_check_address("sender", from, err) == -1) {
		free(msg);
		return TRANSPORT_STOP_SETTING;
	}
	if (transport_check_address("recipient", to, err) == -1) {
		free(msg);
		return TRANSPORT_REFUSED;
	}
	xgrow(&o->done, &o->done_cap, o->ndone + 1, sizeof(*o->done));
	d = &o->done[o->ndone++];
	memset(d, 0, sizeof(*d));
	d->tag = tag;
	outbox_name(name, sizeof(name), o->seq + 1, to);
	if (snprintf(path, sizeof(path), "%s/%s", o->dir, name) >=
	    (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", o->dir, name) >=
	    (int)sizeof(tmp)) {
		d->r.fault = TRANSPORT_REFUSED;
		snprintf(d->r.reply, sizeof(d->r.reply), "outbox path too long");
	} else if (outbox_write(path, tmp, msg, len, e) == -1) {
		/* A full disk or a permission is the outbox's, not this
		 * reader's: every message would fail the same way until it
		 * is mended. */
		d->r.fault = TRANSPORT_STOP;
		snprintf(d->r.reply, sizeof(d->r.reply), "%.400s", e);
	} else {
		o->seq++;
		d->r.fault = TRANSPORT_DELIVERED;
		d->r.code = 250;
		snprintf(d->r.reply, sizeof(d->r.reply), "stored in %.400s",
		    path);
	}
	free(msg);
	return 0;
}

static size_t
outbox_capacity(struct transport *t)
{
	(void)t;
	return 64;
}

static size_t
outbox_poll(struct transport *t, int timeout_ms, transport_done_fn done,
    void *arg)
{
	struct outbox *o = t->state;
	size_t i, n = o->ndone;

	(void)timeout_ms;
	o->ndone = 0;
	for (i = 0; i < n; i++)
		done(o->done[i].tag, &o->done[i].r, arg);
	return 0;
}

static void
outbox_close(struct transport *t)
{
	struct outbox *o = t->state;

	free(o->dir);
	free(o->done);
	free(o);
	free(t);
}

struct transport *
outbox_open(const char *dir, char *err)
{
	struct transport *t;
	struct outbox *o;

	if (*dir == '\0') {
		util_err(err, "the outbox needs a directory");
		return NULL;
	}
	if (outbox_mkdirs(dir, err) == -1)
		return NULL;
	o = xcalloc(1, sizeof(*o));
	o->dir = xstrdup(dir);
	t = xcalloc(1, sizeof(*t));
	t->name = "outbox";
	t->capacity = outbox_capacity;
	t->submit = outbox_submit;
	t->poll = outbox_poll;
	t->close = outbox_close;
	t->state = o;
	return t;
}
