/*
 * volumes.h - what a domain's disks are made of: the plan of files and
 * device-mapper devices for its class, their names, and which leftovers
 * may be removed.  Pure: no system calls (domains/storage.h carries the
 * plans out), so that every decision here is unit-tested.
 *
 * Every domain with volumes (domain_config.volumes) gets three disks, as
 * in Qubes: xvda root, xvdb private, xvdc volatile.  Each is a dm device
 * named bulkhead-DOMAIN-ROLE (`dmsetup ls' says whose it is) over image
 * files in POOL/DOMAIN/:
 *
 *                root                       private                  volatile
 *   template     root.img, kept, origin     private.img, kept, origin  volatile.img, fresh
 *   standalone   root.img, kept             private.img, kept          volatile.img, fresh
 *   app          snapshot of T's root.img   private.img, kept, origin  volatile.img, fresh
 *   disposable   snapshot of T's root.img   snapshot of P's private    volatile.img, fresh
 *
 * T is the template whose root the domain uses (a disposable's template
 * may be an app domain: then T is that app's template); P is the
 * disposable's template.  net, usb and storage domains are laid out as an
 * app when they have a template, as a standalone otherwise.
 *
 *   kept     the file is made once (from root_image, if given, or empty),
 *            grown when the config asks for more, never emptied or deleted
 *   fresh    made empty at every start, deleted at every stop
 *   origin   written through dm-snapshot's snapshot-origin target, so that
 *            the running snapshots of it keep the view they started with
 *   snapshot dm-snapshot of another domain's kept file with a
 *            non-persistent copy-on-write store in a fresh file of this
 *            domain (root-cow.img, private-cow.img): every write of the
 *            domain lands there and is gone when it stops
 *
 * Why dm-snapshot and not dm-thin: docs/STORAGE.md.
 */
#ifndef BULKHEAD_VOLUMES_H
#define BULKHEAD_VOLUMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/domains.h"
#include "lib/limits.h"

enum volume_role { VOLUME_ROOT, VOLUME_PRIVATE, VOLUME_VOLATILE, VOLUME_ROLES };

extern const char *const volume_role_names[];	/* "root", "private", "volatile" */
extern const char *const volume_vdevs[];	/* "xvda", "xvdb", "xvdc" */

#define VOLUME_DM_PREFIX "bulkhead-"
#define VOLUME_DM_NAME_MAX (sizeof(VOLUME_DM_PREFIX) + DOMAIN_NAME_MAX + 1 + 8)
/* POOL/DOMAIN/private-cow.img */
#define VOLUME_FILE_MAX (VOLUME_PATH_MAX + 1 + DOMAIN_NAME_MAX + 17)

/* A file of the pool, and how it is kept. */
struct volume_file {
	char path[VOLUME_FILE_MAX + 1];
	bool fresh;		/* made empty at each start, deleted at each stop */
	uint64_t size_mb;	/* at least this big (a kept file is never shrunk);
				 * 0: a COW store, as big as its base */
	const char *seed;	/* kept: its first content, NULL: empty; owned by the config */
};

enum volume_target {
	VOLUME_LINEAR,		/* the file as it is */
	VOLUME_ORIGIN,		/* the file, through snapshot-origin */
	VOLUME_SNAPSHOT,	/* BASE through a non-persistent COW in FILE */
};

struct volume_device {
	enum volume_role role;
	char dm_name[VOLUME_DM_NAME_MAX + 1];
	enum volume_target target;
	struct volume_file file;	/* the data, or the snapshot's COW */
	struct volume_file base;	/* snapshot: another domain's kept file */
	/* snapshot: the origin device its owner runs on, if it runs: held
	 * still while the snapshot is taken */
	char base_dm_name[VOLUME_DM_NAME_MAX + 1];
};

struct volume_plan {
	char domain[DOMAIN_NAME_MAX + 1];
	char dir[VOLUME_PATH_MAX + DOMAIN_NAME_MAX + 2];	/* POOL/DOMAIN */
	struct volume_device dev[VOLUME_ROLES];
};

/*
 * The plan for DOM, whose template (and its template) ALL must hold, in
 * POOL.  0, or -1 with WHY (CAP bytes) saying what is wrong.  DOM must
 * have volumes.  The plan points into the configs (seed): it lives no
 * longer than they do.
 */
int volume_plan(const char *pool, const struct domain_config *dom, const struct domains *all,
		struct volume_plan *out, char *why, size_t cap);

/* "bulkhead-DOMAIN-ROLE" into OUT (VOLUME_DM_NAME_MAX + 1 bytes). */
void volume_dm_name(const char *domain, enum volume_role role, char *out);

/* Reads a dm device name: true, with the domain (DOMAIN_NAME_MAX + 1
 * bytes) and role, if bulkhead made it; false for anyone else's. */
bool volume_dm_parse(const char *dm_name, char *domain, enum volume_role *role);

/*
 * Spares: a stopped domain's dm devices are kept, up to VOLUME_SPARES_MAX
 * of them, their tables parked as `error' (nothing of the domain's held
 * or readable through them), and renamed "bulkhead-spareK" (K < the
 * most), a name no domain's device has (those end in -ROLE).  The next
 * device a domain needs is a spare renamed and its table loaded: no
 * block device made or torn down (docs/STORAGE.md, "Kept devices").
 */
#define VOLUME_SPARE_PREFIX VOLUME_DM_PREFIX "spare"

/* "bulkhead-spareK" into OUT (VOLUME_DM_NAME_MAX + 1 bytes). */
void volume_spare_name(unsigned k, char *out);

/* Whether DM_NAME is a spare's name. */
bool volume_is_spare(const char *dm_name);

/* Whether a file of POOL/DOMAIN/ holds nothing to keep (a COW store or a
 * volatile volume), so that cleanup may delete it when DOMAIN is down. */
bool volume_file_is_scratch(const char *basename);

enum volume_leftover {
	VOLUME_NOT_OURS,	/* another program's device: left alone */
	VOLUME_IN_USE,		/* its domain runs: kept */
	VOLUME_STALE,		/* its domain is gone: removed */
	VOLUME_OLD_SPARE,	/* an earlier manager's spare: removed */
};

/* What cleanup does with the dm device DM_NAME, found at the domain
 * manager's start (before it parks any spare of its own); RUNNING says
 * whether a domain of that name runs. */
enum volume_leftover volume_judge_device(const char *dm_name,
					 bool (*running)(const char *domain, void *ctx),
					 void *ctx);

#endif
