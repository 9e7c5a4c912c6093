/*
 * mapper.h - the device-mapper volumes `bulkhead unlock' opened: their
 * record, and closing them at shutdown.
 *
 * unlock opens with libcryptsetup; closing is only the kernel's
 * DM_DEV_REMOVE (the kernel drops the key with the mapping), done here
 * through /dev/mapper/control, so that PID 1, which closes them last, maps
 * neither libcryptsetup nor libdevmapper.
 *
 * Each mapping opened is recorded in MAPPER_RECORD; /run goes with PID 1
 * into the real root, so the PID 1 that runs at shutdown knows what to
 * close, whichever config it read.
 */
#ifndef BULKHEAD_MAPPER_H
#define BULKHEAD_MAPPER_H

#include <stddef.h>

#include "lib/limits.h"

#define MAPPER_RECORD "/run/bulkhead/unlocked"

/* The kernel modules dm-crypt needs for LUKS's default aes-xts-plain64,
 * and the kernel crypto API libcryptsetup decrypts key slots through
 * (NULL-terminated): PID 1 loads them before it runs `bulkhead unlock',
 * and `bulkhead check --list-modules' names them for the initramfs. */
extern const char *const mapper_crypt_modules[];

struct mapped {
	char names[CRYPT_VOLUMES_MAX][CRYPT_NAME_MAX + 1];
	size_t n;
};

/* Adds NAME to the record (unlock, after it opened NAME).  0 or -errno
 * (the caller says what that means: it will not be closed at shutdown). */
int mapper_record(const char *name);

/* What MAPPER_RECORD lists, in the order they were opened (none when it
 * is missing).  PID 1, at shutdown, before /run is unmounted. */
void mapper_read_record(struct mapped *m);

/* Removes M's mappings in reverse order, after their file systems are
 * unmounted; one still in use (the root's) is said and left open.
 * PID 1, at the end of its shutdown. */
void mapper_close(const struct mapped *m);

#endif
