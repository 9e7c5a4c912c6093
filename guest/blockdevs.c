/*
 * blockdevs.c - the block devices an agent tells dom0 of (blockdevs.h).
 */
#include "guest/blockdevs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"


/* DEV/ATTR's first line into OUT ("" when it cannot be read). */
static bool attr(int dirfd, const char *dev, const char *name, char *out, size_t cap)
{
	char path[2 * BLOCK_NAME_MAX + 32];
	snprintf(path, sizeof(path), "%s/%s", dev, name);
	out[0] = '\0';
	return read_first_line_at(dirfd, path, out, cap);
}

static bool attr_u64(int dirfd, const char *dev, const char *name, uint64_t *out)
{
	char buf[32], *end;
	if (!attr(dirfd, dev, name, buf, sizeof(buf)))
		return false;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	if (errno || end == buf || *end)
		return false;
	*out = v;
	return true;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* TEXT as a description: its last BLOCK_DESC_MAX bytes (a file's name is
 * at its end), trailing spaces dropped (a model is padded), '?' for a
 * byte that is not printable ASCII; FALLBACK when nothing is left. */
static void describe(const char *text, const char *fallback, char *out)
{
	size_t n = strlen(text);
	while (n && text[n - 1] == ' ')
		n--;
	const char *s = text + (n > BLOCK_DESC_MAX ? n - BLOCK_DESC_MAX : 0);
	n = n > BLOCK_DESC_MAX ? BLOCK_DESC_MAX : n;
	memcpy(out, s, n);
	out[n] = '\0';
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	if (!out[0])
		str_copy(out, fallback, BLOCK_DESC_MAX + 1);
}

/* PATH (NAME, or DISK/NAME for a partition) read into *D: whether it is
 * lent.  A disk's description says what it is. */
static bool read_device(int dirfd, const char *path, const char *name, const char *disk,
			struct block_device *d)
{
	char text[4096];
	memset(d, 0, sizeof(*d));
	if (!block_name_valid(name, strlen(name)) || !attr_u64(dirfd, path, "size", &d->sectors) ||
	    d->sectors == 0)
		return false;
	str_copy(d->name, name, sizeof(d->name));
	uint64_t ro = 0;
	d->ro = attr_u64(dirfd, path, "ro", &ro) && ro;
	if (disk) {
		char number[16];
		attr(dirfd, path, "partition", number, sizeof(number));
		snprintf(text, sizeof(text), "partition %s of %s", number, disk);
	} else if (has_prefix(name, "loop")) {
		if (!attr(dirfd, path, "loop/backing_file", text, sizeof(text)) || !text[0])
			return false;	/* no file: nothing to lend */
	} else if (has_prefix(name, "dm-")) {
		attr(dirfd, path, "dm/name", text, sizeof(text));
	} else {
		attr(dirfd, path, "device/model", text, sizeof(text));
	}
	describe(text, "disk", d->desc);
	return true;
}

/* Adds D to OUT (N of CAP) or says there was more. */
static void take(const struct block_device *d, struct block_device *out, size_t *n, size_t cap,
		 bool *more)
{
	if (*n == cap)
		*more = true;
	else
		out[(*n)++] = *d;
}

/* DISK's partitions (its subdirectories with a `partition' file). */
static void partitions(int dirfd, const char *disk, struct block_device *out, size_t *n,
		       size_t cap, bool *more)
{
	int fd = openat(dirfd, disk, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return;
	}
	for (struct dirent *e; (e = readdir(dir));) {
		char path[2 * BLOCK_NAME_MAX + 2], number[16];
		struct block_device d;
		if (!has_prefix(e->d_name, disk) || strlen(e->d_name) > BLOCK_NAME_MAX)
			continue;
		snprintf(path, sizeof(path), "%.*s/%.*s", BLOCK_NAME_MAX, disk, BLOCK_NAME_MAX, e->d_name);
		if (attr(dirfd, path, "partition", number, sizeof(number)) &&
		    read_device(dirfd, path, e->d_name, disk, &d))
			take(&d, out, n, cap, more);
	}
	closedir(dir);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct block_device *)a)->name,
		      ((const struct block_device *)b)->name);
}

size_t blockdevs_scan(int dirfd, struct block_device *out, size_t cap, bool *more)
{
	size_t n = 0;
	*more = false;
	int fd = dup(dirfd);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	rewinddir(dir);
	for (struct dirent *e; (e = readdir(dir));) {
		struct block_device d;
		const char *name = e->d_name;
		if (has_prefix(name, "xvd") || has_prefix(name, "ram") || has_prefix(name, "zram") ||
		    strlen(name) > BLOCK_NAME_MAX)
			continue;
		if (read_device(dirfd, name, name, NULL, &d))
			take(&d, out, &n, cap, more);
		partitions(dirfd, name, out, &n, cap, more);
	}
	closedir(dir);
	qsort(out, n, sizeof(*out), by_name);
	return n;
}

bool blockdevs_inventory(int dirfd, struct inventory *out)
{
	static struct block_device dev[BLOCK_DEVICES_PER_DOMAIN];
	char value[BLOCK_VALUE_MAX + 1];
	bool more;
	size_t n = blockdevs_scan(dirfd, dev, BLOCK_DEVICES_PER_DOMAIN, &more);
	out->n = 0;
	for (size_t i = 0; i < n; i++)
		if (block_device_format(&dev[i], value, sizeof(value)))
			inventory_add(out, dev[i].name, value);
	return more;
}
