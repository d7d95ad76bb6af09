/*
 * fuzz_rows: the subscriber list reader of `digest subscribers import`
 * (subscribers/rows.h), CSV and JSON, with and without --column. Every
 * row it gives has an address that validates to itself, a name
 * store_name_check takes, a known status and consent entries with known
 * actions; every report names where it was; reading the same bytes
 * twice gives the same rows.
 */
#include "addr.h"
#include "fuzz.h"
#include "rows.h"
#include "util.h"

#define FUZZ_ROWS_MAX 256

static void
fuzz_rows_check(const struct rows_row *r)
{
	char again[ADDR_MAX + 1], err[ERR_LEN];
	size_t i;

	FUZZ_CHECK(r->s.email != NULL);
	FUZZ_CHECK(addr_from_text(r->s.email, strlen(r->s.email), again,
	    err) == 0 && strcmp(again, r->s.email) == 0);
	FUZZ_CHECK(r->s.name == NULL || store_name_check(r->s.name,
	    strlen(r->s.name), err) == 0);
	FUZZ_CHECK(r->s.status >= STORE_PENDING &&
	    r->s.status <= STORE_COMPLAINED);
	FUZZ_CHECK(r->s.ntags <= STORE_TAGS_MAX);
	for (i = 0; i < r->s.ntags; i++)
		FUZZ_CHECK(r->s.tags[i][0] != '\0' &&
		    fuzz_text_ok(r->s.tags[i]));
	for (i = 0; i < r->nconsent; i++) {
		FUZZ_CHECK(strcmp(store_action_name(r->consent[i].c.action),
		    "unknown") != 0);
		FUZZ_CHECK(r->consent[i].c.ip == r->consent[i].ip);
	}
}

/* Reads all of data: a summary of the rows in out (to compare two
 * runs); 0, or -1 when it cannot be read at all. */
static int
fuzz_rows_read(const char *data, size_t len, const struct rows_columns *cols,
    struct buf *out)
{
	char where[ROWS_WHERE_LEN], msg[ROWS_MSG_LEN];
	struct rows_row row;
	struct rows r;
	int rc, n = 0;

	if (rows_open(&r, data, len, cols, msg) == -1) {
		FUZZ_CHECK(strlen(msg) < ROWS_MSG_LEN);
		rows_close(&r);
		return -1;
	}
	do {
		rows_row_init(&row, STORE_CONFIRMED);
		rc = rows_next(&r, &row, where, msg);
		if (rc == 1) {
			fuzz_rows_check(&row);
			buf_printf(out, "%s|%s|%d|%zu|%zu\n", row.s.email,
			    row.s.name ? row.s.name : "-", (int)row.s.status,
			    row.s.ntags, row.nconsent);
		} else if (rc == -1) {
			FUZZ_CHECK(strncmp(where, r.json ? "index " : "line ",
			    r.json ? 6 : 5) == 0);
			buf_printf(out, "bad %s\n", where);
		}
		rows_row_release(&row);
	} while (rc != 0 && ++n < FUZZ_ROWS_MAX);
	rows_close(&r);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rows_columns cols;
	struct buf a, b;
	int r1, r2;

	if (size < 1)
		return 0;
	memset(&cols, 0, sizeof(cols));
	if (data[0] & 1) {
		cols.name[ROWS_EMAIL] = "E";
		cols.name[ROWS_TAGS] = "T";
	}
	buf_init(&a, 1u << 24);
	buf_init(&b, 1u << 24);
	r1 = fuzz_rows_read((const char *)data + 1, size - 1, data[0] & 1 ?
	    &cols : NULL, &a);
	r2 = fuzz_rows_read((const char *)data + 1, size - 1, data[0] & 1 ?
	    &cols : NULL, &b);
	FUZZ_CHECK(r1 == r2 && a.len == b.len && (a.len == 0 ||
	    memcmp(a.data, b.data, a.len) == 0));
	buf_release(&a);
	buf_release(&b);
	return 0;
}
