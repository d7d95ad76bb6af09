/*
 * select: which stored articles a digest picks.
 *
 * Newest first, by tags (any or all of them; none = every article), minus
 * excluded tags, in a time window, at most limit of them. Near-duplicate
 * titles from different sources are collapsed to the newest one. The same
 * call serves `digest articles`, previews and each subscriber's send.
 */
#ifndef DIGEST_SELECT_H
#define DIGEST_SELECT_H

#include <stddef.h>
#include <stdint.h>

#include "article.h"

struct sqlite3;

struct select_query {
	const char *const *tags;	/* borrowed; normalized on use */
	size_t ntags;
	int match_all;			/* 1: every tag; 0: any tag */
	const char *const *exclude;
	size_t nexclude;
	int64_t since;			/* published >= since; 0 = no bound */
	int64_t until;			/* published < until; 0 = no bound */
	size_t limit;			/* 0 = no limit */
	const char *edition;		/* only this edition's frozen set;
					 * NULL = every stored article */
	int by_ids;			/* 1: only the articles ids lists
					 * (an edition not made yet) */
	const int64_t *ids;		/* borrowed */
	size_t nids;
	/* Also the articles stored after article id late_after and
	 * published from late_since (before until), as a new edition
	 * takes the stories that came late (journal.h). */
	int late;
	int64_t late_after;
	int64_t late_since;
};

/* Appends the picked articles (with tags, body and lead) to out.
 * 0, or -1 with err. */
int select_articles(struct sqlite3 *db, const struct select_query *q,
    struct article_list *out, char *err);

/* 1 when two titles are near-duplicates (same words, bar punctuation,
 * case and a few small differences), else 0. */
int select_titles_similar(const char *a, const char *b);

#endif
