/*
 * fuzz_html: HTML and plain text to text. For UTF-8 input the text is
 * UTF-8 without NUL, within max bytes, with no white space at either end
 * and paragraphs split by exactly one blank line (never three newlines,
 * never a space next to a newline); plain text by the same rules. The
 * quick path, when it takes a fragment, agrees with libxml2's parse.
 */
#include "fuzz.h"
#include "html.h"

static void
fuzz_text(const char *t, size_t max)
{
	size_t n = strlen(t);

	FUZZ_CHECK(n <= max);
	FUZZ_CHECK(utf8_valid(t, n));
	if (n == 0)
		return;
	FUZZ_CHECK(t[0] != ' ' && t[0] != '\n');
	FUZZ_CHECK(t[n - 1] != ' ' && t[n - 1] != '\n');
	FUZZ_CHECK(strstr(t, "\n\n\n") == NULL && strstr(t, " \n") == NULL &&
	    strstr(t, "\n ") == NULL && strstr(t, "  ") == NULL);
}

/* libxml2 drops C0 controls, form feed included, where HTML reads a form
 * feed as white space (and the quick path does): the two paths are only
 * compared on text without them. */
static int
fuzz_no_controls(const char *s, size_t n)
{
	while (n-- > 0) {
		if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' &&
		    *s != '\r')
			return 0;
		s++;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxes[] = { 1u << 20, 64, 7, 1 };
	const char *s = (const char *)data + 1;
	char *a, *b;
	size_t max;

	if (size < 1 || !utf8_valid(s, size - 1) ||
	    memchr(s, '\0', size - 1) != NULL)
		return 0;
	max = maxes[data[0] & 3];
	a = html_to_text(s, size - 1, max);
	fuzz_text(a, max);
	free(a);
	/* Text without markup takes the plain rules in html_to_text (a
	 * blank line is a paragraph), so hold quick to parsed, as html.h
	 * does, not to html_to_text. */
	b = html_quick_to_text(s, size - 1, max);
	if (b != NULL && fuzz_no_controls(s, size - 1)) {
		a = html_parsed_to_text(s, size - 1, max);
		FUZZ_CHECK(strcmp(a, b) == 0);
		free(a);
	}
	free(b);
	a = html_plain_to_text(s, size - 1, max);
	fuzz_text(a, max);
	free(a);
	return 0;
}
