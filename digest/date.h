/*
 * date: the date shapes feeds use, to and from UTC seconds.
 *
 * Parses what a person would read as a date, in the shapes of Python's
 * feedparser: RFC 822/2822 with its real-world variants (the zones of the
 * world by name, "CEST", "BST", "AEST", and military ones; no weekday, no
 * comma, no seconds, no time at all, "1500" without a colon, 2-digit
 * years, full month names, Portuguese month and weekday names, the month
 * first: "June 10, 2003", "Jun 10th, 2003 at 4:00 PM EST"), asctime
 * ("Sun Jan  4 16:29:06 PST 2004"), RFC 3339 / ISO 8601 (fractions, Z,
 * +hh:mm, +hhmm, a space for T, date only, "2003-06", "2003", the basic
 * form "20030610T040000Z"), yyyy/mm/dd and dd/mm/yyyy or dd.mm.yyyy
 * [hh:mm[:ss]]. Written by hand: strptime fails on half of these.
 *
 * Rules worth knowing: a missing zone is UTC; a missing time is midnight;
 * a zone name several places use is read as where most feeds using it
 * are (IST: India); the military letters are
 * read as UTC, as RFC 2822 4.3 says (RFC 822 got their signs wrong); a
 * 2-digit year below 50 is 20xx, else 19xx (RFC 2822); a weekday must be
 * a weekday name but need not match the date; fractions of seconds are
 * dropped; dd/mm/yyyy is day first unless only month first makes a date;
 * dates are checked (no 30 February, no hour 24) and trailing text is
 * refused. Cases: tests/data/dates.txt.
 */
#ifndef DIGEST_DATE_H
#define DIGEST_DATE_H

#include <stddef.h>
#include <stdint.h>

/* 0 and *out = seconds since the epoch (UTC), or -1 when s (len bytes,
 * surrounding white space ignored) is not a date this module knows. */
int date_parse(const char *s, size_t len, int64_t *out);

/* The first and last second this module reads and writes:
 * 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
#define DATE_MIN (-62135596800LL)
#define DATE_MAX 253402300799LL

/* Writes "2026-11-29T14:12:29Z" (21 bytes with the NUL) into out. */
#define DATE_RFC3339_LEN 21
void date_to_rfc3339(int64_t t, char out[DATE_RFC3339_LEN]);

/* Seconds since the epoch: the clock, or DIGEST_NOW (epoch seconds or a
 * date date_parse() accepts) so that tests and previews can pin "now".
 * A DIGEST_NOW that is neither is ignored here (there is no error
 * channel): date_now_check, at the program's start, refuses it. */
int64_t date_now(void);

/* Whether DIGEST_NOW, when set, is a value date_now reads: 0, or -1
 * with err naming it. */
int date_now_check(char *err);

/* Parses a duration: "30m" (minutes), "12h", "14d", "2w", up to 100
 * years, into seconds. 0, or -1 for anything else. */
int date_parse_duration(const char *s, int64_t *out);

/* Parses a --since value: "7d", "12h", "2w", "30m" (minutes), "all" (0),
 * or a date that date_parse() accepts; relative values count back from
 * now. 0, or -1 for anything else. */
int date_parse_since(const char *s, int64_t now, int64_t *out);

#endif
