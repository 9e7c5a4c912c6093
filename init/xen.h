/*
 * xen.h - bringing up Xen's dom0 side, as xencommons does: xenfs on
 * /proc/xen, the control_d check, the Xen kernel modules, the run-time
 * directories, and three services the supervisor runs:
 *
 *   xenstored     the store every domain's devices go through; ready when
 *                 `xenstore-read -s /' answers.  restart = "never": a new
 *                 xenstored knows nothing of the running domains, so its
 *                 death is reported, not papered over; oom_score_adj
 *                 -1000: the OOM killer never picks it.
 *   xen-init-dom0 oneshot after xenstored: dom0's own entries in the store.
 *   xenconsoled   the domains' consoles, logged under /var/log/xen/console;
 *                 restarted on death.
 *   domains       bulkhead's domain manager (domains/manager.h).
 *
 * PID 1 only, at boot, after /proc, /sys and /dev are mounted.
 */
#ifndef BULKHEAD_XEN_H
#define BULKHEAD_XEN_H

#include <stddef.h>

#include "config/service_config.h"

#define XEN_BIN_DIR "/usr/lib/xen-4.17/bin"
#define XENSTORE_READ "/usr/bin/xenstore-read"

/* Kernel modules dom0 needs (NULL-terminated), for the initramfs builder. */
extern const char *const xen_dom0_modules[];

/* Returns 1 when this kernel is Xen's dom0 and it is ready for the
 * services, 0 when it is not a dom0 (said so: no domains then), -1 when it
 * is a dom0 but the bring-up failed (said so). */
int xen_bringup(void);

/* The three services above and the domain manager ("domains": SELF
 * domain-manager --config CONFIG_DIR, after xenconsoled, restarted on
 * death), malloc'ed into *out (ownership passes to the caller, who hands
 * them to sysconfig_load()).  0 or -ENOMEM. */
int xen_services(const char *self, const char *config_dir, struct service_config **out,
		 size_t *n);

#endif
