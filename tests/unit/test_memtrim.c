/*
 * test_memtrim.c - which of a process's mappings PID 1 lets go of after
 * its boot (init/memtrim.h): on made-up smaps text, every kind that must
 * stay; and on this process itself, which goes on running.
 */
#include "tests/unit/test_helpers.h"

#include "init/memtrim.h"

/* One mapping of smaps: its head line, then the fields that matter. */
#define MAP(range, perms, inode, path, anon, locked)                                   \
	range " " perms " 00000000 08:01 " inode "    " path "\n"                        \
	"Size:                 16 kB\n"                                                 \
	"Rss:                  16 kB\n"                                                 \
	"Anonymous:            " anon " kB\n"                                           \
	"Locked:               " locked " kB\n"                                         \
	"VmFlags: rd ex mr mw me\n"

static void only_clean_private_read_only_file_mappings(void **state)
{
	(void)state;
	static const char text[] =
		MAP("1000-3000", "r--p", "42", "/usr/bin/bulkhead", "0", "0")	/* yes */
		MAP("3000-8000", "r-xp", "42", "/usr/bin/bulkhead", "0", "0")	/* yes */
		MAP("8000-9000", "r--p", "42", "/usr/bin/bulkhead", "4", "0")	/* relocated */
		MAP("9000-a000", "rw-p", "42", "/usr/bin/bulkhead", "0", "0")	/* .data */
		MAP("a000-b000", "rw-p", "0", "[heap]", "4", "0")
		MAP("b000-c000", "r-xp", "0", "[vdso]", "0", "0")
		MAP("c000-d000", "r--s", "77", "/dev/shm/x", "0", "0")	/* shared */
		MAP("d000-e000", "r-xp", "43", "/usr/lib/libc.so.6", "0", "8")	/* locked */
		MAP("e000-f000", "---p", "43", "/usr/lib/libc.so.6", "0", "0")	/* a guard */
		MAP("f000-11000", "r-xp", "43", "/usr/lib/libc.so.6", "0", "0")	/* yes */
		"11000-12000 r-xp 00000000 08:01 43    /usr/lib/libc.so.6\n"
		"Anonymous:            0 kB\n";	/* cut before its end: left */
	struct memtrim_range r[8];
	size_t n = memtrim_ranges(text, sizeof(text) - 1, r, 8);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].start, 0x1000);
	assert_int_equal(r[0].end, 0x3000);
	assert_int_equal(r[1].start, 0x3000);
	assert_int_equal(r[1].end, 0x8000);
	assert_int_equal(r[2].start, 0xf000);
	assert_int_equal(r[2].end, 0x11000);
	/* At most MAX. */
	assert_int_equal(memtrim_ranges(text, sizeof(text) - 1, r, 1), 1);
	/* A cut in the middle of a mapping's lines takes nothing of it. */
	size_t cut = (size_t)(strstr(text, "3000-8000") - text) + 40;
	assert_int_equal(memtrim_ranges(text, cut, r, 8), 1);
	assert_int_equal(memtrim_ranges("", 0, r, 8), 0);
}

/* This process lets go of its code's pages and goes on: what it runs next
 * is read again from the files. */
static void this_process_goes_on(void **state)
{
	(void)state;
	unsigned long before = 0, after = 0;
	assert_int_equal(memtrim_self(&before, &after), 0);
	assert_true(before > 0);
	assert_true(after > 0);
	assert_true(after < before);
	char buf[64];
	snprintf(buf, sizeof(buf), "%lu -> %lu", before, after);
	assert_non_null(strstr(buf, "->"));
	assert_true(memtrim_rss_kib() > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(only_clean_private_read_only_file_mappings),
		cmocka_unit_test(this_process_goes_on),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
