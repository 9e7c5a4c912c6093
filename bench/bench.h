/*
 * bench.h - what the benchmark programs of bench/ share: the clock they
 * time with, and the order their samples are sorted in.
 */
#ifndef BULKHEAD_BENCH_H
#define BULKHEAD_BENCH_H

#include <time.h>

static inline double bench_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* For qsort() of doubles, smallest first. */
static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

#endif
