/*
 * fuzz_date: a date that parses lies within years 1 to 9999 give or take
 * a zone offset, parses the same with white space around it, and one
 * within the range comes back as itself through date_to_rfc3339.
 */
#include "date.h"
#include "fuzz.h"

#define FUZZ_DATE_MIN DATE_MIN
#define FUZZ_DATE_MAX DATE_MAX
#define FUZZ_DAY 86400LL

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char rfc[DATE_RFC3339_LEN], *padded;
	int64_t t, again;

	if (date_parse((const char *)data, size, &t) == -1)
		return 0;
	FUZZ_CHECK(t >= FUZZ_DATE_MIN - 2 * FUZZ_DAY &&
	    t <= FUZZ_DATE_MAX + 2 * FUZZ_DAY);
	padded = malloc(size + 2);
	FUZZ_CHECK(padded != NULL);
	padded[0] = ' ';
	memcpy(padded + 1, data, size);
	padded[size + 1] = '\n';
	FUZZ_CHECK(date_parse(padded, size + 2, &again) == 0 && again == t);
	free(padded);
	if (t < FUZZ_DATE_MIN || t > FUZZ_DATE_MAX)
		return 0;
	date_to_rfc3339(t, rfc);
	FUZZ_CHECK(strlen(rfc) == DATE_RFC3339_LEN - 1);
	FUZZ_CHECK(date_parse(rfc, strlen(rfc), &again) == 0 && again == t);
	return 0;
}
