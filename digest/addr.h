/*
 * addr: e-mail addresses a newsletter can send to.
 *
 * The verdict is the one of Python's email-validator 1.3.0 with
 * check_deliverability=False (tests/test_addr.c checks all 782 inputs of
 * ../shared/testdata/email/signup_cases.json against it): one '@'; a
 * dot-atom local part of at most 64 characters, ASCII atext or any
 * character that is a letter, number, punctuation or symbol (a combining
 * mark too, except first), never a quoted string, comment, space, control
 * or invisible format character; a domain that IDNA 2008 (UTS 46
 * non-transitional mapping, as libidn2 does it) turns into LDH labels of
 * at most 63 octets, at least two, no leading or trailing hyphen, no "--"
 * in the 3rd and 4th places unless an A-label, the last ending in a
 * letter, at most 253 octets, not under a special-use name (arpa,
 * invalid, local, localhost, onion, test); at most 254 octets in all,
 * both in the form below and with the domain in Unicode. No IP literals.
 *
 * The normalized form, what is stored and compared, is the local part as
 * given after Unicode NFC (its case kept: only the receiving server may
 * fold it), '@', and the domain lower-cased in its ASCII form (A-labels,
 * "xn--..."). One address has one normalized form whether it was typed
 * in Unicode, in punycode, in capitals or with fullwidth dots, so it is
 * a unique key; and it is exactly what an SMTP envelope needs: a server
 * must offer SMTPUTF8 only when the local part is not ASCII (smtputf8
 * below), never for the domain. (email-validator's own "email" field has
 * the domain in Unicode; that form is for display only.)
 *
 * The ASCII path (the common case) allocates nothing and never calls
 * libidn2; non-ASCII input and A-labels go through libidn2 and
 * libunistring.
 */
#ifndef DIGEST_ADDR_H
#define DIGEST_ADDR_H

#include <stddef.h>

#include "addrkey.h"

#define ADDR_MAX ADDRKEY_ADDR_MAX
#define ADDR_KEY_MAX ADDRKEY_MAX

struct addr {
	char text[ADDR_MAX + 1];	/* the normalized form */
	size_t local_len;		/* octets before the '@' in text */
	int smtputf8;			/* the local part is not ASCII */
};

/* Validates s (len bytes, which may hold NUL bytes: they are refused,
 * never cut at) exactly as given, with no trimming: 0 and a filled, or
 * -1 with err (ERR_LEN bytes) saying what is wrong in words a person
 * understands ("the part after @ needs a dot, like example.com"); a is
 * then untouched. Line breaks and other controls are reported first, then
 * characters that show the address was pasted with its surroundings. */
int addr_parse(const char *s, size_t len, struct addr *a, char *err);

/* As addr_parse, after trimming white space (ASCII and Unicode) from
 * both ends, as a person's paste or a CSV cell needs; writes the
 * normalized form into out. The entry point of add, import and send. */
int addr_from_text(const char *s, size_t len, char out[ADDR_MAX + 1],
    char *err);

/* The key an address is matched by, wherever it is looked up or must be
 * unique (the store's index, a suppression, show, remove): the key
 * (addrkey.h: the whole of it case-folded, the domain in A-labels) of
 * the normalized form of s (addr_from_text). "Hana.Sato@Example.com",
 * "HANA.SATO@example.com" and "hana.sato@EXAMPLE.COM" are one key;
 * "ü.example" and "xn--tda.example" too. The normalized form, case
 * kept, is what mail is sent to. 0 and key, or -1 with err as
 * addr_from_text says. */
int addr_key(const char *s, size_t len, char key[ADDR_KEY_MAX + 1],
    char *err);

/* The normalized address email as a person reads it: its domain's
 * A-labels in Unicode ("jürgen@xn--bcher-kva.example" reads
 * "jürgen@bücher.example"), for pages and the text of mails, never for
 * an envelope or a header. Anything it cannot convert stays as it is.
 * Returns a string the caller frees. */
char *addr_display(const char *email);

/* A guess at what a person meant when the domain of s (valid or not)
 * looks like a typo of a popular mail domain ("gmial.com", "gmail.con",
 * "hotmial.com"): 1 and the whole corrected address in out, else 0. */
int addr_suggest(const char *s, size_t len, char out[ADDR_MAX + 1]);

/* Asks DNS whether domain (ASCII, as in the normalized form) takes mail:
 * an MX record, or an address record standing in for one (RFC 5321
 * 5.1). Waits at most timeout_ms. 1 yes; 0 no (err says why: no such
 * domain, no mail server, or a null MX); -1 when the lookup failed or
 * timed out (err), which says nothing about the address. */
int addr_mx_check(const char *domain, int timeout_ms, char *err);

#endif
