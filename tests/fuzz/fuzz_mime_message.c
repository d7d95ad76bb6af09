/*
 * fuzz_mime_message: whole messages built from fuzzed names, subject,
 * list id, URL and parts (the input split at NUL bytes). A message that
 * builds ends every line in CRLF, has no line over 998 octets, and its
 * header holds exactly the fields mime.h lists, each once, the rest of
 * its lines folded (starting with a space or tab): nothing in a value
 * starts a header line of its own; each part, QP or base64, decodes to
 * its input with line breaks as CRLF. A part that is not valid UTF-8 is
 * refused, never written.
 */
#include "buf.h"
#include "fuzz.h"
#include "mime.h"
#include "util.h"

#define FUZZ_MSG_MAX (8u << 20)
#define FUZZ_FIELDS 7

static const char *const fuzz_headers[] = {
	"From", "To", "Date", "Message-ID", "Subject", "List-Id",
	"List-Unsubscribe", "List-Unsubscribe-Post", "MIME-Version",
	"Content-Type", "Content-Transfer-Encoding",
};
#define FUZZ_NHEADERS (sizeof(fuzz_headers) / sizeof(fuzz_headers[0]))

/* Checks the line starting the header field at s (n bytes, no CRLF). */
static void
fuzz_header_line(const char *s, size_t n, int seen[FUZZ_NHEADERS])
{
	const char *colon = memchr(s, ':', n);
	size_t i, k;

	if (s[0] == ' ' || s[0] == '\t')
		return;
	FUZZ_CHECK(colon != NULL);
	k = (size_t)(colon - s);
	for (i = 0; i < FUZZ_NHEADERS; i++)
		if (strlen(fuzz_headers[i]) == k &&
		    memcmp(fuzz_headers[i], s, k) == 0)
			break;
	FUZZ_CHECK(i < FUZZ_NHEADERS);
	FUZZ_CHECK(seen[i]++ == 0);
}

static void
fuzz_message(const char *m, size_t n)
{
	int seen[FUZZ_NHEADERS] = { 0 }, in_header = 1;
	const char *p = m, *lf;
	size_t line;

	while (p < m + n) {
		lf = memchr(p, '\n', (size_t)(m + n - p));
		FUZZ_CHECK(lf != NULL && lf > p && lf[-1] == '\r');
		line = (size_t)(lf - 1 - p);
		FUZZ_CHECK(line <= 998);
		FUZZ_CHECK(memchr(p, '\r', line) == NULL);
		if (in_header && line == 0)
			in_header = 0;
		else if (in_header)
			fuzz_header_line(p, line, seen);
		p = lf + 1;
	}
	FUZZ_CHECK(!in_header);
	FUZZ_CHECK(seen[0] == 1 && seen[1] == 1 && seen[2] == 1 &&
	    seen[3] == 1 && seen[4] == 1 && seen[8] == 1);
}

static void
fuzz_qp_decode(const char *s, size_t n, struct buf *out)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] != '=') {
			FUZZ_CHECK(buf_putc(out, s[i]) == 0);
			continue;
		}
		FUZZ_CHECK(i + 2 < n);
		if (s[i + 1] == '\r' && s[i + 2] == '\n') {	/* soft break */
			i += 2;
			continue;
		}
		hi = fuzz_hex(s[i + 1]);
		lo = fuzz_hex(s[i + 2]);
		FUZZ_CHECK(hi >= 0 && lo >= 0);
		FUZZ_CHECK(buf_putc(out, (char)(hi << 4 | lo)) == 0);
		i += 2;
	}
}

/* The part of the given type decodes to its input, with each LF that
 * has no CR before it written as CRLF (mime.h: line breaks as CRLF). */
static void
fuzz_part(const char *m, size_t n, const char *type, const char *in,
    size_t in_len)
{
	struct buf head, got, want;
	const char *p, *body, *end;
	size_t i;
	int b64;

	buf_init(&head, 256);
	FUZZ_CHECK(buf_printf(&head, "\r\nContent-Type: %s; charset=\"utf-8\""
	    "\r\nContent-Transfer-Encoding: ", type) == 0);
	p = memmem(m, n, head.data, head.len);
	FUZZ_CHECK(p != NULL);
	p += head.len;
	b64 = (size_t)(m + n - p) >= 6 && memcmp(p, "base64", 6) == 0;
	body = memmem(p, (size_t)(m + n - p), "\r\n\r\n", 4);
	FUZZ_CHECK(body != NULL);
	body += 4;
	end = memmem(body, (size_t)(m + n - body), "\r\n--=_", 6);
	FUZZ_CHECK(end != NULL);
	buf_init(&got, FUZZ_MSG_MAX);
	buf_init(&want, FUZZ_MSG_MAX);
	if (b64)
		fuzz_b64_decode(body, (size_t)(end - body), &got);
	else
		fuzz_qp_decode(body, (size_t)(end - body), &got);
	for (i = 0; i < in_len; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			FUZZ_CHECK(buf_putc(&want, '\r') == 0);
		FUZZ_CHECK(buf_putc(&want, in[i]) == 0);
	}
	FUZZ_CHECK(got.len == want.len && (got.len == 0 ||
	    memcmp(got.data, want.data, got.len) == 0));
	buf_release(&head);
	buf_release(&got);
	buf_release(&want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *f[FUZZ_FIELDS] = { 0 }, *p, *end;
	size_t flen[FUZZ_FIELDS] = { 0 }, i;
	char *copy, err[ERR_LEN], id[MIME_MESSAGE_ID_MAX];
	struct mime_message m;
	struct buf out;
	int rc;

	copy = fuzz_cstr(data, size);
	for (i = 0, p = copy; i < FUZZ_FIELDS && p <= copy + size; i++) {
		end = memchr(p, '\0', (size_t)(copy + size - p) + 1);
		f[i] = p;
		flen[i] = (size_t)(end - p);
		p = end + 1;
	}
	memset(&m, 0, sizeof(m));
	m.from_name = f[0];
	m.from_addr = "news@example.org";
	m.to_name = f[1];
	m.to_addr = "reader@example.com";
	m.subject = f[2] != NULL ? f[2] : "";
	m.list_id = f[3];
	m.unsubscribe_url = f[4];
	m.unsubscribe_mailto = "mailto:unsubscribe@example.org";
	m.message_id_domain = "example.org";
	m.date = 1795000000;
	m.text = f[5] != NULL ? f[5] : "";
	m.text_len = flen[5];
	m.html = f[6] != NULL ? f[6] : "";
	m.html_len = flen[6];
	buf_init(&out, FUZZ_MSG_MAX);
	rc = mime_message_build(&m, &out, id, err);
	if (!utf8_valid(m.text, m.text_len) || !utf8_valid(m.html, m.html_len))
		FUZZ_CHECK(rc == -1);
	if (rc == 0) {
		fuzz_message(out.data, out.len);
		fuzz_part(out.data, out.len, "text/plain", m.text, m.text_len);
		fuzz_part(out.data, out.len, "text/html", m.html, m.html_len);
	}
	else
		FUZZ_CHECK(out.len == 0 && memchr(err, '\0', ERR_LEN) != NULL);
	buf_release(&out);
	free(copy);
	return 0;
}
