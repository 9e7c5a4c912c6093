#include "tests/unit/test_helpers.h"

#include <sys/wait.h>

#include "lib/backoff.h"
#include "supervisor/supervisor.h"

#define EXITED(code) ((code) << 8)

static void backoff_doubles_from_100ms_up_to_the_cap(void **state)
{
	(void)state;
	assert_int_equal(policy_backoff_ms(1, 10000), 100);
	assert_int_equal(policy_backoff_ms(2, 10000), 200);
	assert_int_equal(policy_backoff_ms(3, 10000), 400);
	assert_int_equal(policy_backoff_ms(7, 10000), 6400);
	assert_int_equal(policy_backoff_ms(8, 10000), 10000);
	assert_int_equal(policy_backoff_ms(1000000, 10000), 10000);
	assert_int_equal(policy_backoff_ms(5, 100), 100);
}

static void restart_policy_follows_exit_status(void **state)
{
	(void)state;
	assert_true(policy_wants_restart(RESTART_ALWAYS, EXITED(0)));
	assert_true(policy_wants_restart(RESTART_ALWAYS, SIGKILL));
	assert_false(policy_wants_restart(RESTART_ON_FAILURE, EXITED(0)));
	assert_true(policy_wants_restart(RESTART_ON_FAILURE, EXITED(3)));
	assert_true(policy_wants_restart(RESTART_ON_FAILURE, SIGSEGV));
	assert_false(policy_wants_restart(RESTART_NEVER, EXITED(1)));
	assert_false(policy_wants_restart(RESTART_NEVER, SIGKILL));
}

static void start_limit_trips_on_burst_plus_one_within_interval(void **state)
{
	struct death_window w;
	(void)state;
	policy_reset_deaths(&w);
	assert_false(policy_record_death(&w, 1000, 3, 1000));
	assert_false(policy_record_death(&w, 1100, 3, 1000));
	assert_false(policy_record_death(&w, 1200, 3, 1000));
	assert_true(policy_record_death(&w, 1300, 3, 1000));
}

static void deaths_spread_out_never_trip(void **state)
{
	struct death_window w;
	(void)state;
	policy_reset_deaths(&w);
	for (uint64_t t = 0; t < 100; t++)
		assert_false(policy_record_death(&w, 5000 + t * 400, 3, 1000));
}

static void old_deaths_fall_out_of_the_window(void **state)
{
	struct death_window w;
	(void)state;
	policy_reset_deaths(&w);
	assert_false(policy_record_death(&w, 0, 2, 1000));
	assert_false(policy_record_death(&w, 10, 2, 1000));
	/* The third death is 1000 ms after the first: outside the window. */
	assert_false(policy_record_death(&w, 1000, 2, 1000));
	assert_true(policy_record_death(&w, 1001, 2, 1000));
}

static void reset_forgets_deaths(void **state)
{
	struct death_window w;
	(void)state;
	policy_reset_deaths(&w);
	assert_false(policy_record_death(&w, 0, 1, 1000));
	assert_true(policy_record_death(&w, 1, 1, 1000));
	policy_reset_deaths(&w);
	assert_false(policy_record_death(&w, 2, 1, 1000));
}

static void largest_burst_is_honoured_across_the_ring(void **state)
{
	struct death_window w;
	(void)state;
	policy_reset_deaths(&w);
	/* Wrap the ring several times, slowly, then die fast. */
	for (uint64_t t = 0; t < 3 * DEATHS_REMEMBERED; t++)
		assert_false(policy_record_death(&w, t * 1000, START_LIMIT_BURST_MAX, 500));
	uint64_t now = 10000000;
	for (unsigned i = 0; i < START_LIMIT_BURST_MAX; i++)
		assert_false(policy_record_death(&w, now + i, START_LIMIT_BURST_MAX, 500));
	assert_true(policy_record_death(&w, now + START_LIMIT_BURST_MAX, START_LIMIT_BURST_MAX, 500));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(backoff_doubles_from_100ms_up_to_the_cap),
		cmocka_unit_test(restart_policy_follows_exit_status),
		cmocka_unit_test(start_limit_trips_on_burst_plus_one_within_interval),
		cmocka_unit_test(deaths_spread_out_never_trip),
		cmocka_unit_test(old_deaths_fall_out_of_the_window),
		cmocka_unit_test(reset_forgets_deaths),
		cmocka_unit_test(largest_burst_is_honoured_across_the_ring),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
