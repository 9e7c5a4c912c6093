/* The kernel settings PID 1 makes at boot, written under a directory that
 * stands for /proc/sys: the values, and one line for what failed. */
#include "tests/unit/test_helpers.h"

#include "init/harden.h"

/* DIR/fs and DIR/kernel, as /proc/sys has them. */
static int make_dir(void **state)
{
	char path[128];
	(void)state;
	if (config_dir_make("fs") < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/kernel", dir);
	return mkdir(path, 0755);
}

static int remove_dir(void **state)
{
	(void)state;
	return config_dir_remove();
}

static const char *read_back(const char *name)
{
	static char text[16];
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		return "(none)";
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* Each knob's file as the kernel has it ("0\n"): all of them set. */
static void every_setting_is_written(void **state)
{
	(void)state;
	for (const struct kernel_setting *s = kernel_hardening; s->name; s++) {
		char file[64];
		strcpy(file, s->name);
		*strchr(file, '.') = '/';
		write_file(dir, file, "0\n");
	}
	capture_begin();
	assert_int_equal(harden_kernel(dir), 0);
	assert_contains(capture_end(), "kernel hardening set");
	assert_string_equal(read_back("fs/protected_symlinks"), "1\n");
	assert_string_equal(read_back("fs/protected_hardlinks"), "1\n");
	assert_string_equal(read_back("fs/protected_fifos"), "2\n");
	assert_string_equal(read_back("fs/protected_regular"), "2\n");
	assert_string_equal(read_back("kernel/dmesg_restrict"), "1\n");
	assert_string_equal(read_back("kernel/kptr_restrict"), "2\n");
}

/* A kernel without a knob, and one that cannot be written: one line says
 * both, what and why; the others are still set. */
static void what_cannot_be_set_is_said_once(void **state)
{
	(void)state;
	write_file(dir, "fs/protected_symlinks", "0\n");
	write_file(dir, "fs/protected_hardlinks", "0\n");
	write_file(dir, "fs/protected_fifos", "0\n");
	write_file(dir, "kernel/dmesg_restrict", "0\n");
	char path[128];
	snprintf(path, sizeof(path), "%s/kernel/kptr_restrict", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	capture_begin();
	assert_int_equal(harden_kernel(dir), 2);
	const char *out = capture_end();
	assert_string_equal(out, "bulkhead: init: kernel hardening: not set: fs.protected_regular = 2 "
			    "(not in this kernel), kernel.kptr_restrict = 2 (Is a directory)\n"
			    "bulkhead: init: event=hardening not_set=2\n");
	assert_string_equal(read_back("fs/protected_fifos"), "2\n");
	assert_string_equal(read_back("kernel/dmesg_restrict"), "1\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(every_setting_is_written, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(what_cannot_be_set_is_said_once, make_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
