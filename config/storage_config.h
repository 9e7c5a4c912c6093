/*
 * storage_config.h - CONFIG_DIR/storage.cfg, where the domains' volumes
 * live (domains/volumes.h), in xl.cfg syntax:
 *
 *   pool = "/var/lib/bulkhead/pool"   # a directory: one subdirectory of
 *                                     # image files per domain
 *   pool_device = "/dev/mapper/pool"  # optional: a block device (a disk, a
 *                                     # partition, an unlocked LUKS mapping)
 *                                     # whose filesystem is mounted at pool
 *   pool_fstype = "ext4"              # that filesystem's type
 *   default_dispvm = "debian-12"      # `bulkhead ctl run-disposable' without
 *                                     # a template uses this one
 *
 * A missing file means the defaults.  Domain manager and `bulkhead check'.
 */
#ifndef BULKHEAD_STORAGE_CONFIG_H
#define BULKHEAD_STORAGE_CONFIG_H

#include "lib/limits.h"

#define STORAGE_DEFAULT_POOL "/var/lib/bulkhead/pool"

struct storage_config {
	char *pool;
	char *pool_device;	/* NULL: pool is a plain directory */
	char *pool_fstype;
	char default_dispvm[DOMAIN_NAME_MAX + 1];	/* "": none */
	char *source;			/* the file, NULL: none was read */
	int default_dispvm_line;	/* for messages; 0: not in the file */
};

/* Loads DIR/storage.cfg into *out (always usable: defaults where the file
 * is missing or wrong).  Returns how many problems it reported. */
unsigned storage_config_load(const char *dir, struct storage_config *out);
void storage_config_free(struct storage_config *cfg);

#endif
