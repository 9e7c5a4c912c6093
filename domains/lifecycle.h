/*
 * lifecycle.h - the domain manager's decisions, pure: each domain's state
 * and its transitions (one set_state, logged), the restart policy, what
 * to do with the domains a (re)started manager finds in Xen, unnamed
 * disposables and their preloads, the netvm and backend order and the
 * re-attach of a net domain's clients, the shutdown order and its
 * destroy deadline, and the `ctl' operations on domains.
 *
 * No clock, no libxl, no xenstore of its own: time comes in as NOW
 * (monotonic ms) on every entry, and every effect goes through the ops
 * table that the libxl adapter (domains/xl.c) or a test's fakes fill.
 * Asynchronous effects come back as calls of lc_*_done() and friends, in
 * the order they run; an op may call them before it returns.
 *
 * Its files: lifecycle.c (slots, states, creation, death, restarts,
 * shutdown, each turn), lc_net.c (netvm order, re-attach), lc_disposables.c
 * (disposables, preloads, pause answers), lc_adopt.c (what a restarted
 * manager finds), lc_ctl.c (`ctl' on domains), lc_reload.c (`ctl reload').
 *
 * Single-threaded, as supervisor/supervisor.h.
 */
#ifndef BULKHEAD_LIFECYCLE_H
#define BULKHEAD_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/agentproto.h"
#include "config/domains.h"
#include "proto/domstate.h"
#include "domains/volumes.h"
#include "proto/control.h"
#include "lib/backoff.h"

#define LC_NO_DOMID 0xFFFFFFFFu	/* libxl's INVALID_DOMID, without libxl */
#define LC_SHUTDOWN_GRACE_MS 30000
/* A domain up for a minute has recovered from its crashes. */
#define LC_BACKOFF_RESET_MS 60000
#define LC_BACKOFF_MAX_MS 10000
/* From a disposable's creation to its agent's first word: a boot, under
 * QEMU's emulation too. */
#define LC_AGENT_TIMEOUT_MS 180000
/* A domain that others have as netvm or disk backend serves them once its
 * agent says it is up (it starts the agent after its backends); one with
 * no agent is taken as serving after this long. */
#define LC_BACKEND_AGENT_TIMEOUT_MS 60000
/* Preloads of one template that die before they are ready, in a row,
 * before the manager stops preloading it. */
#define LC_PRELOAD_FAILURES_MAX 3
/* Preloads are background work: one is made only when no other domain is
 * starting, and this long after a domain was let run (created, or a
 * disposable handed out), so that the domain a user waits for, and the
 * programs it starts, have dom0's and the machine's CPUs.  An AppVM's
 * agent is not heard by the manager: this covers its boot (some 10 s
 * under QEMU's emulation, a few on hardware). */
#define LC_PRELOAD_QUIET_MS 20000

/* ---- the states, named: the one place that says what each means ---- */

/* The domain exists in Xen and has a domid. */
static inline bool dom_exists_in_xen(enum domain_state st)
{
	return st == DOM_RUNNING || st == DOM_PAUSED || st == DOM_STOPPING ||
	       st == DOM_DESTROYING || st == DOM_PRESERVED || st == DOM_PRELOADED;
}

/* Up: running, or paused by us; it has its devices and may be asked to stop. */
static inline bool dom_is_up(enum domain_state st)
{
	return st == DOM_RUNNING || st == DOM_PAUSED || st == DOM_PRELOADED;
}

/* Its shutdown and death events are acted on. */
static inline bool dom_hears_events(enum domain_state st)
{
	return dom_is_up(st) || st == DOM_STOPPING;
}

/* On its way out, or out. */
static inline bool dom_is_going(enum domain_state st)
{
	return st == DOM_STOPPING || st == DOM_DESTROYING || st == DOM_STOPPED;
}

/* `ctl start' (or a dependant's start) may (re)start it. */
static inline bool dom_is_startable(enum domain_state st)
{
	return st == DOM_STOPPED || st == DOM_FAILED || st == DOM_BACKOFF;
}

/* Its state has a deadline (BACKOFF: its start; STOPPING: its destroy). */
static inline bool dom_has_deadline(enum domain_state st)
{
	return st == DOM_BACKOFF || st == DOM_STOPPING;
}

struct lc_dom {
	const struct domain_config *cfg;
	enum domain_state state;
	uint32_t domid;
	enum domain_action next;	/* what follows the destroy under way */
	bool crashed;			/* the death under way is a crash */
	uint64_t created_at, died_at;	/* monotonic ms */
	uint64_t let_run_at;		/* made, or handed out; 0: never (monotonic ms) */
	uint64_t started_epoch_ms;	/* when the running domain was created, 0: unknown */
	uint64_t deadline;		/* BACKOFF: start; STOPPING: destroy */
	unsigned failures, restarts;
	struct death_window deaths;
	int recorded;			/* state in the state file at our start, -1: none */
	struct volume_plan volumes;	/* valid while volumes_up */
	bool volumes_up;		/* its dm devices exist (made, or adopted) */
	/* The adapter's clock of the creation under way (monotonic us): its
	 * config and volumes made in, libxl asked at. */
	uint64_t prepare_us, libxl_at_us;
	void *death;			/* the adapter's death watch */
	/* Unnamed disposables (dispN) only: */
	struct domain_config *own;	/* its config, owned (cfg points to it) */
	bool preload;			/* to be paused once ready, for a request */
	bool agent_ready;		/* its agent said it is up */
	bool watching;			/* its agent's status is watched */
	/* A netvm or disk backend: serving the domains that need it (its
	 * agent is up, or was silent too long). */
	bool serving;
	char *command;			/* NULL: none asked (yet) */
	/* Made (or taken) for a call between domains: lives while a call holds
	 * it (the domain manager destroys it after), runs no command; the
	 * calling domain's, whose budget it counts in until it is gone. */
	bool for_call;
	char call_source[DOMAIN_NAME_MAX + 1];
	/* A request awaits its answer: a `ctl run-disposable' (of an unnamed
	 * disposable), a `ctl start --wait' (of a named domain). */
	bool waiting;
	struct control_waiter waiter;
	uint64_t asked_at;		/* monotonic ms of that request */
	uint64_t agent_deadline;	/* RUNNING: destroyed if its agent is silent */
	/* A disposable template: its preloads that died in a row. */
	unsigned preload_failures;
	/* libxl operations under way that hold this slot (a shutdown asked, a
	 * vif moved, a pause): an unnamed disposable's is freed only after them. */
	unsigned ops_pending;
	/* A pause or unpause asked of libxl and not answered yet. */
	bool pausing;
	bool preload_pausing;		/* that one is to make it a preload */
	int pause_rc;			/* the last one's answer */
	/* A configured domain after `ctl reload': the config it was created
	 * by (cfg points to it), kept while it exists when the reloaded one
	 * differs in more than the firewall; NULL: cfg is the lifecycle's.
	 * When it is gone the reloaded one takes over. */
	struct domain_config *kept;
	bool removed;		/* reloaded without it: forgotten once it is gone */
	/* A template: how often it has died since the manager started (each
	 * time its root may have changed).  A domain on a snapshot of a
	 * template's root: that count when its volumes were made; it runs an
	 * older root than the template's when they differ (`ctl list'). */
	unsigned root_gen;
	unsigned root_gen_used;
};

/* Why libxl says a domain shut down, as the lifecycle sorts it. */
enum lc_shutdown {
	LC_SHUTDOWN_POWEROFF,
	LC_SHUTDOWN_REBOOT,
	LC_SHUTDOWN_SUSPEND,
	LC_SHUTDOWN_CRASH,	/* crash, watchdog, soft reset, unknown */
};

/* What a manager recorded of a domain in libxl's userdata (ops->mark). */
struct lc_mark {
	char word[16];			/* "running", "paused", "preloaded", "preloading",
					 * "call" (an unnamed disposable held by a call);
					 * "": none, bulkhead never let it run */
	uint64_t started;		/* epoch ms, 0: unknown */
	char dvm[DOMAIN_NAME_MAX + 1];	/* an unnamed disposable's template, "": none */
};

/* The effects.  CTX is lifecycle.ctx.  Operations marked "async" answer
 * with the lc_ call named, possibly before they return. */
struct lc_ops {
	/* D's volumes and libxl config, ready for create: 0; -EAGAIN: not now
	 * (backs off as a crash); another -errno: never, WHY saying why. */
	int (*prepare)(void *ctx, struct lc_dom *d, char *why, size_t cap);
	/* async: lc_created(). */
	void (*create)(void *ctx, struct lc_dom *d);
	/* async: lc_destroyed(). */
	void (*destroy)(void *ctx, struct lc_dom *d);
	/* async: lc_shutdown_asked(). */
	void (*shutdown)(void *ctx, struct lc_dom *d);
	/* async: lc_paused() with PAUSE as given. */
	void (*pause)(void *ctx, struct lc_dom *d, bool pause);
	/* Whether DOMID exists in Xen and is not being torn down. */
	bool (*alive)(void *ctx, uint32_t domid);
	void (*watch_death)(void *ctx, struct lc_dom *d);
	void (*unwatch_death)(void *ctx, struct lc_dom *d);
	/* D's vifs whose backend is not NETVM_DOMID move to it; each one's
	 * outcome: lc_vif_attached(). */
	void (*reattach_vifs)(void *ctx, struct lc_dom *d, uint32_t netvm_domid);
	void (*release_volumes)(void *ctx, struct lc_dom *d);
	/* D died as DOMID: the block devices it lent taken from their
	 * holders (a lender: lc_lends_blocks()), and dom0's it held let go
	 * (docs/DEVICES.md, "Block devices"). */
	void (*blocks_released)(void *ctx, const struct lc_dom *d, uint32_t domid);
	/* Persistence: libxl's userdata ("running", "paused", ...) and the
	 * state file, and its removal for a domain no longer configured. */
	void (*mark)(void *ctx, const struct lc_dom *d, const char *what);
	void (*save)(void *ctx, const struct lc_dom *d);
	void (*forget)(void *ctx, const struct lc_dom *d);
	/* The agent's status key: watched (true) or not. */
	bool (*agent_watch)(void *ctx, struct lc_dom *d);
	void (*agent_unwatch)(void *ctx, struct lc_dom *d);
	/* D->command to its agent; 0 or -1 (logged). */
	int (*write_command)(void *ctx, struct lc_dom *d);
	/* The network D is told (its address, GATEWAY), and CLIENT's
	 * firewall rules given to NET. */
	void (*publish_own)(void *ctx, const struct lc_dom *d, uint32_t gateway);
	/* What D's agent is to offer (AGENT_XWAYLAND_KEY), before D runs. */
	void (*publish_features)(void *ctx, const struct lc_dom *d);
	void (*publish_rules)(void *ctx, const struct lc_dom *net, const struct lc_dom *client);
	/* D's waiting request (d->waiter) answered: a `ctl run-disposable'
	 * (D an unnamed disposable: its name and ANSWER_MS), a `ctl start
	 * --wait' (D a named domain: OK); or refused. */
	void (*answer)(void *ctx, struct lc_dom *d, uint32_t answer_ms);
	void (*refuse)(void *ctx, struct lc_dom *d, int code, const char *msg);
	/* Whether D's waiting request's client is still there to answer. */
	bool (*waiter_present)(void *ctx, const struct lc_dom *d);
	/* Whether Xen has a domain NAME (not one of ours). */
	bool (*name_taken)(void *ctx, const char *name);
};

struct lifecycle {
	const struct lc_ops *ops;
	void *ctx;
	struct domains doms;		/* the configured domains, owned */
	struct lc_dom *m[DOMAINS_MAX];	/* configured, then unnamed disposables */
	size_t n;
	unsigned next_disp;		/* the N of the next dispN */
	bool stopping;		/* every domain goes down, none starts */
	bool pool_ok;		/* the pool is there: volumes can be made */
	bool xs_ok;		/* xenstore is open: networks and agents can be told */
	bool ready_said;	/* manager-ready logged */
	uint64_t preload_at;	/* the quiet after a start ends; 0: none awaited */
	const char *pool;	/* for messages */
	const char *default_dispvm;	/* "": none */
};

/* Takes DOMS (moved in); the slots start STOPPED, RECORDED -1. 0 or -ENOMEM. */
int lc_init(struct lifecycle *lc, struct domains *doms, const struct lc_ops *ops, void *ctx);
void lc_free(struct lifecycle *lc);

/* A slot for CFG, STOPPED; NULL: out of memory.  Freed (with what it owns,
 * its state file forgotten) by lc_slot_free(). */
struct lc_dom *lc_slot_new(const struct domain_config *cfg);
void lc_slot_free(struct lifecycle *lc, struct lc_dom *d);
struct lc_dom *lc_by_name(const struct lifecycle *lc, const char *name);
/* The template whose root D's root is a snapshot of (an app's, a
 * disposable's or a driver domain's template; a disposable template's
 * template), or NULL: none (no volumes, no template). */
const struct lc_dom *lc_root_owner(const struct lifecycle *lc, const struct lc_dom *d);
struct lc_dom *lc_by_domid(const struct lifecycle *lc, uint32_t domid);
/* Whether D's domain exists, or is being made or worked on. */
bool lc_exists(const struct lc_dom *d);
/* Whether some domain has D as its netvm or disk backend. */
bool lc_is_backend(const struct lifecycle *lc, const struct lc_dom *d);
void lc_set_state(struct lifecycle *lc, struct lc_dom *d, enum domain_state st);

/* ---- at our start ---- */
/* A domain found in Xen: NAME (NULL: unknown), DOMID, paused or not, and
 * what was recorded of it (MK).  Ours again, destroyed (a creation cut
 * short), or left alone. */
void lc_adopt(struct lifecycle *lc, const char *name, uint32_t domid, bool paused,
	      const struct lc_mark *mk, uint64_t now);
/* After adoption: what the running domains were told of the network is
 * told again; the domains not found started as recorded or autostart. */
void lc_republish(struct lifecycle *lc);
void lc_resume(struct lifecycle *lc, uint64_t now);

/* ---- each turn ---- */
/* Due starts, preloads, destroys at their deadline, silent agents. */
void lc_tick(struct lifecycle *lc, uint64_t now);
/* When lc_tick(), having run at NOW, has something to do next: a
 * monotonic ms after NOW, UINT64_MAX: never (an event will). */
uint64_t lc_next_deadline(const struct lifecycle *lc, uint64_t now);
/* SIGTERM: every domain down, netvms last. */
void lc_stop_all(struct lifecycle *lc);
/* Stopping, and nothing left in Xen. */
bool lc_all_gone(const struct lifecycle *lc);
/* Frees the slots of disposables gone (out of any callback that holds them). */
void lc_reap(struct lifecycle *lc);

/* ---- what libxl and the agents report ---- */
void lc_created(struct lifecycle *lc, struct lc_dom *d, int rc, uint64_t now,
		uint64_t epoch_now);
void lc_destroyed(struct lifecycle *lc, struct lc_dom *d, int rc, uint64_t now);
void lc_shutdown_asked(struct lifecycle *lc, struct lc_dom *d, int rc, uint64_t now);
void lc_paused(struct lifecycle *lc, struct lc_dom *d, uint32_t domid, bool pause, int rc,
	       uint64_t now);
/* REASON_NAME: libxl's word for it, for the log. */
void lc_shutdown_reported(struct lifecycle *lc, struct lc_dom *d, enum lc_shutdown why,
			  const char *reason_name, uint64_t now);
void lc_death_reported(struct lifecycle *lc, struct lc_dom *d, uint64_t now);
/* Whether a vif of D (domain DOMID when it began) is still to go to
 * BACKEND_DOMID. */
bool lc_reattach_wanted(const struct lifecycle *lc, const struct lc_dom *d, uint32_t domid,
			uint32_t backend_domid);
void lc_vif_attached(struct lifecycle *lc, struct lc_dom *d, int devid, uint32_t netvm_domid,
		     int rc);
/* D's agent wrote ST (NULL: nonsense, LEN bytes). */
void lc_agent_said(struct lifecycle *lc, struct lc_dom *d, const struct agent_status *st,
		   unsigned len, uint64_t now);

/* ---- `bulkhead ctl' ---- */
void lc_describe(const struct lifecycle *lc, const struct lc_dom *d,
		 struct ctl_domain_info *out);
/* OP on NAME: 0, or -errno with MSG saying why.  START_WAIT's 0 says
 * WAITER is answered (ops->answer) once the domain runs, at once if it
 * does, or refused (ops->refuse) when its creation fails (prepare,
 * libxl), it is stopped, killed or removed by a reload before it runs,
 * a backend it needs is stopped or failed, or the manager shuts down;
 * one waits a domain.  The other ops do not keep WAITER
 * (CONTROL_NO_WAITER will do). */
int lc_ctl(struct lifecycle *lc, enum ctl_domain_op op, const char *name,
	   struct control_waiter waiter, uint64_t now, char *msg, size_t cap);
int lc_run_disposable(struct lifecycle *lc, const char *template_name, const char *command,
		      struct control_waiter waiter, uint64_t now, char *msg, size_t cap);
/* A disposable of TEMPLATE_NAME ("": the default) for a call between
 * domains (rpc_broker's RPC_NEW_DISPVM) of SOURCE: a preloaded one let run,
 * or one started; for_call set, no command.  Up for the call once dom_is_up() and
 * agent_ready; destroyed by the caller of this (lc_ctl KILL) when the call
 * is over, or by the lifecycle if its agent stays silent.  NULL: none, MSG
 * says why. */
struct lc_dom *lc_call_disposable(struct lifecycle *lc, const char *template_name,
				  const char *source, uint64_t now, char *msg, size_t cap);

/* ---- `bulkhead ctl reload' (domains/lc_reload.c) ---- */
/* The problems ND (the domain files read again) has against the domains
 * that run, logged with FILE:LINE: a name that a running unnamed
 * disposable has. */
unsigned lc_reload_check(const struct lifecycle *lc, const struct domains *nd);
/* The domains a reload of ND would have at once (at most DOMAINS_MAX). */
size_t lc_reload_count(const struct lifecycle *lc, const struct domains *nd);
/* The slots as ND (moved in) has them; what changed said in TEXT.  A new
 * domain with autostart is started, a removed one that runs asked to shut
 * down (both at NOW). */
void lc_reload_apply(struct lifecycle *lc, struct domains *nd, uint64_t now, char *text,
		     size_t cap);

/* Whether D's class lends its block devices to other domains (`ctl block
 * attach'): a storage or USB domain, which runs xl devd and blkback. */
bool lc_lends_blocks(const struct lc_dom *d);

#endif
