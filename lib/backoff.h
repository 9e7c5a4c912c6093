/*
 * backoff.h - when something that died (a service, a domain) is started
 * again.  Pure functions of
 * their arguments and an explicit "now" (milliseconds on any monotonic
 * clock), so that tests drive them with a fake clock.
 */
#ifndef BULKHEAD_BACKOFF_H
#define BULKHEAD_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/limits.h"

#define BACKOFF_FIRST_MS 100u

/* Enough deaths remembered to judge the largest start limit. */
#define DEATHS_REMEMBERED (START_LIMIT_BURST_MAX + 1u)

struct death_window {
	uint64_t at[DEATHS_REMEMBERED];	/* ring of death times */
	unsigned next;
	unsigned count;
};

/* Delay before restart number FAILURES (1 = the first restart after a
 * death): 100 ms, 200 ms, 400 ms ... never above CAP_MS. */
uint32_t policy_backoff_ms(unsigned failures, uint32_t cap_ms);

/* Records a death at NOW; true when more than BURST deaths fell within the
 * last INTERVAL_MS: the start limit is hit and the service has failed. */
bool policy_record_death(struct death_window *w, uint64_t now, uint32_t burst,
			 uint32_t interval_ms);

/* Forgets all deaths (after the user restarts a failed service). */
void policy_reset_deaths(struct death_window *w);

#endif
