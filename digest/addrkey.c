#include "addrkey.h"
#include "util.h"

#include <idn2.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <uninorm.h>

static int
addrkey_is_ascii(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

static void
addrkey_lower(const char *s, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len; i++)
		out[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') :
		    s[i];
}

/* The local part (len octets) folded into key: its length, or -1. The
 * ASCII case, the common one, allocates nothing. */
static int
addrkey_local(const char *s, size_t len, char key[ADDRKEY_MAX + 1],
    size_t *n, char *err)
{
	uint8_t *folded;
	size_t flen = 0;

	if (addrkey_is_ascii(s, len)) {
		addrkey_lower(s, len, key);
		*n = len;
		return 0;
	}
	folded = u8_casefold((const uint8_t *)s, len, NULL, UNINORM_NFC, NULL,
	    &flen);
	if (folded == NULL || flen > ADDRKEY_MAX) {
		free(folded);
		return util_err(err, "the address cannot be case-folded");
	}
	memcpy(key, folded, flen);
	free(folded);
	*n = flen;
	return 0;
}

/* The domain (len octets) in lower-case ASCII into out: an ASCII one as
 * it is, else its A-labels. */
static int
addrkey_domain(const char *s, size_t len, char out[ADDRKEY_ADDR_MAX + 1],
    size_t *n, char *err)
{
	char in[ADDRKEY_ADDR_MAX + 1], *ascii = NULL;
	int rc;

	if (addrkey_is_ascii(s, len)) {
		addrkey_lower(s, len, out);
		*n = len;
		return 0;
	}
	memcpy(in, s, len);
	in[len] = '\0';
	rc = idn2_to_ascii_8z(in, &ascii, IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK || strlen(ascii) > ADDRKEY_ADDR_MAX) {
		free(ascii);
		return util_err(err, "the domain of the address has no ASCII "
		    "form (%s)", rc != IDN2_OK ? idn2_strerror(rc) :
		    "too long");
	}
	*n = strlen(ascii);
	addrkey_lower(ascii, *n, out);
	free(ascii);
	return 0;
}

int
addrkey_make(const char *s, size_t len, char key[ADDRKEY_MAX + 1],
    char *err)
{
	char domain[ADDRKEY_ADDR_MAX + 1];
	const char *at;
	size_t n = 0, dlen = 0;

	if (len > ADDRKEY_ADDR_MAX)
		return util_err(err, "the address is longer than %d characters",
		    ADDRKEY_ADDR_MAX);
	if (memchr(s, '\0', len) != NULL)
		return util_err(err, "the address contains a NUL byte");
	if ((at = memrchr(s, '@', len)) == NULL)
		return util_err(err, "the address has no @");
	if (addrkey_local(s, (size_t)(at - s), key, &n, err) == -1 ||
	    addrkey_domain(at + 1, len - (size_t)(at - s) - 1, domain, &dlen,
	    err) == -1)
		return -1;
	if (n + 1 + dlen > ADDRKEY_MAX)
		return util_err(err, "the address cannot be case-folded");
	key[n] = '@';
	memcpy(key + n + 1, domain, dlen);
	key[n + 1 + dlen] = '\0';
	return 0;
}
