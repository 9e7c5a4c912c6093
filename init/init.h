/*
 * init.h - `bulkhead init': PID 1.
 *
 * Boots (mounts, Xen's dom0 bring-up when on Xen, hostname, modules, the
 * encrypted disks of disks.cfg through a `bulkhead unlock' child, and the
 * switch to the real root, whose init then boots again), starts and
 * supervises the services of the system config, serves the control
 * socket, reaps every process that ends up as its child, and shuts down
 * in order.  Never returns and never
 * exits once it runs as PID 1: a failure it cannot mend is said on the
 * console, an emergency shell is started there if one exists, and PID 1
 * goes on reaping.
 *
 * Signals (all read through a signalfd; none has a handler):
 *   SIGINT   ctrl-alt-del (after reboot(RB_DISABLE_CAD)): reboot;
 *            a second one while shutting down skips the grace periods
 *   SIGTERM  reboot
 *   SIGUSR1  halt
 *   SIGUSR2  poweroff
 *   SIGPWR   poweroff
 *   SIGCHLD  reap
 *
 * Container mode: when PID 1 of a PID namespace other than the first
 * (as under `unshare --pid --fork --mount-proc'), it leaves the host's
 * devices, kernel modules and disks (disks.cfg's too) alone: it mounts
 * only a private /run, loads no module, starts no emergency shell, and its
 * reboot(2) ends the namespace, which is how tests see it shut down.
 */
#ifndef BULKHEAD_INIT_H
#define BULKHEAD_INIT_H

/* argv: [--config DIR]; anything else (the kernel's leftovers) is ignored.
 * Returns only when not PID 1 (status 2). */
int init_main(int argc, char **argv);

#endif
