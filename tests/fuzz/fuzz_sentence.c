/*
 * fuzz_sentence: the splitter and the lead, against what their headers
 * promise. Sentences are spans of the input, in order, never empty, with
 * no white space at either end, and white space (never none) between
 * them, so
 * the spans and the gaps put back together are the input. The lead is a
 * prefix of the collapsed text (without its "…" when it was cut), has at
 * most max_chars characters, and is valid UTF-8 when the text is.
 */
#include "fuzz.h"
#include "sentence.h"
#include "summary.h"

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

static void
fuzz_lead(const char *text, size_t len, int n, size_t max)
{
	static const char ellipsis[] = "\xe2\x80\xa6";
	char *lead = summary_lead(text, len, n, max);
	char *all = summary_collapse(text, len);
	size_t ll = strlen(lead);

	if (strncmp(lead, all, ll) != 0) {
		FUZZ_CHECK(ll >= 3 && memcmp(lead + ll - 3, ellipsis, 3) == 0);
		FUZZ_CHECK(strncmp(lead, all, ll - 3) == 0);
	}
	if (max > 0)
		FUZZ_CHECK(utf8_count(lead, ll) <= max);
	if (utf8_valid(text, len))
		FUZZ_CHECK(utf8_valid(lead, ll));
	free(lead);
	free(all);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxes[] = { 0, 12, 60, SUMMARY_LEAD_MAX_CHARS };
	char *text;
	int n;

	if (size < 1)
		return 0;
	n = data[0] & 3;
	text = fuzz_cstr(data + 1, size - 1);
	fuzz_split(text, size - 1);
	fuzz_lead(text, size - 1, n + 1, maxes[(data[0] >> 2) & 3]);
	free(text);
	return 0;
}
