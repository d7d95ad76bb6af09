#include "schedule.h"
#include "edition.h"
#include "util.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

_Static_assert(SCHEDULE_ID_MAX == EDITION_ID_MAX,
    "an edition id of a slot is an edition id");
_Static_assert(sizeof(time_t) >= 8, "slots past 2038 need a 64-bit time_t");

#define DAY 86400
#define HOUR 3600
/* UTC offsets of real zones lie within -12h .. +14h; a wall time's
 * instant is within that of the same time read as UTC. */
#define OFFSET_SPAN (15 * HOUR)

static const char *const schedule_days[7] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
	"sunday",
};

/* --- parsing ----------------------------------------------------------- */

static int
schedule_weekday_parse(const char *w, int *out, char *err)
{
	int i;

	for (i = 0; i < 7; i++)
		if (strcasecmp(w, schedule_days[i]) == 0 ||
		    (strlen(w) == 3 &&
		    strncasecmp(w, schedule_days[i], 3) == 0)) {
			*out = i;
			return 0;
		}
	return util_err(err, "unknown weekday '%s': expected mon, tue, wed, "
	    "thu, fri, sat or sun", w);
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "HH:MM" or "H:MM", 00:00 to 23:59. */
static int
schedule_time_parse(const char *t, int *out, char *err)
{
	int h = 0, i = 0;

	while (i < 2 && is_digit(t[i]))
		h = h * 10 + (t[i++] - '0');
	if (i == 0 || t[i] != ':' || !is_digit(t[i + 1]) ||
	    !is_digit(t[i + 2]) || t[i + 3] != '\0')
		return util_err(err, "invalid time '%s': the time must be "
		    "HH:MM, like 08:00", t);
	if (h > 23 || t[i + 1] > '5')
		return util_err(err, "invalid time '%s': the time must be "
		    "HH:MM from 00:00 to 23:59", t);
	*out = h * 60 + (t[i + 1] - '0') * 10 + (t[i + 2] - '0');
	return 0;
}

/* A name that may go after SCHEDULE_ZONEINFO "/": the characters of IANA
 * names (which have no '.', so no ".." either), not absolute, no empty
 * component, not the leap-second "right/" tree. */
static int
schedule_tz_name_ok(const char *tz)
{
	size_t i, n = strlen(tz);

	if (n == 0 || n >= SCHEDULE_TZ_MAX || tz[0] == '/' ||
	    tz[n - 1] == '/' || strstr(tz, "//") != NULL ||
	    strncmp(tz, "right/", 6) == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!((tz[i] >= 'a' && tz[i] <= 'z') ||
		    (tz[i] >= 'A' && tz[i] <= 'Z') || is_digit(tz[i]) ||
		    strchr("/_+-", tz[i]) != NULL))
			return 0;
	return 1;
}

/* 1 when SCHEDULE_ZONEINFO/tz is a regular file that starts as a TZif
 * file does (zone.tab and directories are not zones), else 0. */
static int
schedule_tz_file_ok(const char *tz)
{
	char path[sizeof(SCHEDULE_ZONEINFO) + SCHEDULE_TZ_MAX], magic[4];
	struct stat st;
	int fd, ok;

	if (snprintf(path, sizeof(path), "%s/%s", SCHEDULE_ZONEINFO, tz) >=
	    (int)sizeof(path))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return 0;
	ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
	    memcmp(magic, "TZif", 4) == 0;
	close(fd);
	return ok;
}

static int
schedule_tz_parse(const char *tz, char out[SCHEDULE_TZ_MAX], char *err)
{
	if (strcmp(tz, "UTC") != 0) {
		if (!schedule_tz_name_ok(tz))
			return util_err(err, "invalid time zone '%s': expected "
			    "an IANA name, like Europe/Berlin or UTC", tz);
		if (!schedule_tz_file_ok(tz))
			return util_err(err, "unknown time zone '%s'", tz);
	}
	memcpy(out, tz, strlen(tz) + 1);
	return 0;
}

int
schedule_parse(const char *weekday, const char *hhmm, const char *tz,
    struct schedule *s, char *err)
{
	struct schedule p;

	if (schedule_weekday_parse(weekday, &p.weekday, err) == -1 ||
	    schedule_time_parse(hhmm, &p.minute, err) == -1 ||
	    schedule_tz_parse(tz, p.tz, err) == -1)
		return -1;
	*s = p;
	return 0;
}

/* --- the zone ---------------------------------------------------------- */

/*
 * glibc converts in the zone TZ names, so a conversion sets TZ and puts
 * the caller's back afterwards. TZ gets the file's absolute path
 * (":/usr/share/zoneinfo/Europe/Berlin") so that TZDIR cannot redirect
 * it. One lock orders this module's calls; between enter and leave,
 * schedule_offset() is the zone's UTC offset. "UTC" touches nothing.
 */
static pthread_mutex_t schedule_tz_lock = PTHREAD_MUTEX_INITIALIZER;

struct schedule_zone {
	int utc;
	char *saved_tz;		/* the caller's TZ, or NULL: unset */
};

static void
schedule_zone_enter(const struct schedule *s, struct schedule_zone *z)
{
	char tz[sizeof(SCHEDULE_ZONEINFO) + SCHEDULE_TZ_MAX + 1];
	const char *old;

	z->utc = strcmp(s->tz, "UTC") == 0;
	z->saved_tz = NULL;
	if (z->utc)
		return;
	/* Cannot truncate: s->tz is shorter than SCHEDULE_TZ_MAX. */
	(void)snprintf(tz, sizeof(tz), ":%s/%s", SCHEDULE_ZONEINFO, s->tz);
	pthread_mutex_lock(&schedule_tz_lock);
	old = getenv("TZ");
	z->saved_tz = old != NULL ? xstrdup(old) : NULL;
	if (setenv("TZ", tz, 1) == -1)
		abort();	/* ENOMEM: as the x* allocators do */
	tzset();
}

static void
schedule_zone_leave(struct schedule_zone *z)
{
	if (z->utc)
		return;
	if (z->saved_tz != NULL) {
		if (setenv("TZ", z->saved_tz, 1) == -1)
			abort();
	} else
		unsetenv("TZ");
	tzset();
	pthread_mutex_unlock(&schedule_tz_lock);
	free(z->saved_tz);
	z->saved_tz = NULL;
}

/* The zone's UTC offset at t, in seconds east. t is within the range
 * the callers check, which localtime_r always converts. */
static int64_t
schedule_offset(const struct schedule_zone *z, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (z->utc || localtime_r(&tt, &tm) == NULL)
		return 0;
	return (int64_t)tm.tm_gmtoff;
}

/* --- slots ------------------------------------------------------------- */

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The ISO weekday (0 = Monday) of a day counted from 1970-01-01, which
 * was a Thursday. */
static int
day_weekday(int64_t day)
{
	return (int)(day - 7 * floor_div(day + 3, 7) + 3);
}

/*
 * The instant the wall clock shows `wall` (seconds of local time, counted
 * as if it were UTC) for the first time, or, when it never does (a gap),
 * that wall time read with the offset before the gap. The offsets that
 * can matter are those in force within OFFSET_SPAN of wall; they are
 * sampled hourly (no zone changes offset twice within an hour). An
 * offset o fits when the zone has offset o at wall - o; the largest that
 * fits is the first occurrence. With none fitting, the earliest
 * candidate instant lies before the gap, and its offset is the one
 * before the gap.
 */
static int64_t
schedule_resolve(const struct schedule_zone *z, int64_t wall)
{
	int64_t off, best = 0, most = INT64_MIN, t;
	int found = 0;

	for (t = wall - OFFSET_SPAN; t <= wall + OFFSET_SPAN; t += HOUR) {
		off = schedule_offset(z, t);
		if (off > most)
			most = off;
		if (schedule_offset(z, wall - off) == off &&
		    (!found || off > best)) {
			best = off;
			found = 1;
		}
	}
	if (!found)
		best = schedule_offset(z, wall - most);
	return wall - best;
}

/* The slot of the local day `day` (days since 1970-01-01). */
static int64_t
schedule_slot_of_day(const struct schedule *s,
    const struct schedule_zone *z, int64_t day)
{
	return schedule_resolve(z, day * DAY + (int64_t)s->minute * 60);
}

/* The local day of now. */
static int64_t
schedule_local_day(const struct schedule_zone *z, int64_t now)
{
	return floor_div(now + schedule_offset(z, now), DAY);
}

/*
 * Both searches start a day beyond now's local date, on the side away
 * from the answer, and walk week by week towards it: a slot's instant
 * follows its date, so the first slot found on the right side of now is
 * the nearest. Three weeks is more than any zone needs; the bound only
 * keeps the loop finite.
 */
static int64_t
schedule_last_in_zone(const struct schedule *s,
    const struct schedule_zone *z, int64_t now)
{
	int64_t day = schedule_local_day(z, now) + 1, t;
	int i;

	day -= (day_weekday(day) - s->weekday + 7) % 7;
	for (i = 0; i < 3; i++, day -= 7)
		if ((t = schedule_slot_of_day(s, z, day)) <= now)
			return t;
	return SCHEDULE_NONE;
}

static int64_t
schedule_next_in_zone(const struct schedule *s,
    const struct schedule_zone *z, int64_t now)
{
	int64_t day = schedule_local_day(z, now) - 1, t;
	int i;

	day += (s->weekday - day_weekday(day) + 7) % 7;
	for (i = 0; i < 3; i++, day += 7)
		if ((t = schedule_slot_of_day(s, z, day)) > now)
			return t;
	return SCHEDULE_NONE;
}

int64_t
schedule_last_slot(const struct schedule *s, int64_t now)
{
	struct schedule_zone z;
	int64_t t;

	if (now < SCHEDULE_TIME_MIN || now > SCHEDULE_TIME_MAX)
		return SCHEDULE_NONE;
	schedule_zone_enter(s, &z);
	t = schedule_last_in_zone(s, &z, now);
	schedule_zone_leave(&z);
	return t;
}

int64_t
schedule_next_slot(const struct schedule *s, int64_t now)
{
	struct schedule_zone z;
	int64_t t;

	if (now < SCHEDULE_TIME_MIN || now > SCHEDULE_TIME_MAX)
		return SCHEDULE_NONE;
	schedule_zone_enter(s, &z);
	t = schedule_next_in_zone(s, &z, now);
	schedule_zone_leave(&z);
	return t;
}

/* The ISO week of the local date: that of the local wall time read as
 * UTC, which edition_id_for() names. An out-of-range slot gets "". */
void
schedule_edition_id(int64_t slot, const struct schedule *s,
    char out[SCHEDULE_ID_MAX])
{
	struct schedule_zone z;
	int64_t off;

	out[0] = '\0';
	if (slot < SCHEDULE_TIME_MIN || slot > SCHEDULE_TIME_MAX)
		return;
	schedule_zone_enter(s, &z);
	off = schedule_offset(&z, slot);
	schedule_zone_leave(&z);
	edition_id_for(slot + off, out);
}
