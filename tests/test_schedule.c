/*
 * schedule: the cases live in tests/data/schedule.txt (weekday, time,
 * zone, now, last slot, next slot, edition id; or an error row); this
 * file runs them under different process time zones, and checks what
 * a table cannot: properties over random moments, the caller's TZ left
 * as it was, and calls from several threads at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"
#include "date.h"
#include "schedule.h"

#include <pthread.h>
#include <time.h>

#define MIN_CASES 100

/* The zones the random and thread tests walk; those tzdata lacks are
 * passed over. */
static const char *const zones[] = {
	"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata",
	"Pacific/Chatham", "Australia/Lord_Howe", "America/Santiago",
	"Europe/London",
};
#define NZONES (sizeof(zones) / sizeof(zones[0]))

static int skipped;

static int
zone_present(const char *tz)
{
	char path[256];

	if (strcmp(tz, "UTC") == 0)
		return 1;
	snprintf(path, sizeof(path), "%s/%s", SCHEDULE_ZONEINFO, tz);
	return access(path, R_OK) == 0;
}

static const char *
rfc3339(int64_t t, char out[DATE_RFC3339_LEN])
{
	if (t == SCHEDULE_NONE)
		return "none";
	date_to_rfc3339(t, out);
	return out;
}

/* An error row: parsing fails with exactly the message, and leaves the
 * schedule alone. */
static int
check_error(char **f, int lineno)
{
	struct schedule s, before;
	char err[ERR_LEN] = "";

	memset(&s, 0x5A, sizeof(s));
	before = s;
	if (schedule_parse(f[0], f[1], f[2], &s, err) == 0) {
		print_error("schedule.txt:%d: '%s' '%s' '%s' accepted, "
		    "expected: %s\n", lineno, f[0], f[1], f[2], f[4]);
		return 1;
	}
	if (strcmp(err, f[4]) != 0 || memcmp(&s, &before, sizeof(s)) != 0) {
		print_error("schedule.txt:%d: error '%s', expected '%s'%s\n",
		    lineno, err, f[4], memcmp(&s, &before, sizeof(s)) != 0 ?
		    " (and the schedule was changed)" : "");
		return 1;
	}
	return 0;
}

/* Compares one computed moment with its column. */
static int
check_moment(int lineno, const char *what, int64_t got,
    const char *expected)
{
	char buf[DATE_RFC3339_LEN];

	if (strcmp(rfc3339(got, buf), expected) == 0)
		return 0;
	print_error("schedule.txt:%d: %s %s, expected %s\n", lineno, what,
	    rfc3339(got, buf), expected);
	return 1;
}

static int
parse_moment(const char *s, int lineno, int64_t *t)
{
	if (date_parse(s, strlen(s), t) == 0)
		return 0;
	print_error("schedule.txt:%d: bad moment '%s'\n", lineno, s);
	return -1;
}

static int
check_slots(char **f, int lineno)
{
	struct schedule s;
	char err[ERR_LEN], id[SCHEDULE_ID_MAX];
	int64_t now, last, next, want_last, want_next;
	int failures = 0;

	if (!zone_present(f[2])) {
		skipped++;
		return 0;
	}
	if (schedule_parse(f[0], f[1], f[2], &s, err) == -1) {
		print_error("schedule.txt:%d: %s\n", lineno, err);
		return 1;
	}
	if (parse_moment(f[3], lineno, &now) == -1 ||
	    parse_moment(f[4], lineno, &want_last) == -1 ||
	    parse_moment(f[5], lineno, &want_next) == -1)
		return 1;
	last = schedule_last_slot(&s, now);
	next = schedule_next_slot(&s, now);
	failures += check_moment(lineno, "last slot", last, f[4]);
	failures += check_moment(lineno, "next slot", next, f[5]);
	/* What follows from the two: each slot is its own last, and the
	 * next after the last is the next after now. */
	failures += check_moment(lineno, "last slot at the last slot",
	    schedule_last_slot(&s, want_last), f[4]);
	failures += check_moment(lineno, "last slot before the next",
	    schedule_last_slot(&s, want_next - 1), f[4]);
	failures += check_moment(lineno, "next slot after the last",
	    schedule_next_slot(&s, want_last), f[5]);
	schedule_edition_id(want_last, &s, id);
	if (strcmp(id, f[6]) != 0) {
		print_error("schedule.txt:%d: edition %s, expected %s\n",
		    lineno, id, f[6]);
		failures++;
	}
	return failures;
}

static int
check_row(char **f, int nf, int lineno)
{
	if (nf == 5 && strcmp(f[3], "error") == 0)
		return check_error(f, lineno);
	if (nf == 7)
		return check_slots(f, lineno);
	print_error("schedule.txt:%d: %d fields, expected 7 (or 5 for an "
	    "error)\n", lineno, nf);
	return 1;
}

static void
run_table(void)
{
	skipped = 0;
	tu_table_run("schedule.txt", 7, check_row, MIN_CASES);
	if (skipped > 0)
		print_message("skip: %d rows whose zone tzdata lacks\n",
		    skipped);
}

static long
process_offset(void)
{
	time_t t = 1800000000;
	struct tm tm;

	assert_non_null(localtime_r(&t, &tm));
	return tm.tm_gmtoff;
}

/* The table under TZ=Asia/Tokyo: the same results, and the same TZ,
 * read by glibc again, afterwards. */
static void
test_table_tz_kept(void **state)
{
	(void)state;
	assert_int_equal(setenv("TZ", "Asia/Tokyo", 1), 0);
	tzset();
	run_table();
	assert_non_null(getenv("TZ"));
	assert_string_equal(getenv("TZ"), "Asia/Tokyo");
	if (zone_present("Asia/Tokyo"))
		assert_int_equal(process_offset(), 9 * 3600);
	unsetenv("TZ");
	tzset();
}

/* The table with TZ unset (and a TZDIR that leads nowhere, which the
 * module must not follow): TZ stays unset. */
static void
test_table_tz_unset(void **state)
{
	(void)state;
	unsetenv("TZ");
	assert_int_equal(setenv("TZDIR", "/nonexistent", 1), 0);
	tzset();
	run_table();
	assert_null(getenv("TZ"));
	unsetenv("TZDIR");
}

/* The table under a POSIX TZ string, which names no file. */
static void
test_table_tz_posix(void **state)
{
	(void)state;
	assert_int_equal(setenv("TZ", "XST-3:17", 1), 0);
	tzset();
	run_table();
	assert_string_equal(getenv("TZ"), "XST-3:17");
	assert_int_equal(process_offset(), 3 * 3600 + 17 * 60);
	unsetenv("TZ");
	tzset();
}

/* --- properties over random moments, checked with glibc directly ---- */

/* The wall clock of t in zone tz, through the test's own TZ. */
static void
wall_of(const char *tz, int64_t t, struct tm *tm)
{
	char spec[256];
	time_t tt = (time_t)t;

	snprintf(spec, sizeof(spec), ":%s/%s", SCHEDULE_ZONEINFO, tz);
	assert_int_equal(setenv("TZ", strcmp(tz, "UTC") == 0 ? "UTC0" : spec,
	    1), 0);
	tzset();
	assert_non_null(localtime_r(&tt, tm));
}

/* A slot shows the schedule's weekday; its wall time is the schedule's,
 * or, in a gap, that plus the jump the clocks made on the day; and no
 * moment up to an hour earlier showed the same wall time (first of
 * two). */
static void
check_slot_wall(const struct schedule *s, int64_t slot)
{
	struct tm tm, before, earlier;
	int wall, d;

	wall_of(s->tz, slot, &tm);
	assert_int_equal((tm.tm_wday + 6) % 7, s->weekday);
	wall = tm.tm_hour * 60 + tm.tm_min;
	if (wall != s->minute || tm.tm_sec != 0) {
		wall_of(s->tz, slot - 86400, &before);
		assert_true(wall > s->minute && wall - s->minute <= 60);
		assert_int_equal((wall - s->minute) * 60,
		    tm.tm_gmtoff - before.tm_gmtoff);
	}
	for (d = 900; d <= 3600; d += 900) {
		wall_of(s->tz, slot - d, &earlier);
		assert_false(earlier.tm_yday == tm.tm_yday &&
		    earlier.tm_hour == tm.tm_hour && earlier.tm_min == tm.tm_min);
	}
}

static void
check_random_moment(const struct schedule *s, int64_t now)
{
	int64_t last = schedule_last_slot(s, now);
	int64_t next = schedule_next_slot(s, now);
	char id[SCHEDULE_ID_MAX];

	assert_true(last <= now && now < next);
	assert_true(next - last >= 7 * 86400 - 3600 &&
	    next - last <= 7 * 86400 + 3600);
	assert_int_equal(schedule_last_slot(s, last), last);
	assert_int_equal(schedule_next_slot(s, last), next);
	assert_int_equal(schedule_last_slot(s, next - 1), last);
	assert_int_equal(schedule_next_slot(s, next - 1), next);
	schedule_edition_id(last, s, id);
	assert_true(strlen(id) == 8 && id[4] == '-' && id[5] == 'W');
	check_slot_wall(s, last);
	check_slot_wall(s, next);
}

static void
test_random(void **state)
{
	static const char *const days[] = {
		"mon", "tue", "wed", "thu", "fri", "sat", "sun",
	};
	char err[ERR_LEN], hhmm[8];
	struct schedule s;
	uint64_t x = 0x5C4ED01EULL;
	int64_t now;
	size_t z;
	int i, minute;

	(void)state;
	for (z = 0; z < NZONES; z++) {
		if (!zone_present(zones[z]))
			continue;
		for (i = 0; i < 300; i++) {
			/* Half the times on a quarter hour, near a change. */
			minute = (int)(tu_rand(&x) % 1440);
			if (i % 2 == 0)
				minute -= minute % 15;
			snprintf(hhmm, sizeof(hhmm), "%02d:%02d", minute / 60,
			    minute % 60);
			assert_int_equal(schedule_parse(days[tu_rand(&x) % 7],
			    hhmm, zones[z], &s, err), 0);
			/* 1972 to 2099 */
			now = 63072000 + (int64_t)(tu_rand(&x) % 4007000000ULL);
			check_random_moment(&s, now);
		}
	}
	unsetenv("TZ");
	tzset();
}

/* --- several threads at once ----------------------------------------- */

#define THREAD_MOMENTS 64

struct thread_case {
	struct schedule s;
	int64_t now[THREAD_MOMENTS], last[THREAD_MOMENTS],
	    next[THREAD_MOMENTS];
	int wrong;
};

static void *
thread_run(void *arg)
{
	struct thread_case *c = arg;
	int round, i;

	for (round = 0; round < 20; round++)
		for (i = 0; i < THREAD_MOMENTS; i++)
			if (schedule_last_slot(&c->s, c->now[i]) != c->last[i] ||
			    schedule_next_slot(&c->s, c->now[i]) != c->next[i])
				c->wrong++;
	return NULL;
}

static void
test_threads(void **state)
{
	struct thread_case cases[NZONES];
	pthread_t th[NZONES];
	char err[ERR_LEN];
	uint64_t x = 0xDEC0DEULL;
	size_t z, n = 0;
	int i;

	(void)state;
	assert_int_equal(setenv("TZ", "Asia/Tokyo", 1), 0);
	tzset();
	for (z = 0; z < NZONES; z++) {
		if (!zone_present(zones[z]))
			continue;
		assert_int_equal(schedule_parse("sun", "02:30", zones[z],
		    &cases[n].s, err), 0);
		cases[n].wrong = 0;
		for (i = 0; i < THREAD_MOMENTS; i++) {
			cases[n].now[i] = 1767225600 +
			    (int64_t)(tu_rand(&x) % 31536000);
			cases[n].last[i] = schedule_last_slot(&cases[n].s,
			    cases[n].now[i]);
			cases[n].next[i] = schedule_next_slot(&cases[n].s,
			    cases[n].now[i]);
		}
		n++;
	}
	for (z = 0; z < n; z++)
		assert_int_equal(pthread_create(&th[z], NULL, thread_run,
		    &cases[z]), 0);
	for (z = 0; z < n; z++) {
		assert_int_equal(pthread_join(th[z], NULL), 0);
		assert_int_equal(cases[z].wrong, 0);
	}
	assert_string_equal(getenv("TZ"), "Asia/Tokyo");
	unsetenv("TZ");
	tzset();
}

/* --- the edges ------------------------------------------------------- */

static void
test_out_of_range(void **state)
{
	struct schedule s;
	char err[ERR_LEN], id[SCHEDULE_ID_MAX] = "x";

	(void)state;
	assert_int_equal(schedule_parse("mon", "08:00", "UTC", &s, err), 0);
	assert_true(schedule_last_slot(&s, INT64_MAX) == SCHEDULE_NONE);
	assert_true(schedule_next_slot(&s, INT64_MIN) == SCHEDULE_NONE);
	assert_true(schedule_last_slot(&s, SCHEDULE_TIME_MAX + 1) ==
	    SCHEDULE_NONE);
	assert_true(schedule_next_slot(&s, SCHEDULE_TIME_MIN - 1) ==
	    SCHEDULE_NONE);
	assert_true(schedule_last_slot(&s, SCHEDULE_TIME_MAX) <=
	    SCHEDULE_TIME_MAX);
	assert_true(schedule_next_slot(&s, SCHEDULE_TIME_MIN) >
	    SCHEDULE_TIME_MIN);
	schedule_edition_id(SCHEDULE_NONE, &s, id);
	assert_string_equal(id, "");
	if (zone_present("Pacific/Chatham")) {
		assert_int_equal(schedule_parse("sun", "23:59",
		    "Pacific/Chatham", &s, err), 0);
		assert_true(schedule_last_slot(&s, SCHEDULE_TIME_MAX) <=
		    SCHEDULE_TIME_MAX);
		assert_true(schedule_next_slot(&s, SCHEDULE_TIME_MIN) >
		    SCHEDULE_TIME_MIN);
	}
}

/* Every spelling of every day, and the parsed fields. */
static void
test_parse_fields(void **state)
{
	static const char *const names[][3] = {
		{ "mon", "Monday", "MON" }, { "tue", "tuesday", "Tue" },
		{ "wed", "WEDNESDAY", "wEd" }, { "thu", "Thursday", "THU" },
		{ "fri", "friday", "Fri" }, { "sat", "Saturday", "SAT" },
		{ "sun", "SUNDAY", "Sun" },
	};
	struct schedule s;
	char err[ERR_LEN];
	int d, k;

	(void)state;
	for (d = 0; d < 7; d++)
		for (k = 0; k < 3; k++) {
			assert_int_equal(schedule_parse(names[d][k], "23:59",
			    "UTC", &s, err), 0);
			assert_int_equal(s.weekday, d);
			assert_int_equal(s.minute, 23 * 60 + 59);
			assert_string_equal(s.tz, "UTC");
		}
	assert_int_equal(schedule_parse("mon", "0:00", "UTC", &s, err), 0);
	assert_int_equal(s.minute, 0);
	assert_int_equal(schedule_parse("mon", "09:05", "UTC", &s, err), 0);
	assert_int_equal(s.minute, 545);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_tz_kept),
		cmocka_unit_test(test_table_tz_unset),
		cmocka_unit_test(test_table_tz_posix),
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
