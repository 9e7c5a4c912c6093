#include "domains/hotplug.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <xenstore.h>

#include "lib/limits.h"

static bool write_key(struct xs_handle *xs, const char *dir, const char *key, const char *value)
{
	char path[VOLUME_PATH_MAX + 128];
	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_write(xs, XBT_NULL, path, value, (unsigned)strlen(value));
}

static int add(struct xs_handle *xs, const char *be, char *err, size_t cap)
{
	char path[VOLUME_PATH_MAX + 128], devno[32];
	unsigned len = 0;
	struct stat st;
	snprintf(path, sizeof(path), "%s/params", be);
	/* Written by libxl from our own plan: dom0's, not a domain's. */
	char *params = xs_read(xs, XBT_NULL, path, &len);
	int rc = -1;
	if (!params)
		snprintf(err, cap, "%s: cannot read: %s", path, strerror(errno));
	else if (stat(params, &st) < 0)
		snprintf(err, cap, "%s: %s", params, strerror(errno));
	else if (!S_ISBLK(st.st_mode))
		snprintf(err, cap, "%s is not a block device", params);
	else
		rc = 0;
	if (rc == 0) {
		snprintf(devno, sizeof(devno), "%x:%x", major(st.st_rdev), minor(st.st_rdev));
		if (!write_key(xs, be, "physical-device-path", params) ||
		    !write_key(xs, be, "physical-device", devno)) {
			snprintf(err, cap, "%s: cannot write physical-device: %s", be,
				 strerror(errno));
			rc = -1;
		}
	}
	free(params);
	return rc;
}

int block_hotplug_main(int argc, char **argv)
{
	const char *be = getenv("XENBUS_PATH");
	char err[VOLUME_PATH_MAX + 160] = "";
	if (argc < 2 || !be || strlen(be) > VOLUME_PATH_MAX) {
		fprintf(stderr, "usage: XENBUS_PATH=BACKEND %s add|remove (run by libxl)\n",
			BLOCK_HOTPLUG_NAME);
		return 2;
	}
	if (strcmp(argv[1], "add") != 0)
		return 0;
	struct xs_handle *xs = xs_open(0);
	if (!xs) {
		fprintf(stderr, "%s: cannot open xenstore: %s\n", BLOCK_HOTPLUG_NAME,
			strerror(errno));
		return 1;
	}
	int rc = add(xs, be, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", BLOCK_HOTPLUG_NAME, err);
		write_key(xs, be, "hotplug-error", err);
	}
	xs_close(xs);
	return rc < 0 ? 1 : 0;
}
