/*
 * manager.h - `bulkhead domain-manager': the role that holds the libxl
 * context and runs the domains of CONFIG_DIR/domains.
 *
 * A process of its own, started and restarted by PID 1 (as the built-in
 * service "domains" on Xen's dom0).  It:
 *   - adopts the domains that already run under a configured name (after
 *     it was killed and restarted, the domains kept running);
 *   - creates the autostart domains, a domain only once its netvm runs;
 *   - watches every domain's death (libxl_evenable_domain_death) and acts
 *     on its shutdown reason: on_poweroff / on_reboot / on_crash, with the
 *     restart backoff and start limit of the services (policy.h);
 *   - on SIGTERM asks the domains to shut down, last started first, and
 *     destroys what has not gone after stop_grace_ms; then exits 0.
 *
 * libxl owns SIGCHLD in this process (libxl_sigchld_owner_libxl); its
 * events run in our poll loop (libxl_osevent_beforepoll/afterpoll).
 * Single-threaded.
 */
#ifndef BULKHEAD_MANAGER_H
#define BULKHEAD_MANAGER_H

/* argv: [--config DIR].  Returns the exit status. */
int domain_manager_main(int argc, char **argv);

#endif
