/*
 * fuzz_mime_header: the RFC 2047 encoder. The first byte chooses a
 * phrase (display name) or unstructured text (subject). The result is
 * printable ASCII (so no CR, LF or other control can start a header line
 * of its own), single spaces between words of at most MIME_WORD_MAX
 * characters, and decoded by RFC 2047's rules (the space between two
 * encoded words is not text) it is the input as mime.h says it is
 * cleaned: controls, U+2028 and U+2029 as spaces, each invalid byte as
 * U+FFFD. A phrase's literal words are atoms.
 */
#include "buf.h"
#include "fuzz.h"
#include "mime.h"

#define FUZZ_HDR_MAX (1u << 20)

static void
fuzz_clean(const char *s, size_t n, struct buf *out)
{
	uint32_t cp;
	size_t k;
	char u[4];

	while (n > 0) {
		k = utf8_decode(s, n, &cp);
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 ||
		    cp == 0x2029)
			FUZZ_CHECK(buf_putc(out, ' ') == 0);
		else
			FUZZ_CHECK(buf_append(out, u, utf8_encode(cp, u)) == 0);
		s += k;
		n -= k;
	}
}

static void
fuzz_decode_q(const char *s, size_t n, struct buf *out)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '_') {
			FUZZ_CHECK(buf_putc(out, ' ') == 0);
		} else if (s[i] == '=') {
			FUZZ_CHECK(i + 2 < n);
			hi = fuzz_hex(s[i + 1]);
			lo = fuzz_hex(s[i + 2]);
			FUZZ_CHECK(hi >= 0 && lo >= 0);
			FUZZ_CHECK(buf_putc(out, (char)(hi << 4 | lo)) == 0);
			i += 2;
		} else {
			/* The literal set of a phrase, RFC 2047 5(3). */
			FUZZ_CHECK(strchr("!*+-/", s[i]) != NULL ||
			    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
			    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9'));
			FUZZ_CHECK(buf_putc(out, s[i]) == 0);
		}
	}
}

/* 1 and the decoded text appended when [w, w+n) is an encoded word. */
static int
fuzz_word(const char *w, size_t n, struct buf *out)
{
	if (n < 12 || memcmp(w, "=?UTF-8?", 8) != 0 || w[9] != '?' ||
	    memcmp(w + n - 2, "?=", 2) != 0)
		return 0;
	FUZZ_CHECK(w[8] == 'Q' || w[8] == 'B');
	if (w[8] == 'Q') {
		fuzz_decode_q(w + 10, n - 12, out);
	} else {
		FUZZ_CHECK((n - 12) % 4 == 0);
		fuzz_b64_decode(w + 10, n - 12, out);
	}
	return 1;
}

static void
fuzz_is_atom(const char *w, size_t n)
{
	while (n-- > 0)
		FUZZ_CHECK(strchr("()<>[]:;@\\,.\"", *w++) == NULL);
}

static void
fuzz_encode(const char *value, size_t len, int phrase)
{
	struct buf want, got;
	char *enc = mime_header_encode(value, phrase);
	const char *w = enc, *sp;
	size_t n = strlen(enc), wl, i;
	int prev_encoded = 0, encoded;

	for (i = 0; i < n; i++)
		FUZZ_CHECK(enc[i] >= 0x20 && enc[i] < 0x7F);
	buf_init(&want, FUZZ_HDR_MAX);
	buf_init(&got, FUZZ_HDR_MAX);
	fuzz_clean(value, len, &want);
	while (w < enc + n) {
		sp = memchr(w, ' ', (size_t)(enc + n - w));
		wl = sp != NULL ? (size_t)(sp - w) : (size_t)(enc + n - w);
		FUZZ_CHECK(wl > 0 && wl <= MIME_WORD_MAX);
		if (w > enc && !prev_encoded)
			FUZZ_CHECK(buf_putc(&got, ' ') == 0);
		encoded = fuzz_word(w, wl, &got);
		if (w > enc && prev_encoded && !encoded)
			FUZZ_CHECK(buf_putc(&got, ' ') == 0);
		if (!encoded) {
			FUZZ_CHECK(memmem(w, wl, "=?", 2) == NULL);
			if (phrase)
				fuzz_is_atom(w, wl);
			FUZZ_CHECK(buf_append(&got, w, wl) == 0);
		}
		prev_encoded = encoded;
		w += wl + (sp != NULL);
		FUZZ_CHECK(sp == NULL || w < enc + n);
	}
	FUZZ_CHECK(got.len == want.len &&
	    memcmp(buf_cstr(&got), buf_cstr(&want), got.len) == 0);
	buf_release(&want);
	buf_release(&got);
	free(enc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value;

	if (size < 1)
		return 0;
	/* The encoder takes a C string: the value ends at a NUL. */
	value = fuzz_cstr(data + 1, size - 1);
	fuzz_encode(value, strlen(value), data[0] & 1);
	free(value);
	return 0;
}
