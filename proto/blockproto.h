/*
 * blockproto.h - a storage or USB domain's inventory of the block devices
 * it can lend (docs/DEVICES.md, "Block devices"), as its agent writes it
 * and dom0 reads it, in the domain's own directory /local/domain/DOMID:
 *
 *   data/bulkhead-block/NAME  written by the domain: one key a device, at
 *                             most BLOCK_DEVICES_PER_DOMAIN; the value
 *                             "SECTORS ro|rw DESCRIPTION"
 *
 * NAME is the device's name in the domain's /dev (sda, sda1, loop0, dm-0,
 * nvme0n1p2; for dom0's own, a file's name in its pool): a lower-case
 * letter or a digit, then lower-case letters, digits, '-', '_' and '.', at
 * most BLOCK_NAME_MAX bytes (never "." or "..", never a '/').  SECTORS its size in 512-byte
 * sectors (1.., decimal, no leading 0); ro when the domain's kernel has it
 * read-only; DESCRIPTION what the domain says it is (a disk's model, a
 * loop device's file), printable ASCII, 1..BLOCK_DESC_MAX bytes.
 *
 * dom0 reads every byte of it as hostile: block_device_parse() is the one
 * place that looks at them.  Pure functions, safe anywhere.
 */
#ifndef BULKHEAD_BLOCKPROTO_H
#define BULKHEAD_BLOCKPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"

#define BLOCK_KEY_DIR "data/bulkhead-block"
/* The lender's name of dom0's own files (domains/xs_block.c). */
#define BLOCK_DOM0 "dom0"

struct block_device {
	char name[BLOCK_NAME_MAX + 1];
	uint64_t sectors;
	bool ro;
	char desc[BLOCK_DESC_MAX + 1];
};

/* Whether LEN bytes at UNTRUSTED are a NAME (above). */
bool block_name_valid(const char *untrusted, size_t len);

/* The key's last part UNTRUSTED_NAME (NLEN bytes) and its value UNTRUSTED
 * (LEN bytes, not NUL-ended) into OUT: NULL, or what is wrong (static
 * text).  OUT is zeroed first. */
const char *block_device_parse(const char *untrusted_name, size_t nlen, const char *untrusted,
			       size_t len, struct block_device *out);

/* D's value (not its NAME) into OUT (CAP >= BLOCK_VALUE_MAX + 1): its
 * length, or 0 when D would not parse. */
size_t block_device_format(const struct block_device *d, char *out, size_t cap);

/* The device of DEVS (N) named NAME, or NULL. */
const struct block_device *block_device_find(const struct block_device *devs, size_t n,
					     const char *name);

/* The names dom0 gives the disks it attaches at run time, in the order
 * they are taken: "xvdi" .. (BLOCK_ATTACHED_PER_DOMAIN of them).  I's, or
 * NULL past the last; whether VDEV is one of them. */
const char *block_attach_vdev(unsigned i);
bool block_vdev_is_attached(const char *vdev);

#endif
