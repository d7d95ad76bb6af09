/*
 * Tests for digest/template.c: every test of the Mustache spec's core
 * files and of ~inheritance.json (read in place from ../shared), our own
 * cases in tests/data/template/ (JSON files in the spec's shape, plus expected
 * errors), and the limits: nesting, recursion, a 1 MB template, the
 * output cap, the partials directory, and escaping as a property.
 *
 * A case is an object: name, template (a string, or an array of strings
 * joined), data (default {}), partials (name -> text), and either
 * expected (the output) or error (the exact message). Optional: file (the
 * template's name in errors, default "test.mustache"), max (the output
 * buffer's maximum), unescape (true: template, partials, expected and
 * every string in data take tu_unescape's \xHH escapes, so that bytes
 * JSON cannot hold, invalid UTF-8 and NUL, can be tested).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "buf.h"
#include "template.h"

#include <errno.h>
#include <jansson.h>

#define OUT_MAX (64u << 20)

/* Partials from a JSON object (arg): name -> text. */
static int
json_loader(const char *name, char **text, size_t *len, void *arg,
    char *err)
{
	const json_t *s = json_object_get(arg, name);

	(void)err;
	if (!json_is_string(s))
		return 0;
	*len = json_string_length(s);
	*text = xmalloc(*len + 1);
	memcpy(*text, json_string_value(s), *len + 1);
	return 1;
}

/* A case's text: a string, or an array of strings joined. Caller frees. */
static char *
case_text(const json_t *v, int unescape, size_t *len)
{
	struct buf b;
	const json_t *part;
	size_t i;
	char *s;

	buf_init(&b, OUT_MAX);
	if (json_is_string(v)) {
		buf_append(&b, json_string_value(v), json_string_length(v));
	} else {
		json_array_foreach(v, i, part)
			buf_append(&b, json_string_value(part),
			    json_string_length(part));
	}
	s = buf_detach(&b, len);
	if (unescape)
		*len = tu_unescape(s);
	return s;
}

/* A deep copy of v whose strings are unescaped (and may then hold bytes
 * that are not UTF-8, or NUL: jansson's nocheck strings). */
static json_t *
unescape_json(const json_t *v)
{
	json_t *copy, *item;
	const char *key;
	char *s;
	size_t i, n;

	switch (json_typeof(v)) {
	case JSON_STRING:
		s = xstrdup(json_string_value(v));
		n = tu_unescape(s);
		copy = json_stringn_nocheck(s, n);
		free(s);
		return copy;
	case JSON_ARRAY:
		copy = json_array();
		json_array_foreach(v, i, item)
			json_array_append_new(copy, unescape_json(item));
		return copy;
	case JSON_OBJECT:
		copy = json_object();
		json_object_foreach((json_t *)v, key, item)
			json_object_set_new(copy, key, unescape_json(item));
		return copy;
	default:
		return json_deep_copy(v);
	}
}

struct outcome {
	int ok;			/* compiled and rendered */
	char err[ERR_LEN];
	char *out;		/* owned */
	size_t len;
};

/* Collects what template_render_to sends. */
static int
collect(const char *p, size_t n, void *arg)
{
	return buf_append(arg, p, n);
}

/* Renders once more with template_render_to after template_preload, from
 * a new compile: it must give the same bytes, or the same error, as
 * template_render gave (o). 0, or -1 with why in o->err. */
static int
case_render_to(const char *tpl, size_t tlen, const char *file,
    const json_t *data, const json_t *partials, size_t max,
    struct outcome *o)
{
	char err[ERR_LEN];
	struct template *t;
	struct buf b;
	int rc, same;

	t = template_compile(tpl, tlen, file, json_loader, (void *)partials,
	    err);
	if (t == NULL)
		return 0;
	buf_init(&b, OUT_MAX);
	(void)template_preload(t);
	rc = template_render_to(t, data, max, collect, &b, err);
	if (o->ok)
		same = rc == 0 && b.len == o->len && memcmp(buf_cstr(&b),
		    o->out, b.len) == 0;
	else
		same = rc == -1 && strcmp(err, o->err) == 0;
	if (!same)
		snprintf(o->err, sizeof(o->err), "template_render_to differs: "
		    "%.200s", rc == 0 ? tu_show(buf_cstr(&b), b.len) : err);
	buf_release(&b);
	template_free(t);
	return same ? 0 : -1;
}

/* Compiles and renders twice (the second render uses the partials the
 * first compiled, and must give the same bytes), then a third time
 * through template_render_to. */
static void
case_render(const char *tpl, size_t tlen, const char *file, const json_t *data,
    const json_t *partials, size_t max, struct outcome *o)
{
	struct template *t;
	struct buf b1, b2;

	memset(o, 0, sizeof(*o));
	t = template_compile(tpl, tlen, file, json_loader, (void *)partials,
	    o->err);
	if (t == NULL)
		return;
	buf_init(&b1, max);
	buf_init(&b2, max);
	if (template_render(t, data, &b1, o->err) == 0) {
		o->ok = 1;
		if (template_render(t, data, &b2, o->err) == -1 ||
		    b1.len != b2.len || memcmp(buf_cstr(&b1), buf_cstr(&b2),
		    b1.len) != 0) {
			o->ok = 0;
			snprintf(o->err, sizeof(o->err), "a second render "
			    "differs: %s", tu_show(buf_cstr(&b2), b2.len));
		}
	}
	o->out = buf_detach(&b1, &o->len);
	buf_release(&b2);
	template_free(t);
	if (case_render_to(tpl, tlen, file, data, partials, max, o) == -1)
		o->ok = 0;
}

/* Runs one case; prints what went wrong and returns 1 when it failed. */
static int
case_run(const char *file, const json_t *c)
{
	const char *name = json_string_value(json_object_get(c, "name"));
	const char *tname = json_string_value(json_object_get(c, "file"));
	const json_t *want_err = json_object_get(c, "error");
	const json_t *max = json_object_get(c, "max");
	int unescape = json_is_true(json_object_get(c, "unescape"));
	json_t *data, *partials;
	char *tpl, *want = NULL;
	size_t tlen, wlen = 0;
	struct outcome o;
	int failed;

	tpl = case_text(json_object_get(c, "template"), unescape, &tlen);
	if (!json_is_string(want_err))
		want = case_text(json_object_get(c, "expected"), unescape,
		    &wlen);
	data = json_object_get(c, "data");
	data = data == NULL ? json_object() : unescape ? unescape_json(data) :
	    json_incref(data);
	partials = json_object_get(c, "partials");
	partials = partials == NULL ? json_object() : unescape ?
	    unescape_json(partials) : json_incref(partials);
	case_render(tpl, tlen, tname ? tname : "test.mustache", data, partials,
	    max ? (size_t)json_integer_value(max) : OUT_MAX, &o);
	if (want != NULL)
		failed = !o.ok || o.len != wlen || memcmp(o.out, want, wlen) != 0;
	else
		failed = o.ok || strcmp(o.err, json_string_value(want_err)) != 0;
	if (failed) {
		print_message("FAIL %s: %s\n  template: %s\n", file,
		    name ? name : "(no name)", tu_show(tpl, tlen));
		if (want != NULL)
			print_message("  got:      %s\n  expected: %s\n",
			    o.ok ? tu_show(o.out, o.len) : o.err,
			    tu_show(want, wlen));
		else
			print_message("  got:      %s\n  expected error: %s\n",
			    o.ok ? tu_show(o.out, o.len) : o.err,
			    json_string_value(want_err));
	}
	free(o.out);
	free(tpl);
	free(want);
	json_decref(data);
	json_decref(partials);
	return failed;
}

/* Runs every case of a file shaped like the spec's; fails unless it holds
 * exactly `count` cases (at least `count` when exact is 0) and all pass. */
static void
cases_run(const char *path, const char *label, size_t count, int exact)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr), *tests, *c;
	size_t i, failures = 0, n;

	if (root == NULL)
		fail_msg("%s: line %d: %s", path, jerr.line, jerr.text);
	tests = json_object_get(root, "tests");
	n = json_array_size(tests);
	json_array_foreach(tests, i, c)
		failures += (size_t)case_run(label, c);
	print_message("%s: %zu/%zu passed\n", label, n - failures, n);
	json_decref(root);
	if (exact ? n != count : n < count)
		fail_msg("%s: %zu cases, expected %s%zu", label, n,
		    exact ? "" : "at least ", count);
	if (failures != 0)
		fail_msg("%s: %zu of %zu cases failed", label, failures, n);
}

struct spec_file {
	const char *name;
	size_t count;		/* as SOURCES.md counts them */
};

static const struct spec_file spec_files[] = {
	{ "comments.json", 12 },
	{ "delimiters.json", 14 },
	{ "interpolation.json", 42 },
	{ "inverted.json", 22 },
	{ "partials.json", 12 },
	{ "sections.json", 34 },
	{ "~inheritance.json", 27 },
};

static void
test_spec(void **state)
{
	const struct spec_file *f = *state;
	const char *path;
	char rel[256];

	snprintf(rel, sizeof(rel), "testdata/mustache/%s", f->name);
	TU_SHARED_OR_SKIP(path, rel);
	cases_run(path, f->name, f->count, 1);
}

static void
test_own_render(void **state)
{
	(void)state;
	cases_run(tu_data_path("template/render.json"), "render.json", 60, 0);
}

static void
test_own_errors(void **state)
{
	(void)state;
	cases_run(tu_data_path("template/errors.json"), "errors.json", 35, 0);
}

/* Renders text with data (JSON text), expecting success; caller frees. */
static char *
render_ok(const char *text, size_t len, const char *data_json, size_t *out_len)
{
	json_t *data = json_loads(data_json, JSON_DECODE_ANY, NULL);
	char err[ERR_LEN];
	struct template *t;
	struct buf b;

	assert_non_null(data);
	t = template_compile(text, len, "test.mustache", NULL, NULL, err);
	if (t == NULL)
		fail_msg("compile: %s", err);
	buf_init(&b, OUT_MAX);
	if (template_render(t, data, &b, err) == -1)
		fail_msg("render: %s", err);
	template_free(t);
	json_decref(data);
	return buf_detach(&b, out_len);
}

/* Sections nested TEMPLATE_NESTING_MAX deep compile; one more does not,
 * and the error points at the tag that went too deep. */
static void
test_nesting_limit(void **state)
{
	struct buf b;
	char err[ERR_LEN], want[ERR_LEN], *out;
	struct template *t;
	int i;

	(void)state;
	buf_init(&b, OUT_MAX);
	for (i = 0; i < TEMPLATE_NESTING_MAX; i++)
		buf_puts(&b, "{{#a}}");
	buf_puts(&b, "deep{{a}}");
	for (i = 0; i < TEMPLATE_NESTING_MAX; i++)
		buf_puts(&b, "{{/a}}");
	out = render_ok(b.data, b.len, "{\"a\": 7}", NULL);
	assert_string_equal(out, "deep7");
	free(out);

	buf_truncate(&b, 0);
	for (i = 0; i <= TEMPLATE_NESTING_MAX; i++)
		buf_puts(&b, "{{^a}}");
	t = template_compile(b.data, b.len, "deep.mustache", NULL, NULL, err);
	assert_null(t);
	snprintf(want, sizeof(want), "deep.mustache:1:%d: sections nested "
	    "deeper than %d levels", TEMPLATE_NESTING_MAX * 6 + 1,
	    TEMPLATE_NESTING_MAX);
	assert_string_equal(err, want);
	buf_release(&b);
}

/* A recursive partial goes as deep as the data, up to the limit. */
static void
test_recursion_limit(void **state)
{
	json_t *partials = json_pack("{s:s}", "node",
	    "{{n}}{{#kids}}({{>node}}){{/kids}}");
	json_t *data = json_object(), *at = data, *kid;
	char err[ERR_LEN];
	struct template *t;
	struct buf b, want;
	int i;

	(void)state;
	buf_init(&want, OUT_MAX);
	for (i = 0; i < TEMPLATE_PARTIAL_DEPTH_MAX; i++) {
		json_object_set_new(at, "n", json_integer(i));
		buf_printf(&want, "%d", i);
		if (i + 1 < TEMPLATE_PARTIAL_DEPTH_MAX) {
			kid = json_object();
			json_object_set_new(at, "kids", json_pack("[o]", kid));
			at = kid;
			buf_putc(&want, '(');
		}
	}
	/* A leaf needs its own empty list: a missing one would be found
	 * further out, and recurse. */
	json_object_set_new(at, "kids", json_array());
	for (i = 1; i < TEMPLATE_PARTIAL_DEPTH_MAX; i++)
		buf_putc(&want, ')');
	t = template_compile("{{>node}}", 9, "top.mustache", json_loader,
	    partials, err);
	assert_non_null(t);
	buf_init(&b, OUT_MAX);
	if (template_render(t, data, &b, err) == -1)
		fail_msg("%d levels: %s", TEMPLATE_PARTIAL_DEPTH_MAX, err);
	assert_string_equal(buf_cstr(&b), buf_cstr(&want));

	/* One level more. */
	kid = json_object();
	json_object_set_new(kid, "n", json_integer(i));
	json_object_set_new(kid, "kids", json_array());
	json_object_set_new(at, "kids", json_pack("[o]", kid));
	buf_truncate(&b, 0);
	buf_puts(&b, "kept");
	assert_int_equal(template_render(t, data, &b, err), -1);
	assert_string_equal(err, "partial 'node' nested deeper than 64 levels");
	assert_string_equal(buf_cstr(&b), "kept");
	assert_int_equal(b.len, 4);

	template_free(t);
	buf_release(&b);
	buf_release(&want);
	json_decref(data);
	json_decref(partials);
}

/* A 1 MB template of HTML, tags and standalone sections renders as it
 * should (built alongside the expected output). */
static void
test_big_template(void **state)
{
	struct buf tpl, want;
	char *out;
	size_t len;
	int i = 0;

	(void)state;
	buf_init(&tpl, OUT_MAX);
	buf_init(&want, OUT_MAX);
	while (tpl.len < (1u << 20)) {
		buf_printf(&tpl, "<p class=\"row-%d\">{{who}} &amp; "
		    "{{{who}}}</p>\n", i);
		buf_printf(&want, "<p class=\"row-%d\">A&amp;B &amp; "
		    "A&B</p>\n", i);
		if (i % 10 == 0) {
			buf_puts(&tpl, "  {{#list}}\n  <li>{{.}}</li>\n"
			    "  {{/list}}\n{{! a comment }}\n");
			buf_puts(&want, "  <li>1</li>\n  <li>2</li>\n");
		}
		i++;
	}
	out = render_ok(tpl.data, tpl.len, "{\"who\": \"A&B\", \"list\": "
	    "[1, 2]}", &len);
	assert_int_equal(len, want.len);
	assert_memory_equal(out, want.data, len);
	free(out);
	buf_release(&tpl);
	buf_release(&want);
}

/* Output past the buffer's maximum is an error, and the buffer keeps what
 * it held before the render. */
static void
test_output_cap(void **state)
{
	char err[ERR_LEN];
	struct template *t;
	json_t *data = json_pack("{s:s}", "x", "<<<<<<<<<<");
	struct buf b;
	size_t max;

	(void)state;
	t = template_compile("[{{x}}]", 7, "cap.mustache", NULL, NULL, err);
	assert_non_null(t);
	for (max = 0; max < 44; max++) {
		buf_init(&b, max);
		if (max >= 2)
			buf_puts(&b, "ab");
		if (max < 2 + 42) {
			assert_int_equal(template_render(t, data, &b, err), -1);
			assert_string_equal(buf_cstr(&b), max >= 2 ? "ab" : "");
		} else {
			assert_int_equal(template_render(t, data, &b, err), 0);
			assert_string_equal(buf_cstr(&b), "ab[&lt;&lt;&lt;&lt;"
			    "&lt;&lt;&lt;&lt;&lt;&lt;]");
		}
		buf_release(&b);
	}
	snprintf(err, sizeof(err), "%s", "");
	buf_init(&b, 5);
	assert_int_equal(template_render(t, data, &b, err), -1);
	assert_string_equal(err, "output is larger than 5 bytes");
	buf_release(&b);
	template_free(t);
	json_decref(data);
}

/*
 * template_render_to: the same bytes as template_render when the output
 * spans many blocks, with values and text that straddle block edges or
 * are larger than a block, indented partials and escapes; every write at
 * most a block unless it is one value larger than a block.
 */

struct writes {
	struct buf out;
	size_t calls, largest;
	size_t fail_at;		/* the call that fails (ENOSPC); 0: none */
};

static int
record(const char *p, size_t n, void *arg)
{
	struct writes *w = arg;

	if (++w->calls == w->fail_at) {
		errno = ENOSPC;
		return -1;
	}
	if (n > w->largest)
		w->largest = n;
	return buf_append(&w->out, p, n);
}

static const char big_partials[] =
    "{\"item\": \"<li>\\n  {{v}}|{{{v}}}\\n  {{#more}}{{.}}{{/more}}\\n</li>\\n\","
    " \"frame\": \"<ul>\\n  {{>item}}\\n</ul>\\n\"}";

static const char big_main[] = "{{#items}}\n  {{>frame}}\n{{/items}}\n";

static void
test_render_to_blocks(void **state)
{
	static const size_t sizes[] = { 0, 1, 7, 4095, 65535, 65536, 65537,
	    70000, 131072, 200001 };
	json_t *partials = json_loads(big_partials, 0, NULL), *data, *items;
	char err[ERR_LEN], *v;
	struct template *t;
	struct writes w;
	struct buf whole;
	size_t i, k;

	(void)state;
	assert_non_null(partials);
	items = json_array();
	for (i = 0; i < 300; i++) {
		size_t n = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))] +
		    i / 10;

		v = xmalloc(n + 1);
		for (k = 0; k < n; k++)
			v[k] = "ab<c&d\"e'f>gh\nij"[(i + k) % 16];
		v[n] = '\0';
		json_array_append_new(items, json_pack("{s:s, s:[i, s]}", "v",
		    v, "more", (int)i, "<&>"));
		free(v);
	}
	data = json_pack("{s:o}", "items", items);
	t = template_compile(big_main, strlen(big_main), "big.mustache",
	    json_loader, partials, err);
	assert_non_null(t);
	buf_init(&whole, 256u << 20);
	assert_int_equal(template_render(t, data, &whole, err), 0);
	assert_true(whole.len > 20 * TEMPLATE_BLOCK);
	assert_int_equal(template_preload(t), 1);
	memset(&w, 0, sizeof(w));
	buf_init(&w.out, 256u << 20);
	assert_int_equal(template_render_to(t, data, SIZE_MAX, record, &w,
	    err), 0);
	assert_int_equal(w.out.len, whole.len);
	assert_memory_equal(w.out.data, whole.data, whole.len);
	/* 300 items, so many more calls than blocks would be a write per
	 * value; a write over a block is one value (escaped: 5x at most). */
	assert_true(w.calls >= whole.len / TEMPLATE_BLOCK);
	assert_true(w.calls < whole.len / TEMPLATE_BLOCK + 300);
	assert_true(w.largest <= 6 * 200031);
	/* A writer that fails: the error says so, and nothing more is sent. */
	buf_truncate(&w.out, 0);
	w.calls = 0;
	w.fail_at = 3;
	assert_int_equal(template_render_to(t, data, SIZE_MAX, record, &w,
	    err), -1);
	assert_string_equal(err, "cannot write the output: No space left on "
	    "device");
	assert_int_equal(w.calls, 3);
	buf_release(&w.out);
	buf_release(&whole);
	template_free(t);
	json_decref(data);
	json_decref(partials);
}

/* The output cap holds for template_render_to as for template_render: an
 * error exactly when the output would be larger than max, however the
 * blocks fall. */
static void
test_render_to_cap(void **state)
{
	char err[ERR_LEN], want[64], *tpl;
	struct template *t;
	json_t *data = json_pack("{s:s}", "x", "<<<<<<<<<<");
	struct writes w;
	size_t max, n = 3 * TEMPLATE_BLOCK, total;

	(void)state;
	t = template_compile("[{{x}}]", 7, "cap.mustache", NULL, NULL, err);
	assert_non_null(t);
	for (max = 0; max < 44; max++) {
		memset(&w, 0, sizeof(w));
		buf_init(&w.out, 1024);
		assert_int_equal(template_render_to(t, data, max, record, &w,
		    err), max < 42 ? -1 : 0);
		if (max < 42) {
			snprintf(want, sizeof(want), "output is larger than "
			    "%zu bytes", max);
			assert_string_equal(err, want);
			assert_int_equal(w.out.len, 0);
		} else {
			assert_string_equal(buf_cstr(&w.out), "[&lt;&lt;&lt;"
			    "&lt;&lt;&lt;&lt;&lt;&lt;&lt;]");
		}
		buf_release(&w.out);
	}
	snprintf(err, sizeof(err), "%s", "");
	memset(&w, 0, sizeof(w));
	buf_init(&w.out, 1024);
	assert_int_equal(template_render_to(t, data, 5, record, &w, err), -1);
	assert_string_equal(err, "output is larger than 5 bytes");
	buf_release(&w.out);
	template_free(t);
	/* Text of three blocks and one byte: one byte short fails. */
	tpl = xmalloc(n + 2);
	memset(tpl, 'a', n + 1);
	tpl[n + 1] = '\0';
	t = template_compile(tpl, n + 1, "long.mustache", NULL, NULL, err);
	assert_non_null(t);
	for (total = n - 1; total <= n + 1; total++) {
		memset(&w, 0, sizeof(w));
		buf_init(&w.out, 4 * TEMPLATE_BLOCK);
		assert_int_equal(template_render_to(t, data, total, record, &w,
		    err), total < n + 1 ? -1 : 0);
		if (total < n + 1)
			assert_true(w.out.len <= total);
		else
			assert_int_equal(w.out.len, n + 1);
		buf_release(&w.out);
	}
	template_free(t);
	free(tpl);
	json_decref(data);
}

/* template_preload: 1 when every partial compiles or is missing, 0 when
 * one does not compile or one includes itself (even behind a section
 * that ends it, which renders). */
static void
test_preload(void **state)
{
	static const struct {
		const char *tpl, *partials;
		int want;
	} cases[] = {
		{ "plain", "{}", 1 },
		{ "{{>missing}}", "{}", 1 },
		{ "{{#no}}{{>a}}{{/no}}", "{\"a\": \"{{>b}}\", \"b\": \"x\"}", 1 },
		{ "{{<p}}{{$b}}x{{/b}}{{/p}}", "{\"p\": \"[{{$b}}{{/b}}]\"}", 1 },
		{ "{{#no}}{{>a}}{{/no}}", "{\"a\": \"{{>b}}\", \"b\": \"{{#x}}\"}",
		  0 },
		{ "{{>a}}", "{\"a\": \"{{>a}}\"}", 0 },
		{ "{{>a}}", "{\"a\": \"{{>b}}\", \"b\": \"{{#n}}{{>a}}{{/n}}\"}",
		  0 },
		{ "{{>a}}{{>a}}", "{\"a\": \"{{>b}}{{>b}}\", \"b\": \"y\"}", 1 },
	};
	char err[ERR_LEN];
	struct template *t;
	json_t *partials;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		partials = json_loads(cases[i].partials, 0, NULL);
		assert_non_null(partials);
		t = template_compile(cases[i].tpl, strlen(cases[i].tpl),
		    "p.mustache", json_loader, partials, err);
		assert_non_null(t);
		if (template_preload(t) != cases[i].want)
			fail_msg("template_preload(\"%s\") with %s: %d",
			    cases[i].tpl, cases[i].partials, !cases[i].want);
		/* Twice: the walk leaves nothing behind. */
		assert_int_equal(template_preload(t), cases[i].want);
		template_free(t);
		json_decref(partials);
	}
}


/* Undoes the five escapes; -1 when s holds a raw < > " ' or an & that
 * starts none of them. */
static int
html_unescape(const char *s, size_t n, struct buf *out)
{
	static const char *const ent[] = { "&amp;", "&lt;", "&gt;", "&quot;",
	    "&#39;" };
	static const char raw[] = "&<>\"'";
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (strchr("<>\"'", s[i]) != NULL && s[i] != '\0')
			return -1;
		if (s[i] != '&') {
			buf_putc(out, s[i]);
			continue;
		}
		for (k = 0; k < 5; k++)
			if (n - i >= strlen(ent[k]) &&
			    memcmp(s + i, ent[k], strlen(ent[k])) == 0)
				break;
		if (k == 5)
			return -1;
		buf_putc(out, raw[k]);
		i += strlen(ent[k]) - 1;
	}
	return 0;
}

/* Property: whatever bytes a string holds, {{x}} never lets a raw < > "
 * or ' through, every & begins an entity, and unescaping gives the string
 * back; {{{x}}} gives it unchanged. */
static void
test_escape_property(void **state)
{
	static const char alphabet[] = "&<>\"'a; #9\n\t\xc3\xa9\xff\x80";
	uint64_t rng = 0x9E3779B97F4A7C15ull;
	char err[ERR_LEN], s[64];
	struct template *esc, *raw;
	struct buf b, back;
	json_t *data;
	size_t n, i;
	int round;

	(void)state;
	esc = template_compile("{{x}}", 5, "p", NULL, NULL, err);
	raw = template_compile("{{{x}}}", 7, "p", NULL, NULL, err);
	assert_non_null(esc);
	assert_non_null(raw);
	buf_init(&b, OUT_MAX);
	buf_init(&back, OUT_MAX);
	for (round = 0; round < 20000; round++) {
		n = tu_rand(&rng) % sizeof(s);
		for (i = 0; i < n; i++)
			s[i] = alphabet[tu_rand(&rng) % (sizeof(alphabet) - 1)];
		data = json_object();
		json_object_set_new(data, "x", json_stringn_nocheck(s, n));
		buf_truncate(&b, 0);
		buf_truncate(&back, 0);
		assert_int_equal(template_render(esc, data, &b, err), 0);
		if (html_unescape(b.data ? b.data : "", b.len, &back) == -1 ||
		    back.len != n || memcmp(buf_cstr(&back), s, n) != 0)
			fail_msg("round %d: %s escaped as %s", round,
			    tu_show(s, n), tu_show(buf_cstr(&b), b.len));
		buf_truncate(&b, 0);
		assert_int_equal(template_render(raw, data, &b, err), 0);
		if (b.len != n || memcmp(buf_cstr(&b), s, n) != 0)
			fail_msg("round %d: {{{x}}} changed %s", round,
			    tu_show(s, n));
		json_decref(data);
	}
	buf_release(&b);
	buf_release(&back);
	template_free(esc);
	template_free(raw);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
remove_dir(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* template_load_dir: DIR/NAME.mustache; an absent file is no partial;
 * names that could leave DIR, and files that cannot be read, are
 * errors. */
static void
test_load_dir(void **state)
{
	const char *dir = tu_tmpdir();
	char err[ERR_LEN], sub[4200], *text;
	size_t len;

	(void)state;
	write_file(dir, "head.mustache", "Hi {{who}}\n");
	write_file(dir, ".hidden.mustache", "secret");
	snprintf(sub, sizeof(sub), "%s/sub.mustache", dir);
	assert_int_equal(mkdir(sub, 0700), 0);

	assert_int_equal(template_load_dir("head", &text, &len, (void *)dir,
	    err), 1);
	assert_int_equal(len, 11);
	assert_string_equal(text, "Hi {{who}}\n");
	free(text);
	assert_int_equal(template_load_dir("nope", &text, &len, (void *)dir,
	    err), 0);
	assert_int_equal(template_load_dir(".hidden", &text, &len,
	    (void *)dir, err), -1);
	assert_string_equal(err, "invalid partial name '.hidden': names may "
	    "not contain '/' or start with '.'");
	assert_int_equal(template_load_dir("../etc/passwd", &text, &len,
	    (void *)dir, err), -1);
	assert_int_equal(template_load_dir("a/b", &text, &len, (void *)dir,
	    err), -1);
	assert_int_equal(template_load_dir("sub", &text, &len, (void *)dir,
	    err), -1);
	remove_dir(dir);
}

/* Rendering with partials from a directory: they indent, a missing one
 * is nothing, and a partial's errors name its file. */
static void
test_load_dir_render(void **state)
{
	const char *dir = tu_tmpdir(), *src;
	char err[ERR_LEN], want[4400];
	struct template *t;
	json_t *data = json_pack("{s:s}", "who", "<you>");
	struct buf b;

	(void)state;
	write_file(dir, "head.mustache", "Hi {{who}}\n");
	write_file(dir, "bad.mustache", "ok\n  {{#open}}\n");
	buf_init(&b, OUT_MAX);
	src = "{{>head}}{{>nope}}--\n  {{>head}}\n";
	t = template_compile(src, strlen(src), "main.mustache",
	    template_load_dir, (void *)dir, err);
	assert_non_null(t);
	assert_int_equal(template_render(t, data, &b, err), 0);
	assert_string_equal(buf_cstr(&b), "Hi &lt;you&gt;\n--\n  Hi "
	    "&lt;you&gt;\n");
	template_free(t);

	t = template_compile("x\n{{>bad}}", 10, "main.mustache",
	    template_load_dir, (void *)dir, err);
	assert_non_null(t);
	buf_truncate(&b, 0);
	assert_int_equal(template_render(t, data, &b, err), -1);
	snprintf(want, sizeof(want), "%s/bad.mustache:2:3: section 'open' is "
	    "not closed", dir);
	assert_string_equal(err, want);
	template_free(t);

	t = template_compile("{{>../x}}", 9, "main.mustache",
	    template_load_dir, (void *)dir, err);
	assert_non_null(t);
	assert_int_equal(template_render(t, data, &b, err), -1);
	assert_string_equal(err, "invalid partial name '../x': names may not "
	    "contain '/' or start with '.'");
	template_free(t);
	buf_release(&b);
	json_decref(data);
	remove_dir(dir);
}

/* NULL data renders like empty data; a template with no partial loader
 * renders partials as nothing. */
static void
test_no_data_no_loader(void **state)
{
	const char *text = "[{{x}}{{.}}{{#x}}y{{/x}}{{^x}}n{{/x}}{{>p}}]";
	char err[ERR_LEN];
	struct template *t;
	struct buf b;

	(void)state;
	t = template_compile(text, strlen(text), NULL, NULL, NULL, err);
	assert_non_null(t);
	buf_init(&b, 100);
	assert_int_equal(template_render(t, NULL, &b, err), 0);
	assert_string_equal(buf_cstr(&b), "[n]");
	buf_release(&b);
	template_free(t);
	assert_null(template_compile("{{#x}}", 6, NULL, NULL, NULL, err));
	assert_string_equal(err, "template:1:1: section 'x' is not closed");
}

/* One cmocka test per spec file, named after it. */
#define SPEC_TEST(i) { spec_files[i].name, test_spec, NULL, NULL, \
	(void *)&spec_files[i] }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		SPEC_TEST(0), SPEC_TEST(1), SPEC_TEST(2), SPEC_TEST(3),
		SPEC_TEST(4), SPEC_TEST(5), SPEC_TEST(6),
		cmocka_unit_test(test_own_render),
		cmocka_unit_test(test_own_errors),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_recursion_limit),
		cmocka_unit_test(test_big_template),
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_render_to_blocks),
		cmocka_unit_test(test_render_to_cap),
		cmocka_unit_test(test_preload),
		cmocka_unit_test(test_escape_property),
		cmocka_unit_test(test_load_dir),
		cmocka_unit_test(test_load_dir_render),
		cmocka_unit_test(test_no_data_no_loader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
