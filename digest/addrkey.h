/*
 * addrkey: the key an e-mail address is matched by, wherever it is
 * looked up or must be unique (the store's index, a suppression, the
 * consent log, show, remove): the whole address case-folded (Unicode full
 * case folding, then NFC) with its domain in lower-case IDNA A-labels
 * (libidn2, UTS 46 non-transitional), so that "Hana.Sato@Example.com",
 * "HANA.SATO@example.com" and "hana.sato@EXAMPLE.COM" are one key, and
 * "ü.example" and "xn--tda.example" too.
 *
 * It canonicalizes and does not validate: addr.h decides
 * what an address is, and its addr_key() is this key of a valid address.
 * Here so that the store's migrations (db.c's SQL function
 * digest_addr_key()) match stored addresses by the same key without
 * digest/ depending on subscribers/.
 */
#ifndef DIGEST_ADDRKEY_H
#define DIGEST_ADDRKEY_H

#include <stddef.h>

/* The longest address addrkey_make takes, in octets (RFC 5321's 254). */
#define ADDRKEY_ADDR_MAX 254
/* A key is longer than its address when case folding expands ("ß" is
 * "ss"): at most 3 times the octets of the local part. */
#define ADDRKEY_MAX (3 * ADDRKEY_ADDR_MAX)

/* The key of the address s (len octets, "local@domain", split at its
 * last '@') into key: 0, or -1 with err when s has no '@', is longer
 * than ADDRKEY_ADDR_MAX, is not UTF-8 or its domain is not one IDNA can
 * write in ASCII. */
int addrkey_make(const char *s, size_t len, char key[ADDRKEY_MAX + 1],
    char *err);

#endif
