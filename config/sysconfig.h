/*
 * sysconfig.h - the system's configuration: CONFIG_DIR/bulkhead.cfg and
 * CONFIG_DIR/services/\*.cfg, all in xl.cfg syntax.
 *
 * bulkhead.cfg:
 *   hostname = "dom0"
 *   modules = [ "evdev", "bochs" ]         # loaded at boot, dependencies by libkmod
 *   log_file = "/run/bulkhead/bulkhead.log"
 *   emergency_shell = "/bin/sh"            # started on the console when boot fails
 *   control_socket = "/run/bulkhead/control"
 *   kill_grace_ms = 3000                   # at shutdown, SIGTERM to all, then SIGKILL
 *   log_level = "info"                     # or "debug"
 *
 * A missing bulkhead.cfg means defaults.  A service file with errors is
 * reported and left out, and so is every service that depends on it; the
 * others still start.  Nothing here is fatal: errors are counted.
 */
#ifndef BULKHEAD_SYSCONFIG_H
#define BULKHEAD_SYSCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/service_config.h"
#include "lib/limits.h"

#define SYSCONFIG_DEFAULT_DIR "/etc/bulkhead"

struct sysconfig {
	char hostname[HOSTNAME_MAX + 1];
	char **modules;		/* NULL-terminated */
	size_t nmodules;
	char *log_file;
	char *emergency_shell;
	char *control_socket;
	uint32_t kill_grace_ms;
	bool debug;
	struct service_config *services;	/* in dependency order */
	size_t nservices;
	unsigned errors;	/* problems reported while loading */
	bool unreadable;	/* bulkhead.cfg exists but could not be used */
};

/* Loads DIR into *out (always initialised, defaults where needed).
 * BUILTINS (NBUILTINS services that bulkhead itself defines, such as Xen's
 * daemons; may be NULL) are moved in first: their entries are left empty
 * for the caller to free, and a service file may depend on them but not
 * reuse their names.  Returns the number of errors reported (0: all good). */
unsigned sysconfig_load(const char *dir, struct sysconfig *out,
			struct service_config *builtins, size_t nbuiltins);
void sysconfig_free(struct sysconfig *cfg);

/* Leaves out the services whose `when_cmdline' names no word of CMDLINE
 * (the kernel's command line, as /proc/cmdline gives it), each said once,
 * and takes them out of the others' `depends': waiting for a service
 * that does not run here is no wait (the agent waits for `xl devd' in a
 * net domain, for nothing in an AppVM).  Keeps the order.  PID 1 calls it
 * after sysconfig_load(); `check' does not (every service is checked).
 * Returns how many were left out. */
size_t sysconfig_select(struct sysconfig *cfg, const char *cmdline);

/* Index of the service called NAME, or -1. */
int sysconfig_find_service(const struct sysconfig *cfg, const char *name);

#endif
