/*
 * depgraph.h - start order of things that depend on each other (services
 * now, domains later).  No state; safe anywhere.
 */
#ifndef BULKHEAD_DEPGRAPH_H
#define BULKHEAD_DEPGRAPH_H

#include <stddef.h>

/* Node i depends on deps[i][0..ndeps[i]-1] (indexes < n). */
struct depgraph {
	size_t n;
	const size_t *const *deps;
	const size_t *ndeps;
};

/*
 * Writes into ORDER (n entries) an order in which every node comes after
 * the nodes it depends on; among nodes free to go, the lower index first,
 * so the order is stable for a given config.  Returns 0, -ENOMEM, or -ELOOP
 * when there is a cycle: *cycle_node is then a node on it.
 */
int depgraph_order(const struct depgraph *g, size_t *order, size_t *cycle_node);

#endif
