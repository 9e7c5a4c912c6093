/*
 * loop.h - the one event loop of every long-running role: PID 1, the
 * compositor, the agent, the firewall.  fd watches, deadlines (timers),
 * signals through one signalfd, and deferred work, dispatched in rounds.
 *
 * One round (loop_run_once):
 *   1. the sleep: until the earliest armed timer, not at all when deferred
 *      work is queued, for ever when there is neither;
 *   2. poll(2) on every watched fd;
 *   3. ops.woken: the loop's time (loop_now) is read once, here;
 *   4. the fd callbacks, in slot order (the order the watches were added;
 *      a removed watch's slot goes to the next one added);
 *   5. the timers due at loop_now, earliest first (ties: the one armed
 *      first), each at most once, and not one armed in this round;
 *   6. the deferred work queued until then, in the order it was queued;
 *      work queued by deferred work runs in the next round (which then
 *      does not sleep).
 *
 * Lifetimes and ownership: struct loop is the caller's (loop_init fills
 * it, loop_free empties it).  Every loop_fd, loop_fdset, loop_timer and
 * loop_defer is the caller's too, and must stay put (not be moved or freed)
 * while it is added, armed or queued; the loop never frees one, never
 * closes a watched fd (only its own signalfd).  The loop allocates once, in
 * loop_init (its poll array, bounded by MAX_FDS); nothing after that.
 *
 * Who may call what: one thread.  Every function but loop_init, loop_free
 * and loop_run(_once) may be called from inside a callback, with these
 * guarantees:
 *   - a watch removed (or removed and added again, even on another fd) is
 *     not called back for what the current round's poll saw;
 *   - a watch added during a round is first polled in the next one;
 *   - a deferred function never runs inside the callback that queued it:
 *     what it frees, no caller up the stack still holds.
 *
 * Errors are returned (-errno), never abort(): PID 1 runs on it.
 */
#ifndef BULKHEAD_LOOP_H
#define BULKHEAD_LOOP_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/signalfd.h>

/* Timers armed at once, per loop: every role arms a handful. */
#define LOOP_TIMERS_MAX 16

struct loop;

/* The effects a loop has, injectable: tests give a fake clock and a poll
 * that advances it.  NULL functions: monotonic_ms() and poll(2). */
struct loop_ops {
	uint64_t (*now)(void *ctx);	/* monotonic milliseconds */
	int (*poll)(void *ctx, struct pollfd *pfd, nfds_t n, int timeout_ms);
	/* Step 3 of each round, before any callback: for a module that keeps
	 * its own copy of the loop's time. */
	void (*woken)(void *ctx, uint64_t now);
	void *ctx;
};

/* One fd.  Set fd, events, cb (and ctx) before loop_fd_add; fd only
 * while it is not added (a changing fd: a loop_fdset of max 1). */
struct loop_fd {
	int fd;
	short events;			/* POLLIN, POLLOUT: loop_fd_events to change */
	void (*cb)(struct loop *l, struct loop_fd *w, short revents);
	void *ctx;
	/* The loop's. */
	struct loop *loop;		/* NULL: not added */
	size_t slot;
};

/* A module that hands out its own pollfds each round (control.h's,
 * evdev.h's): FILL writes at most MAX of them, DISPATCH is given them back
 * with what poll(2) saw, when any saw something. */
struct loop_fdset {
	size_t max;
	size_t (*fill)(void *ctx, struct pollfd *pfd);
	void (*dispatch)(void *ctx, const struct pollfd *pfd, size_t n);
	void *ctx;
	/* The loop's. */
	struct loop *loop;
	size_t slot;
};

/* A one-shot deadline, armed again as often as wanted.  CB NULL: it only
 * wakes the loop (the caller's work between rounds is due). */
struct loop_timer {
	void (*cb)(struct loop *l, struct loop_timer *t);	/* disarmed before */
	void *ctx;
	/* The loop's. */
	struct loop *loop;		/* NULL: not armed */
	uint64_t at, seq, round;
};

/* Work for after the round.  Set fn (and ctx) before loop_defer. */
struct loop_defer {
	void (*fn)(void *ctx);
	void *ctx;
	/* The loop's. */
	struct loop_defer *next;
	bool queued;
};

struct loop_slot {
	struct loop_fd *fd;		/* one of fd and set, or neither: free */
	struct loop_fdset *set;
	unsigned gen;			/* changes at every add and remove */
	/* This round's poll: where its pollfds are, and gen when filled. */
	unsigned polled_gen;
	size_t first, n;
};

struct loop {
	struct loop_ops ops;
	size_t max_fds, reserved;	/* pollfds at most, and promised to watches */
	struct loop_slot *slots;	/* max_fds of them */
	size_t nslots;			/* slots in use or used: [0, nslots) */
	struct pollfd *pfd;
	struct loop_timer *timers[LOOP_TIMERS_MAX];
	size_t ntimers;
	struct loop_defer *defer_head, **defer_tail;
	int sigfd;
	struct loop_fd sigw;
	void (*on_signal)(void *ctx, const struct signalfd_siginfo *si);
	void *signal_ctx;
	uint64_t now, round, seq;
	bool stopped;
	int stop_code;
};

/* Room for MAX_FDS pollfds (a loop_fdset takes its max, the signalfd one).
 * OPS NULL: the real clock and poll(2); copied.  0 or -ENOMEM. */
int loop_init(struct loop *l, size_t max_fds, const struct loop_ops *ops);
/* Closes the signalfd (the signals stay blocked) and frees the arrays;
 * every watch, timer and deferral is forgotten unrun.  Safe on a zeroed
 * struct loop and on one freed already. */
void loop_free(struct loop *l);

/* The time read after this round's poll (before the first round: at
 * loop_init).  What every callback of a round should call "now". */
uint64_t loop_now(const struct loop *l);

/* 0, -EBUSY (W is added already), -ENOSPC (MAX_FDS reached). */
int loop_fd_add(struct loop *l, struct loop_fd *w);
/* From the next poll on. */
void loop_fd_events(struct loop_fd *w, short events);
/* Not called back any more; W not added: nothing.  Safe in any callback. */
void loop_fd_remove(struct loop_fd *w);

int loop_fdset_add(struct loop *l, struct loop_fdset *s);	/* as loop_fd_add */
void loop_fdset_remove(struct loop_fdset *s);

/* T fires at AT (loop_now's clock), once; armed again: the new time only.
 * 0 or -ENOSPC (LOOP_TIMERS_MAX armed). */
int loop_timer_arm(struct loop *l, struct loop_timer *t, uint64_t at);
void loop_timer_cancel(struct loop_timer *t);
static inline bool loop_timer_armed(const struct loop_timer *t)
{
	return t->loop != NULL;
}

/* D->fn runs at the end of this round (or the next, when called from
 * deferred work); queued already: nothing. */
void loop_defer(struct loop *l, struct loop_defer *d);

/* Blocks SET's signals and delivers them through one signalfd: CB once for
 * each, in a round's fd step (as an fd added now).  Once per loop.
 * 0, -EBUSY (called before), or -errno from sigprocmask/signalfd. */
int loop_signals(struct loop *l, const sigset_t *set,
		 void (*cb)(void *ctx, const struct signalfd_siginfo *si), void *ctx);

/* One round (above).  0 (poll interrupted by a signal included), or
 * -errno from poll(2): then nothing was dispatched. */
int loop_run_once(struct loop *l);
/* Rounds until loop_stop; returns its CODE, or poll's -errno. */
int loop_run(struct loop *l);
/* loop_run returns CODE after the current round. */
void loop_stop(struct loop *l, int code);

#endif
