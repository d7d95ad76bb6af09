/*
 * charset: bytes in a declared or guessed encoding to UTF-8, through
 * glibc's iconv.
 *
 * The rule feed readers follow: a declared encoding wins, except that a
 * declaration of ISO-8859-1 or US-ASCII is read as windows-1252 (what
 * every browser does); with no declaration, valid UTF-8 is UTF-8 and
 * anything else is windows-1252. A UTF-8 BOM is dropped.
 */
#ifndef DIGEST_CHARSET_H
#define DIGEST_CHARSET_H

#include <stddef.h>

#define CHARSET_NAME_MAX 40

/* Converts len bytes of data in encoding from (NULL or "" = guess) into
 * an allocated, NUL-terminated UTF-8 copy; caller frees *out. Invalid
 * sequences become U+FFFD. -1 with err for an encoding iconv lacks. */
int charset_to_utf8(const char *data, size_t len, const char *from,
    char **out, size_t *outlen, char *err);

/* The encoding an HTML page declares (<meta charset=...> or its
 * http-equiv form) within its first 4 KB, into name: 1 found, 0 none. */
int charset_html_declared(const char *data, size_t len,
    char name[CHARSET_NAME_MAX]);

/* The charset parameter of a Content-Type value, into name: 1 found,
 * 0 none. */
int charset_from_content_type(const char *ct, char name[CHARSET_NAME_MAX]);

#endif
