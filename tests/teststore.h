/*
 * teststore: what the tests on a real store share: a configuration with
 * the shipped templates, and articles. Include after testutil.h.
 */
#ifndef DIGEST_TESTSTORE_H
#define DIGEST_TESTSTORE_H

#include "article.h"
#include "config.h"

/* Writes dir/digest.conf (the shipped templates, a sender, a base URL,
 * then extra, which may be "") and loads it into c; the test fails when
 * it cannot. */
static inline void
ts_config(struct config *c, const char *dir, const char *extra)
{
	char conf[4200], err[ERR_LEN], *tests;
	FILE *f = NULL;

	snprintf(conf, sizeof(conf), "%s/digest.conf", dir);
	tests = realpath(tu_tests_dir(), NULL);		/* owned */
	if (tests == NULL || (f = fopen(conf, "w")) == NULL)
		fail_msg("cannot write %s", conf);
	fprintf(f, "templates = %s/../templates\nfrom_address = "
	    "news@example.org\nbase_url = https://example.org/news\n%s",
	    tests, extra);
	free(tests);
	fclose(f);
	if (config_load(c, conf, err) == -1)
		fail_msg("%s", err);
}

/* Stores an article titled guid, with one tag (NULL: none), published
 * at published; the test fails when it cannot. */
static inline void
ts_article(struct sqlite3 *db, const char *guid, const char *tag,
    int64_t published)
{
	struct article a;
	char err[ERR_LEN];

	article_init(&a);
	a.source = xstrdup("test");
	a.guid = xstrdup(guid);
	a.url = xstrdup("https://example.org/story");
	a.title = xstrdup(guid);
	a.body = xstrdup("The council approved the plan. It passed.");
	a.lead = xstrdup("The council approved the plan. It passed.");
	a.published = published;
	a.fetched = published;
	if (tag != NULL)
		article_tag_add(&a, tag, strlen(tag));
	if (article_store_upsert(db, &a, err) == -1)
		fail_msg("%s", err);
	article_release(&a);
}

#endif
