#include "sys/blockdev.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <blkid.h>

#include "lib/log.h"
#include "lib/util.h"

#define POLL_MS 100
/* A device not there at once gets a message after this long. */
#define QUIET_MS 1000

/* 1 found, 0 not (yet), -ENOTBLK. */
static int find(const char *spec, char *path, size_t cap)
{
	struct stat st;

	if (spec[0] == '/') {
		if (stat(spec, &st) < 0)
			return 0;
		if (!S_ISBLK(st.st_mode))
			return -ENOTBLK;
		str_copy(path, spec, cap);
		return 1;
	}
	/* No cache file: each look is a fresh scan of what is there now. */
	blkid_cache cache = NULL;
	if (blkid_get_cache(&cache, "/dev/null") < 0)
		return 0;
	blkid_probe_all(cache);
	int found = 0;
	char *dev = blkid_get_devname(cache, spec, NULL);
	if (dev && stat(dev, &st) == 0 && S_ISBLK(st.st_mode)) {
		str_copy(path, dev, cap);
		found = 1;
	}
	free(dev);
	blkid_put_cache(cache);
	return found;
}

/* "vda vdb sr0" from /sys/class/block, for the message that SPEC is not
 * among them. */
static void list_devices(char *out, size_t cap)
{
	DIR *d = opendir("/sys/class/block");
	size_t len = 0;

	out[0] = '\0';
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		int n = snprintf(out + len, cap - len, "%s%s", len ? " " : "", e->d_name);
		if (n < 0 || (size_t)n >= cap - len)
			break;
		len += (size_t)n;
	}
	closedir(d);
}

int blockdev_wait(const char *spec, uint32_t timeout_ms, const char *what, char *path, size_t cap)
{
	uint64_t start = monotonic_ms();
	bool said = false;

	for (;;) {
		int r = find(spec, path, cap);
		if (r == -ENOTBLK) {
			log_err("blockdev", "%s: %s is not a block device", what, spec);
			return r;
		}
		if (r == 1) {
			if (said)
				log_info("blockdev", "%s: %s is %s (after %llu ms)", what, spec, path,
					 (unsigned long long)(monotonic_ms() - start));
			return 0;
		}
		uint64_t waited = monotonic_ms() - start;
		char span[32];
		if (timeout_ms % 1000)
			snprintf(span, sizeof(span), "%u ms", timeout_ms);
		else
			snprintf(span, sizeof(span), "%u s", timeout_ms / 1000);
		if (waited >= timeout_ms) {
			char seen[512];
			list_devices(seen, sizeof(seen));
			log_err("blockdev", "%s: no device %s after %s; the block devices are: %s; "
				"check the name in disks.cfg, and that the disk's driver is in "
				"bulkhead.cfg's modules", what, spec, span, seen[0] ? seen : "(none)");
			log_event("blockdev", "device-missing", "name=%s spec=%s", what, spec);
			return -ETIMEDOUT;
		}
		if (!said && waited >= QUIET_MS) {
			log_notice("blockdev", "%s: waiting up to %s for %s", what, span, spec);
			said = true;
		}
		nanosleep(&(struct timespec){ .tv_nsec = POLL_MS * 1000000L }, NULL);
	}
}
