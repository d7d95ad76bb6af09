/*
 * fuzz_extract: article extraction from HTML and from scraped text. On
 * success the title is one line and the body at most 1 MB, paragraphs
 * split by "\n\n"; every string and tag is valid UTF-8 for UTF-8 input;
 * on failure the article is untouched and err says why.
 */
#include "article.h"
#include "extract.h"
#include "fuzz.h"
#include "util.h"

static void
fuzz_article(const struct article *a)
{
	size_t i;

	FUZZ_CHECK(fuzz_text_ok(a->title) && fuzz_text_ok(a->body));
	FUZZ_CHECK(fuzz_text_ok(a->url) && fuzz_text_ok(a->author));
	FUZZ_CHECK(a->title == NULL || strchr(a->title, '\n') == NULL);
	FUZZ_CHECK(a->body == NULL || strlen(a->body) <= (1u << 20));
	FUZZ_CHECK(a->body == NULL || strstr(a->body, "\n\n\n") == NULL);
	for (i = 0; i < a->ntags; i++)
		FUZZ_CHECK(a->tags[i][0] != '\0' && fuzz_text_ok(a->tags[i]));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int (*extract)(const char *, size_t, struct article *, char *);
	const char *s = (const char *)data + 1;
	struct article a;
	char err[ERR_LEN];

	if (size < 1 || !utf8_valid(s, size - 1) ||
	    memchr(s, '\0', size - 1) != NULL)
		return 0;
	extract = data[0] & 1 ? extract_text : extract_html;
	article_init(&a);
	if (extract(s, size - 1, &a, err) == 0) {
		fuzz_article(&a);
	} else {
		FUZZ_CHECK(a.title == NULL && a.body == NULL && a.ntags == 0);
		FUZZ_CHECK(memchr(err, '\0', ERR_LEN) != NULL);
	}
	article_release(&a);
	return 0;
}
