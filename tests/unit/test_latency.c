/*
 * test_latency.c - the input latency's samples and percentiles
 * (lib/latency.h).
 */
#include "tests/unit/test_helpers.h"

#include "lib/latency.h"

/* 256 KiB: static, not on the stack. */
static struct latency_samples samples;

/* Nearest rank: the smallest value with at least PCT % of them at or below
 * it, never one between two samples. */
static void nearest_rank(void **state)
{
	static const uint32_t ten[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	static const uint32_t one[] = { 42 };

	(void)state;
	assert_int_equal(latency_percentile(ten, 10, 50), 5);
	assert_int_equal(latency_percentile(ten, 10, 51), 6);
	assert_int_equal(latency_percentile(ten, 10, 99), 10);
	assert_int_equal(latency_percentile(ten, 10, 100), 10);
	assert_int_equal(latency_percentile(ten, 10, 10), 1);
	assert_int_equal(latency_percentile(ten, 10, 0), 1);
	assert_int_equal(latency_percentile(one, 1, 0), 42);
	assert_int_equal(latency_percentile(one, 1, 50), 42);
	assert_int_equal(latency_percentile(one, 1, 100), 42);
}

/* 20,000 samples in a shuffled order: p99 is the 19,800th value, exactly,
 * and the 200 slow ones above it do not move p50. */
static void the_bench_s_count(void **state)
{
	(void)state;
	for (uint32_t i = 0; i < 20000; i++)
		assert_false(latency_add(&samples, (i * 7919u) % 20000 + 1));
	struct latency_summary s = latency_take(&samples);
	assert_int_equal(s.n, 20000);
	assert_int_equal(s.p50_us, 10000);
	assert_int_equal(s.p99_us, 19800);
	assert_int_equal(s.max_us, 20000);
	assert_int_equal(samples.n, 0);
}

/* Many equal values, in no order: sorted in place, none lost (the sums
 * agree), whatever the heap's shape (every count up to 40). */
static void sorted_with_repeats(void **state)
{
	(void)state;
	for (uint32_t n = 1; n <= 40; n++) {
		uint64_t sum = 0, sorted_sum = 0;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t v = (i * 37u + n) % 7;
			sum += v;
			latency_add(&samples, v);
		}
		struct latency_summary s = latency_take(&samples);
		for (uint32_t i = 0; i < n; i++) {
			sorted_sum += samples.us[i];
			if (i)
				assert_true(samples.us[i - 1] <= samples.us[i]);
		}
		assert_int_equal(sorted_sum, sum);
		assert_int_equal(s.max_us, samples.us[n - 1]);
		assert_int_equal(s.p50_us, samples.us[(n + 1) / 2 - 1]);
	}
}

/* A time past 32 bits counts as the largest; nothing is said of none. */
static void clamped_and_empty(void **state)
{
	(void)state;
	struct latency_summary s = latency_take(&samples);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.p50_us, 0);
	assert_int_equal(s.max_us, 0);
	assert_false(latency_add(&samples, 3));
	assert_false(latency_add(&samples, (uint64_t)UINT32_MAX + 5));
	s = latency_take(&samples);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.p50_us, 3);
	assert_int_equal(s.max_us, UINT32_MAX);
}

/* Full: said so by the sample that filled it; more are not kept (nor
 * written past the end) until it is taken. */
static void full(void **state)
{
	(void)state;
	for (size_t i = 0; i + 1 < LATENCY_SAMPLES_MAX; i++)
		assert_false(latency_add(&samples, 100));
	assert_true(latency_add(&samples, 7));
	assert_true(latency_add(&samples, 1000000));
	struct latency_summary s = latency_take(&samples);
	assert_int_equal(s.n, LATENCY_SAMPLES_MAX);
	assert_int_equal(s.p50_us, 100);
	assert_int_equal(s.max_us, 100);
	assert_false(latency_add(&samples, 5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nearest_rank),
		cmocka_unit_test(the_bench_s_count),
		cmocka_unit_test(sorted_with_repeats),
		cmocka_unit_test(clamped_and_empty),
		cmocka_unit_test(full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
