#include "supervisor/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static void __attribute__((noreturn)) exec_child(const struct service_config *cfg,
						  char *const *argv, int ready_w)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	setsid();

	int null = open("/dev/null", O_RDONLY);
	if (null >= 0 && null != STDIN_FILENO) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	char err[256];
	if (confine_apply(&cfg->confine, err, sizeof(err)) < 0) {
		/* Never run with more than the config gives. */
		dprintf(STDERR_FILENO, "bulkhead: service %s: cannot confine: %s\n", cfg->name, err);
		_exit(127);
	}
	if (ready_w >= 0) {
		if (ready_w == cfg->ready_fd)
			fcntl(ready_w, F_SETFD, 0);
		else if (dup2(ready_w, cfg->ready_fd) < 0)
			dprintf(STDERR_FILENO, "bulkhead: service %s: cannot set up ready_fd %d: %s\n",
				cfg->name, cfg->ready_fd, strerror(errno));
	}
	execve(argv[0], argv, environ);
	dprintf(STDERR_FILENO, "bulkhead: service %s: cannot execute %s: %s\n", cfg->name,
		argv[0], strerror(errno));
	_exit(127);
}

/* The child's standing with the OOM killer, before it becomes the service;
 * a failure is said and the service runs without it. */
static void set_oom_score_adj(const struct service_config *cfg)
{
	char value[16];
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	int n = snprintf(value, sizeof(value), "%d", cfg->oom_score_adj);
	if (fd < 0 || write(fd, value, (size_t)n) != n)
		dprintf(STDERR_FILENO, "bulkhead: service %s: cannot set oom_score_adj %d: %s\n",
			cfg->name, cfg->oom_score_adj, strerror(errno));
	if (fd >= 0)
		close(fd);
}

int spawn_service(void *ctx, const struct service_config *cfg, pid_t *pid, int *ready_fd)
{
	int pipefd[2] = { -1, -1 };
	(void)ctx;

	*ready_fd = -1;
	if (cfg->ready_fd >= 0 && pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid_t child = fork();
	if (child < 0) {
		int err = -errno;
		if (pipefd[0] >= 0) {
			close(pipefd[0]);
			close(pipefd[1]);
		}
		return err;
	}
	if (child == 0) {
		if (cfg->oom_score_adj)
			set_oom_score_adj(cfg);
		exec_child(cfg, cfg->argv, pipefd[1]);
	}
	if (pipefd[0] >= 0) {
		close(pipefd[1]);
		fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
		*ready_fd = pipefd[0];
	}
	*pid = child;
	return 0;
}

int spawn_check(void *ctx, const struct service_config *cfg, pid_t *pid)
{
	(void)ctx;
	pid_t child = fork();
	if (child < 0)
		return -errno;
	if (child == 0)
		exec_child(cfg, cfg->ready_check, -1);
	*pid = child;
	return 0;
}

void spawn_kill(void *ctx, pid_t pid, int sig)
{
	(void)ctx;
	if (pid <= 0)
		return;
	kill(-pid, sig);
	kill(pid, sig);
}
