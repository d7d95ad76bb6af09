/*
 * fuzz_form: the POST body parser of `digest serve`, chosen by the
 * Content-Type as the server chooses it (form_from_body): the first
 * byte, modulo 3, picks urlencoded, JSON or multipart/form-data (with
 * the boundary "b"). Every value kept is valid UTF-8 without NUL, the
 * tag count stays within FORM_TAGS_MAX, and parsing the same bytes
 * twice gives the same fields and the same verdict.
 */
#include "form.h"
#include "fuzz.h"
#include "util.h"

static int
fuzz_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
fuzz_form_check(const struct form *f)
{
	size_t i;

	FUZZ_CHECK(fuzz_text_ok(f->email) && fuzz_text_ok(f->name));
	FUZZ_CHECK(fuzz_text_ok(f->website) && fuzz_text_ok(f->token));
	FUZZ_CHECK(fuzz_text_ok(f->one_click) && fuzz_text_ok(f->email_choice));
	/* email_len is the whole value: a NUL inside would be cut. */
	FUZZ_CHECK(f->email == NULL || strlen(f->email) == f->email_len);
	FUZZ_CHECK(f->email_choice == NULL ||
	    strlen(f->email_choice) == f->email_choice_len);
	FUZZ_CHECK(f->ntags <= FORM_TAGS_MAX);
	for (i = 0; i < f->ntags; i++)
		FUZZ_CHECK(f->tags[i][0] != '\0' && fuzz_text_ok(f->tags[i]));
}

static void
fuzz_form_same(const struct form *a, const struct form *b)
{
	size_t i;

	FUZZ_CHECK(fuzz_same(a->email, b->email) && fuzz_same(a->name,
	    b->name) && fuzz_same(a->website, b->website));
	FUZZ_CHECK(fuzz_same(a->token, b->token) && fuzz_same(a->one_click,
	    b->one_click) && fuzz_same(a->email_choice, b->email_choice));
	FUZZ_CHECK(a->ntags == b->ntags && a->has_tags == b->has_tags);
	for (i = 0; i < a->ntags; i++)
		FUZZ_CHECK(strcmp(a->tags[i], b->tags[i]) == 0);
}

static const char *const fuzz_form_types[3] = {
	"application/x-www-form-urlencoded; charset=UTF-8",
	"application/json",
	"multipart/form-data; boundary=b",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form f1, f2;
	const char *type;
	char err[ERR_LEN];
	int r1, r2;

	if (size < 1)
		return 0;
	type = fuzz_form_types[data[0] % 3];
	memset(&f1, 0, sizeof(f1));
	memset(&f2, 0, sizeof(f2));
	r1 = form_from_body(type, (const char *)data + 1, size - 1, &f1, err);
	r2 = form_from_body(type, (const char *)data + 1, size - 1, &f2, err);
	/* A type it reads is never the 415 of one it does not. */
	FUZZ_CHECK(r1 == r2 && r1 != -2);
	fuzz_form_check(&f1);
	if (r1 == 0)
		fuzz_form_same(&f1, &f2);
	form_release(&f1);
	form_release(&f2);
	return 0;
}
