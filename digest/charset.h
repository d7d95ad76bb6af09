/*
 * charset: bytes in a declared or guessed encoding to UTF-8, through
 * glibc's iconv.
 *
 * The rule feed readers follow: a declared encoding wins, except that a
 * declaration of ISO-8859-1 or US-ASCII is read as windows-1252 (what
 * every browser does); with no declaration, valid UTF-8 is UTF-8 and
 * anything else is windows-1252. A byte order mark beats any declaration,
 * and a UTF-8 BOM is dropped.
 *
 * One exception, made by charset_decide(): bytes that hold non-ASCII text
 * and are all valid UTF-8 are read as UTF-8 even when a single-byte
 * encoding (ISO-8859-x, windows-125x, KOI8, US-ASCII) is declared. Real
 * text in those encodings is practically never valid UTF-8 (a letter
 * byte >= 0xC0 would have to be followed by exactly the right number of
 * 0x80-0xBF symbols every time), while servers and templates that label
 * UTF-8 as ISO-8859-1 are common (the Daily Mail feed of the corpus).
 */
#ifndef DIGEST_CHARSET_H
#define DIGEST_CHARSET_H

#include <stddef.h>

#define CHARSET_NAME_MAX 40

/* Converts len bytes of data in encoding from (NULL or "" = guess) into
 * an allocated, NUL-terminated UTF-8 copy; caller frees *out. Invalid
 * sequences become U+FFFD. -1 with err for an encoding iconv lacks (or a
 * name with characters no encoding name has, such as "//"). */
int charset_to_utf8(const char *data, size_t len, const char *from,
    char **out, size_t *outlen, char *err);

/* The encoding data is to be read in, given what was declared for it
 * (NULL or "" when nothing was): the rules above, written into name. */
void charset_decide(const char *data, size_t len, const char *declared,
    char name[CHARSET_NAME_MAX]);

/* 1 when all of data is valid UTF-8, else 0: utf8_valid(), faster on
 * ASCII (it runs over whole feeds). */
int charset_utf8_valid(const char *data, size_t len);

/* 1 when name is an alias of UTF-8, else 0. */
int charset_is_utf8(const char *name);

/* The encoding an HTML page declares (<meta charset=...> or its
 * http-equiv form) within its first 4 KB, into name: 1 found, 0 none. */
int charset_html_declared(const char *data, size_t len,
    char name[CHARSET_NAME_MAX]);

/* The encoding of an XML declaration (<?xml ... encoding="..."?>, after
 * an optional UTF-8 BOM and white space), into name: 1 found, 0 none. */
int charset_xml_declared(const char *data, size_t len,
    char name[CHARSET_NAME_MAX]);

/* The charset parameter of a Content-Type value, into name: 1 found,
 * 0 none. */
int charset_from_content_type(const char *ct, char name[CHARSET_NAME_MAX]);

#endif
