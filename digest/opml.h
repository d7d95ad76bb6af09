/*
 * opml: lists of feeds as feed readers exchange them (OPML 1.0 and 2.0).
 *
 * Reading takes every <outline> with an xmlUrl, wherever it is nested:
 * its text (or title), and as tags the entries of its category attribute
 * (comma-separated, each the last part of a "/Folder/name" path) and the
 * text of each folder outline around it, which is how readers export
 * their folders. Writing gives OPML 2.0, one flat outline per feed with
 * its tags as its category. The XML is read as feeds are: no network, no
 * entity expansion.
 */
#ifndef DIGEST_OPML_H
#define DIGEST_OPML_H

#include <stddef.h>
#include <stdint.h>

struct buf;

#define OPML_TAGS_MAX 64

struct opml_feed {
	char *url;		/* owned; as written, not checked */
	char *title;		/* owned; may be NULL */
	char *tags[OPML_TAGS_MAX];	/* owned, as written (not normalized) */
	size_t ntags;
	long line;		/* of its outline in the file */
};

struct opml_list {
	struct opml_feed *v;	/* owned */
	size_t n;
	size_t cap;
};

/* Reads the OPML document data into out (appended). 0, or -1 with err
 * when it is not XML or not OPML. */
int opml_from_text(const char *data, size_t len, struct opml_list *out,
    char *err);
void opml_list_release(struct opml_list *l);

/* Writes an OPML 2.0 document of the n feeds titled title, created at
 * now, into out. 0, or -1 with err. */
int opml_to_text(const struct opml_feed *v, size_t n, const char *title,
    int64_t now, struct buf *out, char *err);

#endif
