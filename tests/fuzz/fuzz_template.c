/*
 * fuzz_template: the Mustache engine. The first byte chooses:
 *  - even: the rest is a template, compiled and rendered with fixed data
 *    and partials made of the same bytes. Errors are fine; a crash, a
 *    leak, an unterminated error or output past the buffer's maximum are
 *    not.
 *  - odd: the rest is a value x, rendered in an HTML context by {{x}}
 *    (text and attribute). Between the template's own markup, the
 *    output holds no '<', '>', '"' or '\'' at all and '&' only to start
 *    one of the five entities the engine writes, and it decodes back to
 *    x; {{{x}}} gives x unchanged.
 */
#include "fuzz.h"
#include "template.h"
#include "util.h"

#define FUZZ_OUT_MAX (1u << 20)

struct fuzz_partial {
	const char *text;
	size_t len;
};

static int
fuzz_load(const char *name, char **text, size_t *len, void *arg, char *err)
{
	const struct fuzz_partial *p = arg;

	(void)err;
	if (strcmp(name, "self") != 0)
		return 0;
	*text = malloc(p->len + 1);
	FUZZ_CHECK(*text != NULL);
	memcpy(*text, p->text, p->len);
	*len = p->len;
	return 1;
}

static void
fuzz_any_template(const char *s, size_t n)
{
	struct fuzz_partial p = { s, n };
	struct template *t;
	struct buf out;
	char err[ERR_LEN];
	json_t *data;

	data = json_pack("{s:s, s:i, s:b, s:[{s:s},{s:s}], s:{s:{s:s}}}",
	    "x", "<a href=\"q\">&'", "n", 3, "t", 1, "items", "x", "one",
	    "x", "two", "a", "b", "c", "deep");
	FUZZ_CHECK(data != NULL);
	t = template_compile(s, n, "fuzz", fuzz_load, &p, err);
	if (t == NULL) {
		FUZZ_CHECK(memchr(err, '\0', ERR_LEN) != NULL);
		json_decref(data);
		return;
	}
	buf_init(&out, FUZZ_OUT_MAX);
	if (template_render(t, data, &out, err) == 0)
		FUZZ_CHECK(out.len <= FUZZ_OUT_MAX);
	else
		FUZZ_CHECK(out.len == 0);
	buf_release(&out);
	template_free(t);
	json_decref(data);
}

static const char *const fuzz_entities[] = {
	"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"
};
static const char fuzz_raw[] = "&<>\"'";

/* Checks that [s, s+n) is x escaped: no markup character but at the
 * start of an entity, and the entities decode back to x. */
static void
fuzz_escaped(const char *s, size_t n, const char *x, size_t xn)
{
	size_t i = 0, j = 0, k, e;

	while (i < n) {
		FUZZ_CHECK(s[i] != '<' && s[i] != '>' && s[i] != '"' &&
		    s[i] != '\'');
		if (s[i] != '&') {
			FUZZ_CHECK(j < xn && x[j] == s[i]);
			i++, j++;
			continue;
		}
		for (k = 0; k < 5; k++) {
			e = strlen(fuzz_entities[k]);
			if (n - i >= e && memcmp(s + i, fuzz_entities[k], e) == 0)
				break;
		}
		FUZZ_CHECK(k < 5 && j < xn && x[j] == fuzz_raw[k]);
		i += e;
		j++;
	}
	FUZZ_CHECK(j == xn);
}

static void
fuzz_value(const char *x, size_t xn)
{
	static const char tpl[] = "<p title=\"{{x}}\">{{x}}</p>{{{x}}}";
	struct template *t;
	struct buf out;
	char err[ERR_LEN];
	json_t *data;
	const char *o;
	size_t n, esc;

	data = json_pack("{s:s%}", "x", x, xn);
	FUZZ_CHECK(data != NULL);
	t = template_compile(tpl, sizeof(tpl) - 1, "fuzz", NULL, NULL, err);
	FUZZ_CHECK(t != NULL);
	buf_init(&out, FUZZ_OUT_MAX);
	FUZZ_CHECK(template_render(t, data, &out, err) == 0);
	o = out.data;
	n = out.len;
	/* <p title="E">E</p>X: both E equal, X is x. */
	FUZZ_CHECK(n >= 16 + xn && memcmp(o, "<p title=\"", 10) == 0);
	FUZZ_CHECK(memcmp(o + n - xn, x, xn) == 0);
	esc = (n - xn - 16) / 2;
	FUZZ_CHECK(2 * esc + xn + 16 == n);
	FUZZ_CHECK(memcmp(o + 10 + esc, "\">", 2) == 0);
	FUZZ_CHECK(memcmp(o + 12 + 2 * esc, "</p>", 4) == 0);
	FUZZ_CHECK(memcmp(o + 10, o + 12 + esc, esc) == 0);
	fuzz_escaped(o + 10, esc, x, xn);
	buf_release(&out);
	template_free(t);
	json_decref(data);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1;
	char *copy;

	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0) {
		fuzz_any_template(s, size - 1);
		return 0;
	}
	/* jansson wants UTF-8 (the engine prints any bytes): repair it,
	 * and x ends at a NUL. */
	copy = utf8_repair(s, size - 1, NULL);
	fuzz_value(copy, strlen(copy));
	free(copy);
	return 0;
}
