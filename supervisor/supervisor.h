/*
 * supervisor.h - the services PID 1 owns: start in dependency order, wait
 * for readiness, restart with backoff, give up at the start limit, stop in
 * reverse order at shutdown.
 *
 * A state machine with no clock, no signals and no fork of its own: the
 * caller passes "now" (CLOCK_MONOTONIC ms) and the effects go through
 * supervisor_ops, so unit tests drive it with a fake clock and a fake
 * spawn.  Single-threaded; PID 1 calls it from its main loop only.
 *
 *   WAITING --deps ready--> STARTING --ready line / check passed--> UP
 *      ^                       |  (no readiness: straight to UP;
 *      |                       |   a oneshot's exit 0: DONE)
 *      |                     death
 *   BACKOFF <--restart policy--+--start limit--> FAILED
 *                              +--no restart--> STOPPED
 *   any running --stop/shutdown--> STOPPING --death--> STOPPED
 */
#ifndef BULKHEAD_SUPERVISOR_H
#define BULKHEAD_SUPERVISOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config/sysconfig.h"
#include "lib/backoff.h"

enum svc_state {
	SVC_WAITING,	/* for its dependencies */
	SVC_STARTING,	/* running, not yet ready */
	SVC_UP,
	SVC_BACKOFF,	/* dead, restart scheduled */
	SVC_STOPPING,
	SVC_STOPPED,
	SVC_FAILED,	/* start limit hit; only `ctl restart' starts it again */
	SVC_DONE,	/* a oneshot that exited 0 */
	SVC_STATE_COUNT
};

#define READY_CHECK_INTERVAL_MS 100u

extern const char *const svc_state_names[];

struct service {
	const struct service_config *cfg;	/* owned by the sysconfig */
	enum svc_state state;
	pid_t pid;		/* > 0 while its process runs */
	int ready_fd;		/* read end of the readiness pipe, or -1 */
	pid_t check_pid;	/* ready_check process running, or 0 */
	uint64_t next_check;	/* when to run ready_check again */
	uint64_t since;		/* when the state was entered */
	uint64_t deadline;	/* BACKOFF: start; STARTING: ready timeout;
				 * STOPPING: SIGKILL; 0: none */
	uint64_t started_at;
	unsigned failures;	/* deaths in a row, for the backoff */
	unsigned restarts;	/* restarts after deaths since boot */
	int last_status;	/* wait status of the last death, -1: none */
	bool stop_requested;	/* its death is not a failure */
	bool start_after_stop;	/* `ctl restart' of a running service */
	bool killed;		/* SIGKILL sent */
	struct death_window deaths;
};

struct supervisor_ops {
	/* Starts CFG's command.  Sets *pid, and *ready_fd (non-blocking read
	 * end, owned by the supervisor) when cfg->ready_fd >= 0.  0 or -errno. */
	int (*spawn)(void *ctx, const struct service_config *cfg, pid_t *pid, int *ready_fd);
	/* Starts CFG's ready_check.  0 or -errno. */
	int (*spawn_check)(void *ctx, const struct service_config *cfg, pid_t *pid);
	/* Sends SIG to PID's process group. */
	void (*kill)(void *ctx, pid_t pid, int sig);
	void *ctx;
};

struct supervisor {
	struct service *svc;	/* in dependency order, as in the sysconfig */
	size_t n;
	struct supervisor_ops ops;
	bool shutting_down;
};

/* CFG must outlive SUP.  0 or -ENOMEM. */
int sup_init(struct supervisor *sup, const struct sysconfig *cfg, const struct supervisor_ops *ops);
void sup_free(struct supervisor *sup);

/* Starts, times out and kills what is due at NOW. */
void sup_tick(struct supervisor *sup, uint64_t now);

/* Earliest time sup_tick() has something to do; UINT64_MAX: nothing. */
uint64_t sup_next_deadline(const struct supervisor *sup);

/* A child was reaped.  False when PID is none of the services' (nor one
 * of their ready_checks). */
bool sup_child_exited(struct supervisor *sup, pid_t pid, int status, uint64_t now);

/* Service I's readiness fd is readable. */
void sup_ready_input(struct supervisor *sup, size_t i, uint64_t now);

/* `ctl restart': stop if running, then start at once, forgetting backoff
 * and the start limit.  0, -ENOENT (no such service), -ESHUTDOWN. */
int sup_restart(struct supervisor *sup, const char *name, uint64_t now);

/* Stops everything, dependants before their dependencies; no more starts. */
void sup_begin_shutdown(struct supervisor *sup, uint64_t now);

/* SIGKILL to every running service at once (a second ctrl-alt-del). */
void sup_kill_all(struct supervisor *sup);

bool sup_all_stopped(const struct supervisor *sup);

/* Whether a service that died with wait STATUS is to be started again. */
bool policy_wants_restart(enum restart_policy policy, int status);

#endif
