/*
 * form: the fields of a signup, confirm, preferences or unsubscribe form
 * as a POST body brings them: application/x-www-form-urlencoded,
 * multipart/form-data (RFC 7578: what mail receivers send for RFC 8058
 * one-click unsubscription) or application/json. One parser for
 * `digest serve` and the fuzzer.
 *
 * Every value kept is valid UTF-8 without NUL bytes: a %-escape that
 * decodes to NUL or to bytes that are not UTF-8 refuses the whole body,
 * as does a broken %-escape ("%4", "%zz"). A single-valued field given
 * twice is refused (which one would count is anyone's guess); "tags" may
 * repeat, empty tags are dropped and only the first FORM_TAGS_MAX kept.
 * Unknown fields are ignored. Parsing is deterministic and allocates only
 * the values it keeps.
 */
#ifndef DIGEST_FORM_H
#define DIGEST_FORM_H

#include <stddef.h>

#define FORM_TAGS_MAX 64

/* Zeroed by the caller before parsing; values owned (form_release). */
struct form {
	char *email;
	size_t email_len;
	/* The address the reader chose when offered a correction of a
	 * likely typo (signup_typo): the one typed or the one offered. */
	char *email_choice;
	size_t email_choice_len;
	char *name;
	char *website;		/* the honeypot */
	char *token;
	char *one_click;	/* List-Unsubscribe */
	char *tags[FORM_TAGS_MAX];
	size_t ntags;
	int has_tags;		/* a tags field was there, even empty */
};

/* Adds the fields of len bytes of urlencoded body to f: 0, or -1 with
 * err; on an error f holds what came before it (release it all). */
int form_from_urlencoded(const char *body, size_t len, struct form *f,
    char *err);
/* The same for a multipart/form-data body whose Content-Type header
 * (the whole value, with its boundary parameter) is type: each part
 * named by its Content-Disposition is one field, its body the value (a
 * part without a name is refused, a file part is a field like another).
 * -1 with err for a missing or bad boundary or a body that does not
 * end with the closing delimiter. */
int form_from_multipart(const char *body, size_t len, const char *type,
    struct form *f, char *err);
/* The same for a JSON object of strings (tags: a string or an array of
 * them); duplicate keys are refused as in a urlencoded form. */
int form_from_json(const char *body, size_t len, struct form *f, char *err);

/* The fields of a body as its Content-Type header (the whole value;
 * NULL for none) says: urlencoded, multipart or JSON, as above. 0, -1
 * with err, or -2 with err for a type that is none of the three (HTTP's
 * 415). */
int form_from_body(const char *type, const char *body, size_t len,
    struct form *f, char *err);

/* Frees the values and zeroes f. */
void form_release(struct form *f);

#endif
