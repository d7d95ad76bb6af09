/*
 * Tests for digest/inbound.c: every message of tests/data/inbound (a
 * file NAME.eml and what it is, NAME.expect: "key<TAB>value" lines),
 * each as written (LF) and with CRLF lines as a server sends them; and
 * bad mail made here: 200 nested multiparts, a 50 MB attachment, cut
 * reports, bytes of every value.
 *
 * In an .expect, kind, why and severity are always checked; status,
 * action, recipient, diagnostic and feedback must be as given (absent:
 * empty); from and subject only when given; "token K TEXT [recipient]"
 * lines list every token found, in order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>

#include "buf.h"
#include "inbound.h"
#include "testutil.h"
#include "utf8.h"

static const struct inbound_addrs addrs = {
	"bounces@ledger.example.org", "unsubscribe@ledger.example.org",
};

/* One expected field against what was found. */
static void
check_field(const char *file, const char *key, const char *want,
    const char *got)
{
	if (strcmp(want, got) != 0)
		fail_msg("%s: %s: got '%s', want '%s'", file, key, got, want);
}

static void
check_expect(const char *file, char *expect, const struct inbound *in)
{
	const char *strict[][2] = {
		{ "status", in->status }, { "action", in->action },
		{ "recipient", in->recipient },
		{ "diagnostic", in->diagnostic },
		{ "feedback", in->feedback_type },
	};
	int seen[5] = { 0 }, lineno = 0;
	char *line, *tab, want[256];
	size_t i, ntok = 0;

	while ((line = tu_row(&expect, &lineno)) != NULL) {
		if ((tab = strchr(line, '\t')) == NULL)
			fail_msg("%s.expect:%d: no tab", file, lineno);
		*tab++ = '\0';
		if (strcmp(line, "kind") == 0) {
			check_field(file, line, tab, inbound_kind_name(in->kind));
		} else if (strcmp(line, "why") == 0) {
			check_field(file, line, tab, in->why);
		} else if (strcmp(line, "severity") == 0) {
			check_field(file, line, tab,
			    inbound_severity_name(in->severity));
		} else if (strcmp(line, "from") == 0) {
			check_field(file, line, tab, in->from);
		} else if (strcmp(line, "subject") == 0) {
			check_field(file, line, tab, in->subject);
		} else if (strcmp(line, "token") == 0) {
			if (ntok >= in->ntokens)
				fail_msg("%s: token '%s' not found", file, tab);
			snprintf(want, sizeof(want), "%c %s%s",
			    (char)in->tokens[ntok].kind, in->tokens[ntok].text,
			    in->tokens[ntok].in_recipient ? " recipient" : "");
			check_field(file, "token", tab, want);
			ntok++;
		} else {
			for (i = 0; i < 5; i++)
				if (strcmp(line, strict[i][0]) == 0)
					break;
			if (i == 5)
				fail_msg("%s.expect:%d: unknown key '%s'", file,
				    lineno, line);
			check_field(file, line, tab, strict[i][1]);
			seen[i] = 1;
		}
	}
	for (i = 0; i < 5; i++)
		if (!seen[i])
			check_field(file, strict[i][0], "", strict[i][1]);
	if (ntok != in->ntokens)
		fail_msg("%s: %zu tokens found, %zu expected (next: %s)", file,
		    in->ntokens, ntok, in->tokens[ntok].text);
}

/* s with every LF as CRLF; caller frees. */
static char *
to_crlf(const char *s, size_t n, size_t *outlen)
{
	char *out = xmalloc(2 * n + 1);
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = s[i];
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

static void
test_cases(void **state)
{
	char path[4608], *eml, *expect, *copy, *crlf;
	struct inbound *in = xmalloc(sizeof(*in));
	const char *dir = tu_data_path("inbound");
	struct dirent *de;
	size_t n, len, clen;
	int count = 0;
	DIR *d;

	(void)state;
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n > 7 && strcmp(de->d_name + n - 7, ".expect") == 0) {
			snprintf(path, sizeof(path), "%s/%.*s.eml", dir,
			    (int)(n - 7), de->d_name);
			if (access(path, F_OK) != 0)
				fail_msg("%s has no .eml", de->d_name);
			continue;
		}
		if (n < 5 || strcmp(de->d_name + n - 4, ".eml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		eml = tu_read(path, &len);
		snprintf(path, sizeof(path), "%s/%.*s.expect", dir,
		    (int)(n - 4), de->d_name);
		if (access(path, F_OK) != 0)
			fail_msg("%s has no .expect", de->d_name);
		expect = tu_read(path, NULL);
		inbound_classify(eml, len, &addrs, in);
		copy = xstrdup(expect);
		check_expect(de->d_name, copy, in);
		free(copy);
		crlf = to_crlf(eml, len, &clen);
		inbound_classify(crlf, clen, &addrs, in);
		check_expect(de->d_name, expect, in);
		free(crlf);
		free(expect);
		free(eml);
		count++;
	}
	closedir(d);
	free(in);
	assert_true(count >= 3);
}

/* A DSN at the bottom of depth nested multiparts, built in buf. */
static void
nested(struct buf *b, int depth)
{
	int i;

	buf_puts(b, "From: MAILER-DAEMON@mx.example.net\r\n"
	    "To: bounces+aaaaaaaaaaaaaaaaaaaaaa@ledger.example.org\r\n"
	    "Subject: Undelivered Mail\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n");
	for (i = 1; i <= depth; i++)
		buf_printf(b, "--b%d\r\nContent-Type: multipart/mixed; "
		    "boundary=\"b%d\"\r\n\r\n", i - 1, i);
	buf_printf(b, "--b%d\r\nContent-Type: message/delivery-status\r\n"
	    "\r\nFinal-Recipient: rfc822; x@example.net\r\nAction: failed\r\n"
	    "Status: 5.1.1\r\n\r\n--b%d--\r\n", depth, depth);
	for (i = depth; i >= 1; i--)
		buf_printf(b, "--b%d--\r\n", i - 1);
}

/* Deep nesting is mail like any other: read without a crash, and
 * within the bounds (libetpan's parser is quadratic in the depth: 15,000
 * levels would take it half a minute without the cut). A report nested
 * deeper than anyone writes one is not looked for. */
static void
test_nested(void **state)
{
	static const int depths[] = { 3, 200, 15000 };
	struct inbound in;
	struct buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
		buf_init(&b, 4u << 20);
		nested(&b, depths[i]);
		inbound_classify(b.data, b.len, &addrs, &in);
		if (depths[i] < 10) {
			assert_int_equal(in.kind, INBOUND_BOUNCE);
			assert_int_equal(in.severity, INBOUND_UNKNOWN_USER);
		} else {
			assert_int_equal(in.kind, INBOUND_OTHER);
			assert_int_equal(in.severity, INBOUND_NONE);
		}
		assert_int_equal(in.ntokens, 1);
		buf_release(&b);
	}
}

/* A DSN whose returned message carries a 50 MB attachment: only the
 * first INBOUND_MESSAGE_MAX bytes are read, and the report is there. */
static void
test_huge_attachment(void **state)
{
	size_t len, big = 50u << 20, n;
	char *eml = tu_read(tu_data_path("inbound/postfix-unknown-user.eml"),
	    &len), *msg, *end;
	struct inbound in;
	const char *tail = "--4F2A81C0.1795856414/mx.example.net--";

	(void)state;
	msg = xmalloc(len + big + 512);
	memcpy(msg, eml, len + 1);
	end = strstr(msg, tail);
	assert_non_null(end);
	n = (size_t)(end - msg);
	n += (size_t)snprintf(msg + n, 512, "--4F2A81C0.1795856414/mx.example.net\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Transfer-Encoding: base64\n\n");
	memset(msg + n, 'A', big);
	n += big;
	n += (size_t)snprintf(msg + n, 512, "\n%s\n", tail);
	inbound_classify(msg, n, &addrs, &in);
	assert_int_equal(in.kind, INBOUND_BOUNCE);
	assert_string_equal(in.status, "5.1.1");
	free(msg);
	free(eml);
}

/* Every cut of every case, and every case with a byte changed at many
 * places: never a crash (ASan and UBSan watch), every field valid
 * one-line UTF-8. */
static void
check_sane(const struct inbound *in)
{
	const char *fields[] = { in->status, in->action, in->recipient,
	    in->diagnostic, in->feedback_type, in->from, in->message_id,
	    in->subject };
	size_t i, k;

	assert_true(in->kind <= INBOUND_AUTOREPLY);
	assert_true(in->kind == INBOUND_BOUNCE ||
	    in->severity == INBOUND_NONE);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		for (k = 0; fields[i][k] != '\0'; k++)
			assert_true((unsigned char)fields[i][k] >= 0x20 &&
			    fields[i][k] != 0x7f);
		assert_true(utf8_valid(fields[i], strlen(fields[i])));
	}
}

static void
test_cut_and_flipped(void **state)
{
	static const char *const files[] = { "postfix-unknown-user.eml",
	    "microsoft-dsn.eml", "arf-abuse.eml", "exim-unknown-user.eml" };
	struct inbound in;
	char *eml;
	size_t f, i, len;

	(void)state;
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "inbound/%s", files[f]);
		eml = tu_read(tu_data_path(rel), &len);
		for (i = 0; i <= len; i += 3) {
			inbound_classify(eml, i, &addrs, &in);
			check_sane(&in);
		}
		for (i = 0; i < len; i += 5) {
			char was = eml[i];

			eml[i] = (char)(i % 2 ? 0 : 0xff);
			inbound_classify(eml, len, &addrs, &in);
			check_sane(&in);
			eml[i] = was;
		}
		free(eml);
	}
}

/* The severity of each Action and Status, as the policy needs it. */
static void
test_severity(void **state)
{
	(void)state;
	assert_int_equal(inbound_severity_of("failed", "5.1.1"),
	    INBOUND_UNKNOWN_USER);
	assert_int_equal(inbound_severity_of("failed", "5.1.10"),
	    INBOUND_UNKNOWN_USER);
	assert_int_equal(inbound_severity_of("failed", "5.1.2"),
	    INBOUND_UNKNOWN_USER);
	assert_int_equal(inbound_severity_of("failed", "5.7.1"),
	    INBOUND_HARD);
	assert_int_equal(inbound_severity_of("failed", "5.2.2"),
	    INBOUND_SOFT);
	assert_int_equal(inbound_severity_of("failed", "4.4.7"),
	    INBOUND_SOFT);
	assert_int_equal(inbound_severity_of("failed", ""), INBOUND_HARD);
	assert_int_equal(inbound_severity_of("delayed", "5.1.1"),
	    INBOUND_SOFT);
	assert_int_equal(inbound_severity_of("delivered", "2.0.0"),
	    INBOUND_NONE);
	assert_int_equal(inbound_severity_of("relayed", ""), INBOUND_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_huge_attachment),
		cmocka_unit_test(test_cut_and_flipped),
		cmocka_unit_test(test_severity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
