#include "domains/dm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libdevmapper.h>

#include "lib/util.h"

#define DM_DIR_PATH "/dev/mapper"

void dm_init(void)
{
	/* No udev in dom0: nothing to wait for (make_node() does its part). */
	dm_udev_set_sync_support(0);
	dm_log_init_verbose(0);
}

/* The tasks run so far: what a volume's steps cost (storage_steps). */
static unsigned tasks_run;

unsigned dm_calls(void)
{
	return tasks_run;
}

/* Runs T on NAME (its node made or removed when NODES); kernel errors
 * come back as -errno.  T stays the caller's. */
static int exec(struct dm_task *t, const char *name, bool nodes, struct dm_info *info)
{
	uint32_t cookie = 0;
	int rc;
	if ((name && !dm_task_set_name(t, name)) || (nodes && !dm_task_set_cookie(t, &cookie, 0)))
		return -ENOMEM;
	tasks_run++;
	if (!dm_task_run(t)) {
		int err = dm_task_get_errno(t);
		rc = err > 0 ? -err : -EIO;
	} else {
		rc = info && !dm_task_get_info(t, info) ? -EIO : 0;
	}
	if (cookie)
		dm_udev_wait(cookie);
	return rc;
}

/* exec(), then T destroyed. */
static int run(struct dm_task *t, const char *name, bool nodes, struct dm_info *info)
{
	if (!t)
		return -ENOMEM;
	int rc = exec(t, name, nodes, info);
	dm_task_destroy(t);
	return rc;
}

/* NAME's info; -ENXIO if there is no NAME. */
static int info_of(const char *name, struct dm_info *info)
{
	int rc = run(dm_task_create(DM_DEVICE_INFO), name, false, info);
	return rc < 0 ? rc : info->exists ? 0 : -ENXIO;
}

/* /dev/mapper/NAME into OUT: the path libxl is given. */
static void node_path(const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", DM_DIR_PATH, name);
}

/* libdevmapper leaves the node to udev, which dom0 does not run. */
static int make_node(const char *name, const struct dm_info *info)
{
	char path[300];
	int r = mkdir_p(DM_DIR_PATH, 0755);
	if (r < 0)
		return r;
	node_path(name, path, sizeof(path));
	unlink(path);
	if (mknod(path, S_IFBLK | 0600, makedev((unsigned)info->major, (unsigned)info->minor)) < 0)
		return -errno;
	return 0;
}

int dm_create(const char *name, const char *target, const char *params, uint64_t sectors)
{
	struct dm_info info;
	struct dm_task *t = dm_task_create(DM_DEVICE_CREATE);
	if (t && !dm_task_add_target(t, 0, sectors, target, params)) {
		dm_task_destroy(t);
		return -ENOMEM;
	}
	int rc = run(t, name, true, &info);
	if (rc == 0 && (rc = make_node(name, &info)) < 0)
		dm_remove(name);
	return rc;
}

int dm_remove(const char *name)
{
	char path[300];
	int rc = run(dm_task_create(DM_DEVICE_REMOVE), name, true, NULL);
	if (rc == 0 || rc == -ENXIO) {
		node_path(name, path, sizeof(path));
		unlink(path);
	}
	return rc;
}

int dm_reload(const char *name, const char *target, const char *params, uint64_t sectors)
{
	struct dm_task *t = dm_task_create(DM_DEVICE_RELOAD);
	if (t && !dm_task_add_target(t, 0, sectors, target, params)) {
		dm_task_destroy(t);
		return -ENOMEM;
	}
	int rc = run(t, name, false, NULL);
	return rc < 0 ? rc : dm_suspend(name, false);
}

int dm_rename(const char *from, const char *to)
{
	char path[300], to_path[300];
	struct dm_info info;
	struct dm_task *t = dm_task_create(DM_DEVICE_RENAME);
	if (t && !dm_task_set_newname(t, to)) {
		dm_task_destroy(t);
		return -ENOMEM;
	}
	int rc = run(t, from, true, NULL);
	if (rc < 0)
		return rc;
	/* The node goes with it: the same device number. */
	node_path(from, path, sizeof(path));
	node_path(to, to_path, sizeof(to_path));
	if (rename(path, to_path) == 0)
		return 0;
	rc = info_of(to, &info);
	return rc < 0 ? rc : make_node(to, &info);
}

int dm_table_params(const char *name, char *out, size_t cap)
{
	struct dm_task *t = dm_task_create(DM_DEVICE_TABLE);
	uint64_t start, length;
	char *type = NULL, *params = NULL;

	if (!t)
		return -ENOMEM;
	int rc = exec(t, name, false, NULL);
	if (rc == 0)
		dm_get_next_target(t, NULL, &start, &length, &type, &params);
	if (rc == 0 && !params)
		rc = -ENODATA;
	if (rc == 0)
		str_copy(out, params, cap);
	dm_task_destroy(t);
	return rc;
}

int dm_open_count(const char *name, int *count)
{
	struct dm_info info;
	int rc = info_of(name, &info);
	if (rc == 0)
		*count = info.open_count;
	return rc;
}

int dm_suspend(const char *name, bool suspend)
{
	return run(dm_task_create(suspend ? DM_DEVICE_SUSPEND : DM_DEVICE_RESUME), name, !suspend,
		   NULL);
}

int dm_devno(const char *name, char *out, size_t cap)
{
	struct dm_info info;
	int rc = info_of(name, &info);
	if (rc == 0)
		snprintf(out, cap, "%u:%u", info.major, info.minor);
	return rc;
}

int dm_list(char ***names)
{
	struct dm_task *t = dm_task_create(DM_DEVICE_LIST);
	char **v = NULL;
	size_t n = 0;
	int rc = -ENOMEM;

	*names = NULL;
	if (!t)
		return -ENOMEM;
	if ((rc = exec(t, NULL, false, NULL)) < 0)
		goto out;
	rc = -ENOMEM;
	struct dm_names *e = dm_task_get_names(t);
	/* An empty list is one entry with dev 0. */
	for (struct dm_names *p = e; p && p->dev;
	     p = p->next ? (struct dm_names *)((char *)p + p->next) : NULL) {
		char **grown = realloc(v, (n + 2) * sizeof(*v));
		if (!grown)
			goto out;
		v = grown;
		v[n] = strdup(p->name);
		v[n + 1] = NULL;
		if (!v[n])
			goto out;
		n++;
	}
	if (!v && !(v = calloc(1, sizeof(*v))))
		goto out;
	*names = v;
	v = NULL;
	rc = 0;
out:
	strv_free(v);
	dm_task_destroy(t);
	return rc;
}
