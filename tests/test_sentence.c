/*
 * Tests for digest/sentence.c: the 48 English Golden Rules (read in place
 * from ../shared), the case files in tests/data/sentences, and the
 * properties every split must have on any bytes at all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <jansson.h>

#include "buf.h"
#include "sentence.h"
#include "utf8.h"

#define CASE_TEXT_MAX (1u << 20)
#define CASES_MIN 60	/* the issue asks for at least this many */
#define BIG (1u << 20)

/* Spans of one split, in order. Caller frees *spans. */
static size_t
split(const char *text, size_t len, size_t (**spans)[2])
{
	struct sentence_iter it;
	size_t a, b, n = 0, cap = 0;

	*spans = NULL;
	sentence_iter_init(&it, text, len);
	while (sentence_next(&it, &a, &b)) {
		xgrow(spans, &cap, n + 1, sizeof(**spans));
		(*spans)[n][0] = a;
		(*spans)[n][1] = b;
		n++;
		if (n > len)
			fail_msg("more sentences than bytes: the iterator loops");
	}
	return n;
}

/* Checks what every split must satisfy: spans in order, not overlapping,
 * not empty, with no white space at either end, and only white space
 * between them, so that every other byte is in a sentence. */
static void
check_properties(const char *text, size_t len)
{
	struct sentence_iter it;
	size_t a, b, prev = 0, count = 0, n;
	const char *t;

	sentence_iter_init(&it, text, len);
	while (sentence_next(&it, &a, &b)) {
		if (a < prev || b <= a || b > len)
			fail_msg("bad span [%zu, %zu) after %zu (len %zu)", a, b,
			    prev, len);
		n = a - prev;
		util_trim(text + prev, &n);
		if (n != 0)
			fail_msg("non-space bytes left out before %zu", a);
		n = b - a;
		t = util_trim(text + a, &n);
		if (t != text + a || n != b - a)
			fail_msg("span [%zu, %zu) is not trimmed", a, b);
		prev = b;
		if (++count > len)
			fail_msg("more sentences than bytes: the iterator loops");
	}
	n = len - prev;
	util_trim(text + prev, &n);
	if (n != 0)
		fail_msg("non-space bytes left out after %zu", prev);
	assert_int_equal(sentence_next(&it, &a, &b), 0);
}

/* The split as trimmed strings compared with the expected list; prints
 * the difference and returns 0 when they differ. */
static int
split_matches(const char *name, const char *text, size_t len,
    const char *const *want, size_t nwant)
{
	size_t (*spans)[2], n, i, k;
	const char *s;
	int ok;

	n = split(text, len, &spans);
	ok = n == nwant;
	for (i = 0; ok && i < n; i++) {
		k = spans[i][1] - spans[i][0];
		s = util_trim(text + spans[i][0], &k);
		ok = k == strlen(want[i]) && memcmp(s, want[i], k) == 0;
	}
	if (!ok) {
		print_message("FAIL %s\n  input: %.*s\n", name, (int)len, text);
		for (i = 0; i < nwant; i++)
			print_message("  want: [%s]\n", want[i]);
		for (i = 0; i < n; i++)
			print_message("  got:  [%.*s]\n",
			    (int)(spans[i][1] - spans[i][0]), text + spans[i][0]);
	}
	check_properties(text, len);
	free(spans);
	return ok;
}

static void
test_golden_rules(void **state)
{
	const char *path, *want[32];
	json_error_t jerr;
	json_t *root, *rule, *sents, *sent;
	size_t i, j, passed = 0;

	(void)state;
	TU_SHARED_OR_SKIP(path, "testdata/sbd/golden_rules_en.json");
	root = json_load_file(path, 0, &jerr);
	if (root == NULL)
		fail_msg("%s: line %d: %s", path, jerr.line, jerr.text);
	assert_true(json_is_array(root));
	json_array_foreach(root, i, rule) {
		char name[128];
		const char *text = json_string_value(json_object_get(rule,
		    "text"));

		sents = json_object_get(rule, "sentences");
		assert_non_null(text);
		assert_true(json_array_size(sents) <= 32);
		json_array_foreach(sents, j, sent) {
			want[j] = json_string_value(sent);
			assert_non_null(want[j]);
		}
		snprintf(name, sizeof(name), "golden rule %zu", i + 1);
		passed += split_matches(name, text, strlen(text), want,
		    json_array_size(sents));
	}
	print_message("golden rules: %zu/%zu\n", passed,
	    json_array_size(root));
	assert_int_equal(json_array_size(root), 48);
	assert_int_equal(passed, 48);
	json_decref(root);
}

/* One case file's escapes: \n \r \t \\ \uXXXX. */
static void
unescape(struct buf *b, const char *s, size_t n, const char *where)
{
	char enc[4];
	size_t i;
	long long cp;

	for (i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 >= n) {
			buf_putc(b, s[i]);
			continue;
		}
		switch (s[++i]) {
		case 'n': buf_putc(b, '\n'); break;
		case 'r': buf_putc(b, '\r'); break;
		case 't': buf_putc(b, '\t'); break;
		case '\\': buf_putc(b, '\\'); break;
		case 'u': {
			char hex[5] = { 0 };
			char *end;

			if (i + 4 >= n)
				fail_msg("%s: short \\u escape", where);
			memcpy(hex, s + i + 1, 4);
			cp = strtoll(hex, &end, 16);
			if (*end != '\0')
				fail_msg("%s: bad \\u escape", where);
			buf_append(b, enc, utf8_encode((uint32_t)cp, enc));
			i += 4;
			break;
		}
		default:
			fail_msg("%s: unknown escape \\%c", where, s[i]);
		}
	}
}

struct case_run {
	char name[1024];
	struct buf input;
	struct buf want;	/* the expected sentences, NUL-separated */
	int lines;		/* input lines so far */
	int open;
	size_t cases, failed;
};

static void
case_finish(struct case_run *c)
{
	const char *want[64];
	size_t nwant = 0, i = 0;
	const char *w = buf_cstr(&c->want);

	if (!c->open)
		return;
	while (i < c->want.len) {
		if (nwant == 64)
			fail_msg("%s: too many sentences", c->name);
		want[nwant++] = w + i;
		i += strlen(w + i) + 1;
	}
	if (c->input.len == 0 || nwant == 0)
		fail_msg("case '%s' has no input or no expected sentence",
		    c->name);
	c->cases++;
	if (!split_matches(c->name, buf_cstr(&c->input), c->input.len, want,
	    nwant))
		c->failed++;
	buf_truncate(&c->input, 0);
	buf_truncate(&c->want, 0);
	c->lines = 0;
	c->open = 0;
}

static void
case_file_run(struct case_run *c, const char *path)
{
	char *data, *line, *eol, where[768];
	size_t len, n, lineno = 0;

	data = tu_read(path, &len);
	for (line = data; line < data + len; line = eol + 1) {
		eol = memchr(line, '\n', (size_t)(data + len - line));
		if (eol == NULL)
			eol = data + len;
		n = (size_t)(eol - line);
		lineno++;
		if (snprintf(where, sizeof(where), "%s:%zu", path, lineno) >=
		    (int)sizeof(where))
			fail_msg("path too long: %s", path);
		if (n >= 4 && memcmp(line, "=== ", 4) == 0) {
			case_finish(c);
			if (snprintf(c->name, sizeof(c->name), "%s: %.*s",
			    where, (int)(n - 4), line + 4) >= (int)sizeof(c->name))
				fail_msg("%s: name too long", where);
			c->open = 1;
		} else if (n >= 1 && (line[0] == '<' || line[0] == '>')) {
			size_t skip = n >= 2 && line[1] == ' ' ? 2 : 1;

			if (!c->open)
				fail_msg("%s: no '===' line before", where);
			if (line[0] == '<') {
				if (c->lines++ > 0)
					buf_putc(&c->input, '\n');
				unescape(&c->input, line + skip, n - skip, where);
			} else {
				unescape(&c->want, line + skip, n - skip, where);
				buf_putc(&c->want, '\0');
			}
		} else if (n > 0 && line[0] != '#') {
			fail_msg("%s: a line that is no case", where);
		}
	}
	case_finish(c);
	free(data);
}

static void
test_case_files(void **state)
{
	struct case_run c;
	struct dirent *de;
	DIR *d;
	char path[4096 + 256];
	size_t namelen;

	(void)state;
	memset(&c, 0, sizeof(c));
	buf_init(&c.input, CASE_TEXT_MAX);
	buf_init(&c.want, CASE_TEXT_MAX);
	d = opendir(tu_data_path("sentences"));
	if (d == NULL)
		fail_msg("cannot open '%s' (set TESTS)",
		    tu_data_path("sentences"));
	while ((de = readdir(d)) != NULL) {
		namelen = strlen(de->d_name);
		if (namelen < 5 || strcmp(de->d_name + namelen - 4, ".txt") != 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s",
		    tu_data_path("sentences"), de->d_name) >= (int)sizeof(path))
			fail_msg("path too long: %s", de->d_name);
		case_file_run(&c, path);
	}
	closedir(d);
	print_message("cases: %zu, failed: %zu\n", c.cases, c.failed);
	assert_true(c.cases >= CASES_MIN);
	assert_int_equal(c.failed, 0);
	buf_release(&c.input);
	buf_release(&c.want);
}

static void
test_empty_and_blank(void **state)
{
	struct sentence_iter it;
	size_t a = 7, b = 7;

	(void)state;
	sentence_iter_init(&it, NULL, 0);
	assert_int_equal(sentence_next(&it, &a, &b), 0);
	sentence_iter_init(&it, " \n\t\r\n \xc2\xa0\xe2\x80\x83 ", 12);
	assert_int_equal(sentence_next(&it, &a, &b), 0);
	assert_int_equal(sentence_next(&it, &a, &b), 0);
	sentence_iter_init(&it, "  x  ", 5);
	assert_int_equal(sentence_next(&it, &a, &b), 1);
	assert_int_equal(a, 2);
	assert_int_equal(b, 3);
	assert_int_equal(sentence_next(&it, &a, &b), 0);
}

/* The spans with the white space between them are the input: joining
 * them back gives it byte for byte. */
static void
test_spans_rebuild_input(void **state)
{
	const char *text = "  Hi there.\tHow are you?\n\nFine!  ";
	size_t (*spans)[2], n, i, prev = 0;
	struct buf b;

	(void)state;
	buf_init(&b, 1024);
	n = split(text, strlen(text), &spans);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		buf_append(&b, text + prev, spans[i][0] - prev);
		buf_append(&b, text + spans[i][0], spans[i][1] - spans[i][0]);
		prev = spans[i][1];
	}
	buf_append(&b, text + prev, strlen(text) - prev);
	assert_string_equal(buf_cstr(&b), text);
	free(spans);
	buf_release(&b);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;

/* Pieces that exercise every rule, glued at random: valid text, stray
 * lead and continuation bytes, NUL, every kind of stop and space. */
static const char *const pieces[] = {
	"Mr.", "U.S.", "e.g.", "a.m.", "No.", "p.", "Inc.", "Jan.", "J.",
	"Hello", "world", "The", "it", "and", "I", "3.5", "$100.00", "v2.3",
	" ", "  ", "\n", "\n\n", "\t", "\r\n", "\xc2\xa0", "\xe2\x80\xa9",
	".", "..", "...", ". . .", " . . . .", "?", "!", "?!", "\xe2\x80\xa6",
	"\xe2\x80\xbc", "\"", "'", "\xe2\x80\x9d", "\xe2\x80\x99", "(", ")",
	"[...]", "\xe2\x80\x9c", "\xe2\x80\x94", "\xe2\x80\xa2", "\xe2\x81\x83",
	"1.", "2.", "1)", "2)", "(1)", "(2)", "a.", "b.", "1.)", "- ", "* ",
	"https://x.org/a.b", "a@b.co", "\xe2", "\xe2\x80", "\xc2", "\xa0",
	"\x80", "\xff", "\xf0\x9f\x98", "\xef\xbb\xbf", "N\xc2\xb0.", "\0",
};

static void
random_text(struct buf *b, size_t pieces_max)
{
	size_t n = tu_rand32(&rng) % pieces_max, i;
	const char *p;

	buf_truncate(b, 0);
	for (i = 0; i < n; i++) {
		if (tu_rand32(&rng) % 8 == 0) {
			buf_putc(b, (char)(tu_rand32(&rng) & 0xFF));
			continue;
		}
		p = pieces[tu_rand32(&rng) % (sizeof(pieces) /
		    sizeof(pieces[0]))];
		/* "\0" is the one piece that is a NUL byte. */
		buf_append(b, p, *p == '\0' ? 1 : strlen(p));
	}
}

static void
test_properties_random(void **state)
{
	struct buf b;
	int round;

	(void)state;
	buf_init(&b, CASE_TEXT_MAX);
	for (round = 0; round < 20000; round++) {
		random_text(&b, round % 10 == 0 ? 400 : 40);
		check_properties(b.data != NULL ? b.data : "", b.len);
	}
	for (round = 0; round < 2000; round++) {
		size_t n = tu_rand32(&rng) % 200, i;

		buf_truncate(&b, 0);
		for (i = 0; i < n; i++)
			buf_putc(&b, (char)(tu_rand32(&rng) & 0xFF));
		check_properties(b.data != NULL ? b.data : "", b.len);
	}
	buf_release(&b);
}

/* A megabyte of one pattern repeated, then checked. */
static void
check_big(const char *pattern, size_t plen, const char *tail)
{
	char *text = xmalloc(BIG + 64);
	size_t n = 0;

	while (n + plen <= BIG) {
		memcpy(text + n, pattern, plen);
		n += plen;
	}
	memcpy(text + n, tail, strlen(tail));
	n += strlen(tail);
	check_properties(text, n);
	free(text);
}

static void
test_properties_adversarial(void **state)
{
	static const char *const patterns[] = {
		".", ". ", "..", "?", "word ", "x", " ", "\n", "\n ", "\0",
		"\xe2", "\xe2\x80", "\xe2\x80\xa6", "\xe2\x80\xa2 ", "1. ",
		"a. ", "(1) ", "Mr. ", "U.S. ", "a.", "\xc2", "\xc2\xa0", "\xff",
		"\xe2\x80\xa9", ")", "\"", ". . . ", "\x80", "At 5 a.m. ",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		size_t plen = *patterns[i] == '\0' ? 1 : strlen(patterns[i]);

		check_big(patterns[i], plen, "");
		check_big(patterns[i], plen, ". The end.");
	}
}

/* Every golden text and case input is checked for the properties too
 * (split_matches does it); here the same texts cut at every byte, so
 * that truncated characters and stops at the very end are covered. */
static void
test_properties_prefixes(void **state)
{
	static const char *const texts[] = {
		"Thoreau argues that by simplifying one\xe2\x80\x99s life, "
		"\xe2\x80\x9cthe laws of the universe will appear less complex. "
		". . .\xe2\x80\x9d",
		"\xe2\x80\xa2 9. The first item \xe2\x80\xa2 10. The second item",
		"1.) The first item 2.) The second item",
		"compounds. . . . The practice was not abandoned. . . .",
		"At 5 a.m. Mr. Smith went to the bank. He left at 6 P.M. Mr. X.",
		"She waited\xe2\x80\xa6 Nobody came.\xe2\x80\xa9Next \xe2\x80\xbc",
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		for (k = 0; k <= strlen(texts[i]); k++)
			check_properties(texts[i], k);
}

/*
 * sentence_collapse: checked against the obvious way, a decode of every
 * character (utf8_decode, utf8_is_space), on random bytes and on spans
 * cut at every offset, so that the 16-byte blocks of the fast path meet
 * white space at each of their positions.
 */

/* The obvious collapse: returns the length written to out. */
static size_t
collapse_reference(const char *s, size_t len, char *out)
{
	size_t i = 0, k, o = 0;
	uint32_t cp;
	int gap = 0;

	while (i < len) {
		k = utf8_decode(s + i, len - i, &cp);
		if (utf8_is_space(cp)) {
			gap = 1;
		} else {
			if (gap && o > 0)
				out[o++] = ' ';
			gap = 0;
			memcpy(out + o, s + i, k);
			o += k;
		}
		i += k;
	}
	return o;
}

/* White space of every kind, and look-alikes that are not white space
 * (a lone lead byte, "—", U+200C, U+3001, U+FEFE). */
static const char *const spaces[] = {
	" ", "  ", "\t", "\n", "\n\n", "\r\n", "\v", "\f", " \n ",
	"\xc2\x85", "\xc2\xa0", "\xe2\x80\x80", "\xe2\x80\x8b", "\xe2\x80\xa8",
	"\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80",
	"\xef\xbb\xbf", "\xc2", "\xe2\x80", "\xe2\x80\x94", "\xe2\x80\x8c",
	"\xe3\x80\x81", "\xef\xbb\xbe", "\xe3", "\xef\xbb", "word", "x",
	"caf\xc3\xa9", "\xe6\x9d\xb1\xe4\xba\xac",
};

/* Compares sentence_collapse with the reference on s (len bytes), in an
 * output buffer of exactly len bytes (ASan sees a write past it). */
static void
check_collapse(const char *s, size_t len)
{
	char *got = xmalloc(len + 1), *want = xmalloc(len + 1);
	size_t n = sentence_collapse(s, len, got);
	size_t w = collapse_reference(s, len, want);

	if (n != w || memcmp(got, want, n) != 0)
		fail_msg("collapse of \"%s\": \"%s\", want \"%s\"",
		    tu_show(s, len), tu_show(got, n), tu_show(want, w));
	free(got);
	free(want);
}

static void
test_collapse(void **state)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	struct buf b;
	size_t i, k, n, a;
	int round;

	(void)state;
	check_collapse("", 0);
	check_collapse(" \t\n", 3);
	buf_init(&b, CASE_TEXT_MAX);
	for (round = 0; round < 20000; round++) {
		random_text(&b, round % 10 == 0 ? 400 : 40);
		n = tu_rand32(&rng) % 12;
		for (i = 0; i < n; i++)
			buf_puts(&b, spaces[tu_rand32(&rng) % (sizeof(spaces) /
			    sizeof(spaces[0]))]);
		check_collapse(b.data != NULL ? b.data : "", b.len);
	}
	/* Text with one white space (or look-alike) per place in a block
	 * of 16 and around, cut at every start and length. */
	for (k = 0; k < sizeof(spaces) / sizeof(spaces[0]); k++) {
		buf_truncate(&b, 0);
		for (i = 0; i < 40; i++) {
			buf_puts(&b, &letters[i % 30]);
			buf_puts(&b, spaces[(k + i) % (sizeof(spaces) /
			    sizeof(spaces[0]))]);
		}
		for (a = 0; a < 40; a++)
			for (n = a; n <= b.len && n < a + 80; n++)
				check_collapse(b.data + a, n - a);
		check_collapse(b.data, b.len);
	}
	buf_release(&b);
}

/*
 * `digest text sentences` prints what the splitter finds, collapsed, one
 * sentence per line, byte for byte: checked on a large text (more than
 * the command's output blocks, with a sentence longer than one) of prose
 * with white space runs of every kind, hard-wrapped lines, blank lines,
 * non-ASCII words, invalid bytes and NUL.
 */

#define CLI_TEXT_BYTES (3u << 20)
#define CLI_LONG_SENTENCE (600u << 10)

static const char *const cli_words[] = {
	"the", "council", "approved", "a", "levy", "on", "Thursday", "after",
	"Mr.", "Smith", "said", "U.S.", "officials", "e.g.", "3.5%", "$100.00",
	"caf\xc3\xa9", "na\xc3\xafve", "Z\xc3\xbcrich", "\xe6\x9d\xb1\xe4\xba\xac",
	"\xf0\x9f\x98\x80", "\xe2\x80\x9cquoted\xe2\x80\x9d", "it\xe2\x80\x99s",
	"\xe2\x80\x94", "(see", "below)", "https://example.org/a.b", "\xff",
};

static const char *const cli_ends[] = {
	".", "?", "!", "...", "\xe2\x80\xa6", ".\xe2\x80\x9d", "?!", ".)",
};

static void
cli_text(struct buf *b)
{
	size_t nw = sizeof(cli_words) / sizeof(cli_words[0]), i, words;
	size_t col = 0, mark;

	while (b->len < CLI_TEXT_BYTES) {
		if (tu_rand32(&rng) % 500 == 0) {	/* a NUL among the words */
			buf_append(b, "\0", 1);
			continue;
		}
		words = 1 + tu_rand32(&rng) % 25;
		for (i = 0; i < words; i++) {
			mark = b->len;
			buf_puts(b, cli_words[tu_rand32(&rng) % nw]);
			col += b->len - mark;
			if (i + 1 == words)
				break;
			if (col > 72) {	/* hard-wrapped, as mail is */
				buf_puts(b, tu_rand32(&rng) % 4 ? "\n" : " \r\n ");
				col = 0;
			} else {
				buf_puts(b, tu_rand32(&rng) % 6 ? " " :
				    spaces[tu_rand32(&rng) % 19]);
			}
		}
		buf_puts(b, cli_ends[tu_rand32(&rng) % (sizeof(cli_ends) /
		    sizeof(cli_ends[0]))]);
		buf_puts(b, tu_rand32(&rng) % 5 == 0 ? "\n\n" :
		    tu_rand32(&rng) % 9 == 0 ? "\n \t\n\xc2\xa0" : " ");
	}
	/* One sentence longer than an output block: words and no stop. */
	buf_puts(b, "\n\n");
	while (b->len < CLI_TEXT_BYTES + CLI_LONG_SENTENCE)
		buf_puts(b, tu_rand32(&rng) % 3 ? "word " : "\xe3\x80\x80wide\t");
	buf_puts(b, "end.\n\nLast line without a stop");
}

/* Runs "$DIGEST text sentences in" with stdout to out; its exit status. */
static int
run_cli_sentences(const char *digest, const char *in, const char *out)
{
	pid_t pid = fork();
	int fd, status;

	if (pid == -1)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd == -1 || dup2(fd, STDOUT_FILENO) == -1)
			_exit(127);
		execl(digest, "digest", "text", "sentences", in, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) == -1)
		fail_msg("waitpid: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void
test_cli_matches_splitter(void **state)
{
	const char *digest = getenv("DIGEST"), *dir;
	char in[4200], out[4200], *got, *line;
	struct sentence_iter it;
	struct buf text, want;
	size_t a, e, n, i, count = 0;
	FILE *f;

	(void)state;
	if (digest == NULL || access(digest, X_OK) == -1) {
		print_message("skip: $DIGEST (the digest binary) not set\n");
		skip();
	}
	buf_init(&text, 2 * (CLI_TEXT_BYTES + CLI_LONG_SENTENCE));
	buf_init(&want, 2 * (CLI_TEXT_BYTES + CLI_LONG_SENTENCE));
	cli_text(&text);
	sentence_iter_init(&it, text.data, text.len);
	while (sentence_next(&it, &a, &e)) {
		line = buf_reserve(&want, e - a + 1);
		assert_non_null(line);
		n = collapse_reference(text.data + a, e - a, line);
		line[n] = '\n';
		buf_commit(&want, n + 1);
		count++;
	}
	dir = tu_tmpdir();
	snprintf(in, sizeof(in), "%s/in.txt", dir);
	snprintf(out, sizeof(out), "%s/out.txt", dir);
	f = fopen(in, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text.data, 1, text.len, f), text.len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(run_cli_sentences(digest, in, out), 0);
	got = tu_read(out, &n);
	for (i = 0; i < n && i < want.len && got[i] == want.data[i]; i++)
		;
	if (i < n || i < want.len)
		fail_msg("the CLI's output differs from the splitter's at byte "
		    "%zu of %zu (want %zu): \"%s\", want \"%s\"", i, n,
		    want.len, tu_show(got + i, n - i < 80 ? n - i : 80),
		    tu_show(want.data + i, want.len - i < 80 ? want.len - i :
		    80));
	print_message("%zu bytes in, %zu sentences, %zu bytes out\n",
	    text.len, count, n);
	assert_true(count > 10000);
	unlink(in);
	unlink(out);
	rmdir(dir);
	free(got);
	buf_release(&text);
	buf_release(&want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_rules),
		cmocka_unit_test(test_case_files),
		cmocka_unit_test(test_empty_and_blank),
		cmocka_unit_test(test_spans_rebuild_input),
		cmocka_unit_test(test_properties_random),
		cmocka_unit_test(test_properties_adversarial),
		cmocka_unit_test(test_properties_prefixes),
		cmocka_unit_test(test_collapse),
		cmocka_unit_test(test_cli_matches_splitter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
