/*
 * dispvm.h - unnamed disposables, the ones `bulkhead ctl run-disposable'
 * starts and `preload' keeps ready: their names (dispN) and their
 * configs, made from their disposable template's.  Pure: the domain
 * manager owns their lifecycle (domains/manager.c).
 *
 * A disposable template is a domain of class template or app with
 * volumes (config/domain_config.h).  Its disposables take its label,
 * memory, vCPUs, kernel, command line and netvm; its vifs without their
 * MACs (libxl makes a new one each time, so that two disposables never
 * share one); no PCI devices and no other disks.  They are never
 * restarted: whatever ends them, their volumes go, and their name is
 * not used again while the manager runs.
 */
#ifndef BULKHEAD_DISPVM_H
#define BULKHEAD_DISPVM_H

#include <stdbool.h>
#include <stddef.h>

#include "config/domain_config.h"
#include "config/domains.h"
#include "config/storage_config.h"

#define DISPVM_PREFIX "disp"

/* Whether DVM may be a disposable template; if not, WHY (CAP bytes) says
 * why, for the user. */
bool dispvm_template_ok(const struct domain_config *dvm, char *why, size_t cap);

/* OUT becomes the config of disposable NAME of DVM (which must be a
 * disposable template): everything copied (the firewall rules too; the
 * address is dispvm_address(NAME)), freed with
 * domain_config_free().  0, or -ENOMEM with OUT freed. */
int dispvm_config(const struct domain_config *dvm, const char *name, struct domain_config *out);

/* Disposable dispN's address: 10.138.0.0/16, one per N below
 * DISPVM_ADDRESSES; 0 (no address, so no network) for other names. */
#define DISPVM_ADDRESSES (254u * 256u)
uint32_t dispvm_address(const char *name);

/* The first "dispN", N >= *NEXT, for which TAKEN is false, into OUT
 * (DOMAIN_NAME_MAX + 1 bytes); *NEXT moves past it.  False when the
 * numbers ran out. */
bool dispvm_name(unsigned *next, bool (*taken)(const char *name, void *ctx), void *ctx,
		 char *out);

/* Whether storage.cfg's default_dispvm (if set) is a disposable template
 * of DOMS; if not, says so as FILE:LINE.  Returns the problems found. */
unsigned dispvm_check_default(const struct storage_config *storage, const struct domains *doms);

/* A VIF spec without its mac= and ip= keys (a disposable's are its own):
 * 0, or -ENOMEM. */
int dispvm_vif_spec(const char *spec, char **out);

#endif
