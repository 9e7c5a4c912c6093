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
 *   - serves `bulkhead ctl' on its own control socket (control.h,
 *     CTL_DOMAINS_SOCKET): list, start, stop, kill, pause, unpause,
 *     run-disposable, and reload: the domain files read again, firewall
 *     changes given to the net domains at once, the rest kept for each
 *     domain's next start (reload.h);
 *   - after adopting a net domain, gives it the firewall rules of the
 *     domains behind it again, from the files as they are now;
 *   - on SIGTERM asks the domains to shut down in reverse dependency order
 *     (a netvm once the domains behind it are gone) and destroys those not
 *     gone after 30 s; then exits 0.
 *
 * What it knows across its own restarts is what Xen and libxl keep: the
 * domains by name, and a libxl userdata record per domain ("running" or
 * "paused").  Restart counts and crash history start afresh.
 *
 * Its parts: the decisions in domains/lifecycle.h (pure, tested on a fake
 * libxl: tests/unit/test_lifecycle.c); libxl, xenstore and the state
 * files behind its ops table in domains/xl.h; the process, the `ctl' glue
 * and the loop in manager.c.
 *
 * libxl owns SIGCHLD in this process (libxl_sigchld_owner_libxl); its
 * events run in our poll loop (libxl_osevent_beforepoll/afterpoll).
 * Single-threaded.
 */
#ifndef BULKHEAD_MANAGER_H
#define BULKHEAD_MANAGER_H

/* argv: [--config DIR] [--socket PATH].  Returns the exit status. */
int domain_manager_main(int argc, char **argv);

#endif
