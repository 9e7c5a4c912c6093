#include "tests/unit/test_helpers.h"

#include "domains/libxllog.h"

/* libxl's own line (4.17), as it reaches the logger. */
static void timeout_line_is_parsed(void **state)
{
	struct backend_ref r;
	(void)state;
	assert_true(libxllog_backend_timeout("libxl_device.c:1375:device_destroy_be_watch_cb: "
					     "Domain 5:timed out while waiting for "
					     "/local/domain/8/backend/vif/5/0 to be removed", &r));
	assert_int_equal(r.backend_domid, 8);
	assert_int_equal(r.frontend_domid, 5);
	assert_int_equal(r.devid, 0);
	assert_string_equal(r.type, "vif");
	assert_string_equal(r.path, "/local/domain/8/backend/vif/5/0");
	assert_true(libxllog_backend_timeout("timed out while waiting for "
					     "/local/domain/12/backend/vbd/31/51728 to be removed",
					     &r));
	assert_int_equal(r.devid, 51728);
	assert_string_equal(r.type, "vbd");
}

/* Every other line, and anything that is not a backend's path exactly,
 * is no such report: *OUT is left alone. */
static void other_lines_are_not(void **state)
{
	static const char *const lines[] = {
		"libxl__devices_destroy failed",
		"timed out while waiting for /local/domain/8/backend/vif/5/0",
		"timed out while waiting for /local/domain/8/backend/vif/5/0 to be removed, again",
		"timed out while waiting for /local/domain/8/device/vif/5 to be removed",
		"timed out while waiting for /local/domain/8/backend/vif/5/0/x to be removed",
		"timed out while waiting for /local/domain/8/backend/vif/5 to be removed",
		"timed out while waiting for /local/domain/x/backend/vif/5/0 to be removed",
		"timed out while waiting for /local/domain/8/backend/VIF../5/0 to be removed",
		"timed out while waiting for /local/domain/8/backend/aaaaaaaaaaaaaaaaaaaa/5/0 to be "
		"removed",
		"timed out while waiting for /local/domain/8/backend/vif/5/0"
		"0000000000000000000000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000 to be removed",
		"",
	};
	struct backend_ref r = { .devid = 77 };
	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (libxllog_backend_timeout(lines[i], &r))
			fail_msg("taken for a backend timeout: %s", lines[i]);
		assert_int_equal(r.devid, 77);
	}
}

static struct backend_ref heard;
static int heard_count;

static void on_left(void *ctx, const struct backend_ref *ref)
{
	assert_ptr_equal(ctx, &heard_count);
	heard = *ref;
	heard_count++;
}

/* The logger passes every message on, and reports the timeout line, with
 * the message formatted as libxl does (a format and its arguments). */
static void logger_passes_on_and_reports(void **state)
{
	char path[] = "/tmp/bulkhead-libxllog-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w+");
	xentoollog_logger_stdiostream *inner = xtl_createlogger_stdiostream(f, XTL_WARN, 0);
	assert_non_null(inner);
	xentoollog_logger *lg = libxllog_new((xentoollog_logger *)inner, on_left, &heard_count);
	assert_non_null(lg);
	(void)state;
	heard_count = 0;
	xtl_log(lg, XTL_ERROR, -1, "libxl", "%s:%d:%s: Domain %u:timed out while waiting for %s "
		"to be removed", "libxl_device.c", 1375, "device_destroy_be_watch_cb", 5u,
		"/local/domain/8/backend/vif/5/0");
	xtl_log(lg, XTL_ERROR, -1, "libxl", "libxl__devices_destroy failed");
	xtl_log(lg, XTL_DEBUG, -1, "libxl", "below the inner logger's level");
	assert_int_equal(heard_count, 1);
	assert_int_equal(heard.frontend_domid, 5);
	assert_int_equal(heard.backend_domid, 8);
	char text[1024] = "";
	rewind(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	assert_contains(text, "libxl: error: libxl_device.c:1375:device_destroy_be_watch_cb: "
			"Domain 5:timed out while waiting for /local/domain/8/backend/vif/5/0 to be "
			"removed\n");
	assert_contains(text, "libxl: error: libxl__devices_destroy failed\n");
	assert_not_contains(text, "below");
	xtl_logger_destroy(lg);
	xtl_logger_destroy((xentoollog_logger *)inner);
	fclose(f);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timeout_line_is_parsed),
		cmocka_unit_test(other_lines_are_not),
		cmocka_unit_test(logger_passes_on_and_reports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
