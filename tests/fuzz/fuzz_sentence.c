/*
 * fuzz_sentence: the splitter and the lead, against what their headers
 * promise. Sentences are spans of the input, in order, never empty, with
 * no white space at either end, and white space (never none) between
 * them, so
 * the spans and the gaps put back together are the input. The lead
 * invents no text: its words (a final "…" aside, and the word a cut may
 * shorten) stand in the collapsed text in the same order; it has at most
 * max_chars characters, no white space at either end or doubled, and is
 * valid UTF-8 when the text is. A title made of it has at most 80.
 */
#include "fuzz.h"
#include "sentence.h"
#include "summary.h"
#include "util.h"

static int
fuzz_all_space(const char *s, size_t n)
{
	uint32_t cp;
	size_t k;

	while (n > 0) {
		k = utf8_decode(s, n, &cp);
		if (!utf8_is_space(cp) || (cp == UTF8_REPLACEMENT && k == 1))
			return 0;
		s += k;
		n -= k;
	}
	return 1;
}

/* The first and last characters of a sentence are not white space. */
static int
fuzz_trimmed(const char *s, size_t n)
{
	uint32_t cp;
	size_t k, i;

	utf8_decode(s, n, &cp);
	if (utf8_is_space(cp))
		return 0;
	for (i = 0; i < n; i += k) {
		k = utf8_decode(s + i, n - i, &cp);
		if (i + k == n && utf8_is_space(cp))
			return 0;
	}
	return 1;
}

static void
fuzz_split(const char *text, size_t len)
{
	struct sentence_iter it;
	size_t start, end, prev = 0, count = 0;

	sentence_iter_init(&it, text, len);
	while (sentence_next(&it, &start, &end)) {
		FUZZ_CHECK(start >= prev && start < end && end <= len);
		FUZZ_CHECK(fuzz_all_space(text + prev, start - prev));
		/* Only white space parts two sentences, and some always
		 * does: else the lead's joining space would be new text. */
		FUZZ_CHECK(count == 0 || start > prev);
		FUZZ_CHECK(fuzz_trimmed(text + start, end - start));
		prev = end;
		FUZZ_CHECK(++count <= len);
	}
	FUZZ_CHECK(fuzz_all_space(text + prev, len - prev));
	FUZZ_CHECK(sentence_next(&it, &start, &end) == 0);
}

/* 1 when the words of lead (split at spaces) stand in all in order;
 * the last may be a prefix of its word (a cut). */
static int
fuzz_words_in_order(const char *lead, const char *all)
{
	const char *w = lead, *at = all, *sp, *hit;
	size_t n;

	while (*w != '\0') {
		sp = strchr(w, ' ');
		n = sp ? (size_t)(sp - w) : strlen(w);
		hit = memmem(at, strlen(at), w, n);
		if (hit == NULL)
			return 0;
		at = hit + n;
		w += n + (sp != NULL);
	}
	return 1;
}

static void
fuzz_lead(const char *text, size_t len, const char *title, int n,
    size_t max)
{
	static const char ellipsis[] = "\xe2\x80\xa6";
	char *lead = summary_lead_titled(title, text, len, n, max);
	char *all = summary_collapse(text, len);
	char *made = summary_title(lead);
	size_t ll = strlen(lead);

	if (max > 0)
		FUZZ_CHECK(utf8_count(lead, ll) <= max);
	if (utf8_valid(text, len)) {
		FUZZ_CHECK(utf8_valid(lead, ll));
		FUZZ_CHECK(utf8_valid(made, strlen(made)));
	}
	FUZZ_CHECK(utf8_count(made, strlen(made)) <= SUMMARY_TITLE_MAX_CHARS);
	/* A NUL byte is text too, but ends the strings looked at here. */
	if (memchr(text, '\0', len) == NULL) {
		FUZZ_CHECK(ll == 0 || (lead[0] != ' ' && lead[ll - 1] != ' '));
		FUZZ_CHECK(strstr(lead, "  ") == NULL);
		/* What is left once a cut's "…" goes is the text's own
		 * words. */
		if (ll >= 3 && memcmp(lead + ll - 3, ellipsis, 3) == 0)
			lead[ll -= 3] = '\0';
		FUZZ_CHECK(fuzz_words_in_order(lead, all));
	}
	free(made);
	free(lead);
	free(all);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxes[] = { 0, 12, 60, SUMMARY_LEAD_MAX_CHARS };
	char *text, *title;
	int n;

	if (size < 1)
		return 0;
	n = data[0] & 3;
	text = fuzz_cstr(data + 1, size - 1);
	fuzz_split(text, size - 1);
	/* Half the time, the text's first line is the title too. */
	title = data[0] & 0x10 ? xstrndup(text, strcspn(text, "\n")) : NULL;
	fuzz_lead(text, size - 1, title, n + 1, maxes[(data[0] >> 2) & 3]);
	free(title);
	free(text);
	return 0;
}
