/*
 * fuzz_addr: an address that validates has a normalized form within
 * ADDR_MAX octets, with local_len octets before its one '@', smtputf8
 * exactly when that local part is not ASCII, and the normalized form
 * validates again to itself (normalization is idempotent). addr_from_text
 * agrees with addr_parse on the same bytes.
 */
#include "addr.h"
#include "fuzz.h"
#include "util.h"

static int
fuzz_ascii(const char *s, size_t n)
{
	while (n-- > 0)
		if ((unsigned char)*s++ >= 0x80)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr a, b;
	char err[ERR_LEN], out[ADDR_MAX + 1];
	const char *s = (const char *)data;
	size_t n;

	if (addr_parse(s, size, &a, err) == -1) {
		FUZZ_CHECK(memchr(err, '\0', ERR_LEN) != NULL);
		return 0;
	}
	n = strlen(a.text);
	FUZZ_CHECK(n <= ADDR_MAX && utf8_valid(a.text, n));
	FUZZ_CHECK(a.local_len > 0 && a.local_len < n &&
	    a.text[a.local_len] == '@');
	FUZZ_CHECK(strchr(a.text, '@') == a.text + a.local_len);
	FUZZ_CHECK(a.smtputf8 == !fuzz_ascii(a.text, a.local_len));
	FUZZ_CHECK(fuzz_ascii(a.text + a.local_len, n - a.local_len));
	FUZZ_CHECK(addr_parse(a.text, n, &b, err) == 0);
	FUZZ_CHECK(strcmp(a.text, b.text) == 0);
	FUZZ_CHECK(b.local_len == a.local_len && b.smtputf8 == a.smtputf8);
	FUZZ_CHECK(addr_from_text(s, size, out, err) == 0);
	FUZZ_CHECK(strcmp(out, a.text) == 0);
	return 0;
}
