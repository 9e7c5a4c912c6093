/*
 * build.h - a domain's configuration as libxl wants it, and the mode it
 * runs in on this host.
 *
 * Domain manager only.  The domain_config has been checked when it was
 * loaded (config/domains.h); this translates, and decides the two things
 * that depend on the host (docs/ARCHITECTURE.md, "Domain types"):
 *
 * - the type of a domain whose file says none: PV when it has PCI devices
 *   (Xen 4.17 passes none to PVH), else PVH where the CPU has HAP, else PV;
 * - where an HVM domain's device model (QEMU) runs: in a stub domain when
 *   one is installed, else in dom0 deprivileged (libxl's dm_restrict, as
 *   a user of its own), else nowhere: the domain is refused.  QEMU never
 *   runs as root in dom0.
 *
 * The decisions are pure functions of a struct dm_facts; host_caps_read()
 * and dm_facts_probe() are the adapters that find the facts.
 */
#ifndef BULKHEAD_BUILD_H
#define BULKHEAD_BUILD_H

#include <stdbool.h>

#include <libxl.h>
#include <libxlutil.h>

#include "config/domain_config.h"
#include "config/domains.h"
#include "domains/volumes.h"

#define VIF_SCRIPT "vif-bulkhead"	/* /etc/xen/scripts/ in the net domain: guest/vif-bulkhead */

/* Xen's Linux stub domain (QEMU upstream in a small PV domain), where
 * Debian's libxl 4.17 looks for it (its xenfirmwaredir).  Debian ships none. */
#define STUBDOM_KERNEL "/usr/lib/xen-4.17/boot/qemu-stubdom-linux-kernel"
#define STUBDOM_ROOTFS "/usr/lib/xen-4.17/boot/qemu-stubdom-linux-rootfs"
/* QEMU upstream built for Xen, where Debian's libxl runs it (package
 * qemu-system-xen): the only device model dm_restrict works with. */
#define QEMU_XEN_PATH "/usr/libexec/xen-qemu-system-i386"
/* Users libxl knows (Xen's docs/features/qemu-deprivilege): one per domain
 * (PREFIX NAME, given as device_model_user), whose QEMU is killed through
 * the reaper; or a range base, whose UID + domid each QEMU runs as. */
#define DM_USER_PREFIX "xen-qemuuser-"
#define DM_USER_REAPER "xen-qemuuser-reaper"
#define DM_USER_RANGE_BASE "xen-qemuuser-range-base"

/* What the host's CPU and Xen offer (libxl_physinfo). */
struct host_caps {
	bool hvm;	/* VT-x or AMD-V in use by Xen: HVM and PVH domains */
	bool hap;	/* hardware-assisted paging (EPT, NPT) */
};

/* Reads the host's capabilities once (the domain manager, at its start)
 * and logs them.  When libxl cannot say, *out is all false (domains
 * without `type' run as PV; PVH and HVM ones are refused), said in the log. */
void host_caps_read(libxl_ctx *ctx, struct host_caps *out);

/* The type DOM runs as on HOST: its own `type' when its file sets one,
 * else the default above.  *why (static text) says why the default fell
 * as it did; NULL when the file set the type. */
enum domain_type domain_type_choose(const struct domain_config *dom, const struct host_caps *host,
				    const char **why);

/* Gives each domain of DOMS whose file sets no type the type
 * domain_type_choose() picks, and logs the choice and its reason, once
 * per domain.  The domain manager calls it once, after loading them, so
 * that its `ctl list' and the disposables made from a domain (which copy
 * its type) have the type it runs as. */
void domains_choose_types(struct domains *doms, const struct host_caps *host);

/* Everything the device model decision depends on. */
struct dm_facts {
	struct host_caps host;
	bool stubdom;		/* STUBDOM_KERNEL and STUBDOM_ROOTFS are readable */
	bool qemu_xen;		/* QEMU_XEN_PATH is executable */
	bool own_user;		/* DM_USER_PREFIX NAME exists, and is not root */
	bool reaper;		/* DM_USER_REAPER exists, and is not root */
	bool range_base;	/* DM_USER_RANGE_BASE exists, and is not root */
};

/* HOST, and for an HVM DOM what this host has installed for its device
 * model (files, users), looked up now: an administrator may add them
 * while the manager runs.  Only HOST for other types, which have none. */
void dm_facts_probe(const struct host_caps *host, const struct domain_config *dom,
		    struct dm_facts *out);

/* For `bulkhead check', which cannot see the host the configuration is
 * for: what an HVM DOM's device model will need there, as a sentence for
 * a person, into BUF. */
void domain_dm_needs(const struct domain_config *dom, char *buf, size_t len);

/*
 * Fills D (already libxl_domain_config_init()ed; the caller disposes of
 * it) from DOM, whose type is chosen (domains_choose_types()), in the mode
 * FACTS allow.  XLU parses the disk and pci specs (its report gets their
 * messages).  VOLUMES (NULL: none) adds the domain's volumes as xvda,
 * xvdb, xvdc, served by dom0's blkback with SCRIPT as their hotplug
 * script.  A vif's backend is DOM's netvm; the first one carries DOM's
 * address (ip=), and each one's hotplug script, which the net domain's
 * `xl devd' runs, is VIF_SCRIPT unless its spec names another.  Returns 0,
 * or -1 with WHY (LEN bytes) saying what could not be built: a refusal of
 * the type on this host names DOM's file and line, what is missing and
 * what would be right.
 */
int domain_build(const struct domain_config *dom, const struct dm_facts *facts, XLU_Config *xlu,
		 const struct volume_plan *volumes, const char *script, libxl_domain_config *d,
		 char *why, size_t len);

/* Enough for any of domain_build()'s messages. */
#define BUILD_WHY_MAX 1024

#endif
