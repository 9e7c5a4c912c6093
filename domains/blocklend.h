/*
 * blocklend.h - the domain manager's decisions about block devices lent
 * at run time (docs/DEVICES.md, "Block devices"), pure: what the adapter
 * (domains/xs_block.c) read from libxl and xenstore goes in, a verdict
 * and the user's words come out.  Tested on made-up facts (test_block).
 */
#ifndef BULKHEAD_DOMAINS_BLOCKLEND_H
#define BULKHEAD_DOMAINS_BLOCKLEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/blockproto.h"
#include "proto/ctlproto.h"

/* A disk of a running domain served by a domain, or by a loop device of
 * dom0's. */
struct block_held {
	char holder[DOMAIN_NAME_MAX + 1];
	uint32_t holder_domid, backend_domid;
	/* What it is: "/dev/NAME" in its backend domain, or the file under
	 * dom0's loop device. */
	char lent[VOLUME_PATH_MAX + BLOCK_NAME_MAX + 2];
	char vdev[CTL_VDEV_MAX + 1];
};

/* The disk of HELD (N) served by BACKEND as LENT, or NULL. */
const struct block_held *blocklend_holder(const struct block_held *held, size_t n,
					  uint32_t backend, const char *lent);

/* The first of xvdi.. that none of USED (N vdevs of the domain) is, or
 * NULL. */
const char *blocklend_free_vdev(const char *const *used, size_t n);

/* What the manager knows of an attach the user asks for (REQ). */
struct block_attach_facts {
	const struct ctl_request *req;
	const struct block_device *dev;	/* in the lender's inventory; NULL: not */
	const struct block_held *held;	/* who holds it; NULL: no one */
	bool target_known, target_up;
	bool target_is_lender;
	const char *vdev;		/* blocklend_free_vdev()'s */
};

/* Whether F's attach may go on: 0, or -errno with MSG (CAP bytes) saying
 * what was wrong and what would be right. */
int blocklend_attach_check(const struct block_attach_facts *f, char *msg, size_t cap);

/* Whether the detach of REQ's device, held as H (NULL: by no one), may go
 * on: 0, or -errno with MSG. */
int blocklend_detach_check(const struct ctl_request *req, const struct block_held *h,
			   char *msg, size_t cap);

/* An attach or detach under way: its device ("LENDER:NAME") and the
 * domain that takes or gives it back. */
struct block_inflight {
	bool attach;
	char device[DOMAIN_NAME_MAX + BLOCK_NAME_MAX + 2];
	char holder[DOMAIN_NAME_MAX + 1];
};
#define BLOCK_OPS_MAX 8

/* Whether REQ may start beside the ones under way (OPS, BLOCK_OPS_MAX
 * slots, NULL: free): one at a time for a device and for a domain that
 * takes one (two at once could give a device to two domains, or one name
 * to two disks), at most BLOCK_OPS_MAX in all.  0, or -EBUSY with MSG. */
int blocklend_busy(const struct block_inflight *const *ops, const struct ctl_request *req,
		   char *msg, size_t cap);

/* Whether a disk served by BACKEND as VDEV goes when the domain DEAD,
 * which served it, dies: a disk lent at run time, not one of a config. */
bool blocklend_taken_back(uint32_t backend, const char *vdev, uint32_t dead);

#endif
