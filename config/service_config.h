/*
 * service_config.h - one supervised service, as read from
 * CONFIG_DIR/services/NAME.cfg (xl.cfg syntax):
 *
 *   name = "xenstored"                   # [a-z0-9_-], at most 32; default: file name
 *   command = [ "/usr/sbin/xenstored", "--no-fork" ]   # absolute path, then arguments
 *   restart = "always"                   # "always" | "on-failure" | "never"
 *   depends = [ "other" ]                # started after these are ready, stopped before them
 *   type = "daemon"                      # or "oneshot": done when it exits 0
 *   ready_fd = 3                         # service writes a line to this fd when ready
 *   ready_check = [ "/usr/bin/xenstore-read", "-s", "/" ]
 *                                        # or: ready once this exits 0 (run every 100 ms)
 *   ready_timeout_ms = 10000             # not ready by then: killed, counted as a failure
 *   stop_grace_ms = 5000                 # SIGTERM, then SIGKILL after this
 *   start_limit_burst = 5                # more deaths than this ...
 *   start_limit_interval_ms = 10000      # ... within this: failed, not restarted
 *   backoff_max_ms = 10000               # restart delay: 100 ms, doubling, capped here
 *   oom_score_adj = "-1000"              # the kernel's OOM killer: -1000 never picks it,
 *                                        # 1000 first; default 0 (as PID 1).  Quoted when
 *                                        # negative: xl.cfg's numbers have no sign
 *   user = "xenstore"                    # a name in /etc/passwd or a number (an
 *                                        # initramfs may have no passwd); default:
 *                                        # root's uid, without root's capabilities
 *   group = "xenstore"                   # a name in /etc/group or a number; default:
 *                                        # the user's primary group (a number: the same)
 *   capabilities = [ "net_admin" ]       # kept, as in capabilities(7) ("CAP_NET_ADMIN"
 *                                        # too), or [ "all" ]; default none: not in the
 *                                        # bounding set either, so no execve regains one
 *   no_new_privs = 1                     # default 1: set-uid and file capabilities
 *                                        # give nothing
 *   seccomp = "compositor"               # a named profile (lib/confine_profiles.c),
 *                                        # installed with execve allowed; default none
 *   when_cmdline = [ "bulkhead.class=net" ]
 *                                        # run only when the kernel's command line
 *                                        # has one of these words (sysconfig_select()):
 *                                        # one image, services by the domain's role;
 *                                        # default: always
 *
 * Values are owned by the struct; free with service_config_free().
 */
#ifndef BULKHEAD_SERVICE_CONFIG_H
#define BULKHEAD_SERVICE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/confine.h"
#include "lib/limits.h"

enum restart_policy {
	RESTART_ALWAYS,
	RESTART_ON_FAILURE,
	RESTART_NEVER,
};

struct service_config {
	char name[SERVICE_NAME_MAX + 1];
	char **argv;		/* NULL-terminated */
	enum restart_policy restart;
	char **when_cmdline;	/* NULL-terminated words, or NULL: always run */
	size_t nwhen_cmdline;
	char **depends;		/* NULL-terminated, names as written */
	size_t ndepends;
	size_t *dep_idx;	/* depends[] as indexes into the system's services;
				 * filled by sysconfig_load() */
	bool oneshot;		/* done (not up) when it exits 0 */
	int ready_fd;		/* -1: no readiness fd */
	char **ready_check;	/* NULL-terminated, or NULL: no check */
	uint32_t ready_timeout_ms;	/* 0: wait forever */
	uint32_t stop_grace_ms;
	uint32_t start_limit_burst;
	uint32_t start_limit_interval_ms;
	uint32_t backoff_max_ms;
	int oom_score_adj;	/* -1000..1000, written for the service (not its
				 * ready_check) before it is executed */
	struct confine confine;	/* applied to it and its ready_check before execve */
	char *source;		/* file it came from, for messages */
	int depends_line;	/* line of `depends', for dependency errors */
};

extern const char *const restart_policy_names[];	/* indexed by enum */

/* Sets every field to its default (no name, no command). */
void service_config_init(struct service_config *svc);

/* Reads PATH into *out.  Returns how many problems it reported (each as
 * FILE:LINE); unless 0, *out is freed and must not be used. */
unsigned service_config_load(const char *path, struct service_config *out);
void service_config_free(struct service_config *svc);

#endif
