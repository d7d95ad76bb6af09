/*
 * addr: e-mail addresses a newsletter can send to.
 *
 * For now the shape every later stage relies on: one '@', a dot-atom
 * local part of at most 64 octets, a domain of LDH labels with at least
 * one dot, at most 254 octets in all, no control characters, no spaces,
 * no quotes, no IP literals. Surrounding white space is trimmed and the
 * domain lower-cased. (The signup issue grows this into the full
 * validator with IDNA and UTF-8 local parts.)
 */
#ifndef DIGEST_ADDR_H
#define DIGEST_ADDR_H

#include <stddef.h>

#define ADDR_MAX 254

/* Writes the normalized form of the address in s (len bytes, which may
 * hold NUL bytes: they are refused, never cut at) into out (ADDR_MAX + 1
 * bytes): 0, or -1 with err saying what is wrong in words a person
 * understands ("the part after @ needs a dot, like example.com"); out is
 * then untouched. The first problem found is the one reported: line
 * breaks and other control characters before anything else, then
 * characters that show the address was pasted with its surroundings
 * ('<', quotes, commas), then the shape. Non-ASCII is refused, naming
 * the character and its code point. Cases: tests/data/subscribers/addr.txt. */
int addr_from_text(const char *s, size_t len, char out[ADDR_MAX + 1],
    char *err);

#endif
