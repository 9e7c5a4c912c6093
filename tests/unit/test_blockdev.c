/* Finding disks.cfg's devices: what is not there is waited for, then
 * named with the devices that are; what is not a block device is refused. */
#include "tests/unit/test_helpers.h"

#include <errno.h>

#include "sys/blockdev.h"
#include "lib/util.h"

static void a_missing_device_is_waited_for_then_named(void **state)
{
	char path[64];
	(void)state;

	uint64_t t0 = monotonic_ms();
	capture_begin();
	int r = blockdev_wait("/dev/bulkhead-test-none", 300, "cryptroot", path, sizeof(path));
	const char *log = capture_end();
	assert_int_equal(r, -ETIMEDOUT);
	assert_true(monotonic_ms() - t0 >= 300);
	assert_non_null(strstr(log, "cryptroot: no device /dev/bulkhead-test-none after 300 ms; the "
			       "block devices are: "));
	assert_non_null(strstr(log, "check the name in disks.cfg"));
}

static void a_missing_uuid_is_named_too(void **state)
{
	char path[64];
	(void)state;

	capture_begin();
	int r = blockdev_wait("UUID=00000000-dead-beef-0000-000000000000", 2000, "the root", path,
			      sizeof(path));
	const char *log = capture_end();
	assert_int_equal(r, -ETIMEDOUT);
	/* Past a second it says it waits, so that a slow disk is not a mystery. */
	assert_non_null(strstr(log, "the root: waiting up to 2 s for UUID=00000000-dead-beef"));
	assert_non_null(strstr(log, "the root: no device UUID=00000000-dead-beef-0000-000000000000"));
}

static void what_is_not_a_block_device_is_refused(void **state)
{
	char path[64];
	(void)state;

	capture_begin();
	int r = blockdev_wait("/dev/null", 1000, "cryptdata", path, sizeof(path));
	const char *log = capture_end();
	assert_int_equal(r, -ENOTBLK);
	assert_non_null(strstr(log, "cryptdata: /dev/null is not a block device"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_missing_device_is_waited_for_then_named),
		cmocka_unit_test(a_missing_uuid_is_named_too),
		cmocka_unit_test(what_is_not_a_block_device_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
