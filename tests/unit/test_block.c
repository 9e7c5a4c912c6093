/*
 * test_block.c - block devices lent between domains: a lender's inventory
 * as dom0 reads it (proto/blockproto.h: every refusal), what a storage
 * domain's agent tells of its /sys/block (guest/blockdevs.h, on a fake
 * tree), the disk names dom0 gives them (xvdi..), and the domain
 * manager's decisions (domains/blocklend.h) on made-up facts.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "domains/blocklend.h"
#include "guest/blockdevs.h"
#include "lib/util.h"
#include "proto/blockproto.h"
#include "test_helpers.h"

static const char *parse(const char *name, const char *value, struct block_device *d)
{
	return block_device_parse(name, strlen(name), value, strlen(value), d);
}

static void the_inventory_is_parsed_strictly(void **state)
{
	struct block_device d;
	char value[BLOCK_VALUE_MAX + 1];
	(void)state;
	assert_null(parse("loop0", "2048 rw /srv/lend.img", &d));
	assert_string_equal(d.name, "loop0");
	assert_int_equal(d.sectors, 2048);
	assert_false(d.ro);
	assert_string_equal(d.desc, "/srv/lend.img");
	assert_int_equal(block_device_format(&d, value, sizeof(value)), strlen("2048 rw /srv/lend.img"));
	assert_string_equal(value, "2048 rw /srv/lend.img");
	assert_null(parse("dm-0", "18446744073709551615 ro luks-1 (sda2)", &d));
	assert_true(d.ro);
	assert_int_equal(d.sectors, UINT64_MAX);
	/* Names that would make another path under /dev, or none. */
	static const char *const names[] = { "", "../sda", "sda/1", ".", "..", ".x", "-x", "_x",
					     "Sda", "sd a", "sd\na", "a23456789012345678901234567890123" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_non_null(parse(names[i], "1 rw x", &d));
	/* A NUL inside the name (the fuzzer's find: strchr() matches it). */
	assert_non_null(block_device_parse("d1\0001", 4, "1 rw x", 6, &d));
	assert_false(block_name_valid("l\0003p0", 5));
	assert_null(parse("a234567890123456789012345678901", "1 rw x", &d));	/* 31 */
	/* dom0's files are lent by their names in its pool. */
	assert_null(parse("2024-backup_v1.img", "1 rw x", &d));
	static const char *const values[] = {
		"", "0 rw x", "01 rw x", "18446744073709551616 rw x", "-1 rw x", "1 rw", "1 rw ",
		"1 RW x", "1  rw x", "1 rx x", "1rw x", "1 rw \x1b[2Jx", "1 rw caf\xc3\xa9",
		"1 rw 12345678901234567890123456789012345678901234567890123456789012345",
	};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		assert_non_null(parse("sda", values[i], &d));
	/* The longest that parses: 20 digits, ro, 64 bytes of description. */
	assert_null(parse("sda", "18446744073709551615 ro "
			  "1234567890123456789012345678901234567890123456789012345678901234", &d));
	/* What would not parse is not formatted. */
	d.desc[0] = '\n';
	assert_int_equal(block_device_format(&d, value, sizeof(value)), 0);
	d.desc[0] = 'x';
	d.sectors = 0;
	assert_int_equal(block_device_format(&d, value, sizeof(value)), 0);
}

static void disks_given_at_run_time_are_xvdi_to_xvdp(void **state)
{
	(void)state;
	assert_string_equal(block_attach_vdev(0), "xvdi");
	assert_string_equal(block_attach_vdev(7), "xvdp");
	assert_null(block_attach_vdev(8));
	assert_true(block_vdev_is_attached("xvdk"));
	/* A domain's own volumes and its config's disks are not. */
	assert_false(block_vdev_is_attached("xvda"));
	assert_false(block_vdev_is_attached("xvdh"));
	assert_false(block_vdev_is_attached("xvdq"));
	assert_false(block_vdev_is_attached("xvdi1"));
}

/* ---- the manager's decisions ---- */

static const struct block_held held[] = {
	{ .holder = "alpha", .holder_domid = 5, .backend_domid = 3, .lent = "/dev/vda",
	  .vdev = "xvdb" },
	{ .holder = "beta", .holder_domid = 6, .backend_domid = 3, .lent = "/dev/loop0",
	  .vdev = "xvdi" },
	{ .holder = "beta", .holder_domid = 6, .backend_domid = 0,
	  .lent = "/var/lib/bulkhead/pool/lend.img", .vdev = "xvdj" },
};

static void holders_and_names(void **state)
{
	(void)state;
	assert_ptr_equal(blocklend_holder(held, 3, 3, "/dev/loop0"), &held[1]);
	assert_ptr_equal(blocklend_holder(held, 3, 0, "/var/lib/bulkhead/pool/lend.img"), &held[2]);
	/* The same name served by another domain is another device. */
	assert_null(blocklend_holder(held, 3, 4, "/dev/loop0"));
	assert_null(blocklend_holder(held, 3, 3, "/dev/loop1"));
	static const char *const used[] = { "xvda", "xvdb", "xvdi", "xvdk" };
	assert_string_equal(blocklend_free_vdev(used, 4), "xvdj");
	assert_string_equal(blocklend_free_vdev(used, 2), "xvdi");
	static const char *const full[] = { "xvdi", "xvdj", "xvdk", "xvdl", "xvdm", "xvdn",
					    "xvdo", "xvdp" };
	assert_null(blocklend_free_vdev(full, 8));
	/* A lender's death takes what it lent at run time, not a config's disk. */
	assert_true(blocklend_taken_back(3, "xvdi", 3));
	assert_false(blocklend_taken_back(3, "xvdb", 3));
	assert_false(blocklend_taken_back(4, "xvdi", 3));
	assert_false(blocklend_taken_back(3, NULL, 3));
}

static void attach_refusals(void **state)
{
	struct ctl_request req = { .type = CTL_REQ_BLOCK_ATTACH, .name = "sys-storage",
				   .device = "loop0", .target = "gamma" };
	struct block_device dev = { .name = "loop0", .sectors = 8, .desc = "x" };
	struct block_attach_facts f = { .req = &req, .dev = &dev, .target_known = true,
					.target_up = true, .vdev = "xvdi" };
	char msg[256];
	(void)state;
	assert_int_equal(blocklend_attach_check(&f, msg, sizeof(msg)), 0);
	f.target_known = false;
	assert_int_equal(blocklend_attach_check(&f, msg, sizeof(msg)), -ENOENT);
	assert_string_equal(msg, "gamma is no domain");
	f.target_known = true;
	f.target_up = false;
	assert_int_equal(blocklend_attach_check(&f, msg, sizeof(msg)), -ENOENT);
	assert_string_equal(msg, "gamma is not running (`bulkhead ctl start' it first)");
	f.target_up = true;
	f.target_is_lender = true;
	assert_int_equal(blocklend_attach_check(&f, msg, sizeof(msg)), -ENOENT);
	assert_string_equal(msg, "gamma lends the device: it cannot take it too");
	f.target_is_lender = false;
	f.dev = NULL;
	assert_int_equal(blocklend_attach_check(&f, msg, sizeof(msg)), -ENOENT);
	assert_string_equal(msg, "sys-storage has no device loop0 (`bulkhead ctl block list' "
			    "lists them)");
	f.dev = &dev;
	f.held = &held[1];
	assert_int_equal(blocklend_attach_check(&f, msg, sizeof(msg)), -EBUSY);
	assert_string_equal(msg, "sys-storage:loop0 is attached to beta already, as xvdi "
			    "(`bulkhead ctl block detach' takes it back)");
	f.held = &held[0];
	assert_int_equal(blocklend_attach_check(&f, msg, sizeof(msg)), -EBUSY);
	assert_string_equal(msg, "sys-storage:loop0 is attached to alpha already, as xvdb, by "
			    "its config");
	f.held = NULL;
	dev.ro = true;
	assert_int_equal(blocklend_attach_check(&f, msg, sizeof(msg)), -EROFS);
	assert_string_equal(msg, "sys-storage:loop0 is read-only in sys-storage: attach it with "
			    "--ro");
	req.read_only = true;
	assert_int_equal(blocklend_attach_check(&f, msg, sizeof(msg)), 0);
	f.vdev = NULL;
	assert_int_equal(blocklend_attach_check(&f, msg, sizeof(msg)), -ENOSPC);
	assert_string_equal(msg, "gamma holds 8 disks attached at run time already, as many as "
			    "it may (detach one)");
}

static void detach_refusals_and_one_at_a_time(void **state)
{
	struct ctl_request req = { .type = CTL_REQ_BLOCK_DETACH, .name = "sys-storage",
				   .device = "vda" };
	char msg[256];
	(void)state;
	assert_int_equal(blocklend_detach_check(&req, NULL, msg, sizeof(msg)), -ENOENT);
	assert_string_equal(msg, "sys-storage:vda is attached to no domain (`bulkhead ctl block "
			    "list' says which are)");
	assert_int_equal(blocklend_detach_check(&req, &held[0], msg, sizeof(msg)), -EPERM);
	assert_string_equal(msg, "sys-storage:vda is alpha's xvdb by its config (disk =): it goes "
			    "when alpha stops");
	assert_int_equal(blocklend_detach_check(&req, &held[1], msg, sizeof(msg)), 0);

	static const struct block_inflight a = { .attach = true, .device = "sys-storage:loop0",
						  .holder = "beta" };
	const struct block_inflight *ops[BLOCK_OPS_MAX] = { NULL, &a };
	struct ctl_request other = { .type = CTL_REQ_BLOCK_ATTACH, .name = "sys-usb",
				     .device = "sda", .target = "gamma" };
	assert_int_equal(blocklend_busy(ops, &other, msg, sizeof(msg)), 0);
	/* The same device, or the same domain taking another. */
	strcpy(req.device, "loop0");
	assert_int_equal(blocklend_busy(ops, &req, msg, sizeof(msg)), -EBUSY);
	assert_string_equal(msg, "an attach of sys-storage:loop0 to beta is under way: ask again "
			    "once it is done");
	strcpy(other.target, "beta");
	assert_int_equal(blocklend_busy(ops, &other, msg, sizeof(msg)), -EBUSY);
	/* A detach from beta of another device may go on. */
	other.type = CTL_REQ_BLOCK_DETACH;
	assert_int_equal(blocklend_busy(ops, &other, msg, sizeof(msg)), 0);
	for (size_t i = 0; i < BLOCK_OPS_MAX; i++)
		ops[i] = &a;
	strcpy(other.name, "sys-usb");
	assert_int_equal(blocklend_busy(ops, &other, msg, sizeof(msg)), -EBUSY);
	assert_string_equal(msg, "8 attaches and detaches are under way: ask again once one is "
			    "done");
}

/* ---- the agent on a fake /sys/block ---- */

static void the_agent_reads_sysfs(void **state)
{
	(void)state;
	tree_put("sda/size", "1953525168\n");
	tree_put("sda/ro", "0\n");
	tree_put("sda/device/model", "Samsung SSD 860 \n");
	tree_put("sda/sda1/partition", "1\n");
	tree_put("sda/sda1/size", "1048576\n");
	tree_put("sda/sda1/ro", "0\n");
	tree_put("sda/sda2/partition", "2\n");
	tree_put("sda/sda2/size", "1952474000\n");
	tree_put("sda/sda2/ro", "1\n");
	tree_put("sda/queue/size", "7\n");	/* no partition file: not one */
	tree_put("loop0/size", "2048\n");
	tree_put("loop0/loop/backing_file", "/srv/a/very/long/directory/name/that/goes/on/and/on/"
	    "and/on/lend.img\n");
	tree_put("loop1/size", "0\n");	/* empty: not lent */
	tree_put("loop2/size", "4096\n");	/* no file: not lent */
	tree_put("dm-0/size", "8192\n");
	tree_put("dm-0/dm/name", "luks-\x1b[2J\n");
	tree_put("xvda/size", "4096\n");	/* dom0's: not lent again */
	tree_put("ram0/size", "8192\n");
	tree_put("vdb/size", "16\n");	/* no model */
	tree_put("vdb/ro", "1\n");
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	struct block_device d[16];
	bool more;
	size_t n = blockdevs_scan(fd, d, 16, &more);
	assert_false(more);
	assert_int_equal(n, 6);
	assert_string_equal(d[0].name, "dm-0");
	assert_string_equal(d[0].desc, "luks-?[2J");
	assert_string_equal(d[1].name, "loop0");
	/* A long file's name is at its end. */
	assert_string_equal(d[1].desc,
			    "v/a/very/long/directory/name/that/goes/on/and/on/and/on/lend.img");
	assert_int_equal(strlen(d[1].desc), BLOCK_DESC_MAX);
	assert_string_equal(d[2].name, "sda");
	assert_string_equal(d[2].desc, "Samsung SSD 860");
	assert_int_equal(d[2].sectors, 1953525168);
	assert_false(d[2].ro);
	assert_string_equal(d[3].name, "sda1");
	assert_string_equal(d[3].desc, "partition 1 of sda");
	assert_string_equal(d[4].name, "sda2");
	assert_true(d[4].ro);
	assert_string_equal(d[5].name, "vdb");
	assert_string_equal(d[5].desc, "disk");
	assert_true(d[5].ro);
	/* Each of them is what dom0 takes. */
	for (size_t i = 0; i < n; i++) {
		char value[BLOCK_VALUE_MAX + 1];
		struct block_device back;
		size_t len = block_device_format(&d[i], value, sizeof(value));
		assert_true(len > 0);
		assert_null(block_device_parse(d[i].name, strlen(d[i].name), value, len, &back));
		assert_memory_equal(&back, &d[i], sizeof(back));
	}
	/* Room for two: two of them, and more said. */
	n = blockdevs_scan(fd, d, 2, &more);
	assert_true(more);
	assert_int_equal(n, 2);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_inventory_is_parsed_strictly),
		cmocka_unit_test(disks_given_at_run_time_are_xvdi_to_xvdp),
		cmocka_unit_test(holders_and_names),
		cmocka_unit_test(attach_refusals),
		cmocka_unit_test(detach_refusals_and_one_at_a_time),
		cmocka_unit_test_setup_teardown(the_agent_reads_sysfs, tree_make, tree_remove),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
