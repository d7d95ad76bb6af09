/*
 * verp: where each message's problems go back (issue 17).
 *
 * With return_path = bounces@example.org, every message is sent with the
 * envelope sender bounces+TOKEN@example.org (VERP), and, when
 * unsubscribe_mailto is set, List-Unsubscribe's mailto names
 * unsubscribe+TOKEN@example.org. A TOKEN names an edition and a reader
 * and is signed: an HMAC-SHA256 over its kind and content with a key
 * made once and kept in the store (table secret), cut to 80 bits. So
 * what comes back to such an address can be tied to the reader it was
 * sent to, and nobody can make a token that unsubscribes someone else.
 *
 * Tokens are lower-case base32 and read in any case: some servers fold
 * the local part of the address they bounce to. The edition is named by
 * a small number (table verp_edition) so that a token stays short: 21
 * characters for a list of a million readers.
 *
 * Without return_path, nothing changes: the envelope sender is
 * from_address and the mailto is unsubscribe_mailto as written.
 */
#ifndef DIGEST_VERP_H
#define DIGEST_VERP_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct sqlite3;
struct config;

#define VERP_KEY_BYTES 32
#define VERP_MAC_BYTES 10
#define VERP_TOKEN_MAX 48	/* base32 of two varints and the MAC */

/* What a token is for; part of what is signed, so that one kind is
 * never taken for the other. */
enum verp_kind {
	VERP_BOUNCE = 'b',
	VERP_UNSUBSCRIBE = 'u',
};

struct verp_key {
	unsigned char k[VERP_KEY_BYTES];
};

/* The key kept in the store, made from getrandom() the first time it is
 * asked for (by whichever process comes first). 0, or -1 with err. */
int verp_key_load(struct sqlite3 *db, struct verp_key *key, char *err);

/* The number that names edition in tokens, given it on first use (with
 * create; without, 0 when it has none yet). 0, or -1 with err. */
int verp_edition_number(struct sqlite3 *db, const char *edition, int create,
    int64_t *n, char *err);

/* The edition numbered n: 1 (out, of size bytes, filled), 0 none, -1. */
int verp_edition_id(struct sqlite3 *db, int64_t n, char *out, size_t size,
    char *err);

/* Writes the token of (kind, edition n, reader id) and its NUL. */
void verp_token_make(const struct verp_key *key, enum verp_kind kind,
    int64_t edition_n, int64_t subscriber_id,
    char out[VERP_TOKEN_MAX + 1]);

/* Reads the len bytes of token: 1 when it is a token of kind that key
 * signed (*edition_n and *subscriber_id filled), 0 when it is not. The
 * MAC is compared in constant time. */
int verp_token_read(const struct verp_key *key, enum verp_kind kind,
    const char *token, size_t len, int64_t *edition_n,
    int64_t *subscriber_id);

/* base "bounces@example.org" and a token: "bounces+TOKEN@example.org"
 * in out. 0, or -1 with err when base is not an address or the result
 * would be too long for one (a local part over 64 octets). */
int verp_address(const char *base, const char *token, char *out,
    size_t size, char *err);

/* What an edition's messages need to address each reader. */
struct verp {
	const char *return_path;	/* borrowed; "" = no VERP */
	const char *from_address;	/* borrowed */
	const char *unsubscribe;	/* borrowed unsubscribe_mailto */
	struct verp_key key;
	int64_t edition_n;
};

/* Readies v for edition (numbering it when create; a preview does not).
 * Checks return_path. 0, or -1 with err. */
int verp_open(struct verp *v, struct sqlite3 *db, const struct config *c,
    const char *edition, int create, char *err);

/* Reader id's envelope sender (return_path) and the address their
 * List-Unsubscribe mailto names (unsubscribe; "" when none is
 * configured), each of ADDR_MAX + 1 bytes. 0, or -1 with err. */
int verp_reader(const struct verp *v, int64_t subscriber_id,
    char return_path[ADDR_MAX + 1], char unsubscribe[ADDR_MAX + 1],
    char *err);

#endif
