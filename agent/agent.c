#include "agent/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xenstore.h>

#include "agent/agentproto.h"
#include "supervisor/ctlproto.h"

#define TAG "bulkhead agent"

struct agent {
	struct xs_handle *xs;
	char run_path[64], status_path[64];
	const char *shell;
	pid_t child;		/* the command, 0: none (yet, or any more) */
	bool started;
};

static int put_status(struct agent *a, enum agent_state state, int exit_status)
{
	char buf[AGENT_STATUS_MAX + 1];
	struct agent_status st = { .state = state, .exit_status = exit_status };
	size_t len = agent_status_format(&st, buf, sizeof(buf));
	if (!xs_write(a->xs, XBT_NULL, a->status_path, buf, (unsigned)len)) {
		fprintf(stderr, TAG ": cannot write %s: %s\n", a->status_path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The command in a child of its own: stdin from /dev/null, output to
 * ours (the domain's console). */
static pid_t spawn(const char *shell, const char *command)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0 && null != STDIN_FILENO) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	setsid();
	execl(shell, shell, "-c", command, (char *)NULL);
	fprintf(stderr, TAG ": cannot run %s: %s\n", shell, strerror(errno));
	_exit(127);
}

/* dom0 wrote (or rewrote) the command key: the first command runs. */
static void on_run(struct agent *a)
{
	unsigned len = 0;
	if (a->started)
		return;
	char *command = xs_read(a->xs, XBT_NULL, a->run_path, &len);
	if (!command)
		return;
	if (len == 0 || !ctl_command_is_valid(command, len)) {
		if (len)
			fprintf(stderr, TAG ": %s is not a command (%u bytes); ignored\n",
				a->run_path, len);
		free(command);
		return;
	}
	a->started = true;
	a->child = spawn(a->shell, command);
	if (a->child < 0) {
		fprintf(stderr, TAG ": fork: %s\n", strerror(errno));
		a->child = 0;
		put_status(a, AGENT_EXITED, 127);
	} else {
		fprintf(stderr, TAG ": running \"%s\" (pid %d)\n", command, (int)a->child);
		put_status(a, AGENT_RUNNING, 0);
	}
	free(command);
}

static void reap(struct agent *a)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != a->child)
			continue;
		a->child = 0;
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		fprintf(stderr, TAG ": the command ended with status %d\n", code);
		put_status(a, AGENT_EXITED, code);
	}
}

static int setup(struct agent *a, int *sigfd)
{
	sigset_t set;
	unsigned len = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (*sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		fprintf(stderr, TAG ": signalfd: %s\n", strerror(errno));
		return -1;
	}
	a->xs = xs_open(0);
	if (!a->xs) {
		fprintf(stderr, TAG ": cannot reach xenstore: %s (is this a Xen domain?)\n",
			strerror(errno));
		return -1;
	}
	char *id = xs_read(a->xs, XBT_NULL, "domid", &len);
	long domid = id ? strtol(id, NULL, 10) : -1;
	free(id);
	if (domid <= 0 || domid >= 0x7ff0) {
		fprintf(stderr, TAG ": xenstore gives no domid for this domain\n");
		return -1;
	}
	snprintf(a->run_path, sizeof(a->run_path), "/local/domain/%ld/" AGENT_RUN_KEY, domid);
	snprintf(a->status_path, sizeof(a->status_path), "/local/domain/%ld/" AGENT_STATUS_KEY,
		 domid);
	if (!xs_watch(a->xs, a->run_path, "run")) {
		fprintf(stderr, TAG ": cannot watch %s: %s\n", a->run_path, strerror(errno));
		return -1;
	}
	return put_status(a, AGENT_READY, 0);
}

int agent_main(int argc, char **argv)
{
	struct agent a = { .shell = "/bin/sh" };
	int sigfd = -1, ret = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--shell") == 0 && i + 1 < argc) {
			a.shell = argv[++i];
		} else {
			fprintf(stderr, "usage: bulkhead agent [--shell PATH]\n");
			return 2;
		}
	}
	if (setup(&a, &sigfd) < 0)
		goto out;
	fprintf(stderr, TAG ": ready\n");
	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = xs_fileno(a.xs), .events = POLLIN },
			{ .fd = sigfd, .events = POLLIN },
		};
		if (poll(fds, 2, -1) < 0 && errno != EINTR) {
			fprintf(stderr, TAG ": poll: %s\n", strerror(errno));
			goto out;
		}
		if (fds[0].revents) {
			char **vec;
			while ((vec = xs_check_watch(a.xs)) != NULL) {
				free(vec);
				on_run(&a);
			}
		}
		if (fds[1].revents) {
			struct signalfd_siginfo si;
			while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				;
			reap(&a);
		}
	}
out:
	if (a.xs)
		xs_close(a.xs);
	if (sigfd >= 0)
		close(sigfd);
	return ret;
}
