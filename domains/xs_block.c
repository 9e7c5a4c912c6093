/*
 * xs_block.c - block devices lent at run time (docs/DEVICES.md, "Block
 * devices"): `ctl block list | attach | detach' and the disks a lender
 * that died had lent.
 *
 * What a storage or USB domain can lend is its inventory
 * (proto/blockproto.h), read when the user asks and never kept: nothing
 * here runs but on the user's request or a lender's death, so a domain
 * that rewrites its inventory in a loop costs dom0 nothing.  Who holds
 * what is libxl's own record of each running domain's disks
 * (libxl_device_disk_list: dom0's /libxl tree, which no domain writes),
 * so a manager started again knows it too.  A disk lent at run time is
 * named xvdi.. in its holder (block_attach_vdev()); a disk of a domain's
 * config is never taken away here.
 *
 * dom0 lends too (BLOCK_DOM0): the regular files at the top of its pool
 * (a domain's volumes are in that domain's directory there, and are never
 * lent), each on a loop device made for the attach with autoclear.  The
 * manager holds it open until the holder lets the disk go (a detach, its
 * death): blkback opens it on its own watch, after libxl's add may have
 * answered, and a loop device nobody held in between would be freed.  A
 * manager that stops lets go of them all; blkback still holds those in
 * use, and autoclear frees each when blkback lets it go.
 */
#include "domains/xl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domains/blocklend.h"
#include "domains/hotplug.h"
#include "domains/loopdev.h"
#include "lib/log.h"
#include "lib/util.h"

/* One attach or detach under way: the user's `ctl' waits for it. */
struct block_op {
	struct block_inflight what;	/* first: inflight[] points at it */
	struct mgr *m;
	struct control_waiter waiter;
	libxl_device_disk disk;
	uint32_t holder_domid;
	int loop_fd;		/* dom0's file: its loop device, -1 for a domain's */
};

/* dom0's files lent: each one's loop device, held open (above). */
struct dom0_lent {
	bool used;
	uint32_t holder_domid;
	char vdev[CTL_VDEV_MAX + 1];
	int fd;
};
static struct dom0_lent dom0_lent[DOMAINS_MAX * BLOCK_ATTACHED_PER_DOMAIN];

/* The attaches and detaches under way (blocklend_busy()). */
static const struct block_inflight *inflight[BLOCK_OPS_MAX];

/* What one request reads (single-threaded): the disks held, as many as
 * the running domains can have that another serves (their configs' and
 * those attached at run time), and one lender's inventory. */
#define HELD_MAX (DOMAINS_MAX * (DOMAIN_DEVICES_MAX + BLOCK_ATTACHED_PER_DOMAIN))
static struct block_held held[HELD_MAX];
static struct block_device dev[BLOCK_DEVICES_PER_DOMAIN];

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int by_device(const void *a, const void *b)
{
	return strcmp(((const struct block_device *)a)->name,
		      ((const struct block_device *)b)->name);
}

/* LENDER's inventory as it is now: at most BLOCK_DEVICES_PER_DOMAIN keys
 * (in the order of their names) read, each checked by
 * block_device_parse(); what does not parse is left out, and said. */
static size_t inventory(struct mgr *m, const struct lc_dom *lender, struct block_device *out)
{
	char path[96];
	unsigned count = 0;
	size_t n = 0;
	snprintf(path, sizeof(path), "/local/domain/%u/" BLOCK_KEY_DIR, lender->domid);
	char **names = m->xs ? xs_directory(m->xs, XBT_NULL, path, &count) : NULL;
	if (!names)
		return 0;
	qsort(names, count, sizeof(*names), by_name);
	for (unsigned i = 0; i < count && i < BLOCK_DEVICES_PER_DOMAIN; i++) {
		char key[160];
		unsigned len;
		snprintf(key, sizeof(key), "%s/%.40s", path, names[i]);
		char *untrusted = xs_read(m->xs, XBT_NULL, key, &len);
		if (!untrusted)
			continue;	/* gone since the listing */
		const char *why = block_device_parse(names[i], strnlen(names[i], BLOCK_NAME_MAX + 1),
						     untrusted, len, &out[n]);
		free(untrusted);
		if (why)
			log_notice("domains", "domain %s: its block device key %.40s: %s; left out",
				   lender->cfg->name, names[i], why);
		n += !why;
	}
	if (count > BLOCK_DEVICES_PER_DOMAIN)
		log_notice("domains", "domain %s lists %u block devices: the first %d are heard",
			   lender->cfg->name, count, BLOCK_DEVICES_PER_DOMAIN);
	free(names);
	return n;
}

/* dom0's inventory: the regular files at the top of the pool whose names
 * are devices' names, at least a sector long, at most
 * BLOCK_DEVICES_PER_DOMAIN (in the order of their names). */
static size_t dom0_inventory(struct mgr *m, struct block_device *out)
{
	DIR *dir = opendir(m->storage.pool);
	size_t n = 0;
	if (!dir)
		return 0;
	for (struct dirent *e; (e = readdir(dir)) && n < BLOCK_DEVICES_PER_DOMAIN;) {
		struct stat st;
		if (!block_name_valid(e->d_name, strlen(e->d_name)) ||
		    fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || st.st_size < 512)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		str_copy(out[n].name, e->d_name, sizeof(out[n].name));
		out[n].sectors = (uint64_t)st.st_size / 512;
		out[n].ro = !(st.st_mode & 0222);
		str_copy(out[n].desc, "a file of dom0's pool", sizeof(out[n].desc));
		n++;
	}
	closedir(dir);
	qsort(out, n, sizeof(*out), by_device);
	return n;
}

/* What LENDER_DOMID's device NAME is to a holder's disk (struct held's
 * lent). */
static void lent_as(const struct mgr *m, uint32_t lender_domid, const char *name, char *out,
		    size_t cap)
{
	if (lender_domid == 0) {
		/* As the loop device's sysfs says it: symbolic links resolved. */
		snprintf(out, cap, "%s/%.*s", m->storage.pool, BLOCK_NAME_MAX, name);
		char *real = realpath(out, NULL);
		if (real)
			str_copy(out, real, cap);
		free(real);
	} else
		snprintf(out, cap, "/dev/%.*s", BLOCK_NAME_MAX, name);
}

/* DISK's backend device as held's lent: dom0's loop device by its file
 * (dom0's own sysfs), a domain's device by its path; false for dom0's
 * other disks (the domains' volumes). */
static bool lent_of(const libxl_device_disk *disk, char *out, size_t cap)
{
	if (disk->backend_domid != 0) {
		str_copy(out, disk->pdev_path, cap);
		return true;
	}
	char path[96];
	if (strncmp(disk->pdev_path, "/dev/loop", 9) != 0)
		return false;
	snprintf(path, sizeof(path), "/sys/block/%.32s/loop/backing_file", disk->pdev_path + 5);
	return read_first_line(path, out, cap);
}

/* The disks of the running domains served by a domain or by a loop
 * device of dom0's, into held[]. */
static size_t held_disks(struct mgr *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->lc.n; i++) {
		const struct lc_dom *d = m->lc.m[i];
		int count = 0;
		if (!dom_is_up(d->state))
			continue;
		libxl_device_disk *disks = libxl_device_disk_list(m->ctx, d->domid, &count);
		for (int k = 0; disks && k < count && n < HELD_MAX; k++) {
			const libxl_device_disk *disk = &disks[k];
			struct block_held *h = &held[n];
			memset(h, 0, sizeof(*h));
			if (!disk->pdev_path || !disk->vdev || !lent_of(disk, h->lent, sizeof(h->lent)))
				continue;
			str_copy(h->holder, d->cfg->name, sizeof(h->holder));
			h->holder_domid = d->domid;
			h->backend_domid = disk->backend_domid;
			str_copy(h->vdev, disk->vdev, sizeof(h->vdev));
			n++;
		}
		if (disks)
			libxl_device_disk_list_free(disks, count);
	}
	return n;
}

/* The disk of held[] (N) that is LENDER's device NAME, or NULL. */
static const struct block_held *holder_of(const struct mgr *m, size_t n, uint32_t lender,
					  const char *name)
{
	char lent[sizeof(held[0].lent)];
	lent_as(m, lender, name, lent, sizeof(lent));
	return blocklend_holder(held, n, lender, lent);
}

static bool lends(const struct lc_dom *d)
{
	return d && dom_is_up(d->state) && lc_lends_blocks(d);
}

size_t xs_block_list(void *ctx, struct ctl_block *out, size_t max)
{
	struct mgr *m = ctx;
	size_t nheld = held_disks(m), n = 0;
	for (size_t i = 0; i <= m->lc.n; i++) {
		/* dom0 first, then each running lender. */
		const struct lc_dom *lender = i ? m->lc.m[i - 1] : NULL;
		if (i && !lends(lender))
			continue;
		size_t ndev = lender ? inventory(m, lender, dev) : dom0_inventory(m, dev);
		uint32_t domid = lender ? lender->domid : 0;
		for (size_t k = 0; k < ndev && n < max; k++, n++) {
			const struct block_held *h = holder_of(m, nheld, domid, dev[k].name);
			memset(&out[n], 0, sizeof(out[n]));
			str_copy(out[n].domain, lender ? lender->cfg->name : BLOCK_DOM0,
				 sizeof(out[n].domain));
			out[n].dev = dev[k];
			if (h) {
				str_copy(out[n].holder, h->holder, sizeof(out[n].holder));
				str_copy(out[n].vdev, h->vdev, sizeof(out[n].vdev));
			}
		}
	}
	return n;
}

/* ---- attach and detach: the call, then its callback ---- */

static void changed(libxl_ctx *ctx, int rc, void *user);

/* OP gone; its loop device with it, unless blkback holds it now
 * (autoclear: the kernel frees it when blkback lets it go). */
static void op_free(struct block_op *op)
{
	if (op->loop_fd >= 0)
		close(op->loop_fd);
	for (size_t i = 0; i < BLOCK_OPS_MAX; i++)
		if (inflight[i] == &op->what)
			inflight[i] = NULL;
	libxl_device_disk_dispose(&op->disk);
	free(op);
}

/* dom0's loop devices held for HOLDER_DOMID's disk VDEV (NULL: every
 * one of it) let go. */
static void lent_let_go(uint32_t holder_domid, const char *vdev)
{
	for (size_t i = 0; i < sizeof(dom0_lent) / sizeof(dom0_lent[0]); i++) {
		struct dom0_lent *l = &dom0_lent[i];
		if (!l->used || l->holder_domid != holder_domid ||
		    (vdev && strcmp(l->vdev, vdev) != 0))
			continue;
		close(l->fd);
		l->used = false;
	}
}

/* OP done: a dom0 file's loop device kept while its holder has the disk,
 * or let go once it was taken back. */
static void lent_follow(struct block_op *op)
{
	if (!op->what.attach) {
		lent_let_go(op->holder_domid, op->disk.vdev);
		return;
	}
	for (size_t i = 0; op->loop_fd >= 0 && i < sizeof(dom0_lent) / sizeof(dom0_lent[0]); i++)
		if (!dom0_lent[i].used) {
			dom0_lent[i] = (struct dom0_lent){ .used = true,
							   .holder_domid = op->holder_domid,
							   .fd = op->loop_fd };
			str_copy(dom0_lent[i].vdev, op->disk.vdev, sizeof(dom0_lent[i].vdev));
			op->loop_fd = -1;
		}
}

/* OP's disk added to (or removed from) its holder; the user answered when
 * libxl is done. */
static int start(struct block_op *op, char *msg, size_t cap)
{
	libxl_asyncop_how how = { .callback = changed, .u.for_callback = op };
	uint32_t domid = op->holder_domid;
	int rc = op->what.attach ? libxl_device_disk_add(op->m->ctx, domid, &op->disk, &how) :
				   libxl_device_disk_remove(op->m->ctx, domid, &op->disk, &how);
	if (rc) {
		snprintf(msg, cap, "libxl refused to %s %s (libxl error %d)",
			 op->what.attach ? "attach" : "detach", op->what.device, rc);
		op_free(op);
		return -EIO;
	}
	return 0;
}

static void changed(libxl_ctx *ctx, int rc, void *user)
{
	struct block_op *op = user;
	char msg[512];	/* cut to CTL_ERROR_TEXT_MAX in the answer */
	(void)ctx;
	if (rc == 0) {
		lent_follow(op);
		log_notice("domains", "%s %s %s as %s", op->what.device,
			   op->what.attach ? "attached to" : "taken back from", op->what.holder,
			   op->disk.vdev);
		if (op->what.attach)
			log_event("domains", "block-attached", "device=%s holder=%s vdev=%s ro=%d",
				  op->what.device, op->what.holder, op->disk.vdev, !op->disk.readwrite);
		else
			log_event("domains", "block-detached", "device=%s holder=%s vdev=%s",
				  op->what.device, op->what.holder, op->disk.vdev);
		control_answer_ok(&op->m->ctl, op->waiter);
	} else {
		snprintf(msg, sizeof(msg), "%s could not be %s %s (libxl error %d; the lender's "
			 "xl devd runs its hotplug script: see its console)", op->what.device,
			 op->what.attach ? "attached to" : "taken back from", op->what.holder, rc);
		log_err("domains", "%s", msg);
		control_answer_error(&op->m->ctl, op->waiter, EIO, msg);
	}
	op_free(op);
}

static struct block_op *op_new(struct mgr *m, struct control_waiter waiter, bool attach,
			       const struct ctl_request *req, const char *holder,
			       uint32_t holder_domid)
{
	struct block_op *op = calloc(1, sizeof(*op));
	if (!op)
		return NULL;
	op->m = m;
	op->waiter = waiter;
	op->what.attach = attach;
	op->holder_domid = holder_domid;
	op->loop_fd = -1;
	snprintf(op->what.device, sizeof(op->what.device), "%.*s:%.*s", DOMAIN_NAME_MAX,
		 req->name, BLOCK_NAME_MAX, req->device);
	str_copy(op->what.holder, holder, sizeof(op->what.holder));
	libxl_device_disk_init(&op->disk);
	for (size_t i = 0; i < BLOCK_OPS_MAX; i++)
		if (!inflight[i]) {
			inflight[i] = &op->what;	/* a slot is free: blocklend_busy() said */
			break;
		}
	return op;
}

/* The first of xvdi.. that D has no disk named, or NULL. */
static const char *free_vdev(struct mgr *m, const struct lc_dom *d)
{
	const char *used[64];
	int count = 0;
	size_t n = 0;
	libxl_device_disk *disks = libxl_device_disk_list(m->ctx, d->domid, &count);
	for (int k = 0; disks && k < count && n < sizeof(used) / sizeof(used[0]); k++)
		if (disks[k].vdev)
			used[n++] = disks[k].vdev;
	const char *vdev = blocklend_free_vdev(used, n);
	if (disks)
		libxl_device_disk_list_free(disks, count);
	return vdev;
}

/* The lender NAME ("dom0", or a running domain of class storage or usb):
 * its domid and its inventory into DEV (*NDEV); or -ENOENT with MSG. */
static int lender_of(struct mgr *m, const char *name, uint32_t *domid,
		     struct block_device *dev, size_t *ndev, char *msg, size_t cap)
{
	const struct lc_dom *d = lc_by_name(&m->lc, name);
	if (strcmp(name, BLOCK_DOM0) == 0) {
		*domid = 0;
		*ndev = dom0_inventory(m, dev);
		return 0;
	}
	if (!lends(d)) {
		snprintf(msg, cap, "%s is %s: block devices are lent by dom0 and by a running "
			 "domain of class storage or usb", name, !d ? "no domain" :
			 !lc_lends_blocks(d) ? "of another class" : "not running");
		return -ENOENT;
	}
	*domid = d->domid;
	*ndev = inventory(m, d, dev);
	return 0;
}

/* OP's disk as dom0's file NAME: on a loop device of its own, which OP
 * holds until blkback has it.  0 or -errno (MSG). */
static int dom0_disk(struct mgr *m, struct block_op *op, const char *name, char *msg,
		     size_t cap)
{
	char path[VOLUME_PATH_MAX + BLOCK_NAME_MAX + 2], devno[32], sys[64], link[256];
	lent_as(m, 0, name, path, sizeof(path));
	op->loop_fd = loop_attach(path, true, devno, sizeof(devno));
	if (op->loop_fd < 0) {
		snprintf(msg, cap, "no loop device for %s: %s", path, strerror(-op->loop_fd));
		return op->loop_fd;
	}
	snprintf(sys, sizeof(sys), "/sys/dev/block/%s", devno);
	ssize_t n = readlink(sys, link, sizeof(link) - 1);
	if (n <= 0) {
		snprintf(msg, cap, "the loop device %s of %s has no name in /sys", devno, path);
		return -EIO;
	}
	link[n] = '\0';
	if (asprintf(&op->disk.pdev_path, "/dev/%s", basename(link)) < 0 ||
	    !(op->disk.script = strdup(BLOCK_HOTPLUG_PATH)))
		return -ENOMEM;
	return 0;
}

static int attach(struct mgr *m, const struct ctl_request *req, struct control_waiter waiter,
		  char *msg, size_t cap)
{
	const struct lc_dom *target = lc_by_name(&m->lc, req->target);
	uint32_t lender;
	size_t ndev;
	int rc = lender_of(m, req->name, &lender, dev, &ndev, msg, cap);
	if (rc < 0)
		return rc;
	size_t nheld = held_disks(m);
	struct block_attach_facts f = {
		.req = req, .dev = block_device_find(dev, ndev, req->device),
		.held = holder_of(m, nheld, lender, req->device),
		.target_known = target, .target_up = target && dom_is_up(target->state),
		.target_is_lender = target && lender && target->domid == lender,
	};
	f.vdev = f.target_up ? free_vdev(m, target) : NULL;
	rc = blocklend_attach_check(&f, msg, cap);
	if (rc < 0)
		return rc;
	const char *vdev = f.vdev;
	struct block_op *op = op_new(m, waiter, true, req, req->target, target->domid);
	if (!op)
		return -ENOMEM;
	rc = lender ? (asprintf(&op->disk.pdev_path, "/dev/%s", req->device) < 0 ||
		       !(op->disk.script = strdup(BLOCK_HOTPLUG_NAME)) ? -ENOMEM : 0) :
		      dom0_disk(m, op, req->device, msg, cap);
	if (rc == 0 && !(op->disk.vdev = strdup(vdev)))
		rc = -ENOMEM;
	if (rc < 0) {
		op_free(op);
		return rc;
	}
	/* By domid: a name would be resolved to whatever holds it then. */
	op->disk.backend_domid = lender;
	op->disk.backend = LIBXL_DISK_BACKEND_PHY;
	op->disk.format = LIBXL_DISK_FORMAT_RAW;
	op->disk.readwrite = !req->read_only;
	op->disk.removable = 1;
	log_notice("domains", "attaching %s:%s (%s) to %s as %s%s", req->name, req->device,
		   op->disk.pdev_path, req->target, vdev, req->read_only ? ", read-only" : "");
	return start(op, msg, cap);
}

static int detach(struct mgr *m, const struct ctl_request *req, struct control_waiter waiter,
		  char *msg, size_t cap)
{
	uint32_t lender;
	size_t ndev, nheld = held_disks(m);
	const struct block_held *h = lender_of(m, req->name, &lender, dev, &ndev, msg, cap) == 0 ?
			       holder_of(m, nheld, lender, req->device) : NULL;
	int rc = blocklend_detach_check(req, h, msg, cap);
	if (rc < 0)
		return rc;
	int count = 0;
	rc = -ENOENT;
	libxl_device_disk *disks = libxl_device_disk_list(m->ctx, h->holder_domid, &count);
	for (int k = 0; disks && k < count && rc == -ENOENT; k++) {
		if (!disks[k].vdev || strcmp(disks[k].vdev, h->vdev) != 0)
			continue;
		struct block_op *op = op_new(m, waiter, false, req, h->holder, h->holder_domid);
		if (!op)
			rc = -ENOMEM;
		else {
			libxl_device_disk_copy(m->ctx, &op->disk, &disks[k]);
			log_notice("domains", "taking %s:%s back from %s (%s)", req->name,
				   req->device, h->holder, h->vdev);
			rc = start(op, msg, cap);
		}
	}
	if (disks)
		libxl_device_disk_list_free(disks, count);
	if (rc == -ENOENT)
		snprintf(msg, cap, "%s's %s went meanwhile", h->holder, h->vdev);
	return rc;
}

int xs_block_change(void *ctx, const struct ctl_request *req, struct control_waiter waiter,
		    char *msg, size_t cap)
{
	struct mgr *m = ctx;
	int rc = blocklend_busy(inflight, req, msg, cap);
	if (rc < 0)
		return rc;
	return req->type == CTL_REQ_BLOCK_ATTACH ? attach(m, req, waiter, msg, cap) :
						   detach(m, req, waiter, msg, cap);
}

/* ---- a lender's death ---- */

static void destroyed(libxl_ctx *ctx, int rc, void *user)
{
	libxl_device_disk *disk = user;
	(void)ctx;
	if (rc)
		log_warn("domains", "removing the disk %s of a dead lender: libxl error %d",
			 disk->vdev, rc);
	libxl_device_disk_dispose(disk);
	free(disk);
}

/* The disks LENDER (dead as DOMID) lent destroyed in their holders. */
static void take_back(struct mgr *m, const struct lc_dom *lender, uint32_t domid)
{
	for (size_t i = 0; i < m->lc.n; i++) {
		const struct lc_dom *d = m->lc.m[i];
		int count = 0;
		if (d == lender || !dom_is_up(d->state))
			continue;
		libxl_device_disk *disks = libxl_device_disk_list(m->ctx, d->domid, &count);
		for (int k = 0; disks && k < count; k++) {
			if (!blocklend_taken_back(disks[k].backend_domid, disks[k].vdev, domid))
				continue;
			libxl_device_disk *disk = calloc(1, sizeof(*disk));
			if (!disk) {
				log_err("domains", "domain %s: out of memory taking back %s", d->cfg->name,
					disks[k].vdev);
				continue;
			}
			libxl_device_disk_init(disk);
			libxl_device_disk_copy(m->ctx, disk, &disks[k]);
			log_notice("domains", "domain %s: its %s went with %s (domid %u), which lent it",
				   d->cfg->name, disk->vdev, lender->cfg->name, domid);
			log_event("domains", "block-lender-died", "holder=%s vdev=%s lender=%s",
				  d->cfg->name, disk->vdev, lender->cfg->name);
			/* Destroy, not remove: no backend is left to answer. */
			libxl_asyncop_how how = { .callback = destroyed, .u.for_callback = disk };
			int rc = libxl_device_disk_destroy(m->ctx, d->domid, disk, &how);
			if (rc)
				destroyed(m->ctx, rc, disk);
		}
		if (disks)
			libxl_device_disk_list_free(disks, count);
	}
}

void xs_block_released(void *ctx, const struct lc_dom *d, uint32_t domid)
{
	lent_let_go(domid, NULL);
	if (lc_lends_blocks(d))
		take_back(ctx, d, domid);
}
