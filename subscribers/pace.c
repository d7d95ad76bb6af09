/*
 * pace: the floor under a signup's answer time (pace.h).
 */
#include "pace.h"

#include <stdlib.h>
#include <string.h>

void
pace_init(struct pace *p)
{
	memset(p, 0, sizeof(*p));
}

static int
pace_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void
pace_sample(struct pace *p, double took)
{
	double v[PACE_SAMPLES];
	size_t n;

	p->samples[p->n++ % PACE_SAMPLES] = took;
	n = p->n < PACE_SAMPLES ? p->n : PACE_SAMPLES;
	memcpy(v, p->samples, n * sizeof(double));
	qsort(v, n, sizeof(double), pace_cmp);
	p->floor = v[(size_t)(PACE_QUANTILE * (double)(n - 1))];
	if (p->floor > PACE_MAX)
		p->floor = PACE_MAX;
}

double
pace_until(const struct pace *p, double start)
{
	return start + (p->n > 0 ? p->floor : PACE_FIRST);
}
