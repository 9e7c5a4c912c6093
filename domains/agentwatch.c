#include "domains/agentwatch.h"

#include <stdlib.h>
#include <xenstore.h>

#include "lib/limits.h"

size_t agent_events_take(const struct agent_events *src, bool *dirty, size_t n)
{
	size_t taken = 0;
	char **vec;
	while (taken < AGENT_EVENTS_PER_TURN && (vec = src->next(src->ctx)) != NULL) {
		int slot = src->slot(src->ctx, vec[XS_WATCH_TOKEN], vec[XS_WATCH_PATH]);
		if (slot >= 0 && (size_t)slot < n)
			dirty[slot] = true;
		free(vec);
		taken++;
	}
	return taken;
}
