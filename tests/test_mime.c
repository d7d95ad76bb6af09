/*
 * test_mime: mime_header_encode and mime_message_build.
 *
 * Cases are data in tests/data/mime: headers.txt (values for the encoder,
 * and the subjects and display names of the built messages), refused.txt
 * (fields the builder must refuse, with the error), dates.txt (Date
 * values) and bodies/ (part texts; NAME.qp.txt or NAME.b64.txt says which
 * transfer encoding the text part must get). Each body is also sent with
 * CRLF line breaks, and generated bodies add long lines and random mixes.
 *
 * The encoder's output is read back by a strict RFC 2047 decoder written
 * here. Every built message is checked here (CRLF only, line lengths, the
 * exact header names, no trailing white space or unguarded "."/"From " in
 * the bodies) and, when /usr/bin/python3 is there, by tests/mime_check.py
 * with Python's email package, which must find no defect and decode every
 * value back to its input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"
#include "buf.h"
#include "mime.h"
#include "utf8.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <spawn.h>
#include <sys/wait.h>

#define PYTHON "/usr/bin/python3"
#define OUT_MAX (16u << 20)
#define MAX_BODIES 128
#define MAX_ROWS 256
#define RANDOM_BODIES 40

extern char **environ;

/* ---- Shared inputs, loaded once by the group setup ------------------ */

struct body {
	char name[64];
	char *data;	/* owned */
	size_t len;
	const char *cte;	/* the text part's transfer encoding, or NULL */
};

struct row {
	char *input;	/* owned; a NUL in the data ends it, as in C */
	char *decoded;	/* owned */
};

static struct body bodies[MAX_BODIES];
static int nbodies;
static struct row rows[MAX_ROWS];
static int nrows;
static char *header_table;	/* headers.txt, cut up in place */

static void
add_body(const char *name, const char *data, size_t len, const char *cte)
{
	struct body *b;

	if (nbodies == MAX_BODIES)
		fail_msg("more than %d bodies", MAX_BODIES);
	b = &bodies[nbodies++];
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->data = xmalloc(len + 1);
	memcpy(b->data, data, len);
	b->data[len] = '\0';
	b->len = len;
	b->cte = cte;
}

/* text with every LF (that is not already one) as CRLF; caller frees. */
static char *
to_crlf(const char *s, size_t n, size_t *len)
{
	char *out = xmalloc(2 * n + 1);
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = s[i];
	}
	out[o] = '\0';
	*len = o;
	return out;
}

/* CRLF as LF: how the decoded parts are compared; caller frees. */
static char *
to_lf(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t i, o = 0;

	for (i = 0; i < n; i++)
		if (!(s[i] == '\r' && i + 1 < n && s[i + 1] == '\n'))
			out[o++] = s[i];
	out[o] = '\0';
	return out;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct body *)a)->name,
	    ((const struct body *)b)->name);
}

/* tests/data/mime/bodies/NAME.{qp,b64}.txt, each also with CRLF. */
static void
load_body_files(void)
{
	DIR *d = opendir(tu_data_path("mime/bodies"));
	struct dirent *e;
	char path[4096], *data, *crlf, name[80];
	size_t len, n, first = (size_t)nbodies, count, i;
	const char *cte;

	if (d == NULL)
		fail_msg("cannot open %s", tu_data_path("mime/bodies"));
	while ((e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		if (n > 7 && strcmp(e->d_name + n - 7, ".qp.txt") == 0)
			cte = "quoted-printable";
		else if (n > 8 && strcmp(e->d_name + n - 8, ".b64.txt") == 0)
			cte = "base64";
		else
			continue;
		snprintf(path, sizeof(path), "%s", tu_data_path("mime/bodies"));
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s",
		    e->d_name);
		data = tu_read(path, &len);
		add_body(e->d_name, data, len, cte);
		free(data);
	}
	closedir(d);
	count = (size_t)nbodies - first;
	qsort(bodies + first, count, sizeof(bodies[0]), by_name);
	for (i = first; i < first + count; i++) {
		crlf = to_crlf(bodies[i].data, bodies[i].len, &len);
		snprintf(name, sizeof(name), "%s+crlf", bodies[i].name);
		add_body(name, crlf, len, bodies[i].cte);
		free(crlf);
	}
}

static void
add_repeated(struct buf *b, const char *piece, int times)
{
	while (times-- > 0)
		assert_int_equal(buf_puts(b, piece), 0);
}

/* Bodies no file holds comfortably: lines far over 998 octets, white
 * space at the ends of long lines, escapes everywhere, lone CRs. */
static void
load_generated_bodies(void)
{
	struct buf b;

	buf_init(&b, OUT_MAX);
	add_repeated(&b, "x", 2000);
	add_repeated(&b, "\n", 1);
	add_repeated(&b, "word ", 600);
	add_repeated(&b, "\n", 1);
	add_body("long-ascii", b.data, b.len, "quoted-printable");
	buf_truncate(&b, 0);
	add_repeated(&b, "é", 1500);
	add_body("long-utf8", b.data, b.len, "base64");
	buf_truncate(&b, 0);
	add_repeated(&b, "a", 1);
	add_repeated(&b, " ", 1500);
	add_repeated(&b, "\n", 1);
	add_repeated(&b, "\t", 1000);
	add_body("long-white-space", b.data, b.len, "quoted-printable");
	buf_truncate(&b, 0);
	add_repeated(&b, "=", 3000);
	add_body("all-equals", b.data, b.len, "base64");
	buf_truncate(&b, 0);
	add_repeated(&b, ".", 1200);
	add_repeated(&b, "\n.\n", 1);
	add_repeated(&b, "From ", 300);
	add_body("dots-and-from", b.data, b.len, "quoted-printable");
	buf_truncate(&b, 0);
	add_repeated(&b, "a\rb\r\n\rc\r\r\nd\r", 1);
	add_body("lone-cr", b.data, b.len, NULL);
	buf_release(&b);
}

/* Random mixes of what QP finds hard, from a fixed seed: white space
 * around line breaks and soft breaks, dots, "From ", '=', CRs, UTF-8. */
static void
load_random_bodies(void)
{
	static const char *pieces[] = {
		"word", "x", " ", "  ", "\t", " \t", "\n", "\r\n", "\r", ".",
		"..", "From ", "=", "=3D", "é", "日本", "🎉", "-- ", "?", "_",
		" \n", "\t\r\n", "=\n", "\xc2\xa0",
	};
	uint64_t seed = 0x9E3779B97F4A7C15ULL;
	struct buf b;
	char name[32];
	int i, n;

	buf_init(&b, OUT_MAX);
	for (i = 0; i < RANDOM_BODIES; i++) {
		buf_truncate(&b, 0);
		n = (int)(tu_rand32(&seed) % 1200);
		while (n-- > 0) {
			const char *p = pieces[tu_rand32(&seed) %
			    (sizeof(pieces) / sizeof(pieces[0]))];

			/* long runs now and then, to cross soft breaks */
			add_repeated(&b, p, tu_rand32(&seed) % 16 == 0 ?
			    (int)(tu_rand32(&seed) % 120) : 1);
		}
		snprintf(name, sizeof(name), "random-%02d", i);
		add_body(name, buf_cstr(&b), b.len, NULL);
	}
	buf_release(&b);
}

static int
load_header_rows(void)
{
	char *text, *row, *f[4];
	int lineno = 0, nf;

	header_table = tu_read(tu_data_path("mime/headers.txt"), NULL);
	text = header_table;
	while ((row = tu_row(&text, &lineno)) != NULL) {
		if (nrows == MAX_ROWS)
			fail_msg("headers.txt: more than %d rows", MAX_ROWS);
		nf = tu_fields(row, f, 4);
		if (nf < 2)
			fail_msg("headers.txt:%d: no decoded field", lineno);
		rows[nrows].input = xstrdup(f[0]);
		tu_unescape(rows[nrows].input);
		rows[nrows].decoded = xstrdup(strcmp(f[1], "=") == 0 ? f[0] :
		    f[1]);
		tu_unescape(rows[nrows].decoded);
		nrows++;
	}
	free(header_table);
	header_table = NULL;
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	load_body_files();
	load_generated_bodies();
	load_random_bodies();
	return load_header_rows();
}

static int
teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < nbodies; i++)
		free(bodies[i].data);
	for (i = 0; i < nrows; i++) {
		free(rows[i].input);
		free(rows[i].decoded);
	}
	return 0;
}

/* ---- A strict RFC 2047 reader ---------------------------------------- */

static int
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static int
b64_value(int c)
{
	const char *set =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c != '\0' ? strchr(set, c) : NULL;

	return p != NULL ? (int)(p - set) : -1;
}

/* Appends the text of the encoded word w (n chars) to out: 0, or -1 with
 * why. Only what the encoder promises passes: UTF-8, Q with the phrase
 * set and upper-case hex, B with padding, at most MIME_WORD_MAX chars. */
static int
word_decode(const char *w, size_t n, struct buf *out, const char **why)
{
	size_t i, start = out->len;
	int v[4], k;

	if (n > MIME_WORD_MAX || n > 75)
		return *why = "encoded word too long", -1;
	if (n < 13 || strncmp(w, "=?UTF-8?", 8) != 0 || w[9] != '?' ||
	    strncmp(w + n - 2, "?=", 2) != 0 || (w[8] != 'Q' && w[8] != 'B'))
		return *why = "malformed encoded word", -1;
	if (w[8] == 'Q') {
		for (i = 10; i < n - 2; i++) {
			unsigned char c = (unsigned char)w[i];

			if (c == '_')
				buf_putc(out, ' ');
			else if (c == '=' && i + 2 < n - 2 &&
			    strchr("0123456789ABCDEF", w[i + 1]) &&
			    strchr("0123456789ABCDEF", w[i + 2])) {
				buf_putc(out, (char)(tu_hexval(w[i + 1]) * 16 +
				    tu_hexval(w[i + 2])));
				i += 2;
			} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || strchr("!*+-/", c) != NULL)
				buf_putc(out, (char)c);
			else
				return *why = "bad Q character", -1;
		}
	} else {
		if ((n - 12) % 4 != 0)
			return *why = "B text not a multiple of 4", -1;
		for (i = 10; i < n - 2; i += 4) {
			for (k = 0; k < 4; k++)
				v[k] = b64_value(w[i + k]);
			/* "xx==" and "xxx=" only as the last group */
			if (v[0] < 0 || v[1] < 0 ||
			    (v[2] < 0 && (w[i + 2] != '=' || w[i + 3] != '=')) ||
			    (v[3] < 0 && w[i + 3] != '=') ||
			    (v[3] < 0 && i + 4 != n - 2))
				return *why = "bad B group", -1;
			buf_putc(out, (char)(v[0] << 2 | v[1] >> 4));
			if (v[2] >= 0)
				buf_putc(out, (char)((v[1] & 15) << 4 |
				    v[2] >> 2));
			if (v[3] >= 0)
				buf_putc(out, (char)((v[2] & 3) << 6 | v[3]));
		}
	}
	if (out->len == start)
		return *why = "empty encoded word", -1;
	if (!utf8_valid(out->data + start, out->len - start))
		return *why = "encoded word splits a UTF-8 character", -1;
	return 0;
}

/* Reads a header value back: tokens between single spaces, plain ones as
 * they are (short, printable, no "=?", atoms in a phrase), encoded ones
 * decoded, the space between two encoded words dropped (RFC 2047 6.2).
 * 0 with the value in out, or -1 with why. */
static int
header_decode(const char *v, int phrase, struct buf *out, const char **why)
{
	const char *t = v, *end;
	size_t n, i;
	int prev_ew = 0, ew;

	buf_truncate(out, 0);
	if (*v == '\0')
		return 0;
	while (1) {
		end = strchr(t, ' ');
		n = end != NULL ? (size_t)(end - t) : strlen(t);
		if (n == 0)
			return *why = "stray space", -1;
		ew = n >= 2 && t[0] == '=' && t[1] == '?';
		if (t != v && !(prev_ew && ew))
			buf_putc(out, ' ');
		if (ew && word_decode(t, n, out, why) == -1)
			return -1;
		if (!ew) {
			if (n > MIME_WORD_MAX)
				return *why = "plain word too long", -1;
			for (i = 0; i < n; i++)
				if ((unsigned char)t[i] < 0x21 ||
				    (unsigned char)t[i] > 0x7E ||
				    (phrase && !is_atext((unsigned char)t[i])) ||
				    (t[i] == '=' && i + 1 < n && t[i + 1] == '?'))
					return *why = "bad plain word", -1;
			buf_append(out, t, n);
		}
		prev_ew = ew;
		if (end == NULL)
			return 0;
		t = end + 1;
	}
}

/* Encodes value both ways and reads it back: the failures, printed. */
static int
check_encoding(const char *where, const char *value, const char *decoded,
    const char *exact[2])
{
	struct buf got;
	const char *why = NULL;
	char *enc, *again;
	int phrase, failures = 0;

	buf_init(&got, OUT_MAX);
	for (phrase = 0; phrase <= 1; phrase++) {
		enc = mime_header_encode(value, phrase);
		again = mime_header_encode(value, phrase);
		if (strcmp(enc, again) != 0) {
			print_error("%s: phrase %d: not the same twice\n", where,
			    phrase);
			failures++;
		}
		if (header_decode(enc, phrase, &got, &why) == -1) {
			print_error("%s: phrase %d: '%s': %s\n", where, phrase,
			    tu_show(enc, strlen(enc)), why);
			failures++;
		} else if (strcmp(buf_cstr(&got), decoded) != 0) {
			print_error("%s: phrase %d: '%s' reads back as '%s', "
			    "expected '%s'\n", where, phrase,
			    tu_show(enc, strlen(enc)),
			    tu_show(got.data, got.len),
			    tu_show(decoded, strlen(decoded)));
			failures++;
		}
		if (exact != NULL && exact[phrase] != NULL &&
		    strcmp(enc, exact[phrase]) != 0) {
			print_error("%s: phrase %d: '%s', expected '%s'\n", where,
			    phrase, tu_show(enc, strlen(enc)),
			    tu_show(exact[phrase], strlen(exact[phrase])));
			failures++;
		}
		free(enc);
		free(again);
	}
	buf_release(&got);
	return failures;
}

static int
check_header_row(char **f, int nf, int lineno)
{
	const char *exact[2] = { NULL, NULL };
	char where[64];
	int i;

	(void)nf;
	for (i = 0; i < 2; i++)
		if (f[2 + i] != NULL && strcmp(f[2 + i], "-") != 0) {
			tu_unescape(f[2 + i]);
			exact[i] = f[2 + i];
		}
	if (strcmp(f[1], "=") == 0)
		f[1] = f[0];
	tu_unescape(f[0]);
	if (f[1] != f[0])
		tu_unescape(f[1]);
	snprintf(where, sizeof(where), "headers.txt:%d", lineno);
	return check_encoding(where, f[0], f[1], exact);
}

static void
test_header_encode_table(void **state)
{
	(void)state;
	tu_table_run("mime/headers.txt", 4, check_header_row, 50);
}

/* What the encoder must read back as: controls as spaces, bad bytes as
 * U+FFFD. Caller frees. */
static char *
cleaned(const char *s)
{
	size_t n = strlen(s), i = 0, o = 0, k;
	char *out = xmalloc(3 * n + 1);
	uint32_t cp;

	while (i < n) {
		k = utf8_decode(s + i, n - i, &cp);
		if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
		    cp == 0x2028 || cp == 0x2029)
			out[o++] = ' ';
		else if (cp == UTF8_REPLACEMENT && k == 1)
			o += utf8_encode(UTF8_REPLACEMENT, out + o);
		else {
			memcpy(out + o, s + i, k);
			o += k;
		}
		i += k;
	}
	out[o] = '\0';
	return out;
}

static void
test_header_encode_random(void **state)
{
	static const char *pieces[] = {
		"a", "Zed", " ", "  ", "\t", "\r\n", "\x01", "\x7f", "é", "日",
		"🎉", "\xff", "\xc2\x85", "\xe2\x80\xa8", "=?", "?=", "_", "=",
		",", "\"", "<", "@", ".", "\\", "abcdefghijklmnopqrstuvwxyz",
		"\xe6\x97", "Ω",
	};
	uint64_t seed = 88172645463325252ULL;
	struct buf v;
	char where[32], *want;
	int i, n, failures = 0;

	(void)state;
	buf_init(&v, OUT_MAX);
	for (i = 0; i < 3000; i++) {
		buf_truncate(&v, 0);
		n = (int)(tu_rand32(&seed) % 60);
		while (n-- > 0)
			buf_puts(&v, pieces[tu_rand32(&seed) %
			    (sizeof(pieces) / sizeof(pieces[0]))]);
		want = cleaned(buf_cstr(&v));
		snprintf(where, sizeof(where), "random %d", i);
		failures += check_encoding(where, buf_cstr(&v), want, NULL);
		free(want);
	}
	buf_release(&v);
	if (failures != 0)
		fail_msg("%d failures in 3000 random values", failures);
}

/* ---- Built messages ----------------------------------------------- */

struct mcase {
	struct mime_message m;
	const char *from_name, *to_name, *subject;	/* as read back */
	const char *list_id;	/* the List-Id value as read back, or NULL */
	const char *text_cte;
	char to_addr[64];
	char *html;		/* owned */
};

static const char html_head[] = "<html><body>\n";
static const char html_tail[] = "</body></html>\n";

/* Message k: body and header row, and one of four header sets, so that
 * each body and each row is sent at least once. Release with
 * mcase_release. */
static void
mcase_make(int k, struct mcase *c)
{
	const struct body *b = &bodies[k < nbodies ? k : (k * 7) % nbodies];
	const struct row *r = &rows[k >= nbodies ? k - nbodies :
	    (k * 5) % nrows];
	size_t hl = strlen(html_head), tl = strlen(html_tail);

	memset(c, 0, sizeof(*c));
	snprintf(c->to_addr, sizeof(c->to_addr), "reader%d@example.com", k);
	c->html = xmalloc(hl + b->len + tl + 1);
	memcpy(c->html, html_head, hl);
	memcpy(c->html + hl, b->data, b->len);
	memcpy(c->html + hl + b->len, html_tail, tl + 1);
	c->m.from_name = k % 7 == 6 ? NULL : r->input;
	c->from_name = k % 7 == 6 ? "" : r->decoded;
	c->m.from_addr = "news@example.org";
	c->m.to_name = k % 5 == 4 ? NULL : r->input;
	c->to_name = k % 5 == 4 ? "" : r->decoded;
	c->m.to_addr = c->to_addr;
	c->m.subject = r->input;
	c->subject = r->decoded;
	c->m.message_id_domain = "mail.example.org";
	c->m.date = 1795867200 + (int64_t)k * 86407;
	c->m.text = b->data;
	c->m.text_len = b->len;
	c->m.html = c->html;
	c->m.html_len = hl + b->len + tl;
	c->text_cte = b->cte;
	switch (k % 4) {
	case 0:
		c->m.list_id = c->list_id = "The Digest <digest.example.org>";
		c->m.unsubscribe_url = "https://example.org/u/abc123";
		c->m.unsubscribe_mailto = "mailto:unsub@example.org?subject=u";
		break;
	case 1:
		c->m.unsubscribe_url = "https://example.org/u/def456";
		break;
	case 2:
		c->m.list_id = "Liste für Ärzte\r\nBcc: x <aerzte.example.org>";
		c->list_id = "Liste für Ärzte  Bcc: x <aerzte.example.org>";
		c->m.unsubscribe_mailto = "mailto:unsub@example.org";
		break;
	default:
		break;
	}
}

static void
mcase_release(struct mcase *c)
{
	free(c->html);
}

static int
ncases(void)
{
	return nbodies + nrows;
}

static void
build(const struct mime_message *m, struct buf *out,
    char id[MIME_MESSAGE_ID_MAX])
{
	char err[ERR_LEN];

	buf_init(out, OUT_MAX);
	if (mime_message_build(m, out, id, err) != 0)
		fail_msg("refused: %s", err);
}

/* The names of the top header block, "From,To,...", into out. */
static void
header_names(const char *msg, char *out, size_t size)
{
	const char *line = msg, *colon, *eol;
	size_t o = 0;

	out[0] = '\0';
	while ((eol = strstr(line, "\r\n")) != NULL && eol != line) {
		colon = memchr(line, ':', (size_t)(eol - line));
		if (line[0] != ' ' && line[0] != '\t' && o + 2 < size)
			o += (size_t)snprintf(out + o, size - o, "%s%.*s",
			    o > 0 ? "," : "", colon != NULL ?
			    (int)(colon - line) : (int)(eol - line), line);
		line = eol + 2;
	}
}

static void
expected_names(const struct mime_message *m, char *out, size_t size)
{
	snprintf(out, size, "From,To,Date,Message-ID,Subject%s%s%s,"
	    "MIME-Version,Content-Type", m->list_id ? ",List-Id" : "",
	    m->unsubscribe_url || m->unsubscribe_mailto ?
	    ",List-Unsubscribe" : "",
	    m->unsubscribe_url && strncmp(m->unsubscribe_url, "https://", 8) ==
	    0 ? ",List-Unsubscribe-Post" : "");
}

/* The checks that need no Python: the failures, printed. */
static int
check_raw(const char *what, const char *msg, size_t len,
    const struct mcase *c)
{
	char got[512], want[512], cte[64];
	const char *line = msg, *eol, *p;
	size_t i, n;
	int failures = 0, in_head = 1;

	for (i = 0; i < len; i++)
		if ((msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r')) ||
		    (msg[i] == '\r' && (i + 1 == len || msg[i + 1] != '\n'))) {
			print_error("%s: bare CR or LF at %zu\n", what, i);
			return 1;
		}
	if (len < 2 || memcmp(msg + len - 2, "\r\n", 2) != 0) {
		print_error("%s: no final CRLF\n", what);
		failures++;
	}
	for (; line < msg + len; line = eol + 2) {
		eol = strstr(line, "\r\n");
		n = (size_t)(eol - line);
		/* headers fold at 78; QP and base64 lines, boundaries and
		 * part headers are at most 76 */
		if (n > (in_head ? 78u : 76u)) {
			print_error("%s: line of %zu octets: '%s'\n", what, n,
			    tu_show(line, n));
			failures++;
		}
		if (n == 0)
			in_head = 0;
		else if (!in_head && (line[n - 1] == ' ' ||
		    line[n - 1] == '\t' || line[0] == '.' ||
		    strncmp(line, "From ", 5) == 0)) {
			print_error("%s: body line '%s'\n", what,
			    tu_show(line, n));
			failures++;
		}
	}
	header_names(msg, got, sizeof(got));
	expected_names(&c->m, want, sizeof(want));
	if (strcmp(got, want) != 0) {
		print_error("%s: headers %s, expected %s\n", what, got, want);
		failures++;
	}
	p = strstr(msg, "\r\n\r\n--=_");
	p = p != NULL ? strstr(p, "Content-Transfer-Encoding: ") : NULL;
	if (c->text_cte != NULL && (p == NULL ||
	    sscanf(p, "Content-Transfer-Encoding: %63[a-z0-9-]", cte) != 1 ||
	    strcmp(cte, c->text_cte) != 0)) {
		print_error("%s: text part is not %s\n", what, c->text_cte);
		failures++;
	}
	return failures;
}

static void
test_messages_raw(void **state)
{
	struct mcase c;
	struct buf out;
	char id[MIME_MESSAGE_ID_MAX], what[64];
	int k, failures = 0;

	(void)state;
	for (k = 0; k < ncases(); k++) {
		mcase_make(k, &c);
		build(&c.m, &out, id);
		snprintf(what, sizeof(what), "message %d", k);
		failures += check_raw(what, out.data, out.len, &c);
		buf_release(&out);
		mcase_release(&c);
	}
	print_message("%d messages\n", ncases());
	if (failures != 0)
		fail_msg("%d failures", failures);
}

static void
json_put(json_t *o, const char *key, const char *value)
{
	json_t *v = value != NULL ? json_string(value) : json_null();

	if (v == NULL)
		fail_msg("%s: not UTF-8: '%s'", key,
		    tu_show(value, strlen(value)));
	json_object_set_new(o, key, v);
}

/* Writes dir/N.eml and dir/N.json, the inputs as they must read back. */
static void
write_case(const char *dir, int k, const struct mcase *c, const char *id,
    const struct buf *msg)
{
	char path[4200];
	json_t *o = json_object();
	char *text = to_lf(c->m.text, c->m.text_len);
	char *html = to_lf(c->m.html, c->m.html_len);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%03d.eml", dir, k);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(msg->data, 1, msg->len, f) != msg->len || fclose(f) != 0)
		fail_msg("cannot write %s", path);
	json_put(o, "from_name", c->from_name);
	json_put(o, "from_addr", c->m.from_addr);
	json_put(o, "to_name", c->to_name);
	json_put(o, "to_addr", c->m.to_addr);
	json_put(o, "subject", c->subject);
	json_object_set_new(o, "date", json_integer(c->m.date));
	json_put(o, "message_id", id);
	json_put(o, "domain", c->m.message_id_domain);
	json_put(o, "list_id", c->list_id);
	json_put(o, "unsubscribe_url", c->m.unsubscribe_url);
	json_put(o, "unsubscribe_mailto", c->m.unsubscribe_mailto);
	json_put(o, "text", text);
	json_put(o, "html", html);
	json_put(o, "text_cte", c->text_cte);
	snprintf(path, sizeof(path), "%s/%03d.json", dir, k);
	if (json_dump_file(o, path, JSON_COMPACT) != 0)
		fail_msg("cannot write %s", path);
	json_decref(o);
	free(text);
	free(html);
}

/* Runs tests/mime_check.py over dir: its exit status. */
static int
run_checker(const char *dir, int count)
{
	char script[4096], n[16];
	char *argv[] = { PYTHON, script, (char *)dir, n, NULL };
	pid_t pid;
	int status;

	snprintf(script, sizeof(script), "%s/mime_check.py", tu_tests_dir());
	snprintf(n, sizeof(n), "%d", count);
	fflush(stdout);
	fflush(stderr);
	if (posix_spawn(&pid, PYTHON, NULL, NULL, argv, environ) != 0)
		fail_msg("cannot run %s", PYTHON);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			fail_msg("waitpid: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
remove_cases(const char *dir, int count)
{
	char path[4200];
	int k;

	for (k = 0; k < count; k++) {
		snprintf(path, sizeof(path), "%s/%03d.eml", dir, k);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%03d.json", dir, k);
		unlink(path);
	}
	rmdir(dir);
}

static void
test_messages_parse_back(void **state)
{
	char dir[4096], id[MIME_MESSAGE_ID_MAX];
	struct mcase c;
	struct buf out;
	int k, rc;

	(void)state;
	if (access(PYTHON, X_OK) != 0) {
		print_message("skip: %s not found\n", PYTHON);
		skip();
	}
	snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
	for (k = 0; k < ncases(); k++) {
		mcase_make(k, &c);
		build(&c.m, &out, id);
		write_case(dir, k, &c, id, &out);
		buf_release(&out);
		mcase_release(&c);
	}
	rc = run_checker(dir, ncases());
	if (rc != 0)
		fail_msg("mime_check.py exited %d; messages left in %s", rc,
		    dir);
	remove_cases(dir, ncases());
}

/* ---- Refusals ------------------------------------------------------- */

static struct mime_message
sample(void)
{
	struct mime_message m = {
		.from_name = "The Digest",
		.from_addr = "news@example.org",
		.to_name = "Ann Reader",
		.to_addr = "ann@example.com",
		.subject = "Weekly digest",
		.list_id = "The Digest <digest.example.org>",
		.unsubscribe_url = "https://example.org/u/abc123",
		.unsubscribe_mailto = "mailto:unsub@example.org",
		.message_id_domain = "example.org",
		.date = 1795867200,
		.text = "Hello\n",
		.text_len = 6,
		.html = "<p>Hello</p>\n",
		.html_len = 13,
	};

	return m;
}

/* 1 when m is refused with exactly want, and out is left as it was. */
static int
refused(const struct mime_message *m, const char *want, const char *where)
{
	struct buf out;
	char err[ERR_LEN] = "", id[MIME_MESSAGE_ID_MAX] = "unchanged";
	int rc, ok;

	buf_init(&out, OUT_MAX);
	buf_puts(&out, "before");
	rc = mime_message_build(m, &out, id, err);
	ok = rc == -1 && strcmp(err, want) == 0 &&
	    strcmp(buf_cstr(&out), "before") == 0 &&
	    strcmp(id, "unchanged") == 0;
	if (!ok)
		print_error("%s: rc %d, err \"%s\", expected \"%s\"\n", where, rc,
		    err, want);
	buf_release(&out);
	return ok;
}

static int
check_refused_row(char **f, int nf, int lineno)
{
	struct mime_message m = sample();
	char where[64];

	if (nf < 3) {
		print_error("refused.txt:%d: fewer than 3 fields\n", lineno);
		return 1;
	}
	tu_unescape(f[1]);
	if (strcmp(f[0], "from_addr") == 0)
		m.from_addr = f[1];
	else if (strcmp(f[0], "to_addr") == 0)
		m.to_addr = f[1];
	else if (strcmp(f[0], "unsubscribe_url") == 0)
		m.unsubscribe_url = f[1];
	else if (strcmp(f[0], "unsubscribe_mailto") == 0)
		m.unsubscribe_mailto = f[1];
	else if (strcmp(f[0], "message_id_domain") == 0)
		m.message_id_domain = f[1];
	else if (strcmp(f[0], "list_id") == 0)
		m.list_id = f[1];
	else {
		print_error("refused.txt:%d: no field '%s'\n", lineno, f[0]);
		return 1;
	}
	snprintf(where, sizeof(where), "refused.txt:%d", lineno);
	return !refused(&m, f[2], where);
}

static void
test_refused_table(void **state)
{
	(void)state;
	tu_table_run("mime/refused.txt", 3, check_refused_row, 40);
}

static void
test_refused_other(void **state)
{
	struct mime_message m;
	char longer[1200], want[ERR_LEN];

	(void)state;
	m = sample();
	m.text = "ab\0cd";
	m.text_len = 5;
	assert_true(refused(&m, "text part holds a NUL byte at offset 2",
	    "NUL"));
	m = sample();
	m.html = "<p>caf\xe9</p>";
	m.html_len = strlen(m.html);
	assert_true(refused(&m, "html part is not valid UTF-8 at offset 6",
	    "latin-1"));
	m = sample();
	m.text = NULL;
	m.text_len = 3;
	assert_true(refused(&m, "text part is NULL with 3 bytes", "NULL"));
	m = sample();
	m.subject = NULL;
	assert_true(refused(&m, "subject is missing", "subject"));
	m = sample();
	m.from_addr = NULL;
	assert_true(refused(&m, "from address is missing", "from"));
	/* too long: shown cut at 80 characters */
	m = sample();
	memset(longer, 'a', 250);
	memcpy(longer + 250, "@b.cd", 6);
	m.to_addr = longer;
	snprintf(want, sizeof(want), "to address '%.80s...' is longer than "
	    "254 bytes", longer);
	assert_true(refused(&m, want, "long address"));
	m = sample();
	memcpy(longer, "https://e.org/", 14);
	memset(longer + 14, 'u', 900);
	longer[914] = '\0';
	m.unsubscribe_url = longer;
	snprintf(want, sizeof(want), "unsubscribe url '%.80s...' is longer "
	    "than 900 bytes", longer);
	assert_true(refused(&m, want, "long url"));
	m = sample();
	memset(longer, 'd', 219);
	longer[219] = '\0';
	m.message_id_domain = longer;
	snprintf(want, sizeof(want), "message id domain '%.80s...' is longer "
	    "than 218 bytes", longer);
	assert_true(refused(&m, want, "long domain"));
}

/* An address with 254 bytes and a domain of 218 still pass. */
static void
test_accepted_limits(void **state)
{
	struct mime_message m = sample();
	char addr[255], domain[219], id[MIME_MESSAGE_ID_MAX];
	struct buf out;

	(void)state;
	memset(addr, 'a', 249);
	memcpy(addr + 249, "@b.cd", 6);
	memset(domain, 'd', 218);
	domain[218] = '\0';
	m.to_addr = addr;
	m.message_id_domain = domain;
	build(&m, &out, id);
	assert_int_equal(strlen(id), 36 + 1 + 218);
	assert_non_null(strstr(out.data, addr));
	buf_release(&out);
}

/* ---- Headers written here ------------------------------------------- */

/* The unfolded value of header name in msg; static storage. */
static const char *
header_value(const char *msg, const char *name)
{
	static char v[4096];
	const char *p = msg, *eol;
	size_t n = strlen(name), o = 0;

	while (strncmp(p, name, n) != 0 || p[n] != ':') {
		if ((p = strstr(p, "\r\n")) == NULL || p[2] == '\r')
			return NULL;
		p += 2;
	}
	p += n + 1;
	do {
		eol = strstr(p, "\r\n");
		while (p < eol && o + 1 < sizeof(v))
			v[o++] = *p++;
		p = eol + 2;
	} while (*p == ' ' || *p == '\t');
	v[o] = '\0';
	return v[0] == ' ' ? v + 1 : v;
}

/* RFC 6532: a UTF-8 address stands in To: as it is, whole, between the
 * brackets, with an encoded display name before it. */
static void
test_utf8_address(void **state)
{
	struct mime_message m = sample();
	char id[MIME_MESSAGE_ID_MAX];
	const char *to;
	struct buf out;

	(void)state;
	m.to_name = "Zo\xc3\xab";
	m.to_addr = "zo\xc3\xab.m\xc3\xbcller@example.com";
	build(&m, &out, id);
	to = header_value(out.data, "To");
	assert_non_null(to);
	assert_string_equal(to, "=?UTF-8?Q?Zo=C3=AB?= "
	    "<zo\xc3\xab.m\xc3\xbcller@example.com>");
	buf_release(&out);
}

static int
check_date_row(char **f, int nf, int lineno)
{
	struct mime_message m = sample();
	struct buf out;
	char err[ERR_LEN], want[64];
	long long t;
	int rc, failures = 0;
	const char *got;

	if (nf < 2 || util_parse_long(f[0], INT64_MIN, INT64_MAX, &t) == -1) {
		print_error("dates.txt:%d: bad row\n", lineno);
		return 1;
	}
	m.date = t;
	buf_init(&out, OUT_MAX);
	rc = mime_message_build(&m, &out, NULL, err);
	if (strcmp(f[1], "reject") == 0) {
		snprintf(want, sizeof(want), "date %lld is out of range", t);
		if (rc != -1 || strcmp(err, want) != 0) {
			print_error("dates.txt:%d: %lld accepted\n", lineno, t);
			failures++;
		}
	} else if (rc != 0) {
		print_error("dates.txt:%d: %lld refused: %s\n", lineno, t, err);
		failures++;
	} else if ((got = header_value(out.data, "Date")) == NULL ||
	    strcmp(got, f[1]) != 0) {
		print_error("dates.txt:%d: Date '%s', expected '%s'\n", lineno,
		    got ? got : "(none)", f[1]);
		failures++;
	}
	buf_release(&out);
	return failures;
}

static void
test_dates_table(void **state)
{
	(void)state;
	tu_table_run("mime/dates.txt", 2, check_date_row, 10);
}

static int
is_uuid4(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-4xxx-Yxxx-xxxxxxxxxxxx";
	size_t i;

	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'x' ? strchr("0123456789abcdef", s[i]) == NULL ||
		    s[i] == '\0' : shape[i] == 'Y' ? strchr("89ab", s[i]) ==
		    NULL || s[i] == '\0' : s[i] != shape[i])
			return 0;
	}
	return 1;
}

static void
test_message_id(void **state)
{
	struct mime_message m = sample();
	char id1[MIME_MESSAGE_ID_MAX], id2[MIME_MESSAGE_ID_MAX], want[300];
	struct buf a, b;

	(void)state;
	build(&m, &a, id1);
	build(&m, &b, id2);
	assert_true(is_uuid4(id1));
	assert_string_equal(id1 + 36, "@example.org");
	assert_string_not_equal(id1, id2);
	snprintf(want, sizeof(want), "<%s>", id1);
	assert_string_equal(header_value(a.data, "Message-ID"), want);
	/* the boundary: "=_" and the same uuid */
	snprintf(want, sizeof(want), "\r\n--=_%.36s\r\n", id1);
	assert_non_null(strstr(a.data, want));
	snprintf(want, sizeof(want), "\r\n--=_%.36s--\r\n", id1);
	assert_non_null(strstr(a.data, want));
	/* libetpan's own Message-ID and boundary leak the host name */
	assert_null(strstr(a.data, "etPan"));
	buf_release(&a);
	buf_release(&b);
}

static void
test_list_headers(void **state)
{
	struct mime_message m = sample();
	struct buf out;

	(void)state;
	build(&m, &out, NULL);
	assert_string_equal(header_value(out.data, "From"),
	    "The Digest <news@example.org>");
	assert_string_equal(header_value(out.data, "To"),
	    "Ann Reader <ann@example.com>");
	assert_string_equal(header_value(out.data, "List-Id"),
	    "The Digest <digest.example.org>");
	assert_string_equal(header_value(out.data, "List-Unsubscribe"),
	    "<https://example.org/u/abc123>, <mailto:unsub@example.org>");
	assert_string_equal(header_value(out.data, "List-Unsubscribe-Post"),
	    "List-Unsubscribe=One-Click");
	assert_string_equal(header_value(out.data, "MIME-Version"), "1.0");
	buf_release(&out);

	/* An http link (a server tried out locally): listed, but no
	 * one-click, which RFC 8058 allows over https only. */
	m.unsubscribe_url = "http://127.0.0.1:8080/unsubscribe?token=abc";
	build(&m, &out, NULL);
	assert_string_equal(header_value(out.data, "List-Unsubscribe"),
	    "<http://127.0.0.1:8080/unsubscribe?token=abc>, "
	    "<mailto:unsub@example.org>");
	assert_null(header_value(out.data, "List-Unsubscribe-Post"));
	buf_release(&out);

	m.unsubscribe_url = NULL;
	m.list_id = "digest.example.org";
	m.from_name = NULL;
	build(&m, &out, NULL);
	assert_string_equal(header_value(out.data, "From"),
	    "news@example.org");
	assert_string_equal(header_value(out.data, "List-Id"),
	    "<digest.example.org>");
	assert_string_equal(header_value(out.data, "List-Unsubscribe"),
	    "<mailto:unsub@example.org>");
	assert_null(header_value(out.data, "List-Unsubscribe-Post"));
	buf_release(&out);

	m.unsubscribe_mailto = NULL;
	m.list_id = NULL;
	build(&m, &out, NULL);
	assert_null(header_value(out.data, "List-Unsubscribe"));
	assert_null(header_value(out.data, "List-Id"));
	/* A digest a reader asked for is no auto-generated mail... */
	assert_null(header_value(out.data, "Auto-Submitted"));
	buf_release(&out);

	/* ...a confirmation is (RFC 3834). */
	m.auto_generated = 1;
	build(&m, &out, NULL);
	assert_string_equal(header_value(out.data, "Auto-Submitted"),
	    "auto-generated");
	buf_release(&out);
}

/* ---- Bodies as written -------------------------------------------- */

/* The encoded text part of msg; static storage. */
static const char *
text_part(const char *msg, const char *cte)
{
	static char part[8192];
	char head[128];
	const char *p, *end;

	snprintf(head, sizeof(head), "Content-Type: text/plain; "
	    "charset=\"utf-8\"\r\nContent-Transfer-Encoding: %s\r\n\r\n", cte);
	if ((p = strstr(msg, head)) == NULL)
		fail_msg("no text/plain part in %s", cte);
	p += strlen(head);
	end = strstr(p, "\r\n--=_");
	if (end == NULL || (size_t)(end - p) >= sizeof(part))
		fail_msg("text part not closed");
	memcpy(part, p, (size_t)(end - p));
	part[end - p] = '\0';
	return part;
}

static void
expect_qp(const char *text, const char *want)
{
	struct mime_message m = sample();
	struct buf out;

	m.text = text;
	m.text_len = strlen(text);
	build(&m, &out, NULL);
	assert_string_equal(text_part(out.data, "quoted-printable"), want);
	buf_release(&out);
}

static void
test_qp_exact(void **state)
{
	char in[512], want[512];

	(void)state;
	/* white space before a break, dots and From at a line's start */
	expect_qp("a \nb\t\n  \n.c\nFrom d\nFrom\n=\nend ",
	    "a=20\r\nb=09\r\n =20\r\n=2Ec\r\n=46rom d\r\nFrom\r\n=3D\r\nend=20");
	/* soft breaks: 75 characters and "=", or 76 on a line's last */
	memset(in, 'x', 80);
	memcpy(in + 80, "\n", 2);
	memset(want, 'x', 75);
	memcpy(want + 75, "=\r\nxxxxx\r\n", 11);
	expect_qp(in, want);
	memset(in, 'x', 76);
	memcpy(in + 76, "\n", 2);
	memset(want, 'x', 76);
	memcpy(want + 76, "\r\n", 3);
	expect_qp(in, want);
	/* an escape is never split; a guarded start after a soft break */
	memset(in, 'x', 74);
	memcpy(in + 74, " \n", 3);
	memset(want, 'x', 74);
	memcpy(want + 74, "=\r\n=20\r\n", 9);
	expect_qp(in, want);
	memset(in, 'x', 75);
	memcpy(in + 75, ".y", 3);
	memset(want, 'x', 75);
	memcpy(want + 75, "=\r\n=2Ey", 8);
	expect_qp(in, want);
	/* CRLF input, a lone CR */
	expect_qp("a\r\nb\rc\r\n", "a\r\nb=0Dc\r\n");
	/* and the empty text */
	expect_qp("", "");
}

static void
test_base64_canonical(void **state)
{
	struct mime_message m = sample();
	struct buf out;

	(void)state;
	/* LF becomes CRLF before base64: "Жж\r\nЖж\r\n" */
	m.text = "Жж\nЖж\r\n";
	m.text_len = strlen(m.text);
	build(&m, &out, NULL);
	assert_string_equal(text_part(out.data, "base64"),
	    "0JbQtg0K0JbQtg0K\r\n");
	buf_release(&out);
}

/* ---- The output buffer ----------------------------------------------- */

static void
test_output_max(void **state)
{
	struct mime_message m = sample();
	struct buf out;
	char err[ERR_LEN];
	size_t full;

	(void)state;
	build(&m, &out, NULL);
	full = out.len;
	buf_release(&out);
	buf_init(&out, full + 5);
	buf_puts(&out, "keep:");
	assert_int_equal(mime_message_build(&m, &out, NULL, err), 0);
	assert_int_equal(out.len, full + 5);
	assert_memory_equal(out.data, "keep:From: ", 11);
	buf_release(&out);
	buf_init(&out, full + 4);
	buf_puts(&out, "keep:");
	assert_int_equal(mime_message_build(&m, &out, NULL, err), -1);
	assert_string_equal(buf_cstr(&out), "keep:");
	assert_non_null(strstr(err, "exceeds the output maximum"));
	buf_release(&out);
}

/* ---- Exact bytes ---------------------------------------------------- */

/* msg with the uuid of id (its first 36 characters) as "<UUID>", into
 * out. */
static void
blank_uuid(const char *msg, const char *id, struct buf *out)
{
	const char *p = msg, *q;
	char uuid[37];

	memcpy(uuid, id, 36);
	uuid[36] = '\0';
	buf_init(out, OUT_MAX);
	while ((q = strstr(p, uuid)) != NULL) {
		assert_int_equal(buf_append(out, p, (size_t)(q - p)), 0);
		assert_int_equal(buf_puts(out, "<UUID>"), 0);
		p = q + 36;
	}
	assert_int_equal(buf_puts(out, p), 0);
}

static void
expect_bytes(const struct mime_message *m, const char *want,
    const char *where)
{
	struct buf out, got;
	char id[MIME_MESSAGE_ID_MAX];

	build(m, &out, id);
	blank_uuid(out.data, id, &got);
	if (strcmp(buf_cstr(&got), want) != 0)
		fail_msg("%s: got\n%s\nexpected\n%s", where, buf_cstr(&got),
		    want);
	buf_release(&got);
	buf_release(&out);
}

/*
 * Whole messages, byte for byte but for the uuid: what the libetpan tree
 * (mailmime_write_mem) wrote before the message was written directly,
 * so the folding of every header field (libetpan's), the MIME framing
 * and the part headers stay as they were. The folded case folds From, To,
 * Subject, List-Id and List-Unsubscribe, and has a base64 part.
 */
static void
test_exact_bytes(void **state)
{
	struct mime_message m = sample();

	(void)state;
	expect_bytes(&m,
	    "From: The Digest <news@example.org>\r\n"
	    "To: Ann Reader <ann@example.com>\r\n"
	    "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n"
	    "Message-ID: <<UUID>@example.org>\r\n"
	    "Subject: Weekly digest\r\n"
	    "List-Id: The Digest <digest.example.org>\r\n"
	    "List-Unsubscribe: <https://example.org/u/abc123>,\r\n"
	    " <mailto:unsub@example.org>\r\n"
	    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/alternative; \r\n"
	    " boundary=\"=_<UUID>\"\r\n"
	    "\r\n"
	    "--=_<UUID>\r\n"
	    "Content-Type: text/plain; charset=\"utf-8\"\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n"
	    "Hello\r\n"
	    "\r\n"
	    "--=_<UUID>\r\n"
	    "Content-Type: text/html; charset=\"utf-8\"\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n"
	    "<p>Hello</p>\r\n"
	    "\r\n"
	    "--=_<UUID>--\r\n", "sample");
	m.from_name = "Dr. J\xc3\xbcrgen M\xc3\xbcller-L\xc3\xbc" "denscheidt, "
	    "Abteilung f\xc3\xbcr \xc3\x96" "ffentlichkeitsarbeit und "
	    "Kommunikation";
	m.to_name = "Ann \"Annie\" O'Reader (Redaktion), Z\xc3\xbcrich";
	m.to_addr = "a.very.long.local.part.for.folding.tests@"
	    "subdomain.example.com";
	m.subject = "Die Woche: \xc3\x84rzte, \xc3\x96" "fen und \xc3\x9c"
	    "bermut \xe2\x80\x94 a subject long enough to be folded by "
	    "libetpan more than once, surely";
	m.list_id = "Liste f\xc3\xbcr \xc3\x84rzte und Zahn\xc3\xa4rzte in der "
	    "Region <aerzte.region.example.org>";
	m.unsubscribe_url = "https://example.org/unsubscribe/0123456789abcdef"
	    "?list=aerzte";
	m.unsubscribe_mailto = "mailto:unsubscribe@example.org?subject="
	    "unsubscribe";
	m.message_id_domain = "mail.example.org";
	m.text = "Guten Tag,\n\ndie W\xc3\xb6" "che in K\xc3\xbcrze.\n";
	m.text_len = strlen(m.text);
	m.html = "<p>\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82</p>\n";
	m.html_len = strlen(m.html);
	expect_bytes(&m,
	    "From: =?UTF-8?B?RHIuIErDvHJnZW4gTcO8bGxlci1Mw7xkZW5zY2hlaWR0LA==?=\r\n"
	    " Abteilung =?UTF-8?Q?f=C3=BCr_=C3=96ffentlichkeitsarbeit?= und\r\n"
	    " Kommunikation <news@example.org>\r\n"
	    "To: Ann =?UTF-8?Q?=22Annie=22?= O'Reader\r\n"
	    " =?UTF-8?B?KFJlZGFrdGlvbiksIFrDvHJpY2g=?=\r\n"
	    " <a.very.long.local.part.for.folding.tests@subdomain.example.com>\r\n"
	    "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n"
	    "Message-ID: <<UUID>@mail.example.org>\r\n"
	    "Subject: Die Woche: =?UTF-8?B?w4RyenRlLCDDlmZlbg==?= und\r\n"
	    " =?UTF-8?B?w5xiZXJtdXQg4oCU?= a subject long enough to be folded by\r\n"
	    " libetpan more than once, surely\r\n"
	    "List-Id: Liste =?UTF-8?B?ZsO8ciDDhHJ6dGU=?= und\r\n"
	    " =?UTF-8?Q?Zahn=C3=A4rzte?= in der Region <aerzte.region.example.org>\r\n"
	    "List-Unsubscribe: \r\n"
	    " <https://example.org/unsubscribe/0123456789abcdef?list=aerzte>,\r\n"
	    " <mailto:unsubscribe@example.org?subject=unsubscribe>\r\n"
	    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/alternative; \r\n"
	    " boundary=\"=_<UUID>\"\r\n"
	    "\r\n"
	    "--=_<UUID>\r\n"
	    "Content-Type: text/plain; charset=\"utf-8\"\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n"
	    "Guten Tag,\r\n"
	    "\r\n"
	    "die W=C3=B6che in K=C3=BCrze.\r\n"
	    "\r\n"
	    "--=_<UUID>\r\n"
	    "Content-Type: text/html; charset=\"utf-8\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "\r\n"
	    "PHA+0J/RgNC40LLQtdGCPC9wPg0K\r\n"
	    "\r\n"
	    "--=_<UUID>--\r\n", "folded");
	m.from_name = NULL;
	m.to_name = "";
	m.list_id = "plain.example.org";
	m.unsubscribe_url = NULL;
	m.subject = "";
	m.text = "";
	m.text_len = 0;
	m.html = "x";
	m.html_len = 1;
	expect_bytes(&m,
	    "From: news@example.org\r\n"
	    "To: a.very.long.local.part.for.folding.tests@subdomain.example.com\r\n"
	    "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n"
	    "Message-ID: <<UUID>@mail.example.org>\r\n"
	    "Subject: \r\n"
	    "List-Id: <plain.example.org>\r\n"
	    "List-Unsubscribe: <mailto:unsubscribe@example.org?subject=unsubscribe>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/alternative; \r\n"
	    " boundary=\"=_<UUID>\"\r\n"
	    "\r\n"
	    "--=_<UUID>\r\n"
	    "Content-Type: text/plain; charset=\"utf-8\"\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n"
	    "\r\n"
	    "--=_<UUID>\r\n"
	    "Content-Type: text/html; charset=\"utf-8\"\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n"
	    "x\r\n"
	    "--=_<UUID>--\r\n", "minimal");
}

/* Appended after what out holds, growing it: the same message. */
static void
test_append(void **state)
{
	struct mime_message m = sample();
	struct buf a, b, ga, gb;
	char ida[MIME_MESSAGE_ID_MAX], idb[MIME_MESSAGE_ID_MAX], err[ERR_LEN];

	(void)state;
	build(&m, &a, ida);
	buf_init(&b, OUT_MAX);
	assert_int_equal(buf_puts(&b, "prefix"), 0);
	assert_int_equal(mime_message_build(&m, &b, idb, err), 0);
	assert_memory_equal(b.data, "prefix", 6);
	assert_int_equal(b.data[b.len], '\0');
	assert_int_equal(b.len, 6 + a.len);
	blank_uuid(a.data, ida, &ga);
	blank_uuid(b.data + 6, idb, &gb);
	assert_string_equal(buf_cstr(&ga), buf_cstr(&gb));
	buf_release(&a);
	buf_release(&b);
	buf_release(&ga);
	buf_release(&gb);
}

/* QP where the encoder copies runs of plain bytes 8 at a time: white
 * space before a line break at every column, a space before a lone CR,
 * tabs, '=' inside a run, escapes at the soft break, a guarded "From " at
 * a soft break. */
static void
test_qp_runs(void **state)
{
	static const char *ends[] = { "\n", "\r\n", "" };
	char in[256], want[256];
	size_t k, e;

	(void)state;
	for (e = 0; e < 3; e++)
		for (k = 1; k <= 75; k++) {
			memset(in, 'x', k);
			snprintf(in + k, sizeof(in) - k, " %s", ends[e]);
			memset(want, 'x', k);
			/* "=20" may end at column 76, and no later */
			snprintf(want + k, sizeof(want) - k, "%s=20%s",
			    k <= 73 ? "" : "=\r\n", *ends[e] ? "\r\n" : "");
			expect_qp(in, want);
		}
	expect_qp("abcdefgh \rb\n", "abcdefgh =0Db\r\n");
	expect_qp("a\tb c\td\t\n", "a\tb c\td=09\r\n");
	expect_qp("abcdefghij=klmnopqrstuvwxyz\n",
	    "abcdefghij=3Dklmnopqrstuvwxyz\r\n");
	/* an escaped character whose first byte still fits, or not */
	memset(in, 'x', 72);
	memcpy(in + 72, "\xc3\xa9\n", 4);
	memset(want, 'x', 72);
	memcpy(want + 72, "=C3=\r\n=A9\r\n", 12);
	expect_qp(in, want);
	memset(in, 'x', 73);
	memcpy(in + 73, "\xc3\xa9\n", 4);
	memset(want, 'x', 73);
	memcpy(want + 73, "=\r\n=C3=A9\r\n", 12);
	expect_qp(in, want);
	memset(in, 'x', 75);
	memcpy(in + 75, "From y\n", 8);
	memset(want, 'x', 75);
	memcpy(want + 75, "=\r\n=46rom y\r\n", 14);
	expect_qp(in, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_encode_table),
		cmocka_unit_test(test_header_encode_random),
		cmocka_unit_test(test_messages_raw),
		cmocka_unit_test(test_messages_parse_back),
		cmocka_unit_test(test_refused_table),
		cmocka_unit_test(test_refused_other),
		cmocka_unit_test(test_accepted_limits),
		cmocka_unit_test(test_utf8_address),
		cmocka_unit_test(test_dates_table),
		cmocka_unit_test(test_message_id),
		cmocka_unit_test(test_list_headers),
		cmocka_unit_test(test_qp_exact),
		cmocka_unit_test(test_base64_canonical),
		cmocka_unit_test(test_output_max),
		cmocka_unit_test(test_exact_bytes),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_qp_runs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
