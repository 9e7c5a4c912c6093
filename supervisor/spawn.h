/*
 * spawn.h - starts a service's process for the supervisor.
 *
 * The child gets: an empty signal mask and default dispositions, a session
 * and process group of its own (so a stop reaches its children too), stdin
 * on /dev/null, stdout and stderr inherited from PID 1 (the console), the
 * write end of the readiness pipe at cfg->ready_fd, and no other fd (PID
 * 1 opens everything O_CLOEXEC), and cfg->oom_score_adj when it is not 0
 * (the ready_check keeps PID 1's), then cfg->confine (lib/confine.h: ids,
 * capabilities, no_new_privs, seccomp).  A program that cannot be executed exits
 * 127 after saying why on stderr, and counts as a death.
 */
#ifndef BULKHEAD_SPAWN_H
#define BULKHEAD_SPAWN_H

#include <sys/types.h>

#include "config/service_config.h"

/* supervisor_ops.spawn: 0 or -errno; *ready_fd is -1 without ready_fd. */
int spawn_service(void *ctx, const struct service_config *cfg, pid_t *pid, int *ready_fd);

/* supervisor_ops.spawn_check: runs cfg->ready_check the same way (its own
 * process group, stdin /dev/null, output to the console). */
int spawn_check(void *ctx, const struct service_config *cfg, pid_t *pid);

/* supervisor_ops.kill: SIG to PID's process group (and PID, should it
 * have left the group). */
void spawn_kill(void *ctx, pid_t pid, int sig);

#endif
