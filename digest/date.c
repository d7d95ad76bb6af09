#include "date.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * One scanner over the trimmed input; every parser below moves `i` and
 * returns -1 on the first thing it does not expect, so that garbage after
 * a valid prefix ("Tue, 10 Jun 2003 04:00:00 GMT junk") is refused.
 */
struct scan {
	const char *s;
	size_t n;
	size_t i;
};

/* A broken-down UTC-or-offset time before validation. */
struct fields {
	long year, mon, day, hour, min, sec;
	long off;		/* seconds east of UTC */
};

struct name {
	const char *name;
	int value;
};

/* English and Portuguese (the UOL feed writes "Seg, 24 Set 2018"). */
static const struct name months[] = {
	{ "jan", 1 }, { "january", 1 }, { "janeiro", 1 },
	{ "feb", 2 }, { "february", 2 }, { "fev", 2 }, { "fevereiro", 2 },
	{ "mar", 3 }, { "march", 3 }, { "mar\xc3\xa7o", 3 }, { "marco", 3 },
	{ "apr", 4 }, { "april", 4 }, { "abr", 4 }, { "abril", 4 },
	{ "may", 5 }, { "mai", 5 }, { "maio", 5 },
	{ "jun", 6 }, { "june", 6 }, { "junho", 6 },
	{ "jul", 7 }, { "july", 7 }, { "julho", 7 },
	{ "aug", 8 }, { "august", 8 }, { "ago", 8 }, { "agosto", 8 },
	{ "sep", 9 }, { "sept", 9 }, { "september", 9 }, { "set", 9 },
	{ "setembro", 9 },
	{ "oct", 10 }, { "october", 10 }, { "out", 10 }, { "outubro", 10 },
	{ "nov", 11 }, { "november", 11 }, { "novembro", 11 },
	{ "dec", 12 }, { "december", 12 }, { "dez", 12 }, { "dezembro", 12 },
};

/* The weekday is checked to be a weekday name and otherwise ignored:
 * feeds get it wrong often enough that the date is what counts. */
static const struct name weekdays[] = {
	{ "mon", 1 }, { "monday", 1 }, { "tue", 2 }, { "tues", 2 },
	{ "tuesday", 2 }, { "wed", 3 }, { "wednesday", 3 }, { "thu", 4 },
	{ "thur", 4 }, { "thurs", 4 }, { "thursday", 4 }, { "fri", 5 },
	{ "friday", 5 }, { "sat", 6 }, { "saturday", 6 }, { "sun", 7 },
	{ "sunday", 7 },
	{ "seg", 1 }, { "segunda", 1 }, { "ter", 2 }, { "ter\xc3\xa7" "a", 2 },
	{ "terca", 2 }, { "qua", 3 }, { "quarta", 3 }, { "qui", 4 },
	{ "quinta", 4 }, { "sex", 5 }, { "sexta", 5 }, { "s\xc3\xa1" "b", 6 },
	{ "sab", 6 }, { "s\xc3\xa1" "bado", 6 }, { "sabado", 6 }, { "dom", 7 },
	{ "domingo", 7 },
};

/* Offsets in minutes. RFC 2822 4.3: the military letters were defined
 * with the wrong sign in RFC 822 and are to be read as -0000 (UTC). RFC
 * 822 names only the North American zones; feeds use the zones of where
 * they are written ("CEST", "BST", "IST", "AEST"), each read here as the
 * offset most of its users mean: IST is India's. */
static const struct name zones[] = {
	{ "gmt", 0 }, { "ut", 0 }, { "utc", 0 }, { "z", 0 },
	{ "est", -300 }, { "edt", -240 }, { "cst", -360 }, { "cdt", -300 },
	{ "mst", -420 }, { "mdt", -360 }, { "pst", -480 }, { "pdt", -420 },
	{ "et", -300 }, { "ct", -360 }, { "mt", -420 }, { "pt", -480 },
	{ "ast", -240 }, { "adt", -180 }, { "nst", -210 }, { "ndt", -150 },
	{ "akst", -540 }, { "akdt", -480 }, { "hst", -600 }, { "hdt", -540 },
	{ "wet", 0 }, { "west", 60 }, { "bst", 60 }, { "ist", 330 },
	{ "cet", 60 }, { "cest", 120 }, { "met", 60 }, { "mest", 120 },
	{ "mez", 60 }, { "mesz", 120 }, { "eet", 120 }, { "eest", 180 },
	{ "msk", 180 }, { "wat", 60 }, { "cat", 120 }, { "eat", 180 },
	{ "sast", 120 }, { "pkt", 300 }, { "ict", 420 }, { "wib", 420 },
	{ "hkt", 480 }, { "sgt", 480 }, { "pht", 480 }, { "awst", 480 },
	{ "jst", 540 }, { "kst", 540 }, { "acst", 570 }, { "acdt", 630 },
	{ "aest", 600 }, { "aedt", 660 }, { "nzst", 720 }, { "nzdt", 780 },
	{ "brt", -180 }, { "art", -180 },
};

static int
peek(const struct scan *sc)
{
	return sc->i < sc->n ? (unsigned char)sc->s[sc->i] : -1;
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Letters, including any byte of a UTF-8 sequence ("Sáb", "março"). */
static int
is_word(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t
skip_blanks(struct scan *sc)
{
	size_t start = sc->i;

	while (is_blank(peek(sc)))
		sc->i++;
	return sc->i - start;
}

static int
accept(struct scan *sc, int c)
{
	if (peek(sc) != c)
		return 0;
	sc->i++;
	return 1;
}

/* Reads min..max digits into *v: 0, or -1 when there are too few or too
 * many (a run longer than max is not a number of this field). */
static int
digits(struct scan *sc, int min, int max, long *v, int *count)
{
	int k = 0;

	*v = 0;
	while (is_digit(peek(sc))) {
		if (k == max)
			return -1;
		*v = *v * 10 + (peek(sc) - '0');
		sc->i++;
		k++;
	}
	if (count != NULL)
		*count = k;
	return k >= min ? 0 : -1;
}

/* Looks the word at the cursor up in a table (ASCII case folded): 0 and
 * *v, or -1 leaving the cursor where it was. */
static int
word(struct scan *sc, const struct name *tab, size_t ntab, int *v)
{
	size_t start = sc->i, len, k, j;

	while (is_word(peek(sc)))
		sc->i++;
	len = sc->i - start;
	for (k = 0; len > 0 && k < ntab; k++) {
		if ((sc->s[start] | 0x20) != tab[k].name[0] ||
		    strlen(tab[k].name) != len)
			continue;
		for (j = 0; j < len; j++) {
			int c = (unsigned char)sc->s[start + j];

			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			if (c != (unsigned char)tab[k].name[j])
				break;
		}
		if (j == len) {
			*v = tab[k].value;
			return 0;
		}
	}
	sc->i = start;
	return -1;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* "+hhmm", "-hh:mm", "+hh": 0 and *off in seconds, or -1. */
static int
numeric_zone(struct scan *sc, long *off)
{
	int sign = peek(sc) == '-' ? -1 : 1, k;
	long hh, mm = 0;

	if (!accept(sc, '+') && !accept(sc, '-'))
		return -1;
	if (digits(sc, 2, 4, &hh, &k) == -1 || k == 3)
		return -1;
	if (k == 4) {
		mm = hh % 100;
		hh /= 100;
	} else if (accept(sc, ':') && digits(sc, 2, 2, &mm, NULL) == -1) {
		return -1;
	}
	if (hh > 23 || mm > 59)
		return -1;
	*off = sign * (hh * 3600 + mm * 60);
	return 0;
}

/* A named, military or numeric zone, "GMT+0100" included, and a trailing
 * "(comment)" such as "-0800 (PST)". */
static int
zone(struct scan *sc, long *off)
{
	int minutes;
	size_t start = sc->i;

	*off = 0;
	if (peek(sc) == '+' || peek(sc) == '-') {
		if (numeric_zone(sc, off) == -1)
			return -1;
	} else if (word(sc, zones, NELEM(zones), &minutes) == 0) {
		*off = minutes * 60L;
		if ((peek(sc) == '+' || peek(sc) == '-') && minutes == 0 &&
		    numeric_zone(sc, off) == -1)
			return -1;
	} else {
		int c = peek(sc) | 0x20;

		/* Military letters: A-I, K-Z; a single letter only. */
		if (!(c >= 'a' && c <= 'z' && c != 'j') ||
		    is_word(sc->i + 1 < sc->n ?
		    (unsigned char)sc->s[sc->i + 1] : 0))
			return -1;
		sc->i++;
	}
	skip_blanks(sc);
	if (accept(sc, '(')) {
		while (peek(sc) != -1 && peek(sc) != ')')
			sc->i++;
		if (!accept(sc, ')'))
			return -1;
	}
	return sc->i > start ? 0 : -1;
}

/* "am", "pm", "a.m.", "p.m." after a clock time: 0 and *pm, or -1
 * leaving the cursor where it was. */
static int
meridiem(struct scan *sc, int *pm)
{
	size_t start = sc->i;
	int c = peek(sc) | 0x20;

	if (c != 'a' && c != 'p')
		return -1;
	*pm = c == 'p';
	sc->i++;
	accept(sc, '.');
	if ((peek(sc) | 0x20) != 'm') {
		sc->i = start;
		return -1;
	}
	sc->i++;
	accept(sc, '.');
	if (is_word(peek(sc))) {
		sc->i = start;
		return -1;
	}
	return 0;
}

/* "hh:mm[:ss]" or "hhmm" (the RSS 0.92 sample's "1500"), then "AM" or
 * "PM" when there is one (12 AM is midnight). */
static int
clock_time(struct scan *sc, struct fields *f)
{
	size_t at;
	int k, pm;

	if (digits(sc, 1, 4, &f->hour, &k) == -1)
		return -1;
	if (k == 4) {
		f->min = f->hour % 100;
		f->hour /= 100;
		f->sec = 0;
		return 0;
	}
	if (k > 2 || !accept(sc, ':') || digits(sc, 2, 2, &f->min, NULL) == -1)
		return -1;
	f->sec = 0;
	if (accept(sc, ':') && digits(sc, 2, 2, &f->sec, NULL) == -1)
		return -1;
	at = sc->i;
	skip_blanks(sc);
	if (meridiem(sc, &pm) == -1) {
		sc->i = at;
		return 0;
	}
	if (f->hour < 1 || f->hour > 12)
		return -1;
	f->hour = f->hour % 12 + (pm ? 12 : 0);
	return 0;
}

/* A day of the month, with an English ordinal's letters: "10", "1st". */
static int
day_of_month(struct scan *sc, long *day)
{
	static const char *const ordinals[] = { "st", "nd", "rd", "th" };
	size_t k;

	if (digits(sc, 1, 2, day, NULL) == -1)
		return -1;
	for (k = 0; k < NELEM(ordinals); k++)
		if (sc->i + 2 <= sc->n && (sc->s[sc->i] | 0x20) ==
		    ordinals[k][0] && (sc->s[sc->i + 1] | 0x20) ==
		    ordinals[k][1] && !is_word(sc->i + 2 < sc->n ?
		    (unsigned char)sc->s[sc->i + 2] : 0)) {
			sc->i += 2;
			break;
		}
	return 0;
}

/* RFC 2822 4.3: a 2-digit year below 50 is 20xx, else 19xx; a 3-digit
 * year has 1900 added. */
static int
year(struct scan *sc, long *y)
{
	int k;

	if (digits(sc, 2, 4, y, &k) == -1)
		return -1;
	if (k == 2)
		*y += *y < 50 ? 2000 : 1900;
	else if (k == 3)
		*y += 1900;
	return 0;
}

static int
need_blanks(struct scan *sc)
{
	return skip_blanks(sc) > 0 ? 0 : -1;
}

/* The word "at" between a date and its time ("June 10, 2003 at 4:00
 * PM"), and the white space around it. */
static void
skip_at(struct scan *sc)
{
	size_t start = sc->i;

	if ((peek(sc) | 0x20) == 'a' && sc->i + 2 < sc->n &&
	    (sc->s[sc->i + 1] | 0x20) == 't' && is_blank((unsigned char)
	    sc->s[sc->i + 2])) {
		sc->i += 2;
		if (skip_blanks(sc) == 0)
			sc->i = start;
	}
}

static int parse_ymd_slashed(struct scan *sc, struct fields *f);
static int time_after_date(struct scan *sc, struct fields *f);

/*
 * RFC 822 and its variants: [weekday[,]] day month[,] year [[at] time
 * [zone]], also with the month before the day ("June 10, 2003", "Jun
 * 10th, 2003 4:00 PM EST"), asctime's "Tue Jun 10 04:00:00 [PST] 2003",
 * and Perforce's "Fri, 2006/09/15 08:19:53 EDT". A date without a time
 * is its midnight; a missing zone is UTC.
 */
static int
parse_rfc822(struct scan *sc, struct fields *f)
{
	int wd, mon;

	if (word(sc, weekdays, NELEM(weekdays), &wd) == 0) {
		if (!accept(sc, ',') && !accept(sc, '.') && !is_blank(peek(sc)))
			return -1;
		skip_blanks(sc);
	}
	if (sc->i + 4 < sc->n && is_digit(peek(sc)) && sc->s[sc->i + 4] == '/')
		return parse_ymd_slashed(sc, f);
	if (is_digit(peek(sc))) {
		if (day_of_month(sc, &f->day) == -1 ||
		    need_blanks(sc) == -1 ||
		    word(sc, months, NELEM(months), &mon) == -1)
			return -1;
	} else {
		if (word(sc, months, NELEM(months), &mon) == -1 ||
		    need_blanks(sc) == -1 ||
		    day_of_month(sc, &f->day) == -1)
			return -1;
	}
	accept(sc, ',');
	f->mon = mon;
	if (need_blanks(sc) == -1)
		return -1;
	/* asctime: the time, maybe a zone, then the year. */
	if (sc->i + 2 < sc->n && (sc->s[sc->i + 1] == ':' ||
	    sc->s[sc->i + 2] == ':')) {
		if (clock_time(sc, f) == -1 || need_blanks(sc) == -1)
			return -1;
		/* zone() takes the white space after it. */
		if (!is_digit(peek(sc)) && zone(sc, &f->off) == -1)
			return -1;
		return year(sc, &f->year);
	}
	return year(sc, &f->year) == -1 ? -1 : time_after_date(sc, f);
}

/* RFC 3339 / ISO 8601: yyyy-mm-dd[(T|space)hh:mm[:ss[.frac]]][zone],
 * and W3C-DTF's reduced dates, "2003-06" and "2003" (their first day). */
static int
parse_iso(struct scan *sc, struct fields *f)
{
	long frac;

	f->mon = f->day = 1;
	if (digits(sc, 4, 4, &f->year, NULL) == -1)
		return -1;
	if (peek(sc) == -1)
		return 0;
	if (!accept(sc, '-') || digits(sc, 2, 2, &f->mon, NULL) == -1)
		return -1;
	if (peek(sc) == -1)
		return 0;
	if (!accept(sc, '-') || digits(sc, 2, 2, &f->day, NULL) == -1)
		return -1;
	if (peek(sc) == -1)
		return 0;
	if (!accept(sc, 'T') && !accept(sc, 't') && skip_blanks(sc) == 0)
		return -1;
	if (digits(sc, 2, 2, &f->hour, NULL) == -1 || !accept(sc, ':') ||
	    digits(sc, 2, 2, &f->min, NULL) == -1)
		return -1;
	if (accept(sc, ':')) {
		if (digits(sc, 2, 2, &f->sec, NULL) == -1)
			return -1;
		/* Fractions are dropped: the store keeps seconds. */
		if ((accept(sc, '.') || accept(sc, ',')) &&
		    digits(sc, 1, 9, &frac, NULL) == -1)
			return -1;
	}
	skip_blanks(sc);
	if (peek(sc) == -1)
		return 0;
	if (accept(sc, 'Z') || accept(sc, 'z'))
		return 0;
	return numeric_zone(sc, &f->off);
}

static int
leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(long y, long m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

static int
valid_date(long y, long m, long d)
{
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	    d <= days_in_month(y, m);
}

/* The time and zone after a numeric date: [[at] hh:mm[:ss] [zone]]. */
static int
time_after_date(struct scan *sc, struct fields *f)
{
	if (skip_blanks(sc) == 0 || peek(sc) == -1)
		return peek(sc) == -1 ? 0 : -1;
	skip_at(sc);
	if (clock_time(sc, f) == -1)
		return -1;
	skip_blanks(sc);
	return peek(sc) == -1 ? 0 : zone(sc, &f->off);
}

/* yyyy/mm/dd [hh:mm[:ss]] [zone]. */
static int
parse_ymd_slashed(struct scan *sc, struct fields *f)
{
	if (digits(sc, 4, 4, &f->year, NULL) == -1 || !accept(sc, '/') ||
	    digits(sc, 1, 2, &f->mon, NULL) == -1 || !accept(sc, '/') ||
	    digits(sc, 1, 2, &f->day, NULL) == -1)
		return -1;
	return time_after_date(sc, f);
}

/* Exactly n digits into *v, more may follow: the fields of ISO 8601's
 * basic form run together. 0, or -1. */
static int
fixed(struct scan *sc, int n, long *v)
{
	*v = 0;
	while (n-- > 0) {
		if (!is_digit(peek(sc)))
			return -1;
		*v = *v * 10 + (peek(sc) - '0');
		sc->i++;
	}
	return 0;
}

/* The ISO 8601 basic form: yyyymmdd[Thhmm[ss]][Z|+hhmm]. */
static int
parse_iso_basic(struct scan *sc, struct fields *f)
{
	if (fixed(sc, 4, &f->year) == -1 || fixed(sc, 2, &f->mon) == -1 ||
	    fixed(sc, 2, &f->day) == -1)
		return -1;
	if (peek(sc) == -1)
		return 0;
	if (!accept(sc, 'T') && !accept(sc, 't'))
		return -1;
	if (fixed(sc, 2, &f->hour) == -1 || fixed(sc, 2, &f->min) == -1)
		return -1;
	if (is_digit(peek(sc)) && fixed(sc, 2, &f->sec) == -1)
		return -1;
	if (peek(sc) == -1 || accept(sc, 'Z') || accept(sc, 'z'))
		return 0;
	return numeric_zone(sc, &f->off);
}

/*
 * dd/mm/yyyy [hh:mm[:ss]] [zone], also dd.mm.yyyy: day first, as in most
 * of the world and in the UK feed of the corpus, unless only month-first
 * makes a valid date.
 */
static int
parse_slashed(struct scan *sc, struct fields *f)
{
	long a, b;
	int sep;

	if (digits(sc, 1, 2, &a, NULL) == -1)
		return -1;
	sep = peek(sc);
	if ((sep != '/' && sep != '.') || !accept(sc, sep) ||
	    digits(sc, 1, 2, &b, NULL) == -1 || !accept(sc, sep) ||
	    digits(sc, 4, 4, &f->year, NULL) == -1)
		return -1;
	if (b >= 1 && b <= 12 && valid_date(f->year, b, a)) {
		f->day = a;
		f->mon = b;
	} else {
		f->day = b;
		f->mon = a;
	}
	return time_after_date(sc, f);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), so that no time zone or libc state is involved. */
static int64_t
days_from_civil(long y, long m, long d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
fields_to_time(const struct fields *f, int64_t *out)
{
	if (!valid_date(f->year, f->mon, f->day) || f->hour > 23 ||
	    f->min > 59 || f->sec > 60)
		return -1;
	*out = days_from_civil(f->year, f->mon, f->day) * 86400 +
	    f->hour * 3600 + f->min * 60 + f->sec - f->off;
	return 0;
}

int
date_parse(const char *s, size_t len, int64_t *out)
{
	struct scan sc;
	struct fields f;
	size_t k;
	int rc;

	s = util_trim(s, &len);
	sc.s = s;
	sc.n = len;
	sc.i = 0;
	memset(&f, 0, sizeof(f));
	if (len == 0)
		return -1;
	for (k = 0; k < len && is_digit((unsigned char)s[k]); k++)
		;
	if (k == 4 && (k == len || s[k] == '-'))
		rc = parse_iso(&sc, &f);
	else if (k == 4 && s[k] == '/')
		rc = parse_ymd_slashed(&sc, &f);
	else if (k == 8)
		rc = parse_iso_basic(&sc, &f);
	else if ((k == 1 || k == 2) && k < len && (s[k] == '/' ||
	    (s[k] == '.' && k + 1 < len && is_digit((unsigned char)s[k + 1]))))
		rc = parse_slashed(&sc, &f);
	else
		rc = parse_rfc822(&sc, &f);
	if (rc == -1 || sc.i != sc.n)
		return -1;
	return fields_to_time(&f, out);
}

/* Writes v (0 <= v < 10^width) as width decimal digits. */
static void
put_digits(char *out, int64_t v, int width)
{
	while (width-- > 0) {
		out[width] = (char)('0' + v % 10);
		v /= 10;
	}
}

void
date_to_rfc3339(int64_t t, char out[DATE_RFC3339_LEN])
{
	int64_t days, secs, z, era, doe, yoe, doy, mp, y, m, d;

	/* Keep the year within four digits. */
	if (t < DATE_MIN)
		t = DATE_MIN;
	if (t > DATE_MAX)
		t = DATE_MAX;
	days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	secs = t - days * 86400;
	/* H. Hinnant's civil_from_days. */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	put_digits(out, y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[10] = 'T';
	put_digits(out + 11, secs / 3600, 2);
	out[13] = ':';
	put_digits(out + 14, secs / 60 % 60, 2);
	out[16] = ':';
	put_digits(out + 17, secs % 60, 2);
	out[19] = 'Z';
	out[20] = '\0';
}

/* DIGEST_NOW's time, when it is set and is epoch seconds or a date: 0,
 * else -1. */
static int
date_now_env(int64_t *t)
{
	const char *env = getenv("DIGEST_NOW");
	long long v;

	if (env == NULL || *env == '\0')
		return -1;
	if (util_parse_long(env, 0, DATE_MAX, &v) == 0) {
		*t = v;
		return 0;
	}
	return date_parse(env, strlen(env), t);
}

int64_t
date_now(void)
{
	int64_t t;

	/* A value that is neither epoch seconds nor a date is ignored: there
	 * is no error channel here, and the clock is the safe answer. */
	return date_now_env(&t) == 0 ? t : (int64_t)time(NULL);
}

int
date_now_check(char *err)
{
	const char *env = getenv("DIGEST_NOW");
	int64_t t;

	if (env == NULL || *env == '\0' || date_now_env(&t) == 0)
		return 0;
	return util_err(err, "DIGEST_NOW: '%.64s' is neither a date "
	    "(2026-11-28, 2026-11-28T12:00:00Z) nor seconds since the epoch",
	    env);
}

int
date_parse_duration(const char *s, int64_t *out)
{
	static const struct { char unit; int64_t secs; } units[] = {
		{ 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 },
	};
	char num[16];
	size_t len = strlen(s), k;
	long long n;

	s = util_trim(s, &len);
	for (k = 0; len >= 2 && len - 1 < sizeof(num) && k < NELEM(units);
	    k++) {
		if (s[len - 1] != units[k].unit)
			continue;
		memcpy(num, s, len - 1);
		num[len - 1] = '\0';
		/* Up to 100 years, in any unit. */
		if (!is_digit((unsigned char)num[0]) ||
		    util_parse_long(num, 0, 3153600000LL / units[k].secs,
		    &n) == -1)
			return -1;
		*out = (int64_t)n * units[k].secs;
		return 0;
	}
	return -1;
}

int
date_parse_since(const char *s, int64_t now, int64_t *out)
{
	size_t len = strlen(s);
	int64_t secs;

	s = util_trim(s, &len);
	if (len == 3 && memcmp(s, "all", 3) == 0) {
		*out = 0;
		return 0;
	}
	if (date_parse_duration(s, &secs) == 0) {
		*out = now - secs;
		return 0;
	}
	return date_parse(s, len, out);
}
