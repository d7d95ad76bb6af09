#include "verp.h"
#include "config.h"
#include "date.h"
#include "db.h"
#include "token.h"
#include "util.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#define VERP_VARINT_MAX 10	/* LEB128 of a 64-bit number */
#define VERP_RAW_MAX (2 * VERP_VARINT_MAX + VERP_MAC_BYTES)
#define VERP_DOMAIN "digest-verp-1"	/* signed first: this use only */
#define VERP_LOCAL_MAX 64

static const char verp_b32[] = "abcdefghijklmnopqrstuvwxyz234567";

/* ---- the key and the edition numbers -------------------------------- */

static int
verp_key_get(sqlite3 *db, struct verp_key *key, char *err)
{
	sqlite3_stmt *st;
	int rc, found = 0;

	st = db_prepare(db, "SELECT value FROM secret WHERE name = 'verp'",
	    err);
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == VERP_KEY_BYTES) {
		memcpy(key->k, sqlite3_column_blob(st, 0), VERP_KEY_BYTES);
		found = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(db, err, "reading the VERP key");
	return found;
}

/* INSERT OR IGNORE and read back: two processes making the key at once
 * both end up with the one that was stored. */
int
verp_key_load(sqlite3 *db, struct verp_key *key, char *err)
{
	unsigned char fresh[VERP_KEY_BYTES];
	sqlite3_stmt *st;
	int rc;

	if ((rc = verp_key_get(db, key, err)) != 0)
		return rc == 1 ? 0 : -1;
	if (token_random(fresh, sizeof(fresh), err) == -1)
		return -1;
	st = db_prepare(db, "INSERT OR IGNORE INTO secret (name, value, "
	    "created) VALUES ('verp', ?1, ?2)", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, fresh, sizeof(fresh), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, date_now());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	explicit_bzero(fresh, sizeof(fresh));
	if (rc != SQLITE_DONE)
		return db_err(db, err, "storing the VERP key");
	if ((rc = verp_key_get(db, key, err)) != 1)
		return rc == 0 ? util_err(err, "the VERP key was not stored") :
		    -1;
	return 0;
}

static int
verp_edition_get(sqlite3 *db, const char *edition, int64_t *n, char *err)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(db, "SELECT n FROM verp_edition WHERE edition_id = ?1",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, edition, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(db, err, "reading an edition's number");
	return rc == SQLITE_ROW;
}

int
verp_edition_number(sqlite3 *db, const char *edition, int create,
    int64_t *n, char *err)
{
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	if ((rc = verp_edition_get(db, edition, n, err)) != 0 || !create)
		return rc == -1 ? -1 : 0;
	st = db_prepare(db, "INSERT OR IGNORE INTO verp_edition (edition_id) "
	    "VALUES (?1)", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, edition, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(db, err, "numbering an edition");
	if ((rc = verp_edition_get(db, edition, n, err)) != 1)
		return rc == 0 ? util_err(err, "edition '%s' was not numbered",
		    edition) : -1;
	return 0;
}

int
verp_edition_id(sqlite3 *db, int64_t n, char *out, size_t size, char *err)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(db, "SELECT edition_id FROM verp_edition WHERE n = ?1",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, n);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(out, size, "%s", (const char *)sqlite3_column_text(st,
		    0));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(db, err, "reading an edition's number");
	return rc == SQLITE_ROW;
}

/* ---- tokens ---------------------------------------------------------- */

static size_t
verp_varint_put(uint64_t v, unsigned char *out)
{
	size_t n = 0;

	do {
		out[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v != 0)
			out[n] |= 0x80;
		n++;
	} while (v != 0);
	return n;
}

/* Reads a varint from [p, end): bytes used, or 0 when it is cut short,
 * too long or not in its shortest form (one number, one spelling). */
static size_t
verp_varint_get(const unsigned char *p, const unsigned char *end,
    uint64_t *v)
{
	size_t n = 0;
	int shift = 0;

	*v = 0;
	while (p + n < end && n < VERP_VARINT_MAX) {
		unsigned char b = p[n++];

		if (shift == 63 && (b & 0x7e) != 0)
			return 0;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			return (b == 0 && n > 1) ? 0 : n;
		shift += 7;
	}
	return 0;
}

static void
verp_mac(const struct verp_key *key, enum verp_kind kind,
    const unsigned char *payload, size_t len,
    unsigned char mac[VERP_MAC_BYTES])
{
	unsigned char msg[sizeof(VERP_DOMAIN) + 1 + VERP_RAW_MAX];
	unsigned char full[32];
	size_t n = sizeof(VERP_DOMAIN) - 1;

	memcpy(msg, VERP_DOMAIN, n);
	msg[n++] = (unsigned char)kind;
	memcpy(msg + n, payload, len);
	n += len;
	/* gnutls_hmac_fast fails only for an unknown algorithm. */
	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key->k, VERP_KEY_BYTES, msg, n,
	    full) < 0)
		memset(full, 0, sizeof(full));
	memcpy(mac, full, VERP_MAC_BYTES);
}

static size_t
verp_b32_encode(const unsigned char *raw, size_t n, char *out)
{
	size_t i, o = 0;
	unsigned acc = 0;
	int bits = 0;

	for (i = 0; i < n; i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = verp_b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = verp_b32[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return o;
}

static int
verp_b32_value(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

/* Decodes len characters into out (at most max bytes): the byte count,
 * or -1 for a character outside the alphabet, too much, or left-over
 * bits that are not zero. */
static long
verp_b32_decode(const char *s, size_t len, unsigned char *out, size_t max)
{
	size_t i, o = 0;
	unsigned acc = 0;
	int bits = 0, v;

	for (i = 0; i < len; i++) {
		if ((v = verp_b32_value(s[i])) < 0)
			return -1;
		acc = (acc << 5) | (unsigned)v;
		bits += 5;
		if (bits >= 8) {
			if (o == max)
				return -1;
			out[o++] = (unsigned char)(acc >> (bits - 8));
			bits -= 8;
		}
		acc &= 0xff;
	}
	if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
		return -1;
	return (long)o;
}

void
verp_token_make(const struct verp_key *key, enum verp_kind kind,
    int64_t edition_n, int64_t subscriber_id, char out[VERP_TOKEN_MAX + 1])
{
	unsigned char raw[VERP_RAW_MAX];
	size_t n;

	n = verp_varint_put((uint64_t)edition_n, raw);
	n += verp_varint_put((uint64_t)subscriber_id, raw + n);
	verp_mac(key, kind, raw, n, raw + n);
	verp_b32_encode(raw, n + VERP_MAC_BYTES, out);
}

int
verp_token_read(const struct verp_key *key, enum verp_kind kind,
    const char *token, size_t len, int64_t *edition_n,
    int64_t *subscriber_id)
{
	unsigned char raw[VERP_RAW_MAX], mac[VERP_MAC_BYTES], diff = 0;
	uint64_t e, s;
	size_t a, b, i;
	long n;

	if (len > VERP_TOKEN_MAX)
		return 0;
	n = verp_b32_decode(token, len, raw, sizeof(raw));
	if (n <= VERP_MAC_BYTES)
		return 0;
	a = verp_varint_get(raw, raw + n - VERP_MAC_BYTES, &e);
	if (a == 0)
		return 0;
	b = verp_varint_get(raw + a, raw + n - VERP_MAC_BYTES, &s);
	if (b == 0 || a + b + VERP_MAC_BYTES != (size_t)n ||
	    e > INT64_MAX || s > INT64_MAX)
		return 0;
	verp_mac(key, kind, raw, a + b, mac);
	for (i = 0; i < VERP_MAC_BYTES; i++)
		diff |= mac[i] ^ raw[a + b + i];
	if (diff != 0)
		return 0;
	*edition_n = (int64_t)e;
	*subscriber_id = (int64_t)s;
	return 1;
}

/* ---- addresses ------------------------------------------------------- */

int
verp_address(const char *base, const char *token, char *out, size_t size,
    char *err)
{
	const char *at = strrchr(base, '@');
	int n;

	if (at == NULL || at == base || at[1] == '\0')
		return util_err(err, "'%s' is not an address", base);
	if ((size_t)(at - base) + 1 + strlen(token) > VERP_LOCAL_MAX)
		return util_err(err, "'%s' leaves no room for a token: its "
		    "local part must be shorter than %d characters", base,
		    VERP_LOCAL_MAX - VERP_TOKEN_MAX);
	n = snprintf(out, size, "%.*s+%s%s", (int)(at - base), base, token,
	    at);
	if (n < 0 || (size_t)n >= size)
		return util_err(err, "'%s' is too long for a return address",
		    base);
	return 0;
}

/* A return path must itself be an address the world can mail. Its own
 * '+' would be taken for the start of the token. */
static int
verp_check_base(const char *key, const char *base, char *err)
{
	char norm[ADDR_MAX + 1], e[ERR_LEN];
	const char *at = strrchr(base, '@');

	if (addr_from_text(base, strlen(base), norm, e) == -1)
		return util_err(err, "%s '%s' is not a valid address: %s", key,
		    base, e);
	if (at != NULL && memchr(base, '+', (size_t)(at - base)) != NULL)
		return util_err(err, "%s '%s' must not hold a '+': the token "
		    "follows one", key, base);
	if (at != NULL && (size_t)(at - base) + 1 + VERP_TOKEN_MAX >
	    VERP_LOCAL_MAX)
		return util_err(err, "%s '%s' leaves no room for a token: its "
		    "local part must be shorter than %d characters", key,
		    base, VERP_LOCAL_MAX - VERP_TOKEN_MAX);
	return 0;
}

int
verp_open(struct verp *v, sqlite3 *db, const struct config *c,
    const char *edition, int create, char *err)
{
	memset(v, 0, sizeof(*v));
	v->return_path = c->return_path;
	v->from_address = c->from_address;
	v->unsubscribe = c->unsubscribe_mailto;
	if (*v->return_path == '\0')
		return 0;
	if (verp_check_base("return_path", v->return_path, err) == -1 ||
	    (*v->unsubscribe != '\0' && verp_check_base("unsubscribe_mailto",
	    v->unsubscribe, err) == -1))
		return -1;
	if (verp_key_load(db, &v->key, err) == -1)
		return -1;
	return verp_edition_number(db, edition, create, &v->edition_n, err);
}

int
verp_reader(const struct verp *v, int64_t subscriber_id,
    char return_path[ADDR_MAX + 1], char unsubscribe[ADDR_MAX + 1],
    char *err)
{
	char token[VERP_TOKEN_MAX + 1];

	if (*v->return_path == '\0') {
		snprintf(return_path, ADDR_MAX + 1, "%s", v->from_address);
		snprintf(unsubscribe, ADDR_MAX + 1, "%s", v->unsubscribe);
		return 0;
	}
	verp_token_make(&v->key, VERP_BOUNCE, v->edition_n, subscriber_id,
	    token);
	if (verp_address(v->return_path, token, return_path, ADDR_MAX + 1,
	    err) == -1)
		return -1;
	unsubscribe[0] = '\0';
	if (*v->unsubscribe == '\0')
		return 0;
	verp_token_make(&v->key, VERP_UNSUBSCRIBE, v->edition_n,
	    subscriber_id, token);
	return verp_address(v->unsubscribe, token, unsubscribe, ADDR_MAX + 1,
	    err);
}
