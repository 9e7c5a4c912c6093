/*
 * ctl_update.h - `bulkhead ctl update NAME [PACKAGE...]': apt inside a
 * template (or a standalone domain), through the updates proxy its class
 * gives it (docs/TEMPLATES.md, "Updates"), then the template stopped, so
 * that its domains take the new root at their next start.
 *
 * The role ctl-update (bulkhead.c) is the caller's, root: it asks the
 * domain manager (list, stop) and runs `bulkhead ctl run NAME --pass-io'
 * as a child, the role ctl-call, which confines itself before it relays a
 * byte of the domain's.  This process reads nothing a domain wrote.
 *
 * The steps are ctl_update(), pure: the manager and the child are the
 * OPS, so that the unit tests run them on fakes.
 */
#ifndef BULKHEAD_CTL_UPDATE_H
#define BULKHEAD_CTL_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "lib/limits.h"
#include "proto/ctlproto.h"

/* How long a stopped domain's shutdown is waited for: the manager
 * destroys it 30 s after it asked, so this is never the limit that ends
 * the wait unless the manager is stuck. */
#define CTL_UPDATE_STOP_WAITS 90
#define CTL_UPDATE_WAIT_MS 1000

struct ctl_update_ops {
	/* Every configured domain into DOMS (DOMAINS_MAX of them): how many,
	 * or -1 (said on stderr). */
	ssize_t (*list)(void *ctx, struct ctl_domain_info *doms);
	/* Ask NAME to shut down: 0, or -1 (said). */
	int (*stop)(void *ctx, const char *name);
	/* COMMAND run in NAME (started first if it is down), its output on
	 * ours: its exit status, 126 when the call was refused (said),
	 * 128+N when a signal ended it. */
	int (*run)(void *ctx, const char *name, const char *command);
	void (*pause)(void *ctx, unsigned ms);
};

/*
 * The shell command that updates a Debian root: apt-get update, then a
 * full-upgrade that keeps the root's changed configuration files, then
 * PACKAGES (N, maybe 0) installed, into OUT (CAP).  False (WHY says,
 * static text naming the package) when a package is not a Debian
 * package's name, optionally with =VERSION or /RELEASE, or the command
 * is longer than DISPOSABLE_COMMAND_MAX.
 */
bool ctl_update_command(char *const *packages, size_t n, char *out, size_t cap,
			const char **why, const char **bad);

/*
 * `ctl update NAME [PACKAGE...]' (ARGV, ARGC: NAME first): NAME must be a
 * template or a standalone domain, not paused; a domain that is stopping
 * is waited for.  COMMAND runs there; a domain this started is stopped
 * again and waited for, and the domains on its root that run an older one
 * are said.  What happens goes to OUT, problems to ERR.  Returns the
 * command's status, or 1 (the domain is not one to update, or did not
 * stop), 3 (the manager could not be asked).
 */
int ctl_update(const struct ctl_update_ops *ops, void *ctx, int argc, char **argv, FILE *out,
	       FILE *err);

/* The role ctl-update: [--socket PATH] update NAME [PACKAGE...]. */
int ctl_update_main(int argc, char **argv);

#endif
