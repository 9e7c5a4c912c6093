#include "lib/backoff.h"

#include <string.h>

uint32_t policy_backoff_ms(unsigned failures, uint32_t cap_ms)
{
	uint64_t delay = BACKOFF_FIRST_MS;
	for (unsigned i = 1; i < failures && delay < cap_ms; i++)
		delay *= 2;
	return delay < cap_ms ? (uint32_t)delay : cap_ms;
}

bool policy_record_death(struct death_window *w, uint64_t now, uint32_t burst,
			 uint32_t interval_ms)
{
	if (burst >= DEATHS_REMEMBERED)
		burst = DEATHS_REMEMBERED - 1;
	w->at[w->next] = now;
	w->next = (w->next + 1) % DEATHS_REMEMBERED;
	if (w->count < DEATHS_REMEMBERED)
		w->count++;
	if (w->count <= burst)
		return false;
	/* The death BURST places before this one: if it is recent, this is
	 * death number BURST+1 inside the interval. */
	unsigned idx = (w->next + DEATHS_REMEMBERED - 1 - burst) % DEATHS_REMEMBERED;
	return now - w->at[idx] < interval_ms;
}

void policy_reset_deaths(struct death_window *w)
{
	memset(w, 0, sizeof(*w));
}
