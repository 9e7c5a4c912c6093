/* The event loop: fds dispatched as poll saw them, watches removed from
 * inside callbacks, timers in order on a fake clock, deferred work after
 * the round, signals through the signalfd, and the bounds. */
#include "tests/unit/test_helpers.h"

#include <errno.h>
#include <signal.h>

#include "lib/loop.h"
#include "lib/util.h"

/* The fake clock: a poll that sees real fds at once, and when none is
 * ready sleeps by moving the clock on. */
static uint64_t fake_ms;
static int slept[32];
static size_t nslept;

static uint64_t fake_now(void *ctx)
{
	(void)ctx;
	return fake_ms;
}

static int fake_poll(void *ctx, struct pollfd *pfd, nfds_t n, int timeout_ms)
{
	(void)ctx;
	if (nslept < ARRAY_SIZE(slept))
		slept[nslept++] = timeout_ms;
	int r = poll(pfd, n, 0);
	if (r == 0 && timeout_ms < 0)
		fail_msg("the loop would sleep for ever");
	if (r == 0)
		fake_ms += (uint64_t)timeout_ms;
	return r;
}

static const struct loop_ops fake_ops = { .now = fake_now, .poll = fake_poll };

/* What ran, in order: a letter each. */
static char trace[64];

static void note(char c)
{
	size_t n = strlen(trace);
	assert_true(n + 1 < sizeof(trace));
	trace[n] = c;
	trace[n + 1] = '\0';
}

static int setup(void **state)
{
	(void)state;
	fake_ms = 1000;
	nslept = 0;
	trace[0] = '\0';
	return 0;
}

struct pipe_watch {
	struct loop_fd w;
	int fds[2];
	char name;
	struct pipe_watch *victim;	/* removed by this one's callback */
	struct pipe_watch *replacement;	/* added in the victim's slot, on its fd */
	struct loop_defer *defer;	/* queued by this one's callback */
};

static void pipe_cb(struct loop *l, struct loop_fd *w, short revents)
{
	struct pipe_watch *p = w->ctx;
	assert_true(revents & POLLIN);
	note(p->name);
	if (p->victim) {
		loop_fd_remove(&p->victim->w);
		if (p->replacement) {
			p->replacement->w.fd = p->victim->fds[0];
			assert_int_equal(loop_fd_add(l, &p->replacement->w), 0);
		}
	}
	if (p->defer)
		loop_defer(l, p->defer);
}

static void pipe_open(struct pipe_watch *p, char name, bool readable)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(pipe2(p->fds, O_NONBLOCK | O_CLOEXEC), 0);
	p->name = name;
	p->w = (struct loop_fd){ .fd = p->fds[0], .events = POLLIN, .cb = pipe_cb, .ctx = p };
	if (readable)
		assert_int_equal(write(p->fds[1], "x", 1), 1);
}

static void pipe_close(struct pipe_watch *p)
{
	loop_fd_remove(&p->w);
	close(p->fds[0]);
	close(p->fds[1]);
}

/* Only the fd that is ready is called back, in the order added. */
static void ready_fds_are_dispatched(void **state)
{
	struct loop l;
	struct pipe_watch a, b, c;

	(void)state;
	assert_int_equal(loop_init(&l, 8, &fake_ops), 0);
	pipe_open(&a, 'a', true);
	pipe_open(&b, 'b', false);
	pipe_open(&c, 'c', true);
	assert_int_equal(loop_fd_add(&l, &a.w), 0);
	assert_int_equal(loop_fd_add(&l, &b.w), 0);
	assert_int_equal(loop_fd_add(&l, &c.w), 0);
	assert_int_equal(loop_run_once(&l), 0);
	assert_string_equal(trace, "ac");
	/* No longer asked for: not polled for. */
	loop_fd_events(&c.w, 0);
	trace[0] = '\0';
	assert_int_equal(loop_run_once(&l), 0);
	assert_string_equal(trace, "a");
	pipe_close(&a);
	pipe_close(&b);
	pipe_close(&c);
	loop_free(&l);
}

/* A callback removing its own watch: called this once, never again, though
 * its fd stays readable. */
static void a_watch_removes_itself(void **state)
{
	struct loop l;
	struct pipe_watch a, b;

	(void)state;
	assert_int_equal(loop_init(&l, 8, &fake_ops), 0);
	pipe_open(&a, 'a', true);
	pipe_open(&b, 'b', true);
	a.victim = &a;
	assert_int_equal(loop_fd_add(&l, &a.w), 0);
	assert_int_equal(loop_fd_add(&l, &b.w), 0);
	assert_int_equal(loop_run_once(&l), 0);
	assert_int_equal(loop_run_once(&l), 0);
	assert_string_equal(trace, "abb");
	assert_null(a.w.loop);
	pipe_close(&a);
	pipe_close(&b);
	loop_free(&l);
}

/* A callback removing another watch that poll saw ready in the same round:
 * that one is not called back, nor is one added in its slot, on its fd,
 * for what this round's poll saw; the newcomer is from the next round on. */
static void a_watch_removes_another(void **state)
{
	struct loop l;
	struct pipe_watch a, b, c, d;

	(void)state;
	assert_int_equal(loop_init(&l, 8, &fake_ops), 0);
	pipe_open(&a, 'a', true);
	pipe_open(&b, 'b', true);
	pipe_open(&c, 'c', true);
	pipe_open(&d, 'd', false);
	a.victim = &b;
	a.replacement = &d;
	assert_int_equal(loop_fd_add(&l, &a.w), 0);
	assert_int_equal(loop_fd_add(&l, &b.w), 0);
	assert_int_equal(loop_fd_add(&l, &c.w), 0);
	assert_int_equal(loop_run_once(&l), 0);
	assert_string_equal(trace, "ac");
	assert_null(b.w.loop);
	assert_int_equal(d.w.slot, 1);
	a.victim = NULL;
	trace[0] = '\0';
	assert_int_equal(loop_run_once(&l), 0);
	assert_string_equal(trace, "adc");
	pipe_close(&a);
	pipe_close(&b);
	pipe_close(&c);
	d.w.fd = -1;
	loop_fd_remove(&d.w);
	close(d.fds[0]);
	close(d.fds[1]);
	loop_free(&l);
}

struct named_timer {
	struct loop_timer t;
	char name;
	unsigned rearm;			/* times to arm itself again, PERIOD on */
	uint64_t period;
	uint64_t fired_at;
};

static void timer_cb(struct loop *l, struct loop_timer *t)
{
	struct named_timer *n = t->ctx;
	note(n->name);
	n->fired_at = loop_now(l);
	if (n->rearm) {
		n->rearm--;
		assert_int_equal(loop_timer_arm(l, t, loop_now(l) + n->period), 0);
	}
}

#define NAMED_TIMER(v, c) struct named_timer v = { .t = { .cb = timer_cb, .ctx = &v }, .name = c }

/* Earliest first, ties in the order (last) armed, each at its time on the
 * fake clock; the loop sleeps exactly until the next; a cancelled one
 * never fires; armed again before it fires, the new time only; woken late,
 * the ones due fire in the order of their times, not of their arming. */
static void timers_fire_in_order(void **state)
{
	struct loop l;
	NAMED_TIMER(a, 'a');
	NAMED_TIMER(b, 'b');
	NAMED_TIMER(c, 'c');
	NAMED_TIMER(d, 'd');
	NAMED_TIMER(e, 'e');

	(void)state;
	assert_int_equal(loop_init(&l, 4, &fake_ops), 0);
	assert_int_equal(loop_timer_arm(&l, &a.t, 1300), 0);
	assert_int_equal(loop_timer_arm(&l, &b.t, 1100), 0);
	assert_int_equal(loop_timer_arm(&l, &c.t, 1200), 0);
	assert_int_equal(loop_timer_arm(&l, &d.t, 1100), 0);
	assert_int_equal(loop_timer_arm(&l, &e.t, 1050), 0);
	loop_timer_cancel(&e.t);
	assert_int_equal(loop_timer_arm(&l, &a.t, 1250), 0);
	assert_int_equal(loop_timer_arm(&l, &b.t, 1100), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(loop_run_once(&l), 0);
	assert_string_equal(trace, "dbca");
	assert_int_equal(nslept, 3);
	assert_int_equal(slept[0], 100);
	assert_int_equal(slept[1], 100);
	assert_int_equal(slept[2], 50);
	assert_int_equal(b.fired_at, 1100);
	assert_int_equal(c.fired_at, 1200);
	assert_int_equal(a.fired_at, 1250);
	assert_false(loop_timer_armed(&a.t));
	assert_int_equal(l.ntimers, 0);
	trace[0] = '\0';
	assert_int_equal(loop_timer_arm(&l, &a.t, 1500), 0);
	assert_int_equal(loop_timer_arm(&l, &b.t, 1400), 0);
	assert_int_equal(loop_timer_arm(&l, &c.t, 9000), 0);
	fake_ms = 2000;
	assert_int_equal(loop_run_once(&l), 0);
	assert_string_equal(trace, "ba");
	assert_true(loop_timer_armed(&c.t));
	loop_free(&l);
}

/* A timer armed again from its own callback fires again, once a round at
 * most, even when its new time has passed already. */
static void a_timer_rearms_itself(void **state)
{
	struct loop l;
	NAMED_TIMER(a, 'a');
	NAMED_TIMER(z, 'z');

	(void)state;
	a.rearm = 2;
	a.period = 500;
	z.rearm = 1;
	z.period = 0;
	assert_int_equal(loop_init(&l, 4, &fake_ops), 0);
	assert_int_equal(loop_timer_arm(&l, &a.t, 1500), 0);
	assert_int_equal(loop_timer_arm(&l, &z.t, 1000), 0);
	/* z at once; z again (armed for "now" from its callback) in the next
	 * round, not this one. */
	assert_int_equal(loop_run_once(&l), 0);
	assert_string_equal(trace, "z");
	assert_int_equal(loop_run_once(&l), 0);
	assert_string_equal(trace, "zz");
	for (int i = 0; i < 3; i++)
		assert_int_equal(loop_run_once(&l), 0);
	assert_string_equal(trace, "zzaaa");
	assert_int_equal(a.fired_at, 2500);
	assert_false(loop_timer_armed(&a.t));
	loop_free(&l);
}

struct deferred {
	struct loop_defer d;
	char name;
	struct loop *l;
	struct loop_defer *then;	/* queued by this one */
};

static void deferred_fn(void *ctx)
{
	struct deferred *x = ctx;
	note(x->name);
	if (x->then)
		loop_defer(x->l, x->then);
}

#define DEFERRED(v, c, loop) \
	struct deferred v = { .d = { .fn = deferred_fn, .ctx = &v }, .name = c, .l = loop }

/* Deferred work runs after every callback of the round, in the order
 * queued, once however often queued; what it queues runs in the next
 * round, which does not sleep for it. */
static void deferred_work_runs_after_the_round(void **state)
{
	struct loop l;
	struct pipe_watch a, b;
	NAMED_TIMER(t, 't');
	DEFERRED(x, 'x', &l);
	DEFERRED(y, 'y', &l);
	DEFERRED(z, 'z', &l);

	(void)state;
	assert_int_equal(loop_init(&l, 4, &fake_ops), 0);
	pipe_open(&a, 'a', true);
	pipe_open(&b, 'b', true);
	a.defer = &x.d;
	b.defer = &y.d;
	x.then = &z.d;
	assert_int_equal(loop_fd_add(&l, &a.w), 0);
	assert_int_equal(loop_fd_add(&l, &b.w), 0);
	assert_int_equal(loop_timer_arm(&l, &t.t, 1000), 0);
	loop_defer(&l, &y.d);		/* queued before: runs first */
	assert_int_equal(loop_run_once(&l), 0);
	assert_string_equal(trace, "abtyx");
	loop_fd_remove(&a.w);
	loop_fd_remove(&b.w);
	trace[0] = '\0';
	nslept = 0;
	assert_int_equal(loop_run_once(&l), 0);
	assert_string_equal(trace, "z");
	assert_int_equal(slept[0], 0);
	pipe_close(&a);
	pipe_close(&b);
	loop_free(&l);
}

static int signals_seen;
static uint32_t last_signo;

static void on_signal(void *ctx, const struct signalfd_siginfo *si)
{
	assert_ptr_equal(ctx, &signals_seen);
	signals_seen++;
	last_signo = si->ssi_signo;
}

/* A blocked signal arrives through the signalfd, as a callback in the
 * round; one loop has one signalfd. */
static void signals_are_delivered(void **state)
{
	struct loop l;
	sigset_t set, old;

	(void)state;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &old), 0);
	assert_int_equal(loop_init(&l, 4, NULL), 0);
	assert_int_equal(loop_signals(&l, &set, on_signal, &signals_seen), 0);
	assert_int_equal(loop_signals(&l, &set, on_signal, &signals_seen), -EBUSY);
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(loop_run_once(&l), 0);
	assert_int_equal(signals_seen, 1);
	assert_int_equal(last_signo, SIGUSR1);
	loop_free(&l);
	assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);
}

static size_t set_fill(void *ctx, struct pollfd *pfd)
{
	struct pipe_watch *p = ctx;
	pfd[0] = (struct pollfd){ .fd = p[0].fds[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = p[1].fds[0], .events = POLLIN };
	return 2;
}

static void set_dispatch(void *ctx, const struct pollfd *pfd, size_t n)
{
	struct pipe_watch *p = ctx;
	assert_int_equal(n, 2);
	assert_int_equal(pfd[0].fd, p[0].fds[0]);
	assert_int_equal(pfd[0].revents, 0);
	assert_true(pfd[1].revents & POLLIN);
	note('s');
}

/* A module's own pollfds come back to it with what poll saw. */
static void an_fdset_gets_its_pollfds_back(void **state)
{
	struct loop l;
	struct pipe_watch p[2];
	struct loop_fdset s = { .max = 2, .fill = set_fill, .dispatch = set_dispatch, .ctx = p };

	(void)state;
	pipe_open(&p[0], '0', false);
	pipe_open(&p[1], '1', true);
	assert_int_equal(loop_init(&l, 3, &fake_ops), 0);
	assert_int_equal(loop_fdset_add(&l, &s), 0);
	assert_int_equal(loop_run_once(&l), 0);
	assert_string_equal(trace, "s");
	loop_fdset_remove(&s);
	pipe_close(&p[0]);
	pipe_close(&p[1]);
	loop_free(&l);
}

/* Bounded: MAX_FDS pollfds, LOOP_TIMERS_MAX timers, told by an error. */
static void the_bounds_are_errors(void **state)
{
	struct loop l;
	struct loop_fd w[3];
	struct loop_fdset s = { .max = 2, .fill = set_fill, .dispatch = set_dispatch };
	struct loop_timer t[LOOP_TIMERS_MAX + 1];

	(void)state;
	memset(w, 0, sizeof(w));
	memset(t, 0, sizeof(t));
	assert_int_equal(loop_init(&l, 2, &fake_ops), 0);
	assert_int_equal(loop_fd_add(&l, &w[0]), 0);
	assert_int_equal(loop_fd_add(&l, &w[0]), -EBUSY);
	assert_int_equal(loop_fdset_add(&l, &s), -ENOSPC);
	assert_int_equal(loop_fd_add(&l, &w[1]), 0);
	assert_int_equal(loop_fd_add(&l, &w[2]), -ENOSPC);
	loop_fd_remove(&w[0]);
	assert_int_equal(loop_fd_add(&l, &w[2]), 0);
	for (size_t i = 0; i < LOOP_TIMERS_MAX; i++)
		assert_int_equal(loop_timer_arm(&l, &t[i], 5000), 0);
	assert_int_equal(loop_timer_arm(&l, &t[LOOP_TIMERS_MAX], 5000), -ENOSPC);
	/* Armed again: no second place taken. */
	assert_int_equal(loop_timer_arm(&l, &t[0], 6000), 0);
	loop_free(&l);
}

/* loop_run returns loop_stop's code after the round that called it. */
static void stop_cb(struct loop *l, struct loop_timer *t)
{
	(void)t;
	note('s');
	loop_stop(l, 7);
}

static void run_returns_the_stop_code(void **state)
{
	struct loop l;
	struct loop_timer t = { .cb = stop_cb };

	(void)state;
	assert_int_equal(loop_init(&l, 1, &fake_ops), 0);
	assert_int_equal(loop_timer_arm(&l, &t, 1200), 0);
	assert_int_equal(loop_run(&l), 7);
	assert_string_equal(trace, "s");
	assert_int_equal(loop_now(&l), 1200);
	loop_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(ready_fds_are_dispatched, setup),
		cmocka_unit_test_setup(a_watch_removes_itself, setup),
		cmocka_unit_test_setup(a_watch_removes_another, setup),
		cmocka_unit_test_setup(timers_fire_in_order, setup),
		cmocka_unit_test_setup(a_timer_rearms_itself, setup),
		cmocka_unit_test_setup(deferred_work_runs_after_the_round, setup),
		cmocka_unit_test_setup(signals_are_delivered, setup),
		cmocka_unit_test_setup(an_fdset_gets_its_pollfds_back, setup),
		cmocka_unit_test_setup(the_bounds_are_errors, setup),
		cmocka_unit_test_setup(run_returns_the_stop_code, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
