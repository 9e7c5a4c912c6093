/*
 * blocklend.c - decisions about lent block devices (blocklend.h).
 */
#include "domains/blocklend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const struct block_held *blocklend_holder(const struct block_held *held, size_t n,
					  uint32_t backend, const char *lent)
{
	for (size_t i = 0; i < n; i++)
		if (held[i].backend_domid == backend && strcmp(held[i].lent, lent) == 0)
			return &held[i];
	return NULL;
}

const char *blocklend_free_vdev(const char *const *used, size_t n)
{
	for (unsigned i = 0; block_attach_vdev(i); i++) {
		bool taken = false;
		for (size_t k = 0; k < n && !taken; k++)
			taken = strcmp(used[k], block_attach_vdev(i)) == 0;
		if (!taken)
			return block_attach_vdev(i);
	}
	return NULL;
}

int blocklend_attach_check(const struct block_attach_facts *f, char *msg, size_t cap)
{
	const struct ctl_request *r = f->req;
	if (!f->target_known || !f->target_up || f->target_is_lender) {
		snprintf(msg, cap, "%s %s", r->target, !f->target_known ? "is no domain" :
			 !f->target_up ? "is not running (`bulkhead ctl start' it first)" :
			 "lends the device: it cannot take it too");
		return -ENOENT;
	}
	if (!f->dev) {
		snprintf(msg, cap, "%s has no device %s (`bulkhead ctl block list' lists them)",
			 r->name, r->device);
		return -ENOENT;
	}
	if (f->held) {
		snprintf(msg, cap, "%s:%s is attached to %s already, as %s%s", r->name, r->device,
			 f->held->holder, f->held->vdev, block_vdev_is_attached(f->held->vdev) ?
			 " (`bulkhead ctl block detach' takes it back)" : ", by its config");
		return -EBUSY;
	}
	if (f->dev->ro && !r->read_only) {
		snprintf(msg, cap, "%s:%s is read-only in %s: attach it with --ro", r->name,
			 r->device, r->name);
		return -EROFS;
	}
	if (!f->vdev) {
		snprintf(msg, cap, "%s holds %d disks attached at run time already, as many as "
			 "it may (detach one)", r->target, BLOCK_ATTACHED_PER_DOMAIN);
		return -ENOSPC;
	}
	return 0;
}

int blocklend_detach_check(const struct ctl_request *req, const struct block_held *h,
			   char *msg, size_t cap)
{
	if (!h) {
		snprintf(msg, cap, "%s:%s is attached to no domain (`bulkhead ctl block list' "
			 "says which are)", req->name, req->device);
		return -ENOENT;
	}
	if (!block_vdev_is_attached(h->vdev)) {
		snprintf(msg, cap, "%s:%s is %s's %s by its config (disk =): it goes when %s "
			 "stops", req->name, req->device, h->holder, h->vdev, h->holder);
		return -EPERM;
	}
	return 0;
}

int blocklend_busy(const struct block_inflight *const *ops, const struct ctl_request *req,
		   char *msg, size_t cap)
{
	char device[DOMAIN_NAME_MAX + BLOCK_NAME_MAX + 2];
	size_t n = 0;
	snprintf(device, sizeof(device), "%.*s:%.*s", DOMAIN_NAME_MAX, req->name, BLOCK_NAME_MAX,
		 req->device);
	for (size_t i = 0; i < BLOCK_OPS_MAX; i++) {
		const struct block_inflight *op = ops[i];
		n += op != NULL;
		if (op && (strcmp(op->device, device) == 0 ||
			   (req->type == CTL_REQ_BLOCK_ATTACH && strcmp(op->holder, req->target) == 0))) {
			snprintf(msg, cap, "%s %s %s %s is under way: ask again once it is done",
				 op->attach ? "an attach of" : "a detach of", op->device,
				 op->attach ? "to" : "from", op->holder);
			return -EBUSY;
		}
	}
	if (n == BLOCK_OPS_MAX) {
		snprintf(msg, cap, "%d attaches and detaches are under way: ask again once one is "
			 "done", BLOCK_OPS_MAX);
		return -EBUSY;
	}
	return 0;
}

bool blocklend_taken_back(uint32_t backend, const char *vdev, uint32_t dead)
{
	return backend == dead && vdev && block_vdev_is_attached(vdev);
}
