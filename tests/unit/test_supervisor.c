#include "tests/unit/test_helpers.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include "supervisor/supervisor.h"

#define EXITED(code) ((code) << 8)
#define MAX_EVENTS 64

/* The fake world: spawns hand out pids 100, 101, ...; readiness pipes are
 * real so that sup_ready_input() reads from a real fd. */
struct fake {
	pid_t next_pid;
	char spawned[MAX_EVENTS][SERVICE_NAME_MAX + 1];
	size_t nspawned;
	struct { pid_t pid; int sig; } killed[MAX_EVENTS];
	size_t nkilled;
	int ready_w[MAX_EVENTS];	/* by pid - 100 */
	int fail_spawn;
	pid_t next_check_pid;
	size_t nchecks;
};

static int fake_spawn_check(void *ctx, const struct service_config *cfg, pid_t *pid)
{
	struct fake *f = ctx;
	assert_non_null(cfg->ready_check);
	*pid = f->next_check_pid++;
	f->nchecks++;
	return 0;
}

static int fake_spawn(void *ctx, const struct service_config *cfg, pid_t *pid, int *ready_fd)
{
	struct fake *f = ctx;
	if (f->fail_spawn)
		return -ENOEXEC;
	*pid = f->next_pid++;
	strcpy(f->spawned[f->nspawned++], cfg->name);
	if (cfg->ready_fd >= 0) {
		int p[2];
		assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
		*ready_fd = p[0];
		f->ready_w[*pid - 100] = p[1];
	}
	return 0;
}

static void fake_kill(void *ctx, pid_t pid, int sig)
{
	struct fake *f = ctx;
	f->killed[f->nkilled].pid = pid;
	f->killed[f->nkilled++].sig = sig;
}

static char *test_argv[] = { "/bin/test-service", NULL };

struct world {
	struct fake fake;
	struct sysconfig cfg;
	struct supervisor sup;
	char *dep_names[8][4];
};

/* Services named "a", "b", ...; DEPS[i] lists service i's dependencies by
 * index, -1 terminated. */
static struct world *world_new(size_t n, const int deps[][4])
{
	struct world *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	w->fake.next_pid = 100;
	w->fake.next_check_pid = 500;
	w->cfg.services = calloc(n, sizeof(*w->cfg.services));
	w->cfg.nservices = n;
	for (size_t i = 0; i < n; i++) {
		struct service_config *s = &w->cfg.services[i];
		service_config_init(s);
		s->name[0] = (char)('a' + i);
		s->argv = test_argv;
		s->dep_idx = calloc(4, sizeof(size_t));
		for (size_t d = 0; deps && deps[i][d] >= 0 && d < 4; d++)
			s->dep_idx[s->ndepends++] = (size_t)deps[i][d];
	}
	struct supervisor_ops ops = { fake_spawn, fake_spawn_check, fake_kill, &w->fake };
	assert_int_equal(sup_init(&w->sup, &w->cfg, &ops), 0);
	return w;
}

static void world_free(struct world *w)
{
	for (size_t i = 0; i < MAX_EVENTS; i++)
		if (w->fake.ready_w[i] > 0)
			close(w->fake.ready_w[i]);
	sup_free(&w->sup);
	for (size_t i = 0; i < w->cfg.nservices; i++)
		free(w->cfg.services[i].dep_idx);
	free(w->cfg.services);
	free(w);
}

static struct service *svc(struct world *w, char name)
{
	return &w->sup.svc[name - 'a'];
}

static void services_start_in_dependency_order(void **state)
{
	static const int deps[][4] = { { -1 }, { 0, -1 }, { 1, -1 } };
	struct world *w = world_new(3, deps);
	(void)state;
	capture_begin();
	sup_tick(&w->sup, 0);
	capture_end();
	assert_int_equal(w->fake.nspawned, 3);
	assert_string_equal(w->fake.spawned[0], "a");
	assert_string_equal(w->fake.spawned[1], "b");
	assert_string_equal(w->fake.spawned[2], "c");
	assert_int_equal(svc(w, 'c')->state, SVC_UP);
	world_free(w);
}

static void dependant_waits_for_readiness(void **state)
{
	static const int deps[][4] = { { -1 }, { 0, -1 } };
	struct world *w = world_new(2, deps);
	(void)state;
	w->cfg.services[0].ready_fd = 3;
	capture_begin();
	sup_tick(&w->sup, 0);
	assert_int_equal(w->fake.nspawned, 1);
	assert_int_equal(svc(w, 'a')->state, SVC_STARTING);
	sup_tick(&w->sup, 50);
	assert_int_equal(w->fake.nspawned, 1);

	/* A partial line is not readiness yet. */
	assert_int_equal(write(w->fake.ready_w[0], "ok", 2), 2);
	sup_ready_input(&w->sup, 0, 60);
	assert_int_equal(svc(w, 'a')->state, SVC_STARTING);
	assert_int_equal(write(w->fake.ready_w[0], "\n", 1), 1);
	sup_ready_input(&w->sup, 0, 70);
	assert_int_equal(svc(w, 'a')->state, SVC_UP);
	assert_int_equal(svc(w, 'a')->ready_fd, -1);
	sup_tick(&w->sup, 70);
	const char *log = capture_end();
	assert_int_equal(w->fake.nspawned, 2);
	assert_string_equal(w->fake.spawned[1], "b");
	assert_contains(log, "service a is ready (pid 100, after 70 ms)");
	world_free(w);
}

static void death_restarts_after_growing_backoff(void **state)
{
	struct world *w = world_new(1, NULL);
	uint64_t now = 0;
	(void)state;
	capture_begin();
	sup_tick(&w->sup, now);
	const uint32_t expect[] = { 100, 200, 400, 800 };
	for (size_t i = 0; i < 4; i++) {
		now += 10;
		assert_true(sup_child_exited(&w->sup, svc(w, 'a')->pid, SIGKILL, now));
		assert_int_equal(svc(w, 'a')->state, SVC_BACKOFF);
		assert_int_equal(sup_next_deadline(&w->sup), now + expect[i]);
		sup_tick(&w->sup, now + expect[i] - 1);
		assert_int_equal(w->fake.nspawned, i + 1);
		now += expect[i];
		sup_tick(&w->sup, now);
		assert_int_equal(w->fake.nspawned, i + 2);
		assert_int_equal(svc(w, 'a')->state, SVC_UP);
	}
	const char *log = capture_end();
	assert_int_equal(svc(w, 'a')->restarts, 4);
	assert_contains(log, "service a killed by SIGKILL; restarting in 100 ms");
	assert_contains(log, "restarting in 800 ms");
	world_free(w);
}

static void long_run_resets_the_backoff(void **state)
{
	struct world *w = world_new(1, NULL);
	(void)state;
	capture_begin();
	sup_tick(&w->sup, 0);
	sup_child_exited(&w->sup, 100, SIGKILL, 10);
	sup_tick(&w->sup, 110);
	sup_child_exited(&w->sup, 101, SIGKILL, 120);
	assert_int_equal(sup_next_deadline(&w->sup), 120 + 200);
	sup_tick(&w->sup, 320);
	/* Up for a whole start-limit interval: the next death is a first one. */
	sup_child_exited(&w->sup, 102, SIGKILL, 320 + 10000);
	capture_end();
	assert_int_equal(sup_next_deadline(&w->sup), 320 + 10000 + 100);
	world_free(w);
}

static void crash_loop_ends_in_failed_until_restart(void **state)
{
	struct world *w = world_new(1, NULL);
	uint64_t now = 0;
	(void)state;
	w->cfg.services[0].start_limit_burst = 3;
	w->cfg.services[0].backoff_max_ms = 100;
	capture_begin();
	sup_tick(&w->sup, now);
	for (int i = 0; i < 4; i++) {
		now += 5;
		sup_child_exited(&w->sup, svc(w, 'a')->pid, EXITED(1), now);
		now += 100;
		sup_tick(&w->sup, now);
	}
	assert_int_equal(svc(w, 'a')->state, SVC_FAILED);
	assert_int_equal(w->fake.nspawned, 4);
	assert_int_equal(sup_next_deadline(&w->sup), UINT64_MAX);
	sup_tick(&w->sup, now + 60000);
	assert_int_equal(w->fake.nspawned, 4);

	assert_int_equal(sup_restart(&w->sup, "a", now + 60000), 0);
	sup_tick(&w->sup, now + 60000);
	const char *log = capture_end();
	assert_int_equal(w->fake.nspawned, 5);
	assert_int_equal(svc(w, 'a')->state, SVC_UP);
	assert_contains(log, "service a failed: it died more than 3 times in 10000 ms");
	assert_contains(log, "bulkhead ctl restart a");
	world_free(w);
}

static void restart_policies_are_applied(void **state)
{
	struct world *w = world_new(3, NULL);
	(void)state;
	w->cfg.services[0].restart = RESTART_NEVER;
	w->cfg.services[1].restart = RESTART_ON_FAILURE;
	w->cfg.services[2].restart = RESTART_ON_FAILURE;
	capture_begin();
	sup_tick(&w->sup, 0);
	sup_child_exited(&w->sup, 100, EXITED(1), 10);
	sup_child_exited(&w->sup, 101, EXITED(0), 10);
	sup_child_exited(&w->sup, 102, EXITED(2), 10);
	capture_end();
	assert_int_equal(svc(w, 'a')->state, SVC_STOPPED);
	assert_int_equal(svc(w, 'b')->state, SVC_STOPPED);
	assert_int_equal(svc(w, 'c')->state, SVC_BACKOFF);
	assert_int_equal(svc(w, 'a')->last_status, EXITED(1));
	world_free(w);
}

static void unknown_pid_is_not_a_service(void **state)
{
	struct world *w = world_new(1, NULL);
	(void)state;
	capture_begin();
	sup_tick(&w->sup, 0);
	capture_end();
	assert_false(sup_child_exited(&w->sup, 4242, 0, 1));
	assert_int_equal(svc(w, 'a')->state, SVC_UP);
	world_free(w);
}

static void shutdown_stops_dependants_first(void **state)
{
	static const int deps[][4] = { { -1 }, { 0, -1 }, { 1, -1 } };
	struct world *w = world_new(3, deps);
	(void)state;
	capture_begin();
	sup_tick(&w->sup, 0);
	sup_begin_shutdown(&w->sup, 100);
	sup_tick(&w->sup, 100);
	assert_int_equal(w->fake.nkilled, 1);
	assert_int_equal(w->fake.killed[0].pid, 102);	/* c */
	assert_int_equal(w->fake.killed[0].sig, SIGTERM);
	sup_tick(&w->sup, 200);
	assert_int_equal(w->fake.nkilled, 1);
	sup_child_exited(&w->sup, 102, SIGTERM, 300);
	sup_tick(&w->sup, 300);
	assert_int_equal(w->fake.killed[1].pid, 101);	/* b */
	sup_child_exited(&w->sup, 101, SIGTERM, 400);
	sup_tick(&w->sup, 400);
	assert_int_equal(w->fake.killed[2].pid, 100);	/* a */
	assert_false(sup_all_stopped(&w->sup));
	sup_child_exited(&w->sup, 100, SIGTERM, 500);
	sup_tick(&w->sup, 500);
	capture_end();
	assert_true(sup_all_stopped(&w->sup));
	assert_int_equal(w->fake.nkilled, 3);
	assert_int_equal(w->fake.nspawned, 3);	/* nothing restarted */
	world_free(w);
}

static void shutdown_order_goes_through_a_finished_oneshot(void **state)
{
	/* c depends on b, a oneshot that is done, which depends on a: as
	 * xenconsoled, xen-init-dom0 and xenstored. */
	static const int deps[][4] = { { -1 }, { 0, -1 }, { 1, -1 } };
	struct world *w = world_new(3, deps);
	(void)state;
	w->cfg.services[1].oneshot = true;
	capture_begin();
	sup_tick(&w->sup, 0);
	sup_child_exited(&w->sup, 101, EXITED(0), 10);
	sup_tick(&w->sup, 10);
	assert_int_equal(svc(w, 'c')->state, SVC_UP);
	sup_begin_shutdown(&w->sup, 20);
	sup_tick(&w->sup, 20);
	assert_int_equal(w->fake.nkilled, 1);
	assert_int_equal(w->fake.killed[0].pid, 102);	/* c, not a */
	sup_child_exited(&w->sup, 102, SIGTERM, 30);
	sup_tick(&w->sup, 30);
	capture_end();
	assert_int_equal(w->fake.nkilled, 2);
	assert_int_equal(w->fake.killed[1].pid, 100);	/* then a */
	world_free(w);
}

static void stop_escalates_to_sigkill_after_grace(void **state)
{
	struct world *w = world_new(1, NULL);
	(void)state;
	w->cfg.services[0].stop_grace_ms = 500;
	capture_begin();
	sup_tick(&w->sup, 0);
	sup_begin_shutdown(&w->sup, 1000);
	sup_tick(&w->sup, 1000);
	assert_int_equal(sup_next_deadline(&w->sup), 1500);
	sup_tick(&w->sup, 1499);
	assert_int_equal(w->fake.nkilled, 1);
	sup_tick(&w->sup, 1500);
	const char *log = capture_end();
	assert_int_equal(w->fake.nkilled, 2);
	assert_int_equal(w->fake.killed[1].sig, SIGKILL);
	assert_contains(log, "did not stop within 500 ms; sending SIGKILL");
	world_free(w);
}

static void ready_timeout_kills_and_counts_a_failure(void **state)
{
	struct world *w = world_new(1, NULL);
	(void)state;
	w->cfg.services[0].ready_fd = 3;
	w->cfg.services[0].ready_timeout_ms = 2000;
	capture_begin();
	sup_tick(&w->sup, 0);
	assert_int_equal(sup_next_deadline(&w->sup), 2000);
	sup_tick(&w->sup, 2000);
	assert_int_equal(w->fake.nkilled, 1);
	assert_int_equal(w->fake.killed[0].sig, SIGKILL);
	sup_child_exited(&w->sup, 100, SIGKILL, 2010);
	const char *log = capture_end();
	assert_int_equal(svc(w, 'a')->state, SVC_BACKOFF);
	assert_int_equal(svc(w, 'a')->restarts, 1);
	assert_contains(log, "was not ready after 2000 ms");
	world_free(w);
}

static void user_restart_is_not_a_death(void **state)
{
	struct world *w = world_new(1, NULL);
	(void)state;
	capture_begin();
	sup_tick(&w->sup, 0);
	assert_int_equal(sup_restart(&w->sup, "a", 10), 0);
	assert_int_equal(w->fake.killed[0].sig, SIGTERM);
	assert_int_equal(svc(w, 'a')->state, SVC_STOPPING);
	sup_child_exited(&w->sup, 100, SIGTERM, 20);
	sup_tick(&w->sup, 20);
	capture_end();
	assert_int_equal(w->fake.nspawned, 2);
	assert_int_equal(svc(w, 'a')->state, SVC_UP);
	assert_int_equal(svc(w, 'a')->restarts, 0);
	assert_int_equal(sup_restart(&w->sup, "zz", 30), -ENOENT);
	world_free(w);
}

static void no_restart_while_shutting_down(void **state)
{
	struct world *w = world_new(1, NULL);
	(void)state;
	capture_begin();
	sup_tick(&w->sup, 0);
	sup_begin_shutdown(&w->sup, 10);
	assert_int_equal(sup_restart(&w->sup, "a", 10), -ESHUTDOWN);
	sup_child_exited(&w->sup, 100, SIGKILL, 20);
	sup_tick(&w->sup, 5000);
	capture_end();
	assert_int_equal(w->fake.nspawned, 1);
	assert_true(sup_all_stopped(&w->sup));
	world_free(w);
}

static void spawn_failure_backs_off_like_a_death(void **state)
{
	struct world *w = world_new(1, NULL);
	(void)state;
	w->fake.fail_spawn = 1;
	capture_begin();
	sup_tick(&w->sup, 0);
	const char *log = capture_end();
	assert_int_equal(svc(w, 'a')->state, SVC_BACKOFF);
	assert_contains(log, "service a: cannot start /bin/test-service");
	world_free(w);
}

static void kill_all_sends_sigkill_to_every_running_service(void **state)
{
	struct world *w = world_new(2, NULL);
	(void)state;
	capture_begin();
	sup_tick(&w->sup, 0);
	sup_begin_shutdown(&w->sup, 10);
	sup_kill_all(&w->sup);
	capture_end();
	assert_int_equal(w->fake.nkilled, 2);
	assert_int_equal(w->fake.killed[0].sig, SIGKILL);
	assert_int_equal(w->fake.killed[1].sig, SIGKILL);
	world_free(w);
}

static char *check_argv[] = { "/bin/check", NULL };

static void oneshot_done_lets_dependants_start(void **state)
{
	static const int deps[][4] = { { -1 }, { 0, -1 } };
	struct world *w = world_new(2, deps);
	(void)state;
	w->cfg.services[0].oneshot = true;
	capture_begin();
	sup_tick(&w->sup, 0);
	assert_int_equal(w->fake.nspawned, 1);
	assert_int_equal(svc(w, 'a')->state, SVC_STARTING);
	sup_child_exited(&w->sup, 100, EXITED(0), 30);
	assert_int_equal(svc(w, 'a')->state, SVC_DONE);
	sup_tick(&w->sup, 30);
	const char *log = capture_end();
	assert_int_equal(w->fake.nspawned, 2);
	assert_string_equal(w->fake.spawned[1], "b");
	assert_contains(log, "service a done (after 30 ms)");
	/* Done is not running: nothing to stop at shutdown. */
	sup_begin_shutdown(&w->sup, 40);
	assert_int_equal(svc(w, 'a')->pid, 0);
	world_free(w);
}

static void oneshot_failure_follows_the_restart_policy(void **state)
{
	struct world *w = world_new(1, NULL);
	(void)state;
	w->cfg.services[0].oneshot = true;
	capture_begin();
	sup_tick(&w->sup, 0);
	sup_child_exited(&w->sup, 100, EXITED(1), 10);
	capture_end();
	assert_int_equal(svc(w, 'a')->state, SVC_BACKOFF);
	world_free(w);
}

static void ready_check_runs_until_it_passes(void **state)
{
	static const int deps[][4] = { { -1 }, { 0, -1 } };
	struct world *w = world_new(2, deps);
	(void)state;
	w->cfg.services[0].ready_check = check_argv;
	const uint64_t I = READY_CHECK_INTERVAL_MS;
	capture_begin();
	sup_tick(&w->sup, 0);
	assert_int_equal(w->fake.nspawned, 1);
	assert_int_equal(sup_next_deadline(&w->sup), I);
	sup_tick(&w->sup, I - 1);
	assert_int_equal(w->fake.nchecks, 0);
	sup_tick(&w->sup, I);
	assert_int_equal(w->fake.nchecks, 1);
	assert_true(sup_child_exited(&w->sup, 500, EXITED(1), I + 20));
	assert_int_equal(svc(w, 'a')->state, SVC_STARTING);
	assert_int_equal(sup_next_deadline(&w->sup), 2 * I + 20);
	sup_tick(&w->sup, 2 * I + 19);
	assert_int_equal(w->fake.nchecks, 1);
	sup_tick(&w->sup, 2 * I + 20);
	assert_int_equal(w->fake.nchecks, 2);
	assert_int_equal(w->fake.nspawned, 1);
	assert_true(sup_child_exited(&w->sup, 501, EXITED(0), 250));
	assert_int_equal(svc(w, 'a')->state, SVC_UP);
	sup_tick(&w->sup, 250);
	const char *log = capture_end();
	assert_int_equal(w->fake.nspawned, 2);
	assert_contains(log, "service a is ready (pid 100, check passed after 250 ms)");
	world_free(w);
}

static void death_kills_a_running_check(void **state)
{
	struct world *w = world_new(1, NULL);
	(void)state;
	w->cfg.services[0].ready_check = check_argv;
	capture_begin();
	sup_tick(&w->sup, 0);
	sup_tick(&w->sup, READY_CHECK_INTERVAL_MS);
	sup_child_exited(&w->sup, 100, SIGSEGV, READY_CHECK_INTERVAL_MS + 10);
	capture_end();
	assert_int_equal(w->fake.nkilled, 1);
	assert_int_equal(w->fake.killed[0].pid, 500);
	assert_int_equal(w->fake.killed[0].sig, SIGKILL);
	/* The check's own exit later changes nothing. */
	assert_true(sup_child_exited(&w->sup, 500, SIGKILL, READY_CHECK_INTERVAL_MS + 20));
	assert_int_equal(svc(w, 'a')->state, SVC_BACKOFF);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(services_start_in_dependency_order),
		cmocka_unit_test(dependant_waits_for_readiness),
		cmocka_unit_test(death_restarts_after_growing_backoff),
		cmocka_unit_test(long_run_resets_the_backoff),
		cmocka_unit_test(crash_loop_ends_in_failed_until_restart),
		cmocka_unit_test(restart_policies_are_applied),
		cmocka_unit_test(unknown_pid_is_not_a_service),
		cmocka_unit_test(shutdown_stops_dependants_first),
		cmocka_unit_test(shutdown_order_goes_through_a_finished_oneshot),
		cmocka_unit_test(stop_escalates_to_sigkill_after_grace),
		cmocka_unit_test(ready_timeout_kills_and_counts_a_failure),
		cmocka_unit_test(user_restart_is_not_a_death),
		cmocka_unit_test(no_restart_while_shutting_down),
		cmocka_unit_test(spawn_failure_backs_off_like_a_death),
		cmocka_unit_test(kill_all_sends_sigkill_to_every_running_service),
		cmocka_unit_test(oneshot_done_lets_dependants_start),
		cmocka_unit_test(oneshot_failure_follows_the_restart_policy),
		cmocka_unit_test(ready_check_runs_until_it_passes),
		cmocka_unit_test(death_kills_a_running_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
