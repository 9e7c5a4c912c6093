#include "lib/depgraph.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

static bool all_placed(const struct depgraph *g, const bool *placed, size_t i)
{
	for (size_t d = 0; d < g->ndeps[i]; d++)
		if (!placed[g->deps[i][d]])
			return false;
	return true;
}

/* Every unplaced node waits on another unplaced one: n steps of following
 * such waits from any of them end on a cycle. */
static size_t find_cycle(const struct depgraph *g, const bool *placed)
{
	size_t node = 0;
	while (placed[node])
		node++;
	for (size_t step = 0; step < g->n; step++) {
		for (size_t d = 0; d < g->ndeps[node]; d++) {
			if (!placed[g->deps[node][d]]) {
				node = g->deps[node][d];
				break;
			}
		}
	}
	return node;
}

int depgraph_order(const struct depgraph *g, size_t *order, size_t *cycle_node)
{
	int ret = 0;
	bool *placed = calloc(g->n ? g->n : 1, sizeof(*placed));
	if (!placed)
		return -ENOMEM;

	for (size_t count = 0; count < g->n;) {
		size_t i = 0;
		while (i < g->n && (placed[i] || !all_placed(g, placed, i)))
			i++;
		if (i == g->n) {
			*cycle_node = find_cycle(g, placed);
			ret = -ELOOP;
			break;
		}
		placed[i] = true;
		order[count++] = i;
	}
	free(placed);
	return ret;
}
