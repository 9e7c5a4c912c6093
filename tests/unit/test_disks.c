/* disks.cfg: the crypttab lines, the root and its mount options. */
#include "tests/unit/test_helpers.h"

#include <sys/mount.h>

#include "config/disks_config.h"
#include "lib/util.h"

static int make_dir(void **state)
{
	(void)state;
	return config_dir_make("keys");
}

static int remove_dir(void **state)
{
	(void)state;
	return config_dir_remove();
}

static void a_full_line_is_read(void **state)
{
	struct crypt_volume v;
	char err[512];
	(void)state;

	assert_int_equal(crypttab_parse("data LABEL=bulkhead-data /etc/keys/data.key "
					"luks,discard,read-only,no-read-workqueue,tries=5,"
					"device-timeout=90,keyfile-offset=512,keyfile-size=64,nofail",
					&v, err, sizeof(err)), 0);
	assert_string_equal(v.name, "data");
	assert_string_equal(v.device, "LABEL=bulkhead-data");
	assert_string_equal(v.key_file, "/etc/keys/data.key");
	assert_int_equal(v.flags, CRYPTVOL_DISCARD | CRYPTVOL_READONLY | CRYPTVOL_NO_READ_WORKQUEUE);
	assert_int_equal(v.tries, 5);
	assert_int_equal(v.device_timeout_ms, 90000);
	assert_int_equal(v.keyfile_offset, 512);
	assert_int_equal(v.keyfile_size, 64);
	assert_true(v.nofail);
}

static void short_lines_ask_for_a_passphrase(void **state)
{
	struct crypt_volume v;
	char err[512];
	(void)state;

	assert_int_equal(crypttab_parse("cryptroot /dev/vda", &v, err, sizeof(err)), 0);
	assert_string_equal(v.key_file, "");
	assert_int_equal(crypttab_parse("cryptroot\tUUID=5e1f0c2a-0b5e-4c1e-9d2a-3c4d5e6f7a8b   -",
					&v, err, sizeof(err)), 0);
	assert_string_equal(v.device, "UUID=5e1f0c2a-0b5e-4c1e-9d2a-3c4d5e6f7a8b");
	assert_string_equal(v.key_file, "");
	assert_int_equal(crypttab_parse("r PARTUUID=0a1b2c3d-01 none device-timeout=250ms", &v, err,
					sizeof(err)), 0);
	assert_int_equal(v.device_timeout_ms, 250);
	assert_int_equal(v.tries, 0);	/* the file's passphrase_tries */
}

/* Each wrong line is refused with what would be right. */
static void wrong_lines_say_what_is_wrong(void **state)
{
	static const struct { const char *line, *says; } cases[] = {
		{ "cryptroot", "a crypttab line is NAME DEVICE [KEY [OPTIONS]]" },
		{ "a /dev/vda none luks extra", "more than 4 fields" },
		{ "bad/name /dev/vda", "becomes /dev/mapper/NAME" },
		{ "-x /dev/vda", "not starting with - or ." },
		{ "r vda", "device \"vda\" is not an absolute path, UUID= or PARTUUID= with a whole "
			   "UUID (as blkid prints it), or LABEL=, PARTLABEL= with a value" },
		{ "r UUID=5e1f0c2a-0b5e", "device \"UUID=5e1f0c2a-0b5e\" is not" },
		{ "r PARTUUID=1234", "device \"PARTUUID=1234\" is not" },
		{ "r UUID= none", "device \"UUID=\" is not" },
		{ "r SERIAL=123", "device \"SERIAL=123\"" },
		{ "r /dev/vda keys/r.key", "key \"keys/r.key\" is not \"none\"" },
		{ "r /dev/vda none plain", "option \"plain\" is not supported by bulkhead" },
		{ "r /dev/vda none tpm2-device=auto", "option \"tpm2-device=auto\" is not supported" },
		{ "r /dev/vda none discard,dicsard", "unknown option \"dicsard\"; supported: luks, " },
		{ "r /dev/vda none tries=0", "tries must be 1 to 10" },
		{ "r /dev/vda none tries=11", "tries must be 1 to 10" },
		{ "r /dev/vda none device-timeout=forever", "device-timeout must be SECONDS" },
		{ "r /dev/vda none device-timeout=0", "device-timeout must be" },
		{ "r /dev/vda none keyfile-size=9999999999", "keyfile-size must be 1 to" },
		{ "r /dev/vda none keyfile-offset=-1", "is not a number of bytes" },
		{ "r /dev/vda none keyfile-offset=4", "keyfile-offset and keyfile-size need a key file" },
	};
	struct crypt_volume v;
	char err[512];
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		err[0] = '\0';
		assert_int_equal(crypttab_parse(cases[i].line, &v, err, sizeof(err)), -1);
		if (!strstr(err, cases[i].says))
			fail_msg("\"%s\": said \"%s\", not \"%s\"", cases[i].line, err, cases[i].says);
	}
}

static void mount_options_split_into_flags_and_data(void **state)
{
	unsigned long flags;
	char data[64], err[256];
	(void)state;

	assert_int_equal(mount_options_parse("ro,noatime,nodev,errors=remount-ro,commit=5", &flags,
					     data, sizeof(data), err, sizeof(err)), 0);
	assert_int_equal(flags, MS_RDONLY | MS_NOATIME | MS_NODEV);
	assert_string_equal(data, "errors=remount-ro,commit=5");
	/* The last word wins, as with mount(8). */
	assert_int_equal(mount_options_parse("defaults,ro,rw,noatime,relatime", &flags, data,
					     sizeof(data), err, sizeof(err)), 0);
	assert_int_equal(flags, MS_RELATIME);
	assert_string_equal(data, "");
	assert_int_equal(mount_options_parse("rw,nofail", &flags, data, sizeof(data), err,
					     sizeof(err)), -1);
	assert_non_null(strstr(err, "\"nofail\" is an option of mount(8) or fstab"));
	assert_int_equal(mount_options_parse("x-systemd.automount", &flags, data, sizeof(data), err,
					     sizeof(err)), -1);
	assert_int_equal(mount_options_parse("commit=5,data=ordered,barrier=1,errors=panic", &flags,
					     data, 16, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 15 bytes"));
}

static void a_missing_file_means_nothing_to_open(void **state)
{
	struct disks_config d;
	(void)state;

	assert_int_equal(disks_config_load(dir, &d), 0);
	assert_int_equal(d.nvolumes, 0);
	assert_string_equal(d.root, "");
	assert_true(d.switch_root);
	assert_string_equal(d.root_init, "/sbin/init");
	assert_int_equal(d.tries, 3);
}

static void the_file_is_read_with_its_defaults(void **state)
{
	struct disks_config d;
	(void)state;

	write_file(dir, "disks.cfg",
		   "crypttab = [ \"cryptroot UUID=5e1f0c2a-0b5e-4c1e-9d2a-3c4d5e6f7a8b\",\n"
		   "             \"swap /dev/vdb /etc/swap.key discard,tries=2\" ]\n"
		   "root = \"/dev/mapper/cryptroot\"\n"
		   "root_fstype = \"ext4\"\n"
		   "root_options = \"ro,noatime,commit=30\"\n"
		   "switch_root = 0\n"
		   "device_timeout_ms = 5000\n"
		   "passphrase_tries = 4\n");
	assert_int_equal(disks_config_load(dir, &d), 0);
	assert_int_equal(d.nvolumes, 2);
	assert_string_equal(d.volumes[0].name, "cryptroot");
	assert_int_equal(d.volumes[0].tries, 4);
	assert_int_equal(d.volumes[0].device_timeout_ms, 5000);
	assert_int_equal(d.volumes[1].tries, 2);
	assert_string_equal(d.root, "/dev/mapper/cryptroot");
	assert_int_equal(d.root_flags, MS_RDONLY | MS_NOATIME);
	assert_string_equal(d.root_data, "commit=30");
	assert_false(d.switch_root);
}

/* A wrong volume is left out with its line; the others and the root stay. */
static void problems_are_reported_with_their_lines(void **state)
{
	struct disks_config d;
	(void)state;

	write_file(dir, "disks.cfg",
		   "crypttab = [\n"
		   "  \"a /dev/vda\",\n"
		   "  \"b /dev/vdb none sawp\",\n"
		   "  \"a /dev/vdc\",\n"
		   "]\n"
		   "root = \"/dev/mapper/a\"\n"
		   "root_fstype = \"ext4\"\n"
		   "root_optoins = \"ro\"\n");
	capture_begin();
	unsigned errors = disks_config_load(dir, &d);
	const char *log = capture_end();
	assert_int_equal(errors, 3);
	assert_int_equal(d.nvolumes, 1);
	assert_string_equal(d.volumes[0].device, "/dev/vda");
	assert_string_equal(d.root, "/dev/mapper/a");
	assert_non_null(strstr(log, "disks.cfg:1: crypttab item 2: b: unknown option \"sawp\""));
	assert_non_null(strstr(log, "disks.cfg:1: crypttab item 3: the name a is used by an "
			       "earlier item"));
	assert_non_null(strstr(log, "disks.cfg:8: "));
	assert_non_null(strstr(log, "root_optoins"));
}

static void a_root_that_cannot_be_mounted_is_not(void **state)
{
	static const char *const files[][2] = {
		{ "root = \"vda1\"\nroot_fstype = \"ext4\"\n", "is not an absolute path" },
		{ "root = \"/dev/vda1\"\n", "root_fstype is missing" },
		{ "root = \"/dev/vda1\"\nroot_fstype = \"ext4\"\nroot_options = \"noauto\"\n",
		  "\"noauto\" is an option of mount(8)" },
		{ "root = \"/dev/vda1\"\nroot_fstype = \"ext4\"\nroot_init = \"sbin/init\"\n",
		  "is not an absolute path in the root" },
		{ "root = \"/dev/vda1\"\nroot_fstype = \"ext5\"\n",
		  "disks.cfg:2: root_fstype = \"ext5\" is no file system Linux mounts a root from "
		  "(did you mean \"ext4\"?); no root is mounted" },
		{ "root = \"UUID=5e1f0c2a-0b5e\"\nroot_fstype = \"ext4\"\n",
		  "disks.cfg:1: \"UUID=5e1f0c2a-0b5e\" is not an absolute path, UUID= or PARTUUID= "
		  "with a whole UUID" },
		{ "crypttab = [ \"cryptroot /dev/vda2\" ]\nroot = \"/dev/mapper/cryptrot\"\n"
		  "root_fstype = \"ext4\"\n",
		  "disks.cfg:2: root = \"/dev/mapper/cryptrot\": no crypttab line opens \"cryptrot\" "
		  "(did you mean \"cryptroot\"?); no root is mounted" },
		{ "root = \"/dev/mapper/vg-root\"\nroot_fstype = \"ext4\"\n",
		  "no crypttab line opens \"vg-root\", and PID 1 opens nothing else in /dev/mapper" },
	};
	struct disks_config d;
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		write_file(dir, "disks.cfg", files[i][0]);
		capture_begin();
		unsigned errors = disks_config_load(dir, &d);
		const char *log = capture_end();
		assert_int_equal(errors, 1);
		assert_string_equal(d.root, "");
		if (!strstr(log, files[i][1]))
			fail_msg("file %zu: logged \"%s\", not \"%s\"", i, log, files[i][1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_full_line_is_read),
		cmocka_unit_test(short_lines_ask_for_a_passphrase),
		cmocka_unit_test(wrong_lines_say_what_is_wrong),
		cmocka_unit_test(mount_options_split_into_flags_and_data),
		cmocka_unit_test_setup_teardown(a_missing_file_means_nothing_to_open, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(the_file_is_read_with_its_defaults, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(problems_are_reported_with_their_lines, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(a_root_that_cannot_be_mounted_is_not, make_dir,
						remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
