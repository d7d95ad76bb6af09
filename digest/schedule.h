/*
 * schedule: when an edition is due. A schedule is one weekly moment, a
 * weekday and a wall-clock time in an IANA time zone (the config's
 * schedule_weekday, schedule_time and schedule_timezone); this module
 * finds the slots (the UTC instants of that moment) around "now" and
 * names the edition a slot belongs to.
 *
 * Wall-clock times that a DST change skips or repeats are read as
 * RFC 5545 3.3.5 (iCalendar) reads them, as do java.time and Python's
 * zoneinfo with fold=0:
 *  - a time that does not exist (the spring-forward gap) is read with
 *    the UTC offset in force before the gap, so it falls as much later
 *    as the clocks jumped: Sunday 02:30 in Europe/Berlin on 2026-03-29
 *    is 01:30Z, which the clocks show as 03:30 CEST. The slot still
 *    happens that day, one hour of wall time late, never skipped.
 *  - a time that happens twice (the fall-back overlap) is the first of
 *    the two: Sunday 02:30 in Europe/Berlin on 2026-10-25 is 02:30 CEST,
 *    00:30Z, and the repeat an hour later is not a slot.
 *
 * Zones come from the system's tzdata (/usr/share/zoneinfo) through
 * glibc: each call sets TZ, converts, and puts the caller's TZ back (set
 * or unset, as it was), under a lock, so neither the result nor the
 * process's TZ afterwards depends on the TZ the process had. The lock
 * only orders this module's calls: a thread that reads TZ or calls
 * localtime() elsewhere at the same moment may see the schedule's zone.
 * "UTC" needs no tzdata and no TZ change. A zone file removed after
 * schedule_parse() reads as UTC, as glibc falls back to it.
 * Cases: tests/data/schedule.txt.
 */
#ifndef DIGEST_SCHEDULE_H
#define DIGEST_SCHEDULE_H

#include <stdint.h>

#include "date.h"

#define SCHEDULE_TZ_MAX 64	/* the longest IANA name is 32 bytes */
#define SCHEDULE_ID_MAX 32	/* EDITION_ID_MAX */
#define SCHEDULE_ZONEINFO "/usr/share/zoneinfo"

/* What the slot functions return for a `now` outside SCHEDULE_TIME_MIN
 * to SCHEDULE_TIME_MAX (0001-01-01 to 9999-12-31, UTC). */
#define SCHEDULE_NONE INT64_MIN
#define SCHEDULE_TIME_MIN DATE_MIN
#define SCHEDULE_TIME_MAX DATE_MAX

struct schedule {
	int weekday;		/* 0 = Monday .. 6 = Sunday, as ISO 8601 */
	int minute;		/* after local midnight: 0 .. 1439 */
	char tz[SCHEDULE_TZ_MAX]; /* an IANA name checked against tzdata */
};

/* Fills s from the three config values: weekday "mon".."sun" or
 * "monday".."sunday" in any case; time "HH:MM" on a 24-hour clock ("8:00"
 * too); tz "UTC" or the name of a zone file under SCHEDULE_ZONEINFO
 * ("Europe/Berlin"): no '.', no leading '/', no "right/" zones (they
 * count leap seconds). 0, or -1 with err ("unknown time zone
 * 'Europe/Berln'"); s is left alone on error. */
int schedule_parse(const char *weekday, const char *hhmm, const char *tz,
    struct schedule *s, char *err);

/* The most recent slot at or before now (UTC seconds): now itself when
 * now is a slot. SCHEDULE_NONE when now is out of range. */
int64_t schedule_last_slot(const struct schedule *s, int64_t now);

/* The first slot strictly after now. SCHEDULE_NONE when now is out of
 * range. */
int64_t schedule_next_slot(const struct schedule *s, int64_t now);

/* The edition id of a slot: the ISO week ("2026-W48") of the slot's date
 * in the schedule's zone, not in UTC, so that a Monday 00:30 slot in
 * Berlin (still Sunday in UTC) belongs to the Monday's week. "" for a
 * slot out of range. */
void schedule_edition_id(int64_t slot, const struct schedule *s,
    char out[SCHEDULE_ID_MAX]);

#endif
