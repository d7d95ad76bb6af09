/*
 * form: urlencoded and JSON form bodies (form.h).
 */
#include "form.h"

#include "utf8.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FORM_BOUNDARY_MAX 70	/* RFC 2046 */
#define FORM_NAME_MAX 64	/* a field name we could know */

int
form_from_body(const char *type, const char *body, size_t len,
    struct form *f, char *err)
{
	size_t n;

	if (type == NULL)
		type = "";
	n = strcspn(type, "; \t");
	if (n == 33 && strncasecmp(type, "application/x-www-form-urlencoded",
	    n) == 0)
		return form_from_urlencoded(body, len, f, err);
	if (n == 19 && strncasecmp(type, "multipart/form-data", n) == 0)
		return form_from_multipart(body, len, type, f, err);
	if (n == 16 && strncasecmp(type, "application/json", n) == 0)
		return form_from_json(body, len, f, err);
	util_err(err, "send the form as application/x-www-form-urlencoded, "
	    "multipart/form-data or application/json");
	return -2;
}

void
form_release(struct form *f)
{
	size_t i;

	free(f->email);
	free(f->email_choice);
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

/* 0 when a value (len bytes) can be kept: no NUL, valid UTF-8. */
static int
form_value_check(const char *s, size_t len, char *err)
{
	if (memchr(s, '\0', len) != NULL || !utf8_valid(s, len))
		return util_err(err, "the form holds a NUL byte or text that is "
		    "not UTF-8");
	return 0;
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
	if (form_value_check(out, n, err) == -1) {
		free(out);
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
	else if (strcmp(key, "email_choice") == 0)
		slot = &f->email_choice;
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
	else if (slot == &f->email_choice)
		f->email_choice_len = len;
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
	if (root == NULL && json_error_code(&je) == json_error_null_character)
		return util_err(err, "the JSON body holds a NUL character "
		    "(\\u0000), which no field may hold");
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

/* Finds needle (n bytes) in [p, end): its start, or NULL. */
static const char *
form_find(const char *p, const char *end, const char *needle, size_t n)
{
	return n <= (size_t)(end - p) ? memmem(p, (size_t)(end - p), needle,
	    n) : NULL;
}

/* The boundary parameter of a multipart Content-Type, into out: 0, or
 * -1 with err. */
static int
form_boundary(const char *type, char out[FORM_BOUNDARY_MAX + 1], char *err)
{
	const char *p = type, *v;
	size_t n;

	while ((p = strchr(p, ';')) != NULL) {
		p += 1 + strspn(p + 1, " \t");
		if (strncasecmp(p, "boundary=", 9) != 0)
			continue;
		v = p + 9;
		if (*v == '"') {
			v++;
			n = strcspn(v, "\"");
			if (v[n] != '"')
				break;
		} else {
			n = strcspn(v, "; \t");
		}
		if (n == 0 || n > FORM_BOUNDARY_MAX)
			break;
		memcpy(out, v, n);
		out[n] = '\0';
		return 0;
	}
	return util_err(err, "the multipart form has no usable boundary");
}

/* The name="..." of a part's headers [h, end): into name, 0, or -1. */
static int
form_part_name(const char *h, const char *end, char name[FORM_NAME_MAX + 1])
{
	static const char cd[] = "content-disposition:";
	const char *line, *eol, *p;
	size_t n;

	for (line = h; line < end; line = eol + 1) {
		eol = memchr(line, '\n', (size_t)(end - line));
		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - line) < sizeof(cd) - 1 ||
		    strncasecmp(line, cd, sizeof(cd) - 1) != 0)
			continue;
		for (p = line + sizeof(cd) - 1; p + 5 < eol; p++) {
			if (strncasecmp(p, "name=", 5) != 0 || (p[-1] != ' ' &&
			    p[-1] != ';' && p[-1] != '\t'))
				continue;
			p += 5;
			if (*p == '"') {
				const char *q = memchr(p + 1, '"',
				    (size_t)(eol - p - 1));

				if (q == NULL)
					return -1;
				n = (size_t)(q - p - 1);
				p++;
			} else {
				for (n = 0; p + n < eol && p[n] != ';' &&
				    p[n] != '\r' && p[n] != ' '; n++)
					;
			}
			if (n == 0 || n > FORM_NAME_MAX)
				return -1;
			memcpy(name, p, n);
			name[n] = '\0';
			return 0;
		}
	}
	return -1;
}

/* One part [p, end) (headers, blank line, value): into f. */
static int
form_part(const char *p, const char *end, struct form *f, char *err)
{
	char name[FORM_NAME_MAX + 1];
	const char *body;
	size_t n;

	if ((body = form_find(p, end, "\r\n\r\n", 4)) != NULL)
		body += 4;
	else if ((body = form_find(p, end, "\n\n", 2)) != NULL)
		body += 2;
	else
		return util_err(err, "a part of the multipart form has no "
		    "headers");
	if (form_part_name(p, body, name) == -1)
		return util_err(err, "a part of the multipart form has no "
		    "name");
	n = (size_t)(end - body);
	if (form_value_check(body, n, err) == -1)
		return -1;
	return form_set(f, name, xstrndup(body, n), n, err);
}

/*
 * RFC 2046 5.1.1: the body is a preamble, then parts each introduced by
 * a line "--boundary", and the line "--boundary--" closes it. A part
 * ends at the line break before the next delimiter. Line breaks are
 * CRLF; bare LF is taken too, as a lenient reader should.
 */
int
form_from_multipart(const char *body, size_t len, const char *type,
    struct form *f, char *err)
{
	char boundary[FORM_BOUNDARY_MAX + 1], delim[FORM_BOUNDARY_MAX + 4];
	const char *p = body, *end = body + len, *next, *stop;
	size_t dn;

	if (form_boundary(type, boundary, err) == -1)
		return -1;
	dn = (size_t)snprintf(delim, sizeof(delim), "--%s", boundary);
	/* The first delimiter may open the body without a line break. */
	if (!(len >= dn && memcmp(body, delim, dn) == 0)) {
		if ((p = form_find(body, end, delim, dn)) == NULL ||
		    p[-1] != '\n')
			return util_err(err, "the multipart form has no parts");
	}
	for (;;) {
		p += dn;
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return 0;	/* the close delimiter */
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;	/* transport padding */
		if (p < end && *p == '\r')
			p++;
		if (p >= end || *p != '\n')
			return util_err(err, "the multipart form is cut short");
		p++;
		for (next = p; (next = form_find(next, end, delim, dn)) !=
		    NULL && next[-1] != '\n'; next++)
			;
		if (next == NULL)
			return util_err(err, "the multipart form is cut short");
		/* The line break before a delimiter is the delimiter's: a
		 * delimiter right after the one before has an empty part. */
		stop = next > p ? next - 1 : p;
		if (stop > p && stop[-1] == '\r')
			stop--;
		if (form_part(p, stop, f, err) == -1)
			return -1;
		p = next;
	}
}
