/*
 * build.h - a domain's configuration as libxl wants it.
 *
 * Domain manager only.  The domain_config has been checked when it was
 * loaded (config/domains.h); this only translates.
 */
#ifndef BULKHEAD_BUILD_H
#define BULKHEAD_BUILD_H

#include <libxl.h>
#include <libxlutil.h>

#include "config/domain_config.h"
#include "domains/volumes.h"

/*
 * Fills D (already libxl_domain_config_init()ed; the caller disposes of
 * it) from DOM.  XLU parses the disk and pci specs (its report gets their
 * messages).  VOLUMES (NULL: none) adds the domain's volumes as xvda,
 * xvdb, xvdc, served by dom0's blkback with SCRIPT as their hotplug
 * script.  A vif's backend is DOM's netvm; the first one carries DOM's
 * address (ip=), and each one's hotplug script, which the net domain's
 * `xl devd' runs, is VIF_SCRIPT unless its spec names another.  Returns 0,
 * or -1 with *why saying what could not be built.
 */
#define VIF_SCRIPT "vif-bulkhead"	/* /etc/xen/scripts/ in the net domain: agent/vif-bulkhead */

int domain_build(const struct domain_config *dom, XLU_Config *xlu,
		 const struct volume_plan *volumes, const char *script, libxl_domain_config *d,
		 const char **why);

#endif
