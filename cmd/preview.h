/*
 * preview: what `digest preview` and its --serve page share.
 */
#ifndef DIGEST_CMD_PREVIEW_H
#define DIGEST_CMD_PREVIEW_H

#include <stdio.h>

#include "buf.h"
#include "config.h"
#include "edition.h"

struct sqlite3;

/* The parts a preview shows (edition.h's, by the names cmd uses). */
enum preview_format {
	PREVIEW_HTML = EDITION_PART_HTML,
	PREVIEW_TEXT = EDITION_PART_TEXT,
	PREVIEW_EML = EDITION_PART_EML,
	PREVIEW_JSON = EDITION_PART_JSON,
};

struct preview_opts {
	const char *subscriber;		/* an address, or NULL */
	const char *const *tags;	/* a reader's tags, when no subscriber */
	size_t ntags;
	const char *since;		/* NULL: the configuration's */
	const char *edition;		/* NULL: this ISO week */
	int next;			/* 1: the edition run-due makes next */
	const char *listen;		/* --serve's address */
	enum preview_format format;
	struct buf out;			/* the preview, built by preview_build */
};

int preview_format_from_name(const char *s, enum preview_format *f);

/*
 * Builds the preview o asks for (edition.h, edition_preview, for the
 * subscriber store.h finds) into o->out (initialized here) and, when
 * report is not NULL, writes there which articles were picked and why.
 * Returns 0, or an exit code with err set: EX_NOINPUT (no such
 * subscriber), EX_DATAERR (a template or message error), EX_IOERR.
 */
int preview_build(struct sqlite3 *db, const struct config *c,
    struct preview_opts *o, FILE *report, char *err);

/* The preview command's two modes; they print their own errors and
 * return exit codes. */
int preview_render_main(struct preview_opts *o);
int preview_serve_main(struct preview_opts *o);

#endif
