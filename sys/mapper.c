#include "sys/mapper.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"

const char *const mapper_crypt_modules[] = { "dm-crypt", "xts", "algif-skcipher", NULL };

int mapper_record(const char *name)
{
	char line[CRYPT_NAME_MAX + 2];
	int r = 0;

	if (mkdir_parents(MAPPER_RECORD, 0755) < 0)
		return -errno;
	int fd = open(MAPPER_RECORD, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int n = snprintf(line, sizeof(line), "%s\n", name);
	if (write(fd, line, (size_t)n) != n)
		r = errno ? -errno : -EIO;
	close(fd);
	return r;
}

void mapper_read_record(struct mapped *m)
{
	char line[CRYPT_NAME_MAX + 2];
	FILE *f = fopen(MAPPER_RECORD, "re");

	m->n = 0;
	if (!f)
		return;
	while (m->n < ARRAY_SIZE(m->names) && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0])
			str_copy(m->names[m->n++], line, sizeof(m->names[0]));
	}
	fclose(f);
}

/* Whether /dev/mapper/NAME is the device the root file system is on. */
static bool holds_root(const char *name)
{
	char path[CRYPT_NAME_MAX + 16];
	struct stat dev, root;

	snprintf(path, sizeof(path), "/dev/mapper/%s", name);
	return stat(path, &dev) == 0 && stat("/", &root) == 0 && dev.st_rdev == root.st_dev;
}

/* DM_DEV_REMOVE of NAME: 0 or -errno (EBUSY: in use, ENXIO: no such). */
static int dm_remove(int control, const char *name)
{
	struct dm_ioctl dm = {
		.version = { DM_VERSION_MAJOR, 0, 0 },
		.data_size = sizeof(dm),
		.data_start = sizeof(dm),
	};
	str_copy(dm.name, name, sizeof(dm.name));
	return ioctl(control, DM_DEV_REMOVE, &dm) < 0 ? -errno : 0;
}

void mapper_close(const struct mapped *m)
{
	if (!m->n)
		return;
	int control = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	if (control < 0) {
		log_warn("unlock", "cannot close the encrypted volumes: /dev/mapper/control: %s",
			 strerror(errno));
		return;
	}
	for (size_t i = m->n; i-- > 0;) {
		const char *name = m->names[i];
		int r = dm_remove(control, name);
		if (r == 0) {
			log_info("unlock", "closed %s", name);
			log_event("unlock", "volume-closed", "name=%s", name);
		} else if (r == -EBUSY && holds_root(name)) {
			log_info("unlock", "%s holds the root file system (read-only now): it stays "
				 "open until the machine stops", name);
			log_event("unlock", "volume-stays", "name=%s reason=holds-root", name);
		} else if (r != -ENXIO)
			log_warn("unlock", "cannot close %s: %s", name, strerror(-r));
	}
	close(control);
}
