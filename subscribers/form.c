/*
 * form: urlencoded and JSON form bodies (form.h).
 */
#include "form.h"

#include "utf8.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void
form_release(struct form *f)
{
	size_t i;

	free(f->email);
	free(f->name);
	free(f->website);
	free(f->token);
	free(f->one_click);
	for (i = 0; i < f->ntags; i++)
		free(f->tags[i]);
	memset(f, 0, sizeof(*f));
}

static int
form_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes one urlencoded value: an allocated string (caller frees) and
 * its length, or NULL with err for a bad escape, a NUL byte or text that
 * is not UTF-8. */
static char *
form_decode(const char *s, size_t len, size_t *out_len, char *err)
{
	char *out = xmalloc(len + 1);
	size_t i, n = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '+') {
			out[n++] = ' ';
		} else if (s[i] != '%') {
			out[n++] = s[i];
		} else if (i + 2 < len + 0 && (hi = form_hex(s[i + 1])) >= 0 &&
		    (lo = form_hex(s[i + 2])) >= 0) {
			out[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			free(out);
			util_err(err, "the form holds a broken %%-escape");
			return NULL;
		}
	}
	out[n] = '\0';
	if (memchr(out, '\0', n) != NULL || !utf8_valid(out, n)) {
		free(out);
		util_err(err, "the form holds a NUL byte or text that is not "
		    "UTF-8");
		return NULL;
	}
	*out_len = n;
	return out;
}

/* Stores one field; a single-valued field given twice is refused (which
 * of the two would count is anyone's guess). Takes v. */
static int
form_set(struct form *f, const char *key, char *v, size_t len,
    char *err)
{
	char **slot = NULL;

	if (strcmp(key, "email") == 0)
		slot = &f->email;
	else if (strcmp(key, "name") == 0)
		slot = &f->name;
	else if (strcmp(key, "website") == 0)
		slot = &f->website;
	else if (strcmp(key, "token") == 0)
		slot = &f->token;
	else if (strcmp(key, "List-Unsubscribe") == 0)
		slot = &f->one_click;
	if (strcmp(key, "tags") == 0) {
		f->has_tags = 1;
		if (f->ntags < FORM_TAGS_MAX && *v != '\0')
			f->tags[f->ntags++] = v;
		else
			free(v);
		return 0;
	}
	if (slot == NULL) {
		free(v);
		return 0;
	}
	if (*slot != NULL) {
		free(v);
		return util_err(err, "the field '%s' is given twice", key);
	}
	*slot = v;
	if (slot == &f->email)
		f->email_len = len;
	return 0;
}

int
form_from_urlencoded(const char *body, size_t len, struct form *f,
    char *err)
{
	const char *p = body, *end = body + len, *amp, *eq;
	char *key, *v;
	size_t klen, vlen;

	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (amp > p) {
			key = form_decode(p, (size_t)((eq ? eq : amp) - p),
			    &klen, err);
			if (key == NULL)
				return -1;
			v = eq ? form_decode(eq + 1, (size_t)(amp - eq - 1),
			    &vlen, err) : xstrdup("");
			if (v == NULL || form_set(f, key, v, eq ? vlen :
			    0, err) == -1) {
				free(key);
				return -1;
			}
			free(key);
		}
		p = amp + 1;
	}
	return 0;
}

/* A JSON value of the form: a string, or for tags an array of them. */
static int
form_json_field(struct form *f, const char *key, json_t *v,
    char *err)
{
	size_t i;
	json_t *e;

	if (strcmp(key, "tags") == 0 && json_is_array(v)) {
		json_array_foreach(v, i, e) {
			if (!json_is_string(e))
				return util_err(err, "tags must be strings");
			if (form_set(f, key, xstrdup(json_string_value(e)),
			    json_string_length(e), err) == -1)
				return -1;
		}
		f->has_tags = 1;
		return 0;
	}
	if (!json_is_string(v))
		return util_err(err, "the field '%s' must be a string", key);
	return form_set(f, key, xstrndup(json_string_value(v),
	    json_string_length(v)), json_string_length(v), err);
}

int
form_from_json(const char *body, size_t len, struct form *f,
    char *err)
{
	json_error_t je;
	const char *key;
	json_t *root, *v;
	int rc = 0;

	/* jansson refuses invalid UTF-8, and NUL inside strings unless
	 * asked; duplicate keys are refused as in a form. */
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return util_err(err, "the JSON body cannot be read: %s",
		    je.text);
	if (!json_is_object(root))
		rc = util_err(err, "the JSON body must be an object");
	json_object_foreach(root, key, v)
		if (rc == 0)
			rc = form_json_field(f, key, v, err);
	json_decref(root);
	return rc;
}
