#include "lib/loop.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"

static uint64_t real_now(void *ctx)
{
	(void)ctx;
	return monotonic_ms();
}

static int real_poll(void *ctx, struct pollfd *pfd, nfds_t n, int timeout_ms)
{
	(void)ctx;
	return poll(pfd, n, timeout_ms);
}

int loop_init(struct loop *l, size_t max_fds, const struct loop_ops *ops)
{
	memset(l, 0, sizeof(*l));
	l->sigfd = -1;
	l->defer_tail = &l->defer_head;
	if (ops)
		l->ops = *ops;
	if (!l->ops.now)
		l->ops.now = real_now;
	if (!l->ops.poll)
		l->ops.poll = real_poll;
	l->max_fds = max_fds;
	l->slots = calloc(max_fds ? max_fds : 1, sizeof(*l->slots));
	l->pfd = calloc(max_fds ? max_fds : 1, sizeof(*l->pfd));
	if (!l->slots || !l->pfd) {
		loop_free(l);
		return -ENOMEM;
	}
	l->now = l->ops.now(l->ops.ctx);
	return 0;
}

void loop_free(struct loop *l)
{
	/* Only a signalfd of its own: a zeroed struct loop frees nothing. */
	if (l->sigw.loop)
		close(l->sigfd);
	l->sigw.loop = NULL;
	free(l->slots);
	free(l->pfd);
	l->slots = NULL;
	l->pfd = NULL;
	l->sigfd = -1;
	l->max_fds = l->nslots = l->reserved = l->ntimers = 0;
	l->defer_head = NULL;
	l->defer_tail = &l->defer_head;
}

uint64_t loop_now(const struct loop *l)
{
	return l->now;
}

/* --- fds ------------------------------------------------------------------ */

/* A free slot for a watch of N pollfds, or -ENOSPC. */
static long take_slot(struct loop *l, size_t n)
{
	if (n > l->max_fds - l->reserved)
		return -ENOSPC;
	size_t i = 0;
	while (i < l->nslots && (l->slots[i].fd || l->slots[i].set))
		i++;
	if (i == l->nslots)
		l->nslots++;
	l->slots[i].gen++;
	l->reserved += n;
	return (long)i;
}

static void free_slot(struct loop *l, size_t i, size_t n)
{
	l->slots[i].fd = NULL;
	l->slots[i].set = NULL;
	l->slots[i].gen++;
	l->reserved -= n;
	while (l->nslots && !l->slots[l->nslots - 1].fd && !l->slots[l->nslots - 1].set)
		l->nslots--;
}

int loop_fd_add(struct loop *l, struct loop_fd *w)
{
	if (w->loop)
		return -EBUSY;
	long i = take_slot(l, 1);
	if (i < 0)
		return (int)i;
	l->slots[i].fd = w;
	w->loop = l;
	w->slot = (size_t)i;
	return 0;
}

void loop_fd_events(struct loop_fd *w, short events)
{
	w->events = events;
}

void loop_fd_remove(struct loop_fd *w)
{
	if (!w->loop)
		return;
	free_slot(w->loop, w->slot, 1);
	w->loop = NULL;
}

int loop_fdset_add(struct loop *l, struct loop_fdset *s)
{
	if (s->loop)
		return -EBUSY;
	long i = take_slot(l, s->max);
	if (i < 0)
		return (int)i;
	l->slots[i].set = s;
	s->loop = l;
	s->slot = (size_t)i;
	return 0;
}

void loop_fdset_remove(struct loop_fdset *s)
{
	if (!s->loop)
		return;
	free_slot(s->loop, s->slot, s->max);
	s->loop = NULL;
}

/* --- timers and deferred work ---------------------------------------------- */

int loop_timer_arm(struct loop *l, struct loop_timer *t, uint64_t at)
{
	if (!t->loop) {
		if (l->ntimers == LOOP_TIMERS_MAX)
			return -ENOSPC;
		l->timers[l->ntimers++] = t;
		t->loop = l;
	}
	t->at = at;
	t->seq = ++l->seq;
	t->round = l->round;
	return 0;
}

void loop_timer_cancel(struct loop_timer *t)
{
	struct loop *l = t->loop;
	if (!l)
		return;
	for (size_t i = 0; i < l->ntimers; i++)
		if (l->timers[i] == t) {
			l->timers[i] = l->timers[--l->ntimers];
			break;
		}
	t->loop = NULL;
}

void loop_defer(struct loop *l, struct loop_defer *d)
{
	if (d->queued)
		return;
	d->queued = true;
	d->next = NULL;
	*l->defer_tail = d;
	l->defer_tail = &d->next;
}

/* The due timer armed before this round that comes first, or NULL. */
static struct loop_timer *next_due(struct loop *l)
{
	struct loop_timer *best = NULL;
	for (size_t i = 0; i < l->ntimers; i++) {
		struct loop_timer *t = l->timers[i];
		if (t->at > l->now || t->round >= l->round)
			continue;
		if (!best || t->at < best->at || (t->at == best->at && t->seq < best->seq))
			best = t;
	}
	return best;
}

static void run_timers(struct loop *l)
{
	struct loop_timer *t;
	while ((t = next_due(l))) {
		loop_timer_cancel(t);
		if (t->cb)
			t->cb(l, t);
	}
}

/* What was queued until now; what that queues waits for the next round. */
static void run_deferred(struct loop *l)
{
	struct loop_defer *d = l->defer_head;
	l->defer_head = NULL;
	l->defer_tail = &l->defer_head;
	while (d) {
		struct loop_defer *next = d->next;
		d->queued = false;
		d->fn(d->ctx);
		d = next;
	}
}

/* --- signals ---------------------------------------------------------------- */

static void signals_ready(struct loop *l, struct loop_fd *w, short revents)
{
	struct signalfd_siginfo si;

	(void)w;
	(void)revents;
	while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		l->on_signal(l->signal_ctx, &si);
}

int loop_signals(struct loop *l, const sigset_t *set,
		 void (*cb)(void *ctx, const struct signalfd_siginfo *si), void *ctx)
{
	if (l->sigfd >= 0)
		return -EBUSY;
	if (sigprocmask(SIG_BLOCK, set, NULL) < 0)
		return -errno;
	l->sigfd = signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sigfd < 0)
		return -errno;
	l->on_signal = cb;
	l->signal_ctx = ctx;
	l->sigw = (struct loop_fd){ .fd = l->sigfd, .events = POLLIN, .cb = signals_ready };
	int rc = loop_fd_add(l, &l->sigw);
	if (rc < 0) {
		close(l->sigfd);
		l->sigfd = -1;
	}
	return rc;
}

/* --- a round ------------------------------------------------------------------ */

static int sleep_ms(const struct loop *l, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	if (l->defer_head)
		return 0;
	for (size_t i = 0; i < l->ntimers; i++)
		if (l->timers[i]->at < next)
			next = l->timers[i]->at;
	if (next == UINT64_MAX)
		return -1;
	if (next <= now)
		return 0;
	return next - now > INT_MAX ? INT_MAX : (int)(next - now);
}

/* Every watch's pollfds, each slot remembering where its own are. */
static size_t fill(struct loop *l)
{
	size_t n = 0;
	for (size_t i = 0; i < l->nslots; i++) {
		struct loop_slot *s = &l->slots[i];
		s->polled_gen = s->gen;
		s->first = n;
		s->n = 0;
		if (s->fd) {
			l->pfd[n] = (struct pollfd){ .fd = s->fd->fd, .events = s->fd->events };
			s->n = 1;
		} else if (s->set) {
			s->n = s->set->fill(s->set->ctx, &l->pfd[n]);
			if (s->n > s->set->max)
				s->n = s->set->max;
		}
		n += s->n;
	}
	return n;
}

static void dispatch_fds(struct loop *l, size_t nslots)
{
	for (size_t i = 0; i < nslots && i < l->nslots; i++) {
		struct loop_slot *s = &l->slots[i];
		bool seen = false;
		/* Removed, or taken by another watch, since the poll. */
		if (s->gen != s->polled_gen)
			continue;
		for (size_t k = s->first; k < s->first + s->n; k++)
			seen = seen || l->pfd[k].revents;
		if (!seen)
			continue;
		if (s->fd)
			s->fd->cb(l, s->fd, l->pfd[s->first].revents);
		else if (s->set)
			s->set->dispatch(s->set->ctx, &l->pfd[s->first], s->n);
	}
}

int loop_run_once(struct loop *l)
{
	size_t nslots = l->nslots;
	size_t n = fill(l);
	int r = l->ops.poll(l->ops.ctx, l->pfd, n, sleep_ms(l, l->ops.now(l->ops.ctx)));
	if (r < 0 && errno != EINTR)
		return -errno;
	l->round++;
	l->now = l->ops.now(l->ops.ctx);
	if (l->ops.woken)
		l->ops.woken(l->ops.ctx, l->now);
	if (r > 0)
		dispatch_fds(l, nslots);
	run_timers(l);
	run_deferred(l);
	return 0;
}

void loop_stop(struct loop *l, int code)
{
	l->stopped = true;
	l->stop_code = code;
}

int loop_run(struct loop *l)
{
	l->stopped = false;
	while (!l->stopped) {
		int rc = loop_run_once(l);
		if (rc < 0)
			return rc;
	}
	return l->stop_code;
}
