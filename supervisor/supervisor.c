#include "supervisor/supervisor.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"

const char *const svc_state_names[] = {
	[SVC_WAITING] = "waiting",
	[SVC_STARTING] = "starting",
	[SVC_UP] = "up",
	[SVC_BACKOFF] = "backoff",
	[SVC_STOPPING] = "stopping",
	[SVC_STOPPED] = "stopped",
	[SVC_FAILED] = "failed",
	[SVC_DONE] = "done",
};

int sup_init(struct supervisor *sup, const struct sysconfig *cfg, const struct supervisor_ops *ops)
{
	memset(sup, 0, sizeof(*sup));
	sup->ops = *ops;
	sup->svc = calloc(cfg->nservices ? cfg->nservices : 1, sizeof(*sup->svc));
	if (!sup->svc)
		return -ENOMEM;
	sup->n = cfg->nservices;
	for (size_t i = 0; i < sup->n; i++) {
		sup->svc[i].cfg = &cfg->services[i];
		sup->svc[i].state = SVC_WAITING;
		sup->svc[i].ready_fd = -1;
		sup->svc[i].last_status = -1;
	}
	return 0;
}

void sup_free(struct supervisor *sup)
{
	for (size_t i = 0; i < sup->n; i++)
		if (sup->svc[i].ready_fd >= 0)
			close(sup->svc[i].ready_fd);
	free(sup->svc);
	memset(sup, 0, sizeof(*sup));
}

bool policy_wants_restart(enum restart_policy policy, int status)
{
	switch (policy) {
	case RESTART_ALWAYS:
		return true;
	case RESTART_ON_FAILURE:
		return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	case RESTART_NEVER:
		return false;
	}
	return false;
}

static void set_state(struct service *s, enum svc_state state, uint64_t now, uint64_t deadline)
{
	s->state = state;
	s->since = now;
	s->deadline = deadline;
}

static void close_ready(struct service *s)
{
	if (s->ready_fd >= 0)
		close(s->ready_fd);
	s->ready_fd = -1;
}

static bool deps_up(const struct supervisor *sup, const struct service *s)
{
	for (size_t d = 0; d < s->cfg->ndepends; d++) {
		enum svc_state st = sup->svc[s->cfg->dep_idx[d]].state;
		if (st != SVC_UP && st != SVC_DONE)
			return false;
	}
	return true;
}

/* Whether service J depends on service I, directly or through others (a
 * oneshot in between has no process, but what it set up still matters).
 * The config has no cycles; DEPTH bounds the walk all the same. */
static bool depends_on(const struct supervisor *sup, size_t j, size_t i, size_t depth)
{
	const struct service_config *c = sup->svc[j].cfg;
	for (size_t d = 0; d < c->ndepends && depth < sup->n; d++) {
		size_t k = c->dep_idx[d];
		if (k == i || depends_on(sup, k, i, depth + 1))
			return true;
	}
	return false;
}

/* Whether some running service depends on service I. */
static bool has_running_dependant(const struct supervisor *sup, size_t i)
{
	for (size_t j = 0; j < sup->n; j++)
		if (sup->svc[j].pid > 0 && depends_on(sup, j, i, 0))
			return true;
	return false;
}

static void service_died(struct supervisor *sup, struct service *s, int status, uint64_t now);

static void start(struct supervisor *sup, struct service *s, uint64_t now)
{
	pid_t pid = -1;
	int ready_fd = -1;
	int r = sup->ops.spawn(sup->ops.ctx, s->cfg, &pid, &ready_fd);
	if (r < 0) {
		log_err("supervisor", "service %s: cannot start %s: %s", s->cfg->name,
			s->cfg->argv[0], strerror(-r));
		/* Counted like a death so that the backoff and start limit apply. */
		service_died(sup, s, 127 << 8, now);
		return;
	}
	s->pid = pid;
	s->ready_fd = ready_fd;
	s->started_at = now;
	s->killed = false;
	if (s->cfg->ready_fd >= 0 || s->cfg->ready_check || s->cfg->oneshot) {
		uint64_t timeout = s->cfg->ready_timeout_ms ? now + s->cfg->ready_timeout_ms : 0;
		set_state(s, SVC_STARTING, now, timeout);
		/* A check right at fork time would only find the service unborn. */
		s->next_check = now + READY_CHECK_INTERVAL_MS;
		log_info("supervisor", "service %s started (pid %d), waiting for it to %s",
			 s->cfg->name, pid, s->cfg->oneshot ? "finish" : "be ready");
	} else {
		set_state(s, SVC_UP, now, 0);
		log_notice("supervisor", "service %s started (pid %d)", s->cfg->name, pid);
	}
	log_event("supervisor", "service-started", "name=%s pid=%d", s->cfg->name, pid);
}

/* A check of a service that is gone is of no use; it is reaped later. */
static void kill_check(struct supervisor *sup, struct service *s)
{
	if (s->check_pid > 0)
		sup->ops.kill(sup->ops.ctx, s->check_pid, SIGKILL);
}

static void stop(struct supervisor *sup, struct service *s, uint64_t now)
{
	kill_check(sup, s);
	s->stop_requested = true;
	close_ready(s);
	set_state(s, SVC_STOPPING, now, now + s->cfg->stop_grace_ms);
	log_notice("supervisor", "stopping service %s (pid %d)", s->cfg->name, s->pid);
	log_event("supervisor", "service-stopping", "name=%s pid=%d", s->cfg->name, s->pid);
	sup->ops.kill(sup->ops.ctx, s->pid, SIGTERM);
}

static void service_died(struct supervisor *sup, struct service *s, int status, uint64_t now)
{
	char how[64], word[32];
	describe_wait_status(status, how, sizeof(how));
	wait_status_word(status, word, sizeof(word));
	s->last_status = status;
	log_event("supervisor", "service-exited", "name=%s status=%s", s->cfg->name, word);

	kill_check(sup, s);
	if (sup->shutting_down) {
		set_state(s, SVC_STOPPED, now, 0);
		return;
	}
	if (s->cfg->oneshot && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		s->failures = 0;
		set_state(s, SVC_DONE, now, 0);
		log_notice("supervisor", "service %s done (after %llu ms)", s->cfg->name,
			   (unsigned long long)(now - s->started_at));
		log_event("supervisor", "service-done", "name=%s ms=%llu", s->cfg->name,
			  (unsigned long long)(now - s->started_at));
		return;
	}
	/* A service that stayed up for a whole start-limit interval has
	 * recovered: its next death starts the backoff from the beginning. */
	if (s->pid > 0 && now - s->started_at >= s->cfg->start_limit_interval_ms)
		s->failures = 0;
	if (policy_record_death(&s->deaths, now, s->cfg->start_limit_burst,
				s->cfg->start_limit_interval_ms)) {
		set_state(s, SVC_FAILED, now, 0);
		log_err("supervisor", "service %s failed: it died more than %u times in %u ms "
			"(last: %s); not restarted until `bulkhead ctl restart %s'",
			s->cfg->name, s->cfg->start_limit_burst, s->cfg->start_limit_interval_ms,
			how, s->cfg->name);
		log_event("supervisor", "service-failed", "name=%s", s->cfg->name);
		return;
	}
	if (!policy_wants_restart(s->cfg->restart, status)) {
		set_state(s, SVC_STOPPED, now, 0);
		log_notice("supervisor", "service %s %s; not restarted (restart = \"%s\")",
			   s->cfg->name, how, restart_policy_names[s->cfg->restart]);
		return;
	}
	s->failures++;
	s->restarts++;
	uint32_t delay = policy_backoff_ms(s->failures, s->cfg->backoff_max_ms);
	set_state(s, SVC_BACKOFF, now, now + delay);
	log_warn("supervisor", "service %s %s; restarting in %u ms", s->cfg->name, how, delay);
	log_event("supervisor", "service-restart", "name=%s status=%s in_ms=%u", s->cfg->name,
		  word, delay);
}

static void check_exited(struct service *s, int status, uint64_t now)
{
	s->check_pid = 0;
	if (s->state != SVC_STARTING)
		return;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		set_state(s, SVC_UP, now, 0);
		log_notice("supervisor", "service %s is ready (pid %d, check passed after %llu ms)",
			   s->cfg->name, s->pid, (unsigned long long)(now - s->started_at));
		log_event("supervisor", "service-ready", "name=%s pid=%d ms=%llu", s->cfg->name,
			  s->pid, (unsigned long long)(now - s->started_at));
		return;
	}
	s->next_check = now + READY_CHECK_INTERVAL_MS;
}

bool sup_child_exited(struct supervisor *sup, pid_t pid, int status, uint64_t now)
{
	for (size_t i = 0; i < sup->n; i++) {
		if (sup->svc[i].check_pid == pid) {
			check_exited(&sup->svc[i], status, now);
			return true;
		}
	}
	struct service *s = NULL;
	for (size_t i = 0; i < sup->n && !s; i++)
		if (sup->svc[i].pid == pid)
			s = &sup->svc[i];
	if (!s)
		return false;

	close_ready(s);
	if (s->stop_requested) {
		char how[64];
		describe_wait_status(status, how, sizeof(how));
		s->pid = 0;
		s->stop_requested = false;
		s->last_status = status;
		set_state(s, SVC_STOPPED, now, 0);
		log_notice("supervisor", "service %s stopped (%s)", s->cfg->name, how);
		wait_status_word(status, how, sizeof(how));
		log_event("supervisor", "service-stopped", "name=%s status=%s", s->cfg->name, how);
		if (s->start_after_stop && !sup->shutting_down) {
			s->start_after_stop = false;
			set_state(s, SVC_WAITING, now, 0);
		}
		return true;
	}
	service_died(sup, s, status, now);
	s->pid = 0;
	return true;
}

void sup_ready_input(struct supervisor *sup, size_t i, uint64_t now)
{
	struct service *s = &sup->svc[i];
	char buf[256];
	ssize_t n = read(s->ready_fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0 && !memchr(buf, '\n', (size_t)n))
		return;
	close_ready(s);
	if (n <= 0) {
		log_warn("supervisor", "service %s closed its readiness fd %d without a line; "
			 "it stays in \"starting\"", s->cfg->name, s->cfg->ready_fd);
		return;
	}
	if (s->state == SVC_STARTING) {
		set_state(s, SVC_UP, now, 0);
		log_notice("supervisor", "service %s is ready (pid %d, after %llu ms)",
			   s->cfg->name, s->pid, (unsigned long long)(now - s->started_at));
		log_event("supervisor", "service-ready", "name=%s pid=%d ms=%llu", s->cfg->name,
			  s->pid, (unsigned long long)(now - s->started_at));
	}
}

static void run_check(struct supervisor *sup, struct service *s, uint64_t now)
{
	pid_t pid = 0;
	int r = sup->ops.spawn_check(sup->ops.ctx, s->cfg, &pid);
	if (r < 0) {
		log_warn("supervisor", "service %s: cannot run its ready_check: %s", s->cfg->name,
			 strerror(-r));
		s->next_check = now + READY_CHECK_INTERVAL_MS;
		return;
	}
	s->check_pid = pid;
}

static void tick_one(struct supervisor *sup, struct service *s, uint64_t now)
{
	switch (s->state) {
	case SVC_BACKOFF:
		if (now < s->deadline)
			break;
		set_state(s, SVC_WAITING, now, 0);
		/* fall through */
	case SVC_WAITING:
		if (!sup->shutting_down && deps_up(sup, s))
			start(sup, s, now);
		break;
	case SVC_STARTING:
		if (s->deadline && now >= s->deadline && !s->killed) {
			log_err("supervisor", "service %s was not %s after %u ms; killing it",
				s->cfg->name, s->cfg->oneshot ? "done" : "ready",
				s->cfg->ready_timeout_ms);
			s->killed = true;
			s->deadline = 0;
			kill_check(sup, s);
			sup->ops.kill(sup->ops.ctx, s->pid, SIGKILL);
		} else if (s->cfg->ready_check && s->check_pid <= 0 && now >= s->next_check) {
			run_check(sup, s, now);
		}
		break;
	case SVC_STOPPING:
		if (!s->killed && now >= s->deadline) {
			log_warn("supervisor", "service %s did not stop within %u ms; sending SIGKILL",
				 s->cfg->name, s->cfg->stop_grace_ms);
			s->killed = true;
			sup->ops.kill(sup->ops.ctx, s->pid, SIGKILL);
		}
		break;
	case SVC_UP:
	case SVC_STOPPED:
	case SVC_FAILED:
	case SVC_DONE:
	case SVC_STATE_COUNT:
		break;
	}
}

void sup_tick(struct supervisor *sup, uint64_t now)
{
	/* Dependency order: a service that becomes ready lets its dependants
	 * start in the same tick. */
	for (size_t i = 0; i < sup->n; i++)
		tick_one(sup, &sup->svc[i], now);
	if (!sup->shutting_down)
		return;
	for (size_t i = sup->n; i-- > 0;) {
		struct service *s = &sup->svc[i];
		if (s->pid > 0 && s->state != SVC_STOPPING && !has_running_dependant(sup, i))
			stop(sup, s, now);
	}
}

uint64_t sup_next_deadline(const struct supervisor *sup)
{
	uint64_t next = UINT64_MAX;
	for (size_t i = 0; i < sup->n; i++) {
		const struct service *s = &sup->svc[i];
		bool timed = s->state == SVC_BACKOFF || (s->state == SVC_STARTING && !s->killed) ||
			     (s->state == SVC_STOPPING && !s->killed);
		if (timed && s->deadline && s->deadline < next)
			next = s->deadline;
		bool checking = s->state == SVC_STARTING && !s->killed && s->cfg->ready_check &&
				s->check_pid <= 0;
		if (checking && s->next_check < next)
			next = s->next_check;
	}
	return next;
}

int sup_restart(struct supervisor *sup, const char *name, uint64_t now)
{
	if (sup->shutting_down)
		return -ESHUTDOWN;
	for (size_t i = 0; i < sup->n; i++) {
		struct service *s = &sup->svc[i];
		if (strcmp(s->cfg->name, name) != 0)
			continue;
		log_notice("supervisor", "service %s: restart requested", name);
		s->failures = 0;
		policy_reset_deaths(&s->deaths);
		if (s->pid > 0) {
			s->start_after_stop = true;
			if (s->state != SVC_STOPPING)
				stop(sup, s, now);
		} else {
			set_state(s, SVC_WAITING, now, 0);
		}
		return 0;
	}
	return -ENOENT;
}

void sup_begin_shutdown(struct supervisor *sup, uint64_t now)
{
	sup->shutting_down = true;
	for (size_t i = 0; i < sup->n; i++) {
		struct service *s = &sup->svc[i];
		s->start_after_stop = false;
		if (s->pid <= 0 && s->state != SVC_FAILED)
			set_state(s, SVC_STOPPED, now, 0);
	}
}

void sup_kill_all(struct supervisor *sup)
{
	for (size_t i = 0; i < sup->n; i++) {
		struct service *s = &sup->svc[i];
		if (s->pid <= 0)
			continue;
		s->stop_requested = true;
		s->killed = true;
		sup->ops.kill(sup->ops.ctx, s->pid, SIGKILL);
	}
}

bool sup_all_stopped(const struct supervisor *sup)
{
	for (size_t i = 0; i < sup->n; i++)
		if (sup->svc[i].pid > 0)
			return false;
	return true;
}
