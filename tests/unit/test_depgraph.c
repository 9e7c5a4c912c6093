#include "tests/unit/test_helpers.h"

#include <errno.h>

#include "lib/depgraph.h"

/* Position of NODE in ORDER. */
static size_t pos(const size_t *order, size_t n, size_t node)
{
	for (size_t i = 0; i < n; i++)
		if (order[i] == node)
			return i;
	fail_msg("node %zu missing from the order", node);
	return n;
}

static void empty_graph_is_ordered(void **state)
{
	struct depgraph g = { 0, NULL, NULL };
	size_t order[1], cycle;
	(void)state;
	assert_int_equal(depgraph_order(&g, order, &cycle), 0);
}

static void chain_starts_from_its_root(void **state)
{
	/* 0 depends on 1, 1 on 2. */
	static const size_t d0[] = { 1 }, d1[] = { 2 };
	const size_t *deps[] = { d0, d1, NULL };
	size_t ndeps[] = { 1, 1, 0 };
	struct depgraph g = { 3, deps, ndeps };
	size_t order[3], cycle;
	(void)state;
	assert_int_equal(depgraph_order(&g, order, &cycle), 0);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 0);
}

static void diamond_puts_each_node_after_its_dependencies(void **state)
{
	/* 3 depends on 1 and 2, both depend on 0. */
	static const size_t d1[] = { 0 }, d2[] = { 0 }, d3[] = { 1, 2 };
	const size_t *deps[] = { NULL, d1, d2, d3 };
	size_t ndeps[] = { 0, 1, 1, 2 };
	struct depgraph g = { 4, deps, ndeps };
	size_t order[4], cycle;
	(void)state;
	assert_int_equal(depgraph_order(&g, order, &cycle), 0);
	assert_true(pos(order, 4, 0) < pos(order, 4, 1));
	assert_true(pos(order, 4, 0) < pos(order, 4, 2));
	assert_true(pos(order, 4, 1) < pos(order, 4, 3));
	assert_true(pos(order, 4, 2) < pos(order, 4, 3));
}

static void independent_nodes_keep_their_order(void **state)
{
	const size_t *deps[] = { NULL, NULL, NULL };
	size_t ndeps[] = { 0, 0, 0 };
	struct depgraph g = { 3, deps, ndeps };
	size_t order[3], cycle;
	(void)state;
	assert_int_equal(depgraph_order(&g, order, &cycle), 0);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(order[i], i);
}

static void cycle_is_found_and_named(void **state)
{
	/* 0 is free; 1 -> 2 -> 3 -> 1 is a cycle; 4 depends on the cycle. */
	static const size_t d1[] = { 2 }, d2[] = { 3 }, d3[] = { 1 }, d4[] = { 1 };
	const size_t *deps[] = { NULL, d1, d2, d3, d4 };
	size_t ndeps[] = { 0, 1, 1, 1, 1 };
	struct depgraph g = { 5, deps, ndeps };
	size_t order[5], cycle = 99;
	(void)state;
	assert_int_equal(depgraph_order(&g, order, &cycle), -ELOOP);
	assert_true(cycle >= 1 && cycle <= 3);
}

static void self_dependency_is_a_cycle(void **state)
{
	static const size_t d0[] = { 0 };
	const size_t *deps[] = { d0 };
	size_t ndeps[] = { 1 };
	struct depgraph g = { 1, deps, ndeps };
	size_t order[1], cycle = 99;
	(void)state;
	assert_int_equal(depgraph_order(&g, order, &cycle), -ELOOP);
	assert_int_equal(cycle, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_graph_is_ordered),
		cmocka_unit_test(chain_starts_from_its_root),
		cmocka_unit_test(diamond_puts_each_node_after_its_dependencies),
		cmocka_unit_test(independent_nodes_keep_their_order),
		cmocka_unit_test(cycle_is_found_and_named),
		cmocka_unit_test(self_dependency_is_a_cycle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
