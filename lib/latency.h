/*
 * latency.h - a run of measured times (microseconds) and its p50, p99 and
 * maximum: the compositor's input latency (measure_input_latency) and the
 * input bench's bare reader (bench/keyfeed.c).  Pure: no clock, no
 * allocation, no I/O.
 *
 * Every sample is kept, so the percentiles are exact (nearest rank: the
 * value at rank ceil(p/100 * n) of the sorted samples), to the
 * microsecond; a time past UINT32_MAX us (71 minutes) counts as that.
 * The samples live in the struct (256 KiB): a zeroed static one costs no
 * memory until samples are added.
 */
#ifndef BULKHEAD_LATENCY_H
#define BULKHEAD_LATENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 10,000 keys pressed and released, with room to spare. */
#define LATENCY_SAMPLES_MAX 65536

struct latency_samples {
	uint32_t us[LATENCY_SAMPLES_MAX];
	size_t n;
};

struct latency_summary {
	size_t n;		/* 0: no sample, the rest 0 too */
	uint32_t p50_us, p99_us, max_us;
};

/* Adds a sample of US microseconds; true when that filled S: then it takes
 * no more until latency_take() empties it. */
bool latency_add(struct latency_samples *s, uint64_t us);

/* The summary of S's samples, which it sorts; S is empty after. */
struct latency_summary latency_take(struct latency_samples *s);

/* The PCT (0..100) percentile of SORTED's N (> 0) values, nearest rank;
 * 0: the least. */
uint32_t latency_percentile(const uint32_t *sorted, size_t n, unsigned pct);

#endif
