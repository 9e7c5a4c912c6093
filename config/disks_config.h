/*
 * disks_config.h - dom0's own disks: CONFIG_DIR/disks.cfg, in xl.cfg
 * syntax, read by PID 1 at boot before anything else runs.
 *
 *   # The encrypted volumes, unlocked in this order.  Each item is a
 *   # crypttab(5) line: NAME DEVICE [KEY [OPTIONS]].
 *   crypttab = [
 *       "cryptroot UUID=5e1f0c2a-0b5e-4c1e-9d2a-3c4d5e6f7a8b none tries=5",
 *       "cryptdata LABEL=data /etc/keys/data.key discard,read-only",
 *   ]
 *   root = "/dev/mapper/cryptroot"   # path, UUID=, LABEL=, PARTUUID=, PARTLABEL=
 *   root_fstype = "ext4"
 *   root_options = "rw,noatime"      # as mount(8)'s -o
 *   switch_root = 1                  # 0: mount it on /sysroot, stay in the initramfs
 *   root_init = "/sbin/init"         # what runs as PID 1 in the root
 *   device_timeout_ms = 30000        # how long to wait for a device to appear
 *   passphrase_tries = 3             # then the emergency shell
 *
 * NAME is the mapping (/dev/mapper/NAME).  DEVICE is a path or one of
 * UUID=, LABEL=, PARTUUID=, PARTLABEL= (found with libblkid; LUKS2 headers
 * carry a UUID and a label).  KEY is "none" or "-" (ask for a passphrase)
 * or the absolute path of a key file.  OPTIONS, comma-separated:
 *   luks                 the default (LUKS2 or LUKS1, from the header)
 *   discard              let TRIM through (dm-crypt's allow_discards)
 *   read-only, readonly  map it read-only
 *   same-cpu-crypt, submit-from-crypt-cpus, no-read-workqueue,
 *   no-write-workqueue   dm-crypt's performance flags
 *   tries=N              passphrase tries for this volume (1..10)
 *   device-timeout=T     T seconds (or Tms, Ts) to wait for DEVICE
 *   keyfile-offset=N, keyfile-size=N   the part of the key file that is the key
 *   nofail               if it cannot be unlocked, boot on without it
 * Other crypttab options (plain, tcrypt, bitlk, swap, tmp, tpm2-device=,
 * fido2-device=, pkcs11-uri=, header=, ...) are refused by name.
 *
 * A missing file means no encrypted volume and no root to mount: PID 1
 * stays in the initramfs, as before.  Every problem is reported as
 * FILE:LINE and counted; a volume with a problem is left out, and a root
 * that cannot be used is not switched to.
 */
#ifndef BULKHEAD_DISKS_CONFIG_H
#define BULKHEAD_DISKS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"

/* Mapping flags, as crypttab names them (unlock/unlock.c gives them to
 * libcryptsetup). */
enum {
	CRYPTVOL_DISCARD = 1 << 0,
	CRYPTVOL_READONLY = 1 << 1,
	CRYPTVOL_SAME_CPU_CRYPT = 1 << 2,
	CRYPTVOL_SUBMIT_FROM_CRYPT_CPUS = 1 << 3,
	CRYPTVOL_NO_READ_WORKQUEUE = 1 << 4,
	CRYPTVOL_NO_WRITE_WORKQUEUE = 1 << 5,
};

struct crypt_volume {
	char name[CRYPT_NAME_MAX + 1];
	char device[CRYPT_SPEC_MAX + 1];
	char key_file[CRYPT_SPEC_MAX + 1];	/* "": ask for a passphrase */
	uint32_t flags;				/* CRYPTVOL_* */
	unsigned tries;				/* 0: the file's passphrase_tries */
	uint32_t device_timeout_ms;		/* 0: the file's device_timeout_ms */
	uint64_t keyfile_offset;
	uint32_t keyfile_size;			/* 0: the whole file */
	bool nofail;
};

struct disks_config {
	struct crypt_volume volumes[CRYPT_VOLUMES_MAX];
	size_t nvolumes;
	char root[CRYPT_SPEC_MAX + 1];		/* "": no root to mount */
	char root_fstype[FSTYPE_MAX + 1];
	char root_options[MOUNT_OPTIONS_MAX + 1];	/* as written */
	unsigned long root_flags;		/* MS_* from root_options */
	char root_data[MOUNT_OPTIONS_MAX + 1];	/* the file system's own options */
	bool switch_root;
	char root_init[CRYPT_SPEC_MAX + 1];
	uint32_t device_timeout_ms;
	unsigned tries;
	unsigned errors;
};

/* Loads DIR/disks.cfg into *OUT (always initialised: defaults, and only
 * the volumes without problems).  Returns the number of problems
 * reported. */
unsigned disks_config_load(const char *dir, struct disks_config *out);

/* One crypttab line into *OUT.  0, or -1 with ERR (ERRLEN) saying what is
 * wrong and what would be right. */
int crypttab_parse(const char *line, struct crypt_volume *out, char *err, size_t errlen);

/* Whether SPEC names a block device as disks.cfg allows: an absolute path
 * or UUID=, LABEL=, PARTUUID=, PARTLABEL= with a value. */
bool device_spec_is_valid(const char *spec);

/* mount(8)-style OPTIONS into MS_* *FLAGS and the file system's own
 * options (DATA, CAP bytes, comma-separated).  0, or -1 with ERR. */
int mount_options_parse(const char *options, unsigned long *flags, char *data, size_t cap,
			char *err, size_t errlen);

#endif
